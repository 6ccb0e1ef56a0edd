/*
 * sim.c - a simulation's lifecycle, run control, lookups, reads for checkers,
 * crash and restart, and the event-log API.
 */
#include <assert.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "sim_internal.h"

/* ------------------------------------------------------------------------ */
/* Small shared helpers                                                       */

void xs__ev(xs_sim *sim, xs_ev_kind kind, int site, int peer, int cache, int32_t code,
            uint64_t arg, const char *text) {
  xs_evlog_add(&sim->log, sim->eng.now, kind, site, peer, cache, code, arg, text);
}

void xs__log(xs_sim *sim, int site, const char *fmt, ...) {
  if (!sim->log_cb) return;
  char line[XS_MSG_BYTES_MAX * 2];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  sim->log_cb(sim->log_ud, sim->eng.now, site, line);
}

static int at_checked(xs_sim *sim, xs_ms t, bool bg, xs_event_fn fn, void *obj, uint64_t arg) {
  int rc = xs_engine_at(&sim->eng, t, bg, fn, obj, arg);
  /* The core schedules only bounded work per client request, so running out
   * of event slots is a broken invariant, not an input error. */
  assert(rc == 0);
  return rc;
}

int xs__at(xs_sim *sim, xs_ms t, xs_event_fn fn, void *obj, uint64_t arg) {
  return at_checked(sim, t, false, fn, obj, arg);
}

int xs__at_bg(xs_sim *sim, xs_ms t, xs_event_fn fn, void *obj, uint64_t arg) {
  return at_checked(sim, t, true, fn, obj, arg);
}

void xs__pretty_time(xs_ms ms, char *buf, size_t len) {
  if (ms < 1000) {
    snprintf(buf, len, "%" PRId64 " milliseconds", ms);
    return;
  }
  /* java.text.NumberFormat: at most two fraction digits, HALF_EVEN applied
   * to the double's exact binary value (so 1.245 rounds up: the double is a
   * hair above), no trailing zeros, grouping separators. glibc prints the
   * exact expansion, which decides the rounding. */
  char exact[64];
  snprintf(exact, sizeof exact, "%.30f", (double)ms / 1000.0);
  char *dot = strchr(exact, '.');
  int64_t hundredths = ms / 10;
  const char *rest = dot + 3; /* the digits after the second decimal */
  int cmp = rest[0] > '5' ? 1 : rest[0] < '5' ? -1 : 0;
  for (const char *p = rest + 1; cmp == 0 && *p; p++)
    if (*p != '0') cmp = 1;
  if (cmp > 0 || (cmp == 0 && (hundredths & 1))) hundredths++;
  int64_t whole = hundredths / 100, frac = hundredths % 100;
  char ibuf[32], grouped[48];
  int n = snprintf(ibuf, sizeof ibuf, "%" PRId64, whole), g = 0;
  for (int i = 0; i < n; i++) {
    if (i > 0 && (n - i) % 3 == 0) grouped[g++] = ',';
    grouped[g++] = ibuf[i];
  }
  grouped[g] = 0;
  if (frac == 0) snprintf(buf, len, "%s seconds", grouped);
  else if (frac % 10 == 0) snprintf(buf, len, "%s.%" PRId64 " seconds", grouped, frac / 10);
  else snprintf(buf, len, "%s.%02" PRId64 " seconds", grouped, frac);
}

bool xs__expired(const xs_meta *m, xs_ms now) {
  if (m->expire_ms != XS_TIME_NEVER && now >= m->expire_ms) return true;
  return m->max_idle_ms >= 0 && now >= m->last_used_ms + m->max_idle_ms;
}

/* ------------------------------------------------------------------------ */
/* Cache instances                                                            */

xs_cinst *xs__cinst(const xs_sim *sim, int site, int cache) {
  if (site < 0 || site >= sim->topo.nsites || cache < 0 || cache >= sim->topo.ncaches) return NULL;
  return sim->sites[site].caches[cache];
}

