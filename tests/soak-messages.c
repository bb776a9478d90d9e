/*
 * soak-messages.c - what soak clients send and how they check what comes
 * back: message bodies, the answers owed, the line answers (the reply in
 * force, busy, the line-too-long error) and the raw echo, and the end of
 * a connection that sockd closed.  The kinds (soak-kinds.c) put these
 * together; the sending itself is soak-client.c's.
 */
#include "build-config.h"

#include <glib.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "soak.h"

#define TOO_LONG_TEXT "error: line too long\n"
/* A time out seen by a client may precede -t by this much: sockd's
 * clock started when it read, a little before the client saw it. */
#define EARLY_SLACK_MS 250

/* Pieces of text that the log must show as they are or escape. */
static const char *const odd_texts[] = {
	"\xc3\xa9t\xc3\xa9",		/* UTF-8 text: shown as it is */
	"\xe2\x80\xae",			/* right-to-left override */
	"\xe2\x80\x8b",			/* zero-width space */
	"\xe2\x80\xa8",			/* line separator */
	"\xf0\x9f\x90\x99",		/* outside the BMP */
	"\xc2\x85",			/* C1 control */
	"\x1b[31m",			/* a terminal escape */
	"\\",
	"\x7f",
	"\xff\xfe",			/* never UTF-8 */
	"\xed\xa0\x80",			/* a surrogate: invalid */
	"\xe2\x82",			/* a cut sequence */
};

/* Append len bytes of a message body, never a newline: mostly text,
 * some UTF-8 that the log escapes, some bytes of any value. */
void
put_body(GString *out, size_t len)
{
	size_t end = out->len + len, n;
	unsigned mode = rnd(0, 9);
	const char *odd;
	char byte;

	while (out->len < end) {
		if (mode >= 6 && mode < 8) {
			odd = odd_texts[rnd(0, G_N_ELEMENTS(odd_texts) - 1)];
			n = strlen(odd);
			if (n <= end - out->len) {
				g_string_append_len(out, odd, (gssize)n);
				continue;
			}
		}
		if (mode >= 8)
			byte = (char)rnd(0, 255);
		else
			byte = (char)rnd(' ', '~');
		g_string_append_c(out, byte == '\n' ? ' ' : byte);
	}
}

/* ------------------------------------------------------------------ */
/* Lines. */

/* How long a line is: mostly short, some long, some at the limit. */
size_t
line_length(void)
{
	unsigned pick = rnd(0, 99);

	if (pick < 2)
		return MAX_LINE;
	if (pick < 4)
		return MAX_LINE - 1;
	if (pick < 30)
		return rnd(41, 300);
	return rnd(0, 40);
}

/* Lines sent and not yet answered. */
size_t
owed_count(const struct client *c)
{
	return c->owed->len - c->owed_head;
}

/* Owe the answer to one more line. */
static void
owed_push(struct client *c, bool crlf)
{
	guint8 flag = crlf;

	g_byte_array_append(c->owed, &flag, 1);
}

/* Take the oldest line owed an answer: true if it ended in \r\n. */
static bool
owed_pop(struct client *c)
{
	bool crlf = c->owed->data[c->owed_head++];

	if (c->owed_head == c->owed->len) {
		g_byte_array_set_size(c->owed, 0);
		c->owed_head = 0;
	} else if (c->owed_head > 4096) {
		g_byte_array_remove_range(c->owed, 0, (guint)c->owed_head);
		c->owed_head = 0;
	}
	return crlf;
}

/* Queue one line of len bytes (and its ending); owed unless sockd is
 * expected to leave it unanswered. */
void
queue_line(struct client *c, size_t len, bool owe)
{
	size_t start = c->out->len;
	bool crlf;

	put_body(c->out, len);
	if (chance(0.25))
		g_string_append_c(c->out, '\r');
	/* A body's own last \r makes the ending \r\n as well. */
	crlf = c->out->len > start && c->out->str[c->out->len - 1] == '\r';
	g_string_append_c(c->out, '\n');
	if (owe)
		owed_push(c, crlf);
	c->sent++;
	c->inst->sent++;
}

/* Queue n lines owed an answer. */
void
queue_lines(struct client *c, unsigned n)
{
	while (n-- > 0)
		queue_line(c, line_length(), true);
}

/* Queue a last line without its newline, to go before our FIN: sockd
 * answers it at the end of input, ending the answer with \n (or \r\n
 * when the line's last byte was \r). */
void
queue_last_line(struct client *c)
{
	put_body(c->out, rnd(1, 40));
	if (chance(0.2))
		g_string_append_c(c->out, '\r');
	owed_push(c, c->out->str[c->out->len - 1] == '\r');
	c->sent++;
	c->inst->sent++;
}

/* Which reply a line is, answering a message with that ending: 0 or
 * 1; 2 when it is neither. */
static int
reply_of(const char *line, size_t len, bool crlf)
{
	size_t body = len - (crlf ? 2 : 1);
	int r;

	for (r = 0; r < 2; r++)
		if (len >= 1 + (size_t)crlf &&
		    (!crlf || line[len - 2] == '\r') &&
		    strlen(replies[r]) == body &&
		    memcmp(line, replies[r], body) == 0)
			break;
	return r;
}

