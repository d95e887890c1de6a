/*
 * mcgroup.c - group memberships the daemon holds (mgroup, join)
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/queue.h>

#include "iface.h"
#include "log.h"
#include "mcgroup.h"

/* A socket holding up to "full" memberships of one family. */
struct mcsock {
	TAILQ_ENTRY(mcsock) entry;
	int		 fd;
	int		 family;
	int		 count;
	bool		 full;		/* the kernel refused one more */
};

RB_HEAD(mcgroup_tree, mcgroup);
static struct mcgroup_tree groups = RB_INITIALIZER(&groups);
static TAILQ_HEAD(, mcsock) socks = TAILQ_HEAD_INITIALIZER(socks);

static int
mcgroup_cmp(struct mcgroup *a, struct mcgroup *b)
{
	int rc;

	if ((rc = inet_cmp(&a->grp, &b->grp)))
		return rc;
	if ((rc = inet_cmp(&a->src, &b->src)))
		return rc;
	return a->ifindex < b->ifindex ? -1 : a->ifindex > b->ifindex;
}

RB_GENERATE_STATIC(mcgroup_tree, mcgroup, entry, mcgroup_cmp)

static struct mcsock *
mcsock_new(int family)
{
	struct mcsock *ms = calloc(1, sizeof(*ms));

	if (!ms)
		return NULL;
	ms->fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (ms->fd < 0) {
		log_warn("Cannot open socket for group memberships");
		free(ms);
		return NULL;
	}
	ms->family = family;
	TAILQ_INSERT_TAIL(&socks, ms, entry);
	return ms;
}

static void
mcsock_put(struct mcsock *ms)
{
	ms->full = false;
	if (--ms->count > 0)
		return;
	TAILQ_REMOVE(&socks, ms, entry);
	close(ms->fd);
	free(ms);
}

static int
mcsock_op(struct mcsock *ms, int join, const struct mcgroup *g)
{
	int level = ms->family == AF_INET6 ? IPPROTO_IPV6 : IPPROTO_IP;

	if (inet_is_any(&g->src)) {
		struct group_req gr;

		memset(&gr, 0, sizeof(gr));
		gr.gr_interface = (uint32_t)g->ifindex;
		inet_to_sa(&g->grp, &gr.gr_group, 0);
		return setsockopt(ms->fd, level, join ? MCAST_JOIN_GROUP :
		    MCAST_LEAVE_GROUP, &gr, sizeof(gr));
	} else {
		struct group_source_req gsr;

		memset(&gsr, 0, sizeof(gsr));
		gsr.gsr_interface = (uint32_t)g->ifindex;
		inet_to_sa(&g->grp, &gsr.gsr_group, 0);
		inet_to_sa(&g->src, &gsr.gsr_source, 0);
		return setsockopt(ms->fd, level, join ?
		    MCAST_JOIN_SOURCE_GROUP : MCAST_LEAVE_SOURCE_GROUP, &gsr,
		    sizeof(gsr));
	}
}

/*
 * Join on the first socket with room.  The kernel's limit is found by
 * trying: ENOBUFS/ENOMEM marks a socket full and we go on to the next.
 * An ASM and an SSM join of the same group cannot share a socket
 * (EINVAL/EADDRINUSE), so those also move on.
 */
static int
mcsock_join(struct mcgroup *g, char *err, size_t errlen)
{
	struct mcsock *ms;
	int tries = 0;

	TAILQ_FOREACH(ms, &socks, entry) {
		if (ms->family != g->grp.family || ms->full)
			continue;
		if (!mcsock_op(ms, 1, g))
			goto joined;
		if (errno == ENOBUFS || errno == ENOMEM)
			ms->full = true;
		else if (errno != EINVAL && errno != EADDRINUSE)
			goto fail;
		if (++tries > 4)
			break;
	}
	if (!(ms = mcsock_new(g->grp.family))) {
		snprintf(err, errlen, "cannot open socket: %s",
		    strerror(errno));
		return -1;
	}
	if (mcsock_op(ms, 1, g)) {
		int saved = errno;

		ms->count = 1;
		mcsock_put(ms);
		errno = saved;
		goto fail;
	}
joined:
	ms->count++;
	g->sock = ms;
	return 0;
fail:
	snprintf(err, errlen, "kernel refused the join: %s", strerror(errno));
	return -1;
}

static const char *
mcgroup_str(const struct inet_addr *src, const struct inet_addr *grp,
    char *buf, size_t len)
{
	char s[INET6_ADDRSTRLEN], g[INET6_ADDRSTRLEN];

	snprintf(buf, len, "(%s, %s)", inet_is_any(src) ? "*" :
	    inet_str(src, s, sizeof(s)), inet_str(grp, g, sizeof(g)));
	return buf;
}

