#!/bin/sh
# Set up and run the whole test suite from a clean clone, as root:
# installs what the tests need, builds (a normal and a sanitizer build),
# runs `make check` in each, and ends with "N passed, N failed, N skipped".
# Usage: scripts/check.sh [-q]   (-q: the normal build only)
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
quick=0
[ "${1:-}" = "-q" ] && quick=1

"$top/scripts/deps.sh" || exit 1

pass=0 fail=0 skip=0
run() {	# builddir [configure options]
	dir=$1; shift
	echo "== building in $dir $*"
	if ! "$top/scripts/build.sh" "$dir" "$@"; then
		echo "FAIL: build in $dir"
		fail=$((fail + 1))
		return
	fi
	echo "== make check in $dir"
	make -C "$dir" -j2 check >"$dir/check.out" 2>&1
	grep -E '^(PASS|FAIL|SKIP|ERROR|XPASS|XFAIL):' "$dir/check.out"
	for log in $(grep -lE '^:test-result: (FAIL|ERROR|XPASS)' \
	    "$dir"/test/*.trs "$dir"/test/unit/*.trs 2>/dev/null); do
		echo "---- ${log%.trs}.log"
		tail -n 60 "${log%.trs}.log"
	done
	p=$(grep -hcE '^:test-result: (PASS|XFAIL)' "$dir"/test/*.trs "$dir"/test/unit/*.trs 2>/dev/null | awk '{s+=$1} END {print s+0}')
	f=$(grep -hcE '^:test-result: (FAIL|ERROR|XPASS)' "$dir"/test/*.trs "$dir"/test/unit/*.trs 2>/dev/null | awk '{s+=$1} END {print s+0}')
	s=$(grep -hcE '^:test-result: SKIP' "$dir"/test/*.trs "$dir"/test/unit/*.trs 2>/dev/null | awk '{s+=$1} END {print s+0}')
	if [ "$p" -eq 0 ] && [ "$f" -eq 0 ] && [ "$s" -eq 0 ]; then
		echo "FAIL: make check ran no test in $dir"
		tail -n 40 "$dir/check.out"
		f=1
	fi
	pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
}

start=$(date +%s)
run "$top/build"
[ $quick -eq 1 ] || run "$top/build-san" --enable-sanitizers
echo "== suite took $(( $(date +%s) - start )) s"
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
