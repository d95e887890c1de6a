# lib.sh - harness for the network tests, sourced by test/*.sh  -*- sh -*-
#
# Every test re-executes itself inside a private mount + network namespace
# (unshare -m -n) with a tmpfs on /run, so the named namespaces it creates
# (src, rtr, rcv1, rcv2) never clash with another test running in
# parallel, and everything vanishes when the test ends.  Only private
# addresses (10.0.0.0/8, fc00::/7) are used, on veth pairs between those
# namespaces: nothing ever leaves the machine.
#
# Exit codes follow automake: 0 pass, 1 fail, 77 skip, 99 hard error.
#
# Environment:
#   top_builddir   where src/smcrouted and test/mcsend live
#                  (default: $PWD if it has src/smcrouted, else the
#                  directory above this script)
#   SMCROUTED, SMCROUTECTL, MCSEND, MCRECV   override single binaries
#   DAEMON_WRAPPER  command prefix for the daemon, e.g. "valgrind -q"
#   DAEMON_TMO     seconds the daemon may take to start or stop (10)
#   KEEP=1         keep the work directory ($WORK) after the test
#   TEST_TIMEOUT   seconds before a hung test is stopped (default 300)
#   V=1            trace the test (set -x)
#
# Standard topology (topo):
#
#   src:s0 ---- r0:rtr:r1 ---- c1:rcv1
#                     :r2 ---- c2:rcv2       (topo 2)
#
#   10.0.0.1/24     fc00::1/64        src s0      router r0 10.0.0.254 fc00::fe
#    + secondary    10.0.0.2, 10.0.0.130, fc00::2, fc00::8000:1 (SRC4B, SRC4C,
#                   SRC6B, SRC6C), never used unless bound (mcsend -s)
#   10.0.1.1/24     fc00:1::1/64      rcv1 c1     router r1 10.0.1.254 fc00:1::fe
#   10.0.2.1/24     fc00:2::1/64      rcv2 c2     router r2 10.0.2.254 fc00:2::fe

# shellcheck disable=SC2034,SC2120	# variables and optional arguments
#					# are for the sourcing tests

TEST_NAME=$(basename "$0" .sh)
TEST_DIR=$(cd "$(dirname "$0")" && pwd)
: "${top_srcdir:=$(cd "$TEST_DIR/.." && pwd)}"
if [ -z "${top_builddir:-}" ]; then
	if [ -x "$PWD/src/smcrouted" ]; then
		top_builddir=$PWD
	else
		top_builddir=$top_srcdir
	fi
fi
top_builddir=$(cd "$top_builddir" && pwd)
: "${SMCROUTED:=$top_builddir/src/smcrouted}"
: "${SMCROUTECTL:=$top_builddir/src/smcroutectl}"
: "${MCSEND:=$top_builddir/test/mcsend}"
: "${MCRECV:=$top_builddir/test/mcrecv}"
: "${DAEMON_WRAPPER:=}"
# Seconds the daemon may take to start and to stop (more under valgrind).
: "${DAEMON_TMO:=10}"
export top_srcdir top_builddir SMCROUTED SMCROUTECTL MCSEND MCRECV
export DAEMON_WRAPPER

# ---------------------------------------------------------------- results

# The helpers below spawn as few processes as they can: in the test VM
# (scripts/vm.sh) every exec costs tens of milliseconds, which would
# otherwise be measured as the daemon's latency.  Clocks come from
# $EPOCHREALTIME, sleep is bash's loadable builtin where installed
# (Debian's bash-builtins), /proc/net files are read without cat.
enable -f /usr/lib/bash/sleep sleep 2>/dev/null ||
	enable -f /usr/lib/x86_64-linux-gnu/bash/sleep sleep 2>/dev/null

# _now: CLOCK_REALTIME in ns (microsecond resolution) into NOW.
_now()
{
	local t=${EPOCHREALTIME//[!0-9]/}
	NOW=$((10#$t * 1000))
}

# now_ns: CLOCK_REALTIME in ns, as mcrecv -T and igmpgen print it.
now_ns()
{
	_now
	echo "$NOW"
}

_now
_t0=$NOW

# say MSG: progress message with the time since the start.
say()
{
	local ms
	_now
	ms=$(( (NOW - _t0) / 1000000 ))
	printf '[%3d.%03d] %s\n' $((ms / 1000)) $((ms % 1000)) "$*"
}

# skip REASON: the test cannot run here (exit 77).  Under CI=true a
# skip is a failure: CI must never pass without having run the test.
skip()
{
	if [ "${CI:-}" = true ]; then
		echo "FAIL: $TEST_NAME: would skip ($*), which CI=true forbids"
		exit 1
	fi
	echo "SKIP: $TEST_NAME: $*"
	exit 77
}

# Assertion failure: the behaviour under test is wrong.
fail()
{
	echo "FAIL: $TEST_NAME: $*"
	exit 1
}

# Hard error: the harness or the environment is broken.
error()
{
	echo "ERROR: $TEST_NAME: $*"
	exit 99
}

# Soft checks: record a failure and go on; finish() exits 1 if any failed.
_nfailed=0
_nchecks=0
_t0=${EPOCHREALTIME//[!0-9]/}

check()
{
	local desc=$1
	shift
	_nchecks=$((_nchecks + 1))
	if "$@"; then
		echo "ok - $desc"
	else
		echo "not ok - $desc"
		_nfailed=$((_nfailed + 1))
	fi
}

# check_not DESC CMD...: the command must fail.
check_not()
{
	local desc=$1
	shift
	_nchecks=$((_nchecks + 1))
	if "$@"; then
		echo "not ok - $desc"
		_nfailed=$((_nfailed + 1))
	else
		echo "ok - $desc"
	fi
}

# expect OP DESC GOT WANT, OP one of eq ne ge gt le lt (integers) or
# seq/sne (strings).
expect()
{
	local op=$1 desc=$2 got=$3 want=$4 ok=1
	_nchecks=$((_nchecks + 1))
	case $op in
	seq) [ "$got" = "$want" ] || ok=0 ;;
	sne) [ "$got" != "$want" ] || ok=0 ;;
	eq|ne|ge|gt|le|lt)
		case $got in
		''|*[!0-9-]*) ok=0 ;;
		*)
			case $op in
			eq) [ "$got" -eq "$want" ] ;;
			ne) [ "$got" -ne "$want" ] ;;
			ge) [ "$got" -ge "$want" ] ;;
			gt) [ "$got" -gt "$want" ] ;;
			le) [ "$got" -le "$want" ] ;;
			lt) [ "$got" -lt "$want" ] ;;
			esac || ok=0
			;;
		esac
		;;
	*) error "expect: bad operator $op" ;;
	esac
	if [ $ok = 1 ]; then
		echo "ok - $desc ($got $op $want)"
	else
		echo "not ok - $desc: got '$got', want $op '$want'"
		_nfailed=$((_nfailed + 1))
	fi
}

