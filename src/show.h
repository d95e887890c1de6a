/*
 * show.h - what smcroutectl show prints, rendered by render.c
 */
#ifndef SMCR_SHOW_H
#define SMCR_SHOW_H

#include <stddef.h>
#include <stdint.h>

struct evbuffer;

/* what: enum msg_show; flags: MSG_F_*.  0, or -1 with a reason in err. */
int	show(int what, uint32_t flags, struct evbuffer *out, char *err,
	    size_t errlen);

#endif /* SMCR_SHOW_H */
