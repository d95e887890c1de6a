#!/bin/bash
# A bad conf on reload keeps the running configuration: flows continue
# without loss, the kernel state (routes, VIFs, groups) is unchanged,
# the daemon keeps running; a good conf afterwards is applied.
. "$(dirname "$0")/lib.sh"

need_mroute4
need_mroute6
need_tools
need_daemon
topo

conf <<EOF
mroute from $RTR_IN source $SRC4 group 225.1.1.1 to $RTR_OUT1
mroute from $RTR_IN source $SRC6 group ff0e::1:1 to $RTR_OUT1
mroute from $RTR_IN group 225.3.3.0/24 to $RTR_OUT1
mgroup from $RTR_OUT1 group 225.5.5.5
mgroup from $RTR_OUT1 group ff0e::5:5
EOF
daemon_start
flow_check "learned flow" learn 225.3.3.3 $SRC4

# Kernel state without counters.
snapshot()
{
	ip -n $RTR mroute show | sed 's/  */ /g'
	ip -n $RTR -6 mroute show | sed 's/  */ /g'
	proc ip_mr_vif | awk 'NR > 1 { print "vif", $1, $2 }'
	proc ip6_mr_vif | awk 'NR > 1 { print "mif", $1, $2 }'
	igmp_groups $RTR_OUT1 | sort
	proc igmp6 | awk '{ print $2, $3 }' | sort
}
snapshot >"$WORK/before.state"

# Bad files, each dropping the good routes and adding one error.
bad1="mroute from $RTR_IN group 10.1.1.1 to $RTR_OUT1"
bad2="mroute from $RTR_IN group 225.1.1.0/33 to $RTR_OUT1"
bad3="include"
bad4="mroute from $RTR_IN group 225.9.9.9 to$(for i in $(seq 1 33); do printf ' x%d' $i; done)"
bad5="mroute from $RTR_IN source $SRC4 group 225.1.1.1 to $RTR_OUT1 $(printf '%01100d' 0)"

recv_start r4 rcv1 -i $RCV1_IF -d 30 225.1.1.1
recv_start r6 rcv1 -i $RCV1_IF -d 30 ff0e::1:1
recv_start rl rcv1 -i $RCV1_IF -d 30 225.3.3.3
send_start s4 src -i $SRC_IF -c 4000 -r 1000 225.1.1.1
send_start s6 src -i $SRC_IF -c 4000 -r 1000 ff0e::1:1
send_start sl src -i $SRC_IF -c 4000 -r 1000 225.3.3.3
for b in "$bad1" "$bad2" "$bad3" "$bad4" "$bad5"; do
	sleep 0.2
	printf 'mgroup from %s group 225.6.6.6\n%s\n' $RTR_OUT1 "$b" | conf
	say "bad conf: ${b:0:70}"
	daemon_hup
	check "alive after a bad reload" daemon_alive
done
for s in s4 s6 sl; do
	send_wait $s
done
sleep 0.3
for r in r4:s4 r6:s6 rl:sl; do
	recv_stop ${r%:*}
	expect eq "${r%:*}: all received while bad reloads came" \
	    "$(kv ${r%:*} received)" "$(kv ${r#*:} sent)"
done

snapshot >"$WORK/after.state"
cmp -s "$WORK/before.state" "$WORK/after.state" ||
	diff -u "$WORK/before.state" "$WORK/after.state"
check "kernel state unchanged" cmp -s "$WORK/before.state" "$WORK/after.state"
check_not "nothing of the bad file applied" igmp_has $RTR_OUT1 225.6.6.6
check "IPv4 (S,G) kept" mfc_is $SRC4 225.1.1.1 $RTR_IN $RTR_OUT1
check "IPv6 (S,G) kept" mfc_is $SRC6 ff0e::1:1 $RTR_IN $RTR_OUT1
check "group kept" igmp_has $RTR_OUT1 225.5.5.5

# Fixed: applied.
conf <<EOF
mroute from $RTR_IN source $SRC4 group 225.1.1.1 to $RTR_OUT1
mgroup from $RTR_OUT1 group 225.6.6.6
EOF
daemon_reload
check "good conf after bad ones: group joined" igmp_has $RTR_OUT1 225.6.6.6
check_not "good conf after bad ones: group left" igmp_has $RTR_OUT1 225.5.5.5
check "good conf after bad ones: IPv6 route gone" _no_oifs $SRC6 ff0e::1:1
flow_check "IPv4 route still forwards" all 225.1.1.1 $SRC4

daemon_stop
expect eq "exit status" "$DAEMON_RC" 0
finish
