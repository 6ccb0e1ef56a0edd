/*
 * tqueue.c - timeout queues (see tqueue.h): one engine event per queue, for
 * its head, whatever the number of waits in it.
 */
#include <assert.h>
#include <stdlib.h>

#include "sim_internal.h"

static void tq_event(xs_sim *sim, void *obj, uint64_t qi);

void xs__tqueues_free(xs_tqueues *tqs) {
  free(tqs->q);
  *tqs = (xs_tqueues){NULL, 0, 0};
}

/* The queue for (length, fire), made on first use; -1 when none can be. */
static int tq_index(xs_tqueues *tqs, xs_ms length, xs_tq_fire_fn fire) {
  for (uint32_t i = 0; i < tqs->n; i++)
    if (tqs->q[i].length == length && tqs->q[i].fire == fire) return (int)i;
  if (tqs->n == XS_TQUEUES_MAX) return -1;
  if (tqs->n == tqs->cap) {
    uint32_t cap = tqs->cap ? tqs->cap * 2 : 8;
    xs_tqueue *q = realloc(tqs->q, cap * sizeof *q);
    if (!q) return -1;
    tqs->q = q;
    tqs->cap = cap;
  }
  tqs->q[tqs->n] = (xs_tqueue){length, fire, NULL, NULL, false, 0};
  return (int)tqs->n++;
}

/* Schedules queue qi's event for its head's deadline. */
static void tq_arm(xs_sim *sim, uint32_t qi) {
  xs_tqueue *q = &sim->tqs.q[qi];
  const xs_tnode *h = q->head;
  q->armed = true;
  q->armed_seq = h->seq;
  int rc = xs_engine_at_seq(&sim->eng, h->deadline, true, tq_event, NULL, qi, h->seq);
  /* Like xs__at: running out of event slots is a broken invariant. */
  assert(rc == 0);
  (void)rc;
}

int xs__tq_add(xs_sim *sim, xs_tnode *n, xs_ms length, xs_tq_fire_fn fire) {
  assert(n->q < 0);
  n->seq = xs_engine_reserve_seq(&sim->eng);
  n->deadline = sim->eng.now + length;
  int qi = tq_index(&sim->tqs, length, fire);
  if (qi < 0) return XS_ENOMEM;
  xs_tqueue *q = &sim->tqs.q[qi];
  /* Same length, started no earlier: the FIFO stays in deadline order. */
  assert(!q->tail || q->tail->deadline <= n->deadline);
  n->q = qi;
  n->prev = q->tail;
  n->next = NULL;
  if (q->tail) q->tail->next = n;
  else q->head = n;
  q->tail = n;
  if (!q->armed) tq_arm(sim, (uint32_t)qi);
  return 0;
}

void xs__tq_remove(xs_sim *sim, xs_tnode *n) {
  if (n->q < 0) return;
  xs_tqueue *q = &sim->tqs.q[n->q];
  if (n->prev) n->prev->next = n->next;
  else q->head = n->next;
  if (n->next) n->next->prev = n->prev;
  else q->tail = n->prev;
  n->prev = n->next = NULL;
  n->q = -1;
}

/* Queue qi's event.  If its head is still the node it was armed for, that
 * node's deadline is now; otherwise that one ended early and the event only
 * re-arms for the current head. */
static void tq_event(xs_sim *sim, void *obj, uint64_t qi) {
  xs_tqueue *q = &sim->tqs.q[qi];
  q->armed = false;
  xs_tnode *n = q->head;
  if (n && n->seq == q->armed_seq) {
    assert(n->deadline == sim->eng.now);
    xs_tq_fire_fn fire = q->fire;
    xs__tq_remove(sim, n);
    /* The handler may start waits, which may move sim->tqs.q. */
    fire(sim, n);
    q = &sim->tqs.q[qi];
  }
  if (!q->armed && q->head) tq_arm(sim, (uint32_t)qi);
}
