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

/*
 * What sockd(8) LOGGING says must never reach the log as it is: C0, DEL
 * and C1 controls, U+2028 and U+2029, the interlinear annotation
 * characters, every Default_Ignorable_Code_Point (as listed in Unicode's
 * DerivedCoreProperties.txt), and, after_ours (at the start or after an
 * escape), a combining mark of the five common blocks.  Written from the
 * page, apart from escape.c's table, so each checks the other.
 */
static gboolean
must_escape(gunichar cp, gboolean after_ours)
{
	gboolean control, ignorable, combining;

	control = cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x2028 ||
	    cp == 0x2029 || (cp >= 0xfff9 && cp <= 0xfffb);
	ignorable = cp == 0x00ad || cp == 0x034f || cp == 0x061c ||
	    cp == 0x115f || cp == 0x1160 || cp == 0x17b4 || cp == 0x17b5 ||
	    (cp >= 0x180b && cp <= 0x180f) || (cp >= 0x200b && cp <= 0x200f) ||
	    (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2060 && cp <= 0x206f) ||
	    cp == 0x3164 || (cp >= 0xfe00 && cp <= 0xfe0f) || cp == 0xfeff ||
	    cp == 0xffa0 || (cp >= 0xfff0 && cp <= 0xfff8) ||
	    (cp >= 0x1bca0 && cp <= 0x1bca3) ||
	    (cp >= 0x1d173 && cp <= 0x1d17a) ||
	    (cp >= 0xe0000 && cp <= 0xe0fff);
	combining = (cp >= 0x0300 && cp <= 0x036f) ||
	    (cp >= 0x1ab0 && cp <= 0x1aff) || (cp >= 0x1dc0 && cp <= 0x1dff) ||
	    (cp >= 0x20d0 && cp <= 0x20ff) || (cp >= 0xfe20 && cp <= 0xfe2f);
	return control || ignorable || (after_ours && combining);
}

/*
 * Write cp as a UTF-8 sequence of k bytes (1 to 4), overlong if it needs
 * fewer; surrogates and values up to U+1FFFFF too, so tests can make the
 * sequences sockd must refuse.
 */
static size_t
encode_in(guint32 cp, size_t k, guchar *b)
{
	static const guchar lead[] = { 0, 0, 0xc0, 0xe0, 0xf0 };
	size_t i;

	for (i = k - 1; i > 0; i--) {
		b[i] = (guchar)(0x80 | (cp & 0x3f));
		cp >>= 6;
	}
	b[0] = (guchar)(lead[k] | cp);
	return k;
}

/* Write cp as UTF-8, in as few bytes as it needs. */
static size_t
encode(guint32 cp, guchar *b)
{
	return encode_in(cp, cp < 0x80 ? 1 : cp < 0x800 ? 2 :
	    cp < 0x10000 ? 3 : 4, b);
}

/* Length of the valid UTF-8 character at s (n bytes left), by GLib's
 * reading of UTF-8, or 0. */
static size_t
valid_char_len(const guchar *s, size_t n)
{
	size_t k;

	if (s[0] < 0x80)
		return 1;
	k = (size_t)g_utf8_skip[s[0]];
	if (k < 2 || k > n || !g_utf8_validate((const gchar *)s, (gssize)k,
	    NULL))
		return 0;
	return k;
}

/*
 * Read text back into the message bytes it stands for, checking on the
 * way that each piece is what sockd(8) says: a character shown as it is
 * must not be one to escape, \xNN only for a byte that is a control or
 * not valid UTF-8, \u{XXXX} (4 to 6 upper-case digits) only for a
 * character to escape.  Returns how many bytes of msg the text stands for.
 */
