#!/bin/bash
# One multicast routing table per daemon: a second daemon on a table
# that is taken (the default one, or table 2) exits 69 with a message
# that names the family and the table and points to -t, without
# disturbing the first; daemons on tables 1 and 2 run side by side in
# one namespace (own -i, -u, -P), each with its own routes, learned
# entries and traffic, sharing an outbound interface; stopping one
# leaves the other's table alone.  (mrt-table.sh covers -t 1 next to the
# default table.)
#
#   src:s0 ---- r0:rtr:r1 ---- c1:rcv1     r0 -> table 1
#   src:s3 ---- r3:rtr:r2 ---- c2:rcv2     r3 -> table 2
. "$(dirname "$0")/lib.sh"

need_mroute4
need_mroute6
need_mrt_tables
need_tools
need_daemon
topo 2
link src s3 $RTR r3
addr src s3 10.0.3.1/24 fc00:3::1/64
addr $RTR r3 10.0.3.254/24 fc00:3::fe/64
SRC4_3=10.0.3.1 SRC6_3=fc00:3::1

ip -n $RTR mrule add iif $RTR_IN lookup 1 2>/dev/null ||
	skip "cannot add an IPv4 mrule (no multiple tables?)"
ip -n $RTR mrule add iif r3 lookup 2 || error "cannot add an IPv4 mrule"
# smcrouted -t takes the table for IPv6 too, and exits 76 without it.
ip -n $RTR -6 mrule add iif $RTR_IN lookup 1 2>/dev/null ||
	skip "cannot add an IPv6 mrule (no IPv6 multiple tables?)"
ip -n $RTR -6 mrule add iif r3 lookup 2 || error "cannot add an IPv6 mrule"

# other_start NAME CONF [ARGS...]: another daemon in $RTR with its own
# identity, socket and PID file; waits for its PID file (or its exit).
other_start()
{
	local name=$1 cf=$2
	shift 2
	rm -f "$WORK/$name.pid"
	ip netns exec $RTR "$SMCROUTED" -n -f "$cf" -i "$name" \
	    -u "$WORK/$name.sock" -P "$WORK/$name.pid" -l debug "$@" \
	    >"$WORK/$name.log" 2>&1 &
	eval "_other_$name=$!"
	bg_add $!
	wait_until 10 _other_ready "$name" >/dev/null
}

_other_ready()
{
	test -s "$WORK/$1.pid" || ! other_alive "$1"
}

# other_alive NAME
other_alive()
{
	local pid
	eval "pid=\$_other_$1"
	kill -0 "$pid" 2>/dev/null
}

# has TEXT NEEDLE: TEXT contains NEEDLE.
has()
{
	grep -qF -- "$2" <<<"$1"
}

# other_exit NAME: the exit status of a daemon that should have ended
# by itself (124 if it is still running after 5 s).
other_exit()
{
	local pid
	eval "pid=\$_other_$1"
	if ! wait_until 5 not other_alive "$1" >/dev/null; then
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		echo 124
		return
	fi
	wait "$pid"
	echo $?
}

other_stop()
{
	local pid
	eval "pid=\$_other_$1"
	kill -TERM "$pid" 2>/dev/null
	wait "$pid"
}

ctl_at()
{
	local sock=$1
	shift
	nsx $RTR "$SMCROUTECTL" -u "$sock" "$@"
}

# mroute_is S G TABLE IIF OIFS: `ip mroute show table TABLE` has (S,G)
# with this inbound interface and these outbound ones (in any order).
mroute_is()
{
	local s=$1 g=$2 tbl=$3 iif=$4 fam=-4 line got
	shift 4
	_is6 "$g" && fam=-6
	line=$(ip -n $RTR $fam mroute show table "$tbl" | grep "^($s,$g) ")
	[ -n "$line" ] || { echo "#  no ($s,$g) in table $tbl"; return 1; }
	got=$(echo "$line" | sed -n 's/.*Iif: *\([^ ]*\) .*/\1/p')
	[ "$got" = "$iif" ] || { echo "#  table $tbl: $line"; return 1; }
	got=$(echo "$line" | sed -n 's/.*Oifs: *\(.*\) State:.*/\1/p' |
	    tr ' ' '\n' | sed '/^$/d' | sort | tr '\n' ' ' | sed 's/ $//')
	[ "$got" = "$(printf '%s\n' "$@" | sort | tr '\n' ' ' | sed 's/ $//')" ] ||
		{ echo "#  table $tbl: $line"; return 1; }
}

