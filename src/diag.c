/*
 * diag.c - the rows of smcroutectl diagnose and the checks of the system
 *
 * Each check is one small function that reads a few bounded files of
 * /proc and /sys, or asks the kernel one socket option, and adds rows.
 * The checks never change anything, with one exception the caller asks
 * for explicitly (diagctl.c's MRT_INIT probe, which it undoes).
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <ifaddrs.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/mroute.h>
#include <linux/mroute6.h>
#include <event2/buffer.h>

#include "conf.h"
#include "diag.h"
#include "render.h"

/* Lines read from one /proc file, at most. */
#define DIAG_PROC_LINES	1024

static const char *const state_name[] = { "ok", "warn", "fail" };

void
diag_init(struct diag *d)
{
	d->nrows = 0;
	d->dropped = 0;
}

const char *
diag_state_name(enum diag_state s)
{
	return s <= DIAG_FAIL ? state_name[s] : "?";
}

/* Copy, turning TABs, newlines and other control characters to spaces. */
static void
diag_copy(char *dst, size_t len, const char *src)
{
	size_t i;

	for (i = 0; src && src[i] && i + 1 < len; i++)
		dst[i] = iscntrl((unsigned char)src[i]) ? ' ' : src[i];
	dst[i] = '\0';
}

void
diag_add(struct diag *d, const char *check, const char *subject,
    enum diag_state state, const char *fix, const char *seenfmt, ...)
{
	char seen[DIAG_TEXT_LEN];
	struct diag_row *r;
	va_list ap;

	if (d->nrows >= DIAG_ROWS_MAX) {
		d->dropped++;
		return;
	}
	r = &d->rows[d->nrows++];
	va_start(ap, seenfmt);
	vsnprintf(seen, sizeof(seen), seenfmt, ap);
	va_end(ap);
	diag_copy(r->check, sizeof(r->check), check);
	diag_copy(r->subject, sizeof(r->subject), subject);
	r->state = state;
	diag_copy(r->seen, sizeof(r->seen), seen);
	diag_copy(r->fix, sizeof(r->fix), fix && *fix ? fix : "-");
}

enum diag_state
diag_worst(const struct diag *d)
{
	enum diag_state w = DIAG_OK;
	int i;

	for (i = 0; i < d->nrows; i++)
		if (d->rows[i].state > w)
			w = d->rows[i].state;
	return w;
}

int
diag_encode(const struct diag *d, struct evbuffer *out)
{
	const struct diag_row *r;
	int i;

	for (i = 0; i < d->nrows; i++) {
		r = &d->rows[i];
		if (evbuffer_add_printf(out, "%s\t%s\t%s\t%s\t%s\n", r->check,
		    r->subject, state_name[r->state], r->seen, r->fix) < 0)
			return -1;
	}
	return 0;
}

/* One wire line of len bytes (no newline) into a row. */
static int
diag_decode_line(struct diag *d, const char *p, size_t len)
{
	char buf[DIAG_SUBJ_LEN + DIAG_CHECK_LEN + 3 * DIAG_TEXT_LEN + 8];
	char *f[5], *s;
	int n = 0, st;

	if (len >= sizeof(buf))
		return 0;
	memcpy(buf, p, len);
	buf[len] = '\0';
	for (s = buf; n < 5; n++) {
		f[n] = s;
		s = strchr(s, '\t');
		if (!s)
			break;
		*s++ = '\0';
	}
	if (n != 4)
		return 0;
	for (st = DIAG_OK; st <= DIAG_FAIL; st++)
		if (!strcmp(f[2], state_name[st]))
			break;
	if (st > DIAG_FAIL)
		return 0;
	diag_add(d, f[0], f[1], st, f[4], "%s", f[3]);
	return 1;
}

int
diag_decode(struct diag *d, const char *text, size_t len)
{
	const char *p = text, *end = text + len, *nl;
	int n = 0;

	while (p < end) {
		nl = memchr(p, '\n', end - p);
		if (!nl)
			nl = end;
		n += diag_decode_line(d, p, nl - p);
		p = nl + 1;
	}
	return n;
}

static const struct render_col note_cols[] = {
	{ "NOTE", "note", NULL, RENDER_STR, RENDER_LEFT, 0, "", 0 },
	{ NULL, "daemon", NULL, RENDER_STR, RENDER_LEFT, 0, "", 0 },
};
static const struct render_def note_def = { note_cols, 2 };

static const struct render_col diag_cols[] = {
	{ "CHECK", "check", NULL, RENDER_STR, RENDER_LEFT, 0, NULL, 0 },
	{ "SUBJECT", "subject", NULL, RENDER_STR, RENDER_LEFT, 0, NULL, 0 },
	{ "STATE", "state", NULL, RENDER_STR, RENDER_LEFT, 0, NULL, 0 },
	{ "SEEN", "seen", NULL, RENDER_STR, RENDER_LEFT, 0, NULL, 0 },
	{ "FIX", "fix", NULL, RENDER_STR, RENDER_LEFT, 0, NULL,
	  RENDER_COL_WIDE },
};
static const struct render_def diag_def = { diag_cols, 5 };

int
diag_render(const struct diag *d, unsigned int rflags, const char *note,
    int daemon, struct evbuffer *out, char *err, size_t errlen)
{
	struct render_table *nt, *t;
	struct render_doc *doc;
	const struct diag_row *r;
	int i, rc;

	doc = render_doc_new(rflags);
	if (!doc) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	nt = render_add(doc, NULL, "status", NULL, &note_def,
	    RENDER_NOHEADING);
	if (note || (rflags & RENDER_JSON)) {
		render_row(nt);
		render_cell_str(nt, note);
		render_cell_str(nt, daemon ? "running" : "not running");
	}
	t = render_add(doc, NULL, "checks", NULL, &diag_def, 0);
	for (i = 0; i < d->nrows; i++) {
		r = &d->rows[i];
		render_row(t);
		render_cell_str(t, r->check);
		render_cell_str(t, r->subject);
		render_cell_str(t, state_name[r->state]);
		render_cell_str(t, r->seen);
		render_cell_str(t, r->fix);
	}
	rc = render_doc_emit(doc, out, err, errlen);
	render_doc_free(doc);
	return rc;
}

