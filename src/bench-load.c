/*
 * bench-load.c - sockbench's load engine: N connections shared out among
 * T threads, each thread with one epoll, each connection with P messages
 * in flight, one answer counted per reply line.  Built not to be the
 * bottleneck: the per-message functions are static here and read the
 * plan from this file's own copy, no allocation per message, latency
 * into a fixed histogram per thread.  Owns the plan's copy, the address,
 * the connections and the threads; prints nothing but the errors it dies
 * of (the report is sockbench.c's).
 */
#include "build-config.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sysexits.h>
#include <unistd.h>

#include "bench-clock.h"
#include "bench-hist.h"
#include "bench-load.h"
#include "log.h"

/* One connection to the server and the messages it has in flight. */
struct conn {
	int fd;
	unsigned inflight;
	uint64_t *sent_ns;	/* ring of send times, depth entries */
	unsigned head;		/* oldest in-flight message */
	size_t line_pos;	/* bytes seen of the current reply line */
	bool line_ok;		/* current line matches --expect so far */
	bool connecting;
};

/* A load-generating thread and what it counted; written by it alone. */
struct worker {
	pthread_t thread;
	struct conn *conns;
	unsigned nconns;
	int epfd;
	uint64_t hist[HIST_BUCKETS];
	uint64_t max_ns;
	atomic_uint_fast64_t answers;	/* read by the progress line */
	uint64_t errors, mismatches;
};

static struct load_plan plan;	/* read-only once the threads start */
static struct addrinfo *target;
static char *send_block;	/* depth copies of message + "\r\n" */
static size_t msg_len;		/* one message with its line ending */
static atomic_uint_fast64_t to_send;	/* messages left to start (-n) */
static atomic_bool stopping;
static uint64_t deadline_ns;
static struct conn *conns;	/* plan.conns of them */
static struct worker *workers;	/* plan.threads of them */
static unsigned joined;		/* threads joined so far, in order */

/* Claim up to want messages to send; fewer when -n runs out. */
static unsigned
claim(unsigned want)
{
	uint_fast64_t left;

	if (atomic_load_explicit(&stopping, memory_order_relaxed))
		return 0;
	if (plan.messages == 0)
		return want;
	left = atomic_load(&to_send);
	do {
		if (left == 0)
			return 0;
	} while (!atomic_compare_exchange_weak(&to_send, &left,
	    left - (left < want ? left : want)));
	return left < want ? (unsigned)left : want;
}

/* Send n messages in one write, stamping their send time. */
static int
send_messages(struct conn *c, unsigned n)
{
	uint64_t t = bench_now_ns();
	size_t len = n * msg_len, off = 0;
	ssize_t w;
	unsigned i;

	for (i = 0; i < n; i++)
		c->sent_ns[(c->head + c->inflight + i) % plan.depth] = t;
	while (off < len) {
		w = send(c->fd, send_block + off, len - off, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;	/* the socket buffer holds P lines */
		off += (size_t)w;
	}
	c->inflight += n;
	return 0;
}

/* Open a connection (non-blocking connect); -1 on failure. */
static int
open_conn(struct worker *w, struct conn *c)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT };
	int on = 1;

	c->fd = socket(target->ai_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		return -1;
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
	if (connect(c->fd, target->ai_addr, target->ai_addrlen) < 0 &&
	    errno != EINPROGRESS) {
		close(c->fd);
		c->fd = -1;
		return -1;
	}
	c->connecting = true;
	c->inflight = c->head = 0;
	c->line_pos = 0;
	c->line_ok = true;
	ev.data.ptr = c;
	return epoll_ctl(w->epfd, EPOLL_CTL_ADD, c->fd, &ev);
}

/* Close a connection for good or, per message, to open the next. */
static void
close_conn(struct worker *w, struct conn *c, bool failed)
{
	if (failed)
		w->errors++;
	close(c->fd);
	c->fd = -1;
	if (plan.connect_per_message && claim(1) == 1 && open_conn(w, c) < 0)
		w->errors++;
}

/* One reply line ended: record its latency and whether it matched. */
static void
answer_done(struct worker *w, struct conn *c, uint64_t t)
{
	uint64_t ns = t - c->sent_ns[c->head];

	w->hist[hist_index(ns)]++;
	if (ns > w->max_ns)
		w->max_ns = ns;
	if (!c->line_ok)
		w->mismatches++;
	c->head = (c->head + 1) % plan.depth;
	c->inflight--;
	c->line_pos = 0;
	c->line_ok = true;
}

