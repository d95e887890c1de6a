/*
 * smcroutectl - control smcrouted over its UNIX socket
 *
 * One command from the command line, or with -b one per stdin line.
 * Requests are pipelined on one connection: a poll() loop keeps sending
 * requests while it reads replies, so a long batch never deadlocks
 * against the daemon's back-pressure, and output stays in input order.
 *
 * Show output: the daemon marks section titles with a trailing '_' and
 * column headings with a trailing '=' (see render.h); a plain title, with
 * '~', is printed as it is.  Here the others are decorated: on a terminal, a title is an empty line and the title in
 * bold and underlined, a heading is in reverse video across the terminal
 * width.  With -p, or when stdout is not a terminal, a title is a row of
 * 79 '_' then the title, and a heading sits between two rows of 79 '='.
 * With -t both are dropped.  JSON (-j) is printed as received.
 *
 * Exit status: 0 on success, 1 on any error.  With -b, the number of
 * failed lines, at most 255 (so 256 failures never read as success).
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/queue.h>
#include <event2/buffer.h>

#include "diagctl.h"
#include "msg.h"
#include "words.h"

#ifndef RUNSTATEDIR
#define RUNSTATEDIR	"/run"
#endif
#ifndef VERSION
#define VERSION		"unknown"
#endif
#ifndef SYSCONFDIR
#define SYSCONFDIR	"/etc"
#endif

#define DEFAULT_IDENT	"smcroute"
#define RULE_WIDTH	79		/* -p rules; terminal width fallback */
#define MAX_WORDS	(MSG_ARGC_MAX + 1)
#define WINDOW_JOBS	1024		/* most lines read ahead of replies */
#define WINDOW_BYTES	(256 * 1024)	/* most request bytes queued */
#define LINE_MAX_LEN	(MSG_REQ_MAX * 2)
#define SUN_PATH_MAX	sizeof(((struct sockaddr_un *)NULL)->sun_path)

/* One command: the command line, or one line of -b input. */
struct job {
	TAILQ_ENTRY(job)	 link;
	int			 line;		/* -b input line, 0 otherwise */
	int			 remote;	/* waits for a daemon reply */
	int			 replied;
	int			 failed;
	char			*out;		/* text for stdout */
	size_t			 outlen;
	int			 decorate;	/* out is table text */
	int			 diagnose;	/* out is diagnose rows */
	char			*err;		/* error text for stderr */
	const struct msg_cmdinfo *usage;	/* help to print after err */
};

TAILQ_HEAD(jobq, job);

struct ctl {
	const char		*prog;
	char			 sockpath[SUN_PATH_MAX];
	const char		*ident;		/* -i NAME: the daemon's syslog tag */
	int			 uflag;		/* -u given */
	int			 batch;
	int			 detail;
	int			 json;
	int			 plain;
	int			 headings;	/* 0 with -t */
	int			 tty;		/* escapes and terminal width */
	int			 width;

	int			 sock;
	int			 sock_dead;
	struct evbuffer		*tx;		/* requests not yet sent */
	struct evbuffer		*rx;		/* replies not yet parsed */
	struct evbuffer		*stdin_buf;
	int			 stdin_eof;
	int			 lineno;
	int			 skipping;	/* inside an over-long line */
	struct jobq		 jobs;
	int			 njobs;
	int			 failures;
	const char		*diag_conf;	/* diagnose FILE */
};