# assert DESC CMD...: hard check, stop the test on failure.
assert()
{
	local desc=$1
	shift
	_nchecks=$((_nchecks + 1))
	"$@" || fail "$desc"
	echo "ok - $desc"
}

finish()
{
	local t=${EPOCHREALTIME//[!0-9]/}

	# The wall time, for finding what makes the suite long.
	t=$(((10#$t - 10#$_t0) / 100000))
	echo "# took $((t / 10)).$((t % 10)) s"
	if [ "$_nfailed" -ne 0 ]; then
		echo "FAIL: $TEST_NAME: $_nfailed of $_nchecks checks failed"
		exit 1
	fi
	echo "PASS: $TEST_NAME: $_nchecks checks"
	exit 0
}

# ------------------------------------------------------- re-exec in netns

# TEST_TIMEOUT (default 300 s) bounds a hung test.
if [ -z "${SMCR_TEST_INNS:-}" ]; then
	[ "$(id -u)" = 0 ] || skip "needs root"
	for _cmd in unshare ip mount timeout; do
		command -v $_cmd >/dev/null 2>&1 || skip "needs $_cmd"
	done
	unshare -m -n true 2>/dev/null || skip "unshare -m -n not permitted"
	SMCR_TEST_INNS=1
	export SMCR_TEST_INNS
	# shellcheck disable=SC2093	# the error below is for a failed exec
	exec timeout -k 10 "${TEST_TIMEOUT:-300}" unshare -m -n -- bash "$0" "$@"
	error "cannot exec unshare"
fi

[ -n "${V:-}" ] && set -x

# unshare(1) made all mounts private: this tmpfs is ours alone.
mount -t tmpfs -o mode=0755 smcr-test /run || error "cannot mount tmpfs on /run"
mkdir -p /run/netns || error "cannot create /run/netns"
ip link set lo up

WORK=$(mktemp -d "${TMPDIR:-/tmp}/smcr-$TEST_NAME.XXXXXX") ||
	error "cannot create work directory"
CONF=$WORK/smcroute.conf
SOCK=$WORK/smcroute.sock
PIDFILE=$WORK/smcroute.pid
DLOG=$WORK/smcrouted.log
IDENT=smcr-test
RTR=rtr			# namespace the daemon runs in
DAEMON_PID=
DAEMON_RC=
_bgpids=
_namespaces=

# The standard topology's names and addresses.
SRC_IF=s0 RTR_IN=r0 RTR_OUT1=r1 RTR_OUT2=r2 RCV1_IF=c1 RCV2_IF=c2
SRC4=10.0.0.1 SRC4B=10.0.0.2 SRC4C=10.0.0.130 RTR4_IN=10.0.0.254
RCV1_4=10.0.1.1 RCV2_4=10.0.2.1
SRC6=fc00::1 SRC6B=fc00::2 SRC6C=fc00::8000:1 RTR6_IN=fc00::fe
RCV1_6=fc00:1::1 RCV2_6=fc00:2::1

# Remember a background process so cleanup kills it.
bg_add()
{
	_bgpids="$_bgpids $1"
}

dump_state()
{
	local ns=${1:-$RTR} f
	echo "---- kernel state in $ns ----"
	for f in ip_mr_vif ip_mr_cache ip6_mr_vif ip6_mr_cache igmp mcfilter \
	    igmp6 mcfilter6; do
		echo "# /proc/net/$f"
		ip netns exec "$ns" cat "/proc/net/$f" 2>&1
	done
	echo "# ip mroute show table all"
	ip -n "$ns" mroute show table all 2>&1
	echo "# ip -6 mroute show table all"
	ip -n "$ns" -6 mroute show table all 2>&1
	if [ -n "$DAEMON_PID" ] && kill -0 "$DAEMON_PID" 2>/dev/null &&
	    [ -x "$SMCROUTECTL" ]; then
		echo "# smcroutectl show routes/groups"
		timeout 5 ip netns exec "$ns" "$SMCROUTECTL" -u "$SOCK" -p show routes 2>&1
		timeout 5 ip netns exec "$ns" "$SMCROUTECTL" -u "$SOCK" -p show groups 2>&1
	fi
}

# _descendants PID...: every process below the given ones, deepest last.
_descendants()
{
	local p c
	for p in "$@"; do
		for c in $(pgrep -P "$p" 2>/dev/null); do
			echo "$c"
			_descendants "$c"
		done
	done
}

_cleanup()
{
	local rc=$? p i
	trap - EXIT INT TERM
	set +x
	if [ "$rc" != 0 ] && [ "$rc" != 77 ]; then
		if _has_ns "$RTR"; then
			dump_state "$RTR"
		fi
		if [ -s "$DLOG" ]; then
			echo "---- daemon log $DLOG ----"
			tail -n 300 "$DLOG"
		fi
		for p in "$WORK"/*.out "$WORK"/*.err; do
			[ -s "$p" ] || continue
			echo "---- $p ----"
			head -n 40 "$p"
		done
		[ -f "$CONF" ] && { echo "---- $CONF ----"; cat "$CONF"; }
	fi
	# Whole trees: "nsx NS tool &" gives the PID of a subshell, and a
	# killed subshell would leave its tool running after the test.
	_bgpids="$(_descendants $DAEMON_PID $_bgpids) $DAEMON_PID $_bgpids"
	for p in $_bgpids; do
		kill -TERM "$p" 2>/dev/null
	done
	for i in 1 2 3 4 5 6 7 8 9 10; do
		local alive=
		for p in $_bgpids; do
			kill -0 "$p" 2>/dev/null && alive=1
		done
		[ -z "$alive" ] && break
		sleep 0.1
	done
	for p in $_bgpids; do
		kill -KILL "$p" 2>/dev/null
	done
	if [ -n "${KEEP:-}" ]; then
		echo "work directory kept: $WORK"
	else
		rm -rf "$WORK"
	fi
	exit "$rc"
}
trap _cleanup EXIT
trap 'echo "interrupted"; exit 99' INT TERM

# ------------------------------------------------------------- utilities

# wait_until SECONDS CMD...: poll CMD every 0.05 s until it succeeds.
wait_until()
{
	local tmo=$1 end frac
	shift
	_now
	end=$(( NOW + ${tmo%.*} * 1000000000 ))
	case $tmo in
	*.*)	frac=${tmo#*.}000000000
		end=$(( end + 10#${frac:0:9} )) ;;
	esac
	while [ "$NOW" -lt "$end" ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.05
		_now
	done
	# Once more with its output: the reason it failed.
	"$@"
}

# not CMD...: CMD fails (for wait_until).
not()
{
	! "$@"
}

# watch_start NAME [-t SEC] CMD...: poll CMD in the background (every
# 10 ms, for at most SEC seconds, default 30) and note the time it first
# succeeds; watch_ns NAME waits for the watcher and prints that time (ns,
# CLOCK_REALTIME), or nothing if CMD never succeeded.  For latencies
# measured while the test goes on changing things: CMD must not fork
# (the kernel state readers above do not), or its own cost is measured.
watch_start()
{
	local name=$1 tmo=30
	shift
	[ "$1" = -t ] && { tmo=$2; shift 2; }
	rm -f "$WORK/$name.ts"
	(
		_now
		end=$((NOW + tmo * 1000000000))
		while [ "$NOW" -lt "$end" ]; do
			if "$@" >/dev/null 2>&1; then
				_now
				echo "$NOW" >"$WORK/$name.ts"
				exit 0
			fi
			sleep 0.01
			_now
		done
		exit 1
	) &
	eval "_watch_$name=$!"
	bg_add $!
}

watch_ns()
{
	local pid
	eval "pid=\${_watch_$1:-}"
	[ -n "$pid" ] || error "no watcher $1"
	# Not wait: this may run in a command substitution's subshell.
	while kill -0 "$pid" 2>/dev/null; do
		sleep 0.01
	done
	[ -s "$WORK/$1.ts" ] && printf '%s\n' "$(<"$WORK/$1.ts")"
	return 0
}

# nsx NS CMD...: run CMD in namespace NS.
nsx()
{
	local ns=$1
	shift
	ip netns exec "$ns" "$@"
}

need_bin()
{
	local b
	for b in "$@"; do
		[ -x "$b" ] || error "$b not built (run make check / make)"
	done
}

need_tools()
{
	need_bin "$MCSEND" "$MCRECV"
}

need_daemon()
{
	need_bin "$SMCROUTED"
}

# Kernel features, checked inside a fresh network namespace.
need_mroute4()
{
	[ -e /proc/net/ip_mr_vif ] && [ -e /proc/net/ip_mr_cache ] ||
		skip "kernel lacks IPv4 multicast routing (CONFIG_IP_MROUTE)"
}

need_mroute6()
{
	[ -e /proc/net/ip6_mr_vif ] && [ -e /proc/net/ip6_mr_cache ] ||
		skip "kernel lacks IPv6 multicast routing (CONFIG_IPV6_MROUTE)"
	[ -e /proc/net/igmp6 ] || skip "kernel lacks IPv6"
}

need_mrt_tables()
{
	ip mrule show >/dev/null 2>&1 ||
		skip "kernel lacks CONFIG_IP_MROUTE_MULTIPLE_TABLES"
}

# sysctl_set NS KEY VALUE [KEY VALUE...] (KEY with dots or slashes).
sysctl_set()
{
	local ns=$1 cmd='' key
	shift
	while [ $# -ge 2 ]; do
		case $1 in
		*/*) key=$1 ;;
		*) key=${1//./\/} ;;
		esac
		cmd="$cmd echo $2 > /proc/sys/$key &&"
		shift 2
	done
	nsx "$ns" sh -c "$cmd :" || error "cannot set sysctls in $ns:$cmd"
}

# _has_ns NS: the test created namespace NS.
_has_ns()
{
	[[ " $_namespaces " == *" $1 "* ]]
}

# --------------------------------------------------------------- topology

# _ns_hold NS: a process that lives in NS until the test ends, through
# which the readers below see NS's /proc/net and /sys.
_ns_hold()
{
	local ns=$1 pid i
	ip netns exec "$ns" sleep 100000 </dev/null >/dev/null 2>&1 &
	pid=$!
	bg_add $pid
	for ((i = 0; i < 200; i++)); do
		if [ "/proc/$pid/ns/net" -ef "/run/netns/$ns" ] &&
		    [ -e "/proc/$pid/root/sys/class/net/lo" ]; then
			printf -v "_nspid_${ns//[!a-zA-Z0-9]/_}" %s "$pid"
			return 0
		fi
		sleep 0.01
	done
	say "WARNING: no holder process in namespace $ns"
}

# ns_add NAME...: new named namespace, lo up, IPv6 DAD off.
ns_add()
{
	local ns
	for ns in "$@"; do
		ip netns add "$ns" || error "ip netns add $ns"
		_namespaces="$_namespaces $ns"
		_ns_hold "$ns"
		ip -n "$ns" link set lo up
		# Forwarded multicast to a receiver from another subnet must
		# not be dropped by reverse-path filtering.
		sysctl_set "$ns" net.ipv6.conf.all.accept_dad 0 \
		    net.ipv6.conf.default.accept_dad 0 \
		    net.ipv4.conf.all.rp_filter 0 \
		    net.ipv4.conf.default.rp_filter 0
	done
}

# link NS1 IF1 NS2 IF2: veth pair IF1 (in NS1) <-> IF2 (in NS2), both up.
link()
{
	local ns1=$1 if1=$2 ns2=$3 if2=$4
	ip link add "$if1" netns "$ns1" type veth peer name "$if2" netns "$ns2" ||
		error "cannot create veth $if1/$if2"
	ip -n "$ns1" link set "$if1" up || error "link up $if1"
	ip -n "$ns2" link set "$if2" up || error "link up $if2"
}

# addr NS IF ADDR/LEN...: add addresses (IPv6 without DAD).
# addr2 NS IF ADDR/LEN: a secondary address, never picked as the default
# source (IPv6: deprecated, preferred_lft 0).
addr()
{
	local ns=$1 ifname=$2 a
	shift 2
	for a in "$@"; do
		case $a in
		*:*) ip -n "$ns" -6 addr add "$a" dev "$ifname" nodad ;;
		*) ip -n "$ns" addr add "$a" dev "$ifname" ;;
		esac || error "cannot add $a to $ifname in $ns"
	done
}

addr2()
{
	case $3 in
	*:*) ip -n "$1" -6 addr add "$3" dev "$2" nodad preferred_lft 0 ;;
	*) ip -n "$1" addr add "$3" dev "$2" ;;
	esac || error "cannot add $3 to $2 in $1"
}

