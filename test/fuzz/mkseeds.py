#!/usr/bin/python3
# mkseeds.py - write the generated seeds of corpus/msg, corpus/mdb and
# corpus/codec, so that what their bytes mean can be read here
#
# Usage: test/fuzz/mkseeds.py [CORPUSDIR]   (default: next to this file)
#
# Only the files named below are written; hand-made seeds next to them
# are left alone.  The msg seeds are in host byte order (msg.h), like
# the frames themselves: run this on the kind of host that fuzzes.
#
# Copyright (c) 2026 The smcroute-ng authors.  ISC License, see COPYING.
# SPDX-License-Identifier: ISC
import os
import struct
import sys

# ---- fuzz_msg: src/msg.h frames ----------------------------------------

MAGIC = 0x01434d53
ADD, REMOVE, JOIN, LEAVE, SHOW, FLUSH, RELOAD, KILL = range(1, 9)
F_DETAIL, F_JSON = 1, 2


def req(cmd, *args, flags=0, magic=MAGIC, argc=None, length=None,
        tail=b""):
    """A request frame; argc, length and tail can be made wrong."""
    payload = b"".join(a.encode() + b"\0" if isinstance(a, str) else a
                       for a in args) + tail
    n = len(args) if argc is None else argc
    ln = 16 + len(payload) if length is None else length
    return struct.pack("=IIHHI", magic, ln, cmd, n, flags) + payload


def reply(status, text=b"", length=None):
    """A reply frame: length, signed status, text."""
    if isinstance(text, str):
        text = text.encode()
    ln = len(text) if length is None else length
    return struct.pack("=Ii", ln, status) + text


def build(cmd, flags, *words):
    """fuzz_msg's third reading: code, flags, NUL-separated words."""
    return bytes([cmd, flags]) + b"\0".join(w.encode() for w in words)


MSG = {
    # requests the daemon accepts
    "req-join": req(JOIN, "eth0", "225.1.2.3"),
    "req-join6-ssm": req(JOIN, "eth0", "2001:db8::1", "ff3e::8000:1"),
    "req-remove-oifs": req(REMOVE, "eth0", "10.0.0.1", "225.1.2.3",
                           "eth1", "eth2"),
    "req-add-star-g-pfx": req(ADD, "eth0", "225.1.0.0/16", "eth1"),
    "req-show-detail": req(SHOW, "interfaces", flags=F_DETAIL),
    "req-show-pending-json": req(SHOW, "pending",
                                 flags=F_DETAIL | F_JSON),
    "req-add-max-oifs": req(ADD, "eth0", "10.0.0.1", "225.1.2.3",
                            *["eth%d" % i for i in range(32)]),
    # requests refused with a reply, the connection goes on
    "bad-cmd-zero": req(0),
    "bad-cmd-nine": req(9),
    "bad-flags": req(SHOW, flags=0x80000000),
    "bad-argc-max": req(ADD, argc=65),
    "bad-stray": req(FLUSH, tail=b"x\0"),
    "bad-no-nul": req(JOIN, "eth0", tail=b"225.1.2.3", argc=2),
    "bad-empty-arg": req(JOIN, "eth0", "", "225.1.2.3"),
    "bad-ctrl-arg": req(JOIN, "eth\x1b[0m", "225.1.2.3"),
    "bad-long-arg": req(JOIN, "e" * 256, "225.1.2.3"),
    "bad-few-args": req(ADD, "eth0", "225.1.2.3"),
    "bad-show-prefix": req(SHOW, "int"),
    "bad-then-good": req(LEAVE, "eth0") + req(LEAVE, "eth0", "225.1.2.3"),
    # framing errors: the daemon closes the connection
    "bad-magic": req(SHOW, magic=0x02434d53) + req(SHOW),
    "bad-len-short": req(SHOW, length=15),
    "bad-len-long": req(SHOW, length=65537),
    "partial-frame": req(JOIN, "eth0", "225.1.2.3")[:21],
    "partial-header": req(KILL)[:11],
    # replies, as the client reads them
    "reply-fail": reply(1, "No such interface eth9"),
    "reply-badmsg-negative": reply(2, "bad magic") + reply(-1, "x"),
    "reply-too-long": reply(0, length=(32 << 20) + 1),
    "reply-truncated": reply(0, "routes", length=100),
    "reply-table": reply(0, "ROUTE_\nSOURCE GROUP IIF OIFS=\n"
                         "10.0.0.1 225.1.2.3 eth0 eth1\n"),
    "reply-4k": reply(0, "x" * 4200),
    # commands to build
    "build-join-ssm": build(JOIN, 0, "eth0", "10.0.0.1", "232.1.1.1"),
    "build-remove-json": build(REMOVE, F_JSON, "eth0", "225.1.2.3"),
    "build-flush-args": build(FLUSH, 0, "now"),
    "build-empty-word": build(LEAVE, 0, "eth0", "", "225.1.2.3"),
    "build-code-zero": build(0, 0, "help"),
    "build-high-flags": build(KILL, 0x81),
}

