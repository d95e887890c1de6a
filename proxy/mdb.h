/*
 * mdb.h - multicast membership database of one downstream interface
 *
 * The router side of IGMPv3 (RFC 3376 section 6, RFC 9776) and MLDv2
 * (RFC 3810 section 7, RFC 9777) for one interface: group records with
 * filter mode, group timer, source records and source timers, driven by
 * the action tables of RFC 3376 sections 6.4.1 and 6.4.2 (RFC 3810
 * sections 7.4.1 and 7.4.2 are the same tables), older-version host
 * compatibility (RFC 3376 section 7.3.2, RFC 3810 section 8.3.2), SSM
 * rules (RFC 4604 section 2.2), per-host explicit tracking with optional
 * fast leave, and membership limits.
 *
 * The database is pure: it opens no socket, arms no event and reads no
 * clock.  Time is passed in as a monotonic millisecond timestamp; every
 * timer is a timestamp inside its object, all of them kept in one tree
 * ordered by deadline, so the caller arms a single event for
 * mdb_next_deadline() and calls mdb_tick() when it fires.
 *
 * Outputs are queues the caller drains after each call:
 *  - query requests (mdb_query_pop()): the "Send Q(G)" and
 *    "Send Q(G,A)" actions, built and retransmitted per RFC 3376
 *    section 6.6.3 while this router is the querier;
 *  - changed groups (mdb_change_pop()): a group whose forwarding state
 *    changed (created, deleted, filter mode, source set), so the caller
 *    recomputes the kernel routes and the upstream merge for it.
 *
 * Versions use IGMP numbering for both families: 1 = IGMPv1, 2 = IGMPv2
 * or MLDv1, 3 = IGMPv3 or MLDv2.
 *
 * Behaviour, where the RFCs leave a choice:
 *  - Time: now must be monotonic.  mdb_record() and mdb_query_heard()
 *    first run the expiries due by now, so the tables always see the
 *    current state.  Older Host Present timers are timestamps read when
 *    needed; their expiry has no action, so they are not in the
 *    deadline tree.
 *  - Late answers: a timer lowered by a specific query (ours, "Send
 *    Q", or the querier's, mdb_query_heard()) runs LMQT plus a small
 *    grace, an eighth of LMQI and at least 100 ms, so that a member
 *    answering at the very end of the last query's response window is
 *    not torn down and rebuilt (see mdb_grace() in mdb.c).
 *  - Version: records newer than the configured version are ignored
 *    (an IGMPv2 router does not know IGMPv3 reports; hosts that hear
 *    only older queries report in the older version, RFC 3376 section
 *    7.2.1).  The group compatibility mode is the lower of the
 *    configured version and the Host Present timers.  For AF_INET6 a
 *    configured version 1 is taken as 2 (MLDv1).
 *  - Scope: reports for link-local groups (inet_is_linklocal_group())
 *    are ignored: they are never routed, and must not use up limits.
 *  - SSM (inet_is_ssm()): IS_EX, TO_EX and the older messages, which
 *    cannot name sources, are ignored and counted (RFC 4604 section
 *    2.2.1); SSM groups only ever hold INCLUDE state, so no Q(G) is ever
 *    sent for them and they never enter a compatibility mode.
 *  - Explicit tracking: every record updates its host's own filter for
 *    the group; a host is forgotten at INCLUDE({}) or one GMI after its
 *    last record.  The unspecified address counts as one host.  Records
 *    ignored by the rules above do not touch host state either.
 *  - Fast leave replaces each "Send Q" of the tables: a source in Q(G,A)
 *    that no tracked host still wants expires at once; Q(G) with no
 *    tracked host left in EXCLUDE mode expires the group timer at once
 *    (section 6.5 then applies), after restoring the sources INCLUDE
 *    hosts still list, which the EXCLUDE-mode rows may have dropped.  No
 *    query is sent.  It applies whether or not this router is querier.
 *    It is only as exact as the reports: IGMPv2/MLDv1 hosts suppress
 *    each other's reports, so with them it is safe with one host per
 *    link.
 *  - Limits: everything a host can make grow is bounded, a zero
 *    parameter taking the MDB_DEF_* default.  Checked before anything
 *    changes: a record that would create a group beyond max_groups, give
 *    the interface more than max_sources source records (counting each
 *    source a record names that the group lacks), or give a host more
 *    than max_per_host groups, is dropped whole and counted.  Records
 *    for existing state, and records that express no interest, always
 *    pass.  The unspecified address has no per-host limit: hosts
 *    without an address share it.  Lowering a limit removes nothing.
 *  - Tracking limits: at most max_hosts hosts are tracked, and their
 *    memberships and the entries of their own source lists are at most
 *    max_sources on the interface.
 *    A record beyond those still goes through the tables; its host is
 *    just not tracked for the group (an existing member is forgotten),
 *    which is counted, and the group is "untracked" for one GMI: fast
 *    leave then cannot know who still listens, so the group's leaves
 *    take the normal path (queries as querier, none otherwise).  The
 *    router state stays exact; only fast leave waits.
 *  - Cost: a record costs O(k log n) for its k sources, plus the source
 *    records it deletes; rows that send Q(G,A-B) or delete A-B walk the
 *    group's sources only when the record leaves some of them out.
 *  - Memory: an allocation failure never aborts; the record's result is
 *    MDB_DROP_NOMEM (state may be partial, timers keep it consistent),
 *    and a lost change notification is reported by mdb_change_lost().
 */
