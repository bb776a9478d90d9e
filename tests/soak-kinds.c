/*
 * soak-kinds.c - the kinds of soak client: what each sends, when, how it
 * ends, and what it must have been answered; and the table that names
 * them with their instance and how many run.  Line, raw echo and chaos
 * kinds run for the whole run; the drain kinds are connected when
 * SIGTERM comes.
 */
#include "build-config.h"

#include <errno.h>
#include <glib.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "soak.h"

/* The drain closes an idle client within this long of SIGTERM. */
#define PROMPT_MS 3000

/* ------------------------------------------------------------------ */
/* Line clients. */

enum { P_RUN, P_LAST };

/* Send a batch of lines, the next one after a pause. */
static void
pipeline_batch(struct client *c, unsigned pause_lo, unsigned pause_hi)
{
	queue_lines(c, rnd(1, 32));
	send_queued(c, true);
	if (c->steps > 0)
		c->steps--;
	if (!c->done)
		c->wake_ms = now_ms() + rnd(pause_lo, pause_hi);
}

/* Pipeline: batches of lines, pipelined while answers lag; at the end
 * a close, or a last line without newline and a half-close. */
static void
pipeline_start(struct client *c)
{
	c->steps = rnd(3, 60);
	pipeline_batch(c, 0, 150);
}

/* Every batch answered: end as the kind does. */
static void
pipeline_end(struct client *c)
{
	if (c->steps > 0 || c->state == P_LAST || owed_count(c) > 0 ||
	    c->out->len > 0 || c->busy)
		return;
	if (c->kind == K_CHAOS_PIPELINE || chance(0.4)) {
		c->state = P_LAST;
		queue_last_line(c);
		c->shut_after_flush = true;
		send_queued(c, false);
		return;
	}
	client_done(c, false);
}

static void
pipeline_timer(struct client *c)
{
	if (run.winding_down)
		c->steps = 0;
	if (c->busy)
		return;
	if (c->steps == 0) {
		pipeline_end(c);
		return;
	}
	/* Answers lag far behind: let them catch up. */
	if (owed_count(c) > 256) {
		c->wake_ms = now_ms() + 20;
		return;
	}
	pipeline_batch(c, 0, 150);
}

static void
pipeline_input(struct client *c)
{
	if (!take_line_answers(c))
		return;
	if (c->state == P_LAST && owed_count(c) == 0 && c->eof) {
		client_done(c, false);
		return;
	}
	if (ended_early(c))
		return;
	if (c->wake_ms < 0)
		pipeline_end(c);
}

/* Slow reader: thousands of lines, their answers read 4 KiB at a time
 * every 100-300 ms through a small receive buffer, so sockd's sends
 * wait on it; it must get every answer and never be cut off. */
static void
slow_start(struct client *c)
{
	unsigned n = rnd(2000, 4000);

	while (n-- > 0)
		queue_line(c, rnd(1, 8), true);
	send_queued(c, false);
	if (!c->done)
		c->wake_ms = now_ms() + rnd(100, 300);
}

static void
slow_input(struct client *c)
{
	if (!take_line_answers(c))
		return;
	if (owed_count(c) == 0 && c->out->len == 0 && !c->busy &&
	    !c->eof && !c->reset) {
		client_done(c, false);
		return;
	}
	ended_early(c);
}

static void
slow_timer(struct client *c)
{
	char buf[4096];
	ssize_t n;

	n = recv(c->fd, buf, sizeof buf, MSG_DONTWAIT);
	if (n > 0) {
		g_string_append_len(c->in, buf, (gssize)n);
		c->progress_ms = now_ms();
	} else if (n == 0)
		c->eof = true;
	else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
		c->reset = true;
		c->read_errno = errno;
	}
	client_input(c);
	if (!c->done)
		c->wake_ms = now_ms() + rnd(100, 300);
}

enum { T_PREFIX, T_TRICKLE };

/* Send one byte of a line that never ends. */
static void
trickle_byte(struct client *c)
{
	g_string_append_c(c->out, (char)rnd(' ', '~'));
	c->trickled++;
	send_queued(c, false);
	if (!c->done)
		c->wake_ms = now_ms() + rnd(250, 600);
}

