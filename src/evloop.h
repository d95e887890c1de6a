/*
 * evloop.h - the daemon's one event loop and its clock
 *
 * A leaf: every part of the daemon that arms a timer or watches a
 * socket takes the one libevent base from here, and every part that
 * keeps time reads the same monotonic clock, in milliseconds.
 */
#ifndef SMCR_EVLOOP_H
#define SMCR_EVLOOP_H

#include <stdint.h>

struct event;
struct event_base;

extern struct event_base *evbase;	/* created by evloop_init() */

/* Create the base; 0, or -1 with errno. */
int		 evloop_init(void);
void		 evloop_exit(void);
/* CLOCK_MONOTONIC in milliseconds. */
uint64_t	 now_ms(void);
/* Arm a timer to fire at the now_ms() time at (at once if past). */
void		 evloop_timer_at(struct event *, uint64_t at);

#endif /* SMCR_EVLOOP_H */
