/*
 * test_msg.c - request framing and the one request validator
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <event2/buffer.h>

#include "check.h"
#include "msg.h"

/* Build a raw frame: header fields as given, then payload bytes. */
static size_t
raw(unsigned char *buf, uint32_t magic, uint32_t len, uint16_t cmd,
    uint16_t argc, uint32_t flags, const void *payload, size_t plen)
{
	memcpy(buf, &magic, 4);
	memcpy(buf + 4, &len, 4);
	memcpy(buf + 8, &cmd, 2);
	memcpy(buf + 10, &argc, 2);
	memcpy(buf + 12, &flags, 4);
	memcpy(buf + MSG_HDR_LEN, payload, plen);
	return MSG_HDR_LEN + plen;
}

/* A frame whose header length is right; parse it, expect err to contain. */
static void
bad(int line, uint16_t cmd, uint16_t argc, uint32_t flags,
    const void *payload, size_t plen, const char *want)
{
	static unsigned char buf[MSG_REQ_MAX + 64];
	struct msg_req req;
	char err[256] = "", what[512], got[320], wanted[320];
	size_t len;
	int rc;

	len = raw(buf, MSG_MAGIC, MSG_HDR_LEN + plen, cmd, argc, flags,
	    payload, plen);
	rc = msg_req_parse(buf, len, &req, err, sizeof(err));
	snprintf(what, sizeof(what), "%s:%d: refused, error \"%s\"",
	    __FILE__, line, want);
	snprintf(got, sizeof(got), "rc %d, error \"%s\"", rc, err);
	snprintf(wanted, sizeof(wanted), "rc -1, error containing \"%s\"",
	    want);
	check_got(rc == -1 && strstr(err, want) != NULL, what, got, wanted);
}

#define BAD(cmd, argc, flags, p, plen, want) \
	bad(__LINE__, cmd, argc, flags, p, plen, want)

static void
test_roundtrip(void)
{
	const char *argv[] = { "eth0", "10.0.0.1", "225.1.2.3", "eth1",
	    "eth2" };
	struct evbuffer *b;
	struct msg_req req;
	struct msg_hdr hdr;
	unsigned char *p;
	char err[256];
	size_t len;
	int i;

	b = evbuffer_new();
	CHECK(msg_req_encode(b, MSG_ADD, 0, 5, argv, err, sizeof(err)) == 0);
	len = evbuffer_get_length(b);
	CHECK(len == MSG_HDR_LEN + 5 + 9 + 10 + 5 + 5);
	p = evbuffer_pullup(b, -1);
	CHECK(msg_hdr_decode(p, 3, &hdr, err, sizeof(err)) == 0);
	CHECK(msg_hdr_decode(p, len, &hdr, err, sizeof(err)) == 1);
	CHECK(hdr.len == len && hdr.cmd == MSG_ADD && hdr.argc == 5);
	CHECK(msg_req_parse(p, len, &req, err, sizeof(err)) == 0);
	CHECK(req.cmd == MSG_ADD && req.argc == 5 && req.flags == 0);
	for (i = 0; i < 5; i++)
		CHECK(!strcmp(req.argv[i], argv[i]));
	CHECK(req.argv[5] == NULL);
	evbuffer_drain(b, len);

	/* Show, with flags, with and without a subject. */
	argv[0] = "groups";
	CHECK(msg_req_encode(b, MSG_SHOW, MSG_F_JSON | MSG_F_DETAIL, 1, argv,
	    err, sizeof(err)) == 0);
	len = evbuffer_get_length(b);
	p = evbuffer_pullup(b, -1);
	CHECK(msg_req_parse(p, len, &req, err, sizeof(err)) == 0);
	CHECK(req.show == MSG_SHOW_GROUPS);
	CHECK(req.flags == (MSG_F_JSON | MSG_F_DETAIL));
	evbuffer_drain(b, len);
	CHECK(msg_req_encode(b, MSG_SHOW, 0, 0, NULL, err, sizeof(err)) == 0);
	len = evbuffer_get_length(b);
	CHECK(len == MSG_HDR_LEN);
	p = evbuffer_pullup(b, -1);
	CHECK(msg_req_parse(p, len, &req, err, sizeof(err)) == 0);
	CHECK(req.show == MSG_SHOW_ROUTES && req.argc == 0);
	CHECK(req.argv[0] == NULL);
	evbuffer_drain(b, len);

	/* Every command the daemon knows. */
	CHECK(msg_req_encode(b, MSG_FLUSH, 0, 0, NULL, err, 256) == 0);
	CHECK(msg_req_encode(b, MSG_RELOAD, 0, 0, NULL, err, 256) == 0);
	CHECK(msg_req_encode(b, MSG_KILL, 0, 0, NULL, err, 256) == 0);
	argv[0] = "eth0";
	argv[1] = "225.1.1.1";
	CHECK(msg_req_encode(b, MSG_JOIN, 0, 2, argv, err, 256) == 0);
	CHECK(msg_req_encode(b, MSG_LEAVE, 0, 2, argv, err, 256) == 0);
	CHECK(msg_req_encode(b, MSG_REMOVE, 0, 2, argv, err, 256) == 0);
	evbuffer_free(b);
}

