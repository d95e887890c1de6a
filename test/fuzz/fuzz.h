/*
 * fuzz.h - what the libFuzzer targets share: the broken-invariant exit
 * and the trace switch.  A target defines FZ_NAME (its file name, as
 * the message names it) before including this.
 */
#ifndef SMCR_FUZZ_H
#define SMCR_FUZZ_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool	fz_trace;	/* the target's FUZZ_*_TRACE */

static void __attribute__((noreturn))
fz_fail(int line, const char *what)
{
	fprintf(stderr, FZ_NAME ":%d: invariant violated: %s\n", line, what);
	abort();
}

/* Trace when the environment variable var is set, non-empty, not "0". */
static void
fz_trace_init(const char *var)
{
	const char *t = getenv(var);

	fz_trace = t != NULL && *t != '\0' && strcmp(t, "0") != 0;
}

#endif
