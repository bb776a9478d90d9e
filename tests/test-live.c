/*
 * test-live.c - the settings in force: a reload's value replaces the old
 * one whole, an old value stays while a worker may read it and is freed
 * after, so memory does not grow with reloads.  The race test is for the
 * sanitizer builds, which see a value read after it was freed.
 */
#include "build-config.h"

#include <glib.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "live.h"

#define WORKERS 4

/* A new settings value whose reply is text. */
static struct settings *
value_with_reply(const char *text)
{
	struct settings *s = malloc(sizeof *s);

	g_assert_nonnull(s);
	config_defaults(s);
	free(s->reply);
	s->reply = strdup(text);
	return s;
}

static void
test_reloads_do_not_grow(void)
{
	const struct settings *seen;
	int i;

	g_assert_cmpint(live_init(WORKERS), ==, 0);
	live_publish(value_with_reply("first"));
	seen = live_enter(0, NULL);
	g_assert_cmpstr(seen->reply, ==, "first");
	/* Nothing published: the same value, by the cheap path. */
	g_assert_true(live_enter(0, seen) == seen);
	live_leave(0);
	for (i = 0; i < 200; i++)
		live_publish(value_with_reply("again"));
	g_assert_cmpuint(live_retired(), ==, 0);
	g_assert_cmpstr(live_current()->reply, ==, "again");
	live_free_all();
}

static void
test_old_value_kept_while_read(void)
{
	const struct settings *a, *b;

	g_assert_cmpint(live_init(WORKERS), ==, 0);
	live_publish(value_with_reply("a"));
	a = live_enter(0, NULL);
	live_publish(value_with_reply("b"));
	/* Worker 0 may still read a. */
	g_assert_cmpuint(live_retired(), ==, 1);
	g_assert_cmpstr(a->reply, ==, "a");
	b = live_enter(1, NULL);
	g_assert_cmpstr(b->reply, ==, "b");
	/* Worker 0 moves on to b: a can go, b stays for both. */
	g_assert_true(live_enter(0, a) == b);
	live_publish(value_with_reply("c"));
	g_assert_cmpuint(live_retired(), ==, 1);
	live_leave(0);
	live_leave(1);
	live_publish(value_with_reply("d"));
	g_assert_cmpuint(live_retired(), ==, 0);
	live_free_all();
}

static atomic_bool stop;

/* A worker that keeps reading the value in force, as conn.c does. */
static void *
reader(void *arg)
{
	unsigned worker = (unsigned)(uintptr_t)arg;
	const struct settings *held = NULL;
	unsigned long reads = 0;

	while (!atomic_load(&stop)) {
		held = live_enter(worker, held);
		/* Every reply published is ten equal letters. */
		g_assert_cmpuint(strlen(held->reply), ==, 10);
		g_assert_cmpint(held->reply[9], ==, held->reply[0]);
		if (++reads % 64 == 0) {
			live_leave(worker);
			held = NULL;
		}
	}
	live_leave(worker);
	return NULL;
}

static void
test_publish_while_read(void)
{
	pthread_t threads[WORKERS];
	char reply[11];
	unsigned i;
	int n;

	g_assert_cmpint(live_init(WORKERS), ==, 0);
	live_publish(value_with_reply("aaaaaaaaaa"));
	atomic_store(&stop, false);
	for (i = 0; i < WORKERS; i++)
		g_assert_cmpint(pthread_create(&threads[i], NULL, reader,
		    (void *)(uintptr_t)i), ==, 0);
	for (n = 0; n < 20000; n++) {
		memset(reply, 'a' + n % 26, 10);
		reply[10] = '\0';
		live_publish(value_with_reply(reply));
		g_assert_cmpuint(live_retired(), <=, WORKERS);
	}
	atomic_store(&stop, true);
	for (i = 0; i < WORKERS; i++)
		pthread_join(threads[i], NULL);
	/* Nobody reads: the next publish frees every old value. */
	live_publish(value_with_reply("zzzzzzzzzz"));
	g_assert_cmpuint(live_retired(), ==, 0);
	live_free_all();
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/live/reloads-do-not-grow", test_reloads_do_not_grow);
	g_test_add_func("/live/old-value-kept-while-read",
	    test_old_value_kept_while_read);
	g_test_add_func("/live/publish-while-read", test_publish_while_read);
	return g_test_run();
}
