#!/bin/bash
# proxy-bench.sh - IGMP proxy benchmark: smcrouted against igmpproxy
#
# Measures, for each daemon in turn (same topology, one daemon at a
# time, started fresh for every phase), on the wire of the downstream
# LAN:
#   (a) join latency, stream already at the router: host report -> first
#       forwarded packet
#   (b) join latency, stream requested upstream first (an upstream
#       source that only sends while it hears membership)
#   (c) leave latency with fast-leave (igmpproxy: quickleave): leave ->
#       last forwarded packet
#   (d) leave latency without fast-leave: LMQI x LMQC + excess
#   (e) 4 hosts on a bridge each joining 1000 groups at once with a
#       stream on every group: time until every host has every group;
#       daemon RSS and CPU time
#   (e2) the same with an upstream source that sends a group only on
#       membership
#   (f) 100 hosts x 100 groups (raw IGMPv3 reports, igmpgen) with a
#       source on all 10,000, and (g) then a report storm, with a live
#       stream to a member host all along (PHASES=f; not in the default)
# and prints a table; with both daemons in (a), the Mann-Whitney test of
# the join latencies and CDF plots (gnuplot).  See test/bench/README.md.
#
# Run as root from anywhere:  test/bench/proxy-bench.sh
# Environment knobs (defaults): DAEMONS ("smcrouted igmpproxy"), PHASES
# ("ac b d e e2"), CYCLES (20, for a-c), SLOW_CYCLES (8, for d), PPS
# (1000), NGROUPS (1000, at most 1024), NHOSTS (4), GROUP_PPS (10, per
# group in e), LEAVE_BUDGET (10 s) / SLOW_BUDGET (30 s) / LEAVE_MAX
# (30000 ms): how long a phase waits for slow leaves, LOGLEVEL (notice),
# KEEP=1 (keep the work directory), UPDATE_README=1 (write the table
# into test/bench/README.md), RESULTS_FROM=FILE (only print the table of
# the results file of an earlier KEEP=1 run), BENCH_TIMEOUT (290 s), V=1
# (trace); ROUNDS (1: the daemons take turns, CYCLES of (a)/(c) each per
# round, pooled), JOIN_PNG / LEAVE_PNG (test/bench/{join,leave}-cdf.png),
# RESULTS_DIR (copy the results, cycles and CDF data there); for (f)/(g):
# F_HOSTS (100), F_GROUPS (100 per host), F_PPS (2000 over all groups),
# F_WAIT (15 s), F_SMC_OPTS / F_SMC_ARGS (what smcrouted needs for 10,000
# groups: "max-groups 16384 max-sources 16384" on the LAN, "-C 20000"),
# STORM_SEC (5), STORM_INT (0.1 s), LIVE_PPS (1000), IGMPGEN
# (test/igmpgen of the build); HOST_IGMP_VERSION (unset: the kernel's
# default; 2 or 3: every host speaks that IGMP version to both daemons,
# so both hear the same message, see host_igmp()).
#
# Nothing leaves the machine: everything runs in private network
# namespaces (unshare -m -n, named namespaces on a private tmpfs) on veth
# pairs with 10.0.0.0/8 addresses.

# Functions are called through variables and traps.
# shellcheck disable=SC2317
set -u

BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$BENCH_DIR/../.." && pwd)
: "${top_builddir:=$TOP}"
: "${SMCROUTED:=$top_builddir/src/smcrouted}"
: "${IGMPPROXY:=igmpproxy}"
: "${DAEMONS:=smcrouted igmpproxy}"
: "${CYCLES:=20}"
: "${SLOW_CYCLES:=8}"
: "${PPS:=1000}"
: "${NGROUPS:=1000}"
: "${NHOSTS:=4}"
: "${GROUP_PPS:=10}"
: "${LEAVE_BUDGET:=10}"
: "${SLOW_BUDGET:=30}"
: "${LEAVE_MAX:=30000}"
: "${PHASES:=ac b d e e2}"
: "${LOGLEVEL:=notice}"
: "${BENCH_TIMEOUT:=290}"
: "${ROUNDS:=1}"
: "${F_HOSTS:=100}"
: "${F_GROUPS:=100}"
: "${F_PPS:=2000}"
: "${F_SMC_OPTS:=max-groups 16384 max-sources 16384}"
: "${F_SMC_ARGS:=-C 20000}"
: "${F_WAIT:=15}"
: "${STORM_SEC:=5}"
: "${STORM_INT:=0.1}"
: "${LIVE_PPS:=1000}"
: "${JOIN_PNG:=$BENCH_DIR/join-cdf.png}"
: "${LEAVE_PNG:=$BENCH_DIR/leave-cdf.png}"
: "${IGMPGEN:=$top_builddir/test/igmpgen}"
: "${HOST_IGMP_VERSION:=}"
export top_builddir SMCROUTED IGMPPROXY DAEMONS CYCLES SLOW_CYCLES PPS
export NGROUPS NHOSTS GROUP_PPS LOGLEVEL LEAVE_BUDGET SLOW_BUDGET LEAVE_MAX
export PHASES ROUNDS F_HOSTS F_GROUPS F_PPS F_WAIT STORM_SEC STORM_INT
export LIVE_PPS JOIN_PNG LEAVE_PNG IGMPGEN F_SMC_OPTS F_SMC_ARGS
export HOST_IGMP_VERSION

die()
{
	echo "proxy-bench: $*" >&2
	exit 1
}

# ------------------------------------------------------ outside: prepare

if [ -z "${PROXY_BENCH_INNS:-}" ]; then
	[ "$(id -u)" = 0 ] || die "must run as root"
	for c in unshare ip mount timeout cc; do
		command -v $c >/dev/null 2>&1 || die "needs $c"
	done
	if ! command -v "$IGMPPROXY" >/dev/null 2>&1 &&
	    ! [ -x "$IGMPPROXY" ]; then
		echo "proxy-bench: installing igmpproxy" >&2
		DEBIAN_FRONTEND=noninteractive apt-get install -y igmpproxy \
		    >/dev/null 2>&1 || echo "proxy-bench: no igmpproxy," \
		    "comparing nothing" >&2
	fi
	if ! [ -x "$SMCROUTED" ]; then
		make -C "$top_builddir" src/smcrouted >/dev/null ||
			die "cannot build $SMCROUTED"
	fi
	# (f) and (g): raw reports from many hosts, by the tests' igmpgen.
	case " $PHASES " in *" f "*)
		[ -x "$IGMPGEN" ] || make -C "$top_builddir" test/igmpgen \
		    >/dev/null || die "cannot build $IGMPGEN" ;;
	esac
	# A kernel without multicast routing: the same run in a throwaway
	# VM with Debian's kernel (scripts/vm.sh), slower in absolute
	# terms, so the table then also gives ratios of the two daemons.
	if [ -z "${SMCR_IN_VM:-}" ] &&
	    ! missing=$("$TOP/scripts/kernel-check.sh" mroute4 veth bridge); then
		echo "proxy-bench: this kernel lacks" \
		    "$(printf '%s\n' "$missing" | paste -sd, - |
		    sed 's/,/, /g'): running in a VM with Debian's kernel" >&2
		"$TOP/scripts/deps.sh" qemu-system-x86 busybox-static cpio \
		    kmod || die "cannot install what the VM needs"
		BENCH_TIMEOUT=$((BENCH_TIMEOUT * 4))
		export BENCH_TIMEOUT
		exec "$TOP/scripts/vm.sh" -q -t $((BENCH_TIMEOUT + 120)) \
		    -w "$BENCH_DIR" -- bash "$0" "$@"
	fi
	PROXY_BENCH_INNS=1
	export PROXY_BENCH_INNS
	# shellcheck disable=SC2093	# the error below is for a failed exec
	exec timeout -k 10 "$BENCH_TIMEOUT" unshare -m -n -- bash "$0" "$@"
	die "cannot exec unshare"
fi

# ---------------------------------------------- inside our own namespace

[ -n "${V:-}" ] && set -x
# shellcheck source=test/bench/benchlib.sh
. "$BENCH_DIR/benchlib.sh"
bench_enter proxy-bench

SMC_EXTRA='' SMC_XARGS=''	# (f): more for smcrouted's config line and command line
BIN=$WORK/bin
mkdir -p "$BIN"
DPID=

_t0=$(date +%s%N)
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
say()
{
	local ms=$(( ($(date +%s%N) - _t0) / 1000000 ))
	printf '[%3d.%03d] %s\n' $((ms / 1000)) $((ms % 1000)) "$*"
}

# ------------------------------------------------------------- tools

for t in wirecap upsrc joinloop mgsend mjoin; do
	${CC:-cc} -O2 -Wall -o "$BIN/$t" "$BENCH_DIR/$t.c" ||
		die "cannot build $t"
done
HAVE_IGMPPROXY=
command -v "$IGMPPROXY" >/dev/null 2>&1 && HAVE_IGMPPROXY=1
[ -x "$IGMPPROXY" ] && HAVE_IGMPPROXY=1

# ---------------------------------------------------------- helpers

nsx()
{
	local ns=$1
	shift
	ip netns exec "$ns" "$@"
}

# bg NAME NS CMD...: run in the background, output in $WORK/NAME.out;
# the PID is left in BGPID.
bg()
{
	local name=$1 ns=$2
	shift 2
	ip netns exec "$ns" "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" &
	BGPID=$!
}

