/*
 * irac.c - ASYNC cross-site replication (IRAC, DefaultIracManager).
 *
 * A local write only queues its key for each ASYNC backup; a background
 * sender ships the key's *current* value (or its removal) with its version in
 * batches of the backup's chunk size, one batch in flight per remote site.
 * Communication errors are retried with exponential back-off (500 ms, x2,
 * +-50% jitter, capped at 300 s); other errors are retried at once.  The
 * caller never waits and never sees an error.  Keys queued for an OFFLINE
 * site are dropped as if delivered: bringing the site online does not replay
 * them.
 *
 * The receiver compares versions: a newer one is applied, an older or equal
 * one discarded, and a concurrent one goes to the cache's merge policy, which
 * both sites apply identically so they converge.
 *
 * Simplification: Infinispan keeps a "max version seen" per segment; here a
 * cache instance is one segment, which only makes a local write dominate more
 * versions than it strictly must for keys in other segments.
 */
#include <assert.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "merge.h"
#include "sim_internal.h"

#define IRAC_TOPOLOGY 1u               /* a site's topology never changes here */
#define IRAC_BACKOFF_INITIAL_MS 500
#define IRAC_BACKOFF_MAX_MS 300000
#define IRAC_RETRY_MIN_MS 1            /* non-communication errors retry "at once" */
#define IRAC_TOMBSTONE_CLEANUP_MS 30000 /* max-cleanup-delay default */

/* Events address a cache instance by (epoch, site, cache, remote) rather than
 * by pointer: a crash and restart replace the instance. */
static uint64_t encode(const xs_sim *sim, const xs_cinst *ci, int remote) {
  return ((uint64_t)sim->sites[ci->site].epoch << 32) | ((uint64_t)(uint8_t)ci->site << 24) |
         ((uint64_t)(uint16_t)ci->cache << 8) | (uint64_t)(uint8_t)remote;
}

static xs_cinst *decode(xs_sim *sim, uint64_t arg, int *remote) {
  int site = (int)((arg >> 24) & 0xff), cache = (int)((arg >> 8) & 0xffff);
  *remote = (int)(arg & 0xff);
  if (sim->sites[site].epoch != (uint32_t)(arg >> 32) || !sim->sites[site].up) return NULL;
  return xs__cinst(sim, site, cache);
}

/* ------------------------------------------------------------------------ */
/* Versions                                                                   */

/* Reads the version of key's entry in s into *out; false when there is no
 * entry or it has none. */
static bool entry_version(xs_sim *sim, xs_store *s, const uint8_t *key, uint32_t klen,
                          uint64_t hash, xs_irac_meta *out) {
  xs_entry *e = xs_store_find(s, key, klen, hash);
  xs_meta m = {.ver = 0};
  if (e) xs_entry_meta(e, &m);
  return xs_irac_pool_read(sim->vpool, m.ver, out);
}

/* The version a key has on this site: the live entry's, else its tombstone's;
 * false (and site -1 in *out) when it has neither. */
static bool local_version(xs_sim *sim, xs_cinst *ci, const uint8_t *key, uint32_t klen,
                          uint64_t hash, xs_irac_meta *out) {
  return entry_version(sim, ci->store, key, klen, hash, out) ||
         entry_version(sim, ci->tombstones, key, klen, hash, out);
}

uint32_t xs__irac_new_version(xs_sim *sim, xs_cinst *ci, const uint8_t *key, uint32_t klen,
                              uint64_t hash) {
  xs_irac_meta m = {.site = ci->site, .version = ci->max_version};
  xs_irac_meta seen;
  if (local_version(sim, ci, key, klen, hash, &seen))
    xs_irac_version_merge(&m.version, &m.version, &seen.version);
  xs_irac_version_increment(&m.version, ci->site, IRAC_TOPOLOGY);
  xs_irac_version_merge(&ci->max_version, &ci->max_version, &m.version);
  uint32_t h = xs_irac_pool_add(sim->vpool, &m);
  assert(h != 0);
  return h;
}

/* ------------------------------------------------------------------------ */
/* Sender                                                                     */

static void send_event(xs_sim *sim, void *obj, uint64_t arg);

