/*
 * test-systemd.c - sockd under systemd, against the real binary: the
 * notify protocol (path and abstract sockets, watchdog), socket activation
 * by hand and by systemd-socket-activate, the journal's priority prefix,
 * and systemd-analyze on the built units.
 */
#include "build-config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <glib.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "harness.h"

/* A datagram socket standing in for systemd's notify socket. */
struct notify_listener {
	int fd;
	char path[108];
	GString *got;
};

/* Bind n's socket: a file in dir, or a random abstract name. */
static void
notify_listen(struct notify_listener *n, const char *dir, bool abstract)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	socklen_t len;

	n->got = g_string_new(NULL);
	n->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	g_assert_cmpint(n->fd, >=, 0);
	if (abstract)
		g_snprintf(n->path, sizeof n->path, "@sockd-test-%d-%d",
		    (int)getpid(), g_random_int_range(0, 1 << 30));
	else
		g_snprintf(n->path, sizeof n->path, "%s/notify", dir);
	memcpy(sun.sun_path, n->path, strlen(n->path));
	if (abstract)
		sun.sun_path[0] = '\0';
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
	    strlen(n->path));
	g_assert_cmpint(bind(n->fd, (struct sockaddr *)&sun, len), ==, 0);
}

/* Collect datagrams until one contains needle. */
static bool
notify_expect(struct notify_listener *n, const char *needle)
{
	gint64 deadline = now_ms() + WAIT_MS;
	char buf[2048];
	ssize_t len;

	while (strstr(n->got->str, needle) == NULL) {
		if (!fd_wait(n->fd, POLLIN, deadline)) {
			g_test_message("notifications so far:\n%s",
			    n->got->str);
			return false;
		}
		len = recv(n->fd, buf, sizeof buf, 0);
		g_assert_cmpint(len, >, 0);
		g_string_append_len(n->got, buf, len);
		g_string_append_c(n->got, '|');
	}
	return true;
}

/* Start sockd with $NOTIFY_SOCKET at path and the watchdog period. */
static struct server *
start_notified(const char *path, const char *watchdog_usec)
{
	struct server *srv;

	g_setenv("NOTIFY_SOCKET", path, TRUE);
	g_setenv("WATCHDOG_USEC", watchdog_usec, TRUE);
	srv = server_start(NULL);
	g_unsetenv("NOTIFY_SOCKET");
	g_unsetenv("WATCHDOG_USEC");
	return srv;
}

/* READY, WATCHDOG, RELOADING and STOPPING each come in their turn. */
static void
run_notify_test(bool abstract)
{
	char *dir = temp_dir();
	struct notify_listener n;
	struct server *srv;
	int status;

	notify_listen(&n, dir, abstract);
	srv = start_notified(n.path, "400000");
	g_assert_true(notify_expect(&n, "READY=1\nSTATUS=accepted=0"));
	/* Watchdog at half of 400 ms: it keeps coming. */
	g_assert_true(notify_expect(&n, "WATCHDOG=1|"));
	server_signal(srv, SIGHUP);
	g_assert_true(notify_expect(&n, "RELOADING=1\nMONOTONIC_USEC="));
	server_signal(srv, SIGTERM);
	g_assert_true(notify_expect(&n, "STOPPING=1"));
	g_assert_true(notify_expect(&n, "EXTEND_TIMEOUT_USEC="));
	status = server_wait_exit(srv, WAIT_MS);
	g_assert_cmpint(status, ==, 0);
	server_free(srv);
	close(n.fd);
	g_string_free(n.got, TRUE);
	remove_dir(dir);
}

/* $NOTIFY_SOCKET naming a file. */
static void
test_notify_path_socket(void)
{
	run_notify_test(false);
}

/* $NOTIFY_SOCKET naming an abstract socket ("@name"). */
static void
test_notify_abstract_socket(void)
{
	run_notify_test(true);
}

/* A socket passed as systemd passes it replaces --listen. */
static void
test_socket_activation_by_hand(void)
{
	const char *args[] = { harness_program("SOCKD"), "--listen",
	    "127.0.0.2", "--port", "1", NULL };
	struct spawn_options o = { .activated_fd = -1,
	    .wait_for = "listening on " };
	struct server *srv;
	int lfd, port, fd;
	char *expect;

	/* What systemd does: the socket at descriptor 3 and LISTEN_PID
	 * set to the child's pid; the --listen given is not used. */
	port = tcp_listen_loopback(&lfd);
	o.activated_fd = lfd;
	srv = server_spawn(args, &o);
	expect = g_strdup_printf("listening on 127.0.0.1:%d (socket from "
	    "systemd)", port);
	g_assert_true(server_wait_log(srv, expect, WAIT_MS));
	g_assert_cmpint(srv->port, ==, port);
	close(lfd);
	fd = tcp_connect("127.0.0.1", port);
	tcp_exchange(fd, "activated", "ok");
	close(fd);
	server_stop(srv);
	g_free(expect);
}

