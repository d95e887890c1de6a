/*
 * fuzz_mdb.c - libFuzzer target: the membership database (proxy/mdb.h),
 * with the merge (proxy/merge.h) it feeds
 *
 * The input is a script.  Four bytes make the interface: byte 0 bit 0
 * is the family (AF_INET6 if set), byte 3 bit 0 starts it as a
 * non-querier, and fz_params() reads the parameters from all four:
 * version, fast leave, robustness, LMQC, small query intervals, and
 * small limits (max_groups 0-7, max_per_host 0-3, max_sources 0-16,
 * max_hosts 0-3; 0 is the default).  Then each operation is an opcode
 * byte and its arguments (fz_step()): records
 * of every type from one of four hosts (the unspecified address among
 * them) for one of sixteen groups (link-local, SSM, invalid and
 * other-family ones included) with sources from a pool of eight, heard
 * queries, time steps (to the next deadline too), ticks, querier
 * changes, flushes and new parameters.
 *
 * After every operation the output queues are drained and the state
 * is checked through mdb.h's public API only:
 *  - groups: count, strictly increasing order, no link-local group;
 *    INCLUDE: at least one source, all forwarded, no group timer and no
 *    Q(G) retransmission; EXCLUDE: a running group timer; SSM groups
 *    INCLUDE with no Host Present timer; compat = min(Host Present
 *    level, configured version); nsrc/nmember as iterated;
 *  - sources and members strictly ordered, from the pools; the forward
 *    flag is "timer running"; mdb_wants() agrees with it, for listed and
 *    unlisted sources and for (*,G); members: INCLUDE ones list a
 *    source, their own lists ordered and counted; mdb_host_groups() is
 *    the number of groups a host is a member of;
 *  - timers: every one in the future after the expiries of now ran,
 *    none longer than the longest GMI configured, none at all without
 *    groups (mdb_next_deadline());
 *  - output: changes popped in increasing order, and every group whose
 *    forwarding state (existence, mode, sources and their timers
 *    running) changed was among them; queries only from a querier,
 *    never with fast leave on since the start (unless a host went
 *    untracked), never Q(G) for SSM, sources from the group, counted
 *    in mdb_stats;
 *  - records: the results mdb.h fixes (invalid, link-local, version,
 *    SSM) are returned, and leave no trace; no-ops, compatibility
 *    ignores and limit drops leave no trace either (checked when the
 *    due expiries ran first); no limit (groups, source records, groups
 *    per host but for the unspecified address, tracked hosts, their
 *    memberships and source list entries) is ever exceeded by a record,
 *    while lowering one keeps what exists; an applied record that
 *    expresses interest leaves the host a member with its own filter as
 *    the record says, unless it went over a tracking limit, which
 *    forgets it; one stats counter per record; mdb_source_count(),
 *    mdb_listed_count(), mdb_member_count() and mdb_host_count() are
 *    what iterating finds;
 *  - merge: mdb_group_merge() gives INCLUDE(forwarded sources) or
 *    EXCLUDE(sources not forwarded), the same twice merged, and
 *    merge_diff() from the previous result, applied to it, gives it.
 * A violation prints what failed on stderr and aborts.  With
 * FUZZ_MDB_TRACE=1 in the environment every operation is printed on
 * stderr first, to read a reproducer.
 *
 * Copyright (c) 2026 The smcroute-ng authors.  ISC License, see COPYING.
 * SPDX-License-Identifier: ISC
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mdb.h"
#include "merge.h"

#define FZ_NAME "fuzz_mdb.c"
#include "fuzz.h"

#define FZ_CHECK(cond) do {						\
	if (!(cond))							\
		fz_fail(__LINE__, #cond);				\
} while (0)

#define NGRP	16
#define NSRC	8
#define NHOST	4

/*
 * The pools.  Groups 0-3 and 7 are plain ASM groups, 4-6 SSM, 8-10
 * link-local (ignored), 11 ASM (IPv4) or interface-local; 12-15 are not
 * groups of the family (refused).  Host 3 is the unspecified address.
 * Sources are 10.1.0.1-8 or 2001:db8::1-8.
 */
static const char *const fz_grp4[NGRP] = {
	"225.1.1.1", "225.1.1.2", "239.255.0.1", "224.0.1.1",
	"232.1.1.1", "232.1.1.2", "232.255.255.255", "233.0.0.1",
	"224.0.0.22", "224.0.0.251", "224.0.0.1", "239.0.0.0",
	"10.0.0.1", "0.0.0.0", "ff0e::1", "255.255.255.255",
};
static const char *const fz_grp6[NGRP] = {
	"ff0e::1", "ff0e::2", "ff05::1:3", "ff08::1234",
	"ff3e::1", "ff3e::8000:1", "ff35::1", "ff1e::1",
	"ff02::1", "ff02::16", "ff32::1", "ff01::1",
	"fe80::1", "::", "225.1.1.1", "ff0e::ffff",
};
static const char *const fz_host4[NHOST] = {
	"10.0.0.1", "10.0.0.2", "192.168.0.3", "0.0.0.0",
};
static const char *const fz_host6[NHOST] = {
	"fe80::1", "fe80::2", "fe80::3", "::",
};

/* What the checks remember of the state after an operation. */
struct fz_snap {
	size_t		 ngroups;
	bool		 exists[NGRP];
	enum msf_mode	 mode[NGRP];
	uint64_t	 gtimer[NGRP];
	uint8_t		 src[NGRP][NSRC];	/* 0 no, 1 blocked, 2 fwd */
	uint64_t	 stimer[NGRP][NSRC];
	bool		 member[NGRP][NHOST];
	unsigned	 hostgroups[NHOST];
	size_t		 nsources;	/* source records */
	size_t		 nlisted;	/* host source list entries */
	size_t		 nmembers;	/* memberships */
	size_t		 nhosts;	/* hosts with a group */
	uint64_t	 hash;		/* all of it, timers too */
};

