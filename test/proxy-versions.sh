#!/bin/bash
# IGMP proxy, host versions (force_igmp_version in the receiver's
# namespace): an IGMPv2 host joins and leaves (v2 group-specific
# queries, group gone after LMQT); an IGMPv1 host joins (compat 1; v2
# leaves are ignored for the group in v1 compatibility, and its own
# "leave" is only a timeout); an IGMPv3 host joins source-specifically
# (INCLUDE).  An interface configured "version 2" ignores v3 reports and
# its v3 host falls back to v2 on hearing v2 queries.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy-lib.sh"

need_mroute4
need_tools
need_daemon
need_igmpgen
topo 2
force()
{
	sysctl_set rcv1 net.ipv4.conf.$RCV1_IF.force_igmp_version "$1"
}

G1=239.3.0.1 G2=239.3.0.2 G3=239.3.0.3 G4=239.3.0.4 G5=239.3.0.5
conf <<EOF
phyint $RTR_IN upstream
phyint $RTR_OUT1 igmp query-interval 10 query-response-interval 1 last-member-query-interval 0.2 last-member-query-count 2
phyint $RTR_OUT2 igmp version 2 query-interval 10 query-response-interval 1
EOF
daemon_start

# IGMPv2 host.
force 2
listen_start wire rcv1 $RCV1_IF
recv_start v2 rcv1 -i $RCV1_IF -d 30 $G2
check "v2: group learned" wait_until 2 mdb_has $RTR_OUT1 $G2
expect eq "v2: compat 2" "$(igmp_grp $RTR_OUT1 $G2 compat)" 2
expect seq "v2: mode EXCLUDE" "$(igmp_grp $RTR_OUT1 $G2 mode)" EXCLUDE
expect ge "v2: report_v2 counted" "$(igmp_counter $RTR_OUT1 report_v2)" 1
prime src $SRC_IF $SRC4 $G2
send src -i $SRC_IF -c 20 -r 500 $G2
sleep 0.2
recv_stop v2
expect eq "v2: stream received" "$(kv v2 received)" 20
check "v2: leave counted" wait_until 1 counter_ge $RTR_OUT1 leave 1
check "v2: group gone after LMQT" wait_until 1.5 mdb_gone $RTR_OUT1 $G2
listen_stop wire
expect ge "v2: v2 group-specific query on the wire" \
    "$(grep -c "src=10.0.1.254 .*type=query version=2 group=$G2 " "$WORK/wire.out")" 1
expect eq "v2: no v3 group-specific query for a v2 group" \
    "$(grep -c "type=query version=3 group=$G2 " "$WORK/wire.out")" 0
expect ge "v2: host sent its leave to 224.0.0.2" \
    "$(grep -c "src=$RCV1_4 dst=224.0.0.2 .*type=leave group=$G2" "$WORK/wire.out")" 1

# IGMPv1 host.
force 1
recv_start v1 rcv1 -i $RCV1_IF -d 30 $G1
check "v1: group learned" wait_until 2 mdb_has $RTR_OUT1 $G1
expect eq "v1: compat 1" "$(igmp_grp $RTR_OUT1 $G1 compat)" 1
expect ge "v1: report_v1 counted" "$(igmp_counter $RTR_OUT1 report_v1)" 1
prime src $SRC_IF $SRC4 $G1
send src -i $SRC_IF -c 20 -r 500 $G1
sleep 0.2
recv_stop v1
expect eq "v1: stream received" "$(kv v1 received)" 20
# RFC 3376 7.3.2: in v1 compatibility, v2 leaves are ignored.
before=$(igmp_snap; igmp_counter $RTR_OUT1 "record_ignored_in_compatibility_mode")
gen rcv1 $RCV1_IF leave $G1
check "v1: crafted v2 leave ignored in v1 compatibility" wait_until 1 \
    counter_ge $RTR_OUT1 "record_ignored_in_compatibility_mode" $((before + 1))
# The v1 host has left without a word: the group stays until it times out.
sleep 0.6
igmp_snap
expect seq "v1: group kept after the silent v1 leave (> LMQT)" \
    "$(igmp_grp $RTR_OUT1 $G1 mode)" EXCLUDE
check "v1: still forwarded to r1" mfc_is $SRC4 $G1 $RTR_IN $RTR_OUT1

# IGMPv3 host, source-specific.
force 0
recv_start v3 rcv1 -i $RCV1_IF -d 30 -s $SRC4 $G3
check "v3: group learned" wait_until 2 mdb_has $RTR_OUT1 $G3
expect eq "v3: compat 3" "$(igmp_grp $RTR_OUT1 $G3 compat)" 3
expect seq "v3: mode INCLUDE" "$(igmp_grp $RTR_OUT1 $G3 mode)" INCLUDE
expect seq "v3: source forwarded" "$(igmp_src $RTR_OUT1 $G3 $SRC4 forward)" yes
prime src $SRC_IF $SRC4 $G3
send src -i $SRC_IF -c 20 -r 500 $G3
sleep 0.2
recv_stop v3
expect eq "v3: stream received" "$(kv v3 received)" 20

# An IGMPv2 interface: the v3 host on it falls back to v2 (the router's
# queries there are v2), v3 reports are not understood.
igmp_snap
expect eq "version 2 interface: version column" "$(igmp_if $RTR_OUT2 version)" 2
recv_start r2 rcv2 -i $RCV2_IF -d 30 $G4
check "v2 interface: group learned" wait_until 3 mdb_has $RTR_OUT2 $G4
expect eq "v2 interface: compat 2" "$(igmp_grp $RTR_OUT2 $G4 compat)" 2
expect ge "v2 interface: v2 reports from the v3 host" \
    "$(igmp_counter $RTR_OUT2 report_v2)" 1
gen rcv2 $RCV2_IF report3 to_ex:$G5
check "v2 interface: v3 report counted" wait_until 1 \
    counter_ge $RTR_OUT2 report_v3 1
check "v2 interface: v3 record ignored (version above configured)" \
    counter_ge $RTR_OUT2 "record_version_above_configured" 1
expect seq "v2 interface: no group from the v3 report" \
    "$(igmp_grp $RTR_OUT2 $G5 mode)" ""
recv_stop r2

check "daemon still running" daemon_alive
daemon_stop
expect eq "exit status" "$DAEMON_RC" 0
finish
