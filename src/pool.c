/*
 * pool.c - the worker threads.  Owns the threads and each worker's framer
 * buffers, which live as long as the worker so serving a connection
 * allocates nothing once the buffers have grown to fit.
 */
#include "build-config.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conn.h"
#include "framing.h"
#include "log.h"
#include "pool.h"

/*
 * A worker needs little stack: the deepest path is one escaped log line
 * (about 40 KiB with the largest --log-max).  The default 8 MiB would
 * reserve gigabytes of address space for a large pool.
 */
#define WORKER_STACK_SIZE (256 * 1024)

struct worker {
	pthread_t thread;
	unsigned id;
	struct queue *queue;
	struct framer framer;
};

static struct worker *workers;
static unsigned nstarted;
/* Workers still running, so the drain can wait with a deadline. */
static pthread_mutex_t running_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t running_done;	/* on CLOCK_MONOTONIC */
static unsigned nrunning;

/* A worker's life: take a connection, serve it, repeat until closed. */
static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	struct queue_item item;

	while (queue_pop(w->queue, &item)) {
		log_debug("%s: taken by worker %u", item.peer, w->id);
		conn_serve(&item, &w->framer, w->id);
	}
	framer_free(&w->framer);
	pthread_mutex_lock(&running_lock);
	if (--nrunning == 0)
		pthread_cond_broadcast(&running_done);
	pthread_mutex_unlock(&running_lock);
	return NULL;
}

/* Make running_done wait on the monotonic clock; 0 or an error number. */
static int
running_done_init(void)
{
	pthread_condattr_t cattr;
	int rc;

	if ((rc = pthread_condattr_init(&cattr)) != 0)
		return rc;
	/* The drain's deadline must not move when the wall clock does. */
	if ((rc = pthread_condattr_setclock(&cattr, CLOCK_MONOTONIC)) == 0)
		rc = pthread_cond_init(&running_done, &cattr);
	pthread_condattr_destroy(&cattr);
	return rc;
}

/* Attributes for a worker thread: a small stack; 0 or an error number. */
static int
worker_attr_init(pthread_attr_t *attr)
{
	int rc;

	if ((rc = pthread_attr_init(attr)) != 0)
		return rc;
	if ((rc = pthread_attr_setstacksize(attr, WORKER_STACK_SIZE)) != 0)
		pthread_attr_destroy(attr);
	return rc;
}

/* Start worker nstarted; 0 or pthread_create's error number. */
static int
worker_start(struct queue *q, const pthread_attr_t *attr)
{
	struct worker *w = &workers[nstarted];
	int rc;

	w->id = nstarted;
	w->queue = q;
	framer_init(&w->framer);
	pthread_mutex_lock(&running_lock);
	nrunning++;
	pthread_mutex_unlock(&running_lock);
	rc = pthread_create(&w->thread, attr, worker_main, w);
	if (rc != 0) {
		pthread_mutex_lock(&running_lock);
		nrunning--;
		pthread_mutex_unlock(&running_lock);
	}
	return rc;
}

/* Start the workers; -1 with errno set if any could not start. */
int
pool_start(struct queue *q, unsigned nworkers)
{
	pthread_attr_t attr;
	int rc;

	workers = calloc(nworkers, sizeof *workers);
	if (workers == NULL)
		return -1;
	if ((rc = running_done_init()) != 0)
		goto fail;
	if ((rc = worker_attr_init(&attr)) != 0) {
		pthread_cond_destroy(&running_done);
		goto fail;
	}
	/* Threads inherit signals_init()'s mask: no signal reaches them. */
	for (nstarted = 0; nstarted < nworkers; nstarted++)
		if ((rc = worker_start(q, &attr)) != 0)
			break;
	pthread_attr_destroy(&attr);
	if (rc != 0) {
		/* Let the started ones exit before reporting. */
		queue_close(q);
		pool_join();
		errno = rc;
		return -1;
	}
	return 0;

fail:
	free(workers);
	workers = NULL;
	errno = rc;
	return -1;
}

/* Wait up to timeout_ms for every worker to finish; true if they did. */
bool
pool_wait(int timeout_ms)
{
	struct timespec deadline;
	bool done;

	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += timeout_ms / 1000;
	deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
	if (deadline.tv_nsec >= 1000000000) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&running_lock);
	while (nrunning > 0 && pthread_cond_timedwait(&running_done,
	    &running_lock, &deadline) == 0)
		;
	done = nrunning == 0;
	pthread_mutex_unlock(&running_lock);
	return done;
}

/* Wait for every worker to finish. */
void
pool_join(void)
{
	unsigned i;

	for (i = 0; i < nstarted; i++)
		pthread_join(workers[i].thread, NULL);
	free(workers);
	workers = NULL;
	nstarted = 0;
}
