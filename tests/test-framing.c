/*
 * test-framing.c - the framer: raw and line framing, split reads, CRLF,
 * NUL bytes, --max-line, the final line at EOF, answers made a piece at
 * a time, and the memory it keeps.
 */
#include "build-config.h"

#include <glib.h>
#include <string.h>

#include "framing.h"

struct collected {
	GPtrArray *messages;	/* GBytes of each message seen */
};

static void
collect(const char *msg, size_t len, void *arg)
{
	struct collected *c = arg;

	g_ptr_array_add(c->messages, g_bytes_new(msg, len));
}

struct fixture {
	struct framer framer;
	struct reply_rules rules;
	struct collected seen;
	GString *answers;	/* every answer, in order */
	enum framer_status status;
	size_t limit;		/* bytes of a piece of answers */
	guint pieces;		/* pieces the last read or EOF got */
};

static void
fixture_set_up(struct fixture *fx, gconstpointer data)
{
	framer_init(&fx->framer);
	fx->rules.framing = FRAMING_LINE;
	fx->rules.reply = "ok";
	fx->rules.reply_len = 2;
	fx->rules.echo = false;
	fx->rules.max_line = 65536;
	fx->rules.one_each = false;
	fx->limit = FRAMER_PIECE;
	fx->seen.messages = g_ptr_array_new_with_free_func(
	    (GDestroyNotify)g_bytes_unref);
	fx->answers = g_string_new(NULL);
}

static void
fixture_tear_down(struct fixture *fx, gconstpointer data)
{
	framer_free(&fx->framer);
	g_ptr_array_free(fx->seen.messages, TRUE);
	g_string_free(fx->answers, TRUE);
}

/* Take every piece of answers the framer has, as conn.c sends them. */
static void
answer_all(struct fixture *fx)
{
	int more;

	fx->pieces = 0;
	do {
		more = framer_answer(&fx->framer, &fx->rules, fx->limit,
		    collect, &fx->seen, &fx->status);
		g_assert_cmpint(more, >=, 0);
		g_assert_cmpuint(fx->framer.out_len, <=, fx->limit);
		/* Only the last piece may end in the error. */
		if (more > 0)
			g_assert_cmpint(fx->status, ==, FRAMER_OK);
		if (fx->framer.out_len > 0)
			fx->pieces++;
		g_string_append_len(fx->answers, fx->framer.out,
		    fx->framer.out_len);
	} while (more > 0);
}

/* Feed bytes as one read, as conn.c does; returns all answers so far. */
static const char *
feed(struct fixture *fx, const char *bytes, size_t len)
{
	size_t room;
	char *space = framer_space(&fx->framer, &fx->rules, &room);

	g_assert_nonnull(space);
	g_assert_cmpuint(room, >=, len);
	memcpy(space, bytes, len);
	framer_received(&fx->framer, len);
	answer_all(fx);
	return fx->answers->str;
}

/* Feed a C string as one read. */
static void
feed_str(struct fixture *fx, const char *text)
{
	feed(fx, text, strlen(text));
}

/* The peer closes: take the pieces that answers. */
static void
eof(struct fixture *fx)
{
	framer_eof(&fx->framer);
	answer_all(fx);
}

static void
assert_message(struct fixture *fx, guint i, const char *bytes, size_t len)
{
	GBytes *b;

	g_assert_cmpuint(fx->seen.messages->len, >, i);
	b = g_ptr_array_index(fx->seen.messages, i);
	g_assert_cmpmem(g_bytes_get_data(b, NULL), g_bytes_get_size(b),
	    bytes, len);
}

static void
test_raw_one_read_one_answer(struct fixture *fx, gconstpointer data)
{
	fx->rules.framing = FRAMING_RAW;
	feed_str(fx, "hello");
	g_assert_cmpuint(fx->framer.out_len, ==, 2);
	feed_str(fx, "two\nlines\n");
	g_assert_cmpstr(fx->answers->str, ==, "okok");
	g_assert_cmpuint(fx->seen.messages->len, ==, 2);
	assert_message(fx, 1, "two\nlines\n", 10);
	eof(fx);
	g_assert_cmpstr(fx->answers->str, ==, "okok");
}

