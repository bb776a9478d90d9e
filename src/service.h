/*
 * service.h - what the main thread does for the service manager between
 * accepts: counters on SIGUSR1, reload on SIGHUP, the watchdog and
 * status, and the graceful drain with its deadline.
 */
#ifndef SOCKD_SERVICE_H
#define SOCKD_SERVICE_H

#include <stdbool.h>

#include "settings.h"

/* Remember the command line, which a reload reads again. */
void service_init(int argc, char **argv);
/* How long the accept loop may sleep before service_tick(); -1: forever. */
int service_tick_ms(void);
/* Feed the watchdog and refresh the status line. */
void service_tick(void);
/* Tell the supervisor we are ready, with the counters as status. */
void service_ready(void);
/* SIGUSR1: log the counters and refresh the status. */
void service_report(void);
/* Log the faults of s and the seed that replays them, if any is on. */
void service_log_faults(const struct settings *s);
/* SIGHUP: reopen the log file, re-read the configuration, apply it. */
void service_reload(void);
/*
 * SIGTERM: wake idle workers, serve what was received and queued, and
 * wait up to --shutdown-timeout for the pool, keeping systemd informed.
 * False when workers are still running well past the deadline.
 */
bool service_drain(void);

#endif