/* Trickle: perhaps a few whole lines, then a line a byte every
 * 250-600 ms, faster than -t but never ended: sockd must close it as
 * "time out" once the line has had -t since its first byte. */
static void
trickle_start(struct client *c)
{
	unsigned n = rnd(0, 2);

	if (n > 0) {
		c->state = T_PREFIX;
		queue_lines(c, n);
		send_queued(c, false);
		return;
	}
	c->state = T_TRICKLE;
	c->mark_ms = now_ms();
	trickle_byte(c);
}

static void
trickle_input(struct client *c)
{
	if (!take_line_answers(c))
		return;
	if (!c->eof && !c->reset) {
		if (c->state == T_PREFIX && owed_count(c) == 0 && !c->busy) {
			c->state = T_TRICKLE;
			c->mark_ms = now_ms();
			trickle_byte(c);
		}
		return;
	}
	if (c->busy || c->state == T_PREFIX) {
		ended_early(c);
		return;
	}
	cut_off(c, c->mark_ms);
}

static void
trickle_timer(struct client *c)
{
	if (c->state != T_TRICKLE)
		return;
	if (c->trickled >= 200) {
		fail(c, "a line trickled for %" PRId64 " ms was not cut off",
		    now_ms() - c->mark_ms);
		return;
	}
	trickle_byte(c);
}

/* Idle: a few lines, then silence until sockd's -t closes it. */
/*
 * An idle client, once sockd ends its connection: before it had taken
 * every answer (state 0) only a busy answer may have ended it; after,
 * sockd must have waited its timeout since the client went quiet.
 */
static void
idle_end(struct client *c)
{
	if (!c->eof && !c->reset)
		return;
	if (c->state == 0 || c->busy) {
		ended_early(c);
		return;
	}
	cut_off(c, c->mark_ms);
}

static void
idle_start(struct client *c)
{
	queue_lines(c, rnd(1, 3));
	send_queued(c, true);
}

static void
idle_input(struct client *c)
{
	if (!take_line_answers(c))
		return;
	if (c->state == 0 && owed_count(c) == 0 && c->out->len == 0 &&
	    !c->busy) {
		c->state = 1;
		c->mark_ms = now_ms();
	}
	idle_end(c);
}

/* Oversized: a few lines, one over --max-line (ended or not), perhaps
 * more after it: the first are answered, then the error, then the
 * close; nothing of or after the long line is. */
static void
oversized_start(struct client *c)
{
	unsigned extra;

	queue_lines(c, rnd(0, 3));
	put_body(c->out, MAX_LINE + rnd(2, 3000));
	/* Not a \r that a \n could still make an ending. */
	if (c->out->str[c->out->len - 1] == '\r')
		c->out->str[c->out->len - 1] = 'x';
	c->sent++;
	c->inst->sent++;
	if (chance(0.5)) {
		g_string_append_c(c->out, '\n');
		for (extra = rnd(0, 2); extra > 0; extra--)
			queue_line(c, line_length(), false);
	}
	c->too_long_owed = true;
	send_queued(c, true);
}

static void
oversized_input(struct client *c)
{
	if (!take_line_answers(c) || (!c->eof && !c->reset))
		return;
	if (c->busy || (c->too_long_seen && owed_count(c) == 0)) {
		client_done(c, false);
		return;
	}
	fail(c, "sockd %s the connection without the line-too-long error "
	    "(%zu answers owed)", c->reset ? "reset" : "closed",
	    owed_count(c));
}

/* Reset: a few batches, each answered, then a close with SO_LINGER 0. */
static void
reset_batch(struct client *c)
{
	queue_lines(c, rnd(1, 10));
	send_queued(c, true);
	c->steps--;
}

static void
reset_start(struct client *c)
{
	c->steps = rnd(1, 5);
	reset_batch(c);
}

static void
reset_input(struct client *c)
{
	if (!take_line_answers(c) || ended_early(c))
		return;
	if (owed_count(c) > 0 || c->out->len > 0 || c->wake_ms >= 0 || c->busy)
		return;
	if (c->steps == 0) {
		c->inst->resets++;
		client_done(c, true);
		return;
	}
	c->wake_ms = now_ms() + rnd(0, 100);
}

