/*
 * show.c - what smcroutectl show prints, rendered by render.c
 *
 * Each object is described once, as rows of typed cells; render.c turns
 * the document into the text tables or the JSON, so they cannot drift.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <event2/buffer.h>

#include "apply.h"
#include "iface.h"
#include "kern.h"
#include "mcgroup.h"
#include "proxy.h"
#include "msg.h"
#include "route.h"
#include "show.h"
#include "render.h"
#include "showcols.h"
#include "stats.h"


/* Source text, or NULL for any source. */
static const char *
src_str(const struct inet_pfx *p, char *buf, size_t len)
{
	if (p->len == 0 && inet_is_any(&p->addr))
		return NULL;
	return inet_pfx_str(p, buf, len);
}

/* The detail cells: the kernel's counters, or nulls without them. */
static void
cells_stats(struct render_table *t, const struct kern_stats *st)
{
	if (st) {
		render_cell_int(t, (int64_t)st->pkts);
		render_cell_int(t, (int64_t)st->bytes);
		render_cell_int(t, (int64_t)st->wrong_if);
	} else {
		render_cell_null(t);
		render_cell_null(t);
		render_cell_null(t);
	}
}

/*
 * What a fill of the routes shows: (S,G) rules or templates, and whether
 * the kernel's counters are read.  Without -d their columns are not
 * shown, and a SIOCGETSGCNT per entry and pass would be the whole cost
 * of a show of 100,000 routes.
 */
struct routes_fill {
	bool			 sg;
	bool			 detail;
};

static void
row_route(struct render_table *t, const struct route *r, bool detail)
{
	char s[INET_PFX_STRLEN], g[INET_PFX_STRLEN];
	struct kern_stats st;
	int i;

	render_row(t);
	render_cell_sg(t, src_str(&r->src, s, sizeof(s)),
	    inet_pfx_str(&r->grp, g, sizeof(g)));
	render_cell_str(t, iface_name(r->iif));
	cells_stats(t, detail && route_is_sg(r) &&
	    !kern_mfc_stats(&r->src.addr, &r->grp.addr, &st) ? &st : NULL);
	render_cell_list(t);
	for (i = 0; i < r->noifs; i++)
		render_list_add(t, iface_name(r->oifs[i]));
	render_cell_list(t);
	for (i = 0; i < r->nexcept; i++)
		render_list_add(t, inet_pfx_str(&r->except[i], s, sizeof(s)));
}

static void
row_mfc(struct render_table *t, const struct mfc *m, bool detail)
{
	char s[INET6_ADDRSTRLEN], g[INET6_ADDRSTRLEN];
	struct kern_stats st;
	struct iface *ifp;
	int vif;

	render_row(t);
	render_cell_sg(t, inet_str(&m->src, s, sizeof(s)),
	    inet_str(&m->grp, g, sizeof(g)));
	render_cell_str(t, iface_name(m->iif));
	cells_stats(t, detail && !kern_mfc_stats(&m->src, &m->grp, &st) ?
	    &st : NULL);
	/* In ifindex order, like the rules. */
	render_cell_list(t);
	IFACE_FOREACH(ifp)
		if ((vif = iface_vif(ifp, m->grp.family)) != NO_VIF &&
		    m->ttls[vif])
			render_list_add(t, ifp->name);
}

/* The rules of arg, a struct routes_fill. */
static void
fill_rules(struct render_table *t, void *arg)
{
	const struct routes_fill *rf = arg;
	struct route *r;

	for (r = route_first(); r; r = route_next(r))
		if (route_is_sg(r) == rf->sg)
			row_route(t, r, rf->detail);
}

static void
fill_mfc(struct render_table *t, void *arg)
{
	const struct routes_fill *rf = arg;
	struct mfc *m;
	int pass;

	/* Active entries first, then stop filters. */
	for (pass = 0; pass < 2; pass++)
		for (m = mfc_first(); m; m = mfc_next(m))
			if (m->installed && mfc_forwards(m) == !pass)
				row_mfc(t, m, rf->detail);
}

/*
 * Rows made as they are written (render_add_fill()): tens of thousands
 * of routes would otherwise be held as cells, then as text, at once.
 */
static void
show_routes(struct render_doc *doc, bool detail)
{
	static const struct routes_fill fills[2][2] = {
		{ { false, false }, { true, false } },
		{ { false, true }, { true, true } },
	};
	const struct routes_fill *f = fills[detail];

	render_add_fill(doc, "routes", "asm", "(*,G) Template Rules",
	    &cols_rule, 0, fill_rules, (void *)(uintptr_t)&f[0]);
	render_add_fill(doc, "routes", "ssm", "(S,G) Rules", &cols_rule, 0,
	    fill_rules, (void *)(uintptr_t)&f[1]);
	render_add_fill(doc, "routes", "kernel", "Kernel MFC Table",
	    &cols_route, 0, fill_mfc, (void *)(uintptr_t)&f[1]);
}

