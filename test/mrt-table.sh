#!/bin/bash
# -t 1: routes go to multicast routing table 1 (traffic steered there by
# an `ip mrule`), not to the default table; an instance on the default
# table runs next to it; a second instance on table 1 exits 69.
. "$(dirname "$0")/lib.sh"

need_mroute4
need_mroute6
need_mrt_tables
need_tools
need_daemon
topo 2

conf <<EOF
mroute from $RTR_IN source $SRC4 group 225.1.1.1 to $RTR_OUT1
mroute from $RTR_IN source $SRC6 group ff0e::1:1 to $RTR_OUT1
mroute from $RTR_IN group 225.3.3.0/24 to $RTR_OUT1
EOF
ip -n $RTR mrule add iif $RTR_IN lookup 1 ||
	error "cannot add an IPv4 mrule"
have6=1
ip -n $RTR -6 mrule add iif $RTR_IN lookup 1 2>/dev/null || have6=
daemon_start -t 1

check "IPv4 (S,G) in table 1" mroute_has $SRC4 225.1.1.1 1
check_not "IPv4 (S,G) not in the default table" mfc_has $SRC4 225.1.1.1
expect eq "no VIFs in the default table" "$(vif_count)" 0
flow_check "IPv4 forwarded by table 1" all 225.1.1.1 $SRC4
flow_check "IPv4 learned in table 1" learn 225.3.3.3 $SRC4
check "IPv4 learned entry in table 1" mroute_has $SRC4 225.3.3.3 1
check_not "IPv4 learned entry not in the default table" mfc_has $SRC4 225.3.3.3
check "IPv6 (S,G) in table 1" mroute_has $SRC6 ff0e::1:1 1
check_not "IPv6 (S,G) not in the default table" mfc_has $SRC6 ff0e::1:1
if [ -n "$have6" ]; then
	flow_check "IPv6 forwarded by table 1" all ff0e::1:1 $SRC6
else
	say "no IPv6 mrule support: IPv6 forwarding via table 1 not tested"
fi

# Another instance on the default table, same namespace.
cat >"$WORK/default.conf" <<EOF
mroute from $RTR_OUT2 source 10.0.2.1 group 225.2.2.2 to $RTR_OUT1
EOF
ip netns exec $RTR "$SMCROUTED" -n -f "$WORK/default.conf" -i other \
    -u "$WORK/other.sock" -P "$WORK/other.pid" -l debug \
    >"$WORK/other.log" 2>&1 &
other=$!
bg_add $other
check "default-table instance starts next to table 1" \
    wait_until 10 test -s "$WORK/other.pid"
check "its route is in the default table" mfc_has 10.0.2.1 225.2.2.2
check_not "and not in table 1" mroute_has 10.0.2.1 225.2.2.2 1

# A second instance on table 1: the table is taken.
timeout 10 ip netns exec $RTR "$SMCROUTED" -n -f "$CONF" -t 1 -i third \
    -u "$WORK/third.sock" -P "$WORK/third.pid" -l debug \
    >"$WORK/third.log" 2>&1
expect eq "second instance on table 1: exit 69" $? 69
check "table 1 instance unaffected" mroute_has $SRC4 225.1.1.1 1
flow_check "table 1 still forwarding" all 225.1.1.1 $SRC4

kill -TERM $other
wait $other
expect eq "default-table instance: exit status" $? 0
check "table 1 kept when the other instance exits" mroute_has $SRC4 225.1.1.1 1
daemon_stop
expect eq "exit status" "$DAEMON_RC" 0
expect eq "table 1 empty after exit" "$(mroute_count 4 1)" 0
expect eq "IPv6 table 1 empty after exit" "$(mroute_count 6 1)" 0

finish
