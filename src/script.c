/*
 * script.c - the -e CMD hook
 *
 * An event is a key, "event\0name=value\0...\0": the argument, then the
 * child's variables.  Waiting events are in a FIFO (the order they run
 * in) and in a tree by key (to merge an identical one), always both.
 * Memory is bounded by SCRIPT_MAX_QUEUED keys of at most SCRIPT_KEY_MAX
 * bytes, whatever the children do.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/queue.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/tree.h>
#include <sys/wait.h>
#include <event2/event.h>

#include "evloop.h"
#include "log.h"
#include "script.h"

/* An event's key: the argument and SCRIPT_MAX_VARS variables fit. */
#define SCRIPT_KEY_MAX	1024

struct job {
	TAILQ_ENTRY(job)	 fifo;
	RB_ENTRY(job)		 node;
	const char		*key;	/* keybuf, or the caller's for a find */
	size_t			 len;	/* of key, every NUL included */
	char			 keybuf[];
};

TAILQ_HEAD(job_fifo, job);
RB_HEAD(job_tree, job);

/* A running child: pid 0 is a free slot. */
struct slot {
	pid_t	pid;
	char	event[16];		/* for the log */
};

static struct {
	const char	*path;		/* NULL: no -e, or not executable */
	struct job_fifo	 fifo;
	struct job_tree	 tree;
	int		 nqueued;	/* in fifo and tree */
	int		 nrunning;	/* slots in use */
	struct slot	 slot[SCRIPT_MAX_RUNNING];
	struct event	*retry;		/* after a failed fork */
	struct event	*report;	/* a deferred drop report */
	unsigned long	 dropped;	/* queue full, since start */
	unsigned long	 unreported;	/* dropped since the last report */
	uint64_t	 reported;	/* now_ms() of the last drop report */
	bool		 ever_reported;
	uint64_t	 forkfail_log;	/* now_ms() of the last fork warning */
	bool		 forkfail_logged;
} s;

static int
job_cmp(struct job *a, struct job *b)
{
	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	return memcmp(a->key, b->key, a->len);
}

RB_GENERATE_STATIC(job_tree, job, node, job_cmp)

static void	script_next(void);

static void
script_report(void)
{
	if (!s.unreported)
		return;
	log_warnx("Script %s: %lu event%s dropped, %d already waiting "
	    "(%lu dropped since start)", s.path ? s.path : "-",
	    s.unreported, s.unreported == 1 ? "" : "s", s.nqueued, s.dropped);
	s.unreported = 0;
	s.reported = now_ms();
	s.ever_reported = true;
}

static void
script_report_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	script_report();
}

static void
script_retry_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	script_next();
}

/* The queue is full: count it, report now or when a minute is up. */
static void
script_drop(void)
{
	uint64_t now = now_ms();

	s.dropped++;
	s.unreported++;
	if (evtimer_pending(s.report, NULL))
		return;
	if (!s.ever_reported || now - s.reported >= SCRIPT_REPORT_MS)
		script_report();
	else
		evloop_timer_at(s.report, s.reported + SCRIPT_REPORT_MS);
}

int
script_init(const char *path)
{
	struct stat st;

	memset(&s, 0, sizeof(s));
	TAILQ_INIT(&s.fifo);
	RB_INIT(&s.tree);
	if (!path)
		return 0;
	if (stat(path, &st) || !S_ISREG(st.st_mode) || access(path, X_OK)) {
		log_warnx("%s is not an executable file", path);
		return -1;
	}
	s.retry = evtimer_new(evbase, script_retry_cb, NULL);
	s.report = evtimer_new(evbase, script_report_cb, NULL);
	if (!s.retry || !s.report) {
		log_warnx("Cannot set up %s: out of memory", path);
		script_exit();
		return -1;
	}
	s.path = path;
	return 0;
}

void
script_exit(void)
{
	struct job *j;

	script_report();
	if (s.nqueued)
		log_info("Script %s: %d waiting event%s not run", s.path,
		    s.nqueued, s.nqueued == 1 ? "" : "s");
	while ((j = TAILQ_FIRST(&s.fifo))) {
		TAILQ_REMOVE(&s.fifo, j, fifo);
		RB_REMOVE(job_tree, &s.tree, j);
		free(j);
	}
	s.nqueued = 0;
	if (s.retry)
		event_free(s.retry);
	if (s.report)
		event_free(s.report);
	s.retry = s.report = NULL;
	s.path = NULL;
}

