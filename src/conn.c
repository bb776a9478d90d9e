/*
 * conn.c - one connection's life in a worker: receive, frame, answer,
 * time out, then close it and log it once (conn-close.c).  Must not
 * touch the queue or the listening sockets.  Reads the settings in force
 * from live.c, counts in the worker's counters of stats.c, logs through
 * log.c, and gives the client's place back to the per-address table its
 * queue item names.
 *
 * A worker waits for its client inside a blocking recv(): one system call
 * per read, no poll() before it.  SO_RCVTIMEO is the idle timeout, or
 * the time left for a line the client has left unfinished; the drain
 * (drain.c) wakes a worker by shutting the read side of its connection,
 * which ends the recv() once the bytes already received are read.
 *
 * A client is idle only once it has taken the answers it was sent: a
 * send() returns when the kernel has them, which for a slow reader may
 * be long before the reader does, so when the idle wait runs out with
 * answers still unacknowledged the wait goes on for as long as they keep
 * leaving (SPEC 3: a client that keeps reading is not cut off).
 *
 * A connection that began with faults in force (--inject) leaves that
 * path once per read: the framer makes one answer per piece, and fault.c
 * sends, holds, splits, trickles, garbles or drops each as drawn for its
 * message, in this worker; a connection without them never reaches it.
 */
#include "build-config.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "conn.h"
#include "drain.h"
#include "escape.h"
#include "fault.h"
#include "live.h"
#include "log.h"
#include "net.h"
#include "perip.h"
#include "stats.h"

/*
 * How late past its deadline an unfinished line may be cut off: the
 * receive timeout is shortened only when it would overshoot by more, so
 * a line split between two reads costs no system call.
 */
#define LINE_DEADLINE_SLACK_MS 50

struct conn {
	const struct queue_item *item;
	const struct settings *live;	/* refreshed after each read */
	unsigned worker;		/* whose slot in live.c names it */
	struct framer *framer;
	struct worker_stats *counters;
	struct reply_rules rules;
	struct conn_totals totals;
	int64_t recv_timeout_ms;	/* set as SO_RCVTIMEO; 0: none */
	int64_t line_deadline_ms;	/* for the unfinished line; -1: none */
	int unread;			/* answer bytes the client had not
					 * taken at the last look; 0: it took
					 * the last of them; -1: not looking */
	int64_t unread_deadline_ms;	/* they must move by then */
	int fd;
	struct fault_conn *faults;	/* &fault_state; NULL: no faults */
	struct fault_conn fault_state;
};

/*
 * Log a message at info, escaped; kept apart so its buffer costs nothing
 * when the level is off.  When the log lags, the line is dropped before
 * anything is formatted: that is what keeps a busy sockd fast.
 */