static void
test_raw_echo(struct fixture *fx, gconstpointer data)
{
	fx->rules.framing = FRAMING_RAW;
	fx->rules.echo = true;
	feed(fx, "a\0b", 3);
	g_assert_cmpmem(fx->answers->str, fx->answers->len, "a\0b", 3);
}

static void
test_line_lf(struct fixture *fx, gconstpointer data)
{
	feed_str(fx, "hello\n");
	g_assert_cmpstr(fx->answers->str, ==, "ok\n");
	assert_message(fx, 0, "hello", 5);
}

static void
test_line_crlf_mirrored(struct fixture *fx, gconstpointer data)
{
	feed_str(fx, "a\r\nb\nc\r\n");
	g_assert_cmpstr(fx->answers->str, ==, "ok\r\nok\nok\r\n");
	assert_message(fx, 0, "a", 1);
	assert_message(fx, 1, "b", 1);
	assert_message(fx, 2, "c", 1);
}

static void
test_line_batched_in_one_output(struct fixture *fx, gconstpointer data)
{
	feed_str(fx, "1\n2\n3\n");
	/* All three answers are in the output of one read. */
	g_assert_cmpuint(fx->framer.out_len, ==, 9);
	g_assert_cmpuint(fx->pieces, ==, 1);
	g_assert_cmpuint(fx->seen.messages->len, ==, 3);
}

/* With one_each (a connection with faults) each answer is a piece. */
static void
test_line_one_answer_per_piece(struct fixture *fx, gconstpointer data)
{
	fx->rules.one_each = true;
	feed_str(fx, "1\n2\n3\n");
	g_assert_cmpstr(fx->answers->str, ==, "ok\nok\nok\n");
	g_assert_cmpuint(fx->pieces, ==, 3);
	g_assert_cmpuint(fx->seen.messages->len, ==, 3);
}

static void
test_line_split_across_reads(struct fixture *fx, gconstpointer data)
{
	feed_str(fx, "hel");
	g_assert_cmpuint(fx->framer.out_len, ==, 0);
	g_assert_cmpuint(fx->seen.messages->len, ==, 0);
	feed_str(fx, "lo\r");
	g_assert_cmpuint(fx->framer.out_len, ==, 0);
	feed_str(fx, "\nwor");
	g_assert_cmpstr(fx->answers->str, ==, "ok\r\n");
	assert_message(fx, 0, "hello", 5);
	feed_str(fx, "ld\n");
	g_assert_cmpstr(fx->answers->str, ==, "ok\r\nok\n");
	assert_message(fx, 1, "world", 5);
}

static void
test_line_nul_bytes(struct fixture *fx, gconstpointer data)
{
	fx->rules.echo = true;
	feed(fx, "a\0b\n\0\n", 6);
	g_assert_cmpmem(fx->answers->str, fx->answers->len, "a\0b\n\0\n", 6);
	assert_message(fx, 0, "a\0b", 3);
	assert_message(fx, 1, "\0", 1);
}

static void
test_line_empty_line(struct fixture *fx, gconstpointer data)
{
	feed_str(fx, "\n\r\n");
	g_assert_cmpstr(fx->answers->str, ==, "ok\nok\r\n");
	assert_message(fx, 0, "", 0);
}

static void
test_line_echo_keeps_ending(struct fixture *fx, gconstpointer data)
{
	fx->rules.echo = true;
	feed_str(fx, "ping\r\npong\n");
	g_assert_cmpstr(fx->answers->str, ==, "ping\r\npong\n");
}

static void
test_line_custom_reply(struct fixture *fx, gconstpointer data)
{
	fx->rules.reply = "+PONG";
	fx->rules.reply_len = 5;
	feed_str(fx, "PING\r\n");
	g_assert_cmpstr(fx->answers->str, ==, "+PONG\r\n");
}

static void
test_line_max_line_exact_fits(struct fixture *fx, gconstpointer data)
{
	fx->rules.max_line = 4;
	feed_str(fx, "abcd\r");
	g_assert_cmpint(fx->status, ==, FRAMER_OK);
	feed_str(fx, "\nabcd\n");
	g_assert_cmpint(fx->status, ==, FRAMER_OK);
	g_assert_cmpstr(fx->answers->str, ==, "ok\r\nok\n");
}

