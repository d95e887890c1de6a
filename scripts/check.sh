#!/bin/sh
# Set up and run the whole test suite from a clean clone, as root:
# installs what the tests need, builds (a normal and a sanitizer build),
# runs the unit tests on this host and the network tests where a kernel
# can route multicast: natively when this one can, otherwise in a
# throwaway VM with Debian's kernel (scripts/vm.sh), and runs each
# libFuzzer target for 20 s (test/fuzz/README.md), one test in all.
# Ends with "N passed, N failed, N skipped", every test counted once.
#
# Usage: scripts/check.sh [-q]   (-q: the normal build only)
#
# Under CI=true a network test that would skip (a kernel feature or a
# tool missing) fails instead: CI never passes without forwarding.
# So does the fuzz stage without clang.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
quick=0
[ "${1:-}" = "-q" ] && quick=1

"$top/scripts/deps.sh" || exit 1

# Where the network tests run, and why.
start=$(date +%s)
if [ "$(id -u)" -ne 0 ]; then
	where=native
	echo "network tests: natively, but not as root: they will skip"
elif missing=$("$top/scripts/kernel-check.sh"); then
	where=native
	echo "network tests: natively, kernel $(uname -r) has all they need"
else
	lacks=$(printf '%s\n' "$missing" | sed -n 's/.*(\(.*\))$/\1/p' |
	    paste -sd, - | sed 's/, */, /g')
	if "$top/scripts/deps.sh" qemu-system-x86 busybox-static cpio kmod &&
	    kver=$("$top/scripts/vm.sh" -k); then
		where=vm
		echo "network tests: in a VM, Debian kernel $kver, because" \
		    "this kernel ($(uname -r)) lacks $lacks"
	else
		where=native
		echo "network tests: natively, though this kernel lacks" \
		    "$lacks, because no VM could be had (above)"
	fi
fi

pass=0 fail=0 skip=0

# count DIR: add up the results (.trs) of the tests run in DIR; a test
# with no result (its run was cut short) is a failure.
count()
{
	for t in $(make -s --no-print-directory -C "$1" print-tests 2>/dev/null |
	    tr ' ' '\n' | grep '^test/'); do
		[ -f "$1/${t%.sh}.trs" ] && continue
		echo "FAIL: $t has no result"
		fail=$((fail + 1))
	done
	trs="$1/test/*.trs $1/test/unit/*.trs"
	# shellcheck disable=SC2086
	p=$(cat $trs 2>/dev/null | grep -cE '^:test-result: (PASS|XFAIL)')
	# shellcheck disable=SC2086
	f=$(cat $trs 2>/dev/null | grep -cE '^:test-result: (FAIL|ERROR|XPASS)')
	# shellcheck disable=SC2086
	s=$(cat $trs 2>/dev/null | grep -cE '^:test-result: SKIP')
	# shellcheck disable=SC2086
	for log in $(grep -lE '^:test-result: (FAIL|ERROR|XPASS)' $trs \
	    2>/dev/null); do
		echo "---- ${log%.trs}.log: failed checks"
		grep -E '^(not ok|FAIL:|ERROR:)' "${log%.trs}.log" | head -n 20
		echo "---- ${log%.trs}.log: last lines"
		tail -n 40 "${log%.trs}.log"
	done
	if [ "$p" -eq 0 ] && [ "$f" -eq 0 ] && [ "$s" -eq 0 ]; then
		echo "FAIL: make check ran no test in $1"
		f=1
	fi
	pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
}

# suite DIR WHICH LOG: make check with the tests of the make variable
# WHICH (unit_tests, net_tests), on this host or in the VM.
suite()
{
	dir=$1 which=$2 log=$3 t0=$(date +%s)
	if [ "$which" = net_tests ] && [ "$where" = vm ]; then
		"$top/scripts/vm.sh" -q -t 3000 -w "$dir" -- \
		    make -C "$dir" -j2 check "TESTS=\$($which)" >"$log" 2>&1
		case $? in
		124|125) echo "FAIL: the VM for $which in $dir:" \
			"$(tail -n 5 "$log")" ;;
		esac
	else
		make -C "$dir" -j2 check "TESTS=\$($which)" >"$log" 2>&1
	fi
	grep -E '^(PASS|FAIL|SKIP|ERROR|XPASS|XFAIL):' "$log"
	echo "== $which in $dir: $(( $(date +%s) - t0 )) s"
}

run()	# builddir [configure options]
{
	dir=$1
	shift
	echo "== building in $dir $*"
	if ! "$top/scripts/build.sh" "$dir" "$@"; then
		echo "FAIL: build in $dir"
		fail=$((fail + 1))
		return
	fi
	rm -f "$dir"/test/*.trs "$dir"/test/*.log "$dir"/test/unit/*.trs \
	    "$dir"/test/unit/*.log
	suite "$dir" unit_tests "$dir/check-unit.out"
	suite "$dir" net_tests "$dir/check-net.out"
	count "$dir"
}

# fuzz DIR: make fuzz-run in DIR, counted as one test.
fuzz()
{
	dir=$1 t0=$(date +%s)
	if ! command -v clang >/dev/null 2>&1; then
		if [ "${CI:-}" = true ]; then
			echo "FAIL: fuzz: no clang, which CI=true forbids"
			fail=$((fail + 1))
		else
			echo "SKIP: fuzz: no clang"
			skip=$((skip + 1))
		fi
		return
	fi
	if make -C "$dir" fuzz-run FUZZ_SECONDS=20 >"$dir/check-fuzz.out" 2>&1
	then
		echo "PASS: fuzz"
		pass=$((pass + 1))
	else
		echo "FAIL: fuzz"
		tail -n 20 "$dir/check-fuzz.out"
		fail=$((fail + 1))
	fi
	echo "== fuzz in $dir: $(( $(date +%s) - t0 )) s"
}

run "$top/build"
fuzz "$top/build"
[ $quick -eq 1 ] || run "$top/build-san" --enable-sanitizers
echo "== suite took $(( $(date +%s) - start )) s"
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
