/*
 * route.c - the route engine: one table of rules, one kernel cache
 */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <event2/event.h>

#include "iface.h"
#include "log.h"
#include "route.h"
#include "script.h"
#include "evloop.h"

RB_HEAD(route_tree, route);
RB_HEAD(mfc_tree, mfc);

static struct route_tree rules = RB_INITIALIZER(&rules);
static struct mfc_tree cache = RB_INITIALIZER(&cache);
static route_hook_fn hook;
static struct event *expire_ev;
static int cache_timeout;		/* seconds, 0: learned entries stay */
static unsigned int learned_max;	/* per family, 0: no limit */
/* Learned entries and refused upcalls, [0] IPv4, [1] IPv6. */
static struct route_lstats lstats[2];
static struct log_rl learned_rl[2];	/* "at the limit" messages */
/* How many rules have each group prefix length, per family. */
static unsigned int glen_used[2][129];

/* Rules sort by group (family, length, address), IIF, then source. */
static int
route_cmp(struct route *a, struct route *b)
{
	int rc;

	if (a->grp.addr.family != b->grp.addr.family)
		return a->grp.addr.family < b->grp.addr.family ? -1 : 1;
	if (a->grp.len != b->grp.len)
		return a->grp.len < b->grp.len ? -1 : 1;
	if ((rc = inet_cmp(&a->grp.addr, &b->grp.addr)))
		return rc;
	if (a->iif != b->iif)
		return a->iif < b->iif ? -1 : 1;
	return inet_pfx_cmp(&a->src, &b->src);
}

static int
mfc_cmp(struct mfc *a, struct mfc *b)
{
	int rc = inet_cmp(&a->grp, &b->grp);

	return rc ? rc : inet_cmp(&a->src, &b->src);
}

RB_GENERATE_STATIC(route_tree, route, entry, route_cmp)
RB_GENERATE_STATIC(mfc_tree, mfc, entry, mfc_cmp)


static const char *
sg_str(const struct inet_addr *src, const struct inet_addr *grp, char *buf,
    size_t len)
{
	char s[INET6_ADDRSTRLEN], g[INET6_ADDRSTRLEN];

	snprintf(buf, len, "(%s, %s)", inet_is_any(src) ? "*" :
	    inet_str(src, s, sizeof(s)), inet_str(grp, g, sizeof(g)));
	return buf;
}

/*
 * sg_str() for a message at pri, formatted only when it is logged: an
 * upcall and an install would spend a third to two thirds of their time
 * printing addresses for debug messages nobody reads (test/bench).
 */
static const char *
sg_log(int pri, const struct inet_addr *src, const struct inet_addr *grp,
    char *buf, size_t len)
{
	if (pri > log_getlevel())
		return "";
	return sg_str(src, grp, buf, len);
}

static unsigned int *
glen_slot(const struct route *r)
{
	return &glen_used[r->grp.addr.family == AF_INET6][r->grp.len];
}

bool
route_is_sg(const struct route *r)
{
	return inet_pfx_is_host(&r->grp) && inet_pfx_is_host(&r->src);
}

/*
 * The bytes of a rule in the table: up to oifs[noifs], then its except
 * sources (route.h).  A stored rule's allocation is never smaller than
 * rule_size() of what it holds now: route_del() only shrinks it in
 * place, leaving its except sources where they are.
 */
static size_t
rule_size(int noifs, int nexcept)
{
	return offsetof(struct route, oifs) + sizeof(int) * (size_t)noifs +
	    sizeof(struct inet_pfx) * (size_t)nexcept;
}

_Static_assert(offsetof(struct route, oifs) % _Alignof(struct inet_pfx) == 0 &&
    sizeof(int) % _Alignof(struct inet_pfx) == 0, "route except alignment");

/*
 * Store src, a whole struct route, in dst, a rule in the table with
 * room for rule_size(src->noifs, src->nexcept); not the tree links,
 * which only the tree's own calls change.
 */
static void
rule_store(struct route *dst, const struct route *src)
{
	size_t off = offsetof(struct route, grp);
	struct inet_pfx *x;

	memcpy((char *)dst + off, (const char *)src + off,
	    rule_size(src->noifs, 0) - off);
	if (src->nexcept > 0) {
		x = (struct inet_pfx *)(void *)((char *)dst +
		    rule_size(src->noifs, 0));
		memmove(x, src->except, sizeof(*x) * (size_t)src->nexcept);
		dst->except = x;
	} else {
		dst->except = NULL;
	}
}

