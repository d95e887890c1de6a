/*
 * pshow.c - show igmp: the proxy's tables, text and JSON alike
 *
 * Five tables, each object rendered once (render.h): interfaces with
 * their querier state and totals, counters (by message type, drop
 * reason, record result), groups with their reporting hosts (viewers),
 * sources, and the upstream membership.  The host list of a group is
 * cut short in text, so that a group with hundreds of viewers stays one
 * readable line; JSON has all of it.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "evloop.h"
#include "pif.h"
#include "proxy.h"
#include "render.h"

static const char *const rx_key[RX_MAX] = {
	"query_v1", "query_v2", "query_v3", "report_v1", "report_v2",
	"report_v3", "leave"
};

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
	/* Viewers: text ">=N" where JSON says "hosts_exact":"no". */
	{ "HOSTS", NULL, NULL, RENDER_STR, RENDER_RIGHT, 0, "-", 0 },
	{ NULL, "hosts", NULL, RENDER_INT, RENDER_RIGHT, 0, NULL, 0 },
	{ NULL, "hosts_exact", NULL, RENDER_STR, RENDER_LEFT, 0, NULL, 0 },
};
static const struct render_def pif_def = { pif_cols, 12 };

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
	{ "VIEWERS", NULL, NULL, RENDER_STR, RENDER_RIGHT, 0, NULL, 0 },
	{ NULL, "viewers", NULL, RENDER_INT, RENDER_RIGHT, 0, NULL, 0 },
	{ NULL, "viewers_exact", NULL, RENDER_STR, RENDER_LEFT, 0, NULL, 0 },
	/* Text: the first PSHOW_HOSTS and "+N"; JSON: all of them. */
	{ "HOSTS", NULL, NULL, RENDER_LIST, RENDER_LEFT, 0, NULL,
	  RENDER_COL_WIDE },
	{ NULL, "hosts", NULL, RENDER_LIST, RENDER_LEFT, 0, NULL, 0 },
};
static const struct render_def grp_def = { grp_cols, 10 };

/* Host addresses a text row of IGMP/MLD Groups lists. */
#define PSHOW_HOSTS	4

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

static int	pif_counters(const struct pif *,
		    int (*)(const struct proxy_counter *, void *), void *);

/*
 * Is the group's count of reporting hosts (viewers) exact?  Not while
 * a host beyond max-hosts went untracked (mdb.h, tracking limits), nor
 * in IGMPv1/v2 (MLDv1) compatibility: those hosts suppress their report
 * when they hear another host's, so some members are never heard.  The
 * count is then a lower bound.
 */
static int
pshow_exact(const struct mdb_group_info *gi)
{
	return gi->untracked == 0 && gi->compat >= 3;
}

/* A count as text: "N", or ">=N" when it is a lower bound. */
static void
pshow_count(struct render_table *t, size_t n, int exact)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%s%zu", exact ? "" : ">=", n);
	render_cell_str(t, buf);
	render_cell_int(t, (int64_t)n);
	render_cell_str(t, exact ? "yes" : "no");
}

/* A counter row of show igmp; counters at zero are left out. */
static int
count_row(const struct proxy_counter *c, void *arg)
{
	struct render_table *t = arg;

	if (!c->value)
		return 0;
	render_row(t);
	render_cell_str(t, c->ifname);
	render_cell_str(t, c->proto);
	render_cell_str(t, c->name);
	render_cell_int(t, (int64_t)c->value);
	return 0;
}

