/*
 * apply.c - apply a parsed configuration to the running daemon
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "apply.h"
#include "iface.h"
#include "log.h"
#include "mcgroup.h"
#include "proxy.h"
#include "route.h"
#include "words.h"

/* A VIF/MIF reference held for a phyint line. */
struct phyref {
	int	ifindex;
	int	family;
};

static struct {
	struct conf		*conf;		/* running configuration */
	struct phyref		*refs;
	int			 nrefs;
	struct apply_pending	*pending;
	int			 npending;
	bool			 verbose;	/* a load: repeat notices */
} run;

static bool
iface_usable(const struct iface *ifp)
{
	return !ifp->disabled && (ifp->flags & IFF_MULTICAST);
}

/* phyint lines: thresholds, enable/disable, and VIF/MIF references. */
static void
apply_phyints(struct conf *c, struct phyref **refs, int *nrefs)
{
	struct conf_phyint *p;
	struct iface *ifp;
	int n = 0, cap = 0;

	IFACE_FOREACH(ifp) {
		ifp->ttl = CONF_TTL_DEFAULT;
		ifp->disabled = false;
		ifp->wrongvif_keep = false;
		ifp->mrdisc = false;
	}
	TAILQ_FOREACH(p, &c->phyints, link) {
		bool found = false;

		IFACE_FOREACH(ifp) {
			if (!word_ifname_match(p->ifname, ifp->name))
				continue;
			found = true;
			ifp->ttl = p->ttl;
			ifp->disabled = !p->enable;
			ifp->wrongvif_keep = p->wrongvif_keep;
			ifp->mrdisc = p->enable && p->mrdisc;
		}
		if (!run.verbose)
			continue;
		if (!found)
			log_notice("phyint %s does not exist (yet?) on this "
			    "system", p->ifname);
		if (p->ttl > 1 && kern_available(AF_INET6))
			log_warnx("%s line %d: ttl-threshold %d on %s applies "
			    "to IPv4 only: Linux IPv6 multicast routing has no"
			    " per-interface hop-limit threshold", p->where.file,
			    p->where.line, p->ttl, p->ifname);
	}
	/* References last, so that a later "disable" line wins. */
	IFACE_FOREACH(ifp) {
		TAILQ_FOREACH(p, &c->phyints, link) {
			int fam;

			if (!p->enable || ifp->disabled ||
			    !word_ifname_match(p->ifname, ifp->name))
				continue;
			for (fam = 0; fam < 2; fam++) {
				struct phyref *nr;
				int family = fam ? AF_INET6 : AF_INET;

				if (!kern_available(family))
					continue;
				/* Counted even without a free slot (iface.h). */
				iface_ref(ifp, family);
				if (n == cap) {
					cap = cap ? cap * 2 : 16;
					nr = reallocarray(*refs, (size_t)cap,
					    sizeof(*nr));
					if (!nr) {
						iface_unref(ifp, family);
						continue;
					}
					*refs = nr;
				}
				(*refs)[n].ifindex = ifp->ifindex;
				(*refs)[n].family = family;
				n++;
			}
			break;
		}
	}
	*nrefs = n;
}

static void
pending_add(const struct conf_mroute *r, const struct conf_mgroup *g)
{
	struct apply_pending *np;

	np = reallocarray(run.pending, (size_t)run.npending + 1, sizeof(*np));
	if (!np)
		return;
	run.pending = np;
	np[run.npending].mroute = r;
	np[run.npending].mgroup = g;
	run.npending++;
}

/* An interface named (not a wildcard) that is missing or not usable. */
static bool
named_unusable(const char *name)
{
	struct iface *ifp;

	if (word_is_wildcard(name))
		return false;
	ifp = iface_find_name(name);
	return !ifp || !(ifp->flags & IFF_MULTICAST);
}

/*
 * Resolve one mroute line into engine rules, one per inbound interface
 * matching IIF, each with the outbound interfaces that exist now (as
 * SMCRoute does).  Returns false if the line waits for an interface it
 * names: the inbound one (then nothing is installed) or an outbound one
 * (then the route is installed without it, and gets it when it comes);
 * missing or not (yet) multicast capable count alike.
 *
 * An outbound interface named explicitly that is also the inbound one
 * is kept, as SMCRoute keeps it; one that only a wildcard yields is not.
 */
