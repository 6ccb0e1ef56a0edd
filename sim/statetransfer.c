/*
 * statetransfer.c - push-state (XSiteStateTransferManagerImpl and friends).
 *
 * Sender: push-state first brings the site online, then (SYNC) asks the
 * receiver to start receiving, then walks the cache in chunks of chunk-size
 * entries, one chunk in flight, each retried up to max-retries times
 * wait-time apart.  The status goes IDLE -> SENDING -> OK, or ERROR when a
 * chunk runs out of retries, or CANCELED.  When the start request itself
 * fails the push answers "Unable to pushState to '<site>'. <cause>" and the
 * status stays SENDING, as Infinispan leaves its collector behind.  A
 * push-state while one runs starts no second transfer, but (SYNC) still
 * sends a START, so the caller sees the receiver's refusal.
 * ASYNC: each chunk's keys are handed to IRAC, and the chunk is done when
 * IRAC has nothing left queued for the site - so an OFFLINE target "completes"
 * with OK without receiving anything, as in Infinispan.
 *
 * Receiver (SYNC): only puts, never deletes; a key a normal operation wrote
 * since the transfer started is never overwritten by a chunk (CommitManager);
 * it keeps receiving until the sender's finish request, cancel-receive-state
 * or a clear of the cache (see xs__apply_clear), and refuses a second START
 * with "Already receiving state from <site>".
 */
#include <assert.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "sim_internal.h"

struct xs_push {
  int8_t site, remote;
  int16_t cache;
  uint32_t epoch;
  bool async;
  bool started;        /* the receiver accepted the start request */
  bool waiting_irac;   /* ASYNC: waiting for IRAC to drain a chunk */
  size_t cursor;       /* next store position to send */
  size_t chunk_start;  /* where the chunk in flight began (for retries) */
  int32_t retries;
  uint32_t gen;        /* the backup state's push_gen when this push began */
};

/* The push `p` (generation `gen`) that request r was sent for, if it is
 * still the running one.  Only pointers are compared until that is known:
 * an ended push has been freed, and a later push may live at its address. */
static xs_push *live_push(xs_sim *sim, const xs_xreq *r, const xs_push *p, uint32_t gen) {
  if (sim->sites[r->from].epoch != r->from_epoch) return NULL;
  xs_cinst *ci = xs__cinst(sim, r->from, r->cache);
  xs_push *cur = ci ? ci->b[r->to].push : NULL;
  return cur && cur == p && cur->gen == gen ? cur : NULL;
}

static xs_push *push_of(xs_sim *sim, xs_xreq *r) {
  return live_push(sim, r, r->owner, (uint32_t)r->owner_gen);
}

/* Who waits for the answer of a push-state START or a cancel's STOP: the
 * admin caller, and for a START the push it was sent for (NULL for a second
 * push-state while one runs). */
typedef struct admin_ctx {
  xs_admin_cb cb;
  void *ud;
  xs_push *p;
  uint32_t gen;
} admin_ctx;

static void push_end(xs_sim *sim, xs_cinst *ci, xs_push *p, xs_push_status st);

/* ------------------------------------------------------------------------ */
/* Chunks                                                                     */

static void chunk_done(xs_sim *sim, xs_xreq *r, xs_outcome outcome, const char *msg);
static void send_chunk(xs_sim *sim, xs_cinst *ci, xs_push *p);

/* Counts the live entries of the next chunk from p->cursor and their bytes. */
static uint32_t chunk_plan(xs_sim *sim, xs_cinst *ci, xs_push *p, size_t *bytes, size_t *end) {
  uint32_t max = (uint32_t)ci->b[p->remote].cfg.st_chunk_size, n = 0;
  size_t cur = p->cursor;
  xs_entry *e;
  *bytes = 0;
  while (n < max && (e = xs_store_next(ci->store, &cur))) {
    xs_meta m;
    xs_entry_meta(e, &m);
    if (xs__expired(&m, sim->eng.now)) continue;
    uint32_t kl, vl;
    xs_entry_key(e, &kl);
    xs_entry_value(e, &vl);
    *bytes += (size_t)kl + vl;
    n++;
  }
  *end = cur;
  return n;
}