# route NS DEST VIA: add a unicast route.
route()
{
	local ns=$1 dst=$2 via=$3
	case $via in
	*:*) ip -n "$ns" -6 route add "$dst" via "$via" ;;
	*) ip -n "$ns" route add "$dst" via "$via" ;;
	esac || error "cannot add route $dst via $via in $ns"
}

# topo [NRCV]: build the standard topology with 1 (default) or 2
# receiver legs.
topo()
{
	local nrcv=${1:-1}
	ns_add src "$RTR" rcv1
	link src "$SRC_IF" "$RTR" "$RTR_IN"
	link "$RTR" "$RTR_OUT1" rcv1 "$RCV1_IF"
	addr src "$SRC_IF" $SRC4/24 $SRC6/64
	addr2 src "$SRC_IF" $SRC4B/24
	addr2 src "$SRC_IF" $SRC4C/24
	addr2 src "$SRC_IF" $SRC6B/64
	addr2 src "$SRC_IF" $SRC6C/64
	addr "$RTR" "$RTR_IN" $RTR4_IN/24 fc00::fe/64
	addr "$RTR" "$RTR_OUT1" 10.0.1.254/24 fc00:1::fe/64
	addr rcv1 "$RCV1_IF" $RCV1_4/24 $RCV1_6/64
	route src default 10.0.0.254
	route src default fc00::fe
	route rcv1 default 10.0.1.254
	route rcv1 default fc00:1::fe
	[ "$nrcv" -ge 2 ] && topo_leg2
	sysctl_set "$RTR" net.ipv4.ip_forward 1
	sysctl_set "$RTR" net.ipv6.conf.all.forwarding 1
}

