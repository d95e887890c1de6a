/*
 * mld.c - MLDv1/v2 decode and encode
 *
 * The decoder takes the ICMPv6 message as a raw ICMPv6 socket delivers
 * it; the kernel strips the IPv6 header, so the source, destination,
 * hop limit and the Hop-by-Hop Router Alert come from ancillary data
 * (IPV6_PKTINFO, IPV6_HOPLIMIT, IPV6_HOPOPTS) in struct mld_rxinfo.
 * MLD is defined in RFC 2710 (v1), RFC 3810 / RFC 9777 (v2) and
 * RFC 3590 (source addresses).
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <netinet/in.h>

#include "pkt.h"

/* IPv6 header, then a Hop-by-Hop header with Router Alert and PadN. */
#define IP6_HDRLEN		40
#define IP6_HBH_RA_LEN		8

uint32_t
mld_mrc_to_ms(uint16_t code)
{
	/* RFC 3810 §5.1.3: milliseconds, float form from 32768. */
	return pkt_fp_decode(code, 12);
}

uint16_t
mld_ms_to_mrc(uint32_t ms)
{
	return (uint16_t)pkt_fp_encode(ms, 12);
}

/*
 * Walk the options of a Hop-by-Hop header (RFC 8200 §4.2-4.3) for a
 * Router Alert (RFC 2711: type 5, length 2, value 0 = the datagram
 * contains an MLD message).
 */
bool
mld_hbh_has_ra(const uint8_t *p, size_t len)
{
	struct pkt_cur c;
	uint8_t type, olen;
	size_t hlen;

	if (len < 2)
		return false;
	hlen = ((size_t)p[1] + 1) * 8;
	if (hlen > len)
		return false;
	pkt_cur_init(&c, p, hlen);
	if (!pkt_cur_skip(&c, 2))	/* next header, length */
		return false;
	while (pkt_get8(&c, &type)) {
		if (type == 0)			/* Pad1 */
			continue;
		if (!pkt_get8(&c, &olen) || pkt_cur_left(&c) < olen)
			return false;
		if (type == IP6OPT_RA_TYPE && olen == 2 &&
		    c.p[c.off] == 0 && c.p[c.off + 1] == 0)
			return true;
		c.off += olen;
	}
	return false;
}

/*
 * Source addresses: every MLD message is sent from a link-local
 * address (RFC 2710 §3, RFC 3810 §5).  Reports may come from the
 * unspecified address while the sender's link-local address is still
 * tentative (RFC 3810 §5.2.13, and RFC 3590 §4 for MLDv1); queries
 * from anything but a link-local address MUST be discarded (RFC 3810
 * §5.1.14).  Done messages are not covered by the exception.
 */
static bool
mld_src_ok(const struct inet_addr *src, uint8_t type)
{
	if (src->family != AF_INET6)
		return false;
	if (IN6_IS_ADDR_LINKLOCAL(&src->u.v6))
		return true;
	if (IN6_IS_ADDR_UNSPECIFIED(&src->u.v6))
		return type == MLD_V1_REPORT || type == MLD_V2_REPORT;
	return false;
}

/*
 * Query version by RFC 3810 §8.1: 24 octets is MLDv1, 28 or more is
 * MLDv2, any other length MUST be silently ignored.
 */
static enum pkt_drop
mld_query_parse(struct pkt_cur *c, struct pkt_msg *m)
{
	struct inet_addr group;
	uint16_t code;

	/* type, code, checksum; Max Resp Code; reserved; group */
	if (!pkt_cur_skip(c, 4) || !pkt_get16(c, &code) ||
	    !pkt_cur_skip(c, 2) || !pkt_get_addr(c, AF_INET6, &group))
		return PKT_DROP_SHORT;
	m->type = PKT_QUERY;
	m->q.mrc = code;
	if (!inet_is_any(&group) && !inet_is_multicast(&group))
		return PKT_DROP_GROUP;
	m->group = group;
	if (m->msglen == MLD_V1_LEN) {
		/* RFC 2710 §3.4: plain milliseconds. */
		m->version = 1;
		m->level = 2;
		m->q.mrt_ms = code;
		return PKT_OK;
	}
	if (m->msglen < MLD_V2_QUERY_MINLEN)
		return PKT_DROP_QUERY_LEN;
	m->version = 2;
	m->level = 3;
	m->q.mrt_ms = mld_mrc_to_ms(code);
	return pkt_query3_parse(c, AF_INET6, m);
}

