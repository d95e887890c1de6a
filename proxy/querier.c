/*
 * querier.c - the querier of a downstream interface, RFC 3376 §6.6
 *
 * The knobs in effect, the general and specific queries, and the
 * election (§6.6.2) as a transition table with one dispatcher that logs
 * each transition.  IPv6 (RFC 3810 §7.6) is the same machine: only the
 * encoder and the source address differ.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <event2/event.h>

#include "evloop.h"
#include "log.h"
#include "pif.h"
#include "route.h"

const char *const qstate_str[Q_MAX] = {
	"Down", "Querier", "Non-Querier"
};
static const char *const qevent_str[QE_MAX] = {
	"start", "general query timer", "query from lower address",
	"other querier present timeout", "stop"
};

/*
 * Effective knobs, RFC defaults for what the configuration left out.
 *
 * A non-querier uses the querier's Robustness Variable and Query
 * Interval from its queries (RFC 3376 §4.1.6, §4.1.7), so that all
 * routers on the link time membership out alike, within bounds: never
 * below our own, as an interval shorter than the one the queries really
 * come at would expire memberships between them, and at most
 * ADOPT_QI_FACTOR times our interval and a robustness of ADOPT_QRV_MAX,
 * so that no query can make state outlive its hosts by hours.
 */
#define ADOPT_QI_FACTOR	4
#define ADOPT_QRV_MAX	4

static uint32_t
pif_own_qi(const struct pif *p)
{
	return p->cfg.qi_ms ? p->cfg.qi_ms : QI_DEFAULT;
}

static unsigned int
pif_own_qrv(const struct pif *p)
{
	return p->cfg.robustness ? p->cfg.robustness : ROBUST_DEFAULT;
}

uint32_t
pif_qi(const struct pif *p)
{
	uint32_t own = pif_own_qi(p);

	if (p->qstate != Q_NONQUERIER || p->adopt_qi <= own)
		return own;
	if (p->adopt_qi / ADOPT_QI_FACTOR > own)
		return own * ADOPT_QI_FACTOR;
	return p->adopt_qi;
}

uint32_t
pif_qri(const struct pif *p)
{
	return p->cfg.qri_ms ? p->cfg.qri_ms : QRI_DEFAULT;
}

unsigned int
pif_robustness(const struct pif *p)
{
	unsigned int own = pif_own_qrv(p), max = own > ADOPT_QRV_MAX ? own :
	    ADOPT_QRV_MAX;

	if (p->qstate != Q_NONQUERIER || p->adopt_qrv <= own)
		return own;
	return p->adopt_qrv > max ? max : p->adopt_qrv;
}

uint32_t
pif_lmqi(const struct pif *p)
{
	return p->cfg.lmqi_ms ? p->cfg.lmqi_ms : LMQI_DEFAULT;
}

/*
 * The configured version as the neutral level: IGMP 1-3; MLDv1 is 2,
 * MLDv2 3 (RFC 3810 §8 maps MLDv1 onto IGMPv2's rules).
 */
int
pif_level(const struct pif *p)
{
	if (p->family == AF_INET6)
		return p->cfg.mld_version == 1 ? 2 : 3;
	return p->cfg.version ? p->cfg.version : 3;
}

void
pif_params(const struct pif *p, struct mdb_params *mp)
{
	memset(mp, 0, sizeof(*mp));
	mp->family = p->family;
	mp->robustness = pif_robustness(p);
	mp->query_interval = pif_qi(p);
	mp->query_resp = pif_qri(p);
	mp->lmqi = pif_lmqi(p);
	mp->lmqc = p->cfg.lmqc;
	mp->version = pif_level(p);
	mp->fast_leave = p->cfg.flags & PCONF_FASTLEAVE;
	mp->max_groups = p->cfg.max_groups;
	mp->max_per_host = p->cfg.max_per_host;
	mp->max_sources = p->cfg.max_sources;
	mp->max_hosts = p->cfg.max_hosts;
}

/*
 * Send a query; q->version is the neutral level (1-3).  General queries
 * go to all hosts, specific ones to the group (RFC 3376 §4.1.12, RFC
 * 3810 §5.1.15); MLD from our link-local address.
 */
