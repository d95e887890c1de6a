#!/bin/bash
# -e CMD under a storm of events: at most 4 calls run at a time, the
# others wait in a queue of at most 256 where an event identical to one
# already waiting is merged into it, and events that find the queue full
# are dropped, counted and logged at most once a minute (and once more
# at exit with what is left), never one call per packet.  A call that
# runs long is not killed.
#
# Every call waits for a gate file before it ends, so while the gate is
# shut no slot ever frees and every count is exact, however slow the
# machine: 4 calls start; then 5 reloads make one waiting "reload"; then
# learned routes for 300 groups of a (*,G/LEN) template fill the queue
# (6 + 1 + 249 waiting) and the rest are dropped.  With the gate open
# every waiting event runs once, never more than 4 at a time.
. "$(dirname "$0")/lib.sh"

need_mroute4
need_tools
need_daemon
topo

RUNNING=4 QUEUED=256		# SCRIPT_MAX_RUNNING, SCRIPT_MAX_QUEUED
NGROUPS=300			# > RUNNING + QUEUED: some are dropped
NFIRST=10			# groups learned before the reloads
NRELOAD=5
HOOK=$WORK/hook
CALLS=$WORK/calls
GATE=$WORK/gate

# One line as each call starts and one as it ends, appended: the file's
# order is the order they happened in.  A cheap shell, for a slow VM.
cat >"$HOOK" <<EOF
#!/bin/sh
echo "start \$1 \${group:--} \$\$" >>"$CALLS"
while [ ! -e "$GATE" ]; do
	sleep 0.2
done
echo "end \$1 \${group:--} \$\$" >>"$CALLS"
EOF
chmod +x "$HOOK"
: >"$CALLS"

conf <<EOF
mroute from $RTR_IN group 225.5.0.0/16 to $RTR_OUT1
EOF
# -c 0: no learned route expires and is learned again during the test.
daemon_start -c 0 -e "$HOOK"

# calls WORD [EVENT]: how many lines of $CALLS start with WORD (and
# EVENT).
calls()
{
	local what=$1 e=${2:-} line n=0
	while IFS= read -r line; do
		[[ $line == "$what "* ]] || continue
		[ -z "$e" ] || [[ $line == "$what $e "* ]] || continue
		n=$((n + 1))
	done <"$CALLS"
	echo $n
}

calls_ge()
{
	[ "$(calls "$1")" -ge "$2" ]
}

# max_running: the most calls between their start and end lines at one
# time.  A call's start line is written after the daemon started it and
# its end line before the daemon can reap it, so this is never more than
# the daemon ran at once.
max_running()
{
	awk '$1 == "start" { if (++n > m) m = n }
	    $1 == "end" { n-- }
	    END { print m + 0 }' "$CALLS"
}

# learned: the router's forwarding entries for groups of 225.5.0.0/16.
learned()
{
	local line n=0
	local -a w
	_readproc ip_mr_cache
	for line in "${_P[@]:1}"; do
		read -r -a w <<<"$line"
		case ${w[2]} in -1|65535) continue ;; esac
		_unhex4 "${w[0]}"
		[[ $_R == 225.5.* ]] && n=$((n + 1))
	done
	echo $n
}

learned_ge()
{
	[ "$(learned)" -ge "$1" ]
}

# learn FIRST LAST: one datagram to each of the groups numbered FIRST to
# LAST (225.5.1.1, 225.5.1.2, ...), in one process, and again to all of
# them if the kernel dropped some unresolved (it holds 10 at most),
# until the router has an entry for each; prints how many it has.
learn()
{
	local first=$1 last=$2 round i list=
	for ((i = first; i <= last; i++)); do
		list="$list 225.5.$((i / 250 + 1)).$((i % 250 + 1))"
	done
	for round in 1 2 3; do
		# shellcheck disable=SC2016	# expanded by the inner shell
		nsx src sh -c 'm=$1; shift; for g; do
			"$m" -i '"$SRC_IF"' -c 1 -q "$g" >/dev/null || exit 1
		    done' sh "$MCSEND" $list || error "mcsend failed"
		wait_until 5 learned_ge $((last + 1)) && break
		say "round $round: $(learned) entries, sending again" >&2
	done
	learned
}

# ---- the first calls take the slots and stay
say "learning $NFIRST groups"
n=$(learn 0 $((NFIRST - 1)))
expect eq "$NFIRST routes learned" "$n" $NFIRST
check "$RUNNING calls started" wait_until 30 calls_ge start $RUNNING

# ---- identical events wait as one
for ((i = 0; i < NRELOAD; i++)); do
	daemon_reload || fail "reload $i not acknowledged"
done

# ---- a storm: more learned routes than slots and queue
_now; t_storm=$NOW
say "learning groups up to $NGROUPS"
total=$(learn $NFIRST $((NGROUPS - 1)))
say "$total routes learned"
expect ge "more events than slots and queue" "$total" \
    $((RUNNING + QUEUED + 1))
# However long the storm: a call that would start would have done so.
sleep 2
expect eq "while none ends: only $RUNNING calls started" \
    "$(calls start)" $RUNNING
expect eq "and none ended (none killed)" "$(calls end)" 0
expect eq "at most $RUNNING calls at a time" "$(max_running)" $RUNNING
check "the daemon is alive" daemon_alive
check "the daemon answers" nsx $RTR "$SMCROUTECTL" -u "$SOCK" show routes

# Drop reports: at least one, and at most one a minute.
_now
mins=$(( (NOW - t_storm) / 60000000000 ))
nrep=$(grep -c 'events\? dropped, ' "$DLOG")
expect ge "dropped events reported" "$nrep" 1
expect le "not one report per dropped event" "$nrep" $((1 + mins))

# ---- the gate opens: every waiting event runs once
echo gate >>"$CALLS"
: >"$GATE"
ran=$((RUNNING + QUEUED))
check "all $ran accepted events run" wait_until 120 calls_ge end $ran
sleep 1
expect eq "started: $RUNNING + $QUEUED" "$(calls start)" $ran
expect eq "ended: all of them" "$(calls end)" $ran
expect eq "$NRELOAD reloads waiting made one call" \
    "$(calls start reload)" 1
installs=$(calls start install)
expect eq "install calls: the rest" "$installs" $((ran - 1))
expect eq "each for another group" \
    "$(awk '$1 == "start" && $2 == "install" { print $3 }' "$CALLS" |
    sort -u | wc -l)" "$installs"
expect eq "never more than $RUNNING at a time" "$(max_running)" $RUNNING
expect eq "the first $RUNNING ended only after the gate opened" \
    "$(sed -n '/^gate$/q; /^end /p' "$CALLS" | wc -l)" 0

daemon_stop
expect eq "exit status" "$DAEMON_RC" 0
# Each dropped event counted once, the last ones in the report at exit.
dropped=$(sed -n 's/.*: \([0-9]*\) events\? dropped, .*/\1/p' "$DLOG" |
    awk '{ s += $1 } END { print s + 0 }')
expect eq "dropped events counted: $total - $((ran - 1))" "$dropped" \
    $((total - (ran - 1)))
expect eq "the total in the last report" \
    "$(sed -n 's/.*(\([0-9]*\) dropped since start).*/\1/p' "$DLOG" |
    tail -n 1)" $((total - (ran - 1)))
echo "# drop reports:"; grep 'dropped, ' "$DLOG" | sed 's/^/#   /'
finish
