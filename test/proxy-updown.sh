#!/bin/bash
# IGMP proxy with an interface that is both upstream and downstream
# (phyint r1 upstream igmp downstream group 239.2.0.0/16): r1 serves
# 239.2.0.0/16 and is a downstream LAN, with a querier, for the groups
# r0 (upstream for every other group) serves; r2 is a plain downstream.
#  - a host on r1 joins GA (r0's): GA is set on r0, not on r1, and the
#    stream of GA from r0 reaches r1 (and r2, whose host joined too);
#  - a host on r2 joins GB (r1's): GB is set on r1 (the router's report
#    is on r1's wire) and not on r0; a stream of GB from a host on r1 is
#    forwarded to r2, never to r0 and never back onto r1;
#  - r1's own hosts are not reported on r1: with the host on r1 still
#    joined to GB, r2's leave takes GB off r1 (they report it there
#    themselves, and the flow is on their link anyway);
#  - a stream of GA sent from a host on r1 is not forwarded (r1 is an
#    upstream, not GA's): counted as upstream_group_refused.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy-lib.sh"

need_mroute4
need_tools
need_daemon
need_igmpgen
topo 2
for i in $RTR_IN $RTR_OUT1; do
	sysctl_set "$RTR" net.ipv4.conf.$i.igmpv3_unsolicited_report_interval 50
done

GA=239.1.1.1 GB=239.2.1.1 RTR4_1=10.0.1.254
conf <<EOF
phyint $RTR_IN upstream igmp
phyint $RTR_OUT1 upstream igmp downstream group 239.2.0.0/16 query-interval 60 query-response-interval 1 last-member-query-interval 0.2 last-member-query-count 2
phyint $RTR_OUT2 igmp query-interval 60 query-response-interval 1 last-member-query-interval 0.2 last-member-query-count 2
EOF
daemon_start
igmp_snap
expect seq "r1 role" "$(igmp_if $RTR_OUT1 role)" \
    "upstream, reporting, downstream"
check "r1 runs a querier" wait_until 3 igmp_state $RTR_OUT1 Querier

listen_start w0 src $SRC_IF -U $GB
listen_start w1 rcv1 $RCV1_IF
listen_start a1 rcv1 $RCV1_IF -U $GA
listen_start b1 rcv1 $RCV1_IF -U $GB
listen_start a2 rcv2 $RCV2_IF -U $GA
listen_start b2 rcv2 $RCV2_IF -U $GB
T0=$(now_ns)
recv_start ja1 rcv1 -i $RCV1_IF -d 200 $GA
recv_start ja2 rcv2 -i $RCV2_IF -d 200 $GA
recv_start jb2 rcv2 -i $RCV2_IF -d 200 $GB
check "r1 (downstream side) learned $GA" wait_until 3 mdb_has $RTR_OUT1 $GA
check "r2 learned $GA" wait_until 3 mdb_has $RTR_OUT2 $GA
check "r2 learned $GB" wait_until 3 mdb_has $RTR_OUT2 $GB

# GA: r0's group, r1 is a downstream for it.
check "$GA set on r0" wait_until 2 igmp_has $RTR_IN $GA
check "$GA not set on r1" no_igmp $RTR_OUT1 $GA
igmp_snap
expect seq "show igmp: $GA upstream r0" "$(igmp_up $GA interface)" $RTR_IN
# GB: r1's group; r2's host wants it.
check "$GB set on r1" wait_until 2 igmp_has $RTR_OUT1 $GB
check "$GB not set on r0" no_igmp $RTR_IN $GB
igmp_snap
expect seq "show igmp: $GB upstream r1" "$(igmp_up $GB interface)" $RTR_OUT1
sleep 0.3
expect gt "the router reported $GB on r1's wire" \
    "$(recs_after w1 $RTR4_1 $GB "$T0" | wc -l)" 0
expect eq "the router never reported $GA on r1's wire" \
    "$(recs_after w1 $RTR4_1 $GA 0 | wc -l)" 0

# Streams.
prime src $SRC_IF $SRC4 $GA
prime rcv1 $RCV1_IF $RCV1_4 $GB
prime rcv1 $RCV1_IF $RCV1_4 $GA
T1=$(now_ns)
send src -i $SRC_IF -c 20 -r 200 $GA
send rcv1 -i $RCV1_IF -c 20 -r 200 $GB
send rcv1 -i $RCV1_IF -c 15 -r 200 $GA
sleep 0.3
T2=$(now_ns)
expect eq "$GA from r0 forwarded onto r1 (downstream for it)" \
    "$(udp_in a1 "$T1" "$T2" $SRC4 in)" 20
expect eq "$GA from r0 forwarded onto r2" \
    "$(udp_in a2 "$T1" "$T2" $SRC4 in)" 20
expect eq "$GB from r1's host forwarded to r2" \
    "$(udp_in b2 "$T1" "$T2" $RCV1_4 in)" 20
expect eq "$GB from r1's host not forwarded to r0" \
    "$(udp_in w0 0 "$T2" $RCV1_4 in)" 0
expect eq "r1's host sent its 20 of $GB (seen going out on c1)" \
    "$(udp_in b1 "$T1" "$T2" $RCV1_4 out)" 20
expect eq "$GB not sent back onto r1" "$(udp_in b1 0 "$T2" $RCV1_4 in)" 0
expect eq "$GA from r1's host (not r1's group) not forwarded to r2" \
    "$(udp_in a2 0 "$T2" $RCV1_4 in)" 0
igmp_snap
expect ge "r1 counted the refused $GA flow" \
    "$(igmp_counter $RTR_OUT1 upstream_group_refused)" 1

# r1's own hosts are not reported on r1.
recv_start jb1 rcv1 -i $RCV1_IF -d 200 $GB
check "r1 (downstream side) learned $GB from its own host" \
    wait_until 3 mdb_has $RTR_OUT1 $GB
recv_stop jb2
check "r2's host left $GB" wait_until 3 mdb_gone $RTR_OUT2 $GB
check "$GB off r1 although r1's host is still joined" \
    wait_until 2 no_igmp $RTR_OUT1 $GB
check "r1 still has $GB in its database" mdb_has $RTR_OUT1 $GB
check "$GB not set on r0 either" no_igmp $RTR_IN $GB
igmp_snap
expect seq "show igmp: no upstream row for $GB" "$(igmp_up $GB interface)" ""

check "daemon still running" daemon_alive
daemon_stop
expect eq "exit status" "$DAEMON_RC" 0
finish