static bool
pif_send_query(struct pif *p, const struct pkt_query_tx *q, bool general)
{
	struct pkt_query_tx wire = *q;
	uint8_t buf[1500];
	struct inet_addr dst;
	ssize_t len;

	if (general)
		inet_pton_any(p->family == AF_INET6 ? "ff02::1" : "224.0.0.1",
		    &dst);
	else
		dst = q->group;
	if (p->family == AF_INET6) {
		wire.version = q->version == 3 ? 2 : 1;	/* MLDv2, MLDv1 */
		if (general)
			inet_any(&wire.group, AF_UNSPEC);
		len = mld_query_encode(buf, sizeof(buf), &wire, NULL, NULL);
	} else {
		len = igmp_query_encode(buf, sizeof(buf), &wire);
	}
	if (len < 0 || io_send(p->family, p->ifindex,
	    p->family == AF_INET6 ? &p->addr : NULL, &dst, buf,
	    (size_t)len)) {
		p->tx_errors++;
		log_warn("[%s %s] cannot send query", pif_proto(p), p->name);
		return false;
	}
	if (general)
		p->tx_general++;
	else
		p->tx_specific++;
	return true;
}

static bool
pif_general_query(struct pif *p)
{
	struct pkt_query_tx q;

	memset(&q, 0, sizeof(q));
	q.version = (uint8_t)pif_level(p);
	inet_any(&q.group, AF_UNSPEC);
	q.mrt_ms = q.version == 1 ? 0 : pif_qri(p);
	q.qrv = (uint8_t)pif_robustness(p);
	q.qqi = pif_qi(p) / 1000;
	return pif_send_query(p, &q, true);
}

/* Q(G) and Q(G,A) asked for by the database, split to fit the MTU. */
void
querier_specific(struct pif *p)
{
	size_t max = p->family == AF_INET6 ? mld_query_max_srcs(1280) :
	    igmp_query_max_srcs(1500), off;
	struct mdb_query *mq;
	struct pkt_query_tx q;

	while ((mq = mdb_query_pop(p->mdb))) {
		memset(&q, 0, sizeof(q));
		q.version = (uint8_t)pif_level(p);
		if (mq->compat && mq->compat < q.version)
			q.version = (uint8_t)mq->compat;
		q.group = mq->group;
		q.mrt_ms = pif_lmqi(p);	/* §6.6.3: LMQI as Max Resp */
		q.sflag = mq->sflag;
		q.qrv = (uint8_t)pif_robustness(p);
		q.qqi = pif_qi(p) / 1000;
		if (q.version < 2) {
			/* IGMPv1 has no group-specific query. */
			(void)q;
		} else if (!mq->nsrc || q.version < 3) {
			pif_send_query(p, &q, false);
		} else {
			for (off = 0; off < mq->nsrc; off += max) {
				q.src = &mq->srcs[off];
				q.nsrc = mq->nsrc - off < max ? mq->nsrc - off :
				    max;
				pif_send_query(p, &q, false);
			}
		}
		mdb_query_free(mq);
	}
}

/* The querier state machine, RFC 3376 §6.6.2, as a transition table. */

static void
q_start(struct pif *p)
{
	/* §8.6/8.7: startup queries, robustness of them at QI/4. */
	p->startup_left = (int)(p->cfg.sqc ? p->cfg.sqc : pif_robustness(p));
	p->querier = p->addr;
	mdb_if_set_querier(p->mdb, true);
	evtimer_del(p->oqp_ev);
	p->gq_at = now_ms();
	evloop_timer_at(p->gq_ev, p->gq_at);
}

static void
q_general(struct pif *p)
{
	uint64_t now;
	uint32_t next;

	/*
	 * A new interface's IPv6 link-local address is tentative for a
	 * moment (DAD): a startup query that cannot leave yet is tried
	 * again a second later, not lost.
	 */
	if (!pif_general_query(p) && p->family == AF_INET6 &&
	    p->startup_left > 0 && p->tentative_retries < 10 &&
	    (errno == EINVAL || errno == EADDRNOTAVAIL)) {
		p->tentative_retries++;
		p->gq_at = now_ms() + 1000;
		evloop_timer_at(p->gq_ev, p->gq_at);
		return;
	}
	if (p->startup_left > 0)
		p->startup_left--;
	next = p->startup_left > 0 ? (p->cfg.sqi_ms ? p->cfg.sqi_ms :
	    pif_qi(p) / 4) : pif_qi(p);
	/*
	 * From the deadline just served, not from now: the interval does
	 * not drift by the time it takes to wake up and send.
	 */
	now = now_ms();
	p->gq_at = (p->gq_at && p->gq_at <= now ? p->gq_at : now) + next;
	if (p->gq_at < now)
		p->gq_at = now;
	evloop_timer_at(p->gq_ev, p->gq_at);
}

