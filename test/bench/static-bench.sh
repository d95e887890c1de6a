#!/bin/bash
# static-bench.sh - static routes at scale: smcrouted against SMCRoute
#
# Measures our smcrouted beside SMCRoute 2.5.6 (Debian bookworm's
# smcroute package, unpacked from its .deb, never installed) in the
# same run, for N (S,G) routes, N in NS (default "1000 10000 100000"):
#
#   batch     N routes added by one `smcroutectl -b` batch on stdin
#             (both clients have -b and pipeline every line on one
#             connection): time from starting the client until the
#             kernel holds all N entries (/proc/net/ip_mr_cache)
#   conf      an N-line smcroute.conf: time from exec of the daemon
#             until the kernel holds all N
#   template  then, in the same daemon, one (*,G) route and TPL_SRCS
#             distinct sources sending to G (mcflood, TPL_PPS datagrams
#             per second in all, round after round): (S,G) entries the
#             daemon installs per second, until the first datagram of
#             the last source to be forwarded is on the outbound link
#             (wirecap).  The kernel queues at most 10 unresolved (S,G)
#             at a time and drops the rest without an upcall, so this
#             is the daemon's resolution rate under a load that keeps
#             that queue full.
#   reload    then, in the same daemon, SIGHUP after one line of the
#             conf changed its group: time until the daemon touches its
#             PID file (both do when a reload is done), then checked:
#             the new (S,G) is in the kernel and the old one gone; and
#             datagrams lost on an unchanged route (a 1000 pps stream,
#             counted by mcrecv) during the reload
#   rss       VmHWM (peak RSS, kB) of the daemon after each of the above;
#             conf, template and reload are one daemon, so their figures
#             are the peak up to the end of that phase
#
# SMCRoute is capped (SMC_CAPS, seconds per phase by N); a phase that
# hits its cap is reported as such, with the entries the kernel held by
# then and the rate that makes.  Ours is capped by OUR_CAP and must
# finish.  Each figure is the median of RUNS runs for ours and of
# SMC_RUNS runs for SMCRoute (SMC_RUNS_BIG runs at N >= 10000).
#
# Run as root from anywhere:  test/bench/static-bench.sh [-o DIR] [-p PNG]
#   -o DIR   results directory (default test/bench/static-results): the
#            file DIR/results gets `DAEMON KEY N VALUE` lines (lines of
#            an earlier run for other N are kept, so the N values may be
#            measured in separate runs), DIR/raw every single run
#   -p PNG   plot of install time against N (default
#            test/bench/static-install.png), drawn with gnuplot
#   -r       only print the table and draw the plot from DIR/results
# Environment knobs (defaults): NS ("1000 10000 100000"), DAEMONS
# ("ours smcroute"), PHASES ("batch conf template reload"), RUNS (3),
# SMC_RUNS (3), SMC_RUNS_BIG (1), OUR_CAP (120), SMC_CAPS ("1000:60
# 10000:300 100000:120"), TPL_SRCS (2000), TPL_PPS (20000), TPL_CAP (60),
# STREAM_PPS (1000), VM_LOCK_WAIT (how long to wait for the VM lock, s), SMC_NS (the N values at which SMCRoute is measured,
# default NS), BENCH_TIMEOUT (840 s, the whole run), SMCROUTE_DEB
# (a .deb to use instead of downloading one into /var/cache/smcr-bench),
# V=1 (trace).
#
# Where the kernel lacks multicast routing the whole run goes into the
# throwaway VM (scripts/vm.sh, under flock /tmp/vm.lock); the table and
# the plot are made afterwards on this host.  Nothing leaves the
# machine: everything runs in a private network and mount namespace
# (unshare -m -n, with a private /run) on veth pairs with 10.0.0.0/8
# addresses, removed at exit.

# Functions are called through traps.
# shellcheck disable=SC2317
set -u

BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$BENCH_DIR/../.." && pwd)
: "${top_builddir:=$TOP}"
: "${SMCROUTED:=$top_builddir/src/smcrouted}"
: "${SMCROUTECTL:=$top_builddir/src/smcroutectl}"
: "${MCSEND:=$top_builddir/test/mcsend}"
: "${MCRECV:=$top_builddir/test/mcrecv}"
: "${MCFLOOD:=$top_builddir/test/mcflood}"
: "${NS:=1000 10000 100000}"
: "${DAEMONS:=ours smcroute}"
: "${PHASES:=batch conf template reload}"
: "${RUNS:=3}"
: "${SMC_RUNS:=3}"
: "${SMC_RUNS_BIG:=1}"
: "${OUR_CAP:=120}"
: "${SMC_CAPS:=1000:60 10000:300 100000:120}"
: "${TPL_SRCS:=2000}"
: "${TPL_PPS:=20000}"
: "${TPL_CAP:=60}"
: "${STREAM_PPS:=1000}"
: "${BENCH_TIMEOUT:=840}"
: "${DEB_CACHE:=/var/cache/smcr-bench}"
OUTDIR=$BENCH_DIR/static-results
PNG=$BENCH_DIR/static-install.png
REPORT_ONLY=

