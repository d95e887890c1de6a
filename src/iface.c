/*
 * iface.c - the interfaces of the system, keyed by ifindex
 */
#include "config.h"

#include <errno.h>
#include <ifaddrs.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <string.h>

#include <unistd.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <event2/event.h>

#include "iface.h"
#include "kern.h"
#include "log.h"
#include "evloop.h"

/* Let a burst of link and address events settle before a refresh. */
#define IFACE_SETTLE_MS	20

struct iface_tree ifaces = RB_INITIALIZER(&ifaces);

static struct {
	int		 fd;
	struct event	*ev;
	struct event	*settle;
	struct event	*retry;		/* iface_vif_retry() */
	iface_change_fn	 change;
	iface_change_fn	 vifs;		/* waiting interfaces got slots */
} nl = { .fd = -1 };

static int
iface_cmp(struct iface *a, struct iface *b)
{
	return a->ifindex < b->ifindex ? -1 : a->ifindex > b->ifindex;
}

RB_GENERATE(iface_tree, iface, entry, iface_cmp)

static void	iface_retry(evutil_socket_t, short, void *);

static void
iface_settled(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	if (nl.change)
		nl.change();
}

/*
 * rtnetlink only tells us that something changed; the state itself is
 * read back with getifaddrs(), so there is one way to learn interfaces
 * and no partial message parsing to get wrong.
 */
static void
iface_netlink(evutil_socket_t fd, short what, void *arg)
{
	struct timeval tv = { 0, IFACE_SETTLE_MS * 1000 };
	char buf[16384];
	bool changed = false;
	ssize_t len;

	(void)what;
	(void)arg;
	while ((len = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) != 0) {
		if (len < 0) {
			/* Overrun: events were lost, so refresh anyway. */
			if (errno == ENOBUFS)
				changed = true;
			else if (errno != EINTR)
				break;
			continue;
		}
		changed = true;
	}
	if (changed && !evtimer_pending(nl.settle, NULL))
		evtimer_add(nl.settle, &tv);
}

static void
iface_netlink_open(void)
{
	struct sockaddr_nl sa;
	int rcvbuf = 256 * 1024;

	nl.fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    NETLINK_ROUTE);
	if (nl.fd < 0) {
		log_warn("netlink socket: interface changes will need a "
		    "reload");
		return;
	}
	memset(&sa, 0, sizeof(sa));
	sa.nl_family = AF_NETLINK;
	sa.nl_groups = RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR;
	setsockopt(nl.fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (bind(nl.fd, (struct sockaddr *)&sa, sizeof(sa))) {
		log_warn("netlink bind: interface changes will need a reload");
		close(nl.fd);
		nl.fd = -1;
		return;
	}
	nl.ev = event_new(evbase, nl.fd, EV_READ | EV_PERSIST, iface_netlink,
	    NULL);
	nl.settle = evtimer_new(evbase, iface_settled, NULL);
	if (!nl.ev || !nl.settle || event_add(nl.ev, NULL))
		log_warnx("netlink: cannot watch interface changes");
}

void
iface_init(iface_change_fn change, iface_change_fn vifs)
{
	RB_INIT(&ifaces);
	nl.change = change;
	nl.vifs = vifs;
	if (evbase) {
		iface_netlink_open();
		nl.retry = evtimer_new(evbase, iface_retry, NULL);
	}
	iface_refresh(NULL);
}

/* Give ifp a VIF/MIF; 0, or -1 when the kernel has none for it now. */
static int
iface_vif_open(struct iface *ifp, int family)
{
	int slot;

	if (!kern_available(family))
		return -1;
	/*
	 * struct mif6ctl carries the ifindex in 16 bits (mif6c_pifi): a
	 * larger one would make the MIF on the interface whose ifindex
	 * it is modulo 65536, so such an interface gets none.
	 */
	if (family == AF_INET6 && ifp->ifindex > USHRT_MAX) {
		log_warnx("%s: ifindex %d is above %d: no IPv6 MIF (the "
		    "kernel takes 16 bits)", ifp->name, ifp->ifindex,
		    USHRT_MAX);
		return -1;
	}
	slot = kern_vif_add(family, ifp->ifindex, ifp->name, ifp->ttl);
	if (slot < 0)
		return -1;
	if (family == AF_INET6)
		ifp->mif = slot;
	else
		ifp->vif = slot;
	return 0;
}

static void
iface_vif_close(struct iface *ifp, int family)
{
	kern_vif_del(family, iface_vif(ifp, family), ifp->name);
	if (family == AF_INET6)
		ifp->mif = NO_VIF;
	else
		ifp->vif = NO_VIF;
}