static void
q_yield(struct pif *p)
{
	/* §8.5: Other Querier Present Interval. */
	uint64_t oqpi = (uint64_t)pif_robustness(p) * pif_qi(p) +
	    pif_qri(p) / 2;

	evtimer_del(p->gq_ev);
	p->gq_at = 0;
	mdb_if_set_querier(p->mdb, false);
	p->oqp_at = now_ms() + oqpi;
	evloop_timer_at(p->oqp_ev, p->oqp_at);
}

static void
q_takeover(struct pif *p)
{
	struct mdb_params mp;

	/* §6.6.2: back to querier, send a general query at once. */
	p->querier = p->addr;
	p->adopt_qrv = 0;
	p->adopt_qi = 0;
	pif_params(p, &mp);
	mdb_if_set_params(p->mdb, &mp);
	mdb_if_set_querier(p->mdb, true);
	p->startup_left = 0;
	p->gq_at = now_ms();
	evloop_timer_at(p->gq_ev, p->gq_at);
}

static void
q_stop(struct pif *p)
{
	evtimer_del(p->gq_ev);
	evtimer_del(p->oqp_ev);
	p->gq_at = p->oqp_at = 0;
}

static const struct {
	enum qstate	 state;
	enum qevent	 event;
	void		(*action)(struct pif *);
	enum qstate	 next;
} qfsm[] = {
	{ Q_DOWN,	QE_START,	q_start,	Q_QUERIER },
	{ Q_QUERIER,	QE_GQ_TIMER,	q_general,	Q_QUERIER },
	{ Q_QUERIER,	QE_LOWER_QUERY,	q_yield,	Q_NONQUERIER },
	{ Q_NONQUERIER,	QE_LOWER_QUERY,	q_yield,	Q_NONQUERIER },
	{ Q_NONQUERIER,	QE_OQP_EXPIRE,	q_takeover,	Q_QUERIER },
	{ Q_QUERIER,	QE_STOP,	q_stop,		Q_DOWN },
	{ Q_NONQUERIER,	QE_STOP,	q_stop,		Q_DOWN },
};

/*
 * We forward onto the link only while we are its querier (RFC 4605
 * §4.2, proxy_oifs()): when that changes, the routes of every group the
 * database holds are computed again.  Non-querier, the database kept
 * its state, so taking over forwards at once.
 */
static void
querier_reroute(struct pif *p)
{
	const struct mdb_group *g;
	struct mdb_group_info gi;
	uint64_t now = now_ms();

	for (g = mdb_group_first(p->mdb); g; g = mdb_group_next(g)) {
		mdb_group_info(g, now, &gi);
		route_refresh_group(&gi.group);
	}
}

void
querier_event(struct pif *p, enum qevent ev)
{
	size_t i;
	bool was_nq = p->qstate == Q_NONQUERIER;

	for (i = 0; i < sizeof(qfsm) / sizeof(qfsm[0]); i++) {
		if (qfsm[i].state != p->qstate || qfsm[i].event != ev)
			continue;
		if (qfsm[i].next != p->qstate)
			log_info("[%s %s] %s -> %s on %s", pif_proto(p), p->name,
			    qstate_str[p->qstate], qstate_str[qfsm[i].next],
			    qevent_str[ev]);
		p->qstate = qfsm[i].next;
		qfsm[i].action(p);
		if (was_nq != (p->qstate == Q_NONQUERIER) &&
		    p->qstate != Q_DOWN && p->mdb) {
			char a[INET6_ADDRSTRLEN];

			/* Say why a stream stops flowing onto the link. */
			if (p->qstate == Q_NONQUERIER)
				log_notice("[%s %s] %s is the querier: no "
				    "forwarding onto %s while it is (RFC 4605 "
				    "4.2)", pif_proto(p), p->name,
				    inet_str(&p->querier, a, sizeof(a)),
				    p->name);
			else
				log_notice("[%s %s] querier again: forwarding "
				    "onto %s", pif_proto(p), p->name, p->name);
			querier_reroute(p);
		}
		return;
	}
	log_debug("[%s %s] %s ignored in state %s", pif_proto(p), p->name, qevent_str[ev],
	    qstate_str[p->qstate]);
}

