/*
 * kern.c - the Linux multicast routing API (MRT_* and MRT6_*)
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <stdio.h>
#include <unistd.h>
#include <net/if.h>
#include <netinet/icmp6.h>
#include <netinet/ip.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/mroute.h>
#include <linux/mroute6.h>
#include <event2/event.h>

#include "kern.h"
#include "log.h"
#include "evloop.h"

/*
 * Upcalls and IGMP reports share the socket: room for a burst of
 * thousands of reports (hosts joining 1000 groups at once).
 */
#define KERN_RCVBUF	(4 * 1024 * 1024)

struct kern_sock {
	int		 fd;
	struct event	*ev;
	uint32_t	 vifs;		/* bitmap of slots in use */
	struct kern_rxstats st;
	struct log_rl	 trunc_rl;	/* truncation messages */
};

static struct kern_sock ks4 = { .fd = -1 }, ks6 = { .fd = -1 };
static kern_upcall_fn upcall_fn;
static kern_pkt_fn pkt_fn;

static struct kern_sock *
kern_sock(int family)
{
	return family == AF_INET6 ? &ks6 : &ks4;
}

bool
kern_available(int family)
{
	return kern_sock(family)->fd >= 0;
}

int
kern_fd(int family)
{
	return kern_sock(family)->fd;
}

int
kern_rx_register(kern_pkt_fn fn, const uint8_t *icmp6_types, size_t ntypes)
{
	struct icmp6_filter filt;
	size_t i;

	pkt_fn = fn;
	if (ks6.fd < 0)
		return 0;
	ICMP6_FILTER_SETBLOCKALL(&filt);
	for (i = 0; fn && i < ntypes; i++)
		ICMP6_FILTER_SETPASS(icmp6_types[i], &filt);
	if (setsockopt(ks6.fd, IPPROTO_ICMPV6, ICMP6_FILTER, &filt,
	    sizeof(filt))) {
		log_warn("kernel: ICMP6_FILTER");
		return -1;
	}
	return 0;
}

void
kern_rx_stats(int family, struct kern_rxstats *st)
{
	*st = kern_sock(family)->st;
}

/*
 * A message cut short, its data (MSG_TRUNC) or its ancillary data
 * (MSG_CTRUNC): counted and dropped, never parsed as if it were whole.
 * Said at most once a minute per socket, with the count.
 */
static void
kern_truncated(struct kern_sock *ks, int flags, int ifindex)
{
	const char *fam = ks == &ks6 ? "IPv6" : "IPv4";
	char ifname[IF_NAMESIZE + 16];

	if (flags & MSG_TRUNC)
		ks->st.truncated++;
	else
		ks->st.ctruncated++;
	if (log_rl(&ks->trunc_rl, now_ms(), 60000) < 0)
		return;
	if (ifindex <= 0 || !if_indextoname((unsigned int)ifindex, ifname))
		snprintf(ifname, sizeof(ifname), "ifindex %d", ifindex);
	if (flags & MSG_TRUNC)
		log_warnx("kernel: dropped an %s message from %s longer than "
		    "%d octets (%llu truncated, %llu with ancillary data cut, "
		    "since start)", fam, ifname, KERN_RX_BUFLEN,
		    (unsigned long long)ks->st.truncated,
		    (unsigned long long)ks->st.ctruncated);
	else
		log_warnx("kernel: dropped an %s message from %s whose "
		    "ancillary data did not fit (%llu truncated, %llu with "
		    "ancillary data cut, since start)", fam, ifname,
		    (unsigned long long)ks->st.truncated,
		    (unsigned long long)ks->st.ctruncated);
}

/* recvmsg() failed: counted and said, unless there was nothing to read. */
static void
kern_rxerr(struct kern_sock *ks)
{
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
		return;
	ks->st.errors++;
	log_warn("kernel: recvmsg");
}

/*
 * IPv4: read one message.  An upcall is an igmpmsg whose im_mbz is
 * zero where an IP header would have its protocol field zero; anything
 * else is a real IGMP packet for the proxy.  Returns false when there
 * was none to read.
 */
