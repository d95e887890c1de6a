#!/bin/bash
# completion.sh - conf/smcroute.bash-completion, driven as bash drives it
#
# On the host, no root and no kernel support needed: the file is sourced
# with bash-completion, and its functions are called with COMP_WORDS,
# COMP_CWORD, COMP_LINE and COMP_POINT set for each command line; the
# candidates must be exactly the expected ones.  Interface names come
# from the fake daemon of test_ctl.sh ("test_ipc serve"), from
# /sys/class/net when no daemon answers, and within the timeout when the
# daemon is stopped.  The command and option lists are checked against
# the sources (msg.c, the getopt strings), and the built-in lists the file
# falls back to against the help text of the binaries.
#
# Exit codes follow automake: 0 pass, 1 fail, 77 skip (bash-completion
# missing; a failure under CI=true), 99 hard error.

: "${srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=.}"
top_builddir=$(cd "$top_builddir" && pwd)
CTL=$top_builddir/src/smcroutectl
D=$top_builddir/src/smcrouted
SERVE=$top_builddir/test/unit/test_ipc
FILE=$srcdir/conf/smcroute.bash-completion

for f in "$CTL" "$D" "$SERVE"; do
	[[ -x $f ]] || { echo "missing $f"; exit 99; }
done
[[ -f $FILE ]] || { echo "missing $FILE"; exit 99; }

BC=
for f in ${BASH_COMPLETION:-} /usr/share/bash-completion/bash_completion \
    /etc/bash_completion; do
	[[ -f $f ]] && { BC=$f; break; }
done
if [[ -z $BC ]]; then
	echo "SKIP: bash-completion is not installed" \
	    "(Debian: apt-get install bash-completion)"
	[[ ${CI:-} == true ]] && exit 1
	exit 77
fi

dir=$(mktemp -d "${TMPDIR:-/tmp}/completion.XXXXXX") || exit 99
sock=$dir/s.sock
pid=
cleanup() {
	if [[ -n $pid ]]; then
		kill -CONT "$pid" 2>/dev/null
		kill "$pid" 2>/dev/null
	fi
	rm -rf "$dir"
}
trap cleanup EXIT

# bash-completion expects an interactive-looking shell; it is only
# sourced here, never bound to a terminal.
# shellcheck disable=SC1090
source "$BC" || { echo "cannot source $BC"; exit 99; }
# shellcheck disable=SC1090
source "$FILE" || { echo "cannot source $FILE"; exit 99; }

fail=0
npass=0