#ifndef SMCR_MDB_H
#define SMCR_MDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "inet.h"
#include "merge.h"

/*
 * Record types.  1-6 are the IGMPv3/MLDv2 group record types (RFC 3376
 * section 4.2.12, RFC 3810 section 5.2.12); the others are the older
 * messages, which mdb_record() translates per RFC 3376 section 7.3.2.
 */
enum mdb_rec_type {
	MDB_IS_IN = 1,		/* MODE_IS_INCLUDE */
	MDB_IS_EX = 2,		/* MODE_IS_EXCLUDE */
	MDB_TO_IN = 3,		/* CHANGE_TO_INCLUDE_MODE */
	MDB_TO_EX = 4,		/* CHANGE_TO_EXCLUDE_MODE */
	MDB_ALLOW = 5,		/* ALLOW_NEW_SOURCES */
	MDB_BLOCK = 6,		/* BLOCK_OLD_SOURCES */
	MDB_V1_REPORT = 7,	/* IGMPv1 membership report */
	MDB_V2_REPORT = 8,	/* IGMPv2 membership report, MLDv1 report */
	MDB_V2_LEAVE = 9,	/* IGMPv2 leave group, MLDv1 done */
	MDB_REC_MAX
};

extern const char *const mdb_rec_str[MDB_REC_MAX];	/* "IS_IN", ... */

/*
 * One decoded group record.  host is the IP source address of the
 * report (the reporting host; the unspecified address is tracked as one
 * pseudo-host).  srcs are nsrc addresses of the group's family; they are
 * only read during mdb_record(), duplicates are harmless.  Older
 * messages carry no sources.
 */
struct mdb_rec {
	enum mdb_rec_type	 type;
	struct inet_addr	 host;
	struct inet_addr	 group;
	size_t			 nsrc;
	const struct inet_addr	*srcs;
};

/*
 * Interface parameters; a zero field takes the RFC default noted.
 * Intervals are milliseconds.  Derived values (RFC 3376 section 8):
 *   GMI  = robustness * query_interval + query_resp	(8.4; MALI)
 *   LMQT = lmqi * lmqc					(8.14; LLQT)
 *   lowered timers run LMQT + max(lmqi / 8, 100), at most LMQT + lmqi
 *   OHPI = robustness * query_interval + query_resp	(8.13)
 */
struct mdb_params {
	int		family;		/* AF_INET or AF_INET6 (required) */
	unsigned	robustness;	/* 2 */
	uint64_t	query_interval;	/* 125000 */
	uint64_t	query_resp;	/* 10000 (max response time) */
	uint64_t	lmqi;		/* 1000: last member query interval */
	unsigned	lmqc;		/* RV: last member query count */
	int		version;	/* 3: highest version accepted */
	bool		fast_leave;	/* expire unwanted state at once */
	unsigned	max_groups;	/* groups */
	unsigned	max_per_host;	/* groups per host; 0: max_groups */
	unsigned	max_sources;	/* source records; host source lists */
	unsigned	max_hosts;	/* tracked hosts */
};

/* The defaults of the limits, for a zero field. */
#define MDB_DEF_MAX_GROUPS	1024
#define MDB_DEF_MAX_SOURCES	4096
#define MDB_DEF_MAX_HOSTS	512

