/*
 * metrics.c - the Prometheus metrics endpoint (metrics.h)
 *
 * libevent's evhttp serves the one path; the bounds are evhttp's own
 * (timeout, header and body sizes, methods) plus a count of open
 * connections, which evhttp 2.1 lacks.  We make each connection's
 * bufferevent (evhttp_set_bevcb) and keep a reference to it: when
 * evhttp frees the connection, it clears the callbacks and shuts the
 * socket down for writing, and our reference keeps the object (and
 * its descriptor) until a sweep sees it and lets go.  (Were evhttp to
 * clear the callbacks of a connection it keeps, we would let go early:
 * the connection goes uncounted, but is never freed under evhttp.)
 * The listeners are disabled while METRICS_MAXCONN connections are
 * open; the kernel's listen queue holds the next ones meanwhile.  A
 * sweep runs on each new connection and every METRICS_SWEEP_MS while
 * any is open.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>

#include "evloop.h"
#include "log.h"
#include "metrics.h"
#include "stats.h"

#define METRICS_SWEEP_MS	200

/* The endpoint: a true singleton, like the control socket. */
static struct {
	struct evhttp			*http;
	struct evhttp_bound_socket	*bound[METRICS_MAXADDR];
	int				 nbound;
	/* Connections' bufferevents we hold a reference to. */
	struct bufferevent		*conn[METRICS_MAXCONN];
	int64_t				 born[METRICS_MAXCONN];	/* now_ms() */
	int				 nconn;
	struct event			*sweep_ev;
	bool				 paused;
} mx;

int
metrics_parse(const char *arg, struct metrics_spec *ms, char *err,
    size_t errlen)
{
	const char *port = arg, *colon;
	unsigned char buf[sizeof(struct in6_addr)];
	char *end;
	size_t len;
	long val;

	memset(ms, 0, sizeof(*ms));
	if (arg[0] == '[') {
		/* [IPv6]:PORT */
		colon = strstr(arg, "]:");
		len = colon ? (size_t)(colon - arg - 1) : 0;
		if (!colon || len == 0 || len >= sizeof(ms->addr[0])) {
			snprintf(err, errlen, "'%s': an IPv6 address is written "
			    "[ADDR]:PORT", arg);
			return -1;
		}
		memcpy(ms->addr[0], arg + 1, len);
		ms->addr[0][len] = '\0';
		if (inet_pton(AF_INET6, ms->addr[0], buf) != 1) {
			snprintf(err, errlen, "'%s': not an IPv6 address",
			    ms->addr[0]);
			return -1;
		}
		ms->naddr = 1;
		port = colon + 2;
	} else if ((colon = strrchr(arg, ':'))) {
		len = (size_t)(colon - arg);
		if (strchr(arg, ':') != colon || len == 0 ||
		    len >= sizeof(ms->addr[0])) {
			snprintf(err, errlen, "'%s': want [ADDR:]PORT, an IPv6 "
			    "address in brackets", arg);
			return -1;
		}
		memcpy(ms->addr[0], arg, len);
		ms->addr[0][len] = '\0';
		if (inet_pton(AF_INET, ms->addr[0], buf) != 1) {
			snprintf(err, errlen, "'%s': not an IPv4 address",
			    ms->addr[0]);
			return -1;
		}
		ms->naddr = 1;
		port = colon + 1;
	} else {
		snprintf(ms->addr[0], sizeof(ms->addr[0]), "127.0.0.1");
		snprintf(ms->addr[1], sizeof(ms->addr[1]), "::1");
		ms->naddr = 2;
		ms->defaulted = 1;
	}
	errno = 0;
	val = strtol(port, &end, 10);
	if (!*port || *end || errno || val < 1 || val > 65535 ||
	    *port == '+' || *port == '-' || *port == ' ') {
		snprintf(err, errlen, "'%s': the port is a number 1-65535",
		    port);
		return -1;
	}
	ms->port = (uint16_t)val;
	return 0;
}

static void
metrics_listen(bool on)
{
	struct evconnlistener *l;
	int i;

	if (mx.paused == !on)
		return;
	mx.paused = !on;
	for (i = 0; i < mx.nbound; i++) {
		l = evhttp_bound_socket_get_listener(mx.bound[i]);
		if (on)
			evconnlistener_enable(l);
		else
			evconnlistener_disable(l);
	}
}

/*
 * Let go of the connections evhttp is done with (no callbacks left),
 * and end those older than METRICS_MAXAGE: evhttp's timeout is one of
 * idleness, so a client sending a byte now and then, or scraping over
 * keep-alive, would otherwise hold its slot for ever, and eight of them
 * would lock every scraper out.  A shut down socket reads as end of
 * file, and evhttp frees the connection.
 */
static void
metrics_sweep(void)
{
	bufferevent_data_cb rd;
	bufferevent_event_cb ev;
	evutil_socket_t fd;
	int i;

	for (i = 0; i < mx.nconn; i++) {
		bufferevent_getcb(mx.conn[i], &rd, NULL, &ev, NULL);
		if (rd || ev) {
			if (now_ms() - mx.born[i] > METRICS_MAXAGE * 1000 &&
			    (fd = bufferevent_getfd(mx.conn[i])) >= 0)
				shutdown(fd, SHUT_RDWR);
			continue;
		}
		bufferevent_decref(mx.conn[i]);
		mx.nconn--;
		mx.born[i] = mx.born[mx.nconn];
		mx.conn[i--] = mx.conn[mx.nconn];
	}
	if (mx.nconn < METRICS_MAXCONN)
		metrics_listen(true);
}

