/*
 * signals.c - turn SIGTERM, SIGINT, SIGHUP and SIGUSR1 into bytes on a
 * self-pipe, which the accepting thread polls beside its listening sockets.
 */
#include "build-config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "signals.h"

static int signal_pipe[2] = { -1, -1 };
static const int handled_signals[] = { SIGTERM, SIGINT, SIGHUP, SIGUSR1 };
#define NHANDLED (sizeof handled_signals / sizeof handled_signals[0])

/* Record a signal for the accepting thread; async-signal-safe. */
static void
signal_record(int signo)
{
	int saved_errno = errno;
	unsigned char byte = (unsigned char)signo;

	/* A full pipe already holds a wake-up; losing this byte is fine. */
	if (write(signal_pipe[1], &byte, 1) < 0)
		(void)0;
	errno = saved_errno;
}

/* Make a descriptor non-blocking and close-on-exec. */
static int
set_flags(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -1;
	return fcntl(fd, F_SETFD, FD_CLOEXEC);
}

/* Install the handlers and ignore SIGPIPE. */
int
signals_init(void)
{
	struct sigaction sa;
	size_t i;

	if (pipe(signal_pipe) < 0)
		return -1;
	if (set_flags(signal_pipe[0]) < 0 || set_flags(signal_pipe[1]) < 0)
		return -1;
	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = SIG_IGN;
	/* A vanished client must cost an error code, never the process. */
	if (sigaction(SIGPIPE, &sa, NULL) < 0)
		return -1;
	sa.sa_handler = signal_record;
	sa.sa_flags = SA_RESTART;
	for (i = 0; i < NHANDLED; i++)
		if (sigaction(handled_signals[i], &sa, NULL) < 0)
			return -1;
	return 0;
}

/* The descriptor that becomes readable when a signal arrived. */
int
signals_fd(void)
{
	return signal_pipe[0];
}

/* Read what arrived since the last call. */
void
signals_take(struct signal_requests *req)
{
	unsigned char bytes[64];
	ssize_t n, i;

	memset(req, 0, sizeof *req);
	while ((n = read(signal_pipe[0], bytes, sizeof bytes)) > 0) {
		for (i = 0; i < n; i++) {
			if (bytes[i] == SIGTERM || bytes[i] == SIGINT)
				req->shutdown = true;
			else if (bytes[i] == SIGHUP)
				req->reload = true;
			else if (bytes[i] == SIGUSR1)
				req->report = true;
		}
	}
}

/* Block the handled signals in the calling thread. */
void
signals_block(sigset_t *old)
{
	sigset_t set;
	size_t i;

	sigemptyset(&set);
	for (i = 0; i < NHANDLED; i++)
		sigaddset(&set, handled_signals[i]);
	pthread_sigmask(SIG_BLOCK, &set, old);
}

/* Restore a mask saved by signals_block(). */
void
signals_restore(const sigset_t *old)
{
	pthread_sigmask(SIG_SETMASK, old, NULL);
}