struct fz {
	struct mdb_if	*ifp;
	int		 family;
	uint64_t	 now;
	uint64_t	 max_gmi;	/* longest GMI configured */
	uint64_t	 max_lmqi;	/* longest LMQI configured */
	bool		 querier;
	bool		 fl_always;	/* fast leave since the start */
	uint64_t	 queries;	/* popped so far */
	struct inet_addr grp[NGRP];
	struct inet_addr src[NSRC];
	struct inet_addr host[NHOST];
	struct inet_addr other;		/* source of the other family */
	struct fz_snap	 snap;		/* after the last operation */
	struct msf	 merged[NGRP];	/* last merge of each group */
	bool		 changed[NGRP];	/* popped by the last drain */
	size_t		 nchanged;
	size_t		 nqueries;	/* popped by the last drain */
};

enum fz_op {
	OP_RECORD, OP_ADVANCE, OP_DEADLINE, OP_HEARD, OP_QUERIER, OP_PARAMS,
	OP_TICK, OP_FLUSH,
};

static const char *const fz_op_name[] = {
	"record", "advance", "deadline", "heard", "querier", "params",
	"tick", "flush",
};

/* Bytes of each operation, the opcode included. */
static const size_t fz_op_len[] = { 4, 2, 2, 3, 1, 5, 1, 1 };

/* Opcode byte, low four bits; a tick with the high four set flushes. */
static const enum fz_op fz_ops[16] = {
	OP_RECORD, OP_RECORD, OP_RECORD, OP_RECORD, OP_RECORD, OP_RECORD,
	OP_RECORD, OP_ADVANCE, OP_ADVANCE, OP_ADVANCE, OP_DEADLINE,
	OP_DEADLINE, OP_HEARD, OP_QUERIER, OP_PARAMS, OP_TICK,
};

static struct inet_addr
fz_addr(const char *s)
{
	struct inet_addr a;

	if (inet_pton_any(s, &a))
		fz_fail(__LINE__, s);
	return a;
}

static int
fz_index(const struct inet_addr *pool, int n, const struct inet_addr *a)
{
	int i;

	for (i = 0; i < n; i++)
		if (inet_cmp(&pool[i], a) == 0)
			return i;
	return -1;
}

/* FNV-1a over the values the no-trace checks compare. */
static void
fz_hash(uint64_t *h, uint64_t v)
{
	int i;

	for (i = 0; i < 8; i++, v >>= 8)
		*h = (*h ^ (v & 0xff)) * 0x100000001b3ULL;
}

static void
fz_hash_addr(uint64_t *h, const struct inet_addr *a)
{
	size_t i;

	fz_hash(h, a->family);
	for (i = 0; i < sizeof(a->u.bytes); i++)
		fz_hash(h, a->u.bytes[i]);
}

/* Interface parameters from four script bytes; zero means default. */
static void
fz_params(struct mdb_params *p, int family, const uint8_t *v)
{
	static const uint64_t qi[4] = { 0, 1000, 5000, 20000 };
	static const uint64_t qri[4] = { 0, 100, 1000, 3000 };
	static const uint64_t lmqi[4] = { 0, 10, 100, 1000 };
	static const unsigned maxsrc[8] = { 0, 1, 2, 3, 4, 6, 9, 16 };
	uint8_t a = v[0], b = v[1], c = v[2], d = v[3];

	memset(p, 0, sizeof(*p));
	p->family = family;
	p->version = (a >> 1) & 3;
	p->fast_leave = (a >> 3) & 1;
	p->robustness = (a >> 4) & 3;
	p->lmqc = (a >> 6) & 3;
	p->query_interval = qi[b & 3];
	p->query_resp = qri[(b >> 2) & 3];
	p->lmqi = lmqi[(b >> 4) & 3];
	p->max_groups = c & 7;
	p->max_per_host = (c >> 3) & 3;
	p->max_sources = maxsrc[(c >> 5) & 7];
	p->max_hosts = (d >> 1) & 3;
}

static void
fz_trace_params(const struct fz *fz)
{
	const struct mdb_params *p = mdb_if_params(fz->ifp);

	fprintf(stderr, "%s, version %d, fast leave %d, RV %u, QI %llu, "
	    "QRI %llu, LMQI %llu, LMQC %u, max groups %u, per host %u, "
	    "sources %u, hosts %u%s\n",
	    fz->family == AF_INET ? "IPv4" : "IPv6", p->version,
	    p->fast_leave, p->robustness,
	    (unsigned long long)p->query_interval,
	    (unsigned long long)p->query_resp, (unsigned long long)p->lmqi,
	    p->lmqc, p->max_groups, p->max_per_host, p->max_sources,
	    p->max_hosts, fz->querier ? "" : ", non-querier");
}

/* After new parameters: what the timer bounds must allow from now on. */
static void
fz_params_seen(struct fz *fz)
{
	const struct mdb_params *p = mdb_if_params(fz->ifp);
	uint64_t gmi = p->robustness * p->query_interval + p->query_resp;

	FZ_CHECK(p->family == fz->family);
	FZ_CHECK(p->version >= (fz->family == AF_INET6 ? 2 : 1) &&
	    p->version <= 3);
	FZ_CHECK(p->robustness > 0 && p->query_interval > 0 &&
	    p->query_resp > 0 && p->lmqi > 0 && p->lmqc > 0);
	if (gmi > fz->max_gmi)
		fz->max_gmi = gmi;
	if (p->lmqi > fz->max_lmqi)
		fz->max_lmqi = p->lmqi;
	if (!p->fast_leave)
		fz->fl_always = false;
}

