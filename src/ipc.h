/*
 * ipc.h - the daemon's control socket
 *
 * A UNIX stream socket served from the daemon's event loop.  Each
 * connection reads framed requests (msg.h), validates each with
 * msg_req_parse(), calls the handler, and queues a framed reply; replies
 * leave in request order.  Sockets are non-blocking and every write uses
 * MSG_NOSIGNAL, so no client can block or kill the daemon:
 *
 *  - only root and the user that owns the socket file (the daemon's
 *    user) may talk to it: each new connection's SO_PEERCRED is checked
 *    before anything else, and anyone else gets a "Permission denied"
 *    error reply and is closed (logged, IPC_LOG_BURST lines per
 *    IPC_LOG_WINDOW_MS at most);
 *  - at most IPC_MAX_CLIENTS connections.  At the limit, a newcomer
 *    takes the place of the client that has been idle longest, if one
 *    has been idle for IPC_EVICT_IDLE_MS (that one gets an error reply
 *    saying why and is closed); otherwise it gets a "Too many clients"
 *    error reply and is closed.  So idle clients never lock the
 *    daemon out, and busy ones at most for the stall timeout;
 *  - while a client has more than IPC_OUT_HIWAT bytes of replies queued,
 *    its requests are neither read nor executed (back-pressure), and no
 *    more is read while a whole request is waiting, so a connection holds
 *    at most about IPC_OUT_HIWAT + MSG_REPLY_MAX of replies and 128 KiB
 *    of requests;
 *  - at most IPC_BATCH requests of one client run per event-loop turn,
 *    so a long pipeline does not starve other clients or timers;
 *  - a client that leaves replies unread, or a request half-sent, for
 *    the stall timeout (IPC_TIMEOUT_MS) without progress is dropped; a
 *    half-sent request gets a MSG_BADMSG "incomplete request" reply
 *    first;
 *  - a client that is idle (every request answered, nothing unsent,
 *    nothing half-received, nothing waiting unread in the socket) for
 *    IPC_IDLE_TIMEOUT seconds is closed, after an error reply saying so;
 *  - a client may half-close (shutdown SHUT_WR) after its requests and
 *    still gets every reply, and for a request cut short by the end of
 *    its input an "incomplete request" reply; one that hangs up early
 *    is simply dropped (the replies fail to send).
 *
 * Every reply answers one request, in order, except the one the daemon
 * sends just before it closes a connection on its own (refused, evicted,
 * idle): a MSG_FAIL reply whose text is the reason, which a client that
 * has no request outstanding reads as an unsolicited error.
 */
#ifndef SMCR_IPC_H
#define SMCR_IPC_H

#include <stddef.h>

#include "msg.h"

struct event_base;
struct evbuffer;

#define IPC_MAX_CLIENTS	64
#define IPC_OUT_HIWAT	(256 * 1024)
#define IPC_TIMEOUT_MS	30000

/*
 * Idle timeout, in seconds.  Long enough for smcroutectl -b fed
 * from a terminal or a slow pipe (a line every few seconds keeps the
 * connection); a pause of more than 30 s ends the batch with the
 * daemon's message.  It bounds how long a forgotten connection holds one
 * of the IPC_MAX_CLIENTS slots; eviction (above) frees one sooner when
 * somebody needs it.
 */
#define IPC_IDLE_TIMEOUT 30

/* At the limit, a client idle this long may be closed for a newcomer. */
#define IPC_EVICT_IDLE_MS 1000

/* Refused clients are logged at most IPC_LOG_BURST times per window. */
#define IPC_LOG_BURST	5
#define IPC_LOG_WINDOW_MS 10000
#define IPC_BATCH	256		/* requests run per client and turn */

/*
 * Handle one valid request.  Append the reply text (table text or JSON
 * for show, usually nothing otherwise) to out and return 0; or return -1
 * with the reason for this request in err (NUL-terminated, errlen bytes
 * at most), in which case anything appended to out is discarded.
 * The client prints err as "smcroutectl: <err>".
 *
 * The handler must not call ipc_exit().  For kill, end the event loop
 * (event_base_loopexit()) and call ipc_exit() after it: the reply is
 * sent as soon as the handler returns if the socket has room, and
 * ipc_exit() makes a last non-blocking attempt for what is left.
 */
typedef int (*ipc_handler_t)(const struct msg_req *req, struct evbuffer *out,
    char *err, size_t errlen);

/*
 * Create the socket at sockpath, mode 0600, and serve it on base.  The
 * uid that owns the socket file once it is bound (the daemon's) is the
 * one, beside root, allowed to connect.
 * A stale socket (one nobody listens on) is removed first; a live one,
 * or a file that is not a socket, is an error, as is a path too long
 * for sun_path.  Returns 0, or -1 with errno set and the cause logged.
 */
int	ipc_init(struct event_base *base, const char *sockpath,
	    ipc_handler_t handler);

/* Close every connection and the socket, and remove the socket file. */
void	ipc_exit(void);

/* For tests: the stall timeout in milliseconds (0 restores the default). */
void	ipc_set_timeout(int msec);

/* For tests: the idle timeout in milliseconds (0 restores the default). */
void	ipc_set_idle_timeout(int msec);

/* Number of open client connections. */
int	ipc_nclients(void);

#endif /* SMCR_IPC_H */
