/*
 * test-service.c - sockd as a system service, against the real binary:
 * the configuration file, SIGHUP and SIGUSR1, systemd's notify and socket
 * activation protocols, the pid file, --daemon, log file reopening, the
 * journal prefix, --user, and systemd-analyze on the built units.
 */
#include "build-config.h"

#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <netinet/in.h>
#include <pwd.h>
#include <arpa/inet.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

static void
test_config_values(void)
{
	char *dir = temp_dir();
	char *conf = write_file(dir, "sockd.conf",
	    "# a comment\n"
	    "\n"
	    "  framing = line\n"
	    "reply = \" pong \"\n"
	    "workers=3\n"
	    "timeout = 30\n");
	struct server *srv = server_start("-c", conf, NULL);
	int fd = server_connect(srv);

	tcp_exchange(fd, "ping\n", " pong \n");
	g_assert_true(server_wait_log(srv, "3 workers, queue 1024, line",
	    WAIT_MS));
	close(fd);
	server_stop(srv);
	g_free(conf);
	remove_dir(dir);
}

/* A file with text must stop sockd with 78 and "FILE:LINE: expect". */
static void
assert_config_error(const char *text, unsigned line, const char *expect)
{
	char *dir = temp_dir();
	char *conf = write_file(dir, "bad.conf", text);
	char *err, *want;

	g_assert_cmpint(run_sockd(&err, "-c", conf, "--port", "0", NULL), ==,
	    78);
	want = g_strdup_printf("sockd: %s:%u: %s", conf, line, expect);
	g_assert_true(g_str_has_prefix(err, want));
	g_assert_cmpint(strchr(err, '\n') - err, ==, (long)strlen(err) - 1);
	g_free(want);
	g_free(err);
	g_free(conf);
	remove_dir(dir);
}

static void
test_config_errors_exit_78(void)
{
	char *err;

	assert_config_error("reply = x\n\nworkers = 0\n", 3,
	    "workers: '0' is not a number in 1-4096");
	assert_config_error("bogus = 1\n", 1, "unknown name 'bogus'");
	assert_config_error("echo = maybe\n", 1, "echo: 'maybe' is not yes");
	assert_config_error("# fine\nlisten = [::1\n", 2, "listen: ");
	assert_config_error("metrics = localhost\n", 1,
	    "metrics: 'localhost': expected ADDR:PORT");
	assert_config_error("timeout 5\n", 1, "expected name = value");
	assert_config_error("config = /etc/other.conf\n", 1,
	    "unknown name 'config'");
	assert_config_error("check-config = yes\n", 1,
	    "unknown name 'check-config'");
	g_assert_cmpint(run_sockd(&err, "-c", "/nonexistent/sockd.conf",
	    NULL), ==, 78);
	g_assert_cmpstr(err, ==, "sockd: /nonexistent/sockd.conf:0: "
	    "No such file or directory\n");
	g_free(err);
}

/* -n checks file and command line and starts nothing: a port in use, a
 * pid file and a log file are not touched. */
static void
test_check_config(void)
{
	const char *args[] = { harness_program("SOCKD"), "-n", "-c", NULL,
	    NULL, NULL };
	char *dir = temp_dir(), *text, *conf, *pidfile, *logfile, *out, *err;
	int fd, port = tcp_listen_loopback(&fd);

	pidfile = g_build_filename(dir, "sockd.pid", NULL);
	logfile = g_build_filename(dir, "sockd.log", NULL);
	text = g_strdup_printf("listen = 127.0.0.1:%d\npidfile = %s\n"
	    "log-file = %s\nframing = line\n", port, pidfile, logfile);
	conf = write_file(dir, "sockd.conf", text);
	args[3] = conf;
	g_assert_cmpint(run_program(args, NULL, &out, &err, WAIT_MS), ==, 0);
	g_assert_cmpstr(out, ==, "configuration OK\n");
	g_assert_cmpstr(err, ==, "");
	g_assert_false(g_file_test(pidfile, G_FILE_TEST_EXISTS));
	g_assert_false(g_file_test(logfile, G_FILE_TEST_EXISTS));
	g_free(out);
	g_free(err);
	/* The long form, and a bad command line: 64, nothing on stdout. */
	args[1] = "--check-config";
	args[4] = "--workers=0";
	g_assert_cmpint(run_program(args, NULL, &out, &err, WAIT_MS), ==, 64);
	g_assert_cmpstr(out, ==, "");
	g_assert_cmpstr(err, ==, "sockd: --workers: '0' is not a number in "
	    "1-4096\n");
	g_free(out);
	g_free(err);
	g_free(conf);
	/* A bad file: 78 and FILE:LINE. */
	conf = write_file(dir, "bad.conf", "framing = line\nworkers = many\n");
	args[3] = conf;
	args[4] = NULL;
	g_assert_cmpint(run_program(args, NULL, &out, &err, WAIT_MS), ==, 78);
	g_assert_cmpstr(out, ==, "");
	g_free(text);
	text = g_strdup_printf("sockd: %s:2: workers: 'many' is not a number "
	    "in 1-4096\n", conf);
	g_assert_cmpstr(err, ==, text);
	g_free(out);
	g_free(err);
	g_free(text);
	g_free(conf);
	g_free(pidfile);
	g_free(logfile);
	close(fd);
	remove_dir(dir);
}

