/*
 * conf.c - smcroute.conf parser
 *
 * The language is line based.  A line is split into tokens at white
 * space; a token that starts with '#' ends the line.  The first token
 * names a directive, matched exactly (no prefix matching; "ssmgroup" is
 * the one alias).  Each line is all or nothing: it is parsed and checked
 * completely before anything is added to the struct conf, so a line
 * with an error contributes nothing.
 *
 * Where SMCRoute 2.6 silently ignores or misreads input (unknown tokens
 * mid-line, '#' comments swallowed by the OIF list, split over-long
 * lines, a bare include, unbounded prefix expansion) we report an error
 * for that line instead.
 *
 * Reading is bounded whatever the files say: only regular files are
 * read, opening one never blocks, and a load (one struct conf) has
 * budgets of files, include lines, bytes and mgroup pairs (conf.h).
 */
#include "config.h"

#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "log.h"
#include "words.h"

#define CONF_ERRLEN	512

/*
 * One file being read.  The chain from the innermost file up to the
 * top-level one is the include stack, used to report include loops.
 */
struct conf_incl {
	const struct conf_incl	*up;
	dev_t			 dev;
	ino_t			 ino;
};

/* Where the parser is: the line being parsed and its include stack. */
struct conf_ctx {
	struct conf		*c;
	const char		*file;		/* interned in c->files */
	int			 line;
	int			 depth;		/* 0 for the top-level file */
	const struct conf_incl	*stack;		/* NULL outside a file */
};

typedef int conf_directive_fn(struct conf_ctx *, char **, int, char *,
    size_t);

static conf_directive_fn	conf_parse_acl;
static conf_directive_fn	conf_parse_include;
static conf_directive_fn	conf_parse_mgroup;
static conf_directive_fn	conf_parse_mroute;
static conf_directive_fn	conf_parse_phyint;

static const struct {
	const char		*name;
	conf_directive_fn	*parse;
} conf_directives[] = {
	{ "acl",	conf_parse_acl },
	{ "include",	conf_parse_include },
	{ "mgroup",	conf_parse_mgroup },
	{ "mroute",	conf_parse_mroute },
	{ "phyint",	conf_parse_phyint },
	{ "ssmgroup",	conf_parse_mgroup },	/* SMCRoute 2.x alias */
};

/* Keywords of phyint; the index is the bit in the "seen" mask. */
enum { PHY_ENABLE, PHY_DISABLE, PHY_MRDISC, PHY_TTL, PHY_WRONGVIF };
static const char *const conf_phyint_words[] = {
	"enable", "disable", "mrdisc", "ttl-threshold", "wrongvif", NULL
};

/* Keywords of mroute and mgroup; mgroup has no "to". */
enum { RT_FROM, RT_SOURCE, RT_GROUP, RT_TO, RT_EXCEPT };
static const char *const conf_route_words[] = {
	"from", "source", "group", "to", "except", NULL
};

static int	conf_file_read(struct conf *, const char *,
		    const struct conf_incl *, int, char *, size_t);
