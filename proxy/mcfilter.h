/*
 * mcfilter.h - upstream membership through the kernel's source filters
 *
 * The host side of the proxy (RFC 4605 section 4.1): the merged
 * membership of the downstream interfaces is expressed on the upstream
 * interface as a per-group filter mode and source list, installed with
 * MCAST_MSFILTER (RFC 3678 full-state API), so that the kernel's own
 * IGMPv3/MLDv2 host stack answers the upstream querier and sends the
 * state-change reports.  Both families go through the same code.
 *
 * Kernel behaviour this module is built on (Linux 6.x, verified):
 *
 *  - MCAST_MSFILTER on a socket that has not joined (ifindex, group)
 *    fails with EINVAL, so a new group is joined first: INCLUDE(A) with
 *    MCAST_JOIN_SOURCE_GROUP on one source of A (never a transient ASM
 *    join), EXCLUDE(Y) with MCAST_JOIN_GROUP; then MCAST_MSFILTER sets
 *    the whole list.  Every later change, including INCLUDE <-> EXCLUDE,
 *    is one MCAST_MSFILTER in place: the kernel reports the difference
 *    (ALLOW/BLOCK, TO_EX, TO_IN), never a leave followed by a join.
 *
 *  - A socket holds at most net.ipv4.igmp_max_memberships (20) IPv4
 *    memberships; IPv6 memberships are bounded by socket option memory
 *    (net.core.optmem_max).  Both show up as ENOBUFS/ENOMEM; groups are
 *    spread over as many sockets as needed, found by trying.
 *
 *  - One filter holds at most net.ipv4.igmp_max_msf (10) or
 *    net.ipv6.mld_max_msf (64) sources, else ENOBUFS.  The interface
 *    state of a group is the merge of all sockets' filters (RFC 3376
 *    section 3.2): INCLUDE lists are united, EXCLUDE lists intersected.
 *    So a long INCLUDE list is split over several sockets, each joined
 *    to the group with a part of the list, and the interface state is
 *    exactly the wanted one.  A long EXCLUDE list cannot be expressed:
 *    only a subset of it (limit sources) is installed, which lets more
 *    traffic through than wanted but never less; a warning is logged
 *    once per group and mcfilter.approx is set.
 *
 * An INCLUDE list is bounded: at most 8 sockets per group (80 IPv4 or
 * 512 IPv6 sources by the kernel defaults); beyond, and when the socket
 * pool (mcsock.h) is full, the group is joined as EXCLUDE({}) instead
 * (more traffic, never less), or, for an SSM group, which cannot, with
 * its first sources.  Logged, and marked bounded.
 *
 * Changes are ordered so that no wanted source is ever missing from the
 * interface state in between: new sockets (parts) are joined before
 * existing ones shrink or change mode, and emptied ones are left last.
 */
#ifndef SMCR_MCFILTER_H
#define SMCR_MCFILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <netinet/in.h>
#include <sys/queue.h>
#include <sys/tree.h>

#include "inet.h"

enum {
	MCF_INCLUDE = MCAST_INCLUDE,
	MCF_EXCLUDE = MCAST_EXCLUDE
};

struct mcf_part;

/*
 * The membership of one interface in one group.  The wanted state is
 * mode and srcs; parts are the sockets that express it in the kernel.
 */
struct mcfilter {
	RB_ENTRY(mcfilter)	 entry;
	int			 ifindex;
	struct inet_addr	 grp;
	int			 mode;		/* MCF_INCLUDE, ... */
	size_t			 nsrc;
	struct inet_addr	*srcs;		/* sorted, unique */
	size_t			 nsock;		/* parts */
	/* EXCLUDE: only a subset of srcs could be installed. */
	bool			 approx;
	/*
	 * INCLUDE of nwanted sources was asked for, and mode and srcs are
	 * what the bounds (MCF_MAX_PARTS, the socket pool) allowed.
	 */
	bool			 bounded;
	size_t			 nwanted;
	/* The last mcfilter_set failed: the kernel holds another state. */
	bool			 partial;
	bool			 warned;	/* approx has been logged */
	TAILQ_HEAD(, mcf_part)	 parts;
};

/* Read the per-filter source limits; no socket is opened yet. */
void		 mcfilter_init(void);
/* Leave every group and close every socket. */
void		 mcfilter_exit(void);

/*
 * Set the membership of interface ifindex in grp to mode and the srcs
 * list (any order, duplicates allowed; same family as grp, unicast).
 * INCLUDE with no sources means not a member: the group is left.  A
 * group already joined is changed in place with MCAST_MSFILTER, never
 * left and re-joined.  Setting the state that is already installed does
 * nothing.  Returns 0, or -1 with a reason in err; after a kernel
 * failure the group is still recorded with partial set (and whatever
 * the kernel accepted left in place) unless nothing at all is
 * installed, and the next call retries.
 */
int		 mcfilter_set(int ifindex, const struct inet_addr *grp,
		    int mode, const struct inet_addr *srcs, size_t nsrc,
		    char *err, size_t errlen);

/*
 * The interface is gone.  The kernel has dropped its group state, but
 * each socket still keeps a record of the membership that counts
 * against its limits; those are released and the state forgotten.
 */
void		 mcfilter_drop_iface(int ifindex);

/* The filter of (ifindex, grp), or NULL. */
const struct mcfilter *mcfilter_find(int ifindex, const struct inet_addr *grp);

/* All filters ordered by interface index, then group. */
const struct mcfilter *mcfilter_first(void);
const struct mcfilter *mcfilter_next(const struct mcfilter *);

/* The per-filter source limit in use for a family (learned or sysctl). */
size_t		 mcfilter_max_msf(int family);

/* "INCLUDE" or "EXCLUDE". */
const char	*mcfilter_mode_str(int mode);

#endif /* SMCR_MCFILTER_H */
