/*
 * daemon.h - running without a supervisor: the locked pid file, dropping
 * to an unprivileged user, and detaching from the terminal.  Each returns
 * an error text for main to print with the right exit status.
 */
#ifndef SOCKD_DAEMON_H
#define SOCKD_DAEMON_H

#include <stddef.h>

/*
 * Open and lock the pid file; -1 with err when it cannot be opened or a
 * live sockd holds it.  Nothing is written yet.
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
