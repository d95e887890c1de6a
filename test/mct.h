/*
 * mct.h - what mcsend and mcrecv share: the test packet header and
 * small helpers.
 *
 * Each datagram starts with:
 *
 *	offset 0   magic  "MCT1"
 *	offset 4   seq    uint32, network order
 *	offset 8   sec    uint64, network order, CLOCK_REALTIME seconds
 *	offset 16  nsec   uint32, network order
 *	offset 20  pad    to the requested payload length
 */
#ifndef MCT_H
#define MCT_H

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#define MCT_MAGIC	"MCT1"
#define MCT_HDRLEN	20

/* Set by SIGINT/SIGTERM: finish and print the results. */
static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int
parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static int
parse_double(const char *s, double min, double max, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= min && v <= max))
		return -1;
	*out = v;
	return 0;
}

static uint64_t
now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

#endif /* MCT_H */