/* ------------------------------------------------------------------ need */

static struct diag_if *
need_if(struct diag_need *n, const char *name, int line)
{
	int i;

	for (i = 0; i < n->nifs; i++)
		if (!strcmp(n->ifs[i].name, name))
			return &n->ifs[i];
	if (n->nifs >= DIAG_IFS_MAX) {
		n->more_ifs++;
		return NULL;
	}
	snprintf(n->ifs[n->nifs].name, IFNAMSIZ, "%s", name);
	n->ifs[n->nifs].roles = 0;
	n->ifs[n->nifs].line = line;
	return &n->ifs[n->nifs++];
}

static void
need_role(struct diag_need *n, const char *name, unsigned int role, int line)
{
	struct diag_if *di = need_if(n, name, line);

	if (di)
		di->roles |= role;
}

static void
need_phyint(struct diag_need *n, const struct conf_phyint *p)
{
	unsigned int f = p->proxy.flags, r = 0;

	if (!p->enable)
		return;
	r = DIAG_PHYINT;
	if (f & PCONF_UPSTREAM) {
		r |= DIAG_UP;
		r |= (f & PCONF_MLD) && !(f & PCONF_IGMP) ? DIAG_IN6 :
		    DIAG_IN4;
		if (f & PCONF_MLD)
			r |= DIAG_IN6;
		if ((f & PCONF_IGMP) && p->proxy.max_sources > n->proxy_srcs4)
			n->proxy_srcs4 = p->proxy.max_sources;
		if ((f & PCONF_MLD) && p->proxy.max_sources > n->proxy_srcs6)
			n->proxy_srcs6 = p->proxy.max_sources;
	} else {
		if (f & PCONF_IGMP)
			r |= DIAG_IGMP | DIAG_OUT4;
		if (f & PCONF_MLD)
			r |= DIAG_MLD | DIAG_OUT6;
	}
	need_role(n, p->ifname, r, p->where.line);
}

static void
need_mroute(struct diag_need *n, const struct conf_mroute *m)
{
	int v6 = m->grp.addr.family == AF_INET6, i;

	need_role(n, m->iif, v6 ? DIAG_IN6 : DIAG_IN4, m->where.line);
	for (i = 0; i < m->noifs; i++)
		need_role(n, m->oifs[i], v6 ? DIAG_OUT6 : DIAG_OUT4,
		    m->where.line);
	if (!inet_pfx_is_host(&m->grp) || !inet_pfx_is_host(&m->src))
		n->templates++;
}

static void
need_mgroup(struct diag_need *n, const struct conf_mgroup *g)
{
	int v6 = g->grp.addr.family == AF_INET6;
	uint64_t pairs = conf_mgroup_count(g), srcs = 1;
	int bits;

	need_role(n, g->ifname, v6 ? DIAG_JOIN6 : DIAG_JOIN4, g->where.line);
	if (g->src.len > 0) {
		/* SSM: the sources of one group share its membership. */
		bits = inet_maxlen(g->src.addr.family) - g->src.len;
		srcs = bits >= 16 ? 65536 : 1u << bits;
		pairs = pairs / srcs ? pairs / srcs : 1;
		if (v6 && srcs > n->ssm_srcs6)
			n->ssm_srcs6 = srcs;
		if (!v6 && srcs > n->ssm_srcs4)
			n->ssm_srcs4 = srcs;
	}
	if (v6)
		n->joins6 += pairs;
	else
		n->joins4 += pairs;
}

int
diag_need_family(const struct diag_need *n, int family)
{
	unsigned int m = family == AF_INET6 ?
	    DIAG_IN6 | DIAG_OUT6 | DIAG_MLD | DIAG_JOIN6 :
	    DIAG_IN4 | DIAG_OUT4 | DIAG_IGMP | DIAG_JOIN4;
	int i;

	for (i = 0; i < n->nifs; i++)
		if (n->ifs[i].roles & m)
			return 1;
	return 0;
}

void
diag_need_conf(struct diag_need *n, const struct conf *c)
{
	const struct conf_phyint *p;
	const struct conf_mroute *m;
	const struct conf_mgroup *g;

	memset(n, 0, sizeof(*n));
	if (!c)
		return;
	TAILQ_FOREACH(p, &c->phyints, link)
		need_phyint(n, p);
	TAILQ_FOREACH(m, &c->mroutes, link)
		need_mroute(n, m);
	TAILQ_FOREACH(g, &c->mgroups, link)
		need_mgroup(n, g);
}

/* ------------------------------------------------------ reading the system */

/* The first line of a small file, trimmed; -1 if it cannot be read. */
static int
read_line(const char *path, char *buf, size_t len)
{
	FILE *fp = fopen(path, "re");
	size_t n;

	if (!fp)
		return -1;
	if (!fgets(buf, len, fp)) {
		fclose(fp);
		return -1;
	}
	fclose(fp);
	n = strlen(buf);
	while (n > 0 && isspace((unsigned char)buf[n - 1]))
		buf[--n] = '\0';
	return 0;
}

/* An integer file; def when it cannot be read. */
static long
read_long(const char *path, long def)
{
	char buf[64], *end;
	long v;

	if (read_line(path, buf, sizeof(buf)))
		return def;
	errno = 0;
	v = strtol(buf, &end, 0);
	return errno || end == buf ? def : v;
}