/* Records that went over a tracking limit so far. */
static uint64_t
fz_untracked(const struct fz *fz)
{
	const struct mdb_stats *st = mdb_if_stats(fz->ifp);

	return st->untracked_hosts + st->untracked_srcs;
}

/*
 * Drain the queues.  Changes come lowest address first; queries come
 * only from a querier, never with fast leave on from the start, never
 * as Q(G) for an SSM group, with distinct sources from the pool.
 */
static void
fz_drain(struct fz *fz)
{
	const struct mdb_params *p = mdb_if_params(fz->ifp);
	struct inet_addr g, last;
	struct mdb_query *q;
	unsigned seen;
	size_t i;
	int si;

	memset(fz->changed, 0, sizeof(fz->changed));
	fz->nchanged = 0;
	fz->nqueries = 0;
	while ((q = mdb_query_pop(fz->ifp)) != NULL) {
		fz->queries++;
		fz->nqueries++;
		FZ_CHECK(fz->querier);
		FZ_CHECK(!fz->fl_always || fz_untracked(fz) > 0);
		FZ_CHECK(fz_index(fz->grp, NGRP, &q->group) >= 0);
		FZ_CHECK(q->compat >= 1 && q->compat <= p->version);
		FZ_CHECK(q->nsrc <= NSRC);
		if (inet_is_ssm(&q->group))
			FZ_CHECK(q->nsrc > 0);
		seen = 0;
		for (i = 0; i < q->nsrc; i++) {
			si = fz_index(fz->src, NSRC, &q->srcs[i]);
			FZ_CHECK(si >= 0 && !(seen & 1u << si));
			seen |= 1u << si;
		}
		mdb_query_free(q);
	}
	FZ_CHECK(mdb_if_stats(fz->ifp)->queries == fz->queries);

	while (mdb_change_pop(fz->ifp, &g)) {
		FZ_CHECK((si = fz_index(fz->grp, NGRP, &g)) >= 0);
		if (fz->nchanged > 0)
			FZ_CHECK(inet_cmp(&last, &g) < 0);
		last = g;
		fz->changed[si] = true;
		fz->nchanged++;
	}
	FZ_CHECK(!mdb_change_lost(fz->ifp));
}

/* A member's own source list as a bit mask of the pool. */
static unsigned
fz_member_srcs(struct fz *fz, const struct mdb_member *m, size_t *n)
{
	const struct inet_addr *a, *prev = NULL;
	const struct mdb_hsrc *h;
	unsigned mask = 0;
	int j;

	*n = 0;
	for (h = mdb_member_src_first(m); h; h = mdb_member_src_next(h)) {
		a = mdb_hsrc_addr(h);
		FZ_CHECK((j = fz_index(fz->src, NSRC, a)) >= 0);
		FZ_CHECK(prev == NULL || inet_cmp(prev, a) < 0);
		prev = a;
		mask |= 1u << j;
		(*n)++;
	}
	return mask;
}

static void
fz_check_member(struct fz *fz, struct fz_snap *s, int gi,
    const struct mdb_group *g, const struct mdb_member *m)
{
	struct mdb_member_info mi;
	unsigned mask;
	size_t n;
	int hi;

	mdb_member_info(m, fz->now, &mi);
	FZ_CHECK((hi = fz_index(fz->host, NHOST, &mi.host)) >= 0);
	FZ_CHECK(!s->member[gi][hi]);
	s->member[gi][hi] = true;
	s->hostgroups[hi]++;
	FZ_CHECK(mdb_member_find(g, &mi.host) == m);
	FZ_CHECK(mi.timer > 0 && mi.timer <= fz->max_gmi);
	FZ_CHECK(mi.version >= 1 && mi.version <= 3);
	/* INCLUDE({}) forgets the host. */
	FZ_CHECK(mi.mode == MSF_EXCLUDE || (mi.mode == MSF_INCLUDE &&
	    mi.nsrc > 0));
	/* SSM: IS_EX, TO_EX and the older messages are ignored. */
	if (inet_is_ssm(&fz->grp[gi]))
		FZ_CHECK(mi.mode == MSF_INCLUDE);
	mask = fz_member_srcs(fz, m, &n);
	FZ_CHECK(n == mi.nsrc);
	s->nlisted += n;
	fz_hash_addr(&s->hash, &mi.host);
	fz_hash(&s->hash, mi.mode);
	fz_hash(&s->hash, mi.timer);
	fz_hash(&s->hash, (uint64_t)mi.version);
	fz_hash(&s->hash, mask);
}

static void
fz_diff_apply(void *arg, enum merge_op op, enum msf_mode mode,
    const struct inet_addr *a)
{
	struct msf *f = arg;

	switch (op) {
	case MERGE_OP_MODE:
		FZ_CHECK(a == NULL);
		msf_clear(f);
		f->mode = mode;
		break;
	case MERGE_OP_ADD:
		FZ_CHECK(a != NULL && f->mode == mode);
		FZ_CHECK(msf_add(f, a) == 1);
		break;
	case MERGE_OP_DEL:
		FZ_CHECK(a != NULL && f->mode == mode);
		FZ_CHECK(msf_del(f, a));
		break;
	}
}

/* The diff from the last result, applied to it, gives the new one. */
static void
fz_merge_update(struct fz *fz, int gi, const struct msf *f)
{
	struct msf copy;
	size_t ops;

	msf_init(&copy, MSF_INCLUDE);
	FZ_CHECK(msf_copy(&copy, &fz->merged[gi]) == 0);
	FZ_CHECK(msf_equal(&copy, &fz->merged[gi]));
	ops = merge_diff(&fz->merged[gi], f, fz_diff_apply, &copy);
	FZ_CHECK(msf_equal(&copy, f));
	FZ_CHECK((ops == 0) == msf_equal(&fz->merged[gi], f));
	FZ_CHECK(msf_copy(&fz->merged[gi], f) == 0);
	msf_clear(&copy);
}

