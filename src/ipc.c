/*
 * ipc.c - the daemon's control socket
 *
 * One listening socket and a list of connections, all driven by the
 * daemon's event loop.  A connection owns an input and an output
 * evbuffer; complete frames are cut from the input, validated by
 * msg_req_parse() and handed to the handler one at a time, and replies
 * are queued on the output in order.  Writes are done here with
 * sendmsg(MSG_NOSIGNAL | MSG_DONTWAIT), never by libevent (which would
 * use writev and could raise SIGPIPE).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>		/* strlcpy, via libbsd-overlay */
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/queue.h>
#include <event2/buffer.h>
#include <event2/event.h>

#include "ipc.h"
#include "log.h"
#include "msg.h"

#define IPC_BACKLOG	IPC_MAX_CLIENTS
#define IPC_READ_CHUNK	65536		/* most bytes read per callback */
#define IPC_ERRLEN	1024
#define IPC_IOV		16
#define SUN_PATH_MAX	sizeof(((struct sockaddr_un *)NULL)->sun_path)

struct ipc_conn {
	TAILQ_ENTRY(ipc_conn)	 link;
	int			 fd;
	unsigned		 id;		/* for log messages */
	struct event		*ev_read;
	struct event		*ev_write;
	struct event		*ev_timer;	/* stall timeout */
	struct event		*ev_work;	/* more frames to run */
	struct evbuffer		*in;
	struct evbuffer		*out;
	struct evbuffer		*text;		/* reply being built */
	int			 rd_eof;	/* nothing more will be read */
	int			 killed;	/* kill done: run no more */
};

/* The server is a singleton: one control socket per daemon. */
static struct {
	struct event_base	*base;
	ipc_handler_t		 handler;
	int			 fd;
	struct event		*ev_accept;
	struct event		*ev_retry;	/* accept paused after EMFILE */
	char			 path[SUN_PATH_MAX];
	TAILQ_HEAD(, ipc_conn)	 conns;
	int			 nconns;
	unsigned		 next_id;
	int			 timeout_ms;
	int			 in_handler;
	int			 exit_pending;	/* handler called ipc_exit() */
} ipc = {
	.fd = -1,
	.conns = TAILQ_HEAD_INITIALIZER(ipc.conns),
	.timeout_ms = IPC_TIMEOUT_MS,
};

static void	ipc_teardown(void);

static void
conn_close(struct ipc_conn *c)
{
	TAILQ_REMOVE(&ipc.conns, c, link);
	ipc.nconns--;
	event_free(c->ev_read);
	event_free(c->ev_write);
	event_free(c->ev_timer);
	event_free(c->ev_work);
	evbuffer_free(c->in);
	evbuffer_free(c->out);
	evbuffer_free(c->text);
	close(c->fd);
	log_debug("ipc: client %u closed", c->id);
	free(c);
}

/*
 * Send what the socket takes now.  Returns the number of bytes sent, or
 * -1 when the peer is gone (EPIPE, ECONNRESET, ...).
 */
static ssize_t
conn_flush(struct ipc_conn *c)
{
	struct evbuffer_iovec vec[IPC_IOV];
	struct iovec iov[IPC_IOV];
	struct msghdr mh;
	ssize_t n, total = 0;
	int i, nvec;

	while (evbuffer_get_length(c->out) > 0) {
		nvec = evbuffer_peek(c->out, -1, NULL, vec, IPC_IOV);
		if (nvec > IPC_IOV)
			nvec = IPC_IOV;
		for (i = 0; i < nvec; i++) {
			iov[i].iov_base = vec[i].iov_base;
			iov[i].iov_len = vec[i].iov_len;
		}
		memset(&mh, 0, sizeof(mh));
		mh.msg_iov = iov;
		mh.msg_iovlen = nvec;
		n = sendmsg(c->fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			log_debug("ipc: client %u: send: %s", c->id,
			    strerror(errno));
			return -1;
		}
		evbuffer_drain(c->out, n);
		total += n;
	}
	return total;
}

/* Run one whole frame.  Returns 0, or -1 when out of memory. */
static int
conn_request(struct ipc_conn *c, const void *frame, size_t len)
{
	char err[IPC_ERRLEN];
	struct msg_req req;
	int rc;

	if (msg_req_parse(frame, len, &req, err, sizeof(err))) {
		log_warnx("ipc: client %u: bad request: %s", c->id, err);
		return msg_reply_add(c->out, MSG_BADMSG, err, strlen(err));
	}

	err[0] = '\0';
	ipc.in_handler = 1;
	rc = ipc.handler(&req, c->text, err, sizeof(err));
	ipc.in_handler = 0;
	if (rc == 0 && req.cmd == MSG_KILL)
		c->killed = 1;
	if (rc == 0)
		return msg_reply_add_buffer(c->out, MSG_OK, c->text);

	evbuffer_drain(c->text, evbuffer_get_length(c->text));
	err[sizeof(err) - 1] = '\0';
	if (err[0] == '\0')
		strlcpy(err, "Command failed", sizeof(err));
	return msg_reply_add(c->out, MSG_FAIL, err, strlen(err));
}

