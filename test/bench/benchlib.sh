# benchlib.sh - what the benchmarks share once inside their own network
# and mount namespace (sourced by static-bench.sh and proxy-bench.sh).

# shellcheck shell=bash

# bench_enter NAME: a private /run (so named namespaces stay ours), the
# loopback up, and WORK, a work directory removed at exit (kept with
# KEEP=1) together with every child still running and every namespace.
bench_enter()
{
	mount -t tmpfs -o mode=0755 "$1" /run || die "cannot mount /run"
	mkdir -p /run/netns
	ip link set lo up
	WORK=$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX") || die "mktemp"
	trap bench_cleanup EXIT
	trap 'echo interrupted; exit 2' INT TERM
}

bench_cleanup()
{
	local rc=$? p ns
	trap - EXIT INT TERM
	set +x
	# Only our own children that have not been reaped yet: their PIDs
	# cannot have been reused by anybody else.
	for p in $(jobs -p); do
		kill -TERM "$p" 2>/dev/null
	done
	sleep 0.3
	for p in $(jobs -p); do
		kill -KILL "$p" 2>/dev/null
	done
	for ns in $(ip netns list 2>/dev/null | awk '{ print $1 }'); do
		ip netns del "$ns" 2>/dev/null
	done
	if [ -n "${KEEP:-}" ]; then
		echo "work directory kept: $WORK"
	else
		rm -rf "$WORK"
	fi
	exit "$rc"
}

# wait_file FILE: until FILE exists (a tool's ready file), at most 5 s.
wait_file()
{
	local _
	for _ in $(seq 1 100); do
		[ -e "$1" ] && return 0
		sleep 0.05
	done
	return 1
}
