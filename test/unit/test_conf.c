/*
 * test_conf.c - unit tests for the smcroute.conf parser
 *
 * First the shared validators are checked one by one.  Then every
 * golden case runs: for each $srcdir/test/unit/conf/NAME.conf, the
 * conf_dump() output followed by the logged error lines must equal
 * NAME.out, the parser's return value must equal the number of error
 * lines, and parsing the dump again must give the same dump without
 * errors.  Files in subdirectories there are only included, not run.
 *
 * With CONF_REGEN=1 in the environment the .out files are rewritten
 * from the current output instead of compared; review them before
 * committing.
 *
 * Prints one line per check; exits 0 if all pass, 1 otherwise.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <glob.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "conf.h"
#include "log.h"
#include "words.h"

static char	tmpdir[PATH_MAX];

/*
 * Log capture: log_to_stdout() makes logit() print plain lines on
 * stdout, which is pointed at a temporary file meanwhile.
 */
static int	capture_fd = -1;
static FILE	*capture_fp;

static void
capture_begin(void)
{
	fflush(stdout);
	if ((capture_fp = tmpfile()) == NULL ||
	    (capture_fd = dup(STDOUT_FILENO)) < 0 ||
	    dup2(fileno(capture_fp), STDOUT_FILENO) < 0) {
		perror("capture");
		exit(1);
	}
}

/* Returns what was logged, malloc'd. */
static char *
capture_end(void)
{
	char *buf;
	long len;

	fflush(stdout);
	if (dup2(capture_fd, STDOUT_FILENO) < 0) {
		perror("capture");
		exit(1);
	}
	close(capture_fd);
	capture_fd = -1;
	len = ftell(capture_fp);
	if (len < 0 || (buf = calloc(1, (size_t)len + 1)) == NULL ||
	    fseek(capture_fp, 0, SEEK_SET) ||
	    fread(buf, 1, (size_t)len, capture_fp) != (size_t)len) {
		perror("capture");
		exit(1);
	}
	fclose(capture_fp);
	capture_fp = NULL;
	return buf;
}

static char *
read_text(const char *path)
{
	FILE *fp;
	char *buf;
	long len;

	if ((fp = fopen(path, "r")) == NULL)
		return NULL;
	if (fseek(fp, 0, SEEK_END) || (len = ftell(fp)) < 0 ||
	    fseek(fp, 0, SEEK_SET) ||
	    (buf = calloc(1, (size_t)len + 1)) == NULL) {
		fclose(fp);
		return NULL;
	}
	if (fread(buf, 1, (size_t)len, fp) != (size_t)len) {
		free(buf);
		buf = NULL;
	}
	fclose(fp);
	return buf;
}

static int
write_text(const char *path, const char *text)
{
	FILE *fp;
	int rc = 0;

	if ((fp = fopen(path, "w")) == NULL)
		return -1;
	if (fputs(text, fp) == EOF)
		rc = -1;
	if (fclose(fp))
		rc = -1;
	return rc;
}

static char *
dump_text(const struct conf *c)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp;

	if ((fp = open_memstream(&buf, &len)) == NULL) {
		perror("open_memstream");
		exit(1);
	}
	conf_dump(c, fp);
	fclose(fp);
	return buf;
}

static int
count_lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		if (*s == '\n')
			n++;
	return n;
}

/* Parse path; return its dump and, in *log, what was logged. */
static char *
parse_capture(const char *path, int *rc, int *nerrors, char **log)
{
	struct conf *c;
	char *dump;

	if ((c = conf_new()) == NULL) {
		perror("conf_new");
		exit(1);
	}
	capture_begin();
	*rc = conf_parse_file(c, path);
	*log = capture_end();
	*nerrors = c->nerrors;
	dump = dump_text(c);
	conf_free(c);
	return dump;
}

static void
show_diff(const char *expected_path, const char *actual)
{
	char path[PATH_MAX + 16], cmd[3 * PATH_MAX];

	snprintf(path, sizeof(path), "%s/actual.out", tmpdir);
	if (write_text(path, actual))
		return;
	/* As TAP comment lines, after the "not ok" line. */
	snprintf(cmd, sizeof(cmd), "diff -u '%s' '%s' | sed 's/^/#   /'",
	    expected_path, path);
	fflush(stdout);
	if (system(cmd) == -1)
		printf("%s", actual);
	unlink(path);
}

static void
golden_case(const char *conf)
{
	char out[PATH_MAX], again[PATH_MAX + 16];
	char *dump, *log, *actual, *expected, *dump2, *log2;
	size_t n;
	int rc, nerrors, rc2, nerrors2;

	n = strlen(conf) - strlen(".conf");
	snprintf(out, sizeof(out), "%.*s.out", (int)n, conf);

	dump = parse_capture(conf, &rc, &nerrors, &log);
	if (asprintf(&actual, "%s%s", dump, log) < 0) {
		perror("asprintf");
		exit(1);
	}

	if (getenv("CONF_REGEN")) {
		check(write_text(out, actual) == 0, "%s: regenerated", out);
	} else {
		expected = read_text(out);
		check(expected != NULL, "%s: exists", out);
		if (expected) {
			int same = strcmp(expected, actual) == 0;

			check(same, "%s: output matches %s", conf, out);
			if (!same)
				show_diff(out, actual);
		}
		free(expected);
	}
	check(rc == nerrors && rc == count_lines(log),
	    "%s: returns %d, nerrors %d, %d lines logged", conf, rc,
	    nerrors, count_lines(log));

	/* The canonical form parses to itself. */
	snprintf(again, sizeof(again), "%s/again.conf", tmpdir);
	if (write_text(again, dump)) {
		check(0, "%s: cannot write %s", conf, again);
	} else {
		dump2 = parse_capture(again, &rc2, &nerrors2, &log2);
		check(rc2 == 0 && *log2 == '\0' && !strcmp(dump, dump2),
		    "%s: dump parses back to itself", conf);
		free(dump2);
		free(log2);
		unlink(again);
	}
	free(actual);
	free(dump);
	free(log);
}

static void
golden(void)
{
	glob_t g;
	size_t i;

	if (glob("*.conf", 0, NULL, &g)) {
		check(0, "golden cases found");
		return;
	}
	for (i = 0; i < g.gl_pathc; i++)
		golden_case(g.gl_pathv[i]);
	globfree(&g);
}

