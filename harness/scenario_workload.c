/*
 * scenario_workload.c - the client workloads, each a Poisson process in
 * virtual time (its own PRNG stream, "workload-<n>"), recording every
 * operation in the history before submitting it.
 *
 * Keycloak (what a Keycloak deployment writes to the external Data Grid):
 *  - login: an authenticationSessions entry (written with
 *    SKIP_XSITE_BACKUP: in active/passive use it is not replicated), then
 *    sessions and clientSessions entries, then the authentication session
 *    is removed;
 *  - logout: a live session's sessions and clientSessions entries removed;
 *  - refresh: both replaced with new values;
 *  - action token: put-if-absent into actionTokens (single use); a replay
 *    tries an already used token again and must be refused;
 *  - login failure: an increment of the user's loginFailures counter;
 *  - invalidation: a put into work, as Keycloak's invalidation messages.
 * A request goes to the load balancer's site or to a fixed one; it fails
 * without reaching Data Grid when Keycloak there is stopped.
 *
 * Key/value: puts, removes and gets on random keys of one cache, straight
 * to Data Grid (no Keycloak in the way).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario_rt.h"

/* The Keycloak caches a workload writes, by role. */
enum { C_SESSIONS = 0, C_CLIENT, C_AUTH, C_TOKENS, C_FAILURES, C_WORK, C_COUNT };
static const char *const kc_caches[C_COUNT] = {"sessions", "clientSessions", "authenticationSessions",
                                               "actionTokens", "loginFailures", "work"};

/* Rates when the scenario gives none, per second (docs/scenario-language.md). */
static const double kc_default[XS_KC_ACTIONS] = {1.0, 0.5, 1.0, 0.2, 0.0, 0.2, 0.1};
static const double kv_default[XS_KV_ACTIONS] = {1.0, 0.0, 0.0};
#define KC_USERS_DEFAULT 100
#define KV_KEYS_DEFAULT 100
#define REALMS 4 /* distinct keys the work cache's invalidations use */

struct scn_wl {
  scn_rt *rt;
  int id;                  /* 1-based, in keys ("w1-s17") and the history's actor */
  const xs_scn_workload *cfg;
  int site;                /* fixed site, or -1 behind the load balancer */
  int cache[C_COUNT];      /* keycloak: by role, -1 when the topology lacks it; kv: [0] */
  xs_ms until;
  bool stopped;
  double rate[XS_SCN_WL_RATES_MAX]; /* per ms */
  double total;
  int64_t population;
  xs_prng rng;
  int64_t next_id;
  int64_t *live;           /* sessions the clients believe are logged in */
  size_t nlive, livecap;
  int64_t *used;           /* action tokens accepted */
  size_t nused, usedcap;
};

/* One operation in flight, and where its chain goes next. */
typedef struct wl_op {
  scn_wl *w;
  uint32_t hop;
  int64_t hold;            /* login: the authentication session's key, busy until the chain ends; -1 */
  uint8_t action, stage;
  int site;
  int64_t id, user;
  char count[24];          /* login failures: the counter's new value */
  int64_t tries;           /* kv: retries made so far */
  char key[96];            /* kv: the key, for a retry */
} wl_op;

static void push(int64_t **v, size_t *n, size_t *cap, int64_t x) {
  if (*n == *cap) {
    size_t nc = *cap ? *cap * 2 : 64;
    int64_t *nv = realloc(*v, nc * sizeof *nv);
    if (!nv) return;
    *v = nv;
    *cap = nc;
  }
  (*v)[(*n)++] = x;
}

/* Removes session id from the live list (order does not matter). */
static void drop_live(scn_wl *w, int64_t id) {
  for (size_t i = 0; i < w->nlive; i++)
    if (w->live[i] == id) {
      w->live[i] = w->live[--w->nlive];
      return;
    }
}

static void busy_add(scn_rt *rt, uint32_t key, int d) {
  if (key >= rt->busycap) {
    uint32_t nc = rt->busycap ? rt->busycap : 1024;
    while (nc <= key) nc *= 2;
    uint16_t *nb = realloc(rt->busy, nc * sizeof *nb);
    if (!nb) return;
    memset(nb + rt->busycap, 0, (nc - rt->busycap) * sizeof *nb);
    rt->busy = nb;
    rt->busycap = nc;
  }
  rt->busy[key] = (uint16_t)(rt->busy[key] + d);
}

bool xs__scn_busy(const scn_rt *rt, uint32_t key) { return key < rt->busycap && rt->busy[key]; }

