/*
 * test-metrics.c - the Prometheus endpoint's pure parts: which requests
 * get the page, the page itself, and the answers around it.
 */
#include "build-config.h"

#include <glib.h>
#include <string.h>

#include "metrics-http.h"

/* Route a C string, whatever its method. */
static enum metrics_answer
route(const char *head)
{
	bool headers_only;

	return metrics_route(head, strlen(head), &headers_only);
}

/* A head ends at its first empty line, whatever mix of LF and CRLF. */
static void
test_head_end(void)
{
	static const struct {
		const char *buf;
		size_t end;	/* 0: incomplete */
	} cases[] = {
		{ "GET / HTTP/1.1\r\n\r\n", 18 },
		{ "GET / HTTP/1.1\n\n", 16 },
		{ "GET / HTTP/1.1\r\nHost: x\r\n\r\n", 27 },
		{ "GET / HTTP/1.1\nHost: x\r\n\r\n", 26 },
		{ "GET / HTTP/1.1\r\nHost: x\n\r\n", 26 },
		{ "GET / HTTP/1.1\r\nHost: x\r\n\n", 26 },
		{ "GET / HTTP/1.1\r\n\r\nbody\n\n", 18 },
		{ "GET / HTTP/1.1\r\nHost: x\r\n\r", 0 },
		{ "GET / HTTP/1.1\r\nHost: x\r\n", 0 },
		{ "GET / HTTP/1.1\r\nX: \r\r\n", 0 },
		{ "GET / HTTP/1.1", 0 },
		{ "", 0 },
	};
	size_t i, from;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_test_message("%zu", i);
		from = 0;
		g_assert_cmpuint(metrics_head_end(cases[i].buf,
		    strlen(cases[i].buf), &from), ==, cases[i].end);
	}
}

/*
 * A head that comes a byte at a time is found where it ends, the scan
 * going on from the line not yet ended rather than from the start.
 */
static void
test_head_end_in_pieces(void)
{
	static const char head[] = "GET / HTTP/1.1\r\nHost: x\n\r\nbody";
	size_t len, from = 0, end = 0;

	for (len = 0; len <= strlen(head) && end == 0; len++) {
		end = metrics_head_end(head, len, &from);
		g_assert_cmpuint(from, <=, len);
		/* It never skips the start of the line it has not ended. */
		g_assert_true(from == 0 || head[from - 1] == '\n');
	}
	g_assert_cmpuint(end, ==, 26);
	g_assert_cmpuint(len, ==, 27);
}

/* GET and HEAD of /metrics get the page; other requests an error. */
static void
test_route(void)
{
	g_assert_cmpint(route("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"), ==,
	    METRICS_OK);
	g_assert_cmpint(route("GET /metrics HTTP/1.0\n\n"), ==, METRICS_OK);
	g_assert_cmpint(route("GET /metrics?name[]=x HTTP/1.1\r\n\r\n"), ==,
	    METRICS_OK);
	g_assert_cmpint(route("HEAD /metrics HTTP/1.1\r\n\r\n"), ==,
	    METRICS_OK);
	g_assert_cmpint(route("GET / HTTP/1.1\r\n\r\n"), ==,
	    METRICS_NOT_FOUND);
	g_assert_cmpint(route("GET /metricsx HTTP/1.1\r\n\r\n"), ==,
	    METRICS_NOT_FOUND);
	g_assert_cmpint(route("POST /metrics HTTP/1.1\r\n\r\n"), ==,
	    METRICS_BAD_METHOD);
	g_assert_cmpint(route("GET /metrics\r\n\r\n"), ==,
	    METRICS_BAD_REQUEST);
	g_assert_cmpint(route("hello"), ==, METRICS_BAD_REQUEST);
	g_assert_cmpint(route(" /metrics HTTP/1.1\r\n"), ==,
	    METRICS_BAD_REQUEST);
	g_assert_cmpint(route(""), ==, METRICS_BAD_REQUEST);
}