static size_t
unescape_checked(const guchar *msg, size_t len, const char *text,
    size_t textlen)
{
	const char *p = text, *end = text + textlen;
	gboolean after_ours = TRUE;
	guchar bytes[8];
	size_t pos = 0, k;
	gunichar cp;
	char *canon, *close;
	int hi, lo;

	while (p < end) {
		if (p[0] != '\\') {
			cp = g_utf8_get_char(p);
			k = (size_t)g_utf8_skip[(guchar)p[0]];
			if (must_escape(cp, after_ours))
				g_error("U+%04X is shown as it is", cp);
			g_assert_cmpuint(pos + k, <=, len);
			g_assert_true(memcmp(msg + pos, p, k) == 0);
			pos += k;
			p += k;
			after_ours = FALSE;
			continue;
		}
		g_assert_true(p + 1 < end);
		if (p[1] == '\\') {
			g_assert_cmpuint(pos, <, len);
			g_assert_cmpint(msg[pos], ==, '\\');
			pos++;
			p += 2;
		} else if (p[1] == 'x') {
			g_assert_true(p + 3 < end);
			hi = g_ascii_xdigit_value(p[2]);
			lo = g_ascii_xdigit_value(p[3]);
			g_assert_true(hi >= 0 && lo >= 0);
			g_assert_false(g_ascii_isupper(p[2]) ||
			    g_ascii_isupper(p[3]));
			g_assert_cmpuint(pos, <, len);
			g_assert_cmpint(msg[pos], ==, hi << 4 | lo);
			if (msg[pos] >= 0x80)
				g_assert_cmpuint(valid_char_len(msg + pos,
				    len - pos), ==, 0);
			else
				g_assert_true(msg[pos] < 0x20 ||
				    msg[pos] == 0x7f);
			pos++;
			p += 4;
		} else {
			g_assert_cmpint(p[1], ==, 'u');
			g_assert_cmpint(p[2], ==, '{');
			close = memchr(p, '}', (size_t)(end - p));
			g_assert_nonnull(close);
			cp = (gunichar)g_ascii_strtoull(p + 3, NULL, 16);
			canon = g_strdup_printf("\\u{%04X}", cp);
			g_assert_cmpuint(strlen(canon), ==, close + 1 - p);
			g_assert_true(memcmp(canon, p, strlen(canon)) == 0);
			g_free(canon);
			if (cp < 0x80 || !must_escape(cp, after_ours))
				g_error("U+%04X is escaped", cp);
			k = encode(cp, bytes);
			g_assert_cmpuint(pos + k, <=, len);
			g_assert_true(memcmp(msg + pos, bytes, k) == 0);
			pos += k;
			p = close + 1;
		}
		after_ours = TRUE;
	}
	return pos;
}

/*
 * Check out, the escaped msg shown with max: whole and in bounds, no
 * control byte, valid UTF-8, and the text before "...(N bytes)" the
 * longest prefix of whole characters within max bytes.
 */
static void
check_escaped(const guchar *msg, size_t len, size_t max, const char *out,
    size_t n)
{
	char *tail = g_strdup_printf("...(%zu bytes)", len);
	size_t i, taillen = strlen(tail), pos, unit;

	g_assert_cmpuint(n, <, ESCAPE_SIZE(max));
	g_assert_cmpuint(strlen(out), ==, n);
	for (i = 0; i < n; i++)
		g_assert_true((guchar)out[i] >= 0x20 && out[i] != 0x7f);
	g_assert_true(g_utf8_validate(out, (gssize)n, NULL));
	if (len > max) {
		/* Cut: all the whole units that fit, then the tail. */
		g_assert_cmpuint(n, >=, taillen);
		g_assert_cmpstr(out + n - taillen, ==, tail);
		pos = unescape_checked(msg, len, out, n - taillen);
		g_assert_cmpuint(pos, <=, max);
		g_assert_cmpuint(n - taillen, <=, 4 * pos);
		unit = valid_char_len(msg + pos, len - pos);
		if (pos < max)
			g_assert_cmpuint(pos + (unit > 0 ? unit : 1), >, max);
	} else {
		pos = unescape_checked(msg, len, out, n);
		g_assert_cmpuint(pos, ==, len);
		g_assert_cmpuint(n, <=, 4 * len);
	}
	g_free(tail);
}

/* Code points the random messages favour: every edge of what is escaped,
 * and some text. */
static const guint32 edge_points[] = {
	0x7f, 0x80, 0x85, 0x9f, 0xa0, 0xac, 0xad, 0xae, 0x2ff, 0x300, 0x301,
	0x34e, 0x34f, 0x350, 0x36f, 0x370, 0x61b, 0x61c, 0x61d, 0x115e,
	0x115f, 0x1160, 0x17b4, 0x17b5, 0x180a, 0x180b, 0x180e, 0x180f,
	0x1810, 0x1aaf, 0x1ab0, 0x1aff, 0x1b00, 0x1dbf, 0x1dc0, 0x1dff,
	0x1e00, 0x200a, 0x200b, 0x200d, 0x200f, 0x2010, 0x2027, 0x2028,
	0x2029, 0x202a, 0x202e, 0x202f, 0x205f, 0x2060, 0x2064, 0x2066,
	0x2069, 0x206f, 0x2070, 0x20cf, 0x20d0, 0x20ff, 0x2100, 0x3000,
	0x3002, 0x3099, 0x3163, 0x3164, 0x3165, 0x4f60, 0x597d, 0xd7ff,
	0xe000, 0xfdff, 0xfe00, 0xfe0f, 0xfe10, 0xfe1f, 0xfe20, 0xfe2f,
	0xfe30, 0xfefe, 0xfeff, 0xff00, 0xff0c, 0xff9f, 0xffa0, 0xffa1,
	0xffef, 0xfff0, 0xfff8, 0xfff9, 0xfffb, 0xfffc, 0xfffd, 0xffff,
	0x10000, 0x1bc9f, 0x1bca0, 0x1bca3, 0x1d172, 0x1d173, 0x1d17a,
	0x1f600, 0x1f468, 0xdffff, 0xe0000, 0xe0001, 0xe0041, 0xe007f,
	0xe0100, 0xe0fff, 0xe1000, 0x10fffe, 0x10ffff,
};

