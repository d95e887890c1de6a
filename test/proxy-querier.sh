#!/bin/bash
# IGMP proxy, querier election (RFC 3376 6.6.2): a query from a higher
# address on the LAN changes nothing; one from a lower address makes the
# router a Non-Querier (no more general queries from it) that still
# tracks membership but no longer forwards onto the LAN (RFC 4605 4.2);
# after the Other Querier Present Interval (robustness 2 x
# query-interval 2 s + query-response-interval 1 s / 2 = 4.5 s) without
# another query it is the querier again and queries at once.  While Non-Querier, a host's leave makes it send no
# query of its own; the querier's group-specific query lowers its group
# timer to LMQT (RFC 3376 6.6.1) and restarts the other-querier timer.
# A querier announcing longer timers (QRV 3) has them adopted (RFC 3376
# 4.1.6-7) from its first query on: Other Querier Present Interval
# 3 x 2 s + 1 s / 2 = 6.5 s; shorter ones are not adopted, and longer
# ones only up to QRV 4 and 4 x the own query interval.  An IGMPv1 query
# is counted and logged, not followed; a query from off the subnet is
# dropped.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy-lib.sh"

need_mroute4
need_tools
need_daemon
need_igmpgen
topo
# r1 gets an address in the middle of the LAN, so that there are lower
# (rcv1, 10.0.1.1) and higher (10.0.1.200) neighbours.
RTR_Q=10.0.1.100 HIGH=10.0.1.200
ip -n "$RTR" addr del 10.0.1.254/24 dev $RTR_OUT1 || error "readdress r1"
addr "$RTR" $RTR_OUT1 $RTR_Q/24

G=239.6.6.6
conf <<EOF
phyint $RTR_IN upstream
phyint $RTR_OUT1 igmp query-interval 2 query-response-interval 1 robustness 2 last-member-query-interval 0.3 last-member-query-count 2
EOF
daemon_start
igmp_snap
expect seq "Querier at start" "$(igmp_if $RTR_OUT1 state)" Querier
expect seq "querier is us" "$(igmp_if $RTR_OUT1 querier)" $RTR_Q

listen_start wire rcv1 $RCV1_IF
# Times are taken on the wire (the kernel's, at rcv1): qts SRC GROUP
# AFTER is the time of the first query from SRC for GROUP (0.0.0.0:
# general) after AFTER, in ns; empty if none is there (yet).
qts()
{
	awk -v s="src=$1" -v g="group=$2" -v t="$3" '
	    { tss = ""
	      for (i = 1; i <= NF; i++) if ($i ~ /^ts=/) tss = substr($i, 4) }
	    tss != "" && tss + 0 > t + 0 && index($0, " " s " ") &&
	    / type=query / && index($0, " " g " ") { print tss; exit }' \
	    "$WORK/wire.out"
}
# wire_q VAR SRC GROUP AFTER: wait (2 s at most) for that query; its
# time in VAR.
wire_q()
{
	local v=$1
	shift
	wait_until 2 eval '[ -n "$(qts '"$*"')" ]' >/dev/null
	printf -v "$v" %s "$(qts "$@")"
}
# The other router's queries carry the same timers (QQI 2, QRV 2).
qargs="-v 3 -q 2 -r 2 -m 1000"
gen rcv1 $RCV1_IF -S $HIGH $qargs query
check "query from a higher address counted" wait_until 1 \
    counter_ge $RTR_OUT1 query_v3 1
sleep 0.2
igmp_snap
expect seq "higher address: still Querier" "$(igmp_if $RTR_OUT1 state)" Querier
expect seq "higher address: querier unchanged" \
    "$(igmp_if $RTR_OUT1 querier)" $RTR_Q

# The lower router first announces QQI 8 s (adopted: OQPI 2 x 8 s +
# 0.5 s = 16.5 s), so that the Non-Querier checks below have time even
# on a slow machine; the takeover is timed later with QQI 2 s.
slow="-v 3 -q 8 -r 2 -m 1000"
T0=$(now_ns)
gen rcv1 $RCV1_IF $slow query
wire_q T0 $RCV1_4 0.0.0.0 "$T0"
check "lower address: Non-Querier" wait_until 1 igmp_state $RTR_OUT1 Non-Querier
expect seq "querier is the lower address" "$(igmp_if $RTR_OUT1 querier)" $RCV1_4
oq=$(igmp_if $RTR_OUT1 other_querier_ms)
expect le "other querier present timer <= 16500 ms" "$oq" 16500
expect ge "other querier present timer ~16500 ms" "$oq" 13000
expect seq "no next general query while Non-Querier" \
    "$(igmp_if $RTR_OUT1 next_query_ms)" null

