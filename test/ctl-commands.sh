#!/bin/bash
# smcroutectl against the real daemon: every command and option, IPv4 and
# IPv6.  add: (S,G), (*,G), (*,G/LEN), (S/LEN,G), except, wildcard OIFs,
# merging OIFs into an existing route, checked with real traffic and the
# kernel's MFC; remove: some OIFs (the last one leaves a stop filter),
# the whole route, a route or OIF that does not exist; join/leave ASM and
# SSM, single and prefix (/proc/net/igmp, mcfilter, igmp6, mcfilter6),
# joined twice, not joined; errors (unknown interface, bad prefix
# lengths, more than 32 OIFs, unknown command or option, wrong argument
# counts) on stderr with exit 1; show routes|groups|interfaces|pending and
# the abbreviations (s, s g, s i, r = reload, rem, d); flush; reload
# (good and bad file); help [CMD]; version; -i/-I NAME and -u FILE;
# kill (exit 0); a daemon that is not running, or died and left its
# socket, is reported at once with exit 1.
. "$(dirname "$0")/lib.sh"

need_mroute4
need_mroute6
need_tools
need_daemon
need_bin "$SMCROUTECTL"
topo 2

# The socket lives in this test's private /run, which is where
# smcroutectl -i NAME looks if it was built with runstatedir /run.
SOCK=/run/$IDENT.sock
RUNDIR=$("$SMCROUTECTL" -h 2>/dev/null |
    sed -n 's|.*-u FILE.*default: \(.*\)/NAME\.sock.*|\1|p')

N=$FLOW_COUNT
R1X32=()
for _ in $(seq 32); do R1X32+=("$RTR_OUT1"); done

# ctl ARGS...: smcroutectl -u $SOCK in the router.  stdout in
# $WORK/ctl.out, stderr in $WORK/ctl.err, status in CTL_RC (returned).
ctl()
{
	ctl_sock -u "$SOCK" "$@"
}

# ctl_sock ARGS...: the same without -u.
ctl_sock()
{
	nsx $RTR "$SMCROUTECTL" "$@" >"$WORK/ctl.out" 2>"$WORK/ctl.err" \
	    </dev/null
	CTL_RC=$?
	if [ $CTL_RC != 0 ] || [ -s "$WORK/ctl.err" ]; then
		echo "#  smcroutectl $* -> $CTL_RC: $(head -c 300 "$WORK/ctl.err")"
	fi
	return $CTL_RC
}

# ctl_ok DESC ARGS...: exit 0, nothing on stderr.
ctl_ok()
{
	local desc=$1
	shift
	ctl "$@"
	_nchecks=$((_nchecks + 1))
	if [ $CTL_RC = 0 ] && [ ! -s "$WORK/ctl.err" ]; then
		echo "ok - $desc"
	else
		echo "not ok - $desc: smcroutectl $* -> status $CTL_RC"
		_nfailed=$((_nfailed + 1))
	fi
}

# ctl_err DESC REGEX ARGS...: exit 1, a "smcroutectl: " message on
# stderr matching REGEX (grep -E), nothing on stdout, and the daemon
# still alive.
ctl_err()
{
	local desc=$1 re=$2
	shift 2
	ctl "$@"
	_ctl_err_check "$desc" "$re" "$*"
}

_ctl_err_check()
{
	local desc=$1 re=$2 args=$3 why=
	[ "$CTL_RC" = 1 ] || why="status $CTL_RC, want 1"
	[ -z "$why" ] && ! grep -Eq -- "$re" "$WORK/ctl.err" &&
	    why="stderr '$(head -c 200 "$WORK/ctl.err")' does not match /$re/"
	[ -z "$why" ] && ! head -n 1 "$WORK/ctl.err" | grep -q '^smcroutectl: ' &&
	    why="stderr does not start with 'smcroutectl: '"
	[ -z "$why" ] && [ -s "$WORK/ctl.out" ] &&
	    ! grep -q '^Help:' "$WORK/ctl.out" &&
	    why="unexpected stdout: $(head -c 200 "$WORK/ctl.out")"
	[ -z "$why" ] && [ -z "${NO_DAEMON:-}" ] && ! daemon_alive &&
	    why="the daemon died"
	_nchecks=$((_nchecks + 1))
	if [ -z "$why" ]; then
		echo "ok - $desc"
	else
		echo "not ok - $desc: smcroutectl $args: $why"
		_nfailed=$((_nfailed + 1))
	fi
}

