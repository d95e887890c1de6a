#!/bin/bash
# The same (S,G) arriving on two inbound interfaces (redundant networks,
# SMCRoute #212).  The kernel looks an arriving packet up by source and
# group alone and forwards it only from the entry's one inbound
# interface, so one table cannot route both: a second `mroute` for the
# (S,G) from another interface is an error that names both lines (-F,
# at start the line is skipped, on reload the running configuration
# stays), `smcroutectl add` gets an error reply, and moving the route
# to the other interface by a reload works.  The documented way to route
# both: one table per inbound interface (ip mrule iif IF lookup N), a
# daemon per table (-t N); then both copies reach the receiver.
#
#   src:s0  ---- r0:rtr:r1 ---- c1:rcv1
#   src2:s3 ---- r3:rtr        (src2 has src's addresses: one source,
#                               two networks)
. "$(dirname "$0")/lib.sh"

need_mroute4
need_mroute6
need_mrt_tables
need_tools
need_daemon
topo
ns_add src2
link src2 s3 $RTR r3
addr src2 s3 $SRC4/24 $SRC6/64
addr $RTR r3 10.0.0.253/24 fc00::fd/64
G=225.1.2.3 G6=ff0e::1:3

ctl()
{
	timeout 10 ip netns exec "$RTR" "$SMCROUTECTL" -u "$SOCK" "$@"
}

# both_flows GROUP SRC: 20 datagrams from each network, numbered 1-20
# from src and 101-120 from src2; what rcv1 got in GOT.
both_flows()
{
	local grp=$1 s=$2
	recv_start both rcv1 -i $RCV1_IF -d 10 "$grp"
	send src -i $SRC_IF -s "$s" -c 20 -r 500 "$grp"
	send src2 -i s3 -s "$s" -c 20 -r 500 -S 101 "$grp"
	sleep 0.3
	recv_stop both
	GOT=$(kv both received)
}

two_lines()
{
	cat <<EOF
mroute from $RTR_IN source $SRC4 group $G to $RTR_OUT1
mroute from r3 source $SRC4 group $G to $RTR_OUT1
mroute from $RTR_IN source $SRC6 group $G6 to $RTR_OUT1
mroute from r3 source $SRC6 group $G6 to $RTR_OUT1
EOF
}

# ---- smcrouted -F: the second line is an error naming the first
two_lines >"$WORK/two.conf"
smcrouted_run -F "$WORK/two.conf"
expect eq "-F: a second inbound interface for one (S,G) is an error" \
    "$RUN_RC" 78
check "-F: the IPv4 error names the line and the earlier one" \
    grep -qF "two.conf line 2: mroute: ($SRC4, $G) is routed from $RTR_IN already ($WORK/two.conf line 1)" \
    "$WORK/run.out"
check "-F: the IPv6 error too" \
    grep -qF "two.conf line 4: mroute: ($SRC6, $G6) is routed from $RTR_IN already" \
    "$WORK/run.out"
check "-F: the error says why and what to do" \
    grep -qF "the kernel forwards an (S,G) from one inbound interface per table; route r3 in a table of its own (smcrouted -t)" \
    "$WORK/run.out"

# ---- at start: the valid lines are applied, the second one skipped
two_lines | conf
daemon_start
check "IPv4 (S,G) from the first line" mfc_is $SRC4 $G $RTR_IN $RTR_OUT1
check "IPv6 (S,G) from the first line" mfc_is $SRC6 $G6 $RTR_IN $RTR_OUT1
check "the skipped line is logged with its reason" \
    grep -qF "line 2: mroute: ($SRC4, $G) is routed from $RTR_IN already" \
    "$DLOG"
both_flows $G $SRC4
expect eq "only the copy from r0 is forwarded" "$GOT" 20
expect eq "and it is the one from src" "$(kv both last_seq)" 20

# ---- smcroutectl add from the other interface: an error reply
out=$(ctl add r3 $SRC4 $G $RTR_OUT1 2>&1)
rc=$?
echo "# add: rc $rc: $out"
check_not "smcroutectl add from r3 fails" test "$rc" = 0
check "its error names the inbound interface that has the (S,G)" \
    grep -qF "($SRC4, $G) is routed from $RTR_IN already" <<<"$out"
