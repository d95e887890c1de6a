/*
 * igmp.c - IGMPv1/v2/v3 decode and encode
 *
 * The decoder takes an IPv4 datagram as a raw IGMP socket delivers it
 * on Linux: the IP header with options, total length in network order,
 * fragments already reassembled.  IGMP is defined in RFC 1112 appendix
 * I (v1), RFC 2236 (v2) and RFC 3376 / RFC 9776 (v3).
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <netinet/in.h>

#include "pkt.h"

#define IP_HDR_MINLEN		20

static uint16_t
be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

uint32_t
igmp_mrc_to_ms(uint8_t code)
{
	/* RFC 3376 §4.1.1: units of 1/10 second. */
	return pkt_fp_decode(code, 4) * 100;
}

uint8_t
igmp_ms_to_mrc(uint32_t ms)
{
	return (uint8_t)pkt_fp_encode(ms / 100, 4);
}

/*
 * Walk the IPv4 options (RFC 791 §3.1) and note a Router Alert (RFC
 * 2113 §2.1: type 148, length 4, value 0 "router shall examine
 * packet"; other values are reserved and not taken as an alert).
 * Returns false when the options are malformed.
 */
static bool
igmp_ip_opts(const uint8_t *p, size_t len, bool *ra)
{
	struct pkt_cur c;
	uint8_t type, olen;

	*ra = false;
	pkt_cur_init(&c, p, len);
	while (pkt_get8(&c, &type)) {
		if (type == 0)			/* end of option list */
			break;
		if (type == 1)			/* no operation */
			continue;
		if (!pkt_get8(&c, &olen) || olen < 2 ||
		    pkt_cur_left(&c) < (size_t)olen - 2)
			return false;
		if (type == IPOPT_RA_TYPE) {
			if (olen != IPOPT_RA_LEN)
				return false;
			if (be16(c.p + c.off) == 0)
				*ra = true;
		}
		c.off += (size_t)olen - 2;
	}
	return true;
}

/*
 * IP source addresses.  RFC 3376 §4.2.13 lets a system that has no
 * address yet send reports from 0.0.0.0 and says routers MUST accept
 * them.  IGMPv1/v2 hosts without an address do the same in practice
 * (and RFC 3376 §7.3.2 processes their reports as v3 records), as do
 * their leaves, so 0.0.0.0 is taken for every membership message; the
 * layers above must not treat it as one host.  A query from 0.0.0.0 is
 * refused: it would win every querier election (RFC 3376 §6.6.2).
 * Never acceptable: 0/8 other than 0.0.0.0, loopback, multicast,
 * class E and broadcast.  Whether the source is on the interface's
 * subnet is for the caller, which knows the interface addresses.
 */
static bool
igmp_src_ok(const struct inet_addr *src, uint8_t type)
{
	const uint8_t *b = src->u.bytes;

	if (inet_is_any(src))
		return type != IGMP_MEMBERSHIP_QUERY;
	return b[0] != 0 && b[0] != 127 && b[0] < 224;
}

/* Is the message one of IGMPv3 (Router Alert mandatory by default)? */
static bool
igmp_is_v3(uint8_t type, size_t msglen)
{
	return type == IGMP_V3_REPORT ||
	    (type == IGMP_MEMBERSHIP_QUERY && msglen > IGMP_MINLEN);
}

/*
 * Query version by RFC 3376 §7.1: 8 octets and Max Resp Code 0 is v1,
 * 8 octets otherwise v2, 12 or more v3; any other length MUST be
 * silently ignored.
 */
static enum pkt_drop
igmp_query_parse(struct pkt_cur *c, struct pkt_msg *m)
{
	struct inet_addr group;
	uint8_t code;

	/* The caller checked IGMP_MINLEN; the reads cannot fail. */
	if (!pkt_cur_skip(c, 1) || !pkt_get8(c, &code) ||
	    !pkt_cur_skip(c, 2) || !pkt_get_addr(c, AF_INET, &group))
		return PKT_DROP_SHORT;
	m->type = PKT_QUERY;
	m->q.mrc = code;

	if (m->msglen == IGMP_MINLEN && code == 0) {
		/*
		 * RFC 1112: the group field is zero and ignored; RFC 2236
		 * §4: Max Resp Time 0 from a v1 router means 10 seconds.
		 */
		m->version = m->level = 1;
		m->q.mrt_ms = 10000;
		return PKT_OK;
	}
	if (!inet_is_any(&group) && !inet_is_multicast(&group))
		return PKT_DROP_GROUP;
	m->group = group;
	if (m->msglen == IGMP_MINLEN) {
		/* RFC 2236 §2.2: units of 1/10 second, no exponent. */
		m->version = m->level = 2;
		m->q.mrt_ms = (uint32_t)code * 100;
		return PKT_OK;
	}
	if (m->msglen < IGMP_V3_QUERY_MINLEN)
		return PKT_DROP_QUERY_LEN;
	m->version = m->level = 3;
	m->q.mrt_ms = igmp_mrc_to_ms(code);
	return pkt_query3_parse(c, AF_INET, m);
}