# rows TITLE: the rows of the table TITLE in the `-p` output in
# $WORK/ctl.out, spaces squeezed.  A table without title (show
# interfaces) is "".  The kernel table lists OIFs in VIF order, the
# rules in ifindex order: in the kernel table they are sorted here.
rows()
{
	awk -v t="$1" '
	    /^_+$/ { getline; cur = $0; n = 0; next }
	    /^=+$/ { n++; next }
	    cur == t && n >= 2 { print }' "$WORK/ctl.out" | tr -s ' ' |
	if [ "$1" = "Kernel MFC Table" ]; then
		local s g iif oifs
		while read -r s g iif oifs; do
			# shellcheck disable=SC2086
			echo "$s $g $iif $(printf '%s\n' $oifs | sort | tr '\n' ' ')" |
			    sed 's/ *$//'
		done
	else
		cat
	fi
}

# has_row DESC TITLE ROW SHOW-ARGS...: `smcroutectl -p SHOW-ARGS` lists
# ROW (spaces squeezed) in table TITLE.
has_row()
{
	local desc=$1 title=$2 row=$3
	shift 3
	ctl -p "$@"
	check "$desc" _has_row "$title" "$row"
}

_has_row()
{
	rows "$1" | grep -qxF -- "$2" && return 0
	echo "#  no row '$2' in table '$1' of:"
	sed 's/^/#    /' "$WORK/ctl.out" | head -n 30
	return 1
}

no_row()
{
	local desc=$1 title=$2 row=$3
	shift 3
	ctl -p "$@"
	check_not "$desc" _has_row_quiet "$title" "$row"
}

_has_row_quiet()
{
	rows "$1" | grep -qxF -- "$2"
}

conf <<EOF
# Configured: survives every reload.
mroute from $RTR_IN source $SRC4 group 225.9.9.9 to $RTR_OUT2
# Waiting for interface late0, which never comes.
mroute from late0 group 225.8.8.0/24 to $RTR_OUT1
mgroup from late0 group 225.8.8.8
EOF
# -c 0: no learned entry expires while the test compares outputs (it
# takes minutes in a slow VM).
daemon_start -c 0
check "configured route installed" mfc_is $SRC4 225.9.9.9 $RTR_IN $RTR_OUT2

# ------------------------------------------------------------------ add

say "add (S,G)"
ctl_ok "add IPv4 (S,G) r0 -> r1" add $RTR_IN $SRC4 225.1.1.1 $RTR_OUT1
check "kernel: IPv4 (S,G) r0 -> r1" mfc_is $SRC4 225.1.1.1 $RTR_IN $RTR_OUT1
flow 225.1.1.1 $SRC4
expect eq "IPv4 (S,G) forwarded to r1" "$FLOW1" $N
expect eq "IPv4 (S,G) not forwarded to r2" "$FLOW2" 0
ctl_ok "add merges r2 into the IPv4 route" add $RTR_IN $SRC4 225.1.1.1 $RTR_OUT2
check "kernel: IPv4 (S,G) r0 -> r1 r2" \
    mfc_is $SRC4 225.1.1.1 $RTR_IN $RTR_OUT1 $RTR_OUT2
flow 225.1.1.1 $SRC4
expect eq "merged IPv4 route to r1" "$FLOW1" $N
expect eq "merged IPv4 route to r2" "$FLOW2" $N
ctl_ok "add of an OIF the route has is accepted" \
    add $RTR_IN $SRC4 225.1.1.1 $RTR_OUT1
check "kernel: IPv4 (S,G) unchanged" \
    mfc_is $SRC4 225.1.1.1 $RTR_IN $RTR_OUT1 $RTR_OUT2
has_row "show routes: (S,G) rule with both OIFs" "(S,G) Rules" \
    "(10.0.0.1, 225.1.1.1) r0 r1 r2" show routes
has_row "show routes: kernel entry with both OIFs" "Kernel MFC Table" \
    "(10.0.0.1, 225.1.1.1) r0 r1 r2" show routes

ctl_ok "add IPv6 (S,G) r0 -> r2" add $RTR_IN $SRC6 ff0e::1:1 $RTR_OUT2
check "kernel: IPv6 (S,G) r0 -> r2" mfc_is $SRC6 ff0e::1:1 $RTR_IN $RTR_OUT2
flow ff0e::1:1 $SRC6
expect eq "IPv6 (S,G) not forwarded to r1" "$FLOW1" 0
expect eq "IPv6 (S,G) forwarded to r2" "$FLOW2" $N
ctl_ok "add merges r1 into the IPv6 route" add $RTR_IN $SRC6 ff0e::1:1 $RTR_OUT1
check "kernel: IPv6 (S,G) r0 -> r1 r2" \
    mfc_is $SRC6 ff0e::1:1 $RTR_IN $RTR_OUT1 $RTR_OUT2
