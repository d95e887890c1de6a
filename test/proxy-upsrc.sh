#!/bin/bash
# IGMP/MLD proxy, the upstream source list ("phyint IF upstream source
# PREFIX ..."): a flow arriving upstream from a source inside a listed
# prefix of its family is forwarded to the members downstream, one from
# outside is not, is counted (upstream_source_refused on the upstream
# in show igmp) and logged, one line a minute at most per interface with
# how many and an example.  IPv4 and IPv6 prefixes on one line, each
# family checked against its own.  A reload applies a new list to the
# flows already in the kernel; a bad list is refused with file and line
# and changes nothing.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy-lib.sh"

need_mroute4
need_mroute6
need_tools
need_daemon
topo

# counter_proto IF PROTO NAME: a counter of one protocol's row (0: none).
counter_proto()
{
	local v
	v=$(_objs | grep '"counter":' | grep -F "\"interface\":\"$1\"," |
	    grep -F "\"proto\":\"$2\"," | grep -iF "\"counter\":\"$3\"," |
	    _field value | head -n 1)
	echo "${v:-0}"
}

counter_proto_ge()
{
	igmp_snap || return 1
	[ "$(counter_proto "$1" "$2" "$3")" -ge "$4" ]
}

# refusal_lines: the daemon's refusal log lines so far.
refusal_lines()
{
	grep -c 'outside the upstream source list' "$DLOG"
}

# SRC4C (10.0.0.130) and SRC6C (fc00::8000:1) are inside the lists,
# SRC4 (10.0.0.1), SRC4B (10.0.0.2) and SRC6B (fc00::2) outside.
LIST="source 10.0.0.128/25 source fc00::8000:0/113"
conf <<EOF
phyint $RTR_IN upstream $LIST
phyint $RTR_OUT1 igmp mld query-interval 10 query-response-interval 1
EOF
daemon_start

GA=239.8.1.1 GB=239.8.1.2 GC=239.8.1.3 G6A=ff0e::8:1 G6B=ff0e::8:2
recv_start ja rcv1 -i $RCV1_IF -d 300 $GA
recv_start jb rcv1 -i $RCV1_IF -d 300 $GB
recv_start jc rcv1 -i $RCV1_IF -d 300 $GC
recv_start j6a rcv1 -i $RCV1_IF -d 300 $G6A
recv_start j6b rcv1 -i $RCV1_IF -d 300 $G6B
for g in $GA $GB $GC $G6A $G6B; do
	check "membership of $g learned" wait_until 3 mdb_has $RTR_OUT1 $g
done

# Inside the list: forwarded as without one.
prime src $SRC_IF $SRC4C $GA
send src -i $SRC_IF -s $SRC4C -c 20 -r 500 $GA
check "(10.0.0.130,GA), inside 10.0.0.128/25: r0 -> r1" \
    mfc_is $SRC4C $GA $RTR_IN $RTR_OUT1

# Outside: the kernel gets a stop entry, the member nothing.
prime src $SRC_IF $SRC4B $GB
send src -i $SRC_IF -s $SRC4B -c 20 -r 500 $GB
check "(10.0.0.2,GB), outside the list: stop entry on r0" \
    mfc_stop $SRC4B $GB $RTR_IN
check "refusal counted on the upstream (IGMP)" \
    wait_until 2 counter_proto_ge $RTR_IN IGMP upstream_source_refused 1
check "refusal logged" wait_until 2 \
    grep -q "\[IGMP $RTR_IN\] refused 1 flow(s) from sources outside the upstream source list, e.g. $SRC4B to $GB" "$DLOG"

# A second refused source within the minute: counted, not logged again.
igmp_snap
before=$(counter_proto $RTR_IN IGMP upstream_source_refused)
prime src $SRC_IF $SRC4 $GC
send src -i $SRC_IF -s $SRC4 -c 20 -r 500 $GC
check "(10.0.0.1,GC) outside the list: stop entry" mfc_stop $SRC4 $GC $RTR_IN
check "second refusal counted" wait_until 2 counter_proto_ge $RTR_IN IGMP \
    upstream_source_refused $((before + 1))
expect eq "one log line per minute at most (rate limit)" "$(refusal_lines)" 1