/* Connect without blocking; true once the kernel completed it. */
static bool
handshake_completes(int port, int *fd)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
	    .sin_port = htons((uint16_t)port),
	    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int err = 0;
	socklen_t len = sizeof err;

	*fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	g_assert_cmpint(*fd, >=, 0);
	if (connect(*fd, (struct sockaddr *)&sin, sizeof sin) < 0)
		g_assert_cmpint(errno, ==, EINPROGRESS);
	/* A dropped SYN is retried after a second: two tries' worth. */
	if (!fd_wait(*fd, POLLOUT, now_ms() + 2500))
		return false;
	g_assert_cmpint(getsockopt(*fd, SOL_SOCKET, SO_ERROR, &err, &len),
	    ==, 0);
	return err == 0;
}

/*
 * systemd keeps its socket open across a stop of the service: a client
 * that comes meanwhile waits on it for the next sockd, which serves it.
 * sockd's shutdown must leave the socket as it found it (it once left a
 * filter on it that dropped every new handshake for good).
 */
static void
test_activation_socket_outlives_sockd(void)
{
	const char *args[] = { harness_program("SOCKD"), NULL };
	struct spawn_options o = { .activated_fd = -1,
	    .wait_for = "listening on " };
	struct server *srv;
	int lfd, port, fd;
	char *got;

	port = tcp_listen_loopback(&lfd);
	o.activated_fd = lfd;
	srv = server_spawn(args, &o);
	server_stop(srv);
	g_assert_true(handshake_completes(port, &fd));
	tcp_send_str(fd, "waited");
	srv = server_spawn(args, &o);
	got = tcp_recv(fd, 2, WAIT_MS, NULL);
	g_assert_cmpstr(got, ==, "ok");
	g_free(got);
	close(fd);
	server_stop(srv);
	close(lfd);
}

/* systemd-socket-activate starts sockd for its first client. */
static void
test_socket_activation_with_systemd_tool(void)
{
	char *tool = g_find_program_in_path("systemd-socket-activate");
	char listen_arg[64];
	const char *args[8];
	struct spawn_options o = { .activated_fd = -1,
	    .wait_for = "Listening on" };
	struct server *srv;
	int held, port, fd;

	if (tool == NULL) {
		g_test_skip("systemd-socket-activate is not installed");
		return;
	}
	/* The tool takes no port 0: hold a port it can share, and nothing
	 * else can take, until it listens there. */
	port = tcp_reserve_port(&held, true);
	g_snprintf(listen_arg, sizeof listen_arg, "--listen=127.0.0.1:%d",
	    port);
	args[0] = tool;
	args[1] = listen_arg;
	args[2] = harness_program("SOCKD");
	args[3] = "--listen";
	args[4] = "127.0.0.2";
	args[5] = NULL;
	/* The tool listens, and execs sockd in its own process when the
	 * first client connects; that client is then served. */
	srv = server_spawn(args, &o);
	fd = tcp_connect("127.0.0.1", port);
	tcp_exchange(fd, "first", "ok");
	close(fd);
	g_assert_true(server_wait_log(srv, "(socket from systemd)", WAIT_MS));
	fd = tcp_connect("127.0.0.1", port);
	tcp_exchange(fd, "again", "ok");
	close(fd);
	server_stop(srv);
	close(held);
	g_free(tool);
}

/* On the journal stream a line starts with <N>, not a level name. */
static void
test_journal_priority_prefix(void)
{
	const char *args[] = { harness_program("SOCKD"), "--port", "0", NULL };
	struct spawn_options o = { .activated_fd = -1, .journal = true,
	    .wait_for = "listening on " };
	struct server *srv;

	/* The harness's log pipe plays the journal stream. */
	srv = server_spawn(args, &o);
	g_assert_true(server_wait_log(srv, "<5>listening on 127.0.0.1:",
	    WAIT_MS));
	g_assert_cmpuint(server_log_count(srv, "notice:"), ==, 0);
	server_stop(srv);
}

/* text with every match of the multi-line pattern replaced; g_free it. */
static char *
replace_all(const char *pattern, const char *text, const char *replacement)
{
	GRegex *re = g_regex_new(pattern, G_REGEX_MULTILINE, 0, NULL);
	char *result = g_regex_replace(re, text, -1, 0, replacement, 0, NULL);

	g_assert_nonnull(result);
	g_regex_unref(re);
	return result;
}

