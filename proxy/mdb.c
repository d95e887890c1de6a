/*
 * mdb.c - multicast membership database of one downstream interface
 *
 * Objects, per interface:
 *
 *   mdb_if ─┬─ groups (RB by address) ─┬─ sources (RB by address)
 *           │                          ├─ members (RB by host address)
 *           │                          │    └─ member sources (RB)
 *           │                          └─ srefs (RB by source address)
 *           ├─ hosts (RB by address): groups joined, for max_per_host
 *           ├─ timers (RB by deadline): every running timer
 *           ├─ changes (RB by group address): groups to recompute
 *           └─ queries (FIFO): query requests to send
 *
 * A source record belongs to the router state of RFC 3376 section 6.
 * In INCLUDE mode every source has a running timer; in EXCLUDE mode the
 * sources with a running timer are the "Requested List" X and those
 * with a stopped timer ("timer == 0") the "Exclude List" Y
 * (section 6.2.3).
 *
 * A member is one host's own filter state for the group, as its records
 * state it (explicit tracking, used for fast leave, limits and show).
 * The srefs count, per source, the INCLUDE members listing it and the
 * EXCLUDE members listing it, so "does any host still want S?" is one
 * lookup:  n_inc(S) > 0  or  (EXCLUDE members) > n_exc(S).
 *
 * Timers are deadlines (ms) in their objects, all in one tree ordered
 * by (deadline, arming sequence); mdb_tick() pops the due ones in order.
 * Every delete stops the object's timers before free().
 */
#include "config.h"

#include <sys/queue.h>
#include <sys/tree.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mdb.h"

enum mdb_tmr_kind {
	TMR_SOURCE,		/* source timer, section 6.2.3 */
	TMR_GROUP,		/* group timer, section 6.2.1 */
	TMR_RXMT,		/* specific query retransmission, 6.6.3 */
	TMR_MEMBER,		/* explicit tracking: host forgotten */
};

struct mdb_tmr {
	RB_ENTRY(mdb_tmr)	 entry;
	uint64_t		 at;		/* deadline, ms */
	uint64_t		 seq;		/* arming order, breaks ties */
	void			*obj;
	enum mdb_tmr_kind	 kind;
	bool			 armed;
};
RB_HEAD(mdb_tmr_tree, mdb_tmr);

struct mdb_source {
	RB_ENTRY(mdb_source)	 entry;
	TAILQ_ENTRY(mdb_source)	 rxq;		/* on group rxq iff rxmt > 0 */
	struct inet_addr	 addr;
	struct mdb_group	*g;
	struct mdb_tmr		 tmr;		/* stopped: in Y (EXCLUDE) */
	uint32_t		 mark;		/* set operations, see mark */
	unsigned		 rxmt;		/* Q(G,S) transmissions left */
};
RB_HEAD(mdb_src_tree, mdb_source);
TAILQ_HEAD(mdb_src_list, mdb_source);

/* Per group and source: how many members list the source. */
struct mdb_sref {
	RB_ENTRY(mdb_sref)	 entry;
	struct inet_addr	 addr;
	unsigned		 n_inc;		/* INCLUDE members listing it */
	unsigned		 n_exc;		/* EXCLUDE members listing it */
	uint64_t		 inc_until;	/* last INCLUDE listing + GMI */
};
RB_HEAD(mdb_sref_tree, mdb_sref);

/* One source of a member's filter. */
struct mdb_hsrc {
	RB_ENTRY(mdb_hsrc)	 entry;
	struct mdb_sref		*ref;		/* holds the address */
};
RB_HEAD(mdb_hsrc_tree, mdb_hsrc);

struct mdb_host {
	RB_ENTRY(mdb_host)	 entry;
	struct inet_addr	 addr;
	unsigned		 ngroups;	/* members it has */
};
RB_HEAD(mdb_host_tree, mdb_host);

struct mdb_member {
	RB_ENTRY(mdb_member)	 entry;
	struct mdb_host		*host;
	struct mdb_group	*g;
	enum msf_mode		 mode;
	struct mdb_hsrc_tree	 srcs;
	size_t			 nsrc;
	int			 version;
	struct mdb_tmr		 tmr;
};
RB_HEAD(mdb_member_tree, mdb_member);

struct mdb_group {
	RB_ENTRY(mdb_group)	 entry;
	struct inet_addr	 addr;
	struct mdb_if		*ifp;
	enum msf_mode		 mode;
	struct mdb_src_tree	 srcs;
	size_t			 nsrc;
	struct mdb_tmr		 gtmr;		/* group timer, EXCLUDE only */
	struct mdb_tmr		 qtmr;		/* next retransmission */
	uint64_t		 v1_until;	/* IGMPv1 Host Present timer */
	uint64_t		 v2_until;	/* IGMPv2 Host Present timer */
	unsigned		 rxmt;		/* Q(G) transmissions left */
	struct mdb_src_list	 rxq;		/* sources with rxmt > 0 */
	bool			 q_now;		/* new query state: send now */
	uint32_t		 gen;		/* current mark */
	size_t			 nmarked;	/* sources marked with gen */
	uint64_t		 untracked_until; /* see mdb_untracked() */
	struct mdb_member_tree	 members;
	size_t			 nmember;
	unsigned		 n_ex_members;
	struct mdb_sref_tree	 srefs;
};
RB_HEAD(mdb_group_tree, mdb_group);

struct mdb_chg {
	RB_ENTRY(mdb_chg)	 entry;
	struct inet_addr	 addr;
};
RB_HEAD(mdb_chg_tree, mdb_chg);

struct mdb_if {
	struct mdb_params	 p;
	uint64_t		 gmi;		/* group membership interval */
	uint64_t		 lmqt;		/* last member query time */
	uint64_t		 lmq_wait;	/* LMQT + grace (mdb_grace) */
	uint64_t		 ohpi;		/* older host present intvl */
	unsigned		 lmqc;
	bool			 querier;
	bool			 nomem;		/* set by failed allocations */
	bool			 chg_lost;	/* a change was not queued */
	struct mdb_group_tree	 groups;
	size_t			 ngroups;
	size_t			 nsources;	/* source records */
	size_t			 nlisted;	/* member source entries */
	size_t			 nmembers;
	size_t			 nhosts;
	struct mdb_host_tree	 hosts;
	struct mdb_tmr_tree	 timers;
	uint64_t		 seq;
	struct mdb_chg_tree	 changes;
	struct mdb_query	*qhead;
	struct mdb_query	**qtail;
	struct mdb_stats	 stats;
	const char		*last_row;
};

/* A record after version translation, as the tables see it. */
struct mdb_xrec {
	enum mdb_rec_type	 type;
	size_t			 nsrc;
	const struct inet_addr	*srcs;
};

const char *const mdb_rec_str[MDB_REC_MAX] = {
	[0] = "?",
	[MDB_IS_IN] = "IS_IN",
	[MDB_IS_EX] = "IS_EX",
	[MDB_TO_IN] = "TO_IN",
	[MDB_TO_EX] = "TO_EX",
	[MDB_ALLOW] = "ALLOW",
	[MDB_BLOCK] = "BLOCK",
	[MDB_V1_REPORT] = "V1_REPORT",
	[MDB_V2_REPORT] = "V2_REPORT",
	[MDB_V2_LEAVE] = "V2_LEAVE",
};

const char *const mdb_res_str[MDB_RES_MAX] = {
	[MDB_APPLIED] = "applied",
	[MDB_NOOP] = "no-op",
	[MDB_IGN_INVALID] = "invalid",
	[MDB_IGN_LINKLOCAL] = "link-local group",
	[MDB_IGN_VERSION] = "version above configured",
	[MDB_IGN_SSM] = "non-source-specific for SSM group",
	[MDB_IGN_COMPAT] = "ignored in compatibility mode",
	[MDB_DROP_LIMIT_IF] = "interface group limit",
	[MDB_DROP_LIMIT_HOST] = "host group limit",
	[MDB_DROP_LIMIT_SRC] = "interface source limit",
	[MDB_DROP_NOMEM] = "out of memory",
};

static int
mdb_tmr_cmp(const struct mdb_tmr *a, const struct mdb_tmr *b)
{
	if (a->at != b->at)
		return a->at < b->at ? -1 : 1;
	if (a->seq != b->seq)
		return a->seq < b->seq ? -1 : 1;
	return 0;
}

static int
mdb_src_cmp(const struct mdb_source *a, const struct mdb_source *b)
{
	return inet_cmp(&a->addr, &b->addr);
}

static int
mdb_sref_cmp(const struct mdb_sref *a, const struct mdb_sref *b)
{
	return inet_cmp(&a->addr, &b->addr);
}

static int
mdb_hsrc_cmp(const struct mdb_hsrc *a, const struct mdb_hsrc *b)
{
	return inet_cmp(&a->ref->addr, &b->ref->addr);
}

static int
mdb_host_cmp(const struct mdb_host *a, const struct mdb_host *b)
{
	return inet_cmp(&a->addr, &b->addr);
}

static int
mdb_member_cmp(const struct mdb_member *a, const struct mdb_member *b)
{
	return inet_cmp(&a->host->addr, &b->host->addr);
}

