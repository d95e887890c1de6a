/*
 * pconf.c - the proxy's part of smcroute.conf
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pconf.h"
#include "words.h"

/* What a knob's value is read as. */
enum pconf_unit {
	PU_NONE,	/* a flag, no value */
	PU_SEC,		/* whole seconds */
	PU_TENTHS,	/* seconds with at most one decimal (RFC unit 1/10 s) */
	PU_COUNT,	/* a small positive integer */
	PU_LIMIT,	/* a positive integer */
	PU_VERSION,	/* 1, 2 or 3 */
};

static const struct pconf_word {
	const char	*name;
	enum pconf_unit	 unit;
	unsigned int	 flag;		/* PU_NONE */
	size_t		 off;		/* where the value goes */
	uint32_t	 min, max;	/* in the unit's integer form */
} pconf_words[] = {
	{ "upstream", PU_NONE, PCONF_UPSTREAM, 0, 0, 0 },
	{ "igmp", PU_NONE, PCONF_IGMP, 0, 0, 0 },
	{ "mld", PU_NONE, PCONF_MLD, 0, 0, 0 },
	{ "fast-leave", PU_NONE, PCONF_FASTLEAVE, 0, 0, 0 },
	{ "downstream", PU_NONE, PCONF_DOWNSTREAM, 0, 0, 0 },
	{ "version", PU_VERSION, 0, offsetof(struct pconf_if, version), 1, 3 },
	{ "mld-version", PU_VERSION, 0, offsetof(struct pconf_if, mld_version),
	    1, 2 },
	/* RFC 3376 §8.2: QQIC tops out at 31744 s. */
	{ "query-interval", PU_SEC, 0, offsetof(struct pconf_if, qi_ms), 1,
	    31744 },
	/* §8.3: Max Resp Code tops out at 3174.4 s (31744 tenths). */
	{ "query-response-interval", PU_TENTHS, 0,
	    offsetof(struct pconf_if, qri_ms), 1, 31744 },
	{ "robustness", PU_COUNT, 0, offsetof(struct pconf_if, robustness), 1,
	    7 },
	{ "last-member-query-interval", PU_TENTHS, 0,
	    offsetof(struct pconf_if, lmqi_ms), 1, 31744 },
	{ "last-member-query-count", PU_COUNT, 0,
	    offsetof(struct pconf_if, lmqc), 1, 7 },
	{ "startup-query-interval", PU_SEC, 0,
	    offsetof(struct pconf_if, sqi_ms), 1, 31744 },
	{ "startup-query-count", PU_COUNT, 0, offsetof(struct pconf_if, sqc),
	    1, 7 },
	{ "max-groups", PU_LIMIT, 0, offsetof(struct pconf_if, max_groups), 1,
	    1000000 },
	{ "max-groups-per-host", PU_LIMIT, 0,
	    offsetof(struct pconf_if, max_per_host), 1, 1000000 },
	{ "max-sources", PU_LIMIT, 0, offsetof(struct pconf_if, max_sources),
	    1, 1000000 },
	{ "max-hosts", PU_LIMIT, 0, offsetof(struct pconf_if, max_hosts), 1,
	    1000000 },
};

static const struct pconf_word *
pconf_word(const char *s)
{
	size_t i;

	for (i = 0; i < sizeof(pconf_words) / sizeof(pconf_words[0]); i++)
		if (!strcmp(s, pconf_words[i].name))
			return &pconf_words[i];
	return NULL;
}

/*
 * Read v as unit: whole numbers, or for PU_TENTHS one optional decimal.
 * The result is in tenths for PU_TENTHS, else as written.
 */
static int
pconf_number(const char *v, enum pconf_unit unit, uint32_t *out)
{
	uint64_t n = 0;
	const char *s = v;
	int digits = 0;

	while (isdigit((unsigned char)*s) && digits < 10) {
		n = n * 10 + (uint64_t)(*s++ - '0');
		digits++;
	}
	if (!digits)
		return -1;
	if (unit == PU_TENTHS) {
		n *= 10;
		if (*s == '.') {
			s++;
			if (!isdigit((unsigned char)*s))
				return -1;
			n += (uint64_t)(*s++ - '0');
		}
	}
	if (*s || n > UINT32_MAX)
		return -1;
	*out = (uint32_t)n;
	return 0;
}

