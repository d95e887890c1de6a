/*
 * script.h - the -e CMD hook
 *
 * Each event runs CMD with the event's name as its only argument, in a
 * child with a fixed environment (SCRIPT_PATH and the event's
 * variables, nothing of the daemon's), default signal dispositions, an
 * empty signal mask, and no descriptor but 0, 1 and 2.  At most
 * SCRIPT_MAX_RUNNING children run at a time; further events wait in a
 * queue of at most SCRIPT_MAX_QUEUED, where an event identical to one
 * already waiting (same name, same variables in the same order) is
 * merged into it, and an event that finds the queue full is dropped,
 * counted and reported at most once every SCRIPT_REPORT_MS.  A child
 * is never killed: one that does not end keeps its slot.
 */
#ifndef SMCR_SCRIPT_H
#define SMCR_SCRIPT_H

#include "inet.h"

/* The whole PATH of the child, whatever the daemon's own. */
#define SCRIPT_PATH		"/usr/sbin:/usr/bin:/sbin:/bin"
/* Children at a time: enough to hide one slow run, never a storm. */
#define SCRIPT_MAX_RUNNING	4
/* Events waiting for a slot; each takes a few hundred bytes at most. */
#define SCRIPT_MAX_QUEUED	256
/* Dropped events and failed starts are logged at most this often. */
#define SCRIPT_REPORT_MS	60000
/* A start that failed (fork) is tried again after this long. */
#define SCRIPT_RETRY_MS		1000
/* Variables of one event: source, group and the caller's env. */
#define SCRIPT_MAX_VARS		8

/*
 * Validate the script at start-up (after evloop_init): 0, or -1 with a
 * logged reason, and then no event runs anything.
 */
int	script_init(const char *path);
/* Forget the waiting events; running children are left to finish. */
void	script_exit(void);
/*
 * Queue the event, which starts at once if a slot is free.  The
 * variables are source= and group= when src/grp are given (they may be
 * NULL), then each "name=value" string of env (NULL-terminated, may be
 * NULL; copied, so it may live on the caller's stack), at most
 * SCRIPT_MAX_VARS in all.
 */
void	script_run(const char *event, const struct inet_addr *src,
	    const struct inet_addr *grp, const char *const *env);
/* Reap finished children (SIGCHLD) and start waiting events. */
void	script_reap(void);

#endif /* SMCR_SCRIPT_H */
