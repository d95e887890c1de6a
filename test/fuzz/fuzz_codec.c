/*
 * fuzz_codec.c - libFuzzer target: the IGMP/MLD codec (proxy/pkt.h)
 *
 * Input: three control bytes, then the payload.
 *
 *	byte 0	bit 0: 0 IGMP, 1 MLD
 *		bit 1: raw (IGMP: the payload is the whole IPv4 packet;
 *		       MLD: the checksum is not fixed), else the payload
 *		       is the message, wrapped in a valid IPv4 header
 *		       (IGMP) and with its checksum fixed (both)
 *		bits 2-3: receive flags (PKT_RX_RA_ALL, PKT_RX_RA_NONE)
 *		bits 4-6: IGMP: link-layer padding bytes after the
 *		       packet; MLD: the Hop-by-Hop header (see fz_hbh)
 *		bit 7: TTL / hop limit is byte 2 instead of 1
 *	byte 1	bits 0-2: IP source, bits 3-5: destination (tables
 *		below), bit 6: IGMP without Router Alert, bit 7: leave a
 *		wrapped message's checksum alone
 *	byte 2	TTL / hop limit (with byte 0 bit 7); MLD hbh variant 4:
 *		its length (the first bytes of the payload)
 *
 * Every buffer the codec reads is a heap copy of exactly its length, so
 * AddressSanitizer sees any read past it.  For a message that decodes,
 * the invariants of pkt.h are checked (source lists and records inside
 * the message, counts that add up, only unicast sources, groups of the
 * family), the record is encoded again with the codec's encoders, the
 * result decoded again and compared field by field, and encoding that
 * gives the same bytes.  The float codes (QQIC, Max Resp Code) and the
 * query size limits are checked on the side.  A violation prints what
 * failed on stderr and aborts.  With FUZZ_CODEC_TRACE=1 in the
 * environment each input's decode result is printed on stderr.
 *
 * Copyright (c) 2026 The smcroute-ng authors.  ISC License, see COPYING.
 * SPDX-License-Identifier: ISC
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "pkt.h"

#define FZ_NAME "fuzz_codec.c"
#include "fuzz.h"

#define FZ_CHECK(cond) do {						\
	if (!(cond))							\
		fz_fail(__LINE__, #cond);				\
} while (0)

/* How one input is received: the socket layer's view. */
struct fz_env {
	sa_family_t		 family;
	unsigned int		 flags;
	struct inet_addr	 src;
	struct inet_addr	 dst;
	uint8_t			 ttl;		/* MLD: hop limit */
	bool			 ra;		/* IGMP: Router Alert */
	const uint8_t		*hbh;		/* MLD: heap copy, NULL */
	size_t			 hbhlen;
};

static const char *const igmp_srcs[8] = {
	"10.0.0.1", "0.0.0.0", "192.168.1.7", "127.0.0.1",
	"224.0.0.1", "0.1.2.3", "255.255.255.255", "169.254.1.1",
};
static const char *const igmp_dsts[8] = {
	"224.0.0.1", "224.0.0.22", "224.0.0.106", "224.0.0.2",
	"239.1.2.3", "10.0.0.2", "224.0.0.1", "224.0.0.106",
};
static const char *const mld_srcs[8] = {
	"fe80::1", "::", "2001:db8::1", "fe80::abcd",
	"ff02::1", "::1", "fe80::2", "2001:db8::2",
};
/* The last is not IPv6 at all: mld_decode() must refuse it. */
static const char *const mld_dsts[8] = {
	"ff02::16", "ff02::1", "ff02::2", "ff02::6a",
	"ff0e::1", "fe80::1", "ff02::16", "10.0.0.1",
};

