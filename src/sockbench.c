/*
 * sockbench - load generator for line servers: N connections, each with P
 * messages in flight, counting one answer per reply line.  Drives sockd,
 * redis (PING -> +PONG) and memcached (version -> VERSION) alike.
 * Built not to be the bottleneck: epoll per thread, no allocation per
 * message, latency into a fixed log-linear histogram.
 */
#include "build-config.h"

#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sysexits.h>
#include <unistd.h>

#include "bench-clock.h"
#include "bench-hist.h"
#include "log.h"
#include "number.h"

struct options {
	const char *host, *port;
	unsigned conns, depth, threads;
	uint64_t messages;	/* 0: run for seconds */
	double seconds;
	const char *message;
	const char *expect;
	bool connect_per_message;
	bool json;
};

struct conn {
	int fd;
	unsigned inflight;
	uint64_t *sent_ns;	/* ring of send times, depth entries */
	unsigned head;		/* oldest in-flight message */
	size_t line_pos;	/* bytes seen of the current reply line */
	bool line_ok;		/* current line matches --expect so far */
	bool connecting;
};

struct worker {
	pthread_t thread;
	const struct options *opt;
	struct conn *conns;
	unsigned nconns;
	int epfd;
	uint64_t hist[HIST_BUCKETS];
	uint64_t max_ns;
	atomic_uint_fast64_t answers;	/* read by the progress line */
	uint64_t errors, mismatches;
};

/* What the run measured, added up over the threads. */
struct result {
	uint64_t hist[HIST_BUCKETS];
	uint64_t answers, errors, mismatches, max_ns;
	double seconds;
};

static struct options opt = {
	.host = "127.0.0.1", .port = "8001", .conns = 1, .depth = 1,
	.threads = 1, .seconds = 0, .message = "PING", .expect = NULL,
};
static struct addrinfo *target;
static char *send_block;	/* depth copies of message + "\r\n" */
static size_t msg_len;		/* one message with its line ending */
static atomic_uint_fast64_t to_send;	/* messages left to start (-n) */
static atomic_bool stopping;
static uint64_t deadline_ns;

/* Claim up to want messages to send; fewer when -n runs out. */
static unsigned
claim(unsigned want)
{
	uint_fast64_t left;

	if (atomic_load_explicit(&stopping, memory_order_relaxed))
		return 0;
	if (opt.messages == 0)
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
		c->sent_ns[(c->head + c->inflight + i) % opt.depth] = t;
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
	if (opt.connect_per_message && claim(1) == 1 && open_conn(w, c) < 0)
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
	c->head = (c->head + 1) % opt.depth;
	c->inflight--;
	c->line_pos = 0;
	c->line_ok = true;
}

