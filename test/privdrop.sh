#!/bin/bash
# -p USER[:GROUP] (SMCRoute 2.6's option): after start-up the daemon runs
# as nobody:nogroup with CAP_NET_ADMIN and CAP_NET_RAW only (permitted
# and effective; nothing inheritable or ambient; the bounding set cut to
# the same two), read from /proc/PID/status.  Afterwards routing still
# works: a static route forwards, reloads by SIGHUP and by smcroutectl
# apply a changed file (new routes forward; the PID file's mtime still
# acknowledges), an interface created later gets a VIF and its pending
# route forwards, the proxy learns a host's report, joins upstream and
# forwards; the -e hook runs as nobody without capabilities; root's
# smcroutectl is served, nobody's is not.  Stopping exits 0; the socket
# and PID file it may not remove are taken over by the next start.  A
# bad -p value: a message, exit 67 (unknown) or 64 (malformed), and
# nothing started.
#
#   src:s0 ---- r0:rtr:r1 ---- c1:rcv1
#                     :r2 ---- c2:rcv2    (r2 created with the daemon up)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy-lib.sh"

need_mroute4
need_mroute6
need_tools
need_daemon
# The guest shares the host's /etc: nobody and nogroup exist on Debian.
getent passwd nobody >/dev/null || skip "no user nobody"
getent group nogroup >/dev/null || skip "no group nogroup"
NOBODY=$(id -u nobody)
NOGROUP=$(getent group nogroup | cut -d: -f3)
topo

# nobody must reach the configuration (read on reload) and the hook;
# the work directory is root's 0700 from mktemp.
chmod 0711 "$WORK"
HOOKDIR=$WORK/hook
mkdir -m 0777 "$HOOKDIR"
HOOK=$WORK/hook.sh
cat >"$HOOK" <<EOF
#!/bin/sh
{ id -u; id -g; grep -E '^Cap(Eff|Prm|Inh|Amb):' /proc/\$\$/status; } \
    >$HOOKDIR/\$1.\$\$
EOF
chmod 0755 "$HOOK"

# ---- bad values: refused before anything is opened
smcrouted_run -n -f "$CONF" -u "$SOCK" -P "$PIDFILE" -p smcr-no-such-user
expect eq "-p unknown user: exit status EX_NOUSER" "$RUN_RC" 67
check "-p unknown user: the message names it" \
    grep -q 'unknown user smcr-no-such-user' "$WORK/run.err"
smcrouted_run -n -f "$CONF" -u "$SOCK" -P "$PIDFILE" -p nobody:smcr-no-such-grp
expect eq "-p unknown group: exit status EX_NOUSER" "$RUN_RC" 67
check "-p unknown group: the message names it" \
    grep -q 'unknown group smcr-no-such-grp' "$WORK/run.err"
smcrouted_run -n -f "$CONF" -u "$SOCK" -P "$PIDFILE" -p nobody:
expect eq "-p USER: (empty group): usage error" "$RUN_RC" 64
check "-p USER: names the form" grep -q 'USER:GROUP' "$WORK/run.err"
check_not "bad -p: no PID file written" test -e "$PIDFILE"
check_not "bad -p: no control socket made" test -e "$SOCK"
expect eq "bad -p: no VIF made" "$(vif_count)" 0

# ---- start as nobody
conf <<EOF
phyint $RTR_IN upstream igmp
phyint $RTR_OUT1 igmp query-interval 10 query-response-interval 1
mroute from $RTR_IN source $SRC4 group 225.1.1.1 to $RTR_OUT1
mroute from $RTR_IN source $SRC6 group ff0e::1:1 to $RTR_OUT1
EOF
chmod 0644 "$CONF"
# systemd's side of Type=notify: a datagram socket nobody may send to.
NOTIFY=$WORK/notify.sock
/usr/bin/python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
open(sys.argv[1] + ".ready", "w").close()
with open(sys.argv[2], "a") as f:
    while True:
        m = s.recv(4096).decode()
        f.write(m.replace("\n", " ") + "\n")
        f.flush()