/* Outcome of mdb_record(); each also counts in mdb_stats.rec[]. */
enum mdb_res {
	MDB_APPLIED,		/* the record went through the tables */
	MDB_NOOP,		/* no state and no interest: nothing to do */
	MDB_IGN_INVALID,	/* wrong family, not multicast, bad type */
	MDB_IGN_LINKLOCAL,	/* link-local group: never routed */
	MDB_IGN_VERSION,	/* newer than the configured version */
	MDB_IGN_SSM,		/* non-source-specific request for SSM */
	MDB_IGN_COMPAT,		/* ignored in older-version compat mode */
	MDB_DROP_LIMIT_IF,	/* max_groups reached */
	MDB_DROP_LIMIT_HOST,	/* max_per_host reached for this host */
	MDB_DROP_LIMIT_SRC,	/* max_sources reached */
	MDB_DROP_NOMEM,		/* allocation failed, state may be partial */
	MDB_RES_MAX
};

extern const char *const mdb_res_str[MDB_RES_MAX];

struct mdb_stats {
	uint64_t	rec[MDB_RES_MAX];	/* records by outcome */
	uint64_t	queries;		/* query requests queued */
	uint64_t	fast_leaves;		/* fast-leave expiries */
	uint64_t	untracked_hosts;	/* not tracked: max_hosts */
	uint64_t	untracked_srcs;		/* not tracked: max_sources */
};

/*
 * A query to send on the interface.  nsrc == 0 is a group-specific
 * query Q(G); otherwise a group-and-source-specific query Q(G,A).
 * sflag is the "Suppress Router-Side Processing" flag.  compat is the
 * group's compatibility mode (1, 2, 3) when the query was built.  The
 * caller splits the source list to fit the MTU and frees the request.
 */
struct mdb_query {
	struct mdb_query	*next;		/* internal queue link */
	struct inet_addr	 group;
	bool			 sflag;
	int			 compat;
	size_t			 nsrc;
	struct inet_addr	 srcs[];
};

struct mdb_if;
struct mdb_group;
struct mdb_source;
struct mdb_member;
struct mdb_hsrc;

/* NULL on allocation failure or a family other than AF_INET/AF_INET6. */
struct mdb_if	*mdb_if_create(const struct mdb_params *);
/* Frees all state and queued output; no change is recorded. */
void		 mdb_if_destroy(struct mdb_if *);
/*
 * New parameters (reload).  Running timers keep their deadlines; the
 * new intervals apply from the next report.  The family cannot change.
 */
void		 mdb_if_set_params(struct mdb_if *, const struct mdb_params *);
const struct mdb_params *mdb_if_params(const struct mdb_if *);
/* What a timer lowered by a specific query runs: LMQT + grace. */
uint64_t	 mdb_if_lmq_wait(const struct mdb_if *);
/*
 * Only the querier performs the "Send Q" actions: it lowers the timers
 * and queues the queries (RFC 3376 section 6.6.3).  A non-querier leaves
 * its timers alone and lowers them when it hears the querier's specific
 * queries (mdb_query_heard()).  Leaving the querier role drops pending
 * retransmissions.  Default: querier.
 */
void		 mdb_if_set_querier(struct mdb_if *, bool);
/* Delete every group, recording a change for each (link down). */
void		 mdb_if_flush(struct mdb_if *);
const struct mdb_stats *mdb_if_stats(const struct mdb_if *);

/* Process one record received at now; see enum mdb_res. */
enum mdb_res	 mdb_record(struct mdb_if *, const struct mdb_rec *,
		    uint64_t now);
/*
 * The RFC 3376 section 6.4 row the last applied record went through,
 * e.g. "EXCLUDE (X,Y) TO_IN (A)", for the caller's debug log.
 */
const char	*mdb_last_row(const struct mdb_if *);

/*
 * A specific query heard from another router (RFC 3376 section 6.6.1,
 * RFC 3810 section 7.6.1): when its S flag is clear, Q(G) lowers the
 * group timer and Q(G,A) the timers of the sources in A to LMQT.
 */
void		 mdb_query_heard(struct mdb_if *, const struct inet_addr *grp,
		    const struct inet_addr *srcs, size_t nsrc, bool sflag,
		    uint64_t now);

/* Run every expiry due at or before now. */
void		 mdb_tick(struct mdb_if *, uint64_t now);
/* Earliest pending deadline, UINT64_MAX if none. */
uint64_t	 mdb_next_deadline(const struct mdb_if *);

