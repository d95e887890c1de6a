/*
 * test_mdb.c - membership database: RFC 3376 section 6.4 tables as
 * vectors, timers, compatibility, SSM, explicit tracking, fast leave,
 * last member queries, limits, and a 5000-group run checked against a
 * small reference model.
 *
 * Notation: sources are letters, 'a' = 10.0.0.1, 'b' = 10.0.0.2, ...
 * A state is written "INCLUDE a=OLD b=GMI" or "EXCLUDE GT=GMI b=OLD c=0"
 * with each timer as what is left of it: GMI (just set to the group
 * membership interval), OLD (untouched since the state was set up, 10 s
 * earlier), LMQT (lowered to the last member query time and its grace
 * for late answers, LMQW), 0 (stopped:
 * the exclude list Y).  Queries are "Q(G)" or "Q(G,be)", prefixed with
 * "S" when the Suppress Router-Side Processing flag is set, sorted and
 * joined with '|'.  Exit status 0 when every check passes.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "mdb.h"
#include "merge.h"

#define RV	2
#define QI	125000
#define QRI	10000
#define LMQI	1000
#define LMQC	2
#define GMI	(RV * QI + QRI)		/* 260000 */
#define LMQT	(LMQI * LMQC)		/* 2000 */
#define GRACE	(LMQI / 8)		/* 125, see mdb_grace() */
#define LMQW	(LMQT + GRACE)		/* a lowered timer */
#define OHPI	GMI
#define T0	1000			/* state set up at T0 ... */
#define DT	10000			/* ... record applied at T0 + DT */

static void
check_u(uint64_t got, uint64_t want, const char *what)
{
	char g[32], w[32];

	snprintf(g, sizeof(g), "%llu", (unsigned long long)got);
	snprintf(w, sizeof(w), "%llu", (unsigned long long)want);
	check_got(got == want, what, g, w);
}

static struct inet_addr
ip(const char *s)
{
	struct inet_addr a;

	if (inet_pton_any(s, &a) < 0) {
		fprintf(stderr, "bad address %s\n", s);
		exit(2);
	}
	return a;
}

static struct inet_addr
src(char c)
{
	struct inet_addr a;

	inet_any(&a, AF_INET);
	a.u.bytes[0] = 10;
	a.u.bytes[3] = (uint8_t)(c - 'a' + 1);
	return a;
}

static struct inet_addr
src6(char c)
{
	struct inet_addr a = ip("2001:db8::");

	a.u.bytes[15] = (uint8_t)(c - 'a' + 1);
	return a;
}

static char
letter(const struct inet_addr *a)
{
	return (char)('a' + a->u.bytes[a->family == AF_INET6 ? 15 : 3] - 1);
}

static struct mdb_params
params(int family)
{
	struct mdb_params p;

	memset(&p, 0, sizeof(p));
	p.family = family;
	p.robustness = RV;
	p.query_interval = QI;
	p.query_resp = QRI;
	p.lmqi = LMQI;
	p.lmqc = LMQC;
	p.version = 3;
	return p;
}

static struct mdb_if *
mkif(int family, bool fast_leave)
{
	struct mdb_params p = params(family);
	struct mdb_if *ifp;

	p.fast_leave = fast_leave;
	if ((ifp = mdb_if_create(&p)) == NULL) {
		fprintf(stderr, "mdb_if_create failed\n");
		exit(2);
	}
	return ifp;
}

/* Send one record; letters name the sources. */
static enum mdb_res
rec(struct mdb_if *ifp, enum mdb_rec_type type, const char *host,
    const char *grp, const char *letters, uint64_t now)
{
	struct inet_addr s[64];
	struct mdb_rec r;
	size_t n = 0;

	memset(&r, 0, sizeof(r));
	r.type = type;
	r.host = ip(host);
	r.group = ip(grp);
	for (; letters && *letters && n < 64; letters++)
		s[n++] = r.group.family == AF_INET6 ? src6(*letters) :
		    src(*letters);
	r.nsrc = n;
	r.srcs = n ? s : NULL;
	return mdb_record(ifp, &r, now);
}

static const char *
label(uint64_t left, char *buf, size_t len)
{
	if (left == GMI)
		return "GMI";
	if (left == GMI - DT)
		return "OLD";
	if (left == LMQW)
		return "LMQT";
	snprintf(buf, len, "%llu", (unsigned long long)left);
	return buf;
}

/* The router state of grp as a string, see the notation above. */
static char *
state(const struct mdb_if *ifp, const char *grp, uint64_t now)
{
	static char buf[512];
	const struct mdb_group *g;
	const struct mdb_source *s;
	struct mdb_group_info gi;
	struct mdb_source_info si;
	struct inet_addr ga = ip(grp);
	char tmp[32];
	size_t o;

	if ((g = mdb_group_find(ifp, &ga)) == NULL)
		return strcpy(buf, "none");
	mdb_group_info(g, now, &gi);
	o = (size_t)snprintf(buf, sizeof(buf), "%s", msf_mode_str[gi.mode]);
	if (gi.mode == MSF_EXCLUDE)
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, " GT=%s",
		    label(gi.timer, tmp, sizeof(tmp)));
	for (s = mdb_source_first(g); s; s = mdb_source_next(s)) {
		mdb_source_info(s, now, &si);
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, " %c=%s",
		    letter(&si.addr), si.timer ? label(si.timer, tmp,
		    sizeof(tmp)) : "0");
		if (o >= sizeof(buf))
			break;
	}
	return buf;
}

static int
strptrcmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Drain the query queue into a canonical string. */
static char *
queries(struct mdb_if *ifp)
{
	static char buf[1024];
	char *items[64], one[128];
	struct mdb_query *q;
	size_t n = 0, i, o;

	while ((q = mdb_query_pop(ifp)) != NULL) {
		o = (size_t)snprintf(one, sizeof(one), "%sQ(G",
		    q->sflag ? "S" : "");
		if (q->nsrc)
			one[o++] = ',';
		for (i = 0; i < q->nsrc && o + 3 < sizeof(one); i++)
			one[o++] = letter(&q->srcs[i]);
		snprintf(one + o, sizeof(one) - o, ")");
		if (n < 64)
			items[n++] = strdup(one);
		mdb_query_free(q);
	}
	qsort(items, n, sizeof(items[0]), strptrcmp);
	buf[0] = '\0';
	for (i = 0; i < n; i++) {
		if (i)
			strcat(buf, "|");
		strcat(buf, items[i]);
		free(items[i]);
	}
	return buf;
}

static size_t
changes(struct mdb_if *ifp)
{
	struct inet_addr g;
	size_t n = 0;

	while (mdb_change_pop(ifp, &g))
		n++;
	return n;
}

#define G	"239.1.1.1"
#define SETUP	"192.0.2.100"		/* host that builds the state */
#define H1	"192.0.2.1"
#define H2	"192.0.2.2"
#define H3	"192.0.2.3"

/*
 * RFC 3376 sections 6.4.1 and 6.4.2, every row.  The state before is
 * INCLUDE(A) with A = {a,b} or EXCLUDE(X,Y) with X = {a,b}, Y = {c,d};
 * the record is B = {b,c} for INCLUDE, A = {b,d,e} for EXCLUDE, so that
 * each of A*B, A-B, B-A, X*A, X-A, Y*A, Y-A, A-X-Y is non-empty.  Each
 * vector is run as querier (queries sent, timers lowered) and as a
 * non-querier (no Send Q action: the unlowered timers show the values
 * the table assigns, e.g. (A-X-Y)=Group Timer).
 */
static const struct row_vec {
	const char		*row;
	enum msf_mode		 mode;
	enum mdb_rec_type	 type;
	const char		*recsrc;
	const char		*after_q;	/* as querier */
	const char		*queries;
	const char		*after_nq;	/* as non-querier */
} rows[] = {
	/* 6.4.1 Reception of Current-State Records */
	{ "INCLUDE (A) IS_IN (B) -> INCLUDE (A+B); (B)=GMI",
	  MSF_INCLUDE, MDB_IS_IN, "bc",
	  "INCLUDE a=OLD b=GMI c=GMI", "",
	  "INCLUDE a=OLD b=GMI c=GMI" },
	{ "INCLUDE (A) IS_EX (B) -> EXCLUDE (A*B,B-A); (B-A)=0; "
	  "Delete (A-B); GT=GMI",
	  MSF_INCLUDE, MDB_IS_EX, "bc",
	  "EXCLUDE GT=GMI b=OLD c=0", "",
	  "EXCLUDE GT=GMI b=OLD c=0" },
	{ "EXCLUDE (X,Y) IS_IN (A) -> EXCLUDE (X+A,Y-A); (A)=GMI",
	  MSF_EXCLUDE, MDB_IS_IN, "bde",
	  "EXCLUDE GT=OLD a=OLD b=GMI c=0 d=GMI e=GMI", "",
	  "EXCLUDE GT=OLD a=OLD b=GMI c=0 d=GMI e=GMI" },
	{ "EXCLUDE (X,Y) IS_EX (A) -> EXCLUDE (A-Y,Y*A); (A-X-Y)=GMI; "
	  "Delete (X-A); Delete (Y-A); GT=GMI",
	  MSF_EXCLUDE, MDB_IS_EX, "bde",
	  "EXCLUDE GT=GMI b=OLD d=0 e=GMI", "",
	  "EXCLUDE GT=GMI b=OLD d=0 e=GMI" },
	/* 6.4.2 Reception of Filter-Mode-Change and Source-List-Change */
	{ "INCLUDE (A) ALLOW (B) -> INCLUDE (A+B); (B)=GMI",
	  MSF_INCLUDE, MDB_ALLOW, "bc",
	  "INCLUDE a=OLD b=GMI c=GMI", "",
	  "INCLUDE a=OLD b=GMI c=GMI" },
	{ "INCLUDE (A) BLOCK (B) -> INCLUDE (A); Send Q(G,A*B)",
	  MSF_INCLUDE, MDB_BLOCK, "bc",
	  "INCLUDE a=OLD b=LMQT", "Q(G,b)",
	  "INCLUDE a=OLD b=OLD" },
	{ "INCLUDE (A) TO_EX (B) -> EXCLUDE (A*B,B-A); (B-A)=0; "
	  "Delete (A-B); Send Q(G,A*B); GT=GMI",
	  MSF_INCLUDE, MDB_TO_EX, "bc",
	  "EXCLUDE GT=GMI b=LMQT c=0", "Q(G,b)",
	  "EXCLUDE GT=GMI b=OLD c=0" },
	{ "INCLUDE (A) TO_IN (B) -> INCLUDE (A+B); (B)=GMI; Send Q(G,A-B)",
	  MSF_INCLUDE, MDB_TO_IN, "bc",
	  "INCLUDE a=LMQT b=GMI c=GMI", "Q(G,a)",
	  "INCLUDE a=OLD b=GMI c=GMI" },
	{ "EXCLUDE (X,Y) ALLOW (A) -> EXCLUDE (X+A,Y-A); (A)=GMI",
	  MSF_EXCLUDE, MDB_ALLOW, "bde",
	  "EXCLUDE GT=OLD a=OLD b=GMI c=0 d=GMI e=GMI", "",
	  "EXCLUDE GT=OLD a=OLD b=GMI c=0 d=GMI e=GMI" },
	{ "EXCLUDE (X,Y) BLOCK (A) -> EXCLUDE (X+(A-Y),Y); "
	  "(A-X-Y)=Group Timer; Send Q(G,A-Y)",
	  MSF_EXCLUDE, MDB_BLOCK, "bde",
	  "EXCLUDE GT=OLD a=OLD b=LMQT c=0 d=0 e=LMQT", "Q(G,be)",
	  "EXCLUDE GT=OLD a=OLD b=OLD c=0 d=0 e=OLD" },
	{ "EXCLUDE (X,Y) TO_EX (A) -> EXCLUDE (A-Y,Y*A); "
	  "(A-X-Y)=Group Timer; Delete (X-A); Delete (Y-A); "
	  "Send Q(G,A-Y); GT=GMI",
	  MSF_EXCLUDE, MDB_TO_EX, "bde",
	  "EXCLUDE GT=GMI b=LMQT d=0 e=LMQT", "Q(G,be)",
	  "EXCLUDE GT=GMI b=OLD d=0 e=OLD" },
	{ "EXCLUDE (X,Y) TO_IN (A) -> EXCLUDE (X+A,Y-A); (A)=GMI; "
	  "Send Q(G,X-A); Send Q(G)",
	  MSF_EXCLUDE, MDB_TO_IN, "bde",
	  "EXCLUDE GT=LMQT a=LMQT b=GMI c=0 d=GMI e=GMI", "Q(G)|Q(G,a)",
	  "EXCLUDE GT=OLD a=OLD b=GMI c=0 d=GMI e=GMI" },
};

