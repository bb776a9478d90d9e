/*
 * test-escape.c - what a client's bytes look like in the log.
 */
#include "build-config.h"

#include <glib.h>
#include <string.h>

#include "escape.h"

static char *
escaped(const char *msg, size_t len, size_t max)
{
	static char out[ESCAPE_SIZE(4096)];

	escape_message(msg, len, max, out, sizeof out);
	return out;
}

static void
test_printable_unchanged(void)
{
	g_assert_cmpstr(escaped("hello world~!", 13, 256), ==, "hello world~!");
}

static void
test_control_bytes_hex(void)
{
	g_assert_cmpstr(escaped("a\nb\r\t\x1b[31m", 10, 256), ==,
	    "a\\x0ab\\x0d\\x09\\x1b[31m");
}

static void
test_nul_and_high_bytes(void)
{
	g_assert_cmpstr(escaped("\0\x7f\x80\xff", 4, 256), ==,
	    "\\x00\\x7f\\x80\\xff");
}

static void
test_backslash_doubled(void)
{
	/* So "\x41" typed by a client cannot pass for an escaped byte. */
	g_assert_cmpstr(escaped("\\x41", 4, 256), ==, "\\\\x41");
}

static void
test_newline_cannot_forge_line(void)
{
	const char *forged = "hi\n2026-01-01T00:00:00.000Z notice: stopped";
	char *out = escaped(forged, strlen(forged), 256);

	g_assert_null(strchr(out, '\n'));
}

static void
test_truncated_with_length(void)
{
	g_assert_cmpstr(escaped("abcdefgh", 8, 4), ==, "abcd...(8 bytes)");
}

static void
test_exact_limit_not_truncated(void)
{
	g_assert_cmpstr(escaped("abcd", 4, 4), ==, "abcd");
}

static void
test_zero_limit(void)
{
	g_assert_cmpstr(escaped("abc", 3, 0), ==, "...(3 bytes)");
}

static void
test_small_output_buffer_safe(void)
{
	char out[8];
	size_t n = escape_message("\x01\x02\x03\x04", 4, 256, out, sizeof out);

	g_assert_cmpuint(n, <, sizeof out);
	g_assert_cmpuint(strlen(out), ==, n);
}

static void
test_worst_case_fits(void)
{
	char msg[4096];
	char *out;

	memset(msg, 0xff, sizeof msg);
	out = escaped(msg, sizeof msg + 0, 4096);
	g_assert_cmpuint(strlen(out), ==, 4 * sizeof msg);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/escape/printable-unchanged", test_printable_unchanged);
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