static long
if_long(const char *ifname, const char *what, long def)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/class/net/%s/%s", ifname, what);
	return read_long(path, def);
}

static long
sysctl_long(const char *key, long def)
{
	char path[160];
	size_t i;

	snprintf(path, sizeof(path), "/proc/sys/%s", key);
	for (i = strlen("/proc/sys/"); path[i]; i++)
		if (path[i] == '.')
			path[i] = '/';
	return read_long(path, def);
}

/* net.ipv4.conf.IF.KEY (interface names may hold dots: path form). */
static long
ifsysctl_long(int v6, const char *ifname, const char *key, long def)
{
	char path[160];

	snprintf(path, sizeof(path), "/proc/sys/net/%s/conf/%s/%s",
	    v6 ? "ipv6" : "ipv4", ifname, key);
	return read_long(path, def);
}

/* Does /proc/net/FILE list ifname as a VIF/MIF (second field)? */
static int
proc_vif_has(const char *file, const char *ifname)
{
	char path[64], line[256], name[IFNAMSIZ + 1];
	int n = 0, found = 0;
	FILE *fp;

	snprintf(path, sizeof(path), "/proc/net/%s", file);
	fp = fopen(path, "re");
	if (!fp)
		return -1;
	while (n++ < DIAG_PROC_LINES && fgets(line, sizeof(line), fp)) {
		if (sscanf(line, "%*s %16s", name) == 1 &&
		    !strcmp(name, ifname)) {
			found = 1;
			break;
		}
	}
	fclose(fp);
	return found;
}

/* The addresses of one interface: bit 1 IPv4, bit 2 IPv6 link-local. */
static unsigned int
if_addrs(const struct ifaddrs *ifa0, const char *ifname)
{
	const struct ifaddrs *ifa;
	const struct sockaddr_in6 *s6;
	unsigned int has = 0;

	for (ifa = ifa0; ifa; ifa = ifa->ifa_next) {
		if (!ifa->ifa_addr || strcmp(ifa->ifa_name, ifname))
			continue;
		if (ifa->ifa_addr->sa_family == AF_INET)
			has |= 1;
		if (ifa->ifa_addr->sa_family == AF_INET6) {
			s6 = (const struct sockaddr_in6 *)ifa->ifa_addr;
			if (IN6_IS_ADDR_LINKLOCAL(&s6->sin6_addr))
				has |= 2;
		}
	}
	return has;
}

/* ------------------------------------------------------------ the checks */

#define USES4(r)	((r) & (DIAG_IN4 | DIAG_OUT4 | DIAG_JOIN4 | DIAG_IGMP))
#define USES6(r)	((r) & (DIAG_IN6 | DIAG_OUT6 | DIAG_JOIN6 | DIAG_MLD))

static int
if_present(struct diag *d, const struct diag_if *di)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/class/net/%s", di->name);
	if (access(path, F_OK) == 0)
		return 1;
	diag_add(d, "interface", di->name, DIAG_FAIL,
	    "create it, or correct its name in smcroute.conf",
	    "not present (smcroute.conf line %d); its routes and groups are "
	    "pending", di->line);
	return 0;
}

static int
if_up(struct diag *d, const struct diag_if *di)
{
	long fl = if_long(di->name, "flags", 0);
	char fix[DIAG_TEXT_LEN];

	if (!(fl & IFF_UP)) {
		snprintf(fix, sizeof(fix), "ip link set %s up", di->name);
		diag_add(d, "interface", di->name, DIAG_FAIL, fix,
		    "down (flags 0x%lx)", fl);
		return 0;
	}
	if (!(fl & IFF_MULTICAST)) {
		snprintf(fix, sizeof(fix), "ip link set %s multicast on",
		    di->name);
		diag_add(d, "interface", di->name, DIAG_FAIL, fix,
		    "up, but without the MULTICAST flag (flags 0x%lx)", fl);
		return 0;
	}
	return 1;
}

static void
if_address(struct diag *d, const struct diag_if *di,
    const struct ifaddrs *ifa)
{
	unsigned int has = if_addrs(ifa, di->name);
	char fix[DIAG_TEXT_LEN];
	enum diag_state st;

	if (USES4(di->roles) && !(has & 1)) {
		/* A querier cannot query without a source address. */
		st = di->roles & (DIAG_IGMP | DIAG_UP) ? DIAG_FAIL : DIAG_WARN;
		snprintf(fix, sizeof(fix), "ip addr add ADDR/LEN dev %s",
		    di->name);
		diag_add(d, "interface", di->name, st, fix,
		    "no IPv4 address (used for IPv4)");
	}
	if (USES6(di->roles) && !(has & 2)) {
		st = di->roles & (DIAG_MLD | DIAG_UP) ? DIAG_FAIL : DIAG_WARN;
		snprintf(fix, sizeof(fix), "enable IPv6 on %s "
		    "(sysctl -w net.ipv6.conf.%s.disable_ipv6=0)", di->name,
		    di->name);
		diag_add(d, "interface", di->name, st, fix,
		    "no IPv6 link-local address (used for IPv6)");
	}
}