static int
mdb_group_cmp(const struct mdb_group *a, const struct mdb_group *b)
{
	return inet_cmp(&a->addr, &b->addr);
}

static int
mdb_chg_cmp(const struct mdb_chg *a, const struct mdb_chg *b)
{
	return inet_cmp(&a->addr, &b->addr);
}

RB_GENERATE_STATIC(mdb_tmr_tree, mdb_tmr, entry, mdb_tmr_cmp)
RB_GENERATE_STATIC(mdb_src_tree, mdb_source, entry, mdb_src_cmp)
RB_GENERATE_STATIC(mdb_sref_tree, mdb_sref, entry, mdb_sref_cmp)
RB_GENERATE_STATIC(mdb_hsrc_tree, mdb_hsrc, entry, mdb_hsrc_cmp)
RB_GENERATE_STATIC(mdb_host_tree, mdb_host, entry, mdb_host_cmp)
RB_GENERATE_STATIC(mdb_member_tree, mdb_member, entry, mdb_member_cmp)
RB_GENERATE_STATIC(mdb_group_tree, mdb_group, entry, mdb_group_cmp)
RB_GENERATE_STATIC(mdb_chg_tree, mdb_chg, entry, mdb_chg_cmp)

/*
 * Timers
 */

static void
mdb_tmr_init(struct mdb_tmr *t, enum mdb_tmr_kind kind, void *obj)
{
	memset(t, 0, sizeof(*t));
	t->kind = kind;
	t->obj = obj;
}

static void
mdb_tmr_start(struct mdb_if *ifp, struct mdb_tmr *t, uint64_t at)
{
	if (t->armed)
		RB_REMOVE(mdb_tmr_tree, &ifp->timers, t);
	t->at = at;
	t->seq = ++ifp->seq;
	t->armed = true;
	RB_INSERT(mdb_tmr_tree, &ifp->timers, t);
}

static void
mdb_tmr_stop(struct mdb_if *ifp, struct mdb_tmr *t)
{
	if (t->armed)
		RB_REMOVE(mdb_tmr_tree, &ifp->timers, t);
	t->armed = false;
}

static uint64_t
mdb_tmr_left(const struct mdb_tmr *t, uint64_t now)
{
	return t->armed && t->at > now ? t->at - now : 0;
}

/* "Lower the timer to v": only ever shortens a running timer. */
static void
mdb_tmr_lower(struct mdb_if *ifp, struct mdb_tmr *t, uint64_t now,
    uint64_t v)
{
	if (t->armed && t->at > now + v)
		mdb_tmr_start(ifp, t, now + v);
}

/*
 * Change notification and query output
 */

static void
mdb_changed(struct mdb_if *ifp, const struct inet_addr *grp)
{
	struct mdb_chg key, *c;

	key.addr = *grp;
	if (RB_FIND(mdb_chg_tree, &ifp->changes, &key) != NULL)
		return;
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		ifp->chg_lost = true;
		return;
	}
	c->addr = *grp;
	RB_INSERT(mdb_chg_tree, &ifp->changes, c);
}

static void
mdb_query_queue(struct mdb_if *ifp, struct mdb_query *q)
{
	q->next = NULL;
	*ifp->qtail = q;
	ifp->qtail = &q->next;
	ifp->stats.queries++;
}

static struct mdb_query *
mdb_query_new(struct mdb_if *ifp, const struct mdb_group *g, bool sflag,
    size_t nsrc)
{
	struct mdb_query *q;

	q = calloc(1, sizeof(*q) + nsrc * sizeof(q->srcs[0]));
	if (q == NULL) {
		ifp->nomem = true;
		return NULL;
	}
	q->group = g->addr;
	q->sflag = sflag;
	q->nsrc = nsrc;
	return q;
}

/*
 * Older-version compatibility, RFC 3376 section 7.3.2: the group
 * compatibility mode follows the Older Host Present timers, capped by
 * the configured version.
 */
static int
mdb_group_compat(const struct mdb_if *ifp, const struct mdb_group *g,
    uint64_t now)
{
	int c = 3;

	if (g != NULL && g->v1_until > now)
		c = 1;
	else if (g != NULL && g->v2_until > now)
		c = 2;
	return c < ifp->p.version ? c : ifp->p.version;
}

/*
 * Sources
 */

static struct mdb_source *
mdb_src_find(const struct mdb_group *g, const struct inet_addr *a)
{
	struct mdb_source key;

	key.addr = *a;
	return RB_FIND(mdb_src_tree, (struct mdb_src_tree *)&g->srcs, &key);
}

/* A new source record with a stopped timer. */
static struct mdb_source *
mdb_src_add(struct mdb_if *ifp, struct mdb_group *g,
    const struct inet_addr *a)
{
	struct mdb_source *s;

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		ifp->nomem = true;
		return NULL;
	}
	s->addr = *a;
	s->g = g;
	mdb_tmr_init(&s->tmr, TMR_SOURCE, s);
	RB_INSERT(mdb_src_tree, &g->srcs, s);
	g->nsrc++;
	ifp->nsources++;
	mdb_changed(ifp, &g->addr);
	return s;
}

static struct mdb_source *
mdb_src_get(struct mdb_if *ifp, struct mdb_group *g,
    const struct inet_addr *a)
{
	struct mdb_source *s;

	if ((s = mdb_src_find(g, a)) != NULL)
		return s;
	return mdb_src_add(ifp, g, a);
}

static void
mdb_src_rxmt(struct mdb_group *g, struct mdb_source *s, unsigned n)
{
	if (n > 0 && s->rxmt == 0)
		TAILQ_INSERT_TAIL(&g->rxq, s, rxq);
	else if (n == 0 && s->rxmt > 0)
		TAILQ_REMOVE(&g->rxq, s, rxq);
	s->rxmt = n;
}

/* Start or restart the source timer; Y to X is a change. */
static void
mdb_src_timer(struct mdb_if *ifp, struct mdb_source *s, uint64_t at)
{
	if (!s->tmr.armed)
		mdb_changed(ifp, &s->g->addr);
	mdb_tmr_start(ifp, &s->tmr, at);
}

/* Stop the source timer: X to Y in EXCLUDE mode. */
static void
mdb_src_stop(struct mdb_if *ifp, struct mdb_source *s)
{
	if (s->tmr.armed)
		mdb_changed(ifp, &s->g->addr);
	mdb_tmr_stop(ifp, &s->tmr);
	mdb_src_rxmt(s->g, s, 0);
}

static void
mdb_src_del(struct mdb_if *ifp, struct mdb_source *s)
{
	struct mdb_group *g = s->g;

	mdb_tmr_stop(ifp, &s->tmr);
	mdb_src_rxmt(g, s, 0);
	RB_REMOVE(mdb_src_tree, &g->srcs, s);
	g->nsrc--;
	ifp->nsources--;
	mdb_changed(ifp, &g->addr);
	free(s);
}

/*
 * Start a set operation: afterwards s->mark == gen means "in the set",
 * and g->nmarked == g->nsrc that every source is, so that the walks
 * over the unmarked ones can be skipped (a record that names all the
 * sources again, as every periodic report does, walks nothing).
 */
static uint32_t
mdb_mark_begin(struct mdb_group *g)
{
	struct mdb_source *s;

	if (++g->gen == 0) {
		RB_FOREACH(s, mdb_src_tree, &g->srcs)
			s->mark = 0;
		g->gen = 1;
	}
	g->nmarked = 0;
	return g->gen;
}

static void
mdb_mark(struct mdb_group *g, struct mdb_source *s, uint32_t gen)
{
	if (s->mark != gen) {
		s->mark = gen;
		g->nmarked++;
	}
}

static bool
mdb_all_marked(const struct mdb_group *g)
{
	return g->nmarked >= g->nsrc;
}

/* Delete every source record not marked with gen. */
static void
mdb_sweep_unmarked(struct mdb_if *ifp, struct mdb_group *g, uint32_t gen)
{
	struct mdb_source *s, *next;

	if (mdb_all_marked(g))
		return;
	RB_FOREACH_SAFE(s, mdb_src_tree, &g->srcs, next)
		if (s->mark != gen)
			mdb_src_del(ifp, s);
}

/*
 * Explicit tracking: members, their sources, hosts
 */

static struct mdb_sref *
mdb_sref_find(const struct mdb_group *g, const struct inet_addr *a)
{
	struct mdb_sref key;

	key.addr = *a;
	return RB_FIND(mdb_sref_tree, (struct mdb_sref_tree *)&g->srefs,
	    &key);
}

/* Does any tracked host of g want traffic from a? */
static bool
mdb_hosts_want(const struct mdb_group *g, const struct inet_addr *a)
{
	const struct mdb_sref *r = mdb_sref_find(g, a);
	unsigned n_inc = r ? r->n_inc : 0, n_exc = r ? r->n_exc : 0;

	return n_inc > 0 || g->n_ex_members > n_exc;
}

static struct mdb_host *
mdb_host_find(const struct mdb_if *ifp, const struct inet_addr *a)
{
	struct mdb_host key;

	key.addr = *a;
	return RB_FIND(mdb_host_tree, (struct mdb_host_tree *)&ifp->hosts,
	    &key);
}

