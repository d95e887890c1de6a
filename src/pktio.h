/*
 * pktio.h - IGMP and MLD messages in and out, for the querier
 *
 * Messages leave on the multicast routing socket of their family, with
 * TTL/hop limit 1, the Router Alert option, TOS 0xc0 (internetwork
 * control, IPv4) and no local loopback.  The kernel adds the IP header;
 * IPv4 takes the interface's primary address as the source, IPv6 the
 * source given (the link-local address).
 */
#ifndef SMCR_PKTIO_H
#define SMCR_PKTIO_H

#include <stddef.h>
#include <stdint.h>

#include "inet.h"
#include "kern.h"

/* Set the socket options; 0, or -1 with a logged reason. */
int	pktio_init(int family);
/*
 * Join or leave, on ifindex, the groups reports and leaves are sent to
 * (IGMPv3 224.0.0.22, IGMPv2 leaves 224.0.0.2): link-local groups are
 * delivered to us only as a member.  Reports to a routable group reach
 * the routing socket through the kernel's Router Alert path.
 */
int	pktio_routers(int family, int ifindex, int join);
/*
 * A packet from the IPv4 routing socket that is not an upcall: RFC 4286
 * Solicitations go to mrdisc, everything else to the IGMP proxy.
 */
void	pktio_input(int family, const uint8_t *pkt, size_t len,
	    const struct kern_rxinfo *);
/* Send msg out of ifindex to dst.  0, or -1 with errno. */
int	pktio_send(int family, int ifindex, const struct inet_addr *dst,
	    const void *msg, size_t len);
/* The same from src (IPv6; NULL: the kernel's choice). */
int	pktio_send_from(int family, int ifindex, const struct inet_addr *src,
	    const struct inet_addr *dst, const void *msg, size_t len);

#endif /* SMCR_PKTIO_H */