static void
reset_timer(struct client *c)
{
	reset_batch(c);
}

/* Churn: connect, half-close at once, read to the end: nothing, or
 * busy. */
static void
churn_start(struct client *c)
{
	if (shutdown(c->fd, SHUT_WR) < 0)
		fail(c, "shutdown: %s", strerror(errno));
	c->wr_shut = true;
}

static void
churn_input(struct client *c)
{
	size_t len = c->in->len;

	if (len > 5 || memcmp(c->in->str, BUSY_TEXT, len) != 0) {
		fail(c, "'%s' for a connection that sent nothing",
		    show(c->in->str, len));
		return;
	}
	if (!c->eof && !c->reset)
		return;
	if (len == 5) {
		c->busy = true;
		c->inst->busy++;
	} else if (c->reset || len > 0) {
		fail(c, "%s after '%s'", c->reset ? "reset" : "closed",
		    show(c->in->str, len));
		return;
	}
	client_done(c, false);
}

/* No timer. */
static void
no_timer(struct client *c)
{
	(void)c;
}

/* ------------------------------------------------------------------ */
/* Raw echo clients. */

enum { R_RUN, R_LAST };

/* Raw echo: ping-pong of binary messages, then a close or a
 * half-close. */
static void
raw_echo_start(struct client *c)
{
	c->steps = rnd(5, 200);
	raw_send(c, raw_length());
}

static void
raw_echo_input(struct client *c)
{
	if (!take_echo(c))
		return;
	if (c->state == R_LAST && c->eof && c->in->len == 0) {
		client_done(c, false);
		return;
	}
	if (ended_early(c) || c->expect->len > 0 || c->wake_ms >= 0 ||
	    c->state == R_LAST || c->busy)
		return;
	if (run.winding_down)
		c->steps = 1;
	if (--c->steps > 0) {
		c->wake_ms = now_ms() + rnd(0, 100);
		return;
	}
	if (chance(0.7)) {
		client_done(c, false);
		return;
	}
	c->state = R_LAST;
	if (shutdown(c->fd, SHUT_WR) < 0)
		fail(c, "shutdown: %s", strerror(errno));
}

static void
raw_echo_timer(struct client *c)
{
	raw_send(c, raw_length());
}

/* Raw idle: one short message, then silence until -t closes it. */
static void
raw_idle_start(struct client *c)
{
	raw_send(c, rnd(1, 10));
}

static void
raw_idle_input(struct client *c)
{
	if (!take_echo(c))
		return;
	if (c->state == 0 && c->answered == 1) {
		c->state = 1;
		c->mark_ms = now_ms();
	}
	idle_end(c);
}

/* Raw reset: a few exchanges, then a reset. */
static void
raw_reset_start(struct client *c)
{
	c->steps = rnd(1, 10);
	raw_send(c, raw_length());
}

static void
raw_reset_input(struct client *c)
{
	if (!take_echo(c) || ended_early(c))
		return;
	if (c->expect->len > 0 || c->wake_ms >= 0 || c->busy)
		return;
	if (--c->steps == 0) {
		c->inst->resets++;
		client_done(c, true);
		return;
	}
	c->wake_ms = now_ms() + rnd(0, 100);
}

/* ------------------------------------------------------------------ */
/* Chaos clients: what they leave unread makes sockd's counts bounds. */

/* In-flight reset: a batch of lines, some answers read, then a reset
 * while the rest may still be on their way. */
static void
chaos_reset_start(struct client *c)
{
	unsigned n = rnd(1, 300);

	queue_lines(c, n);
	c->target = rnd(0, n);
	send_queued(c, true);
	if (!c->done && c->target == 0) {
		c->inst->resets++;
		client_done(c, true);
	}
}

static void
chaos_reset_input(struct client *c)
{
	if (!take_line_answers(c))
		return;
	if (c->answered >= c->target) {
		c->inst->resets++;
		client_done(c, true);
		return;
	}
	ended_early(c);
}

/* Vanish: a batch of lines, then a close without reading a byte. */
static void
chaos_vanish_start(struct client *c)
{
	queue_lines(c, rnd(1, 300));
	send_queued(c, false);
	client_done(c, false);
}