/*
 * A whole struct route from a rule in the table, its except sources
 * copied to x[ROUTE_MAXEXCEPT]; with x NULL, none (a key for
 * route_del(), or for the OIFs alone).
 */
static void
rule_load(struct route *dst, struct inet_pfx *x, const struct route *src)
{
	size_t off = offsetof(struct route, grp);

	memcpy((char *)dst + off, (const char *)src + off,
	    rule_size(src->noifs, 0) - off);
	if (x && src->nexcept > 0) {
		memcpy(x, src->except, sizeof(*x) * (size_t)src->nexcept);
		dst->except = x;
	} else {
		dst->nexcept = 0;
		dst->except = NULL;
	}
}


/* VIF references: every interface a rule names has a VIF/MIF. */
static void
rule_ref(const struct route *r)
{
	int family = r->grp.addr.family, i;
	struct iface *ifp;

	if ((ifp = iface_find(r->iif)))
		iface_ref(ifp, family);
	for (i = 0; i < r->noifs; i++)
		if ((ifp = iface_find(r->oifs[i])))
			iface_ref(ifp, family);
}

static void
rule_unref(const struct route *r)
{
	int family = r->grp.addr.family, i;
	struct iface *ifp;

	if ((ifp = iface_find(r->iif)))
		iface_unref(ifp, family);
	for (i = 0; i < r->noifs; i++)
		if ((ifp = iface_find(r->oifs[i])))
			iface_unref(ifp, family);
}

static void
oif_set(int *oifs, int *noifs, int ifindex)
{
	int i;

	for (i = 0; i < *noifs; i++)
		if (oifs[i] == ifindex)
			return;
	if (*noifs < ROUTE_MAXOIFS)
		oifs[(*noifs)++] = ifindex;
}

/* Is src one of the sources r refuses? */
static bool
route_excepts(const struct route *r, const struct inet_addr *src)
{
	int i;

	for (i = 0; i < r->nexcept; i++)
		if (inet_pfx_match(&r->except[i], src))
			return true;
	return false;
}

/*
 * Visit every rule whose group prefix contains grp and whose IIF is
 * iif (any IIF when iif is 0): one tree search per group prefix length
 * in use, never a scan of all rules.
 */
static void
rules_matching(const struct inet_addr *src, const struct inet_addr *grp,
    int iif, void (*fn)(struct route *, void *), void *arg)
{
	int v6 = grp->family == AF_INET6, max = inet_maxlen(grp->family);
	struct route key, *r;
	int len;

	for (len = max; len >= 0; len--) {
		if (!glen_used[v6][len])
			continue;
		memset(&key, 0, sizeof(key));
		key.grp.addr = *grp;
		inet_mask(&key.grp.addr, len);
		key.grp.len = (uint8_t)len;
		key.iif = iif;
		inet_any(&key.src.addr, AF_UNSPEC);
		for (r = RB_NFIND(route_tree, &rules, &key); r;
		    r = RB_NEXT(route_tree, &rules, r)) {
			if (r->grp.len != len ||
			    inet_cmp(&r->grp.addr, &key.grp.addr))
				break;
			if (iif && r->iif != iif)
				break;
			if (inet_pfx_match(&r->src, src) &&
			    !route_excepts(r, src))
				fn(r, arg);
		}
	}
}

struct compute {
	int	oifs[ROUTE_MAXOIFS];
	int	noifs;
	int	nrules;		/* oifs[0..nrules) from rules, the rest hook's */
	int	exact_iif;	/* IIF of a matching (S,G) rule */
	bool	exact_stale;	/* that rule is stale (reload) */
};

static void
compute_add(struct route *r, void *arg)
{
	struct compute *c = arg;
	int i;

	for (i = 0; i < r->noifs; i++)
		oif_set(c->oifs, &c->noifs, r->oifs[i]);
}

/* The first (S,G) rule, preferring one a reload has not left stale. */
static void
compute_exact(struct route *r, void *arg)
{
	struct compute *c = arg;

	if (!route_is_sg(r))
		return;
	if (!c->exact_iif || (c->exact_stale && !r->stale)) {
		c->exact_iif = r->iif;
		c->exact_stale = r->stale;
	}
}