stop()
{
	kill -TERM "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}

sysctl_ns()
{
	nsx "$1" sh -c "echo $3 > /proc/sys/$(echo "$2" | tr . /)"
}

ns_add()
{
	local ns
	for ns in "$@"; do
		ip netns add "$ns" || die "ip netns add $ns"
		ip -n "$ns" link set lo up
		sysctl_ns "$ns" net.ipv4.conf.all.rp_filter 0
		sysctl_ns "$ns" net.ipv4.conf.default.rp_filter 0
		sysctl_ns "$ns" net.ipv6.conf.all.disable_ipv6 1
		sysctl_ns "$ns" net.ipv6.conf.default.disable_ipv6 1
	done
}

veth()
{
	ip link add "$2" netns "$1" type veth peer name "$4" netns "$3" ||
		die "veth $2/$4"
	ip -n "$1" link set "$2" up
	ip -n "$3" link set "$4" up
}

topo_del()
{
	local ns
	for ns in $(ip netns list | awk '{ print $1 }'); do
		ip netns del "$ns"
	done
}

# host_igmp NS IF: HOST_IGMP_VERSION for a host.  By default a host
# answers smcrouted's IGMPv3 querier with v3 reports to 224.0.0.22 and
# igmpproxy's v2 querier with v2 reports to the group, so the daemons
# would not hear the same message.  2: force_igmp_version=2, v2 reports
# whatever the querier.  3: force_igmp_version=3 alone still falls back
# to v2 on a v2 query (ip-sysctl.rst), so the host also drops every
# query it gets (nft): the daemons learn only from unsolicited reports,
# which is all these phases need (each runs well within the GMI).
host_igmp()
{
	[ -n "$HOST_IGMP_VERSION" ] || return 0
	sysctl_ns "$1" "net.ipv4.conf.$2.force_igmp_version" \
	    "$HOST_IGMP_VERSION"
	[ "$HOST_IGMP_VERSION" = 3 ] || return 0
	printf '%s\n' 'table ip hostq {' 'chain in {' \
	    'type filter hook input priority 0;' \
	    'igmp type membership-query drop; }' '}' |
	    nsx "$1" nft -f - || die "HOST_IGMP_VERSION=3: nft failed in $1"
}

# The router and its upstream, common to both topologies.
#   src:s0 10.0.0.1/24 ---- r0 10.0.0.254/24 :rtr: r1 10.0.1.254/24
topo_common()
{
	ns_add src rtr
	veth src s0 rtr r0
	ip -n src addr add 10.0.0.1/24 dev s0
	ip -n rtr addr add 10.0.0.254/24 dev r0
	ip -n src route add default via 10.0.0.254
	sysctl_ns rtr net.ipv4.ip_forward 1
}

# (a)-(d): one receiver host on the router's downstream link.
#   rtr:r1 ---- c1:rcv 10.0.1.1/24
topo_one()
{
	topo_common
	ns_add rcv
	veth rtr r1 rcv c1
	ip -n rtr addr add 10.0.1.254/24 dev r1
	ip -n rcv addr add 10.0.1.1/24 dev c1
	ip -n rcv route add default via 10.0.1.254
	host_igmp rcv c1
}

# (e): NHOSTS hosts on a bridge (in namespace lan, snooping off: it
# floods like a hub) behind the router.
#   rtr:r1 ---- l0:lan:br0:p1..pN ---- eth0:h1..hN 10.0.1.N/24
topo_lan()
{
	local i
	topo_common
	ns_add lan
	ip -n lan link add br0 type bridge mcast_snooping 0
	ip -n lan link set br0 up
	veth rtr r1 lan l0
	ip -n lan link set l0 master br0
	ip -n rtr addr add 10.0.1.254/24 dev r1
	for i in $(seq 1 "$NHOSTS"); do
		ns_add "h$i"
		veth lan "p$i" "h$i" eth0
		ip -n lan link set "p$i" master br0
		ip -n "h$i" addr add "10.0.1.$i/24" dev eth0
		ip -n "h$i" route add default via 10.0.1.254
		host_igmp "h$i" eth0
	done
}

# ----------------------------------------------------------- daemons

# conf_smcrouted fast|slow
conf_smcrouted()
{
	local fl=
	[ "$1" = fast ] && fl=" fast-leave"
	cat >"$WORK/smcroute.conf" <<-EOF
	phyint r0 upstream igmp
	phyint r1 igmp$fl last-member-query-interval 1 last-member-query-count 2${SMC_EXTRA:+ $SMC_EXTRA}
	EOF
}

conf_igmpproxy()
{
	{
		[ "$1" = fast ] && echo quickleave
		echo "phyint r0 upstream ratelimit 0 threshold 1 altnet 10.0.0.0/8"
		echo "phyint r1 downstream ratelimit 0 threshold 1"
		echo "phyint lo disabled"
	} >"$WORK/igmpproxy.conf"
}

vif_count()
{
	nsx rtr awk 'NR > 1 { n++ } END { print n + 0 }' /proc/net/ip_mr_vif
}

# daemon_start NAME fast|slow TAG: start it in rtr, wait for its VIFs.
daemon_start()
{
	local name=$1 mode=$2 tag=$3 i
	DLOG=$WORK/$name-$tag.log
	case $name in
	smcrouted)
		conf_smcrouted "$mode"
		rm -f "$WORK/smcroute.pid"
		# shellcheck disable=SC2086
		ip netns exec rtr "$SMCROUTED" -n $SMC_XARGS -f "$WORK/smcroute.conf" \
		    -u "$WORK/smcroute.sock" -P "$WORK/smcroute.pid" \
		    -l "$LOGLEVEL" >"$DLOG" 2>&1 &
		DPID=$!
		;;
	igmpproxy)
		conf_igmpproxy "$mode"
		ip netns exec rtr "$IGMPPROXY" -n -d "$WORK/igmpproxy.conf" \
		    >"$DLOG" 2>&1 &
		DPID=$!
		;;
	esac
	for i in $(seq 1 100); do
		[ "$(vif_count)" -ge 2 ] && break
		kill -0 "$DPID" 2>/dev/null || break
		sleep 0.05
	done
	if ! kill -0 "$DPID" 2>/dev/null; then
		echo "---- $DLOG"
		tail -n 20 "$DLOG"
		die "$name exited at start"
	fi
	[ "$(vif_count)" -ge 2 ] || say "WARNING: $name has $(vif_count) VIFs"
	# Let the startup queries go out.
	sleep 0.3
	say "$name running (pid $DPID, $mode)"
}

daemon_stop()
{
	[ -n "$DPID" ] || return 0
	kill -TERM "$DPID" 2>/dev/null
	for _ in $(seq 1 50); do
		kill -0 "$DPID" 2>/dev/null || break
		sleep 0.05
	done
	kill -KILL "$DPID" 2>/dev/null
	wait "$DPID" 2>/dev/null
	DPID=
}

# proc_cpu PID: utime+stime in ms.  proc_rss PID: VmRSS, VmHWM in kB.
CLK_TCK=$(getconf CLK_TCK 2>/dev/null || echo 100)
proc_cpu()
{
	sed 's/.*) //' "/proc/$1/stat" 2>/dev/null |
	    awk -v hz="$CLK_TCK" '{ print ($12 + $13) * 1000 / hz }'
}

proc_rss()
{
	awk '/^VmRSS:/ { r = $2 } /^VmHWM:/ { h = $2 }
	    END { print r + 0, h + 0 }' "/proc/$1/status" 2>/dev/null
}

# ----------------------------------------------------------- analysis

# Timestamps are nanoseconds since the epoch: too long for awk's
# doubles, so everything is taken relative to the high digits of the
# run's start.
HI=$(( $(date +%s%N) / 1000000000000000 ))