# ---- fuzz_mdb: the script of fuzz_mdb.c ---------------------------------

V4, V6 = 0, 1
IS_IN, IS_EX, TO_IN, TO_EX, ALLOW, BLOCK, V1_REPORT, V2_REPORT, \
    V2_LEAVE = range(1, 10)
# Groups of the pool (fuzz_mdb.c): 0-3 and 7 ASM, 4-6 SSM, 8-10
# link-local, 11 ASM (IPv4) or interface-local, 12-15 not groups.
G0, G1, G2, G3, SSM0, SSM1, SSM2, G7, LL0, LL1, LL2, G11 = range(12)
NOTGRP = 12
# Hosts: 0-2 addresses, 3 the unspecified address.
H0, H1, H2, HANY = range(4)
# Time steps: unit index and multiplier.
MS1, MS10, MS100, S1, S10, MIN1, S100 = range(1, 8)


def hdr(family=V4, version=0, fl=0, rv=0, lmqc=0, qi=0, qri=0, lmqi=0,
        maxg=0, maxph=0, maxsrc=0, nonq=0, maxh=0):
    """Interface parameters (fz_params()); 0 is the default."""
    return bytes([family | version << 1 | fl << 3 | rv << 4 | lmqc << 6,
                  qi | qri << 2 | lmqi << 4,
                  maxg | maxph << 3 | maxsrc << 5,
                  nonq | maxh << 1])


def mask(srcs):
    m = 0
    for s in srcs:
        m |= 1 << s
    return m


def rec(t, host, grp, srcs=(), pretick=True, dup=False, other=False):
    """A record; pretick runs due expiries first (stricter checks)."""
    a0 = t | (0x10 if pretick else 0) | (0x80 if dup else 0) | \
        (0x60 if other else 0)
    return bytes([0, a0, host | grp << 2, mask(srcs)])


def adv(unit, mult=1):
    return bytes([7, unit | (mult - 1) << 3])


def dl(where=1):
    """To one before (0), at (1) or one after (2) the next deadline."""
    return bytes([10, where])


def heard(grp, srcs=(), sflag=False):
    return bytes([12, grp | (0x40 if sflag else 0), mask(srcs)])


def querier(on):
    return bytes([13 | (0x10 if on else 0)])


def params(*args, family_byte=0, **kw):
    p = bytearray(hdr(*args, **kw))
    p[3] |= family_byte
    return bytes([14]) + bytes(p)


def tick():
    return bytes([15])


def flush():
    return bytes([0xff])


def script(h, *ops):
    return h + b"".join(ops)


