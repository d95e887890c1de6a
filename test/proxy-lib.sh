# proxy-lib.sh - helpers for the IGMP proxy tests, sourced after lib.sh
# -*- sh -*-
# shellcheck shell=bash
#
#   ctl ARGS...            smcroutectl -u $SOCK in the router namespace
#   igmp_snap              fetch `show igmp` as JSON into $WORK/igmp.json
#                          (the readers below use the last snapshot)
#   igmp_counter IF NAME   a counter's value (0 when not listed)
#   igmp_if IF FIELD       a field of the interface row (state, querier, ...)
#   igmp_grp IF G FIELD    a field of a group row (mode, compat, timer_ms,
#                          hosts); empty when the group is not there
#   igmp_ngroups IF        number of group rows of IF
#   igmp_src IF G S FIELD  a field of a source row (timer_ms, forward)
#   igmp_up G FIELD        a field of an upstream row (mode, sources)
#   mdb_has IF G / mdb_gone IF G, igmp_state IF STATE, counter_ge IF NAME N
#                          predicates on a fresh snapshot, for wait_until
#   listen_start NAME NS IF [igmpgen args]  igmpgen listen in background,
#                          output in $WORK/NAME.out; listen_stop NAME
#   udp_last_ts NAME / udp_count NAME   from a listener started with -U
#
# `show igmp -j` prints flat objects ({...} without nested objects, lists
# only of strings), so they are picked out one per line with grep and
# told apart by their keys: "role" (interfaces), "counter", "compat"
# (groups), "forward" (sources), "sources":[ (upstream).

: "${IGMPGEN:=$top_builddir/test/igmpgen}"
export IGMPGEN

need_igmpgen()
{
	need_bin "$IGMPGEN"
}

ctl()
{
	timeout 10 ip netns exec "$RTR" "$SMCROUTECTL" -u "$SOCK" "$@"
}


