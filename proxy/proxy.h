/*
 * proxy.h - the IGMP/MLD side: querier, membership, dynamic routes
 *
 * RFC 4605 on top of the route engine.  Each "phyint IF igmp|mld"
 * interface runs a querier (RFC 3376 §6.6, RFC 3810 §7.6) and a
 * membership database (mdb.h); "phyint IF upstream" names where the
 * dynamic routes come in.  The proxy never touches the kernel's routing
 * tables: it answers the route engine's question "which interfaces want
 * (S,G) arriving on IIF" (route_set_hook) and asks it to recompute a
 * group when membership changes.  With "upstream igmp|mld" the merged
 * membership is also put on the upstream interface with the kernel's
 * source filter API, so the kernel's host stack reports it upstream.
 * It also runs Multicast Router Discovery (RFC 4286) on "phyint IF
 * mrdisc" interfaces.  It hears its messages on the routing sockets
 * through kern_rx_register().
 *
 * This is the only header of proxy/ that src/ includes.
 */
#ifndef SMCR_PROXY_H
#define SMCR_PROXY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct conf;
struct render_doc;

/* RFC 4286 §3.1.1 AdvertisementInterval bounds and default (-m SEC). */
#define MRDISC_INTERVAL_MIN	4
#define MRDISC_INTERVAL_MAX	180
#define MRDISC_INTERVAL_DEFAULT	20

/* After kern_init(): mrdisc_interval is -m SEC. */
void	proxy_init(int mrdisc_interval);
void	proxy_exit(void);
/*
 * Make the proxy interfaces what the configuration says, for the
 * interfaces present now, and start or stop router discovery as their
 * mrdisc flags say (struct iface).  Unchanged interfaces keep their
 * state; changed knobs apply in place.  Called on start, reload and
 * whenever interfaces come or go; NULL takes every role away.
 */
void	proxy_apply(const struct conf *);
/*
 * An interface came up, or got an IPv6 address: upstream memberships of
 * family (AF_UNSPEC: all) are set again (see iface.h, came_up).
 */
void	proxy_iface_up(int ifindex, int family);
/* An interface is gone from the system. */
void	proxy_iface_gone(int ifindex);
/* show igmp; flags as render_doc_new().  0, or -1 with a reason. */
int	proxy_show(struct render_doc *, unsigned int flags, char *err,
	    size_t errlen);
/* True when any interface has a proxy role. */
int	proxy_active(void);

/*
 * Read-only views for the metrics (src/stats.c).  A counter of show
 * igmp, by kind, with the label the metrics give it (the message type,
 * drop reason, record result, limit or event); name is its show igmp
 * name.  The strings are valid during the call only.
 */
enum proxy_ckind {
	PROXY_C_RX,		/* messages received, label: type */
	PROXY_C_TX,		/* messages sent, label: type */
	PROXY_C_DROP,		/* dropped on receipt, label: reason */
	PROXY_C_RECORD,		/* group records not applied, label: result */
	PROXY_C_LIMIT,		/* state not kept at a bound, label: limit */
	PROXY_C_EVENT,		/* anything else, label: event */
};

struct proxy_counter {
	const char		*ifname;
	const char		*proto;		/* "IGMP" or "MLD" */
	const char		*name;		/* as show igmp names it */
	enum proxy_ckind	 kind;
	const char		*label;
	uint64_t		 value;
};

/* One proxy interface's state; the counts are 0 on an upstream one. */
struct proxy_ifstats {
	const char		*ifname;
	const char		*proto;
	bool			 downstream;
	bool			 upstream;
	bool			 querier;	/* we are its querier */
	int			 version;	/* on the wire, as show igmp */
	size_t			 groups;
	size_t			 sources;
	size_t			 hosts;		/* distinct reporting hosts */
};

/*
 * Call cb for every counter of every proxy interface (zeros too), or
 * for every proxy interface; stop at and return the first non-zero.
 */
int	proxy_counters(int (*cb)(const struct proxy_counter *, void *),
	    void *arg);
int	proxy_ifstats(int (*cb)(const struct proxy_ifstats *, void *),
	    void *arg);

#endif /* SMCR_PROXY_H */