/* The encoder refuses what the parser would refuse; out is untouched. */
static void
test_encode_refuses(void)
{
	const char *argv[MSG_ARGC_MAX + 2];
	char big[MSG_ARG_MAX + 2];
	struct evbuffer *b;
	char err[256];
	int i;

	b = evbuffer_new();
	for (i = 0; i < MSG_ARGC_MAX + 2; i++)
		argv[i] = "eth0";
	CHECK(msg_req_encode(b, MSG_ADD, 0, 2, argv, err, 256) == -1);
	CHECK(!strcmp(err, "Not enough arguments to command add"));
	/* IIF SOURCE except LIST GROUP and the OIFs. */
	CHECK(msg_req_encode(b, MSG_ADD, 0, 5 + MSG_MAXOIFS + 1, argv, err,
	    256) == -1);
	CHECK(!strcmp(err, "Too many arguments to command add"));
	CHECK(msg_req_encode(b, MSG_ADD, 0, 5 + MSG_MAXOIFS, argv, err,
	    256) == 0);
	evbuffer_drain(b, evbuffer_get_length(b));
	CHECK(msg_req_encode(b, MSG_ADD, 0, MSG_ARGC_MAX + 1, argv, err,
	    256) == -1);
	CHECK(msg_req_encode(b, MSG_JOIN, 0, 4, argv, err, 256) == -1);
	CHECK(!strcmp(err, "Too many arguments to command join"));
	CHECK(msg_req_encode(b, MSG_REMOVE, 0, 1, argv, err, 256) == -1);
	CHECK(!strcmp(err, "Not enough arguments to command remove"));
	CHECK(msg_req_encode(b, MSG_FLUSH, 0, 1, argv, err, 256) == -1);
	CHECK(msg_req_encode(b, MSG_SHOW, 0, 2, argv, err, 256) == -1);
	argv[0] = "rout";		/* the daemon matches exactly */
	CHECK(msg_req_encode(b, MSG_SHOW, 0, 1, argv, err, 256) == -1);
	CHECK(!strcmp(err, "Unknown show subject rout"));
	CHECK(msg_req_encode(b, 0, 0, 0, argv, err, 256) == -1);
	CHECK(msg_req_encode(b, 99, 0, 0, argv, err, 256) == -1);
	CHECK(msg_req_encode(b, 0x10000 | MSG_FLUSH, 0, 0, argv, err,
	    256) == -1);
	CHECK(msg_req_encode(b, MSG_FLUSH, 0x100, 0, argv, err, 256) == -1);
	argv[0] = "";
	CHECK(msg_req_encode(b, MSG_SHOW, 0, 1, argv, err, 256) == -1);
	argv[0] = "a\tb";
	CHECK(msg_req_encode(b, MSG_JOIN, 0, 2, argv, err, 256) == -1);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	argv[0] = big;
	CHECK(msg_req_encode(b, MSG_JOIN, 0, 2, argv, err, 256) == -1);
	big[MSG_ARG_MAX] = '\0';	/* exactly the maximum is fine */
	CHECK(msg_req_encode(b, MSG_JOIN, 0, 2, argv, err, 256) == 0);
	evbuffer_drain(b, evbuffer_get_length(b));
	CHECK(msg_req_encode(b, MSG_JOIN, 0, -1, argv, err, 256) == -1);
	CHECK(evbuffer_get_length(b) == 0);
	evbuffer_free(b);
}

