#!/bin/bash
# IGMP proxy behind a snooping switch: a Linux bridge with IGMP snooping
# on and no querier of its own sits between the router's r1 and two
# hosts.  The bridge forwards a group only to ports it has seen a report
# on, and forgets a port after its membership interval unless the
# router's queries keep drawing reports from the host.  A proxy whose
# queries the switch does not see, or does not take as a querier's, or
# that queries too seldom, lets the switch time the host port out: the
# stream freezes until the host happens to report again (the "15 s" or
# "260 s" freezes reported against IGMP proxies behind home switches).
# With the router's timers short (query interval 4 s) and the bridge's
# matched to them, a host receives a stream for five query intervals
# (more than twice the membership interval) without a gap above 500 ms,
# the bridge keeps the group on the host's port all along and never
# floods it to the other host; done with the bridge's IGMPv2 and IGMPv3
# snooping.  The host's leave then removes the port and stops the
# stream there.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy-lib.sh"

need_mroute4
need_tools
need_daemon
need_igmpgen

# Router timers, and the bridge's matched to them (centiseconds): the
# membership interval is RV x QI + QRI (RFC 3376 8.4), the other
# querier present interval RV x QI + QRI / 2 (8.5).
QI=4 QRI=1 RV=2
GMI_CS=$(( (RV * QI + QRI) * 100 ))
OQPI_CS=$(( RV * QI * 100 + QRI * 50 ))
ROUNDS=5			# query intervals the stream is watched for
G=239.3.3.3

# topo_snoop: as topo_lan, but the bridge snoops and never queries.
#
#   src:s0 ---- r0:rtr:r1 ---- p0:sw:br0:p1 ---- c1:rcv1   10.0.1.1
#                                       :p3 ---- c3:rcv3   10.0.1.3
topo_snoop()
{
	local p
	command -v bridge >/dev/null 2>&1 || skip "needs bridge (iproute2)"
	modprobe bridge 2>/dev/null
	ns_add src "$RTR" rcv1 rcv3 sw
	link src "$SRC_IF" "$RTR" "$RTR_IN"
	ip -n sw link add br0 type bridge mcast_snooping 1 mcast_querier 0 \
	    mcast_membership_interval $GMI_CS \
	    mcast_querier_interval $OQPI_CS \
	    mcast_query_interval $((QI * 100)) \
	    mcast_query_response_interval $((QRI * 100)) \
	    mcast_startup_query_interval $((QI * 25)) \
	    mcast_last_member_interval 100 ||
		skip "cannot create a snooping bridge (CONFIG_BRIDGE_IGMP_SNOOPING)"
	link "$RTR" "$RTR_OUT1" sw p0
	link rcv1 "$RCV1_IF" sw p1
	link rcv3 "$RCV3_IF" sw p3
	for p in p0 p1 p3; do
		ip -n sw link set "$p" master br0 || error "bridge port $p"
	done
	ip -n sw link set br0 up
	addr src "$SRC_IF" $SRC4/24
	addr "$RTR" "$RTR_IN" $RTR4_IN/24
	addr "$RTR" "$RTR_OUT1" 10.0.1.254/24
	addr rcv1 "$RCV1_IF" $RCV1_4/24
	addr rcv3 "$RCV3_IF" $RCV3_4/24
	route src default 10.0.0.254
	route rcv1 default 10.0.1.254
	route rcv3 default 10.0.1.254
	sysctl_set "$RTR" net.ipv4.ip_forward 1
}

# mdb_port PORT: the bridge's mdb holds $G on PORT.
mdb_port()
{
	bridge -n sw mdb show dev br0 | grep -q "port $1 grp $G\\b"
}

# mdb_sample: append the bridge's mdb (with timers) to $WORK/mdb.log,
# one "@ NS" line before each sample; fails if it lacks $G on p1.
mdb_sample()
{
	local out
	out=$(bridge -n sw -s mdb show dev br0 2>&1)
	_now
	printf '@ %s\n%s\n' "$NOW" "$out" >>"$WORK/mdb.log"
	[[ $out == *"port p1 grp $G "* ]]
}

# wire_count NAME PATTERN FROM TO: lines of listener NAME matching the
# extended regex whose ts lies between FROM and TO.
wire_count()
{
	grep -E "$2" "$WORK/$1.out" | awk -v a="$3" -v b="$4" '
	    { for (i = 1; i <= NF; i++) if ($i ~ /^ts=/) ts = substr($i, 4) + 0
	      if (ts >= a && ts <= b) n++ }
	    END { print n + 0 }'
}

topo_snoop
# Hosts as shipped: IGMPv3, unsolicited reports repeated after 1 s.
conf <<EOF
phyint $RTR_IN upstream
phyint $RTR_OUT1 igmp query-interval $QI query-response-interval $QRI
EOF
daemon_start
say "bridge: membership interval $GMI_CS cs, querier interval $OQPI_CS cs"