# Membership is still tracked, but only the querier forwards onto the
# LAN (RFC 4605 4.2; see test/proxy-two-querier.sh).
recv_start j rcv1 -i $RCV1_IF -d 30 $G
check "Non-Querier: join learned" wait_until 2 mdb_has $RTR_OUT1 $G
prime src $SRC_IF $SRC4 $G
send src -i $SRC_IF -c 20 -r 500 $G
sleep 0.2
recv_stop j
expect eq "Non-Querier: stream not forwarded onto the LAN" "$(kv j received)" 0
# That was also the host's leave (TO_IN {}): the host is no longer
# tracked, the group waits.
check "Non-Querier: the leave arrived (host no longer tracked)" \
    wait_until 1 eval '[ -z "$(igmp_snap; igmp_grp $RTR_OUT1 $G hosts)" ]'
sleep 0.1
check "Non-Querier: MFC (S,G) without r1" mfc_stop $SRC4 $G $RTR_IN
igmp_snap
expect seq "still Non-Querier" "$(igmp_if $RTR_OUT1 state)" Non-Querier
expect eq "Non-Querier: no group-specific query of its own" \
    "$(igmp_counter $RTR_OUT1 tx_specific_query)" 0
expect seq "Non-Querier: group kept after the leave (no query, no LMQT)" \
    "$(igmp_grp $RTR_OUT1 $G mode)" EXCLUDE
gmi=$(igmp_grp $RTR_OUT1 $G timer_ms)
expect gt "Non-Querier: group timer not lowered by the leave alone (ms)" \
    "${gmi:-0}" 1000

# The querier (rcv1's address) asks Q(G): the group timer drops to LMQT
# (0.6 s, plus the 0.1 s grace for late answers), the group goes.
TQ=$(now_ns)
gen rcv1 $RCV1_IF $slow -m 300 query $G
wire_q TQ $RCV1_4 $G "$TQ"
check "Non-Querier: querier's Q(G) counted" wait_until 1 counter_ge $RTR_OUT1 query_v3 3
igmp_snap
lt=$(igmp_grp $RTR_OUT1 $G timer_ms)
if [ -n "$lt" ]; then
	expect le "group timer lowered to LMQT + grace by the querier's Q(G) (ms)" \
	    "$lt" 700
else
	# A slow machine may look only after LMQT: then the group must be
	# gone sooner than the group timer it had before the Q(G).
	expect lt "group gone after the querier's Q(G), before its old timer (ms)" \
	    "$(ms_between "$TQ" "$(now_ns)")" "${gmi:-0}"
fi
check "group gone after LMQT" wait_until 1.5 mdb_gone $RTR_OUT1 $G
expect eq "Non-Querier: still no query of its own" \
    "$(igmp_counter $RTR_OUT1 tx_specific_query)" 0
expect seq "still Non-Querier after the Q(G)" "$(igmp_if $RTR_OUT1 state)" Non-Querier

# Takeover after the Other Querier Present Interval, counted from the
# last query heard, one with QQI 2 s (2 x 2 s + 0.5 s = 4.5 s).
TP=$(now_ns)
gen rcv1 $RCV1_IF $qargs query
wire_q TP $RCV1_4 0.0.0.0 "$TP"
check "Querier again after OQPI" wait_until 7 igmp_state $RTR_OUT1 Querier
# Its takeover is its first general query on the wire.
wire_q T1 $RTR_Q 0.0.0.0 "$TP"
dt=$(ms_between "$TP" "${T1:-0}")
say "Querier again $dt ms after the last query heard (OQPI 4500 ms)"
expect ge "not before OQPI (ms, on the wire)" "$dt" 4400
expect le "soon after OQPI (ms, on the wire)" "$dt" 5200
expect seq "querier is us again" "$(igmp_if $RTR_OUT1 querier)" $RTR_Q

# A querier with other timers: longer ones are adopted from its first
# query (QRV 3, QQI 2 s: OQPI 3 x 2 s + 0.5 s = 6.5 s).
TA=$(now_ns)
gen rcv1 $RCV1_IF -v 3 -q 2 -r 3 -m 1000 query
wire_q TA $RCV1_4 0.0.0.0 "$TA"
check "QRV 3 querier: Non-Querier" wait_until 1 igmp_state $RTR_OUT1 Non-Querier
oq=$(igmp_if $RTR_OUT1 other_querier_ms)
expect le "OQPI from the adopted QRV at the first query (6500 ms)" \
    "${oq:-99999}" 6500