static void
test_command_line_overrides_file(void)
{
	char *dir = temp_dir();
	char *conf = write_file(dir, "sockd.conf",
	    "reply = from-file\nlisten = 127.0.0.2\nport = 1\n");
	struct server *srv = server_start("--reply", "from-cli", "-c", conf,
	    "--listen", "127.0.0.1", "--port", "0", NULL);
	int fd = server_connect(srv);

	tcp_exchange(fd, "x", "from-cli");
	/* The command line's --listen replaced the file's. */
	g_assert_cmpuint(server_log_count(srv, "listening on"), ==, 1);
	close(fd);
	server_stop(srv);
	g_free(conf);
	remove_dir(dir);
}

static void
test_sighup_changes_reply_live(void)
{
	char *dir = temp_dir();
	char *conf = write_file(dir, "sockd.conf", "reply = one\n");
	struct server *srv = server_start("-c", conf, NULL);
	int fd = server_connect(srv);
	GError *error = NULL;

	tcp_exchange(fd, "a", "one");
	g_file_set_contents(conf, "reply = two\nworkers = 5\n", -1, &error);
	g_assert_no_error(error);
	server_signal(srv, SIGHUP);
	g_assert_true(server_wait_log(srv, "reloaded ", WAIT_MS));
	g_assert_true(server_wait_log(srv, "workers changed (256 to 5)",
	    WAIT_MS));
	/* The same connection gets the new reply for its next message. */
	tcp_exchange(fd, "b", "two");

	/* A broken file keeps the running settings. */
	g_file_set_contents(conf, "reply = three\nworkers = none\n", -1,
	    &error);
	g_assert_no_error(error);
	server_signal(srv, SIGHUP);
	g_assert_true(server_wait_log(srv, "keeping the running settings",
	    WAIT_MS));
	g_assert_true(server_wait_log(srv, "sockd.conf:2: workers:",
	    WAIT_MS));
	tcp_exchange(fd, "c", "two");
	close(fd);
	server_stop(srv);
	g_free(conf);
	remove_dir(dir);
}

/* A reloaded timeout applies to the connections that come next. */
static void
test_sighup_changes_timeout(void)
{
	char *dir = temp_dir();
	char *conf = write_file(dir, "sockd.conf", "timeout = 60\n");
	struct server *srv = server_start("-c", conf, NULL);
	GError *error = NULL;
	gint64 start;
	int fd;

	g_file_set_contents(conf, "timeout = 1\n", -1, &error);
	g_assert_no_error(error);
	server_signal(srv, SIGHUP);
	g_assert_true(server_wait_log(srv, "reloaded ", WAIT_MS));
	fd = server_connect(srv);
	start = now_ms();
	tcp_exchange(fd, "a", "ok");
	g_assert_true(tcp_wait_closed(fd, WAIT_MS));
	g_assert_cmpint(now_ms() - start, >=, 900);
	g_assert_true(server_wait_log(srv, "closed (time out)", WAIT_MS));
	close(fd);
	server_stop(srv);
	g_free(conf);
	remove_dir(dir);
}

