/*
 * pkt.c - the parts of the IGMP and MLD codecs that both share
 *
 * IGMPv3 and MLDv2 lay out the query tail and the group records the
 * same way; only the address length differs (RFC 3376 §4.1, §4.2 and
 * RFC 3810 §5.1, §5.2).  Those parts are parsed and written here once,
 * so the two protocols cannot drift apart.
 */
#include "config.h"

#include <string.h>

#include "pkt.h"

static const struct {
	const char	*name;
	const char	*key;
} pkt_drops[PKT_DROP_MAX] = {
	[PKT_OK] =		{ "ok", "ok" },
	[PKT_DROP_SHORT] =	{ "too short", "too_short" },
	[PKT_DROP_IP_HDR] =	{ "bad IP header", "bad_ip_header" },
	[PKT_DROP_TYPE] =	{ "unknown type", "unknown_type" },
	[PKT_DROP_TTL] =	{ "TTL/hop limit not 1", "bad_ttl" },
	[PKT_DROP_NO_RA] =	{ "no router alert", "no_router_alert" },
	[PKT_DROP_SRC] =	{ "bad source address", "bad_source" },
	[PKT_DROP_CKSUM] =	{ "bad checksum", "bad_checksum" },
	[PKT_DROP_QUERY_LEN] =	{ "bad query length", "bad_query_length" },
	[PKT_DROP_QUERY_NSRC] =	{ "query sources exceed packet",
				  "query_nsrc_overflow" },
	[PKT_DROP_GROUP] =	{ "bad group address", "bad_group" },
	[PKT_DROP_REC_TRUNC] =	{ "truncated group record",
				  "record_truncated" },
	[PKT_DROP_REC_NSRC] =	{ "record sources exceed packet",
				  "record_nsrc_overflow" },
	[PKT_DROP_AUX_LEN] =	{ "aux data exceeds packet",
				  "aux_data_overflow" },
	[PKT_DROP_SRC_ADDR] =	{ "bad address in source list",
				  "bad_source_list" },
	[PKT_DROP_DST] =	{ "wrong destination", "bad_destination" },
};

const char *
pkt_drop_name(enum pkt_drop d)
{
	if ((unsigned int)d >= PKT_DROP_MAX)
		return "?";
	return pkt_drops[d].name;
}

const char *
pkt_drop_key(enum pkt_drop d)
{
	if ((unsigned int)d >= PKT_DROP_MAX)
		return "unknown";
	return pkt_drops[d].key;
}

/* Unknown types share the socket legitimately; everything else is bad input. */
bool
pkt_drop_is_error(enum pkt_drop d)
{
	return d != PKT_OK && d != PKT_DROP_TYPE;
}

const char *
pkt_type_name(enum pkt_type t)
{
	switch (t) {
	case PKT_QUERY:
		return "query";
	case PKT_REPORT_V1:
		return "v1 report";
	case PKT_REPORT_V2:
		return "v2 report";
	case PKT_LEAVE_V2:
		return "leave";
	case PKT_REPORT_V3:
		return "v3 report";
	case PKT_MRD_ADVERT:
		return "router advertisement";
	case PKT_MRD_SOLICIT:
		return "router solicitation";
	case PKT_MRD_TERMINATE:
		return "router termination";
	}
	return "?";
}

const char *
pkt_rec_name(int type)
{
	static const char *const names[] = {
		[PKT_MODE_IS_INCLUDE]	= "IS_IN",
		[PKT_MODE_IS_EXCLUDE]	= "IS_EX",
		[PKT_CHANGE_TO_INCLUDE]	= "TO_IN",
		[PKT_CHANGE_TO_EXCLUDE]	= "TO_EX",
		[PKT_ALLOW_NEW_SOURCES]	= "ALLOW",
		[PKT_BLOCK_OLD_SOURCES]	= "BLOCK",
	};

	if (type < PKT_MODE_IS_INCLUDE || type > PKT_BLOCK_OLD_SOURCES)
		return "?";
	return names[type];
}

static size_t
pkt_alen(sa_family_t family)
{
	return family == AF_INET6 ? 16 : 4;
}

bool
pkt_srcs_get(const struct pkt_srcs *s, size_t i, struct inet_addr *a)
{
	size_t alen = pkt_alen(s->family);

	if (i >= s->n)
		return false;
	inet_any(a, s->family);
	memcpy(a->u.bytes, s->base + i * alen, alen);
	return true;
}

size_t
pkt_srcs_copy(const struct pkt_srcs *s, struct inet_addr *out, size_t max)
{
	size_t i;

	for (i = 0; i < max && pkt_srcs_get(s, i, &out[i]); i++)
		;
	return i;
}

bool
pkt_group_ok(const struct inet_addr *g, sa_family_t family)
{
	return g->family == family && inet_is_multicast(g);
}