static void bstate_init(xs_sim *sim, xs_cinst *ci, const xs_backup_cfg *cfg, int remote) {
  xs_bstate *b = &ci->b[remote];
  *b = (xs_bstate){0};
  b->exists = true;
  b->remote = (int8_t)remote;
  b->cfg = *cfg;
  xs_offline_init(&b->off, cfg->after_failures, cfg->min_wait_ms);
  b->push_status = XS_PUSH_IDLE;
  if (cfg->strategy == XS_STRATEGY_ASYNC) ci->has_async = true;
  else ci->has_sync = true;
  (void)sim;
}

xs_cinst *xs__cinst_new(xs_sim *sim, int site, int cache) {
  xs_cinst *ci = calloc(1, sizeof *ci);
  if (!ci) return NULL;
  ci->site = (int8_t)site;
  ci->cache = (int16_t)cache;
  ci->cfg = &sim->topo.caches[cache];
  ci->st_sender = -1;
  xs__locks_init(&ci->locks);
  ci->store = xs_store_new();
  ci->st_written = xs_store_new();
  ci->tombstones = xs_store_new();
  if (!ci->store || !ci->st_written || !ci->tombstones) {
    xs__cinst_free(sim, ci);
    return NULL;
  }
  for (int i = 0; i < ci->cfg->nbackups; i++) {
    int r = xs_sim_site_index(sim, ci->cfg->backups[i].site);
    assert(r >= 0);
    if (r != site) bstate_init(sim, ci, &ci->cfg->backups[i], r);
  }
  for (int r = 0; r < sim->topo.nsites; r++) {
    if (!ci->b[r].exists || ci->b[r].cfg.strategy != XS_STRATEGY_ASYNC) continue;
    ci->b[r].irac_pending = xs_store_new();
    if (!ci->b[r].irac_pending) {
      xs__cinst_free(sim, ci);
      return NULL;
    }
  }
  return ci;
}

/* Releases the IRAC version handles an store's entries hold. */
static void store_unref_versions(xs_sim *sim, xs_store *s) {
  if (!s) return;
  size_t cur = 0;
  xs_entry *e;
  while ((e = xs_store_next(s, &cur))) {
    xs_meta m;
    xs_entry_meta(e, &m);
    if (m.ver) xs_irac_pool_unref(sim->vpool, m.ver);
  }
}

void xs__cinst_free(xs_sim *sim, xs_cinst *ci) {
  if (!ci) return;
  store_unref_versions(sim, ci->store);
  store_unref_versions(sim, ci->tombstones);
  xs_store_free(ci->store);
  xs_store_free(ci->st_written);
  xs_store_free(ci->tombstones);
  for (int r = 0; r < XS_SITES_MAX; r++) {
    xs_store_free(ci->b[r].irac_pending);
    free(ci->b[r].push); /* a transfer still running when the simulation ends */
  }
  xs__locks_free(&ci->locks);
  free(ci);
}

/* ------------------------------------------------------------------------ */
/* Lifecycle                                                                  */

static void name_nodes(xs_sim *sim, int site) {
  xs_site *s = &sim->sites[site];
  xs_prng r;
  xs_prng_seed(&r, xs_prng_split(sim->seed, sim->topo.sites[site].name));
  s->nnodes = sim->topo.sites[site].nodes;
  /* Operator pods are "infinispan-<ordinal>" and JGroups appends a random
   * suffix to the logical name; the suffix comes from the seed. */
  for (int n = 0; n < s->nnodes; n++)
    snprintf(s->nodes[n], sizeof s->nodes[n], "infinispan-%d-%05" PRIu64, n,
             10000 + xs_prng_below(&r, 90000));
}

static int site_start(xs_sim *sim, int site) {
  xs_site *s = &sim->sites[site];
  s->up = true;
  for (int c = 0; c < sim->topo.ncaches; c++) {
    if (!(sim->topo.caches[c].site_mask & (1u << site))) continue;
    s->caches[c] = xs__cinst_new(sim, site, c);
    if (!s->caches[c]) return XS_ENOMEM;
  }
  return 0;
}

static void links_init(xs_sim *sim) {
  int n = sim->topo.nsites;
  for (int a = 0; a < n; a++) {
    for (int b = 0; b < n; b++) {
      sim->links[a][b] = (xs_link){true, sim->topo.link_latency_ms, sim->topo.link_jitter_ms, 0.0, 0};
      sim->sites[a].view[b] = true;
    }
  }
}