/* Group and hosts of the row vectors, per family. */
static const struct {
	int		 family;
	const char	*name;
	const char	*grp;
	const char	*setup;
	const char	*host;
} fam[] = {
	{ AF_INET, "IGMPv3", G, SETUP, H1 },
	{ AF_INET6, "MLDv2", "ff0e::1:2", "fe80::100", "fe80::1" },
};

static void
setup_state(struct mdb_if *ifp, int f, enum msf_mode mode)
{
	if (mode == MSF_INCLUDE)
		rec(ifp, MDB_IS_IN, fam[f].setup, fam[f].grp, "ab", T0);
	else {
		rec(ifp, MDB_IS_EX, fam[f].setup, fam[f].grp, "cd", T0);
		rec(ifp, MDB_IS_IN, fam[f].setup, fam[f].grp, "ab", T0);
	}
	queries(ifp);
	changes(ifp);
}

static void
test_rows(void)
{
	const struct row_vec *v;
	struct mdb_if *ifp;
	char what[512], want[512], got[512];
	const char *grp;
	size_t i, f;
	int querier;

	for (f = 0; f < sizeof(fam) / sizeof(fam[0]); f++) {
		grp = fam[f].grp;
		/* The set-up itself. */
		ifp = mkif(fam[f].family, false);
		setup_state(ifp, f, MSF_INCLUDE);
		snprintf(what, sizeof(what), "%s set-up INCLUDE(A)",
		    fam[f].name);
		check_got(strcmp(state(ifp, grp, T0),
		    "INCLUDE a=GMI b=GMI") == 0, what, state(ifp, grp, T0),
		    "INCLUDE a=GMI b=GMI");
		mdb_if_destroy(ifp);
		ifp = mkif(fam[f].family, false);
		setup_state(ifp, f, MSF_EXCLUDE);
		snprintf(what, sizeof(what), "%s set-up EXCLUDE(X,Y)",
		    fam[f].name);
		check_got(strcmp(state(ifp, grp, T0),
		    "EXCLUDE GT=GMI a=GMI b=GMI c=0 d=0") == 0, what,
		    state(ifp, grp, T0), "EXCLUDE GT=GMI a=GMI b=GMI c=0 d=0");
		mdb_if_destroy(ifp);

		for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
			v = &rows[i];
			for (querier = 1; querier >= 0; querier--) {
				ifp = mkif(fam[f].family, false);
				mdb_if_set_querier(ifp, querier);
				setup_state(ifp, f, v->mode);
				rec(ifp, v->type, fam[f].host, grp, v->recsrc,
				    T0 + DT);
				snprintf(what, sizeof(what),
				    "%s %s [%s]: state", fam[f].name, v->row,
				    querier ? "querier" : "non-querier");
				snprintf(want, sizeof(want), "%s",
				    querier ? v->after_q : v->after_nq);
				snprintf(got, sizeof(got), "%s",
				    state(ifp, grp, T0 + DT));
				check_got(strcmp(got, want) == 0, what, got,
				    want);
				snprintf(what, sizeof(what),
				    "%s %s [%s]: queries", fam[f].name, v->row,
				    querier ? "querier" : "non-querier");
				snprintf(want, sizeof(want), "%s",
				    querier ? v->queries : "");
				snprintf(got, sizeof(got), "%s", queries(ifp));
				check_got(strcmp(got, want) == 0, what, got,
				    want);
				mdb_if_destroy(ifp);
			}
		}
	}
}

/* Transitions from the initial INCLUDE({}) of a group with no record. */
static void
test_new_group(void)
{
	struct mdb_if *ifp = mkif(AF_INET, false);

	check_got(rec(ifp, MDB_IS_IN, H1, G, "", 0) == MDB_NOOP,
	    "INCLUDE({}) IS_IN({}): no-op", NULL, NULL);
	check_got(rec(ifp, MDB_TO_IN, H1, G, "", 0) == MDB_NOOP &&
	    rec(ifp, MDB_BLOCK, H1, G, "a", 0) == MDB_NOOP &&
	    rec(ifp, MDB_ALLOW, H1, G, "", 0) == MDB_NOOP,
	    "INCLUDE({}) TO_IN({}), BLOCK(a), ALLOW({}): no-op", NULL, NULL);
	check_got(mdb_group_count(ifp) == 0 && changes(ifp) == 0 &&
	    queries(ifp)[0] == '\0', "no group, change or query", NULL, NULL);
	rec(ifp, MDB_TO_EX, H1, G, "", 0);
	check_got(strcmp(state(ifp, G, 0), "EXCLUDE GT=GMI") == 0,
	    "INCLUDE({}) TO_EX({}) -> EXCLUDE({},{}), GT=GMI",
	    state(ifp, G, 0), "EXCLUDE GT=GMI");
	check_got(changes(ifp) == 1, "group creation is a change", NULL, NULL);
	rec(ifp, MDB_IS_EX, H1, G, "", 100);
	check_got(changes(ifp) == 0, "timer refresh is not a change", NULL,
	    NULL);
	rec(ifp, MDB_TO_IN, H1, G, "", 200);
	check_got(strcmp(state(ifp, G, 200), "EXCLUDE GT=LMQT") == 0 &&
	    strcmp(queries(ifp), "Q(G)") == 0,
	    "EXCLUDE({},{}) TO_IN({}) -> GT=LMQT, Q(G)", state(ifp, G, 200),
	    "EXCLUDE GT=LMQT");
	check_got(strcmp(mdb_last_row(ifp), "EXCLUDE (X,Y) TO_IN (A)") == 0,
	    "last row names the table cell", mdb_last_row(ifp),
	    "EXCLUDE (X,Y) TO_IN (A)");
	mdb_if_destroy(ifp);
}

static void
test_expiry(void)
{
	struct mdb_if *ifp = mkif(AF_INET, false);
	struct inet_addr ga = ip(G), a = src('a'), c = src('c'), z = src('z');

	/* INCLUDE: a source timer reaching 0 removes the source. */
	rec(ifp, MDB_IS_IN, H1, G, "a", 0);
	rec(ifp, MDB_IS_IN, H1, G, "b", 5000);
	changes(ifp);
	check_u(mdb_next_deadline(ifp), GMI, "next deadline is a's timer");
	mdb_tick(ifp, GMI - 1);
	check_got(strcmp(state(ifp, G, GMI - 1), "INCLUDE a=1 b=5001") == 0,
	    "nothing expires before the deadline", state(ifp, G, GMI - 1),
	    "INCLUDE a=1 b=5001");
	mdb_tick(ifp, GMI);
	check_got(strcmp(state(ifp, G, GMI), "INCLUDE b=5000") == 0,
	    "INCLUDE: expired source removed", state(ifp, G, GMI),
	    "INCLUDE b=5000");
	check_got(changes(ifp) == 1 && !mdb_wants(ifp, &a, &ga),
	    "source removal is a change, a no longer forwarded", NULL, NULL);
	mdb_tick(ifp, GMI + 5000);
	check_got(strcmp(state(ifp, G, GMI + 5000), "none") == 0,
	    "INCLUDE: last source expired deletes the group",
	    state(ifp, G, GMI + 5000), "none");
	check_got(changes(ifp) == 1, "group deletion is a change", NULL, NULL);
	check_u(mdb_next_deadline(ifp), UINT64_MAX, "no deadline left");
	mdb_if_destroy(ifp);

	/* EXCLUDE: a source timer reaching 0 moves it to Y. */
	ifp = mkif(AF_INET, false);
	rec(ifp, MDB_IS_EX, H1, G, "c", 0);
	rec(ifp, MDB_IS_IN, H2, G, "a", 100000);
	mdb_tick(ifp, 100000);
	check_got(mdb_wants(ifp, &a, &ga) && !mdb_wants(ifp, &c, &ga) &&
	    mdb_wants(ifp, &z, &ga) && mdb_wants(ifp, NULL, &ga),
	    "6.3: EXCLUDE forwards X and unlisted, not Y", NULL, NULL);
	/* The group timer (GMI) runs out first: a still runs. */
	mdb_tick(ifp, GMI);
	check_got(strcmp(state(ifp, G, GMI), "INCLUDE a=100000") == 0,
	    "6.5: group timer expiry -> INCLUDE with running sources",
	    state(ifp, G, GMI), "INCLUDE a=100000");
	check_got(!mdb_wants(ifp, &z, &ga) && mdb_wants(ifp, &a, &ga),
	    "6.3: INCLUDE forwards only its sources", NULL, NULL);
	mdb_tick(ifp, GMI + 100000);
	check_got(strcmp(state(ifp, G, GMI + 100000), "none") == 0,
	    "then the INCLUDE source expires and the group goes",
	    state(ifp, G, GMI + 100000), "none");
	mdb_if_destroy(ifp);

	ifp = mkif(AF_INET, false);
	rec(ifp, MDB_IS_EX, H1, G, "c", 0);
	rec(ifp, MDB_ALLOW, H2, G, "a", 0);
	mdb_tick(ifp, GMI - 1);
	/* Source a expires in the same instant: nothing runs at GT 0. */
	mdb_tick(ifp, GMI);
	check_got(strcmp(state(ifp, G, GMI), "none") == 0,
	    "6.5: group timer expiry with no running source deletes group",
	    state(ifp, G, GMI), "none");
	mdb_if_destroy(ifp);

	ifp = mkif(AF_INET, false);
	rec(ifp, MDB_IS_EX, H1, G, "", 0);
	rec(ifp, MDB_ALLOW, H2, G, "a", 0);
	/* X*A keeps its timer; IS_EX({}) would delete X-A. */
	rec(ifp, MDB_IS_EX, H1, G, "a", 1000);
	changes(ifp);
	mdb_tick(ifp, GMI);
	check_got(strcmp(state(ifp, G, GMI), "EXCLUDE GT=1000 a=0") == 0,
	    "6.2.3: EXCLUDE source timer expiry keeps the record in Y",
	    state(ifp, G, GMI), "EXCLUDE GT=1000 a=0");
	check_got(!mdb_wants(ifp, &a, &ga), "and blocks it", NULL, NULL);
	/* Found by fuzz_mdb: the move to Y was not reported. */
	check_got(changes(ifp) == 1, "the move to Y is a change (the "
	    "routes and the upstream filter follow)", NULL, NULL);
	mdb_if_destroy(ifp);
}