die()
{
	echo "static-bench: $*" >&2
	exit 1
}

while getopts "o:p:r" opt; do
	case $opt in
	o) OUTDIR=$(mkdir -p "$OPTARG" && cd "$OPTARG" && pwd) ||
		die "cannot use $OPTARG" ;;
	p) PNG=$(cd "$(dirname "$OPTARG")" && pwd)/$(basename "$OPTARG") ||
		die "cannot use $OPTARG" ;;
	r) REPORT_ONLY=1 ;;
	*) die "usage: $0 [-o DIR] [-p PNG] [-r]" ;;
	esac
done
shift $((OPTIND - 1))
RESULTS=$OUTDIR/results
export top_builddir SMCROUTED SMCROUTECTL MCSEND MCRECV MCFLOOD NS DAEMONS
export PHASES RUNS SMC_RUNS SMC_RUNS_BIG OUR_CAP SMC_CAPS TPL_SRCS TPL_PPS
export TPL_CAP STREAM_PPS DEB_CACHE SMC_NS

# ------------------------------------------------------ table and plot

# cell DAEMON KEY N: the median figure, or "-"
cell()
{
	awk -v d="$1" -v k="$2" -v n="$3" '
	    $1 == d && $2 == k && $3 == n { v = $4 }
	    END { print (v == "" ? "-" : v) }' "$RESULTS"
}

# time_cell DAEMON PHASE N: "1.23" or ">120 (4567 of N, 38/s)"
time_cell()
{
	local t got rate cap
	t=$(cell "$1" "$2"_s "$3")
	cap=$(cell "$1" "$2"_capped "$3")
	if [ "$cap" != - ]; then
		got=$(cell "$1" "$2"_done "$3")
		rate=$(cell "$1" "$2"_rate "$3")
		# A reload has no count of entries: only its cap.
		if [ "$got" = - ]; then
			echo ">$cap s"
		else
			echo ">$cap s ($got of $3, $rate/s)"
		fi
	else
		echo "$t"
	fi
}

report()
{
	local n d where runs
	[ -s "$RESULTS" ] || die "no results in $RESULTS"
	echo
	echo "| N | daemon | runs | batch s | conf s | reload s |" \
	    "reload lost | template (S,G)/s | VmHWM kB batch / conf / tpl / reload |"
	echo "|---|---|---|---|---|---|---|---|---|"
	for n in $(awk '!/^#/ { print $3 }' "$RESULTS" | sort -nu); do
		for d in ours smcroute; do
			runs=$(cell $d runs "$n")
			[ "$runs" = - ] && continue
			echo "| $n | $([ $d = ours ] && echo smcrouted ||
			    echo SMCRoute 2.5.6) | $runs |" \
			    "$(time_cell $d batch "$n") |" \
			    "$(time_cell $d conf "$n") |" \
			    "$(time_cell $d reload "$n") |" \
			    "$(cell $d reload_lost "$n") |" \
			    "$(cell $d template_rate "$n") |" \
			    "$(cell $d rss_batch "$n") /" \
			    "$(cell $d rss_conf "$n") /" \
			    "$(cell $d rss_template "$n") /" \
			    "$(cell $d rss_reload "$n") |"
		done
	done
	echo
	awk '$2 == "where" { d = $1; n = $3; $1 = $2 = $3 = "";
	    sub(/^ */, ""); print "measured: " d ", N=" n ": in the " $0 }' \
	    "$RESULTS" | sort -t= -k2 -n
	echo "Times in seconds, medians; a cell \">C s (K of N, R/s)\" is a" \
	    "phase stopped at its cap of C s with K entries in the kernel."
}