/*
 * The group merged alone: INCLUDE(forwarded sources), or EXCLUDE(the
 * sources not forwarded); merged twice, the same.
 */
static void
fz_check_merge(struct fz *fz, int gi, const struct mdb_group *g,
    enum msf_mode mode, const uint8_t *src)
{
	struct merge m, m2;
	struct msf f, f2;
	bool in;
	int j;

	merge_init(&m);
	merge_init(&m2);
	msf_init(&f, MSF_INCLUDE);
	msf_init(&f2, MSF_INCLUDE);
	FZ_CHECK(mdb_group_merge(g, &m) == 0);
	FZ_CHECK(merge_result(&m, &f) == 0);
	FZ_CHECK(mdb_group_merge(g, &m2) == 0 &&
	    mdb_group_merge(g, &m2) == 0);
	FZ_CHECK(merge_result(&m2, &f2) == 0);
	FZ_CHECK(msf_equal(&f, &f2));
	FZ_CHECK(f.mode == mode && !msf_is_null(&f));
	for (j = 0; j < NSRC; j++) {
		in = mode == MSF_INCLUDE ? src[j] == 2 : src[j] == 1;
		FZ_CHECK(msf_has(&f, &fz->src[j]) == in);
		FZ_CHECK(mdb_wants(fz->ifp, &fz->src[j], &fz->grp[gi]) ==
		    (mode == MSF_INCLUDE ? in : !in));
	}
	fz_merge_update(fz, gi, &f);
	msf_clear(&f);
	msf_clear(&f2);
	merge_free(&m);
	merge_free(&m2);
}

static void
fz_check_group(struct fz *fz, struct fz_snap *s, const struct mdb_group *g,
    struct mdb_group_info *gi)
{
	const struct mdb_params *p = mdb_if_params(fz->ifp);
	struct mdb_source_info si;
	const struct mdb_source *src;
	const struct mdb_member *m;
	struct inet_addr last;
	size_t nsrc = 0, nmember = 0;
	int i, j, level;

	mdb_group_info(g, fz->now, gi);
	FZ_CHECK((i = fz_index(fz->grp, NGRP, &gi->group)) >= 0);
	FZ_CHECK(gi->group.family == fz->family);
	FZ_CHECK(inet_is_multicast(&gi->group));
	FZ_CHECK(!inet_is_linklocal_group(&gi->group));
	FZ_CHECK(mdb_group_find(fz->ifp, &gi->group) == g);
	FZ_CHECK(mdb_wants(fz->ifp, NULL, &gi->group));
	s->exists[i] = true;
	s->mode[i] = gi->mode;
	s->gtimer[i] = gi->timer;

	/* RFC 3376 section 7.3.2: the lowest Host Present level, capped. */
	level = gi->v1_timer > 0 ? 1 : gi->v2_timer > 0 ? 2 : 3;
	FZ_CHECK(gi->compat == (level < p->version ? level : p->version));
	FZ_CHECK(gi->v1_timer <= fz->max_gmi && gi->v2_timer <= fz->max_gmi);
	if (gi->mode == MSF_INCLUDE)
		FZ_CHECK(gi->timer == 0 && gi->rxmt == 0 && gi->nsrc > 0);
	else
		FZ_CHECK(gi->mode == MSF_EXCLUDE && gi->timer > 0 &&
		    gi->timer <= fz->max_gmi);
	if (inet_is_ssm(&gi->group))
		FZ_CHECK(gi->mode == MSF_INCLUDE && gi->v1_timer == 0 &&
		    gi->v2_timer == 0);
	FZ_CHECK(gi->untracked <= fz->max_gmi);
	/* A non-querier has no retransmissions (mdb_if_set_querier()). */
	if (!fz->querier)
		FZ_CHECK(gi->rxmt == 0);
	fz_hash_addr(&s->hash, &gi->group);
	fz_hash(&s->hash, gi->mode);
	fz_hash(&s->hash, gi->timer);
	fz_hash(&s->hash, gi->v1_timer);
	fz_hash(&s->hash, gi->v2_timer);
	fz_hash(&s->hash, gi->rxmt);
	fz_hash(&s->hash, gi->nmember);
	fz_hash(&s->hash, gi->untracked);

	for (src = mdb_source_first(g); src; src = mdb_source_next(src)) {
		mdb_source_info(src, fz->now, &si);
		FZ_CHECK((j = fz_index(fz->src, NSRC, &si.addr)) >= 0);
		FZ_CHECK(nsrc == 0 || inet_cmp(&last, &si.addr) < 0);
		last = si.addr;
		FZ_CHECK(mdb_source_find(g, &si.addr) == src);
		/* Section 6.3: forwarded while the timer runs. */
		FZ_CHECK(si.forward == (si.timer > 0));
		FZ_CHECK(si.timer <= fz->max_gmi);
		FZ_CHECK(mdb_wants(fz->ifp, &si.addr, &gi->group) ==
		    si.forward);
		/* INCLUDE: no excluded source; Y has no retransmission. */
		FZ_CHECK(si.forward || gi->mode == MSF_EXCLUDE);
		FZ_CHECK(si.forward || si.rxmt == 0);
		FZ_CHECK(fz->querier || si.rxmt == 0);
		s->src[i][j] = si.forward ? 2 : 1;
		s->stimer[i][j] = si.timer;
		fz_hash_addr(&s->hash, &si.addr);
		fz_hash(&s->hash, si.timer);
		fz_hash(&s->hash, si.rxmt);
		nsrc++;
	}
	FZ_CHECK(nsrc == gi->nsrc);
	s->nsources += nsrc;
	for (j = 0; j < NSRC; j++)
		if (s->src[i][j] == 0)
			FZ_CHECK(mdb_wants(fz->ifp, &fz->src[j], &gi->group) ==
			    (gi->mode == MSF_EXCLUDE));