flow ff0e::1:1 $SRC6
expect eq "merged IPv6 route to r1" "$FLOW1" $N
expect eq "merged IPv6 route to r2" "$FLOW2" $N
has_row "show routes: IPv6 (S,G) rule" "(S,G) Rules" \
    "(fc00::1, ff0e::1:1) r0 r1 r2" show routes

ctl_ok "add (S,G) without OIFs (a stop filter)" add $RTR_IN $SRC4 225.1.1.5
check "kernel: stop filter for it" mfc_stop $SRC4 225.1.1.5 $RTR_IN
ctl_ok "add with 32 OIFs (the maximum)" add $RTR_IN $SRC4 225.1.1.6 \
    "${R1X32[@]}"
check "kernel: 32 x r1 is r1" mfc_is $SRC4 225.1.1.6 $RTR_IN $RTR_OUT1
ctl_ok "add with a wildcard OIF r+" add $RTR_IN $SRC4 225.1.1.7 'r+'
check "kernel: r+ is r1 r2, not the inbound r0" \
    mfc_is $SRC4 225.1.1.7 $RTR_IN $RTR_OUT1 $RTR_OUT2

say "add templates"
ctl_ok "add IPv4 (*,G)" add $RTR_IN 225.2.2.2 $RTR_OUT1
check_not "no kernel entry before traffic" mfc_has $SRC4 225.2.2.2
has_row "show routes: (*,G) template" "(*,G) Template Rules" \
    "(*, 225.2.2.2) r0 r1" show routes
flow_check "IPv4 (*,G)" learn 225.2.2.2 $SRC4
check "kernel: (*,G) flow learned r0 -> r1" mfc_is $SRC4 225.2.2.2 $RTR_IN $RTR_OUT1
ctl_ok "add IPv4 (*,G/24)" add $RTR_IN 225.3.3.0/24 $RTR_OUT2
flow 225.3.3.3 $SRC4 $N prime
expect ge "IPv4 (*,G/24) flow to r2" "$FLOW2" $((N - 1))
expect eq "IPv4 (*,G/24) flow not to r1" "$FLOW1" 0
check "kernel: (*,G/24) flow learned r0 -> r2" \
    mfc_is $SRC4 225.3.3.3 $RTR_IN $RTR_OUT2
ctl_ok "add IPv6 (*,G)" add $RTR_IN ff0e::2:2 $RTR_OUT1
flow_check "IPv6 (*,G)" learn ff0e::2:2 $SRC6
check "kernel: IPv6 (*,G) flow learned" mfc_is $SRC6 ff0e::2:2 $RTR_IN $RTR_OUT1
ctl_ok "add IPv6 (*,G/112)" add $RTR_IN ff0e::3:0/112 $RTR_OUT2
flow ff0e::3:3 $SRC6 $N prime
expect ge "IPv6 (*,G/112) flow to r2" "$FLOW2" $((N - 1))
expect eq "IPv6 (*,G/112) flow not to r1" "$FLOW1" 0
has_row "show routes: IPv6 (*,G/112) template" "(*,G) Template Rules" \
    "(*, ff0e::3:0/112) r0 r2" show routes
ctl_ok "add (S/25,G)" add $RTR_IN 10.0.0.0/25 225.4.4.4 $RTR_OUT1
flow_check "(S/25,G) source inside" learn 225.4.4.4 $SRC4
flow_check "(S/25,G) source outside" none 225.4.4.4 $SRC4C
check "kernel: stop filter for the source outside" \
    mfc_stop $SRC4C 225.4.4.4 $RTR_IN
ctl_ok "add (*,G/24) except one source" \
    add $RTR_IN except $SRC4B 225.5.5.0/24 $RTR_OUT1
flow_check "except: other source forwarded" learn 225.5.5.5 $SRC4
flow_check "except: excepted source not forwarded" none 225.5.5.5 $SRC4B
has_row "show routes: EXCEPT column" "(*,G) Template Rules" \
    "(*, 225.5.5.0/24) r0 r1 10.0.0.2" show routes

# --------------------------------------------------------------- remove

say "remove"
ctl_ok "remove r1 from the IPv4 (S,G)" remove $RTR_IN $SRC4 225.1.1.1 $RTR_OUT1
check "kernel: IPv4 (S,G) r0 -> r2 only" \
    mfc_is $SRC4 225.1.1.1 $RTR_IN $RTR_OUT2
flow 225.1.1.1 $SRC4
expect eq "after remove r1: nothing to r1" "$FLOW1" 0
expect eq "after remove r1: all to r2" "$FLOW2" $N
ctl_err "remove an OIF the route does not have" "not an outbound interface" \
    remove $RTR_IN $SRC4 225.1.1.1 $RTR_OUT1
