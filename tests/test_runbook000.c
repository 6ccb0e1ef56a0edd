/*
 * test_runbook000.c - seed 000, "Recover from an out-of-sync passive site"
 * (Keycloak HA guide, chapter 11; reference section 7), driven through the
 * C API on the keycloak-ha preset: 8 Keycloak caches, pessimistic tx, SYNC
 * backups with failure-policy FAIL and a 13 s timeout, no take-offline
 * configuration; respCache has no backups.
 *
 * The story: both sites take writes while the link is up; the link splits;
 * the primary site-a is fenced onto its own (it takes site-b offline, as the
 * fencing Lambda does) and keeps taking writes and deletes, while a client
 * still routed to site-b fails there; the link heals and site-b is stale.
 * Then the runbook: on site-b take-offline, status offline, clearcache x8,
 * bring-online, status online; on site-a push-state, wait for push status
 * OK, clear-push-state-status.
 *
 * Three outcomes are asserted: (a) the whole procedure leaves both sites
 * equal to what site-a held before it started; (b) without the
 * take-offline step, site-b's clears replicate and wipe the primary too;
 * (c) without the clears, sessions deleted on site-a during the split stay
 * alive on site-b, because state transfer never deletes.
 */
#include "test_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NCACHES 8
#define KEYS_A 12  /* sessions site-a creates while the link is up */
#define KEYS_B 6   /* ... and site-b */
#define KEYS_A2 8  /* sessions site-a creates during the split */
#define SNAP_MAX 64
#define PUSH_WAIT_MS (10 * 60 * 1000)

/* The runbook's clearcache order is alphabetical; the caches are the same. */
static const char *const caches[NCACHES] = {
    "actionTokens", "authenticationSessions", "clientSessions", "loginFailures",
    "offlineClientSessions", "offlineSessions", "sessions", "work",
};

typedef struct snap_entry {
  char key[64];
  char val[64];
} snap_entry;

/* What a site held in each of the 8 caches. */
typedef struct snapshot {
  int n[NCACHES];
  snap_entry e[NCACHES][SNAP_MAX];
} snapshot;

/* The scenario's state, shared by the three variants. */
typedef struct story {
  xs_sim *sim;
  int a, b;
  int c[NCACHES];
  snapshot *before;  /* site-a just before the procedure */
} story;

typedef struct procedure_opts {
  bool skip_take_offline;
  bool skip_clear;
} procedure_opts;

static void key_name(char *buf, size_t len, int cache, const char *who, int i) {
  snprintf(buf, len, "%s:%s:%d", caches[cache], who, i);
}

/* Runs until no event is left, so that freeing returns every allocation. */
static void drain_and_free(xs_sim *sim) {
  xt_settle(sim);
  xs_ms limit = xs_sim_now(sim) + XT_RUN_LIMIT_MS;
  while (xs_sim_next_time(sim) <= limit) xs_sim_step(sim);
  assert_int_equal(xs_sim_events_pending(sim), 0);
  xs_sim_free(sim);
}

/* ------------------------------------------------------------------------ */
/* Snapshots                                                                  */

typedef struct snap_fill {
  snapshot *s;
  int i;
} snap_fill;

static int snap_cb(void *ud, const uint8_t *k, uint32_t kl, const uint8_t *v, uint32_t vl,
                   uint8_t t) {
  snap_fill *f = ud;
  assert_true(f->s->n[f->i] < SNAP_MAX);
  snap_entry *e = &f->s->e[f->i][f->s->n[f->i]++];
  snprintf(e->key, sizeof e->key, "%.*s", (int)kl, (const char *)k);
  snprintf(e->val, sizeof e->val, "%.*s", (int)vl, (const char *)v);
  return 0;
}

static void take_snapshot(story *st, int site, snapshot *s) {
  memset(s, 0, sizeof *s);
  for (int i = 0; i < NCACHES; i++) {
    snap_fill f = {s, i};
    assert_int_equal(xs_cache_foreach(st->sim, site, st->c[i], snap_cb, &f), 0);
  }
}

/* Whether `site` holds exactly the snapshot's entries in cache i. */
static bool holds_exactly(story *st, int site, int i, const snapshot *s) {
  char buf[64];
  if (xs_cache_size(st->sim, site, st->c[i]) != s->n[i]) return false;
  for (int j = 0; j < s->n[i]; j++) {
    const char *v = xt_peek(st->sim, site, st->c[i], s->e[i][j].key, buf, sizeof buf);
    if (!v || strcmp(v, s->e[i][j].val) != 0) return false;
  }
  return true;
}

/* ------------------------------------------------------------------------ */
/* Before the procedure                                                       */