/* source S[/LEN]: one more prefix of the upstream's allow-list. */
static int
pconf_upsrc_word(struct pconf_if *pc, char **av, int ac, int *i, char *err,
    size_t errlen)
{
	char a[INET_PFX_STRLEN];
	struct inet_pfx pfx;
	unsigned int k;

	if (*i + 1 >= ac) {
		snprintf(err, errlen, "phyint: missing value after source");
		return -1;
	}
	if (word_source(av[++*i], &pfx, err, errlen))
		return -1;
	for (k = 0; k < pc->nupsrc; k++) {
		if (!inet_pfx_cmp(&pc->upsrc[k], &pfx)) {
			snprintf(err, errlen, "phyint: duplicate source %s",
			    inet_pfx_str(&pfx, a, sizeof(a)));
			return -1;
		}
	}
	if (pc->nupsrc + pc->nupgrp >= PCONF_UPSRC_MAX) {
		snprintf(err, errlen, "phyint: more than %d source%s prefixes",
		    PCONF_UPSRC_MAX, pc->nupgrp ? " and group" : "");
		return -1;
	}
	pc->upsrc[pc->nupsrc++] = pfx;
	return 1;
}

/* group G/LEN: one more range the upstream serves. */
static int
pconf_upgrp_word(struct pconf_if *pc, char **av, int ac, int *i, char *err,
    size_t errlen)
{
	char a[INET_PFX_STRLEN];
	struct inet_pfx pfx;
	unsigned int k;

	if (*i + 1 >= ac) {
		snprintf(err, errlen, "phyint: missing value after group");
		return -1;
	}
	if (word_group(av[++*i], &pfx, err, errlen))
		return -1;
	for (k = 0; k < pc->nupgrp; k++) {
		if (!inet_pfx_cmp(&pc->upgrp[k], &pfx)) {
			snprintf(err, errlen, "phyint: duplicate group %s",
			    inet_pfx_str(&pfx, a, sizeof(a)));
			return -1;
		}
	}
	/* One line for both lists: the dump must fit CONF_LINE_MAX. */
	if (pc->nupsrc + pc->nupgrp >= PCONF_UPGRP_MAX) {
		snprintf(err, errlen, "phyint: more than %d %sgroup prefixes",
		    PCONF_UPGRP_MAX, pc->nupsrc ? "source and " : "");
		return -1;
	}
	pc->upgrp[pc->nupgrp++] = pfx;
	return 1;
}

/* router-alert require|optional */
static int
pconf_ra_word(struct pconf_if *pc, char **av, int ac, int *i, char *err,
    size_t errlen)
{
	const char *v = *i + 1 < ac ? av[*i + 1] : NULL;

	if (pc->ra != PCONF_RA_DEFAULT) {
		snprintf(err, errlen, "phyint: duplicate router-alert");
		return -1;
	}
	if (v && !strcmp(v, "require"))
		pc->ra = PCONF_RA_REQUIRE;
	else if (v && !strcmp(v, "optional"))
		pc->ra = PCONF_RA_OPTIONAL;
	else {
		snprintf(err, errlen, "phyint: router-alert takes require or "
		    "optional");
		return -1;
	}
	++*i;
	return 1;
}

