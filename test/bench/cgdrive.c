/*
 * cgdrive.c - the hot paths alone, for callgrind and for memory
 *
 * A driver over the real code, with no network, no kernel and no
 * clock: counted with valgrind --tool=callgrind, the instructions of
 * one operation come out the same on a busy machine and on an idle one.
 * test/bench/callgrind.sh runs it; see test/bench/README.md.
 *
 *   cgdrive igmp   [OPS]  one IGMPv3 report of 10 records, decoded and
 *                         applied to a database of 10,000 groups
 *   cgdrive mld    [OPS]  the same with an MLDv2 report
 *   cgdrive route  [OPS]  one (S,G) route added to a table of 10,000
 *   cgdrive upcall [OPS]  one NOCACHE upcall resolved through a table
 *                         of 10,000 (*,G) templates
 *   cgdrive mem    [N]    heap bytes per (S,G) route, N routes (10,000)
 *
 * Each operation runs OPS times (100), between callgrind's collection
 * toggles, so only the operation itself is counted: run it under
 * valgrind --tool=callgrind --collect-atstart=no and divide the total
 * by OPS.  Without valgrind the toggles do nothing and the driver only
 * checks that every operation did what it should (exit 1 if not).
 *
 * The route engine calls the kernel layer, the interfaces, the script
 * runner and the clock: they are replaced here at link time by stubs
 * that do nothing, so what is counted is the engine's own work (the
 * kernel's is not a userland instruction anyway).  The proxy half is
 * what proxy/io.c does with a report: decode it, copy each record's
 * sources, pass each record to mdb_record(), then take the changed
 * groups and the next deadline, as pif_drain() does; the route refresh
 * that follows in the daemon is the route half's business.
 */
#include "config.h"

#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#if defined(__has_include)
#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#endif
#endif
#ifndef CALLGRIND_TOGGLE_COLLECT
#define CALLGRIND_TOGGLE_COLLECT	do { } while (0)
#endif

#include "conf.h"
#include "evloop.h"
#include "iface.h"
#include "inet.h"
#include "kern.h"
#include "log.h"
#include "mdb.h"
#include "pkt.h"
#include "route.h"
#include "script.h"

#define TABLE		10000	/* groups, routes, templates in place */
#define NREC		10	/* records per report */
#define NIFACE		4

static int failed;

static void
fail(const char *what)
{
	fprintf(stderr, "cgdrive: %s\n", what);
	failed = 1;
}

/*
 * Link-time stubs: the interfaces, the kernel layer, the script runner
 * and the clock, as the route engine sees them.
 */
struct event_base *evbase;
static struct iface ifs[NIFACE];
static uint64_t clock_ms = 1000;
static unsigned long nmfc_add;

uint64_t
now_ms(void)
{
	return clock_ms;
}

struct iface *
iface_find(int ifindex)
{
	if (ifindex < 1 || ifindex > NIFACE)
		return NULL;
	return &ifs[ifindex - 1];
}

const char *
iface_name(int ifindex)
{
	struct iface *ifp = iface_find(ifindex);

	return ifp ? ifp->name : "?";
}

int
iface_ref(struct iface *ifp, int family)
{
	ifp->refs[family == AF_INET6]++;
	return 0;
}

void
iface_unref(struct iface *ifp, int family)
{
	ifp->refs[family == AF_INET6]--;
}

int
iface_vif(const struct iface *ifp, int family)
{
	return family == AF_INET6 ? ifp->mif : ifp->vif;
}

struct iface *
iface_find_vif(int family, int vif)
{
	int i;

	for (i = 0; i < NIFACE; i++)
		if (iface_vif(&ifs[i], family) == vif)
			return &ifs[i];
	return NULL;
}

bool
kern_available(int family)
{
	(void)family;
	return true;
}

int
kern_mfc_add(const struct inet_addr *src, const struct inet_addr *grp,
    int iif, const uint8_t ttls[MAXVIFS])
{
	(void)src;
	(void)grp;
	(void)iif;
	(void)ttls;
	nmfc_add++;
	return 0;
}

int
kern_mfc_del(const struct inet_addr *src, const struct inet_addr *grp,
    int iif)
{
	(void)src;
	(void)grp;
	(void)iif;
	return 0;
}