static void schedule(xs_sim *sim, xs_cinst *ci, int remote, xs_ms at) {
  xs_bstate *b = &ci->b[remote];
  if (b->irac_scheduled || b->irac_inflight) return;
  b->irac_scheduled = true;
  xs__at(sim, at, send_event, NULL, encode(sim, ci, remote));
}

void xs__irac_kick(xs_sim *sim, xs_cinst *ci, int remote) { schedule(sim, ci, remote, sim->eng.now); }

void xs__irac_track(xs_sim *sim, xs_cinst *ci, const uint8_t *key, uint32_t klen, uint64_t hash) {
  for (int r = 0; r < sim->topo.nsites; r++) {
    xs_bstate *b = &ci->b[r];
    if (!b->exists || b->cfg.strategy != XS_STRATEGY_ASYNC) continue;
    xs_meta m = {XS_TIME_NEVER, -1, (xs_ms)++b->irac_seq, 0, 0};
    if (xs_store_put(b->irac_pending, key, klen, hash, NULL, 0, &m, NULL) == 0) xs__irac_kick(sim, ci, r);
  }
}

void xs__irac_track_clear(xs_sim *sim, xs_cinst *ci) {
  for (int r = 0; r < sim->topo.nsites; r++) {
    xs_bstate *b = &ci->b[r];
    if (!b->exists || b->cfg.strategy != XS_STRATEGY_ASYNC) continue;
    /* trackClear: the pending keys are moot; the clear goes first. */
    xs_store_clear(b->irac_pending);
    b->irac_clear_pending = true;
    xs__irac_kick(sim, ci, r);
  }
}

size_t xs__irac_pending(const xs_cinst *ci, int remote) {
  const xs_bstate *b = &ci->b[remote];
  if (!b->irac_pending) return 0;
  return xs_store_count(b->irac_pending) + (b->irac_clear_pending ? 1 : 0);
}

/* Bytes and count of the next batch: up to the backup's chunk size. */
static uint32_t batch_plan(xs_sim *sim, xs_cinst *ci, xs_bstate *b, size_t *bytes) {
  uint32_t max = (uint32_t)b->cfg.st_chunk_size, n = 0;
  size_t cur = 0;
  xs_entry *p;
  *bytes = 0;
  while (n < max && (p = xs_store_next(b->irac_pending, &cur))) {
    uint32_t kl, vl = 0;
    const uint8_t *k = xs_entry_key(p, &kl);
    xs_entry *e = xs_store_find(ci->store, k, kl, xs_entry_hash(p));
    if (e) xs_entry_value(e, &vl);
    *bytes += (size_t)kl + vl;
    n++;
  }
  return n;
}

static void fill_item(xs_sim *sim, xs_cinst *ci, xs_entry *p, xs_xitem *it, uint8_t **cursor) {
  uint32_t kl, vl = 0;
  const uint8_t *k = xs_entry_key(p, &kl);
  uint64_t hash = xs_entry_hash(p);
  xs_meta pm;
  xs_entry_meta(p, &pm);
  it->seq = (uint64_t)pm.last_used_ms;
  it->key = *cursor;
  it->klen = kl;
  memcpy(it->key, k, kl);
  *cursor += kl;
  xs_entry *e = xs_store_find(ci->store, k, kl, hash);
  xs_meta m;
  if (e) xs_entry_meta(e, &m);
  local_version(sim, ci, k, kl, hash, &it->irac);
  it->is_null = !e || xs__expired(&m, sim->eng.now);
  if (it->is_null) return;
  const uint8_t *val = xs_entry_value(e, &vl);
  it->val = *cursor;
  it->vlen = vl;
  memcpy(it->val, val, vl);
  *cursor += vl;
  it->vtype = m.vtype;
  it->expire_ms = m.expire_ms;
  it->max_idle_ms = m.max_idle_ms;
}

static void batch_done(xs_sim *sim, xs_xreq *r, xs_outcome outcome, const char *msg);

static xs_xreq *build_batch(xs_sim *sim, xs_cinst *ci, xs_bstate *b, int remote) {
  size_t bytes;
  uint32_t n = batch_plan(sim, ci, b, &bytes);
  if (n == 0) return NULL;
  xs_xreq *r = xs__xreq_new(sim, XS_XR_IRAC_BATCH, ci->site, remote, ci->cache);
  if (!r || xs__xreq_items_alloc(r, n, bytes)) {
    if (r) xs__xreq_unref(sim, r);
    return NULL;
  }
  size_t cur = 0;
  uint8_t *cursor = r->item_buf;
  for (uint32_t i = 0; i < n; i++) fill_item(sim, ci, xs_store_next(b->irac_pending, &cur), &r->items[i], &cursor);
  return r;
}

