/*
 * ttlprobe.c - streams that arrive with a TTL (hop limit) too low to be
 * routed
 *
 * One packet socket per family (SOCK_DGRAM, so the data starts at the
 * IP header), bound to ETH_P_IP or ETH_P_IPV6: sockets bound to one
 * protocol are fed on the receive path only, so the probe costs nothing
 * on transmit.  A classic BPF filter in the kernel passes only what the
 * probe wants, cut to the fixed header; everything else never reaches
 * user space:
 *
 *   IPv4: received (not sent, not looped back), version 4, destination
 *         in 224.0.0.0/4 but not the link-local 224.0.0.0/24, TTL <= 1,
 *         protocol not IGMP (IGMPv1/v2 reports go to the group itself
 *         with TTL 1);
 *   IPv6: received, version 6, destination ff00::/8 of scope above
 *         link-local (not ffx0, ffx1, ffx2), hop limit <= 1, next header
 *         neither Hop-by-Hop (MLD is sent behind a Router Alert, MLDv1
 *         reports to the group itself) nor ICMPv6.
 *
 * Only flows that arrive on an interface with a VIF (MIF for IPv6) are
 * remembered and counted: those are the ones an operator expects the
 * daemon to route, and a LAN's own TTL-1 chatter on other interfaces
 * would only be noise in `diagnose` and in the log.
 *
 * Reading is budgeted: at most TTLPROBE_BUDGET packets per family in
 * each window of TTLPROBE_PAUSE_MS; when the budget is spent the socket
 * is left alone until the window ends, and the kernel drops what does
 * not fit its small receive buffer.  A flood therefore costs a bounded
 * amount of CPU, and the counts are samples of what arrived (exact
 * below 320 packets per second per family).
 *
 * The notice for a flow is repeated at most every TTLPROBE_LOG_MS while
 * the flow stays in the table, and all notices together are limited to
 * TTLPROBE_LOGWIN_MAX a minute (then one line counts those left out), so
 * that many flows, or a table that churns, cannot fill the log.
 */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/ip.h>
#include <netinet/ip6.h>
#include <sys/socket.h>
#include <event2/event.h>

#include "evloop.h"
#include "iface.h"
#include "log.h"
#include "ttlprobe.h"

#define TTLPROBE_BUDGET		32	/* packets read per window */
#define TTLPROBE_PAUSE_MS	100	/* the window */
#define TTLPROBE_RCVBUF		(16 * 1024)
#define TTLPROBE_LOG_MS		(10 * 60 * 1000)	/* per flow */
#define TTLPROBE_LOGWIN_MS	(60 * 1000)
#define TTLPROBE_LOGWIN_MAX	10	/* notices per TTLPROBE_LOGWIN_MS */

struct ttlprobe_slot {
	struct ttlprobe_flow	 f;
	int64_t			 logged_ms;	/* last notice, or -1 */
	int			 held;		/* counted as not logged */
	int			 used;
};

struct ttlprobe_sock {
	int			 family;
	int			 fd;
	struct event		*ev;		/* readable */
	struct event		*resume;	/* end of a spent window */
	uint64_t		 win_start;
	int			 win_count;
	uint64_t		 total;
};

/*
 * The table is small and searched only for the sampled packets (at most
 * 2 * TTLPROBE_BUDGET per window), so a scan costs less than a tree.
 */
static struct ttlprobe_slot	 flows[TTLPROBE_FLOWS];
static struct ttlprobe_sock	 socks[2] = {
	{ .family = AF_INET, .fd = -1 },
	{ .family = AF_INET6, .fd = -1 },
};
/* All notices together, so that a scan of many flows is not a flood. */
static struct {
	int64_t			 start;
	int			 count;
	unsigned long		 suppressed;
} logwin;

/*
 * IPv4 filter, on the packet from its IP header.  SKF_AD_PKTTYPE:
 * PACKET_HOST, _BROADCAST and _MULTICAST (0-2) arrived for this host;
 * PACKET_OTHERHOST (3: to another host's MAC, or a VLAN tag stripped
 * without a VLAN device) is dropped by IP input anyway, and
 * PACKET_OUTGOING (4) and PACKET_LOOPBACK (5) are our own.
 */
