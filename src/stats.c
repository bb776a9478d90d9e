/*
 * stats.c - the counters, their per-worker blocks and their one-line form.
 */
#include "build-config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "stats.h"

struct stats stats;
static struct worker_stats *blocks;
static unsigned nblocks;

/* Make one zeroed, line-aligned block per worker. */
int
stats_init(unsigned nworkers)
{
	size_t size = (size_t)nworkers * sizeof *blocks;

	/* sizeof is a multiple of the alignment, as aligned_alloc wants. */
	blocks = aligned_alloc(alignof(struct worker_stats), size ? size :
	    sizeof *blocks);
	if (blocks == NULL)
		return -1;
	memset(blocks, 0, size);
	nblocks = nworkers;
	return 0;
}

/* Worker id's block. */
struct worker_stats *
stats_worker(unsigned id)
{
	return &blocks[id];
}

/* Free the blocks. */
void
stats_free(void)
{
	free(blocks);
	blocks = NULL;
	nblocks = 0;
}

/* Read a counter. */
static uint64_t
stats_get(const atomic_uint_fast64_t *counter)
{
	return atomic_load_explicit(counter, memory_order_relaxed);
}

/* The workers' counters summed. */
static void
sum_workers(struct worker_stats *sum)
{
	unsigned i, k;

	memset(sum, 0, sizeof *sum);
	for (i = 0; i < nblocks; i++) {
		for (k = 0; k < INJECT_KINDS; k++)
			stats_bump(&sum->faults[k],
			    stats_get(&blocks[i].faults[k]));
		stats_bump(&sum->closed, stats_get(&blocks[i].closed));
		stats_bump(&sum->timeouts, stats_get(&blocks[i].timeouts));
		stats_bump(&sum->messages, stats_get(&blocks[i].messages));
		stats_bump(&sum->bytes_in, stats_get(&blocks[i].bytes_in));
		stats_bump(&sum->replies, stats_get(&blocks[i].replies));
		stats_bump(&sum->errors, stats_get(&blocks[i].errors));
	}
}

/* Read every counter. */
void
stats_read(struct stats_snapshot *snap)
{
	struct worker_stats w;
	uint64_t closed;
	unsigned k;

	sum_workers(&w);
	snap->accepted = stats_get(&stats.accepted);
	snap->rejected = stats_get(&stats.rejected);
	closed = stats_get(&w.closed);
	/* Rejected connections are accepted and closed by the acceptor.
	 * The counters are read one by one, not as a snapshot: keep
	 * active from going below zero. */
	snap->active = snap->accepted > closed + snap->rejected ?
	    snap->accepted - closed - snap->rejected : 0;
	snap->timeouts = stats_get(&w.timeouts);
	snap->messages = stats_get(&w.messages);
	snap->bytes_in = stats_get(&w.bytes_in);
	snap->replies = stats_get(&w.replies);
	snap->errors = stats_get(&w.errors);
	snap->log_dropped = log_dropped();
	for (k = 0; k < INJECT_KINDS; k++)
		snap->faults[k] = stats_get(&w.faults[k]);
}

/* Append " fault_KIND=N" for each kind of fault to out, which holds len
 * bytes; '-' becomes '_', a word a script can split on '='. */
static void
format_faults(char *out, size_t outsz, int len, const uint64_t *faults)
{
	char key[32], *dash;
	unsigned k;

	for (k = 0; k < INJECT_KINDS && len >= 0 && (size_t)len < outsz;
	    k++) {
		snprintf(key, sizeof key, "fault_%s", inject_kind_name(k));
		while ((dash = strchr(key, '-')) != NULL)
			*dash = '_';
		len += snprintf(out + len, outsz - (size_t)len, " %s=%" PRIu64,
		    key, faults[k]);
	}
}

/* Format every counter as one line. */
void
stats_format(char *out, size_t outsz)
{
	struct stats_snapshot n;
	int len;

	stats_read(&n);
	len = snprintf(out, outsz, "accepted=%" PRIu64 " active=%" PRIu64
	    " rejected=%" PRIu64 " timeouts=%" PRIu64 " messages=%" PRIu64
	    " bytes=%" PRIu64 " replies=%" PRIu64 " errors=%" PRIu64
	    " log_dropped=%" PRIu64, n.accepted, n.active, n.rejected,
	    n.timeouts, n.messages, n.bytes_in, n.replies, n.errors,
	    n.log_dropped);
	format_faults(out, outsz, len, n.faults);
}
