#!/bin/bash
# IGMP proxy, source filters: an INCLUDE host ((S1,G) join) gets S1 and
# not S2 of the same group, an EXCLUDE host (EXCLUDE {S1}, set with
# setsourcefilter) on another LAN gets S2 and not S1: checked on the
# wire and in the kernel's MFC.  An SSM group (232/8) only takes
# source-specific INCLUDE state: IGMPv2 reports and v3 EXCLUDE records
# for it are ignored and counted, a source-specific join works.  A host
# blocking one of its INCLUDE sources gets a group-and-source-specific
# query for it, and only that source expires after LMQT.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy-lib.sh"

need_mroute4
need_tools
need_daemon
need_igmpgen
topo 2

G=239.4.4.4 SSM=232.1.1.1 S1=$SRC4 S2=$SRC4B
conf <<EOF
phyint $RTR_IN upstream
phyint $RTR_OUT1 igmp query-interval 10 query-response-interval 1 last-member-query-interval 0.2 last-member-query-count 2
phyint $RTR_OUT2 igmp query-interval 10 query-response-interval 1 last-member-query-interval 0.2 last-member-query-count 2
EOF
daemon_start

# two_sources NAME GROUP: both (S,G) primed, then 20 packets from S1
# and 20 from S2, with wire listeners w1NAME (c1) and w2NAME (c2).
two_sources()
{
	prime src $SRC_IF $S1 $2
	prime src $SRC_IF $S2 $2
	listen_start w1$1 rcv1 $RCV1_IF -U $2
	listen_start w2$1 rcv2 $RCV2_IF -U $2
	send src -i $SRC_IF -s $S1 -c 20 -r 500 $2
	send src -i $SRC_IF -s $S2 -c 20 -r 500 $2
	sleep 0.3
	listen_stop w1$1
	listen_stop w2$1
}

# INCLUDE host on r1, EXCLUDE host on r2.
recv_start inc rcv1 -i $RCV1_IF -d 30 -s $S1 $G
hold_start exc rcv2 $RCV2_IF block $G $S1
check "INCLUDE host: group on r1" wait_until 2 mdb_has $RTR_OUT1 $G
check "EXCLUDE host: group on r2" wait_until 2 mdb_has $RTR_OUT2 $G
wait_until 1 eval '[ "$(igmp_snap; igmp_src $RTR_OUT2 $G $S1 forward)" = no ]'
expect seq "r1 mode INCLUDE" "$(igmp_grp $RTR_OUT1 $G mode)" INCLUDE
expect seq "r1 S1 forwarded" "$(igmp_src $RTR_OUT1 $G $S1 forward)" yes
expect seq "r1 no record for S2" "$(igmp_src $RTR_OUT1 $G $S2 forward)" ""
expect seq "r2 mode EXCLUDE" "$(igmp_grp $RTR_OUT2 $G mode)" EXCLUDE
expect seq "r2 S1 excluded (not forwarded)" \
    "$(igmp_src $RTR_OUT2 $G $S1 forward)" no
two_sources asm $G
# Before the INCLUDE host leaves (its leave takes S1 away after LMQT).
check "MFC (S1,G) r0 -> r1 only" mfc_is $S1 $G $RTR_IN $RTR_OUT1
check "MFC (S2,G) r0 -> r2 only" mfc_is $S2 $G $RTR_IN $RTR_OUT2
recv_stop inc
expect eq "INCLUDE host received S1's packets" "$(kv inc received)" 20
expect eq "wire r1: all of S1" "$(udp_from w1asm $S1)" 20
expect eq "wire r1: none of S2" "$(udp_from w1asm $S2)" 0
expect eq "wire r2: none of S1 (excluded)" "$(udp_from w2asm $S1)" 0
expect eq "wire r2: all of S2" "$(udp_from w2asm $S2)" 20

