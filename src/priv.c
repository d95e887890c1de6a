/*
 * priv.c - -p USER[:GROUP]: run as an unprivileged user after start-up
 *
 * The order matters: the bounding set is trimmed first (that takes
 * CAP_SETPCAP, which root still has), PR_SET_KEEPCAPS keeps the
 * permitted set across setresuid() (which would otherwise empty it),
 * then the groups, the gid and the uid change, and cap_set_proc()
 * leaves exactly CAP_NET_ADMIN and CAP_NET_RAW, permitted and
 * effective.  Nothing is inheritable and nothing ambient, so whatever
 * the daemon execs (the -e hook) runs as USER without capabilities.
 */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/capability.h>

#include "log.h"
#include "priv.h"

/* What routing needs once running; see priv.h. */
static const cap_value_t priv_keep[] = { CAP_NET_ADMIN, CAP_NET_RAW };
#define PRIV_NKEEP	((int)(sizeof(priv_keep) / sizeof(priv_keep[0])))

/* The process's credentials are one per process: a singleton. */
static struct {
	int	set;
	uid_t	uid;
	gid_t	gid;
	char	user[256];		/* for initgroups() */
} priv;

/* A number without sign, or -1. */
static long
priv_number(const char *s)
{
	char *end;
	long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (*end || errno || v < 0 || v > (long)UINT32_MAX - 1)
		return -1;
	return v;
}

int
priv_set(const char *spec, char *err, size_t errlen)
{
	char buf[512], *user, *group;
	struct passwd *pw;
	struct group *gr;
	long n;

	if (strlcpy(buf, spec, sizeof(buf)) >= sizeof(buf)) {
		snprintf(err, errlen, "user name too long");
		return -1;
	}
	user = buf;
	group = strchr(buf, ':');
	if (group)
		*group++ = '\0';
	if (!*user || (group && !*group)) {
		snprintf(err, errlen, "invalid -p %s: want USER or USER:GROUP",
		    spec);
		return -1;
	}

	errno = 0;
	pw = getpwnam(user);
	if (!pw && (n = priv_number(user)) >= 0)
		pw = getpwuid((uid_t)n);
	if (!pw) {
		if (errno && errno != ENOENT && errno != ESRCH)
			snprintf(err, errlen, "cannot look up user %s: %s",
			    user, strerror(errno));
		else
			snprintf(err, errlen, "unknown user %s", user);
		return -2;
	}
	if (strlcpy(priv.user, pw->pw_name, sizeof(priv.user)) >=
	    sizeof(priv.user)) {
		snprintf(err, errlen, "user name too long: %s", pw->pw_name);
		return -1;
	}
	priv.uid = pw->pw_uid;
	priv.gid = pw->pw_gid;

	if (group) {
		errno = 0;
		gr = getgrnam(group);
		if (!gr && (n = priv_number(group)) >= 0)
			gr = getgrgid((gid_t)n);
		if (!gr) {
			if (errno && errno != ENOENT && errno != ESRCH)
				snprintf(err, errlen, "cannot look up group "
				    "%s: %s", group, strerror(errno));
			else
				snprintf(err, errlen, "unknown group %s",
				    group);
			return -2;
		}
		priv.gid = gr->gr_gid;
	}
	priv.set = 1;
	return 0;
}

int
priv_wanted(void)
{
	return priv.set;
}

uid_t
priv_uid(void)
{
	return priv.uid;
}

gid_t
priv_gid(void)
{
	return priv.gid;
}

static int
priv_kept(cap_value_t c)
{
	int i;

	for (i = 0; i < PRIV_NKEEP; i++)
		if (priv_keep[i] == c)
			return 1;
	return 0;
}

/*
 * Drop what we do not keep from the bounding set, so that not even a
 * set-uid program the hook runs can get it back.  That takes
 * CAP_SETPCAP, hence it goes last; a service manager may have taken it
 * away already (systemd's CapabilityBoundingSet=), and then its own
 * bounding set is the limit: said once, not an error.
 */
static void
priv_trim_bound(void)
{
	cap_value_t c, max = (cap_value_t)cap_max_bits();
	int left = 0;

	for (c = 0; c < max; c++) {
		if (priv_kept(c) || c == CAP_SETPCAP || cap_get_bound(c) != 1)
			continue;
		if (cap_drop_bound(c)) {
			if (errno != EPERM)
				log_warn("Cannot drop capability %d from the "
				    "bounding set", (int)c);
			left++;
		}
	}
	if (cap_get_bound(CAP_SETPCAP) == 1 && cap_drop_bound(CAP_SETPCAP))
		left++;
	if (left)
		log_info("%d capabilities stay in the bounding set (no "
		    "CAP_SETPCAP); none of them is permitted", left);
}

int
priv_drop(void)
{
	cap_t caps;
	int rc;

	if (!priv.set)
		return 0;

	priv_trim_bound();
	if (prctl(PR_SET_KEEPCAPS, 1L, 0L, 0L, 0L)) {
		log_warn("Cannot keep capabilities across setuid");
		return -1;
	}
	if (initgroups(priv.user, priv.gid)) {
		log_warn("Cannot set the groups of %s", priv.user);
		return -1;
	}
	if (setresgid(priv.gid, priv.gid, priv.gid)) {
		log_warn("Cannot change to gid %u", (unsigned)priv.gid);
		return -1;
	}
	if (setresuid(priv.uid, priv.uid, priv.uid)) {
		log_warn("Cannot change to user %s (uid %u)", priv.user,
		    (unsigned)priv.uid);
		return -1;
	}

	/* cap_init(): every set empty; then exactly what we keep. */
	caps = cap_init();
	if (!caps) {
		log_warn("Cannot allocate capabilities");
		return -1;
	}
	rc = cap_set_flag(caps, CAP_PERMITTED, PRIV_NKEEP, priv_keep,
	    CAP_SET) || cap_set_flag(caps, CAP_EFFECTIVE, PRIV_NKEEP,
	    priv_keep, CAP_SET) || cap_set_proc(caps);
	cap_free(caps);
	if (rc) {
		log_warn("Cannot keep CAP_NET_ADMIN and CAP_NET_RAW as %s",
		    priv.user);
		return -1;
	}
	if (prctl(PR_SET_KEEPCAPS, 0L, 0L, 0L, 0L))
		log_warn("Cannot clear PR_SET_KEEPCAPS");

	/* Root must be gone for good: a way back is a bug, not a warning. */
	if (priv.uid != 0 && (setuid(0) == 0 || seteuid(0) == 0)) {
		log_warnx("Could regain root after changing to %s", priv.user);
		return -1;
	}
	log_notice("Running as %s (uid %u, gid %u) with CAP_NET_ADMIN and "
	    "CAP_NET_RAW only", priv.user, (unsigned)priv.uid,
	    (unsigned)priv.gid);
	return 0;
}