static void
warnmsg(const struct ctl *ctl, int line, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "%s: ", ctl->prog);
	if (line)
		fprintf(stderr, "line %d: ", line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int
usage(const char *prog, int code)
{
	const struct msg_cmdinfo *ci;

	printf("Usage: %s [-bdhjptv] [-i NAME] [-u FILE] COMMAND [ARGS]\n"
	    "\n"
	    "Options:\n"
	    "  -b       Batch mode: read commands from stdin, one per line\n"
	    "  -d       Detail: counters in show routes, kernel groups in "
	    "show groups\n"
	    "  -h       Show this help text\n"
	    "  -i NAME  Identity of the daemon instance, default: %s\n"
	    "  -j       JSON output from show\n"
	    "  -p       Plain table headings, no terminal control codes\n"
	    "  -t       No table headings\n"
	    "  -u FILE  Daemon socket, default: %s/NAME.sock\n"
	    "  -v       Show program version\n"
	    "\n"
	    "Commands:\n", prog, DEFAULT_IDENT, RUNSTATEDIR);
	for (ci = msg_cmds; ci->name; ci++)
		printf("  %-8s %s\n", ci->name, ci->help);
	printf("\nArguments:\n");
	for (ci = msg_cmds; ci->name; ci++)
		if (ci->args[0] && !ci->alias_of)
			printf("  %-8s %s\n", ci->name, ci->args);
	printf("\nCommands and show subjects may be abbreviated: 's g' is "
	    "'show groups',\n'r' is 'reload'.  'help COMMAND' tells more.\n");
	return code;
}

/* Help on one command, as a malloc'ed string. */
static char *
cmd_help(const char *prog, const struct msg_cmdinfo *ci)
{
	char *s = NULL;
	size_t n;
	FILE *fp;

	fp = open_memstream(&s, &n);
	if (!fp)
		return NULL;
	fprintf(fp, "Help:\n  %s\n\nUsage:\n  %s %s%s%s\n", ci->help, prog,
	    ci->name, ci->args[0] ? " " : "", ci->args);
	if (ci->example)
		fprintf(fp, "\nExample:\n  %s %s %s\n", prog, ci->name,
		    ci->example);
	if (fclose(fp)) {
		free(s);
		return NULL;
	}
	return s;
}


static struct job *
job_new(struct ctl *ctl, int line)
{
	struct job *j;

	j = calloc(1, sizeof(*j));
	if (!j) {
		warnmsg(ctl, 0, "Out of memory");
		exit(1);
	}
	j->line = line;
	TAILQ_INSERT_TAIL(&ctl->jobs, j, link);
	ctl->njobs++;
	return j;
}

static void
job_fail(struct job *j, const char *fmt, ...)
{
	va_list ap;

	j->failed = 1;
	free(j->err);
	va_start(ap, fmt);
	if (vasprintf(&j->err, fmt, ap) < 0)
		j->err = NULL;
	va_end(ap);
}

static void
job_text(struct job *j, char *text)
{
	j->out = text;
	j->outlen = text ? strlen(text) : 0;
}

/*
 * Turn words into a job: local output, a local error, or a request
 * queued on ctl->tx.
 */
static void
job_words(struct ctl *ctl, struct job *j, int argc, char *argv[])
{
	const struct msg_cmdinfo *ci, *hc;
	const char *args[MAX_WORDS];
	char err[256], *text;
	uint32_t flags = 0;
	int nargs, oifs, show, i;

	ci = msg_cmd_lookup(argv[0]);
	if (!ci) {
		job_fail(j, "Unknown command: %s", argv[0]);
		return;
	}
	nargs = argc - 1;
	if (nargs < ci->min_args) {
		job_fail(j, "Not enough arguments to command %s", ci->name);
		j->usage = ci;
		return;
	}

	if (!strcmp(ci->name, "help")) {
		if (nargs > 1) {
			job_fail(j, "Too many arguments to command help");
			return;
		}
		if (nargs == 0) {
			j->usage = ci;	/* full usage, printed in order */
			return;
		}
		hc = msg_cmd_lookup(argv[1]);
		if (!hc) {
			job_fail(j, "Unknown command: %s", argv[1]);
			return;
		}
		job_text(j, cmd_help(ctl->prog, hc));
		return;
	}
	if (!strcmp(ci->name, "version")) {
		if (nargs > 0) {
			job_fail(j, "Too many arguments to command version");
			return;
		}
		if (asprintf(&text, "%s\n", VERSION) < 0)
			text = NULL;
		job_text(j, text);
		return;
	}

	/* Count outbound interfaces as the daemon will. */
	if ((ci->code == MSG_ADD || ci->code == MSG_REMOVE) && nargs >= 2) {
		int w = 2;	/* after IIF: [SRC] [except LIST] GRP */

		if (strcmp(argv[w], "except") && !word_is_group(argv[w]))
			w++;
		if (w <= nargs && !strcmp(argv[w], "except"))
			w += 2;
		oifs = nargs - w;
		if (oifs > MSG_MAXOIFS) {
			job_fail(j, "Too many outbound interfaces, at most %d",
			    MSG_MAXOIFS);
			return;
		}
	}
	if (nargs > ci->max_args) {
		job_fail(j, "Too many arguments to command %s", ci->name);
		return;
	}

	for (i = 0; i < nargs; i++)
		args[i] = argv[i + 1];
	if (ci->code == MSG_SHOW) {
		show = MSG_SHOW_ROUTES;
		if (nargs == 1) {
			show = msg_show_lookup(argv[1]);
			if (show < 0) {
				job_fail(j, "Unknown argument to show: %s",
				    argv[1]);
				return;
			}
		}
		args[0] = msg_show_name(show);
		nargs = 1;
		if (ctl->detail)
			flags |= MSG_F_DETAIL;
		if (ctl->json)
			flags |= MSG_F_JSON;
		else
			j->decorate = 1;
	}

	if (ci->code == MSG_DIAGNOSE) {
		/* The file is for the checks without a daemon. */
		if (nargs == 1)
			ctl->diag_conf = argv[1];
		nargs = 0;
		j->diagnose = 1;
	}
	if (msg_req_encode(ctl->tx, ci->code, flags, nargs, args, err,
	    sizeof(err))) {
		job_fail(j, "%s", err);
		return;
	}
	j->remote = 1;
}

/* Split a -b line on any whitespace; skip empty lines and comments. */
static void
job_line(struct ctl *ctl, char *line, int lineno)
{
	char *argv[MAX_WORDS], *p;
	struct job *j;
	int argc = 0;

	p = line;
	while (isspace((unsigned char)*p))
		p++;
	if (*p == '\0' || *p == '#')
		return;

	j = job_new(ctl, lineno);
	for (;;) {
		while (isspace((unsigned char)*p))
			*p++ = '\0';
		if (*p == '\0')
			break;
		if (argc == MAX_WORDS) {
			job_fail(j, "Too many words, at most %d", MAX_WORDS);
			return;
		}
		argv[argc++] = p;
		while (*p && !isspace((unsigned char)*p))
			p++;
	}
	job_words(ctl, j, argc, argv);
}

/* Where to read why a daemon that was started is not there. */
static void
ctl_log_hint(struct ctl *ctl)
{
	warnmsg(ctl, 0, "If it was started, its log says why it stopped: "
	    "journalctl -t %s, syslog, or its stderr with -n", ctl->ident);
}

/* May a socket owned by, or a daemon run by, uid be trusted? */
static int
uid_trusted(uid_t uid)
{
	return uid == 0 || uid == getuid() || uid == geteuid();
}

/*
 * Talk only to a daemon of root or of our own user: in a directory others
 * may write to, anybody could put a socket in the daemon's place and read
 * our commands or feed us answers.  The path itself is checked first, for
 * a clear message: a symbolic link, or a socket someone else owns, is
 * refused.  A path missing or unreadable is left to connect(), which
 * words those cases.  Returns 0, or -1 after a message.
 */
static int
ctl_check_path(struct ctl *ctl)
{
	struct stat st;

	if (lstat(ctl->sockpath, &st))
		return 0;
	if (S_ISLNK(st.st_mode)) {
		warnmsg(ctl, 0, "Refusing socket %s: it is a symbolic link",
		    ctl->sockpath);
		return -1;
	}
	if (!uid_trusted(st.st_uid)) {
		warnmsg(ctl, 0, "Refusing socket %s: owned by uid %u, neither "
		    "root nor you", ctl->sockpath, (unsigned)st.st_uid);
		return -1;
	}
	return 0;
}

/*
 * The same for the daemon at the other end, as the kernel saw it call
 * listen(): this holds even if the path was swapped after the check.
 */
static int
ctl_check_peer(struct ctl *ctl, int fd)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) ||
	    len != sizeof(cr)) {
		warnmsg(ctl, 0, "Cannot tell who runs the daemon at %s: %s",
		    ctl->sockpath, strerror(errno));
		return -1;
	}
	if (!uid_trusted(cr.uid)) {
		warnmsg(ctl, 0, "Refusing daemon at %s: it runs as uid %u, "
		    "neither root nor you", ctl->sockpath, (unsigned)cr.uid);
		return -1;
	}
	return 0;
}

