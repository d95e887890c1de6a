#!/bin/bash
# IGMP proxy, interfaces that come and go: a downstream link deleted
# while joined loses its OIF and its state while the other downstream
# keeps receiving; re-created, it is a querier again and a new join is
# forwarded.  The upstream link deleted and re-created: the merged
# membership is reported again (IGMPv3 on the new link, /proc/net/igmp)
# and the stream flows again.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy-lib.sh"

need_mroute4
need_tools
need_daemon
need_igmpgen
topo 2

G=239.14.0.1
conf <<EOF
phyint $RTR_IN upstream igmp
phyint $RTR_OUT1 igmp query-interval 10 query-response-interval 1
phyint $RTR_OUT2 igmp query-interval 10 query-response-interval 1
EOF
daemon_start

recv_start a rcv1 -i $RCV1_IF -d 30 $G
recv_start b rcv2 -i $RCV2_IF -d 30 $G
check "joined on r1 and r2" wait_until 2 eval \
    'mdb_has $RTR_OUT1 $G && mdb_has $RTR_OUT2 $G'
prime src $SRC_IF $SRC4 $G
check "(S,G) r0 -> r1 r2" mfc_is $SRC4 $G $RTR_IN $RTR_OUT1 $RTR_OUT2

# The downstream link r1 goes away mid-stream.
send_start st src -i $SRC_IF -d 1.5 -r 200 $G
sleep 0.5
ip -n "$RTR" link del $RTR_OUT1 || error "cannot delete r1"
check "r1 gone: (S,G) r0 -> r2" wait_until 1 mfc_is $SRC4 $G $RTR_IN $RTR_OUT2
igmp_snap
expect eq "r1 gone from show igmp" \
    "$(_objs | grep '"role":' | grep -c "\"interface\":\"$RTR_OUT1\"")" 0
expect eq "r1's groups gone" "$(igmp_ngroups $RTR_OUT1)" 0
send_wait st
sleep 0.2
recv_stop b
recv_stop a
expect eq "rcv2 lost nothing while r1 went away" "$(kv b lost)" 0
expect eq "rcv2 got the whole stream" "$(kv b received)" "$(kv st sent)"
check "daemon survived" daemon_alive
recv_start b2 rcv2 -i $RCV2_IF -d 30 $G

# r1 comes back.
topo_leg1
check "r1 back in the proxy as Querier" wait_until 3 igmp_state $RTR_OUT1 Querier
recv_start a2 rcv1 -i $RCV1_IF -d 30 $G
check "new join on r1 learned" wait_until 2 mdb_has $RTR_OUT1 $G
check "(S,G) r0 -> r1 r2 again" wait_until 1 \
    mfc_is $SRC4 $G $RTR_IN $RTR_OUT1 $RTR_OUT2
send src -i $SRC_IF -c 20 -r 500 $G
sleep 0.2
recv_stop a2
expect eq "rcv1 receives again" "$(kv a2 received)" 20

# The upstream link goes away and comes back.
check "r0 reports $G" igmp_has $RTR_IN $G
ip -n "$RTR" link del $RTR_IN || error "cannot delete r0"
wait_until 1 eval '! ip -n "$RTR" link show '"$RTR_IN"' >/dev/null 2>&1'
sleep 0.3
check "daemon survived the upstream going away" daemon_alive
link src $SRC_IF "$RTR" $RTR_IN
addr src $SRC_IF $SRC4/24
addr "$RTR" $RTR_IN $RTR4_IN/24
listen_start up src $SRC_IF
check "upstream back: r0 reports $G again" wait_until 3 igmp_has $RTR_IN $G
# Its unsolicited report may have left before the listener was up: a
# general query from upstream has it reported now.
gen src $SRC_IF -S $SRC4 -m 100 query
check "the report on the new upstream link" wait_until 2 eval \
    "grep -q 'src=$RTR4_IN .*type=report_v3 .*rec=[A-Z_]*:$G' '$WORK/up.out'"
listen_stop up
igmp_snap
expect seq "upstream table has $G" "$(igmp_up $G mode)" EXCLUDE
recv_start a3 rcv1 -i $RCV1_IF -d 30 $G
prime src $SRC_IF $SRC4 $G
check "(S,G) from the new r0 -> r1 r2" \
    mfc_is $SRC4 $G $RTR_IN $RTR_OUT1 $RTR_OUT2
send src -i $SRC_IF -c 20 -r 500 $G
sleep 0.2
recv_stop a3
recv_stop b2
expect eq "stream flows again through the new upstream (rcv1)" \
    "$(kv a3 received)" 20
expect eq "rcv2 got both later streams (r1 back, new upstream)" \
    "$(kv b2 received)" 40

check "daemon still running" daemon_alive
daemon_stop
expect eq "exit status" "$DAEMON_RC" 0
finish
