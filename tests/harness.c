/*
 * harness.c - processes and sockets for the integration tests.
 */
#include "build-config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

/* Milliseconds on the monotonic clock. */
gint64
now_ms(void)
{
	return g_get_monotonic_time() / 1000;
}

/* Path of a built program from the environment. */
const char *
harness_program(const char *env_name)
{
	const char *path = g_getenv(env_name);

	if (path == NULL)
		g_error("%s is not set: run the tests with make check",
		    env_name);
	return path;
}

/* Collect the server's stderr until it closes. */
static void *
log_reader(void *arg)
{
	struct server *srv = arg;
	char buf[4096];
	ssize_t n;

	for (;;) {
		/* A held log is not read: a pipe nobody reads, for now. */
		pthread_mutex_lock(&srv->lock);
		while (srv->log_held)
			pthread_cond_wait(&srv->grew, &srv->lock);
		pthread_mutex_unlock(&srv->lock);
		n = read(srv->log_fd, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		pthread_mutex_lock(&srv->lock);
		if (n <= 0)
			srv->log_eof = true;
		else
			g_string_append_len(srv->log, buf, n);
		pthread_cond_broadcast(&srv->grew);
		pthread_mutex_unlock(&srv->lock);
		if (n <= 0)
			return NULL;
	}
}

/* Turn a millisecond deadline on the monotonic clock into a timespec. */
static struct timespec
abs_deadline(int timeout_ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += timeout_ms / 1000;
	ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	return ts;
}

/* The occurrences of needle in the log; srv->lock held. */
static unsigned
count_locked(struct server *srv, const char *needle)
{
	unsigned count = 0;
	const char *p;

	for (p = srv->log->str; (p = strstr(p, needle)) != NULL; p++)
		count++;
	return count;
}

/* The whole log of a server that has exited; see harness.h. */
char *
server_log_text(struct server *srv)
{
	struct timespec deadline = abs_deadline(WAIT_MS);
	char *text;

	server_release_log(srv);
	pthread_mutex_lock(&srv->lock);
	while (!srv->log_eof && pthread_cond_timedwait(&srv->grew, &srv->lock,
	    &deadline) == 0)
		;
	text = g_strdup(srv->log->str);
	pthread_mutex_unlock(&srv->lock);
	return text;
}

/* Read the log from now on; see harness.h. */
void
server_release_log(struct server *srv)
{
	pthread_mutex_lock(&srv->lock);
	srv->log_held = false;
	pthread_cond_broadcast(&srv->grew);
	pthread_mutex_unlock(&srv->lock);
}

/* Wait until the log contains needle n times; see harness.h. */
bool
server_wait_log_count(struct server *srv, const char *needle, unsigned n,
    int timeout_ms)
{
	struct timespec deadline = abs_deadline(timeout_ms);
	bool found;

	pthread_mutex_lock(&srv->lock);
	while (count_locked(srv, needle) < n && !srv->log_eof) {
		if (pthread_cond_timedwait(&srv->grew, &srv->lock,
		    &deadline) == ETIMEDOUT)
			break;
	}
	found = count_locked(srv, needle) >= n;
	if (!found)
		g_test_message("log has '%s' fewer than %u times after %d ms; "
		    "log:\n%s", needle, n, timeout_ms, srv->log->str);
	pthread_mutex_unlock(&srv->lock);
	return found;
}

/* Wait until the log contains needle. */
bool
server_wait_log(struct server *srv, const char *needle, int timeout_ms)
{
	return server_wait_log_count(srv, needle, 1, timeout_ms);
}

/* Count the occurrences of needle in the log so far. */
unsigned
server_log_count(struct server *srv, const char *needle)
{
	unsigned count;

	pthread_mutex_lock(&srv->lock);
	count = count_locked(srv, needle);
	pthread_mutex_unlock(&srv->lock);
	return count;
}

/* In the child: the environment the options ask for. */
static void
child_environment(const struct spawn_options *o)
{
	struct stat st;
	char text[64];

	if (o == NULL)
		return;
	if (o->activated_fd >= 0) {
		/* As systemd does: the socket at 3, LISTEN_PID our pid. */
		if (o->activated_fd != 3 && dup2(o->activated_fd, 3) < 0)
			_exit(127);
		/* dup2 clears close-on-exec, but not on a socket already
		 * at 3. */
		if (fcntl(3, F_SETFD, 0) < 0)
			_exit(127);
		snprintf(text, sizeof text, "%d", (int)getpid());
		setenv("LISTEN_PID", text, 1);
		setenv("LISTEN_FDS", "1", 1);
	}
	if (o->journal && fstat(2, &st) == 0) {
		snprintf(text, sizeof text, "%llu:%llu",
		    (unsigned long long)st.st_dev,
		    (unsigned long long)st.st_ino);
		setenv("JOURNAL_STREAM", text, 1);
	}
}

/* Fork and exec args with stdin/stdout/stderr on the given fds. */
static pid_t
spawn(const char *const *args, int in_fd, int out_fd, int err_fd,
    const struct spawn_options *o)
{
	struct rlimit rl;
	pid_t parent = getpid(), pid = fork();
	int fd;

	g_assert_cmpint(pid, >=, 0);
	if (pid > 0)
		return pid;
	/* A failed assertion aborts the test before it stops its server:
	 * the server must not outlive it. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
		_exit(127);
	if (dup2(in_fd, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(err_fd, 2) < 0)
		_exit(127);
	child_environment(o);
	for (fd = 0; o != NULL && fd < 3; fd++)
		if ((o->closed_stdio & (1u << fd)) != 0)
			close(fd);
	if (o != NULL && o->nofile_limit > 0) {
		rl.rlim_cur = rl.rlim_max = (rlim_t)o->nofile_limit;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			_exit(127);
	}
	execv(args[0], (char *const *)args);
	_exit(127);
}

/* The port after the last ':' of the first "listening on" line. */
static int
listening_port(struct server *srv)
{
	return server_log_port(srv, "listening on ");
}

/* Wait for the log line about one client; see harness.h. */
bool
server_wait_client_log(struct server *srv, int fd, const char *what,
    int timeout_ms)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof sin;
	char needle[128];

	g_assert_cmpint(getsockname(fd, (struct sockaddr *)&sin, &len), ==, 0);
	g_snprintf(needle, sizeof needle, "127.0.0.1:%u%s",
	    (unsigned)ntohs(sin.sin_port), what);
	return server_wait_log(srv, needle, timeout_ms);
}

/* The port at the end of the first log line with prefix; see harness.h. */
int
server_log_port(struct server *srv, const char *prefix)
{
	const char *p, *end;
	int port = 0;

	pthread_mutex_lock(&srv->lock);
	p = strstr(srv->log->str, prefix);
	end = p ? strchr(p, '\n') : NULL;
	if (end != NULL) {
		while (end > p && end[-1] != ':')
			end--;
		port = atoi(end);
	}
	pthread_mutex_unlock(&srv->lock);
	return port;
}

/* Start a program with options; see harness.h. */
struct server *
server_spawn(const char *const *args, const struct spawn_options *o)
{
	struct server *srv = g_new0(struct server, 1);
	pthread_condattr_t cattr;
	int pipefd[2], devnull;

	g_assert_cmpint(pipe2(pipefd, O_CLOEXEC), ==, 0);
	devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	g_assert_cmpint(devnull, >=, 0);
	srv->pid = spawn(args, devnull, devnull, pipefd[1], o);
	close(pipefd[1]);
	close(devnull);
	srv->log_fd = pipefd[0];
	srv->log = g_string_new(NULL);
	srv->log_held = o->hold_log;
	pthread_mutex_init(&srv->lock, NULL);
	/* Deadlines are on the monotonic clock, immune to clock changes. */
	pthread_condattr_init(&cattr);
	pthread_condattr_setclock(&cattr, CLOCK_MONOTONIC);
	pthread_cond_init(&srv->grew, &cattr);
	pthread_condattr_destroy(&cattr);
	g_assert_cmpint(pthread_create(&srv->reader, NULL, log_reader, srv),
	    ==, 0);
	if (o->wait_for != NULL)
		g_assert_true(server_wait_log(srv, o->wait_for, WAIT_MS));
	if (o->wait_for != NULL && strcmp(o->wait_for, "listening on ") == 0) {
		srv->port = listening_port(srv);
		g_assert_cmpint(srv->port, >, 0);
		/* Started means the pool runs and the pid file is written. */
		g_assert_true(server_wait_log(srv, " started: ", WAIT_MS));
	}
	return srv;
}

/* Start sockd with an argument vector and wait for its listening line. */
struct server *
server_startv(const char *const *args, int nofile_limit)
{
	struct spawn_options o = {
		.nofile_limit = nofile_limit,
		.activated_fd = -1,
		.wait_for = "listening on ",
	};

	return server_spawn(args, &o);
}

/* The path of sockd and the arguments up to NULL; not NULL-ended yet. */
static GPtrArray *
sockd_args(const char *arg, va_list ap)
{
	GPtrArray *args = g_ptr_array_new();
	const char *a;

	g_ptr_array_add(args, (gpointer)harness_program("SOCKD"));
	for (a = arg; a != NULL; a = va_arg(ap, const char *))
		g_ptr_array_add(args, (gpointer)a);
	return args;
}

/* Start sockd with NULL-terminated arguments plus --port 0. */
struct server *
server_start(const char *arg, ...)
{
	struct server *srv;
	GPtrArray *args;
	bool has_port = false;
	const char *a;
	va_list ap;
	guint i;

	va_start(ap, arg);
	args = sockd_args(arg, ap);
	va_end(ap);
	for (i = 1; i < args->len; i++) {
		a = g_ptr_array_index(args, i);
		if (strcmp(a, "--port") == 0 || strcmp(a, "-p") == 0)
			has_port = true;
	}
	if (!has_port) {
		g_ptr_array_add(args, (gpointer)"--port");
		g_ptr_array_add(args, (gpointer)"0");
	}
	g_ptr_array_add(args, NULL);
	srv = server_startv((const char *const *)args->pdata, 0);
	g_ptr_array_free(args, TRUE);
	return srv;
}

/* Connect to the server's port on 127.0.0.1, asserting success. */
int
server_connect(struct server *srv)
{
	return tcp_connect("127.0.0.1", srv->port);
}

/* Send a signal to the server. */
void
server_signal(struct server *srv, int signo)
{
	g_assert_cmpint(kill(srv->pid, signo), ==, 0);
}

/* Wait for a child to exit within timeout_ms; status or -1 (killed). */
static int
wait_child(pid_t pid, int timeout_ms)
{
	gint64 deadline = now_ms() + timeout_ms;
	int status;
	pid_t rc;

	/* No portable way to poll() a child: check every 5 ms. */
	while ((rc = waitpid(pid, &status, WNOHANG)) == 0 &&
	    now_ms() < deadline)
		g_usleep(5000);
	if (rc == 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		return -1;
	}
	g_assert_cmpint(rc, ==, pid);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

/* Wait for the server to exit. */
int
server_wait_exit(struct server *srv, int timeout_ms)
{
	int status;

	if (srv->pid <= 0)
		return -1;
	status = wait_child(srv->pid, timeout_ms);
	srv->pid = 0;
	return status;
}

/* Free a server that has exited. */
void
server_free(struct server *srv)
{
	if (srv->pid > 0)
		server_wait_exit(srv, 1);
	server_release_log(srv);
	pthread_join(srv->reader, NULL);
	close(srv->log_fd);
	g_string_free(srv->log, TRUE);
	pthread_mutex_destroy(&srv->lock);
	pthread_cond_destroy(&srv->grew);
	g_free(srv);
}

/* Stop with SIGTERM, assert a clean exit, free everything. */
void
server_stop(struct server *srv)
{
	int status;

	server_signal(srv, SIGTERM);
	status = server_wait_exit(srv, 15000);
	if (status != 0) {
		pthread_mutex_lock(&srv->lock);
		g_test_message("sockd log:\n%s", srv->log->str);
		pthread_mutex_unlock(&srv->lock);
	}
	g_assert_cmpint(status, ==, 0);
	server_free(srv);
}

/* Read a whole pipe into a string until EOF. */
static void *
slurp(void *arg)
{
	int fd = GPOINTER_TO_INT(arg);
	GString *s = g_string_new(NULL);
	char buf[4096];
	ssize_t n;

	while ((n = read(fd, buf, sizeof buf)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		g_string_append_len(s, buf, n);
	}
	return g_string_free(s, FALSE);
}

/* Run a program to completion; see harness.h. */
int
run_program(const char *const *args, const char *input, char **out,
    char **err, int timeout_ms)
{
	int in[2], o[2], e[2], status;
	pthread_t to, te;
	void *text;
	pid_t pid;

	g_assert_cmpint(pipe2(in, O_CLOEXEC), ==, 0);
	g_assert_cmpint(pipe2(o, O_CLOEXEC), ==, 0);
	g_assert_cmpint(pipe2(e, O_CLOEXEC), ==, 0);
	pid = spawn(args, in[0], o[1], e[1], NULL);
	close(in[0]);
	close(o[1]);
	close(e[1]);
	pthread_create(&to, NULL, slurp, GINT_TO_POINTER(o[0]));
	pthread_create(&te, NULL, slurp, GINT_TO_POINTER(e[0]));
	if (input != NULL) {
		signal(SIGPIPE, SIG_IGN);
		if (write(in[1], input, strlen(input)) < 0)
			g_test_message("write to child: %s", g_strerror(errno));
	}
	close(in[1]);
	status = wait_child(pid, timeout_ms);
	pthread_join(to, &text);
	if (out != NULL)
		*out = text;
	else
		g_free(text);
	pthread_join(te, &text);
	if (err != NULL)
		*err = text;
	else
		g_free(text);
	close(o[0]);
	close(e[0]);
	return status;
}

/* Run sockd with NULL-terminated arguments to its end; see harness.h. */
int
run_sockd(char **err, const char *arg, ...)
{
	GPtrArray *args;
	va_list ap;
	int status;

	va_start(ap, arg);
	args = sockd_args(arg, ap);
	va_end(ap);
	g_ptr_array_add(args, NULL);
	status = run_program((const char *const *)args->pdata, NULL, NULL,
	    err, WAIT_MS);
	g_ptr_array_free(args, TRUE);
	return status;
}

/* Wait until fd is ready for events or the deadline passes. */
bool
fd_wait(int fd, short events, gint64 deadline)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	gint64 left;
	int ready;

	for (;;) {
		left = deadline - now_ms();
		if (left <= 0)
			return false;
		ready = poll(&pfd, 1, (int)MIN(left, INT_MAX));
		if (ready > 0)
			return true;
		/* A signal, or a time out rounded short: look again. */
		if (ready < 0 && errno != EINTR)
			g_error("poll: %s", g_strerror(errno));
	}
}

/* A fresh directory for one test's files; g_free the path. */
char *
temp_dir(void)
{
	GError *error = NULL;
	char *dir = g_dir_make_tmp("sockd-test-XXXXXX", &error);

	g_assert_no_error(error);
	return dir;
}

/* Write text to dir/name; returns the path (g_free it). */
char *
write_file(const char *dir, const char *name, const char *text)
{
	char *path = g_build_filename(dir, name, NULL);
	GError *error = NULL;

	g_file_set_contents(path, text, -1, &error);
	g_assert_no_error(error);
	return path;
}

/* Remove a test directory and the files in it, and free its path. */
void
remove_dir(char *dir)
{
	GDir *d = g_dir_open(dir, 0, NULL);
	const char *name;
	char *path;

	while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
		path = g_build_filename(dir, name, NULL);
		g_unlink(path);
		g_free(path);
	}
	if (d != NULL)
		g_dir_close(d);
	g_rmdir(dir);
	g_free(dir);
}

/* Connect to host:port over TCP, asserting success. */
int
tcp_connect(const char *host, int port)
{
	struct addrinfo hints = { 0 }, *ai;
	char service[16];
	int fd;

	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	g_snprintf(service, sizeof service, "%d", port);
	g_assert_cmpint(getaddrinfo(host, service, &hints, &ai), ==, 0);
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	g_assert_cmpint(fd, >=, 0);
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0)
		g_error("connect %s:%d: %s", host, port, g_strerror(errno));
	freeaddrinfo(ai);
	return fd;
}

