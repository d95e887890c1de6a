/*
 * cmd.h - the commands smcroutectl sends, carried out by the daemon
 */
#ifndef SMCR_CMD_H
#define SMCR_CMD_H

#include <stddef.h>

struct msg_req;
struct evbuffer;

int	cmd_dispatch(const struct msg_req *, struct evbuffer *out, char *err,
	    size_t errlen);

#endif /* SMCR_CMD_H */
