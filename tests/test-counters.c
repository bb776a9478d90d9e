/*
 * test-counters.c - the counters of the real sockd: the line SIGUSR1
 * logs, and the Prometheus endpoint of --metrics with its HTTP errors,
 * its deadline for slow scrapers, and scrapers served side by side.
 */
#include "build-config.h"

#include <errno.h>
#include <glib.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness.h"

/* SIGUSR1 logs the counters of connections that have closed. */
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

/*
 * One HTTP exchange with the metrics endpoint: assert that the answer
 * starts with status, and return it whole (g_free it).
 */
static char *
http_exchange(int port, const char *request, const char *status)
{
	int fd = tcp_connect("127.0.0.1", port);
	char *got;

	tcp_send_str(fd, request);
	/* The server closes after its answer: read to the end. */
	got = tcp_recv(fd, 65536, WAIT_MS, NULL);
	close(fd);
	g_assert_true(g_str_has_prefix(got, status));
	return got;
}

/* The port of the metrics endpoint, from the server's log. */
static int
metrics_port(struct server *srv)
{
	int port;

	g_assert_true(server_wait_log(srv, "metrics on 127.0.0.1:", WAIT_MS));
	port = server_log_port(srv, "metrics on ");
	g_assert_cmpint(port, >, 0);
	return port;
}

/*
 * Check the framing of an answer: its Content-Type is type, it says
 * Connection: close, and its Content-Length is the length of the body
 * that follows, or for a HEAD request (headers_only) of the body that a
 * GET would have had, with none sent.  Returns the body (g_free it).
 */
static char *
http_body(const char *got, const char *type, bool headers_only)
{
	const char *end = strstr(got, "\r\n\r\n"), *field;
	char *headers, *expect;
	guint64 length;

	g_assert_nonnull(end);
	headers = g_strndup(got, (gsize)(end - got) + 2);
	expect = g_strdup_printf("\r\nContent-Type: %s\r\n", type);
	g_assert_nonnull(strstr(headers, expect));
	g_assert_nonnull(strstr(headers, "\r\nConnection: close\r\n"));
	field = strstr(headers, "\r\nContent-Length: ");
	g_assert_nonnull(field);
	length = g_ascii_strtoull(field + 18, NULL, 10);
	end += 4;
	if (headers_only) {
		g_assert_cmpuint(length, >, 0);
		g_assert_cmpstr(end, ==, "");
	} else
		g_assert_cmpuint(length, ==, strlen(end));
	g_free(expect);
	g_free(headers);
	return g_strdup(end);
}

/* GET /metrics serves the counters; other requests get an HTTP error. */
static void
test_metrics_endpoint(void)
{
	struct server *srv = server_start("--framing", "line",
	    "--metrics", "127.0.0.1:0", NULL);
	int fd = server_connect(srv), port = metrics_port(srv), idle;
	char *got;

	tcp_exchange(fd, "one\ntwo\n", "ok\nok\n");

	got = http_exchange(port, "GET /metrics HTTP/1.1\r\n"
	    "Host: localhost\r\n\r\n", "HTTP/1.1 200 OK\r\n");
	g_free(http_body(got, "text/plain; version=0.0.4; charset=utf-8",
	    false));
	g_assert_nonnull(strstr(got, "\nsockd_connections_accepted_total 1\n"));
	g_assert_nonnull(strstr(got, "\nsockd_connections_active 1\n"));
	g_assert_nonnull(strstr(got, "\nsockd_messages_received_total 2\n"));
	g_assert_nonnull(strstr(got, "\nsockd_replies_sent_total 2\n"));
	g_free(got);

	g_free(http_exchange(port, "GET /other HTTP/1.0\r\n\r\n",
	    "HTTP/1.1 404 "));
	got = http_exchange(port, "DELETE /metrics HTTP/1.1\r\n\r\n",
	    "HTTP/1.1 405 ");
	g_assert_nonnull(strstr(got, "\r\nAllow: GET, HEAD\r\n"));
	g_free(got);
	g_free(http_exchange(port, "hello\r\n\r\n", "HTTP/1.1 400 "));

	/* A scraper that sends nothing does not stop the next one. */
	idle = tcp_connect("127.0.0.1", port);
	g_free(http_exchange(port, "GET /metrics HTTP/1.1\r\n\r\n",
	    "HTTP/1.1 200 OK\r\n"));
	close(idle);
	/* The server still answers its clients, and stops cleanly. */
	tcp_exchange(fd, "three\n", "ok\n");
	close(fd);
	server_stop(srv);
}

/*
 * The errors are plain text, not the Prometheus format (a scraper must
 * not parse them as samples), short, and framed like the page.
 */
