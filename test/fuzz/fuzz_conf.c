/*
 * fuzz_conf.c - libFuzzer target: the smcroute.conf parser (src/conf.h,
 * src/pconf.h)
 *
 * The input is a smcroute.conf.  conf_parse_file() only reads files, so
 * the input is written to a file in a private directory made once per
 * process (under $TMPDIR, removed at exit), next to a few fixed files
 * for include lines to find: a plain file, an include loop, a
 * subdirectory, a directory that an include skips.  Include patterns
 * stay inside that directory: before the input is written, a '/' or a
 * '.' that starts a path component and every '\' and '[' become '_',
 * so no pattern can be absolute, climb out with "..", or spell ".."
 * with an escape or a bracket expression.
 *
 * Checks, after each parse: the return value is the error count; every
 * item kept passes the line checks that admitted it (conf_check_*(), and
 * for an acl: a multicast group, a source of its family, and a rule
 * that matches its own prefixes, (*,G) only without a source);
 * an mgroup expands to conf_mgroup_count() pairs, all of its family;
 * the dump has one line per item, and parses back to itself without an
 * error (the property test_conf.c holds its golden files to).  The
 * first line also goes through conf_parse_line().  Everything is freed
 * at the end of each run, so LeakSanitizer sees any leak.  The log is
 * formatted at debug level but written nowhere, unless FUZZ_CONF_TRACE=1
 * is in the environment: then it goes to stderr, with the dump.
 *
 * Copyright (c) 2026 The smcroute-ng authors.  ISC License, see COPYING.
 * SPDX-License-Identifier: ISC
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "log.h"
#include "words.h"

#define FZ_NAME "fuzz_conf.c"
#include "fuzz.h"

#define FZ_CHECK(cond) do {						\
	if (!(cond))							\
		fz_fail(__LINE__, #cond);				\
} while (0)

static char	fz_root[PATH_MAX];	/* private directory */
static char	fz_in[PATH_MAX];	/* root/w/in.conf: the input */
static char	fz_line[PATH_MAX];	/* root/w/line: parse_line */
static char	fz_again[PATH_MAX];	/* root/again.conf: the dump */
/* Files the include lines of an input can reach, relative to root/w. */
static const struct {
	const char	*path;
	const char	*text;		/* NULL: a directory */
} fz_files[] = {
	{ "sub", NULL },
	{ "sub/empty.d", NULL },
	{ "a.conf", "phyint eth0 enable mrdisc\n"
	    "mroute from eth0 source 10.0.0.1 group 225.1.2.3 to eth1\n"
	    "mgroup from eth0 group 225.1.2.0/30\n" },
	{ "b.conf", "include b.conf\ninclude a.conf\n"
	    "acl eth1 allow group 225.0.0.0/8 source 10.0.0.0/8\n" },
	{ "loop.conf", "include l*p.conf\n" },
	{ "sub/c.conf", "include ../a.conf\n"
	    "phyint eth1 igmp version 2 fast-leave max-groups 10\n"
	    "include *\n" },
	{ "sub/bad.conf", "mroute from eth0 group 10.0.0.1 to eth1\n"
	    "bogus\n" },
};

static void
fz_write(const char *path, const void *buf, size_t len)
{
	int fd;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600)) < 0 || (len > 0 && write(fd, buf, len) != (ssize_t)len) ||
	    close(fd)) {
		perror(path);
		abort();
	}
}

static int
fz_rm(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void
fz_cleanup(void)
{
	if (fz_root[0] != '\0' &&
	    nftw(fz_root, fz_rm, 8, FTW_DEPTH | FTW_PHYS) != 0)
		fprintf(stderr, "fuzz_conf: cannot remove %s\n", fz_root);
}

int LLVMFuzzerInitialize(int *, char ***);
int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char path[PATH_MAX];
	const char *tmp;
	size_t i;

	(void)argc;
	(void)argv;
	fz_trace_init("FUZZ_CONF_TRACE");
	log_open("fuzz_conf", 0, fz_trace);
	log_setlevel(LOG_DEBUG);

	if ((tmp = getenv("TMPDIR")) == NULL || *tmp == '\0')
		tmp = "/tmp";
	snprintf(fz_root, sizeof(fz_root), "%s/fuzz_conf.XXXXXX", tmp);
	if (mkdtemp(fz_root) == NULL) {
		perror(fz_root);
		exit(1);
	}
	atexit(fz_cleanup);
	snprintf(path, sizeof(path), "%s/w", fz_root);
	if (mkdir(path, 0700)) {
		perror(path);
		exit(1);
	}
	for (i = 0; i < sizeof(fz_files) / sizeof(fz_files[0]); i++) {
		snprintf(path, sizeof(path), "%s/w/%s", fz_root,
		    fz_files[i].path);
		if (fz_files[i].text)
			fz_write(path, fz_files[i].text,
			    strlen(fz_files[i].text));
		else if (mkdir(path, 0700)) {
			perror(path);
			exit(1);
		}
	}
	snprintf(fz_in, sizeof(fz_in), "%s/w/in.conf", fz_root);
	snprintf(fz_line, sizeof(fz_line), "%s/w/line", fz_root);
	snprintf(fz_again, sizeof(fz_again), "%s/again.conf", fz_root);
	return 0;
}

