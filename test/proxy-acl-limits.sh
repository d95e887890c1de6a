#!/bin/bash
# IGMP proxy, access lists and limits: a downstream "acl deny" group is
# neither tracked nor forwarded (drop_acl); a denied source is cut from
# a record, the rest applies; upstream, SSDP (239.255.255.250) is not
# reported by default and an upstream "acl deny" group is not reported
# while still forwarded downstream; link-local groups are never proxied;
# max-groups 5 drops the 6th group, max-groups-per-host 3 a host's 4th,
# each counted, while other hosts and existing groups still pass.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy-lib.sh"

need_mroute4
need_tools
need_daemon
need_igmpgen
topo 2
# The host's state-change reports are repeated 10 ms apart, not 1 s:
# a repetition of its leave below must not land in a later count.
sysctl_set rcv1 net.ipv4.conf.$RCV1_IF.igmpv3_unsolicited_report_interval 10

S1=$SRC4 S2=$SRC4B
SSDP=239.255.255.250
conf <<EOF
phyint $RTR_IN upstream igmp
phyint $RTR_OUT1 igmp max-groups 5 query-interval 10 query-response-interval 1
phyint $RTR_OUT2 igmp max-groups-per-host 3 query-interval 10 query-response-interval 1
acl $RTR_OUT1 deny group 239.12.0.0/24
acl $RTR_OUT1 deny group 239.12.1.0/24 source $S2
acl $RTR_IN deny group 239.12.2.1
EOF
daemon_start

# Denied group on r1: a real host's join.
listen_start w1 rcv1 $RCV1_IF -U 239.12.0.1
recv_start d rcv1 -i $RCV1_IF -d 30 239.12.0.1
check "denied join counted (drop_acl)" wait_until 2 counter_ge $RTR_OUT1 drop_acl 1
expect seq "denied group not tracked" "$(igmp_grp $RTR_OUT1 239.12.0.1 mode)" ""
send src -i $SRC_IF -c 20 -r 500 239.12.0.1
sleep 0.2
recv_stop d
listen_stop w1
expect eq "denied group not forwarded (wire)" "$(udp_count w1)" 0
expect eq "denied group not received" "$(kv d received)" 0
check "denied group: no OIF" _no_oifs $S1 239.12.0.1
check "denied group not reported upstream" eval '! igmp_has $RTR_IN 239.12.0.1'

# Denied source: cut from the record.  (Counted from when the leave
# and its repetitions above are all in.)
counter_settled $RTR_OUT1 drop_acl
a0=$(igmp_counter $RTR_OUT1 drop_acl)
gen rcv1 $RCV1_IF report3 is_in:239.12.1.1:$S1,$S2
check "group with an allowed source tracked" wait_until 1 mdb_has $RTR_OUT1 239.12.1.1
expect eq "denied source counted" "$(igmp_counter $RTR_OUT1 drop_acl)" $((a0 + 1))
expect seq "allowed source kept" "$(igmp_src $RTR_OUT1 239.12.1.1 $S1 forward)" yes
expect seq "denied source cut" "$(igmp_src $RTR_OUT1 239.12.1.1 $S2 forward)" ""
check "upstream: only the allowed source" wait_until 1 eval \
    '[ "$(igmp_snap; igmp_up 239.12.1.1 sources)" = "$S1" ]'

# Upstream: SSDP (default) and an acl deny are not reported, but still
# forwarded downstream.
recv_start ssdp rcv2 -i $RCV2_IF -d 30 $SSDP
recv_start upd rcv2 -i $RCV2_IF -d 30 239.12.2.1
check "SSDP tracked downstream" wait_until 2 mdb_has $RTR_OUT2 $SSDP
check "upstream-denied group tracked downstream" mdb_has $RTR_OUT2 239.12.2.1
sleep 0.2
check_not "SSDP not reported upstream (/proc/net/igmp r0)" igmp_has $RTR_IN $SSDP
check_not "upstream-denied group not reported upstream" igmp_has $RTR_IN 239.12.2.1
igmp_snap
expect seq "SSDP not in the upstream table" "$(igmp_up $SSDP mode)" ""
expect seq "upstream-denied group not in the upstream table" \
    "$(igmp_up 239.12.2.1 mode)" ""