static struct mdb_member *
mdb_member_lookup(const struct mdb_group *g, const struct inet_addr *host)
{
	struct mdb_host h;
	struct mdb_member key;

	h.addr = *host;
	key.host = &h;
	return RB_FIND(mdb_member_tree, (struct mdb_member_tree *)&g->members,
	    &key);
}

static int
mdb_member_src_add(struct mdb_if *ifp, struct mdb_member *m,
    const struct inet_addr *a, uint64_t now)
{
	struct mdb_group *g = m->g;
	struct mdb_sref ks, *r;
	struct mdb_hsrc kh, *h;

	ks.addr = *a;
	kh.ref = &ks;
	if ((h = RB_FIND(mdb_hsrc_tree, &m->srcs, &kh)) != NULL) {
		if (m->mode == MSF_INCLUDE)
			h->ref->inc_until = now + ifp->gmi;
		return 0;
	}
	if ((h = calloc(1, sizeof(*h))) == NULL)
		goto nomem;
	if ((r = mdb_sref_find(g, a)) == NULL) {
		if ((r = calloc(1, sizeof(*r))) == NULL) {
			free(h);
			goto nomem;
		}
		r->addr = *a;
		RB_INSERT(mdb_sref_tree, &g->srefs, r);
	}
	h->ref = r;
	RB_INSERT(mdb_hsrc_tree, &m->srcs, h);
	m->nsrc++;
	ifp->nlisted++;
	if (m->mode == MSF_INCLUDE) {
		r->n_inc++;
		r->inc_until = now + ifp->gmi;
	} else
		r->n_exc++;
	return 0;
nomem:
	ifp->nomem = true;
	return -1;
}

static void
mdb_member_src_remove(struct mdb_member *m, struct mdb_hsrc *h)
{
	struct mdb_group *g = m->g;
	struct mdb_sref *r = h->ref;

	if (m->mode == MSF_INCLUDE)
		r->n_inc--;
	else
		r->n_exc--;
	RB_REMOVE(mdb_hsrc_tree, &m->srcs, h);
	m->nsrc--;
	g->ifp->nlisted--;
	free(h);
	if (r->n_inc == 0 && r->n_exc == 0) {
		RB_REMOVE(mdb_sref_tree, &g->srefs, r);
		free(r);
	}
}

static void
mdb_member_src_del(struct mdb_member *m, const struct inet_addr *a)
{
	struct mdb_sref ks;
	struct mdb_hsrc kh, *h;

	ks.addr = *a;
	kh.ref = &ks;
	if ((h = RB_FIND(mdb_hsrc_tree, &m->srcs, &kh)) != NULL)
		mdb_member_src_remove(m, h);
}

static void
mdb_member_clear(struct mdb_member *m)
{
	struct mdb_hsrc *h, *next;

	RB_FOREACH_SAFE(h, mdb_hsrc_tree, &m->srcs, next)
		mdb_member_src_remove(m, h);
}

static void
mdb_member_mode(struct mdb_member *m, enum msf_mode mode)
{
	if (m->mode == mode)
		return;
	if (mode == MSF_EXCLUDE)
		m->g->n_ex_members++;
	else
		m->g->n_ex_members--;
	m->mode = mode;
}

static struct mdb_member *
mdb_member_add(struct mdb_if *ifp, struct mdb_group *g,
    const struct inet_addr *host)
{
	struct mdb_host *h;
	struct mdb_member *m;

	if ((m = calloc(1, sizeof(*m))) == NULL)
		goto nomem;
	if ((h = mdb_host_find(ifp, host)) == NULL) {
		if ((h = calloc(1, sizeof(*h))) == NULL) {
			free(m);
			goto nomem;
		}
		h->addr = *host;
		RB_INSERT(mdb_host_tree, &ifp->hosts, h);
		ifp->nhosts++;
	}
	h->ngroups++;
	m->host = h;
	m->g = g;
	m->mode = MSF_INCLUDE;
	RB_INIT(&m->srcs);
	mdb_tmr_init(&m->tmr, TMR_MEMBER, m);
	RB_INSERT(mdb_member_tree, &g->members, m);
	g->nmember++;
	ifp->nmembers++;
	return m;
nomem:
	ifp->nomem = true;
	return NULL;
}

static void
mdb_member_del(struct mdb_if *ifp, struct mdb_member *m)
{
	struct mdb_group *g = m->g;
	struct mdb_host *h = m->host;

	mdb_tmr_stop(ifp, &m->tmr);
	mdb_member_clear(m);
	mdb_member_mode(m, MSF_INCLUDE);
	RB_REMOVE(mdb_member_tree, &g->members, m);
	g->nmember--;
	ifp->nmembers--;
	if (--h->ngroups == 0) {
		RB_REMOVE(mdb_host_tree, &ifp->hosts, h);
		ifp->nhosts--;
		free(h);
	}
	free(m);
}

/* The member's filter becomes mode(srcs). */
static void
mdb_member_set(struct mdb_if *ifp, struct mdb_member *m,
    enum msf_mode mode, const struct mdb_xrec *x, uint64_t now)
{
	size_t i;

	mdb_member_clear(m);
	mdb_member_mode(m, mode);
	for (i = 0; i < x->nsrc; i++)
		mdb_member_src_add(ifp, m, &x->srcs[i], now);
}

/* Would a record give interest to a host or group that has none? */
static bool
mdb_xrec_joins(const struct mdb_xrec *x)
{
	switch (x->type) {
	case MDB_IS_EX:
	case MDB_TO_EX:
		return true;
	case MDB_IS_IN:
	case MDB_TO_IN:
	case MDB_ALLOW:
		return x->nsrc > 0;
	default:
		return false;
	}
}

/*
 * A host's own state from its records (RFC 3376 section 3.2 at the
 * host; a Current-State or Filter-Mode-Change record states it fully,
 * ALLOW and BLOCK edit the list):
 *   IS_IN(B), TO_IN(B): INCLUDE(B)	IS_EX(B), TO_EX(B): EXCLUDE(B)
 *   ALLOW(B): INCLUDE(A+B) or EXCLUDE(A-B)
 *   BLOCK(B): INCLUDE(A-B) or EXCLUDE(A+B)
 * INCLUDE({}) forgets the host.  Without track, the host is not tracked
 * for the group (and forgotten if it was), and the group is untracked.
 */
static void
mdb_member_update(struct mdb_if *ifp, struct mdb_group *g,
    struct mdb_member *m, const struct inet_addr *host,
    const struct mdb_xrec *x, int version, bool track, uint64_t now)
{
	size_t i;

	if (!track) {
		/* Over a tracking limit: see mdb_track(). */
		g->untracked_until = now + ifp->gmi;
		if (m != NULL)
			mdb_member_del(ifp, m);
		return;
	}
	if (m == NULL) {
		if (!mdb_xrec_joins(x))
			return;
		if ((m = mdb_member_add(ifp, g, host)) == NULL)
			return;
	}
	switch (x->type) {
	case MDB_IS_IN:
	case MDB_TO_IN:
		mdb_member_set(ifp, m, MSF_INCLUDE, x, now);
		break;
	case MDB_IS_EX:
	case MDB_TO_EX:
		mdb_member_set(ifp, m, MSF_EXCLUDE, x, now);
		break;
	case MDB_ALLOW:
	case MDB_BLOCK:
		for (i = 0; i < x->nsrc; i++) {
			if ((x->type == MDB_ALLOW) == (m->mode == MSF_INCLUDE))
				mdb_member_src_add(ifp, m, &x->srcs[i], now);
			else
				mdb_member_src_del(m, &x->srcs[i]);
		}
		break;
	default:
		break;
	}
	m->version = version;
	if (m->mode == MSF_INCLUDE && m->nsrc == 0)
		mdb_member_del(ifp, m);
	else
		mdb_tmr_start(ifp, &m->tmr, now + ifp->gmi);
}

/*
 * Groups
 */

static struct mdb_group *
mdb_group_lookup(const struct mdb_if *ifp, const struct inet_addr *a)
{
	struct mdb_group key;

	key.addr = *a;
	return RB_FIND(mdb_group_tree, (struct mdb_group_tree *)&ifp->groups,
	    &key);
}

/* A new group record starts as INCLUDE({}) (section 6.4). */
static struct mdb_group *
mdb_group_add(struct mdb_if *ifp, const struct inet_addr *a)
{
	struct mdb_group *g;

	if ((g = calloc(1, sizeof(*g))) == NULL) {
		ifp->nomem = true;
		return NULL;
	}
	g->addr = *a;
	g->ifp = ifp;
	g->mode = MSF_INCLUDE;
	RB_INIT(&g->srcs);
	RB_INIT(&g->members);
	RB_INIT(&g->srefs);
	TAILQ_INIT(&g->rxq);
	mdb_tmr_init(&g->gtmr, TMR_GROUP, g);
	mdb_tmr_init(&g->qtmr, TMR_RXMT, g);
	RB_INSERT(mdb_group_tree, &ifp->groups, g);
	ifp->ngroups++;
	mdb_changed(ifp, &g->addr);
	return g;
}