	for (m = mdb_member_first(g); m; m = mdb_member_next(m)) {
		fz_check_member(fz, s, i, g, m);
		nmember++;
	}
	FZ_CHECK(nmember == gi->nmember);
	s->nmembers += nmember;
	fz_check_merge(fz, i, g, gi->mode, s->src[i]);
}

/* Walk the whole state, check it, and describe it in s. */
static void
fz_check(struct fz *fz, struct fz_snap *s)
{
	struct mdb_group_info gi;
	const struct mdb_group *g;
	struct inet_addr last;
	struct msf none;
	uint64_t dl;
	size_t n = 0;
	int i;

	memset(s, 0, sizeof(*s));
	s->hash = 0xcbf29ce484222325ULL;
	for (g = mdb_group_first(fz->ifp); g; g = mdb_group_next(g)) {
		fz_check_group(fz, s, g, &gi);
		FZ_CHECK(n == 0 || inet_cmp(&last, &gi.group) < 0);
		last = gi.group;
		n++;
	}
	s->ngroups = n;
	FZ_CHECK(mdb_group_count(fz->ifp) == n);

	/* Groups without a record: nothing wanted, merge result null. */
	msf_init(&none, MSF_INCLUDE);
	for (i = 0; i < NGRP; i++) {
		if (s->exists[i])
			continue;
		FZ_CHECK(mdb_group_find(fz->ifp, &fz->grp[i]) == NULL);
		FZ_CHECK(!mdb_wants(fz->ifp, NULL, &fz->grp[i]));
		FZ_CHECK(!mdb_wants(fz->ifp, &fz->src[i % NSRC],
		    &fz->grp[i]));
		fz_merge_update(fz, i, &none);
	}
	for (i = 0; i < NHOST; i++) {
		FZ_CHECK(mdb_host_groups(fz->ifp, &fz->host[i]) ==
		    s->hostgroups[i]);
		fz_hash(&s->hash, s->hostgroups[i]);
		if (s->hostgroups[i] > 0)
			s->nhosts++;
	}
	FZ_CHECK(mdb_source_count(fz->ifp) == s->nsources);
	FZ_CHECK(mdb_listed_count(fz->ifp) == s->nlisted);
	FZ_CHECK(mdb_member_count(fz->ifp) == s->nmembers);
	FZ_CHECK(mdb_host_count(fz->ifp) == s->nhosts);

	/* Every expiry due by now has run; no timer without a group. */
	dl = mdb_next_deadline(fz->ifp);
	FZ_CHECK(dl > fz->now);
	if (n == 0)
		FZ_CHECK(dl == UINT64_MAX);
	else
		FZ_CHECK(dl == UINT64_MAX || dl - fz->now <= fz->max_gmi ||
		    dl - fz->now <= fz->max_lmqi);
	fz_hash(&s->hash, dl);
}

/* A group's source states as text, "0012...", for messages. */
static const char *
fz_srcstr(const uint8_t *src)
{
	static char buf[2][NSRC + 1];
	static int k;
	int j;

	k = !k;
	for (j = 0; j < NSRC; j++)
		buf[k][j] = (char)('0' + src[j]);
	buf[k][NSRC] = '\0';
	return buf[k];
}

/*
 * Drain, check, and compare with the state before the operation: every
 * group whose forwarding state changed was reported.  Returns the new
 * state in cur; fz->snap is still the old one.
 */
static void
fz_after(struct fz *fz, struct fz_snap *cur)
{
	const struct fz_snap *prev = &fz->snap;
	int i;

	fz_drain(fz);
	fz_check(fz, cur);
	for (i = 0; i < NGRP; i++) {
		if (prev->exists[i] == cur->exists[i] && (!cur->exists[i] ||
		    (prev->mode[i] == cur->mode[i] &&
		    !memcmp(prev->src[i], cur->src[i], NSRC))))
			continue;
		if (!fz->changed[i]) {
			fprintf(stderr, "group %d changed, not reported: "
			    "%s %s %.*s -> %s %s %.*s (0 none, 1 blocked, "
			    "2 forwarded)\n", i,
			    prev->exists[i] ? "exists" : "none",
			    msf_mode_str[prev->mode[i]], NSRC,
			    fz_srcstr(prev->src[i]),
			    cur->exists[i] ? "exists" : "none",
			    msf_mode_str[cur->mode[i]], NSRC,
			    fz_srcstr(cur->src[i]));
			fz_fail(__LINE__, "fz->changed[i]");
		}
	}
}

/* Only a record creates state: other operations never add to it. */
static void
fz_no_growth(const struct fz_snap *prev, const struct fz_snap *cur)
{
	int i;

	FZ_CHECK(cur->ngroups <= prev->ngroups);
	FZ_CHECK(cur->nsources <= prev->nsources);
	FZ_CHECK(cur->nlisted <= prev->nlisted);
	FZ_CHECK(cur->nmembers <= prev->nmembers);
	FZ_CHECK(cur->nhosts <= prev->nhosts);
	for (i = 0; i < NHOST; i++)
		FZ_CHECK(cur->hostgroups[i] <= prev->hostgroups[i]);
}

/* An operation that must leave the state as it was. */
static void
fz_unchanged(const struct fz *fz, const struct fz_snap *prev,
    const struct fz_snap *cur)
{
	FZ_CHECK(cur->hash == prev->hash);
	FZ_CHECK(fz->nchanged == 0 && fz->nqueries == 0);
}

