/*
 * pktio.c - send IGMP (and later MLD) messages for the querier
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/ip.h>
#include <sys/socket.h>

#include "kern.h"
#include "log.h"
#include "mrdisc.h"
#include "pktio.h"
#include "proxy.h"

void
pktio_input(int family, const uint8_t *pkt, size_t len, int ifindex)
{
	size_t hl;

	if (family == AF_INET && len > 0) {
		hl = (size_t)(pkt[0] & 0x0f) * 4;
		if (hl >= 20 && len > hl && pkt[hl] == 0x31) {
			mrdisc_solicit(ifindex);
			return;
		}
	}
	proxy_input(family, pkt, len, ifindex);
}

int
pktio_init(int family)
{
	/* RFC 2113 Router Alert: type 148, length 4, value 0. */
	const unsigned char ra[4] = { 148, 4, 0, 0 };
	int fd = kern_fd(family), ttl = 1, loop = 0, tos = 0xc0;

	if (family != AF_INET || fd < 0) {
		errno = EAFNOSUPPORT;
		return -1;
	}
	if (setsockopt(fd, IPPROTO_IP, IP_OPTIONS, ra, sizeof(ra)) ||
	    setsockopt(fd, IPPROTO_IP, IP_MULTICAST_TTL, &ttl, sizeof(ttl)) ||
	    setsockopt(fd, IPPROTO_IP, IP_MULTICAST_LOOP, &loop,
	    sizeof(loop)) ||
	    setsockopt(fd, IPPROTO_IP, IP_TOS, &tos, sizeof(tos))) {
		log_warn("IGMP: cannot set up the sending socket");
		return -1;
	}
	return 0;
}

int
pktio_routers(int family, int ifindex, int join)
{
	static const char *const groups[] = { "224.0.0.22", "224.0.0.2" };
	int fd = kern_fd(family), rc = 0;
	struct ip_mreqn mreq;
	size_t i;

	if (family != AF_INET || fd < 0) {
		errno = EAFNOSUPPORT;
		return -1;
	}
	for (i = 0; i < sizeof(groups) / sizeof(groups[0]); i++) {
		memset(&mreq, 0, sizeof(mreq));
		inet_pton(AF_INET, groups[i], &mreq.imr_multiaddr);
		mreq.imr_ifindex = ifindex;
		if (setsockopt(fd, IPPROTO_IP, join ? IP_ADD_MEMBERSHIP :
		    IP_DROP_MEMBERSHIP, &mreq, sizeof(mreq)) &&
		    errno != EADDRINUSE && errno != EADDRNOTAVAIL &&
		    errno != ENODEV) {
			log_warn("IGMP: cannot %s %s on ifindex %d",
			    join ? "join" : "leave", groups[i], ifindex);
			rc = -1;
		}
	}
	return rc;
}

int
pktio_send(int family, int ifindex, const struct inet_addr *dst,
    const void *msg, size_t len)
{
	struct sockaddr_storage ss;
	struct ip_mreqn mreq;
	socklen_t sslen;
	int fd = kern_fd(family);

	if (family != AF_INET || fd < 0) {
		errno = EAFNOSUPPORT;
		return -1;
	}
	memset(&mreq, 0, sizeof(mreq));
	mreq.imr_ifindex = ifindex;
	if (setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &mreq, sizeof(mreq)))
		return -1;
	sslen = inet_to_sa(dst, &ss, 0);
	if (sendto(fd, msg, len, MSG_DONTWAIT, (struct sockaddr *)&ss,
	    sslen) != (ssize_t)len)
		return -1;
	return 0;
}
