/*
 * soak-client.c - a soak client's connection: connecting, sending what
 * its kind queued, reading, timers, its end; and the epoll loop that
 * drives every client and reads the sockd logs.  What a client sends and
 * how it judges the answers is its kind's (soak-kinds.c).
 */
#include "build-config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <glib.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "soak.h"

/* A client that moves no byte for this long is stuck. */
#define STALL_MS 60000

/* The epoll set: every client's socket and every sockd's log. */
static int epfd = -1;

/* The clients, newest first; the done ones until the next sweep. */
static struct client *clients;
static unsigned nclients;		/* not done */
static unsigned live[NKINDS];		/* not done, by kind */
static unsigned next_id;
static int64_t last_reap_ms;

/* Make the epoll set. */
void
loop_init(void)
{
	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (epfd < 0) {
		perror("soak: epoll_create1");
		exit(2);
	}
}

/* Watch fd for events; watched begins with its enum watch_type. */
void
watch_add(int fd, uint32_t events, void *watched)
{
	struct epoll_event ev;

	ev.events = events;
	ev.data.ptr = watched;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		perror("soak: epoll_ctl");
		exit(2);
	}
}

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
void
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
	nclients--;
	live[c->kind]--;
}

/* A failure of this client, which ends it. */
void G_GNUC_PRINTF(2, 3)
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
	if (epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev) < 0) {
		perror("soak: epoll_ctl");
		exit(2);
	}
	c->events = want;
}

/* Start a client of kind on in; NULL (a failure counted) if it could
 * not even begin to connect. */
struct client *
client_new(enum kind kind, struct instance *in)
{
	const struct kind_spec *spec = spec_of(kind);
	struct sockaddr_in sin = { .sin_family = AF_INET };
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
	c->id = ++next_id;
	c->fd = fd;
	c->connecting = true;
	c->reads = spec->reads;
	c->wake_ms = c->release_ms = -1;
	c->progress_ms = now_ms();
	c->out = g_string_new(NULL);
	c->in = g_string_new(NULL);
	c->owed = g_byte_array_new();
	c->expect = g_string_new(NULL);
	c->next = clients;
	clients = c;
	nclients++;
	live[kind]++;
	in->kinds[kind]++;
	/* Writable once connected: a loopback connect is seldom pending. */
	c->events = EPOLLOUT;
	watch_add(fd, c->events, c);
	return c;
}

/* Free the clients that are done. */
void
clients_sweep(void)
{
	struct client **link = &clients, *c;

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
void
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
void
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

	for (c = clients; c != NULL; c = c->next) {
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

/* Clients not done. */
unsigned
clients_open(void)
{
	return nclients;
}

/* Clients of a kind not done. */
unsigned
clients_live(enum kind kind)
{
	return live[kind];
}

/* Whether a client not done matches. */
bool
clients_any(bool (*match)(const struct client *))
{
	const struct client *c;

	for (c = clients; c != NULL; c = c->next)
		if (!c->done && match(c))
			return true;
	return false;
}

/* Fail every client not done: still open seconds after something. */
void
clients_fail_open(int seconds, const char *after)
{
	struct client *c;

	for (c = clients; c != NULL; c = c->next)
		if (!c->done)
			fail(c, "still open %d s after %s", seconds, after);
}

/* ------------------------------------------------------------------ */
/* The loop. */

/* Wait up to max_ms for events and timers, and handle them. */
void
loop_once(int max_ms)
{
	struct epoll_event events[64];
	int64_t now = now_ms(), next = now + max_ms;
	struct client *c;
	enum watch_type *watch;
	int n, i;

	for (c = clients; c != NULL; c = c->next) {
		if (c->done)
			continue;
		if (c->wake_ms >= 0 && c->wake_ms < next)
			next = c->wake_ms;
		if (c->release_ms >= 0 && c->release_ms < next)
			next = c->release_ms;
	}
	n = epoll_wait(epfd, events, G_N_ELEMENTS(events),
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
	if (now - last_reap_ms >= 100) {
		last_reap_ms = now;
		for (i = 0; i < NINST; i++)
			reap(&instances[i]);
	}
	clients_sweep();
}

/* Run the loop until done() or the deadline; false at the deadline. */
bool
loop_until(bool (*done)(void), int64_t deadline)
{
	while (!done()) {
		if (now_ms() >= deadline || run.aborted)
			return false;
		loop_once(50);
	}
	return true;
}

