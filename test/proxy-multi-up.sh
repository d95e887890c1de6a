#!/bin/bash
# IGMP/MLD proxy with two upstreams, each serving its own group ranges
# (phyint IF upstream igmp mld group PREFIX...): r0 serves 239.0.0.0/8
# and ff0e::/16, r2 (its own upstream network here, rcv2 the far end)
# 225.1.0.0/16 and ff05::/16; r1 is the downstream LAN.  A host on r1
# joins one group of each range: each group's merged membership is set
# on its upstream only (/proc/net/igmp and igmp6 of the router, `show
# igmp`, and the reports on each upstream wire), a stream of each group
# arriving on its upstream is forwarded, the same group arriving on the
# other upstream is not (counted as upstream_group_refused).  A reload
# moving 225.1.0.0/16 to r0 leaves the group on r2 and joins it on r0,
# while a stream of the other range keeps flowing without a loss.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy-lib.sh"

need_mroute4
need_mroute6
need_tools
need_daemon
need_igmpgen
topo 2
# The router's state-change reports are repeated after 50 ms at most.
for i in $RTR_IN $RTR_OUT2; do
	sysctl_set "$RTR" net.ipv4.conf.$i.igmpv3_unsolicited_report_interval 50
	sysctl_set "$RTR" net.ipv6.conf.$i.mldv2_unsolicited_report_interval 50
done

GA=239.1.1.1 GB=225.1.1.1 GA6=ff0e::1:1 GB6=ff05::1:1
UP2_4=10.0.2.254
conf <<EOF
phyint $RTR_IN upstream igmp mld group 239.0.0.0/8 group ff0e::/16
phyint $RTR_OUT2 upstream igmp mld group 225.1.0.0/16 group ff05::/16
phyint $RTR_OUT1 igmp mld query-interval 60 query-response-interval 1
EOF
daemon_start
igmp_snap
expect seq "r0 role" "$(igmp_if $RTR_IN role)" "upstream, reporting"
expect seq "r2 role" "$(igmp_if $RTR_OUT2 role)" "upstream, reporting"

up_on()
{
	igmp_snap && [ "$(igmp_up "$1" interface)" = "$2" ]
}

listen_start up0 src $SRC_IF
listen_start up2 rcv2 $RCV2_IF
listen_start da rcv1 $RCV1_IF -U $GA
listen_start db rcv1 $RCV1_IF -U $GB
T0=$(now_ns)
recv_start ja rcv1 -i $RCV1_IF -d 250 $GA
recv_start jb rcv1 -i $RCV1_IF -d 250 $GB
recv_start ja6 rcv1 -i $RCV1_IF -d 250 $GA6
recv_start jb6 rcv1 -i $RCV1_IF -d 250 $GB6
for g in $GA $GB $GA6 $GB6; do
	check "r1 learned $g" wait_until 3 mdb_has $RTR_OUT1 $g
done

# Each group is set on its upstream alone.
check "$GA set on r0 (/proc/net/igmp)" wait_until 2 igmp_has $RTR_IN $GA
check "$GB set on r2 (/proc/net/igmp)" wait_until 2 igmp_has $RTR_OUT2 $GB
check "$GA not set on r2" no_igmp $RTR_OUT2 $GA
check "$GB not set on r0" no_igmp $RTR_IN $GB
check "$GA6 set on r0 (/proc/net/igmp6)" wait_until 2 igmp6_has $RTR_IN $GA6
check "$GB6 set on r2 (/proc/net/igmp6)" wait_until 2 igmp6_has $RTR_OUT2 $GB6
check "$GA6 not set on r2" no_igmp6 $RTR_OUT2 $GA6
check "$GB6 not set on r0" no_igmp6 $RTR_IN $GB6
check "show igmp: $GA upstream r0" up_on $GA $RTR_IN
check "show igmp: $GB upstream r2" up_on $GB $RTR_OUT2
check "show igmp: $GA6 upstream r0" up_on $GA6 $RTR_IN
check "show igmp: $GB6 upstream r2" up_on $GB6 $RTR_OUT2
sleep 0.3
expect gt "$GA reported on r0's wire" \
    "$(recs_after up0 $RTR4_IN $GA "$T0" | wc -l)" 0
expect gt "$GB reported on r2's wire" \
    "$(recs_after up2 $UP2_4 $GB "$T0" | wc -l)" 0
expect eq "$GB never reported on r0's wire" \
    "$(recs_after up0 $RTR4_IN $GB 0 | wc -l)" 0
expect eq "$GA never reported on r2's wire" \
    "$(recs_after up2 $UP2_4 $GA 0 | wc -l)" 0