xs_sim *xs_sim_new(const xs_topology *t, uint64_t seed, char *err, size_t errlen) {
  char msg[XS_MSG_BYTES_MAX];
  if (xs_topology_validate(t, msg, sizeof msg) != 0) {
    if (err) snprintf(err, errlen, "%s", msg);
    return NULL;
  }
  xs_sim *sim = calloc(1, sizeof *sim);
  if (!sim) goto oom;
  sim->topo = *t;
  sim->seed = seed;
  sim->next_op_id = 1;
  xs_prng_seed(&sim->rng_link, xs_prng_split(seed, "link"));
  xs_prng_seed(&sim->rng_irac, xs_prng_split(seed, "irac"));
  sim->vpool = xs_irac_pool_new(t->nsites);
  if (!sim->vpool || xs_engine_init(&sim->eng) || xs_evlog_init(&sim->log)) goto oom;
  links_init(sim);
  for (int s = 0; s < t->nsites; s++) {
    name_nodes(sim, s);
    if (site_start(sim, s)) goto oom;
  }
  return sim;
oom:
  if (err) snprintf(err, errlen, "out of memory");
  xs_sim_free(sim);
  return NULL;
}

static void free_xreq_list(xs_sim *sim, xs_site *s) {
  for (int r = 0; r < XS_SITES_MAX; r++) {
    while (s->inflight[r]) {
      xs_xreq *q = s->inflight[r];
      s->inflight[r] = q->next;
      q->prev = q->next = NULL;
    }
  }
  (void)sim;
}

static void timer_fire(xs_sim *sim, void *obj, uint64_t arg);

/* Harness timers and admin replies belong to their pending event; with the
 * simulation going away nothing will run those events, so free their
 * objects here. */
static void free_owned(xs_event *ev, void *ud) {
  if (ev->fn == timer_fire || ev->fn == xs__admin_reply_event) free(ev->obj);
}

static void free_event_owned(xs_sim *sim) { xs_engine_foreach(&sim->eng, free_owned, NULL); }

void xs_sim_free(xs_sim *sim) {
  if (!sim) return;
  for (int s = 0; s < XS_SITES_MAX; s++) {
    free_xreq_list(sim, &sim->sites[s]);
    for (int c = 0; c < XS_CACHES_MAX; c++) xs__cinst_free(sim, sim->sites[s].caches[c]);
  }
  /* Pending events may still own requests and operations - a stale
   * request timeout stays queued even in a quiescent simulation - and
   * nothing will run them now: reclaim what is left without following
   * references (the version pool goes below as a whole). */
  while (sim->xreqs_live) {
    xs_xreq *r = sim->xreqs_live;
    sim->xreqs_live = r->live_next;
    if (!r->done && r->owns_owner) free(r->owner); /* on_done never ran */
    free(r->items);
    free(r->item_buf);
    free(r);
  }
  while (sim->ops_live) {
    xs_opctx *op = sim->ops_live;
    sim->ops_live = op->live_next;
    free(op->buf);
    free(op);
  }
  while (sim->op_free) {
    xs_opctx *op = sim->op_free;
    sim->op_free = op->free_next;
    free(op->buf);
    free(op);
  }
  while (sim->xreq_free) {
    xs_xreq *r = sim->xreq_free;
    sim->xreq_free = r->next;
    free(r);
  }
  free_event_owned(sim);
  xs__tqueues_free(&sim->tqs);
  xs_irac_pool_free(sim->vpool);
  xs_engine_free(&sim->eng);
  xs_evlog_free(&sim->log);
  free(sim);
}

const xs_topology *xs_sim_topology(const xs_sim *sim) { return &sim->topo; }
xs_ms xs_sim_now(const xs_sim *sim) { return sim->eng.now; }
uint64_t xs_sim_seed(const xs_sim *sim) { return sim->seed; }
const char *xs_sim_last_error(const xs_sim *sim) { return sim->last_error; }

void xs_sim_set_log(xs_sim *sim, xs_log_cb cb, void *ud) {
  sim->log_cb = cb;
  sim->log_ud = ud;
}

