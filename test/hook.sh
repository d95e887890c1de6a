#!/bin/bash
# -e CMD: the hook runs as "CMD reload" after each reload and as
# "CMD install" with source= and group= in its environment after a route
# learned from a template is installed (IPv4 and IPv6); not for (S,G)
# routes from the conf.  A failing hook does not hurt the daemon.
. "$(dirname "$0")/lib.sh"

need_mroute4
need_mroute6
need_tools
need_daemon
topo

HOOK=$WORK/hook
HLOG=$WORK/hook.log
cat >"$HOOK" <<EOF
#!/bin/sh
echo "\$1 source=\${source:-} group=\${group:-}" >>"$HLOG"
exit 3
EOF
chmod +x "$HOOK"
: >"$HLOG"

conf <<EOF
mroute from $RTR_IN source $SRC4 group 225.1.1.1 to $RTR_OUT1
mroute from $RTR_IN group 225.3.3.0/24 to $RTR_OUT1
mroute from $RTR_IN group ff0e::3:0/112 to $RTR_OUT1
EOF
daemon_start -e "$HOOK"

hook_has()
{
	grep -qxF "$1" "$HLOG"
}

flow_check "IPv4 learned flow" learn 225.3.3.3 $SRC4
check "install hook for the IPv4 learned route" \
    wait_until 2 hook_has "install source=$SRC4 group=225.3.3.3"
flow_check "IPv6 learned flow" learn ff0e::3:3 $SRC6
check "install hook for the IPv6 learned route" \
    wait_until 2 hook_has "install source=$SRC6 group=ff0e::3:3"
flow_check "configured (S,G)" all 225.1.1.1 $SRC4
check_not "no install hook for a configured (S,G)" \
    grep -q "group=225.1.1.1" "$HLOG"

daemon_reload
check "reload hook" wait_until 2 hook_has "reload source= group="
expect eq "one reload call per reload" "$(grep -c '^reload' "$HLOG")" 1
check "alive although the hook fails" daemon_alive
echo "# hook calls:"; sed 's/^/#   /' "$HLOG"

daemon_stop
expect eq "exit status" "$DAEMON_RC" 0
finish
