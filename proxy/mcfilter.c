/*
 * mcfilter.c - upstream membership through the kernel's source filters
 *
 * Every group on an interface is expressed by one or more parts: a part
 * is one socket's membership in (ifindex, group) with its own filter.
 * The kernel merges the parts of a group into the interface state (RFC
 * 3376 section 3.2 / RFC 3810 section 4.2): the union of the INCLUDE
 * lists, or, when any part is in EXCLUDE mode, the intersection of the
 * EXCLUDE lists minus the union of the INCLUDE lists.  Hence:
 *
 *   INCLUDE(A):  A is split into parts of at most max_msf sources, each
 *                on a different socket; parts keep their sources across
 *                changes so that a change touches as few parts as it can.
 *   EXCLUDE(Y):  exactly one part, EXCLUDE(Y') with Y' = Y, or when Y is
 *                longer than max_msf a subset of it (a superset of the
 *                wanted traffic).
 *
 * Ordering invariant: while a change is applied, the interface state
 * never lacks a source the old and the new state both want.  New parts
 * are joined first, existing parts are changed next, emptied parts are
 * left last; a source moved between parts is always added before it is
 * removed.  On a kernel error the change stops at the point reached, the
 * parts still describe what the kernel holds, and the filter is marked
 * partial so that the next mcfilter_set() re-plans from there.
 *
 * Bounds: an INCLUDE list takes at most MCF_MAX_PARTS parts.  A longer
 * one is installed as EXCLUDE({}), every source (more traffic, never
 * less); an SSM group cannot (RFC 4604 section 2.2.1: routers ignore
 * EXCLUDE for it), so its first MCF_MAX_PARTS x limit sources are.
 * When the socket pool is full (EMFILE), a non-SSM group that cannot
 * have its INCLUDE parts takes the one membership of EXCLUDE({}) too.
 * Either is logged once a minute at most, with the count since.
 *
 * Limits are found by trying.  ENOBUFS for a filter longer than the
 * sysctl now says means the limit was lowered: plan again with it.
 * Otherwise ENOBUFS/ENOMEM on a socket that holds other memberships
 * means the socket is full (membership count or option memory): the
 * part goes to another socket.  ENOBUFS on a socket that holds nothing
 * else means the filter itself is too long although the sysctl cannot
 * tell (mld_max_msf is only visible in the initial network namespace):
 * the limit is lowered by one and the change planned again.  The limit
 * is never raised while running.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <net/if.h>

#include "log.h"
#include "mcfilter.h"
#include "mcsock.h"

#define MCF_REPLAN	1	/* internal: limit lowered, plan again */
#define MCF_MAX_PARTS	8	/* sockets per (interface, group) */
#define MCF_LOG_PERIOD	60000	/* ms between messages about bounds */

#define MSF4_SYSCTL	"/proc/sys/net/ipv4/igmp_max_msf"
#define MSF6_SYSCTL	"/proc/sys/net/ipv6/mld_max_msf"
#define MSF4_DEFAULT	10	/* kernel default of igmp_max_msf */
#define MSF6_DEFAULT	64	/* IPV6_MLD_MAX_MSF */

/* One socket's membership in a group: what the kernel holds for it. */
struct mcf_part {
	TAILQ_ENTRY(mcf_part)	 entry;
	struct mcsock		*sock;
	int			 mode;
	size_t			 nsrc;
	struct inet_addr	*srcs;		/* sorted */
};

RB_HEAD(mcf_tree, mcfilter);

static struct {
	struct mcf_tree			 tree;
	size_t				 max_msf4;
	size_t				 max_msf6;
	struct log_rl			 rl;
} mcf = {
	RB_INITIALIZER(&mcf.tree),
	MSF4_DEFAULT,
	MSF6_DEFAULT,
	{ 0, 0 }
};

static int
mcf_cmp(struct mcfilter *a, struct mcfilter *b)
{
	if (a->ifindex != b->ifindex)
		return a->ifindex < b->ifindex ? -1 : 1;
	return inet_cmp(&a->grp, &b->grp);
}

