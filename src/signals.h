/*
 * signals.h - the one place signals become requests.  A handler only
 * writes the signal number to a pipe; the accepting thread polls the pipe
 * and acts.  Workers run with these signals blocked.
 */
#ifndef SOCKD_SIGNALS_H
#define SOCKD_SIGNALS_H

#include <signal.h>
#include <stdbool.h>

struct signal_requests {
	bool shutdown;		/* SIGTERM or SIGINT */
	bool reload;		/* SIGHUP */
	bool report;		/* SIGUSR1 */
};

/* Install the handlers and ignore SIGPIPE; -1 on failure. */
int signals_init(void);
/* The descriptor that becomes readable when a signal arrived. */
int signals_fd(void);
/* Read what arrived since the last call. */
void signals_take(struct signal_requests *req);
/* Block the handled signals in the calling thread, saving the old mask. */
void signals_block(sigset_t *old);
/* Restore a mask saved by signals_block(). */
void signals_restore(const sigset_t *old);

#endif
