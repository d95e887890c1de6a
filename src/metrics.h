/*
 * metrics.h - the Prometheus metrics endpoint (smcrouted --metrics)
 *
 * Off unless asked for.  "--metrics [ADDR:]PORT" serves GET /metrics
 * (text exposition format 0.0.4, the numbers of stats.h) over HTTP with
 * libevent's evhttp, in the daemon's loop.  Without ADDR it listens on
 * 127.0.0.1 and, where the host has IPv6, on ::1; an IPv6 ADDR is
 * written in brackets, "[::1]:9100".  Only numeric addresses: nothing
 * is looked up.  Any other path is 404, any other method refused.
 *
 * Bounded so that a client cannot exhaust the daemon: at most
 * METRICS_MAXCONN connections at a time (further ones wait in the
 * kernel's listen queue), requests of at most METRICS_MAXHDR octets of
 * headers and no body, METRICS_TIMEOUT seconds without progress ends a
 * connection, and none lives more than METRICS_MAXAGE seconds.  A response is generated whole into an evbuffer and
 * written as the socket takes it: the loop never blocks.
 */
#ifndef SMCR_METRICS_H
#define SMCR_METRICS_H

#include <stddef.h>
#include <stdint.h>

struct event_base;

#define METRICS_MAXCONN		8
#define METRICS_MAXHDR		8192
#define METRICS_TIMEOUT		10
/* Seconds a connection may live, however busy (metrics.c). */
#define METRICS_MAXAGE		30

#define METRICS_MAXADDR		2

/* Where to listen: numeric addresses (as text) and one port. */
struct metrics_spec {
	int		 naddr;
	char		 addr[METRICS_MAXADDR][48];
	uint16_t	 port;
	int		 defaulted;	/* no ADDR given: loopback, ::1 optional */
};

/*
 * Parse "[ADDR:]PORT" (ADDR an IPv4 address or [IPv6]); 0, or -1 with
 * a reason in err.  No side effects.
 */
int	metrics_parse(const char *arg, struct metrics_spec *, char *err,
	    size_t errlen);
/* Listen; 0, or -1 with a reason in err (nothing left listening). */
int	metrics_init(struct event_base *, const struct metrics_spec *,
	    char *err, size_t errlen);
void	metrics_exit(void);

#endif /* SMCR_METRICS_H */