/* How many times the multi-line pattern matches text. */
static unsigned
count_matches(const char *pattern, const char *text)
{
	GRegex *re = g_regex_new(pattern, G_REGEX_MULTILINE, 0, NULL);
	GMatchInfo *match;
	unsigned n = 0;

	for (g_regex_match(re, text, 0, &match); g_match_info_matches(match);
	    g_match_info_next(match, NULL))
		n++;
	g_match_info_free(match);
	g_regex_unref(re);
	return n;
}

/* systemd-analyze verify finds nothing wrong in the built units. */
static void
test_units_verify(void)
{
	char *tool = g_find_program_in_path("systemd-analyze");
	char **dirs = g_strsplit(g_getenv("SOCKD_UNITS"), ":", 2);
	char *dir = temp_dir(), *in, *text, *service, *socket, *err, *out;
	char *exec_sockd;
	const char *args[6];
	GError *error = NULL;
	int status;

	if (tool == NULL) {
		g_test_skip("systemd-analyze is not installed");
		g_strfreev(dirs);
		remove_dir(dir);
		return;
	}
	/* The built unit, pointed at the built binary: verify checks that
	 * each command (ExecStart, ExecReload) exists. */
	in = g_build_filename(dirs[0], "sockd.service", NULL);
	g_assert_true(g_file_get_contents(in, &text, NULL, &error));
	exec_sockd = g_strdup_printf("\\1%s ", harness_program("SOCKD"));
	service = replace_all("^(Exec[A-Za-z]+=)\\S*/sockd ", text, exec_sockd);
	g_assert_cmpuint(count_matches("^Exec[A-Za-z]+=/\\S*/src/sockd ",
	    service), ==, 2);
	g_free(text);
	text = service;
	service = write_file(dir, "sockd.service", text);
	g_free(text);
	g_free(exec_sockd);
	g_free(in);
	in = g_build_filename(dirs[1], "sockd.socket", NULL);
	g_assert_true(g_file_get_contents(in, &text, NULL, &error));
	socket = write_file(dir, "sockd.socket", text);
	g_free(text);
	g_free(in);
	args[0] = tool;
	args[1] = "verify";
	args[2] = "--man=no";
	args[3] = service;
	args[4] = socket;
	args[5] = NULL;
	status = run_program(args, NULL, &out, &err, 60000);
	if (status != 0)
		g_test_message("systemd-analyze said:\n%s%s", out, err);
	g_assert_cmpint(status, ==, 0);
	g_free(out);
	g_free(err);
	g_free(service);
	g_free(socket);
	g_free(tool);
	g_strfreev(dirs);
	remove_dir(dir);
}

/* Start sockd with fd at descriptor 3 as an activation socket; it must
 * refuse it with 69 and say why. */
static void
assert_activation_refused(int fd, const char *why)
{
	const char *args[] = { harness_program("SOCKD"), NULL };
	struct spawn_options o = { .activated_fd = fd };
	struct server *srv = server_spawn(args, &o);
	char *expect;

	g_assert_cmpint(server_wait_exit(srv, WAIT_MS), ==, 69);
	expect = g_strdup_printf("sockd: LISTEN_FDS: descriptor 3: %s", why);
	g_assert_true(server_wait_log(srv, expect, WAIT_MS));
	g_free(expect);
	server_free(srv);
	close(fd);
}

/* Only listening stream sockets are served: a datagram socket, or a
 * stream socket that does not listen, made every accept fail at once,
 * 180,000 times a second. */
static void
test_activation_refuses_what_cannot_accept(void)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	g_assert_cmpint(fd, >=, 0);
	assert_activation_refused(fd, "not a stream socket");
	tcp_reserve_port(&fd, false);
	assert_activation_refused(fd, "not listening");
}

/* Fill the queue of n's socket, as a supervisor that stopped reading
 * leaves it; a send to it now fails with EAGAIN instead of waiting. */
static void
notify_fill(struct notify_listener *n)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	unsigned sent = 0;

	memcpy(sun.sun_path, n->path, strlen(n->path));
	while (sendto(fd, "x", 1, MSG_DONTWAIT, (struct sockaddr *)&sun,
	    sizeof sun) == 1)
		sent++;
	g_assert_cmpint(errno, ==, EAGAIN);
	g_assert_cmpuint(sent, >, 0);
	close(fd);
}

/* Read and forget every datagram waiting on n's socket. */
static void
notify_drain(struct notify_listener *n)
{
	char buf[2048];

	while (recv(n->fd, buf, sizeof buf, MSG_DONTWAIT) > 0)
		;
}