static void
mdb_group_free(struct mdb_if *ifp, struct mdb_group *g)
{
	struct mdb_source *s, *snext;
	struct mdb_member *m, *mnext;

	RB_FOREACH_SAFE(m, mdb_member_tree, &g->members, mnext)
		mdb_member_del(ifp, m);
	RB_FOREACH_SAFE(s, mdb_src_tree, &g->srcs, snext) {
		mdb_tmr_stop(ifp, &s->tmr);
		RB_REMOVE(mdb_src_tree, &g->srcs, s);
		ifp->nsources--;
		free(s);
	}
	mdb_tmr_stop(ifp, &g->gtmr);
	mdb_tmr_stop(ifp, &g->qtmr);
	RB_REMOVE(mdb_group_tree, &ifp->groups, g);
	ifp->ngroups--;
	free(g);
}

static void
mdb_group_del(struct mdb_if *ifp, struct mdb_group *g)
{
	mdb_changed(ifp, &g->addr);
	mdb_group_free(ifp, g);
}

static void
mdb_group_mode(struct mdb_if *ifp, struct mdb_group *g, enum msf_mode mode)
{
	if (g->mode == mode)
		return;
	g->mode = mode;
	if (mode == MSF_INCLUDE) {
		mdb_tmr_stop(ifp, &g->gtmr);
		g->rxmt = 0;
	}
	mdb_changed(ifp, &g->addr);
}

/* Fast leave needs every listener tracked: see mdb_track(). */
static bool
mdb_untracked(const struct mdb_group *g, uint64_t now)
{
	return g->untracked_until > now;
}

/*
 * Specific queries, RFC 3376 section 6.6.3 (RFC 3810 section 7.6.3)
 */

/*
 * Build and queue the queries of one transmission for g:
 *  - Q(G) while group retransmissions are left; S set when the group
 *    timer is larger than LMQT (section 6.6.3.1);
 *  - Q(G,A) with S set: sources with retransmission state and a timer
 *    larger than LMQT; suppressed when Q(G) goes out at the same time;
 *  - Q(G,A) with S clear: sources with retransmission state and a
 *    timer lower or equal to LMQT (section 6.6.3.2).
 * LMQT here is LMQT + grace, what a lowered timer gets (mdb_grace()).
 * Empty messages are not sent.  Each transmission uses up one
 * retransmission of everything it covers; the next one is due in LMQI.
 */
static void
mdb_group_send_queries(struct mdb_if *ifp, struct mdb_group *g,
    uint64_t now)
{
	struct mdb_source *s, *next;
	struct mdb_query *q, *qs = NULL, *qc = NULL;
	size_t ns = 0, nc = 0;
	bool grp = false;
	int compat = mdb_group_compat(ifp, g, now);

	if (g->rxmt > 0) {
		q = mdb_query_new(ifp, g,
		    mdb_tmr_left(&g->gtmr, now) > ifp->lmq_wait, 0);
		if (q != NULL) {
			q->compat = compat;
			mdb_query_queue(ifp, q);
		}
		g->rxmt--;
		grp = true;
	}
	TAILQ_FOREACH(s, &g->rxq, rxq) {
		if (mdb_tmr_left(&s->tmr, now) > ifp->lmq_wait)
			ns++;
		else
			nc++;
	}
	if (ns > 0 && !grp && (qs = mdb_query_new(ifp, g, true, ns)) != NULL)
		qs->nsrc = 0;
	if (nc > 0 && (qc = mdb_query_new(ifp, g, false, nc)) != NULL)
		qc->nsrc = 0;
	TAILQ_FOREACH_SAFE(s, &g->rxq, rxq, next) {
		q = mdb_tmr_left(&s->tmr, now) > ifp->lmq_wait ? qs : qc;
		if (q != NULL)
			q->srcs[q->nsrc++] = s->addr;
		mdb_src_rxmt(g, s, s->rxmt - 1);
	}
	if (qs != NULL) {
		qs->compat = compat;
		mdb_query_queue(ifp, qs);
	}
	if (qc != NULL) {
		qc->compat = compat;
		mdb_query_queue(ifp, qc);
	}
	if (g->rxmt > 0 || !TAILQ_EMPTY(&g->rxq))
		mdb_tmr_start(ifp, &g->qtmr, now + ifp->p.lmqi);
	else
		mdb_tmr_stop(ifp, &g->qtmr);
}

/*
 * "Send Q(G,A)" for one source S of A.  Querier (section 6.6.3.2): a
 * source whose timer is larger than LMQT gets LMQC retransmissions and
 * its timer lowered to LMQT (both LMQT + grace, mdb_grace()).  Fast
 * leave: no query; a source no tracked host wants expires now.  Other
 * routers do nothing.
 */
static void
mdb_send_q_src(struct mdb_if *ifp, struct mdb_group *g,
    struct mdb_source *s, uint64_t now)
{
	if (ifp->p.fast_leave && !mdb_untracked(g, now)) {
		if (s->tmr.armed && s->tmr.at > now &&
		    !mdb_hosts_want(g, &s->addr)) {
			mdb_tmr_start(ifp, &s->tmr, now);
			ifp->stats.fast_leaves++;
		}
		return;
	}
	if (!ifp->querier)
		return;
	if (mdb_tmr_left(&s->tmr, now) > ifp->lmq_wait) {
		mdb_src_rxmt(g, s, ifp->lmqc);
		mdb_tmr_start(ifp, &s->tmr, now + ifp->lmq_wait);
		g->q_now = true;
	}
}

/*
 * "Send Q(G)".  Querier (section 6.6.3.1): the group timer is lowered to
 * LMQT (+ grace, mdb_grace()) and LMQC queries are sent, LMQI apart.
 * Fast leave: no query; with no tracked host left in EXCLUDE mode the
 * group timer expires now.
 * The group then falls back to INCLUDE (section 6.5) with the sources
 * that still run.  In EXCLUDE mode the tables drop sources that only
 * INCLUDE hosts asked for (e.g. INCLUDE (A) IS_EX (B) deletes A-B, as
 * EXCLUDE forwards them anyway); without fast leave the Q(G) makes those
 * hosts report them again, with fast leave they are restored from the
 * tracked host state, with the timer their last report gave them.
 */
static void
mdb_send_q_grp(struct mdb_if *ifp, struct mdb_group *g, uint64_t now)
{
	struct mdb_sref *r;
	struct mdb_source *s;

	if (ifp->p.fast_leave && !mdb_untracked(g, now)) {
		if (g->n_ex_members > 0 || !g->gtmr.armed || g->gtmr.at <= now)
			return;
		RB_FOREACH(r, mdb_sref_tree, &g->srefs) {
			if (r->n_inc == 0 || r->inc_until <= now)
				continue;
			s = mdb_src_get(ifp, g, &r->addr);
			if (s != NULL &&
			    (!s->tmr.armed || s->tmr.at < r->inc_until))
				mdb_src_timer(ifp, s, r->inc_until);
		}
		mdb_tmr_start(ifp, &g->gtmr, now);
		ifp->stats.fast_leaves++;
		return;
	}
	if (!ifp->querier)
		return;
	mdb_tmr_lower(ifp, &g->gtmr, now, ifp->lmq_wait);
	g->rxmt = ifp->lmqc;
	g->q_now = true;
}

/* (B)=GMI for every B of the record, creating the missing records. */
static void
mdb_srcs_gmi(struct mdb_if *ifp, struct mdb_group *g,
    const struct mdb_xrec *x, uint64_t now, uint32_t gen)
{
	struct mdb_source *s;
	size_t i;

	for (i = 0; i < x->nsrc; i++) {
		if ((s = mdb_src_get(ifp, g, &x->srcs[i])) == NULL)
			continue;
		mdb_src_timer(ifp, s, now + ifp->gmi);
		if (gen != 0)
			mdb_mark(g, s, gen);
	}
}

/*
 * RFC 3376 section 6.4.1, Reception of Current-State Records
 * (RFC 3810 section 7.4.1).  A = sources of an INCLUDE group, X,Y =
 * requested and excluded sources of an EXCLUDE group, B or A = sources
 * of the record.
 */

/* INCLUDE (A)    IS_IN (B)    -> INCLUDE (A+B)      (B)=GMI */
static void
mdb_in_is_in(struct mdb_if *ifp, struct mdb_group *g,
    const struct mdb_xrec *x, uint64_t now)
{
	mdb_srcs_gmi(ifp, g, x, now, 0);
}

/*
 * INCLUDE (A)    IS_EX (B)    -> EXCLUDE (A*B,B-A)  (B-A)=0
 *                                                   Delete (A-B)
 *                                                   Group Timer=GMI
 */
static void
mdb_in_is_ex(struct mdb_if *ifp, struct mdb_group *g,
    const struct mdb_xrec *x, uint64_t now)
{
	uint32_t gen = mdb_mark_begin(g);
	struct mdb_source *s;
	size_t i;

	for (i = 0; i < x->nsrc; i++) {
		/* A*B keeps its timer; B-A is created with timer 0. */
		if ((s = mdb_src_get(ifp, g, &x->srcs[i])) != NULL)
			mdb_mark(g, s, gen);
	}
	mdb_sweep_unmarked(ifp, g, gen);
	mdb_group_mode(ifp, g, MSF_EXCLUDE);
	mdb_tmr_start(ifp, &g->gtmr, now + ifp->gmi);
}

