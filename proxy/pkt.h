/*
 * pkt.h - IGMP and MLD packet codec, one neutral record for both
 *
 * igmp_decode() and mld_decode() check a received message and describe
 * it in a struct pkt_msg; everything above the codec (querier,
 * membership database, RFC 4605 proxy) reads only that record and is
 * shared by both families.  The codec is pure: no kernel calls, no
 * allocation, no global state.
 *
 * Memory: a decoded struct pkt_msg points into the caller's receive
 * buffer (source lists and group records are read from it on demand),
 * so the buffer must outlive the record.  Nothing is ever overlaid on
 * packet memory and no storage is sized from a packet field: every
 * read goes through the bounds-checked cursor below, and the whole
 * message (every record of a report, every source count) is validated
 * by the decoder before it returns PKT_OK, so a report is applied
 * either completely or not at all.
 *
 * IGMP and MLD name the same things differently.  The record uses the
 * IGMP words: "group" is the MLD "multicast address", "leave" is the
 * MLDv1 "done", "report v2" is also the MLDv1 report.  The neutral
 * compatibility level (pkt_msg.level) lines the two up: 1 = IGMPv1,
 * 2 = IGMPv2 or MLDv1, 3 = IGMPv3 or MLDv2 (RFC 3810 §8 maps MLDv1 onto
 * the IGMPv2 rules of RFC 3376 §7).
 */
#ifndef SMCR_PKT_H
#define SMCR_PKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

#include "inet.h"

/* Wire constants. */
#define IGMP_MEMBERSHIP_QUERY	0x11	/* RFC 3376 §4 */
#define IGMP_V1_REPORT		0x12	/* RFC 1112 appendix I */
#define IGMP_V2_REPORT		0x16	/* RFC 2236 §2.1 */
#define IGMP_V2_LEAVE		0x17	/* RFC 2236 §2.1 */
#define IGMP_V3_REPORT		0x22	/* RFC 3376 §4 */
#define IGMP_MRD_ADVERT		0x30	/* RFC 4286 §3 */
#define IGMP_MRD_SOLICIT	0x31	/* RFC 4286 §4 */
#define IGMP_MRD_TERMINATE	0x32	/* RFC 4286 §5 */
/* The ICMPv6 ones, as IANA assigned them. */
#define MLD_MRD_ADVERT		151
#define MLD_MRD_SOLICIT		152
#define MLD_MRD_TERMINATE	153

#define MLD_LISTENER_QUERY	130	/* RFC 2710 §3, RFC 3810 §5 */
#define MLD_V1_REPORT		131	/* RFC 2710 §3 */
#define MLD_V1_DONE		132	/* RFC 2710 §3 */
#define MLD_V2_REPORT		143	/* RFC 3810 §5 */

#define IPOPT_RA_TYPE		148	/* RFC 2113: copied, class 0, 20 */
#define IPOPT_RA_LEN		4
#define IP6OPT_RA_TYPE		5	/* RFC 2711 */

#define IGMP_MINLEN		8	/* v1/v2 message, v3 report header */
#define MRD_MINLEN		4	/* RFC 4286 §4-5: type, reserved, cksum */
#define MRD_ADVERT_MINLEN	8	/* RFC 4286 §3 */
#define IGMP_V3_QUERY_MINLEN	12	/* RFC 3376 §4.1 */
#define IGMP_V3_REC_MINLEN	8	/* RFC 3376 §4.2.4, no sources */
#define MLD_V1_LEN		24	/* RFC 2710 §3 */
#define MLD_V2_QUERY_MINLEN	28	/* RFC 3810 §5.1 */
#define MLD_V2_REPORT_MINLEN	8	/* RFC 3810 §5.2 */
#define MLD_V2_REC_MINLEN	20	/* RFC 3810 §5.2.4, no sources */

/* Largest values of the codes (RFC 3376 §4.1.1, §4.1.7, RFC 3810 §5.1.3). */
#define IGMP_MRC_MAX_MS		3174400u	/* 31744 tenths of a second */
#define MLD_MRC_MAX_MS		8387584u
#define PKT_QQIC_MAX_SEC	31744u

/* What a decoded message is. */
enum pkt_type {
	PKT_QUERY = 1,			/* any version */
	PKT_REPORT_V1,			/* IGMPv1 report */
	PKT_REPORT_V2,			/* IGMPv2 report, MLDv1 report */
	PKT_LEAVE_V2,			/* IGMPv2 leave, MLDv1 done */
	PKT_REPORT_V3,			/* IGMPv3 report, MLDv2 report */
	PKT_MRD_ADVERT,			/* RFC 4286 router advertisement */
	PKT_MRD_SOLICIT,		/* RFC 4286 router solicitation */
	PKT_MRD_TERMINATE,		/* RFC 4286 router termination */
};

