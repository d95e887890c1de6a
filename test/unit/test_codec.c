/*
 * test_codec.c - unit tests for the IGMP/MLD packet codec (proxy/pkt.h)
 *
 * Round trips through the encoders and decoders, every drop reason
 * from a crafted packet, the exponential codes at their boundaries,
 * checksum vectors, and a fuzz loop over random and mutated packets
 * (meant to run under -fsanitize=address,undefined: every packet is
 * copied into a heap buffer of exactly its length).
 *
 * Prints one line per check; exits 0 when all pass, 1 otherwise.
 * CODEC_FUZZ_ROUNDS in the environment sets the fuzz rounds (100000).
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "pkt.h"

static struct inet_addr
A(const char *s)
{
	struct inet_addr a;

	if (inet_pton_any(s, &a)) {
		fprintf(stderr, "bad test address %s\n", s);
		exit(2);
	}
	return a;
}

static int
addr_eq(const struct inet_addr *a, const char *s)
{
	struct inet_addr b = A(s);

	return inet_cmp(a, &b) == 0;
}

/* Deterministic PRNG (xorshift64*) so failures reproduce. */
static uint64_t	 rng_state = 0x9e3779b97f4a7c15ULL;

static uint32_t
rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545f4914f6cdd1dULL) >> 32);
}

/*
 * IGMP packet helpers
 */

/* Wrap an IGMP message in an IPv4 header; returns the packet length. */
static size_t
ip_wrap(uint8_t *pkt, size_t size, const char *src, const char *dst,
    uint8_t ttl, bool ra, const uint8_t *msg, size_t msglen)
{
	struct inet_addr s = A(src), d = A(dst);
	size_t hl = igmp_ip_hdrlen(ra);
	ssize_t n;

	memmove(pkt + hl, msg, msglen);
	n = igmp_ip_encode(pkt, size, &s, &d, ttl, ra, msglen);
	if (n < 0) {
		fprintf(stderr, "ip_wrap failed\n");
		exit(2);
	}
	return (size_t)n;
}

/* Recompute the IGMP checksum after a test patched the message. */
static void
igmp_fix_cksum(uint8_t *pkt, size_t len)
{
	size_t hl = (size_t)(pkt[0] & 0x0f) * 4;
	uint16_t sum;

	pkt[hl + 2] = pkt[hl + 3] = 0;
	sum = cksum_in(pkt + hl, len - hl);
	pkt[hl + 2] = (uint8_t)(sum >> 8);
	pkt[hl + 3] = (uint8_t)sum;
}

/* Set the IP total length and fix both checksums. */
static void
igmp_fix_len(uint8_t *pkt, size_t len)
{
	size_t hl = (size_t)(pkt[0] & 0x0f) * 4;
	uint16_t sum;

	pkt[2] = (uint8_t)(len >> 8);
	pkt[3] = (uint8_t)len;
	pkt[10] = pkt[11] = 0;
	sum = cksum_in(pkt, hl);
	pkt[10] = (uint8_t)(sum >> 8);
	pkt[11] = (uint8_t)sum;
	if (len >= hl + 4)
		igmp_fix_cksum(pkt, len);
}

/* Decode from an exactly sized heap copy, so ASan sees any overrun. */
static enum pkt_drop
igmp_dec(struct pkt_msg *m, const uint8_t *pkt, size_t len, unsigned int fl,
    uint8_t **keep)
{
	uint8_t *copy = malloc(len ? len : 1);
	enum pkt_drop d;

	if (!copy)
		abort();
	memcpy(copy, pkt, len);
	d = igmp_decode(m, copy, len, fl);
	if (keep)
		*keep = copy;
	else
		free(copy);
	return d;
}

static enum pkt_drop
igmp_dec_drop(const uint8_t *pkt, size_t len, unsigned int fl)
{
	struct pkt_msg m;

	return igmp_dec(&m, pkt, len, fl, NULL);
}

/* A valid v3 report used as the base of many malformed ones. */
static size_t
igmp_v3_report_pkt(uint8_t *pkt, size_t size)
{
	struct inet_addr s1[2] = { A("10.0.0.1"), A("10.0.0.2") };
	struct pkt_rec_tx rec[2] = {
		{ PKT_MODE_IS_INCLUDE, A("232.1.1.1"), s1, 2, 0 },
		{ PKT_CHANGE_TO_EXCLUDE, A("239.1.1.1"), NULL, 0, 0 },
	};
	uint8_t msg[256];
	ssize_t n;

	n = igmp_report3_encode(msg, sizeof(msg), rec, 2);
	if (n < 0)
		exit(2);
	return ip_wrap(pkt, size, "192.168.1.10", "224.0.0.22", 1, true, msg,
	    (size_t)n);
}

/*
 * MLD helpers
 */

/* A Hop-by-Hop Options header with a Router Alert, as senders put it. */
static const uint8_t hbh_ra[8] = { 0, 0, 5, 2, 0, 0, 1, 0 };

static struct mld_rxinfo
rxinfo(const char *src, const char *dst, int hlim, bool ra)
{
	struct mld_rxinfo rx;

	rx.src = A(src);
	rx.dst = A(dst);
	rx.hlim = hlim;
	rx.hbh = ra ? hbh_ra : NULL;
	rx.hbhlen = ra ? sizeof(hbh_ra) : 0;
	return rx;
}

static enum pkt_drop
mld_dec(struct pkt_msg *m, const uint8_t *msg, size_t len,
    const struct mld_rxinfo *rx, unsigned int fl, uint8_t **keep)
{
	uint8_t *copy = malloc(len ? len : 1);
	enum pkt_drop d;

	if (!copy)
		abort();
	memcpy(copy, msg, len);
	d = mld_decode(m, copy, len, rx, fl);
	if (keep)
		*keep = copy;
	else
		free(copy);
	return d;
}

static enum pkt_drop
mld_dec_drop(const uint8_t *msg, size_t len, const struct mld_rxinfo *rx)
{
	struct pkt_msg m;

	return mld_dec(&m, msg, len, rx, 0, NULL);
}

static void
mld_fix_cksum(uint8_t *msg, size_t len, const struct mld_rxinfo *rx)
{
	uint16_t sum;

	msg[2] = msg[3] = 0;
	sum = cksum_icmp6(&rx->src.u.v6, &rx->dst.u.v6, msg, len);
	msg[2] = (uint8_t)(sum >> 8);
	msg[3] = (uint8_t)sum;
}

/* Walk every record and source; returns sources seen, -1 on mismatch. */
static long
walk_report(const struct pkt_msg *m, unsigned int *nrec)
{
	struct pkt_rec_iter it;
	struct pkt_rec r;
	struct inet_addr a;
	long nsrc = 0;
	size_t i;

	*nrec = 0;
	pkt_rec_iter_init(&it, m);
	while (pkt_rec_next(&it, &r)) {
		(*nrec)++;
		if (!inet_is_multicast(&r.group))
			return -1;
		for (i = 0; i < r.srcs.n; i++) {
			if (!pkt_srcs_get(&r.srcs, i, &a))
				return -1;
			nsrc++;
		}
		if (pkt_srcs_get(&r.srcs, r.srcs.n, &a))
			return -1;
	}
	return nsrc;
}

/*
 * Checksums
 */
static void
test_cksum(void)
{
	/* RFC 1071 §3 numerical example: sum ddf2, checksum 220d. */
	static const uint8_t rfc1071[] = {
		0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7
	};
	/* Well-known IGMPv2 and IGMPv3 general queries (checksum zeroed). */
	static const uint8_t q2[] = { 0x11, 0x64, 0, 0, 0, 0, 0, 0 };
	static const uint8_t q3[] = {
		0x11, 0x64, 0, 0, 0, 0, 0, 0, 0x02, 0x7d, 0, 0
	};
	static const uint8_t q2ok[] = { 0x11, 0x64, 0xee, 0x9b, 0, 0, 0, 0 };
	static const uint8_t odd[] = { 0x01 };
	static const uint8_t ones[] = { 0xff, 0xff };
	/* MLDv2 report TO_EX ff02::fb, fe80::1 -> ff02::16 (offline vector). */
	static const uint8_t mld2[] = {
		143, 0, 0, 0, 0, 0, 0, 1, 4, 0, 0, 0,
		0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xfb
	};
	static const uint8_t mld1q[] = {
		130, 0, 0, 0, 0x27, 0x10, 0, 0,
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
	};
	struct inet_addr ll = A("fe80::1"), r16 = A("ff02::16"),
	    all = A("ff02::1");
	uint8_t big[1001];
	uint32_t s;
	size_t i;

	check(cksum_fold(cksum_add(0, rfc1071, 8)) == (uint16_t)~0xddf2,
	    "cksum: RFC 1071 example sums to ddf2");
	check(cksum_in(rfc1071, 8) == 0x220d, "cksum: RFC 1071 example 220d");
	check(cksum_in(q2, sizeof(q2)) == 0xee9b,
	    "cksum: IGMPv2 general query ee9b");
	check(cksum_in(q3, sizeof(q3)) == 0xec1e,
	    "cksum: IGMPv3 general query ec1e");
	check(cksum_in(q2ok, sizeof(q2ok)) == 0,
	    "cksum: packet with correct checksum verifies to 0");
	check(cksum_in(odd, 1) == 0xfeff, "cksum: odd length pads with zero");
	check(cksum_in(ones, 2) == 0x0000, "cksum: ffff folds to 0");
	check(cksum_in(NULL, 0) == 0xffff, "cksum: empty buffer");

	for (i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)rnd();
	s = cksum_add(0, big, 500);
	s = cksum_add(s, big + 500, 501);
	check(cksum_fold(s) == cksum_in(big, sizeof(big)),
	    "cksum: chained even chunks equal one shot");
	memset(big, 0xff, sizeof(big));
	check(cksum_in(big, sizeof(big)) == 0x00ff,
	    "cksum: long run of ff with odd tail (no overflow)");

	check(cksum_icmp6(&ll.u.v6, &r16.u.v6, mld2, sizeof(mld2)) == 0x6f0f,
	    "cksum: ICMPv6 MLDv2 report vector 6f0f");
	check(cksum_icmp6(&ll.u.v6, &all.u.v6, mld1q, sizeof(mld1q)) == 0x5917,
	    "cksum: ICMPv6 MLDv1 query vector 5917");
	check(cksum_icmp6(&ll.u.v6, &all.u.v6, mld2, sizeof(mld2)) != 0x6f0f,
	    "cksum: ICMPv6 checksum covers the destination");
}

/*
 * Exponential codes
 */
