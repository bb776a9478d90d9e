/*
 * test-hostile.c - the real sockd against clients that try to exhaust
 * it: lines trickled a byte at a time (slowloris), readers that are slow
 * or stop reading, answers that multiply what a client sent, and lines
 * so long that framing them could cost quadratic time or keep memory.
 */
#include "build-config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <glib.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness.h"

/* The reply that turns each empty line into a kilobyte of answer. */
#define KIB_REPLY_LEN 1024

/*
 * Sanitizers add shadow memory, keep freed blocks and slow every call:
 * under them sockd's RSS and CPU time say little about sockd.
 */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define MEASURES_MEANINGFUL false
#else
#define MEASURES_MEANINGFUL true
#endif

/* A reply text of KIB_REPLY_LEN bytes; g_free it. */
static char *
kib_reply(void)
{
	char *reply = g_malloc(KIB_REPLY_LEN + 1);

	memset(reply, 'r', KIB_REPLY_LEN);
	reply[KIB_REPLY_LEN] = '\0';
	return reply;
}

/* The resident set of a process in KiB, from /proc/PID/status. */
static long
rss_kib(pid_t pid)
{
	char path[64], *text, *line;
	long kib = -1;

	g_snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
	line = strstr(text, "\nVmRSS:");
	g_assert_nonnull(line);
	kib = strtol(line + strlen("\nVmRSS:"), NULL, 10);
	g_free(text);
	return kib;
}

/* CPU time a process has used, user and system, in milliseconds. */
static long
cpu_ms(pid_t pid)
{
	char path[64], *text, *p;
	unsigned long utime, stime;

	g_snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
	/* The name may hold spaces: fields are counted after its ')'. */
	p = strrchr(text, ')');
	g_assert_nonnull(p);
	g_assert_cmpint(sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u "
	    "%*u %*u %lu %lu", &utime, &stime), ==, 2);
	g_free(text);
	return (long)((utime + stime) * 1000 / (unsigned long)sysconf(
	    _SC_CLK_TCK));
}

/* Send one byte if the server still takes it; false once it closed. */
static bool
send_byte(int fd, char byte)
{
	return send(fd, &byte, 1, MSG_NOSIGNAL | MSG_DONTWAIT) == 1;
}

/* The name sockd logs for the client end fd: 127.0.0.1:PORT. */
static char *
client_name(int fd)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof sin;

	g_assert_cmpint(getsockname(fd, (struct sockaddr *)&sin, &len), ==, 0);
	return g_strdup_printf("127.0.0.1:%u", (unsigned)ntohs(sin.sin_port));
}

/*
 * The "bytes out" of the line that logs the close of the client named
 * name, after waiting for that line to say what.
 */
static unsigned long long
closed_bytes_out(struct server *srv, const char *name, const char *what)
{
	char *needle = g_strconcat(name, what, NULL);
	unsigned long long out = 0;
	const char *line, *field;

	g_assert_true(server_wait_log(srv, needle, WAIT_MS));
	pthread_mutex_lock(&srv->lock);
	line = strstr(srv->log->str, needle);
	field = line ? strstr(line, " bytes in, ") : NULL;
	if (field != NULL)
		out = g_ascii_strtoull(field + strlen(" bytes in, "), NULL,
		    10);
	pthread_mutex_unlock(&srv->lock);
	g_assert_nonnull(field);
	g_free(needle);
	return out;
}

/*
 * Clients that trickle a line a byte at a time, never ending it, hold
 * every worker: a normal client is answered once their lines' time is up,
 * and the tricklers are closed as timed out.
 */
