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
pktio_input(int family, const uint8_t *pkt, size_t len,
    const struct kern_rxinfo *rx)
{
	size_t hl;

	if (family == AF_INET && len > 0) {
		hl = (size_t)(pkt[0] & 0x0f) * 4;
		if (hl >= 20 && len > hl && pkt[hl] == 0x31) {
			mrdisc_solicit(rx->ifindex);
			return;
		}
	}
	proxy_input(family, pkt, len, rx);
}

/* IPv6: hop limit 1, Router Alert (RFC 2711, MLD) in a Hop-by-Hop header. */
static int
pktio_init6(int fd)
{
	const uint8_t hbh[8] = { 0, 0, 5, 2, 0, 0, 1, 0 };
	int hops = 1, loop = 0;

	if (setsockopt(fd, IPPROTO_IPV6, IPV6_HOPOPTS, hbh, sizeof(hbh)) ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops,
	    sizeof(hops)) ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, &loop,
	    sizeof(loop))) {
		log_warn("MLD: cannot set up the sending socket");
		return -1;
	}
	return 0;
}

int
pktio_init(int family)
{
	/* RFC 2113 Router Alert: type 148, length 4, value 0. */
	const unsigned char ra[4] = { 148, 4, 0, 0 };
	int fd = kern_fd(family), ttl = 1, loop = 0, tos = 0xc0;

	if (fd < 0) {
		errno = EAFNOSUPPORT;
		return -1;
	}
	if (family == AF_INET6)
		return pktio_init6(fd);
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

/*
 * Reports and leaves go to link-scope groups, which reach us only as a
 * member: IGMPv3 224.0.0.22, IGMPv2 leaves 224.0.0.2; MLDv2 ff02::16,
 * MLDv1 done ff02::2.
 */
int
pktio_routers(int family, int ifindex, int join)
{
	static const char *const groups4[] = { "224.0.0.22", "224.0.0.2" };
	static const char *const groups6[] = { "ff02::16", "ff02::2" };
	const char *const *groups = family == AF_INET6 ? groups6 : groups4;
	int fd = kern_fd(family), rc = 0, err;
	size_t i;

	if (fd < 0) {
		errno = EAFNOSUPPORT;
		return -1;
	}
	for (i = 0; i < 2; i++) {
		if (family == AF_INET) {
			struct ip_mreqn mreq;

			memset(&mreq, 0, sizeof(mreq));
			inet_pton(AF_INET, groups[i], &mreq.imr_multiaddr);
			mreq.imr_ifindex = ifindex;
			err = setsockopt(fd, IPPROTO_IP, join ?
			    IP_ADD_MEMBERSHIP : IP_DROP_MEMBERSHIP, &mreq,
			    sizeof(mreq));
		} else {
			struct ipv6_mreq mreq;

			memset(&mreq, 0, sizeof(mreq));
			inet_pton(AF_INET6, groups[i], &mreq.ipv6mr_multiaddr);
			mreq.ipv6mr_interface = (unsigned int)ifindex;
			err = setsockopt(fd, IPPROTO_IPV6, join ?
			    IPV6_JOIN_GROUP : IPV6_LEAVE_GROUP, &mreq,
			    sizeof(mreq));
		}
		if (err && errno != EADDRINUSE && errno != EADDRNOTAVAIL &&
		    errno != ENODEV && errno != EINVAL) {
			log_warn("%s: cannot %s %s on ifindex %d",
			    family == AF_INET6 ? "MLD" : "IGMP",
			    join ? "join" : "leave", groups[i], ifindex);
			rc = -1;
		}
	}
	return rc;
}

/*
 * Send msg out of ifindex.  IPv6 names the source too: MLD messages
 * must come from the link-local address (RFC 3810 §5), whatever the
 * destination's scope.
 */
int
pktio_send(int family, int ifindex, const struct inet_addr *dst,
    const void *msg, size_t len)
{
	return pktio_send_from(family, ifindex, NULL, dst, msg, len);
}

int
pktio_send_from(int family, int ifindex, const struct inet_addr *src,
    const struct inet_addr *dst, const void *msg, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sslen;
	int fd = kern_fd(family);

	if (fd < 0) {
		errno = EAFNOSUPPORT;
		return -1;
	}
	sslen = inet_to_sa(dst, &ss, 0);
	if (family == AF_INET) {
		struct ip_mreqn mreq;

		memset(&mreq, 0, sizeof(mreq));
		mreq.imr_ifindex = ifindex;
		if (setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &mreq,
		    sizeof(mreq)))
			return -1;
		if (sendto(fd, msg, len, MSG_DONTWAIT, (struct sockaddr *)&ss,
		    sslen) != (ssize_t)len)
			return -1;
		return 0;
	} else {
		char cbuf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
		struct iovec iov = { (void *)(uintptr_t)msg, len };
		struct msghdr mh = {
			.msg_name = &ss, .msg_namelen = sslen,
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
		};
		struct in6_pktinfo pi;
		struct cmsghdr *cm;

		memset(cbuf, 0, sizeof(cbuf));
		memset(&pi, 0, sizeof(pi));
		pi.ipi6_ifindex = (unsigned int)ifindex;
		if (src)
			pi.ipi6_addr = src->u.v6;
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = IPPROTO_IPV6;
		cm->cmsg_type = IPV6_PKTINFO;
		cm->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
		if (sendmsg(fd, &mh, MSG_DONTWAIT) != (ssize_t)len)
			return -1;
		return 0;
	}
}
