/*
 * perip.h - how many connections each client address holds, for
 * --max-per-ip.  IPv4 addresses count one by one and IPv6 ones by /64,
 * since one host usually owns a whole /64.  A fixed open-addressing table
 * under one mutex: the acceptor takes a place, the worker gives it back.
 */
#ifndef SOCKD_PERIP_H
#define SOCKD_PERIP_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* An IPv4 address, or the first 64 bits of an IPv6 one. */
struct perip_key {
	uint8_t family;		/* AF_INET or AF_INET6 */
	uint8_t bytes[8];	/* IPv4: the first 4 are used */
};

struct perip_entry {
	struct perip_key key;
	unsigned count;		/* 0: the slot is free */
};

struct perip_table {
	pthread_mutex_t lock;
	struct perip_entry *slots;
	size_t mask;		/* slots - 1, a power of two minus one */
	size_t used, max_used;
};

/* The table the acceptor and the workers share. */

/*
 * The key of a client address; false if it is not IP (a Unix socket
 * handed over by systemd), which is never limited.  IPv4-mapped IPv6
 * addresses count as the IPv4 address.
 */
bool perip_key_from(const struct sockaddr *sa, socklen_t len,
    struct perip_key *key);
/* A table for up to max_addresses addresses at once; -1 if no memory. */
int perip_init(struct perip_table *t, size_t max_addresses);
/* Free the table once nobody uses it. */
void perip_destroy(struct perip_table *t);
/* Count one more connection for key unless it holds limit already. */
bool perip_acquire(struct perip_table *t, const struct perip_key *key,
    unsigned limit);
/* Count one connection fewer for key (one perip_acquire() earlier). */
void perip_release(struct perip_table *t, const struct perip_key *key);
/* How many connections key holds now. */
unsigned perip_count(struct perip_table *t, const struct perip_key *key);

#endif