/* The results mdb.h fixes before any state is looked at; -1 if none. */
static int
fz_expect(const struct fz *fz, const struct mdb_rec *r)
{
	const struct mdb_params *p = mdb_if_params(fz->ifp);
	size_t i;
	int ver;

	if (r->type < MDB_IS_IN || r->type >= MDB_REC_MAX ||
	    r->group.family != fz->family || !inet_is_multicast(&r->group) ||
	    (r->type == MDB_V1_REPORT && fz->family != AF_INET))
		return MDB_IGN_INVALID;
	for (i = 0; i < r->nsrc; i++)
		if (r->srcs[i].family != fz->family)
			return MDB_IGN_INVALID;
	if (inet_is_linklocal_group(&r->group))
		return MDB_IGN_LINKLOCAL;
	ver = r->type == MDB_V1_REPORT ? 1 : r->type == MDB_V2_REPORT ||
	    r->type == MDB_V2_LEAVE ? 2 : 3;
	if (ver > p->version)
		return MDB_IGN_VERSION;
	if (inet_is_ssm(&r->group) && (r->type == MDB_IS_EX ||
	    r->type == MDB_TO_EX || ver < 3))
		return MDB_IGN_SSM;
	return -1;
}

/*
 * The host's own filter after an applied record (mdb.h, explicit
 * tracking): IS_IN(B), TO_IN(B): INCLUDE(B); IS_EX(B): EXCLUDE(B);
 * TO_EX(B): EXCLUDE(B), or EXCLUDE({}) in older-version mode; older
 * reports EXCLUDE({}); ALLOW and BLOCK edit the list; INCLUDE({}) and
 * a leave forget the host, and so does going over a tracking limit.
 */
static void
fz_check_host(struct fz *fz, const struct mdb_rec *r, unsigned mask,
    int gi, int hi, bool untracked)
{
	const struct mdb_group *g = mdb_group_find(fz->ifp, &r->group);
	const struct mdb_member *m = g ? mdb_member_find(g, &r->host) : NULL;
	struct mdb_member_info mi;
	unsigned have;
	size_t n;

	if (untracked) {
		FZ_CHECK(m == NULL);
		return;
	}

	switch (r->type) {
	case MDB_IS_EX:
	case MDB_TO_EX:
	case MDB_V1_REPORT:
	case MDB_V2_REPORT:
		break;
	case MDB_IS_IN:
	case MDB_TO_IN:
	case MDB_ALLOW:
		if (r->nsrc > 0)
			break;
		/* FALLTHROUGH */
	case MDB_V2_LEAVE:
		if (r->type != MDB_ALLOW)
			FZ_CHECK(m == NULL);
		return;
	default:
		if (m == NULL)
			return;
		break;
	}
	if (m == NULL) {
		fprintf(stderr, "%s applied, host %d not a member of %d\n",
		    mdb_rec_str[r->type], hi, gi);
		fz_fail(__LINE__, "m != NULL");
	}
	mdb_member_info(m, fz->now, &mi);
	have = fz_member_srcs(fz, m, &n);
	if (r->type != MDB_BLOCK)
		FZ_CHECK(mi.version == (r->type == MDB_V1_REPORT ? 1 :
		    r->type == MDB_V2_REPORT ? 2 : 3));
	switch (r->type) {
	case MDB_IS_IN:
	case MDB_TO_IN:
		FZ_CHECK(mi.mode == MSF_INCLUDE && have == mask);
		break;
	case MDB_IS_EX:
		FZ_CHECK(mi.mode == MSF_EXCLUDE && have == mask);
		break;
	case MDB_TO_EX:
		FZ_CHECK(mi.mode == MSF_EXCLUDE && (have == mask || have == 0));
		break;
	case MDB_V1_REPORT:
	case MDB_V2_REPORT:
		FZ_CHECK(mi.mode == MSF_EXCLUDE && have == 0);
		break;
	case MDB_ALLOW:
		FZ_CHECK(mi.mode == MSF_INCLUDE ? (have & mask) == mask :
		    (have & mask) == 0);
		break;
	case MDB_BLOCK:
		FZ_CHECK(mi.mode == MSF_INCLUDE ? (have & mask) == 0 :
		    (have & mask) == mask);
		break;
	default:
		break;
	}
}