static struct sock_filter filter4[] = {
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SKF_AD_OFF + SKF_AD_PKTTYPE),
	BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, PACKET_OTHERHOST, 10, 0),
	BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 0),			/* version */
	BPF_STMT(BPF_ALU | BPF_AND | BPF_K, 0xf0),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x40, 0, 7),
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 16),			/* dst */
	BPF_STMT(BPF_ALU | BPF_AND | BPF_K, 0xffffff00),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0xe0000000, 4, 0),	/* 224/24 */
	BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x10000000, 3, 0),	/* >= 240 */
	BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0xe0000000, 0, 2),	/* < 224 */
	BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 8),			/* TTL */
	BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, 1, 0, 1),
	BPF_STMT(BPF_RET | BPF_K, 0),				/* drop */
	BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 9),			/* proto */
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, IPPROTO_IGMP, 0, 1),
	BPF_STMT(BPF_RET | BPF_K, 0),
	BPF_STMT(BPF_RET | BPF_K, 20),		/* the fixed header */
};

/* IPv6 filter, on the packet from its IPv6 header. */
static struct sock_filter filter6[] = {
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SKF_AD_OFF + SKF_AD_PKTTYPE),
	BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, PACKET_OTHERHOST, 12, 0),
	BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 0),			/* version */
	BPF_STMT(BPF_ALU | BPF_AND | BPF_K, 0xf0),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x60, 0, 9),
	BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 24),			/* dst[0] */
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0xff, 0, 7),
	BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 25),			/* flags|scope */
	BPF_STMT(BPF_ALU | BPF_AND | BPF_K, 0x0f),
	BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, 2, 0, 4),
	BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 7),			/* hop limit */
	BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, 1, 2, 0),
	BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 6),			/* next header */
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 1),		/* Hop-by-Hop */
	BPF_STMT(BPF_RET | BPF_K, 0),				/* drop */
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, IPPROTO_ICMPV6, 0, 1),
	BPF_STMT(BPF_RET | BPF_K, 0),
	BPF_STMT(BPF_RET | BPF_K, 40),		/* the fixed header */
};

static void	ttlprobe_readable(int, short, void *);
static void	ttlprobe_resume(int, short, void *);

static const char *
ttlprobe_famname(int family)
{
	return family == AF_INET6 ? "IPv6" : "IPv4";
}

static int
ttlprobe_open(struct ttlprobe_sock *ps)
{
	struct sockaddr_ll sll;
	struct sock_fprog prog;
	int proto, rcvbuf = TTLPROBE_RCVBUF;

	if (ps->family == AF_INET6) {
		proto = htons(ETH_P_IPV6);
		prog.len = sizeof(filter6) / sizeof(filter6[0]);
		prog.filter = filter6;
	} else {
		proto = htons(ETH_P_IP);
		prog.len = sizeof(filter4) / sizeof(filter4[0]);
		prog.filter = filter4;
	}
	/*
	 * Protocol 0 at socket(): nothing is queued before the filter is
	 * attached; bind() below starts the delivery.
	 */
	ps->fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (ps->fd < 0)
		return -1;
	if (setsockopt(ps->fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog,
	    sizeof(prog)) ||
	    setsockopt(ps->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
	    sizeof(rcvbuf)))
		goto fail;
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = (uint16_t)proto;
	sll.sll_ifindex = 0;		/* every interface */
	if (bind(ps->fd, (struct sockaddr *)&sll, sizeof(sll)))
		goto fail;
	ps->ev = event_new(evbase, ps->fd, EV_READ | EV_PERSIST,
	    ttlprobe_readable, ps);
	ps->resume = evtimer_new(evbase, ttlprobe_resume, ps);
	if (!ps->ev || !ps->resume || event_add(ps->ev, NULL)) {
		errno = ENOMEM;
		goto fail;
	}
	return 0;
fail:
	{
		int e = errno;

		if (ps->ev)
			event_free(ps->ev);
		if (ps->resume)
			event_free(ps->resume);
		ps->ev = ps->resume = NULL;
		close(ps->fd);
		ps->fd = -1;
		errno = e;
	}
	return -1;
}

