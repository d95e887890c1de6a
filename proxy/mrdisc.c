/*
 * mrdisc.c - Multicast Router Discovery (RFC 4286), IPv4 and IPv6
 *
 * On each interface with "phyint IF mrdisc" the daemon announces
 * itself as a multicast router, so that IGMP and MLD snooping switches
 * forward all multicast towards it: Advertisements to All-Snoopers
 * (224.0.0.106, ff02::6a) every interval (three quick ones at start),
 * an Advertisement in answer to a Solicitation (decoded by io.c like
 * any other message), and a Termination when it stops.  Each family
 * the kernel routes has its own timers on the interface; the IPv6
 * messages are ICMPv6 from the link-local address, like MLD.
 *
 * The answers to Solicitations have their own timer: a flood of them
 * never postpones the periodic Advertisements.  Solicitations heard
 * while an answer is pending are answered by it, and no two messages
 * go out less than 1/MaxMessageRate apart (section 3.1.6), so whatever
 * arrives, at most 10 Advertisements a second are sent.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <event2/event.h>

#include "evloop.h"
#include "iface.h"
#include "kern.h"
#include "log.h"
#include "pif.h"
#include "proxy.h"

#define MRD_INITIAL_COUNT	3	/* MaxInitialAdvertisements */
#define MRD_INITIAL_MS		2000	/* MaxInitialAdvertisementInterval */
#define MRD_MIN_GAP_MS		100	/* MaxMessageRate: 10 a second */
#define MRD_ANSWER_MS		400	/* answers: random delay below */
#define MRD_TENTATIVE_MS	1000	/* retry while the source is tentative */
#define MRD_TENTATIVE_MAX	10

/* One per interface and family. */
struct mrd {
	LIST_ENTRY(mrd)	 entry;
	int		 family;
	int		 ifindex;
	char		 name[IFNAMSIZ];
	int		 initial;	/* quick advertisements left */
	int		 tentative;	/* initial ones retried (IPv6 DAD) */
	bool		 mark;
	struct event	*ev;		/* periodic advertisements */
	struct event	*answer_ev;	/* the answer to solicitations */
	uint64_t	 last_tx;	/* when the last message went */
	struct mrdisc_stats st;
};

static LIST_HEAD(, mrd) mrds = LIST_HEAD_INITIALIZER(mrds);
static int interval = MRDISC_INTERVAL_DEFAULT;

static const char *
mrd_proto(const struct mrd *m)
{
	return m->family == AF_INET6 ? "MRD6" : "MRD";
}

/* Solicitations go to All-Routers (§4), which the socket must join. */
static const char *
mrd_routers(int family)
{
	return family == AF_INET6 ? "ff02::2" : "224.0.0.2";
}

/*
 * §3: the Query Interval and Robustness Variable of IGMP (MLD) on the
 * interface where the daemon is its querier, else 0.
 */
static void
mrd_querier(const struct mrd *m, unsigned int *qi, unsigned int *rv)
{
	const struct pif *p = pif_find(m->family, m->ifindex);

	*qi = *rv = 0;
	if (p && (p->role & PIF_DOWN) && p->qstate == Q_QUERIER) {
		*qi = pif_qi(p) / 1000;
		*rv = pif_robustness(p);
	}
}

/* IPv6 messages leave from the link-local address (see io_send()). */
static int
mrd_src6(const struct mrd *m, struct inet_addr *src)
{
	const struct iface *ifp = iface_find(m->ifindex);

	if (!ifp || IN6_IS_ADDR_UNSPECIFIED(&ifp->ll6)) {
		errno = EADDRNOTAVAIL;
		return -1;
	}
	inet_from_v6(src, &ifp->ll6);
	return 0;
}

/*
 * An Advertisement (§3) or a Termination (§5) to All-Snoopers.  IPv4
 * is checksummed here; the kernel fills in the ICMPv6 checksum, which
 * covers the pseudo-header.  The IPv4 Termination keeps the eight
 * octets it always had; the ICMPv6 one is the bare four of §5.
 * Returns 0, or -1 with errno.
 */
