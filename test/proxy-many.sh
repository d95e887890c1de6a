#!/bin/bash
# IGMP proxy, 1000 groups per LAN: a host joins 1000 groups at once
# (kernel memberships over many sockets) on r1, another LAN reports 1000
# other groups in one crafted jumbo IGMPv3 report (1000 records, MTU
# 9000) on r2; r0 reports the host's 1000 upstream (/proc/net/igmp)
# from its reports (not a query round), then all 2000, `show igmp` has
# them all, streams to a few of them arrive, and the hosts' leaves
# remove theirs again.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy-lib.sh"

need_mroute4
need_tools
need_daemon
need_igmpgen
topo 2
ip -n "$RTR" link set $RTR_OUT2 mtu 9000 || error "mtu r2"
ip -n rcv2 link set $RCV2_IF mtu 9000 || error "mtu c2"
# The host's state-change reports come in fast.
sysctl_set rcv1 net.ipv4.conf.$RCV1_IF.igmpv3_unsolicited_report_interval 10

N=1000 BASE1=239.10.0.1 BASE2=239.11.0.1
conf <<EOF
phyint $RTR_IN upstream igmp
phyint $RTR_OUT1 igmp query-interval 30 query-response-interval 1 last-member-query-interval 0.2 last-member-query-count 2
phyint $RTR_OUT2 igmp query-interval 30 query-response-interval 1
EOF
daemon_start

ngroups_is()
{
	igmp_snap && [ "$(igmp_ngroups "$1")" -eq "$2" ]
}
upstream_count()
{
	echo $(( $(igmp_count_prefix $RTR_IN 239.10.) +
	    $(igmp_count_prefix $RTR_IN 239.11.) ))
}
upstream_is()
{
	local n
	n=$(upstream_count)
	[ "$n" -eq "$1" ] && return 0
	echo "#  $n groups upstream, want $1"
	return 1
}

# 1000 kernel joins on rcv1, timed until r0 reports them all upstream
# (by a watcher beside the harness: /proc/net/igmp needs no process).
T0=$(now_ns)
watch_start learned -t 20 upstream_is $N
hold_start many rcv1 $RCV1_IF join $N $BASE1
say "holder: $(cat "$WORK/many.out")"
T1=$(watch_ns learned)
dt=never
[ -n "$T1" ] && dt=$(ms_between "$T0" "$T1")
say "$N groups joined, learned and reported upstream in $dt ms"
# From the host's own reports, not from a query round (30 s).  How fast
# is for test/bench/proxy-bench.sh: this guest may be slow.
expect le "r1: learned and reported upstream from the reports (ms)" \
    "$dt" 10000
check "r1: $N groups in show igmp" wait_until 5 ngroups_is $RTR_OUT1 $N
expect eq "r1: no drops" \
    "$(_objs | grep '"counter":"drop_' | grep -c '"interface":"r1"')" 0

# 1000 records in one report on r2.
gen rcv2 $RCV2_IF --mtu 9000 report3 to_ex:$BASE2+$N
check "r2: $N groups from one report" wait_until 5 ngroups_is $RTR_OUT2 $N
expect eq "r2: it was one report" "$(igmp_counter $RTR_OUT2 report_v3)" 1

check "r0 reports all $((2 * N)) upstream" wait_until 10 upstream_is $((2 * N))
expect eq "r0 groups in /proc/net/igmp" "$(upstream_count)" $((2 * N))
expect eq "show igmp upstream rows" \
    "$(_objs | grep '"sources":\[' | grep -vc '"compat":')" $((2 * N))

# Streams to a few of them (rcv1 only binds: the holder has the
# memberships).
for g in 239.10.0.1 239.10.1.244 239.10.3.232; do
	recv_start "r${g//./_}" rcv1 -i $RCV1_IF -J -d 30 $g
done
recv_start r2last rcv2 -i $RCV2_IF -d 30 239.11.3.232
for g in 239.10.0.1 239.10.1.244 239.10.3.232 239.11.3.232; do
	prime src $SRC_IF $SRC4 $g
	send src -i $SRC_IF -c 20 -r 1000 $g
done
sleep 0.2
for g in 239.10.0.1 239.10.1.244 239.10.3.232; do
	recv_stop "r${g//./_}"
	expect eq "stream to $g arrived" "$(kv "r${g//./_}" received)" 20
done
recv_stop r2last
expect eq "stream to 239.11.3.232 arrived on r2" "$(kv r2last received)" 20

# The host leaves them all.  So did rcv2 leave 239.11.3.232 above: it
# is the host the crafted report came from, so that group ends on r2
# too, after LMQT (explicit tracking).
T1=$(now_ns)
hold_stop many
check "r1: all $N left" wait_until 10 ngroups_is $RTR_OUT1 0
say "$N leaves processed in $(ms_between "$T1" "$(now_ns)") ms (LMQT 400 ms)"
check "r0 keeps only r2's other $((N - 1)) upstream" \
    wait_until 10 upstream_is $((N - 1))
igmp_snap
expect eq "r2 lost only the group its host left" "$(igmp_ngroups $RTR_OUT2)" \
    $((N - 1))
expect seq "r2: 239.11.3.232 is the one" \
    "$(igmp_grp $RTR_OUT2 239.11.3.232 mode)" ""

check "daemon still running" daemon_alive
daemon_stop
expect eq "exit status" "$DAEMON_RC" 0
expect eq "r0 left them all on exit" "$(upstream_count)" 0
finish
