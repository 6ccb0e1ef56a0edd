/*
 * cacheop.c - client cache operations and the two write paths.
 *
 * Non-transactional (NonTransactionalBackupInterceptor): lock the key, apply
 * the write locally, then back it up synchronously to every online SYNC
 * site while still holding the lock.  Under FAIL a backup failure reaches
 * the caller as ISPN000709, but the local write stays.
 *
 * Pessimistic transactional (PessimisticBackupInterceptor): lock the key,
 * evaluate the write, send it to the SYNC sites as a one-phase prepare, and
 * commit locally only when they answered; under FAIL a failure rolls the
 * write back, so nothing is applied here - yet a remote that applied before
 * its reply was lost keeps the write.  That is the out-of-sync mechanism the
 * Keycloak guide warns about.
 *
 * Either way a write that did not happen locally (a failed condition) is not
 * replicated, ASYNC backups only queue the key for IRAC, and a clear runs
 * locally first and then on every online backup.
 */
#include <assert.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "sim_internal.h"

#define OP_FREE_LIST_MAX 4096 /* recycled contexts kept for reuse */

/* ------------------------------------------------------------------------ */
/* Context allocation                                                         */

/* sim->ops_live holds every context not recycled (see xs_sim_free). */
static void live_add(xs_sim *sim, xs_opctx *op) {
  op->live_prev = NULL;
  op->live_next = sim->ops_live;
  if (sim->ops_live) sim->ops_live->live_prev = op;
  sim->ops_live = op;
}

static void live_remove(xs_sim *sim, xs_opctx *op) {
  if (op->live_prev) op->live_prev->live_next = op->live_next;
  else sim->ops_live = op->live_next;
  if (op->live_next) op->live_next->live_prev = op->live_prev;
  op->live_prev = op->live_next = NULL;
}

xs_opctx *xs__op_alloc(xs_sim *sim, size_t bytes) {
  xs_opctx *op = sim->op_free;
  if (op) {
    sim->op_free = op->free_next;
    sim->op_free_n--;
  } else if (!(op = calloc(1, sizeof *op))) {
    return NULL;
  }
  uint8_t *buf = op->buf;
  uint32_t cap = op->buf_cap;
  if (bytes > cap) {
    uint8_t *nb = realloc(buf, bytes);
    if (!nb) {
      free(buf);
      free(op);
      return NULL;
    }
    buf = nb;
    cap = (uint32_t)bytes;
  }
  memset(op, 0, offsetof(xs_opctx, buf));
  xs__tnode_init(&op->lock_tn);
  op->buf = buf;
  op->buf_cap = cap;
  op->err[0] = 0;
  op->free_next = NULL;
  op->refs = 1;
  op->lifespan_ms = op->max_idle_ms = -1;
  op->expire_ms = XS_TIME_NEVER;
  live_add(sim, op);
  return op;
}

void xs__op_unref(xs_sim *sim, xs_opctx *op) {
  assert(op->refs > 0);
  if (--op->refs) return;
  assert(op->lock == NULL && !xs__tnode_queued(&op->lock_tn));
  if (op->ver) xs_irac_pool_unref(sim->vpool, op->ver);
  live_remove(sim, op);
  if (sim->op_free_n < OP_FREE_LIST_MAX && op->buf_cap <= 4096) {
    op->free_next = sim->op_free;
    sim->op_free = op;
    sim->op_free_n++;
    return;
  }
  free(op->buf);
  free(op);
}

void xs_op_init(xs_op *op, xs_op_kind kind, int site, int cache) {
  memset(op, 0, sizeof *op);
  op->kind = kind;
  op->site = site;
  op->cache = cache;
  op->lifespan_ms = -1;
  op->max_idle_ms = -1;
}

