/*
 * mrdisc.c - Multicast Router Discovery (RFC 4286), IPv4
 *
 * On each interface with "phyint IF mrdisc" the daemon announces
 * itself as a multicast router, so that IGMP snooping switches forward
 * all multicast towards it: Advertisements to 224.0.0.106 every
 * interval (three quick ones at start), an Advertisement in answer to
 * a Solicitation (decoded by io.c like any other message), and a
 * Termination when it stops.
 *
 * The answers to Solicitations have their own timer: a flood of them
 * never postpones the periodic Advertisements.  Solicitations heard
 * while an answer is pending are answered by it, and no two messages
 * go out less than 1/MaxMessageRate apart (section 3.1.6), so whatever
 * arrives, at most 10 Advertisements a second are sent.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <event2/event.h>

#include "evloop.h"
#include "iface.h"
#include "log.h"
#include "pif.h"
#include "proxy.h"

#define MRD_INITIAL_COUNT	3	/* MaxInitialAdvertisements */
#define MRD_INITIAL_MS		2000	/* MaxInitialAdvertisementInterval */
#define MRD_MIN_GAP_MS		100	/* MaxMessageRate: 10 a second */
#define MRD_ANSWER_MS		400	/* answers: random delay below */

struct mrd {
	LIST_ENTRY(mrd)	 entry;
	int		 ifindex;
	char		 name[IFNAMSIZ];
	int		 initial;	/* quick advertisements left */
	bool		 mark;
	struct event	*ev;		/* periodic advertisements */
	struct event	*answer_ev;	/* the answer to solicitations */
	uint64_t	 last_tx;	/* when the last message went */
	struct mrdisc_stats st;
};

static LIST_HEAD(, mrd) mrds = LIST_HEAD_INITIALIZER(mrds);
static int interval = MRDISC_INTERVAL_DEFAULT;

static void
mrd_send(struct mrd *m, int type)
{
	static const struct inet_addr snoopers = { .family = AF_INET,
	    .u.bytes = { 224, 0, 0, 106 } };
	unsigned int qi = 0, rv = 0;
	uint8_t msg[8];
	uint16_t sum;

	/* §3: the querier's values where we are the querier, else 0. */
	if (type == IGMP_MRD_ADVERT)
		querier_params(m->ifindex, &qi, &rv);
	memset(msg, 0, sizeof(msg));
	msg[0] = (uint8_t)type;
	msg[1] = type == IGMP_MRD_ADVERT ? (uint8_t)interval : 0;
	if (type == IGMP_MRD_ADVERT) {
		msg[4] = (uint8_t)(qi >> 8);
		msg[5] = (uint8_t)qi;
		msg[6] = (uint8_t)(rv >> 8);
		msg[7] = (uint8_t)rv;
	}
	sum = cksum_in(msg, sizeof(msg));	/* big-endian value */
	msg[2] = (uint8_t)(sum >> 8);
	msg[3] = (uint8_t)sum;
	m->last_tx = now_ms();
	if (io_send(AF_INET, m->ifindex, NULL, &snoopers, msg, sizeof(msg)))
		log_warn("[MRD %s] cannot send", m->name);
	else if (type == IGMP_MRD_ADVERT)
		m->st.adverts++;
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
	mrd_send(m, IGMP_MRD_ADVERT);
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
	mrd_send(m, IGMP_MRD_ADVERT);
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

static struct mrd *
mrd_find(int ifindex)
{
	struct mrd *m;

	LIST_FOREACH(m, &mrds, entry)
		if (m->ifindex == ifindex)
			return m;
	return NULL;
}

static void
mrd_stop(struct mrd *m, bool terminate)
{
	if (terminate) {
		mrd_send(m, IGMP_MRD_TERMINATE);
		io_leave(AF_INET, m->ifindex, "224.0.0.2");
	}
	log_info("[MRD %s] stopped", m->name);
	LIST_REMOVE(m, entry);
	event_free(m->ev);
	event_free(m->answer_ev);
	free(m);
}

void
mrdisc_apply(void)
{
	struct mrd *m, *next;
	struct iface *ifp;

	LIST_FOREACH(m, &mrds, entry)
		m->mark = true;
	IFACE_FOREACH(ifp) {
		if (!ifp->mrdisc || ifp->disabled)
			continue;
		if ((m = mrd_find(ifp->ifindex))) {
			m->mark = false;
			continue;
		}
		if (!(m = calloc(1, sizeof(*m))))
			continue;
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
			continue;
		}
		LIST_INSERT_HEAD(&mrds, m, entry);
		/* Solicitations go to All-Routers (§4). */
		io_join(AF_INET, m->ifindex, "224.0.0.2");
		mrd_schedule(m, mrd_random(MRD_INITIAL_MS));
		log_info("[MRD %s] advertising every %d s", m->name, interval);
	}
	LIST_FOREACH_SAFE(m, &mrds, entry, next)
		if (m->mark)
			mrd_stop(m, iface_find(m->ifindex) != NULL);
}

void
mrdisc_solicit(int ifindex)
{
	struct mrd *m = mrd_find(ifindex);

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
mrdisc_stats(int ifindex)
{
	struct mrd *m = mrd_find(ifindex);

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
