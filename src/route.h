/*
 * route.h - the route engine: one table of rules, one kernel cache
 *
 * Rules are the inputs: routes from smcroute.conf, routes added over
 * IPC, and (through the membership hook) the IGMP/MLD proxy.  A rule
 * is (IIF, S/LEN, G/LEN) -> OIFs, with interfaces by ifindex.  A rule
 * with a host source and a host group is an (S,G) and is installed in
 * the kernel at once; every other rule is a template, resolved when the
 * kernel asks about an (S,G) it has no entry for (NOCACHE upcall).
 *
 * Each kernel entry (struct mfc) gets as outbound interfaces the union
 * of the OIFs of every rule that matches its (S,G,IIF), plus what the
 * proxy hook adds; an empty union is a stop filter, so the kernel stops
 * asking.  Whenever a rule changes, the entries it covers are
 * recomputed and updated in place.
 */
#ifndef SMCR_ROUTE_H
#define SMCR_ROUTE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/tree.h>

#include "inet.h"
#include "kern.h"

#define ROUTE_MAXOIFS	32
#define ROUTE_MAXEXCEPT	16

/* Where a rule came from: a bit mask. */
#define ROUTE_CONF	0x1
#define ROUTE_IPC	0x2

/*
 * A rule in the table is allocated only up to oifs[noifs], followed by
 * its except sources (route.c, rule_size()): most name one or two OIFs
 * and no except source, and ten thousand routes would carry over a
 * megabyte of unused slots.  So oifs[] is last, and a rule from
 * route_first()/route_next() is never copied whole (*r).  A struct
 * route of the caller's, as passed to route_add(), is a whole one, its
 * except pointing at the caller's nexcept sources (NULL for none).
 */
struct route {
	RB_ENTRY(route)	 entry;
	struct inet_pfx	 grp;
	int		 iif;		/* ifindex */
	struct inet_pfx	 src;		/* len 0: any source */
	unsigned int	 origin;	/* ROUTE_CONF | ROUTE_IPC */
	bool		 stale;		/* reload mark */
	int		 nexcept;	/* sources in src refused */
	const struct inet_pfx *except;	/* nexcept of them, or NULL */
	int		 noifs;
	int		 oifs[ROUTE_MAXOIFS];	/* ifindex, sorted; last */
};

/* An entry of the kernel's multicast forwarding cache. */
struct mfc {
	RB_ENTRY(mfc)	 entry;
	struct inet_addr grp;
	struct inet_addr src;
	int		 iif;		/* ifindex */
	int16_t		 vif;		/* VIF/MIF installed as parent */
	uint8_t		 ttls[MAXVIFS];	/* as installed; all 0: stop filter */
	/* Bits and a short vif: 152 bytes, one malloc size class less. */
	bool		 learned:1;	/* from an upcall, may expire */
	bool		 installed:1;
	bool		 proxied:1;	/* as installed, the proxy added one */
	uint64_t	 last_pkts;	/* valid packets at last check */
	uint64_t	 wrongvif;	/* WRONGVIF upcalls seen */
	uint64_t	 moves;		/* of which moved the entry */
	uint64_t	 wrongvif_log;	/* ms of the last log line */
	uint64_t	 idle_since;	/* ms, monotonic */
};

/*
 * The proxy's view: add to oifs[] the ifindexes that want (S,G) when
 * it arrives on iif.  noifs is in/out; at most ROUTE_MAXOIFS.
 */
typedef void (*route_hook_fn)(const struct inet_addr *src,
    const struct inet_addr *grp, int iif, int *oifs, int *noifs);

/*
 * Learned entries: those made for an upcall, for a template, for the
 * proxy, or as a stop filter; not those of a configured (S,G).  learned
 * is how many each family has now; refused counts the upcalls that
 * were not installed because learned was at the limit.
 */
struct route_lstats {
	unsigned int	 learned;
	uint64_t	 refused;
};

/* The default of smcrouted -C: learned entries per family. */
#define ROUTE_LEARNED_MAX	4096

/*
 * Learned entries are flushed when they saw no valid packet for
 * cache_timeout seconds (smcrouted -c); 0: never.  At most max_learned
 * of them per family (smcrouted -C; 0: no limit): an upcall that would
 * make one more is refused, counted and logged (at most once a minute),
 * and installs nothing; entries that exist keep forwarding, and when
 * some expire there is room again.  An entry that becomes learned
 * because its (S,G) rule went may exceed the limit: it flows already.
 */
void		 route_init(int cache_timeout, unsigned int max_learned);
void		 route_exit(void);
void		 route_set_hook(route_hook_fn);

/*
 * Add a rule, or change the one with the same (IIF, S, G).  With
 * merge, the OIFs and except sources are added to the existing rule's;
 * otherwise they replace them.  Returns 0, or -1 with a reason in err.
 */
int		 route_add(const struct route *, unsigned int origin, bool merge,
		    char *err, size_t errlen);
/*
 * Remove a rule; with noifs > 0 only those OIFs (the rule stays, a stop
 * filter if none are left).  Returns -1 if there is no such rule.
 */
int		 route_del(const struct route *, char *err, size_t errlen);
struct route	*route_find(const struct route *);

/* Reload: mark rules of origin stale, then sweep what was not re-added. */
void		 route_mark(unsigned int origin);
void		 route_sweep(void);
/* Forget an interface that is gone from the system. */
void		 route_drop_iface(int ifindex);

/* Recompute the kernel entries of a group (proxy membership changed). */
void		 route_refresh_group(const struct inet_addr *grp);
/* Recompute every kernel entry (interfaces came or went). */
void		 route_refresh_all(void);
/* Drop learned entries now (smcroutectl flush). */
void		 route_flush(void);
/* The kernel's upcalls. */
void		 route_upcall(int family, const struct kern_upcall *);

/* Learned entries of family and the upcalls refused, for show. */
void		 route_learned_stats(int family, struct route_lstats *);
unsigned int	 route_learned_max(void);

/* Iteration for show. */
struct route	*route_first(void);
struct route	*route_next(struct route *);
struct mfc	*mfc_first(void);
struct mfc	*mfc_next(struct mfc *);
/* Does m forward anywhere (false: a stop filter)? */
bool		 mfc_forwards(const struct mfc *);
bool		 route_is_sg(const struct route *);

#endif /* SMCR_ROUTE_H */
