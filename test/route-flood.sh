#!/bin/bash
# A flood of upcalls does not starve the control socket: a sender makes
# thousands of new (S,G) per second, each one a NOCACHE upcall, while
# smcroutectl asks the daemon again and again.  The sender has more
# flows (3 sources x 65536 groups) than it can send to in the test, so
# every datagram is a new flow and upcalls keep coming while the
# questions are asked (the daemon's upcall counter, in each answer, must
# grow).  Every answer comes, and within FLOOD_ASK_MS: by default four
# times the slowest of three answers before the flood, at least 1500 ms,
# which holds on a slow, loaded VM (each answer also pays for starting
# three processes) while a daemon that reads its routing socket until
# it is empty does not answer at all until the flood stops.  No more
# than the default limit of learned entries (4096) ends up in the
# kernel.  IPv4.
. "$(dirname "$0")/lib.sh"

: "${MCFLOOD:=$top_builddir/test/mcflood}"
need_mroute4
need_tools
need_daemon
need_bin "$SMCROUTECTL"
need_bin "$MCFLOOD"
topo

# The flood is stopped once the questions are answered; DUR caps it.
NGROUPS=65536 DUR=60
conf <<EOF
mroute from $RTR_IN group 239.0.0.0/8 to $RTR_OUT1
EOF
daemon_start

# ask: one `smcroutectl -d show interfaces`, its time in ASK_MS, the
# daemon's IPv4 upcall counter in ASK_UPCALLS; fails when there is no
# answer (10 s) or not the expected one.
ask()
{
	local t0 rc
	_now
	t0=$NOW
	timeout 10 ip netns exec "$RTR" "$SMCROUTECTL" -u "$SOCK" -p -d \
	    show interfaces >"$WORK/ask.out" 2>&1
	rc=$?
	_now
	ASK_MS=$(( (NOW - t0) / 1000000 ))
	ASK_UPCALLS=$(awk '$1 == "IPv4" && $2 == "upcalls" { print $3 }' \
	    "$WORK/ask.out")
	[ $rc = 0 ] && grep -q " $RTR_IN " "$WORK/ask.out"
}

# mfc_n: resolved IPv4 kernel entries, counted by one awk: the table
# may hold thousands of unresolved lines too.
mfc_n()
{
	_nsholder "$RTR"
	awk 'NR > 1 && $3 != -1 && $3 != 65535 { n++ } END { print n + 0 }' \
	    "/proc/$_NSP/net/ip_mr_cache"
}

idle=()
for ((i = 0; i < 3; i++)); do
	ask || fail "no answer before the flood: $(cat "$WORK/ask.out")"
	idle+=("$ASK_MS")
done
say "answers without a flood: ${idle[*]} ms"
if [ -z "${FLOOD_ASK_MS:-}" ]; then
	FLOOD_ASK_MS=1500
	for i in "${idle[@]}"; do
		[ $((4 * i)) -gt $FLOOD_ASK_MS ] && FLOOD_ASK_MS=$((4 * i))
	done
fi

say "flood: 3 sources x $NGROUPS groups, as fast as the sender can"
ip netns exec src "$MCFLOOD" -i $SRC_IF -s $SRC4 -s $SRC4B -s $SRC4C -r 0 \
    -d $DUR 239.1.0.0+$NGROUPS \
    >"$WORK/flood.out" 2>"$WORK/flood.err" &
flood=$!
bg_add $flood
# Let the flood build up: the kernel's queue to the daemon fills.
sleep 1.5
during=() max=0 bad=0 up=()
for ((i = 0; i < 6; i++)); do
	if ask; then
		during+=("$ASK_MS")
	else
		during+=("${ASK_MS}!")
		bad=$((bad + 1))
	fi
	up+=("${ASK_UPCALLS:--}")
	[ "$ASK_MS" -gt "$max" ] && max=$ASK_MS
	sleep 0.3
done
kill -0 $flood 2>/dev/null
still=$?
kill -TERM $flood 2>/dev/null
wait $flood
say "answers during the flood: ${during[*]} ms (at most $FLOOD_ASK_MS)"
say "the daemon's upcall counter in those answers: ${up[*]}"
say "flood: $(tr '\n' ' ' <"$WORK/flood.out")"
n1=$(mfc_n)
say "kernel entries: $n1"

expect eq "the flood lasted beyond the questions" $still 0
expect eq "every question answered" $bad 0
expect le "slowest answer during the flood (ms)" $max "$FLOOD_ASK_MS"
expect gt "upcalls kept coming while the questions were asked" \
    "${up[5]}" "${up[0]}"
expect gt "the flood made upcalls" "$n1" 100
expect le "learned entries within the default limit" "$(mfc_n)" 4096
check "answers after the flood" ask
ip netns exec "$RTR" "$SMCROUTECTL" -u "$SOCK" -t -d show interfaces \
    >"$WORK/counters.out" 2>&1
say "counters: $(awk '$1 == "IPv4" { printf "%s=%s ", $2, $3 }' \
    "$WORK/counters.out")"
expect le "show: learned entries within the default limit" \
    "$(awk '$1 == "IPv4" && $2 == "learned" { print $3 }' \
    "$WORK/counters.out")" 4096

daemon_stop
expect eq "exit status" "$DAEMON_RC" 0
say "$(grep -o 'kernel: IPv4 socket received.*' "$DLOG" | tail -n 1)"
say "$(grep -o 'IPv4 learned routes: .*' "$DLOG" | tail -n 1)"
finish