/* Exactly HTTP/1.0 and HTTP/1.1 are spoken; another version is 505. */
static void
test_route_version(void)
{
	static const struct {
		const char *head;
		enum metrics_answer answer;
	} cases[] = {
		{ "GET /metrics HTTP/1.0\r\n\r\n", METRICS_OK },
		{ "GET /metrics HTTP/1.1\r\n\r\n", METRICS_OK },
		{ "GET /metrics HTTP/1.X\r\n\r\n", METRICS_BAD_REQUEST },
		{ "GET /metrics HTTP/1.\r\n\r\n", METRICS_BAD_REQUEST },
		{ "GET /metrics HTTP/1.11\r\n\r\n", METRICS_BAD_REQUEST },
		{ "GET /metrics HTTP/1.1 \r\n\r\n", METRICS_BAD_REQUEST },
		{ "GET /metrics http/1.1\r\n\r\n", METRICS_BAD_REQUEST },
		{ "GET /metrics HTTPS/1.1\r\n\r\n", METRICS_BAD_REQUEST },
		{ "GET /metrics HTTP/x.1\r\n\r\n", METRICS_BAD_REQUEST },
		{ "GET /metrics HTTP/1.2\r\n\r\n", METRICS_BAD_VERSION },
		{ "GET /metrics HTTP/2.0\r\n\r\n", METRICS_BAD_VERSION },
		{ "GET /metrics HTTP/0.9\r\n\r\n", METRICS_BAD_VERSION },
		/* The version is judged before the method and the path. */
		{ "BREW /pot HTTP/1.X\r\n\r\n", METRICS_BAD_REQUEST },
		{ "BREW /pot HTTP/3.0\r\n\r\n", METRICS_BAD_VERSION },
	};
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_test_message("%s", cases[i].head);
		g_assert_cmpint(route(cases[i].head), ==, cases[i].answer);
	}
}

/* A HEAD request is told apart, whatever its answer: none has a body. */
static void
test_route_head(void)
{
	static const struct {
		const char *head;
		enum metrics_answer answer;
		bool headers_only;
	} cases[] = {
		{ "HEAD /metrics HTTP/1.1\r\n\r\n", METRICS_OK, true },
		{ "HEAD /other HTTP/1.1\r\n\r\n", METRICS_NOT_FOUND, true },
		{ "HEAD /metrics HTTP/2.0\r\n\r\n", METRICS_BAD_VERSION,
		    true },
		{ "GET /metrics HTTP/1.1\r\n\r\n", METRICS_OK, false },
		{ "HEADS /metrics HTTP/1.1\r\n\r\n", METRICS_BAD_METHOD,
		    false },
		{ "head /metrics HTTP/1.1\r\n\r\n", METRICS_BAD_METHOD, false },
		{ "HEAD\r\n\r\n", METRICS_BAD_REQUEST, false },
	};
	bool headers_only;
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_test_message("%s", cases[i].head);
		g_assert_cmpint(metrics_route(cases[i].head,
		    strlen(cases[i].head), &headers_only), ==,
		    cases[i].answer);
		g_assert_cmpint(headers_only, ==, cases[i].headers_only);
	}
}

/* The page: every counter, each after its HELP and TYPE lines. */
static void
test_render(void)
{
	struct stats_snapshot snap = { .accepted = 7, .active = 2,
	    .rejected = 1, .timeouts = 3, .messages = 40, .bytes_in = 500,
	    .replies = 39, .errors = 0, .log_dropped = 3,
	    .faults = { [INJECT_DROP] = 4, [INJECT_CLOSE_AFTER] = 2 } };
	char page[4096], small[100];
	size_t len = metrics_render(&snap, page, sizeof page);
	gchar **lines;
	guint i, samples = 0;

	g_assert_cmpuint(len, ==, strlen(page));
	g_assert_true(g_str_has_suffix(page, "\n"));
	g_assert_nonnull(strstr(page,
	    "\nsockd_connections_accepted_total 7\n"));
	g_assert_nonnull(strstr(page, "# TYPE sockd_connections_active gauge\n"
	    "sockd_connections_active 2\n"));
	g_assert_nonnull(strstr(page, "\nsockd_messages_received_total 40\n"));
	g_assert_nonnull(strstr(page, "\nsockd_received_bytes_total 500\n"));
	g_assert_nonnull(strstr(page, "\nsockd_replies_sent_total 39\n"));
	g_assert_nonnull(strstr(page, "\nsockd_log_dropped_total 3\n"));
	g_assert_nonnull(strstr(page, "# TYPE sockd_faults_injected_total "
	    "counter\nsockd_faults_injected_total{fault=\"delay\"} 0\n"));
	g_assert_nonnull(strstr(page,
	    "\nsockd_faults_injected_total{fault=\"drop\"} 4\n"));
	g_assert_nonnull(strstr(page,
	    "\nsockd_faults_injected_total{fault=\"close-after\"} 2\n"));
	/* Every sample follows its HELP and TYPE lines, or a sample of the
	 * same family (a label's other values). */
	lines = g_strsplit(page, "\n", -1);
	for (i = 0; lines[i] != NULL && lines[i][0] != '\0'; i++) {
		if (lines[i][0] == '#')
			continue;
		samples++;
		g_assert_cmpuint(i, >=, 2);
		if (lines[i - 1][0] != '#') {
			g_assert_cmpint(strcspn(lines[i], "{ "), ==,
			    strcspn(lines[i - 1], "{ "));
			g_assert_cmpint(strncmp(lines[i], lines[i - 1],
			    strcspn(lines[i], "{ ")), ==, 0);
			continue;
		}
		g_assert_true(g_str_has_prefix(lines[i - 2], "# HELP "));
		g_assert_true(g_str_has_prefix(lines[i - 1], "# TYPE "));
	}
	g_assert_cmpuint(samples, ==, 9 + INJECT_KINDS);
	g_strfreev(lines);
	/* A short buffer is cut, never overrun. */
	len = metrics_render(&snap, small, sizeof small);
	g_assert_cmpuint(len, ==, strlen(small));
	g_assert_cmpuint(len, <, sizeof small);
}