void xs__op_owner_name(const xs_sim *sim, const xs_opctx *op, char *buf, size_t len) {
  const xs_cinst *ci = xs__cinst(sim, op->site, op->cache);
  const char *node = xs_sim_node_name(sim, op->site, 0);
  bool tx = ci && ci->cfg->tx != XS_TX_NONE;
  if (op->role == XS_OPC_REMOTE) {
    const xs_xreq *r = op->remote_req;
    snprintf(buf, len, "XSiteRequest:%s:%" PRIu64, xs_sim_site_name(sim, r->from), r->request_id);
    return;
  }
  snprintf(buf, len, "%s:%s:%" PRIu64, tx ? "GlobalTx" : "CommandUUID", node ? node : "?", op->id);
}

/* ------------------------------------------------------------------------ */
/* Completion                                                                 */

static void complete(xs_sim *sim, xs_opctx *op, const uint8_t *val, uint32_t vlen, uint8_t vtype,
                     xs_ms expire) {
  assert(op->state != XS_OPS_DONE && op->role == XS_OPC_CLIENT);
  op->state = XS_OPS_DONE;
  xs_op_result r = {.op_id = op->id, .status = op->status, .error = op->err,
                    .found = op->found, .value = val, .value_len = vlen, .vtype = vtype,
                    .expire_ms = expire, .invoked_ms = op->invoked_ms,
                    .completed_ms = sim->eng.now, .warned = op->warned};
  if (op->status == 0) op->err[0] = 0;
  else if (!op->err[0]) snprintf(op->err, sizeof op->err, "%s", xs_strerror(op->status));
  xs__ev(sim, XS_EV_OP_DONE, op->site, -1, op->cache, op->status, op->id, op->status ? op->err : NULL);
  assert(sim->ops_inflight > 0);
  sim->ops_inflight--;
  if (op->cb) op->cb(sim, op->ud, &r);
  xs__op_unref(sim, op);
}

static void complete_plain(xs_sim *sim, xs_opctx *op) { complete(sim, op, NULL, 0, 0, XS_TIME_NEVER); }

/* ------------------------------------------------------------------------ */
/* Applying modifications to a cache instance                                 */

void xs__st_track_write(xs_cinst *ci, const uint8_t *key, uint32_t klen, uint64_t hash) {
  if (ci->st_sender < 0) return;
  /* CommitManager: a key written by a normal operation while state arrives
   * must never be overwritten by an older state chunk. */
  xs_meta m = {XS_TIME_NEVER, -1, 0, 0, 0};
  (void)xs_store_put(ci->st_written, key, klen, hash, NULL, 0, &m, NULL);
}

static void drop_tombstone(xs_sim *sim, xs_cinst *ci, const uint8_t *key, uint32_t klen,
                           uint64_t hash) {
  /* Only ASYNC caches keep tombstones: spare the others a probe. */
  if (xs_store_count(ci->tombstones) == 0) return;
  xs_entry *t = xs_store_find(ci->tombstones, key, klen, hash);
  if (!t) return;
  xs_meta m;
  xs_entry_meta(t, &m);
  if (m.ver) xs_irac_pool_unref(sim->vpool, m.ver);
  xs_store_remove(ci->tombstones, key, klen, hash);
}

int xs__apply_put(xs_sim *sim, xs_cinst *ci, const uint8_t *key, uint32_t klen, uint64_t hash,
                  const uint8_t *val, uint32_t vlen, const xs_meta *m) {
  uint32_t old_ver = 0;
  int rc = xs_store_put_ver(ci->store, key, klen, hash, val, vlen, m, &old_ver);
  if (rc) return rc;
  if (old_ver) xs_irac_pool_unref(sim->vpool, old_ver);
  drop_tombstone(sim, ci, key, klen, hash);
  return 0;
}

