/*
 * conn-close.c - how a connection ends: its socket closed in the way its
 * reason calls for, and the one line that records it.  Used by the
 * workers (conn.c) and by the accepting thread for a client it turns
 * away (listener.c); touches nothing but the descriptor it is given.
 */
#include "build-config.h"

#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "conn.h"
#include "log.h"
#include "net.h"

/* How long a closing connection may keep sending before we reset it. */
#define LINGER_MS 1000

static const char *const reason_names[] = {
	[CLOSE_PEER] = "peer closed",
	[CLOSE_TIMEOUT] = "time out",
	[CLOSE_RESET] = "reset",
	[CLOSE_TOO_LONG] = "line too long",
	[CLOSE_BUSY] = "busy",
	[CLOSE_PER_IP] = "busy: too many from this address",
	[CLOSE_SHUTDOWN] = "shutdown",
	[CLOSE_ERROR] = "error",
	[CLOSE_FAULT_RESET] = "fault reset",
	[CLOSE_FAULT_CLOSE] = "fault close-after",
};

/* Close the socket in the way the reason calls for. */
void
conn_close(int fd, enum close_reason reason)
{
	switch (reason) {
	case CLOSE_PEER:
	case CLOSE_RESET:
	case CLOSE_ERROR:
		close(fd);
		break;
	case CLOSE_TOO_LONG:
	case CLOSE_FAULT_CLOSE:
		/* The client is likely still sending: let what was answered
		 * reach it instead of a reset. */
		net_close_lingering(fd, LINGER_MS);
		break;
	case CLOSE_FAULT_RESET:
		net_close_reset(fd);
		break;
	default:
		net_close_lingering(fd, 0);
		break;
	}
}

/* Log the one line that records a closed connection. */
void
conn_log_closed(const struct queue_item *item, enum close_reason reason,
    const struct conn_totals *t, int errnum)
{
	int64_t ms = clock_now_ms() - item->accepted_ms;

	if (!log_enabled(LOG_LEVEL_INFO))
		return;
	log_info("%s: closed (%s%s%s): %llu messages, %llu bytes in, "
	    "%llu bytes out, %lld.%03lld s", item->peer, reason_names[reason],
	    errnum ? ": " : "", errnum ? strerror(errnum) : "",
	    (unsigned long long)t->messages, (unsigned long long)t->bytes_in,
	    (unsigned long long)t->bytes_out, (long long)(ms / 1000),
	    (long long)(ms % 1000));
}
