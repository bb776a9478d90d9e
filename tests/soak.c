/*
 * soak.c - a long mixed run against real sockd processes (make soak).
 *
 * Three sockd from the build tree, each with 8 workers and a queue of 4,
 * so that the queue fills and "busy" is answered:
 *   line   --framing line; a SIGHUP every second switches the reply
 *          between two texts; every answer is accounted for exactly.
 *   raw    --framing raw --echo; the SIGHUPs switch log-max and
 *          log-level; exact accounting too.
 *   chaos  --framing line, with clients that reset with answers in
 *          flight, vanish or flood without reading: sockd's counters can
 *          only be bounded by what the clients sent and received.
 * SIGUSR1 every second as well.  One thread drives every client through
 * epoll; each checks every answer it reads: exact text, in order, one per
 * message, and that it got all it was owed.  At the end: each sockd's
 * threads, descriptors and RSS back where they started once its counters
 * say no connection is active; then SIGTERM with clients connected (idle,
 * busy, queued and just connected), exit 0, and the "stopped:" counters
 * against what the clients received.
 *
 * Environment: SOCKD (the binary; or the first argument), SOAK_SECONDS
 * (300), SOAK_SEED (from the clock), SOAK_RSS_MIB (4), SOAK_LOGS (a
 * directory to keep each sockd's whole log in; none by default).
 */
#include "build-config.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Each sockd: small enough that the queue fills and busy is answered. */
#define WORKERS 8
#define QUEUE 4
#define MAX_LINE 512
#define TIMEOUT_S 2
/* For the drain: an idle client must be closed by it, not by -t. */
#define DRAIN_TIMEOUT_S 60
#define SHUTDOWN_TIMEOUT_S 10

#define BUSY_TEXT "busy\n"
#define TOO_LONG_TEXT "error: line too long\n"

/* The spawner's and the signals' periods. */
#define TICK_MS 20
#define SIGNAL_MS 1000
#define BURST_MS 5000
#define BURST_CLIENTS 8
#define PROGRESS_MS 30000
/* A client that moves no byte for this long is stuck. */
#define STALL_MS 60000
/* A time out seen by a client may precede -t by this much: sockd's
 * clock started when it read, a little before the client saw it. */
#define EARLY_SLACK_MS 250
/* The drain closes an idle client within this long of SIGTERM. */
#define PROMPT_MS 3000
/* How long the end of the run may take, and each wait for sockd. */
#define WIND_DOWN_MS 120000
#define WAIT_MS 30000
/* Failures printed; the rest are counted. */
#define FAILURES_SHOWN 60
#define ODD_LINES_SHOWN 200

/* The two replies the line and chaos instances switch between. */
static const char *const replies[2] = {
	"alpha",
	"bravo: the second reply, longer, so that answers change size",
};

enum inst_id { INST_LINE, INST_RAW, INST_CHAOS, NINST };

enum kind {
	K_PIPELINE, K_SLOW_READER, K_TRICKLE, K_IDLE, K_OVERSIZED, K_RESET,
	K_CHURN,
	K_RAW_ECHO, K_RAW_IDLE, K_RAW_RESET, K_RAW_CHURN,
	K_CHAOS_PIPELINE, K_CHAOS_RESET, K_CHAOS_VANISH, K_CHAOS_FLOOD,
	K_CHAOS_CHURN,
	K_DRAIN_IDLE, K_DRAIN_ACTIVE, K_DRAIN_LATE,
	NKINDS
};

/* What an epoll event's pointer names: the first member of both. */
enum watch_type { WATCH_CLIENT, WATCH_LOG };

/* The counters of a "counters:" or "stopped:" line. */
struct counters {
	uint64_t accepted, active, rejected, timeouts, messages, bytes,
	    replies, errors, log_dropped;
};

struct proc_sample {
	long threads, fds, rss_kib, hwm_kib;
};

struct instance {
	enum watch_type watch;
	const char *name;
	bool line;		/* line framing; else raw with --echo */
	bool exact;		/* every answer is accounted for */
	pid_t pid;
	bool running;
	int status;		/* exit status once reaped */
	int port;
	bool started;
	int log_fd;		/* -1 at its end */
	GString *log;		/* the partial line read so far */
	FILE *log_copy;		/* SOAK_LOGS: all of it */
	char *conf;
	unsigned toggle;	/* which configuration the file holds */
	unsigned timeout;
	unsigned hups, usr1s;	/* sent */
	unsigned reloads, reports;	/* logged */
	struct counters counters;	/* from the last counters: line */
	bool stopped_seen;
	struct counters stopped;
	struct proc_sample start, end;
	long threads_min, threads_max, fds_max;
	int64_t term_ms, exit_ms;
	double cpu_s;		/* user and system time, once reaped */
	/* What the clients did and saw. */
	uint64_t kinds[NKINDS];
	uint64_t connected, sent, answers, by_reply[2], busy, timeouts,
	    resets, too_long;
	uint64_t lines_lost;	/* log lines sockd said it lost */
	uint64_t log_lines;
	unsigned odd_lines;	/* output that is not a log line */
	unsigned warnings;	/* unexpected warning or error lines */
};

struct client {
	enum watch_type watch;
	struct client *next;
	struct instance *inst;
	enum kind kind;
	unsigned id;
	int fd;
	bool connecting, done, reads;
	uint32_t events;	/* the epoll interest set */
	int64_t wake_ms;	/* the kind's timer; -1: none */
	int64_t release_ms;	/* the rest of a split send; -1: none */
	int64_t progress_ms;	/* the last byte either way */
	int64_t mark_ms;	/* when a silence or a trickle began */
	GString *out;		/* to send: [out_off, out_allowed) now */
	size_t out_off, out_allowed;
	bool shut_after_flush, wr_shut;
	GString *in;		/* received, not yet taken */
	GByteArray *owed;	/* line: per unanswered message, 1 if it
				 * ended in \r\n; from owed_head */
	size_t owed_head;
	GString *expect;	/* raw: the echo owed */
	uint64_t sent, answered, bytes_out;
	unsigned steps, target, trickled;
	int state;
	bool got_line, busy, eof, reset, too_long_owed, too_long_seen;
	int read_errno;
};

struct kind_spec {
	const char *name;
	enum inst_id inst;		/* where the run starts it */
	unsigned concurrent;		/* kept this many running */
	double per_second;		/* or started this often */
	int rcvbuf;			/* SO_RCVBUF before connect; 0: none */
	bool reads;			/* reads when readable (not on a timer) */
	void (*start)(struct client *);
	void (*input)(struct client *);	/* bytes, the end or a reset came */
	void (*timer)(struct client *);
};

static struct {
	const char *sockd;
	unsigned seconds;
	guint32 seed;
	long rss_bound_kib;
	char *dir;
	GRand *rand;
	int epfd;
	struct instance inst[NINST];
	struct client *clients;
	unsigned nclients;
	unsigned live[NKINDS];
	int64_t next_spawn[NKINDS];
	unsigned next_id;
	unsigned failures;
	bool winding_down, term_sent, aborted;
	int64_t start_ms, term_ms, last_reap_ms;
	int64_t phase_ms[4];	/* start, run, wind-down and settle ends */
	unsigned odd_shown;
} soak;

static const struct kind_spec *spec_of(enum kind kind);

/* Milliseconds on the monotonic clock. */
static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A random number in [lo, hi]. */
static unsigned
rnd(unsigned lo, unsigned hi)
{
	return lo + (unsigned)g_rand_int_range(soak.rand, 0,
	    (gint32)(hi - lo + 1));
}

/* True with probability p. */
static bool
chance(double p)
{
	return g_rand_double(soak.rand) < p;
}

/* Bytes as text for a message: printable ASCII as is, the rest \xNN. */
static const char *
show(const char *p, size_t len)
{
	static char bufs[2][400];
	static int which;
	char *out = bufs[which ^= 1];
	size_t at = 0, i;

	for (i = 0; i < len && at < sizeof bufs[0] - 16; i++) {
		if (p[i] >= ' ' && p[i] <= '~' && p[i] != '\\')
			out[at++] = p[i];
		else
			at += (size_t)snprintf(out + at, 8, "\\x%02x",
			    (unsigned char)p[i]);
	}
	if (i < len)
		at += (size_t)snprintf(out + at, 16, "...");
	out[at] = '\0';
	return out;
}

/* Count a failure and print it while there are few. */
static void G_GNUC_PRINTF(2, 3)
failure(const char *who, const char *fmt, ...)
{
	va_list ap;

	/* After a sockd died, what its clients see follows from that. */
	if (soak.aborted)
		return;
	if (++soak.failures > FAILURES_SHOWN) {
		if (soak.failures == FAILURES_SHOWN + 1)
			fprintf(stderr, "soak: FAIL: more failures follow; "
			    "only their number is shown\n");
		return;
	}
	fprintf(stderr, "soak: FAIL: %s: ", who);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(stderr);
}

/* ------------------------------------------------------------------ */
/* Processes. */

/* A number after "name" in /proc/PID/status text; -1 if absent. */
static long
status_field(const char *text, const char *name)
{
	const char *p = strstr(text, name);

	return p == NULL ? -1 : strtol(p + strlen(name), NULL, 10);
}

/* Threads, descriptors and memory of a process; false if it is gone. */
static bool
proc_sample(pid_t pid, struct proc_sample *s)
{
	char path[64], *text = NULL;
	struct dirent *e;
	DIR *d;

	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	if (!g_file_get_contents(path, &text, NULL, NULL))
		return false;
	s->threads = status_field(text, "\nThreads:");
	s->rss_kib = status_field(text, "\nVmRSS:");
	s->hwm_kib = status_field(text, "\nVmHWM:");
	g_free(text);
	snprintf(path, sizeof path, "/proc/%d/fd", (int)pid);
	if ((d = opendir(path)) == NULL)
		return false;
	s->fds = 0;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			s->fds++;
	closedir(d);
	return true;
}

/* Note a sample's threads and descriptors among the extremes. */
static void
note_sample(struct instance *in)
{
	struct proc_sample s;

	if (!in->running || !proc_sample(in->pid, &s))
		return;
	if (s.threads < in->threads_min)
		in->threads_min = s.threads;
	if (s.threads > in->threads_max)
		in->threads_max = s.threads;
	if (s.fds > in->fds_max)
		in->fds_max = s.fds;
}