check "kernel: IPv4 (S,G) unchanged by the failed remove" \
    mfc_is $SRC4 225.1.1.1 $RTR_IN $RTR_OUT2
ctl_ok "rem (abbreviation) the last OIF" rem $RTR_IN $SRC4 225.1.1.1 $RTR_OUT2
check "kernel: stop filter left" mfc_stop $SRC4 225.1.1.1 $RTR_IN
flow 225.1.1.1 $SRC4
expect eq "stop filter: nothing to r1" "$FLOW1" 0
expect eq "stop filter: nothing to r2" "$FLOW2" 0
has_row "show routes: the rule is still there, without OIFs" "(S,G) Rules" \
    "(10.0.0.1, 225.1.1.1) r0" show routes
ctl_ok "remove the whole IPv4 (S,G)" remove $RTR_IN $SRC4 225.1.1.1
check_not "kernel: IPv4 (S,G) gone" mfc_has $SRC4 225.1.1.1
no_row "show routes: IPv4 (S,G) rule gone" "(S,G) Rules" \
    "(10.0.0.1, 225.1.1.1) r0" show routes
ctl_err "remove of a route that does not exist" "no route" \
    remove $RTR_IN $SRC4 225.1.1.1
ctl_err "remove of a route that never existed, with an OIF" "no route" \
    remove $RTR_IN $SRC4 225.1.9.9 $RTR_OUT1

ctl_ok "remove r2 from the IPv6 (S,G)" remove $RTR_IN $SRC6 ff0e::1:1 $RTR_OUT2
check "kernel: IPv6 (S,G) r0 -> r1 only" mfc_is $SRC6 ff0e::1:1 $RTR_IN $RTR_OUT1
ctl_ok "remove the last OIF of the IPv6 (S,G)" \
    remove $RTR_IN $SRC6 ff0e::1:1 $RTR_OUT1
check "kernel: IPv6 stop filter left" mfc_stop $SRC6 ff0e::1:1 $RTR_IN
flow ff0e::1:1 $SRC6
expect eq "IPv6 stop filter: nothing to r1" "$FLOW1" 0
expect eq "IPv6 stop filter: nothing to r2" "$FLOW2" 0
ctl_ok "del (abbreviation d) the whole IPv6 (S,G)" d $RTR_IN $SRC6 ff0e::1:1
check_not "kernel: IPv6 (S,G) gone" mfc_has $SRC6 ff0e::1:1
ctl_err "remove of an IPv6 route that does not exist" "no route" \
    del $RTR_IN $SRC6 ff0e::1:1

ctl_ok "remove the OIF of the IPv4 (*,G/24)" \
    remove $RTR_IN 225.3.3.0/24 $RTR_OUT2
flow_check "(*,G/24) without OIFs" none 225.3.3.3 $SRC4
ctl_ok "remove the IPv4 (*,G/24)" remove $RTR_IN 225.3.3.0/24
ctl_ok "remove the IPv4 (*,G)" remove $RTR_IN 225.2.2.2
flow_check "(*,G) removed" none 225.2.2.2 $SRC4
ctl_ok "remove the IPv6 (*,G)" remove $RTR_IN ff0e::2:2
flow_check "IPv6 (*,G) removed" none ff0e::2:2 $SRC6
ctl_err "remove of a template that does not exist" "no route" \
    remove $RTR_IN 225.2.2.2
ctl_err "remove with an except list" "except" \
    remove $RTR_IN except $SRC4B 225.5.5.0/24
no_row "show routes: removed templates gone" "(*,G) Template Rules" \
    "(*, 225.2.2.2) r0 r1" show routes

# ---------------------------------------------------------- join, leave

say "join and leave"
ctl_ok "join IPv4 ASM" join $RTR_OUT1 225.7.7.7
check "kernel: 225.7.7.7 joined on r1" igmp_has $RTR_OUT1 225.7.7.7
ctl_err "join it again" "already joined" join $RTR_OUT1 225.7.7.7
ctl_ok "join IPv4 SSM" join $RTR_OUT1 $SRC4 232.7.7.7
check "kernel: 232.7.7.7 joined on r1" igmp_has $RTR_OUT1 232.7.7.7
check "kernel: source filter 10.0.0.1 for 232.7.7.7" \
    mcfilter_has $RTR_OUT1 $SRC4 232.7.7.7
