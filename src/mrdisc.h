/*
 * mrdisc.h - Multicast Router Discovery (RFC 4286), IPv4
 *
 * On each interface with "phyint IF mrdisc" the daemon announces
 * itself as a multicast router, so that IGMP snooping switches forward
 * all multicast towards it: Advertisements to 224.0.0.106 every
 * interval (three quick ones at start), an Advertisement in answer to
 * a Solicitation, and a Termination when it stops.
 */
#ifndef SMCR_MRDISC_H
#define SMCR_MRDISC_H

#define MRDISC_INTERVAL_MIN	4	/* RFC 4286 §3.1.1 */
#define MRDISC_INTERVAL_MAX	180
#define MRDISC_INTERVAL_DEFAULT	20

void	mrdisc_init(int interval);
/* Start or stop per interface, as iface->mrdisc says. */
void	mrdisc_apply(void);
/* A Solicitation arrived on ifindex. */
void	mrdisc_solicit(int ifindex);
/* Terminate on every interface. */
void	mrdisc_exit(void);

#endif /* SMCR_MRDISC_H */