static void send_event(xs_sim *sim, void *obj, uint64_t arg) {
  int remote;
  xs_cinst *ci = decode(sim, arg, &remote);
  if (!ci) return;
  xs_bstate *b = &ci->b[remote];
  b->irac_scheduled = false;
  if (b->off.offline) {
    /* onSiteOffline: everything queued counts as delivered. */
    xs_store_clear(b->irac_pending);
    b->irac_clear_pending = false;
    xs__st_irac_progress(sim, ci, remote);
    return;
  }
  xs_xreq *r;
  if (b->irac_clear_pending) r = xs__xreq_new(sim, XS_XR_IRAC_CLEAR, ci->site, remote, ci->cache);
  else r = build_batch(sim, ci, b, remote);
  if (!r) return;
  r->timeout_ms = b->cfg.timeout_ms;
  r->on_done = batch_done;
  b->irac_inflight = true;
  xs__ev(sim, XS_EV_IRAC_BATCH, ci->site, remote, ci->cache, (int32_t)r->kind, r->nitems, NULL);
  xs__xreq_send(sim, r);
}

/* Removes the delivered keys, unless they were queued again meanwhile. */
static void batch_delivered(xs_bstate *b, xs_xreq *r) {
  if (r->kind == XS_XR_IRAC_CLEAR) {
    b->irac_clear_pending = false;
    return;
  }
  for (uint32_t i = 0; i < r->nitems; i++) {
    const xs_xitem *it = &r->items[i];
    uint64_t h = xs_hash_bytes(it->key, it->klen);
    xs_entry *p = xs_store_find(b->irac_pending, it->key, it->klen, h);
    if (!p) continue;
    xs_meta m;
    xs_entry_meta(p, &m);
    if ((uint64_t)m.last_used_ms == it->seq) xs_store_remove(b->irac_pending, it->key, it->klen, h);
  }
}

static xs_ms backoff_next(xs_sim *sim, xs_bstate *b) {
  xs_ms base = b->irac_backoff_ms ? b->irac_backoff_ms * 2 : IRAC_BACKOFF_INITIAL_MS;
  if (base > IRAC_BACKOFF_MAX_MS) base = IRAC_BACKOFF_MAX_MS;
  b->irac_backoff_ms = base;
  /* +-50% jitter, from the simulation's IRAC stream. */
  return base / 2 + (xs_ms)xs_prng_below(&sim->rng_irac, (uint64_t)base + 1);
}

static void batch_done(xs_sim *sim, xs_xreq *r, xs_outcome outcome, const char *msg) {
  if (sim->sites[r->from].epoch != r->from_epoch) return;
  xs_cinst *ci = xs__cinst(sim, r->from, r->cache);
  xs_bstate *b = &ci->b[r->to];
  b->irac_inflight = false;
  xs__backup_register(sim, ci, r->to, r->sent_ms, outcome);
  xs_ms next = sim->eng.now;
  if (outcome == XS_OUTCOME_OK) {
    batch_delivered(b, r);
    b->irac_backoff_ms = 0;
  } else {
    if (b->cfg.failure_policy == XS_POLICY_WARN)
      xs__log(sim, ci->site, "ISPN000202: Encountered issues while backing up data for cache %s to site %s: %s",
              ci->cfg->name, xs_sim_site_name(sim, r->to), msg);
    next += outcome == XS_OUTCOME_COMM ? backoff_next(sim, b) : IRAC_RETRY_MIN_MS;
  }
  xs__st_irac_progress(sim, ci, r->to);
  if (xs__irac_pending(ci, r->to)) schedule(sim, ci, r->to, next);
}

/* ------------------------------------------------------------------------ */
/* Receiver                                                                   */