static void put_ok(story *st, int site, int i, const char *key, const char *val) {
  xt_result r = xt_put(st->sim, site, st->c[i], key, val);
  if (r.status) fail_msg("put %s on %s: %s", key, xs_sim_site_name(st->sim, site), r.error);
}

static void remove_ok(story *st, int site, int i, const char *key) {
  xt_result r = xt_remove(st->sim, site, st->c[i], key);
  if (r.status || !r.found) fail_msg("remove %s: %s", key, r.error);
}

/* Normal operation: Keycloak on both sites creates sessions and deletes
 * some (logouts), each write backed up synchronously to the other site. */
static void both_sites_write(story *st) {
  char key[64], val[64];
  for (int i = 0; i < NCACHES; i++) {
    for (int k = 0; k < KEYS_A; k++) {
      key_name(key, sizeof key, i, "a", k);
      snprintf(val, sizeof val, "user-a-%d", k);
      put_ok(st, st->a, i, key, val);
    }
    for (int k = 0; k < KEYS_B; k++) {
      key_name(key, sizeof key, i, "b", k);
      snprintf(val, sizeof val, "user-b-%d", k);
      put_ok(st, st->b, i, key, val);
    }
    /* A logout on the other site than the login: the delete replicates too. */
    key_name(key, sizeof key, i, "a", 0);
    remove_ok(st, st->b, i, key);
    key_name(key, sizeof key, i, "b", 0);
    remove_ok(st, st->a, i, key);
  }
  for (int i = 0; i < NCACHES; i++) {
    char diff[128];
    if (xs_cache_equal(st->sim, st->c[i], st->a, st->b, diff, sizeof diff) != 1)
      fail_msg("%s differs before the split: %s", caches[i], diff);
  }
}

/* A client still routed to site-b writes and logs out there.  The fencing
 * Lambda never removes the last endpoint from the load balancer, so site-b's
 * own alert fences nobody: site-b keeps site-a ONLINE, and under SYNC + FAIL
 * a pessimistic transaction commits locally only after its backup succeeded.
 * Every write on site-b fails (ISPN000709: a 13 s timeout at first, then a
 * fast ISPN000400 once site-a left site-b's view) and is rolled back, so
 * site-b keeps exactly what it had when the link broke. */
static void stray_client_on_b(story *st, int round, const char *cause) {
  char key[64], gone[64], buf[64];
  key_name(key, sizeof key, 6, "b-split", round);
  xt_result put = xt_put(st->sim, st->b, st->c[6], key, "stray");
  assert_int_equal(put.status, XS_EBACKUP);
  assert_non_null(strstr(put.error, "ISPN000709"));
  assert_non_null(strstr(put.error, cause));
  assert_null(xt_peek(st->sim, st->b, st->c[6], key, buf, sizeof buf));
  key_name(gone, sizeof gone, 6, "a", 1 + round);
  xt_result rm = xt_remove(st->sim, st->b, st->c[6], gone);
  assert_int_equal(rm.status, XS_EBACKUP);
  assert_non_null(xt_peek(st->sim, st->b, st->c[6], gone, buf, sizeof buf));
}

/* Runs admin `kind` on every cache of `site` that has backups, as the CLI's
 * --all-caches does: respCache has none and is silently absent (pitfall 5).
 * Every cache answers "ok". */
static void all_caches(story *st, int site, xs_admin_kind kind, int remote) {
  const char *rname = xs_sim_site_name(st->sim, remote);
  int n = 0;
  for (int c = 0; c < xs_sim_topology(st->sim)->ncaches; c++) {
    if (xs_admin_backup_index(st->sim, site, c, remote) < 0) {
      assert_int_equal(xs_admin_backup_index(st->sim, site, c, remote), XS_ENOBACKUPS);
      assert_string_equal(xs_sim_cache_name(st->sim, c), "respCache");
      continue;
    }
    char buf[XS_MSG_BYTES_MAX];
    assert_string_equal(xt_admin(st->sim, site, c, kind, rname, buf, sizeof buf), "ok");
    n++;
  }
  assert_int_equal(n, NCACHES);
}

/* `site status --all-caches --site=<remote>` prints one status when every
 * cache agrees; this asserts they all are `want`. */
static void assert_status_all(story *st, int site, int remote, xs_site_state want) {
  for (int i = 0; i < NCACHES; i++)
    assert_int_equal(xs_admin_site_status(st->sim, site, st->c[i], remote), (int)want);
}