prime src $SRC_IF $S1 $SSDP
prime src $SRC_IF $S1 239.12.2.1
send src -i $SRC_IF -c 20 -r 500 $SSDP
send src -i $SRC_IF -c 20 -r 500 239.12.2.1
sleep 0.2
recv_stop ssdp
recv_stop upd
expect eq "SSDP still forwarded downstream" "$(kv ssdp received)" 20
expect eq "upstream-denied group still forwarded downstream" \
    "$(kv upd received)" 20

# Link-local groups are never proxied.
gen rcv1 $RCV1_IF report3 to_ex:224.0.0.251
# (A v2 report goes to its group, which the router does not receive
# for a link-local group it has not joined: sent to 224.0.0.2 here.)
gen rcv1 $RCV1_IF -D 224.0.0.2 report2 224.0.0.252
check "link-local records counted" wait_until 1 \
    counter_ge $RTR_OUT1 "record_link_local_group" 2
expect seq "224.0.0.251 not tracked" "$(igmp_grp $RTR_OUT1 224.0.0.251 mode)" ""
expect seq "224.0.0.251 not upstream" "$(igmp_up 224.0.0.251 mode)" ""

# max-groups 5 on r1: 239.12.1.1 is the 1st, four more fit, the 6th not.
gen rcv1 $RCV1_IF report3 to_ex:239.12.3.1+5
check "5 groups on r1" wait_until 1 eval \
    '[ "$(igmp_snap; igmp_ngroups $RTR_OUT1)" -eq 5 ]'
expect eq "the 6th group counted (interface limit)" \
    "$(igmp_counter $RTR_OUT1 "record_interface_group_limit")" 1
expect seq "239.12.3.4 in" "$(igmp_grp $RTR_OUT1 239.12.3.4 mode)" EXCLUDE
expect seq "239.12.3.5 dropped" "$(igmp_grp $RTR_OUT1 239.12.3.5 mode)" ""
gen rcv1 $RCV1_IF report3 is_ex:239.12.3.1 to_in:239.12.3.2:$S1
sleep 0.2
igmp_snap
expect eq "records for existing groups pass the limit" \
    "$(igmp_counter $RTR_OUT1 "record_interface_group_limit")" 1

# max-groups-per-host 3 on r2 (10.0.2.7 and 10.0.2.8 are other hosts
# than rcv2's kernel, which already holds two groups).
H7=10.0.2.7 H8=10.0.2.8
gen rcv2 $RCV2_IF -S $H7 report3 to_ex:239.12.4.1+4
check "host 7: 3 groups" wait_until 1 eval \
    '[ "$(igmp_snap; _objs | grep "\"compat\":" | grep -c "\"group\":\"239\.12\.4\.")" -eq 3 ]'
expect eq "host 7: the 4th counted (host limit)" \
    "$(igmp_counter $RTR_OUT2 "record_host_group_limit")" 1
expect seq "239.12.4.4 not there" "$(igmp_grp $RTR_OUT2 239.12.4.4 mode)" ""
gen rcv2 $RCV2_IF -S $H8 report3 to_ex:239.12.4.4
check "another host still gets its group" wait_until 1 mdb_has $RTR_OUT2 239.12.4.4
expect seq "239.12.4.4 host list" "$(igmp_grp $RTR_OUT2 239.12.4.4 hosts)" $H8
gen rcv2 $RCV2_IF -S $H8 report3 to_ex:239.12.4.1
sleep 0.2
igmp_snap
expect seq "host 8 may join host 7's group" \
    "$(igmp_grp $RTR_OUT2 239.12.4.1 hosts)" "$H7,$H8"
expect eq "host limit counted once" \
    "$(igmp_counter $RTR_OUT2 "record_host_group_limit")" 1

check "daemon still running" daemon_alive
daemon_stop
expect eq "exit status" "$DAEMON_RC" 0
finish
