/*
 * test-daemon.c - sockd as a classic Unix daemon, against the real
 * binary: the pid file and its lock, --daemon, the log file and its
 * reopening on SIGHUP, and --user.
 */
#include "build-config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness.h"

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

/* The pid file names the server, keeps a second one out, goes at exit. */
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

/* --daemon returns once the detached server is ready to serve. */
static void
test_daemon_detaches(void)
{
	char *dir = temp_dir();
	char *pidfile = g_build_filename(dir, "sockd.pid", NULL);
	char *logfile = g_build_filename(dir, "sockd.log", NULL);
	const char *args[] = { harness_program("SOCKD"), "--daemon",
	    "--pidfile", pidfile, "--log-file", logfile, "--port", "0", NULL };
	char *out, *err, *log;
	int fd;
	pid_t pid;

	/* The parent returns once the daemon is ready, with status 0. */
	g_assert_cmpint(run_program(args, NULL, &out, &err, WAIT_MS), ==, 0);
	g_assert_cmpstr(out, ==, "");
	g_assert_cmpstr(err, ==, "");
	pid = read_pidfile(pidfile);
	g_assert_cmpint(pid, >, 0);
	/* It is in its own session, not ours. */
	g_assert_cmpint(getsid(pid), ==, pid);
	fd = tcp_connect("127.0.0.1", log_file_port(logfile));
	tcp_exchange(fd, "daemon", "ok");
	close(fd);
	g_assert_cmpint(kill(pid, SIGTERM), ==, 0);
	g_assert_true(wait_gone(pid));
	g_assert_false(g_file_test(pidfile, G_FILE_TEST_EXISTS));
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

/* A daemon that cannot start fails in its parent's exit status. */
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

/* SIGHUP reopens the log file, so a rotated file is let go. */
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
	char *text;
	int fd, status;

	/* The log goes to the file: read the port from there. */
	srv = server_spawn(args, &o);
	fd = tcp_connect("127.0.0.1", log_file_port(logfile));
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

/* --user: every uid of the server is the user's once it has started. */
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

/* Clients that connect and close in a loop until told to stop. */
struct connect_loop {
	int port;
	atomic_bool stop;
};

static void *
connect_in_a_loop(void *arg)
{
	struct connect_loop *c = arg;
	struct sockaddr_in sin = { .sin_family = AF_INET,
	    .sin_port = htons((uint16_t)c->port),
	    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd;

	while (!atomic_load(&c->stop)) {
		fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    0);
		if (fd < 0)
			break;
		/* A handshake held back by sockd is given up on soon. */
		if (connect(fd, (struct sockaddr *)&sin, sizeof sin) == 0 ||
		    errno == EINPROGRESS)
			(void)fd_wait(fd, POLLOUT, now_ms() + 100);
		close(fd);
	}
	return NULL;
}

/*
 * SIGTERM while clients keep connecting, after the drop to nobody: the
 * hand-over ends within its bound.  Where the kernel lets only
 * privileged processes filter a socket, sockd could not hold new
 * clients back, and took them for as long as they came: it never
 * exited.
 */
static void
test_user_handover_bounded(void)
{
	struct connect_loop loop = { 0 };
	struct server *srv;
	pthread_t client;

	if (getuid() != 0 || getpwnam("nobody") == NULL) {
		g_test_skip("needs root and a user nobody");
		return;
	}
	srv = server_start("--user", "nobody", NULL);
	g_assert_true(server_wait_log(srv, " started: ", WAIT_MS));
	loop.port = srv->port;
	g_assert_cmpint(pthread_create(&client, NULL, connect_in_a_loop,
	    &loop), ==, 0);
	g_assert_true(server_wait_log(srv, "closed (peer closed)", WAIT_MS));
	server_signal(srv, SIGTERM);
	/* 1 s of hand-over at most, and a drain with nothing to drain. */
	g_assert_cmpint(server_wait_exit(srv, 5000), ==, 0);
	atomic_store(&loop.stop, true);
	pthread_join(client, NULL);
	server_free(srv);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/service/pidfile/lock-and-removal",
	    test_pidfile_lock_and_removal);
	g_test_add_func("/service/daemon/detaches", test_daemon_detaches);
	g_test_add_func("/service/daemon/failure-reaches-parent",
	    test_daemon_failure_reaches_parent);
	g_test_add_func("/service/log/file-reopen", test_log_file_reopen);
	g_test_add_func("/service/user/drop", test_user_drop);
	g_test_add_func("/service/user/handover-bounded",
	    test_user_handover_bounded);
	return g_test_run();
}
