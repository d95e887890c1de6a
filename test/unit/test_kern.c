/*
 * test_kern.c - the kernel layer's receive path, without a kernel
 *
 * The routing sockets need root and a kernel that routes multicast, so
 * this test puts one end of an AF_UNIX datagram socket pair where
 * kern.c keeps its routing socket and writes upcalls and packets into
 * the other end.  kern.c is included whole, to reach its socket state
 * and its read callback; nothing here opens a raw socket.
 *
 * What it holds: one wakeup reads at most KERN_RX_BUDGET messages and
 * the rest is read on later turns of the event loop, after the other
 * ready events, without a new write (the event is level-triggered);
 * a message longer than the buffer (MSG_TRUNC) or with ancillary data
 * cut (MSG_CTRUNC) is counted and never passed up; upcalls and packets
 * of both families reach their handlers.
 */
#include "config.h"

#include "kern.c"

#include <arpa/inet.h>
#include <signal.h>
#include <sys/socket.h>

#include "check.h"

#define FLOOD	1000

static int npkt[2], nup[2];
static size_t lastlen;
static struct kern_upcall lastup;

/* Side effects for the event loop test. */
static int poke_at = -1, poke_fd = -1;
static struct event *poke_timer;
static int pipe_seen = -1, timer_seen = -1;

static int
fam_ix(int family)
{
	return family == AF_INET6;
}

static void
on_pkt(int family, const uint8_t *p, size_t len,
    const struct kern_rxinfo *rx)
{
	(void)p;
	(void)rx;
	npkt[fam_ix(family)]++;
	lastlen = len;
	if (npkt[fam_ix(family)] == poke_at) {
		struct timeval tv = { 0, 0 };

		/* Other events get ready in the middle of the flood. */
		if (write(poke_fd, "x", 1) != 1)
			check_fail("write to pipe: %s", strerror(errno));
		evtimer_add(poke_timer, &tv);
	}
}

static void
on_upcall(int family, const struct kern_upcall *up)
{
	nup[fam_ix(family)]++;
	lastup = *up;
}

/* Make ks read from one end of a datagram pair; returns the other. */
static int
attach(struct kern_sock *ks)
{
	int sv[2], big = 4 * 1024 * 1024;

	if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0,
	    sv)) {
		check_fail("socketpair: %s", strerror(errno));
		return -1;
	}
	setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
	setsockopt(sv[0], SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	ks->fd = sv[0];
	return sv[1];
}

static void
detach(struct kern_sock *ks, int peer)
{
	close(ks->fd);
	close(peer);
	ks->fd = -1;
}

static void
put(int fd, const void *msg, size_t len)
{
	if (send(fd, msg, len, 0) != (ssize_t)len)
		check_fail("send %zu octets: %s", len, strerror(errno));
}

/* What kern.c takes for an IGMP packet: an IP header, protocol 2. */
static size_t
igmp_pkt(uint8_t *buf)
{
	memset(buf, 0, 28);
	buf[0] = 0x45;
	buf[9] = 2;
	buf[20] = 0x11;
	return 28;
}

/* An MLD message as the IPv6 socket gets it: type 130 first. */
static size_t
mld_pkt(uint8_t *buf)
{
	memset(buf, 0, 24);
	buf[0] = 130;
	return 24;
}

static void
one_wakeup(struct kern_sock *ks)
{
	kern_readable(ks->fd, EV_READ, ks);
}

static void
test_budget(struct kern_sock *ks, int family, int nmsg)
{
	const char *fam = family == AF_INET6 ? "IPv6" : "IPv4";
	int peer = attach(ks), i, want;
	struct kern_rxstats st0, st;
	uint8_t buf[64];
	size_t len;

	kern_rx_stats(family, &st0);
	npkt[fam_ix(family)] = 0;
	len = family == AF_INET6 ? mld_pkt(buf) : igmp_pkt(buf);
	for (i = 0; i < nmsg; i++)
		put(peer, buf, len);
	for (want = KERN_RX_BUDGET; ; want += KERN_RX_BUDGET) {
		if (want > nmsg)
			want = nmsg;
		one_wakeup(ks);
		check(npkt[fam_ix(family)] == want, "%s: %d of %d messages "
		    "after a wakeup, want %d", fam, npkt[fam_ix(family)],
		    nmsg, want);
		if (want == nmsg || npkt[fam_ix(family)] != want)
			break;
	}
	one_wakeup(ks);
	check(npkt[fam_ix(family)] == nmsg, "%s: a wakeup with nothing "
	    "queued reads nothing", fam);
	kern_rx_stats(family, &st);
	check(st.packets - st0.packets == (uint64_t)nmsg, "%s: %llu packets "
	    "counted", fam, (unsigned long long)(st.packets - st0.packets));
	check(st.yields - st0.yields == (uint64_t)(nmsg / KERN_RX_BUDGET),
	    "%s: budget spent %llu times", fam,
	    (unsigned long long)(st.yields - st0.yields));
	check(st.errors == st0.errors && st.truncated == st0.truncated,
	    "%s: no errors", fam);
	detach(ks, peer);
}

