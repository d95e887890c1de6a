/*
 * io.c - the proxy's messages in and out
 *
 * IGMP and MLD travel on the kernel's multicast routing sockets (kern.c,
 * which passes up what it receives without reading it): messages leave
 * with TTL/hop limit 1, the Router Alert option, TOS 0xc0 (IPv4) and no
 * local loopback; the kernel adds the IP header.  What arrives is
 * decoded (pkt.h) and handed on by type: RFC 4286 solicitations to
 * mrdisc (the ICMPv6 ones checked here, as the MLD codec does not know
 * them), queries to the querier, reports to the membership database
 * after the acl.  IGMP from outside the interface's IPv4 subnets is
 * dropped (RFC 3376 section 9.1; MLD's link-local sources are checked
 * by the decoder).  Every drop is counted by reason on the interface;
 * records over the database's limits are logged once a minute at most.
 *
 * Reports and leaves go to link-scope groups, which reach a socket only
 * as a member; the joins are counted per interface and group, since
 * the querier and mrdisc may both need one.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/icmp6.h>
#include <netinet/ip.h>
#include <sys/socket.h>
#include <sys/tree.h>

#include "evloop.h"
#include "iface.h"
#include "kern.h"
#include "log.h"
#include "pif.h"

#define IO_LOG_PERIOD	60000	/* ms between messages about limits */

/* A link-scope group joined on an interface, and how many need it. */
struct iojoin {
	RB_ENTRY(iojoin) entry;
	int		 family;
	int		 ifindex;
	struct inet_addr grp;
	int		 refs;
};

RB_HEAD(iojoin_tree, iojoin);

static int
iojoin_cmp(struct iojoin *a, struct iojoin *b)
{
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	if (a->ifindex != b->ifindex)
		return a->ifindex < b->ifindex ? -1 : 1;
	return inet_cmp(&a->grp, &b->grp);
}

RB_GENERATE_STATIC(iojoin_tree, iojoin, entry, iojoin_cmp)

static struct iojoin_tree iojoins = RB_INITIALIZER(&iojoins);

/* IPv6: hop limit 1, Router Alert (RFC 2711, MLD) in a Hop-by-Hop header. */
static int
io_init6(int fd)
{
	const uint8_t hbh[8] = { 0, 0, 5, 2, 0, 0, 1, 0 };
	int hops = 1, loop = 0;

	if (setsockopt(fd, IPPROTO_IPV6, IPV6_HOPOPTS, hbh, sizeof(hbh)) ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops,
	    sizeof(hops)) ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, &loop,
	    sizeof(loop))) {
		log_warn("MLD: cannot set up the sending socket");
		return -1;
	}
	return 0;
}

static int
io_sock_init(int family)
{
	/* RFC 2113 Router Alert: type 148, length 4, value 0. */
	const unsigned char ra[4] = { 148, 4, 0, 0 };
	int fd = kern_fd(family), ttl = 1, loop = 0, tos = 0xc0;

	if (fd < 0) {
		errno = EAFNOSUPPORT;
		return -1;
	}
	if (family == AF_INET6)
		return io_init6(fd);
	if (setsockopt(fd, IPPROTO_IP, IP_OPTIONS, ra, sizeof(ra)) ||
	    setsockopt(fd, IPPROTO_IP, IP_MULTICAST_TTL, &ttl, sizeof(ttl)) ||
	    setsockopt(fd, IPPROTO_IP, IP_MULTICAST_LOOP, &loop,
	    sizeof(loop)) ||
	    setsockopt(fd, IPPROTO_IP, IP_TOS, &tos, sizeof(tos))) {
		log_warn("IGMP: cannot set up the sending socket");
		return -1;
	}
	return 0;
}