/*
 * After three more failed sends (each SIGUSR1 sends STATUS=), the log
 * still holds one notify warning: the first, naming READY and why.
 */
static void
assert_one_notify_warning(struct server *srv, const char *why)
{
	char *expect;
	int i;

	for (i = 1; i <= 3; i++) {
		server_signal(srv, SIGUSR1);
		g_assert_true(server_wait_log_count(srv, "counters: ",
		    (unsigned)i, WAIT_MS));
	}
	g_assert_cmpuint(server_log_count(srv, "notify"), ==, 1);
	expect = g_strdup_printf("notify: READY to $NOTIFY_SOCKET (further "
	    "failures are counted): %s", why);
	g_assert_true(server_wait_log(srv, expect, WAIT_MS));
	g_free(expect);
}

/*
 * A supervisor that stops reading must not stop the service: the notify
 * socket is not waited on, a lost message is reported once (by its name,
 * not its format string), and recovery is reported with the count lost.
 */
static void
test_notify_reader_stopped(void)
{
	char *dir = temp_dir();
	struct notify_listener n;
	struct server *srv;
	int fd;

	notify_listen(&n, dir, false);
	notify_fill(&n);
	srv = start_notified(n.path, "20000");
	/* Blocked in sendto, the accept loop would answer nobody. */
	fd = server_connect(srv);
	tcp_exchange(fd, "x", "ok");
	close(fd);
	assert_one_notify_warning(srv, "Resource temporarily unavailable");
	notify_drain(&n);
	g_assert_true(server_wait_log(srv, "notify: $NOTIFY_SOCKET takes "
	    "messages again; ", WAIT_MS));
	server_stop(srv);
	close(n.fd);
	g_string_free(n.got, TRUE);
	remove_dir(dir);
}

/* A notify socket nobody listens on is reported once, not at every
 * watchdog tick, and never as a raw format string. */
static void
test_notify_socket_missing(void)
{
	char *dir = temp_dir(), *path = g_build_filename(dir, "none", NULL);
	struct server *srv;

	srv = start_notified(path, "20000");
	assert_one_notify_warning(srv, "No such file or directory");
	g_assert_cmpuint(server_log_count(srv, "%s"), ==, 0);
	server_stop(srv);
	g_free(path);
	remove_dir(dir);
}

/* STATUS= comes every few seconds, not at every watchdog tick. */
static void
test_notify_status_not_per_tick(void)
{
	char *dir = temp_dir(), buf[2048];
	struct notify_listener n;
	struct server *srv;
	unsigned watchdogs = 0, status = 0;
	ssize_t len;

	notify_listen(&n, dir, false);
	srv = start_notified(n.path, "100000");
	g_assert_true(notify_expect(&n, "READY=1"));
	/* Twenty ticks of the 50 ms watchdog: about a second. */
	while (watchdogs < 20) {
		g_assert_true(fd_wait(n.fd, POLLIN, now_ms() + WAIT_MS));
		len = recv(n.fd, buf, sizeof buf - 1, 0);
		g_assert_cmpint(len, >, 0);
		buf[len] = '\0';
		watchdogs += strstr(buf, "WATCHDOG=1") != NULL;
		status += strstr(buf, "STATUS=") != NULL;
	}
	/* A refresh every 5 s: at most one in that second. */
	g_assert_cmpuint(status, <=, 1);
	server_stop(srv);
	close(n.fd);
	g_string_free(n.got, TRUE);
	remove_dir(dir);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/service/notify/path-socket", test_notify_path_socket);
	g_test_add_func("/service/notify/abstract-socket",
	    test_notify_abstract_socket);
	g_test_add_func("/service/activation/by-hand",
	    test_socket_activation_by_hand);
	g_test_add_func("/service/activation/systemd-socket-activate",
	    test_socket_activation_with_systemd_tool);
	g_test_add_func("/service/log/journal-priority-prefix",
	    test_journal_priority_prefix);
	g_test_add_func("/service/units/verify", test_units_verify);
	g_test_add_func("/service/activation/socket-outlives-sockd",
	    test_activation_socket_outlives_sockd);
	g_test_add_func("/service/activation/refuses-what-cannot-accept",
	    test_activation_refuses_what_cannot_accept);
	g_test_add_func("/service/notify/reader-stopped",
	    test_notify_reader_stopped);
	g_test_add_func("/service/notify/socket-missing",
	    test_notify_socket_missing);
	g_test_add_func("/service/notify/status-not-per-tick",
	    test_notify_status_not_per_tick);
	return g_test_run();
}
