/*
 * listener.h - the listening sockets and the accept loop that feeds the
 * queue.  Runs in the main thread; owns the listening descriptors and the
 * busy answer, never serves a connection itself.
 */
#ifndef SOCKD_LISTENER_H
#define SOCKD_LISTENER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "perip.h"
#include "queue.h"
#include "settings.h"

#define LISTENER_MAX 64

struct listener {
	int fds[LISTENER_MAX];
	size_t nfds;
	bool from_systemd;	/* systemd's: it keeps them, and their queue */
	int spare_fd;		/* given up to say busy when out of them */
	int64_t paused_until;	/* out of descriptors: accept again then */
	int64_t last_warning;	/* when that was last logged */
	uint64_t queued;	/* connections queued so far */
};

/*
 * Listen on the sockets systemd passed, or else on every address in s,
 * and log "listening on ADDR:PORT" for each.  Returns 0, or -1 with err
 * naming the address and the cause.
 */
int listener_open(struct listener *l, const struct settings *s, char *err,
    size_t errsz);
/*
 * Accept, pushing connections onto q and answering busy when it is full
 * or when the client's address holds its --max-per-ip share of perip,
 * until a signal arrives (signals_fd() readable) or tick_ms passed
 * (-1: no tick).  The caller then takes the signals.
 */
void listener_run(struct listener *l, struct queue *q,
    struct perip_table *perip, int tick_ms);
/* Close the listening sockets: new clients are refused from now on. */
void listener_close(struct listener *l);
/*
 * At shutdown: stop new handshakes, take every connection the kernel has
 * completed (queued or busy, as listener_run would), then close, so that
 * no client the kernel accepted for sockd is reset.  With reuseport and
 * the kernel's tcp_migrate_req, the queue goes to a sibling instead.
 * Sockets from systemd are only closed: systemd holds them open, and
 * what waits on them is for the next sockd.
 */
void listener_hand_over(struct listener *l, bool reuseport, struct queue *q,
    struct perip_table *perip);

#endif