static bool
kern_read4(struct kern_sock *ks)
{
	uint8_t buf[KERN_RX_BUFLEN];
	char cbuf[CMSG_SPACE(sizeof(struct in_pktinfo))];
	struct sockaddr_storage from;
	struct iovec iov = { buf, sizeof(buf) };
	struct msghdr msg = {
		.msg_name = &from, .msg_namelen = sizeof(from),
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct kern_upcall up;
	struct kern_rxinfo rx;
	struct cmsghdr *cm;
	struct igmpmsg im;
	int ifindex = 0;
	ssize_t len;

	len = recvmsg(ks->fd, &msg, MSG_DONTWAIT);
	if (len < 0) {
		kern_rxerr(ks);
		return false;
	}
	for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm))
		if (cm->cmsg_level == IPPROTO_IP &&
		    cm->cmsg_type == IP_PKTINFO &&
		    cm->cmsg_len >= CMSG_LEN(sizeof(struct in_pktinfo))) {
			struct in_pktinfo pi;

			memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
			ifindex = pi.ipi_ifindex;
		}
	if (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) {
		kern_truncated(ks, msg.msg_flags, ifindex);
		return true;
	}

	if ((size_t)len >= sizeof(struct igmpmsg) &&
	    buf[offsetof(struct igmpmsg, im_mbz)] == 0 && buf[9] == 0) {
		memcpy(&im, buf, sizeof(im));
		if (im.im_msgtype == IGMPMSG_NOCACHE)
			up.type = KERN_NOCACHE;
		else if (im.im_msgtype == IGMPMSG_WRONGVIF)
			up.type = KERN_WRONGVIF;
		else {
			ks->st.ignored++;
			return true;
		}
		inet_from_v4(&up.src, im.im_src);
		inet_from_v4(&up.grp, im.im_dst);
		up.vif = im.im_vif;
		ks->st.upcalls++;
		if (upcall_fn)
			upcall_fn(AF_INET, &up);
		return true;
	}
	ks->st.packets++;
	if (pkt_fn) {
		memset(&rx, 0, sizeof(rx));
		rx.ifindex = ifindex;
		rx.hlim = -1;
		pkt_fn(AF_INET, buf, (size_t)len, &rx);
	}
	return true;
}

/*
 * IPv6: read one message.  An mrt6msg has im6_mbz zero where ICMPv6 has
 * a non-zero type; the filter lets only MLD messages through besides
 * the upcalls.  Returns false when there was none to read.
 */
static bool
kern_read6(struct kern_sock *ks)
{
	uint8_t buf[KERN_RX_BUFLEN];
	char cbuf[CMSG_SPACE(sizeof(struct in6_pktinfo)) +
	    CMSG_SPACE(sizeof(int)) + CMSG_SPACE(256)];
	struct sockaddr_in6 from;
	struct iovec iov = { buf, sizeof(buf) };
	struct msghdr msg = {
		.msg_name = &from, .msg_namelen = sizeof(from),
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct kern_rxinfo rx;
	struct cmsghdr *cm;
	struct mrt6msg im;
	struct kern_upcall up;
	ssize_t len;

	memset(&from, 0, sizeof(from));
	len = recvmsg(ks->fd, &msg, MSG_DONTWAIT);
	if (len < 0) {
		kern_rxerr(ks);
		return false;
	}
	memset(&rx, 0, sizeof(rx));
	rx.hlim = -1;
	inet_from_v6(&rx.src, &from.sin6_addr);
	inet_any(&rx.dst, AF_INET6);
	for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
		if (cm->cmsg_level != IPPROTO_IPV6)
			continue;
		if (cm->cmsg_type == IPV6_PKTINFO &&
		    cm->cmsg_len >= CMSG_LEN(sizeof(struct in6_pktinfo))) {
			struct in6_pktinfo pi;

			memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
			rx.ifindex = (int)pi.ipi6_ifindex;
			inet_from_v6(&rx.dst, &pi.ipi6_addr);
		} else if (cm->cmsg_type == IPV6_HOPLIMIT &&
		    cm->cmsg_len >= CMSG_LEN(sizeof(int))) {
			memcpy(&rx.hlim, CMSG_DATA(cm), sizeof(int));
		} else if (cm->cmsg_type == IPV6_HOPOPTS) {
			rx.hbh = CMSG_DATA(cm);
			rx.hbhlen = cm->cmsg_len - CMSG_LEN(0);
		}
	}
	if (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) {
		kern_truncated(ks, msg.msg_flags, rx.ifindex);
		return true;
	}

	if (len > 0 && buf[0] != 0) {
		ks->st.packets++;
		if (pkt_fn)
			pkt_fn(AF_INET6, buf, (size_t)len, &rx);
		return true;
	}
	if ((size_t)len < sizeof(im)) {
		ks->st.ignored++;
		return true;
	}
	memcpy(&im, buf, sizeof(im));
	if (im.im6_mbz != 0) {
		ks->st.ignored++;
		return true;
	}
	if (im.im6_msgtype == MRT6MSG_NOCACHE)
		up.type = KERN_NOCACHE;
	else if (im.im6_msgtype == MRT6MSG_WRONGMIF)
		up.type = KERN_WRONGVIF;
	else {
		ks->st.ignored++;
		return true;
	}
	inet_from_v6(&up.src, &im.im6_src);
	inet_from_v6(&up.grp, &im.im6_dst);
	up.vif = im.im6_mif;
	ks->st.upcalls++;
	if (upcall_fn)
		upcall_fn(AF_INET6, &up);
	return true;
}

