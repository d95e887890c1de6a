/*
 * upstream.c - the membership reported upstream, RFC 4605 §4.1
 *
 * For every group any downstream interface or the upstream acl knows of,
 * the downstream memberships are merged (merge.h) and the result, after
 * the upstream acl, is set on the upstream interface serving the group
 * (pif_upstream_of) in place with the kernel's source filter API
 * (mcfilter.h): the kernel's host stack then answers the upstream
 * querier and sends the state-change reports.  Each group is set on one
 * upstream at a time; when another comes to serve it (a reload changed
 * the ranges, an upstream came or went) it is left on the old one and
 * set on the new one, the other groups untouched.
 *
 * An upstream that is also a downstream is left out of the merge of
 * the groups it serves itself: its hosts hear those flows on their own
 * link from the upstream router, and report to it themselves.  For the
 * groups other upstreams serve its membership is merged like any
 * downstream's.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "evloop.h"
#include "log.h"
#include "mcfilter.h"
#include "pif.h"

RB_HEAD(ugroup_tree, ugroup);

static int
ugroup_cmp(struct ugroup *a, struct ugroup *b)
{
	return inet_cmp(&a->grp, &b->grp);
}

RB_GENERATE_STATIC(ugroup_tree, ugroup, entry, ugroup_cmp)

static struct ugroup_tree ugroups = RB_INITIALIZER(&ugroups);

static void
upstream_set(const struct pif *up, struct ugroup *ug, const struct msf *f)
{
	struct inet_addr *srcs = NULL;
	struct msf_src *s;
	size_t n = 0;
	char err[160], g[INET6_ADDRSTRLEN];

	if (f->nsrc && !(srcs = calloc(f->nsrc, sizeof(*srcs)))) {
		log_warn("[%s %s] upstream", pif_proto(up), up->name);
		return;
	}
	MSF_FOREACH(s, f)
		srcs[n++] = s->addr;
	if (mcfilter_set(up->ifindex, &ug->grp, f->mode == MSF_EXCLUDE ?
	    MCF_EXCLUDE : MCF_INCLUDE, srcs, n, err, sizeof(err)))
		log_warnx("[%s %s] cannot report %s upstream: %s", pif_proto(up), up->name,
		    inet_str(&ug->grp, g, sizeof(g)), err);
	else
		log_debug("[%s %s] upstream %s %s, %zu sources", pif_proto(up), up->name,
		    inet_str(&ug->grp, g, sizeof(g)), msf_mode_str[f->mode],
		    n);
	free(srcs);
}

static struct ugroup *
ugroup_find(const struct inet_addr *grp)
{
	struct ugroup key;

	key.grp = *grp;
	return RB_FIND(ugroup_tree, &ugroups, &key);
}

static void
ugroup_free(struct ugroup *ug)
{
	RB_REMOVE(ugroup_tree, &ugroups, ug);
	msf_clear(&ug->f);
	free(ug);
}

/*
 * The group leaves the upstream it was set on (which may be gone from
 * the proxy already, or from the system: then the kernel has dropped
 * it), before it is set on another.
 */
static void
ugroup_leave(struct ugroup *ug)
{
	const struct pif *old = pif_find(ug->grp.family, ug->ifindex);
	char err[160], g[INET6_ADDRSTRLEN];

	if (mcfilter_set(ug->ifindex, &ug->grp, MCF_INCLUDE, NULL, 0, err,
	    sizeof(err)))
		log_warnx("upstream: %s", err);
	else
		log_info("[%s %s] %s moves to another upstream",
		    old ? pif_proto(old) : "-", old ? old->name : "-",
		    inet_str(&ug->grp, g, sizeof(g)));
	msf_clear(&ug->f);
	ug->f.mode = MSF_INCLUDE;
}

