/*
 * proxy.c - the IGMP proxy: querier, membership, dynamic routes
 *
 * One struct pif per interface with a proxy role.  A downstream pif
 * (phyint IF igmp) has a querier and a membership database; the
 * upstream pif (phyint IF upstream) is where dynamic routes come from
 * and, with "igmp", where the merged membership is reported.
 *
 * Flow of a report: proxy_input() -> igmp_decode() (every drop counted
 * by reason) -> acl -> mdb_record() -> pif_drain(): queries the database
 * asks for are sent, and for every group whose forwarding state changed
 * the route engine recomputes the group's kernel entries (route.c asks
 * back through proxy_oifs()) and the upstream membership is merged
 * again (RFC 4605 §4.1) and set in place.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/tree.h>
#include <event2/event.h>

#include "conf.h"
#include "iface.h"
#include "log.h"
#include "mcfilter.h"
#include "mdb.h"
#include "merge.h"
#include "pconf.h"
#include "pkt.h"
#include "pktio.h"
#include "proxy.h"
#include "route.h"
#include "evloop.h"
#include "render.h"
#include "words.h"

/* RFC 3376 §8 defaults, milliseconds. */
#define QI_DEFAULT	125000
#define QRI_DEFAULT	10000
#define LMQI_DEFAULT	1000
#define ROBUST_DEFAULT	2

#define PIF_DOWN	0x1	/* phyint IF igmp: querier + membership */
#define PIF_UP		0x2	/* phyint IF upstream */
#define PIF_REPORT	0x4	/* phyint IF upstream igmp */

/* Querier states, RFC 3376 §6.6.2 (querier election). */
enum qstate {
	Q_DOWN,			/* not running */
	Q_QUERIER,		/* sending general queries */
	Q_NONQUERIER,		/* another router, lower address, queries */
	Q_MAX
};

enum qevent {
	QE_START,		/* interface configured */
	QE_GQ_TIMER,		/* general query timer fired */
	QE_LOWER_QUERY,		/* query heard from a lower address */
	QE_OQP_EXPIRE,		/* other querier present timer expired */
	QE_STOP,		/* interface unconfigured */
	QE_MAX
};

static const char *const qstate_str[Q_MAX] = {
	"Down", "Querier", "Non-Querier"
};
static const char *const qevent_str[QE_MAX] = {
	"start", "general query timer", "query from lower address",
	"other querier present timeout", "stop"
};

/* Messages counted on receipt, by type and version. */
enum rxcount {
	RX_QUERY_V1, RX_QUERY_V2, RX_QUERY_V3,
	RX_REPORT_V1, RX_REPORT_V2, RX_REPORT_V3, RX_LEAVE,
	RX_MAX
};
static const char *const rx_key[RX_MAX] = {
	"query_v1", "query_v2", "query_v3", "report_v1", "report_v2",
	"report_v3", "leave"
};

struct pif {
	RB_ENTRY(pif)	 entry;
	int		 family;
	int		 ifindex;
	char		 name[IFNAMSIZ];
	unsigned int	 role;		/* PIF_* */
	struct pconf_if	 cfg;
	bool		 mark;		/* proxy_apply() sweep */
	bool		 vifref;	/* holds a VIF reference */

	/* Querier, RFC 3376 §6.6 and §7.3.1. */
	enum qstate	 qstate;
	struct inet_addr addr;		/* ours, for the election */
	struct inet_addr querier;	/* the current querier */
	int		 startup_left;	/* startup queries still to send */
	int		 tentative_retries; /* IPv6 startup query retries */
	int		 older_version;	/* older querier heard, or 0 */
	uint64_t	 older_until;	/* §8.12 timeout of that */
	uint64_t	 gq_at;		/* next general query */
	uint64_t	 oqp_at;	/* other querier present deadline */
	unsigned int	 adopt_qrv;	/* §4.1.6: the querier's QRV, or 0 */
	uint32_t	 adopt_qi;	/* §4.1.7: the querier's QQI ms, or 0 */
	struct event	*gq_ev;
	struct event	*oqp_ev;
	struct event	*mdb_ev;
	struct mdb_if	*mdb;

	/* Counters for show igmp. */
	uint64_t	 rx[RX_MAX];
	uint64_t	 drops[PKT_DROP_MAX];
	uint64_t	 drop_acl;	/* records refused by an acl */
	uint64_t	 tx_general;
	uint64_t	 tx_specific;
	uint64_t	 tx_errors;
};

/* The membership reported upstream for one group. */
struct ugroup {
	RB_ENTRY(ugroup) entry;
	struct inet_addr grp;
	struct msf	 f;
};

RB_HEAD(pif_tree, pif);
RB_HEAD(ugroup_tree, ugroup);

static int
pif_cmp(struct pif *a, struct pif *b)
{
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return a->ifindex < b->ifindex ? -1 : a->ifindex > b->ifindex;
}

static int
ugroup_cmp(struct ugroup *a, struct ugroup *b)
{
	return inet_cmp(&a->grp, &b->grp);
}

RB_GENERATE_STATIC(pif_tree, pif, entry, pif_cmp)
RB_GENERATE_STATIC(ugroup_tree, ugroup, entry, ugroup_cmp)

/* The proxy: a true singleton, like the route engine it feeds. */
static struct {
	struct pif_tree		 pifs;
	struct ugroup_tree	 ugroups;
	struct pif		*up[2];		/* upstream: IPv4, IPv6 */
	const struct conf	*conf;		/* for the acls */
} px = { RB_INITIALIZER(&px.pifs), RB_INITIALIZER(&px.ugroups),
    { NULL, NULL }, NULL };