int
kern_mfc_stats(const struct inet_addr *src, const struct inet_addr *grp,
    struct kern_stats *st)
{
	(void)src;
	(void)grp;
	memset(st, 0, sizeof(*st));
	return 0;
}

void
script_run(const char *event, const struct inet_addr *src,
    const struct inet_addr *grp, const char *const *env)
{
	(void)event;
	(void)src;
	(void)grp;
	(void)env;
}

static void
ifaces_init(void)
{
	int i;

	for (i = 0; i < NIFACE; i++) {
		ifs[i].ifindex = i + 1;
		snprintf(ifs[i].name, sizeof(ifs[i].name), "eth%d", i);
		ifs[i].flags = IFF_UP | IFF_MULTICAST;
		ifs[i].vif = i;
		ifs[i].mif = i;
		ifs[i].ttl = 1;
	}
}

/* The n-th address of a base, as a host of family. */
static struct inet_addr
addr_n(const char *base, uint32_t n)
{
	struct inet_addr a;

	if (inet_pton_any(base, &a)) {
		fprintf(stderr, "cgdrive: bad address %s\n", base);
		exit(2);
	}
	inet_add(&a, n);
	return a;
}


/*
 * The proxy: a database of TABLE groups, 100 per host from 100 hosts,
 * each joined by an IS_EX {} record (an ASM join), then reports of NREC
 * IS_EX {} records, the refresh a host sends for its groups when asked,
 * each time from the next host for the next NREC groups of that host.
 */
#define NHOSTS		100

static struct mdb_if *
mdb_fill(int family, const char *gbase, const char *hbase)
{
	struct mdb_params p;
	struct mdb_if *mif;
	struct mdb_rec r;
	struct inet_addr grp;
	int i;

	memset(&p, 0, sizeof(p));
	p.family = family;
	p.robustness = 2;
	p.query_interval = 125000;
	p.query_resp = 10000;
	p.lmqi = 1000;
	p.lmqc = 2;
	p.version = 3;
	p.max_groups = TABLE + 1;
	p.max_sources = 4096;
	p.max_hosts = NHOSTS + 1;
	if (!(mif = mdb_if_create(&p))) {
		fail("mdb_if_create");
		exit(2);
	}
	for (i = 0; i < TABLE; i++) {
		memset(&r, 0, sizeof(r));
		r.type = MDB_IS_EX;
		r.host = addr_n(hbase, (uint32_t)(i % NHOSTS) + 1);
		grp = addr_n(gbase, (uint32_t)i);
		r.group = grp;
		if (mdb_record(mif, &r, clock_ms) != MDB_APPLIED)
			fail("fill: record not applied");
	}
	while (mdb_change_pop(mif, &grp))
		;
	if (mdb_group_count(mif) != TABLE)
		fail("fill: group count");
	return mif;
}

/* Report k: host k % NHOSTS, NREC of its groups. */
static void
report_recs(int k, const char *gbase, struct pkt_rec_tx *rec)
{
	int h = k % NHOSTS, j;

	for (j = 0; j < NREC; j++) {
		/* Group i belongs to host i % NHOSTS. */
		uint32_t i = (uint32_t)(((k / NHOSTS * NREC + j) * NHOSTS + h) %
		    TABLE);

		memset(&rec[j], 0, sizeof(rec[j]));
		rec[j].type = PKT_MODE_IS_EXCLUDE;
		rec[j].group = addr_n(gbase, i);
	}
}

/* What proxy/io.c does with a decoded v3 report, without the acl. */
static int
report_apply(struct mdb_if *mif, const struct pkt_msg *m, size_t len,
    struct inet_addr *srcs, size_t max)
{
	struct pkt_rec_iter it;
	struct pkt_rec pr;
	struct mdb_rec r;
	struct inet_addr grp;
	int napplied = 0;