igmp_snap()
{
	local -a parts objs=()
	local p
	ctl -j show igmp >"$WORK/igmp.json" 2>"$WORK/igmp.err" || {
		echo "#  show igmp failed: $(cat "$WORK/igmp.err")"
		return 1
	}
	IFS='}' read -r -d '' -a parts <"$WORK/igmp.json"
	for p in "${parts[@]}"; do
		[[ $p == *'{"interface":'* ]] || continue
		objs+=("{\"interface\":${p##*'{"interface":'}}")
	done
	if [ ${#objs[@]} -gt 0 ]; then
		printf '%s\n' "${objs[@]}" >"$WORK/igmp.objs"
	else
		: >"$WORK/igmp.objs"
	fi
}

# _field FIELD: the value of FIELD in each object read from stdin
# (strings unquoted, lists as comma-separated items).
_field()
{
	sed -n -e "s/.*\"$1\":\\[\\([^]]*\\)\\].*/\\1/p" \
	    -e "t" \
	    -e "s/.*\"$1\":\"\\([^\"]*\\)\".*/\\1/p" \
	    -e "t" \
	    -e "s/.*\"$1\":\\([^,}]*\\).*/\\1/p" | tr -d '"'
}

# _ofield OBJECT FIELD: _field for one object, into _R, in the shell.
_ofield()
{
	local o=$1 k="\"$2\":" v
	case $o in
	*"$k["*) v=${o#*"$k["}; v=${v%%]*} ;;
	*"$k\""*) v=${o#*"$k\""}; v=${v%%\"*} ;;
	*"$k"*) v=${o#*"$k"}; v=${v%%[,\}]*} ;;
	*) return 1 ;;
	esac
	_R=${v//\"/}
}

# _objs: the objects of the last snapshot, one per line.
_objs()
{
	_OBJS=()
	[ -f "$WORK/igmp.objs" ] && mapfile -t _OBJS <"$WORK/igmp.objs"
	[ ${#_OBJS[@]} -eq 0 ] || printf '%s\n' "${_OBJS[@]}"
}

# _pick FIELD PATTERN...: FIELD of the first object of the last snapshot
# that matches every glob PATTERN, into _R; returns 1 if none does.
_pick()
{
	local f=$1 o p
	shift
	_objs >/dev/null
	for o in "${_OBJS[@]}"; do
		for p in "$@"; do
			# shellcheck disable=SC2053	# a glob on purpose
			[[ $o == $p ]] || continue 2
		done
		_ofield "$o" "$f" && return 0
	done
	_R=
	return 1
}

# _count PATTERN...: objects of the last snapshot matching every one.
_count()
{
	local o p n=0
	_objs >/dev/null
	for o in "${_OBJS[@]}"; do
		for p in "$@"; do
			# shellcheck disable=SC2053
			[[ $o == $p ]] || continue 2
		done
		n=$((n + 1))
	done
	echo $n
}

# (The counter name is matched without regard to case.)
igmp_counter()
{
	local o want="*\"counter\":\"${2,,}\",*" v=0
	_objs >/dev/null
	for o in "${_OBJS[@]}"; do
		[[ $o == *'"counter":'* && $o == *"\"interface\":\"$1\","* ]] ||
			continue
		# shellcheck disable=SC2053
		[[ ${o,,} == $want ]] || continue
		_ofield "$o" value && v=$_R
		break
	done
	echo "$v"
}

igmp_if()
{
	_pick "$2" '*"role":*' "*\"interface\":\"$1\",*" && echo "$_R"
	return 0
}

igmp_grp()
{
	_pick "$3" '*"compat":*' "*\"interface\":\"$1\",*" \
	    "*\"group\":\"$2\",*" && echo "$_R"
	return 0
}

igmp_ngroups()
{
	_count '*"compat":*' "*\"interface\":\"$1\",*"
}

igmp_src()
{
	_pick "$4" '*"forward":*' "*\"interface\":\"$1\",*" \
	    "*\"group\":\"$2\",*" "*\"source\":\"$3\",*" && echo "$_R"
	return 0
}

igmp_up()
{
	local o
	_objs >/dev/null
	for o in "${_OBJS[@]}"; do
		[[ $o == *'"sources":['* && $o != *'"compat":'* &&
		    $o == *"\"group\":\"$1\","* ]] || continue
		_ofield "$o" "$2" && echo "$_R"
		return 0
	done
	return 0
}

# Predicates on a fresh snapshot, for wait_until.
_mdb_grp()
{
	_pick mode '*"compat":*' "*\"interface\":\"$1\",*" \
	    "*\"group\":\"$2\",*" && [ -n "$_R" ]
}

mdb_has()
{
	igmp_snap && _mdb_grp "$1" "$2"
}

mdb_gone()
{
	igmp_snap && ! _mdb_grp "$1" "$2"
}

# igmp_state IF STATE: the interface's querier state is STATE.
igmp_state()
{
	igmp_snap && _pick state '*"role":*' "*\"interface\":\"$1\",*" &&
	    [ "$_R" = "$2" ]
}

# counter_ge IF NAME N: the counter reached N (fresh snapshot).
counter_ge()
{
	local v
	igmp_snap || return 1
	v=$(igmp_counter "$1" "$2")
	[ "$v" -ge "$3" ]
}

# counter_settled IF NAME: wait (at most 5 s) until the counter stays the
# same for 0.3 s; the last snapshot is left for the readers.
counter_settled()
{
	local v=- w i
	for ((i = 0; i < 16; i++)); do
		igmp_snap || return 1
		w=$(igmp_counter "$1" "$2")
		[ "$w" = "$v" ] && return 0
		v=$w
		sleep 0.3
	done
	say "WARNING: counter $2 on $1 still moving"
	return 1
}

# listen_start NAME NS IF [igmpgen options...]
listen_start()
{
	local name=$1 ns=$2 ifname=$3
	shift 3
	need_igmpgen
	rm -f "$WORK/$name.ready"
	ip netns exec "$ns" "$IGMPGEN" -i "$ifname" -R "$WORK/$name.ready" \
	    "$@" listen >"$WORK/$name.out" 2>"$WORK/$name.err" &
	eval "_listen_$name=$!"
	bg_add $!
	wait_until 5 test -e "$WORK/$name.ready" ||
		error "listener $name did not get ready: $(cat "$WORK/$name.err")"
}

listen_stop()
{
	local pid
	eval "pid=\${_listen_$1:-}"
	[ -n "$pid" ] || error "no listener $1"
	kill -TERM "$pid" 2>/dev/null
	wait "$pid"
}

# hold_start NAME NS IF igmpgen-args...: a membership holder (join,
# filter, block) in the background until hold_stop NAME.
hold_start()
{
	local name=$1 ns=$2 ifname=$3
	shift 3
	need_igmpgen
	rm -f "$WORK/$name.ready"
	ip netns exec "$ns" "$IGMPGEN" -i "$ifname" -R "$WORK/$name.ready" \
	    "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" &
	eval "_hold_$name=$!"
	bg_add $!
	wait_until 10 test -e "$WORK/$name.ready" ||
		error "holder $name did not get ready: $(cat "$WORK/$name.err")"
}

hold_stop()
{
	local pid
	eval "pid=\${_hold_$1:-}"
	[ -n "$pid" ] || error "no holder $1"
	kill -TERM "$pid" 2>/dev/null
	wait "$pid"
}

# gen NS IF igmpgen-args...: send crafted packets (foreground).
gen()
{
	local ns=$1 ifname=$2
	shift 2
	need_igmpgen
	ip netns exec "$ns" "$IGMPGEN" -Q -i "$ifname" "$@" ||
		error "igmpgen $* failed"
}

udp_count()
{
	grep -c ' type=udp ' "$WORK/$1.out"
}

udp_last_ts()
{
	grep ' type=udp ' "$WORK/$1.out" | tail -n 1 |
	    sed -n 's/.* ts=\([0-9]*\) .*/\1/p'
}

# report_after NAME SRC TS: ts of the first IGMP report (v1, v2, v3 or
# leave) from SRC that listener NAME saw after TS.
report_after()
{
	grep -E " src=$2 .*type=(report_v[123]|leave)( |$)" "$WORK/$1.out" |
	    sed -n 's/.* ts=\([0-9]*\) .*/\1/p' |
	    awk -v t="$3" '$1 > t { print; exit }'
}

# rec_after NAME SRC REC TS: ts of the first IGMPv3 report from SRC with
# the record REC (e.g. TO_EX:G, no sources) that listener NAME saw
# after TS.
rec_after()
{
	awk -v s="src=$2" -v r="rec=$3" -v t="$4" '
	    / type=report_v3 / {
		ts = ""; from = 0; has = 0
		for (i = 1; i <= NF; i++) {
			if ($i ~ /^ts=/) ts = substr($i, 4)
			if ($i == s) from = 1
			if ($i == r) has = 1
		}
		if (from && has && ts > t) { print ts; exit }
	    }' "$WORK/$1.out"
}

# udp_in NAME A B [SRC [DIR]]: datagrams listener NAME saw with
# A < ts < B, only those from SRC, only those going DIR (in/out).
udp_in()
{
	awk -v a="$2" -v b="$3" -v s="${4:+src=$4}" -v d="${5:+dir=$5}" '
	    / type=udp / {
		ts = ""; fs = s == ""; fd = d == ""
		for (i = 1; i <= NF; i++) {
			if ($i ~ /^ts=/) ts = substr($i, 4)
			if ($i == s) fs = 1
			if ($i == d) fd = 1
		}
		if (fs && fd && ts > a && ts < b) n++
	    }
	    END { print n + 0 }' "$WORK/$1.out"
}

# recs_after NAME SRC GROUP TS: the IGMPv3 report records for GROUP
# (TYPE:GROUP[:SOURCES]) sent by SRC that listener NAME saw after TS,
# one a line.
recs_after()
{
	awk -v s="src=$2" -v g="$3" -v a="$4" '
	    / type=report_v3 / {
		ts = ""; from = 0
		for (i = 1; i <= NF; i++) {
			if ($i ~ /^ts=/) ts = substr($i, 4)
			if ($i == s) from = 1
		}
		if (!from || ts <= a) next
		for (i = 1; i <= NF; i++)
			if ($i ~ "^rec=[A-Z_]*:" g "(:|$)") print substr($i, 5)
	    }' "$WORK/$1.out"
}

# udp_first_after NAME TS: ts of the first datagram seen after TS.
udp_first_after()
{
	grep ' type=udp ' "$WORK/$1.out" |
	    sed -n 's/.* ts=\([0-9]*\) .*/\1/p' |
	    awk -v t="$2" '$1 > t { print; exit }'
}

# udp_gap NAME FROM TO: the longest time (ms) between the ns timestamps
# FROM and TO that the LAN kept a datagram waiting: for each datagram
# seen there, the time from when it was sent (mcsend's stamp, sts), or
# from the previous arrival if that was later, to its own arrival (the
# kernel's time, ts), the first one counted from FROM.  A pause of the
# sender is no gap (nothing was waiting); lost datagrams are udp_missing.
udp_gap()
{
	grep ' type=udp ' "$WORK/$1.out" | awk -v a="$2" -v b="$3" '
	    { ts = ""; sts = ""
	      for (i = 1; i <= NF; i++) {
		if ($i ~ /^ts=/) ts = substr($i, 4) + 0
		if ($i ~ /^sts=/) sts = substr($i, 5) + 0
	      }
	      if (ts < a || ts > b) next
	      from = (p == "") ? a : p
	      if (sts > from) from = sts
	      d = ts - from
	      if (d > m) m = d
	      p = ts }
	    END { printf "%d\n", m / 1000000 }'
}

# ms_between NS1 NS2: (NS2 - NS1) in ms.
ms_between()
{
	echo $(( ($2 - $1) / 1000000 ))
}

# proxy_dump: `show igmp` of the router, for failure diagnostics.
proxy_dump()
{
	echo "---- show igmp ----"
	ctl show igmp 2>&1
	echo "---- show routes ----"
	ctl show routes 2>&1
}

# On failure, show igmp too (then lib.sh's own cleanup and dump).
_proxy_cleanup()
{
	local rc=$?
	if [ "$rc" != 0 ] && [ "$rc" != 77 ] && daemon_alive; then
		set +x
		proxy_dump
	fi
	(exit "$rc")
	_cleanup
}
trap _proxy_cleanup EXIT

# topo_lan: the standard topology, except that r1's LAN is a bridge (br0
# in namespace sw, IGMP snooping off) with two hosts on it:
#
#   src:s0 ---- r0:rtr:r1 ---- p0:sw:br0:p1 ---- c1:rcv1   10.0.1.1
#                                       :p3 ---- c3:rcv3   10.0.1.3
RCV3_IF=c3 RCV3_4=10.0.1.3
topo_lan()
{
	local p
	ns_add src "$RTR" rcv1 rcv3 sw
	link src "$SRC_IF" "$RTR" "$RTR_IN"
	ip -n sw link add br0 type bridge mcast_snooping 0 ||
		skip "cannot create a bridge (CONFIG_BRIDGE)"
	link "$RTR" "$RTR_OUT1" sw p0
	link rcv1 "$RCV1_IF" sw p1
	link rcv3 "$RCV3_IF" sw p3
	for p in p0 p1 p3; do
		ip -n sw link set "$p" master br0 || error "bridge port $p"
	done
	ip -n sw link set br0 up
	addr src "$SRC_IF" $SRC4/24
	addr2 src "$SRC_IF" $SRC4B/24
	addr2 src "$SRC_IF" $SRC4C/24
	addr "$RTR" "$RTR_IN" $RTR4_IN/24
	addr "$RTR" "$RTR_OUT1" 10.0.1.254/24
	addr rcv1 "$RCV1_IF" $RCV1_4/24
	addr rcv3 "$RCV3_IF" $RCV3_4/24
	route src default 10.0.0.254
	route rcv1 default 10.0.1.254
	route rcv3 default 10.0.1.254
	sysctl_set "$RTR" net.ipv4.ip_forward 1
}

# udp_from NAME SRC: datagrams from SRC seen by listener NAME.
udp_from()
{
	grep ' type=udp ' "$WORK/$1.out" | grep -c " src=$2 "
}

# mcfilter_srcs IF GROUP [NS]: "INC|EXC:SOURCE ..." sorted, the group's
# source rows in /proc/net/mcfilter (a source counted both ways shows
# twice).
mcfilter_srcs()
{
	local ns=${3:-$RTR} idx
	idx=$(ifindex "$ns" "$1")
	[ -n "$idx" ] || return 1
	proc mcfilter "$ns" | awk -v i="$idx" -v g="$(nhex4 "$2")" '
	    function dq(h,   n, k, out) {
		out = ""
		for (k = 3; k <= 9; k += 2) {
			n = index("0123456789abcdef", substr(h, k, 1)) * 16 - 16 + \
			    index("0123456789abcdef", substr(h, k + 1, 1)) - 1
			out = out (k > 3 ? "." : "") n
		}
		return out
	    }
	    NR > 1 && $1 == i && tolower($3) == g {
		if ($5 > 0) print "INC:" dq(tolower($4))
		if ($6 > 0) print "EXC:" dq(tolower($4))
	    }' | sort | tr '\n' ' ' | sed 's/ $//'
}

# sorted WORD...: the words sorted (as mcfilter_srcs sorts), one line.
sorted()
{
	printf '%s\n' "$@" | sort | tr '\n' ' ' | sed 's/ $//'
}

# prime NS IF SRC GROUP: one datagram from SRC to GROUP on another UDP
# port (receivers on mcsend's default port never count it), then wait
# until the kernel has a resolved (SRC,GROUP) entry.  The kernel queues
# only a few packets of an unresolved (S,G) while the daemon answers its
# upcall: a stream that starts at once on a new (S,G) may lose its first
# packets when the machine is busy.
prime()
{
	local ns=$1 ifname=$2 s=$3 g=$4
	need_tools
	ip netns exec "$ns" "$MCSEND" -i "$ifname" -s "$s" -p 4999 -c 1 "$g" \
	    >/dev/null 2>&1 || error "mcsend (prime) failed"
	wait_until 2 mfc_has "$s" "$g" >/dev/null ||
		say "WARNING: no MFC entry ($s, $g) after priming"
}

# udp_missing NAME FROM TO: sequence numbers missing among the datagrams
# listener NAME saw between the ns timestamps FROM and TO (gaps between
# the lowest and highest seen there).
udp_missing()
{
	grep ' type=udp ' "$WORK/$1.out" | awk -v a="$2" -v b="$3" '
	    { ts = ""; seq = ""
	      for (i = 1; i <= NF; i++) {
		if ($i ~ /^ts=/) ts = substr($i, 4)
		if ($i ~ /^seq=/) seq = substr($i, 5) + 0
	      }
	      if (ts < a || ts > b || seq < 0) next
	      if (!(seq in s)) { s[seq] = 1; n++ }
	      if (lo == "" || seq < lo) lo = seq
	      if (hi == "" || seq > hi) hi = seq }
	    END { print (n ? hi - lo + 1 - n : 0) }'
}