uint64_t xs_sim_random_seed(const xs_sim *sim, const char *stream) {
  return xs_prng_split(sim->seed ^ 0x5ca1ab1e0ddba11ull, stream);
}

/* ------------------------------------------------------------------------ */
/* Run control                                                                */

static void run_one(xs_sim *sim, const xs_event *ev) { ev->fn(sim, ev->obj, ev->arg); }

/* Software-pipelined lookups: the events a few places ahead will look keys
 * up in stores too large for the cache, each lookup three dependent loads.
 * Start the first load for the event 16 places ahead (again: it was started
 * when the key was submitted or sent, but may have been evicted since), the
 * second for the one 8 ahead and the third for the one 4 ahead, so that
 * each lookup finds its memory loaded.  Hints only. */
static void prefetch_ahead(xs_sim *sim) {
  static const unsigned ahead[3] = {16, 8, 4}; /* by depth 0, 1, 2 */
  for (int depth = 0; depth < 3; depth++) {
    const xs_event *ev = xs_engine_peek(&sim->eng, ahead[depth]);
    if (ev) xs__prefetch_event(sim, ev, depth);
  }
}

int xs_sim_step(xs_sim *sim) {
  xs_event ev;
  if (!xs_engine_pop(&sim->eng, &ev)) return 0;
  prefetch_ahead(sim);
  run_one(sim, &ev);
  return 1;
}

int64_t xs_sim_run_until(xs_sim *sim, xs_ms t) {
  int64_t n = 0;
  while (xs_engine_next_time(&sim->eng) <= t) n += xs_sim_step(sim);
  if (t > sim->eng.now) sim->eng.now = t;
  return n;
}

/* Busy while foreground events are queued, client operations are open, or
 * cross-site requests wait for an answer (their timeouts are background
 * events, so a request that was answered leaves nothing behind). */
static bool busy(const xs_sim *sim) {
  return sim->eng.fg_pending > 0 || sim->ops_inflight > 0 || sim->xreqs_pending > 0;
}

int64_t xs_sim_run_quiescent(xs_sim *sim, xs_ms limit) {
  int64_t n = 0;
  while (busy(sim) && xs_engine_next_time(&sim->eng) <= limit) n += xs_sim_step(sim);
  return n;
}

xs_ms xs_sim_next_time(const xs_sim *sim) { return xs_engine_next_time(&sim->eng); }
uint64_t xs_sim_events_run(const xs_sim *sim) { return sim->eng.run; }
uint64_t xs_sim_events_pending(const xs_sim *sim) { return sim->eng.n; }

static void timer_fire(xs_sim *sim, void *obj, uint64_t arg) {
  xs_timer *t = obj;
  xs_timer_cb cb = t->cb;
  void *ud = t->ud;
  free(t);
  xs__ev(sim, XS_EV_TIMER, -1, -1, -1, 0, arg, NULL);
  cb(sim, ud);
}

int xs_sim_timer(xs_sim *sim, xs_ms at, xs_timer_cb cb, void *ud) {
  if (!cb || at < sim->eng.now) return XS_EINVAL;
  xs_timer *t = malloc(sizeof *t);
  if (!t) return XS_ENOMEM;
  *t = (xs_timer){cb, ud};
  int rc = xs_engine_at(&sim->eng, at, false, timer_fire, t, (uint64_t)at);
  if (rc) free(t);
  return rc;
}

/* ------------------------------------------------------------------------ */
/* Lookups                                                                    */

int xs_sim_site_index(const xs_sim *sim, const char *name) {
  for (int s = 0; s < sim->topo.nsites; s++)
    if (name && strcmp(sim->topo.sites[s].name, name) == 0) return s;
  return XS_ENOSITE;
}

int xs_sim_cache_index(const xs_sim *sim, const char *name) {
  if (!name) return XS_ENOCACHE;
  for (int c = 0; c < sim->topo.ncaches; c++)
    if (strcmp(sim->topo.caches[c].name, name) == 0) return c;
  for (int c = 0; c < sim->topo.ncaches; c++)
    if (sim->topo.caches[c].alias[0] && strcmp(sim->topo.caches[c].alias, name) == 0) return c;
  return XS_ENOCACHE;
}