static bool
apply_mroute(const struct conf_mroute *cr)
{
	struct iface *in, *out;
	struct route r;
	char err[160];
	bool waits = false;
	int i;

	if (named_unusable(cr->iif))
		return false;
	for (i = 0; i < cr->noifs; i++)
		if (named_unusable(cr->oifs[i]))
			waits = true;

	IFACE_FOREACH(in) {
		if (!word_ifname_match(cr->iif, in->name))
			continue;
		if (!iface_usable(in)) {
			if (run.verbose)
				log_warnx("%s line %d: inbound %s is %s, "
				    "skipping", cr->where.file,
				    cr->where.line, in->name, in->disabled ?
				    "disabled" : "not multicast capable");
			continue;
		}
		memset(&r, 0, sizeof(r));
		r.iif = in->ifindex;
		r.src = cr->src;
		r.grp = cr->grp;
		r.nexcept = cr->nexcept;
		r.except = cr->except;		/* route_add() copies them */
		for (i = 0; i < cr->noifs; i++) {
			IFACE_FOREACH(out) {
				if (!word_ifname_match(cr->oifs[i], out->name) ||
				    !iface_usable(out))
					continue;
				if (out == in) {
					if (word_is_wildcard(cr->oifs[i]))
						continue;
					if (run.verbose)
						log_info("%s line %d: %s is "
						    "both inbound and outbound,"
						    " this may cause routing "
						    "loops", cr->where.file,
						    cr->where.line, in->name);
				}
				if (r.noifs < ROUTE_MAXOIFS)
					r.oifs[r.noifs++] = out->ifindex;
			}
		}
		if (route_add(&r, ROUTE_CONF, true, err, sizeof(err)))
			log_warnx("%s line %d: %s", cr->where.file,
			    cr->where.line, err);
	}
	return !waits;
}

struct mgroup_join {
	const struct conf_mgroup	*cg;
	const struct iface		*ifp;
};

static int
apply_mgroup_join(const struct inet_addr *s, const struct inet_addr *g,
    void *arg)
{
	struct mgroup_join *mj = arg;
	char err[160];

	if (mcgroup_join(mj->ifp->ifindex, s, g, MCGROUP_CONF, err,
	    sizeof(err)))
		log_warnx("%s line %d: mgroup on %s: %s", mj->cg->where.file,
		    mj->cg->where.line, mj->ifp->name, err);
	return 0;
}

/*
 * Join an mgroup line on every interface matching it.  Returns false if
 * the interface it names is missing or not (yet) multicast capable.
 */
static bool
apply_mgroup(const struct conf_mgroup *cg)
{
	struct mgroup_join mj = { cg, NULL };
	struct iface *ifp;

	if (named_unusable(cg->ifname))
		return false;
	IFACE_FOREACH(ifp) {
		if (!word_ifname_match(cg->ifname, ifp->name) ||
		    !(ifp->flags & IFF_MULTICAST))
			continue;
		mj.ifp = ifp;
		conf_mgroup_foreach(cg, apply_mgroup_join, &mj);
	}
	return true;
}

/* What an mroute line waits for, for the log. */
static const char *
apply_missing(const struct conf_mroute *cr, char *buf, size_t len)
{
	int i;

	if (named_unusable(cr->iif))
		return "interface";
	for (i = 0; i < cr->noifs; i++)
		if (named_unusable(cr->oifs[i]))
			break;
	snprintf(buf, len, "outbound %s", i < cr->noifs ? cr->oifs[i] : "?");
	return buf;
}

static bool
was_pending(const struct apply_pending *old, int n, const void *item)
{
	int i;

	for (i = 0; i < n; i++)
		if (old[i].mroute == item || old[i].mgroup == item)
			return true;
	return false;
}

/*
 * Resolve every mroute and mgroup line.  Lines that wait for an
 * interface go on the pending list; what changes is logged once, not
 * at every interface event.
 */
static void
apply_routes_groups(void)
{
	struct apply_pending *old = run.pending;
	int nold = run.npending;
	const struct conf_mroute *cr;
	const struct conf_mgroup *cg;
	char what[IFNAMSIZ + 16];
	bool was;

	run.pending = NULL;
	run.npending = 0;
	TAILQ_FOREACH(cr, &run.conf->mroutes, link) {
		was = was_pending(old, nold, cr);
		if (!apply_mroute(cr)) {
			if (run.verbose || !was)
				log_notice("%s line %d: mroute from %s pending:"
				    " %s not available", cr->where.file,
				    cr->where.line, cr->iif,
				    apply_missing(cr, what, sizeof(what)));
			pending_add(cr, NULL);
		} else if (was && !run.verbose) {
			log_notice("%s line %d: activated pending mroute from "
			    "%s", cr->where.file, cr->where.line, cr->iif);
		}
	}
	TAILQ_FOREACH(cg, &run.conf->mgroups, link) {
		was = was_pending(old, nold, cg);
		if (!apply_mgroup(cg)) {
			if (run.verbose || !was)
				log_notice("%s line %d: mgroup from %s pending:"
				    " interface not available",
				    cg->where.file, cg->where.line,
				    cg->ifname);
			pending_add(NULL, cg);
		} else if (was && !run.verbose) {
			log_notice("%s line %d: activated pending mgroup from "
			    "%s", cg->where.file, cg->where.line, cg->ifname);
		}
	}
	free(old);
}