/* Hop-by-Hop headers: next header, length, options (RFC 8200 §4.3). */
static const uint8_t hbh_ra[] = { 58, 0, 5, 2, 0, 0, 1, 0 };
static const uint8_t hbh_ra1[] = { 58, 0, 5, 2, 0, 1, 1, 0 };
static const uint8_t hbh_pad1[] = { 58, 0, 0, 0, 5, 2, 0, 0 };
static const uint8_t hbh_trunc[] = { 58, 0, 5 };
static const uint8_t hbh_long[] = { 58, 1, 5, 2, 0, 0, 1, 0 };

static struct inet_addr
fz_addr(const char *s)
{
	struct inet_addr a;

	if (inet_pton_any(s, &a))
		fz_fail(__LINE__, s);
	return a;
}

static size_t
fz_alen(sa_family_t family)
{
	return family == AF_INET6 ? 16 : 4;
}

static uint8_t *
fz_dup(const void *p, size_t len)
{
	uint8_t *c = malloc(len ? len : 1);

	if (c == NULL)
		abort();
	if (p != NULL && len > 0)
		memcpy(c, p, len);
	return c;
}

static bool
fz_same(const struct inet_addr *a, const struct inet_addr *b)
{
	return inet_cmp(a, b) == 0;
}

/* A source list lies in the message and holds only unicast addresses. */
static void
fz_check_srcs(const struct pkt_msg *m, const struct pkt_srcs *s)
{
	size_t alen = fz_alen(m->family), i;
	struct inet_addr a;

	if (s->n == 0)
		return;
	FZ_CHECK(s->family == m->family);
	FZ_CHECK(s->base >= m->msg);
	FZ_CHECK((size_t)(s->base - m->msg) + s->n * alen <= m->msglen);
	for (i = 0; i < s->n; i++) {
		FZ_CHECK(pkt_srcs_get(s, i, &a));
		FZ_CHECK(a.family == m->family);
		FZ_CHECK(!inet_is_any(&a) && !inet_is_multicast(&a));
		if (m->family == AF_INET)
			FZ_CHECK(a.u.bytes[0] < 224);
	}
	FZ_CHECK(!pkt_srcs_get(s, s->n, &a));
}

/* Walk the records of any decoded message; returns the records seen. */
static size_t
fz_walk_records(const struct pkt_msg *m, uint32_t *nsrc)
{
	struct pkt_rec_iter it;
	struct pkt_rec r;
	size_t n = 0;

	*nsrc = 0;
	pkt_rec_iter_init(&it, m);
	while (pkt_rec_next(&it, &r)) {
		FZ_CHECK(it.off <= it.len);
		n++;
		*nsrc += r.srcs.n;
	}
	return n;
}

