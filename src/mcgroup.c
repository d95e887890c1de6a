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
#include "mcsock.h"

RB_HEAD(mcgroup_tree, mcgroup);
static struct mcgroup_tree groups = RB_INITIALIZER(&groups);

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

/* Join or leave g on its socket s. */
static int
mcgroup_op(struct mcsock *s, int join, const struct mcgroup *g)
{
	int fd = mcsock_fd(s), level = mcsock_level(s);

	if (inet_is_any(&g->src)) {
		struct group_req gr;

		memset(&gr, 0, sizeof(gr));
		gr.gr_interface = (uint32_t)g->ifindex;
		inet_to_sa(&g->grp, &gr.gr_group, 0);
		return setsockopt(fd, level, join ? MCAST_JOIN_GROUP :
		    MCAST_LEAVE_GROUP, &gr, sizeof(gr));
	} else {
		struct group_source_req gsr;

		memset(&gsr, 0, sizeof(gsr));
		gsr.gsr_interface = (uint32_t)g->ifindex;
		inet_to_sa(&g->grp, &gsr.gsr_group, 0);
		inet_to_sa(&g->src, &gsr.gsr_source, 0);
		return setsockopt(fd, level, join ? MCAST_JOIN_SOURCE_GROUP :
		    MCAST_LEAVE_SOURCE_GROUP, &gsr, sizeof(gsr));
	}
}

/*
 * Join on a socket of the pool with room (mcsock.h): ENOBUFS/ENOMEM
 * marks a socket that holds others full and we go on to the next; on
 * a socket of its own the refusal is the kernel's last word.
 */
static int
mcgroup_sock_join(struct mcgroup *g, char *err, size_t errlen)
{
	enum mcsock_use use = inet_is_any(&g->src) ? MCSOCK_OWN : MCSOCK_SSM;
	struct mcsock *s;
	int e;

	for (;;) {
		if (!(s = mcsock_pick(g->grp.family, g->ifindex, &g->grp,
		    use))) {
			snprintf(err, errlen, "cannot open socket: %s",
			    strerror(errno));
			return -1;
		}
		if (!mcgroup_op(s, 1, g)) {
			if (mcsock_hold(s, g->ifindex, &g->grp, use)) {
				mcgroup_op(s, 0, g);
				mcsock_idle(s);
				snprintf(err, errlen, "out of memory");
				return -1;
			}
			g->sock = s;
			return 0;
		}
		e = errno;
		if ((e == ENOBUFS || e == ENOMEM) && mcsock_count(s) > 0) {
			mcsock_full(s);
			continue;
		}
		mcsock_idle(s);
		snprintf(err, errlen, "kernel refused the join: %s",
		    strerror(e));
		return -1;
	}
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
	if (mcgroup_sock_join(g, err, errlen)) {
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
		if (mcgroup_op(g->sock, 0, g) && errno != EADDRNOTAVAIL &&
		    errno != ENODEV)
			log_warn("Cannot leave group");
		mcsock_release(g->sock, g->ifindex, &g->grp);
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
		mcgroup_op(g->sock, 0, g);
		if (mcgroup_op(g->sock, 1, g))
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