static void
show_groups(struct render_doc *doc, bool detail)
{
	const struct conf_mgroup *cg;
	const struct conf *c = apply_running();
	struct render_table *conf_t, *kern_t;
	char s[INET_PFX_STRLEN], g[INET_PFX_STRLEN];
	struct mcgroup *mg;
	int i, npend = apply_pending_count();

	conf_t = render_add(doc, "groups", "conf", "Group Memberships Table",
	    &cols_group, 0);
	/* Each expanded membership, like SMCRoute, only with -d. */
	kern_t = detail ? render_add(doc, "groups", "kernel",
	    "Kernel Group Membership Table", &cols_group, 0) : NULL;
	if (c) {
		TAILQ_FOREACH(cg, &c->mgroups, link) {
			/* Pending ones are in show pending. */
			for (i = 0; i < npend; i++)
				if (apply_pending_get(i)->mgroup == cg)
					break;
			if (i < npend)
				continue;
			render_row(conf_t);
			render_cell_sg(conf_t, src_str(&cg->src, s, sizeof(s)),
			    inet_pfx_str(&cg->grp, g, sizeof(g)));
			render_cell_str(conf_t, cg->ifname);
		}
	}
	for (mg = mcgroup_first(); mg; mg = mcgroup_next(mg)) {
		const char *src = inet_is_any(&mg->src) ? NULL :
		    inet_str(&mg->src, s, sizeof(s));

		inet_str(&mg->grp, g, sizeof(g));
		if (mg->origin & MCGROUP_IPC) {
			render_row(conf_t);
			render_cell_sg(conf_t, src, g);
			render_cell_str(conf_t, iface_name(mg->ifindex));
		}
		if (!kern_t)
			continue;
		render_row(kern_t);
		render_cell_sg(kern_t, src, g);
		render_cell_str(kern_t, iface_name(mg->ifindex));
	}
}

static void
show_interfaces(struct render_doc *doc)
{
	static const struct {
		unsigned int	 flag;
		const char	*name;
	} flags[] = {
		{ IFF_UP, "UP" }, { IFF_RUNNING, "RUNNING" },
		{ IFF_MULTICAST, "MULTICAST" }, { IFF_LOOPBACK, "LOOPBACK" },
		{ IFF_POINTOPOINT, "POINTOPOINT" }, { IFF_NOARP, "NOARP" },
	};
	struct render_table *t;
	struct iface *ifp;
	size_t i;

	t = render_add(doc, NULL, "interfaces", NULL, &cols_iface, 0);
	IFACE_FOREACH(ifp) {
		render_row(t);
		render_cell_int(t, ifp->ifindex);
		render_cell_str(t, ifp->name);
		if (ifp->vif == NO_VIF)
			render_cell_null(t);
		else
			render_cell_int(t, ifp->vif);
		if (ifp->mif == NO_VIF)
			render_cell_null(t);
		else
			render_cell_int(t, ifp->mif);
		/*
		 * The thresholds in effect: IPv4 honours ttl-threshold; the
		 * kernel's MRT6 API forwards any hop limit above 1 on every
		 * outbound MIF, whatever the MIF's threshold.
		 */
		if (ifp->vif == NO_VIF)
			render_cell_null(t);
		else
			render_cell_int(t, ifp->ttl);
		if (ifp->mif == NO_VIF)
			render_cell_null(t);
		else
			render_cell_int(t, 1);
		render_cell_str(t, ifp->disabled ? "disabled" :
		    !(ifp->flags & IFF_UP) ? "down" :
		    !(ifp->flags & IFF_MULTICAST) ? "no-multicast" : "up");
		render_cell_list(t);
		for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
			if (ifp->flags & flags[i].flag)
				render_list_add(t, flags[i].name);
	}
}

static void
counter_row(struct render_table *t, const char *fam, const char *name,
    uint64_t v)
{
	render_row(t);
	render_cell_str(t, fam);
	render_cell_str(t, name);
	render_cell_int(t, (int64_t)v);
}

/*
 * With -d, after the interfaces: per family with a routing socket, what
 * the socket received (kern.h) and the learned entries against their
 * limit (route.h, smcrouted -C; null for no limit).
 */