/* Section 6.6.3: retransmissions and the S flag. */
static void
test_lmq(void)
{
	struct mdb_if *ifp = mkif(AF_INET, false);
	const struct mdb_stats *st = mdb_if_stats(ifp);

	/* Q(G,A): a report during the procedure sets the S flag. */
	rec(ifp, MDB_IS_IN, H1, G, "ab", 0);
	rec(ifp, MDB_BLOCK, H1, G, "b", 10000);
	check_got(strcmp(queries(ifp), "Q(G,b)") == 0, "BLOCK: Q(G,b) at once",
	    NULL, NULL);
	check_u(mdb_next_deadline(ifp), 10000 + LMQI,
	    "retransmission scheduled LMQI later");
	rec(ifp, MDB_BLOCK, H1, G, "b", 10500);
	check_got(strcmp(queries(ifp), "") == 0 &&
	    strcmp(state(ifp, G, 10500), "INCLUDE a=249500 b=1625") == 0,
	    "repeated BLOCK during the procedure: timer not raised, no query",
	    state(ifp, G, 10500), "INCLUDE a=249500 b=1625");
	rec(ifp, MDB_IS_IN, H2, G, "b", 10600);
	mdb_tick(ifp, 11000);
	check_got(strcmp(queries(ifp), "SQ(G,b)") == 0,
	    "retransmission for a refreshed source has S set", NULL, NULL);
	mdb_tick(ifp, 20000);
	check_got(strcmp(queries(ifp), "") == 0,
	    "LMQC transmissions in all", NULL, NULL);
	check_got(strcmp(state(ifp, G, 20000),
	    "INCLUDE a=240000 b=250600") == 0,
	    "refreshed source survives", state(ifp, G, 20000),
	    "INCLUDE a=240000 b=250600");
	mdb_if_destroy(ifp);

	/* Q(G,A) without answer: the source goes at LMQT. */
	ifp = mkif(AF_INET, false);
	rec(ifp, MDB_IS_IN, H1, G, "ab", 0);
	rec(ifp, MDB_BLOCK, H1, G, "b", 10000);
	mdb_tick(ifp, 10000 + LMQI);
	check_got(strcmp(queries(ifp), "Q(G,b)|Q(G,b)") == 0,
	    "unanswered: second Q(G,b) with S clear", NULL, NULL);
	mdb_tick(ifp, 10000 + LMQW - 1);
	check_got(strcmp(state(ifp, G, 10000 + LMQW - 1),
	    "INCLUDE a=247876 b=1") == 0,
	    "source alive until LMQT and its grace", NULL, NULL);
	mdb_tick(ifp, 10000 + LMQW);
	check_got(strcmp(state(ifp, G, 10000 + LMQW), "INCLUDE a=247875") == 0,
	    "source removed at LMQT and its grace", state(ifp, G, 10000 + LMQW),
	    "INCLUDE a=247875");
	mdb_if_destroy(ifp);

	/* Q(G) and Q(G,A) together; the S-set Q(G,A) is suppressed. */
	ifp = mkif(AF_INET, false);
	st = mdb_if_stats(ifp);
	rec(ifp, MDB_IS_EX, H1, G, "", 0);
	rec(ifp, MDB_ALLOW, H2, G, "a", 0);
	rec(ifp, MDB_TO_IN, H1, G, "", 1000);
	check_got(strcmp(queries(ifp), "Q(G)|Q(G,a)") == 0,
	    "TO_IN({}) in EXCLUDE: Q(G) and Q(G,X)", NULL, NULL);
	rec(ifp, MDB_ALLOW, H2, G, "a", 1500);
	rec(ifp, MDB_IS_EX, H3, G, "", 1600);
	mdb_tick(ifp, 2000);
	check_got(strcmp(queries(ifp), "SQ(G)") == 0,
	    "retransmission: Q(G) with S set, S-set Q(G,A) suppressed",
	    NULL, NULL);
	check_u(st->queries, 3, "queries counted");
	mdb_if_destroy(ifp);
}

/*
 * Late answers (mdb_grace()): a member that answers the last specific
 * query at the end of its window, a little after LMQT, keeps its state
 * and nothing changes; the grace is LMQI / 8, at least 100 ms, at most
 * LMQI; nobody answering still ends the state at LMQT + grace.
 */
static void
test_late_answer(void)
{
	static const struct {
		uint64_t	 lmqi;
		unsigned	 lmqc;
		uint64_t	 grace;
	} gr[] = {
		{ 1000, 2, 125 }, { 300, 2, 100 }, { 2400, 1, 300 },
		{ 50, 3, 50 },
	};
	struct mdb_params p;
	struct mdb_if *ifp;
	struct mdb_group_info gi;
	struct inet_addr ga;
	char what[128];
	size_t i, f;

	for (f = 0; f < 2; f++) {
		const char *g = fam[f].grp, *h = fam[f].host;

		/* EXCLUDE: the leave's Q(G), answered at LMQT + 124 ms. */
		ifp = mkif(fam[f].family, false);
		rec(ifp, MDB_IS_EX, h, g, "", 0);
		changes(ifp);
		rec(ifp, MDB_TO_IN, h, g, "", 10000);
		queries(ifp);
		changes(ifp);
		mdb_tick(ifp, 10000 + LMQI);
		snprintf(what, sizeof(what), "%s: second Q(G), S clear",
		    fam[f].name);
		check_got(strcmp(queries(ifp), "Q(G)") == 0, what, NULL, NULL);
		rec(ifp, MDB_IS_EX, h, g, "", 10000 + LMQT + GRACE - 1);
		snprintf(what, sizeof(what), "%s: an answer %d ms after LMQT "
		    "keeps the group with GT=GMI", fam[f].name, GRACE - 1);
		check_got(strcmp(state(ifp, g, 10000 + LMQT + GRACE - 1),
		    "EXCLUDE GT=GMI") == 0, what,
		    state(ifp, g, 10000 + LMQT + GRACE - 1), "EXCLUDE GT=GMI");
		snprintf(what, sizeof(what), "%s: and changes nothing (no "
		    "route or upstream update)", fam[f].name);
		check_got(changes(ifp) == 0, what, NULL, NULL);
		mdb_tick(ifp, 10000 + LMQT + GRACE + 1000);
		check_got(strcmp(queries(ifp), "") == 0 &&
		    changes(ifp) == 0, "no more queries or changes after it",
		    NULL, NULL);
		mdb_if_destroy(ifp);

		/* INCLUDE: the BLOCK's Q(G,a), answered late too. */
		ifp = mkif(fam[f].family, false);
		rec(ifp, MDB_IS_IN, h, g, "ab", 0);
		changes(ifp);
		rec(ifp, MDB_BLOCK, h, g, "a", 10000);
		queries(ifp);
		mdb_tick(ifp, 10000 + LMQI);
		queries(ifp);
		rec(ifp, MDB_IS_IN, h, g, "ab", 10000 + LMQT + GRACE - 1);
		snprintf(what, sizeof(what), "%s: a late answer to Q(G,a) "
		    "keeps source a", fam[f].name);
		check_got(strcmp(state(ifp, g, 10000 + LMQT + GRACE - 1),
		    "INCLUDE a=GMI b=GMI") == 0 && changes(ifp) == 0, what,
		    state(ifp, g, 10000 + LMQT + GRACE - 1),
		    "INCLUDE a=GMI b=GMI");
		mdb_if_destroy(ifp);
	}

	/* The grace by LMQI: the lowered group timer, and its expiry. */
	for (i = 0; i < sizeof(gr) / sizeof(gr[0]); i++) {
		uint64_t w = gr[i].lmqi * gr[i].lmqc + gr[i].grace;

		p = params(AF_INET);
		p.lmqi = gr[i].lmqi;
		p.lmqc = gr[i].lmqc;
		ifp = mdb_if_create(&p);
		ga = ip(G);
		rec(ifp, MDB_IS_EX, H1, G, "", 0);
		rec(ifp, MDB_TO_IN, H1, G, "", 1000);
		mdb_group_info(mdb_group_find(ifp, &ga), 1000, &gi);
		snprintf(what, sizeof(what), "LMQI %llu, LMQC %u: group timer "
		    "lowered to LMQT + %llu", (unsigned long long)gr[i].lmqi,
		    gr[i].lmqc, (unsigned long long)gr[i].grace);
		check_u(gi.timer, w, what);
		check_u(mdb_if_lmq_wait(ifp), w, "mdb_if_lmq_wait() says so");
		mdb_tick(ifp, 1000 + w - 1);
		check_got(mdb_group_count(ifp) == 1,
		    "unanswered: alive until then", NULL, NULL);
		mdb_tick(ifp, 1000 + w);
		check_got(mdb_group_count(ifp) == 0,
		    "unanswered: gone at LMQT + grace", NULL, NULL);
		mdb_if_destroy(ifp);
	}
}