/* The daemon is running: a forwarding interface must have a VIF/MIF. */
static void
if_vif(struct diag *d, const struct diag_if *di)
{
	unsigned int fwd4 = DIAG_IN4 | DIAG_OUT4 | DIAG_IGMP | DIAG_PHYINT;
	unsigned int fwd6 = DIAG_IN6 | DIAG_OUT6 | DIAG_MLD;

	if ((di->roles & fwd4) && !(di->roles & DIAG_MLD && !USES4(di->roles))
	    && proc_vif_has("ip_mr_vif", di->name) == 0)
		diag_add(d, "interface", di->name, DIAG_FAIL,
		    "see the daemon's log; at most 32 VIFs (MAXVIFS)",
		    "no IPv4 VIF in /proc/net/ip_mr_vif");
	if ((di->roles & fwd6) && proc_vif_has("ip6_mr_vif", di->name) == 0)
		diag_add(d, "interface", di->name, DIAG_FAIL,
		    "see the daemon's log; at most 32 MIFs (MAXMIFS)",
		    "no IPv6 MIF in /proc/net/ip6_mr_vif");
}

/*
 * rp_filter: the kernel uses max(all, IF).  Strict mode (1) drops a
 * stream whose source is not routed back out of the inbound interface,
 * which is common for multicast sources on another network.
 */
static void
if_rpfilter(struct diag *d, const struct diag_if *di)
{
	long all = sysctl_long("net.ipv4.conf.all.rp_filter", 0);
	long one = ifsysctl_long(0, di->name, "rp_filter", 0);
	long eff = all > one ? all : one;
	char fix[DIAG_TEXT_LEN];

	if (!(di->roles & (DIAG_IN4)) || eff != 1)
		return;
	if (all == 1)
		snprintf(fix, sizeof(fix), "sysctl -w net.ipv4.conf.all."
		    "rp_filter=2 net.ipv4.conf.%s.rp_filter=2 (or 0)",
		    di->name);
	else
		snprintf(fix, sizeof(fix), "sysctl -w net.ipv4.conf.%s."
		    "rp_filter=2 (or 0)", di->name);
	diag_add(d, "sysctl", di->name, DIAG_WARN, fix,
	    "rp_filter strict (all=%ld, %s=%ld) on an inbound interface: "
	    "streams from sources not routed via %s are dropped", all,
	    di->name, one, di->name);
}

static void
if_mcforwarding(struct diag *d, const struct diag_if *di, int daemon)
{
	long v4 = ifsysctl_long(0, di->name, "mc_forwarding", -1);
	long v6 = ifsysctl_long(1, di->name, "mc_forwarding", -1);

	/* Read-only in the kernel: set while a VIF/MIF exists. */
	if (!daemon)
		return;
	if ((di->roles & (DIAG_IN4 | DIAG_OUT4)) && v4 == 0)
		diag_add(d, "sysctl", di->name, DIAG_WARN,
		    "the interface has no VIF: see the daemon's log",
		    "net.ipv4.conf.%s.mc_forwarding=0", di->name);
	if ((di->roles & (DIAG_IN6 | DIAG_OUT6)) && v6 == 0)
		diag_add(d, "sysctl", di->name, DIAG_WARN,
		    "the interface has no MIF: see the daemon's log",
		    "net.ipv6.conf.%s.mc_forwarding=0", di->name);
}

/* force_igmp_version / force_mld_version on an upstream or join. */
static void
if_forceversion(struct diag *d, const struct diag_if *di)
{
	long v4 = ifsysctl_long(0, di->name, "force_igmp_version", 0);
	long all4 = sysctl_long("net.ipv4.conf.all.force_igmp_version", 0);
	long v6 = ifsysctl_long(1, di->name, "force_mld_version", 0);
	long all6 = sysctl_long("net.ipv6.conf.all.force_mld_version", 0);
	char fix[DIAG_TEXT_LEN];

	if (!(di->roles & (DIAG_UP | DIAG_JOIN4 | DIAG_JOIN6)))
		return;
	if (all4 > v4)
		v4 = all4;
	if (all6 > v6)
		v6 = all6;
	if (USES4(di->roles) && (v4 == 1 || v4 == 2)) {
		snprintf(fix, sizeof(fix), "sysctl -w net.ipv4.conf.%s."
		    "force_igmp_version=0 (and .all.)", di->name);
		diag_add(d, "sysctl", di->name, DIAG_WARN, fix,
		    "force_igmp_version=%ld: IGMPv%ld reports cannot carry "
		    "source-specific (SSM) joins", v4, v4);
	}
	if (USES6(di->roles) && v6 == 1) {
		snprintf(fix, sizeof(fix), "sysctl -w net.ipv6.conf.%s."
		    "force_mld_version=0 (and .all.)", di->name);
		diag_add(d, "sysctl", di->name, DIAG_WARN, fix,
		    "force_mld_version=1: MLDv1 reports cannot carry "
		    "source-specific (SSM) joins");
	}
}

static void
if_mtu(struct diag *d, const struct diag_need *n, const struct diag_if *di)
{
	long mtu = if_long(di->name, "mtu", 0), in = 0, m;
	const char *inname = NULL;
	int i;

	if (!(di->roles & (DIAG_OUT4 | DIAG_OUT6)) || mtu <= 0)
		return;
	for (i = 0; i < n->nifs; i++) {
		if (!(n->ifs[i].roles & (DIAG_IN4 | DIAG_IN6)) ||
		    strchr(n->ifs[i].name, '+'))
			continue;
		m = if_long(n->ifs[i].name, "mtu", 0);
		if (m > in) {
			in = m;
			inname = n->ifs[i].name;
		}
	}
	if (inname && mtu < in)
		diag_add(d, "interface", di->name, DIAG_WARN,
		    "raise its MTU, or lower the sender's packet size",
		    "MTU %ld below %ld of inbound %s: larger packets with DF "
		    "(all IPv6) are dropped", mtu, in, inname);
}

/*
 * A bridge that snoops without a querier forgets every membership after
 * its timeout (260 s), and multicast stops reaching the ports: some
 * querier must run on it, ours (phyint IF igmp) or the bridge's own.
 */