/* A reloaded --max-per-ip applies to the next connection. */
static void
test_sighup_changes_max_per_ip(void)
{
	char *dir = temp_dir();
	char *conf = write_file(dir, "sockd.conf", "max-per-ip = 1\n");
	struct server *srv = server_start("-c", conf, NULL);
	GError *error = NULL;
	int held, refused, admitted;
	char *got;

	held = server_connect(srv);
	tcp_exchange(held, "a", "ok");
	refused = server_connect(srv);
	got = tcp_recv(refused, 100, WAIT_MS, NULL);
	g_assert_cmpstr(got, ==, "busy\n");
	g_free(got);
	close(refused);
	g_file_set_contents(conf, "max-per-ip = 2\n", -1, &error);
	g_assert_no_error(error);
	server_signal(srv, SIGHUP);
	g_assert_true(server_wait_log(srv, "reloaded ", WAIT_MS));
	admitted = server_connect(srv);
	tcp_exchange(admitted, "b", "ok");
	close(admitted);
	close(held);
	server_stop(srv);
	g_free(conf);
	remove_dir(dir);
}

static void
test_sigusr1_counters(void)
{
	struct server *srv = server_start(NULL);
	int fd = server_connect(srv);

	tcp_exchange(fd, "hello", "ok");
	close(fd);
	g_assert_true(server_wait_log(srv, "closed (peer closed)", WAIT_MS));
	server_signal(srv, SIGUSR1);
	g_assert_true(server_wait_log(srv, "counters: accepted=1 active=0 "
	    "rejected=0 timeouts=0 messages=1 bytes=5 replies=1 errors=0",
	    WAIT_MS));
	server_stop(srv);
}

/* Counters include what connections still open have done. */
static void
test_sigusr1_counts_open_connections(void)
{
	struct server *srv = server_start("--framing", "line", NULL);
	int fd = server_connect(srv);

	tcp_exchange(fd, "one\ntwo\n", "ok\nok\n");
	tcp_exchange(fd, "three\n", "ok\n");
	server_signal(srv, SIGUSR1);
	g_assert_true(server_wait_log(srv, "counters: accepted=1 active=1 "
	    "rejected=0 timeouts=0 messages=3 bytes=14 replies=3 errors=0",
	    WAIT_MS));
	close(fd);
	server_stop(srv);
}

/* One HTTP exchange with the metrics endpoint: the whole answer. */
static char *
http_exchange(int port, const char *request)
{
	int fd = tcp_connect("127.0.0.1", port);
	char *got;

	tcp_send_str(fd, request);
	/* The server closes after its answer: read to the end. */
	got = tcp_recv(fd, 65536, WAIT_MS, NULL);
	close(fd);
	return got;
}

static void
test_metrics_endpoint(void)
{
	struct server *srv = server_start("--framing", "line",
	    "--metrics", "127.0.0.1:0", NULL);
	int fd = server_connect(srv), port;
	char *got;

	g_assert_true(server_wait_log(srv, "metrics on 127.0.0.1:", WAIT_MS));
	port = server_log_port(srv, "metrics on ");
	g_assert_cmpint(port, >, 0);
	tcp_exchange(fd, "one\ntwo\n", "ok\nok\n");

	got = http_exchange(port, "GET /metrics HTTP/1.1\r\n"
	    "Host: localhost\r\n\r\n");
	g_assert_true(g_str_has_prefix(got, "HTTP/1.1 200 OK\r\n"));
	g_assert_nonnull(strstr(got, "\r\nContent-Type: text/plain; "
	    "version=0.0.4"));
	g_assert_nonnull(strstr(got, "\nsockd_connections_accepted_total 1\n"));
	g_assert_nonnull(strstr(got, "\nsockd_connections_active 1\n"));
	g_assert_nonnull(strstr(got, "\nsockd_messages_received_total 2\n"));
	g_assert_nonnull(strstr(got, "\nsockd_replies_sent_total 2\n"));
	g_free(got);

	got = http_exchange(port, "GET /other HTTP/1.0\r\n\r\n");
	g_assert_true(g_str_has_prefix(got, "HTTP/1.1 404 "));
	g_free(got);
	got = http_exchange(port, "DELETE /metrics HTTP/1.1\r\n\r\n");
	g_assert_true(g_str_has_prefix(got, "HTTP/1.1 405 "));
	g_assert_nonnull(strstr(got, "\r\nAllow: GET, HEAD\r\n"));
	g_free(got);
	got = http_exchange(port, "hello\r\n\r\n");
	g_assert_true(g_str_has_prefix(got, "HTTP/1.1 400 "));
	g_free(got);

	/* A scraper that sends nothing does not stop the next one. */
	{
		int idle = tcp_connect("127.0.0.1", port);

		got = http_exchange(port, "GET /metrics HTTP/1.1\r\n\r\n");
		g_assert_true(g_str_has_prefix(got, "HTTP/1.1 200 OK\r\n"));
		g_free(got);
		close(idle);
	}
	/* The server still answers its clients, and stops cleanly. */
	tcp_exchange(fd, "three\n", "ok\n");
	close(fd);
	server_stop(srv);
}