/* Count the answers in bytes just read. */
static unsigned
scan_answers(struct worker *w, struct conn *c, const char *buf, size_t n)
{
	size_t expect_len = plan.expect ? strlen(plan.expect) : 0;
	uint64_t t = bench_now_ns();
	unsigned answers = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (c->line_pos < expect_len &&
		    buf[i] != plan.expect[c->line_pos])
			c->line_ok = false;
		c->line_pos++;
		if (buf[i] != '\n')
			continue;
		if (c->line_pos - 1 < expect_len)
			c->line_ok = false;	/* line shorter than prefix */
		if (c->inflight == 0) {
			w->mismatches++;	/* an answer nobody asked for */
			c->line_pos = 0;
			continue;
		}
		answer_done(w, c, t);
		answers++;
	}
	return answers;
}

/* Send more messages, or close when none are left to send or wait for. */
static void
send_more(struct worker *w, struct conn *c, unsigned more)
{
	if (more > 0 && send_messages(c, more) < 0)
		close_conn(w, c, true);
	else if (more == 0 && c->inflight == 0)
		close_conn(w, c, false);	/* nothing left to ask */
}

/* A connect finished: send the first messages, or count the failure. */
static void
on_connected(struct worker *w, struct conn *c)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = c };
	socklen_t len = sizeof(int);
	int err = 0;

	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 ||
	    err != 0) {
		close_conn(w, c, true);
		return;
	}
	c->connecting = false;
	epoll_ctl(w->epfd, EPOLL_CTL_MOD, c->fd, &ev);
	/* Per message, its one message was claimed when it was opened. */
	send_more(w, c, plan.connect_per_message ? 1 : claim(plan.depth));
}

/*
 * Read all that has arrived and count the answers in it; *ended is set
 * when the server closed or the read failed (the connection is closed).
 */
static unsigned
receive_answers(struct worker *w, struct conn *c, bool *ended)
{
	char buf[65536];
	unsigned answers = 0;
	ssize_t n;

	*ended = false;
	for (;;) {
		n = recv(c->fd, buf, sizeof buf, MSG_DONTWAIT);
		if (n > 0) {
			answers += scan_answers(w, c, buf, (size_t)n);
			if ((size_t)n < sizeof buf)
				return answers;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return answers;
		close_conn(w, c, c->inflight > 0 || n < 0);
		*ended = true;
		return answers;
	}
}

/* Answers arrived: count them and send as many new messages. */
static void
on_readable(struct worker *w, struct conn *c)
{
	unsigned answers;
	bool ended;

	answers = receive_answers(w, c, &ended);
	atomic_fetch_add_explicit(&w->answers, answers, memory_order_relaxed);
	if (ended)
		return;
	if (plan.connect_per_message) {
		if (c->inflight == 0 && answers > 0)
			close_conn(w, c, false);
		return;
	}
	send_more(w, c, claim(answers));
}

/* Handle one readiness event on a connection. */
static void
on_event(struct worker *w, struct conn *c, uint32_t events)
{
	if (c->connecting && (events & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
		on_connected(w, c);
	else
		on_readable(w, c);
}

/* True when nothing is left in flight or to be sent. */
static bool
worker_done(const struct worker *w)
{
	unsigned i;

	for (i = 0; i < w->nconns; i++)
		if (w->conns[i].fd >= 0)
			return false;
	return true;
}

/* A load-generating thread: its connections and one epoll. */
static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	struct epoll_event events[256];
	unsigned i;
	int n;

	w->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (w->epfd < 0)
		fatal(EX_OSERR, "epoll_create1");
	for (i = 0; i < w->nconns; i++) {
		w->conns[i].fd = -1;
		if ((!plan.connect_per_message || claim(1) == 1) &&
		    open_conn(w, &w->conns[i]) < 0)
			w->errors++;
	}
	while (!worker_done(w)) {
		if (deadline_ns && bench_now_ns() >= deadline_ns)
			atomic_store(&stopping, true);
		if (atomic_load_explicit(&stopping, memory_order_relaxed))
			for (i = 0; i < w->nconns; i++)
				if (w->conns[i].fd >= 0 &&
				    w->conns[i].inflight == 0 &&
				    !w->conns[i].connecting) {
					close(w->conns[i].fd);
					w->conns[i].fd = -1;
				}
		n = epoll_wait(w->epfd, events, 256, 100);
		for (i = 0; i < (unsigned)(n > 0 ? n : 0); i++)
			on_event(w, events[i].data.ptr, events[i].events);
	}
	close(w->epfd);
	return NULL;
}


/* Resolve the server and build the block of messages a send takes. */
static void
prepare_target(void)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM };
	unsigned i;
	int rc;

	rc = getaddrinfo(plan.host, plan.port, &hints, &target);
	if (rc != 0)
		fatalx(EX_NOHOST, "resolve %s: %s", plan.host,
		    gai_strerror(rc));
	msg_len = strlen(plan.message) + 2;
	send_block = malloc(msg_len * plan.depth);
	if (send_block == NULL)
		fatalx(EX_OSERR, "out of memory");
	for (i = 0; i < plan.depth; i++) {
		memcpy(send_block + i * msg_len, plan.message, msg_len - 2);
		memcpy(send_block + i * msg_len + msg_len - 2, "\r\n", 2);
	}
}

