/*
 * drain.c - wakes the workers for the graceful drain.  Owns two pipes
 * that nobody reads, so that once written each stays readable and wakes
 * every poll() on it at once, and the descriptor each worker serves, so
 * that a worker blocked in recv() can be woken by shutting its read side.
 */
#include "build-config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "drain.h"
#include "log.h"

/* Written when the drain begins, and when it must end now. */
static int begin_pipe[2] = { -1, -1 };
static int now_pipe[2] = { -1, -1 };
static atomic_bool draining;
static _Atomic int64_t deadline_ms;

/*
 * The connection each worker serves.  The lock orders shutting its read
 * side against the worker closing the descriptor, which the kernel may
 * hand to another socket at once.
 */
struct drain_slot {
	pthread_mutex_t lock;
	int fd;			/* -1 between connections */
};
static struct drain_slot *slots;
static unsigned nslots;

/* Make the pipes and one slot per worker. */
int
drain_init(unsigned nworkers)
{
	unsigned i;

	slots = calloc(nworkers ? nworkers : 1, sizeof *slots);
	if (slots == NULL)
		return -1;
	for (i = 0; i < nworkers; i++) {
		pthread_mutex_init(&slots[i].lock, NULL);
		slots[i].fd = -1;
	}
	nslots = nworkers;
	if (pipe2(begin_pipe, O_CLOEXEC) < 0 || pipe2(now_pipe, O_CLOEXEC) < 0)
		return -1;
	return 0;
}

/* Free the slots once no worker runs. */
void
drain_free(void)
{
	unsigned i;

	for (i = 0; i < nslots; i++)
		pthread_mutex_destroy(&slots[i].lock);
	free(slots);
	slots = NULL;
	nslots = 0;
}

/* Wake a worker blocked in recv(): it reads what was sent, then 0. */
static void
wake_reader(int fd)
{
	if (shutdown(fd, SHUT_RD) < 0 && errno != ENOTCONN)
		log_warn("drain: shutdown of a connection's read side");
}

/* Begin the graceful drain. */
void
drain_begin(int64_t deadline)
{
	unsigned i;

	atomic_store(&deadline_ms, deadline);
	atomic_store(&draining, true);
	if (write(begin_pipe[1], "x", 1) < 0)
		log_warn("drain signal");
	/* A worker that takes a connection from now on sees draining itself
	 * (drain_enter); the lock makes that and this scan exclusive. */
	for (i = 0; i < nslots; i++) {
		pthread_mutex_lock(&slots[i].lock);
		if (slots[i].fd >= 0)
			wake_reader(slots[i].fd);
		pthread_mutex_unlock(&slots[i].lock);
	}
}

/* End the drain now. */
void
drain_now(void)
{
	atomic_store(&deadline_ms, clock_now_ms());
	if (write(now_pipe[1], "x", 1) < 0)
		log_warn("drain signal");
}

/* Record the worker's connection, shutting its read side if draining. */
void
drain_enter(unsigned worker, int fd)
{
	struct drain_slot *slot = &slots[worker];

	pthread_mutex_lock(&slot->lock);
	slot->fd = fd;
	if (atomic_load(&draining))
		wake_reader(fd);
	pthread_mutex_unlock(&slot->lock);
}

/* Forget the worker's connection before its descriptor is closed. */
void
drain_leave(unsigned worker)
{
	struct drain_slot *slot = &slots[worker];

	pthread_mutex_lock(&slot->lock);
	slot->fd = -1;
	pthread_mutex_unlock(&slot->lock);
}

/* True once the drain has begun. */
bool
drain_started(void)
{
	return atomic_load(&draining);
}

/* True once the drain deadline has passed. */
bool
drain_expired(void)
{
	/* Acquire (seq_cst): seeing draining means seeing its deadline. */
	return atomic_load(&draining) &&
	    clock_now_ms() >= atomic_load(&deadline_ms);
}

/* The drain's deadline once it has begun; -1 before. */
int64_t
drain_deadline_ms(void)
{
	return atomic_load(&draining) ? atomic_load(&deadline_ms) : -1;
}

/* The descriptor a waiting send must also watch. */
int
drain_wake_fd(void)
{
	return atomic_load(&draining) ? now_pipe[0] : begin_pipe[0];
}
