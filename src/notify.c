/*
 * notify.c - the systemd notification and socket activation protocols,
 * spoken directly: a datagram to an AF_UNIX socket, and descriptors from
 * 3 on.  Owns the notify socket; knows nothing of the rest of sockd.
 */
#include "build-config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "notify.h"

/* The first descriptor systemd passes. */
#define LISTEN_FDS_START 3

static struct sockaddr_un notify_addr;
static socklen_t notify_addr_len;
static int notify_fd = -1;
static int64_t watchdog_ms = -1;	/* period; -1: off */
static int64_t watchdog_last_ms;
static unsigned long notify_lost;	/* in a row, since the last success */

/* Read $NOTIFY_SOCKET and $WATCHDOG_USEC. */
void
notify_init(void)
{
	const char *path = getenv("NOTIFY_SOCKET");
	const char *wd = getenv("WATCHDOG_USEC");
	const char *wd_pid = getenv("WATCHDOG_PID");
	size_t len;

	if (wd != NULL && (wd_pid == NULL ||
	    strtol(wd_pid, NULL, 10) == (long)getpid())) {
		long long usec = strtoll(wd, NULL, 10);

		if (usec > 0)
			watchdog_ms = usec / 1000;
	}
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
	if (path == NULL || (path[0] != '/' && path[0] != '@'))
		return;
	len = strlen(path);
	if (len >= sizeof notify_addr.sun_path) {
		log_warnx("NOTIFY_SOCKET: path too long");
		return;
	}
	memset(&notify_addr, 0, sizeof notify_addr);
	notify_addr.sun_family = AF_UNIX;
	memcpy(notify_addr.sun_path, path, len);
	/* '@' names a socket in the abstract namespace: a leading NUL. */
	if (path[0] == '@')
		notify_addr.sun_path[0] = '\0';
	notify_addr_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
	    len + (path[0] == '@' ? 0 : 1));
	/* Non-blocking: a supervisor that stops reading must not stop the
	 * accept loop; a message it would not take is dropped. */
	notify_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    0);
	if (notify_fd < 0)
		log_warn("NOTIFY_SOCKET: socket");
	unsetenv("NOTIFY_SOCKET");
	watchdog_last_ms = clock_now_ms();
}

/* True when a supervisor listens. */
int
notify_enabled(void)
{
	return notify_fd >= 0;
}

/*
 * Note a message that could not be sent: one warning when sending starts
 * to fail, naming the message's first variable, not one per message.
 */
static void
note_lost(const char *msg)
{
	int saved = errno;

	if (notify_lost++ == 0) {
		errno = saved;
		log_warn("notify: %.*s to $NOTIFY_SOCKET (further failures are "
		    "counted)", (int)strcspn(msg, "=\n"), msg);
	}
}

/* Send one notification. */
int
notify_send(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	int len;

	if (notify_fd < 0)
		return 0;
	va_start(ap, fmt);
	len = vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (len < 0 || (size_t)len >= sizeof msg)
		return -1;
	while (sendto(notify_fd, msg, (size_t)len, MSG_NOSIGNAL | MSG_DONTWAIT,
	    (struct sockaddr *)&notify_addr, notify_addr_len) < 0) {
		if (errno != EINTR) {
			note_lost(msg);
			return -1;
		}
	}
	if (notify_lost > 0) {
		log_notice("notify: $NOTIFY_SOCKET takes messages again; %lu "
		    "were lost", notify_lost);
		notify_lost = 0;
	}
	return 0;
}

/* How often the watchdog must be fed; -1 if off. */
int64_t
notify_watchdog_interval_ms(void)
{
	return notify_fd >= 0 ? watchdog_ms : -1;
}

/* Feed the watchdog if half its period has passed. */
void
notify_watchdog_tick(void)
{
	int64_t now;

	if (notify_fd < 0 || watchdog_ms < 0)
		return;
	now = clock_now_ms();
	if (now - watchdog_last_ms < watchdog_ms / 2)
		return;
	watchdog_last_ms = now;
	notify_send("WATCHDOG=1");
}

/*
 * Make an inherited descriptor non-blocking and close-on-exec; -1 with
 * why if it is not a listening stream socket, which is all sockd can
 * serve (a datagram socket, or one that does not listen, would make every
 * accept fail at once, for ever).
 */
static int
adopt_fd(int fd, const char **why)
{
	struct stat st;
	socklen_t len;
	int fl, type, listening;

	*why = "not a socket";
	if (fstat(fd, &st) < 0 || !S_ISSOCK(st.st_mode))
		return -1;
	len = sizeof type;
	*why = "not a stream socket";
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0 ||
	    type != SOCK_STREAM)
		return -1;
	len = sizeof listening;
	*why = "not listening";
	if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) < 0 ||
	    !listening)
		return -1;
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0 ||
	    fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) {
		*why = strerror(errno);
		return -1;
	}
	return 0;
}

/* Adopt the sockets systemd passed. */
int
notify_listen_fds(int *fds, size_t max, char *err, size_t errsz)
{
	const char *pid_text = getenv("LISTEN_PID");
	const char *fds_text = getenv("LISTEN_FDS");
	const char *why;
	char *end;
	long pid, n, i;

	if (pid_text == NULL || fds_text == NULL)
		return 0;
	pid = strtol(pid_text, &end, 10);
	if (*end != '\0' || pid != (long)getpid())
		return 0;	/* meant for another process */
	n = strtol(fds_text, &end, 10);
	if (*end != '\0' || n < 0 || (size_t)n > max) {
		snprintf(err, errsz, "LISTEN_FDS: '%s' is not 0-%zu", fds_text,
		    max);
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (adopt_fd(LISTEN_FDS_START + (int)i, &why) < 0) {
			snprintf(err, errsz, "LISTEN_FDS: descriptor %ld: %s "
			    "(sockd serves listening stream sockets)",
			    LISTEN_FDS_START + i, why);
			return -1;
		}
		fds[i] = LISTEN_FDS_START + (int)i;
	}
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	return (int)n;
}
