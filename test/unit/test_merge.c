/*
 * test_merge.c - source filters and the RFC 4605 section 4.1 merge
 *
 * Sources are written as letters: 'a' is 10.0.0.1, 'b' 10.0.0.2, ...
 * A filter is written "IN(ab)" or "EX(c)".  Exit status 0 when every
 * check passes.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "merge.h"

static struct inet_addr
src(char c)
{
	struct inet_addr a;

	inet_any(&a, AF_INET);
	a.u.bytes[0] = 10;
	a.u.bytes[3] = (uint8_t)(c - 'a' + 1);
	return a;
}

/* "IN(ab)" or "EX()" into mode and sources. */
static size_t
parse(const char *f, enum msf_mode *mode, struct inet_addr *out)
{
	size_t n = 0;

	*mode = strncmp(f, "EX", 2) == 0 ? MSF_EXCLUDE : MSF_INCLUDE;
	for (f += 3; *f && *f != ')'; f++)
		out[n++] = src(*f);
	return n;
}

static void
fmt(const struct msf *f, char *buf, size_t len)
{
	struct msf_src *s;
	size_t o;

	o = (size_t)snprintf(buf, len, "%s(",
	    f->mode == MSF_EXCLUDE ? "EX" : "IN");
	MSF_FOREACH(s, f)
		if (o + 2 < len)
			buf[o++] = (char)('a' + s->addr.u.bytes[3] - 1);
	snprintf(buf + o, len - o, ")");
}

/* Merge the ';'-separated filters of in and compare with want. */
static void
merge_case(const char *in, const char *want)
{
	struct inet_addr a[32];
	struct merge m;
	struct msf out;
	enum msf_mode mode;
	char buf[256], what[256], *dup, *tok, *save;
	size_t n;
	int rc;

	merge_init(&m);
	msf_init(&out, MSF_INCLUDE);
	dup = strdup(in);
	for (tok = strtok_r(dup, ";", &save); tok != NULL;
	    tok = strtok_r(NULL, ";", &save)) {
		n = parse(tok, &mode, a);
		merge_record(&m, mode, a, n);
	}
	free(dup);
	rc = merge_result(&m, &out);
	fmt(&out, buf, sizeof(buf));
	snprintf(what, sizeof(what), "merge %s = %s", in[0] ? in : "(none)",
	    want);
	check_got(rc == 0 && strcmp(buf, want) == 0, what, buf, want);
	msf_clear(&out);
	merge_free(&m);
}

struct diff_log {
	char	buf[256];
	size_t	len;
};

static void
diff_cb(void *arg, enum merge_op op, enum msf_mode mode,
    const struct inet_addr *a)
{
	struct diff_log *d = arg;
	int n;

	if (op == MERGE_OP_MODE)
		n = snprintf(d->buf + d->len, sizeof(d->buf) - d->len,
		    "%smode %s", d->len ? " " : "", msf_mode_str[mode]);
	else
		n = snprintf(d->buf + d->len, sizeof(d->buf) - d->len,
		    "%s%c%c", d->len ? " " : "", op == MERGE_OP_ADD ? '+' : '-',
		    'a' + a->u.bytes[3] - 1);
	if (n > 0)
		d->len += (size_t)n;
}

static void
load(struct msf *f, const char *s)
{
	struct inet_addr a[32];
	enum msf_mode mode;
	size_t i, n;

	n = parse(s, &mode, a);
	msf_clear(f);
	f->mode = mode;
	for (i = 0; i < n; i++)
		msf_add(f, &a[i]);
}

static void
diff_case(const char *from, const char *to, const char *want, size_t nops)
{
	struct msf o, n;
	struct diff_log d = { .len = 0 };
	char what[256];
	size_t ops;

	msf_init(&o, MSF_INCLUDE);
	msf_init(&n, MSF_INCLUDE);
	load(&o, from);
	load(&n, to);
	d.buf[0] = '\0';
	ops = merge_diff(&o, &n, diff_cb, &d);
	snprintf(what, sizeof(what), "diff %s -> %s = [%s]", from, to, want);
	check_got(ops == nops && strcmp(d.buf, want) == 0, what, d.buf, want);
	msf_clear(&o);
	msf_clear(&n);
}

