/*
 * stats.c - the daemon's numbers, collected in one place (stats.h)
 *
 * The families are one table below; stats_collect() fills each with
 * its samples, and the two writers (show stats, the exposition format)
 * only walk the result.  A family without samples is still written with
 * its HELP and TYPE lines, so a scrape always names every metric.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <event2/buffer.h>

#include "iface.h"
#include "kern.h"
#include "proxy.h"
#include "render.h"
#include "route.h"
#include "stats.h"
#include "ttlprobe.h"

enum stats_type {
	ST_COUNTER,
	ST_GAUGE,
};

enum fam {
	F_BUILD_INFO,
	F_START_TIME,
	F_RELOADS,
	F_RELOAD_TIME,
	F_ROUTES,
	F_KERN_ROUTES,
	F_LEARNED,
	F_LEARNED_LIMIT,
	F_LEARNED_REFUSED,
	F_ROUTE_PKTS,
	F_ROUTE_BYTES,
	F_ROUTE_WRONGIF,
	F_KERN_UPCALLS,
	F_KERN_PKTS,
	F_KERN_IGNORED,
	F_KERN_DROPPED,
	F_KERN_BUDGET,
	F_TTL1,
	F_PX_RX,
	F_PX_TX,
	F_PX_DROP,
	F_PX_RECORDS,
	F_PX_LIMIT,
	F_PX_EVENTS,
	F_PX_QUERIER,
	F_PX_VERSION,
	F_PX_GROUPS,
	F_PX_SOURCES,
	F_PX_HOSTS,
	F_MAX
};

static const struct famdef {
	const char	*name;
	enum stats_type	 type;
	const char	*help;
} famdefs[F_MAX] = {
	[F_BUILD_INFO] = { "smcroute_build_info", ST_GAUGE,
	    "Always 1; the version of smcrouted in a label" },
	[F_START_TIME] = { "smcroute_start_time_seconds", ST_GAUGE,
	    "When the daemon started, in seconds since the Unix epoch" },
	[F_RELOADS] = { "smcroute_reloads_total", ST_COUNTER,
	    "Configuration reloads (SIGHUP, smcroutectl reload) by result" },
	[F_RELOAD_TIME] = {
	    "smcroute_last_reload_success_timestamp_seconds", ST_GAUGE,
	    "When the running configuration was last applied (start or "
	    "reload), in seconds since the Unix epoch" },
	[F_ROUTES] = { "smcroute_routes", ST_GAUGE,
	    "Routes by origin: rules from the configuration (static) and "
	    "from smcroutectl add (runtime), kernel entries the IGMP/MLD "
	    "proxy gave an outbound interface (proxy)" },
	[F_KERN_ROUTES] = { "smcroute_kernel_routes", ST_GAUGE,
	    "Entries in the kernel's multicast forwarding cache, forwarding "
	    "or stop filters" },
	[F_LEARNED] = { "smcroute_learned_routes", ST_GAUGE,
	    "Learned kernel entries (templates, proxy, stop filters)" },
	[F_LEARNED_LIMIT] = { "smcroute_learned_routes_limit", ST_GAUGE,
	    "The limit of learned entries per family (smcrouted -C), 0 for "
	    "none" },
	[F_LEARNED_REFUSED] = { "smcroute_learned_routes_refused_total",
	    ST_COUNTER, "Upcalls not installed because the learned entries "
	    "were at their limit" },
	[F_ROUTE_PKTS] = { "smcroute_route_packets_total", ST_COUNTER,
	    "Packets the kernel counted for a forwarding cache entry" },
	[F_ROUTE_BYTES] = { "smcroute_route_bytes_total", ST_COUNTER,
	    "Bytes the kernel counted for a forwarding cache entry" },
	[F_ROUTE_WRONGIF] = { "smcroute_route_wrong_interface_total",
	    ST_COUNTER, "Packets of an entry that arrived on another "
	    "interface than its inbound one" },
	[F_KERN_UPCALLS] = { "smcroute_kernel_upcalls_total", ST_COUNTER,
	    "NOCACHE and WRONGVIF upcalls read from the routing socket" },
	[F_KERN_PKTS] = { "smcroute_kernel_rx_packets_total", ST_COUNTER,
	    "IGMP/MLD and other packets read from the routing socket" },
	[F_KERN_IGNORED] = { "smcroute_kernel_rx_ignored_total", ST_COUNTER,
	    "Other upcalls and runts read from the routing socket" },
	[F_KERN_DROPPED] = { "smcroute_kernel_rx_dropped_total", ST_COUNTER,
	    "Messages of the routing socket dropped, by reason" },
	[F_KERN_BUDGET] = { "smcroute_kernel_rx_budget_exhausted_total",
	    ST_COUNTER, "Wakeups of the routing socket that read their whole "
	    "budget and left the rest for the next turn" },
	[F_TTL1] = { "smcroute_ttl1_packets_total", ST_COUNTER,
	    "Routable multicast received with TTL or hop limit 1, never "
	    "forwarded" },
	[F_PX_RX] = { "smcroute_proxy_received_total", ST_COUNTER,
	    "IGMP/MLD and router discovery messages received, by type" },
	[F_PX_TX] = { "smcroute_proxy_sent_total", ST_COUNTER,
	    "IGMP/MLD queries and router discovery messages sent, by type" },
	[F_PX_DROP] = { "smcroute_proxy_dropped_total", ST_COUNTER,
	    "IGMP/MLD messages and records dropped on receipt, by reason" },
	[F_PX_RECORDS] = { "smcroute_proxy_records_total", ST_COUNTER,
	    "Group records not applied, by result" },
	[F_PX_LIMIT] = { "smcroute_proxy_limit_overflows_total", ST_COUNTER,
	    "Hosts or sources not tracked because a bound was reached" },
	[F_PX_EVENTS] = { "smcroute_proxy_events_total", ST_COUNTER,
	    "Other proxy events: fast leaves, older queriers, send errors, "
	    "refused upstream flows, reports taken without Router Alert" },
	[F_PX_QUERIER] = { "smcroute_proxy_querier", ST_GAUGE,
	    "1 when this router is the querier of a downstream interface" },
	[F_PX_VERSION] = { "smcroute_proxy_version", ST_GAUGE,
	    "IGMP or MLD version in use on a downstream interface" },
	[F_PX_GROUPS] = { "smcroute_proxy_groups", ST_GAUGE,
	    "Groups with members on a downstream interface" },
	[F_PX_SOURCES] = { "smcroute_proxy_sources", ST_GAUGE,
	    "Source records of the groups of a downstream interface" },
	[F_PX_HOSTS] = { "smcroute_proxy_hosts", ST_GAUGE,
	    "Distinct reporting hosts on a downstream interface" },
};

#define STATS_MAXLABELS	4

struct sample {
	int64_t		 value;
	int		 nlabels;
	const char	*key[STATS_MAXLABELS];
	size_t		 val[STATS_MAXLABELS];	/* offsets into strs */
};

