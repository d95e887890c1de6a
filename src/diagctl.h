/*
 * diagctl.h - smcroutectl diagnose, the client's part
 */
#ifndef SMCR_DIAGCTL_H
#define SMCR_DIAGCTL_H

#include <stddef.h>

/* DIAGCTL_* results: the worst state of the rows. */
#define DIAGCTL_OK	0
#define DIAGCTL_WARN	1
#define DIAGCTL_FAIL	2

/*
 * Finish a diagnosis and render it.  reply (len bytes) holds the rows a
 * daemon sent; NULL when no daemon answered at sockpath, in which case
 * the checks the daemon would run are run here, on the configuration
 * file conf, with the kernel probed directly.  The firewall is read here
 * in any case (nft, iptables-save, ip6tables-save, where installed).
 * *out gets the table (malloc'ed, NUL-terminated): JSON with json, else
 * text marked for smcroutectl's decoration.  Returns a DIAGCTL_* value,
 * or -1 with a reason in err.
 */
int	diagctl_run(const char *reply, size_t len, const char *sockpath,
	    const char *conf, int json, char **out, char *err, size_t errlen);

#endif /* SMCR_DIAGCTL_H */