/* Section 7.3.2 and RFC 3810 section 8.3.2. */
static void
test_compat(void)
{
	struct mdb_if *ifp = mkif(AF_INET, false);
	const struct mdb_group *g;
	struct mdb_group_info gi;
	struct mdb_params p;
	struct inet_addr ga = ip(G);

	check_got(rec(ifp, MDB_V2_REPORT, H1, G, NULL, 0) == MDB_APPLIED &&
	    strcmp(state(ifp, G, 0), "EXCLUDE GT=GMI") == 0,
	    "v2 report = IS_EX({})", state(ifp, G, 0), "EXCLUDE GT=GMI");
	g = mdb_group_find(ifp, &ga);
	mdb_group_info(g, 0, &gi);
	check_got(gi.compat == 2 && gi.v2_timer == OHPI && gi.v1_timer == 0,
	    "v2 report: IGMPv2 mode, v2 Host Present = OHPI", NULL, NULL);
	check_got(rec(ifp, MDB_BLOCK, H3, G, "a", 100) == MDB_IGN_COMPAT,
	    "v2 mode: BLOCK ignored", NULL, NULL);
	rec(ifp, MDB_TO_EX, H3, G, "a", 100);
	check_got(strcmp(state(ifp, G, 100), "EXCLUDE GT=GMI") == 0,
	    "v2 mode: TO_EX(a) taken as TO_EX({})", state(ifp, G, 100),
	    "EXCLUDE GT=GMI");
	rec(ifp, MDB_V2_LEAVE, H3, G, NULL, 200);
	rec(ifp, MDB_V2_LEAVE, H1, G, NULL, 200);
	check_got(strcmp(state(ifp, G, 200), "EXCLUDE GT=LMQT") == 0 &&
	    strcmp(queries(ifp), "Q(G)|Q(G)") == 0,
	    "v2 leave = TO_IN({}): Q(G), GT=LMQT", state(ifp, G, 200),
	    "EXCLUDE GT=LMQT");
	mdb_tick(ifp, 200 + LMQW);
	check_got(strcmp(state(ifp, G, 200 + LMQW), "none") == 0,
	    "no report after the leave: group gone at LMQT and its grace",
	    NULL, NULL);
	queries(ifp);

	/* Compat timer expiry returns to v3. */
	rec(ifp, MDB_V2_REPORT, H1, G, NULL, 0);
	rec(ifp, MDB_IS_EX, H2, G, "", OHPI - 1000);
	check_got(rec(ifp, MDB_BLOCK, H2, G, "a", OHPI - 1) == MDB_IGN_COMPAT,
	    "BLOCK ignored while v2 Host Present runs", NULL, NULL);
	mdb_tick(ifp, OHPI);
	mdb_group_info(mdb_group_find(ifp, &ga), OHPI, &gi);
	check_got(gi.compat == 3, "v2 Host Present expiry: back to IGMPv3",
	    NULL, NULL);
	check_got(rec(ifp, MDB_BLOCK, H2, G, "a", OHPI) == MDB_APPLIED &&
	    strcmp(state(ifp, G, OHPI), "EXCLUDE GT=259000 a=LMQT") == 0,
	    "v3 mode: BLOCK processed again", state(ifp, G, OHPI),
	    "EXCLUDE GT=259000 a=LMQT");
	mdb_if_destroy(ifp);

	/* IGMPv1 mode. */
	ifp = mkif(AF_INET, false);
	rec(ifp, MDB_V1_REPORT, H1, G, NULL, 0);
	mdb_group_info(mdb_group_find(ifp, &ga), 0, &gi);
	check_got(gi.compat == 1 && gi.v1_timer == OHPI &&
	    strcmp(state(ifp, G, 0), "EXCLUDE GT=GMI") == 0,
	    "v1 report = IS_EX({}), IGMPv1 mode", NULL, NULL);
	rec(ifp, MDB_V2_REPORT, H2, G, NULL, 10);
	mdb_group_info(mdb_group_find(ifp, &ga), 10, &gi);
	check_got(gi.compat == 1 && gi.v2_timer == OHPI,
	    "v2 report in v1 mode: still IGMPv1 mode", NULL, NULL);
	check_got(rec(ifp, MDB_V2_LEAVE, H2, G, NULL, 20) == MDB_IGN_COMPAT &&
	    rec(ifp, MDB_TO_IN, H2, G, "", 20) == MDB_IGN_COMPAT &&
	    rec(ifp, MDB_BLOCK, H2, G, "a", 20) == MDB_IGN_COMPAT,
	    "v1 mode: v2 leave, TO_IN and BLOCK ignored", NULL, NULL);
	check_got(strcmp(state(ifp, G, 20), "EXCLUDE GT=259990") == 0 &&
	    strcmp(queries(ifp), "") == 0, "v1 mode: leave sends no query",
	    state(ifp, G, 20), "EXCLUDE GT=259990");
	check_got(mdb_member_find(mdb_group_find(ifp, &ga), &(struct inet_addr){
	    0 }) == NULL, "member lookup of unknown host", NULL, NULL);
	mdb_tick(ifp, OHPI + 5);
	mdb_group_info(mdb_group_find(ifp, &ga), OHPI + 5, &gi);
	check_got(gi.compat == 2,
	    "v1 timer expired, v2 still runs: IGMPv2 mode", NULL, NULL);
	mdb_if_destroy(ifp);

	/* Configured versions. */
	p = params(AF_INET);
	p.version = 2;
	ifp = mdb_if_create(&p);
	check_got(rec(ifp, MDB_IS_EX, H1, G, "", 0) == MDB_IGN_VERSION,
	    "configured v2: IGMPv3 record ignored", NULL, NULL);
	check_got(rec(ifp, MDB_V2_REPORT, H1, G, NULL, 0) == MDB_APPLIED,
	    "configured v2: v2 report applied", NULL, NULL);
	mdb_group_info(mdb_group_find(ifp, &ga), 0, &gi);
	check_got(gi.compat == 2, "configured v2 caps the mode", NULL, NULL);
	mdb_if_destroy(ifp);
	p.version = 1;
	ifp = mdb_if_create(&p);
	check_got(rec(ifp, MDB_V2_REPORT, H1, G, NULL, 0) == MDB_IGN_VERSION &&
	    rec(ifp, MDB_V1_REPORT, H1, G, NULL, 0) == MDB_APPLIED,
	    "configured v1: only v1 reports", NULL, NULL);
	check_got(rec(ifp, MDB_V2_LEAVE, H1, G, NULL, 0) == MDB_IGN_VERSION,
	    "configured v1: leaves ignored", NULL, NULL);
	mdb_if_destroy(ifp);

	/* MLD: MLDv1 is version 2, there is no version 1. */
	ifp = mkif(AF_INET6, false);
	check_got(rec(ifp, MDB_V2_REPORT, "fe80::1", "ff05::1", NULL, 0) ==
	    MDB_APPLIED && strcmp(state(ifp, "ff05::1", 0),
	    "EXCLUDE GT=GMI") == 0, "MLDv1 report = IS_EX({})", NULL, NULL);
	check_got(rec(ifp, MDB_BLOCK, "fe80::2", "ff05::1", "a", 0) ==
	    MDB_IGN_COMPAT, "MLDv1 mode: BLOCK ignored", NULL, NULL);
	rec(ifp, MDB_V2_LEAVE, "fe80::1", "ff05::1", NULL, 10);
	check_got(strcmp(state(ifp, "ff05::1", 10), "EXCLUDE GT=LMQT") == 0 &&
	    strcmp(queries(ifp), "Q(G)") == 0,
	    "MLDv1 done = TO_IN({})", NULL, NULL);
	check_got(rec(ifp, MDB_V1_REPORT, "fe80::1", "ff05::1", NULL, 0) ==
	    MDB_IGN_INVALID, "no IGMPv1 report in MLD", NULL, NULL);
	check_got(rec(ifp, MDB_IS_EX, "fe80::1", G, "", 0) == MDB_IGN_INVALID,
	    "IPv4 group on an MLD interface is invalid", NULL, NULL);
	rec(ifp, MDB_TO_EX, "fe80::3", "ff05::2", "ab", 20);
	check_got(strcmp(state(ifp, "ff05::2", 20),
	    "EXCLUDE GT=GMI a=0 b=0") == 0,
	    "MLDv2 TO_EX(ab) on a new group", state(ifp, "ff05::2", 20),
	    "EXCLUDE GT=GMI a=0 b=0");
	mdb_if_destroy(ifp);
}

