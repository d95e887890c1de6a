/*
 * log.h - logging to stderr and/or syslog
 */
#ifndef SMCR_LOG_H
#define SMCR_LOG_H

#include <stdarg.h>
#include <syslog.h>

#define LOG_NONE	-1		/* -l none */

/* Open with ident; to_syslog and/or to_stderr; level is a syslog level. */
void	log_open(const char *ident, int to_syslog, int to_stderr);
void	log_close(void);
void	log_setlevel(int level);
int	log_getlevel(void);
/* Name ("notice", "debug", ...) to level; -2 for an unknown name. */
int	log_level_parse(const char *);
/* Send messages to stdout without prefix (smcrouted -F). */
void	log_to_stdout(int);

void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_notice(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void	logit(int pri, const char *, ...) __attribute__((format(printf, 2, 3)));
void	vlogit(int pri, const char *, va_list);
/*
 * Rate limiting for messages that input can repeat: log_rl() returns
 * -1 while the period since the last message runs (counting the
 * message suppressed), else how many were suppressed since, and starts
 * the period.  A zeroed struct log_rl lets the first message through.
 */
struct log_rl {
	unsigned long long	 next;		/* ms */
	unsigned long		 suppressed;
};
long	log_rl(struct log_rl *, unsigned long long now_ms,
	    unsigned long long period_ms);

/* Only for start-up failures and broken invariants, never for bad input. */
void	fatal(int code, const char *, ...)
	    __attribute__((format(printf, 2, 3), noreturn));
void	fatalx(int code, const char *, ...)
	    __attribute__((format(printf, 2, 3), noreturn));

#endif /* SMCR_LOG_H */
