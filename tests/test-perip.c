/*
 * test-perip.c - connections per client address: the keys (IPv4 by
 * address, IPv6 by /64, mapped IPv4 as IPv4), the limit, and the table
 * against a plain model under many colliding inserts and removals.
 */
#include "build-config.h"

#include <arpa/inet.h>
#include <glib.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/un.h>

#include "perip.h"

/* The key of a textual address, which must be IP. */
static struct perip_key
key_of(const char *text)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6 };
	struct perip_key key;

	if (inet_pton(AF_INET, text, &sin.sin_addr) == 1)
		g_assert_true(perip_key_from((struct sockaddr *)&sin,
		    sizeof sin, &key));
	else {
		g_assert_cmpint(inet_pton(AF_INET6, text, &sin6.sin6_addr),
		    ==, 1);
		g_assert_true(perip_key_from((struct sockaddr *)&sin6,
		    sizeof sin6, &key));
	}
	return key;
}

static bool
same_key(const char *a, const char *b)
{
	struct perip_key ka = key_of(a), kb = key_of(b);

	return memcmp(&ka, &kb, sizeof ka) == 0;
}

static void
test_keys(void)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct perip_key key;

	g_assert_true(same_key("192.0.2.1", "192.0.2.1"));
	g_assert_false(same_key("192.0.2.1", "192.0.2.2"));
	/* One /64 is one client. */
	g_assert_true(same_key("2001:db8:1:2::1", "2001:db8:1:2:ffff::9"));
	g_assert_false(same_key("2001:db8:1:2::1", "2001:db8:1:3::1"));
	g_assert_true(same_key("::ffff:192.0.2.1", "192.0.2.1"));
	g_assert_false(same_key("::1", "127.0.0.1"));
	g_assert_false(perip_key_from((struct sockaddr *)&sun, sizeof sun,
	    &key));
}

static void
test_limit(void)
{
	struct perip_table t;
	struct perip_key a = key_of("192.0.2.1"), b = key_of("192.0.2.2");

	g_assert_cmpint(perip_init(&t, 10), ==, 0);
	g_assert_true(perip_acquire(&t, &a, 2));
	g_assert_true(perip_acquire(&t, &a, 2));
	g_assert_false(perip_acquire(&t, &a, 2));
	g_assert_true(perip_acquire(&t, &b, 2));
	g_assert_cmpuint(perip_count(&t, &a), ==, 2);
	perip_release(&t, &a);
	g_assert_true(perip_acquire(&t, &a, 2));
	/* A lower limit after a reload refuses until enough have gone. */
	g_assert_false(perip_acquire(&t, &a, 1));
	perip_release(&t, &a);
	perip_release(&t, &a);
	perip_release(&t, &b);
	g_assert_cmpuint(perip_count(&t, &a), ==, 0);
	g_assert_cmpuint(t.used, ==, 0);
	perip_destroy(&t);
}

/* The table never holds more addresses than it was made for. */
static void
test_full_table_refuses(void)
{
	struct perip_table t;
	struct perip_key k;
	char text[32];
	unsigned i;

	g_assert_cmpint(perip_init(&t, 4), ==, 0);
	for (i = 0; i < 4; i++) {
		g_snprintf(text, sizeof text, "10.0.0.%u", i);
		k = key_of(text);
		g_assert_true(perip_acquire(&t, &k, 5));
	}
	k = key_of("10.0.1.0");
	g_assert_false(perip_acquire(&t, &k, 5));
	k = key_of("10.0.0.3");
	g_assert_true(perip_acquire(&t, &k, 5));
	perip_destroy(&t);
}

/*
 * Random acquires and releases over more addresses than the table has
 * room for at once, checked against an array of counts.  A table this
 * full makes probe runs, so removals must shift entries back.
 */
static void
test_against_model(void)
{
	enum { ADDRESSES = 200, ROOM = 24, LIMIT = 3, STEPS = 200000 };
	unsigned model[ADDRESSES] = { 0 }, held = 0, i, n;
	struct perip_key keys[ADDRESSES];
	struct perip_table t;
	GRand *rand = g_rand_new_with_seed(4);
	char text[32];
	bool ok;

	/* Random addresses: their hashes collide, as real ones do. */
	for (i = 0; i < ADDRESSES; i++) {
		g_snprintf(text, sizeof text, "10.%u.%u.%u", i,
		    (unsigned)g_rand_int_range(rand, 0, 256),
		    (unsigned)g_rand_int_range(rand, 0, 256));
		keys[i] = key_of(text);
	}
	g_assert_cmpint(perip_init(&t, ROOM), ==, 0);
	for (n = 0; n < STEPS; n++) {
		i = (unsigned)g_rand_int_range(rand, 0, ADDRESSES);
		if (g_rand_boolean(rand)) {
			ok = perip_acquire(&t, &keys[i], LIMIT);
			g_assert_cmpint(ok, ==, model[i] < LIMIT &&
			    (model[i] > 0 || held < ROOM));
			if (ok && model[i]++ == 0)
				held++;
		} else if (model[i] > 0) {
			perip_release(&t, &keys[i]);
			if (--model[i] == 0)
				held--;
		}
		g_assert_cmpuint(t.used, ==, held);
	}
	for (i = 0; i < ADDRESSES; i++)
		g_assert_cmpuint(perip_count(&t, &keys[i]), ==, model[i]);
	perip_destroy(&t);
	g_rand_free(rand);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/perip/keys", test_keys);
	g_test_add_func("/perip/limit", test_limit);
	g_test_add_func("/perip/full-table-refuses", test_full_table_refuses);
	g_test_add_func("/perip/against-model", test_against_model);
	return g_test_run();
}