struct family {
	struct sample	*s;
	size_t		 n;
	size_t		 cap;
};

struct stats {
	struct family	 fam[F_MAX];
	char		*strs;		/* label values, NUL-terminated */
	size_t		 slen;
	size_t		 scap;
	bool		 nomem;
};

/* True singletons: the process's start and its reloads. */
static int64_t start_time;
static int64_t reload_time;
static uint64_t reloads_ok;
static uint64_t reloads_failed;

static int64_t
wall_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec;
}

void
stats_init(void)
{
	start_time = reload_time = wall_seconds();
}

void
stats_reload(bool ok)
{
	if (ok) {
		reloads_ok++;
		reload_time = wall_seconds();
	} else {
		reloads_failed++;
	}
}

/* Keep a label value; its offset, or (size_t)-1 when out of memory. */
static size_t
str_add(struct stats *st, const char *v)
{
	size_t len = strlen(v) + 1, off;
	char *n;

	if (st->slen + len > st->scap) {
		size_t cap = st->scap ? st->scap * 2 : 4096;

		while (cap < st->slen + len)
			cap *= 2;
		if (!(n = realloc(st->strs, cap)))
			return (size_t)-1;
		st->strs = n;
		st->scap = cap;
	}
	off = st->slen;
	memcpy(st->strs + off, v, len);
	st->slen += len;
	return off;
}

