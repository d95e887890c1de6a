/*
 * pshow.c - show igmp: the proxy's tables, text and JSON alike
 *
 * Five tables, each object rendered once (render.h): interfaces with
 * their querier state, counters (by message type, drop reason, record
 * result), groups with their reporting hosts, sources, and the upstream
 * membership.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>

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
	render_cell_str(t, pif_proto(p));
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
	render_cell_str(it, pif_proto(p));
	render_cell_str(it, p->role & PIF_DOWN ? "downstream" :
	    p->role & PIF_REPORT ? "upstream, reporting" : "upstream");
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
	} else {
		for (i = 0; i < 6; i++)
			render_cell_null(it);
	}
	if (p->role & PIF_UP)
		count_row(ct, p, "upstream_source_refused", p->upsrc_refused);
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
	count_row(ct, p, "drop_off_subnet", p->drop_off_subnet);
	count_row(ct, p, "query_older_version", p->older_query);
	count_row(ct, p, "no_router_alert_accepted", p->ra_missing_ok);
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
		count_row(ct, p, "untracked_host_limit", st->untracked_hosts);
		count_row(ct, p, "untracked_source_limit", st->untracked_srcs);
	}
	{
		const struct mrdisc_stats *ms = mrdisc_stats(p->family,
		    p->ifindex);

		if (ms) {
			count_row(ct, p, "mrd_solicit", ms->solicits);
			count_row(ct, p, "mrd_answer", ms->answers);
			count_row(ct, p, "mrd_advert", ms->adverts);
		}
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
	for (ug = upstream_first(); ug; ug = upstream_next(ug)) {
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