static void
metrics_sweep_cb(evutil_socket_t fd, short what, void *arg)
{
	struct timeval tv = { 0, METRICS_SWEEP_MS * 1000 };

	(void)fd;
	(void)what;
	(void)arg;
	metrics_sweep();
	if (mx.nconn)
		evtimer_add(mx.sweep_ev, &tv);
}

/* evhttp asks for a new connection's bufferevent: count it. */
static struct bufferevent *
metrics_bev(struct event_base *base, void *arg)
{
	struct timeval tv = { 0, METRICS_SWEEP_MS * 1000 };
	struct bufferevent *bev;

	(void)arg;
	metrics_sweep();
	/*
	 * Full only for connections accepted in one go before the
	 * listeners stopped: evhttp makes its own, uncounted.
	 */
	if (mx.nconn == METRICS_MAXCONN)
		return NULL;
	if (!(bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE)))
		return NULL;
	/*
	 * While evhttp writes a reply it keeps reading without looking:
	 * a client sending meanwhile would fill the input buffer without
	 * bound.  A request is at most METRICS_MAXHDR octets, no body.
	 */
	bufferevent_setwatermark(bev, EV_READ, 0, 2 * METRICS_MAXHDR);
	bufferevent_incref(bev);
	mx.born[mx.nconn] = now_ms();
	mx.conn[mx.nconn++] = bev;
	if (mx.nconn == METRICS_MAXCONN)
		metrics_listen(false);
	if (!evtimer_pending(mx.sweep_ev, NULL))
		evtimer_add(mx.sweep_ev, &tv);
	return bev;
}

static void
metrics_reply(struct evhttp_request *req, int code, const char *reason,
    const char *type, struct evbuffer *body)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);

	evhttp_add_header(h, "Content-Type", type);
	evhttp_add_header(h, "Cache-Control", "no-store");
	evhttp_send_reply(req, code, reason, body);
}

static void
metrics_get(struct evhttp_request *req, void *arg)
{
	struct evbuffer *out;
	struct stats *st;

	(void)arg;
	if (!(out = evbuffer_new())) {
		evhttp_send_error(req, HTTP_INTERNAL, NULL);
		return;
	}
	st = stats_collect();
	if (!st || stats_expose(st, out)) {
		log_warnx("metrics: out of memory, scrape refused");
		stats_free(st);
		evbuffer_free(out);
		evhttp_send_error(req, HTTP_INTERNAL, NULL);
		return;
	}
	stats_free(st);
	metrics_reply(req, HTTP_OK, "OK",
	    "text/plain; version=0.0.4; charset=utf-8", out);
	evbuffer_free(out);
}

static void
metrics_other(struct evhttp_request *req, void *arg)
{
	struct evbuffer *out = evbuffer_new();

	(void)arg;
	if (out)
		evbuffer_add_printf(out, "Not found: the metrics are at "
		    "/metrics\n");
	metrics_reply(req, HTTP_NOTFOUND, "Not Found",
	    "text/plain; charset=utf-8", out);
	if (out)
		evbuffer_free(out);
}

int
metrics_init(struct event_base *base, const struct metrics_spec *ms,
    char *err, size_t errlen)
{
	struct evhttp_bound_socket *b;
	int i;

	memset(&mx, 0, sizeof(mx));
	if (!(mx.sweep_ev = evtimer_new(base, metrics_sweep_cb, NULL)) ||
	    !(mx.http = evhttp_new(base))) {
		metrics_exit();
		snprintf(err, errlen, "metrics: out of memory");
		return -1;
	}
	evhttp_set_timeout(mx.http, METRICS_TIMEOUT);
	evhttp_set_max_headers_size(mx.http, METRICS_MAXHDR);
	evhttp_set_max_body_size(mx.http, 0);
	evhttp_set_allowed_methods(mx.http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD);
	evhttp_set_bevcb(mx.http, metrics_bev, NULL);
	evhttp_set_cb(mx.http, "/metrics", metrics_get, NULL);
	evhttp_set_gencb(mx.http, metrics_other, NULL);
	for (i = 0; i < ms->naddr; i++) {
		b = evhttp_bind_socket_with_handle(mx.http, ms->addr[i],
		    ms->port);
		if (b) {
			mx.bound[mx.nbound++] = b;
			log_info("metrics: listening on %s%s%s:%u",
			    strchr(ms->addr[i], ':') ? "[" : "", ms->addr[i],
			    strchr(ms->addr[i], ':') ? "]" : "",
			    (unsigned)ms->port);
			continue;
		}
		/* Without an address given, ::1 is optional (no IPv6). */
		if (ms->defaulted && i > 0) {
			log_info("metrics: cannot listen on [%s]:%u, IPv4 only",
			    ms->addr[i], (unsigned)ms->port);
			continue;
		}
		snprintf(err, errlen, "metrics: cannot listen on %s port %u: "
		    "%s", ms->addr[i], (unsigned)ms->port, strerror(errno));
		metrics_exit();
		return -1;
	}
	return 0;
}

void
metrics_exit(void)
{
	int i;

	if (mx.http)
		evhttp_free(mx.http);
	/* evhttp freed its connections: ours are the last references. */
	for (i = 0; i < mx.nconn; i++)
		bufferevent_decref(mx.conn[i]);
	if (mx.sweep_ev)
		event_free(mx.sweep_ev);
	memset(&mx, 0, sizeof(mx));
}
