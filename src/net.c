/*
 * net.c - address parsing and socket helpers.
 */
#include "build-config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/sockios.h>

#include "clock.h"
#include "net.h"
#include "number.h"

/* Parse a decimal port 0-65535. */
static int
parse_port(const char *text, unsigned *port)
{
	unsigned long long value;

	if (number_parse(text, 0, 65535, &value) < 0)
		return -1;
	*port = (unsigned)value;
	return 0;
}

/* Copy a host name, refusing one that does not fit. */
static int
copy_host(struct listen_addr *addr, const char *host, size_t len)
{
	if (len >= sizeof addr->host)
		return -1;
	memcpy(addr->host, host, len);
	addr->host[len] = '\0';
	if (strcmp(addr->host, "*") == 0)
		addr->host[0] = '\0';
	return 0;
}

/* Parse "ADDR[:PORT]"; see net.h. */
int
net_parse_listen(const char *spec, unsigned default_port,
    struct listen_addr *addr, char *err, size_t errsz)
{
	const char *colon, *close, *port_text = NULL;
	size_t host_len;

	addr->port = default_port;
	if (spec[0] == '[') {
		close = strchr(spec, ']');
		if (close == NULL || (close[1] != '\0' && close[1] != ':')) {
			snprintf(err, errsz,
			    "'%s': expected [ADDR] or [ADDR]:PORT", spec);
			return -1;
		}
		if (close[1] == ':')
			port_text = close + 2;
		spec++;
		host_len = (size_t)(close - spec);
	} else {
		colon = strchr(spec, ':');
		/* Two or more colons: a bare IPv6 address, no port. */
		if (colon != NULL && strchr(colon + 1, ':') == NULL)
			port_text = colon + 1;
		host_len = port_text ? (size_t)(colon - spec) : strlen(spec);
	}
	if (host_len == 0) {
		snprintf(err, errsz, "'%s': empty address", spec);
		return -1;
	}
	if (copy_host(addr, spec, host_len) < 0) {
		snprintf(err, errsz, "'%.40s...': address too long", spec);
		return -1;
	}
	if (port_text != NULL && parse_port(port_text, &addr->port) < 0) {
		snprintf(err, errsz, "'%s': port must be 0-65535", port_text);
		return -1;
	}
	return 0;
}

