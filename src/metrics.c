/*
 * metrics.c - the Prometheus endpoint: a listening socket, one thread,
 * one short HTTP/1.0 or 1.1 exchange per connection, then close.
 */
#include "build-config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "metrics.h"

/* A scraper gets this long to send its request and take the answer. */
#define EXCHANGE_TIMEOUT_S 2
/* Longest request head read; a longer one is a bad request. */
#define HEAD_MAX 8192
#define PAGE_MAX 4096

static int listen_fd = -1;
static int stop_pipe[2] = { -1, -1 };
static pthread_t thread;
static bool running;

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
 * so "\n\r\n" ends a head as "\r\n\r\n" and "\n\n" do.
 */
size_t
metrics_head_end(const char *buf, size_t len)
{
	const char *line = buf, *eol, *end = buf + len;

	while ((eol = memchr(line, '\n', (size_t)(end - line))) != NULL) {
		if (eol == line || (eol == line + 1 && line[0] == '\r'))
			return (size_t)(eol + 1 - buf);
		line = eol + 1;
	}
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

/* One counter or gauge with its help and type lines. */
static size_t
render_one(char *out, size_t outsz, const char *name, const char *type,
    const char *help, uint64_t value)
{
	int n = snprintf(out, outsz, "# HELP sockd_%s %s\n# TYPE sockd_%s %s\n"
	    "sockd_%s %" PRIu64 "\n", name, help, name, type, name, value);

	if (n < 0)
		return 0;
	return (size_t)n < outsz ? (size_t)n : outsz ? outsz - 1 : 0;
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
	};
	size_t i, len = 0;

	if (outsz > 0)
		out[0] = '\0';
	for (i = 0; i < sizeof rows / sizeof rows[0]; i++)
		len += render_one(out + len, outsz - len, rows[i].name,
		    rows[i].type, rows[i].help, rows[i].value);
	return len;
}

/* Bind and listen, logging the real address. */
int
metrics_open(const struct listen_addr *addr, char *err, size_t errsz)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	char name[NET_HOST_MAX + 16];
	size_t n = 0;
	int fd;

	if (net_listen(addr, 16, false, &fd, 1, &n, err, errsz) < 0)
		return -1;
	if (pipe2(stop_pipe, O_CLOEXEC) < 0) {
		snprintf(err, errsz, "metrics: pipe: %s", strerror(errno));
		close(fd);
		return -1;
	}
	listen_fd = fd;
	if (getsockname(fd, (struct sockaddr *)&ss, &len) == 0) {
		net_format_addr((struct sockaddr *)&ss, len, name, sizeof name);
		log_notice("metrics on %s", name);
	}
	return 0;
}

/*
 * Wait until the scraper's socket is ready for events, within the
 * exchange's deadline; false on time-out, error, or a stop request.
 */
static bool
wait_scraper(int fd, short events, int64_t deadline)
{
	struct pollfd pfd[2] = {
		{ .fd = fd, .events = events },
		{ .fd = stop_pipe[0], .events = POLLIN },
	};

	/* Past the deadline the exchange is over, even with bytes waiting. */
	if (clock_now_ms() >= deadline)
		return false;
	return net_poll_until(pfd, 2, deadline) > 0 && pfd[1].revents == 0 &&
	    pfd[0].revents != 0;
}

/*
 * Read the request head by the deadline; its length, or 0 for a scraper
 * that sent nothing whole in time.  *full is set when it did not fit.
 */
static size_t
read_head(int fd, char *buf, size_t size, int64_t deadline, bool *full)
{
	size_t len = 0;
	ssize_t n;

	*full = false;
	while (len < size) {
		if (!wait_scraper(fd, POLLIN, deadline))
			return 0;
		n = recv(fd, buf + len, size - len, MSG_DONTWAIT);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			return 0;
		len += (size_t)n;
		if (metrics_head_end(buf, len) > 0)
			return len;
	}
	*full = true;
	return len;
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
	char body[PAGE_MAX];
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

/* Answer one scraper within EXCHANGE_TIMEOUT_S in all. */
static void
serve_one(int fd)
{
	int64_t deadline = clock_now_ms() + EXCHANGE_TIMEOUT_S * 1000;
	struct stats_snapshot snap;
	char head[HEAD_MAX], reply[PAGE_MAX + 256];
	enum metrics_answer answer;
	size_t head_len, reply_len;
	int64_t left;
	bool full, headers_only = false;

	head_len = read_head(fd, head, sizeof head, deadline, &full);
	if (head_len == 0)
		return;
	answer = full ? METRICS_BAD_REQUEST : metrics_route(head, head_len,
	    &headers_only);
	stats_read(&snap);
	reply_len = metrics_reply(answer, headers_only, &snap, reply,
	    sizeof reply);
	left = deadline - clock_now_ms();
	/* The rest of the deadline; a stop request wakes the wait. */
	if (reply_len > 0 && left > 0 && net_send_all(fd, reply, reply_len,
	    (int)left, stop_pipe[0], NULL) < 0)
		log_debug("metrics: send: %s", strerror(errno));
}

/* The thread: accept and answer until the stop pipe is written. */
static void *
metrics_main(void *arg)
{
	struct pollfd pfd[2] = {
		{ .fd = listen_fd, .events = POLLIN },
		{ .fd = stop_pipe[0], .events = POLLIN },
	};
	int fd;

	(void)arg;
	for (;;) {
		if (net_poll_until(pfd, 2, -1) < 0) {
			log_warn("metrics: poll");
			return NULL;
		}
		if (pfd[1].revents != 0)
			return NULL;
		fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0) {
			/* Out of descriptors: let the acceptor's pause and
			 * warning speak for it; do not spin. */
			if (errno == EMFILE || errno == ENFILE)
				poll(NULL, 0, 100);
			continue;
		}
		serve_one(fd);
		net_close_lingering(fd, 0);
	}
}

/* Start the thread; it inherits signals_init()'s mask. */
int
metrics_start(void)
{
	int rc;

	if (listen_fd < 0)
		return 0;
	rc = pthread_create(&thread, NULL, metrics_main, NULL);
	if (rc != 0) {
		errno = rc;
		return -1;
	}
	running = true;
	return 0;
}

/* Stop the thread and close the sockets. */
void
metrics_stop(void)
{
	if (running) {
		if (write(stop_pipe[1], "x", 1) < 0)
			log_warn("metrics: stop");
		pthread_join(thread, NULL);
		running = false;
	}
	if (listen_fd >= 0) {
		close(listen_fd);
		close(stop_pipe[0]);
		close(stop_pipe[1]);
		listen_fd = -1;
	}
}
