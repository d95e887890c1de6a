/*
 * proxy.c - the proxy's interfaces and its glue to the core
 *
 * The proxy interfaces (pif.h) are made from the configuration here,
 * kept in step with the system's interfaces, and taken away again.
 * The route engine asks here which interfaces want a flow (proxy_oifs),
 * and every change to a membership database ends in pif_drain(), which
 * tells the route engine and the upstream membership what changed.
 *
 * Flow of a report: io.c decodes it (every drop counted by reason) and
 * applies its records after the acl; pif_drain() then has the querier
 * send what the database asks for, the route engine recompute the
 * groups whose forwarding changed (route.c asks back through
 * proxy_oifs), and upstream.c merge them again (RFC 4605 §4.1) and set
 * them in place.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <event2/event.h>

#include "evloop.h"
#include "iface.h"
#include "log.h"
#include "pif.h"
#include "proxy.h"
#include "route.h"
#include "words.h"

struct proxy px = { RB_INITIALIZER(&px.pifs), NULL };

/* Set by pif_update() when an upstream's group prefixes changed. */
static bool px_ranges_changed;

static int
pif_cmp(struct pif *a, struct pif *b)
{
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return a->ifindex < b->ifindex ? -1 : a->ifindex > b->ifindex;
}

RB_GENERATE(pif_tree, pif, entry, pif_cmp)

const char *
pif_proto(const struct pif *p)
{
	return p->family == AF_INET6 ? "MLD" : "IGMP";
}

struct pif *
pif_find(int family, int ifindex)
{
	struct pif key;

	key.family = family;
	key.ifindex = ifindex;
	return RB_FIND(pif_tree, &px.pifs, &key);
}

/*
 * A handful of upstreams at most: a walk over the interfaces, as
 * proxy_oifs() does anyway.  Two upstreams never serve an equal prefix
 * (proxy_apply_iface), so the longest match is unique.
 */