static void
test_metrics_error_answers(void)
{
	static const struct {
		const char *request, *status, *body;
	} cases[] = {
		{ "GET /other HTTP/1.1\r\n\r\n", "HTTP/1.1 404 ",
		    "404 Not Found\n" },
		{ "POST /metrics HTTP/1.1\r\n\r\n", "HTTP/1.1 405 ",
		    "405 Method Not Allowed\n" },
		{ "hello\r\n\r\n", "HTTP/1.1 400 ", "400 Bad Request\n" },
		{ "GET /metrics HTTP/2.0\r\n\r\n", "HTTP/1.1 505 ",
		    "505 HTTP Version Not Supported\n" },
	};
	struct server *srv = server_start("--metrics", "127.0.0.1:0", NULL);
	int port = metrics_port(srv);
	char *got, *body;
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		got = http_exchange(port, cases[i].request, cases[i].status);
		g_assert_null(strstr(got, "version=0.0.4"));
		body = http_body(got, "text/plain; charset=utf-8", false);
		g_assert_cmpstr(body, ==, cases[i].body);
		g_free(body);
		g_free(got);
	}
	server_stop(srv);
}

/*
 * A HEAD request gets the headers of the answer a GET would get, with
 * its Content-Length, and no body, whatever the status.
 */
static void
test_metrics_head(void)
{
	struct server *srv = server_start("--metrics", "127.0.0.1:0", NULL);
	int port = metrics_port(srv);
	char *got;

	got = http_exchange(port, "HEAD /metrics HTTP/1.1\r\n\r\n",
	    "HTTP/1.1 200 OK\r\n");
	g_free(http_body(got, "text/plain; version=0.0.4; charset=utf-8",
	    true));
	g_free(got);
	got = http_exchange(port, "HEAD /other HTTP/1.1\r\n\r\n",
	    "HTTP/1.1 404 ");
	g_free(http_body(got, "text/plain; charset=utf-8", true));
	g_free(got);
	server_stop(srv);
}

/*
 * A head is read however it arrives: in pieces (cut inside the blank
 * line too), with bare LF line ends, or with LF and CRLF mixed.
 */
static void
test_metrics_head_in_pieces(void)
{
	static const char *const pieces[][4] = {
		{ "GET /met", "rics HTTP/1.1\r\nHost: x\r\n\r", "\n" },
		{ "GET /metrics HTTP/1.0\n", "Host: x\n", "\n" },
		{ "GET /metrics HTTP/1.1\r\nHost: x\n\r\n" },
		{ "GET /metrics HTTP/1.1\nHost: x\r\n", "\r\n" },
	};
	struct server *srv = server_start("--metrics", "127.0.0.1:0", NULL);
	int port = metrics_port(srv), fd;
	char *got;
	size_t i, j;

	for (i = 0; i < G_N_ELEMENTS(pieces); i++) {
		g_test_message("request %zu", i);
		fd = tcp_connect("127.0.0.1", port);
		for (j = 0; j < 4 && pieces[i][j] != NULL; j++) {
			/* No answer to part of a head. */
			g_assert_false(fd_wait(fd, POLLIN, now_ms() + 50));
			tcp_send_str(fd, pieces[i][j]);
		}
		got = tcp_recv(fd, 65536, WAIT_MS, NULL);
		g_assert_true(g_str_has_prefix(got, "HTTP/1.1 200 OK\r\n"));
		g_free(http_body(got, "text/plain; version=0.0.4; "
		    "charset=utf-8", false));
		g_free(got);
		close(fd);
	}
	server_stop(srv);
}

/* Only HTTP/1.0 and HTTP/1.1 get the page: "HTTP/1.X" is not HTTP. */
static void
test_metrics_http_version(void)
{
	static const struct {
		const char *request, *status;
	} cases[] = {
		{ "GET /metrics HTTP/1.0\r\n\r\n", "HTTP/1.1 200 " },
		{ "GET /metrics HTTP/1.1\r\n\r\n", "HTTP/1.1 200 " },
		{ "GET /metrics HTTP/1.X\r\n\r\n", "HTTP/1.1 400 " },
		{ "GET /metrics HTTP/1.\n\r\n\r\n", "HTTP/1.1 400 " },
		{ "GET /metrics http/1.1\r\n\r\n", "HTTP/1.1 400 " },
		{ "GET /metrics HTTP/1.2\r\n\r\n", "HTTP/1.1 505 " },
		{ "GET /metrics HTTP/2.0\r\n\r\n", "HTTP/1.1 505 " },
	};
	struct server *srv = server_start("--metrics", "127.0.0.1:0", NULL);
	int port = metrics_port(srv);
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_test_message("%s", cases[i].request);
		g_free(http_exchange(port, cases[i].request,
		    cases[i].status));
	}
	server_stop(srv);
}