/* v1/v2 report and v2 leave; octets past 8 are ignored (RFC 2236 §2.5). */
static enum pkt_drop
igmp_v12_parse(struct pkt_cur *c, uint8_t type, struct pkt_msg *m)
{
	/* type, unused/max resp, checksum */
	if (!pkt_cur_skip(c, 4) || !pkt_get_addr(c, AF_INET, &m->group))
		return PKT_DROP_SHORT;
	if (!inet_is_multicast(&m->group))
		return PKT_DROP_GROUP;
	switch (type) {
	case IGMP_V1_REPORT:
		m->type = PKT_REPORT_V1;
		m->version = m->level = 1;
		break;
	case IGMP_V2_REPORT:
		m->type = PKT_REPORT_V2;
		m->version = m->level = 2;
		break;
	default:
		m->type = PKT_LEAVE_V2;
		m->version = m->level = 2;
		break;
	}
	return PKT_OK;
}


/*
 * RFC 4286 messages: an advertisement (§3) goes to All-Snoopers with
 * the interval and the querier's values, a solicitation (§4) to
 * All-Routers, a termination (§5) to All-Snoopers; a receiver checks
 * the destination.  Reserved fields are ignored.
 */
static enum pkt_drop
igmp_mrd_parse(struct pkt_cur *c, uint8_t type, struct pkt_msg *m)
{
	static const struct inet_addr snoopers = { .family = AF_INET,
	    .u.bytes = { 224, 0, 0, 106 } };
	static const struct inet_addr routers = { .family = AF_INET,
	    .u.bytes = { 224, 0, 0, 2 } };
	uint8_t t;

	if (inet_cmp(&m->dst, type == IGMP_MRD_SOLICIT ? &routers :
	    &snoopers))
		return PKT_DROP_DST;
	m->version = 0;
	m->level = 0;
	if (type == IGMP_MRD_SOLICIT)
		m->type = PKT_MRD_SOLICIT;
	else if (type == IGMP_MRD_TERMINATE)
		m->type = PKT_MRD_TERMINATE;
	else {
		m->type = PKT_MRD_ADVERT;
		if (!pkt_get8(c, &t) || !pkt_get8(c, &m->mrd_interval) ||
		    !pkt_cur_skip(c, 2) || !pkt_get16(c, &m->mrd_qi) ||
		    !pkt_get16(c, &m->mrd_rv))
			return PKT_DROP_SHORT;
	}
	return PKT_OK;
}

/* RFC 3376 §4.2: Type, Reserved, Checksum, Reserved(16), Nr of Records. */
static enum pkt_drop
igmp_report3_parse(struct pkt_cur *c, struct pkt_msg *m)
{
	uint16_t nrec;

	if (!pkt_cur_skip(c, 6) || !pkt_get16(c, &nrec))
		return PKT_DROP_SHORT;
	m->type = PKT_REPORT_V3;
	m->version = m->level = 3;
	return pkt_report3_parse(c, AF_INET, nrec, m);
}