int
ttlprobe_init(void)
{
	size_t i;
	int up = 0, err = 0;

	memset(flows, 0, sizeof(flows));
	memset(&logwin, 0, sizeof(logwin));
	logwin.start = -TTLPROBE_LOGWIN_MS;
	for (i = 0; i < sizeof(socks) / sizeof(socks[0]); i++) {
		socks[i].total = 0;
		socks[i].win_start = 0;
		socks[i].win_count = 0;
		if (ttlprobe_open(&socks[i]) == 0)
			up++;
		else
			err = errno;
	}
	if (up == 0) {
		errno = err;
		log_warn("TTL probe: cannot open a packet socket, streams "
		    "arriving with TTL 1 will not be reported");
		return -1;
	}
	if (err) {
		errno = err;
		log_warn("TTL probe: only one family watched");
	}
	return 0;
}

void
ttlprobe_exit(void)
{
	size_t i;

	for (i = 0; i < sizeof(socks) / sizeof(socks[0]); i++) {
		struct ttlprobe_sock *ps = &socks[i];

		if (ps->fd < 0)
			continue;
		event_free(ps->ev);
		event_free(ps->resume);
		ps->ev = ps->resume = NULL;
		close(ps->fd);
		ps->fd = -1;
		log_debug("TTL probe: %llu %s packets with TTL <= 1 counted",
		    (unsigned long long)ps->total, ttlprobe_famname(ps->family));
	}
}

uint64_t
ttlprobe_total(int family)
{
	return family == AF_INET6 ? socks[1].total :
	    family == AF_INET ? socks[0].total : 0;
}

/* The slot of a flow, or the least recently seen (or a free) one. */
static struct ttlprobe_slot *
ttlprobe_slot(int ifindex, const struct inet_addr *src,
    const struct inet_addr *grp, int *fresh)
{
	struct ttlprobe_slot *s, *lru = NULL;
	size_t i;

	for (i = 0; i < TTLPROBE_FLOWS; i++) {
		s = &flows[i];
		if (!s->used) {
			if (!lru || lru->used)
				lru = s;
			continue;
		}
		if (s->f.ifindex == ifindex && !inet_cmp(&s->f.src, src) &&
		    !inet_cmp(&s->f.grp, grp)) {
			*fresh = 0;
			return s;
		}
		if (!lru || (lru->used && s->f.last_ms < lru->f.last_ms))
			lru = s;
	}
	*fresh = 1;
	return lru;
}