# topo_leg2: add the second receiver leg, rtr:r2 -- c2:rcv2 (also later,
# with the daemon running; rcv2 is created on first use).  LEG2_NS is
# the time r2's creation began.
topo_leg2()
{
	_has_ns rcv2 || ns_add rcv2
	_now
	LEG2_NS=$NOW		# r2 is created from here on
	link "$RTR" "$RTR_OUT2" rcv2 "$RCV2_IF"
	addr "$RTR" "$RTR_OUT2" 10.0.2.254/24 fc00:2::fe/64
	addr rcv2 "$RCV2_IF" $RCV2_4/24 $RCV2_6/64
	route rcv2 default 10.0.2.254
	route rcv2 default fc00:2::fe
}

# topo_leg1: re-create the first receiver leg after it was deleted.
topo_leg1()
{
	link "$RTR" "$RTR_OUT1" rcv1 "$RCV1_IF"
	addr "$RTR" "$RTR_OUT1" 10.0.1.254/24 fc00:1::fe/64
	addr rcv1 "$RCV1_IF" $RCV1_4/24 $RCV1_6/64
	route rcv1 default 10.0.1.254
	route rcv1 default fc00:1::fe
}

ifindex()
{
	local ns=$1 ifname=$2
	ip -n "$ns" -o link show dev "$ifname" 2>/dev/null | cut -d: -f1
}

# ----------------------------------------------------------------- daemon

# daemon_start [ARGS...]: start smcrouted in $RTR on $CONF (in the
# foreground, debug log to $DLOG) and wait until its PID file names it.
# A PID file left by an earlier daemon stays with DAEMON_KEEP_PIDFILE=1.
daemon_start()
{
	need_daemon
	[ -n "${DAEMON_KEEP_PIDFILE:-}" ] || rm -f "$PIDFILE"
	DAEMON_RC=
	say "starting: smcrouted -n -f $CONF -i $IDENT -u $SOCK -P $PIDFILE -l debug $*"
	# shellcheck disable=SC2086
	ip netns exec "$RTR" $DAEMON_WRAPPER "$SMCROUTED" -n -f "$CONF" \
	    -i "$IDENT" -u "$SOCK" -P "$PIDFILE" -l debug "$@" >>"$DLOG" 2>&1 &
	DAEMON_PID=$!
	if ! wait_until "$DAEMON_TMO" _daemon_ready; then
		if ! kill -0 "$DAEMON_PID" 2>/dev/null; then
			wait "$DAEMON_PID"
			DAEMON_RC=$?
			DAEMON_PID=
			fail "smcrouted exited during startup, status $DAEMON_RC"
		fi
		fail "smcrouted did not write its PID file within $DAEMON_TMO s"
	fi
	say "smcrouted running, pid $DAEMON_PID"
}

_daemon_ready()
{
	local p=
	[ -s "$PIDFILE" ] && read -r p <"$PIDFILE"
	[ "$p" = "$DAEMON_PID" ] && return 0
	kill -0 "$DAEMON_PID" 2>/dev/null || return 0
	return 1
}

daemon_alive()
{
	[ -n "$DAEMON_PID" ] && kill -0 "$DAEMON_PID" 2>/dev/null
}

_mtime()
{
	stat -c %.9Y "$1" 2>/dev/null || echo 0
}

# daemon_reload: SIGHUP, then wait until the PID file's mtime changes
# (the daemon's acknowledgement).  Returns 1 if no acknowledgement came
# within 5 s.
daemon_reload()
{
	local before
	before=$(_mtime "$PIDFILE")
	daemon_alive || fail "smcrouted is not running (reload)"
	# The mtime has nanosecond resolution, but filesystems may round.
	sleep 0.02
	say "reload (SIGHUP)"
	kill -HUP "$DAEMON_PID"
	if ! wait_until 5 _reloaded "$before"; then
		say "WARNING: no reload acknowledgement (PID file mtime)"
		return 1
	fi
	# Let the daemon finish applying after touching the file.
	sleep 0.1
	return 0
}

# daemon_hup: SIGHUP without waiting for an acknowledgement (for bad
# files, which may not be acknowledged); gives the daemon 0.5 s.
daemon_hup()
{
	daemon_alive || fail "smcrouted is not running (SIGHUP)"
	say "SIGHUP (no acknowledgement expected)"
	kill -HUP "$DAEMON_PID"
	sleep 0.5
}

_reloaded()
{
	[ "$(_mtime "$PIDFILE")" != "$1" ]
}

# daemon_stop [SIGNAL]: signal (default TERM) and wait for the exit;
# the status is left in DAEMON_RC.
daemon_stop()
{
	local sig=${1:-TERM}
	[ -n "$DAEMON_PID" ] || return 0
	say "stopping smcrouted (SIG$sig)"
	kill "-$sig" "$DAEMON_PID" 2>/dev/null
	if ! wait_until "$DAEMON_TMO" _daemon_gone; then
		kill -KILL "$DAEMON_PID" 2>/dev/null
		wait "$DAEMON_PID" 2>/dev/null
		DAEMON_PID=
		fail "smcrouted did not exit within $DAEMON_TMO s of SIG$sig"
	fi
	wait "$DAEMON_PID"
	DAEMON_RC=$?
	DAEMON_PID=
	say "smcrouted exited with status $DAEMON_RC"
}

_daemon_gone()
{
	! kill -0 "$DAEMON_PID" 2>/dev/null
}