/* The IIF of a configured (S,G) rule for src and grp, or 0. */
static int
exact_iif(const struct inet_addr *src, const struct inet_addr *grp)
{
	struct compute c = { .noifs = 0, .exact_iif = 0, .exact_stale = false };

	rules_matching(src, grp, 0, compute_exact, &c);
	return c.exact_iif;
}

/* Who wants (src, grp) arriving on iif: the rules and the proxy. */
static void
compute_oifs(const struct inet_addr *src, const struct inet_addr *grp,
    int iif, struct compute *c)
{
	memset(c, 0, sizeof(*c));
	rules_matching(src, grp, iif, compute_add, c);
	c->nrules = c->noifs;
	if (hook)
		hook(src, grp, iif, c->oifs, &c->noifs);
}

bool
mfc_forwards(const struct mfc *m)
{
	int i;

	for (i = 0; i < MAXVIFS; i++)
		if (m->ttls[i])
			return true;
	return false;
}

/* m's outbound set, as per-VIF TTL thresholds; returns how many. */
static int
mfc_compute(const struct mfc *m, uint8_t ttls[MAXVIFS], bool *proxied)
{
	int family = m->grp.family, vif, i, nout = 0;
	struct compute c;
	struct iface *ifp;

	compute_oifs(&m->src, &m->grp, m->iif, &c);
	memset(ttls, 0, MAXVIFS);
	for (i = 0; i < c.noifs; i++) {
		/*
		 * The inbound interface is an outbound one only where a rule
		 * names it (apply.c and cmd.c keep it out of wildcards),
		 * never because the proxy wants it.
		 */
		if (c.oifs[i] == m->iif && i >= c.nrules)
			continue;
		ifp = iface_find(c.oifs[i]);
		if (!ifp || (vif = iface_vif(ifp, family)) == NO_VIF)
			continue;
		ttls[vif] = (uint8_t)(ifp->ttl > 0 ? ifp->ttl : 1);
		nout++;
		if (i >= c.nrules && proxied)
			*proxied = true;
	}
	return nout;
}

/* Work out m's outbound set and tell the kernel if it changed. */
static int
mfc_update(struct mfc *m)
{
	bool was_forwarding = m->installed && mfc_forwards(m), proxied = false;
	int family = m->grp.family, vif, nout;
	uint8_t ttls[MAXVIFS];
	struct iface *ifp;
	char buf[2 * INET6_ADDRSTRLEN + 8];

	nout = mfc_compute(m, ttls, &proxied);
	ifp = iface_find(m->iif);
	vif = ifp ? iface_vif(ifp, family) : NO_VIF;
	if (vif == NO_VIF) {
		log_debug("%s: inbound %s has no VIF, not installed",
		    sg_str(&m->src, &m->grp, buf, sizeof(buf)),
		    ifp ? ifp->name : "?");
		if (m->installed)
			kern_mfc_del(&m->src, &m->grp, m->vif);
		m->installed = false;
		return -1;
	}
	if (m->installed && m->vif == vif && !memcmp(ttls, m->ttls,
	    sizeof(ttls)))
		return 0;
	if (kern_mfc_add(&m->src, &m->grp, vif, ttls)) {
		log_warn("Cannot add %s from %s to the kernel",
		    sg_str(&m->src, &m->grp, buf, sizeof(buf)), ifp->name);
		return -1;
	}
	memcpy(m->ttls, ttls, sizeof(ttls));
	m->vif = (int16_t)vif;		/* below MAXVIFS */
	m->installed = true;
	m->proxied = proxied;
	log_debug("Installed %s from %s, %d outbound", sg_log(LOG_DEBUG,
	    &m->src, &m->grp, buf, sizeof(buf)), ifp->name, nout);
	/* A learned entry starts forwarding: new, or a stop filter no more. */
	if (m->learned && !was_forwarding && mfc_forwards(m))
		script_run("install", &m->src, &m->grp, NULL);
	return 0;
}


static struct mfc *
mfc_find(const struct inet_addr *src, const struct inet_addr *grp)
{
	struct mfc key;

	key.src = *src;
	key.grp = *grp;
	return RB_FIND(mfc_tree, &cache, &key);
}

