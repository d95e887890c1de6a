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
 *
 * Each connection has one timer, armed for what it waits on (enum
 * conn_wait): the client's next request when it is idle, or progress on
 * a half-received request or unsent replies when it is busy.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>		/* strlcpy, via libbsd-overlay */
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
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

/* What a connection's timer waits for. */
enum conn_wait {
	WAIT_NONE,	/* nothing: input ended, a last frame queued to run */
	WAIT_IDLE,	/* every request answered: the next one */
	WAIT_STALL,	/* a request half received, or replies unsent */
};

/*
 * Rate limit for the log lines of one kind of refusal: at most
 * IPC_LOG_BURST per IPC_LOG_WINDOW_MS; the first line logged after some
 * were held back says how many.
 */
struct ipc_ratelim {
	uint64_t		 start;		/* of the window, ms */
	int			 logged;	/* lines in this window */
	unsigned		 held;		/* not logged since */
};

struct ipc_conn {
	TAILQ_ENTRY(ipc_conn)	 link;
	int			 fd;
	unsigned		 id;		/* for log messages */
	struct event		*ev_read;
	struct event		*ev_write;
	struct event		*ev_timer;	/* idle or stalled */
	struct event		*ev_work;	/* more frames to run */
	struct evbuffer		*in;
	struct evbuffer		*out;
	struct evbuffer		*text;		/* reply being built */
	int			 rd_eof;	/* nothing more will be read */
	int			 killed;	/* kill done: run no more */
	enum conn_wait		 wait;		/* what ev_timer is for */
	uint64_t		 idle_since;	/* ms, if WAIT_IDLE */
};

/* The server is a singleton: one control socket per daemon. */
static struct {
	struct event_base	*base;
	ipc_handler_t		 handler;
	int			 fd;
	struct event		*ev_accept;
	struct event		*ev_retry;	/* accept paused after EMFILE */
	char			 path[SUN_PATH_MAX];
	uid_t			 owner;		/* of the socket */
	TAILQ_HEAD(, ipc_conn)	 conns;
	int			 nconns;
	unsigned		 next_id;
	int			 timeout_ms;	/* stall */
	int			 idle_ms;
	struct ipc_ratelim	 rl_cred;	/* refused: credentials */
	struct ipc_ratelim	 rl_full;	/* refused: too many */
	int			 in_handler;
	int			 exit_pending;	/* handler called ipc_exit() */
} ipc = {
	.fd = -1,
	.conns = TAILQ_HEAD_INITIALIZER(ipc.conns),
	.timeout_ms = IPC_TIMEOUT_MS,
	.idle_ms = IPC_IDLE_TIMEOUT * 1000,
};

static void	ipc_teardown(void);

/*
 * CLOCK_MONOTONIC in milliseconds, the clock of evloop's now_ms(); read
 * here so that ipc.c links alone into its unit test.
 */
static uint64_t
ipc_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/*
 * May one more line be logged?  Returns 1 with *held set to the number
 * of lines held back since the last one logged, or 0 (and counts it).
 */
static int
ratelim_ok(struct ipc_ratelim *rl, unsigned *held)
{
	uint64_t now = ipc_now_ms();

	if (rl->logged == 0 || now - rl->start >= IPC_LOG_WINDOW_MS) {
		rl->start = now;
		rl->logged = 0;
	}
	if (rl->logged >= IPC_LOG_BURST) {
		rl->held++;
		return 0;
	}
	rl->logged++;
	*held = rl->held;
	rl->held = 0;
	return 1;
}

/* The tail of a rate-limited line: how many were not logged before it. */
static const char *
ratelim_note(char *buf, size_t len, unsigned held)
{
	buf[0] = '\0';
	if (held)
		snprintf(buf, len, " (%u earlier not logged)", held);
	return buf;
}

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