static int
io_member(int family, int ifindex, const struct inet_addr *grp, int join)
{
	int fd = kern_fd(family);

	if (fd < 0) {
		errno = EAFNOSUPPORT;
		return -1;
	}
	if (family == AF_INET) {
		struct ip_mreqn mreq;

		memset(&mreq, 0, sizeof(mreq));
		mreq.imr_multiaddr = grp->u.v4;
		mreq.imr_ifindex = ifindex;
		return setsockopt(fd, IPPROTO_IP, join ? IP_ADD_MEMBERSHIP :
		    IP_DROP_MEMBERSHIP, &mreq, sizeof(mreq));
	} else {
		struct ipv6_mreq mreq;

		memset(&mreq, 0, sizeof(mreq));
		mreq.ipv6mr_multiaddr = grp->u.v6;
		mreq.ipv6mr_interface = (unsigned int)ifindex;
		return setsockopt(fd, IPPROTO_IPV6, join ? IPV6_JOIN_GROUP :
		    IPV6_LEAVE_GROUP, &mreq, sizeof(mreq));
	}
}

int
io_join(int family, int ifindex, const char *group)
{
	struct iojoin key, *j;

	memset(&key, 0, sizeof(key));
	key.family = family;
	key.ifindex = ifindex;
	if (inet_pton_any(group, &key.grp) || key.grp.family != family) {
		errno = EINVAL;
		return -1;
	}
	if ((j = RB_FIND(iojoin_tree, &iojoins, &key))) {
		j->refs++;
		return 0;
	}
	if (!(j = calloc(1, sizeof(*j))))
		return -1;
	*j = key;
	j->refs = 1;
	if (io_member(family, ifindex, &j->grp, 1) && errno != EADDRINUSE) {
		log_warn("%s: cannot join %s on ifindex %d",
		    family == AF_INET6 ? "MLD" : "IGMP", group, ifindex);
		free(j);
		return -1;
	}
	RB_INSERT(iojoin_tree, &iojoins, j);
	return 0;
}

void
io_leave(int family, int ifindex, const char *group)
{
	struct iojoin key, *j;

	memset(&key, 0, sizeof(key));
	key.family = family;
	key.ifindex = ifindex;
	if (inet_pton_any(group, &key.grp) ||
	    !(j = RB_FIND(iojoin_tree, &iojoins, &key)) || --j->refs > 0)
		return;
	/* Gone with its interface: nothing to leave. */
	if (io_member(family, ifindex, &j->grp, 0) && errno != EADDRNOTAVAIL &&
	    errno != ENODEV && errno != EINVAL)
		log_warn("%s: cannot leave %s on ifindex %d",
		    family == AF_INET6 ? "MLD" : "IGMP", group, ifindex);
	RB_REMOVE(iojoin_tree, &iojoins, j);
	free(j);
}

/*
 * Loop our messages back to this host on an interface that is upstream
 * and downstream at once: there the kernel holds the upstream
 * memberships, and when we are the querier of that link it must hear
 * our queries to report them, or the upstream router, no longer
 * querying, lets them expire.  Elsewhere the host need not hear them.
 */
static int
io_loop(int family, int ifindex, int on)
{
	const struct pif *p = pif_find(family, ifindex);
	int fd = kern_fd(family);

	if (!p || (p->role & (PIF_UP | PIF_DOWN)) != (PIF_UP | PIF_DOWN))
		return 0;
	if (family == AF_INET6)
		return setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, &on,
		    sizeof(on));
	return setsockopt(fd, IPPROTO_IP, IP_MULTICAST_LOOP, &on, sizeof(on));
}

static int io_send1(int, int, const struct inet_addr *,
    const struct inet_addr *, const void *, size_t);

/*
 * Send msg out of ifindex.  IPv6 names the source too: MLD messages
 * must come from the link-local address (RFC 3810 §5), whatever the
 * destination's scope.
 */