	memset(&r, 0, sizeof(r));
	r.host = m->src;
	(void)len;
	pkt_rec_iter_init(&it, m);
	while (pkt_rec_next(&it, &pr)) {
		r.type = (enum mdb_rec_type)pr.type;
		r.group = pr.group;
		r.nsrc = pkt_srcs_copy(&pr.srcs, srcs, max);
		r.srcs = srcs;
		if (mdb_record(mif, &r, clock_ms) == MDB_APPLIED)
			napplied++;
	}
	while (mdb_change_pop(mif, &grp))
		;
	(void)mdb_next_deadline(mif);
	return napplied;
}

static int
bench_igmp(int ops)
{
	static const char *gbase = "225.0.0.0", *hbase = "10.0.1.0";
	struct mdb_if *mif = mdb_fill(AF_INET, gbase, hbase);
	struct pkt_rec_tx rec[NREC];
	struct inet_addr host, dst = addr_n("224.0.0.22", 0);
	uint8_t (*pkts)[1024] = calloc((size_t)ops, sizeof(*pkts));
	size_t *lens = calloc((size_t)ops, sizeof(*lens));
	struct inet_addr srcs[1024 / 4 + 1];
	struct pkt_msg m;
	int k, n, hl = (int)igmp_ip_hdrlen(true), total = 0;
	ssize_t ml;

	if (!pkts || !lens)
		exit(2);
	/* The packets are built first: only their reception is counted. */
	for (k = 0; k < ops; k++) {
		report_recs(k, gbase, rec);
		host = addr_n(hbase, (uint32_t)(k % NHOSTS) + 1);
		ml = igmp_report3_encode(pkts[k] + hl, sizeof(pkts[k]) -
		    (size_t)hl, rec, NREC);
		if (ml < 0 || igmp_ip_encode(pkts[k], sizeof(pkts[k]), &host,
		    &dst, 1, true, (size_t)ml) < 0)
			exit(2);
		lens[k] = (size_t)(hl + ml);
	}
	for (k = 0; k < ops; k++) {
		clock_ms += 10;
		CALLGRIND_TOGGLE_COLLECT;
		if (igmp_decode(&m, pkts[k], lens[k], 0) == PKT_OK &&
		    m.type == PKT_REPORT_V3)
			n = report_apply(mif, &m, lens[k], srcs,
			    sizeof(srcs) / sizeof(srcs[0]));
		else
			n = -1;
		CALLGRIND_TOGGLE_COLLECT;
		if (n < 0)
			fail("igmp: report not decoded");
		total += n;
	}
	if (total != ops * NREC)
		fail("igmp: not every record applied");
	if (mdb_group_count(mif) != TABLE)
		fail("igmp: group count changed");
	mdb_if_destroy(mif);
	free(pkts);
	free(lens);
	return 0;
}

static int
bench_mld(int ops)
{
	static const char *gbase = "ff0e::1:0:0", *hbase = "fe80::1:0";
	static const uint8_t hbh_ra[8] = { 0, 0, 5, 2, 0, 0, 1, 0 };
	struct mdb_if *mif = mdb_fill(AF_INET6, gbase, hbase);
	struct pkt_rec_tx rec[NREC];
	struct inet_addr dst = addr_n("ff02::16", 0);
	uint8_t (*pkts)[1024] = calloc((size_t)ops, sizeof(*pkts));
	size_t *lens = calloc((size_t)ops, sizeof(*lens));
	struct mld_rxinfo *rx = calloc((size_t)ops, sizeof(*rx));
	struct inet_addr srcs[1024 / 4 + 1];
	struct pkt_msg m;
	int k, n, total = 0;
	ssize_t ml;

	if (!pkts || !lens || !rx)
		exit(2);
	for (k = 0; k < ops; k++) {
		report_recs(k, gbase, rec);
		rx[k].src = addr_n(hbase, (uint32_t)(k % NHOSTS) + 1);
		rx[k].dst = dst;
		rx[k].hlim = 1;
		rx[k].hbh = hbh_ra;
		rx[k].hbhlen = sizeof(hbh_ra);
		ml = mld_report2_encode(pkts[k], sizeof(pkts[k]), rec, NREC,
		    &rx[k].src, &rx[k].dst);
		if (ml < 0)
			exit(2);
		lens[k] = (size_t)ml;
	}
	for (k = 0; k < ops; k++) {
		clock_ms += 10;
		CALLGRIND_TOGGLE_COLLECT;
		if (mld_decode(&m, pkts[k], lens[k], &rx[k], 0) == PKT_OK &&
		    m.type == PKT_REPORT_V3)
			n = report_apply(mif, &m, lens[k], srcs,
			    sizeof(srcs) / sizeof(srcs[0]));
		else
			n = -1;
		CALLGRIND_TOGGLE_COLLECT;
		if (n < 0)
			fail("mld: report not decoded");
		total += n;
	}
	if (total != ops * NREC)
		fail("mld: not every record applied");
	if (mdb_group_count(mif) != TABLE)
		fail("mld: group count changed");
	mdb_if_destroy(mif);
	free(pkts);
	free(lens);
	free(rx);
	return 0;
}