static void
test_ifname(void)
{
	static const struct {
		const char	*pattern, *name;
		int		 match;
	} m[] = {
		{ "eth0",	"eth0",		1 },
		{ "eth0",	"eth01",	0 },
		{ "eth0",	"eth",		0 },
		{ "eth+",	"eth0",		1 },
		{ "eth+",	"eth10",	1 },
		{ "eth+",	"eth",		1 },
		{ "eth+",	"et",		0 },
		{ "eth+",	"wlan0",	0 },
		{ "+",		"lo",		1 },
		{ "+",		"",		1 },
	};
	static const struct {
		const char	*name;
		int		 ok;
		const char	*err;
	} n[] = {
		{ "eth0",		0, NULL },
		{ "+",			0, NULL },
		{ "eth+",		0, NULL },
		{ "abcdefghijklmno",	0, NULL },
		{ "abcdefghijklmnop",	-1, "interface name abcdefghijklmnop "
		    "too long (max 15 characters)" },
		{ "",			-1, "empty interface name" },
		{ "a/b",		-1, "invalid interface name a/b" },
		{ "a b",		-1, "invalid interface name a b" },
		{ ".",			-1, "invalid interface name ." },
		{ "..",			-1, "invalid interface name .." },
		{ "eth0:1",		-1, "invalid interface name eth0:1: "
		    "alias names are not supported, use the base interface" },
	};
	char err[256];
	size_t i;

	for (i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		check(word_ifname_match(m[i].pattern, m[i].name) == m[i].match,
		    "word_ifname_match(%s, %s) == %d", m[i].pattern,
		    m[i].name, m[i].match);
	for (i = 0; i < sizeof(n) / sizeof(n[0]); i++) {
		int rc;

		err[0] = '\0';
		rc = word_ifname(n[i].name, err, sizeof(err));
		check(rc == n[i].ok && (!n[i].err || !strcmp(err, n[i].err)),
		    "word_ifname(\"%s\") == %d \"%s\"", n[i].name, rc,
		    err);
	}
}

static void
test_addr(void)
{
	static const struct {
		int		 group;		/* else source */
		const char	*text;
		const char	*want;		/* canonical, or the error */
		int		 len;
	} t[] = {
		{ 1, "225.1.1.1",	"225.1.1.1", 32 },
		{ 1, "225.1.1.7/24",	"225.1.1.0/24", 24 },
		{ 1, "224.0.0.0/4",	"224.0.0.0/4", 4 },
		{ 1, "ff0e::1",		"ff0e::1", 128 },
		{ 1, "ff0e::1:2/112",	"ff0e::1:0/112", 112 },
		{ 1, "ff00::/8",	"ff00::/8", 8 },
		{ 1, "225.1.1.1/33",
		    "invalid prefix length /33 for 225.1.1.1 (0-32)", -1 },
		{ 1, "225.1.1.1/-1",
		    "invalid prefix length /-1 for 225.1.1.1 (0-32)", -1 },
		{ 1, "225.1.1.1/abc",
		    "invalid prefix length /abc for 225.1.1.1 (0-32)", -1 },
		{ 1, "ff0e::1/129",
		    "invalid prefix length /129 for ff0e::1 (0-128)", -1 },
		{ 1, "225.1.1.1#x",	"invalid address 225.1.1.1#x", -1 },
		{ 1, "10.0.0.1",	"10.0.0.1 is not a multicast group",
		    -1 },
		{ 1, "0.0.0.0",		"0.0.0.0 is not a multicast group",
		    -1 },
		{ 1, "0.0.0.0/0",	"group 0.0.0.0/0 is wider than the "
		    "multicast range 224.0.0.0/4", -1 },
		{ 1, "10.1.2.3/4",	"10.1.2.3/4 is not a multicast group",
		    -1 },
		{ 1, "239.1.2.3/3",	"group 239.1.2.3/3 is wider than the "
		    "multicast range 224.0.0.0/4", -1 },
		{ 1, "::",		":: is not a multicast group", -1 },
		{ 1, "224.0.0.0/3",	"group 224.0.0.0/3 is wider than the "
		    "multicast range 224.0.0.0/4", -1 },
		{ 1, "ff00::/7",	"group ff00::/7 is wider than the "
		    "multicast range ff00::/8", -1 },
		{ 0, "10.0.0.1",	"10.0.0.1", 32 },
		{ 0, "10.1.2.3/24",	"10.1.2.0/24", 24 },
		{ 0, "0.0.0.0",		"0.0.0.0/0", 0 },
		{ 0, "0.0.0.0/8",	"0.0.0.0/0", 0 },
		{ 0, "10.0.0.0/0",	"0.0.0.0/0", 0 },
		{ 0, "::",		"::/0", 0 },
		{ 0, "2001:db8::1",	"2001:db8::1", 128 },
		{ 0, "225.1.1.1",	"source 225.1.1.1 is a multicast "
		    "address", -1 },
		{ 0, "ff0e::1",		"source ff0e::1 is a multicast "
		    "address", -1 },
		{ 0, "10.0.0.1/33",
		    "invalid prefix length /33 for 10.0.0.1 (0-32)", -1 },
	};
	char err[256], a[INET_PFX_STRLEN];
	struct inet_pfx p, orig;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		const char *fn = t[i].group ? "conf_parse_group" :
		    "conf_parse_source";
		int rc;

		memset(&p, 0x5a, sizeof(p));
		orig = p;
		err[0] = '\0';
		rc = t[i].group ? word_group(t[i].text, &p, err,
		    sizeof(err)) : word_source(t[i].text, &p, err,
		    sizeof(err));
		if (t[i].len < 0) {
			check(rc == -1 && !strcmp(err, t[i].want) &&
			    !memcmp(&p, &orig, sizeof(p)),
			    "%s(\"%s\") fails: \"%s\"", fn, t[i].text, err);
			continue;
		}
		inet_pfx_str(&p, a, sizeof(a));
		check(rc == 0 && p.len == t[i].len && !strcmp(a, t[i].want),
		    "%s(\"%s\") == %s", fn, t[i].text, a);
	}
}

static void
mroute_init(struct conf_mroute *mr, const char *src, const char *grp,
    int noifs)
{
	char err[256];
	int i;

	memset(mr, 0, sizeof(*mr));
	strlcpy(mr->iif, "eth0", sizeof(mr->iif));
	if (word_group(grp, &mr->grp, err, sizeof(err)) ||
	    word_source(src, &mr->src, err, sizeof(err))) {
		fprintf(stderr, "mroute_init: %s\n", err);
		exit(1);
	}
	mr->noifs = noifs;
	for (i = 0; i < noifs && i < CONF_MAXOIFS; i++)
		snprintf(mr->oifs[i], sizeof(mr->oifs[i]), "o%d", i + 1);
}

static void
test_mroute(void)
{
	struct conf_mroute mr;
	char err[256];
	int rc;

	mroute_init(&mr, "10.0.0.1", "225.1.1.1", 2);
	check(conf_check_mroute(&mr, err, sizeof(err)) == 0,
	    "conf_check_mroute: (S,G) with 2 OIFs");
	mroute_init(&mr, "0.0.0.0", "225.1.1.1", 0);
	check(conf_check_mroute(&mr, err, sizeof(err)) == 0,
	    "conf_check_mroute: (*,G) stop filter");
	mroute_init(&mr, "::", "ff0e::1", CONF_MAXOIFS);
	check(conf_check_mroute(&mr, err, sizeof(err)) == 0,
	    "conf_check_mroute: %d OIFs", CONF_MAXOIFS);

	mroute_init(&mr, "10.0.0.1", "225.1.1.1", CONF_MAXOIFS);
	mr.noifs = CONF_MAXOIFS + 1;
	rc = conf_check_mroute(&mr, err, sizeof(err));
	check(rc == -1 && !strcmp(err, "too many outbound interfaces "
	    "(33, max 32)"), "conf_check_mroute: 33 OIFs: %s", err);
	mr.noifs = -1;
	rc = conf_check_mroute(&mr, err, sizeof(err));
	check(rc == -1, "conf_check_mroute: -1 OIFs: %s", err);

	mroute_init(&mr, "10.0.0.1", "ff0e::1", 1);
	rc = conf_check_mroute(&mr, err, sizeof(err));
	check(rc == -1 && !strcmp(err, "source 10.0.0.1 and group ff0e::1 "
	    "are of different address families"),
	    "conf_check_mroute: mixed families: %s", err);

	/* What an IPC client could send that no parser would produce. */
	mroute_init(&mr, "10.0.0.1", "225.1.1.1", 1);
	inet_pton_any("10.0.0.2", &mr.grp.addr);
	rc = conf_check_mroute(&mr, err, sizeof(err));
	check(rc == -1 && !strcmp(err, "10.0.0.2 is not a multicast group"),
	    "conf_check_mroute: unicast group: %s", err);
	mroute_init(&mr, "10.0.0.1", "225.1.1.1", 1);
	inet_pton_any("225.1.1.2", &mr.src.addr);
	rc = conf_check_mroute(&mr, err, sizeof(err));
	check(rc == -1 && !strcmp(err, "source 225.1.1.2 is a multicast "
	    "address"), "conf_check_mroute: multicast source: %s", err);
	mroute_init(&mr, "10.0.0.1", "225.1.1.1", 1);
	memset(&mr.src, 0, sizeof(mr.src));
	rc = conf_check_mroute(&mr, err, sizeof(err));
	check(rc == -1, "conf_check_mroute: source without family: %s", err);
	mroute_init(&mr, "10.0.0.1", "225.1.1.1", 1);
	strlcpy(mr.oifs[0], "a/b", sizeof(mr.oifs[0]));
	rc = conf_check_mroute(&mr, err, sizeof(err));
	check(rc == -1 && !strcmp(err, "invalid interface name a/b"),
	    "conf_check_mroute: bad OIF: %s", err);
	mroute_init(&mr, "10.0.0.1", "225.1.1.1", 1);
	mr.iif[0] = '\0';
	rc = conf_check_mroute(&mr, err, sizeof(err));
	check(rc == -1 && !strcmp(err, "empty interface name"),
	    "conf_check_mroute: no IIF: %s", err);
}

