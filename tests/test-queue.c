/*
 * test-queue.c - the bounded hand-off queue: capacity, order, blocking
 * pop, the shutdown wake-up, many producers and consumers.
 */
#include "build-config.h"

#include <glib.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <string.h>

#include "queue.h"

static struct queue_item
item(int fd)
{
	struct queue_item it;

	memset(&it, 0, sizeof it);
	it.fd = fd;
	return it;
}

static void
test_bounded(void)
{
	struct queue q;
	struct queue_item it = item(1);

	g_assert_cmpint(queue_init(&q, 3, 1), ==, 0);
	g_assert_cmpuint(queue_push(&q, &it), ==, 1);
	g_assert_cmpuint(queue_push(&q, &it), ==, 2);
	g_assert_cmpuint(queue_push(&q, &it), ==, 3);
	g_assert_cmpuint(queue_push(&q, &it), ==, 0);
	g_assert_true(queue_pop(&q, &it));
	g_assert_cmpuint(queue_push(&q, &it), ==, 3);
	queue_destroy(&q);
	g_assert_cmpint(queue_init(&q, 0, 1), ==, -1);
}

static void
test_fifo_across_wrap(void)
{
	struct queue q;
	struct queue_item it;
	int next_in = 0, next_out = 0, round;

	g_assert_cmpint(queue_init(&q, 4, 1), ==, 0);
	for (round = 0; round < 10; round++) {
		while (next_in - next_out < 3) {
			it = item(next_in++);
			g_assert_cmpuint(queue_push(&q, &it), >, 0);
		}
		while (next_out < next_in - 1) {
			g_assert_true(queue_pop(&q, &it));
			g_assert_cmpint(it.fd, ==, next_out++);
		}
	}
	queue_destroy(&q);
}

static void
test_item_carries_peer(void)
{
	struct queue q;
	struct queue_item in = item(5), out;

	g_strlcpy(in.peer, "[::1]:4242", sizeof in.peer);
	in.accepted_ms = 77;
	g_assert_cmpint(queue_init(&q, 1, 1), ==, 0);
	queue_push(&q, &in);
	g_assert_true(queue_pop(&q, &out));
	g_assert_cmpstr(out.peer, ==, "[::1]:4242");
	g_assert_cmpint(out.accepted_ms, ==, 77);
	queue_destroy(&q);
}

struct popper {
	struct queue *q;
	atomic_int state;	/* 0 waiting to start, 1 popping, 2 done */
	bool got;
	int fd;
};

static void *
pop_one(void *arg)
{
	struct popper *p = arg;
	struct queue_item it;

	atomic_store(&p->state, 1);
	p->got = queue_pop(p->q, &it);
	p->fd = it.fd;
	atomic_store(&p->state, 2);
	return NULL;
}

/* pop_one at the lowest priority there is. */
static void *
pop_one_idle(void *arg)
{
	struct sched_param idle = { .sched_priority = 0 };

	g_assert_cmpint(pthread_setschedparam(pthread_self(), SCHED_IDLE,
	    &idle), ==, 0);
	return pop_one(arg);
}

/* Wait until the queue reports n blocked waiters. */
static void
wait_for_waiters(struct queue *q, size_t n)
{
	gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
	size_t waiting = 0;

	while (g_get_monotonic_time() < deadline) {
		pthread_mutex_lock(&q->lock);
		waiting = q->waiting;
		pthread_mutex_unlock(&q->lock);
		if (waiting == n)
			return;
		g_usleep(1000);
	}
	g_assert_cmpuint(waiting, ==, n);
}

static void
test_pop_blocks_until_push(void)
{
	struct queue q;
	struct popper p = { &q, 0, false, -1 };
	struct queue_item it = item(42);
	pthread_t t;

	g_assert_cmpint(queue_init(&q, 2, 1), ==, 0);
	pthread_create(&t, NULL, pop_one, &p);
	wait_for_waiters(&q, 1);
	/* It is blocked in queue_pop(), not finished. */
	g_assert_cmpint(atomic_load(&p.state), ==, 1);
	queue_push(&q, &it);
	pthread_join(t, NULL);
	g_assert_true(p.got);
	g_assert_cmpint(p.fd, ==, 42);
	queue_destroy(&q);
}

/*
 * Workers blocked in queue_pop() take the next items as soon as they
 * run: a burst pushed before they wake is not refused as busy while the
 * pool is idle.  With capacity 1 and two waiting, three fit.
 */