static void
test_line_max_line_complete_line(struct fixture *fx, gconstpointer data)
{
	fx->rules.max_line = 4;
	feed_str(fx, "ok\nabcde\nnever\n");
	g_assert_cmpint(fx->status, ==, FRAMER_LINE_TOO_LONG);
	/* The lines before are answered; nothing of the long one is. */
	g_assert_cmpstr(fx->answers->str, ==, "ok\n" FRAMER_LINE_TOO_LONG_TEXT);
	g_assert_cmpuint(fx->seen.messages->len, ==, 1);
}

static void
test_line_max_line_partial(struct fixture *fx, gconstpointer data)
{
	fx->rules.max_line = 4;
	feed_str(fx, "abc");
	g_assert_cmpint(fx->status, ==, FRAMER_OK);
	feed_str(fx, "de");
	g_assert_cmpint(fx->status, ==, FRAMER_LINE_TOO_LONG);
	g_assert_cmpstr(fx->answers->str, ==, FRAMER_LINE_TOO_LONG_TEXT);
	g_assert_cmpuint(fx->seen.messages->len, ==, 0);
}

static void
test_line_long_line_grows_buffer(struct fixture *fx, gconstpointer data)
{
	GString *line = g_string_new(NULL);
	size_t i;

	/* A 100 KB line arrives in many reads and is one message. */
	for (i = 0; i < 100000; i++)
		g_string_append_c(line, 'a' + (char)(i % 26));
	fx->rules.max_line = 200000;
	for (i = 0; i < line->len; i += 7000)
		feed(fx, line->str + i, MIN(7000, line->len - i));
	feed_str(fx, "\n");
	g_assert_cmpstr(fx->answers->str, ==, "ok\n");
	assert_message(fx, 0, line->str, line->len);
	g_string_free(line, TRUE);
}

/* Empty lines with a kilobyte reply: answered a piece at a time. */
static void
test_line_many_answers_in_pieces(struct fixture *fx, gconstpointer data)
{
	char reply[1024], lines[16384];
	size_t i;

	memset(reply, 'r', sizeof reply);
	memset(lines, '\n', sizeof lines);
	fx->rules.reply = reply;
	fx->rules.reply_len = sizeof reply;
	feed(fx, lines, sizeof lines);
	g_assert_cmpuint(fx->seen.messages->len, ==, sizeof lines);
	g_assert_cmpuint(fx->answers->len, ==, sizeof lines * 1025);
	for (i = 0; i < sizeof lines; i++) {
		g_assert_cmpmem(fx->answers->str + i * 1025, 1024, reply,
		    sizeof reply);
		g_assert_cmpint(fx->answers->str[i * 1025 + 1024], ==, '\n');
	}
	/* 63 whole answers in a piece; 16 MiB never held at once. */
	g_assert_cmpuint(fx->pieces, ==, (sizeof lines + 62) / 63);
	g_assert_cmpuint(fx->framer.out_cap, <=, FRAMER_PIECE);
}

/* Assert the next piece of answers and whether more follow. */
static void
assert_piece(struct fixture *fx, size_t limit, int more, const char *text)
{
	g_assert_cmpint(framer_answer(&fx->framer, &fx->rules, limit, collect,
	    &fx->seen, &fx->status), ==, more);
	g_assert_cmpmem(fx->framer.out, fx->framer.out_len, text,
	    strlen(text));
}

/* A piece holds whole answers; a message is seen as its answer starts. */
static void
test_line_pieces_hold_whole_answers(struct fixture *fx,
    gconstpointer data)
{
	size_t room;
	char *space = framer_space(&fx->framer, &fx->rules, &room);

	memcpy(space, "a\nb\nc\nd\n", 8);
	framer_received(&fx->framer, 8);
	assert_piece(fx, 10, 1, "ok\nok\nok\n");
	g_assert_cmpuint(fx->seen.messages->len, ==, 3);
	assert_piece(fx, 10, 0, "ok\n");
	g_assert_cmpuint(fx->seen.messages->len, ==, 4);
	assert_message(fx, 3, "d", 1);
}

