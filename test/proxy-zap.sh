#!/bin/bash
# IGMP proxy, channel zapping with fast-leave (a set-top box switching
# channels): two kernel hosts on one LAN (a bridge behind r1), a 200 pps
# stream of G.  Phase 1: a "watcher" holds G throughout while a "zapper"
# leaves and rejoins G five times, each time within 0.5 s: the watcher
# sees no gap and loses nothing (explicit tracking keeps r1 an OIF), the
# zapper receives again at once after each rejoin report, and nothing
# changes upstream.  Phase 2, no watcher: each leave stops the stream on
# the LAN at once (fast leave), each rejoin brings it back within a
# bound of its report on the wire, not after a query round.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy-lib.sh"

need_mroute4
need_tools
need_daemon
need_igmpgen
topo_lan
for ns in rcv1 rcv3; do
	# The state-change report's repetition comes at most 10 ms later,
	# long before the next rejoin: each leave and join is one pair of
	# reports on the wire, close together.
	sysctl_set $ns net.ipv4.conf.all.igmpv3_unsolicited_report_interval 10
	sysctl_set $ns net.ipv4.conf.default.igmpv3_unsolicited_report_interval 10
done
sysctl_set rcv1 net.ipv4.conf.$RCV1_IF.igmpv3_unsolicited_report_interval 10
sysctl_set rcv3 net.ipv4.conf.$RCV3_IF.igmpv3_unsolicited_report_interval 10
# The same for the proxy's upstream membership (the kernel's host side
# on r0), so that the repetition of its first report cannot be taken
# for a change while zapping.
sysctl_set $RTR net.ipv4.conf.$RTR_IN.igmpv3_unsolicited_report_interval 10

G=239.3.3.3
ZAPS=5
PAUSE=0.2	# s between a leave and the rejoin
HOLD=0.5	# s a channel is watched
# ms, leave report to rejoin report: a zap (PAUSE plus the test's own
# process handling: 360-410 ms in most runs, 507 on a loaded host).
ZAP_MAX=1000
# In a sanitizer build the instrumented mcrecv takes a few hundred ms
# more to start and to exit in the TCG guest (zaps of 595, 723 and, in
# a loaded run, 1,022 ms seen): the zap itself is then allowed 1.5 s.
# This bound only says the host zapped; every bound on the router stays.
if ldd "$MCRECV" 2>/dev/null | grep -q libasan; then
	ZAP_MAX=1500
fi
# Bounds that hold in the TCG guest (measured there: gaps of 22 ms at
# most): a gap, a rejoin's first datagram, the end of forwarding after
# a fast leave.
GAP_MAX=100
JOIN_MAX=250
QUIET_MAX=100

# udp_last_before NAME TS: ts of the last datagram before TS.
udp_last_before()
{
	awk -v t="$2" '
	    / type=udp / {
		for (i = 1; i <= NF; i++)
			if ($i ~ /^ts=/) ts = substr($i, 4)
		if (ts < t) last = ts
	    }
	    END { print (last == "" ? 0 : last) }' "$WORK/$1.out"
}

# upstream_changes NAME A B: state-change records for G (TO_IN, TO_EX,
# ALLOW, BLOCK) that r0 sent upstream with A < ts < B.
upstream_changes()
{
	awk -v a="$2" -v b="$3" -v g="$G" '
	    / type=report_v3 / && / src=10\.0\.0\.254 / {
		for (i = 1; i <= NF; i++)
			if ($i ~ /^ts=/) ts = substr($i, 4)
		if (ts <= a || ts >= b) next
		for (i = 1; i <= NF; i++)
			if ($i ~ "^rec=(TO_IN|TO_EX|ALLOW|BLOCK):" g "(:|$)")
				n++
	    }
	    END { print n + 0 }' "$WORK/$1.out"
}

# arm NAME: a receiver of G on the zapper (rcv3), started ahead of time:
# a shell already in the namespace waits on a FIFO, and go NAME makes it
# exec mcrecv, which joins.  Entering a namespace costs a few hundred ms
# in the TCG guest, which would stretch each zap far beyond 0.5 s.
arm()
{
	rm -f "$WORK/$1.ready" "$WORK/$1.go"
	mkfifo "$WORK/$1.go" || error "mkfifo"
	# shellcheck disable=SC2016	# expanded by that shell
	ip netns exec rcv3 bash -c 'read -r _ <"$1" && shift && exec "$@"' _ \
	    "$WORK/$1.go" "$MCRECV" -R "$WORK/$1.ready" -i $RCV3_IF -d 60 -T $G \
	    >"$WORK/$1.out" 2>"$WORK/$1.err" &
	eval "_recv_$1=$!"
	bg_add $!
}