static void release(wl_op *o) {
  if (o->hold < 0) return;
  busy_add(o->w->rt, (uint32_t)o->hold, -1);
  o->hold = -1;
}

static xs_hop_res res_of(int status) {
  if (status == 0) return XS_HRES_OK;
  if (status == XS_EEXISTS || status == XS_ENOTFOUND) return XS_HRES_REFUSED;
  return XS_HRES_ERROR;
}

/* login failures: n -> n + 1 */
static xs_compute_action incr(void *ud, const uint8_t *old, uint32_t old_len, uint8_t old_vtype, bool found,
                              xs_ms old_expire_ms, xs_compute_out *out) {
  wl_op *o = ud;
  long long n = 0;
  for (uint32_t i = 0; found && i < old_len && old[i] >= '0' && old[i] <= '9'; i++) n = n * 10 + (old[i] - '0');
  snprintf(o->count, sizeof o->count, "%lld", n + 1);
  out->value = (const uint8_t *)o->count;
  out->value_len = (uint32_t)strlen(o->count);
  out->lifespan_ms = -1;
  return XS_COMPUTE_PUT;
}

static void op_done(xs_sim *sim, void *ud, const xs_op_result *r);

static bool backs_up(const scn_rt *rt, int site, int cache) {
  for (int s = 0; s < rt->nsites; s++)
    if (s != site && xs_admin_backup_index(rt->sim, site, cache, s) >= 0) return true;
  return false;
}

/* Records and submits one operation; false when it could not start (the
 * history then says UNAVAILABLE and the chain stops). */
static bool submit(wl_op *o, int role, xs_op_kind kind, xs_hop_kind hk, const char *key, const char *label) {
  scn_wl *w = o->w;
  scn_rt *rt = w->rt;
  int cache = w->cache[role];
  int64_t k = xs_hist_key(&rt->hist, cache, key, strlen(key));
  bool skip = role == C_AUTH && w->cfg->kind == XS_WL_KEYCLOAK;
  /* Local to its site: written with SKIP_XSITE_BACKUP, or into a cache
   * that backs up to no other site (respCache in keycloak-ha). */
  bool local = skip || !backs_up(rt, o->site, cache);
  int64_t h = k < 0 ? k : xs_hist_invoke(&rt->hist, (uint32_t)k, o->site, hk, local, o->action, (uint16_t)w->id,
                                         xs_sim_now(rt->sim));
  if (h < 0) return false;
  o->hop = (uint32_t)h;
  busy_add(rt, (uint32_t)k, 1);
  if (w->cfg->kind == XS_WL_KEYCLOAK && !rt->keycloak_up[o->site]) {
    busy_add(rt, (uint32_t)k, -1);
    char why[128];
    snprintf(why, sizeof why, "Keycloak on %s is stopped (connection refused)", xs_sim_site_name(rt->sim, o->site));
    xs_hist_complete(&rt->hist, o->hop, XS_HRES_UNAVAILABLE, XS_ESITEDOWN, why, xs_sim_now(rt->sim));
    return false;
  }
  char value[160];
  xs_hist_value(value, sizeof value, label, o->hop);
  xs_op op;
  xs_op_init(&op, kind, o->site, cache);
  op.key = (const uint8_t *)key;
  op.key_len = (uint32_t)strlen(key);
  op.value = (const uint8_t *)value;
  op.value_len = (uint32_t)strlen(value);
  op.flags = skip ? XS_FLAG_SKIP_XSITE_BACKUP : 0;
  op.compute = kind == XS_OP_COMPUTE ? incr : NULL;
  op.compute_ud = o;
  int64_t rc = xs_op_submit(rt->sim, &op, op_done, o);
  if (rc < 0) {
    busy_add(rt, (uint32_t)k, -1);
    char why[160];
    snprintf(why, sizeof why, "Data Grid on %s refused the request: %s", xs_sim_site_name(rt->sim, o->site),
             xs_strerror((int)rc));
    xs_hist_complete(&rt->hist, o->hop, XS_HRES_UNAVAILABLE, (int)rc, why, xs_sim_now(rt->sim));
    return false;
  }
  return true;
}

static wl_op *new_op(scn_wl *w, uint8_t action, int site) {
  wl_op *o = xs__scn_alloc(w->rt, sizeof *o);
  if (o) {
    o->w = w;
    o->action = action;
    o->site = site;
    o->hold = -1;
  }
  return o;
}