static void
ttlprobe_seen(int family, int ifindex, const uint8_t *p, size_t len)
{
	struct inet_addr src, grp;
	struct ttlprobe_slot *s;
	struct iface *ifp;
	int64_t now;
	uint8_t ttl;
	int fresh;

	if (family == AF_INET) {
		struct in_addr a;

		if (len < 20)
			return;
		ttl = p[8];
		memcpy(&a, p + 12, sizeof(a));
		inet_from_v4(&src, a);
		memcpy(&a, p + 16, sizeof(a));
		inet_from_v4(&grp, a);
	} else {
		struct in6_addr a;

		if (len < 40)
			return;
		ttl = p[7];
		memcpy(&a, p + 8, sizeof(a));
		inet_from_v6(&src, &a);
		memcpy(&a, p + 24, sizeof(a));
		inet_from_v6(&grp, &a);
	}
	ifp = iface_find(ifindex);
	if (!ifp || iface_vif(ifp, family) == NO_VIF)
		return;

	socks[family == AF_INET6].total++;
	now = (int64_t)now_ms();
	s = ttlprobe_slot(ifindex, &src, &grp, &fresh);
	if (fresh) {
		memset(s, 0, sizeof(*s));
		s->used = 1;
		s->logged_ms = -1;
		s->f.ifindex = ifindex;
		s->f.src = src;
		s->f.grp = grp;
		s->f.first_ms = now;
	}
	s->f.ttl = ttl;
	s->f.pkts++;
	s->f.last_ms = now;

	if (s->logged_ms < 0 || now - s->logged_ms >= TTLPROBE_LOG_MS) {
		char sb[INET6_ADDRSTRLEN], gb[INET6_ADDRSTRLEN];

		if (now - logwin.start >= TTLPROBE_LOGWIN_MS) {
			if (logwin.suppressed)
				log_notice("TTL probe: %lu more streams "
				    "arrived with TTL 1 and were not logged "
				    "(at most %d a minute)", logwin.suppressed,
				    TTLPROBE_LOGWIN_MAX);
			logwin.start = now;
			logwin.count = 0;
			logwin.suppressed = 0;
		}
		if (logwin.count >= TTLPROBE_LOGWIN_MAX) {
			/* Not marked: it is logged when the window allows. */
			if (!s->held)
				logwin.suppressed++;
			s->held = 1;
			return;
		}
		logwin.count++;
		s->logged_ms = now;
		s->held = 0;
		log_notice("stream %s -> %s on %s arrives with TTL %u: not "
		    "routed (raise the sender's TTL)",
		    inet_str(&src, sb, sizeof(sb)),
		    inet_str(&grp, gb, sizeof(gb)), ifp->name, ttl);
	}
}

/* Start a window, or pause the socket until the spent one ends. */
static int
ttlprobe_window(struct ttlprobe_sock *ps)
{
	uint64_t now = now_ms();

	if (now - ps->win_start >= TTLPROBE_PAUSE_MS) {
		ps->win_start = now;
		ps->win_count = 0;
	}
	if (ps->win_count < TTLPROBE_BUDGET)
		return 0;
	event_del(ps->ev);
	evloop_timer_at(ps->resume, ps->win_start + TTLPROBE_PAUSE_MS);
	return -1;
}

static void
ttlprobe_readable(int fd, short what, void *arg)
{
	struct ttlprobe_sock *ps = arg;
	struct sockaddr_ll sll;
	socklen_t slen;
	uint8_t buf[64];
	ssize_t n;

	(void)what;
	while (ttlprobe_window(ps) == 0) {
		slen = sizeof(sll);
		n = recvfrom(fd, buf, sizeof(buf), MSG_TRUNC,
		    (struct sockaddr *)&sll, &slen);
		if (n < 0)
			break;		/* EAGAIN, or nothing we can mend */
		ps->win_count++;
		if (slen < offsetof(struct sockaddr_ll, sll_addr) ||
		    sll.sll_pkttype >= PACKET_OTHERHOST)
			continue;
		ttlprobe_seen(ps->family, sll.sll_ifindex, buf,
		    (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf));
	}
}

static void
ttlprobe_resume(int fd, short what, void *arg)
{
	struct ttlprobe_sock *ps = arg;

	(void)fd;
	(void)what;
	if (event_add(ps->ev, NULL))
		log_warnx("TTL probe: cannot resume reading");
	else
		ttlprobe_readable(ps->fd, EV_READ, ps);
}

int
ttlprobe_foreach(int (*cb)(const struct ttlprobe_flow *, void *), void *arg)
{
	const struct ttlprobe_slot *order[TTLPROBE_FLOWS];
	size_t i, j, n = 0;
	int rc;

	/* Most recent first: an insertion sort of at most 32. */
	for (i = 0; i < TTLPROBE_FLOWS; i++) {
		if (!flows[i].used)
			continue;
		for (j = n; j > 0 &&
		    order[j - 1]->f.last_ms < flows[i].f.last_ms; j--)
			order[j] = order[j - 1];
		order[j] = &flows[i];
		n++;
	}
	for (i = 0; i < n; i++)
		if ((rc = cb(&order[i]->f, arg)) != 0)
			return rc;
	return 0;
}