plot()
{
	local gp=$OUTDIR/install.dat d k
	command -v gnuplot >/dev/null 2>&1 || {
		echo "static-bench: no gnuplot (Debian: gnuplot-nox), no plot" >&2
		return 0
	}
	gnuplot -e 'set terminal' 2>&1 | grep -q pngcairo ||
		die "gnuplot has no pngcairo terminal"
	: >"$gp"
	# One block per curve: N, seconds; a capped phase is plotted as
	# the time N entries would take at the rate it reached.
	for d in ours smcroute; do
		for k in batch conf; do
			echo "# $d $k" >>"$gp"
			awk -v d=$d -v k=$k '
			    $1 == d && $2 == k "_s" { s[$3] = $4 }
			    $1 == d && $2 == k "_rate" { r[$3] = $4 }
			    $1 == d && $2 == k "_capped" { c[$3] = 1 }
			    END {
				for (n in s) if (!(n in c)) print n, s[n], 0
				for (n in c) if (r[n] > 0) print n, n / r[n], 1
			    }' "$RESULTS" | sort -n >>"$gp"
			printf '\n\n' >>"$gp"
		done
	done
	where=$(awk '$2 == "where" { $1 = $2 = $3 = ""; sub(/^ */, "");
	    print; exit }' "$RESULTS")
	# (A daemon not measured yet is an empty curve: not a problem.)
	gnuplot 2>&1 >/dev/null <<EOF | grep -v -e 'no valid points' >&2

set terminal pngcairo size 900,600 font ",10"
set output "$PNG"
set logscale xy
set xlabel "static (S,G) routes N"
set ylabel "seconds until the kernel holds all N"
set title "Install time, $where\n(open points: extrapolated from the rate reached when capped)"
set key top left
set grid
set xrange [500:200000]
plot "$gp" index 0 using 1:(\$3 == 0 ? \$2 : 1/0) with linespoints lw 2 pt 7 lc rgb "#1f77b4" title "smcrouted, smcroutectl -b", \
     "$gp" index 1 using 1:(\$3 == 0 ? \$2 : 1/0) with linespoints lw 2 pt 5 lc rgb "#2ca02c" title "smcrouted, conf at start", \
     "$gp" index 2 using 1:2 with linespoints lw 2 dt 2 pt 7 lc rgb "#d62728" title "SMCRoute 2.5.6, smcroutectl -b", \
     "$gp" index 2 using 1:(\$3 == 1 ? \$2 : 1/0) with points pt 6 ps 2 lc rgb "#d62728" notitle, \
     "$gp" index 3 using 1:2 with linespoints lw 2 dt 2 pt 5 lc rgb "#ff7f0e" title "SMCRoute 2.5.6, conf at start", \
     "$gp" index 3 using 1:(\$3 == 1 ? \$2 : 1/0) with points pt 4 ps 2 lc rgb "#ff7f0e" notitle
EOF
	echo "plot: $PNG"
}

if [ -n "$REPORT_ONLY" ]; then
	report
	plot
	exit 0
fi

# ------------------------------------------------------ outside: prepare

if [ -z "${STATIC_BENCH_INNS:-}" ]; then
	[ "$(id -u)" = 0 ] || die "must run as root"
	for c in unshare ip mount timeout awk dpkg; do
		command -v $c >/dev/null 2>&1 || die "needs $c"
	done
	for b in "$SMCROUTED" "$SMCROUTECTL" "$MCSEND" "$MCRECV" "$MCFLOOD"; do
		[ -x "$b" ] || make -C "$top_builddir" \
		    "${b#"$top_builddir"/}" >/dev/null || die "cannot build $b"
	done
	# SMCRoute from Debian's package, unpacked, never installed: the
	# package would start a service and clash with our names.
	case " $DAEMONS " in
	*" smcroute "*)
		deb=${SMCROUTE_DEB:-}
		if [ -z "$deb" ]; then
			mkdir -p "$DEB_CACHE" || die "cannot create $DEB_CACHE"
			deb=$(ls "$DEB_CACHE"/smcroute_*.deb 2>/dev/null | tail -1)
			if [ -z "$deb" ]; then
				echo "static-bench: downloading smcroute" >&2
				(cd "$DEB_CACHE" && apt-get download smcroute \
				    >/dev/null 2>&1) ||
				    die "cannot download Debian's smcroute"
				deb=$(ls "$DEB_CACHE"/smcroute_*.deb | tail -1)
			fi
		fi
		SMC_ROOT=$DEB_CACHE/$(basename "$deb" .deb)
		if ! [ -x "$SMC_ROOT/usr/sbin/smcrouted" ]; then
			rm -rf "$SMC_ROOT"
			dpkg -x "$deb" "$SMC_ROOT" || die "cannot unpack $deb"
		fi
		SMC_VERSION=$(dpkg-deb -f "$deb" Version)
		export SMC_ROOT SMC_VERSION
		;;
	esac
	mkdir -p "$OUTDIR" || die "cannot create $OUTDIR"
	export STATIC_BENCH_OUT=$OUTDIR
	if [ -z "${SMCR_IN_VM:-}" ] &&
	    ! "$TOP/scripts/kernel-check.sh" -q mroute4 veth; then
		echo "static-bench: no multicast routing in this kernel:" \
		    "running in a VM with Debian's kernel" >&2
		"$TOP/scripts/deps.sh" qemu-system-x86 busybox-static cpio \
		    kmod || die "cannot install what the VM needs"
		# One VM at a time on this machine.
		lock=
		command -v flock >/dev/null &&
			lock="flock -w ${VM_LOCK_WAIT:-86400} /tmp/vm.lock"
		$lock "$TOP/scripts/vm.sh" -q -t $((BENCH_TIMEOUT + 60)) \
		    -w "$OUTDIR" -w "$top_builddir" -- bash "$0" -o "$OUTDIR" \
		    -p "$PNG" "$@"
		rc=$?
		[ -s "$RESULTS" ] && report && plot
		exit $rc
	fi
	# Global sysctls, unreadable in a new network namespace.
	SB_SYSCTL=$(for k in net.core.optmem_max net.core.rmem_max \
	    net.core.rmem_default net.core.wmem_max; do
		printf '%s=%s ' "$k" "$(sysctl -n $k 2>/dev/null)"
	done)
	STATIC_BENCH_INNS=1
	export SB_SYSCTL
	export STATIC_BENCH_INNS
	timeout -k 10 "$BENCH_TIMEOUT" unshare -m -n -- \
	    bash "$0" -o "$OUTDIR" -p "$PNG" "$@"
	rc=$?
	# In the VM, the host makes the table and the plot afterwards.
	[ -z "${SMCR_IN_VM:-}" ] && [ -s "$RESULTS" ] && report && plot
	exit $rc
