/*
 * script.c - the -e CMD hook
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "log.h"
#include "script.h"

static const char *script;

int
script_init(const char *path)
{
	struct stat st;

	script = NULL;
	if (!path)
		return 0;
	if (stat(path, &st) || !S_ISREG(st.st_mode) || access(path, X_OK)) {
		log_warnx("%s is not an executable file", path);
		return -1;
	}
	script = path;
	return 0;
}

void
script_run(const char *event, const struct inet_addr *src,
    const struct inet_addr *grp, const char *const *env)
{
	char s[INET6_ADDRSTRLEN], g[INET6_ADDRSTRLEN];
	pid_t pid;

	if (!script)
		return;
	if (src)
		inet_str(src, s, sizeof(s));
	if (grp)
		inet_str(grp, g, sizeof(g));
	pid = fork();
	if (pid < 0) {
		log_warn("Cannot run %s", script);
		return;
	}
	if (pid > 0)
		return;

	/* Child: a clean environment for the event, then exec. */
	unsetenv("NOTIFY_SOCKET");
	if (src)
		setenv("source", s, 1);
	if (grp)
		setenv("group", g, 1);
	for (; env && *env; env++)
		putenv((char *)*env);
	execl(script, script, event, (char *)NULL);
	_exit(127);
}

void
script_reap(void)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (WIFEXITED(status))
			log_debug("Script %s (pid %d) exited %d",
			    script ? script : "?", (int)pid,
			    WEXITSTATUS(status));
		else if (WIFSIGNALED(status))
			log_info("Script %s (pid %d) killed by signal %d",
			    script ? script : "?", (int)pid,
			    WTERMSIG(status));
	}
}