static void
test_codes(void)
{
	uint32_t c, v, bad;

	check(igmp_mrc_to_ms(0) == 0, "mrc: igmp 0 -> 0 ms");
	check(igmp_mrc_to_ms(100) == 10000, "mrc: igmp 100 -> 10 s");
	check(igmp_mrc_to_ms(127) == 12700, "mrc: igmp 127 -> 12.7 s");
	check(igmp_mrc_to_ms(128) == 12800, "mrc: igmp 0x80 -> 12.8 s");
	check(igmp_mrc_to_ms(0x8f) == 24800, "mrc: igmp 0x8f -> 24.8 s");
	check(igmp_mrc_to_ms(0x90) == 25600, "mrc: igmp 0x90 -> 25.6 s");
	check(igmp_mrc_to_ms(0xff) == IGMP_MRC_MAX_MS,
	    "mrc: igmp 0xff -> 3174.4 s (31744 tenths)");
	check(igmp_ms_to_mrc(12700) == 127, "mrc: 12.7 s -> 127");
	check(igmp_ms_to_mrc(12800) == 0x80, "mrc: 12.8 s -> 0x80");
	check(igmp_ms_to_mrc(12999) == 0x80, "mrc: 12.999 s rounds down");
	check(igmp_ms_to_mrc(99) == 0, "mrc: 99 ms -> 0");
	check(igmp_ms_to_mrc(IGMP_MRC_MAX_MS) == 0xff, "mrc: max -> 0xff");
	check(igmp_ms_to_mrc(UINT32_MAX) == 0xff, "mrc: huge clamps to 0xff");

	bad = 0;
	for (c = 0; c < 256; c++) {
		if (igmp_ms_to_mrc(igmp_mrc_to_ms((uint8_t)c)) != c)
			bad++;
		if (pkt_sec_to_qqic(pkt_qqic_to_sec((uint8_t)c)) != c)
			bad++;
		if (c && pkt_qqic_to_sec((uint8_t)c) <=
		    pkt_qqic_to_sec((uint8_t)(c - 1)))
			bad++;
	}
	check(bad == 0, "mrc/qqic: all 256 codes round-trip, monotonic");

	check(pkt_qqic_to_sec(125) == 125, "qqic: 125 literal");
	check(pkt_qqic_to_sec(127) == 127, "qqic: 127 literal");
	check(pkt_qqic_to_sec(128) == 128, "qqic: 0x80 -> 128");
	check(pkt_qqic_to_sec(0xff) == PKT_QQIC_MAX_SEC, "qqic: 0xff -> 31744");
	check(pkt_sec_to_qqic(127) == 127, "qqic: 127 -> 127");
	check(pkt_sec_to_qqic(128) == 0x80, "qqic: 128 -> 0x80");
	check(pkt_sec_to_qqic(300) == 0x92 && pkt_qqic_to_sec(0x92) == 288,
	    "qqic: 300 rounds down to 288 (0x92)");
	check(pkt_sec_to_qqic(31744) == 0xff, "qqic: 31744 -> 0xff");
	check(pkt_sec_to_qqic(31745) == 0xff, "qqic: 31745 clamps to 0xff");
	check(pkt_sec_to_qqic(UINT32_MAX) == 0xff, "qqic: huge clamps");

	check(mld_mrc_to_ms(0) == 0, "mrc: mld 0");
	check(mld_mrc_to_ms(10000) == 10000, "mrc: mld 10000 literal");
	check(mld_mrc_to_ms(32767) == 32767, "mrc: mld 32767 literal");
	check(mld_mrc_to_ms(0x8000) == 32768, "mrc: mld 0x8000 -> 32768");
	check(mld_mrc_to_ms(0xffff) == MLD_MRC_MAX_MS, "mrc: mld 0xffff max");
	check(mld_ms_to_mrc(32767) == 32767, "mrc: 32767 ms -> 32767");
	check(mld_ms_to_mrc(32768) == 0x8000, "mrc: 32768 ms -> 0x8000");
	check(mld_ms_to_mrc(32775) == 0x8000, "mrc: 32775 ms rounds down");
	check(mld_ms_to_mrc(32776) == 0x8001, "mrc: 32776 ms -> 0x8001");
	check(mld_ms_to_mrc(MLD_MRC_MAX_MS) == 0xffff, "mrc: mld max");
	check(mld_ms_to_mrc(UINT32_MAX) == 0xffff, "mrc: mld huge clamps");
	bad = 0;
	for (c = 0; c < 65536; c++) {
		if (mld_ms_to_mrc(mld_mrc_to_ms((uint16_t)c)) != c)
			bad++;
		if (c && mld_mrc_to_ms((uint16_t)c) <=
		    mld_mrc_to_ms((uint16_t)(c - 1)))
			bad++;
	}
	check(bad == 0, "mrc: all 65536 MLD codes round-trip, monotonic");

	/* Encoding is the largest code not above the value. */
	bad = 0;
	for (c = 0; c < 200000; c++) {
		v = rnd() % (MLD_MRC_MAX_MS + 1000);
		if (mld_mrc_to_ms(mld_ms_to_mrc(v)) > v)
			bad++;
		if (mld_ms_to_mrc(v) < 0xffff &&
		    mld_mrc_to_ms((uint16_t)(mld_ms_to_mrc(v) + 1)) <= v)
			bad++;
		v %= PKT_QQIC_MAX_SEC + 100;
		if (pkt_qqic_to_sec(pkt_sec_to_qqic(v)) > v)
			bad++;
		if (pkt_sec_to_qqic(v) < 0xff &&
		    pkt_qqic_to_sec((uint8_t)(pkt_sec_to_qqic(v) + 1)) <= v)
			bad++;
	}
	check(bad == 0, "mrc/qqic: encode is floor over random values");
}

/*
 * IGMP round trips
 */
static void
test_igmp_queries(void)
{
	struct inet_addr srcs[3] = { A("10.1.1.1"), A("10.1.1.2"),
	    A("10.1.1.3") };
	struct pkt_query_tx q;
	struct pkt_msg m;
	struct inet_addr a;
	uint8_t msg[512], pkt[600], *keep;
	size_t len;
	ssize_t n;

	memset(&q, 0, sizeof(q));
	q.version = 1;
	n = igmp_query_encode(msg, sizeof(msg), &q);
	check(n == 8 && msg[1] == 0, "igmp: v1 query encodes 8 octets, code 0");
	len = ip_wrap(pkt, sizeof(pkt), "192.168.1.1", "224.0.0.1", 1, false,
	    msg, (size_t)n);
	check(igmp_dec(&m, pkt, len, 0, NULL) == PKT_OK &&
	    m.type == PKT_QUERY && m.version == 1 && m.level == 1 &&
	    m.q.mrt_ms == 10000 && inet_is_any(&m.group) && !m.ra,
	    "igmp: v1 query decodes, 10 s, no RA needed");

	memset(&q, 0, sizeof(q));
	q.version = 2;
	q.mrt_ms = 10000;
	n = igmp_query_encode(msg, sizeof(msg), &q);
	check(n == 8 && memcmp(msg, "\x11\x64\xee\x9b\0\0\0\0", 8) == 0,
	    "igmp: v2 general query is 11 64 ee 9b 0.0.0.0");
	len = ip_wrap(pkt, sizeof(pkt), "192.168.1.1", "224.0.0.1", 1, true,
	    msg, (size_t)n);
	check(igmp_dec(&m, pkt, len, 0, NULL) == PKT_OK &&
	    m.type == PKT_QUERY && m.version == 2 && m.q.mrt_ms == 10000 &&
	    inet_is_any(&m.group) && m.ra && addr_eq(&m.src, "192.168.1.1") &&
	    addr_eq(&m.dst, "224.0.0.1") && m.q.srcs.n == 0,
	    "igmp: v2 general query round trip");

	q.group = A("239.2.3.4");
	q.mrt_ms = 1000;
	n = igmp_query_encode(msg, sizeof(msg), &q);
	len = ip_wrap(pkt, sizeof(pkt), "192.168.1.1", "239.2.3.4", 1, true,
	    msg, (size_t)n);
	check(igmp_dec(&m, pkt, len, 0, NULL) == PKT_OK && m.version == 2 &&
	    m.q.mrt_ms == 1000 && addr_eq(&m.group, "239.2.3.4"),
	    "igmp: v2 group-specific query round trip");
	q.mrt_ms = 50;
	n = igmp_query_encode(msg, sizeof(msg), &q);
	check(n == 8 && msg[1] == 1,
	    "igmp: v2 query with mrt < 100 ms sends code 1, not v1's 0");
	q.mrt_ms = 60000;
	n = igmp_query_encode(msg, sizeof(msg), &q);
	check(n == 8 && msg[1] == 255, "igmp: v2 query mrt clamps at 25.5 s");

	memset(&q, 0, sizeof(q));
	q.version = 3;
	q.mrt_ms = 10000;
	q.qrv = 2;
	q.qqi = 125;
	n = igmp_query_encode(msg, sizeof(msg), &q);
	check(n == 12 && memcmp(msg, "\x11\x64\xec\x1e\0\0\0\0\x02\x7d\0\0",
	    12) == 0, "igmp: v3 general query matches the known capture");
	len = ip_wrap(pkt, sizeof(pkt), "192.168.1.1", "224.0.0.1", 1, true,
	    msg, (size_t)n);
	check(igmp_dec(&m, pkt, len, 0, NULL) == PKT_OK && m.version == 3 &&
	    m.level == 3 && m.q.mrt_ms == 10000 && m.q.qrv == 2 &&
	    m.q.qqi == 125 && !m.q.sflag && inet_is_any(&m.group),
	    "igmp: v3 general query round trip");

	q.group = A("232.1.2.3");
	q.sflag = true;
	q.qrv = 9;
	q.qqi = 300;
	q.mrt_ms = 30000;
	q.src = srcs;
	q.nsrc = 3;
	n = igmp_query_encode(msg, sizeof(msg), &q);
	check(n == 24, "igmp: v3 group-and-source query is 24 octets");
	check(n == 24 && (msg[8] & 0x0f) == 0x08,
	    "igmp: QRV 9 is sent as 0, S flag set");
	len = ip_wrap(pkt, sizeof(pkt), "192.168.1.1", "232.1.2.3", 1, true,
	    msg, (size_t)n);
	check(igmp_dec(&m, pkt, len, 0, &keep) == PKT_OK &&
	    m.q.sflag && m.q.qrv == 0 && m.q.qqi == 288 &&
	    m.q.mrt_ms == igmp_mrc_to_ms(igmp_ms_to_mrc(30000)) &&
	    addr_eq(&m.group, "232.1.2.3") && m.q.srcs.n == 3,
	    "igmp: v3 group-and-source query round trip");
	check(pkt_srcs_get(&m.q.srcs, 0, &a) && addr_eq(&a, "10.1.1.1") &&
	    pkt_srcs_get(&m.q.srcs, 2, &a) && addr_eq(&a, "10.1.1.3") &&
	    !pkt_srcs_get(&m.q.srcs, 3, &a),
	    "igmp: query sources read back, index 3 out of range");
	free(keep);

	/* RFC 3376 §4.1.10: extra octets are checksummed, then ignored. */
	memset(msg + n, 0xab, 6);
	len = ip_wrap(pkt, sizeof(pkt), "192.168.1.1", "232.1.2.3", 1, true,
	    msg, (size_t)n + 6);
	igmp_fix_cksum(pkt, len);
	check(igmp_dec(&m, pkt, len, 0, NULL) == PKT_OK && m.q.srcs.n == 3,
	    "igmp: v3 query with additional data accepted");

	/* Encoder errors. */
	memset(&q, 0, sizeof(q));
	q.version = 1;
	q.group = A("239.1.1.1");
	check(igmp_query_encode(msg, sizeof(msg), &q) < 0 && errno == EINVAL,
	    "igmp: v1 group-specific query refused");
	q.version = 2;
	q.src = srcs;
	q.nsrc = 1;
	check(igmp_query_encode(msg, sizeof(msg), &q) < 0 && errno == EINVAL,
	    "igmp: v2 query with sources refused");
	q.version = 3;
	memset(&q.group, 0, sizeof(q.group));
	check(igmp_query_encode(msg, sizeof(msg), &q) < 0 && errno == EINVAL,
	    "igmp: general v3 query with sources refused");
	q.group = A("10.0.0.1");
	q.nsrc = 0;
	check(igmp_query_encode(msg, sizeof(msg), &q) < 0 && errno == EINVAL,
	    "igmp: query for a unicast group refused");
	q.group = A("ff02::1");
	check(igmp_query_encode(msg, sizeof(msg), &q) < 0 && errno == EINVAL,
	    "igmp: query with an IPv6 group refused");
	q.group = A("239.1.1.1");
	q.src = srcs;
	q.nsrc = 3;
	check(igmp_query_encode(msg, 23, &q) < 0 && errno == EMSGSIZE,
	    "igmp: query one octet too big for buffer -> EMSGSIZE");
	q.version = 4;
	check(igmp_query_encode(msg, sizeof(msg), &q) < 0 && errno == EINVAL,
	    "igmp: version 4 refused");

	/* Checksum over the message length, nothing past it touched. */
	memset(msg, 0xaa, sizeof(msg));
	q.version = 3;
	n = igmp_query_encode(msg, sizeof(msg), &q);
	check(n == 24 && cksum_in(msg, 24) == 0 && msg[24] == 0xaa &&
	    msg[sizeof(msg) - 1] == 0xaa,
	    "igmp: checksum covers exactly the message");
}