RB_GENERATE_STATIC(mcf_tree, mcfilter, entry, mcf_cmp)

static int
addr_cmp(const void *a, const void *b)
{
	return inet_cmp(a, b);
}

const char *
mcfilter_mode_str(int mode)
{
	return mode == MCF_EXCLUDE ? "EXCLUDE" : "INCLUDE";
}

/* "[mcfilter eth0] 239.1.1.1" for log messages. */
static const char *
mcf_name(const struct mcfilter *f, char *buf, size_t len)
{
	char ifname[IF_NAMESIZE], grp[INET6_ADDRSTRLEN];

	if (!if_indextoname((unsigned int)f->ifindex, ifname))
		snprintf(ifname, sizeof(ifname), "#%d", f->ifindex);
	snprintf(buf, len, "[mcfilter %s] %s", ifname,
	    inet_str(&f->grp, grp, sizeof(grp)));
	return buf;
}

/* ------------------------------------------------------------- limits */

static size_t *
limitp(int family)
{
	return family == AF_INET6 ? &mcf.max_msf6 : &mcf.max_msf4;
}

/* The sysctl value, or 0 when it cannot be read (mld_max_msf is only
 * visible in the initial network namespace). */
static size_t
limit_read(int family)
{
	const char *path = family == AF_INET6 ? MSF6_SYSCTL : MSF4_SYSCTL;
	unsigned long v;
	FILE *fp;
	int n;

	if (!(fp = fopen(path, "re")))
		return 0;
	n = fscanf(fp, "%lu", &v);
	fclose(fp);
	return n == 1 ? (size_t)v : 0;
}

size_t
mcfilter_max_msf(int family)
{
	return *limitp(family);
}

static int
limit_set(int family, size_t tried, size_t v)
{
	size_t *lim = limitp(family);

	log_notice("Kernel refused a source filter of %zu sources, "
	    "limit %zu -> %zu for IPv%d", tried, *lim, v,
	    family == AF_INET6 ? 6 : 4);
	*lim = v;
	return MCF_REPLAN;
}

/*
 * A filter of tried sources was refused with ENOBUFS.  MCF_REPLAN when
 * the sysctl (changed since it was read) explains it, else 0: the
 * socket may just be out of option memory.
 */
static int
limit_check(int family, size_t tried)
{
	size_t v = limit_read(family);

	if (v && v < tried)
		return limit_set(family, tried, v);
	return 0;
}

/*
 * The same on a socket that holds nothing else, where memory is no
 * excuse: the limit is below tried even if the sysctl cannot tell
 * (mld_max_msf is not visible outside the initial namespace).
 */
static int
limit_lower(int family, size_t tried, char *err, size_t errlen)
{
	if (limit_check(family, tried))
		return MCF_REPLAN;
	if (tried <= 1) {
		snprintf(err, errlen, "kernel refuses source filters "
		    "(%s is 0?)", family == AF_INET6 ? "mld_max_msf" :
		    "igmp_max_msf");
		return -1;
	}
	return limit_set(family, tried, tried - 1);
}

/* ------------------------------------------------------------ sockets */

/*
 * First join of (ifindex, grp) on s: INCLUDE through the source join of
 * src0, so that the group never passes through an ASM state; EXCLUDE
 * through the ASM join (EXCLUDE of nothing).
 */
static int
sock_join(struct mcsock *s, int ifindex, const struct inet_addr *grp,
    int mode, const struct inet_addr *src0)
{
	if (mode == MCF_INCLUDE) {
		struct group_source_req gsr;

		memset(&gsr, 0, sizeof(gsr));
		gsr.gsr_interface = (uint32_t)ifindex;
		inet_to_sa(grp, &gsr.gsr_group, 0);
		inet_to_sa(src0, &gsr.gsr_source, 0);
		return setsockopt(mcsock_fd(s), mcsock_level(s),
		    MCAST_JOIN_SOURCE_GROUP, &gsr, sizeof(gsr));
	} else {
		struct group_req gr;

		memset(&gr, 0, sizeof(gr));
		gr.gr_interface = (uint32_t)ifindex;
		inet_to_sa(grp, &gr.gr_group, 0);
		return setsockopt(mcsock_fd(s), mcsock_level(s),
		    MCAST_JOIN_GROUP, &gr, sizeof(gr));
	}
}

