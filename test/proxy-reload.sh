#!/bin/bash
# IGMP proxy, reload: knobs change in place.  A joined group keeps
# flowing without loss across a reload (SIGHUP) that changes r1's
# query-interval (applied from now on: the next query moves out) and
# adds r2 as a downstream interface (a host there joins and receives);
# a second reload (smcroutectl reload) that takes r2's igmp role away
# stops forwarding to r2 at once, r1 still loses nothing.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy-lib.sh"

need_mroute4
need_tools
need_daemon
need_igmpgen
topo 2

G=239.13.0.1
conf <<EOF
phyint $RTR_IN upstream
phyint $RTR_OUT1 igmp query-interval 10 query-response-interval 1 startup-query-count 1
EOF
daemon_start

recv_start a rcv1 -i $RCV1_IF -d 30 $G
check "r1 group learned" wait_until 2 mdb_has $RTR_OUT1 $G
nq0=$(igmp_if $RTR_OUT1 next_query_ms)
expect le "next query within the old interval (ms)" "$nq0" 10000
expect eq "r2 not in the proxy" "$(_objs | grep '"role":' | grep -c '"interface":"r2"')" 0
prime src $SRC_IF $SRC4 $G
send_start st src -i $SRC_IF -d 60 -r 500 $G
sleep 0.7

conf <<EOF
phyint $RTR_IN upstream
phyint $RTR_OUT1 igmp query-interval 20 query-response-interval 1 startup-query-count 1
phyint $RTR_OUT2 igmp query-interval 20 query-response-interval 1
EOF
assert "reload acknowledged" daemon_reload
igmp_snap
expect seq "r1 group kept" "$(igmp_grp $RTR_OUT1 $G hosts)" $RCV1_4
nq1=$(igmp_if $RTR_OUT1 next_query_ms)
expect gt "new query-interval applied: next query moved out (ms)" "$nq1" 18000
expect le "next query within the new interval (ms)" "$nq1" 20000
expect seq "r2 added, Querier" "$(igmp_if $RTR_OUT2 state)" Querier
check "r2 sent a general query" counter_ge $RTR_OUT2 tx_general_query 1
check "MFC r0 -> r1 kept" mfc_is $SRC4 $G $RTR_IN $RTR_OUT1

recv_start b rcv2 -i $RCV2_IF -d 30 $G
check "r2 group learned" wait_until 2 mdb_has $RTR_OUT2 $G
check "MFC r0 -> r1 r2" wait_until 1 mfc_is $SRC4 $G $RTR_IN $RTR_OUT1 $RTR_OUT2
sleep 0.5
recv_stop b
expect gt "rcv2 receives" "$(kv b received)" 100
recv_start b2 rcv2 -i $RCV2_IF -d 30 $G
listen_start w2 rcv2 $RCV2_IF -U $G
sleep 0.2

# Take r2 out again (smcroutectl reload).
conf <<EOF
phyint $RTR_IN upstream
phyint $RTR_OUT1 igmp query-interval 20 query-response-interval 1 startup-query-count 1
EOF
before=$(_mtime "$PIDFILE")
assert "smcroutectl reload" ctl reload
wait_until 5 _reloaded "$before" || say "WARNING: no reload acknowledgement"
# The daemon touches the PID file after applying the configuration.
ack=$(_mtime "$PIDFILE")
ack=${ack/./}
check "MFC r0 -> r1 only" wait_until 1 mfc_is $SRC4 $G $RTR_IN $RTR_OUT1
igmp_snap
expect eq "r2 gone from show igmp" \
    "$(_objs | grep '"role":' | grep -c '"interface":"r2"')" 0
sleep 0.3
send_stop st
sleep 0.2
recv_stop a
recv_stop b2
listen_stop w2
last=$(udp_last_ts w2)
if [ -n "$last" ]; then
	# The file's time is the kernel's coarse clock: a tick behind.
	expect le "r2 forwarding stopped when the reload was applied (ms after)" \
	    "$(ms_between "$ack" "$last")" 20
fi
expect gt "rcv2 got some before the second reload" "$(kv b2 received)" 0
expect eq "r1: every packet across both reloads" "$(kv a received)" \
    "$(kv st sent)"
expect eq "r1: nothing lost" "$(kv a lost)" 0

check "daemon still running" daemon_alive
daemon_stop
expect eq "exit status" "$DAEMON_RC" 0
finish
