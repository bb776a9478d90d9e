/*
 * replay.c - a fuzz target without libFuzzer, for make check: each file
 * of its seed corpus, tests/fuzz/corpus/FUZZ_TARGET, is one test case
 * that runs the target's entry point on it once.  The seeds and the
 * inputs that once made a target fail stay tests on every build, with
 * the compiler and sanitizers of that build; an oracle that fails
 * aborts the test program, which the TAP driver reports.
 */
#include "build-config.h"

#include <glib.h>
#include <string.h>

#include "fuzz.h"

#ifndef FUZZ_TARGET
#error FUZZ_TARGET must name the target, as "fuzz-framing"
#endif

/* Run the target on a copy of exactly the file's bytes: reading past
 * them is caught by AddressSanitizer where the build has it. */
static void
replay(const char *bytes, size_t len)
{
	uint8_t *copy = g_malloc(len > 0 ? len : 1);

	if (len > 0)
		memcpy(copy, bytes, len);
	if (LLVMFuzzerTestOneInput(copy, len) != 0)
		g_error("%s returned non-zero", FUZZ_TARGET);
	g_free(copy);
}

/* libFuzzer tries the empty input first; so does this. */
static void
test_empty_input(void)
{
	replay("", 0);
}

/* One file of the corpus. */
static void
test_corpus_file(gconstpointer data)
{
	const char *path = data;
	gchar *bytes;
	gsize len;
	GError *error = NULL;

	if (!g_file_get_contents(path, &bytes, &len, &error))
		g_error("%s: %s", path, error->message);
	replay(bytes, len);
	g_free(bytes);
}

/* Order the corpus by name, so that the cases keep their numbers. */
static gint
compare_names(gconstpointer a, gconstpointer b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int
main(int argc, char **argv)
{
	const char *srcdir = g_getenv("SOCKD_SRCDIR"), *name;
	GPtrArray *names;
	GError *error = NULL;
	gchar *dir, *path, *test;
	GDir *listing;
	guint i;

	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/" FUZZ_TARGET "/empty-input", test_empty_input);
	/* Without the corpus this would pass having replayed nothing. */
	if (srcdir == NULL)
		g_error("SOCKD_SRCDIR is not set (run from make check)");
	dir = g_build_filename(srcdir, "tests", "fuzz", "corpus", FUZZ_TARGET,
	    NULL);
	if ((listing = g_dir_open(dir, 0, &error)) == NULL)
		g_error("%s", error->message);
	names = g_ptr_array_new_with_free_func(g_free);
	while ((name = g_dir_read_name(listing)) != NULL)
		g_ptr_array_add(names, g_strdup(name));
	g_dir_close(listing);
	if (names->len == 0)
		g_error("%s: no seed inputs", dir);
	g_ptr_array_sort(names, compare_names);
	for (i = 0; i < names->len; i++) {
		name = g_ptr_array_index(names, i);
		path = g_build_filename(dir, name, NULL);
		test = g_strdup_printf("/%s/corpus/%s", FUZZ_TARGET, name);
		/* The path lives as long as the program: the case reads it. */
		g_test_add_data_func(test, path, test_corpus_file);
		g_free(test);
	}
	g_ptr_array_free(names, TRUE);
	g_free(dir);
	return g_test_run();
}
