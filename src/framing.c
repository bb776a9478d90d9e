/*
 * framing.c - split received bytes into messages and build the answers.
 * A connection's leftover partial line stays at the start of f->in;
 * answers for one read are gathered in f->out so they leave in one send().
 */
#include "build-config.h"

#include <stdlib.h>
#include <string.h>

#include "framing.h"

/* Bytes one recv() may return; also the smallest input buffer. */
#define FRAMER_READ_CHUNK 16384

/* Start with empty buffers. */
void
framer_init(struct framer *f)
{
	memset(f, 0, sizeof *f);
}

/* Release the buffers. */
void
framer_free(struct framer *f)
{
	free(f->in);
	free(f->out);
	framer_init(f);
}

/* Forget a connection's leftovers, keep the buffers. */
void
framer_reset(struct framer *f)
{
	f->in_len = 0;
	f->out_len = 0;
}

/* Make room for at least need more bytes in a buffer. */
static int
buffer_reserve(char **buf, size_t *cap, size_t len, size_t need)
{
	size_t new_cap;
	char *p;

	if (*cap - len >= need)
		return 0;
	new_cap = *cap ? *cap : FRAMER_READ_CHUNK;
	while (new_cap - len < need)
		new_cap *= 2;
	p = realloc(*buf, new_cap);
	if (p == NULL)
		return -1;
	*buf = p;
	*cap = new_cap;
	return 0;
}

/* Append bytes to the answers. */
static int
out_append(struct framer *f, const char *bytes, size_t len)
{
	if (buffer_reserve(&f->out, &f->out_cap, f->out_len, len) < 0)
		return -1;
	memcpy(f->out + f->out_len, bytes, len);
	f->out_len += len;
	return 0;
}

/* Where the next recv() should write. */
char *
framer_space(struct framer *f, size_t *room)
{
	if (buffer_reserve(&f->in, &f->in_cap, f->in_len,
	    FRAMER_READ_CHUNK) < 0)
		return NULL;
	*room = f->in_cap - f->in_len;
	if (*room > FRAMER_READ_CHUNK)
		*room = FRAMER_READ_CHUNK;
	return f->in + f->in_len;
}

/* Answer one message: the reply text or the message, then its ending. */
static int
answer(struct framer *f, const struct reply_rules *rules, const char *msg,
    size_t len, const char *ending, size_t ending_len)
{
	if (rules->echo) {
		if (out_append(f, msg, len) < 0)
			return -1;
	} else if (out_append(f, rules->reply, rules->reply_len) < 0)
		return -1;
	return out_append(f, ending, ending_len);
}

/* Answer every complete line at the start of f->in; keep the rest. */
static int
frame_lines(struct framer *f, const struct reply_rules *rules,
    framer_message_fn on_message, void *arg, enum framer_status *status)
{
	const char *start = f->in, *end = f->in + f->in_len, *nl;
	size_t len, ending_len;

	*status = FRAMER_OK;
	while ((nl = memchr(start, '\n', (size_t)(end - start))) != NULL) {
		len = (size_t)(nl - start);
		ending_len = 1;
		if (len > 0 && start[len - 1] == '\r') {
			len--;
			ending_len = 2;
		}
		if (len > rules->max_line)
			goto too_long;
		if (on_message != NULL)
			on_message(start, len, arg);
		if (answer(f, rules, start, len, start + len, ending_len) < 0)
			return -1;
		start = nl + 1;
	}
	/* A partial line may still end in \r before its \n arrives. */
	len = (size_t)(end - start);
	if (len > rules->max_line + 1 ||
	    (len == rules->max_line + 1 && end[-1] != '\r'))
		goto too_long;
	memmove(f->in, start, len);
	f->in_len = len;
	return 0;

too_long:
	f->in_len = 0;
	*status = FRAMER_LINE_TOO_LONG;
	return out_append(f, FRAMER_LINE_TOO_LONG_TEXT,
	    sizeof FRAMER_LINE_TOO_LONG_TEXT - 1);
}

/* Frame n bytes just received at framer_space(). */
int
framer_input(struct framer *f, size_t n, const struct reply_rules *rules,
    framer_message_fn on_message, void *arg, enum framer_status *status)
{
	f->out_len = 0;
	f->in_len += n;
	*status = FRAMER_OK;
	if (rules->framing == FRAMING_LINE)
		return frame_lines(f, rules, on_message, arg, status);

	/* raw: the whole read is one message */
	if (on_message != NULL)
		on_message(f->in, f->in_len, arg);
	if (answer(f, rules, f->in, f->in_len, "", 0) < 0)
		return -1;
	f->in_len = 0;
	return 0;
}

/* Bytes of a line received but not yet ended. */
size_t
framer_pending(const struct framer *f)
{
	return f->in_len;
}

/* The peer closed: answer a final line that lacks its \n. */
int
framer_eof(struct framer *f, const struct reply_rules *rules,
    framer_message_fn on_message, void *arg)
{
	size_t len = f->in_len;
	bool crlf;

	f->out_len = 0;
	if (rules->framing != FRAMING_LINE || len == 0)
		return 0;
	f->in_len = 0;
	/*
	 * The answer still ends a line, so a client reading lines sees it;
	 * a lone trailing \r was the start of a \r\n that never came.
	 */
	crlf = f->in[len - 1] == '\r';
	if (crlf)
		len--;
	if (on_message != NULL)
		on_message(f->in, len, arg);
	return answer(f, rules, f->in, len, crlf ? "\r\n" : "\n",
	    crlf ? 2 : 1);
}