static void
test_igmp_reports(void)
{
	struct inet_addr s1[3] = { A("10.0.0.1"), A("10.0.0.2"),
	    A("10.0.0.3") };
	struct inet_addr g = A("239.1.2.3"), a;
	struct pkt_rec_tx rec[4];
	struct pkt_rec_iter it;
	struct pkt_rec r;
	struct pkt_msg m;
	uint8_t msg[512], pkt[600], *keep;
	unsigned int nrec;
	size_t len;
	ssize_t n;

	n = igmp_report_encode(msg, sizeof(msg), PKT_REPORT_V1, &g);
	len = ip_wrap(pkt, sizeof(pkt), "192.168.1.10", "239.1.2.3", 1, false,
	    msg, (size_t)n);
	check(n == 8 && igmp_dec(&m, pkt, len, 0, NULL) == PKT_OK &&
	    m.type == PKT_REPORT_V1 && m.level == 1 &&
	    addr_eq(&m.group, "239.1.2.3"),
	    "igmp: v1 report round trip without RA");

	n = igmp_report_encode(msg, sizeof(msg), PKT_REPORT_V2, &g);
	len = ip_wrap(pkt, sizeof(pkt), "192.168.1.10", "239.1.2.3", 1, true,
	    msg, (size_t)n);
	check(igmp_dec(&m, pkt, len, 0, NULL) == PKT_OK &&
	    m.type == PKT_REPORT_V2 && m.version == 2 &&
	    addr_eq(&m.group, "239.1.2.3"), "igmp: v2 report round trip");

	/* RFC 2236 §2.5: longer v2 messages are fine, extra ignored. */
	memset(msg + 8, 0, 4);
	len = ip_wrap(pkt, sizeof(pkt), "192.168.1.10", "239.1.2.3", 1, true,
	    msg, 12);
	igmp_fix_cksum(pkt, len);
	check(igmp_dec(&m, pkt, len, 0, NULL) == PKT_OK &&
	    m.type == PKT_REPORT_V2, "igmp: 12-octet v2 report accepted");

	n = igmp_report_encode(msg, sizeof(msg), PKT_LEAVE_V2, &g);
	len = ip_wrap(pkt, sizeof(pkt), "192.168.1.10", "224.0.0.2", 1, true,
	    msg, (size_t)n);
	check(igmp_dec(&m, pkt, len, 0, NULL) == PKT_OK &&
	    m.type == PKT_LEAVE_V2 && addr_eq(&m.group, "239.1.2.3"),
	    "igmp: v2 leave round trip");
	check(igmp_report_encode(msg, sizeof(msg), PKT_QUERY, &g) < 0 &&
	    errno == EINVAL, "igmp: report encoder refuses a query type");

	/* Report from 0.0.0.0 (RFC 3376 §4.2.13). */
	len = ip_wrap(pkt, sizeof(pkt), "0.0.0.0", "224.0.0.2", 1, true,
	    msg, (size_t)n);
	check(igmp_dec(&m, pkt, len, 0, NULL) == PKT_OK &&
	    inet_is_any(&m.src), "igmp: leave from 0.0.0.0 accepted");

	memset(rec, 0, sizeof(rec));
	rec[0].type = PKT_MODE_IS_INCLUDE;
	rec[0].group = A("232.1.1.1");
	rec[0].src = s1;
	rec[0].nsrc = 3;
	rec[1].type = 7;			/* unknown: skipped */
	rec[1].group = A("10.9.9.9");		/* not checked, skipped */
	rec[1].src = s1;
	rec[1].nsrc = 1;
	rec[2].type = PKT_ALLOW_NEW_SOURCES;
	rec[2].group = A("232.1.1.2");
	rec[2].src = s1 + 1;
	rec[2].nsrc = 1;
	rec[2].auxlen = 2;			/* ignored (RFC 3376 §4.2.6) */
	rec[3].type = PKT_CHANGE_TO_EXCLUDE;
	rec[3].group = A("239.5.5.5");
	n = igmp_report3_encode(msg, sizeof(msg), rec, 4);
	check(n == 8 + (8 + 12) + (8 + 4) + (8 + 4 + 8) + 8,
	    "igmp: v3 report length");
	len = ip_wrap(pkt, sizeof(pkt), "0.0.0.0", "224.0.0.22", 1, true,
	    msg, (size_t)n);
	check(igmp_dec(&m, pkt, len, 0, &keep) == PKT_OK &&
	    m.type == PKT_REPORT_V3 && m.level == 3 && m.nrec == 4 &&
	    m.nrec_unknown == 1 && m.nsrc_total == 4,
	    "igmp: v3 report from 0.0.0.0 decodes, unknown record counted");
	pkt_rec_iter_init(&it, &m);
	check(pkt_rec_next(&it, &r) && r.type == PKT_MODE_IS_INCLUDE &&
	    addr_eq(&r.group, "232.1.1.1") && r.srcs.n == 3 &&
	    pkt_srcs_get(&r.srcs, 2, &a) && addr_eq(&a, "10.0.0.3"),
	    "igmp: record 1 IS_IN(232.1.1.1, 3 sources)");
	{
		struct inet_addr out[4];

		check(pkt_srcs_copy(&r.srcs, out, 4) == 3 &&
		    addr_eq(&out[0], "10.0.0.1") &&
		    addr_eq(&out[2], "10.0.0.3") &&
		    pkt_srcs_copy(&r.srcs, out, 2) == 2 &&
		    pkt_srcs_copy(&r.srcs, out, 0) == 0,
		    "igmp: pkt_srcs_copy bounded by list and by max");
	}
	check(pkt_rec_next(&it, &r) && r.type == PKT_ALLOW_NEW_SOURCES &&
	    addr_eq(&r.group, "232.1.1.2") && r.srcs.n == 1 &&
	    pkt_srcs_get(&r.srcs, 0, &a) && addr_eq(&a, "10.0.0.2"),
	    "igmp: unknown record skipped, ALLOW after aux data");
	check(pkt_rec_next(&it, &r) && r.type == PKT_CHANGE_TO_EXCLUDE &&
	    addr_eq(&r.group, "239.5.5.5") && r.srcs.n == 0,
	    "igmp: record TO_EX({}) last");
	check(!pkt_rec_next(&it, &r) && !pkt_rec_next(&it, &r),
	    "igmp: iterator ends and stays ended");
	check(walk_report(&m, &nrec) == 4 && nrec == 3,
	    "igmp: walk counts match nsrc_total");
	free(keep);

	n = igmp_report3_encode(msg, sizeof(msg), NULL, 0);
	len = ip_wrap(pkt, sizeof(pkt), "192.168.1.10", "224.0.0.22", 1, true,
	    msg, (size_t)n);
	check(igmp_dec(&m, pkt, len, 0, NULL) == PKT_OK && m.nrec == 0,
	    "igmp: empty v3 report accepted");
	pkt_rec_iter_init(&it, &m);
	check(!pkt_rec_next(&it, &r), "igmp: empty report iterates nothing");

	rec[0].group = A("ff02::1");
	check(igmp_report3_encode(msg, sizeof(msg), rec, 1) < 0 &&
	    errno == EINVAL, "igmp: v3 report with IPv6 group refused");
	rec[0].group = A("232.1.1.1");
	check(igmp_report3_encode(msg, 27, rec, 1) < 0 && errno == EMSGSIZE,
	    "igmp: v3 report too big for buffer -> EMSGSIZE");

	/* Octets after the IP total length (link padding) are not IGMP. */
	len = igmp_v3_report_pkt(pkt, sizeof(pkt));
	memset(pkt + len, 0xee, 6);
	check(igmp_dec(&m, pkt, len + 6, 0, NULL) == PKT_OK &&
	    m.msglen == len - igmp_ip_hdrlen(true),
	    "igmp: trailing octets past the IP total length ignored");

	/* A record set that did not come from the decoder ends the walk. */
	check(igmp_dec(&m, pkt, len, 0, &keep) == PKT_OK,
	    "igmp: decode before tampering");
	m.msglen -= 3;
	check(walk_report(&m, &nrec) == 2 && nrec == 1,
	    "igmp: iterator stops at a record past a shortened message");
	m.rec_off = m.msglen + 1;
	pkt_rec_iter_init(&it, &m);
	check(!pkt_rec_next(&it, &r), "igmp: iterator refuses a bad offset");
	free(keep);

	/* IP header encoder. */
	{
		struct inet_addr s4 = A("10.0.0.1"), s6 = A("fe80::1");

		check(igmp_ip_encode(pkt, sizeof(pkt), &s6, &s4, 1, true,
		    8) < 0 && errno == EINVAL,
		    "igmp: IP header with IPv6 source refused");
		check(igmp_ip_encode(pkt, 31, &s4, &s4, 1, true, 8) < 0 &&
		    errno == EMSGSIZE, "igmp: IP header buffer too small");
		check(igmp_ip_encode(pkt, sizeof(pkt), &s4, &s4, 1, false,
		    70000) < 0 && errno == EMSGSIZE,
		    "igmp: IP datagram over 65535 refused");
		check(igmp_ip_encode(pkt, sizeof(pkt), &s4, &s4, 1, true,
		    8) == 32 &&
		    cksum_in(pkt, 24) == 0 && pkt[1] == 0xc0 && pkt[8] == 1 &&
		    pkt[20] == 148 && pkt[21] == 4,
		    "igmp: IP header: checksum, TOS c0, TTL 1, Router Alert");
	}

	/* The iterator on a non-report yields nothing. */
	n = igmp_report_encode(msg, sizeof(msg), PKT_REPORT_V2, &g);
	len = ip_wrap(pkt, sizeof(pkt), "192.168.1.10", "239.1.2.3", 1, true,
	    msg, (size_t)n);
	igmp_dec(&m, pkt, len, 0, NULL);
	pkt_rec_iter_init(&it, &m);
	check(!pkt_rec_next(&it, &r), "igmp: iterator on a v2 report is empty");
}

