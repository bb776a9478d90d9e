/*
 * signals.c - turn SIGTERM, SIGINT, SIGHUP and SIGUSR1 into requests the
 * accepting thread reads from a signalfd it polls beside its listening
 * sockets.  The signals stay blocked in every thread, so none is ever
 * delivered asynchronously: no handler, no EINTR, nothing lost between a
 * check and a wait (a sanitizer's deferred delivery once left sockd asleep
 * in poll() with a SIGTERM taken but never handled).
 */
#include "build-config.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "signals.h"

static int signal_fd = -1;
static const int handled_signals[] = { SIGTERM, SIGINT, SIGHUP, SIGUSR1 };
#define NHANDLED (sizeof handled_signals / sizeof handled_signals[0])

/* Ignore SIGPIPE, block the handled signals, open the signalfd.  Called
 * before any thread starts, so every thread inherits the mask. */
int
signals_init(void)
{
	struct sigaction sa;
	sigset_t set;
	size_t i;

	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = SIG_IGN;
	/* A vanished client must cost an error code, never the process. */
	if (sigaction(SIGPIPE, &sa, NULL) < 0)
		return -1;
	sigemptyset(&set);
	for (i = 0; i < NHANDLED; i++)
		sigaddset(&set, handled_signals[i]);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -1;
	signal_fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	return signal_fd < 0 ? -1 : 0;
}

/* The descriptor that becomes readable when a signal arrived. */
int
signals_fd(void)
{
	return signal_fd;
}

/* Read what arrived since the last call. */
void
signals_take(struct signal_requests *req)
{
	struct signalfd_siginfo info[16];
	ssize_t n, i;

	memset(req, 0, sizeof *req);
	while ((n = read(signal_fd, info, sizeof info)) > 0) {
		for (i = 0; i < n / (ssize_t)sizeof info[0]; i++) {
			switch (info[i].ssi_signo) {
			case SIGTERM:
			case SIGINT:
				req->shutdown = true;
				break;
			case SIGHUP:
				req->reload = true;
				break;
			case SIGUSR1:
				req->report = true;
				break;
			}
		}
	}
}
