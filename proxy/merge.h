/*
 * merge.h - source filters and the RFC 4605 membership merge
 *
 * A struct msf is one multicast source filter: a filter mode and a set
 * of sources (RFC 3376 section 3.1, RFC 3810 section 4.1).  INCLUDE with
 * an empty set means "no membership".
 *
 * The merge accumulates the filters of several downstream interfaces
 * for one group and yields the membership the proxy reports upstream,
 * RFC 4605 section 4.1, using the merging rules of RFC 3376 section 3.2
 * and RFC 3810 section 4.2:
 *
 *	- if any input is EXCLUDE, the result is EXCLUDE with the
 *	  intersection of the EXCLUDE source sets minus the union of the
 *	  INCLUDE source sets;
 *	- otherwise the result is INCLUDE with the union of the INCLUDE
 *	  source sets.
 *
 * The merge is generic: the caller opens one input record per
 * interface with merge_begin() and adds its sources with merge_src().
 * An interface in router state EXCLUDE(X,Y) contributes EXCLUDE(Y): the
 * requested sources X are forwarded exactly like unlisted ones (RFC 3376
 * section 6.3), so only the sources with a zero timer restrict the
 * membership (see mdb_group_merge()).
 *
 * Policy that lives in the caller: link-local groups (224.0.0.0/24,
 * ff0X:: with a scope below 3, inet_is_linklocal_group()) are never
 * proxied upstream and must not be fed to the merge; the membership
 * database already ignores reports for them.
 *
 * The diff turns an old and a new merged filter into the operations the
 * upstream socket needs, so membership is changed in place rather than
 * left and joined again.  Nothing here allocates per call except the
 * set nodes themselves; a failed allocation is reported, never fatal.
 */
#ifndef SMCR_MERGE_H
#define SMCR_MERGE_H

#include <sys/tree.h>
#include <stdbool.h>
#include <stddef.h>

#include "inet.h"

enum msf_mode {
	MSF_INCLUDE = 0,
	MSF_EXCLUDE = 1,
};

extern const char *const msf_mode_str[2];	/* "INCLUDE", "EXCLUDE" */

/* One source of a filter; the tree is ordered by inet_cmp(). */
struct msf_src {
	RB_ENTRY(msf_src)	 entry;
	struct inet_addr	 addr;
};
RB_HEAD(msf_tree, msf_src);
int		 msf_src_cmp(const struct msf_src *, const struct msf_src *);
RB_PROTOTYPE(msf_tree, msf_src, entry, msf_src_cmp)

struct msf {
	enum msf_mode		 mode;
	size_t			 nsrc;
	struct msf_tree		 srcs;
};

/* Works on a const filter too: RB_FOREACH does not modify the tree. */
#define MSF_FOREACH(s, f)						\
	RB_FOREACH(s, msf_tree, (struct msf_tree *)&(f)->srcs)

void		 msf_init(struct msf *, enum msf_mode);
/* Free every source; the mode is kept. */
void		 msf_clear(struct msf *);
/* 1 if added, 0 if already present, -1 if out of memory. */
int		 msf_add(struct msf *, const struct inet_addr *);
bool		 msf_del(struct msf *, const struct inet_addr *);
bool		 msf_has(const struct msf *, const struct inet_addr *);
/* dst must be initialised; it is cleared first.  -1 if out of memory. */
int		 msf_copy(struct msf *dst, const struct msf *src);
bool		 msf_equal(const struct msf *, const struct msf *);
/* INCLUDE({}): no membership at all. */
bool		 msf_is_null(const struct msf *);

/* Per-source bookkeeping of the merge. */
struct merge_node {
	RB_ENTRY(merge_node)	 entry;
	struct inet_addr	 addr;
	unsigned		 n_ex;		/* EXCLUDE inputs listing it */
	unsigned		 last;		/* input that last counted it */
	bool			 in_union;	/* an INCLUDE input lists it */
};
RB_HEAD(merge_tree, merge_node);

/* Accumulator for one group; see merge_init(). */
struct merge {
	struct merge_tree	 nodes;
	unsigned		 n_ex;		/* EXCLUDE inputs so far */
	unsigned		 n_in;		/* INCLUDE inputs so far */
	unsigned		 cur;		/* number of the open input */
	enum msf_mode		 mode;		/* mode of the open input */
	bool			 open;
	bool			 nomem;		/* an allocation failed */
};

void		 merge_init(struct merge *);
/* Start the next input record with its filter mode. */
void		 merge_begin(struct merge *, enum msf_mode);
/* Add a source to the open record; duplicates are harmless.  -1: ENOMEM */
int		 merge_src(struct merge *, const struct inet_addr *);
/* merge_begin() plus merge_src() for each of n sources. */
int		 merge_record(struct merge *, enum msf_mode,
		    const struct inet_addr *, size_t n);
/*
 * The merged filter into out (initialised by the caller; it is cleared
 * first).  No input at all gives INCLUDE({}).  -1 if out of memory, or
 * if an earlier merge_src() failed, in which case out is not usable.
 */
int		 merge_result(const struct merge *, struct msf *out);
void		 merge_free(struct merge *);

/*
 * Diff operations, in order:
 *  MERGE_OP_MODE	the filter mode changes to `mode'; it is reported
 *			first, and then every source of the new filter is
 *			reported with MERGE_OP_ADD (the lists are diffed
 *			against an empty list of the new mode).  With
 *			MCAST_MSFILTER the caller simply installs the new
 *			filter; with per-source socket options it switches
 *			mode then adds.
 *  MERGE_OP_ADD	src joins the list of filter mode `mode' (INCLUDE:
 *			join source; EXCLUDE: block source).
 *  MERGE_OP_DEL	src leaves the list (INCLUDE: leave source;
 *			EXCLUDE: unblock source).
 * src is NULL for MERGE_OP_MODE.  Old INCLUDE({}) to anything is a join;
 * anything to INCLUDE({}) is a leave: MODE(INCLUDE) or DELs to empty.
 */
enum merge_op {
	MERGE_OP_MODE,
	MERGE_OP_ADD,
	MERGE_OP_DEL,
};

extern const char *const merge_op_str[3];

typedef void	(*merge_diff_fn)(void *arg, enum merge_op, enum msf_mode,
		    const struct inet_addr *src);

/* Walk both filters once, O(n + m); returns the number of operations. */
size_t		 merge_diff(const struct msf *oldf, const struct msf *newf,
		    merge_diff_fn, void *arg);

#endif /* SMCR_MERGE_H */
