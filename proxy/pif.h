/*
 * pif.h - the proxy's interfaces, shared by the files of proxy/ only
 *
 * One struct pif per interface and family with a proxy role.  A
 * downstream pif (phyint IF igmp|mld) has a querier (querier.c) and a
 * membership database (mdb.h); an upstream pif (phyint IF upstream) is
 * where the dynamic routes of the groups it serves come from (pconf.h:
 * the longest group prefix wins) and, with "upstream igmp|mld", where
 * their merged membership is reported (upstream.c).  An upstream with
 * "downstream" is both: a downstream for the groups other upstreams
 * serve.  Messages come in and
 * go out through io.c; acl.c decides what is allowed; pshow.c shows it
 * all; proxy.c holds the interfaces and is the glue to the core.
 *
 * src/ never includes this file: its door into the proxy is proxy.h.
 */
#ifndef SMCR_PIF_H
#define SMCR_PIF_H

#include <stdbool.h>
#include <stdint.h>
#include <net/if.h>
#include <sys/tree.h>

#include "conf.h"
#include "inet.h"
#include "log.h"
#include "mdb.h"
#include "merge.h"
#include "pkt.h"

/* RFC 3376 §8 defaults, milliseconds. */
#define QI_DEFAULT	125000
#define QRI_DEFAULT	10000
#define LMQI_DEFAULT	1000
#define ROBUST_DEFAULT	2

#define PIF_DOWN	0x1	/* phyint IF igmp: querier + membership */
#define PIF_UP		0x2	/* phyint IF upstream */
#define PIF_REPORT	0x4	/* phyint IF upstream igmp */
/* phyint IF upstream igmp downstream: PIF_UP | PIF_REPORT | PIF_DOWN */

/* Querier states, RFC 3376 §6.6.2 (querier election). */
enum qstate {
	Q_DOWN,			/* not running */
	Q_QUERIER,		/* sending general queries */
	Q_NONQUERIER,		/* another router, lower address, queries */
	Q_MAX
};

enum qevent {
	QE_START,		/* interface configured */
	QE_GQ_TIMER,		/* general query timer fired */
	QE_LOWER_QUERY,		/* query heard from a lower address */
	QE_OQP_EXPIRE,		/* other querier present timer expired */
	QE_STOP,		/* interface unconfigured */
	QE_MAX
};

/* Messages counted on receipt, by type and version. */
enum rxcount {
	RX_QUERY_V1, RX_QUERY_V2, RX_QUERY_V3,
	RX_REPORT_V1, RX_REPORT_V2, RX_REPORT_V3, RX_LEAVE,
	RX_MAX
};

struct event;

struct pif {
	RB_ENTRY(pif)	 entry;
	int		 family;
	int		 ifindex;
	char		 name[IFNAMSIZ];
	unsigned int	 role;		/* PIF_* */
	struct pconf_if	 cfg;
	bool		 mark;		/* proxy_apply() sweep */
	bool		 vifref;	/* holds a VIF reference */

	/* Querier, RFC 3376 §6.6 and §7.3.1 (querier.c). */
	enum qstate	 qstate;
	struct inet_addr addr;		/* ours, for the election */
	struct inet_addr querier;	/* the current querier */
	int		 startup_left;	/* startup queries still to send */
	int		 tentative_retries; /* IPv6 startup query retries */
	uint64_t	 gq_at;		/* next general query */
	uint64_t	 oqp_at;	/* other querier present deadline */
	unsigned int	 adopt_qrv;	/* §4.1.6: the querier's QRV, or 0 */
	uint32_t	 adopt_qi;	/* §4.1.7: the querier's QQI ms, or 0 */
	struct event	*gq_ev;
	struct event	*oqp_ev;
	struct event	*mdb_ev;
	struct mdb_if	*mdb;

	/* Counters for show igmp. */
	uint64_t	 rx[RX_MAX];
	uint64_t	 drops[PKT_DROP_MAX];
	uint64_t	 drop_acl;	/* records refused by an acl */
	uint64_t	 drop_off_subnet; /* IGMP from off the subnets */
	uint64_t	 older_query;	/* older-version queries heard */
	uint64_t	 ra_missing_ok;	/* taken without Router Alert */
	uint64_t	 upsrc_refused;	/* upstream: flows off the source list */
	uint64_t	 other_range;	/* upstream: flows of another's group */
	struct log_rl	 rl_upsrc;	/* upsrc_refused */
	struct log_rl	 rl_range;	/* other_range */
	struct log_rl	 rl_limit;	/* records over the limits */
	struct log_rl	 rl_untrack;	/* hosts not tracked */
	struct log_rl	 rl_offlink;	/* drop_off_subnet */
	struct log_rl	 rl_older;	/* older_query */
	uint64_t	 tx_general;
	uint64_t	 tx_specific;
	uint64_t	 tx_errors;
};

/* The membership reported upstream for one group (upstream.c). */
struct ugroup {
	RB_ENTRY(ugroup) entry;
	struct inet_addr grp;
	int		 ifindex;	/* the upstream it is set on */
	struct msf	 f;
};

RB_HEAD(pif_tree, pif);
RB_PROTOTYPE(pif_tree, pif, entry, pif_cmp)

/* The proxy: a true singleton, like the route engine it feeds. */
struct proxy {
	struct pif_tree		 pifs;
	const struct conf	*conf;		/* for the acls */
};
extern struct proxy px;