/* Make the connections, each with its ring of send times. */
static void
conns_new(void)
{
	unsigned i;

	conns = calloc(plan.conns, sizeof *conns);
	if (conns == NULL)
		fatalx(EX_OSERR, "out of memory");
	for (i = 0; i < plan.conns; i++) {
		conns[i].sent_ns = calloc(plan.depth, sizeof(uint64_t));
		if (conns[i].sent_ns == NULL)
			fatalx(EX_OSERR, "out of memory");
	}
}

/* Copy the plan, resolve the server, make the connections; die on error. */
void
load_prepare(const struct load_plan *p)
{
	plan = *p;
	prepare_target();
	conns_new();
	atomic_store(&to_send, plan.messages);
}

/* Share the connections out among the threads and start them. */
void
load_start(uint64_t start_ns)
{
	unsigned i, j, k;

	if (plan.seconds > 0)
		deadline_ns = start_ns + (uint64_t)(plan.seconds * 1e9);
	workers = calloc(plan.threads, sizeof *workers);
	if (workers == NULL)
		fatalx(EX_OSERR, "out of memory");
	for (i = 0, j = 0; i < plan.threads; i++) {
		k = plan.conns / plan.threads + (i < plan.conns % plan.threads);
		workers[i].conns = conns + j;
		workers[i].nconns = k;
		j += k;
		if (pthread_create(&workers[i].thread, NULL, worker_main,
		    &workers[i]) != 0)
			fatalx(EX_OSERR, "pthread_create failed");
	}
}

/* True once every thread has ended; does not wait. */
bool
load_finished(void)
{
	for (; joined < plan.threads; joined++)
		if (pthread_tryjoin_np(workers[joined].thread, NULL) != 0)
			return false;
	return true;
}

/* Wait until every thread has ended. */
void
load_join(void)
{
	for (; joined < plan.threads; joined++)
		pthread_join(workers[joined].thread, NULL);
}

/* The answers counted so far; any thread may ask while the run goes on. */
uint64_t
load_answers(void)
{
	uint64_t total = 0;
	unsigned i;

	for (i = 0; i < plan.threads; i++)
		total += atomic_load(&workers[i].answers);
	return total;
}

/* Add up what the threads counted, once they have ended. */
void
load_sum(struct load_totals *t)
{
	unsigned i, j;

	memset(t, 0, sizeof *t);
	for (i = 0; i < plan.threads; i++) {
		for (j = 0; j < HIST_BUCKETS; j++)
			t->hist[j] += workers[i].hist[j];
		t->answers += atomic_load(&workers[i].answers);
		t->errors += workers[i].errors;
		t->mismatches += workers[i].mismatches;
		if (workers[i].max_ns > t->max_ns)
			t->max_ns = workers[i].max_ns;
	}
}

/* Free the connections, the threads and the address. */
void
load_free(void)
{
	unsigned i;

	for (i = 0; i < plan.conns; i++)
		free(conns[i].sent_ns);
	free(conns);
	free(workers);
	free(send_block);
	freeaddrinfo(target);
}
