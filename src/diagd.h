/*
 * diagd.h - the daemon's part of smcroutectl diagnose
 */
#ifndef SMCR_DIAGD_H
#define SMCR_DIAGD_H

#include <stddef.h>
#include <stdint.h>

struct evbuffer;

/*
 * The rows only the running daemon can give (its routing sockets, its
 * interfaces' VIFs, streams it saw with TTL 1, flows its proxy refused)
 * and the checks of the system against its running configuration, as
 * diag.h wire lines.  Reads a bounded amount of /proc and /sys and
 * runs nothing.  0, or -1 with a reason in err.
 */
int	diagd_run(uint32_t flags, struct evbuffer *out, char *err,
	    size_t errlen);

#endif /* SMCR_DIAGD_H */