# smcrouted_run ARGS...: run the daemon binary in the foreground (in
# $RTR if it exists), e.g. for -F, -h, -v.  Output in $WORK/run.out, status in RUN_RC.
smcrouted_run()
{
	need_daemon
	local nsx=
	_has_ns "$RTR" && nsx="ip netns exec $RTR"
	# shellcheck disable=SC2086
	timeout 20 $nsx $DAEMON_WRAPPER "$SMCROUTED" "$@" \
	    >"$WORK/run.out" 2>"$WORK/run.err" </dev/null
	RUN_RC=$?
	echo "# smcrouted $* -> status $RUN_RC"
	sed 's/^/#  out: /' "$WORK/run.out" | head -n 8
	sed 's/^/#  err: /' "$WORK/run.err" | head -n 8
}

# ------------------------------------------------------- traffic helpers

# recv_start NAME NS [mcrecv args...]: start a receiver in the
# background; its key=value output goes to $WORK/NAME.out.  Returns when
# it has joined.
recv_start()
{
	local name=$1 ns=$2
	shift 2
	need_tools
	rm -f "$WORK/$name.ready"
	ip netns exec "$ns" "$MCRECV" -R "$WORK/$name.ready" "$@" \
	    >"$WORK/$name.out" 2>"$WORK/$name.err" &
	eval "_recv_$name=$!"
	bg_add $!
	wait_until 5 test -e "$WORK/$name.ready" ||
		error "receiver $name did not get ready: $(cat "$WORK/$name.err")"
}

# recv_wait NAME: wait for a receiver to end on its own (-d/-n/-I).
recv_wait()
{
	local pid
	eval "pid=\${_recv_$1:-}"
	[ -n "$pid" ] || error "no receiver $1"
	wait "$pid"
}

# recv_stop NAME: end a receiver now (it still prints its stats).
recv_stop()
{
	local pid
	eval "pid=\${_recv_$1:-}"
	[ -n "$pid" ] || error "no receiver $1"
	kill -TERM "$pid" 2>/dev/null
	wait "$pid"
}

# kv NAME KEY: a value from $WORK/NAME.out.
kv()
{
	local line v=
	while IFS= read -r line; do
		[[ $line == "$2="* ]] && v=${line#"$2="}
	done <"$WORK/$1.out"
	[ -n "$v" ] && printf '%s\n' "$v"
	return 0
}

# send NS [mcsend args...]: send in the foreground; output in
# $WORK/send.out (use kv send sent).
send()
{
	local ns=$1
	shift
	need_tools
	ip netns exec "$ns" "$MCSEND" "$@" >"$WORK/send.out" 2>"$WORK/send.err"
}

# send_start NAME NS [mcsend args...]: send in the background; output in
# $WORK/NAME.out.  send_wait NAME waits for it.
send_start()
{
	local name=$1 ns=$2
	shift 2
	need_tools
	ip netns exec "$ns" "$MCSEND" "$@" >"$WORK/$name.out" \
	    2>"$WORK/$name.err" &
	eval "_send_$name=$!"
	bg_add $!
}

# send_stop NAME: end a background sender now (it still prints its
# stats).
send_stop()
{
	local pid
	eval "pid=\${_send_$1:-}"
	[ -n "$pid" ] || error "no sender $1"
	kill -TERM "$pid" 2>/dev/null
	wait "$pid"
}

send_wait()
{
	local pid
	eval "pid=\${_send_$1:-}"
	[ -n "$pid" ] || error "no sender $1"
	wait "$pid"
}

# flow GROUP [SRC] [COUNT] [PRIME]: send COUNT (default $FLOW_COUNT)
# packets from src:s0 (from source address SRC if given) to GROUP, with a
# receiver joined on every receiver leg that exists.  Sets FLOW1 (and
# FLOW2 if the rcv2 leg exists, else empty) to the number of packets
# received there.  With PRIME
# set, the first packet goes alone and the rest 0.3 s later, so that a
# route learned from the first one is in place for the rest.
FLOW_COUNT=20
flow()
{
	local grp=$1 srcaddr=${2:-} count=${3:-$FLOW_COUNT} prime=${4:-}
	local sarg='' two=''
	[ -n "$srcaddr" ] && sarg="-s $srcaddr"
	_has_ns rcv2 &&
	    ip -n rcv2 link show "$RCV2_IF" >/dev/null 2>&1 && two=1
	recv_start flow1 rcv1 -i "$RCV1_IF" -d 30 "$grp"
	[ -n "$two" ] && recv_start flow2 rcv2 -i "$RCV2_IF" -d 30 "$grp"
	if [ -n "$prime" ]; then
		# shellcheck disable=SC2086
		send src -i "$SRC_IF" $sarg -c 1 "$grp" ||
			error "mcsend failed: $(cat "$WORK/send.err")"
		sleep 0.3
		# shellcheck disable=SC2086
		send src -i "$SRC_IF" $sarg -c $((count - 1)) -S 2 -r 500 \
		    "$grp" || error "mcsend failed: $(cat "$WORK/send.err")"
	else
		# shellcheck disable=SC2086
		send src -i "$SRC_IF" $sarg -c "$count" -r 500 "$grp" ||
			error "mcsend failed: $(cat "$WORK/send.err")"
	fi
	# Forwarding takes microseconds: whatever has not arrived 0.2 s
	# after the last packet was sent is not coming.
	sleep 0.2
	_flow_end flow1
	FLOW1=$(kv flow1 received)
	FLOW2=
	if [ -n "$two" ]; then
		_flow_end flow2
		FLOW2=$(kv flow2 received)
	fi
}

_flow_end()
{
	local pid
	eval "pid=\${_recv_$1:-}"
	kill -TERM "$pid" 2>/dev/null
	wait "$pid"
}

# flow_check DESC MODE GROUP [SRC]: run a flow and check what rcv1 got.
# MODE: all (every packet), none (nothing), learn (the first packet
# alone, which the kernel may drop or queue while the daemon resolves
# its upcall, then every other one must arrive).
flow_check()
{
	local desc=$1 mode=$2 grp=$3 srcaddr=${4:-} n=$FLOW_COUNT
	case $mode in
	all)
		flow "$grp" "$srcaddr" $n
		expect eq "$desc: rcv1 got all" "$FLOW1" $n
		;;
	none)
		flow "$grp" "$srcaddr" $n
		expect eq "$desc: rcv1 got none" "$FLOW1" 0
		;;
	learn)
		flow "$grp" "$srcaddr" $n prime
		expect ge "$desc: rcv1 got all after the first" "$FLOW1" \
		    $((n - 1))
		;;
	*) error "flow_check: bad mode $mode" ;;
	esac
}

# conf TEXT...: write $CONF from stdin (use a heredoc).
conf()
{
	cat >"$CONF"
}

