#!/bin/bash
# IGMP proxy, viewer counts in `show igmp`: real IGMPv3 reports from 3
# hosts on r1 and 1 on r2 for one group give VIEWERS 3 and 1 (text and
# JSON "viewers", exact), the interfaces' HOSTS and GROUPS totals follow
# (a host in two groups counts once); a group with 6 hosts lists 4 in
# text and "+2", all 6 in JSON; a host beyond max-hosts is untracked and
# the count reads ">=N" ("viewers_exact":"no", the interface's
# "hosts_exact" too); so does a group that IGMPv2 hosts joined, whose
# reports suppress each other; a host that leaves is no longer counted.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy-lib.sh"

need_mroute4
need_tools
need_daemon
need_igmpgen
topo 2

G=239.5.5.1 G2=239.5.5.2 G6=239.5.5.3 GV2=239.5.5.4
conf <<EOF
phyint $RTR_IN upstream igmp
phyint $RTR_OUT1 igmp
phyint $RTR_OUT2 igmp max-hosts 2
EOF
daemon_start

# text IF GROUP COL: column COL (1 = INTERFACE) of the group's row in
# the text of show igmp (-t: rows only; a group row has its MODE third).
text()
{
	ctl -t show igmp | awk -v i="$1" -v g="$2" -v c="$3" '
	    $1 == i && $2 == g && ($3 == "INCLUDE" || $3 == "EXCLUDE") {
		print $c; exit }'
}

# text_if IF COL: column COL of the interface's row (ROLE "downstream").
text_if()
{
	ctl -t show igmp | awk -v i="$1" -v c="$2" '
	    $1 == i && $3 == "downstream" { print $c; exit }'
}

# text_hosts IF GROUP: what the HOSTS column of the group's row says.
text_hosts()
{
	ctl -t show igmp | awk -v i="$1" -v g="$2" '
	    $1 == i && $2 == g && ($3 == "INCLUDE" || $3 == "EXCLUDE") {
		for (k = 7; k <= NF; k++) printf "%s%s", $k, k < NF ? " " : ""
		print ""; exit }'
}

say "3 hosts on $RTR_OUT1 and 1 on $RTR_OUT2 join $G (IGMPv3)"
for h in 11 12 13; do
	gen rcv1 $RCV1_IF -S 10.0.1.$h report3 to_ex:$G
done
gen rcv1 $RCV1_IF -S 10.0.1.11 report3 to_ex:$G2
gen rcv2 $RCV2_IF -S 10.0.2.21 report3 to_ex:$G
check "all 3 hosts tracked on r1" wait_until 2 eval \
    '[ "$(igmp_snap; igmp_grp $RTR_OUT1 $G viewers)" = 3 ]'
igmp_snap
expect eq "JSON: $G on r1 has 3 viewers" "$(igmp_grp $RTR_OUT1 $G viewers)" 3
expect seq "JSON: the count is exact" \
    "$(igmp_grp $RTR_OUT1 $G viewers_exact)" yes
expect seq "JSON: all 3 hosts listed" "$(igmp_grp $RTR_OUT1 $G hosts)" \
    "10.0.1.11,10.0.1.12,10.0.1.13"
expect eq "JSON: $G on r2 has 1 viewer" "$(igmp_grp $RTR_OUT2 $G viewers)" 1
expect eq "JSON: $G2 on r1 has 1 viewer" "$(igmp_grp $RTR_OUT1 $G2 viewers)" 1
expect eq "JSON: r1 has 3 hosts (10.0.1.11 counted once)" \
    "$(igmp_if $RTR_OUT1 hosts)" 3
expect seq "JSON: r1's host total is exact" \
    "$(igmp_if $RTR_OUT1 hosts_exact)" yes
expect eq "JSON: r1 has 2 groups" "$(igmp_if $RTR_OUT1 groups)" 2
expect eq "JSON: r2 has 1 host" "$(igmp_if $RTR_OUT2 hosts)" 1
expect eq "JSON: r2 has 1 group" "$(igmp_if $RTR_OUT2 groups)" 1
expect seq "JSON: the upstream interface has no host total" \
    "$(igmp_if $RTR_IN hosts)" null
expect seq "text: VIEWERS of $G on r1" "$(text $RTR_OUT1 $G 6)" 3
expect seq "text: VIEWERS of $G on r2" "$(text $RTR_OUT2 $G 6)" 1
expect seq "text: HOSTS of $G on r1" "$(text_hosts $RTR_OUT1 $G)" \
    "10.0.1.11 10.0.1.12 10.0.1.13"
