/*
 * test-server.c - the real sockd binary over loopback sockets: the
 * tutorial's exchange, framings, timeouts, the pool and queue under load,
 * shutdown, and the exit statuses of bad starts.
 */
#include "build-config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <glib.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness.h"

/* The tutorial's exchange: ok to each message, logged, and the close. */
static void
test_tutorial_exchange(void)
{
	struct server *srv = server_start(NULL);
	int fd = server_connect(srv);

	tcp_exchange(fd, "hello", "ok");
	g_assert_true(server_wait_log(srv, "get value hello\n", WAIT_MS));
	tcp_exchange(fd, "again", "ok");
	close(fd);
	g_assert_true(server_wait_log(srv, "closed (peer closed): 2 messages, "
	    "10 bytes in, 4 bytes out", WAIT_MS));
	server_stop(srv);
}

/* Line framing: each line of a read answered, its ending mirrored. */
static void
test_line_crlf_and_batched(void)
{
	struct server *srv = server_start("--framing", "line", NULL);
	int fd = server_connect(srv);

	/* Three lines in one send: three answers, endings mirrored. */
	tcp_exchange(fd, "a\r\nb\nc\r\n", "ok\r\nok\nok\r\n");
	/* A line split over two sends is one message. */
	tcp_send_str(fd, "hel");
	tcp_exchange(fd, "lo\n", "ok\n");
	g_assert_true(server_wait_log(srv, "get value hello\n", WAIT_MS));
	close(fd);
	server_stop(srv);
}

/* Line framing: a last line without its newline, then EOF, is answered. */
static void
test_line_last_line_at_eof(void)
{
	struct server *srv = server_start("--framing", "line", NULL);
	int fd = server_connect(srv);
	size_t len;
	char *got;

	tcp_send_str(fd, "first\nlast");
	g_assert_cmpint(shutdown(fd, SHUT_WR), ==, 0);
	got = tcp_recv(fd, 100, WAIT_MS, &len);
	g_assert_cmpstr(got, ==, "ok\nok\n");
	g_free(got);
	g_assert_true(server_wait_log(srv, "get value last\n", WAIT_MS));
	close(fd);
	server_stop(srv);
}

/* --echo sends each message back, in either framing. */
static void
test_echo_raw_and_line(void)
{
	struct server *srv = server_start("--echo", NULL);
	int fd = server_connect(srv);

	tcp_exchange(fd, "echo me", "echo me");
	close(fd);
	server_stop(srv);

	srv = server_start("--echo", "--framing", "line", NULL);
	fd = server_connect(srv);
	tcp_exchange(fd, "one\r\ntwo\n", "one\r\ntwo\n");
	close(fd);
	server_stop(srv);
}

/* --reply sets the answer; a line's ending comes after it. */
static void
test_custom_reply(void)
{
	struct server *srv = server_start("--reply", "+PONG", "--framing",
	    "line", NULL);
	int fd = server_connect(srv);

	tcp_exchange(fd, "PING\r\n", "+PONG\r\n");
	close(fd);
	server_stop(srv);
}

/* The get value line escapes the message and cuts it at --log-max. */
static void
test_log_escaping_and_truncation(void)
{
	struct server *srv = server_start("--log-max", "6", NULL);
	int fd = server_connect(srv);

	tcp_exchange(fd, "a\\b\x01\n", "ok");
	g_assert_true(server_wait_log(srv, "get value a\\\\b\\x01\\x0a\n",
	    WAIT_MS));
	tcp_exchange(fd, "0123456789", "ok");
	g_assert_true(server_wait_log(srv, "get value 012345...(10 bytes)\n",
	    WAIT_MS));
	close(fd);
	server_stop(srv);
}

/* A client silent for --timeout seconds is closed, and not before. */
static void
test_idle_timeout(void)
{
	struct server *srv = server_start("--timeout", "1", NULL);
	int fd = server_connect(srv);
	gint64 start = now_ms();

	tcp_exchange(fd, "hi", "ok");
	g_assert_true(tcp_wait_closed(fd, WAIT_MS));
	/* Not before the second of silence has passed. */
	g_assert_cmpint(now_ms() - start, >=, 900);
	g_assert_true(server_wait_log(srv, "closed (time out): 1 messages",
	    WAIT_MS));
	close(fd);
	server_stop(srv);
}