static void
test_mgroup(void)
{
	static const struct {
		const char	*src, *grp;
		uint64_t	 count;
		const char	*err;
	} t[] = {
		{ "0.0.0.0",	"225.1.1.1",	1, NULL },
		{ "10.0.0.1",	"232.1.1.1",	1, NULL },
		{ "0.0.0.0",	"225.1.0.0/20",	4096, NULL },
		{ "10.0.0.0/24", "225.1.0.0/28", 4096, NULL },
		{ "10.0.0.0/30", "225.1.0.0/22", 4096, NULL },
		{ "0.0.0.0",	"225.1.0.0/19",	8192,
		    "mgroup expands to 8192 joins (max 4096)" },
		{ "10.0.0.0/24", "225.1.0.0/27", 8192,
		    "mgroup expands to 8192 joins (max 4096)" },
		{ "0.0.0.0",	"224.0.0.0/4",	(uint64_t)1 << 28,
		    "mgroup expands to 268435456 joins (max 4096)" },
		{ "::",		"ff0e::/116",	4096, NULL },
		{ "::",		"ff0e::/70",	(uint64_t)1 << 58,
		    "mgroup expands to 288230376151711744 joins (max 4096)" },
		{ "::",		"ff0e::/65",	(uint64_t)1 << 63,
		    "mgroup expands to 9223372036854775808 joins "
		    "(max 4096)" },
		{ "::",		"ff0e::/64",	UINT64_MAX,
		    "mgroup expands to 2^64 joins (max 4096)" },
		{ "2001:db8::/64", "ff0e::/64",	UINT64_MAX,
		    "mgroup expands to 2^128 joins (max 4096)" },
		{ "::",		"ff00::/8",	UINT64_MAX,
		    "mgroup expands to 2^120 joins (max 4096)" },
		{ "10.0.0.1",	"ff0e::1",	1,
		    "source 10.0.0.1 and group ff0e::1 are of different "
		    "address families" },
	};
	struct conf_mgroup mg;
	char err[256];
	size_t i;
	int rc;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		memset(&mg, 0, sizeof(mg));
		strlcpy(mg.ifname, "eth0", sizeof(mg.ifname));
		if (word_group(t[i].grp, &mg.grp, err, sizeof(err)) ||
		    word_source(t[i].src, &mg.src, err, sizeof(err))) {
			check(0, "mgroup %s %s: %s", t[i].src, t[i].grp, err);
			continue;
		}
		check(conf_mgroup_count(&mg) == t[i].count,
		    "conf_mgroup_count(%s, %s) == %ju", t[i].src, t[i].grp,
		    (uintmax_t)conf_mgroup_count(&mg));
		err[0] = '\0';
		rc = conf_check_mgroup(&mg, err, sizeof(err));
		if (t[i].err)
			check(rc == -1 && !strcmp(err, t[i].err),
			    "conf_check_mgroup(%s, %s) fails: %s", t[i].src,
			    t[i].grp, err);
		else
			check(rc == 0, "conf_check_mgroup(%s, %s) == 0 %s",
			    t[i].src, t[i].grp, err);
	}
}

static void
test_parse_line(void)
{
	struct conf *c = conf_new();
	struct conf_phyint *pi;
	struct conf_mroute *mr;
	char *log, *dump;
	int rc1, rc2, rc3, rc4;

	capture_begin();
	rc1 = conf_parse_line(c, "phyint eth0 ttl-threshold 3\r\n", "ipc", 7);
	rc2 = conf_parse_line(c, "mroute from eth0 group 225.1.1.1 to eth1\n",
	    "ipc", 8);
	rc3 = conf_parse_line(c, "mroute from eth0 group 10.1.1.1 to eth1",
	    "ipc", 9);
	rc4 = conf_parse_line(c, "", NULL, 10);
	log = capture_end();
	check(rc1 == 0 && rc2 == 0 && rc3 == -1 && rc4 == 0 &&
	    c->nerrors == 1, "conf_parse_line: return values");
	check(!strcmp(log, "ipc line 9: 10.1.1.1 is not a multicast group\n"),
	    "conf_parse_line: error logged as \"FILE line N: reason\"");
	dump = dump_text(c);
	check(!strcmp(dump, "phyint eth0 enable ttl-threshold 3\n"
	    "mroute from eth0 group 225.1.1.1 to eth1\n"),
	    "conf_parse_line: CRLF and newline stripped");
	pi = TAILQ_FIRST(&c->phyints);
	mr = TAILQ_FIRST(&c->mroutes);
	check(pi && mr && !strcmp(pi->where.file, "ipc") &&
	    pi->where.file == mr->where.file && pi->where.line == 7 &&
	    mr->where.line == 8, "conf_parse_line: where is recorded");
	free(dump);
	free(log);
	conf_free(c);
}

/*
 * A stored mroute line holds its except sources after its outbound
 * names, in one allocation: both survive intact, at the limits too.
 */
static void
test_mroute_except(void)
{
	struct conf *c = conf_new();
	struct conf_mroute *mr;
	char line[2048], want[2048], a[INET_PFX_STRLEN];
	char *log, *dump;
	int i, rc;

	capture_begin();
	rc = conf_parse_line(c, "mroute from eth0 source 10.0.0.0/8 except "
	    "10.1.0.0/16,10.2.0.1 group 225.1.1.1 to eth1 eth2", "t", 1);
	log = capture_end();
	mr = TAILQ_FIRST(&c->mroutes);
	check(rc == 0 && !*log && mr && mr->nexcept == 2 && mr->noifs == 2 &&
	    !strcmp(inet_pfx_str(&mr->except[0], a, sizeof(a)),
	    "10.1.0.0/16") && !strcmp(inet_pfx_str(&mr->except[1], a,
	    sizeof(a)), "10.2.0.1") && !strcmp(mr->oifs[1], "eth2"),
	    "mroute except: two sources stored after the OIFs");
	free(log);
	capture_begin();
	rc = conf_parse_line(c, "mroute from eth0 group 225.1.1.2 to eth1",
	    "t", 2);
	free(capture_end());
	mr = TAILQ_NEXT(TAILQ_FIRST(&c->mroutes), link);
	check(rc == 0 && mr && mr->nexcept == 0 && mr->except == NULL,
	    "mroute except: a line without except has none");
	conf_free(c);

	/* 16 except sources and 32 outbound names: the largest line. */
	c = conf_new();
	snprintf(line, sizeof(line), "mroute from eth0 source 10.0.0.0/8 "
	    "except ");
	for (i = 0; i < CONF_MAXEXCEPT; i++)
		snprintf(line + strlen(line), sizeof(line) - strlen(line),
		    "%s10.0.%d.0/24", i ? "," : "", i + 1);
	strlcat(line, " group 225.1.1.3 to", sizeof(line));
	for (i = 0; i < CONF_MAXOIFS; i++)
		snprintf(line + strlen(line), sizeof(line) - strlen(line),
		    " o%d", i + 1);
	capture_begin();
	rc = conf_parse_line(c, line, "t", 3);
	free(capture_end());
	dump = dump_text(c);
	/* The line is written in the dump's own form: it comes back as is. */
	snprintf(want, sizeof(want), "%s\n", line);
	check(rc == 0 && !strcmp(dump, want),
	    "mroute except: 16 sources and 32 OIFs dumped as parsed");
	free(dump);
	conf_free(c);
}

/*
 * A second line for an (S,G) from another named inbound interface is
 * refused, naming the first; through the index's growth, and after
 * conf_parse_file() dropped it.
 */
static const char	*tmp_path(char *, size_t, const char *);
static void		 tmp_remove(const char *);

static void
test_mroute_sg_twice(void)
{
	struct conf *c = conf_new();
	char line[256], path[PATH_MAX + 64], *log;
	FILE *fp;
	int i, rc, bad = 0;

	capture_begin();
	for (i = 0; i < 2000; i++) {
		snprintf(line, sizeof(line), "mroute from eth0 source "
		    "10.0.%d.%d group 225.1.%d.%d to eth1", i / 250,
		    i % 250 + 1, i / 250, i % 250);
		if (conf_parse_line(c, line, "t", i + 1))
			bad++;
	}
	rc = conf_parse_line(c, "mroute from eth1 source 10.0.4.1 group "
	    "225.1.4.0 to eth2", "t", 3000);
	log = capture_end();
	check(bad == 0 && rc == -1 && strstr(log, "t line 3000: mroute: "
	    "(10.0.4.1, 225.1.4.0) is routed from eth0 already (t line 1001)")
	    != NULL, "mroute (S,G) twice: refused after 2000 lines, naming "
	    "the first");
	free(log);
	capture_begin();
	rc = conf_parse_line(c, "mroute from eth0 source 10.0.4.1 group "
	    "225.1.4.0 to eth2", "t", 3001) ||
	    conf_parse_line(c, "mroute from eth+ source 10.0.4.1 group "
	    "225.1.4.0 to eth2", "t", 3002) ||
	    conf_parse_line(c, "mroute from eth3 source 10.0.4.0/24 group "
	    "225.1.4.0 to eth2", "t", 3003) ||
	    conf_parse_line(c, "mroute from eth3 source fc00::1 group "
	    "ff2e::1 to eth2", "t", 3004);
	log = capture_end();
	check(rc == 0 && !*log, "mroute (S,G) twice: same inbound, wildcard, "
	    "prefix and another family are not the same (S,G) line");
	free(log);
	capture_begin();
	rc = conf_parse_line(c, "mroute from eth4 source fc00::1 group "
	    "ff2e::1", "t", 3005);
	log = capture_end();
	check(rc == -1 && strstr(log, "(fc00::1, ff2e::1) is routed from eth3 "
	    "already (t line 3004)") != NULL, "mroute (S,G) twice: IPv6");
	free(log);
	conf_free(c);

	/* The file's lines are found again after its parse. */
	tmp_path(path, sizeof(path), "sgtwice.conf");
	fp = fopen(path, "w");
	if (fp) {
		fprintf(fp, "mroute from eth0 group 225.9.9.9 to eth1\n"
		    "mroute from eth0 source 10.9.9.9 group 225.9.9.9 to "
		    "eth1\n");
		fclose(fp);
	}
	c = conf_new();
	capture_begin();
	rc = conf_parse_file(c, path);
	rc = rc == 0 ? conf_parse_line(c, "mroute from eth2 source 10.9.9.9 "
	    "group 225.9.9.9 to eth1", "t", 9) : -2;
	log = capture_end();
	check(rc == -1 && strstr(log, "is routed from eth0 already") &&
	    strstr(log, "sgtwice.conf line 2)"), "mroute (S,G) twice: a line "
	    "after conf_parse_file() still sees the file's");
	free(log);
	conf_free(c);
	tmp_remove("sgtwice.conf");
}

