/*
 * test-inject-spec.c - the pure parts of --inject: the SPEC grammar,
 * its errors, the canonical form, and the seeded draws (the same seed
 * and numbers give the same faults, shares come out as asked, garbled
 * answers and partial cuts keep their promises).
 */
#include "build-config.h"

#include <glib.h>
#include <string.h>

#include "inject.h"

/* Parse spec into a fresh set; assert it is accepted. */
static struct inject_set
parsed(const char *spec)
{
	struct inject_set set;
	char err[256];

	memset(&set, 0, sizeof set);
	if (inject_parse(&set, spec, err, sizeof err) < 0)
		g_error("'%s' refused: %s", spec, err);
	return set;
}

/* The canonical form of a spec. */
static char *
canonical(const char *spec)
{
	struct inject_set set = parsed(spec);
	char out[512];

	inject_format(&set, out, sizeof out);
	return g_strdup(out);
}

/* Each fault's value is read into its fields. */
static void
test_values(void)
{
	struct inject_set s = parsed("delay=100~20/50,stall=500@3,drop=5,"
	    "reset=10@2-4,close-after=7/25,slow=300,partial=1.5,garble=0.25%");
	const struct inject_fault *f = s.fault;

	g_assert_true(s.any);
	g_assert_true(f[INJECT_DELAY].on);
	g_assert_cmpuint(f[INJECT_DELAY].a, ==, 100);
	g_assert_cmpuint(f[INJECT_DELAY].b, ==, 20);
	g_assert_cmpuint(f[INJECT_DELAY].share, ==, 500000);
	g_assert_cmpuint(f[INJECT_STALL].a, ==, 500);
	g_assert_cmpuint(f[INJECT_STALL].b, ==, 3);
	g_assert_cmpuint(f[INJECT_STALL].share, ==, INJECT_SHARE_ALL);
	g_assert_cmpuint(f[INJECT_DROP].share, ==, 50000);
	g_assert_cmpuint(f[INJECT_RESET].share, ==, 100000);
	g_assert_cmpuint(f[INJECT_RESET].a, ==, 2);
	g_assert_cmpuint(f[INJECT_RESET].b, ==, 4);
	g_assert_cmpuint(f[INJECT_CLOSE_AFTER].a, ==, 7);
	g_assert_cmpuint(f[INJECT_CLOSE_AFTER].share, ==, 250000);
	g_assert_cmpuint(f[INJECT_SLOW].a, ==, 300);
	g_assert_cmpuint(f[INJECT_PARTIAL].share, ==, 15000);
	g_assert_cmpuint(f[INJECT_GARBLE].share, ==, 2500);
	/* reset without @: from the first message to the tenth. */
	s = parsed("reset=1");
	g_assert_cmpuint(s.fault[INJECT_RESET].a, ==, 1);
	g_assert_cmpuint(s.fault[INJECT_RESET].b, ==, INJECT_RESET_LAST);
	s = parsed("reset=1@3");
	g_assert_cmpuint(s.fault[INJECT_RESET].a, ==, 3);
	g_assert_cmpuint(s.fault[INJECT_RESET].b, ==, 3);
}

/* Percentages: whole or with up to 4 decimals, with or without %. */
static void
test_percentages(void)
{
	static const struct {
		const char *text;
		uint32_t share;
	} good[] = {
		{ "0", 0 }, { "100", 1000000 }, { "5", 50000 },
		{ "5%", 50000 }, { "0.5", 5000 }, { "12.5%", 125000 },
		{ "0.0001", 1 }, { "100.0", 1000000 }, { "99.9999", 999999 },
		{ "007", 70000 },
	};
	static const char *const bad[] = {
		"150", "100.01", "101", "5.", ".5", "5.12345", "-1", "+1",
		"5%%", "x", "", "5 %", "1e2", "99999999999999999999",
	};
	struct inject_set s;
	char spec[64], err[256];
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(good); i++) {
		g_snprintf(spec, sizeof spec, "drop=%s", good[i].text);
		s = parsed(spec);
		g_assert_cmpuint(s.fault[INJECT_DROP].share, ==,
		    good[i].share);
	}
	for (i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_snprintf(spec, sizeof spec, "garble=%s", bad[i]);
		memset(&s, 0, sizeof s);
		g_assert_cmpint(inject_parse(&s, spec, err, sizeof err), ==,
		    -1);
		g_assert_nonnull(strstr(err, "not a percentage 0-100"));
	}
}

