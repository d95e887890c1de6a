#!/bin/bash
# rss.sh - what smcrouted holds in memory for N static (S,G) routes
#
#   test/bench/rss.sh [BUILDDIR [N]]      # as root; N = 10000
#
# Runs BUILDDIR/src/smcrouted (default: the current directory) in a
# private network and mount namespace (unshare -n -m), on two veth
# pairs, with test/bench/fakemrt.c preloaded: every MRT/MRT6 socket
# option succeeds and does nothing, so this runs on a kernel without
# multicast routing (the build hosts) and measures only the daemon's
# own memory.  Prints VmHWM (peak) and VmRSS, in kB, of:
#   idle     the daemon with three phyint lines
#   batch    after N routes added by one smcroutectl -b batch
#   +show    after one "show routes" of them
#   conf     a fresh daemon that loaded an N-line smcroute.conf
#   reload   after SIGHUP with the same file
#   +show    after one "show routes" of them
# Each figure is taken once the daemon used no CPU for half a second.
# Nothing leaves the namespace; the work directory is removed at exit.
set -u

builddir=$(cd "${1:-.}" && pwd)
n=${2:-10000}
here=$(cd "$(dirname "$0")" && pwd)

if [ "$(id -u)" != 0 ]; then
	echo "rss.sh: needs root (unshare -n, ip link)" >&2
	exit 77
fi
if [ -z "${RSS_INNER:-}" ]; then
	RSS_INNER=1 exec unshare -n -m "$0" "$builddir" "$n"
fi

d=$(mktemp -d /tmp/rss.XXXXXX)
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$d"
}
trap cleanup EXIT INT TERM

cc -shared -fPIC -O2 -o "$d/fakemrt.so" "$here/fakemrt.c" -ldl || exit 99
ip link set lo up
ip link add v0 type veth peer name v1 || exit 99
ip link add v2 type veth peer name v3 || exit 99
for i in v0 v1 v2 v3; do
	ip link set "$i" up
done

printf 'phyint v0 enable\nphyint v1 enable\nphyint v2 enable\n' >"$d/empty"
cp "$d/empty" "$d/conf"
# Route i: source 10.0.0.1 + i, group 225.0.0.0 + i, from v0 to v1 v2.
awk -v n="$n" -v b="$d/batch" -v c="$d/conf" '
function ip(base, i,  a) {
	a = base + i
	return int(a / 16777216) "." int(a / 65536) % 256 "." \
	    int(a / 256) % 256 "." a % 256
}
BEGIN {
	for (i = 0; i < n; i++) {
		s = ip(167772161, i); g = ip(3774873600, i)
		print "add v0 " s " " g " v1 v2" >b
		print "mroute from v0 source " s " group " g " to v1 v2" >>c
	}
}'

ctl() {
	"$builddir/src/smcroutectl" -u "$d/sock" "$@"
}
rss() {
	printf '%-8s ' "$1"
	awk '/^VmHWM|^VmRSS/ { printf "%s %6d kB  ", $1, $2 }' \
	    "/proc/$pid/status"
	echo
}
# Until the daemon used no CPU for half a second.
settle() {
	local a=x b i

	for i in $(seq 600); do
		b=$(awk '{ print $14 + $15 }' "/proc/$pid/stat")
		[ "$a" = "$b" ] && return
		a=$b
		sleep 0.5
	done
}
start() {
	local i

	rm -f "$d/sock"
	LD_PRELOAD=$d/fakemrt.so "$builddir/src/smcrouted" -n -c 0 -f "$1" \
	    -u "$d/sock" -P "$d/pid" -l warning 2>>"$d/log" &
	pid=$!
	for i in $(seq 100); do
		[ -S "$d/sock" ] && break
		sleep 0.1
	done
	settle
}
stop() {
	kill "$pid"
	wait "$pid" 2>/dev/null
	pid=
}
routes() {
	ctl -pt show routes | grep -c " 225\."
}

echo "# smcrouted of $builddir, $n (S,G) routes, $(uname -r)"
start "$d/empty"
rss idle
ctl -b <"$d/batch" >"$d/batch.out" 2>&1
settle
rss batch
got=$(routes)
rss +show
stop
[ "$got" -ge "$n" ] || echo "rss.sh: only $got lines of routes after the batch" >&2
start "$d/conf"
rss conf
kill -HUP "$pid"
sleep 1
settle
rss reload
got=$(routes)
rss +show
stop
[ "$got" -ge "$n" ] || echo "rss.sh: only $got lines of routes after the reload" >&2
if [ -s "$d/log" ]; then
	echo "# daemon log:"
	head -n 5 "$d/log"
fi