/* Group record types: RFC 3376 §4.2.12 and RFC 3810 §5.2.12 agree. */
enum pkt_rec_type {
	PKT_MODE_IS_INCLUDE = 1,	/* IS_IN */
	PKT_MODE_IS_EXCLUDE,		/* IS_EX */
	PKT_CHANGE_TO_INCLUDE,		/* TO_IN */
	PKT_CHANGE_TO_EXCLUDE,		/* TO_EX */
	PKT_ALLOW_NEW_SOURCES,		/* ALLOW */
	PKT_BLOCK_OLD_SOURCES,		/* BLOCK */
};

/*
 * Why a received message was dropped, in the order the checks run.
 * Every value has a name for logs and `show igmp` and a key for JSON
 * counters.  PKT_DROP_TYPE is not an error: the raw IGMP socket also
 * carries DVMRP, PIMv1 and mtrace, the ICMPv6 socket carries all of
 * ICMPv6; it is counted but should not be logged as a fault.
 *
 * On a drop, pkt_msg.src, .dst and .ra are filled in as far as the
 * checks got (for the log line); nothing else in it is meaningful.
 */
enum pkt_drop {
	PKT_OK = 0,
	PKT_DROP_SHORT,		/* shorter than its fixed part */
	PKT_DROP_IP_HDR,	/* IPv4 header or options malformed */
	PKT_DROP_TYPE,		/* not a message this codec handles */
	PKT_DROP_TTL,		/* IPv4 TTL or IPv6 hop limit not 1 */
	PKT_DROP_NO_RA,		/* Router Alert missing where required */
	PKT_DROP_SRC,		/* IP source address not acceptable */
	PKT_DROP_CKSUM,		/* checksum does not verify */
	PKT_DROP_QUERY_LEN,	/* RFC 3376 §7.1, RFC 3810 §8.1 */
	PKT_DROP_QUERY_NSRC,	/* query source count exceeds packet */
	PKT_DROP_GROUP,		/* not multicast, or general with sources */
	PKT_DROP_REC_TRUNC,	/* record header past end (count) */
	PKT_DROP_REC_NSRC,	/* record source count exceeds packet */
	PKT_DROP_AUX_LEN,	/* record aux data exceeds packet */
	PKT_DROP_SRC_ADDR,	/* multicast or unspecified as a source */
	PKT_DROP_DST,		/* not to the group the type is sent to */
	PKT_DROP_MAX
};

/*
 * Receive policy flags.  By default the Router Alert option is required
 * where the RFCs make its absence a reason to ignore the message:
 * IGMPv3 queries and reports (RFC 3376 §9.1-9.3) and every MLD message
 * (RFC 2710 §3 and RFC 3810 §5 put it on every MLD message from the
 * start, so no conforming listener omits it).  IGMPv1 predates the
 * option (RFC 1112) and IGMPv2 hosts were deployed without it before
 * RFC 2236 §2 asked for it, so v1/v2 messages are accepted without it.
 * The receiver takes the flags from the interface's router-alert
 * setting (pif_rx_flags(), pconf.h): switches that strip the option
 * would otherwise hide every IGMPv3 and MLD host.
 */
#define PKT_RX_RA_ALL		0x01	/* require RA on every message */
#define PKT_RX_RA_NONE		0x02	/* never require RA (overrides) */

/*
 * A list of source addresses inside a decoded message: n addresses of
 * the family's length from base, all within the message.
 */
struct pkt_srcs {
	const uint8_t		*base;
	uint16_t		 n;
	sa_family_t		 family;
};

/* The query part of a decoded message. */
struct pkt_query {
	uint32_t		 mrt_ms;	/* max response time */
	uint16_t		 mrc;		/* raw code from the wire */
	bool			 sflag;		/* suppress router side */
	uint8_t			 qrv;		/* 0-7; 0: above 7 */
	uint32_t		 qqi;		/* seconds; 0: absent */
	struct pkt_srcs		 srcs;		/* v3 only, else n = 0 */
};

/*
 * A decoded, validated message.  Fields not meaningful for the type
 * are zero (addresses: the family's unspecified address).
 *
 * version is the protocol version on the wire (IGMP 1-3, MLD 1-2);
 * level the neutral compatibility level (1-3, see the top).  src may
 * be the unspecified address for reports and leaves (see igmp.c and
 * mld.c): it never identifies a host then.  dst is not checked: RFC
 * 3376 §4.1.12 and §4.2.14 and RFC 3810 §5.1.15 and §5.2.14 have
 * receivers accept any of their own addresses.
 *
 * msg/msglen are the IGMP or ICMPv6 message inside the caller's buffer
 * (the checksummed length; for IGMP the IP total length minus the
 * header, so link-layer padding is excluded).
 */