static void key_of(char *buf, size_t len, const scn_wl *w, const char *what, int64_t id) {
  snprintf(buf, len, "w%d-%s%lld", w->id, what, (long long)id);
}

/* ------------------------------------------------------------------------ */
/* Keycloak chains                                                            */

/* The login chain: 0 authentication session put, 1 sessions put, 2
 * clientSessions put, 3 authentication session removed - also when 1 or 2
 * failed, as Keycloak drops a failed login's authentication session.  The
 * authentication session's key counts as busy for the whole chain. */
static void login_next(wl_op *o, xs_hop_res res) {
  scn_wl *w = o->w;
  bool ok = res == XS_HRES_OK;
  int next = o->stage == 0 ? (ok ? 1 : -1) : o->stage == 1 ? (ok ? 2 : 3) : o->stage == 2 ? 3 : -1;
  if (o->stage == 2 && ok) push(&w->live, &w->nlive, &w->livecap, o->id);
  if (next == 3 && w->cache[C_AUTH] < 0) next = -1;
  if (next < 0) {
    release(o);
    return;
  }
  o->stage = (uint8_t)next;
  char key[64], label[64];
  snprintf(label, sizeof label, "user-%lld", (long long)o->user);
  bool sent;
  if (next == 1) {
    key_of(key, sizeof key, w, "s", o->id);
    sent = submit(o, C_SESSIONS, XS_OP_PUT, XS_HOP_PUT, key, label);
  } else if (next == 2) {
    key_of(key, sizeof key, w, "cs", o->id);
    sent = submit(o, C_CLIENT, XS_OP_PUT, XS_HOP_PUT, key, label);
  } else {
    key_of(key, sizeof key, w, "auth", o->id);
    sent = submit(o, C_AUTH, XS_OP_REMOVE, XS_HOP_REMOVE, key, label);
  }
  if (!sent) release(o);
}

static void chain_next(wl_op *o, xs_hop_res res) {
  scn_wl *w = o->w;
  char key[64];
  switch (o->action) {
  case XS_KC_LOGIN: login_next(o, res); break;
  case XS_KC_LOGOUT:
    if (o->stage++ == 0) {
      key_of(key, sizeof key, w, "cs", o->id);
      submit(o, C_CLIENT, XS_OP_REMOVE, XS_HOP_REMOVE, key, "");
    }
    break;
  case XS_KC_REFRESH:
    if (res == XS_HRES_REFUSED) drop_live(w, o->id); /* the session is gone */
    if (o->stage++ == 0 && res == XS_HRES_OK) {
      key_of(key, sizeof key, w, "cs", o->id);
      submit(o, C_CLIENT, XS_OP_REPLACE, XS_HOP_REPLACE, key, "refreshed");
    }
    break;
  case XS_KC_TOKEN:
    if (res == XS_HRES_OK) push(&w->used, &w->nused, &w->usedcap, o->id);
    break;
  default: break;
  }
}

static void kv_submit(wl_op *o);

/* kv `retries N`: a write that ended in ERROR is tried again after 10 to
 * 49 ms (drawn from the workload's stream), as Keycloak retries a failed
 * write; each try is an operation of its own in the history. */
static void kv_retry(xs_sim *sim, void *ud) {
  (void)sim;
  kv_submit(ud); /* a request already sent is retried even after `stop workload` */
}

static void op_done(xs_sim *sim, void *ud, const xs_op_result *r) {
  wl_op *o = ud;
  scn_rt *rt = o->w->rt;
  xs_hop_res res = res_of(r->status);
  xs_hist_complete(&rt->hist, o->hop, res, r->status, r->error, r->completed_ms);
  busy_add(rt, rt->hist.ops[o->hop].key, -1);
  if (o->w->cfg->kind == XS_WL_KEYCLOAK) chain_next(o, res);
  else if (res == XS_HRES_ERROR && o->action != XS_KV_GET && o->tries < o->w->cfg->retries) {
    o->tries++;
    xs_sim_timer(sim, xs_sim_now(sim) + 10 + (xs_ms)xs_prng_below(&o->w->rng, 40), kv_retry, o);
  }
}

