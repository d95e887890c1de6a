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

#include <stddef.h>

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

#endif /* SMCR_PROXY_H */