/* True if the peer has already closed fd (or sent on it): no waiting. */
static bool
closed_yet(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	int ready;

	while ((ready = poll(&pfd, 1, 0)) < 0 && errno == EINTR)
		continue;
	g_assert_cmpint(ready, >=, 0);
	return ready > 0;
}

/*
 * Open n connections to the endpoint (fds) that never send a byte, then
 * scrape it, asserting the page comes.
 */
static void
scrape_after_silent(int port, int *fds, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		fds[i] = tcp_connect("127.0.0.1", port);
	g_free(http_exchange(port, "GET /metrics HTTP/1.1\r\n\r\n",
	    "HTTP/1.1 200 OK\r\n"));
}

/*
 * Silent scrapers do not delay a real one (SPEC 7): with ten connections
 * held open that send nothing, a scrape is answered while every one of
 * them is still waiting out its 2 seconds, so the scrape did not wait
 * for them; then each is closed by its own deadline.
 */
static void
test_metrics_silent_scrapers(void)
{
	struct server *srv = server_start("--metrics", "127.0.0.1:0", NULL);
	int port = metrics_port(srv), silent[10];
	size_t i;

	scrape_after_silent(port, silent, G_N_ELEMENTS(silent));
	for (i = 0; i < G_N_ELEMENTS(silent); i++)
		g_assert_false(closed_yet(silent[i]));
	for (i = 0; i < G_N_ELEMENTS(silent); i++) {
		g_assert_true(tcp_wait_closed(silent[i], WAIT_MS));
		close(silent[i]);
	}
	server_stop(srv);
}

/*
 * At most 64 scrapers are served at once; one more closes the oldest,
 * so that a crowd of silent connections cannot shut a real scrape out.
 * SIGTERM closes those still open.
 */
static void
test_metrics_scraper_limit(void)
{
	struct server *srv = server_start("--metrics", "127.0.0.1:0",
	    "--log-level", "debug", NULL);
	int port = metrics_port(srv), silent[64];
	size_t i;

	scrape_after_silent(port, silent, G_N_ELEMENTS(silent));
	g_assert_true(server_wait_log(srv, "metrics: 64 scrapers at once: "
	    "closing the oldest", WAIT_MS));
	g_assert_true(tcp_wait_closed(silent[0], WAIT_MS));
	server_stop(srv);
	for (i = 0; i < G_N_ELEMENTS(silent); i++)
		close(silent[i]);
}

/* A head longer than 8 KiB is a bad request, answered as one. */
static void
test_metrics_oversized_head(void)
{
	struct server *srv = server_start("--metrics", "127.0.0.1:0", NULL);
	int fd = tcp_connect("127.0.0.1", metrics_port(srv));
	char *pad = g_strnfill(9000, 'a'), *got, *body;

	tcp_send_str(fd, "GET /metrics HTTP/1.1\r\nX-Pad: ");
	tcp_send_str(fd, pad);
	got = tcp_recv(fd, 65536, WAIT_MS, NULL);
	g_assert_true(g_str_has_prefix(got, "HTTP/1.1 400 "));
	body = http_body(got, "text/plain; charset=utf-8", false);
	g_assert_cmpstr(body, ==, "400 Bad Request\n");
	g_free(body);
	g_free(got);
	g_free(pad);
	close(fd);
	server_stop(srv);
}

/* A scraper that trickles its request, a byte at a time, is cut off
 * by the exchange's deadline instead of holding the endpoint. */
static void
test_metrics_trickle_cut_off(void)
{
	struct server *srv = server_start("--metrics", "127.0.0.1:0", NULL);
	int fd = tcp_connect("127.0.0.1", metrics_port(srv));
	gint64 start;
	char c;

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

/* The counters' tests, each against a sockd of its own. */
int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/service/sigusr1/counters", test_sigusr1_counters);
	g_test_add_func("/service/sigusr1/counts-open-connections",
	    test_sigusr1_counts_open_connections);
	g_test_add_func("/service/metrics/endpoint", test_metrics_endpoint);
	g_test_add_func("/service/metrics/error-answers",
	    test_metrics_error_answers);
	g_test_add_func("/service/metrics/head", test_metrics_head);
	g_test_add_func("/service/metrics/head-in-pieces",
	    test_metrics_head_in_pieces);
	g_test_add_func("/service/metrics/http-version",
	    test_metrics_http_version);
	g_test_add_func("/service/metrics/oversized-head",
	    test_metrics_oversized_head);
	g_test_add_func("/service/metrics/silent-scrapers",
	    test_metrics_silent_scrapers);
	g_test_add_func("/service/metrics/scraper-limit",
	    test_metrics_scraper_limit);
	g_test_add_func("/service/metrics/trickle-cut-off",
	    test_metrics_trickle_cut_off);
	return g_test_run();
}
