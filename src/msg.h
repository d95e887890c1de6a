/*
 * msg.h - the smcroutectl <-> smcrouted wire protocol
 *
 * Both ends run on the same host, so every field is in host byte order.
 * Fields have fixed widths; no pointer or size_t ever crosses the socket.
 * Frames are decoded field by field from the byte stream, never by
 * overlaying a struct on it.
 *
 * Request (client to daemon), MSG_HDR_LEN + payload bytes:
 *
 *	offset	size	field
 *	0	4	magic		MSG_MAGIC, which includes the version
 *	4	4	len		whole frame, header included
 *	8	2	cmd		enum msg_cmd
 *	10	2	argc		number of strings in the payload
 *	12	4	flags		MSG_F_*
 *	16	...	payload		exactly argc NUL-terminated strings
 *
 * Reply (daemon to client), one per request, in request order:
 *
 *	0	4	len		length of the text that follows
 *	4	4	status		enum msg_status, signed
 *	8	len	text		not NUL-terminated
 *
 * On MSG_OK the text is the command's output, often empty; for show it
 * is table text (see render.h) or one line of JSON.  On any other status
 * the text is the error, without a trailing newline.
 *
 * A client may pipeline requests.  A request whose length can be trusted
 * (magic right, MSG_HDR_LEN <= len <= MSG_REQ_MAX) but whose contents are
 * bad gets a MSG_BADMSG reply and the connection goes on with the next
 * frame.  A bad magic or length leaves no way to find the next frame: it
 * gets a MSG_BADMSG reply, then the daemon closes the connection.
 */
#ifndef SMCR_MSG_H
#define SMCR_MSG_H

#include <stddef.h>
#include <stdint.h>

struct evbuffer;

#define MSG_MAGIC	0x01434d53u	/* "SMC" + protocol version 1 */
#define MSG_HDR_LEN	16
#define MSG_REQ_MAX	65536		/* longest request, header included */
#define MSG_ARGC_MAX	64		/* most strings in one request */
#define MSG_ARG_MAX	255		/* longest string, NUL excluded */

#define MSG_REPLY_HDR_LEN 8
#define MSG_REPLY_MAX	(32u << 20)	/* longest reply text */

/* Wire command codes.  Zero is never valid. */
enum msg_cmd {
	MSG_ADD = 1,		/* IIF [SRC[/LEN]] GRP[/LEN] OIF... */
	MSG_REMOVE,		/* IIF [SRC[/LEN]] GRP[/LEN] [OIF...] */
	MSG_JOIN,		/* IF [SRC[/LEN]] GRP[/LEN] */
	MSG_LEAVE,		/* IF [SRC[/LEN]] GRP[/LEN] */
	MSG_SHOW,		/* [routes|groups|interfaces|pending|igmp] */
	MSG_FLUSH,
	MSG_RELOAD,
	MSG_KILL,
	MSG_DIAGNOSE,		/* [FILE]: the client's, never read here */
};

/* Request flags; other bits are rejected. */
#define MSG_F_DETAIL	0x0001		/* smcroutectl -d */
#define MSG_F_JSON	0x0002		/* smcroutectl -j */
#define MSG_F_ALL	(MSG_F_DETAIL | MSG_F_JSON)

/* What show shows; the wire carries the full word, matched exactly. */
enum msg_show {
	MSG_SHOW_ROUTES,
	MSG_SHOW_GROUPS,
	MSG_SHOW_INTERFACES,
	MSG_SHOW_PENDING,
	MSG_SHOW_IGMP,
	MSG_SHOW_STATS,
};

enum msg_status {
	MSG_OK = 0,
	MSG_FAIL = 1,		/* the command failed; text says why */
	MSG_BADMSG = 2,		/* the request was malformed */
};

/* Outbound interfaces per route (MAXVIFS); add takes IIF SRC GRP + these. */
#define MSG_MAXOIFS	32

/*
 * A parsed request.  argv points into the frame it was parsed from and
 * is valid only as long as that frame; argv[argc] is NULL.  Every string
 * is non-empty, at most MSG_ARG_MAX bytes, and free of control characters.
 */