/* A scraper that trickles its request, a byte at a time, is cut off
 * by the exchange's deadline instead of holding the endpoint. */
static void
test_metrics_trickle_cut_off(void)
{
	struct server *srv = server_start("--metrics", "127.0.0.1:0", NULL);
	gint64 start;
	int fd, port;
	char c;

	g_assert_true(server_wait_log(srv, "metrics on 127.0.0.1:", WAIT_MS));
	port = server_log_port(srv, "metrics on ");
	fd = tcp_connect("127.0.0.1", port);
	signal(SIGPIPE, SIG_IGN);
	start = now_ms();
	for (;;) {
		/* Never finishes the head: "GET /metrics HTTP/1.1\r\nX-..." */
		if (send(fd, "x", 1, MSG_NOSIGNAL) < 0)
			break;
		/* A byte every 200 ms, until the server hangs up. */
		if (fd_wait(fd, POLLIN, now_ms() + 200) &&
		    recv(fd, &c, 1, 0) <= 0)
			break;
		g_assert_cmpint(now_ms() - start, <, WAIT_MS);
	}
	close(fd);
	server_stop(srv);
}

/* A datagram socket standing in for systemd's notify socket. */
struct notify_listener {
	int fd;
	char path[108];
	GString *got;
};

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

static void
run_notify_test(bool abstract)
{
	char *dir = temp_dir();
	struct notify_listener n;
	struct server *srv;
	int status;

	notify_listen(&n, dir, abstract);
	g_setenv("NOTIFY_SOCKET", n.path, TRUE);
	g_setenv("WATCHDOG_USEC", "400000", TRUE);
	srv = server_start(NULL);
	g_unsetenv("NOTIFY_SOCKET");
	g_unsetenv("WATCHDOG_USEC");
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
	if (!abstract) {
		char *path = g_build_filename(dir, "notify", NULL);

		g_unlink(path);
		g_free(path);
	}
	remove_dir(dir);
}

static void
test_notify_path_socket(void)
{
	run_notify_test(false);
}

static void
test_notify_abstract_socket(void)
{
	run_notify_test(true);
}

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

/* Read a pid file; 0 if it is missing or empty. */
static pid_t
read_pidfile(const char *path)
{
	char *text = NULL;
	pid_t pid = 0;

	if (g_file_get_contents(path, &text, NULL, NULL))
		pid = (pid_t)atoi(text);
	g_free(text);
	return pid;
}

static void
test_pidfile_lock_and_removal(void)
{
	char *dir = temp_dir();
	char *pidfile = g_build_filename(dir, "sockd.pid", NULL);
	struct server *srv = server_start("--pidfile", pidfile, NULL);
	char *err, *expect;

	/* The pid is written after listening; startup ends after it. */
	g_assert_true(server_wait_log(srv, " started: ", WAIT_MS));
	g_assert_cmpint(read_pidfile(pidfile), ==, srv->pid);
	g_assert_cmpint(run_sockd(&err, "--pidfile", pidfile, "--port", "0",
	    NULL), ==, 69);
	expect = g_strdup_printf("pidfile %s: locked by a running sockd "
	    "(pid %d)", pidfile, (int)srv->pid);
	g_assert_nonnull(strstr(err, expect));
	g_free(expect);
	g_free(err);
	server_stop(srv);
	g_assert_false(g_file_test(pidfile, G_FILE_TEST_EXISTS));
	g_free(pidfile);
	remove_dir(dir);
}

