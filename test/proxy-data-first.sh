#!/bin/bash
# IGMP/MLD proxy, data before the report: a 200 pps stream from upstream
# already reaches the router, which holds a kernel (S,G) entry without
# OIFs for it (the upcall has been answered, the kernel asks no more),
# when a host on r1 joins.  The host must receive within a short bound
# of its report, and the entry in /proc/net/ip_mr_cache (ip6_mr_cache)
# must gain r1 as soon as the report is in: a proxy that only builds
# routes on upcalls forwards such a stream only when the entry expires,
# a minute or two later (omcproxy issue #25).  IPv4 (IGMPv3 host, its
# report timed on the wire) and IPv6 (MLDv2 host, timed from its join).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy-lib.sh"

need_mroute4
need_mroute6
need_tools
need_daemon
need_igmpgen
topo
sysctl_set rcv1 net.ipv4.conf.$RCV1_IF.igmpv3_unsolicited_report_interval 10

G=239.5.5.5
G6=ff0e::5:5
# A report to the first datagram, and to r1 in the kernel entry: a bound
# that holds in the TCG guest and is far below any query round.
JOIN_MAX=250

# pkts_grow S G: the entry's packet counter moves (the stream reaches
# the router and hits this entry).
pkts_grow()
{
	local a b
	a=$(mfc_pkts "$1" "$2")
	sleep 0.2
	b=$(mfc_pkts "$1" "$2")
	[ -n "$a" ] && [ -n "$b" ] && [ "$b" -gt "$a" ]
}

# ready_ns NAME: the time receiver NAME had joined (its ready file's
# mtime, ns).
ready_ns()
{
	local t
	t=$(stat -c %.9Y "$WORK/$1.ready") || return 1
	echo "${t/./}"
}

conf <<EOF
phyint $RTR_IN upstream igmp mld
phyint $RTR_OUT1 igmp mld query-interval 10 query-response-interval 1
EOF
daemon_start

# IPv4.
listen_start wire rcv1 $RCV1_IF -U $G
send_start s4 src -i $SRC_IF -d 60 -r 200 $G
check "v4: the stream reaches the router: (S,G) entry without OIFs" \
    wait_until 2 mfc_stop $SRC4 $G $RTR_IN
# Long enough for any retried upcall; the kernel has its entry.
sleep 1
check "v4: the stream hits the entry" pkts_grow $SRC4 $G
check "v4: still no OIF before the join" mfc_stop $SRC4 $G $RTR_IN
watch_start oif4 -t 10 mfc_is $SRC4 $G $RTR_IN $RTR_OUT1
_now
T0=$NOW
recv_start j4 rcv1 -i $RCV1_IF -d 60 -T $G
sleep 1
W=$(watch_ns oif4)
check "v4: r1 an OIF of the entry in /proc/net/ip_mr_cache" \
    mfc_is $SRC4 $G $RTR_IN $RTR_OUT1
check "v4: the group learned" mdb_has $RTR_OUT1 $G
recv_stop j4
send_stop s4
sleep 0.2
listen_stop wire
J=$(rec_after wire $RCV1_4 TO_EX:$G "$T0")
[ -n "$J" ] || fail "v4: the host's report is not on the wire"
expect eq "v4: nothing on the LAN before the report" \
    "$(grep ' type=udp ' "$WORK/wire.out" |
	awk -v t="$J" '{ sub(/.* ts=/, ""); sub(/ .*/, "") } $1 < t { n++ }
	    END { print n + 0 }')" 0
F=$(udp_first_after wire "$J")
[ -n "$F" ] || fail "v4: nothing on the LAN after the report"
dt=$(ms_between "$J" "$F")
say "v4: first datagram on the LAN $dt ms after the report"
expect le "v4: forwarded within a bound of the report (ms, on the wire)" \
    "$dt" $JOIN_MAX
dh=$(ms_between "$J" "$(kv j4 first_ts)")
say "v4: the host's first datagram $dh ms after its report"
expect le "v4: the host received within a bound of its report (ms)" \
    "$dh" $JOIN_MAX
dw=never
[ -n "$W" ] && dw=$(ms_between "$J" "$W")
say "v4: r1 in the kernel entry $dw ms after the report"
expect le "v4: r1 added to the entry within a bound of the report (ms)" \
    "$dw" $JOIN_MAX
expect ge "v4: the host received the stream" "$(kv j4 received)" 150
expect eq "v4: and lost nothing" "$(kv j4 lost)" 0

# IPv6: no wire listener for MLD; the host's join (the ready file,
# written once the join returned; the kernel sends the report a tick
# later) is the reference, so the figures include the report's way.
send_start s6 src -i $SRC_IF -d 60 -r 200 $G6
check "v6: the stream reaches the router: (S,G) entry without OIFs" \
    wait_until 2 mfc_stop $SRC6 $G6 $RTR_IN
sleep 1
check "v6: the stream hits the entry" pkts_grow $SRC6 $G6
check "v6: still no OIF before the join" mfc_stop $SRC6 $G6 $RTR_IN
watch_start oif6 -t 10 mfc_is $SRC6 $G6 $RTR_IN $RTR_OUT1
recv_start j6 rcv1 -i $RCV1_IF -d 60 -T $G6
sleep 1
W=$(watch_ns oif6)
check "v6: r1 an OIF of the entry in /proc/net/ip6_mr_cache" \
    mfc_is $SRC6 $G6 $RTR_IN $RTR_OUT1
check "v6: the group learned" mdb_has $RTR_OUT1 $G6
recv_stop j6
send_stop s6
J=$(ready_ns j6)
dh=$(ms_between "$J" "$(kv j6 first_ts)")
say "v6: the host's first datagram $dh ms after its join"
expect le "v6: the host received within a bound of its join (ms)" \
    "$dh" $JOIN_MAX
dw=never
[ -n "$W" ] && dw=$(ms_between "$J" "$W")
say "v6: r1 in the kernel entry $dw ms after the join"
expect le "v6: r1 added to the entry within a bound of the join (ms)" \
    "$dw" $JOIN_MAX
expect ge "v6: the host received the stream" "$(kv j6 received)" 150
expect eq "v6: and lost nothing" "$(kv j6 lost)" 0

check "daemon still running" daemon_alive
daemon_stop
expect eq "exit status" "$DAEMON_RC" 0
finish
