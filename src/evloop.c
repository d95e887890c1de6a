/*
 * evloop.c - the daemon's one event loop and its clock
 */
#include "config.h"

#include <errno.h>
#include <time.h>
#include <event2/event.h>

#include "evloop.h"

struct event_base *evbase;

int
evloop_init(void)
{
	evbase = event_base_new();
	if (!evbase) {
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

void
evloop_exit(void)
{
	if (evbase)
		event_base_free(evbase);
	evbase = NULL;
}

uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void
evloop_timer_at(struct event *ev, uint64_t at)
{
	uint64_t now = now_ms(), d = at > now ? at - now : 0;
	struct timeval tv = { (time_t)(d / 1000), (suseconds_t)(d % 1000) *
	    1000 };

	evtimer_add(ev, &tv);
}