/* An answer longer than a piece is cut, and is one message. */
static void
test_line_long_answer_cut(struct fixture *fx, gconstpointer data)
{
	fx->rules.echo = true;
	fx->limit = 4;
	feed_str(fx, "abcdefghij\r\nxy\n");
	g_assert_cmpstr(fx->answers->str, ==, "abcdefghij\r\nxy\n");
	/* abcd, efgh, ij\r\n, then xy\n alone: whole where it fits. */
	g_assert_cmpuint(fx->pieces, ==, 4);
	g_assert_cmpuint(fx->seen.messages->len, ==, 2);
}

/* The error follows the answers before it; its status comes last. */
static void
test_line_too_long_error_in_pieces(struct fixture *fx, gconstpointer data)
{
	fx->rules.max_line = 4;
	fx->limit = 8;
	feed_str(fx, "a\nb\nabcdefg\nc\n");
	g_assert_cmpint(fx->status, ==, FRAMER_LINE_TOO_LONG);
	g_assert_cmpstr(fx->answers->str, ==,
	    "ok\nok\n" FRAMER_LINE_TOO_LONG_TEXT);
	g_assert_cmpuint(fx->pieces, ==, 4);
	g_assert_cmpuint(fx->seen.messages->len, ==, 2);
}

/* With raw framing, a reply longer than a piece is cut as well. */
static void
test_raw_long_reply_cut(struct fixture *fx, gconstpointer data)
{
	char reply[100];

	memset(reply, 'r', sizeof reply);
	fx->rules.framing = FRAMING_RAW;
	fx->rules.reply = reply;
	fx->rules.reply_len = sizeof reply;
	fx->limit = 30;
	feed_str(fx, "x");
	g_assert_cmpmem(fx->answers->str, fx->answers->len, reply,
	    sizeof reply);
	g_assert_cmpuint(fx->pieces, ==, 4);
	g_assert_cmpuint(fx->seen.messages->len, ==, 1);
}

/* A last line echoed at EOF is cut into pieces like any answer. */
static void
test_line_eof_echo_in_pieces(struct fixture *fx, gconstpointer data)
{
	fx->rules.echo = true;
	fx->limit = 3;
	feed_str(fx, "abcdefg\r");
	g_assert_cmpuint(fx->pieces, ==, 0);
	eof(fx);
	g_assert_cmpstr(fx->answers->str, ==, "abcdefg\r\n");
	g_assert_cmpuint(fx->pieces, ==, 3);
	assert_message(fx, 0, "abcdefg", 7);
}

/* Input that exercises every path: endings, NUL, empty lines, a last
 * line without its \n. */
static const char split_input[] = "one\r\n\ntwo\0x\n\r\nthree\r\r\nlast\r";

/* Feed text in pieces of at most piece bytes, then EOF. */
static void
feed_pieces(struct fixture *fx, const char *text, size_t len, size_t piece)
{
	size_t i;

	for (i = 0; i < len; i += piece)
		feed(fx, text + i, MIN(piece, len - i));
	eof(fx);
}

/* Assert that two fixtures saw the same messages and answers. */
static void
assert_same(struct fixture *a, struct fixture *b)
{
	guint i;

	g_assert_cmpmem(a->answers->str, a->answers->len, b->answers->str,
	    b->answers->len);
	g_assert_cmpuint(a->seen.messages->len, ==, b->seen.messages->len);
	for (i = 0; i < a->seen.messages->len; i++)
		g_assert_true(g_bytes_equal(g_ptr_array_index(
		    a->seen.messages, i), g_ptr_array_index(b->seen.messages,
		    i)));
}

/* Cut anywhere, or fed in pieces of any size, input frames the same. */
static void
test_line_split_anywhere_same(struct fixture *whole, gconstpointer data)
{
	size_t len = sizeof split_input - 1, at, piece;
	struct fixture fx;

	feed_pieces(whole, split_input, len, len);
	g_assert_cmpuint(whole->seen.messages->len, ==, 6);
	/* Cut in two at every byte. */
	for (at = 1; at < len; at++) {
		fixture_set_up(&fx, NULL);
		feed(&fx, split_input, at);
		feed_pieces(&fx, split_input + at, len - at, len);
		assert_same(whole, &fx);
		fixture_tear_down(&fx, NULL);
	}
	/* In pieces of every size, down to one byte. */
	for (piece = 1; piece < len; piece++) {
		fixture_set_up(&fx, NULL);
		feed_pieces(&fx, split_input, len, piece);
		assert_same(whole, &fx);
		fixture_tear_down(&fx, NULL);
	}
}

