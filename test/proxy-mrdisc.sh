#!/bin/bash
# An interface that is both a proxy downstream (querier) and does router
# discovery (mrdisc) shares the link-scope groups the two need: IGMPv3
# reports come to 224.0.0.22, IGMPv2 leaves and RFC 4286 solicitations
# to 224.0.0.2, and the daemon hears them only as a member.  Taking one
# role away must not deafen the other: after "mrdisc" is removed the
# querier still learns joins and leaves; after "igmp" is removed mrdisc
# still answers solicitations, and 224.0.0.22 is left.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy-lib.sh"

need_mroute4
need_tools
need_daemon
need_igmpgen
command -v tcpdump >/dev/null || skip "tcpdump not installed"
topo

G=239.20.0.1
joined()	# IF GROUP: the router's /proc/net/igmp lists GROUP on IF
{
	igmp_has "$1" "$2"
}

conf <<EOF
phyint $RTR_IN upstream
phyint $RTR_OUT1 igmp mrdisc query-interval 10 query-response-interval 1 last-member-query-interval 0.2 last-member-query-count 2
EOF
daemon_start -m 180
check "both roles: 224.0.0.22 joined on r1" wait_until 2 joined $RTR_OUT1 224.0.0.22
check "both roles: 224.0.0.2 joined on r1" joined $RTR_OUT1 224.0.0.2

say "mrdisc taken away, the querier stays"
conf <<EOF
phyint $RTR_IN upstream
phyint $RTR_OUT1 igmp query-interval 10 query-response-interval 1 last-member-query-interval 0.2 last-member-query-count 2
EOF
assert "reload acknowledged" daemon_reload
check "querier alone: 224.0.0.22 still joined" joined $RTR_OUT1 224.0.0.22
check "querier alone: 224.0.0.2 still joined" joined $RTR_OUT1 224.0.0.2
# A crafted IGMPv3 report (to 224.0.0.22) and IGMPv2 leave (to 224.0.0.2)
# reach the querier only through those memberships.
gen rcv1 $RCV1_IF report3 is_ex:$G
check "an IGMPv3 report is still heard" wait_until 2 mdb_has $RTR_OUT1 $G
gen rcv1 $RCV1_IF report2 239.20.0.2
check "an IGMPv2 report is still heard" wait_until 2 mdb_has $RTR_OUT1 239.20.0.2
gen rcv1 $RCV1_IF leave 239.20.0.2
check "an IGMPv2 leave is still heard: the group goes after LMQT" \
    wait_until 3 mdb_gone $RTR_OUT1 239.20.0.2

say "both again, then igmp taken away: mrdisc stays"
conf <<EOF
phyint $RTR_IN upstream
phyint $RTR_OUT1 igmp mrdisc
EOF
assert "reload acknowledged" daemon_reload
conf <<EOF
phyint $RTR_IN upstream
phyint $RTR_OUT1 mrdisc
EOF
assert "reload acknowledged" daemon_reload
check "mrdisc alone: 224.0.0.2 still joined" joined $RTR_OUT1 224.0.0.2
check "mrdisc alone: 224.0.0.22 left (nobody needs it)" \
    wait_until 2 not joined $RTR_OUT1 224.0.0.22

CAP=$WORK/mrd.txt
ip netns exec rcv1 tcpdump -l -n -v -i "$RCV1_IF" igmp >"$CAP" 2>/dev/null &
bg_add $!
adverts() { grep -c '> 224.0.0.106' "$CAP"; }
# Past the three quick initial advertisements of the reload that put
# mrdisc back (at most 2 s apart): with -m 180 none comes on its own
# for a while, so one within 1 s of a solicitation is its answer.
sleep 6.5
n=$(adverts)
ip netns exec rcv1 /usr/bin/python3 - "$RCV1_IF" <<'PY' ||
import socket, struct, sys
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_IGMP)
idx = socket.if_nametoindex(sys.argv[1])
s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF,
             struct.pack("4s4si", b"\0" * 4, b"\0" * 4, idx))
s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 1)
msg = bytearray([0x31, 0, 0, 0])
c = sum(struct.unpack("!2H", bytes(msg)))
c = (c & 0xffff) + (c >> 16)
struct.pack_into("!H", msg, 2, ~c & 0xffff)
s.sendto(bytes(msg), ("224.0.0.2", 0))
PY
    error "cannot send a solicitation"
check "a solicitation is still answered within 1 s" \
    wait_until 1 eval '[ "$(adverts)" -gt "$n" ]'

daemon_stop
expect eq "exit status" "$DAEMON_RC" 0
finish
