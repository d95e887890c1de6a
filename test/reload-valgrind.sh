#!/bin/bash
# 100 reloads under valgrind: the daemon runs under memcheck while its
# configuration changes 100 times (static routes, group joins, proxy
# roles and settings, access lists, interfaces coming and going from
# it; every tenth configuration has an error and is refused), with a
# flow to learn from and a host to track; then it stops.  Memcheck must
# find no error and nothing definitely or indirectly lost.  A build with
# --enable-sanitizers cannot run under valgrind: there AddressSanitizer
# and its leak checker watch the same 100 reloads instead.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy-lib.sh"

need_mroute4
need_mroute6
need_tools
need_daemon
need_igmpgen
SAN=
if ldd "$SMCROUTED" 2>/dev/null | grep -q libasan; then
	SAN=1
else
	command -v valgrind >/dev/null 2>&1 ||
	    skip "valgrind is not installed"
fi
topo 2
N=100

# variant I: the configuration of reload I.
variant()
{
	local i=$1
	echo "# reload $i"
	case $((i % 4)) in
	0) cat <<EOF
phyint $RTR_IN upstream igmp mld
phyint $RTR_OUT1 igmp mld fast-leave query-interval 5 query-response-interval 1
phyint $RTR_OUT2 igmp max-groups 10
acl $RTR_OUT2 deny group 239.66.0.0/16
mroute from $RTR_IN source $SRC4 group 225.1.1.$((i % 7 + 1)) to $RTR_OUT1 $RTR_OUT2
mroute from $RTR_IN group 225.3.3.0/24 to $RTR_OUT2
mgroup from $RTR_OUT1 group 225.5.5.$((i % 5 + 1))
EOF
	;;
	1) cat <<EOF
phyint $RTR_IN upstream igmp
phyint $RTR_OUT1 igmp version 2 max-sources 100 max-hosts 10
mroute from $RTR_IN source $SRC6 group ff0e::1:$((i % 9 + 1)) to $RTR_OUT1
ssmgroup from $RTR_OUT2 source $SRC4 group 232.1.1.$((i % 3 + 1))
EOF
	;;
	2) cat <<EOF
phyint $RTR_OUT1 mrdisc
mroute from $RTR_IN group 225.3.3.0/24 to $RTR_OUT1
mroute from $RTR_IN source $SRC4 group 225.1.1.1 to $RTR_OUT2
mgroup from $RTR_OUT2 group ff0e::5:$((i % 4 + 1))
EOF
	;;
	3) cat <<EOF
phyint $RTR_IN upstream igmp mld
phyint $RTR_OUT2 igmp mld robustness 3
phyint $RTR_OUT1 igmp last-member-query-interval 0.5
acl $RTR_OUT1 allow group 239.0.0.0/8 source $SRC4
EOF
	;;
	esac
	[ $((i % 10)) -eq 9 ] && echo "mroute from $RTR_IN group nonsense"
	return 0
}

variant 0 | conf
VG=$WORK/valgrind.log
if [ -n "$SAN" ]; then
	# Reports go to $VG.PID; any makes the exit status 42.
	DAEMON_WRAPPER="env ASAN_OPTIONS=detect_leaks=1:exitcode=42:log_path=$VG"
else
	DAEMON_TMO=120	# start and stop under memcheck, in a slow guest
	DAEMON_WRAPPER="valgrind -q --leak-check=full --error-exitcode=42"
	DAEMON_WRAPPER+=" --show-leak-kinds=definite,indirect"
	DAEMON_WRAPPER+=" --errors-for-leak-kinds=definite,indirect"
	DAEMON_WRAPPER+=" --log-file=$VG"
fi
daemon_start
# Something to learn, track and report while the configurations change.
send_start flow src -i $SRC_IF -c 100000 -r 20 225.3.3.3
hold_start h1 rcv1 $RCV1_IF join 3 239.1.1.1

# more TEXT N: the daemon's log has TEXT on more than N lines.
more()
{
	[ "$(grep -c "$1" "$DLOG")" -gt "$2" ]
}

ok=0 refused=0
for i in $(seq 1 $N); do
	variant $i | conf
	want_ok=$(grep -c "Configuration reloaded" "$DLOG")
	want_bad=$(grep -c "keeping the running configuration" "$DLOG")
	kill -HUP "$DAEMON_PID"
	if [ $((i % 10)) -eq 9 ]; then
		wait_until 30 more "keeping the running configuration" \
		    "$want_bad" && refused=$((refused + 1))
	else
		wait_until 30 more "Configuration reloaded" "$want_ok" &&
		    ok=$((ok + 1))
	fi
done
say "$ok reloads applied, $refused refused"
expect eq "reloads applied" "$ok" $((N - N / 10))
expect eq "configurations with an error refused" "$refused" $((N / 10))
check "daemon still running" daemon_alive
check "the daemon still answers" eval 'ctl show >/dev/null'
hold_stop h1
send_stop flow
daemon_stop
expect eq "exit status (42: errors or leaks)" "$DAEMON_RC" 0
# Memcheck warns of ioctls it cannot see into (SIOCGETSGCNT_IN6 among
# them): not a finding.  Anything else is.
findings()
{
	cat "$VG"* 2>/dev/null |
	    grep -v -e 'Warning: noted but unhandled ioctl' \
	    -e 'could cause spurious value errors' \
	    -e 'README_MISSING_SYSCALL_OR_IOCTL' | grep -c .
}
CHECKER=memcheck
[ -n "$SAN" ] && CHECKER="the sanitizers"
expect eq "$CHECKER found nothing" "$(findings)" 0
cat "$VG"* 2>/dev/null | head -n 60
finish