/* Does a daemon answer at the socket?  Tried quietly, for diagnose. */
static int
ctl_daemon_up(const struct ctl *ctl)
{
	struct sockaddr_un sun;
	int fd, rc;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, ctl->sockpath, sizeof(sun.sun_path));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	rc = connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0;
	close(fd);
	return rc;
}

static int
ctl_connect(struct ctl *ctl)
{
	struct sockaddr_un sun;
	int fd, saved;

	if (ctl_check_path(ctl))
		return -1;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, ctl->sockpath, sizeof(sun.sun_path));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		warnmsg(ctl, 0, "Cannot create socket: %s", strerror(errno));
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun))) {
		saved = errno;
		close(fd);
		switch (saved) {
		case ENOENT:
			warnmsg(ctl, 0, "Daemon not running? No socket %s",
			    ctl->sockpath);
			if (!ctl->uflag)
				warnmsg(ctl, 0, "The daemon may be running "
				    "with another -i NAME");
			ctl_log_hint(ctl);
			break;
		case EACCES:
		case EPERM:
			warnmsg(ctl, 0, "Need root privileges to connect to "
			    "daemon");
			break;
		case ECONNREFUSED:
			warnmsg(ctl, 0, "Daemon not running");
			ctl_log_hint(ctl);
			break;
		default:
			warnmsg(ctl, 0, "Cannot connect to daemon at %s: %s",
			    ctl->sockpath, strerror(saved));
			break;
		}
		return -1;
	}
	if (ctl_check_peer(ctl, fd)) {
		close(fd);
		return -1;
	}
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)) {
		warnmsg(ctl, 0, "fcntl: %s", strerror(errno));
		close(fd);
		return -1;
	}
	ctl->sock = fd;
	return 0;
}

