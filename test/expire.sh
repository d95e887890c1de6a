#!/bin/bash
# -c 2: (S,G) entries learned from templates stay while traffic flows,
# without loss, and are flushed after it stops; configured (S,G) routes
# are never flushed; a flushed flow is learned again.  IPv4 and IPv6.
. "$(dirname "$0")/lib.sh"

need_mroute4
need_mroute6
need_tools
need_daemon
topo

conf <<EOF
mroute from $RTR_IN group 225.1.1.0/24 to $RTR_OUT1
mroute from $RTR_IN group ff0e::1:0/112 to $RTR_OUT1
mroute from $RTR_IN source $SRC4 group 225.2.2.2 to $RTR_OUT1
mroute from $RTR_IN source $SRC6 group ff0e::2:2 to $RTR_OUT1
EOF
daemon_start -c 2

# Some traffic on the static routes, then none for the rest of the test.
flow_check "IPv4 static (S,G)" all 225.2.2.2 $SRC4
flow_check "IPv6 static (S,G)" all ff0e::2:2 $SRC6

# 5 s of traffic at 100 pps on learned flows.
recv_start r4 rcv1 -i $RCV1_IF -d 30 225.1.1.1
recv_start r6 rcv1 -i $RCV1_IF -d 30 ff0e::1:1
send_start s4 src -i $SRC_IF -d 5 -r 100 225.1.1.1
send_start s6 src -i $SRC_IF -d 5 -r 100 ff0e::1:1
sleep 0.5
miss4=0 miss6=0 n=0
while [ $n -lt 8 ]; do
	mfc_is $SRC4 225.1.1.1 $RTR_IN $RTR_OUT1 >/dev/null || miss4=$((miss4 + 1))
	mfc_is $SRC6 ff0e::1:1 $RTR_IN $RTR_OUT1 >/dev/null || miss6=$((miss6 + 1))
	sleep 0.5
	n=$((n + 1))
done
send_wait s4
send_wait s6
say "traffic stopped"
stopped=$(date +%s%N)
sleep 0.3
recv_stop r4
recv_stop r6
expect eq "IPv4 learned entry present during traffic (misses)" $miss4 0
expect eq "IPv6 learned entry present during traffic (misses)" $miss6 0
sent4=$(kv s4 sent) sent6=$(kv s6 sent)
expect gt "IPv4 packets sent" "$sent4" 400
# The first packets may be lost while the daemon resolves the upcall.
expect ge "IPv4 all received but the first few" "$(kv r4 received)" $((sent4 - 4))
expect eq "IPv4 same last packet" "$(kv r4 last_seq)" "$(kv s4 last_seq)"
expect eq "IPv4 no gap while flowing" "$(kv r4 lost)" 0
expect ge "IPv6 all received but the first few" "$(kv r6 received)" $((sent6 - 4))
expect eq "IPv6 same last packet" "$(kv r6 last_seq)" "$(kv s6 last_seq)"
expect eq "IPv6 no gap while flowing" "$(kv r6 lost)" 0

# Idle now: flushed within two or three intervals, not at once.
check "IPv4 learned entry not flushed immediately" mfc_has $SRC4 225.1.1.1
check "IPv6 learned entry not flushed immediately" mfc_has $SRC6 ff0e::1:1
_gone()
{
	! mfc_has $SRC4 225.1.1.1 && ! mfc_has $SRC6 ff0e::1:1
}
check "learned entries flushed within 8 s of idleness" wait_until 8 _gone
say "flushed after $(( ($(date +%s%N) - stopped) / 1000000 )) ms"
check "IPv4 static (S,G) never flushed" \
    mfc_is $SRC4 225.2.2.2 $RTR_IN $RTR_OUT1
check "IPv6 static (S,G) never flushed" \
    mfc_is $SRC6 ff0e::2:2 $RTR_IN $RTR_OUT1

# Learned again on the next packet.
flow_check "IPv4 learned again" learn 225.1.1.1 $SRC4
check "IPv4 re-learned entry" mfc_is $SRC4 225.1.1.1 $RTR_IN $RTR_OUT1
flow_check "IPv6 learned again" learn ff0e::1:1 $SRC6
check "IPv6 re-learned entry" mfc_is $SRC6 ff0e::1:1 $RTR_IN $RTR_OUT1

daemon_stop
expect eq "exit status" "$DAEMON_RC" 0
finish
