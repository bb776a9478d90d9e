/*
 * test-sockc.c - the client against the real server: pipes, a terminal,
 * and the errors a user meets (refused, busy, bad usage).
 */
#include "build-config.h"

#include <errno.h>
#include <glib.h>
#include <pty.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

/* Run sockc against port with the given input and extra arguments. */
static int
run_sockc(int port, const char *input, char **out, char **err,
    const char *extra1, const char *extra2)
{
	char port_text[16];
	const char *args[] = { harness_program("SOCKC"), "-p", port_text,
	    extra1, extra2, NULL };

	g_snprintf(port_text, sizeof port_text, "%d", port);
	return run_program(args, input, out, err, WAIT_MS);
}

/* Run sockc against port with input and NULL-terminated arguments. */
static int
run_sockc_with(int port, const char *input, char **out, char **err, ...)
{
	GPtrArray *args = g_ptr_array_new();
	char port_text[16];
	const char *a;
	va_list ap;
	int status;

	g_snprintf(port_text, sizeof port_text, "%d", port);
	g_ptr_array_add(args, (gpointer)harness_program("SOCKC"));
	g_ptr_array_add(args, (gpointer)"-p");
	g_ptr_array_add(args, port_text);
	va_start(ap, err);
	while ((a = va_arg(ap, const char *)) != NULL)
		g_ptr_array_add(args, (gpointer)a);
	va_end(ap);
	g_ptr_array_add(args, NULL);
	status = run_program((const char *const *)args->pdata, input, out,
	    err, 4 * WAIT_MS);
	g_ptr_array_free(args, TRUE);
	return status;
}

/* In a pipe, each input line is sent and its answer printed. */
static void
test_pipe_raw(void)
{
	struct server *srv = server_start(NULL);
	char *out, *err;

	g_assert_cmpint(run_sockc(srv->port, "hello\nworld\n\nlast", &out,
	    &err, NULL, NULL), ==, 0);
	g_assert_cmpstr(out, ==, "ok\nok\nok\n");
	g_assert_cmpstr(err, ==, "");
	g_assert_true(server_wait_log(srv, "get value hello\n", WAIT_MS));
	g_assert_true(server_wait_log(srv, "get value last\n", WAIT_MS));
	g_free(out);
	g_free(err);
	server_stop(srv);
}

/* Line framing in a pipe: an empty line is a message too. */
static void
test_pipe_line_echo(void)
{
	struct server *srv = server_start("--framing", "line", "--echo", NULL);
	char *out;

	g_assert_cmpint(run_sockc(srv->port, "a\nb c\n\nd\n", &out, NULL,
	    "--framing", "line"), ==, 0);
	/* In a pipe an empty line is a message too. */
	g_assert_cmpstr(out, ==, "a\nb c\n\nd\n");
	g_free(out);
	server_stop(srv);
}

/* A refused connection: exit 69 and one line naming the address. */
static void
test_refused(void)
{
	char *out, *err;
	int fd, port = tcp_reserve_port(&fd, false);

	g_assert_cmpint(run_sockc(port, "hello\n", &out, &err, NULL, NULL), ==,
	    69);
	g_assert_true(g_str_has_prefix(err, "sockc: connect 127.0.0.1:"));
	g_assert_nonnull(strstr(err, "Connection refused\n"));
	g_assert_cmpstr(out, ==, "");
	g_free(out);
	g_free(err);
	close(fd);
}

/* A busy server: exit 75 and one line saying so. */
static void
test_busy(void)
{
	struct server *srv = server_start("--workers", "1", "--queue", "1",
	    "--log-level", "debug", NULL);
	int held = server_connect(srv), queued;
	char *err, *got;

	tcp_send_str(held, "x");
	got = tcp_recv(held, 2, WAIT_MS, NULL);
	g_assert_cmpstr(got, ==, "ok");
	g_free(got);
	queued = server_connect(srv);
	g_assert_true(server_wait_client_log(srv, queued,
	    ": queued at depth 1\n", WAIT_MS));
	g_assert_cmpint(run_sockc(srv->port, "hello\n", NULL, &err, NULL,
	    NULL), ==, 75);
	g_assert_nonnull(strstr(err, "is busy"));
	g_assert_cmpint(strchr(err, '\n') - err, ==, (long)strlen(err) - 1);
	g_free(err);
	close(held);
	close(queued);
	server_stop(srv);
}

/* A bad option or port: exit 64, naming it. */
static void
test_bad_usage(void)
{
	char *err;

	g_assert_cmpint(run_sockc(8001, "", NULL, &err, "--framing", "xml"),
	    ==, 64);
	g_assert_true(g_str_has_prefix(err, "sockc: --framing"));
	g_free(err);
	g_assert_cmpint(run_sockc(0, "", NULL, &err, NULL, NULL), ==, 64);
	g_assert_true(g_str_has_prefix(err, "sockc: --port"));
	g_free(err);
}

