#!/bin/bash
# IGMP proxy, messages without the IP Router Alert option (cheap
# switches strip it), per downstream interface: by default an IGMPv3
# report without it is dropped (drop_no_router_alert) and an IGMPv2 one
# taken; "router-alert optional" takes the v3 report too and the
# membership works (traffic flows); "router-alert require" drops the v2
# one as well.  Every message taken without the option is counted
# (no_router_alert_accepted), in JSON and in the text table, and a
# reload changes the setting of a running interface.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy-lib.sh"

need_mroute4
need_tools
need_daemon
need_igmpgen
topo 2

conf <<EOF
phyint $RTR_IN upstream
phyint $RTR_OUT1 igmp query-interval 10 query-response-interval 1
phyint $RTR_OUT2 igmp query-interval 10 query-response-interval 1 router-alert optional
EOF
daemon_start

# Default (r1): v3 without RA dropped and counted, v2 without RA taken.
gen rcv1 $RCV1_IF report3 to_ex:239.6.0.1 --no-ra
gen rcv1 $RCV1_IF report2 239.6.0.2 --no-ra
check "default: v2 report without RA accepted" \
    wait_until 2 mdb_has $RTR_OUT1 239.6.0.2
igmp_snap
expect eq "default: v3 report without RA dropped and counted" \
    "$(igmp_counter $RTR_OUT1 drop_no_router_alert)" 1
expect seq "default: no v3 group created from it" \
    "$(igmp_grp $RTR_OUT1 239.6.0.1 mode)" ""
expect eq "default: the v2 one counted as accepted without RA" \
    "$(igmp_counter $RTR_OUT1 no_router_alert_accepted)" 1
gen rcv1 $RCV1_IF report3 to_ex:239.6.0.3
check "default: v3 report with RA accepted" \
    wait_until 2 mdb_has $RTR_OUT1 239.6.0.3
igmp_snap
expect eq "default: a report with RA is not counted as without" \
    "$(igmp_counter $RTR_OUT1 no_router_alert_accepted)" 1

# optional (r2): the v3 report without RA makes a working membership.
G=239.6.1.1
listen_start w rcv2 $RCV2_IF -U $G
gen rcv2 $RCV2_IF report3 to_ex:$G --no-ra
check "optional: v3 report without RA accepted" \
    wait_until 2 mdb_has $RTR_OUT2 $G
igmp_snap
expect eq "optional: counted as accepted without RA" \
    "$(igmp_counter $RTR_OUT2 no_router_alert_accepted)" 1
expect eq "optional: nothing dropped for want of RA" \
    "$(igmp_counter $RTR_OUT2 drop_no_router_alert)" 0
expect seq "optional: the group is in EXCLUDE mode" \
    "$(igmp_grp $RTR_OUT2 $G mode)" EXCLUDE
check "counter in the text table too" \
    eval 'ctl show igmp | grep -q "no_router_alert_accepted"'
prime src $SRC_IF $SRC4 $G
send src -i $SRC_IF -c 20 -r 500 $G
sleep 0.3
listen_stop w
check "optional: (S,G) r0 -> r2" mfc_is $SRC4 $G $RTR_IN $RTR_OUT2
expect ge "optional: the stream reaches the LAN" "$(udp_count w)" 20

# Reload: r1 requires RA on everything, r2 back to the default.
conf <<EOF
phyint $RTR_IN upstream
phyint $RTR_OUT1 igmp query-interval 10 query-response-interval 1 router-alert require
phyint $RTR_OUT2 igmp query-interval 10 query-response-interval 1
EOF
check "reload acknowledged" daemon_reload
gen rcv1 $RCV1_IF report2 239.6.2.1 --no-ra
gen rcv1 $RCV1_IF report2 239.6.2.2
gen rcv2 $RCV2_IF report3 to_ex:239.6.2.3 --no-ra
gen rcv2 $RCV2_IF report3 to_ex:239.6.2.4
check "require: v2 report with RA accepted" \
    wait_until 2 mdb_has $RTR_OUT1 239.6.2.2
check "default again on r2: v3 report with RA accepted" \
    wait_until 2 mdb_has $RTR_OUT2 239.6.2.4
igmp_snap
expect seq "require: v2 report without RA dropped" \
    "$(igmp_grp $RTR_OUT1 239.6.2.1 mode)" ""
expect eq "require: and counted" \
    "$(igmp_counter $RTR_OUT1 drop_no_router_alert)" 2
expect eq "require: nothing more accepted without RA" \
    "$(igmp_counter $RTR_OUT1 no_router_alert_accepted)" 1
expect seq "default again on r2: v3 without RA dropped" \
    "$(igmp_grp $RTR_OUT2 239.6.2.3 mode)" ""
expect eq "default again on r2: and counted" \
    "$(igmp_counter $RTR_OUT2 drop_no_router_alert)" 1

check "daemon still running" daemon_alive
daemon_stop
expect eq "exit status" "$DAEMON_RC" 0
finish
