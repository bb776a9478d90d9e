/*
 * drain.h - the graceful drain, as the workers see it.  Before SIGTERM a
 * worker's blocking waits are undisturbed; when the drain begins, every
 * worker blocked in recv() is woken (its connection's read side is shut)
 * and every send waiting on a client that does not read is woken to wait
 * again no later than the drain's deadline; a second SIGTERM moves that
 * deadline to now and wakes them once more.
 */
#ifndef SOCKD_DRAIN_H
#define SOCKD_DRAIN_H

#include <stdbool.h>
#include <stdint.h>

/* Make the wake-up pipes and one slot per worker; -1 with errno. */
int drain_init(unsigned nworkers);
/* Free what drain_init() made, once no worker runs. */
void drain_free(void);
/* Begin: nothing is served past deadline_ms (monotonic). */
void drain_begin(int64_t deadline_ms);
/* End now: the deadline is now, and every waiting send is woken. */
void drain_now(void);
/* Worker number worker serves fd (shut at once if the drain has begun). */
void drain_enter(unsigned worker, int fd);
/* Worker number worker is done with its fd, before closing it. */
void drain_leave(unsigned worker);
/* True once the drain has begun. */
bool drain_started(void);
/* True once the drain's deadline has passed. */
bool drain_expired(void);
/* The drain's deadline once it has begun; -1 before. */
int64_t drain_deadline_ms(void);
/*
 * The descriptor a send waiting on its client must also watch: readable
 * when the drain begins, and, during the drain, when it ends now.
 */
int drain_wake_fd(void);

#endif