/* A client that never reads frees its worker after --timeout. */
static void
test_send_timeout(void)
{
	struct server *srv = server_start("--timeout", "1", "--echo", NULL);
	int fd = server_connect(srv);
	char block[65536];
	int small = 4096;
	gint64 deadline = now_ms() + WAIT_MS;
	ssize_t n;

	/* A client that sends and never reads: the echo fills both socket
	 * buffers and the worker's send must give up, not hang. */
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
	memset(block, 'x', sizeof block);
	while (server_log_count(srv, "closed (") == 0 &&
	    now_ms() < deadline) {
		n = send(fd, block, sizeof block, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
			break;	/* the server gave up and reset us */
		if (n < 0)
			fd_wait(fd, POLLOUT, now_ms() + 100);
	}
	g_assert_true(server_wait_log(srv, "closed (time out)", WAIT_MS));
	close(fd);
	/* The worker is free again. */
	fd = server_connect(srv);
	tcp_exchange(fd, "hi", "hi");
	close(fd);
	server_stop(srv);
}

#define CLIENTS 60

/* Sixty clients, four workers: the rest wait in the queue; all served. */
static void
test_sixty_clients_four_workers(void)
{
	struct server *srv = server_start("--workers", "4", "--queue", "100",
	    "--framing", "line", NULL);
	int fds[CLIENTS], i;
	char line[32], *got;

	/* All connect and send before any is answered: 4 are served at
	 * once, 56 wait in the queue, and closing one lets the next in. */
	for (i = 0; i < CLIENTS; i++)
		fds[i] = server_connect(srv);
	for (i = 0; i < CLIENTS; i++) {
		g_snprintf(line, sizeof line, "client %d\n", i);
		tcp_send_str(fds[i], line);
	}
	for (i = 0; i < CLIENTS; i++) {
		got = tcp_recv(fds[i], 3, WAIT_MS, NULL);
		g_assert_cmpstr(got, ==, "ok\n");
		g_free(got);
		close(fds[i]);
	}
	g_assert_true(server_wait_log(srv, "get value client 59\n", WAIT_MS));
	server_stop(srv);
}

/* With the queue full a client is told busy; the queued one is served. */
static void
test_busy_when_queue_full(void)
{
	struct server *srv = server_start("--workers", "1", "--queue", "1",
	    "--log-level", "debug", NULL);
	int served, queued, rejected;
	size_t len;
	char *got;

	served = server_connect(srv);
	tcp_exchange(served, "1", "ok");	/* holds the only worker */
	queued = server_connect(srv);
	g_assert_true(server_wait_client_log(srv, queued,
	    ": queued at depth 1\n", WAIT_MS));
	rejected = server_connect(srv);
	got = tcp_recv(rejected, 100, WAIT_MS, &len);
	g_assert_cmpstr(got, ==, "busy\n");
	g_free(got);
	g_assert_true(tcp_wait_closed(rejected, WAIT_MS));
	g_assert_true(server_wait_log(srv, "closed (busy)", WAIT_MS));
	close(rejected);
	/* The queued client is served once the worker is free. */
	close(served);
	tcp_exchange(queued, "2", "ok");
	close(queued);
	server_stop(srv);
}

/* --max-per-ip: a third connection from one address is told busy; a
 * place comes back when one of the two closes. */
static void
test_max_per_ip(void)
{
	struct server *srv = server_start("--max-per-ip", "2", NULL);
	int first, second, third, later;
	size_t len;
	char *got;

	first = server_connect(srv);
	tcp_exchange(first, "1", "ok");
	second = server_connect(srv);
	tcp_exchange(second, "2", "ok");
	third = server_connect(srv);
	got = tcp_recv(third, 100, WAIT_MS, &len);
	g_assert_cmpstr(got, ==, "busy\n");
	g_free(got);
	g_assert_true(tcp_wait_closed(third, WAIT_MS));
	g_assert_true(server_wait_log(srv,
	    "closed (busy: too many from this address)", WAIT_MS));
	close(third);
	close(first);
	g_assert_true(server_wait_log(srv, "closed (peer closed)", WAIT_MS));
	later = server_connect(srv);
	tcp_exchange(later, "3", "ok");
	tcp_exchange(second, "4", "ok");
	server_signal(srv, SIGUSR1);
	g_assert_true(server_wait_log(srv, "accepted=4 active=2 rejected=1 ",
	    WAIT_MS));
	close(second);
	close(later);
	server_stop(srv);
}

/* A line over --max-line gets an error and a close; others go on. */
static void
test_long_line_then_healthy_client(void)
{
	struct server *srv = server_start("--framing", "line", "--max-line",
	    "16", NULL);
	int fd = server_connect(srv);
	char big[4096];
	size_t len;
	char *got;

	memset(big, 'z', sizeof big);
	tcp_send_str(fd, "fine\n");
	tcp_send(fd, big, sizeof big);
	got = tcp_recv(fd, 100, WAIT_MS, &len);
	g_assert_cmpstr(got, ==, "ok\nerror: line too long\n");
	g_free(got);
	g_assert_true(tcp_wait_closed(fd, WAIT_MS));
	close(fd);
	g_assert_true(server_wait_log(srv, "closed (line too long)", WAIT_MS));

	fd = server_connect(srv);
	tcp_exchange(fd, "next\n", "ok\n");
	close(fd);
	server_stop(srv);
}

/* A client that resets costs nothing: the next one is served. */
static void
test_reset_client_harmless(void)
{
	struct server *srv = server_start(NULL);
	struct linger lg = { 1, 0 };
	int fd = server_connect(srv);

	tcp_exchange(fd, "x", "ok");
	/* Linger 0: close() sends a reset instead of a FIN. */
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
	close(fd);
	g_assert_true(server_wait_log(srv, "closed (", WAIT_MS));
	fd = server_connect(srv);
	tcp_exchange(fd, "y", "ok");
	close(fd);
	server_stop(srv);
}

/* --listen ::1 serves IPv6 and logs the peer as [ADDR]:PORT. */
static void
test_ipv6_loopback(void)
{
	struct server *srv;
	int probe = socket(AF_INET6, SOCK_STREAM, 0), fd;
	struct sockaddr_in6 sin6 = { 0 };
	socklen_t len;
	char peer[80];

	sin6.sin6_family = AF_INET6;
	sin6.sin6_addr = in6addr_loopback;
	if (probe < 0 || bind(probe, (struct sockaddr *)&sin6,
	    sizeof sin6) < 0) {
		if (probe >= 0)
			close(probe);
		g_test_skip("no IPv6 loopback on this machine");
		return;
	}
	close(probe);
	srv = server_start("--listen", "::1", NULL);
	g_assert_true(server_wait_log(srv, "listening on [::1]:", WAIT_MS));
	fd = tcp_connect("::1", srv->port);
	tcp_exchange(fd, "v6", "ok");
	/* The client is logged as [ADDR]:PORT. */
	len = sizeof sin6;
	g_assert_cmpint(getsockname(fd, (struct sockaddr *)&sin6, &len), ==,
	    0);
	g_snprintf(peer, sizeof peer, "[::1]:%u: get value v6\n",
	    (unsigned)ntohs(sin6.sin6_port));
	g_assert_true(server_wait_log(srv, peer, WAIT_MS));
	close(fd);
	server_stop(srv);
}

/* At debug, each connection's way through the pool is logged. */
static void
test_debug_traces_the_pool(void)
{
	struct server *srv = server_start("--log-level", "debug", "--workers",
	    "2", NULL);
	int fd = server_connect(srv);

	tcp_exchange(fd, "trace", "ok");
	close(fd);
	g_assert_true(server_wait_log(srv, ": accepted\n", WAIT_MS));
	g_assert_true(server_wait_log(srv, ": queued at depth 1\n", WAIT_MS));
	g_assert_true(server_wait_log(srv, ": taken by worker ", WAIT_MS));
	g_assert_true(server_wait_log(srv, ": closed (peer closed)", WAIT_MS));
	server_stop(srv);
}

/* SIGTERM closes idle connections at once and exits 0. */
static void
test_sigterm_with_idle_clients(void)
{
	struct server *srv = server_start("--timeout", "60",
	    "--shutdown-timeout", "30", NULL);
	int fds[3], i, status;
	gint64 start;

	for (i = 0; i < 3; i++) {
		fds[i] = server_connect(srv);
		tcp_exchange(fds[i], "idle", "ok");
	}
	start = now_ms();
	server_signal(srv, SIGTERM);
	/* Idle workers wake at once: far sooner than either timeout. */
	for (i = 0; i < 3; i++)
		g_assert_true(tcp_wait_closed(fds[i], 5000));
	status = server_wait_exit(srv, 5000);
	g_assert_cmpint(status, ==, 0);
	g_assert_cmpint(now_ms() - start, <, 5000);
	g_assert_true(server_wait_log(srv, "closed (shutdown)", WAIT_MS));
	g_assert_true(server_wait_log(srv, "stopped: accepted=3", WAIT_MS));
	for (i = 0; i < 3; i++)
		close(fds[i]);
	server_free(srv);
}

/* SIGTERM: a queued client's message is still answered. */
static void
test_sigterm_answers_received_and_queued(void)
{
	struct server *srv = server_start("--workers", "1", "--framing",
	    "line", "--log-level", "debug", NULL);
	int busy_fd, queued_fd, status;
	size_t len;
	char *got;

	busy_fd = server_connect(srv);
	tcp_exchange(busy_fd, "hold\n", "ok\n");
	queued_fd = server_connect(srv);
	tcp_send_str(queued_fd, "waiting\n");
	/* Accepted and queued, not still in the kernel's backlog (which
	 * serves-backlog tests). */
	g_assert_true(server_wait_client_log(srv, queued_fd,
	    ": queued at depth 1\n", WAIT_MS));
	server_signal(srv, SIGTERM);
	g_assert_true(tcp_wait_closed(busy_fd, WAIT_MS));
	/* The queued client's message was received: it is answered. */
	got = tcp_recv(queued_fd, 100, WAIT_MS, &len);
	g_assert_cmpstr(got, ==, "ok\n");
	g_free(got);
	status = server_wait_exit(srv, WAIT_MS);
	g_assert_cmpint(status, ==, 0);
	close(busy_fd);
	close(queued_fd);
	server_free(srv);
}

#define BACKLOG_CLIENTS 3

/*
 * SIGTERM: connections the kernel completed before it, still waiting on
 * the listening socket, are accepted and served, not reset (SPEC 6).
 * sockd is stopped while they connect and send, so that it finds them
 * and the signal together when it continues; it used to take the signal
 * first and close the listening socket over them.
 */
static void
test_sigterm_serves_backlog(void)
{
	struct server *srv = server_start("--framing", "line", NULL);
	int fds[BACKLOG_CLIENTS], i;
	size_t len;
	char *got;

	server_signal(srv, SIGSTOP);
	for (i = 0; i < BACKLOG_CLIENTS; i++) {
		fds[i] = server_connect(srv);
		tcp_send_str(fds[i], "waiting\n");
	}
	server_signal(srv, SIGTERM);
	server_signal(srv, SIGCONT);
	for (i = 0; i < BACKLOG_CLIENTS; i++) {
		got = tcp_recv(fds[i], 100, WAIT_MS, &len);
		g_assert_cmpstr(got, ==, "ok\n");
		g_free(got);
		g_assert_true(tcp_wait_closed(fds[i], WAIT_MS));
		close(fds[i]);
	}
	g_assert_cmpint(server_wait_exit(srv, WAIT_MS), ==, 0);
	g_assert_true(server_wait_log(srv, "stopped: accepted=3 ", WAIT_MS));
	server_free(srv);
}

/* A queued client that sent a last line without its newline and then
 * its FIN is answered during the drain, as at any other time. */
static void
test_sigterm_answers_last_line_at_eof(void)
{
	struct server *srv = server_start("--workers", "1", "--framing",
	    "line", "--log-level", "debug", NULL);
	int busy_fd, queued_fd;
	char *got;

	busy_fd = server_connect(srv);
	tcp_exchange(busy_fd, "hold\n", "ok\n");
	queued_fd = server_connect(srv);
	tcp_send_str(queued_fd, "last");
	g_assert_cmpint(shutdown(queued_fd, SHUT_WR), ==, 0);
	g_assert_true(server_wait_client_log(srv, queued_fd,
	    ": queued at depth 1\n", WAIT_MS));
	server_signal(srv, SIGTERM);
	got = tcp_recv(queued_fd, 100, WAIT_MS, NULL);
	g_assert_cmpstr(got, ==, "ok\n");
	g_free(got);
	g_assert_true(server_wait_client_log(srv, queued_fd,
	    ": closed (peer closed)", WAIT_MS));
	g_assert_cmpint(server_wait_exit(srv, WAIT_MS), ==, 0);
	close(busy_fd);
	close(queued_fd);
	server_free(srv);
}

/*
 * A server whose every answer is 32 KiB, and a client that sends it 400
 * lines and reads none of the 12.5 MiB of answers: far more than socket
 * buffers hold, so the worker is left waiting in a send.
 */
static struct server *
start_stuck_sender(const char *shutdown_timeout, int *fd)
{
	char *reply = g_malloc(32 * 1024 + 1), *lines = g_malloc(800);
	struct server *srv;
	int small = 4096;

	memset(reply, 'r', 32 * 1024);
	reply[32 * 1024] = '\0';
	srv = server_start("--timeout", "0", "--shutdown-timeout",
	    shutdown_timeout, "--framing", "line", "--reply", reply,
	    "--log-level", "notice", NULL);
	*fd = server_connect(srv);
	setsockopt(*fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
	for (small = 0; small < 400; small++)
		memcpy(lines + 2 * small, "x\n", 2);
	tcp_send(*fd, lines, 800);
	/* Answers have begun to come: the worker has started sending. */
	g_assert_true(fd_wait(*fd, POLLIN, now_ms() + WAIT_MS));
	g_free(lines);
	g_free(reply);
	return srv;
}

/* SIGTERM: a send stuck on a client ends at --shutdown-timeout. */
static void
test_sigterm_with_client_not_reading(void)
{
	int fd;
	struct server *srv = start_stuck_sender("1", &fd);
	gint64 start = now_ms();

	server_signal(srv, SIGTERM);
	/* --timeout 0 sets no send limit: the drain deadline must. */
	g_assert_cmpint(server_wait_exit(srv, WAIT_MS), ==, 0);
	g_assert_cmpint(now_ms() - start, <, 5000);
	g_assert_true(server_wait_log(srv, "stopped: ", WAIT_MS));
	close(fd);
	server_free(srv);
}

/* A second SIGTERM during the drain ends it at once (SPEC 6): with a
 * minute to drain and a client that does not read, it was ignored. */
static void
test_second_sigterm_ends_drain(void)
{
	int fd;
	struct server *srv = start_stuck_sender("60", &fd);
	gint64 start;

	server_signal(srv, SIGTERM);
	g_assert_true(server_wait_log(srv, "shutting down: draining",
	    WAIT_MS));
	start = now_ms();
	server_signal(srv, SIGTERM);
	g_assert_cmpint(server_wait_exit(srv, WAIT_MS), ==, 0);
	g_assert_cmpint(now_ms() - start, <, 5000);
	g_assert_true(server_wait_log(srv, "a second signal ends the drain",
	    WAIT_MS));
	close(fd);
	server_free(srv);
}

/* Assert exit 64 with one line that names what was wrong. */
static void
assert_usage_error(const char *named, const char *a, const char *b)
{
	char *err;

	g_assert_cmpint(run_sockd(&err, a, b, NULL), ==, 64);
	g_assert_true(g_str_has_prefix(err, "sockd: "));
	g_assert_nonnull(strstr(err, named));
	/* Exactly one line. */
	g_assert_cmpint(strchr(err, '\n') - err, ==, (long)strlen(err) - 1);
	g_free(err);
}

/* A bad command line: exit 64 and one line naming what was wrong. */
static void
test_bad_options_exit_64(void)
{
	assert_usage_error("--workers", "--workers", "0");
	assert_usage_error("--port", "--port", "70000");
	assert_usage_error("--framing", "--framing", "json");
	assert_usage_error("--timeout", "-t", "soon");
	assert_usage_error("--bogus", "--bogus", NULL);
	assert_usage_error("--listen", "--listen", "[::1");
	assert_usage_error("--metrics", "--metrics", "127.0.0.1");
	assert_usage_error("extra", "extra", NULL);
}

/*
 * " (git COMMIT)" when the tree under test is a git checkout, as the
 * build names it; "" otherwise (a release tarball).
 */
static char *
built_commit(void)
{
	const char *srcdir = g_getenv("SOCKD_SRCDIR");
	char *git = g_find_program_in_path("git");
	const char *args[] = { git, "-C", srcdir, "describe", "--always",
	    "--dirty", "--abbrev=12", NULL };
	char *dotgit = g_build_filename(srcdir, ".git", NULL);
	char *out, *commit;
	bool from_git = git != NULL && g_file_test(dotgit, G_FILE_TEST_EXISTS);

	g_free(dotgit);
	if (!from_git || run_program(args, NULL, &out, NULL, WAIT_MS) != 0) {
		g_free(git);
		return g_strdup("");
	}
	g_free(git);
	commit = g_strdup_printf(" (git %s)", g_strstrip(out));
	g_free(out);
	return commit;
}

/* --help prints the usage; -V the version and the commit built from. */
static void
test_help_and_version(void)
{
	const char *help[] = { harness_program("SOCKD"), "--help", NULL };
	const char *version[] = { harness_program("SOCKD"), "-V", NULL };
	char *out, *expect, *commit = built_commit();

	g_assert_cmpint(run_program(help, NULL, &out, NULL, WAIT_MS), ==, 0);
	g_assert_true(g_str_has_prefix(out, "Usage: sockd"));
	g_free(out);
	g_assert_cmpint(run_program(version, NULL, &out, NULL, WAIT_MS), ==, 0);
	expect = g_strdup_printf("sockd %s%s\n", PACKAGE_VERSION, commit);
	g_assert_cmpstr(out, ==, expect);
	g_free(expect);
	g_free(commit);
	g_free(out);
}

/* A port in use, for clients or metrics: exit 69, naming the address. */
static void
test_port_in_use_exit_69(void)
{
	char port[16], expected[64], metrics[32], *err;
	int fd;

	g_snprintf(port, sizeof port, "%d", tcp_listen_loopback(&fd));
	g_assert_cmpint(run_sockd(&err, "--port", port, NULL), ==, 69);
	/* Until it has started, sockd reports as a command does: one
	 * "sockd: " line, like its usage errors, not a log line. */
	g_snprintf(expected, sizeof expected,
	    "sockd: bind 127.0.0.1:%s: Address already in use\n", port);
	g_assert_cmpstr(err + strlen(err) - strlen(expected), ==, expected);
	g_free(err);
	/* The metrics address is a listening socket like the others. */
	g_snprintf(metrics, sizeof metrics, "127.0.0.1:%s", port);
	g_assert_cmpint(run_sockd(&err, "--port=0", "--metrics", metrics,
	    NULL), ==, 69);
	g_assert_nonnull(strstr(err, expected));
	g_free(err);
	close(fd);
}

/*
 * A name that cannot be resolved gives 69 and names itself.  Its first
 * label is 64 bytes, one more than DNS allows (RFC 1035): glibc's resolver
 * cannot put it in a query and fails before sending one, so the test is
 * the same with or without a nameserver or a network, and never waits on
 * one.  .invalid (RFC 6761): no resolver could know it anyway.  The cause
 * after "resolve NAME:PORT: " is the resolver's and is not checked.
 */
static void
test_unknown_name_exit_69(void)
{
	char label[64 + 1], name[80], expected[100], *err;

	memset(label, 'x', sizeof label - 1);
	label[sizeof label - 1] = '\0';
	g_snprintf(name, sizeof name, "%s.invalid", label);
	g_assert_cmpint(run_sockd(&err, "--listen", name, NULL), ==, 69);
	g_snprintf(expected, sizeof expected, "resolve %s:8001: ", name);
	g_assert_nonnull(strstr(err, expected));
	g_free(err);
}

/*
 * Out of descriptors, sockd answers the clients it cannot take "busy" on
 * a descriptor it kept spare, rather than leave them waiting unanswered,
 * and serves again by itself once descriptors come back.
 */
static void
test_out_of_descriptors_recovers(void)
{
	const char *args[] = { harness_program("SOCKD"), "--port", "0",
	    "--timeout", "30", NULL };
	/* Few descriptors: stdio, log pipe, listener, signal and drain
	 * pipes, the spare, and a handful of clients. */
	struct server *srv = server_startv(args, 16);
	int fds[24], i, fd, busy = 0;
	size_t len;
	char *got;

	for (i = 0; i < 24; i++)
		fds[i] = server_connect(srv);
	g_assert_true(server_wait_log(srv, "accept (answering busy)",
	    WAIT_MS));
	/* At most 16 descriptors can hold clients: the rest were told. */
	for (i = 0; i < 24; i++) {
		got = tcp_recv(fds[i], 5, 500, &len);
		if (len == 5 && memcmp(got, "busy\n", 5) == 0 &&
		    tcp_wait_closed(fds[i], WAIT_MS))
			busy++;
		g_free(got);
	}
	g_assert_cmpint(busy, >=, 24 - 16);
	for (i = 0; i < 24; i++)
		close(fds[i]);
	/* Every client's descriptor is closed on sockd's side too. */
	g_assert_true(server_wait_log_count(srv, ": closed (", 24, WAIT_MS));
	/* Descriptors came back: a new client is served by itself. */
	fd = server_connect(srv);
	tcp_send_str(fd, "back");
	got = tcp_recv(fd, 2, WAIT_MS, &len);
	g_assert_cmpstr(got, ==, "ok");
	g_free(got);
	close(fd);
	server_stop(srv);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/server/tutorial-exchange", test_tutorial_exchange);
	g_test_add_func("/server/line/crlf-and-batched",
	    test_line_crlf_and_batched);
	g_test_add_func("/server/line/last-line-at-eof",
	    test_line_last_line_at_eof);
	g_test_add_func("/server/echo-raw-and-line", test_echo_raw_and_line);
	g_test_add_func("/server/custom-reply", test_custom_reply);
	g_test_add_func("/server/log/escaping-and-truncation",
	    test_log_escaping_and_truncation);
	g_test_add_func("/server/log/debug-traces-the-pool",
	    test_debug_traces_the_pool);
	g_test_add_func("/server/timeout/idle", test_idle_timeout);
	g_test_add_func("/server/timeout/send", test_send_timeout);
	g_test_add_func("/server/pool/sixty-clients-four-workers",
	    test_sixty_clients_four_workers);
	g_test_add_func("/server/pool/busy-when-queue-full",
	    test_busy_when_queue_full);
	g_test_add_func("/server/pool/max-per-ip", test_max_per_ip);
	g_test_add_func("/server/pool/out-of-descriptors-recovers",
	    test_out_of_descriptors_recovers);
	g_test_add_func("/server/line/too-long-then-healthy-client",
	    test_long_line_then_healthy_client);
	g_test_add_func("/server/reset-client-harmless",
	    test_reset_client_harmless);
	g_test_add_func("/server/ipv6-loopback", test_ipv6_loopback);
	g_test_add_func("/server/shutdown/idle-clients",
	    test_sigterm_with_idle_clients);
	g_test_add_func("/server/shutdown/answers-last-line-at-eof",
	    test_sigterm_answers_last_line_at_eof);
	g_test_add_func("/server/shutdown/answers-received-and-queued",
	    test_sigterm_answers_received_and_queued);
	g_test_add_func("/server/shutdown/serves-backlog",
	    test_sigterm_serves_backlog);
	g_test_add_func("/server/shutdown/second-sigterm-ends-drain",
	    test_second_sigterm_ends_drain);
	g_test_add_func("/server/shutdown/client-not-reading",
	    test_sigterm_with_client_not_reading);
	g_test_add_func("/server/exit/bad-options-64",
	    test_bad_options_exit_64);
	g_test_add_func("/server/exit/help-and-version",
	    test_help_and_version);
	g_test_add_func("/server/exit/port-in-use-69",
	    test_port_in_use_exit_69);
	g_test_add_func("/server/exit/unknown-name-69",
	    test_unknown_name_exit_69);
	return g_test_run();
}