static void
test_slowloris_cannot_hold_workers(void)
{
	struct server *srv = server_start("--workers", "2", "--queue", "16",
	    "--timeout", "2", "--framing", "line", "--log-level", "debug",
	    NULL);
	gint64 start, next_byte, deadline;
	int trickler[2], fd, i;
	bool answered = false;
	char *got;

	for (i = 0; i < 2; i++) {
		trickler[i] = server_connect(srv);
		g_assert_true(server_wait_client_log(srv, trickler[i],
		    ": taken by worker", WAIT_MS));
	}
	fd = server_connect(srv);
	tcp_send_str(fd, "hello\n");
	start = next_byte = now_ms();
	deadline = start + WAIT_MS;
	/* A byte from each trickler every 250 ms, far inside the timeout,
	 * until the normal client has its answer. */
	while (!answered && now_ms() < deadline) {
		if (now_ms() >= next_byte) {
			for (i = 0; i < 2; i++)
				send_byte(trickler[i], 'x');
			next_byte += 250;
		}
		answered = fd_wait(fd, POLLIN, MIN(next_byte, deadline));
	}
	g_assert_true(answered);
	got = tcp_recv(fd, 3, WAIT_MS, NULL);
	g_assert_cmpstr(got, ==, "ok\n");
	g_free(got);
	for (i = 0; i < 2; i++) {
		g_assert_true(server_wait_client_log(srv, trickler[i],
		    ": closed (time out)", WAIT_MS));
		g_assert_true(tcp_wait_closed(trickler[i], WAIT_MS));
		close(trickler[i]);
	}
	/* Not cut before its line had the whole timeout. */
	g_assert_cmpint(now_ms() - start, >=, 1500);
	server_signal(srv, SIGUSR1);
	g_assert_true(server_wait_log(srv, " timeouts=2 ", WAIT_MS));
	close(fd);
	server_stop(srv);
}

/*
 * Lines that each take a while to arrive, but less than the timeout, are
 * answered however long the connection lasts: the limit is per line.
 */
static void
test_slow_complete_lines_served(void)
{
	struct server *srv = server_start("--timeout", "3", "--framing",
	    "line", NULL);
	int fd = server_connect(srv), i;
	gint64 deadline;

	/* Eight lines, each sent in two halves 500 ms apart: the
	 * connection outlives the timeout, no line comes near it. */
	for (i = 0; i < 8; i++) {
		tcp_send_str(fd, "hal");
		deadline = now_ms() + 500;
		g_assert_false(fd_wait(fd, POLLIN, deadline));
		tcp_exchange(fd, "f\n", "ok\n");
	}
	close(fd);
	g_assert_true(server_wait_log(srv, "closed (peer closed): 8 messages",
	    WAIT_MS));
	server_stop(srv);
}

/* Empty lines the reader tests send: their 12 MB of answers fill the
 * buffers between sockd and the client (about 4 MB) three times over. */
#define READER_LINES 12288

/*
 * A client that reads slowly, but without stopping, gets every answer
 * even when that takes far longer than the timeout; only a send that
 * makes no progress for that long would be cut.
 */
