#!/bin/bash
# A message longer than the routing socket's receive buffer (9216
# octets) is dropped by the kernel layer, counted and logged, and never
# reaches the IGMP proxy's decoder as if it were whole: a host on a link
# with a 16000-octet MTU sends an IGMPv3 report of 1400 records (11,256
# octets).  None of its groups is learned, the proxy counts no drop for
# it, and an ordinary report afterwards is taken.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy-lib.sh"

need_mroute4
need_tools
need_daemon
need_bin "$SMCROUTECTL"
need_igmpgen
topo
ip -n "$RTR" link set $RTR_OUT1 mtu 16000 || error "mtu $RTR_OUT1"
ip -n rcv1 link set $RCV1_IF mtu 16000 || error "mtu $RCV1_IF"

conf <<EOF
phyint $RTR_IN upstream
phyint $RTR_OUT1 igmp query-interval 30 query-response-interval 1
EOF
daemon_start

_dropped()
{
	grep -q "kernel: dropped an IPv4 message from $RTR_OUT1 longer than 9216 octets (1 truncated" "$DLOG"
}

# 1400 records of 8 octets, a 24-octet IP header with Router Alert.
gen rcv1 $RCV1_IF --mtu 15000 report3 to_ex:239.20.0.1+1400
check "the truncated report is logged with its count" wait_until 5 _dropped
# An ordinary report after it: the daemon reads on.
gen rcv1 $RCV1_IF report3 to_ex:239.21.0.1
check "an ordinary report afterwards is taken" \
    wait_until 5 mdb_has $RTR_OUT1 239.21.0.1
igmp_snap
expect eq "no group of the truncated report learned" \
    "$(igmp_ngroups $RTR_OUT1)" 1
expect eq "the proxy's decoder never saw it (drop_too_short)" \
    "$(igmp_counter $RTR_OUT1 drop_too_short)" 0
expect eq "one IGMPv3 report counted" \
    "$(igmp_counter $RTR_OUT1 report_v3)" 1

# counter FAMILY NAME: a counter of smcroutectl -d show interfaces.
counter()
{
	nsx $RTR "$SMCROUTECTL" -u "$SOCK" -t -d show interfaces |
	    awk -v f="$1" -v c="$2" '$1 == f && $2 == c { print $3 }'
}
expect eq "show: 1 truncated" "$(counter IPv4 truncated)" 1
expect eq "show: none with ancillary data cut" \
    "$(counter IPv4 ctrl_truncated)" 0
expect ge "show: the ordinary report was read" \
    "$(counter IPv4 packets)" 1

daemon_stop
expect eq "exit status" "$DAEMON_RC" 0
check "counted at exit" grep -q \
    "kernel: IPv4 socket received .* 1 truncated," "$DLOG"
finish