struct pif *
pif_upstream_of(const struct inet_addr *grp)
{
	struct pif *p, *best = NULL;
	int len, best_len = -1;

	RB_FOREACH(p, pif_tree, &px.pifs) {
		if (p->family != grp->family || !(p->role & PIF_UP))
			continue;
		len = pconf_upgrp_len(&p->cfg, grp);
		if (len > best_len) {
			best = p;
			best_len = len;
		}
	}
	return best;
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

void
pif_drain(struct pif *p)
{
	struct inet_addr grp;
	uint64_t next;

	querier_specific(p);
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

/*
 * The route engine asks: which interfaces want (src, grp) arriving on
 * iif?  Each group has one upstream, the one serving it (pconf.h).
 * From that upstream: every downstream whose database wants it (RFC 3376
 * §6.3) and whose acl allows it.  From any other upstream: nothing (it
 * is counted), so a group reaches the LANs from one place only, and an
 * interface that is both (phyint IF upstream downstream) takes flows
 * only of the groups it serves: its hosts' flows of other groups stay
 * on their link.  From a downstream (a local source, RFC 4605 §4.2):
 * the group's upstream and the other downstreams that want it; route.c
 * never sends back out of iif.
 *
 * Only onto downstreams where we are the querier (RFC 4605 §4.2): where
 * another router won the election it forwards, and the link would get
 * every packet twice.  The database keeps running there (RFC 3376 §6),
 * and querier_event() recomputes the routes when the role changes.  An
 * upstream that is also downstream is the exception: its querier is
 * likely the upstream router, which has no flows of the groups served
 * elsewhere, so they are forwarded there whoever queries.
 */
static void
proxy_oifs(const struct inet_addr *src, const struct inet_addr *grp, int iif,
    int *oifs, int *noifs)
{
	struct pif key, *in, *p, *up;

	if (RB_EMPTY(&px.pifs) || inet_is_linklocal_group(grp))
		return;
	key.family = grp->family;
	key.ifindex = iif;
	in = RB_FIND(pif_tree, &px.pifs, &key);
	if (!in)
		return;
	up = pif_upstream_of(grp);
	if ((in->role & PIF_UP) && in != up) {
		upgrp_refused(in, src, grp);
		return;
	}
	/* The upstream's source list (acl.c); static routes still apply. */
	if (in == up && !upsrc_permit(in, src, grp))
		return;
	RB_FOREACH(p, pif_tree, &px.pifs) {
		if (p->family != grp->family || p == in ||
		    *noifs >= ROUTE_MAXOIFS)
			continue;
		if (p == up) {
			/* The upstream acl also keeps local traffic home. */
			if (acl_permit(p, src, grp))
				oifs[(*noifs)++] = p->ifindex;
			continue;
		}
		if ((p->role & PIF_DOWN) &&
		    (p->qstate != Q_NONQUERIER || (p->role & PIF_UP)) &&
		    mdb_wants(p->mdb, src, grp) && acl_permit(p, src, grp))
			oifs[(*noifs)++] = p->ifindex;
	}
}

/*
 * Reports and leaves go to link-scope groups, which reach us only as a
 * member: IGMPv3 224.0.0.22, IGMPv2 leaves 224.0.0.2; MLDv2 ff02::16,
 * MLDv1 done ff02::2.
 */
static const char *const report_groups[2][2] = {
	{ "224.0.0.22", "224.0.0.2" }, { "ff02::16", "ff02::2" }
};

static void
pif_reports(const struct pif *p, bool join)
{
	int i;

	for (i = 0; i < 2; i++) {
		const char *g = report_groups[p->family == AF_INET6][i];

		if (join)
			io_join(p->family, p->ifindex, g);
		else
			io_leave(p->family, p->ifindex, g);
	}
}

static void
pif_free(struct pif *p)
{
	struct iface *ifp = iface_find(p->ifindex);

	querier_free(p);
	if (p->role & PIF_DOWN)
		pif_reports(p, false);
	if (p->mdb_ev)
		event_free(p->mdb_ev);
	if (p->mdb)
		mdb_if_destroy(p->mdb);
	if (p->vifref && ifp)
		iface_unref(ifp, p->family);
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

	log_notice("[%s %s] leaving the proxy", pif_proto(p), p->name);
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
		/*
		 * Whatever it reported upstream goes with it, to the
		 * upstream that serves those groups now, if any.
		 */
		upstream_drop(family, ifindex_up, gone);
		if (!gone) {
			/*
			 * Within proxy_apply(): the other interfaces may
			 * still carry their old settings, so the groups
			 * and routes are recomputed once, at its end.
			 */
			px_ranges_changed = true;
			return;
		}
		upstream_update_all();
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
	if ((pc->flags & PCONF_UPSTREAM) && (pc->flags & proto) &&
	    (pc->flags & PCONF_DOWNSTREAM))
		return PIF_UP | PIF_REPORT | PIF_DOWN;
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
	p->mdb_ev = evtimer_new(evbase, mdb_timer, p);
	if (p->role & PIF_DOWN) {
		pif_params(p, &mp);
		p->mdb = mdb_if_create(&mp);
	}
	if (querier_init(p) || !p->mdb_ev ||
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
		    "until a slot is free", pif_proto(p), p->name);
	if (p->role & PIF_DOWN) {
		pif_reports(p, true);
		if (inet_is_any(&p->addr))
			log_warnx("[%s %s] no %s address: other routers "
			    "ignore our queries", pif_proto(p), p->name,
			    family == AF_INET6 ? "link-local" : "IPv4");
		querier_event(p, QE_START);
	}
	if ((p->role & PIF_UP) && (p->role & PIF_DOWN))
		log_notice("[%s %s] upstream, reporting membership, and "
		    "downstream, %sv%d", pif_proto(p), p->name, pif_proto(p),
		    family == AF_INET6 ? pif_level(p) - 1 : pif_level(p));
	else if (p->role & PIF_UP)
		log_notice("[%s %s] upstream%s", pif_proto(p), p->name,
		    p->role & PIF_REPORT ? ", reporting membership" : "");
	else
		log_notice("[%s %s] downstream, %sv%d", pif_proto(p), p->name,
		    pif_proto(p), family == AF_INET6 ? pif_level(p) - 1 :
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
	unsigned int i;

	/* New ranges move groups: upstream_update_all() and the routes. */
	/* By value: a prefix's padding is not initialised. */
	if (p->cfg.nupgrp != pi->proxy.nupgrp)
		px_ranges_changed = true;
	for (i = 0; i < p->cfg.nupgrp && !px_ranges_changed; i++)
		if (inet_pfx_cmp(&p->cfg.upgrp[i], &pi->proxy.upgrp[i]))
			px_ranges_changed = true;
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
	char a[INET_PFX_STRLEN];
	struct inet_pfx same;
	struct pif *p, *up;

	if (!role)
		return;
	/*
	 * conf.c refuses two lines serving an equal prefix; a name pattern
	 * may still make two interfaces upstream for the same groups: the
	 * one applied first keeps them.
	 */
	RB_FOREACH(up, pif_tree, &px.pifs) {
		if (!(role & PIF_UP) || up->family != family ||
		    !(up->role & PIF_UP) || up->ifindex == ifp->ifindex ||
		    up->mark || !pconf_upgrp_clash(&use->proxy, &up->cfg,
		    &same))
			continue;
		log_warnx("%s line %d: %s and %s are both upstream for %s: "
		    "%s is left out of the proxy", use->where.file,
		    use->where.line, ifp->name, up->name,
		    same.addr.family == AF_UNSPEC ? "every group" :
		    inet_pfx_str(&same, a, sizeof(a)), ifp->name);
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
	/* A new upstream may take groups from another. */
	if (p->role & PIF_UP)
		px_ranges_changed = true;
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
	if (px_ranges_changed) {
		px_ranges_changed = false;
		route_refresh_all();
	}
	mrdisc_apply();
}

void
proxy_iface_gone(int ifindex)
{
	int families[2] = { AF_INET, AF_INET6 }, i;
	struct pif *p;

	upstream_drop_iface(ifindex);
	for (i = 0; i < 2; i++) {
		if ((p = pif_find(families[i], ifindex))) {
			p->vifref = false;	/* the kernel dropped it */
			pif_remove(p, true);
		}
	}
}

/* An interface came up, or got an IPv6 address (see iface.h). */
void
proxy_iface_up(int ifindex, int family)
{
	upstream_reset(ifindex, family);
}

void
proxy_init(int mrdisc_interval)
{
	RB_INIT(&px.pifs);
	route_set_hook(proxy_oifs);
	upstream_init();
	io_init();
	mrdisc_init(mrdisc_interval);
}

void
proxy_exit(void)
{
	struct pif *p, *next;

	mrdisc_exit();
	RB_FOREACH_SAFE(p, pif_tree, &px.pifs, next)
		pif_free(p);
	upstream_exit();
	io_exit();
	route_set_hook(NULL);
	px.conf = NULL;
}
