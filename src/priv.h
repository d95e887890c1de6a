/*
 * priv.h - -p USER[:GROUP]: run as an unprivileged user after start-up
 *
 * The daemon starts as root, opens what needs root (the routing
 * sockets, the netlink socket, the control socket, the pid file), then
 * becomes USER and keeps only the capabilities routing needs at run
 * time: CAP_NET_ADMIN (VIFs/MIFs and MFC entries, SO_RCVBUFFORCE) and
 * CAP_NET_RAW (raw sockets opened later, e.g. for an interface that
 * appears after start).  Both are effective and permitted, never
 * inheritable or ambient: the -e hook runs as USER with none.
 */
#ifndef SMCR_PRIV_H
#define SMCR_PRIV_H

#include <stddef.h>
#include <sys/types.h>

/*
 * Resolve USER[:GROUP] (names, or numbers that exist in the user and
 * group databases); GROUP defaults to USER's primary group.  Only
 * looks up: nothing changes until priv_drop().  Returns 0, -1 for a
 * malformed spec or -2 for a user or group that cannot be found, with
 * the reason in err.
 */
int		 priv_set(const char *spec, char *err, size_t errlen);

/* Whether -p was given (priv_set() succeeded). */
int		 priv_wanted(void);
/* The uid and gid priv_drop() switches to (for files kept across it). */
uid_t		 priv_uid(void);
gid_t		 priv_gid(void);

/*
 * Become the user of priv_set() with only CAP_NET_ADMIN and
 * CAP_NET_RAW; every other capability leaves the bounding set too
 * where CAP_SETPCAP allows.  Nothing to do without -p.  Returns 0, or
 * -1 (logged) when any step failed: the caller must not go on.
 */
int		 priv_drop(void);

#endif /* SMCR_PRIV_H */