/* Router Alert policy per version. */
static void
test_igmp_ra(void)
{
	struct inet_addr g = A("239.1.2.3");
	struct pkt_query_tx q;
	uint8_t msg[64], pkt[128];
	size_t len;
	ssize_t n;

	n = igmp_report_encode(msg, sizeof(msg), PKT_REPORT_V2, &g);
	len = ip_wrap(pkt, sizeof(pkt), "192.168.1.10", "239.1.2.3", 1, false,
	    msg, (size_t)n);
	check(igmp_dec_drop(pkt, len, 0) == PKT_OK,
	    "igmp ra: v2 report without RA accepted by default");
	check(igmp_dec_drop(pkt, len, PKT_RX_RA_ALL) == PKT_DROP_NO_RA,
	    "igmp ra: v2 report without RA dropped with PKT_RX_RA_ALL");

	len = igmp_v3_report_pkt(pkt, sizeof(pkt));
	check(igmp_dec_drop(pkt, len, 0) == PKT_OK,
	    "igmp ra: v3 report with RA accepted");
	n = (ssize_t)(len - igmp_ip_hdrlen(true));
	memcpy(msg, pkt + igmp_ip_hdrlen(true), (size_t)n);
	len = ip_wrap(pkt, sizeof(pkt), "192.168.1.10", "224.0.0.22", 1, false,
	    msg, (size_t)n);
	check(igmp_dec_drop(pkt, len, 0) == PKT_DROP_NO_RA,
	    "igmp ra: v3 report without RA dropped (RFC 3376 §9)");
	check(igmp_dec_drop(pkt, len, PKT_RX_RA_NONE) == PKT_OK,
	    "igmp ra: v3 report without RA accepted with PKT_RX_RA_NONE");

	memset(&q, 0, sizeof(q));
	q.version = 3;
	n = igmp_query_encode(msg, sizeof(msg), &q);
	len = ip_wrap(pkt, sizeof(pkt), "192.168.1.1", "224.0.0.1", 1, false,
	    msg, (size_t)n);
	check(igmp_dec_drop(pkt, len, 0) == PKT_DROP_NO_RA,
	    "igmp ra: v3 query without RA dropped");
	q.version = 2;
	n = igmp_query_encode(msg, sizeof(msg), &q);
	len = ip_wrap(pkt, sizeof(pkt), "192.168.1.1", "224.0.0.1", 1, false,
	    msg, (size_t)n);
	check(igmp_dec_drop(pkt, len, 0) == PKT_OK,
	    "igmp ra: v2 query without RA accepted");

	/* RA with a reserved value is not an alert. */
	len = igmp_v3_report_pkt(pkt, sizeof(pkt));
	pkt[22] = 0x00;
	pkt[23] = 0x01;
	igmp_fix_len(pkt, len);
	check(igmp_dec_drop(pkt, len, 0) == PKT_DROP_NO_RA,
	    "igmp ra: RA value 1 (reserved) is not an alert");
}