static void
fz_record(struct fz *fz, const uint8_t *arg)
{
	const struct mdb_params *p = mdb_if_params(fz->ifp);
	struct inet_addr srcs[NSRC + 2];
	struct mdb_stats before;
	const struct mdb_stats *st;
	struct fz_snap prev, cur;
	struct mdb_rec r;
	enum mdb_res res;
	unsigned mask = 0;
	uint64_t untracked;
	int gi, hi, j, expect;
	bool pretick = arg[0] & 0x10, notrace;

	memset(&r, 0, sizeof(r));
	r.type = (enum mdb_rec_type)((arg[0] & 0x0f) % (MDB_REC_MAX + 1));
	hi = arg[1] & 3;
	gi = (arg[1] >> 2) & 15;
	r.host = fz->host[hi];
	r.group = fz->grp[gi];
	for (j = 0; j < NSRC; j++)
		if (arg[2] & 1u << j) {
			srcs[r.nsrc++] = fz->src[j];
			mask |= 1u << j;
		}
	if ((arg[0] & 0x80) && r.nsrc > 0)	/* duplicates are harmless */
		srcs[r.nsrc++] = srcs[0];
	if ((arg[0] & 0x60) == 0x60)
		srcs[r.nsrc++] = fz->other;
	r.srcs = r.nsrc > 0 ? srcs : NULL;

	/* Run what is due first, so the no-trace checks can compare. */
	if (pretick) {
		mdb_tick(fz->ifp, fz->now);
		fz_after(fz, &cur);
		fz_no_growth(&fz->snap, &cur);
		fz->snap = cur;
	}
	prev = fz->snap;
	before = *mdb_if_stats(fz->ifp);
	untracked = fz_untracked(fz);
	expect = fz_expect(fz, &r);

	res = mdb_record(fz->ifp, &r, fz->now);
	if (fz_trace)
		fprintf(stderr, "%llu: %s host %d group %d sources %02x%s%s%s: "
		    "%s, %s\n", (unsigned long long)fz->now,
		    r.type < MDB_REC_MAX ? mdb_rec_str[r.type] : "?", hi, gi,
		    mask, arg[0] & 0x80 ? " dup" : "",
		    (arg[0] & 0x60) == 0x60 ? " other" : "",
		    pretick ? " pretick" : "", mdb_res_str[res],
		    mdb_last_row(fz->ifp));

	FZ_CHECK((unsigned)res < MDB_RES_MAX && mdb_res_str[res] != NULL);
	FZ_CHECK(mdb_last_row(fz->ifp) != NULL);
	st = mdb_if_stats(fz->ifp);
	for (j = 0; j < MDB_RES_MAX; j++)
		FZ_CHECK(st->rec[j] == before.rec[j] + (j == (int)res));
	fz_after(fz, &cur);

	if (expect >= 0) {
		if ((int)res != expect) {
			fprintf(stderr, "%s from host %d for group %d: %s, "
			    "expected %s\n", mdb_rec_str[r.type], hi, gi,
			    mdb_res_str[res], mdb_res_str[expect]);
			fz_fail(__LINE__, "res == expect");
		}
		notrace = true;
	} else {
		FZ_CHECK(res == MDB_APPLIED || res == MDB_NOOP ||
		    res == MDB_IGN_COMPAT || res == MDB_DROP_LIMIT_IF ||
		    res == MDB_DROP_LIMIT_HOST || res == MDB_DROP_LIMIT_SRC);
		notrace = pretick && res != MDB_APPLIED;
	}
	if (notrace)
		fz_unchanged(fz, &prev, &cur);
	if (pretick) {
		if (res == MDB_NOOP || res == MDB_DROP_LIMIT_IF)
			FZ_CHECK(!prev.exists[gi]);
		if (res == MDB_DROP_LIMIT_IF)
			FZ_CHECK(p->max_groups > 0 &&
			    prev.ngroups >= p->max_groups);
		if (res == MDB_DROP_LIMIT_HOST)
			FZ_CHECK(!inet_is_any(&r.host) &&
			    !prev.member[gi][hi] &&
			    prev.hostgroups[hi] >= p->max_per_host);
		if (res == MDB_DROP_LIMIT_SRC)
			FZ_CHECK(r.nsrc > 0);
	}

	/*
	 * Limits: never exceeded by a record; lowering keeps what is.  The
	 * unspecified address, shared by hosts without one, has no limit
	 * of its own.
	 */
	if (cur.ngroups > prev.ngroups)
		FZ_CHECK(cur.ngroups <= p->max_groups);
	if (cur.nsources > prev.nsources && cur.nsources > p->max_sources) {
		fprintf(stderr, "%s: %zu source records, before %zu, "
		    "max_sources %u\n", mdb_rec_str[r.type], cur.nsources,
		    prev.nsources, p->max_sources);
		fz_fail(__LINE__, "cur.nsources <= p->max_sources");
	}
	if (cur.nmembers + cur.nlisted > prev.nmembers + prev.nlisted)
		FZ_CHECK(cur.nmembers + cur.nlisted <= p->max_sources);
	if (cur.nhosts > prev.nhosts)
		FZ_CHECK(cur.nhosts <= p->max_hosts);
	for (j = 0; j < NHOST; j++) {
		if (j != hi)
			FZ_CHECK(cur.hostgroups[j] <= prev.hostgroups[j]);
		else if (!inet_is_any(&r.host) &&
		    cur.hostgroups[j] > prev.hostgroups[j])
			FZ_CHECK(cur.hostgroups[j] <= p->max_per_host);
	}
	if (res == MDB_APPLIED)
		fz_check_host(fz, &r, mask, gi, hi,
		    fz_untracked(fz) != untracked);
	fz->snap = cur;
}

/* Q(G) or Q(G,A) heard from another router, S flag from the script. */
static void
fz_heard(struct fz *fz, const uint8_t *arg)
{
	struct inet_addr srcs[NSRC];
	struct fz_snap cur;
	const struct fz_snap *prev = &fz->snap;
	/* LMQT and the grace for late answers (mdb_grace()). */
	uint64_t lmqt = mdb_if_lmq_wait(fz->ifp), want;
	size_t n = 0;
	bool sflag = arg[0] & 0x40;
	int gi = arg[0] & 15, j;

	for (j = 0; j < NSRC; j++)
		if (arg[1] & 1u << j)
			srcs[n++] = fz->src[j];
	mdb_query_heard(fz->ifp, &fz->grp[gi], srcs, n, sflag, fz->now);
	fz_after(fz, &cur);
	FZ_CHECK(fz->nchanged == 0 && fz->nqueries == 0);
	FZ_CHECK(cur.ngroups == prev->ngroups);
	if (sflag)
		fz_unchanged(fz, prev, &cur);
	/* Section 6.6.1: lowered to LMQT + grace, never raised, nothing else. */
	if (!sflag && prev->exists[gi]) {
		want = n == 0 && prev->gtimer[gi] > lmqt ? lmqt :
		    prev->gtimer[gi];
		FZ_CHECK(cur.gtimer[gi] == want);
		for (j = 0; j < NSRC; j++) {
			want = prev->stimer[gi][j];
			if (n > 0 && (arg[1] & 1u << j) && want > lmqt)
				want = lmqt;
			FZ_CHECK(cur.stimer[gi][j] == want);
		}
	}
	fz->snap = cur;
}