# cycles JOINLOOP WIRECAP: one line per cycle (each cycle has a group of
# its own):
#   I JOIN_US LEAVE_US LEAVEKIND NQUERIES QFIRST_MS QLAST_MS NAFTER
#   ANY_US STALE HOST_US SENT_US
# JOIN_US: the host's report on the wire -> the first forwarded packet
# of the live stream after it ("norep": no report seen; "none": nothing
# forwarded while joined; "dirty": already forwarding before the
# report).  ANY_US: the same to the first forwarded packet of any age;
# STALE: packets forwarded after the report that had been sent more than
# 2 ms before it (held in the kernel's unresolved-route queue and
# flushed when the route came).  HOST_US: the host's join system call ->
# its report on the wire (the kernel's report timer).  SENT_US: the
# report on the wire -> the send time of that first live packet (from
# its payload; may be negative: in flight).  LEAVE_US:
# the leave on the wire -> the last forwarded packet (0: none after the
# leave; "stuck:W": still forwarding when the window closed, W us after
# the leave).  NQUERIES: group-specific queries seen after the leave,
# QFIRST/QLAST their times after it (ms); NAFTER: packets forwarded after
# the leave.
cycles()
{
	awk -v HI="$HI" '
	function T(s,   n) {
		n = length(s)
		return (substr(s, 1, n - 15) - HI) * 1e15 + substr(s, n - 14)
	}
	FILENAME == ARGV[1] {
		if ($2 == "join") { k = ++nc; J[k] = T($1); cyc[$4] = k }
		if ($2 == "leave") L[cyc[$4]] = T($1)
		if ($2 == "end") E[cyc[$4]] = T($1)
		next
	}
	/^#/ { next }
	{ t = T($1) }
	$2 == "udp" && $3 == "in" && ($5 in cyc) {
		k = cyc[$5]
		D[k, ++ND[k]] = t
		DS[k, ND[k]] = $7 == -1 ? t : T($7)
		next
	}
	$2 != "igmp" { next }
	$3 == "out" {
		if (($5 == "report2" || $5 == "report1") && ($6 in cyc))
			isjoin($6, t)
		if ($5 == "leave" && ($6 in cyc))
			isleave($6, t, "v2leave")
		if ($5 == "report3")
			for (i = 7; i <= NF; i++) {
				split($i, r, ":")
				if (!(r[2] in cyc)) continue
				if (r[1] == 2 || r[1] == 4) isjoin(r[2], t)
				if ((r[1] == 3 || r[1] == 1) && r[3] == 0)
					isleave(r[2], t, "v3TO_IN")
			}
		next
	}
	$3 == "in" && $5 == "query" && ($7 in cyc) {
		k = cyc[$7]
		Q[k, ++NQ[k]] = t
	}
	function isjoin(g, t,   k) {
		k = cyc[g]
		if (t >= J[k] && t < L[k] && !(k in R)) R[k] = t
	}
	function isleave(g, t, kind,   k) {
		k = cyc[g]
		if (t >= L[k] && !(k in V)) { V[k] = t; VK[k] = kind }
	}
	END {
		for (k = 1; k <= nc; k++) {
			j = fa = hd = sfu = "norep"; stale = 0
			if (k in R) {
				dirty = 0; first = any = -1
				for (i = 1; i <= ND[k]; i++) {
					d = D[k, i]
					if (d < R[k] && d >= J[k] - 20e6)
						dirty = 1
					if (d < R[k] || d >= L[k])
						continue
					if (any < 0 || d < any)
						any = d
					# Sent well before the report: held
					# in the kernel, not the live stream.
					if (DS[k, i] < R[k] - 2e6) {
						stale++
						continue
					}
					if (first < 0 || d < first) {
						first = d
						sf = DS[k, i]
					}
				}
				if (dirty) j = fa = "dirty"
				else if (first < 0) j = "none"
				else {
					j = sprintf("%.0f", (first - R[k]) / 1e3)
					sfu = sprintf("%.0f", (sf - R[k]) / 1e3)
				}
				if (!dirty)
					fa = any < 0 ? "none" : \
					    sprintf("%.0f", (any - R[k]) / 1e3)
				hd = sprintf("%.0f", (R[k] - J[k]) / 1e3)
			}
			l = "norep"; kind = "-"; after = 0; nq = 0
			qf = ql = -1
			if (k in V) {
				last = -1
				for (i = 1; i <= ND[k]; i++) {
					d = D[k, i]
					if (d >= L[k] && d > last)
						last = d
					if (d > V[k])
						after++
				}
				kind = VK[k]
				if (last < V[k]) l = 0
				else if (last > E[k] - 20e6)
					l = sprintf("stuck:%.0f", (E[k] - V[k]) / 1e3)
				else l = sprintf("%.0f", (last - V[k]) / 1e3)
				for (i = 1; i <= NQ[k]; i++) {
					if (Q[k, i] < V[k]) continue
					nq++
					if (qf < 0) qf = (Q[k, i] - V[k]) / 1e6
					ql = (Q[k, i] - V[k]) / 1e6
				}
			}
			printf "%d %s %s %s %d %.1f %.1f %d %s %d %s %s\n", k,
			    j, l, kind, nq, qf, ql, after, fa, stale, hd, sfu
		}
	}' "$1" "$2"
}

# upcycles JOINLOOP WIRECAP UPSRC: (b) per cycle:
#   I JOIN_US UP_US HOST_US
# JOIN_US: report on the LAN -> first forwarded packet on the LAN;
# UP_US: report on the LAN -> the upstream source heard the proxy's
# report and started sending; HOST_US: the host's join system call ->
# its report on the LAN.
upcycles()
{
	awk -v HI="$HI" '
	function T(s,   n) {
		n = length(s)
		return (substr(s, 1, n - 15) - HI) * 1e15 + substr(s, n - 14)
	}
	FILENAME == ARGV[1] {
		if ($2 == "join") { k = ++nc; J[k] = T($1); cyc[$4] = k }
		if ($2 == "leave") L[cyc[$4]] = T($1)
		next
	}
	FILENAME == ARGV[3] {
		if ($2 == "start" && ($6 in cyc)) {
			k = cyc[$6]
			S[k, ++NS[k]] = T($1)
		}
		next
	}
	/^#/ { next }
	{ t = T($1) }
	$2 == "udp" && $3 == "in" && ($5 in cyc) {
		k = cyc[$5]
		D[k, ++ND[k]] = t
		next
	}
	$2 == "igmp" && $3 == "out" {
		if (($5 == "report2" || $5 == "report1") && ($6 in cyc))
			isjoin($6, t)
		if ($5 == "report3")
			for (i = 7; i <= NF; i++) {
				split($i, r, ":")
				if ((r[2] in cyc) && (r[1] == 2 || r[1] == 4))
					isjoin(r[2], t)
			}
	}
	function isjoin(g, t,   k) {
		k = cyc[g]
		if (t >= J[k] && t < L[k] && !(k in R)) R[k] = t
	}
	END {
		for (k = 1; k <= nc; k++) {
			j = u = hd = "norep"
			if (k in R) {
				first = -1; dirty = 0
				for (i = 1; i <= ND[k]; i++) {
					d = D[k, i]
					if (d < R[k] && d >= J[k] - 20e6)
						dirty = 1
					if (d >= R[k] && d < L[k] &&
					    (first < 0 || d < first))
						first = d
				}
				if (dirty) j = "dirty"
				else if (first < 0) j = "none"
				else j = sprintf("%.0f", (first - R[k]) / 1e3)
				hd = sprintf("%.0f", (R[k] - J[k]) / 1e3)
				u = "none"
				for (i = 1; i <= NS[k]; i++)
					if (S[k, i] >= R[k] && S[k, i] < L[k]) {
						u = sprintf("%.0f",
						    (S[k, i] - R[k]) / 1e3)
						break
					}
			}
			printf "%d %s %s %s\n", k, j, u, hd
		}
	}' "$1" "$2" "$3"
}

# stats: values on stdin, one a line -> "N BAD MIN MEDIAN MAX"; N counts
# the non-negative numbers, BAD the rest (-1, none, dirty, stuck).
stats()
{
	local in bad
	in=$(cat)
	bad=$(printf '%s\n' "$in" | grep -cvE '^[0-9.]+$')
	printf '%s\n' "$in" | grep -E '^[0-9.]+$' | sort -n | awk -v bad="$bad" '
	    { v[++n] = $1 }
	    END {
		if (!n) { print 0, bad, "-", "-", "-"; exit }
		m = n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
		print n, bad, v[1], m, v[n]
	    }'
}

# col N FILE: column N of a cycles file.
col()
{
	awk -v c="$1" '{ print $c }' "$2"
}

# us2ms X [SCALE]: microseconds to milliseconds (SCALE 1: already ms).
us2ms()
{
	awk -v x="$1" -v s="${2:-1000}" 'BEGIN { if (x == "-") print "-"; else printf "%.2f", x / s }'
}

# ------------------------------------------------------------- phases

GBASE=239.10.0.0
RES=$WORK/results	# NAME KEY VALUE lines
: >"$RES"

res()
{
	echo "$1 $2 $3" >>"$RES"
}

# summarize NAME KEY FILE COLUMN [unit us]: median etc. into results.
summarize()
{
	local name=$1 key=$2 file=$3 c=$4 scale=${5:-1000} s
	s=$(col "$c" "$file" | stats)
	# shellcheck disable=SC2086
	set -- $s
	res "$name" "${key}_n" "$1"
	res "$name" "${key}_bad" "$2"
	res "$name" "${key}_min" "$(us2ms "$3" "$scale")"
	res "$name" "${key}_med" "$(us2ms "$4" "$scale")"
	res "$name" "${key}_max" "$(us2ms "$5" "$scale")"
}

# leave_cycles NAME TAG BASE N BUDGET: N cycles, cycle K on group
# BASE.K with its own PPS stream from src, started PRE ms before the
# join: join, ON ms, leave, then wait until the router has stopped
# forwarding (quiet for 200 ms, at most LEAVE_MAX ms) while the phase is
# younger than BUDGET seconds (after that: 300 ms, which is enough to
# measure joins, the next cycle being on another group).  A fresh group
# and stream each cycle, so that every join starts from a router that
# does not forward the group, however slowly the daemon leaves.
leave_cycles()
{
	local name=$1 tag=$2 base=$3 n=$4 budget=$5 k wc sp t0 adapt
	bg "$name-$tag-wire" rcv "$BIN/wirecap" -i c1 -g "$base.0/24" \
	    -R "$WORK/$name-$tag.ready"
	wc=$BGPID
	wait_file "$WORK/$name-$tag.ready" || die "wirecap not ready"
	: >"$WORK/$name-$tag-join.out"
	t0=$(date +%s)
	for k in $(seq 1 "$n"); do
		if [ $(( $(date +%s) - t0 )) -lt "$budget" ]; then
			adapt="-q 200 -L $LEAVE_MAX"
		else
			adapt=
			[ "$tag" = d ] && break	# (d) is about leaving only
		fi
		bg "$name-$tag-send" src "$BIN/mgsend" -i s0 -r "$PPS" -d 60 \
		    "$base.$k" 1
		sp=$BGPID
		# shellcheck disable=SC2086
		nsx rcv "$BIN/joinloop" -i c1 -n 1 -w 300 -j 300 -l 300 \
		    $adapt "$base.$k" >>"$WORK/$name-$tag-join.out"
		stop "$sp"
	done
	sleep 0.05
	stop "$wc"
	cycles "$WORK/$name-$tag-join.out" "$WORK/$name-$tag-wire.out" \
	    >"$WORK/$name-$tag.cycles"
	capture_check "$WORK/$name-$tag-wire.out"
}

