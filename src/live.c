/*
 * live.c - the published settings and their reclamation.  A worker
 * announces the value it is about to read in its slot, then checks that
 * the value is still the current one (hazard pointers); the main thread
 * frees a retired value only when no slot names it.  Both sides use
 * sequentially consistent atomics, so either the worker sees the newer
 * value or the main thread sees the worker's slot.
 */
#include "build-config.h"

#include <stdatomic.h>
#include <stdlib.h>

#include "live.h"
#include "options.h"

/* One worker's slot on a cache line of its own: workers write their own
 * slot at each connection's end, and must not slow each other. */
struct live_slot {
	_Atomic(const struct settings *) held;
	char pad[64 - sizeof(const struct settings *)];
};

static _Atomic(struct settings *) current;
static struct live_slot *slots;
static unsigned nslots;
/*
 * Values replaced but perhaps still read; main thread only.  A reclaim
 * reads every slot once and keeps only the values it saw named, at most
 * one per worker; one more is added at a time, so nslots + 1 places
 * always suffice.
 */
static struct settings **retired;
static unsigned nretired;
static const struct settings **seen;	/* the slots, read by reclaim */

/* Make one slot per worker. */
int
live_init(unsigned nworkers)
{
	slots = calloc(nworkers ? nworkers : 1, sizeof *slots);
	retired = calloc((size_t)nworkers + 1, sizeof *retired);
	seen = calloc(nworkers ? nworkers : 1, sizeof *seen);
	if (slots == NULL || retired == NULL || seen == NULL) {
		free(slots);
		free(retired);
		free(seen);
		return -1;
	}
	nslots = nworkers;
	return 0;
}

/* Free a settings value and what it holds. */
static void
settings_destroy(struct settings *s)
{
	options_free(s);
	free(s);
}

/* True when s is among the values the slots were seen to name. */
static bool
was_seen(const struct settings *s)
{
	unsigned i;

	for (i = 0; i < nslots; i++)
		if (seen[i] == s)
			return true;
	return false;
}

/*
 * Free the retired values that no slot names.  Each slot is read once:
 * a worker that moves from one retired value to the next while they are
 * checked must not keep both.
 */
static void
reclaim(void)
{
	unsigned i;

	for (i = 0; i < nslots; i++)
		seen[i] = atomic_load(&slots[i].held);
	i = 0;
	while (i < nretired) {
		if (was_seen(retired[i])) {
			i++;
			continue;
		}
		settings_destroy(retired[i]);
		retired[i] = retired[--nretired];
	}
}

/* Publish s as the settings in force. */
void
live_publish(struct settings *s)
{
	struct settings *old = atomic_exchange(&current, s);

	if (old != NULL)
		retired[nretired++] = old;
	reclaim();
}

/* The settings in force, for the main thread. */
const struct settings *
live_current(void)
{
	return atomic_load(&current);
}

/* For a worker: the settings in force, named in its slot. */
const struct settings *
live_enter(unsigned worker, const struct settings *held)
{
	const struct settings *now = atomic_load_explicit(&current,
	    memory_order_acquire);

	if (now == held)
		return held;	/* the slot names it already */
	for (;;) {
		atomic_store(&slots[worker].held, now);
		/* Published again before the slot was seen: look again. */
		held = now;
		now = atomic_load(&current);
		if (now == held)
			return now;
	}
}

/* The worker reads no settings until its next live_enter(). */
void
live_leave(unsigned worker)
{
	atomic_store_explicit(&slots[worker].held, NULL, memory_order_release);
}

/* How many replaced values are kept. */
unsigned
live_retired(void)
{
	return nretired;
}

/* Free every value and the slots. */
void
live_free_all(void)
{
	struct settings *s = atomic_exchange(&current, NULL);

	if (s != NULL)
		settings_destroy(s);
	nslots = 0;
	reclaim();
	free(slots);
	free(retired);
	free(seen);
	slots = NULL;
	retired = NULL;
	seen = NULL;
}
