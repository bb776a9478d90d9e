/*
 * metrics.c - the Prometheus endpoint: a listening socket and one thread
 * that serves every scraper at once from a single poll loop, one short
 * HTTP/1.0 or 1.1 exchange per connection, each within its own deadline,
 * so that a slow or silent scraper never delays another (SPEC 7).  It
 * reads the counters without a lock and never touches the data path.
 */
#include "build-config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "metrics.h"
#include "metrics-http.h"

/* A scraper gets this long to send its request and take the answer. */
#define EXCHANGE_TIMEOUT_S 2
/* Longest request head read; a longer one is a bad request. */
#define HEAD_MAX 8192
/*
 * Scrapers served at once.  One more closes the oldest: it has waited
 * longest, likely for nothing, while refusing newcomers instead would
 * let whoever holds this many silent connections shut out every scrape.
 */
#define SCRAPERS_MAX 64
/* Out of descriptors, the listening socket rests this long. */
#define ACCEPT_PAUSE_MS 100

/* Where a scraper's exchange is. */
enum scraper_state {
	SCRAPER_FREE,		/* the slot is unused */
	SCRAPER_READING,	/* reading the request head */
	SCRAPER_WRITING,	/* sending the answer */
	SCRAPER_DRAINING,	/* answered; reading to the scraper's close */
};

/* One scraper's connection, with its own deadline and buffer. */
struct scraper {
	enum scraper_state state;
	int fd;
	int64_t deadline;	/* the whole exchange ends here */
	size_t len;		/* bytes in buf: of the head, then the answer */
	size_t scanned;		/* where metrics_head_end() goes on */
	size_t sent;		/* bytes of the answer sent */
	char buf[HEAD_MAX];	/* the request head, then the answer */
};

/* The answer is made where its request was. */
_Static_assert(HEAD_MAX >= METRICS_PAGE_MAX + 256, "an answer fits in HEAD_MAX");

static int listen_fd = -1;
static int stop_pipe[2] = { -1, -1 };
static pthread_t thread;
static bool running;
/* SCRAPERS_MAX slots; only the thread touches them while it runs. */
static struct scraper *scrapers;

/* Bind and listen, logging the real address. */
int
metrics_open(const struct listen_addr *addr, char *err, size_t errsz)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	char name[NET_HOST_MAX + 16];
	size_t n = 0;
	int fd;

	if (net_listen(addr, SCRAPERS_MAX, false, &fd, 1, &n, err, errsz) < 0)
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

/* Close a scraper's connection and free its slot. */
static void
scraper_close(struct scraper *s)
{
	close(s->fd);
	s->fd = -1;
	s->state = SCRAPER_FREE;
}

/* Read and drop what an answered scraper still sends; close at its end. */
static void
scraper_drain(struct scraper *s)
{
	ssize_t n;

	/* One read per wake-up: a scraper that floods us waits its turn. */
	n = recv(s->fd, s->buf, sizeof s->buf, MSG_DONTWAIT);
	if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN &&
	    errno != EWOULDBLOCK))
		scraper_close(s);
}

