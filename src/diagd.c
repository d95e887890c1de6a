/*
 * diagd.c - the daemon's part of smcroutectl diagnose
 *
 * The daemon knows what a client cannot see from outside: whether its
 * MRT_INIT worked (kern.c), which interfaces got a VIF, the streams the
 * TTL probe saw arrive with TTL 1, and what its proxy refused.  It adds
 * the checks of the system against its running configuration (diag.c)
 * and sends everything as diag.h wire lines; smcroutectl adds the
 * firewall and renders the table.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <event2/buffer.h>

#include "apply.h"
#include "conf.h"
#include "diag.h"
#include "diagd.h"
#include "evloop.h"
#include "kern.h"
#include "proxy.h"
#include "ttlprobe.h"

/* Does the running configuration use family? */
/* The kernel and the routing socket, as kern_init() left them. */
static void
diagd_kernel(struct diag *d, const struct diag_need *n, int family)
{
	const char *fam = family == AF_INET6 ? "ipv6" : "ipv4";
	int fd = kern_fd(family);

	if (kern_available(family) && fd >= 0) {
		diag_add(d, "kernel", fam, DIAG_OK, NULL,
		    "multicast routing in use (MRT%s_INIT done)",
		    family == AF_INET6 ? "6" : "");
		diag_add(d, "socket", fam, DIAG_OK, NULL,
		    "ours: smcrouted (pid %d) holds the %s routing socket",
		    (int)getpid(), family == AF_INET6 ? "IPv6" : "IPv4");
		return;
	}
	diag_add(d, "kernel", fam, diag_need_family(n, family) ? DIAG_FAIL : DIAG_WARN,
	    family == AF_INET6 ? "a kernel with CONFIG_IPV6_MROUTE, and no "
	    "other IPv6 multicast router on the table; restart smcrouted" :
	    "a kernel with CONFIG_IP_MROUTE, and no other multicast router "
	    "on the table; restart smcrouted",
	    "smcrouted runs without %s multicast routing (MRT_INIT failed at "
	    "start: its log says why)%s", family == AF_INET6 ? "IPv6" : "IPv4",
	    diag_need_family(n, family) ? ", which the configuration uses" : "");
}

struct querier_ask {
	const char	*ifname;
	const char	*proto;
	int		 answer;
};

static int
querier_cb(const struct proxy_ifstats *ps, void *arg)
{
	struct querier_ask *q = arg;

	if (strcmp(ps->proto, q->proto) || strcmp(ps->ifname, q->ifname) ||
	    !ps->downstream)
		return 0;
	/* Not ours: another router won the election (RFC 3376 6.6.2). */
	q->answer = ps->querier ? 1 : 2;
	return 1;
}

/* diag_querier_fn: the proxy's querier state on ifname. */
static int
diagd_querier(const char *ifname, int family)
{
	struct querier_ask q = { ifname, family == AF_INET6 ? "MLD" : "IGMP",
	    0 };

	proxy_ifstats(querier_cb, &q);
	return q.answer;
}

/* Flows or joins the proxy refused: an acl or the upstream sources. */
static int
refused_cb(const struct proxy_counter *pc, void *arg)
{
	struct diag *d = arg;
	char fix[DIAG_TEXT_LEN];

	if (!pc->value)
		return 0;
	if (!strcmp(pc->name, "drop_acl")) {
		snprintf(fix, sizeof(fix), "allow the groups in an 'acl %s "
		    "allow group G' line before the deny, if they are wanted",
		    pc->ifname);
		diag_add(d, "acl", pc->ifname, DIAG_WARN, fix,
		    "%llu %s membership records refused by an access list "
		    "(show igmp: drop_acl)", (unsigned long long)pc->value,
		    pc->proto);
	} else if (!strcmp(pc->name, "upstream_source_refused")) {
		snprintf(fix, sizeof(fix), "add the sources to 'phyint %s "
		    "upstream source S/LEN', if they are wanted", pc->ifname);
		diag_add(d, "stream", pc->ifname, DIAG_WARN, fix,
		    "%llu %s flows from sources off the upstream source list "
		    "not forwarded (show igmp: upstream_source_refused)",
		    (unsigned long long)pc->value, pc->proto);
	}
	return 0;
}

static int
ttl_cb(const struct ttlprobe_flow *f, void *arg)
{
	struct diag *d = arg;
	char s[INET6_ADDRSTRLEN], g[INET6_ADDRSTRLEN], sg[DIAG_SUBJ_LEN];
	char ifname[IF_NAMESIZE];
	int64_t ago = now_ms() - f->last_ms;

	if (!if_indextoname(f->ifindex, ifname))
		snprintf(ifname, sizeof(ifname), "ifindex %d", f->ifindex);
	snprintf(sg, sizeof(sg), "(%s,%s)", inet_str(&f->src, s, sizeof(s)),
	    inet_str(&f->grp, g, sizeof(g)));
	diag_add(d, "stream", sg, DIAG_WARN, "raise the sender's TTL (hop "
	    "limit) above the number of routers on the path, e.g. 16",
	    "arrives on %s with %s %u (%llu packets, last %lld s ago): never "
	    "routed", ifname, f->grp.family == AF_INET6 ? "hop limit" : "TTL",
	    f->ttl, (unsigned long long)f->pkts, (long long)(ago / 1000));
	return 0;
}

int
diagd_run(uint32_t flags, struct evbuffer *out, char *err, size_t errlen)
{
	struct diag *d;
	struct diag_need n;
	int rc = 0;

	(void)flags;
	if (!(d = malloc(sizeof(*d)))) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	diag_init(d);
	diag_need_conf(&n, apply_running());
	n.daemon = 1;
	diagd_kernel(d, &n, AF_INET);
	diagd_kernel(d, &n, AF_INET6);
	diag_system(d, &n, diagd_querier);
	ttlprobe_foreach(ttl_cb, d);
	proxy_counters(refused_cb, d);
	if (diag_encode(d, out)) {
		snprintf(err, errlen, "out of memory");
		rc = -1;
	}
	free(d);
	return rc;
}