/* Send all bytes, asserting success. */
void
tcp_send(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t n;

	while (len > 0) {
		n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			g_error("send: %s", g_strerror(errno));
		p += n;
		len -= (size_t)n;
	}
}

/* Send a C string. */
void
tcp_send_str(int fd, const char *text)
{
	tcp_send(fd, text, strlen(text));
}

/* Read until want bytes, EOF or the timeout. */
char *
tcp_recv(int fd, size_t want, int timeout_ms, size_t *len)
{
	gint64 deadline = now_ms() + timeout_ms;
	char *buf = g_malloc0(want + 1);
	size_t got = 0;
	ssize_t n;

	while (got < want && fd_wait(fd, POLLIN, deadline)) {
		n = recv(fd, buf + got, want - got, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	if (len != NULL)
		*len = got;
	return buf;
}

/* True when the peer closes within timeout_ms. */
bool
tcp_wait_closed(int fd, int timeout_ms)
{
	gint64 deadline = now_ms() + timeout_ms;
	char buf[4096];
	ssize_t n;

	while (fd_wait(fd, POLLIN, deadline)) {
		n = recv(fd, buf, sizeof buf, 0);
		if (n == 0 || (n < 0 && errno == ECONNRESET))
			return true;
	}
	return false;
}

/* Hold a loopback port that refuses connections; see harness.h. */
int
tcp_reserve_port(int *fd, bool shared)
{
	struct sockaddr_in sin = { 0 };
	socklen_t len = sizeof sin;
	int on = 1;

	/* Close-on-exec: the programs a test runs must not hold its ports. */
	*fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	g_assert_cmpint(*fd, >=, 0);
	/*
	 * A bound port is not handed to another bind(0) or connect(), and
	 * a bind that names it fails, unless both sockets set SO_REUSEADDR
	 * and neither listens yet.
	 */
	if (shared)
		g_assert_cmpint(setsockopt(*fd, SOL_SOCKET, SO_REUSEADDR, &on,
		    sizeof on), ==, 0);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	g_assert_cmpint(bind(*fd, (struct sockaddr *)&sin, sizeof sin), ==, 0);
	g_assert_cmpint(getsockname(*fd, (struct sockaddr *)&sin, &len), ==, 0);
	return ntohs(sin.sin_port);
}

/* Listen on an ephemeral 127.0.0.1 port; its number, the socket in *fd. */
int
tcp_listen_loopback(int *fd)
{
	int port = tcp_reserve_port(fd, false);

	g_assert_cmpint(listen(*fd, 16), ==, 0);
	return port;
}

/* The port of the listening line in a log file, once it is there. */
int
log_file_port(const char *path)
{
	const char *listening = "listening on 127.0.0.1:";
	char *text = NULL, *line;
	int port;

	g_assert_true(wait_file_contains(path, listening));
	g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
	line = strstr(text, listening);
	g_assert_nonnull(line);
	port = atoi(line + strlen(listening));
	g_free(text);
	return port;
}

/* Wait until a process we did not start is gone. */
bool
wait_gone(pid_t pid)
{
	gint64 deadline = now_ms() + WAIT_MS;

	/* Not our child: kill(pid, 0) is the only way to ask. */
	while (kill(pid, 0) == 0 && now_ms() < deadline)
		g_usleep(10000);
	return kill(pid, 0) < 0 && errno == ESRCH;
}

/* Wait until a file contains needle; false after the deadline. */
bool
wait_file_contains(const char *path, const char *needle)
{
	gint64 deadline = now_ms() + WAIT_MS;
	char *text;
	bool found;

	/* Files cannot be poll()ed for growth: look every 10 ms. */
	for (;;) {
		text = NULL;
		found = g_file_get_contents(path, &text, NULL, NULL) &&
		    strstr(text, needle) != NULL;
		g_free(text);
		if (found || now_ms() >= deadline)
			return found;
		g_usleep(10000);
	}
}

/* Send text and assert the exact answer within 10 s. */
void
tcp_exchange(int fd, const char *send_text, const char *answer)
{
	char *got;

	tcp_send_str(fd, send_text);
	got = tcp_recv(fd, strlen(answer), WAIT_MS, NULL);
	g_assert_cmpstr(got, ==, answer);
	g_free(got);
}