# ----------------------------------------------------------- kernel state
#
# Readers of /proc/net in a namespace.  ns_add leaves a holder process
# in each namespace, so a file is read as /proc/PID/net/FILE by the shell
# itself; the parsers below are bash only.  Results of the _-prefixed
# forms are left in _R (and /proc lines in _P), for callers that must
# not fork.

# Byte order of the hex words in /proc/net/ip_mr_cache and igmp: the
# kernel prints the network-order __be32 as a host integer.
if [ "$(printf '\001\000' | od -An -tx2 | tr -d ' ')" = 0001 ]; then
	_little_endian=1
else
	_little_endian=0
fi

# _hex4 A.B.C.D: the address as ip_mr_cache/igmp print it.
_hex4()
{
	local -a o
	IFS=. read -r -a o <<<"$1"
	if [ $_little_endian = 1 ]; then
		printf -v _R '%02X%02X%02X%02X' "${o[3]}" "${o[2]}" "${o[1]}" "${o[0]}"
	else
		printf -v _R '%02X%02X%02X%02X' "${o[0]}" "${o[1]}" "${o[2]}" "${o[3]}"
	fi
}

hex4()
{
	_hex4 "$1"
	printf '%s' "$_R"
}

# _nhex4 A.B.C.D: network-order hex, as mcfilter prints it (0x%08x).
_nhex4()
{
	local -a o
	IFS=. read -r -a o <<<"$1"
	printf -v _R '0x%02x%02x%02x%02x' "${o[0]}" "${o[1]}" "${o[2]}" "${o[3]}"
}

nhex4()
{
	_nhex4 "$1"
	printf '%s' "$_R"
}