enum pkt_drop
igmp_decode(struct pkt_msg *m, const uint8_t *pkt, size_t len,
    unsigned int flags)
{
	size_t hlen, totlen;
	struct pkt_cur c;
	uint8_t ttl, type;
	bool need_ra;

	memset(m, 0, sizeof(*m));
	m->family = AF_INET;
	inet_any(&m->src, AF_INET);
	inet_any(&m->dst, AF_INET);
	inet_any(&m->group, AF_INET);

	/* Length and IP header. */
	if (len < IP_HDR_MINLEN)
		return PKT_DROP_SHORT;
	ttl = pkt[8];
	memcpy(&m->src.u.v4, pkt + 12, 4);
	memcpy(&m->dst.u.v4, pkt + 16, 4);
	if (pkt[0] >> 4 != 4)
		return PKT_DROP_IP_HDR;
	hlen = (size_t)(pkt[0] & 0x0f) * 4;
	totlen = be16(pkt + 2);
	if (hlen < IP_HDR_MINLEN || hlen > len || totlen < hlen)
		return PKT_DROP_IP_HDR;
	if (totlen > len)
		return PKT_DROP_SHORT;
	if ((be16(pkt + 6) & 0x3fff) != 0 || pkt[9] != IPPROTO_IGMP)
		return PKT_DROP_IP_HDR;
	if (!igmp_ip_opts(pkt + IP_HDR_MINLEN, hlen - IP_HDR_MINLEN, &m->ra))
		return PKT_DROP_IP_HDR;
	m->msg = pkt + hlen;
	m->msglen = totlen - hlen;
	if (m->msglen < MRD_MINLEN)
		return PKT_DROP_SHORT;

	/*
	 * Type before TTL: DVMRP, PIMv1 and mtrace share the raw socket,
	 * and mtrace is routed with TTL > 1; they are not TTL errors.
	 */
	type = m->msg[0];
	switch (type) {
	case IGMP_MEMBERSHIP_QUERY:
	case IGMP_V1_REPORT:
	case IGMP_V2_REPORT:
	case IGMP_V2_LEAVE:
	case IGMP_V3_REPORT:
		if (m->msglen < IGMP_MINLEN)
			return PKT_DROP_SHORT;
		break;
	case IGMP_MRD_ADVERT:
		if (m->msglen < MRD_ADVERT_MINLEN)
			return PKT_DROP_SHORT;
		break;
	case IGMP_MRD_SOLICIT:
	case IGMP_MRD_TERMINATE:
		break;
	default:
		return PKT_DROP_TYPE;
	}

	/* TTL 1 (RFC 3376 §4, RFC 2236 §2), Router Alert (see pkt.h). */
	if (ttl != 1)
		return PKT_DROP_TTL;
	if (flags & PKT_RX_RA_NONE)
		need_ra = false;
	else
		need_ra = (flags & PKT_RX_RA_ALL) ||
		    igmp_is_v3(type, m->msglen);
	if (need_ra && !m->ra)
		return PKT_DROP_NO_RA;
	if (!igmp_src_ok(&m->src, type))
		return PKT_DROP_SRC;

	/* Over the whole IGMP message (RFC 2236 §2.5, RFC 3376 §4.1.2). */
	if (cksum_in(m->msg, m->msglen) != 0)
		return PKT_DROP_CKSUM;

	pkt_cur_init(&c, m->msg, m->msglen);
	switch (type) {
	case IGMP_MEMBERSHIP_QUERY:
		return igmp_query_parse(&c, m);
	case IGMP_V3_REPORT:
		return igmp_report3_parse(&c, m);
	case IGMP_MRD_ADVERT:
	case IGMP_MRD_SOLICIT:
	case IGMP_MRD_TERMINATE:
		return igmp_mrd_parse(&c, type, m);
	default:
		return igmp_v12_parse(&c, type, m);
	}
}

static ssize_t
igmp_finish(struct pkt_wr *w)
{
	uint16_t sum;

	if (w->err) {
		errno = EMSGSIZE;
		return -1;
	}
	/* Over the message just written, not the whole buffer. */
	sum = cksum_in(w->p, w->off);
	w->p[2] = (uint8_t)(sum >> 8);
	w->p[3] = (uint8_t)sum;
	return (ssize_t)w->off;
}

static ssize_t
igmp_einval(void)
{
	errno = EINVAL;
	return -1;
}

ssize_t
igmp_query_encode(uint8_t *buf, size_t len, const struct pkt_query_tx *q)
{
	struct inet_addr group;
	struct pkt_wr w;
	uint32_t code;

	if (q->group.family == AF_UNSPEC)
		inet_any(&group, AF_INET);
	else if (q->group.family == AF_INET &&
	    (inet_is_any(&q->group) || inet_is_multicast(&q->group)))
		group = q->group;
	else
		return igmp_einval();
	if (q->version < 1 || q->version > 3)
		return igmp_einval();
	if (q->version < 3 && q->nsrc > 0)
		return igmp_einval();
	/* A v1 query is general only (RFC 1112 appendix I). */
	if (q->version == 1 && !inet_is_any(&group))
		return igmp_einval();
	if (q->version == 3 && q->nsrc > 0 && inet_is_any(&group))
		return igmp_einval();

	switch (q->version) {
	case 1:
		code = 0;
		break;
	case 2:
		/* 1/10 s, 1-255: a code of 0 would read as a v1 query. */
		code = q->mrt_ms / 100;
		if (code < 1)
			code = 1;
		if (code > 255)
			code = 255;
		break;
	default:
		code = igmp_ms_to_mrc(q->mrt_ms);
		break;
	}

	pkt_wr_init(&w, buf, len);
	pkt_put8(&w, IGMP_MEMBERSHIP_QUERY);
	pkt_put8(&w, (uint8_t)code);
	pkt_put16(&w, 0);
	pkt_put_addr(&w, AF_INET, &group);
	if (q->version == 3 && !pkt_query3_write(&w, AF_INET, q))
		return igmp_einval();
	return igmp_finish(&w);
}