/* Is a whole frame, or a header too bad to wait for more, in c->in? */
static int
conn_ready(struct ipc_conn *c)
{
	struct msg_hdr hdr;
	size_t avail;
	void *p;
	int rc;

	avail = evbuffer_get_length(c->in);
	if (avail < MSG_HDR_LEN)
		return 0;
	p = evbuffer_pullup(c->in, MSG_HDR_LEN);
	if (!p)
		return 1;	/* conn_process() will fail the same way */
	rc = msg_hdr_decode(p, avail, &hdr, NULL, 0);
	return rc < 0 || avail >= hdr.len;
}

/*
 * Run whole frames from c->in until none is left, the reply queue is
 * over IPC_OUT_HIWAT, or *budget runs out.  Returns 0, -1 to close the
 * connection, or -2 when the handler asked for ipc_exit().
 */
static int
conn_process(struct ipc_conn *c, int *budget)
{
	char err[IPC_ERRLEN];
	struct msg_hdr hdr;
	size_t avail;
	void *p;
	int rc;

	while (*budget > 0) {
		if (evbuffer_get_length(c->out) > IPC_OUT_HIWAT)
			return 0;
		avail = evbuffer_get_length(c->in);
		if (avail < MSG_HDR_LEN)
			return 0;
		p = evbuffer_pullup(c->in, MSG_HDR_LEN);
		if (!p)
			return -1;
		rc = msg_hdr_decode(p, avail, &hdr, err, sizeof(err));
		if (rc < 0) {
			/* No way to find the next frame: answer, then close. */
			log_warnx("ipc: client %u: bad request: %s", c->id,
			    err);
			evbuffer_drain(c->in, avail);
			c->rd_eof = 1;
			if (msg_reply_add(c->out, MSG_BADMSG, err, strlen(err)))
				return -1;
			return 0;
		}
		if (avail < hdr.len)
			return 0;
		p = evbuffer_pullup(c->in, hdr.len);
		if (!p)
			return -1;
		rc = conn_request(c, p, hdr.len);
		evbuffer_drain(c->in, hdr.len);
		(*budget)--;
		if (c->killed) {
			/* The daemon is going away: nothing after kill runs. */
			evbuffer_drain(c->in, evbuffer_get_length(c->in));
			c->rd_eof = 1;
		}
		if (ipc.exit_pending)
			return -2;
		if (rc)
			return -1;
	}
	return 0;
}

static void
conn_timer_arm(struct ipc_conn *c)
{
	struct timeval tv;

	tv.tv_sec = ipc.timeout_ms / 1000;
	tv.tv_usec = (ipc.timeout_ms % 1000) * 1000;
	evtimer_add(c->ev_timer, &tv);
}

/*
 * Everything after an event: run frames, send replies, then decide which
 * events to wait for, whether the stall timer runs, and whether the
 * connection is finished.  progress says bytes moved in this callback.
 */
static void
conn_run(struct ipc_conn *c, int progress)
{
	int budget = IPC_BATCH, stalled, rc;
	ssize_t n;

	for (;;) {
		rc = conn_process(c, &budget);
		if (rc == -2) {
			conn_flush(c);
			ipc_teardown();
			return;
		}
		if (rc < 0) {
			conn_close(c);
			return;
		}
		n = conn_flush(c);
		if (n < 0) {
			conn_close(c);
			return;
		}
		if (n > 0 || budget < IPC_BATCH)
			progress = 1;
		/* Sending made room for more replies: go on. */
		if (n == 0 || budget == 0 || !conn_ready(c))
			break;
	}

	if (budget == 0 && conn_ready(c) &&
	    evbuffer_get_length(c->out) <= IPC_OUT_HIWAT)
		event_active(c->ev_work, EV_TIMEOUT, 0);

	if (c->rd_eof && evbuffer_get_length(c->out) == 0 && !conn_ready(c)) {
		if (evbuffer_get_length(c->in) > 0)
			log_debug("ipc: client %u: hung up in mid-request",
			    c->id);
		conn_close(c);
		return;
	}

	/*
	 * Back-pressure: read no more while replies pile up unread, or
	 * while a whole frame is surely waiting (one is at most
	 * MSG_REQ_MAX), so c->in stays below MSG_REQ_MAX + IPC_READ_CHUNK.
	 */
	if (!c->rd_eof && evbuffer_get_length(c->out) <= IPC_OUT_HIWAT &&
	    evbuffer_get_length(c->in) < MSG_REQ_MAX)
		event_add(c->ev_read, NULL);
	else
		event_del(c->ev_read);

	if (evbuffer_get_length(c->out) > 0)
		event_add(c->ev_write, NULL);
	else
		event_del(c->ev_write);

	stalled = evbuffer_get_length(c->out) > 0 ||
	    (!c->rd_eof && evbuffer_get_length(c->in) > 0);
	if (!stalled)
		evtimer_del(c->ev_timer);
	else if (progress || !evtimer_pending(c->ev_timer, NULL))
		conn_timer_arm(c);
}