static void
log_message(const struct conn *c, const char *msg, size_t len)
{
	static const char label[] = ": get value ";
	char line[PEER_NAME_MAX + sizeof label + ESCAPE_SIZE(4096)];
	size_t most = len < c->live->log_max ? len : c->live->log_max;
	size_t at = strlen(c->item->peer);

	if (!log_value_room(at + sizeof label + ESCAPE_SIZE(most)))
		return;
	/* Put together by hand: printf's cost is felt at this rate. */
	memcpy(line, c->item->peer, at);
	memcpy(line + at, label, sizeof label - 1);
	at += sizeof label - 1;
	at += escape_message(msg, len, c->live->log_max, line + at,
	    sizeof line - at);
	log_value(line, at);
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

/*
 * Send len bytes of answers; the close reason if that failed.  Inline:
 * as a call of its own it cost every answer ~25 instructions, measured
 * (BENCHMARKS.md, fault injection).
 */
static inline int
send_bytes(struct conn *c, const char *buf, size_t len,
    enum close_reason *reason, int *errnum)
{
	size_t done = 0, sent;
	int rc;

	do {
		/* A drain that begins, or must end now, while the client is
		 * not reading moves the deadline: wake, and wait again. */
		if (drain_expired()) {
			errno = ETIMEDOUT;
			rc = -1;
			break;
		}
		rc = net_send_until(c->fd, buf + done, len - done,
		    (int)c->live->timeout * 1000, drain_deadline_ms(),
		    drain_wake_fd(), &sent);
		done += sent;
	} while (rc < 0 && errno == ECANCELED);
	/* What left counts, also when the rest could not. */
	c->totals.bytes_out += done;
	if (rc == 0)
		return 0;
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

/* Send what the framer produced; the close reason if that failed. */
static int
send_answers(struct conn *c, enum close_reason *reason, int *errnum)
{
	if (c->framer->out_len == 0)
		return 0;
	return send_bytes(c, c->framer->out, c->framer->out_len, reason,
	    errnum);
}

/* Set the socket's receive timeout; 0 waits for ever. */
static void
set_recv_timeout(struct conn *c, int64_t ms)
{
	struct timeval tv = {
		.tv_sec = (time_t)(ms / 1000),
		.tv_usec = (suseconds_t)(ms % 1000) * 1000,
	};

	if (setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) < 0)
		log_debug("%s: setsockopt SO_RCVTIMEO: %s", c->item->peer,
		    strerror(errno));
	c->recv_timeout_ms = ms;
}

/*
 * Before each recv(): wait for the idle timeout, or, while a line is
 * unfinished, no longer than its deadline, or, while the client is still
 * taking its answers, until the next look at them.  The socket option is
 * set only when that changes, so a client that ends its lines pays
 * nothing.
 */
static void
arm_recv_timeout(struct conn *c)
{
	int64_t want = (int64_t)c->live->timeout * 1000, left;

	if (c->line_deadline_ms >= 0 && want > 0) {
		left = c->line_deadline_ms - clock_now_ms();
		if (left < 1)
			left = 1;
		/* The timeout set ends early enough: keep it. */
		if (c->recv_timeout_ms > 0 &&
		    c->recv_timeout_ms <= left + LINE_DEADLINE_SLACK_MS)
			return;
		want = left;
	} else if (c->unread > 0 && want > 0) {
		/* A few looks a timeout, as a waiting send takes. */
		left = c->unread_deadline_ms - clock_now_ms();
		want = want / NET_PROGRESS_LOOKS + 1;
		if (left < want)
			want = left < 1 ? 1 : left;
	}
	if (want != c->recv_timeout_ms)
		set_recv_timeout(c, want);
}

/*
 * The wait for the client ran out: true if it is still taking answers
 * already sent, and the wait goes on.  At the first look they count as
 * moving; from then on they must move within every timeout, as a send's
 * must.  Once the last is taken, the client has a whole idle timeout
 * from then.  An unfinished line gets no more time for this.
 */
static bool
answers_leaving(struct conn *c)
{
	int64_t now = clock_now_ms();
	int unread;

	if (c->line_deadline_ms >= 0 || c->live->timeout == 0)
		return false;
	unread = net_unacknowledged(c->fd);
	if (unread <= 0) {
		/* Taken during the looks: idle from about now. */
		if (unread == 0 && c->unread > 0) {
			c->unread = 0;
			return true;
		}
		c->unread = -1;
		return false;
	}
	if (c->unread <= 0 || unread < c->unread) {
		c->unread = unread;
		c->unread_deadline_ms = now + (int64_t)c->live->timeout * 1000;
		return true;
	}
	return now < c->unread_deadline_ms;
}

/*
 * After a read is answered: a line must be complete within the timeout
 * of its first byte, however the client trickles it (the slowloris
 * attack).  Starts the clock for a line that began in this read; -1 once
 * the unfinished line's time is up.
 */
static int
check_line_deadline(struct conn *c, bool line_began)
{
	if (framer_pending(c->framer) == 0 || c->live->timeout == 0) {
		c->line_deadline_ms = -1;
		return 0;
	}
	if (line_began || c->line_deadline_ms < 0) {
		c->line_deadline_ms = clock_now_ms() +
		    (int64_t)c->live->timeout * 1000;
		return 0;
	}
	return clock_now_ms() >= c->line_deadline_ms ? -1 : 0;
}

/* Pick up settings a reload published; cheap when nothing changed. */
static void
refresh_live(struct conn *c)
{
	const struct settings *live = live_enter(c->worker, c->live);

	/* The first call of a connection has held nothing (NULL). */
	if (c->live != NULL && live == c->live)
		return;
	c->live = live;
	c->rules.framing = live->framing;
	c->rules.reply = live->reply;
	c->rules.reply_len = strlen(live->reply);
	c->rules.echo = live->echo;
	c->rules.max_line = live->max_line;
}

/* True if the client has sent its FIN; false if unsure. */
static bool
peer_finished(int fd)
{
	struct tcp_info info;
	socklen_t len = sizeof info;

	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len) < 0)
		return false;
	return info.tcpi_state == TCP_CLOSE_WAIT ||
	    info.tcpi_state == TCP_LAST_ACK || info.tcpi_state == TCP_CLOSE;
}