/* Flood: short lines as fast as sockd takes them, never reading, so
 * its sends stall on a full window; a reset once they have (or after
 * 256 KiB, a hundred thousand messages). */
static void
flood_fill(struct client *c)
{
	unsigned i;

	for (i = 0; i < 4096; i++)
		g_string_append(c->out, "f\n");
	c->sent += 4096;
	c->inst->sent += 4096;
	send_queued(c, false);
}

static void
flood_start(struct client *c)
{
	flood_fill(c);
	if (!c->done)
		c->wake_ms = now_ms() + 100;
}

static void
flood_timer(struct client *c)
{
	if (c->bytes_out >= 256 * 1024 || now_ms() - c->progress_ms > 300) {
		c->inst->resets++;
		client_done(c, true);
		return;
	}
	if (c->out->len == 0)
		flood_fill(c);
	if (!c->done)
		c->wake_ms = now_ms() + 100;
}

static void
flood_input(struct client *c)
{
	/* sockd cut it off (time out) before our reset: also fine. */
	if (c->eof || c->reset)
		client_done(c, false);
}

/* Chaos churn: connect, then close or reset at once. */
static void
chaos_churn_start(struct client *c)
{
	bool rst = chance(0.5);

	if (rst)
		c->inst->resets++;
	client_done(c, rst);
}

static void
nothing_expected(struct client *c)
{
	if (c->eof || c->reset || c->in->len > 0)
		fail(c, "input for a client that is already gone");
}

/* ------------------------------------------------------------------ */
/* Drain clients: connected when SIGTERM comes. */

/* Take what a drain client received; false after a failure. */
static bool
drain_take(struct client *c)
{
	return c->inst->line ? take_line_answers(c) : take_echo(c);
}

/* Whether anything is owed to the client. */
static bool
drain_owed(const struct client *c)
{
	return c->inst->line ? owed_count(c) > 0 : c->expect->len > 0;
}

/* Send one message. */
static void
drain_send_one(struct client *c)
{
	if (c->inst->line) {
		queue_lines(c, 1);
		send_queued(c, false);
	} else
		raw_send(c, rnd(1, 20));
}

/* Idle at the drain: one exchange, then silence; the drain must close
 * it promptly, long before its 60 s timeout. */
static void
drain_idle_start(struct client *c)
{
	drain_send_one(c);
}

static void
drain_idle_input(struct client *c)
{
	int64_t ms;

	if (!drain_take(c))
		return;
	if (c->state == 0 && !drain_owed(c) && c->answered > 0)
		c->state = 1;
	if (!c->eof && !c->reset)
		return;
	if (c->busy) {
		client_done(c, false);
		return;
	}
	if (!run.term_sent) {
		ended_early(c);
		return;
	}
	ms = now_ms() - run.term_ms;
	if (drain_owed(c) || c->in->len > 0)
		fail(c, "the drain closed it with its message unanswered");
	else if (c->reset)
		fail(c, "the drain reset it instead of closing it");
	else if (ms > PROMPT_MS)
		fail(c, "the drain closed it %" PRId64 " ms after SIGTERM, "
		    "not promptly", ms);
	else
		client_done(c, false);
}

/* Active at the drain: batches or exchanges without end; at SIGTERM
 * whatever sockd had received is answered, then the close. */
static void
drain_active_start(struct client *c)
{
	if (c->inst->line)
		pipeline_batch(c, 10, 50);
	else
		raw_send(c, raw_length());
}

static void
drain_active_timer(struct client *c)
{
	if (c->inst->line) {
		if (owed_count(c) > 256)
			c->wake_ms = now_ms() + 20;
		else
			pipeline_batch(c, 10, 50);
	} else
		raw_send(c, raw_length());
}

static void
drain_active_input(struct client *c)
{
	if (!drain_take(c))
		return;
	if (!c->eof && !c->reset) {
		if (!c->inst->line && c->expect->len == 0 && c->wake_ms < 0)
			c->wake_ms = now_ms() + rnd(10, 50);
		return;
	}
	if (c->busy) {
		client_done(c, false);
		return;
	}
	if (!run.term_sent) {
		ended_early(c);
		return;
	}
	/* Messages the drain did not read are not answered, nor counted;
	 * a part of an answer would be a broken one. */
	if (c->in->len > 0)
		fail(c, "the drain ended it in the middle of an answer: '%s'",
		    show(c->in->str, c->in->len));
	else
		client_done(c, false);
}

