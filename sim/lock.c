/*
 * lock.c - per-key locks of one cache instance, with FIFO waiters and an
 * acquisition timeout, as Infinispan's lock manager with the cache's locking
 * acquire-timeout.  A write holds its key's lock across the cross-site round
 * trip (the locking interceptor sits before the backup interceptor), so
 * concurrent writes to one key queue behind a slow backup, and cross-site
 * writes to one key from two sites can wait on each other until one times
 * out.
 */
#include <assert.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "sim_internal.h"

void xs__locks_init(xs_locks *l) { memset(l, 0, sizeof *l); }

void xs__locks_free(xs_locks *l) {
  for (size_t i = 0; i < XS_LOCK_BUCKETS; i++) {
    while (l->bucket[i]) {
      xs_lock *k = l->bucket[i];
      l->bucket[i] = k->next;
      free(k);
    }
  }
  while (l->free) {
    xs_lock *k = l->free;
    l->free = k->next;
    free(k);
  }
}

static xs_lock **find(xs_locks *l, uint64_t hash, const uint8_t *key, uint32_t klen) {
  xs_lock **p = &l->bucket[hash & (XS_LOCK_BUCKETS - 1)];
  while (*p && !((*p)->hash == hash && (*p)->klen == klen && memcmp((*p)->key, key, klen) == 0))
    p = &(*p)->next;
  return p;
}

/* ISPN000299, as Infinispan's lock manager words a lock timeout. */
static void timeout_text(xs_sim *sim, xs_cinst *ci, xs_opctx *op, const xs_opctx *holder) {
  char t[64], key[64], me[128], by[128];
  xs__pretty_time(ci->cfg->lock_timeout_ms, t, sizeof t);
  uint32_t n = op->klen < sizeof key - 1 ? op->klen : (uint32_t)sizeof key - 1;
  for (uint32_t i = 0; i < n; i++) key[i] = op->key[i] >= 32 && op->key[i] < 127 ? (char)op->key[i] : '.';
  key[n] = 0;
  xs__op_owner_name(sim, op, me, sizeof me);
  xs__op_owner_name(sim, holder, by, sizeof by);
  snprintf(op->err, sizeof op->err,
           "ISPN000299: Unable to acquire lock after %s for key %s and requestor %s. Lock is held by %s",
           t, key, me, by);
}

/* A waiter's acquire-timeout has passed: it leaves the waiters (it never
 * held the lock) and resumes with ISPN000299. */
static void wait_time_out(xs_sim *sim, xs_opctx *op) {
  xs_cinst *ci = xs__cinst(sim, op->site, op->cache);
  xs_lock *k = op->lock;
  xs_opctx **w = &k->wait_head, *prev = NULL;
  while (*w && *w != op) {
    prev = *w;
    w = &(*w)->lock_next;
  }
  assert(*w == op);
  *w = op->lock_next;
  if (k->wait_tail == op) k->wait_tail = prev;
  op->lock_next = NULL;
  op->lock = NULL;
  op->lock_gen++;
  op->status = XS_ELOCK;
  timeout_text(sim, ci, op, k->holder);
  xs__ev(sim, XS_EV_LOCK_TIMEOUT, op->site, -1, op->cache, 0, op->id, NULL);
  xs__op_lock_resumed(sim, op);
}

/* From the timeout queue: a granted or abandoned wait has left it already. */
static void wait_timeout_node(xs_sim *sim, xs_tnode *n) {
  xs_opctx *op = (xs_opctx *)((char *)n - offsetof(xs_opctx, lock_tn));
  assert(op->state == XS_OPS_LOCK_WAIT && op->lock);
  wait_time_out(sim, op);
}

/* An own event, when no queue could be had: lock_gen voids it once the
 * wait has ended, and the reference keeps op until it runs. */
static void wait_timeout_event(xs_sim *sim, void *obj, uint64_t gen) {
  xs_opctx *op = obj;
  if (op->state == XS_OPS_LOCK_WAIT && op->lock_gen == gen) wait_time_out(sim, op);
  xs__op_unref(sim, op);
}

/* The end of a zero-timeout acquisition that found the key held (see
 * xs__lock_acquire): the op never joined the waiters, so nothing but a
 * crash of its site can have changed its fate since. */