/* Append one random piece to a message: ASCII, any byte, a character
 * near an edge or anywhere, or a broken or overlong sequence. */
static void
append_random_piece(GByteArray *msg)
{
	guchar b[8];
	guint32 cp;
	size_t k;

	switch (g_test_rand_int_range(0, 8)) {
	case 0:		/* a run long enough for the ASCII path */
		for (k = (size_t)g_test_rand_int_range(1, 24); k > 0; k--) {
			b[0] = (guchar)g_test_rand_int_range(0x20, 0x7f);
			g_byte_array_append(msg, b, 1);
		}
		return;
	case 1:
		b[0] = (guchar)g_test_rand_int_range(0, 0x80);
		g_byte_array_append(msg, b, 1);
		return;
	case 2:
		b[0] = (guchar)g_test_rand_int_range(0, 0x100);
		g_byte_array_append(msg, b, 1);
		return;
	case 3:
	case 4:
		cp = edge_points[g_test_rand_int_range(0,
		    G_N_ELEMENTS(edge_points))];
		break;
	case 5:		/* surrogates and past U+10FFFF included */
		cp = (guint32)g_test_rand_int_range(0x80, 0x140000);
		break;
	case 6:		/* truncated */
		cp = (guint32)g_test_rand_int_range(0x80, 0x110000);
		k = encode(cp, b);
		g_byte_array_append(msg, b, (guint)g_test_rand_int_range(1,
		    (gint32)k));
		return;
	default:	/* overlong: in one byte more than it needs */
		cp = (guint32)g_test_rand_int_range(0, 0x10000);
		k = encode_in(cp, encode(cp, b) + 1, b);
		g_byte_array_append(msg, b, (guint)k);
		return;
	}
	k = encode(cp, b);
	g_byte_array_append(msg, b, (guint)k);
}

/* Random messages at random limits, from pieces that lie at every edge
 * of what is escaped, come out as check_escaped() says, each into a
 * buffer of exactly ESCAPE_SIZE(max). */
static void
test_random_messages(void)
{
	GByteArray *msg;
	size_t len, max, n;
	char *out;
	int round;

	for (round = 0; round < 5000; round++) {
		msg = g_byte_array_new();
		len = (size_t)g_test_rand_int_range(0, 300);
		while (msg->len < len)
			append_random_piece(msg);
		max = (size_t)g_test_rand_int_range(0, (gint32)msg->len + 8);
		out = g_malloc(ESCAPE_SIZE(max));
		n = escape_message((const char *)msg->data, msg->len, max, out,
		    ESCAPE_SIZE(max));
		check_escaped(msg->data, msg->len, max, out, n);
		g_free(out);
		g_byte_array_unref(msg);
	}
}

/* Write into want what the log shows for before, then the character cp
 * escaped or as it is. */
static void
expect_char(char *want, size_t size, const char *before, guint32 cp,
    gboolean escape)
{
	guchar b[4];
	size_t k;

	if (cp == '\\')
		g_snprintf(want, size, "%s\\\\", before);
	else if (escape && cp < 0x80)
		g_snprintf(want, size, "%s\\x%02x", before, cp);
	else if (escape)
		g_snprintf(want, size, "%s\\u{%04X}", before, cp);
	else {
		k = encode(cp, b);
		g_snprintf(want, size, "%s%.*s", before, (int)k, b);
	}
}

/* Every code point, after a letter and at the start, is escaped exactly
 * when must_escape() says so. */
static void
test_every_code_point(void)
{
	char msg[8], want[32], out[ESCAPE_SIZE(8)];
	guint32 cp;
	size_t k;

	for (cp = 0; cp <= 0x10ffff; cp++) {
		if (cp >= 0xd800 && cp <= 0xdfff)
			continue;
		msg[0] = 'a';
		k = encode(cp, (guchar *)msg + 1);
		escape_message(msg, k + 1, 8, out, sizeof out);
		expect_char(want, sizeof want, "a", cp, must_escape(cp, FALSE));
		/* Asserted only when wrong: a million asserts take long. */
		if (strcmp(out, want) != 0)
			g_assert_cmpstr(out, ==, want);
		escape_message(msg + 1, k, 8, out, sizeof out);
		expect_char(want, sizeof want, "", cp, must_escape(cp, TRUE));
		if (strcmp(out, want) != 0)
			g_assert_cmpstr(out, ==, want);
	}
}