/* One operation; returns the bytes it used, 0 at the end. */
static size_t
fz_step(struct fz *fz, const uint8_t *p, size_t n)
{
	static const uint64_t unit[8] = {
		0, 1, 10, 100, 1000, 10000, 60000, 100000
	};
	struct mdb_params params;
	struct fz_snap cur;
	enum fz_op op;
	uint64_t dl, t;
	size_t i;

	if (n < 1)
		return 0;
	op = fz_ops[p[0] & 15];
	if (op == OP_TICK && (p[0] >> 4) == 15)
		op = OP_FLUSH;
	if (n < fz_op_len[op])
		return 0;
	if (fz_trace && op != OP_RECORD) {
		fprintf(stderr, "%llu: %s", (unsigned long long)fz->now,
		    fz_op_name[op]);
		if (op == OP_QUERIER)
			fprintf(stderr, " %s", (p[0] >> 4) & 1 ? "on" : "off");
		for (i = 1; i < fz_op_len[op]; i++)
			fprintf(stderr, " %02x", p[i]);
		fprintf(stderr, "\n");
	}

	switch (op) {
	case OP_RECORD:
		fz_record(fz, p + 1);
		break;
	case OP_HEARD:
		fz_heard(fz, p + 1);
		break;
	case OP_ADVANCE:
		fz->now += unit[p[1] & 7] * ((p[1] >> 3) + 1);
		mdb_tick(fz->ifp, fz->now);
		fz_after(fz, &cur);
		fz_no_growth(&fz->snap, &cur);
		fz->snap = cur;
		break;
	case OP_DEADLINE:
		/* To one before, at, or one after the next deadline. */
		dl = mdb_next_deadline(fz->ifp);
		if (dl != UINT64_MAX && (t = dl + p[1] % 3 - 1) > fz->now)
			fz->now = t;
		mdb_tick(fz->ifp, fz->now);
		fz_after(fz, &cur);
		fz_no_growth(&fz->snap, &cur);
		if (fz->now < dl) {
			FZ_CHECK(fz->nchanged == 0 && fz->nqueries == 0);
			FZ_CHECK(mdb_next_deadline(fz->ifp) == dl);
		}
		fz->snap = cur;
		break;
	case OP_QUERIER:
		fz->querier = (p[0] >> 4) & 1;
		mdb_if_set_querier(fz->ifp, fz->querier);
		fz_after(fz, &cur);
		FZ_CHECK(fz->nchanged == 0 && fz->nqueries == 0);
		fz_no_growth(&fz->snap, &cur);
		fz->snap = cur;
		break;
	case OP_PARAMS:
		/* The family cannot change, whatever params.family says. */
		fz_params(&params, p[4] & 0x40 ? (fz->family == AF_INET ?
		    AF_INET6 : AF_INET) : p[4] & 0x80 ? 0 : fz->family,
		    p + 1);
		mdb_if_set_params(fz->ifp, &params);
		fz_params_seen(fz);
		if (fz_trace)
			fz_trace_params(fz);
		fz_after(fz, &cur);
		fz_unchanged(fz, &fz->snap, &cur);
		fz->snap = cur;
		break;
	case OP_TICK:
		mdb_tick(fz->ifp, fz->now);
		fz_after(fz, &cur);
		fz_unchanged(fz, &fz->snap, &cur);
		fz->snap = cur;
		break;
	case OP_FLUSH:
		mdb_if_flush(fz->ifp);
		fz_after(fz, &cur);
		FZ_CHECK(cur.ngroups == 0 && fz->nqueries == 0);
		fz->snap = cur;
		break;
	}
	return fz_op_len[op];
}

int LLVMFuzzerInitialize(int *, char ***);
int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fz_trace_init("FUZZ_MDB_TRACE");
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mdb_params params;
	struct fz *fz;
	size_t off, used;
	int i;

	if (size < 4)
		return 0;
	if ((fz = calloc(1, sizeof(*fz))) == NULL)
		abort();
	fz->family = data[0] & 1 ? AF_INET6 : AF_INET;
	for (i = 0; i < NGRP; i++)
		fz->grp[i] = fz_addr((fz->family == AF_INET ? fz_grp4 :
		    fz_grp6)[i]);
	for (i = 0; i < NHOST; i++)
		fz->host[i] = fz_addr((fz->family == AF_INET ? fz_host4 :
		    fz_host6)[i]);
	for (i = 0; i < NSRC; i++) {
		fz->src[i] = fz_addr(fz->family == AF_INET ? "10.1.0.0" :
		    "2001:db8::");
		inet_add(&fz->src[i], (uint32_t)i + 1);
	}
	fz->other = fz_addr(fz->family == AF_INET ? "2001:db8::1" :
	    "10.1.0.1");
	for (i = 0; i < NGRP; i++)
		msf_init(&fz->merged[i], MSF_INCLUDE);

	fz_params(&params, fz->family, data);
	if ((fz->ifp = mdb_if_create(&params)) == NULL)
		abort();
	fz->now = 1000;
	fz->querier = true;
	fz->fl_always = true;
	fz_params_seen(fz);
	if (data[3] & 1) {
		fz->querier = false;
		mdb_if_set_querier(fz->ifp, false);
	}
	fz_after(fz, &fz->snap);
	if (fz_trace)
		fz_trace_params(fz);

	for (off = 4; off < size; off += used)
		if ((used = fz_step(fz, data + off, size - off)) == 0)
			break;

	mdb_if_destroy(fz->ifp);
	for (i = 0; i < NGRP; i++)
		msf_clear(&fz->merged[i]);
	free(fz);
	return 0;
}
