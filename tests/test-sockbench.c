/*
 * test-sockbench.c - the load generator against the real sockd: it counts
 * answers, checks their prefix, measures connection rate, speaks JSON.
 */
#include "build-config.h"

#include <glib.h>
#include <signal.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

/* A whole benchmark run, longer than any one event. */
#define RUN_MS 60000

/* Run sockbench against port with NULL-terminated arguments. */
static int
run_bench(int port, char **out, ...)
{
	const char *args[16] = { harness_program("SOCKBENCH"), "-p" };
	char port_text[16];
	int n = 3;
	va_list ap;

	g_snprintf(port_text, sizeof port_text, "%d", port);
	args[2] = port_text;
	va_start(ap, out);
	while (n < 15 && (args[n] = va_arg(ap, const char *)) != NULL)
		n++;
	va_end(ap);
	args[n] = NULL;
	return run_program(args, NULL, out, NULL, RUN_MS);
}

/* Every answer is counted and checked against --expect. */
static void
test_counts_answers(void)
{
	struct server *srv = server_start("--framing", "line", "--log-level",
	    "notice", NULL);
	char *out;

	g_assert_cmpint(run_bench(srv->port, &out, "-c", "4", "-P", "8", "-n",
	    "20000", "--expect", "ok", NULL), ==, 0);
	g_assert_true(g_str_has_prefix(out, "20000 answers in "));
	g_assert_nonnull(strstr(out, "errors 0, mismatches 0"));
	g_free(out);
	server_stop(srv);
}

/* Answers without the expected prefix are mismatches: the run fails. */
static void
test_mismatch_fails(void)
{
	struct server *srv = server_start("--framing", "line", "--reply",
	    "nope", "--log-level", "notice", NULL);
	char *out;

	g_assert_cmpint(run_bench(srv->port, &out, "-n", "100", "--expect",
	    "ok", NULL), ==, 1);
	g_assert_nonnull(strstr(out, "mismatches 100"));
	g_free(out);
	server_stop(srv);
}

/* --connect-per-message: a connection a message; --json reports it. */
static void
test_connect_per_message_json(void)
{
	struct server *srv = server_start("--framing", "line", "--log-level",
	    "notice", NULL);
	char *out;

	g_assert_cmpint(run_bench(srv->port, &out, "-c", "4",
	    "--connect-per-message", "-n", "500", "--json", NULL), ==, 0);
	g_assert_true(g_str_has_prefix(out, "{\"connections\":4,"));
	g_assert_nonnull(strstr(out, "\"connect_per_message\":true,"
	    "\"answers\":500,"));
	g_free(out);
	/* Each message was its own connection. */
	server_signal(srv, SIGUSR1);
	g_assert_true(server_wait_log(srv, "counters: accepted=500 ",
	    WAIT_MS));
	server_stop(srv);
}

/* A server that refuses connections fails the run. */
static void
test_refused_is_an_error(void)
{
	int fd, port = tcp_reserve_port(&fd, false);
	char *out;

	g_assert_cmpint(run_bench(port, &out, "-n", "10", NULL), ==, 1);
	g_free(out);
	close(fd);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/sockbench/counts-answers", test_counts_answers);
	g_test_add_func("/sockbench/mismatch-fails", test_mismatch_fails);
	g_test_add_func("/sockbench/connect-per-message-json",
	    test_connect_per_message_json);
	g_test_add_func("/sockbench/refused-is-an-error",
	    test_refused_is_an_error);
	return g_test_run();
}