fi

# ---------------------------------------------- inside our own namespace
#
# This namespace is the router (the daemons run here, so
# /proc/net/ip_mr_cache is theirs): in (10.1.0.1/16) faces the source
# namespace src (10.1.0.2/16, plus TPL_SRCS addresses from 10.1.16.1 on
# for the template phase), out (10.2.0.1/24) faces rcv (10.2.0.2/24).

[ -n "${V:-}" ] && set -x
# shellcheck source=test/bench/benchlib.sh
. "$BENCH_DIR/benchlib.sh"
bench_enter static-bench
# A loadable sleep builtin saves a fork per poll (package bash-builtins).
enable -f /usr/lib/bash/sleep sleep 2>/dev/null

DPID=

T0=${EPOCHREALTIME/./}
say() { local t=${EPOCHREALTIME/./}; echo "[$(((t - T0) / 1000000))s] $*" >&2; }

if [ -n "${SMCR_IN_VM:-}" ]; then
	WHERE="TCG VM, Debian kernel $(uname -r)"
else
	WHERE="native, kernel $(uname -r)"
fi
say "static-bench in the $WHERE, $(nproc) CPUs, $SB_SYSCTL"

${CC:-cc} -O2 -Wall -o "$WORK/wirecap" "$BENCH_DIR/wirecap.c" ||
	die "cannot build wirecap"
ip link add in type veth peer name src0 || die "veth"
ip link add out type veth peer name rcv0 || die "veth"
ip netns add src && ip netns add rcv || die "netns"
ip link set src0 netns src && ip link set rcv0 netns rcv || die "netns"
ip addr add 10.1.0.1/16 dev in
ip addr add 10.2.0.1/24 dev out
ip link set in up && ip link set out up
ip -n src link set lo up && ip -n src link set src0 up
ip -n rcv link set lo up && ip -n rcv link set rcv0 up
ip -n src addr add 10.1.0.2/16 dev src0
ip -n rcv addr add 10.2.0.2/24 dev rcv0
ip -n src route add default via 10.1.0.1
ip -n rcv route add default via 10.2.0.1
awk -v n="$TPL_SRCS" 'BEGIN {
	for (i = 0; i < n; i++) {
		a = 16 * 256 + 1 + i
		printf "address add 10.1.%d.%d/16 dev src0\n", int(a / 256), a % 256
	}
}' | ip -n src -batch - || die "cannot add the template sources"
for f in all.rp_filter default.rp_filter in.rp_filter out.rp_filter; do
	sysctl -qw net.ipv4.conf.$f=0
done
sysctl -qw net.ipv4.ip_forward=1

# hexaddr A.B.C.D: as /proc/net/ip_mr_cache prints it on this host
hexaddr()
{
	local IFS=.
	# shellcheck disable=SC2086
	set -- $1
	if [ "$(printf '\1\0' | od -An -tu2 | tr -d ' ')" = 1 ]; then
		printf '%02X%02X%02X%02X' "$4" "$3" "$2" "$1"
	else
		printf '%02X%02X%02X%02X' "$1" "$2" "$3" "$4"
	fi
}

