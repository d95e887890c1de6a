#!/bin/bash
# The proxy for IPv6 (MLD): "phyint IF mld" runs an MLDv2 querier and
# membership database on the LAN, "phyint IF upstream mld" reports the
# merged membership upstream.  An MLDv2 host joins and receives, the
# group shows in show igmp (proto MLD) and upstream in /proc/net/igmp6;
# fast leave stops the stream; an MLDv1 host (force_mld_version 1) is
# tracked in compatibility mode; an SSM (ff3e::/32) source-specific join
# gets only its source; IGMP on the same interface keeps working.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy-lib.sh"

need_mroute4
need_mroute6
need_tools
need_daemon
topo 2

# counter_ge_proto IF PROTO NAME N: like counter_ge, for one protocol.
counter_ge_proto()
{
	local v
	igmp_snap || return 1
	v=$(_objs | grep '"counter":' | grep -F "\"interface\":\"$1\"," |
	    grep -F "\"proto\":\"$2\"," | grep -iF "\"counter\":\"$3\"," |
	    _field value | head -n 1)
	[ "${v:-0}" -ge "$4" ]
}

G6=ff0e::1:1
S6G=ff3e::5:5
conf <<EOF
phyint $RTR_IN upstream igmp mld
phyint $RTR_OUT1 igmp mld fast-leave query-interval 10 query-response-interval 1
phyint $RTR_OUT2 mld mld-version 1
EOF
daemon_start

igmp_snap
check "an MLD general query at start" \
    wait_until 3 counter_ge_proto $RTR_OUT1 MLD tx_general_query 1

# An MLDv2 host on r1 joins, the stream flows.
recv_start j rcv1 -i $RCV1_IF -d 20 -T $G6
check "group learned from the MLDv2 report" wait_until 2 mdb_has $RTR_OUT1 $G6
expect seq "host tracked by its link-local address" \
    "$(igmp_grp $RTR_OUT1 $G6 hosts | cut -c1-4)" "fe80"
check "membership reported upstream (igmp6 on r0)" \
    wait_until 2 igmp6_has $RTR_IN $G6
send_start stream src -i $SRC_IF -d 1.5 -r 200 $G6
send_wait stream
check "MFC (S,G) r0 -> r1" mfc_is $SRC6 $G6 $RTR_IN $RTR_OUT1
recv_stop j
expect ge "receiver got the stream" "$(kv j received)" 250
expect eq "nothing lost" "$(kv j lost)" 0
check "fast leave: group gone at once" wait_until 1 mdb_gone $RTR_OUT1 $G6
check "upstream membership left" wait_until 2 no_igmp6 $RTR_IN $G6

# An MLDv1 host on r2.
sysctl_set rcv2 net.ipv6.conf.$RCV2_IF.force_mld_version 1
recv_start v1 rcv2 -i $RCV2_IF -d 20 $G6
check "MLDv1 host learned on r2" wait_until 3 mdb_has $RTR_OUT2 $G6
expect eq "compatibility MLDv1" "$(igmp_grp $RTR_OUT2 $G6 compat)" 1
send src -i $SRC_IF -c 100 -r 200 $G6
recv_stop v1
expect ge "MLDv1 host got the stream" "$(kv v1 received)" 90

# SSM: only the requested source.
recv_start ssm rcv1 -i $RCV1_IF -s $SRC6 -d 20 $S6G
check "SSM INCLUDE state learned" wait_until 2 mdb_has $RTR_OUT1 $S6G
expect seq "SSM group in INCLUDE mode" "$(igmp_grp $RTR_OUT1 $S6G mode)" \
    INCLUDE
send src -i $SRC_IF -s $SRC6B -c 50 -r 200 $S6G
send src -i $SRC_IF -s $SRC6 -c 50 -r 200 $S6G
recv_stop ssm
expect ge "requested source received" "$(kv ssm received)" 45
expect seq "only from the requested source" "$(kv ssm source)" "$SRC6"

# IGMP beside MLD on r1.
recv_start v4 rcv1 -i $RCV1_IF -d 20 239.1.1.1
check "IGMP group learned on the same interface" \
    wait_until 2 mdb_has $RTR_OUT1 239.1.1.1
send src -i $SRC_IF -c 100 -r 200 239.1.1.1
recv_stop v4
expect ge "IPv4 stream received" "$(kv v4 received)" 90
daemon_stop
expect eq "exit status" "$DAEMON_RC" 0
finish
