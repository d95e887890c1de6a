/*
 * fuzz_msg.c - libFuzzer target: the IPC wire protocol (src/msg.h)
 *
 * The input is read three ways:
 *  - as the byte stream a client sends: request frames one after the
 *    other, as the daemon splits them (msg_hdr_decode(), then
 *    msg_req_parse() on each whole frame); every frame that parses is
 *    encoded again with msg_req_encode() and must give the same bytes;
 *  - as the byte stream the daemon sends: replies one after the other
 *    (msg_reply_decode()); each is encoded again with msg_reply_add()
 *    and msg_reply_add_buffer() and must give the same bytes;
 *  - as a command to build: the first byte is the code, the second the
 *    flags, the rest NUL-separated arguments for msg_req_encode(); what
 *    it accepts must parse back to the same command.
 * Every frame is handed over in a heap buffer of exactly its length.
 * A violation prints what failed on stderr and aborts.  With
 * FUZZ_MSG_TRACE=1 in the environment what each reading finds is
 * printed on stderr first.
 *
 * Copyright (c) 2026 The smcroute-ng authors.  ISC License, see COPYING.
 * SPDX-License-Identifier: ISC
 */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <event2/buffer.h>

#include "msg.h"

#define FZ_NAME "fuzz_msg.c"
#include "fuzz.h"

#define FZ_CHECK(cond) do {						\
	if (!(cond))							\
		fz_fail(__LINE__, #cond);				\
} while (0)

static uint8_t *
fz_dup(const void *p, size_t len)
{
	uint8_t *c = malloc(len ? len : 1);

	if (c == NULL)
		abort();
	if (p != NULL && len > 0)
		memcpy(c, p, len);
	return c;
}

/* The evbuffer holds exactly len bytes equal to p. */
static bool
fz_evb_equal(struct evbuffer *b, const void *p, size_t len)
{
	unsigned char *q;

	if (evbuffer_get_length(b) != len)
		return false;
	if (len == 0)
		return true;
	q = evbuffer_pullup(b, (ev_ssize_t)len);
	return q != NULL && memcmp(q, p, len) == 0;
}

/* What msg.h promises about a parsed request. */
static void
fz_check_req(const struct msg_req *req)
{
	const struct msg_cmdinfo *ci;
	size_t len, j;
	int i;

	ci = msg_cmd_bycode(req->cmd);
	FZ_CHECK(ci != NULL && ci->code == req->cmd && ci->alias_of == NULL);
	FZ_CHECK((req->flags & ~(uint32_t)MSG_F_ALL) == 0);
	FZ_CHECK(req->argc >= ci->min_args && req->argc <= ci->max_args);
	FZ_CHECK(req->argc >= 0 && req->argc <= MSG_ARGC_MAX);
	FZ_CHECK(req->argv[req->argc] == NULL);
	for (i = 0; i < req->argc; i++) {
		FZ_CHECK(req->argv[i] != NULL);
		len = strlen(req->argv[i]);
		FZ_CHECK(len > 0 && len <= MSG_ARG_MAX);
		for (j = 0; j < len; j++)
			FZ_CHECK((unsigned char)req->argv[i][j] >= 0x20 &&
			    req->argv[i][j] != 0x7f);
	}
	if (req->cmd == MSG_SHOW) {
		FZ_CHECK(req->argc == 0 ? req->show == MSG_SHOW_ROUTES :
		    req->show == msg_show_byname(req->argv[0]));
		FZ_CHECK(strcmp(msg_show_name(req->show), "?") != 0);
	}
}

/* The lookups the client runs on words: results that match the word. */
static void
fz_lookups(const char *word)
{
	const struct msg_cmdinfo *ci;
	size_t len = strlen(word);
	int show;

	ci = msg_cmd_lookup(word);
	FZ_CHECK(ci == NULL || (len > 0 && !strncmp(ci->name, word, len)));
	show = msg_show_lookup(word);
	FZ_CHECK(show < 0 || (len > 0 &&
	    !strncmp(msg_show_name(show), word, len)));
	show = msg_show_byname(word);
	FZ_CHECK(show < 0 || !strcmp(msg_show_name(show), word));
}