const char *xs_sim_site_name(const xs_sim *sim, int site) {
  return site >= 0 && site < sim->topo.nsites ? sim->topo.sites[site].name : NULL;
}

const char *xs_sim_cache_name(const xs_sim *sim, int cache) {
  return cache >= 0 && cache < sim->topo.ncaches ? sim->topo.caches[cache].name : NULL;
}

const char *xs_sim_node_name(const xs_sim *sim, int site, int node) {
  if (site < 0 || site >= sim->topo.nsites) return NULL;
  const xs_site *s = &sim->sites[site];
  return node >= 0 && node < s->nnodes ? s->nodes[node] : NULL;
}

int xs_sim_node_count(const xs_sim *sim, int site) {
  return site >= 0 && site < sim->topo.nsites ? sim->sites[site].nnodes : XS_ENOSITE;
}

bool xs_sim_cache_defined(const xs_sim *sim, int site, int cache) {
  return xs__cinst(sim, site, cache) != NULL && sim->sites[site].up;
}

/* ------------------------------------------------------------------------ */
/* Reads for checkers                                                         */

static int read_target(const xs_sim *sim, int site, int cache, xs_cinst **ci) {
  if (site < 0 || site >= sim->topo.nsites) return XS_ENOSITE;
  if (cache < 0 || cache >= sim->topo.ncaches) return XS_ENOCACHE;
  *ci = sim->sites[site].caches[cache];
  return *ci ? 0 : XS_ENOCACHE;
}

int xs_cache_peek(const xs_sim *sim, int site, int cache, const uint8_t *key, uint32_t key_len,
                  const uint8_t **value, uint32_t *value_len, uint8_t *vtype, xs_ms *expire_ms) {
  xs_cinst *ci;
  int rc = read_target(sim, site, cache, &ci);
  if (rc) return rc;
  xs_entry *e = xs_store_find(ci->store, key, key_len, xs_hash_bytes(key, key_len));
  if (!e) return 0;
  xs_meta m;
  xs_entry_meta(e, &m);
  if (xs__expired(&m, sim->eng.now)) return 0;
  uint32_t vl;
  const uint8_t *v = xs_entry_value(e, &vl);
  if (value) *value = v;
  if (value_len) *value_len = vl;
  if (vtype) *vtype = m.vtype;
  if (expire_ms) *expire_ms = m.expire_ms;
  return 1;
}

int xs_cache_foreach(const xs_sim *sim, int site, int cache, xs_entry_cb cb, void *ud) {
  xs_cinst *ci;
  int rc = read_target(sim, site, cache, &ci);
  if (rc) return rc;
  size_t cur = 0;
  xs_entry *e;
  while ((e = xs_store_next(ci->store, &cur))) {
    xs_meta m;
    xs_entry_meta(e, &m);
    if (xs__expired(&m, sim->eng.now)) continue;
    uint32_t kl, vl;
    const uint8_t *k = xs_entry_key(e, &kl), *v = xs_entry_value(e, &vl);
    rc = cb(ud, k, kl, v, vl, m.vtype);
    if (rc) return rc;
  }
  return 0;
}

static int count_cb(void *ud, const uint8_t *k, uint32_t kl, const uint8_t *v, uint32_t vl,
                    uint8_t t) {
  (*(int64_t *)ud)++;
  return 0;
}

int64_t xs_cache_size(const xs_sim *sim, int site, int cache) {
  int64_t n = 0;
  int rc = xs_cache_foreach(sim, site, cache, count_cb, &n);
  return rc < 0 ? rc : n;
}

typedef struct equal_ctx {
  const xs_sim *sim;
  int other, cache;
  char *diff;
  size_t difflen;
} equal_ctx;

static void describe_key(char *buf, size_t len, const char *what, const uint8_t *k, uint32_t kl) {
  int n = snprintf(buf, len, "%s '", what);
  for (uint32_t i = 0; i < kl && n + 2 < (int)len; i++)
    buf[n++] = (k[i] >= 32 && k[i] < 127) ? (char)k[i] : '.';
  if (n + 1 < (int)len) buf[n++] = '\'';
  buf[n < (int)len ? n : (int)len - 1] = 0;
}

