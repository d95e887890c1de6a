#!/bin/bash
# The proxy's upstream host side (proxy/mcfilter.c), driven through
# test/unit/mcfilter-drive in a namespace "rtr" whose up0 faces a
# "qry" namespace that captures the IGMPv3/MLDv2 reports on qr0.
#
# After each step the kernel state (/proc/net/igmp, mcfilter, igmp6,
# mcfilter6) is checked, and the group records the kernel sent for the
# step are checked for churn: a change of sources or of filter mode
# must be reported as ALLOW/BLOCK/TO_EX/TO_IN of what changed, never as
# a leave (TO_IN {} / BLOCK of wanted sources) followed by a re-join.
#
#   rtr:up0 10.9.0.1 fc00:9::1 ---- qr0:qry 10.9.0.2 fc00:9::2
. "$(dirname "$0")/lib.sh"

: "${MCFILTER_DRIVE:=$top_builddir/test/unit/mcfilter-drive}"
need_bin "$MCFILTER_DRIVE"
[ -e /proc/net/mcfilter ] || skip "kernel lacks IPv4 multicast"

UP=up0
ns_add "$RTR" qry
link "$RTR" $UP qry qr0
addr "$RTR" $UP 10.9.0.1/24 fc00:9::1/64
addr qry qr0 10.9.0.2/24 fc00:9::2/64
# State-change reports are sent robustness (igmp_qrv, 2) times, the
# repetitions at random up to the unsolicited report interval (1 s by
# default): 10 ms makes a step's reports complete within a few ms.
sysctl_set "$RTR" net.ipv4.conf.$UP.igmpv3_unsolicited_report_interval 10
sysctl_set "$RTR" net.ipv6.conf.$UP.mldv2_unsolicited_report_interval 10
MSF4=$(nsx "$RTR" cat /proc/sys/net/ipv4/igmp_max_msf)
MEMB4=$(nsx "$RTR" cat /proc/sys/net/ipv4/igmp_max_memberships)
MSF6=$(cat /proc/sys/net/ipv6/mld_max_msf 2>/dev/null || echo 64)
say "limits: igmp_max_msf $MSF4, igmp_max_memberships $MEMB4, mld_max_msf $MSF6"
IDX=$(ifindex "$RTR" $UP)

# ------------------------------------------------------------- capture

CAP=$WORK/capture.txt
HAVE_CAP=
if command -v tcpdump >/dev/null 2>&1; then
	# IGMP, MLD (behind a hop-by-hop header) and the step markers.
	nsx qry tcpdump -Z root -l -n -vv --immediate-mode -i qr0 \
	    'igmp or (ip6 and ip6[6] == 0) or
	    (udp and dst portrange 10000-10999)' \
	    >"$CAP" 2>"$WORK/tcpdump.err" &
	bg_add $!
	if wait_until 5 grep -q 'listening on' "$WORK/tcpdump.err"; then
		HAVE_CAP=1
	else
		say "tcpdump did not start: reports are not checked"
	fi
else
	say "no tcpdump: reports are not checked"
fi

# Each step ends with a UDP marker to port 10000+N, so the records of a
# step are exactly those between two markers in the capture.
_mark=0
_markline=0
REC=$WORK/records.txt
step_end()
{
	local port line
	: >"$REC"
	[ -n "$HAVE_CAP" ] || return 0
	sleep 0.2
	_mark=$((_mark + 1))
	port=$((10000 + _mark))
	nsx "$RTR" bash -c "echo m >/dev/udp/10.9.0.2/$port" ||
		error "cannot send the capture marker"
	wait_until 5 grep -q "> 10\.9\.0\.2\.$port:" "$CAP" ||
		error "capture marker $_mark not seen"
	line=$(grep -n "> 10\.9\.0\.2\.$port:" "$CAP" | head -n 1 | cut -d: -f1)
	sed -n "$((_markline + 1)),${line}p" "$CAP" |
	    grep -o '\[gaddr [^]]*\]' |
	    sed -e 's/^\[gaddr //' -e 's/\]$//' -e 's/[{}]//g' \
		-e 's/  */ /g' -e 's/ $//' >"$REC"
	_markline=$line
}

