/*
 * conn.c - one connection's life in a worker: receive, frame, answer,
 * time out, close gently, log once.  Must not touch the queue or the
 * listening sockets; talks to the rest of sockd only through stats and log.
 */
#include "build-config.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "conn.h"
#include "escape.h"
#include "log.h"
#include "net.h"
#include "stats.h"

/* How long a closing connection may keep sending before we reset it. */
#define LINGER_MS 1000

/*
 * The drain signal: a pipe that nobody reads, so once written it stays
 * readable and wakes every worker's poll() at once.
 */
static int drain_pipe[2] = { -1, -1 };
static atomic_bool draining;
static _Atomic int64_t drain_deadline_ms;

struct conn {
	const struct queue_item *item;
	const struct live_settings *live;	/* refreshed before each read */
	struct framer *framer;
	struct reply_rules rules;
	struct conn_totals totals;
	int fd;
};

enum wait_result { WAIT_READY, WAIT_TIMEOUT, WAIT_DRAIN, WAIT_ERROR };

static const char *const reason_names[] = {
	[CLOSE_PEER] = "peer closed",
	[CLOSE_TIMEOUT] = "time out",
	[CLOSE_RESET] = "reset",
	[CLOSE_TOO_LONG] = "line too long",
	[CLOSE_BUSY] = "busy",
	[CLOSE_SHUTDOWN] = "shutdown",
	[CLOSE_ERROR] = "error",
};

/* Create the drain signal. */
int
conn_init(void)
{
	return pipe2(drain_pipe, O_CLOEXEC);
}

/* Begin the graceful drain. */
void
conn_drain_begin(int64_t deadline_ms)
{
	atomic_store(&drain_deadline_ms, deadline_ms);
	atomic_store(&draining, true);
	if (write(drain_pipe[1], "x", 1) < 0)
		log_warn("drain signal");
}

/* True once the drain deadline has passed. */
static bool
drain_expired(void)
{
	/* Acquire (seq_cst): seeing draining means seeing its deadline. */
	return atomic_load(&draining) &&
	    clock_now_ms() >= atomic_load(&drain_deadline_ms);
}

/* The longest a send may wait: the timeout, cut short by a drain. */
static int
send_limit_ms(const struct live_settings *live)
{
	int64_t limit = live->timeout ? (int64_t)live->timeout * 1000 : -1;
	int64_t left;

	if (atomic_load(&draining)) {
		left = atomic_load(&drain_deadline_ms) - clock_now_ms();
		if (left < 1)
			left = 1;
		if (limit < 0 || left < limit)
			limit = left;
	}
	return limit < 0 ? 0 : (int)limit;
}

/* Log a message at info, escaped; kept apart so its buffer costs nothing
 * when the level is off. */
static void
log_message(const struct conn *c, const char *msg, size_t len)
{
	char shown[ESCAPE_SIZE(4096)];

	escape_message(msg, len, c->live->log_max, shown, sizeof shown);
	log_info("%s: get value %s", c->item->peer, shown);
}

/* Called by the framer for each message. */
static void
on_message(const char *msg, size_t len, void *arg)
{
	struct conn *c = arg;

	c->totals.messages++;
	if (log_enabled(LOG_LEVEL_INFO))
		log_message(c, msg, len);
}

/* Wait for input, the timeout or the drain signal. */
static enum wait_result
wait_input(int fd, unsigned timeout_s)
{
	struct pollfd pfd[2] = {
		{ .fd = fd, .events = POLLIN },
		{ .fd = drain_pipe[0], .events = POLLIN },
	};
	int64_t deadline = timeout_s ? clock_now_ms() + timeout_s * 1000LL : -1;
	int64_t left;
	int rc;

	for (;;) {
		left = deadline < 0 ? -1 : deadline - clock_now_ms();
		if (deadline >= 0 && left < 0)
			left = 0;
		rc = poll(pfd, 2, (int)left);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0)
			return WAIT_ERROR;
		if (rc == 0)
			return WAIT_TIMEOUT;
		if (pfd[0].revents != 0)
			return WAIT_READY;
		return WAIT_DRAIN;
	}
}

/* Send what the framer produced; the close reason if that failed. */
static int
send_answers(struct conn *c, enum close_reason *reason, int *errnum)
{
	struct framer *f = c->framer;
	size_t done = 0, sent;
	int rc, wake;

	if (f->out_len == 0)
		return 0;
	do {
		/* A drain that starts while the client is not reading must
		 * shorten the wait to its deadline: wake, and wait again. */
		wake = atomic_load(&draining) ? -1 : drain_pipe[0];
		rc = net_send_all(c->fd, f->out + done, f->out_len - done,
		    send_limit_ms(c->live), wake, &sent);
		done += sent;
	} while (rc < 0 && errno == ECANCELED);
	if (rc == 0) {
		c->totals.bytes_out += f->out_len;
		return 0;
	}
	if (errno == ETIMEDOUT)
		*reason = drain_expired() ? CLOSE_SHUTDOWN : CLOSE_TIMEOUT;
	else if (errno == ECONNRESET || errno == EPIPE)
		*reason = CLOSE_RESET;
	else {
		*errnum = errno;
		*reason = CLOSE_ERROR;
	}
	return -1;
}