/* Assert that spec is refused with exactly the error expect. */
static void
assert_refused(const char *spec, const char *expect)
{
	struct inject_set s;
	char err[256];

	memset(&s, 0, sizeof s);
	g_assert_cmpint(inject_parse(&s, spec, err, sizeof err), ==, -1);
	g_assert_cmpstr(err, ==, expect);
}

/* A bad spec is refused with the part that is wrong and why. */
static void
test_errors(void)
{
	assert_refused("drop=150", "'drop=150': not a percentage 0-100");
	assert_refused("delay=100,drop=150",
	    "'drop=150': not a percentage 0-100");
	assert_refused("bogus=1", "'bogus=1': unknown fault: delay, stall, "
	    "drop, reset, close-after, slow, partial or garble");
	assert_refused("drop", "'drop': expected NAME=VALUE");
	assert_refused("drop=5,,garble=1", "'': no fault between commas");
	assert_refused("drop=5,", "'': no fault between commas");
	assert_refused("drop=5,drop=6",
	    "'drop=6': given twice (one of each kind)");
	assert_refused("delay=x",
	    "'delay=x': the delay is not a number of ms in 0-3600000");
	assert_refused("delay=3600001",
	    "'delay=3600001': the delay is not a number of ms in 0-3600000");
	assert_refused("delay=10~20",
	    "'delay=10~20': the jitter is more than the delay");
	assert_refused("delay=10~",
	    "'delay=10~': the jitter is not a number of ms in 0-3600000");
	assert_refused("delay=10/150",
	    "'delay=10/150': the share after / is not a percentage 0-100");
	assert_refused("delay=10x",
	    "'delay=10x': unexpected text after the value");
	assert_refused("stall=100", "'stall=100': expected stall=MS@N, N a "
	    "message number in 0-1000000000");
	assert_refused("stall=0@1",
	    "'stall=0@1': the stall is not a number of ms in 1-3600000");
	assert_refused("reset=5@0", "'reset=5@0': not a message number in "
	    "1-1000000000 after @");
	assert_refused("reset=5@4-2", "'reset=5@4-2': not a range of "
	    "messages N-M with N <= M after @");
	assert_refused("drop=5@2", "'drop=5@2': not a percentage 0-100");
	assert_refused("drop=5/50", "'drop=5/50': not a percentage 0-100");
	assert_refused("slow=0", "'slow=0': not a number of bytes per second "
	    "in 1-1000000000");
	assert_refused("close-after=-1", "'close-after=-1': not a number of "
	    "answers in 0-1000000000");
	/* A byte a terminal would act on is shown escaped. */
	assert_refused("drop=\x1b[2J",
	    "'drop=\\x1b[2J': not a percentage 0-100");
}

/* Blanks around faults, "none", and the canonical form. */
static void
test_canonical(void)
{
	struct inject_set s, t;
	char *text;

	text = canonical(" garble=1 ,\tdrop=5% ");
	g_assert_cmpstr(text, ==, "drop=5,garble=1");
	g_free(text);
	text = canonical("delay=100~20/50,stall=500@0/12.5,reset=10,"
	    "close-after=0,slow=7/100,partial=0.0001");
	g_assert_cmpstr(text, ==, "delay=100~20/50,stall=500@0/12.5,"
	    "reset=10@1-10,close-after=0,slow=7,partial=0.0001");
	g_free(text);
	text = canonical("none");
	g_assert_cmpstr(text, ==, "none");
	g_free(text);
	/* The canonical form parses back to the same faults. */
	s = parsed("delay=100~20/50,reset=10@2-4,garble=0.25");
	text = g_malloc(512);
	inject_format(&s, text, 512);
	t = parsed(text);
	g_assert_true(inject_equal(&s, &t));
	g_free(text);
	/* none empties what was there; faults then add up again. */
	s = parsed("drop=5");
	g_assert_cmpint(inject_parse(&s, "none", NULL, 0), ==, 0);
	g_assert_false(s.any);
	g_assert_true(inject_equal(&s, &(struct inject_set){ .any = false }));
	g_assert_cmpint(inject_parse(&s, "garble=1", NULL, 0), ==, 0);
	g_assert_cmpint(inject_parse(&s, "drop=2", NULL, 0), ==, 0);
	g_assert_true(s.fault[INJECT_GARBLE].on && s.fault[INJECT_DROP].on);
	t = parsed("drop=3,garble=1");
	g_assert_false(inject_equal(&s, &t));
}