static void
conn_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ipc_conn *c = arg;
	int n, progress = 0;

	(void)what;
	n = evbuffer_read(c->in, fd, IPC_READ_CHUNK);
	if (n > 0) {
		progress = 1;
	} else if (n == 0) {
		c->rd_eof = 1;
	} else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
		log_debug("ipc: client %u: read: %s", c->id, strerror(errno));
		conn_close(c);
		return;
	}
	conn_run(c, progress);
}

static void
conn_write_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	conn_run(arg, 0);
}

static void
conn_work_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	conn_run(arg, 0);
}

static void
conn_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ipc_conn *c = arg;

	(void)fd;
	(void)what;
	log_warnx("ipc: client %u stalled for %d ms, %zu bytes unsent, "
	    "dropping it", c->id, ipc.timeout_ms, evbuffer_get_length(c->out));
	conn_close(c);
}

static void
conn_new(int fd)
{
	struct ipc_conn *c;

	c = calloc(1, sizeof(*c));
	if (!c)
		goto fail;
	c->fd = fd;
	c->id = ++ipc.next_id;
	c->in = evbuffer_new();
	c->out = evbuffer_new();
	c->text = evbuffer_new();
	c->ev_read = event_new(ipc.base, fd, EV_READ | EV_PERSIST,
	    conn_read_cb, c);
	c->ev_write = event_new(ipc.base, fd, EV_WRITE | EV_PERSIST,
	    conn_write_cb, c);
	c->ev_timer = evtimer_new(ipc.base, conn_timer_cb, c);
	c->ev_work = event_new(ipc.base, -1, 0, conn_work_cb, c);
	if (!c->in || !c->out || !c->text || !c->ev_read || !c->ev_write ||
	    !c->ev_timer || !c->ev_work || event_add(c->ev_read, NULL))
		goto fail;
	TAILQ_INSERT_TAIL(&ipc.conns, c, link);
	ipc.nconns++;
	log_debug("ipc: client %u connected", c->id);
	return;
fail:
	log_warnx("ipc: out of memory, refusing a client");
	if (c) {
		if (c->ev_read)
			event_free(c->ev_read);
		if (c->ev_write)
			event_free(c->ev_write);
		if (c->ev_timer)
			event_free(c->ev_timer);
		if (c->ev_work)
			event_free(c->ev_work);
		if (c->in)
			evbuffer_free(c->in);
		if (c->out)
			evbuffer_free(c->out);
		if (c->text)
			evbuffer_free(c->text);
		free(c);
	}
	close(fd);
}

/* Best effort: the client reads this as the reply to its first request. */
static void
ipc_refuse(int fd, const char *why)
{
	unsigned char buf[MSG_REPLY_HDR_LEN + 128];
	uint32_t len;
	int32_t status = MSG_FAIL;

	len = strlen(why);
	if (len > sizeof(buf) - MSG_REPLY_HDR_LEN)
		len = sizeof(buf) - MSG_REPLY_HDR_LEN;
	memcpy(buf, &len, sizeof(len));
	memcpy(buf + 4, &status, sizeof(status));
	memcpy(buf + MSG_REPLY_HDR_LEN, why, len);
	if (send(fd, buf, MSG_REPLY_HDR_LEN + len,
	    MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
		log_debug("ipc: refusing client: %s", strerror(errno));
	close(fd);
}

static void
ipc_retry_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	event_add(ipc.ev_accept, NULL);
}

static void
ipc_accept_cb(evutil_socket_t lfd, short what, void *arg)
{
	struct timeval tv = { 1, 0 };
	int fd, i;

	(void)what;
	(void)arg;
	for (i = 0; i < IPC_MAX_CLIENTS; i++) {
		fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			/* EMFILE and friends: pause rather than spin. */
			log_warn("ipc: accept");
			event_del(ipc.ev_accept);
			evtimer_add(ipc.ev_retry, &tv);
			return;
		}
		if (ipc.nconns >= IPC_MAX_CLIENTS) {
			log_warnx("ipc: too many clients (%d), refusing one",
			    ipc.nconns);
			ipc_refuse(fd, "Too many clients connected to daemon");
			continue;
		}
		conn_new(fd);
	}
}

