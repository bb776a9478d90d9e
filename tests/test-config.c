/*
 * test-config.c - command line parsing and range checks.
 */
#include "build-config.h"

#include <glib.h>
#include <string.h>

#include "config.h"
#include "number.h"

struct parsed {
	struct settings s;
	enum config_result result;
	char err[CONFIG_ERR_MAX];
};

/* Parse a NULL-terminated argument list after "sockd". */
static void
parse(struct parsed *p, ...)
{
	const char *argv[32] = { "sockd" };
	const char *a;
	int argc = 1;
	va_list ap;

	va_start(ap, p);
	while ((a = va_arg(ap, const char *)) != NULL)
		argv[argc++] = a;
	va_end(ap);
	argv[argc] = NULL;
	memset(p->err, 0, sizeof p->err);
	config_defaults(&p->s);
	p->result = config_parse_args(&p->s, argc, (char **)argv, p->err,
	    sizeof p->err);
}

static void
test_defaults(void)
{
	struct parsed p;

	parse(&p, NULL);
	g_assert_cmpint(p.result, ==, CONFIG_OK);
	g_assert_cmpuint(p.s.nlisten, ==, 1);
	g_assert_cmpstr(p.s.listen[0].host, ==, "127.0.0.1");
	g_assert_cmpuint(p.s.listen[0].port, ==, 8001);
	g_assert_cmpuint(p.s.workers, ==, 256);
	g_assert_cmpuint(p.s.queue, ==, 1024);
	g_assert_cmpuint(p.s.backlog, ==, 128);
	g_assert_cmpuint(p.s.timeout, ==, 10);
	g_assert_cmpint(p.s.framing, ==, FRAMING_RAW);
	g_assert_cmpstr(p.s.reply, ==, "ok");
	g_assert_false(p.s.echo);
	g_assert_cmpuint(p.s.max_line, ==, 65536);
	g_assert_cmpint(p.s.log_level, ==, LOG_LEVEL_INFO);
	g_assert_cmpuint(p.s.log_max, ==, 256);
	g_assert_cmpuint(p.s.shutdown_timeout, ==, 10);
	g_assert_cmpuint(p.s.max_per_ip, ==, 0);
	g_assert_null(p.s.metrics);
	config_free(&p.s);
}

static void
test_short_and_long_forms(void)
{
	struct parsed p;

	parse(&p, "-w", "4", "-q", "8", "-b", "16", "-t", "0", "-p", "0",
	    "--framing", "line", "--reply", "pong", "--max-line", "10",
	    "--log-level", "debug", "--log-max", "0", "--shutdown-timeout",
	    "3", "--max-per-ip", "5", "--metrics", "[::1]:9101", NULL);
	g_assert_cmpint(p.result, ==, CONFIG_OK);
	g_assert_cmpuint(p.s.workers, ==, 4);
	g_assert_cmpuint(p.s.queue, ==, 8);
	g_assert_cmpuint(p.s.backlog, ==, 16);
	g_assert_cmpuint(p.s.timeout, ==, 0);
	g_assert_cmpuint(p.s.listen[0].port, ==, 0);
	g_assert_cmpint(p.s.framing, ==, FRAMING_LINE);
	g_assert_cmpstr(p.s.reply, ==, "pong");
	g_assert_cmpuint(p.s.max_line, ==, 10);
	g_assert_cmpint(p.s.log_level, ==, LOG_LEVEL_DEBUG);
	g_assert_cmpuint(p.s.log_max, ==, 0);
	g_assert_cmpuint(p.s.shutdown_timeout, ==, 3);
	g_assert_cmpuint(p.s.max_per_ip, ==, 5);
	g_assert_cmpstr(p.s.metrics, ==, "[::1]:9101");
	g_assert_cmpstr(p.s.metrics_addr.host, ==, "::1");
	g_assert_cmpuint(p.s.metrics_addr.port, ==, 9101);
	config_free(&p.s);

	parse(&p, "--workers=7", "--port=9000", NULL);
	g_assert_cmpint(p.result, ==, CONFIG_OK);
	g_assert_cmpuint(p.s.workers, ==, 7);
	g_assert_cmpuint(p.s.listen[0].port, ==, 9000);
	config_free(&p.s);
}

static void
test_listen_repeatable_with_port_default(void)
{
	struct parsed p;

	/* --port applies to entries without one, wherever it appears. */
	parse(&p, "-l", "[::1]", "--listen", "127.0.0.1:9001", "-p", "7000",
	    "-l", "localhost", NULL);
	g_assert_cmpint(p.result, ==, CONFIG_OK);
	g_assert_cmpuint(p.s.nlisten, ==, 3);
	g_assert_cmpstr(p.s.listen[0].host, ==, "::1");
	g_assert_cmpuint(p.s.listen[0].port, ==, 7000);
	g_assert_cmpuint(p.s.listen[1].port, ==, 9001);
	g_assert_cmpstr(p.s.listen[2].host, ==, "localhost");
	config_free(&p.s);
}