/* Add a sample: nlabels pairs of (key, value) strings follow. */
static void
sample(struct stats *st, enum fam f, int64_t value, int nlabels, ...)
{
	struct family *fm = &st->fam[f];
	struct sample *s;
	va_list ap;
	int i;

	if (st->nomem || nlabels > STATS_MAXLABELS)
		return;
	if (fm->n == fm->cap) {
		size_t cap = fm->cap ? fm->cap * 2 : 8;

		if (!(s = reallocarray(fm->s, cap, sizeof(*s)))) {
			st->nomem = true;
			return;
		}
		fm->s = s;
		fm->cap = cap;
	}
	s = &fm->s[fm->n];
	s->value = value;
	s->nlabels = nlabels;
	va_start(ap, nlabels);
	for (i = 0; i < nlabels; i++) {
		s->key[i] = va_arg(ap, const char *);
		s->val[i] = str_add(st, va_arg(ap, const char *));
		if (s->val[i] == (size_t)-1)
			st->nomem = true;
	}
	va_end(ap);
	if (!st->nomem)
		fm->n++;
}

static const char *
fam_name(int family)
{
	return family == AF_INET6 ? "ipv6" : "ipv4";
}

static void
collect_routes(struct stats *st)
{
	char s[INET6_ADDRSTRLEN], g[INET6_ADDRSTRLEN];
	int64_t nconf = 0, nipc = 0, nproxy = 0, nfwd[2] = { 0 },
	    nstop[2] = { 0 };
	struct kern_stats ks;
	struct route *r;
	struct mfc *m;
	const char *fam;
	int i;

	for (r = route_first(); r; r = route_next(r)) {
		if (r->origin & ROUTE_CONF)
			nconf++;
		if (r->origin & ROUTE_IPC)
			nipc++;
	}
	for (m = mfc_first(); m; m = mfc_next(m)) {
		if (!m->installed)
			continue;
		i = m->grp.family == AF_INET6;
		if (mfc_forwards(m))
			nfwd[i]++;
		else
			nstop[i]++;
		if (m->proxied)
			nproxy++;
		if (kern_mfc_stats(&m->src, &m->grp, &ks))
			continue;
		fam = fam_name(m->grp.family);
		inet_str(&m->src, s, sizeof(s));
		inet_str(&m->grp, g, sizeof(g));
		sample(st, F_ROUTE_PKTS, (int64_t)ks.pkts, 4, "family", fam,
		    "source", s, "group", g, "iif", iface_name(m->iif));
		sample(st, F_ROUTE_BYTES, (int64_t)ks.bytes, 4, "family", fam,
		    "source", s, "group", g, "iif", iface_name(m->iif));
		sample(st, F_ROUTE_WRONGIF, (int64_t)ks.wrong_if, 4, "family",
		    fam, "source", s, "group", g, "iif", iface_name(m->iif));
	}
	sample(st, F_ROUTES, nconf, 1, "origin", "static");
	sample(st, F_ROUTES, nipc, 1, "origin", "runtime");
	sample(st, F_ROUTES, nproxy, 1, "origin", "proxy");
	for (i = 0; i < 2; i++) {
		fam = i ? "ipv6" : "ipv4";
		sample(st, F_KERN_ROUTES, nfwd[i], 2, "family", fam, "state",
		    "forwarding");
		sample(st, F_KERN_ROUTES, nstop[i], 2, "family", fam, "state",
		    "stop");
	}
}

