/*
 * script.h - the -e CMD hook
 */
#ifndef SMCR_SCRIPT_H
#define SMCR_SCRIPT_H

#include "inet.h"

/* Validate the script at start-up: 0, or -1 with a logged reason. */
int	script_init(const char *path);
/*
 * Run the script with event as its argument, in the background.  For
 * "install" the environment has source= and group=; src/grp may be
 * NULL otherwise.
 */
void	script_run(const char *event, const struct inet_addr *src,
	    const struct inet_addr *grp);
/* Reap finished children (SIGCHLD). */
void	script_reap(void);

#endif /* SMCR_SCRIPT_H */
