#!/bin/bash
# smcrouted's command line: -h, -v, bad options and arguments (64), not
# root (77), -d startup delay (no PID file or socket during it), a
# missing conf file is not fatal, a second instance exits 69, -P and -u
# paths.
. "$(dirname "$0")/lib.sh"

need_mroute4
need_daemon
ns_add $RTR

smcrouted_run -h
expect eq "-h: exit 0" $RUN_RC 0
check "-h: usage on stdout" grep -qi usage "$WORK/run.out"

smcrouted_run -v
expect eq "-v: exit 0" $RUN_RC 0
check "-v: a version on stdout" grep -q '[0-9]\.[0-9]' "$WORK/run.out"

for args in "-X" "-t -1" "-c"; do
	# shellcheck disable=SC2086
	smcrouted_run -n -f /dev/null -u "$SOCK" -P "$PIDFILE" $args
	expect eq "smcrouted $args: exit 64" $RUN_RC 64
	check_not "smcrouted $args: did not start" test -e "$PIDFILE"
done

# Not root.  The binary must be reachable by nobody for this to mean
# anything.
if command -v setpriv >/dev/null &&
    setpriv --reuid=65534 --regid=65534 --clear-groups test -x "$SMCROUTED" 2>/dev/null; then
	setpriv --reuid=65534 --regid=65534 --clear-groups \
	    "$SMCROUTED" -n -f /dev/null -u "$WORK/nobody.sock" \
	    -P "$WORK/nobody.pid" >"$WORK/nobody.out" 2>&1 </dev/null
	expect eq "not root: exit 77" $? 77
	check_not "not root: no PID file" test -e "$WORK/nobody.pid"
else
	say "setpriv unavailable or $SMCROUTED not accessible to nobody: not-root case skipped"
fi

# A missing conf file is not fatal.
CONF=$WORK/does-not-exist.conf
daemon_start
check "runs without a conf file" daemon_alive
check "PID file holds the PID" test "$(cat "$PIDFILE")" = "$DAEMON_PID"
check "IPC socket created" test -S "$SOCK"

# A second instance on the same namespace and table: exit 69, and the
# first one is unaffected.
timeout 10 ip netns exec $RTR "$SMCROUTED" -n -f /dev/null -i second \
    -u "$WORK/second.sock" -P "$WORK/second.pid" >"$WORK/second.out" 2>&1
expect eq "second instance on the same table: exit 69" $? 69
check "first instance still running" daemon_alive
check "first instance's socket kept" test -S "$SOCK"
daemon_stop
expect eq "exit status" "$DAEMON_RC" 0

# -d 2: neither the PID file nor the socket exist during the delay.
CONF=$WORK/smcroute.conf
: >"$CONF"
rm -f "$PIDFILE" "$SOCK"
start=$(date +%s%N)
ip netns exec $RTR "$SMCROUTED" -n -d 2 -f "$CONF" -i $IDENT -u "$SOCK" \
    -P "$PIDFILE" -l debug >>"$DLOG" 2>&1 &
DAEMON_PID=$!
sleep 1
check_not "-d 2: no PID file after 1 s" test -e "$PIDFILE"
check_not "-d 2: no socket after 1 s" test -e "$SOCK"
check_not "-d 2: no VIF after 1 s" test "$(vif_count)" -gt 0
check "-d 2: PID file within 5 s" wait_until 4 test -s "$PIDFILE"
took=$(( ($(date +%s%N) - start) / 1000000 ))
expect ge "-d 2: ready after at least 2 s (ms)" $took 1900
daemon_stop
expect eq "-d 2: exit status" "$DAEMON_RC" 0

# -P and -u with other absolute paths.
PIDFILE=$WORK/other.pid SOCK=$WORK/other.sock
daemon_start
check "-P FILE used" test -s "$WORK/other.pid"
check "-u FILE used" test -S "$WORK/other.sock"
daemon_stop
check_not "-P FILE removed on exit" test -e "$WORK/other.pid"

finish