/* A long line in 3-byte reads is one message, answered once. */
static void
test_line_long_line_in_tiny_pieces(struct fixture *fx, gconstpointer data)
{
	GString *line = g_string_new(NULL);
	size_t i;

	/* 64 KiB arriving 3 bytes at a time: one message, one answer. */
	for (i = 0; i < 65536; i++)
		g_string_append_c(line, (char)('a' + i % 26));
	fx->rules.echo = true;
	g_string_append(line, "\r\n");
	feed_pieces(fx, line->str, line->len, 3);
	g_assert_cmpuint(fx->seen.messages->len, ==, 1);
	assert_message(fx, 0, line->str, 65536);
	g_assert_cmpmem(fx->answers->str, fx->answers->len, line->str,
	    line->len);
	g_string_free(line, TRUE);
}

/* A long line takes no more than max-line and a read, then gives it back. */
static void
test_line_long_line_buffer_bounded(struct fixture *fx, gconstpointer data)
{
	size_t max_line = 200000, i, room;
	char piece[1000];

	/* The buffer never holds more than the longest line and a read. */
	memset(piece, 'x', sizeof piece);
	fx->rules.max_line = max_line;
	for (i = 0; i < max_line; i += sizeof piece) {
		feed(fx, piece, sizeof piece);
		g_assert_cmpuint(fx->framer.in_cap, <=,
		    max_line + 1 + FRAMER_READ_CHUNK);
	}
	feed_str(fx, "\r\n");
	g_assert_cmpstr(fx->answers->str, ==, "ok\r\n");
	/* The line is done: the next read finds a small buffer again. */
	g_assert_nonnull(framer_space(&fx->framer, &fx->rules, &room));
	g_assert_cmpuint(fx->framer.in_cap, <=, FRAMER_KEEP);
}

/* Between connections, a buffer grown for a long line is given back. */
static void
test_reset_gives_back(struct fixture *fx, gconstpointer data)
{
	char piece[1000];
	size_t i;

	/* A connection that left half a long line behind. */
	memset(piece, 'x', sizeof piece);
	for (i = 0; i < 60; i++)
		feed(fx, piece, sizeof piece);
	g_assert_cmpuint(fx->framer.in_cap, >, FRAMER_KEEP);
	framer_reset(&fx->framer);
	g_assert_cmpuint(fx->framer.in_cap, <=, FRAMER_KEEP);
	feed_str(fx, "new\n");
	assert_message(fx, 0, "new", 3);
}

static void
test_line_eof_answers_last_line(struct fixture *fx, gconstpointer data)
{
	feed_str(fx, "one\nlast");
	eof(fx);
	g_assert_cmpstr(fx->answers->str, ==, "ok\nok\n");
	assert_message(fx, 1, "last", 4);
}

static void
test_line_eof_after_cr(struct fixture *fx, gconstpointer data)
{
	feed_str(fx, "last\r");
	eof(fx);
	g_assert_cmpstr(fx->answers->str, ==, "ok\r\n");
	assert_message(fx, 0, "last", 4);
}

static void
test_line_eof_nothing_pending(struct fixture *fx, gconstpointer data)
{
	feed_str(fx, "one\n");
	eof(fx);
	g_assert_cmpstr(fx->answers->str, ==, "ok\n");
	g_assert_cmpuint(fx->seen.messages->len, ==, 1);
}

/* The peer closes before sending a byte: nothing to answer, in either
 * framing, though the framer has no buffer yet (fuzz-framing found the
 * search of that NULL buffer, undefined behaviour). */
static void
test_eof_before_any_read(struct fixture *fx, gconstpointer data)
{
	eof(fx);
	g_assert_cmpint(fx->status, ==, FRAMER_OK);
	fx->rules.framing = FRAMING_RAW;
	eof(fx);
	g_assert_cmpint(fx->status, ==, FRAMER_OK);
	g_assert_cmpuint(fx->answers->len, ==, 0);
	g_assert_cmpuint(fx->pieces, ==, 0);
	g_assert_cmpuint(fx->seen.messages->len, ==, 0);
}