static struct route_lstats *
lstats_of(int family)
{
	return &lstats[family == AF_INET6];
}

/* Every change of m->learned goes here, to keep the count right. */
static void
mfc_set_learned(struct mfc *m, bool learned)
{
	struct route_lstats *ls = lstats_of(m->grp.family);

	if (m->learned == learned)
		return;
	m->learned = learned;
	if (learned)
		ls->learned++;
	else
		ls->learned--;
}

static struct mfc *
mfc_get(const struct inet_addr *src, const struct inet_addr *grp, int iif)
{
	struct mfc *m = mfc_find(src, grp);

	if (m)
		return m;
	m = calloc(1, sizeof(*m));
	if (!m) {
		log_warn("calloc");
		return NULL;
	}
	m->src = *src;
	m->grp = *grp;
	m->iif = iif;
	m->vif = NO_VIF;
	m->idle_since = now_ms();
	RB_INSERT(mfc_tree, &cache, m);
	return m;
}

static void
mfc_free(struct mfc *m)
{
	mfc_set_learned(m, false);
	if (m->installed && kern_mfc_del(&m->src, &m->grp, m->vif) &&
	    errno != ENOENT)
		log_warn("Cannot remove MFC entry");
	RB_REMOVE(mfc_tree, &cache, m);
	free(m);
}

/*
 * Recompute every kernel entry that rule r covers.  An (S,G) rule
 * creates its entry; an entry left without any (S,G) rule becomes a
 * learned one if templates still want it, and goes otherwise.
 */
static void
rule_apply(const struct route *r)
{
	struct mfc key, *m, *next;

	if (route_is_sg(r)) {
		int iif = exact_iif(&r->src.addr, &r->grp.addr);

		m = mfc_find(&r->src.addr, &r->grp.addr);
		if (iif) {
			if (!m && !(m = mfc_get(&r->src.addr, &r->grp.addr,
			    iif)))
				return;
			m->iif = iif;
			mfc_set_learned(m, false);
			mfc_update(m);
		} else if (m) {
			uint8_t ttls[MAXVIFS];

			/*
			 * A learned entry, if templates still want it: one
			 * that flows already, so even past the limit.
			 */
			if (!mfc_compute(m, ttls, NULL)) {
				mfc_free(m);
				return;
			}
			mfc_set_learned(m, true);
			mfc_update(m);
		}
		return;
	}

	memset(&key, 0, sizeof(key));
	key.grp = r->grp.addr;
	inet_any(&key.src, AF_UNSPEC);
	for (m = RB_NFIND(mfc_tree, &cache, &key); m; m = next) {
		next = RB_NEXT(mfc_tree, &cache, m);
		if (!inet_pfx_match(&r->grp, &m->grp))
			break;
		if (m->iif != r->iif || !inet_pfx_match(&r->src, &m->src))
			continue;
		mfc_update(m);
	}
}

static void
rule_insert(struct route *r)
{
	RB_INSERT(route_tree, &rules, r);
	(*glen_slot(r))++;
}

static void
rule_remove(struct route *r)
{
	RB_REMOVE(route_tree, &rules, r);
	(*glen_slot(r))--;
}

static int
ifindex_cmp(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return x < y ? -1 : x > y;
}

static void
oifs_sort(struct route *r)
{
	qsort(r->oifs, (size_t)r->noifs, sizeof(r->oifs[0]), ifindex_cmp);
}

struct route *
route_find(const struct route *key)
{
	return RB_FIND(route_tree, &rules, (struct route *)key);
}

static int
route_check(const struct route *in, char *err, size_t errlen)
{
	if (!inet_is_multicast(&in->grp.addr)) {
		snprintf(err, errlen, "group is not a multicast address");
		return -1;
	}
	if (in->src.addr.family != in->grp.addr.family) {
		snprintf(err, errlen, "source and group of different families");
		return -1;
	}
	if (in->nexcept < 0 || in->nexcept > ROUTE_MAXEXCEPT) {
		snprintf(err, errlen, "too many except sources (max %d)",
		    ROUTE_MAXEXCEPT);
		return -1;
	}
	if (in->noifs < 0 || in->noifs > ROUTE_MAXOIFS) {
		snprintf(err, errlen, "too many outbound interfaces (max %d)",
		    ROUTE_MAXOIFS);
		return -1;
	}
	if (!iface_find(in->iif)) {
		snprintf(err, errlen, "unknown inbound interface");
		return -1;
	}
	if (!kern_available(in->grp.addr.family)) {
		snprintf(err, errlen, "%s multicast routing is not available",
		    in->grp.addr.family == AF_INET6 ? "IPv6" : "IPv4");
		return -1;
	}
	return 0;
}

