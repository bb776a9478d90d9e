/*
 * test-inject.c - --inject against the real sockd, each fault seen by a
 * client over loopback: delays and stalls in its waits, drops and
 * garbles in what it reads, resets and closes in how its connection
 * ends, partial and slow answers in its reads.  A fixed seed gives the
 * same bytes on every run; every fault is logged and counted; a reload
 * changes them for the connections that follow; a bad SPEC is refused;
 * the drain ends injected waits; a stalled connection holds its worker
 * and nobody else.
 */
#include "build-config.h"

#include <errno.h>
#include <glib.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness.h"
#include "inject.h"

/* The faults of the mixed run, and how many lines it sends. */
#define MIXED "drop=25,garble=25,partial=25,delay=10~10/25"
#define MIXED_LINES 40

/*
 * Wait for the end of the connection: 0 for an orderly close, the
 * error (ECONNRESET) for a reset; bytes that come first are skipped.
 */
static int
wait_end(int fd)
{
	gint64 deadline = now_ms() + WAIT_MS;
	char buf[4096];
	ssize_t n;

	while (fd_wait(fd, POLLIN, deadline)) {
		n = recv(fd, buf, sizeof buf, 0);
		if (n == 0)
			return 0;
		if (n < 0 && errno != EINTR)
			return errno;
	}
	g_error("the connection did not end within %d ms", WAIT_MS);
}

/* The number after "name=" in the log's last counters line. */
static unsigned long
counter(struct server *srv, const char *name)
{
	char *text, *line, *at, *key = g_strdup_printf(" %s=", name);
	unsigned long value;

	pthread_mutex_lock(&srv->lock);
	text = g_strdup(srv->log->str);
	pthread_mutex_unlock(&srv->lock);
	line = g_strrstr(text, "counters: ");
	g_assert_nonnull(line);
	at = strstr(line, key);
	g_assert_nonnull(at);
	value = strtoul(at + strlen(key), NULL, 10);
	g_free(key);
	g_free(text);
	return value;
}

/* Log the counters and wait for the line. */
static void
log_counters(struct server *srv)
{
	unsigned n = server_log_count(srv, "counters: ");

	server_signal(srv, SIGUSR1);
	g_assert_true(server_wait_log_count(srv, "counters: ", n + 1,
	    WAIT_MS));
}

/*
 * One run of the mixed faults with seed: 40 lines sent at once to an
 * echo server, the bytes read back to its close.  Checks that what the
 * client saw is what the log and the counters say, and returns the
 * bytes (g_free them).
 */
static char *
mixed_run(const char *seed)
{
	struct server *srv = server_start("--framing", "line", "--echo",
	    "--inject", MIXED, "--seed", seed, NULL);
	GString *sent = g_string_new(NULL);
	int fd = server_connect(srv), i;
	unsigned answered = 0, garbled = 0;
	gchar **lines;
	char *got;
	size_t len;

	for (i = 1; i <= MIXED_LINES; i++)
		g_string_append_printf(sent, "line%02d\n", i);
	tcp_send_str(fd, sent->str);
	g_assert_cmpint(shutdown(fd, SHUT_WR), ==, 0);
	got = tcp_recv(fd, 65536, WAIT_MS, &len);
	close(fd);
	g_assert_true(server_wait_log(srv, "closed (peer closed)", WAIT_MS));
	/* Each line that came back is its line, or garbled whole. */
	lines = g_strsplit(got, "\n", -1);
	for (i = 0; lines[i] != NULL && lines[i][0] != '\0'; i++) {
		answered++;
		g_assert_cmpuint(strlen(lines[i]), ==, 6);
		if (!g_str_has_prefix(lines[i], "line"))
			garbled++;
	}
	g_strfreev(lines);
	g_test_message("seed %s: %u of %d answered, %u garbled", seed,
	    answered, MIXED_LINES, garbled);
	g_assert_cmpuint(answered, <, MIXED_LINES);
	g_assert_cmpuint(garbled, >, 0);
	g_assert_cmpuint(server_log_count(srv, ": fault drop at message "),
	    ==, MIXED_LINES - answered);
	g_assert_cmpuint(server_log_count(srv, ": fault garble at message "),
	    ==, garbled);
	log_counters(srv);
	g_assert_cmpuint(counter(srv, "fault_drop"), ==, MIXED_LINES -
	    answered);
	g_assert_cmpuint(counter(srv, "fault_garble"), ==, garbled);
	g_assert_cmpuint(counter(srv, "fault_partial"), ==,
	    server_log_count(srv, ": fault partial at message "));
	g_assert_cmpuint(counter(srv, "fault_delay"), ==,
	    server_log_count(srv, ": fault delay at message "));
	g_assert_cmpuint(counter(srv, "replies"), ==, answered);
	g_assert_cmpuint(counter(srv, "messages"), ==, MIXED_LINES);
	server_stop(srv);
	g_string_free(sent, TRUE);
	return got;
}