static void
rule(char c, int n)
{
	while (n-- > 0)
		putchar(c);
	putchar('\n');
}

/* Print show output, decorating the marked lines. */
static void
print_table(const struct ctl *ctl, const char *text, size_t len)
{
	const char *p = text, *end = text + len, *nl;
	size_t n;
	char mark;

	while (p < end) {
		nl = memchr(p, '\n', end - p);
		n = (nl ? nl : end) - p;
		mark = n > 0 ? p[n - 1] : '\0';
		if (mark != '_' && mark != '=' && mark != '~') {
			fwrite(p, 1, n, stdout);
			putchar('\n');
		} else if (!ctl->headings) {
			/* -t: drop titles and headings */
		} else if (mark == '~') {
			/* a plain title, printed as it is */
			fwrite(p, 1, n - 1, stdout);
			putchar('\n');
		} else if (!ctl->tty) {
			rule(mark, RULE_WIDTH);
			fwrite(p, 1, n - 1, stdout);
			putchar('\n');
			if (mark == '=')
				rule('=', RULE_WIDTH);
		} else if (mark == '_') {
			printf("\n\033[1m\033[4m%.*s\033[0m\n", (int)n - 1, p);
		} else {
			printf("\033[7m%-*.*s\033[0m\n", ctl->width, (int)n - 1,
			    p);
		}
		p += n + 1;
	}
}

/*
 * diagnose: the daemon's rows (none when it is not running) and the
 * client's checks, rendered as a table; a failed check fails the run.
 */
static void
job_diagnose(struct ctl *ctl, struct job *j)
{
	char err[256], conf[512], *text = NULL;
	int rc;

	if (ctl->diag_conf)
		snprintf(conf, sizeof(conf), "%s", ctl->diag_conf);
	else
		snprintf(conf, sizeof(conf), "%s/%s.conf", SYSCONFDIR,
		    ctl->ident);
	rc = diagctl_run(j->replied ? j->out : NULL, j->outlen,
	    ctl->sockpath, conf, ctl->json, &text, err, sizeof(err));
	if (rc < 0) {
		job_fail(j, "%s", err);
		return;
	}
	free(j->out);
	j->out = text;
	j->outlen = strlen(text);
	j->decorate = !ctl->json;
	if (rc == DIAGCTL_FAIL)
		ctl->failures++;
}

