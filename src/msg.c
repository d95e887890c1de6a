/*
 * msg.c - the smcroutectl <-> smcrouted wire protocol
 *
 * Framing, the encoders, and the one request validator that the daemon
 * runs on every frame and the client runs on every frame it builds.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <event2/buffer.h>

#include "msg.h"

#define ROUTE_ARGS	"IIF [SOURCE[/LEN]] [except SRC[/LEN][,SRC...]] " \
			"GROUP[/LEN] OIF [OIF ...]"
#define GROUP_ARGS	"IFNAME [SOURCE[/LEN]] GROUP[/LEN]"

const struct msg_cmdinfo msg_cmds[] = {
	{ "help", 0, 0, 1, NULL, "[COMMAND]",
	  "Show usage, or help on one command", "add" },
	{ "version", 0, 0, 0, NULL, "",
	  "Show program version", NULL },
	{ "flush", MSG_FLUSH, 0, 0, NULL, "",
	  "Flush dynamically learned (S,G) routes from the kernel cache",
	  NULL },
	{ "kill", MSG_KILL, 0, 0, NULL, "",
	  "Stop the daemon", NULL },
	{ "reload", MSG_RELOAD, 0, 0, NULL, "",
	  "Reload the configuration file, like SIGHUP", NULL },
	{ "restart", MSG_RELOAD, 0, 0, "reload", "",
	  "Alias of reload", NULL },
	{ "show", MSG_SHOW, 0, 1, NULL,
	  "[routes|groups|interfaces|pending|igmp|stats]",
	  "Show routes (default), joined groups, interfaces, pending routes, "
	  "IGMP proxy state or the counters of the metrics",
	  "groups" },
	{ "add", MSG_ADD, 3, 5 + MSG_MAXOIFS, NULL, ROUTE_ARGS,
	  "Add a multicast route",
	  "eth0 192.168.2.42 225.1.2.3 eth1 eth2" },
	{ "remove", MSG_REMOVE, 2, 5 + MSG_MAXOIFS, NULL,
	  "IIF [SOURCE[/LEN]] GROUP[/LEN] [OIF ...]",
	  "Remove a multicast route, or only some of its outbound interfaces",
	  "eth0 192.168.2.42 225.1.2.3" },
	{ "del", MSG_REMOVE, 2, 5 + MSG_MAXOIFS, "remove",
	  "IIF [SOURCE[/LEN]] GROUP[/LEN] [OIF ...]",
	  "Alias of remove", "eth0 192.168.2.42 225.1.2.3" },
	{ "join", MSG_JOIN, 2, 3, NULL, GROUP_ARGS,
	  "Join a multicast group on an interface",
	  "eth0 225.1.2.3" },
	{ "leave", MSG_LEAVE, 2, 3, NULL, GROUP_ARGS,
	  "Leave a joined multicast group",
	  "eth0 225.1.2.3" },
	{ "diagnose", MSG_DIAGNOSE, 0, 1, NULL, "[FILE]",
	  "Check why a stream may not flow: kernel, socket, interfaces, "
	  "sysctls, streams, firewall",
	  NULL },
	{ NULL, 0, 0, 0, NULL, NULL, NULL, NULL }
};

static const char *const show_names[] = {
	[MSG_SHOW_ROUTES]	= "routes",
	[MSG_SHOW_GROUPS]	= "groups",
	[MSG_SHOW_INTERFACES]	= "interfaces",
	[MSG_SHOW_PENDING]	= "pending",
	[MSG_SHOW_IGMP]		= "igmp",
	[MSG_SHOW_STATS]	= "stats",
};
#define NSHOW	((int)(sizeof(show_names) / sizeof(show_names[0])))

static int
msg_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

const struct msg_cmdinfo *
msg_cmd_lookup(const char *word)
{
	const struct msg_cmdinfo *ci;
	size_t len;

	len = strlen(word);
	if (len == 0)
		return NULL;
	for (ci = msg_cmds; ci->name; ci++)
		if (!strncmp(ci->name, word, len))
			return ci;
	return NULL;
}

const struct msg_cmdinfo *
msg_cmd_bycode(unsigned code)
{
	const struct msg_cmdinfo *ci;

	if (code == 0)
		return NULL;
	for (ci = msg_cmds; ci->name; ci++)
		if (ci->code == code && !ci->alias_of)
			return ci;
	return NULL;
}

int
msg_show_lookup(const char *word)
{
	size_t len;
	int i;

	len = strlen(word);
	if (len == 0)
		return -1;
	for (i = 0; i < NSHOW; i++)
		if (!strncmp(show_names[i], word, len))
			return i;
	return -1;
}

int
msg_show_byname(const char *word)
{
	int i;

	for (i = 0; i < NSHOW; i++)
		if (!strcmp(show_names[i], word))
			return i;
	return -1;
}

const char *
msg_show_name(int show)
{
	if (show < 0 || show >= NSHOW)
		return "?";
	return show_names[show];
}

static uint32_t
get32(const unsigned char *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint16_t
get16(const unsigned char *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

int
msg_hdr_decode(const void *buf, size_t avail, struct msg_hdr *hdr,
    char *err, size_t errlen)
{
	const unsigned char *p = buf;

	if (avail < MSG_HDR_LEN)
		return 0;
	hdr->magic = get32(p);
	hdr->len = get32(p + 4);
	hdr->cmd = get16(p + 8);
	hdr->argc = get16(p + 10);
	hdr->flags = get32(p + 12);

	if (hdr->magic != MSG_MAGIC)
		return msg_err(err, errlen,
		    "bad magic 0x%08x, client and daemon versions differ?",
		    hdr->magic);
	if (hdr->len < MSG_HDR_LEN)
		return msg_err(err, errlen, "frame length %u is shorter than "
		    "the %d byte header", hdr->len, MSG_HDR_LEN);
	if (hdr->len > MSG_REQ_MAX)
		return msg_err(err, errlen, "frame length %u exceeds the "
		    "maximum of %d", hdr->len, MSG_REQ_MAX);
	return 1;
}

/* A request string must be printable: it ends up in logs and errors. */
static int
msg_arg_check(const char *s, size_t len, int i, char *err, size_t errlen)
{
	size_t j;

	if (len == 0)
		return msg_err(err, errlen, "argument %d is empty", i + 1);
	if (len > MSG_ARG_MAX)
		return msg_err(err, errlen, "argument %d is longer than %d "
		    "characters", i + 1, MSG_ARG_MAX);
	for (j = 0; j < len; j++) {
		unsigned char c = s[j];

		if (c < 0x20 || c == 0x7f)
			return msg_err(err, errlen, "argument %d contains "
			    "control characters", i + 1);
	}
	return 0;
}