/* What pkt.h promises about a message that decoded. */
static void
fz_check_msg(const struct fz_env *env, const struct pkt_msg *m,
    const uint8_t *buf, size_t len)
{
	size_t alen = fz_alen(env->family), minrec, n;
	struct pkt_rec_iter it;
	struct pkt_rec r;
	uint32_t total;

	FZ_CHECK(m->family == env->family);
	FZ_CHECK(m->msg >= buf && m->msglen <= len &&
	    (size_t)(m->msg - buf) <= len - m->msglen);
	FZ_CHECK(strcmp(pkt_type_name(m->type), "?") != 0);
	FZ_CHECK(m->group.family == env->family);

	switch (m->type) {
	case PKT_QUERY:
		FZ_CHECK(inet_is_any(&m->group) ||
		    inet_is_multicast(&m->group));
		FZ_CHECK(m->q.qrv <= 7);
		FZ_CHECK(m->q.qqi <= PKT_QQIC_MAX_SEC);
		if (env->family == AF_INET) {
			FZ_CHECK(m->version >= 1 && m->version <= 3);
			FZ_CHECK(m->level == m->version);
			FZ_CHECK(m->q.mrt_ms <= IGMP_MRC_MAX_MS);
		} else {
			FZ_CHECK(m->version == 1 || m->version == 2);
			FZ_CHECK(m->level == m->version + 1);
			FZ_CHECK(m->q.mrt_ms <= MLD_MRC_MAX_MS);
		}
		if (m->level < 3)
			FZ_CHECK(m->q.srcs.n == 0 && !m->q.sflag &&
			    m->q.qrv == 0 && m->q.qqi == 0);
		if (m->q.srcs.n > 0)
			FZ_CHECK(!inet_is_any(&m->group));
		fz_check_srcs(m, &m->q.srcs);
		break;
	case PKT_REPORT_V1:
		FZ_CHECK(env->family == AF_INET);
		/* FALLTHROUGH */
	case PKT_REPORT_V2:
	case PKT_LEAVE_V2:
		FZ_CHECK(pkt_group_ok(&m->group, env->family));
		FZ_CHECK(m->level == (m->type == PKT_REPORT_V1 ? 1 : 2));
		break;
	case PKT_REPORT_V3:
		FZ_CHECK(m->level == 3);
		FZ_CHECK(m->nrec_unknown <= m->nrec);
		minrec = 4 + alen;
		FZ_CHECK(m->rec_off <= m->msglen);
		FZ_CHECK((size_t)m->nrec * minrec +
		    (size_t)m->nsrc_total * alen <= m->msglen - m->rec_off);
		pkt_rec_iter_init(&it, m);
		n = 0;
		total = 0;
		while (pkt_rec_next(&it, &r)) {
			n++;
			FZ_CHECK(r.type >= PKT_MODE_IS_INCLUDE &&
			    r.type <= PKT_BLOCK_OLD_SOURCES);
			FZ_CHECK(strcmp(pkt_rec_name(r.type), "?") != 0);
			FZ_CHECK(pkt_group_ok(&r.group, env->family));
			fz_check_srcs(m, &r.srcs);
			total += r.srcs.n;
		}
		FZ_CHECK(n == (size_t)(m->nrec - m->nrec_unknown));
		FZ_CHECK(total == m->nsrc_total);
		break;
	case PKT_MRD_ADVERT:
	case PKT_MRD_SOLICIT:
	case PKT_MRD_TERMINATE:
		FZ_CHECK(env->family == AF_INET && m->level == 0);
		break;
	}
}

/* The message wrapped in an IPv4 header: a heap buffer of its length. */
static uint8_t *
fz_igmp_wrap(const struct fz_env *env, const uint8_t *msg, size_t msglen,
    size_t pad, bool fix, size_t *len)
{
	size_t hl = igmp_ip_hdrlen(env->ra);
	uint8_t *pkt;
	uint16_t sum;

	if (msglen > UINT16_MAX - hl)
		msglen = UINT16_MAX - hl;
	pkt = fz_dup(NULL, hl + msglen + pad);
	memcpy(pkt + hl, msg, msglen);
	memset(pkt + hl + msglen, 0xa5, pad);
	if (fix && msglen >= 4) {
		pkt[hl + 2] = pkt[hl + 3] = 0;
		sum = cksum_in(pkt + hl, msglen);
		pkt[hl + 2] = (uint8_t)(sum >> 8);
		pkt[hl + 3] = (uint8_t)sum;
	}
	if (igmp_ip_encode(pkt, hl + msglen, &env->src, &env->dst, env->ttl,
	    env->ra, msglen) != (ssize_t)(hl + msglen))
		fz_fail(__LINE__, "igmp_ip_encode");
	*len = hl + msglen + pad;
	return pkt;
}

static enum pkt_drop
fz_decode(const struct fz_env *env, struct pkt_msg *m, const uint8_t *buf,
    size_t len)
{
	struct mld_rxinfo rx;

	if (env->family == AF_INET)
		return igmp_decode(m, buf, len, env->flags);
	memset(&rx, 0, sizeof(rx));
	rx.src = env->src;
	rx.dst = env->dst;
	rx.hlim = env->ttl;
	rx.hbh = env->hbh;
	rx.hbhlen = env->hbhlen;
	return mld_decode(m, buf, len, &rx, env->flags);
}