static void apply_remote(xs_sim *sim, xs_cinst *ci, const xs_xitem *it, const xs_irac_meta *meta,
                         bool is_null, const uint8_t *val, uint32_t vlen) {
  uint64_t hash = xs_hash_bytes(it->key, it->klen);
  uint32_t h = meta->site >= 0 ? xs_irac_pool_add(sim->vpool, meta) : 0;
  if (is_null) {
    xs__apply_remove(sim, ci, it->key, it->klen, hash, h);
  } else {
    xs_meta m = {it->expire_ms, it->max_idle_ms, sim->eng.now, h, it->vtype};
    if (xs__apply_put(sim, ci, it->key, it->klen, hash, val, vlen, &m) != 0 && h)
      xs_irac_pool_unref(sim->vpool, h);
  }
  if (meta->site >= 0) xs_irac_version_merge(&ci->max_version, &ci->max_version, &meta->version);
}

/* Conflict counters live with the backup state of the sending site; a site
 * that receives from one it does not back up to still has the slot. */
static xs_xsite_counters *counters_for(xs_cinst *ci, int from) { return &ci->b[from].ctr; }

/* discardUpdate: the update is not applied, but its version is merged into
 * what this site has seen, so that the next local write of the key
 * dominates it.  Otherwise that write would conflict again with the
 * discarded one on the site that sent it - which resolved that conflict
 * long ago and will not send its value again - and the sites diverge. */
static void discard_update(xs_sim *sim, xs_cinst *ci, const xs_xitem *it) {
  if (it->irac.site >= 0) xs_irac_version_merge(&ci->max_version, &ci->max_version, &it->irac.version);
}

static void resolve_conflict(xs_sim *sim, xs_cinst *ci, int from, const xs_xitem *it,
                             const xs_irac_meta *lv) {
  uint64_t hash = xs_hash_bytes(it->key, it->klen);
  xs_meta m;
  xs_entry *e = xs_store_find(ci->store, it->key, it->klen, hash);
  if (e) xs_entry_meta(e, &m);
  bool lnull = !e || xs__expired(&m, sim->eng.now);
  uint32_t lvl = 0;
  const uint8_t *lval = lnull ? NULL : xs_entry_value(e, &lvl);
  xs_site_entry local = {xs_sim_site_name(sim, lv->site), lnull, lval, lvl};
  xs_site_entry remote = {xs_sim_site_name(sim, it->irac.site), it->is_null, it->val, it->vlen};
  xs_site_entry out;
  xs_merge_outcome o = xs_merge_resolve(ci->cfg->merge_policy, &local, &remote, &out);
  xs_xsite_counters *c = counters_for(ci, from);
  c->conflicts++;
  xs_evlog_add_bytes(&sim->log, sim->eng.now, XS_EV_IRAC_CONFLICT, ci->site, from, ci->cache,
                     (int32_t)o, hash, it->key, it->klen);
  if (o == XS_MERGE_LOCAL_WINS) {
    c->conflicts_local_wins++;
    discard_update(sim, ci, it);
    return;
  }
  if (o == XS_MERGE_REMOTE_WINS) {
    c->conflicts_remote_wins++;
    apply_remote(sim, ci, it, &it->irac, it->is_null, it->val, it->vlen);
    return;
  }
  c->conflicts_merged++;
  xs_irac_meta merged = {.site = (int8_t)xs_sim_site_index(sim, out.site)};
  xs_irac_version_merge(&merged.version, &lv->version, &it->irac.version);
  /* The resolved value may point into the local entry, which applying
   * replaces; copy it first. */
  uint8_t small[256];
  uint8_t *copy = out.is_null || out.value_len <= sizeof small ? small : malloc(out.value_len);
  if (!copy) return;
  if (!out.is_null && out.value_len) memcpy(copy, out.value, out.value_len);
  apply_remote(sim, ci, it, &merged, out.is_null, copy, out.value_len);
  if (copy != small) free(copy);
}

static void receive_item(xs_sim *sim, xs_cinst *ci, int from, const xs_xitem *it) {
  uint64_t hash = xs_hash_bytes(it->key, it->klen);
  xs_irac_meta lv;
  if (!local_version(sim, ci, it->key, it->klen, hash, &lv)) {
    apply_remote(sim, ci, it, &it->irac, it->is_null, it->val, it->vlen);
    return;
  }
  xs_irac_version none = {0};
  const xs_irac_version *rv = it->irac.site >= 0 ? &it->irac.version : &none;
  switch (xs_irac_version_compare(rv, &lv.version)) {
  case XS_VER_AFTER: apply_remote(sim, ci, it, &it->irac, it->is_null, it->val, it->vlen); break;
  case XS_VER_EQUAL:
  case XS_VER_BEFORE:
    counters_for(ci, from)->discards++;
    discard_update(sim, ci, it);
    break;
  case XS_VER_CONFLICTING: resolve_conflict(sim, ci, from, it, &lv); break;
  }
}