/* Parse one line into a fresh conf; the dump and the log, malloc'd. */
static int
proxy_line(const char *line, char **dump, char **log)
{
	struct conf *c = conf_new();
	int rc;

	capture_begin();
	rc = conf_parse_line(c, line, "t.conf", 3);
	*log = capture_end();
	*dump = dump_text(c);
	conf_free(c);
	return rc;
}

static bool
upsrc_ok(const struct pconf_if *pc, const char *a)
{
	struct inet_addr ia;

	if (inet_pton_any(a, &ia))
		return false;
	return pconf_upsrc_permit(pc, &ia);
}

/* phyint ... source S[/LEN] (upstream) and router-alert (downstream). */
static void
test_proxy_words(void)
{
	static const struct {
		const char	*line;
		const char	*log;	/* NULL: parses, dump in want */
		const char	*want;
	} t[] = {
		{ "phyint wan upstream igmp source 10.0.0.0/8 source "
		  "192.168.5.0/24 source fc00::/7", NULL,
		  "phyint wan enable ttl-threshold 1 upstream igmp source "
		  "10.0.0.0/8 source 192.168.5.0/24 source fc00::/7\n" },
		/* Host bits cleared, a host prefix written without /LEN. */
		{ "phyint wan source 10.1.2.3/16 upstream source 10.9.9.9/32",
		  NULL, "phyint wan enable ttl-threshold 1 upstream source "
		  "10.1.0.0/16 source 10.9.9.9\n" },
		{ "phyint lan igmp router-alert optional", NULL,
		  "phyint lan enable ttl-threshold 1 igmp router-alert "
		  "optional\n" },
		{ "phyint lan mld router-alert require fast-leave", NULL,
		  "phyint lan enable ttl-threshold 1 mld fast-leave "
		  "router-alert require\n" },
		{ "phyint lan igmp source 10.0.0.0/8",
		  "t.conf line 3: phyint: source is for the upstream "
		  "interface\n", "" },
		{ "phyint wan upstream source",
		  "t.conf line 3: phyint: missing value after source\n", "" },
		{ "phyint wan upstream source 10.0.0.0/8 source 10.0.0.0/8",
		  "t.conf line 3: phyint: duplicate source 10.0.0.0/8\n", "" },
		{ "phyint wan upstream source 10.0.0.0/33", "", "" },
		{ "phyint wan upstream source 239.1.1.1", "", "" },
		{ "phyint wan upstream source bogus", "", "" },
		{ "phyint wan upstream router-alert optional",
		  "t.conf line 3: phyint: router-alert is for downstream "
		  "interfaces\n", "" },
		{ "phyint lan router-alert optional",
		  "t.conf line 3: phyint: router-alert needs igmp or mld\n",
		  "" },
		{ "phyint lan igmp router-alert",
		  "t.conf line 3: phyint: router-alert takes require or "
		  "optional\n", "" },
		{ "phyint lan igmp router-alert always",
		  "t.conf line 3: phyint: router-alert takes require or "
		  "optional\n", "" },
		{ "phyint lan igmp router-alert require router-alert require",
		  "t.conf line 3: phyint: duplicate router-alert\n", "" },
	};
	char big[4096], want[128], *dump, *log;
	struct pconf_if pc;
	size_t i, n;
	int rc;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		rc = proxy_line(t[i].line, &dump, &log);
		if (!t[i].log) {
			check(rc == 0 && !*log && !strcmp(dump, t[i].want),
			    "proxy words: %s: parses to its canonical form "
			    "(got %s%s)", t[i].line, dump, log);
		} else {
			/* "" checks only that it is refused and logged. */
			check(rc == -1 && !*dump && !strncmp(log, "t.conf line "
			    "3: ", 12) && (!*t[i].log || !strcmp(log,
			    t[i].log)), "proxy words: %s: refused with file "
			    "and line, nothing added (got %s)", t[i].line, log);
		}
		free(dump);
		free(log);
	}

	/* PCONF_UPSRC_MAX prefixes fit, one more is refused. */
	for (n = 0; n <= PCONF_UPSRC_MAX; n++) {
		snprintf(big, sizeof(big), "phyint wan upstream");
		for (i = 0; i < n; i++)
			snprintf(big + strlen(big), sizeof(big) - strlen(big),
			    " source 10.%zu.0.0/16", i);
		rc = proxy_line(big, &dump, &log);
		if (n < PCONF_UPSRC_MAX) {
			free(dump);
			free(log);
			continue;
		}
		check(rc == 0 && !*log, "proxy words: %d source prefixes fit",
		    PCONF_UPSRC_MAX);
		free(dump);
		free(log);
		snprintf(big + strlen(big), sizeof(big) - strlen(big),
		    " source 10.200.0.0/16");
		rc = proxy_line(big, &dump, &log);
		snprintf(want, sizeof(want), "t.conf line 3: phyint: more "
		    "than %d source prefixes\n", PCONF_UPSRC_MAX);
		check(rc == -1 && !strcmp(log, want), "proxy words: %d source "
		    "prefixes are too many (got %s)", PCONF_UPSRC_MAX + 1, log);
		free(dump);
		free(log);
	}

	/* The longest canonical upstream line still parses back. */
	snprintf(big, sizeof(big), "phyint abcdefghijklmno mrdisc "
	    "ttl-threshold 255 wrongvif keep upstream igmp mld");
	for (i = 0; i < PCONF_UPSRC_MAX; i++)
		snprintf(big + strlen(big), sizeof(big) - strlen(big),
		    " source 2001:ffff:ffff:ffff:ffff:ffff:ffff:ff%02zx/127",
		    2 * i);
	rc = proxy_line(big, &dump, &log);
	n = strlen(dump);
	check(rc == 0 && !*log && n < CONF_LINE_MAX, "proxy words: the "
	    "longest upstream line dumps in %zu < %d characters", n,
	    CONF_LINE_MAX);
	free(log);
	if (n) {
		char *dump2;

		dump[n - 1] = '\0';
		rc = proxy_line(dump, &dump2, &log);
		dump[n - 1] = '\n';
		check(rc == 0 && !*log && !strcmp(dump, dump2), "proxy words: "
		    "and parses back to itself");
		free(dump2);
		free(log);
	}
	free(dump);

	/* The allow-list itself: per family, none of a family is all. */
	memset(&pc, 0, sizeof(pc));
	check(upsrc_ok(&pc, "10.1.1.1") && upsrc_ok(&pc, "fc00::1"),
	    "upstream sources: no list forwards every source");
	inet_pfx_parse("10.0.0.0/8", &pc.upsrc[pc.nupsrc++], big, 64);
	inet_pfx_parse("192.168.5.0/24", &pc.upsrc[pc.nupsrc++], big, 64);
	check(upsrc_ok(&pc, "10.255.0.1") && upsrc_ok(&pc, "192.168.5.1") &&
	    !upsrc_ok(&pc, "192.168.6.1") && !upsrc_ok(&pc, "11.0.0.1"),
	    "upstream sources: IPv4 inside the prefixes only");
	check(upsrc_ok(&pc, "2001:db8::1"),
	    "upstream sources: no IPv6 prefix, every IPv6 source");
	inet_pfx_parse("fc00::/7", &pc.upsrc[pc.nupsrc++], big, 64);
	check(upsrc_ok(&pc, "fd12::1") && !upsrc_ok(&pc, "2001:db8::1") &&
	    upsrc_ok(&pc, "10.0.0.1"),
	    "upstream sources: IPv6 inside its prefix only");
	inet_pfx_parse("0.0.0.0/0", &pc.upsrc[0], big, 64);
	check(upsrc_ok(&pc, "11.0.0.1"),
	    "upstream sources: 0.0.0.0/0 is every IPv4 source");
}

/* Lines parsed in order into one conf; the log of the last one. */
static int
proxy_lines(const char *const *lines, size_t n, char **log)
{
	struct conf *c = conf_new();
	size_t i;
	int rc = 0;

	for (i = 0; i < n; i++) {
		capture_begin();
		rc = conf_parse_line(c, lines[i], "t.conf", (int)i + 3);
		*log = capture_end();
		if (i + 1 < n)
			free(*log);
	}
	conf_free(c);
	return rc;
}