/*
 * Every control, separator and format character that GLib's Unicode data
 * knows is one must_escape() names, but for the format characters that
 * are visible marks (sockd(8) LOGGING): should a newer Unicode add one,
 * this fails and names it, to be decided.
 */
static void
test_format_characters_decided(void)
{
	GUnicodeType type;
	gunichar cp;
	gboolean visible;

	for (cp = 0; cp <= 0x10ffff; cp++) {
		type = g_unichar_type(cp);
		if (type != G_UNICODE_CONTROL && type != G_UNICODE_FORMAT &&
		    type != G_UNICODE_LINE_SEPARATOR &&
		    type != G_UNICODE_PARAGRAPH_SEPARATOR)
			continue;
		/* Arabic, Syriac and Kaithi number marks, Egyptian
		 * hieroglyph layout: drawn, not hidden. */
		visible = (cp >= 0x0600 && cp <= 0x0605) || cp == 0x06dd ||
		    cp == 0x070f || cp == 0x0890 || cp == 0x0891 ||
		    cp == 0x08e2 || cp == 0x110bd || cp == 0x110cd ||
		    (cp >= 0x13430 && cp <= 0x1343f);
		if (!visible && !must_escape(cp, FALSE))
			g_error("U+%04X is a control or format character "
			    "that is shown as it is", cp);
	}
}

/* ESCAPE_SIZE(max) holds the escape of any message: each pattern that
 * costs most output per input byte, repeated, at several limits, into a
 * buffer of exactly that size. */
static void
test_size_bound(void)
{
	static const char *const patterns[] = {
		"\xff",			/* never UTF-8: 4 for 1 */
		"\x01",
		"\\",
		"\xc2\x85",		/* C1: 8 for 2 */
		"\xcc\x81",		/* marks after each other's escape */
		"\x01\xcc\x81",
		"\xe2\x80\xae",		/* 8 for 3 */
		"\xf3\xa0\x81\x81",	/* a tag: 9 for 4 */
		"\xf4\x8f\xbf",		/* cut short: 12 for 3 */
	};
	static const size_t maxes[] = { 0, 1, 2, 3, 4, 100, 4095, 4096 };
	guchar msg[4096];
	size_t i, j, k, n, plen;
	char *out;

	for (i = 0; i < G_N_ELEMENTS(patterns); i++) {
		plen = strlen(patterns[i]);
		for (k = 0; k < sizeof msg; k++)
			msg[k] = (guchar)patterns[i][k % plen];
		for (j = 0; j < G_N_ELEMENTS(maxes); j++) {
			out = g_malloc(ESCAPE_SIZE(maxes[j]));
			n = escape_message((const char *)msg, sizeof msg,
			    maxes[j], out, ESCAPE_SIZE(maxes[j]));
			check_escaped(msg, sizeof msg, maxes[j], out, n);
			if (i == 0)	/* the bound is reached */
				g_assert_cmpuint(n, ==, 4 * maxes[j] +
				    (maxes[j] < sizeof msg ?
				    strlen("...(4096 bytes)") : 0));
			g_free(out);
		}
	}
}

/* However short the buffer, the text ends in it, NUL-terminated, and
 * never in half a character. */
static void
test_short_buffers(void)
{
	static const char msg[] =
	    "你好\x01\xe2\x80\xae\xf0\x9f\x98\x80 abc\\ \xff";
	size_t outsz, n;
	char *out;

	g_assert_cmpuint(escape_message(msg, sizeof msg - 1, 256, NULL, 0),
	    ==, 0);
	for (outsz = 1; outsz <= ESCAPE_SIZE(sizeof msg); outsz++) {
		out = g_malloc(outsz);
		n = escape_message(msg, sizeof msg - 1, 256, out, outsz);
		g_assert_cmpuint(n, <, outsz);
		g_assert_cmpuint(strlen(out), ==, n);
		g_assert_true(g_utf8_validate(out, (gssize)n, NULL));
		g_free(out);
	}
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
	g_test_add_func("/escape/random-messages", test_random_messages);
	g_test_add_func("/escape/every-code-point", test_every_code_point);
	g_test_add_func("/escape/format-characters-decided",
	    test_format_characters_decided);
	g_test_add_func("/escape/size-bound", test_size_bound);
	g_test_add_func("/escape/short-buffers", test_short_buffers);
	return g_test_run();
}