check "the entry is unchanged" mfc_is $SRC4 $G $RTR_IN $RTR_OUT1
out=$(ctl add r3 $SRC6 $G6 $RTR_OUT1 2>&1)
check_not "IPv6: smcroutectl add from r3 fails" test $? = 0
check "IPv6: the entry is unchanged" mfc_is $SRC6 $G6 $RTR_IN $RTR_OUT1

# ---- a reload that moves the (S,G) to r3 is no conflict
conf <<EOF
mroute from r3 source $SRC4 group $G to $RTR_OUT1
mroute from r3 source $SRC6 group $G6 to $RTR_OUT1
EOF
check "reload moving the route to r3 is acknowledged" daemon_reload
check "IPv4 (S,G) now from r3" mfc_is $SRC4 $G r3 $RTR_OUT1
check "IPv6 (S,G) now from r3" mfc_is $SRC6 $G6 r3 $RTR_OUT1
both_flows $G $SRC4
expect eq "only the copy from r3 is forwarded" "$GOT" 20
expect eq "and it is the one from src2" "$(kv both last_seq)" 120

# ---- a reload with both lines is refused; the running routes stay
two_lines | conf
daemon_hup
check "the reload is refused" grep -q "error.*keeping the running configuration" "$DLOG"
check "IPv4 (S,G) still from r3" mfc_is $SRC4 $G r3 $RTR_OUT1
check "IPv6 (S,G) still from r3" mfc_is $SRC6 $G6 r3 $RTR_OUT1
daemon_stop
expect eq "exit status" "$DAEMON_RC" 0

# ---- the way to route both: a table and a daemon per inbound interface
ip -n $RTR mrule add iif $RTR_IN lookup 1 || error "cannot add an IPv4 mrule"
ip -n $RTR mrule add iif r3 lookup 2 || error "cannot add an IPv4 mrule"
have6=1
{ ip -n $RTR -6 mrule add iif $RTR_IN lookup 1 &&
  ip -n $RTR -6 mrule add iif r3 lookup 2; } 2>/dev/null || have6=
for t in 1 2; do
	iif=$RTR_IN
	[ $t = 2 ] && iif=r3
	cat >"$WORK/t$t.conf" <<EOF
mroute from $iif source $SRC4 group $G to $RTR_OUT1
mroute from $iif source $SRC6 group $G6 to $RTR_OUT1
EOF
	ip netns exec $RTR "$SMCROUTED" -n -f "$WORK/t$t.conf" -t $t \
	    -i t$t -u "$WORK/t$t.sock" -P "$WORK/t$t.pid" -l debug \
	    >"$WORK/t$t.log" 2>&1 &
	bg_add $!
	eval "pid$t=$!"
	check "the daemon on table $t starts" wait_until 10 test -s "$WORK/t$t.pid"
done
check "table 1 routes the (S,G) from r0" \
    wait_until 5 mroute_has $SRC4 $G 1
check "table 2 routes the (S,G) from r3" mroute_has $SRC4 $G 2
check "table 1: inbound r0" \
    grep -q "Iif: $RTR_IN " <<<"$(ip -n $RTR mroute show table 1)"
check "table 2: inbound r3" \
    grep -q "Iif: r3 " <<<"$(ip -n $RTR mroute show table 2)"
both_flows $G $SRC4
expect eq "IPv4: both copies reach the receiver" "$GOT" 40
expect eq "IPv4: none lost" "$(kv both unique)" 40
if [ -n "$have6" ]; then
	both_flows $G6 $SRC6
	expect eq "IPv6: both copies reach the receiver" "$GOT" 40
else
	say "no IPv6 mrule support: IPv6 over two tables not tested"
fi
for t in 1 2; do
	eval "kill -TERM \$pid$t"
	eval "wait \$pid$t"
	expect eq "the daemon on table $t exits cleanly" $? 0
done
finish
