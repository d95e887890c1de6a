#!/bin/sh
# callgrind.sh - instructions per operation of the hot paths
#
#   test/bench/callgrind.sh [BUILDDIR]
#
# Builds test/bench/cgdrive in BUILDDIR (default: the current directory,
# which must be a configured build directory), runs each hot path under
# valgrind --tool=callgrind with collection on only around the operation
# (cgdrive toggles it), and prints one line per hot path: its name, the
# operations counted, and the instructions per operation.  Instruction
# counts do not depend on the load of the machine: a change that makes
# a hot path slower shows here.  OPS (100) sets the operations per path,
# PATHS which paths run; MEM=1 also prints the heap bytes per route.
# Runs on the host, as any user: no network, no root.
set -eu

builddir=${1:-.}
OPS=${OPS:-100}
PATHS=${PATHS:-"igmp mld route upcall"}

if ! command -v valgrind >/dev/null 2>&1; then
	echo "callgrind.sh: valgrind not found (Debian: apt-get install valgrind)" >&2
	exit 77
fi
if [ ! -f "$builddir/Makefile" ]; then
	echo "callgrind.sh: $builddir is not a configured build directory" >&2
	exit 2
fi
make -s -C "$builddir" test/bench/cgdrive >&2
drive=$builddir/test/bench/cgdrive
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

echo "# $(valgrind --version), $OPS operations per path"
printf '%-8s %6s %14s\n' path ops instr/op
for p in $PATHS; do
	out=$tmp/callgrind.$p
	if ! valgrind -q --tool=callgrind --collect-atstart=no \
	    --callgrind-out-file="$out" "$drive" "$p" "$OPS" 2>"$tmp/log.$p"; then
		cat "$tmp/log.$p" >&2
		echo "callgrind.sh: $p failed" >&2
		exit 1
	fi
	# "totals: N" (or "summary: N"): Ir collected while toggled on.
	ir=$(awk '/^(totals|summary):/ { print $2; exit }' "$out")
	if [ -z "$ir" ]; then
		echo "callgrind.sh: no totals in $out" >&2
		exit 1
	fi
	printf '%-8s %6d %14d\n' "$p" "$OPS" $((ir / OPS))
done
if [ "${MEM:-0}" = 1 ]; then
	"$drive" mem
fi
