/*
 * pool.c - the worker threads.  Owns the threads and each worker's framer
 * buffers, which live as long as the worker so serving a connection
 * allocates nothing once the buffers have grown to fit.
 */
#include "build-config.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

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
/* Workers still running; the last to end makes done_fd readable, so the
 * drain can wait for it and for signals in one poll(). */
static atomic_uint nrunning;
static int done_fd = -1;

/* Count a worker out; the last one says so on done_fd. */
static void
worker_ended(void)
{
	if (atomic_fetch_sub(&nrunning, 1) == 1 && eventfd_write(done_fd, 1) < 0)
		log_warn("pool: eventfd");
}

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
	worker_ended();
	return NULL;
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
	atomic_fetch_add(&nrunning, 1);
	rc = pthread_create(&w->thread, attr, worker_main, w);
	if (rc != 0)
		worker_ended();
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
	done_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (done_fd < 0) {
		rc = errno;
		goto fail;
	}
	if ((rc = worker_attr_init(&attr)) != 0)
		goto fail;
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
	if (done_fd >= 0)
		close(done_fd);
	done_fd = -1;
	free(workers);
	workers = NULL;
	errno = rc;
	return -1;
}

/* Readable once every worker has finished. */
int
pool_done_fd(void)
{
	return done_fd;
}

/* True once every worker has finished. */
bool
pool_finished(void)
{
	return atomic_load(&nrunning) == 0;
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
	if (done_fd >= 0)
		close(done_fd);
	done_fd = -1;
}