# capture_check WIRECAPFILE: warn if the capture lost packets.
capture_check()
{
	local d
	d=$(sed -n 's/^# .*drops=\([0-9]*\).*/\1/p' "$1")
	if [ "${d:-x}" != 0 ]; then
		say "WARNING: capture $(basename "$1"): drops=${d:-?}"
		echo "capture $(basename "$1") drops=${d:-?}" >>"$WORK/warnings"
	fi
}

# (a) and (c): stream already at the router, fast leave.
phase_ac()
{
	local name=$1 t=ac
	say "$name: (a)+(c) $CYCLES join/leave cycles, stream $PPS pps" \
	    "(round $ROUND of $ROUNDS)"
	# With ROUNDS > 1 the daemons take turns, a round of CYCLES each,
	# and the cycles of all rounds are pooled: slow spells of the
	# machine then fall on both alike.
	if [ "$ROUNDS" -gt 1 ]; then
		t=ac-r$ROUND
		[ "$ROUND" = 1 ] && : >"$WORK/$name-ac.cycles"
	fi
	leave_cycles "$name" "$t" 239.1.1 "$CYCLES" "$LEAVE_BUDGET"
	[ "$t" = ac ] ||
		cat "$WORK/$name-$t.cycles" >>"$WORK/$name-ac.cycles"
	summarize "$name" a "$WORK/$name-ac.cycles" 2
	summarize "$name" aany "$WORK/$name-ac.cycles" 9
	summarize "$name" astale "$WORK/$name-ac.cycles" 10 1
	summarize "$name" ahost "$WORK/$name-ac.cycles" 11
	res "$name" a_react "$(react "$WORK/$name-ac.cycles")"
	summarize "$name" c "$WORK/$name-ac.cycles" 3
	summarize "$name" cpk "$WORK/$name-ac.cycles" 8 1
	res "$name" c_stuck "$(stuck "$WORK/$name-ac.cycles")"
	res "$name" c_kind "$(awk '$4 != "-" { print $4 }' \
	    "$WORK/$name-ac.cycles" | sort | uniq -c |
	    awk '{ printf "%s%s*%s", s, $2, $1; s = "," }')"
}

# (d): no fast leave.
phase_d()
{
	local name=$1
	say "$name: (d) up to $SLOW_CYCLES join/leave cycles without fast leave"
	leave_cycles "$name" d 239.1.3 "$SLOW_CYCLES" "$SLOW_BUDGET"
	summarize "$name" d "$WORK/$name-d.cycles" 3
	summarize "$name" dpk "$WORK/$name-d.cycles" 8 1
	summarize "$name" dq1 "$WORK/$name-d.cycles" 6 1
	summarize "$name" dq2 "$WORK/$name-d.cycles" 7 1
	res "$name" d_stuck "$(stuck "$WORK/$name-d.cycles")"
	res "$name" d_nq "$(awk '{ print $5 }' "$WORK/$name-d.cycles" |
	    sort | uniq -c | awk '{ printf "%s%s*%s", s, $2, $1; s = "," }')"
}

# react CYCLESFILE: "LO HI" (ms), the window in which the router's
# reaction to a report (report on the wire -> forwarding state in
# place) lies, if it is about constant.  In each cycle the first live
# packet forwarded was sent SENT_US after the report and the one before
# it, 1/PPS earlier, was not forwarded: the reaction lies between
# SENT_US - 1/PPS and SENT_US (up to the few microseconds of transit).
# The phase of the stream is random in each cycle, so intersecting these
# windows narrows it down: between max(SENT_US) - 1/PPS and
# min(SENT_US).  The most extreme tenth at each end is left out (a
# sender or daemon delayed by the machine's load).  LO > HI means the
# reaction time varies by more than the window.
react()
{
	awk '$12 ~ /^-?[0-9]+$/ { print $12 }' "$1" | sort -n |
	    awk -v T="$((1000000 / PPS))" '
	    { v[++n] = $1 }
	    END {
		if (!n) { print "- -"; exit }
		t = int(n / 10)
		lo = v[n - t] - T; if (lo < 0) lo = 0
		printf "%.2f %.2f\n", lo / 1000, v[1 + t] / 1000
	    }'
}

# stuck CYCLESFILE: "N:MINWINDOW_MS" of the cycles still forwarding when
# their window closed, or 0.
stuck()
{
	awk '$3 ~ /^stuck:/ { split($3, a, ":"); n++
	    if (!m || a[2] < m) m = a[2] }
	    END { if (n) printf "%d:%.0f\n", n, m / 1000; else print 0 }' "$1"
}

# (b): stream requested upstream.
phase_b()
{
	local name=$1 wc up
	say "$name: (b) $CYCLES join/leave cycles, upstream source on demand"
	bg "$name-b-up" src "$BIN/upsrc" -i s0 -r "$PPS" -m 1000 \
	    -R "$WORK/$name-b-up.ready" 239.1.2.0/24
	up=$BGPID
	wait_file "$WORK/$name-b-up.ready" || die "upsrc not ready"
	bg "$name-b-wire" rcv "$BIN/wirecap" -i c1 -g 239.1.2.0/24 \
	    -R "$WORK/$name-b.ready"
	wc=$BGPID
	wait_file "$WORK/$name-b.ready" || die "wirecap not ready"
	nsx rcv "$BIN/joinloop" -i c1 -n "$CYCLES" -I -j 300 -l 400 \
	    239.1.2.1 >"$WORK/$name-b-join.out"
	sleep 0.05
	stop "$wc"
	stop "$up"
	upcycles "$WORK/$name-b-join.out" "$WORK/$name-b-wire.out" \
	    "$WORK/$name-b-up.out" >"$WORK/$name-b.cycles"
	capture_check "$WORK/$name-b-wire.out"
	summarize "$name" b "$WORK/$name-b.cycles" 2
	summarize "$name" bup "$WORK/$name-b.cycles" 3
	summarize "$name" bhost "$WORK/$name-b.cycles" 4
}

# upstream_groups: groups the router's host stack has joined on r0 (what
# it reports upstream), link-local ones left out.
upstream_groups()
{
	nsx rtr cat /proc/net/igmp | awk '
	    /^[0-9]/ { dev = $2; next }
	    dev == "r0" && NF >= 3 && $1 !~ /^..0000E0$/ &&
		$1 !~ /^E00000..$/ { n++ }
	    END { print n + 0 }'
}

# (e): NHOSTS hosts x NGROUPS groups.  phase_e NAME: a stream on every
# group reaches the router all along (mgsend, GROUP_PPS per group).
# phase_e NAME demand, (e2): the upstream source sends a group only
# while the router reports membership for it (upsrc), as a real
# upstream would.
phase_e()
{
	local name=$1 mode=${2:-flood} k=e sp i start cpu0 cpu1 rss pids=''
	local dur=4 mfc upg
	if [ "$mode" = demand ]; then
		k=e2
		say "$name: (e2) $NHOSTS hosts x $NGROUPS groups, upstream" \
		    "source on demand, $GROUP_PPS pps per group"
		bg "$name-$k-send" src "$BIN/upsrc" -i s0 -q -r "$GROUP_PPS" \
		    -R "$WORK/$name-$k-up.ready" "$GBASE/22"
		sp=$BGPID
		wait_file "$WORK/$name-$k-up.ready" || die "upsrc not ready"
	else
		say "$name: (e) $NHOSTS hosts x $NGROUPS groups," \
		    "$((NGROUPS * GROUP_PPS)) pps"
		bg "$name-$k-send" src "$BIN/mgsend" -i s0 \
		    -r $((NGROUPS * GROUP_PPS)) -d 60 "$GBASE" "$NGROUPS"
		sp=$BGPID
		sleep 3		# every flow has reached the router
	fi
	cpu0=$(proc_cpu "$DPID")
	start=$(( $(date +%s%N) + 500000000 ))
	for i in $(seq 1 "$NHOSTS"); do
		bg "$name-$k-h$i" "h$i" "$BIN/mjoin" -i eth0 -T "$start" \
		    -d "$dur" "$GBASE" "$NGROUPS"
		pids="$pids $BGPID"
	done
	# Sample while every membership is still held.
	sleep $((dur - 1))
	sleep 0.5
	cpu1=$(proc_cpu "$DPID")
	rss=$(proc_rss "$DPID")
	mfc=$(ip -n rtr mroute show | grep -c 'Oifs: .*r1')
	upg=$(upstream_groups)
	for i in $pids; do
		wait "$i"
	done
	stop "$sp"
	res "$name" "${k}_rss_kb" "${rss% *}"
	res "$name" "${k}_hwm_kb" "${rss#* }"
	res "$name" "${k}_cpu_ms" "$cpu1"
	res "$name" "${k}_cpu_join_ms" "$(awk -v a="$cpu0" -v b="$cpu1" \
	    'BEGIN { print b - a }')"
	res "$name" "${k}_mfc_fwd" "$mfc"
	res "$name" "${k}_upstream" "$upg"
	for i in $(seq 1 "$NHOSTS"); do
		for v in got all_ms p50_ms max_ms joined sockets; do
			res "$name" "${k}_h${i}_${v%_ms}" "$(sed -n \
			    "s/^$v=//p" "$WORK/$name-$k-h$i.out")"
		done
	done
}