/* Late: connects and sends one message just before SIGTERM.  SPEC 6: a
 * connection the kernel completed is accepted and served. */
static void
drain_late_start(struct client *c)
{
	drain_send_one(c);
	c->state = 1;
}

static void
drain_late_input(struct client *c)
{
	if (!drain_take(c) || (!c->eof && !c->reset))
		return;
	if (c->busy || (c->answered == 1 && !drain_owed(c) &&
	    c->in->len == 0)) {
		client_done(c, false);
		return;
	}
	fail(c, "connected and sent a message before SIGTERM, then %s "
	    "without an answer (SPEC 6: a connection the kernel completed "
	    "is accepted and served)", c->reset ? "reset" : "closed");
}

/* ------------------------------------------------------------------ */
/* The table. */

static const struct kind_spec kind_specs[NKINDS] = {
	[K_PIPELINE] = { "pipeline", INST_LINE, 5, 0, 0, true,
	    pipeline_start, pipeline_input, pipeline_timer },
	[K_SLOW_READER] = { "slow-reader", INST_LINE, 1, 0, 4096, false,
	    slow_start, slow_input, slow_timer },
	[K_TRICKLE] = { "trickle", INST_LINE, 1, 0, 0, true,
	    trickle_start, trickle_input, trickle_timer },
	[K_IDLE] = { "idle", INST_LINE, 1, 0, 0, true,
	    idle_start, idle_input, no_timer },
	[K_OVERSIZED] = { "oversized", INST_LINE, 0, 1.0, 0, true,
	    oversized_start, oversized_input, no_timer },
	[K_RESET] = { "reset", INST_LINE, 0, 1.0, 0, true,
	    reset_start, reset_input, reset_timer },
	[K_CHURN] = { "churn", INST_LINE, 0, 10.0, 0, true,
	    churn_start, churn_input, no_timer },
	[K_RAW_ECHO] = { "echo", INST_RAW, 6, 0, 0, true,
	    raw_echo_start, raw_echo_input, raw_echo_timer },
	[K_RAW_IDLE] = { "idle", INST_RAW, 1, 0, 0, true,
	    raw_idle_start, raw_idle_input, no_timer },
	[K_RAW_RESET] = { "reset", INST_RAW, 0, 1.0, 0, true,
	    raw_reset_start, raw_reset_input, raw_echo_timer },
	[K_RAW_CHURN] = { "churn", INST_RAW, 0, 10.0, 0, true,
	    churn_start, churn_input, no_timer },
	[K_CHAOS_PIPELINE] = { "half-close", INST_CHAOS, 3, 0, 0, true,
	    pipeline_start, pipeline_input, pipeline_timer },
	[K_CHAOS_RESET] = { "reset-in-flight", INST_CHAOS, 0, 3.0, 0, true,
	    chaos_reset_start, chaos_reset_input, no_timer },
	[K_CHAOS_VANISH] = { "vanish", INST_CHAOS, 0, 2.0, 0, true,
	    chaos_vanish_start, nothing_expected, no_timer },
	[K_CHAOS_FLOOD] = { "flood", INST_CHAOS, 1, 0, 4096, false,
	    flood_start, flood_input, flood_timer },
	[K_CHAOS_CHURN] = { "churn", INST_CHAOS, 0, 5.0, 0, true,
	    chaos_churn_start, nothing_expected, no_timer },
	[K_DRAIN_IDLE] = { "drain-idle", INST_LINE, 0, 0, 0, true,
	    drain_idle_start, drain_idle_input, no_timer },
	[K_DRAIN_ACTIVE] = { "drain-active", INST_LINE, 0, 0, 0, true,
	    drain_active_start, drain_active_input, drain_active_timer },
	[K_DRAIN_LATE] = { "drain-late", INST_LINE, 0, 0, 0, true,
	    drain_late_start, drain_late_input, no_timer },
};

/* The spec of a kind. */
const struct kind_spec *
spec_of(enum kind kind)
{
	return &kind_specs[kind];
}