# flow3 GROUP SRC: 20 packets from src:s3, counts at rcv1 and rcv2 in
# FLOW1 and FLOW2.
flow3()
{
	local grp=$1 s=$2
	recv_start f31 rcv1 -i $RCV1_IF -d 10 "$grp"
	recv_start f32 rcv2 -i $RCV2_IF -d 10 "$grp"
	send src -i s3 -s "$s" -c 20 -r 500 "$grp"
	sleep 0.2
	recv_stop f31
	recv_stop f32
	FLOW1=$(kv f31 received) FLOW2=$(kv f32 received)
}

# ---- the default table is taken: a second daemon on it exits 69
cat >"$WORK/d0.conf" <<EOF
phyint $RTR_OUT2
EOF
other_start d0 "$WORK/d0.conf"
check "a daemon on the default table starts" test -s "$WORK/d0.pid"
check "its VIF in the default table" vif_has $RTR_OUT2
other_start d0b "$WORK/d0.conf"
expect eq "a second daemon on the default table exits 69" \
    "$(other_exit d0b)" 69
sed 's/^/#  d0b: /' "$WORK/d0b.log"
check "its message names IPv4 table 0" \
    grep -q 'IPv4 multicast routing table 0 is already in use' "$WORK/d0b.log"
check "its message suggests -t" grep -q -- '-t' "$WORK/d0b.log"
check_not "it did not write a PID file" test -e "$WORK/d0b.pid"
check "the first one is still running" other_alive d0
check "the first one's VIF is still there" vif_has $RTR_OUT2
ctl_at "$WORK/d0.sock" show interfaces >"$WORK/ctl.out" 2>&1
expect eq "the first one still answers" $? 0
other_stop d0
check_not "its VIF goes when it exits" vif_has $RTR_OUT2

# ---- tables 1 and 2 side by side
conf <<EOF
mroute from $RTR_IN source $SRC4 group 225.1.1.1 to $RTR_OUT1
mroute from $RTR_IN group 225.1.3.0/24 to $RTR_OUT1
mroute from $RTR_IN source $SRC6 group ff0e::1:1 to $RTR_OUT1
EOF
cat >"$WORK/t2.conf" <<EOF
mroute from r3 source $SRC4_3 group 225.2.2.2 to $RTR_OUT1 $RTR_OUT2
mroute from r3 group 225.2.3.0/24 to $RTR_OUT2
mroute from r3 source $SRC6_3 group ff0e::2:2 to $RTR_OUT2
EOF
daemon_start -t 1
other_start t2 "$WORK/t2.conf" -t 2
check "a -t 2 daemon starts next to the -t 1 one" test -s "$WORK/t2.pid"
check "the -t 1 daemon still running" daemon_alive
check "the -t 2 daemon still running" other_alive t2

check "table 1: its (S,G) r0 -> r1" mroute_is $SRC4 225.1.1.1 1 $RTR_IN $RTR_OUT1
check "table 2: its (S,G) r3 -> r1 r2" \
    mroute_is $SRC4_3 225.2.2.2 2 r3 $RTR_OUT1 $RTR_OUT2
check_not "table 1 lacks table 2's route" mroute_has $SRC4_3 225.2.2.2 1
check_not "table 2 lacks table 1's route" mroute_has $SRC4 225.1.1.1 2
check "table 1: IPv6 (S,G)" mroute_is $SRC6 ff0e::1:1 1 $RTR_IN $RTR_OUT1
check "table 2: IPv6 (S,G)" mroute_is $SRC6_3 ff0e::2:2 2 r3 $RTR_OUT2
check_not "table 1 lacks table 2's IPv6 route" mroute_has $SRC6_3 ff0e::2:2 1
expect eq "default table: no MFC entries" "$(mfc_count)" 0
expect eq "default table: no VIFs" "$(vif_count)" 0
expect eq "default table: no MIFs" "$(vif_count 6)" 0
expect eq "table 1: 1 IPv4 entry" "$(mroute_count 4 1)" 1
expect eq "table 2: 1 IPv4 entry" "$(mroute_count 4 2)" 1