/*
 * The route engine.  (S,G) route n: from eth0, source 10.(n)/16 range,
 * group 225.n, to eth1 and eth2, as one smcroutectl add line makes it.
 */
static void
sg_route(struct route *r, uint32_t n)
{
	memset(r, 0, sizeof(*r));
	r->iif = 1;
	r->src.addr = addr_n("10.0.0.1", n);
	r->src.len = 32;
	r->grp.addr = addr_n("225.0.0.0", n);
	r->grp.len = 32;
	r->noifs = 2;
	r->oifs[0] = 2;
	r->oifs[1] = 3;
}

static void
sg_fill(uint32_t first, uint32_t n)
{
	struct route r;
	char err[256];
	uint32_t i;

	for (i = first; i < first + n; i++) {
		sg_route(&r, i);
		if (route_add(&r, ROUTE_IPC, true, err, sizeof(err))) {
			fprintf(stderr, "cgdrive: route_add: %s\n", err);
			exit(1);
		}
	}
}

static unsigned long
nrules(void)
{
	struct route *r;
	unsigned long n = 0;

	for (r = route_first(); r; r = route_next(r))
		n++;
	return n;
}

static unsigned long
nmfcs(void)
{
	struct mfc *m;
	unsigned long n = 0;

	for (m = mfc_first(); m; m = mfc_next(m))
		n++;
	return n;
}

static int
bench_route(int ops)
{
	struct route *rs = calloc((size_t)ops, sizeof(*rs));
	char err[256];
	unsigned long before;
	int k, rc;

	if (!rs)
		exit(2);
	route_init(0, 0);
	sg_fill(0, TABLE);
	before = nmfc_add;
	for (k = 0; k < ops; k++)
		sg_route(&rs[k], TABLE + (uint32_t)k);
	for (k = 0; k < ops; k++) {
		CALLGRIND_TOGGLE_COLLECT;
		rc = route_add(&rs[k], ROUTE_IPC, true, err, sizeof(err));
		CALLGRIND_TOGGLE_COLLECT;
		if (rc)
			fail(err);
	}
	if (nrules() != (unsigned long)TABLE + (unsigned long)ops ||
	    nmfcs() != (unsigned long)TABLE + (unsigned long)ops ||
	    nmfc_add - before != (unsigned long)ops)
		fail("route: not every route installed once");
	route_exit();
	free(rs);
	return 0;
}

/*
 * TABLE (*,G) templates, from eth0 to eth1 for 226.n, and upcalls for
 * new sources of their groups: each one makes a learned entry.
 */
static int
bench_upcall(int ops)
{
	struct kern_upcall *up = calloc((size_t)ops, sizeof(*up));
	struct route r;
	char err[256];
	unsigned long before;
	int i, k;

	if (!up)
		exit(2);
	route_init(0, 0);
	for (i = 0; i < TABLE; i++) {
		memset(&r, 0, sizeof(r));
		r.iif = 1;
		inet_any(&r.src.addr, AF_INET);
		r.src.len = 0;
		r.grp.addr = addr_n("226.0.0.0", (uint32_t)i);
		r.grp.len = 32;
		r.noifs = 1;
		r.oifs[0] = 2;
		if (route_add(&r, ROUTE_CONF, true, err, sizeof(err))) {
			fprintf(stderr, "cgdrive: route_add: %s\n", err);
			exit(1);
		}
	}
	if (nmfcs() != 0)
		fail("upcall: a template made a kernel entry");
	for (k = 0; k < ops; k++) {
		up[k].type = KERN_NOCACHE;
		up[k].src = addr_n("10.1.0.1", (uint32_t)k);
		up[k].grp = addr_n("226.0.0.0", (uint32_t)(k * 97 % TABLE));
		up[k].vif = 0;		/* eth0 */
	}
	before = nmfc_add;
	for (k = 0; k < ops; k++) {
		CALLGRIND_TOGGLE_COLLECT;
		route_upcall(AF_INET, &up[k]);
		CALLGRIND_TOGGLE_COLLECT;
	}
	if (nmfcs() != (unsigned long)ops ||
	    nmfc_add - before != (unsigned long)ops)
		fail("upcall: not every upcall installed");
	route_exit();
	free(up);
	return 0;
}

