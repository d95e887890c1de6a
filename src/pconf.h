/*
 * pconf.h - the proxy's part of smcroute.conf
 *
 * phyint lines take the proxy role and querier knobs:
 *
 *	phyint IF upstream [igmp] [mld]
 *	phyint IF igmp|mld [version 1|2|3] [mld-version 1|2]
 *	    [query-interval SEC]
 *	    [query-response-interval SEC] [robustness N]
 *	    [last-member-query-interval SEC] [last-member-query-count N]
 *	    [startup-query-interval SEC] [startup-query-count N]
 *	    [fast-leave] [max-groups N] [max-groups-per-host N]
 *	    [router-alert require|optional]
 *	phyint IF upstream ... [source S[/LEN]]...
 *	phyint IF upstream ... [group G/LEN]... [downstream]
 *
 * An upstream serves the groups of its group prefixes, IPv4 and IPv6
 * mixed, or without any every group; of several upstreams, the one with
 * the longest prefix matching a group serves it (pconf_upgrp_len): the
 * merged membership of the group is reported there alone, and its flows
 * are forwarded only when they arrive there.  Two upstreams may not
 * serve the same prefix (pconf_upgrp_clash; two without group clash
 * too).  "downstream" makes the upstream a downstream as well, with a
 * querier (igmp, mld), for the groups the other upstreams serve.
 *
 * router-alert says which messages without the IP Router Alert option
 * a downstream takes: by default IGMPv3 and MLD need it, IGMPv1/v2 do
 * not (pkt.h); require: every message needs it; optional: none does,
 * for links whose switches strip the option.  The source prefixes of
 * the upstream, IPv4 and IPv6 mixed, are the only sources whose flows
 * the proxy forwards downstream; a family without one forwards every
 * source, as does an upstream without any.
 *
 * and access lists, checked in order, first match wins:
 *
 *	acl IF allow|deny group G[/LEN] [source S[/LEN]]
 *
 * On a downstream (igmp) interface an acl decides which groups and
 * sources its hosts may ask for; on the upstream interface which merged
 * memberships are reported upstream.  Parsing has no side effects, like
 * the rest of conf.c, which calls in here.
 */
#ifndef SMCR_PCONF_H
#define SMCR_PCONF_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <net/if.h>
#include <sys/queue.h>

#include "inet.h"

#define PCONF_UPSTREAM	0x01	/* dynamic routes come in here */
#define PCONF_IGMP	0x02	/* querier here; upstream: report */
#define PCONF_FASTLEAVE	0x04	/* per-host tracking, immediate leave */
#define PCONF_MLD	0x08	/* the same for IPv6, with MLD */
#define PCONF_DOWNSTREAM 0x10	/* upstream also downstream (querier) */

/*
 * Source prefixes of one upstream: as many as keep its canonical line
 * (conf_dump) under CONF_LINE_MAX, 16 * 57 characters at most.
 */
#define PCONF_UPSRC_MAX	16
/* Group prefixes of one upstream: 16 with its source prefixes. */
#define PCONF_UPGRP_MAX	PCONF_UPSRC_MAX

/* router-alert; PCONF_RA_DEFAULT is the RFCs' rule, see pkt.h. */
enum pconf_ra {
	PCONF_RA_DEFAULT = 0,
	PCONF_RA_REQUIRE,	/* every message needs the option */
	PCONF_RA_OPTIONAL,	/* no message needs it */
};

/* The proxy knobs of one phyint line; 0 means the RFC default. */
struct pconf_if {
	unsigned int	 flags;
	int		 version;	/* IGMP 1-3, default 3 */
	int		 mld_version;	/* MLD 1-2, default 2 */
	uint32_t	 qi_ms;		/* query-interval, 125 s */
	uint32_t	 qri_ms;	/* query-response-interval, 10 s */
	uint32_t	 lmqi_ms;	/* last-member-query-interval, 1 s */
	uint32_t	 sqi_ms;	/* startup-query-interval, qi / 4 */
	unsigned int	 robustness;	/* 2 */
	unsigned int	 lmqc;		/* robustness */
	unsigned int	 sqc;		/* startup-query-count, robustness */
	unsigned int	 max_groups;	/* the limits: 0, the defaults */
	unsigned int	 max_per_host;
	unsigned int	 max_sources;
	unsigned int	 max_hosts;
	enum pconf_ra	 ra;		/* router-alert */
	/* Upstream source allow-list, in file order; none: any source. */
	unsigned int	 nupsrc;
	struct inet_pfx	 upsrc[PCONF_UPSRC_MAX];
	/* Upstream group prefixes, in file order; none: every group. */
	unsigned int	 nupgrp;
	struct inet_pfx	 upgrp[PCONF_UPGRP_MAX];
};

struct pconf_acl {
	TAILQ_ENTRY(pconf_acl)	 link;
	char			 ifname[IFNAMSIZ];
	bool			 allow;
	struct inet_pfx		 grp;
	struct inet_pfx		 src;	/* len 0: any source */
	const char		*file;
	int			 line;
};

/*
 * Look at the phyint keyword av[*i].  Returns 1 when it is a proxy
 * keyword (its value consumed, *i on the last token used), 0 when it
 * is not one, -1 with a reason in err when it is malformed.
 */
int	pconf_phyint_word(struct pconf_if *, char **av, int ac, int *i,
	    char *err, size_t errlen);
/* Checks across keywords of one line.  0, or -1 with a reason. */
int	pconf_phyint_check(const struct pconf_if *, char *err, size_t errlen);
/* Append the proxy keywords in canonical form (" upstream igmp ..."). */
void	pconf_phyint_dump(const struct pconf_if *, FILE *);

/*
 * May the upstream of pc forward flows from src downstream?  Yes when
 * a source prefix of src's family matches, or when there is none of
 * that family.
 */
bool	pconf_upsrc_permit(const struct pconf_if *, const struct inet_addr *);

/*
 * How well the upstream pc serves grp: the length of its longest group
 * prefix matching grp, 0 for an upstream without group prefixes (it
 * serves every group, like a /0 of both families), -1 when it does not
 * serve grp.  The upstream with the highest value serves the group.
 */
int	pconf_upgrp_len(const struct pconf_if *, const struct inet_addr *grp);
/*
 * Do the upstreams a and b serve an equal prefix?  (Two without group
 * prefixes do: both serve every group.)  The first such prefix of a into
 * *same (a /0 of family AF_UNSPEC for two without).
 */
bool	pconf_upgrp_clash(const struct pconf_if *a, const struct pconf_if *b,
	    struct inet_pfx *same);

/* acl IF allow|deny group G[/LEN] [source S[/LEN]] */
int	pconf_acl_parse(char **av, int ac, struct pconf_acl *, char *err,
	    size_t errlen);
void	pconf_acl_dump(const struct pconf_acl *, FILE *);
/* Does the rule match (src may be NULL: the whole group)? */
bool	pconf_acl_match(const struct pconf_acl *, const struct inet_addr *src,
	    const struct inet_addr *grp);

#endif /* SMCR_PCONF_H */