flow 225.1.1.1 $SRC4
expect eq "table 1 forwards its (S,G) to rcv1" "$FLOW1" $FLOW_COUNT
expect eq "... and not to rcv2" "$FLOW2" 0
flow3 225.2.2.2 $SRC4_3
expect eq "table 2 forwards its (S,G) to rcv1 (shared r1)" "$FLOW1" 20
expect eq "... and to rcv2" "$FLOW2" 20
flow 225.2.2.2 $SRC4
expect eq "table 2's group from r0 (table 1) not forwarded" "$FLOW1" 0
check "... a stop filter in table 1" mroute_is $SRC4 225.2.2.2 1 $RTR_IN
flow 225.1.3.3 $SRC4 $FLOW_COUNT prime
expect ge "table 1 learns its template's flow" "$FLOW1" $((FLOW_COUNT - 1))
check "learned in table 1" mroute_is $SRC4 225.1.3.3 1 $RTR_IN $RTR_OUT1
check_not "not in table 2" mroute_has $SRC4 225.1.3.3 2
recv_start l2 rcv2 -i $RCV2_IF -d 10 225.2.3.3
send src -i s3 -s $SRC4_3 -c 1 225.2.3.3
sleep 0.3
send src -i s3 -s $SRC4_3 -c 19 -S 2 -r 500 225.2.3.3
sleep 0.2
recv_stop l2
expect ge "table 2 learns its template's flow" "$(kv l2 received)" 19
check "learned in table 2" mroute_is $SRC4_3 225.2.3.3 2 r3 $RTR_OUT2
check_not "not in table 1" mroute_has $SRC4_3 225.2.3.3 1
expect eq "default table still empty" "$(mfc_count)" 0
flow ff0e::1:1 $SRC6
expect eq "table 1 forwards IPv6" "$FLOW1" $FLOW_COUNT
flow3 ff0e::2:2 $SRC6_3
expect eq "table 2 forwards IPv6" "$FLOW2" 20
expect eq "... only to r2" "$FLOW1" 0

# Each daemon shows its own routes and entries.
j1=$(ctl_at "$SOCK" -j show routes)
j2=$(ctl_at "$WORK/t2.sock" -j show routes)
sg1='"source":"10.0.0.1","group":"225.1.1.1"'
sg2='"source":"10.0.3.1","group":"225.2.2.2"'
check "table 1 daemon shows its route" has "$j1" "$sg1"
check_not "table 1 daemon does not show table 2's" has "$j1" "$sg2"
check "table 2 daemon shows its route" has "$j2" "$sg2"
check_not "table 2 daemon does not show table 1's" has "$j2" "$sg1"

# ---- table 2 is taken: a third daemon on it exits 69
other_start t2b "$WORK/t2.conf" -t 2
expect eq "a second daemon on table 2 exits 69" "$(other_exit t2b)" 69
sed 's/^/#  t2b: /' "$WORK/t2b.log"
check "its message names IPv4 table 2" \
    grep -q 'IPv4 multicast routing table 2 is already in use' "$WORK/t2b.log"
check "its message suggests -t" grep -q 'Use -t' "$WORK/t2b.log"
check "table 2 unaffected" mroute_is $SRC4_3 225.2.2.2 2 r3 $RTR_OUT1 $RTR_OUT2
flow3 225.2.2.2 $SRC4_3
expect eq "table 2 still forwarding" "$FLOW2" 20

# ---- stopping one leaves the other alone
other_stop t2
expect eq "table 2 daemon: exit status" $? 0
expect eq "table 2 empty after its daemon exits" "$(mroute_count 4 2)" 0
expect eq "IPv6 table 2 empty" "$(mroute_count 6 2)" 0
check "table 1 kept" mroute_is $SRC4 225.1.1.1 1 $RTR_IN $RTR_OUT1
flow_check "table 1 still forwarding" all 225.1.1.1 $SRC4
daemon_stop
expect eq "table 1 daemon: exit status" "$DAEMON_RC" 0
expect eq "table 1 empty after exit" "$(mroute_count 4 1)" 0
expect eq "IPv6 table 1 empty after exit" "$(mroute_count 6 1)" 0
finish
