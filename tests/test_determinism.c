/*
 * test_determinism.c - the simulation is a function of (topology, seed), and
 * a long randomized run never crashes, asserts or leaks.
 *
 * A workload drives the C API the way the harness will: several client
 * actors on every site submit puts, removes, replaces, put-if-absents,
 * computes, gets and the odd clear on random keys of random caches at random
 * virtual times, many operations in flight at once; a fault actor cuts links
 * (both ways and one way), heals, changes latency, jitter and loss, runs
 * take-offline / bring-online / push-state and the other admin calls, and
 * one site crashes and restarts.  Every random choice comes from PRNG
 * streams split off xs_sim_random_seed(sim, "workload"), so the workload
 * itself is part of what the seed determines.
 *
 * The tests assert that two runs of one seed give the same event-log hash
 * and count, that different seeds give different hashes, on the keycloak-ha
 * preset (SYNC, FAIL, pessimistic tx) and on an ASYNC (IRAC) variant of it,
 * and that two simulations stepped alternately in one process do not
 * disturb each other (no global state).  Each run is drained until no event
 * is left, so that the sanitizer builds (-Db_sanitize=address,undefined)
 * see every allocation of the core returned: the run doubles as a
 * crash/leak fuzz of the core.
 */
#include "test_util.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prng.h"

#define RUN_MS (10 * 60 * 1000)     /* the virtual duration of a workload */
#define CLIENTS_PER_SITE 3
#define KEYS_PER_CACHE 48           /* small, so that writes contend for locks */
#define DRAIN_LIMIT_MS (6 * 3600 * 1000) /* after the run, by when all is quiet */
#define DRAIN_MAX_EVENTS 50000000ull
#define SEEDS 12                    /* seeds per topology (at least 10) */

typedef struct workload workload;

/* A client: wakes at random times and submits a few operations at once. */
typedef struct client {
  workload *w;
  int site;
  int n;          /* operations submitted, for unique values */
  xs_prng rng;
} client;

/* What a run produced, compared between runs. */
typedef struct run_result {
  uint64_t hash, count, events;
  uint64_t ops_done, ops_failed, admin_done;
} run_result;

struct workload {
  xs_sim *sim;
  xs_ms end;
  int nsites, ncaches;
  client clients[XS_SITES_MAX * CLIENTS_PER_SITE];
  int nclients;
  xs_prng fault_rng;
  int crash_site;
  xs_ms crash_at, restart_at;
  uint64_t ops_done, ops_failed, admin_done;
  uint8_t compute_buf[128]; /* a compute op's new value, copied by the core */
};

static uint64_t below(xs_prng *r, uint64_t n) { return xs_prng_below(r, n); }
static bool chance(xs_prng *r, unsigned percent) { return below(r, 100) < percent; }

/* ------------------------------------------------------------------------ */
/* Clients                                                                    */

static void op_done(xs_sim *sim, void *ud, const xs_op_result *r) {
  workload *w = ud;
  w->ops_done++;
  if (r->status) w->ops_failed++;
}

/* Appends 'x' to the old value until it is long, then removes the key: a
 * read-modify-write whose outcome depends on the order writes landed in. */
static xs_compute_action grow_or_remove(void *ud, const uint8_t *old, uint32_t old_len,
                                        uint8_t old_vtype, bool found, xs_ms old_expire_ms,
                                        xs_compute_out *out) {
  workload *w = ud;
  if (found && old_len >= 24) return XS_COMPUTE_REMOVE;
  uint32_t n = found ? old_len : 0;
  if (n) memcpy(w->compute_buf, old, n);
  w->compute_buf[n++] = 'x';
  out->value = w->compute_buf;
  out->value_len = n;
  out->vtype = found ? old_vtype : 0;
  out->lifespan_ms = found ? -1 : -2;
  return XS_COMPUTE_PUT;
}

/* Picks what kind of operation a client submits next; gets and puts are the
 * bulk of it, a clear is rare because it wipes a cache on every online site. */
