/*
 * daemon.h - running without a supervisor: the locked pid file, dropping
 * to an unprivileged user, and detaching from the terminal.  Each returns
 * an error text for main to print with the right exit status.
 */
#ifndef SOCKD_DAEMON_H
#define SOCKD_DAEMON_H

#include <stddef.h>

/*
 * Make sure descriptors 0, 1 and 2 are open, on /dev/null where they were
 * closed, so that no descriptor sockd opens later (the signalfd, a pipe,
 * the log file) takes their place and receives what is meant for stdin,
 * stdout or stderr.  -1 if /dev/null cannot be opened.
 */
int daemon_open_stdio(void);

/*
 * Open and lock the pid file, which is removed at exit from now on;
 * nothing is written yet.  0, or with err the exit status: EX_CANTCREAT
 * when it cannot be created, EX_UNAVAILABLE when a live sockd holds it.
 */
int pidfile_lock(const char *path, char *err, size_t errsz);
/* Write our pid into the locked pid file; -1 with err. */
int pidfile_write(char *err, size_t errsz);
/* Remove the pid file at exit. */
void pidfile_remove(void);

/*
 * Become user name with its groups; -1 with err, and sockd must not go
 * on, if any step fails or root can be regained.
 */
int drop_privileges(const char *name, char *err, size_t errsz);

/*
 * Detach: fork, new session, chdir /, stdio to /dev/null.  The parent
 * waits until daemon_ready() or the child's exit and exits with its
 * status, so `sockd -d` fails visibly when startup fails.
 */
int daemonize(char *err, size_t errsz);
/* Tell the waiting parent that startup succeeded. */
void daemon_ready(void);

#endif