/* The split: both directions cut at once. */
static void split(story *st) {
  assert_int_equal(xs_partition(st->sim, st->a, st->b, false), 0);
  /* Writes in flight when the link breaks, or sent before anyone noticed,
   * fail on both sides and are rolled back (FAIL, pessimistic). */
  xt_result wa;
  xt_put_async(st->sim, st->a, st->c[6], "sessions:a:split-early", "early", &wa);
  stray_client_on_b(st, 0, "ISPN000476");
  xt_wait(st->sim, &wa);
  assert_int_equal(wa.status, XS_EBACKUP);
  /* site-a's failure detector drops site-b from the x-site view; the
   * SiteOffline alert fires and the fencing Lambda takes site-b offline on
   * site-a (and routes every client to site-a). */
  while (xs_site_view_has(st->sim, st->a, st->b)) assert_int_equal(xs_sim_step(st->sim), 1);
  all_caches(st, st->a, XS_ADMIN_TAKE_OFFLINE, st->b);
  assert_status_all(st, st->a, st->b, XS_SITE_OFFLINE);
}

/* site-a, the primary, keeps serving: new sessions, refreshed sessions and
 * logouts - including of sessions created on site-b before the split.  With
 * site-b offline nothing is sent there, so every write succeeds locally. */
static void primary_writes_alone(story *st) {
  char key[64], val[64];
  for (int i = 0; i < NCACHES; i++) {
    for (int k = 0; k < KEYS_A2; k++) {
      key_name(key, sizeof key, i, "a2", k);
      snprintf(val, sizeof val, "user-a2-%d", k);
      put_ok(st, st->a, i, key, val);
    }
    for (int k = 1; k <= 3; k++) {
      key_name(key, sizeof key, i, "a", k);
      snprintf(val, sizeof val, "refreshed-%d", k);
      put_ok(st, st->a, i, key, val);
    }
    for (int k = 4; k <= 6; k++) {
      key_name(key, sizeof key, i, "a", k);
      remove_ok(st, st->a, i, key);
    }
    key_name(key, sizeof key, i, "b", 1);
    remove_ok(st, st->a, i, key);
  }
}

/* Both sites written, split, the primary alone, healed: site-b is stale. */
static story *stale_secondary(void) {
  story *st = test_calloc(1, sizeof *st);
  st->sim = xt_sim("keycloak-ha", 0x1af28cff71e8a198ull);
  st->a = xt_site(st->sim, "site-a");
  st->b = xt_site(st->sim, "site-b");
  for (int i = 0; i < NCACHES; i++) st->c[i] = xt_cache(st->sim, caches[i]);
  both_sites_write(st);
  split(st);
  primary_writes_alone(st);
  /* Long after the split, site-b's writes fail fast: site-a is no longer in
   * its view (ISPN000400), yet still ONLINE there. */
  stray_client_on_b(st, 1, "ISPN000400");
  assert_status_all(st, st->b, st->a, XS_SITE_ONLINE);
  xs_heal(st->sim);
  /* The operator acts minutes later: both views have rejoined by then. */
  xs_sim_run_until(st->sim, xs_sim_now(st->sim) + 5 * 60 * 1000);
  assert_true(xs_site_view_has(st->sim, st->a, st->b));
  assert_true(xs_site_view_has(st->sim, st->b, st->a));
  char diff[128];
  assert_int_equal(xs_cache_equal(st->sim, xt_cache(st->sim, "sessions"), st->a, st->b, diff, sizeof diff), 0);
  st->before = test_malloc(sizeof *st->before);
  take_snapshot(st, st->a, st->before);
  for (int i = 0; i < NCACHES; i++)
    assert_int_equal(st->before->n[i], KEYS_A - 1 + KEYS_B - 1 + KEYS_A2 - 3 - 1);
  return st;
}

static void story_free(story *st) {
  drain_and_free(st->sim);
  test_free(st->before);
  test_free(st);
}

/* ------------------------------------------------------------------------ */
/* The procedure                                                              */

static void wait_push_ok(story *st) {
  xs_ms limit = xs_sim_now(st->sim) + PUSH_WAIT_MS;
  for (;;) {
    int ok = 0;
    for (int i = 0; i < NCACHES; i++) {
      int s = xs_admin_push_status(st->sim, st->a, st->c[i], st->b);
      /* On ERROR the runbook repeats the push; here nothing may fail. */
      assert_int_not_equal(s, XS_PUSH_ERROR);
      ok += s == XS_PUSH_OK;
    }
    if (ok == NCACHES) return;
    if (xs_sim_now(st->sim) >= limit) fail_msg("push-state did not finish");
    xs_sim_run_until(st->sim, xs_sim_now(st->sim) + 1000);
  }
}