/* The upstream interface of a family, or NULL. */
#define PX_UP(family)	px.up[(family) == AF_INET6]

static const char *
proto(const struct pif *p)
{
	return p->family == AF_INET6 ? "MLD" : "IGMP";
}

static void	pif_drain(struct pif *);
static void	upstream_update(const struct inet_addr *grp);

/* Effective knobs, RFC defaults for what the configuration left out. */
/*
 * A non-querier uses the querier's Robustness Variable and Query
 * Interval from its queries (RFC 3376 §4.1.6, §4.1.7), so that all
 * routers on the link time membership out alike.
 */
static uint32_t
pif_qi(const struct pif *p)
{
	if (p->qstate == Q_NONQUERIER && p->adopt_qi)
		return p->adopt_qi;
	return p->cfg.qi_ms ? p->cfg.qi_ms : QI_DEFAULT;
}

static uint32_t
pif_qri(const struct pif *p)
{
	return p->cfg.qri_ms ? p->cfg.qri_ms : QRI_DEFAULT;
}

static unsigned int
pif_robustness(const struct pif *p)
{
	if (p->qstate == Q_NONQUERIER && p->adopt_qrv)
		return p->adopt_qrv;
	return p->cfg.robustness ? p->cfg.robustness : ROBUST_DEFAULT;
}

static uint32_t
pif_lmqi(const struct pif *p)
{
	return p->cfg.lmqi_ms ? p->cfg.lmqi_ms : LMQI_DEFAULT;
}

/*
 * The configured version as the neutral level: IGMP 1-3; MLDv1 is 2,
 * MLDv2 3 (RFC 3810 §8 maps MLDv1 onto IGMPv2's rules).
 */
static int
pif_level(const struct pif *p)
{
	if (p->family == AF_INET6)
		return p->cfg.mld_version == 1 ? 2 : 3;
	return p->cfg.version ? p->cfg.version : 3;
}

static int
pif_version(const struct pif *p)
{
	int v = pif_level(p);

	/* RFC 3376 §7.3.1: an older querier on the link sets the pace. */
	if (p->older_version && p->older_version < v &&
	    now_ms() < p->older_until)
		return p->older_version;
	return v;
}

static void
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
}

/*
 * Access lists: the acl lines for this interface, in order, first match
 * wins.  Without a match, downstream allows everything; upstream does
 * not report SSDP (239.255.255.250), which only floods a provider's
 * network with home devices' discovery traffic.
 */
static bool
acl_permit(const struct pif *p, const struct inet_addr *src,
    const struct inet_addr *grp)
{
	static const struct inet_addr ssdp = { .family = AF_INET,
	    .u.bytes = { 239, 255, 255, 250 } };
	const struct pconf_acl *acl;

	if (px.conf) {
		TAILQ_FOREACH(acl, &px.conf->acls, link) {
			if (!word_ifname_match(acl->ifname, p->name))
				continue;
			if (pconf_acl_match(acl, src, grp))
				return acl->allow;
		}
	}
	if ((p->role & PIF_UP) && !inet_cmp(grp, &ssdp))
		return false;
	return true;
}

/*
 * Add to f, or to the open merge record m, the single sources that
 * p's acl denies for grp: in EXCLUDE mode, excluding them is how a
 * membership says "not these".  Prefix denies cannot be listed.
 */
static void
acl_exclusions(const struct pif *p, const struct inet_addr *grp,
    struct msf *f, struct merge *m)
{
	const struct pconf_acl *acl;

	if (!px.conf)
		return;
	TAILQ_FOREACH(acl, &px.conf->acls, link) {
		if (acl->allow || !acl->src.len ||
		    !inet_pfx_is_host(&acl->src) ||
		    !word_ifname_match(acl->ifname, p->name) ||
		    !inet_pfx_match(&acl->grp, grp))
			continue;
		/* First match wins: an earlier allow keeps the source. */
		if (!acl_permit(p, &acl->src.addr, grp)) {
			if (f)
				msf_add(f, &acl->src.addr);
			if (m)
				merge_src(m, &acl->src.addr);
		}
	}
}

/* Sending queries. */

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
	if (len < 0 || pktio_send_from(p->family, p->ifindex,
	    p->family == AF_INET6 ? &p->addr : NULL, &dst, buf,
	    (size_t)len)) {
		p->tx_errors++;
		log_warn("[%s %s] cannot send query", proto(p), p->name);
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
	q.version = (uint8_t)pif_version(p);
	inet_any(&q.group, AF_UNSPEC);
	q.mrt_ms = q.version == 1 ? 0 : pif_qri(p);
	q.qrv = (uint8_t)pif_robustness(p);
	q.qqi = pif_qi(p) / 1000;
	return pif_send_query(p, &q, true);
}