/*
 * A source in a query or record must be a unicast address: the
 * unspecified address, multicast and (IPv4) limited broadcast can
 * never be the source of multicast data.
 */
static bool
pkt_src_ok(const uint8_t *b, sa_family_t family)
{
	static const uint8_t zero[16];

	if (memcmp(b, zero, pkt_alen(family)) == 0)
		return false;
	if (family == AF_INET)
		return b[0] < 224;	/* not class D, E or broadcast */
	return b[0] != 0xff;
}

/* Check every source of a list already known to lie in the message. */
static enum pkt_drop
pkt_srcs_check(const struct pkt_srcs *s)
{
	size_t alen = pkt_alen(s->family), i;

	for (i = 0; i < s->n; i++)
		if (!pkt_src_ok(s->base + i * alen, s->family))
			return PKT_DROP_SRC_ADDR;
	return PKT_OK;
}

/* Take n addresses from the cursor as a source list. */
static bool
pkt_srcs_take(struct pkt_cur *c, sa_family_t family, uint16_t n,
    struct pkt_srcs *s)
{
	size_t need = (size_t)n * pkt_alen(family);

	if (pkt_cur_left(c) < need)
		return false;
	s->base = c->p + c->off;
	s->n = n;
	s->family = family;
	c->off += need;
	return true;
}

uint32_t
pkt_fp_decode(uint32_t code, unsigned int mbits)
{
	uint32_t exp, mant;

	if (code < (1u << (mbits + 3)))
		return code;
	exp = (code >> mbits) & 7;
	mant = code & ((1u << mbits) - 1);
	return (mant | 1u << mbits) << (exp + 3);
}

/* The largest code whose value is <= val; clamps at the maximum code. */
uint32_t
pkt_fp_encode(uint32_t val, unsigned int mbits)
{
	uint32_t exp, m;

	if (val < (1u << (mbits + 3)))
		return val;
	for (exp = 0; exp < 8; exp++) {
		m = val >> (exp + 3);
		if (m < (2u << mbits))
			return 1u << (mbits + 3) | exp << mbits |
			    (m & ((1u << mbits) - 1));
	}
	return (1u << (mbits + 4)) - 1;
}

uint32_t
pkt_qqic_to_sec(uint8_t code)
{
	return pkt_fp_decode(code, 4);
}

uint8_t
pkt_sec_to_qqic(uint32_t sec)
{
	return (uint8_t)pkt_fp_encode(sec, 4);
}

/*
 * RFC 3376 §4.1.4-4.1.10 / RFC 3810 §5.1.4-5.1.11, after the group:
 *
 *	Resv(4) S(1) QRV(3) | QQIC(8) | Number of Sources (16) | sources
 *
 * Octets after the sources are covered by the checksum and otherwise
 * ignored (RFC 3376 §4.1.10, RFC 3810 §5.1.12).
 */
enum pkt_drop
pkt_query3_parse(struct pkt_cur *c, sa_family_t family, struct pkt_msg *m)
{
	uint8_t flags, qqic;
	uint16_t nsrc;

	if (!pkt_get8(c, &flags) || !pkt_get8(c, &qqic) ||
	    !pkt_get16(c, &nsrc))
		return PKT_DROP_QUERY_LEN;
	m->q.sflag = (flags & 0x08) != 0;
	m->q.qrv = flags & 0x07;
	m->q.qqi = pkt_qqic_to_sec(qqic);
	if (!pkt_srcs_take(c, family, nsrc, &m->q.srcs))
		return PKT_DROP_QUERY_NSRC;
	/* General queries have no sources (RFC 3376 §4.1.9, 3810 §5.1.10). */
	if (nsrc > 0 && inet_is_any(&m->group))
		return PKT_DROP_GROUP;
	return pkt_srcs_check(&m->q.srcs);
}

/*
 * One group record (RFC 3376 §4.2.4-4.2.7, RFC 3810 §5.2.4-5.2.7):
 *
 *	Type(8) | Aux Data Len(8) | Number of Sources(16) | group | sources
 *	| aux data (Aux Data Len 32-bit words)
 *
 * Aux data is skipped: receivers MUST ignore it (RFC 3376 §4.2.6,
 * RFC 3810 §5.2.6); only aux data running past the end is an error.
 * The group and sources are checked by the caller, for known types only.
 */
static enum pkt_drop
pkt_rec_parse(struct pkt_cur *c, sa_family_t family, struct pkt_rec *r,
    uint8_t *rtype)
{
	uint8_t auxlen;
	uint16_t nsrc;

	if (!pkt_get8(c, rtype) || !pkt_get8(c, &auxlen) ||
	    !pkt_get16(c, &nsrc) || !pkt_get_addr(c, family, &r->group))
		return PKT_DROP_REC_TRUNC;
	if (!pkt_srcs_take(c, family, nsrc, &r->srcs))
		return PKT_DROP_REC_NSRC;
	if (!pkt_cur_skip(c, (size_t)auxlen * 4))
		return PKT_DROP_AUX_LEN;
	r->type = (enum pkt_rec_type)*rtype;
	return PKT_OK;
}