/* Next queued query, oldest first, or NULL; free with mdb_query_free(). */
struct mdb_query *mdb_query_pop(struct mdb_if *);
void		 mdb_query_free(struct mdb_query *);
/* Next changed group, lowest address first: true and *grp set, or false. */
bool		 mdb_change_pop(struct mdb_if *, struct inet_addr *grp);
/*
 * True (once) if a change could not be queued for lack of memory: the
 * caller should then recompute every group of the interface.
 */
bool		 mdb_change_lost(struct mdb_if *);

/*
 * Forwarding rule of RFC 3376 section 6.3 (RFC 3810 section 7.3): should
 * traffic from src to grp go out on this interface?
 *   INCLUDE: only sources with a running timer;
 *   EXCLUDE: all sources except those with a zero timer (the exclude
 *            list Y); unlisted sources are forwarded.
 * src NULL asks whether any source at all is wanted (for (*,G)).
 */
bool		 mdb_wants(const struct mdb_if *, const struct inet_addr *src,
		    const struct inet_addr *grp);

/* Feed the group's filter into a merge: INCLUDE(A), or EXCLUDE(Y). */
int		 mdb_group_merge(const struct mdb_group *, struct merge *);

/* Iteration for show output; pointers are valid until the next call
 * that modifies the database (mdb_record, mdb_tick, ...). */
struct mdb_group_info {
	struct inet_addr	 group;
	enum msf_mode		 mode;
	uint64_t		 timer;		/* group timer left (EXCLUDE) */
	int			 compat;	/* effective version 1..3 */
	uint64_t		 v1_timer;	/* IGMPv1 Host Present left */
	uint64_t		 v2_timer;	/* v2/MLDv1 Host Present left */
	size_t			 nsrc;
	size_t			 nmember;
	unsigned		 rxmt;		/* Q(G) transmissions left */
	uint64_t		 untracked;	/* time left untracked */
};

struct mdb_source_info {
	struct inet_addr	 addr;
	uint64_t		 timer;		/* source timer left, 0: Y */
	bool			 forward;	/* section 6.3 verdict */
	unsigned		 rxmt;		/* Q(G,S) transmissions left */
};

struct mdb_member_info {
	struct inet_addr	 host;
	enum msf_mode		 mode;		/* the host's own filter mode */
	size_t			 nsrc;
	uint64_t		 timer;		/* time left before forgotten */
	int			 version;	/* of its last record */
};

size_t		 mdb_group_count(const struct mdb_if *);
/* Source records, host source list entries, memberships, hosts. */
size_t		 mdb_source_count(const struct mdb_if *);
size_t		 mdb_listed_count(const struct mdb_if *);
size_t		 mdb_member_count(const struct mdb_if *);
size_t		 mdb_host_count(const struct mdb_if *);
const struct mdb_group *mdb_group_find(const struct mdb_if *,
		    const struct inet_addr *);
const struct mdb_group *mdb_group_first(const struct mdb_if *);
const struct mdb_group *mdb_group_next(const struct mdb_group *);
void		 mdb_group_info(const struct mdb_group *, uint64_t now,
		    struct mdb_group_info *);

const struct mdb_source *mdb_source_first(const struct mdb_group *);
const struct mdb_source *mdb_source_next(const struct mdb_source *);
const struct mdb_source *mdb_source_find(const struct mdb_group *,
		    const struct inet_addr *);
void		 mdb_source_info(const struct mdb_source *, uint64_t now,
		    struct mdb_source_info *);

const struct mdb_member *mdb_member_first(const struct mdb_group *);
const struct mdb_member *mdb_member_next(const struct mdb_member *);
const struct mdb_member *mdb_member_find(const struct mdb_group *,
		    const struct inet_addr *host);
void		 mdb_member_info(const struct mdb_member *, uint64_t now,
		    struct mdb_member_info *);
/* The member's own source list (INCLUDE: wanted; EXCLUDE: blocked). */
const struct mdb_hsrc *mdb_member_src_first(const struct mdb_member *);
const struct mdb_hsrc *mdb_member_src_next(const struct mdb_hsrc *);
const struct inet_addr *mdb_hsrc_addr(const struct mdb_hsrc *);

/* Groups a host is a member of on this interface (0 if unknown). */
unsigned	 mdb_host_groups(const struct mdb_if *,
		    const struct inet_addr *host);

#endif /* SMCR_MDB_H */
