#!/bin/bash
# RFC 4286 multicast router discovery for IPv6 on "phyint IF mrdisc":
# ICMPv6 advertisements (type 151) to ff02::6a with hop limit 1, a
# Hop-by-Hop Router Alert and a good checksum, from the router's
# link-local address, three quick ones at start then one per interval
# with 2.5 % jitter; the fields (interval, and MLD's query interval and
# robustness where the daemon is the querier, else 0); an answer to a
# solicitation (type 152 to ff02::2) within a bound, none to one with
# hop limit 2 (counted as a drop); a termination (type 153) when the
# daemon stops and when a reload takes mrdisc away; nothing on an
# interface without mrdisc.  A python3 raw ICMPv6 socket listens (with
# kernel receive timestamps) and crafts the solicitations.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy-lib.sh"

need_mroute6
need_daemon
[ -x /usr/bin/python3 ] || skip "needs /usr/bin/python3"
topo

PY=$WORK/mrd6.py
cat >"$PY" <<'EOF'
# listen IF OUT: one line per RFC 4286 message received on IF:
#   rx_ns type src dst hlim ra cksum_ok len ival qi rv
# solicit IF HOPS: send a solicitation to ff02::2, print the send time.
import socket, struct, sys, time

A6, RAW, ICMP6, IP6 = (socket.AF_INET6, socket.SOCK_RAW,
                       socket.IPPROTO_ICMPV6, socket.IPPROTO_IPV6)
SO_TIMESTAMPNS = 35             # Linux, x86 and most others

def csum_ok(src, dst, data):
    b = (socket.inet_pton(A6, src) + socket.inet_pton(A6, dst) +
         struct.pack("!IxxxB", len(data), 58) + data)
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return s == 0xffff

def has_ra(h):
    # Hop-by-Hop header: next, length, options (RFC 8200 4.2).
    i, end = 2, min(len(h), (h[1] + 1) * 8)
    while i < end:
        if h[i] == 0:
            i += 1
            continue
        if i + 1 >= end:
            return False
        if h[i] == 5 and h[i + 1] == 2 and h[i + 2:i + 4] == b"\0\0":
            return True
        i += 2 + h[i + 1]
    return False

mode, ifname = sys.argv[1], sys.argv[2]
idx = socket.if_nametoindex(ifname)
s = socket.socket(A6, RAW, ICMP6)
if mode == "solicit":
    s.setsockopt(IP6, socket.IPV6_MULTICAST_IF, idx)
    s.setsockopt(IP6, socket.IPV6_MULTICAST_HOPS, int(sys.argv[3]))
    s.setsockopt(IP6, socket.IPV6_HOPOPTS, bytes([0, 0, 5, 2, 0, 0, 1, 0]))
    print(time.time_ns(), flush=True)
    s.sendto(bytes([152, 0, 0, 0]), ("ff02::2", 0, 0, idx))
    sys.exit(0)
for o in (socket.IPV6_RECVHOPLIMIT, socket.IPV6_RECVPKTINFO,
          socket.IPV6_RECVHOPOPTS):
    s.setsockopt(IP6, o, 1)
s.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
s.setsockopt(IP6, socket.IPV6_JOIN_GROUP,
             socket.inet_pton(A6, "ff02::6a") + struct.pack("@I", idx))
out = open(sys.argv[3], "a", buffering=1)
print("ready", file=out)
while True:
    data, anc, _, addr = s.recvmsg(2048, 512)
    if not data or data[0] not in (151, 152, 153):
        continue
    ts, hlim, ra, dst, ifi = time.time_ns(), -1, 0, "?", 0
    for lvl, typ, d in anc:
        if lvl == socket.SOL_SOCKET and typ == SO_TIMESTAMPNS:
            sec, ns = struct.unpack("@qq", d[:16])
            ts = sec * 1000000000 + ns
        elif typ == socket.IPV6_HOPLIMIT:
            hlim = struct.unpack("@i", d[:4])[0]
        elif typ == socket.IPV6_PKTINFO:
            dst = socket.inet_ntop(A6, d[:16])
            ifi = struct.unpack("@I", d[16:20])[0]
        elif typ == socket.IPV6_HOPOPTS:
            ra = int(has_ra(d))
    if ifi != idx:
        continue
    src = addr[0].split("%")[0]
    f = data + bytes(8)
    print(ts, data[0], src, dst, hlim, ra, int(csum_ok(src, dst, data)),
          len(data), f[1], struct.unpack("!H", f[4:6])[0],
          struct.unpack("!H", f[6:8])[0], file=out)
EOF

# listen6 NAME NS IF: the listener, its lines in $WORK/NAME.out.
listen6()
{
	nsx "$2" /usr/bin/python3 "$PY" listen "$3" "$WORK/$1.out" \
	    2>"$WORK/$1.err" &
	bg_add $!
	wait_until 5 grep -q ready "$WORK/$1.out" ||
		error "the $1 listener did not start"
}

# solicit HOPS: a solicitation from rcv1; the send time (ns) in SENT.
solicit()
{
	SENT=$(nsx rcv1 /usr/bin/python3 "$PY" solicit "$RCV1_IF" "$1") ||
		error "cannot send a solicitation"
}

# msgs NAME TYPE: the lines of that type (fields as listed in $PY).
msgs()
{
	awk -v t="$2" '$2 == t' "$WORK/$1.out"
}

nmsgs()
{
	msgs "$1" "$2" | wc -l
}

at_least()	# NAME TYPE N
{
	[ "$(nmsgs "$1" "$2")" -ge "$3" ]
}