static int equal_cb(void *ud, const uint8_t *k, uint32_t kl, const uint8_t *v, uint32_t vl,
                    uint8_t t) {
  equal_ctx *x = ud;
  const uint8_t *ov;
  uint32_t ovl;
  int found = xs_cache_peek(x->sim, x->other, x->cache, k, kl, &ov, &ovl, NULL, NULL);
  const char *why = NULL;
  if (found != 1) why = "missing on the other site: key";
  else if (ovl != vl || memcmp(ov, v, vl) != 0) why = "different values for key";
  if (!why) return 0;
  if (x->diff) describe_key(x->diff, x->difflen, why, k, kl);
  return 1;
}

int xs_cache_equal(const xs_sim *sim, int cache, int site_a, int site_b, char *diff,
                   size_t difflen) {
  int64_t na = xs_cache_size(sim, site_a, cache), nb = xs_cache_size(sim, site_b, cache);
  if (na < 0) return (int)na;
  if (nb < 0) return (int)nb;
  equal_ctx x = {sim, site_b, cache, diff, difflen};
  int rc = xs_cache_foreach(sim, site_a, cache, equal_cb, &x);
  if (rc) return 0;
  if (na != nb) {
    if (diff) snprintf(diff, difflen, "entry counts differ: %" PRId64 " vs %" PRId64, na, nb);
    return 0;
  }
  return 1;
}

/* ------------------------------------------------------------------------ */
/* Crash and restart                                                          */

int xs_site_crash(xs_sim *sim, int site) {
  if (site < 0 || site >= sim->topo.nsites) return XS_ENOSITE;
  xs_site *s = &sim->sites[site];
  if (!s->up) return 0;
  s->up = false;
  s->epoch++;
  xs__ev(sim, XS_EV_CRASH, site, -1, -1, 0, 0, NULL);
  for (int c = 0; c < sim->topo.ncaches; c++) {
    xs_cinst *ci = s->caches[c];
    if (!ci) continue;
    xs__st_site_crashed(sim, ci);
    xs__locks_reset(sim, ci);
  }
  xs__views_all_changed(sim);
  return 0;
}

int xs_site_restart(xs_sim *sim, int site) {
  if (site < 0 || site >= sim->topo.nsites) return XS_ENOSITE;
  xs_site *s = &sim->sites[site];
  if (s->up) return 0;
  /* The old instances may still be referenced by requests in flight, which
   * carry the old epoch and are dropped; the caches start empty. */
  for (int c = 0; c < sim->topo.ncaches; c++) {
    xs__cinst_free(sim, s->caches[c]);
    s->caches[c] = NULL;
  }
  if (site_start(sim, site)) return XS_ENOMEM;
  /* A starting site joins the bridge with whatever it can reach; the others
   * notice it after their failure-detection timeout. */
  for (int r = 0; r < sim->topo.nsites; r++)
    s->view[r] = r == site || (sim->sites[r].up && sim->links[r][site].up);
  xs__ev(sim, XS_EV_RESTART, site, -1, -1, 0, 0, NULL);
  xs__views_all_changed(sim);
  return 0;
}

bool xs_site_is_up(const xs_sim *sim, int site) {
  return site >= 0 && site < sim->topo.nsites && sim->sites[site].up;
}

bool xs_site_view_has(const xs_sim *sim, int site, int remote) {
  if (site < 0 || site >= sim->topo.nsites || remote < 0 || remote >= sim->topo.nsites) return false;
  return sim->sites[site].up && sim->sites[site].view[remote];
}

/* ------------------------------------------------------------------------ */
/* Counters                                                                   */

int xs_counters_get(const xs_sim *sim, int site, int cache, int remote, xs_xsite_counters *out) {
  xs_cinst *ci;
  int rc = read_target(sim, site, cache, &ci);
  if (rc) return rc;
  if (remote < 0 || remote >= sim->topo.nsites) return XS_ENOSITE;
  const xs_bstate *b = &ci->b[remote];
  if (!b->exists) return XS_ENOTBACKUP;
  *out = b->ctr;
  out->status = b->off.offline ? 0 : 1;
  out->failures_count = b->off.failure_count;
  out->millis_since_first_failure = xs_offline_millis_since_first_failure(&b->off, sim->eng.now);
  return 0;
}

