/*
 * test-escape.c - what a client's bytes look like in the log: text as it
 * is, and everything that could forge, hide or reorder a line escaped.
 */
#include "build-config.h"

#include <glib.h>
#include <string.h>

#include "escape.h"

/* Escape a message into a buffer that holds any escaped message. */
static char *
escaped(const char *msg, size_t len, size_t max)
{
	static char out[ESCAPE_SIZE(4096)];

	escape_message(msg, len, max, out, sizeof out);
	return out;
}

/* Printable ASCII is shown as it is. */
static void
test_printable_unchanged(void)
{
	g_assert_cmpstr(escaped("hello world~!", 13, 256), ==, "hello world~!");
}

/* ASCII control characters are shown as \xNN. */
static void
test_control_bytes_hex(void)
{
	g_assert_cmpstr(escaped("a\nb\r\t\x1b[31m", 10, 256), ==,
	    "a\\x0ab\\x0d\\x09\\x1b[31m");
}

/* NUL, DEL and bytes that are not UTF-8 are shown as \xNN. */
static void
test_nul_and_high_bytes(void)
{
	g_assert_cmpstr(escaped("\0\x7f\x80\xff", 4, 256), ==,
	    "\\x00\\x7f\\x80\\xff");
}

/* A backslash is doubled. */
static void
test_backslash_doubled(void)
{
	/* So "\x41" typed by a client cannot pass for an escaped byte. */
	g_assert_cmpstr(escaped("\\x41", 4, 256), ==, "\\\\x41");
}

/* A newline cannot start a line of its own in the log. */
static void
test_newline_cannot_forge_line(void)
{
	const char *forged = "hi\n2026-01-01T00:00:00.000Z notice: stopped";
	char *out = escaped(forged, strlen(forged), 256);

	g_assert_null(strchr(out, '\n'));
}

/* A message over --log-max is cut there, with its length. */
static void
test_truncated_with_length(void)
{
	g_assert_cmpstr(escaped("abcdefgh", 8, 4), ==, "abcd...(8 bytes)");
}

/* A message of exactly --log-max bytes is shown whole. */
static void
test_exact_limit_not_truncated(void)
{
	g_assert_cmpstr(escaped("abcd", 4, 4), ==, "abcd");
}

/* With --log-max 0 only the length is shown. */
static void
test_zero_limit(void)
{
	g_assert_cmpstr(escaped("abc", 3, 0), ==, "...(3 bytes)");
}

/* A short output buffer cuts the text, never overflows. */
static void
test_small_output_buffer_safe(void)
{
	char out[8];
	size_t n = escape_message("\x01\x02\x03\x04", 4, 256, out, sizeof out);

	g_assert_cmpuint(n, <, sizeof out);
	g_assert_cmpuint(strlen(out), ==, n);
}

/* ESCAPE_SIZE holds a message of bytes that are all escaped. */
static void
test_worst_case_fits(void)
{
	char msg[4096];
	char *out;

	memset(msg, 0xff, sizeof msg);
	out = escaped(msg, sizeof msg + 0, 4096);
	g_assert_cmpuint(strlen(out), ==, 4 * sizeof msg);
}

/* One message, the --log-max it is shown with, and what the log shows. */
struct shown_case {
	const char	*path;
	const char	*msg;
	size_t		 len;
	size_t		 max;
	const char	*want;
};

/* A row of the table; msg is a string literal, NUL bytes included. */
#define SHOWN(path, msg, max, want)					\
	{ "/escape/" path, msg, sizeof msg - 1, max, want }