static void fill_chunk(xs_sim *sim, xs_cinst *ci, xs_push *p, xs_xreq *r) {
  size_t cur = p->cursor;
  uint8_t *out = r->item_buf;
  for (uint32_t i = 0; i < r->nitems;) {
    xs_entry *e = xs_store_next(ci->store, &cur);
    assert(e);
    xs_meta m;
    xs_entry_meta(e, &m);
    if (xs__expired(&m, sim->eng.now)) continue;
    xs_xitem *it = &r->items[i++];
    uint32_t kl, vl;
    const uint8_t *k = xs_entry_key(e, &kl), *v = xs_entry_value(e, &vl);
    it->key = out;
    memcpy(out, k, kl);
    out += kl;
    it->val = out;
    memcpy(out, v, vl);
    out += vl;
    it->klen = kl;
    it->vlen = vl;
    it->vtype = m.vtype;
    it->expire_ms = m.expire_ms;
    it->max_idle_ms = m.max_idle_ms;
    xs_irac_pool_read(sim->vpool, m.ver, &it->irac);
  }
}

static void send_sync_chunk(xs_sim *sim, xs_cinst *ci, xs_push *p) {
  size_t bytes, end;
  uint32_t n = chunk_plan(sim, ci, p, &bytes, &end);
  if (n == 0) {
    push_end(sim, ci, p, XS_PUSH_OK);
    return;
  }
  xs_xreq *r = xs__xreq_new(sim, XS_XR_ST_CHUNK, ci->site, p->remote, ci->cache);
  if (!r || xs__xreq_items_alloc(r, n, bytes)) {
    if (r) xs__xreq_unref(sim, r);
    push_end(sim, ci, p, XS_PUSH_ERROR);
    return;
  }
  fill_chunk(sim, ci, p, r);
  p->chunk_start = p->cursor;
  p->cursor = end;
  r->owner = p;
  r->owner_gen = p->gen;
  r->timeout_ms = ci->b[p->remote].cfg.st_timeout_ms;
  r->on_done = chunk_done;
  xs__ev(sim, XS_EV_ST_CHUNK, ci->site, p->remote, ci->cache, (int32_t)n, p->chunk_start, NULL);
  xs__xreq_send(sim, r);
}

/* ASYNC: hands the next chunk's keys to IRAC and waits for it to drain. */
static void send_async_chunk(xs_sim *sim, xs_cinst *ci, xs_push *p) {
  uint32_t max = (uint32_t)ci->b[p->remote].cfg.st_chunk_size, n = 0;
  xs_entry *e;
  while (n < max && (e = xs_store_next(ci->store, &p->cursor))) {
    uint32_t kl;
    const uint8_t *k = xs_entry_key(e, &kl);
    xs__irac_track(sim, ci, k, kl, xs_entry_hash(e));
    n++;
  }
  if (n == 0) {
    push_end(sim, ci, p, XS_PUSH_OK);
    return;
  }
  ci->b[p->remote].ctr.st_chunks_sent++;
  ci->b[p->remote].ctr.st_entries_sent += n;
  p->waiting_irac = true;
  xs__ev(sim, XS_EV_ST_CHUNK, ci->site, p->remote, ci->cache, (int32_t)n, p->cursor, "irac");
  xs__st_irac_progress(sim, ci, p->remote);
}

static void send_chunk(xs_sim *sim, xs_cinst *ci, xs_push *p) {
  if (p->async) send_async_chunk(sim, ci, p);
  else send_sync_chunk(sim, ci, p);
}

void xs__st_irac_progress(xs_sim *sim, xs_cinst *ci, int remote) {
  xs_push *p = ci->b[remote].push;
  if (!p || !p->async || !p->waiting_irac || xs__irac_pending(ci, remote)) return;
  p->waiting_irac = false;
  send_chunk(sim, ci, p);
}

