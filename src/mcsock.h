/*
 * mcsock.h - the sockets that hold the daemon's group memberships
 *
 * One pool for every membership the daemon makes as a host: mgroup and
 * smcroutectl join (mcgroup.c), and the proxy's upstream filters
 * (proxy/mcfilter.c).  The kernel limits what one socket holds (IPv4:
 * net.ipv4.igmp_max_memberships, 20 by default; IPv6: socket option
 * memory, net.core.optmem_max) and says so with ENOBUFS or ENOMEM; a
 * socket holds at most one membership of an (interface, group).  So
 * memberships are spread over as many sockets as they need, found by
 * trying: a socket the kernel refused one more is full until one of
 * its memberships is left.
 *
 * The pool records which (interface, group) each socket holds, and
 * keeps the sockets with room apart from the full ones, so that finding
 * a socket for another membership is a walk over the sockets with room
 * that already hold the group (one tree lookup each), never over every
 * membership.
 *
 * The pool has at most MCSOCK_MAX sockets, a bound on the descriptors
 * that no input can push further: 512 sockets hold 10240 IPv4
 * memberships with the kernel's default limit.  Beyond it the pick fails
 * with EMFILE and the caller does without, or with a wider filter.
 */
#ifndef SMCR_MCSOCK_H
#define SMCR_MCSOCK_H

#include <stdbool.h>

#include "inet.h"

#define MCSOCK_MAX	512

struct mcsock;

/*
 * How a membership uses its (interface, group) on a socket: SSM joins
 * of one group with different sources share one membership (the kernel
 * adds the source to it); anything else has it to itself.
 */
enum mcsock_use {
	MCSOCK_OWN,
	MCSOCK_SSM,
};

/*
 * A socket of family with room that can take a membership of (ifindex,
 * grp) used so: an open one, else a new one.  NULL with errno, EMFILE
 * when the pool has MCSOCK_MAX sockets.
 */
struct mcsock	*mcsock_pick(int family, int ifindex,
		    const struct inet_addr *grp, enum mcsock_use);
/* The kernel refused s one more membership: skip it until one leaves. */
void		 mcsock_full(struct mcsock *);
/* A membership of (ifindex, grp) was made on s; 0, or -1 (no memory). */
int		 mcsock_hold(struct mcsock *, int ifindex,
		    const struct inet_addr *grp, enum mcsock_use);
/* One was left; a socket without any is closed. */
void		 mcsock_release(struct mcsock *, int ifindex,
		    const struct inet_addr *grp);
/* How many (interface, group)s s holds. */
int		 mcsock_count(const struct mcsock *);
/* Close s if it holds nothing (a new socket whose first join failed). */
void		 mcsock_idle(struct mcsock *);
int		 mcsock_fd(const struct mcsock *);
/* The IPPROTO_IP or IPPROTO_IPV6 level of s's options. */
int		 mcsock_level(const struct mcsock *);
/* Sockets open in the pool. */
int		 mcsock_total(void);
/* Close every socket (their memberships with them). */
void		 mcsock_exit(void);

#endif /* SMCR_MCSOCK_H */