static void
collect_kern(struct stats *st)
{
	static const int families[] = { AF_INET, AF_INET6 };
	struct kern_rxstats rx;
	struct route_lstats ls;
	const char *fam;
	size_t i;

	sample(st, F_LEARNED_LIMIT, route_learned_max(), 0);
	for (i = 0; i < sizeof(families) / sizeof(families[0]); i++) {
		fam = fam_name(families[i]);
		route_learned_stats(families[i], &ls);
		sample(st, F_LEARNED, ls.learned, 1, "family", fam);
		sample(st, F_LEARNED_REFUSED, (int64_t)ls.refused, 1,
		    "family", fam);
		kern_rx_stats(families[i], &rx);
		sample(st, F_KERN_UPCALLS, (int64_t)rx.upcalls, 1, "family",
		    fam);
		sample(st, F_KERN_PKTS, (int64_t)rx.packets, 1, "family", fam);
		sample(st, F_KERN_IGNORED, (int64_t)rx.ignored, 1, "family",
		    fam);
		sample(st, F_KERN_DROPPED, (int64_t)rx.truncated, 2, "family",
		    fam, "reason", "truncated");
		sample(st, F_KERN_DROPPED, (int64_t)rx.ctruncated, 2, "family",
		    fam, "reason", "ctrl_truncated");
		sample(st, F_KERN_DROPPED, (int64_t)rx.errors, 2, "family",
		    fam, "reason", "error");
		sample(st, F_KERN_BUDGET, (int64_t)rx.yields, 1, "family", fam);
		sample(st, F_TTL1, (int64_t)ttlprobe_total(families[i]), 1,
		    "family", fam);
	}
}

static int
collect_pcount(const struct proxy_counter *c, void *arg)
{
	static const struct {
		enum fam	 f;
		const char	*key;
	} kinds[] = {
		[PROXY_C_RX] = { F_PX_RX, "type" },
		[PROXY_C_TX] = { F_PX_TX, "type" },
		[PROXY_C_DROP] = { F_PX_DROP, "reason" },
		[PROXY_C_RECORD] = { F_PX_RECORDS, "result" },
		[PROXY_C_LIMIT] = { F_PX_LIMIT, "limit" },
		[PROXY_C_EVENT] = { F_PX_EVENTS, "event" },
	};

	if ((size_t)c->kind >= sizeof(kinds) / sizeof(kinds[0]))
		return 0;
	sample(arg, kinds[c->kind].f, (int64_t)c->value, 3, "interface",
	    c->ifname, "proto", c->proto, kinds[c->kind].key, c->label);
	return 0;
}

static int
collect_pif(const struct proxy_ifstats *p, void *arg)
{
	struct stats *st = arg;

	if (!p->downstream)
		return 0;
	sample(st, F_PX_QUERIER, p->querier, 2, "interface", p->ifname,
	    "proto", p->proto);
	sample(st, F_PX_VERSION, p->version, 2, "interface", p->ifname,
	    "proto", p->proto);
	sample(st, F_PX_GROUPS, (int64_t)p->groups, 2, "interface", p->ifname,
	    "proto", p->proto);
	sample(st, F_PX_SOURCES, (int64_t)p->sources, 2, "interface",
	    p->ifname, "proto", p->proto);
	sample(st, F_PX_HOSTS, (int64_t)p->hosts, 2, "interface", p->ifname,
	    "proto", p->proto);
	return 0;
}

struct stats *
stats_collect(void)
{
	struct stats *st;

	if (!(st = calloc(1, sizeof(*st))))
		return NULL;
	sample(st, F_BUILD_INFO, 1, 1, "version", VERSION);
	sample(st, F_START_TIME, start_time, 0);
	sample(st, F_RELOADS, (int64_t)reloads_ok, 1, "result", "ok");
	sample(st, F_RELOADS, (int64_t)reloads_failed, 1, "result", "failed");
	sample(st, F_RELOAD_TIME, reload_time, 0);
	collect_routes(st);
	collect_kern(st);
	proxy_counters(collect_pcount, st);
	proxy_ifstats(collect_pif, st);
	if (st->nomem) {
		stats_free(st);
		return NULL;
	}
	return st;
}

