#!/bin/bash
# IGMP proxy, upstream reporting (phyint r0 upstream igmp): the
# memberships of two downstream LANs are merged per RFC 4605 4.1 and set
# on r0 with the kernel's source filter API, so r0's host stack reports
# them upstream as IGMPv3: INCLUDE + INCLUDE is the union, EXCLUDE +
# EXCLUDE the intersection of the excluded sources, INCLUDE + EXCLUDE
# the EXCLUDE list minus the INCLUDE sources.  Checked in `show igmp`,
# /proc/net/mcfilter and /proc/net/igmp of the router, and on the
# upstream wire (captured in src): adding or removing a source changes
# the filter in place (ALLOW / BLOCK only, no leave and join again); the
# last downstream leave leaves upstream.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy-lib.sh"

need_mroute4
need_tools
need_daemon
need_igmpgen
topo 2
# r0's state-change reports are repeated after up to 50 ms (default 1 s).
sysctl_set "$RTR" net.ipv4.conf.$RTR_IN.igmpv3_unsolicited_report_interval 50

G1=239.5.0.1 G2=239.5.0.2 G3=239.5.0.3 S1=$SRC4 S2=$SRC4B S3=$SRC4C
# The hosts are igmpgen reports, which answer no query: their state must
# outlive the test however slow the machine (GMI 2 x 60 s + 1 s).
conf <<EOF
phyint $RTR_IN upstream igmp
phyint $RTR_OUT1 igmp query-interval 60 query-response-interval 1 last-member-query-interval 0.2 last-member-query-count 2
phyint $RTR_OUT2 igmp query-interval 60 query-response-interval 1 last-member-query-interval 0.2 last-member-query-count 2
EOF
daemon_start
igmp_snap
expect seq "r0 role" "$(igmp_if $RTR_IN role)" "upstream, reporting"

listen_start up src $SRC_IF
# G1: INCLUDE {S1} + INCLUDE {S2}; G2: EXCLUDE {S1,S2} + EXCLUDE {S2,S3};
# G3: INCLUDE {S1,S3} + EXCLUDE {S1,S2}.
gen rcv1 $RCV1_IF report3 is_in:$G1:$S1 is_ex:$G2:$S1,$S2 is_in:$G3:$S1,$S3
gen rcv2 $RCV2_IF report3 is_in:$G1:$S2 is_ex:$G2:$S2,$S3 is_ex:$G3:$S1,$S2
up_is()
{
	igmp_snap &&
	[ "$(igmp_up "$1" mode) $(igmp_up "$1" sources)" = "$2" ]
}
check "upstream G1 INCLUDE union" wait_until 2 up_is $G1 "INCLUDE $S1,$S2"
check "upstream G2 EXCLUDE intersection" up_is $G2 "EXCLUDE $S2"
check "upstream G3 EXCLUDE minus INCLUDE" up_is $G3 "EXCLUDE $S2"
for g in $G1 $G2 $G3; do
	check "r0 joined $g (/proc/net/igmp)" igmp_has $RTR_IN $g
done
expect seq "mcfilter G1" "$(mcfilter_srcs $RTR_IN $G1)" \
    "$(sorted INC:$S1 INC:$S2)"
expect seq "mcfilter G2" "$(mcfilter_srcs $RTR_IN $G2)" "EXC:$S2"
expect seq "mcfilter G3" "$(mcfilter_srcs $RTR_IN $G3)" "EXC:$S2"
check "no downstream group joined on r1 by the router" \
    eval '! igmp_has $RTR_OUT1 $G1'