/* Count the answers in bytes just read. */
static unsigned
scan_answers(struct worker *w, struct conn *c, const char *buf, size_t n)
{
	size_t expect_len = opt.expect ? strlen(opt.expect) : 0;
	uint64_t t = bench_now_ns();
	unsigned answers = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (c->line_pos < expect_len &&
		    buf[i] != opt.expect[c->line_pos])
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
	send_more(w, c, opt.connect_per_message ? 1 : claim(opt.depth));
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
	if (opt.connect_per_message) {
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
		if ((!opt.connect_per_message || claim(1) == 1) &&
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

/* Print how to use sockbench to out. */
static void
usage(FILE *out)
{
	fputs(
"Usage: sockbench [-h HOST] [-p PORT] -c CONNS [-n MESSAGES | -d SECONDS]\n"
"                 [-P DEPTH] [-m MESSAGE] [--expect PREFIX] [-T THREADS]\n"
"                 [--connect-per-message] [--json]\n"
"Drive a line server and report messages/s and latency percentiles.\n"
"\n"
"  -h, --host HOST            server (default 127.0.0.1)\n"
"  -p, --port PORT            port (default 8001)\n"
"  -c, --connections N        connections (default 1)\n"
"  -n, --messages N           stop after N answers\n"
"  -d, --duration SECONDS     or stop after this long\n"
"  -P, --pipeline DEPTH       messages in flight per connection (1)\n"
"  -m, --message TEXT         message, sent with \\r\\n (default PING)\n"
"      --expect PREFIX        every answer line must start with PREFIX\n"
"      --connect-per-message  connect, send one message, close; repeat\n"
"  -T, --threads N            load-generating threads (1)\n"
"      --json                 print the result as one JSON object\n"
"      --help                 show this help and exit\n", out);
}

/* Parse an unsigned number within [min, max] or die naming the option. */
static uint64_t
number(const char *name, const char *text, uint64_t min, uint64_t max)
{
	unsigned long long v;

	if (number_parse(text, min, max, &v) < 0)
		fatalx(EX_USAGE, "%s: '%s' is not a number in %llu-%llu", name,
		    text, (unsigned long long)min, (unsigned long long)max);
	return v;
}

/* Parse the command line into opt. */
static void
parse_args(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "host", required_argument, NULL, 'h' },
		{ "port", required_argument, NULL, 'p' },
		{ "connections", required_argument, NULL, 'c' },
		{ "messages", required_argument, NULL, 'n' },
		{ "duration", required_argument, NULL, 'd' },
		{ "pipeline", required_argument, NULL, 'P' },
		{ "message", required_argument, NULL, 'm' },
		{ "expect", required_argument, NULL, 'e' },
		{ "connect-per-message", no_argument, NULL, 'C' },
		{ "threads", required_argument, NULL, 'T' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'H' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":h:p:c:n:d:P:m:T:", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'h': opt.host = optarg; break;
		case 'p': number("--port", optarg, 1, 65535);
			opt.port = optarg; break;
		case 'c': opt.conns = (unsigned)number("--connections", optarg,
			    1, 100000); break;
		case 'n': opt.messages = number("--messages", optarg, 1,
			    UINT64_MAX / 2); break;
		case 'd': opt.seconds = (double)number("--duration", optarg, 1,
			    86400); break;
		case 'P': opt.depth = (unsigned)number("--pipeline", optarg, 1,
			    4096); break;
		case 'm': opt.message = optarg; break;
		case 'e': opt.expect = optarg; break;
		case 'C': opt.connect_per_message = true; break;
		case 'T': opt.threads = (unsigned)number("--threads", optarg,
			    1, 256); break;
		case 'j': opt.json = true; break;
		case 'H': usage(stdout); exit(0);
		case ':': fatalx(EX_USAGE, "%s: needs a value",
			    argv[optind - 1]);
		default: fatalx(EX_USAGE, "unknown option '%s' (try --help)",
			    argv[optind - 1]);
		}
	}
	if (optind < argc)
		fatalx(EX_USAGE, "unexpected argument '%s'", argv[optind]);
	if (opt.messages == 0 && opt.seconds == 0)
		opt.seconds = 5;
	if (opt.connect_per_message)
		opt.depth = 1;
	if (opt.threads > opt.conns)
		opt.threads = opt.conns;
}

/* Print progress once a second until the workers are done. */
static void
progress(struct worker *workers, double elapsed, uint64_t *last)
{
	uint64_t total = 0;
	unsigned i;

	for (i = 0; i < opt.threads; i++)
		total += atomic_load(&workers[i].answers);
	fprintf(stderr, "sockbench: %.0f s: %llu answers, %llu/s\n", elapsed,
	    (unsigned long long)total, (unsigned long long)(total - *last));
	*last = total;
}

/* Resolve the server and build the block of messages a send takes. */
static void
prepare_target(void)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM };
	unsigned i;
	int rc;

	rc = getaddrinfo(opt.host, opt.port, &hints, &target);
	if (rc != 0)
		fatalx(EX_NOHOST, "resolve %s: %s", opt.host, gai_strerror(rc));
	msg_len = strlen(opt.message) + 2;
	send_block = malloc(msg_len * opt.depth);
	if (send_block == NULL)
		fatalx(EX_OSERR, "out of memory");
	for (i = 0; i < opt.depth; i++) {
		memcpy(send_block + i * msg_len, opt.message, msg_len - 2);
		memcpy(send_block + i * msg_len + msg_len - 2, "\r\n", 2);
	}
}

/* The connections, each with its ring of send times. */
static struct conn *
conns_new(void)
{
	struct conn *conns;
	unsigned i;

	conns = calloc(opt.conns, sizeof *conns);
	if (conns == NULL)
		fatalx(EX_OSERR, "out of memory");
	for (i = 0; i < opt.conns; i++) {
		conns[i].sent_ns = calloc(opt.depth, sizeof(uint64_t));
		if (conns[i].sent_ns == NULL)
			fatalx(EX_OSERR, "out of memory");
	}
	return conns;
}

/* Free the connections. */
static void
conns_free(struct conn *conns)
{
	unsigned i;

	for (i = 0; i < opt.conns; i++)
		free(conns[i].sent_ns);
	free(conns);
}