/* Every IGMP drop reason from a crafted packet. */
static void
test_igmp_drops(void)
{
	struct inet_addr g = A("239.1.2.3"), s2[2] = { A("10.0.0.1"),
	    A("224.1.1.1") };
	struct pkt_rec_tx rec;
	struct pkt_query_tx q;
	uint8_t msg[256], pkt[600], base[600];
	size_t len, blen, hl = igmp_ip_hdrlen(true);
	ssize_t n;

	blen = igmp_v3_report_pkt(base, sizeof(base));

	/* too short */
	check(igmp_dec_drop(base, 0, 0) == PKT_DROP_SHORT,
	    "igmp drop: empty packet -> too short");
	check(igmp_dec_drop(base, 19, 0) == PKT_DROP_SHORT,
	    "igmp drop: 19 octets -> too short");
	check(igmp_dec_drop(base, blen - 1, 0) == PKT_DROP_SHORT,
	    "igmp drop: truncated below IP total length -> too short");
	n = igmp_report_encode(msg, sizeof(msg), PKT_REPORT_V2, &g);
	len = ip_wrap(pkt, sizeof(pkt), "192.168.1.10", "239.1.2.3", 1, true,
	    msg, 7);
	check(igmp_dec_drop(pkt, len, 0) == PKT_DROP_SHORT,
	    "igmp drop: 7-octet IGMP message -> too short");

	/* bad IP header */
	memcpy(pkt, base, blen);
	pkt[0] = 0x66;
	check(igmp_dec_drop(pkt, blen, 0) == PKT_DROP_IP_HDR,
	    "igmp drop: IP version 6 -> bad IP header");
	memcpy(pkt, base, blen);
	pkt[0] = 0x44;
	check(igmp_dec_drop(pkt, blen, 0) == PKT_DROP_IP_HDR,
	    "igmp drop: IHL 4 -> bad IP header");
	memcpy(pkt, base, blen);
	pkt[0] = 0x4f;
	check(igmp_dec_drop(pkt, 40, 0) == PKT_DROP_IP_HDR,
	    "igmp drop: IHL 15 past the packet -> bad IP header");
	memcpy(pkt, base, blen);
	pkt[2] = 0;
	pkt[3] = 20;
	check(igmp_dec_drop(pkt, blen, 0) == PKT_DROP_IP_HDR,
	    "igmp drop: total length below header length -> bad IP header");
	memcpy(pkt, base, blen);
	pkt[9] = 17;
	check(igmp_dec_drop(pkt, blen, 0) == PKT_DROP_IP_HDR,
	    "igmp drop: protocol UDP -> bad IP header");
	memcpy(pkt, base, blen);
	pkt[6] = 0x20;		/* more fragments */
	check(igmp_dec_drop(pkt, blen, 0) == PKT_DROP_IP_HDR,
	    "igmp drop: fragment -> bad IP header");
	memcpy(pkt, base, blen);
	pkt[21] = 1;		/* RA option length 1 */
	check(igmp_dec_drop(pkt, blen, 0) == PKT_DROP_IP_HDR,
	    "igmp drop: option length 1 -> bad IP header");
	memcpy(pkt, base, blen);
	pkt[21] = 3;		/* RA option length 3 */
	check(igmp_dec_drop(pkt, blen, 0) == PKT_DROP_IP_HDR,
	    "igmp drop: RA option length 3 -> bad IP header");
	memcpy(pkt, base, blen);
	pkt[20] = 7;		/* record route, length 9 > 4 left */
	pkt[21] = 9;
	check(igmp_dec_drop(pkt, blen, 0) == PKT_DROP_IP_HDR,
	    "igmp drop: option running past the header -> bad IP header");
	memcpy(pkt, base, blen);
	pkt[20] = 1;		/* NOP, then an option type with no length */
	pkt[21] = 1;
	pkt[22] = 1;
	pkt[23] = 0x83;
	check(igmp_dec_drop(pkt, blen, 0) == PKT_DROP_IP_HDR,
	    "igmp drop: option without length octet -> bad IP header");
	memcpy(pkt, base, blen);
	pkt[20] = 1;		/* NOP NOP NOP EOL: valid, but no RA */
	pkt[21] = 1;
	pkt[22] = 1;
	pkt[23] = 0;
	check(igmp_dec_drop(pkt, blen, 0) == PKT_DROP_NO_RA,
	    "igmp drop: NOPs and EOL parse, v3 report then lacks RA");

	/* unknown type, before TTL */
	memcpy(pkt, base, blen);
	pkt[hl] = 0x13;		/* DVMRP */
	check(igmp_dec_drop(pkt, blen, 0) == PKT_DROP_TYPE,
	    "igmp drop: DVMRP -> unknown type");
	memcpy(pkt, base, blen);
	pkt[hl] = 0x1f;		/* mtrace response, routed */
	pkt[8] = 64;
	check(igmp_dec_drop(pkt, blen, 0) == PKT_DROP_TYPE,
	    "igmp drop: mtrace with TTL 64 -> unknown type, not TTL");
	check(!pkt_drop_is_error(PKT_DROP_TYPE) && pkt_drop_is_error(
	    PKT_DROP_TTL) && !pkt_drop_is_error(PKT_OK),
	    "igmp drop: unknown type is not an error");

	/* TTL */
	memcpy(pkt, base, blen);
	pkt[8] = 2;
	check(igmp_dec_drop(pkt, blen, 0) == PKT_DROP_TTL,
	    "igmp drop: TTL 2 -> bad TTL");
	pkt[8] = 0;
	check(igmp_dec_drop(pkt, blen, 0) == PKT_DROP_TTL,
	    "igmp drop: TTL 0 -> bad TTL");

	/* source address */
	n = igmp_report_encode(msg, sizeof(msg), PKT_REPORT_V2, &g);
	len = ip_wrap(pkt, sizeof(pkt), "127.0.0.1", "239.1.2.3", 1, true,
	    msg, (size_t)n);
	check(igmp_dec_drop(pkt, len, 0) == PKT_DROP_SRC,
	    "igmp drop: loopback source -> bad source");
	len = ip_wrap(pkt, sizeof(pkt), "224.0.0.5", "239.1.2.3", 1, true,
	    msg, (size_t)n);
	check(igmp_dec_drop(pkt, len, 0) == PKT_DROP_SRC,
	    "igmp drop: multicast source -> bad source");
	len = ip_wrap(pkt, sizeof(pkt), "255.255.255.255", "239.1.2.3", 1,
	    true, msg, (size_t)n);
	check(igmp_dec_drop(pkt, len, 0) == PKT_DROP_SRC,
	    "igmp drop: broadcast source -> bad source");
	len = ip_wrap(pkt, sizeof(pkt), "0.1.2.3", "239.1.2.3", 1, true,
	    msg, (size_t)n);
	check(igmp_dec_drop(pkt, len, 0) == PKT_DROP_SRC,
	    "igmp drop: 0/8 source -> bad source");
	memset(&q, 0, sizeof(q));
	q.version = 2;
	q.mrt_ms = 10000;
	n = igmp_query_encode(msg, sizeof(msg), &q);
	len = ip_wrap(pkt, sizeof(pkt), "0.0.0.0", "224.0.0.1", 1, true,
	    msg, (size_t)n);
	check(igmp_dec_drop(pkt, len, 0) == PKT_DROP_SRC,
	    "igmp drop: query from 0.0.0.0 -> bad source");

	/* checksum */
	memcpy(pkt, base, blen);
	pkt[blen - 1] ^= 0x01;
	check(igmp_dec_drop(pkt, blen, 0) == PKT_DROP_CKSUM,
	    "igmp drop: flipped bit -> bad checksum");
	/* A sender that checksummed 8 octets of a 12-octet message. */
	memset(&q, 0, sizeof(q));
	q.version = 3;
	q.qrv = 2;
	q.qqi = 125;
	n = igmp_query_encode(msg, sizeof(msg), &q);
	msg[2] = msg[3] = 0;
	{
		uint16_t s = cksum_in(msg, 8);

		msg[2] = (uint8_t)(s >> 8);
		msg[3] = (uint8_t)s;
	}
	len = ip_wrap(pkt, sizeof(pkt), "192.168.1.1", "224.0.0.1", 1, true,
	    msg, (size_t)n);
	check(igmp_dec_drop(pkt, len, 0) == PKT_DROP_CKSUM,
	    "igmp drop: checksum over the wrong length -> bad checksum");
	/* Odd-length message with a correct checksum still verifies. */
	n = igmp_report_encode(msg, sizeof(msg), PKT_REPORT_V2, &g);
	msg[8] = 0x5a;
	len = ip_wrap(pkt, sizeof(pkt), "192.168.1.10", "239.1.2.3", 1, true,
	    msg, 9);
	igmp_fix_cksum(pkt, len);
	check(igmp_dec_drop(pkt, len, 0) == PKT_OK,
	    "igmp: odd-length (9) v2 report with right checksum accepted");
	pkt[len - 1] ^= 0x80;
	check(igmp_dec_drop(pkt, len, 0) == PKT_DROP_CKSUM,
	    "igmp drop: odd trailing octet covered by checksum");

	/* query length (RFC 3376 §7.1) */
	for (n = 9; n <= 11; n++) {
		memset(msg, 0, sizeof(msg));
		msg[0] = IGMP_MEMBERSHIP_QUERY;
		msg[1] = 100;
		len = ip_wrap(pkt, sizeof(pkt), "192.168.1.1", "224.0.0.1", 1,
		    true, msg, (size_t)n);
		igmp_fix_cksum(pkt, len);
		check(igmp_dec_drop(pkt, len, 0) == PKT_DROP_QUERY_LEN,
		    "igmp drop: %zd-octet query -> bad query length", n);
	}

	/* query source count */
	memset(&q, 0, sizeof(q));
	q.version = 3;
	q.group = A("232.1.1.1");
	q.src = s2;
	q.nsrc = 1;
	n = igmp_query_encode(msg, sizeof(msg), &q);
	msg[11] = 2;
	len = ip_wrap(pkt, sizeof(pkt), "192.168.1.1", "232.1.1.1", 1, true,
	    msg, (size_t)n);
	igmp_fix_cksum(pkt, len);
	check(igmp_dec_drop(pkt, len, 0) == PKT_DROP_QUERY_NSRC,
	    "igmp drop: query nsrc 2 with 1 present -> source count");
	msg[10] = msg[11] = 0xff;
	len = ip_wrap(pkt, sizeof(pkt), "192.168.1.1", "232.1.1.1", 1, true,
	    msg, (size_t)n);
	igmp_fix_cksum(pkt, len);
	check(igmp_dec_drop(pkt, len, 0) == PKT_DROP_QUERY_NSRC,
	    "igmp drop: query nsrc 65535 -> source count");

	/* group */
	memset(&q, 0, sizeof(q));
	q.version = 2;
	q.group = A("239.1.1.1");
	n = igmp_query_encode(msg, sizeof(msg), &q);
	msg[4] = 10;
	len = ip_wrap(pkt, sizeof(pkt), "192.168.1.1", "224.0.0.1", 1, true,
	    msg, (size_t)n);
	igmp_fix_cksum(pkt, len);
	check(igmp_dec_drop(pkt, len, 0) == PKT_DROP_GROUP,
	    "igmp drop: v2 query for 10.1.1.1 -> bad group");
	n = igmp_report_encode(msg, sizeof(msg), PKT_REPORT_V2, &g);
	msg[4] = 192;
	len = ip_wrap(pkt, sizeof(pkt), "192.168.1.10", "239.1.2.3", 1, true,
	    msg, (size_t)n);
	igmp_fix_cksum(pkt, len);
	check(igmp_dec_drop(pkt, len, 0) == PKT_DROP_GROUP,
	    "igmp drop: v2 report for 192.1.2.3 -> bad group");
	msg[0] = IGMP_V2_LEAVE;
	len = ip_wrap(pkt, sizeof(pkt), "192.168.1.10", "224.0.0.2", 1, true,
	    msg, (size_t)n);
	igmp_fix_cksum(pkt, len);
	check(igmp_dec_drop(pkt, len, 0) == PKT_DROP_GROUP,
	    "igmp drop: leave for a unicast group -> bad group");
	memset(&q, 0, sizeof(q));
	q.version = 3;
	q.group = A("232.1.1.1");
	q.src = s2;
	q.nsrc = 1;
	n = igmp_query_encode(msg, sizeof(msg), &q);
	memset(msg + 4, 0, 4);
	len = ip_wrap(pkt, sizeof(pkt), "192.168.1.1", "224.0.0.1", 1, true,
	    msg, (size_t)n);
	igmp_fix_cksum(pkt, len);
	check(igmp_dec_drop(pkt, len, 0) == PKT_DROP_GROUP,
	    "igmp drop: general v3 query with sources -> bad group");
	memset(&rec, 0, sizeof(rec));
	rec.type = PKT_MODE_IS_EXCLUDE;
	rec.group = A("10.1.1.1");
	n = igmp_report3_encode(msg, sizeof(msg), &rec, 1);
	len = ip_wrap(pkt, sizeof(pkt), "192.168.1.10", "224.0.0.22", 1, true,
	    msg, (size_t)n);
	check(igmp_dec_drop(pkt, len, 0) == PKT_DROP_GROUP,
	    "igmp drop: v3 record for a unicast group -> bad group");

	/* records: count, source count, aux data */
	memcpy(pkt, base, blen);
	pkt[hl + 7] = 3;	/* 3 records, 2 present */
	igmp_fix_cksum(pkt, blen);
	check(igmp_dec_drop(pkt, blen, 0) == PKT_DROP_REC_TRUNC,
	    "igmp drop: record count 3 with 2 present -> truncated record");
	pkt[hl + 6] = pkt[hl + 7] = 0xff;
	igmp_fix_cksum(pkt, blen);
	check(igmp_dec_drop(pkt, blen, 0) == PKT_DROP_REC_TRUNC,
	    "igmp drop: record count 65535 -> truncated record");
	memcpy(pkt, base, blen);
	igmp_fix_len(pkt, blen - 3);	/* second record header cut */
	check(igmp_dec_drop(pkt, blen - 3, 0) == PKT_DROP_REC_TRUNC,
	    "igmp drop: odd-length cut inside record header -> truncated");
	memcpy(pkt, base, blen);
	pkt[hl + 8 + 3] = 3;	/* first record claims 3 sources of 2 */
	pkt[hl + 8 + 2] = 0;
	igmp_fix_len(pkt, blen - 8);	/* and drop the second record */
	pkt[hl + 7] = 1;
	igmp_fix_cksum(pkt, blen - 8);
	check(igmp_dec_drop(pkt, blen - 8, 0) == PKT_DROP_REC_NSRC,
	    "igmp drop: record nsrc 3 with 2 present -> record sources");
	memcpy(pkt, base, blen);
	pkt[hl + 8 + 2] = pkt[hl + 8 + 3] = 0xff;
	igmp_fix_cksum(pkt, blen);
	check(igmp_dec_drop(pkt, blen, 0) == PKT_DROP_REC_NSRC,
	    "igmp drop: record nsrc 65535 -> record sources");
	memcpy(pkt, base, blen);
	pkt[hl + 8 + 1] = 255;	/* aux data len 1020 octets */
	igmp_fix_cksum(pkt, blen);
	check(igmp_dec_drop(pkt, blen, 0) == PKT_DROP_AUX_LEN,
	    "igmp drop: aux data len 255 -> aux data");
	memcpy(pkt, base, blen);
	pkt[hl + 8 + 8 + 8 + 1] = 1;	/* 2nd record: 4 aux octets, 0 there */
	igmp_fix_cksum(pkt, blen);
	check(igmp_dec_drop(pkt, blen, 0) == PKT_DROP_AUX_LEN,
	    "igmp drop: aux data one word past the end -> aux data");

	/* bad address in a source list */
	memset(&rec, 0, sizeof(rec));
	rec.type = PKT_ALLOW_NEW_SOURCES;
	rec.group = A("232.1.1.1");
	rec.src = s2;
	rec.nsrc = 2;
	n = igmp_report3_encode(msg, sizeof(msg), &rec, 1);
	len = ip_wrap(pkt, sizeof(pkt), "192.168.1.10", "224.0.0.22", 1, true,
	    msg, (size_t)n);
	check(igmp_dec_drop(pkt, len, 0) == PKT_DROP_SRC_ADDR,
	    "igmp drop: record source 224.1.1.1 -> bad source list");
	memset(&q, 0, sizeof(q));
	q.version = 3;
	q.group = A("232.1.1.1");
	q.src = s2;
	q.nsrc = 1;
	n = igmp_query_encode(msg, sizeof(msg), &q);
	memset(msg + 12, 0, 4);
	len = ip_wrap(pkt, sizeof(pkt), "192.168.1.1", "232.1.1.1", 1, true,
	    msg, (size_t)n);
	igmp_fix_cksum(pkt, len);
	check(igmp_dec_drop(pkt, len, 0) == PKT_DROP_SRC_ADDR,
	    "igmp drop: query source 0.0.0.0 -> bad source list");
}