phase_e2()
{
	phase_e "$1" demand
}

# (f) and (g): an IPTV-like LAN.  F_HOSTS hosts (10.0.1.2 and up, on
# the one link c1 -- r1) each join F_GROUPS groups of their own from
# FBASE, F_HOSTS x F_GROUPS in all, by raw IGMPv3 TO_EX{} reports from
# igmpgen (sent twice, 1 s apart, as a host's robustness retransmission
# does), all hosts at the same instant; mgsend sends every group at
# F_PPS in all (F_PPS / groups per group) from 5 s before.  The host
# c1 itself (10.0.1.1) holds a real kernel membership of 239.2.0.1 and
# receives a live stream of LIVE_PPS on it all along.  No host needs
# more memberships than the defaults allow: the hosts are spoofed
# addresses, and the receiver is wirecap (AF_PACKET) on c1, which sees
# every forwarded packet.  The router keeps its defaults.
# (g) then, with every membership held: a report storm, the F_HOSTS
# hosts each sending its full state (IS_EX{} for its F_GROUPS groups,
# what it answers to a general query) every STORM_INT s for STORM_SEC s.
# Measured: per group, its report on the wire -> its first forwarded
# packet; the time until every group was forwarded; the daemon's
# VmRSS/VmHWM and utime+stime; groups joined upstream; (S,G) routes
# forwarding to r1; for the live stream in each burst, packets lost,
# the largest gap between two packets and the largest latency; for the
# storm, until when the daemon was busy (utime+stime sampled every 0.1
# s: the last sample that grew by 20 ms or more).
FBASE=239.20.0.0
LIVE=239.2.0.1

# gaddr N: FBASE + N, dotted.
gaddr()
{
	local b=$(( (239 << 24) + (20 << 16) + $1 ))
	echo "$((b >> 24 & 255)).$((b >> 16 & 255)).$((b >> 8 & 255)).$((b & 255))"
}

# f_reports TYPE COPIES INTERVAL: every host reports its groups.
f_reports()
{
	local h p pids=
	for h in $(seq 1 "$F_HOSTS"); do
		nsx rcv "$IGMPGEN" -i c1 -Q -S "10.0.1.$((h + 1))" -c "$2" \
		    -w "$3" report3 \
		    "$1:$(gaddr $(( (h - 1) * F_GROUPS )))+$F_GROUPS" &
		pids="$pids $!"
	done
	for p in $pids; do
		wait "$p"
	done
}

# f_wire WIRECAP: per group of FBASE/16 "GROUP REPORT FIRST": the first
# TO_EX of it on the wire and its first forwarded packet after that, in
# ns on the capture's clock ("none": never forwarded).
f_wire()
{
	awk -v HI="$HI" '
	function T(s,   n) {
		n = length(s)
		return (substr(s, 1, n - 15) - HI) * 1e15 + substr(s, n - 14)
	}
	/^#/ { next }
	$2 == "igmp" && $3 == "out" && $5 == "report3" {
		t = T($1)
		for (i = 7; i <= NF; i++) {
			split($i, r, ":")
			if (r[1] == 4 && r[2] ~ /^239\.20\./ && !(r[2] in R))
				R[r[2]] = t
		}
		next
	}
	$2 == "udp" && $3 == "in" && ($5 in R) && !($5 in F) && T($1) >= R[$5] {
		F[$5] = T($1)
	}
	END {
		for (g in R)
			if (g in F) printf "%s %.0f %.0f\n", g, R[g], F[g]
			else printf "%s %.0f none\n", g, R[g]
	}' "$1"
}

# f_join WIRECAP: per group "GROUP LAT_US" (TO_EX on the wire -> first
# forwarded packet, "none").
f_join()
{
	f_wire "$1" | awk '
	$3 == "none" { print $1, "none"; next }
	{ printf "%s %.0f\n", $1, ($3 - $2) / 1e3 }'
}

# f_all WIRECAP: the first TO_EX of the burst -> the first packet of
# the last group to be forwarded, ms; and how many groups got one.
f_all()
{
	f_wire "$1" | awk '
	!t0 || $2 < t0 { t0 = $2 }
	$3 != "none" { n++; if ($3 > last) last = $3 }
	END { printf "%d %.1f\n", n, n ? (last - t0) / 1e6 : -1 }'
}

# f_live WIRECAP FROM TO: the live stream between two date +%s%N
# times: "RECEIVED LOST MAXGAP_MS MAXLAT_MS".
f_live()
{
	awk -v HI="$HI" -v G="$LIVE" -v A="$2" -v B="$3" '
	function T(s,   n) {
		n = length(s)
		return (substr(s, 1, n - 15) - HI) * 1e15 + substr(s, n - 14)
	}
	BEGIN { a = T(A); b = T(B) }
	$2 == "udp" && $3 == "in" && $5 == G {
		t = T($1)
		if (t < a || t > b) next
		if (!n++) lo = $6
		hi = $6
		if (pt && t - pt > gap) gap = t - pt
		pt = t
		if ($7 != -1 && t - T($7) > lat) lat = t - T($7)
	}
	END { printf "%d %d %.1f %.1f\n", n, n ? hi - lo + 1 - n : 0, gap / 1e6, lat / 1e6 }' "$1"
}

# mfc_fwd: (S,G) entries of the router forwarding to r1.
mfc_fwd()
{
	local v
	v=$(nsx rtr awk '$2 == "r1" { print $1 }' /proc/net/ip_mr_vif)
	nsx rtr awk -v v="$v" 'NR > 1 { for (i = 7; i <= NF; i++)
	    if (index($i, v ":") == 1) { n++; break } }
	    END { print n + 0 }' /proc/net/ip_mr_cache
}

# mfc_sampler FILE: "MS ROUTES" (forwarding to r1) every 0.25 s until
# killed.
mfc_sampler()
{
	local t0 t
	t0=$(date +%s%N)
	while :; do
		t=$(( ($(date +%s%N) - t0) / 1000000 ))
		echo "$t $(mfc_fwd)"
		sleep 0.25
	done >"$1"
}

# cpu_sampler FILE: "MS CPU_MS" every 0.1 s until killed.
cpu_sampler()
{
	local t0 t
	t0=$(date +%s%N)
	while kill -0 "$DPID" 2>/dev/null; do
		t=$(( ($(date +%s%N) - t0) / 1000000 ))
		echo "$t $(proc_cpu "$DPID")"
		sleep 0.1
	done >"$1"
}

phase_f()
{
	local name=$1 n=$((F_HOSTS * F_GROUPS)) wc sp lp jp cs ms
	local t_j0 t_j1 t_s0 t_s1 cpu0 cpu1 cpu2 rss r
	say "$name: (f) $F_HOSTS hosts x $F_GROUPS groups, $F_PPS pps over" \
	    "the $n groups, live stream $LIVE_PPS pps"
	bg "$name-f-wire" rcv "$BIN/wirecap" -i c1 -g 239.0.0.0/8 \
	    -R "$WORK/$name-f.ready"
	wc=$BGPID
	wait_file "$WORK/$name-f.ready" || die "wirecap not ready"
	bg "$name-f-send" src "$BIN/mgsend" -i s0 -r "$F_PPS" -d 600 \
	    "$FBASE" "$n"
	sp=$BGPID
	bg "$name-f-live" src "$BIN/mgsend" -i s0 -r "$LIVE_PPS" -d 600 \
	    "$LIVE" 1
	lp=$BGPID
	bg "$name-f-member" rcv "$IGMPGEN" -i c1 -Q join 1 "$LIVE"
	jp=$BGPID
	sleep 5		# the flows have reached the router
	cpu0=$(proc_cpu "$DPID")
	mfc_sampler "$WORK/$name-f.mfc" &
	ms=$!
	t_j0=$(date +%s%N)
	f_reports to_ex 2 1
	sleep "$F_WAIT"
	t_j1=$(date +%s%N)
	kill "$ms" 2>/dev/null
	wait "$ms" 2>/dev/null
	res "$name" f_routes "$(awk -v n="$n" '$2 > m { m = $2; t = $1 }
	    $2 >= n && !a { a = $1 } END { if (a) print "all " n " at " a " ms"
	    else print "at most " m + 0 " (at " t + 0 " ms)" }' "$WORK/$name-f.mfc")"
	cp "$WORK/$name-f.mfc" "$WORK/f-$name.mfc"
	cpu1=$(proc_cpu "$DPID")
	rss=$(proc_rss "$DPID")
	res "$name" f_rss_kb "${rss% *}"
	res "$name" f_hwm_kb "${rss#* }"
	res "$name" f_cpu_join_ms "$(awk -v a="$cpu0" -v b="$cpu1" 'BEGIN { print b - a }')"
	res "$name" f_upstream "$(upstream_groups)"
	res "$name" f_mfc_fwd "$(mfc_fwd)"
	say "$name: (g) storm: $F_HOSTS hosts x IS_EX{$F_GROUPS groups}" \
	    "every $STORM_INT s for $STORM_SEC s"
	cpu_sampler "$WORK/$name-g.cpu" &
	cs=$!
	sleep 0.5
	t_s0=$(date +%s%N)
	f_reports is_ex "$(awk -v a="$STORM_SEC" -v b="$STORM_INT" \
	    'BEGIN { print int(a / b) }')" "$STORM_INT"
	res "$name" g_send_ms $(( ($(date +%s%N) - t_s0) / 1000000 ))
	sleep 5
	t_s1=$(date +%s%N)
	cpu2=$(proc_cpu "$DPID")
	rss=$(proc_rss "$DPID")
	kill "$cs" 2>/dev/null
	wait "$cs" 2>/dev/null
	res "$name" g_hwm_kb "${rss#* }"
	res "$name" g_rss_kb "${rss% *}"
	res "$name" g_cpu_ms "$(awk -v a="$cpu1" -v b="$cpu2" 'BEGIN { print b - a }')"
	res "$name" g_busy_ms "$(awk 'NR > 1 && $2 - p >= 20 { last = $1 }
	    { p = $2 } END { print last + 0 }' "$WORK/$name-g.cpu")"
	res "$name" g_upstream "$(upstream_groups)"
	res "$name" g_mfc_fwd "$(mfc_fwd)"
	stop "$jp"
	stop "$lp"
	stop "$sp"
	stop "$wc"
	capture_check "$WORK/$name-f-wire.out"
	f_join "$WORK/$name-f-wire.out" >"$WORK/f-$name-join.lat"
	r=$(f_all "$WORK/$name-f-wire.out")
	res "$name" f_got "${r% *}"
	res "$name" f_all_ms "${r#* }"
	r=$(awk '$2 ~ /^[0-9]+$/ { print $2 }' "$WORK/f-$name-join.lat" | stats)
	# shellcheck disable=SC2086
	set -- $r
	res "$name" f_lat "$(us2ms "$4") [$(us2ms "$3")-$(us2ms "$5")] (n=$1 of $(($1 + $2)))"
	res "$name" f_live "$(f_live "$WORK/$name-f-wire.out" "$t_j0" "$t_j1")"
	res "$name" g_live "$(f_live "$WORK/$name-f-wire.out" "$t_s0" "$t_s1")"
	cp "$WORK/$name-g.cpu" "$WORK/f-$name-g.cpu"
	grep -iE 'exceed|cannot|fail|error' "$WORK/$name-f.log" | sort |
	    uniq -c | sort -rn | head -5 >"$WORK/f-$name-logerr"
}

