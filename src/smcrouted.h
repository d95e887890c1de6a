/*
 * smcrouted.h - daemon-wide singletons and settings
 */
#ifndef SMCR_SMCROUTED_H
#define SMCR_SMCROUTED_H

#include <stdint.h>

struct event_base;

extern struct event_base *evbase;	/* the one event loop */

/* Command line settings, read-only after start-up. */
struct opts {
	const char	*ident;		/* -i NAME */
	const char	*conf;		/* -f FILE */
	const char	*pidfile;	/* -P FILE */
	const char	*sockpath;	/* -u FILE */
	const char	*script;	/* -e CMD */
	int		 cache_timeout;	/* -c SEC, 0 = never */
	uint32_t	 table;		/* -t ID */
};

extern struct opts opts;

/* Re-read the configuration; 0 if applied, -1 if rejected. */
int	daemon_reload(char *err, size_t errlen);
void	daemon_exit(void);

#endif /* SMCR_SMCROUTED_H */