static void
test_header(void)
{
	unsigned char buf[64];
	struct msg_hdr hdr;
	struct msg_req req;
	char err[256];
	size_t len;

	/* Bad magic, too short, too long: the stream cannot continue. */
	len = raw(buf, MSG_MAGIC ^ 1, MSG_HDR_LEN, MSG_FLUSH, 0, 0, "", 0);
	CHECK(msg_hdr_decode(buf, len, &hdr, err, sizeof(err)) == -1);
	CHECK(strstr(err, "magic") != NULL);
	CHECK(msg_req_parse(buf, len, &req, err, sizeof(err)) == -1);
	len = raw(buf, MSG_MAGIC, 0, MSG_FLUSH, 0, 0, "", 0);
	CHECK(msg_hdr_decode(buf, len, &hdr, err, sizeof(err)) == -1);
	CHECK(strstr(err, "shorter") != NULL);
	len = raw(buf, MSG_MAGIC, MSG_HDR_LEN - 1, MSG_FLUSH, 0, 0, "", 0);
	CHECK(msg_hdr_decode(buf, len, &hdr, err, sizeof(err)) == -1);
	len = raw(buf, MSG_MAGIC, MSG_REQ_MAX + 1, MSG_FLUSH, 0, 0, "", 0);
	CHECK(msg_hdr_decode(buf, len, &hdr, err, sizeof(err)) == -1);
	CHECK(strstr(err, "exceeds") != NULL);
	len = raw(buf, MSG_MAGIC, 0xffffffff, MSG_FLUSH, 0, 0, "", 0);
	CHECK(msg_hdr_decode(buf, len, &hdr, err, sizeof(err)) == -1);
	len = raw(buf, MSG_MAGIC, MSG_REQ_MAX, MSG_FLUSH, 0, 0, "", 0);
	CHECK(msg_hdr_decode(buf, len, &hdr, err, sizeof(err)) == 1);

	/* The parser wants exactly the frame the header describes. */
	len = raw(buf, MSG_MAGIC, MSG_HDR_LEN + 2, MSG_FLUSH, 0, 0, "", 0);
	CHECK(msg_req_parse(buf, len, &req, err, sizeof(err)) == -1);
	CHECK(msg_req_parse(buf, 5, &req, err, sizeof(err)) == -1);
	CHECK(msg_req_parse(buf, 0, &req, err, sizeof(err)) == -1);
	/* A NULL err is allowed. */
	CHECK(msg_req_parse(buf, 0, &req, NULL, 0) == -1);
}

static void
test_payload(void)
{
	static char many[MSG_ARGC_MAX * 2 + 2];
	int i;

	BAD(0, 0, 0, "", 0, "unknown command code 0");
	BAD(MSG_DIAGNOSE + 1, 0, 0, "", 0, "unknown command code");
	BAD(0xffff, 0, 0, "", 0, "unknown command code");
	BAD(MSG_FLUSH, 0, 4, "", 0, "unknown flags 0x4");
	BAD(MSG_FLUSH, 0, 0x80000000, "", 0, "unknown flags");
	BAD(MSG_JOIN, 2, 0, "eth0", 4, "argument 1 of 2 is missing");
	BAD(MSG_JOIN, 2, 0, "eth0\0", 5, "argument 2 of 2 is missing");
	BAD(MSG_JOIN, 2, 0, "eth0\000225.1.1.1", 14,
	    "argument 2 of 2 is missing or not NUL-terminated");
	BAD(MSG_JOIN, 2, 0, "eth0\000225.1.1.1\0\0", 16, "1 stray bytes");
	BAD(MSG_JOIN, 2, 0, "eth0\000225.1.1.1\0xyz", 18, "3 stray bytes");
	BAD(MSG_FLUSH, 0, 0, "x", 1, "1 stray bytes");
	BAD(MSG_FLUSH, 0, 0, "\0", 1, "1 stray bytes");
	BAD(MSG_JOIN, 2, 0, "\000225.1.1.1\0", 11, "argument 1 is empty");
	BAD(MSG_JOIN, 2, 0, "et\x01h0\000225.1.1.1\0", 17, "control");
	BAD(MSG_JOIN, 2, 0, "eth0\000225.1.1.1\x7f\0", 16, "control");
	BAD(MSG_JOIN, 3, 0, "a\0b\0", 4, "argument 3 of 3");
	BAD(MSG_JOIN, 1, 0, "eth0\0", 5,
	    "Not enough arguments to command join");
	BAD(MSG_LEAVE, 4, 0, "a\0b\0c\0d\0", 8, "Too many arguments");
	BAD(MSG_FLUSH, 1, 0, "a\0", 2, "Too many arguments to command flush");
	BAD(MSG_SHOW, 1, 0, "bogus\0", 6, "Unknown show subject bogus");
	BAD(MSG_SHOW, 1, 0, "g\0", 2, "Unknown show subject g");
	BAD(MSG_SHOW, 2, 0, "groups\0routes\0", 14, "Too many arguments");

	/* argc beyond MSG_ARGC_MAX, even with that many strings. */
	for (i = 0; i < MSG_ARGC_MAX + 1; i++)
		memcpy(many + 2 * i, "x", 2);
	BAD(MSG_ADD, MSG_ARGC_MAX + 1, 0, many, 2 * (MSG_ARGC_MAX + 1),
	    "at most");
	BAD(MSG_ADD, 0xffff, 0, many, 2 * (MSG_ARGC_MAX + 1), "at most");
	/* MSG_ARGC_MAX strings are parsed, then too many for add. */
	BAD(MSG_ADD, MSG_ARGC_MAX, 0, many, 2 * MSG_ARGC_MAX,
	    "Too many arguments to command add");
}