static void
test_echo_and_reply_last_wins(void)
{
	struct parsed p;

	parse(&p, "--reply", "x", "--echo", NULL);
	g_assert_true(p.s.echo);
	config_free(&p.s);
	parse(&p, "--echo", "--reply", "x", NULL);
	g_assert_false(p.s.echo);
	g_assert_cmpstr(p.s.reply, ==, "x");
	config_free(&p.s);
}

static void
test_relative_paths_made_absolute(void)
{
	struct parsed p;

	/* --daemon moves to /: files must still be where the user meant. */
	parse(&p, "--pidfile", "run/x.pid", "--log-file", "/var/log/x.log",
	    NULL);
	g_assert_cmpint(p.result, ==, CONFIG_OK);
	g_assert_true(g_str_has_prefix(p.s.pidfile, "/"));
	g_assert_true(g_str_has_suffix(p.s.pidfile, "/run/x.pid"));
	g_assert_cmpstr(p.s.log_file, ==, "/var/log/x.log");
	config_free(&p.s);
}

static void
test_help_and_version(void)
{
	struct parsed p;

	parse(&p, "--help", NULL);
	g_assert_cmpint(p.result, ==, CONFIG_HELP);
	config_free(&p.s);
	parse(&p, "-V", NULL);
	g_assert_cmpint(p.result, ==, CONFIG_VERSION);
	config_free(&p.s);
}

/* Each bad argument list is refused with an error naming the option. */
static void
assert_refused(const char *named, const char *a, const char *b)
{
	struct parsed p;

	parse(&p, a, b, NULL);
	g_assert_cmpint(p.result, ==, CONFIG_ERROR);
	g_assert_nonnull(strstr(p.err, named));
	g_assert_null(strchr(p.err, '\n'));
	config_free(&p.s);
}

static void
test_range_checks(void)
{
	assert_refused("--workers", "--workers", "0");
	assert_refused("--workers", "--workers", "4097");
	assert_refused("--workers", "-w", "-1");
	assert_refused("--workers", "-w", "12abc");
	assert_refused("--workers", "-w", "");
	assert_refused("--port", "--port", "65536");
	assert_refused("--queue", "--queue", "0");
	assert_refused("--backlog", "--backlog", "0");
	assert_refused("--timeout", "--timeout", "86401");
	assert_refused("--max-line", "--max-line", "0");
	assert_refused("--log-max", "--log-max", "4097");
	assert_refused("--shutdown-timeout", "--shutdown-timeout", "99999");
	assert_refused("--workers", "--workers",
	    "99999999999999999999999999");
}

static void
test_bad_words(void)
{
	assert_refused("--framing", "--framing", "lines");
	assert_refused("--log-level", "--log-level", "loud");
	assert_refused("--listen", "--listen", "[::1");
	assert_refused("--listen", "--listen", "127.0.0.1:http");
	assert_refused("--listen", "--listen", ":8001");
	assert_refused("--bogus", "--bogus", NULL);
	assert_refused("-x", "-x", NULL);
	assert_refused("needs a value", "--port", NULL);
	assert_refused("takes no value", "--echo=yes", NULL);
	assert_refused("unexpected argument 'extra'", "extra", NULL);
}

/* The number parser every program shares: digits only, in range. */
static void
test_number_parse(void)
{
	unsigned long long v = 7;

	g_assert_cmpint(number_parse("0", 0, 10, &v), ==, 0);
	g_assert_cmpuint(v, ==, 0);
	g_assert_cmpint(number_parse("65535", 1, 65535, &v), ==, 0);
	g_assert_cmpuint(v, ==, 65535);
	g_assert_cmpint(number_parse("65536", 1, 65535, &v), ==, -1);
	g_assert_cmpint(number_parse("0", 1, 10, &v), ==, -1);
	g_assert_cmpint(number_parse("", 0, 10, &v), ==, -1);
	g_assert_cmpint(number_parse("-1", 0, ~0ULL, &v), ==, -1);
	g_assert_cmpint(number_parse("+1", 0, 10, &v), ==, -1);
	g_assert_cmpint(number_parse(" 1", 0, 10, &v), ==, -1);
	g_assert_cmpint(number_parse("1 ", 0, 10, &v), ==, -1);
	g_assert_cmpint(number_parse("12x", 0, 100, &v), ==, -1);
	g_assert_cmpint(number_parse("99999999999999999999", 0, ~0ULL, &v),
	    ==, -1);
	g_assert_cmpuint(v, ==, 65535);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/config/defaults", test_defaults);
	g_test_add_func("/config/short-and-long-forms",
	    test_short_and_long_forms);
	g_test_add_func("/config/listen-repeatable-with-port-default",
	    test_listen_repeatable_with_port_default);
	g_test_add_func("/config/echo-and-reply-last-wins",
	    test_echo_and_reply_last_wins);
	g_test_add_func("/config/help-and-version", test_help_and_version);
	g_test_add_func("/config/relative-paths-made-absolute",
	    test_relative_paths_made_absolute);
	g_test_add_func("/config/range-checks", test_range_checks);
	g_test_add_func("/config/bad-words", test_bad_words);
	g_test_add_func("/config/number-parse", test_number_parse);
	return g_test_run();
}