/* Write the configuration file a reload reads: the toggle'th of two. */
static void
write_config(struct instance *in)
{
	GError *error = NULL;
	char *text;

	if (in->line)
		text = g_strdup_printf("# written by the soak\ntimeout = %u\n"
		    "reply = %s\n", in->timeout, replies[in->toggle]);
	else
		text = g_strdup_printf("# written by the soak\ntimeout = %u\n"
		    "log-max = %u\nlog-level = %s\n", in->timeout,
		    in->toggle ? 300u : 16u, in->toggle ? "debug" : "info");
	/* Written beside it and renamed: sockd never reads half a file. */
	if (!g_file_set_contents(in->conf, text, -1, &error)) {
		fprintf(stderr, "soak: %s\n", error->message);
		exit(2);
	}
	g_free(text);
}

/* Start one sockd with its stderr on a pipe we read. */
static void
start_instance(struct instance *in)
{
	char *args[24];
	int pipefd[2], devnull, n = 0;
	struct epoll_event ev;
	pid_t parent = getpid();

	write_config(in);
	args[n++] = (char *)soak.sockd;
	args[n++] = (char *)"--port";
	args[n++] = (char *)"0";
	args[n++] = (char *)"--workers";
	args[n++] = (char *)G_STRINGIFY(WORKERS);
	args[n++] = (char *)"--queue";
	args[n++] = (char *)G_STRINGIFY(QUEUE);
	args[n++] = (char *)"--shutdown-timeout";
	args[n++] = (char *)G_STRINGIFY(SHUTDOWN_TIMEOUT_S);
	args[n++] = (char *)"--framing";
	if (in->line) {
		args[n++] = (char *)"line";
		args[n++] = (char *)"--max-line";
		args[n++] = (char *)G_STRINGIFY(MAX_LINE);
	} else {
		args[n++] = (char *)"raw";
		args[n++] = (char *)"--echo";
	}
	/* The timeout, reply and log settings come from the file, so that
	 * a reload can change them: the command line would win over it. */
	args[n++] = (char *)"-c";
	args[n++] = in->conf;
	args[n] = NULL;

	if (pipe2(pipefd, O_CLOEXEC) < 0 ||
	    (devnull = open("/dev/null", O_RDWR | O_CLOEXEC)) < 0) {
		perror("soak: pipe");
		exit(2);
	}
	/* Room for bursts of log lines while the soak is busy elsewhere. */
	(void)fcntl(pipefd[0], F_SETPIPE_SZ, 1 << 20);
	in->pid = fork();
	if (in->pid < 0) {
		perror("soak: fork");
		exit(2);
	}
	if (in->pid == 0) {
		/* sockd must not outlive a soak that died. */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 ||
		    getppid() != parent)
			_exit(127);
		if (dup2(devnull, 0) < 0 || dup2(devnull, 1) < 0 ||
		    dup2(pipefd[1], 2) < 0)
			_exit(127);
		execv(args[0], args);
		_exit(127);
	}
	close(pipefd[1]);
	close(devnull);
	in->running = true;
	in->status = -1;
	in->log_fd = pipefd[0];
	if (fcntl(in->log_fd, F_SETFL, O_NONBLOCK) < 0) {
		perror("soak: fcntl");
		exit(2);
	}
	ev.events = EPOLLIN;
	ev.data.ptr = in;
	if (epoll_ctl(soak.epfd, EPOLL_CTL_ADD, in->log_fd, &ev) < 0) {
		perror("soak: epoll_ctl");
		exit(2);
	}
}

/* Send a signal to a running sockd. */
static void
signal_instance(struct instance *in, int signo)
{
	if (in->running && kill(in->pid, signo) < 0)
		failure(in->name, "kill %d: %s", signo, strerror(errno));
}

/* Collect a sockd that exited (waiting for it when wait); a failure
 * unless it was told to. */
static void
reap_how(struct instance *in, bool wait)
{
	struct rusage ru;
	int st;

	if (!in->running || wait4(in->pid, &st, wait ? 0 : WNOHANG, &ru) !=
	    in->pid)
		return;
	in->cpu_s = ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
	    (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
	in->running = false;
	in->exit_ms = now_ms();
	in->status = WIFSIGNALED(st) ? 128 + WTERMSIG(st) : WEXITSTATUS(st);
	if (!soak.term_sent) {
		failure(in->name, "sockd exited with status %d during the run",
		    in->status);
		soak.aborted = true;
	}
}

/* Collect a sockd if it exited. */
static void
reap(struct instance *in)
{
	reap_how(in, false);
}

/* Wait for a sockd whose log ended, which it does as it exits. */
static void
reap_wait(struct instance *in)
{
	reap_how(in, true);
}

/* Parse the counters after "prefix" in a log line. */
static bool
parse_counters(const char *text, struct counters *c)
{
	return sscanf(text, "accepted=%" SCNu64 " active=%" SCNu64
	    " rejected=%" SCNu64 " timeouts=%" SCNu64 " messages=%" SCNu64
	    " bytes=%" SCNu64 " replies=%" SCNu64 " errors=%" SCNu64
	    " log_dropped=%" SCNu64, &c->accepted, &c->active, &c->rejected,
	    &c->timeouts, &c->messages, &c->bytes, &c->replies, &c->errors,
	    &c->log_dropped) == 9;
}

/* Print output that is not a log line (a sanitizer's report, say). */
static void
odd_line(struct instance *in, const char *line, size_t len)
{
	in->odd_lines++;
	if (soak.odd_shown++ < ODD_LINES_SHOWN)
		fprintf(stderr, "soak: sockd %s printed: %.*s\n", in->name,
		    (int)len, line);
}

/*
 * One line of a sockd's log: "2026-11-28T12:00:00.000Z LEVEL: text".
 * Errors and warnings fail the soak, but for the count of lines lost;
 * notices carry the port, the counters, reloads and the stop.
 */
static void
log_line(struct instance *in, char *line, size_t len)
{
	const char *text;
	unsigned long long n;

	line[len] = '\0';
	if (len < 26 || line[4] != '-' || line[10] != 'T' ||
	    line[23] != 'Z' || line[24] != ' ') {
		odd_line(in, line, len);
		return;
	}
	text = line + 25;
	if (g_str_has_prefix(text, "info: ") ||
	    g_str_has_prefix(text, "debug: ")) {
		in->log_lines++;
		return;
	}
	if (g_str_has_prefix(text, "warning: log: ") &&
	    sscanf(text, "warning: log: %llu lines lost", &n) == 1) {
		in->lines_lost += n;
		return;
	}
	if (!g_str_has_prefix(text, "notice: ")) {
		in->warnings++;
		failure(in->name, "sockd logged: %s", text);
		return;
	}
	text += strlen("notice: ");
	if (g_str_has_prefix(text, "listening on ") &&
	    strrchr(text, ':') != NULL)
		in->port = atoi(strrchr(text, ':') + 1);
	else if (strstr(text, " started: ") != NULL)
		in->started = true;
	else if (g_str_has_prefix(text, "counters: ")) {
		if (parse_counters(text + strlen("counters: "), &in->counters))
			in->reports++;
		else
			failure(in->name, "cannot read: %s", text);
	} else if (g_str_has_prefix(text, "stopped: ")) {
		in->stopped_seen = parse_counters(text + strlen("stopped: "),
		    &in->stopped);
		if (!in->stopped_seen)
			failure(in->name, "cannot read: %s", text);
	} else if (g_str_has_prefix(text, "reloaded "))
		in->reloads++;
}

/* Read what sockd logged and take its whole lines. */
static void
log_read(struct instance *in)
{
	char buf[65536], *nl;
	size_t at;
	ssize_t n;
	int rounds;

	for (rounds = 0; rounds < 16 && in->log_fd >= 0; rounds++) {
		n = read(in->log_fd, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		if (n == 0) {
			close(in->log_fd);	/* leaves the epoll set */
			in->log_fd = -1;
			if (in->log->len > 0)
				odd_line(in, in->log->str, in->log->len);
			g_string_truncate(in->log, 0);
			/* Its stderr closes as it exits: say so first. */
			if (!soak.term_sent)
				reap_wait(in);
			break;
		}
		if (in->log_copy != NULL)
			fwrite(buf, 1, (size_t)n, in->log_copy);
		g_string_append_len(in->log, buf, n);
		at = 0;
		while ((nl = memchr(in->log->str + at, '\n',
		    in->log->len - at)) != NULL) {
			log_line(in, in->log->str + at,
			    (size_t)(nl - (in->log->str + at)));
			at = (size_t)(nl - in->log->str) + 1;
		}
		g_string_erase(in->log, 0, (gssize)at);
	}
}

/* ------------------------------------------------------------------ */
/* Clients: the common part. */

/* "line pipeline #12" */
static const char *
client_name(const struct client *c)
{
	static char name[80];

	snprintf(name, sizeof name, "%s %s #%u", c->inst->name,
	    spec_of(c->kind)->name, c->id);
	return name;
}

/* The client is finished: close, by a reset if rst.  Freed later. */
static void
client_done(struct client *c, bool rst)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	if (c->done)
		return;
	if (rst && setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg,
	    sizeof lg) < 0)
		failure(client_name(c), "SO_LINGER: %s", strerror(errno));
	close(c->fd);
	c->done = true;
	soak.nclients--;
	soak.live[c->kind]--;
}

/* A failure of this client, which ends it. */
static void G_GNUC_PRINTF(2, 3)
fail(struct client *c, const char *fmt, ...)
{
	char *text;
	va_list ap;

	va_start(ap, fmt);
	text = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	/* A sockd that died closes its stderr before its sockets: read to
	 * the log's end first, to blame the death, not what followed. */
	if (c->inst->log_fd >= 0)
		log_read(c->inst);
	failure(client_name(c), "%s", text);
	g_free(text);
	client_done(c, false);
}