static void
iface_free(struct iface *ifp)
{
	int i;

	/* The kernel drops a VIF whose device goes away; make it ours too. */
	for (i = 0; i < 2; i++) {
		int family = i ? AF_INET6 : AF_INET;

		if (iface_vif(ifp, family) != NO_VIF) {
			iface_vif_close(ifp, family);
			iface_vif_retry();
		}
	}
	RB_REMOVE(iface_tree, &ifaces, ifp);
	free(ifp);
}

void
iface_exit(void)
{
	struct iface *ifp, *next;

	if (nl.ev)
		event_free(nl.ev);
	if (nl.settle)
		event_free(nl.settle);
	if (nl.retry)
		event_free(nl.retry);
	nl.retry = NULL;
	if (nl.fd >= 0)
		close(nl.fd);
	nl.ev = nl.settle = NULL;
	nl.fd = -1;
	RB_FOREACH_SAFE(ifp, iface_tree, &ifaces, next)
		iface_free(ifp);
}

struct iface *
iface_find(int ifindex)
{
	struct iface key = { .ifindex = ifindex };

	return RB_FIND(iface_tree, &ifaces, &key);
}

const char *
iface_name(int ifindex)
{
	struct iface *ifp = iface_find(ifindex);

	return ifp ? ifp->name : "?";
}

struct iface *
iface_find_name(const char *name)
{
	struct iface *ifp;

	/* Names are looked up on configuration and IPC, never per packet. */
	IFACE_FOREACH(ifp)
		if (!strcmp(ifp->name, name))
			return ifp;
	return NULL;
}

struct iface *
iface_find_vif(int family, int vif)
{
	struct iface *ifp;

	if (vif < 0)
		return NULL;
	IFACE_FOREACH(ifp)
		if (iface_vif(ifp, family) == vif)
			return ifp;
	return NULL;
}

int
iface_vif(const struct iface *ifp, int family)
{
	return family == AF_INET6 ? ifp->mif : ifp->vif;
}

/*
 * refs counts the users of the interface's VIF/MIF, whether or not the
 * kernel gave it one: with all 32 slots taken an interface waits, and
 * gets a slot as soon as one is freed (iface_vif_retry).
 */
int
iface_ref(struct iface *ifp, int family)
{
	int i = family == AF_INET6;

	ifp->refs[i]++;
	if (iface_vif(ifp, family) != NO_VIF)
		return 0;
	return iface_vif_open(ifp, family);
}

void
iface_unref(struct iface *ifp, int family)
{
	int i = family == AF_INET6;

	if (ifp->refs[i] <= 0) {
		log_warnx("%s: %s reference count underflow", ifp->name,
		    family == AF_INET6 ? "MIF" : "VIF");
		return;
	}
	if (--ifp->refs[i] == 0 && iface_vif(ifp, family) != NO_VIF) {
		iface_vif_close(ifp, family);
		iface_vif_retry();
	}
}

/*
 * A slot was freed: give it to an interface that waits for one.  Run
 * from the event loop, not from inside the route engine's changes; the
 * change callback then recomputes the kernel entries.
 */
static void
iface_retry(evutil_socket_t fd, short what, void *arg)
{
	struct iface *ifp;
	bool added = false;
	int i;

	(void)fd;
	(void)what;
	(void)arg;
	IFACE_FOREACH(ifp) {
		for (i = 0; i < 2; i++) {
			int family = i ? AF_INET6 : AF_INET;

			if (ifp->refs[i] > 0 && iface_vif(ifp, family) ==
			    NO_VIF && !iface_vif_open(ifp, family)) {
				log_notice("%s: got a %s slot that was freed",
				    ifp->name, i ? "MIF" : "VIF");
				added = true;
			}
		}
	}
	if (added && nl.vifs)
		nl.vifs();
}

void
iface_vif_retry(void)
{
	struct timeval tv = { 0, 0 };

	if (nl.retry && !evtimer_pending(nl.retry, NULL))
		evtimer_add(nl.retry, &tv);
}

static bool
iface_running(unsigned int flags)
{
	return (flags & (IFF_UP | IFF_RUNNING)) == (IFF_UP | IFF_RUNNING);
}

static struct iface *
iface_get(const char *name, int ifindex)
{
	struct iface *ifp = iface_find(ifindex);

	if (ifp) {
		if (strcmp(ifp->name, name)) {
			log_info("Interface %s renamed to %s", ifp->name,
			    name);
			strlcpy(ifp->name, name, sizeof(ifp->name));
		}
		return ifp;
	}
	ifp = calloc(1, sizeof(*ifp));
	if (!ifp)
		return NULL;
	ifp->ifindex = ifindex;
	strlcpy(ifp->name, name, sizeof(ifp->name));
	ifp->vif = ifp->mif = NO_VIF;
	ifp->ttl = 1;
	RB_INSERT(iface_tree, &ifaces, ifp);
	log_info("New interface %s, ifindex %d", name, ifindex);
	return ifp;
}

