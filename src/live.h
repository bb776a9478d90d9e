/*
 * live.h - the settings in force.  A reload publishes a whole new value;
 * a published value is never written again.  Each worker names the value
 * it reads in a slot of its own, and an old value is freed as soon as no
 * slot names it, so memory does not grow with reloads: at most one old
 * value per worker stays, until that worker next looks.
 */
#ifndef SOCKD_LIVE_H
#define SOCKD_LIVE_H

#include "settings.h"

/* Make one slot per worker; -1 if out of memory. */
int live_init(unsigned nworkers);
/*
 * Publish s (allocated, now owned by live.c) as the settings in force
 * and free the old values no worker reads any more.  Main thread only.
 */
void live_publish(struct settings *s);
/* The settings in force, for the main thread, which alone publishes. */
const struct settings *live_current(void);
/*
 * For worker number worker: the settings in force, named in its slot
 * until its next call or live_leave().  held is what its last call
 * returned, or NULL after live_leave(); the call is one load and a
 * compare when nothing was published since.  Never NULL: main publishes
 * before any worker starts, and frees only after every worker ended.
 */
const struct settings *live_enter(unsigned worker,
    const struct settings *held) __attribute__((returns_nonnull));
/* Worker number worker reads no settings until its next live_enter(). */
void live_leave(unsigned worker);
/* How many replaced values are kept because a worker may read them. */
unsigned live_retired(void);
/* Free every value and the slots, once no worker runs (at exit). */
void live_free_all(void);

#endif