' "$NOTIFY" "$WORK/notify.log" &
bg_add $!
wait_until 5 test -e "$NOTIFY.ready" || error "no notify listener"
chmod 0666 "$NOTIFY"
NOTIFY_SOCKET=$NOTIFY daemon_start -p nobody:nogroup -e "$HOOK"
check "log says whom it runs as" \
    wait_until 3 grep -q "Running as nobody (uid $NOBODY, gid $NOGROUP)" "$DLOG"

# One sequential read: bash's read seeks back in /proc files, whose
# lines move between reads (once every Cap line was lost that way).
declare -A ST
status=$(cat "/proc/$DAEMON_PID/status")
while IFS=: read -r k v; do
	read -r -a w <<<"$v"
	ST[$k]="${w[*]}"
done <<<"$status"
# capval HEX: the value of a 64-bit Cap* mask, or "bad" if it is not one.
capval()
{
	if [[ $1 =~ ^[0-9a-f]{16}$ ]]; then
		echo $((16#$1))
	else
		echo bad
	fi
}
for k in Uid Gid Groups CapInh CapPrm CapEff CapBnd CapAmb NoNewPrivs; do
	say "/proc/$DAEMON_PID/status $k: ${ST[$k]}"
done
expect seq "real, effective, saved and fs uid are nobody's" "${ST[Uid]}" \
    "$NOBODY $NOBODY $NOBODY $NOBODY"
expect seq "real, effective, saved and fs gid are nogroup's" "${ST[Gid]}" \
    "$NOGROUP $NOGROUP $NOGROUP $NOGROUP"
# initgroups(): nobody's own groups (none) plus the group itself.
expect seq "supplementary groups: root's are gone" "${ST[Groups]}" \
    "$NOGROUP"
# CAP_NET_ADMIN is 12, CAP_NET_RAW 13.
NETCAPS=$(( (1 << 12) | (1 << 13) ))
expect eq "CapEff is exactly CAP_NET_ADMIN|CAP_NET_RAW" \
    "$(capval "${ST[CapEff]}")" $NETCAPS
expect eq "CapPrm is exactly CAP_NET_ADMIN|CAP_NET_RAW" \
    "$(capval "${ST[CapPrm]}")" $NETCAPS
expect eq "CapInh is empty (the hook inherits nothing)" \
    "$(capval "${ST[CapInh]}")" 0
expect eq "CapAmb is empty" "$(capval "${ST[CapAmb]}")" 0
expect eq "CapBnd cut to CAP_NET_ADMIN|CAP_NET_RAW" \
    "$(capval "${ST[CapBnd]}")" $NETCAPS

# The readiness message: READY=1 with the counts in STATUS=.
check "READY=1 with STATUS counts at start" wait_until 3 grep -q \
    "^READY=1 STATUS=Ready: 2 routes, 2 kernel entries, 0 groups MAINPID=$DAEMON_PID" \
    "$WORK/notify.log"

# ---- routing as nobody
check "static route installed" mfc_is $SRC4 225.1.1.1 $RTR_IN $RTR_OUT1
flow_check "IPv4 static route forwards as nobody" all 225.1.1.1 $SRC4
flow_check "IPv6 static route forwards as nobody" all ff0e::1:1 $SRC6

# Reload by SIGHUP: the file is read as nobody, the PID file's mtime
# (root's file) still acknowledges.
conf <<EOF
phyint $RTR_IN upstream igmp
phyint $RTR_OUT1 igmp query-interval 10 query-response-interval 1
mroute from $RTR_IN source $SRC4 group 225.1.1.1 to $RTR_OUT1
mroute from $RTR_IN source $SRC6 group ff0e::1:1 to $RTR_OUT1
mroute from $RTR_IN source $SRC4 group 225.2.2.2 to $RTR_OUT1
EOF
check "SIGHUP reload acknowledged (PID file mtime)" daemon_reload
check "route added by SIGHUP installed" \
    wait_until 3 mfc_is $SRC4 225.2.2.2 $RTR_IN $RTR_OUT1
flow_check "route added by SIGHUP forwards" all 225.2.2.2 $SRC4
# RELOADING=1 (with MONOTONIC_USEC for Type=notify-reload), then READY=1
# with the new counts, sent as nobody.
check "RELOADING=1 and MONOTONIC_USEC on reload" grep -q \
    '^RELOADING=1 MONOTONIC_USEC=[0-9]* STATUS=' "$WORK/notify.log"
check "READY=1 after the reload, new counts" wait_until 3 grep -q \
    '^READY=1 STATUS=Ready: 3 routes, 3 kernel entries' "$WORK/notify.log"

# Reload by smcroutectl (root's client): it adds a route through r2,
# which does not exist yet.
conf <<EOF
phyint $RTR_IN upstream igmp
phyint $RTR_OUT1 igmp query-interval 10 query-response-interval 1
mroute from $RTR_IN source $SRC4 group 225.1.1.1 to $RTR_OUT1
mroute from $RTR_IN source $SRC6 group ff0e::1:1 to $RTR_OUT1
mroute from $RTR_IN source $SRC4 group 225.3.3.3 to $RTR_OUT2
EOF
check "smcroutectl reload by root served" ctl reload
# (No flow for it: the proxy on r1 would forward what c1 joins.)
check "route removed by the reload is gone" \
    wait_until 3 not mfc_is $SRC4 225.2.2.2 $RTR_IN $RTR_OUT1
check_not "no VIF for r2 before it exists" vif_has $RTR_OUT2

# An interface created after the drop.
topo_leg2
check "r2 created after start gets a VIF" wait_until 5 vif_has $RTR_OUT2
check "pending route via r2 installed" \
    wait_until 5 mfc_is $SRC4 225.3.3.3 $RTR_IN $RTR_OUT2
flow 225.3.3.3 $SRC4
expect eq "route via the new r2 forwards" "$FLOW2" $FLOW_COUNT

# The proxy: a host's report on r1 is learned, the group is joined
# upstream on r0 (a socket opened after the drop), the stream flows.
G=239.1.1.1
recv_start j rcv1 -i $RCV1_IF -d 30 $G
check "proxy learned the host's report" wait_until 5 mdb_has $RTR_OUT1 $G
check "proxy joined upstream on r0" wait_until 5 igmp_has $RTR_IN $G
send src -i $SRC_IF -c 40 -r 200 $G
check "the proxy's (S,G) forwards" wait_until 3 mfc_pkts_ge $SRC4 $G 30
recv_stop j
expect ge "host behind the proxy received" "$(kv j received)" 30

# The hook ran on the reloads as nobody, without capabilities.
hookrun=$(ls "$HOOKDIR"/reload.* 2>/dev/null | head -n 1)
check "hook ran on reload" [ -n "$hookrun" ]
if [ -n "$hookrun" ]; then
	mapfile -t H <"$hookrun"
	expect eq "hook runs as nobody" "${H[0]}" "$NOBODY"
	expect eq "hook runs as nogroup" "${H[1]}" "$NOGROUP"
	expect eq "hook reported its four capability sets" \
	    "$(( ${#H[@]} - 2 ))" 4
	for l in "${H[@]:2}"; do
		read -r k v <<<"$l"
		expect eq "hook's $k empty" "$(capval "$v")" 0
	done
fi

# The control socket: root is served; nobody is not (the socket is
# root's, mode 0600, and the daemon serves only uid 0 and its owner).
check "root's smcroutectl served after the drop" ctl show routes
check_not "nobody's smcroutectl refused" \
    timeout 10 ip netns exec "$RTR" setpriv --reuid=$NOBODY \
    --regid=$NOGROUP --clear-groups "$SMCROUTECTL" -u "$SOCK" show routes

# Stop: exit 0, kernel state gone; the next start takes over the
# socket and PID file this user may not remove.
daemon_stop
expect eq "exit status as nobody" "$DAEMON_RC" 0
expect eq "VIFs gone at exit" "$(vif_count)" 0
check_not "no warning about the files left" \
    grep -qi 'cannot remove' "$DLOG"
DAEMON_KEEP_PIDFILE=1 daemon_start -p nobody:nogroup
check "restart over the files left behind" daemon_alive
check "restarted daemon serves root" ctl show routes
flow_check "restarted daemon forwards" all 225.1.1.1 $SRC4
daemon_stop
expect eq "second exit status" "$DAEMON_RC" 0
sed 's/^/# notify: /' "$WORK/notify.log"

finish