int
io_send(int family, int ifindex, const struct inet_addr *src,
    const struct inet_addr *dst, const void *msg, size_t len)
{
	int rc, e;

	if (io_loop(family, ifindex, 1))
		return -1;
	rc = io_send1(family, ifindex, src, dst, msg, len);
	e = errno;
	io_loop(family, ifindex, 0);
	errno = e;
	return rc;
}

static int
io_send1(int family, int ifindex, const struct inet_addr *src,
    const struct inet_addr *dst, const void *msg, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sslen;
	int fd = kern_fd(family);

	if (fd < 0) {
		errno = EAFNOSUPPORT;
		return -1;
	}
	sslen = inet_to_sa(dst, &ss, 0);
	if (family == AF_INET) {
		struct ip_mreqn mreq;

		memset(&mreq, 0, sizeof(mreq));
		mreq.imr_ifindex = ifindex;
		if (setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &mreq,
		    sizeof(mreq)))
			return -1;
		if (sendto(fd, msg, len, MSG_DONTWAIT, (struct sockaddr *)&ss,
		    sslen) != (ssize_t)len)
			return -1;
		return 0;
	} else {
		char cbuf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
		struct iovec iov = { (void *)(uintptr_t)msg, len };
		struct msghdr mh = {
			.msg_name = &ss, .msg_namelen = sslen,
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
		};
		struct in6_pktinfo pi;
		struct cmsghdr *cm;

		memset(cbuf, 0, sizeof(cbuf));
		memset(&pi, 0, sizeof(pi));
		pi.ipi6_ifindex = (unsigned int)ifindex;
		if (src)
			pi.ipi6_addr = src->u.v6;
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = IPPROTO_IPV6;
		cm->cmsg_type = IPV6_PKTINFO;
		cm->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
		if (sendmsg(fd, &mh, MSG_DONTWAIT) != (ssize_t)len)
			return -1;
		return 0;
	}
}

/*
 * A record over a limit, logged once a minute at most per kind (rl):
 * records dropped, hosts not tracked.
 */
static void
io_limit_log(struct pif *p, struct log_rl *rl, const struct mdb_rec *r,
    const char *why)
{
	char h[INET6_ADDRSTRLEN], g[INET6_ADDRSTRLEN];
	long n;

	if ((n = log_rl(rl, now_ms(), IO_LOG_PERIOD)) < 0)
		return;
	log_warnx("[%s %s] %s record from %s for %s: %s (%ld more in the "
	    "last minute; see show igmp)", pif_proto(p), p->name,
	    mdb_rec_str[r->type], inet_str(&r->host, h, sizeof(h)),
	    inet_str(&r->group, g, sizeof(g)), why, n);
}

/* Filter a record's sources through the acl, then apply it. */
static void
io_record(struct pif *p, struct mdb_rec *r, struct inet_addr *srcs)
{
	const struct mdb_stats *st;
	uint64_t untracked;
	enum mdb_res res;
	size_t i, n = 0;

	if (!acl_permit(p, NULL, &r->group)) {
		p->drop_acl++;
		return;
	}
	/* Sources asked for (not excluded ones) must be allowed. */
	if (r->type == MDB_IS_IN || r->type == MDB_TO_IN ||
	    r->type == MDB_ALLOW) {
		for (i = 0; i < r->nsrc; i++) {
			if (acl_permit(p, &srcs[i], &r->group))
				srcs[n++] = srcs[i];
			else
				p->drop_acl++;
		}
		r->nsrc = n;
	}
	r->srcs = srcs;
	st = mdb_if_stats(p->mdb);
	untracked = st->untracked_hosts + st->untracked_srcs;
	res = mdb_record(p->mdb, r, now_ms());
	if (res == MDB_APPLIED)
		log_debug("[%s %s] %s %s", pif_proto(p), p->name,
		    mdb_rec_str[r->type], mdb_last_row(p->mdb));
	if (res == MDB_DROP_LIMIT_IF || res == MDB_DROP_LIMIT_HOST ||
	    res == MDB_DROP_LIMIT_SRC || res == MDB_DROP_NOMEM)
		io_limit_log(p, &p->rl_limit, r, mdb_res_str[res]);
	else if (st->untracked_hosts + st->untracked_srcs != untracked)
		io_limit_log(p, &p->rl_untrack, r, "host not tracked, over "
		    "max-hosts or max-sources");
}