/* Ask epoll for what the client waits for now. */
static void
update_events(struct client *c)
{
	struct epoll_event ev;
	uint32_t want = 0;

	if (c->done)
		return;
	if (c->connecting)
		want = EPOLLOUT;
	else {
		if (c->reads && !c->eof && !c->reset)
			want |= EPOLLIN;
		if (c->out_off < c->out_allowed)
			want |= EPOLLOUT;
	}
	if (want == c->events)
		return;
	ev.events = want;
	ev.data.ptr = c;
	if (epoll_ctl(soak.epfd, EPOLL_CTL_MOD, c->fd, &ev) < 0) {
		perror("soak: epoll_ctl");
		exit(2);
	}
	c->events = want;
}

/* Start a client of kind on in; NULL (a failure counted) if it could
 * not even begin to connect. */
static struct client *
client_new(enum kind kind, struct instance *in)
{
	const struct kind_spec *spec = spec_of(kind);
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct epoll_event ev;
	struct client *c;
	int fd;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		failure(in->name, "socket: %s", strerror(errno));
		return NULL;
	}
	if (spec->rcvbuf > 0 && setsockopt(fd, SOL_SOCKET, SO_RCVBUF,
	    &spec->rcvbuf, sizeof spec->rcvbuf) < 0)
		failure(in->name, "SO_RCVBUF: %s", strerror(errno));
	sin.sin_port = htons((uint16_t)in->port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sin, sizeof sin) < 0 &&
	    errno != EINPROGRESS) {
		failure(in->name, "connect to 127.0.0.1:%d: %s", in->port,
		    strerror(errno));
		close(fd);
		return NULL;
	}
	c = g_new0(struct client, 1);
	c->watch = WATCH_CLIENT;
	c->inst = in;
	c->kind = kind;
	c->id = ++soak.next_id;
	c->fd = fd;
	c->connecting = true;
	c->reads = spec->reads;
	c->wake_ms = c->release_ms = -1;
	c->progress_ms = now_ms();
	c->out = g_string_new(NULL);
	c->in = g_string_new(NULL);
	c->owed = g_byte_array_new();
	c->expect = g_string_new(NULL);
	c->next = soak.clients;
	soak.clients = c;
	soak.nclients++;
	soak.live[kind]++;
	in->kinds[kind]++;
	/* Writable once connected: a loopback connect is seldom pending. */
	ev.events = c->events = EPOLLOUT;
	ev.data.ptr = c;
	if (epoll_ctl(soak.epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		perror("soak: epoll_ctl");
		exit(2);
	}
	return c;
}

/* Free the clients that are done. */
static void
sweep_clients(void)
{
	struct client **link = &soak.clients, *c;

	while ((c = *link) != NULL) {
		if (!c->done) {
			link = &c->next;
			continue;
		}
		*link = c->next;
		g_string_free(c->out, TRUE);
		g_string_free(c->in, TRUE);
		g_byte_array_free(c->owed, TRUE);
		g_string_free(c->expect, TRUE);
		g_free(c);
	}
}