# More INCLUDE sources than the kernel takes in one filter (igmp_max_msf,
# 10 by default): all of them are still reported.
G4=239.5.0.4 many=
for i in $(seq 11 22); do many="$many,10.0.0.$i"; done
gen rcv1 $RCV1_IF report3 is_in:$G4:${many#,}
check "upstream G4 INCLUDE 12 sources" wait_until 2 up_is $G4 "INCLUDE ${many#,}"
expect eq "mcfilter G4: 12 INCLUDE sources on r0" \
    "$(mcfilter_srcs $RTR_IN $G4 | tr ' ' '\n' | grep -c '^INC:')" 12
sleep 0.3

# Adding a source: ALLOW only.
M1=$(now_ns)
gen rcv1 $RCV1_IF report3 allow:$G1:$S3
check "upstream G1 + S3" wait_until 2 up_is $G1 "INCLUDE $S1,$S2,$S3"
expect seq "mcfilter G1 + S3" "$(mcfilter_srcs $RTR_IN $G1)" \
    "$(sorted INC:$S1 INC:$S2 INC:$S3)"
sleep 0.3
# Removing one: S1 is only wanted by r1's host; BLOCK it there, after
# LMQT (0.4 s) it is gone, upstream gets BLOCK only.
M2=$(now_ns)
gen rcv1 $RCV1_IF report3 block:$G1:$S1
check "upstream G1 - S1 after LMQT" wait_until 2 up_is $G1 "INCLUDE $S2,$S3"
sleep 0.3
# G2 left on r1 (TO_IN {}): r2's EXCLUDE {S2,S3} alone is the merge,
# upstream BLOCKs S3 (excludes it too); then the last leave on r2.
M3=$(now_ns)
gen rcv1 $RCV1_IF report3 to_in:$G2
check "G2 left on r1" wait_until 2 mdb_gone $RTR_OUT1 $G2
check "upstream G2 now r2's EXCLUDE {S2,S3}" wait_until 1 up_is $G2 \
    "EXCLUDE $S2,$S3"
expect seq "mcfilter G2 {S2,S3}" "$(mcfilter_srcs $RTR_IN $G2)" \
    "$(sorted EXC:$S2 EXC:$S3)"
sleep 0.3
M4=$(now_ns)
gen rcv2 $RCV2_IF report3 to_in:$G2
check "G2 left on r2" wait_until 2 mdb_gone $RTR_OUT2 $G2
check "upstream G2 gone" eval '[ -z "$(igmp_up $G2 mode)" ]'
check "r0 left G2 (/proc/net/igmp)" wait_until 1 eval '! igmp_has $RTR_IN $G2'
expect seq "no G2 source filter left" "$(mcfilter_srcs $RTR_IN $G2)" ""
sleep 0.3
listen_stop up

# The upstream wire.
W=$WORK/up.out
# recs FROM TO GROUP: the records for GROUP in reports seen in [FROM, TO).
recs()
{
	awk -v a="$1" -v b="$2" -v g="$3" '
	    { ts = ""; for (i = 1; i <= NF; i++) if ($i ~ /^ts=/) ts = substr($i, 4) }
	    ts < a || (b != "" && ts >= b) { next }
	    / type=report_v3 / {
		for (i = 1; i <= NF; i++)
		    if ($i ~ "^rec=[A-Z_]*:" g "(:|$)") print substr($i, 5)
	    }' "$W"
}
expect gt "IGMP reports on the upstream wire" \
    "$(grep -c "src=$RTR4_IN .*type=report_v3" "$W")" 0
expect eq "all from r0 are IGMPv3 reports, TTL 1, Router Alert, to 224.0.0.22" \
    "$(grep "src=$RTR4_IN " "$W" | grep -vc 'dst=224.0.0.22 ttl=1 ra=1 .*type=report_v3')" 0
expect eq "no IGMPv1/v2 reports or leaves upstream" \
    "$(grep -c 'type=report_v[12]\|type=leave' "$W")" 0
expect ne "G1 reported" "$(recs 0 "$M1" $G1 | wc -l)" 0
expect ne "G3 reported" "$(recs 0 "$M1" $G3 | wc -l)" 0
a=$(recs "$M1" "$M2" $G1 | sort -u | tr '\n' ' ')
say "G1 records after adding S3: $a"
expect seq "adding S3: only ALLOW {S3} for G1 (no leave/join churn)" \
    "$a" "ALLOW:$G1:$S3 "
b=$(recs "$M2" "$M3" $G1 | sort -u | tr '\n' ' ')
say "G1 records after removing S1: $b"
expect seq "removing S1: only BLOCK {S1} for G1" "$b" "BLOCK:$G1:$S1 "
c=$(recs "$M3" "$M4" $G2 | sort -u | tr '\n' ' ')
say "G2 records after r1 left: $c"
expect seq "r1 left G2: only BLOCK {S3} upstream" "$c" "BLOCK:$G2:$S3 "
c=$(recs "$M4" "" $G2 | sort -u | tr '\n' ' ')
say "G2 records after the last leave: $c"
expect seq "last leave of G2: TO_IN {} upstream" "$c" "TO_IN:$G2 "
expect seq "nothing about G1/G3 at G2's leave" \
    "$(recs "$M3" "" $G1 | wc -l) $(recs "$M3" "" $G3 | wc -l)" "0 0"

check "daemon still running" daemon_alive
daemon_stop
expect eq "exit status" "$DAEMON_RC" 0
check "r0 left every group on exit" eval \
    '! igmp_has $RTR_IN $G1 && ! igmp_has $RTR_IN $G3'
finish