static void
if_bridge(struct diag *d, const struct diag_if *di, diag_querier_fn qfn)
{
	char fix[DIAG_TEXT_LEN];
	long snoop, querier;
	int q = -1;

	snoop = if_long(di->name, "bridge/multicast_snooping", -1);
	if (snoop < 0)
		return;			/* not a bridge */
	querier = if_long(di->name, "bridge/multicast_querier", 0);
	if (snoop == 0 || querier == 1) {
		diag_add(d, "bridge", di->name, DIAG_OK, NULL,
		    "multicast_snooping=%ld multicast_querier=%ld", snoop,
		    querier);
		return;
	}
	if (qfn)
		q = qfn(di->name, AF_INET);
	else if (di->roles & DIAG_IGMP)
		q = 1;
	if (q == 1 || q == 2) {
		diag_add(d, "bridge", di->name, DIAG_OK, NULL,
		    "snooping on, bridge querier off, %s", q == 1 ?
		    "we are the querier (phyint igmp)" :
		    "another router is the querier");
		return;
	}
	snprintf(fix, sizeof(fix), "add 'phyint %s igmp' to smcroute.conf, or "
	    "echo 1 > /sys/class/net/%s/bridge/multicast_querier", di->name,
	    di->name);
	diag_add(d, "bridge", di->name, DIAG_WARN, fix,
	    "multicast_snooping=1, multicast_querier=0 and %s: memberships "
	    "expire and the bridge stops forwarding", di->roles & DIAG_IGMP ?
	    "our querier is not running" : "we do not query (no phyint igmp)");
}

static void
diag_iface(struct diag *d, const struct diag_need *n, const struct diag_if *di,
    const struct ifaddrs *ifa, diag_querier_fn qfn)
{
	int nbad = d->nrows;

	if (strchr(di->name, '+')) {
		diag_add(d, "interface", di->name, DIAG_OK, NULL,
		    "wildcard: not checked one by one");
		return;
	}
	if (!if_present(d, di) || !if_up(d, di))
		return;
	if_address(d, di, ifa);
	if (n->daemon)
		if_vif(d, di);
	if_rpfilter(d, di);
	if_mcforwarding(d, di, n->daemon);
	if_forceversion(d, di);
	if_mtu(d, n, di);
	if (d->nrows == nbad)
		diag_add(d, "interface", di->name, DIAG_OK, NULL,
		    "present, up, MTU %ld%s", if_long(di->name, "mtu", 0),
		    n->daemon ? ", VIF/MIF" : "");
	if_bridge(d, di, qfn);
}

/* Memberships per socket and sources per filter, against the need. */
static void
diag_sysctls(struct diag *d, const struct diag_need *n)
{
	long maxm = sysctl_long("net.ipv4.igmp_max_memberships", -1);
	long msf4 = sysctl_long("net.ipv4.igmp_max_msf", -1);
	long msf6 = sysctl_long("net.ipv6.mld_max_msf", -1);
	long optmem = sysctl_long("net.core.optmem_max", -1);
	unsigned int src4 = n->ssm_srcs4 > n->proxy_srcs4 ? n->ssm_srcs4 :
	    n->proxy_srcs4;
	unsigned int src6 = n->ssm_srcs6 > n->proxy_srcs6 ? n->ssm_srcs6 :
	    n->proxy_srcs6;

	/* The pool spreads memberships over up to 512 sockets (mcsock.h). */
	if (maxm >= 0 && (uint64_t)maxm * 512 < n->joins4)
		diag_add(d, "sysctl", "igmp_max_memberships", DIAG_FAIL,
		    "sysctl -w net.ipv4.igmp_max_memberships=N (N * 512 "
		    "sockets >= the joins)", "%ld per socket, %llu joins "
		    "configured", maxm, (unsigned long long)n->joins4);
	else if (maxm >= 0)
		diag_add(d, "sysctl", "igmp_max_memberships", DIAG_OK, NULL,
		    "%ld per socket, %llu joins configured", maxm,
		    (unsigned long long)n->joins4);
	if (msf4 >= 0 && (long)src4 > msf4)
		diag_add(d, "sysctl", "igmp_max_msf", DIAG_WARN,
		    "sysctl -w net.ipv4.igmp_max_msf=N (N >= the sources of "
		    "one group)", "%ld sources per filter, up to %u configured "
		    "for one group: the filter is split over sockets", msf4,
		    src4);
	else if (msf4 >= 0)
		diag_add(d, "sysctl", "igmp_max_msf", DIAG_OK, NULL,
		    "%ld sources per filter, up to %u configured", msf4, src4);
	if (msf6 >= 0 && (long)src6 > msf6)
		diag_add(d, "sysctl", "mld_max_msf", DIAG_WARN,
		    "sysctl -w net.ipv6.mld_max_msf=N (N >= the sources of "
		    "one group)", "%ld sources per filter, up to %u configured "
		    "for one group", msf6, src6);
	else if (msf6 >= 0)
		diag_add(d, "sysctl", "mld_max_msf", DIAG_OK, NULL,
		    "%ld sources per filter, up to %u configured", msf6, src6);
	/* About 64 bytes of option memory per IPv6 membership. */
	if (optmem >= 0 && (uint64_t)optmem / 64 * 512 < n->joins6)
		diag_add(d, "sysctl", "optmem_max", DIAG_WARN,
		    "sysctl -w net.core.optmem_max=N (64 bytes per IPv6 join "
		    "per socket)", "%ld bytes, %llu IPv6 joins configured",
		    optmem, (unsigned long long)n->joins6);
	else if (optmem >= 0)
		diag_add(d, "sysctl", "optmem_max", DIAG_OK, NULL,
		    "%ld bytes, %llu IPv6 joins configured", optmem,
		    (unsigned long long)n->joins6);
}

