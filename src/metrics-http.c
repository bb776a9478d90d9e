/*
 * metrics-http.c - one exchange of the Prometheus endpoint as text: the
 * head's end and route, exactly HTTP/1.0 or 1.1, the page in the text
 * exposition format, and the answer around it.  Knows nothing of
 * sockets or threads (metrics.c).
 */
#include "build-config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "metrics-http.h"

/*
 * Judge the HTTP-version of a request line: exactly HTTP/1.0 or HTTP/1.1
 * is METRICS_OK; another HTTP version, well formed ("HTTP/2.0"), is one
 * we do not speak (505); anything else is not HTTP (400).
 */
static enum metrics_answer
check_version(const char *version, size_t len)
{
	if (len != 8 || memcmp(version, "HTTP/", 5) != 0 ||
	    version[5] < '0' || version[5] > '9' || version[6] != '.' ||
	    version[7] < '0' || version[7] > '9')
		return METRICS_BAD_REQUEST;
	if (version[5] == '1' && (version[7] == '0' || version[7] == '1'))
		return METRICS_OK;
	return METRICS_BAD_VERSION;
}

/*
 * The length of the request head at the start of buf, through the empty
 * line that ends it, or 0 while that line has not come.  Each line ends
 * in LF with or without a CR before it, as RFC 9112 lets a server read,
 * so "\n\r\n" ends a head as "\r\n\r\n" and "\n\n" do.  The scan
 * starts at *from and leaves it at the line not yet ended, so a head
 * that comes a byte at a time is not read over and over.
 */
size_t
metrics_head_end(const char *buf, size_t len, size_t *from)
{
	const char *line = buf + *from, *eol, *end = buf + len;

	while ((eol = memchr(line, '\n', (size_t)(end - line))) != NULL) {
		if (eol == line || (eol == line + 1 && line[0] == '\r'))
			return (size_t)(eol + 1 - buf);
		line = eol + 1;
	}
	*from = (size_t)(line - buf);
	return 0;
}

/* Route a request head; *headers_only tells a HEAD request. */
enum metrics_answer
metrics_route(const char *head, size_t len, bool *headers_only)
{
	const char *eol = memchr(head, '\n', len), *sp, *target, *version;
	size_t line, method_len, target_len;
	enum metrics_answer verdict;

	*headers_only = false;
	if (eol == NULL)
		return METRICS_BAD_REQUEST;
	line = (size_t)(eol - head);
	if (line > 0 && head[line - 1] == '\r')
		line--;
	sp = memchr(head, ' ', line);
	if (sp == NULL || sp == head)
		return METRICS_BAD_REQUEST;
	method_len = (size_t)(sp - head);
	/* Whatever the answer, a HEAD request gets no body (RFC 9110). */
	*headers_only = method_len == 4 && memcmp(head, "HEAD", 4) == 0;
	target = sp + 1;
	version = memchr(target, ' ', line - method_len - 1);
	if (version == NULL || version == target)
		return METRICS_BAD_REQUEST;
	verdict = check_version(version + 1, (size_t)(head + line - version) -
	    1);
	if (verdict != METRICS_OK)
		return verdict;
	target_len = (size_t)(version - target);
	if (!(method_len == 3 && memcmp(head, "GET", 3) == 0) &&
	    !*headers_only)
		return METRICS_BAD_METHOD;
	/* A query string does not change the page. */
	if ((target_len == 8 || (target_len > 8 && target[8] == '?')) &&
	    memcmp(target, "/metrics", 8) == 0)
		return METRICS_OK;
	return METRICS_NOT_FOUND;
}

/* The length snprintf gave, as far as it fits in outsz. */
static size_t
fitted(int n, size_t outsz)
{
	if (n < 0)
		return 0;
	return (size_t)n < outsz ? (size_t)n : outsz ? outsz - 1 : 0;
}