/* Request frames, as the daemon's connection reads them. */
static void
fz_requests(const uint8_t *data, size_t size)
{
	struct msg_hdr hdr;
	struct msg_req req, req2;
	struct evbuffer *out;
	char err[256];
	uint8_t *frame, *hb;
	size_t off = 0;
	int rc, i;

	while (off < size) {
		/* The header decoder sees only what has arrived. */
		hb = fz_dup(data + off, size - off);
		rc = msg_hdr_decode(hb, size - off, &hdr, err, sizeof(err));
		free(hb);
		if (rc == 0) {
			FZ_CHECK(size - off < MSG_HDR_LEN);
			return;
		}
		if (fz_trace && rc < 0)
			fprintf(stderr, "request at %zu: %s, stream ends\n",
			    off, err);
		if (rc < 0) {
			FZ_CHECK(hdr.magic != MSG_MAGIC ||
			    hdr.len < MSG_HDR_LEN || hdr.len > MSG_REQ_MAX);
			FZ_CHECK(err[0] != '\0');
			return;
		}
		FZ_CHECK(rc == 1 && hdr.magic == MSG_MAGIC &&
		    hdr.len >= MSG_HDR_LEN && hdr.len <= MSG_REQ_MAX);
		if (hdr.len > size - off) {
			if (fz_trace)
				fprintf(stderr, "request at %zu: %u bytes, "
				    "%zu arrived\n", off, hdr.len, size - off);
			return;		/* the rest has not arrived */
		}

		frame = fz_dup(data + off, hdr.len);
		off += hdr.len;
		err[0] = '\0';
		if (msg_req_parse(frame, hdr.len, &req, err, sizeof(err))) {
			if (fz_trace)
				fprintf(stderr, "request of %u bytes: %s\n",
				    hdr.len, err);
			FZ_CHECK(err[0] != '\0');
			free(frame);
			continue;
		}
		if (fz_trace)
			fprintf(stderr, "request of %u bytes: %s, %d "
			    "arguments, flags %#x\n", hdr.len,
			    msg_cmd_bycode(req.cmd)->name, req.argc,
			    req.flags);
		fz_check_req(&req);
		for (i = 0; i < req.argc; i++)
			fz_lookups(req.argv[i]);

		/* The client's encoder builds the very same frame. */
		if ((out = evbuffer_new()) == NULL)
			abort();
		rc = msg_req_encode(out, req.cmd, req.flags, req.argc,
		    req.argv, err, sizeof(err));
		if (rc != 0)
			fprintf(stderr, "msg_req_encode: %s\n", err);
		FZ_CHECK(rc == 0);
		FZ_CHECK(fz_evb_equal(out, frame, hdr.len));
		FZ_CHECK(msg_req_parse(evbuffer_pullup(out, -1), hdr.len,
		    &req2, err, sizeof(err)) == 0);
		FZ_CHECK(req2.cmd == req.cmd && req2.flags == req.flags &&
		    req2.argc == req.argc && req2.show == req.show);
		evbuffer_free(out);
		free(frame);
	}
}