/* Close every descriptor from 3 up, or try to. */
static void
close_from3(void)
{
	struct rlimit rl;
	long fd, max = 1024;

#ifdef SYS_close_range
	if (syscall(SYS_close_range, 3U, ~0U, 0U) == 0)
		return;
#endif
	/* Before Linux 5.9: every number a descriptor can have. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
		max = rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > INT_MAX ?
		    INT_MAX : (long)rl.rlim_cur;
	for (fd = 3; fd < max; fd++)
		close((int)fd);
}

/*
 * In the child, with every signal blocked since before the fork (so no
 * handler of the daemon's can run here): default dispositions, no
 * descriptor above stderr, an empty mask, then exec.
 */
static void __attribute__((noreturn))
script_child(char *const argv[], char *const envp[])
{
	struct sigaction sa;
	sigset_t none;
	int sig;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	/* EINVAL for SIGKILL, SIGSTOP and libc's own: nothing to reset. */
	for (sig = 1; sig < NSIG; sig++)
		sigaction(sig, &sa, NULL);
	close_from3();
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	execve(argv[0], argv, envp);
	_exit(127);
}

/* Fork and exec j in a free slot: 0, or -1 (fork failed, j kept). */
static int
script_start(const struct job *j, struct slot *sl)
{
	char *argv[3], *envp[SCRIPT_MAX_VARS + 2];
	const char *p = j->key, *end = j->key + j->len;
	sigset_t all, old;
	size_t n = 0;
	pid_t pid;

	argv[0] = (char *)s.path;
	argv[1] = (char *)p;
	argv[2] = NULL;
	envp[n++] = (char *)"PATH=" SCRIPT_PATH;
	for (p += strlen(p) + 1; p < end; p += strlen(p) + 1)
		envp[n++] = (char *)p;
	envp[n] = NULL;

	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	pid = fork();
	if (pid == 0)
		script_child(argv, envp);
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (pid < 0) {
		uint64_t now = now_ms();

		if (!s.forkfail_logged ||
		    now - s.forkfail_log >= SCRIPT_REPORT_MS) {
			log_warn("Cannot run %s %s, trying again", s.path,
			    argv[1]);
			s.forkfail_log = now;
			s.forkfail_logged = true;
		}
		return -1;
	}
	sl->pid = pid;
	strlcpy(sl->event, argv[1], sizeof(sl->event));
	s.nrunning++;
	log_debug("Script %s %s started, pid %d (%d running, %d waiting)",
	    s.path, argv[1], (int)pid, s.nrunning, s.nqueued);
	return 0;
}

/* Start waiting events, oldest first, while slots are free. */
static void
script_next(void)
{
	struct job *j;
	int i;

	while (s.nrunning < SCRIPT_MAX_RUNNING &&
	    (j = TAILQ_FIRST(&s.fifo))) {
		for (i = 0; s.slot[i].pid; i++)
			;
		if (script_start(j, &s.slot[i])) {
			evloop_timer_at(s.retry, now_ms() + SCRIPT_RETRY_MS);
			return;
		}
		TAILQ_REMOVE(&s.fifo, j, fifo);
		RB_REMOVE(job_tree, &s.tree, j);
		s.nqueued--;
		free(j);
	}
}

/* Append str and its NUL at *len; -1 if it does not fit. */
static int
key_add(char *key, size_t *len, const char *name, const char *str)
{
	int n = snprintf(key + *len, SCRIPT_KEY_MAX - *len, "%s%s", name,
	    str);

	if (n < 0 || (size_t)n >= SCRIPT_KEY_MAX - *len)
		return -1;
	*len += (size_t)n + 1;
	return 0;
}

void
script_run(const char *event, const struct inet_addr *src,
    const struct inet_addr *grp, const char *const *env)
{
	char key[SCRIPT_KEY_MAX], addr[INET6_ADDRSTRLEN];
	struct job find, *j;
	size_t len = 0;
	int nvars = 0;

	if (!s.path)
		return;
	if (key_add(key, &len, "", event))
		goto toolong;
	if (src) {
		inet_str(src, addr, sizeof(addr));
		if (key_add(key, &len, "source=", addr))
			goto toolong;
		nvars++;
	}
	if (grp) {
		inet_str(grp, addr, sizeof(addr));
		if (key_add(key, &len, "group=", addr))
			goto toolong;
		nvars++;
	}
	for (; env && *env; env++, nvars++)
		if (nvars >= SCRIPT_MAX_VARS || key_add(key, &len, "", *env))
			goto toolong;

	find.key = key;
	find.len = len;
	if (RB_FIND(job_tree, &s.tree, &find)) {
		log_debug("Script %s %s: the same event is waiting already",
		    s.path, event);
		return;
	}
	if (s.nqueued >= SCRIPT_MAX_QUEUED) {
		script_drop();
		return;
	}
	if (!(j = malloc(sizeof(*j) + len))) {
		log_warn("Cannot queue %s %s", s.path, event);
		return;
	}
	memcpy(j->keybuf, key, len);
	j->key = j->keybuf;
	j->len = len;
	RB_INSERT(job_tree, &s.tree, j);
	TAILQ_INSERT_TAIL(&s.fifo, j, fifo);
	s.nqueued++;
	if (!evtimer_pending(s.retry, NULL))
		script_next();
	return;
toolong:
	log_warnx("Script %s %s: too many or too long variables, not run",
	    s.path, event);
}

void
script_reap(void)
{
	int status, i;
	const char *ev;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		ev = "?";
		for (i = 0; i < SCRIPT_MAX_RUNNING; i++)
			if (s.slot[i].pid == pid)
				break;
		if (i < SCRIPT_MAX_RUNNING) {
			ev = s.slot[i].event;
			s.slot[i].pid = 0;
			s.nrunning--;
		}
		if (WIFEXITED(status))
			log_debug("Script %s %s (pid %d) exited %d",
			    s.path ? s.path : "-", ev, (int)pid,
			    WEXITSTATUS(status));
		else if (WIFSIGNALED(status))
			log_info("Script %s %s (pid %d) killed by signal %d",
			    s.path ? s.path : "-", ev, (int)pid,
			    WTERMSIG(status));
	}
	if (s.path && !evtimer_pending(s.retry, NULL))
		script_next();
}
