/*
 * mcsock.c - the sockets that hold the daemon's group memberships
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/tree.h>

#include "mcsock.h"

/* One (interface, group) held on a socket, by how many joins. */
struct mcsock_m {
	RB_ENTRY(mcsock_m) entry;
	int		 ifindex;
	struct inet_addr grp;
	enum mcsock_use	 use;
	int		 refs;
};

RB_HEAD(mcsock_mtree, mcsock_m);

struct mcsock {
	TAILQ_ENTRY(mcsock) entry;
	int		 fd;
	int		 family;
	int		 count;		/* (interface, group)s held */
	bool		 full;		/* the kernel refused one more */
	struct mcsock_mtree ms;
};

static int
mcsock_m_cmp(struct mcsock_m *a, struct mcsock_m *b)
{
	if (a->ifindex != b->ifindex)
		return a->ifindex < b->ifindex ? -1 : 1;
	return inet_cmp(&a->grp, &b->grp);
}

RB_GENERATE_STATIC(mcsock_mtree, mcsock_m, entry, mcsock_m_cmp)

TAILQ_HEAD(mcsock_list, mcsock);
/* Per family (IPv4, IPv6): sockets with room, and full ones. */
static struct mcsock_list socks[2] = {
	TAILQ_HEAD_INITIALIZER(socks[0]), TAILQ_HEAD_INITIALIZER(socks[1])
};
static struct mcsock_list fulls[2] = {
	TAILQ_HEAD_INITIALIZER(fulls[0]), TAILQ_HEAD_INITIALIZER(fulls[1])
};
static int nsocks;

#define FAM(family)	((family) == AF_INET6)

static struct mcsock_m *
mcsock_find(struct mcsock *s, int ifindex, const struct inet_addr *grp)
{
	struct mcsock_m key;

	key.ifindex = ifindex;
	key.grp = *grp;
	return RB_FIND(mcsock_mtree, &s->ms, &key);
}

static struct mcsock *
mcsock_open(int family)
{
	struct mcsock *s;
	int saved;

	if (nsocks >= MCSOCK_MAX) {
		errno = EMFILE;
		return NULL;
	}
	if (!(s = calloc(1, sizeof(*s))))
		return NULL;
	s->fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s->fd < 0) {
		saved = errno;
		free(s);
		errno = saved;
		return NULL;
	}
	s->family = family;
	RB_INIT(&s->ms);
	TAILQ_INSERT_TAIL(&socks[FAM(family)], s, entry);
	nsocks++;
	return s;
}

static void
mcsock_close(struct mcsock *s)
{
	struct mcsock_m *m, *next;

	RB_FOREACH_SAFE(m, mcsock_mtree, &s->ms, next) {
		RB_REMOVE(mcsock_mtree, &s->ms, m);
		free(m);
	}
	TAILQ_REMOVE(s->full ? &fulls[FAM(s->family)] :
	    &socks[FAM(s->family)], s, entry);
	nsocks--;
	close(s->fd);
	free(s);
}

struct mcsock *
mcsock_pick(int family, int ifindex, const struct inet_addr *grp,
    enum mcsock_use use)
{
	struct mcsock_m *m;
	struct mcsock *s;

	TAILQ_FOREACH(s, &socks[FAM(family)], entry) {
		m = mcsock_find(s, ifindex, grp);
		if (!m || (m->use == MCSOCK_SSM && use == MCSOCK_SSM))
			return s;
	}
	return mcsock_open(family);
}

void
mcsock_full(struct mcsock *s)
{
	if (s->full)
		return;
	TAILQ_REMOVE(&socks[FAM(s->family)], s, entry);
	TAILQ_INSERT_TAIL(&fulls[FAM(s->family)], s, entry);
	s->full = true;
}

int
mcsock_hold(struct mcsock *s, int ifindex, const struct inet_addr *grp,
    enum mcsock_use use)
{
	struct mcsock_m *m = mcsock_find(s, ifindex, grp);

	if (m) {
		m->refs++;
		return 0;
	}
	if (!(m = calloc(1, sizeof(*m))))
		return -1;
	m->ifindex = ifindex;
	m->grp = *grp;
	m->use = use;
	m->refs = 1;
	RB_INSERT(mcsock_mtree, &s->ms, m);
	s->count++;
	return 0;
}

void
mcsock_release(struct mcsock *s, int ifindex, const struct inet_addr *grp)
{
	struct mcsock_m *m = mcsock_find(s, ifindex, grp);

	if (!m || --m->refs > 0)
		return;
	RB_REMOVE(mcsock_mtree, &s->ms, m);
	free(m);
	s->count--;
	if (s->full) {
		TAILQ_REMOVE(&fulls[FAM(s->family)], s, entry);
		TAILQ_INSERT_TAIL(&socks[FAM(s->family)], s, entry);
		s->full = false;
	}
	mcsock_idle(s);
}

int
mcsock_count(const struct mcsock *s)
{
	return s->count;
}

void
mcsock_idle(struct mcsock *s)
{
	if (s->count == 0)
		mcsock_close(s);
}

int
mcsock_fd(const struct mcsock *s)
{
	return s->fd;
}

int
mcsock_level(const struct mcsock *s)
{
	return s->family == AF_INET6 ? IPPROTO_IPV6 : IPPROTO_IP;
}

int
mcsock_total(void)
{
	return nsocks;
}

void
mcsock_exit(void)
{
	struct mcsock *s;
	int i;

	for (i = 0; i < 2; i++) {
		while ((s = TAILQ_FIRST(&socks[i])))
			mcsock_close(s);
		while ((s = TAILQ_FIRST(&fulls[i])))
			mcsock_close(s);
	}
}