ctl_err "join the SSM group again" "already joined" join $RTR_OUT1 $SRC4 232.7.7.7
ctl_ok "join IPv6 ASM" join $RTR_OUT1 ff0e::7:7
check "kernel: ff0e::7:7 joined on r1" igmp6_has $RTR_OUT1 ff0e::7:7
ctl_ok "join IPv6 SSM" join $RTR_OUT1 $SRC6 ff3e::7:7
check "kernel: ff3e::7:7 joined on r1" igmp6_has $RTR_OUT1 ff3e::7:7
check "kernel: source filter fc00::1 for ff3e::7:7" \
    mcfilter6_has $RTR_OUT1 $SRC6 ff3e::7:7
ctl_err "join the IPv6 SSM group again" "already joined" \
    join $RTR_OUT1 $SRC6 ff3e::7:7
ctl_ok "join a /30 prefix" join $RTR_OUT2 225.7.8.0/30
for i in 0 1 2 3; do
	check "kernel: 225.7.8.$i joined on r2" igmp_has $RTR_OUT2 225.7.8.$i
done
check_not "kernel: 225.7.8.4 not joined" igmp_has $RTR_OUT2 225.7.8.4
has_row "show groups: IPv4 ASM" "Group Memberships Table" \
    "(*, 225.7.7.7) r1" show groups
check "show groups: IPv4 SSM" _has_row "Group Memberships Table" \
    "(10.0.0.1, 232.7.7.7) r1"
check "show groups: IPv6 ASM" _has_row "Group Memberships Table" \
    "(*, ff0e::7:7) r1"
check "show groups: IPv6 SSM" _has_row "Group Memberships Table" \
    "(fc00::1, ff3e::7:7) r1"
has_row "show groups -d: one membership of the prefix" \
    "Kernel Group Membership Table" "(*, 225.7.8.2) r2" -d show groups

ctl_ok "leave IPv4 ASM" leave $RTR_OUT1 225.7.7.7
check_not "kernel: 225.7.7.7 left" igmp_has $RTR_OUT1 225.7.7.7
ctl_err "leave it again" "no group" leave $RTR_OUT1 225.7.7.7
ctl_err "leave a group never joined" "no group" leave $RTR_OUT1 225.7.7.99
ctl_ok "leave IPv4 SSM" leave $RTR_OUT1 $SRC4 232.7.7.7
check_not "kernel: 232.7.7.7 left" igmp_has $RTR_OUT1 232.7.7.7
check_not "kernel: its source filter gone" mcfilter_has $RTR_OUT1 $SRC4 232.7.7.7
ctl_err "leave IPv4 SSM again" "no group" leave $RTR_OUT1 $SRC4 232.7.7.7
ctl_ok "leave IPv6 ASM" leave $RTR_OUT1 ff0e::7:7
check_not "kernel: ff0e::7:7 left" igmp6_has $RTR_OUT1 ff0e::7:7
ctl_ok "leave IPv6 SSM" leave $RTR_OUT1 $SRC6 ff3e::7:7
check_not "kernel: ff3e::7:7 left" igmp6_has $RTR_OUT1 ff3e::7:7
check_not "kernel: its source filter gone" mcfilter6_has $RTR_OUT1 $SRC6 ff3e::7:7
ctl_err "leave IPv6 SSM again" "no group" leave $RTR_OUT1 $SRC6 ff3e::7:7
ctl_ok "leave the /30 prefix" leave $RTR_OUT2 225.7.8.0/30
for i in 0 1 2 3; do
	check_not "kernel: 225.7.8.$i left" igmp_has $RTR_OUT2 225.7.8.$i
done

# --------------------------------------------------------------- errors

say "errors"
ctl -p show routes
cp "$WORK/ctl.out" "$WORK/before-errors.txt"
ctl_err "add: unknown inbound interface" "unknown interface nosuch" \
    add nosuch $SRC4 225.6.6.6 $RTR_OUT1
# An unknown outbound interface is skipped, as SMCRoute skips it.
ctl_ok "add: unknown outbound interface skipped" \
    add $RTR_IN $SRC4 225.6.6.6 $RTR_OUT1 nosuch
check "add: installed with the known one" \
    mfc_is $SRC4 225.6.6.6 $RTR_IN $RTR_OUT1
ctl_ok "remove it again" remove $RTR_IN $SRC4 225.6.6.6
ctl_err "remove: unknown interface" "unknown interface nosuch" \
    remove nosuch $SRC4 225.9.9.9
ctl_err "join: unknown interface" "unknown interface nosuch" \
    join nosuch 225.6.6.6
ctl_err "leave: unknown interface" "unknown interface nosuch" \
    leave nosuch 225.6.6.6
for p in 225.6.6.0/33 225.6.6.0/-1 225.6.6.0/abc 225.6.6.0/ 225.6.6.0/3x; do
	ctl_err "add: group $p" "prefix length" add $RTR_IN $p $RTR_OUT1
