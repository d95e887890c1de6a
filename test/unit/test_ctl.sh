#!/bin/sh
# test_ctl.sh - smcroutectl against a fake daemon ("test_ipc serve")
#
# No namespaces: the fake daemon answers show with fixed tables
# rendered by render.c, echoes the words of other commands, and fails
# "add bad ...".  Checks output decoration, abbreviations, errors, exit
# codes, batch mode (and the daemon's idle timeout when its input
# pauses), connection errors, and the sockets smcroutectl refuses: a
# symbolic link; as root also a socket owned by another uid, and a
# daemon run by another uid behind a socket owned by root.

: "${top_builddir:=.}"
CTL=${SMCROUTECTL:-$top_builddir/src/smcroutectl}
SERVE=${TEST_IPC:-$top_builddir/test/unit/test_ipc}

for f in "$CTL" "$SERVE"; do
	[ -x "$f" ] || { echo "missing $f"; exit 99; }
done

dir=$(mktemp -d /tmp/test_ctl.XXXXXX) || exit 99
sock=$dir/s.sock
pid=
npid=
ipid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null
	[ -n "$npid" ] && kill "$npid" 2>/dev/null
	[ -n "$ipid" ] && kill "$ipid" 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT

fail=0
check() {	# name want-file got-file
	if ! cmp -s "$2" "$3"; then
		echo "FAIL: $1"
		diff -u "$2" "$3"
		fail=1
	fi
}

# expect NAME RC STDOUT STDERR -- ARGS...   (stdin from $input if set)
expect() {
	name=$1 want_rc=$2 want_out=$3 want_err=$4
	shift 5
	if [ -n "$input" ]; then
		printf '%b' "$input" | "$CTL" -u "$sock" "$@" >"$dir/out" 2>"$dir/err"
	else
		"$CTL" -u "$sock" "$@" >"$dir/out" 2>"$dir/err" </dev/null
	fi
	rc=$?
	if [ "$rc" != "$want_rc" ]; then
		echo "FAIL: $name: exit $rc, want $want_rc"
		cat "$dir/err"
		fail=1
	fi
	printf '%b' "$want_out" >"$dir/want_out"
	printf '%b' "$want_err" >"$dir/want_err"
	check "$name (stdout)" "$dir/want_out" "$dir/out"
	check "$name (stderr)" "$dir/want_err" "$dir/err"
}

wait_sock() {
	i=0
	while [ ! -S "$1" ] && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ -S "$1" ] || { echo "fake daemon did not start"; exit 99; }
}

start() {
	"$SERVE" serve "$sock" &
	pid=$!
	wait_sock "$sock"
}

start
input=

u=$(printf '_%.0s' $(seq 1 79))
e=$(printf '=%.0s' $(seq 1 79))
H='ROUTE (S,G)                                IIF  OIFS'
R1='(*, 225.3.3.3)                             a1   a2'
R2='(10.0.0.1, 225.3.3.3)                      a1   a2 a3'