/* RFC 4604 section 2.2.1. */
static void
test_ssm(void)
{
	struct mdb_if *ifp = mkif(AF_INET, false);
	const char *S = "232.1.1.1";
	const struct mdb_stats *st = mdb_if_stats(ifp);

	check_got(rec(ifp, MDB_IS_EX, H1, S, "", 0) == MDB_IGN_SSM &&
	    rec(ifp, MDB_TO_EX, H1, S, "a", 0) == MDB_IGN_SSM &&
	    rec(ifp, MDB_V2_REPORT, H1, S, NULL, 0) == MDB_IGN_SSM &&
	    rec(ifp, MDB_V1_REPORT, H1, S, NULL, 0) == MDB_IGN_SSM &&
	    rec(ifp, MDB_V2_LEAVE, H1, S, NULL, 0) == MDB_IGN_SSM,
	    "SSM: IS_EX, TO_EX, v1/v2 report and leave ignored", NULL, NULL);
	check_got(mdb_group_count(ifp) == 0 && st->rec[MDB_IGN_SSM] == 5,
	    "SSM: no state, ignores counted", NULL, NULL);
	rec(ifp, MDB_IS_IN, H1, S, "ab", 0);
	rec(ifp, MDB_ALLOW, H1, S, "c", 0);
	check_got(strcmp(state(ifp, S, 0), "INCLUDE a=GMI b=GMI c=GMI") == 0,
	    "SSM: IS_IN and ALLOW build INCLUDE state", state(ifp, S, 0),
	    "INCLUDE a=GMI b=GMI c=GMI");
	rec(ifp, MDB_BLOCK, H1, S, "a", 10);
	rec(ifp, MDB_TO_IN, H1, S, "bc", 10);
	check_got(strcmp(queries(ifp), "Q(G,a)") == 0,
	    "SSM: BLOCK sends Q(G,S), never Q(G)", NULL, NULL);
	check_got(rec(ifp, MDB_TO_EX, H1, S, "", 20) == MDB_IGN_SSM &&
	    strcmp(state(ifp, S, 20), "INCLUDE a=2115 b=259990 c=259990") == 0,
	    "SSM: existing state untouched by TO_EX", state(ifp, S, 20),
	    "INCLUDE a=2115 b=259990 c=259990");
	mdb_if_destroy(ifp);

	ifp = mkif(AF_INET6, false);
	check_got(rec(ifp, MDB_IS_EX, "fe80::1", "ff3e::8000:1", "", 0) ==
	    MDB_IGN_SSM && rec(ifp, MDB_IS_IN, "fe80::1", "ff3e::8000:1", "a",
	    0) == MDB_APPLIED, "SSM ff3x::/32: EXCLUDE ignored, INCLUDE kept",
	    NULL, NULL);
	/* RFC 3306 unicast-prefix groups (ff3x:00LL:prefix) are ASM. */
	check_got(rec(ifp, MDB_IS_EX, "fe80::1", "ff3e:40:2001:db8::1", "",
	    0) == MDB_APPLIED, "ff3e:40:2001:db8::1 is not SSM: EXCLUDE kept",
	    NULL, NULL);
	check_got(rec(ifp, MDB_IS_EX, "fe80::1", "ff02::fb", "", 0) ==
	    MDB_IGN_LINKLOCAL, "link-local IPv6 group ignored", NULL, NULL);
	mdb_if_destroy(ifp);

	ifp = mkif(AF_INET, false);
	check_got(rec(ifp, MDB_IS_EX, H1, "224.0.0.251", "", 0) ==
	    MDB_IGN_LINKLOCAL && mdb_group_count(ifp) == 0,
	    "link-local IPv4 group ignored", NULL, NULL);
	check_got(rec(ifp, MDB_IS_EX, H1, "10.1.1.1", "", 0) == MDB_IGN_INVALID,
	    "unicast group invalid", NULL, NULL);
	mdb_if_destroy(ifp);
}

static int
member_str(const struct mdb_if *ifp, const char *grp, char *buf,
    size_t len)
{
	const struct mdb_group *g;
	const struct mdb_member *m;
	const struct mdb_hsrc *h;
	struct mdb_member_info mi;
	struct inet_addr ga = ip(grp);
	char host[INET6_ADDRSTRLEN];
	size_t o = 0;
	int n = 0;

	buf[0] = '\0';
	if ((g = mdb_group_find(ifp, &ga)) == NULL)
		return 0;
	for (m = mdb_member_first(g); m; m = mdb_member_next(m), n++) {
		mdb_member_info(m, 0, &mi);
		inet_str(&mi.host, host, sizeof(host));
		o += (size_t)snprintf(buf + o, len - o, "%s%s:%s(", o ? " " :
		    "", host, mi.mode == MSF_INCLUDE ? "IN" : "EX");
		for (h = mdb_member_src_first(m); h; h = mdb_member_src_next(h))
			o += (size_t)snprintf(buf + o, len - o, "%c",
			    letter(mdb_hsrc_addr(h)));
		o += (size_t)snprintf(buf + o, len - o, ")");
	}
	return n;
}

static void
test_tracking(void)
{
	struct mdb_if *ifp = mkif(AF_INET, true);
	const struct mdb_stats *st = mdb_if_stats(ifp);
	char buf[256];
	struct inet_addr ga = ip(G), h1 = ip(H1), h2 = ip(H2);

	/* Explicit host state. */
	rec(ifp, MDB_IS_IN, H1, G, "ab", 0);
	rec(ifp, MDB_TO_EX, H2, G, "c", 0);
	member_str(ifp, G, buf, sizeof(buf));
	check_got(strcmp(buf, "192.0.2.1:IN(ab) 192.0.2.2:EX(c)") == 0,
	    "hosts tracked with their own filters", buf,
	    "192.0.2.1:IN(ab) 192.0.2.2:EX(c)");
	rec(ifp, MDB_ALLOW, H1, G, "d", 1);
	rec(ifp, MDB_BLOCK, H2, G, "d", 1);
	rec(ifp, MDB_ALLOW, H2, G, "c", 1);
	member_str(ifp, G, buf, sizeof(buf));
	check_got(strcmp(buf, "192.0.2.1:IN(abd) 192.0.2.2:EX(d)") == 0,
	    "ALLOW/BLOCK edit a host's list per its mode", buf,
	    "192.0.2.1:IN(abd) 192.0.2.2:EX(d)");
	check_got(mdb_host_groups(ifp, &h1) == 1 &&
	    mdb_host_groups(ifp, &h2) == 1, "groups per host", NULL, NULL);
	mdb_if_destroy(ifp);

	/* Fast leave, two v3 hosts in EXCLUDE: one leaves, one stays. */
	ifp = mkif(AF_INET, true);
	st = mdb_if_stats(ifp);
	rec(ifp, MDB_IS_EX, H1, G, "", 0);
	rec(ifp, MDB_IS_EX, H2, G, "", 0);
	rec(ifp, MDB_TO_IN, H1, G, "", 1000);
	member_str(ifp, G, buf, sizeof(buf));
	check_got(strcmp(state(ifp, G, 1000), "EXCLUDE GT=259000") == 0 &&
	    strcmp(buf, "192.0.2.2:EX()") == 0 && queries(ifp)[0] == '\0',
	    "fast leave: H1 leaves, H2 keeps the group, no query",
	    state(ifp, G, 1000), "EXCLUDE GT=259000");
	changes(ifp);
	rec(ifp, MDB_TO_IN, H2, G, "", 2000);
	check_got(strcmp(state(ifp, G, 2000), "none") == 0 &&
	    queries(ifp)[0] == '\0' && changes(ifp) == 1,
	    "fast leave: last host leaves, group deleted at once",
	    state(ifp, G, 2000), "none");
	check_got(st->fast_leaves == 1, "fast leaves counted", NULL, NULL);
	check_got(mdb_host_groups(ifp, &h1) == 0 &&
	    mdb_host_groups(ifp, &h2) == 0, "hosts forgotten with the group",
	    NULL, NULL);
	check_u(mdb_next_deadline(ifp), UINT64_MAX, "no timer left behind");
	mdb_if_destroy(ifp);

	/* Fast leave in INCLUDE mode, per source. */
	ifp = mkif(AF_INET, true);
	rec(ifp, MDB_IS_IN, H1, G, "ab", 0);
	rec(ifp, MDB_IS_IN, H2, G, "b", 0);
	rec(ifp, MDB_BLOCK, H1, G, "b", 10);
	check_got(strcmp(state(ifp, G, 10), "INCLUDE a=259990 b=259990") == 0,
	    "fast leave: b still wanted by H2, kept", state(ifp, G, 10),
	    "INCLUDE a=259990 b=259990");
	rec(ifp, MDB_BLOCK, H1, G, "a", 20);
	check_got(strcmp(state(ifp, G, 20), "INCLUDE b=259980") == 0 &&
	    mdb_member_find(mdb_group_find(ifp, &ga), &h1) == NULL,
	    "fast leave: a wanted by nobody, removed at once",
	    state(ifp, G, 20), "INCLUDE b=259980");
	rec(ifp, MDB_TO_IN, H2, G, "", 30);
	check_got(strcmp(state(ifp, G, 30), "none") == 0,
	    "fast leave: last source of the last host", NULL, NULL);
	mdb_if_destroy(ifp);

	/* Fast leave, EXCLUDE host and an INCLUDE host. */
	ifp = mkif(AF_INET, true);
	rec(ifp, MDB_IS_IN, H1, G, "a", 0);
	rec(ifp, MDB_IS_EX, H2, G, "b", 0);
	rec(ifp, MDB_TO_IN, H2, G, "", 10);
	check_got(strcmp(state(ifp, G, 10), "INCLUDE a=259990") == 0,
	    "fast leave: last EXCLUDE host leaves, INCLUDE host's sources stay",
	    state(ifp, G, 10), "INCLUDE a=259990");
	mdb_if_destroy(ifp);

	/* Fast leave with v2 hosts. */
	ifp = mkif(AF_INET, true);
	rec(ifp, MDB_V2_REPORT, H1, G, NULL, 0);
	rec(ifp, MDB_V2_REPORT, H2, G, NULL, 0);
	rec(ifp, MDB_V2_LEAVE, H1, G, NULL, 10);
	member_str(ifp, G, buf, sizeof(buf));
	check_got(strcmp(state(ifp, G, 10), "EXCLUDE GT=259990") == 0 &&
	    strcmp(buf, "192.0.2.2:EX()") == 0,
	    "fast leave v2: H1 leaves, H2 remains", buf, "192.0.2.2:EX()");
	rec(ifp, MDB_V2_LEAVE, H2, G, NULL, 20);
	check_got(strcmp(state(ifp, G, 20), "none") == 0 &&
	    queries(ifp)[0] == '\0', "fast leave v2: no host left, group gone",
	    state(ifp, G, 20), "none");
	mdb_if_destroy(ifp);

	/* Without fast leave: the last member query procedure. */
	ifp = mkif(AF_INET, false);
	rec(ifp, MDB_V2_REPORT, H1, G, NULL, 0);
	rec(ifp, MDB_V2_REPORT, H2, G, NULL, 0);
	rec(ifp, MDB_V2_LEAVE, H1, G, NULL, 10000);
	check_got(strcmp(state(ifp, G, 10000), "EXCLUDE GT=LMQT") == 0 &&
	    strcmp(queries(ifp), "Q(G)") == 0,
	    "no fast leave: leave starts Q(G), GT=LMQT", NULL, NULL);
	rec(ifp, MDB_V2_REPORT, H2, G, NULL, 10500);
	mdb_tick(ifp, 10000 + LMQI);
	check_got(strcmp(queries(ifp), "SQ(G)") == 0 &&
	    strcmp(state(ifp, G, 11000), "EXCLUDE GT=259500") == 0,
	    "H2 answers: group kept, retransmission has S set",
	    state(ifp, G, 11000), "EXCLUDE GT=259500");
	rec(ifp, MDB_V2_LEAVE, H2, G, NULL, 20000);
	mdb_tick(ifp, 20000 + LMQI);
	check_got(strcmp(queries(ifp), "Q(G)|Q(G)") == 0,
	    "nobody answers: LMQC queries", NULL, NULL);
	mdb_tick(ifp, 20000 + LMQW - 1);
	check_got(mdb_group_count(ifp) == 1,
	    "group alive until LMQT and its grace", NULL, NULL);
	mdb_tick(ifp, 20000 + LMQW);
	check_got(mdb_group_count(ifp) == 0,
	    "group deleted at LMQT and its grace", NULL, NULL);
	mdb_if_destroy(ifp);

	/* A member is forgotten one GMI after its last record. */
	ifp = mkif(AF_INET, false);
	rec(ifp, MDB_IS_EX, H1, G, "", 0);
	rec(ifp, MDB_IS_EX, H2, G, "", 100000);
	mdb_tick(ifp, GMI);
	check_got(member_str(ifp, G, buf, sizeof(buf)) == 1 &&
	    strcmp(buf, "192.0.2.2:EX()") == 0,
	    "silent host forgotten after GMI", buf, "192.0.2.2:EX()");
	mdb_if_destroy(ifp);
}