MDB = {
    # The source timer of an EXCLUDE-mode group runs out (X to Y):
    # traffic from that source is no longer forwarded, but no change
    # is reported (mdb_tick() clears the timer before
    # mdb_expire_source() -> mdb_src_stop() looks at it).
    "crash-exclude-source-expiry-unreported": script(
        hdr(), rec(IS_IN, H0, G0, [0], pretick=False),
        rec(TO_EX, H0, G0, [0], pretick=False), adv(S1, 4)),
    # RFC 3376 6.4.2 rows with the queries they send, to the end
    "rows-block-in-exclude": script(
        hdr(qri=2, lmqi=2), rec(IS_EX, H0, G0, [1]),
        rec(ALLOW, H1, G0, [2, 3]), rec(BLOCK, H1, G0, [2, 3]),
        dl(), dl(), dl(), dl(), dl(), dl()),
    "rows-to-in-from-exclude": script(
        hdr(qi=2, qri=1), rec(TO_EX, H0, G1, []),
        rec(TO_IN, H0, G1, [0, 1]), dl(0), dl(1), dl(2), dl(), dl(),
        dl(), dl()),
    "rows-group-timer-expiry": script(
        hdr(qi=1, qri=1), rec(IS_EX, H0, G2, [4]), adv(MS100, 5),
        rec(ALLOW, H1, G2, [5, 6]), dl(), dl(), dl(), adv(S10)),
    "rows-is-ex-refresh": script(
        hdr(qi=2), rec(IS_EX, H0, G0, [0, 1]), adv(S1, 3),
        rec(IS_EX, H0, G0, [1, 2]), adv(S1, 3),
        rec(IS_EX, H1, G0, [2, 3]), adv(S1, 3), rec(IS_IN, H1, G0, [4]),
        adv(S10)),
    "rows-to-ex-to-ex": script(
        hdr(), rec(TO_EX, H0, G3, [0, 1, 2]), rec(TO_EX, H0, G3, [2, 3]),
        rec(TO_EX, H0, G3, []), dl(), dl(), dl()),
    # querier role
    "querier-off-during-rxmt": script(
        hdr(lmqi=3), rec(IS_IN, H0, G0, [0, 1, 2]),
        rec(BLOCK, H0, G0, [0, 1]), dl(), querier(False), dl(),
        querier(True), rec(BLOCK, H0, G0, [2]), dl(), dl(), dl()),
    "non-querier-heard-sources": script(
        hdr(nonq=1, lmqi=2), rec(IS_EX, H0, G1, [0]),
        rec(ALLOW, H0, G1, [2, 3]), heard(G1, [2]),
        heard(G1, [3], sflag=True), heard(G1), dl(), dl(), dl(), dl()),
    "heard-unknown-group": script(
        hdr(), heard(G7, [0, 1]), heard(NOTGRP), rec(IS_IN, H0, G7, [0]),
        heard(G7, [0]), heard(G7), dl(), dl()),
    # older versions
    "v1-configured": script(
        hdr(version=1), rec(V1_REPORT, H0, G0), rec(V2_REPORT, H0, G0),
        rec(IS_IN, H1, G0, [0]), rec(V2_LEAVE, H0, G0), adv(MIN1, 5)),
    "v2-configured-leave": script(
        hdr(version=2, qi=1), rec(V2_REPORT, H0, G1),
        rec(V2_REPORT, H1, G1), rec(V2_LEAVE, H0, G1), dl(), dl(),
        rec(V2_LEAVE, H1, G1), dl(), dl(), dl()),
    "compat-ignore-block": script(
        hdr(qi=1), rec(V2_REPORT, H0, G0), rec(BLOCK, H1, G0, [0]),
        rec(TO_EX, H1, G0, [1]), rec(IS_IN, H2, G0, [2]), adv(S1, 4),
        rec(BLOCK, H1, G0, [2]), dl(), dl(), dl()),
    "mldv1-configured": script(
        hdr(V6, version=1), rec(V2_REPORT, H0, G0),
        rec(V1_REPORT, H0, G0), rec(V2_LEAVE, H0, G0), dl(), dl(),
        dl()),
    "mld-v6-rows": script(
        hdr(V6, qi=2, lmqi=2), rec(IS_IN, H0, G1, [0, 1]),
        rec(ALLOW, H1, G1, [2]), rec(TO_EX, H2, G1, [1, 2]),
        rec(TO_IN, H2, G1, [3]), dl(), dl(), dl(), dl(), dl(), dl()),
    # SSM
    "ssm-allow-block": script(
        hdr(lmqi=2), rec(ALLOW, H0, SSM0, [0, 1]),
        rec(BLOCK, H0, SSM0, [1]), rec(TO_EX, H1, SSM0, [2]),
        rec(V2_REPORT, H1, SSM1), rec(TO_IN, H1, SSM2, []), dl(), dl(),
        dl()),
    # fast leave
    "fastleave-include-hosts": script(
        hdr(fl=1), rec(IS_IN, H0, G0, [0, 1]), rec(IS_IN, H1, G0, [1, 2]),
        rec(BLOCK, H0, G0, [0, 1]), rec(TO_IN, H1, G0, [])),
    "fastleave-exclude-hosts": script(
        hdr(V6, fl=1), rec(IS_EX, H0, G2, [0]), rec(IS_IN, H1, G2, [0]),
        rec(TO_IN, H0, G2, []), rec(BLOCK, H1, G2, [0]), dl(), dl()),
    "fastleave-off-later": script(
        hdr(fl=1), rec(IS_IN, H0, G0, [0]), params(), rec(BLOCK, H0, G0,
        [0]), dl(), dl(), dl()),
    # limits
    "limit-hosts-one": script(
        hdr(fl=1, maxh=1), rec(IS_EX, H0, G0), rec(IS_EX, H1, G0),
        rec(TO_IN, H0, G0, []), dl(), rec(TO_IN, H1, G0, []), dl(),
        dl()),
    "limit-sources-one": script(
        hdr(maxsrc=1), rec(IS_IN, H0, G0, [0]), rec(ALLOW, H0, G0, [1]),
        rec(IS_IN, H1, G1, [0]), rec(TO_EX, H1, G0, [0, 1]),
        rec(IS_EX, H2, G2, [])),
    "limit-per-host-any": script(
        hdr(maxph=1), rec(IS_EX, H0, G0), rec(IS_EX, H0, G1),
        rec(IS_EX, HANY, G0), rec(IS_EX, HANY, G1), rec(IS_EX, HANY, G2),
        rec(TO_IN, H0, G0, []), dl(), dl(), rec(IS_EX, H0, G1)),
    "limit-lowered": script(
        hdr(), rec(IS_IN, H0, G0, [0, 1, 2]), rec(IS_IN, H1, G1, [3]),
        rec(IS_EX, H2, G2), params(maxg=1, maxph=1, maxsrc=1, maxh=1),
        rec(ALLOW, H0, G0, [3]), rec(IS_EX, H2, G3), adv(MIN1, 5)),
    # what is refused outright
    "invalid-records": script(
        hdr(), rec(0, H0, G0, [0]), rec(10, H0, G0), rec(IS_IN, H0, 12,
        [0]), rec(IS_IN, H0, 13), rec(IS_EX, H0, 14), rec(IS_EX, H0, 15),
        rec(IS_IN, H0, G0, [0], other=True), rec(IS_EX, H0, LL0),
        rec(IS_EX, H0, LL2), rec(V1_REPORT, H0, G11)),
    "invalid-v6": script(
        hdr(V6), rec(V1_REPORT, H0, G0), rec(IS_EX, H0, G11),
        rec(IS_IN, H0, G1, [1], other=True, dup=True), rec(IS_EX, H0, 14),
        rec(ALLOW, H0, LL1, [0])),
    "duplicates": script(
        hdr(), rec(IS_IN, H0, G0, [0, 1], dup=True),
        rec(TO_EX, H0, G0, [1, 2], dup=True),
        rec(BLOCK, H0, G0, [2, 3], dup=True), dl(), dl()),
    # parameters and flush
    "params-family-change": script(
        hdr(), rec(IS_IN, H0, G0, [0]), params(family_byte=0x40),
        params(family_byte=0x80, qi=1, qri=1), rec(IS_EX, H1, G1), dl(),
        dl(), dl()),
    "flush-then-records": script(
        hdr(), rec(IS_EX, H0, G0, [0]), rec(IS_IN, H1, G1, [1]), flush(),
        rec(IS_IN, H1, G1, [1]), tick(), flush(), flush()),
    "long-run-periodic": script(
        hdr(qi=2, qri=2), *([rec(IS_EX, H0, G0, [1]), rec(IS_IN, H1, G1,
        [2, 3]), adv(S1, 5)] * 4), adv(MIN1)),
    "robustness-lmqc": script(
        hdr(rv=3, lmqc=3, lmqi=1), rec(IS_IN, H0, G0, [0, 1]),
        rec(TO_IN, H0, G0, [1]), dl(), dl(), dl(), dl(), dl(), dl()),
}