/* The runbook, step by step; `o` leaves steps out to show the pitfalls. */
static void run_procedure(story *st, procedure_opts o) {
  /* On site-b (Keycloak there is shut down: no writes from here on).  The
   * take-offline stops site-b's clears from reaching site-a. */
  if (!o.skip_take_offline) {
    all_caches(st, st->b, XS_ADMIN_TAKE_OFFLINE, st->a);
    assert_status_all(st, st->b, st->a, XS_SITE_OFFLINE);
  }
  if (!o.skip_clear) {
    for (int i = 0; i < NCACHES; i++) {
      xt_result r = xt_clear(st->sim, st->b, st->c[i]);
      assert_int_equal(r.status, 0);
      assert_int_equal(xs_cache_size(st->sim, st->b, st->c[i]), 0);
      /* Pitfall 1 strikes here, before any push: with site-a still ONLINE
       * for site-b, the clear was backed up to site-a and wiped it too. */
      if (o.skip_take_offline) assert_int_equal(xs_cache_size(st->sim, st->a, st->c[i]), 0);
      else assert_int_equal(xs_cache_size(st->sim, st->a, st->c[i]), st->before->n[i]);
    }
  }
  all_caches(st, st->b, XS_ADMIN_BRING_ONLINE, st->a);
  assert_status_all(st, st->b, st->a, XS_SITE_ONLINE);
  /* On site-a: push-state brings site-b online there first (it was offline
   * since the fencing), then sends every entry in chunks of 16. */
  all_caches(st, st->a, XS_ADMIN_PUSH_STATE, st->b);
  assert_status_all(st, st->a, st->b, XS_SITE_ONLINE);
  wait_push_ok(st);
  all_caches(st, st->a, XS_ADMIN_CLEAR_PUSH_STATE_STATUS, st->b);
  for (int i = 0; i < NCACHES; i++)
    assert_int_equal(xs_admin_push_status(st->sim, st->a, st->c[i], st->b), XS_PUSH_IDLE);
  xt_settle(st->sim);
}

/* ------------------------------------------------------------------------ */
/* Tests                                                                      */

/* (a) The whole runbook: both sites hold exactly what the primary held. */
static void test_procedure_resyncs_secondary(void **state) {
  story *st = stale_secondary();
  run_procedure(st, (procedure_opts){false, false});
  for (int i = 0; i < NCACHES; i++) {
    char diff[128] = "";
    assert_true(holds_exactly(st, st->a, i, st->before));
    assert_true(holds_exactly(st, st->b, i, st->before));
    if (xs_cache_equal(st->sim, st->c[i], st->a, st->b, diff, sizeof diff) != 1)
      fail_msg("%s: %s", caches[i], diff);
  }
  story_free(st);
}

/* (b) Pitfall 1: without take-offline, site-b still has site-a ONLINE, so
 * each clearcache on site-b is backed up to site-a and wipes the primary;
 * the push then has nothing left to send. */
static void test_skipping_take_offline_wipes_primary(void **state) {
  story *st = stale_secondary();
  run_procedure(st, (procedure_opts){true, false});
  for (int i = 0; i < NCACHES; i++) {
    assert_true(st->before->n[i] > 0);
    assert_int_equal(xs_cache_size(st->sim, st->a, st->c[i]), 0);
    assert_int_equal(xs_cache_size(st->sim, st->b, st->c[i]), 0);
  }
  story_free(st);
}

/* (c) Pitfall 2: without the clears, state transfer only overwrites and
 * adds; the sessions site-a deleted during the split live on in site-b. */
static void test_skipping_clear_keeps_deleted_sessions(void **state) {
  story *st = stale_secondary();
  run_procedure(st, (procedure_opts){false, true});
  char key[64], buf[64];
  for (int i = 0; i < NCACHES; i++) {
    assert_true(holds_exactly(st, st->a, i, st->before));
    assert_int_equal(xs_cache_equal(st->sim, st->c[i], st->a, st->b, NULL, 0), 0);
    /* Everything site-a has arrived, refreshed values included ... */
    for (int j = 0; j < st->before->n[i]; j++) {
      const char *v = xt_peek(st->sim, st->b, st->c[i], st->before->e[i][j].key, buf, sizeof buf);
      assert_non_null(v);
      assert_string_equal(v, st->before->e[i][j].val);
    }
    /* ... but the logouts of the split did not. */
    for (int k = 4; k <= 6; k++) {
      key_name(key, sizeof key, i, "a", k);
      assert_null(xt_peek(st->sim, st->a, st->c[i], key, buf, sizeof buf));
      assert_non_null(xt_peek(st->sim, st->b, st->c[i], key, buf, sizeof buf));
    }
    key_name(key, sizeof key, i, "b", 1);
    assert_null(xt_peek(st->sim, st->a, st->c[i], key, buf, sizeof buf));
    assert_non_null(xt_peek(st->sim, st->b, st->c[i], key, buf, sizeof buf));
    assert_int_equal(xs_cache_size(st->sim, st->b, st->c[i]), st->before->n[i] + 4);
  }
  story_free(st);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_procedure_resyncs_secondary),
      cmocka_unit_test(test_skipping_take_offline_wipes_primary),
      cmocka_unit_test(test_skipping_clear_keeps_deleted_sessions),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