int
pconf_phyint_word(struct pconf_if *pc, char **av, int ac, int *i, char *err,
    size_t errlen)
{
	const struct pconf_word *w = pconf_word(av[*i]);
	uint32_t n, min, max;
	const char *v;

	if (!strcmp(av[*i], "source"))
		return pconf_upsrc_word(pc, av, ac, i, err, errlen);
	if (!strcmp(av[*i], "group"))
		return pconf_upgrp_word(pc, av, ac, i, err, errlen);
	if (!strcmp(av[*i], "router-alert"))
		return pconf_ra_word(pc, av, ac, i, err, errlen);
	if (!w)
		return 0;
	if (w->unit == PU_NONE) {
		if (pc->flags & w->flag) {
			snprintf(err, errlen, "phyint: duplicate %s", w->name);
			return -1;
		}
		pc->flags |= w->flag;
		return 1;
	}
	if (*i + 1 >= ac || pconf_word(av[*i + 1])) {
		snprintf(err, errlen, "phyint: missing value after %s",
		    w->name);
		return -1;
	}
	v = av[++*i];
	/* PU_TENTHS limits are in tenths, like the value read. */
	min = w->min;
	max = w->max;
	if (pconf_number(v, w->unit, &n) || n < min || n > max) {
		if (w->unit == PU_TENTHS)
			snprintf(err, errlen, "phyint: invalid %s %s (0.1-%u.%u "
			    "seconds)", w->name, v, w->max / 10, w->max % 10);
		else
			snprintf(err, errlen, "phyint: invalid %s %s (%u-%u%s)",
			    w->name, v, w->min, w->max,
			    w->unit == PU_SEC ? " seconds" : "");
		return -1;
	}
	switch (w->unit) {
	case PU_SEC:
		n *= 1000;
		break;
	case PU_TENTHS:
		n *= 100;
		break;
	default:
		break;
	}
	if (w->unit == PU_VERSION)
		*(int *)(void *)((char *)pc + w->off) = (int)n;
	else
		*(uint32_t *)(void *)((char *)pc + w->off) = n;
	return 1;
}

int
pconf_phyint_check(const struct pconf_if *pc, char *err, size_t errlen)
{
	uint32_t qi = pc->qi_ms ? pc->qi_ms : 125000;
	uint32_t qri = pc->qri_ms ? pc->qri_ms : 10000;
	bool knobs = pc->version || pc->mld_version || pc->qi_ms ||
	    pc->qri_ms || pc->lmqi_ms || pc->sqi_ms || pc->robustness ||
	    pc->lmqc || pc->sqc || pc->max_groups || pc->max_per_host ||
	    pc->max_sources || pc->max_hosts || (pc->flags & PCONF_FASTLEAVE);
	/* An upstream that is also downstream runs a querier there. */
	bool down = !(pc->flags & PCONF_UPSTREAM) ||
	    (pc->flags & PCONF_DOWNSTREAM);

	if (pc->nupsrc && !(pc->flags & PCONF_UPSTREAM)) {
		snprintf(err, errlen, "phyint: source is for the upstream "
		    "interface");
		return -1;
	}
	if (pc->nupgrp && !(pc->flags & PCONF_UPSTREAM)) {
		snprintf(err, errlen, "phyint: group is for upstream "
		    "interfaces");
		return -1;
	}
	if ((pc->flags & PCONF_DOWNSTREAM) && !(pc->flags & PCONF_UPSTREAM)) {
		snprintf(err, errlen, "phyint: downstream is for upstream "
		    "interfaces (phyint IF igmp|mld is a downstream)");
		return -1;
	}
	if ((pc->flags & PCONF_DOWNSTREAM) &&
	    !(pc->flags & (PCONF_IGMP | PCONF_MLD))) {
		snprintf(err, errlen, "phyint: downstream needs igmp or mld");
		return -1;
	}
	/* Upstream, the kernel's host stack answers queries (upstream.c). */
	if (pc->ra != PCONF_RA_DEFAULT && !down) {
		snprintf(err, errlen, "phyint: router-alert is for downstream "
		    "interfaces");
		return -1;
	}
	if (pc->ra != PCONF_RA_DEFAULT &&
	    !(pc->flags & (PCONF_IGMP | PCONF_MLD))) {
		snprintf(err, errlen, "phyint: router-alert needs igmp or "
		    "mld");
		return -1;
	}
	if (knobs && !(pc->flags & (PCONF_IGMP | PCONF_MLD))) {
		snprintf(err, errlen, "phyint: querier settings need igmp or "
		    "mld");
		return -1;
	}
	if (pc->version && !(pc->flags & PCONF_IGMP)) {
		snprintf(err, errlen, "phyint: version is for igmp");
		return -1;
	}
	if (pc->mld_version && !(pc->flags & PCONF_MLD)) {
		snprintf(err, errlen, "phyint: mld-version is for mld");
		return -1;
	}
	if (!down && knobs) {
		snprintf(err, errlen, "phyint: querier settings do not apply "
		    "to the upstream interface");
		return -1;
	}
	/* RFC 3376 §8.3: the response interval must be below the interval. */
	if (qri >= qi) {
		snprintf(err, errlen, "phyint: query-response-interval must be "
		    "less than query-interval");
		return -1;
	}
	return 0;
}