/*
 * Whatever passed the parser satisfies every documented invariant.  A
 * broken one fails, naming frame n; those that hold print nothing, the
 * frames being too many for a line each.
 */
#define INVARIANT(cond) do {						\
	if (!(cond))							\
		check_fail("%s:%d: fuzz frame %d: failed: %s",		\
		    __FILE__, __LINE__, n, #cond);			\
} while (0)

static void
fuzz_invariants(int n, const struct msg_req *req, const unsigned char *buf,
    size_t plen)
{
	int j;

	INVARIANT(req->argc <= MSG_ARGC_MAX && req->argv[req->argc] == NULL);
	for (j = 0; j < req->argc; j++) {
		const char *s = req->argv[j];

		INVARIANT((const unsigned char *)s >= buf + MSG_HDR_LEN &&
		    (const unsigned char *)s + strlen(s) <
		    buf + MSG_HDR_LEN + plen);
		INVARIANT(*s != '\0' && strlen(s) <= MSG_ARG_MAX);
		for (; *s; s++)
			INVARIANT((unsigned char)*s >= 0x20 && *s != 0x7f);
	}
}

/* Random frames with a trustworthy length: the parser never misreads. */
static void
test_fuzz(void)
{
	unsigned char buf[MSG_HDR_LEN + 256];
	struct msg_req req;
	char err[256];
	size_t plen, i;
	int n, ok = 0;

	srandom(4605);
	for (n = 0; n < 200000; n++) {
		plen = random() % 64;
		for (i = 0; i < plen; i++) {
			/* Mostly NULs and letters, so some frames are good. */
			switch (random() % 4) {
			case 0:
				buf[MSG_HDR_LEN + i] = 0;
				break;
			case 1:
				buf[MSG_HDR_LEN + i] = random() & 0xff;
				break;
			default:
				buf[MSG_HDR_LEN + i] = 'a' + random() % 26;
				break;
			}
		}
		raw(buf, MSG_MAGIC, MSG_HDR_LEN + plen,
		    random() % (MSG_KILL + 2), random() % 6,
		    random() % 8 ? 0 : random() % 4, buf + MSG_HDR_LEN, plen);
		if (msg_req_parse(buf, MSG_HDR_LEN + plen, &req, err,
		    sizeof(err)))
			continue;
		ok++;
		fuzz_invariants(n, &req, buf, plen);
	}
	CHECK(ok > 100);
}

