/*
 * acl.c - the proxy's access lists
 */
#include "config.h"

#include <stdbool.h>
#include <stddef.h>
#include <sys/queue.h>

#include "evloop.h"
#include "log.h"
#include "pif.h"
#include "words.h"

#define UPSRC_LOG_PERIOD	60000	/* ms between refusal messages */

/*
 * Access lists: the acl lines for this interface, in order, first match
 * wins.  Without a match, downstream allows everything; upstream does
 * not report SSDP (239.255.255.250), which only floods a provider's
 * network with home devices' discovery traffic.
 */
bool
acl_permit(const struct pif *p, const struct inet_addr *src,
    const struct inet_addr *grp)
{
	static const struct inet_addr ssdp = { .family = AF_INET,
	    .u.bytes = { 239, 255, 255, 250 } };
	const struct pconf_acl *acl;

	if (px.conf) {
		TAILQ_FOREACH(acl, &px.conf->acls, link) {
			if (!word_ifname_match(acl->ifname, p->name))
				continue;
			if (pconf_acl_match(acl, src, grp))
				return acl->allow;
		}
	}
	if ((p->role & PIF_UP) && !inet_cmp(grp, &ssdp))
		return false;
	return true;
}

/*
 * Add to f, or to the open merge record m, the single sources that
 * p's acl denies for grp: in EXCLUDE mode, excluding them is how a
 * membership says "not these".  Prefix denies cannot be listed.
 */
void
acl_exclusions(const struct pif *p, const struct inet_addr *grp,
    struct msf *f, struct merge *m)
{
	const struct pconf_acl *acl;

	if (!px.conf)
		return;
	TAILQ_FOREACH(acl, &px.conf->acls, link) {
		if (acl->allow || !acl->src.len ||
		    !inet_pfx_is_host(&acl->src) ||
		    !word_ifname_match(acl->ifname, p->name) ||
		    !inet_pfx_match(&acl->grp, grp))
			continue;
		/* First match wins: an earlier allow keeps the source. */
		if (!acl_permit(p, &acl->src.addr, grp)) {
			if (f)
				msf_add(f, &acl->src.addr);
			if (m)
				merge_src(m, &acl->src.addr);
		}
	}
}

/*
 * The upstream's source list.  Only refusals that matter are counted:
 * a flow nobody downstream asked for would not be forwarded anyway, and
 * a provider's link carries many.  A refused flow is counted each time
 * its route is worked out: when it arrives and when its group's
 * membership changes.  Logged once a minute at most, with the flow at
 * hand as the example and how many were refused in between.
 */
/* Would a downstream other than up forward (src, grp)? */
static bool
acl_wanted(const struct pif *up, const struct inet_addr *src,
    const struct inet_addr *grp)
{
	struct pif *p;

	RB_FOREACH(p, pif_tree, &px.pifs) {
		if (p != up && p->family == grp->family &&
		    (p->role & PIF_DOWN) && mdb_wants(p->mdb, src, grp) &&
		    acl_permit(p, src, grp))
			return true;
	}
	return false;
}

bool
upsrc_permit(struct pif *up, const struct inet_addr *src,
    const struct inet_addr *grp)
{
	char s[INET6_ADDRSTRLEN], g[INET6_ADDRSTRLEN];
	long n;

	if (pconf_upsrc_permit(&up->cfg, src))
		return true;
	if (!acl_wanted(up, src, grp))
		return false;
	up->upsrc_refused++;
	if ((n = log_rl(&up->rl_upsrc, now_ms(), UPSRC_LOG_PERIOD)) >= 0)
		log_warnx("[%s %s] refused %ld flow(s) from sources outside "
		    "the upstream source list, e.g. %s to %s (see show igmp)",
		    pif_proto(up), up->name, n + 1,
		    inet_str(src, s, sizeof(s)), inet_str(grp, g, sizeof(g)));
	return false;
}

/*
 * A group another upstream serves (or none does: outside every range)
 * came in here.  Counted only when a downstream wants it, as above.
 */
void
upgrp_refused(struct pif *up, const struct inet_addr *src,
    const struct inet_addr *grp)
{
	char s[INET6_ADDRSTRLEN], g[INET6_ADDRSTRLEN];
	const struct pif *serving;
	long n;

	if (!acl_wanted(up, src, grp))
		return;
	up->other_range++;
	if ((n = log_rl(&up->rl_range, now_ms(), UPSRC_LOG_PERIOD)) < 0)
		return;
	serving = pif_upstream_of(grp);
	log_warnx("[%s %s] refused %ld flow(s) of groups this upstream does "
	    "not serve, e.g. %s to %s (served by %s)", pif_proto(up),
	    up->name, n + 1, inet_str(src, s, sizeof(s)),
	    inet_str(grp, g, sizeof(g)), serving ? serving->name : "none");
}