# Route i: source 10.128.0.0 + i, group 225.1.0.0 + i, in -> out.  Route
# 0 is the stream's: 10.1.0.2 -> 225.0.0.1.  Reload changes the group of
# the last route to 226.0.0.1.  The template is 239.1.1.1 from in.
STREAM_G=225.0.0.1
TPL_G=239.1.1.1
make_files()
{
	local n=$1
	printf 'phyint in enable\nphyint out enable\n' >"$WORK/phy.conf"
	awk -v n="$n" -v w="$WORK" '
	function ip(base, i,  a) {
		a = base + i
		return int(a / 16777216) "." int(a / 65536) % 256 "." \
		    int(a / 256) % 256 "." a % 256
	}
	BEGIN {
		b = w "/batch"; c = w "/n.conf"; r = w "/reload.conf"
		printf "phyint in enable\nphyint out enable\n" >c
		printf "mroute from in group 239.1.1.1 to out\n" >c
		printf "phyint in enable\nphyint out enable\n" >r
		printf "mroute from in group 239.1.1.1 to out\n" >r
		for (i = 0; i < n; i++) {
			if (i == 0) {
				s = "10.1.0.2"; g = "225.0.0.1"
			} else {
				s = ip(176160768, i); g = ip(3774939136, i)
			}
			printf "add in %s %s out\n", s, g >b
			printf "mroute from in source %s group %s to out\n", \
			    s, g >c
			if (i == n - 1) {
				LS = s; LG = g; g = "226.0.0.1"
			}
			printf "mroute from in source %s group %s to out\n", \
			    s, g >r
		}
		print LS, LG >(w "/last")
	}'
	read -r LAST_S LAST_G <"$WORK/last"
	OLD_KEY="$(hexaddr "$LAST_G") $(hexaddr "$LAST_S")"
	NEW_KEY="$(hexaddr 226.0.0.1) $(hexaddr "$LAST_S")"
	TPL_KEY=$(hexaddr $TPL_G)
}

# Resolved kernel entries (unresolved ones show IIF -1).
mfc_count()
{
	awk 'NR > 1 && $3 != "-1" { n++ } END { print n + 0 }' \
	    /proc/net/ip_mr_cache
}
mfc_has()
{
	awk -v k="$1" 'NR > 1 && $1 " " $2 == k && $3 != "-1" { f = 1 }
	    END { exit !f }' /proc/net/ip_mr_cache
}
# reloaded: the new entry is there and the old one gone.
reloaded()
{
	awk -v o="$OLD_KEY" -v n="$NEW_KEY" 'NR > 1 && $3 != "-1" {
		if ($1 " " $2 == o) old = 1
		if ($1 " " $2 == n) new = 1
	    } END { exit !(new && !old) }' /proc/net/ip_mr_cache
}
tpl_count()
{
	awk -v g="$1" 'NR > 1 && $1 == g && $3 != "-1" { n++ }
	    END { print n + 0 }' /proc/net/ip_mr_cache
}

now_us() { NOW=${EPOCHREALTIME/./}; }
# pid_mtime DAEMON: its PID file's mtime, seconds with 9 decimals.
pid_mtime() { stat -c %.9Y "$WORK/$1.pid" 2>/dev/null; }
# poll_pause BEFORE_US: sleep twice as long as the look at the kernel
# table that began at BEFORE_US took (at least 20 ms), so that at large
# N the polling takes at most a third of a CPU from what it measures.
poll_pause()
{
	local us=$((2 * (${EPOCHREALTIME/./} - $1)))
	[ $us -lt 20000 ] && us=20000
	sleep "$(secs $us)"
}
# secs US: microseconds as seconds with 3 decimals
secs() { printf '%d.%03d' $(($1 / 1000000)) $(($1 / 1000 % 1000)); }

# wait_count N CAP_S START_US: poll until the kernel holds N entries or
# CAP_S seconds passed since START_US.  Sets GOT, ELAPSED (us), CAPPED.
wait_count()
{
	local n=$1 cap=$(($2 * 1000000)) start=$3 b
	CAPPED=
	while :; do
		b=${EPOCHREALTIME/./}
		GOT=$(mfc_count)
		now_us
		ELAPSED=$((NOW - start))
		[ "$GOT" -ge "$n" ] && return 0
		if [ "$ELAPSED" -ge "$cap" ]; then
			CAPPED=1
			return 1
		fi
		poll_pause "$b"
	done
}