/*
 * Another live (S,G) rule for the (S,G) of in, from another inbound
 * interface?  The kernel looks a packet up by source and group alone
 * and forwards it only from the entry's one inbound interface, so one
 * table cannot route an (S,G) from two (see conf_check_sg()).  The
 * entry's inbound interface names the rule to look for: it is the one
 * of the first live (S,G) rule, and there is never more than one.
 */
static int
route_sg_taken(const struct route *in, char *err, size_t errlen)
{
	char sg[2 * INET6_ADDRSTRLEN + 8];
	struct route key, *r;
	struct mfc *m;

	if (!route_is_sg(in))
		return 0;
	m = mfc_find(&in->src.addr, &in->grp.addr);
	if (m == NULL || m->iif == in->iif)
		return 0;
	key = *in;
	key.iif = m->iif;
	if ((r = route_find(&key)) == NULL || r->stale)
		return 0;
	snprintf(err, errlen, "%s is routed from %s already: the kernel "
	    "forwards an (S,G) from one inbound interface per table; route "
	    "%s in a table of its own (smcrouted -t)", sg_str(&in->src.addr,
	    &in->grp.addr, sg, sizeof(sg)), iface_name(m->iif),
	    iface_name(in->iif));
	return -1;
}

int
route_add(const struct route *in, unsigned int origin, bool merge, char *err,
    size_t errlen)
{
	struct inet_pfx oldx[ROUTE_MAXEXCEPT], nrx[ROUTE_MAXEXCEPT];
	struct route *r, old, nr;
	int i;

	if (route_check(in, err, errlen))
		return -1;
	r = route_find(in);
	if (!r && route_sg_taken(in, err, errlen))
		return -1;
	if (!r) {
		r = calloc(1, rule_size(in->noifs, in->nexcept));
		if (!r) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		rule_store(r, in);
		r->origin = origin;
		r->stale = false;
		oifs_sort(r);
		rule_ref(r);
		rule_insert(r);
		rule_apply(r);
		return 0;
	}

	/*
	 * The new rule is made in nr, a whole one, and stored in r when it
	 * is complete, in a larger allocation if it needs more room.  A
	 * stale rule is being re-added by a reload: replace its OIFs.
	 */
	rule_load(&old, oldx, r);
	rule_load(&nr, nrx, r);
	nr.except = nrx;
	if (!merge || nr.stale) {
		nr.noifs = 0;
		nr.nexcept = 0;
	}
	for (i = 0; i < in->noifs; i++)
		oif_set(nr.oifs, &nr.noifs, in->oifs[i]);
	oifs_sort(&nr);
	for (i = 0; i < in->nexcept; i++) {
		int j;

		for (j = 0; j < nr.nexcept; j++)
			if (!inet_pfx_cmp(&nrx[j], &in->except[i]))
				break;
		if (j == nr.nexcept && nr.nexcept < ROUTE_MAXEXCEPT)
			nrx[nr.nexcept++] = in->except[i];
	}
	nr.origin = merge && !nr.stale ? nr.origin | origin : origin;
	nr.stale = false;
	if (rule_size(nr.noifs, nr.nexcept) > rule_size(r->noifs,
	    r->nexcept)) {
		struct route *grown = calloc(1, rule_size(nr.noifs,
		    nr.nexcept));

		if (!grown) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		/* Same key, same place in the tree. */
		RB_REMOVE(route_tree, &rules, r);
		free(r);
		r = grown;
		rule_store(r, &nr);
		RB_INSERT(route_tree, &rules, r);
	} else {
		rule_store(r, &nr);
	}
	if (old.noifs == r->noifs && !memcmp(old.oifs, r->oifs,
	    sizeof(int) * (size_t)r->noifs) && old.nexcept == r->nexcept &&
	    (r->nexcept == 0 || !memcmp(old.except, r->except,
	    sizeof(r->except[0]) * (size_t)r->nexcept)))
		return 0;
	/* Take the new references before dropping the old ones. */
	rule_ref(r);
	rule_apply(r);
	rule_unref(&old);
	return 0;
}

