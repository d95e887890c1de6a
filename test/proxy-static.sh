#!/bin/bash
# IGMP proxy beside static routes: one kernel entry per (S,G) whose
# OIFs are the union of the static rule's and the proxy's.  A (*,G)
# template to r2 plus an IGMP join on r1 gives (S,G) r0 -> r1 r2, both
# receivers get the stream; after the leave r2 keeps it without a gap.
# The same for an (S,G) route installed at startup.  Removing the static
# rules on reload leaves the dynamic OIF; adding them back adds r2.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy-lib.sh"

need_mroute4
need_tools
need_daemon
need_igmpgen
topo 2
sysctl_set rcv1 net.ipv4.conf.$RCV1_IF.igmpv3_unsolicited_report_interval 10

G=239.8.8.1 G2=239.8.8.2
conf <<EOF
phyint $RTR_IN upstream
phyint $RTR_OUT1 igmp query-interval 10 query-response-interval 1 last-member-query-interval 0.2 last-member-query-count 2
mroute from $RTR_IN group $G to $RTR_OUT2
mroute from $RTR_IN source $SRC4 group $G2 to $RTR_OUT2
EOF
daemon_start
check "static (S,G2) installed at startup r0 -> r2" \
    mfc_is $SRC4 $G2 $RTR_IN $RTR_OUT2

# Static (*,G) only: learned on the first packet, to r2 alone (rcv1's
# wire is watched without joining).
listen_start w1 rcv1 $RCV1_IF -U $G
recv_start o2 rcv2 -i $RCV2_IF -d 30 $G
send src -i $SRC_IF -c 1 $G
sleep 0.3
send src -i $SRC_IF -c 19 -S 2 -r 500 $G
sleep 0.2
recv_stop o2
listen_stop w1
expect ge "static only: rcv2 got the stream" "$(kv o2 received)" 19
expect eq "static only: nothing on r1 (no IGMP member)" "$(udp_count w1)" 0
check "static only: (S,G) r0 -> r2" mfc_is $SRC4 $G $RTR_IN $RTR_OUT2

# IGMP join on r1: the same entry gets r1 as well.
recv_start j1 rcv1 -i $RCV1_IF -d 30 $G
recv_start j12 rcv1 -i $RCV1_IF -d 30 $G2
check "join learned" wait_until 2 eval 'mdb_has $RTR_OUT1 $G && mdb_has $RTR_OUT1 $G2'
check "(S,G) r0 -> r1 r2" wait_until 2 mfc_is $SRC4 $G $RTR_IN $RTR_OUT1 $RTR_OUT2
check "(S,G2) r0 -> r1 r2" mfc_is $SRC4 $G2 $RTR_IN $RTR_OUT1 $RTR_OUT2
expect eq "one kernel entry per (S,G)" "$(mfc_count)" 2
expect eq "ip mroute agrees" "$(mroute_count 4)" 2

# A stream across the leave: r2 loses nothing.
recv_start s2 rcv2 -i $RCV2_IF -d 30 $G
recv_start s22 rcv2 -i $RCV2_IF -d 30 $G2
p1=$(mfc_pkts $SRC4 $G) p2=$(mfc_pkts $SRC4 $G2)
send_start st src -i $SRC_IF -d 2 -r 200 $G
send_start st2 src -i $SRC_IF -d 2 -r 200 $G2
# Until the kernel forwarded 120 of each (the senders take a while to
# start in a loaded guest, a sanitizer build more: a fixed 0.8 s once
# left rcv1 68 datagrams).
check "the streams flow" wait_until 3 eval \
    'mfc_pkts_ge $SRC4 $G $((p1 + 120)) && mfc_pkts_ge $SRC4 $G2 $((p2 + 120))'
check "both on r1 and r2 while joined" mfc_is $SRC4 $G $RTR_IN $RTR_OUT1 $RTR_OUT2
recv_stop j1
recv_stop j12
expect ge "rcv1 received while joined" "$(kv j1 received)" 100
expect ge "rcv1 received G2 while joined" "$(kv j12 received)" 100
check "after the leave: (S,G) r0 -> r2 only" wait_until 3 \
    mfc_is $SRC4 $G $RTR_IN $RTR_OUT2
check "after the leave: (S,G2) r0 -> r2 only" wait_until 2 \
    mfc_is $SRC4 $G2 $RTR_IN $RTR_OUT2
send_wait st
send_wait st2
sleep 0.2
recv_stop s2
recv_stop s22
expect eq "rcv2 got every packet of G" "$(kv s2 received)" "$(kv st sent)"
expect eq "rcv2 got every packet of G2" "$(kv s22 received)" "$(kv st2 sent)"
expect eq "rcv2 lost nothing" "$(( $(kv s2 lost) + $(kv s22 lost) ))" 0
expect eq "still one entry per (S,G)" "$(mfc_count)" 2

# Rejoin, then reload without the static rules, then with them again.
recv_start j2 rcv1 -i $RCV1_IF -d 30 $G
check "rejoined: (S,G) r0 -> r1 r2" wait_until 2 \
    mfc_is $SRC4 $G $RTR_IN $RTR_OUT1 $RTR_OUT2
grep -v '^mroute' "$CONF" >"$CONF.new" && mv "$CONF.new" "$CONF"
daemon_reload
check "static rules removed: (S,G) r0 -> r1 (dynamic) only" wait_until 2 \
    mfc_is $SRC4 $G $RTR_IN $RTR_OUT1
check "static rules removed: (S,G2) without OIFs" wait_until 2 \
    _no_oifs $SRC4 $G2
send src -i $SRC_IF -c 20 -r 500 $G
sleep 0.2
echo "mroute from $RTR_IN group $G to $RTR_OUT2" >>"$CONF"
daemon_reload
# (The host stays joined until here: its leave would take r1 away.)
check "static rule back: (S,G) r0 -> r1 r2" wait_until 2 \
    mfc_is $SRC4 $G $RTR_IN $RTR_OUT1 $RTR_OUT2
recv_stop j2
expect eq "rcv1 still gets the stream" "$(kv j2 received)" 20

check "daemon still running" daemon_alive
daemon_stop
expect eq "exit status" "$DAEMON_RC" 0
expect eq "no MFC entries after exit" "$(mfc_count)" 0
finish
