#!/bin/bash
# Signals: SIGTERM and SIGINT exit 0 after removing every kernel route and
# VIF/MIF, leaving every group and removing the PID file and the socket;
# SIGPIPE (sent, or caused by a client that hangs up before its reply)
# does not kill the daemon; it starts again cleanly afterwards.
. "$(dirname "$0")/lib.sh"

need_mroute4
need_mroute6
need_tools
need_daemon
topo

conf <<EOF
mroute from $RTR_IN source $SRC4 group 225.1.1.1 to $RTR_OUT1
mroute from $RTR_IN source $SRC6 group ff0e::1:1 to $RTR_OUT1
mroute from $RTR_IN group 225.3.3.0/24 to $RTR_OUT1
mroute from $RTR_IN group ff0e::3:0/112 to $RTR_OUT1
mgroup from $RTR_OUT1 group 225.5.5.5
mgroup from $RTR_OUT1 source $SRC4 group 232.5.5.5
mgroup from $RTR_OUT1 group ff0e::5:5
mgroup from $RTR_OUT1 source $SRC6 group ff3e::5:5
EOF

populated()
{
	flow_check "IPv4 learned flow" learn 225.3.3.3 $SRC4
	flow_check "IPv6 learned flow" learn ff0e::3:3 $SRC6
	flow_check "IPv4 unrouted flow" none 225.9.9.9 $SRC4
	check "IPv4 routes installed" mfc_has $SRC4 225.1.1.1
	check "IPv4 stop filter installed" mfc_has $SRC4 225.9.9.9
	expect eq "IPv4 MFC entries" "$(mfc_count)" 3
	expect eq "IPv6 MFC entries" "$(mfc_count 6)" 2
	check "IPv4 group joined" igmp_has $RTR_OUT1 225.5.5.5
	check "IPv6 group joined" igmp6_has $RTR_OUT1 ff3e::5:5
	check "PID file written" test -s "$PIDFILE"
	expect eq "PID file holds the daemon's PID" \
	    "$(cat "$PIDFILE" 2>/dev/null)" "$DAEMON_PID"
	check "IPC socket exists" test -S "$SOCK"
}

cleaned_up()
{
	local how=$1
	expect eq "$how: exit status" "$DAEMON_RC" 0
	expect eq "$how: no IPv4 MFC entries" "$(mfc_count)" 0
	expect eq "$how: no IPv6 MFC entries" "$(mfc_count 6)" 0
	expect eq "$how: no VIFs" "$(vif_count)" 0
	expect eq "$how: no MIFs" "$(vif_count 6)" 0
	check_not "$how: IPv4 ASM group left" igmp_has $RTR_OUT1 225.5.5.5
	check_not "$how: IPv4 SSM group left" igmp_has $RTR_OUT1 232.5.5.5
	check_not "$how: IPv6 ASM group left" igmp6_has $RTR_OUT1 ff0e::5:5
	check_not "$how: IPv6 SSM group left" igmp6_has $RTR_OUT1 ff3e::5:5
	check_not "$how: PID file removed" test -e "$PIDFILE"
	check_not "$how: IPC socket removed" test -e "$SOCK"
	flow_check "$how: nothing forwarded any more" none 225.1.1.1 $SRC4
}

# SIGTERM.
daemon_start
populated
daemon_stop TERM
cleaned_up SIGTERM

# SIGPIPE, then SIGINT.
daemon_start
populated
kill -PIPE "$DAEMON_PID"
sleep 0.3
check "alive after SIGPIPE" daemon_alive

# Clients that hang up before reading their reply.  The daemon writes to
# a closed socket: EPIPE, and SIGPIPE unless ignored.
if [ -x /usr/bin/python3 ]; then
	ip netns exec $RTR /usr/bin/python3 - "$SOCK" <<'EOF'
import socket, sys, struct
for i in range(50):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sys.argv[1])
    # Not a valid request in any protocol version: the daemon answers
    # with an error (or hangs up), to a client that is already gone.
    s.sendall(b"\xff" * 64 + struct.pack("=QHH4x", 64, ord("s"), 0))
    s.close()
EOF
	sleep 0.5
	check "alive after 50 clients hung up early" daemon_alive
else
	say "no /usr/bin/python3: early hang-up clients not tested"
fi
if [ -x "$SMCROUTECTL" ]; then
	# A client killed while it waits for its reply.
	for _ in 1 2 3 4 5; do
		timeout -s KILL 0.05 ip netns exec $RTR "$SMCROUTECTL" -u "$SOCK" \
		    show routes >/dev/null 2>&1
	done
	sleep 0.2
	check "alive after killed clients" daemon_alive
fi
flow_check "still forwarding after SIGPIPE" all 225.1.1.1 $SRC4
daemon_stop INT
cleaned_up SIGINT

# And a clean start again.
daemon_start
check "restarts after a clean exit" daemon_alive
check "routes installed again" mfc_is $SRC4 225.1.1.1 $RTR_IN $RTR_OUT1
daemon_stop
expect eq "exit status" "$DAEMON_RC" 0

finish
