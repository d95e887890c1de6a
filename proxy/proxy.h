/*
 * proxy.h - the IGMP proxy: querier, membership, dynamic routes
 *
 * RFC 4605 on top of the route engine.  Each "phyint IF igmp" interface
 * runs a querier (RFC 3376 §6.6) and a membership database (mdb.h);
 * "phyint IF upstream" names where the dynamic routes come in.  The
 * proxy never touches the kernel's routing tables: it answers the
 * route engine's question "which interfaces want (S,G) arriving on IIF"
 * (route_set_hook) and asks it to recompute a group when membership
 * changes.  With "upstream igmp" the merged membership is also put on
 * the upstream interface with the kernel's source filter API
 * (mcfilter.h), so the kernel's host stack reports it upstream.
 *
 * This is the only interface src/ uses to reach the proxy.
 */
#ifndef SMCR_PROXY_H
#define SMCR_PROXY_H

#include <stddef.h>
#include <stdint.h>

struct conf;
struct render_doc;

void	proxy_init(void);
void	proxy_exit(void);
/*
 * Make the proxy interfaces what the configuration says, for the
 * interfaces present now.  Unchanged interfaces keep their state;
 * changed knobs apply in place.  Called on start, reload and whenever
 * interfaces come or go.
 */
void	proxy_apply(const struct conf *);
/*
 * An interface came up, or got an IPv6 address: upstream memberships of
 * family (AF_UNSPEC: all) are set again (see iface.h, came_up).
 */
void	proxy_iface_up(int ifindex, int family);
/* An interface is gone from the system. */
void	proxy_iface_gone(int ifindex);
struct kern_rxinfo;

/*
 * A packet from a routing socket: IGMP with its IPv4 header, or an MLD
 * message with the IPv6 header facts in rx.
 */
void	proxy_input(int family, const uint8_t *pkt, size_t len,
	    const struct kern_rxinfo *rx);
/* show igmp; flags as render_doc_new().  0, or -1 with a reason. */
int	proxy_show(struct render_doc *, unsigned int flags, char *err,
	    size_t errlen);
/*
 * The querier's Query Interval (seconds) and Robustness Variable on
 * ifindex, for RFC 4286 advertisements; -1 where we do not query.
 */
int	proxy_querier_params(int ifindex, unsigned int *qi_sec,
	    unsigned int *robustness);
/* True when any interface has a proxy role. */
int	proxy_active(void);

#endif /* SMCR_PROXY_H */