static struct mcgroup *
mcgroup_find(int ifindex, const struct inet_addr *src,
    const struct inet_addr *grp)
{
	struct mcgroup key;

	key.ifindex = ifindex;
	key.src = *src;
	key.grp = *grp;
	return RB_FIND(mcgroup_tree, &groups, &key);
}

int
mcgroup_join(int ifindex, const struct inet_addr *src,
    const struct inet_addr *grp, unsigned int origin, char *err,
    size_t errlen)
{
	struct iface *ifp = iface_find(ifindex);
	char buf[2 * INET6_ADDRSTRLEN + 8];
	struct mcgroup *g;

	mcgroup_str(src, grp, buf, sizeof(buf));
	if (!ifp) {
		snprintf(err, errlen, "unknown interface");
		return -1;
	}
	if (!inet_is_multicast(grp) || src->family != grp->family) {
		snprintf(err, errlen, "invalid group %s", buf);
		return -1;
	}
	g = mcgroup_find(ifindex, src, grp);
	if (g) {
		/* A reload re-joining what it had is not an error. */
		if (g->stale || (origin & MCGROUP_CONF)) {
			g->stale = false;
			g->origin = origin;
			return 0;
		}
		snprintf(err, errlen, "already joined %s on %s", buf,
		    ifp->name);
		return -1;
	}
	g = calloc(1, sizeof(*g));
	if (!g) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	g->ifindex = ifindex;
	g->src = *src;
	g->grp = *grp;
	g->origin = origin;
	if (mcsock_join(g, err, errlen)) {
		free(g);
		return -1;
	}
	RB_INSERT(mcgroup_tree, &groups, g);
	log_debug("Joined %s on %s", buf, ifp->name);
	return 0;
}

static void
mcgroup_free(struct mcgroup *g)
{
	if (g->sock) {
		if (mcsock_op(g->sock, 0, g) && errno != EADDRNOTAVAIL &&
		    errno != ENODEV)
			log_warn("Cannot leave group");
		mcsock_put(g->sock);
	}
	RB_REMOVE(mcgroup_tree, &groups, g);
	free(g);
}

int
mcgroup_leave(int ifindex, const struct inet_addr *src,
    const struct inet_addr *grp, char *err, size_t errlen)
{
	struct mcgroup *g = mcgroup_find(ifindex, src, grp);
	struct iface *ifp = iface_find(ifindex);
	char buf[2 * INET6_ADDRSTRLEN + 8];

	if (!g) {
		snprintf(err, errlen, "no group %s on %s to leave",
		    mcgroup_str(src, grp, buf, sizeof(buf)),
		    ifp ? ifp->name : "?");
		return -1;
	}
	mcgroup_free(g);
	return 0;
}

void
mcgroup_mark(unsigned int origin)
{
	struct mcgroup *g;

	RB_FOREACH(g, mcgroup_tree, &groups)
		if (g->origin & origin)
			g->stale = true;
}

void
mcgroup_sweep(void)
{
	struct mcgroup *g, *next;

	RB_FOREACH_SAFE(g, mcgroup_tree, &groups, next)
		if (g->stale)
			mcgroup_free(g);
}

void
mcgroup_rejoin_iface(int ifindex, int family)
{
	struct mcgroup *g;

	RB_FOREACH(g, mcgroup_tree, &groups) {
		if (g->ifindex != ifindex || !g->sock ||
		    (family != AF_UNSPEC && g->grp.family != family))
			continue;
		mcsock_op(g->sock, 0, g);
		if (mcsock_op(g->sock, 1, g))
			log_warn("Cannot join group again on ifindex %d",
			    ifindex);
	}
}

void
mcgroup_drop_iface(int ifindex)
{
	struct mcgroup *g, *next;

	RB_FOREACH_SAFE(g, mcgroup_tree, &groups, next)
		if (g->ifindex == ifindex)
			mcgroup_free(g);
}

void
mcgroup_init(void)
{
	RB_INIT(&groups);
	TAILQ_INIT(&socks);
}

void
mcgroup_exit(void)
{
	struct mcgroup *g, *next;

	RB_FOREACH_SAFE(g, mcgroup_tree, &groups, next)
		mcgroup_free(g);
}

struct mcgroup *
mcgroup_first(void)
{
	return RB_MIN(mcgroup_tree, &groups);
}

struct mcgroup *
mcgroup_next(struct mcgroup *g)
{
	return RB_NEXT(mcgroup_tree, &groups, g);
}