/* Drop the membership whatever its filter (also frees a stale record). */
static int
sock_leave(struct mcsock *s, int ifindex, const struct inet_addr *grp)
{
	struct group_req gr;

	memset(&gr, 0, sizeof(gr));
	gr.gr_interface = (uint32_t)ifindex;
	inet_to_sa(grp, &gr.gr_group, 0);
	return setsockopt(mcsock_fd(s), mcsock_level(s), MCAST_LEAVE_GROUP,
	    &gr, sizeof(gr));
}

/* Replace the filter of a joined membership (RFC 3678 MCAST_MSFILTER). */
static int
sock_filter(struct mcsock *s, int ifindex, const struct inet_addr *grp,
    int mode, const struct inet_addr *srcs, size_t n)
{
	struct group_filter *gf;
	size_t len = GROUP_FILTER_SIZE(n), i;
	int rc, saved;

	gf = calloc(1, len > sizeof(*gf) ? len : sizeof(*gf));
	if (!gf)
		return -1;
	gf->gf_interface = (uint32_t)ifindex;
	inet_to_sa(grp, &gf->gf_group, 0);
	gf->gf_fmode = (uint32_t)mode;
	gf->gf_numsrc = (uint32_t)n;
	for (i = 0; i < n; i++)
		inet_to_sa(&srcs[i], &gf->gf_slist[i], 0);
	rc = setsockopt(mcsock_fd(s), mcsock_level(s), MCAST_MSFILTER, gf,
	    (socklen_t)len);
	saved = errno;
	free(gf);
	errno = saved;
	return rc;
}

static bool
sock_full_errno(int e)
{
	return e == ENOBUFS || e == ENOMEM;
}

/* ------------------------------------------------------------- parts */

static bool
list_eq(const struct inet_addr *a, size_t na, const struct inet_addr *b,
    size_t nb)
{
	size_t i;

	if (na != nb)
		return false;
	for (i = 0; i < na; i++)
		if (inet_cmp(&a[i], &b[i]))
			return false;
	return true;
}

/* Record what the kernel now holds for p. */
static int
part_record(struct mcf_part *p, int mode, const struct inet_addr *srcs,
    size_t n)
{
	struct inet_addr *copy = NULL;

	if (n) {
		if (!(copy = calloc(n, sizeof(*copy))))
			return -1;
		memcpy(copy, srcs, n * sizeof(*copy));
	}
	free(p->srcs);
	p->srcs = copy;
	p->nsrc = n;
	p->mode = mode;
	return 0;
}

/* Leave and forget a part. */
static void
part_free(struct mcfilter *f, struct mcf_part *p)
{
	char name[IF_NAMESIZE + INET6_ADDRSTRLEN + 16];

	if (sock_leave(p->sock, f->ifindex, &f->grp) && errno != ENODEV &&
	    errno != EADDRNOTAVAIL)
		log_warn("%s: cannot leave", mcf_name(f, name, sizeof(name)));
	mcsock_release(p->sock, f->ifindex, &f->grp);
	TAILQ_REMOVE(&f->parts, p, entry);
	free(p->srcs);
	free(p);
}

static int
kernel_err(char *err, size_t errlen, const char *what, int e)
{
	snprintf(err, errlen, "kernel refused %s: %s", what, strerror(e));
	errno = e;
	return -1;
}

/*
 * A new part with filter mode(srcs), joined on a socket that has room,
 * appended to f->parts.  Returns 0, -1 (err set) or MCF_REPLAN.
 */