/* A report, leave or v3 report from a host on p's link. */
static void
io_report(struct pif *p, const struct pkt_msg *m, size_t len)
{
	struct inet_addr *srcs;
	struct pkt_rec_iter it;
	struct pkt_rec pr;
	struct mdb_rec r;
	size_t max;

	memset(&r, 0, sizeof(r));
	r.host = m->src;
	r.group = m->group;
	switch (m->type) {
	case PKT_REPORT_V1:
	case PKT_REPORT_V2:
		p->rx[RX_REPORT_V1 + m->version - 1]++;
		r.type = m->type == PKT_REPORT_V1 ? MDB_V1_REPORT :
		    MDB_V2_REPORT;
		io_record(p, &r, NULL);
		break;
	case PKT_LEAVE_V2:
		p->rx[RX_LEAVE]++;
		r.type = MDB_V2_LEAVE;
		io_record(p, &r, NULL);
		break;
	case PKT_REPORT_V3:
		p->rx[RX_REPORT_V1 + m->version - 1]++;
		max = len / 4 + 1;	/* bounded by the packet */
		if (!(srcs = calloc(max, sizeof(*srcs))))
			return;
		pkt_rec_iter_init(&it, m);
		while (pkt_rec_next(&it, &pr)) {
			r.type = (enum mdb_rec_type)pr.type;
			r.group = pr.group;
			r.nsrc = pkt_srcs_copy(&pr.srcs, srcs, max);
			io_record(p, &r, srcs);
		}
		free(srcs);
		break;
	default:
		return;
	}
	pif_drain(p);
}

/*
 * RFC 3376 section 9.1: a report from off the subnet is ignored, and so
 * here is a query, which could otherwise win the querier election from
 * anywhere.  Counted, and logged once a minute at most.
 */
static bool
io_on_link(struct pif *p, const struct pkt_msg *m)
{
	const struct iface *ifp = iface_find(p->ifindex);
	char a[INET6_ADDRSTRLEN];
	long n;

	if (!ifp || iface_on_link4(ifp, m->src.u.v4))
		return true;
	p->drop_off_subnet++;
	if ((n = log_rl(&p->rl_offlink, now_ms(), IO_LOG_PERIOD)) >= 0)
		log_warnx("[%s %s] %s from %s, not on the interface's subnets: "
		    "dropped (%ld more in the last minute)", pif_proto(p),
		    p->name, m->type == PKT_QUERY ? "query" : "report",
		    inet_str(&m->src, a, sizeof(a)), n);
	return false;
}

/* A message dropped on p (NULL: not a downstream interface) from src. */
static void
io_drop(struct pif *p, enum pkt_drop drop, const struct inet_addr *src)
{
	char a[INET6_ADDRSTRLEN];

	if (!p)
		return;
	p->drops[drop]++;
	if (pkt_drop_is_error(drop))
		log_debug("[%s %s] dropped message from %s: %s", pif_proto(p),
		    p->name, inet_str(src, a, sizeof(a)), pkt_drop_name(drop));
}

/*
 * An ICMPv6 Multicast Router Solicitation (RFC 4286 §4), checked in
 * the MLD codec's order: length, hop limit 1, source (link-local, or
 * unspecified as IPv4 allows), destination All-Routers, checksum over
 * the pseudo-header.  The Router Alert is not required, as for IPv4.
 */