static void retry_event(xs_sim *sim, void *obj, uint64_t arg) {
  xs_push *p = obj;
  int site = (int)(arg & 0xff), remote = (int)((arg >> 8) & 0xff), cache = (int)((arg >> 16) & 0xffff);
  xs_cinst *ci = xs__cinst(sim, site, cache);
  /* canceled or superseded meanwhile (p is compared, not read, until then) */
  if (!ci || ci->b[remote].push != p || p->gen != (uint32_t)(arg >> 32)) return;
  p->cursor = p->chunk_start;
  send_sync_chunk(sim, ci, p);
}

static void chunk_done(xs_sim *sim, xs_xreq *r, xs_outcome outcome, const char *msg) {
  xs_push *p = push_of(sim, r);
  if (!p) return;
  xs_cinst *ci = xs__cinst(sim, r->from, r->cache);
  xs_bstate *b = &ci->b[r->to];
  if (outcome == XS_OUTCOME_OK) {
    b->ctr.st_chunks_sent++;
    b->ctr.st_entries_sent += r->nitems;
    p->retries = 0;
    send_sync_chunk(sim, ci, p);
    return;
  }
  if (p->retries++ >= b->cfg.st_max_retries) {
    xs__log(sim, ci->site, "ISPN000234: Unable to send cross-site state chunk to '%s': %s",
            xs_sim_site_name(sim, r->to), msg);
    push_end(sim, ci, p, XS_PUSH_ERROR);
    return;
  }
  uint64_t arg = (uint64_t)(uint8_t)ci->site | ((uint64_t)(uint8_t)r->to << 8) |
                 ((uint64_t)(uint16_t)ci->cache << 16) | ((uint64_t)p->gen << 32);
  xs__at(sim, sim->eng.now + b->cfg.st_wait_time_ms, retry_event, p, arg);
}

/* ------------------------------------------------------------------------ */
/* Start, end, cancel                                                         */

static void noop_done(xs_sim *sim, xs_xreq *r, xs_outcome outcome, const char *msg) {}

static void send_control(xs_sim *sim, xs_cinst *ci, int remote, xs_xr_kind kind,
                         xs_xreq_done_fn done, void *owner) {
  xs_xreq *r = xs__xreq_new(sim, kind, ci->site, remote, ci->cache);
  if (!r) return;
  r->owner = owner;
  r->owns_owner = done != noop_done && owner != NULL;
  if (owner && kind == XS_XR_ST_START) r->owner_gen = ((admin_ctx *)owner)->gen;
  r->timeout_ms = ci->b[remote].cfg.timeout_ms;
  r->on_done = done;
  xs__xreq_send(sim, r);
}

static void push_end(xs_sim *sim, xs_cinst *ci, xs_push *p, xs_push_status st) {
  xs_bstate *b = &ci->b[p->remote];
  assert(b->push == p);
  if (p->started) xs_store_unpin(ci->store);
  b->push = NULL;
  b->push_collector = false;
  b->push_status = st;
  xs__ev(sim, XS_EV_ST_DONE, ci->site, p->remote, ci->cache, (int32_t)st, 0, xs_push_status_text(st));
  /* The coordinator tells the receiver to stop whatever the outcome; over a
   * broken link that request is lost and the receiver keeps receiving. */
  if (!p->async) send_control(sim, ci, p->remote, XS_XR_ST_STOP, noop_done, NULL);
  free(p);
}

static void begin_chunks(xs_sim *sim, xs_cinst *ci, xs_push *p) {
  p->started = true;
  xs_store_pin(ci->store);
  send_chunk(sim, ci, p);
}

