/*
 * mcgroup.h - group memberships the daemon holds (mgroup, join)
 *
 * Each membership is (interface, source, group); source any is ASM.
 * They are held on the sockets of the pool (mcsock.h), as many as the
 * kernel's per-socket limits ask for, so thousands of groups work with
 * default sysctls; SSM joins of one group share a socket's membership.
 */
#ifndef SMCR_MCGROUP_H
#define SMCR_MCGROUP_H

#include <stdbool.h>
#include <sys/tree.h>

#include "inet.h"

#define MCGROUP_CONF	0x1
#define MCGROUP_IPC	0x2

struct mcsock;

struct mcgroup {
	RB_ENTRY(mcgroup) entry;
	int		 ifindex;
	struct inet_addr grp;
	struct inet_addr src;		/* any: ASM */
	unsigned int	 origin;
	bool		 stale;
	struct mcsock	*sock;
};

void		 mcgroup_init(void);
void		 mcgroup_exit(void);
/* 0, or -1 with a reason in err (already joined, kernel refused...). */
int		 mcgroup_join(int ifindex, const struct inet_addr *src,
		    const struct inet_addr *grp, unsigned int origin,
		    char *err, size_t errlen);
int		 mcgroup_leave(int ifindex, const struct inet_addr *src,
		    const struct inet_addr *grp, char *err, size_t errlen);
/* Reload: mark those of origin, re-join keeps, sweep leaves the rest. */
void		 mcgroup_mark(unsigned int origin);
void		 mcgroup_sweep(void);
/*
 * Leave and join again every membership of family (AF_UNSPEC: all) on
 * ifindex (see iface.h, came_up).
 */
void		 mcgroup_rejoin_iface(int ifindex, int family);
/* Leave every membership on ifindex (the interface is gone). */
void		 mcgroup_drop_iface(int ifindex);

struct mcgroup	*mcgroup_first(void);
struct mcgroup	*mcgroup_next(struct mcgroup *);

#endif /* SMCR_MCGROUP_H */
