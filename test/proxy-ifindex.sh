#!/bin/bash
# Interfaces with large ifindexes: routers that have seen many PPPoE
# sessions, VLANs or containers come up have ifindexes in the thousands,
# and proxies that kept per-interface tables indexed by ifindex with a
# fixed size ignored such interfaces or exited (improxy at 2571).  The
# router's interfaces here are r0 700 (upstream), r1 2600 and r2 3000
# (downstream), plus a static (S,G) to r2: the VIFs/MIFs are made on
# those ifindexes (ip_mr_vif's Local column), `show interfaces` and
# `show igmp` name them, hosts join, receive and leave on both, IPv4
# and IPv6, and a reload changes nothing.  A fourth leg, r3, is on
# ifindex 70000, beyond the 16 bits in which the kernel's struct
# mif6ctl takes an ifindex: IPv4 works there (VIFF_USE_IFINDEX takes an
# int), and no IPv6 MIF may be made for it, least of all on the
# interface whose ifindex is 70000 modulo 65536 (x4464, present).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy-lib.sh"

need_mroute4
need_mroute6
need_tools
need_daemon
G=239.5.5.5 GS=239.5.5.7 G6=ff0e::5:5
IDX_IN=700 IDX_OUT1=2600 IDX_OUT2=3000 IDX_OUT3=70000 G3=239.5.5.9

# link_idx NS1 IF1 INDEX NS2 IF2: link, with IF1 created on INDEX.
link_idx()
{
	ip link add "$2" netns "$1" index "$3" type veth peer name "$5" \
	    netns "$4" || skip "cannot create $2 with ifindex $3"
	ip -n "$1" link set "$2" up || error "link up $2"
	ip -n "$4" link set "$5" up || error "link up $5"
}

# The standard topology with two legs, the router's ends on IDX_*.
ns_add src "$RTR" rcv1 rcv2 rcv3
link_idx "$RTR" $RTR_IN $IDX_IN src $SRC_IF
link_idx "$RTR" $RTR_OUT1 $IDX_OUT1 rcv1 $RCV1_IF
link_idx "$RTR" $RTR_OUT2 $IDX_OUT2 rcv2 $RCV2_IF
link_idx "$RTR" r3 $IDX_OUT3 rcv3 c3
ip -n "$RTR" link add x4464 index $((IDX_OUT3 % 65536)) type dummy ||
	skip "cannot create a dummy interface"
ip -n "$RTR" link set x4464 up multicast on
addr "$RTR" r3 10.0.3.254/24 fc00:3::fe/64
addr rcv3 c3 10.0.3.1/24
route rcv3 default 10.0.3.254
addr src $SRC_IF $SRC4/24 $SRC6/64
addr "$RTR" $RTR_IN $RTR4_IN/24 fc00::fe/64
addr "$RTR" $RTR_OUT1 10.0.1.254/24 fc00:1::fe/64
addr "$RTR" $RTR_OUT2 10.0.2.254/24 fc00:2::fe/64
addr rcv1 $RCV1_IF $RCV1_4/24 $RCV1_6/64
addr rcv2 $RCV2_IF $RCV2_4/24 $RCV2_6/64
route src default 10.0.0.254
route src default fc00::fe
route rcv1 default 10.0.1.254
route rcv1 default fc00:1::fe
route rcv2 default 10.0.2.254
route rcv2 default fc00:2::fe
sysctl_set "$RTR" net.ipv4.ip_forward 1 net.ipv6.conf.all.forwarding 1

conf <<EOF
phyint $RTR_IN upstream igmp mld
phyint $RTR_OUT1 igmp mld query-interval 10 query-response-interval 1 last-member-query-interval 0.3 last-member-query-count 2
phyint $RTR_OUT2 igmp mld query-interval 10 query-response-interval 1 last-member-query-interval 0.3 last-member-query-count 2
phyint r3 igmp mld query-interval 10 query-response-interval 1
mroute from $RTR_IN source $SRC4 group $GS to $RTR_OUT2
EOF
daemon_start