static xs_op_kind pick_kind(xs_prng *r) {
  unsigned x = (unsigned)below(r, 1000);
  if (x < 300) return XS_OP_PUT;
  if (x < 450) return XS_OP_GET;
  if (x < 600) return XS_OP_REMOVE;
  if (x < 720) return XS_OP_REPLACE;
  if (x < 840) return XS_OP_PUT_IF_ABSENT;
  if (x < 999) return XS_OP_COMPUTE;
  return XS_OP_CLEAR;
}

static void submit_one(client *c) {
  workload *w = c->w;
  xs_prng *r = &c->rng;
  char key[32], val[96];
  int cache = (int)below(r, (uint64_t)w->ncaches);
  xs_op op;
  xs_op_init(&op, pick_kind(r), c->site, cache);
  snprintf(key, sizeof key, "k%d-%" PRIu64, cache, below(r, KEYS_PER_CACHE));
  op.key = (const uint8_t *)key;
  op.key_len = (uint32_t)strlen(key);
  /* Values of varying length, some longer than a slab class, all unique. */
  int vlen = snprintf(val, sizeof val, "v%d.%d.%d", c->site, (int)(c - w->clients), c->n++);
  int pad = (int)below(r, 60);
  while (pad-- > 0 && vlen < (int)sizeof val - 1) val[vlen++] = (char)('a' + below(r, 26));
  val[vlen] = 0;
  op.value = (const uint8_t *)val;
  op.value_len = (uint32_t)vlen;
  op.vtype = (uint8_t)below(r, 3);
  if (chance(r, 10)) op.lifespan_ms = (xs_ms)(500 + below(r, 60000));
  if (chance(r, 5)) op.max_idle_ms = (xs_ms)(500 + below(r, 30000));
  if (chance(r, 3)) op.flags |= XS_FLAG_SKIP_XSITE_BACKUP;
  if (op.kind == XS_OP_GET && chance(r, 30)) op.flags |= XS_FLAG_TOUCH;
  op.compute = grow_or_remove;
  op.compute_ud = w;
  /* A crashed site refuses with XS_ESITEDOWN, a cache without an instance
   * there with XS_ENOCACHE; the client simply tries again later. */
  (void)xs_op_submit(w->sim, &op, op_done, w);
}

static void client_tick(xs_sim *sim, void *ud) {
  client *c = ud;
  int burst = 1 + (int)below(&c->rng, 4);
  for (int i = 0; i < burst; i++) submit_one(c);
  xs_ms next = xs_sim_now(sim) + 1 + (xs_ms)below(&c->rng, 1500);
  if (next < c->w->end) assert_int_equal(xs_sim_timer(sim, next, client_tick, c), 0);
}

/* ------------------------------------------------------------------------ */
/* Faults                                                                     */

static void admin_done(xs_sim *sim, void *ud, const xs_admin_result *r) {
  workload *w = ud;
  assert_non_null(r->text);
  w->admin_done++;
}

static void random_admin(workload *w) {
  xs_prng *r = &w->fault_rng;
  int site = (int)below(r, (uint64_t)w->nsites);
  int cache = (int)below(r, (uint64_t)w->ncaches);
  int remote = (site + 1 + (int)below(r, (uint64_t)w->nsites - 1)) % w->nsites;
  /* Mostly another site's name; now and then its own, or one that is not
   * a site at all ("Incorrect site name"). */
  if (chance(r, 5)) remote = site;
  const char *name = chance(r, 5) ? "site-x" : xs_sim_site_name(w->sim, remote);
  unsigned x = (unsigned)below(r, 100);
  if (x < 8) {
    (void)xs_admin_take_offline_set(w->sim, site, cache, remote, (int32_t)below(r, 4),
                                    (xs_ms)below(r, 3) * 10000);
    return;
  }
  if (x < 12) {
    (void)xs_admin_st_mode_set(w->sim, site, cache, remote, (xs_st_mode)below(r, 2));
    return;
  }
  /* Pushes are the longest-running admin work, so they come most often. */
  static const xs_admin_kind kinds[] = {
      XS_ADMIN_PUSH_STATE,     XS_ADMIN_PUSH_STATE,   XS_ADMIN_PUSH_STATE,
      XS_ADMIN_TAKE_OFFLINE,   XS_ADMIN_TAKE_OFFLINE, XS_ADMIN_BRING_ONLINE,
      XS_ADMIN_BRING_ONLINE,   XS_ADMIN_CANCEL_PUSH_STATE, XS_ADMIN_CANCEL_RECEIVE_STATE,
      XS_ADMIN_CLEAR_PUSH_STATE_STATUS,
  };
  xs_admin_kind kind = kinds[below(r, sizeof kinds / sizeof *kinds)];
  /* Refusals (no backups, crashed site) are answers too; nothing to do. */
  (void)xs_admin_submit(w->sim, site, cache, kind, name, admin_done, w);
}