static void
pconf_dump_tenths(FILE *fp, const char *name, uint32_t ms)
{
	if (ms % 1000)
		fprintf(fp, " %s %u.%u", name, ms / 1000, (ms % 1000) / 100);
	else
		fprintf(fp, " %s %u", name, ms / 1000);
}

void
pconf_phyint_dump(const struct pconf_if *pc, FILE *fp)
{
	char a[INET_PFX_STRLEN];
	unsigned int k;

	if (pc->flags & PCONF_UPSTREAM)
		fprintf(fp, " upstream");
	if (pc->flags & PCONF_IGMP)
		fprintf(fp, " igmp");
	if (pc->flags & PCONF_MLD)
		fprintf(fp, " mld");
	if (pc->flags & PCONF_DOWNSTREAM)
		fprintf(fp, " downstream");
	if (pc->version)
		fprintf(fp, " version %d", pc->version);
	if (pc->mld_version)
		fprintf(fp, " mld-version %d", pc->mld_version);
	if (pc->qi_ms)
		fprintf(fp, " query-interval %u", pc->qi_ms / 1000);
	if (pc->qri_ms)
		pconf_dump_tenths(fp, "query-response-interval", pc->qri_ms);
	if (pc->robustness)
		fprintf(fp, " robustness %u", pc->robustness);
	if (pc->lmqi_ms)
		pconf_dump_tenths(fp, "last-member-query-interval",
		    pc->lmqi_ms);
	if (pc->lmqc)
		fprintf(fp, " last-member-query-count %u", pc->lmqc);
	if (pc->sqi_ms)
		fprintf(fp, " startup-query-interval %u", pc->sqi_ms / 1000);
	if (pc->sqc)
		fprintf(fp, " startup-query-count %u", pc->sqc);
	if (pc->flags & PCONF_FASTLEAVE)
		fprintf(fp, " fast-leave");
	if (pc->max_groups)
		fprintf(fp, " max-groups %u", pc->max_groups);
	if (pc->max_per_host)
		fprintf(fp, " max-groups-per-host %u", pc->max_per_host);
	if (pc->max_sources)
		fprintf(fp, " max-sources %u", pc->max_sources);
	if (pc->max_hosts)
		fprintf(fp, " max-hosts %u", pc->max_hosts);
	if (pc->ra != PCONF_RA_DEFAULT)
		fprintf(fp, " router-alert %s", pc->ra == PCONF_RA_REQUIRE ?
		    "require" : "optional");
	for (k = 0; k < pc->nupsrc; k++)
		fprintf(fp, " source %s", inet_pfx_str(&pc->upsrc[k], a,
		    sizeof(a)));
	for (k = 0; k < pc->nupgrp; k++)
		fprintf(fp, " group %s", inet_pfx_str(&pc->upgrp[k], a,
		    sizeof(a)));
}

int
pconf_upgrp_len(const struct pconf_if *pc, const struct inet_addr *grp)
{
	unsigned int k;
	int best = -1;

	if (!pc->nupgrp)
		return 0;
	for (k = 0; k < pc->nupgrp; k++)
		if (inet_pfx_match(&pc->upgrp[k], grp) &&
		    (int)pc->upgrp[k].len > best)
			best = pc->upgrp[k].len;
	return best;
}