void xs__apply_remove(xs_sim *sim, xs_cinst *ci, const uint8_t *key, uint32_t klen,
                      uint64_t hash, uint32_t tomb_ver) {
  xs_entry *old = xs_store_find(ci->store, key, klen, hash);
  if (old) {
    xs_meta om;
    xs_entry_meta(old, &om);
    if (om.ver) xs_irac_pool_unref(sim->vpool, om.ver);
    xs_store_remove(ci->store, key, klen, hash);
  }
  drop_tombstone(sim, ci, key, klen, hash);
  if (!tomb_ver) return;
  /* IRAC keeps the removed key's version so that a concurrent update that
   * arrives later is compared against the removal, not against nothing. */
  xs_meta tm = {XS_TIME_NEVER, -1, sim->eng.now, tomb_ver, 0};
  if (xs_store_put(ci->tombstones, key, klen, hash, NULL, 0, &tm, NULL) != 0)
    xs_irac_pool_unref(sim->vpool, tomb_ver);
  else
    xs__irac_tombstone_added(sim, ci);
}

static void unref_all_versions(xs_sim *sim, xs_store *s) {
  size_t cur = 0;
  xs_entry *e;
  while ((e = xs_store_next(s, &cur))) {
    xs_meta m;
    xs_entry_meta(e, &m);
    if (m.ver) xs_irac_pool_unref(sim->vpool, m.ver);
  }
}

void xs__apply_clear(xs_sim *sim, xs_cinst *ci) {
  unref_all_versions(sim, ci->store);
  unref_all_versions(sim, ci->tombstones);
  xs_store_clear(ci->store);
  xs_store_clear(ci->tombstones);
  /* EntryWrappingInterceptor.visitClearCommand ends the cross-site state
   * being received (endStateTransfer(null)): a chunk read before the clear
   * must not bring the cleared keys back, so later chunks are dropped. */
  xs__st_cancel_receive(ci, ci->st_sender);
  xs__ev(sim, XS_EV_CLEAR, ci->site, -1, ci->cache, 0, 0, NULL);
}

/* ------------------------------------------------------------------------ */
/* Reads                                                                      */

/* The live entry for op's key, or NULL (an expired entry counts as absent). */
static xs_entry *live_entry(xs_sim *sim, xs_cinst *ci, const xs_opctx *op, xs_meta *m) {
  xs_entry *e = xs_store_find(ci->store, op->key, op->klen, op->hash);
  if (!e) return NULL;
  xs_entry_meta(e, m);
  return xs__expired(m, sim->eng.now) ? NULL : e;
}

static void do_get(xs_sim *sim, xs_cinst *ci, xs_opctx *op) {
  xs_meta m;
  xs_entry *e = live_entry(sim, ci, op, &m);
  if (!e) {
    complete_plain(sim, op);
    return;
  }
  if (m.max_idle_ms >= 0) {
    m.last_used_ms = sim->eng.now;
    xs_entry_set_meta(e, &m);
  }
  op->found = true;
  uint32_t vl;
  const uint8_t *v = xs_entry_value(e, &vl);
  complete(sim, op, v, vl, m.vtype, m.expire_ms);
}

/* ------------------------------------------------------------------------ */
/* Writes                                                                     */

/* Stores the new value computed by a compute op in op's own buffer. */
static int set_op_value(xs_opctx *op, const uint8_t *v, uint32_t vlen) {
  size_t need = (size_t)op->klen + vlen;
  if (need > op->buf_cap) {
    uint8_t *nb = realloc(op->buf, need);
    if (!nb) return XS_ENOMEM;
    op->buf = nb;
    op->buf_cap = (uint32_t)need;
    op->key = nb;
    /* A held key lock points at its holder's key bytes (lock.c); the
     * compute runs under that lock, so the lock must follow the move. */
    if (op->lock && op->lock->holder == op) op->lock->key = nb;
  }
  memmove(op->buf + op->klen, v, vlen);
  op->val = op->buf + op->klen;
  op->vlen = vlen;
  return 0;
}