static void
test_msf(void)
{
	struct msf f, g;
	struct inet_addr a = src('a'), b = src('b');
	char buf[64];

	msf_init(&f, MSF_INCLUDE);
	msf_init(&g, MSF_INCLUDE);
	check_got(msf_is_null(&f), "empty INCLUDE is no membership", NULL,
	    NULL);
	check_got(msf_add(&f, &b) == 1 && msf_add(&f, &a) == 1 &&
	    msf_add(&f, &a) == 0 && f.nsrc == 2, "msf_add dedups", NULL,
	    NULL);
	fmt(&f, buf, sizeof(buf));
	check_got(strcmp(buf, "IN(ab)") == 0, "msf kept in address order", buf,
	    "IN(ab)");
	check_got(msf_has(&f, &a) && !msf_is_null(&f), "msf_has", NULL, NULL);
	check_got(msf_copy(&g, &f) == 0 && msf_equal(&f, &g), "msf_copy equal",
	    NULL, NULL);
	g.mode = MSF_EXCLUDE;
	check_got(!msf_equal(&f, &g), "mode makes filters differ", NULL, NULL);
	check_got(msf_del(&f, &a) && !msf_del(&f, &a) && f.nsrc == 1,
	    "msf_del", NULL, NULL);
	check_got(!msf_equal(&f, &g), "sources make filters differ", NULL,
	    NULL);
	msf_clear(&f);
	f.mode = MSF_EXCLUDE;
	check_got(!msf_is_null(&f), "EXCLUDE({}) is a membership", NULL, NULL);
	msf_clear(&f);
	msf_clear(&g);
}

int
main(void)
{
	struct merge m;
	struct msf out;
	struct inet_addr a = src('a');

	setvbuf(stdout, NULL, _IOLBF, 0);
	test_msf();

	/* No input, and inputs that carry no interest. */
	merge_case("", "IN()");
	merge_case("IN()", "IN()");
	merge_case("IN();IN()", "IN()");
	/* INCLUDE + INCLUDE: union. */
	merge_case("IN(ab)", "IN(ab)");
	merge_case("IN(ab);IN(bc)", "IN(abc)");
	merge_case("IN(a);IN();IN(d)", "IN(ad)");
	/* EXCLUDE + EXCLUDE: intersection of the exclude sets. */
	merge_case("EX(ab)", "EX(ab)");
	merge_case("EX(ab);EX(bc)", "EX(b)");
	merge_case("EX(ab);EX(cd)", "EX()");
	merge_case("EX(abc);EX(abc);EX(bc)", "EX(bc)");
	merge_case("EX();EX(ab)", "EX()");
	/* INCLUDE + EXCLUDE: EXCLUDE minus the includes. */
	merge_case("IN(a);EX()", "EX()");
	merge_case("IN(a);EX(b)", "EX(b)");
	merge_case("IN(a);EX(ab)", "EX(b)");
	merge_case("EX(ab);IN(a)", "EX(b)");
	merge_case("IN();EX(ab)", "EX(ab)");
	/* EXCLUDE with include overlaps across several interfaces. */
	merge_case("EX(abc);EX(bcd);IN(c)", "EX(b)");
	merge_case("EX(abc);IN(b);EX(abd);IN(a)", "EX()");
	merge_case("IN(de);EX(abcd);EX(bcde);IN(x)", "EX(bc)");
	/* Duplicates within one input are counted once. */
	merge_case("EX(aab);EX(b)", "EX(b)");
	merge_case("EX(aa);EX(b)", "EX()");
	merge_case("IN(aab)", "IN(ab)");

	/* merge_src() outside a record is refused. */
	merge_init(&m);
	check_got(merge_src(&m, &a) == -1, "merge_src needs merge_begin", NULL,
	    NULL);
	msf_init(&out, MSF_EXCLUDE);
	check_got(merge_result(&m, &out) == 0 && msf_is_null(&out),
	    "no input merges to INCLUDE({})", NULL, NULL);
	merge_free(&m);
	msf_clear(&out);

	/* Diffs for the upstream socket. */
	diff_case("IN()", "IN()", "", 0);
	diff_case("IN(ab)", "IN(ab)", "", 0);
	diff_case("IN()", "IN(ab)", "+a +b", 2);
	diff_case("IN(ab)", "IN()", "-a -b", 2);
	diff_case("IN(abd)", "IN(bce)", "-a +c -d +e", 4);
	diff_case("EX(ab)", "EX(bc)", "-a +c", 2);
	diff_case("EX()", "EX()", "", 0);
	diff_case("IN()", "EX()", "mode EXCLUDE", 1);
	diff_case("IN(a)", "EX(bc)", "mode EXCLUDE +b +c", 3);
	diff_case("EX(a)", "IN(ab)", "mode INCLUDE +a +b", 3);
	diff_case("EX(a)", "IN()", "mode INCLUDE", 1);

	return check_exit("test_merge");
}