static int
upgrp_len(const struct pconf_if *pc, const char *a)
{
	struct inet_addr ia;

	if (inet_pton_any(a, &ia))
		return -2;
	return pconf_upgrp_len(pc, &ia);
}

/* phyint IF upstream ... group G/LEN ... [downstream] */
static void
test_proxy_upgrp(void)
{
	static const struct {
		const char	*line;
		const char	*log;	/* NULL: parses, dump in want */
		const char	*want;
	} t[] = {
		{ "phyint wan1 upstream igmp mld group 239.0.0.0/8 group "
		  "ff0e::/16 group 225.1.2.3/16", NULL,
		  "phyint wan1 enable ttl-threshold 1 upstream igmp mld "
		  "group 239.0.0.0/8 group ff0e::/16 group 225.1.0.0/16\n" },
		{ "phyint eth1 upstream igmp downstream query-interval 30",
		  NULL, "phyint eth1 enable ttl-threshold 1 upstream igmp "
		  "downstream query-interval 30\n" },
		{ "phyint eth1 downstream upstream mld router-alert optional",
		  NULL, "phyint eth1 enable ttl-threshold 1 upstream mld "
		  "downstream router-alert optional\n" },
		{ "phyint lan igmp group 239.0.0.0/8",
		  "t.conf line 3: phyint: group is for upstream "
		  "interfaces\n", "" },
		{ "phyint lan igmp downstream",
		  "t.conf line 3: phyint: downstream is for upstream "
		  "interfaces (phyint IF igmp|mld is a downstream)\n", "" },
		{ "phyint wan upstream downstream",
		  "t.conf line 3: phyint: downstream needs igmp or mld\n", "" },
		{ "phyint wan upstream igmp query-interval 30",
		  "t.conf line 3: phyint: querier settings do not apply to "
		  "the upstream interface\n", "" },
		{ "phyint wan upstream group 10.0.0.0/8", "", "" },
		{ "phyint wan upstream group", "t.conf line 3: phyint: "
		  "missing value after group\n", "" },
		{ "phyint wan upstream group 239.0.0.0/8 group 239.0.0.0/8",
		  "t.conf line 3: phyint: duplicate group 239.0.0.0/8\n", "" },
		{ "phyint wan upstream source 10.0.0.0/8 downstream igmp "
		  "fast-leave", NULL, "phyint wan enable ttl-threshold 1 "
		  "upstream igmp downstream fast-leave source 10.0.0.0/8\n" },
	};
	/* Several lines: the last one's fate. */
	static const struct {
		const char	*lines[3];
		const char	*log;	/* "": accepted */
	} m[] = {
		{ { "phyint wan1 upstream igmp group 239.0.0.0/8",
		    "phyint wan2 upstream igmp group 225.0.0.0/8 group "
		    "239.0.0.0/8" },
		  "t.conf line 4: phyint: wan2 and wan1 (t.conf line 3) are "
		  "both upstream for group 239.0.0.0/8\n" },
		{ { "phyint wan1 upstream igmp", "phyint wan2 upstream mld" },
		  "t.conf line 4: phyint: wan2 and wan1 (t.conf line 3) are "
		  "both upstream for every group: give them group "
		  "prefixes\n" },
		{ { "phyint wan1 upstream igmp group 239.0.0.0/8",
		    "phyint wan2 upstream igmp group 239.1.0.0/16" }, "" },
		{ { "phyint wan1 upstream igmp",
		    "phyint wan2 upstream igmp group 239.0.0.0/8" }, "" },
		/* The same interface again: the later line replaces it. */
		{ { "phyint wan1 upstream igmp",
		    "phyint wan1 upstream igmp group 239.0.0.0/8" }, "" },
		/* An earlier line no longer in effect does not count. */
		{ { "phyint wan1 upstream igmp", "phyint wan1 igmp",
		    "phyint wan2 upstream igmp" }, "" },
		/* A line without proxy keywords keeps the role. */
		{ { "phyint wan1 upstream igmp", "phyint wan1 mrdisc",
		    "phyint wan2 upstream igmp" }, "t.conf line 5: phyint: "
		  "wan2 and wan1 (t.conf line 3) are both upstream for every "
		  "group: give them group prefixes\n" },
	};
	char *dump, *log, e[64];
	struct pconf_if a, b;
	struct inet_pfx same;
	size_t i, n;
	int rc;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		rc = proxy_line(t[i].line, &dump, &log);
		if (!t[i].log)
			check(rc == 0 && !*log && !strcmp(dump, t[i].want),
			    "upstream groups: %s: parses to its canonical "
			    "form (got %s%s)", t[i].line, dump, log);
		else
			check(rc == -1 && !*dump && !strncmp(log, "t.conf line "
			    "3: ", 12) && (!*t[i].log || !strcmp(log,
			    t[i].log)), "upstream groups: %s: refused with "
			    "file and line (got %s)", t[i].line, log);
		free(dump);
		free(log);
	}
	for (i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		for (n = 0; n < 3 && m[i].lines[n]; n++)
			;
		rc = proxy_lines(m[i].lines, n, &log);
		check(rc == (*m[i].log ? -1 : 0) && !strcmp(log, m[i].log),
		    "upstream groups: %s / %s%s%s: %s (got %s)",
		    m[i].lines[0], m[i].lines[1], n > 2 ? " / " : "",
		    n > 2 ? m[i].lines[2] : "", *m[i].log ? "refused, naming "
		    "the other line" : "accepted", log);
		free(log);
	}

	/* The selection: longest prefix, none is every group at length 0. */
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	check(upgrp_len(&a, "239.1.1.1") == 0 && upgrp_len(&a, "ff0e::1") == 0,
	    "upstream groups: without prefixes every group, at length 0");
	inet_pfx_parse("239.0.0.0/8", &a.upgrp[a.nupgrp++], e, sizeof(e));
	inet_pfx_parse("239.1.0.0/16", &a.upgrp[a.nupgrp++], e, sizeof(e));
	inet_pfx_parse("ff0e::/16", &a.upgrp[a.nupgrp++], e, sizeof(e));
	check(upgrp_len(&a, "239.1.1.1") == 16 &&
	    upgrp_len(&a, "239.2.1.1") == 8 && upgrp_len(&a, "ff0e::5") == 16,
	    "upstream groups: the longest matching prefix's length");
	check(upgrp_len(&a, "225.1.1.1") == -1 &&
	    upgrp_len(&a, "ff05::1") == -1,
	    "upstream groups: -1 outside every prefix, either family");
	inet_pfx_parse("239.1.0.0/16", &b.upgrp[b.nupgrp++], e, sizeof(e));
	check(upgrp_len(&a, "239.1.0.9") == upgrp_len(&b, "239.1.0.9") &&
	    pconf_upgrp_clash(&a, &b, &same) && same.len == 16,
	    "upstream groups: equal prefixes clash, and are named");
	b.upgrp[0].len = 17;
	check(!pconf_upgrp_clash(&a, &b, &same) &&
	    upgrp_len(&b, "239.1.0.9") > upgrp_len(&a, "239.1.0.9"),
	    "upstream groups: a longer prefix does not clash, and wins");
	memset(&b, 0, sizeof(b));
	check(!pconf_upgrp_clash(&a, &b, &same) &&
	    upgrp_len(&a, "239.9.9.9") > upgrp_len(&b, "239.9.9.9") &&
	    upgrp_len(&b, "225.9.9.9") > upgrp_len(&a, "225.9.9.9"),
	    "upstream groups: one without prefixes takes the rest");
	memset(&a, 0, sizeof(a));
	check(pconf_upgrp_clash(&a, &b, &same) &&
	    same.addr.family == AF_UNSPEC,
	    "upstream groups: two without prefixes clash");
}

/* where.file and .line follow includes. */
static void
test_where(void)
{
	static const struct {
		const char	*ifname, *file;
		int		 line;
	} w[] = {
		{ "top0",	"include.conf",				 3 },
		{ "ten",	"include.d/10-ten.conf",		 1 },
		{ "first",	"include.d/a-first.conf",		 3 },
		{ "leaf",	"include.d/dir.conf/leaf.conf",		 2 },
		{ "second",	"include.d/dir.conf/../b-second.conf",	 1 },
		{ "top1",	"include.conf",				10 },
	};
	struct conf *c = conf_new();
	struct conf_phyint *pi;
	size_t i;
	char *log;

	/* At info level: what is skipped without being an error. */
	log_setlevel(LOG_INFO);
	capture_begin();
	conf_parse_file(c, "include.conf");
	log = capture_end();
	log_setlevel(LOG_NOTICE);
	check(strstr(log, "include.conf line 5: include include.d/none-*.conf:"
	    " no match\n") != NULL, "include: no match logged at info level");
	check(strstr(log, "include.conf line 4: include: skipping directory "
	    "include.d/dir.conf/\n") != NULL,
	    "include: directory skipped, logged at info level");
	free(log);
	for (i = 0; i < sizeof(w) / sizeof(w[0]); i++) {
		TAILQ_FOREACH(pi, &c->phyints, link) {
			if (strcmp(pi->ifname, w[i].ifname))
				continue;
			if (!strcmp(pi->where.file, w[i].file))
				break;
		}
		check(pi && pi->where.line == w[i].line,
		    "where: phyint %s at %s line %d", w[i].ifname, w[i].file,
		    w[i].line);
	}
	conf_free(c);
}