static void evaluate_compute(xs_sim *sim, xs_opctx *op, xs_entry *e, const xs_meta *m) {
  uint32_t ol = 0;
  const uint8_t *ov = e ? xs_entry_value(e, &ol) : NULL;
  xs_compute_out out = {.lifespan_ms = -1};
  xs_compute_action a = op->compute(op->compute_ud, ov, ol, e ? m->vtype : 0, e != NULL,
                                    e ? m->expire_ms : XS_TIME_NEVER, &out);
  if (out.error[0]) {
    op->status = XS_EINVAL;
    snprintf(op->err, sizeof op->err, "%s", out.error);
    return;
  }
  if (a == XS_COMPUTE_REMOVE) op->mod = e ? XS_MOD_REMOVE : XS_MOD_NONE;
  if (a != XS_COMPUTE_PUT) return;
  if (set_op_value(op, out.value, out.value_len)) {
    op->status = XS_ENOMEM;
    return;
  }
  op->vtype = out.vtype;
  op->mod = XS_MOD_PUT;
  if (out.lifespan_ms == -1) op->expire_ms = e ? m->expire_ms : XS_TIME_NEVER;
  else if (out.lifespan_ms == -2) op->expire_ms = XS_TIME_NEVER;
  else op->expire_ms = sim->eng.now + out.lifespan_ms;
}

/* Decides what a write does to the current entry; sets op->mod (or a status
 * for a failed condition, which is then neither applied nor replicated). */
static void evaluate(xs_sim *sim, xs_cinst *ci, xs_opctx *op) {
  xs_meta m;
  xs_entry *e = live_entry(sim, ci, op, &m);
  op->found = e != NULL;
  op->expire_ms = op->lifespan_ms >= 0 ? sim->eng.now + op->lifespan_ms : XS_TIME_NEVER;
  switch ((xs_op_kind)op->kind) {
  case XS_OP_PUT: op->mod = XS_MOD_PUT; break;
  case XS_OP_PUT_IF_ABSENT:
    if (e) op->status = XS_EEXISTS;
    else op->mod = XS_MOD_PUT;
    break;
  case XS_OP_REPLACE:
    if (!e) op->status = XS_ENOTFOUND;
    else op->mod = XS_MOD_PUT;
    break;
  case XS_OP_REMOVE: op->mod = e ? XS_MOD_REMOVE : XS_MOD_NONE; break;
  case XS_OP_COMPUTE: evaluate_compute(sim, op, e, &m); break;
  case XS_OP_GET:
  case XS_OP_CLEAR: assert(!"not a keyed write"); break;
  }
}

/* Applies op's modification on its own site: versions it for IRAC, queues
 * it for the ASYNC backups, and marks it for a state transfer in progress. */
static void apply_local(xs_sim *sim, xs_cinst *ci, xs_opctx *op) {
  bool backup = !(op->flags & XS_FLAG_SKIP_XSITE_BACKUP);
  if (ci->has_async && !op->ver) op->ver = xs__irac_new_version(sim, ci, op->key, op->klen, op->hash);
  if (op->mod == XS_MOD_PUT) {
    xs_meta m = {op->expire_ms, op->max_idle_ms, sim->eng.now, op->ver, op->vtype};
    if (op->ver) xs_irac_pool_ref(sim->vpool, op->ver);
    if (xs__apply_put(sim, ci, op->key, op->klen, op->hash, op->val, op->vlen, &m) != 0) {
      if (op->ver) xs_irac_pool_unref(sim->vpool, op->ver);
      op->status = XS_ENOMEM;
      return;
    }
  } else {
    if (op->ver) xs_irac_pool_ref(sim->vpool, op->ver);
    xs__apply_remove(sim, ci, op->key, op->klen, op->hash, op->ver);
  }
  xs__st_track_write(ci, op->key, op->klen, op->hash);
  if (ci->has_async && backup) xs__irac_track(sim, ci, op->key, op->klen, op->hash);
}

static void finish_write(xs_sim *sim, xs_cinst *ci, xs_opctx *op) {
  xs__lock_release(sim, ci, op);
  complete_plain(sim, op);
}

static bool is_tx(const xs_cinst *ci) { return ci->cfg->tx != XS_TX_NONE; }