# vif_local IF: the Local column of IF's VIF in /proc/net/ip_mr_vif as
# a decimal number: the ifindex the VIF was made on (VIFF_USE_IFINDEX).
vif_local()
{
	local line
	local -a w
	_readproc ip_mr_vif
	for line in "${_P[@]:1}"; do
		read -r -a w <<<"$line"
		[ "${w[1]}" = "$1" ] && echo $((16#${w[7]}))
	done
	return 0
}

# ifrow IF FIELD: a field of IF's row in `show interfaces -j`.
ifrow()
{
	local o
	o=$(grep -o "{[^{}]*\"name\":\"$1\"[^{}]*}" "$WORK/ifaces.json" |
	    head -n 1)
	_ofield "$o" "$2" && echo "$_R"
	return 0
}

proc ip_mr_vif | sed 's/^/# /'
for p in "$RTR_IN:$IDX_IN" "$RTR_OUT1:$IDX_OUT1" "$RTR_OUT2:$IDX_OUT2"; do
	i=${p%:*} x=${p#*:}
	expect eq "$i: ifindex as created" "$(ifindex "$RTR" "$i")" "$x"
	check "$i: an IPv4 VIF" vif_has "$i"
	check "$i: an IPv6 MIF" mif_has "$i"
	expect seq "$i: the VIF is on ifindex $x (ip_mr_vif Local)" \
	    "$(vif_local "$i")" "$x"
done
expect seq "r3: the VIF is on ifindex $IDX_OUT3 (ip_mr_vif Local)" \
    "$(vif_local r3)" $IDX_OUT3
check_not "r3 (ifindex $IDX_OUT3) has no IPv6 MIF (16-bit mif6c_pifi)" \
    mif_has r3
check_not "and none was made on x4464 in its place" mif_has x4464
check "the daemon said why r3 has no MIF" wait_until 2 \
    grep -q "r3: ifindex $IDX_OUT3 .*MIF" "$DLOG"
ctl -j show interfaces >"$WORK/ifaces.json" ||
	fail "show interfaces failed"
ctl show interfaces | sed 's/^/# /'
for p in "$RTR_IN:$IDX_IN" "$RTR_OUT1:$IDX_OUT1" "$RTR_OUT2:$IDX_OUT2"; do
	i=${p%:*} x=${p#*:}
	expect seq "show interfaces: $i at index $x" "$(ifrow "$i" index)" "$x"
	expect seq "show interfaces: $i up" "$(ifrow "$i" state)" up
	v=$(ifrow "$i" vif)
	expect seq "show interfaces: $i's VIF is the kernel's" \
	    "$(vif_name "$v")" "$i"
done
check "static (S,G) installed on the high ifindexes" \
    mfc_is $SRC4 $GS $RTR_IN $RTR_OUT2
check "the querier runs on r1 (2600)" wait_until 3 igmp_state $RTR_OUT1 Querier
check "and on r2 (3000)" wait_until 3 igmp_state $RTR_OUT2 Querier

# Join on both legs, IPv4 and IPv6.
recv_start a rcv1 -i $RCV1_IF -d 60 $G
recv_start b rcv2 -i $RCV2_IF -d 60 $G
recv_start a6 rcv1 -i $RCV1_IF -d 60 $G6
recv_start bs rcv2 -i $RCV2_IF -d 60 $GS
check "r1 learned the IPv4 join" wait_until 3 mdb_has $RTR_OUT1 $G
check "r2 learned the IPv4 join" wait_until 3 mdb_has $RTR_OUT2 $G
check "r1 learned the IPv6 join" wait_until 3 mdb_has $RTR_OUT1 $G6
check "reported upstream on r0 (700)" wait_until 2 igmp_has $RTR_IN $G
check "MLD reported upstream on r0 (700)" wait_until 2 igmp6_has $RTR_IN $G6
igmp_snap
expect seq "show igmp: r1's group row" "$(igmp_grp $RTR_OUT1 $G hosts)" \
    $RCV1_4
expect seq "show igmp: r2's group row" "$(igmp_grp $RTR_OUT2 $G hosts)" \
    $RCV2_4
prime src $SRC_IF $SRC4 $G
prime src $SRC_IF $SRC6 $G6
send src -i $SRC_IF -c 200 -r 200 $G ||
	error "mcsend failed: $(cat "$WORK/send.err")"
send src -i $SRC_IF -c 200 -r 200 $G6 ||
	error "mcsend failed: $(cat "$WORK/send.err")"
send src -i $SRC_IF -c 200 -r 200 $GS ||
	error "mcsend failed: $(cat "$WORK/send.err")"
check "MFC ($SRC4, $G): 700 -> 2600, 3000" \
    mfc_is $SRC4 $G $RTR_IN $RTR_OUT1 $RTR_OUT2
check "MFC ($SRC6, $G6): 700 -> 2600" mfc_is $SRC6 $G6 $RTR_IN $RTR_OUT1
ctl show routes | sed 's/^/# /'
ctl show routes >"$WORK/routes.txt"
check "show routes names r0, r1 and r2 for ($SRC4, $G)" grep -Eq \
    "\\($SRC4, *$G\\) +$RTR_IN +($RTR_OUT1 +$RTR_OUT2|$RTR_OUT2 +$RTR_OUT1)" \
    "$WORK/routes.txt"

# Reload: nothing to change, nothing may move.
daemon_reload
for p in "$RTR_IN:$IDX_IN" "$RTR_OUT1:$IDX_OUT1" "$RTR_OUT2:$IDX_OUT2"; do
	i=${p%:*} x=${p#*:}
	expect seq "after reload: $i's VIF still on $x" "$(vif_local "$i")" "$x"
done
expect eq "after reload: four VIFs" "$(vif_count)" 4
expect eq "after reload: three MIFs" "$(vif_count 6)" 3

# r3 (70000) in IPv4: join, stream, leave.
recv_start c rcv3 -i c3 -d 60 $G3
check "r3 learned the IPv4 join" wait_until 3 mdb_has r3 $G3
prime src $SRC_IF $SRC4 $G3
send src -i $SRC_IF -c 100 -r 200 $G3 ||
	error "mcsend failed: $(cat "$WORK/send.err")"
check "MFC ($SRC4, $G3): 700 -> 70000" mfc_is $SRC4 $G3 $RTR_IN r3
sleep 0.3
recv_stop c
expect ge "rcv3 (behind 70000) received the stream" "$(kv c received)" 99
check "r3's group gone after the leave" wait_until 3 mdb_gone r3 $G3

# r1's host leaves: r2 keeps the stream, r1 is pruned after LMQT.
recv_stop a
check "r1's group gone after the leave" wait_until 3 mdb_gone $RTR_OUT1 $G
check "MFC ($SRC4, $G): 700 -> 3000 only" wait_until 2 \
    mfc_is $SRC4 $G $RTR_IN $RTR_OUT2
send src -i $SRC_IF -c 100 -r 200 $G ||
	error "mcsend failed: $(cat "$WORK/send.err")"
sleep 0.3
recv_stop b
recv_stop a6
recv_stop bs
expect ge "rcv1 (behind 2600) received the IPv4 stream" "$(kv a received)" 199
expect ge "rcv2 (behind 3000) received it and the rest" "$(kv b received)" 299
expect ge "rcv1 received the IPv6 stream" "$(kv a6 received)" 199
expect ge "rcv2 received the static route's stream" "$(kv bs received)" 199
check "r2's group gone after its leave" wait_until 3 mdb_gone $RTR_OUT2 $G
check "MFC ($SRC4, $G) without OIFs" wait_until 2 _no_oifs $SRC4 $G
check "the IPv6 group gone after the leave" wait_until 3 \
    mdb_gone $RTR_OUT1 $G6
check "left upstream on r0" wait_until 2 not igmp_has $RTR_IN $G
check "the static (S,G) stays" mfc_is $SRC4 $GS $RTR_IN $RTR_OUT2

check "daemon still running" daemon_alive
daemon_stop
expect eq "exit status" "$DAEMON_RC" 0
expect eq "no VIF after exit" "$(vif_count)" 0
finish