/* Print a finished job and forget it. */
static void
job_done(struct ctl *ctl, struct job *j)
{
	char *help;
	size_t n;

	if (j->diagnose && !j->failed)
		job_diagnose(ctl, j);
	if (j->failed) {
		ctl->failures++;
		n = j->err ? strlen(j->err) : 0;
		while (n > 0 && j->err[n - 1] == '\n')
			n--;
		fflush(stdout);
		fprintf(stderr, "%s: ", ctl->prog);
		if (j->line)
			fprintf(stderr, "line %d: ", j->line);
		fprintf(stderr, "%.*s\n", (int)n, j->err ? j->err :
		    "Out of memory");
		if (j->usage && !ctl->batch) {
			help = cmd_help(ctl->prog, j->usage);
			if (help)
				fputs(help, stdout);
			free(help);
		}
	} else if (j->usage) {
		usage(ctl->prog, 0);
	} else if (j->outlen > 0) {
		if (j->decorate) {
			print_table(ctl, j->out, j->outlen);
		} else {
			fwrite(j->out, 1, j->outlen, stdout);
			if (j->out[j->outlen - 1] != '\n')
				putchar('\n');
		}
	}
	TAILQ_REMOVE(&ctl->jobs, j, link);
	ctl->njobs--;
	free(j->out);
	free(j->err);
	free(j);
}

/* Print every finished job at the head of the queue, in order. */
static void
jobs_flush(struct ctl *ctl)
{
	struct job *j;

	while ((j = TAILQ_FIRST(&ctl->jobs)) != NULL) {
		if (j->remote && !j->replied && !j->failed)
			break;
		job_done(ctl, j);
	}
}

static struct job *
job_waiting(struct ctl *ctl)
{
	struct job *j;

	TAILQ_FOREACH(j, &ctl->jobs, link)
		if (j->remote && !j->replied && !j->failed)
			return j;
	return NULL;
}

/* The connection is gone: every job still waiting fails. */
static void
sock_lost(struct ctl *ctl, const char *why)
{
	struct job *j;

	ctl->sock_dead = 1;	/* and no more input is read */
	TAILQ_FOREACH(j, &ctl->jobs, link)
		if (j->remote && !j->replied && !j->failed)
			job_fail(j, "%s", why);
}

/* Cut whole replies from ctl->rx and give them to their jobs. */
static void
replies(struct ctl *ctl)
{
	uint32_t len;
	int32_t status;
	struct job *j;
	void *p;
	int rc;

	for (;;) {
		p = evbuffer_pullup(ctl->rx, MSG_REPLY_HDR_LEN);
		if (!p)
			return;
		rc = msg_reply_decode(p, evbuffer_get_length(ctl->rx), &len,
		    &status);
		if (rc < 0) {
			sock_lost(ctl, "Malformed reply from daemon");
			return;
		}
		if (evbuffer_get_length(ctl->rx) < MSG_REPLY_HDR_LEN + len)
			return;
		evbuffer_drain(ctl->rx, MSG_REPLY_HDR_LEN);

		j = job_waiting(ctl);
		if (!j) {
			/* E.g. "too many clients", before any request. */
			j = job_new(ctl, 0);
			j->remote = 1;
		}
		j->replied = 1;
		j->out = malloc(len + 1);
		if (!j->out) {
			job_fail(j, "Out of memory");
			evbuffer_drain(ctl->rx, len);
			continue;
		}
		evbuffer_remove(ctl->rx, j->out, len);
		j->out[len] = '\0';
		j->outlen = len;
		if (status != MSG_OK) {
			job_fail(j, "%s", len ? j->out : "Command failed");
			free(j->out);
			j->out = NULL;
			j->outlen = 0;
		}
	}
}

