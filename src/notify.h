/*
 * notify.h - systemd's protocols without libsystemd: sd_notify messages
 * on $NOTIFY_SOCKET (READY, STATUS, RELOADING, STOPPING, WATCHDOG,
 * EXTEND_TIMEOUT_USEC) and socket activation through $LISTEN_FDS.
 * Without systemd every call here does nothing.
 */
#ifndef SOCKD_NOTIFY_H
#define SOCKD_NOTIFY_H

#include <stddef.h>
#include <stdint.h>

/* Read $NOTIFY_SOCKET and $WATCHDOG_USEC, and unset them for children. */
void notify_init(void);
/* Send one notification ("READY=1\nSTATUS=..."); -1 if it failed. */
int notify_send(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* True when a supervisor listens. */
int notify_enabled(void);
/* How often the watchdog must be fed, in ms; -1 if it is off. */
int64_t notify_watchdog_interval_ms(void);
/* Feed the watchdog if half its period has passed. */
void notify_watchdog_tick(void);
/*
 * Adopt the sockets systemd passed ($LISTEN_PID, $LISTEN_FDS) into fds,
 * non-blocking and close-on-exec.  Returns how many (0: none passed), or
 * -1 with err filled when the variables are malformed.
 */
int notify_listen_fds(int *fds, size_t max, char *err, size_t errsz);

#endif