struct pkt_msg {
	sa_family_t		 family;	/* AF_INET or AF_INET6 */
	enum pkt_type		 type;
	uint8_t			 version;
	uint8_t			 level;
	struct inet_addr	 src;
	struct inet_addr	 dst;
	bool			 ra;		/* Router Alert present */

	/* QUERY: any for a general query; REPORT_V1/V2, LEAVE_V2. */
	struct inet_addr	 group;
	struct pkt_query	 q;		/* QUERY only */

	/* MRD_ADVERT (RFC 4286 §3): seconds; the querier's QI and RV. */
	uint8_t			 mrd_interval;
	uint16_t		 mrd_qi;
	uint16_t		 mrd_rv;

	/* REPORT_V3: walk with pkt_rec_iter_init()/pkt_rec_next(). */
	uint16_t		 nrec;		/* in header, all valid */
	uint16_t		 nrec_unknown;	/* of those, skipped */
	uint32_t		 nsrc_total;	/* in known records */

	const uint8_t		*msg;
	size_t			 msglen;
	size_t			 rec_off;	/* first record */
};

/* One group record of a v3 report. */
struct pkt_rec {
	enum pkt_rec_type	 type;
	struct inet_addr	 group;
	struct pkt_srcs		 srcs;
};

/* Walks the records of a decoded report; skips unknown record types. */
struct pkt_rec_iter {
	const uint8_t		*msg;
	size_t			 len;
	size_t			 off;
	uint16_t		 left;
	sa_family_t		 family;
};

/*
 * What to send in a query.  The times are rounded down to the nearest
 * code; sflag, qrv (above 7 sent as 0, RFC 3376 §4.1.6), qqi and the
 * sources are for v3 (IGMPv3, MLDv2) only.  Split long source lists
 * with igmp_query_max_srcs() / mld_query_max_srcs().
 */
struct pkt_query_tx {
	uint8_t			 version;	/* IGMP 1-3, MLD 1-2 */
	struct inet_addr	 group;		/* any/AF_UNSPEC: general */
	uint32_t		 mrt_ms;
	bool			 sflag;
	uint8_t			 qrv;
	uint32_t		 qqi;		/* seconds */
	const struct inet_addr	*src;
	size_t			 nsrc;
};

/*
 * One group record to send in a v3 report.  type is not restricted to
 * enum pkt_rec_type and auxlen (32-bit words of zero aux data) is
 * nonzero only in tests: RFC 3376 §4.2.6 forbids sending aux data.
 */
struct pkt_rec_tx {
	uint8_t			 type;
	struct inet_addr	 group;
	const struct inet_addr	*src;
	size_t			 nsrc;
	uint8_t			 auxlen;
};

/*
 * What mld_decode() needs from the socket layer: addresses from
 * IPV6_PKTINFO and the source address, the hop limit from
 * IPV6_HOPLIMIT (-1 if missing), the Hop-by-Hop Options header from
 * IPV6_HOPOPTS as the kernel passes it (NULL if none), in which the
 * decoder looks for the Router Alert.
 */
struct mld_rxinfo {
	struct inet_addr	 src;
	struct inet_addr	 dst;
	int			 hlim;
	const uint8_t		*hbh;
	size_t			 hbhlen;
};

/* pkt.c: shared by both families */
const char	*pkt_drop_name(enum pkt_drop);
const char	*pkt_drop_key(enum pkt_drop);
bool		 pkt_drop_is_error(enum pkt_drop);
const char	*pkt_type_name(enum pkt_type);
/* RFC 3376 §6.4 short names: "IS_IN", ... ; "?" for unknown. */
const char	*pkt_rec_name(int type);

/* Source i of a list (0-based); false if i is out of range. */
bool		 pkt_srcs_get(const struct pkt_srcs *, size_t i,
		    struct inet_addr *);
/*
 * Copy up to max sources into out (for consumers that take an array,
 * such as mdb_record()); returns the number copied.  A buffer sized for
 * the largest message the socket reads holds every list: at most
 * (65535 - 8) / 4 IPv4 or 65535 / 16 IPv6 sources fit any message.
 */
size_t		 pkt_srcs_copy(const struct pkt_srcs *, struct inet_addr *out,
		    size_t max);
void		 pkt_rec_iter_init(struct pkt_rec_iter *,
		    const struct pkt_msg *);