expect "show -p" 0 "$u\n(*,G) Template Rules\n$e\n$H\n$e\n$R1\n$u\nKernel MFC Table\n$e\n$H\n$e\n$R2\n" "" -- -p show
expect "show, not a tty" 0 "$u\n(*,G) Template Rules\n$e\n$H\n$e\n$R1\n$u\nKernel MFC Table\n$e\n$H\n$e\n$R2\n" "" -- show
expect "no command" 0 "$u\n(*,G) Template Rules\n$e\n$H\n$e\n$R1\n$u\nKernel MFC Table\n$e\n$H\n$e\n$R2\n" "" --
expect "show -t" 0 "$R1\n$R2\n" "" -- -t s r
expect "show -d -t" 0 "(*, 225.3.3.3)                             a1           0          0       0  a2\n(10.0.0.1, 225.3.3.3)                      a1          42       4200       0  a2 a3\n" "" -- -d -t show routes
expect "show -j" 0 '{"routes":{"asm":[{"source":null,"group":"225.3.3.3","iif":"a1","oifs":["a2"]}],"ssm":[],"kernel":[{"source":"10.0.0.1","group":"225.3.3.3","iif":"a1","oifs":["a2","a3"]}]}}\n' "" -- -j show
expect "s i" 0 "$e\n INDEX PHYINT  VIF  MIF TTL HLIM STATE FLAGS\n$e\n     1 lo      N/A  N/A   -    - up    UP LOOPBACK\n" "" -- s i
expect "s g, empty" 0 "" "" -- s g
expect "show g -j, empty" 0 '{"groups":{"conf":[]}}\n' "" -- -j show g
# A plain title ('~') is printed as it is, never framed; -t drops it.
P='mroute  from a1 group 225.1.2.3 to a2'
expect "show pending" 0 "PENDING ROUTES AND GROUPS\n$P\n" "" -- show pending
expect "show pending -p" 0 "PENDING ROUTES AND GROUPS\n$P\n" "" -- -p s p
expect "show pending -t" 0 "$P\n" "" -- -t s p
expect "show igmp" 1 "" "smcroutectl: show igmp: not supported\n" -- show ig
expect "show bogus" 1 "" "smcroutectl: Unknown argument to show: bogus\n" -- show bogus
expect "show too many" 1 "" "smcroutectl: Too many arguments to command show\n" -- show routes groups

# Abbreviations in SMCRoute's table order; the fake echoes the words.
expect "r is reload" 0 "" "" -- r
expect "rem is remove" 0 "a1 225.1.1.1\n" "" -- rem a1 225.1.1.1
expect "d is del" 0 "a1 225.1.1.1\n" "" -- d a1 225.1.1.1
expect "j is join" 0 "a1 10.0.0.1 225.1.1.1\n" "" -- j a1 10.0.0.1 225.1.1.1
expect "l is leave" 0 "a1 225.1.1.1\n" "" -- l a1 225.1.1.1
expect "a is add" 0 "a1 225.1.1.1 a2\n" "" -- a a1 225.1.1.1 a2
expect "v is version" 0 "$("$CTL" -v)\n" "" -- v

# Errors
expect "unknown command" 1 "" "smcroutectl: Unknown command: bogus\n" -- bogus show
expect "daemon error" 1 "" "smcroutectl: mroute: inbound bad is not a known phyint\n" -- add bad 225.1.1.1 a2
expect "join, too few" 1 "Help:\n  Join a multicast group on an interface\n\nUsage:\n  smcroutectl join IFNAME [SOURCE[/LEN]] GROUP[/LEN]\n\nExample:\n  smcroutectl join eth0 225.1.2.3\n" "smcroutectl: Not enough arguments to command join\n" -- join a1
expect "add, too few" 1 "$("$CTL" help add)\n" "smcroutectl: Not enough arguments to command add\n" -- add a1 225.1.1.1
oifs=$(seq -f 'o%g' 1 32 | tr '\n' ' ' | sed 's/ $//')
expect "add, 32 OIFs (S,G)" 0 "a1 10.0.0.1 225.1.1.1 $oifs\n" "" -- add a1 10.0.0.1 225.1.1.1 $oifs
expect "add, 32 OIFs (*,G)" 0 "a1 225.1.1.1 $oifs\n" "" -- add a1 225.1.1.1 $oifs
expect "add, 33 OIFs" 1 "" "smcroutectl: Too many outbound interfaces, at most 32\n" -- add a1 225.1.1.1 $oifs o33
expect "add, 33 OIFs (S,G)" 1 "" "smcroutectl: Too many outbound interfaces, at most 32\n" -- add a1 10.0.0.1 ff05::1 $oifs o33
expect "join, too many" 1 "" "smcroutectl: Too many arguments to command join\n" -- join a1 10.0.0.1 225.1.1.1 x
expect "empty argument" 1 "" "smcroutectl: argument 2 is empty\n" -- join a1 ""
expect "help add" 0 "Help:\n  Add a multicast route\n\nUsage:\n  smcroutectl add IIF [SOURCE[/LEN]] [except SRC[/LEN][,SRC...]] GROUP[/LEN] OIF [OIF ...]\n\nExample:\n  smcroutectl add eth0 192.168.2.42 225.1.2.3 eth1 eth2\n" "" -- help add
expect "help bogus" 1 "" "smcroutectl: Unknown command: bogus\n" -- help bogus

