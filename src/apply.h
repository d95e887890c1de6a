/*
 * apply.h - apply a parsed configuration to the running daemon
 *
 * The configuration names interfaces (with wildcards); the route engine
 * and the group memberships use ifindexes.  This layer resolves names,
 * keeps what cannot be resolved yet on the pending list, and on reload
 * applies only the difference: rules and groups that stay are left
 * alone, new ones are added before old ones go, so an unchanged flow
 * never sees its kernel entry removed.
 */
#ifndef SMCR_APPLY_H
#define SMCR_APPLY_H

#include "conf.h"

/* Take ownership of c and make it the running configuration. */
void	apply_conf(struct conf *c);
/* Interfaces changed: resolve the configuration again. */
void	apply_ifaces_changed(void);
void	apply_exit(void);
/* The running configuration, or NULL before the first. */
const struct conf *apply_running(void);

/* Pending entries, for show: either mroute or mgroup is set. */
struct apply_pending {
	const struct conf_mroute *mroute;
	const struct conf_mgroup *mgroup;
};
int	apply_pending_count(void);
const struct apply_pending *apply_pending_get(int i);

#endif /* SMCR_APPLY_H */