/* Reply frames, as the client reads them. */
static void
fz_replies(const uint8_t *data, size_t size)
{
	struct evbuffer *out, *out2, *text;
	uint32_t len;
	int32_t status;
	uint8_t *frame;
	size_t off = 0;
	int rc;

	while (off < size) {
		frame = fz_dup(data + off, size - off);
		rc = msg_reply_decode(frame, size - off, &len, &status);
		free(frame);
		if (rc == 0) {
			FZ_CHECK(size - off < MSG_REPLY_HDR_LEN);
			return;
		}
		if (rc < 0) {
			if (fz_trace)
				fprintf(stderr, "reply at %zu: %u bytes, too "
				    "long\n", off, len);
			FZ_CHECK(len > MSG_REPLY_MAX);
			return;
		}
		FZ_CHECK(rc == 1 && len <= MSG_REPLY_MAX);
		if (fz_trace)
			fprintf(stderr, "reply at %zu: status %d, %u bytes%s\n",
			    off, (int)status, len, len > size - off -
			    MSG_REPLY_HDR_LEN ? ", not all arrived" : "");
		if (len > size - off - MSG_REPLY_HDR_LEN)
			return;

		frame = fz_dup(data + off, MSG_REPLY_HDR_LEN + len);
		off += MSG_REPLY_HDR_LEN + len;
		if ((out = evbuffer_new()) == NULL ||
		    (out2 = evbuffer_new()) == NULL ||
		    (text = evbuffer_new()) == NULL)
			abort();
		FZ_CHECK(msg_reply_add(out, status,
		    (const char *)frame + MSG_REPLY_HDR_LEN, len) == 0);
		FZ_CHECK(fz_evb_equal(out, frame, MSG_REPLY_HDR_LEN + len));
		if (len > 0 && evbuffer_add(text, frame + MSG_REPLY_HDR_LEN,
		    len))
			abort();
		FZ_CHECK(msg_reply_add_buffer(out2, status, text) == 0);
		FZ_CHECK(evbuffer_get_length(text) == 0);
		FZ_CHECK(fz_evb_equal(out2, frame, MSG_REPLY_HDR_LEN + len));
		evbuffer_free(text);
		evbuffer_free(out2);
		evbuffer_free(out);
		free(frame);
	}
}

/* Build a request from words: what the encoder accepts parses back. */
static void
fz_build(const uint8_t *data, size_t size)
{
	const char *argv[MSG_ARGC_MAX + 2];
	struct evbuffer *out;
	struct msg_req req;
	char err[256], *words;
	size_t i, start, len;
	unsigned cmd;
	uint32_t flags;
	int argc = 0;

	if (size < 2)
		return;
	cmd = data[0] & 0x0f;
	flags = data[1] & 0x80 ? (uint32_t)data[1] << 24 : data[1] & 3u;
	data += 2;
	size -= 2;
	/* NUL-separated words, the last one terminated here. */
	words = (char *)fz_dup(NULL, size + 1);
	memcpy(words, data, size);
	words[size] = '\0';
	for (i = start = 0; i <= size && argc <= MSG_ARGC_MAX; i++) {
		if (words[i] != '\0')
			continue;
		if (i > start || i < size)
			argv[argc++] = words + start;
		start = i + 1;
	}
	argv[argc] = NULL;

	if ((out = evbuffer_new()) == NULL)
		abort();
	err[0] = '\0';
	if (msg_req_encode(out, cmd, flags, argc, argv, err, sizeof(err))) {
		if (fz_trace)
			fprintf(stderr, "build code %u, flags %#x, %d words: "
			    "%s\n", cmd, flags, argc, err);
		FZ_CHECK(err[0] != '\0' && evbuffer_get_length(out) == 0);
	} else {
		len = evbuffer_get_length(out);
		if (fz_trace)
			fprintf(stderr, "build code %u, flags %#x, %d words: "
			    "%zu bytes\n", cmd, flags, argc, len);
		FZ_CHECK(len >= MSG_HDR_LEN && len <= MSG_REQ_MAX);
		FZ_CHECK(msg_req_parse(evbuffer_pullup(out, -1), len, &req,
		    err, sizeof(err)) == 0);
		fz_check_req(&req);
		FZ_CHECK(req.cmd == cmd && req.flags == flags &&
		    req.argc == argc);
		for (i = 0; i < (size_t)argc; i++)
			FZ_CHECK(strcmp(req.argv[i], argv[i]) == 0);
	}
	evbuffer_free(out);
	free(words);
}

int LLVMFuzzerInitialize(int *, char ***);
int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fz_trace_init("FUZZ_MSG_TRACE");
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fz_requests(data, size);
	fz_replies(data, size);
	fz_build(data, size);
	return 0;
}