int
msg_req_parse(const void *frame, size_t len, struct msg_req *req,
    char *err, size_t errlen)
{
	const struct msg_cmdinfo *ci;
	const char *p, *end, *nul;
	struct msg_hdr hdr;
	int i, rc;

	rc = msg_hdr_decode(frame, len, &hdr, err, errlen);
	if (rc == 0)
		return msg_err(err, errlen, "frame of %zu bytes is shorter "
		    "than the %d byte header", len, MSG_HDR_LEN);
	if (rc < 0)
		return -1;
	if (hdr.len != len)
		return msg_err(err, errlen, "frame length %u, but %zu bytes "
		    "given", hdr.len, len);

	ci = msg_cmd_bycode(hdr.cmd);
	if (!ci)
		return msg_err(err, errlen, "unknown command code %u",
		    hdr.cmd);
	if (hdr.flags & ~(uint32_t)MSG_F_ALL)
		return msg_err(err, errlen, "unknown flags 0x%x",
		    hdr.flags & ~(uint32_t)MSG_F_ALL);
	if (hdr.argc > MSG_ARGC_MAX)
		return msg_err(err, errlen, "%u arguments, at most %d allowed",
		    hdr.argc, MSG_ARGC_MAX);

	memset(req, 0, sizeof(*req));
	req->cmd = hdr.cmd;
	req->flags = hdr.flags;
	req->argc = hdr.argc;

	p = (const char *)frame + MSG_HDR_LEN;
	end = (const char *)frame + len;
	for (i = 0; i < req->argc; i++) {
		nul = memchr(p, '\0', end - p);
		if (!nul)
			return msg_err(err, errlen, "argument %d of %d is "
			    "missing or not NUL-terminated", i + 1, req->argc);
		if (msg_arg_check(p, nul - p, i, err, errlen))
			return -1;
		req->argv[i] = p;
		p = nul + 1;
	}
	req->argv[i] = NULL;
	if (p != end)
		return msg_err(err, errlen, "%zu stray bytes after %d "
		    "arguments", (size_t)(end - p), req->argc);

	if (req->argc < ci->min_args)
		return msg_err(err, errlen,
		    "Not enough arguments to command %s", ci->name);
	if (req->argc > ci->max_args)
		return msg_err(err, errlen, "Too many arguments to command %s",
		    ci->name);

	req->show = MSG_SHOW_ROUTES;
	if (req->cmd == MSG_SHOW && req->argc > 0) {
		req->show = msg_show_byname(req->argv[0]);
		if (req->show < 0)
			return msg_err(err, errlen, "Unknown show subject %s",
			    req->argv[0]);
	}
	return 0;
}