/*
 * Count the messages framed since there were before of them, as received
 * and as answered: before the client can see the answers, so a client
 * that has them also finds them in the counters.
 */
static void
count_answered(struct conn *c, uint64_t before)
{
	uint64_t count = c->totals.messages - before;

	stats_bump(&c->counters->messages, count);
	stats_bump(&c->counters->replies, count);
}

/* fault.c's way to send: as any answer goes. */
static int
send_for_fault(void *arg, const char *buf, size_t len,
    enum close_reason *reason, int *errnum)
{
	return send_bytes(arg, buf, len, reason, errnum);
}

/*
 * Draw the connection's faults from the set in force, its seed and its
 * number, and have the framer make one answer per piece, so that each
 * can be faulted.  -1 with the reason to close.
 */
static int
begin_faults(struct conn *c, enum close_reason *reason)
{
	struct fault_conn *fc = &c->fault_state;

	fc->peer = c->item->peer;
	fc->counters = c->counters;
	fc->line = c->rules.framing == FRAMING_LINE;
	fc->send = send_for_fault;
	fc->conn = c;
	c->faults = fc;
	c->rules.one_each = true;
	return fault_begin(fc, &c->live->inject, c->live->seed, c->item->seq,
	    reason);
}

/*
 * Answer the piece the framer made with the faults drawn for it; apart,
 * so that the path without faults does not pay for its arguments.
 */
static __attribute__((noinline)) int
answer_faulted(struct conn *c, uint64_t before, enum framer_status status,
    enum close_reason *reason, int *errnum)
{
	return fault_answer(c->faults, c->framer, c->totals.messages,
	    c->totals.messages - before, status, reason, errnum);
}

/*
 * Answer what the framer holds, a piece at a time, each sent before the
 * next is made; -1 with the reason to close.
 */
static int
answer_pending(struct conn *c, enum close_reason *reason, int *errnum)
{
	enum framer_status status;
	uint64_t before;
	int more;

	do {
		before = c->totals.messages;
		more = framer_answer(c->framer, &c->rules, FRAMER_PIECE,
		    on_message, c, &status);
		if (more < 0) {
			*errnum = ENOMEM;
			*reason = CLOSE_ERROR;
			return -1;
		}
		/* The one test the fault machinery costs a read without. */
		if (__builtin_expect(c->faults != NULL, 0)) {
			if (answer_faulted(c, before, status, reason,
			    errnum) < 0)
				return -1;
			continue;
		}
		count_answered(c, before);
		if (send_answers(c, reason, errnum) < 0)
			return -1;
	} while (more > 0);
	if (status == FRAMER_LINE_TOO_LONG) {
		*reason = CLOSE_TOO_LONG;
		return -1;
	}
	return 0;
}