static void write_locked(xs_sim *sim, xs_cinst *ci, xs_opctx *op) {
  evaluate(sim, ci, op);
  if (op->status || op->mod == XS_MOD_NONE) {
    finish_write(sim, ci, op);
    return;
  }
  if (!is_tx(ci)) apply_local(sim, ci, op);
  if (op->status) {
    finish_write(sim, ci, op);
    return;
  }
  op->state = XS_OPS_BACKUP_WAIT;
  if (xs__backup_sync(sim, ci, op) == 0) xs__op_backups_done(sim, op);
}

static void do_clear(xs_sim *sim, xs_cinst *ci, xs_opctx *op) {
  op->mod = XS_MOD_CLEAR;
  xs__apply_clear(sim, ci);
  if (!(op->flags & XS_FLAG_SKIP_XSITE_BACKUP)) xs__irac_track_clear(sim, ci);
  op->state = XS_OPS_BACKUP_WAIT;
  if (xs__backup_sync(sim, ci, op) == 0) xs__op_backups_done(sim, op);
}

void xs__op_backups_done(xs_sim *sim, xs_opctx *op) {
  xs_cinst *ci = xs__cinst(sim, op->site, op->cache);
  assert(op->backups_pending == 0);
  if (op->epoch != sim->sites[op->site].epoch) {
    /* The site crashed under the operation: the client loses its connection. */
    if (op->lock && ci) xs__lock_release(sim, ci, op);
    op->status = XS_ESITEDOWN;
    complete_plain(sim, op);
    return;
  }
  if (op->status == XS_EBACKUP) {
    char causes[XS_MSG_BYTES_MAX];
    snprintf(causes, sizeof causes, "%s", op->err);
    snprintf(op->err, sizeof op->err,
             "ISPN000709: Failed to backup cache `%s` to one or more remote sites: %s",
             ci->cfg->name, causes);
  }
  /* A pessimistic transaction commits locally only after the backups; under
   * FAIL a failed backup rolls it back (BackupTxFailureTest). */
  if (op->mod != XS_MOD_CLEAR && is_tx(ci) && op->status == 0) apply_local(sim, ci, op);
  if (op->mod == XS_MOD_CLEAR) complete_plain(sim, op);
  else finish_write(sim, ci, op);
}

void xs__op_lock_resumed(xs_sim *sim, xs_opctx *op) {
  if (op->role == XS_OPC_REMOTE) {
    xs__backup_remote_resumed(sim, op);
    return;
  }
  if (op->status) {
    complete_plain(sim, op);
    return;
  }
  write_locked(sim, xs__cinst(sim, op->site, op->cache), op);
}

static void start_event(xs_sim *sim, void *obj, uint64_t arg) {
  xs_opctx *op = obj;
  xs_cinst *ci = xs__cinst(sim, op->site, op->cache);
  if (op->epoch != sim->sites[op->site].epoch) {
    op->status = XS_ESITEDOWN;
    complete_plain(sim, op);
  } else if (op->kind == XS_OP_GET) {
    do_get(sim, ci, op);
  } else if (op->kind == XS_OP_CLEAR) {
    do_clear(sim, ci, op);
  } else if (xs__lock_acquire(sim, ci, op, ci->cfg->lock_timeout_ms)) {
    write_locked(sim, ci, op);
  }
  xs__op_unref(sim, op);
}

/* ------------------------------------------------------------------------ */
/* Look-ahead hints                                                           */

static void prefetch_key(xs_sim *sim, int site, int cache, uint64_t hash, int depth) {
  const xs_cinst *ci = sim->sites[site].caches[cache];
  if (!ci) return;
  if (depth == 0) xs_store_prefetch(ci->store, hash);
  else xs_store_prefetch_deeper(ci->store, hash, depth);
}

