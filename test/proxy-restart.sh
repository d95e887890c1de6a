#!/bin/bash
# SIGKILL, then start again: the daemon dies without cleaning up, its
# PID file and IPC socket stay behind and the kernel drops its routing
# state with the routing sockets.  A new daemon starts over that, finds
# the memberships again in its startup query phase (IGMP and MLD, from a
# real host stack that answers queries), reports them upstream and has
# the streams flowing again within 3 s of its start.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy-lib.sh"

need_mroute4
need_mroute6
need_tools
need_daemon
topo
# The host answers queries at once (max response time 1 s, random).
G=239.8.8.8 G6=ff0e::8:8
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
send_start s4 src -i $SRC_IF -c 100000 -r 100 $G
send_start s6 src -i $SRC_IF -c 100000 -r 100 $G6
check "IPv4 stream routed" wait_until 2 mfc_is $SRC4 $G $RTR_IN $RTR_OUT1
check "IPv6 stream routed" wait_until 2 mfc_is $SRC6 $G6 $RTR_IN $RTR_OUT1

say "SIGKILL"
kill -KILL "$DAEMON_PID"
wait "$DAEMON_PID" 2>/dev/null
old=$DAEMON_PID
DAEMON_PID=
check "the PID file stays behind" test -s "$PIDFILE"
check "the IPC socket stays behind" test -S "$SOCK"
check "the kernel dropped the IPv4 routes with the socket" \
    wait_until 2 not mfc_has $SRC4 $G
check "the kernel dropped the IPv6 routes with the socket" \
    wait_until 2 not mfc_has $SRC6 $G6
check "the kernel left the upstream IPv4 group" \
    wait_until 2 not igmp_has $RTR_IN $G

say "starting again over the leftovers of pid $old"
_now
T0=$NOW
watch_start back4 -t 10 mfc_is $SRC4 $G $RTR_IN $RTR_OUT1
watch_start back6 -t 10 mfc_is $SRC6 $G6 $RTR_IN $RTR_OUT1
DAEMON_KEEP_PIDFILE=1 daemon_start
ts4=$(watch_ns back4)
ts6=$(watch_ns back6)
ms4=never ms6=never
[ -n "$ts4" ] && ms4=$(ms_between "$T0" "$ts4")
[ -n "$ts6" ] && ms6=$(ms_between "$T0" "$ts6")
say "streams routed again $ms4 ms (IPv4) and $ms6 ms (IPv6) after the start"
expect le "IPv4 stream back within 3 s" "${ts4:+$ms4}" 3000
expect le "IPv6 stream back within 3 s" "${ts6:+$ms6}" 3000
check "IPv4 membership relearned" mdb_has $RTR_OUT1 $G
check "IPv6 membership relearned" mdb_has $RTR_OUT1 $G6
check "IPv4 group reported upstream again" wait_until 2 igmp_has $RTR_IN $G
check "IPv6 group reported upstream again" wait_until 2 igmp6_has $RTR_IN $G6
check "the IPC socket answers" eval 'ctl show igmp >/dev/null'
check "the PID file names the new daemon" \
    eval '[ "$(cat "$PIDFILE")" = "$DAEMON_PID" ]'
sleep 1		# a second of the stream after the restart at least
recv_stop j
before=$(kv j received)
expect ge "the host got the IPv4 stream before and after" "${before:-0}" 100

send_stop s4
send_stop s6
recv_stop j6
check "daemon still running" daemon_alive
daemon_stop
expect eq "exit status" "$DAEMON_RC" 0
finish
