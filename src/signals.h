/*
 * signals.h - the one place signals become requests.  The handled signals
 * are blocked in every thread and read from a signalfd, which the
 * accepting thread polls and acts on.
 */
#ifndef SOCKD_SIGNALS_H
#define SOCKD_SIGNALS_H

#include <stdbool.h>

struct signal_requests {
	bool shutdown;		/* SIGTERM or SIGINT */
	bool reload;		/* SIGHUP */
	bool report;		/* SIGUSR1 */
};

/*
 * Ignore SIGPIPE and block SIGTERM, SIGINT, SIGHUP and SIGUSR1, to be
 * read from signals_fd().  Call before starting any thread; -1 on failure.
 */
int signals_init(void);
/* The descriptor that becomes readable when a signal arrived. */
int signals_fd(void);
/* Read what arrived since the last call. */
void signals_take(struct signal_requests *req);

#endif