/*
 * PIM upcalls (CONFIG_IP_PIMSM_V1/V2): the daemon sets MRT_PIM so that
 * the kernel sends WRONGVIF when a learned flow arrives on another
 * interface (kern_init()); without it such a flow never moves.  Asked
 * on a fresh raw socket, which needs no MRT_INIT.
 */
static void
kernel_pim(struct diag *d, const struct diag_need *n, int family)
{
	int v6 = family == AF_INET6, fd, val = 0;
	socklen_t len = sizeof(val);
	const char *subj = v6 ? "ipv6-pim" : "ipv4-pim";
	enum diag_state st = n->templates ? DIAG_WARN : DIAG_OK;

	fd = socket(family, SOCK_RAW | SOCK_CLOEXEC, v6 ? IPPROTO_ICMPV6 :
	    IPPROTO_IGMP);
	if (fd < 0)
		return;		/* not root, or no such family */
	/* No multicast routing at all: the kernel row says so. */
	if (getsockopt(fd, v6 ? IPPROTO_IPV6 : IPPROTO_IP, v6 ? MRT6_VERSION :
	    MRT_VERSION, &val, &len) && errno == ENOPROTOOPT) {
		close(fd);
		return;
	}
	len = sizeof(val);
	if (!getsockopt(fd, v6 ? IPPROTO_IPV6 : IPPROTO_IP, v6 ? MRT6_PIM :
	    MRT_PIM, &val, &len))
		diag_add(d, "kernel", subj, DIAG_OK, NULL,
		    "PIM/WRONGVIF upcalls available");
	else if (errno == ENOPROTOOPT)
		diag_add(d, "kernel", subj, st, st == DIAG_OK ? NULL :
		    v6 ? "a kernel with CONFIG_IPV6_PIMSM_V2" :
		    "a kernel with CONFIG_IP_PIMSM_V2",
		    "no PIM support: no WRONGVIF upcalls, so %s",
		    n->templates ? "a learned flow that changes its inbound "
		    "interface is not moved" : "'wrongvif move' has no "
		    "effect (no templates configured)");
	close(fd);
}

/* Multiple tables: MRT_TABLE of the default table changes nothing. */
static void
kernel_tables(struct diag *d)
{
	uint32_t t = 253;	/* RT_TABLE_DEFAULT: exists, nothing created */
	int fd;

	fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_IGMP);
	if (fd < 0)
		return;
	if (!setsockopt(fd, IPPROTO_IP, MRT_TABLE, &t, sizeof(t)))
		diag_add(d, "kernel", "tables", DIAG_OK, NULL,
		    "multiple multicast routing tables (smcrouted -t)");
	else if (errno == ENOPROTOOPT)
		diag_add(d, "kernel", "tables", DIAG_OK, NULL,
		    "one table only (no CONFIG_IP_MROUTE_MULTIPLE_TABLES): "
		    "smcrouted -t N cannot run");
	close(fd);
}

void
diag_kernel_opts(struct diag *d, const struct diag_need *n)
{
	kernel_tables(d);
	kernel_pim(d, n, AF_INET);
	kernel_pim(d, n, AF_INET6);
}

void
diag_system(struct diag *d, const struct diag_need *n, diag_querier_fn qfn)
{
	struct ifaddrs *ifa = NULL;
	int i;

	diag_kernel_opts(d, n);
	if (getifaddrs(&ifa))
		ifa = NULL;
	for (i = 0; i < n->nifs; i++)
		diag_iface(d, n, &n->ifs[i], ifa, qfn);
	if (ifa)
		freeifaddrs(ifa);
	if (n->more_ifs)
		diag_add(d, "interface", "...", DIAG_WARN, NULL,
		    "%d more interfaces not checked", n->more_ifs);
	if (!n->nifs)
		diag_add(d, "interface", "-", DIAG_WARN,
		    "add phyint/mroute/mgroup lines to smcroute.conf",
		    "no interface configured");
	diag_sysctls(d, n);
}

/* ------------------------------------------------------------- firewall */

#define FWC_IGMP	0x1
#define FWC_MLD		0x2
#define FWC_MCAST	0x4	/* forwarded multicast */

#define HOOK_NONE	0
#define HOOK_INPUT	1
#define HOOK_FORWARD	2

#define V_NONE		0
#define V_ACCEPT	1
#define V_DROP		2

void
diag_fw_begin(struct diag_fw *fw, struct diag *d, const char *tool, int fmt,
    int family)
{
	memset(fw, 0, sizeof(*fw));
	fw->d = d;
	fw->hook = HOOK_NONE;
	fw->tool = tool;
	fw->fmt = fmt;
	fw->fam = family == AF_INET6 ? 2 : family == AF_INET ? 1 : 3;
	fw->tfam = fw->fam;
}

/* Is word (a whole word, delimited by non-alnum) in s? */
static int
has_word(const char *s, const char *word)
{
	size_t n = strlen(word);
	const char *p = s;

	while ((p = strstr(p, word)) != NULL) {
		if ((p == s || !isalnum((unsigned char)p[-1])) &&
		    !isalnum((unsigned char)p[n]) && p[n] != '-')
			return 1;
		p += n;
	}
	return 0;
}

/*
 * Does the rule have a condition (anything but the chain, counters,
 * comments, logging and the verdict)?  A rule without one applies to
 * every packet.
 */