static void
test_slow_reader_not_cut_off(void)
{
	char *reply = kib_reply(), *lines = g_malloc(READER_LINES), *buf;
	struct server *srv = server_start("--framing", "line", "--reply",
	    reply, "--timeout", "2", "--workers", "2", NULL);
	size_t total = (size_t)READER_LINES * (KIB_REPLY_LEN + 1), got = 0;
	const size_t rate = 2 * 1024 * 1024;	/* bytes a second */
	int fd = server_connect(srv), small = 32768;
	char *name = client_name(fd);
	gint64 start, deadline;
	ssize_t n;

	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
	memset(lines, '\n', READER_LINES);
	tcp_send(fd, lines, READER_LINES);
	buf = g_malloc(65536);
	start = now_ms();
	deadline = start + 6 * WAIT_MS;
	/* Read no faster than rate: about 6 s for the whole. */
	while (got < total && now_ms() < deadline) {
		if (got > (size_t)(now_ms() - start) * (rate / 1000)) {
			g_usleep(2000);	/* pacing, not waiting for an event */
			continue;
		}
		if (!fd_wait(fd, POLLIN, deadline))
			break;
		n = recv(fd, buf, 16384, 0);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	g_assert_cmpuint(got, ==, total);
	close(fd);
	g_assert_cmpuint(closed_bytes_out(srv, name, ": closed (peer closed)"),
	    ==, total);
	g_assert_cmpuint(server_log_count(srv, "closed (time out)"), ==, 0);
	g_free(name);
	g_free(buf);
	g_free(lines);
	g_free(reply);
	server_stop(srv);
}

/* Lines whose answers (192 KiB) sockd's send buffer takes at once. */
#define BUFFERED_LINES 192

/*
 * A client whose answers all fit in the kernel's buffers, so that
 * sockd's sends are done at once, and that reads them three times more
 * slowly than the timeout: it is reading, not idle, until it has them
 * all, and then asks again on the same connection.  sockd used to start
 * its idle clock when its send returned, and closed it as "time out".
 */
static void
test_slow_reader_of_buffered_answers(void)
{
	char *reply = kib_reply(), *lines = g_malloc(BUFFERED_LINES), *buf;
	struct server *srv = server_start("--framing", "line", "--reply",
	    reply, "--timeout", "1", NULL);
	size_t total = (size_t)BUFFERED_LINES * (KIB_REPLY_LEN + 1), got = 0;
	const size_t rate = 64 * 1024;		/* bytes a second */
	int fd = server_connect(srv), small = 4096;
	gint64 start, deadline;
	ssize_t n;

	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
	memset(lines, '\n', BUFFERED_LINES);
	tcp_send(fd, lines, BUFFERED_LINES);
	buf = g_malloc(4096);
	start = now_ms();
	deadline = start + 6 * WAIT_MS;
	/* No faster than rate: about 3 s for the whole. */
	while (got < total && now_ms() < deadline) {
		if (got > (size_t)(now_ms() - start) * rate / 1000) {
			g_usleep(2000);	/* pacing, not waiting for an event */
			continue;
		}
		if (!fd_wait(fd, POLLIN, deadline))
			break;
		n = recv(fd, buf, 4096, 0);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	g_assert_cmpuint(got, ==, total);
	g_assert_cmpint(now_ms() - start, >, 2000);
	/* Still open: the next line is answered. */
	tcp_send_str(fd, "\n");
	g_free(tcp_recv(fd, KIB_REPLY_LEN + 1, WAIT_MS, &got));
	g_assert_cmpuint(got, ==, KIB_REPLY_LEN + 1);
	close(fd);
	g_assert_cmpuint(server_log_count(srv, "closed (time out)"), ==, 0);
	g_free(buf);
	g_free(lines);
	g_free(reply);
	server_stop(srv);
}

/*
 * A client that stops reading is closed once the send has made no
 * progress for the timeout, and the log counts the bytes that did leave.
 */
static void
test_stopped_reader_closed(void)
{
	char *reply = kib_reply(), *lines = g_malloc(READER_LINES), *buf;
	struct server *srv = server_start("--framing", "line", "--reply",
	    reply, "--timeout", "1", NULL);
	int fd = server_connect(srv), small = 32768;
	char *name = client_name(fd);
	size_t got = 0, want = 256 * 1024;
	unsigned long long out;
	ssize_t n;

	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
	memset(lines, '\n', READER_LINES);
	tcp_send(fd, lines, READER_LINES);
	g_free(tcp_recv(fd, want, WAIT_MS, &got));
	g_assert_cmpuint(got, ==, want);
	/* Now read nothing until sockd gives up. */
	out = closed_bytes_out(srv, name, ": closed (time out)");
	/* What the kernels still held reaches us; a reset may cut it. */
	buf = g_malloc(65536);
	while (fd_wait(fd, POLLIN, now_ms() + WAIT_MS) &&
	    (n = recv(fd, buf, 65536, 0)) > 0)
		got += (size_t)n;
	g_assert_cmpuint(out, >=, got);
	g_assert_cmpuint(out, <, (size_t)READER_LINES * (KIB_REPLY_LEN + 1));
	close(fd);
	g_free(name);
	g_free(buf);
	g_free(lines);
	g_free(reply);
	server_stop(srv);
}

#define AMPLIFIERS 16

/*
 * Clients that send a read's worth of empty lines with a kilobyte reply
 * and never read cannot make sockd hold a thousand times what they sent:
 * the answers are made a piece at a time, and the memory comes back.
 */
static void
test_amplified_answers_bounded(void)
{
	char *reply = kib_reply(), lines[16384];
	struct server *srv = server_start("--framing", "line", "--reply",
	    reply, "--timeout", "5", NULL);
	char *names[AMPLIFIERS], *needle;
	int fds[AMPLIFIERS], i;
	long base, peak, after;

	memset(lines, '\n', sizeof lines);
	base = rss_kib(srv->pid);
	for (i = 0; i < AMPLIFIERS; i++) {
		fds[i] = server_connect(srv);
		tcp_send(fds[i], lines, sizeof lines);
	}
	/* Answers arriving mean sockd has started on each client's read. */
	for (i = 0; i < AMPLIFIERS; i++)
		g_assert_true(fd_wait(fds[i], POLLIN, now_ms() + WAIT_MS));
	peak = rss_kib(srv->pid);
	/* Unread answers: close() resets, and sockd's send fails. */
	for (i = 0; i < AMPLIFIERS; i++) {
		names[i] = client_name(fds[i]);
		close(fds[i]);
	}
	for (i = 0; i < AMPLIFIERS; i++) {
		needle = g_strconcat(names[i], ": closed (", NULL);
		g_assert_true(server_wait_log(srv, needle, WAIT_MS));
		g_free(needle);
		g_free(names[i]);
	}
	after = rss_kib(srv->pid);
	g_test_message("RSS KiB: base %ld, peak %ld, after %ld", base, peak,
	    after);
	if (MEASURES_MEANINGFUL) {
		g_assert_cmpint(peak - base, <, 64 * 1024);
		g_assert_cmpint(after - base, <, 16 * 1024);
	}
	g_free(reply);
	server_stop(srv);
}

#define LONG_LINE (16 * 1024 * 1024)
#define LONG_LINE_WRITE 512
#define LONG_LINE_PACE_US 100

/*
 * A 16 MiB line sent in 512-byte writes costs sockd time in proportion
 * to its length, not its square, and the memory it took is given back.
 */
static void
test_long_line_linear_and_returned(void)
{
	struct server *srv = server_start("--framing", "line", "--max-line",
	    "16777216", NULL);
	char *line = g_malloc(LONG_LINE);
	int fd = server_connect(srv), on = 1;
	long base, cpu, after;
	gint64 start, left;
	size_t i;

	memset(line, 'x', LONG_LINE);
	/* NODELAY: each write its own segment, as a trickling client. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
	base = rss_kib(srv->pid);
	cpu = cpu_ms(srv->pid);
	start = g_get_monotonic_time();
	for (i = 0; i < LONG_LINE; i += LONG_LINE_WRITE) {
		tcp_send(fd, line + i, LONG_LINE_WRITE);
		/* Pacing, so that sockd reads the line in many small
		 * pieces: the search for its end must not start over. */
		left = start + (gint64)(i / LONG_LINE_WRITE + 1) *
		    LONG_LINE_PACE_US - g_get_monotonic_time();
		if (left > 0)
			g_usleep((gulong)left);
	}
	tcp_exchange(fd, "\n", "ok\n");
	cpu = cpu_ms(srv->pid) - cpu;
	tcp_exchange(fd, "short\n", "ok\n");
	close(fd);
	g_assert_true(server_wait_log(srv, "closed (peer closed)", WAIT_MS));
	after = rss_kib(srv->pid);
	g_test_message("CPU %ld ms; RSS KiB: base %ld, after %ld", cpu, base,
	    after);
	/* About 0.3 s; searching the line again on every read took 2 s. */
	if (MEASURES_MEANINGFUL) {
		g_assert_cmpint(cpu, <, 1500);
		g_assert_cmpint(after - base, <, 2048);
	}
	g_free(line);
	server_stop(srv);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/hostile/slowloris/cannot-hold-workers",
	    test_slowloris_cannot_hold_workers);
	g_test_add_func("/hostile/slowloris/slow-complete-lines-served",
	    test_slow_complete_lines_served);
	g_test_add_func("/hostile/reader/slow-not-cut-off",
	    test_slow_reader_not_cut_off);
	g_test_add_func("/hostile/reader/slow-on-buffered-answers",
	    test_slow_reader_of_buffered_answers);
	g_test_add_func("/hostile/reader/stopped-closed",
	    test_stopped_reader_closed);
	g_test_add_func("/hostile/amplification/memory-bounded",
	    test_amplified_answers_bounded);
	g_test_add_func("/hostile/long-line/linear-and-returned",
	    test_long_line_linear_and_returned);
	return g_test_run();
}
