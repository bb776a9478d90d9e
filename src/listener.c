/*
 * listener.c - listening sockets and the accept loop.  One poll() covers
 * every listening socket and the signal pipe, so the main thread sleeps
 * until a client or a signal arrives.
 */
#include "build-config.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "conn.h"
#include "listener.h"
#include "log.h"
#include "net.h"
#include "signals.h"
#include "stats.h"

#define BUSY_TEXT "busy\n"
/* Accepts per wake-up per socket, so one busy socket cannot starve others. */
#define ACCEPT_BATCH 64
/* Pause after running out of descriptors: long enough not to spin. */
#define EMFILE_PAUSE_MS 100

/* Listen on every address in s; log each with its real port. */
int
listener_open(struct listener *l, const struct settings *s, char *err,
    size_t errsz)
{
	struct sockaddr_storage ss;
	socklen_t len;
	char name[NET_HOST_MAX + 16];
	size_t i;

	l->nfds = 0;
	for (i = 0; i < s->nlisten; i++)
		if (net_listen(&s->listen[i], (int)s->backlog, l->fds,
		    LISTENER_MAX, &l->nfds, err, errsz) < 0) {
			listener_close(l);
			return -1;
		}
	for (i = 0; i < l->nfds; i++) {
		len = sizeof ss;
		if (getsockname(l->fds[i], (struct sockaddr *)&ss, &len) < 0) {
			snprintf(err, errsz, "getsockname: %s", strerror(errno));
			listener_close(l);
			return -1;
		}
		net_format_addr((struct sockaddr *)&ss, len, name, sizeof name);
		log_notice("listening on %s", name);
	}
	return 0;
}

/* Close the listening sockets. */
void
listener_close(struct listener *l)
{
	size_t i;

	for (i = 0; i < l->nfds; i++)
		close(l->fds[i]);
	l->nfds = 0;
}

/* The queue is full: say so and close at once. */
static void
reject_busy(struct queue_item *item)
{
	struct conn_totals totals = { 0, 0, 0 };

	if (send(item->fd, BUSY_TEXT, sizeof BUSY_TEXT - 1,
	    MSG_DONTWAIT | MSG_NOSIGNAL) == (ssize_t)sizeof BUSY_TEXT - 1)
		totals.bytes_out = sizeof BUSY_TEXT - 1;
	net_close_lingering(item->fd, 0);
	stats_add(&stats.rejected, 1);
	conn_log_closed(item, CLOSE_BUSY, &totals, 0);
}

/* Accept what is waiting on one socket; -1 when out of descriptors. */
static int
accept_batch(int lfd, struct queue *q)
{
	struct sockaddr_storage ss;
	struct queue_item item;
	socklen_t len;
	size_t depth;
	int i;

	for (i = 0; i < ACCEPT_BATCH; i++) {
		len = sizeof ss;
		item.fd = accept4(lfd, (struct sockaddr *)&ss, &len,
		    SOCK_CLOEXEC);
		if (item.fd < 0) {
			if (errno == EMFILE || errno == ENFILE ||
			    errno == ENOBUFS || errno == ENOMEM)
				return -1;
			/* EAGAIN: drained; others (ECONNABORTED, EPROTO...)
			 * concern one client, not us. */
			if (errno != EAGAIN && errno != EWOULDBLOCK &&
			    errno != EINTR && errno != ECONNABORTED)
				log_warn("accept");
			return 0;
		}
		item.accepted_ms = clock_now_ms();
		net_format_addr((struct sockaddr *)&ss, len, item.peer,
		    sizeof item.peer);
		stats_add(&stats.accepted, 1);
		log_debug("%s: accepted", item.peer);
		depth = queue_push(q, &item);
		if (depth == 0)
			reject_busy(&item);
		else
			log_debug("%s: queued at depth %zu", item.peer, depth);
	}
	return 0;
}

/* Act on signals; true when sockd should stop. */
static int
handle_signals(void)
{
	struct signal_requests req;
	char line[512];

	signals_take(&req);
	if (req.report) {
		stats_format(line, sizeof line);
		log_notice("counters: %s", line);
	}
	if (req.reload)
		log_notice("SIGHUP: no configuration file to reload");
	return req.shutdown;
}

/* Accept until a shutdown is requested. */
void
listener_run(struct listener *l, struct queue *q)
{
	struct pollfd pfds[LISTENER_MAX + 1];
	int64_t paused_until = 0, last_warning = 0;
	size_t i, npfds;
	int rc;

	for (;;) {
		pfds[0].fd = signals_fd();
		pfds[0].events = POLLIN;
		npfds = 1;
		/* While out of descriptors, listen only for signals. */
		if (clock_now_ms() >= paused_until)
			for (i = 0; i < l->nfds; i++, npfds++) {
				pfds[npfds].fd = l->fds[i];
				pfds[npfds].events = POLLIN;
			}
		rc = poll(pfds, npfds, npfds == 1 ? EMFILE_PAUSE_MS : -1);
		if (rc < 0 && errno != EINTR)
			fatal(71, "poll");
		if (rc <= 0)
			continue;
		if (pfds[0].revents != 0 && handle_signals())
			return;
		for (i = 1; i < npfds; i++) {
			if (pfds[i].revents == 0 ||
			    accept_batch(pfds[i].fd, q) == 0)
				continue;
			paused_until = clock_now_ms() + EMFILE_PAUSE_MS;
			if (paused_until - last_warning >= 1000) {
				log_warn("accept (pausing %d ms)",
				    EMFILE_PAUSE_MS);
				last_warning = paused_until;
			}
			break;
		}
	}
}
