/*
 * test-sockc.c - the client against the real server: pipes, a terminal,
 * and the errors a user meets (refused, busy, bad usage).
 */
#include "build-config.h"

#include <errno.h>
#include <glib.h>
#include <pty.h>
#include <signal.h>
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
	return g_test_run();
}