static bool
pkt_rec_type_known(uint8_t t)
{
	return t >= PKT_MODE_IS_INCLUDE && t <= PKT_BLOCK_OLD_SOURCES;
}

/*
 * Validate all nrec records so the report is applied whole or not at
 * all.  Unknown record types MUST be ignored (RFC 3376 §4.2.12, RFC
 * 3810 §5.2.12) but still have to be well-formed to be stepped over.
 * Octets after the last record are ignored (RFC 3376 §4.2.11).
 */
enum pkt_drop
pkt_report3_parse(struct pkt_cur *c, sa_family_t family, uint16_t nrec,
    struct pkt_msg *m)
{
	struct pkt_rec r;
	enum pkt_drop d;
	uint8_t rtype;
	uint16_t i;

	m->nrec = nrec;
	m->nrec_unknown = 0;
	m->nsrc_total = 0;
	m->rec_off = c->off;
	for (i = 0; i < nrec; i++) {
		if ((d = pkt_rec_parse(c, family, &r, &rtype)) != PKT_OK)
			return d;
		if (!pkt_rec_type_known(rtype)) {
			m->nrec_unknown++;
			continue;
		}
		if (!pkt_group_ok(&r.group, family))
			return PKT_DROP_GROUP;
		if ((d = pkt_srcs_check(&r.srcs)) != PKT_OK)
			return d;
		m->nsrc_total += r.srcs.n;
	}
	return PKT_OK;
}

void
pkt_rec_iter_init(struct pkt_rec_iter *it, const struct pkt_msg *m)
{
	memset(it, 0, sizeof(*it));
	if (m->type != PKT_REPORT_V3 || m->rec_off > m->msglen)
		return;
	it->msg = m->msg;
	it->len = m->msglen;
	it->off = m->rec_off;
	it->left = m->nrec;
	it->family = m->family;
}

/*
 * The next record of a known type.  The decoder has validated them all;
 * the bounds are checked again anyway, so a record that was not
 * produced by a successful decode ends the walk instead of overrunning.
 */
bool
pkt_rec_next(struct pkt_rec_iter *it, struct pkt_rec *r)
{
	struct pkt_cur c;
	uint8_t rtype;

	while (it->left > 0) {
		pkt_cur_init(&c, it->msg, it->len);
		c.off = it->off;
		it->left--;
		if (pkt_rec_parse(&c, it->family, r, &rtype) != PKT_OK) {
			it->left = 0;
			return false;
		}
		it->off = c.off;
		if (pkt_rec_type_known(rtype))
			return true;
	}
	return false;
}

/*
 * Writers return false for arguments that cannot be encoded (EINVAL);
 * running out of buffer sets w->err instead (EMSGSIZE).
 */

/* Sources of a query tx, checked against the family. */
static bool
pkt_tx_addrs_ok(const struct inet_addr *a, size_t n, sa_family_t family)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (a[i].family != family)
			return false;
	return true;
}

bool
pkt_query3_write(struct pkt_wr *w, sa_family_t family,
    const struct pkt_query_tx *q)
{
	size_t i;

	if (q->nsrc > UINT16_MAX || !pkt_tx_addrs_ok(q->src, q->nsrc, family))
		return false;
	/* RFC 3376 §4.1.6: a robustness above 7 is sent as 0. */
	pkt_put8(w, (uint8_t)((q->sflag ? 0x08 : 0) |
	    (q->qrv > 7 ? 0 : q->qrv)));
	pkt_put8(w, pkt_sec_to_qqic(q->qqi));
	pkt_put16(w, (uint16_t)q->nsrc);
	for (i = 0; i < q->nsrc; i++)
		pkt_put_addr(w, family, &q->src[i]);
	return true;
}

bool
pkt_report3_write(struct pkt_wr *w, sa_family_t family,
    const struct pkt_rec_tx *recs, size_t nrec)
{
	const struct pkt_rec_tx *r;
	size_t i, j;

	if (nrec > UINT16_MAX)
		return false;
	for (i = 0; i < nrec; i++) {
		r = &recs[i];
		if (r->nsrc > UINT16_MAX || r->group.family != family ||
		    !pkt_tx_addrs_ok(r->src, r->nsrc, family))
			return false;
	}
	pkt_put16(w, (uint16_t)nrec);
	for (i = 0; i < nrec; i++) {
		r = &recs[i];
		pkt_put8(w, r->type);
		pkt_put8(w, r->auxlen);
		pkt_put16(w, (uint16_t)r->nsrc);
		pkt_put_addr(w, family, &r->group);
		for (j = 0; j < r->nsrc; j++)
			pkt_put_addr(w, family, &r->src[j]);
		pkt_put(w, NULL, (size_t)r->auxlen * 4);
	}
	return true;
}