expect seq "text: r1's HOSTS total" "$(text_if $RTR_OUT1 10)" 3
expect seq "text: r1's GROUPS total" "$(text_if $RTR_OUT1 9)" 2
expect seq "text: r2's HOSTS total" "$(text_if $RTR_OUT2 10)" 1

say "6 hosts on $RTR_OUT1 join $G6: the text lists 4 and +2"
for h in 11 12 13 14 15 16; do
	gen rcv1 $RCV1_IF -S 10.0.1.$h report3 to_ex:$G6
done
check "6 viewers of $G6" wait_until 2 eval \
    '[ "$(igmp_snap; igmp_grp $RTR_OUT1 $G6 viewers)" = 6 ]'
expect seq "JSON: all 6 hosts listed" "$(igmp_grp $RTR_OUT1 $G6 hosts)" \
    "10.0.1.11,10.0.1.12,10.0.1.13,10.0.1.14,10.0.1.15,10.0.1.16"
expect seq "text: 4 hosts and the number left out" \
    "$(text_hosts $RTR_OUT1 $G6)" \
    "10.0.1.11 10.0.1.12 10.0.1.13 10.0.1.14 +2"
expect eq "JSON: r1 now has 6 hosts" "$(igmp_if $RTR_OUT1 hosts)" 6

say "a host leaves $G on $RTR_OUT1"
gen rcv1 $RCV1_IF -S 10.0.1.12 report3 to_in:$G
# The others answer the router's query for the group, as hosts do
# (igmpgen's hosts are only addresses).
gen rcv1 $RCV1_IF -S 10.0.1.11 report3 is_ex:$G
gen rcv1 $RCV1_IF -S 10.0.1.13 report3 is_ex:$G
check "2 viewers of $G left" wait_until 2 eval \
    '[ "$(igmp_snap; igmp_grp $RTR_OUT1 $G viewers)" = 2 ]'
expect seq "JSON: the leaver is gone from the list" \
    "$(igmp_grp $RTR_OUT1 $G hosts)" "10.0.1.11,10.0.1.13"

say "max-hosts 2 on $RTR_OUT2: a third host is not tracked"
gen rcv2 $RCV2_IF -S 10.0.2.22 report3 to_ex:$G
check "2 viewers on r2" wait_until 2 eval \
    '[ "$(igmp_snap; igmp_grp $RTR_OUT2 $G viewers)" = 2 ]'
expect seq "JSON: still exact at the limit" \
    "$(igmp_grp $RTR_OUT2 $G viewers_exact)" yes
gen rcv2 $RCV2_IF -S 10.0.2.23 report3 to_ex:$G
check "the third host counted as untracked" wait_until 2 counter_ge \
    $RTR_OUT2 untracked_host_limit 1
expect eq "JSON: 2 viewers counted" "$(igmp_grp $RTR_OUT2 $G viewers)" 2
expect seq "JSON: the count is a lower bound" \
    "$(igmp_grp $RTR_OUT2 $G viewers_exact)" no
expect seq "JSON: so is r2's host total" \
    "$(igmp_if $RTR_OUT2 hosts_exact)" no
expect seq "text: VIEWERS reads >=2" "$(text $RTR_OUT2 $G 6)" ">=2"
expect seq "text: r2's HOSTS reads >=2" "$(text_if $RTR_OUT2 10)" ">=2"

say "an IGMPv2 host joins $GV2 on $RTR_OUT1"
gen rcv1 $RCV1_IF -S 10.0.1.17 report2 $GV2
check "$GV2 tracked" wait_until 2 mdb_has $RTR_OUT1 $GV2
expect eq "JSON: 1 viewer of $GV2" "$(igmp_grp $RTR_OUT1 $GV2 viewers)" 1
expect seq "JSON: IGMPv2 (report suppression): a lower bound" \
    "$(igmp_grp $RTR_OUT1 $GV2 viewers_exact)" no
expect seq "text: VIEWERS of $GV2 reads >=1" "$(text $RTR_OUT1 $GV2 6)" ">=1"
expect seq "JSON: an IGMPv3-only group stays exact" \
    "$(igmp_grp $RTR_OUT1 $G viewers_exact)" yes

daemon_stop
expect eq "exit status" "$DAEMON_RC" 0
finish