/* The same seed and traffic give the same bytes; another seed others. */
static void
test_reproducible(void)
{
	char *first = mixed_run("2718"), *again = mixed_run("2718");
	char *other = mixed_run("2719");

	g_assert_cmpstr(first, ==, again);
	g_assert_cmpstr(first, !=, other);
	g_free(first);
	g_free(again);
	g_free(other);
}

/* Without --seed one is picked, and logged to replay the run. */
static void
test_seed_logged(void)
{
	struct server *srv = server_start("--inject", "drop=1", NULL);

	g_assert_true(server_wait_log(srv, "notice: faults: drop=1; seed ",
	    WAIT_MS));
	g_assert_true(server_wait_log(srv, " (replay with --seed ", WAIT_MS));
	server_stop(srv);
}

/* delay: the answer comes no sooner than the delay. */
static void
test_delay(void)
{
	struct server *srv = server_start("--inject", "delay=300", NULL);
	int fd = server_connect(srv);
	gint64 start = now_ms();

	tcp_exchange(fd, "a", "ok");
	g_assert_cmpint(now_ms() - start, >=, 300);
	g_assert_true(server_wait_client_log(srv, fd,
	    ": fault delay at message 1 (300 ms)\n", WAIT_MS));
	close(fd);
	server_stop(srv);
}

/* stall: the answers up to the Nth come; the next waits out the stall. */
static void
test_stall(void)
{
	struct server *srv = server_start("--framing", "line", "--inject",
	    "stall=1000@2", NULL);
	int fd = server_connect(srv);
	gint64 start;

	tcp_exchange(fd, "1\n", "ok\n");
	tcp_exchange(fd, "2\n", "ok\n");
	start = now_ms();
	tcp_exchange(fd, "3\n", "ok\n");
	/* The stall began as the second answer left, before 3 was sent:
	 * half of it is left for a client that read that answer late. */
	g_assert_cmpint(now_ms() - start, >=, 500);
	g_assert_true(server_wait_client_log(srv, fd,
	    ": fault stall at message 2 (1000 ms)\n", WAIT_MS));
	close(fd);
	server_stop(srv);
}

/* A seed under which drop=50 drops message 1 of connection 1 and
 * answers its message 2. */
static unsigned
seed_dropping_first_only(void)
{
	struct inject_set set;
	struct inject_conn ic;
	struct inject_draw one, two;
	unsigned seed;

	memset(&set, 0, sizeof set);
	g_assert_cmpint(inject_parse(&set, "drop=50", NULL, 0), ==, 0);
	for (seed = 0;; seed++) {
		inject_conn_begin(&ic, &set, seed, 1);
		inject_message(&ic, 1, &one);
		inject_message(&ic, 2, &two);
		if (one.drop && !two.drop)
			return seed;
	}
}

/*
 * drop: no answer, and the connection goes on: the first thing the
 * client reads is the echo of its second message.
 */
static void
test_drop(void)
{
	char seed[16];
	struct server *srv;
	int fd;

	g_snprintf(seed, sizeof seed, "%u", seed_dropping_first_only());
	srv = server_start("--framing", "line", "--echo", "--inject",
	    "drop=50", "--seed", seed, NULL);
	fd = server_connect(srv);
	tcp_send_str(fd, "lost\n");
	g_assert_true(server_wait_client_log(srv, fd,
	    ": fault drop at message 1\n", WAIT_MS));
	tcp_exchange(fd, "kept\n", "kept\n");
	close(fd);
	g_assert_true(server_wait_log(srv, "closed (peer closed): 2 messages",
	    WAIT_MS));
	log_counters(srv);
	g_assert_cmpuint(counter(srv, "messages"), ==, 2);
	g_assert_cmpuint(counter(srv, "replies"), ==, 1);
	g_assert_cmpuint(counter(srv, "fault_drop"), ==, 1);
	server_stop(srv);
}