has_phase()
{
	case " $PHASES " in *" $1 "*) ;; *) return 1 ;; esac
	# Later rounds repeat (a)/(c) only.
	[ "${ROUND:-1}" = 1 ] || [ "$1" = ac ]
}

# Each phase has a daemon of its own, started fresh: what a slow leave
# left behind in one phase (igmpproxy's upstream memberships, for one)
# does not spill into the next.
run_daemon()
{
	local name=$1 p
	topo_one
	for p in ac b d f; do
		has_phase $p || continue
		SMC_EXTRA='' SMC_XARGS=''
		[ $p = f ] && SMC_EXTRA=$F_SMC_OPTS SMC_XARGS=$F_SMC_ARGS
		if [ $p = d ]; then
			daemon_start "$name" slow $p
		else
			daemon_start "$name" fast $p
		fi
		"phase_$p" "$name"
		res "$name" "${p}_cpu_ms" "$(proc_cpu "$DPID")"
		daemon_stop
	done
	topo_del
	SMC_EXTRA='' SMC_XARGS=''
	for p in e e2; do
		has_phase $p || continue
		topo_lan
		daemon_start "$name" fast $p
		"phase_$p" "$name"
		daemon_stop
		topo_del
	done
}

if [ -n "${RESULTS_FROM:-}" ]; then
	# Only render the table of an earlier run (its KEEP=1 results).
	cat "$RESULTS_FROM" >"$RES" || die "cannot read $RESULTS_FROM"
else
	for ROUND in $(seq 1 "$ROUNDS"); do
		for d in $DAEMONS; do
			if [ "$d" = igmpproxy ] && [ -z "$HAVE_IGMPPROXY" ]; then
				say "igmpproxy not installed: skipped"
				continue
			fi
			run_daemon "$d"
		done
		has_phase ac || break
	done
	ROUND=1		# the report below covers every phase run
fi

# ------------------------------------------------------------- report

# get NAME KEY: a result ("-" if none).
get()
{
	awk -v n="$1" -v k="$2" '$1 == n && $2 == k {
		v = $0; sub(/^[^ ]+ [^ ]+ /, "", v) }
	    END { print v == "" ? "-" : v }' "$RES"
}

# stat NAME KEY: "MED [MIN-MAX] (n=N)" in ms, with the failures counted.
stat()
{
	local n bad
	n=$(get "$1" "${2}_n") bad=$(get "$1" "${2}_bad")
	if [ "$n" = - ]; then
		echo "-"
		return
	fi
	if [ "$n" = 0 ]; then
		echo "no value (n=0 of $bad)"
		return
	fi
	printf '%s [%s-%s] (n=%s' "$(get "$1" "${2}_med")" \
	    "$(get "$1" "${2}_min")" "$(get "$1" "${2}_max")" "$n"
	[ "$bad" != 0 ] && printf ' of %s' $((n + bad))
	printf ')'
}

# leave NAME KEY: like stat, plus the cycles still forwarding at the end
# of their window.
leave_stat()
{
	local st n
	st=$(get "$1" "${2}_stuck")
	n=$(get "$1" "${2}_n")
	if [ "$st" != 0 ] && [ "$st" != - ]; then
		if [ "$n" = 0 ]; then
			printf '> %s (%s cycles, still forwarding when their window closed)' \
			    "${st#*:}" "${st%%:*}"
		else
			printf '%s; the %s others still forwarding after %s ms' \
			    "$(stat "$1" "$2")" "${st%%:*}" "${st#*:}"
		fi
	else
		stat "$1" "$2"
	fi
}

# e_summary NAME [KEY]: sets E_OK (hosts with every group), E_WORST (the
# slowest of them, ms), E_MINGOT (fewest groups on a host).
e_summary()
{
	local name=$1 k=${2:-e} i got all ok=0 worst=0 mingot=$NGROUPS
	for i in $(seq 1 "$NHOSTS"); do
		got=$(get "$name" "${k}_h${i}_got")
		all=$(get "$name" "${k}_h${i}_all")
		case $got in ''|-|*[!0-9]*) got=0 ;; esac
		[ "$got" -lt "$mingot" ] && mingot=$got
		if [ "$got" = "$NGROUPS" ]; then
			ok=$((ok + 1))
			worst=$(awk -v a="$all" -v b="$worst" \
			    'BEGIN { print (a > b ? a : b) }')
		fi
	done
	E_OK=$ok E_WORST=$worst E_MINGOT=$mingot
}

verdict()
{
	if ! grep -q '^smcrouted ' "$RES"; then echo -
	elif [ "$1" = 1 ]; then echo PASS
	else echo FAIL; fi
}

lt()
{
	awk -v a="$1" -v b="$2" 'BEGIN { exit !(a != "-" && a + 0 < b + 0) }'
}

le()
{
	awk -v a="$1" -v b="$2" 'BEGIN { exit !(a != "-" && a + 0 <= b + 0) }'
}