ssize_t
igmp_report_encode(uint8_t *buf, size_t len, enum pkt_type type,
    const struct inet_addr *group)
{
	struct pkt_wr w;
	uint8_t code;

	switch (type) {
	case PKT_REPORT_V1:
		code = IGMP_V1_REPORT;
		break;
	case PKT_REPORT_V2:
		code = IGMP_V2_REPORT;
		break;
	case PKT_LEAVE_V2:
		code = IGMP_V2_LEAVE;
		break;
	default:
		return igmp_einval();
	}
	if (group->family != AF_INET)
		return igmp_einval();
	pkt_wr_init(&w, buf, len);
	pkt_put8(&w, code);
	pkt_put8(&w, 0);
	pkt_put16(&w, 0);
	pkt_put_addr(&w, AF_INET, group);
	return igmp_finish(&w);
}

/*
 * Records are written as given (the type, group and sources are not
 * checked for sense), so tests can craft reports the decoder refuses.
 */
ssize_t
igmp_report3_encode(uint8_t *buf, size_t len, const struct pkt_rec_tx *recs,
    size_t nrec)
{
	struct pkt_wr w;

	pkt_wr_init(&w, buf, len);
	pkt_put8(&w, IGMP_V3_REPORT);
	pkt_put8(&w, 0);
	pkt_put16(&w, 0);
	pkt_put16(&w, 0);
	if (!pkt_report3_write(&w, AF_INET, recs, nrec))
		return igmp_einval();
	return igmp_finish(&w);
}

size_t
igmp_ip_hdrlen(bool ra)
{
	return IP_HDR_MINLEN + (ra ? IPOPT_RA_LEN : 0);
}

/* Sources that fit: mtu - IP header with RA - 12 octets of query. */
size_t
igmp_query_max_srcs(size_t mtu)
{
	size_t fixed = igmp_ip_hdrlen(true) + IGMP_V3_QUERY_MINLEN, n;

	if (mtu < fixed)
		return 0;
	n = (mtu - fixed) / 4;
	return n > UINT16_MAX ? UINT16_MAX : n;
}

/*
 * RFC 3376 §4: TTL 1, precedence Internetwork Control (TOS 0xc0) and
 * a Router Alert option.  The IP header checksum is filled in.
 */
ssize_t
igmp_ip_encode(uint8_t *buf, size_t len, const struct inet_addr *src,
    const struct inet_addr *dst, uint8_t ttl, bool ra, size_t msglen)
{
	size_t hlen = igmp_ip_hdrlen(ra), total = hlen + msglen;
	uint16_t sum;
	struct pkt_wr w;

	if (src->family != AF_INET || dst->family != AF_INET)
		return igmp_einval();
	if (total > UINT16_MAX || total > len) {
		errno = EMSGSIZE;
		return -1;
	}
	pkt_wr_init(&w, buf, hlen);
	pkt_put8(&w, (uint8_t)(0x40 | hlen / 4));
	pkt_put8(&w, 0xc0);
	pkt_put16(&w, (uint16_t)total);
	pkt_put16(&w, 0);		/* identification */
	pkt_put16(&w, 0);		/* flags, fragment offset */
	pkt_put8(&w, ttl);
	pkt_put8(&w, IPPROTO_IGMP);
	pkt_put16(&w, 0);		/* header checksum */
	pkt_put_addr(&w, AF_INET, src);
	pkt_put_addr(&w, AF_INET, dst);
	if (ra) {
		pkt_put8(&w, IPOPT_RA_TYPE);
		pkt_put8(&w, IPOPT_RA_LEN);
		pkt_put16(&w, 0);
	}
	sum = cksum_in(buf, hlen);
	buf[10] = (uint8_t)(sum >> 8);
	buf[11] = (uint8_t)sum;
	return (ssize_t)total;
}