static void
gq_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	querier_event(arg, QE_GQ_TIMER);
}

static void
oqp_timer(evutil_socket_t fd, short what, void *arg)
{
	struct pif *p = arg;

	(void)fd;
	(void)what;
	p->oqp_at = 0;
	querier_event(p, QE_OQP_EXPIRE);
}

/* The querier's timers; 0, or -1 when out of memory. */
int
querier_init(struct pif *p)
{
	p->gq_ev = evtimer_new(evbase, gq_timer, p);
	p->oqp_ev = evtimer_new(evbase, oqp_timer, p);
	return p->gq_ev && p->oqp_ev ? 0 : -1;
}

void
querier_free(struct pif *p)
{
	if (p->qstate != Q_DOWN)
		querier_event(p, QE_STOP);
	if (p->gq_ev)
		event_free(p->gq_ev);
	if (p->oqp_ev)
		event_free(p->oqp_ev);
	p->gq_ev = p->oqp_ev = NULL;
}

void
querier_heard(struct pif *p, const struct pkt_msg *m)
{
	uint64_t now = now_ms();
	bool adopted = false;

	/* Counted by wire version (MLDv1 query: query_v1). */
	p->rx[RX_QUERY_V1 + m->version - 1]++;
	/*
	 * §7.3.1: the version on a link is the administrator's choice (the
	 * version setting); an older querier is logged, never followed, or
	 * one spoofed query would stop every group-specific query.
	 */
	if (m->level < pif_level(p)) {
		long n;

		p->older_query++;
		if ((n = log_rl(&p->rl_older, now, 600000)) >= 0)
			log_warnx("[%s %s] %sv%d query from %s, this "
			    "interface runs version %d: if that router stays, "
			    "set its version on this phyint (RFC 3376 7.3.1; "
			    "%ld more in the last 10 minutes)", pif_proto(p),
			    p->name, pif_proto(p), m->version,
			    inet_str(&m->src, (char[INET6_ADDRSTRLEN]){ 0 },
			    INET6_ADDRSTRLEN),
			    pif_level(p) - (p->family == AF_INET6), n);
	}
	/*
	 * §6.6.2: the lowest address is the querier.  A query from the
	 * current querier, or from a router lower still, (re)starts the
	 * other querier present timer; its QRV and QQI become ours first
	 * (§4.1.6, §4.1.7), so that the timer already runs on them.
	 */
	if (inet_cmp(&m->src, p->qstate == Q_NONQUERIER ? &p->querier :
	    &p->addr) <= 0 || inet_is_any(&p->addr)) {
		if (inet_cmp(&m->src, &p->querier))
			log_notice("[%s %s] querier is now %s", pif_proto(p), p->name,
			    inet_str(&m->src, (char[INET6_ADDRSTRLEN]){ 0 },
			    INET6_ADDRSTRLEN));
		p->querier = m->src;
		if (m->level == 3 && ((m->q.qrv && m->q.qrv !=
		    p->adopt_qrv) || (m->q.qqi && m->q.qqi * 1000 !=
		    p->adopt_qi))) {
			if (m->q.qrv)
				p->adopt_qrv = m->q.qrv;
			if (m->q.qqi)
				p->adopt_qi = m->q.qqi * 1000;
			adopted = true;
		}
		querier_event(p, QE_LOWER_QUERY);
		if (adopted) {
			struct mdb_params mp;

			pif_params(p, &mp);
			mdb_if_set_params(p->mdb, &mp);
		}
	}
	/* §6.6.1: a specific query lowers our timers as well. */
	if (p->qstate == Q_NONQUERIER && !inet_is_any(&m->group)) {
		struct inet_addr srcs[64];
		size_t n = pkt_srcs_copy(&m->q.srcs, srcs, 64);

		/* A longer list is split: the rest only waits for the GMI. */
		mdb_query_heard(p->mdb, &m->group, srcs, n, m->q.sflag, now);
		pif_drain(p);
	}
}