/* Keep include patterns inside root/w (see the top). */
static void
fz_confine(char *s, size_t len)
{
	size_t i;
	bool start = true;	/* at the start of a word or component */

	for (i = 0; i < len; i++) {
		if (s[i] == '\\' || s[i] == '[' ||
		    (start && (s[i] == '/' || s[i] == '.')))
			s[i] = '_';
		start = word_isspace((unsigned char)s[i]) || s[i] == '/' ||
		    s[i] == '\0';
	}
}

static char *
fz_dump(const struct conf *c, size_t *nlines)
{
	char *buf = NULL, *s;
	size_t len = 0;
	FILE *fp;

	if ((fp = open_memstream(&buf, &len)) == NULL)
		abort();
	conf_dump(c, fp);
	if (fclose(fp))
		abort();
	for (*nlines = 0, s = buf; *s; s++)
		if (*s == '\n')
			(*nlines)++;
	return buf;
}

static int
fz_pair(const struct inet_addr *src, const struct inet_addr *grp, void *arg)
{
	uint64_t *n = arg;

	FZ_CHECK(inet_is_multicast(grp));
	FZ_CHECK(src->family == grp->family);
	(*n)++;
	return 0;
}

/* Every item kept passes the checks of its line. */
static size_t
fz_check_items(const struct conf *c)
{
	const struct conf_phyint *pi;
	const struct conf_mroute *mr;
	const struct conf_mgroup *mg;
	const struct pconf_acl *acl;
	char err[512];
	size_t n = 0;
	uint64_t pairs;

	TAILQ_FOREACH(pi, &c->phyints, link) {
		FZ_CHECK(word_ifname(pi->ifname, err, sizeof(err)) == 0);
		FZ_CHECK(pconf_phyint_check(&pi->proxy, err,
		    sizeof(err)) == 0);
		FZ_CHECK(pi->ttl >= 1 && pi->ttl <= 255);
		n++;
	}
	TAILQ_FOREACH(mr, &c->mroutes, link) {
		if (conf_check_mroute(mr, err, sizeof(err))) {
			fprintf(stderr, "kept mroute fails: %s\n", err);
			fz_fail(__LINE__, "conf_check_mroute() == 0");
		}
		n++;
	}
	TAILQ_FOREACH(mg, &c->mgroups, link) {
		if (conf_check_mgroup(mg, err, sizeof(err))) {
			fprintf(stderr, "kept mgroup fails: %s\n", err);
			fz_fail(__LINE__, "conf_check_mgroup() == 0");
		}
		pairs = 0;
		FZ_CHECK(conf_mgroup_foreach(mg, fz_pair, &pairs) == 0);
		FZ_CHECK(pairs == conf_mgroup_count(mg));
		FZ_CHECK(pairs >= 1 && pairs <= CONF_EXPAND_MAX);
		n++;
	}
	TAILQ_FOREACH(acl, &c->acls, link) {
		FZ_CHECK(word_ifname(acl->ifname, err, sizeof(err)) == 0);
		FZ_CHECK(inet_is_multicast(&acl->grp.addr));
		FZ_CHECK(acl->src.addr.family == acl->grp.addr.family);
		/* pconf.h: only a rule without a source matches (*,G). */
		FZ_CHECK(pconf_acl_match(acl, NULL, &acl->grp.addr) ==
		    (acl->src.len == 0));
		FZ_CHECK(pconf_acl_match(acl, &acl->src.addr,
		    &acl->grp.addr));
		n++;
	}
	return n;
}

/* The first line alone, through conf_parse_line(). */
static void
fz_first_line(const char *text, size_t len)
{
	struct conf *c;
	const char *nl;
	char *line;
	size_t n;

	nl = memchr(text, '\n', len);
	n = nl ? (size_t)(nl - text) + 1 : len;
	if (memchr(text, '\0', n) != NULL)
		return;		/* a C string cannot hold it */
	if ((line = strndup(text, n)) == NULL || (c = conf_new()) == NULL)
		abort();
	(void)conf_parse_line(c, line, fz_line, 1);
	(void)fz_check_items(c);
	conf_free(c);
	free(line);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conf *c, *c2;
	char *text, *dump, *dump2;
	size_t lines, lines2, items;
	int rc, rc2;

	if ((text = malloc(size + 1)) == NULL)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';
	fz_confine(text, size);
	fz_write(fz_in, text, size);

	if ((c = conf_new()) == NULL)
		abort();
	rc = conf_parse_file(c, fz_in);
	FZ_CHECK(rc >= 0 && rc == c->nerrors);
	items = fz_check_items(c);
	dump = fz_dump(c, &lines);
	if (fz_trace)
		fprintf(stderr, "%d errors, dump:\n%s", rc, dump);
	FZ_CHECK(lines == items);

	/* The canonical form parses to itself, without errors. */
	fz_write(fz_again, dump, strlen(dump));
	if ((c2 = conf_new()) == NULL)
		abort();
	rc2 = conf_parse_file(c2, fz_again);
	dump2 = fz_dump(c2, &lines2);
	if (rc2 != 0 || strcmp(dump, dump2) != 0) {
		fprintf(stderr, "dump:\n%s\ndump parsed again (%d errors):\n"
		    "%s\n", dump, rc2, dump2);
		fz_fail(__LINE__, "the dump parses back to itself");
	}
	conf_free(c2);
	conf_free(c);
	free(dump2);
	free(dump);

	fz_first_line(text, size);
	free(text);
	return 0;
}