/* Send what the socket takes of the answer; once it is all sent, drain. */
static void
scraper_write(struct scraper *s)
{
	ssize_t n;

	while (s->sent < s->len) {
		n = send(s->fd, s->buf + s->sent, s->len - s->sent,
		    MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;		/* the loop waits for POLLOUT */
		if (n < 0) {
			log_debug("metrics: send: %s", strerror(errno));
			scraper_close(s);
			return;
		}
		s->sent += (size_t)n;
	}
	/*
	 * Our FIN follows the answer, and we read on until the scraper's
	 * own close: closing with its bytes unread would send a reset,
	 * which can destroy an answer it has not read yet.
	 */
	if (shutdown(s->fd, SHUT_WR) < 0) {
		scraper_close(s);
		return;
	}
	s->state = SCRAPER_DRAINING;
	scraper_drain(s);
}

/*
 * Write the answer to the head in s->buf over it, and send it; a head
 * that filled the buffer without ending (full) is a bad request.
 */
static void
scraper_answer(struct scraper *s, bool full)
{
	struct stats_snapshot snap;
	enum metrics_answer answer;
	bool headers_only;

	answer = metrics_route(s->buf, s->len, &headers_only);
	if (full)
		answer = METRICS_BAD_REQUEST;
	/* Lock-free, as SIGUSR1's line: the workers never wait for us. */
	stats_read(&snap);
	s->len = metrics_reply(answer, headers_only, &snap, s->buf,
	    sizeof s->buf);
	s->sent = 0;
	s->state = SCRAPER_WRITING;
	scraper_write(s);
}

/* Read what a scraper sent; answer once its head is whole or too long. */
static void
scraper_read(struct scraper *s)
{
	ssize_t n;

	/* One read per wake-up: a scraper that floods us waits its turn. */
	n = recv(s->fd, s->buf + s->len, sizeof s->buf - s->len,
	    MSG_DONTWAIT);
	if (n < 0 && (errno == EINTR || errno == EAGAIN ||
	    errno == EWOULDBLOCK))
		return;
	if (n <= 0) {
		/* Gone before its head was whole: no one to answer. */
		scraper_close(s);
		return;
	}
	s->len += (size_t)n;
	if (metrics_head_end(s->buf, s->len, &s->scanned) > 0)
		scraper_answer(s, false);
	else if (s->len == sizeof s->buf)
		scraper_answer(s, true);
}

/* Move a scraper's exchange on as far as its socket lets it. */
static void
scraper_step(struct scraper *s)
{
	switch (s->state) {
	case SCRAPER_READING:
		scraper_read(s);
		break;
	case SCRAPER_WRITING:
		scraper_write(s);
		break;
	case SCRAPER_DRAINING:
		scraper_drain(s);
		break;
	case SCRAPER_FREE:
		break;
	}
}

/* A slot for a new scraper: a free one, or else the oldest one's. */
static struct scraper *
scraper_slot(void)
{
	struct scraper *oldest = NULL;
	size_t i;

	for (i = 0; i < SCRAPERS_MAX; i++) {
		if (scrapers[i].state == SCRAPER_FREE)
			return &scrapers[i];
		if (oldest == NULL || scrapers[i].deadline < oldest->deadline)
			oldest = &scrapers[i];
	}
	log_debug("metrics: %d scrapers at once: closing the oldest",
	    SCRAPERS_MAX);
	scraper_close(oldest);
	return oldest;
}

/*
 * Take the connections waiting on the listening socket, at most one
 * round of slots per call so that the open ones get their turn.  Out of
 * descriptors, *pause_until says when to try again.
 */
static void
accept_scrapers(int64_t *pause_until)
{
	struct scraper *s;
	int fd, i;

	for (i = 0; i < SCRAPERS_MAX; i++) {
		fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC |
		    SOCK_NONBLOCK);
		if (fd < 0 && (errno == EMFILE || errno == ENFILE ||
		    errno == ENOBUFS || errno == ENOMEM)) {
			/* Let the acceptor's pause and warning speak for
			 * it; rest instead of spinning on a ready socket. */
			*pause_until = clock_now_ms() + ACCEPT_PAUSE_MS;
			return;
		}
		if (fd < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (fd < 0)
			continue;	/* one that failed on its way in */
		s = scraper_slot();
		s->fd = fd;
		s->state = SCRAPER_READING;
		s->deadline = clock_now_ms() + EXCHANGE_TIMEOUT_S * 1000;
		s->len = 0;
		s->scanned = 0;
		/* The request often comes with the connection: answer now. */
		scraper_read(s);
	}
}

/*
 * Fill pfd with the stop pipe, the listening socket (unless it rests
 * until pause_until) and every open scraper, noting each one's slot in
 * polled; the number of entries, and in *wake the earliest deadline.
 */
static nfds_t
poll_set(struct pollfd *pfd, struct scraper **polled, int64_t pause_until,
    int64_t *wake)
{
	bool resting = clock_now_ms() < pause_until;
	nfds_t n = 2;
	size_t i;

	pfd[0] = (struct pollfd){ .fd = stop_pipe[0], .events = POLLIN };
	/* poll skips a negative descriptor. */
	pfd[1] = (struct pollfd){ .fd = resting ? -1 : listen_fd,
	    .events = POLLIN };
	*wake = resting ? pause_until : -1;
	for (i = 0; i < SCRAPERS_MAX; i++) {
		if (scrapers[i].state == SCRAPER_FREE)
			continue;
		polled[n - 2] = &scrapers[i];
		pfd[n++] = (struct pollfd){ .fd = scrapers[i].fd,
		    .events = scrapers[i].state == SCRAPER_WRITING ?
		    POLLOUT : POLLIN };
		if (*wake < 0 || scrapers[i].deadline < *wake)
			*wake = scrapers[i].deadline;
	}
	return n;
}

/*
 * The thread: one poll loop over the listening socket and every open
 * scraper, each with its own deadline, until the stop pipe is written.
 */
static void *
metrics_main(void *arg)
{
	struct pollfd pfd[2 + SCRAPERS_MAX];
	struct scraper *polled[SCRAPERS_MAX];
	int64_t now, wake, pause_until = 0;
	nfds_t n, i;

	(void)arg;
	for (;;) {
		n = poll_set(pfd, polled, pause_until, &wake);
		if (net_poll_until(pfd, n, wake) < 0) {
			log_warn("metrics: poll");
			break;
		}
		if (pfd[0].revents != 0)
			break;
		now = clock_now_ms();
		for (i = 2; i < n; i++) {
			/* Past the deadline the exchange is over, even
			 * with bytes waiting. */
			if (now >= polled[i - 2]->deadline)
				scraper_close(polled[i - 2]);
			else if (pfd[i].revents != 0)
				scraper_step(polled[i - 2]);
		}
		if (pfd[1].revents != 0)
			accept_scrapers(&pause_until);
	}
	for (i = 0; i < SCRAPERS_MAX; i++)
		if (scrapers[i].state != SCRAPER_FREE)
			scraper_close(&scrapers[i]);
	return NULL;
}

/* Start the thread; it inherits signals_init()'s mask. */
int
metrics_start(void)
{
	int rc;

	if (listen_fd < 0)
		return 0;
	scrapers = calloc(SCRAPERS_MAX, sizeof *scrapers);
	if (scrapers == NULL)
		return -1;
	rc = pthread_create(&thread, NULL, metrics_main, NULL);
	if (rc != 0) {
		free(scrapers);
		scrapers = NULL;
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
		free(scrapers);
		scrapers = NULL;
	}
	if (listen_fd >= 0) {
		close(listen_fd);
		close(stop_pipe[0]);
		close(stop_pipe[1]);
		listen_fd = -1;
	}
}
