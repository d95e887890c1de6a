#!/bin/bash
# include: the main conf includes a glob of snippets (read in sorted
# order, nested includes, a pattern with no match is fine, non-matching
# files are ignored); reload picks up added and removed snippets.
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

daemon_stop
expect eq "exit status" "$DAEMON_RC" 0
finish