/* Frame and answer n bytes just received; -1 with the reason to close. */
static int
answer_input(struct conn *c, size_t n, enum close_reason *reason,
    int *errnum)
{
	uint64_t before = c->totals.messages;

	c->totals.bytes_in += n;
	stats_bump(&c->counters->bytes_in, n);
	framer_received(c->framer, n);
	if (answer_pending(c, reason, errnum) < 0)
		return -1;
	/* A line after the last one answered began in this read. */
	if (check_line_deadline(c, c->totals.messages > before) < 0) {
		*reason = CLOSE_TIMEOUT;
		return -1;
	}
	return 0;
}

/* The client's end of input, or the drain's: answer a last line. */
static enum close_reason
end_of_input(struct conn *c, int *errnum)
{
	enum close_reason reason;

	/* Our own shutdown(SHUT_RD) also reads as 0: a client still
	 * connected is being drained, not finishing a line. */
	if (drain_started() && !peer_finished(c->fd))
		return CLOSE_SHUTDOWN;
	framer_eof(c->framer);
	if (answer_pending(c, &reason, errnum) < 0)
		return reason;
	return CLOSE_PEER;
}

/* Receive and answer until the connection ends; returns why it ended. */
static enum close_reason
conn_loop(struct conn *c, int *errnum)
{
	enum close_reason reason;
	char *space;
	size_t room;
	ssize_t n;

	refresh_live(c);
	if (c->live->inject.any && begin_faults(c, &reason) < 0)
		return reason;
	for (;;) {
		if (drain_expired())
			return CLOSE_SHUTDOWN;
		space = framer_space(c->framer, &c->rules, &room);
		if (space == NULL) {
			*errnum = ENOMEM;
			return CLOSE_ERROR;
		}
		/* Blocking (accept4 leaves O_NONBLOCK clear): wait here. */
		arm_recv_timeout(c);
		n = recv(c->fd, space, room, 0);
		/* A reload while we waited applies to what just came. */
		refresh_live(c);
		if (n > 0) {
			c->unread = -1;		/* it spoke: not idle */
			if (answer_input(c, (size_t)n, &reason, errnum) < 0)
				return reason;
			continue;
		}
		if (n == 0)
			return end_of_input(c, errnum);
		if (errno == EINTR)
			continue;
		/* SO_RCVTIMEO ran out: the client was silent (unless it is
		 * still reading), or the line it left unfinished had its
		 * time. */
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			if (answers_leaving(c))
				continue;
			return CLOSE_TIMEOUT;
		}
		if (errno == ECONNRESET)
			return CLOSE_RESET;
		*errnum = errno;
		return CLOSE_ERROR;
	}
}

/* Serve one connection, then close it. */
void
conn_serve(const struct queue_item *item, struct framer *f, unsigned worker)
{
	struct worker_stats *counters = stats_worker(worker);
	struct conn c;
	enum close_reason reason;
	int errnum = 0, on = 1;

	memset(&c, 0, sizeof c);
	c.item = item;
	c.worker = worker;
	c.framer = f;
	c.counters = counters;
	c.fd = item->fd;
	c.line_deadline_ms = -1;
	c.unread = -1;
	framer_reset(f);
	drain_enter(worker, c.fd);

	/* NODELAY: an answer is complete when sent; do not wait for more. */
	if (setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on) < 0)
		log_debug("%s: setsockopt TCP_NODELAY: %s", item->peer,
		    strerror(errno));
	reason = conn_loop(&c, &errnum);
	live_leave(worker);
	drain_leave(worker);
	conn_close(c.fd, reason);
	if (item->perip != NULL)
		perip_release(item->perip, &item->perip_key);

	stats_bump(&counters->closed, 1);
	if (reason == CLOSE_TIMEOUT)
		stats_bump(&counters->timeouts, 1);
	if (reason == CLOSE_ERROR)
		stats_bump(&counters->errors, 1);
	conn_log_closed(item, reason, &c.totals, errnum);
}