/* Arm the timer for c->wait, from now. */
static void
conn_timer_arm(struct ipc_conn *c)
{
	struct timeval tv;
	int ms;

	if (c->wait == WAIT_NONE) {
		evtimer_del(c->ev_timer);
		return;
	}
	ms = c->wait == WAIT_IDLE ? ipc.idle_ms : ipc.timeout_ms;
	if (c->wait == WAIT_IDLE)
		c->idle_since = ipc_now_ms();
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(c->ev_timer, &tv);
}

/*
 * Close c on the daemon's own account, after a MSG_FAIL reply with the
 * reason.  Only when c has no request outstanding: the reply must not be
 * taken for the answer to one.
 */
static void
conn_bye(struct ipc_conn *c, const char *why)
{
	evbuffer_drain(c->out, evbuffer_get_length(c->out));
	if (msg_reply_add(c->out, MSG_FAIL, why, strlen(why)) == 0)
		conn_flush(c);
	conn_close(c);
}

/*
 * The reply to a request cut short (how: what came instead of the rest),
 * then close.  It goes after any replies still unsent, so it answers the
 * request it is about.  Only when no whole frame is waiting in c->in.
 */
static void
conn_incomplete(struct ipc_conn *c, const char *how)
{
	char why[128];
	struct msg_hdr hdr;
	size_t have;
	void *p;

	have = evbuffer_get_length(c->in);
	p = evbuffer_pullup(c->in, have < MSG_HDR_LEN ? -1 : MSG_HDR_LEN);
	if (p && msg_hdr_decode(p, have, &hdr, NULL, 0) == 1)
		snprintf(why, sizeof(why), "incomplete request: %zu of %u "
		    "bytes, then %s", have, (unsigned)hdr.len, how);
	else
		snprintf(why, sizeof(why), "incomplete request: %zu bytes, "
		    "then %s", have, how);
	log_warnx("ipc: client %u: bad request: %s", c->id, why);
	if (msg_reply_add(c->out, MSG_BADMSG, why, strlen(why)) == 0)
		conn_flush(c);
	conn_close(c);
}

/*
 * Everything after an event: run frames, send replies, then decide which
 * events to wait for, what the timer is armed for, and whether the
 * connection is finished.  progress says bytes moved in this callback.
 */