go()
{
	echo go >"$WORK/$1.go"
	wait_until 5 test -e "$WORK/$1.ready" ||
		error "zapper $1 did not join: $(cat "$WORK/$1.err")"
}

# zap PHASE: the zapper (rcv3) joins, watches HOLD, then ZAPS times
# leaves, pauses PAUSE and rejoins (a new mcrecv each time); it leaves
# at the end.  The times just before each action are in TL[i] (leave
# i) and TJ[i] (join i, 0 the first); each join's receiver is
# z$PHASE$i.
zap()
{
	local p=$1 i
	TJ=() TL=()
	arm z${p}0
	_now
	TJ[0]=$NOW
	go z${p}0
	arm z${p}1
	sleep $HOLD
	for ((i = 1; i <= ZAPS; i++)); do
		_now
		TL[i]=$NOW
		recv_stop z$p$((i - 1))
		sleep $PAUSE
		_now
		TJ[i]=$NOW
		go z$p$i
		[ $i -lt $ZAPS ] && arm z$p$((i + 1))
		sleep $HOLD
	done
	_now
	TL[ZAPS + 1]=$NOW
	recv_stop z$p$ZAPS
}

# zap_times PHASE: the reports on the wire: L[i] the leave, J[i] the
# rejoin (J[0] the first join); fails if one is missing.  ZAP: the
# longest time from a leave to its rejoin (ms); RJ: the longest time
# from a rejoin report to the zapper's first datagram (ms, its own
# receive time).
zap_times()
{
	local p=$1 i d f
	L=() J=() ZAP=0 RJ=-999999
	for ((i = 0; i <= ZAPS; i++)); do
		J[i]=$(rec_after wire$p $RCV3_4 TO_EX:$G "${TJ[i]}")
		[ -n "${J[i]}" ] || fail "$p: join $i of rcv3 not on the wire"
	done
	for ((i = 1; i <= ZAPS + 1; i++)); do
		L[i]=$(rec_after wire$p $RCV3_4 TO_IN:$G "${TL[i]}")
		[ -n "${L[i]}" ] || fail "$p: leave $i of rcv3 not on the wire"
	done
	for ((i = 1; i <= ZAPS; i++)); do
		d=$(ms_between "${L[i]}" "${J[i]}")
		[ "$d" -gt "$ZAP" ] && ZAP=$d
		f=$(kv z$p$i first_ts)
		if [ -z "$f" ] || [ "$f" = 0 ]; then
			RJ=999999
			say "$p: zap $i: leave to rejoin $d ms, zapper got nothing"
			continue
		fi
		f=$(ms_between "${J[i]}" "$f")
		[ "$f" -gt "$RJ" ] && RJ=$f
		say "$p: zap $i: leave to rejoin $d ms, first datagram $f ms after the rejoin report"
	done
}

conf <<EOF
phyint $RTR_IN upstream igmp
phyint $RTR_OUT1 igmp fast-leave query-interval 10 query-response-interval 1
EOF
daemon_start

# Phase 1: a watcher beside the zapper.
listen_start wire1 rcv1 $RCV1_IF -U $G
listen_start up1 src $SRC_IF
recv_start watcher rcv1 -i $RCV1_IF -d 60 -T $G
check "watcher's group learned" wait_until 2 mdb_has $RTR_OUT1 $G
prime src $SRC_IF $SRC4 $G
send_start stream1 src -i $SRC_IF -d 60 -r 200 $G
sleep 0.5
check "MFC (S,G) r0 -> r1" mfc_is $SRC4 $G $RTR_IN $RTR_OUT1
zap 1
sleep 0.5
_now
END1=$NOW
check "MFC r0 -> r1 kept through the zaps" mfc_is $SRC4 $G $RTR_IN $RTR_OUT1
check "upstream membership kept through the zaps (r0 in /proc/net/igmp)" \
    igmp_has $RTR_IN $G
igmp_snap
expect seq "only the watcher tracked after the zapper's last leave" \
    "$(igmp_grp $RTR_OUT1 $G hosts)" "$RCV1_4"
expect eq "no group expired at the zapper's leaves (fast_leave)" \
    "$(igmp_counter $RTR_OUT1 fast_leave)" 0
