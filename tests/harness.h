/*
 * harness.h - start the real sockd (or sockc) binary and talk to it over
 * loopback sockets.  Waits are event-driven: a reader thread collects the
 * server's log and wakes waiters when it grows; every wait has a deadline.
 */
#ifndef SOCKD_TEST_HARNESS_H
#define SOCKD_TEST_HARNESS_H

#include <glib.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <sys/types.h>

/* How long a test waits for any one event before it fails. */
#define WAIT_MS 10000

struct server {
	pid_t pid;
	int port;		/* from the first "listening on" line */
	int log_fd;		/* read end of the server's stderr */
	pthread_t reader;
	pthread_mutex_t lock;
	pthread_cond_t grew;
	GString *log;
	bool log_eof;
	bool log_held;		/* not read until server_release_log() */
};

/* Path of a built program from the environment (SOCKD, SOCKC). */
const char *harness_program(const char *env_name);

/*
 * Start sockd with the NULL-terminated arguments (plus "--port 0" unless
 * the arguments name a port) and wait for its listening line.
 */
struct server *server_start(const char *arg, ...);
/* Start with an argument vector and an optional file descriptor limit. */
struct server *server_startv(const char *const *args, int nofile_limit);

struct spawn_options {
	int nofile_limit;	/* RLIMIT_NOFILE; 0: unchanged */
	int activated_fd;	/* passed as descriptor 3 with LISTEN_FDS=1,
				 * as systemd does; -1: none */
	bool journal;		/* JOURNAL_STREAM names the log pipe */
	unsigned closed_stdio;	/* bit n: descriptor n (0-2) closed, as a
				 * careless caller leaves it */
	bool hold_log;		/* the log pipe is not read, as if nobody
				 * did, until server_release_log() */
	const char *wait_for;	/* log text that means started; NULL: none.
				 * "listening on " also sets port. */
};

/* Start any program with its stderr collected as the log. */
struct server *server_spawn(const char *const *args,
    const struct spawn_options *o);
/* Wait until a file contains needle; false after 10 s. */
bool wait_file_contains(const char *path, const char *needle);
/* The port of the listening line in a log file, once it is there. */
int log_file_port(const char *path);
/* Wait until a process we did not start is gone; false after 10 s. */
bool wait_gone(pid_t pid);
/* Wait until the log contains needle; false after timeout_ms. */
bool server_wait_log(struct server *srv, const char *needle, int timeout_ms);
/* A copy of the whole log of a server that has exited (g_free it). */
char *server_log_text(struct server *srv);
/* Start reading a log that hold_log held. */
void server_release_log(struct server *srv);
/* Wait until the log contains needle n times; false after timeout_ms. */
bool server_wait_log_count(struct server *srv, const char *needle,
    unsigned n, int timeout_ms);
/* Count the occurrences of needle in the log so far. */
unsigned server_log_count(struct server *srv, const char *needle);
/*
 * Wait until the log has the line sockd writes about the client end fd
 * (an IPv4 loopback connection): "127.0.0.1:PORT<what>".
 */
bool server_wait_client_log(struct server *srv, int fd, const char *what,
    int timeout_ms);
/* The port after the last ':' of the first log line holding prefix
 * ("metrics on "); 0 if there is none yet. */
int server_log_port(struct server *srv, const char *prefix);
/* Connect to the server's port on 127.0.0.1, asserting success. */
int server_connect(struct server *srv);
/* Send a signal to the server. */
void server_signal(struct server *srv, int signo);
/*
 * Wait for the server to exit; its exit status, or -1 after timeout_ms
 * (the server is then killed).
 */
int server_wait_exit(struct server *srv, int timeout_ms);
/* Stop with SIGTERM, assert a clean exit, free everything. */
void server_stop(struct server *srv);
/* Free a server that has exited. */
void server_free(struct server *srv);

/*
 * Run a program to completion with stdin fed from input (may be NULL),
 * collecting stdout and stderr; its exit status, -1 on time out.
 */
int run_program(const char *const *args, const char *input, char **out,
    char **err, int timeout_ms);
/*
 * Run sockd with the NULL-terminated arguments to its end, stderr in *err
 * (may be NULL); its exit status, -1 on time out.
 */
int run_sockd(char **err, const char *arg, ...) G_GNUC_NULL_TERMINATED;

/*
 * Wait until fd is ready for events (POLLIN, POLLOUT), retrying EINTR;
 * false once deadline, a time on the now_ms() clock, has passed.
 */
bool fd_wait(int fd, short events, gint64 deadline);

/* A fresh directory for one test's files; g_free the path. */
char *temp_dir(void);
/* Write text to dir/name; returns the path (g_free it). */
char *write_file(const char *dir, const char *name, const char *text);
/* Remove a test directory and the files in it, and free its path. */
void remove_dir(char *dir);

/* Connect to host:port over TCP, asserting success. */
int tcp_connect(const char *host, int port);
/* Send all bytes, asserting success. */
void tcp_send(int fd, const void *buf, size_t len);
/* Send a C string. */
void tcp_send_str(int fd, const char *text);
/*
 * Read until want bytes arrived, EOF, or timeout_ms passed; returns what
 * was read (g_free it) and its length in *len.
 */
char *tcp_recv(int fd, size_t want, int timeout_ms, size_t *len);
/* Send text and assert the exact answer within 10 s. */
void tcp_exchange(int fd, const char *send_text, const char *answer);
/* True when the peer closes (EOF or reset) within timeout_ms. */
bool tcp_wait_closed(int fd, int timeout_ms);
/* Listen on an ephemeral 127.0.0.1 port; its number, the socket in *fd. */
int tcp_listen_loopback(int *fd);
/*
 * Bind an ephemeral 127.0.0.1 port and do not listen: its number, the
 * socket in *fd.  Connections to it are refused, and while *fd is open no
 * other socket can take the port, except, when shared, one that sets
 * SO_REUSEADDR as well, as a program told to listen there does.
 */
int tcp_reserve_port(int *fd, bool shared);
/* Milliseconds on the monotonic clock. */
gint64 now_ms(void);

#endif