expect ge "OQPI from the adopted QRV, not the own one (ms)" "${oq:-0}" 5000
check "Querier again after the adopted OQPI" wait_until 9 igmp_state $RTR_OUT1 Querier
wire_q TB $RTR_Q 0.0.0.0 "$TA"
dt=$(ms_between "$TA" "${TB:-0}")
say "Querier again $dt ms after the QRV 3 query (OQPI 6500 ms)"
expect ge "not before the adopted OQPI (ms, on the wire)" "$dt" 6400
expect le "takeover after the adopted OQPI (ms, on the wire)" "$dt" 7200

# Shorter timers than its own are not adopted (QRV 1, QQI 1 s would
# expire memberships between queries that come slower): OQPI 4.5 s.
gen rcv1 $RCV1_IF -v 3 -q 1 -r 1 -m 500 query
check "QRV 1 / QQI 1 querier: Non-Querier" wait_until 1 igmp_state $RTR_OUT1 Non-Querier
oq=$(igmp_if $RTR_OUT1 other_querier_ms)
expect le "shorter timers not adopted: OQPI <= 4500 ms" "${oq:-99999}" 4500
expect ge "shorter timers not adopted: OQPI ~4500 ms" "${oq:-0}" 3500

# Longer ones are bounded: QRV 7 and QQI 31744 s count as 4 and 4 x 2 s
# (OQPI 4 x 8 s + 0.5 s = 32.5 s), not the 61 hours they ask for.
gen rcv1 $RCV1_IF -v 3 -q 31744 -r 7 -m 1000 query
check "QRV 7 / QQI 31744 querier counted" wait_until 1 \
    counter_ge $RTR_OUT1 query_v3 7
igmp_snap
oq=$(igmp_if $RTR_OUT1 other_querier_ms)
expect le "adopted timers bounded: OQPI <= 32500 ms" "${oq:-99999}" 32500
expect ge "adopted timers bounded: OQPI ~32500 ms" "${oq:-0}" 31000

# An IGMPv1 query is logged and counted, not followed: the interface
# keeps its version 3 (an IGMPv1 querier would stop all group-specific
# queries).  And an IGMP query from off the subnet cannot take the role.
gen rcv1 $RCV1_IF -v 3 -q 2 -r 2 -m 1000 query
gen rcv1 $RCV1_IF -v 1 query
check "IGMPv1 query counted as older" wait_until 1 \
    counter_ge $RTR_OUT1 query_older_version 1
expect eq "version stays 3 with an IGMPv1 querier" \
    "$(igmp_if $RTR_OUT1 version)" 3
check "the older query is logged" grep -q "IGMPv1 query from $RCV1_4" "$DLOG"
check "Querier again after OQPI" wait_until 7 igmp_state $RTR_OUT1 Querier
gen rcv1 $RCV1_IF -S 1.0.0.1 $qargs query
check "off-subnet query dropped and counted" wait_until 1 \
    counter_ge $RTR_OUT1 drop_off_subnet 1
sleep 0.3
igmp_snap
expect seq "off-subnet query: still Querier" "$(igmp_if $RTR_OUT1 state)" Querier
expect seq "off-subnet query: querier is us" "$(igmp_if $RTR_OUT1 querier)" $RTR_Q
check "the off-subnet query is logged" grep -q "query from 1.0.0.1, not on the interface" "$DLOG"
sleep 0.1
listen_stop wire

# The router's general queries on the wire: none between the lower
# query and the takeover, one at the takeover.
gq()
{
	awk -v a="$1" -v b="$2" -v r="src=$RTR_Q" '
	    { ts = ""; for (i = 1; i <= NF; i++) if ($i ~ /^ts=/) ts = substr($i, 4) }
	    ts >= a && ts < b && index($0, " " r " ") && / type=query .*group=0\.0\.0\.0 / { n++ }
	    END { print n + 0 }' "$WORK/wire.out"
}
expect eq "no general query from the Non-Querier" \
    "$(gq $((T0 + 50000000)) $((TP + 4400000000)))" 0
expect ge "a general query at the takeover" \
    "$(gq $((TP + 4400000000)) $((T1 + 1)))" 1

check "daemon still running" daemon_alive
daemon_stop
expect eq "exit status" "$DAEMON_RC" 0
finish