# wire_ok NAME TYPE LEN IVAL QI RV: every message of that type so far
# is to ff02::6a from the router's link-local address with hop limit 1,
# a Router Alert and a good checksum, LEN octets long (an advertisement
# also with these fields); the first that is not is printed.
wire_ok()
{
	local bad
	bad=$(msgs "$1" "$2" | awk -v src="$RTR_LL" -v len="$3" -v iv="$4" \
	    -v qi="$5" -v rv="$6" '
	    $3 != src || $4 != "ff02::6a" || $5 != 1 || $6 != 1 || $7 != 1 ||
	    $8 != len || ($2 == 151 && ($9 != iv || $10 != qi || $11 != rv)) {
		print; exit }')
	[ -z "$bad" ] && [ "$(nmsgs "$1" "$2")" -gt 0 ] && return 0
	echo "#  want src $RTR_LL dst ff02::6a hlim 1 ra 1 cksum 1 len $3" \
	    "ival $4 qi $5 rv $6; got: ${bad:-none}"
	return 1
}

# The router's link-local address on r1, the advertisements' source.
RTR_LL=$(ip -n "$RTR" -6 addr show dev "$RTR_OUT1" scope link |
    sed -n 's/.*inet6 \(fe80::[0-9a-f:]*\)\/.*/\1/p' | head -n 1)
[ -n "$RTR_LL" ] || error "no link-local address on $RTR_OUT1"

say "interval 4 s, no MLD: advertisements, jitter, termination on SIGTERM"
conf <<EOF
phyint $RTR_OUT1 mrdisc
EOF
listen6 a rcv1 "$RCV1_IF"
listen6 a0 src "$SRC_IF"
daemon_start -m 4
# RFC 4286 §3.1.3-4: three within 3 x 2 s; then every 4 s +-0.1 s.
check "three initial advertisements within 6 s" wait_until 7 at_least a 151 3
check "two more, at the interval, within 9 s" wait_until 10 at_least a 151 5
mapfile -t T < <(msgs a 151 | awk '{ print $1 }')
gap=$(( (T[4] - T[3]) / 1000000 ))
expect ge "4th to 5th advertisement (ms): interval minus 2.5 % jitter" \
    "$gap" 3850
expect le "4th to 5th advertisement (ms): interval plus 2.5 % jitter" \
    "$gap" 4250
gap=$(( (T[2] - T[0]) / 1000000 ))
expect le "1st to 3rd advertisement (ms): two initial intervals of 2 s" \
    "$gap" 4200
check "advertisements: to ff02::6a from the link-local address, hop limit 1, RA, checksum, interval 4, no querier so QI and RV 0" \
    wire_ok a 151 8 4 0 0
daemon_stop
expect eq "exit status" "$DAEMON_RC" 0
check "a termination when the daemon stops" wait_until 2 at_least a 153 1
check "termination: 4 octets, same addresses, hop limit 1, RA" \
    wire_ok a 153 4 0 0 0
expect eq "nothing on the interface without mrdisc" \
    "$(awk '$2 >= 151' "$WORK/a0.out" | wc -l)" 0
echo "# received on $RCV1_IF (rx_ns type src dst hlim ra cksum len ival qi rv):"
sed 's/^/#   /' "$WORK/a.out"

say "interval 60 s with the MLD querier: fields, solicitations, reload"
conf <<EOF
phyint $RTR_OUT1 mld mrdisc query-interval 12 robustness 3
EOF
listen6 b rcv1 "$RCV1_IF"
daemon_start -m 60
check "three initial advertisements within 6 s" wait_until 7 at_least b 151 3
check "the querier's query interval 12 and robustness 3, interval 60" \
    wire_ok b 151 8 60 12 3
# After the three initial ones the next periodic one is a minute away:
# any advertisement now is an answer.
n=$(nmsgs b 151)
solicit 1
check "a solicitation is answered" wait_until 2 at_least b 151 $((n + 1))
ans=$(msgs b 151 | awk -v n="$n" 'NR == n + 1 { print $1 }')
expect le "answer delay (ms): random below 400 ms, 1 s bound" \
    "$(( (${ans:-0} - SENT) / 1000000 ))" 1000
expect ge "the answer came after the solicitation" "${ans:-0}" "$SENT"
check "the answer carries the same fields" wire_ok b 151 8 60 12 3
n=$(nmsgs b 151)
solicit 2
sleep 1
expect eq "a solicitation with hop limit 2 is not answered" \
    "$(nmsgs b 151)" "$n"
igmp_snap
expect eq "show igmp: mrd_solicit counts the valid solicitation only" \
    "$(igmp_counter "$RTR_OUT1" mrd_solicit)" 1
expect eq "show igmp: mrd_answer" "$(igmp_counter "$RTR_OUT1" mrd_answer)" 1
expect eq "show igmp: mrd_advert counts every advertisement" \
    "$(igmp_counter "$RTR_OUT1" mrd_advert)" "$(nmsgs b 151)"
expect eq "show igmp: the hop limit 2 solicitation counted as bad_ttl" \
    "$(igmp_counter "$RTR_OUT1" drop_bad_ttl)" 1

conf <<EOF
phyint $RTR_OUT1 mld query-interval 12 robustness 3
EOF
n=$(nmsgs b 151)
assert "reload acknowledged" daemon_reload
check "a termination when a reload takes mrdisc away" \
    wait_until 2 at_least b 153 1
check "termination: 4 octets, same addresses, hop limit 1, RA" \
    wire_ok b 153 4 0 0 0
solicit 1
sleep 1
expect eq "no advertisement after the termination, solicited or not" \
    "$(nmsgs b 151)" "$n"
daemon_stop
expect eq "exit status" "$DAEMON_RC" 0
expect eq "one termination only" "$(nmsgs b 153)" 1
echo "# received on $RCV1_IF (rx_ns type src dst hlim ra cksum len ival qi rv):"
sed 's/^/#   /' "$WORK/b.out"
finish