static void
put32(unsigned char *p, uint32_t v)
{
	memcpy(p, &v, sizeof(v));
}

static void
put16(unsigned char *p, uint16_t v)
{
	memcpy(p, &v, sizeof(v));
}

int
msg_req_encode(struct evbuffer *out, unsigned cmd, uint32_t flags, int argc,
    const char *const argv[], char *err, size_t errlen)
{
	struct msg_req req;
	unsigned char *frame;
	size_t len, n;
	int i, rc;

	if (argc < 0 || argc > MSG_ARGC_MAX)
		return msg_err(err, errlen, "Too many arguments");
	len = MSG_HDR_LEN;
	for (i = 0; i < argc; i++) {
		n = strlen(argv[i]);
		if (n > MSG_ARG_MAX)
			return msg_err(err, errlen, "argument %d is longer "
			    "than %d characters", i + 1, MSG_ARG_MAX);
		len += n + 1;
	}
	if (len > MSG_REQ_MAX)
		return msg_err(err, errlen, "Command too long");

	frame = malloc(len);
	if (!frame)
		return msg_err(err, errlen, "Out of memory");
	put32(frame, MSG_MAGIC);
	put32(frame + 4, (uint32_t)len);
	put16(frame + 8, (uint16_t)cmd);
	put16(frame + 10, (uint16_t)argc);
	put32(frame + 12, flags);
	n = MSG_HDR_LEN;
	for (i = 0; i < argc; i++) {
		size_t sz = strlen(argv[i]) + 1;

		memcpy(frame + n, argv[i], sz);
		n += sz;
	}

	/* The code (uint16) could have been truncated: check it too. */
	rc = cmd > UINT16_MAX ? msg_err(err, errlen, "unknown command code %u",
	    cmd) : msg_req_parse(frame, len, &req, err, errlen);
	if (rc == 0 && evbuffer_add(out, frame, len))
		rc = msg_err(err, errlen, "Out of memory");
	free(frame);
	return rc;
}

static int
msg_reply_hdr(struct evbuffer *out, int32_t status, size_t len)
{
	unsigned char hdr[MSG_REPLY_HDR_LEN];

	put32(hdr, (uint32_t)len);
	memcpy(hdr + 4, &status, sizeof(status));
	return evbuffer_add(out, hdr, sizeof(hdr));
}

static const char too_large[] = "Reply too large";

int
msg_reply_add(struct evbuffer *out, int32_t status, const char *text,
    size_t len)
{
	if (len > MSG_REPLY_MAX) {
		status = MSG_FAIL;
		text = too_large;
		len = sizeof(too_large) - 1;
	}
	if (msg_reply_hdr(out, status, len))
		return -1;
	if (len && evbuffer_add(out, text, len))
		return -1;
	return 0;
}

int
msg_reply_add_buffer(struct evbuffer *out, int32_t status,
    struct evbuffer *text)
{
	size_t len;

	len = evbuffer_get_length(text);
	if (len > MSG_REPLY_MAX) {
		evbuffer_drain(text, len);
		return msg_reply_add(out, MSG_FAIL, too_large,
		    sizeof(too_large) - 1);
	}
	if (msg_reply_hdr(out, status, len))
		return -1;
	/* Copy small texts: a moved chain costs far more than its bytes. */
	if (len < 4096) {
		if (len && evbuffer_add(out, evbuffer_pullup(text, len), len))
			return -1;
		evbuffer_drain(text, len);
		return 0;
	}
	return evbuffer_add_buffer(out, text);
}

int
msg_reply_decode(const void *buf, size_t avail, uint32_t *len,
    int32_t *status)
{
	const unsigned char *p = buf;

	if (avail < MSG_REPLY_HDR_LEN)
		return 0;
	*len = get32(p);
	memcpy(status, p + 4, sizeof(*status));
	if (*len > MSG_REPLY_MAX)
		return -1;
	return 1;
}