int
route_del(const struct route *in, char *err, size_t errlen)
{
	struct route *r = route_find(in), old;
	int i, j, n;

	if (!r) {
		char s[INET_PFX_STRLEN], g[INET_PFX_STRLEN];

		snprintf(err, errlen, "no route from %s (%s, %s)",
		    iface_name(in->iif), in->src.len ? inet_pfx_str(&in->src, s,
		    sizeof(s)) : "*", inet_pfx_str(&in->grp, g, sizeof(g)));
		return -1;
	}
	if (in->noifs > 0) {
		rule_load(&old, NULL, r);	/* the OIFs are what changes */
		for (i = 0; i < in->noifs; i++) {
			for (j = 0, n = 0; j < r->noifs; j++)
				if (r->oifs[j] != in->oifs[i])
					r->oifs[n++] = r->oifs[j];
			if (n == r->noifs) {
				snprintf(err, errlen, "%s is not an outbound "
				    "interface of that route",
				    iface_name(in->oifs[i]));
				r->noifs = old.noifs;
				memcpy(r->oifs, old.oifs, sizeof(int) *
				    (size_t)old.noifs);
				return -1;
			}
			r->noifs = n;
		}
		rule_ref(r);
		rule_apply(r);
		rule_unref(&old);
		return 0;
	}
	rule_remove(r);
	rule_apply(r);
	rule_unref(r);
	free(r);
	return 0;
}

void
route_mark(unsigned int origin)
{
	struct route *r;

	RB_FOREACH(r, route_tree, &rules)
		if (r->origin & origin)
			r->stale = true;
}

/*
 * An interface is gone: kernel entries from it are deleted, rules from
 * it go, and it leaves the OIFs of the others, whose entries stay (stop
 * filters if nothing is left).  Rare, so a full walk.
 */
void
route_drop_iface(int ifindex)
{
	struct route *r, *rnext, key;
	struct mfc *m, *mnext;
	char err[128];
	int i;

	/* First, so that no rule change updates an entry that goes. */
	RB_FOREACH_SAFE(m, mfc_tree, &cache, mnext)
		if (m->iif == ifindex)
			mfc_free(m);
	RB_FOREACH_SAFE(r, route_tree, &rules, rnext) {
		rule_load(&key, NULL, r);
		if (r->iif == ifindex) {
			key.noifs = 0;
			route_del(&key, err, sizeof(err));
			continue;
		}
		for (i = 0; i < r->noifs; i++)
			if (r->oifs[i] == ifindex)
				break;
		if (i == r->noifs)
			continue;
		key.noifs = 1;
		key.oifs[0] = ifindex;
		route_del(&key, err, sizeof(err));
	}
}

/* After a reload: what the new configuration did not name goes. */
void
route_sweep(void)
{
	struct route *r, *next;
	char err[128];

	RB_FOREACH_SAFE(r, route_tree, &rules, next) {
		struct route key;

		if (!r->stale)
			continue;
		rule_load(&key, NULL, r);
		key.noifs = 0;		/* the whole rule */
		route_del(&key, err, sizeof(err));
	}
}

void
route_refresh_group(const struct inet_addr *grp)
{
	struct mfc key, *m, *next;

	memset(&key, 0, sizeof(key));
	key.grp = *grp;
	inet_any(&key.src, AF_UNSPEC);
	for (m = RB_NFIND(mfc_tree, &cache, &key); m; m = next) {
		next = RB_NEXT(mfc_tree, &cache, m);
		if (inet_cmp(&m->grp, grp))
			break;
		mfc_update(m);
	}
}

void
route_refresh_all(void)
{
	struct mfc *m, *next;

	RB_FOREACH_SAFE(m, mfc_tree, &cache, next)
		mfc_update(m);
}

void
route_flush(void)
{
	struct mfc *m, *next;

	RB_FOREACH_SAFE(m, mfc_tree, &cache, next)
		if (m->learned)
			mfc_free(m);
}