/* EXCLUDE (X,Y)  IS_IN (A)    -> EXCLUDE (X+A,Y-A)  (A)=GMI */
static void
mdb_ex_is_in(struct mdb_if *ifp, struct mdb_group *g,
    const struct mdb_xrec *x, uint64_t now)
{
	mdb_srcs_gmi(ifp, g, x, now, 0);
}

/*
 * EXCLUDE (X,Y)  IS_EX (A)    -> EXCLUDE (A-Y,Y*A)  (A-X-Y)=GMI
 *                                                   Delete (X-A)
 *                                                   Delete (Y-A)
 *                                                   Group Timer=GMI
 */
static void
mdb_ex_is_ex(struct mdb_if *ifp, struct mdb_group *g,
    const struct mdb_xrec *x, uint64_t now)
{
	uint32_t gen = mdb_mark_begin(g);
	struct mdb_source *s;
	size_t i;

	for (i = 0; i < x->nsrc; i++) {
		if ((s = mdb_src_find(g, &x->srcs[i])) == NULL) {
			if ((s = mdb_src_add(ifp, g, &x->srcs[i])) == NULL)
				continue;
			mdb_src_timer(ifp, s, now + ifp->gmi);
		}
		mdb_mark(g, s, gen);
	}
	mdb_sweep_unmarked(ifp, g, gen);
	mdb_tmr_start(ifp, &g->gtmr, now + ifp->gmi);
}

/*
 * RFC 3376 section 6.4.2, Reception of Filter-Mode-Change and
 * Source-List-Change Records (RFC 3810 section 7.4.2).
 */

/* INCLUDE (A)    ALLOW (B)    -> INCLUDE (A+B)      (B)=GMI */
static void
mdb_in_allow(struct mdb_if *ifp, struct mdb_group *g,
    const struct mdb_xrec *x, uint64_t now)
{
	mdb_srcs_gmi(ifp, g, x, now, 0);
}

/* INCLUDE (A)    BLOCK (B)    -> INCLUDE (A)        Send Q(G,A*B) */
static void
mdb_in_block(struct mdb_if *ifp, struct mdb_group *g,
    const struct mdb_xrec *x, uint64_t now)
{
	struct mdb_source *s;
	size_t i;

	for (i = 0; i < x->nsrc; i++)
		if ((s = mdb_src_find(g, &x->srcs[i])) != NULL)
			mdb_send_q_src(ifp, g, s, now);
}

/*
 * INCLUDE (A)    TO_EX (B)    -> EXCLUDE (A*B,B-A)  (B-A)=0
 *                                                   Delete (A-B)
 *                                                   Send Q(G,A*B)
 *                                                   Group Timer=GMI
 */
static void
mdb_in_to_ex(struct mdb_if *ifp, struct mdb_group *g,
    const struct mdb_xrec *x, uint64_t now)
{
	uint32_t gen = mdb_mark_begin(g);
	struct mdb_source *s;
	size_t i;

	for (i = 0; i < x->nsrc; i++)
		if ((s = mdb_src_get(ifp, g, &x->srcs[i])) != NULL)
			mdb_mark(g, s, gen);
	mdb_sweep_unmarked(ifp, g, gen);
	mdb_group_mode(ifp, g, MSF_EXCLUDE);
	/* A*B are the marked sources that kept their running timer. */
	for (i = 0; i < x->nsrc; i++)
		if ((s = mdb_src_find(g, &x->srcs[i])) != NULL &&
		    s->tmr.armed)
			mdb_send_q_src(ifp, g, s, now);
	mdb_tmr_start(ifp, &g->gtmr, now + ifp->gmi);
}

/*
 * INCLUDE (A)    TO_IN (B)    -> INCLUDE (A+B)      (B)=GMI
 *                                                   Send Q(G,A-B)
 */
static void
mdb_in_to_in(struct mdb_if *ifp, struct mdb_group *g,
    const struct mdb_xrec *x, uint64_t now)
{
	uint32_t gen = mdb_mark_begin(g);
	struct mdb_source *s;

	mdb_srcs_gmi(ifp, g, x, now, gen);
	if (mdb_all_marked(g))
		return;
	RB_FOREACH(s, mdb_src_tree, &g->srcs)
		if (s->mark != gen)
			mdb_send_q_src(ifp, g, s, now);
}

/* EXCLUDE (X,Y)  ALLOW (A)    -> EXCLUDE (X+A,Y-A)  (A)=GMI */
static void
mdb_ex_allow(struct mdb_if *ifp, struct mdb_group *g,
    const struct mdb_xrec *x, uint64_t now)
{
	mdb_srcs_gmi(ifp, g, x, now, 0);
}

/*
 * EXCLUDE (X,Y)  BLOCK (A)    -> EXCLUDE (X+(A-Y),Y) (A-X-Y)=Group Timer
 *                                                   Send Q(G,A-Y)
 */
static void
mdb_ex_block(struct mdb_if *ifp, struct mdb_group *g,
    const struct mdb_xrec *x, uint64_t now)
{
	struct mdb_source *s;
	size_t i;

	for (i = 0; i < x->nsrc; i++) {
		if ((s = mdb_src_find(g, &x->srcs[i])) == NULL) {
			if ((s = mdb_src_add(ifp, g, &x->srcs[i])) == NULL)
				continue;
			mdb_src_timer(ifp, s, g->gtmr.at);
		}
		if (s->tmr.armed)	/* in X: A-Y */
			mdb_send_q_src(ifp, g, s, now);
	}
}

/*
 * EXCLUDE (X,Y)  TO_EX (A)    -> EXCLUDE (A-Y,Y*A)  (A-X-Y)=Group Timer
 *                                                   Delete (X-A)
 *                                                   Delete (Y-A)
 *                                                   Send Q(G,A-Y)
 *                                                   Group Timer=GMI
 */
static void
mdb_ex_to_ex(struct mdb_if *ifp, struct mdb_group *g,
    const struct mdb_xrec *x, uint64_t now)
{
	uint32_t gen = mdb_mark_begin(g);
	struct mdb_source *s;
	size_t i;

	for (i = 0; i < x->nsrc; i++) {
		if ((s = mdb_src_find(g, &x->srcs[i])) == NULL) {
			if ((s = mdb_src_add(ifp, g, &x->srcs[i])) == NULL)
				continue;
			/* The group timer before it is set to GMI below. */
			mdb_src_timer(ifp, s, g->gtmr.at);
		}
		mdb_mark(g, s, gen);
	}
	mdb_sweep_unmarked(ifp, g, gen);
	for (i = 0; i < x->nsrc; i++)
		if ((s = mdb_src_find(g, &x->srcs[i])) != NULL &&
		    s->tmr.armed)
			mdb_send_q_src(ifp, g, s, now);
	mdb_tmr_start(ifp, &g->gtmr, now + ifp->gmi);
}

/*
 * EXCLUDE (X,Y)  TO_IN (A)    -> EXCLUDE (X+A,Y-A)  (A)=GMI
 *                                                   Send Q(G,X-A)
 *                                                   Send Q(G)
 */
static void
mdb_ex_to_in(struct mdb_if *ifp, struct mdb_group *g,
    const struct mdb_xrec *x, uint64_t now)
{
	uint32_t gen = mdb_mark_begin(g);
	struct mdb_source *s;

	mdb_srcs_gmi(ifp, g, x, now, gen);
	/* X-A: unmarked sources with a running timer. */
	if (!mdb_all_marked(g))
		RB_FOREACH(s, mdb_src_tree, &g->srcs)
			if (s->mark != gen && s->tmr.armed)
				mdb_send_q_src(ifp, g, s, now);
	mdb_send_q_grp(ifp, g, now);
}

typedef void	(*mdb_row_fn)(struct mdb_if *, struct mdb_group *,
		    const struct mdb_xrec *, uint64_t);

/* The twelve cells of the section 6.4.1 and 6.4.2 tables. */
static const struct mdb_row {
	mdb_row_fn	 fn;
	const char	*name;
} mdb_rows[2][MDB_BLOCK + 1] = {
	[MSF_INCLUDE] = {
		[MDB_IS_IN] = { mdb_in_is_in, "INCLUDE (A) IS_IN (B)" },
		[MDB_IS_EX] = { mdb_in_is_ex, "INCLUDE (A) IS_EX (B)" },
		[MDB_TO_IN] = { mdb_in_to_in, "INCLUDE (A) TO_IN (B)" },
		[MDB_TO_EX] = { mdb_in_to_ex, "INCLUDE (A) TO_EX (B)" },
		[MDB_ALLOW] = { mdb_in_allow, "INCLUDE (A) ALLOW (B)" },
		[MDB_BLOCK] = { mdb_in_block, "INCLUDE (A) BLOCK (B)" },
	},
	[MSF_EXCLUDE] = {
		[MDB_IS_IN] = { mdb_ex_is_in, "EXCLUDE (X,Y) IS_IN (A)" },
		[MDB_IS_EX] = { mdb_ex_is_ex, "EXCLUDE (X,Y) IS_EX (A)" },
		[MDB_TO_IN] = { mdb_ex_to_in, "EXCLUDE (X,Y) TO_IN (A)" },
		[MDB_TO_EX] = { mdb_ex_to_ex, "EXCLUDE (X,Y) TO_EX (A)" },
		[MDB_ALLOW] = { mdb_ex_allow, "EXCLUDE (X,Y) ALLOW (A)" },
		[MDB_BLOCK] = { mdb_ex_block, "EXCLUDE (X,Y) BLOCK (A)" },
	},
};

