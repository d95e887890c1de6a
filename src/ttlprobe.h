/*
 * ttlprobe.h - streams that arrive with a TTL (hop limit) too low to be
 * routed
 *
 * A multicast packet that arrives with TTL 1 (hop limit 1) is counted in
 * the kernel's MFC entry but never forwarded, and nothing else tells the
 * operator why the stream does not flow.  The probe watches, through a
 * packet socket and a kernel filter that passes only such packets,
 * routable multicast (not link-local scope, not IGMP/MLD) received with
 * TTL <= 1, and keeps a small bounded table of the flows seen, for
 * `smcroutectl diagnose` and the metrics.  Reading is budgeted and the
 * table has a fixed size, so a flood costs a bounded amount of CPU and
 * no memory.
 */
#ifndef SMCR_TTLPROBE_H
#define SMCR_TTLPROBE_H

#include <stdint.h>

#include "inet.h"

/* Flows remembered; the least recently seen one is replaced. */
#define TTLPROBE_FLOWS	32

struct ttlprobe_flow {
	int			 ifindex;	/* where it arrived */
	struct inet_addr	 src;
	struct inet_addr	 grp;
	uint8_t			 ttl;		/* last TTL/hop limit seen */
	uint64_t		 pkts;		/* packets seen (sampled) */
	int64_t			 first_ms;	/* now_ms() of the first */
	int64_t			 last_ms;	/* now_ms() of the last */
};

/* Open the probe; 0, or -1 (logged once) when it cannot be had. */
int	 ttlprobe_init(void);
void	 ttlprobe_exit(void);

/* Packets counted in total since init, per family (AF_INET, AF_INET6). */
uint64_t ttlprobe_total(int family);

/* Call cb for each remembered flow, most recent first; stop on non-zero. */
int	 ttlprobe_foreach(int (*cb)(const struct ttlprobe_flow *, void *),
	    void *arg);

#endif /* SMCR_TTLPROBE_H */