/* Queries whose sources exceed one packet are split by the caller. */
static void
test_split(void)
{
	enum { NSRC = 1000 };
	static struct inet_addr src[NSRC];
	static uint8_t seen[NSRC];
	struct pkt_query_tx q;
	struct pkt_msg m;
	struct inet_addr a, lla = A("fe80::1");
	struct mld_rxinfo rx;
	uint8_t msg[2000], pkt[2000], *keep;
	size_t fit, off, i, npkt, total, len;
	int ok = 1;
	ssize_t n;

	check(igmp_query_max_srcs(1500) == 366, "split: IGMP 1500 -> 366");
	check(igmp_query_max_srcs(36) == 0 && igmp_query_max_srcs(40) == 1,
	    "split: IGMP 36 -> 0, 40 -> 1");
	check(igmp_query_max_srcs(0) == 0, "split: IGMP mtu 0 -> 0");
	check(igmp_query_max_srcs((size_t)1 << 30) == UINT16_MAX,
	    "split: IGMP huge mtu clamps to 65535");
	check(mld_query_max_srcs(1500) == 89, "split: MLD 1500 -> 89");
	check(mld_query_max_srcs(1280) == 75, "split: MLD 1280 -> 75");
	check(mld_query_max_srcs(75) == 0, "split: MLD 75 -> 0");

	for (i = 0; i < NSRC; i++) {
		inet_any(&src[i], AF_INET);
		src[i].u.bytes[0] = 10;
		src[i].u.bytes[2] = (uint8_t)(i >> 8);
		src[i].u.bytes[3] = (uint8_t)i;
		src[i].u.bytes[1] = 1;
	}
	memset(&q, 0, sizeof(q));
	q.version = 3;
	q.group = A("232.9.9.9");
	q.mrt_ms = 1000;
	fit = igmp_query_max_srcs(1500);
	npkt = total = 0;
	for (off = 0; off < NSRC; off += fit) {
		q.src = src + off;
		q.nsrc = NSRC - off < fit ? NSRC - off : fit;
		n = igmp_query_encode(msg, sizeof(msg), &q);
		len = ip_wrap(pkt, sizeof(pkt), "192.168.1.1", "232.9.9.9", 1,
		    true, msg, (size_t)n);
		if (len > 1500)
			ok = 0;
		if (igmp_dec(&m, pkt, len, 0, &keep) != PKT_OK) {
			ok = 0;
			free(keep);
			continue;
		}
		for (i = 0; pkt_srcs_get(&m.q.srcs, i, &a); i++) {
			seen[a.u.bytes[2] << 8 | a.u.bytes[3]]++;
			total++;
		}
		free(keep);
		npkt++;
	}
	for (i = 0; i < NSRC; i++)
		if (seen[i] != 1)
			ok = 0;
	check(ok && npkt == 3 && total == NSRC,
	    "split: 1000 IGMP sources in 3 packets <= 1500, each once");

	/* The same for MLD. */
	for (i = 0; i < NSRC; i++) {
		src[i] = A("2001:db8::");
		src[i].u.bytes[14] = (uint8_t)(i >> 8);
		src[i].u.bytes[15] = (uint8_t)i;
	}
	memset(seen, 0, sizeof(seen));
	q.version = 2;
	q.group = A("ff3e::1234");
	fit = mld_query_max_srcs(1500);
	rx = rxinfo("fe80::1", "ff3e::1234", 1, true);
	npkt = total = 0;
	ok = 1;
	for (off = 0; off < NSRC; off += fit) {
		q.src = src + off;
		q.nsrc = NSRC - off < fit ? NSRC - off : fit;
		n = mld_query_encode(msg, sizeof(msg), &q, &lla, &rx.dst);
		if (n < 0 || (size_t)n + 48 > 1500) {
			ok = 0;
			continue;
		}
		if (mld_dec(&m, msg, (size_t)n, &rx, 0, &keep) != PKT_OK) {
			ok = 0;
			free(keep);
			continue;
		}
		for (i = 0; pkt_srcs_get(&m.q.srcs, i, &a); i++) {
			seen[a.u.bytes[14] << 8 | a.u.bytes[15]]++;
			total++;
		}
		free(keep);
		npkt++;
	}
	for (i = 0; i < NSRC; i++)
		if (seen[i] != 1)
			ok = 0;
	check(ok && npkt == 12 && total == NSRC,
	    "split: 1000 MLD sources in 12 packets <= 1500, each once");
}

/*
 * MLD
 */
static void
test_mld(void)
{
	struct inet_addr s6[3] = { A("2001:db8::1"), A("2001:db8::2"),
	    A("fe80::99") };
	struct inet_addr g = A("ff3e::8000:1"), a;
	struct mld_rxinfo rx = rxinfo("fe80::1", "ff02::1", 1, true);
	struct pkt_query_tx q;
	struct pkt_rec_tx rec[3];
	struct pkt_rec_iter it;
	struct pkt_rec r;
	struct pkt_msg m;
	uint8_t msg[512], *keep;
	unsigned int nrec;
	ssize_t n;

	memset(&q, 0, sizeof(q));
	q.version = 1;
	q.mrt_ms = 10000;
	n = mld_query_encode(msg, sizeof(msg), &q, &rx.src, &rx.dst);
	check(n == 24 && msg[2] == 0x59 && msg[3] == 0x17,
	    "mld: v1 general query matches the checksum vector");
	check(mld_dec(&m, msg, (size_t)n, &rx, 0, NULL) == PKT_OK &&
	    m.type == PKT_QUERY && m.version == 1 && m.level == 2 &&
	    m.q.mrt_ms == 10000 && inet_is_any(&m.group) &&
	    m.group.family == AF_INET6, "mld: v1 general query round trip");
	q.mrt_ms = 100000;
	n = mld_query_encode(msg, sizeof(msg), &q, &rx.src, &rx.dst);
	check(n == 24 && msg[4] == 0xff && msg[5] == 0xff,
	    "mld: v1 query delay clamps at 65535 ms");

	memset(&q, 0, sizeof(q));
	q.version = 2;
	q.group = g;
	q.mrt_ms = 40000;
	q.sflag = true;
	q.qrv = 3;
	q.qqi = 125;
	q.src = s6;
	q.nsrc = 2;
	rx = rxinfo("fe80::1", "ff3e::8000:1", 1, true);
	n = mld_query_encode(msg, sizeof(msg), &q, &rx.src, &rx.dst);
	check(n == 28 + 32, "mld: v2 group-and-source query length");
	check(mld_dec(&m, msg, (size_t)n, &rx, 0, &keep) == PKT_OK &&
	    m.version == 2 && m.level == 3 && m.q.sflag && m.q.qrv == 3 &&
	    m.q.qqi == 125 &&
	    m.q.mrt_ms == mld_mrc_to_ms(mld_ms_to_mrc(40000)) &&
	    inet_cmp(&m.group, &g) == 0 && m.q.srcs.n == 2 &&
	    pkt_srcs_get(&m.q.srcs, 1, &a) && inet_cmp(&a, &s6[1]) == 0,
	    "mld: v2 group-and-source query round trip");
	free(keep);
	n = mld_query_encode(msg, sizeof(msg), &q, NULL, NULL);
	check(n == 60 && msg[2] == 0 && msg[3] == 0,
	    "mld: without addresses the checksum is left for the kernel");
	q.version = 1;
	check(mld_query_encode(msg, sizeof(msg), &q, NULL, NULL) < 0 &&
	    errno == EINVAL, "mld: v1 query with sources refused");
	q.version = 2;
	q.group = A("239.1.1.1");
	check(mld_query_encode(msg, sizeof(msg), &q, NULL, NULL) < 0 &&
	    errno == EINVAL, "mld: query with an IPv4 group refused");
	q.group = g;
	check(mld_query_encode(msg, 59, &q, NULL, NULL) < 0 &&
	    errno == EMSGSIZE, "mld: query one octet too big -> EMSGSIZE");

	/* v1 report and done */
	rx = rxinfo("fe80::2", "ff3e::8000:1", 1, true);
	n = mld_report_encode(msg, sizeof(msg), PKT_REPORT_V2, &g, &rx.src,
	    &rx.dst);
	check(n == 24 && mld_dec(&m, msg, (size_t)n, &rx, 0, NULL) == PKT_OK &&
	    m.type == PKT_REPORT_V2 && m.version == 1 && m.level == 2 &&
	    inet_cmp(&m.group, &g) == 0, "mld: v1 report round trip");
	rx = rxinfo("fe80::2", "ff02::2", 1, true);
	n = mld_report_encode(msg, sizeof(msg), PKT_LEAVE_V2, &g, &rx.src,
	    &rx.dst);
	check(mld_dec(&m, msg, (size_t)n, &rx, 0, NULL) == PKT_OK &&
	    m.type == PKT_LEAVE_V2, "mld: done round trip");
	check(mld_report_encode(msg, sizeof(msg), PKT_REPORT_V1, &g, NULL,
	    NULL) < 0 && errno == EINVAL, "mld: no v1-IGMP report type");

	/* v2 report */
	memset(rec, 0, sizeof(rec));
	rec[0].type = PKT_MODE_IS_EXCLUDE;
	rec[0].group = A("ff05::1:3");
	rec[0].src = s6;
	rec[0].nsrc = 1;
	rec[1].type = 0;			/* unknown */
	rec[1].group = A("ff05::2");
	rec[1].auxlen = 1;
	rec[2].type = PKT_BLOCK_OLD_SOURCES;
	rec[2].group = A("ff3e::1");
	rec[2].src = s6;
	rec[2].nsrc = 3;
	rx = rxinfo("::", "ff02::16", 1, true);
	n = mld_report2_encode(msg, sizeof(msg), rec, 3, &rx.src, &rx.dst);
	check(n == 8 + (20 + 16) + (20 + 4) + (20 + 48),
	    "mld: v2 report length");
	check(mld_dec(&m, msg, (size_t)n, &rx, 0, &keep) == PKT_OK &&
	    m.type == PKT_REPORT_V3 && m.version == 2 && m.nrec == 3 &&
	    m.nrec_unknown == 1 && m.nsrc_total == 4,
	    "mld: v2 report from :: decodes (RFC 3810 §5.2.13)");
	pkt_rec_iter_init(&it, &m);
	check(pkt_rec_next(&it, &r) && r.type == PKT_MODE_IS_EXCLUDE &&
	    addr_eq(&r.group, "ff05::1:3") && r.srcs.n == 1,
	    "mld: record IS_EX(ff05::1:3)");
	check(pkt_rec_next(&it, &r) && r.type == PKT_BLOCK_OLD_SOURCES &&
	    r.srcs.n == 3 && pkt_srcs_get(&r.srcs, 2, &a) &&
	    addr_eq(&a, "fe80::99") && !pkt_rec_next(&it, &r),
	    "mld: unknown record skipped, BLOCK with 3 sources last");
	check(walk_report(&m, &nrec) == 4 && nrec == 2,
	    "mld: walk counts match");
	free(keep);
	rx = rxinfo("::", "ff02::16", 1, true);
	n = mld_report_encode(msg, sizeof(msg), PKT_REPORT_V2, &g, &rx.src,
	    &rx.dst);
	check(mld_dec(&m, msg, (size_t)n, &rx, 0, NULL) == PKT_OK,
	    "mld: v1 report from :: accepted (RFC 3590 §4)");
}

