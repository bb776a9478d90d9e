/*
 * stats.c - the counters and their one-line form.
 */
#include "build-config.h"

#include <inttypes.h>
#include <stdio.h>

#include "stats.h"

struct stats stats;

/* Read a counter. */
static uint64_t
stats_get(atomic_uint_fast64_t *counter)
{
	return atomic_load_explicit(counter, memory_order_relaxed);
}

/* Format every counter as one line. */
void
stats_format(char *out, size_t outsz)
{
	uint64_t accepted = stats_get(&stats.accepted);
	uint64_t closed = stats_get(&stats.closed);
	uint64_t rejected = stats_get(&stats.rejected);

	/* Rejected connections are accepted and closed by the acceptor. */
	snprintf(out, outsz, "accepted=%" PRIu64 " active=%" PRIu64
	    " rejected=%" PRIu64 " timeouts=%" PRIu64 " messages=%" PRIu64
	    " bytes=%" PRIu64 " replies=%" PRIu64 " errors=%" PRIu64,
	    accepted, accepted > closed + rejected ?
	    accepted - closed - rejected : 0, rejected,
	    stats_get(&stats.timeouts), stats_get(&stats.messages),
	    stats_get(&stats.bytes_in), stats_get(&stats.replies),
	    stats_get(&stats.errors));
}
