#!/bin/bash
# include: the main conf includes a glob of snippets (read in sorted
# order, nested includes, a pattern with no match is fine, non-matching
# files are ignored); reload picks up added and removed snippets.
# Reading is bounded: a FIFO among the snippets, or a tree of includes
# of 1.68 million files, makes a reload fail at once with the error at
# the include line, and the running state stays.
. "$(dirname "$0")/lib.sh"

need_mroute4
need_mroute6
need_tools
need_daemon
topo

D=$WORK/smcroute.d
mkdir -p "$D/sub"
conf <<EOF
# main file
phyint $RTR_IN enable
include $D/*.conf
include $WORK/does-not-exist/*.conf
EOF
cat >"$D/10-v4.conf" <<EOF
mroute from $RTR_IN source $SRC4 group 225.1.1.1 to $RTR_OUT1
EOF
cat >"$D/20-v6.conf" <<EOF
mroute from $RTR_IN source $SRC6 group ff0e::1:1 to $RTR_OUT1
include $D/sub/*.inc
EOF
cat >"$D/sub/join.inc" <<EOF
mgroup from $RTR_OUT1 group 225.5.5.5
EOF
# Not matched by *.conf: must not be read.
cat >"$D/30-ignored.txt" <<EOF
mroute from $RTR_IN source $SRC4 group 225.6.6.6 to $RTR_OUT1
EOF

smcrouted_run -F "$CONF"
expect eq "-F on the main file with includes" $RUN_RC 0

daemon_start
check "route from 10-v4.conf" mfc_is $SRC4 225.1.1.1 $RTR_IN $RTR_OUT1
check "route from 20-v6.conf" mfc_is $SRC6 ff0e::1:1 $RTR_IN $RTR_OUT1
check "mgroup from the nested sub/join.inc" igmp_has $RTR_OUT1 225.5.5.5
check_not "30-ignored.txt not read" mfc_has $SRC4 225.6.6.6
flow_check "IPv4 route from a snippet" all 225.1.1.1 $SRC4
flow_check "IPv6 route from a snippet" all ff0e::1:1 $SRC6

# Add a snippet, remove another, reload.
cat >"$D/40-new.conf" <<EOF
mroute from $RTR_IN source $SRC4 group 225.4.4.4 to $RTR_OUT1
EOF
rm "$D/10-v4.conf"
daemon_reload
check "route from the added snippet" mfc_is $SRC4 225.4.4.4 $RTR_IN $RTR_OUT1
check "route of the removed snippet gone" _no_oifs $SRC4 225.1.1.1
check "untouched snippet kept" mfc_is $SRC6 ff0e::1:1 $RTR_IN $RTR_OUT1
flow_check "added snippet's route forwards" all 225.4.4.4 $SRC4
flow_check "removed snippet's route does not" none 225.1.1.1 $SRC4

# Snippets are read in sorted order, which shows in -F's messages: two
# bad snippets, created in reverse order, report in name order.
printf 'bogus-b\n' >"$D/60-b.conf"
printf 'bogus-a\n' >"$D/50-a.conf"
smcrouted_run -F "$CONF"
expect eq "-F with bad snippets" $RUN_RC 78
first=$(grep -o '5[0-9]-[ab]\.conf line 1' "$WORK/run.out" | head -n 1)
expect seq "snippets read in sorted order" "$first" "50-a.conf line 1"
check "messages name the snippet" grep -q "$D/60-b.conf line 1:" "$WORK/run.out"
rm "$D/50-a.conf" "$D/60-b.conf"

# ctl_reload: smcroutectl reload, which waits for the outcome; status
# in CTL_RC, stderr in $WORK/ctl.err.
ctl_reload()
{
	timeout 30 ip netns exec "$RTR" "$SMCROUTECTL" -u "$SOCK" reload \
	    >"$WORK/ctl.out" 2>"$WORK/ctl.err"
	CTL_RC=$?
	sed 's/^/#  ctl: /' "$WORK/ctl.err"
}

# kept WHAT: the running state of before, nothing of the rejected load.
kept()
{
	check "$1: daemon alive" daemon_alive
	check "$1: route kept" mfc_is $SRC4 225.4.4.4 $RTR_IN $RTR_OUT1
	check "$1: IPv6 route kept" mfc_is $SRC6 ff0e::1:1 $RTR_IN $RTR_OUT1
	check "$1: group kept" igmp_has $RTR_OUT1 225.5.5.5
	check_not "$1: nothing of the new snippet" mfc_has $SRC4 225.7.7.7
}

# A FIFO matched by the glob, beside a good new snippet: opening it does
# not wait for a writer, and the reload is rejected.
need_bin "$SMCROUTECTL"
cat >"$D/45-more.conf" <<EOF
mroute from $RTR_IN source $SRC4 group 225.7.7.7 to $RTR_OUT1
EOF
mkfifo "$D/70-fifo.conf"
ctl_reload
expect eq "FIFO included: reload fails" $CTL_RC 1
check "FIFO included: running configuration kept" \
    grep -q "1 error, keeping the running configuration" "$WORK/ctl.err"
check "FIFO included: error at the include line, naming the FIFO" \
    grep -qF "$CONF line 3: include: cannot read $D/70-fifo.conf: it is a FIFO, not a regular file" "$DLOG"
kept "FIFO included"
flow_check "FIFO included: route still forwards" all 225.4.4.4 $SRC4
rm "$D/70-fifo.conf"

# Six files per level, each including the six of the next, 8 levels
# deep: 6^8 files to read without the budget of 256 files per load.
T=$WORK/tree
mkdir -p "$T"
for l in 1 2 3 4 5 6 7 8; do
	{
		echo "phyint $RTR_IN"
		[ $l -lt 8 ] && echo "include L$((l + 1))_*.conf"
	} >"$T/L${l}_1.conf"
	for j in 2 3 4 5 6; do
		cp "$T/L${l}_1.conf" "$T/L${l}_$j.conf"
	done
done
echo "include $T/L1_*.conf" >"$D/70-tree.conf"
smcrouted_run -F "$CONF"
expect eq "include tree: -F is over the budget" $RUN_RC 78
check "include tree: -F names the include line" grep -qF \
    "$D/70-tree.conf line 1: include $T/L1_*.conf: more than 256 files in one load: $T/L1_2.conf and the matches after it not read" \
    "$WORK/run.out"
ctl_reload
expect eq "include tree: reload fails" $CTL_RC 1
check "include tree: running configuration kept" \
    grep -q "keeping the running configuration" "$WORK/ctl.err"
check "include tree: error in the daemon's log" grep -qF \
    "$D/70-tree.conf line 1: include $T/L1_*.conf: more than 256 files in one load" \
    "$DLOG"
kept "include tree"

# Taken out again: the next reload is a load of its own, and applied.
rm "$D/70-tree.conf"
ctl_reload
expect eq "good again: reload applied" $CTL_RC 0
check "good again: the new snippet's route" \
    mfc_is $SRC4 225.7.7.7 $RTR_IN $RTR_OUT1

daemon_stop
expect eq "exit status" "$DAEMON_RC" 0
finish