static void
test_mld_drops(void)
{
	struct inet_addr s6[2] = { A("2001:db8::1"), A("ff02::1") };
	struct mld_rxinfo rx = rxinfo("fe80::1", "ff02::16", 1, true), rx2;
	struct inet_addr g = A("ff3e::8000:1");
	struct pkt_rec_tx rec[2];
	struct pkt_query_tx q;
	uint8_t base[512], msg[512];
	size_t blen;
	ssize_t n;

	memset(rec, 0, sizeof(rec));
	rec[0].type = PKT_MODE_IS_INCLUDE;
	rec[0].group = g;
	rec[0].src = s6;
	rec[0].nsrc = 1;
	rec[1].type = PKT_CHANGE_TO_EXCLUDE;
	rec[1].group = A("ff05::5");
	n = mld_report2_encode(base, sizeof(base), rec, 2, &rx.src, &rx.dst);
	blen = (size_t)n;
	check(mld_dec_drop(base, blen, &rx) == PKT_OK,
	    "mld: base v2 report is valid");

	check(mld_dec_drop(base, 3, &rx) == PKT_DROP_SHORT,
	    "mld drop: 3 octets -> too short");
	check(mld_dec_drop(base, 7, &rx) == PKT_DROP_SHORT,
	    "mld drop: 7-octet v2 report -> too short");
	memset(&q, 0, sizeof(q));
	q.version = 1;
	n = mld_query_encode(msg, sizeof(msg), &q, &rx.src, &rx.dst);
	check(mld_dec_drop(msg, 23, &rx) == PKT_DROP_SHORT,
	    "mld drop: 23-octet query -> too short");
	n = mld_report_encode(msg, sizeof(msg), PKT_LEAVE_V2, &g, &rx.src,
	    &rx.dst);
	check(mld_dec_drop(msg, 20, &rx) == PKT_DROP_SHORT,
	    "mld drop: 20-octet done -> too short");

	memcpy(msg, base, blen);
	msg[0] = 135;		/* neighbour solicitation, hop limit 255 */
	rx2 = rxinfo("fe80::1", "ff02::16", 255, false);
	check(mld_dec_drop(msg, blen, &rx2) == PKT_DROP_TYPE,
	    "mld drop: NDP with hop limit 255 -> unknown type");

	rx2 = rxinfo("fe80::1", "ff02::16", 2, true);
	check(mld_dec_drop(base, blen, &rx2) == PKT_DROP_TTL,
	    "mld drop: hop limit 2 -> bad hop limit");
	rx2.hlim = -1;
	check(mld_dec_drop(base, blen, &rx2) == PKT_DROP_TTL,
	    "mld drop: unknown hop limit -> bad hop limit");

	rx2 = rxinfo("fe80::1", "ff02::16", 1, false);
	check(mld_dec_drop(base, blen, &rx2) == PKT_DROP_NO_RA,
	    "mld drop: no hop-by-hop RA -> no router alert");
	{
		struct pkt_msg m;

		check(mld_dec(&m, base, blen, &rx2, PKT_RX_RA_NONE, NULL) ==
		    PKT_OK, "mld: PKT_RX_RA_NONE accepts without RA");
	}

	rx2 = rxinfo("2001:db8::5", "ff02::16", 1, true);
	memcpy(msg, base, blen);
	mld_fix_cksum(msg, blen, &rx2);
	check(mld_dec_drop(msg, blen, &rx2) == PKT_DROP_SRC,
	    "mld drop: global source -> bad source");
	memset(&q, 0, sizeof(q));
	q.version = 2;
	rx2 = rxinfo("::", "ff02::1", 1, true);
	n = mld_query_encode(msg, sizeof(msg), &q, &rx2.src, &rx2.dst);
	check(mld_dec_drop(msg, (size_t)n, &rx2) == PKT_DROP_SRC,
	    "mld drop: query from :: -> bad source (RFC 3810 §5.1.14)");
	rx2 = rxinfo("::", "ff02::2", 1, true);
	n = mld_report_encode(msg, sizeof(msg), PKT_LEAVE_V2, &g, &rx2.src,
	    &rx2.dst);
	check(mld_dec_drop(msg, (size_t)n, &rx2) == PKT_DROP_SRC,
	    "mld drop: done from :: -> bad source");
	rx2 = rxinfo("fe80::1", "ff02::16", 1, true);
	rx2.src = A("10.0.0.1");
	check(mld_dec_drop(base, blen, &rx2) == PKT_DROP_SRC,
	    "mld drop: IPv4 source in rxinfo -> bad source");

	memcpy(msg, base, blen);
	msg[blen - 1] ^= 1;
	check(mld_dec_drop(msg, blen, &rx) == PKT_DROP_CKSUM,
	    "mld drop: flipped bit -> bad checksum");
	rx2 = rxinfo("fe80::1", "ff02::1", 1, true);
	check(mld_dec_drop(base, blen, &rx2) == PKT_DROP_CKSUM,
	    "mld drop: other destination in pseudo-header -> bad checksum");

	/* RFC 3810 §8.1: 25-27 octets is neither version. */
	for (n = 25; n <= 27; n++) {
		memset(&q, 0, sizeof(q));
		q.version = 1;
		mld_query_encode(msg, sizeof(msg), &q, NULL, NULL);
		memset(msg + 24, 0, 4);
		mld_fix_cksum(msg, (size_t)n, &rx);
		check(mld_dec_drop(msg, (size_t)n, &rx) == PKT_DROP_QUERY_LEN,
		    "mld drop: %zd-octet query -> bad query length", n);
	}

	memset(&q, 0, sizeof(q));
	q.version = 2;
	q.group = g;
	q.src = s6;
	q.nsrc = 1;
	n = mld_query_encode(msg, sizeof(msg), &q, NULL, NULL);
	msg[27] = 2;
	mld_fix_cksum(msg, (size_t)n, &rx);
	check(mld_dec_drop(msg, (size_t)n, &rx) == PKT_DROP_QUERY_NSRC,
	    "mld drop: query nsrc 2 with 1 present -> source count");
	msg[26] = 0xff;
	msg[27] = 0xff;
	mld_fix_cksum(msg, (size_t)n, &rx);
	check(mld_dec_drop(msg, (size_t)n, &rx) == PKT_DROP_QUERY_NSRC,
	    "mld drop: query nsrc 65535 -> source count");
	msg[26] = 0;
	msg[27] = 1;
	memcpy(msg + 28, s6[1].u.bytes, 16);
	mld_fix_cksum(msg, (size_t)n, &rx);
	check(mld_dec_drop(msg, (size_t)n, &rx) == PKT_DROP_SRC_ADDR,
	    "mld drop: query source ff02::1 -> bad source list");
	msg[8] = 0x20;		/* group 20..: not multicast */
	memcpy(msg + 28, s6[0].u.bytes, 16);
	mld_fix_cksum(msg, (size_t)n, &rx);
	check(mld_dec_drop(msg, (size_t)n, &rx) == PKT_DROP_GROUP,
	    "mld drop: query for a unicast group -> bad group");
	n = mld_report_encode(msg, sizeof(msg), PKT_REPORT_V2, &g, NULL, NULL);
	msg[8] = 0xfe;
	msg[9] = 0x80;
	mld_fix_cksum(msg, (size_t)n, &rx);
	check(mld_dec_drop(msg, (size_t)n, &rx) == PKT_DROP_GROUP,
	    "mld drop: v1 report for fe80:: -> bad group");

	memcpy(msg, base, blen);
	msg[7] = 3;
	mld_fix_cksum(msg, blen, &rx);
	check(mld_dec_drop(msg, blen, &rx) == PKT_DROP_REC_TRUNC,
	    "mld drop: record count 3 with 2 present -> truncated record");
	memcpy(msg, base, blen);
	mld_fix_cksum(msg, blen - 5, &rx);
	check(mld_dec_drop(msg, blen - 5, &rx) == PKT_DROP_REC_TRUNC,
	    "mld drop: odd-length cut in record header -> truncated");
	memcpy(msg, base, blen);
	msg[8 + 3] = 4;
	mld_fix_cksum(msg, blen, &rx);
	check(mld_dec_drop(msg, blen, &rx) == PKT_DROP_REC_NSRC,
	    "mld drop: record nsrc 4 -> record sources");
	memcpy(msg, base, blen);
	msg[8 + 1] = 200;
	mld_fix_cksum(msg, blen, &rx);
	check(mld_dec_drop(msg, blen, &rx) == PKT_DROP_AUX_LEN,
	    "mld drop: aux data len 200 -> aux data");
	memcpy(msg, base, blen);
	msg[8 + 4] = 0x20;
	mld_fix_cksum(msg, blen, &rx);
	check(mld_dec_drop(msg, blen, &rx) == PKT_DROP_GROUP,
	    "mld drop: record for a unicast group -> bad group");
	memcpy(msg, base, blen);
	memset(msg + 8 + 20, 0, 16);
	mld_fix_cksum(msg, blen, &rx);
	check(mld_dec_drop(msg, blen, &rx) == PKT_DROP_SRC_ADDR,
	    "mld drop: record source :: -> bad source list");
}