/* Read -b lines that have arrived and queue their jobs. */
static void
stdin_lines(struct ctl *ctl)
{
	struct job *j;
	size_t n;
	char *line;

	while (ctl->njobs < WINDOW_JOBS &&
	    evbuffer_get_length(ctl->tx) < WINDOW_BYTES) {
		line = evbuffer_readln(ctl->stdin_buf, &n, EVBUFFER_EOL_LF);
		if (!line && ctl->stdin_eof &&
		    evbuffer_get_length(ctl->stdin_buf) > 0) {
			/* The last line, without a newline. */
			n = evbuffer_get_length(ctl->stdin_buf);
			line = malloc(n + 1);
			if (line) {
				evbuffer_remove(ctl->stdin_buf, line, n);
				line[n] = '\0';
			}
		}
		if (!line)
			break;
		ctl->lineno++;
		if (ctl->skipping)
			ctl->skipping = 0;
		else
			job_line(ctl, line, ctl->lineno);
		free(line);
	}
	if (evbuffer_get_length(ctl->stdin_buf) > LINE_MAX_LEN &&
	    evbuffer_search_eol(ctl->stdin_buf, NULL, NULL,
	    EVBUFFER_EOL_LF).pos < 0) {
		if (!ctl->skipping) {
			j = job_new(ctl, ctl->lineno + 1);
			job_fail(j, "Line too long");
			ctl->skipping = 1;
		}
		evbuffer_drain(ctl->stdin_buf,
		    evbuffer_get_length(ctl->stdin_buf));
	}
}

static int
can_read_stdin(const struct ctl *ctl)
{
	return ctl->batch && !ctl->stdin_eof && !ctl->sock_dead &&
	    ctl->njobs < WINDOW_JOBS &&
	    evbuffer_get_length(ctl->tx) < WINDOW_BYTES;
}

/* Send what the socket takes; -1 when the daemon is gone. */
static int
tx_send(struct ctl *ctl)
{
	size_t len;
	ssize_t n;
	void *p;

	while ((len = evbuffer_get_contiguous_space(ctl->tx)) > 0) {
		p = evbuffer_pullup(ctl->tx, len);
		n = send(ctl->sock, p, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
		}
		evbuffer_drain(ctl->tx, n);
	}
	return 0;
}

/* Send, receive and print until every job is done. */
static void
run(struct ctl *ctl)
{
	struct pollfd pfd[2];
	int n, ns, nin, rc;

	for (;;) {
		jobs_flush(ctl);
		fflush(stdout);
		if (TAILQ_EMPTY(&ctl->jobs) && (!ctl->batch ||
		    ctl->stdin_eof || ctl->sock_dead))
			break;

		n = 0;
		nin = ns = -1;
		if (can_read_stdin(ctl)) {
			pfd[n].fd = STDIN_FILENO;
			pfd[n].events = POLLIN;
			nin = n++;
		}
		if (!ctl->sock_dead && ctl->sock >= 0) {
			pfd[n].fd = ctl->sock;
			pfd[n].events = POLLIN;
			if (evbuffer_get_length(ctl->tx) > 0)
				pfd[n].events |= POLLOUT;
			ns = n++;
		}
		if (n == 0) {
			/* Nothing left to wait for. */
			sock_lost(ctl, "Connection to daemon lost");
			continue;
		}
		if (poll(pfd, n, -1) < 0) {
			if (errno == EINTR)
				continue;
			warnmsg(ctl, 0, "poll: %s", strerror(errno));
			exit(1);
		}

		if (nin >= 0 && pfd[nin].revents) {
			rc = evbuffer_read(ctl->stdin_buf, STDIN_FILENO, 65536);
			if (rc == 0 || (rc < 0 && errno != EAGAIN &&
			    errno != EINTR))
				ctl->stdin_eof = 1;
			stdin_lines(ctl);
		} else if (ctl->batch && !ctl->sock_dead) {
			stdin_lines(ctl);	/* the window may have opened */
		}

		if (ns < 0)
			continue;
		if ((pfd[ns].revents & POLLOUT) && tx_send(ctl)) {
			/* The daemon hung up; it may have said why. */
			while (evbuffer_read(ctl->rx, ctl->sock, 65536) > 0)
				;
			replies(ctl);
			sock_lost(ctl, "Connection closed by daemon");
			continue;
		}
		if (pfd[ns].revents & (POLLIN | POLLHUP | POLLERR)) {
			rc = evbuffer_read(ctl->rx, ctl->sock, 65536);
			replies(ctl);
			if (rc == 0 || (rc < 0 && errno != EAGAIN &&
			    errno != EINTR))
				sock_lost(ctl, "Connection closed by daemon");
		}
	}
}

