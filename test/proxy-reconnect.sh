#!/bin/bash
# Upstream reconnects as PPPoE and DHCP clients do them: the upstream
# link is deleted and created again under the same name, with a new
# ifindex and new addresses at both ends, and the daemon is neither
# restarted nor signalled.  Proxies in the field kept a VIF on the dead
# ifindex, reported nothing on the new link until the next query (or
# from the old address), or needed a restart before the stream came
# back.  Here, each time: the daemon's IGMPv3 report for the host's
# group is on the new wire, from the new address, within 2 s of the
# link coming up (the listener's wire timestamps); the stream from the
# new source reaches the joined host within 3 s and then flows without
# loss; /proc/net/ip_mr_vif has exactly one VIF for r0, on the new
# ifindex (VIFF_USE_IFINDEX: the Local column is the ifindex); the MLD
# membership and the IPv6 stream follow.  Twice: once after the daemon
# saw the link go, once deleted and re-created at once (a fast redial).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy-lib.sh"

need_mroute4
need_mroute6
need_tools
need_daemon
need_igmpgen
topo
G=239.4.4.4 G6=ff0e::4:4
conf <<EOF
phyint $RTR_IN upstream igmp mld
phyint $RTR_OUT1 igmp mld query-interval 20 query-response-interval 1
EOF
daemon_start