static void
show_pif(struct render_table *it, struct render_table *ct, const struct pif *p,
    uint64_t now)
{
	const struct mdb_group *grp;
	char a[INET6_ADDRSTRLEN];
	int i, exact = 1;

	render_row(it);
	render_cell_str(it, p->name);
	render_cell_str(it, pif_proto(p));
	render_cell_str(it, (p->role & PIF_DOWN) && (p->role & PIF_UP) ?
	    "upstream, reporting, downstream" : p->role & PIF_DOWN ?
	    "downstream" : p->role & PIF_REPORT ? "upstream, reporting" :
	    "upstream");
	if (p->role & PIF_DOWN) {
		/* The version on the wire: MLDv1/v2 are levels 2/3. */
		render_cell_int(it, pif_level(p) - (p->family == AF_INET6));
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
		for (grp = mdb_group_first(p->mdb); grp && exact;
		    grp = mdb_group_next(grp)) {
			struct mdb_group_info gi;

			mdb_group_info(grp, now, &gi);
			exact = pshow_exact(&gi);
		}
		pshow_count(it, mdb_host_count(p->mdb), exact);
	} else {
		for (i = 0; i < 9; i++)
			render_cell_null(it);
	}
	pif_counters(p, count_row, ct);
}

static void
show_groups_of(struct render_table *gt, struct render_table *st, const struct pif *p,
    uint64_t now)
{
	char g[INET6_ADDRSTRLEN], a[INET6_ADDRSTRLEN];
	const struct mdb_group *grp;
	const struct mdb_source *src;
	const struct mdb_member *mem;
	char more[32];
	size_t n;

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
		pshow_count(gt, gi.nmember, pshow_exact(&gi));
		render_cell_list(gt);
		n = 0;
		for (mem = mdb_member_first(grp); mem && n < PSHOW_HOSTS;
		    mem = mdb_member_next(mem), n++) {
			struct mdb_member_info mi;

			mdb_member_info(mem, now, &mi);
			render_list_add(gt, inet_str(&mi.host, a, sizeof(a)));
		}
		if (gi.nmember > n) {
			snprintf(more, sizeof(more), "+%zu", gi.nmember - n);
			render_list_add(gt, more);
		}
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
	for (ug = upstream_first(); ug; ug = upstream_next(ug)) {
		char g[INET6_ADDRSTRLEN], a[INET6_ADDRSTRLEN];
		struct msf_src *s;

		render_row(ut);
		p = pif_find(ug->grp.family, ug->ifindex);
		render_cell_str(ut, p ? p->name : "?");
		render_cell_str(ut, inet_str(&ug->grp, g, sizeof(g)));
		render_cell_str(ut, msf_mode_str[ug->f.mode]);
		render_cell_list(ut);
		MSF_FOREACH(s, &ug->f)
			render_list_add(ut, inet_str(&s->addr, a, sizeof(a)));
	}
	return 0;
}

/*
 * The counters of one interface, for show igmp and the metrics alike:
 * one list, so that the two cannot disagree.  Zeros are passed too.
 */
struct pcount {
	struct proxy_counter	 c;
	int			(*cb)(const struct proxy_counter *, void *);
	void			*arg;
	int			 rc;
};

static void
pcount(struct pcount *pc, enum proxy_ckind kind, const char *name,
    const char *label, uint64_t v)
{
	if (pc->rc)
		return;
	pc->c.kind = kind;
	pc->c.name = name;
	pc->c.label = label;
	pc->c.value = v;
	pc->rc = pc->cb(&pc->c, pc->arg);
}