static void lock_refused_event(xs_sim *sim, void *obj, uint64_t gen) {
  xs_opctx *op = obj;
  if (op->state == XS_OPS_LOCK_WAIT && op->lock_gen == gen) {
    op->lock_gen++;
    if (op->epoch != sim->sites[op->site].epoch) op->status = XS_ESITEDOWN;
    else xs__ev(sim, XS_EV_LOCK_TIMEOUT, op->site, -1, op->cache, 0, op->id, NULL);
    xs__op_lock_resumed(sim, op);
  }
  xs__op_unref(sim, op);
}

bool xs__lock_is_free(xs_cinst *ci, uint64_t hash, const uint8_t *key, uint32_t klen) {
  return *find(&ci->locks, hash, key, klen) == NULL;
}

bool xs__lock_acquire(xs_sim *sim, xs_cinst *ci, xs_opctx *op, xs_ms timeout_ms) {
  xs_locks *l = &ci->locks;
  xs_lock **p = find(l, op->hash, op->key, op->klen);
  if (!*p) {
    xs_lock *k = l->free;
    if (k) l->free = k->next;
    else if (!(k = malloc(sizeof *k))) return false; /* treated as a lock timeout */
    *k = (xs_lock){NULL, op->hash, op->key, op->klen, op, NULL, NULL};
    *p = k;
    l->held++;
    op->lock = k;
    return true;
  }
  xs_lock *k = *p;
  assert(k->holder != op);
  op->state = XS_OPS_LOCK_WAIT;
  if (timeout_ms <= 0) {
    /* acquire-timeout 0 fails at once (seed 001: "the transaction will
     * immediately fail"): decided now, against the current holder, and
     * never queued - a release later in this millisecond must not hand the
     * lock over.  The op still resumes from an event, as a wait would. */
    op->status = XS_ELOCK;
    timeout_text(sim, ci, op, k->holder);
    op->refs++;
    xs__at(sim, sim->eng.now, lock_refused_event, op, op->lock_gen);
    return false;
  }
  op->lock = k;
  op->lock_next = NULL;
  if (k->wait_tail) k->wait_tail->lock_next = op;
  else k->wait_head = op;
  k->wait_tail = op;
  /* Background, as waiting ops are counted as pending work anyway.  The
   * queue holds no reference: whatever ends the wait takes op out of it. */
  if (xs__tq_add(sim, &op->lock_tn, timeout_ms, wait_timeout_node) != 0) {
    op->refs++;
    int rc = xs_engine_at_seq(&sim->eng, op->lock_tn.deadline, true, wait_timeout_event, op,
                              op->lock_gen, op->lock_tn.seq);
    assert(rc == 0);
    (void)rc;
  }
  return false;
}

void xs__lock_release(xs_sim *sim, xs_cinst *ci, xs_opctx *op) {
  xs_lock *k = op->lock;
  if (!k) return;
  assert(k->holder == op);
  op->lock = NULL;
  xs_opctx *next = k->wait_head;
  if (next) {
    /* Hand the lock straight to the first waiter, keeping FIFO fairness. */
    k->wait_head = next->lock_next;
    if (!k->wait_head) k->wait_tail = NULL;
    next->lock_next = NULL;
    next->lock_gen++;
    xs__tq_remove(sim, &next->lock_tn);
    k->holder = next;
    k->key = next->key;
    next->state = XS_OPS_NEW;
    xs__op_lock_resumed(sim, next);
    return;
  }
  xs_lock **p = find(&ci->locks, k->hash, k->key, k->klen);
  assert(*p == k);
  *p = k->next;
  k->next = ci->locks.free;
  ci->locks.free = k;
  ci->locks.held--;
}

void xs__locks_reset(xs_sim *sim, xs_cinst *ci) {
  for (size_t i = 0; i < XS_LOCK_BUCKETS; i++) {
    for (xs_lock *k = ci->locks.bucket[i]; k; k = k->next) {
      xs_opctx *w = k->wait_head;
      k->wait_head = k->wait_tail = NULL;
      while (w) {
        xs_opctx *next = w->lock_next;
        w->lock_next = NULL;
        w->lock = NULL;
        w->lock_gen++;
        xs__tq_remove(sim, &w->lock_tn);
        w->status = XS_ESITEDOWN;
        xs__op_lock_resumed(sim, w);
        w = next;
      }
    }
  }
}