static void	conf_error(struct conf_ctx *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

static int
conf_word(const char *tok, const char *const *words)
{
	int i;

	for (i = 0; words[i]; i++)
		if (!strcmp(tok, words[i]))
			return i;
	return -1;
}


static void
conf_error(struct conf_ctx *p, const char *fmt, ...)
{
	char msg[CONF_ERRLEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	logit(LOG_ERR, "%s line %d: %s", p->file, p->line, msg);
	p->c->nerrors++;
}

/* Return the stored copy of path, adding it on first use. */
static const char *
conf_intern(struct conf *c, const char *path)
{
	struct conf_file *f;
	size_t len;

	TAILQ_FOREACH(f, &c->files, link)
		if (!strcmp(f->path, path))
			return f->path;
	len = strlen(path) + 1;
	if ((f = malloc(sizeof(*f) + len)) == NULL)
		return NULL;
	memcpy(f->path, path, len);
	TAILQ_INSERT_TAIL(&c->files, f, link);
	return f->path;
}

/* (S,G) lines: the same group and source? */
static bool
conf_sg_same(const struct conf_mroute *a, const struct conf_mroute *b)
{
	return !inet_cmp(&a->grp.addr, &b->grp.addr) &&
	    !inet_cmp(&a->src.addr, &b->src.addr);
}

/* Is mr in the (S,G) index: a host source and group, a named IIF? */
static bool
conf_sg_keyed(const struct conf_mroute *mr)
{
	return inet_pfx_is_host(&mr->src) && inet_pfx_is_host(&mr->grp) &&
	    !word_is_wildcard(mr->iif);
}

static size_t
conf_sg_hash(const struct conf_mroute *mr)
{
	const struct inet_addr *a[2] = { &mr->grp.addr, &mr->src.addr };
	uint32_t h = 2166136261U;	/* FNV-1a */
	int i, j;

	for (j = 0; j < 2; j++) {
		h = (h ^ a[j]->family) * 16777619U;
		for (i = 0; i < inet_maxlen(a[j]->family) / 8; i++)
			h = (h ^ a[j]->u.bytes[i]) * 16777619U;
	}
	return h;
}

/* The slot of mr's (S,G) in c->sgs: its line, or the empty slot for it. */
static struct conf_mroute **
conf_sg_slot(struct conf *c, const struct conf_mroute *mr)
{
	size_t mask = c->sgcap - 1, i;

	for (i = conf_sg_hash(mr) & mask; c->sgs[i]; i = (i + 1) & mask)
		if (conf_sg_same(c->sgs[i], mr))
			break;
	return &c->sgs[i];
}

/*
 * Room in c->sgs for one more (S,G), which is kept at most 3/4 full.
 * When conf_parse_file() has dropped it, it is made again from the
 * lines, the first of each (S,G) as before.  Returns 0, or -1.
 */
static int
conf_sg_room(struct conf *c)
{
	struct conf_mroute **old = c->sgs, **sl, *m;
	size_t oldcap = c->sgcap, n = 0, cap, i;

	if (old && (c->nsgs + 1) * 4 <= c->sgcap * 3)
		return 0;
	if (old)
		n = c->nsgs;
	else
		TAILQ_FOREACH(m, &c->mroutes, link)
			if (conf_sg_keyed(m))
				n++;
	for (cap = 64; (n + 1) * 4 > cap * 3; cap *= 2)
		;
	if ((c->sgs = calloc(cap, sizeof(*c->sgs))) == NULL) {
		c->sgs = old;
		return -1;
	}
	c->sgcap = cap;
	c->nsgs = 0;
	if (old) {
		for (i = 0; i < oldcap; i++)
			if (old[i]) {
				*conf_sg_slot(c, old[i]) = old[i];
				c->nsgs++;
			}
		free(old);
		return 0;
	}
	TAILQ_FOREACH(m, &c->mroutes, link) {
		if (!conf_sg_keyed(m) || *(sl = conf_sg_slot(c, m)))
			continue;
		*sl = m;
		c->nsgs++;
	}
	return 0;
}

/* The except sources after oifs[noifs] (CONF_MROUTE_ALLOC) are aligned. */
_Static_assert(offsetof(struct conf_mroute, oifs) %
    _Alignof(struct inet_pfx) == 0 && IFNAMSIZ %
    _Alignof(struct inet_pfx) == 0, "conf_mroute except alignment");

struct conf *
conf_new(void)
{
	struct conf *c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	TAILQ_INIT(&c->phyints);
	TAILQ_INIT(&c->mroutes);
	TAILQ_INIT(&c->mgroups);
	TAILQ_INIT(&c->acls);
	TAILQ_INIT(&c->files);
	return c;
}

void
conf_free(struct conf *c)
{
	struct conf_phyint *pi;
	struct conf_mroute *mr;
	struct conf_mgroup *mg;
	struct pconf_acl *acl;
	struct conf_file *f;

	if (c == NULL)
		return;
	while ((pi = TAILQ_FIRST(&c->phyints)) != NULL) {
		TAILQ_REMOVE(&c->phyints, pi, link);
		free(pi);
	}
	while ((mr = TAILQ_FIRST(&c->mroutes)) != NULL) {
		TAILQ_REMOVE(&c->mroutes, mr, link);
		free(mr);
	}
	while ((mg = TAILQ_FIRST(&c->mgroups)) != NULL) {
		TAILQ_REMOVE(&c->mgroups, mg, link);
		free(mg);
	}
	while ((acl = TAILQ_FIRST(&c->acls)) != NULL) {
		TAILQ_REMOVE(&c->acls, acl, link);
		free(acl);
	}
	while ((f = TAILQ_FIRST(&c->files)) != NULL) {
		TAILQ_REMOVE(&c->files, f, link);
		free(f);
	}
	free(c->sgs);
	free(c);
}


static int
conf_check_family(const struct inet_pfx *s, const struct inet_pfx *g,
    char *err, size_t errlen)
{
	char sa[INET_PFX_STRLEN], ga[INET_PFX_STRLEN];

	if (s->addr.family == g->addr.family)
		return 0;
	/* Any source (length 0) is shown as the user wrote it, "::". */
	if (s->len == 0)
		inet_str(&s->addr, sa, sizeof(sa));
	else
		inet_pfx_str(s, sa, sizeof(sa));
	snprintf(err, errlen, "source %s and group %s are of different "
	    "address families", sa, inet_pfx_str(g, ga, sizeof(ga)));
	return -1;
}

static int
conf_check_noifs(int noifs, char *err, size_t errlen)
{
	if (noifs < 0 || noifs > CONF_MAXOIFS) {
		snprintf(err, errlen, "too many outbound interfaces (%d, "
		    "max %d)", noifs, CONF_MAXOIFS);
		return -1;
	}
	return 0;
}




int
conf_check_mroute(const struct conf_mroute *mr, char *err, size_t errlen)
{
	char a[INET_PFX_STRLEN], b[INET_PFX_STRLEN];
	int i;

	if (mr->nexcept < 0 || mr->nexcept > CONF_MAXEXCEPT) {
		snprintf(err, errlen, "except: more than %d sources",
		    CONF_MAXEXCEPT);
		return -1;
	}
	if (mr->nexcept && inet_pfx_is_host(&mr->src)) {
		snprintf(err, errlen, "except makes no sense with a single "
		    "source");
		return -1;
	}
	for (i = 0; i < mr->nexcept; i++) {
		const struct inet_pfx *x = &mr->except[i];

		if (x->addr.family != mr->grp.addr.family) {
			snprintf(err, errlen, "except %s: not the family of "
			    "group %s", inet_pfx_str(x, a, sizeof(a)),
			    inet_pfx_str(&mr->grp, b, sizeof(b)));
			return -1;
		}
		if (mr->src.len && !inet_pfx_contains(&mr->src, x)) {
			snprintf(err, errlen, "except %s: outside source %s",
			    inet_pfx_str(x, a, sizeof(a)),
			    inet_pfx_str(&mr->src, b, sizeof(b)));
			return -1;
		}
	}
	if (word_ifname(mr->iif, err, errlen) ||
	    word_check_group(&mr->grp, NULL, err, errlen) ||
	    word_check_source(&mr->src, err, errlen) ||
	    conf_check_family(&mr->src, &mr->grp, err, errlen) ||
	    conf_check_noifs(mr->noifs, err, errlen))
		return -1;
	for (i = 0; i < mr->noifs; i++)
		if (word_ifname(mr->oifs[i], err, errlen))
			return -1;
	return 0;
}

/* log2 of the number of (source, group) pairs; a power of two. */
static int
conf_mgroup_bits(const struct conf_mgroup *mg)
{
	int max = inet_maxlen(mg->grp.addr.family);
	int bits = max - mg->grp.len;

	if (mg->src.len > 0)
		bits += inet_maxlen(mg->src.addr.family) - mg->src.len;
	return bits;
}

uint64_t
conf_mgroup_count(const struct conf_mgroup *mg)
{
	int bits = conf_mgroup_bits(mg);

	if (bits >= 64)
		return UINT64_MAX;
	return (uint64_t)1 << bits;
}

int
conf_mgroup_foreach(const struct conf_mgroup *mg,
    int (*fn)(const struct inet_addr *, const struct inet_addr *, void *),
    void *arg)
{
	int gbits = inet_maxlen(mg->grp.addr.family) - mg->grp.len;
	uint64_t count = conf_mgroup_count(mg), ng, i, j;
	struct inet_addr s, g;
	int rc;

	/* conf_check_mgroup() capped count at CONF_EXPAND_MAX. */
	if (count > CONF_EXPAND_MAX || gbits >= 64)
		return 0;
	ng = (uint64_t)1 << gbits;
	for (i = 0; i < count / ng; i++) {
		s = mg->src.addr;
		if (mg->src.len)
			inet_add(&s, (uint32_t)i);
		for (j = 0; j < ng; j++) {
			g = mg->grp.addr;
			inet_add(&g, (uint32_t)j);
			if ((rc = fn(&s, &g, arg)))
				return rc;
		}
	}
	return 0;
}

int
conf_check_mgroup(const struct conf_mgroup *mg, char *err, size_t errlen)
{
	int bits;

	if (word_ifname(mg->ifname, err, errlen) ||
	    word_check_group(&mg->grp, NULL, err, errlen) ||
	    word_check_source(&mg->src, err, errlen) ||
	    conf_check_family(&mg->src, &mg->grp, err, errlen))
		return -1;
	bits = conf_mgroup_bits(mg);
	if (bits >= 64) {
		snprintf(err, errlen, "mgroup expands to 2^%d joins "
		    "(max %d)", bits, CONF_EXPAND_MAX);
		return -1;
	}
	if (conf_mgroup_count(mg) > CONF_EXPAND_MAX) {
		snprintf(err, errlen, "mgroup expands to %" PRIu64 " joins "
		    "(max %d)", conf_mgroup_count(mg), CONF_EXPAND_MAX);
		return -1;
	}
	return 0;
}

/*
 * Two upstreams may not serve an equal group prefix (pconf.h): which
 * one reports the group and takes its flows would be a coin toss.  Only
 * the earlier lines still in effect count: the last phyint line with
 * proxy keywords for a name gives its role (proxy.c).  Names that are
 * patterns are checked again when interfaces match them (proxy.c).
 */
static int
conf_check_upstream(const struct conf *c, const char *ifname,
    const struct pconf_if *pc, char *err, size_t errlen)
{
	const struct conf_phyint *o, *later;
	char a[INET_PFX_STRLEN];
	struct inet_pfx same;

	if (!(pc->flags & PCONF_UPSTREAM))
		return 0;
	TAILQ_FOREACH(o, &c->phyints, link) {
		if (!(o->proxy.flags & PCONF_UPSTREAM) ||
		    !strcmp(o->ifname, ifname))
			continue;
		for (later = TAILQ_NEXT(o, link); later;
		    later = TAILQ_NEXT(later, link))
			if (later->proxy.flags &&
			    !strcmp(later->ifname, o->ifname))
				break;
		if (later || !pconf_upgrp_clash(pc, &o->proxy, &same))
			continue;
		if (same.addr.family == AF_UNSPEC)
			snprintf(err, errlen, "phyint: %s and %s (%s line %d) "
			    "are both upstream for every group: give them "
			    "group prefixes", ifname, o->ifname,
			    o->where.file, o->where.line);
		else
			snprintf(err, errlen, "phyint: %s and %s (%s line %d) "
			    "are both upstream for group %s", ifname,
			    o->ifname, o->where.file, o->where.line,
			    inet_pfx_str(&same, a, sizeof(a)));
		return -1;
	}
	return 0;
}

/*
 * Directives.  Each gets the tokens of one line, av[0] being the
 * directive's name, and either adds one item to the conf and returns 0,
 * or leaves the conf alone and returns -1 with a reason in err.
 */

static int
conf_parse_phyint(struct conf_ctx *p, char **av, int ac, char *err,
    size_t errlen)
{
	struct conf_phyint *pi;
	struct pconf_if proxy;
	unsigned int seen = 0;
	int i, w, ttl = CONF_TTL_DEFAULT, wrongvif_keep = 0;

	if (ac < 2 || conf_word(av[1], conf_phyint_words) >= 0) {
		snprintf(err, errlen, "phyint missing interface name");
		return -1;
	}
	if (word_ifname(av[1], err, errlen))
		return -1;
	memset(&proxy, 0, sizeof(proxy));
	for (i = 2; i < ac; i++) {
		if ((w = conf_word(av[i], conf_phyint_words)) < 0) {
			int rc = pconf_phyint_word(&proxy, av, ac, &i, err,
			    errlen);

			if (rc < 0)
				return -1;
			if (rc > 0)
				continue;
			snprintf(err, errlen, "phyint: unexpected token %s",
			    av[i]);
			return -1;
		}
		if (seen & (1U << w)) {
			snprintf(err, errlen, "phyint: duplicate %s", av[i]);
			return -1;
		}
		seen |= 1U << w;
		if (w == PHY_WRONGVIF) {
			if (i + 1 >= ac || (strcmp(av[i + 1], "move") &&
			    strcmp(av[i + 1], "keep"))) {
				snprintf(err, errlen, "phyint: wrongvif takes "
				    "move or keep");
				return -1;
			}
			wrongvif_keep = !strcmp(av[++i], "keep");
			continue;
		}
		if (w == PHY_TTL) {
			const char *v;
			char *end;
			long n;

			if (i + 1 >= ac ||
			    conf_word(av[i + 1], conf_phyint_words) >= 0) {
				snprintf(err, errlen, "phyint: missing value "
				    "after ttl-threshold");
				return -1;
			}
			v = av[++i];
			errno = 0;
			n = strtol(v, &end, 10);
			if (!isdigit((unsigned char)*v) || *end || errno ||
			    n < 1 || n > 255) {
				snprintf(err, errlen, "phyint: invalid "
				    "ttl-threshold %s (1-255)", v);
				return -1;
			}
			ttl = (int)n;
		}
	}
	if ((seen & (1U << PHY_ENABLE)) && (seen & (1U << PHY_DISABLE))) {
		snprintf(err, errlen, "phyint: both enable and disable given");
		return -1;
	}
	if (pconf_phyint_check(&proxy, err, errlen) ||
	    conf_check_upstream(p->c, av[1], &proxy, err, errlen))
		return -1;
	if (proxy.flags && (seen & (1U << PHY_DISABLE))) {
		snprintf(err, errlen, "phyint: a disabled interface cannot "
		    "take part in the proxy");
		return -1;
	}

	if ((pi = calloc(1, sizeof(*pi))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	strlcpy(pi->ifname, av[1], sizeof(pi->ifname));
	pi->enable = !(seen & (1U << PHY_DISABLE));
	pi->mrdisc = !!(seen & (1U << PHY_MRDISC));
	pi->ttl = ttl;
	pi->proxy = proxy;
	pi->wrongvif_keep = wrongvif_keep;
	pi->where.file = p->file;
	pi->where.line = p->line;
	TAILQ_INSERT_TAIL(&p->c->phyints, pi, link);
	return 0;
}

/* The tokens of an mroute or mgroup line, not yet checked. */
struct conf_route_args {
	const char	*iif;
	const char	*src;		/* NULL: any source */
	const char	*grp;
	const char	*except;	/* NULL: none */
	char		**oifs;		/* everything after "to" */
	int		 noifs;
};

/*
 * Keyword/value pairs in any order; "to" takes the rest of the line.
 * A keyword where a value is expected means the value is missing, so
 * an interface cannot be called "from", "source", "group" or "to".
 */
static int
conf_route_split(const char *cmd, char **av, int ac, int allow_to,
    struct conf_route_args *ra, char *err, size_t errlen)
{
	unsigned int seen = 0;
	int i, j, w;

	memset(ra, 0, sizeof(*ra));
	for (i = 1; i < ac; i++) {
		w = conf_word(av[i], conf_route_words);
		if (w < 0 || ((w == RT_TO || w == RT_EXCEPT) && !allow_to)) {
			snprintf(err, errlen, "%s: unexpected token %s", cmd,
			    av[i]);
			return -1;
		}
		if (seen & (1U << w)) {
			snprintf(err, errlen, "%s: duplicate %s", cmd, av[i]);
			return -1;
		}
		seen |= 1U << w;
		if (w == RT_TO) {
			ra->oifs = &av[i + 1];
			ra->noifs = ac - i - 1;
			if (ra->noifs == 0) {
				snprintf(err, errlen, "%s: missing interface "
				    "after to", cmd);
				return -1;
			}
			for (j = 0; j < ra->noifs; j++) {
				if (conf_word(ra->oifs[j],
				    conf_route_words) < 0)
					continue;
				snprintf(err, errlen, "%s: %s after to: the "
				    "interface list must end the line", cmd,
				    ra->oifs[j]);
				return -1;
			}
			break;
		}
		if (i + 1 >= ac ||
		    conf_word(av[i + 1], conf_route_words) >= 0) {
			snprintf(err, errlen, "%s: missing value after %s",
			    cmd, av[i]);
			return -1;
		}
		i++;
		if (w == RT_FROM)
			ra->iif = av[i];
		else if (w == RT_SOURCE)
			ra->src = av[i];
		else if (w == RT_EXCEPT)
			ra->except = av[i];
		else
			ra->grp = av[i];
	}
	if (ra->iif == NULL) {
		snprintf(err, errlen, "%s missing from IFNAME", cmd);
		return -1;
	}
	if (ra->grp == NULL) {
		snprintf(err, errlen, "%s missing group ADDR", cmd);
		return -1;
	}
	return 0;
}

/* Interface, group and source of an mroute or mgroup, checked. */
static int
conf_route_addrs(const struct conf_route_args *ra, char *iif,
    struct inet_pfx *src, struct inet_pfx *grp, char *err, size_t errlen)
{
	if (word_ifname(ra->iif, err, errlen) ||
	    word_group(ra->grp, grp, err, errlen))
		return -1;
	if (ra->src) {
		if (word_source(ra->src, src, err, errlen) ||
		    conf_check_family(src, grp, err, errlen))
			return -1;
	} else {
		memset(src, 0, sizeof(*src));
		inet_any(&src->addr, grp->addr.family);
	}
	strlcpy(iif, ra->iif, IFNAMSIZ);
	return 0;
}

/*
 * mroute from IIF [source S[/LEN]] group G[/LEN] [to OIF ...]
 *
 * Without "to" the route has no OIFs: a stop filter.
 */
/*
 * A second (S,G) line from another named inbound interface: the kernel
 * looks an arriving packet up by source and group alone (ip_mr_input,
 * ip6_mr_input) and forwards it only if it came in on the one inbound
 * interface of that entry, so one table cannot route the same (S,G)
 * from two interfaces.  Where both must flow (redundant networks), each
 * inbound interface is steered to a table of its own (ip mrule iif IF
 * lookup N) served by a daemon of its own (smcrouted -t N).
 */
static int
conf_check_sg(struct conf *c, const struct conf_mroute *mr, char *err,
    size_t errlen)
{
	char s[INET6_ADDRSTRLEN], g[INET6_ADDRSTRLEN];
	struct conf_mroute *old;

	if (!conf_sg_keyed(mr))
		return 0;
	if (conf_sg_room(c)) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	old = *conf_sg_slot(c, mr);
	if (old == NULL || !strcmp(old->iif, mr->iif))
		return 0;
	snprintf(err, errlen, "mroute: (%s, %s) is routed from %s already "
	    "(%s line %d): the kernel forwards an (S,G) from one inbound "
	    "interface per table; route %s in a table of its own "
	    "(smcrouted -t)", inet_str(&mr->src.addr, s, sizeof(s)),
	    inet_str(&mr->grp.addr, g, sizeof(g)), old->iif,
	    old->where.file, old->where.line, mr->iif);
	return -1;
}

static int
conf_parse_mroute(struct conf_ctx *p, char **av, int ac, char *err,
    size_t errlen)
{
	struct conf_route_args ra;
	struct conf_mroute mr, *m, **sl;
	struct inet_pfx except[CONF_MAXEXCEPT];
	int i;

	if (conf_route_split("mroute", av, ac, 1, &ra, err, errlen))
		return -1;
	memset(&mr, 0, sizeof(mr));
	mr.except = except;
	if (conf_route_addrs(&ra, mr.iif, &mr.src, &mr.grp, err, errlen))
		return -1;
	/* Bound the copy into mr.oifs before it happens. */
	if (conf_check_noifs(ra.noifs, err, errlen))
		return -1;
	for (i = 0; i < ra.noifs; i++) {
		if (word_ifname(ra.oifs[i], err, errlen))
			return -1;
		strlcpy(mr.oifs[i], ra.oifs[i], sizeof(mr.oifs[i]));
	}
	mr.noifs = ra.noifs;
	if (ra.except && word_except(ra.except, mr.except, CONF_MAXEXCEPT,
	    &mr.nexcept,
	    err, errlen))
		return -1;
	if (conf_check_mroute(&mr, err, errlen))
		return -1;
	if (conf_check_sg(p->c, &mr, err, errlen))
		return -1;

	if ((m = malloc(CONF_MROUTE_ALLOC(mr.noifs, mr.nexcept))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	memcpy(m, &mr, CONF_MROUTE_SIZE(mr.noifs));
	if (mr.nexcept) {
		m->except = (struct inet_pfx *)((char *)m +
		    CONF_MROUTE_SIZE(mr.noifs));
		memcpy(m->except, except, sizeof(*except) *
		    (size_t)mr.nexcept);
	} else {
		m->except = NULL;
	}
	m->where.file = p->file;
	m->where.line = p->line;
	TAILQ_INSERT_TAIL(&p->c->mroutes, m, link);
	/* conf_check_sg() made room; the first line of an (S,G) stays. */
	if (conf_sg_keyed(m) && *(sl = conf_sg_slot(p->c, m)) == NULL) {
		*sl = m;
		p->c->nsgs++;
	}
	return 0;
}

/* mgroup from IF [source S[/LEN]] group G[/LEN] */
static int
conf_parse_mgroup(struct conf_ctx *p, char **av, int ac, char *err,
    size_t errlen)
{
	struct conf_route_args ra;
	struct conf_mgroup mg, *m;
	uint64_t n;

	if (conf_route_split(av[0], av, ac, 0, &ra, err, errlen))
		return -1;
	memset(&mg, 0, sizeof(mg));
	if (conf_route_addrs(&ra, mg.ifname, &mg.src, &mg.grp, err, errlen) ||
	    conf_check_mgroup(&mg, err, errlen))
		return -1;
	/* n <= CONF_EXPAND_MAX now, and npairs <= CONF_EXPAND_TOTAL. */
	n = conf_mgroup_count(&mg);
	if (n > CONF_EXPAND_TOTAL - p->c->npairs) {
		snprintf(err, errlen, "mgroup expands to %" PRIu64 " join%s: "
		    "%" PRIu64 " with the earlier lines, more than %d in one "
		    "load", n, n == 1 ? "" : "s", p->c->npairs + n,
		    CONF_EXPAND_TOTAL);
		return -1;
	}

	if ((m = malloc(sizeof(*m))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	*m = mg;
	m->where.file = p->file;
	m->where.line = p->line;
	TAILQ_INSERT_TAIL(&p->c->mgroups, m, link);
	p->c->npairs += n;
	return 0;
}

static int
conf_parse_acl(struct conf_ctx *p, char **av, int ac, char *err,
    size_t errlen)
{
	struct pconf_acl acl, *n;

	if (pconf_acl_parse(av, ac, &acl, err, errlen))
		return -1;
	if ((n = malloc(sizeof(*n))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	*n = acl;
	n->file = p->file;
	n->line = p->line;
	TAILQ_INSERT_TAIL(&p->c->acls, n, link);
	return 0;
}

static int
conf_strcmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * include PATTERN
 *
 * A relative pattern is taken from the including file's directory.
 * Matches are read in strcmp() order, whatever the locale; no match is
 * not an error.  Problems with single matches are logged here, one
 * error each, and the other matches are still read, until the load
 * has opened CONF_FILES_MAX files: then one error, and the rest of the
 * matches are not read.
 */
static int
conf_parse_include(struct conf_ctx *p, char **av, int ac, char *err,
    size_t errlen)
{
	char pattern[PATH_MAX], ferr[CONF_ERRLEN];
	const char *slash, *s = NULL;
	glob_t g;
	size_t i, len;
	int n, rc;

	if (ac < 2) {
		snprintf(err, errlen, "include missing file name or pattern");
		return -1;
	}
	if (ac > 2) {
		snprintf(err, errlen, "include: unexpected token %s", av[2]);
		return -1;
	}
	if (p->depth >= CONF_INCLUDE_DEPTH) {
		snprintf(err, errlen, "include %s: nested deeper than %d "
		    "levels", av[1], CONF_INCLUDE_DEPTH);
		return -1;
	}
	if (p->c->nincludes >= CONF_INCLUDES_MAX) {
		snprintf(err, errlen, "include %s: more than %d include lines "
		    "in one load", av[1], CONF_INCLUDES_MAX);
		return -1;
	}
	p->c->nincludes++;

	/* The directory is literal: escape what glob(3) would expand. */
	slash = strrchr(p->file, '/');
	len = 0;
	if (av[1][0] != '/' && slash != NULL) {
		for (s = p->file; s <= slash; s++) {
			if (len + 2 >= sizeof(pattern))
				break;
			if (strchr("*?[\\", *s))
				pattern[len++] = '\\';
			pattern[len++] = *s;
		}
	}
	n = snprintf(pattern + len, sizeof(pattern) - len, "%s", av[1]);
	if ((s != NULL && s <= slash) || n < 0 ||
	    (size_t)n >= sizeof(pattern) - len) {
		snprintf(err, errlen, "include %s: path too long", av[1]);
		return -1;
	}

	memset(&g, 0, sizeof(g));
	rc = glob(pattern, GLOB_NOSORT | GLOB_MARK, NULL, &g);
	if (rc == GLOB_NOMATCH) {
		log_info("%s line %d: include %s: no match", p->file,
		    p->line, pattern);
		globfree(&g);
		return 0;
	}
	if (rc != 0) {
		snprintf(err, errlen, "include %s: %s", pattern,
		    rc == GLOB_NOSPACE ? "out of memory" : "read error");
		globfree(&g);
		return -1;
	}

	qsort(g.gl_pathv, g.gl_pathc, sizeof(g.gl_pathv[0]), conf_strcmp);
	for (i = 0; i < g.gl_pathc; i++) {
		const char *path = g.gl_pathv[i];

		/* GLOB_MARK: a directory ends in '/'. */
		len = strlen(path);
		if (len > 0 && path[len - 1] == '/') {
			log_info("%s line %d: include: skipping directory %s",
			    p->file, p->line, path);
			continue;
		}
		if (p->c->nfiles >= CONF_FILES_MAX) {
			conf_error(p, "include %s: more than %d files in one "
			    "load: %s%s not read", av[1], CONF_FILES_MAX, path,
			    i + 1 < g.gl_pathc ? " and the matches after it" :
			    "");
			break;
		}
		if (conf_file_read(p->c, path, p->stack, p->depth + 1, ferr,
		    sizeof(ferr)))
			conf_error(p, "include: %s", ferr);
	}
	globfree(&g);
	return 0;
}

/*
 * Parse one line of text, without its newline.  Errors are logged and
 * counted here; returns 0 or -1.
 */
static int
conf_line(struct conf_ctx *p, const char *text)
{
	char buf[CONF_LINE_MAX], err[CONF_ERRLEN];
	char *av[CONF_LINE_MAX / 2 + 1], *s;
	size_t i;
	int ac = 0;

	if (strlen(text) >= sizeof(buf)) {
		conf_error(p, "line too long (max %d characters)",
		    CONF_LINE_MAX - 1);
		return -1;
	}
	strlcpy(buf, text, sizeof(buf));

	/* At most CONF_LINE_MAX / 2 tokens fit: each needs a separator. */
	for (s = buf; *s; ) {
		while (word_isspace((unsigned char)*s))
			*s++ = '\0';
		if (*s == '\0' || *s == '#')
			break;
		av[ac++] = s;
		while (*s && !word_isspace((unsigned char)*s))
			s++;
	}
	av[ac] = NULL;
	if (ac == 0)
		return 0;

	for (i = 0; i < sizeof(conf_directives) / sizeof(conf_directives[0]);
	    i++) {
		if (strcmp(av[0], conf_directives[i].name))
			continue;
		if (conf_directives[i].parse(p, av, ac, err, sizeof(err))) {
			conf_error(p, "%s", err);
			return -1;
		}
		return 0;
	}
	conf_error(p, "unknown command %s", av[0]);
	return -1;
}

enum {
	CONF_RL_EOF, CONF_RL_LINE, CONF_RL_LONG, CONF_RL_NUL, CONF_RL_ERR,
	CONF_RL_BIG
};

/*
 * Read one physical line into buf, without the newline.  An over-long
 * line is consumed to its end, so that its tail is not taken for the
 * next line.  Every byte taken counts in *used; a byte that would take
 * it over CONF_BYTES_MAX stops the read (CONF_RL_BIG), so a file that
 * grows while read is still read to a bound.
 */
static int
conf_read_line(FILE *fp, char *buf, size_t size, size_t *used)
{
	size_t n = 0, total = 0;
	int ch, rc = CONF_RL_LINE;

	while ((ch = getc(fp)) != EOF) {
		if (*used >= CONF_BYTES_MAX) {
			buf[n] = '\0';
			return CONF_RL_BIG;
		}
		(*used)++;
		if (ch == '\n')
			break;
		total++;
		if (ch == '\0') {
			if (rc == CONF_RL_LINE)
				rc = CONF_RL_NUL;
		} else if (n + 1 < size) {
			buf[n++] = (char)ch;
		} else if (rc == CONF_RL_LINE) {
			rc = CONF_RL_LONG;
		}
	}
	buf[n] = '\0';
	if (ch == EOF) {
		if (ferror(fp))
			return CONF_RL_ERR;
		if (total == 0)
			return CONF_RL_EOF;
	}
	return rc;
}

/* What a file that is not a regular one is, for messages. */
static const char *
conf_ftype(mode_t mode)
{
	if (S_ISDIR(mode))
		return "a directory";
	if (S_ISFIFO(mode))
		return "a FIFO";
	if (S_ISCHR(mode))
		return "a character device";
	if (S_ISBLK(mode))
		return "a block device";
	if (S_ISSOCK(mode))
		return "a socket";
	return "of an unknown type";
}

/*
 * Open path for reading if it is a regular file; returns the descriptor
 * and its stat in st, or -1 with errno set and a reason in err.
 *
 * What decides is fstat(2) of the open descriptor, so a file swapped
 * between a check and the open cannot get through.  The stat(2) before
 * only keeps devices from being opened at all, since opening some has
 * side effects.  O_NONBLOCK makes the open of a FIFO return at once
 * instead of waiting for a writer, and it stays set: a file that claims
 * to be regular but would block on read (in /proc, say) gives a read
 * error, not a hang.
 */
static int
conf_open(const char *path, struct stat *st, char *err, size_t errlen)
{
	int fd, saved;

	if (stat(path, st))
		goto fail;
	if (!S_ISREG(st->st_mode))
		goto special;
	fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		goto fail;
	if (fstat(fd, st)) {
		saved = errno;
		close(fd);
		errno = saved;
		goto fail;
	}
	if (!S_ISREG(st->st_mode)) {
		close(fd);
		goto special;
	}
	return fd;

fail:
	saved = errno;
	snprintf(err, errlen, "cannot read %s: %s", path, strerror(saved));
	errno = saved;
	return -1;
special:
	snprintf(err, errlen, "cannot read %s: it is %s, not a regular file",
	    path, conf_ftype(st->st_mode));
	errno = S_ISDIR(st->st_mode) ? EISDIR : EINVAL;
	return -1;
}

/*
 * Open and parse path at the given include depth.  Returns -1 with
 * errno set and a reason in err if the file cannot be opened, is not a
 * regular file, would take the load over CONF_BYTES_MAX or is already
 * being read; otherwise 0, its errors logged and counted.  Every call
 * counts against CONF_FILES_MAX, which the caller checks.
 */
static int
conf_file_read(struct conf *c, const char *path, const struct conf_incl *up,
    int depth, char *err, size_t errlen)
{
	char buf[CONF_LINE_MAX];
	const struct conf_incl *i;
	struct conf_incl self;
	struct conf_ctx p;
	struct stat st;
	FILE *fp;
	int fd, rc, saved;

	c->nfiles++;
	if ((fd = conf_open(path, &st, err, errlen)) < 0)
		return -1;
	for (i = up; i; i = i->up) {
		if (i->dev == st.st_dev && i->ino == st.st_ino) {
			snprintf(err, errlen, "%s is already being read "
			    "(include loop)", path);
			close(fd);
			errno = ELOOP;
			return -1;
		}
	}
	/* c->nbytes <= CONF_BYTES_MAX: no underflow. */
	if (st.st_size > (off_t)(CONF_BYTES_MAX - c->nbytes)) {
		snprintf(err, errlen, "cannot read %s: its %jd bytes would "
		    "take the load over %d bytes", path,
		    (intmax_t)st.st_size, CONF_BYTES_MAX);
		close(fd);
		errno = EFBIG;
		return -1;
	}
	if ((fp = fdopen(fd, "r")) == NULL) {
		saved = errno;
		snprintf(err, errlen, "cannot read %s: %s", path,
		    strerror(saved));
		close(fd);
		errno = saved;
		return -1;
	}

	memset(&p, 0, sizeof(p));
	p.c = c;
	if ((p.file = conf_intern(c, path)) == NULL) {
		snprintf(err, errlen, "cannot read %s: %s", path,
		    strerror(ENOMEM));
		fclose(fp);
		errno = ENOMEM;
		return -1;
	}
	self.up = up;
	self.dev = st.st_dev;
	self.ino = st.st_ino;
	p.stack = &self;
	p.depth = depth;

	for (;;) {
		rc = conf_read_line(fp, buf, sizeof(buf), &c->nbytes);
		if (rc == CONF_RL_EOF)
			break;
		p.line++;
		if (rc == CONF_RL_ERR) {
			conf_error(&p, "read error: %s", strerror(errno));
			break;
		}
		if (rc == CONF_RL_BIG) {
			conf_error(&p, "more than %d bytes in one load, the "
			    "rest not read", CONF_BYTES_MAX);
			break;
		}
		if (rc == CONF_RL_LONG)
			conf_error(&p, "line too long (max %d characters)",
			    CONF_LINE_MAX - 1);
		else if (rc == CONF_RL_NUL)
			conf_error(&p, "NUL character in line");
		else
			conf_line(&p, buf);
	}
	fclose(fp);
	return 0;
}

/* Parsing is done: the (S,G) index goes (struct conf). */
static void
conf_sg_drop(struct conf *c)
{
	free(c->sgs);
	c->sgs = NULL;
	c->sgcap = 0;
	c->nsgs = 0;
}

int
conf_parse_file(struct conf *c, const char *path)
{
	char err[CONF_ERRLEN];
	int before = c->nerrors;

	if (conf_file_read(c, path, NULL, 0, err, sizeof(err))) {
		if (errno == ENOENT)
			return -1;	/* nothing read */
		logit(LOG_ERR, "%s", err);
		c->nerrors++;
	}
	conf_sg_drop(c);
	return c->nerrors - before;
}

int
conf_parse_line(struct conf *c, const char *text, const char *file,
    int line)
{
	struct conf_ctx p;
	size_t len = strlen(text);

	memset(&p, 0, sizeof(p));
	p.c = c;
	p.line = line;
	if ((p.file = conf_intern(c, file ? file : "-")) == NULL) {
		logit(LOG_ERR, "%s line %d: out of memory", file ? file : "-",
		    line);
		c->nerrors++;
		return -1;
	}
	/* As if read from the file: without the newline. */
	if (len > 0 && text[len - 1] == '\n') {
		char *copy;
		int rc;

		if ((copy = strndup(text, len - 1)) == NULL) {
			conf_error(&p, "out of memory");
			return -1;
		}
		rc = conf_line(&p, copy);
		free(copy);
		return rc;
	}
	return conf_line(&p, text);
}

/* Append to buf what fmt says, as far as it fits. */
static void
words_add(char *buf, size_t len, const char *fmt, ...)
{
	size_t used = strlen(buf);
	va_list ap;

	if (used + 1 >= len)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + used, len - used, fmt, ap);
	va_end(ap);
}

void
conf_mroute_words(const struct conf_mroute *mr, char *buf, size_t len)
{
	char a[INET_PFX_STRLEN];
	int i;

	if (!len)
		return;
	buf[0] = '\0';
	words_add(buf, len, "from %s", mr->iif);
	if (mr->src.len > 0)
		words_add(buf, len, " source %s",
		    inet_pfx_str(&mr->src, a, sizeof(a)));
	for (i = 0; i < mr->nexcept; i++)
		words_add(buf, len, "%s%s", i ? "," : " except ",
		    inet_pfx_str(&mr->except[i], a, sizeof(a)));
	words_add(buf, len, " group %s", inet_pfx_str(&mr->grp, a, sizeof(a)));
	if (mr->noifs > 0)
		words_add(buf, len, " to");
	for (i = 0; i < mr->noifs; i++)
		words_add(buf, len, " %s", mr->oifs[i]);
}

void
conf_mgroup_words(const struct conf_mgroup *mg, char *buf, size_t len)
{
	char a[INET_PFX_STRLEN];

	if (!len)
		return;
	buf[0] = '\0';
	words_add(buf, len, "from %s", mg->ifname);
	if (mg->src.len > 0)
		words_add(buf, len, " source %s",
		    inet_pfx_str(&mg->src, a, sizeof(a)));
	words_add(buf, len, " group %s", inet_pfx_str(&mg->grp, a, sizeof(a)));
}

/*
 * Canonical form: every phyint, then every mroute, then every acl, then
 * every mgroup, each in the order read (includes expanded in place).
 * Parsing the output again gives the same output.
 */
void
conf_dump(const struct conf *c, FILE *fp)
{
	const struct conf_phyint *pi;
	const struct conf_mroute *mr;
	const struct conf_mgroup *mg;
	const struct pconf_acl *acl;
	char line[2 * CONF_LINE_MAX];

	TAILQ_FOREACH(pi, &c->phyints, link) {
		fprintf(fp, "phyint %s %s%s ttl-threshold %d%s", pi->ifname,
		    pi->enable ? "enable" : "disable",
		    pi->mrdisc ? " mrdisc" : "", pi->ttl,
		    pi->wrongvif_keep ? " wrongvif keep" : "");
		pconf_phyint_dump(&pi->proxy, fp);
		fprintf(fp, "\n");
	}
	TAILQ_FOREACH(mr, &c->mroutes, link) {
		conf_mroute_words(mr, line, sizeof(line));
		fprintf(fp, "mroute %s\n", line);
	}
	TAILQ_FOREACH(acl, &c->acls, link)
		pconf_acl_dump(acl, fp);
	TAILQ_FOREACH(mg, &c->mgroups, link) {
		conf_mgroup_words(mg, line, sizeof(line));
		fprintf(fp, "mgroup %s\n", line);
	}
}