# vif_local IF: the Local column of IF's VIF in /proc/net/ip_mr_vif, as
# a decimal number (the ifindex for a VIFF_USE_IFINDEX VIF); one line
# per VIF of that name.
vif_local()
{
	local line
	local -a w
	_readproc ip_mr_vif
	for line in "${_P[@]:1}"; do
		read -r -a w <<<"$line"
		[ "${w[1]}" = "$1" ] && echo $((16#${w[7]}))
	done
	return 0
}

# vif_on IF INDEX: IF has exactly one VIF, on INDEX.
vif_on()
{
	[ "$(vif_local "$1")" = "$2" ]
}

# udp_first_from NAME SRC TS: wire time of the first datagram from SRC
# that listener NAME saw after TS.
udp_first_from()
{
	grep " type=udp " "$WORK/$1.out" | grep " src=$2 " |
	    sed -n 's/.* ts=\([0-9]*\) .*/\1/p' |
	    awk -v t="$3" '$1 > t { print; exit }'
}

# The host's wire, for the stream's timestamps.
listen_start host rcv1 $RCV1_IF -U $G
recv_start j rcv1 -i $RCV1_IF -d 200 $G
recv_start j6 rcv1 -i $RCV1_IF -d 200 $G6
check "IPv4 join learned" wait_until 3 mdb_has $RTR_OUT1 $G
check "IPv6 join learned" wait_until 3 mdb_has $RTR_OUT1 $G6
check "IPv4 group reported upstream" wait_until 2 igmp_has $RTR_IN $G
check "IPv6 group reported upstream" wait_until 2 igmp6_has $RTR_IN $G6
idx=$(ifindex "$RTR" $RTR_IN)
check "r0's VIF on its ifindex $idx" vif_on $RTR_IN "$idx"
send_start s0v4 src -i $SRC_IF -d 200 -r 100 $G
send_start s0v6 src -i $SRC_IF -d 200 -r 100 $G6
check "IPv4 stream routed" wait_until 3 mfc_is $SRC4 $G $RTR_IN $RTR_OUT1
check "IPv6 stream routed" wait_until 3 mfc_is $SRC6 $G6 $RTR_IN $RTR_OUT1
OLD4=$SRC4 OLD6=$SRC6

# reconnect NAME NET4 NET6 slow|fast: delete r0 (and s0 with it) and
# create both again with addresses in NET4.0/24 and NET6/64, the router
# at .254 and ::fe, the source at .1 and ::1.
reconnect()
{
	local name=$1 net4=$2 net6=$3 how=$4 old t0 tr tu n4 n6 r6 new
	local ms gap miss
	old=$(ifindex "$RTR" $RTR_IN)
	say "$name: $RTR_IN (ifindex $old) goes ($how)"
	ip -n "$RTR" link del $RTR_IN || error "cannot delete $RTR_IN"
	send_stop ${PREV}v4
	send_stop ${PREV}v6
	if [ "$how" = slow ]; then
		check "$name: the daemon saw r0 go" wait_until 3 \
		    grep -q "Interface $RTR_IN (ifindex $old) is gone" "$DLOG"
		check "$name: r0's VIF went with it" wait_until 2 \
		    not vif_has $RTR_IN
		check "$name: the old source's route went with it" \
		    wait_until 2 not mfc_has $OLD4 $G
	fi
	# As pppd does: the link comes with its addresses, then goes up.
	ip link add $RTR_IN netns "$RTR" type veth peer name $SRC_IF \
	    netns src || error "cannot create $RTR_IN"
	addr src $SRC_IF $net4.1/24 $net6::1/64
	addr "$RTR" $RTR_IN $net4.254/24 $net6::fe/64
	# The far end first: a packet socket bound to a down interface
	# only gets ENETDOWN.
	ip -n src link set $SRC_IF up
	listen_start up$name src $SRC_IF
	_now
	tu=$NOW
	ip -n "$RTR" link set $RTR_IN up
	route src default $net4.254
	route src default $net6::fe
	new=$(ifindex "$RTR" $RTR_IN)
	n4=$net4.1 n6=$net6::1
	watch_start v6$name -t 10 igmp6_has $RTR_IN $G6
	send_start ${name}v4 src -i $SRC_IF -s $n4 -d 200 -r 100 $G
	send_start ${name}v6 src -i $SRC_IF -s $n6 -d 200 -r 100 $G6
	PREV=$name
	check "$name: IPv4 stream from $n4 routed" wait_until 5 \
	    mfc_is $n4 $G $RTR_IN $RTR_OUT1
	check "$name: IPv6 stream from $n6 routed" wait_until 5 \
	    mfc_is $n6 $G6 $RTR_IN $RTR_OUT1
	r6=$(watch_ns v6$name)
	sleep 3
	listen_stop up$name
	expect sne "$name: a new ifindex" "$new" "$old"
	check "$name: one VIF for r0, on the new ifindex $new" \
	    vif_on $RTR_IN "$new"
	check "$name: r0 has an IPv6 MIF" mif_has $RTR_IN
	expect eq "$name: no VIF left behind (r0, r1)" "$(vif_count)" 2
	expect eq "$name: no MIF left behind (r0, r1)" "$(vif_count 6)" 2
	proc ip_mr_vif | sed 's/^/# ip_mr_vif: /'

	# The report for G from the router's new address on the new wire.
	tr=$(grep -E " src=$net4\\.254 .*type=report_v3 .*rec=[A-Z_]+:$G" \
	    "$WORK/up$name.out" | sed -n 's/.* ts=\([0-9]*\) .*/\1/p' |
	    awk -v t="$tu" '$1 > t { print; exit }')
	ms=never
	[ -n "$tr" ] && ms=$(ms_between "$tu" "$tr")
	grep -m 3 "type=report" "$WORK/up$name.out" | sed 's/^/# wire: /'
	check_not "$name: no report from the old address on the new link" \
	    grep -q " src=${OLDR4//./\\.} .*type=report" "$WORK/up$name.out"
	check_not "$name: no report from 0.0.0.0" \
	    grep -q " src=0\\.0\\.0\\.0 .*type=report" "$WORK/up$name.out"
	# The stream at the host.
	t0=$(udp_first_from host $n4 "$tu")
	ms4=never
	[ -n "$t0" ] && ms4=$(ms_between "$tu" "$t0")
	ms6=never
	[ -n "$r6" ] && ms6=$(ms_between "$tu" "$r6")
	_now
	gap=$(udp_gap host "${t0:-$NOW}" "$NOW")
	miss=$(udp_missing host "${t0:-$NOW}" "$NOW")
	say "$name: ifindex $old -> $new; report on the wire after $ms ms," \
	    "stream at the host after $ms4 ms (then gap $gap ms, $miss" \
	    "missing), MLD membership after $ms6 ms"
	expect le "$name: IGMPv3 report from $net4.254 within 2 s (ms)" \
	    "${tr:+$ms}" 2000
	expect le "$name: stream from $n4 at the host within 3 s (ms)" \
	    "${t0:+$ms4}" 3000
	expect le "$name: then no gap at the host (ms)" "$gap" 500
	expect le "$name: nor loss (one for a starved CPU)" "$miss" 1
	expect le "$name: MLD membership on the new r0 within 2 s (ms)" \
	    "${r6:+$ms6}" 2000
	igmp_snap
	expect seq "$name: upstream row for $G" "$(igmp_up $G mode)" EXCLUDE
	check "$name: the old source's route is gone" not mfc_has $OLD4 $G
	check "$name: the old IPv6 source's route is gone" not mfc_has $OLD6 $G6
	OLD4=$n4 OLD6=$n6 OLDR4=$net4.254
}

PREV=s0 OLDR4=$RTR4_IN
reconnect ppp1 10.9.0 fc00:9 slow
reconnect ppp2 10.8.0 fc00:8 fast

send_stop ${PREV}v4
send_stop ${PREV}v6
recv_stop j
recv_stop j6
expect ge "the host got the stream across both reconnects" \
    "$(kv j received)" 500
expect ge "and the IPv6 one" "$(kv j6 received)" 500
check "daemon still running" daemon_alive
daemon_stop
expect eq "exit status" "$DAEMON_RC" 0
finish
