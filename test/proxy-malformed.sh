#!/bin/bash
# IGMP proxy, malformed input: crafted messages no host sends (bad
# checksum, TTL 2, v3 without Router Alert, bad Router Alert option,
# short, truncated records, record and source counts larger than the
# packet, aux data past the end, bad groups and sources, query lengths)
# are each dropped and counted under their reason; none creates state
# and the daemon keeps working: a valid join afterwards is forwarded.
# Unknown types are counted too; an IGMPv2 report without Router Alert
# is valid (RFC 2236 hosts predating it).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy-lib.sh"

need_mroute4
need_tools
need_daemon
need_igmpgen
topo

conf <<EOF
phyint $RTR_IN upstream
phyint $RTR_OUT1 igmp query-interval 10 query-response-interval 1
EOF
daemon_start

S1=$SRC4 S2=$SRC4B
# counter | igmpgen arguments (each for its own group 239.7.0.N)
cases="
drop_bad_checksum|report3 to_ex:239.7.0.1 --bad-cksum
drop_bad_checksum|report2 239.7.0.2 --bad-cksum
drop_bad_ttl|report3 to_ex:239.7.0.3 --ttl 2
drop_bad_ttl|report2 239.7.0.4 --ttl 64
drop_no_router_alert|report3 to_ex:239.7.0.5 --no-ra
drop_no_router_alert|query --no-ra
drop_bad_ip_header|report3 to_ex:239.7.0.6 --ra-len 6
drop_too_short|report2 239.7.0.7 --truncate 6
drop_too_short|report3 to_ex:239.7.0.8 --truncate 7
drop_record_truncated|report3 to_ex:239.7.0.9:$S1,$S2 --truncate 12
drop_record_truncated|report3 to_ex:239.7.0.10 --nrec 2
drop_record_truncated|report3 to_ex:239.7.0.11 --nrec 65535
drop_record_nsrc_overflow|report3 allow:239.7.0.12:$S1 --nsrc 2
drop_record_nsrc_overflow|report3 is_in:239.7.0.13:$S1 --nsrc 65535
drop_record_nsrc_overflow|report3 allow:239.7.0.14:$S1,$S2 --truncate 19
drop_aux_data_overflow|report3 to_ex:239.7.0.15 --auxlen 200
drop_bad_source_list|report3 allow:239.7.0.16:224.1.1.1
drop_bad_source_list|report3 is_in:239.7.0.17:$S1,0.0.0.0
drop_bad_group|report3 to_ex:10.7.0.18
drop_bad_group|report2 10.7.0.19 -D 224.0.0.2
drop_bad_group|report3 to_ex:239.7.0.20 to_ex:192.0.2.1
drop_bad_source|report2 239.7.0.21 -S 0.1.2.3
drop_bad_query_length|query --truncate 10
drop_query_nsrc_overflow|query 239.7.0.22 $S1 --nsrc 2
drop_unknown_type|report2 239.7.0.23 --type 0x13
"
# Every record of a report is validated before any is applied: the
# 239.7.0.20 record above must not be created either.
declare -A want
while IFS='|' read -r key args; do
	[ -n "$key" ] || continue
	want[$key]=$(( ${want[$key]:-0} + 1 ))
	# shellcheck disable=SC2086
	gen rcv1 $RCV1_IF $args
done <<<"$cases"
sleep 0.3

igmp_snap
for key in "${!want[@]}"; do
	expect eq "$key counted" "$(igmp_counter $RTR_OUT1 "$key")" "${want[$key]}"
done
expect eq "no report counted as received" \
    "$(( $(igmp_counter $RTR_OUT1 report_v2) + $(igmp_counter $RTR_OUT1 report_v3) ))" 0
expect eq "no query counted as received" \
    "$(igmp_counter $RTR_OUT1 query_v3)" 0
expect eq "no group state created" "$(igmp_ngroups $RTR_OUT1)" 0
expect eq "no MFC entry" "$(mfc_count)" 0
check "daemon alive" daemon_alive

# Valid corner cases: a v2 report without Router Alert, octets after
# the message, an unknown record type beside a good one.
gen rcv1 $RCV1_IF report2 239.7.1.1 --no-ra
gen rcv1 $RCV1_IF report2 239.7.1.2 --pad 8
gen rcv1 $RCV1_IF report3 7:239.7.1.3 to_ex:239.7.1.4
check "v2 report without RA accepted" wait_until 1 mdb_has $RTR_OUT1 239.7.1.1
check "v2 report with trailing octets accepted" mdb_has $RTR_OUT1 239.7.1.2
check "unknown record type skipped" eval '! mdb_has $RTR_OUT1 239.7.1.3'
check "the good record beside it applied" mdb_has $RTR_OUT1 239.7.1.4

# Still works for a real host.
G=239.7.2.1
recv_start j rcv1 -i $RCV1_IF -d 30 $G
check "valid join afterwards learned" wait_until 2 mdb_has $RTR_OUT1 $G
prime src $SRC_IF $SRC4 $G
send src -i $SRC_IF -c 20 -r 500 $G
sleep 0.2
recv_stop j
expect eq "valid join afterwards forwarded" "$(kv j received)" 20

check "daemon still running" daemon_alive
daemon_stop
expect eq "exit status" "$DAEMON_RC" 0
finish