/* The page is served in the Prometheus format, framed by its length. */
static void
test_reply_page(void)
{
	struct stats_snapshot snap = { .accepted = 7 };
	char page[4096], reply[8192], *expect;
	size_t page_len = metrics_render(&snap, page, sizeof page);
	size_t len = metrics_reply(METRICS_OK, false, &snap, reply,
	    sizeof reply);

	expect = g_strdup_printf("HTTP/1.1 200 OK\r\n"
	    "Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"
	    "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
	    page_len, page);
	g_assert_cmpuint(len, ==, strlen(reply));
	g_assert_cmpstr(reply, ==, expect);
	g_free(expect);
	/* Too small a buffer gets nothing rather than a lying length. */
	g_assert_cmpuint(metrics_reply(METRICS_OK, false, &snap, reply, 100),
	    ==, 0);
}

/* An error is a line of plain text, not something to parse as samples. */
static void
test_reply_error(void)
{
	struct stats_snapshot snap = { 0 };
	char reply[8192];

	metrics_reply(METRICS_NOT_FOUND, false, &snap, reply, sizeof reply);
	g_assert_cmpstr(reply, ==, "HTTP/1.1 404 Not Found\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Length: 14\r\nConnection: close\r\n\r\n"
	    "404 Not Found\n");
	metrics_reply(METRICS_BAD_METHOD, false, &snap, reply, sizeof reply);
	g_assert_cmpstr(reply, ==, "HTTP/1.1 405 Method Not Allowed\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Length: 23\r\nAllow: GET, HEAD\r\n"
	    "Connection: close\r\n\r\n405 Method Not Allowed\n");
	metrics_reply(METRICS_BAD_REQUEST, false, &snap, reply, sizeof reply);
	g_assert_cmpstr(reply, ==, "HTTP/1.1 400 Bad Request\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Length: 16\r\nConnection: close\r\n\r\n"
	    "400 Bad Request\n");
}

/* Headers only, with the length of the body a GET would have had. */
static void
test_reply_headers_only(void)
{
	struct stats_snapshot snap = { .accepted = 7 };
	char page[4096], reply[8192], *expect;
	size_t page_len = metrics_render(&snap, page, sizeof page);

	metrics_reply(METRICS_OK, true, &snap, reply, sizeof reply);
	expect = g_strdup_printf("HTTP/1.1 200 OK\r\n"
	    "Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"
	    "Content-Length: %zu\r\nConnection: close\r\n\r\n",
	    page_len);
	g_assert_cmpstr(reply, ==, expect);
	g_free(expect);
	metrics_reply(METRICS_NOT_FOUND, true, &snap, reply, sizeof reply);
	g_assert_cmpstr(reply, ==, "HTTP/1.1 404 Not Found\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Length: 14\r\nConnection: close\r\n\r\n");
}

/* The unit tests of the endpoint's pure parts. */
int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/metrics/head-end", test_head_end);
	g_test_add_func("/metrics/head-end/in-pieces", test_head_end_in_pieces);
	g_test_add_func("/metrics/route", test_route);
	g_test_add_func("/metrics/route/version", test_route_version);
	g_test_add_func("/metrics/route/head", test_route_head);
	g_test_add_func("/metrics/render", test_render);
	g_test_add_func("/metrics/reply/page", test_reply_page);
	g_test_add_func("/metrics/reply/error", test_reply_error);
	g_test_add_func("/metrics/reply/headers-only",
	    test_reply_headers_only);
	return g_test_run();
}