/* reset: the answers before it come, then an RST instead of the next. */
static void
test_reset(void)
{
	struct server *srv = server_start("--framing", "line", "--inject",
	    "reset=100@3", NULL);
	int fd = server_connect(srv);

	tcp_exchange(fd, "1\n", "ok\n");
	tcp_exchange(fd, "2\n", "ok\n");
	tcp_send_str(fd, "3\n");
	g_assert_cmpint(wait_end(fd), ==, ECONNRESET);
	g_assert_true(server_wait_client_log(srv, fd,
	    ": fault reset at message 3\n", WAIT_MS));
	g_assert_true(server_wait_client_log(srv, fd,
	    ": closed (fault reset): 3 messages", WAIT_MS));
	close(fd);
	log_counters(srv);
	g_assert_cmpuint(counter(srv, "fault_reset"), ==, 1);
	server_stop(srv);
}

/* close-after: N answers, then an orderly close (no reset). */
static void
test_close_after(void)
{
	struct server *srv = server_start("--framing", "line", "--inject",
	    "close-after=2", NULL);
	int fd = server_connect(srv);

	tcp_exchange(fd, "1\n", "ok\n");
	tcp_exchange(fd, "2\n", "ok\n");
	g_assert_cmpint(wait_end(fd), ==, 0);
	g_assert_true(server_wait_client_log(srv, fd,
	    ": fault close-after at message 2\n", WAIT_MS));
	g_assert_true(server_wait_client_log(srv, fd,
	    ": closed (fault close-after): 2 messages", WAIT_MS));
	close(fd);
	server_stop(srv);
}

/*
 * Read an answer of want bytes; the number of reads it took, and the
 * time from the first byte sent to the last read in *ms.
 */
static unsigned
read_in_pieces(int fd, const char *send_text, size_t want, gint64 *ms)
{
	gint64 start = now_ms(), deadline = start + WAIT_MS;
	char buf[256];
	size_t got = 0;
	unsigned reads = 0;
	ssize_t n;

	g_assert_cmpuint(want, <=, sizeof buf);
	tcp_send_str(fd, send_text);
	while (got < want) {
		g_assert_true(fd_wait(fd, POLLIN, deadline));
		n = recv(fd, buf + got, want - got, 0);
		g_assert_cmpint(n, >, 0);
		got += (size_t)n;
		reads++;
	}
	*ms = now_ms() - start;
	return reads;
}

/* slow: the answer trickles in at the rate. */
static void
test_slow(void)
{
	struct server *srv = server_start("--reply", "0123456789",
	    "--inject", "slow=20", NULL);
	int fd = server_connect(srv);
	gint64 ms;
	unsigned reads = read_in_pieces(fd, "x", 10, &ms);

	/* 10 bytes at 20 a second: half a second, a byte at a time. */
	g_test_message("%u reads in %" G_GINT64_FORMAT " ms", reads, ms);
	g_assert_cmpint(ms, >=, 400);
	g_assert_cmpuint(reads, >, 1);
	g_assert_true(server_wait_client_log(srv, fd,
	    ": fault slow at message 1 (20 bytes/s)\n", WAIT_MS));
	close(fd);
	server_stop(srv);
}

/* partial: an answer in pieces, a client's first read gets a part. */
static void
test_partial(void)
{
	struct server *srv = server_start("--reply", "abcdefgh", "--inject",
	    "partial=100", NULL);
	int fd = server_connect(srv), i;
	unsigned split = 0;
	gint64 ms;

	/* 50 ms between pieces; three tries, so a busy machine that reads
	 * late once does not fail the test. */
	for (i = 0; i < 3; i++)
		split += read_in_pieces(fd, "x", 8, &ms) > 1;
	g_assert_cmpuint(split, >, 0);
	g_assert_true(server_wait_log_count(srv, ": fault partial at message ",
	    3, WAIT_MS));
	close(fd);
	server_stop(srv);
}

/* garble: a wrong answer of the same length, its line ending kept. */
static void
test_garble(void)
{
	struct server *srv = server_start("--framing", "line", "--reply",
	    "right answer", "--inject", "garble=100", NULL);
	int fd = server_connect(srv);
	char *got;
	size_t len, i;

	tcp_send_str(fd, "q\r\n");
	got = tcp_recv(fd, 14, WAIT_MS, &len);
	g_assert_cmpuint(len, ==, 14);
	g_assert_true(g_str_has_suffix(got, "\r\n"));
	for (i = 0; i < 12; i++) {
		g_assert_cmpint(got[i], !=, "right answer"[i]);
		g_assert_true(g_ascii_isgraph(got[i]));
	}
	g_free(got);
	g_assert_true(server_wait_client_log(srv, fd,
	    ": fault garble at message 1\n", WAIT_MS));
	close(fd);
	server_stop(srv);
}