done
ctl_err "add: IPv6 group /129" "prefix length" add $RTR_IN ff0e::/129 $RTR_OUT1
ctl_err "add: IPv6 group /-1" "prefix length" add $RTR_IN ff0e::/-1 $RTR_OUT1
ctl_err "add: source /33" "prefix length" \
    add $RTR_IN 10.0.0.0/33 225.6.6.6 $RTR_OUT1
ctl_err "add: IPv6 source /129" "prefix length" \
    add $RTR_IN fc00::/129 ff0e::6 $RTR_OUT1
ctl_err "remove: group /33" "prefix length" remove $RTR_IN 225.6.6.0/33
ctl_err "join: group /33" "prefix length" join $RTR_OUT1 225.6.6.0/33
ctl_err "join: IPv6 group /129" "prefix length" join $RTR_OUT1 ff0e::/129
ctl_err "leave: group /abc" "prefix length" leave $RTR_OUT1 225.6.6.0/abc
ctl_err "add: 33 OIFs" "[Tt]oo many outbound interfaces" \
    add $RTR_IN $SRC4 225.6.6.6 "${R1X32[@]}" $RTR_OUT1
ctl_err "add: 33 OIFs, template" "[Tt]oo many outbound interfaces" \
    add $RTR_IN 225.6.6.0/24 "${R1X32[@]}" $RTR_OUT1
ctl_err "add: not a group" "group|multicast" add $RTR_IN $SRC4 10.1.1.1 $RTR_OUT1
ctl_err "add: mixed families" "famil" add $RTR_IN $SRC6 225.6.6.6 $RTR_OUT1
ctl_err "join: a prefix too large" "max" join $RTR_OUT1 225.0.0.0/8
ctl_err "join: an extra argument" "unexpected argument" \
    join $RTR_OUT1 225.6.6.6 extra
ctl_err "unknown command" "Unknown command: frobnicate" frobnicate
ctl_err "show: unknown subject" "Unknown argument to show" show everything
ctl_err "add: not enough arguments" "Not enough arguments to command add" \
    add $RTR_IN
check "add: not enough arguments prints the help of add" \
    grep -q "Usage:" "$WORK/ctl.out"
ctl_err "join: not enough arguments" "Not enough arguments to command join" \
    join $RTR_OUT1
ctl_err "version: too many arguments" "Too many arguments" version 1
ctl_err "show: too many arguments" "Too many arguments" show routes groups
ctl_err "help: unknown command" "Unknown command: nosuch" help nosuch
ctl -X show
expect eq "unknown option: exit 1" "$CTL_RC" 1
check "unknown option: usage printed" grep -q "^Usage:" "$WORK/ctl.out"
ctl -b show
expect eq "-b with a command on the line: exit 1" "$CTL_RC" 1
check "-b with a command: message" grep -q "stdin" "$WORK/ctl.err"
ctl -p show routes
check "show routes unchanged by the failed commands" \
    cmp -s "$WORK/ctl.out" "$WORK/before-errors.txt"
check_not "no route from the failed adds" mfc_has $SRC4 225.6.6.6
check_not "no membership from the failed joins" igmp_has $RTR_OUT1 225.6.6.6

# ----------------------------------------------- show and abbreviations

say "show"
ctl show routes
cp "$WORK/ctl.out" "$WORK/show-routes.txt"
check "show routes: not empty" test -s "$WORK/show-routes.txt"
for args in "" "show" "s" "s r" "sh ro" "show routes"; do
	# shellcheck disable=SC2086
	ctl $args
	check "'smcroutectl $args' is show routes" \
	    cmp -s "$WORK/ctl.out" "$WORK/show-routes.txt"
done
ctl_ok "join for show groups" join $RTR_OUT1 225.7.7.7
ctl show groups
cp "$WORK/ctl.out" "$WORK/show-groups.txt"
check "show groups: lists 225.7.7.7" grep -q "225.7.7.7" "$WORK/show-groups.txt"
for args in "s g" "show gr"; do
	# shellcheck disable=SC2086
	ctl $args
	check "'smcroutectl $args' is show groups" \
	    cmp -s "$WORK/ctl.out" "$WORK/show-groups.txt"
done
ctl show interfaces
cp "$WORK/ctl.out" "$WORK/show-ifs.txt"
ctl s i
check "'s i' is show interfaces" cmp -s "$WORK/ctl.out" "$WORK/show-ifs.txt"
vif=$(proc ip_mr_vif | awk -v n=$RTR_IN 'NR > 1 && $2 == n { print $1 }')
idx=$(ifindex $RTR $RTR_IN)
ctl -p s i
check "show interfaces: r0 with ifindex $idx and VIF $vif" \
    grep -Eq "^ *$idx +$RTR_IN +$vif +[0-9]+ " "$WORK/ctl.out"