static void
test_limits(void)
{
	struct mdb_params p = params(AF_INET);
	struct mdb_if *ifp;
	const struct mdb_stats *st;

	p.max_groups = 2;
	ifp = mdb_if_create(&p);
	st = mdb_if_stats(ifp);
	rec(ifp, MDB_IS_EX, H1, "239.0.0.1", "", 0);
	rec(ifp, MDB_IS_EX, H1, "239.0.0.2", "", 0);
	check_got(rec(ifp, MDB_IS_EX, H1, "239.0.0.3", "", 0) ==
	    MDB_DROP_LIMIT_IF && mdb_group_count(ifp) == 2 &&
	    st->rec[MDB_DROP_LIMIT_IF] == 1,
	    "max-groups: third group dropped and counted", NULL, NULL);
	check_got(rec(ifp, MDB_IS_EX, H2, "239.0.0.2", "", 0) == MDB_APPLIED,
	    "max-groups: existing groups still take records", NULL, NULL);
	check_got(rec(ifp, MDB_TO_IN, H1, "239.0.0.3", "", 0) == MDB_NOOP,
	    "max-groups: a leave for an unknown group is no drop", NULL, NULL);
	rec(ifp, MDB_TO_IN, H1, "239.0.0.1", "", 10);
	mdb_tick(ifp, 10 + LMQW);
	check_got(rec(ifp, MDB_IS_EX, H1, "239.0.0.3", "", 3000) == MDB_APPLIED,
	    "max-groups: room again after a group went", NULL, NULL);
	mdb_if_destroy(ifp);

	p = params(AF_INET);
	p.max_per_host = 1;
	ifp = mdb_if_create(&p);
	st = mdb_if_stats(ifp);
	rec(ifp, MDB_IS_EX, H1, "239.0.0.1", "", 0);
	check_got(rec(ifp, MDB_IS_IN, H1, "239.0.0.2", "a", 0) ==
	    MDB_DROP_LIMIT_HOST && mdb_group_count(ifp) == 1 &&
	    st->rec[MDB_DROP_LIMIT_HOST] == 1,
	    "max-groups per host: H1's second group dropped", NULL, NULL);
	check_got(rec(ifp, MDB_IS_IN, H2, "239.0.0.2", "a", 0) == MDB_APPLIED,
	    "max-groups per host: H2 is not limited by H1", NULL, NULL);
	check_got(rec(ifp, MDB_IS_IN, H1, "239.0.0.2", "", 0) == MDB_APPLIED &&
	    rec(ifp, MDB_ALLOW, H1, "239.0.0.1", "b", 0) == MDB_APPLIED,
	    "max-groups per host: no-interest records and H1's own group pass",
	    NULL, NULL);
	rec(ifp, MDB_TO_IN, H1, "239.0.0.1", "", 0);
	check_got(rec(ifp, MDB_IS_IN, H1, "239.0.0.2", "a", 1) == MDB_APPLIED,
	    "max-groups per host: room after H1 left its group", NULL, NULL);
	mdb_if_destroy(ifp);
}

/*
 * The bounds on what hosts can make grow: source records, the hosts'
 * own lists, tracked hosts; beyond the tracking bounds the record still
 * applies and only fast leave waits for the queries.
 */
static void
test_bounds(void)
{
	struct mdb_params p = params(AF_INET);
	struct inet_addr many[366], h;
	const struct mdb_stats *st;
	struct mdb_group_info gi;
	struct mdb_if *ifp;
	struct mdb_rec r;
	char buf[256];
	int i, k;

	p.max_sources = 4;
	ifp = mdb_if_create(&p);
	st = mdb_if_stats(ifp);
	rec(ifp, MDB_IS_IN, H1, G, "abc", 0);
	check_got(rec(ifp, MDB_ALLOW, H1, G, "de", 0) == MDB_DROP_LIMIT_SRC &&
	    strcmp(state(ifp, G, 0), "INCLUDE a=GMI b=GMI c=GMI") == 0 &&
	    st->rec[MDB_DROP_LIMIT_SRC] == 1,
	    "max-sources: a record beyond it is dropped whole",
	    state(ifp, G, 0), "INCLUDE a=GMI b=GMI c=GMI");
	check_got(rec(ifp, MDB_IS_IN, H1, G, "cba", 10) == MDB_APPLIED &&
	    rec(ifp, MDB_IS_IN, H1, "239.1.1.2", "d", 10) == MDB_APPLIED &&
	    rec(ifp, MDB_IS_IN, H2, "239.1.1.3", "a", 10) ==
	    MDB_DROP_LIMIT_SRC && mdb_source_count(ifp) == 4,
	    "max-sources: refreshes pass, the count is per interface", NULL,
	    NULL);
	check_got(rec(ifp, MDB_TO_IN, H1, G, "", 20) == MDB_APPLIED &&
	    rec(ifp, MDB_BLOCK, H1, "239.1.1.2", "d", 20) == MDB_APPLIED,
	    "max-sources: leaves pass", NULL, NULL);
	mdb_tick(ifp, 20 + LMQW);
	check_got(rec(ifp, MDB_IS_IN, H2, "239.1.1.3", "a", 3000) ==
	    MDB_APPLIED, "max-sources: room again after sources went", NULL,
	    NULL);
	mdb_if_destroy(ifp);

	/* One group, 1000 full reports of new sources. */
	p = params(AF_INET);
	ifp = mdb_if_create(&p);
	for (k = 0; k < 1000; k++) {
		for (i = 0; i < 366; i++) {
			inet_any(&many[i], AF_INET);
			many[i].u.bytes[0] = 10;
			many[i].u.bytes[1] = (uint8_t)(k >> 4);
			many[i].u.bytes[2] = (uint8_t)((k & 15) << 4 | i >> 8);
			many[i].u.bytes[3] = (uint8_t)i;
		}
		memset(&r, 0, sizeof(r));
		r.type = k ? MDB_ALLOW : MDB_IS_EX;
		r.host = ip(k % 2 ? H1 : H2);
		r.group = ip(G);
		r.nsrc = 366;
		r.srcs = many;
		mdb_record(ifp, &r, (uint64_t)k);
	}
	snprintf(buf, sizeof(buf), "%zu sources, %zu listed",
	    mdb_source_count(ifp), mdb_listed_count(ifp));
	check_got(mdb_source_count(ifp) <= MDB_DEF_MAX_SOURCES &&
	    mdb_listed_count(ifp) <= MDB_DEF_MAX_SOURCES &&
	    mdb_source_count(ifp) > MDB_DEF_MAX_SOURCES - 366,
	    "default max-sources bounds 366,000 sources of one group", buf,
	    "at most 4096 of each");
	mdb_if_destroy(ifp);

	/* max_hosts: the third host is not tracked, fast leave waits. */
	p = params(AF_INET);
	p.fast_leave = true;
	p.max_hosts = 2;
	ifp = mdb_if_create(&p);
	st = mdb_if_stats(ifp);
	rec(ifp, MDB_IS_EX, H1, G, "", 0);
	rec(ifp, MDB_IS_EX, H2, G, "", 0);
	check_got(rec(ifp, MDB_IS_EX, H3, G, "", 0) == MDB_APPLIED &&
	    member_str(ifp, G, buf, sizeof(buf)) == 2 &&
	    st->untracked_hosts == 1 && mdb_host_count(ifp) == 2,
	    "max-hosts: a third host is applied, not tracked, counted", buf,
	    "2 members");
	mdb_group_info(mdb_group_find(ifp, &r.group), 0, &gi);
	check_u(gi.untracked, GMI, "max-hosts: the group is untracked a GMI");
	rec(ifp, MDB_TO_IN, H1, G, "", 10);
	rec(ifp, MDB_TO_IN, H2, G, "", 10);
	check_got(strcmp(state(ifp, G, 10), "EXCLUDE GT=LMQT") == 0 &&
	    strcmp(queries(ifp), "Q(G)|Q(G)") == 0 &&
	    st->fast_leaves == 0,
	    "max-hosts: fast leave waits for H3 with last member queries",
	    state(ifp, G, 10), "EXCLUDE GT=LMQT");
	rec(ifp, MDB_IS_EX, H3, G, "", 500);
	mdb_tick(ifp, 10 + LMQW);
	check_got(strncmp(state(ifp, G, 10 + LMQW), "EXCLUDE GT=", 11) == 0,
	    "max-hosts: H3's answer keeps the group", state(ifp, G, 500),
	    "EXCLUDE GT=...");
	mdb_if_destroy(ifp);

	/* The same hosts, all tracked: fast leave at once. */
	p.max_hosts = 3;
	ifp = mdb_if_create(&p);
	rec(ifp, MDB_IS_EX, H1, G, "", 0);
	rec(ifp, MDB_IS_EX, H2, G, "", 0);
	rec(ifp, MDB_TO_IN, H1, G, "", 10);
	rec(ifp, MDB_TO_IN, H2, G, "", 10);
	check_got(strcmp(state(ifp, G, 10), "none") == 0,
	    "max-hosts not reached: fast leave at once", state(ifp, G, 10),
	    "none");
	mdb_if_destroy(ifp);

	/* Memberships and lists (1 + 2 each): H3's would pass the budget. */
	p = params(AF_INET);
	p.max_sources = 6;
	ifp = mdb_if_create(&p);
	st = mdb_if_stats(ifp);
	rec(ifp, MDB_IS_IN, H1, G, "ab", 0);
	rec(ifp, MDB_IS_IN, H2, G, "ab", 0);
	check_got(rec(ifp, MDB_IS_IN, H3, G, "ab", 0) == MDB_APPLIED &&
	    member_str(ifp, G, buf, sizeof(buf)) == 2 &&
	    st->untracked_srcs == 1 && mdb_listed_count(ifp) == 4 &&
	    mdb_member_count(ifp) == 2,
	    "max-sources: a list beyond the budget is applied, not tracked",
	    buf, "2 members");
	check_got(rec(ifp, MDB_ALLOW, H2, G, "b", 1) == MDB_APPLIED &&
	    rec(ifp, MDB_ALLOW, H1, G, "c", 1) == MDB_APPLIED &&
	    member_str(ifp, G, buf, sizeof(buf)) == 1 &&
	    strcmp(buf, "192.0.2.2:IN(ab)") == 0 && st->untracked_srcs == 2,
	    "max-sources: a member whose list outgrows it is forgotten", buf,
	    "192.0.2.2:IN(ab)");
	mdb_if_destroy(ifp);

	/* Hosts without an address share one entry, not limited. */
	p = params(AF_INET);
	p.max_per_host = 1;
	ifp = mdb_if_create(&p);
	k = 0;
	for (i = 1; i <= 3; i++) {
		snprintf(buf, sizeof(buf), "239.1.1.%d", i);
		k += rec(ifp, MDB_IS_EX, "0.0.0.0", buf, "", 0) ==
		    MDB_APPLIED;
	}
	h = ip("0.0.0.0");
	check_got(k == 3 && mdb_host_groups(ifp, &h) == 3,
	    "max-groups per host: not for the unspecified address", NULL,
	    NULL);
	mdb_if_destroy(ifp);

	/* Defaults: a zero field takes them. */
	p = params(AF_INET);
	ifp = mdb_if_create(&p);
	check_got(mdb_if_params(ifp)->max_groups == MDB_DEF_MAX_GROUPS &&
	    mdb_if_params(ifp)->max_per_host == MDB_DEF_MAX_GROUPS &&
	    mdb_if_params(ifp)->max_sources == MDB_DEF_MAX_SOURCES &&
	    mdb_if_params(ifp)->max_hosts == MDB_DEF_MAX_HOSTS,
	    "limits: defaults for zero fields", NULL, NULL);
	mdb_if_destroy(ifp);
}