# rec_types GROUP: the record types sent for GROUP in the last step.
rec_types()
{
	awk -v g="$1" '$1 == g { print $2 }' "$REC" | sort -u | tr '\n' ' ' |
	    sed 's/ $//'
}

# rec_srcs GROUP TYPE: the sources of those records, sorted, one line.
rec_srcs()
{
	awk -v g="$1" -v t="$2" '$1 == g && $2 == t {
		for (i = 3; i <= NF; i++) print $i }' "$REC" | sort -V -u |
	    tr '\n' ' ' | sed 's/ $//'
}

# rec_check DESC GROUP TYPES [SOURCES]: the step sent records of exactly
# these types (space separated, sorted) for GROUP; with SOURCES, each
# type's records carry exactly those sources (sorted addresses).
rec_check()
{
	local desc=$1 g=$2 types=$3 srcs=${4-}
	[ -n "$HAVE_CAP" ] || return 0
	expect seq "$desc: record types for $g" "$(rec_types "$g")" "$types"
	if [ $# -ge 4 ]; then
		expect seq "$desc: sources of the $types record" \
		    "$(rec_srcs "$g" "$types")" "$srcs"
	fi
}

# --------------------------------------------------------------- driver

# shellcheck disable=SC2086	# DAEMON_WRAPPER is a command prefix
coproc DRV { exec ip netns exec "$RTR" $DAEMON_WRAPPER "$MCFILTER_DRIVE" -d \
    2>>"$WORK/drive.err"; }
bg_add "$DRV_PID"
DRV_IN=${DRV[1]}
DRV_OUTFD=${DRV[0]}

# drv CMD...: send a command; its output lines (without the final
# ok/error line) in $DRV_OUT; fails on "error: ...".
drv()
{
	local l
	DRV_OUT=
	echo "$*" >&"$DRV_IN" || error "driver gone"
	while IFS= read -r -t 30 l <&"$DRV_OUTFD"; do
		case $l in
		ok) return 0 ;;
		error:*) echo "# drv $*: $l"; return 1 ;;
		*) DRV_OUT="$DRV_OUT$l
" ;;
		esac
	done
	error "driver did not answer: $*"
}

# dump_line GROUP: the driver's dump line for GROUP in $DUMP (the
# coprocess is not reachable from a subshell: no $(drv ...)).
dump_line()
{
	drv dump || error "dump failed"
	DUMP=$(printf '%s' "$DRV_OUT" | awk -v g="$1" '$2 == g')
}

# subset_of "A ..." "B ...": every word of A is a word of B.
subset_of()
{
	local a
	for a in $1; do
		case " $2 " in *" $a "*) ;; *) return 1 ;; esac
	done
}

