/*
 * kern.h - the Linux multicast routing API (MRT_* and MRT6_*)
 *
 * This is the only code that talks to the kernel's multicast routing
 * tables.  One raw socket per family holds the routing table; the
 * kernel's upcalls (NOCACHE, WRONGVIF) arrive on it and are passed to
 * the handler given to kern_init().  IGMP packets that are not upcalls
 * arrive on the same IPv4 socket and go to the packet handler, if any.
 *
 * Each wakeup of a socket reads at most KERN_RX_BUDGET messages, then
 * returns to the event loop, so that a flood of upcalls or IGMP/MLD
 * messages cannot starve timers and the control socket: the read event
 * is level-triggered, so whatever is left is read on the next turn,
 * after the other ready events ran.  A message longer than the receive
 * buffer (MSG_TRUNC), or whose ancillary data did not fit (MSG_CTRUNC),
 * is counted and dropped, never passed up.
 */
#ifndef SMCR_KERN_H
#define SMCR_KERN_H

#include <stdint.h>
#include <linux/mroute.h>

#include "inet.h"

enum kern_upcall_type {
	KERN_NOCACHE = 1,		/* no MFC entry for (S,G) */
	KERN_WRONGVIF,			/* (S,G) arrived on another VIF */
};

struct kern_upcall {
	int			 type;
	struct inet_addr	 src;
	struct inet_addr	 grp;
	int			 vif;	/* where the packet arrived */
};

struct kern_stats {
	uint64_t		 pkts;
	uint64_t		 bytes;
	uint64_t		 wrong_if;
};

/* Messages read from one routing socket in one turn of the loop. */
#define KERN_RX_BUDGET	64
/* The receive buffer: a 9000-octet jumbo frame and its headers. */
#define KERN_RX_BUFLEN	9216

/* What a routing socket received since kern_init(), per family. */
struct kern_rxstats {
	uint64_t		 upcalls;	/* NOCACHE, WRONGVIF passed up */
	uint64_t		 packets;	/* to the packet handler */
	uint64_t		 ignored;	/* other upcalls, runts */
	uint64_t		 truncated;	/* MSG_TRUNC: dropped */
	uint64_t		 ctruncated;	/* MSG_CTRUNC: dropped */
	uint64_t		 errors;	/* recvmsg() failed */
	uint64_t		 yields;	/* wakeups that spent the budget */
};

/*
 * Where a received packet came from.  IPv6 packets arrive without
 * their IPv6 header, so its facts are here, from ancillary data, as
 * the kernel passed them: the kernel layer reads no protocol.  IPv4
 * packets carry their header and only ifindex is set.
 */
struct kern_rxinfo {
	int			 ifindex;
	struct inet_addr	 src;
	struct inet_addr	 dst;
	int			 hlim;	/* -1: unknown */
	const uint8_t		*hbh;	/* Hop-by-Hop Options header, or NULL */
	size_t			 hbhlen;	/* valid during the callback */
};

typedef void (*kern_upcall_fn)(int family, const struct kern_upcall *);
/*
 * A packet on a routing socket that is not an upcall: IGMP (and what
 * else the raw IGMP socket carries) on the IPv4 one, the ICMPv6 types
 * asked for on the IPv6 one.
 */
typedef void (*kern_pkt_fn)(int family, const uint8_t *, size_t,
    const struct kern_rxinfo *);

/*
 * Take the routing table for family.  Returns 0, or -1 with errno:
 * EADDRINUSE when another router holds the table, ENOPROTOOPT or
 * EAFNOSUPPORT when the kernel has no multicast routing for family,
 * ENOENT/EINVAL-ish when the table cannot be selected.
 */
int	kern_init(int family, uint32_t table, kern_upcall_fn);
void	kern_exit(int family);
bool	kern_available(int family);
int	kern_fd(int family);
/*
 * Who receives the packets that are not upcalls (NULL: nobody), and
 * which ICMPv6 types reach it (the socket's ICMP6_FILTER).  0, or -1.
 */
int	kern_rx_register(kern_pkt_fn, const uint8_t *icmp6_types,
	    size_t ntypes);
/* The receive counters of family's socket (all 0 without one). */
void	kern_rx_stats(int family, struct kern_rxstats *);

/*
 * Give interface ifindex a VIF/MIF in the first free slot, with the TTL
 * threshold ttl; name is for messages.  Returns the slot, or -1 (errno
 * ENOSPC when all MAXVIFS slots are taken, logged).
 */
int	kern_vif_add(int family, int ifindex, const char *name, int ttl);
/* Release a slot kern_vif_add() gave; a negative slot is no VIF. */
int	kern_vif_del(int family, int slot, const char *name);

/*
 * Install or update (S,G) with inbound VIF iif and per-VIF TTL
 * thresholds (0 = do not forward).  An existing (S,G) is updated in
 * place by the kernel, so no packet is lost.
 */
int	kern_mfc_add(const struct inet_addr *src, const struct inet_addr *grp,
	    int iif, const uint8_t ttls[MAXVIFS]);
int	kern_mfc_del(const struct inet_addr *src, const struct inet_addr *grp,
	    int iif);
int	kern_mfc_stats(const struct inet_addr *src,
	    const struct inet_addr *grp, struct kern_stats *);

#endif /* SMCR_KERN_H */