# The EXCLUDE host leaves: (S2,G) loses r2 (after LMQT, 2 x 0.2 s; the
# state is gone when the group is).
hold_stop exc
check "EXCLUDE host left: group gone from r2" wait_until 4 mdb_gone $RTR_OUT2 $G
check "MFC (S2,G) without r2" _no_oifs $S2 $G

# SSM group: ASM requests are ignored.
c_ssm="record_non_source_specific_for_ssm_group"
igmp_snap
n0=$(igmp_counter $RTR_OUT1 "$c_ssm")
gen rcv1 $RCV1_IF report2 $SSM
gen rcv1 $RCV1_IF report1 $SSM
gen rcv1 $RCV1_IF report3 to_ex:$SSM is_ex:$SSM:$S2
check "SSM: v1, v2 reports and IS_EX/TO_EX records counted" \
    wait_until 1 counter_ge $RTR_OUT1 "$c_ssm" $((n0 + 4))
expect seq "SSM: no state from them" "$(igmp_grp $RTR_OUT1 $SSM mode)" ""
two_sources ssm0 $SSM
expect eq "SSM: nothing forwarded without a source-specific join" \
    "$(( $(udp_count w1ssm0) + $(udp_count w2ssm0) ))" 0
recv_start ssm rcv1 -i $RCV1_IF -d 30 -s $S1 $SSM
check "SSM: source-specific join taken" wait_until 2 mdb_has $RTR_OUT1 $SSM
expect seq "SSM: mode INCLUDE" "$(igmp_grp $RTR_OUT1 $SSM mode)" INCLUDE
expect seq "SSM: S1 forwarded" "$(igmp_src $RTR_OUT1 $SSM $S1 forward)" yes
two_sources ssm1 $SSM
# An SSM group never goes EXCLUDE, also not through a host's report
# (while the host is still joined: its leave ends the group after LMQT).
gen rcv1 $RCV1_IF report3 to_ex:$SSM
sleep 0.1
igmp_snap
expect seq "SSM: still INCLUDE after a TO_EX" \
    "$(igmp_grp $RTR_OUT1 $SSM mode)" INCLUDE
recv_stop ssm
expect eq "SSM: host received S1" "$(kv ssm received)" 20
expect eq "SSM wire r1: all of S1" "$(udp_from w1ssm1 $S1)" 20
expect eq "SSM wire r1: none of S2" "$(udp_from w1ssm1 $S2)" 0
expect eq "SSM wire r2: nothing" "$(udp_count w2ssm1)" 0

# BLOCK one of two INCLUDE sources: Q(G,{S1}), then only S1 expires.
G5=239.4.4.5
gen rcv1 $RCV1_IF report3 is_in:$G5:$S1,$S2
check "INCLUDE {S1,S2}" wait_until 1 eval \
    '[ "$(igmp_snap; igmp_src $RTR_OUT1 $G5 $S1 forward) $(igmp_src $RTR_OUT1 $G5 $S2 forward)" = "yes yes" ]'
listen_start wq rcv1 $RCV1_IF
gen rcv1 $RCV1_IF report3 block:$G5:$S1
check "S1 expired after LMQT" wait_until 1.5 eval \
    '[ -z "$(igmp_snap; igmp_src $RTR_OUT1 $G5 $S1 forward)" ]'
expect seq "S2 still forwarded" "$(igmp_src $RTR_OUT1 $G5 $S2 forward)" yes
expect seq "group still INCLUDE" "$(igmp_grp $RTR_OUT1 $G5 mode)" INCLUDE
sleep 0.1
listen_stop wq
nq=$(grep -c "src=10.0.1.254 .*type=query version=3 group=$G5 .*srcs=1 qsrc:$S1$" "$WORK/wq.out")
expect ge "group-and-source-specific queries for S1 on the wire" "$nq" 1
expect le "no more than the last member query count" "$nq" 2
expect eq "no group-specific query (without sources) for it" \
    "$(grep -c "type=query version=3 group=$G5 .*srcs=0$" "$WORK/wq.out")" 0

check "daemon still running" daemon_alive
daemon_stop
expect eq "exit status" "$DAEMON_RC" 0
finish
