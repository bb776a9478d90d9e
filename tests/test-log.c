/*
 * test-log.c - sockd's log against the real binary: lines stay whole on
 * a pipe however long and however many threads write them, a pipe nobody
 * reads stops nothing, lines that could not be written are counted and
 * reported, and what is buffered reaches the file at exit and before a
 * reopen.
 */
#include "build-config.h"

#include <arpa/inet.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness.h"

#define WRITERS 8
#define MESSAGES 16
#define MESSAGE_BYTES 3000

/* The port of a client's socket as sockd logs it, "127.0.0.1:PORT:". */
static char *
peer_prefix(int fd)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof sin;

	g_assert_cmpint(getsockname(fd, (struct sockaddr *)&sin, &len), ==, 0);
	return g_strdup_printf("127.0.0.1:%u: get value ",
	    (unsigned)ntohs(sin.sin_port));
}

/* True if text is the escaped byte c over and over ("\x01\x01..."),
 * maybe cut by --log-max with "...(N bytes)". */
static bool
all_one_byte(const char *text, int c)
{
	char one[8];
	size_t n;

	g_snprintf(one, sizeof one, "\\x%02x", c);
	for (n = 0; strncmp(text, one, 4) == 0; n++)
		text += 4;
	return n > 0 && (*text == '\0' || g_str_has_prefix(text, "...("));
}

/* sockd, with one option, on a listening socket of ours; its log pipe
 * is not read until server_release_log(). */
static struct server *
start_unread(const char *option, const char *value, int *port)
{
	const char *args[] = { harness_program("SOCKD"), option, value, NULL };
	struct spawn_options o = { .hold_log = true };
	struct server *srv;
	int lfd;

	*port = tcp_listen_loopback(&lfd);
	o.activated_fd = lfd;
	srv = server_spawn(args, &o);
	close(lfd);
	return srv;
}

/* Assert that every line of log is whole, and that each "get value"
 * line of client i holds only client i's byte. */
static void
assert_lines_whole(const char *log, char *const *prefix)
{
	char **lines = g_strsplit(log, "\n", -1), **l;
	int i, seen = 0;

	for (l = lines; *l != NULL && **l != '\0'; l++) {
		/* Every line is one of sockd's: a time and a level. */
		g_assert_true(g_regex_match_simple("^\\d{4}-\\d\\d-\\d\\dT"
		    "\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z [a-z]+: ", *l, 0, 0));
		for (i = 0; i < WRITERS; i++) {
			const char *at = strstr(*l, prefix[i]);

			if (at == NULL)
				continue;
			if (!all_one_byte(at + strlen(prefix[i]), i + 1))
				g_error("mixed line: %.200s", *l);
			seen++;
		}
	}
	/* Lines the full pipe could not take were dropped, not mixed. */
	g_assert_cmpint(seen, >, 0);
	g_strfreev(lines);
}

/*
 * Lines longer than a pipe takes at once, from several workers, into a
 * pipe that is full until the test reads it: each stays whole, under its
 * own client's address (workers writing the pipe themselves mixed them).
 */
static void
test_long_lines_whole_on_pipe(void)
{
	char block[MESSAGE_BYTES], *prefix[WRITERS], *log;
	int fds[WRITERS], i, m, port;
	struct server *srv = start_unread("--log-max", "4096", &port);

	/* Small enough to sit in socket buffers while sockd waits. */
	for (i = 0; i < WRITERS; i++) {
		fds[i] = tcp_connect("127.0.0.1", port);
		prefix[i] = peer_prefix(fds[i]);
		memset(block, i + 1, sizeof block);
		for (m = 0; m < MESSAGES; m++)
			tcp_send(fds[i], block, sizeof block);
		close(fds[i]);
	}
	server_release_log(srv);
	g_assert_true(server_wait_log_count(srv, ": closed (", WRITERS,
	    WAIT_MS));
	server_signal(srv, SIGTERM);
	g_assert_cmpint(server_wait_exit(srv, WAIT_MS), ==, 0);
	log = server_log_text(srv);
	assert_lines_whole(log, prefix);
	g_free(log);
	for (i = 0; i < WRITERS; i++)
		g_free(prefix[i]);
	server_free(srv);
}