static void
test_waiting_workers_not_counted(void)
{
	struct queue q;
	struct popper p[2];
	struct queue_item it = item(9);
	cpu_set_t all, one;
	pthread_t t[2];
	int i;

	g_assert_cmpint(queue_init(&q, 1, 2), ==, 0);
	/* The workers share this thread's core at the lowest priority, so
	 * that none runs before the burst is pushed, as on a loaded host. */
	g_assert_cmpint(pthread_getaffinity_np(pthread_self(), sizeof all,
	    &all), ==, 0);
	CPU_ZERO(&one);
	CPU_SET(sched_getcpu(), &one);
	g_assert_cmpint(pthread_setaffinity_np(pthread_self(), sizeof one,
	    &one), ==, 0);
	for (i = 0; i < 2; i++) {
		p[i] = (struct popper){ &q, 0, false, -1 };
		pthread_create(&t[i], NULL, pop_one_idle, &p[i]);
	}
	wait_for_waiters(&q, 2);
	for (i = 0; i < 3; i++)
		g_assert_cmpuint(queue_push(&q, &it), >, 0);
	pthread_setaffinity_np(pthread_self(), sizeof all, &all);
	/* The third waits; a fourth would not. */
	for (i = 0; i < 2; i++) {
		pthread_join(t[i], NULL);
		g_assert_true(p[i].got);
	}
	g_assert_cmpuint(queue_push(&q, &it), ==, 0);
	g_assert_true(queue_pop(&q, &it));
	queue_destroy(&q);
}

static void
test_close_wakes_waiters(void)
{
	struct queue q;
	struct popper p[3];
	pthread_t t[3];
	int i;

	g_assert_cmpint(queue_init(&q, 2, 3), ==, 0);
	for (i = 0; i < 3; i++) {
		p[i] = (struct popper){ &q, 0, true, -1 };
		pthread_create(&t[i], NULL, pop_one, &p[i]);
	}
	wait_for_waiters(&q, 3);
	queue_close(&q);
	for (i = 0; i < 3; i++) {
		pthread_join(t[i], NULL);
		g_assert_false(p[i].got);
	}
	queue_destroy(&q);
}

static void
test_close_drains_queued_first(void)
{
	struct queue q;
	struct queue_item it = item(7);

	g_assert_cmpint(queue_init(&q, 2, 1), ==, 0);
	queue_push(&q, &it);
	queue_close(&q);
	/* Refused after close, but what was queued is still served. */
	g_assert_cmpuint(queue_push(&q, &it), ==, 0);
	g_assert_true(queue_pop(&q, &it));
	g_assert_cmpint(it.fd, ==, 7);
	g_assert_false(queue_pop(&q, &it));
	queue_destroy(&q);
}

#define PRODUCERS 4
#define CONSUMERS 4
#define PER_PRODUCER 20000

struct traffic {
	struct queue q;
	atomic_llong sum_popped;
	atomic_int count_popped;
};

struct producer {
	struct traffic *tr;
	int index;
};

static void *
produce(void *arg)
{
	struct producer *p = arg;
	struct queue_item it;
	int i;

	for (i = 0; i < PER_PRODUCER; i++) {
		it = item(p->index * PER_PRODUCER + i);
		/* Full: let a consumer run, then try again. */
		while (queue_push(&p->tr->q, &it) == 0)
			sched_yield();
	}
	return NULL;
}

static void *
consume(void *arg)
{
	struct traffic *tr = arg;
	struct queue_item it;

	while (queue_pop(&tr->q, &it)) {
		atomic_fetch_add(&tr->sum_popped, it.fd);
		atomic_fetch_add(&tr->count_popped, 1);
	}
	return NULL;
}

static void
test_many_producers_consumers(void)
{
	static struct traffic tr;
	struct producer producers[PRODUCERS];
	pthread_t prod[PRODUCERS], cons[CONSUMERS];
	long long n = (long long)PRODUCERS * PER_PRODUCER;
	int i;

	g_assert_cmpint(queue_init(&tr.q, 16, CONSUMERS), ==, 0);
	for (i = 0; i < CONSUMERS; i++)
		pthread_create(&cons[i], NULL, consume, &tr);
	for (i = 0; i < PRODUCERS; i++) {
		producers[i] = (struct producer){ &tr, i };
		pthread_create(&prod[i], NULL, produce, &producers[i]);
	}
	for (i = 0; i < PRODUCERS; i++)
		pthread_join(prod[i], NULL);
	queue_close(&tr.q);
	for (i = 0; i < CONSUMERS; i++)
		pthread_join(cons[i], NULL);
	/* Every item popped exactly once: the count and the sum agree. */
	g_assert_cmpint(atomic_load(&tr.count_popped), ==, n);
	g_assert_cmpint(atomic_load(&tr.sum_popped), ==, n * (n - 1) / 2);
	queue_destroy(&tr.q);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/queue/bounded", test_bounded);
	g_test_add_func("/queue/fifo-across-wrap", test_fifo_across_wrap);
	g_test_add_func("/queue/item-carries-peer", test_item_carries_peer);
	g_test_add_func("/queue/pop-blocks-until-push",
	    test_pop_blocks_until_push);
	g_test_add_func("/queue/waiting-workers-not-counted",
	    test_waiting_workers_not_counted);
	g_test_add_func("/queue/close-wakes-waiters", test_close_wakes_waiters);
	g_test_add_func("/queue/close-drains-queued-first",
	    test_close_drains_queued_first);
	g_test_add_func("/queue/many-producers-consumers",
	    test_many_producers_consumers);
	return g_test_run();
}