check "show interfaces: lo without VIF" grep -Eq '^ *1 +lo +N/A ' "$WORK/ctl.out"
ctl show pending
check "show pending: a plain heading" \
    eval "head -n 1 '$WORK/ctl.out' | grep -qx 'PENDING ROUTES AND GROUPS'"
check "show pending: the route waiting for late0, as in smcroute.conf" \
    grep -qx "mroute  from late0 group 225.8.8.0/24 to $RTR_OUT1" "$WORK/ctl.out"
check "show pending: the group waiting for late0" \
    grep -qx "mgroup  from late0 group 225.8.8.8" "$WORK/ctl.out"
cp "$WORK/ctl.out" "$WORK/show-pending.txt"
ctl s p
check "'s p' is show pending" cmp -s "$WORK/ctl.out" "$WORK/show-pending.txt"
ctl_err "show igmp without proxy interfaces" "no IGMP.* proxy interfaces" s ig

# r is reload (not remove): the PID file's mtime is the acknowledgement.
for c in r reload restart re; do
	before=$(_mtime "$PIDFILE")
	sleep 0.02
	ctl_ok "'$c' succeeds" $c
	check "'$c' reloads (PID file touched)" \
	    wait_until 3 _reloaded "$before"
done
check "configured route still there after the reloads" \
    mfc_is $SRC4 225.9.9.9 $RTR_IN $RTR_OUT2

# ---------------------------------------------------------------- flush

say "flush"
ctl_ok "add a template for flush" add $RTR_IN 225.10.10.0/24 $RTR_OUT1
ctl_ok "add a (S,G) for flush" add $RTR_IN $SRC4 225.10.20.1 $RTR_OUT1
flow_check "template flow before flush" learn 225.10.10.10 $SRC4
flow_check "unrouted flow before flush" none 225.10.30.1 $SRC4
check "learned entry installed" mfc_is $SRC4 225.10.10.10 $RTR_IN $RTR_OUT1
check "stop filter installed" mfc_stop $SRC4 225.10.30.1 $RTR_IN
ctl_ok "flush" flush
check_not "flush: learned entry gone" mfc_has $SRC4 225.10.10.10
check_not "flush: stop filter gone" mfc_has $SRC4 225.10.30.1
no_row "flush: show routes has no learned entry" "Kernel MFC Table" \
    "(10.0.0.1, 225.10.10.10) r0 r1" show routes
check "flush: added (S,G) route kept" \
    mfc_is $SRC4 225.10.20.1 $RTR_IN $RTR_OUT1
check "flush: configured (S,G) route kept" \
    mfc_is $SRC4 225.9.9.9 $RTR_IN $RTR_OUT2
check "flush: the template is kept" _has_row "(*,G) Template Rules" \
    "(*, 225.10.10.0/24) r0 r1"
flow_check "template flow after flush" learn 225.10.10.10 $SRC4
check "learned again after flush" mfc_is $SRC4 225.10.10.10 $RTR_IN $RTR_OUT1
ctl_ok "f (abbreviation of flush)" f
check_not "f: learned entry gone" mfc_has $SRC4 225.10.10.10

# --------------------------------------------------------------- reload

say "reload"
cat >>"$CONF" <<EOF
mroute from $RTR_IN source $SRC6 group ff0e::9:9 to $RTR_OUT2
EOF
ctl_ok "reload" reload
check "reload: new IPv6 route installed" \
    mfc_is $SRC6 ff0e::9:9 $RTR_IN $RTR_OUT2
check_not "reload: runtime (S,G) route dropped" mfc_has $SRC4 225.10.20.1
cp "$CONF" "$WORK/good.conf"
echo "mroute from $RTR_IN group 225.1.1.1/99 to $RTR_OUT1" >>"$CONF"
ctl_err "reload of a bad file" "keeping the running configuration" reload
check "bad reload: routes kept" mfc_is $SRC6 ff0e::9:9 $RTR_IN $RTR_OUT2
check "bad reload: configured IPv4 route kept" \
    mfc_is $SRC4 225.9.9.9 $RTR_IN $RTR_OUT2
cp "$WORK/good.conf" "$CONF"
ctl_ok "reload of the good file again" reload

# ---------------------------------------------------------- help, version

say "help and version"
ctl_ok "help" help
check "help: usage" grep -q "^Usage:" "$WORK/ctl.out"
for c in help version flush kill reload restart show add remove del join leave; do
	check "help lists $c" grep -Eq "^  $c +[A-Z]" "$WORK/ctl.out"