/* MLDv1 report and done: 24 octets, group at offset 8 (RFC 2710 §3). */
static enum pkt_drop
mld_v1_parse(struct pkt_cur *c, uint8_t type, struct pkt_msg *m)
{
	if (!pkt_cur_skip(c, 8) || !pkt_get_addr(c, AF_INET6, &m->group))
		return PKT_DROP_SHORT;
	if (!inet_is_multicast(&m->group))
		return PKT_DROP_GROUP;
	m->type = type == MLD_V1_REPORT ? PKT_REPORT_V2 : PKT_LEAVE_V2;
	m->version = 1;
	m->level = 2;
	return PKT_OK;
}

/* RFC 3810 §5.2: Type, Reserved, Checksum, Reserved(16), Nr of Records. */
static enum pkt_drop
mld_report2_parse(struct pkt_cur *c, struct pkt_msg *m)
{
	uint16_t nrec;

	if (!pkt_cur_skip(c, 6) || !pkt_get16(c, &nrec))
		return PKT_DROP_SHORT;
	m->type = PKT_REPORT_V3;
	m->version = 2;
	m->level = 3;
	return pkt_report3_parse(c, AF_INET6, nrec, m);
}

enum pkt_drop
mld_decode(struct pkt_msg *m, const uint8_t *msg, size_t len,
    const struct mld_rxinfo *rx, unsigned int flags)
{
	struct pkt_cur c;
	size_t minlen;
	uint8_t type;

	memset(m, 0, sizeof(*m));
	m->family = AF_INET6;
	m->src = rx->src;
	m->dst = rx->dst;
	inet_any(&m->group, AF_INET6);
	m->ra = rx->hbh && mld_hbh_has_ra(rx->hbh, rx->hbhlen);
	m->msg = msg;
	m->msglen = len;

	/* ICMPv6 header, then the type and its fixed part. */
	if (len < 4)
		return PKT_DROP_SHORT;
	type = msg[0];
	switch (type) {
	case MLD_LISTENER_QUERY:
	case MLD_V1_REPORT:
	case MLD_V1_DONE:
		minlen = MLD_V1_LEN;
		break;
	case MLD_V2_REPORT:
		minlen = MLD_V2_REPORT_MINLEN;
		break;
	default:
		return PKT_DROP_TYPE;
	}
	if (len < minlen)
		return PKT_DROP_SHORT;

	/* Hop limit 1 and Router Alert (RFC 2710 §3, RFC 3810 §5). */
	if (rx->hlim != 1)
		return PKT_DROP_TTL;
	if (!(flags & PKT_RX_RA_NONE) && !m->ra)
		return PKT_DROP_NO_RA;
	if (!mld_src_ok(&m->src, type) || m->dst.family != AF_INET6)
		return PKT_DROP_SRC;
	if (cksum_icmp6(&m->src.u.v6, &m->dst.u.v6, msg, len) != 0)
		return PKT_DROP_CKSUM;

	pkt_cur_init(&c, msg, len);
	switch (type) {
	case MLD_LISTENER_QUERY:
		return mld_query_parse(&c, m);
	case MLD_V2_REPORT:
		return mld_report2_parse(&c, m);
	default:
		return mld_v1_parse(&c, type, m);
	}
}

static ssize_t
mld_einval(void)
{
	errno = EINVAL;
	return -1;
}