static void start_done(xs_sim *sim, xs_xreq *r, xs_outcome outcome, const char *msg) {
  admin_ctx *c = r->owner;
  /* NULL when the push was canceled (or its site crashed) before the
   * receiver answered, and for a second push-state: either way the caller
   * still gets the START's outcome, once. */
  xs_push *p = live_push(sim, r, c->p, c->gen);
  xs_cinst *ci = xs__cinst(sim, r->from, r->cache);
  if (outcome != XS_OUTCOME_OK) {
    if (p) {
      /* The collector stays: SENDING until a cancel or a new push. */
      ci->b[r->to].push = NULL;
      ci->b[r->to].push_collector = true;
      free(p);
    }
    char text[XS_MSG_BYTES_MAX];
    snprintf(text, sizeof text, "Unable to pushState to '%s'. %s", xs_sim_site_name(sim, r->to), msg);
    xs__admin_reply_later(sim, c->cb, c->ud, text);
  } else {
    xs__admin_reply_later(sim, c->cb, c->ud, "ok");
    if (p) begin_chunks(sim, ci, p);
  }
  free(c);
}

/* Sends the START for push p (or, p NULL, for a push-state that finds one
 * running: the receiver then refuses with "Already receiving state from
 * <site>", which is what the caller sees; no second transfer starts). */
static void send_start(xs_sim *sim, xs_cinst *ci, int remote, xs_push *p, xs_admin_cb cb, void *ud) {
  admin_ctx *c = malloc(sizeof *c);
  if (!c) {
    if (p) {
      ci->b[remote].push = NULL;
      ci->b[remote].push_status = XS_PUSH_ERROR;
      free(p);
    }
    xs__admin_reply_later(sim, cb, ud, "Unable to pushState: out of memory");
    return;
  }
  *c = (admin_ctx){cb, ud, p, p ? p->gen : 0};
  send_control(sim, ci, remote, XS_XR_ST_START, start_done, c);
}

void xs__st_push(xs_sim *sim, xs_cinst *ci, int remote, xs_admin_cb cb, void *ud) {
  xs_bstate *b = &ci->b[remote];
  bool async = b->cfg.strategy == XS_STRATEGY_ASYNC;
  if (xs_offline_bring_online(&b->off)) xs__bstate_set_offline(sim, ci, remote, false, "push-state");
  if (b->push) {
    /* Infinispan does not start a duplicate; with SYNC the remote is still
     * asked to start receiving (reference 4.4). */
    if (async) xs__admin_reply_later(sim, cb, ud, "ok");
    else send_start(sim, ci, remote, NULL, cb, ud);
    return;
  }
  xs_push *p = calloc(1, sizeof *p);
  if (!p) {
    xs__admin_reply_later(sim, cb, ud, "Unable to pushState: out of memory");
    return;
  }
  *p = (xs_push){.site = ci->site, .remote = (int8_t)remote, .cache = ci->cache,
                 .epoch = sim->sites[ci->site].epoch, .async = async, .gen = ++b->push_gen};
  b->push = p;
  b->push_status = XS_PUSH_SENDING;
  xs__ev(sim, XS_EV_ST_START, ci->site, remote, ci->cache, 0, 0, NULL);
  if (p->async) {
    xs__admin_reply_later(sim, cb, ud, "ok");
    begin_chunks(sim, ci, p);
    return;
  }
  send_start(sim, ci, remote, p, cb, ud);
}

static void cancel_done(xs_sim *sim, xs_xreq *r, xs_outcome outcome, const char *msg) {
  admin_ctx *c = r->owner;
  if (outcome == XS_OUTCOME_OK) {
    xs__admin_reply_later(sim, c->cb, c->ud, "ok");
  } else {
    char text[XS_MSG_BYTES_MAX];
    snprintf(text, sizeof text, "Unable to perform operation. Error=%s", msg);
    xs__admin_reply_later(sim, c->cb, c->ud, text);
  }
  free(c);
}