/*
 * A guard for the checks that a regression would hang (a FIFO opened
 * for reading waits for a writer, /dev/zero never ends): SIGALRM ends
 * the test with a failure instead.  guard(NULL) disarms it.
 */
#define GUARD_SECONDS	30

static const char	*guard_what = "";

static void
guard_alarm(int sig)
{
	static const char msg[] = "Bail out! test_conf: timed out: ";
	ssize_t rc;

	(void)sig;
	/* Async-signal-safe calls only; stdout may be a capture file. */
	rc = write(STDERR_FILENO, msg, sizeof(msg) - 1);
	rc = write(STDERR_FILENO, guard_what, strlen(guard_what));
	rc = write(STDERR_FILENO, "\n", 1);
	(void)rc;
	_exit(1);
}

static void
guard(const char *what)
{
	if (what == NULL) {
		alarm(0);
		return;
	}
	guard_what = what;
	signal(SIGALRM, guard_alarm);
	alarm(GUARD_SECONDS);
}

static const char *
tmp_path(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", tmpdir, name);
	return buf;
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* rm -rf tmpdir/name */
static void
tmp_remove(const char *name)
{
	char path[PATH_MAX + 64];

	nftw(tmp_path(path, sizeof(path), name), rm_one, 16,
	    FTW_DEPTH | FTW_PHYS);
}

/* Parse path into a new conf; what was logged in *log. */
static struct conf *
parse_log(const char *path, int *rc, char **log)
{
	struct conf *c;

	if ((c = conf_new()) == NULL) {
		perror("conf_new");
		exit(1);
	}
	capture_begin();
	*rc = conf_parse_file(c, path);
	*log = capture_end();
	return c;
}

/* The last line of a log, or "". */
static const char *
last_line(const char *log)
{
	size_t len = strlen(log);

	if (len == 0)
		return log;
	for (len--; len > 0 && log[len - 1] != '\n'; len--)
		;
	return log + len;
}

/* CONF_FILES_MAX and CONF_INCLUDES_MAX. */
static void
test_budget_files(void)
{
	char dir[PATH_MAX + 64], path[2 * PATH_MAX], top[2 * PATH_MAX];
	char want[4 * PATH_MAX], text[64], desc[128];
	const char *s;
	struct conf *c;
	char *log, *dump;
	FILE *fp;
	int i, j, rc, load, ok;

	/* 300 files in one directory, one phyint each. */
	tmp_path(dir, sizeof(dir), "flat");
	if (mkdir(dir, 0700)) {
		check_fail("mkdir %s: %s", dir, strerror(errno));
		return;
	}
	for (i = 0; i < 300; i++) {
		snprintf(path, sizeof(path), "%s/f%03d.conf", dir, i);
		snprintf(text, sizeof(text), "phyint f%03d\n", i);
		write_text(path, text);
	}
	tmp_path(top, sizeof(top), "flat.conf");
	write_text(top, "include flat/*.conf\nphyint after\n");
	snprintf(want, sizeof(want), "%s line 1: include flat/*.conf: more "
	    "than %d files in one load: %s/f255.conf and the matches after "
	    "it not read\n", top, CONF_FILES_MAX, dir);

	/* Twice, as at start and at a reload: each load starts afresh. */
	for (load = 1; load <= 2; load++) {
		c = parse_log(top, &rc, &log);
		snprintf(desc, sizeof(desc), "files: load %d over the budget: "
		    "one error, at the include line", load);
		check_got(rc == 1 && !strcmp(log, want), desc, log, want);
		dump = dump_text(c);
		check(c->nfiles == CONF_FILES_MAX &&
		    count_lines(dump) == CONF_FILES_MAX &&
		    strstr(dump, "phyint f254 ") &&
		    !strstr(dump, "phyint f255 ") &&
		    strstr(dump, "phyint after "), "files: load %d: the top "
		    "file and %d included ones read, the line after the "
		    "include too", load, CONF_FILES_MAX - 1);
		free(dump);
		free(log);
		conf_free(c);
	}

	/* Exactly the budget, over several include lines: no error. */
	write_text(top, "include flat/f[01]*.conf\n"
	    "include flat/f2[0-4]?.conf\ninclude flat/f25[0-4].conf\n");
	c = parse_log(top, &rc, &log);
	check_got(rc == 0 && *log == '\0' && c->nfiles == CONF_FILES_MAX,
	    "files: exactly the budget is fine", log, "");
	free(log);
	conf_free(c);
	/* One more: the error names the file, no "matches after it". */
	write_text(top, "include flat/f[01]*.conf\n"
	    "include flat/f2[0-4]?.conf\ninclude flat/f25[0-4].conf\n"
	    "include flat/f255.conf\n");
	c = parse_log(top, &rc, &log);
	snprintf(want, sizeof(want), "%s line 4: include flat/f255.conf: "
	    "more than %d files in one load: %s/f255.conf not read\n", top,
	    CONF_FILES_MAX, dir);
	check_got(rc == 1 && !strcmp(log, want),
	    "files: one over the budget", log, want);
	free(log);
	conf_free(c);
	unlink(top);
	tmp_remove("flat");

	/*
	 * Six files per level, each including the six of the next level,
	 * over CONF_INCLUDE_DEPTH levels: 6^8 reads without the budget
	 * (1.68 million, half a minute), the budget's 256 with it.
	 */
	tmp_path(dir, sizeof(dir), "tree");
	if (mkdir(dir, 0700)) {
		check_fail("mkdir %s: %s", dir, strerror(errno));
		return;
	}
	for (i = 1; i <= CONF_INCLUDE_DEPTH; i++) {
		for (j = 1; j <= 6; j++) {
			snprintf(path, sizeof(path), "%s/L%d_%d.conf", dir, i,
			    j);
			if (i < CONF_INCLUDE_DEPTH)
				snprintf(want, sizeof(want), "phyint l%d\n"
				    "include L%d_*.conf\n", i, i + 1);
			else
				snprintf(want, sizeof(want), "phyint l%d\n",
				    i);
			write_text(path, want);
		}
	}
	snprintf(top, sizeof(top), "%s/top.conf", dir);
	write_text(top, "include L1_*.conf\n");
	guard("an include tree over the file budget");
	c = parse_log(top, &rc, &log);
	guard(NULL);
	dump = dump_text(c);
	check(c->nfiles == CONF_FILES_MAX &&
	    count_lines(dump) == CONF_FILES_MAX - 1,
	    "files: include tree: %d files read (%d)", CONF_FILES_MAX,
	    c->nfiles);
	ok = rc >= 1 && rc <= CONF_INCLUDE_DEPTH && rc == c->nerrors &&
	    rc == count_lines(log);
	for (s = log; ok && *s; s = strchr(s, '\n') + 1)
		ok = strncmp(s, dir, strlen(dir)) == 0 &&
		    strstr(s, " line ") < strstr(s, ": more than 256 files "
		    "in one load: ") && strchr(s, '\n') != NULL;
	check_got(ok, "files: include tree: an error at each include line "
	    "that went over, one per open file at most", log, NULL);
	snprintf(want, sizeof(want), "%s line 1: include L1_*.conf: more "
	    "than %d files in one load: %s/L1_2.conf and the matches after "
	    "it not read\n", top, CONF_FILES_MAX, dir);
	check_got(!strcmp(last_line(log), want), "files: include tree: the "
	    "top file's include went over last", last_line(log), want);
	free(dump);
	free(log);
	conf_free(c);
	tmp_remove("tree");

	/* CONF_INCLUDES_MAX: each include line is a glob(3). */
	tmp_path(top, sizeof(top), "includes.conf");
	if ((fp = fopen(top, "w")) == NULL) {
		check_fail("%s: %s", top, strerror(errno));
		return;
	}
	for (i = 0; i <= CONF_INCLUDES_MAX; i++)
		fprintf(fp, "include none-*.conf\n");
	fprintf(fp, "phyint after\n");
	fclose(fp);
	snprintf(want, sizeof(want), "%s line %d: include none-*.conf: more "
	    "than %d include lines in one load\n", top,
	    CONF_INCLUDES_MAX + 1, CONF_INCLUDES_MAX);
	c = parse_log(top, &rc, &log);
	dump = dump_text(c);
	check_got(rc == 1 && !strcmp(log, want) &&
	    !strcmp(dump, "phyint after enable ttl-threshold 1\n"),
	    "includes: the include line over the budget is an error", log,
	    want);
	free(dump);
	free(log);
	conf_free(c);
	unlink(top);
}

/* Only regular files are read, and opening one never blocks. */
static void
test_special_files(void)
{
	char fifo[PATH_MAX + 64], sock[PATH_MAX + 64], top[PATH_MAX + 64];
	char path[PATH_MAX + 64], want[8 * PATH_MAX];
	struct sockaddr_un sun;
	struct conf *c;
	char *log, *dump;
	int fd, rc;

	tmp_path(fifo, sizeof(fifo), "fifo");
	tmp_path(sock, sizeof(sock), "sock");
	tmp_path(top, sizeof(top), "special.conf");
	tmp_path(path, sizeof(path), "zero.conf");
	if (mkfifo(fifo, 0600) || symlink("/dev/zero", path)) {
		check_fail("mkfifo, symlink: %s", strerror(errno));
		return;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlcpy(sun.sun_path, sock, sizeof(sun.sun_path)) >=
	    sizeof(sun.sun_path) ||
	    (fd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0) {
		check_fail("socket %s: %s", sock, strerror(errno));
		return;
	}
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun))) {
		check_fail("bind %s: %s", sock, strerror(errno));
		close(fd);
		return;
	}
	write_text(top, "include fifo\ninclude /dev/zero\ninclude zero.conf\n"
	    "include sock\nphyint after\n");

	guard("a FIFO, /dev/zero or a socket included");
	c = parse_log(top, &rc, &log);
	guard(NULL);
	snprintf(want, sizeof(want),
	    "%s line 1: include: cannot read %s: it is a FIFO, not a regular "
	    "file\n"
	    "%s line 2: include: cannot read /dev/zero: it is a character "
	    "device, not a regular file\n"
	    "%s line 3: include: cannot read %s: it is a character device, "
	    "not a regular file\n"
	    "%s line 4: include: cannot read %s: it is a socket, not a "
	    "regular file\n", top, fifo, top, top, path, top, sock);
	check_got(rc == 4 && !strcmp(log, want), "special files included: "
	    "an error each, at its include line, naming it", log, want);
	dump = dump_text(c);
	CHECK_STR(dump, "phyint after enable ttl-threshold 1\n");
	free(dump);
	free(log);
	conf_free(c);

	/* As the top-level file. */
	guard("a FIFO as the top-level file");
	c = parse_log(fifo, &rc, &log);
	guard(NULL);
	snprintf(want, sizeof(want), "cannot read %s: it is a FIFO, not a "
	    "regular file\n", fifo);
	check_got(rc == 1 && !strcmp(log, want), "a FIFO as the top-level "
	    "file: one error", log, want);
	free(log);
	conf_free(c);
	guard("/dev/zero as the top-level file");
	c = parse_log("/dev/zero", &rc, &log);
	guard(NULL);
	check_got(rc == 1 && !strcmp(log, "cannot read /dev/zero: it is a "
	    "character device, not a regular file\n"), "/dev/zero as the "
	    "top-level file: one error", log, NULL);
	free(log);
	conf_free(c);

	close(fd);
	unlink(sock);
	unlink(fifo);
	unlink(path);
	unlink(top);
}