# Streams: each group from its upstream is forwarded, from the other
# upstream not.  prime: the kernel entry is in place before the count.
prime src $SRC_IF $SRC4 $GA
prime rcv2 $RCV2_IF $RCV2_4 $GB
prime rcv2 $RCV2_IF $RCV2_4 $GA
prime src $SRC_IF $SRC4 $GB
T1=$(now_ns)
send src -i $SRC_IF -c 20 -r 200 $GA
send rcv2 -i $RCV2_IF -c 20 -r 200 $GB
send rcv2 -i $RCV2_IF -c 15 -r 200 $GA
send src -i $SRC_IF -c 15 -r 200 $GB
sleep 0.3
T2=$(now_ns)
expect eq "$GA from r0 (its upstream) forwarded to r1" \
    "$(udp_in da "$T1" "$T2" $SRC4)" 20
expect eq "$GB from r2 (its upstream) forwarded to r1" \
    "$(udp_in db "$T1" "$T2" $RCV2_4)" 20
expect eq "$GA from r2 (not its upstream) not forwarded" \
    "$(udp_from da $RCV2_4)" 0
expect eq "$GB from r0 (not its upstream) not forwarded" \
    "$(udp_from db $SRC4)" 0
igmp_snap
expect ge "r2 counted the refused $GA flow" \
    "$(igmp_counter $RTR_OUT2 upstream_group_refused)" 1
expect ge "r0 counted the refused $GB flow" \
    "$(igmp_counter $RTR_IN upstream_group_refused)" 1

# IPv6 the same way.
prime src $SRC_IF $SRC6 $GA6
prime rcv2 $RCV2_IF $RCV2_6 $GA6
send src -i $SRC_IF -c 20 -r 200 $GA6
send rcv2 -i $RCV2_IF -c 15 -r 200 $GA6
sleep 0.3
recv_stop ja6
expect eq "$GA6: the 20 from r0 forwarded, none of the 15 from r2" \
    "$(kv ja6 received)" 20

# Reload: 225.1.0.0/16 moves to r0.  A stream of GA runs throughout.
conf <<EOF
phyint $RTR_IN upstream igmp mld group 239.0.0.0/8 group 225.1.0.0/16 group ff0e::/16
phyint $RTR_OUT2 upstream igmp mld group 226.0.0.0/8 group ff05::/16
phyint $RTR_OUT1 igmp mld query-interval 60 query-response-interval 1
EOF
send_start stream src -i $SRC_IF -c 600 -r 200 -S 1000 $GA
sleep 0.5
M=$(now_ns)
daemon_reload || fail "reload not acknowledged"
check "$GB now set on r0" wait_until 2 igmp_has $RTR_IN $GB
check "$GB left on r2" wait_until 2 no_igmp $RTR_OUT2 $GB
check "$GA still on r0" igmp_has $RTR_IN $GA
check "$GB6 still on r2" igmp6_has $RTR_OUT2 $GB6
check "show igmp: $GB upstream r0 now" up_on $GB $RTR_IN
sleep 0.3
expect gt "$GB reported on r0's wire after the reload" \
    "$(recs_after up0 $RTR4_IN $GB "$M" | wc -l)" 0
expect seq "$GB left on r2's wire (TO_IN {})" \
    "$(recs_after up2 $UP2_4 $GB "$M" | sort -u | tr '\n' ' ')" \
    "TO_IN:$GB "
expect eq "nothing about $GA on r0's wire at the reload" \
    "$(recs_after up0 $RTR4_IN $GA "$M" | wc -l)" 0
expect eq "nothing about $GA on r2's wire at the reload" \
    "$(recs_after up2 $UP2_4 $GA "$M" | wc -l)" 0
send_wait stream
sleep 0.3
T3=$(now_ns)
expect eq "$GA stream: all 600 arrived across the reload" \
    "$(udp_in da "$T2" "$T3" $SRC4)" 600
expect eq "$GA stream: no sequence number missing" \
    "$(udp_missing da "$T2" "$T3")" 0
prime src $SRC_IF $SRC4B $GB
prime rcv2 $RCV2_IF $RCV2_4 $GB
T4=$(now_ns)
send src -i $SRC_IF -s $SRC4B -c 20 -r 200 $GB
send rcv2 -i $RCV2_IF -c 15 -r 200 $GB
sleep 0.3
T5=$(now_ns)
expect eq "$GB from r0 forwarded after the move" \
    "$(udp_in db "$T4" "$T5" $SRC4B)" 20
expect eq "$GB from r2 no longer forwarded" \
    "$(udp_in db "$T4" "$T5" $RCV2_4)" 0

check "daemon still running" daemon_alive
daemon_stop
expect eq "exit status" "$DAEMON_RC" 0
finish