static const struct shown_case shown_cases[] = {
	/* Valid UTF-8 text is shown as it is. */
	SHOWN("text/ascii", "hello, world~", 256, "hello, world~"),
	SHOWN("text/cjk", "你好", 256, "你好"),
	SHOWN("text/cjk-punctuation", "你好，世界。", 256, "你好，世界。"),
	SHOWN("text/emoji", "\xf0\x9f\x98\x80", 256, "😀"),
	SHOWN("text/mixed", "héllo 你好 😀 Ωж!", 256, "héllo 你好 😀 Ωж!"),
	SHOWN("text/combining-in-middle", "e\xcc\x81", 256, "e\xcc\x81"),
	SHOWN("text/enclosing-mark-in-middle", "1\xe2\x83\xa3", 256,
	    "1\xe2\x83\xa3"),
	SHOWN("text/last-code-point", "\xf4\x8f\xbf\xbf", 256,
	    "\xf4\x8f\xbf\xbf"),
	SHOWN("text/below-surrogates", "\xed\x9f\xbf", 256, "\xed\x9f\xbf"),
	/* Visible format characters and marks outside the common combining
	 * blocks are shown (sockd(8) LOGGING). */
	SHOWN("text/arabic-number-sign", "\xd8\x80" "1", 256, "\xd8\x80" "1"),
	SHOWN("text/kana-mark-at-start", "\xe3\x82\x99", 256, "\xe3\x82\x99"),

	/* ASCII controls, DEL, raw C1 bytes: \xNN; a backslash: \\. */
	SHOWN("byte/c0", "a\tb\x1b[0m", 256, "a\\x09b\\x1b[0m"),
	SHOWN("byte/nul", "a\0b", 256, "a\\x00b"),
	SHOWN("byte/nuls", "\0\0", 256, "\\x00\\x00"),
	SHOWN("byte/del", "\x7f", 256, "\\x7f"),
	SHOWN("byte/backslash", "\\u{41}", 256, "\\\\u{41}"),
	SHOWN("byte/c1-raw", "\x85\x9b", 256, "\\x85\\x9b"),

	/* Bytes that are not valid UTF-8: \xNN, byte by byte. */
	SHOWN("invalid/lone-continuation", "a\x80" "b", 256, "a\\x80b"),
	SHOWN("invalid/truncated-2", "\xc3(", 256, "\\xc3("),
	SHOWN("invalid/truncated-3", "\xe4\xbd", 256, "\\xe4\\xbd"),
	SHOWN("invalid/truncated-3-then-text", "\xe4\xbdx", 256,
	    "\\xe4\\xbdx"),
	SHOWN("invalid/truncated-4", "\xf0\x9f\x98", 256,
	    "\\xf0\\x9f\\x98"),
	SHOWN("invalid/truncated-then-char", "\xe4你", 256, "\\xe4你"),
	SHOWN("invalid/overlong-2", "\xc0\x80", 256, "\\xc0\\x80"),
	SHOWN("invalid/overlong-2-top", "\xc1\xbf", 256, "\\xc1\\xbf"),
	SHOWN("invalid/overlong-3", "\xe0\x80\x80", 256,
	    "\\xe0\\x80\\x80"),
	SHOWN("invalid/overlong-3-top", "\xe0\x9f\xbf", 256,
	    "\\xe0\\x9f\\xbf"),
	SHOWN("invalid/overlong-4", "\xf0\x8f\xbf\xbf", 256,
	    "\\xf0\\x8f\\xbf\\xbf"),
	SHOWN("invalid/surrogate-high", "\xed\xa0\x80", 256,
	    "\\xed\\xa0\\x80"),
	SHOWN("invalid/surrogate-low", "\xed\xbf\xbf", 256,
	    "\\xed\\xbf\\xbf"),
	SHOWN("invalid/above-10ffff", "\xf4\x90\x80\x80", 256,
	    "\\xf4\\x90\\x80\\x80"),
	SHOWN("invalid/f5-to-ff", "\xf5\xf8\xfe\xff", 256,
	    "\\xf5\\xf8\\xfe\\xff"),
	SHOWN("invalid/f5-sequence", "\xf5\x80\x80\x80", 256,
	    "\\xf5\\x80\\x80\\x80"),

	/* Valid characters that are controls, or hide or reorder text. */
	SHOWN("hidden/c1", "\xc2\x85\xc2\x9b", 256, "\\u{0085}\\u{009B}"),
	SHOWN("hidden/right-to-left-override", "a\xe2\x80\xae" "b", 256,
	    "a\\u{202E}b"),
	SHOWN("hidden/embedding", "\xe2\x80\xaa" "x\xe2\x80\xac", 256,
	    "\\u{202A}x\\u{202C}"),
	SHOWN("hidden/isolates", "\xe2\x81\xa6" "x\xe2\x81\xa9", 256,
	    "\\u{2066}x\\u{2069}"),
	SHOWN("hidden/direction-marks", "\xe2\x80\x8e\xe2\x80\x8f\xd8\x9c",
	    256, "\\u{200E}\\u{200F}\\u{061C}"),
	SHOWN("hidden/line-separators", "a\xe2\x80\xa8" "b\xe2\x80\xa9", 256,
	    "a\\u{2028}b\\u{2029}"),
	SHOWN("hidden/zero-width", "a\xe2\x80\x8b" "b\xe2\x80\x8c" "c", 256,
	    "a\\u{200B}b\\u{200C}c"),
	SHOWN("hidden/joiner-in-emoji",
	    "\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9", 256,
	    "👨\\u{200D}👩"),
	SHOWN("hidden/word-joiner-and-bom", "\xe2\x81\xa0\xef\xbb\xbf", 256,
	    "\\u{2060}\\u{FEFF}"),
	SHOWN("hidden/soft-hyphen", "in\xc2\xadvisible", 256,
	    "in\\u{00AD}visible"),
	SHOWN("hidden/mongolian-vowel-separator", "\xe1\xa0\x8e", 256,
	    "\\u{180E}"),
	SHOWN("hidden/invisible-operators", "\xe2\x81\xa1\xe2\x81\xa4", 256,
	    "\\u{2061}\\u{2064}"),
	SHOWN("hidden/annotation", "\xef\xbf\xb9" "x\xef\xbf\xbb", 256,
	    "\\u{FFF9}x\\u{FFFB}"),
	SHOWN("hidden/tags", "\xf3\xa0\x81\x81\xf3\xa0\x81\xbf", 256,
	    "\\u{E0041}\\u{E007F}"),
	SHOWN("hidden/variation-selector", "\xe2\x9d\xa4\xef\xb8\x8f", 256,
	    "❤\\u{FE0F}"),
	SHOWN("hidden/variation-selector-supplement", "\xf3\xa0\x84\x80",
	    256, "\\u{E0100}"),
	SHOWN("hidden/hangul-filler", "\xe3\x85\xa4", 256, "\\u{3164}"),
	SHOWN("hidden/grapheme-joiner", "a\xcd\x8f", 256, "a\\u{034F}"),

	/* A combining mark where it would draw over sockd's own text. */
	SHOWN("combining/at-start", "\xcc\x81" "e", 256, "\\u{0301}e"),
	SHOWN("combining/two-at-start", "\xcc\x81\xcc\x88", 256,
	    "\\u{0301}\\u{0308}"),
	SHOWN("combining/after-escape", "\x01\xcc\x81", 256,
	    "\\x01\\u{0301}"),
	SHOWN("combining/after-backslash", "\\\xcc\x81", 256,
	    "\\\\\\u{0301}"),
	SHOWN("combining/after-hidden", "\xe2\x80\xae\xcc\x81", 256,
	    "\\u{202E}\\u{0301}"),
	SHOWN("combining/extended-at-start", "\xe1\xaa\xb0", 256,
	    "\\u{1AB0}"),
	SHOWN("combining/supplement-at-start", "\xe1\xb7\xbf", 256,
	    "\\u{1DFF}"),
	SHOWN("combining/for-symbols-at-start", "\xe2\x83\xa3", 256,
	    "\\u{20E3}"),
	SHOWN("combining/half-marks-at-start", "\xef\xb8\xa0", 256,
	    "\\u{FE20}"),

	/* --log-max counts bytes of the message and never cuts a character. */
	SHOWN("cut/before-second-character", "你好", 4, "你...(6 bytes)"),
	SHOWN("cut/after-first-character", "你好", 3, "你...(6 bytes)"),
	SHOWN("cut/inside-first-character", "你好", 2, "...(6 bytes)"),
	SHOWN("cut/whole-message-fits", "你好", 6, "你好"),
	SHOWN("cut/inside-emoji", "a\xf0\x9f\x98\x80", 4, "a...(5 bytes)"),
	SHOWN("cut/inside-hidden-character", "a\xe2\x80\xae", 3,
	    "a...(4 bytes)"),
	SHOWN("cut/between-invalid-bytes", "ab\xe4\xbd", 3,
	    "ab\\xe4...(4 bytes)"),
	SHOWN("cut/counts-input-bytes", "\x01\x02\x03", 2,
	    "\\x01\\x02...(3 bytes)"),
};

