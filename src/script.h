/*
 * script.h - the -e CMD hook
 */
#ifndef SMCR_SCRIPT_H
#define SMCR_SCRIPT_H

#include "inet.h"

/* Validate the script at start-up: 0, or -1 with a logged reason. */
int	script_init(const char *path);
/*
 * Run the script with event as its argument, in the background.  The
 * environment has source= and group= when src/grp are given (they may
 * be NULL), and each "name=value" string of env (NULL-terminated, may
 * be NULL).
 */
void	script_run(const char *event, const struct inet_addr *src,
	    const struct inet_addr *grp, const char *const *env);
/* Reap finished children (SIGCHLD). */
void	script_reap(void);

#endif /* SMCR_SCRIPT_H */
