/*
 * listener.c - listening sockets and the accept loop.  One poll() covers
 * every listening socket and the signalfd, so the main thread sleeps
 * until a client or a signal arrives.
 */
#include "build-config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sysexits.h>
#include <unistd.h>

#include "clock.h"
#include "conn.h"
#include "listener.h"
#include "live.h"
#include "log.h"
#include "net.h"
#include "notify.h"
#include "perip.h"
#include "signals.h"
#include "stats.h"

#define BUSY_TEXT "busy\n"
/* Accepts per wake-up per socket, so one busy socket cannot starve others. */
#define ACCEPT_BATCH 64
/* Pause after running out of descriptors: long enough not to spin. */
#define EMFILE_PAUSE_MS 100
/*
 * At shutdown, how long the listening sockets must stay quiet before they
 * are closed: long enough for a handshake already answered to complete.
 */
#define HANDOVER_QUIET_MS 100
/* The longest a hand-over takes, however many clients keep coming. */
#define HANDOVER_MAX_MS 1000

/* Listen on every address in s; log each with its real port. */
int
listener_open(struct listener *l, const struct settings *s, char *err,
    size_t errsz)
{
	struct sockaddr_storage ss;
	socklen_t len;
	char name[NET_HOST_MAX + 16];
	size_t i;

	int inherited;

	memset(l, 0, sizeof *l);
	l->last_warning = INT64_MIN / 2;
	/* Kept for the moment descriptors run out: see reject_on_spare. */
	l->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (l->spare_fd < 0) {
		snprintf(err, errsz, "/dev/null: %s", strerror(errno));
		return -1;
	}
	/* Sockets from systemd replace --listen. */
	inherited = notify_listen_fds(l->fds, LISTENER_MAX, err, errsz);
	if (inherited < 0)
		return -1;
	l->nfds = (size_t)inherited;
	l->from_systemd = inherited > 0;
	for (i = 0; inherited == 0 && i < s->nlisten; i++)
		if (net_listen(&s->listen[i], (int)s->backlog, s->reuseport,
		    l->fds, LISTENER_MAX, &l->nfds, err, errsz) < 0) {
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
		log_notice("listening on %s%s", name,
		    inherited > 0 ? " (socket from systemd)" : "");
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
	if (l->spare_fd >= 0)
		close(l->spare_fd);
	l->spare_fd = -1;
}

/* The queue is full, or the address holds its share: say so, close. */
static void
reject_busy(const struct queue_item *item, enum close_reason reason)
{
	struct conn_totals totals = { 0, 0, 0 };

	if (send(item->fd, BUSY_TEXT, sizeof BUSY_TEXT - 1,
	    MSG_DONTWAIT | MSG_NOSIGNAL) == (ssize_t)sizeof BUSY_TEXT - 1)
		totals.bytes_out = sizeof BUSY_TEXT - 1;
	net_close_lingering(item->fd, 0);
	stats_add(&stats.rejected, 1);
	if (item->perip != NULL)
		perip_release(item->perip, &item->perip_key);
	conn_log_closed(item, reason, &totals, 0);
}

/* Take a place for the client's address under --max-per-ip; false if
 * the address holds its share already. */
static bool
admit_address(struct queue_item *item, struct perip_table *perip,
    const struct sockaddr *sa, socklen_t len)
{
	unsigned limit = live_current()->max_per_ip;

	item->perip = NULL;
	if (limit == 0 || !perip_key_from(sa, len, &item->perip_key))
		return true;
	if (!perip_acquire(perip, &item->perip_key, limit))
		return false;
	item->perip = perip;
	return true;
}

/* Accept one client on lfd into item, counted; -1 with errno. */
static int
accept_one(int lfd, struct queue_item *item, struct sockaddr_storage *ss,
    socklen_t *len)
{
	*len = sizeof *ss;
	item->fd = accept4(lfd, (struct sockaddr *)ss, len, SOCK_CLOEXEC);
	if (item->fd < 0)
		return -1;
	item->accepted_ms = clock_now_ms();
	item->perip = NULL;
	net_format_addr((struct sockaddr *)ss, *len, item->peer,
	    sizeof item->peer);
	stats_add(&stats.accepted, 1);
	log_debug("%s: accepted", item->peer);
	return 0;
}

/*
 * Out of descriptors: give up the spare one, accept a waiting client on
 * it, tell it busy, and take the spare back.  False when there was no
 * spare or no client.  Without this, clients would wait unanswered in
 * the backlog for as long as descriptors stay short.
 */
static bool
reject_on_spare(struct listener *l, int lfd)
{
	struct sockaddr_storage ss;
	struct queue_item item;
	socklen_t len;
	int rc;

	if (l->spare_fd < 0)
		return false;
	close(l->spare_fd);
	rc = accept_one(lfd, &item, &ss, &len);
	if (rc == 0)
		reject_busy(&item, CLOSE_BUSY);
	l->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	return rc == 0;
}

/* Warn about running out of descriptors, once a second at most. */
static void
warn_out_of_descriptors(struct listener *l, const char *what)
{
	int64_t now = clock_now_ms();

	if (now - l->last_warning < 1000)
		return;
	log_warn("accept (%s)", what);
	l->last_warning = now;
}

/* Accept what is waiting on one socket; -1 when out of descriptors. */
static int
accept_batch(struct listener *l, int lfd, struct queue *q,
    struct perip_table *perip)
{
	struct sockaddr_storage ss;
	struct queue_item item;
	socklen_t len;
	size_t depth;
	int i;

	for (i = 0; i < ACCEPT_BATCH; i++) {
		if (accept_one(lfd, &item, &ss, &len) < 0) {
			if (errno == EMFILE || errno == ENFILE) {
				warn_out_of_descriptors(l, "answering busy");
				if (reject_on_spare(l, lfd))
					continue;
			}
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
		if (!admit_address(&item, perip, (struct sockaddr *)&ss, len)) {
			reject_busy(&item, CLOSE_PER_IP);
			continue;
		}
		/* Numbered in the one accepting thread: the same order of
		 * connections gives the same numbers, and the same faults. */
		item.seq = l->queued + 1;
		depth = queue_push(q, &item);
		if (depth == 0) {
			reject_busy(&item, CLOSE_BUSY);
			continue;
		}
		l->queued++;
		log_debug("%s: queued at depth %zu", item.peer, depth);
	}
	return 0;
}

/* Accept until a signal arrives or tick_ms (-1: no tick) passes. */
void
listener_run(struct listener *l, struct queue *q, struct perip_table *perip,
    int tick_ms)
{
	struct pollfd pfds[LISTENER_MAX + 1];
	int64_t now, deadline = tick_ms < 0 ? -1 : clock_now_ms() + tick_ms;
	size_t i, npfds;
	int rc, wait_ms;

	for (;;) {
		now = clock_now_ms();
		if (deadline >= 0 && now >= deadline)
			return;
		pfds[0].fd = signals_fd();
		pfds[0].events = POLLIN;
		npfds = 1;
		/* While out of descriptors, listen only for signals. */
		if (now >= l->paused_until)
			for (i = 0; i < l->nfds; i++, npfds++) {
				pfds[npfds].fd = l->fds[i];
				pfds[npfds].events = POLLIN;
			}
		wait_ms = deadline < 0 ? -1 : (int)(deadline - now);
		if (npfds == 1 && (wait_ms < 0 || wait_ms > EMFILE_PAUSE_MS))
			wait_ms = EMFILE_PAUSE_MS;
		rc = poll(pfds, npfds, wait_ms);
		if (rc < 0 && errno != EINTR)
			fatal(EX_OSERR, "poll");
		if (rc <= 0)
			continue;
		if (pfds[0].revents != 0)
			return;
		for (i = 1; i < npfds; i++) {
			if (pfds[i].revents == 0 ||
			    accept_batch(l, pfds[i].fd, q, perip) == 0)
				continue;
			l->paused_until = clock_now_ms() + EMFILE_PAUSE_MS;
			warn_out_of_descriptors(l, "pausing");
			break;
		}
	}
}

/*
 * Refuse new handshakes on fd without refusing the ones under way: a
 * classic BPF filter drops every segment with SYN set, so a client's SYN
 * goes unanswered (it retries, and finds a sibling with --reuseport, or a
 * refusal once the socket is closed), while the ACK that completes a
 * handshake already answered still comes in.  Unlike a close, this
 * resets nobody.
 */
static int
refuse_new_handshakes(int fd)
{
	/* The filter sees the TCP header; byte 13 holds the flags. */
	struct sock_filter drop_syn[] = {
		BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 13),
		BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x02, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, 0),
		BPF_STMT(BPF_RET | BPF_K, 0xffffffff),
	};
	struct sock_fprog prog = {
		.len = sizeof drop_syn / sizeof drop_syn[0],
		.filter = drop_syn,
	};

	return setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog,
	    sizeof prog);
}