/* Read what is there; all of it when all, else a bounded amount. */
static void
client_read(struct client *c, bool all)
{
	char buf[16384];
	ssize_t n;
	int rounds = 0;

	while (!c->done && !c->eof && !c->reset && (all || rounds++ < 8)) {
		n = recv(c->fd, buf, sizeof buf, MSG_DONTWAIT);
		if (n > 0) {
			g_string_append_len(c->in, buf, (gssize)n);
			c->progress_ms = now_ms();
			continue;
		}
		if (n == 0) {
			c->eof = true;
			break;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			break;
		c->reset = true;
		c->read_errno = errno;
	}
	update_events(c);
}

/* Call the kind's input, which must end a client whose peer is gone. */
static void
client_input(struct client *c)
{
	if (c->done)
		return;
	spec_of(c->kind)->input(c);
	if (!c->done && (c->eof || c->reset))
		fail(c, "soak: the client did not finish at the end of its "
		    "connection");
}

/* A send failed: sockd closed or reset; read what it sent before. */
static void
send_failed(struct client *c, int errnum)
{
	if (errnum != EPIPE && errnum != ECONNRESET) {
		fail(c, "send: %s", strerror(errnum));
		return;
	}
	client_read(c, true);
	if (!c->eof && !c->reset) {
		c->reset = true;
		c->read_errno = errnum;
	}
	client_input(c);
}

/* Send what may go now. */
static void
client_flush(struct client *c)
{
	ssize_t n;

	while (!c->done && !c->reset && c->out_off < c->out_allowed) {
		n = send(c->fd, c->out->str + c->out_off,
		    c->out_allowed - c->out_off, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n > 0) {
			c->out_off += (size_t)n;
			c->bytes_out += (uint64_t)n;
			c->progress_ms = now_ms();
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		send_failed(c, errno);
		return;
	}
	if (c->done || c->reset)
		return;
	if (c->out_off == c->out->len) {
		g_string_truncate(c->out, 0);
		c->out_off = c->out_allowed = 0;
		if (c->shut_after_flush && !c->wr_shut) {
			if (shutdown(c->fd, SHUT_WR) < 0)
				failure(client_name(c), "shutdown: %s",
				    strerror(errno));
			c->wr_shut = true;
		}
	}
	update_events(c);
}

/*
 * Let the queued bytes go: when split, the first part now and the rest
 * a few milliseconds later, so that sockd reads lines cut anywhere.
 */
static void
send_queued(struct client *c, bool split)
{
	size_t from = c->out_allowed, len = c->out->len;

	/* A release is pending: these go with it. */
	if (c->release_ms >= 0)
		return;
	if (split && len - from > 1 && chance(0.3)) {
		c->out_allowed = from + rnd(1, (unsigned)(len - from - 1));
		c->release_ms = now_ms() + rnd(1, 30);
	} else
		c->out_allowed = len;
	client_flush(c);
}

/* The connect finished: an error is a failure; else the kind starts. */
static void
connect_done(struct client *c)
{
	socklen_t len = sizeof(int);
	int err = 0;

	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err != 0) {
		fail(c, "connect to 127.0.0.1:%d: %s", c->inst->port,
		    strerror(err));
		return;
	}
	c->connecting = false;
	c->inst->connected++;
	c->progress_ms = now_ms();
	update_events(c);
	spec_of(c->kind)->start(c);
}

/* What epoll says about a client. */
static void
client_event(struct client *c, uint32_t events)
{
	if (c->done)
		return;
	if (c->connecting) {
		connect_done(c);
		return;
	}
	if (events & EPOLLOUT)
		client_flush(c);
	if (c->done || !(events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
		return;
	/* A client that reads on a timer still learns of a reset. */
	client_read(c, !c->reads);
	client_input(c);
}

/* Run the timers that are due, and catch clients that are stuck. */
static void
client_timers(void)
{
	int64_t now = now_ms();
	struct client *c;

	for (c = soak.clients; c != NULL; c = c->next) {
		if (!c->done && c->release_ms >= 0 && c->release_ms <= now) {
			c->release_ms = -1;
			c->out_allowed = c->out->len;
			client_flush(c);
		}
		if (!c->done && c->wake_ms >= 0 && c->wake_ms <= now) {
			c->wake_ms = -1;
			spec_of(c->kind)->timer(c);
		}
		if (!c->done && now - c->progress_ms > STALL_MS)
			fail(c, "nothing moved for %d s (state %d, %" PRIu64
			    " sent, %" PRIu64 " answered, %zu bytes to "
			    "send)", STALL_MS / 1000, c->state, c->sent,
			    c->answered, c->out->len - c->out_off);
	}
}

/* ------------------------------------------------------------------ */
/* What clients send. */

/* Pieces of text that the log must show as they are or escape. */
static const char *const odd_texts[] = {
	"\xc3\xa9t\xc3\xa9",		/* UTF-8 text: shown as it is */
	"\xe2\x80\xae",			/* right-to-left override */
	"\xe2\x80\x8b",			/* zero-width space */
	"\xe2\x80\xa8",			/* line separator */
	"\xf0\x9f\x90\x99",		/* outside the BMP */
	"\xc2\x85",			/* C1 control */
	"\x1b[31m",			/* a terminal escape */
	"\\",
	"\x7f",
	"\xff\xfe",			/* never UTF-8 */
	"\xed\xa0\x80",			/* a surrogate: invalid */
	"\xe2\x82",			/* a cut sequence */
};

/* Append len bytes of a message body, never a newline: mostly text,
 * some UTF-8 that the log escapes, some bytes of any value. */
static void
put_body(GString *out, size_t len)
{
	size_t end = out->len + len, n;
	unsigned mode = rnd(0, 9);
	const char *odd;
	char byte;

	while (out->len < end) {
		if (mode >= 6 && mode < 8) {
			odd = odd_texts[rnd(0, G_N_ELEMENTS(odd_texts) - 1)];
			n = strlen(odd);
			if (n <= end - out->len) {
				g_string_append_len(out, odd, (gssize)n);
				continue;
			}
		}
		if (mode >= 8)
			byte = (char)rnd(0, 255);
		else
			byte = (char)rnd(' ', '~');
		g_string_append_c(out, byte == '\n' ? ' ' : byte);
	}
}

/* How long a line is: mostly short, some long, some at the limit. */
static size_t
line_length(void)
{
	unsigned pick = rnd(0, 99);

	if (pick < 2)
		return MAX_LINE;
	if (pick < 4)
		return MAX_LINE - 1;
	if (pick < 30)
		return rnd(41, 300);
	return rnd(0, 40);
}

/* Lines sent and not yet answered. */
static size_t
owed_count(const struct client *c)
{
	return c->owed->len - c->owed_head;
}

/* Owe the answer to one more line. */
static void
owed_push(struct client *c, bool crlf)
{
	guint8 flag = crlf;

	g_byte_array_append(c->owed, &flag, 1);
}

/* Take the oldest line owed an answer: true if it ended in \r\n. */
static bool
owed_pop(struct client *c)
{
	bool crlf = c->owed->data[c->owed_head++];

	if (c->owed_head == c->owed->len) {
		g_byte_array_set_size(c->owed, 0);
		c->owed_head = 0;
	} else if (c->owed_head > 4096) {
		g_byte_array_remove_range(c->owed, 0, (guint)c->owed_head);
		c->owed_head = 0;
	}
	return crlf;
}

/* Queue one line of len bytes (and its ending); owed unless sockd is
 * expected to leave it unanswered. */
static void
queue_line(struct client *c, size_t len, bool owe)
{
	size_t start = c->out->len;
	bool crlf;

	put_body(c->out, len);
	if (chance(0.25))
		g_string_append_c(c->out, '\r');
	/* A body's own last \r makes the ending \r\n as well. */
	crlf = c->out->len > start && c->out->str[c->out->len - 1] == '\r';
	g_string_append_c(c->out, '\n');
	if (owe)
		owed_push(c, crlf);
	c->sent++;
	c->inst->sent++;
}

/* Queue n lines owed an answer. */
static void
queue_lines(struct client *c, unsigned n)
{
	while (n-- > 0)
		queue_line(c, line_length(), true);
}

/* Queue a last line without its newline, to go before our FIN: sockd
 * answers it at the end of input, ending the answer with \n (or \r\n
 * when the line's last byte was \r). */
static void
queue_last_line(struct client *c)
{
	put_body(c->out, rnd(1, 40));
	if (chance(0.2))
		g_string_append_c(c->out, '\r');
	owed_push(c, c->out->str[c->out->len - 1] == '\r');
	c->sent++;
	c->inst->sent++;
}

/*
 * Take the answers a line client received: each the reply in force with
 * its message's ending, in order; "busy" alone as the first line; the
 * long-line error once every answer before it came.  False after a
 * failure (the client is done).
 */
static bool
take_line_answers(struct client *c)
{
	const char *line, *nl;
	size_t off = 0, len, body;
	int r;
	bool crlf;

	while (!c->done && (nl = memchr(c->in->str + off, '\n',
	    c->in->len - off)) != NULL) {
		line = c->in->str + off;
		len = (size_t)(nl - line) + 1;
		off += len;
		if (!c->got_line && len == 5 && memcmp(line, BUSY_TEXT, 5) == 0) {
			c->got_line = c->busy = true;
			c->inst->busy++;
			continue;
		}
		c->got_line = true;
		if (c->busy || c->too_long_seen) {
			fail(c, "'%s' after %s", show(line, len), c->busy ?
			    "busy" : "the line-too-long error");
			return false;
		}
		if (owed_count(c) == 0 && c->too_long_owed &&
		    len == strlen(TOO_LONG_TEXT) &&
		    memcmp(line, TOO_LONG_TEXT, len) == 0) {
			c->too_long_seen = true;
			c->inst->too_long++;
			continue;
		}
		if (owed_count(c) == 0) {
			fail(c, "answer '%s' to no message (%" PRIu64 " sent, "
			    "%" PRIu64 " answered)", show(line, len), c->sent,
			    c->answered);
			return false;
		}
		crlf = owed_pop(c);
		body = len - (crlf ? 2 : 1);
		for (r = 0; r < 2; r++)
			if (len >= 1 + (size_t)crlf &&
			    (!crlf || line[len - 2] == '\r') &&
			    strlen(replies[r]) == body &&
			    memcmp(line, replies[r], body) == 0)
				break;
		if (r == 2) {
			fail(c, "answer %" PRIu64 " is '%s', not a reply "
			    "ending in %s", c->answered + 1, show(line, len),
			    crlf ? "\\r\\n" : "\\n");
			return false;
		}
		c->inst->by_reply[r]++;
		c->answered++;
		c->inst->answers++;
	}
	g_string_erase(c->in, 0, (gssize)off);
	if (!c->done && c->in->len > 4096) {
		fail(c, "%zu bytes without a newline: '%s'", c->in->len,
		    show(c->in->str, c->in->len));
		return false;
	}
	return !c->done;
}

/* True when the client is done because sockd closed it: after busy as
 * it should, else a failure. */
static bool
ended_early(struct client *c)
{
	if (c->done)
		return true;
	if (!c->eof && !c->reset)
		return false;
	if (c->busy) {
		client_done(c, false);
		return true;
	}
	fail(c, "sockd %s the connection with %zu answers owed (%" PRIu64
	    " sent, %" PRIu64 " answered%s)", c->reset ? "reset" : "closed",
	    c->inst->line ? owed_count(c) : (size_t)(c->expect->len > 0),
	    c->sent, c->answered, c->in->len > 0 ? ", a partial answer" : "");
	return true;
}

/* sockd closed the client after a silence or a trickle that began at
 * since: no sooner than -t after it. */
static void
cut_off(struct client *c, int64_t since)
{
	int64_t ms = now_ms() - since;

	if (ms < TIMEOUT_S * 1000 - EARLY_SLACK_MS) {
		fail(c, "%s after %" PRId64 " ms, before the %d s timeout",
		    c->reset ? "reset" : "closed", ms, TIMEOUT_S);
		return;
	}
	c->inst->timeouts++;
	client_done(c, false);
}

/* ------------------------------------------------------------------ */
/* Line clients. */

enum { P_RUN, P_LAST };

/* Send a batch of lines, the next one after a pause. */
static void
pipeline_batch(struct client *c, unsigned pause_lo, unsigned pause_hi)
{
	queue_lines(c, rnd(1, 32));
	send_queued(c, true);
	if (c->steps > 0)
		c->steps--;
	if (!c->done)
		c->wake_ms = now_ms() + rnd(pause_lo, pause_hi);
}

/* Pipeline: batches of lines, pipelined while answers lag; at the end
 * a close, or a last line without newline and a half-close. */
static void
pipeline_start(struct client *c)
{
	c->steps = rnd(3, 60);
	pipeline_batch(c, 0, 150);
}

/* Every batch answered: end as the kind does. */
static void
pipeline_end(struct client *c)
{
	if (c->steps > 0 || c->state == P_LAST || owed_count(c) > 0 ||
	    c->out->len > 0 || c->busy)
		return;
	if (c->kind == K_CHAOS_PIPELINE || chance(0.4)) {
		c->state = P_LAST;
		queue_last_line(c);
		c->shut_after_flush = true;
		send_queued(c, false);
		return;
	}
	client_done(c, false);
}

static void
pipeline_timer(struct client *c)
{
	if (soak.winding_down)
		c->steps = 0;
	if (c->busy)
		return;
	if (c->steps == 0) {
		pipeline_end(c);
		return;
	}
	/* Answers lag far behind: let them catch up. */
	if (owed_count(c) > 256) {
		c->wake_ms = now_ms() + 20;
		return;
	}
	pipeline_batch(c, 0, 150);
}

static void
pipeline_input(struct client *c)
{
	if (!take_line_answers(c))
		return;
	if (c->state == P_LAST && owed_count(c) == 0 && c->eof) {
		client_done(c, false);
		return;
	}
	if (ended_early(c))
		return;
	if (c->wake_ms < 0)
		pipeline_end(c);
}

/* Slow reader: thousands of lines, their answers read 4 KiB at a time
 * every 100-300 ms through a small receive buffer, so sockd's sends
 * wait on it; it must get every answer and never be cut off. */
static void
slow_start(struct client *c)
{
	unsigned n = rnd(2000, 4000);

	while (n-- > 0)
		queue_line(c, rnd(1, 8), true);
	send_queued(c, false);
	if (!c->done)
		c->wake_ms = now_ms() + rnd(100, 300);
}

static void
slow_input(struct client *c)
{
	if (!take_line_answers(c))
		return;
	if (owed_count(c) == 0 && c->out->len == 0 && !c->busy &&
	    !c->eof && !c->reset) {
		client_done(c, false);
		return;
	}
	ended_early(c);
}

static void
slow_timer(struct client *c)
{
	char buf[4096];
	ssize_t n;

	n = recv(c->fd, buf, sizeof buf, MSG_DONTWAIT);
	if (n > 0) {
		g_string_append_len(c->in, buf, (gssize)n);
		c->progress_ms = now_ms();
	} else if (n == 0)
		c->eof = true;
	else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
		c->reset = true;
		c->read_errno = errno;
	}
	client_input(c);
	if (!c->done)
		c->wake_ms = now_ms() + rnd(100, 300);
}

enum { T_PREFIX, T_TRICKLE };

/* Send one byte of a line that never ends. */
static void
trickle_byte(struct client *c)
{
	g_string_append_c(c->out, (char)rnd(' ', '~'));
	c->trickled++;
	send_queued(c, false);
	if (!c->done)
		c->wake_ms = now_ms() + rnd(250, 600);
}

/* Trickle: perhaps a few whole lines, then a line a byte every
 * 250-600 ms, faster than -t but never ended: sockd must close it as
 * "time out" once the line has had -t since its first byte. */
static void
trickle_start(struct client *c)
{
	unsigned n = rnd(0, 2);

	if (n > 0) {
		c->state = T_PREFIX;
		queue_lines(c, n);
		send_queued(c, false);
		return;
	}
	c->state = T_TRICKLE;
	c->mark_ms = now_ms();
	trickle_byte(c);
}

static void
trickle_input(struct client *c)
{
	if (!take_line_answers(c))
		return;
	if (!c->eof && !c->reset) {
		if (c->state == T_PREFIX && owed_count(c) == 0 && !c->busy) {
			c->state = T_TRICKLE;
			c->mark_ms = now_ms();
			trickle_byte(c);
		}
		return;
	}
	if (c->busy || c->state == T_PREFIX) {
		ended_early(c);
		return;
	}
	cut_off(c, c->mark_ms);
}

static void
trickle_timer(struct client *c)
{
	if (c->state != T_TRICKLE)
		return;
	if (c->trickled >= 200) {
		fail(c, "a line trickled for %" PRId64 " ms was not cut off",
		    now_ms() - c->mark_ms);
		return;
	}
	trickle_byte(c);
}

/* Idle: a few lines, then silence until sockd's -t closes it. */
static void
idle_start(struct client *c)
{
	queue_lines(c, rnd(1, 3));
	send_queued(c, true);
}

static void
idle_input(struct client *c)
{
	if (!take_line_answers(c))
		return;
	if (c->state == 0 && owed_count(c) == 0 && c->out->len == 0 &&
	    !c->busy) {
		c->state = 1;
		c->mark_ms = now_ms();
	}
	if (!c->eof && !c->reset)
		return;
	if (c->state == 0 || c->busy) {
		ended_early(c);
		return;
	}
	cut_off(c, c->mark_ms);
}

/* Oversized: a few lines, one over --max-line (ended or not), perhaps
 * more after it: the first are answered, then the error, then the
 * close; nothing of or after the long line is. */
static void
oversized_start(struct client *c)
{
	unsigned extra;

	queue_lines(c, rnd(0, 3));
	put_body(c->out, MAX_LINE + rnd(2, 3000));
	/* Not a \r that a \n could still make an ending. */
	if (c->out->str[c->out->len - 1] == '\r')
		c->out->str[c->out->len - 1] = 'x';
	c->sent++;
	c->inst->sent++;
	if (chance(0.5)) {
		g_string_append_c(c->out, '\n');
		for (extra = rnd(0, 2); extra > 0; extra--)
			queue_line(c, line_length(), false);
	}
	c->too_long_owed = true;
	send_queued(c, true);
}

static void
oversized_input(struct client *c)
{
	if (!take_line_answers(c) || (!c->eof && !c->reset))
		return;
	if (c->busy || (c->too_long_seen && owed_count(c) == 0)) {
		client_done(c, false);
		return;
	}
	fail(c, "sockd %s the connection without the line-too-long error "
	    "(%zu answers owed)", c->reset ? "reset" : "closed",
	    owed_count(c));
}

/* Reset: a few batches, each answered, then a close with SO_LINGER 0. */
static void
reset_batch(struct client *c)
{
	queue_lines(c, rnd(1, 10));
	send_queued(c, true);
	c->steps--;
}

static void
reset_start(struct client *c)
{
	c->steps = rnd(1, 5);
	reset_batch(c);
}

static void
reset_input(struct client *c)
{
	if (!take_line_answers(c) || ended_early(c))
		return;
	if (owed_count(c) > 0 || c->out->len > 0 || c->wake_ms >= 0 || c->busy)
		return;
	if (c->steps == 0) {
		c->inst->resets++;
		client_done(c, true);
		return;
	}
	c->wake_ms = now_ms() + rnd(0, 100);
}

static void
reset_timer(struct client *c)
{
	reset_batch(c);
}

/* Churn: connect, half-close at once, read to the end: nothing, or
 * busy. */
static void
churn_start(struct client *c)
{
	if (shutdown(c->fd, SHUT_WR) < 0)
		fail(c, "shutdown: %s", strerror(errno));
	c->wr_shut = true;
}

static void
churn_input(struct client *c)
{
	size_t len = c->in->len;

	if (len > 5 || memcmp(c->in->str, BUSY_TEXT, len) != 0) {
		fail(c, "'%s' for a connection that sent nothing",
		    show(c->in->str, len));
		return;
	}
	if (!c->eof && !c->reset)
		return;
	if (len == 5) {
		c->busy = true;
		c->inst->busy++;
	} else if (c->reset || len > 0) {
		fail(c, "%s after '%s'", c->reset ? "reset" : "closed",
		    show(c->in->str, len));
		return;
	}
	client_done(c, false);
}

/* No timer. */
static void
no_timer(struct client *c)
{
	(void)c;
}

/* ------------------------------------------------------------------ */
/* Raw echo clients. */

/* Send one message and owe its echo.  Its first byte is never 'b', so
 * that "busy" cannot be taken for an echo. */
static void
raw_send(struct client *c, size_t len)
{
	size_t start = c->out->len, i;

	put_body(c->out, len);
	for (i = start; i < c->out->len; i++)
		if (chance(0.02))
			c->out->str[i] = '\n';
	if (c->out->str[start] == 'b')
		c->out->str[start] = 'B';
	g_string_append_len(c->expect, c->out->str + start,
	    (gssize)(c->out->len - start));
	c->sent++;
	c->inst->sent++;
	/* One send: a raw message is what one read returns. */
	send_queued(c, false);
}

/* A message length: mostly short, up to 2 KiB. */
static size_t
raw_length(void)
{
	return chance(0.7) ? rnd(1, 64) : rnd(65, 2048);
}

/* Take the echo received: exactly the bytes owed, or busy first.
 * False after a failure. */
static bool
take_echo(struct client *c)
{
	size_t have = c->in->len, owed = c->expect->len;

	if (c->answered == 0 && !c->busy && have > 0 && c->in->str[0] == 'b') {
		if (have < 5 && !c->eof && !c->reset)
			return true;
		if (have == 5 && memcmp(c->in->str, BUSY_TEXT, 5) == 0) {
			c->busy = true;
			c->inst->busy++;
			g_string_truncate(c->in, 0);
			return true;
		}
	}
	if (have == 0)
		return true;
	if (c->busy || have > owed || memcmp(c->in->str, c->expect->str,
	    have) != 0) {
		fail(c, "echo '%s' is not the message '%s'", show(c->in->str,
		    have), show(c->expect->str, owed));
		return false;
	}
	if (have == owed) {
		c->answered++;
		c->inst->answers++;
		g_string_truncate(c->in, 0);
		g_string_truncate(c->expect, 0);
	}
	return true;
}

enum { R_RUN, R_LAST };

/* Raw echo: ping-pong of binary messages, then a close or a
 * half-close. */
static void
raw_echo_start(struct client *c)
{
	c->steps = rnd(5, 200);
	raw_send(c, raw_length());
}

static void
raw_echo_input(struct client *c)
{
	if (!take_echo(c))
		return;
	if (c->state == R_LAST && c->eof && c->in->len == 0) {
		client_done(c, false);
		return;
	}
	if (ended_early(c) || c->expect->len > 0 || c->wake_ms >= 0 ||
	    c->state == R_LAST || c->busy)
		return;
	if (soak.winding_down)
		c->steps = 1;
	if (--c->steps > 0) {
		c->wake_ms = now_ms() + rnd(0, 100);
		return;
	}
	if (chance(0.7)) {
		client_done(c, false);
		return;
	}
	c->state = R_LAST;
	if (shutdown(c->fd, SHUT_WR) < 0)
		fail(c, "shutdown: %s", strerror(errno));
}

static void
raw_echo_timer(struct client *c)
{
	raw_send(c, raw_length());
}

/* Raw idle: one short message, then silence until -t closes it. */
static void
raw_idle_start(struct client *c)
{
	raw_send(c, rnd(1, 10));
}

static void
raw_idle_input(struct client *c)
{
	if (!take_echo(c))
		return;
	if (c->state == 0 && c->answered == 1) {
		c->state = 1;
		c->mark_ms = now_ms();
	}
	if (!c->eof && !c->reset)
		return;
	if (c->state == 0 || c->busy) {
		ended_early(c);
		return;
	}
	cut_off(c, c->mark_ms);
}

/* Raw reset: a few exchanges, then a reset. */
static void
raw_reset_start(struct client *c)
{
	c->steps = rnd(1, 10);
	raw_send(c, raw_length());
}

static void
raw_reset_input(struct client *c)
{
	if (!take_echo(c) || ended_early(c))
		return;
	if (c->expect->len > 0 || c->wake_ms >= 0 || c->busy)
		return;
	if (--c->steps == 0) {
		c->inst->resets++;
		client_done(c, true);
		return;
	}
	c->wake_ms = now_ms() + rnd(0, 100);
}

/* ------------------------------------------------------------------ */
/* Chaos clients: what they leave unread makes sockd's counts bounds. */

/* In-flight reset: a batch of lines, some answers read, then a reset
 * while the rest may still be on their way. */
static void
chaos_reset_start(struct client *c)
{
	unsigned n = rnd(1, 300);

	queue_lines(c, n);
	c->target = rnd(0, n);
	send_queued(c, true);
	if (!c->done && c->target == 0) {
		c->inst->resets++;
		client_done(c, true);
	}
}

static void
chaos_reset_input(struct client *c)
{
	if (!take_line_answers(c))
		return;
	if (c->answered >= c->target) {
		c->inst->resets++;
		client_done(c, true);
		return;
	}
	ended_early(c);
}

/* Vanish: a batch of lines, then a close without reading a byte. */
static void
chaos_vanish_start(struct client *c)
{
	queue_lines(c, rnd(1, 300));
	send_queued(c, false);
	client_done(c, false);
}

/* Flood: short lines as fast as sockd takes them, never reading, so
 * its sends stall on a full window; a reset once they have (or after
 * 256 KiB, a hundred thousand messages). */
static void
flood_fill(struct client *c)
{
	unsigned i;

	for (i = 0; i < 4096; i++)
		g_string_append(c->out, "f\n");
	c->sent += 4096;
	c->inst->sent += 4096;
	send_queued(c, false);
}

static void
flood_start(struct client *c)
{
	flood_fill(c);
	if (!c->done)
		c->wake_ms = now_ms() + 100;
}

static void
flood_timer(struct client *c)
{
	if (c->bytes_out >= 256 * 1024 || now_ms() - c->progress_ms > 300) {
		c->inst->resets++;
		client_done(c, true);
		return;
	}
	if (c->out->len == 0)
		flood_fill(c);
	if (!c->done)
		c->wake_ms = now_ms() + 100;
}

static void
flood_input(struct client *c)
{
	/* sockd cut it off (time out) before our reset: also fine. */
	if (c->eof || c->reset)
		client_done(c, false);
}

/* Chaos churn: connect, then close or reset at once. */
static void
chaos_churn_start(struct client *c)
{
	bool rst = chance(0.5);

	if (rst)
		c->inst->resets++;
	client_done(c, rst);
}

static void
nothing_expected(struct client *c)
{
	if (c->eof || c->reset || c->in->len > 0)
		fail(c, "input for a client that is already gone");
}

/* ------------------------------------------------------------------ */
/* Drain clients: connected when SIGTERM comes. */

/* Take what a drain client received; false after a failure. */
static bool
drain_take(struct client *c)
{
	return c->inst->line ? take_line_answers(c) : take_echo(c);
}

/* Whether anything is owed to the client. */
static bool
drain_owed(const struct client *c)
{
	return c->inst->line ? owed_count(c) > 0 : c->expect->len > 0;
}

/* Send one message. */
static void
drain_send_one(struct client *c)
{
	if (c->inst->line) {
		queue_lines(c, 1);
		send_queued(c, false);
	} else
		raw_send(c, rnd(1, 20));
}

/* Idle at the drain: one exchange, then silence; the drain must close
 * it promptly, long before its 60 s timeout. */
static void
drain_idle_start(struct client *c)
{
	drain_send_one(c);
}

static void
drain_idle_input(struct client *c)
{
	int64_t ms;

	if (!drain_take(c))
		return;
	if (c->state == 0 && !drain_owed(c) && c->answered > 0)
		c->state = 1;
	if (!c->eof && !c->reset)
		return;
	if (c->busy) {
		client_done(c, false);
		return;
	}
	if (!soak.term_sent) {
		ended_early(c);
		return;
	}
	ms = now_ms() - soak.term_ms;
	if (drain_owed(c) || c->in->len > 0)
		fail(c, "the drain closed it with its message unanswered");
	else if (c->reset)
		fail(c, "the drain reset it instead of closing it");
	else if (ms > PROMPT_MS)
		fail(c, "the drain closed it %" PRId64 " ms after SIGTERM, "
		    "not promptly", ms);
	else
		client_done(c, false);
}

/* Active at the drain: batches or exchanges without end; at SIGTERM
 * whatever sockd had received is answered, then the close. */
static void
drain_active_start(struct client *c)
{
	if (c->inst->line)
		pipeline_batch(c, 10, 50);
	else
		raw_send(c, raw_length());
}

static void
drain_active_timer(struct client *c)
{
	if (c->inst->line) {
		if (owed_count(c) > 256)
			c->wake_ms = now_ms() + 20;
		else
			pipeline_batch(c, 10, 50);
	} else
		raw_send(c, raw_length());
}

static void
drain_active_input(struct client *c)
{
	if (!drain_take(c))
		return;
	if (!c->eof && !c->reset) {
		if (!c->inst->line && c->expect->len == 0 && c->wake_ms < 0)
			c->wake_ms = now_ms() + rnd(10, 50);
		return;
	}
	if (c->busy) {
		client_done(c, false);
		return;
	}
	if (!soak.term_sent) {
		ended_early(c);
		return;
	}
	/* Messages the drain did not read are not answered, nor counted;
	 * a part of an answer would be a broken one. */
	if (c->in->len > 0)
		fail(c, "the drain ended it in the middle of an answer: '%s'",
		    show(c->in->str, c->in->len));
	else
		client_done(c, false);
}

/* Late: connects and sends one message just before SIGTERM.  SPEC 6: a
 * connection the kernel completed is accepted and served. */
static void
drain_late_start(struct client *c)
{
	drain_send_one(c);
	c->state = 1;
}

static void
drain_late_input(struct client *c)
{
	if (!drain_take(c) || (!c->eof && !c->reset))
		return;
	if (c->busy || (c->answered == 1 && !drain_owed(c) &&
	    c->in->len == 0)) {
		client_done(c, false);
		return;
	}
	fail(c, "connected and sent a message before SIGTERM, then %s "
	    "without an answer (SPEC 6: a connection the kernel completed "
	    "is accepted and served)", c->reset ? "reset" : "closed");
}

/* ------------------------------------------------------------------ */

static const struct kind_spec kind_specs[NKINDS] = {
	[K_PIPELINE] = { "pipeline", INST_LINE, 5, 0, 0, true,
	    pipeline_start, pipeline_input, pipeline_timer },
	[K_SLOW_READER] = { "slow-reader", INST_LINE, 1, 0, 4096, false,
	    slow_start, slow_input, slow_timer },
	[K_TRICKLE] = { "trickle", INST_LINE, 1, 0, 0, true,
	    trickle_start, trickle_input, trickle_timer },
	[K_IDLE] = { "idle", INST_LINE, 1, 0, 0, true,
	    idle_start, idle_input, no_timer },
	[K_OVERSIZED] = { "oversized", INST_LINE, 0, 1.0, 0, true,
	    oversized_start, oversized_input, no_timer },
	[K_RESET] = { "reset", INST_LINE, 0, 1.0, 0, true,
	    reset_start, reset_input, reset_timer },
	[K_CHURN] = { "churn", INST_LINE, 0, 10.0, 0, true,
	    churn_start, churn_input, no_timer },
	[K_RAW_ECHO] = { "echo", INST_RAW, 6, 0, 0, true,
	    raw_echo_start, raw_echo_input, raw_echo_timer },
	[K_RAW_IDLE] = { "idle", INST_RAW, 1, 0, 0, true,
	    raw_idle_start, raw_idle_input, no_timer },
	[K_RAW_RESET] = { "reset", INST_RAW, 0, 1.0, 0, true,
	    raw_reset_start, raw_reset_input, raw_echo_timer },
	[K_RAW_CHURN] = { "churn", INST_RAW, 0, 10.0, 0, true,
	    churn_start, churn_input, no_timer },
	[K_CHAOS_PIPELINE] = { "half-close", INST_CHAOS, 3, 0, 0, true,
	    pipeline_start, pipeline_input, pipeline_timer },
	[K_CHAOS_RESET] = { "reset-in-flight", INST_CHAOS, 0, 3.0, 0, true,
	    chaos_reset_start, chaos_reset_input, no_timer },
	[K_CHAOS_VANISH] = { "vanish", INST_CHAOS, 0, 2.0, 0, true,
	    chaos_vanish_start, nothing_expected, no_timer },
	[K_CHAOS_FLOOD] = { "flood", INST_CHAOS, 1, 0, 4096, false,
	    flood_start, flood_input, flood_timer },
	[K_CHAOS_CHURN] = { "churn", INST_CHAOS, 0, 5.0, 0, true,
	    chaos_churn_start, nothing_expected, no_timer },
	[K_DRAIN_IDLE] = { "drain-idle", INST_LINE, 0, 0, 0, true,
	    drain_idle_start, drain_idle_input, no_timer },
	[K_DRAIN_ACTIVE] = { "drain-active", INST_LINE, 0, 0, 0, true,
	    drain_active_start, drain_active_input, drain_active_timer },
	[K_DRAIN_LATE] = { "drain-late", INST_LINE, 0, 0, 0, true,
	    drain_late_start, drain_late_input, no_timer },
};

/* The spec of a kind. */
static const struct kind_spec *
spec_of(enum kind kind)
{
	return &kind_specs[kind];
}

/* ------------------------------------------------------------------ */
/* The loop. */

/* Wait up to max_ms for events and timers, and handle them. */
static void
loop_once(int max_ms)
{
	struct epoll_event events[64];
	int64_t now = now_ms(), next = now + max_ms;
	struct client *c;
	enum watch_type *watch;
	int n, i;

	for (c = soak.clients; c != NULL; c = c->next) {
		if (c->done)
			continue;
		if (c->wake_ms >= 0 && c->wake_ms < next)
			next = c->wake_ms;
		if (c->release_ms >= 0 && c->release_ms < next)
			next = c->release_ms;
	}
	n = epoll_wait(soak.epfd, events, G_N_ELEMENTS(events),
	    next > now ? (int)(next - now) : 0);
	if (n < 0 && errno != EINTR) {
		perror("soak: epoll_wait");
		exit(2);
	}
	for (i = 0; i < n; i++) {
		watch = events[i].data.ptr;
		if (*watch == WATCH_LOG)
			log_read((struct instance *)events[i].data.ptr);
		else
			client_event((struct client *)events[i].data.ptr,
			    events[i].events);
	}
	client_timers();
	now = now_ms();
	if (now - soak.last_reap_ms >= 100) {
		soak.last_reap_ms = now;
		for (i = 0; i < NINST; i++)
			reap(&soak.inst[i]);
	}
	sweep_clients();
}

/* Run the loop until done() or the deadline; false at the deadline. */
static bool
loop_until(bool (*done)(void), int64_t deadline)
{
	while (!done()) {
		if (now_ms() >= deadline || soak.aborted)
			return false;
		loop_once(50);
	}
	return true;
}

/* ------------------------------------------------------------------ */
/* The phases. */

static bool
all_started(void)
{
	int i;

	for (i = 0; i < NINST; i++)
		if (!soak.inst[i].started || soak.inst[i].port == 0)
			return false;
	return true;
}

/* Start the three sockd and take their first samples. */
static void
phase_start(void)
{
	static const char *const names[NINST] = { "line", "raw", "chaos" };
	const char *keep = g_getenv("SOAK_LOGS");
	struct instance *in;
	char *path;
	int i;

	for (i = 0; i < NINST; i++) {
		in = &soak.inst[i];
		if (keep != NULL && *keep != '\0') {
			path = g_strdup_printf("%s/%s.log", keep, names[i]);
			if ((in->log_copy = fopen(path, "w")) == NULL) {
				fprintf(stderr, "soak: %s: %s\n", path,
				    strerror(errno));
				exit(2);
			}
			g_free(path);
		}
		in->watch = WATCH_LOG;
		in->name = names[i];
		in->line = i != INST_RAW;
		in->exact = i != INST_CHAOS;
		in->log = g_string_new(NULL);
		in->conf = g_build_filename(soak.dir, names[i], NULL);
		in->timeout = TIMEOUT_S;
		in->threads_min = G_MAXLONG;
		start_instance(in);
	}
	if (!loop_until(all_started, now_ms() + WAIT_MS)) {
		failure("start", "sockd did not log its listening and started "
		    "lines within %d s", WAIT_MS / 1000);
		soak.aborted = true;
		return;
	}
	for (i = 0; i < NINST; i++) {
		in = &soak.inst[i];
		if (!proc_sample(in->pid, &in->start)) {
			failure(in->name, "cannot read /proc/%d", (int)in->pid);
			soak.aborted = true;
		}
		note_sample(in);
	}
}

/* Start clients to keep each kind at its number or rate. */
static void
spawn_tick(int64_t now, int64_t *next_burst)
{
	const struct kind_spec *spec;
	struct instance *in;
	int k;

	for (k = 0; k < NKINDS; k++) {
		spec = spec_of(k);
		in = &soak.inst[spec->inst];
		while (soak.live[k] < spec->concurrent)
			if (client_new(k, in) == NULL)
				break;
		if (spec->per_second <= 0)
			continue;
		if (soak.next_spawn[k] == 0)
			soak.next_spawn[k] = now;
		while (now >= soak.next_spawn[k]) {
			(void)client_new(k, in);
			soak.next_spawn[k] += (int64_t)(1000.0 /
			    spec->per_second * g_rand_double_range(soak.rand,
			    0.5, 1.5));
		}
	}
	/* Bursts of churn fill the queue: some of them are told busy. */
	if (now >= *next_burst) {
		*next_burst = now + BURST_MS;
		for (k = 0; k < BURST_CLIENTS; k++) {
			(void)client_new(K_CHURN, &soak.inst[INST_LINE]);
			(void)client_new(K_RAW_CHURN, &soak.inst[INST_RAW]);
		}
	}
}

/* Every second: switch the configurations and SIGHUP; SIGUSR1 half a
 * second later, with a look at threads and descriptors. */
static void
signal_tick(int64_t now, int64_t *next_hup, int64_t *next_usr1)
{
	struct instance *in;
	int i;

	if (now >= *next_hup) {
		*next_hup += SIGNAL_MS;
		for (i = 0; i < NINST; i++) {
			in = &soak.inst[i];
			in->toggle ^= 1;
			write_config(in);
			signal_instance(in, SIGHUP);
			in->hups++;
		}
	}
	if (now >= *next_usr1) {
		*next_usr1 += SIGNAL_MS;
		for (i = 0; i < NINST; i++) {
			in = &soak.inst[i];
			signal_instance(in, SIGUSR1);
			in->usr1s++;
			note_sample(in);
		}
	}
}

/* Clients started so far, of every kind, on every instance. */
static uint64_t
clients_total(void)
{
	uint64_t total = 0;
	int i, k;

	for (i = 0; i < NINST; i++)
		for (k = 0; k < NKINDS; k++)
			total += soak.inst[i].kinds[k];
	return total;
}

/* One line every PROGRESS_MS. */
static void
progress(int64_t now)
{
	const struct instance *l = &soak.inst[INST_LINE];
	const struct instance *r = &soak.inst[INST_RAW];
	const struct instance *x = &soak.inst[INST_CHAOS];

	printf("soak: %3" PRId64 " s: %" PRIu64 " clients (%u open); answers "
	    "line %" PRIu64 ", raw %" PRIu64 ", chaos %" PRIu64 "; busy %"
	    PRIu64 "; time outs %" PRIu64 "; %u failures\n",
	    (now - soak.start_ms) / 1000, clients_total(), soak.nclients,
	    l->answers, r->answers, x->answers, l->busy + r->busy + x->busy,
	    l->timeouts + r->timeouts, soak.failures);
	fflush(stdout);
}

/* The run: clients of every kind and the signals, for soak.seconds. */
static void
phase_run(void)
{
	int64_t now = now_ms(), end = now + (int64_t)soak.seconds * 1000;
	int64_t next_hup = now + SIGNAL_MS, next_usr1 = now + SIGNAL_MS / 2;
	int64_t next_burst = now + BURST_MS, next_progress = now + PROGRESS_MS;

	while ((now = now_ms()) < end && !soak.aborted) {
		spawn_tick(now, &next_burst);
		signal_tick(now, &next_hup, &next_usr1);
		if (now >= next_progress) {
			next_progress += PROGRESS_MS;
			progress(now);
		}
		loop_once(TICK_MS);
	}
	/* Let the clients end; the signals go on while they do. */
	soak.phase_ms[1] = now_ms();
	soak.winding_down = true;
	end = now_ms() + WIND_DOWN_MS;
	while (soak.nclients > 0 && (now = now_ms()) < end && !soak.aborted) {
		signal_tick(now, &next_hup, &next_usr1);
		loop_once(TICK_MS);
	}
	if (soak.nclients > 0 && !soak.aborted) {
		struct client *c;

		for (c = soak.clients; c != NULL; c = c->next)
			if (!c->done)
				fail(c, "still open %d s after the run ended",
				    WIND_DOWN_MS / 1000);
		sweep_clients();
	}
}

static struct instance *waited;
static unsigned waited_reports;

static bool
report_arrived(void)
{
	return waited->reports > waited_reports;
}

/* SIGUSR1, and wait for the counters line it makes. */
static bool
request_counters(struct instance *in)
{
	waited = in;
	waited_reports = in->reports;
	signal_instance(in, SIGUSR1);
	in->usr1s++;
	if (loop_until(report_arrived, now_ms() + WAIT_MS))
		return true;
	failure(in->name, "no counters line within %d s of SIGUSR1",
	    WAIT_MS / 1000);
	return false;
}

/* Wait until the counters say no connection is active (the clients
 * are gone and sockd has closed them), then take the end sample. */
static void
phase_settle(void)
{
	struct instance *in;
	int64_t deadline;
	int i;

	for (i = 0; i < NINST && !soak.aborted; i++) {
		in = &soak.inst[i];
		deadline = now_ms() + WAIT_MS;
		while (request_counters(in) && in->counters.active > 0 &&
		    now_ms() < deadline)
			loop_once(50);
		if (in->counters.active > 0)
			failure(in->name, "%" PRIu64 " connections still "
			    "active %d s after the last client ended",
			    in->counters.active, WAIT_MS / 1000);
		if (!proc_sample(in->pid, &in->end))
			failure(in->name, "cannot read /proc/%d", (int)in->pid);
	}
}

static unsigned reloads_wanted[NINST];

static bool
all_reloaded(void)
{
	int i;

	for (i = 0; i < NINST; i++)
		if (soak.inst[i].reloads < reloads_wanted[i])
			return false;
	return true;
}

static bool
drain_idle_ready(void)
{
	const struct client *c;

	for (c = soak.clients; c != NULL; c = c->next)
		if (!c->done && c->kind == K_DRAIN_IDLE && c->state == 0)
			return false;
	return true;
}

static bool
late_sent(void)
{
	const struct client *c;

	for (c = soak.clients; c != NULL; c = c->next)
		if (!c->done && c->kind == K_DRAIN_LATE &&
		    (c->state == 0 || c->out->len > 0))
			return false;
	return true;
}

static bool
drain_over(void)
{
	int i;

	for (i = 0; i < NINST; i++)
		if (soak.inst[i].running || soak.inst[i].log_fd >= 0)
			return false;
	return soak.nclients == 0;
}

/* How many drain clients of each sort per instance. */
#define DRAIN_IDLE_N 4
#define DRAIN_ACTIVE_N 6
#define DRAIN_LATE_N 2

/*
 * The drain: a 60 s timeout (so that only the drain closes idle
 * clients), idle and active clients, more than the workers so some are
 * queued, two that connect just before SIGTERM, then SIGTERM to all.
 */
static void
phase_drain(void)
{
	struct instance *in;
	int64_t deadline;
	int i, k;
	bool settled;

	for (i = 0; i < NINST; i++) {
		in = &soak.inst[i];
		in->timeout = DRAIN_TIMEOUT_S;
		write_config(in);
		reloads_wanted[i] = in->reloads + 1;
		signal_instance(in, SIGHUP);
		in->hups++;
	}
	if (!loop_until(all_reloaded, now_ms() + WAIT_MS)) {
		failure("drain", "no reloaded line within %d s of SIGHUP",
		    WAIT_MS / 1000);
		return;
	}
	for (i = 0; i < NINST; i++)
		for (k = 0; k < DRAIN_IDLE_N; k++)
			(void)client_new(K_DRAIN_IDLE, &soak.inst[i]);
	if (!loop_until(drain_idle_ready, now_ms() + WAIT_MS)) {
		failure("drain", "idle clients unanswered after %d s",
		    WAIT_MS / 1000);
		return;
	}
	for (i = 0; i < NINST; i++)
		for (k = 0; k < DRAIN_ACTIVE_N; k++)
			(void)client_new(K_DRAIN_ACTIVE, &soak.inst[i]);
	/* Every one accepted: served by a worker or queued for one. */
	deadline = now_ms() + WAIT_MS;
	do {
		settled = true;
		for (i = 0; i < NINST; i++) {
			in = &soak.inst[i];
			if (!request_counters(in))
				return;
			if (in->counters.active !=
			    DRAIN_IDLE_N + DRAIN_ACTIVE_N)
				settled = false;
		}
		if (!settled)
			loop_once(20);
	} while (!settled && !soak.aborted && now_ms() < deadline);
	if (!settled) {
		for (i = 0; i < NINST; i++)
			failure("drain", "%s: %" PRIu64 " connections active "
			    "after %d s, not the %d drain clients",
			    soak.inst[i].name, soak.inst[i].counters.active,
			    WAIT_MS / 1000, DRAIN_IDLE_N + DRAIN_ACTIVE_N);
		return;
	}
	for (k = 0; k < DRAIN_LATE_N; k++) {
		(void)client_new(K_DRAIN_LATE, &soak.inst[INST_LINE]);
		(void)client_new(K_DRAIN_LATE, &soak.inst[INST_RAW]);
	}
	if (!loop_until(late_sent, now_ms() + WAIT_MS)) {
		failure("drain", "late clients could not send in %d s",
		    WAIT_MS / 1000);
		return;
	}
	soak.term_sent = true;
	soak.term_ms = now_ms();
	for (i = 0; i < NINST; i++) {
		in = &soak.inst[i];
		signal_instance(in, SIGTERM);
		in->term_ms = soak.term_ms;
	}
	if (!loop_until(drain_over, now_ms() + (SHUTDOWN_TIMEOUT_S + 15) *
	    1000)) {
		struct client *c;

		for (c = soak.clients; c != NULL; c = c->next)
			if (!c->done)
				fail(c, "still open %d s after SIGTERM",
				    SHUTDOWN_TIMEOUT_S + 15);
		for (i = 0; i < NINST; i++)
			if (soak.inst[i].running)
				failure(soak.inst[i].name, "still running %d s "
				    "after SIGTERM", SHUTDOWN_TIMEOUT_S + 15);
	}
}

/* ------------------------------------------------------------------ */
/* The checks and the summary. */

/* A failure when a != b. */
static void
expect_equal(const struct instance *in, const char *what, uint64_t a,
    const char *what_b, uint64_t b)
{
	if (a != b)
		failure(in->name, "%s %" PRIu64 " != %s %" PRIu64, what, a,
		    what_b, b);
}

/* A failure when a > b. */
static void
expect_at_most(const struct instance *in, const char *what, uint64_t a,
    const char *what_b, uint64_t b)
{
	if (a > b)
		failure(in->name, "%s %" PRIu64 " > %s %" PRIu64, what, a,
		    what_b, b);
}

/* Check one sockd's end state and its counters against the clients. */
static void
check_instance(struct instance *in)
{
	const struct counters *s = &in->stopped;

	if (in->running)
		return;		/* said already */
	if (in->status != 0)
		failure(in->name, "exit status %d after SIGTERM, not 0",
		    in->status);
	if (in->odd_lines > 0)
		failure(in->name, "%u lines on stderr that are not log lines",
		    in->odd_lines);
	if (!in->stopped_seen) {
		failure(in->name, "no stopped: line");
		return;
	}
	if (in->end.threads != in->start.threads)
		failure(in->name, "%ld threads at the end, %ld at the start",
		    in->end.threads, in->start.threads);
	if (in->end.fds != in->start.fds)
		failure(in->name, "%ld descriptors at the end, %ld at the start",
		    in->end.fds, in->start.fds);
	if (in->end.rss_kib - in->start.rss_kib > soak.rss_bound_kib)
		failure(in->name, "RSS grew by %ld KiB, more than %ld KiB",
		    in->end.rss_kib - in->start.rss_kib, soak.rss_bound_kib);
	expect_equal(in, "stopped: messages", s->messages, "replies",
	    s->replies);
	expect_equal(in, "stopped: accepted", s->accepted,
	    "connections the clients made", in->connected);
	if (in->reloads == 0 || in->reloads > in->hups)
		failure(in->name, "%u reloads logged for %u SIGHUPs",
		    in->reloads, in->hups);
	if (in->exact) {
		expect_equal(in, "stopped: replies", s->replies,
		    "answers the clients received", in->answers);
		expect_equal(in, "stopped: rejected", s->rejected,
		    "busy the clients were told", in->busy);
		expect_equal(in, "stopped: timeouts", s->timeouts,
		    "time outs the clients saw", in->timeouts);
		expect_equal(in, "stopped: errors", s->errors, "none", 0);
	} else {
		expect_at_most(in, "answers the clients received",
		    in->answers, "stopped: replies", s->replies);
		expect_at_most(in, "stopped: messages", s->messages,
		    "messages the clients sent", in->sent);
		expect_at_most(in, "busy the clients were told", in->busy,
		    "stopped: rejected", s->rejected);
	}
	if (in->line && soak.seconds >= 5 &&
	    (in->by_reply[0] == 0 || in->by_reply[1] == 0))
		failure(in->name, "answers with each reply: %" PRIu64 " and %"
		    PRIu64 "; a reload should have switched them",
		    in->by_reply[0], in->by_reply[1]);
}

/* KiB as MiB with one decimal. */
static double
mib(long kib)
{
	return kib / 1024.0;
}

/* Print what one sockd and its clients did. */
static void
summary_instance(const struct instance *in)
{
	const struct counters *s = &in->stopped;
	uint64_t total = 0;
	int k;

	printf("%s (--framing %s%s, %s):\n", in->name, in->line ? "line" :
	    "raw", in->line ? "" : " --echo", in->exact ?
	    "every answer accounted for" : "bounds only");
	printf("  clients:");
	for (k = 0; k < NKINDS; k++)
		if (in->kinds[k] > 0) {
			printf(" %s %" PRIu64 ",", spec_of(k)->name,
			    in->kinds[k]);
			total += in->kinds[k];
		}
	printf(" total %" PRIu64 "\n", total);
	printf("  messages sent %" PRIu64 ", answers received %" PRIu64,
	    in->sent, in->answers);
	if (in->line)
		printf(" (%" PRIu64 " '%s', %" PRIu64 " 'bravo...')",
		    in->by_reply[0], replies[0], in->by_reply[1]);
	printf(", busy %" PRIu64 ", time outs %" PRIu64 ", resets %" PRIu64,
	    in->busy, in->timeouts, in->resets);
	if (in->line)
		printf(", line too long %" PRIu64, in->too_long);
	printf("\n");
	if (in->stopped_seen)
		printf("  sockd stopped: accepted=%" PRIu64 " rejected=%" PRIu64
		    " timeouts=%" PRIu64 " messages=%" PRIu64 " replies=%"
		    PRIu64 " errors=%" PRIu64 " log_dropped=%" PRIu64 "\n",
		    s->accepted, s->rejected, s->timeouts, s->messages,
		    s->replies, s->errors, s->log_dropped);
	printf("  SIGHUP %u (reloaded %u), SIGUSR1 %u (counters %u); log "
	    "lines read %" PRIu64 ", lost %" PRIu64 "\n", in->hups,
	    in->reloads, in->usr1s, in->reports, in->log_lines,
	    in->lines_lost);
	if (soak.aborted) {
		if (!in->running && in->status >= 0 && !soak.term_sent)
			printf("  exited with status %d during the run\n",
			    in->status);
		return;
	}
	printf("  threads %ld -> %ld (%ld-%ld during the run), descriptors "
	    "%ld -> %ld (peak %ld)\n", in->start.threads, in->end.threads,
	    in->threads_min, in->threads_max, in->start.fds, in->end.fds,
	    in->fds_max);
	printf("  RSS %.1f -> %.1f MiB (%+ld KiB, bound %ld KiB), peak "
	    "%.1f MiB\n", mib(in->start.rss_kib), mib(in->end.rss_kib),
	    in->end.rss_kib - in->start.rss_kib, soak.rss_bound_kib,
	    mib(in->end.hwm_kib));
	if (!in->running && in->status >= 0)
		printf("  SIGTERM: exit %d after %" PRId64 " ms; CPU %.1f s\n",
		    in->status, in->exit_ms - in->term_ms, in->cpu_s);
}

/* The version line of the sockd under test. */
static char *
sockd_version(void)
{
	const char *argv[] = { soak.sockd, "--version", NULL };
	char *out = NULL;

	if (!g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL,
	    NULL, &out, NULL, NULL, NULL) || out == NULL)
		return g_strdup("(sockd --version failed)");
	return g_strstrip(out);
}

/* A positive number from the environment, or fallback. */
static long
env_number(const char *name, long fallback)
{
	const char *text = g_getenv(name);
	char *end;
	long n;

	if (text == NULL || *text == '\0')
		return fallback;
	n = strtol(text, &end, 10);
	if (*end != '\0' || n <= 0) {
		fprintf(stderr, "soak: %s: '%s' is not a positive number\n",
		    name, text);
		exit(2);
	}
	return n;
}

/* Remove the configuration files and their directory. */
static void
remove_dir(void)
{
	int i;

	for (i = 0; i < NINST; i++)
		if (soak.inst[i].conf != NULL)
			g_unlink(soak.inst[i].conf);
	g_rmdir(soak.dir);
}

int
main(int argc, char **argv)
{
	GError *error = NULL;
	struct rusage ru;
	char *version;
	int64_t took;
	int i;

	soak.sockd = argc > 1 ? argv[1] : g_getenv("SOCKD");
	if (soak.sockd == NULL || argc > 2) {
		fprintf(stderr, "usage: soak [SOCKD] (or SOCKD=path); "
		    "SOAK_SECONDS, SOAK_SEED, SOAK_RSS_MIB\n");
		return 2;
	}
	soak.seconds = (unsigned)env_number("SOAK_SECONDS", 300);
	soak.seed = (guint32)env_number("SOAK_SEED",
	    (long)(g_get_real_time() % 1000000000) + 1);
	soak.rss_bound_kib = env_number("SOAK_RSS_MIB", 4) * 1024;
	soak.rand = g_rand_new_with_seed(soak.seed);
	soak.dir = g_dir_make_tmp("sockd-soak-XXXXXX", &error);
	if (soak.dir == NULL) {
		fprintf(stderr, "soak: %s\n", error->message);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	soak.epfd = epoll_create1(EPOLL_CLOEXEC);
	if (soak.epfd < 0) {
		perror("soak: epoll_create1");
		return 2;
	}
	version = sockd_version();
	printf("soak: %u s against %s [%s], seed %u\n", soak.seconds,
	    soak.sockd, version, soak.seed);
	printf("soak: each sockd: --workers %d --queue %d, timeout %d s, "
	    "--max-line %d; SIGHUP and SIGUSR1 every second\n", WORKERS,
	    QUEUE, TIMEOUT_S, MAX_LINE);
	fflush(stdout);
	g_free(version);

	soak.start_ms = now_ms();
	phase_start();
	soak.phase_ms[0] = soak.phase_ms[1] = soak.phase_ms[2] =
	    soak.phase_ms[3] = now_ms();
	if (!soak.aborted)
		phase_run();
	soak.phase_ms[2] = now_ms();
	if (!soak.aborted)
		phase_settle();
	soak.phase_ms[3] = now_ms();
	if (!soak.aborted)
		phase_drain();
	took = now_ms() - soak.start_ms;
	for (i = 0; i < NINST; i++) {
		if (soak.inst[i].running) {
			kill(soak.inst[i].pid, SIGKILL);
			waitpid(soak.inst[i].pid, NULL, 0);
			soak.inst[i].running = false;
			soak.inst[i].status = -1;
		} else if (!soak.aborted)
			check_instance(&soak.inst[i]);
	}

	getrusage(RUSAGE_SELF, &ru);
	printf("\nsoak: summary after %.1f s: %" PRIu64 " clients; the soak's "
	    "own CPU %.1f s\n", took / 1000.0, clients_total(),
	    ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
	    (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6);
	printf("soak: start %.1f s, run %.1f s, wind-down %.1f s, settle %.1f "
	    "s, drain %.1f s\n", (soak.phase_ms[0] - soak.start_ms) / 1000.0,
	    (soak.phase_ms[1] - soak.phase_ms[0]) / 1000.0,
	    (soak.phase_ms[2] - soak.phase_ms[1]) / 1000.0,
	    (soak.phase_ms[3] - soak.phase_ms[2]) / 1000.0,
	    (soak.start_ms + took - soak.phase_ms[3]) / 1000.0);
	for (i = 0; i < NINST; i++) {
		summary_instance(&soak.inst[i]);
		if (soak.inst[i].log_copy != NULL)
			fclose(soak.inst[i].log_copy);
	}
	remove_dir();
	if (soak.failures > 0 || soak.aborted) {
		printf("soak: FAILED: %u failures (see above)%s\n",
		    soak.failures, soak.aborted ? "; the run was cut short" :
		    "");
		return 1;
	}
	printf("soak: passed\n");
	return 0;
}