/* CONF_BYTES_MAX: bytes read in one load. */
static void
test_budget_bytes(void)
{
	char big[PATH_MAX + 64], half[PATH_MAX + 64], top[PATH_MAX + 64];
	char line[1024], want[4 * PATH_MAX];
	const char *s, *from = NULL;
	struct stat st;
	struct conf *c;
	FILE *fp;
	char *log, *dump;
	int fd, i, rc;

	/* A sparse file: a gigabyte of NULs without the budget. */
	tmp_path(big, sizeof(big), "big.conf");
	tmp_path(top, sizeof(top), "bytes.conf");
	if ((fd = open(big, O_WRONLY | O_CREAT | O_TRUNC, 0600)) < 0 ||
	    ftruncate(fd, (off_t)CONF_BYTES_MAX + 1)) {
		check_fail("%s: %s", big, strerror(errno));
		if (fd >= 0)
			close(fd);
		return;
	}
	close(fd);
	write_text(top, "include big.conf\nphyint after\n");
	guard("a file over the byte budget");
	c = parse_log(top, &rc, &log);
	guard(NULL);
	snprintf(want, sizeof(want), "%s line 1: include: cannot read %s: "
	    "its %d bytes would take the load over %d bytes\n", top, big,
	    CONF_BYTES_MAX + 1, CONF_BYTES_MAX);
	check_got(rc == 1 && !strcmp(log, want) && c->nbytes ==
	    strlen("include big.conf\nphyint after\n"), "bytes: an included "
	    "file over the budget is not read at all", log, want);
	free(log);
	conf_free(c);
	c = parse_log(big, &rc, &log);
	snprintf(want, sizeof(want), "cannot read %s: its %d bytes would "
	    "take the load over %d bytes\n", big, CONF_BYTES_MAX + 1,
	    CONF_BYTES_MAX);
	check_got(rc == 1 && !strcmp(log, want), "bytes: nor a top-level "
	    "file over it", log, want);
	free(log);
	conf_free(c);
	unlink(big);

	/* Just over half the budget, twice: the second is refused. */
	tmp_path(half, sizeof(half), "half.conf");
	if ((fp = fopen(half, "w")) == NULL) {
		check_fail("%s: %s", half, strerror(errno));
		return;
	}
	memset(line, '#', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\n';
	for (i = 0; i < CONF_BYTES_MAX / 2 / (int)sizeof(line); i++)
		fwrite(line, 1, sizeof(line), fp);
	fputs("phyint half\n", fp);
	fclose(fp);
	write_text(top, "include half.conf\ninclude half.conf\n"
	    "phyint after\n");
	c = parse_log(top, &rc, &log);
	snprintf(want, sizeof(want), "%s line 2: include: cannot read %s: "
	    "its %d bytes would take the load over %d bytes\n", top, half,
	    CONF_BYTES_MAX / 2 + 12, CONF_BYTES_MAX);
	check_got(rc == 1 && !strcmp(log, want), "bytes: the budget is for "
	    "all files of a load", log, want);
	dump = dump_text(c);
	CHECK_STR(dump, "phyint half enable ttl-threshold 1\n"
	    "phyint after enable ttl-threshold 1\n");
	free(dump);
	free(log);
	conf_free(c);
	unlink(half);

	/*
	 * A file whose size says nothing: /proc/self/pagemap is a regular
	 * file of size 0 that reads on for terabytes.  The read stops at
	 * the budget, and with it the load: the line after the include is
	 * not read either.
	 */
	if (stat("/proc/self/pagemap", &st) || !S_ISREG(st.st_mode) ||
	    access("/proc/self/pagemap", R_OK)) {
		check(1, "bytes: a file growing past the budget "
		    "# SKIP no /proc/self/pagemap");
	} else {
		write_text(top, "include /proc/self/pagemap\nphyint after\n");
		guard("/proc/self/pagemap included");
		c = parse_log(top, &rc, &log);
		guard(NULL);
		/* The error of the pagemap line, then the top file's. */
		snprintf(want, sizeof(want), ": more than %d bytes in one "
		    "load, the rest not read\n%s line 2: more than %d bytes "
		    "in one load, the rest not read\n", CONF_BYTES_MAX, top,
		    CONF_BYTES_MAX);
		if ((s = strstr(log, want)) != NULL)
			for (from = s; from > log && from[-1] != '\n'; from--)
				;
		check_got(rc >= 2 && rc == count_lines(log) && s != NULL &&
		    s[strlen(want)] == '\0' && !strncmp(from,
		    "/proc/self/pagemap line ", 24) &&
		    c->nbytes == CONF_BYTES_MAX, "bytes: a read stops at the "
		    "budget, at the line it had reached", log, want);
		dump = dump_text(c);
		CHECK_STR(dump, "");
		free(dump);
		free(log);
		conf_free(c);
	}
	unlink(top);
}

/* CONF_EXPAND_TOTAL: mgroup pairs of all lines of a load. */
static void
test_budget_mgroup(void)
{
	char path[PATH_MAX + 64], want[4 * PATH_MAX], line[128], err[256];
	struct conf_mgroup mg;
	struct conf *c;
	char *log, *dump;
	FILE *fp;
	int i, rc, load, nl = CONF_EXPAND_TOTAL / CONF_EXPAND_MAX;

	/* 16 lines of 4096 pairs fill the budget. */
	tmp_path(path, sizeof(path), "mgroup.conf");
	if ((fp = fopen(path, "w")) == NULL) {
		check_fail("%s: %s", path, strerror(errno));
		return;
	}
	for (i = 0; i < nl; i++)
		fprintf(fp, "mgroup from eth0 group 225.%d.0.0/20\n", i);
	fprintf(fp, "mgroup from eth0 source 10.0.0.0/30 group 232.1.1.1\n"
	    "mgroup from eth0 group 225.99.0.1\n");
	fclose(fp);
	snprintf(want, sizeof(want),
	    "%s line %d: mgroup expands to 4 joins: %d with the earlier "
	    "lines, more than %d in one load\n"
	    "%s line %d: mgroup expands to 1 join: %d with the earlier "
	    "lines, more than %d in one load\n",
	    path, nl + 1, CONF_EXPAND_TOTAL + 4, CONF_EXPAND_TOTAL,
	    path, nl + 2, CONF_EXPAND_TOTAL + 1, CONF_EXPAND_TOTAL);
	for (load = 1; load <= 2; load++) {
		c = parse_log(path, &rc, &log);
		check_got(rc == 2 && !strcmp(log, want), "mgroup: the lines "
		    "over the budget are errors", log, want);
		dump = dump_text(c);
		check(count_lines(dump) == nl &&
		    c->npairs == CONF_EXPAND_TOTAL &&
		    !strstr(dump, "232.1.1.1") && !strstr(dump, "225.99"),
		    "mgroup: load %d: %d pairs kept, nothing of the lines over",
		    load, CONF_EXPAND_TOTAL);
		free(dump);
		free(log);
		conf_free(c);
	}

	/* conf_parse_line() into one struct conf shares its budget. */
	c = conf_new();
	capture_begin();
	for (i = 0, rc = 0; i < nl; i++) {
		snprintf(line, sizeof(line), "mgroup from eth0 group "
		    "ff0e::%x:0/116", i);
		rc |= conf_parse_line(c, line, "ipc", i + 1);
	}
	rc |= conf_parse_line(c, "mgroup from eth0 group ff0e::1:1:0/127",
	    "ipc", nl + 1) != -1;
	log = capture_end();
	snprintf(want, sizeof(want), "ipc line %d: mgroup expands to 2 "
	    "joins: %d with the earlier lines, more than %d in one load\n",
	    nl + 1, CONF_EXPAND_TOTAL + 2, CONF_EXPAND_TOTAL);
	check_got(rc == 0 && !strcmp(log, want), "mgroup: lines given one "
	    "by one share the budget of their struct conf", log, want);
	free(log);
	conf_free(c);

	/* smcroutectl join: the per-command cap alone. */
	memset(&mg, 0, sizeof(mg));
	strlcpy(mg.ifname, "eth0", sizeof(mg.ifname));
	word_group("225.1.0.0/20", &mg.grp, err, sizeof(err));
	word_source("0.0.0.0", &mg.src, err, sizeof(err));
	check(conf_check_mgroup(&mg, err, sizeof(err)) == 0,
	    "mgroup: conf_check_mgroup() keeps the per-line cap only");

	/* 10,000 lines of 4096: 41 million joins without the budget. */
	if ((fp = fopen(path, "w")) == NULL) {
		check_fail("%s: %s", path, strerror(errno));
		return;
	}
	for (i = 0; i < 10000; i++)
		fprintf(fp, "mgroup from eth0 group 225.%d.%d.0/20\n",
		    i / 16, i % 16 * 16);
	fclose(fp);
	guard("10,000 mgroup lines");
	c = parse_log(path, &rc, &log);
	guard(NULL);
	check(rc == 10000 - nl && rc == count_lines(log) &&
	    c->npairs == CONF_EXPAND_TOTAL, "mgroup: 10,000 lines of %d "
	    "pairs: %d kept, %d errors", CONF_EXPAND_MAX, nl, rc);
	free(log);
	conf_free(c);
	unlink(path);
}

/* Cases that need files made at run time, outside the source tree. */
static void
test_files(void)
{
	char path[PATH_MAX + 64], target[PATH_MAX + 64], want[3 * PATH_MAX];
	struct conf *c;
	char *log;
	int rc, saved;

	/* A missing top-level file: -1, ENOENT, nothing logged. */
	c = conf_new();
	snprintf(path, sizeof(path), "%s/missing.conf", tmpdir);
	capture_begin();
	errno = 0;
	rc = conf_parse_file(c, path);
	saved = errno;
	log = capture_end();
	check(rc == -1 && saved == ENOENT && *log == '\0' &&
	    c->nerrors == 0, "missing file: -1, ENOENT, silent");
	free(log);
	conf_free(c);

	/* A directory as the top-level file: one error. */
	c = conf_new();
	capture_begin();
	rc = conf_parse_file(c, tmpdir);
	log = capture_end();
	snprintf(want, sizeof(want), "cannot read %s: it is a directory, not "
	    "a regular file\n", tmpdir);
	check(rc == 1 && c->nerrors == 1 && !strcmp(log, want),
	    "directory as file: %s", log);
	free(log);
	conf_free(c);

	/*
	 * An included file that cannot be opened (a dangling symlink) is
	 * an error at the include line; an absolute pattern is used as is.
	 */
	snprintf(path, sizeof(path), "%s/sub", tmpdir);
	if (mkdir(path, 0700)) {
		check(0, "mkdir %s: %s", path, strerror(errno));
		return;
	}
	snprintf(path, sizeof(path), "%s/sub/broken.conf", tmpdir);
	snprintf(target, sizeof(target), "%s/sub/nowhere", tmpdir);
	if (symlink(target, path)) {
		check(0, "symlink %s: %s", path, strerror(errno));
		return;
	}
	snprintf(path, sizeof(path), "%s/sub/ok.conf", tmpdir);
	write_text(path, "phyint ok\n");
	snprintf(path, sizeof(path), "%s/main.conf", tmpdir);
	snprintf(want, sizeof(want), "include %s/sub/*.conf\n"
	    "phyint main\n", tmpdir);
	write_text(path, want);

	c = conf_new();
	capture_begin();
	rc = conf_parse_file(c, path);
	log = capture_end();
	snprintf(want, sizeof(want), "%s/main.conf line 1: include: cannot "
	    "read %s/sub/broken.conf: No such file or directory\n", tmpdir,
	    tmpdir);
	check(rc == 1 && !strcmp(log, want),
	    "unreadable include is an error at the include line");
	free(log);
	log = dump_text(c);
	check(!strcmp(log, "phyint ok enable ttl-threshold 1\n"
	    "phyint main enable ttl-threshold 1\n"),
	    "other matches and lines are still read");
	free(log);
	conf_free(c);

	/* A directory with glob characters in its name is literal. */
	snprintf(path, sizeof(path), "%s/[s]ub", tmpdir);
	if (mkdir(path, 0700)) {
		check(0, "mkdir %s: %s", path, strerror(errno));
		return;
	}
	snprintf(path, sizeof(path), "%s/[s]ub/main.conf", tmpdir);
	write_text(path, "include ok.conf\n");
	snprintf(path, sizeof(path), "%s/[s]ub/ok.conf", tmpdir);
	write_text(path, "phyint literal\n");
	snprintf(path, sizeof(path), "%s/[s]ub/main.conf", tmpdir);
	c = conf_new();
	capture_begin();
	rc = conf_parse_file(c, path);
	log = capture_end();
	free(log);
	log = dump_text(c);
	check(rc == 0 && !strcmp(log, "phyint literal enable "
	    "ttl-threshold 1\n"), "glob characters in the directory");
	free(log);
	conf_free(c);

	snprintf(path, sizeof(path), "%s/[s]ub/main.conf", tmpdir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/[s]ub/ok.conf", tmpdir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/[s]ub", tmpdir);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/main.conf", tmpdir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/sub/ok.conf", tmpdir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/sub/broken.conf", tmpdir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/sub", tmpdir);
	rmdir(path);
}

int
main(void)
{
	const char *srcdir = getenv("srcdir");
	const char *tmp = getenv("TMPDIR");
	char dir[PATH_MAX];

	if (srcdir == NULL)
		srcdir = ".";
	if (tmp == NULL)
		tmp = "/tmp";
	snprintf(tmpdir, sizeof(tmpdir), "%s/test_conf.XXXXXX", tmp);
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	/* Golden files name each other relative to their directory. */
	snprintf(dir, sizeof(dir), "%s/test/unit/conf", srcdir);
	if (chdir(dir)) {
		perror(dir);
		return 1;
	}
	log_open("test_conf", 0, 0);
	log_to_stdout(1);
	log_setlevel(LOG_NOTICE);

	test_ifname();
	test_addr();
	test_mroute();
	test_mgroup();
	test_parse_line();
	test_mroute_except();
	test_mroute_sg_twice();
	test_proxy_words();
	test_proxy_upgrp();
	test_where();
	test_files();
	test_budget_files();
	test_special_files();
	test_budget_bytes();
	test_budget_mgroup();
	golden();

	rmdir(tmpdir);
	return check_exit("test_conf");
}