# Batch: any whitespace, comments, blank lines; failures counted, with
# line numbers; output in input order.
input='# comment\n\n  \t \nj\ta1   225.1.1.1\nnope\n  # more\nadd bad 225.1.1.1 a2\njoin a1\nshow -x\nleave a1 225.1.1.1  \n s   g \nversion\nlast a b'
expect "batch" 5 "a1 225.1.1.1\na1 225.1.1.1\n$("$CTL" -v)\n" "smcroutectl: line 5: Unknown command: nope\nsmcroutectl: line 7: mroute: inbound bad is not a known phyint\nsmcroutectl: line 8: Not enough arguments to command join\nsmcroutectl: line 9: Unknown argument to show: -x\nsmcroutectl: line 13: Unknown command: last\n" -- -b
input=
expect "batch with words" 1 "" "smcroutectl: With -b, commands are read from stdin, not the command line\n" -- -b show

# 10,000 lines, pipelined
seq 1 10000 | sed 's/.*/add  eth0\t10.0.&.1  225.1.1.1 eth1/' >"$dir/batch"
start_s=$(date +%s)
"$CTL" -u "$sock" -b <"$dir/batch" >"$dir/out" 2>"$dir/err"
rc=$? lines=$(wc -l <"$dir/out") took=$(( $(date +%s) - start_s ))
if [ $rc -ne 0 ] || [ "$lines" -ne 10000 ] || [ $took -gt 5 ]; then
	echo "FAIL: 10,000 line batch: exit $rc, $lines lines, $took s"
	fail=1
fi
seq 1 300 | sed 's/.*/bogus/' >"$dir/batch"
"$CTL" -u "$sock" -b <"$dir/batch" >/dev/null 2>&1
rc=$?
[ $rc -eq 255 ] || { echo "FAIL: 300 failures: exit $rc, want 255"; fail=1; }

# Sockets not to be trusted: smcroutectl says why and sends nothing.
ln -s "$sock" "$dir/link"
expect "symbolic link refused" 1 "" "smcroutectl: Refusing socket $dir/link: it is a symbolic link\n" -- -u "$dir/link" show
if [ "$(id -u)" -eq 0 ] && chown 65534 "$sock"; then
	expect "socket of another uid refused" 1 "" "smcroutectl: Refusing socket $sock: owned by uid 65534, neither root nor you\n" -- show
	chown 0 "$sock"
	expect "socket of root accepted" 0 "a1 225.1.1.1\n" "" -- join a1 225.1.1.1
	# A daemon of uid 65534 whose socket was given to root: the
	# path looks right, the peer's credentials do not.
	if command -v setpriv >/dev/null && setpriv --reuid=65534 \
	    --regid=65534 --clear-groups test -x "$SERVE"; then
		mkdir -m 0777 "$dir/nobody"
		chmod 0711 "$dir"
		nsock=$dir/nobody/s.sock
		setpriv --reuid=65534 --regid=65534 --clear-groups \
		    "$SERVE" serve "$nsock" &
		npid=$!
		wait_sock "$nsock"
		chown 0 "$nsock"
		expect "daemon of another uid refused" 1 "" "smcroutectl: Refusing daemon at $nsock: it runs as uid 65534, neither root nor you\n" -- -u "$nsock" show
		kill "$npid"
		wait "$npid" 2>/dev/null
		npid=
		chmod 0700 "$dir"
	else
		echo "test_ctl: setpriv missing or $SERVE not runnable by uid 65534: daemon-uid check skipped"
	fi
else
	echo "test_ctl: not root: the socket-owner checks are skipped"
fi