# daemon_start D CONF: start daemon D (ours|smcroute) in the foreground
# on its own socket and PID file.  Sets DPID and START (us, just before
# the exec).
daemon_start()
{
	local d=$1 conf=$2 bin
	case $d in
	ours) bin=$SMCROUTED ;;
	smcroute) bin=$SMC_ROOT/usr/sbin/smcrouted ;;
	esac
	rm -f "$WORK/$d.sock" "$WORK/$d.pid"
	now_us
	START=$NOW
	"$bin" -n -f "$conf" -i "sb$d" -u "$WORK/$d.sock" -P "$WORK/$d.pid" \
	    -l notice >>"$WORK/$d.log" 2>&1 &
	DPID=$!
}

ctl()
{
	local d=$1
	shift
	case $d in
	ours) "$SMCROUTECTL" -u "$WORK/$d.sock" "$@" ;;
	smcroute) "$SMC_ROOT/usr/sbin/smcroutectl" -u "$WORK/$d.sock" "$@" ;;
	esac
}

# Wait until the daemon answers on its socket (at most 30 s).
daemon_ready()
{
	local d=$1 i
	for i in $(seq 300); do
		ctl "$d" show interfaces >/dev/null 2>&1 && return 0
		kill -0 "$DPID" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

hwm() { awk '/^VmHWM/ { print $2 }' "/proc/$DPID/status" 2>/dev/null; }

# Stop the daemon, then wait until the kernel has dropped its entries
# (closing the MRT socket flushes the table, which takes a while at N).
daemon_stop()
{
	local i
	[ -n "$DPID" ] || return 0
	kill -TERM "$DPID" 2>/dev/null
	for i in $(seq 50); do
		kill -0 "$DPID" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$DPID" 2>/dev/null
	wait "$DPID" 2>/dev/null
	DPID=
	for i in $(seq 600); do
		[ "$(mfc_count)" = 0 ] && [ "$(grep -c . /proc/net/ip_mr_vif)" -le 1 ] &&
			return 0
		sleep 0.1
	done
	die "kernel MFC not empty after the daemon exited"
}

# raw D KEY N RUN VALUE
raw() { echo "$1 $2 $3 $4 $5" >>"$WORK/raw"; }

# capped_result D PHASE N RUN CAP: record a phase that hit its cap.
capped_result()
{
	local rate
	rate=$(awk -v g="$GOT" -v e="$ELAPSED" \
	    'BEGIN { printf "%.1f", g / (e / 1e6) }')
	raw "$1" "$2"_capped "$3" "$4" "$5"
	raw "$1" "$2"_done "$3" "$4" "$GOT"
	raw "$1" "$2"_rate "$3" "$4" "$rate"
	say "$1 $2 N=$3: CAPPED at $5 s with $GOT of $3 ($rate/s)"
}

run_batch()
{
	local d=$1 n=$2 run=$3 cap=$4 cpid crc
	daemon_start "$d" "$WORK/phy.conf"
	daemon_ready "$d" || die "$d did not start: $(tail -3 "$WORK/$d.log")"
	now_us
	local start=$NOW
	ctl "$d" -b <"$WORK/batch" >"$WORK/ctl.out" 2>&1 &
	cpid=$!
	if wait_count "$n" "$cap" "$start"; then
		raw "$d" batch_s "$n" "$run" "$(secs "$ELAPSED")"
		say "$d batch N=$n run $run: $(secs "$ELAPSED") s"
	else
		capped_result "$d" batch "$n" "$run" "$cap"
	fi
	if kill -0 "$cpid" 2>/dev/null; then
		kill "$cpid" 2>/dev/null
	fi
	wait "$cpid"
	crc=$?
	[ -z "$CAPPED" ] && [ "$crc" != 0 ] &&
		say "$d batch: smcroutectl exit $crc: $(head -2 "$WORK/ctl.out")"
	raw "$d" rss_batch "$n" "$run" "$(hwm)"
	daemon_stop
}

# conf, then template and reload on the same daemon.
run_conf()
{
	local d=$1 n=$2 run=$3 cap=$4 t i b e spid rpid cpid sent recvd
	daemon_start "$d" "$WORK/n.conf"
	if wait_count "$n" "$cap" "$START"; then
		raw "$d" conf_s "$n" "$run" "$(secs "$ELAPSED")"
		say "$d conf N=$n run $run: $(secs "$ELAPSED") s"
	else
		capped_result "$d" conf "$n" "$run" "$cap"
		raw "$d" rss_conf "$n" "$run" "$(hwm)"
		daemon_stop
		return
	fi
	daemon_ready "$d" || die "$d not answering after its conf"
	raw "$d" rss_conf "$n" "$run" "$(hwm)"

	case " $PHASES " in
	*" template "*)
		# The end is read on the wire: the first datagram of the
		# last source to be forwarded (the kernel sends the one it
		# queued with the upcall once the entry is made), as a
		# look at a 100,000-line ip_mr_cache takes seconds in the
		# guest.  The kernel table is still what says when to stop.
		rm -f "$WORK/tpl.ready"
		ip netns exec rcv "$WORK/wirecap" -i rcv0 -g "$TPL_G/32" \
		    -R "$WORK/tpl.ready" -o "$WORK/tpl.cap" 2>"$WORK/tpl.err" &
		cpid=$!
		wait_file "$WORK/tpl.ready" || die "wirecap not ready"
		now_us
		t=$NOW
		ip netns exec src "$MCFLOOD" -i src0 -s "10.1.16.1+$TPL_SRCS" \
		    -r "$TPL_PPS" -d "$TPL_CAP" -q "$TPL_G" \
		    >"$WORK/flood.out" 2>&1 &
		spid=$!
		while :; do
			b=${EPOCHREALTIME/./}
			i=$(tpl_count "$TPL_KEY")
			now_us
			[ "$i" -ge "$TPL_SRCS" ] && break
			[ $((NOW - t)) -ge $((TPL_CAP * 1000000)) ] && break
			kill -0 "$spid" 2>/dev/null || break
			poll_pause "$b"
		done
		kill "$spid" 2>/dev/null
		wait "$spid"
		sleep 0.2
		kill -TERM "$cpid" 2>/dev/null
		wait "$cpid"
		# "NS udp DIR SRC GROUP SEQ SENT": when the i-th source
		# was first seen (i, the kernel's count; all if it got all).
		e=$(awk -v n="$i" -v t="$t" '$2 == "udp" && !seen[$4]++ &&
		    ++k == n { printf "%d\n", $1 / 1000 - t; exit }' \
		    "$WORK/tpl.cap")
		if [ -z "$e" ]; then
			say "$d template N=$n: the wire saw fewer than $i" \
			    "sources: the table's time is taken"
			e=$((NOW - t))
		fi
		raw "$d" template_done "$n" "$run" "$i"
		raw "$d" template_s "$n" "$run" "$(secs "$e")"
		raw "$d" template_rate "$n" "$run" "$(awk -v g="$i" \
		    -v e="$e" 'BEGIN { printf "%.0f", g / (e / 1e6) }')"
		say "$d template N=$n run $run: $i of $TPL_SRCS (S,G) in" \
		    "$(secs "$e") s on the wire (the table showed them" \
		    "$(secs $((NOW - t))) s after the start)"
		raw "$d" rss_template "$n" "$run" "$(hwm)"
		;;
	esac

	case " $PHASES " in
	*" reload "*)
		mfc_has "$OLD_KEY" || die "$d: route $LAST_S,$LAST_G missing"
		cp "$WORK/n.conf" "$WORK/n.conf.orig"
		cp "$WORK/reload.conf" "$WORK/n.conf"
		rm -f "$WORK/rcv.ready"
		ip netns exec rcv "$MCRECV" -i rcv0 -d $((cap + 60)) -I 2 \
		    -R "$WORK/rcv.ready" $STREAM_G >"$WORK/rcv.out" 2>&1 &
		rpid=$!
		wait_file "$WORK/rcv.ready"
		ip netns exec src "$MCSEND" -i src0 -s 10.1.0.2 \
		    -r "$STREAM_PPS" -d $((cap + 30)) $STREAM_G \
		    >"$WORK/send.out" 2>&1 &
		spid=$!
		sleep 1
		m0=$(pid_mtime "$d")
		now_us
		t=$NOW
		kill -HUP "$DPID"
		# Both daemons touch their PID file when a reload is done
		# (Finit's acknowledgement): its mtime is the end, read by
		# a stat every 10 ms, where a look at a 100,000-line
		# ip_mr_cache takes seconds in the guest and would be
		# most of what it measures.  The kernel is checked after.
		CAPPED='' ack=''
		while :; do
			m=$(pid_mtime "$d")
			if [ "$m" != "$m0" ]; then
				ack=${m/./}
				# (the file clock is the kernel's coarse
				# one: a few ms behind EPOCHREALTIME)
				ack=$((${ack:0:16} - t))
				[ "$ack" -lt 0 ] && ack=0
				break
			fi
			now_us
			if [ $((NOW - t)) -ge $((cap * 1000000)) ]; then
				CAPPED=1
				break
			fi
			sleep 0.01
		done
		while [ -z "$CAPPED" ]; do
			b=${EPOCHREALTIME/./}
			reloaded && break
			now_us
			if [ $((NOW - t)) -ge $((cap * 1000000)) ]; then
				CAPPED=1
				break
			fi
			poll_pause "$b"
		done
		now_us
		if [ -z "$CAPPED" ]; then
			raw "$d" reload_s "$n" "$run" "$(secs "$ack")"
			say "$d reload N=$n run $run: $(secs "$ack") s" \
			    "(PID file touched; the kernel held the change" \
			    "$(secs $((NOW - t))) s after the SIGHUP)"
		else
			raw "$d" reload_capped "$n" "$run" "$cap"
			say "$d reload N=$n: CAPPED at $cap s"
		fi
		# Let the stream run on for a second after the reload.
		sleep 1
		kill -TERM "$spid" 2>/dev/null
		wait "$spid"
		wait "$rpid"
		sent=$(sed -n 's/^sent=//p' "$WORK/send.out")
		recvd=$(sed -n 's/^received=//p' "$WORK/rcv.out")
		[ -n "$sent" ] && [ -n "$recvd" ] ||
			die "stream: $(cat "$WORK/send.out" "$WORK/rcv.out")"
		[ "$recvd" -gt 0 ] || die "$d: the stream never arrived"
		raw "$d" reload_lost "$n" "$run" $((sent - recvd))
		say "$d reload N=$n run $run: sent $sent received $recvd"
		raw "$d" rss_reload "$n" "$run" "$(hwm)"
		cp "$WORK/n.conf.orig" "$WORK/n.conf"
		;;
	esac
	daemon_stop
}