# comp LINE: the sorted candidates, one line, for the cursor at the end
# of LINE; the first word selects the function as "complete -p" does.
# Words are split as readline splits them with the default
# COMP_WORDBREAKS: at blanks, and a run of ':' or '=' is a word of its
# own ("root:ro" is root, :, ro), which _init_completion -n : joins.
comp() {
	local line=$1 fn spec t
	local -a w tok

	read -r -a tok <<<"$line"
	w=()
	for t in "${tok[@]}"; do
		while [[ $t =~ ^([^:=]*)([:=]+)(.*)$ ]]; do
			[[ -n ${BASH_REMATCH[1]} ]] && w+=("${BASH_REMATCH[1]}")
			w+=("${BASH_REMATCH[2]}")
			t=${BASH_REMATCH[3]}
		done
		[[ -n $t ]] && w+=("$t")
	done
	[[ $line == *[' :='] || ${#w[@]} -eq 0 ]] && w+=("")
	COMP_LINE=$line
	COMP_POINT=${#line}
	COMP_WORDS=("${w[@]}")
	COMP_CWORD=$((${#w[@]} - 1))
	COMP_TYPE=9
	COMP_KEY=9
	COMPREPLY=()
	spec=$(complete -p "${w[0]##*/}" 2>/dev/null)
	fn=$(sed -n 's/.*-F \([^ ]*\) .*/\1/p' <<<"$spec")
	[[ -n $fn ]] || { echo "NO-COMPLETION"; return; }
	"$fn" "${w[0]}" "${w[COMP_CWORD]}" "${w[COMP_CWORD - 1]}"
	printf '%s\n' "${COMPREPLY[@]}" | sed '/^$/d' | sort -u |
	    tr '\n' ' ' | sed 's/ $//'
	echo
}

# want WHY LINE EXPECTED...: the candidates for LINE are exactly these.
want() {
	local why=$1 line=$2 got exp
	shift 2

	exp=$(printf '%s\n' "$@" | sed '/^$/d' | sort -u | tr '\n' ' ' |
	    sed 's/ $//')
	got=$(comp "$line")
	if [[ $got == "$exp" ]]; then
		npass=$((npass + 1))
	else
		echo "FAIL: $why"
		echo "  line:  '$line'"
		echo "  want:  '$exp'"
		echo "  got:   '$got'"
		fail=1
	fi
}

same() {	# WHY A B: two word lists hold the same words
	local a b
	a=$(printf '%s\n' $2 | sort -u | tr '\n' ' ')
	b=$(printf '%s\n' $3 | sort -u | tr '\n' ' ')
	if [[ $a == "$b" ]]; then
		npass=$((npass + 1))
	else
		echo "FAIL: $1"
		echo "  '$a'"
		echo "  '$b'"
		fail=1
	fi
}

# What the sources define, read independently of the completion file.
src_cmds=$(sed -n '/^const struct msg_cmdinfo msg_cmds\[\]/,/^};/p' \
    "$srcdir/src/msg.c" | sed -n 's/^	{ "\([a-z]*\)",.*/\1/p')
src_subj=$(sed -n 's/^	\[MSG_SHOW_[A-Z]*\][	 ]*= "\([a-z]*\)",/\1/p' \
    "$srcdir/src/msg.c")
getopt_flags() {	# FILE: the options of its getopt string, but -I
	sed -n 's/.*getopt(argc, argv, "\([^"]*\)").*/\1/p' "$1" |
	    tr -d ':I' | sed 's/./-& /g'
}
src_ctl_opts=$(getopt_flags "$srcdir/src/smcroutectl.c")
src_d_opts=$(getopt_flags "$srcdir/src/smcrouted.c")
src_d_long=$(sed -n 's/^[	 ]*{ "\([a-z-]*\)", [a-z_]*_argument,.*/--\1/p' \
    "$srcdir/src/smcrouted.c")
[[ -n $src_cmds && -n $src_subj && -n $src_ctl_opts && -n $src_d_opts ]] ||
    { echo "cannot read the command and option lists from the sources"; exit 99; }
echo "sources: commands: $(echo $src_cmds); show: $(echo $src_subj)"
echo "sources: smcroutectl $(echo $src_ctl_opts); smcrouted $(echo $src_d_opts) $(echo $src_d_long)"

# Identities, in a private /run (the caller made a mount namespace):
# NAME.sock and NAME.pid of a running daemon make NAME; a socket without
# a PID file, a PID file without a socket, another program's files do
# not.
if [[ ${1:-} == --private-run ]]; then
	mount --make-rprivate / && mount -t tmpfs completion /run ||
	    { echo "cannot mount a private /run"; exit 99; }
	"$SERVE" serve /run/alpha.sock & p1=$!
	"$SERVE" serve /run/beta.sock & p2=$!
	for ((i = 0; i < 50; i++)); do
		[[ -S /run/alpha.sock && -S /run/beta.sock ]] && break
		sleep 0.1
	done
	echo $p1 >/run/alpha.pid
	echo 1 >/run/gamma.pid
	: >/run/delta.sock
	echo 1 >/run/delta.pid
	want "smcroutectl -i: running daemons (socket and PID file)" \
	    "$CTL -i " alpha
	want "smcroutectl -I: the same" "$CTL -j -I al" alpha
	echo $p2 >/run/beta.pid
	want "smcroutectl -i: a second daemon" "$CTL -i " alpha beta
	want "smcrouted -i: running identities, and no other .conf" \
	    "$D -n -i " alpha beta \
	    $(grep -l -E '^[[:space:]]*(phyint|mroute|mgroup|ssmgroup)[[:space:]]' \
	    /etc/*.conf /usr/local/etc/*.conf 2>/dev/null |
	    sed 's|.*/||; s|\.conf$||')
	kill $p1 $p2
	echo "private /run: $npass checks passed"
	exit $fail
fi

# Both names complete: bash-completion loads the file for either.
for n in smcroutectl smcrouted; do
	if complete -p "$n" >/dev/null 2>&1; then
		npass=$((npass + 1))
	else
		echo "FAIL: no completion registered for $n"
		fail=1
	fi
done

# Installed as "make install" does (smcroutectl, smcrouted a link to
# it), bash-completion's loader finds both names in a fresh shell.
mkdir -p "$dir/bc/completions"
ln -s "$FILE" "$dir/bc/completions/smcroutectl"
ln -s smcroutectl "$dir/bc/completions/smcrouted"
for n in smcrouted smcroutectl; do
	got=$(BASH_COMPLETION_USER_DIR=$dir/bc bash -c '
	    source "$1" && __load_completion "$2" &&
	    complete -p smcroutectl smcrouted' _ "$BC" "$n" 2>&1 |
	    sed -n 's/.*-F \([^ ]*\) \(.*\)/\1 \2/p' | tr '\n' ' ')
	if [[ $got == "_smcroutectl smcroutectl _smcrouted smcrouted " ]]; then
		npass=$((npass + 1))
	else
		echo "FAIL: loading the completion for $n from" \
		    "completions/$n: got '$got'"
		fail=1
	fi
done

## smcroutectl: commands, subjects, options
want "every command of msg.c, in the first position" "$CTL " $src_cmds
want "'sh' completes to show" "$CTL sh" show
want "'re' is reload, remove, restart" "$CTL re" reload remove restart
want "the commands after options" "$CTL -j -d k" kill
want "every show subject of msg.c" "$CTL show " $src_subj
want "show subjects by prefix" "$CTL show i" igmp interfaces
want "an abbreviated command takes its arguments ('s' is show)" \
    "$CTL -p s " $src_subj
want "show takes one subject" "$CTL show routes " ""
want "help names the commands" "$CTL help " $src_cmds
want "help by prefix" "$CTL help j" join
want "version takes nothing" "$CTL version " ""
want "every option of smcroutectl's getopt (-I is -i)" "$CTL -" \
    $src_ctl_opts
want "-b reads commands from stdin: options only" "$CTL -b " \
    $src_ctl_opts
want "-u completes files" "$CTL -u $dir/s" ""
touch "$dir/sock-a" "$dir/sock-b"
want "-u completes files" "$CTL -u $dir/sock-" "$dir/sock-a" "$dir/sock-b"
rm -f "$dir/sock-a" "$dir/sock-b"
want "options are not offered after the command" "$CTL show -" ""
want "show subjects, case as written" "$CTL show R" ""

## The same with the built-in lists: the binary cannot be run.
nobin=$dir/bin/smcroutectl
want "built-in commands are msg.c's" "$nobin " $src_cmds
want "built-in show subjects are msg.c's" "$nobin show " $src_subj
want "built-in options are smcroutectl's" "$nobin -" $src_ctl_opts

## Interfaces, sources and groups from the daemon
sysnet=$(ls -1 /sys/class/net 2>/dev/null)
"$SERVE" serve "$sock" &
pid=$!
for ((i = 0; i < 50; i++)); do
	[[ -S $sock ]] && break
	sleep 0.1
done
[[ -S $sock ]] || { echo "fake daemon did not start"; exit 99; }
# The fake daemon has one interface, lo; the host more (or else the
# fallback cannot be told from it, said below).
daemon_if=$("$CTL" -u "$sock" -t show interfaces | awk '{ print $2 }')
[[ $daemon_if == lo ]] || { echo "fake daemon: interfaces '$daemon_if'"; exit 99; }
[[ $(echo $sysnet) == lo ]] &&
    echo "note: /sys/class/net holds only lo: daemon and fallback look alike"

want "add: inbound interface from the daemon" "$CTL -u $sock add " lo
want "the -u of the line reaches the daemon (after -j)" \
    "$CTL -j -u $sock join l" lo
want "del: inbound interface from the daemon" "$CTL -u $sock del " lo
want "add: after a group come outbound interfaces" \
    "$CTL -u $sock add lo 225.1.1.1 " lo
want "add: after source and group come outbound interfaces" \
    "$CTL -u $sock add lo 10.0.0.1 225.1.1.1 lo " lo
want "add: IPv6 group, then outbound interfaces" \
    "$CTL -u $sock add lo fc00::1 ff0e::1 " lo
want "add: after a prefix group come outbound interfaces" \
    "$CTL -u $sock add lo 225.1.1.0/24 " lo
want "add: no guess at a source or group" "$CTL -u $sock add lo " ""
want "add: 'except' may follow a source" "$CTL -u $sock add lo 10.0.0.1 ex" \
    except
want "add: no 'except' after a group" "$CTL -u $sock add lo 225.1.1.1 ex" ""
want "add: nothing offered for the except list" \
    "$CTL -u $sock add lo 10.0.0.1 except " ""
want "join: nothing after the interface (no guess at a group)" \
    "$CTL -u $sock join lo " ""
want "join: nothing after the group" "$CTL -u $sock join lo 225.1.1.1 " ""
# The fake's rules from a1: (*, 225.3.3.3) in asm; its kernel table
# has (10.0.0.1, 225.3.3.3) from a1, which is not a rule.
want "remove: the daemon's rules from that interface, not kernel entries" \
    "$CTL -u $sock remove a1 " 225.3.3.3
want "remove: none from another interface" "$CTL -u $sock remove lo " ""
want "remove: after the group, outbound interfaces" \
    "$CTL -u $sock remove a1 225.3.3.3 " lo
want "leave: the fake has no joined group" "$CTL -u $sock leave lo " ""

## No daemon: /sys/class/net, at once
t0=$(date +%s%N)
want "add: no daemon: /sys/class/net" "$CTL -u $dir/none.sock add " $sysnet
t1=$(date +%s%N)
absent_ms=$(((t1 - t0) / 1000000))
echo "no daemon: $absent_ms ms"
want "remove: no daemon: nothing for the group" \
    "$CTL -u $dir/none.sock remove eth0 " ""

## A stopped daemon: the connection opens, no answer comes
kill -STOP "$pid"
t0=$(date +%s%N)
want "stopped daemon: /sys/class/net after the timeout" \
    "$CTL -u $sock add " $sysnet
t1=$(date +%s%N)
kill -CONT "$pid"
ms=$(((t1 - t0) / 1000000))
echo "stopped daemon: $ms ms"
# The same work but for the one-second timeout: the absent daemon was
# not waited for, and the stopped one no longer than the timeout (the
# host's fork time is the rest, so the bounds are relative).
if ((ms - absent_ms >= 700 && ms - absent_ms < 3000)); then
	npass=$((npass + 1))
else
	echo "FAIL: stopped daemon took $ms ms, absent $absent_ms ms:" \
	    "want the 1 s timeout between them"
	fail=1
fi

## smcrouted
want "every option of smcrouted's getopt (-I is -i)" "$D -" $src_d_opts
want "built-in options are smcrouted's" "$dir/bin/smcrouted -" $src_d_opts
want "every long option of smcrouted" "$D --" $src_d_long
want "built-in long options are smcrouted's" "$dir/bin/smcrouted --" \
    $src_d_long
want "--metrics takes a port: not guessed" "$D --metrics " ""
want "-l: the log levels" "$D -l " none emerg alert crit err warning \
    notice info debug
want "-l by prefix" "$D -n -l d" debug
want "numbers are not guessed (-t)" "$D -t " ""
want "numbers are not guessed (-m)" "$D -m " ""
mkdir "$dir/cf"
touch "$dir/cf/a.conf" "$dir/cf/b.conf"
want "-f completes files" "$D -f $dir/cf/" "$dir/cf/a.conf" "$dir/cf/b.conf"
want "-F completes files" "$D -n -F $dir/cf/a" "$dir/cf/a.conf"
want "-p completes users" "$D -p roo" root
# Readline replaces only what follows the ':', so the group comes alone.
want "-p USER:GROUP completes groups" "$D -p root:roo" root
want "no words but options" "$D " ""
want "diagnose takes a file" "$CTL diagnose $dir/cf/b" "$dir/cf/b.conf"
want "IPv6 source and group stay whole: outbound interfaces follow" \
    "$CTL -u $sock add lo fc00::1 ff0e::1 " lo

if [[ $(id -u) == 0 ]] && command -v unshare >/dev/null; then
	unshare -m "$BASH" "$0" --private-run || fail=1
else
	echo "note: not root: identities in /run not checked"
fi

echo "$npass checks passed"
if ((fail)); then
	exit 1
fi
exit 0