/*
 * (S,G) arrived on ifp, not on the inbound interface of its entry.  A
 * learned entry moves there when a rule (or the proxy) wants the
 * traffic from ifp and ifp's policy is "wrongvif move", the default: a
 * valid topology change, e.g. after the unicast routing reconverged.
 * Otherwise the entry stays: looped-back or unexpected traffic, logged
 * at most once a minute per entry.  The -e script hears of both.
 */
static void
route_wrongvif(const struct kern_upcall *up, struct iface *ifp,
    const char *sg)
{
	char inbound[IFNAMSIZ + 10], arrived[IFNAMSIZ + 10];
	const char *env[4] = { inbound, arrived, NULL, NULL };
	struct mfc *m = mfc_find(&up->src, &up->grp);
	struct compute c;
	uint64_t now = now_ms();
	int old;

	if (!m || m->iif == ifp->ifindex)
		return;
	m->wrongvif++;
	snprintf(inbound, sizeof(inbound), "inbound=%s", iface_name(m->iif));
	snprintf(arrived, sizeof(arrived), "arrived=%s", ifp->name);
	compute_oifs(&up->src, &up->grp, ifp->ifindex, &c);
	if (m->learned && c.noifs && !ifp->wrongvif_keep) {
		old = m->iif;
		m->iif = ifp->ifindex;
		if (mfc_update(m)) {
			m->iif = old;
			return;
		}
		m->moves++;
		log_notice("Moved %s inbound from %s to %s after WRONGVIF", sg,
		    iface_name(old), ifp->name);
		env[2] = "action=moved";
		script_run("wrongvif", &up->src, &up->grp, env);
		return;
	}
	if (!m->wrongvif_log || now - m->wrongvif_log >= 60000) {
		m->wrongvif_log = now;
		log_notice("%s arrived on %s, expected on %s: kept (%s)", sg,
		    ifp->name, iface_name(m->iif), !m->learned ? "configured "
		    "route" : ifp->wrongvif_keep ? "wrongvif keep" :
		    "no rule from there");
	}
	env[2] = "action=kept";
	script_run("wrongvif", &up->src, &up->grp, env);
}

/*
 * A NOCACHE upcall for an (S,G) we have no entry for would make a new
 * learned entry: not when family has learned_max of them already.  The
 * kernel keeps its unresolved entry for the (S,G) (ten seconds on
 * Linux) and asks again only on a packet after that, so a refused flow
 * costs one upcall per ten seconds, and this one tree search.  Said at
 * most once a minute per family, with the count.
 */
static bool
route_refuse(int family, const struct kern_upcall *up)
{
	struct route_lstats *ls = lstats_of(family);
	char sg[2 * INET6_ADDRSTRLEN + 8];
	struct iface *ifp;

	if (!learned_max || ls->learned < learned_max)
		return false;
	if (exact_iif(&up->src, &up->grp))
		return false;	/* a configured (S,G): always */
	ls->refused++;
	if (log_rl(&learned_rl[family == AF_INET6], now_ms(), 60000) < 0)
		return true;
	ifp = iface_find_vif(family, up->vif);
	log_warnx("%s learned routes at the limit of %u (smcrouted -C): %s "
	    "from %s not installed; %llu refused since start",
	    family == AF_INET6 ? "IPv6" : "IPv4", learned_max,
	    sg_str(&up->src, &up->grp, sg, sizeof(sg)),
	    ifp ? ifp->name : "?", (unsigned long long)ls->refused);
	return true;
}

void
route_upcall(int family, const struct kern_upcall *up)
{
	char buf[2 * INET6_ADDRSTRLEN + 8];
	struct iface *ifp;
	struct mfc *m;
	int iif;

	if (!inet_is_multicast(&up->grp))
		return;
	m = mfc_find(&up->src, &up->grp);
	if (!m && up->type == KERN_NOCACHE && route_refuse(family, up))
		return;
	ifp = iface_find_vif(family, up->vif);
	if (!ifp) {
		log_debug("Upcall for %s on unknown VIF %d", sg_log(LOG_DEBUG,
		    &up->src, &up->grp, buf, sizeof(buf)), up->vif);
		return;
	}

	if (up->type == KERN_WRONGVIF) {
		route_wrongvif(up, ifp, sg_str(&up->src, &up->grp, buf,
		    sizeof(buf)));
		return;
	}

	iif = exact_iif(&up->src, &up->grp);
	if (!m && !(m = mfc_get(&up->src, &up->grp, iif ? iif :
	    ifp->ifindex)))
		return;
	if (!iif) {
		mfc_set_learned(m, true);
		m->iif = ifp->ifindex;
	}
	m->installed = false;	/* the kernel has no entry: force it */
	m->idle_since = now_ms();
	m->last_pkts = 0;
	if (mfc_update(m))
		return;
	if (m->learned && mfc_forwards(m)) {
		log_info("Route %s from %s installed", sg_log(LOG_INFO,
		    &up->src, &up->grp, buf, sizeof(buf)), ifp->name);
	} else if (m->learned) {
		log_debug("Stop filter %s from %s installed", sg_log(LOG_DEBUG,
		    &up->src, &up->grp, buf, sizeof(buf)), ifp->name);
	}
}