/* Share the connections out among the threads and start them. */
static struct worker *
workers_start(struct conn *conns)
{
	struct worker *workers;
	unsigned i, j, k;

	workers = calloc(opt.threads, sizeof *workers);
	if (workers == NULL)
		fatalx(EX_OSERR, "out of memory");
	for (i = 0, j = 0; i < opt.threads; i++) {
		k = opt.conns / opt.threads + (i < opt.conns % opt.threads);
		workers[i].conns = conns + j;
		workers[i].nconns = k;
		j += k;
		if (pthread_create(&workers[i].thread, NULL, worker_main,
		    &workers[i]) != 0)
			fatalx(EX_OSERR, "pthread_create failed");
	}
	return workers;
}

/* Wait for the threads, with progress once a second on long runs. */
static void
workers_wait(struct worker *workers, uint64_t start)
{
	uint64_t last = 0, next_progress = start + 1000000000u;
	unsigned i;

	for (i = 0; i < opt.threads; i++) {
		/* Progress for runs longer than two seconds. */
		while (opt.seconds > 2 && pthread_tryjoin_np(workers[i].thread,
		    NULL) != 0) {
			usleep(20000);
			if (bench_now_ns() >= next_progress) {
				progress(workers, (double)(bench_now_ns() -
				    start) / 1e9, &last);
				next_progress += 1000000000u;
			}
		}
		if (opt.seconds <= 2)
			pthread_join(workers[i].thread, NULL);
	}
}

/* Add up what the threads counted. */
static void
result_sum(struct result *r, struct worker *workers)
{
	unsigned i, j;

	for (i = 0; i < opt.threads; i++) {
		for (j = 0; j < HIST_BUCKETS; j++)
			r->hist[j] += workers[i].hist[j];
		r->answers += atomic_load(&workers[i].answers);
		r->errors += workers[i].errors;
		r->mismatches += workers[i].mismatches;
		if (workers[i].max_ns > r->max_ns)
			r->max_ns = workers[i].max_ns;
	}
}

/* Print the result as text, or with --json as one JSON object. */
static void
result_print(const struct result *r)
{
	double p50 = hist_percentile(r->hist, r->answers, 0.5) / 1e3;
	double p99 = hist_percentile(r->hist, r->answers, 0.99) / 1e3;
	double p999 = hist_percentile(r->hist, r->answers, 0.999) / 1e3;
	double max = r->max_ns / 1e3, rate = (double)r->answers / r->seconds;

	if (opt.json)
		printf("{\"connections\":%u,\"pipeline\":%u,\"threads\":%u,"
		    "\"connect_per_message\":%s,\"answers\":%llu,"
		    "\"seconds\":%.3f,\"rate\":%.0f,\"p50_us\":%.1f,"
		    "\"p99_us\":%.1f,\"p999_us\":%.1f,\"max_us\":%.1f,"
		    "\"errors\":%llu,\"mismatches\":%llu}\n", opt.conns,
		    opt.depth, opt.threads, opt.connect_per_message ? "true" :
		    "false", (unsigned long long)r->answers, r->seconds, rate,
		    p50, p99, p999, max, (unsigned long long)r->errors,
		    (unsigned long long)r->mismatches);
	else
		printf("%llu answers in %.3f s: %.0f msg/s\n"
		    "latency p50 %.1f us, p99 %.1f us, p99.9 %.1f us, "
		    "max %.1f us\nerrors %llu, mismatches %llu\n",
		    (unsigned long long)r->answers, r->seconds, rate, p50, p99,
		    p999, max, (unsigned long long)r->errors,
		    (unsigned long long)r->mismatches);
}

/* Drive the server as the options say and report; 1 on any failure. */
int
main(int argc, char **argv)
{
	static struct result result;
	struct worker *workers;
	struct conn *conns;
	uint64_t start;

	log_set_program("sockbench");
	parse_args(argc, argv);
	signal(SIGPIPE, SIG_IGN);
	prepare_target();
	conns = conns_new();
	atomic_store(&to_send, opt.messages);
	start = bench_now_ns();
	if (opt.seconds > 0)
		deadline_ns = start + (uint64_t)(opt.seconds * 1e9);
	workers = workers_start(conns);
	workers_wait(workers, start);
	result.seconds = (double)(bench_now_ns() - start) / 1e9;
	result_sum(&result, workers);
	result_print(&result);
	conns_free(conns);
	free(workers);
	free(send_block);
	freeaddrinfo(target);
	return result.errors || result.mismatches || result.answers == 0 ?
	    1 : 0;
}