void xs__irac_receive(xs_sim *sim, xs_xreq *r) {
  xs_cinst *ci = xs__xreq_receiver(sim, r);
  if (!ci) return;
  if (r->kind == XS_XR_IRAC_CLEAR) {
    xs__apply_clear(sim, ci);
  } else {
    for (uint32_t i = 0; i < r->nitems; i++) receive_item(sim, ci, r->from, &r->items[i]);
  }
  xs__ev(sim, XS_EV_XSITE_APPLY, ci->site, r->from, ci->cache, (int32_t)r->kind, r->nitems, "irac");
  xs__xreq_reply(sim, r, XS_OUTCOME_OK, NULL);
}

/* ------------------------------------------------------------------------ */
/* Tombstone cleanup                                                          */

static bool pending_anywhere(const xs_cinst *ci, const uint8_t *k, uint32_t kl, uint64_t h) {
  for (int r = 0; r < XS_SITES_MAX; r++)
    if (ci->b[r].irac_pending && xs_store_find(ci->b[r].irac_pending, k, kl, h)) return true;
  return false;
}

/* IracTombstoneCheckRequest, answered at once: a tombstone is still needed
 * while a non-OFFLINE async backup site has the key queued (for any of its
 * own backups), and it is kept whenever such a site cannot be asked, as
 * Infinispan keeps it on any error.  Without this a third site's update,
 * held back by a partition, would arrive after the tombstone was dropped
 * and be applied as new on one site while the others resolved it away. */
static bool needed_remotely(const xs_sim *sim, const xs_cinst *ci, const uint8_t *k, uint32_t kl,
                            uint64_t h) {
  const xs_site *self = &sim->sites[ci->site];
  for (int r = 0; r < sim->topo.nsites; r++) {
    const xs_bstate *b = &ci->b[r];
    if (!b->exists || b->cfg.strategy != XS_STRATEGY_ASYNC || b->off.offline) continue;
    if (!self->view[r] || !sim->sites[r].up || !sim->links[ci->site][r].up || !sim->links[r][ci->site].up)
      return true;
    const xs_cinst *rc = xs__cinst(sim, r, ci->cache);
    if (!rc || pending_anywhere(rc, k, kl, h)) return true;
  }
  return false;
}

static void cleanup_event(xs_sim *sim, void *obj, uint64_t arg) {
  int unused;
  xs_cinst *ci = decode(sim, arg, &unused);
  if (!ci) return;
  ci->tomb_cleanup_scheduled = false;
  size_t cur = 0;
  xs_entry *t;
  xs_store_pin(ci->tombstones);
  while ((t = xs_store_next(ci->tombstones, &cur))) {
    uint32_t kl;
    const uint8_t *k = xs_entry_key(t, &kl);
    xs_meta m;
    xs_entry_meta(t, &m);
    if (pending_anywhere(ci, k, kl, xs_entry_hash(t))) continue;
    if (sim->eng.now - m.last_used_ms < IRAC_TOMBSTONE_CLEANUP_MS) continue;
    if (needed_remotely(sim, ci, k, kl, xs_entry_hash(t))) continue;
    if (m.ver) xs_irac_pool_unref(sim->vpool, m.ver);
    xs_store_remove(ci->tombstones, k, kl, xs_entry_hash(t));
  }
  xs_store_unpin(ci->tombstones);
  if (xs_store_count(ci->tombstones)) xs__irac_tombstone_added(sim, ci);
}

void xs__irac_tombstone_added(xs_sim *sim, xs_cinst *ci) {
  if (ci->tomb_cleanup_scheduled) return;
  ci->tomb_cleanup_scheduled = true;
  xs__at_bg(sim, sim->eng.now + IRAC_TOMBSTONE_CLEANUP_MS, cleanup_event, NULL, encode(sim, ci, 0));
}