static void
conn_run(struct ipc_conn *c, int progress)
{
	int budget = IPC_BATCH, rc;
	enum conn_wait wait;
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
			conn_incomplete(c, "end of input");
		else
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

	/*
	 * The timer: from the last progress while busy; from the last
	 * request answered while idle.  Idle means nothing to send and
	 * nothing received that has not been answered.
	 */
	if (evbuffer_get_length(c->out) > 0 ||
	    (!c->rd_eof && evbuffer_get_length(c->in) > 0))
		wait = WAIT_STALL;
	else if (!c->rd_eof)
		wait = WAIT_IDLE;
	else
		wait = WAIT_NONE;
	if (wait != c->wait || progress ||
	    !evtimer_pending(c->ev_timer, NULL)) {
		c->wait = wait;
		conn_timer_arm(c);
	}
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

/* "30 s" or "300 ms", for messages about a timeout. */
static const char *
ms_str(char *buf, size_t len, int ms)
{
	if (ms % 1000 == 0)
		snprintf(buf, len, "%d s", ms / 1000);
	else
		snprintf(buf, len, "%d ms", ms);
	return buf;
}

static void
conn_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ipc_conn *c = arg;
	char t[32], why[96];
	int unread;

	(void)fd;
	(void)what;
	if (c->wait == WAIT_IDLE) {
		/* A request on its way, not read yet: ev_read will take it. */
		if (ioctl(c->fd, FIONREAD, &unread) == 0 && unread > 0)
			return;
		log_info("ipc: client %u idle for %s, closing it", c->id,
		    ms_str(t, sizeof(t), ipc.idle_ms));
		snprintf(why, sizeof(why), "Connection closed by daemon after "
		    "%s idle", t);
		conn_bye(c, why);
		return;
	}
	ms_str(t, sizeof(t), ipc.timeout_ms);
	log_warnx("ipc: client %u stalled for %s, %zu bytes unsent, "
	    "dropping it", c->id, t, evbuffer_get_length(c->out));
	/* Half a request, and the rest not held back by back-pressure. */
	if (!c->rd_eof && evbuffer_get_length(c->in) > 0 && !conn_ready(c) &&
	    evbuffer_get_length(c->out) <= IPC_OUT_HIWAT) {
		snprintf(why, sizeof(why), "nothing more for %s", t);
		conn_incomplete(c, why);
		return;
	}
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
	c->wait = WAIT_IDLE;	/* until the first request */
	conn_timer_arm(c);
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

/*
 * At the limit: close the client idle longest, if one has been idle for
 * IPC_EVICT_IDLE_MS and has sent nothing since (bytes waiting unread
 * are a request on its way).  Returns 1 when a slot was freed.
 */
static int
conn_evict(void)
{
	struct ipc_conn *c, *old = NULL;
	uint64_t now = ipc_now_ms();
	int unread;

	TAILQ_FOREACH(c, &ipc.conns, link) {
		if (c->wait != WAIT_IDLE ||
		    now - c->idle_since < IPC_EVICT_IDLE_MS)
			continue;
		if (ioctl(c->fd, FIONREAD, &unread) == 0 && unread > 0)
			continue;
		if (!old || c->idle_since < old->idle_since)
			old = c;
	}
	if (!old)
		return 0;
	log_info("ipc: client %u idle for %llu ms, closing it for a new "
	    "client", old->id, (unsigned long long)(now - old->idle_since));
	conn_bye(old, "Connection closed by daemon: idle, and a new client "
	    "needed its place");
	return 1;
}

/*
 * Only root and the daemon's own user (the socket's owner) may talk to
 * it.  Returns 0 when fd's peer is one of them; otherwise refuses it.
 */
static int
ipc_check_peer(int fd)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);
	char why[128], note[48];
	unsigned held;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) ||
	    len != sizeof(cr)) {
		log_warn("ipc: cannot read a client's credentials, refusing "
		    "it");
		ipc_refuse(fd, "Permission denied: cannot read your "
		    "credentials");
		return -1;
	}
	if (cr.uid == 0 || cr.uid == ipc.owner)
		return 0;
	if (ipc.owner == 0)
		snprintf(why, sizeof(why), "Permission denied: only root may "
		    "control the daemon, not uid %u", (unsigned)cr.uid);
	else
		snprintf(why, sizeof(why), "Permission denied: only root or "
		    "uid %u may control the daemon, not uid %u",
		    (unsigned)ipc.owner, (unsigned)cr.uid);
	if (ratelim_ok(&ipc.rl_cred, &held))
		log_warnx("ipc: refused uid %u (pid %d): neither root nor the "
		    "socket's owner%s", (unsigned)cr.uid, (int)cr.pid,
		    ratelim_note(note, sizeof(note), held));
	ipc_refuse(fd, why);
	return -1;
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
	char note[48];
	unsigned held;
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
		/* Before the limit: a stranger may not evict anybody. */
		if (ipc_check_peer(fd))
			continue;
		if (ipc.nconns >= IPC_MAX_CLIENTS && !conn_evict()) {
			if (ratelim_ok(&ipc.rl_full, &held))
				log_warnx("ipc: too many clients (%d), "
				    "refusing one%s", ipc.nconns,
				    ratelim_note(note, sizeof(note), held));
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
	ipc.owner = geteuid();	/* bind() made us the socket's owner */
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
		/*
		 * After -p the directory is not ours to change: the socket
		 * stays, and the next start removes it as stale.
		 */
		if (unlink(ipc.path) && errno != ENOENT) {
			if (errno == EACCES || errno == EPERM)
				log_debug("ipc: %s left for the next start "
				    "(no right to remove it)", ipc.path);
			else
				log_warn("ipc: cannot remove %s", ipc.path);
		}
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

void
ipc_set_idle_timeout(int msec)
{
	ipc.idle_ms = msec > 0 ? msec : IPC_IDLE_TIMEOUT * 1000;
}

int
ipc_nclients(void)
{
	return ipc.nconns;
}