# Results are rewritten after every run, so that a run cut short by the
# timeout keeps what it measured: the lines of other runs of this script
# (other N, other daemons) are kept, those of what this one measures are
# replaced.
OUT=$STATIC_BENCH_OUT
: "${SMC_NS:=$NS}"
touch "$OUT/results" "$OUT/raw"
: >"$WORK/raw"
: >"$WORK/measured"
for n in $NS; do
	for d in $DAEMONS; do
		[ "$d" = smcroute ] && ! [[ " $SMC_NS " == *" $n "* ]] && continue
		echo "$d $n" >>"$WORK/measured"
	done
done
# keep FILE: the lines of FILE for a (daemon, N) not measured now
keep()
{
	awk 'NR == FNR { m[$1 " " $2] = 1; next }
	    !(($1 " " $3) in m)' "$WORK/measured" "$1"
}
keep "$OUT/raw" >"$WORK/raw.old"
keep "$OUT/results" >"$WORK/res.old"

flush_results()
{
	cat "$WORK/raw.old" "$WORK/raw" >"$OUT/raw"
	{
		cat "$WORK/res.old"
		awk '{ k = $1 " " $2 " " $3; v[k] = v[k] " " $5 }
		    END {
			for (k in v) {
				m = split(substr(v[k], 2), a, " ")
				# sort numerically (small m)
				for (i = 1; i <= m; i++)
					for (j = i + 1; j <= m; j++)
						if (a[j] + 0 < a[i] + 0) {
							x = a[i]; a[i] = a[j]; a[j] = x
						}
				print k, a[int((m + 1) / 2)]
			}
		    }' "$WORK/raw" | sort -k3n -k1,2
		awk '$2 == "runs" { print $1, "where", $3, w }' w="$WHERE" \
		    "$WORK/raw"
	} >"$OUT/results"
}