/* Wait until a process we did not start is gone. */
static bool
wait_gone(pid_t pid)
{
	gint64 deadline = now_ms() + WAIT_MS;

	/* Not our child: kill(pid, 0) is the only way to ask. */
	while (kill(pid, 0) == 0 && now_ms() < deadline)
		g_usleep(10000);
	return kill(pid, 0) < 0 && errno == ESRCH;
}

static void
test_daemon_detaches(void)
{
	char *dir = temp_dir();
	char *pidfile = g_build_filename(dir, "sockd.pid", NULL);
	char *logfile = g_build_filename(dir, "sockd.log", NULL);
	const char *args[] = { harness_program("SOCKD"), "--daemon",
	    "--pidfile", pidfile, "--log-file", logfile, "--port", "0", NULL };
	char *out, *err, *log = NULL, *p;
	int port, fd;
	pid_t pid;

	/* The parent returns once the daemon is ready, with status 0. */
	g_assert_cmpint(run_program(args, NULL, &out, &err, WAIT_MS), ==, 0);
	g_assert_cmpstr(out, ==, "");
	g_assert_cmpstr(err, ==, "");
	pid = read_pidfile(pidfile);
	g_assert_cmpint(pid, >, 0);
	/* It is in its own session, not ours. */
	g_assert_cmpint(getsid(pid), ==, pid);
	g_assert_true(g_file_get_contents(logfile, &log, NULL, NULL));
	p = strstr(log, "listening on 127.0.0.1:");
	g_assert_nonnull(p);
	port = atoi(p + strlen("listening on 127.0.0.1:"));
	fd = tcp_connect("127.0.0.1", port);
	tcp_exchange(fd, "daemon", "ok");
	close(fd);
	g_assert_cmpint(kill(pid, SIGTERM), ==, 0);
	g_assert_true(wait_gone(pid));
	g_assert_false(g_file_test(pidfile, G_FILE_TEST_EXISTS));
	g_free(log);
	g_assert_true(g_file_get_contents(logfile, &log, NULL, NULL));
	g_assert_nonnull(strstr(log, "get value daemon"));
	g_assert_nonnull(strstr(log, "stopped: accepted=1"));
	g_free(log);
	g_free(out);
	g_free(err);
	g_free(pidfile);
	g_free(logfile);
	remove_dir(dir);
}

static void
test_daemon_failure_reaches_parent(void)
{
	char *dir = temp_dir();
	char *logfile = g_build_filename(dir, "sockd.log", NULL);
	int lfd, port;
	char port_text[16], *err;
	const char *args[] = { harness_program("SOCKD"), "--daemon",
	    "--log-file", logfile, "--port", port_text, NULL };

	/* Port in use: the failure is reported before detaching. */
	port = tcp_listen_loopback(&lfd);
	g_snprintf(port_text, sizeof port_text, "%d", port);
	g_assert_cmpint(run_program(args, NULL, NULL, &err, WAIT_MS), ==, 69);
	g_free(err);
	close(lfd);
	g_free(logfile);
	remove_dir(dir);
}

static void
test_log_file_reopen(void)
{
	char *dir = temp_dir();
	char *logfile = g_build_filename(dir, "sockd.log", NULL);
	char *rotated = g_build_filename(dir, "sockd.log.1", NULL);
	const char *args[] = { harness_program("SOCKD"), "--log-file",
	    logfile, "--port", "0", NULL };
	struct spawn_options o = { .activated_fd = -1 };
	struct server *srv;
	char *text = NULL, *p;
	int port, fd, status;

	/* The log goes to the file: read the port from there. */
	srv = server_spawn(args, &o);
	g_assert_true(wait_file_contains(logfile, "listening on"));
	g_assert_true(g_file_get_contents(logfile, &text, NULL, NULL));
	p = strstr(text, "listening on 127.0.0.1:");
	port = atoi(p + strlen("listening on 127.0.0.1:"));
	g_free(text);
	fd = tcp_connect("127.0.0.1", port);
	tcp_exchange(fd, "before", "ok");
	g_assert_cmpint(g_rename(logfile, rotated), ==, 0);
	server_signal(srv, SIGHUP);
	/* The reopen is logged into the new file. */
	g_assert_true(wait_file_contains(logfile, "log reopened"));
	tcp_exchange(fd, "after", "ok");
	g_assert_true(wait_file_contains(logfile, "get value after"));
	g_assert_true(wait_file_contains(rotated, "get value before"));
	g_assert_true(g_file_get_contents(rotated, &text, NULL, NULL));
	g_assert_null(strstr(text, "get value after"));
	g_free(text);
	close(fd);
	server_signal(srv, SIGTERM);
	status = server_wait_exit(srv, WAIT_MS);
	g_assert_cmpint(status, ==, 0);
	server_free(srv);
	g_free(logfile);
	g_free(rotated);
	remove_dir(dir);
}

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