static void random_link_fault(workload *w) {
  xs_prng *r = &w->fault_rng;
  int a = (int)below(r, (uint64_t)w->nsites), b = (a + 1 + (int)below(r, (uint64_t)w->nsites - 1)) % w->nsites;
  /* Heals come as often as cuts, so that the sites spend time both ways. */
  switch (below(r, 8)) {
  case 0: assert_int_equal(xs_partition(w->sim, a, b, false), 0); break;
  case 1: assert_int_equal(xs_partition(w->sim, a, b, true), 0); break;
  case 2:
  case 3:
  case 7: xs_heal(w->sim); break;
  case 4:
    assert_int_equal(xs_link_set_latency(w->sim, a, b, 1 + (xs_ms)below(r, 300), (xs_ms)below(r, 80)), 0);
    break;
  case 5: assert_int_equal(xs_link_set_loss(w->sim, a, b, chance(r, 40) ? 0.0 : xs_prng_unit(r) * 0.3), 0); break;
  case 6: assert_int_equal(xs_link_set_up(w->sim, a, b, chance(r, 50)), 0); break;
  default: break;
  }
}

static void fault_tick(xs_sim *sim, void *ud) {
  workload *w = ud;
  if (chance(&w->fault_rng, 55)) random_admin(w);
  else random_link_fault(w);
  xs_ms next = xs_sim_now(sim) + 200 + (xs_ms)below(&w->fault_rng, 12000);
  if (next < w->end) assert_int_equal(xs_sim_timer(sim, next, fault_tick, w), 0);
}

static void crash_tick(xs_sim *sim, void *ud) {
  workload *w = ud;
  assert_int_equal(xs_site_crash(sim, w->crash_site), 0);
  assert_false(xs_site_is_up(sim, w->crash_site));
}

static void restart_tick(xs_sim *sim, void *ud) {
  workload *w = ud;
  assert_int_equal(xs_site_restart(sim, w->crash_site), 0);
  assert_true(xs_site_is_up(sim, w->crash_site));
}

/* ------------------------------------------------------------------------ */
/* Running a workload                                                         */

static void workload_start(workload *w, xs_sim *sim) {
  memset(w, 0, sizeof *w);
  w->sim = sim;
  w->end = RUN_MS;
  w->nsites = xs_sim_topology(sim)->nsites;
  w->ncaches = xs_sim_topology(sim)->ncaches;
  uint64_t root = xs_sim_random_seed(sim, "workload");
  xs_prng_seed(&w->fault_rng, xs_prng_split(root, "faults"));
  for (int s = 0; s < w->nsites; s++) {
    for (int i = 0; i < CLIENTS_PER_SITE; i++) {
      client *c = &w->clients[w->nclients++];
      char name[32];
      snprintf(name, sizeof name, "client-%d-%d", s, i);
      c->w = w;
      c->site = s;
      xs_prng_seed(&c->rng, xs_prng_split(root, name));
      assert_int_equal(xs_sim_timer(sim, (xs_ms)below(&c->rng, 2000), client_tick, c), 0);
    }
  }
  w->crash_site = (int)below(&w->fault_rng, (uint64_t)w->nsites);
  w->crash_at = RUN_MS / 5 + (xs_ms)below(&w->fault_rng, RUN_MS / 2);
  w->restart_at = w->crash_at + 5000 + (xs_ms)below(&w->fault_rng, 60000);
  assert_int_equal(xs_sim_timer(sim, w->crash_at, crash_tick, w), 0);
  assert_int_equal(xs_sim_timer(sim, w->restart_at, restart_tick, w), 0);
  assert_int_equal(xs_sim_timer(sim, 100 + (xs_ms)below(&w->fault_rng, 5000), fault_tick, w), 0);
}