for n in $NS; do
	make_files "$n"
	for d in $DAEMONS; do
		[ "$d" = smcroute ] && ! [[ " $SMC_NS " == *" $n "* ]] && continue
		if [ "$d" = ours ]; then
			runs=$RUNS cap=$OUR_CAP
		else
			runs=$SMC_RUNS
			[ "$n" -ge 10000 ] && runs=$SMC_RUNS_BIG
			cap=$(printf '%s\n' $SMC_CAPS |
			    awk -F: -v n="$n" '$1 <= n { c = $2 } END { print c }')
			[ -n "$cap" ] || cap=120
		fi
		echo "N=$n $d: $WHERE, $(nproc) CPUs, $SB_SYSCTL," \
		    "loadavg $(cut -d' ' -f1-3 /proc/loadavg)" >>"$OUT/env"
		for run in $(seq "$runs"); do
			case " $PHASES " in
			*" batch "*) run_batch "$d" "$n" "$run" "$cap"
				flush_results ;;
			esac
			case " $PHASES " in
			*" conf "*) run_conf "$d" "$n" "$run" "$cap" ;;
			esac
			# The run count so far, then the figures.
			awk -v d="$d" -v n="$n" '!($1 == d && $2 == "runs" &&
			    $3 == n)' "$WORK/raw" >"$WORK/raw.tmp"
			echo "$d runs $n 0 $run" >>"$WORK/raw.tmp"
			mv "$WORK/raw.tmp" "$WORK/raw"
			flush_results
		done
	done
	say "N=$n done"
done
exit 0