struct msg_req {
	uint16_t	 cmd;		/* enum msg_cmd */
	uint32_t	 flags;		/* MSG_F_* */
	int		 show;		/* enum msg_show, for MSG_SHOW */
	int		 argc;
	const char	*argv[MSG_ARGC_MAX + 1];
};

/* A decoded request header. */
struct msg_hdr {
	uint32_t	 magic;
	uint32_t	 len;
	uint16_t	 cmd;
	uint16_t	 argc;
	uint32_t	 flags;
};

/*
 * One command word of smcroutectl, in the order used for abbreviations.
 * Local commands (help, version) have code 0 and never reach the wire.
 * An alias names the entry it stands for in alias_of.
 */
struct msg_cmdinfo {
	const char	*name;
	uint16_t	 code;		/* enum msg_cmd, 0 for local commands */
	int		 min_args;
	int		 max_args;
	const char	*alias_of;
	const char	*args;		/* synopsis of the arguments */
	const char	*help;		/* one line */
	const char	*example;	/* arguments of an example, or NULL */
};

/* The command table, terminated by an entry with a NULL name. */
extern const struct msg_cmdinfo msg_cmds[];

/*
 * The first entry, in table order, whose name starts with word: "s" is
 * show, "r" is reload, "rem" remove, "d" del.  NULL for no match or an
 * empty word.
 */
const struct msg_cmdinfo *msg_cmd_lookup(const char *word);
/* The canonical (non-alias) entry for a wire code, or NULL. */
const struct msg_cmdinfo *msg_cmd_bycode(unsigned code);

/* Show subjects: prefix match in order routes, groups, interfaces,
 * pending, igmp ("i" is interfaces); -1 for no match or an empty word. */
int		 msg_show_lookup(const char *word);
/* Exact match, as the daemon does; -1 if unknown. */
int		 msg_show_byname(const char *word);
const char	*msg_show_name(int show);

/*
 * Decode the header at the start of buf.  Returns 0 when fewer than
 * MSG_HDR_LEN bytes are available, 1 when the header is usable (magic
 * right, MSG_HDR_LEN <= len <= MSG_REQ_MAX), or -1 with a reason in err
 * when it is not, after which the stream cannot be resynchronised.
 */
int		 msg_hdr_decode(const void *buf, size_t avail, struct msg_hdr *,
		    char *err, size_t errlen);

/*
 * The one request validator.  frame holds exactly one whole frame of len
 * bytes.  Checks, in order: the header (as msg_hdr_decode), that len is
 * the header's len, the command code, the flags, argc <= MSG_ARGC_MAX,
 * that exactly argc NUL-terminated strings fill the payload, each string,
 * the command's argument count, and for show the subject.  Returns 0 and
 * fills req, or -1 with a reason in err.
 */
int		 msg_req_parse(const void *frame, size_t len,
		    struct msg_req *req, char *err, size_t errlen);

/*
 * Append one request to out.  The frame is built, then checked with
 * msg_req_parse(), so nothing the daemon would refuse is ever sent.
 * Returns 0, or -1 with a reason in err and out unchanged.
 */
int		 msg_req_encode(struct evbuffer *out, unsigned cmd,
		    uint32_t flags, int argc, const char *const argv[],
		    char *err, size_t errlen);

/*
 * Append a reply.  msg_reply_add() takes the text as bytes,
 * msg_reply_add_buffer() moves it out of an evbuffer (left empty).
 * Text longer than MSG_REPLY_MAX is replaced by a MSG_FAIL error.
 * Return 0, or -1 when memory runs out.
 */
int		 msg_reply_add(struct evbuffer *out, int32_t status,
		    const char *text, size_t len);
int		 msg_reply_add_buffer(struct evbuffer *out, int32_t status,
		    struct evbuffer *text);

/*
 * Decode a reply header.  Returns 0 when fewer than MSG_REPLY_HDR_LEN
 * bytes are available, 1 with len and status set, or -1 when len is
 * beyond MSG_REPLY_MAX.
 */
int		 msg_reply_decode(const void *buf, size_t avail, uint32_t *len,
		    int32_t *status);

#endif /* SMCR_MSG_H */