static ssize_t
mld_finish(struct pkt_wr *w, const struct inet_addr *src,
    const struct inet_addr *dst)
{
	uint16_t sum;

	if (w->err) {
		errno = EMSGSIZE;
		return -1;
	}
	if (src && dst) {
		if (src->family != AF_INET6 || dst->family != AF_INET6)
			return mld_einval();
		sum = cksum_icmp6(&src->u.v6, &dst->u.v6, w->p, w->off);
		w->p[2] = (uint8_t)(sum >> 8);
		w->p[3] = (uint8_t)sum;
	}
	return (ssize_t)w->off;
}

ssize_t
mld_query_encode(uint8_t *buf, size_t len, const struct pkt_query_tx *q,
    const struct inet_addr *src, const struct inet_addr *dst)
{
	struct inet_addr group;
	struct pkt_wr w;
	uint32_t code;

	if (q->group.family == AF_UNSPEC)
		inet_any(&group, AF_INET6);
	else if (q->group.family == AF_INET6 &&
	    (inet_is_any(&q->group) || inet_is_multicast(&q->group)))
		group = q->group;
	else
		return mld_einval();
	if (q->version < 1 || q->version > 2)
		return mld_einval();
	if (q->version == 1 && q->nsrc > 0)
		return mld_einval();
	if (q->nsrc > 0 && inet_is_any(&group))
		return mld_einval();
	if (q->version == 1)
		code = q->mrt_ms > UINT16_MAX ? UINT16_MAX : q->mrt_ms;
	else
		code = mld_ms_to_mrc(q->mrt_ms);

	pkt_wr_init(&w, buf, len);
	pkt_put8(&w, MLD_LISTENER_QUERY);
	pkt_put8(&w, 0);
	pkt_put16(&w, 0);		/* checksum */
	pkt_put16(&w, (uint16_t)code);
	pkt_put16(&w, 0);		/* reserved */
	pkt_put_addr(&w, AF_INET6, &group);
	if (q->version == 2 && !pkt_query3_write(&w, AF_INET6, q))
		return mld_einval();
	return mld_finish(&w, src, dst);
}

ssize_t
mld_report_encode(uint8_t *buf, size_t len, enum pkt_type type,
    const struct inet_addr *group, const struct inet_addr *src,
    const struct inet_addr *dst)
{
	struct pkt_wr w;
	uint8_t code;

	if (type == PKT_REPORT_V2)
		code = MLD_V1_REPORT;
	else if (type == PKT_LEAVE_V2)
		code = MLD_V1_DONE;
	else
		return mld_einval();
	if (group->family != AF_INET6)
		return mld_einval();
	pkt_wr_init(&w, buf, len);
	pkt_put8(&w, code);
	pkt_put8(&w, 0);
	pkt_put16(&w, 0);		/* checksum */
	pkt_put16(&w, 0);		/* max response delay: 0 in reports */
	pkt_put16(&w, 0);		/* reserved */
	pkt_put_addr(&w, AF_INET6, group);
	return mld_finish(&w, src, dst);
}

/* Records are written as given, as for igmp_report3_encode(). */
ssize_t
mld_report2_encode(uint8_t *buf, size_t len, const struct pkt_rec_tx *recs,
    size_t nrec, const struct inet_addr *src, const struct inet_addr *dst)
{
	struct pkt_wr w;

	pkt_wr_init(&w, buf, len);
	pkt_put8(&w, MLD_V2_REPORT);
	pkt_put8(&w, 0);
	pkt_put16(&w, 0);		/* checksum */
	pkt_put16(&w, 0);		/* reserved */
	if (!pkt_report3_write(&w, AF_INET6, recs, nrec))
		return mld_einval();
	return mld_finish(&w, src, dst);
}

/* Sources that fit: mtu - IPv6 header - HBH with RA - 28 octets of query. */
size_t
mld_query_max_srcs(size_t mtu)
{
	size_t fixed = IP6_HDRLEN + IP6_HBH_RA_LEN + MLD_V2_QUERY_MINLEN, n;

	if (mtu < fixed)
		return 0;
	n = (mtu - fixed) / 16;
	return n > UINT16_MAX ? UINT16_MAX : n;
}