static enum pkt_drop
io_mrd6_check(const uint8_t *msg, size_t len, const struct kern_rxinfo *rx)
{
	static const struct inet_addr routers = { .family = AF_INET6,
	    .u.bytes = { 0xff, 0x02, [15] = 0x02 } };

	if (len < MRD_MINLEN)
		return PKT_DROP_SHORT;
	if (rx->hlim != 1)
		return PKT_DROP_TTL;
	if (rx->src.family != AF_INET6 ||
	    (!IN6_IS_ADDR_LINKLOCAL(&rx->src.u.v6) &&
	    !IN6_IS_ADDR_UNSPECIFIED(&rx->src.u.v6)))
		return PKT_DROP_SRC;
	if (inet_cmp(&rx->dst, &routers))
		return PKT_DROP_DST;
	if (cksum_icmp6(&rx->src.u.v6, &rx->dst.u.v6, msg, len) != 0)
		return PKT_DROP_CKSUM;
	return PKT_OK;
}

/*
 * A packet from a routing socket: IGMP with its IPv4 header, or ICMPv6
 * with the IPv6 header's facts in rx.  Upstream, the kernel's host stack
 * answers; only downstream interfaces and mrdisc listen.
 */
static void
io_input(int family, const uint8_t *pkt, size_t len,
    const struct kern_rxinfo *rx)
{
	struct pif *p = pif_find(family, rx->ifindex);
	enum pkt_drop drop;
	struct pkt_msg m;
	unsigned int flags;

	if (p && !(p->role & PIF_DOWN))
		p = NULL;
	flags = p ? pif_rx_flags(p) : 0;
	if (family == AF_INET6 && len > 0 && pkt[0] == MLD_MRD_SOLICIT) {
		if ((drop = io_mrd6_check(pkt, len, rx)) != PKT_OK)
			io_drop(p, drop, &rx->src);
		else
			mrdisc_solicit(AF_INET6, rx->ifindex);
		return;
	}
	if (family == AF_INET6) {
		struct mld_rxinfo mrx;

		mrx.src = rx->src;
		mrx.dst = rx->dst;
		mrx.hlim = rx->hlim;
		mrx.hbh = rx->hbh;
		mrx.hbhlen = rx->hbhlen;
		drop = mld_decode(&m, pkt, len, &mrx, flags);
	} else {
		drop = igmp_decode(&m, pkt, len, flags);
	}
	if (drop != PKT_OK) {
		io_drop(p, drop, &m.src);
		return;
	}
	if (m.type == PKT_MRD_SOLICIT) {
		mrdisc_solicit(family, rx->ifindex);
		return;
	}
	if (!p || (!inet_is_any(&p->addr) && !inet_cmp(&m.src, &p->addr)))
		return;	/* not ours to hear, or our own */
	if (family == AF_INET && !inet_is_any(&m.src) && !io_on_link(p, &m))
		return;
	if (!m.ra)
		p->ra_missing_ok++;
	if (m.type == PKT_QUERY)
		querier_heard(p, &m);
	else
		io_report(p, &m, len);
}

void
io_init(void)
{
	/*
	 * The ICMPv6 the proxy hears: MLD (RFC 2710, RFC 3810) and the
	 * RFC 4286 solicitations; other routers' advertisements and
	 * terminations are for snoopers, not us.
	 */
	static const uint8_t icmp6[] = {
		MLD_LISTENER_QUERY, MLD_V1_REPORT, MLD_V1_DONE, MLD_V2_REPORT,
		MLD_MRD_SOLICIT,
	};

	RB_INIT(&iojoins);
	if (kern_available(AF_INET))
		io_sock_init(AF_INET);
	if (kern_available(AF_INET6))
		io_sock_init(AF_INET6);
	kern_rx_register(io_input, icmp6, sizeof(icmp6));
}

void
io_exit(void)
{
	struct iojoin *j, *next;

	kern_rx_register(NULL, NULL, 0);
	RB_FOREACH_SAFE(j, iojoin_tree, &iojoins, next) {
		RB_REMOVE(iojoin_tree, &iojoins, j);
		free(j);
	}
}