void xs__st_cancel_push(xs_sim *sim, xs_cinst *ci, int remote, xs_admin_cb cb, void *ud) {
  xs_bstate *b = &ci->b[remote];
  bool running = b->push || b->push_collector;
  if (!running) {
    xs__admin_reply_later(sim, cb, ud, "ok");
    return;
  }
  bool sync = b->cfg.strategy == XS_STRATEGY_SYNC;
  if (b->push) {
    xs_push *p = b->push;
    if (p->started) xs_store_unpin(ci->store);
    b->push = NULL;
    free(p);
  }
  b->push_collector = false;
  b->push_status = XS_PUSH_CANCELED;
  xs__ev(sim, XS_EV_ST_DONE, ci->site, remote, ci->cache, XS_PUSH_CANCELED, 0, "CANCELED");
  admin_ctx *c = malloc(sizeof *c);
  if (!sync || !c) {
    free(c);
    xs__admin_reply_later(sim, cb, ud, "ok");
    return;
  }
  *c = (admin_ctx){cb, ud, NULL, 0};
  /* The local cancel has happened; the answer depends on the receiver
   * acknowledging the finish request. */
  send_control(sim, ci, remote, XS_XR_ST_STOP, cancel_done, c);
}

void xs__st_site_crashed(xs_sim *sim, xs_cinst *ci) {
  for (int r = 0; r < XS_SITES_MAX; r++) {
    xs_bstate *b = &ci->b[r];
    if (!b->push) continue;
    if (b->push->started) xs_store_unpin(ci->store);
    free(b->push);
    b->push = NULL;
  }
  ci->st_sender = -1;
}

/* ------------------------------------------------------------------------ */
/* Receiver                                                                   */

static void stop_receiving(xs_cinst *ci) {
  ci->st_sender = -1;
  xs_store_clear(ci->st_written);
}

static void receive_chunk(xs_sim *sim, xs_cinst *ci, xs_xreq *r) {
  uint32_t applied = 0;
  /* Chunks that arrive when this site is not receiving from the sender
   * (finished, or cancel-receive-state) are dropped. */
  for (uint32_t i = 0; i < r->nitems && ci->st_sender == r->from; i++) {
    const xs_xitem *it = &r->items[i];
    uint64_t h = xs_hash_bytes(it->key, it->klen);
    if (xs_store_find(ci->st_written, it->key, it->klen, h)) continue;
    uint32_t ver = 0;
    if (it->irac.site >= 0) ver = xs_irac_pool_add(sim->vpool, &it->irac);
    xs_meta m = {it->expire_ms, it->max_idle_ms, sim->eng.now, ver, it->vtype};
    if (xs__apply_put(sim, ci, it->key, it->klen, h, it->val, it->vlen, &m) != 0 && ver)
      xs_irac_pool_unref(sim->vpool, ver);
    applied++;
  }
  xs__ev(sim, XS_EV_ST_RECV, ci->site, r->from, ci->cache, (int32_t)applied, r->nitems, NULL);
  xs__xreq_reply(sim, r, XS_OUTCOME_OK, NULL);
}

void xs__st_receive(xs_sim *sim, xs_xreq *r) {
  xs_cinst *ci = xs__xreq_receiver(sim, r);
  if (!ci) return;
  char msg[XS_MSG_BYTES_MAX];
  switch ((xs_xr_kind)r->kind) {
  case XS_XR_ST_START:
    if (ci->st_sender >= 0) {
      snprintf(msg, sizeof msg, "Already receiving state from %s", xs_sim_site_name(sim, ci->st_sender));
      xs__xreq_reply(sim, r, XS_OUTCOME_REMOTE, msg);
      return;
    }
    ci->st_sender = r->from;
    xs_store_clear(ci->st_written);
    break;
  case XS_XR_ST_STOP:
    if (ci->st_sender == r->from) stop_receiving(ci);
    break;
  case XS_XR_ST_CHUNK: receive_chunk(sim, ci, r); return;
  default: assert(!"not a state transfer request");
  }
  xs__ev(sim, XS_EV_ST_RECV, ci->site, r->from, ci->cache, r->kind, 0, r->kind == XS_XR_ST_START ? "start" : "stop");
  xs__xreq_reply(sim, r, XS_OUTCOME_OK, NULL);
}

void xs__st_cancel_receive(xs_cinst *ci, int sender) {
  if (ci->st_sender == sender) stop_receiving(ci);
}