TABLE=$WORK/table.md
{
	names=""
	for d in $DAEMONS; do
		grep -q "^$d " "$RES" && names="$names $d"
	done
	# With both daemons: their ratio, which holds also where the
	# absolute times do not (a slow VM, a busy machine).
	ratio=
	[[ " $names " == *" smcrouted "* && " $names " == *" igmpproxy "* ]] &&
		ratio=1
	# In the VM, targets are for a real machine: the ratios tell.
	tgt="target (smcrouted)"
	[ -n "${SMCR_IN_VM:-}" ] && tgt="target (smcrouted, on a real machine)"
	printf '| measurement | %s |' "$tgt"
	for d in $names; do printf ' %s |' "$d"; done
	[ -n "$ratio" ] && printf ' smcrouted / igmpproxy |'
	printf ' verdict |\n|---|---|'
	for d in $names; do printf -- '---|'; done
	[ -n "$ratio" ] && printf -- '---|'
	printf -- '---|\n'

	row()	# LABEL TARGET VERDICT FUNC ARGS...: FUNC NAME ARGS per daemon
	{
		local label=$1 target=$2 v=$3 f=$4 d cell ours="" theirs=""
		shift 4
		printf '| %s | %s |' "$label" "$target"
		for d in $names; do
			cell=$($f "$d" "$@")
			printf ' %s |' "$cell"
			case $d in
			smcrouted) ours=$cell ;;
			igmpproxy) theirs=$cell ;;
			esac
		done
		[ -n "$ratio" ] && printf ' %s |' "$(ratio_of "$ours" "$theirs")"
		printf ' %s |\n' "$v"
	}
	# ratio_of CELL CELL: the first number of each, divided, or empty.
	ratio_of()
	{
		awk -v a="$1" -v b="$2" 'BEGIN {
			if (match(a, /^[0-9]+(\.[0-9]+)?/)) x = substr(a, 1, RLENGTH); else exit
			if (match(b, /^[0-9]+(\.[0-9]+)?/)) y = substr(b, 1, RLENGTH); else exit
			if (y + 0 == 0) exit
			printf "%.2f", x / y }'
	}
	react_ms()
	{
		local r lo hi
		r=$(get "$1" a_react)
		[ "$r" = "- -" ] || [ "$r" = - ] && { echo -; return; }
		lo=${r% *} hi=${r#* }
		if le "$lo" "$hi"; then
			echo "$lo-$hi"
		else
			echo "varies: <= $hi in some cycles, >= $lo in others"
		fi
	}
	stale_pkts()
	{
		echo "$(get "$1" astale_med) (max $(get "$1" astale_max))"
	}
	d_excess()
	{
		local m
		m=$(get "$1" d_med)
		if [ "$1" = smcrouted ] && [ "$m" != - ]; then
			awk -v m="$m" 'BEGIN { printf "%+.2f", m - 2125 }'
		else
			echo "n/a"
		fi
	}
	lmqt()
	{
		if [ "$1" = smcrouted ]; then echo "1000 x 2 = 2000, + 125 grace"
		else echo "fixed (not configurable)"; fi
	}
	queries()
	{
		echo "$(get "$1" d_nq) (first $(get "$1" dq1_med), last $(get "$1" dq2_med) ms after the leave)"
	}
	e_hosts()
	{
		e_summary "$1" "${2:-e}"
		if [ "$E_OK" = "$NHOSTS" ]; then
			echo "$E_OK/$NHOSTS, slowest host ${E_WORST} ms"
		else
			echo "$E_OK/$NHOSTS within 4 s (fewest groups on a host: $E_MINGOT/$NGROUPS)"
		fi
	}
	e_p50()
	{
		local i o=
		for i in $(seq 1 "$NHOSTS"); do
			o="$o${o:+ / }$(get "$1" "${2:-e}_h${i}_p50")"
		done
		echo "$o"
	}
	e_kv()
	{
		get "$1" "$2"
	}
	rss()
	{
		echo "$(get "$1" "${2:-e}_rss_kb") kB (peak $(get "$1" "${2:-e}_hwm_kb") kB)"
	}
	cpu()
	{
		echo "$(get "$1" "${2:-e}_cpu_join_ms") ms (whole run $(get "$1" "${2:-e}_cpu_ms") ms)"
	}
	rss_cpu()
	{
		echo "$(get "$1" "${2:-e}_rss_kb") kB / $(get "$1" "${2:-e}_cpu_join_ms") ms"
	}
	ours=smcrouted
	igm=igmpproxy
	# (a)
	if has_phase ac; then
	am=$(get $ours a_med) im=$(get $igm a_med)
	ok=0; lt "$am" 1 && ok=1
	if [ "$ok" = 1 ] && [ "$im" != - ]; then
		# No slower: the reaction windows, which do not depend on
		# the phase of the stream, must not lie above igmpproxy's.
		ra=$(get $ours a_react) ri=$(get $igm a_react)
		le "${ra% *}" "${ri#* }" || ok=0
	fi
	row "(a) join, stream at the router: report -> first live packet, ms" \
	    "median < 1, no slower than igmpproxy" "$(verdict $ok)" stat a
	row "(a) router reaction window (phase-independent), ms" "" "" react_ms
	row "(a) report -> first packet of any age, ms" "" "" stat aany
	row "(a) stale packets flushed per join (sent > 2 ms before the report)" "" "" stale_pkts
	row "(a) host: join() -> its report on the wire, ms" "" "" stat ahost
	fi
	# (b)
	if has_phase b; then
	ok=0; lt "$(get $ours b_med)" 30 && ok=1
	row "(b) join via upstream: LAN report -> first packet on the LAN, ms" \
	    "< 30" "$(verdict $ok)" stat b
	row "(b) of which LAN report -> upstream source hears the proxy, ms" "" "" stat bup
	fi
	# (c)
	if has_phase ac; then
	ok=0; lt "$(get $ours c_med)" 20 &&
	    [ "$(get $ours c_stuck)" = 0 ] && ok=1
	row "(c) fast leave (igmpproxy: quickleave): leave -> last packet, ms" \
	    "median < 20" "$(verdict $ok)" leave_stat c
	row "(c) packets forwarded after the leave" "" "" stat cpk
	row "(c) leave message seen" "" "" e_kv c_kind
	fi
	# (d)
	if has_phase d; then
	ok=0
	ex=$(d_excess $ours)
	case $ex in n/a|-) ;; *) lt "$ex" 50 && [ "$(get $ours d_stuck)" = 0 ] && ok=1 ;; esac
	row "(d) no fast leave: LMQT (LMQI x LMQC), ms" "" "" lmqt
	row "(d) leave -> last packet, ms" "LMQT + 125 + < 50" "$(verdict $ok)" leave_stat d
	row "(d) excess over LMQT + grace (median), ms" "< 50" "" d_excess
	row "(d) group-specific queries after the leave" "" "" queries
	fi
	# (e)
	if has_phase e; then
	e_summary $ours
	ok=0
	[ "$E_OK" = "$NHOSTS" ] && lt "$E_WORST" 500.0001 && ok=1
	row "(e) $NHOSTS hosts x $NGROUPS groups: hosts with every group" \
	    "all, each within 500 ms" "$(verdict $ok)" e_hosts
	row "(e) median group latency per host, ms" "" "" e_p50
	row "(e) groups joined upstream (kernel, r0)" "" "" e_kv e_upstream
	row "(e) (S,G) routes forwarding to the LAN" "" "" e_kv e_mfc_fwd
	row "(e) daemon RSS (VmRSS) with every membership held" "" "" rss
	row "(e) daemon CPU time (utime+stime) for the join burst" "" "" cpu
	fi
	# (e2)
	if has_phase e2; then
		e_summary $ours e2
		ok=0
		[ "$E_OK" = "$NHOSTS" ] && lt "$E_WORST" 500.0001 && ok=1
		row "(e2) the same, upstream source on demand: hosts with every group" \
		    "all, each within 500 ms" "$(verdict $ok)" e_hosts e2
		row "(e2) median group latency per host, ms" "" "" e_p50 e2
		row "(e2) groups joined upstream (kernel, r0)" "" "" e_kv e2_upstream
		row "(e2) (S,G) routes forwarding to the LAN" "" "" e_kv e2_mfc_fwd
		row "(e2) daemon RSS / CPU time for the join burst" "" "" rss_cpu e2
	fi
	# (f), (g)
	f_got()
	{
		echo "$(get "$1" f_got)/$((F_HOSTS * F_GROUPS)), all within $(get "$1" f_all_ms) ms"
	}
	live()
	{
		local r
		r=$(get "$1" "$2")
		# shellcheck disable=SC2086
		set -- $r
		echo "$1 received, $2 lost, largest gap $3 ms, largest latency $4 ms"
	}
	fg_rss()
	{
		echo "$(get "$1" "${2}_rss_kb") kB (peak $(get "$1" "${2}_hwm_kb") kB)"
	}
	g_after()
	{
		echo "$(get "$1" g_upstream) / $(get "$1" g_mfc_fwd)"
	}
	busy()
	{
		echo "sent in $(get "$1" g_send_ms) ms; busy until $(get "$1" g_busy_ms) ms after the start (0.1 s samples)"
	}
	if has_phase f; then
		fn=$((F_HOSTS * F_GROUPS))
		f=$(get $ours f_got)
		ok=0; [ "$f" = "$fn" ] && ok=1
		row "(f) $F_HOSTS hosts x $F_GROUPS groups ($fn): groups forwarded, first TO_EX -> first packet of the last group" \
		    "all" "$(verdict $ok)" f_got
		row "(f) per group: its report -> its first packet, ms ($F_PPS pps over $fn groups: includes the wait for the next packet)" "" "" e_kv f_lat
		row "(f) routes forwarding to the LAN, from the first report (sampled every 0.25 s)" "" "" e_kv f_routes
		row "(f) groups joined upstream (kernel, r0)" "" "" e_kv f_upstream
		row "(f) (S,G) routes forwarding to the LAN" "" "" e_kv f_mfc_fwd
		row "(f) daemon RSS with every membership held" "" "" fg_rss f
		row "(f) daemon CPU time (utime+stime) for the join burst, ms" "" "" e_kv f_cpu_join_ms
		row "(f) live stream ($LIVE_PPS pps, member host) during the join burst" "" "" live f_live
		ok=0
		case $(get $ours g_live) in *" 0 "*) ok=1 ;; esac
		row "(g) storm: each host its full IS_EX every $STORM_INT s for $STORM_SEC s" "" "" busy
		row "(g) daemon CPU time for the storm (+5 s), ms" "" "" e_kv g_cpu_ms
		row "(g) daemon RSS after the storm" "" "" fg_rss g
		row "(g) live stream during the storm (+5 s)" "nothing lost" "$(verdict $ok)" live g_live
		row "(g) groups joined upstream / routes forwarding after the storm" "" "" g_after
	fi
} >"$TABLE"

if [ -z "${RESULTS_FROM:-}" ]; then
	where="kernel $(uname -r)"
	[ -n "${SMCR_IN_VM:-}" ] && where="in a qemu TCG VM (scripts/vm.sh), Debian kernel $(uname -r): absolute times are the VM's, several times slower than a real machine's; compare the ratios"
	res _run header "Results ($(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, $where, CYCLES=$CYCLES PPS=$PPS${HOST_IGMP_VERSION:+ HOST_IGMP_VERSION=$HOST_IGMP_VERSION}, load average $LOAD0 at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end):"
fi
echo
get _run header
echo
cat "$TABLE"
if [ -s "$WORK/warnings" ]; then
	echo
	echo "WARNINGS (measurements may be incomplete):"
	cat "$WORK/warnings"
fi
for d in $DAEMONS; do
	n=$(cat "$WORK/$d"-*.log 2>/dev/null | grep -ciE 'warn|error|fail|cannot|exceed')
	[ "${n:-0}" -gt 0 ] || continue
	echo
	echo "$d log: $n lines with warnings/errors, most frequent:"
	cat "$WORK/$d"-*.log | grep -iE 'warn|error|fail|cannot|exceed' |
	    sed 's/^[a-z]*\[[0-9]*\]: //' | sort | uniq -c | sort -rn | head -5
