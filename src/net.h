/*
 * net.h - address parsing and socket helpers.  Parsing is pure; the
 * helpers each do one thing and report failures as text naming the
 * address and the cause, for the caller to print.
 */
#ifndef SOCKD_NET_H
#define SOCKD_NET_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define NET_HOST_MAX 256
#define NET_ERR_MAX 512

struct listen_addr {
	char host[NET_HOST_MAX];	/* empty: every address (wildcard) */
	unsigned port;
};

/*
 * Parse "ADDR[:PORT]": "127.0.0.1:8001", "[::1]:8001", "::1", "localhost",
 * "*:8001".  A missing port is default_port.  Returns -1 with a message
 * in err on a bad port or bracket.
 */
int net_parse_listen(const char *spec, unsigned default_port,
    struct listen_addr *addr, char *err, size_t errsz);

/* Format a socket address as ADDR:PORT, IPv6 in brackets. */
void net_format_addr(const struct sockaddr *sa, socklen_t len, char *out,
    size_t outsz);

/*
 * Bind and listen on every address the listen_addr resolves to (with
 * SO_REUSEPORT if asked), appending
 * the descriptors to fds (at most max in all, *nfds counts them).
 * Returns 0, or -1 with err filled ("bind 127.0.0.1:8001: Address already
 * in use").
 */
int net_listen(const struct listen_addr *addr, int backlog, bool reuseport,
    int *fds, size_t max, size_t *nfds, char *err, size_t errsz);

/*
 * poll(2) until deadline_ms on the monotonic clock (clock_now_ms(); -1:
 * no deadline), retrying after signals with the time then left; once the
 * deadline has passed, poll looks once without waiting.  Returns what
 * poll returns: the number of ready fds, 0 at the deadline, -1 with errno.
 */
int net_poll_until(struct pollfd *pfds, nfds_t n, int64_t deadline_ms);

/*
 * Send all of buf without SIGPIPE; 0, or -1 with errno set.  While the
 * peer does not read, wait: every byte that leaves (into the socket, or
 * acknowledged by the peer) starts the wait again, and a wait that sees
 * no progress for timeout_ms (0: no limit) ends with ETIMEDOUT, as does
 * deadline_ms on the monotonic clock (clock_now_ms(); -1: none),
 * progress or not.  A readable wake_fd (-1: none) ends the wait with
 * ECANCELED.  *sent (may be NULL) counts the bytes that left, also when
 * the send fails part way.
 */
int net_send_until(int fd, const char *buf, size_t len, int timeout_ms,
    int64_t deadline_ms, int wake_fd, size_t *sent);

/*
 * How many times in one timeout a wait on a peer that is slow to take
 * what was sent looks whether it took any: a reader too slow to wake
 * poll() is seen to progress, and one that stopped is cut off at most a
 * quarter of the timeout late.
 */
#define NET_PROGRESS_LOOKS 4

/*
 * Bytes sent on fd that the peer has not acknowledged yet, still queued
 * or in flight; -1 if the kernel will not say.  Falling means the peer
 * is taking them.
 */
int net_unacknowledged(int fd);

/* net_send_until() with no deadline but the peer's progress. */
int net_send_all(int fd, const char *buf, size_t len, int timeout_ms,
    int wake_fd, size_t *sent);

/*
 * Close without destroying answers the peer has not read yet: send our
 * FIN, then read and discard what the peer still sends for up to
 * linger_ms, so close() does not turn unread input into a reset.
 */
void net_close_lingering(int fd, int linger_ms);
/* Close with a reset (RST): SO_LINGER with no time, then close. */
void net_close_reset(int fd);

#endif