static void
on_pipe(evutil_socket_t fd, short what, void *arg)
{
	char c;

	(void)what;
	(void)arg;
	if (read(fd, &c, 1) == 1 && pipe_seen < 0)
		pipe_seen = npkt[0];
}

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	if (timer_seen < 0)
		timer_seen = npkt[0];
}

/*
 * A flood on the IPv4 socket; in the middle of it a pipe becomes
 * readable and a timer is due.  Both must run long before the flood is
 * read, and the flood must be read to the end without another write.
 */
static void
test_loop(void)
{
	int peer = attach(&ks4), pfd[2], i, turns;
	struct event *pev;
	uint8_t buf[64];
	size_t len = igmp_pkt(buf);

	if (pipe(pfd)) {
		check_fail("pipe: %s", strerror(errno));
		return;
	}
	npkt[0] = 0;
	poke_at = 10;
	poke_fd = pfd[1];
	pipe_seen = timer_seen = -1;
	poke_timer = evtimer_new(evbase, on_timer, NULL);
	pev = event_new(evbase, pfd[0], EV_READ | EV_PERSIST, on_pipe, NULL);
	ks4.ev = event_new(evbase, ks4.fd, EV_READ | EV_PERSIST,
	    kern_readable, &ks4);
	event_add(pev, NULL);
	event_add(ks4.ev, NULL);
	for (i = 0; i < FLOOD; i++)
		put(peer, buf, len);
	for (turns = 0; turns < 10 * FLOOD / KERN_RX_BUDGET &&
	    (npkt[0] < FLOOD || pipe_seen < 0 || timer_seen < 0); turns++)
		event_base_loop(evbase, EVLOOP_ONCE | EVLOOP_NONBLOCK);
	check(pipe_seen >= 0 && pipe_seen <= 3 * KERN_RX_BUDGET,
	    "a socket ready mid-flood is served after %d of %d messages "
	    "(at most %d)", pipe_seen, FLOOD, 3 * KERN_RX_BUDGET);
	check(timer_seen >= 0 && timer_seen <= 3 * KERN_RX_BUDGET,
	    "a timer due mid-flood runs after %d of %d messages (at most %d)",
	    timer_seen, FLOOD, 3 * KERN_RX_BUDGET);
	check(npkt[0] == FLOOD, "the flood is read to the end without a new "
	    "write: %d of %d in %d turns", npkt[0], FLOOD, turns);
	event_free(ks4.ev);
	ks4.ev = NULL;
	event_free(pev);
	event_free(poke_timer);
	poke_timer = NULL;
	poke_at = -1;
	close(pfd[0]);
	close(pfd[1]);
	detach(&ks4, peer);
}

/* Longer than the buffer: dropped, counted; the next one goes up. */
static void
test_trunc(struct kern_sock *ks, int family)
{
	const char *fam = family == AF_INET6 ? "IPv6" : "IPv4";
	static uint8_t big[KERN_RX_BUFLEN + 1000];
	int peer = attach(ks);
	struct kern_rxstats st0, st;
	size_t len;

	kern_rx_stats(family, &st0);
	npkt[fam_ix(family)] = 0;
	len = family == AF_INET6 ? mld_pkt(big) : igmp_pkt(big);
	put(peer, big, sizeof(big));
	put(peer, big, len);
	one_wakeup(ks);
	check(npkt[fam_ix(family)] == 1, "%s: a truncated message is not "
	    "passed up (%d passed, want 1)", fam, npkt[fam_ix(family)]);
	check(lastlen == len, "%s: the message after it is (%zu octets)",
	    fam, lastlen);
	kern_rx_stats(family, &st);
	check(st.truncated - st0.truncated == 1 &&
	    st.packets - st0.packets == 1, "%s: 1 truncated, 1 packet counted "
	    "(%llu, %llu)", fam,
	    (unsigned long long)(st.truncated - st0.truncated),
	    (unsigned long long)(st.packets - st0.packets));
	detach(ks, peer);
}

/*
 * Ancillary data that does not fit: 200 descriptors in SCM_RIGHTS (the
 * ones that fit are installed here and left open).
 */