/* Send count lines and read every answer. */
static void
exchange_lines(int port, int count)
{
	GString *lines = g_string_new(NULL);
	int fd = tcp_connect("127.0.0.1", port), i;
	size_t len;
	char *got;

	for (i = 0; i < count; i++)
		g_string_append_printf(lines, "message %d\n", i);
	tcp_send(fd, lines->str, lines->len);
	got = tcp_recv(fd, 3 * (size_t)count, WAIT_MS, &len);
	g_assert_cmpuint(len, ==, 3 * (size_t)count);
	g_free(got);
	close(fd);
	g_string_free(lines, TRUE);
}

/*
 * A stderr pipe that nobody reads: 3000 messages are answered all the
 * same, and SIGTERM still ends sockd (it stalled after 847 answers, deaf
 * to SIGTERM).  Once the pipe is read, one line says how many lines were
 * lost, and the counters count them.
 */
static void
test_unread_pipe_stalls_nothing(void)
{
	struct server *srv;
	int port;

	srv = start_unread("--framing", "line", &port);
	exchange_lines(port, 3000);
	server_release_log(srv);
	g_assert_true(server_wait_log(srv, " lines lost: the log did not "
	    "keep up", WAIT_MS));
	server_signal(srv, SIGUSR1);
	g_assert_true(server_wait_log(srv, "counters: ", WAIT_MS));
	g_assert_cmpuint(server_log_count(srv, " log_dropped=0"), ==, 0);
	g_assert_cmpuint(server_log_count(srv, " log_dropped="), ==, 1);
	server_stop(srv);
}

/* SIGTERM ends sockd in time with its log still unread. */
static void
test_unread_pipe_and_sigterm(void)
{
	struct server *srv;
	int port;

	srv = start_unread("--framing", "line", &port);
	exchange_lines(port, 3000);
	server_signal(srv, SIGTERM);
	g_assert_cmpint(server_wait_exit(srv, WAIT_MS), ==, 0);
	server_free(srv);
}

/*
 * A line logged just before SIGTERM is in the file after exit, and the
 * lines before a reopen are in the file that was moved away.
 */
static void
test_flushed_at_exit_and_reopen(void)
{
	char *dir = temp_dir();
	char *log = g_build_filename(dir, "sockd.log", NULL);
	char *moved = g_build_filename(dir, "sockd.log.1", NULL);
	const char *args[] = { harness_program("SOCKD"), "--log-file", log,
	    "--port", "0", NULL };
	struct spawn_options o = { .activated_fd = -1 };
	struct server *srv = server_spawn(args, &o);
	int fd;

	srv->port = log_file_port(log);
	g_assert_true(wait_file_contains(log, " started: "));
	fd = server_connect(srv);

	tcp_exchange(fd, "before", "ok");
	g_assert_cmpint(g_rename(log, moved), ==, 0);
	server_signal(srv, SIGHUP);
	g_assert_true(wait_file_contains(log, "log reopened"));
	tcp_exchange(fd, "after", "ok");
	g_assert_true(wait_file_contains(moved, "get value before"));
	tcp_exchange(fd, "last words", "ok");
	close(fd);
	server_stop(srv);
	g_assert_true(wait_file_contains(log, "get value after"));
	g_assert_true(wait_file_contains(log, "get value last words"));
	g_assert_true(wait_file_contains(log, "stopped: "));
	g_free(log);
	g_free(moved);
	remove_dir(dir);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/log/long-lines-whole-on-pipe",
	    test_long_lines_whole_on_pipe);
	g_test_add_func("/log/unread-pipe-stalls-nothing",
	    test_unread_pipe_stalls_nothing);
	g_test_add_func("/log/unread-pipe-and-sigterm",
	    test_unread_pipe_and_sigterm);
	g_test_add_func("/log/flushed-at-exit-and-reopen",
	    test_flushed_at_exit_and_reopen);
	return g_test_run();
}
