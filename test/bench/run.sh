#!/bin/sh
# run.sh - every benchmark of test/bench, one after the other
#
#   test/bench/run.sh [BUILDDIR]        # as root; BUILDDIR: a configured
#                                       # build directory (default: .)
#
# 1. callgrind.sh   instructions per operation of the hot paths (host)
# 2. rss.sh         the daemon's memory for 10,000 static routes (host,
#                   the routing socket options faked)
# 3. static-bench.sh  smcrouted beside SMCRoute: batch, configuration
#                   load, reload, template upcalls, peak RSS at N = 1k,
#                   10k, 100k; install time plot
# 4. proxy-bench.sh smcrouted beside igmpproxy on the wire: join and
#                   leave latency (4 rounds, latency plots), 4 hosts x
#                   1000 groups; then (proxy-many) 100 hosts x 100
#                   groups and a report storm
# 3 and 4 run in a throwaway VM (scripts/vm.sh) when this kernel cannot
# route multicast.  Each one's output goes to OUT/NAME.out (OUT defaults
# to a new directory under /tmp, printed at the start), the plots to
# OUT too.  ONLY="callgrind rss static proxy proxy-many" picks some.
# Exit status: the number of benchmarks that failed.  About an hour and
# a half in the VM.
set -u

builddir=$(cd "${1:-.}" && pwd) || exit 2
here=$(cd "$(dirname "$0")" && pwd)
OUT=${OUT:-$(mktemp -d /tmp/bench.XXXXXX)}
ONLY=${ONLY:-"callgrind rss static proxy proxy-many"}
mkdir -p "$OUT" || exit 2
fail=0

if [ ! -f "$builddir/Makefile" ]; then
	echo "run.sh: $builddir is not a configured build directory" >&2
	exit 2
fi
make -s -C "$builddir" >/dev/null || exit 2
# The daemons compared and the plotting tool; the VM's packages are
# installed by the benchmarks that need it.
"$here/../../scripts/deps.sh" igmpproxy gnuplot-nox || exit 2
echo "# results in $OUT"

bench() {
	name=$1
	shift
	case " $ONLY " in
	*" $name "*) ;;
	*) return ;;
	esac
	echo "## $name: $*"
	start=$(date +%s)
	"$@" >"$OUT/$name.out" 2>"$OUT/$name.err"
	rc=$?
	cat "$OUT/$name.out"
	echo "## $name: exit $rc in $(($(date +%s) - start)) s"
	if [ "$rc" != 0 ]; then
		tail -n 20 "$OUT/$name.err"
		fail=$((fail + 1))
	fi
}

bench callgrind "$here/callgrind.sh" "$builddir"
bench rss "$here/rss.sh" "$builddir" 10000
bench static env top_builddir="$builddir" "$here/static-bench.sh" \
    -o "$OUT/static" -p "$OUT/static-install.png"
# The join and leave cycles in four rounds, the daemons taking turns;
# then the phases of many groups and hosts, a fresh daemon each.
bench proxy env top_builddir="$builddir" ROUNDS=4 PHASES="ac b d e e2" \
    BENCH_TIMEOUT=600 JOIN_PNG="$OUT/join-cdf.png" \
    LEAVE_PNG="$OUT/leave-cdf.png" RESULTS_DIR="$OUT/proxy" \
    "$here/proxy-bench.sh"
bench proxy-many env top_builddir="$builddir" PHASES=f BENCH_TIMEOUT=600 \
    RESULTS_DIR="$OUT/proxy-many" "$here/proxy-bench.sh"
echo "# $fail failed; results in $OUT"
exit "$fail"