/*
 * Encode the decoded message m again into a heap buffer of its exact
 * length (the IGMP message only, or the ICMPv6 message); NULL when the
 * codec has no encoder for the type.
 */
static uint8_t *
fz_encode(const struct fz_env *env, const struct pkt_msg *m, size_t *outlen)
{
	struct pkt_rec_tx *recs = NULL;
	struct inet_addr *srcs = NULL;
	struct pkt_query_tx q;
	struct pkt_rec_iter it;
	struct pkt_rec r;
	size_t size = m->msglen + 64, nrec = 0, off = 0, n;
	uint8_t *buf, *out;
	ssize_t len = -1;
	bool v4 = env->family == AF_INET;

	if (m->type >= PKT_MRD_ADVERT)
		return NULL;
	buf = fz_dup(NULL, size);
	switch (m->type) {
	case PKT_QUERY:
		n = m->q.srcs.n;
		srcs = calloc(n ? n : 1, sizeof(*srcs));
		if (srcs == NULL)
			abort();
		FZ_CHECK(pkt_srcs_copy(&m->q.srcs, srcs, n) == n);
		memset(&q, 0, sizeof(q));
		q.version = m->version;
		q.group = m->group;
		q.mrt_ms = m->q.mrt_ms;
		q.sflag = m->q.sflag;
		q.qrv = m->q.qrv;
		q.qqi = m->q.qqi;
		q.src = srcs;
		q.nsrc = n;
		len = v4 ? igmp_query_encode(buf, size, &q) :
		    mld_query_encode(buf, size, &q, &env->src, &env->dst);
		break;
	case PKT_REPORT_V1:
	case PKT_REPORT_V2:
	case PKT_LEAVE_V2:
		len = v4 ? igmp_report_encode(buf, size, m->type, &m->group) :
		    mld_report_encode(buf, size, m->type, &m->group,
		    &env->src, &env->dst);
		break;
	case PKT_REPORT_V3:
		n = (size_t)m->nrec - m->nrec_unknown;
		recs = calloc(n ? n : 1, sizeof(*recs));
		srcs = calloc(m->nsrc_total ? m->nsrc_total : 1,
		    sizeof(*srcs));
		if (recs == NULL || srcs == NULL)
			abort();
		pkt_rec_iter_init(&it, m);
		while (pkt_rec_next(&it, &r)) {
			FZ_CHECK(nrec < n && off + r.srcs.n <= m->nsrc_total);
			recs[nrec].type = (uint8_t)r.type;
			recs[nrec].group = r.group;
			recs[nrec].src = srcs + off;
			recs[nrec].nsrc = pkt_srcs_copy(&r.srcs, srcs + off,
			    r.srcs.n);
			FZ_CHECK(recs[nrec].nsrc == r.srcs.n);
			off += r.srcs.n;
			nrec++;
		}
		len = v4 ? igmp_report3_encode(buf, size, recs, nrec) :
		    mld_report2_encode(buf, size, recs, nrec, &env->src,
		    &env->dst);
		break;
	default:
		break;
	}
	free(recs);
	free(srcs);
	/* What decoded must encode, and never grow: aux data is dropped. */
	FZ_CHECK(len > 0 && (size_t)len <= m->msglen);
	out = fz_dup(buf, (size_t)len);
	free(buf);
	*outlen = (size_t)len;
	return out;
}

/* Decode an encoded message as received, with a valid IP layer. */
static enum pkt_drop
fz_redecode(const struct fz_env *env, struct pkt_msg *m, const uint8_t *msg,
    size_t msglen, uint8_t **keep)
{
	struct fz_env e = *env;
	size_t len;

	e.ttl = 1;
	if (env->family == AF_INET) {
		e.ra = false;
		e.flags = PKT_RX_RA_NONE;
		*keep = fz_igmp_wrap(&e, msg, msglen, 0, false, &len);
		return fz_decode(&e, m, *keep, len);
	}
	e.flags = 0;
	e.hbh = hbh_ra;
	e.hbhlen = sizeof(hbh_ra);
	*keep = fz_dup(msg, msglen);
	return fz_decode(&e, m, *keep, msglen);
}

