#!/bin/bash
# IGMPv2-only hosts behind the IGMPv3 querier, on one LAN with IGMPv3
# hosts (RFC 3376 section 7.3.2), and the older-version querier set by
# the administrator (section 7.3.1): a set-top box stuck in IGMPv2 and a
# v3 host watch one channel over four query intervals; the group never
# leaves the database, its compatibility mode stays IGMPv2, the querier
# sends only IGMPv3 general queries (no flapping), neither host loses a
# datagram; when the v3 host leaves, the v2 host keeps the stream
# without a gap (its answer to the group-specific query keeps the
# group); when the v2 host leaves too, the LAN goes quiet.  Then
# `version 2` by a reload, both hosts joined: the general queries are
# IGMPv2 from then on, the v3 host falls back to IGMPv2, nothing is lost.
#
#   src:s0 ---- r0:rtr:r1 ---- br0 ---- c1:rcv1 (IGMPv2 only)
#                                  ---- c3:rcv3 (IGMPv3)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy-lib.sh"

need_mroute4
need_tools
need_daemon
need_igmpgen
topo_lan
sysctl_set rcv1 net.ipv4.conf.$RCV1_IF.force_igmp_version 2

G=239.4.0.1 QI=3 RATE=100
# The time the router may keep the LAN busy after the last leave: the
# last member query time (2 x 0.3 s) plus a margin for the slow VM.
QUIET_MS=2500
[ -n "${SMCR_IN_VM:-}" ] && QUIET_MS=4000
mixed_conf()
{
	conf <<EOF
phyint $RTR_IN upstream igmp
phyint $RTR_OUT1 igmp $1 query-interval $QI query-response-interval 1 last-member-query-interval 0.3 last-member-query-count 2
EOF
}
mixed_conf ""
daemon_start
RTR_Q=10.0.1.254

# gq_count VERSION FROM TO: general queries of that version from the
# router on the wire between two ns timestamps.
gq_count()
{
	awk -v v="version=$1" -v a="$2" -v b="$3" -v r="src=$RTR_Q" '
	    { ts = ""; for (i = 1; i <= NF; i++) if ($i ~ /^ts=/) ts = substr($i, 4) }
	    ts >= a && ts < b && index($0, " " r " ") &&
	    / type=query .*group=0\.0\.0\.0/ && index($0, " " v " ") { n++ }
	    END { print n + 0 }' "$WORK/wire.out"
}

# watch_group SECONDS: sample the database every 0.5 s; counts the
# samples in SAMPLES, those without the group in MISSING and those whose
# compatibility mode is not IGMPv2 in NOT_V2.
watch_group()
{
	local end=$((SECONDS + $1))
	SAMPLES=0 MISSING=0 NOT_V2=0
	while [ $SECONDS -lt "$end" ]; do
		igmp_snap
		SAMPLES=$((SAMPLES + 1))
		if ! _mdb_grp $RTR_OUT1 $G; then
			MISSING=$((MISSING + 1))
		elif [ "$(igmp_grp $RTR_OUT1 $G compat)" != 2 ]; then
			NOT_V2=$((NOT_V2 + 1))
		fi
		sleep 0.5
	done
}

listen_start wire rcv3 $RCV3_IF -U $G
recv_start v2 rcv1 -i $RCV1_IF -d 120 $G
recv_start v3 rcv3 -i $RCV3_IF -d 120 $G
check "the group is learned" wait_until 3 mdb_has $RTR_OUT1 $G
prime src $SRC_IF $SRC4 $G
send_start stream src -i $SRC_IF -r $RATE -d 100 $G
_now
T0=$NOW

# ---- both hosts, four query intervals
watch_group $((4 * QI))
_now
T1=$NOW
say "both hosts: $SAMPLES samples, group missing in $MISSING, not v2 in $NOT_V2"
expect ge "samples taken" "$SAMPLES" 4
expect eq "the group never left the database" "$MISSING" 0
expect eq "compatibility mode IGMPv2 all along (a v2 host is there)" \
    "$NOT_V2" 0
expect eq "no IGMPv2 general query from the v3 querier (no flapping)" \
    "$(gq_count 2 "$T0" "$T1")" 0