/* Pick up settings a reload published; cheap when nothing changed. */
static void
refresh_live(struct conn *c)
{
	const struct live_settings *live = config_live();

	if (live == c->live)
		return;
	c->live = live;
	c->rules.framing = live->framing;
	c->rules.reply = live->reply;
	c->rules.reply_len = live->reply_len;
	c->rules.echo = live->echo;
	c->rules.max_line = live->max_line;
}

/* Wait for the client's next bytes; -1 with the reason to close. */
static int
await_input(struct conn *c, enum close_reason *reason, int *errnum)
{
	switch (wait_input(c->fd, c->live->timeout)) {
	case WAIT_READY:
		return 0;
	case WAIT_TIMEOUT:
		*reason = CLOSE_TIMEOUT;
		return -1;
	case WAIT_DRAIN:
		*reason = CLOSE_SHUTDOWN;
		return -1;
	case WAIT_ERROR:
		break;
	}
	*errnum = errno;
	*reason = CLOSE_ERROR;
	return -1;
}

/* Receive and answer until the connection ends; returns why it ended. */
static enum close_reason
conn_loop(struct conn *c, int *errnum)
{
	enum framer_status status;
	enum close_reason reason;
	char *space;
	bool drained = false;
	size_t room;
	ssize_t n;

	for (;;) {
		if (drain_expired())
			return CLOSE_SHUTDOWN;
		/*
		 * The last read emptied the socket and we answered: a
		 * request/response client is now waiting for us, so a recv
		 * would only say EAGAIN.  Skip that system call and wait.
		 */
		if (drained && await_input(c, &reason, errnum) < 0)
			return reason;
		refresh_live(c);
		space = framer_space(c->framer, &room);
		if (space == NULL) {
			*errnum = ENOMEM;
			return CLOSE_ERROR;
		}
		n = recv(c->fd, space, room, MSG_DONTWAIT);
		if (n > 0) {
			c->totals.bytes_in += (size_t)n;
			if (framer_input(c->framer, (size_t)n, &c->rules,
			    on_message, c, &status) < 0) {
				*errnum = ENOMEM;
				return CLOSE_ERROR;
			}
			if (send_answers(c, &reason, errnum) < 0)
				return reason;
			if (status == FRAMER_LINE_TOO_LONG)
				return CLOSE_TOO_LONG;
			drained = (size_t)n < room;
			continue;
		}
		if (n == 0) {
			if (framer_eof(c->framer, &c->rules, on_message, c) < 0) {
				*errnum = ENOMEM;
				return CLOSE_ERROR;
			}
			if (send_answers(c, &reason, errnum) < 0)
				return reason;
			return CLOSE_PEER;
		}
		drained = false;
		if (errno == EINTR)
			continue;
		if (errno == ECONNRESET)
			return CLOSE_RESET;
		if (errno != EAGAIN && errno != EWOULDBLOCK) {
			*errnum = errno;
			return CLOSE_ERROR;
		}
		if (await_input(c, &reason, errnum) < 0)
			return reason;
	}
}

/* Close the socket in the way the reason calls for. */
static void
conn_close(int fd, enum close_reason reason)
{
	switch (reason) {
	case CLOSE_PEER:
	case CLOSE_RESET:
	case CLOSE_ERROR:
		close(fd);
		break;
	case CLOSE_TOO_LONG:
		/* The client is likely still sending the line: let the error
		 * reach it instead of a reset. */
		net_close_lingering(fd, LINGER_MS);
		break;
	default:
		net_close_lingering(fd, 0);
		break;
	}
}

/* Serve one connection, then close it. */
void
conn_serve(const struct queue_item *item, struct framer *f)
{
	struct conn c;
	enum close_reason reason;
	int errnum = 0, on = 1;

	memset(&c, 0, sizeof c);
	c.item = item;
	c.framer = f;
	c.fd = item->fd;
	framer_reset(f);

	/* NODELAY: an answer is complete when sent; do not wait for more. */
	if (setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on) < 0)
		log_debug("%s: setsockopt TCP_NODELAY: %s", item->peer,
		    strerror(errno));
	reason = conn_loop(&c, &errnum);
	conn_close(c.fd, reason);

	stats_add(&stats.closed, 1);
	stats_add(&stats.messages, c.totals.messages);
	stats_add(&stats.bytes_in, c.totals.bytes_in);
	stats_add(&stats.replies, c.totals.messages);
	if (reason == CLOSE_TIMEOUT)
		stats_add(&stats.timeouts, 1);
	if (reason == CLOSE_ERROR)
		stats_add(&stats.errors, 1);
	conn_log_closed(item, reason, &c.totals, errnum);
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