# ---- fuzz_codec: 3 control bytes, then the message ----------------------


def igmp(msg, flags=0, b1=0):
    """IGMP message wrapped in IPv4 from 10.0.0.1 with RA, to
    224.0.0.1 (b1 0x08: 224.0.0.22, 0x10: 224.0.0.106); cksum fixed."""
    return bytes([flags, b1, 0]) + msg


def mld(msg, flags=1, b1=0, b2=0):
    """MLD from fe80::1 to ff02::16, hop limit 1, RA; cksum fixed."""
    return bytes([flags, b1, b2]) + msg


def ip4(a):
    return bytes(int(x) for x in a.split("."))


def ip6(a):
    import ipaddress
    return ipaddress.IPv6Address(a).packed


def v3rec4(t, grp, srcs=(), aux=b""):
    return bytes([t, len(aux) // 4]) + struct.pack("!H", len(srcs)) + \
        ip4(grp) + b"".join(ip4(s) for s in srcs) + aux


def v3rec6(t, grp, srcs=(), aux=b""):
    return bytes([t, len(aux) // 4]) + struct.pack("!H", len(srcs)) + \
        ip6(grp) + b"".join(ip6(s) for s in srcs) + aux


CODEC = {
    "igmp-v3-report-aux-unknown": igmp(
        bytes([0x22, 0, 0, 0, 0, 0, 0, 3]) +
        v3rec4(1, "225.1.1.1", ["10.0.0.9"], aux=b"\0" * 8) +
        v3rec4(9, "225.1.1.2", ["10.0.0.9"]) +
        v3rec4(6, "225.1.1.3", ["10.0.0.8", "10.0.0.7"]), b1=0x08),
    "igmp-v3-report-src-multicast": igmp(
        bytes([0x22, 0, 0, 0, 0, 0, 0, 1]) +
        v3rec4(1, "225.1.1.1", ["225.1.1.1"]), b1=0x08),
    "igmp-v3-query-qrv-qqic": igmp(
        bytes([0x11, 0x8f, 0, 0]) + ip4("225.1.1.1") +
        bytes([0x0f, 0xff, 0, 2]) + ip4("10.0.0.1") + ip4("10.0.0.2")),
    "igmp-v3-query-nsrc-past-end": igmp(
        bytes([0x11, 100, 0, 0]) + ip4("225.1.1.1") +
        bytes([2, 125, 0, 9]) + ip4("10.0.0.1")),
    "igmp-mrd-advert-long": igmp(
        bytes([0x30, 20, 0, 0, 0, 125, 0, 2]) + b"\0" * 8, b1=0x10),
    "mld-v2-report-aux-unknown": mld(
        bytes([143, 0, 0, 0, 0, 0, 0, 2]) +
        v3rec6(4, "ff0e::1", ["2001:db8::1"], aux=b"\0" * 4) +
        v3rec6(7, "ff0e::2")),
    "mld-v2-query-max-mrc": mld(
        bytes([130, 0, 0, 0, 0xff, 0xff, 0, 0]) + ip6("ff0e::1") +
        bytes([0x0a, 0x80, 0, 1]) + ip6("2001:db8::1")),
    "mld-v1-report-hbh-from-input": mld(
        bytes([58, 0, 5, 2, 0, 0, 1, 0]) +
        bytes([131, 0, 0, 0, 0, 0, 0, 0]) + ip6("ff0e::1"),
        flags=1 | 4 << 4, b2=8),
    "mld-v2-report-no-hbh": mld(
        bytes([143, 0, 0, 0, 0, 0, 0, 1]) + v3rec6(1, "ff0e::1",
        ["2001:db8::1"]), flags=1 | 1 << 4),
}


def main():
    top = sys.argv[1] if len(sys.argv) > 1 else \
        os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")
    for sub, seeds in (("msg", MSG), ("mdb", MDB), ("codec", CODEC)):
        os.makedirs(os.path.join(top, sub), exist_ok=True)
        for name, data in seeds.items():
            with open(os.path.join(top, sub, name), "wb") as f:
                f.write(data)


if __name__ == "__main__":
    main()