/* Q(G) and Q(G,A) asked for by the database, split to fit the MTU. */
static void
pif_specific_queries(struct pif *p)
{
	size_t max = p->family == AF_INET6 ? mld_query_max_srcs(1280) :
	    igmp_query_max_srcs(1500), off;
	struct mdb_query *mq;
	struct pkt_query_tx q;

	while ((mq = mdb_query_pop(p->mdb))) {
		memset(&q, 0, sizeof(q));
		q.version = (uint8_t)pif_version(p);
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

static void
qfsm_event(struct pif *p, enum qevent ev)
{
	size_t i;

	for (i = 0; i < sizeof(qfsm) / sizeof(qfsm[0]); i++) {
		if (qfsm[i].state != p->qstate || qfsm[i].event != ev)
			continue;
		if (qfsm[i].next != p->qstate)
			log_info("[%s %s] %s -> %s on %s", proto(p), p->name,
			    qstate_str[p->qstate], qstate_str[qfsm[i].next],
			    qevent_str[ev]);
		p->qstate = qfsm[i].next;
		qfsm[i].action(p);
		return;
	}
	log_debug("[%s %s] %s ignored in state %s", proto(p), p->name, qevent_str[ev],
	    qstate_str[p->qstate]);
}

static void
gq_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	qfsm_event(arg, QE_GQ_TIMER);
}

static void
oqp_timer(evutil_socket_t fd, short what, void *arg)
{
	struct pif *p = arg;

	(void)fd;
	(void)what;
	p->oqp_at = 0;
	qfsm_event(p, QE_OQP_EXPIRE);
}

static void
mdb_timer(evutil_socket_t fd, short what, void *arg)
{
	struct pif *p = arg;

	(void)fd;
	(void)what;
	mdb_tick(p->mdb, now_ms());
	pif_drain(p);
}

/*
 * After every change to a database: send the queries it asks for,
 * recompute what changed, and arm its one timer.
 */
static void
pif_drain(struct pif *p)
{
	struct inet_addr grp;
	uint64_t next;

	pif_specific_queries(p);
	if (mdb_change_lost(p->mdb)) {
		const struct mdb_group *g;

		for (g = mdb_group_first(p->mdb); g; g = mdb_group_next(g)) {
			struct mdb_group_info gi;

			mdb_group_info(g, now_ms(), &gi);
			route_refresh_group(&gi.group);
			upstream_update(&gi.group);
		}
	}
	while (mdb_change_pop(p->mdb, &grp)) {
		route_refresh_group(&grp);
		upstream_update(&grp);
	}
	next = mdb_next_deadline(p->mdb);
	if (next == UINT64_MAX)
		evtimer_del(p->mdb_ev);
	else
		evloop_timer_at(p->mdb_ev, next);
}

/* Upstream: the RFC 4605 §4.1 merge, set in place. */

static void
upstream_set(struct pif *up, struct ugroup *ug, const struct msf *f)
{
	struct inet_addr *srcs = NULL;
	struct msf_src *s;
	size_t n = 0;
	char err[160], g[INET6_ADDRSTRLEN];

	if (f->nsrc && !(srcs = calloc(f->nsrc, sizeof(*srcs)))) {
		log_warn("[%s %s] upstream", proto(up), up->name);
		return;
	}
	MSF_FOREACH(s, f)
		srcs[n++] = s->addr;
	if (mcfilter_set(up->ifindex, &ug->grp, f->mode == MSF_EXCLUDE ?
	    MCF_EXCLUDE : MCF_INCLUDE, srcs, n, err, sizeof(err)))
		log_warnx("[%s %s] cannot report %s upstream: %s", proto(up), up->name,
		    inet_str(&ug->grp, g, sizeof(g)), err);
	else
		log_debug("[%s %s] upstream %s %s, %zu sources", proto(up), up->name,
		    inet_str(&ug->grp, g, sizeof(g)), msf_mode_str[f->mode],
		    n);
	free(srcs);
}

static struct ugroup *
ugroup_find(const struct inet_addr *grp)
{
	struct ugroup key;

	key.grp = *grp;
	return RB_FIND(ugroup_tree, &px.ugroups, &key);
}

static void
ugroup_free(struct ugroup *ug)
{
	RB_REMOVE(ugroup_tree, &px.ugroups, ug);
	msf_clear(&ug->f);
	free(ug);
}

static void
upstream_update(const struct inet_addr *grp)
{
	struct pif *up = PX_UP(grp->family), *p;
	struct ugroup *ug;
	struct merge m;
	struct msf f;

	if (!up || !(up->role & PIF_REPORT))
		return;
	msf_init(&f, MSF_INCLUDE);
	if (!inet_is_linklocal_group(grp) && acl_permit(up, NULL, grp)) {
		merge_init(&m);
		RB_FOREACH(p, pif_tree, &px.pifs) {
			const struct mdb_group *g;
			struct mdb_group_info gi;

			if (!(p->role & PIF_DOWN) || p->family != grp->family ||
			    !acl_permit(p, NULL, grp))
				continue;
			if (!(g = mdb_group_find(p->mdb, grp)))
				continue;
			mdb_group_merge(g, &m);
			/* What its acl denies, the LAN does not want. */
			mdb_group_info(g, now_ms(), &gi);
			if (gi.mode == MSF_EXCLUDE)
				acl_exclusions(p, grp, NULL, &m);
		}
		if (merge_result(&m, &f))
			log_warnx("[%s %s] out of memory merging",
			    proto(up), up->name);
		merge_free(&m);
	}
	/*
	 * Sources the upstream acl denies are not asked for: left out of
	 * an INCLUDE list, added to an EXCLUDE list.
	 */
	if (f.mode == MSF_INCLUDE) {
		struct msf_src *s, *next;

		RB_FOREACH_SAFE(s, msf_tree, &f.srcs, next)
			if (!acl_permit(up, &s->addr, grp))
				msf_del(&f, &s->addr);
	} else {
		acl_exclusions(up, grp, &f, NULL);
	}

	ug = ugroup_find(grp);
	if (ug && msf_equal(&ug->f, &f)) {
		msf_clear(&f);
		return;
	}
	if (!ug) {
		if (msf_is_null(&f))
			return;
		if (!(ug = calloc(1, sizeof(*ug)))) {
			msf_clear(&f);
			return;
		}
		ug->grp = *grp;
		msf_init(&ug->f, MSF_INCLUDE);
		RB_INSERT(ugroup_tree, &px.ugroups, ug);
	}
	upstream_set(up, ug, &f);
	msf_copy(&ug->f, &f);
	ug->f.mode = f.mode;
	msf_clear(&f);
	if (msf_is_null(&ug->f))
		ugroup_free(ug);
}

/* Every group any downstream or the upstream knows of. */
static void
upstream_update_all(void)
{
	struct ugroup *ug, *next;
	struct pif *p;

	RB_FOREACH_SAFE(ug, ugroup_tree, &px.ugroups, next) {
		struct inet_addr grp = ug->grp;

		upstream_update(&grp);
	}
	RB_FOREACH(p, pif_tree, &px.pifs) {
		const struct mdb_group *g;

		if (!(p->role & PIF_DOWN))
			continue;
		for (g = mdb_group_first(p->mdb); g; g = mdb_group_next(g)) {
			struct mdb_group_info gi;

			mdb_group_info(g, now_ms(), &gi);
			upstream_update(&gi.group);
		}
	}
}

/*
 * The route engine asks: which interfaces want (src, grp) arriving on
 * iif?  From the upstream: every downstream whose database wants it
 * (RFC 3376 §6.3) and whose acl allows it.  From a downstream (a local
 * source, RFC 4605 §4.2): the upstream and the other downstreams that
 * want it; route.c never sends back out of iif.
 */
static void
proxy_oifs(const struct inet_addr *src, const struct inet_addr *grp, int iif,
    int *oifs, int *noifs)
{
	struct pif key, *in, *p;

	if (RB_EMPTY(&px.pifs) || inet_is_linklocal_group(grp))
		return;
	key.family = grp->family;
	key.ifindex = iif;
	in = RB_FIND(pif_tree, &px.pifs, &key);
	if (!in)
		return;
	RB_FOREACH(p, pif_tree, &px.pifs) {
		if (p->family != grp->family || p == in ||
		    *noifs >= ROUTE_MAXOIFS)
			continue;
		if ((p->role & PIF_UP) && (in->role & PIF_DOWN)) {
			/* The upstream acl also keeps local traffic home. */
			if (acl_permit(p, src, grp))
				oifs[(*noifs)++] = p->ifindex;
			continue;
		}
		if ((p->role & PIF_DOWN) && mdb_wants(p->mdb, src, grp) &&
		    acl_permit(p, src, grp))
			oifs[(*noifs)++] = p->ifindex;
	}
}

/* Receive. */

static struct pif *
pif_find(int family, int ifindex)
{
	struct pif key;

	key.family = family;
	key.ifindex = ifindex;
	return RB_FIND(pif_tree, &px.pifs, &key);
}

static void
pif_heard_query(struct pif *p, const struct pkt_msg *m)
{
	uint64_t now = now_ms();
	bool adopted = false;

	/* Counted by wire version (MLDv1 query: query_v1). */
	p->rx[RX_QUERY_V1 + m->version - 1]++;
	/* §7.3.1: older version querier present timeout, §8.12. */
	if (m->level < 3) {
		p->older_version = m->level;
		p->older_until = now + (uint64_t)pif_robustness(p) *
		    pif_qi(p) + pif_qri(p);
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
			log_notice("[%s %s] querier is now %s", proto(p), p->name,
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
		qfsm_event(p, QE_LOWER_QUERY);
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

/* Filter a record's sources through the acl, then apply it. */
static void
pif_record(struct pif *p, struct mdb_rec *r, struct inet_addr *srcs)
{
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
	if (mdb_record(p->mdb, r, now_ms()) == MDB_APPLIED)
		log_debug("[%s %s] %s %s", proto(p), p->name,
		    mdb_rec_str[r->type], mdb_last_row(p->mdb));
}

void
proxy_input(int family, const uint8_t *pkt, size_t len,
    const struct kern_rxinfo *rx)
{
	struct pif *p = pif_find(family, rx->ifindex);
	struct inet_addr *srcs = NULL;
	enum pkt_drop drop;
	struct pkt_msg m;
	struct mdb_rec r;

	if (!p || !(p->role & PIF_DOWN))
		return;	/* the kernel's host stack answers upstream */
	if (family == AF_INET6) {
		struct mld_rxinfo mrx;

		mrx.src = rx->src;
		mrx.dst = rx->dst;
		mrx.hlim = rx->hlim;
		mrx.ra = rx->ra;
		drop = mld_decode(&m, pkt, len, &mrx, 0);
	} else {
		drop = igmp_decode(&m, pkt, len, 0);
	}
	if (drop != PKT_OK) {
		p->drops[drop]++;
		if (pkt_drop_is_error(drop))
			log_debug("[%s %s] dropped message from %s: %s",
			    proto(p), p->name, inet_str(&m.src,
			    (char[INET6_ADDRSTRLEN]){ 0 }, INET6_ADDRSTRLEN),
			    pkt_drop_name(drop));
		return;
	}
	if (!inet_is_any(&p->addr) && !inet_cmp(&m.src, &p->addr))
		return;	/* our own */

	memset(&r, 0, sizeof(r));
	r.host = m.src;
	r.group = m.group;
	switch (m.type) {
	case PKT_QUERY:
		pif_heard_query(p, &m);
		return;
	case PKT_REPORT_V1:
		p->rx[RX_REPORT_V1 + m.version - 1]++;
		r.type = MDB_V1_REPORT;
		pif_record(p, &r, NULL);
		break;
	case PKT_REPORT_V2:
		p->rx[RX_REPORT_V1 + m.version - 1]++;
		r.type = MDB_V2_REPORT;
		pif_record(p, &r, NULL);
		break;
	case PKT_LEAVE_V2:
		p->rx[RX_LEAVE]++;
		r.type = MDB_V2_LEAVE;
		pif_record(p, &r, NULL);
		break;
	case PKT_REPORT_V3: {
		struct pkt_rec_iter it;
		struct pkt_rec pr;
		size_t max = len / 4 + 1;	/* bounded by the packet */

		p->rx[RX_REPORT_V1 + m.version - 1]++;
		srcs = calloc(max, sizeof(*srcs));
		if (!srcs)
			return;
		pkt_rec_iter_init(&it, &m);
		while (pkt_rec_next(&it, &pr)) {
			r.type = (enum mdb_rec_type)pr.type;
			r.group = pr.group;
			r.nsrc = pkt_srcs_copy(&pr.srcs, srcs, max);
			pif_record(p, &r, srcs);
		}
		free(srcs);
		break;
	}
	}
	pif_drain(p);
}

/* Configuration. */

static void
pif_free(struct pif *p)
{
	struct iface *ifp = iface_find(p->ifindex);

	if (p->qstate != Q_DOWN)
		qfsm_event(p, QE_STOP);
	if ((p->role & PIF_DOWN) && ifp)
		pktio_routers(p->family, p->ifindex, 0);
	if (p->gq_ev)
		event_free(p->gq_ev);
	if (p->oqp_ev)
		event_free(p->oqp_ev);
	if (p->mdb_ev)
		event_free(p->mdb_ev);
	if (p->mdb)
		mdb_if_destroy(p->mdb);
	if (p->vifref && ifp)
		iface_unref(ifp, p->family);
	if (PX_UP(p->family) == p)
		PX_UP(p->family) = NULL;
	RB_REMOVE(pif_tree, &px.pifs, p);
	free(p);
}

/*
 * Take the interface out of the proxy and recompute what it affected.
 * gone: the interface left the system, the kernel has dropped its state.
 */
static void
pif_remove(struct pif *p, bool gone)
{
	bool down = p->role & PIF_DOWN, up = p->role & PIF_UP;
	int family = p->family;
	int ifindex_up = p->role & PIF_REPORT ? p->ifindex : 0;
	struct inet_addr *grps = NULL;
	size_t n = 0, i;

	log_notice("[%s %s] leaving the proxy", proto(p), p->name);
	if (down && p->mdb) {
		const struct mdb_group *g;

		grps = calloc(mdb_group_count(p->mdb) + 1, sizeof(*grps));
		for (g = mdb_group_first(p->mdb); g && grps;
		    g = mdb_group_next(g)) {
			struct mdb_group_info gi;

			mdb_group_info(g, now_ms(), &gi);
			grps[n++] = gi.group;
		}
	}
	pif_free(p);
	for (i = 0; i < n; i++) {
		route_refresh_group(&grps[i]);
		upstream_update(&grps[i]);
	}
	free(grps);
	if (up) {
		/* Whatever it reported upstream goes with it. */
		struct ugroup *ug, *next;
		char err[160];

		RB_FOREACH_SAFE(ug, ugroup_tree, &px.ugroups, next) {
			if (ug->grp.family != family)
				continue;
			if (!gone && ifindex_up && mcfilter_set(ifindex_up,
			    &ug->grp, MCF_INCLUDE, NULL, 0, err, sizeof(err)))
				log_warnx("upstream: %s", err);
			ugroup_free(ug);
		}
		route_refresh_all();
	}
}

/*
 * The role a phyint line gives an interface in a family, or 0: the
 * upstream is upstream for both; igmp (IPv4) and mld (IPv6) make a
 * downstream querier, or on the upstream report the membership.
 */
static unsigned int
pif_role(const struct pconf_if *pc, int family)
{
	unsigned int proto = family == AF_INET6 ? PCONF_MLD : PCONF_IGMP;

	if (!kern_available(family))
		return 0;
	if (pc->flags & PCONF_UPSTREAM)
		return PIF_UP | (pc->flags & proto ? PIF_REPORT : 0);
	return pc->flags & proto ? PIF_DOWN : 0;
}

/* Our address in elections: the primary IPv4 one, the link-local one. */
static void
pif_addr(struct pif *p, const struct iface *ifp)
{
	if (p->family == AF_INET6)
		inet_from_v6(&p->addr, &ifp->ll6);
	else
		inet_from_v4(&p->addr, ifp->inaddr);
}

static struct pif *
pif_create(const struct iface *ifp, const struct conf_phyint *pi,
    int family)
{
	struct mdb_params mp;
	struct pif *p;

	if (!(p = calloc(1, sizeof(*p))))
		return NULL;
	p->family = family;
	p->ifindex = ifp->ifindex;
	strlcpy(p->name, ifp->name, sizeof(p->name));
	p->cfg = pi->proxy;
	p->role = pif_role(&pi->proxy, family);
	pif_addr(p, ifp);
	p->gq_ev = evtimer_new(evbase, gq_timer, p);
	p->oqp_ev = evtimer_new(evbase, oqp_timer, p);
	p->mdb_ev = evtimer_new(evbase, mdb_timer, p);
	if (p->role & PIF_DOWN) {
		pif_params(p, &mp);
		p->mdb = mdb_if_create(&mp);
	}
	if (!p->gq_ev || !p->oqp_ev || !p->mdb_ev ||
	    ((p->role & PIF_DOWN) && !p->mdb)) {
		RB_INSERT(pif_tree, &px.pifs, p);
		pif_free(p);
		return NULL;
	}
	RB_INSERT(pif_tree, &px.pifs, p);
	/* Every proxy interface needs its VIF, to forward and to be asked. */
	p->vifref = true;
	if (iface_ref((struct iface *)ifp, p->family))
		log_warnx("[%s %s] no VIF yet: the proxy cannot route here "
		    "until a slot is free", proto(p), p->name);
	if (p->role & PIF_DOWN) {
		pktio_routers(p->family, p->ifindex, 1);
		if (inet_is_any(&p->addr))
			log_warnx("[%s %s] no %s address: other routers "
			    "ignore our queries", proto(p), p->name,
			    family == AF_INET6 ? "link-local" : "IPv4");
		qfsm_event(p, QE_START);
	}
	if (p->role & PIF_UP)
		log_notice("[%s %s] upstream%s", proto(p), p->name,
		    p->role & PIF_REPORT ? ", reporting membership" : "");
	else
		log_notice("[%s %s] downstream, %sv%d", proto(p), p->name,
		    proto(p), family == AF_INET6 ? pif_level(p) - 1 :
		    pif_level(p));
	return p;
}

/* New knobs for a running interface: its state stays. */
static void
pif_update(struct pif *p, const struct iface *ifp,
    const struct conf_phyint *pi)
{
	struct mdb_params mp;
	bool timing = p->cfg.qi_ms != pi->proxy.qi_ms ||
	    p->cfg.sqi_ms != pi->proxy.sqi_ms;

	p->cfg = pi->proxy;
	if (strcmp(p->name, ifp->name))
		strlcpy(p->name, ifp->name, sizeof(p->name));
	pif_addr(p, ifp);
	if (p->mdb) {
		pif_params(p, &mp);
		mdb_if_set_params(p->mdb, &mp);
	}
	/* A new query interval applies from now on. */
	if (timing && p->qstate == Q_QUERIER && p->startup_left == 0) {
		p->gq_at = now_ms() + pif_qi(p);
		evloop_timer_at(p->gq_ev, p->gq_at);
	}
}

/* Give ifp the role use says in family: keep, change or create. */
static void
proxy_apply_iface(const struct iface *ifp, const struct conf_phyint *use,
    int family)
{
	unsigned int role = pif_role(&use->proxy, family);
	struct pif *p, *up = PX_UP(family);

	if (!role)
		return;
	if ((role & PIF_UP) && up && up->ifindex != ifp->ifindex &&
	    !up->mark) {
		log_warnx("%s line %d: %s: only one upstream interface, %s is "
		    "it", use->where.file, use->where.line, ifp->name,
		    up->name);
		return;
	}
	p = pif_find(family, ifp->ifindex);
	if (p) {
		if (p->role == role) {
			p->mark = false;
			pif_update(p, ifp, use);
			return;
		}
		/* A new role is a new interface. */
		pif_remove(p, false);
	}
	p = pif_create(ifp, use, family);
	if (!p)
		return;
	p->mark = false;
	if (p->role & PIF_UP)
		PX_UP(family) = p;
}

void
proxy_apply(const struct conf *c)
{
	const struct conf_phyint *pi;
	struct pif *p, *next;
	struct iface *ifp;

	px.conf = c;
	RB_FOREACH(p, pif_tree, &px.pifs)
		p->mark = true;
	if (!c)
		goto sweep;
	IFACE_FOREACH(ifp) {
		const struct conf_phyint *use = NULL;

		/*
		 * The last phyint line with proxy keywords naming the
		 * interface gives its role; a later line without them (a
		 * threshold, say) does not take the role away, a later
		 * "disable" does (apply.c set ifp->disabled).
		 */
		TAILQ_FOREACH(pi, &c->phyints, link)
			if (pi->proxy.flags &&
			    word_ifname_match(pi->ifname, ifp->name))
				use = pi;
		if (!use || ifp->disabled || !(ifp->flags & IFF_MULTICAST))
			continue;
		proxy_apply_iface(ifp, use, AF_INET);
		proxy_apply_iface(ifp, use, AF_INET6);
	}
sweep:
	RB_FOREACH_SAFE(p, pif_tree, &px.pifs, next)
		if (p->mark)
			pif_remove(p, false);
	/* Acls may have changed: report and route what they allow now. */
	upstream_update_all();
}

void
proxy_iface_gone(int ifindex)
{
	int families[2] = { AF_INET, AF_INET6 }, i;
	struct pif *p;

	mcfilter_drop_iface(ifindex);
	for (i = 0; i < 2; i++) {
		if ((p = pif_find(families[i], ifindex))) {
			p->vifref = false;	/* the kernel dropped it */
			pif_remove(p, true);
		}
	}
}

int
proxy_querier_params(int ifindex, unsigned int *qi_sec,
    unsigned int *robustness)
{
	struct pif *p = pif_find(AF_INET, ifindex);

	if (!p || !(p->role & PIF_DOWN) || p->qstate != Q_QUERIER)
		return -1;
	*qi_sec = pif_qi(p) / 1000;
	*robustness = pif_robustness(p);
	return 0;
}

/*
 * The upstream came up.  The kernel may have dropped the sources of
 * filters set while it was down: set each group's filter again (left,
 * then set; only at link up).
 */
void
proxy_iface_up(int ifindex, int family)
{
	struct ugroup *ug;
	struct pif *up;
	char err[160];

	RB_FOREACH(ug, ugroup_tree, &px.ugroups) {
		up = PX_UP(ug->grp.family);
		if (!up || up->ifindex != ifindex ||
		    !(up->role & PIF_REPORT) ||
		    (family != AF_UNSPEC && ug->grp.family != family))
			continue;
		mcfilter_set(up->ifindex, &ug->grp, MCF_INCLUDE, NULL, 0, err,
		    sizeof(err));
		upstream_set(up, ug, &ug->f);
	}
}

int
proxy_active(void)
{
	return !RB_EMPTY(&px.pifs);
}

void
proxy_init(void)
{
	RB_INIT(&px.pifs);
	RB_INIT(&px.ugroups);
	px.up[0] = px.up[1] = NULL;
	route_set_hook(proxy_oifs);
	mcfilter_init();
	if (kern_available(AF_INET))
		pktio_init(AF_INET);
	if (kern_available(AF_INET6))
		pktio_init(AF_INET6);
}

void
proxy_exit(void)
{
	struct pif *p, *next;
	struct ugroup *ug, *unext;

	RB_FOREACH_SAFE(p, pif_tree, &px.pifs, next)
		pif_free(p);
	RB_FOREACH_SAFE(ug, ugroup_tree, &px.ugroups, unext)
		ugroup_free(ug);
	mcfilter_exit();
	route_set_hook(NULL);
	px.conf = NULL;
}

/* show igmp: one renderer per object, text and JSON alike. */

static const struct render_col pif_cols[] = {
	{ "INTERFACE", "interface", NULL, RENDER_STR, RENDER_LEFT, 0, NULL, 0 },
	{ "PROTO", "proto", NULL, RENDER_STR, RENDER_LEFT, 0, NULL, 0 },
	{ "ROLE", "role", NULL, RENDER_STR, RENDER_LEFT, 0, NULL, 0 },
	{ "VER", "version", NULL, RENDER_INT, RENDER_RIGHT, 3, "-", 0 },
	{ "STATE", "state", NULL, RENDER_STR, RENDER_LEFT, 0, "-", 0 },
	{ "QUERIER", "querier", NULL, RENDER_STR, RENDER_LEFT, 0, "-", 0 },
	{ "NEXT-Q ms", "next_query_ms", NULL, RENDER_INT, RENDER_RIGHT, 0, "-",
	  0 },
	{ "OQP ms", "other_querier_ms", NULL, RENDER_INT, RENDER_RIGHT, 0, "-",
	  0 },
	{ "GROUPS", "groups", NULL, RENDER_INT, RENDER_RIGHT, 0, "-", 0 },
};
static const struct render_def pif_def = { pif_cols, 9 };

static const struct render_col count_cols[] = {
	{ "INTERFACE", "interface", NULL, RENDER_STR, RENDER_LEFT, 0, NULL, 0 },
	{ "PROTO", "proto", NULL, RENDER_STR, RENDER_LEFT, 0, NULL, 0 },
	{ "COUNTER", "counter", NULL, RENDER_STR, RENDER_LEFT, 0, NULL, 0 },
	{ "VALUE", "value", NULL, RENDER_INT, RENDER_RIGHT, 0, NULL, 0 },
};
static const struct render_def count_def = { count_cols, 4 };

static const struct render_col grp_cols[] = {
	{ "INTERFACE", "interface", NULL, RENDER_STR, RENDER_LEFT, 0, NULL, 0 },
	{ "GROUP", "group", NULL, RENDER_STR, RENDER_LEFT, 0, NULL, 0 },
	{ "MODE", "mode", NULL, RENDER_STR, RENDER_LEFT, 0, NULL, 0 },
	{ "TIMER ms", "timer_ms", NULL, RENDER_INT, RENDER_RIGHT, 0, "-", 0 },
	{ "COMPAT", "compat", NULL, RENDER_INT, RENDER_RIGHT, 0, NULL, 0 },
	{ "HOSTS", "hosts", NULL, RENDER_LIST, RENDER_LEFT, 0, NULL,
	  RENDER_COL_WIDE },
};
static const struct render_def grp_def = { grp_cols, 6 };

static const struct render_col src_cols[] = {
	{ "INTERFACE", "interface", NULL, RENDER_STR, RENDER_LEFT, 0, NULL, 0 },
	{ "GROUP", "group", NULL, RENDER_STR, RENDER_LEFT, 0, NULL, 0 },
	{ "SOURCE", "source", NULL, RENDER_STR, RENDER_LEFT, 0, NULL, 0 },
	{ "TIMER ms", "timer_ms", NULL, RENDER_INT, RENDER_RIGHT, 0, NULL, 0 },
	{ "FORWARD", "forward", NULL, RENDER_STR, RENDER_LEFT, 0, NULL, 0 },
};
static const struct render_def src_def = { src_cols, 5 };

static const struct render_col up_cols[] = {
	{ "UPSTREAM", "interface", NULL, RENDER_STR, RENDER_LEFT, 0, NULL, 0 },
	{ "GROUP", "group", NULL, RENDER_STR, RENDER_LEFT, 0, NULL, 0 },
	{ "MODE", "mode", NULL, RENDER_STR, RENDER_LEFT, 0, NULL, 0 },
	{ "SOURCES", "sources", NULL, RENDER_LIST, RENDER_LEFT, 0, NULL,
	  RENDER_COL_WIDE },
};
static const struct render_def up_def = { up_cols, 4 };

static void
count_row(struct render_table *t, const struct pif *p, const char *name, uint64_t v)
{
	if (!v)
		return;
	render_row(t);
	render_cell_str(t, p->name);
	render_cell_str(t, proto(p));
	render_cell_str(t, name);
	render_cell_int(t, (int64_t)v);
}

static void
show_pif(struct render_table *it, struct render_table *ct, const struct pif *p,
    uint64_t now)
{
	char a[INET6_ADDRSTRLEN];
	int i;

	render_row(it);
	render_cell_str(it, p->name);
	render_cell_str(it, proto(p));
	render_cell_str(it, p->role & PIF_DOWN ? "downstream" :
	    p->role & PIF_REPORT ? "upstream, reporting" : "upstream");
	if (p->role & PIF_DOWN) {
		/* The version on the wire: MLDv1/v2 are levels 2/3. */
		render_cell_int(it, pif_version(p) - (p->family == AF_INET6));
		render_cell_str(it, qstate_str[p->qstate]);
		render_cell_str(it, inet_str(&p->querier, a, sizeof(a)));
		if (p->gq_at)
			render_cell_int(it, (int64_t)(p->gq_at > now ?
			    p->gq_at - now : 0));
		else
			render_cell_null(it);
		if (p->oqp_at)
			render_cell_int(it, (int64_t)(p->oqp_at > now ?
			    p->oqp_at - now : 0));
		else
			render_cell_null(it);
		render_cell_int(it, (int64_t)mdb_group_count(p->mdb));
	} else {
		for (i = 0; i < 6; i++)
			render_cell_null(it);
	}
	if (!(p->role & PIF_DOWN))
		return;
	for (i = 0; i < RX_MAX; i++)
		count_row(ct, p, rx_key[i], p->rx[i]);
	count_row(ct, p, "tx_general_query", p->tx_general);
	count_row(ct, p, "tx_specific_query", p->tx_specific);
	count_row(ct, p, "tx_error", p->tx_errors);
	for (i = 1; i < PKT_DROP_MAX; i++) {
		char key[64];

		snprintf(key, sizeof(key), "drop_%s",
		    pkt_drop_key((enum pkt_drop)i));
		count_row(ct, p, key, p->drops[i]);
	}
	count_row(ct, p, "drop_acl", p->drop_acl);
	{
		const struct mdb_stats *st = mdb_if_stats(p->mdb);

		for (i = MDB_APPLIED + 1; i < MDB_RES_MAX; i++) {
			char key[64];

			if (i == MDB_NOOP)
				continue;
			snprintf(key, sizeof(key), "record_%s",
			    mdb_res_str[i]);
			for (char *k = key; *k; k++)
				*k = *k == ' ' || *k == '-' ? '_' :
				    (char)tolower((unsigned char)*k);
			count_row(ct, p, key, st->rec[i]);
		}
		count_row(ct, p, "fast_leave", st->fast_leaves);
	}
}

static void
show_groups_of(struct render_table *gt, struct render_table *st, const struct pif *p,
    uint64_t now)
{
	char g[INET6_ADDRSTRLEN], a[INET6_ADDRSTRLEN];
	const struct mdb_group *grp;
	const struct mdb_source *src;
	const struct mdb_member *mem;

	for (grp = mdb_group_first(p->mdb); grp; grp = mdb_group_next(grp)) {
		struct mdb_group_info gi;

		mdb_group_info(grp, now, &gi);
		inet_str(&gi.group, g, sizeof(g));
		render_row(gt);
		render_cell_str(gt, p->name);
		render_cell_str(gt, g);
		render_cell_str(gt, msf_mode_str[gi.mode]);
		if (gi.mode == MSF_EXCLUDE)
			render_cell_int(gt, (int64_t)gi.timer);
		else
			render_cell_null(gt);
		/* As VER: the version on the wire (MLDv1/v2 are 2/3). */
		render_cell_int(gt, gi.compat - (p->family == AF_INET6));
		render_cell_list(gt);
		for (mem = mdb_member_first(grp); mem;
		    mem = mdb_member_next(mem)) {
			struct mdb_member_info mi;

			mdb_member_info(mem, now, &mi);
			render_list_add(gt, inet_str(&mi.host, a, sizeof(a)));
		}
		for (src = mdb_source_first(grp); src;
		    src = mdb_source_next(src)) {
			struct mdb_source_info si;

			mdb_source_info(src, now, &si);
			render_row(st);
			render_cell_str(st, p->name);
			render_cell_str(st, g);
			render_cell_str(st, inet_str(&si.addr, a, sizeof(a)));
			render_cell_int(st, (int64_t)si.timer);
			render_cell_str(st, si.forward ? "yes" : "no");
		}
	}
}

int
proxy_show(struct render_doc *doc, unsigned int flags, char *err,
    size_t errlen)
{
	struct render_table *it, *ct, *gt, *st, *ut;
	uint64_t now = now_ms();
	struct ugroup *ug;
	struct pif *p;

	(void)flags;
	if (RB_EMPTY(&px.pifs)) {
		snprintf(err, errlen, "no IGMP/MLD proxy interfaces configured "
		    "(phyint IF igmp|mld / phyint IF upstream)");
		return -1;
	}
	it = render_add(doc, "igmp", "interfaces", "IGMP/MLD Interfaces", &pif_def,
	    0);
	ct = render_add(doc, "igmp", "counters", "IGMP/MLD Counters", &count_def,
	    0);
	gt = render_add(doc, "igmp", "groups", "IGMP/MLD Groups", &grp_def, 0);
	st = render_add(doc, "igmp", "sources", "IGMP/MLD Sources", &src_def, 0);
	ut = render_add(doc, "igmp", "upstream", "Upstream Membership",
	    &up_def, 0);
	RB_FOREACH(p, pif_tree, &px.pifs) {
		show_pif(it, ct, p, now);
		if (p->role & PIF_DOWN)
			show_groups_of(gt, st, p, now);
	}
	RB_FOREACH(ug, ugroup_tree, &px.ugroups) {
		char g[INET6_ADDRSTRLEN], a[INET6_ADDRSTRLEN];
		struct msf_src *s;

		render_row(ut);
		render_cell_str(ut, PX_UP(ug->grp.family) ?
		    PX_UP(ug->grp.family)->name : "?");
		render_cell_str(ut, inet_str(&ug->grp, g, sizeof(g)));
		render_cell_str(ut, msf_mode_str[ug->f.mode]);
		render_cell_list(ut);
		MSF_FOREACH(s, &ug->f)
			render_list_add(ut, inet_str(&s->addr, a, sizeof(a)));
	}
	return 0;
}