static int
mrd_send(struct mrd *m, bool advert)
{
	static const struct inet_addr snoopers4 = { .family = AF_INET,
	    .u.bytes = { 224, 0, 0, 106 } };
	static const struct inet_addr snoopers6 = { .family = AF_INET6,
	    .u.bytes = { 0xff, 0x02, [15] = 0x6a } };
	unsigned int qi, rv;
	uint8_t msg[MRD_ADVERT_MINLEN];
	size_t len = sizeof(msg);
	struct inet_addr src;
	uint16_t sum;
	int rc;

	memset(msg, 0, sizeof(msg));
	if (m->family == AF_INET6)
		msg[0] = advert ? MLD_MRD_ADVERT : MLD_MRD_TERMINATE;
	else
		msg[0] = advert ? IGMP_MRD_ADVERT : IGMP_MRD_TERMINATE;
	if (advert) {
		mrd_querier(m, &qi, &rv);
		msg[1] = (uint8_t)interval;
		msg[4] = (uint8_t)(qi >> 8);
		msg[5] = (uint8_t)qi;
		msg[6] = (uint8_t)(rv >> 8);
		msg[7] = (uint8_t)rv;
	} else if (m->family == AF_INET6) {
		len = MRD_MINLEN;
	}
	m->last_tx = now_ms();
	if (m->family == AF_INET6) {
		rc = mrd_src6(m, &src);
		if (rc == 0)
			rc = io_send(AF_INET6, m->ifindex, &src, &snoopers6,
			    msg, len);
	} else {
		sum = cksum_in(msg, len);	/* big-endian value */
		msg[2] = (uint8_t)(sum >> 8);
		msg[3] = (uint8_t)sum;
		rc = io_send(AF_INET, m->ifindex, NULL, &snoopers4, msg, len);
	}
	if (rc == 0 && advert)
		m->st.adverts++;
	return rc;
}

/* A tentative (DAD) or missing link-local address: IPv6 must wait. */
static bool
mrd_tentative(const struct mrd *m, int err)
{
	return m->family == AF_INET6 && (err == EADDRNOTAVAIL ||
	    err == EINVAL);
}

/* Random milliseconds in [0, max). */
static uint32_t
mrd_random(uint32_t max)
{
	return max ? arc4random_uniform(max) : 0;
}

static void
mrd_schedule_ev(struct event *ev, uint32_t ms)
{
	struct timeval tv = { (time_t)(ms / 1000),
	    (suseconds_t)(ms % 1000) * 1000 };

	evtimer_add(ev, &tv);
}

static void
mrd_schedule(struct mrd *m, uint32_t ms)
{
	mrd_schedule_ev(m->ev, ms);
}

/* Milliseconds until a message may go out, by MaxMessageRate. */
static uint32_t
mrd_gap(const struct mrd *m)
{
	uint64_t now = now_ms();

	if (m->last_tx == 0 || now >= m->last_tx + MRD_MIN_GAP_MS)
		return 0;
	return (uint32_t)(m->last_tx + MRD_MIN_GAP_MS - now);
}

static void
mrd_answer(evutil_socket_t fd, short what, void *arg)
{
	struct mrd *m = arg;
	uint32_t gap;

	(void)fd;
	(void)what;
	if ((gap = mrd_gap(m)) > 0) {
		mrd_schedule_ev(m->answer_ev, gap);
		return;
	}
	if (mrd_send(m, true))
		log_warn("[%s %s] cannot answer a solicitation", mrd_proto(m),
		    m->name);
	else
		m->st.answers++;
}

static void
mrd_timer(evutil_socket_t fd, short what, void *arg)
{
	struct mrd *m = arg;
	uint32_t next, jitter, gap;

	(void)fd;
	(void)what;
	if ((gap = mrd_gap(m)) > 0) {
		mrd_schedule(m, gap);
		return;
	}
	if (mrd_send(m, true)) {
		/* Like the querier's first query: not lost to DAD. */
		if (m->initial > 0 && mrd_tentative(m, errno) &&
		    m->tentative < MRD_TENTATIVE_MAX) {
			m->tentative++;
			mrd_schedule(m, MRD_TENTATIVE_MS);
			return;
		}
		/* No IPv6 on the link is no fault: quiet. */
		if (mrd_tentative(m, errno))
			log_debug("[%s %s] no link-local address to send from",
			    mrd_proto(m), m->name);
		else
			log_warn("[%s %s] cannot send an advertisement",
			    mrd_proto(m), m->name);
	}
	if (m->initial > 0 && --m->initial > 0) {
		next = mrd_random(MRD_INITIAL_MS);
	} else {
		/* §3.1.2: AdvertisementJitter, 0.025 of the interval. */
		jitter = (uint32_t)interval * 25;
		next = (uint32_t)interval * 1000 - jitter + mrd_random(2 *
		    jitter);
	}
	mrd_schedule(m, next < MRD_MIN_GAP_MS ? MRD_MIN_GAP_MS : next);
}