# IPv6: fc00::8000:1 is inside fc00::8000:0/113, fc00::2 is not.
send src -i $SRC_IF -s $SRC6C -c 1 -p 4999 $G6A
wait_until 2 mfc_has $SRC6C $G6A >/dev/null
send src -i $SRC_IF -s $SRC6C -c 20 -r 500 $G6A
send src -i $SRC_IF -s $SRC6B -c 1 -p 4999 $G6B
wait_until 2 mfc_has $SRC6B $G6B >/dev/null
send src -i $SRC_IF -s $SRC6B -c 20 -r 500 $G6B
check "(fc00::8000:1,G6A) inside the IPv6 prefix: r0 -> r1" \
    mfc_is $SRC6C $G6A $RTR_IN $RTR_OUT1
check "(fc00::2,G6B) outside the IPv6 prefix: stop entry" \
    mfc_stop $SRC6B $G6B $RTR_IN
check "IPv6 refusal counted on the MLD row" \
    wait_until 2 counter_proto_ge $RTR_IN MLD upstream_source_refused 1
check "IPv6 refusal logged" \
    grep -q "\[MLD $RTR_IN\] refused 1 flow(s) .* e.g. $SRC6B to $G6B" "$DLOG"

sleep 0.2
recv_stop jb
recv_stop jc
recv_stop j6a
recv_stop j6b
expect eq "member got nothing of the refused IPv4 flow" "$(kv jb received)" 0
expect eq "nor of the second refused IPv4 flow" "$(kv jc received)" 0
expect ge "member got the allowed IPv6 flow" "$(kv j6a received)" 20
expect eq "member got nothing of the refused IPv6 flow" "$(kv j6b received)" 0

# Reload with a list that takes in 10.0.0.2: its flow is let through
# without any new packet (the route is recomputed).
recv_start jb2 rcv1 -i $RCV1_IF -d 300 $GB
check "GB membership still there" wait_until 3 mdb_has $RTR_OUT1 $GB
conf <<EOF
phyint $RTR_IN upstream source 10.0.0.0/30 $LIST
phyint $RTR_OUT1 igmp mld query-interval 10 query-response-interval 1
EOF
check "reload acknowledged" daemon_reload
check "reload: (10.0.0.2,GB) now r0 -> r1" \
    wait_until 2 mfc_is $SRC4B $GB $RTR_IN $RTR_OUT1
send src -i $SRC_IF -s $SRC4B -c 20 -r 500 $GB
sleep 0.2

# A bad list: refused with file and line, the running list stays.
conf <<EOF
phyint $RTR_IN upstream source 10.0.0.0/33 $LIST
phyint $RTR_OUT1 igmp mld query-interval 10 query-response-interval 1
EOF
daemon_hup
check "bad prefix: error names the file and line" \
    grep -q "$CONF line 1: invalid prefix length /33" "$DLOG"
check "bad reload changes nothing: (10.0.0.2,GB) still r0 -> r1" \
    mfc_is $SRC4B $GB $RTR_IN $RTR_OUT1
send src -i $SRC_IF -s $SRC4B -c 20 -S 100 -r 500 $GB
sleep 0.2

# And back to the narrow list, the member still there: the flow is
# stopped again.
conf <<EOF
phyint $RTR_IN upstream $LIST
phyint $RTR_OUT1 igmp mld query-interval 10 query-response-interval 1
EOF
check "reload acknowledged" daemon_reload
check "narrow list again: (10.0.0.2,GB) back to a stop entry" \
    wait_until 2 mfc_stop $SRC4B $GB $RTR_IN
check "(10.0.0.130,GA) unaffected, its member still there" \
    mfc_is $SRC4C $GA $RTR_IN $RTR_OUT1
send src -i $SRC_IF -s $SRC4B -c 20 -S 1000 -r 500 $GB
sleep 0.2
recv_stop jb2
recv_stop ja
expect ge "member got the allowed IPv4 flow" "$(kv ja received)" 20
expect ge "after the wide reload and the bad one, both bursts arrived" \
    "$(kv jb2 received)" 40
expect lt "after the narrow reload, nothing (highest seq seen)" \
    "$(kv jb2 max_seq)" 1000

check "daemon still running" daemon_alive
daemon_stop
expect eq "exit status" "$DAEMON_RC" 0
finish