# _unhex4 HEX: dotted form of an ip_mr_cache/igmp word.
_unhex4()
{
	local h=$1
	if [ $_little_endian = 1 ]; then
		_R=$((16#${h:6:2})).$((16#${h:4:2})).$((16#${h:2:2})).$((16#${h:0:2}))
	else
		_R=$((16#${h:0:2})).$((16#${h:2:2})).$((16#${h:4:2})).$((16#${h:6:2}))
	fi
}

# _ip6full ADDR: eight 4-digit lowercase groups with colons (%pI6).
_ip6full()
{
	local a=$1 head tail out='' n i g
	local -a H T
	case $a in
	*::*) head=${a%%::*} tail=${a#*::} ;;
	*) head=$a tail= ;;
	esac
	IFS=: read -r -a H <<<"$head"
	IFS=: read -r -a T <<<"$tail"
	n=$((8 - ${#H[@]} - ${#T[@]}))
	for g in "${H[@]}"; do printf -v g '%04x' "0x$g"; out+=":$g"; done
	for ((i = 0; i < n; i++)); do out+=":0000"; done
	for g in "${T[@]}"; do printf -v g '%04x' "0x$g"; out+=":$g"; done
	_R=${out#:}
}

ip6_full()
{
	_ip6full "$1"
	printf '%s' "$_R"
}

# ip6_hex ADDR: 32 hex digits (%pi6), as igmp6/mcfilter6 print it.
_ip6hex()
{
	_ip6full "$1"
	_R=${_R//:/}
}

ip6_hex()
{
	_ip6hex "$1"
	printf '%s' "$_R"
}

_is6()
{
	case $1 in *:*) return 0 ;; esac
	return 1
}

# _sortwords WORD...: the words sorted (C order), space-separated, in _R.
_sortwords()
{
	local -a a=()
	local w i j t
	for w in "$@"; do
		[ -n "$w" ] && a+=("$w")
	done
	for ((i = 1; i < ${#a[@]}; i++)); do
		t=${a[i]}
		for ((j = i - 1; j >= 0; j--)); do
			[[ ${a[j]} > $t ]] || break
			a[j + 1]=${a[j]}
		done
		a[j + 1]=$t
	done
	_R="${a[*]}"
}

# _nsholder NS: the holder's PID of NS in _NSP (empty when it has none).
_nsholder()
{
	local v=_nspid_${1//[!a-zA-Z0-9]/_}
	_NSP=${!v:-}
}

# _readproc FILE [NS]: the lines of /proc/net/FILE in NS (default the
# router) into _P; returns 1 if the file cannot be read.
_readproc()
{
	local ns=${2:-$RTR}
	_P=()
	_nsholder "$ns"
	if [ -n "$_NSP" ] && [ -r "/proc/$_NSP/net/$1" ]; then
		mapfile -t _P <"/proc/$_NSP/net/$1" && return 0
	fi
	mapfile -t _P < <(ip netns exec "$ns" cat "/proc/net/$1" 2>/dev/null)
	[ ${#_P[@]} -gt 0 ]
}

# proc FILE [NS]: a /proc/net file from the router (or NS).
proc()
{
	_readproc "$1" "${2:-}" || return 1
	printf '%s\n' "${_P[@]}"
}

# _ifindex NS IF: the ifindex of IF in NS, in _R (empty if none).
_ifindex()
{
	_R=
	_nsholder "$1"
	if [ -n "$_NSP" ] &&
	    [ -r "/proc/$_NSP/root/sys/class/net/$2/ifindex" ]; then
		read -r _R <"/proc/$_NSP/root/sys/class/net/$2/ifindex" &&
			return 0
	fi
	_R=$(ifindex "$1" "$2")
	[ -n "$_R" ]
}

# _vifname INDEX [6]: the interface of a VIF/MIF index, in _R.
_vifname()
{
	local f=ip_mr_vif line
	local -a w
	[ "${2:-}" = 6 ] && f=ip6_mr_vif
	_readproc $f
	for line in "${_P[@]:1}"; do
		read -r -a w <<<"$line"
		if [ "${w[0]}" = "$1" ]; then
			_R=${w[1]}
			return 0
		fi
	done
	_R=
	return 1
}

vif_name()
{
	_vifname "$@" && printf '%s\n' "$_R"
	return 0
}

_vif_has()
{
	local line
	local -a w
	_readproc "$1"
	for line in "${_P[@]:1}"; do
		read -r -a w <<<"$line"
		[ "${w[1]}" = "$2" ] && return 0
	done
	return 1
}

# vif_has IF / mif_has IF: IF has an IPv4 VIF / IPv6 MIF.
vif_has()
{
	_vif_has ip_mr_vif "$1"
}

mif_has()
{
	_vif_has ip6_mr_vif "$1"
}

vif_count()
{
	local f=ip_mr_vif
	[ "${1:-}" = 6 ] && f=ip6_mr_vif
	_readproc $f
	echo $(( ${#_P[@]} > 0 ? ${#_P[@]} - 1 : 0 ))
}

# _mfcline S G: the resolved ip_mr_cache / ip6_mr_cache line of (S,G) in
# _R, its fields in _W; returns 1 if there is none.
_mfcline()
{
	local s=$1 g=$2 gs f line
	if _is6 "$g"; then
		f=ip6_mr_cache
		_ip6full "$g"
		gs=$_R
		_ip6full "$s"
		gs="$gs $_R "
	else
		f=ip_mr_cache
		_hex4 "$g"
		gs=$_R
		_hex4 "$s"
		gs="$gs $_R "
	fi
	_readproc $f
	for line in "${_P[@]:1}"; do
		[[ ${line^^} == "${gs^^}"* ]] || continue
		read -r -a _W <<<"$line"
		[ "${_W[2]}" = -1 ] || [ "${_W[2]}" = 65535 ] && continue
		_R=$line
		return 0
	done
	_R=
	return 1
}

# mfc_line S G: the (resolved) ip_mr_cache / ip6_mr_cache line of (S,G).
mfc_line()
{
	_mfcline "$1" "$2" && printf '%s\n' "$_R"
	return 0
}

# mfc_has S G: a resolved kernel MFC entry for (S,G) exists.
mfc_has()
{
	_mfcline "$1" "$2"
}

# _mfcoifs S G: the entry's inbound interface in _IIF and its sorted
# outbound interfaces in _R, with ":TTL" after each if $1 is -t; returns
# 1 if there is no entry.
_mfcoifs()
{
	local ttl='' fam='' v names=() iif
	[ "$1" = -t ] && { ttl=1; shift; }
	_mfcline "$1" "$2" || return 1
	_is6 "$2" && fam=6
	local -a w=("${_W[@]}")
	_vifname "${w[2]}" $fam
	iif=$_R
	for v in "${w[@]:6}"; do
		_vifname "${v%%:*}" $fam
		if [ -n "$ttl" ]; then
			names+=("$_R:${v#*:}")
		else
			names+=("$_R")
		fi
	done
	_sortwords "${names[@]}"
	_IIF=$iif
}

# mfc_iif S G: name of the entry's inbound interface.
mfc_iif()
{
	_mfcoifs "$1" "$2" || return 1
	printf '%s\n' "$_IIF"
}

# mfc_oifs S G: sorted, space-separated names of the outbound interfaces
# (empty for a stop filter); fails if there is no entry.
mfc_oifs()
{
	_mfcoifs "$1" "$2" || return 1
	printf '%s\n' "$_R"
}

# mfc_ttls S G: "IF:TTL ..." sorted, for TTL threshold checks.
mfc_ttls()
{
	_mfcoifs -t "$1" "$2" || return 1
	printf '%s\n' "$_R"
}

# mfc_is S G IIF [OIF...]: exactly this entry (OIFs in any order);
# with no OIFs it must be a stop filter.
mfc_is()
{
	local s=$1 g=$2 iif=$3 want
	shift 3
	_sortwords "$@"
	want=$_R
	if ! _mfcoifs "$s" "$g"; then
		echo "#  no MFC entry ($s, $g)"
		return 1
	fi
	if [ "$_IIF" != "$iif" ] || [ "$_R" != "$want" ]; then
		echo "#  MFC ($s, $g): iif '$_IIF' oifs '$_R'; want iif '$iif' oifs '$want'"
		return 1
	fi
	return 0
}

# mfc_stop S G IIF: a stop filter (entry with no OIFs).
mfc_stop()
{
	mfc_is "$1" "$2" "$3"
}

# mfc_count [6]: number of resolved MFC entries.
mfc_count()
{
	local f=ip_mr_cache n=0 line iif
	[ "${1:-}" = 6 ] && f=ip6_mr_cache
	_readproc $f
	for line in "${_P[@]:1}"; do
		read -r _ _ iif _ <<<"$line"
		[ "$iif" = -1 ] || [ "$iif" = 65535 ] || n=$((n + 1))
	done
	echo $n
}

# mfc_pkts S G: the entry's packet counter.
mfc_pkts()
{
	_mfcline "$1" "$2" && printf '%s\n' "${_W[3]}"
	return 0
}

# mfc_pkts_ge S G N: the entry's packet counter reached N, e.g. for
# wait_until before counting what a receiver got (a sender takes a while
# to start in a loaded guest).
mfc_pkts_ge()
{
	local n
	n=$(mfc_pkts "$1" "$2")
	[ -n "$n" ] && [ "$n" -ge "$3" ]
}

# mroute_has S G [TABLE]: `ip mroute show` lists (S,G), e.g. for -t.
mroute_has()
{
	local s=$1 g=$2 fam=-4 tbl=
	_is6 "$g" && fam=-6
	[ -n "${3:-}" ] && tbl="table $3"
	# shellcheck disable=SC2086
	ip -n "$RTR" $fam mroute show $tbl | grep -q "^($s,$g)"
}

# mroute_count [4|6] [TABLE]
mroute_count()
{
	local fam=-${1:-4} tbl=
	[ -n "${2:-}" ] && tbl="table $2"
	# shellcheck disable=SC2086
	ip -n "$RTR" $fam mroute show $tbl | grep -c '^('
}

# _igmpgroups IF [NS]: the hex words of the groups joined on IF
# (/proc/net/igmp) in the array _G.
_igmpgroups()
{
	local line cur=
	local -a w
	_G=()
	_readproc igmp "${2:-}"
	for line in "${_P[@]:1}"; do
		read -r -a w <<<"$line"
		case $line in
		[0-9]*)	cur=${w[1]%:} ;;
		*)	[ "$cur" = "$1" ] && [ ${#w[@]} -ge 3 ] && _G+=("${w[0]^^}") ;;
		esac
	done
}

# igmp_groups IF [NS]: dotted groups joined on IF (/proc/net/igmp).
igmp_groups()
{
	local h
	_igmpgroups "$1" "${2:-}"
	for h in "${_G[@]}"; do
		_unhex4 "$h"
		printf '%s\n' "$_R"
	done
}

# igmp_has IF GROUP [NS]
igmp_has()
{
	local h
	_hex4 "$2"
	_igmpgroups "$1" "${3:-}"
	for h in "${_G[@]}"; do
		[ "$h" = "$_R" ] && return 0
	done
	return 1
}

# no_igmp IF GROUP [NS], no_igmp6 IF GROUP [NS]: for check/wait_until.
no_igmp()
{
	! igmp_has "$@"
}

no_igmp6()
{
	! igmp6_has "$@"
}

# igmp_count_prefix IF PREFIX [NS]: number of groups on IF whose dotted
# form starts with PREFIX (e.g. 239.10.).
igmp_count_prefix()
{
	local h n=0
	_igmpgroups "$1" "${3:-}"
	for h in "${_G[@]}"; do
		_unhex4 "$h"
		[[ $_R == "$2"* ]] && n=$((n + 1))
	done
	echo $n
}

# igmp_count IF [NS]: number of groups on IF, all-hosts excluded.
igmp_count()
{
	local h n=0
	_hex4 224.0.0.1
	_igmpgroups "$1" "${2:-}"
	for h in "${_G[@]}"; do
		[ "$h" = "$_R" ] || n=$((n + 1))
	done
	echo $n
}

# _mcf FILE IF GROUPHEX SOURCEHEX NS: an INCLUDE row in mcfilter(6).
_mcf()
{
	local f=$1 g=$3 s=$4 ns=$5 idx line
	local -a w
	_ifindex "$ns" "$2" || return 1
	idx=$_R
	_readproc "$f" "$ns"
	for line in "${_P[@]:1}"; do
		read -r -a w <<<"$line"
		[ "${w[0]}" = "$idx" ] && [ "${w[2],,}" = "$g" ] &&
		    [ "${w[3],,}" = "$s" ] && [ "${w[4]}" -gt 0 ] && return 0
	done
	return 1
}

# mcfilter_has IF SOURCE GROUP [NS]: an INCLUDE source filter entry.
mcfilter_has()
{
	local g
	_nhex4 "$3"
	g=$_R
	_nhex4 "$2"
	_mcf mcfilter "$1" "$g" "$_R" "${4:-$RTR}"
}

# igmp6_has IF GROUP [NS]
igmp6_has()
{
	local line
	local -a w
	_ip6hex "$2"
	_readproc igmp6 "${3:-}"
	for line in "${_P[@]}"; do
		read -r -a w <<<"$line"
		[ "${w[1]}" = "$1" ] && [ "${w[2]}" = "$_R" ] && return 0
	done
	return 1
}

# igmp6_count IF PREFIX-REGEX [NS]: groups on IF whose 32-digit hex
# form matches the regex (e.g. ^ff0e).
igmp6_count()
{
	local line n=0
	local -a w
	_readproc igmp6 "${3:-}"
	for line in "${_P[@]}"; do
		read -r -a w <<<"$line"
		[ "${w[1]}" = "$1" ] && [[ ${w[2]} =~ $2 ]] && n=$((n + 1))
	done
	echo $n
}

# mcfilter6_has IF SOURCE GROUP [NS]
mcfilter6_has()
{
	local g
	_ip6hex "$3"
	g=$_R
	_ip6hex "$2"
	_mcf mcfilter6 "$1" "$g" "$_R" "${4:-$RTR}"
}

# ------------------------------------------------------- template driver

# template_test SPEC MATCH NOMATCH NEVER UPGRADE
#
# One template form, in one address family, in the standard topology
# with the daemon not yet running:
#   SPEC     the template, e.g. "source 10.0.0.0/25 group 225.1.1.0/24";
#            the conf line is "mroute from r0 SPEC to r1"
#   MATCH    "S,G ..." flows the template matches
#   NOMATCH  "S,G ..." flows it does not match, but UPGRADE does
#   NEVER    "S,G ..." flows that neither matches
#   UPGRADE  a second template of the same form matching NOMATCH
# Checks that nothing is installed before traffic, that matching flows
# are learned as (S,G) entries and forwarded, that the others get stop
# filters, that adding UPGRADE (reload) upgrades those stop filters at
# once, that removing it again downgrades them, and that removing the
# template stops its learned flows.
template_test()
{
	local spec=$1 match=$2 nomatch=$3 never=$4 upgrade=$5 fam=4 p s g
	_is6 "$spec" && fam=6

	conf <<-EOF
	# template under test
	mroute from $RTR_IN $spec to $RTR_OUT1
	EOF
	daemon_start
	expect eq "IPv$fam ($spec): no MFC entry before traffic" \
	    "$(mfc_count $fam)" 0

	for p in $match; do
		s=${p%,*} g=${p#*,}
		flow_check "IPv$fam ($s,$g) matches, first flow" learn $g $s
		check "IPv$fam ($s,$g) learned r0 -> r1" \
		    mfc_is $s $g $RTR_IN $RTR_OUT1
		flow_check "IPv$fam ($s,$g) matches, learned" all $g $s
	done
	for p in $nomatch $never; do
		s=${p%,*} g=${p#*,}
		flow_check "IPv$fam ($s,$g) does not match" none $g $s
		check "IPv$fam ($s,$g) stop filter" mfc_stop $s $g $RTR_IN
	done

	# Upgrade: a second template takes over the stop filters.
	conf <<-EOF
	mroute from $RTR_IN $spec to $RTR_OUT1
	mroute from $RTR_IN $upgrade to $RTR_OUT1
	EOF
	daemon_reload
	for p in $nomatch; do
		s=${p%,*} g=${p#*,}
		check "IPv$fam ($s,$g) upgraded on reload" \
		    mfc_is $s $g $RTR_IN $RTR_OUT1
		flow_check "IPv$fam ($s,$g) forwarded after upgrade" all $g $s
	done
	for p in $never; do
		s=${p%,*} g=${p#*,}
		check "IPv$fam ($s,$g) still a stop filter" \
		    mfc_stop $s $g $RTR_IN
	done
	for p in $match; do
		s=${p%,*} g=${p#*,}
		check "IPv$fam ($s,$g) kept on reload" \
		    mfc_is $s $g $RTR_IN $RTR_OUT1
	done

	# Downgrade: remove the second template again.
	conf <<-EOF
	mroute from $RTR_IN $spec to $RTR_OUT1
	EOF
	daemon_reload
	for p in $nomatch; do
		s=${p%,*} g=${p#*,}
		check "IPv$fam ($s,$g) downgraded on reload (no OIFs)" \
		    _no_oifs $s $g
		flow_check "IPv$fam ($s,$g) not forwarded after downgrade" \
		    none $g $s
		check "IPv$fam ($s,$g) stop filter again" mfc_stop $s $g $RTR_IN
	done
	for p in $match; do
		s=${p%,*} g=${p#*,}
		flow_check "IPv$fam ($s,$g) still forwarded" all $g $s
	done

	# Remove the template: what it taught must stop.
	conf <<-EOF
	phyint $RTR_IN enable
	EOF
	daemon_reload
	for p in $match; do
		s=${p%,*} g=${p#*,}
		check "IPv$fam ($s,$g) template removed: no OIFs" _no_oifs $s $g
		flow_check "IPv$fam ($s,$g) template removed" none $g $s
	done

	daemon_stop
	expect eq "IPv$fam exit status" "$DAEMON_RC" 0
	expect eq "IPv$fam no MFC entries after exit" "$(mfc_count $fam)" 0
}

# _no_oifs S G: no entry, or an entry without OIFs.
_no_oifs()
{
	mfc_has "$1" "$2" || return 0
	[ -z "$(mfc_oifs "$1" "$2")" ]
}