/*
 * Remove a socket file left behind by a daemon that died.  Refuse when
 * someone listens on it, or when the path is not a socket at all.
 */
static int
ipc_unlink_stale(const struct sockaddr_un *sun)
{
	struct stat st;
	int fd, rc;

	if (lstat(sun->sun_path, &st)) {
		if (errno == ENOENT)
			return 0;
		log_warn("ipc: %s", sun->sun_path);
		return -1;
	}
	if (!S_ISSOCK(st.st_mode)) {
		log_warnx("ipc: %s exists and is not a socket", sun->sun_path);
		errno = EEXIST;
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		log_warn("ipc: socket");
		return -1;
	}
	rc = connect(fd, (const struct sockaddr *)sun, sizeof(*sun));
	close(fd);
	if (rc == 0) {
		log_warnx("ipc: %s is in use, is another daemon running with "
		    "the same identity?", sun->sun_path);
		errno = EADDRINUSE;
		return -1;
	}
	if (unlink(sun->sun_path) && errno != ENOENT) {
		log_warn("ipc: cannot remove stale socket %s", sun->sun_path);
		return -1;
	}
	log_debug("ipc: removed stale socket %s", sun->sun_path);
	return 0;
}

int
ipc_init(struct event_base *base, const char *sockpath, ipc_handler_t handler)
{
	struct sockaddr_un sun;
	mode_t old;
	int fd, rc, saved;

	if (ipc.fd >= 0) {
		log_warnx("ipc: already initialised");
		errno = EALREADY;
		return -1;
	}
	if (!base || !sockpath || !handler) {
		errno = EINVAL;
		return -1;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlcpy(sun.sun_path, sockpath, sizeof(sun.sun_path)) >=
	    sizeof(sun.sun_path)) {
		log_warnx("ipc: socket path longer than %zu characters: %s",
		    sizeof(sun.sun_path) - 1, sockpath);
		errno = ENAMETOOLONG;
		return -1;
	}
	if (ipc_unlink_stale(&sun))
		return -1;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		log_warn("ipc: socket");
		return -1;
	}
	/* Only root may talk to the daemon: the socket is born 0600. */
	old = umask(0177);
	rc = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	saved = errno;
	umask(old);
	if (rc) {
		errno = saved;
		log_warn("ipc: bind %s", sockpath);
		goto fail;
	}
	if (listen(fd, IPC_BACKLOG)) {
		log_warn("ipc: listen %s", sockpath);
		unlink(sockpath);
		goto fail;
	}

	ipc.ev_accept = event_new(base, fd, EV_READ | EV_PERSIST,
	    ipc_accept_cb, NULL);
	ipc.ev_retry = evtimer_new(base, ipc_retry_cb, NULL);
	if (!ipc.ev_accept || !ipc.ev_retry ||
	    event_add(ipc.ev_accept, NULL)) {
		log_warnx("ipc: cannot set up events");
		unlink(sockpath);
		if (ipc.ev_accept)
			event_free(ipc.ev_accept);
		if (ipc.ev_retry)
			event_free(ipc.ev_retry);
		ipc.ev_accept = ipc.ev_retry = NULL;
		errno = ENOMEM;
		goto fail;
	}
	ipc.base = base;
	ipc.handler = handler;
	ipc.fd = fd;
	ipc.exit_pending = 0;
	strlcpy(ipc.path, sockpath, sizeof(ipc.path));
	log_debug("ipc: listening on %s", sockpath);
	return 0;
fail:
	saved = errno;
	close(fd);
	errno = saved;
	return -1;
}

static void
ipc_teardown(void)
{
	struct ipc_conn *c;

	while ((c = TAILQ_FIRST(&ipc.conns)) != NULL) {
		conn_flush(c);
		conn_close(c);
	}
	if (ipc.fd >= 0) {
		event_free(ipc.ev_accept);
		event_free(ipc.ev_retry);
		ipc.ev_accept = ipc.ev_retry = NULL;
		close(ipc.fd);
		ipc.fd = -1;
		if (unlink(ipc.path) && errno != ENOENT)
			log_warn("ipc: cannot remove %s", ipc.path);
	}
	ipc.exit_pending = 0;
}

void
ipc_exit(void)
{
	/* Called from inside the handler: finish once it has returned. */
	if (ipc.in_handler) {
		ipc.exit_pending = 1;
		return;
	}
	ipc_teardown();
}

void
ipc_set_timeout(int msec)
{
	ipc.timeout_ms = msec > 0 ? msec : IPC_TIMEOUT_MS;
}

int
ipc_nclients(void)
{
	return ipc.nconns;
}