/*
 * Expire learned entries that saw no valid packet (packets minus those
 * that came in on the wrong interface) for cache_timeout seconds.
 */
static void
route_expire(evutil_socket_t fd, short what, void *arg)
{
	uint64_t now = now_ms(), tmo = (uint64_t)cache_timeout * 1000;
	char buf[2 * INET6_ADDRSTRLEN + 8];
	struct mfc *m, *next;
	struct kern_stats st;

	(void)fd;
	(void)what;
	(void)arg;
	RB_FOREACH_SAFE(m, mfc_tree, &cache, next) {
		uint64_t valid;

		if (!m->learned)
			continue;
		if (kern_mfc_stats(&m->src, &m->grp, &st)) {
			/* Gone from the kernel behind our back. */
			m->installed = false;
			mfc_free(m);
			continue;
		}
		valid = st.pkts - st.wrong_if;
		if (valid != m->last_pkts) {
			m->last_pkts = valid;
			m->idle_since = now;
			continue;
		}
		if (now - m->idle_since < tmo)
			continue;
		log_info("Expiring idle %s", sg_str(&m->src, &m->grp, buf,
		    sizeof(buf)));
		mfc_free(m);
	}
}

void
route_init(int timeout, unsigned int max_learned)
{
	struct timeval tv;
	int period;

	RB_INIT(&rules);
	RB_INIT(&cache);
	memset(glen_used, 0, sizeof(glen_used));
	memset(lstats, 0, sizeof(lstats));
	memset(learned_rl, 0, sizeof(learned_rl));
	learned_max = max_learned;
	cache_timeout = timeout;
	if (cache_timeout <= 0)
		return;
	/* Check a few times per timeout: expiry within 1/4 of it. */
	period = cache_timeout / 4;
	if (period < 1)
		period = 1;
	if (period > 10)
		period = 10;
	tv.tv_sec = period;
	tv.tv_usec = 0;
	expire_ev = event_new(evbase, -1, EV_PERSIST, route_expire, NULL);
	if (expire_ev)
		event_add(expire_ev, &tv);
}

void
route_exit(void)
{
	struct route *r, *rnext;
	struct mfc *m, *mnext;
	int i;

	if (expire_ev)
		event_free(expire_ev);
	expire_ev = NULL;
	for (i = 0; i < 2; i++)
		if (lstats[i].refused)
			log_notice("%s learned routes: %llu upcalls refused at "
			    "the limit of %u", i ? "IPv6" : "IPv4",
			    (unsigned long long)lstats[i].refused,
			    learned_max);
	RB_FOREACH_SAFE(m, mfc_tree, &cache, mnext)
		mfc_free(m);
	RB_FOREACH_SAFE(r, route_tree, &rules, rnext) {
		rule_remove(r);
		rule_unref(r);
		free(r);
	}
}

void
route_learned_stats(int family, struct route_lstats *ls)
{
	*ls = *lstats_of(family);
}

unsigned int
route_learned_max(void)
{
	return learned_max;
}

void
route_set_hook(route_hook_fn fn)
{
	hook = fn;
}

struct route *
route_first(void)
{
	return RB_MIN(route_tree, &rules);
}

struct route *
route_next(struct route *r)
{
	return RB_NEXT(route_tree, &rules, r);
}

struct mfc *
mfc_first(void)
{
	return RB_MIN(mfc_tree, &cache);
}

struct mfc *
mfc_next(struct mfc *m)
{
	return RB_NEXT(mfc_tree, &cache, m);
}