/* Write text over the configuration file and send SIGHUP. */
static void
reload_with(struct server *srv, const char *conf, const char *text)
{
	unsigned n = server_log_count(srv, "reloaded ");

	g_assert_true(g_file_set_contents(conf, text, -1, NULL));
	server_signal(srv, SIGHUP);
	g_assert_true(server_wait_log_count(srv, "reloaded ", n + 1,
	    WAIT_MS));
}

/* Send a line and assert a garbled "right\n" comes back. */
static void
assert_garbled(int fd, const char *line)
{
	char *got;

	tcp_send_str(fd, line);
	got = tcp_recv(fd, 6, WAIT_MS, NULL);
	g_assert_cmpuint(strlen(got), ==, 6);
	g_assert_true(g_str_has_suffix(got, "\n"));
	g_assert_cmpstr(got, !=, "right\n");
	g_free(got);
}

/* A reload changes the faults of the connections that follow; one
 * already open keeps those it began with. */
static void
test_reload(void)
{
	char *dir = temp_dir();
	char *conf = write_file(dir, "sockd.conf", "framing = line\n"
	    "reply = right\ninject = garble=100\n");
	struct server *srv = server_start("-c", conf, NULL);
	int before = server_connect(srv), after;

	assert_garbled(before, "1\n");
	reload_with(srv, conf, "framing = line\nreply = right\n"
	    "inject = close-after=1\n");
	g_assert_true(server_wait_log(srv, "faults: close-after=1; seed ",
	    WAIT_MS));
	/* The new connection: one right answer, then the close. */
	after = server_connect(srv);
	tcp_exchange(after, "1\n", "right\n");
	g_assert_cmpint(wait_end(after), ==, 0);
	/* The old one still garbles, and is not closed. */
	assert_garbled(before, "2\n");
	/* Faults off: said once. */
	reload_with(srv, conf, "framing = line\nreply = right\n");
	g_assert_true(server_wait_log(srv, "notice: faults: none", WAIT_MS));
	close(after);
	after = server_connect(srv);
	tcp_exchange(after, "1\n", "right\n");
	tcp_exchange(after, "2\n", "right\n");
	close(after);
	close(before);
	server_stop(srv);
	g_free(conf);
	remove_dir(dir);
}

/* A bad SPEC: 64 on the command line, 78 with FILE:LINE in a file. */
static void
test_bad_spec(void)
{
	char *dir = temp_dir(), *err, *expect;
	char *conf = write_file(dir, "bad.conf", "# faults\n"
	    "inject = reset=5@0\n");

	g_assert_cmpint(run_sockd(&err, "--inject", "drop=150", NULL), ==, 64);
	g_assert_cmpstr(err, ==, "sockd: --inject: 'drop=150': not a "
	    "percentage 0-100\n");
	g_free(err);
	g_assert_cmpint(run_sockd(&err, "--inject", "delay=5,jitter=1", NULL),
	    ==, 64);
	g_assert_true(g_str_has_prefix(err, "sockd: --inject: 'jitter=1': "
	    "unknown fault"));
	g_free(err);
	g_assert_cmpint(run_sockd(&err, "-c", conf, NULL), ==, 78);
	expect = g_strdup_printf("sockd: %s:2: inject: 'reset=5@0': not a "
	    "message number in 1-1000000000 after @\n", conf);
	g_assert_cmpstr(err, ==, expect);
	g_free(expect);
	g_free(err);
	g_free(conf);
	remove_dir(dir);
}

/* SIGTERM ends an injected wait: the answer due goes out at once. */
static void
test_drain_ends_waits(void)
{
	struct server *srv = server_start("--inject", "delay=60000",
	    "--shutdown-timeout", "60", NULL);
	int fd = server_connect(srv);
	char *got;
	gint64 start;

	tcp_send_str(fd, "a");
	g_assert_true(server_wait_client_log(srv, fd,
	    ": fault delay at message 1 (60000 ms)\n", WAIT_MS));
	start = now_ms();
	server_signal(srv, SIGTERM);
	got = tcp_recv(fd, 2, WAIT_MS, NULL);
	g_assert_cmpstr(got, ==, "ok");
	g_free(got);
	g_assert_cmpint(server_wait_exit(srv, WAIT_MS), ==, 0);
	/* Well before the delay, or the drain's deadline. */
	g_assert_cmpint(now_ms() - start, <, WAIT_MS);
	close(fd);
	server_free(srv);
}

