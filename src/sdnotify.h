/*
 * sdnotify.h - the systemd readiness protocol, without libsystemd
 */
#ifndef SMCR_SDNOTIFY_H
#define SMCR_SDNOTIFY_H

/*
 * Send state (e.g. "READY=1\nSTATUS=...") to $NOTIFY_SOCKET, if set.
 * Silently does nothing outside systemd.
 */
void	sdnotify(const char *state);

#endif /* SMCR_SDNOTIFY_H */