/* A reset that gave a long line's buffer back, then the peer closes:
 * nothing to answer. */
static void
test_eof_after_reset_gave_back(struct fixture *fx, gconstpointer data)
{
	char piece[1000];
	size_t i;

	memset(piece, 'x', sizeof piece);
	for (i = 0; i < 60; i++)
		feed(fx, piece, sizeof piece);
	g_assert_cmpuint(fx->framer.in_cap, >, FRAMER_KEEP);
	framer_reset(&fx->framer);
	g_assert_null(fx->framer.in);
	eof(fx);
	g_assert_cmpint(fx->status, ==, FRAMER_OK);
	g_assert_cmpuint(fx->answers->len, ==, 0);
	g_assert_cmpuint(fx->seen.messages->len, ==, 0);
}

static void
test_reset_forgets_partial(struct fixture *fx, gconstpointer data)
{
	feed_str(fx, "half");
	framer_reset(&fx->framer);
	feed_str(fx, "new\n");
	assert_message(fx, 0, "new", 3);
}

#define ADD(path, fn) \
	g_test_add(path, struct fixture, NULL, fixture_set_up, fn, \
	    fixture_tear_down)

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	ADD("/framing/raw/one-read-one-answer", test_raw_one_read_one_answer);
	ADD("/framing/raw/echo", test_raw_echo);
	ADD("/framing/line/lf", test_line_lf);
	ADD("/framing/line/crlf-mirrored", test_line_crlf_mirrored);
	ADD("/framing/line/batched-in-one-output",
	    test_line_batched_in_one_output);
	ADD("/framing/line/one-answer-per-piece",
	    test_line_one_answer_per_piece);
	ADD("/framing/line/split-across-reads", test_line_split_across_reads);
	ADD("/framing/line/nul-bytes", test_line_nul_bytes);
	ADD("/framing/line/empty-line", test_line_empty_line);
	ADD("/framing/line/echo-keeps-ending", test_line_echo_keeps_ending);
	ADD("/framing/line/custom-reply", test_line_custom_reply);
	ADD("/framing/line/max-line-exact-fits",
	    test_line_max_line_exact_fits);
	ADD("/framing/line/max-line-complete-line",
	    test_line_max_line_complete_line);
	ADD("/framing/line/max-line-partial", test_line_max_line_partial);
	ADD("/framing/line/long-line-grows-buffer",
	    test_line_long_line_grows_buffer);
	ADD("/framing/line/eof-answers-last-line",
	    test_line_eof_answers_last_line);
	ADD("/framing/line/eof-after-cr", test_line_eof_after_cr);
	ADD("/framing/line/eof-nothing-pending",
	    test_line_eof_nothing_pending);
	ADD("/framing/line/many-answers-in-pieces",
	    test_line_many_answers_in_pieces);
	ADD("/framing/line/pieces-hold-whole-answers",
	    test_line_pieces_hold_whole_answers);
	ADD("/framing/line/long-answer-cut", test_line_long_answer_cut);
	ADD("/framing/line/too-long-error-in-pieces",
	    test_line_too_long_error_in_pieces);
	ADD("/framing/line/eof-echo-in-pieces", test_line_eof_echo_in_pieces);
	ADD("/framing/raw/long-reply-cut", test_raw_long_reply_cut);
	ADD("/framing/line/split-anywhere-same",
	    test_line_split_anywhere_same);
	ADD("/framing/line/long-line-in-tiny-pieces",
	    test_line_long_line_in_tiny_pieces);
	ADD("/framing/line/long-line-buffer-bounded",
	    test_line_long_line_buffer_bounded);
	ADD("/framing/eof-before-any-read", test_eof_before_any_read);
	ADD("/framing/eof-after-reset-gave-back",
	    test_eof_after_reset_gave_back);
	ADD("/framing/reset-forgets-partial", test_reset_forgets_partial);
	ADD("/framing/reset-gives-back", test_reset_gives_back);
	return g_test_run();
}