bool		 pkt_rec_next(struct pkt_rec_iter *, struct pkt_rec *);

/*
 * QQIC (RFC 3376 §4.1.7, RFC 3810 §5.1.9): one byte, < 128 literal,
 * else 1|exp(3)|mant(4) meaning (mant | 0x10) << (exp + 3) seconds.
 * Encoding rounds down to the nearest representable value and clamps
 * at PKT_QQIC_MAX_SEC.
 */
uint32_t	 pkt_qqic_to_sec(uint8_t);
uint8_t		 pkt_sec_to_qqic(uint32_t);

/* cksum.c: RFC 1071 Internet checksum */

/*
 * Add len bytes to a running one's complement sum.  Chunks other than
 * the last must have an even length.
 */
uint32_t	 cksum_add(uint32_t sum, const void *, size_t len);
/* Fold and complement: the value to store, big-endian, in the field. */
uint16_t	 cksum_fold(uint32_t sum);
/* Checksum of a buffer; a buffer with a correct checksum gives 0. */
uint16_t	 cksum_in(const void *, size_t len);
/* ICMPv6 checksum with the RFC 8200 §8.1 pseudo-header (next header 58). */
uint16_t	 cksum_icmp6(const struct in6_addr *src,
		    const struct in6_addr *dst, const void *, size_t len);

/* igmp.c */

/*
 * Decode an IPv4 packet as read from a raw IGMP socket (IP header and
 * options first).  Checks, in order: length, IP header, type, TTL,
 * Router Alert, source address, checksum, message body.
 */
enum pkt_drop	 igmp_decode(struct pkt_msg *, const uint8_t *pkt, size_t len,
		    unsigned int flags);
/* Encoders return the message length, or -1 with errno EINVAL/EMSGSIZE. */
ssize_t		 igmp_query_encode(uint8_t *, size_t,
		    const struct pkt_query_tx *);
/* type: PKT_REPORT_V1, PKT_REPORT_V2 or PKT_LEAVE_V2 */
ssize_t		 igmp_report_encode(uint8_t *, size_t, enum pkt_type,
		    const struct inet_addr *group);
ssize_t		 igmp_report3_encode(uint8_t *, size_t,
		    const struct pkt_rec_tx *, size_t nrec);
/* Sources of a v3 query that fit an IP packet of mtu bytes with RA. */
size_t		 igmp_query_max_srcs(size_t mtu);
/*
 * IPv4 header (with Router Alert if ra) for an IGMP message of msglen
 * bytes already placed at buf + igmp_ip_hdrlen(ra).  For crafting
 * packets (tests, benchmarks, IP_HDRINCL senders).
 */
size_t		 igmp_ip_hdrlen(bool ra);
ssize_t		 igmp_ip_encode(uint8_t *, size_t, const struct inet_addr *src,
		    const struct inet_addr *dst, uint8_t ttl, bool ra,
		    size_t msglen);
/* IGMPv3 Max Resp Code (RFC 3376 §4.1.1) <-> milliseconds. */
uint32_t	 igmp_mrc_to_ms(uint8_t);
uint8_t		 igmp_ms_to_mrc(uint32_t);

/* mld.c */

/*
 * Decode an ICMPv6 message as read from a raw ICMPv6 socket; the IPv6
 * header facts come from ancillary data in rx.  Checks, in order:
 * length, type, hop limit, Router Alert, source address, checksum,
 * message body.
 */
enum pkt_drop	 mld_decode(struct pkt_msg *, const uint8_t *msg, size_t len,
		    const struct mld_rxinfo *rx, unsigned int flags);
/*
 * Encoders: with src and dst the ICMPv6 checksum is filled in (raw
 * ICMPv6 sockets recompute it anyway); with NULL it is left zero.
 */
ssize_t		 mld_query_encode(uint8_t *, size_t,
		    const struct pkt_query_tx *, const struct inet_addr *src,
		    const struct inet_addr *dst);
/* type: PKT_REPORT_V2 (MLDv1 report) or PKT_LEAVE_V2 (done) */
ssize_t		 mld_report_encode(uint8_t *, size_t, enum pkt_type,
		    const struct inet_addr *group,
		    const struct inet_addr *src, const struct inet_addr *dst);
ssize_t		 mld_report2_encode(uint8_t *, size_t,
		    const struct pkt_rec_tx *, size_t nrec,
		    const struct inet_addr *src, const struct inet_addr *dst);
/* Sources of an MLDv2 query that fit an IPv6 packet of mtu bytes. */
size_t		 mld_query_max_srcs(size_t mtu);
/*
 * Does a Hop-by-Hop Options header (IPV6_HOPOPTS ancillary data: next
 * header, length, options) carry a Router Alert option?
 */