/*
 * At most KERN_RX_BUDGET messages per wakeup.  The event is
 * level-triggered (no EV_ET): when the budget is spent with messages
 * still queued, the socket is still readable, so the loop calls back
 * on its next turn, after the timers and the other sockets that were
 * ready had theirs; no wakeup is lost.
 */
static void
kern_readable(evutil_socket_t fd, short what, void *arg)
{
	struct kern_sock *ks = arg;
	int n;

	(void)fd;
	(void)what;
	for (n = 0; n < KERN_RX_BUDGET; n++) {
		/* A handler may have closed the socket (kern_exit()). */
		if (ks->fd < 0)
			return;
		if (!(ks == &ks6 ? kern_read6(ks) : kern_read4(ks)))
			return;
	}
	ks->st.yields++;
}

int
kern_init(int family, uint32_t table, kern_upcall_fn fn)
{
	struct kern_sock *ks = kern_sock(family);
	int level = family == AF_INET6 ? IPPROTO_IPV6 : IPPROTO_IP;
	int proto = family == AF_INET6 ? IPPROTO_ICMPV6 : IPPROTO_IGMP;
	int one = 1, rcvbuf = KERN_RCVBUF, saved;
	int opt_table = family == AF_INET6 ? MRT6_TABLE : MRT_TABLE;
	int opt_init = family == AF_INET6 ? MRT6_INIT : MRT_INIT;
	int opt_assert = family == AF_INET6 ? MRT6_ASSERT : MRT_ASSERT;
	int fd;

	upcall_fn = fn;
	fd = socket(family, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, proto);
	if (fd < 0)
		return -1;
	/* Table 0 is RT_TABLE_DEFAULT's kernel alias: leave it unset. */
	if (table && setsockopt(fd, level, opt_table, &table, sizeof(table))) {
		saved = errno;
		close(fd);
		errno = saved == ENOPROTOOPT ? ENOTSUP : saved;
		return -1;
	}
	if (setsockopt(fd, level, opt_init, &one, sizeof(one))) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	/*
	 * WRONGVIF/WRONGMIF upcalls need assert mode, and PIM mode for
	 * the kernel to send them when the arrival interface is not an
	 * outbound one of the entry (ipmr/ip6mr: do_assert && (do_pim ||
	 * ttls[vif] < 255)).
	 */
	if (setsockopt(fd, level, opt_assert, &one, sizeof(one)) ||
	    setsockopt(fd, level, family == AF_INET6 ? MRT6_PIM : MRT_PIM,
	    &one, sizeof(one)))
		log_warn("kernel: cannot enable %s assert mode, WRONGVIF will "
		    "not be seen", family == AF_INET6 ? "MRT6" : "MRT");
	/* Past net.core.rmem_max, as root may; else as much as allowed. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf,
	    sizeof(rcvbuf)) && setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
	    sizeof(rcvbuf)))
		log_warn("kernel: SO_RCVBUF");
	if (family == AF_INET) {
		if (setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one)))
			log_warn("kernel: IP_PKTINFO");
	} else {
		struct icmp6_filter filt;

		/*
		 * Upcalls bypass the filter; ICMPv6 is blocked until a
		 * receiver asks for types (kern_rx_register), which then
		 * come with the facts of their IPv6 header.
		 */
		ICMP6_FILTER_SETBLOCKALL(&filt);
		if (setsockopt(fd, IPPROTO_ICMPV6, ICMP6_FILTER, &filt,
		    sizeof(filt)) ||
		    setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one,
		    sizeof(one)) ||
		    setsockopt(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &one,
		    sizeof(one)) ||
		    setsockopt(fd, IPPROTO_IPV6, IPV6_RECVHOPOPTS, &one,
		    sizeof(one)))
			log_warn("kernel: ICMPv6 receive options");
	}

	ks->fd = fd;
	ks->vifs = 0;
	memset(&ks->st, 0, sizeof(ks->st));
	memset(&ks->trunc_rl, 0, sizeof(ks->trunc_rl));
	ks->ev = event_new(evbase, fd, EV_READ | EV_PERSIST, kern_readable, ks);
	if (!ks->ev || event_add(ks->ev, NULL)) {
		kern_exit(family);
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

void
kern_exit(int family)
{
	struct kern_sock *ks = kern_sock(family);
	int level = family == AF_INET6 ? IPPROTO_IPV6 : IPPROTO_IP;
	int opt = family == AF_INET6 ? MRT6_DONE : MRT_DONE;
	int dummy = 0;

	if (ks->fd < 0)
		return;
	if (ks->ev)
		event_free(ks->ev);
	ks->ev = NULL;
	log_debug("kernel: %s socket received %llu upcalls, %llu packets, "
	    "%llu ignored, %llu truncated, %llu with ancillary data cut, "
	    "%llu errors; budget of %d spent %llu times",
	    family == AF_INET6 ? "IPv6" : "IPv4",
	    (unsigned long long)ks->st.upcalls,
	    (unsigned long long)ks->st.packets,
	    (unsigned long long)ks->st.ignored,
	    (unsigned long long)ks->st.truncated,
	    (unsigned long long)ks->st.ctruncated,
	    (unsigned long long)ks->st.errors, KERN_RX_BUDGET,
	    (unsigned long long)ks->st.yields);
	/* MRT_DONE drops every VIF and MFC entry of the table. */
	if (setsockopt(ks->fd, level, opt, &dummy, sizeof(dummy)))
		log_warn("kernel: %s", family == AF_INET6 ? "MRT6_DONE" :
		    "MRT_DONE");
	close(ks->fd);
	ks->fd = -1;
	ks->vifs = 0;
	memset(&ks->st, 0, sizeof(ks->st));
}

static int
kern_slot(struct kern_sock *ks)
{
	int i;

	for (i = 0; i < MAXVIFS; i++)
		if (!(ks->vifs & (1u << i)))
			return i;
	return -1;
}

int
kern_vif_add(int family, int ifindex, const char *name, int ttl)
{
	struct kern_sock *ks = kern_sock(family);
	int slot;

	if (ks->fd < 0) {
		errno = EAFNOSUPPORT;
		return -1;
	}
	slot = kern_slot(ks);
	if (slot < 0) {
		log_warnx("Cannot add %s for %s: all %d slots in use",
		    family == AF_INET6 ? "MIF" : "VIF", name, MAXVIFS);
		errno = ENOSPC;
		return -1;
	}
	if (family == AF_INET) {
		struct vifctl vc;

		memset(&vc, 0, sizeof(vc));
		vc.vifc_vifi = (vifi_t)slot;
		vc.vifc_flags = VIFF_USE_IFINDEX;
		vc.vifc_threshold = (unsigned char)ttl;
		vc.vifc_lcl_ifindex = ifindex;
		if (setsockopt(ks->fd, IPPROTO_IP, MRT_ADD_VIF, &vc,
		    sizeof(vc))) {
			log_warn("Cannot add VIF for %s", name);
			return -1;
		}
	} else {
		struct mif6ctl mc;

		memset(&mc, 0, sizeof(mc));
		mc.mif6c_mifi = (mifi_t)slot;
		mc.mif6c_pifi = (unsigned short)ifindex;
		mc.vifc_threshold = (unsigned char)ttl;
		if (setsockopt(ks->fd, IPPROTO_IPV6, MRT6_ADD_MIF, &mc,
		    sizeof(mc))) {
			log_warn("Cannot add MIF for %s", name);
			return -1;
		}
	}
	ks->vifs |= 1u << slot;
	log_debug("%s: %s %d", name, family == AF_INET6 ? "MIF" : "VIF", slot);
	return slot;
}

int
kern_vif_del(int family, int slot, const char *name)
{
	struct kern_sock *ks = kern_sock(family);
	int rc = 0;

	if (slot < 0 || slot >= MAXVIFS)
		return 0;
	if (ks->fd >= 0) {
		if (family == AF_INET) {
			struct vifctl vc;

			memset(&vc, 0, sizeof(vc));
			vc.vifc_vifi = (vifi_t)slot;
			rc = setsockopt(ks->fd, IPPROTO_IP, MRT_DEL_VIF, &vc,
			    sizeof(vc));
		} else {
			mifi_t mifi = (mifi_t)slot;

			rc = setsockopt(ks->fd, IPPROTO_IPV6, MRT6_DEL_MIF,
			    &mifi, sizeof(mifi));
		}
		/* Gone with its device already: not worth a warning. */
		if (rc && errno != EADDRNOTAVAIL)
			log_warn("Cannot delete %s %d of %s",
			    family == AF_INET6 ? "MIF" : "VIF", slot, name);
	}
	ks->vifs &= ~(1u << slot);
	return rc;
}

/* Add (ttls given) or delete (ttls NULL) the (S,G) entry. */
static int
kern_mfc(const struct inet_addr *src, const struct inet_addr *grp, int iif,
    const uint8_t *ttls)
{
	struct kern_sock *ks = kern_sock(grp->family);
	int i;

	if (ks->fd < 0) {
		errno = EAFNOSUPPORT;
		return -1;
	}
	if (grp->family == AF_INET) {
		struct mfcctl mc;

		memset(&mc, 0, sizeof(mc));
		mc.mfcc_origin = src->u.v4;
		mc.mfcc_mcastgrp = grp->u.v4;
		mc.mfcc_parent = (vifi_t)iif;
		if (ttls)
			memcpy(mc.mfcc_ttls, ttls, MAXVIFS);
		return setsockopt(ks->fd, IPPROTO_IP, ttls ? MRT_ADD_MFC :
		    MRT_DEL_MFC, &mc, sizeof(mc));
	} else {
		struct mf6cctl mc;

		memset(&mc, 0, sizeof(mc));
		mc.mf6cc_origin.sin6_family = AF_INET6;
		mc.mf6cc_origin.sin6_addr = src->u.v6;
		mc.mf6cc_mcastgrp.sin6_family = AF_INET6;
		mc.mf6cc_mcastgrp.sin6_addr = grp->u.v6;
		mc.mf6cc_parent = (mifi_t)iif;
		/* Not IF_SET(): its int shift overflows for MIF 31. */
		for (i = 0; ttls && i < MAXVIFS; i++)
			if (ttls[i])
				mc.mf6cc_ifset.ifs_bits[i / NIFBITS] |=
				    1U << (i % NIFBITS);
		return setsockopt(ks->fd, IPPROTO_IPV6, ttls ? MRT6_ADD_MFC :
		    MRT6_DEL_MFC, &mc, sizeof(mc));
	}
}

int
kern_mfc_add(const struct inet_addr *src, const struct inet_addr *grp,
    int iif, const uint8_t ttls[MAXVIFS])
{
	return kern_mfc(src, grp, iif, ttls);
}

int
kern_mfc_del(const struct inet_addr *src, const struct inet_addr *grp,
    int iif)
{
	return kern_mfc(src, grp, iif, NULL);
}

int
kern_mfc_stats(const struct inet_addr *src, const struct inet_addr *grp,
    struct kern_stats *st)
{
	struct kern_sock *ks = kern_sock(grp->family);

	memset(st, 0, sizeof(*st));
	if (ks->fd < 0) {
		errno = EAFNOSUPPORT;
		return -1;
	}
	if (grp->family == AF_INET) {
		struct sioc_sg_req sg;

		memset(&sg, 0, sizeof(sg));
		sg.src = src->u.v4;
		sg.grp = grp->u.v4;
		if (ioctl(ks->fd, SIOCGETSGCNT, &sg))
			return -1;
		st->pkts = sg.pktcnt;
		st->bytes = sg.bytecnt;
		st->wrong_if = sg.wrong_if;
	} else {
		struct sioc_sg_req6 sg;

		memset(&sg, 0, sizeof(sg));
		sg.src.sin6_family = AF_INET6;
		sg.src.sin6_addr = src->u.v6;
		sg.grp.sin6_family = AF_INET6;
		sg.grp.sin6_addr = grp->u.v6;
		if (ioctl(ks->fd, SIOCGETSGCNT_IN6, &sg))
			return -1;
		st->pkts = sg.pktcnt;
		st->bytes = sg.bytecnt;
		st->wrong_if = sg.wrong_if;
	}
	return 0;
}