static void
fz_compare(const struct pkt_msg *a, const struct pkt_msg *b)
{
	struct pkt_rec_iter ia, ib;
	struct pkt_rec ra, rb;
	struct inet_addr x, y;
	size_t i;

	FZ_CHECK(a->type == b->type);
	FZ_CHECK(a->version == b->version && a->level == b->level);
	FZ_CHECK(fz_same(&a->group, &b->group));
	switch (a->type) {
	case PKT_QUERY:
		FZ_CHECK(a->q.mrt_ms == b->q.mrt_ms);
		FZ_CHECK(a->q.sflag == b->q.sflag);
		FZ_CHECK(a->q.qrv == b->q.qrv && a->q.qqi == b->q.qqi);
		FZ_CHECK(a->q.srcs.n == b->q.srcs.n);
		for (i = 0; i < a->q.srcs.n; i++) {
			FZ_CHECK(pkt_srcs_get(&a->q.srcs, i, &x));
			FZ_CHECK(pkt_srcs_get(&b->q.srcs, i, &y));
			FZ_CHECK(fz_same(&x, &y));
		}
		break;
	case PKT_REPORT_V3:
		/* Unknown records are not encoded again. */
		FZ_CHECK(b->nrec == a->nrec - a->nrec_unknown);
		FZ_CHECK(b->nrec_unknown == 0);
		FZ_CHECK(a->nsrc_total == b->nsrc_total);
		pkt_rec_iter_init(&ia, a);
		pkt_rec_iter_init(&ib, b);
		while (pkt_rec_next(&ia, &ra)) {
			FZ_CHECK(pkt_rec_next(&ib, &rb));
			FZ_CHECK(ra.type == rb.type);
			FZ_CHECK(fz_same(&ra.group, &rb.group));
			FZ_CHECK(ra.srcs.n == rb.srcs.n);
			for (i = 0; i < ra.srcs.n; i++) {
				FZ_CHECK(pkt_srcs_get(&ra.srcs, i, &x));
				FZ_CHECK(pkt_srcs_get(&rb.srcs, i, &y));
				FZ_CHECK(fz_same(&x, &y));
			}
		}
		FZ_CHECK(!pkt_rec_next(&ib, &rb));
		break;
	default:
		break;
	}
}

/*
 * Encode, decode, compare; encoding the result gives the same bytes.
 * The IP addresses are the ones the message was received with (a raw
 * IGMP packet carries its own).
 */
static void
fz_roundtrip(const struct fz_env *rxenv, const struct pkt_msg *m)
{
	struct fz_env e = *rxenv, *env = &e;
	struct pkt_msg m2, m3;
	uint8_t *enc, *enc2, *keep = NULL, *keep2 = NULL;
	size_t len, len2;
	enum pkt_drop d;

	e.src = m->src;
	e.dst = m->dst;
	if ((enc = fz_encode(env, m, &len)) == NULL)
		return;
	d = fz_redecode(env, &m2, enc, len, &keep);
	if (d != PKT_OK) {
		fprintf(stderr, "re-encoded %s does not decode: %s\n",
		    pkt_type_name(m->type), pkt_drop_name(d));
		fz_fail(__LINE__, "fz_redecode() == PKT_OK");
	}
	fz_check_msg(env, &m2, keep, len + (env->family == AF_INET ?
	    igmp_ip_hdrlen(false) : 0));
	fz_compare(m, &m2);

	enc2 = fz_encode(env, &m2, &len2);
	FZ_CHECK(enc2 != NULL && len2 == len && !memcmp(enc, enc2, len));
	FZ_CHECK(fz_redecode(env, &m3, enc2, len2, &keep2) == PKT_OK);
	fz_compare(&m2, &m3);
	free(enc);
	free(enc2);
	free(keep);
	free(keep2);
}