/*
 * Translation by group compatibility mode, RFC 3376 section 7.3.2 and
 * RFC 3810 section 8.3.2.  type 0: the record is ignored; nosrc: its
 * source list is ignored.
 *
 *   IGMPv3/MLDv2 mode: records as received; an older report or leave
 *     cannot meet this mode (it sets its Host Present timer first), a
 *     v2 leave on a group without that timer is still TO_IN({}).
 *   IGMPv2/MLDv1 mode: Report -> IS_EX({}), Leave -> TO_IN({});
 *     BLOCK ignored, TO_EX(x) -> TO_EX({}).
 *   IGMPv1 mode: v1 and v2 Report -> IS_EX({}); as in v2 mode, plus
 *     v2 Leave and TO_IN() ignored.
 */
static const struct mdb_xlat {
	uint8_t		 type;
	bool		 nosrc;
} mdb_xlat[4][MDB_REC_MAX] = {
	[3] = {
		[MDB_IS_IN] = { MDB_IS_IN, false },
		[MDB_IS_EX] = { MDB_IS_EX, false },
		[MDB_TO_IN] = { MDB_TO_IN, false },
		[MDB_TO_EX] = { MDB_TO_EX, false },
		[MDB_ALLOW] = { MDB_ALLOW, false },
		[MDB_BLOCK] = { MDB_BLOCK, false },
		[MDB_V1_REPORT] = { MDB_IS_EX, true },
		[MDB_V2_REPORT] = { MDB_IS_EX, true },
		[MDB_V2_LEAVE] = { MDB_TO_IN, true },
	},
	[2] = {
		[MDB_IS_IN] = { MDB_IS_IN, false },
		[MDB_IS_EX] = { MDB_IS_EX, false },
		[MDB_TO_IN] = { MDB_TO_IN, false },
		[MDB_TO_EX] = { MDB_TO_EX, true },
		[MDB_ALLOW] = { MDB_ALLOW, false },
		[MDB_BLOCK] = { 0, false },
		[MDB_V1_REPORT] = { MDB_IS_EX, true },
		[MDB_V2_REPORT] = { MDB_IS_EX, true },
		[MDB_V2_LEAVE] = { MDB_TO_IN, true },
	},
	[1] = {
		[MDB_IS_IN] = { MDB_IS_IN, false },
		[MDB_IS_EX] = { MDB_IS_EX, false },
		[MDB_TO_IN] = { 0, false },
		[MDB_TO_EX] = { MDB_TO_EX, true },
		[MDB_ALLOW] = { MDB_ALLOW, false },
		[MDB_BLOCK] = { 0, false },
		[MDB_V1_REPORT] = { MDB_IS_EX, true },
		[MDB_V2_REPORT] = { MDB_IS_EX, true },
		[MDB_V2_LEAVE] = { 0, false },
	},
};

static int
mdb_rec_version(enum mdb_rec_type t)
{
	if (t == MDB_V1_REPORT)
		return 1;
	if (t == MDB_V2_REPORT || t == MDB_V2_LEAVE)
		return 2;
	return 3;
}

static bool
mdb_rec_valid(const struct mdb_if *ifp, const struct mdb_rec *r)
{
	size_t i;

	if (r->type < MDB_IS_IN || r->type >= MDB_REC_MAX)
		return false;
	if (r->group.family != ifp->p.family || !inet_is_multicast(&r->group))
		return false;
	if (r->type == MDB_V1_REPORT && ifp->p.family != AF_INET)
		return false;
	if (r->nsrc > 0 && r->srcs == NULL)
		return false;
	for (i = 0; i < r->nsrc; i++)
		if (r->srcs[i].family != ifp->p.family)
			return false;
	return true;
}

/*
 * RFC 4604 section 2.2.1: an SSM-aware router ignores MODE_IS_EXCLUDE
 * and CHANGE_TO_EXCLUDE_MODE records for SSM groups, and the IGMPv1,
 * IGMPv2 and MLDv1 messages, which cannot name a source, likewise.  SSM
 * groups so only ever hold INCLUDE state and never enter an older
 * compatibility mode; ALLOW, BLOCK, IS_IN and TO_IN are processed.
 */
static bool
mdb_ssm_ignores(const struct mdb_rec *r)
{
	switch (r->type) {
	case MDB_IS_EX:
	case MDB_TO_EX:
	case MDB_V1_REPORT:
	case MDB_V2_REPORT:
	case MDB_V2_LEAVE:
		return inet_is_ssm(&r->group);
	default:
		return false;
	}
}

/*
 * How many source records the row for x may create in g (NULL: a new
 * group, INCLUDE({})): the sources of x that g lacks, duplicates
 * counted, for every row but INCLUDE BLOCK, which creates none.  An
 * upper bound, exact when nothing is new: refreshes always pass.
 */
static size_t
mdb_new_sources(const struct mdb_group *g, const struct mdb_xrec *x)
{
	size_t i, n = 0;

	if (g == NULL)
		return x->nsrc;
	if (g->mode == MSF_INCLUDE && x->type == MDB_BLOCK)
		return 0;
	for (i = 0; i < x->nsrc; i++)
		if (mdb_src_find(g, &x->srcs[i]) == NULL)
			n++;
	return n;
}

/* The same for the member's own list: entries x may add to it. */
static size_t
mdb_new_listed(const struct mdb_member *m, const struct mdb_xrec *x)
{
	struct mdb_sref ks;
	struct mdb_hsrc kh;
	size_t i, n = 0;

	if (m == NULL)
		return x->nsrc;
	if ((x->type == MDB_ALLOW && m->mode == MSF_EXCLUDE) ||
	    (x->type == MDB_BLOCK && m->mode == MSF_INCLUDE))
		return 0;	/* removals only */
	kh.ref = &ks;
	for (i = 0; i < x->nsrc; i++) {
		ks.addr = x->srcs[i];
		if (RB_FIND(mdb_hsrc_tree, (struct mdb_hsrc_tree *)&m->srcs,
		    &kh) == NULL)
			n++;
	}
	return n;
}

/*
 * Whether the record's host can be tracked for g: a new host needs room
 * under max_hosts, and a new membership and the entries the record adds
 * to the host's list room under max_sources, which bounds the tracking
 * entries (memberships and listed sources) as well.  Counted when not.
 */
static bool
mdb_track(struct mdb_if *ifp, const struct mdb_member *m,
    const struct inet_addr *host, const struct mdb_xrec *x)
{
	if (m == NULL && !mdb_xrec_joins(x))
		return true;	/* nothing to track */
	if (m == NULL && ifp->nhosts >= ifp->p.max_hosts &&
	    mdb_host_find(ifp, host) == NULL) {
		ifp->stats.untracked_hosts++;
		return false;
	}
	if (ifp->nmembers + ifp->nlisted + (m == NULL) + mdb_new_listed(m, x) >
	    ifp->p.max_sources) {
		ifp->stats.untracked_srcs++;
		return false;
	}
	return true;
}

static enum mdb_res
mdb_count(struct mdb_if *ifp, enum mdb_res res)
{
	ifp->stats.rec[res]++;
	return res;
}

/*
 * Order: validate; scope, version and SSM filters; expiries due by now;
 * compatibility translation; limits (before anything changes, so a
 * dropped record leaves no trace); Host Present timers; the host's own
 * state; the table row; queries; deletion of an INCLUDE({}) group;
 * fast-leave expiries (timers set to now) run through mdb_tick().
 */