/* ------------------------------------------------------------------------ */
/* Event log                                                                  */

static const char *const ev_names[XS_EV_KIND_COUNT] = {
    [XS_EV_OP_INVOKE] = "op-invoke",   [XS_EV_OP_DONE] = "op-done",
    [XS_EV_XSITE_SEND] = "xsite-send", [XS_EV_XSITE_APPLY] = "xsite-apply",
    [XS_EV_XSITE_REPLY] = "xsite-reply", [XS_EV_XSITE_TIMEOUT] = "xsite-timeout",
    [XS_EV_XSITE_LOST] = "xsite-lost", [XS_EV_SITE_OFFLINE] = "site-offline",
    [XS_EV_SITE_ONLINE] = "site-online", [XS_EV_VIEW_LEAVE] = "view-leave",
    [XS_EV_VIEW_JOIN] = "view-join",   [XS_EV_LINK] = "link",
    [XS_EV_CRASH] = "crash",           [XS_EV_RESTART] = "restart",
    [XS_EV_ADMIN] = "admin",           [XS_EV_ST_START] = "st-start",
    [XS_EV_ST_CHUNK] = "st-chunk",     [XS_EV_ST_DONE] = "st-done",
    [XS_EV_ST_RECV] = "st-recv",       [XS_EV_IRAC_BATCH] = "irac-batch",
    [XS_EV_IRAC_CONFLICT] = "irac-conflict", [XS_EV_WARN] = "warn",
    [XS_EV_CLEAR] = "clear",           [XS_EV_TIMER] = "timer",
    [XS_EV_LOCK_TIMEOUT] = "lock-timeout", [XS_EV_EXPIRE] = "expire",
};

const char *xs_ev_kind_name(xs_ev_kind k) {
  return k > 0 && k < XS_EV_KIND_COUNT && ev_names[k] ? ev_names[k] : "?";
}

uint64_t xs_evlog_hash(const xs_sim *sim) { return sim->log.hash; }
uint64_t xs_evlog_count(const xs_sim *sim) { return sim->log.count; }
void xs_evlog_keep_all(xs_sim *sim, bool keep) { sim->log.keep_all = keep; }

size_t xs_evlog_read(const xs_sim *sim, uint64_t since, xs_ev_record *out, size_t max) {
  uint64_t count = sim->log.count;
  uint64_t oldest = count > XS_EVLOG_RING_MAX ? count - XS_EVLOG_RING_MAX : 0;
  if (since < oldest) since = oldest;
  size_t n = 0;
  for (uint64_t s = since; s < count && n < max; s++)
    out[n++] = sim->log.ring[s & (XS_EVLOG_RING_MAX - 1)];
  return n;
}

int xs_ev_format(const xs_sim *sim, const xs_ev_record *r, char *buf, size_t len) {
  const char *site = r->site >= 0 ? xs_sim_site_name(sim, r->site) : "-";
  const char *peer = r->peer >= 0 ? xs_sim_site_name(sim, r->peer) : "-";
  const char *cache = r->cache >= 0 ? xs_sim_cache_name(sim, r->cache) : "-";
  return snprintf(buf, len, "%" PRIu64 " %" PRId64 " %s site=%s peer=%s cache=%s code=%" PRId32
                  " arg=%" PRIu64 " %s", r->seq, r->time, xs_ev_kind_name((xs_ev_kind)r->kind),
                  site, peer, cache, r->code, r->arg, r->text);
}

int xs_evlog_write(const xs_sim *sim, FILE *f) {
  if (!sim->log.keep_all) return XS_ESTATE;
  char line[256];
  for (size_t i = 0; i < sim->log.all_n; i++) {
    xs_ev_format(sim, &sim->log.all[i], line, sizeof line);
    if (fprintf(f, "%s\n", line) < 0) return XS_EINVAL;
  }
  return 0;
}