static void
test_misc(void)
{
	struct mdb_if *ifp = mkif(AF_INET, false), *ifp2;
	struct inet_addr ga = ip(G), a = src('a'), b = src('b');
	struct merge m;
	struct msf out;
	char buf[64];
	size_t o = 0;
	struct msf_src *s;

	/* Non-querier: timers lowered by the querier's queries. */
	mdb_if_set_querier(ifp, false);
	rec(ifp, MDB_IS_EX, H1, G, "", 0);
	rec(ifp, MDB_ALLOW, H1, G, "ab", 0);
	mdb_query_heard(ifp, &ga, &a, 1, true, 100);
	check_got(strcmp(state(ifp, G, 100),
	    "EXCLUDE GT=259900 a=259900 b=259900") == 0,
	    "6.6.1: query with S set changes nothing", NULL, NULL);
	mdb_query_heard(ifp, &ga, &a, 1, false, 100);
	mdb_query_heard(ifp, &ga, NULL, 0, false, 100);
	check_got(strcmp(state(ifp, G, 100), "EXCLUDE GT=LMQT a=LMQT b=259900")
	    == 0, "6.6.1: Q(G,a) and Q(G) with S clear lower to LMQT",
	    state(ifp, G, 100), "EXCLUDE GT=LMQT a=LMQT b=259900");
	mdb_tick(ifp, 100 + LMQW);
	check_got(strcmp(state(ifp, G, 100 + LMQW), "INCLUDE b=257775") == 0,
	    "non-querier expires on the querier's schedule",
	    state(ifp, G, 100 + LMQW), "INCLUDE b=257775");

	/* Becoming non-querier drops pending retransmissions. */
	mdb_if_set_querier(ifp, true);
	rec(ifp, MDB_BLOCK, H1, G, "b", 3000);
	check_got(strcmp(queries(ifp), "Q(G,b)") == 0, "querier again", NULL,
	    NULL);
	mdb_if_set_querier(ifp, false);
	mdb_tick(ifp, 4000);
	check_got(strcmp(queries(ifp), "") == 0,
	    "no retransmission after leaving the querier role", NULL, NULL);
	mdb_if_destroy(ifp);

	/* Merge feed from two interfaces. */
	ifp = mkif(AF_INET, false);
	ifp2 = mkif(AF_INET, false);
	rec(ifp, MDB_IS_EX, H1, G, "ab", 0);
	rec(ifp, MDB_ALLOW, H1, G, "c", 0);	/* X = {c}: not a restriction */
	rec(ifp2, MDB_IS_IN, H2, G, "a", 0);
	merge_init(&m);
	msf_init(&out, MSF_INCLUDE);
	mdb_group_merge(mdb_group_find(ifp, &ga), &m);
	mdb_group_merge(mdb_group_find(ifp2, &ga), &m);
	merge_result(&m, &out);
	MSF_FOREACH(s, &out)
		buf[o++] = letter(&s->addr);
	buf[o] = '\0';
	check_got(out.mode == MSF_EXCLUDE && strcmp(buf, "b") == 0,
	    "merge EXCLUDE({c},{a,b}) with INCLUDE({a}) = EXCLUDE({b})", buf,
	    "b");
	check_got(!mdb_wants(ifp, &b, &ga) && mdb_wants(ifp2, &a, &ga),
	    "per-interface forwarding", NULL, NULL);
	merge_free(&m);
	msf_clear(&out);

	/* Flush: every group deleted and reported. */
	changes(ifp);
	rec(ifp, MDB_IS_EX, H1, "239.9.9.9", "", 0);
	changes(ifp);
	mdb_if_flush(ifp);
	check_got(mdb_group_count(ifp) == 0 && changes(ifp) == 2 &&
	    mdb_next_deadline(ifp) == UINT64_MAX && !mdb_change_lost(ifp),
	    "flush deletes and reports every group", NULL, NULL);
	mdb_if_destroy(ifp);
	mdb_if_destroy(ifp2);

	/* Duplicate sources in a record are harmless. */
	ifp = mkif(AF_INET, false);
	rec(ifp, MDB_TO_EX, H1, G, "aab", 0);
	rec(ifp, MDB_BLOCK, H1, G, "ccc", 0);
	check_got(strcmp(state(ifp, G, 0),
	    "EXCLUDE GT=GMI a=0 b=0 c=LMQT") == 0 &&
	    strcmp(queries(ifp), "Q(G,c)") == 0,
	    "duplicates in records", state(ifp, G, 0),
	    "EXCLUDE GT=GMI a=0 b=0 c=LMQT");
	mdb_if_destroy(ifp);
}

/*
 * Scale: 5000 groups, 8 candidate sources each, 40000 random IGMPv3
 * records from 16 hosts with random time steps, checked against a
 * bitmask model of the same tables (querier, no fast leave).
 */
#define NG	5000
#define NS	8

struct model {
	int		 exists;
	enum msf_mode	 mode;
	uint64_t	 gt;		/* group timer deadline */
	uint8_t		 present;
	uint64_t	 st[NS];	/* source deadline, 0: stopped */
};

static struct model mg[NG];

static struct inet_addr
mgrp(int i)
{
	struct inet_addr a;

	inet_any(&a, AF_INET);
	a.u.bytes[0] = 239;
	a.u.bytes[1] = 2;
	a.u.bytes[2] = (uint8_t)(i >> 8);
	a.u.bytes[3] = (uint8_t)i;
	return a;
}

static uint8_t
running(const struct model *g, uint64_t now)
{
	uint8_t r = 0;
	int i;

	for (i = 0; i < NS; i++)
		if ((g->present & (1 << i)) && g->st[i] > now)
			r |= (uint8_t)(1 << i);
	return r;
}

static void
m_q_src(struct model *g, uint8_t set, uint64_t now)
{
	int i;

	for (i = 0; i < NS; i++)
		if ((set & (1 << i)) && g->st[i] > now + LMQW)
			g->st[i] = now + LMQW;
}

static void
m_set(struct model *g, uint8_t set, uint64_t v)
{
	int i;

	for (i = 0; i < NS; i++)
		if (set & (1 << i))
			g->st[i] = v;
}

static void
m_record(struct model *g, enum mdb_rec_type t, uint8_t B, uint64_t now)
{
	uint8_t A = g->present, X = running(g, now), Y = A & (uint8_t)~X;

	if (!g->exists) {
		if (t != MDB_IS_EX && t != MDB_TO_EX &&
		    !((t == MDB_IS_IN || t == MDB_TO_IN || t == MDB_ALLOW) &&
		    B))
			return;
		memset(g, 0, sizeof(*g));
		g->exists = 1;
		g->mode = MSF_INCLUDE;
		A = X = Y = 0;
	}
	if (g->mode == MSF_INCLUDE) {
		switch (t) {
		case MDB_IS_IN:
		case MDB_ALLOW:
			g->present |= B;
			m_set(g, B, now + GMI);
			break;
		case MDB_IS_EX:
		case MDB_TO_EX:
			g->present = B;
			m_set(g, B & (uint8_t)~A, 0);
			if (t == MDB_TO_EX)
				m_q_src(g, A & B, now);
			g->mode = MSF_EXCLUDE;
			g->gt = now + GMI;
			break;
		case MDB_TO_IN:
			g->present |= B;
			m_set(g, B, now + GMI);
			m_q_src(g, A & (uint8_t)~B, now);
			break;
		case MDB_BLOCK:
			m_q_src(g, A & B, now);
			break;
		default:
			break;
		}
	} else {
		switch (t) {
		case MDB_IS_IN:
		case MDB_ALLOW:
			g->present |= B;
			m_set(g, B, now + GMI);
			break;
		case MDB_IS_EX:
		case MDB_TO_EX:
			g->present = B;
			m_set(g, B & (uint8_t)~(X | Y),
			    t == MDB_IS_EX ? now + GMI : g->gt);
			if (t == MDB_TO_EX)
				m_q_src(g, B & (uint8_t)~Y, now);
			g->gt = now + GMI;
			break;
		case MDB_BLOCK:
			g->present |= B;
			m_set(g, B & (uint8_t)~(X | Y), g->gt);
			m_q_src(g, B & (uint8_t)~Y, now);
			break;
		case MDB_TO_IN:
			g->present |= B;
			m_set(g, B, now + GMI);
			m_q_src(g, X & (uint8_t)~B, now);
			if (g->gt > now + LMQW)
				g->gt = now + LMQW;
			break;
		default:
			break;
		}
	}
	if (g->mode == MSF_INCLUDE && g->present == 0)
		g->exists = 0;
}