done
for c in help version flush kill reload restart show add remove del join leave; do
	ctl_ok "help $c" help $c
	check "help $c: its usage" grep -q "smcroutectl $c" "$WORK/ctl.out"
done
ctl_ok "h (abbreviation of help)" h
check "h: usage" grep -q "^Usage:" "$WORK/ctl.out"
ctl_ok "-h" -h
check "-h: usage" grep -q "^Usage:" "$WORK/ctl.out"
ctl_ok "version" version
ver=$(cat "$WORK/ctl.out")
check "version: a version number" grep -Eq '^[0-9]+\.[0-9]+' "$WORK/ctl.out"
ctl_ok "-v" -v
expect seq "-v prints the same version" "$(cat "$WORK/ctl.out")" "$ver"

# ------------------------------------------------------- -i, -I and -u

say "socket selection"
if [ "$RUNDIR" = /run ]; then
	ctl -p show routes
	cp "$WORK/ctl.out" "$WORK/by-u.txt"
	ctl_sock -i $IDENT -p show routes
	expect eq "-i $IDENT: exit 0" "$CTL_RC" 0
	check "-i $IDENT: same output as -u" cmp -s "$WORK/ctl.out" "$WORK/by-u.txt"
	ctl_sock -I $IDENT -p show routes
	expect eq "-I $IDENT: exit 0" "$CTL_RC" 0
	check "-I $IDENT: same output" cmp -s "$WORK/ctl.out" "$WORK/by-u.txt"
	ctl_sock -i other show
	_ctl_err_check "-i other: no daemon there" \
	    "No socket /run/other\\.sock" "-i other show"
	check "-i other: hint about -i NAME" grep -q "another -i NAME" "$WORK/ctl.err"
	ctl_sock show
	_ctl_err_check "default name: no daemon" \
	    "No socket /run/smcroute\\.sock" "show"
	check "default name: hint about -i NAME" grep -q "another -i NAME" "$WORK/ctl.err"
else
	say "smcroutectl built with runstatedir $RUNDIR, not /run: -i not tested"
fi
ctl_sock -i other -u "$SOCK" show routes
expect eq "-u takes precedence over -i" "$CTL_RC" 0
ctl_sock -u "$WORK/nosuch.sock" show
_ctl_err_check "-u a missing socket" "No socket .*nosuch\\.sock" "-u nosuch.sock show"
check_not "-u: no hint about -i NAME" grep -q "another -i NAME" "$WORK/ctl.err"
ctl_sock -u "$(printf '/tmp/%0200d/%0200d.sock' 0 0)" show
_ctl_err_check "-u a path too long for a socket" "too long" "-u LONG show"

# ----------------------------------------------------------------- kill

say "kill"
ctl_ok "kill" kill
check "kill: the daemon exits" wait_until 5 _daemon_gone
daemon_stop
expect eq "kill: exit status 0" "$DAEMON_RC" 0
check_not "kill: socket removed" test -e "$SOCK"
expect eq "kill: no IPv4 MFC entries" "$(mfc_count)" 0
expect eq "kill: no IPv6 MFC entries" "$(mfc_count 6)" 0

# No daemon: a clear message and exit 1, at once.
NO_DAEMON=1
t0=$(date +%s%N)
ctl show
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
_ctl_err_check "no daemon: show" "Daemon not running\\? No socket" "show"
expect lt "no daemon: answered within 2 s (ms)" "$ms" 2000
ctl add $RTR_IN $SRC4 225.1.1.1 $RTR_OUT1
_ctl_err_check "no daemon: add" "Daemon not running" "add"
nsx $RTR "$SMCROUTECTL" -u "$SOCK" -b <<<"show" >"$WORK/ctl.out" 2>"$WORK/ctl.err"
CTL_RC=$?
_ctl_err_check "no daemon: -b exits 1" "Daemon not running" "-b"
ctl_ok "no daemon: help works" help add
ctl_ok "no daemon: version works" version
expect seq "no daemon: same version" "$(cat "$WORK/ctl.out")" "$ver"

# A daemon that died: its socket is left, nobody listens.
daemon_start
check "daemon started again" test -S "$SOCK"
NO_DAEMON=
ctl_ok "show after the restart" show
daemon_stop KILL
NO_DAEMON=1
check "SIGKILL leaves the socket" test -S "$SOCK"
t0=$(date +%s%N)
ctl show
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
_ctl_err_check "dead daemon: show" "^smcroutectl: Daemon not running$" "show"
expect lt "dead daemon: answered within 2 s (ms)" "$ms" 2000

finish