expect ge "IGMPv3 general queries every query interval" \
    "$(gq_count 3 "$T0" "$T1")" 3
expect ge "the v2 host reported in IGMPv2" \
    "$(grep -c " src=$RCV1_4 .*type=report_v2" "$WORK/wire.out")" 1
expect ge "the v3 host reported in IGMPv3" \
    "$(grep -c " src=$RCV3_4 .*type=report_v3" "$WORK/wire.out")" 1

# ---- the v3 host leaves; the v2 host keeps the stream
recv_stop v3
_now
TL3=$NOW
watch_group $((2 * QI))
_now
T2=$NOW
expect eq "v3 host gone: the group stayed" "$MISSING" 0
expect eq "the v3 host lost nothing while it watched" "$(kv v3 lost)" 0
gap=$(udp_gap wire "$TL3" "$T2")
say "v2 host alone: largest gap on the LAN $gap ms"
expect le "the v2 host's stream never stopped after the v3 leave" "$gap" 500
expect eq "no datagram missing on the LAN" "$(udp_missing wire "$T0" "$T2")" 0

# ---- the v2 host leaves too: the LAN goes quiet
recv_stop v2
_now
TL2=$NOW
expect eq "the v2 host lost nothing while it watched" "$(kv v2 lost)" 0
check "the group is gone after the last leave" \
    wait_until 5 mdb_gone $RTR_OUT1 $G
sleep 1
_now
T3=$NOW
last=$(udp_last_ts wire)
quiet=$(ms_between "$TL2" "$last")
say "last datagram on the LAN $quiet ms after the v2 leave"
expect le "the LAN went quiet after the last leave" "$quiet" $QUIET_MS

# ---- version 2 set by the administrator
recv_start v2b rcv1 -i $RCV1_IF -d 120 $G
recv_start v3b rcv3 -i $RCV3_IF -d 120 $G
check "rejoined" wait_until 3 mdb_has $RTR_OUT1 $G
mixed_conf "version 2"
check "reload to version 2" daemon_reload
_now
T4=$NOW
watch_group $((3 * QI))
_now
T5=$NOW
expect eq "version 2: the group never left the database" "$MISSING" 0
expect eq "version 2: no IGMPv3 general query after the reload" \
    "$(gq_count 3 $((T4 + 200000000)) "$T5")" 0
expect ge "version 2: IGMPv2 general queries" "$(gq_count 2 "$T4" "$T5")" 2
# The v3 host hears IGMPv2 queries and falls back (RFC 3376 section
# 7.2.1); which of the two hosts answers a query is chance, as IGMPv2
# hosts suppress their report when they hear another's, so the host's
# own state says it: /proc/net/igmp shows the querier version it obeys.
v3mode=$(ip netns exec rcv3 awk -v d="$RCV3_IF" '$2 == d { print $5 }' \
    /proc/net/igmp)
expect seq "version 2: the v3 host runs in IGMPv2 mode" "$v3mode" V2
# Reports from one response time (1 s) after the first IGMPv2 query on.
n=$(awk -v a="$T4" -v r="src=$RTR_Q" '
    { ts = ""; for (i = 1; i <= NF; i++) if ($i ~ /^ts=/) ts = substr($i, 4) }
    ts > a && !q && index($0, " " r " ") && / type=query .*version=2/ {
	q = ts + 1000000000 }
    q && ts > q && / type=report_v3/ { n++ }
    END { print q ? n + 0 : -1 }' "$WORK/wire.out")
expect eq "version 2: no IGMPv3 report on the LAN after the fallback" "$n" 0
expect eq "version 2: nothing missing on the LAN" \
    "$(udp_missing wire "$T4" "$T5")" 0
gap=$(udp_gap wire "$T4" "$T5")
expect le "version 2: no gap on the LAN" "$gap" 500
recv_stop v2b
recv_stop v3b
send_stop stream
listen_stop wire
expect eq "version 2: the v2 host lost nothing" "$(kv v2b lost)" 0
expect eq "version 2: the v3 host lost nothing" "$(kv v3b lost)" 0

check "daemon still running" daemon_alive
daemon_stop
expect eq "exit status" "$DAEMON_RC" 0
finish