static int
fw_has_match(const struct diag_fw *fw, const char *r)
{
	static const char *const nft_skip[] = { "counter", "packets", "bytes",
	    "accept", "drop", "reject", "with", "log", "prefix", "comment",
	    "level", "tcp", "reset", "icmp", "icmpx", "port-unreachable",
	    "admin-prohibited", "host-prohibited", "continue", NULL };
	char buf[DIAG_TEXT_LEN], *w, *save = NULL;
	int i, skipnext = 0, quoted = 0;


	diag_copy(buf, sizeof(buf), r);
	for (w = strtok_r(buf, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
		if (quoted) {
			quoted = strchr(w, '"') == NULL;
			continue;
		}
		if (*w == '"') {
			/* A quoted string is one argument (a comment). */
			quoted = strchr(w + 1, '"') == NULL;
			skipnext = 0;
			continue;
		}
		if (skipnext) {
			skipnext--;
			continue;
		}
		if (fw->fmt == DIAG_FW_IPT) {
		/* -A CHAIN, -j TARGET, -c P B, -m comment --comment X */
			if (!strcmp(w, "-A") || !strcmp(w, "-j") ||
			    !strcmp(w, "--comment"))
				skipnext = 1;
			else if (!strcmp(w, "-c"))
				skipnext = 2;
			else if (strcmp(w, "-m") || strncmp(save ? save : "",
			    "comment", 7))
				return 1;
			else
				skipnext = 1;
			continue;
		}
		if (isdigit((unsigned char)*w))
			continue;
		for (i = 0; nft_skip[i]; i++)
			if (!strcmp(w, nft_skip[i]))
				break;
		if (!nft_skip[i])
			return 1;
	}
	return 0;
}

/* What a rule matches, as FWC_* classes; all of them without a match. */
static unsigned int
fw_classes(const struct diag_fw *fw, const char *r)
{
	unsigned int c = 0;
	int icmp6, typed;

	if (has_word(r, "igmp") || strstr(r, "-p 2 ") ||
	    strstr(r, "protocol 2 "))
		c |= FWC_IGMP;
	icmp6 = has_word(r, "ipv6-icmp") || has_word(r, "icmpv6") ||
	    strstr(r, "-p 58 ") != NULL;
	typed = strstr(r, "icmpv6-type") || strstr(r, "icmpv6 type") ||
	    strstr(r, "icmpv6 code");
	if (icmp6 && (!typed || strstr(r, "130") || strstr(r, "131") ||
	    strstr(r, "132") || strstr(r, "143") || strstr(r, "mld")))
		c |= FWC_MLD;
	if (strstr(r, "224.0.0.0/4") || strstr(r, "ff00::/8") ||
	    has_word(r, "multicast") || has_word(r, "MULTICAST"))
		c |= FWC_MCAST | FWC_IGMP | FWC_MLD;
	if (!c && !fw_has_match(fw, r))
		c = FWC_IGMP | FWC_MLD | FWC_MCAST;
	return c;
}

static int
fw_verdict(const struct diag_fw *fw, const char *r)
{
	if (fw->fmt == DIAG_FW_IPT) {
		if (strstr(r, "-j ACCEPT"))
			return V_ACCEPT;
		if (strstr(r, "-j DROP") || strstr(r, "-j REJECT"))
			return V_DROP;
		return V_NONE;
	}
	if (has_word(r, "accept"))
		return V_ACCEPT;
	if (has_word(r, "drop") || has_word(r, "reject"))
		return V_DROP;
	return V_NONE;
}

/* The classes that matter on hook for the families of the table. */
static unsigned int
fw_relevant(const struct diag_fw *fw, int hook)
{
	if (hook == HOOK_FORWARD)
		return FWC_MCAST;
	if (hook == HOOK_INPUT)
		return (fw->tfam & 1 ? FWC_IGMP : 0) |
		    (fw->tfam & 2 ? FWC_MLD : 0);
	return 0;
}

static const char *
fw_what(unsigned int c)
{
	if (c & FWC_MCAST)
		return "forwarded multicast";
	if ((c & FWC_IGMP) && (c & FWC_MLD))
		return "IGMP and MLD";
	return c & FWC_IGMP ? "IGMP" : "MLD";
}

/* The one-line fix: an accept rule before the drop. */
static void
fw_fix(const struct diag_fw *fw, int hook, unsigned int c, char *fix,
    size_t len)
{
	const char *chain = fw->chain[hook];
	int v6 = fw->tfam == 2;

	if (fw->fmt == DIAG_FW_IPT && hook == HOOK_FORWARD)
		snprintf(fix, len, "%s -I %s -d %s -j ACCEPT", fw->tool, chain,
		    v6 ? "ff00::/8" : "224.0.0.0/4");
	else if (fw->fmt == DIAG_FW_IPT && (c & FWC_IGMP))
		snprintf(fix, len, "iptables -I %s -p igmp -j ACCEPT", chain);
	else if (fw->fmt == DIAG_FW_IPT)
		snprintf(fix, len, "ip6tables -I %s -p ipv6-icmp "
		    "--icmpv6-type 131 -j ACCEPT (and 130, 132, 143)", chain);
	else if (hook == HOOK_FORWARD)
		snprintf(fix, len, "nft insert rule %s %s meta pkttype "
		    "multicast accept", fw->table, chain);
	else if (c & FWC_IGMP)
		snprintf(fix, len, "nft insert rule %s %s meta l4proto igmp "
		    "accept%s", fw->table, chain, c & FWC_MLD ? " (and MLD: "
		    "icmpv6 type mld-listener-report etc.)" : "");
	else
		snprintf(fix, len, "nft insert rule %s %s icmpv6 type { "
		    "mld-listener-query, mld-listener-report, "
		    "mld-listener-done, mld2-listener-report } accept",
		    fw->table, chain);
}

static void
fw_rule(struct diag_fw *fw, int hook, const char *r)
{
	unsigned int c, bad;
	char fix[DIAG_TEXT_LEN];
	int v;

	fw->nrules++;
	c = fw_classes(fw, r) & fw_relevant(fw, hook);
	v = fw_verdict(fw, r);
	if (!c || v == V_NONE)
		return;
	if (v == V_ACCEPT) {
		fw->accepted[hook] |= c;
		return;
	}
	bad = c & ~fw->accepted[hook] & ~fw->reported[hook];
	if (!bad)
		return;
	fw->reported[hook] |= bad;
	fw->nbad++;
	fw_fix(fw, hook, bad, fix, sizeof(fix));
	diag_add(fw->d, "firewall", fw->tool, DIAG_FAIL, fix,
	    "drops %s%s: %s", fw_what(bad), hook == HOOK_INPUT ? " on input" :
	    "", r);
}

/* End of a chain (nft) or table (iptables): its policy. */
static void
fw_chain_end(struct diag_fw *fw, int hook)
{
	unsigned int bad;
	char fix[DIAG_TEXT_LEN];

	if (hook != HOOK_NONE && fw->policy_drop[hook]) {
		bad = fw_relevant(fw, hook) & ~fw->accepted[hook] &
		    ~fw->reported[hook];
		if (bad) {
			fw->nbad++;
			fw_fix(fw, hook, bad, fix, sizeof(fix));
			diag_add(fw->d, "firewall", fw->tool, DIAG_FAIL, fix,
			    "chain %s: policy drop, no accept for %s",
			    fw->chain[hook], fw_what(bad));
		}
	}
	fw->policy_drop[hook] = 0;
	fw->accepted[hook] = 0;
	fw->reported[hook] = 0;
}

static void
fw_ipt_line(struct diag_fw *fw, const char *l)
{
	char chain[64], pol[16];
	int hook;

	if (*l == '*') {
		fw->skip = strcmp(l, "*filter") != 0;
		return;
	}
	if (fw->skip)
		return;
	if (!strcmp(l, "COMMIT")) {
		fw_chain_end(fw, HOOK_INPUT);
		fw_chain_end(fw, HOOK_FORWARD);
		return;
	}
	if (sscanf(l, ":%63s %15s", chain, pol) == 2 ||
	    sscanf(l, "-A %63s", chain) == 1) {
		hook = !strcmp(chain, "INPUT") ? HOOK_INPUT :
		    !strcmp(chain, "FORWARD") ? HOOK_FORWARD : HOOK_NONE;
		if (hook == HOOK_NONE)
			return;
		snprintf(fw->chain[hook], sizeof(fw->chain[hook]), "%s",
		    chain);
		if (*l == ':')
			fw->policy_drop[hook] = !strcmp(pol, "DROP");
		else
			fw_rule(fw, hook, l);
	}
}

static void
fw_nft_line(struct diag_fw *fw, const char *l)
{
	char a[32], b[64];
	const char *p;
	int open = 0, close = 0;

	for (p = l; *p; p++) {
		open += *p == '{';
		close += *p == '}';
	}
	if (fw->depth == 0 && sscanf(l, "table %31s %63s", a, b) == 2) {
		fw->tfam = !strcmp(a, "ip") ? 1 : !strcmp(a, "ip6") ? 2 :
		    !strcmp(a, "inet") ? 3 : 0;
		snprintf(fw->table, sizeof(fw->table), "%s %s", a, b);
	} else if (fw->depth == 1 && sscanf(l, "chain %63s", b) == 1) {
		fw->inchain = 1;
		fw->hook = HOOK_NONE;
		snprintf(fw->chain[0], sizeof(fw->chain[0]), "%s", b);
	} else if (fw->inchain && fw->depth == 2 && strstr(l, "hook ")) {
		fw->hook = strstr(l, "hook input") ? HOOK_INPUT :
		    strstr(l, "hook forward") ? HOOK_FORWARD : HOOK_NONE;
		if (strstr(l, "type filter") == NULL)
			fw->hook = HOOK_NONE;
		memcpy(fw->chain[fw->hook], fw->chain[0], sizeof(fw->chain[0]));
		fw->policy_drop[fw->hook] = strstr(l, "policy drop") != NULL;
	} else if (fw->inchain && fw->depth == 2 && open == close &&
	    fw->tfam && fw->hook != HOOK_NONE) {
		fw_rule(fw, fw->hook, l);
	}
	fw->depth += open - close;
	if (fw->depth < 0)
		fw->depth = 0;
	if (fw->inchain && fw->depth <= 1) {
		if (fw->tfam)
			fw_chain_end(fw, fw->hook);
		fw->inchain = 0;
		fw->hook = HOOK_NONE;
	}
}

void
diag_fw_line(struct diag_fw *fw, const char *line)
{
	char buf[DIAG_TEXT_LEN];
	size_t n;

	while (isspace((unsigned char)*line))
		line++;
	diag_copy(buf, sizeof(buf), line);
	n = strlen(buf);
	while (n > 0 && isspace((unsigned char)buf[n - 1]))
		buf[--n] = '\0';
	if (!*buf || *buf == '#')
		return;
	if (fw->fmt == DIAG_FW_IPT)
		fw_ipt_line(fw, buf);
	else
		fw_nft_line(fw, buf);
}

void
diag_fw_end(struct diag_fw *fw)
{
	if (fw->fmt == DIAG_FW_IPT && !fw->skip) {
		/* Output cut short before COMMIT: judge what was read. */
		fw_chain_end(fw, HOOK_INPUT);
		fw_chain_end(fw, HOOK_FORWARD);
	}
	if (!fw->nbad)
		diag_add(fw->d, "firewall", fw->tool, DIAG_OK, NULL,
		    "%d rules read: none drops IGMP/MLD on input or forwarded "
		    "multicast", fw->nrules);
}