static int
ctl_exit(struct ctl *ctl, int code)
{
	struct job *j;

	while ((j = TAILQ_FIRST(&ctl->jobs)) != NULL) {
		TAILQ_REMOVE(&ctl->jobs, j, link);
		free(j->out);
		free(j->err);
		free(j);
	}
	if (ctl->sock >= 0)
		close(ctl->sock);
	evbuffer_free(ctl->tx);
	evbuffer_free(ctl->rx);
	evbuffer_free(ctl->stdin_buf);
	if (fflush(stdout) && code == 0)
		code = 1;
	return code;
}

int
main(int argc, char *argv[])
{
	struct ctl ctl;
	const char *ident = DEFAULT_IDENT, *sockfile = NULL;
	struct winsize ws;
	struct job *j;
	int c, len;

	memset(&ctl, 0, sizeof(ctl));
	ctl.prog = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	ctl.headings = 1;
	ctl.sock = -1;
	TAILQ_INIT(&ctl.jobs);

	while ((c = getopt(argc, argv, "bdhI:i:jptu:v")) != -1) {
		switch (c) {
		case 'b':
			ctl.batch = 1;
			break;
		case 'd':
			ctl.detail = 1;
			break;
		case 'h':
			return usage(ctl.prog, 0);
		case 'I':
		case 'i':
			ident = optarg;
			break;
		case 'j':
			ctl.json = 1;
			break;
		case 'p':
			ctl.plain = 1;
			break;
		case 't':
			ctl.headings = 0;
			break;
		case 'u':
			sockfile = optarg;
			break;
		case 'v':
			printf("%s\n", VERSION);
			return 0;
		default:
			return usage(ctl.prog, 1);
		}
	}

	ctl.ident = ident;
	if (sockfile) {
		ctl.uflag = 1;
		len = snprintf(ctl.sockpath, sizeof(ctl.sockpath), "%s",
		    sockfile);
	} else {
		len = snprintf(ctl.sockpath, sizeof(ctl.sockpath),
		    "%s/%s.sock", RUNSTATEDIR, ident);
	}
	if (len < 0 || (size_t)len >= sizeof(ctl.sockpath)) {
		warnmsg(&ctl, 0, "Socket path too long: %s%s%s%s",
		    sockfile ? sockfile : RUNSTATEDIR, sockfile ? "" : "/",
		    sockfile ? "" : ident, sockfile ? "" : ".sock");
		return 1;
	}

	ctl.tty = !ctl.plain && isatty(STDOUT_FILENO);
	ctl.width = RULE_WIDTH;
	if (ctl.tty && !ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) && ws.ws_col > 0)
		ctl.width = ws.ws_col;

	signal(SIGPIPE, SIG_IGN);
	ctl.tx = evbuffer_new();
	ctl.rx = evbuffer_new();
	ctl.stdin_buf = evbuffer_new();
	if (!ctl.tx || !ctl.rx || !ctl.stdin_buf) {
		warnmsg(&ctl, 0, "Out of memory");
		exit(1);
	}

	if (ctl.batch) {
		if (optind < argc) {
			warnmsg(&ctl, 0, "With -b, commands are read from "
			    "stdin, not the command line");
			return ctl_exit(&ctl, 1);
		}
		if (ctl_connect(&ctl))
			return ctl_exit(&ctl, 1);
		run(&ctl);
		return ctl_exit(&ctl, ctl.failures > 255 ? 255 : ctl.failures);
	}

	j = job_new(&ctl, 0);
	if (optind < argc) {
		job_words(&ctl, j, argc - optind, argv + optind);
	} else {
		char *show[] = { "show", NULL };

		job_words(&ctl, j, 1, show);
	}
	if (j->diagnose && !ctl_daemon_up(&ctl))
		j->remote = 0;		/* diagnose checks without it */
	if (j->remote && ctl_connect(&ctl))
		return ctl_exit(&ctl, 1);
	run(&ctl);
	return ctl_exit(&ctl, ctl.failures ? 1 : 0);
}