/* One counter or gauge with its help and type lines. */
static size_t
render_one(char *out, size_t outsz, const char *name, const char *type,
    const char *help, uint64_t value)
{
	return fitted(snprintf(out, outsz, "# HELP sockd_%s %s\n# TYPE sockd_%s "
	    "%s\nsockd_%s %" PRIu64 "\n", name, help, name, type, name, value),
	    outsz);
}

/* The injected faults: one counter family, a sample per kind. */
static size_t
render_faults(char *out, size_t outsz, const uint64_t *faults)
{
	size_t len, k;

	len = fitted(snprintf(out, outsz, "# HELP sockd_faults_injected_total "
	    "Faults injected by --inject, by kind.\n"
	    "# TYPE sockd_faults_injected_total counter\n"), outsz);
	for (k = 0; k < INJECT_KINDS; k++)
		len += fitted(snprintf(out + len, outsz - len,
		    "sockd_faults_injected_total{fault=\"%s\"} %" PRIu64 "\n",
		    inject_kind_name(k), faults[k]), outsz - len);
	return len;
}

/* The page. */
size_t
metrics_render(const struct stats_snapshot *snap, char *out, size_t outsz)
{
	const struct {
		const char *name, *type, *help;
		uint64_t value;
	} rows[] = {
		{ "connections_accepted_total", "counter",
		    "Connections accepted.", snap->accepted },
		{ "connections_active", "gauge",
		    "Connections queued or being served.", snap->active },
		{ "connections_rejected_total", "counter",
		    "Connections answered busy and closed.", snap->rejected },
		{ "connections_timed_out_total", "counter",
		    "Connections closed for silence or a stuck send.",
		    snap->timeouts },
		{ "messages_received_total", "counter",
		    "Messages received.", snap->messages },
		{ "received_bytes_total", "counter",
		    "Bytes received from clients.", snap->bytes_in },
		{ "replies_sent_total", "counter",
		    "Messages answered.", snap->replies },
		{ "errors_total", "counter",
		    "Connections ended by a failed system call.",
		    snap->errors },
		{ "log_dropped_total", "counter",
		    "Log lines dropped because the log did not keep up.",
		    snap->log_dropped },
	};
	size_t i, len = 0;

	if (outsz > 0)
		out[0] = '\0';
	for (i = 0; i < sizeof rows / sizeof rows[0]; i++)
		len += render_one(out + len, outsz - len, rows[i].name,
		    rows[i].type, rows[i].help, rows[i].value);
	return len + render_faults(out + len, outsz - len, snap->faults);
}

/*
 * The whole answer, status line to body (none if headers_only), into
 * out; its length, or 0 if out is too small.  Only the page is in the
 * Prometheus format: an error says so in plain text, so that a scraper
 * does not take it for samples.
 */
size_t
metrics_reply(enum metrics_answer answer, bool headers_only,
    const struct stats_snapshot *snap, char *out, size_t outsz)
{
	static const char *const status[] = {
		[METRICS_OK] = "200 OK",
		[METRICS_NOT_FOUND] = "404 Not Found",
		[METRICS_BAD_METHOD] = "405 Method Not Allowed",
		[METRICS_BAD_REQUEST] = "400 Bad Request",
		[METRICS_BAD_VERSION] = "505 HTTP Version Not Supported",
	};
	bool page = answer == METRICS_OK;
	char body[METRICS_PAGE_MAX];
	size_t body_len;
	int n;

	if (page)
		body_len = metrics_render(snap, body, sizeof body);
	else
		body_len = (size_t)snprintf(body, sizeof body, "%s\n",
		    status[answer]);
	n = snprintf(out, outsz, "HTTP/1.1 %s\r\nContent-Type: %s\r\n"
	    "Content-Length: %zu\r\n%sConnection: close\r\n\r\n%.*s",
	    status[answer], page ? "text/plain; version=0.0.4; charset=utf-8" :
	    "text/plain; charset=utf-8", body_len,
	    answer == METRICS_BAD_METHOD ? "Allow: GET, HEAD\r\n" : "",
	    headers_only ? 0 : (int)body_len, body);
	if (n < 0 || (size_t)n >= outsz)
		return 0;
	return (size_t)n;
}