/* A row of shown_cases, into a buffer of exactly ESCAPE_SIZE(max). */
static void
test_shown(gconstpointer data)
{
	const struct shown_case *c = data;
	char *out = g_malloc(ESCAPE_SIZE(c->max));
	size_t n;

	n = escape_message(c->msg, c->len, c->max, out, ESCAPE_SIZE(c->max));
	g_assert_cmpstr(out, ==, c->want);
	g_assert_cmpuint(n, ==, strlen(c->want));
	g_free(out);
}

/* Run every test; each row of shown_cases is a test of its own. */
int
main(int argc, char **argv)
{
	size_t i;

	g_test_init(&argc, &argv, NULL);
	for (i = 0; i < G_N_ELEMENTS(shown_cases); i++)
		g_test_add_data_func(shown_cases[i].path, &shown_cases[i],
		    test_shown);
	g_test_add_func("/escape/printable-unchanged",
	    test_printable_unchanged);
	g_test_add_func("/escape/control-bytes-hex", test_control_bytes_hex);
	g_test_add_func("/escape/nul-and-high-bytes", test_nul_and_high_bytes);
	g_test_add_func("/escape/backslash-doubled", test_backslash_doubled);
	g_test_add_func("/escape/newline-cannot-forge-line",
	    test_newline_cannot_forge_line);
	g_test_add_func("/escape/truncated-with-length",
	    test_truncated_with_length);
	g_test_add_func("/escape/exact-limit-not-truncated",
	    test_exact_limit_not_truncated);
	g_test_add_func("/escape/zero-limit", test_zero_limit);
	g_test_add_func("/escape/small-output-buffer-safe",
	    test_small_output_buffer_safe);
	g_test_add_func("/escape/worst-case-fits", test_worst_case_fits);
	return g_test_run();
}