/* Starts one Keycloak action on `site`. */
static void kc_action(scn_wl *w, int action, int site) {
  wl_op *o = new_op(w, (uint8_t)action, site);
  if (!o) return;
  o->user = (int64_t)xs_prng_below(&w->rng, (uint64_t)w->population);
  char key[64], label[64];
  snprintf(label, sizeof label, "user-%lld", (long long)o->user);
  switch (action) {
  case XS_KC_LOGIN:
    o->id = ++w->next_id;
    if (w->cache[C_AUTH] < 0) {
      login_next(o, XS_HRES_OK);
      return;
    }
    key_of(key, sizeof key, w, "auth", o->id);
    if (submit(o, C_AUTH, XS_OP_PUT, XS_HOP_PUT, key, label)) {
      o->hold = o->w->rt->hist.ops[o->hop].key;
      busy_add(o->w->rt, (uint32_t)o->hold, 1);
    }
    return;
  case XS_KC_LOGOUT:
  case XS_KC_REFRESH: {
    if (!w->nlive) return;
    size_t i = (size_t)xs_prng_below(&w->rng, w->nlive);
    o->id = w->live[i];
    if (action == XS_KC_LOGOUT) w->live[i] = w->live[--w->nlive];
    key_of(key, sizeof key, w, "s", o->id);
    if (action == XS_KC_LOGOUT) submit(o, C_SESSIONS, XS_OP_REMOVE, XS_HOP_REMOVE, key, "");
    else submit(o, C_SESSIONS, XS_OP_REPLACE, XS_HOP_REPLACE, key, "refreshed");
    return;
  }
  case XS_KC_TOKEN:
  case XS_KC_REPLAY:
    if (action == XS_KC_REPLAY && !w->nused) return;
    o->id = action == XS_KC_TOKEN ? ++w->next_id : w->used[xs_prng_below(&w->rng, w->nused)];
    key_of(key, sizeof key, w, "tok", o->id);
    submit(o, C_TOKENS, XS_OP_PUT_IF_ABSENT, XS_HOP_PUT_IF_ABSENT, key, label);
    return;
  case XS_KC_FAILURE:
    key_of(key, sizeof key, w, "user", o->user);
    submit(o, C_FAILURES, XS_OP_COMPUTE, XS_HOP_INCR, key, "");
    return;
  default:
    key_of(key, sizeof key, w, "realm", (int64_t)xs_prng_below(&w->rng, REALMS));
    submit(o, C_WORK, XS_OP_PUT, XS_HOP_PUT, key, "invalidate");
    return;
  }
}

static void kv_action(scn_wl *w, int action, int site) {
  wl_op *o = new_op(w, (uint8_t)action, site);
  if (!o) return;
  int64_t n = (int64_t)xs_prng_below(&w->rng, (uint64_t)w->population);
  if (w->cfg->keyspace.name[0]) snprintf(o->key, sizeof o->key, "%s-k%lld", w->cfg->keyspace.name, (long long)n);
  else key_of(o->key, sizeof o->key, w, "k", n);
  kv_submit(o);
}

static void kv_submit(wl_op *o) {
  if (o->action == XS_KV_PUT) submit(o, 0, XS_OP_PUT, XS_HOP_PUT, o->key, "v");
  else if (o->action == XS_KV_REMOVE) submit(o, 0, XS_OP_REMOVE, XS_HOP_REMOVE, o->key, "");
  else submit(o, 0, XS_OP_GET, XS_HOP_GET, o->key, "");
}

/* ------------------------------------------------------------------------ */
/* The process                                                                */

/* A request that finds no site: recorded as unavailable, like any other. */
static void no_route(scn_wl *w, int action) {
  scn_rt *rt = w->rt;
  char key[64];
  key_of(key, sizeof key, w, "request", 0);
  int64_t k = xs_hist_key(&rt->hist, w->cache[0], key, strlen(key));
  int64_t h = k < 0 ? k : xs_hist_invoke(&rt->hist, (uint32_t)k, 0, XS_HOP_GET, false, (uint8_t)action,
                                         (uint16_t)w->id, xs_sim_now(rt->sim));
  if (h >= 0)
    xs_hist_complete(&rt->hist, (uint32_t)h, XS_HRES_UNAVAILABLE, XS_ESITEDOWN, "the load balancer has no site",
                     xs_sim_now(rt->sim));
}

static void wl_tick(xs_sim *sim, void *ud) {
  scn_wl *w = ud;
  xs_ms now = xs_sim_now(sim);
  if (w->stopped || (w->until && now >= w->until)) {
    w->stopped = true;
    return;
  }
  double x = xs_prng_unit(&w->rng) * w->total;
  int nact = w->cfg->kind == XS_WL_KEYCLOAK ? XS_KC_ACTIONS : XS_KV_ACTIONS, a = 0;
  while (a < nact - 1 && x >= w->rate[a]) x -= w->rate[a++];
  while (w->rate[a] <= 0 && a > 0) a--;
  int site = w->site >= 0 ? w->site : xs__scn_lb_route(w->rt);
  if (site < 0) no_route(w, a);
  else if (w->cfg->kind == XS_WL_KEYCLOAK) kc_action(w, a, site);
  else kv_action(w, a, site);
  double gap = -log(1.0 - xs_prng_unit(&w->rng)) / w->total;
  xs_ms next = now + (gap < 1.0 ? 1 : (xs_ms)gap);
  xs_sim_timer(sim, next, wl_tick, w);
}

