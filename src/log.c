/*
 * log.c - logging to stderr and/or syslog
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "log.h"

static struct {
	const char	*ident;
	int		 level;
	int		 syslog;
	int		 stderr;
	int		 stdout;
} lg = { "smcroute", LOG_NOTICE, 0, 1, 0 };

static const struct {
	const char	*name;
	int		 level;
} levels[] = {
	{ "none",	LOG_NONE },
	{ "emerg",	LOG_EMERG },
	{ "alert",	LOG_ALERT },
	{ "crit",	LOG_CRIT },
	{ "err",	LOG_ERR },
	{ "error",	LOG_ERR },
	{ "warning",	LOG_WARNING },
	{ "warn",	LOG_WARNING },
	{ "notice",	LOG_NOTICE },
	{ "info",	LOG_INFO },
	{ "debug",	LOG_DEBUG },
};

void
log_open(const char *ident, int to_syslog, int to_stderr)
{
	lg.ident = ident;
	lg.syslog = to_syslog;
	lg.stderr = to_stderr;
	if (to_syslog)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void
log_close(void)
{
	if (lg.syslog)
		closelog();
	lg.syslog = 0;
}

void
log_setlevel(int level)
{
	lg.level = level;
}

int
log_getlevel(void)
{
	return lg.level;
}

int
log_level_parse(const char *s)
{
	size_t i;

	for (i = 0; i < sizeof(levels) / sizeof(levels[0]); i++)
		if (!strcasecmp(s, levels[i].name))
			return levels[i].level;
	return -2;
}

void
log_to_stdout(int on)
{
	lg.stdout = on;
}

void
vlogit(int pri, const char *fmt, va_list ap)
{
	char msg[1024];
	int saved = errno;

	if (pri > lg.level)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (lg.stdout) {
		printf("%s\n", msg);
		fflush(stdout);
	} else if (lg.stderr) {
		fprintf(stderr, "%s[%d]: %s\n", lg.ident, getpid(), msg);
	}
	if (lg.syslog)
		syslog(pri, "%s", msg);
	errno = saved;
}

void
logit(int pri, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlogit(pri, fmt, ap);
	va_end(ap);
}

/* Log fmt at pri with ": strerror(errno)" appended; errno is kept. */
static void
vlog_errno(int pri, const char *fmt, va_list ap)
{
	char buf[768];
	int saved = errno;

	vsnprintf(buf, sizeof(buf), fmt, ap);
	logit(pri, "%s: %s", buf, strerror(saved));
	errno = saved;
}

void
log_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog_errno(LOG_WARNING, fmt, ap);
	va_end(ap);
}

#define LOG_FN(name, pri)				\
void							\
name(const char *fmt, ...)				\
{							\
	va_list ap;					\
							\
	va_start(ap, fmt);				\
	vlogit(pri, fmt, ap);				\
	va_end(ap);					\
}

LOG_FN(log_warnx, LOG_WARNING)
LOG_FN(log_notice, LOG_NOTICE)
LOG_FN(log_info, LOG_INFO)
LOG_FN(log_debug, LOG_DEBUG)

void
fatal(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog_errno(LOG_ERR, fmt, ap);
	va_end(ap);
	exit(code);
}

void
fatalx(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlogit(LOG_ERR, fmt, ap);
	va_end(ap);
	exit(code);
}

long
log_rl(struct log_rl *rl, unsigned long long now, unsigned long long period)
{
	long n;

	if (rl->next && now < rl->next) {
		rl->suppressed++;
		return -1;
	}
	n = (long)rl->suppressed;
	rl->suppressed = 0;
	rl->next = now + period;
	if (rl->next == 0)
		rl->next = 1;
	return n;
}