static int
pif_counters(const struct pif *p,
    int (*cb)(const struct proxy_counter *, void *), void *arg)
{
	struct pcount pc = { .cb = cb, .arg = arg, .rc = 0 };
	const struct mrdisc_stats *ms;
	const struct mdb_stats *st;
	char key[64];
	int i;

	pc.c.ifname = p->name;
	pc.c.proto = pif_proto(p);
	if (p->role & PIF_UP)
		pcount(&pc, PROXY_C_EVENT, "upstream_source_refused",
		    "upstream_source_refused", p->upsrc_refused);
	if (p->role & PIF_UP)
		pcount(&pc, PROXY_C_EVENT, "upstream_group_refused",
		    "upstream_group_refused", p->other_range);
	if (!(p->role & PIF_DOWN))
		return pc.rc;
	for (i = 0; i < RX_MAX; i++)
		pcount(&pc, PROXY_C_RX, rx_key[i], rx_key[i], p->rx[i]);
	pcount(&pc, PROXY_C_TX, "tx_general_query", "general_query",
	    p->tx_general);
	pcount(&pc, PROXY_C_TX, "tx_specific_query", "specific_query",
	    p->tx_specific);
	pcount(&pc, PROXY_C_EVENT, "tx_error", "tx_error", p->tx_errors);
	for (i = 1; i < PKT_DROP_MAX; i++) {
		snprintf(key, sizeof(key), "drop_%s",
		    pkt_drop_key((enum pkt_drop)i));
		pcount(&pc, PROXY_C_DROP, key, key + 5, p->drops[i]);
	}
	pcount(&pc, PROXY_C_DROP, "drop_acl", "acl", p->drop_acl);
	pcount(&pc, PROXY_C_DROP, "drop_off_subnet", "off_subnet",
	    p->drop_off_subnet);
	pcount(&pc, PROXY_C_EVENT, "query_older_version",
	    "query_older_version", p->older_query);
	pcount(&pc, PROXY_C_EVENT, "no_router_alert_accepted",
	    "no_router_alert_accepted", p->ra_missing_ok);
	st = mdb_if_stats(p->mdb);
	for (i = MDB_APPLIED + 1; i < MDB_RES_MAX; i++) {
		if (i == MDB_NOOP)
			continue;
		snprintf(key, sizeof(key), "record_%s", mdb_res_str[i]);
		for (char *k = key; *k; k++)
			*k = *k == ' ' || *k == '-' ? '_' :
			    (char)tolower((unsigned char)*k);
		pcount(&pc, PROXY_C_RECORD, key, key + 7, st->rec[i]);
	}
	pcount(&pc, PROXY_C_EVENT, "fast_leave", "fast_leave",
	    st->fast_leaves);
	pcount(&pc, PROXY_C_LIMIT, "untracked_host_limit", "tracked_hosts",
	    st->untracked_hosts);
	pcount(&pc, PROXY_C_LIMIT, "untracked_source_limit",
	    "tracked_sources", st->untracked_srcs);
	if ((ms = mrdisc_stats(p->family, p->ifindex))) {
		pcount(&pc, PROXY_C_RX, "mrd_solicit", "mrd_solicit",
		    ms->solicits);
		pcount(&pc, PROXY_C_TX, "mrd_answer", "mrd_answer",
		    ms->answers);
		pcount(&pc, PROXY_C_TX, "mrd_advert", "mrd_advert",
		    ms->adverts);
	}
	return pc.rc;
}

int
proxy_counters(int (*cb)(const struct proxy_counter *, void *), void *arg)
{
	struct pif *p;
	int rc;

	RB_FOREACH(p, pif_tree, &px.pifs)
		if ((rc = pif_counters(p, cb, arg)))
			return rc;
	return 0;
}

int
proxy_ifstats(int (*cb)(const struct proxy_ifstats *, void *), void *arg)
{
	struct proxy_ifstats s;
	struct pif *p;
	int rc;

	RB_FOREACH(p, pif_tree, &px.pifs) {
		memset(&s, 0, sizeof(s));
		s.ifname = p->name;
		s.proto = pif_proto(p);
		s.downstream = (p->role & PIF_DOWN) != 0;
		s.upstream = (p->role & PIF_UP) != 0;
		if (s.downstream) {
			s.querier = p->qstate == Q_QUERIER;
			/* As show igmp: MLDv1/v2 are levels 2/3. */
			s.version = pif_level(p) - (p->family == AF_INET6);
			s.groups = mdb_group_count(p->mdb);
			s.sources = mdb_source_count(p->mdb);
			s.hosts = mdb_host_count(p->mdb);
		}
		if ((rc = cb(&s, arg)))
			return rc;
	}
	return 0;
}