/*
 * Take the answers a line client received: each the reply in force with
 * its message's ending, in order; "busy" alone as the first line; the
 * long-line error once every answer before it came.  False after a
 * failure (the client is done).
 */
bool
take_line_answers(struct client *c)
{
	const char *line, *nl;
	size_t off = 0, len;
	int r;
	bool crlf;

	while (!c->done && (nl = memchr(c->in->str + off, '\n',
	    c->in->len - off)) != NULL) {
		line = c->in->str + off;
		len = (size_t)(nl - line) + 1;
		off += len;
		if (!c->got_line && len == 5 &&
		    memcmp(line, BUSY_TEXT, 5) == 0) {
			c->got_line = c->busy = true;
			c->inst->busy++;
			continue;
		}
		c->got_line = true;
		if (c->busy || c->too_long_seen) {
			fail(c, "'%s' after %s", show(line, len), c->busy ?
			    "busy" : "the line-too-long error");
			return false;
		}
		if (owed_count(c) == 0 && c->too_long_owed &&
		    len == strlen(TOO_LONG_TEXT) &&
		    memcmp(line, TOO_LONG_TEXT, len) == 0) {
			c->too_long_seen = true;
			c->inst->too_long++;
			continue;
		}
		if (owed_count(c) == 0) {
			fail(c, "answer '%s' to no message (%" PRIu64 " sent, "
			    "%" PRIu64 " answered)", show(line, len), c->sent,
			    c->answered);
			return false;
		}
		crlf = owed_pop(c);
		r = reply_of(line, len, crlf);
		if (r == 2) {
			fail(c, "answer %" PRIu64 " is '%s', not a reply "
			    "ending in %s", c->answered + 1, show(line, len),
			    crlf ? "\\r\\n" : "\\n");
			return false;
		}
		c->inst->by_reply[r]++;
		c->answered++;
		c->inst->answers++;
	}
	g_string_erase(c->in, 0, (gssize)off);
	if (!c->done && c->in->len > 4096) {
		fail(c, "%zu bytes without a newline: '%s'", c->in->len,
		    show(c->in->str, c->in->len));
		return false;
	}
	return !c->done;
}

/* ------------------------------------------------------------------ */
/* Raw echo. */

/* Send one message and owe its echo.  Its first byte is never 'b', so
 * that "busy" cannot be taken for an echo. */
void
raw_send(struct client *c, size_t len)
{
	size_t start = c->out->len, i;

	put_body(c->out, len);
	for (i = start; i < c->out->len; i++)
		if (chance(0.02))
			c->out->str[i] = '\n';
	if (c->out->str[start] == 'b')
		c->out->str[start] = 'B';
	g_string_append_len(c->expect, c->out->str + start,
	    (gssize)(c->out->len - start));
	c->sent++;
	c->inst->sent++;
	/* One send: a raw message is what one read returns. */
	send_queued(c, false);
}

/* A message length: mostly short, up to 2 KiB. */
size_t
raw_length(void)
{
	return chance(0.7) ? rnd(1, 64) : rnd(65, 2048);
}

/* Take the echo received: exactly the bytes owed, or busy first.
 * False after a failure. */
bool
take_echo(struct client *c)
{
	size_t have = c->in->len, owed = c->expect->len;

	if (c->answered == 0 && !c->busy && have > 0 && c->in->str[0] == 'b') {
		if (have < 5 && !c->eof && !c->reset)
			return true;
		if (have == 5 && memcmp(c->in->str, BUSY_TEXT, 5) == 0) {
			c->busy = true;
			c->inst->busy++;
			g_string_truncate(c->in, 0);
			return true;
		}
	}
	if (have == 0)
		return true;
	if (c->busy || have > owed || memcmp(c->in->str, c->expect->str,
	    have) != 0) {
		fail(c, "echo '%s' is not the message '%s'", show(c->in->str,
		    have), show(c->expect->str, owed));
		return false;
	}
	if (have == owed) {
		c->answered++;
		c->inst->answers++;
		g_string_truncate(c->in, 0);
		g_string_truncate(c->expect, 0);
	}
	return true;
}

/* ------------------------------------------------------------------ */
/* The end of a connection. */

/* True when the client is done because sockd closed it: after busy as
 * it should, else a failure. */
bool
ended_early(struct client *c)
{
	if (c->done)
		return true;
	if (!c->eof && !c->reset)
		return false;
	if (c->busy) {
		client_done(c, false);
		return true;
	}
	fail(c, "sockd %s the connection with %zu answers owed (%" PRIu64
	    " sent, %" PRIu64 " answered%s)", c->reset ? "reset" : "closed",
	    c->inst->line ? owed_count(c) : (size_t)(c->expect->len > 0),
	    c->sent, c->answered, c->in->len > 0 ? ", a partial answer" : "");
	return true;
}

/* sockd closed the client after a silence or a trickle that began at
 * since: no sooner than -t after it. */
void
cut_off(struct client *c, int64_t since)
{
	int64_t ms = now_ms() - since;

	if (ms < TIMEOUT_S * 1000 - EARLY_SLACK_MS) {
		fail(c, "%s after %" PRId64 " ms, before the %d s timeout",
		    c->reset ? "reset" : "closed", ms, TIMEOUT_S);
		return;
	}
	c->inst->timeouts++;
	client_done(c, false);
}