/* The number after "name=" in text's report line. */
static unsigned long
reported(const char *text, const char *name)
{
	const char *line = strstr(text, "sockc: report: ");
	char *key = g_strdup_printf(" %s=", name);
	const char *at;
	unsigned long value;

	g_assert_nonnull(line);
	at = strstr(line, key);
	g_assert_nonnull(at);
	value = strtoul(at + strlen(key), NULL, 10);
	g_free(key);
	return value;
}

/* The number after "name=" in the server's last counters line. */
static unsigned long
server_counter(struct server *srv, const char *name)
{
	unsigned n = server_log_count(srv, "counters: ");
	char *text, *key = g_strdup_printf(" %s=", name);
	const char *at;
	unsigned long value;

	server_signal(srv, SIGUSR1);
	g_assert_true(server_wait_log_count(srv, "counters: ", n + 1,
	    WAIT_MS));
	pthread_mutex_lock(&srv->lock);
	text = g_strdup(g_strrstr(srv->log->str, "counters: "));
	pthread_mutex_unlock(&srv->lock);
	at = strstr(text, key);
	g_assert_nonnull(at);
	value = strtoul(at + strlen(key), NULL, 10);
	g_free(text);
	g_free(key);
	return value;
}

/*
 * --report against garbled and split answers: every line is answered,
 * the wrong ones are what sockd garbled, the short reads at most what
 * it split (a late reader may see two pieces at once).
 */
static void
test_report_wrong_and_short(void)
{
	struct server *srv = server_start("--framing", "line", "--reply",
	    "a longer answer", "--inject", "garble=50,partial=50", "--seed",
	    "5", NULL);
	char *out, *err, **lines;
	unsigned long partial;

	g_assert_cmpint(run_sockc_with(srv->port, "1\n2\n3\n4\n5\n6\n7\n8\n",
	    &out, &err, "--framing", "line", "--expect", "a longer answer",
	    "--report", NULL), ==, 0);
	g_assert_cmpuint(reported(err, "sent"), ==, 8);
	g_assert_cmpuint(reported(err, "answers"), ==, 8);
	g_assert_cmpuint(reported(err, "wrong"), ==,
	    server_counter(srv, "fault_garble"));
	g_assert_cmpuint(reported(err, "wrong"), >, 0);
	partial = server_counter(srv, "fault_partial");
	g_assert_cmpuint(partial, >, 0);
	g_assert_cmpuint(reported(err, "short"), <=, partial);
	g_assert_cmpuint(reported(err, "timeouts") + reported(err, "resets") +
	    reported(err, "closed") + reported(err, "reconnects"), ==, 0);
	/* One line printed per answer, right or wrong. */
	lines = g_strsplit(out, "\n", -1);
	g_assert_cmpuint(g_strv_length(lines), ==, 9);
	g_strfreev(lines);
	g_free(out);
	g_free(err);
	server_stop(srv);
}

/*
 * --report goes on after a reset, a close and a time-out: it counts
 * each, connects again, and exits 0 once the input is sent.
 */
static void
test_report_goes_on(void)
{
	struct server *srv = server_start("--framing", "line", "--inject",
	    "reset=100@2", NULL);
	char *out, *err;

	/* Each connection is reset at its second message. */
	g_assert_cmpint(run_sockc_with(srv->port, "a\nb\nc\nd\n", &out, &err,
	    "--framing", "line", "--report", NULL), ==, 0);
	g_assert_cmpstr(out, ==, "ok\nok\n");
	g_assert_nonnull(strstr(err, "sockc: report: sent=4 answers=2 wrong=0 "
	    "short=0 timeouts=0 resets=2 closed=0 reconnects=1\n"));
	g_free(out);
	g_free(err);
	server_stop(srv);

	srv = server_start("--framing", "line", "--inject", "close-after=1",
	    NULL);
	g_assert_cmpint(run_sockc_with(srv->port, "a\nb\nc\n", &out, &err,
	    "--framing", "line", "--report", NULL), ==, 0);
	g_assert_cmpstr(out, ==, "ok\nok\n");
	g_assert_nonnull(strstr(err, "sent=3 answers=2 wrong=0 short=0 "
	    "timeouts=0 resets=0 closed=1 reconnects=1\n"));
	g_free(out);
	g_free(err);
	server_stop(srv);

	srv = server_start("--framing", "line", "--inject", "drop=100", NULL);
	g_assert_cmpint(run_sockc_with(srv->port, "a\nb\n", &out, &err,
	    "--framing", "line", "-t", "1", "--report", NULL), ==, 0);
	g_assert_cmpstr(out, ==, "");
	g_assert_nonnull(strstr(err, "sent=2 answers=0 wrong=0 short=0 "
	    "timeouts=2 resets=0 closed=0 reconnects=1\n"));
	g_free(out);
	g_free(err);
	server_stop(srv);
}