# socks: the number of sockets the driver has open.
socks()
{
	local fd n=0
	for fd in /proc/"$DRV_PID"/fd/*; do
		case $(readlink "$fd") in socket:*) n=$((n + 1)) ;; esac
	done
	echo $n
}

# ---------------------------------------------------------- kernel side

# range4 A.B.C.D N: N addresses from A.B.C.D (last octet), sorted.
range4()
{
	local IFS=. i
	# shellcheck disable=SC2086
	set -- $1 $2
	for ((i = 0; i < $5; i++)); do
		echo "$1.$2.$3.$(($4 + i))"
	done | sort -V | tr '\n' ' ' | sed 's/ $//'
}

# range6 PREFIX:: N: PREFIX::1 .. PREFIX::N (hex), as tcpdump prints.
range6()
{
	local i
	for ((i = 1; i <= $2; i++)); do
		printf '%s%x\n' "$1" $i
	done | sort -V | tr '\n' ' ' | sed 's/ $//'
}

# mcf4 GROUP: "SRC INC EXC" lines of /proc/net/mcfilter for up0,
# SRC dotted, sorted.
mcf4()
{
	proc mcfilter | awk -v i="$IDX" -v g="$(nhex4 "$1")" '
	    NR > 1 && $1 == i && tolower($3) == g {
		h = substr($4, 3)
		n = 0
		for (k = 1; k <= 8; k++)
			n = n * 16 + index("0123456789abcdef",
			    tolower(substr(h, k, 1))) - 1
		printf "%d.%d.%d.%d %d %d\n", int(n / 16777216) % 256,
		    int(n / 65536) % 256, int(n / 256) % 256, n % 256, $5, $6
	    }' | sort -V
}

# mcf6 GROUP: the same from /proc/net/mcfilter6, SRC as 32 hex digits.
mcf6()
{
	proc mcfilter6 | awk -v i="$IDX" -v g="$(ip6_hex "$1")" '
	    NR > 1 && $1 == i && $3 == g { print $4, $5, $6 }' | sort -V
}

# mcf_srcs 4|6 GROUP inc|exc: sources with an INCLUDE / EXCLUDE count.
mcf_srcs()
{
	local col=2
	[ "$3" = exc ] && col=3
	"mcf$1" "$2" | awk -v c=$col '$c > 0 { print $1 }' | tr '\n' ' ' |
	    sed 's/ $//'
}

# mcf_sum 4|6 GROUP inc|exc: the sum of the counts (sockets x sources).
mcf_sum()
{
	local col=2
	[ "$3" = exc ] && col=3
	"mcf$1" "$2" | awk -v c=$col '{ n += $c } END { print n + 0 }'
}

# hexlist6 "ADDR ...": the addresses as mcfilter6 prints them, sorted.
hexlist6()
{
	local a
	for a in $1; do ip6_hex "$a"; echo; done | sort -V | tr '\n' ' ' |
	    sed 's/ $//'
}

# users4 GROUP / users6 GROUP: the group's socket count on up0, 0 if
# not joined.
users4()
{
	proc igmp | awk -v dev=$UP -v g="$(hex4 "$1")" '
	    /^[0-9]/ { d = $2; sub(/:$/, "", d); cur = d; next }
	    cur == dev && toupper($1) == g { u = $2 }
	    END { print u + 0 }'
}

users6()
{
	proc igmp6 | awk -v dev=$UP -v g="$(ip6_hex "$1")" '
	    $2 == dev && $3 == g { u = $4 } END { print u + 0 }'
}

count4()
{
	igmp_groups $UP | grep -c "^$1"
}

ceil()
{
	echo $((($1 + $2 - 1) / $2))
}

# Let up0's own link-local MLD/IGMP noise pass before the first step.
sleep 0.3
step_end

# ------------------------------------------------- the interface goes

# First, while the driver holds nothing else: when an interface goes, the
# kernel drops its groups but every socket keeps its record of the
# membership, which still counts against igmp_max_memberships until it
# is left.  Half a socket on up0, half on up1; up1 goes; drop must free
# the records, so the other half fits on the same socket again.
H=$((MEMB4 / 2))
say "drop_iface: $H groups on up0 and $H on up1 share a socket; up1 goes"
link "$RTR" up1 qry qr1
for i in $(seq 1 $H); do
	drv set $UP 239.7.0.$i exclude || fail "set 239.7.0.$i on up0"
	drv set up1 239.7.1.$i exclude || fail "set 239.7.1.$i on up1"
done
expect eq "$((2 * H)) groups on one socket" "$(socks)" 1
ip -n "$RTR" link del up1
assert "drop up1" drv drop up1
drv dump
check_not "no up1 state left in the driver" grep -q '^up1 ' <<<"$DRV_OUT"
for i in $(seq 1 $H); do
	drv set $UP 239.7.2.$i exclude || fail "set 239.7.2.$i on up0"
done
expect eq "the freed records make room: still one socket" "$(socks)" 1
for i in $(seq 1 $H); do
	drv leave $UP 239.7.0.$i || fail "leave 239.7.0.$i"
	drv leave $UP 239.7.2.$i || fail "leave 239.7.2.$i"
done
expect eq "all left: the socket is closed" "$(socks)" 0
expect eq "no 239.7 group on up0" "$(count4 '239\.7\.')" 0
step_end

# ------------------------------------------------------ IPv4, 50 x ASM

say "IPv4: 50 groups in EXCLUDE {}"
for i in $(seq 1 50); do
	drv set $UP 239.2.0.$i exclude || fail "set 239.2.0.$i exclude"
done
step_end
expect eq "50 IPv4 groups joined on up0" "$(count4 '239\.2\.0\.')" 50
expect eq "50 groups need $(ceil 50 "$MEMB4") sockets" "$(socks)" \
    "$(ceil 50 "$MEMB4")"
expect eq "no source filter entries for EXCLUDE {}" \
    "$(proc mcfilter | awk -v i="$IDX" 'NR > 1 && $1 == i' | wc -l)" 0
if [ -n "$HAVE_CAP" ]; then
	expect eq "TO_EX {} reported for each of the 50 groups" \
	    "$(awk '$1 ~ /^239\.2\.0\./ && $2 == "to_ex" && NF == 2 {
		print $1 }' "$REC" | sort -u | wc -l)" 50
	expect eq "nothing but TO_EX {} reported" \
	    "$(awk '$1 ~ /^239\.2\.0\./ && !($2 == "to_ex" && NF == 2)' \
	    "$REC" | wc -l)" 0
fi

# ------------------------------------------- IPv4, INCLUDE, 25 sources

G=239.3.0.1
A25=$(range4 10.1.0.1 25)
say "IPv4: $G INCLUDE 25 sources"
assert "set $G include 25 sources" drv set $UP $G include 10.1.0.1+25
step_end
expect seq "all 25 sources included on up0" "$(mcf_srcs 4 $G inc)" "$A25"
expect eq "each source on exactly one socket" "$(mcf_sum 4 $G inc)" 25
expect eq "no source excluded" "$(mcf_sum 4 $G exc)" 0
expect eq "25 sources over $(ceil 25 "$MSF4") sockets" "$(users4 $G)" \
    "$(ceil 25 "$MSF4")"
dump_line $G
check "driver: include, $(ceil 25 "$MSF4") sockets" \
    grep -q "include nsock=$(ceil 25 "$MSF4") approx=0 partial=0" <<<"$DUMP"
rec_check "new INCLUDE group" $G allow "$A25"

say "IPv4: $G add one source"
assert "set $G include 26 sources" drv set $UP $G include 10.1.0.1+26
step_end
expect seq "26 sources included" "$(mcf_srcs 4 $G inc)" "$(range4 10.1.0.1 26)"
expect eq "each source on exactly one socket" "$(mcf_sum 4 $G inc)" 26
expect eq "still $(ceil 26 "$MSF4") sockets" "$(users4 $G)" "$(ceil 26 "$MSF4")"
rec_check "source added" $G allow 10.1.0.26

say "IPv4: $G drop 3 sources, add 2"
assert "set $G include 10.1.0.4-26 10.1.1.1-2" \
    drv set $UP $G include 10.1.0.4+23 10.1.1.1+2
step_end
WANT="$(range4 10.1.0.4 23) 10.1.1.1 10.1.1.2"
expect seq "kept and new sources included" "$(mcf_srcs 4 $G inc)" "$WANT"
expect eq "each source on exactly one socket" "$(mcf_sum 4 $G inc)" 25
rec_check "sources changed" $G "allow block"
if [ -n "$HAVE_CAP" ]; then
	expect seq "ALLOW carries the new sources" "$(rec_srcs $G allow)" \
	    "10.1.1.1 10.1.1.2"
	expect seq "BLOCK carries the removed sources only" \
	    "$(rec_srcs $G block)" "10.1.0.1 10.1.0.2 10.1.0.3"
fi

say "IPv4: $G INCLUDE -> EXCLUDE {10.1.0.5}"
assert "set $G exclude 10.1.0.5" drv set $UP $G exclude 10.1.0.5
step_end
expect seq "one source excluded" "$(mcf_srcs 4 $G exc)" 10.1.0.5
expect eq "no source included" "$(mcf_sum 4 $G inc)" 0
expect eq "one socket" "$(users4 $G)" 1
rec_check "mode change in place" $G to_ex 10.1.0.5

say "IPv4: $G EXCLUDE -> INCLUDE 25 sources"
A25=$(range4 10.1.2.1 25)
assert "set $G include 10.1.2.1+25" drv set $UP $G include 10.1.2.1+25
step_end
expect seq "25 sources included" "$(mcf_srcs 4 $G inc)" "$A25"
expect eq "each source on exactly one socket" "$(mcf_sum 4 $G inc)" 25
expect eq "no source excluded" "$(mcf_sum 4 $G exc)" 0
expect eq "$(ceil 25 "$MSF4") sockets" "$(users4 $G)" "$(ceil 25 "$MSF4")"
rec_check "mode change in place" $G to_in "$A25"

# ------------------------------------------- IPv4, long EXCLUDE list

G2=239.4.0.1
N=$((MSF4 + 5))
say "IPv4: $G2 EXCLUDE $N sources (limit $MSF4)"
assert "set $G2 exclude $N sources" drv set $UP $G2 exclude 10.4.0.1+$N
step_end
got=$(mcf_srcs 4 $G2 exc)
expect eq "$MSF4 of them excluded" "$(wc -w <<<"$got")" "$MSF4"
check "the excluded ones are a subset of the list" \
    subset_of "$got" "$(range4 10.4.0.1 $N)"
expect eq "no source included" "$(mcf_sum 4 $G2 inc)" 0
expect eq "one socket" "$(users4 $G2)" 1
dump_line $G2
check "driver: approx=1" grep -q "exclude nsock=1 approx=1 partial=0" \
    <<<"$DUMP"
rec_check "long EXCLUDE" $G2 to_ex "$got"
assert "set $G2 exclude $((N + 1)) sources" \
    drv set $UP $G2 exclude 10.4.0.1+$((N + 1))
step_end
expect seq "the installed subset is stable" "$(mcf_srcs 4 $G2 exc)" "$got"
rec_check "unrelated source added to a long EXCLUDE" $G2 ""
expect eq "the approximation is logged once per group" \
    "$(grep -c "$G2: EXCLUDE list of" "$WORK/drive.err")" 1
assert "set $G2 exclude 5 sources" drv set $UP $G2 exclude 10.4.0.1+5
step_end
expect seq "5 sources excluded exactly" "$(mcf_srcs 4 $G2 exc)" \
    "$(range4 10.4.0.1 5)"
dump_line $G2
check "driver: approx=0" grep -q "approx=0" <<<"$DUMP"
assert "leave $G2" drv leave $UP $G2
step_end
expect eq "$G2 left" "$(users4 $G2)" 0
rec_check "leave of EXCLUDE(5)" $G2 to_in ""

# ------------------------------- IPv4, source limit lowered at runtime

say "IPv4: igmp_max_msf 10 -> 5 while $G holds 25 sources"
sysctl_set "$RTR" net.ipv4.igmp_max_msf 5
assert "set $G include 10.1.2.1+26" drv set $UP $G include 10.1.2.1+26
step_end
drv limit 4
expect eq "the driver learned the lower limit" "${DRV_OUT%$'\n'}" 5
expect seq "26 sources included" "$(mcf_srcs 4 $G inc)" \
    "$(range4 10.1.2.1 26)"
expect eq "each source on exactly one socket" "$(mcf_sum 4 $G inc)" 26
expect eq "26 sources over 6 sockets" "$(users4 $G)" 6
rec_check "sources moved between sockets: only the new one reported" \
    $G allow 10.1.2.26
sysctl_set "$RTR" net.ipv4.igmp_max_msf "$MSF4"

# ---------------------------------------------------------------- IPv6

say "IPv6: 50 groups in EXCLUDE {}"
for i in $(seq 1 50); do
	drv set $UP "ff0e::2:$(printf %x "$i")" exclude ||
	    fail "set ff0e::2:$i exclude"
done
step_end
expect eq "50 IPv6 groups joined on up0" \
    "$(igmp6_count $UP "^$(ip6_hex ff0e::2:0 | cut -c1-28)")" 50
if [ -n "$HAVE_CAP" ]; then
	expect eq "TO_EX {} reported for each of the 50 IPv6 groups" \
	    "$(awk '$1 ~ /^ff0e::2:/ && $2 == "to_ex" && NF == 2 { print $1 }' \
	    "$REC" | sort -u | wc -l)" 50
fi

G6=ff3e::1
N6=$((MSF6 + 6))
A6=$(range6 fc00:1:: $N6)
say "IPv6: $G6 INCLUDE $N6 sources (limit $MSF6)"
assert "set $G6 include $N6 sources" drv set $UP $G6 include fc00:1::1+$N6
step_end
expect seq "all $N6 sources included" "$(mcf_srcs 6 $G6 inc)" \
    "$(hexlist6 "$A6")"
expect eq "each source on exactly one socket" "$(mcf_sum 6 $G6 inc)" "$N6"
expect eq "$(ceil $N6 "$MSF6") sockets" "$(users6 $G6)" "$(ceil $N6 "$MSF6")"
rec_check "new IPv6 INCLUDE group" $G6 allow "$A6"

assert "set $G6 include $((N6 + 1)) sources" \
    drv set $UP $G6 include fc00:1::1+$((N6 + 1))
step_end
expect eq "each source on exactly one socket" "$(mcf_sum 6 $G6 inc)" \
    $((N6 + 1))
rec_check "IPv6 source added" $G6 allow "$(printf 'fc00:1::%x' $((N6 + 1)))"

assert "set $G6 exclude fc00:1::5" drv set $UP $G6 exclude fc00:1::5
step_end
expect seq "one IPv6 source excluded" "$(mcf_srcs 6 $G6 exc)" \
    "$(ip6_hex fc00:1::5)"
expect eq "no IPv6 source included" "$(mcf_sum 6 $G6 inc)" 0
expect eq "one socket" "$(users6 $G6)" 1
rec_check "IPv6 mode change in place" $G6 to_ex fc00:1::5

assert "set $G6 include fc00:1::1+3" drv set $UP $G6 include fc00:1::1+3
step_end
expect seq "three IPv6 sources included" "$(mcf_srcs 6 $G6 inc)" \
    "$(hexlist6 "fc00:1::1 fc00:1::2 fc00:1::3")"
rec_check "IPv6 mode change back" $G6 to_in "fc00:1::1 fc00:1::2 fc00:1::3"

G6B=ff3e::2
N6B=$((MSF6 + 3))
assert "set $G6B exclude $N6B sources" drv set $UP $G6B exclude fc00:2::1+$N6B
step_end
expect eq "$MSF6 IPv6 sources excluded" \
    "$(mcf_srcs 6 $G6B exc | wc -w)" "$MSF6"
dump_line $G6B
check "driver: IPv6 approx=1" grep -q "approx=1" <<<"$DUMP"

assert "leave $G6" drv leave $UP $G6
step_end
expect eq "$G6 left" "$(users6 $G6)" 0
rec_check "IPv6 INCLUDE leave" $G6 block \
    "fc00:1::1 fc00:1::2 fc00:1::3"

# ------------------------------------------------------ IPv4, bounds

# An INCLUDE list needs at most 8 sockets: a longer one is joined for
# all sources (EXCLUDE {}: more traffic, never less), except for an SSM
# group, which joins its first 8 x limit sources.  The limit is the
# driver's: it learned 5 above and never raises it while running.
drv limit 4
L4=${DRV_OUT%$'\n'}
G3=239.2.0.3 G4=232.2.0.4 NB=$((8 * L4 + 1))
say "IPv4: $G3 and $G4 INCLUDE $NB sources (more than 8 sockets hold)"
assert "set $G3 include $NB sources" drv set $UP $G3 include 10.5.0.1+$NB
assert "set $G4 include $NB sources" drv set $UP $G4 include 10.5.0.1+$NB
step_end
dump_line $G3
say "driver: $DUMP"
check "driver: $G3 bounded to EXCLUDE {} on one socket" \
    grep -q "exclude nsock=1 approx=0 partial=0 bounded=1$" <<<"$DUMP"
expect eq "$G3: one membership" "$(users4 $G3)" 1
expect eq "$G3: no source listed (all sources)" \
    "$(( $(mcf_sum 4 $G3 inc) + $(mcf_sum 4 $G3 exc) ))" 0
dump_line $G4
check "driver: SSM $G4 bounded to 8 sockets" \
    grep -q "include nsock=8 approx=0 partial=0 bounded=1 " <<<"$DUMP"
expect eq "SSM $G4: the first $((8 * L4)) sources joined" \
    "$(mcf_sum 4 $G4 inc)" $((8 * L4))
check "the bounds are logged" grep -q \
    "Upstream $G3: $NB sources need more sockets than a group may take" \
    "$WORK/drive.err"
assert "set $G3 include $((NB - 1)) sources" \
    drv set $UP $G3 include 10.5.0.1+$((NB - 1))
step_end
dump_line $G3
check "driver: $G3 INCLUDE again within the bound" \
    grep -q "include nsock=8 approx=0 partial=0 bounded=0 " <<<"$DUMP"
expect eq "$G3: each source on exactly one socket" "$(mcf_sum 4 $G3 inc)" \
    $((NB - 1))
assert "leave $G3" drv leave $UP $G3
assert "leave $G4" drv leave $UP $G4
step_end
expect eq "$G3 left" "$(users4 $G3)" 0
expect eq "$G4 left" "$(users4 $G4)" 0

# The socket pool holds 512 sockets at most: with one membership per
# socket (igmp_max_memberships 1) the groups beyond what the pool has
# left find none, and the descriptors stay bounded.  The sockets of the
# groups still joined from above count: they take nothing new.
say "IPv4: socket pool bound (igmp_max_memberships 1, 520 groups)"
s0=$(ls -l /proc/$DRV_PID/fd | grep -c 'socket:')
nfd0=$(ls /proc/$DRV_PID/fd | wc -l)
say "the driver holds $s0 sockets, $nfd0 descriptors"
sysctl_set "$RTR" net.ipv4.igmp_max_memberships 1
fails=0
for i in $(seq 1 520); do
	drv set $UP "239.7.$((i / 200)).$((i % 200 + 1))" include 10.6.0.1 ||
	    fails=$((fails + 1))
done
nfd=$(ls /proc/$DRV_PID/fd | wc -l)
say "pool: $fails groups refused, driver holds $nfd descriptors"
expect eq "groups beyond the pool refused" "$fails" $((520 - (512 - s0)))
expect le "descriptors bounded (512 sockets + the others)" "$nfd" \
    $((512 + nfd0 - s0))
expect eq "the pool's room joined" "$(count4 '239\.7\.')" $((512 - s0))
for i in $(seq 1 520); do
	drv leave $UP "239.7.$((i / 200)).$((i % 200 + 1))" ||
	    fail "leave 239.7.$((i / 200)).$((i % 200 + 1))"
done
expect eq "pool groups left" "$(count4 '239\.7\.')" 0
expect le "pool sockets closed" "$(ls /proc/$DRV_PID/fd | wc -l)" "$nfd0"
sysctl_set "$RTR" net.ipv4.igmp_max_memberships "$MEMB4"

# ---------------------------------------------------------------- exit

say "exit leaves everything"
echo exit >&"$DRV_IN"
wait_until 10 bash -c "! kill -0 $DRV_PID 2>/dev/null" ||
	fail "driver did not exit"
step_end
expect eq "no IPv4 group left on up0" "$(count4 '23[0-9]\.')" 0
expect eq "no IPv6 group left on up0" "$(igmp6_count $UP '^ff[03]e')" 0
expect eq "no source filter left" \
    "$(proc mcfilter | awk 'NR > 1' | wc -l)" 0
expect eq "no IPv6 source filter left" \
    "$(proc mcfilter6 | awk 'NR > 1' | wc -l)" 0
rec_check "exit: INCLUDE group left" $G block "$(range4 10.1.2.1 26)"
rec_check "exit: EXCLUDE group left" 239.2.0.1 to_in ""
expect eq "no ASan/UBSan report from the driver" \
    "$(grep -c -e 'ERROR: .*Sanitizer' -e 'runtime error' "$WORK/drive.err")" 0

finish