/* Ends the faults and runs until no event is left: every operation and
 * request has ended, every housekeeping task has run out, so freeing the
 * simulation must return every allocation (the sanitizer build checks). */
static void workload_drain(workload *w) {
  xs_sim *sim = w->sim;
  xs_heal(sim);
  for (int s = 0; s < w->nsites; s++) {
    assert_int_equal(xs_site_restart(sim, s), 0);
    for (int r = 0; r < w->nsites; r++)
      if (r != s) assert_int_equal(xs_link_set_loss(sim, s, r, 0.0), 0);
  }
  xs_ms limit = xs_sim_now(sim) + DRAIN_LIMIT_MS;
  uint64_t steps = 0;
  while (xs_sim_next_time(sim) <= limit && steps < DRAIN_MAX_EVENTS) steps += (uint64_t)xs_sim_step(sim);
  assert_int_equal(xs_sim_events_pending(sim), 0);
}

/* With XT_VERBOSE set: what a run did, and how often each kind of event
 * happened in it (from the ring, which holds the last XS_EVLOG_RING_MAX). */
static void print_run(const xs_sim *sim, const xs_topology *t, uint64_t seed, const run_result *r) {
  printf("# %s seed %" PRIu64 ": hash %016" PRIx64 " records %" PRIu64 " events %" PRIu64
         " ops %" PRIu64 " failed %" PRIu64 " admin %" PRIu64 "\n#  ", t->name, seed, r->hash,
         r->count, r->events, r->ops_done, r->ops_failed, r->admin_done);
  static xs_ev_record recs[1024];
  uint64_t kinds[XS_EV_KIND_COUNT] = {0};
  size_t n;
  for (uint64_t since = 0; (n = xs_evlog_read(sim, since, recs, 1024)) > 0; since = recs[n - 1].seq + 1)
    for (size_t i = 0; i < n; i++) kinds[recs[i].kind]++;
  for (int k = 1; k < XS_EV_KIND_COUNT; k++)
    printf(" %s=%" PRIu64, xs_ev_kind_name((xs_ev_kind)k), kinds[k]);
  printf("\n");
}

static run_result run_workload(const xs_topology *t, uint64_t seed) {
  xs_sim *sim = xt_sim_topo(t, seed);
  workload *w = test_malloc(sizeof *w);
  workload_start(w, sim);
  xs_sim_run_until(sim, RUN_MS);
  workload_drain(w);
  run_result r = {xs_evlog_hash(sim), xs_evlog_count(sim), xs_sim_events_run(sim),
                  w->ops_done, w->ops_failed, w->admin_done};
  if (getenv("XT_VERBOSE")) print_run(sim, t, seed, &r);
  test_free(w);
  xs_sim_free(sim);
  return r;
}

/* The ASYNC topology: keycloak-ha with every backup ASYNC (IRAC), WARN (FAIL
 * is invalid with ASYNC), so merge policies, tombstones and back-off run. */
static void async_topology(xs_topology *t) {
  assert_int_equal(xs_topology_preset("keycloak-ha", t), 0);
  for (int c = 0; c < t->ncaches; c++) {
    for (int b = 0; b < t->caches[c].nbackups; b++) {
      t->caches[c].backups[b].strategy = XS_STRATEGY_ASYNC;
      t->caches[c].backups[b].failure_policy = XS_POLICY_WARN;
    }
  }
  char err[XS_MSG_BYTES_MAX];
  assert_int_equal(xs_topology_validate(t, err, sizeof err), 0);
}

