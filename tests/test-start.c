/*
 * test-start.c - sockd started by careless callers, against the real
 * binary: standard descriptors closed, a configuration path that is a
 * FIFO, conflicting or empty settings, a pid file that cannot be made.
 * Each start either serves properly or fails at once with one line and
 * the documented exit status, leaving nothing behind.
 */
#include "build-config.h"

#include <glib.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"

/* Answer count that overflows a 64 KiB pipe with get value lines. */
#define MANY_MESSAGES 2000

/*
 * All three standard descriptors closed: sockd's own descriptors must
 * not take their places.  Its log went into its drain pipe, and after
 * 847 answers every thread blocked, SIGTERM too.
 */
static void
test_stdio_closed(void)
{
	const char *args[] = { harness_program("SOCKD"), "--framing", "line",
	    NULL };
	struct spawn_options o = { .closed_stdio = 7 };
	struct server *srv;
	GString *lines = g_string_new(NULL);
	size_t len;
	char *got;
	int lfd, port, fd, i;

	/* The log goes nowhere, so the port comes from systemd's way. */
	port = tcp_listen_loopback(&lfd);
	o.activated_fd = lfd;
	srv = server_spawn(args, &o);
	close(lfd);
	fd = tcp_connect("127.0.0.1", port);
	for (i = 0; i < MANY_MESSAGES; i++)
		g_string_append_printf(lines, "message %d\n", i);
	tcp_send(fd, lines->str, lines->len);
	got = tcp_recv(fd, 3 * MANY_MESSAGES, WAIT_MS, &len);
	g_assert_cmpuint(len, ==, 3 * MANY_MESSAGES);
	g_free(got);
	close(fd);
	server_signal(srv, SIGTERM);
	g_assert_cmpint(server_wait_exit(srv, WAIT_MS), ==, 0);
	server_free(srv);
	g_string_free(lines, TRUE);
}

/* The pid in a pid file, once it is there. */
static pid_t
pid_from_file(const char *path)
{
	char *text = NULL;
	pid_t pid;

	g_assert_true(wait_file_contains(path, "\n"));
	g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
	pid = (pid_t)atoi(text);
	g_free(text);
	g_assert_cmpint(pid, >, 1);
	return pid;
}

/*
 * --daemon with stdin closed: the signalfd took descriptor 0, the detach
 * put /dev/null there, and the accept loop spun on it, accepting nobody;
 * a --log-file on descriptor 0 was lost the same way.
 */
static void
test_daemon_with_stdin_closed(void)
{
	char *dir = temp_dir();
	char *pidfile = g_build_filename(dir, "sockd.pid", NULL);
	char *logfile = g_build_filename(dir, "sockd.log", NULL);
	const char *args[] = { harness_program("SOCKD"), "-d", "--pidfile",
	    pidfile, "--log-file", logfile, "--port", "0", NULL };
	struct spawn_options o = { .activated_fd = -1, .closed_stdio = 1 };
	struct server *parent = server_spawn(args, &o);
	pid_t pid;
	int port, fd;

	g_assert_cmpint(server_wait_exit(parent, WAIT_MS), ==, 0);
	server_free(parent);
	pid = pid_from_file(pidfile);
	port = log_file_port(logfile);
	fd = tcp_connect("127.0.0.1", port);
	tcp_exchange(fd, "after detach", "ok");
	close(fd);
	/* The log file still takes lines after the detach. */
	g_assert_true(wait_file_contains(logfile, "get value after detach"));
	g_assert_cmpint(kill(pid, SIGTERM), ==, 0);
	g_assert_true(wait_gone(pid));
	g_assert_true(wait_file_contains(logfile, "stopped: "));
	g_free(pidfile);
	g_free(logfile);
	remove_dir(dir);
}

/* A configuration path that is a FIFO is refused at once with 78; it
 * blocked sockd at start, deaf to SIGTERM. */
static void
test_fifo_config_refused(void)
{
	char *dir = temp_dir(), *err, *expect;
	char *fifo = g_build_filename(dir, "sockd.conf", NULL);

	g_assert_cmpint(mkfifo(fifo, 0600), ==, 0);
	g_assert_cmpint(run_sockd(&err, "-c", fifo, NULL), ==, 78);
	expect = g_strdup_printf("sockd: %s:0: not a regular file\n", fifo);
	g_assert_cmpstr(err, ==, expect);
	g_free(expect);
	g_free(err);
	g_free(fifo);
	remove_dir(dir);
}

/* A pid file that cannot be created is 73, and a start that fails after
 * the pid file was made leaves no file behind. */