/* Without --report a reset ends sockc (69), a wrong answer too (65). */
static void
test_without_report(void)
{
	struct server *srv = server_start("--framing", "line", "--inject",
	    "reset=100@1", NULL);
	char *err;

	g_assert_cmpint(run_sockc_with(srv->port, "a\n", NULL, &err,
	    "--framing", "line", NULL), ==, 69);
	g_assert_nonnull(strstr(err, "Connection reset by peer"));
	g_assert_null(strstr(err, "report"));
	g_free(err);
	server_stop(srv);
	srv = server_start(NULL);
	g_assert_cmpint(run_sockc_with(srv->port, "a\n", NULL, &err,
	    "--expect", "no", NULL), ==, 65);
	g_assert_nonnull(strstr(err, "wrong answer (expected 'no')"));
	g_free(err);
	/* Raw: "ok" is short of "yes"; once no more comes, it is wrong. */
	g_assert_cmpint(run_sockc_with(srv->port, "a\n", NULL, &err,
	    "--expect", "yes", "-t", "1", NULL), ==, 65);
	g_assert_nonnull(strstr(err, "wrong answer (expected 'yes')"));
	g_free(err);
	server_stop(srv);
}

/* Raw framing with --expect reads the whole answer, however split. */
static void
test_report_raw_expect(void)
{
	struct server *srv = server_start("--reply", "a longer answer",
	    "--inject", "partial=100", NULL);
	char *out, *err;

	g_assert_cmpint(run_sockc_with(srv->port, "x\ny\nz\n", &out, &err,
	    "--expect", "a longer answer", "--report", NULL), ==, 0);
	g_assert_cmpstr(out, ==, "a longer answer\na longer answer\n"
	    "a longer answer\n");
	g_assert_cmpuint(reported(err, "answers"), ==, 3);
	g_assert_cmpuint(reported(err, "wrong"), ==, 0);
	/* 50 ms between pieces: a reader this fast sees some of them. */
	g_assert_cmpuint(reported(err, "short"), >, 0);
	g_free(out);
	g_free(err);
	server_stop(srv);
}

/* Read from the terminal until needle shows up; false after timeout. */
static bool
pty_expect(int master, GString *seen, const char *needle)
{
	gint64 deadline = now_ms() + WAIT_MS;
	char buf[512];
	ssize_t n;

	while (strstr(seen->str, needle) == NULL) {
		if (!fd_wait(master, POLLIN, deadline))
			return false;
		n = read(master, buf, sizeof buf);
		if (n <= 0)
			return false;
		g_string_append_len(seen, buf, n);
	}
	return true;
}

/* On a terminal: the tutorial's prompt, the answers, an empty line ends. */
static void
test_terminal_session(void)
{
	struct server *srv = server_start(NULL);
	GString *seen = g_string_new(NULL);
	char port[16];
	int master, status;
	pid_t pid;

	g_snprintf(port, sizeof port, "%d", srv->port);
	pid = forkpty(&master, NULL, NULL, NULL);
	g_assert_cmpint(pid, >=, 0);
	if (pid == 0) {
		execl(harness_program("SOCKC"), "sockc", "-p", port,
		    (char *)NULL);
		_exit(127);
	}
	g_assert_true(pty_expect(master, seen, "please input data:"));
	g_assert_cmpint(write(master, "hello\n", 6), ==, 6);
	/* The answer, then the next prompt. */
	g_assert_true(pty_expect(master, seen, "ok\r\nplease input data:"));
	g_assert_true(server_wait_log(srv, "get value hello\n", WAIT_MS));
	/* An empty line ends the session, as in the tutorial. */
	g_assert_cmpint(write(master, "\n", 1), ==, 1);
	g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
	g_assert_true(WIFEXITED(status));
	g_assert_cmpint(WEXITSTATUS(status), ==, 0);
	close(master);
	g_string_free(seen, TRUE);
	server_stop(srv);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/sockc/pipe-raw", test_pipe_raw);
	g_test_add_func("/sockc/pipe-line-echo", test_pipe_line_echo);
	g_test_add_func("/sockc/refused", test_refused);
	g_test_add_func("/sockc/busy", test_busy);
	g_test_add_func("/sockc/bad-usage", test_bad_usage);
	g_test_add_func("/sockc/terminal-session", test_terminal_session);
	g_test_add_func("/sockc/report/wrong-and-short",
	    test_report_wrong_and_short);
	g_test_add_func("/sockc/report/goes-on", test_report_goes_on);
	g_test_add_func("/sockc/report/raw-expect", test_report_raw_expect);
	g_test_add_func("/sockc/without-report", test_without_report);
	return g_test_run();
}