/* True when the kernel hands a closing reuseport listener's queue to a
 * sibling (net.ipv4.tcp_migrate_req). */
static bool
kernel_migrates(void)
{
	char c = '0';
	int fd = open("/proc/sys/net/ipv4/tcp_migrate_req", O_RDONLY |
	    O_CLOEXEC);

	if (fd < 0)
		return false;
	if (read(fd, &c, 1) != 1)
		c = '0';
	close(fd);
	return c == '1';
}

/*
 * Accept what the sockets in pfds hold until they have been quiet for
 * quiet_ms (0: until nothing is left), and in any case not past end:
 * where no filter holds new clients back, they could come for ever.
 */
static void
take_until_quiet(struct listener *l, struct pollfd *pfds, struct queue *q,
    struct perip_table *perip, int quiet_ms, int64_t end)
{
	int64_t quiet_until = clock_now_ms() + quiet_ms;
	size_t i;

	while (net_poll_until(pfds, l->nfds, quiet_until < end ? quiet_until :
	    end) > 0) {
		for (i = 0; i < l->nfds; i++)
			if (pfds[i].revents != 0)
				accept_batch(l, l->fds[i], q, perip);
		if (clock_now_ms() >= end)
			break;
		quiet_until = clock_now_ms() + quiet_ms;
	}
}

/* Stop listening without resetting a client the kernel already took. */
void
listener_hand_over(struct listener *l, bool reuseport, struct queue *q,
    struct perip_table *perip)
{
	struct pollfd pfds[LISTENER_MAX];
	bool filtered = true;
	size_t i;

	/* Closing, the kernel moves the queue to a sibling, or systemd
	 * keeps it for the next sockd: nothing to do.  A filter left on
	 * systemd's socket would turn away every client from now on. */
	if (l->from_systemd || (reuseport && kernel_migrates())) {
		listener_close(l);
		return;
	}
	for (i = 0; i < l->nfds; i++) {
		if (refuse_new_handshakes(l->fds[i]) < 0)
			filtered = false;
		pfds[i].fd = l->fds[i];
		pfds[i].events = POLLIN;
	}
	/* Some kernels allow socket filters only with privileges sockd
	 * has given up: then what is queued now is taken, and a client
	 * that completes its handshake as the sockets close is reset. */
	if (!filtered)
		log_warn("hand-over: cannot filter new clients out; taking "
		    "what is queued, then closing");
	take_until_quiet(l, pfds, q, perip, filtered ? HANDOVER_QUIET_MS : 0,
	    clock_now_ms() + HANDOVER_MAX_MS);
	listener_close(l);
}
