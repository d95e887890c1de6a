/*
 * iface.h - the interfaces of the system, keyed by ifindex
 *
 * Interfaces are learned from the system (iface_refresh) and kept in an
 * RB tree by ifindex.  A VIF (IPv4) or MIF (IPv6) is allocated lazily
 * on the first reference and released with the last one, so only
 * interfaces that something uses take one of the kernel's 32 slots.
 */
#ifndef SMCR_IFACE_H
#define SMCR_IFACE_H

#include <stdbool.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/tree.h>

#define NO_VIF		-1
#define IFACE_MAX_SUB4	16

struct iface {
	RB_ENTRY(iface)	 entry;
	int		 ifindex;
	char		 name[IFNAMSIZ];
	unsigned int	 flags;		/* IFF_* */
	struct in_addr	 inaddr;	/* primary IPv4 address, or 0 */
	/*
	 * The IPv4 subnets on the link (RFC 3376 section 9.1: reports
	 * from elsewhere are ignored): address and mask, the peer as a /32
	 * on point-to-point links.  nsub4 -1: more than fit, take any.
	 */
	struct {
		struct in_addr	 net;
		struct in_addr	 mask;
	}		 sub4[IFACE_MAX_SUB4];
	int		 nsub4;
	struct in6_addr	 ll6;		/* IPv6 link-local, or :: */
	int		 vif;		/* IPv4 VIF, or NO_VIF */
	int		 mif;		/* IPv6 MIF, or NO_VIF */
	int		 refs[2];	/* users of vif [0] and mif [1] */
	int		 ttl;		/* phyint ttl-threshold, 1-255 */
	bool		 disabled;	/* phyint IF disable */
	bool		 wrongvif_keep;	/* phyint IF wrongvif keep */
	bool		 mrdisc;	/* phyint IF mrdisc */
	bool		 seen;		/* iface_refresh() mark */
	bool		 known;		/* seen by an earlier refresh */
	/*
	 * Set by iface_refresh(), cleared by the user: the interface began
	 * to run (up, with carrier), or got another IPv6 address.  Either
	 * way the kernel may have lost the sources of SSM memberships on
	 * it (its IPv6 side re-installs memberships then, and in Linux 6.1
	 * to 6.18 a source list can be lost in it).
	 */
	bool		 came_up;
	bool		 addr6_added;
	int		 naddr6;	/* IPv6 addresses at the last refresh */
	int		 naddr6_was;	/* and at the one before */
};

RB_HEAD(iface_tree, iface);
RB_PROTOTYPE(iface_tree, iface, entry, iface_cmp)
extern struct iface_tree ifaces;

#define IFACE_FOREACH(ifp)	RB_FOREACH(ifp, iface_tree, &ifaces)

/*
 * Called, after a short settling delay, when rtnetlink reports that
 * links or addresses changed.  The callback runs iface_refresh().
 */
typedef void (*iface_change_fn)(void);
/* Called by iface_refresh() for each interface gone, before it is freed. */
typedef void (*iface_gone_fn)(struct iface *);

/* vifs: called when interfaces waiting for a VIF/MIF slot got one. */
void		 iface_init(iface_change_fn change, iface_change_fn vifs);
void		 iface_exit(void);
/*
 * Re-read the system's interfaces: new ones are added, renamed ones
 * take their new name, vanished ones are passed to gone (may be NULL)
 * and freed, releasing their VIF/MIF.  Returns how many vanished.
 */
int		 iface_refresh(iface_gone_fn gone);
struct iface	*iface_find(int ifindex);
struct iface	*iface_find_name(const char *name);
/*
 * Is a on one of ifp's IPv4 subnets?  True as well when ifp has no IPv4
 * address, or more subnets than are kept: nothing to check against.
 */
bool		 iface_on_link4(const struct iface *, struct in_addr a);
/* The name of an interface, or "?" when there is none of that index. */
const char	*iface_name(int ifindex);
/*
 * Take or drop a VIF/MIF reference; family AF_INET or AF_INET6.  A
 * reference counts even when no slot was free (iface_ref() returns
 * -1): the interface then gets one when another is released.
 */
int		 iface_ref(struct iface *, int family);
void		 iface_unref(struct iface *, int family);
/* Try again to give waiting interfaces a slot, soon. */
void		 iface_vif_retry(void);
/* The VIF (AF_INET) or MIF (AF_INET6) of ifp, or NO_VIF. */
int		 iface_vif(const struct iface *, int family);
struct iface	*iface_find_vif(int family, int vif);

#endif /* SMCR_IFACE_H */