done

# compare FILE_OURS FILE_THEIRS: is one daemon's distribution above the
# other's?  Values one a line (ms), non-numbers left out.  Prints the
# medians and means, the Mann-Whitney U test (normal approximation with
# the tie correction and a continuity correction; two-sided p), the
# probability that a cycle of ours is slower than one of theirs (U /
# n1 n2), and a percentile bootstrap 95 % interval of the difference of
# the medians (2000 resamples, fixed seed: the same data give the same
# interval).
compare()
{
	awk '
	function isnum(x) { return x ~ /^-?[0-9]+(\.[0-9]+)?$/ }
	FILENAME == ARGV[1] && isnum($1) { a[++na] = $1 + 0; all[++n] = $1 + 0; who[n] = 1 }
	FILENAME == ARGV[2] && isnum($1) { b[++nb] = $1 + 0; all[++n] = $1 + 0; who[n] = 2 }
	function isort(v, m,   i, j, x) {
		for (i = 2; i <= m; i++) {
			x = v[i]
			for (j = i - 1; j >= 1 && v[j] > x; j--) v[j + 1] = v[j]
			v[j + 1] = x
		}
	}
	function med(v, m) { return m % 2 ? v[(m + 1) / 2] : (v[m / 2] + v[m / 2 + 1]) / 2 }
	function phi(z,   t, y, s) {	# standard normal CDF (A&S 26.2.17)
		s = z < 0; if (s) z = -z
		t = 1 / (1 + 0.2316419 * z)
		y = t * (0.319381530 + t * (-0.356563782 + t * (1.781477937 + \
		    t * (-1.821255978 + t * 1.330274429))))
		y = 1 - exp(-z * z / 2) / sqrt(2 * 3.141592653589793) * y
		return s ? 1 - y : y
	}
	END {
		if (na < 3 || nb < 3) { print "too few values"; exit }
		# ranks, ties averaged
		for (i = 1; i <= n; i++) { v[i] = all[i]; idx[i] = i }
		for (i = 2; i <= n; i++) {
			x = v[i]; y = idx[i]
			for (j = i - 1; j >= 1 && v[j] > x; j--) { v[j + 1] = v[j]; idx[j + 1] = idx[j] }
			v[j + 1] = x; idx[j + 1] = y
		}
		r1 = 0; tie = 0
		for (i = 1; i <= n; i = j) {
			for (j = i; j <= n && v[j] == v[i]; j++) ;
			t = j - i; rk = (i + j - 1) / 2
			tie += t * t * t - t
			for (k = i; k < j; k++) if (who[idx[k]] == 1) r1 += rk
		}
		u = r1 - na * (na + 1) / 2
		mu = na * nb / 2
		sd = sqrt(na * nb / 12 * ((n + 1) - tie / (n * (n - 1))))
		d = u - mu; d = d > 0 ? d - 0.5 : (d < 0 ? d + 0.5 : 0)
		z = sd > 0 ? d / sd : 0
		p = 2 * (1 - phi(z < 0 ? -z : z))
		for (i = 1; i <= na; i++) { sa[i] = a[i]; ma += a[i] }
		for (i = 1; i <= nb; i++) { sb[i] = b[i]; mb += b[i] }
		isort(sa, na); isort(sb, nb)
		srand(16)
		B = 2000
		for (r = 1; r <= B; r++) {
			for (i = 1; i <= na; i++) ra[i] = a[1 + int(rand() * na)]
			for (i = 1; i <= nb; i++) rb[i] = b[1 + int(rand() * nb)]
			isort(ra, na); isort(rb, nb)
			bd[r] = med(ra, na) - med(rb, nb)
		}
		isort(bd, B)
		printf "n %d %d median %.3f %.3f mean %.3f %.3f diff %+.3f ci95 %+.3f %+.3f U %.1f z %+.2f p %.4f pslower %.3f\n",
		    na, nb, med(sa, na), med(sb, nb), ma / na, mb / nb,
		    med(sa, na) - med(sb, nb), bd[int(B * 0.025) + 1],
		    bd[int(B * 0.975)], u, z, p, u / (na * nb)
	}' "$1" "$2"
}

# ms_col N FILE: column N (us) of a cycles file in ms, numbers only.
ms_col()
{
	awk -v c="$1" '$c ~ /^-?[0-9]+$/ { printf "%.3f\n", $c / 1000 }' "$2"
}

# cdf_data COL FILE: "VALUE FRACTION" of a cycles column (us -> ms),
# over all cycles (those without a value keep the curve below 1);
# "stuck:" and leave 0 handled for the leave plot: 0 is drawn at 0.01.
cdf_data()
{
	awk -v c="$1" '{ n++ } $c ~ /^[0-9]+$/ {
		x = $c / 1000; if (x < 0.01) x = 0.01; print x }
	    END { print "N", n }' "$2" | sort -g | awk '
	    $1 == "N" { n = $2; next } { v[++m] = $1 }
	    END { for (i = 1; i <= m; i++) printf "%.3f %.4f\n", v[i], i / n }'
}

if has_phase ac && [ -z "${RESULTS_FROM:-}" ] &&
    [ -s "$WORK/smcrouted-ac.cycles" ] && [ -s "$WORK/igmpproxy-ac.cycles" ]; then
	echo
	echo "(a) smcrouted vs igmpproxy over all cycles (ms; diff = smcrouted - igmpproxy;" \
	    "p: Mann-Whitney, two-sided; pslower: P(a cycle of ours > one of theirs)):"
	for c in 2:join 12:sent 9:any 11:host; do
		ms_col "${c%%:*}" "$WORK/smcrouted-ac.cycles" >"$WORK/cmp-s"
		ms_col "${c%%:*}" "$WORK/igmpproxy-ac.cycles" >"$WORK/cmp-i"
		r=$(compare "$WORK/cmp-s" "$WORK/cmp-i")
		echo "  ${c#*:}: $r"
		res _cmp "${c#*:}" "$r"
	done
	if command -v gnuplot >/dev/null 2>&1; then
		for d in smcrouted igmpproxy; do
			cdf_data 2 "$WORK/$d-ac.cycles" >"$WORK/$d-join.cdf"
			cdf_data 3 "$WORK/$d-ac.cycles" >"$WORK/$d-leave.cdf"
		done
		n_s=$(wc -l <"$WORK/smcrouted-ac.cycles")
		n_i=$(wc -l <"$WORK/igmpproxy-ac.cycles")
		where="native, kernel $(uname -r)"
		[ -n "${SMCR_IN_VM:-}" ] && where="qemu TCG VM, Debian kernel $(uname -r)"
		sub="$where, $(date -u +%Y-%m-%d), $ROUNDS round(s) x $CYCLES cycles per daemon, $PPS pps"
		[ -n "$HOST_IGMP_VERSION" ] &&
			sub="$sub, hosts IGMPv$HOST_IGMP_VERSION"
		mkdir -p "$(dirname "$JOIN_PNG")" "$(dirname "$LEAVE_PNG")"
		gnuplot <<-EOF && echo "plots: $JOIN_PNG $LEAVE_PNG"
		set terminal pngcairo size 900,600
		set key bottom right
		set grid
		set ylabel "fraction of cycles"
		set yrange [0:1.02]
		set logscale x
		set output "$JOIN_PNG"
		set title "(a) join: host report on the wire -> first live packet forwarded\\n$sub" noenhanced
		set xlabel "ms (log scale)"
		plot "$WORK/smcrouted-join.cdf" using 1:2 with steps lw 2 title "smcrouted (n=$n_s)", \
		     "$WORK/igmpproxy-join.cdf" using 1:2 with steps lw 2 title "igmpproxy (n=$n_i)"
		set output "$LEAVE_PNG"
		set key top left
		set title "(c) fast leave: leave on the wire -> last packet forwarded (0 drawn at 0.01 ms)\\n$sub;\\ncycles still forwarding when their window closed never reach the curve" noenhanced
		plot "$WORK/smcrouted-leave.cdf" using 1:2 with steps lw 2 title "smcrouted fast-leave (n=$n_s)", \
		     "$WORK/igmpproxy-leave.cdf" using 1:2 with steps lw 2 title "igmpproxy quickleave (n=$n_i)"
		EOF
	else
		echo "no gnuplot: no plots (apt-get install gnuplot-nox)"
	fi
fi
if [ -n "${RESULTS_DIR:-}" ]; then
	mkdir -p "$RESULTS_DIR" &&
	    cp "$RES" "$TABLE" "$WORK"/*.cycles "$WORK"/*.cdf "$WORK"/f-* \
	    "$WORK"/*-ac*-wire.out "$WORK"/*-ac*-join.out "$WORK"/*.log \
	    "$RESULTS_DIR/" 2>/dev/null
	echo "results copied to $RESULTS_DIR"
fi
if [ -n "${UPDATE_README:-}" ]; then
	README=$BENCH_DIR/README.md
	if grep -q '^<!-- results begin -->' "$README" 2>/dev/null; then
		awk -v t="$TABLE" '
		    /^<!-- results begin -->/ { print; while ((getline l < t) > 0) print l; skip = 1; next }
		    /^<!-- results end -->/ { skip = 0 }
		    !skip' "$README" >"$WORK/README.new" &&
		    cat "$WORK/README.new" >"$README" &&
		    echo "table written into $README"
	else
		echo "no results markers in $README: not updated"
	fi
fi
[ -n "${KEEP:-}" ] && cp "$RES" "$TABLE" "$WORK/" 2>/dev/null
exit 0