static void
show_counters(struct render_doc *doc)
{
	static const int families[] = { AF_INET, AF_INET6 };
	struct render_table *t;
	struct kern_rxstats rx;
	struct route_lstats ls;
	const char *fam;
	size_t i;

	t = render_add(doc, NULL, "counters", "Multicast Routing Counters",
	    &cols_counter, 0);
	for (i = 0; i < sizeof(families) / sizeof(families[0]); i++) {
		if (!kern_available(families[i]))
			continue;
		fam = families[i] == AF_INET6 ? "IPv6" : "IPv4";
		kern_rx_stats(families[i], &rx);
		route_learned_stats(families[i], &ls);
		counter_row(t, fam, "learned", ls.learned);
		render_row(t);
		render_cell_str(t, fam);
		render_cell_str(t, "learned_limit");
		if (route_learned_max())
			render_cell_int(t, route_learned_max());
		else
			render_cell_null(t);
		counter_row(t, fam, "learned_refused", ls.refused);
		counter_row(t, fam, "upcalls", rx.upcalls);
		counter_row(t, fam, "packets", rx.packets);
		counter_row(t, fam, "ignored", rx.ignored);
		counter_row(t, fam, "truncated", rx.truncated);
		counter_row(t, fam, "ctrl_truncated", rx.ctruncated);
		counter_row(t, fam, "rx_errors", rx.errors);
		counter_row(t, fam, "rx_budget_spent", rx.yields);
	}
}

/*
 * SMCRoute's format: a plain heading, then each line as it would read in
 * smcroute.conf, the keyword padded to 7; a message when there is none.
 */
static void
show_pending(struct render_doc *doc)
{
	char s[INET_PFX_STRLEN], g[INET_PFX_STRLEN], words[2 * CONF_LINE_MAX];
	char line[sizeof(words) + 16];
	const struct apply_pending *p;
	struct render_table *t;
	int i, j;

	t = render_add(doc, NULL, "pending", "PENDING ROUTES AND GROUPS",
	    &cols_pending, RENDER_NOHEADING | RENDER_PLAINTITLE);
	render_set_empty(t, "No pending routes or groups");
	for (i = 0; (p = apply_pending_get(i)); i++) {
		render_row(t);
		if (p->mroute) {
			const struct conf_mroute *cr = p->mroute;

			render_cell_str(t, "mroute");
			render_cell_str(t, cr->iif);
			render_cell_sg(t, src_str(&cr->src, s, sizeof(s)),
			    inet_pfx_str(&cr->grp, g, sizeof(g)));
			render_cell_list(t);
			for (j = 0; j < cr->noifs; j++)
				render_list_add(t, cr->oifs[j]);
			conf_mroute_words(cr, words, sizeof(words));
			snprintf(line, sizeof(line), "%-7s %s", "mroute",
			    words);
		} else {
			const struct conf_mgroup *cg = p->mgroup;

			render_cell_str(t, "mgroup");
			render_cell_str(t, cg->ifname);
			render_cell_sg(t, src_str(&cg->src, s, sizeof(s)),
			    inet_pfx_str(&cg->grp, g, sizeof(g)));
			render_cell_list(t);
			conf_mgroup_words(cg, words, sizeof(words));
			snprintf(line, sizeof(line), "%-7s %s", "mgroup",
			    words);
		}
		render_cell_str(t, line);
	}
}

int
show(int what, uint32_t flags, struct evbuffer *out, char *err,
    size_t errlen)
{
	struct render_doc *doc;
	int rc;

	doc = render_doc_new((flags & MSG_F_JSON ? RENDER_JSON : 0) |
	    (flags & MSG_F_DETAIL ? RENDER_DETAIL : 0));
	if (!doc) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	switch (what) {
	case MSG_SHOW_ROUTES:
		show_routes(doc, flags & MSG_F_DETAIL);
		break;
	case MSG_SHOW_GROUPS:
		show_groups(doc, flags & MSG_F_DETAIL);
		break;
	case MSG_SHOW_INTERFACES:
		show_interfaces(doc);
		if (flags & MSG_F_DETAIL)
			show_counters(doc);
		break;
	case MSG_SHOW_PENDING:
		show_pending(doc);
		break;
	case MSG_SHOW_IGMP:
		if (proxy_show(doc, flags, err, errlen)) {
			render_doc_free(doc);
			return -1;
		}
		break;
	case MSG_SHOW_STATS: {
		/* The numbers of the metrics endpoint (stats.h). */
		struct stats *st = stats_collect();

		if (!st) {
			render_doc_free(doc);
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		stats_render(st, doc);
		stats_free(st);
		break;
	}
	default:
		render_doc_free(doc);
		snprintf(err, errlen, "unknown show subject");
		return -1;
	}
	rc = render_doc_emit(doc, out, err, errlen);
	render_doc_free(doc);
#ifdef __GLIBC__
	/* A large document leaves free pages malloc would keep. */
	if (evbuffer_get_length(out) > 65536)
		malloc_trim(0);
#endif
	return rc;
}
