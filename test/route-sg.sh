#!/bin/bash
# (S,G) routes, IPv4 and IPv6: installed at startup before any traffic,
# forwarded to every OIF, other sources get stop filters, phyint
# ttl-threshold, TTL/hop limit 1 not forwarded, clean exit.
. "$(dirname "$0")/lib.sh"

need_mroute4
need_mroute6
need_tools
need_daemon
topo 2

conf <<EOF
# (S,G) routes
phyint $RTR_OUT2 ttl-threshold 3
mroute from $RTR_IN source $SRC4 group 225.1.1.1 to $RTR_OUT1 $RTR_OUT2
mroute from $RTR_IN source $SRC4 group 225.1.1.2 to $RTR_OUT1
mroute from $RTR_IN source $SRC6 group ff0e::1:1 to $RTR_OUT1 $RTR_OUT2
mroute from $RTR_IN source $SRC6 group ff0e::1:2 to $RTR_OUT2
EOF
daemon_start

# Installed at once, before any traffic.
check "IPv4 (S,G) installed r0 -> r1 r2" \
    mfc_is $SRC4 225.1.1.1 $RTR_IN $RTR_OUT1 $RTR_OUT2
check "IPv4 (S,G) installed r0 -> r1" mfc_is $SRC4 225.1.1.2 $RTR_IN $RTR_OUT1
check "IPv6 (S,G) installed r0 -> r1 r2" \
    mfc_is $SRC6 ff0e::1:1 $RTR_IN $RTR_OUT1 $RTR_OUT2
check "IPv6 (S,G) installed r0 -> r2" mfc_is $SRC6 ff0e::1:2 $RTR_IN $RTR_OUT2
expect seq "IPv4 MFC TTLs follow phyint ttl-threshold" \
    "$(mfc_ttls $SRC4 225.1.1.1)" "$RTR_OUT1:1 $RTR_OUT2:3"
expect eq "IPv4 MFC entries" "$(mfc_count)" 2
expect eq "IPv6 MFC entries" "$(mfc_count 6)" 2
for i in $RTR_IN $RTR_OUT1 $RTR_OUT2; do
	check "VIF for $i" vif_has $i
	check "MIF for $i" mif_has $i
done
check_not "no VIF for lo" vif_has lo
check "ip mroute show lists the IPv4 route" mroute_has $SRC4 225.1.1.1
check "ip -6 mroute show lists the IPv6 route" mroute_has $SRC6 ff0e::1:1

# Forwarding.
flow 225.1.1.1 $SRC4
expect eq "IPv4 225.1.1.1 to rcv1" "$FLOW1" $FLOW_COUNT
expect eq "IPv4 225.1.1.1 to rcv2" "$FLOW2" $FLOW_COUNT
expect ge "IPv4 MFC packet counter" "$(mfc_pkts $SRC4 225.1.1.1)" $FLOW_COUNT
flow 225.1.1.2 $SRC4
expect eq "IPv4 225.1.1.2 to rcv1" "$FLOW1" $FLOW_COUNT
expect eq "IPv4 225.1.1.2 not to rcv2" "$FLOW2" 0
flow ff0e::1:1 $SRC6
expect eq "IPv6 ff0e::1:1 to rcv1" "$FLOW1" $FLOW_COUNT
expect eq "IPv6 ff0e::1:1 to rcv2" "$FLOW2" $FLOW_COUNT
flow ff0e::1:2 $SRC6
expect eq "IPv6 ff0e::1:2 not to rcv1" "$FLOW1" 0
expect eq "IPv6 ff0e::1:2 to rcv2" "$FLOW2" $FLOW_COUNT

# Another source of the same group: no route, so a stop filter.
flow 225.1.1.1 $SRC4B
expect eq "IPv4 other source not forwarded (rcv1)" "$FLOW1" 0
expect eq "IPv4 other source not forwarded (rcv2)" "$FLOW2" 0
check "IPv4 stop filter for the other source" mfc_stop $SRC4B 225.1.1.1 $RTR_IN
flow ff0e::1:1 $SRC6B
expect eq "IPv6 other source not forwarded (rcv1)" "$FLOW1" 0
expect eq "IPv6 other source not forwarded (rcv2)" "$FLOW2" 0
check "IPv6 stop filter for the other source" mfc_stop $SRC6B ff0e::1:1 $RTR_IN
check "IPv4 (S,G) unchanged" \
    mfc_is $SRC4 225.1.1.1 $RTR_IN $RTR_OUT1 $RTR_OUT2

# ttl-threshold 3 on r2: TTL 3 is not forwarded there, TTL 4 is.
recv_start t1 rcv1 -i $RCV1_IF -d 10 225.1.1.1
recv_start t2 rcv2 -i $RCV2_IF -d 10 225.1.1.1
send src -i $SRC_IF -c 10 -r 200 -t 3 225.1.1.1
send src -i $SRC_IF -c 10 -r 200 -t 4 -S 101 225.1.1.1
sleep 0.3
recv_stop t1
recv_stop t2
expect eq "TTL 3 and 4 both to rcv1 (threshold 1)" "$(kv t1 received)" 20
expect eq "only TTL 4 to rcv2 (threshold 3)" "$(kv t2 received)" 10
expect eq "rcv2 got the TTL 4 packets" "$(kv t2 min_seq)" 101

# TTL / hop limit 1 is never forwarded.
recv_start t1 rcv1 -i $RCV1_IF -d 10 225.1.1.1
recv_start h1 rcv1 -i $RCV1_IF -d 10 ff0e::1:1
send src -i $SRC_IF -c 10 -r 200 -t 1 225.1.1.1
send src -i $SRC_IF -c 10 -r 200 -t 1 ff0e::1:1
sleep 0.3
recv_stop t1
recv_stop h1
expect eq "IPv4 TTL 1 not forwarded" "$(kv t1 received)" 0
expect eq "IPv6 hop limit 1 not forwarded" "$(kv h1 received)" 0

check "daemon still running" daemon_alive
daemon_stop
expect eq "exit status on SIGTERM" "$DAEMON_RC" 0
expect eq "IPv4 MFC empty after exit" "$(mfc_count)" 0
expect eq "IPv6 MFC empty after exit" "$(mfc_count 6)" 0
expect eq "no VIFs after exit" "$(vif_count)" 0
expect eq "no MIFs after exit" "$(vif_count 6)" 0

finish