expect eq "no group-specific query for a leave" \
    "$(igmp_counter $RTR_OUT1 tx_specific_query)" 0
recv_stop watcher
send_stop stream1
sleep 0.2
listen_stop wire1
listen_stop up1

zap_times 1
expect le "zap: each leave to rejoin within $ZAP_MAX ms (longest)" "$ZAP" $ZAP_MAX
GAP=$(udp_gap wire1 "${J[0]}" "$END1")
say "1: longest gap on the LAN while zapping: $GAP ms"
expect le "the watcher saw no gap while the other host zapped (ms)" \
    "$GAP" $GAP_MAX
expect eq "no datagram missing on the LAN while zapping" \
    "$(udp_missing wire1 "${J[0]}" "$END1")" 0
expect eq "the watcher lost nothing" "$(kv watcher lost)" 0
expect ge "the watcher received the stream" "$(kv watcher received)" 800
say "1: watcher: received $(kv watcher received), lost $(kv watcher lost), latency max $(kv watcher lat_max_us) us"
expect le "zapper received at once after each rejoin (longest, ms)" \
    "$RJ" $JOIN_MAX
expect ge "the watcher's join reported upstream (before the zaps)" \
    "$(upstream_changes up1 0 "${J[0]}")" 1
expect eq "no upstream state change for G while the watcher stayed" \
    "$(upstream_changes up1 "${J[0]}" "$END1")" 0
expect ge "an upstream change (the leave) after the watcher's leave" \
    "$(upstream_changes up1 "$END1" 9999999999999999999)" 1

# The watcher leaves: nobody is left, the group goes.
check "group gone after the watcher's leave" wait_until 1 mdb_gone $RTR_OUT1 $G

# Phase 2: the zapper alone.
listen_start wire2 rcv1 $RCV1_IF -U $G
send_start stream2 src -i $SRC_IF -d 60 -r 200 $G
sleep 0.3
zap 2
sleep 0.5
send_stop stream2
sleep 0.2
listen_stop wire2

zap_times 2
expect le "alone: each leave to rejoin within $ZAP_MAX ms (longest)" "$ZAP" $ZAP_MAX
quiet=0 late=0 first=0
for ((i = 1; i <= ZAPS; i++)); do
	# Nothing after the leave (and its bound) until the rejoin report.
	n=$(udp_in wire2 $((L[i] + QUIET_MAX * 1000000)) "${J[i]}")
	quiet=$((quiet + n))
	d=$(udp_last_before wire2 "${J[i]}")
	d=$(ms_between "${L[i]}" "$d")
	[ "$d" -gt "$late" ] && late=$d
	f=$(udp_first_after wire2 "${J[i]}")
	f=$(ms_between "${J[i]}" "${f:-0}")
	[ "$f" -lt 0 ] && f=999999
	[ "$f" -gt "$first" ] && first=$f
	say "2: zap $i: last datagram $d ms after the leave, $n in the quiet window; first $f ms after the rejoin report"
done
expect eq "alone: the LAN went quiet after each leave (datagrams later than $QUIET_MAX ms)" \
    "$quiet" 0
expect le "alone: forwarding stopped at once after each leave (latest, ms)" \
    "$late" $QUIET_MAX
expect le "alone: forwarding resumed at once after each rejoin report (longest, ms, on the wire)" \
    "$first" $JOIN_MAX
expect le "alone: the zapper received at once after each rejoin (longest, ms)" \
    "$RJ" $JOIN_MAX
for ((i = 1; i <= ZAPS; i++)); do
	n=$(kv z2$i received)
	[ "${n:-0}" -ge 60 ] && [ "$(kv z2$i lost)" = 0 ] || break
done
expect gt "alone: every rejoin received the stream without loss (zaps)" \
    "$i" $ZAPS
check "alone: group gone after the last leave" wait_until 1 mdb_gone $RTR_OUT1 $G
expect ge "alone: each leave was a fast leave" \
    "$(igmp_counter $RTR_OUT1 fast_leave)" $((ZAPS + 2))
expect eq "alone: no group-specific query for a leave" \
    "$(igmp_counter $RTR_OUT1 tx_specific_query)" 0
check "alone: r1 no longer an OIF" _no_oifs $SRC4 $G

check "daemon still running" daemon_alive
daemon_stop
expect eq "exit status" "$DAEMON_RC" 0
finish
