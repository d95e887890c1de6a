#!/bin/bash
# -e CMD: the hook runs as "CMD reload" after each reload and as
# "CMD install" with source= and group= in its environment after a route
# learned from a template is installed (IPv4 and IPv6); not for (S,G)
# routes from the conf; as "CMD wrongvif" with inbound=, arrived= and
# action= when a learned route moves.  A failing hook does not hurt the
# daemon.  Each call starts clean: its environment is PATH and the
# event's variables only (not the daemon's: NOTIFY_SOCKET and others are
# set here to be seen missing), no signal ignored or blocked (the daemon
# ignores SIGPIPE), no descriptor but 0, 1 and 2; every descriptor of the
# daemon above 2 is close-on-exec (the PID file's too).
#
#   src:s0 ---- r0:rtr:r1 ---- c1:rcv1
#   src:s2 ---- r2:rtr          (same sources, second path)
# (hook-bounds.sh: how many run at a time, the queue, merged events.)
. "$(dirname "$0")/lib.sh"

need_mroute4
need_mroute6
need_tools
need_daemon
topo
link src s2 $RTR r2
addr src s2 10.0.2.1/24 fc00:2::1/64
addr $RTR r2 10.0.2.254/24 fc00:2::fe/64

HOOK=$WORK/hook
HLOG=$WORK/hook.log
# What each call was given, read before it opens anything: in
# $WORK/call.EVENT.PID.{env,sig,fd}.  ls's own directory is its fd 3;
# the shell's script descriptor is close-on-exec, so ls does not get it.
cat >"$HOOK" <<EOF
#!/bin/sh
c=$WORK/call.\$1.\$\$
tr '\0' '\n' </proc/\$\$/environ >\$c.env
grep -E '^Sig(Blk|Ign):' /proc/\$\$/status >\$c.sig
ls -l /proc/self/fd >\$c.fd
echo "\$1 source=\${source:-} group=\${group:-}" >>"$HLOG"
exit 3
EOF
chmod +x "$HOOK"
: >"$HLOG"

conf <<EOF
mroute from $RTR_IN source $SRC4 group 225.1.1.1 to $RTR_OUT1
mroute from $RTR_IN group 225.3.3.0/24 to $RTR_OUT1
mroute from $RTR_IN group ff0e::3:0/112 to $RTR_OUT1
mroute from r2 group 225.3.3.0/24 to $RTR_OUT1
EOF
# The daemon's own environment, none of which the hook may see; -c 0:
# the learned route stays until it moves.
NOTIFY_SOCKET=$WORK/notify.sock SMCR_HOOK_LEAK=daemon-only \
    PATH=$WORK/nowhere:$PATH daemon_start -c 0 -e "$HOOK"

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

# The learned (S,G) now arrives on r2, which has a rule for it: moved.
send src -i s2 -s $SRC4 -c 3 -r 10 225.3.3.3
check "wrongvif hook for the moved route" \
    wait_until 5 hook_has "wrongvif source=$SRC4 group=225.3.3.3"
check "the route moved to r2" mfc_is $SRC4 225.3.3.3 r2 $RTR_OUT1

# ---- what each call was given
# env_names FILE: the variable names, sorted, on one line.
env_names()
{
	local line names=()
	while IFS= read -r line; do
		[ -n "$line" ] && names+=("${line%%=*}")
	done <"$1"
	_sortwords "${names[@]}"
	printf '%s\n' "$_R"
}

# env_val FILE NAME: a variable's value.
env_val()
{
	local line
	while IFS= read -r line; do
		[[ $line == "$2="* ]] && { printf '%s\n' "${line#*=}"; return; }
	done <"$1"
}

# fds_extra FILE: the descriptors in an ls -l /proc/self/fd listing
# other than 0, 1, 2 and ls's own directory.
fds_extra()
{
	local line fd tgt out=
	while IFS= read -r line; do
		[[ $line == *" -> "* ]] || continue
		tgt=${line##* -> }
		fd=${line% -> *}
		fd=${fd##* }
		case $fd in 0|1|2) continue ;; esac
		[[ $tgt =~ ^/proc/[0-9]+/fd$ ]] && continue
		out="$out $fd->$tgt"
	done <"$1"
	printf '%s\n' "${out# }"
}

declare -A want=(
	[install]="PATH group source"
	[reload]="PATH"
	[wrongvif]="PATH action arrived group inbound source"
)
for ev in install reload wrongvif; do
	n=0
	for f in "$WORK"/call.$ev.*.env; do
		[ -e "$f" ] || continue
		c=${f%.env}
		n=$((n + 1))
		id="$ev call ${c##*.}"
		expect seq "$id: only the documented variables" \
		    "$(env_names "$f")" "${want[$ev]}"
		expect seq "$id: PATH is the fixed one" \
		    "$(env_val "$f" PATH)" /usr/sbin:/usr/bin:/sbin:/bin
		expect seq "$id: no signal blocked" \
		    "$(sed -n 's/^SigBlk:[[:space:]]*//p' "$c.sig")" \
		    0000000000000000
		# Signals 32 and 33 belong to the C library, which refuses
		# to change them: whatever started the test may have them
		# ignored (the VM's init does), and they stay so.
		ign=$(sed -n 's/^SigIgn:[[:space:]]*//p' "$c.sig")
		expect eq "$id: no signal ignored (SIGPIPE included)" \
		    "$(( 0x${ign:-1} & ~0x180000000 ))" 0
		expect seq "$id: no descriptor of the daemon" \
		    "$(fds_extra "$c.fd")" ""
	done
	case $ev in
	install) expect eq "$ev: calls checked" "$n" 2 ;;
	reload) expect eq "$ev: calls checked" "$n" 1 ;;
	*) expect ge "$ev: calls checked" "$n" 1 ;;
	esac
done
wvs=("$WORK"/call.wrongvif.*.env)
wv=${wvs[0]}
expect seq "wrongvif: inbound=" "$(env_val "$wv" inbound)" $RTR_IN
expect seq "wrongvif: arrived=" "$(env_val "$wv" arrived)" r2
expect seq "wrongvif: action=" "$(env_val "$wv" action)" moved

# Every descriptor the daemon opened is close-on-exec, the PID file's
# included (fdinfo flags are octal; O_CLOEXEC is 02000000).  Those it
# inherited from this shell (make's jobserver, say) are not its own.
dpid=$(<"$PIDFILE")
nocloexec=
pidfd=
for f in /proc/"$dpid"/fdinfo/*; do
	fd=${f##*/}
	[ "$fd" -gt 2 ] || continue
	tgt=$(readlink "/proc/$dpid/fd/$fd") || continue
	[ "$tgt" = "$(readlink "/proc/$$/fd/$fd" 2>/dev/null)" ] && continue
	fl=$(sed -n 's/^flags:[[:space:]]*//p' "$f" 2>/dev/null)
	[ -n "$fl" ] || continue
	[ "$tgt" = "$PIDFILE" ] && pidfd=$fd
	(( 8#$fl & 8#2000000 )) || nocloexec="$nocloexec $fd->$tgt"
done
check "the daemon holds its PID file open" test -n "$pidfd"
expect seq "every descriptor of the daemon is close-on-exec" \
    "${nocloexec# }" ""
echo "# hook calls:"; sed 's/^/#   /' "$HLOG"

daemon_stop
expect eq "exit status" "$DAEMON_RC" 0
finish
