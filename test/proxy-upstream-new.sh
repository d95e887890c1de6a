#!/bin/bash
# The upstream interface goes and comes back with a new ifindex and a
# new address, as a PPPoE reconnect does: the daemon, not restarted,
# forgets what it reported on the old one, reports the downstream
# membership on the new one (IGMP and MLD), and routes the stream from
# its new source within 2 s of the interface's return: measured from
# the moment the interface has its addresses and the source sends (the
# test's own `ip` commands before that take seconds in a loaded VM).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy-lib.sh"

need_mroute4
need_mroute6
need_tools
need_daemon
topo
G=239.9.9.9 G6=ff0e::9:9
conf <<EOF
phyint $RTR_IN upstream igmp mld
phyint $RTR_OUT1 igmp mld query-interval 20 query-response-interval 1
EOF
daemon_start

recv_start j rcv1 -i $RCV1_IF -d 60 $G
recv_start j6 rcv1 -i $RCV1_IF -d 60 $G6
check "IPv4 join learned" wait_until 3 mdb_has $RTR_OUT1 $G
check "IPv6 join learned" wait_until 3 mdb_has $RTR_OUT1 $G6
check "IPv4 group reported upstream" wait_until 2 igmp_has $RTR_IN $G
check "IPv6 group reported upstream" wait_until 2 igmp6_has $RTR_IN $G6
send_start s4 src -i $SRC_IF -c 1000 -r 100 $G
check "IPv4 stream routed" wait_until 2 mfc_is $SRC4 $G $RTR_IN $RTR_OUT1
send_stop s4
idx_old=$(ifindex "$RTR" $RTR_IN)

say "upstream $RTR_IN goes"
ip -n "$RTR" link del $RTR_IN || error "cannot delete $RTR_IN"
check "the daemon saw it go" wait_until 2 \
    grep -q "Interface $RTR_IN (ifindex $idx_old) is gone" "$DLOG"
check "the old source's route went with it" wait_until 2 \
    not mfc_has $SRC4 $G
check "daemon alive without an upstream interface" daemon_alive

say "upstream $RTR_IN back with a new address"
NEW4=10.0.9.1 RTR9=10.0.9.254 NEW6=fc00:9::1
link src $SRC_IF "$RTR" $RTR_IN
addr src $SRC_IF $NEW4/24 $NEW6/64
addr "$RTR" $RTR_IN $RTR9/24 fc00:9::fe/64
route src default $RTR9
route src default fc00:9::fe
_now
T0=$NOW
watch_start back4 -t 10 mfc_is $NEW4 $G $RTR_IN $RTR_OUT1
watch_start back6 -t 10 mfc_is $NEW6 $G6 $RTR_IN $RTR_OUT1
send_start n4 src -i $SRC_IF -s $NEW4 -c 1000 -r 100 $G
send_start n6 src -i $SRC_IF -s $NEW6 -c 1000 -r 100 $G6
ts4=$(watch_ns back4)
ts6=$(watch_ns back6)
ms4=never ms6=never
[ -n "$ts4" ] && ms4=$(ms_between "$T0" "$ts4")
[ -n "$ts6" ] && ms6=$(ms_between "$T0" "$ts6")
idx_new=$(ifindex "$RTR" $RTR_IN)
say "$RTR_IN back as ifindex $idx_new (was $idx_old): routed after $ms4 ms" \
    "(IPv4), $ms6 ms (IPv6)"
expect sne "a new ifindex" "$idx_new" "$idx_old"
expect le "IPv4 stream from the new source within 2 s" "${ts4:+$ms4}" 2000
expect le "IPv6 stream from the new source within 2 s" "${ts6:+$ms6}" 2000
check "IPv4 group reported on the new upstream" wait_until 2 \
    igmp_has $RTR_IN $G
check "IPv6 group reported on the new upstream" wait_until 2 \
    igmp6_has $RTR_IN $G6
igmp_snap
expect seq "show igmp: the upstream row names $RTR_IN" \
    "$(igmp_up $G mode)" EXCLUDE
sleep 1
send_stop n4
send_stop n6
recv_stop j
recv_stop j6
expect ge "the host got the stream from the new source" \
    "$(kv j received)" 50
expect ge "and the IPv6 one" "$(kv j6 received)" 50

check "daemon still running" daemon_alive
daemon_stop
expect eq "exit status" "$DAEMON_RC" 0
finish