/*
 * Resolve the running configuration against the interfaces we have now.
 * Rules and groups from the configuration that it no longer yields are
 * removed, after the new ones are in place; on reload also those added
 * with smcroutectl.
 */
static void apply_iface_gone(struct iface *);

static void
apply_run(bool reload)
{
	struct phyref *refs = NULL;
	int nrefs = 0, i;
	struct iface *ifp;

	apply_phyints(run.conf, &refs, &nrefs);
	proxy_apply(run.conf);
	route_mark(ROUTE_CONF | (reload ? ROUTE_IPC : 0));
	mcgroup_mark(MCGROUP_CONF | (reload ? MCGROUP_IPC : 0));
	apply_routes_groups();
	route_sweep();
	mcgroup_sweep();
	/* Thresholds may have changed for entries that stayed. */
	route_refresh_all();

	for (i = 0; i < run.nrefs; i++)
		if ((ifp = iface_find(run.refs[i].ifindex)))
			iface_unref(ifp, run.refs[i].family);
	free(run.refs);
	run.refs = refs;
	run.nrefs = nrefs;
}

/*
 * An interface came up, or got another IPv6 address: the kernel may
 * have dropped the sources of memberships made before, so make them
 * again (IPv6 ones only, for an address).
 */
static void
apply_ifaces_up(void)
{
	struct iface *ifp;
	int family;

	IFACE_FOREACH(ifp) {
		if (ifp->came_up) {
			log_info("Interface %s is up", ifp->name);
			family = AF_UNSPEC;
		} else if (ifp->addr6_added) {
			log_debug("Interface %s has a new IPv6 address",
			    ifp->name);
			family = AF_INET6;
		} else {
			continue;
		}
		ifp->came_up = ifp->addr6_added = false;
		mcgroup_rejoin_iface(ifp->ifindex, family);
		proxy_iface_up(ifp->ifindex, family);
	}
}

void
apply_conf(struct conf *c)
{
	iface_refresh(apply_iface_gone);
	apply_ifaces_up();
	if (run.conf)
		conf_free(run.conf);
	run.conf = c;
	/* The old pending list points into the old configuration. */
	free(run.pending);
	run.pending = NULL;
	run.npending = 0;
	run.verbose = true;
	apply_run(true);
	run.verbose = false;
#ifdef __GLIBC__
	/*
	 * The old configuration lies below the new one in the heap, which
	 * malloc does not shrink from the middle by itself: without this,
	 * the daemon stays at the size of both after every reload.
	 */
	malloc_trim(0);
#endif
}

static void
apply_iface_gone(struct iface *ifp)
{
	int i, n;

	proxy_iface_gone(ifp->ifindex);
	route_drop_iface(ifp->ifindex);
	mcgroup_drop_iface(ifp->ifindex);
	/* The kernel dropped its VIF/MIF: so do the phyint references. */
	for (i = 0, n = 0; i < run.nrefs; i++)
		if (run.refs[i].ifindex != ifp->ifindex)
			run.refs[n++] = run.refs[i];
	run.nrefs = n;
}

/*
 * Interfaces came, went or were renamed.  What the configuration names
 * is resolved again: pending entries activate, entries whose interface
 * is gone go back to pending.  Routes and groups added with smcroutectl
 * stay, except those on a vanished interface.
 */
void
apply_ifaces_changed(void)
{
	iface_refresh(apply_iface_gone);
	apply_ifaces_up();
	if (run.conf)
		apply_run(false);
}

void
apply_exit(void)
{
	struct iface *ifp;
	int i;

	proxy_apply(NULL);
	for (i = 0; i < run.nrefs; i++)
		if ((ifp = iface_find(run.refs[i].ifindex)))
			iface_unref(ifp, run.refs[i].family);
	free(run.refs);
	free(run.pending);
	if (run.conf)
		conf_free(run.conf);
	memset(&run, 0, sizeof(run));
}

int
apply_pending_count(void)
{
	return run.npending;
}

const struct apply_pending *
apply_pending_get(int i)
{
	return i >= 0 && i < run.npending ? &run.pending[i] : NULL;
}

const struct conf *
apply_running(void)
{
	return run.conf;
}
