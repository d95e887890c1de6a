/*
 * check.h - the unit tests' harness: TAP lines on stdout
 *
 * Header only, one copy per test program.  Every check prints
 * "ok N - DESCRIPTION" or "not ok N - DESCRIPTION", the latter followed
 * by "#   got: ..." and "#   want: ..." lines when there is something to
 * show; a value of several lines is shown one line per "#" line, with
 * '$' marking each newline.  main() ends with
 * "return check_exit("test_xxx");", which prints the plan "1..N" and a
 * summary comment and returns the exit status (0 when all passed).
 */
#ifndef SMCR_TEST_CHECK_H
#define SMCR_TEST_CHECK_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Assert cond; described as "FILE:LINE: cond". */
#define CHECK(cond)							\
	check(!!(cond), "%s:%d: %s", __FILE__, __LINE__, #cond)

/* Assert strcmp(got, want) == 0, got evaluated first; shows both. */
#define CHECK_STR(got, want) do {					\
	const char *check_g_ = (got), *check_w_ = (want);		\
									\
	check_str_at(__FILE__, __LINE__, #got, #want, check_g_,		\
	    check_w_);							\
} while (0)

static int	check_n, check_nfail;

/* One line of text, control characters as \xNN, newlines as '$'. */
static void __attribute__((unused))
check_put(const char *s, size_t len, int dollar)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\n')
			fputs(dollar ? "$" : " ", stdout);
		else if (c < 0x20 || c == 0x7f)
			printf("\\x%02x", c);
		else
			putchar(c);
	}
}

/* A detail line, or a block of them when the value has newlines. */
static void __attribute__((unused))
check_detail(const char *label, const char *val)
{
	const char *nl;

	if (val == NULL) {
		printf("#   %s (null)\n", label);
		return;
	}
	if (strchr(val, '\n') == NULL) {
		printf("#   %s \"", label);
		check_put(val, strlen(val), 0);
		printf("\"\n");
		return;
	}
	printf("#   %s\n", label);
	while (*val) {
		nl = strchr(val, '\n');
		nl = nl ? nl + 1 : val + strlen(val);
		printf("#     ");
		check_put(val, (size_t)(nl - val), 1);
		putchar('\n');
		val = nl;
	}
}

static void __attribute__((format(printf, 2, 0), unused))
check_vline(int ok, const char *fmt, va_list ap)
{
	char what[1024];

	vsnprintf(what, sizeof(what), fmt, ap);
	check_n++;
	if (!ok)
		check_nfail++;
	printf("%s %d - ", ok ? "ok" : "not ok", check_n);
	check_put(what, strlen(what), 0);
	putchar('\n');
}

/* Assert ok, described by a printf format. */
static void __attribute__((format(printf, 2, 3), unused))
check(int ok, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	check_vline(ok, fmt, ap);
	va_end(ap);
	fflush(stdout);
}

/* Assert ok; on failure show got and want (either may be NULL). */
static void __attribute__((unused))
check_got(int ok, const char *what, const char *got, const char *want)
{
	check(ok, "%s", what);
	if (!ok && (got != NULL || want != NULL)) {
		check_detail("got:", got);
		check_detail("want:", want);
	}
	fflush(stdout);
}

/* Record a failure found outside a check, e.g. a failed system call. */
static void __attribute__((format(printf, 1, 2), unused))
check_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	check_vline(0, fmt, ap);
	va_end(ap);
	fflush(stdout);
}

/* CHECK_STR(): the description names want only when it is short. */
static void __attribute__((unused))
check_str_at(const char *file, int line, const char *gexpr,
    const char *wexpr, const char *got, const char *want)
{
	char what[1024];

	if (strlen(wexpr) <= 40)
		snprintf(what, sizeof(what), "%s:%d: %s == %s", file, line,
		    gexpr, wexpr);
	else
		snprintf(what, sizeof(what), "%s:%d: %s", file, line, gexpr);
	check_got(got != NULL && want != NULL && strcmp(got, want) == 0,
	    what, got, want);
}

/* The plan and a summary; returns main()'s exit status. */
static int __attribute__((unused))
check_exit(const char *name)
{
	printf("1..%d\n# %s: %d checks, %d failed\n", check_n, name,
	    check_n, check_nfail);
	fflush(stdout);
	return check_nfail ? 1 : 0;
}

#endif /* SMCR_TEST_CHECK_H */