static void
iface_sub4(struct iface *ifp, struct in_addr net, struct in_addr mask)
{
	if (ifp->nsub4 < 0)
		return;
	if (ifp->nsub4 == IFACE_MAX_SUB4) {
		ifp->nsub4 = -1;
		return;
	}
	ifp->sub4[ifp->nsub4].net.s_addr = net.s_addr & mask.s_addr;
	ifp->sub4[ifp->nsub4].mask = mask;
	ifp->nsub4++;
}

/*
 * The subnet of an IPv4 address, and the peer of a point-to-point one.
 * A /32 without a peer adds nothing: nothing is known of the link.
 */
static void
iface_add_sub4(struct iface *ifp, const struct ifaddrs *ifa)
{
	struct in_addr host = { INADDR_BROADCAST }, mask = host;

	if (ifa->ifa_netmask && ifa->ifa_netmask->sa_family == AF_INET)
		mask = ((struct sockaddr_in *)ifa->ifa_netmask)->sin_addr;
	/* A lone /32 says nothing about who is on the link. */
	if (mask.s_addr != INADDR_BROADCAST)
		iface_sub4(ifp, ((struct sockaddr_in *)ifa->ifa_addr)->
		    sin_addr, mask);
	if ((ifa->ifa_flags & IFF_POINTOPOINT) && ifa->ifa_dstaddr &&
	    ifa->ifa_dstaddr->sa_family == AF_INET)
		iface_sub4(ifp, ((struct sockaddr_in *)ifa->ifa_dstaddr)->
		    sin_addr, host);
}

bool
iface_on_link4(const struct iface *ifp, struct in_addr a)
{
	int i;

	if (ifp->nsub4 <= 0)
		return true;
	for (i = 0; i < ifp->nsub4; i++)
		if ((a.s_addr & ifp->sub4[i].mask.s_addr) ==
		    ifp->sub4[i].net.s_addr)
			return true;
	return false;
}

int
iface_refresh(iface_gone_fn gone_fn)
{
	struct ifaddrs *ifa, *list;
	struct iface *ifp, *next;
	int gone = 0;

	if (getifaddrs(&list)) {
		log_warn("getifaddrs");
		return 0;
	}
	IFACE_FOREACH(ifp) {
		ifp->seen = false;
		ifp->inaddr.s_addr = 0;
		ifp->nsub4 = 0;
		memset(&ifp->ll6, 0, sizeof(ifp->ll6));
		ifp->naddr6_was = ifp->naddr6;
		ifp->naddr6 = 0;
	}
	for (ifa = list; ifa; ifa = ifa->ifa_next) {
		unsigned int idx = if_nametoindex(ifa->ifa_name);

		if (!idx)
			continue;
		ifp = iface_get(ifa->ifa_name, (int)idx);
		if (!ifp)
			continue;
		ifp->seen = true;
		/*
		 * Not running to running (up, and with carrier): the
		 * kernel may have dropped SSM sources, IPv6 ones even when
		 * only the carrier came, after the administrative up.
		 */
		if (ifp->known && !iface_running(ifp->flags) &&
		    iface_running(ifa->ifa_flags))
			ifp->came_up = true;
		ifp->flags = ifa->ifa_flags;
		if (!ifa->ifa_addr)
			continue;
		if (ifa->ifa_addr->sa_family == AF_INET) {
			if (!ifp->inaddr.s_addr)
				ifp->inaddr = ((struct sockaddr_in *)
				    ifa->ifa_addr)->sin_addr;
			iface_add_sub4(ifp, ifa);
		}
		if (ifa->ifa_addr->sa_family == AF_INET6) {
			struct sockaddr_in6 *sin6 =
			    (struct sockaddr_in6 *)ifa->ifa_addr;

			ifp->naddr6++;
			if (IN6_IS_ADDR_LINKLOCAL(&sin6->sin6_addr))
				ifp->ll6 = sin6->sin6_addr;
		}
	}
	freeifaddrs(list);
	IFACE_FOREACH(ifp) {
		if (ifp->known && ifp->naddr6 > ifp->naddr6_was)
			ifp->addr6_added = true;
		ifp->known = true;
	}

	RB_FOREACH_SAFE(ifp, iface_tree, &ifaces, next) {
		if (ifp->seen)
			continue;
		log_notice("Interface %s (ifindex %d) is gone", ifp->name,
		    ifp->ifindex);
		if (gone_fn)
			gone_fn(ifp);
		iface_free(ifp);
		gone++;
	}
	return gone;
}