static void
test_pidfile_exits(void)
{
	char *dir = temp_dir(), *err;
	char *missing = g_build_filename(dir, "no", "sockd.pid", NULL);
	char *pidfile = g_build_filename(dir, "sockd.pid", NULL);
	char port[16];
	int fd;

	g_assert_cmpint(run_sockd(&err, "--pidfile", missing, NULL), ==, 73);
	g_assert_nonnull(strstr(err, "No such file or directory"));
	g_free(err);
	/* Listening fails after the pid file was locked. */
	g_snprintf(port, sizeof port, "%d", tcp_listen_loopback(&fd));
	g_assert_cmpint(run_sockd(&err, "--pidfile", pidfile, "--port", port,
	    NULL), ==, 69);
	g_assert_false(g_file_test(pidfile, G_FILE_TEST_EXISTS));
	g_free(err);
	close(fd);
	g_free(missing);
	g_free(pidfile);
	remove_dir(dir);
}

/*
 * log-file and syslog both in the file are the file's error (78, with
 * its line); on the command line one replaces the file's other.
 */
static void
test_log_sinks_exclusive(void)
{
	char *dir = temp_dir(), *err, *expect;
	char *conf = write_file(dir, "sockd.conf",
	    "log-file = /tmp/x.log\nreply = y\nsyslog = yes\n");

	g_assert_cmpint(run_sockd(&err, "-n", "-c", conf, NULL), ==, 78);
	expect = g_strdup_printf("sockd: %s:3: log-file and syslog exclude "
	    "each other\n", conf);
	g_assert_cmpstr(err, ==, expect);
	g_free(expect);
	g_free(err);
	g_free(conf);
	conf = write_file(dir, "sockd.conf", "syslog = yes\n");
	g_assert_cmpint(run_sockd(&err, "-n", "-c", conf, "--log-file",
	    "/tmp/x.log", NULL), ==, 0);
	g_free(err);
	g_assert_cmpint(run_sockd(&err, "-n", "--syslog", "--log-file",
	    "/tmp/x.log", NULL), ==, 64);
	g_assert_cmpstr(err, ==, "sockd: --log-file and --syslog exclude each "
	    "other\n");
	g_free(err);
	g_free(conf);
	remove_dir(dir);
}

/* A reply nobody could see, or that splits into lines, is refused. */
static void
test_reply_refused(void)
{
	char *dir = temp_dir(), *err, *expect;
	char *conf = write_file(dir, "sockd.conf", "reply = \"\"\n");

	g_assert_cmpint(run_sockd(&err, "--reply", "", NULL), ==, 64);
	g_assert_cmpstr(err, ==, "sockd: --reply: empty value\n");
	g_free(err);
	g_assert_cmpint(run_sockd(&err, "-c", conf, NULL), ==, 78);
	expect = g_strdup_printf("sockd: %s:1: reply: empty value\n", conf);
	g_assert_cmpstr(err, ==, expect);
	g_free(expect);
	g_free(err);
	g_assert_cmpint(run_sockd(&err, "--framing", "line", "--reply",
	    "two\nlines", NULL), ==, 64);
	g_assert_cmpstr(err, ==, "sockd: --reply: a newline in the reply "
	    "would put line clients out of step\n");
	g_free(err);
	/* In raw framing a reply is bytes; a newline is one of them. */
	g_assert_cmpint(run_sockd(&err, "-n", "--reply", "two\nlines", NULL),
	    ==, 0);
	g_free(err);
	g_free(conf);
	remove_dir(dir);
}

/* A byte order mark starting the file is skipped; a control byte in a
 * name or value is shown escaped, never sent to the terminal. */
static void
test_config_bytes_shown_safely(void)
{
	char *dir = temp_dir(), *err, *expect;
	char *conf = write_file(dir, "sockd.conf",
	    "\xef\xbb\xbfworkers = 4\nwor\x1b[2Jkers = 5\n");

	g_assert_cmpint(run_sockd(&err, "-n", "-c", conf, NULL), ==, 78);
	expect = g_strdup_printf("sockd: %s:2: unknown name "
	    "'wor\\x1b[2Jkers'\n", conf);
	g_assert_cmpstr(err, ==, expect);
	g_free(expect);
	g_free(err);
	g_assert_cmpint(run_sockd(&err, "--workers", "\x1b[31m", NULL), ==, 64);
	g_assert_cmpstr(err, ==, "sockd: --workers: '\\x1b[31m' is not a "
	    "number in 1-4096\n");
	g_free(err);
	g_free(conf);
	remove_dir(dir);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/start/stdio-closed", test_stdio_closed);
	g_test_add_func("/start/daemon-with-stdin-closed",
	    test_daemon_with_stdin_closed);
	g_test_add_func("/start/fifo-config-refused", test_fifo_config_refused);
	g_test_add_func("/start/pidfile-exits", test_pidfile_exits);
	g_test_add_func("/start/log-sinks-exclusive", test_log_sinks_exclusive);
	g_test_add_func("/start/reply-refused", test_reply_refused);
	g_test_add_func("/start/config-bytes-shown-safely",
	    test_config_bytes_shown_safely);
	return g_test_run();
}