static void
test_lookup(void)
{
	static const struct {
		const char	*word;
		const char	*name;
	} v[] = {
		{ "h", "help" }, { "help", "help" }, { "v", "version" },
		{ "f", "flush" }, { "k", "kill" }, { "r", "reload" },
		{ "re", "reload" }, { "rel", "reload" }, { "res", "restart" },
		{ "restart", "restart" }, { "rem", "remove" },
		{ "remove", "remove" }, { "s", "show" }, { "a", "add" },
		{ "d", "del" }, { "del", "del" }, { "j", "join" },
		{ "l", "leave" }, { "leave", "leave" },
		{ "", NULL }, { "x", NULL }, { "showx", NULL },
		{ "removed", NULL }, { "S", NULL }, { "-h", NULL },
	};
	const struct msg_cmdinfo *ci;
	char what[64];
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		ci = msg_cmd_lookup(v[i].word);
		snprintf(what, sizeof(what), "lookup \"%s\"", v[i].word);
		check_got(v[i].name ? ci && !strcmp(ci->name, v[i].name) :
		    ci == NULL, what, ci ? ci->name : "NULL",
		    v[i].name ? v[i].name : "NULL");
	}
	CHECK(msg_cmd_lookup("restart")->code == MSG_RELOAD);
	CHECK(msg_cmd_lookup("del")->code == MSG_REMOVE);
	CHECK(msg_cmd_lookup("help")->code == 0);
	CHECK(!strcmp(msg_cmd_bycode(MSG_RELOAD)->name, "reload"));
	CHECK(!strcmp(msg_cmd_bycode(MSG_REMOVE)->name, "remove"));
	CHECK(msg_cmd_bycode(0) == NULL);
	CHECK(msg_cmd_bycode(MSG_DIAGNOSE + 1) == NULL);
	/* "d" stays del; diagnose from "di" on. */
	CHECK(msg_cmd_lookup("d")->code == MSG_REMOVE);
	CHECK(msg_cmd_lookup("di")->code == MSG_DIAGNOSE);

	CHECK(msg_show_lookup("r") == MSG_SHOW_ROUTES);
	CHECK(msg_show_lookup("g") == MSG_SHOW_GROUPS);
	CHECK(msg_show_lookup("i") == MSG_SHOW_INTERFACES);
	CHECK(msg_show_lookup("ig") == MSG_SHOW_IGMP);
	CHECK(msg_show_lookup("p") == MSG_SHOW_PENDING);
	CHECK(msg_show_lookup("interfaces") == MSG_SHOW_INTERFACES);
	CHECK(msg_show_lookup("") == -1);
	CHECK(msg_show_lookup("x") == -1);
	CHECK(msg_show_lookup("groupsx") == -1);
	CHECK(msg_show_byname("groups") == MSG_SHOW_GROUPS);
	CHECK(msg_show_byname("g") == -1);
	CHECK(!strcmp(msg_show_name(MSG_SHOW_PENDING), "pending"));
	CHECK(!strcmp(msg_show_name(99), "?"));
}

static void
test_reply(void)
{
	struct evbuffer *b, *text;
	uint32_t len;
	int32_t status;
	unsigned char *p;

	b = evbuffer_new();
	text = evbuffer_new();
	CHECK(msg_reply_add(b, MSG_FAIL, "no such route", 13) == 0);
	evbuffer_add(text, "table", 5);
	CHECK(msg_reply_add_buffer(b, MSG_OK, text) == 0);
	CHECK(evbuffer_get_length(text) == 0);
	CHECK(msg_reply_add(b, MSG_OK, NULL, 0) == 0);
	CHECK(evbuffer_get_length(b) == 3 * MSG_REPLY_HDR_LEN + 13 + 5);

	p = evbuffer_pullup(b, -1);
	CHECK(msg_reply_decode(p, 7, &len, &status) == 0);
	CHECK(msg_reply_decode(p, 8, &len, &status) == 1);
	CHECK(len == 13 && status == MSG_FAIL);
	CHECK(!memcmp(p + 8, "no such route", 13));
	p += 8 + 13;
	CHECK(msg_reply_decode(p, 100, &len, &status) == 1);
	CHECK(len == 5 && status == MSG_OK && !memcmp(p + 8, "table", 5));
	p += 8 + 5;
	CHECK(msg_reply_decode(p, 8, &len, &status) == 1);
	CHECK(len == 0 && status == MSG_OK);

	/* Too large on the wire. */
	len = MSG_REPLY_MAX + 1;
	memcpy(p, &len, 4);
	CHECK(msg_reply_decode(p, 8, &len, &status) == -1);

	/* Too large to send: becomes an error. */
	evbuffer_drain(b, evbuffer_get_length(b));
	{
		char *huge = calloc(1, MSG_REPLY_MAX + 1);

		evbuffer_add(text, huge, MSG_REPLY_MAX + 1);
		free(huge);
	}
	CHECK(msg_reply_add_buffer(b, MSG_OK, text) == 0);
	CHECK(evbuffer_get_length(text) == 0);
	p = evbuffer_pullup(b, -1);
	CHECK(msg_reply_decode(p, evbuffer_get_length(b), &len,
	    &status) == 1);
	CHECK(status == MSG_FAIL && len == strlen("Reply too large"));
	evbuffer_free(b);
	evbuffer_free(text);
}

int
main(void)
{
	test_roundtrip();
	test_encode_refuses();
	test_header();
	test_payload();
	test_fuzz();
	test_lookup();
	test_reply();
	return check_exit("test_msg");
}