enum mdb_res
mdb_record(struct mdb_if *ifp, const struct mdb_rec *r, uint64_t now)
{
	struct mdb_group *g;
	struct mdb_member *m = NULL;
	struct mdb_host *h;
	struct mdb_xrec x;
	const struct mdb_xlat *xl;
	int ver, compat;
	bool track;

	if (!mdb_rec_valid(ifp, r))
		return mdb_count(ifp, MDB_IGN_INVALID);
	if (inet_is_linklocal_group(&r->group))
		return mdb_count(ifp, MDB_IGN_LINKLOCAL);
	ver = mdb_rec_version(r->type);
	if (ver > ifp->p.version)
		return mdb_count(ifp, MDB_IGN_VERSION);
	if (mdb_ssm_ignores(r))
		return mdb_count(ifp, MDB_IGN_SSM);

	/* The tables see the state as of now: run what is already due. */
	mdb_tick(ifp, now);
	g = mdb_group_lookup(ifp, &r->group);
	compat = mdb_group_compat(ifp, g, now);
	if (ver < compat)
		compat = ver;	/* its own Host Present timer is set below */
	xl = &mdb_xlat[compat][r->type];
	if (xl->type == 0)
		return mdb_count(ifp, MDB_IGN_COMPAT);
	x.type = xl->type;
	x.nsrc = xl->nosrc ? 0 : r->nsrc;
	x.srcs = r->srcs;

	if (g == NULL) {
		if (!mdb_xrec_joins(&x))
			return mdb_count(ifp, MDB_NOOP);
		if (ifp->ngroups >= ifp->p.max_groups)
			return mdb_count(ifp, MDB_DROP_LIMIT_IF);
	} else
		m = mdb_member_lookup(g, &r->host);
	if (x.nsrc > 0 &&
	    ifp->nsources + mdb_new_sources(g, &x) > ifp->p.max_sources)
		return mdb_count(ifp, MDB_DROP_LIMIT_SRC);
	if (m == NULL && mdb_xrec_joins(&x) && !inet_is_any(&r->host) &&
	    (h = mdb_host_find(ifp, &r->host)) != NULL &&
	    h->ngroups >= ifp->p.max_per_host)
		return mdb_count(ifp, MDB_DROP_LIMIT_HOST);
	track = mdb_track(ifp, m, &r->host, &x);

	ifp->nomem = false;
	if (g == NULL && (g = mdb_group_add(ifp, &r->group)) == NULL)
		return mdb_count(ifp, MDB_DROP_NOMEM);
	if (r->type == MDB_V1_REPORT)
		g->v1_until = now + ifp->ohpi;
	else if (r->type == MDB_V2_REPORT)
		g->v2_until = now + ifp->ohpi;

	mdb_member_update(ifp, g, m, &r->host, &x, ver, track, now);

	ifp->last_row = mdb_rows[g->mode][x.type].name;
	mdb_rows[g->mode][x.type].fn(ifp, g, &x, now);

	if (g->q_now) {
		g->q_now = false;
		mdb_group_send_queries(ifp, g, now);
	}
	if (g->mode == MSF_INCLUDE && g->nsrc == 0)
		mdb_group_del(ifp, g);
	mdb_tick(ifp, now);
	return mdb_count(ifp, ifp->nomem ? MDB_DROP_NOMEM : MDB_APPLIED);
}

const char *
mdb_last_row(const struct mdb_if *ifp)
{
	return ifp->last_row ? ifp->last_row : "";
}

/*
 * RFC 3376 section 6.6.1 (RFC 3810 section 7.6.1), a query heard with
 * the S flag clear:
 *   Q(G,A):  Source Timer for sources in A are lowered to LMQT
 *   Q(G):    Group Timer is lowered to LMQT
 * LMQT + grace, as for our own queries (mdb_grace()).
 */
void
mdb_query_heard(struct mdb_if *ifp, const struct inet_addr *grp,
    const struct inet_addr *srcs, size_t nsrc, bool sflag, uint64_t now)
{
	struct mdb_group *g;
	struct mdb_source *s;
	size_t i;

	mdb_tick(ifp, now);
	if (sflag || (g = mdb_group_lookup(ifp, grp)) == NULL)
		return;
	if (nsrc == 0) {
		mdb_tmr_lower(ifp, &g->gtmr, now, ifp->lmq_wait);
		return;
	}
	for (i = 0; i < nsrc; i++)
		if ((s = mdb_src_find(g, &srcs[i])) != NULL)
			mdb_tmr_lower(ifp, &s->tmr, now, ifp->lmq_wait);
}

/*
 * Expiries
 */

/*
 * Source timer reaches 0, RFC 3376 section 6.2.3:
 *   INCLUDE  TIMER == 0  stop forwarding and remove the source record;
 *                        no source records left: delete the group
 *   EXCLUDE  TIMER == 0  stop forwarding, keep the record (X to Y)
 */
static void
mdb_expire_source(struct mdb_if *ifp, struct mdb_source *s)
{
	struct mdb_group *g = s->g;

	if (g->mode == MSF_INCLUDE) {
		mdb_src_del(ifp, s);
		if (g->nsrc == 0)
			mdb_group_del(ifp, g);
	} else {
		/*
		 * X to Y: the tick disarmed the timer already, so
		 * mdb_src_stop() cannot tell that the source's state
		 * changed; the group's forwarding does.
		 */
		mdb_changed(ifp, &g->addr);
		mdb_src_stop(ifp, s);
	}
}

/*
 * Group timer reaches 0 in EXCLUDE mode, RFC 3376 sections 6.2.1 and
 * 6.5: sources with running timers become INCLUDE state; those with
 * timer 0 are deleted; with none left the group record is deleted.
 */
static void
mdb_expire_group(struct mdb_if *ifp, struct mdb_group *g, uint64_t now)
{
	struct mdb_source *s, *next;

	RB_FOREACH_SAFE(s, mdb_src_tree, &g->srcs, next)
		if (!s->tmr.armed || s->tmr.at <= now)
			mdb_src_del(ifp, s);
	if (g->nsrc == 0)
		mdb_group_del(ifp, g);
	else
		mdb_group_mode(ifp, g, MSF_INCLUDE);
}

static void
mdb_expire_rxmt(struct mdb_if *ifp, struct mdb_group *g, uint64_t now)
{
	struct mdb_source *s;

	if (!ifp->querier) {
		g->rxmt = 0;
		while ((s = TAILQ_FIRST(&g->rxq)) != NULL)
			mdb_src_rxmt(g, s, 0);
		return;
	}
	mdb_group_send_queries(ifp, g, now);
}

void
mdb_tick(struct mdb_if *ifp, uint64_t now)
{
	struct mdb_tmr *t;

	while ((t = RB_MIN(mdb_tmr_tree, &ifp->timers)) != NULL &&
	    t->at <= now) {
		RB_REMOVE(mdb_tmr_tree, &ifp->timers, t);
		t->armed = false;
		switch (t->kind) {
		case TMR_SOURCE:
			mdb_expire_source(ifp, t->obj);
			break;
		case TMR_GROUP:
			mdb_expire_group(ifp, t->obj, now);
			break;
		case TMR_RXMT:
			mdb_expire_rxmt(ifp, t->obj, now);
			break;
		case TMR_MEMBER:
			mdb_member_del(ifp, t->obj);
			break;
		}
	}
}

uint64_t
mdb_next_deadline(const struct mdb_if *ifp)
{
	struct mdb_tmr *t;

	t = RB_MIN(mdb_tmr_tree, (struct mdb_tmr_tree *)&ifp->timers);
	return t ? t->at : UINT64_MAX;
}

/*
 * Interface
 */

/*
 * Grace for late answers to specific queries.  After a leave the
 * querier sends LMQC queries LMQI apart, each giving hosts a Max
 * Response Time of LMQI (section 6.6.3), so the last answer may leave
 * its host exactly LMQT after the first query, the very moment LMQT
 * expires the state: no slack is left for the time on the wire, for a
 * host timer that fires a tick late or rounds the delay up, nor for the
 * Max Resp Code, which IGMP carries in tenths of a second (section
 * 4.1.1).  A member answering at the end of the window then loses its
 * routes and the upstream membership, and gets them back from the same
 * report a moment later (igmpproxy issue #95).  So a timer lowered by a
 * specific query, ours or one heard (section 6.6.1), runs LMQT + grace,
 * the grace an eighth of LMQI and at least 100 ms, one unit of the Max
 * Resp Code (never more than LMQI): 125 ms with the defaults.  Traffic
 * nobody answers for still stops that soon after LMQT, and the S flag
 * (section 6.6.3.1) is set for timers above LMQT + grace, the ones a
 * report raised again, as the RFC sets it above LMQT.
 */
#define MDB_GRACE_DIV	8
#define MDB_GRACE_MIN	100

static uint64_t
mdb_grace(const struct mdb_params *p)
{
	uint64_t grace = p->lmqi / MDB_GRACE_DIV;

	if (grace < MDB_GRACE_MIN)
		grace = MDB_GRACE_MIN;
	return grace > p->lmqi ? p->lmqi : grace;
}

static void
mdb_params_apply(struct mdb_if *ifp, const struct mdb_params *p)
{
	int family = ifp->p.family;

	ifp->p = *p;
	if (family)
		ifp->p.family = family;
	if (ifp->p.robustness == 0)
		ifp->p.robustness = 2;
	if (ifp->p.query_interval == 0)
		ifp->p.query_interval = 125000;
	if (ifp->p.query_resp == 0)
		ifp->p.query_resp = 10000;
	if (ifp->p.lmqi == 0)
		ifp->p.lmqi = 1000;
	if (ifp->p.lmqc == 0)
		ifp->p.lmqc = ifp->p.robustness;
	if (ifp->p.version < 1 || ifp->p.version > 3)
		ifp->p.version = 3;
	if (ifp->p.max_groups == 0)
		ifp->p.max_groups = MDB_DEF_MAX_GROUPS;
	if (ifp->p.max_per_host == 0)
		ifp->p.max_per_host = ifp->p.max_groups;
	if (ifp->p.max_sources == 0)
		ifp->p.max_sources = MDB_DEF_MAX_SOURCES;
	if (ifp->p.max_hosts == 0)
		ifp->p.max_hosts = MDB_DEF_MAX_HOSTS;
	if (ifp->p.family == AF_INET6 && ifp->p.version == 1)
		ifp->p.version = 2;	/* MLDv1 is the oldest MLD */
	ifp->gmi = ifp->p.robustness * ifp->p.query_interval +
	    ifp->p.query_resp;
	ifp->ohpi = ifp->gmi;
	ifp->lmqc = ifp->p.lmqc;
	ifp->lmqt = ifp->p.lmqi * ifp->lmqc;
	ifp->lmq_wait = ifp->lmqt + mdb_grace(&ifp->p);
}

