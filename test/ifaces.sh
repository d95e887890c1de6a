#!/bin/bash
# Interfaces that come and go while the daemon runs: routes, templates
# and groups naming an interface that does not exist yet are pending and
# activate when it appears; when an interface vanishes its VIF/MIF goes
# and nothing is forwarded to it, the other routes are untouched, and the
# daemon picks it up again when it comes back (with a new ifindex).
. "$(dirname "$0")/lib.sh"

need_mroute4
need_mroute6
need_tools
need_daemon
topo			# no r2 yet

conf <<EOF
mroute from $RTR_IN source $SRC4 group 225.1.1.1 to $RTR_OUT1
mroute from $RTR_IN source $SRC4 group 225.2.2.2 to $RTR_OUT2
mroute from $RTR_IN source $SRC6 group ff0e::2:2 to $RTR_OUT2
mroute from $RTR_IN group 225.3.3.0/24 to $RTR_OUT2
mgroup from $RTR_OUT2 group 225.5.5.5
mgroup from $RTR_OUT2 group ff0e::5:5
EOF
daemon_start

check "route with existing interfaces installed" \
    mfc_is $SRC4 225.1.1.1 $RTR_IN $RTR_OUT1
check "route to missing r2: a stop filter until r2 comes (as in SMCRoute)" \
    mfc_stop $SRC4 225.2.2.2 $RTR_IN
check_not "no VIF for missing r2" vif_has $RTR_OUT2
check "alive with pending routes" daemon_alive

# r2 appears.
say "creating r2"
topo_leg2
check "IPv4 pending route activated when r2 appears" \
    wait_until 3 mfc_is $SRC4 225.2.2.2 $RTR_IN $RTR_OUT2
check "IPv6 pending route activated" \
    wait_until 3 mfc_is $SRC6 ff0e::2:2 $RTR_IN $RTR_OUT2
check "pending IPv4 group joined" wait_until 3 igmp_has $RTR_OUT2 225.5.5.5
check "pending IPv6 group joined" wait_until 3 igmp6_has $RTR_OUT2 ff0e::5:5
flow 225.2.2.2 $SRC4
expect eq "IPv4 forwarded to the new r2" "$FLOW2" $FLOW_COUNT
flow ff0e::2:2 $SRC6
expect eq "IPv6 forwarded to the new r2" "$FLOW2" $FLOW_COUNT
flow 225.3.3.3 $SRC4 $FLOW_COUNT prime
expect ge "pending template active: learned flow to r2" "$FLOW2" \
    $((FLOW_COUNT - 1))
check "learned entry r0 -> r2" mfc_is $SRC4 225.3.3.3 $RTR_IN $RTR_OUT2

# r2 vanishes.
say "deleting r2"
ip -n $RTR link del $RTR_OUT2
_r2_gone()
{
	! vif_has $RTR_OUT2 && ! mif_has $RTR_OUT2 &&
	    _no_oifs $SRC4 225.2.2.2 && _no_oifs $SRC6 ff0e::2:2 &&
	    _no_oifs $SRC4 225.3.3.3
}
check "r2's VIF, MIF and routes gone" wait_until 3 _r2_gone
check "alive after r2 vanished" daemon_alive
check "other route untouched" mfc_is $SRC4 225.1.1.1 $RTR_IN $RTR_OUT1
flow_check "other route still forwards" all 225.1.1.1 $SRC4

# r2 comes back, with another ifindex.
say "re-creating r2"
topo_leg2
check "route active again when r2 is back" \
    wait_until 3 mfc_is $SRC4 225.2.2.2 $RTR_IN $RTR_OUT2
check "group joined again when r2 is back" \
    wait_until 3 igmp_has $RTR_OUT2 225.5.5.5
flow 225.2.2.2 $SRC4
expect eq "IPv4 forwarded to the re-created r2" "$FLOW2" $FLOW_COUNT
flow ff0e::2:2 $SRC6
expect eq "IPv6 forwarded to the re-created r2" "$FLOW2" $FLOW_COUNT

# The outbound r1 vanishes and comes back.
say "deleting r1"
ip -n $RTR link del $RTR_OUT1
_r1_gone()
{
	! vif_has $RTR_OUT1 && _no_oifs $SRC4 225.1.1.1
}
check "r1's VIF and route gone" wait_until 3 _r1_gone
check "alive after r1 vanished" daemon_alive
check "r2's route untouched" mfc_is $SRC4 225.2.2.2 $RTR_IN $RTR_OUT2
say "re-creating r1"
topo_leg1
check "r1's route back" wait_until 3 mfc_is $SRC4 225.1.1.1 $RTR_IN $RTR_OUT1
flow_check "forwarded to the re-created r1" all 225.1.1.1 $SRC4

# The inbound r0 vanishes: every route from it goes.
say "deleting r0"
ip -n $RTR link del $RTR_IN
_r0_gone()
{
	! vif_has $RTR_IN && [ "$(mfc_count)" = 0 ] && [ "$(mfc_count 6)" = 0 ]
}
check "r0's VIF and every route from it gone" wait_until 3 _r0_gone
check "alive after r0 vanished" daemon_alive

daemon_stop
expect eq "exit status" "$DAEMON_RC" 0
finish