/* Which of the first n messages of connection seq draw fault kind. */
static GString *
pattern(const char *spec, uint64_t seed, uint64_t seq, unsigned n)
{
	struct inject_set set = parsed(spec);
	struct inject_conn ic;
	struct inject_draw d;
	GString *out = g_string_new(NULL);
	unsigned m;

	inject_conn_begin(&ic, &set, seed, seq);
	for (m = 1; m <= n; m++) {
		inject_message(&ic, m, &d);
		g_string_append_c(out, d.drop ? 'D' : d.garble ? 'G' :
		    d.pieces ? 'P' : d.delay ? 'd' : '.');
	}
	return out;
}

/*
 * The same seed and connection number give the same faults, in any
 * order and on every platform (the pattern is fixed here); another seed
 * or another connection gives others.
 */
static void
test_reproducible(void)
{
	GString *a = pattern("drop=30,garble=20,partial=20", 42, 1, 40);
	GString *b = pattern("drop=30,garble=20,partial=20", 42, 1, 40);
	GString *c = pattern("drop=30,garble=20,partial=20", 43, 1, 40);
	GString *d = pattern("drop=30,garble=20,partial=20", 42, 2, 40);
	struct inject_set set = parsed("drop=50");
	struct inject_conn ic;
	struct inject_draw first, again;

	g_test_message("seed 42, connection 1: %s", a->str);
	g_assert_cmpstr(a->str, ==, b->str);
	g_assert_cmpstr(a->str, !=, c->str);
	g_assert_cmpstr(a->str, !=, d->str);
	g_assert_cmpstr(a->str, ==, ".DGD.D.GP.D.D...D....P......G........DDG");
	/* A message's draws do not depend on the messages drawn before. */
	inject_conn_begin(&ic, &set, 7, 3);
	inject_message(&ic, 9, &first);
	inject_message(&ic, 1, &again);
	inject_garble(&again, (char[8]){ 0 }, 8);
	inject_message(&ic, 9, &again);
	g_assert_cmpmem(&first, sizeof first, &again, sizeof again);
	g_string_free(a, TRUE);
	g_string_free(b, TRUE);
	g_string_free(c, TRUE);
	g_string_free(d, TRUE);
}

/* Shares come out as asked: exactly none, all, and close to between. */
static void
test_shares(void)
{
	struct inject_set set = parsed("drop=25,delay=100~40/10,garble=0");
	struct inject_set all = parsed("drop=100");
	struct inject_conn ic, every;
	struct inject_draw d;
	unsigned m, drops = 0, delays = 0, n = 100000;

	inject_conn_begin(&ic, &set, 1, 1);
	inject_conn_begin(&every, &all, 1, 1);
	for (m = 1; m <= n; m++) {
		inject_message(&ic, m, &d);
		drops += d.drop;
		delays += d.delay;
		g_assert_false(d.garble);
		if (d.delay) {
			g_assert_cmpuint(d.delay_ms, >=, 60);
			g_assert_cmpuint(d.delay_ms, <=, 140);
		}
		inject_message(&every, m, &d);
		g_assert_true(d.drop);
	}
	/* Four standard deviations: about 0.55 and 0.38 points. */
	g_assert_cmpuint(drops, >, n / 4 - 550);
	g_assert_cmpuint(drops, <, n / 4 + 550);
	g_assert_cmpuint(delays, >, n / 10 - 380);
	g_assert_cmpuint(delays, <, n / 10 + 380);
}