void
stats_free(struct stats *st)
{
	int f;

	if (!st)
		return;
	for (f = 0; f < F_MAX; f++)
		free(st->fam[f].s);
	free(st->strs);
	free(st);
}

static const struct render_col stats_cols[] = {
	{ "METRIC", "metric", NULL, RENDER_STR, RENDER_LEFT, 0, NULL, 0 },
	{ "TYPE", "type", NULL, RENDER_STR, RENDER_LEFT, 0, NULL, 0 },
	{ "VALUE", "value", NULL, RENDER_INT, RENDER_RIGHT, 0, NULL, 0 },
	{ "LABELS", "labels", NULL, RENDER_LIST, RENDER_LEFT, 0, NULL,
	  RENDER_COL_WIDE },
};
static const struct render_def stats_def = { stats_cols, 4 };

static const char *
type_str(enum stats_type t)
{
	return t == ST_COUNTER ? "counter" : "gauge";
}

void
stats_render(const struct stats *st, struct render_doc *doc)
{
	struct render_table *t;
	const struct sample *s;
	char kv[256];
	size_t i;
	int f, l;

	t = render_add(doc, NULL, "stats", "Statistics", &stats_def, 0);
	for (f = 0; f < F_MAX; f++) {
		for (i = 0; i < st->fam[f].n; i++) {
			s = &st->fam[f].s[i];
			render_row(t);
			render_cell_str(t, famdefs[f].name);
			render_cell_str(t, type_str(famdefs[f].type));
			render_cell_int(t, s->value);
			render_cell_list(t);
			for (l = 0; l < s->nlabels; l++) {
				snprintf(kv, sizeof(kv), "%s=%s", s->key[l],
				    st->strs + s->val[l]);
				render_list_add(t, kv);
			}
		}
	}
}

/*
 * A label value in double quotes: backslash, quote and newline escaped
 * as the format says; other control characters and bytes outside ASCII
 * (interface names are the only foreign text) read '?', so the output
 * is always valid UTF-8.
 */
static void
expose_value(struct evbuffer *out, const char *v)
{
	const unsigned char *p;

	evbuffer_add(out, "\"", 1);
	for (p = (const unsigned char *)v; *p; p++) {
		if (*p == '\\' || *p == '"')
			evbuffer_add_printf(out, "\\%c", *p);
		else if (*p == '\n')
			evbuffer_add(out, "\\n", 2);
		else if (*p < 0x20 || *p >= 0x7f)
			evbuffer_add(out, "?", 1);
		else
			evbuffer_add(out, p, 1);
	}
	evbuffer_add(out, "\"", 1);
}

int
stats_expose(const struct stats *st, struct evbuffer *out)
{
	const struct sample *s;
	size_t i;
	int f, l;

	for (f = 0; f < F_MAX; f++) {
		/* The help texts hold no backslash or newline to escape. */
		evbuffer_add_printf(out, "# HELP %s %s\n# TYPE %s %s\n",
		    famdefs[f].name, famdefs[f].help, famdefs[f].name,
		    type_str(famdefs[f].type));
		for (i = 0; i < st->fam[f].n; i++) {
			s = &st->fam[f].s[i];
			evbuffer_add_printf(out, "%s", famdefs[f].name);
			for (l = 0; l < s->nlabels; l++) {
				evbuffer_add_printf(out, "%s%s=",
				    l ? "," : "{", s->key[l]);
				expose_value(out, st->strs + s->val[l]);
			}
			if (evbuffer_add_printf(out, "%s %lld\n",
			    s->nlabels ? "}" : "", (long long)s->value) < 0)
				return -1;
		}
	}
	return 0;
}