bool		 mld_hbh_has_ra(const uint8_t *, size_t len);
/* MLDv2 Maximum Response Code (RFC 3810 §5.1.3) <-> milliseconds. */
uint32_t	 mld_mrc_to_ms(uint16_t);
uint16_t	 mld_ms_to_mrc(uint32_t);

/*
 * Codec internals, shared by igmp.c and mld.c so that the v3 parts of
 * both protocols (identical but for the address length) have one
 * implementation.
 */

/* Read cursor; invariant off <= len.  A failed read moves nothing. */
struct pkt_cur {
	const uint8_t		*p;
	size_t			 len;
	size_t			 off;
};

/* Write cursor; a write that does not fit sets err and writes nothing. */
struct pkt_wr {
	uint8_t			*p;
	size_t			 len;
	size_t			 off;
	bool			 err;
};

static inline void
pkt_cur_init(struct pkt_cur *c, const uint8_t *p, size_t len)
{
	c->p = p;
	c->len = len;
	c->off = 0;
}

static inline size_t
pkt_cur_left(const struct pkt_cur *c)
{
	return c->len - c->off;
}

static inline bool
pkt_cur_skip(struct pkt_cur *c, size_t n)
{
	if (pkt_cur_left(c) < n)
		return false;
	c->off += n;
	return true;
}

static inline bool
pkt_get8(struct pkt_cur *c, uint8_t *v)
{
	if (pkt_cur_left(c) < 1)
		return false;
	*v = c->p[c->off++];
	return true;
}

static inline bool
pkt_get16(struct pkt_cur *c, uint16_t *v)
{
	if (pkt_cur_left(c) < 2)
		return false;
	*v = (uint16_t)(c->p[c->off] << 8 | c->p[c->off + 1]);
	c->off += 2;
	return true;
}

/* 4 (AF_INET) or 16 (AF_INET6) bytes into a struct inet_addr. */
static inline bool
pkt_get_addr(struct pkt_cur *c, sa_family_t family, struct inet_addr *a)
{
	size_t alen = family == AF_INET6 ? 16 : 4;

	if (pkt_cur_left(c) < alen)
		return false;
	inet_any(a, family);
	memcpy(a->u.bytes, c->p + c->off, alen);
	c->off += alen;
	return true;
}

static inline void
pkt_wr_init(struct pkt_wr *w, uint8_t *p, size_t len)
{
	w->p = p;
	w->len = len;
	w->off = 0;
	w->err = false;
}

static inline void
pkt_put(struct pkt_wr *w, const void *v, size_t n)
{
	if (w->err || w->len - w->off < n) {
		w->err = true;
		return;
	}
	if (v)
		memcpy(w->p + w->off, v, n);
	else
		memset(w->p + w->off, 0, n);
	w->off += n;
}

static inline void
pkt_put8(struct pkt_wr *w, uint8_t v)
{
	pkt_put(w, &v, 1);
}

static inline void
pkt_put16(struct pkt_wr *w, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	pkt_put(w, b, 2);
}

/* Bytes of an address of the family; the caller checks the family. */
static inline void
pkt_put_addr(struct pkt_wr *w, sa_family_t family, const struct inet_addr *a)
{
	pkt_put(w, a->u.bytes, family == AF_INET6 ? 16 : 4);
}

/* Generic RFC 3376 §4.1.1 / RFC 3810 §5.1.3 float: mbits of mantissa. */
uint32_t	 pkt_fp_decode(uint32_t code, unsigned int mbits);
uint32_t	 pkt_fp_encode(uint32_t val, unsigned int mbits);

/*
 * The v3 query tail after the group (Resv|S|QRV, QQIC, Number of
 * Sources, sources) and the v3 report body after the header.  The
 * cursor stands at the start of the part; the message is already
 * checksummed.
 */
enum pkt_drop	 pkt_query3_parse(struct pkt_cur *, sa_family_t,
		    struct pkt_msg *);
enum pkt_drop	 pkt_report3_parse(struct pkt_cur *, sa_family_t,
		    uint16_t nrec, struct pkt_msg *);
/* Writers: false for arguments that cannot be encoded (EINVAL). */
bool		 pkt_query3_write(struct pkt_wr *, sa_family_t,
		    const struct pkt_query_tx *);
bool		 pkt_report3_write(struct pkt_wr *, sa_family_t,
		    const struct pkt_rec_tx *, size_t nrec);
/* Is a is a valid group for the family (multicast, right family)? */
bool		 pkt_group_ok(const struct inet_addr *, sa_family_t);

#endif /* SMCR_PKT_H */