static int resolve_caches(scn_wl *w, const xs_scn_stmt *st) {
  scn_rt *rt = w->rt;
  if (w->cfg->kind == XS_WL_KV) {
    w->cache[0] = xs__scn_cache(rt, &w->cfg->cache);
    return 0;
  }
  for (int c = 0; c < C_COUNT; c++) w->cache[c] = xs_sim_cache_index(rt->sim, kc_caches[c]);
  for (int c = 0; c < C_COUNT; c++)
    if (w->cache[c] < 0 && c != C_AUTH) {
      xs__scn_failure(rt, XS_SCN_FAIL_SETUP, st->line, st->col, NULL,
                      "the keycloak workload needs a cache named '%s' in the topology", kc_caches[c]);
      return -1;
    }
  return 0;
}

int xs__scn_workload_start(scn_rt *rt, const xs_scn_stmt *st) {
  const xs_scn_workload *cfg = &st->wl;
  if (rt->nwl == SCN_WORKLOADS_MAX || (cfg->via_lb && !rt->lb.defined)) {
    xs__scn_failure(rt, XS_SCN_FAIL_SETUP, st->line, st->col, NULL, "%s",
                    cfg->via_lb ? "'via loadbalancer' needs a 'loadbalancer' statement before it"
                                : "more than SCN_WORKLOADS_MAX (16) workloads");
    return -1;
  }
  scn_wl *w = calloc(1, sizeof *w);
  if (!w) return XS_ENOMEM;
  rt->wl[rt->nwl++] = w;
  *w = (scn_wl){.rt = rt, .id = rt->nwl, .cfg = cfg, .site = cfg->via_lb ? -1 : xs__scn_site(rt, &cfg->site)};
  if (resolve_caches(w, st)) return -1;
  bool kc = cfg->kind == XS_WL_KEYCLOAK;
  w->population = cfg->population ? cfg->population : kc ? KC_USERS_DEFAULT : KV_KEYS_DEFAULT;
  for (int a = 0; a < (kc ? XS_KC_ACTIONS : XS_KV_ACTIONS); a++) {
    double per_s = kc ? kc_default[a] : kv_default[a];
    if (cfg->rate_set[a]) per_s = (double)cfg->rate[a].milli / 1000.0 * 1000.0 / (double)cfg->rate[a].unit_ms;
    w->rate[a] = per_s / 1000.0;
    w->total += w->rate[a];
  }
  char stream[32];
  snprintf(stream, sizeof stream, "workload-%d", w->id);
  xs_prng_seed(&w->rng, xs_sim_random_seed(rt->sim, stream));
  w->until = cfg->for_ms ? xs_sim_now(rt->sim) + cfg->for_ms : 0;
  if (w->total > 0) xs_sim_timer(rt->sim, xs_sim_now(rt->sim), wl_tick, w);
  return 0;
}

void xs__scn_workloads_stop(scn_rt *rt) {
  for (int i = 0; i < rt->nwl; i++) rt->wl[i]->stopped = true;
}

void xs__scn_workloads_free(scn_rt *rt) {
  for (int i = 0; i < rt->nwl; i++) {
    free(rt->wl[i]->live);
    free(rt->wl[i]->used);
    free(rt->wl[i]);
  }
  rt->nwl = 0;
}

const char *xs__scn_action_name(const scn_rt *rt, const xs_hop *o) {
  static const char *const kc[XS_KC_ACTIONS] = {"login", "logout", "refresh", "token", "replay", "failure",
                                                "invalidate"};
  static const char *const kv[XS_KV_ACTIONS] = {"put", "remove", "get"};
  if (o->actor < 1 || o->actor > rt->nwl) return "?";
  bool k = rt->wl[o->actor - 1]->cfg->kind == XS_WL_KEYCLOAK;
  if (o->action >= (k ? XS_KC_ACTIONS : XS_KV_ACTIONS)) return "?";
  return k ? kc[o->action] : kv[o->action];
}
