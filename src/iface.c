/*
 * iface.c - the interfaces of the system, keyed by ifindex
 */
#include "config.h"

#include <errno.h>
#include <ifaddrs.h>
#include <stdlib.h>
#include <string.h>
#include <string.h>

#include "iface.h"
#include "kern.h"
#include "log.h"

struct iface_tree ifaces = RB_INITIALIZER(&ifaces);

static int
iface_cmp(struct iface *a, struct iface *b)
{
	return a->ifindex < b->ifindex ? -1 : a->ifindex > b->ifindex;
}

RB_GENERATE(iface_tree, iface, entry, iface_cmp)

void
iface_init(void)
{
	RB_INIT(&ifaces);
	iface_refresh();
}

static void
iface_free(struct iface *ifp)
{
	int i;

	/* The kernel drops a VIF whose device goes away; make it ours too. */
	for (i = 0; i < 2; i++) {
		int family = i ? AF_INET6 : AF_INET;

		if (iface_vif(ifp, family) != NO_VIF)
			kern_vif_del(ifp, family);
	}
	RB_REMOVE(iface_tree, &ifaces, ifp);
	free(ifp);
}

void
iface_exit(void)
{
	struct iface *ifp, *next;

	RB_FOREACH_SAFE(ifp, iface_tree, &ifaces, next)
		iface_free(ifp);
}

struct iface *
iface_find(int ifindex)
{
	struct iface key = { .ifindex = ifindex };

	return RB_FIND(iface_tree, &ifaces, &key);
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

int
iface_ref(struct iface *ifp, int family)
{
	int i = family == AF_INET6;

	if (ifp->refs[i]++ > 0 && iface_vif(ifp, family) != NO_VIF)
		return 0;
	if (!kern_available(family))
		return -1;
	if (kern_vif_add(ifp, family)) {
		ifp->refs[i]--;
		return -1;
	}
	return 0;
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
	if (--ifp->refs[i] == 0 && iface_vif(ifp, family) != NO_VIF)
		kern_vif_del(ifp, family);
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
	log_debug("New interface %s, ifindex %d", name, ifindex);
	return ifp;
}

int
iface_refresh(void)
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
		memset(&ifp->ll6, 0, sizeof(ifp->ll6));
	}
	for (ifa = list; ifa; ifa = ifa->ifa_next) {
		unsigned int idx = if_nametoindex(ifa->ifa_name);

		if (!idx)
			continue;
		ifp = iface_get(ifa->ifa_name, (int)idx);
		if (!ifp)
			continue;
		ifp->seen = true;
		ifp->flags = ifa->ifa_flags;
		if (!ifa->ifa_addr)
			continue;
		if (ifa->ifa_addr->sa_family == AF_INET && !ifp->inaddr.s_addr)
			ifp->inaddr =
			    ((struct sockaddr_in *)ifa->ifa_addr)->sin_addr;
		if (ifa->ifa_addr->sa_family == AF_INET6) {
			struct sockaddr_in6 *sin6 =
			    (struct sockaddr_in6 *)ifa->ifa_addr;

			if (IN6_IS_ADDR_LINKLOCAL(&sin6->sin6_addr))
				ifp->ll6 = sin6->sin6_addr;
		}
	}
	freeifaddrs(list);

	RB_FOREACH_SAFE(ifp, iface_tree, &ifaces, next) {
		if (ifp->seen)
			continue;
		log_info("Interface %s (ifindex %d) is gone", ifp->name,
		    ifp->ifindex);
		iface_free(ifp);
		gone++;
	}
	return gone;
}
