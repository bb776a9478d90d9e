/*
 * perip.c - connections per client address.  Linear probing keeps the
 * table one flat array; a freed slot is refilled by shifting the entries
 * behind it back, so lookups never need tombstones.
 */
#include "build-config.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "perip.h"

/* The key of a client address; see perip.h. */
bool
perip_key_from(const struct sockaddr *sa, socklen_t len, struct perip_key *key)
{
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;
	const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;

	memset(key, 0, sizeof *key);
	if (sa->sa_family == AF_INET && len >= sizeof *sin) {
		key->family = AF_INET;
		memcpy(key->bytes, &sin->sin_addr, 4);
		return true;
	}
	if (sa->sa_family != AF_INET6 || len < sizeof *sin6)
		return false;
	if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
		key->family = AF_INET;
		memcpy(key->bytes, &sin6->sin6_addr.s6_addr[12], 4);
		return true;
	}
	key->family = AF_INET6;
	memcpy(key->bytes, sin6->sin6_addr.s6_addr, 8);
	return true;
}

/* FNV-1a over the key. */
static size_t
key_hash(const struct perip_key *key)
{
	uint32_t h = 2166136261u;
	size_t i;

	h = (h ^ key->family) * 16777619u;
	for (i = 0; i < sizeof key->bytes; i++)
		h = (h ^ key->bytes[i]) * 16777619u;
	return h;
}

static bool
key_equal(const struct perip_key *a, const struct perip_key *b)
{
	return a->family == b->family &&
	    memcmp(a->bytes, b->bytes, sizeof a->bytes) == 0;
}

/* A table at most half full when max_addresses are in it. */
int
perip_init(struct perip_table *t, size_t max_addresses)
{
	size_t size = 16;

	while (size < 2 * max_addresses)
		size *= 2;
	t->slots = calloc(size, sizeof *t->slots);
	if (t->slots == NULL)
		return -1;
	t->mask = size - 1;
	t->used = 0;
	t->max_used = max_addresses;
	pthread_mutex_init(&t->lock, NULL);
	return 0;
}

/* Free the table. */
void
perip_destroy(struct perip_table *t)
{
	if (t->slots == NULL)
		return;
	pthread_mutex_destroy(&t->lock);
	free(t->slots);
	t->slots = NULL;
}

/* The slot holding key, or the free slot where it would go. */
static size_t
find_slot(const struct perip_table *t, const struct perip_key *key)
{
	size_t i = key_hash(key) & t->mask;

	while (t->slots[i].count != 0 && !key_equal(&t->slots[i].key, key))
		i = (i + 1) & t->mask;
	return i;
}

/* Count one more connection for key unless it is at limit. */
bool
perip_acquire(struct perip_table *t, const struct perip_key *key,
    unsigned limit)
{
	struct perip_entry *e;
	bool ok = true;

	pthread_mutex_lock(&t->lock);
	e = &t->slots[find_slot(t, key)];
	if (e->count == 0) {
		/* More addresses than connections can exist: never here,
		 * but a full table must refuse rather than loop. */
		ok = t->used < t->max_used && limit > 0;
		if (ok) {
			e->key = *key;
			e->count = 1;
			t->used++;
		}
	} else if (e->count >= limit)
		ok = false;
	else
		e->count++;
	pthread_mutex_unlock(&t->lock);
	return ok;
}

/* True if home, where an entry hashes to, lies cyclically in (gap, j]:
 * then the entry at j may not move back to the gap. */
static bool
stays(size_t home, size_t gap, size_t j)
{
	if (gap <= j)
		return gap < home && home <= j;
	return gap < home || home <= j;
}

/* Empty the slot at gap, moving later entries of its run back into it. */
static void
remove_slot(struct perip_table *t, size_t gap)
{
	size_t j = gap, home;

	for (;;) {
		j = (j + 1) & t->mask;
		if (t->slots[j].count == 0)
			break;
		home = key_hash(&t->slots[j].key) & t->mask;
		if (stays(home, gap, j))
			continue;
		t->slots[gap] = t->slots[j];
		gap = j;
	}
	t->slots[gap].count = 0;
	t->used--;
}

/* Count one connection fewer for key. */
void
perip_release(struct perip_table *t, const struct perip_key *key)
{
	size_t i;

	pthread_mutex_lock(&t->lock);
	i = find_slot(t, key);
	if (t->slots[i].count > 0 && --t->slots[i].count == 0)
		remove_slot(t, i);
	pthread_mutex_unlock(&t->lock);
}

/* How many connections key holds. */
unsigned
perip_count(struct perip_table *t, const struct perip_key *key)
{
	unsigned n;

	pthread_mutex_lock(&t->lock);
	n = t->slots[find_slot(t, key)].count;
	pthread_mutex_unlock(&t->lock);
	return n;
}