static void
test_ctrunc(struct kern_sock *ks, int family)
{
	const char *fam = family == AF_INET6 ? "IPv6" : "IPv4";
	int peer = attach(ks), fds[200], i;
	struct kern_rxstats st0, st;
	union {
		char		 buf[CMSG_SPACE(sizeof(fds))];
		struct cmsghdr	 align;
	} cb;
	uint8_t buf[64];
	struct iovec iov = { buf, 0 };
	struct msghdr mh;
	struct cmsghdr *cm;

	kern_rx_stats(family, &st0);
	npkt[fam_ix(family)] = 0;
	iov.iov_len = family == AF_INET6 ? mld_pkt(buf) : igmp_pkt(buf);
	for (i = 0; i < 200; i++)
		fds[i] = peer;
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cb.buf;
	mh.msg_controllen = sizeof(cb.buf);
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(fds));
	memcpy(CMSG_DATA(cm), fds, sizeof(fds));
	if (sendmsg(peer, &mh, 0) < 0)
		check_fail("sendmsg SCM_RIGHTS: %s", strerror(errno));
	one_wakeup(ks);
	check(npkt[fam_ix(family)] == 0, "%s: a message with its ancillary "
	    "data cut is not passed up (%d passed)", fam,
	    npkt[fam_ix(family)]);
	kern_rx_stats(family, &st);
	check(st.ctruncated - st0.ctruncated == 1 &&
	    st.packets == st0.packets, "%s: counted as cut, not as a packet "
	    "(%llu)", fam, (unsigned long long)(st.ctruncated -
	    st0.ctruncated));
	detach(ks, peer);
}

static void
test_upcalls(void)
{
	struct igmpmsg im;
	struct mrt6msg im6;
	char s[INET6_ADDRSTRLEN], g[INET6_ADDRSTRLEN];
	int peer;

	peer = attach(&ks4);
	memset(&im, 0, sizeof(im));
	im.im_msgtype = IGMPMSG_NOCACHE;
	im.im_vif = 3;
	inet_pton(AF_INET, "10.0.0.1", &im.im_src);
	inet_pton(AF_INET, "225.1.2.3", &im.im_dst);
	put(peer, &im, sizeof(im));
	im.im_msgtype = IGMPMSG_WRONGVIF;
	put(peer, &im, sizeof(im));
	im.im_msgtype = 42;		/* unknown: ignored */
	put(peer, &im, sizeof(im));
	nup[0] = npkt[0] = 0;
	one_wakeup(&ks4);
	check(nup[0] == 2 && npkt[0] == 0, "IPv4: 2 upcalls passed up, the "
	    "unknown one not (%d upcalls, %d packets)", nup[0], npkt[0]);
	check(lastup.type == KERN_WRONGVIF && lastup.vif == 3,
	    "IPv4: WRONGVIF on VIF 3");
	CHECK_STR(inet_str(&lastup.src, s, sizeof(s)), "10.0.0.1");
	CHECK_STR(inet_str(&lastup.grp, g, sizeof(g)), "225.1.2.3");
	detach(&ks4, peer);

	peer = attach(&ks6);
	memset(&im6, 0, sizeof(im6));
	im6.im6_msgtype = MRT6MSG_NOCACHE;
	im6.im6_mif = 5;
	inet_pton(AF_INET6, "fc00::1", &im6.im6_src);
	inet_pton(AF_INET6, "ff0e::1:2", &im6.im6_dst);
	put(peer, &im6, sizeof(im6));
	nup[1] = npkt[1] = 0;
	one_wakeup(&ks6);
	check(nup[1] == 1 && npkt[1] == 0, "IPv6: NOCACHE passed up (%d)",
	    nup[1]);
	check(lastup.type == KERN_NOCACHE && lastup.vif == 5,
	    "IPv6: NOCACHE on MIF 5");
	CHECK_STR(inet_str(&lastup.src, s, sizeof(s)), "fc00::1");
	CHECK_STR(inet_str(&lastup.grp, g, sizeof(g)), "ff0e::1:2");
	detach(&ks6, peer);
}

int
main(void)
{
	signal(SIGPIPE, SIG_IGN);
	log_setlevel(LOG_NONE);
	if (evloop_init()) {
		check_fail("evloop_init");
		return check_exit("test_kern");
	}
	pkt_fn = on_pkt;
	upcall_fn = on_upcall;

	test_budget(&ks4, AF_INET, 200);
	test_budget(&ks6, AF_INET6, 100);
	test_budget(&ks4, AF_INET, KERN_RX_BUDGET);
	test_loop();
	test_trunc(&ks4, AF_INET);
	test_trunc(&ks6, AF_INET6);
	test_ctrunc(&ks4, AF_INET);
	test_ctrunc(&ks6, AF_INET6);
	test_upcalls();

	evloop_exit();
	return check_exit("test_kern");
}
