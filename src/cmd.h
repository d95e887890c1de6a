/*
 * cmd.h - the commands smcroutectl sends, carried out by the daemon
 */
#ifndef SMCR_CMD_H
#define SMCR_CMD_H

#include <stddef.h>

struct msg_req;
struct evbuffer;

/* What `smcroutectl reload` does: 0 if applied, -1 with err if not. */
typedef int (*cmd_reload_fn)(char *err, size_t errlen);

void	cmd_init(cmd_reload_fn);
/* Carry out one request; show output goes to out.  0, or -1 with err. */
int	cmd_dispatch(const struct msg_req *, struct evbuffer *out, char *err,
	    size_t errlen);

#endif /* SMCR_CMD_H */