static void
test_hbh(void)
{
	static const uint8_t ra[] = { 58, 0, 5, 2, 0, 0, 1, 0 };
	static const uint8_t pad1ra[] = { 58, 0, 0, 0, 5, 2, 0, 0 };
	static const uint8_t nora[] = { 58, 0, 1, 4, 0, 0, 0, 0 };
	static const uint8_t rsvp[] = { 58, 0, 5, 2, 0, 1, 1, 0 };
	static const uint8_t badlen[] = { 58, 0, 1, 9, 0, 0, 0, 0 };
	static const uint8_t longhdr[] = { 58, 1, 5, 2, 0, 0, 1, 0 };
	static const uint8_t second[] = {
		58, 1, 1, 4, 0, 0, 0, 0, 5, 2, 0, 0, 1, 2, 0, 0
	};

	check(mld_hbh_has_ra(ra, sizeof(ra)), "hbh: RA then PadN");
	check(mld_hbh_has_ra(pad1ra, sizeof(pad1ra)), "hbh: Pad1s then RA");
	check(!mld_hbh_has_ra(nora, sizeof(nora)), "hbh: PadN only");
	check(!mld_hbh_has_ra(rsvp, sizeof(rsvp)), "hbh: RA value 1 (RSVP)");
	check(!mld_hbh_has_ra(badlen, sizeof(badlen)),
	    "hbh: option past header end");
	check(!mld_hbh_has_ra(longhdr, sizeof(longhdr)),
	    "hbh: header length beyond buffer");
	check(mld_hbh_has_ra(second, sizeof(second)),
	    "hbh: RA in the second 8 octets");
	check(!mld_hbh_has_ra(ra, 1) && !mld_hbh_has_ra(NULL, 0),
	    "hbh: too short");
}

static void
test_names(void)
{
	int d, bad = 0;

	for (d = 0; d < PKT_DROP_MAX; d++)
		if (!pkt_drop_name(d) || !pkt_drop_key(d) ||
		    strcmp(pkt_drop_name(d), "?") == 0)
			bad++;
	check(bad == 0, "names: every drop reason has a name and key");
	check(strcmp(pkt_drop_name(PKT_DROP_MAX), "?") == 0 &&
	    strcmp(pkt_drop_name((enum pkt_drop)-1), "?") == 0,
	    "names: out of range drop reason");
	check(strcmp(pkt_drop_name(PKT_DROP_CKSUM), "bad checksum") == 0 &&
	    strcmp(pkt_drop_key(PKT_DROP_CKSUM), "bad_checksum") == 0,
	    "names: bad checksum");
	check(strcmp(pkt_rec_name(PKT_MODE_IS_INCLUDE), "IS_IN") == 0 &&
	    strcmp(pkt_rec_name(PKT_BLOCK_OLD_SOURCES), "BLOCK") == 0 &&
	    strcmp(pkt_rec_name(0), "?") == 0 &&
	    strcmp(pkt_rec_name(7), "?") == 0, "names: record types");
	check(strcmp(pkt_type_name(PKT_LEAVE_V2), "leave") == 0 &&
	    strcmp(pkt_type_name((enum pkt_type)0), "?") == 0,
	    "names: message types");
}

/*
 * Fuzz: nothing may crash, and every accepted report must walk
 * consistently.  Random bytes, random cuts of valid packets, and
 * random byte flips with lengths and checksums repaired so the
 * mutations reach the body parsers.
 */
static int
fuzz_check(const struct pkt_msg *m)
{
	unsigned int nrec;
	long nsrc;

	if (m->type != PKT_REPORT_V3)
		return 1;
	nsrc = walk_report(m, &nrec);
	return nsrc == (long)m->nsrc_total &&
	    nrec == (unsigned int)(m->nrec - m->nrec_unknown);
}

static void
test_fuzz(void)
{
	const char *env = getenv("CODEC_FUZZ_ROUNDS");
	long rounds = env ? strtol(env, NULL, 10) : 100000;
	struct inet_addr srcs[40];
	struct pkt_rec_tx rec[5];
	struct pkt_query_tx q;
	struct mld_rxinfo rx = rxinfo("fe80::1", "ff02::16", 1, true);
	struct pkt_msg m;
	uint8_t seeds[4][1200], mseeds[3][1200], buf[1200], *keep;
	size_t slen[4], mlen[3], len, hl = igmp_ip_hdrlen(true), i, k;
	long ok = 0;
	unsigned long inconsistent = 0, nok = 0;
	enum pkt_drop d;
	ssize_t n;
	long r;

	for (i = 0; i < 40; i++) {
		inet_any(&srcs[i], AF_INET);
		srcs[i].u.bytes[0] = 10;
		srcs[i].u.bytes[3] = (uint8_t)(i + 1);
	}
	memset(rec, 0, sizeof(rec));
	for (i = 0; i < 5; i++) {
		rec[i].type = (uint8_t)(i + 1);
		rec[i].group = A("232.0.0.1");
		rec[i].group.u.bytes[3] = (uint8_t)i;
		rec[i].src = srcs + i * 5;
		rec[i].nsrc = i * 2;
		rec[i].auxlen = i == 3;
	}
	n = igmp_report3_encode(buf, sizeof(buf), rec, 5);
	slen[0] = ip_wrap(seeds[0], sizeof(seeds[0]), "192.168.1.10",
	    "224.0.0.22", 1, true, buf, (size_t)n);
	memset(&q, 0, sizeof(q));
	q.version = 3;
	q.group = A("232.1.1.1");
	q.src = srcs;
	q.nsrc = 20;
	n = igmp_query_encode(buf, sizeof(buf), &q);
	slen[1] = ip_wrap(seeds[1], sizeof(seeds[1]), "192.168.1.1",
	    "232.1.1.1", 1, true, buf, (size_t)n);
	q.version = 2;
	q.nsrc = 0;
	n = igmp_query_encode(buf, sizeof(buf), &q);
	slen[2] = ip_wrap(seeds[2], sizeof(seeds[2]), "192.168.1.1",
	    "232.1.1.1", 1, false, buf, (size_t)n);
	n = igmp_report_encode(buf, sizeof(buf), PKT_LEAVE_V2, &q.group);
	slen[3] = ip_wrap(seeds[3], sizeof(seeds[3]), "192.168.1.1",
	    "224.0.0.2", 1, true, buf, (size_t)n);

	for (i = 0; i < 5; i++) {
		rec[i].group = A("ff3e::1");
		rec[i].group.u.bytes[15] = (uint8_t)i;
	}
	for (i = 0; i < 40; i++) {
		srcs[i] = A("2001:db8::");
		srcs[i].u.bytes[15] = (uint8_t)(i + 1);
	}
	n = mld_report2_encode(mseeds[0], sizeof(mseeds[0]), rec, 5, &rx.src,
	    &rx.dst);
	mlen[0] = (size_t)n;
	q.version = 2;
	q.group = A("ff3e::1");
	q.nsrc = 20;
	n = mld_query_encode(mseeds[1], sizeof(mseeds[1]), &q, &rx.src,
	    &rx.dst);
	mlen[1] = (size_t)n;
	n = mld_report_encode(mseeds[2], sizeof(mseeds[2]), PKT_REPORT_V2,
	    &q.group, &rx.src, &rx.dst);
	mlen[2] = (size_t)n;

	for (k = 0; k < 4; k++)
		check(igmp_dec_drop(seeds[k], slen[k], 0) == PKT_OK,
		    "fuzz: IGMP seed %zu valid", k);
	for (k = 0; k < 3; k++)
		check(mld_dec_drop(mseeds[k], mlen[k], &rx) == PKT_OK,
		    "fuzz: MLD seed %zu valid", k);

	for (r = 0; r < rounds; r++) {
		unsigned int mode = rnd() % 4, fl = rnd() % 4;

		if (mode == 0) {
			/* Random bytes, sometimes with a plausible header. */
			len = rnd() % 300;
			for (i = 0; i < len; i++)
				buf[i] = (uint8_t)rnd();
			if (len >= 24 && (rnd() & 1)) {
				memcpy(buf, seeds[0], hl);
				buf[hl] = (uint8_t)(0x11 + rnd() % 0x12);
				igmp_fix_len(buf, len);
			}
		} else {
			k = rnd() % 4;
			len = slen[k];
			memcpy(buf, seeds[k], len);
			for (i = rnd() % 4; i > 0; i--)
				buf[hl + rnd() % (len - hl)] = (uint8_t)rnd();
			if (mode >= 2)
				len = rnd() % (len + 1);
			if (mode == 3 && len >= hl)
				igmp_fix_len(buf, len);
		}
		d = igmp_dec(&m, buf, len, fl, &keep);
		if (d == PKT_OK) {
			nok++;
			if (!fuzz_check(&m))
				inconsistent++;
		}
		free(keep);
		ok++;

		/* MLD */
		rx.hlim = (rnd() % 8) ? 1 : (int)(rnd() % 256);
		rx.hbh = (rnd() % 8) ? hbh_ra : NULL;
		rx.hbhlen = rx.hbh ? sizeof(hbh_ra) : 0;
		if (mode == 0) {
			len = rnd() % 300;
			for (i = 0; i < len; i++)
				buf[i] = (uint8_t)rnd();
			if (len >= 1 && (rnd() & 1))
				buf[0] = (uint8_t)(130 + rnd() % 14);
		} else {
			k = rnd() % 3;
			len = mlen[k];
			memcpy(buf, mseeds[k], len);
			for (i = rnd() % 4; i > 0; i--)
				buf[4 + rnd() % (len - 4)] = (uint8_t)rnd();
			if (mode >= 2)
				len = rnd() % (len + 1);
		}
		if (len >= 4 && mode != 1)
			mld_fix_cksum(buf, len, &rx);
		d = mld_dec(&m, buf, len, &rx, fl, &keep);
		if (d == PKT_OK) {
			nok++;
			if (!fuzz_check(&m))
				inconsistent++;
		}
		free(keep);
	}
	check(ok == rounds, "fuzz: %ld rounds of IGMP and MLD without crash "
	    "(%lu accepted)", ok, nok);
	check(inconsistent == 0,
	    "fuzz: every accepted report walks consistently");
}

int
main(void)
{
	test_cksum();
	test_codes();
	test_igmp_queries();
	test_igmp_reports();
	test_igmp_ra();
	test_igmp_drops();
	test_split();
	test_mld();
	test_mld_drops();
	test_hbh();
	test_names();
	test_fuzz();
	return check_exit("test_codec");
}