/* The float codes round down to a representable value (pkt.h). */
static void
fz_codes(const uint8_t *p, size_t n)
{
	uint32_t v = 0;
	uint16_t c16;
	uint8_t c8;
	size_t i;

	for (i = 0; i < 4 && i < n; i++)
		v = v << 8 | p[i];
	c8 = (uint8_t)v;
	c16 = (uint16_t)v;
	FZ_CHECK(igmp_ms_to_mrc(igmp_mrc_to_ms(c8)) == c8);
	FZ_CHECK(pkt_sec_to_qqic(pkt_qqic_to_sec(c8)) == c8);
	FZ_CHECK(mld_ms_to_mrc(mld_mrc_to_ms(c16)) == c16);

	c8 = igmp_ms_to_mrc(v);
	FZ_CHECK(igmp_mrc_to_ms(c8) <= v);
	FZ_CHECK(c8 == 0xff || igmp_mrc_to_ms((uint8_t)(c8 + 1)) > v);
	c8 = pkt_sec_to_qqic(v);
	FZ_CHECK(pkt_qqic_to_sec(c8) <= v);
	FZ_CHECK(c8 == 0xff || pkt_qqic_to_sec((uint8_t)(c8 + 1)) > v);
	c16 = mld_ms_to_mrc(v);
	FZ_CHECK(mld_mrc_to_ms(c16) <= v);
	FZ_CHECK(c16 == 0xffff || mld_mrc_to_ms((uint16_t)(c16 + 1)) > v);
}

/* A query of igmp_query_max_srcs() sources fits the MTU, one more not. */
static void
fz_max_srcs(const uint8_t *p, size_t n)
{
	size_t mtu, nv4, nv6, fixed4, fixed6, i;
	struct inet_addr *srcs;
	struct pkt_query_tx q;
	uint8_t *buf;
	ssize_t len;

	if (n < 2)
		return;
	mtu = ((size_t)p[0] << 8 | p[1]) % 2400;
	fixed4 = igmp_ip_hdrlen(true) + IGMP_V3_QUERY_MINLEN;
	fixed6 = 40 + 8 + MLD_V2_QUERY_MINLEN;
	nv4 = igmp_query_max_srcs(mtu);
	nv6 = mld_query_max_srcs(mtu);
	FZ_CHECK(mtu < fixed4 ? nv4 == 0 : fixed4 + 4 * nv4 <= mtu &&
	    fixed4 + 4 * (nv4 + 1) > mtu);
	FZ_CHECK(mtu < fixed6 ? nv6 == 0 : fixed6 + 16 * nv6 <= mtu &&
	    fixed6 + 16 * (nv6 + 1) > mtu);
	if (nv4 == 0)
		return;

	srcs = calloc(nv4, sizeof(*srcs));
	buf = fz_dup(NULL, mtu);
	if (srcs == NULL)
		abort();
	for (i = 0; i < nv4; i++) {
		srcs[i] = fz_addr("10.0.0.0");
		inet_add(&srcs[i], (uint32_t)i + 1);
	}
	memset(&q, 0, sizeof(q));
	q.version = 3;
	q.group = fz_addr("239.1.1.1");
	q.src = srcs;
	q.nsrc = nv4;
	len = igmp_query_encode(buf, mtu - igmp_ip_hdrlen(true), &q);
	FZ_CHECK(len == (ssize_t)(IGMP_V3_QUERY_MINLEN + 4 * nv4));
	free(buf);
	free(srcs);
}