void xs__prefetch_event(xs_sim *sim, const xs_event *ev, int depth) {
  if (ev->fn == start_event) {
    const xs_opctx *op = ev->obj;
    if (op->kind != XS_OP_CLEAR) prefetch_key(sim, op->site, op->cache, op->hash, depth);
    return;
  }
  bool deliver = ev->fn == xs__xreq_deliver_event;
  if (!deliver && ev->fn != xs__xreq_reply_event) return;
  /* A backup write is applied where it arrives; a pessimistic tx's write
   * is applied on its own site when the reply arrives. */
  const xs_xreq *r = ev->obj;
  if ((r->kind == XS_XR_WRITE || r->kind == XS_XR_PREPARE) && r->op)
    prefetch_key(sim, deliver ? r->to : r->from, r->cache, r->op->hash, depth);
}

/* ------------------------------------------------------------------------ */
/* Submission                                                                 */

static int validate(const xs_sim *sim, const xs_op *op) {
  if (!op) return XS_EINVAL;
  if (op->site < 0 || op->site >= sim->topo.nsites) return XS_ENOSITE;
  if (op->cache < 0 || op->cache >= sim->topo.ncaches) return XS_ENOCACHE;
  if (!sim->sites[op->site].up) return XS_ESITEDOWN;
  if (!sim->sites[op->site].caches[op->cache]) return XS_ENOCACHE;
  if ((unsigned)op->kind > XS_OP_COMPUTE) return XS_EINVAL;
  if (op->kind == XS_OP_COMPUTE && !op->compute) return XS_EINVAL;
  if (op->kind != XS_OP_CLEAR && (!op->key && op->key_len)) return XS_EINVAL;
  if (op->key_len > XS_KEY_BYTES_MAX || op->value_len > XS_VALUE_BYTES_MAX) return XS_ELIMIT;
  if (op->value_len && !op->value) return XS_EINVAL;
  if (sim->ops_inflight >= XS_OPS_INFLIGHT_MAX) return XS_ELIMIT;
  return 0;
}

int64_t xs_op_submit(xs_sim *sim, const xs_op *op, xs_op_cb cb, void *ud) {
  int rc = validate(sim, op);
  if (rc) return rc;
  bool keyed = op->kind != XS_OP_CLEAR;
  uint32_t klen = keyed ? op->key_len : 0;
  uint32_t vlen = (op->kind == XS_OP_PUT || op->kind == XS_OP_PUT_IF_ABSENT || op->kind == XS_OP_REPLACE) ? op->value_len : 0;
  xs_opctx *c = xs__op_alloc(sim, (size_t)klen + vlen);
  if (!c) return XS_ENOMEM;
  c->role = XS_OPC_CLIENT;
  c->kind = (uint8_t)op->kind;
  c->site = (int8_t)op->site;
  c->cache = (int16_t)op->cache;
  c->flags = op->flags;
  c->id = sim->next_op_id++;
  c->key = c->buf;
  c->klen = klen;
  if (klen) memcpy(c->key, op->key, klen);
  c->val = c->buf + klen;
  c->vlen = vlen;
  if (vlen) memcpy(c->val, op->value, vlen);
  c->hash = xs_hash_bytes(c->key, klen);
  xs_store_prefetch(sim->sites[op->site].caches[op->cache]->store, c->hash);
  c->vtype = op->vtype;
  c->lifespan_ms = op->lifespan_ms;
  c->max_idle_ms = op->max_idle_ms;
  c->compute = op->compute;
  c->compute_ud = op->compute_ud;
  c->cb = cb;
  c->ud = ud;
  c->invoked_ms = sim->eng.now;
  c->epoch = sim->sites[op->site].epoch;
  sim->ops_inflight++;
  xs_evlog_add_bytes(&sim->log, sim->eng.now, XS_EV_OP_INVOKE, op->site, -1, op->cache,
                     (int32_t)op->kind, c->id, c->key, klen);
  c->refs++; /* one for the start event, one until completion */
  xs__at(sim, sim->eng.now, start_event, c, 0);
  return (int64_t)c->id;
}