# A batch whose input pauses: kept while the pauses are shorter than the
# daemon's idle timeout (300 ms here); after a longer one the batch ends
# with the daemon's message, and the lines after it are never sent.
isock=$dir/idle.sock
"$SERVE" serve "$isock" 300 &
ipid=$!
wait_sock "$isock"
{ echo "join a1 225.1.1.1"; sleep 0.1; echo "join a2 225.1.1.1"; sleep 0.1
  echo "join a3 225.1.1.1"; } | "$CTL" -u "$isock" -b >"$dir/out" 2>"$dir/err"
rc=$?
printf 'a1 225.1.1.1\na2 225.1.1.1\na3 225.1.1.1\n' >"$dir/want_out"
[ $rc -eq 0 ] || { echo "FAIL: batch, short pauses: exit $rc"; fail=1; }
check "batch, short pauses (stdout)" "$dir/want_out" "$dir/out"
check "batch, short pauses (stderr)" /dev/null "$dir/err"
{ echo "join a1 225.1.1.1"; sleep 1; echo "join a2 225.1.1.1"; } 2>/dev/null |
	"$CTL" -u "$isock" -b >"$dir/out" 2>"$dir/err"
rc=$?
printf 'a1 225.1.1.1\n' >"$dir/want_out"
printf 'smcroutectl: Connection closed by daemon after 300 ms idle\n' >"$dir/want_err"
[ $rc -eq 1 ] || { echo "FAIL: batch, a long pause: exit $rc, want 1"; fail=1; }
check "batch, a long pause (stdout)" "$dir/want_out" "$dir/out"
check "batch, a long pause (stderr)" "$dir/want_err" "$dir/err"
kill "$ipid"
wait "$ipid" 2>/dev/null
ipid=

# kill ends the daemon: later lines of the batch fail
input='join a1 225.1.1.1\nkill\njoin a2 225.1.1.1\n'
expect "batch kill" 1 "a1 225.1.1.1\n" "smcroutectl: line 3: Connection closed by daemon\n" -- -b
input=
wait "$pid"
pid=

# Connection errors
expect "no daemon, -u" 1 "" "smcroutectl: Daemon not running? No socket $sock
smcroutectl: If it was started, its log says why it stopped: journalctl -t smcroute, syslog, or its stderr with -n\n" --
"$CTL" -i "nosuch.$$" show >"$dir/out" 2>"$dir/err"
rc=$?
[ $rc -eq 1 ] || { echo "FAIL: -i nosuch: exit $rc"; fail=1; }
grep -q "^smcroutectl: Daemon not running? No socket /.*/nosuch.$$.sock$" "$dir/err" &&
grep -q "^smcroutectl: The daemon may be running with another -i NAME$" "$dir/err" ||
	{ echo "FAIL: -i nosuch"; cat "$dir/err"; fail=1; }
python3 -c "import socket; socket.socket(socket.AF_UNIX).bind('$sock')" 2>/dev/null &&
	expect "stale socket" 1 "" "smcroutectl: Daemon not running
smcroutectl: If it was started, its log says why it stopped: journalctl -t smcroute, syslog, or its stderr with -n\n" -- show
rm -f "$sock"
long=$dir/$(printf 'x%.0s' $(seq 1 120))
"$CTL" -u "$long" show >/dev/null 2>"$dir/err"
[ $? -eq 1 ] && grep -q "Socket path too long" "$dir/err" ||
	{ echo "FAIL: long socket path"; fail=1; }
"$CTL" -x >"$dir/out" 2>/dev/null
[ $? -eq 1 ] && grep -q "^Usage:" "$dir/out" ||
	{ echo "FAIL: bad option"; fail=1; }
"$CTL" -h >"$dir/out"
[ $? -eq 0 ] && grep -q "^Usage:" "$dir/out" || { echo "FAIL: -h"; fail=1; }
expect "help, no daemon" 0 "$("$CTL" help add)\n" "" -- help add

[ $fail -eq 0 ] && echo "test_ctl: all passed"
exit $fail