struct mdb_if *
mdb_if_create(const struct mdb_params *p)
{
	struct mdb_if *ifp;

	if (p->family != AF_INET && p->family != AF_INET6)
		return NULL;
	if ((ifp = calloc(1, sizeof(*ifp))) == NULL)
		return NULL;
	mdb_params_apply(ifp, p);
	ifp->querier = true;
	RB_INIT(&ifp->groups);
	RB_INIT(&ifp->hosts);
	RB_INIT(&ifp->timers);
	RB_INIT(&ifp->changes);
	ifp->qtail = &ifp->qhead;
	return ifp;
}

void
mdb_if_destroy(struct mdb_if *ifp)
{
	struct mdb_group *g;
	struct mdb_chg *c;
	struct mdb_query *q;

	if (ifp == NULL)
		return;
	while ((g = RB_MIN(mdb_group_tree, &ifp->groups)) != NULL)
		mdb_group_free(ifp, g);
	while ((c = RB_MIN(mdb_chg_tree, &ifp->changes)) != NULL) {
		RB_REMOVE(mdb_chg_tree, &ifp->changes, c);
		free(c);
	}
	while ((q = mdb_query_pop(ifp)) != NULL)
		mdb_query_free(q);
	free(ifp);
}

void
mdb_if_set_params(struct mdb_if *ifp, const struct mdb_params *p)
{
	mdb_params_apply(ifp, p);
}

const struct mdb_params *
mdb_if_params(const struct mdb_if *ifp)
{
	return &ifp->p;
}

uint64_t
mdb_if_lmq_wait(const struct mdb_if *ifp)
{
	return ifp->lmq_wait;
}

void
mdb_if_set_querier(struct mdb_if *ifp, bool querier)
{
	struct mdb_group *g;

	if (ifp->querier == querier)
		return;
	ifp->querier = querier;
	if (querier)
		return;
	RB_FOREACH(g, mdb_group_tree, &ifp->groups) {
		mdb_tmr_stop(ifp, &g->qtmr);
		mdb_expire_rxmt(ifp, g, 0);
	}
}

void
mdb_if_flush(struct mdb_if *ifp)
{
	struct mdb_group *g;

	while ((g = RB_MIN(mdb_group_tree, &ifp->groups)) != NULL)
		mdb_group_del(ifp, g);
}

const struct mdb_stats *
mdb_if_stats(const struct mdb_if *ifp)
{
	return &ifp->stats;
}

struct mdb_query *
mdb_query_pop(struct mdb_if *ifp)
{
	struct mdb_query *q = ifp->qhead;

	if (q == NULL)
		return NULL;
	if ((ifp->qhead = q->next) == NULL)
		ifp->qtail = &ifp->qhead;
	q->next = NULL;
	return q;
}

void
mdb_query_free(struct mdb_query *q)
{
	free(q);
}

bool
mdb_change_pop(struct mdb_if *ifp, struct inet_addr *grp)
{
	struct mdb_chg *c;

	if ((c = RB_MIN(mdb_chg_tree, &ifp->changes)) == NULL)
		return false;
	RB_REMOVE(mdb_chg_tree, &ifp->changes, c);
	*grp = c->addr;
	free(c);
	return true;
}

bool
mdb_change_lost(struct mdb_if *ifp)
{
	bool lost = ifp->chg_lost;

	ifp->chg_lost = false;
	return lost;
}

/*
 * RFC 3376 section 6.3 (RFC 3810 section 7.3):
 *   INCLUDE  TIMER > 0   forward
 *   INCLUDE  no record   do not forward
 *   EXCLUDE  TIMER > 0   forward
 *   EXCLUDE  TIMER == 0  do not forward
 *   EXCLUDE  no record   forward
 * A timer is "> 0" while armed: expiries are applied by mdb_tick().
 */
bool
mdb_wants(const struct mdb_if *ifp, const struct inet_addr *src,
    const struct inet_addr *grp)
{
	const struct mdb_group *g;
	const struct mdb_source *s;

	if ((g = mdb_group_lookup(ifp, grp)) == NULL)
		return false;
	if (src == NULL)
		return true;	/* a group record always wants something */
	s = mdb_src_find(g, src);
	if (g->mode == MSF_INCLUDE)
		return s != NULL && s->tmr.armed;
	return s == NULL || s->tmr.armed;
}

int
mdb_group_merge(const struct mdb_group *g, struct merge *m)
{
	struct mdb_source *s;

	merge_begin(m, g->mode);
	RB_FOREACH(s, mdb_src_tree, (struct mdb_src_tree *)&g->srcs) {
		if (g->mode == MSF_EXCLUDE && s->tmr.armed)
			continue;	/* X: forwarded, not a restriction */
		if (merge_src(m, &s->addr) < 0)
			return -1;
	}
	return 0;
}

/*
 * Iteration for show output
 */

size_t
mdb_source_count(const struct mdb_if *ifp)
{
	return ifp->nsources;
}

size_t
mdb_listed_count(const struct mdb_if *ifp)
{
	return ifp->nlisted;
}

size_t
mdb_member_count(const struct mdb_if *ifp)
{
	return ifp->nmembers;
}

size_t
mdb_host_count(const struct mdb_if *ifp)
{
	return ifp->nhosts;
}

size_t
mdb_group_count(const struct mdb_if *ifp)
{
	return ifp->ngroups;
}

const struct mdb_group *
mdb_group_find(const struct mdb_if *ifp, const struct inet_addr *a)
{
	return mdb_group_lookup(ifp, a);
}

const struct mdb_group *
mdb_group_first(const struct mdb_if *ifp)
{
	return RB_MIN(mdb_group_tree, (struct mdb_group_tree *)&ifp->groups);
}

const struct mdb_group *
mdb_group_next(const struct mdb_group *g)
{
	return RB_NEXT(mdb_group_tree, NULL, (struct mdb_group *)g);
}

void
mdb_group_info(const struct mdb_group *g, uint64_t now,
    struct mdb_group_info *gi)
{
	memset(gi, 0, sizeof(*gi));
	gi->group = g->addr;
	gi->mode = g->mode;
	gi->timer = mdb_tmr_left(&g->gtmr, now);
	gi->compat = mdb_group_compat(g->ifp, g, now);
	gi->v1_timer = g->v1_until > now ? g->v1_until - now : 0;
	gi->v2_timer = g->v2_until > now ? g->v2_until - now : 0;
	gi->nsrc = g->nsrc;
	gi->nmember = g->nmember;
	gi->rxmt = g->rxmt;
	gi->untracked = g->untracked_until > now ? g->untracked_until - now : 0;
}

const struct mdb_source *
mdb_source_first(const struct mdb_group *g)
{
	return RB_MIN(mdb_src_tree, (struct mdb_src_tree *)&g->srcs);
}

const struct mdb_source *
mdb_source_next(const struct mdb_source *s)
{
	return RB_NEXT(mdb_src_tree, NULL, (struct mdb_source *)s);
}

const struct mdb_source *
mdb_source_find(const struct mdb_group *g, const struct inet_addr *a)
{
	return mdb_src_find(g, a);
}

void
mdb_source_info(const struct mdb_source *s, uint64_t now,
    struct mdb_source_info *si)
{
	memset(si, 0, sizeof(*si));
	si->addr = s->addr;
	si->timer = mdb_tmr_left(&s->tmr, now);
	si->forward = s->tmr.armed;	/* section 6.3, either mode */
	si->rxmt = s->rxmt;
}

const struct mdb_member *
mdb_member_first(const struct mdb_group *g)
{
	return RB_MIN(mdb_member_tree, (struct mdb_member_tree *)&g->members);
}

const struct mdb_member *
mdb_member_next(const struct mdb_member *m)
{
	return RB_NEXT(mdb_member_tree, NULL, (struct mdb_member *)m);
}

const struct mdb_member *
mdb_member_find(const struct mdb_group *g, const struct inet_addr *host)
{
	return mdb_member_lookup(g, host);
}

void
mdb_member_info(const struct mdb_member *m, uint64_t now,
    struct mdb_member_info *mi)
{
	memset(mi, 0, sizeof(*mi));
	mi->host = m->host->addr;
	mi->mode = m->mode;
	mi->nsrc = m->nsrc;
	mi->timer = mdb_tmr_left(&m->tmr, now);
	mi->version = m->version;
}

const struct mdb_hsrc *
mdb_member_src_first(const struct mdb_member *m)
{
	return RB_MIN(mdb_hsrc_tree, (struct mdb_hsrc_tree *)&m->srcs);
}

const struct mdb_hsrc *
mdb_member_src_next(const struct mdb_hsrc *h)
{
	return RB_NEXT(mdb_hsrc_tree, NULL, (struct mdb_hsrc *)h);
}

const struct inet_addr *
mdb_hsrc_addr(const struct mdb_hsrc *h)
{
	return &h->ref->addr;
}

unsigned
mdb_host_groups(const struct mdb_if *ifp, const struct inet_addr *host)
{
	const struct mdb_host *h = mdb_host_find(ifp, host);

	return h ? h->ngroups : 0;
}
