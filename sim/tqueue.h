/*
 * tqueue.h - timeout queues: deadlines of one length kept in a FIFO with a
 * single engine event for the earliest.
 *
 * Giving every wait its own timeout event leaves one stale event (and the
 * object it holds) in the engine for the whole timeout after the wait ends:
 * at a million writes a second and a 15 s timeout, 15 million of them.
 * Waits of one length start in time order, so their deadlines are already
 * sorted; a FIFO per (length, handler) with one pending event for its head
 * makes a wait that ends early cost an unlink, nothing more.
 *
 * Determinism: each wait reserves an event sequence number when it starts,
 * and the queue's event for it is scheduled with that number, so a timeout
 * runs exactly where its own event would have run.
 */
#ifndef XS_TQUEUE_H
#define XS_TQUEUE_H

#include <stdbool.h>
#include <stdint.h>

#include "engine.h"

typedef struct xs_sim xs_sim;
typedef struct xs_tnode xs_tnode;

/* Called when n's deadline is reached; n has already left its queue. */
typedef void (*xs_tq_fire_fn)(xs_sim *sim, xs_tnode *n);

/* Embedded in whatever waits (a cross-site request, a lock waiter). */
struct xs_tnode {
  xs_tnode *prev, *next;
  xs_ms deadline;
  uint64_t seq;              /* the event sequence its timeout sorts by */
  int32_t q;                 /* its queue, -1 when in none */
};

typedef struct xs_tqueue {
  xs_ms length;
  xs_tq_fire_fn fire;
  xs_tnode *head, *tail;
  bool armed;                /* an event is pending for this queue ... */
  uint64_t armed_seq;        /* ... for the node with this sequence */
} xs_tqueue;

/* All queues of a simulation, one per (length, handler), made on first use. */
typedef struct xs_tqueues {
  xs_tqueue *q;
  uint32_t n, cap;
} xs_tqueues;

#define XS_TQUEUES_MAX 256   /* distinct (length, handler) pairs; more wait
                              * with an event each (xs__tq_add fails) */

static inline void xs__tnode_init(xs_tnode *n) { *n = (xs_tnode){NULL, NULL, 0, 0, -1}; }
static inline bool xs__tnode_queued(const xs_tnode *n) { return n->q >= 0; }

void xs__tqueues_free(xs_tqueues *tqs);
/* Starts n's timeout of length ms from now, calling fire at the deadline.
 * XS_ENOMEM when no queue can be had: n->seq and n->deadline are set all
 * the same, for the caller's own event. */
int xs__tq_add(xs_sim *sim, xs_tnode *n, xs_ms length, xs_tq_fire_fn fire);
/* Ends n's wait early; a no-op for a node in no queue. */
void xs__tq_remove(xs_sim *sim, xs_tnode *n);

#endif