/* Connections: a share of them is struck, at the message drawn. */
static void
test_connections(void)
{
	struct inject_set set = parsed("reset=50@2-4,stall=10@1/20,"
	    "close-after=3/100,slow=10/0");
	struct inject_conn ic;
	struct inject_draw d;
	unsigned seq, resets = 0, stalls = 0, m, struck;

	for (seq = 1; seq <= 10000; seq++) {
		inject_conn_begin(&ic, &set, 99, seq);
		g_assert_true(ic.close_after);
		g_assert_false(ic.slow);
		stalls += ic.stall;
		if (!ic.reset)
			continue;
		resets++;
		g_assert_cmpuint(ic.reset_at, >=, 2);
		g_assert_cmpuint(ic.reset_at, <=, 4);
		for (m = 1, struck = 0; m <= 6; m++) {
			inject_message(&ic, m, &d);
			struck += d.reset;
			g_assert_true(d.reset == (m == ic.reset_at));
		}
		g_assert_cmpuint(struck, ==, 1);
	}
	g_assert_cmpuint(resets, >, 4800);
	g_assert_cmpuint(resets, <, 5200);
	g_assert_cmpuint(stalls, >, 1840);
	g_assert_cmpuint(stalls, <, 2160);
}

/* A garbled answer has the same length and not one byte right, and is
 * printable: never a line ending. */
static void
test_garble(void)
{
	struct inject_set set = parsed("garble=100");
	struct inject_conn ic;
	struct inject_draw d;
	char before[256], after[256];
	unsigned m;
	size_t i;

	for (i = 0; i < sizeof before; i++)
		before[i] = (char)i;
	inject_conn_begin(&ic, &set, 5, 5);
	for (m = 1; m <= 50; m++) {
		inject_message(&ic, m, &d);
		g_assert_true(d.garble);
		memcpy(after, before, sizeof after);
		inject_garble(&d, after, sizeof after);
		for (i = 0; i < sizeof after; i++) {
			g_assert_cmpint(after[i], !=, before[i]);
			g_assert_cmpint(after[i], >=, '!');
			g_assert_cmpint(after[i], <=, '~');
		}
	}
}

/* partial cuts an answer into 2 or 3 pieces of a byte or more. */
static void
test_cuts(void)
{
	struct inject_set set = parsed("partial=100");
	struct inject_conn ic;
	struct inject_draw d;
	size_t cuts[INJECT_PIECES_MAX], len;
	unsigned m, n, i, seen[INJECT_PIECES_MAX + 1] = { 0 };

	inject_conn_begin(&ic, &set, 11, 1);
	for (m = 1; m <= 2000; m++) {
		inject_message(&ic, m, &d);
		g_assert_cmpuint(d.pieces, >=, 2);
		g_assert_cmpuint(d.pieces, <=, INJECT_PIECES_MAX);
		len = 1 + m % 9;
		n = inject_cuts(&d, len, cuts);
		g_assert_cmpuint(n, ==, MIN(d.pieces - 1, len - 1));
		seen[d.pieces]++;
		for (i = 0; i < n; i++) {
			g_assert_cmpuint(cuts[i], >, i ? cuts[i - 1] : 0);
			g_assert_cmpuint(cuts[i], <, len);
		}
	}
	g_assert_cmpuint(seen[2], >, 0);
	g_assert_cmpuint(seen[3], >, 0);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/inject/spec/values", test_values);
	g_test_add_func("/inject/spec/percentages", test_percentages);
	g_test_add_func("/inject/spec/errors", test_errors);
	g_test_add_func("/inject/spec/canonical", test_canonical);
	g_test_add_func("/inject/draw/reproducible", test_reproducible);
	g_test_add_func("/inject/draw/shares", test_shares);
	g_test_add_func("/inject/draw/connections", test_connections);
	g_test_add_func("/inject/draw/garble", test_garble);
	g_test_add_func("/inject/draw/cuts", test_cuts);
	return g_test_run();
}
