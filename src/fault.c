/*
 * fault.c - the faults of one connection, acted out in the worker that
 * holds it.  Must not touch another connection: every wait here holds
 * this worker and no lock, so a fault drawn for one client never slows
 * another beyond the worker it holds.  Every wait ends when the drain
 * begins, so SIGTERM is never held up by an injected delay.  Sends go
 * through the connection's own send (fault_send_fn); what was drawn
 * comes from inject.c, which has no clock and no sockets.
 */
#include "build-config.h"

#include <poll.h>

#include "clock.h"
#include "drain.h"
#include "fault.h"
#include "log.h"
#include "net.h"

/* partial: the pause between the pieces of an answer, long enough for a
 * client to read each piece on its own. */
#define PARTIAL_PAUSE_MS 50
/* slow: how often a trickled answer sends its next bytes. */
#define SLOW_TICK_MS 50

/*
 * Count an injected fault and log it, with its message number so that
 * a client's test log can be matched against ours; a value and its unit
 * (NULL: none) say how much.
 */
static void
note(struct fault_conn *fc, enum inject_kind kind, uint64_t message,
    uint64_t value, const char *unit)
{
	stats_bump(&fc->counters->faults[kind], 1);
	if (!log_enabled(LOG_LEVEL_INFO))
		return;
	if (unit != NULL)
		log_info("%s: fault %s at message %llu (%llu %s)", fc->peer,
		    inject_kind_name(kind), (unsigned long long)message,
		    (unsigned long long)value, unit);
	else
		log_info("%s: fault %s at message %llu", fc->peer,
		    inject_kind_name(kind), (unsigned long long)message);
}

/* Wait until the monotonic time until_ms, or until the drain begins. */
static void
wait_until(int64_t until_ms)
{
	/* The descriptor first: if the drain begins after this, it is the
	 * one the drain writes. */
	struct pollfd pfd = { .fd = drain_wake_fd(), .events = POLLIN };

	if (!drain_started() && until_ms > clock_now_ms())
		(void)net_poll_until(&pfd, 1, until_ms);
}

/* Hold the connection for ms. */
static void
hold(uint64_t ms)
{
	wait_until(clock_now_ms() + (int64_t)ms);
}

/* Draw the connection's faults; act on those before the first message. */
int
fault_begin(struct fault_conn *fc, const struct inject_set *set,
    uint64_t seed, uint64_t seq, enum close_reason *reason)
{
	const struct inject_fault *f = set->fault;

	inject_conn_begin(&fc->plan, set, seed, seq);
	fc->answers = 0;
	if (fc->plan.close_after && f[INJECT_CLOSE_AFTER].a == 0) {
		note(fc, INJECT_CLOSE_AFTER, 0, 0, NULL);
		*reason = CLOSE_FAULT_CLOSE;
		return -1;
	}
	if (fc->plan.stall && f[INJECT_STALL].b == 0) {
		note(fc, INJECT_STALL, 0, f[INJECT_STALL].a, "ms");
		hold(f[INJECT_STALL].a);
	}
	return 0;
}

/*
 * Draw a message's faults; reset and delay strike before its answer.
 * -1 with the reason to close.
 */
static int
begin_message(struct fault_conn *fc, uint64_t message,
    enum close_reason *reason)
{
	inject_message(&fc->plan, message, &fc->draw);
	if (fc->draw.reset) {
		note(fc, INJECT_RESET, message, 0, NULL);
		*reason = CLOSE_FAULT_RESET;
		return -1;
	}
	if (fc->draw.drop) {
		note(fc, INJECT_DROP, message, 0, NULL);
	} else if (fc->draw.delay) {
		note(fc, INJECT_DELAY, message, fc->draw.delay_ms, "ms");
		hold(fc->draw.delay_ms);
	}
	return 0;
}

/*
 * Send buf at the connection's slow rate: what the rate allows since the
 * start, every SLOW_TICK_MS.  Once the drain begins, the rest goes at
 * once.
 */
static int
send_trickled(struct fault_conn *fc, const char *buf, size_t len,
    enum close_reason *reason, int *errnum)
{
	uint64_t rate = fc->plan.set.fault[INJECT_SLOW].a, due;
	int64_t start = clock_now_ms(), now;
	size_t sent = 0, n;

	while (sent < len) {
		now = clock_now_ms();
		due = rate * (uint64_t)(now - start) / 1000 + 1;
		n = due > sent ? (size_t)(due - sent) : 0;
		if (n > len - sent || drain_started())
			n = len - sent;
		if (n > 0 && fc->send(fc->conn, buf + sent, n, reason, errnum) < 0)
			return -1;
		sent += n;
		if (sent < len)
			wait_until(now + SLOW_TICK_MS);
	}
	return 0;
}