static void
test_user_drop(void)
{
	struct server *srv;
	struct passwd *pw = getpwnam("nobody");
	char *status_path, *status = NULL, *uid_line, *expect;
	uid_t uid;

	if (getuid() != 0) {
		g_test_skip("dropping to another user needs root");
		return;
	}
	if (pw == NULL) {
		g_test_skip("this machine has no user nobody");
		return;
	}
	uid = pw->pw_uid;
	srv = server_start("--user", "nobody", NULL);
	/* Listening is logged before the drop; startup ends after it. */
	g_assert_true(server_wait_log(srv, " started: ", WAIT_MS));
	status_path = g_strdup_printf("/proc/%d/status", (int)srv->pid);
	g_assert_true(g_file_get_contents(status_path, &status, NULL, NULL));
	uid_line = strstr(status, "\nUid:");
	g_assert_nonnull(uid_line);
	/* real, effective, saved and filesystem ids are all nobody's. */
	expect = g_strdup_printf("\nUid:\t%u\t%u\t%u\t%u\n", (unsigned)uid,
	    (unsigned)uid, (unsigned)uid, (unsigned)uid);
	g_assert_true(g_str_has_prefix(uid_line, expect));
	g_free(expect);
	g_free(status);
	g_free(status_path);
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

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/service/config/values", test_config_values);
	g_test_add_func("/service/config/errors-exit-78",
	    test_config_errors_exit_78);
	g_test_add_func("/service/config/check-config", test_check_config);
	g_test_add_func("/service/config/command-line-overrides-file",
	    test_command_line_overrides_file);
	g_test_add_func("/service/sighup/changes-reply-live",
	    test_sighup_changes_reply_live);
	g_test_add_func("/service/sighup/changes-timeout",
	    test_sighup_changes_timeout);
	g_test_add_func("/service/sighup/changes-max-per-ip",
	    test_sighup_changes_max_per_ip);
	g_test_add_func("/service/sigusr1/counters", test_sigusr1_counters);
	g_test_add_func("/service/metrics/endpoint", test_metrics_endpoint);
	g_test_add_func("/service/metrics/trickle-cut-off",
	    test_metrics_trickle_cut_off);
	g_test_add_func("/service/sigusr1/counts-open-connections",
	    test_sigusr1_counts_open_connections);
	g_test_add_func("/service/notify/path-socket",
	    test_notify_path_socket);
	g_test_add_func("/service/notify/abstract-socket",
	    test_notify_abstract_socket);
	g_test_add_func("/service/activation/by-hand",
	    test_socket_activation_by_hand);
	g_test_add_func("/service/activation/systemd-socket-activate",
	    test_socket_activation_with_systemd_tool);
	g_test_add_func("/service/pidfile/lock-and-removal",
	    test_pidfile_lock_and_removal);
	g_test_add_func("/service/daemon/detaches", test_daemon_detaches);
	g_test_add_func("/service/daemon/failure-reaches-parent",
	    test_daemon_failure_reaches_parent);
	g_test_add_func("/service/log/file-reopen", test_log_file_reopen);
	g_test_add_func("/service/log/journal-priority-prefix",
	    test_journal_priority_prefix);
	g_test_add_func("/service/user/drop", test_user_drop);
	g_test_add_func("/service/units/verify", test_units_verify);
	return g_test_run();
}