/* Same seed twice: same hash and count; every seed's hash differs from every
 * other's.  The workload must also have done enough to be a fair test. */
static void check_topology(const xs_topology *t) {
  /* XT_SEEDS raises the count for a longer fuzzing campaign. */
  const char *env = getenv("XT_SEEDS");
  int seeds = env && atoi(env) > SEEDS ? atoi(env) : SEEDS;
  uint64_t *hashes = test_malloc((size_t)seeds * sizeof *hashes);
  for (int i = 0; i < seeds; i++) {
    uint64_t seed = 0x1af28cff71e8a198ull + (uint64_t)i * 7919;
    run_result a = run_workload(t, seed), b = run_workload(t, seed);
    assert_int_equal(a.hash, b.hash);
    assert_int_equal(a.count, b.count);
    assert_int_equal(a.events, b.events);
    assert_int_equal(a.ops_done, b.ops_done);
    assert_true(a.ops_done > 5000);
    assert_true(a.ops_failed > 0);
    assert_true(a.admin_done > 0);
    hashes[i] = a.hash;
    for (int j = 0; j < i; j++) assert_true(hashes[j] != hashes[i]);
  }
  test_free(hashes);
}

static void test_keycloak_ha_same_seed_same_hash(void **state) {
  xs_topology t;
  assert_int_equal(xs_topology_preset("keycloak-ha", &t), 0);
  check_topology(&t);
}

static void test_async_same_seed_same_hash(void **state) {
  xs_topology t;
  async_topology(&t);
  check_topology(&t);
}

/* The other presets get fewer seeds: they are here for the fuzzing (auto
 * take-offline in crossdc-legacy, a single non-tx cache in resp-xsite). */
static void test_other_presets(void **state) {
  static const char *const presets[] = {"crossdc-legacy", "resp-xsite"};
  for (size_t p = 0; p < sizeof presets / sizeof *presets; p++) {
    xs_topology t;
    assert_int_equal(xs_topology_preset(presets[p], &t), 0);
    run_result a = run_workload(&t, 42), b = run_workload(&t, 42), c = run_workload(&t, 43);
    assert_int_equal(a.hash, b.hash);
    assert_int_equal(a.count, b.count);
    assert_true(a.hash != c.hash);
  }
}

/* Two simulations of one seed, stepped alternately event by event, end with
 * the hash a lone run gets: nothing is shared between simulations. */
static void test_interleaved_simulations(void **state) {
  xs_topology t;
  assert_int_equal(xs_topology_preset("keycloak-ha", &t), 0);
  run_result alone = run_workload(&t, 7);
  xs_sim *s1 = xt_sim_topo(&t, 7), *s2 = xt_sim_topo(&t, 7);
  workload *w1 = test_malloc(sizeof *w1), *w2 = test_malloc(sizeof *w2);
  workload_start(w1, s1);
  workload_start(w2, s2);
  while (xs_sim_next_time(s1) <= RUN_MS || xs_sim_next_time(s2) <= RUN_MS) {
    if (xs_sim_next_time(s1) <= RUN_MS) xs_sim_step(s1);
    if (xs_sim_next_time(s2) <= RUN_MS) xs_sim_step(s2);
  }
  xs_sim_run_until(s1, RUN_MS);
  xs_sim_run_until(s2, RUN_MS);
  workload_drain(w1);
  workload_drain(w2);
  assert_int_equal(xs_evlog_hash(s1), alone.hash);
  assert_int_equal(xs_evlog_hash(s2), alone.hash);
  assert_int_equal(xs_evlog_count(s2), alone.count);
  test_free(w1);
  test_free(w2);
  xs_sim_free(s1);
  xs_sim_free(s2);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_keycloak_ha_same_seed_same_hash),
      cmocka_unit_test(test_async_same_seed_same_hash),
      cmocka_unit_test(test_other_presets),
      cmocka_unit_test(test_interleaved_simulations),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