static void
m_tick(struct model *g, uint64_t now)
{
	uint8_t r;

	if (!g->exists)
		return;
	r = running(g, now);
	if (g->mode == MSF_EXCLUDE && g->gt <= now) {
		g->mode = MSF_INCLUDE;
		g->present = r;
	} else if (g->mode == MSF_INCLUDE)
		g->present = r;
	else
		m_set(g, g->present & (uint8_t)~r, 0);
	if (g->mode == MSF_INCLUDE && g->present == 0)
		g->exists = 0;
}

static int
m_compare(const struct mdb_if *ifp, int i, uint64_t now)
{
	struct inet_addr ga = mgrp(i);
	const struct mdb_group *g = mdb_group_find(ifp, &ga);
	const struct mdb_source *s;
	struct mdb_group_info gi;
	struct mdb_source_info si;
	const struct model *m = &mg[i];
	uint8_t seen = 0;
	int k;

	if (!m->exists)
		return g == NULL;
	if (g == NULL)
		return 0;
	mdb_group_info(g, now, &gi);
	if (gi.mode != m->mode)
		return 0;
	if (m->mode == MSF_EXCLUDE && gi.timer != m->gt - now)
		return 0;
	for (s = mdb_source_first(g); s; s = mdb_source_next(s)) {
		mdb_source_info(s, now, &si);
		k = si.addr.u.bytes[3] - 1;
		if (k < 0 || k >= NS || !(m->present & (1 << k)))
			return 0;
		if (si.timer != (m->st[k] > now ? m->st[k] - now : 0))
			return 0;
		seen |= (uint8_t)(1 << k);
	}
	return seen == m->present;
}

static void
test_scale(void)
{
	struct mdb_params p = params(AF_INET);
	struct mdb_if *ifp;
	struct inet_addr srcs[NS + 2], host;
	struct mdb_query *q;
	struct mdb_rec r;
	char gs[INET6_ADDRSTRLEN];
	uint64_t now = 1, nd;
	int i, k, step, bad = 0, gi, n, live;
	uint8_t B;
	const enum mdb_rec_type types[] = { MDB_IS_IN, MDB_IS_EX, MDB_TO_IN,
	    MDB_TO_EX, MDB_ALLOW, MDB_BLOCK, MDB_IS_EX, MDB_ALLOW };

	/* Limits far above what the model makes. */
	p.max_groups = 100000;
	p.max_per_host = 100000;
	p.max_sources = 1000000;
	ifp = mdb_if_create(&p);
	srandom(4605);
	memset(mg, 0, sizeof(mg));
	/* Every group joined first, so that all 5000 exist at once. */
	for (i = 0; i < NG; i++) {
		memset(&r, 0, sizeof(r));
		r.type = MDB_IS_EX;
		r.group = mgrp(i);
		r.host = ip(H1);
		mdb_record(ifp, &r, now);
		m_record(&mg[i], MDB_IS_EX, 0, now);
	}
	check_got(mdb_group_count(ifp) == NG, "scale: 5000 groups created",
	    NULL, NULL);

	for (step = 0; step < 40000; step++) {
		if (step % 5000 == 4999) {
			for (k = 0, i = 0; i < NG; i++)
				k += !m_compare(ifp, i, now);
			bad += k;
		}
		if (random() % 8 == 0) {
			/* ~500 s in all: about two GMIs, many LMQTs. */
			now += (uint64_t)(random() % 200);
			mdb_tick(ifp, now);
			for (i = 0; i < NG; i++)
				m_tick(&mg[i], now);
		}
		gi = (int)(random() % NG);
		memset(&r, 0, sizeof(r));
		r.type = types[random() % 8];
		r.group = mgrp(gi);
		inet_any(&host, AF_INET);
		host.u.bytes[0] = 192;
		host.u.bytes[3] = (uint8_t)(random() % 16 + 1);
		r.host = host;
		B = (uint8_t)(random() & 0xff) & (uint8_t)(random() & 0xff);
		for (n = 0, k = 0; k < NS; k++)
			if (B & (1 << k))
				srcs[n++] = src((char)('a' + k));
		if (n > 0 && random() % 4 == 0)
			srcs[n++] = srcs[0];		/* a duplicate */
		r.nsrc = (size_t)n;
		r.srcs = srcs;
		mdb_record(ifp, &r, now);
		m_record(&mg[gi], r.type, B, now);
		m_tick(&mg[gi], now);
		while ((q = mdb_query_pop(ifp)) != NULL)
			mdb_query_free(q);
		if (!m_compare(ifp, gi, now) && bad++ < 5)
			printf("# mismatch at step %d group %d (%s %s): %s\n",
			    step, gi, mdb_rec_str[r.type],
			    inet_str(&r.group, gs, sizeof(gs)),
			    state(ifp, gs, now));
	}
	check_got(bad == 0, "scale: every record matches the model", NULL,
	    NULL);

	for (live = 0, bad = 0, i = 0; i < NG; i++) {
		live += mg[i].exists;
		if (!m_compare(ifp, i, now))
			bad++;
	}
	check_got(bad == 0 && mdb_group_count(ifp) == (size_t)live,
	    "scale: full comparison of all groups", NULL, NULL);
	printf("# %d groups live after 40000 records\n", live);

	nd = mdb_next_deadline(ifp);
	check_got(nd > now && nd != UINT64_MAX, "scale: next deadline ahead",
	    NULL, NULL);
	/* Walk the deadlines one by one until nothing is left. */
	for (k = 0; (nd = mdb_next_deadline(ifp)) != UINT64_MAX &&
	    k < 10000000; k++)
		mdb_tick(ifp, nd);
	check_got(mdb_group_count(ifp) == 0, "scale: all state expires", NULL,
	    NULL);
	mdb_if_destroy(ifp);
}

/*
 * Random records of every type, older versions, fast leave, limits,
 * querier changes and heard queries, for the sanitizers; then checks
 * that the member counts add up and that everything expires.
 */
static void
test_random(void)
{
	struct mdb_params p = params(AF_INET);
	struct mdb_if *ifp;
	struct inet_addr srcs[NS + 2], host, ga;
	struct mdb_query *q;
	struct mdb_rec r;
	const struct mdb_group *g;
	const struct mdb_member *m;
	struct mdb_group_info gi;
	uint64_t now = 1, nd;
	unsigned nmember = 0;
	int k, n, step, bad = 0;
	uint8_t B;

	p.fast_leave = true;
	p.max_groups = 1500;
	p.max_per_host = 400;
	ifp = mdb_if_create(&p);
	srandom(3376);
	for (step = 0; step < 100000; step++) {
		if (random() % 16 == 0) {
			now += (uint64_t)(random() % 3000);
			mdb_tick(ifp, now);
		}
		if (random() % 5000 == 0)
			mdb_if_set_querier(ifp, random() % 2);
		if (step == 50000) {
			p.fast_leave = false;
			mdb_if_set_params(ifp, &p);
		}
		memset(&r, 0, sizeof(r));
		r.type = (enum mdb_rec_type)(random() % (MDB_REC_MAX - 1) + 1);
		r.group = mgrp((int)(random() % 2000));
		inet_any(&host, AF_INET);
		host.u.bytes[0] = 192;
		host.u.bytes[3] = (uint8_t)(random() % 16 + 1);
		r.host = host;
		B = (uint8_t)(random() & 0xff) & (uint8_t)(random() & 0xff);
		for (n = 0, k = 0; k < NS; k++)
			if (B & (1 << k))
				srcs[n++] = src((char)('a' + k));
		if (r.type >= MDB_V1_REPORT)
			n = 0;
		r.nsrc = (size_t)n;
		r.srcs = srcs;
		mdb_record(ifp, &r, now);
		if (random() % 50 == 0)
			mdb_query_heard(ifp, &r.group, srcs, (size_t)n,
			    random() % 2, now);
		while ((q = mdb_query_pop(ifp)) != NULL)
			mdb_query_free(q);
		while (mdb_change_pop(ifp, &ga))
			;
	}
	for (g = mdb_group_first(ifp); g; g = mdb_group_next(g)) {
		mdb_group_info(g, now, &gi);
		if (gi.mode == MSF_INCLUDE && gi.nsrc == 0)
			bad++;
		for (m = mdb_member_first(g); m; m = mdb_member_next(m))
			nmember++;
	}
	for (n = 0, k = 1; k <= 16; k++) {
		inet_any(&host, AF_INET);
		host.u.bytes[0] = 192;
		host.u.bytes[3] = (uint8_t)k;
		n += (int)mdb_host_groups(ifp, &host);
		if (mdb_host_groups(ifp, &host) > p.max_per_host)
			bad++;
	}
	check_got(bad == 0 && (unsigned)n == nmember &&
	    mdb_group_count(ifp) <= p.max_groups,
	    "random: no empty INCLUDE group, member counts add up, limits hold",
	    NULL, NULL);
	printf("# random: %zu groups, %d memberships\n", mdb_group_count(ifp),
	    n);
	for (k = 0; (nd = mdb_next_deadline(ifp)) != UINT64_MAX &&
	    k < 10000000; k++)
		mdb_tick(ifp, nd);
	while ((q = mdb_query_pop(ifp)) != NULL)
		mdb_query_free(q);
	check_got(mdb_group_count(ifp) == 0 && n > 0,
	    "random: everything expires", NULL, NULL);
	for (n = 0, k = 1; k <= 16; k++) {
		host.u.bytes[3] = (uint8_t)k;
		n += (int)mdb_host_groups(ifp, &host);
	}
	check_got(n == 0, "random: no host left", NULL, NULL);
	mdb_if_destroy(ifp);
}

int
main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	test_rows();
	test_new_group();
	test_expiry();
	test_lmq();
	test_late_answer();
	test_compat();
	test_ssm();
	test_tracking();
	test_limits();
	test_bounds();
	test_misc();
	test_scale();
	test_random();
	return check_exit("test_mdb");
}