/* proxy.c */
struct pif	*pif_find(int family, int ifindex);
/*
 * The upstream that serves grp (longest group prefix, pconf.h), or
 * NULL when none does.
 */
struct pif	*pif_upstream_of(const struct inet_addr *grp);
/* "IGMP" or "MLD", for messages: "[IGMP eth0] ...". */
const char	*pif_proto(const struct pif *);
/*
 * After every change to p's database: send the queries it asks for,
 * recompute the routes and upstream membership of what changed, and arm
 * its one timer.
 */
void		 pif_drain(struct pif *);

/* acl.c: the acl lines for an interface, first match wins. */
bool		 acl_permit(const struct pif *, const struct inet_addr *src,
		    const struct inet_addr *grp);
/*
 * Add to f, or to the open merge record m, the single sources that
 * the acl of p denies for grp.
 */
void		 acl_exclusions(const struct pif *, const struct inet_addr *grp,
		    struct msf *f, struct merge *m);

/*
 * acl.c: may a flow from src to grp, arriving on the upstream p, go
 * downstream (its source list, "phyint IF upstream source ...")?  A
 * refusal some downstream would have forwarded is counted and logged.
 */
bool		 upsrc_permit(struct pif *, const struct inet_addr *src,
		    const struct inet_addr *grp);
/*
 * acl.c: a flow from src to grp arrived on the upstream p, but another
 * upstream (or none) serves grp: it is not forwarded.  Counted and
 * logged the same way as upsrc_permit()'s refusals.
 */
void		 upgrp_refused(struct pif *, const struct inet_addr *src,
		    const struct inet_addr *grp);

/* The decoder's receive flags (pkt.h) for p's router-alert setting. */
static inline unsigned int
pif_rx_flags(const struct pif *p)
{
	switch (p->cfg.ra) {
	case PCONF_RA_REQUIRE:
		return PKT_RX_RA_ALL;
	case PCONF_RA_OPTIONAL:
		return PKT_RX_RA_NONE;
	default:
		return 0;
	}
}

/* querier.c: the querier of a downstream interface. */
extern const char *const qstate_str[Q_MAX];
/* Timers of p; 0, or -1 when out of memory.  querier_free() stops it. */
int		 querier_init(struct pif *);
void		 querier_free(struct pif *);
void		 querier_event(struct pif *, enum qevent);
/* A query from another router on p's link. */
void		 querier_heard(struct pif *, const struct pkt_msg *);
/* Send the group(-and-source)-specific queries the database asks for. */
void		 querier_specific(struct pif *);
/* The knobs in effect (configured, adopted, or RFC defaults). */
uint32_t	 pif_qi(const struct pif *);
uint32_t	 pif_qri(const struct pif *);
uint32_t	 pif_lmqi(const struct pif *);
unsigned int	 pif_robustness(const struct pif *);
/* The configured version as the neutral level (pkt.h), the one in use. */
int		 pif_level(const struct pif *);
void		 pif_params(const struct pif *, struct mdb_params *);

/* upstream.c: the RFC 4605 §4.1 merge, set on the upstream interface. */
void		 upstream_init(void);
void		 upstream_exit(void);
void		 upstream_update(const struct inet_addr *grp);
void		 upstream_update_all(void);
/* Set every group of family (AF_UNSPEC: all) on ifindex again. */
void		 upstream_reset(int ifindex, int family);
/*
 * The upstream ifindex of family leaves the proxy: what it reported
 * goes (left in the kernel unless gone: the interface left the system).
 * upstream_update_all() then sets it on whichever upstream serves it now.
 */
void		 upstream_drop(int family, int ifindex, bool gone);
void		 upstream_drop_iface(int ifindex);
struct ugroup	*upstream_first(void);
struct ugroup	*upstream_next(struct ugroup *);

/* io.c: the proxy's messages in and out, on the routing sockets. */
void		 io_init(void);
void		 io_exit(void);
/*
 * Join or leave a link-scope group on ifindex, counted: the socket
 * stays a member while any user (querier, mrdisc) needs it.
 */
int		 io_join(int family, int ifindex, const char *group);
void		 io_leave(int family, int ifindex, const char *group);
/* Send msg out of ifindex to dst, from src (IPv6; NULL: the kernel's). */
int		 io_send(int family, int ifindex, const struct inet_addr *src,
		    const struct inet_addr *dst, const void *msg, size_t len);

/*
 * mrdisc.c: Multicast Router Discovery (RFC 4286), IGMP and ICMPv6
 * messages on each interface with "phyint IF mrdisc", for each family
 * the kernel routes.
 */
struct mrdisc_stats {
	uint64_t	 solicits;	/* solicitations heard */
	uint64_t	 answers;	/* advertisements that answered them */
	uint64_t	 adverts;	/* advertisements sent, all */
};
void		 mrdisc_init(int interval);
void		 mrdisc_apply(void);
/* A valid solicitation (RFC 4286 §4) of family heard on ifindex. */
void		 mrdisc_solicit(int family, int ifindex);
/* The counters of family on ifindex, NULL where it does not advertise. */
const struct mrdisc_stats *mrdisc_stats(int family, int ifindex);
void		 mrdisc_exit(void);

#endif /* SMCR_PIF_H */