/* A few interfaces at most: a list will do. */
static struct mrd *
mrd_find(int family, int ifindex)
{
	struct mrd *m;

	LIST_FOREACH(m, &mrds, entry)
		if (m->family == family && m->ifindex == ifindex)
			return m;
	return NULL;
}

static void
mrd_stop(struct mrd *m, bool terminate)
{
	if (terminate && mrd_send(m, false))
		log_warn("[%s %s] cannot send a termination", mrd_proto(m),
		    m->name);
	/* Also when the interface is gone: the count must drop. */
	io_leave(m->family, m->ifindex, mrd_routers(m->family));
	log_info("[%s %s] stopped", mrd_proto(m), m->name);
	LIST_REMOVE(m, entry);
	event_free(m->ev);
	event_free(m->answer_ev);
	free(m);
}

static void
mrd_start(const struct iface *ifp, int family)
{
	struct mrd *m;

	if (!(m = calloc(1, sizeof(*m))))
		return;
	m->family = family;
	m->ifindex = ifp->ifindex;
	strlcpy(m->name, ifp->name, sizeof(m->name));
	m->initial = MRD_INITIAL_COUNT;
	m->ev = evtimer_new(evbase, mrd_timer, m);
	m->answer_ev = evtimer_new(evbase, mrd_answer, m);
	if (!m->ev || !m->answer_ev) {
		if (m->ev)
			event_free(m->ev);
		if (m->answer_ev)
			event_free(m->answer_ev);
		free(m);
		return;
	}
	LIST_INSERT_HEAD(&mrds, m, entry);
	io_join(family, m->ifindex, mrd_routers(family));
	mrd_schedule(m, mrd_random(MRD_INITIAL_MS));
	log_info("[%s %s] advertising every %d s", mrd_proto(m), m->name,
	    interval);
}

/* Each family whose routing socket is open: the messages go out on it. */
void
mrdisc_apply(void)
{
	static const int families[] = { AF_INET, AF_INET6 };
	struct mrd *m, *next;
	struct iface *ifp;
	size_t i;

	LIST_FOREACH(m, &mrds, entry)
		m->mark = true;
	IFACE_FOREACH(ifp) {
		if (!ifp->mrdisc || ifp->disabled)
			continue;
		for (i = 0; i < sizeof(families) / sizeof(families[0]); i++) {
			if (!kern_available(families[i]))
				continue;
			if ((m = mrd_find(families[i], ifp->ifindex)))
				m->mark = false;
			else
				mrd_start(ifp, families[i]);
		}
	}
	LIST_FOREACH_SAFE(m, &mrds, entry, next)
		if (m->mark)
			mrd_stop(m, iface_find(m->ifindex) != NULL);
}

void
mrdisc_solicit(int family, int ifindex)
{
	struct mrd *m = mrd_find(family, ifindex);

	if (!m)
		return;
	m->st.solicits++;
	/* One answer for all the solicitations heard before it goes. */
	if (evtimer_pending(m->answer_ev, NULL))
		return;
	/* Soon, randomised so that several routers do not collide. */
	mrd_schedule_ev(m->answer_ev, mrd_random(MRD_ANSWER_MS));
}

const struct mrdisc_stats *
mrdisc_stats(int family, int ifindex)
{
	struct mrd *m = mrd_find(family, ifindex);

	return m ? &m->st : NULL;
}

void
mrdisc_init(int secs)
{
	LIST_INIT(&mrds);
	interval = secs;
}

void
mrdisc_exit(void)
{
	struct mrd *m;

	while ((m = LIST_FIRST(&mrds)))
		mrd_stop(m, true);
}
