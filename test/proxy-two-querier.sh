#!/bin/bash
# IGMP proxy, two routers on one downstream LAN (redundant gateways):
# RFC 4605 4.2 has a proxy forward onto a downstream link only while it
# is the querier there.  rcv3 (10.0.1.3) plays the other router, the
# querier by its lower address, with a general query every second; r1 is
# 10.0.1.254.  A host on rcv1 joins and a stream flows; once rcv3
# queries, r1 is Non-Querier, takes the stream off the LAN (kernel MFC
# without r1, no datagram on the LAN) and keeps the membership (RFC 3376
# 6: non-queriers keep state); a local source on the LAN still goes
# upstream.  When rcv3 stops, r1 is the querier again after the Other
# Querier Present Interval (2 x 2 s + 1 s / 2 = 4.5 s after rcv3's last
# query, on the wire) and forwards again at once, from the state it
# kept.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy-lib.sh"

need_mroute4
need_tools
need_daemon
need_igmpgen
topo_lan
G=239.8.0.1 GL=239.8.0.2 RTR_Q=10.0.1.254 OQPI=4500
conf <<EOF
phyint $RTR_IN upstream
phyint $RTR_OUT1 igmp query-interval 2 query-response-interval 1 robustness 2
EOF
daemon_start
listen_start wire rcv1 $RCV1_IF -U $G

# The host joins (the kernel's own reports, answering every querier).
recv_start host rcv1 -i $RCV1_IF -d 60 $G
check "host's join learned" wait_until 3 mdb_has $RTR_OUT1 $G
prime src $SRC_IF $SRC4 $G
send_start stream src -i $SRC_IF -d 60 -r 100 $G
sleep 0.5
igmp_snap
expect seq "alone on the LAN: Querier" "$(igmp_if $RTR_OUT1 state)" Querier
check "Querier: MFC (S,G) r0 -> r1" mfc_is $SRC4 $G $RTR_IN $RTR_OUT1
T0=$(now_ns)
sleep 0.3
check "Querier: the stream is on the LAN" \
    eval '[ -n "$(udp_first_after wire "$T0")" ]'

# The other router: general queries from the lower address, every
# second, with the same timers (QQI 2 s, QRV 2).
TOQ=$(now_ns)
ip netns exec rcv3 "$IGMPGEN" -Q -i $RCV3_IF -v 3 -q 2 -r 2 -m 1000 \
    -c 1000 -w 1 query >"$WORK/oq.out" 2>&1 &
OQ=$!
bg_add $OQ
check "other querier: r1 is Non-Querier" \
    wait_until 3 igmp_state $RTR_OUT1 Non-Querier
expect seq "show igmp: the querier is the other router" \
    "$(igmp_if $RTR_OUT1 querier)" $RCV3_4
ctl show igmp >"$WORK/show.txt" 2>&1
check "show igmp (text) names the state and the querier" \
    eval "grep -q 'Non-Querier' '$WORK/show.txt' && grep -q '$RCV3_4' '$WORK/show.txt'"
TNQ=$(now_ns)
check "Non-Querier: MFC (S,G) without r1" \
    wait_until 1 mfc_stop $SRC4 $G $RTR_IN
check "Non-Querier: the membership is kept" mdb_has $RTR_OUT1 $G
# Two more of the other querier's queries, answered by the host.
sleep 2.5
check "Non-Querier: the membership is still kept" mdb_has $RTR_OUT1 $G
check "Non-Querier: MFC (S,G) still without r1" mfc_stop $SRC4 $G $RTR_IN
igmp_snap
expect seq "still Non-Querier" "$(igmp_if $RTR_OUT1 state)" Non-Querier
# A source on the LAN still goes upstream (RFC 4605 4.2 gates only the
# downstream links).
send rcv1 -i $RCV1_IF -c 3 -r 20 $GL
check "Non-Querier: a local source is forwarded upstream" \
    wait_until 1 mfc_is $RCV1_4 $GL $RTR_OUT1 $RTR_IN

# The other router goes away.
kill -TERM $OQ 2>/dev/null
wait $OQ 2>/dev/null
TSTOP=$(now_ns)
check "Querier again after the other querier present interval" \
    wait_until 8 igmp_state $RTR_OUT1 Querier
check "Querier again: MFC (S,G) r0 -> r1" \
    wait_until 1 mfc_is $SRC4 $G $RTR_IN $RTR_OUT1
sleep 0.5
send_stop stream
sleep 0.2
recv_stop host
listen_stop wire

# The wire: rcv3's last query, our takeover query, the datagrams.
lastq()
{
	awk -v r="src=$RCV3_4" -v b="$1" '
	    { ts = ""; for (i = 1; i <= NF; i++) if ($i ~ /^ts=/) ts = substr($i, 4) }
	    ts + 0 < b + 0 && index($0, " " r " ") && / type=query / { t = ts }
	    END { print t }' "$WORK/wire.out"
}
firstq()
{
	awk -v r="src=$RTR_Q" -v a="$1" '
	    { ts = ""; for (i = 1; i <= NF; i++) if ($i ~ /^ts=/) ts = substr($i, 4) }
	    ts + 0 > a + 0 && index($0, " " r " ") && / type=query .*group=0\.0\.0\.0 / { print ts; exit }' \
	    "$WORK/wire.out"
}
udp_between()
{
	grep ' type=udp ' "$WORK/wire.out" |
	    sed -n 's/.* ts=\([0-9]*\) .*/\1/p' |
	    awk -v a="$1" -v b="$2" '$1 >= a && $1 < b { n++ } END { print n + 0 }'
}
TL=$(lastq "$TSTOP")
[ -n "$TL" ] || fail "the other querier's queries are not on the wire"
expect ge "the other querier's queries seen on the LAN" \
    "$(grep -c " src=$RCV3_4 .*type=query " "$WORK/wire.out")" 3
TR=$(udp_first_after wire "$TL")
[ -n "$TR" ] || fail "the stream did not come back on the LAN"
TQ=$(firstq "$TL")
dt=$(ms_between "$TL" "$TR")
say "stream back on the LAN $dt ms after the other querier's last query (OQPI $OQPI ms)"
expect ge "no forwarding before the other querier present interval (ms, wire)" \
    "$dt" $((OQPI - 100))
expect le "forwarding resumes soon after it (ms, wire)" "$dt" $((OQPI + 1000))
expect le "resumes with the takeover query, from the kept state (ms)" \
    "$(ms_between "${TQ:-0}" "$TR")" 500
# From shortly after r1 yielded until it took over: not one datagram of
# ours on the LAN (r1 is the only forwarder here).
n=$(udp_between $((TNQ + 100000000)) "$TR")
say "datagrams on the LAN while Non-Querier: $n"
expect eq "Non-Querier: no datagram forwarded onto the LAN" "$n" 0
expect ge "before the other querier: datagrams on the LAN" \
    "$(udp_between "$T0" "$TOQ")" 10
expect ge "the host received the stream" "$(kv host received)" 20

check "daemon still running" daemon_alive
daemon_stop
expect eq "exit status" "$DAEMON_RC" 0
finish
