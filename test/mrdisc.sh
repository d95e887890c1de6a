#!/bin/bash
# RFC 4286 multicast router discovery on "phyint IF mrdisc": quick
# advertisements at start (type 0x30 to 224.0.0.106, TTL 1), an answer
# to a solicitation (0x31), a termination (0x32) when the daemon stops;
# none on interfaces without mrdisc.
. "$(dirname "$0")/lib.sh"

need_mroute4
need_daemon
command -v tcpdump >/dev/null || skip "tcpdump not installed"
topo

conf <<EOF
phyint $RTR_OUT1 mrdisc
mroute from $RTR_IN group 225.1.1.0/24 to $RTR_OUT1
EOF

CAP=$WORK/mrd.txt
CAP0=$WORK/mrd0.txt
ip netns exec rcv1 tcpdump -l -n -v -i "$RCV1_IF" igmp >"$CAP" 2>/dev/null &
bg_add $!
ip netns exec src tcpdump -l -n -v -i "$SRC_IF" igmp >"$CAP0" 2>/dev/null &
bg_add $!
sleep 1
daemon_start -m 4

adverts() { grep -c '> 224.0.0.106' "$CAP"; }
at_least() { [ "$(adverts)" -ge "$1" ]; }
# Three at random intervals of at most 2 s each (RFC 4286 §3.1.3-4).
check "three initial advertisements within 6 s" wait_until 7 at_least 3
check "advertisements go out with TTL 1" grep -q "ttl 1," "$CAP"
check_not "checksums are right" grep -q "bad igmp cksum" "$CAP"
n=$(adverts)

# A solicitation from the LAN (type 0x31, to All-Routers).
ip netns exec rcv1 /usr/bin/python3 - "$RCV1_IF" <<'PY' ||
import socket, struct, sys
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_IGMP)
idx = socket.if_nametoindex(sys.argv[1])
s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF,
             struct.pack("4s4si", b"\0" * 4, b"\0" * 4, idx))
s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 1)
msg = bytearray([0x31, 0, 0, 0, 0, 0, 0, 0])
c = sum(struct.unpack("!4H", bytes(msg)))
c = (c & 0xffff) + (c >> 16)
struct.pack_into("!H", msg, 2, ~c & 0xffff)
s.sendto(bytes(msg), ("224.0.0.2", 0))
PY
    error "cannot send a solicitation"
check "an advertisement answers the solicitation within 1 s" \
    wait_until 1 at_least $((n + 1))

daemon_stop
sleep 0.3
expect eq "exit status" "$DAEMON_RC" 0
echo "# captured on the LAN:"; sed 's/^/#   /' "$CAP"
# tcpdump prints a termination (type 0x32) as igmp-50.
check "a termination when the daemon stops" \
    grep -qE 'igmp-50|termination' "$CAP"
check_not "nothing on the interface without mrdisc" \
    grep -q "224.0.0.106" "$CAP0"
finish