/* Format a socket address as ADDR:PORT, IPv6 in brackets. */
void
net_format_addr(const struct sockaddr *sa, socklen_t len, char *out,
    size_t outsz)
{
	char host[NI_MAXHOST], port[NI_MAXSERV];

	if (getnameinfo(sa, len, host, sizeof host, port, sizeof port,
	    NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
		snprintf(out, outsz, "?");
		return;
	}
	if (sa->sa_family == AF_INET6)
		snprintf(out, outsz, "[%s]:%s", host, port);
	else
		snprintf(out, outsz, "%s:%s", host, port);
}

/* Name a listen_addr for messages: the spec the user would write. */
static void
format_spec(const struct listen_addr *addr, char *out, size_t outsz)
{
	const char *host = addr->host[0] ? addr->host : "*";

	if (strchr(host, ':') != NULL)
		snprintf(out, outsz, "[%s]:%u", host, addr->port);
	else
		snprintf(out, outsz, "%s:%u", host, addr->port);
}

/* Create, configure, bind and listen one socket; -1 with err filled. */
static int
listen_one(const struct addrinfo *ai, int backlog, bool reuseport, char *err,
    size_t errsz)
{
	char name[NI_MAXHOST + 16];
	int fd, on = 1;

	net_format_addr(ai->ai_addr, ai->ai_addrlen, name, sizeof name);
	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC |
	    SOCK_NONBLOCK, ai->ai_protocol);
	if (fd < 0) {
		snprintf(err, errsz, "socket %s: %s", name, strerror(errno));
		return -1;
	}
	/* SO_REUSEADDR: restart while old connections sit in TIME_WAIT. */
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) < 0)
		goto fail_errno;
	/* REUSEPORT: several sockd processes share the port's load. */
	if (reuseport && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on,
	    sizeof on) < 0)
		goto fail_errno;
	/* V6ONLY: [::] and 0.0.0.0 are separate entries, as the user wrote. */
	if (ai->ai_family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6,
	    IPV6_V6ONLY, &on, sizeof on) < 0)
		goto fail_errno;
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
		snprintf(err, errsz, "bind %s: %s", name, strerror(errno));
		close(fd);
		return -1;
	}
	if (listen(fd, backlog) < 0) {
		snprintf(err, errsz, "listen %s: %s", name, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;

fail_errno:
	snprintf(err, errsz, "setsockopt %s: %s", name, strerror(errno));
	close(fd);
	return -1;
}

/* Bind and listen on every address the listen_addr resolves to. */
int
net_listen(const struct listen_addr *addr, int backlog, bool reuseport,
    int *fds, size_t max, size_t *nfds, char *err, size_t errsz)
{
	struct addrinfo hints, *list, *ai;
	char port[16], spec[NET_HOST_MAX + 16];
	int rc, fd;

	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	snprintf(port, sizeof port, "%u", addr->port);
	format_spec(addr, spec, sizeof spec);
	rc = getaddrinfo(addr->host[0] ? addr->host : NULL, port, &hints,
	    &list);
	if (rc != 0) {
		snprintf(err, errsz, "resolve %s: %s", spec,
		    rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
		return -1;
	}
	for (ai = list; ai != NULL; ai = ai->ai_next) {
		if (*nfds == max) {
			snprintf(err, errsz, "%s: too many listening sockets",
			    spec);
			freeaddrinfo(list);
			return -1;
		}
		fd = listen_one(ai, backlog, reuseport, err, errsz);
		if (fd < 0) {
			freeaddrinfo(list);
			return -1;
		}
		fds[(*nfds)++] = fd;
	}
	freeaddrinfo(list);
	return 0;
}

/* Poll until a monotonic deadline, retrying after signals; see net.h. */
int
net_poll_until(struct pollfd *pfds, nfds_t n, int64_t deadline_ms)
{
	int64_t left;
	int rc;

	for (;;) {
		left = deadline_ms < 0 ? -1 : deadline_ms - clock_now_ms();
		if (deadline_ms >= 0 && left < 0)
			left = 0;	/* past it: look once, do not wait */
		/* poll takes an int: a deadline further off is waited for
		 * in pieces. */
		rc = poll(pfds, n, left > INT_MAX ? INT_MAX : (int)left);
		if ((rc < 0 && errno == EINTR) || (rc == 0 && left > INT_MAX))
			continue;
		return rc;
	}
}

/*
 * Wait until fd is writable or wake_fd (-1: none, which poll skips)
 * readable: 1 writable, 2 woken, 0 timed out, -1 error.
 */
static int
wait_writable(int fd, int wake_fd, int64_t deadline_ms)
{
	struct pollfd pfd[2] = {
		{ .fd = fd, .events = POLLOUT },
		{ .fd = wake_fd, .events = POLLIN },
	};
	int rc;

	rc = net_poll_until(pfd, 2, deadline_ms);
	if (rc <= 0)
		return rc;
	return pfd[0].revents != 0 ? 1 : 2;
}

/* Bytes sent the peer has not acknowledged yet; see net.h. */
int
net_unacknowledged(int fd)
{
	int queued;

	if (ioctl(fd, SIOCOUTQ, &queued) < 0)
		return -1;
	return queued;
}

/* The earlier of two deadlines, where -1 is none. */
static int64_t
earlier(int64_t a, int64_t b)
{
	if (a < 0)
		return b;
	if (b < 0)
		return a;
	return a < b ? a : b;
}

/* Send all of buf, giving up on a peer that stops reading; see net.h. */
int
net_send_until(int fd, const char *buf, size_t len, int timeout_ms,
    int64_t deadline_ms, int wake_fd, size_t *sent)
{
	int64_t stall_end = -1, look;
	int queued = -1, now_queued, rc;
	size_t total = 0;
	ssize_t n;

	if (sent == NULL)
		sent = &total;
	*sent = 0;
	while (len > 0) {
		n = send(fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n > 0) {
			buf += n;
			len -= (size_t)n;
			*sent += (size_t)n;
			stall_end = -1;		/* progress: a new wait */
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
			return -1;
		/* The peer is not reading now: wait, but not forever. */
		if (stall_end < 0 && timeout_ms > 0) {
			stall_end = clock_now_ms() + timeout_ms;
			queued = net_unacknowledged(fd);
		}
		/*
		 * A slow reader frees too little room to wake poll, so look
		 * now and then whether it acknowledged anything meanwhile.
		 */
		look = stall_end < 0 ? -1 : clock_now_ms() +
		    timeout_ms / NET_PROGRESS_LOOKS + 1;
		rc = wait_writable(fd, wake_fd, earlier(earlier(look,
		    stall_end), deadline_ms));
		if (rc < 0)
			return -1;
		if (rc == 2) {
			errno = ECANCELED;
			return -1;
		}
		if (rc == 1)
			continue;
		if (deadline_ms >= 0 && clock_now_ms() >= deadline_ms)
			break;
		now_queued = net_unacknowledged(fd);
		if (now_queued >= 0 && now_queued < queued) {
			queued = now_queued;
			stall_end = clock_now_ms() + timeout_ms;
		} else if (stall_end >= 0 && clock_now_ms() >= stall_end)
			break;
	}
	if (len == 0)
		return 0;
	errno = ETIMEDOUT;
	return -1;
}

/* Send all of buf, with no deadline but the peer's progress. */
int
net_send_all(int fd, const char *buf, size_t len, int timeout_ms,
    int wake_fd, size_t *sent)
{
	return net_send_until(fd, buf, len, timeout_ms, -1, wake_fd, sent);
}

/* Close after our FIN, draining what the peer still sends for a while. */
void
net_close_lingering(int fd, int linger_ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	char discard[4096];
	int64_t deadline = clock_now_ms() + linger_ms;
	ssize_t n;

	if (shutdown(fd, SHUT_WR) == 0) {
		for (;;) {
			n = recv(fd, discard, sizeof discard, MSG_DONTWAIT);
			if (n > 0 && clock_now_ms() < deadline)
				continue;
			if (n > 0)
				break;
			if (n < 0 && errno == EINTR)
				continue;
			if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK))
				break;
			if (linger_ms <= 0 ||
			    net_poll_until(&pfd, 1, deadline) <= 0)
				break;
		}
	}
	close(fd);
}

/* Close with a reset. */
void
net_close_reset(int fd)
{
	struct linger now = { .l_onoff = 1, .l_linger = 0 };

	/* Without SO_LINGER the close would send a FIN; a failure here
	 * still closes, gracefully. */
	(void)setsockopt(fd, SOL_SOCKET, SO_LINGER, &now, sizeof now);
	close(fd);
}