/* A seed under which connection 1 is drawn for spec's connection fault
 * and connection 2 is not. */
static unsigned
seed_striking_first_only(const char *spec)
{
	struct inject_set set;
	struct inject_conn one, two;
	unsigned seed;

	memset(&set, 0, sizeof set);
	g_assert_cmpint(inject_parse(&set, spec, NULL, 0), ==, 0);
	for (seed = 0;; seed++) {
		inject_conn_begin(&one, &set, seed, 1);
		inject_conn_begin(&two, &set, seed, 2);
		if (one.stall && !two.stall)
			return seed;
	}
}

/*
 * A stalled connection holds its worker, and nobody else: another
 * client is served meanwhile, and the stall ends at SIGTERM.
 */
static void
test_stall_holds_only_its_worker(void)
{
	const char *spec = "stall=60000@1/50";
	char seed[16], *got;
	struct server *srv;
	int stalled, other;

	g_snprintf(seed, sizeof seed, "%u", seed_striking_first_only(spec));
	srv = server_start("--workers", "2", "--framing", "line", "--inject",
	    spec, "--seed", seed, NULL);
	stalled = server_connect(srv);
	tcp_exchange(stalled, "1\n", "ok\n");
	g_assert_true(server_wait_client_log(srv, stalled,
	    ": fault stall at message 1 (60000 ms)\n", WAIT_MS));
	tcp_send_str(stalled, "2\n");
	/* The other worker serves another client at once, again and
	 * again, while the first is held. */
	other = server_connect(srv);
	tcp_exchange(other, "a\n", "ok\n");
	tcp_exchange(other, "b\n", "ok\n");
	close(other);
	g_assert_true(server_wait_log(srv, "closed (peer closed): 2 messages",
	    WAIT_MS));
	got = tcp_recv(stalled, 3, 100, NULL);
	g_assert_cmpstr(got, ==, "");
	g_free(got);
	/* The drain ends the stall: the answer due comes. */
	server_signal(srv, SIGTERM);
	got = tcp_recv(stalled, 3, WAIT_MS, NULL);
	g_assert_cmpstr(got, ==, "ok\n");
	g_free(got);
	g_assert_cmpint(server_wait_exit(srv, WAIT_MS), ==, 0);
	close(stalled);
	server_free(srv);
}

/* The Prometheus page counts each fault by kind. */
static void
test_metrics(void)
{
	struct server *srv = server_start("--inject", "garble=100",
	    "--metrics", "127.0.0.1:0", NULL);
	int fd = server_connect(srv), port;
	char *got;

	tcp_send_str(fd, "a");
	g_free(tcp_recv(fd, 2, WAIT_MS, NULL));
	g_assert_true(server_wait_log(srv, "metrics on 127.0.0.1:", WAIT_MS));
	port = server_log_port(srv, "metrics on ");
	close(fd);
	fd = tcp_connect("127.0.0.1", port);
	tcp_send_str(fd, "GET /metrics HTTP/1.0\r\n\r\n");
	got = tcp_recv(fd, 65536, WAIT_MS, NULL);
	g_assert_nonnull(strstr(got, "\n# TYPE sockd_faults_injected_total "
	    "counter\n"));
	g_assert_nonnull(strstr(got,
	    "\nsockd_faults_injected_total{fault=\"garble\"} 1\n"));
	g_assert_nonnull(strstr(got,
	    "\nsockd_faults_injected_total{fault=\"drop\"} 0\n"));
	g_free(got);
	close(fd);
	server_stop(srv);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/inject/reproducible", test_reproducible);
	g_test_add_func("/inject/seed-logged", test_seed_logged);
	g_test_add_func("/inject/delay", test_delay);
	g_test_add_func("/inject/stall", test_stall);
	g_test_add_func("/inject/drop", test_drop);
	g_test_add_func("/inject/reset", test_reset);
	g_test_add_func("/inject/close-after", test_close_after);
	g_test_add_func("/inject/slow", test_slow);
	g_test_add_func("/inject/partial", test_partial);
	g_test_add_func("/inject/garble", test_garble);
	g_test_add_func("/inject/reload", test_reload);
	g_test_add_func("/inject/bad-spec", test_bad_spec);
	g_test_add_func("/inject/drain-ends-waits", test_drain_ends_waits);
	g_test_add_func("/inject/stall-holds-only-its-worker",
	    test_stall_holds_only_its_worker);
	g_test_add_func("/inject/metrics", test_metrics);
	return g_test_run();
}