/* Heap bytes in use, as malloc counts them (with its overhead). */
static size_t
heap_used(void)
{
	struct mallinfo2 mi = mallinfo2();

	return mi.uordblks + mi.hblkhd;
}

/*
 * What n (S,G) routes cost on the heap: in the route engine (a rule and
 * a kernel entry each, however they came), and as n lines of a parsed
 * smcroute.conf (the running configuration is kept, and a reload holds
 * two for a moment).  The lines are what sg_route() makes.
 */
static int
bench_mem(int n)
{
	char path[] = "/tmp/cgdrive.XXXXXX", s[INET6_ADDRSTRLEN],
	    g[INET6_ADDRSTRLEN];
	size_t before, after;
	struct conf *c;
	struct route r;
	FILE *fp;
	int fd, i;

	route_init(0, 0);
	before = heap_used();
	sg_fill(0, (uint32_t)n);
	after = heap_used();
	if (nrules() != (unsigned long)n || nmfcs() != (unsigned long)n)
		fail("mem: not every route installed");
	printf("route engine: %d routes, %zu bytes, %zu per route "
	    "(a rule %zu and a kernel entry %zu, with malloc's overhead)\n",
	    n, after - before, (after - before) / (size_t)n,
	    malloc_usable_size(route_first()), malloc_usable_size(mfc_first()));
	route_exit();

	if ((fd = mkstemp(path)) < 0 || !(fp = fdopen(fd, "w"))) {
		fail("mem: cannot write a configuration in /tmp");
		return 1;
	}
	for (i = 0; i < n; i++) {
		sg_route(&r, (uint32_t)i);
		fprintf(fp, "mroute from eth0 source %s group %s to eth1 eth2\n",
		    inet_str(&r.src.addr, s, sizeof(s)),
		    inet_str(&r.grp.addr, g, sizeof(g)));
	}
	fclose(fp);
	before = heap_used();
	if (!(c = conf_new()) || conf_parse_file(c, path))
		fail("mem: configuration not parsed");
	after = heap_used();
	unlink(path);
	if (c) {
		printf("configuration: %d mroute lines, %zu bytes, %zu per "
		    "line (struct conf_mroute %zu whole)\n", n, after - before,
		    (after - before) / (size_t)n, sizeof(struct conf_mroute));
		conf_free(c);
	}
	return 0;
}

int
main(int argc, char *argv[])
{
	const char *what = argc > 1 ? argv[1] : "";
	int n = argc > 2 ? atoi(argv[2]) : 0;

	log_open("cgdrive", 0, 1);
	log_setlevel(LOG_NOTICE);
	ifaces_init();
	if (!strcmp(what, "igmp"))
		bench_igmp(n > 0 ? n : 100);
	else if (!strcmp(what, "mld"))
		bench_mld(n > 0 ? n : 100);
	else if (!strcmp(what, "route"))
		bench_route(n > 0 ? n : 100);
	else if (!strcmp(what, "upcall"))
		bench_upcall(n > 0 ? n : 100);
	else if (!strcmp(what, "mem"))
		bench_mem(n > 0 ? n : TABLE);
	else {
		fprintf(stderr, "usage: cgdrive igmp|mld|route|upcall [OPS]\n"
		    "       cgdrive mem [ROUTES]\n");
		return 2;
	}
	return failed;
}
