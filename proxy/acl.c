/*
 * acl.c - the proxy's access lists
 */
#include "config.h"

#include <stdbool.h>
#include <stddef.h>
#include <sys/queue.h>

#include "pif.h"
#include "words.h"

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