# phase V: the bridge snoops as IGMPvV; a host joins, ROUNDS query
# intervals of a 100 pps stream are watched at both hosts and in the
# mdb, then the host leaves.
phase()
{
	local v=$1 t0 t1 tl gap miss nq nr n3 nbad=0 nsamp=0 i last
	say "phase $v: bridge snooping as IGMPv$v"
	ip -n sw link set br0 type bridge mcast_igmp_version "$v" ||
		error "cannot set mcast_igmp_version $v"
	: >"$WORK/mdb.log"
	listen_start w1v$v rcv1 $RCV1_IF -U $G
	listen_start w3v$v rcv3 $RCV3_IF -U $G
	recv_start h$v rcv1 -i $RCV1_IF -d 120 $G
	check "v$v: the proxy learned the join" wait_until 5 \
	    mdb_has $RTR_OUT1 $G
	check "v$v: the bridge learned the host port from the report" \
	    wait_until 5 mdb_port p1
	send_start s$v src -i $SRC_IF -d 120 -r 100 $G
	check "v$v: stream routed r0 -> r1" wait_until 3 \
	    mfc_is $SRC4 $G $RTR_IN $RTR_OUT1
	check "v$v: the stream reaches the host" wait_until 3 \
	    eval "[ \"\$(udp_count w1v$v)\" -gt 0 ]"
	t0=$(now_ns)
	# Sample the mdb twice a second over the rounds.
	for ((i = 0; i < ROUNDS * QI * 2; i++)); do
		nsamp=$((nsamp + 1))
		mdb_sample || nbad=$((nbad + 1))
		sleep 0.5
	done
	t1=$(now_ns)
	say "v$v: watched $(ms_between "$t0" "$t1") ms"
	igmp_snap
	expect seq "v$v: the proxy still has the group on $RTR_OUT1" \
	    "$(igmp_grp $RTR_OUT1 $G hosts)" "$RCV1_4"
	gap=$(udp_gap w1v$v "$t0" "$t1")
	miss=$(udp_missing w1v$v "$t0" "$t1")
	nq=$(wire_count w1v$v " src=10\\.0\\.1\\.254 .*type=query " "$t0" "$t1")
	nr=$(wire_count w1v$v " src=$RCV1_4 .*type=report_v3 .*rec=IS_EX:$G" \
	    "$t0" "$t1")
	n3=$(wire_count w3v$v " type=udp " "$t0" "$t1")
	say "v$v: longest gap $gap ms, $miss missing," \
	    "$(wire_count w1v$v " type=udp " "$t0" "$t1") datagrams;" \
	    "$nq queries, $nr reports; $nbad of $nsamp mdb samples without p1"
	grep -m 1 "port p1 grp $G " "$WORK/mdb.log" | sed 's/^/# mdb: /'
	say "v$v: lowest p1 timer seen $(awk -v g="grp $G " '
	    index($0, "port p1 " g) { t = $NF + 0; if (n++ == 0 || t < m) m = t }
	    END { print (n ? m " s" : "none") }' "$WORK/mdb.log")"
	expect ge "v$v: the router queried every interval (queries seen)" \
	    "$nq" $((ROUNDS - 1))
	expect ge "v$v: the host answered each query through the bridge" \
	    "$nr" $((ROUNDS - 1))
	expect eq "v$v: the bridge kept $G on the host port in every sample" \
	    "$nbad" 0
	expect le "v$v: no freeze: longest gap at the host (ms)" "$gap" 500
	expect le "v$v: no datagram lost at the host (one for a starved CPU)" \
	    "$miss" 1
	expect eq "v$v: snooping holds: the other host got none of it" "$n3" 0
	check_not "v$v: the bridge never put $G on the other host's port" \
	    grep -q "port p3 grp $G" "$WORK/mdb.log"

	# The leave: the proxy's group-specific queries go unanswered, the
	# bridge drops the port and the stream stops at the host.
	tl=$(now_ns)
	recv_stop h$v
	check "v$v: the proxy dropped the group after the leave" \
	    wait_until 5 mdb_gone $RTR_OUT1 $G
	check "v$v: the bridge dropped the host port after the leave" \
	    wait_until 5 not mdb_port p1
	sleep 1
	send_stop s$v
	listen_stop w1v$v
	listen_stop w3v$v
	last=$(ms_between "$tl" "$(udp_last_ts w1v$v)")
	say "v$v: last datagram at the host $last ms after the leave"
	expect le "v$v: the stream stopped at the host after the leave (ms)" \
	    "$last" 4000
}

phase 2
phase 3

check "daemon still running" daemon_alive
daemon_stop
expect eq "exit status" "$DAEMON_RC" 0
finish