static int
part_new(struct mcfilter *f, int mode, const struct inet_addr *srcs,
    size_t n, struct mcf_part **out, char *err, size_t errlen)
{
	struct mcf_part *p;
	struct mcsock *s;
	bool fresh, alone;
	int e, rc;

	if (!(p = calloc(1, sizeof(*p))) || part_record(p, mode, srcs, n)) {
		free(p);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (;;) {
		/* The pool never offers a socket already in the group. */
		if (!(s = mcsock_pick(f->grp.family, f->ifindex, &f->grp,
		    MCSOCK_OWN))) {
			rc = kernel_err(err, errlen, "a socket", errno);
			goto fail;
		}
		fresh = mcsock_count(s) == 0;
		if (sock_join(s, f->ifindex, &f->grp, mode, srcs)) {
			e = errno;
			if (!fresh && (sock_full_errno(e) || e == EADDRINUSE)) {
				log_debug("Socket %d full: %s", mcsock_fd(s),
				    strerror(e));
				mcsock_full(s);
				continue;
			}
			mcsock_idle(s);
			rc = kernel_err(err, errlen, "the join", e);
			goto fail;
		}
		if (mcsock_hold(s, f->ifindex, &f->grp, MCSOCK_OWN)) {
			sock_leave(s, f->ifindex, &f->grp);
			mcsock_idle(s);
			snprintf(err, errlen, "out of memory");
			rc = -1;
			goto fail;
		}
		/* The join already installed INCLUDE(srcs[0]) or EXCLUDE{}. */
		if ((mode == MCF_INCLUDE && n == 1) ||
		    (mode == MCF_EXCLUDE && n == 0) ||
		    !sock_filter(s, f->ifindex, &f->grp, mode, srcs, n))
			break;

		/* The filter was refused: undo the join, find out why. */
		e = errno;
		alone = mcsock_count(s) == 1;
		sock_leave(s, f->ifindex, &f->grp);
		/* Closes s if it was alone. */
		mcsock_release(s, f->ifindex, &f->grp);
		if (e == ENOBUFS && alone) {
			rc = limit_lower(f->grp.family, n, err, errlen);
			goto fail;
		}
		if (e == ENOBUFS && limit_check(f->grp.family, n)) {
			rc = MCF_REPLAN;
			goto fail;
		}
		if (!alone && sock_full_errno(e)) {
			log_debug("Socket %d full: %s", mcsock_fd(s),
			    strerror(e));
			mcsock_full(s);
			continue;
		}
		rc = kernel_err(err, errlen, "the source filter", e);
		goto fail;
	}
	p->sock = s;
	TAILQ_INSERT_TAIL(&f->parts, p, entry);
	if (out)
		*out = p;
	return 0;
fail:
	free(p->srcs);
	free(p);
	return rc;
}

/*
 * Change the filter of an existing part in place.  When its socket has
 * no memory left for the new filter, the part moves: a new part with
 * the filter is joined elsewhere first, then the old one is left.
 * *out is the part that holds the filter afterwards.
 */
static int
part_update(struct mcfilter *f, struct mcf_part *p, int mode,
    const struct inet_addr *srcs, size_t n, struct mcf_part **out,
    char *err, size_t errlen)
{
	struct mcf_part rec;
	int e, rc;

	if (out)
		*out = p;
	if (p->mode == mode && list_eq(p->srcs, p->nsrc, srcs, n))
		return 0;
	/* Take the memory for the record before the kernel changes. */
	memset(&rec, 0, sizeof(rec));
	if (part_record(&rec, mode, srcs, n)) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (!sock_filter(p->sock, f->ifindex, &f->grp, mode, srcs, n)) {
		free(p->srcs);
		p->srcs = rec.srcs;
		p->nsrc = rec.nsrc;
		p->mode = rec.mode;
		return 0;
	}
	e = errno;
	free(rec.srcs);
	if (e == ENOBUFS && mcsock_count(p->sock) == 1)
		return limit_lower(f->grp.family, n, err, errlen);
	if (e == ENOBUFS && limit_check(f->grp.family, n))
		return MCF_REPLAN;
	if (!sock_full_errno(e))
		return kernel_err(err, errlen, "the source filter", e);
	log_debug("Socket %d full: %s; moving the filter",
	    mcsock_fd(p->sock), strerror(e));
	mcsock_full(p->sock);
	if ((rc = part_new(f, mode, srcs, n, out, err, errlen)))
		return rc;
	part_free(f, p);
	return 0;
}

/* Leave every part: the group is no longer wanted on the interface. */
static void
mcf_leave_all(struct mcfilter *f)
{
	struct mcf_part *p;

	while ((p = TAILQ_FIRST(&f->parts)))
		part_free(f, p);
}

/* ---------------------------------------------------------- planning */

struct plan {
	struct mcf_part		*part;		/* NULL: new */
	size_t			 n;
	struct inet_addr	*srcs;		/* room for the limit */
};

static ssize_t
list_find(const struct inet_addr *list, size_t n, const struct inet_addr *a)
{
	const struct inet_addr *hit;

	hit = bsearch(a, list, n, sizeof(*list), addr_cmp);
	return hit ? hit - list : -1;
}

/*
 * INCLUDE(b), b sorted, nb > 0.
 *
 * Each source in b that some INCLUDE part holds stays on the first part
 * holding it (up to the limit; the rest is displaced).  Sources held
 * nowhere fill the room in existing parts, in order (an EXCLUDE part
 * being converted counts as empty).  Displaced sources and what does not
 * fit go to new parts, which are joined before any existing part is
 * changed, so a displaced source is added before it is removed.
 */
static int
mcf_apply_include(struct mcfilter *f, const struct inet_addr *b, size_t nb,
    char *err, size_t errlen)
{
	enum { ST_FREE, ST_PLACED, ST_DISPLACED } *state = NULL;
	size_t lim = *limitp(f->grp.family), np = 0, nplan, i, j, k;
	struct plan *plan = NULL;
	struct mcf_part *p;
	ssize_t at;
	int rc = -1;

	TAILQ_FOREACH(p, &f->parts, entry)
		np++;
	nplan = np + (nb + lim - 1) / lim;
	if (!(state = calloc(nb, sizeof(*state))) ||
	    !(plan = calloc(nplan, sizeof(*plan))))
		goto nomem;
	for (i = 0; i < nplan; i++)
		if (!(plan[i].srcs = calloc(lim, sizeof(*plan[i].srcs))))
			goto nomem;

	i = 0;
	TAILQ_FOREACH(p, &f->parts, entry) {
		plan[i].part = p;
		for (j = 0; p->mode == MCF_INCLUDE && j < p->nsrc; j++) {
			at = list_find(b, nb, &p->srcs[j]);
			if (at < 0 || state[at] != ST_FREE)
				continue;
			if (plan[i].n < lim) {
				plan[i].srcs[plan[i].n++] = b[at];
				state[at] = ST_PLACED;
			} else
				state[at] = ST_DISPLACED;
		}
		i++;
	}
	for (j = 0, k = 0; j < nb; j++) {
		if (state[j] != ST_FREE)
			continue;
		while (k < np && plan[k].n >= lim)
			k++;
		if (k == np)
			break;
		plan[k].srcs[plan[k].n++] = b[j];
		state[j] = ST_PLACED;
	}
	for (j = 0, k = np; j < nb; j++) {
		if (state[j] == ST_PLACED)
			continue;
		if (plan[k].n >= lim)
			k++;
		plan[k].srcs[plan[k].n++] = b[j];
	}
	for (i = 0; i < nplan; i++)
		qsort(plan[i].srcs, plan[i].n, sizeof(*plan[i].srcs),
		    addr_cmp);

	/* Join new parts, then change existing ones, then leave emptied. */
	for (i = np; i < nplan; i++) {
		if (plan[i].n == 0)
			continue;
		rc = part_new(f, MCF_INCLUDE, plan[i].srcs, plan[i].n, NULL,
		    err, errlen);
		if (rc)
			goto out;
	}
	for (i = 0; i < np; i++) {
		if (plan[i].n == 0)
			continue;
		rc = part_update(f, plan[i].part, MCF_INCLUDE, plan[i].srcs,
		    plan[i].n, NULL, err, errlen);
		if (rc)
			goto out;
	}
	for (i = 0; i < np; i++) {
		if (plan[i].n)
			continue;
		part_free(f, plan[i].part);
	}
	f->approx = false;
	rc = 0;
	goto out;
nomem:
	snprintf(err, errlen, "out of memory");
	rc = -1;
out:
	for (i = 0; plan && i < nplan; i++)
		free(plan[i].srcs);
	free(plan);
	free(state);
	return rc;
}

/*
 * EXCLUDE(y), y sorted.  One part holds EXCLUDE(y'): y itself, or when
 * y is longer than the limit, the sources of y the part already
 * excludes followed by the lowest others (a stable subset, so that
 * unrelated changes do not make sources come and go).  The part is the
 * existing EXCLUDE part, else the first INCLUDE part changed in place,
 * else a new ASM join; the other parts are left afterwards.
 */
static int
mcf_apply_exclude(struct mcfilter *f, const struct inet_addr *y, size_t ny,
    char *err, size_t errlen)
{
	size_t lim = *limitp(f->grp.family), n, i;
	struct mcf_part *p, *p0 = NULL, *next;
	struct inet_addr *sub = NULL;
	char name[IF_NAMESIZE + INET6_ADDRSTRLEN + 16];
	char *taken = NULL;
	ssize_t at;
	int rc;

	TAILQ_FOREACH(p, &f->parts, entry)
		if (p->mode == MCF_EXCLUDE) {
			p0 = p;
			break;
		}
	if (!p0)
		p0 = TAILQ_FIRST(&f->parts);

	n = ny < lim ? ny : lim;
	if (n < ny) {
		if (!(sub = calloc(n, sizeof(*sub))) ||
		    !(taken = calloc(ny, 1))) {
			free(sub);
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		i = 0;
		if (p0 && p0->mode == MCF_EXCLUDE) {
			size_t j;

			for (j = 0; j < p0->nsrc && i < n; j++) {
				at = list_find(y, ny, &p0->srcs[j]);
				if (at >= 0) {
					taken[at] = 1;
					sub[i++] = y[at];
				}
			}
		}
		for (at = 0; (size_t)at < ny && i < n; at++)
			if (!taken[at])
				sub[i++] = y[at];
		free(taken);
		qsort(sub, n, sizeof(*sub), addr_cmp);
		if (!f->warned)
			log_warnx("%s: EXCLUDE list of %zu sources is longer "
			    "than the kernel's limit of %zu per filter; only "
			    "%zu are excluded upstream, the others arrive too",
			    mcf_name(f, name, sizeof(name)), ny, lim, n);
		f->warned = true;
		y = sub;
	} else
		f->warned = false;

	if (p0)
		rc = part_update(f, p0, MCF_EXCLUDE, y, n, &p0, err, errlen);
	else
		rc = part_new(f, MCF_EXCLUDE, y, n, &p0, err, errlen);
	free(sub);
	if (rc)
		return rc;
	TAILQ_FOREACH_SAFE(p, &f->parts, entry, next) {
		if (p == p0)
			continue;
		part_free(f, p);
	}
	f->approx = n < ny;
	return 0;
}

/* ------------------------------------------------------------- API */

static struct mcfilter *
mcf_find(int ifindex, const struct inet_addr *grp)
{
	struct mcfilter key;

	memset(&key, 0, sizeof(key));
	key.ifindex = ifindex;
	key.grp = *grp;
	return RB_FIND(mcf_tree, &mcf.tree, &key);
}

const struct mcfilter *
mcfilter_find(int ifindex, const struct inet_addr *grp)
{
	return mcf_find(ifindex, grp);
}

static void
mcf_free(struct mcfilter *f)
{
	RB_REMOVE(mcf_tree, &mcf.tree, f);
	free(f->srcs);
	free(f);
}

/* Check the arguments; a sorted copy of the sources without duplicates
 * in *out (NULL when there are none). */
static int
mcf_args(int ifindex, const struct inet_addr *grp, int mode,
    const struct inet_addr *srcs, size_t nsrc, struct inet_addr **out,
    size_t *nout, char *err, size_t errlen)
{
	struct inet_addr *list;
	char buf[INET6_ADDRSTRLEN];
	size_t i, n;

	*out = NULL;
	*nout = 0;
	if (ifindex <= 0) {
		snprintf(err, errlen, "invalid interface index %d", ifindex);
		return -1;
	}
	if ((grp->family != AF_INET && grp->family != AF_INET6) ||
	    !inet_is_multicast(grp)) {
		snprintf(err, errlen, "%s is not a multicast group",
		    inet_str(grp, buf, sizeof(buf)));
		return -1;
	}
	if (mode != MCF_INCLUDE && mode != MCF_EXCLUDE) {
		snprintf(err, errlen, "invalid filter mode %d", mode);
		return -1;
	}
	for (i = 0; i < nsrc; i++) {
		if (srcs[i].family != grp->family) {
			snprintf(err, errlen, "source %s is not of the "
			    "group's family", inet_str(&srcs[i], buf,
			    sizeof(buf)));
			return -1;
		}
		if (inet_is_any(&srcs[i]) || inet_is_multicast(&srcs[i])) {
			snprintf(err, errlen, "invalid source %s",
			    inet_str(&srcs[i], buf, sizeof(buf)));
			return -1;
		}
	}
	if (nsrc == 0)
		return 0;
	if (!(list = calloc(nsrc, sizeof(*list)))) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	memcpy(list, srcs, nsrc * sizeof(*list));
	qsort(list, nsrc, sizeof(*list), addr_cmp);
	for (i = 1, n = 1; i < nsrc; i++)
		if (inet_cmp(&list[i], &list[n - 1]))
			list[n++] = list[i];
	*out = list;
	*nout = n;
	return 0;
}

static uint64_t
mcf_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/*
 * The bounds (see the top): what is installed for INCLUDE(want) when it
 * needs more than MCF_MAX_PARTS parts, or, with pool_full, any socket
 * more.  Returns true when *mode, *want or *nwant changed.
 */
static bool
mcf_bound(const struct inet_addr *grp, int *mode, struct inet_addr **want,
    size_t *nwant, bool pool_full)
{
	size_t max = MCF_MAX_PARTS * *limitp(grp->family);
	char buf[INET6_ADDRSTRLEN];
	long n;

	if (*mode != MCF_INCLUDE || (!pool_full && *nwant <= max))
		return false;
	if (inet_is_ssm(grp)) {
		if (pool_full || *nwant <= max)
			return false;
		if ((n = log_rl(&mcf.rl, mcf_now(), MCF_LOG_PERIOD)) >= 0)
			log_warnx("Upstream %s: %zu sources are more than %zu "
			    "sockets hold; only the first %zu are joined (SSM "
			    "cannot join all; %ld more such in the last "
			    "minute)", inet_str(grp, buf, sizeof(buf)), *nwant,
			    (size_t)MCF_MAX_PARTS, max, n);
		*nwant = max;
		return true;
	}
	if ((n = log_rl(&mcf.rl, mcf_now(), MCF_LOG_PERIOD)) >= 0)
		log_warnx("Upstream %s: %zu sources %s; joining for all "
		    "sources instead (EXCLUDE {}: more traffic, never less; "
		    "%ld more such in the last minute)",
		    inet_str(grp, buf, sizeof(buf)), *nwant, pool_full ?
		    "and the socket pool is full" : "need more sockets than "
		    "a group may take", n);
	free(*want);
	*want = NULL;
	*nwant = 0;
	*mode = MCF_EXCLUDE;
	return true;
}

int
mcfilter_set(int ifindex, const struct inet_addr *grp, int mode,
    const struct inet_addr *srcs, size_t nsrc, char *err, size_t errlen)
{
	char name[IF_NAMESIZE + INET6_ADDRSTRLEN + 16];
	struct inet_addr *want;
	struct mcfilter *f;
	struct mcf_part *p;
	size_t nwant, wanted;
	bool bounded;
	int rc;

	if (mcf_args(ifindex, grp, mode, srcs, nsrc, &want, &nwant, err,
	    errlen))
		return -1;
	f = mcf_find(ifindex, grp);
	wanted = nwant;
	bounded = mcf_bound(grp, &mode, &want, &nwant, false);

	if (mode == MCF_INCLUDE && nwant == 0) {
		if (f) {
			mcf_leave_all(f);
			if (log_getlevel() >= LOG_DEBUG)
				log_debug("%s: left",
				    mcf_name(f, name, sizeof(name)));
			mcf_free(f);
		}
		return 0;
	}
	if (f && !f->partial && f->mode == mode &&
	    list_eq(f->srcs, f->nsrc, want, nwant)) {
		/* The same filter, maybe asked for differently. */
		f->nwanted = wanted;
		f->bounded = bounded;
		free(want);
		return 0;
	}
	if (!f) {
		if (!(f = calloc(1, sizeof(*f)))) {
			free(want);
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		f->ifindex = ifindex;
		f->grp = *grp;
		TAILQ_INIT(&f->parts);
		RB_INSERT(mcf_tree, &mcf.tree, f);
	}

	do {
		if (mode == MCF_INCLUDE)
			rc = mcf_apply_include(f, want, nwant, err, errlen);
		else
			rc = mcf_apply_exclude(f, want, nwant, err, errlen);
		if (rc == -1 && errno == EMFILE && mcf_bound(grp, &mode, &want,
		    &nwant, true)) {
			bounded = true;
			rc = MCF_REPLAN;
		}
	} while (rc == MCF_REPLAN);

	free(f->srcs);
	f->srcs = want;
	f->nsrc = nwant;
	f->mode = mode;
	f->nwanted = wanted;
	f->bounded = bounded;
	f->partial = rc != 0;
	f->nsock = 0;
	TAILQ_FOREACH(p, &f->parts, entry)
		f->nsock++;
	if (log_getlevel() >= LOG_DEBUG)
		log_debug("%s: %s (%zu sources) on %zu socket(s)%s%s%s%s",
		    mcf_name(f, name, sizeof(name)), mcfilter_mode_str(mode),
		    nwant, f->nsock, f->approx ? ", approximated" : "",
		    bounded ? ", bounded" : "", rc ? ", failed: " : "",
		    rc ? err : "");
	if (rc) {
		if (TAILQ_EMPTY(&f->parts))
			mcf_free(f);
		return -1;
	}
	return 0;
}

void
mcfilter_drop_iface(int ifindex)
{
	struct mcfilter *f, *next;

	RB_FOREACH_SAFE(f, mcf_tree, &mcf.tree, next) {
		if (f->ifindex != ifindex)
			continue;
		/* The leave frees the socket's record of the membership. */
		mcf_leave_all(f);
		mcf_free(f);
	}
}

const struct mcfilter *
mcfilter_first(void)
{
	return RB_MIN(mcf_tree, &mcf.tree);
}

const struct mcfilter *
mcfilter_next(const struct mcfilter *f)
{
	return RB_NEXT(mcf_tree, &mcf.tree, (struct mcfilter *)f);
}

void
mcfilter_init(void)
{
	size_t v;

	RB_INIT(&mcf.tree);
	mcf.max_msf4 = (v = limit_read(AF_INET)) ? v : MSF4_DEFAULT;
	mcf.max_msf6 = (v = limit_read(AF_INET6)) ? v : MSF6_DEFAULT;
	log_debug("Source filter limits: %zu (IPv4), %zu (IPv6)",
	    mcf.max_msf4, mcf.max_msf6);
}

void
mcfilter_exit(void)
{
	struct mcfilter *f, *next;

	/* Each socket of the pool closes with its last membership. */
	RB_FOREACH_SAFE(f, mcf_tree, &mcf.tree, next) {
		mcf_leave_all(f);
		mcf_free(f);
	}
}