/* Send buf in the pieces partial drew, with a pause between them. */
static int
send_split(struct fault_conn *fc, const char *buf, size_t len,
    const size_t *cuts, unsigned ncuts, enum close_reason *reason,
    int *errnum)
{
	size_t at = 0, end;
	unsigned i;

	for (i = 0; i <= ncuts; i++) {
		end = i < ncuts ? cuts[i] : len;
		if (fc->send(fc->conn, buf + at, end - at, reason,
		    errnum) < 0)
			return -1;
		at = end;
		if (i < ncuts)
			hold(PARTIAL_PAUSE_MS);
	}
	return 0;
}

/* Garble a piece of the answer: its bytes but a line's ending. */
static void
garble(struct fault_conn *fc, char *buf, size_t len, bool first)
{
	if (fc->line && len > 0 && buf[len - 1] == '\n')
		len--;
	if (fc->line && len > 0 && buf[len - 1] == '\r')
		len--;
	/* An empty answer (the echo of an empty line) has nothing wrong
	 * to say. */
	if (first && len == 0) {
		fc->draw.garble = false;
		return;
	}
	if (first)
		note(fc, INJECT_GARBLE, fc->draw.message, 0, NULL);
	inject_garble(&fc->draw, buf, len);
}

/*
 * Send a piece of the current answer (first: the piece it begins with),
 * garbled, trickled or split as drawn; -1 with the reason to close.
 */
static int
send_piece(struct fault_conn *fc, char *buf, size_t len, bool first,
    enum close_reason *reason, int *errnum)
{
	size_t cuts[INJECT_PIECES_MAX];
	unsigned ncuts;

	if (fc->draw.drop || len == 0)
		return 0;
	if (fc->draw.garble)
		garble(fc, buf, len, first);
	if (fc->plan.slow) {
		if (first)
			note(fc, INJECT_SLOW, fc->draw.message,
			    fc->plan.set.fault[INJECT_SLOW].a, "bytes/s");
		return send_trickled(fc, buf, len, reason, errnum);
	}
	ncuts = first && fc->draw.pieces > 0 ?
	    inject_cuts(&fc->draw, len, cuts) : 0;
	if (ncuts == 0)
		return fc->send(fc->conn, buf, len, reason, errnum);
	note(fc, INJECT_PARTIAL, fc->draw.message, ncuts + 1, "pieces");
	return send_split(fc, buf, len, cuts, ncuts, reason, errnum);
}

/*
 * The current answer is done (sent or dropped): count it for
 * close-after, then stall after it.  -1 with the reason to close.
 */
static int
end_message(struct fault_conn *fc, enum close_reason *reason)
{
	const struct inject_fault *f = fc->plan.set.fault;

	if (!fc->draw.drop)
		fc->answers++;
	if (fc->plan.close_after && !fc->draw.drop &&
	    fc->answers == f[INJECT_CLOSE_AFTER].a) {
		note(fc, INJECT_CLOSE_AFTER, fc->draw.message, 0, NULL);
		*reason = CLOSE_FAULT_CLOSE;
		return -1;
	}
	if (fc->plan.stall && fc->draw.message == f[INJECT_STALL].b) {
		note(fc, INJECT_STALL, fc->draw.message, f[INJECT_STALL].a,
		    "ms");
		hold(f[INJECT_STALL].a);
	}
	return 0;
}

/* Answer the piece the framer made, with the faults drawn for it. */
int
fault_answer(struct fault_conn *fc, struct framer *f, uint64_t message,
    uint64_t count, enum framer_status status, enum close_reason *reason,
    int *errnum)
{
	/* "line too long" is sockd's own answer, never faulted. */
	if (count == 0 && status == FRAMER_LINE_TOO_LONG)
		return fc->send(fc->conn, f->out, f->out_len, reason, errnum);
	/* Nothing more to answer: the last answer was done already. */
	if (count == 0 && f->out_len == 0)
		return 0;
	if (count > 0) {
		/* Before the client can see the answer, as without faults. */
		stats_bump(&fc->counters->messages, count);
		if (begin_message(fc, message, reason) < 0)
			return -1;
		if (!fc->draw.drop)
			stats_bump(&fc->counters->replies, 1);
	}
	if (send_piece(fc, f->out, f->out_len, count > 0, reason, errnum) < 0)
		return -1;
	/* The answer's last piece is out: nothing of it remains. */
	if (f->rest[0].len > 0 || f->rest[1].len > 0)
		return 0;
	return end_message(fc, reason);
}