/* The Hop-by-Hop header an MLD input is received with. */
static void
fz_hbh(struct fz_env *env, unsigned int variant, const uint8_t **p,
    size_t *n, uint8_t hbhlen)
{
	const uint8_t *h;
	size_t len;

	switch (variant) {
	case 1:
		env->hbh = NULL;
		env->hbhlen = 0;
		return;
	case 2:
		h = hbh_ra1;
		len = sizeof(hbh_ra1);
		break;
	case 3:
		h = hbh_pad1;
		len = sizeof(hbh_pad1);
		break;
	case 4:
		len = hbhlen % 32 < *n ? hbhlen % 32 : *n;
		h = *p;
		*p += len;
		*n -= len;
		break;
	case 5:
		h = hbh_trunc;
		len = sizeof(hbh_trunc);
		break;
	case 6:
		h = hbh_long;
		len = sizeof(hbh_long);
		break;
	default:
		h = hbh_ra;
		len = sizeof(hbh_ra);
		break;
	}
	env->hbh = fz_dup(h, len);
	env->hbhlen = len;
	/* Whatever the header, looking for the option stays inside it. */
	(void)mld_hbh_has_ra(env->hbh, env->hbhlen);
}

int LLVMFuzzerInitialize(int *, char ***);
int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fz_trace_init("FUZZ_CODEC_TRACE");
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_env env;
	struct pkt_msg m;
	const uint8_t *p;
	uint8_t b0, b1, b2, *buf = NULL, *hbh = NULL;
	size_t n, len;
	enum pkt_drop d;
	uint32_t nsrc;
	bool raw;

	if (size < 3)
		return 0;
	b0 = data[0];
	b1 = data[1];
	b2 = data[2];
	p = data + 3;
	n = size - 3;

	memset(&env, 0, sizeof(env));
	env.family = b0 & 1 ? AF_INET6 : AF_INET;
	raw = b0 & 2;
	env.flags = (b0 >> 2) & 3;
	env.ttl = b0 & 0x80 ? b2 : 1;
	env.src = fz_addr((env.family == AF_INET ? igmp_srcs :
	    mld_srcs)[b1 & 7]);
	env.dst = fz_addr((env.family == AF_INET ? igmp_dsts :
	    mld_dsts)[(b1 >> 3) & 7]);
	env.ra = !(b1 & 0x40);

	if (env.family == AF_INET) {
		if (raw) {
			buf = fz_dup(p, n);
			len = n;
		} else
			buf = fz_igmp_wrap(&env, p, n, (b0 >> 4) & 7,
			    !(b1 & 0x80), &len);
	} else {
		fz_hbh(&env, (b0 >> 4) & 7, &p, &n, b2);
		hbh = (uint8_t *)env.hbh;
		buf = fz_dup(p, n);
		len = n;
		if (!raw && !(b1 & 0x80) && n >= 4 &&
		    env.src.family == AF_INET6 && env.dst.family == AF_INET6) {
			uint16_t sum;

			buf[2] = buf[3] = 0;
			sum = cksum_icmp6(&env.src.u.v6, &env.dst.u.v6, buf, n);
			buf[2] = (uint8_t)(sum >> 8);
			buf[3] = (uint8_t)sum;
		}
	}

	d = fz_decode(&env, &m, buf, len);
	if (fz_trace)
		fprintf(stderr, "%s %s, %zu bytes: %s%s%s\n",
		    env.family == AF_INET ? "IGMP" : "MLD",
		    raw ? "raw" : "wrapped", len, pkt_drop_name(d),
		    d == PKT_OK ? ", " : "",
		    d == PKT_OK ? pkt_type_name(m.type) : "");
	FZ_CHECK((unsigned int)d < PKT_DROP_MAX);
	FZ_CHECK(strcmp(pkt_drop_name(d), "?") != 0);
	FZ_CHECK(strcmp(pkt_drop_key(d), "unknown") != 0);
	FZ_CHECK(pkt_drop_is_error(d) == (d != PKT_OK && d != PKT_DROP_TYPE));
	if (d == PKT_OK) {
		fz_check_msg(&env, &m, buf, len);
		fz_roundtrip(&env, &m);
	} else {
		/* pkt.h: the walk ends rather than overrun on a drop too. */
		(void)fz_walk_records(&m, &nsrc);
	}

	fz_codes(data, size);
	fz_max_srcs(p, n);
	free(buf);
	free(hbh);
	return 0;
}