void
upstream_update(const struct inet_addr *grp)
{
	struct pif *up = pif_upstream_of(grp), *p;
	struct ugroup *ug;
	struct merge m;
	struct msf f;

	if (up && !(up->role & PIF_REPORT))
		up = NULL;
	ug = ugroup_find(grp);
	if (!up && !ug)
		return;
	msf_init(&f, MSF_INCLUDE);
	if (up && !inet_is_linklocal_group(grp) && acl_permit(up, NULL, grp)) {
		merge_init(&m);
		RB_FOREACH(p, pif_tree, &px.pifs) {
			const struct mdb_group *g;
			struct mdb_group_info gi;

			if (!(p->role & PIF_DOWN) || p->family != grp->family ||
			    p == up || !acl_permit(p, NULL, grp))
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
			    pif_proto(up), up->name);
		merge_free(&m);
	}
	/*
	 * Sources the upstream acl denies are not asked for: left out of
	 * an INCLUDE list, added to an EXCLUDE list.
	 */
	if (!up) {
		/* No upstream reports it any more: leave. */
	} else if (f.mode == MSF_INCLUDE) {
		struct msf_src *s, *next;

		RB_FOREACH_SAFE(s, msf_tree, &f.srcs, next)
			if (!acl_permit(up, &s->addr, grp))
				msf_del(&f, &s->addr);
	} else {
		acl_exclusions(up, grp, &f, NULL);
	}

	if (ug && (!up || ug->ifindex != up->ifindex)) {
		ugroup_leave(ug);
		if (!up) {
			ugroup_free(ug);
			msf_clear(&f);
			return;
		}
		ug->ifindex = up->ifindex;
		if (msf_is_null(&f)) {
			ugroup_free(ug);
			return;
		}
	}
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
		ug->ifindex = up->ifindex;
		msf_init(&ug->f, MSF_INCLUDE);
		RB_INSERT(ugroup_tree, &ugroups, ug);
	}
	upstream_set(up, ug, &f);
	msf_copy(&ug->f, &f);
	ug->f.mode = f.mode;
	msf_clear(&f);
	if (msf_is_null(&ug->f))
		ugroup_free(ug);
}

/* Every group any downstream or the upstream knows of. */
void
upstream_update_all(void)
{
	struct ugroup *ug, *next;
	struct pif *p;

	RB_FOREACH_SAFE(ug, ugroup_tree, &ugroups, next) {
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
 * The upstream came up, or got an IPv6 address.  The kernel may have
 * dropped the sources of filters set before: set each group's filter
 * again (left, then set; only at such events).
 */
void
upstream_reset(int ifindex, int family)
{
	struct ugroup *ug;
	struct pif *up;
	char err[160];

	RB_FOREACH(ug, ugroup_tree, &ugroups) {
		if (ug->ifindex != ifindex ||
		    (family != AF_UNSPEC && ug->grp.family != family))
			continue;
		up = pif_find(ug->grp.family, ifindex);
		if (!up || !(up->role & PIF_REPORT))
			continue;
		mcfilter_set(up->ifindex, &ug->grp, MCF_INCLUDE, NULL, 0, err,
		    sizeof(err));
		upstream_set(up, ug, &ug->f);
	}
}

void
upstream_drop(int family, int ifindex, bool gone)
{
	struct ugroup *ug, *next;
	char err[160];

	RB_FOREACH_SAFE(ug, ugroup_tree, &ugroups, next) {
		if (ug->grp.family != family || ug->ifindex != ifindex)
			continue;
		if (!gone && ifindex && mcfilter_set(ifindex, &ug->grp,
		    MCF_INCLUDE, NULL, 0, err, sizeof(err)))
			log_warnx("upstream: %s", err);
		ugroup_free(ug);
	}
}

void
upstream_drop_iface(int ifindex)
{
	mcfilter_drop_iface(ifindex);
}

struct ugroup *
upstream_first(void)
{
	return RB_MIN(ugroup_tree, &ugroups);
}

struct ugroup *
upstream_next(struct ugroup *ug)
{
	return RB_NEXT(ugroup_tree, &ugroups, ug);
}

void
upstream_init(void)
{
	RB_INIT(&ugroups);
	mcfilter_init();
}

void
upstream_exit(void)
{
	struct ugroup *ug, *next;

	RB_FOREACH_SAFE(ug, ugroup_tree, &ugroups, next)
		ugroup_free(ug);
	mcfilter_exit();
}