bool
pconf_upgrp_clash(const struct pconf_if *a, const struct pconf_if *b,
    struct inet_pfx *same)
{
	unsigned int i, j;

	if (!a->nupgrp && !b->nupgrp) {
		memset(same, 0, sizeof(*same));
		same->addr.family = AF_UNSPEC;
		return true;
	}
	for (i = 0; i < a->nupgrp; i++) {
		for (j = 0; j < b->nupgrp; j++) {
			if (!inet_pfx_cmp(&a->upgrp[i], &b->upgrp[j])) {
				*same = a->upgrp[i];
				return true;
			}
		}
	}
	return false;
}

bool
pconf_upsrc_permit(const struct pconf_if *pc, const struct inet_addr *src)
{
	bool listed = false;
	unsigned int k;

	for (k = 0; k < pc->nupsrc; k++) {
		if (pc->upsrc[k].addr.family != src->family)
			continue;
		if (inet_pfx_match(&pc->upsrc[k], src))
			return true;
		listed = true;
	}
	return !listed;
}

int
pconf_acl_parse(char **av, int ac, struct pconf_acl *acl, char *err,
    size_t errlen)
{
	bool have_grp = false, have_src = false;
	int i;

	memset(acl, 0, sizeof(*acl));
	if (ac < 2) {
		snprintf(err, errlen, "acl: missing interface name");
		return -1;
	}
	if (word_ifname(av[1], err, errlen))
		return -1;
	strlcpy(acl->ifname, av[1], sizeof(acl->ifname));
	if (ac < 3 || (strcmp(av[2], "allow") && strcmp(av[2], "deny"))) {
		snprintf(err, errlen, "acl: expected allow or deny after %s",
		    av[1]);
		return -1;
	}
	acl->allow = !strcmp(av[2], "allow");
	for (i = 3; i < ac; i++) {
		bool grp = !strcmp(av[i], "group");

		if (!grp && strcmp(av[i], "source")) {
			snprintf(err, errlen, "acl: unexpected token %s",
			    av[i]);
			return -1;
		}
		if ((grp && have_grp) || (!grp && have_src)) {
			snprintf(err, errlen, "acl: duplicate %s", av[i]);
			return -1;
		}
		if (i + 1 >= ac) {
			snprintf(err, errlen, "acl: missing value after %s",
			    av[i]);
			return -1;
		}
		if (grp) {
			if (word_group(av[++i], &acl->grp, err, errlen))
				return -1;
			have_grp = true;
		} else {
			if (word_source(av[++i], &acl->src, err, errlen))
				return -1;
			have_src = true;
		}
	}
	if (!have_grp) {
		snprintf(err, errlen, "acl: missing group");
		return -1;
	}
	if (have_src && acl->src.len &&
	    acl->src.addr.family != acl->grp.addr.family) {
		snprintf(err, errlen, "acl: source and group of different "
		    "families");
		return -1;
	}
	if (!have_src || !acl->src.len) {
		inet_any(&acl->src.addr, acl->grp.addr.family);
		acl->src.len = 0;
	}
	return 0;
}

void
pconf_acl_dump(const struct pconf_acl *acl, FILE *fp)
{
	char a[INET_PFX_STRLEN];

	fprintf(fp, "acl %s %s group %s", acl->ifname,
	    acl->allow ? "allow" : "deny",
	    inet_pfx_str(&acl->grp, a, sizeof(a)));
	if (acl->src.len)
		fprintf(fp, " source %s", inet_pfx_str(&acl->src, a,
		    sizeof(a)));
	fprintf(fp, "\n");
}

/*
 * A rule with a source prefix only matches a question about a source;
 * a rule without one matches the whole group and each of its sources.
 */
bool
pconf_acl_match(const struct pconf_acl *acl, const struct inet_addr *src,
    const struct inet_addr *grp)
{
	if (!inet_pfx_match(&acl->grp, grp))
		return false;
	if (!acl->src.len)
		return true;
	return src && inet_pfx_match(&acl->src, src);
}
