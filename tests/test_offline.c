/*
 * test_offline.c - the automatic take-offline rules of one (cache, remote
 * site) pair: first the state machine of sim/offline.h on its own, then the
 * same rules seen through the public API, where failures come from real
 * partitions, timeouts and views in virtual time.
 *
 * Most cases port the assertions of Infinispan's own tests (each test names
 * the Java class and method it follows): OfflineStatusTest,
 * ResetOfflineStatusTest, NonTxOfflineTest, TxOfflineTest,
 * InvalidConfigurationOfflineTest and AsyncOfflineTest.  The rest check the
 * rule of the Keycloak cross-DC guide (seed 001) to the millisecond:
 * "offline after at least 3 failed backups and no successful backup within
 * 60 seconds", with <take-offline min-wait="60000" after-failures="3"/>.
 */
#include "test_util.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "offline.h"

/* ------------------------------------------------------------------------ */
/* The state machine alone                                                    */

/* Registers n communication failures, all sent and arrived at `now`. */
static void comm_failures(xs_offline *o, int n, xs_ms now) {
  for (int i = 0; i < n; i++) assert_false(xs_offline_on_completed(o, now, now, XS_OUTCOME_COMM));
}

/* OfflineStatusTest.timeBasedTakeOffline: with both conditions, the site
 * stays online after min-wait has passed until one more failure arrives. */
static void sm_time_based_take_offline(void **state) {
  xs_offline o;
  xs_offline_init(&o, 10, 3000);
  assert_true(xs_offline_enabled(&o));
  assert_false(o.offline);
  comm_failures(&o, 9, 0);
  assert_int_equal(o.failure_count, 9);
  assert_false(o.offline);
  assert_true(xs_offline_millis_since_first_failure(&o, 0) < 3000);
  /* The clock passes min-wait; nothing checks it without a failure. */
  assert_true(xs_offline_millis_since_first_failure(&o, 4000) >= 3000);
  assert_int_equal(o.failure_count, 9);
  assert_false(o.offline);
  assert_true(xs_offline_on_completed(&o, 4000, 4000, XS_OUTCOME_COMM));
  assert_int_equal(o.failure_count, 10);
  assert_true(o.offline);
}

/* OfflineStatusTest.testFailureBasedOnly (and its private test()): count
 * only; time passing changes nothing; a reset starts the count over. */
static void sm_failure_based_only(void **state) {
  xs_offline o;
  xs_offline_init(&o, 10, 0);
  for (int round = 0; round < 2; round++) {
    xs_ms t = round * 100000;
    comm_failures(&o, 9, t);
    assert_false(o.offline);
    /* The Java test sleeps 2 s here: the state has no clock, so nothing can
     * change until the next completion, which arrives 2 s later. */
    assert_true(xs_offline_on_completed(&o, t + 2000, t + 2000, XS_OUTCOME_COMM));
    assert_int_equal(o.failure_count, 10);
    assert_true(o.offline);
    /* OfflineStatus.reset() on an offline site brings it back. */
    assert_true(xs_offline_bring_online(&o));
    assert_int_equal(o.failure_count, 0);
    assert_false(o.offline);
  }
}

/* xsim rule (con_xsite_auto_offline.adoc, reference 2.1): with both
 * after-failures and min-wait set, both must hold; min-wait counts from the
 * send time of the first failed request. */
static void sm_both_conditions(void **state) {
  xs_offline o;
  xs_offline_init(&o, 3, 1000);
  comm_failures(&o, 3, 0);           /* enough failures, too early */
  assert_false(xs_offline_on_completed(&o, 999, 999, XS_OUTCOME_COMM));
  assert_int_equal(o.failure_count, 4);
  assert_true(xs_offline_on_completed(&o, 1000, 1000, XS_OUTCOME_COMM));
  assert_true(o.offline);

  /* Late enough, but too few failures. */
  xs_offline_init(&o, 5, 1000);
  comm_failures(&o, 1, 0);
  comm_failures(&o, 3, 5000);
  assert_int_equal(o.failure_count, 4);
  assert_false(o.offline);
  assert_true(xs_offline_on_completed(&o, 5000, 5000, XS_OUTCOME_COMM));

  /* The first failure's SEND time counts: sent at 100, it arrives at 10100;
   * a second one arriving at 10100 has waited 10000 ms. */
  xs_offline_init(&o, 2, 10000);
  assert_false(xs_offline_on_completed(&o, 100, 10100, XS_OUTCOME_COMM));
  assert_int_equal(xs_offline_millis_since_first_failure(&o, 10100), 10000);
  assert_true(xs_offline_on_completed(&o, 10050, 10100, XS_OUTCOME_COMM));
}

/* xsim rule (OfflineStatus.internalUpdateStatus, "else if hasMinWait"):
 * time only (after-failures <= 0) goes offline with the first failure that
 * arrives once min-wait has passed, never by the clock alone. */
static void sm_time_only(void **state) {
  xs_offline o;
  xs_offline_init(&o, 0, 3000);
  assert_true(xs_offline_enabled(&o));
  assert_false(xs_offline_on_completed(&o, 0, 0, XS_OUTCOME_COMM));
  assert_false(xs_offline_on_completed(&o, 2999, 2999, XS_OUTCOME_COMM));
  assert_false(o.offline);
  assert_true(xs_offline_on_completed(&o, 3000, 3000, XS_OUTCOME_COMM));
  assert_int_equal(o.failure_count, 3);
  assert_true(o.offline);
}

/* OfflineStatusTest (forced offline and bring-online/reset) and
 * NonTxOfflineTest's BSOR_ALREADY_ONLINE: forcing is idempotent, failures
 * still count while offline, bring-online resets, and bringing an online
 * site online changes nothing - not even the count. */
static void sm_force_and_bring_online(void **state) {
  xs_offline o;
  xs_offline_init(&o, 8, 0);
  comm_failures(&o, 3, 10);
  assert_false(xs_offline_bring_online(&o)); /* ALREADY_ONLINE */
  assert_int_equal(o.failure_count, 3);
  assert_int_equal(o.first_failure_ms, 10);
  assert_true(xs_offline_force(&o));
  assert_false(xs_offline_force(&o));
  assert_true(o.offline);
  assert_false(xs_offline_on_completed(&o, 20, 20, XS_OUTCOME_COMM));
  assert_int_equal(o.failure_count, 4);
  assert_true(xs_offline_bring_online(&o)); /* BROUGHT_ONLINE */
  assert_false(o.offline);
  assert_int_equal(o.failure_count, 0);
  assert_int_equal(o.first_failure_ms, XS_NO_FAILURE);
  assert_int_equal(xs_offline_millis_since_first_failure(&o, 1000), 0);
  assert_false(xs_offline_bring_online(&o));
}

/* OfflineStatus.amend (XSiteAdminOperationsTest amendTakeOffline): a new
 * configuration resets the counters and brings an offline site online; the
 * return value says whether the values changed. */
static void sm_amend_resets(void **state) {
  xs_offline o;
  xs_offline_init(&o, 2, 0);
  comm_failures(&o, 1, 0);
  assert_true(xs_offline_on_completed(&o, 1, 1, XS_OUTCOME_COMM));
  assert_true(xs_offline_amend(&o, 5, 1000));
  assert_false(o.offline);
  assert_int_equal(o.failure_count, 0);
  assert_int_equal(o.after_failures, 5);
  assert_int_equal(o.min_wait_ms, 1000);
  assert_true(xs_offline_force(&o));
  assert_false(xs_offline_amend(&o, 5, 1000)); /* same values, still a reset */
  assert_false(o.offline);
}

/* OfflineStatus.isEnabled / DefaultTakeOfflineManager.onCompleted: with
 * both thresholds <= 0 failures are not even counted; only an invalid remote
 * configuration (InvalidConfigurationOfflineTest) or an admin takes the site
 * offline. */
static void sm_disabled_not_counted(void **state) {
  xs_offline o;
  xs_offline_init(&o, 0, 0);
  assert_false(xs_offline_enabled(&o));
  for (int i = 0; i < 100; i++) assert_false(xs_offline_on_completed(&o, i * 1000, i * 1000, XS_OUTCOME_COMM));
  assert_int_equal(o.failure_count, 0);
  assert_int_equal(xs_offline_millis_since_first_failure(&o, 100000), 0);
  assert_false(o.offline);
  assert_true(xs_offline_on_completed(&o, 100000, 100001, XS_OUTCOME_CONFIG));
  assert_true(o.offline);
  assert_false(xs_offline_on_completed(&o, 100001, 100002, XS_OUTCOME_CONFIG));

  /* Enabled and far from its threshold, a configuration error still wins. */
  xs_offline_init(&o, INT32_MAX, 0);
  assert_true(xs_offline_on_completed(&o, 0, 1, XS_OUTCOME_CONFIG));
}

/* ResetOfflineStatusTest.testPutWithFailures (the state machine part):
 * N-1 failures then one success give a count of 0; a remote application
 * error is no communication error and resets too. */
static void sm_reset_on_success_or_remote_error(void **state) {
  xs_offline o;
  xs_offline_init(&o, 8, 0);
  comm_failures(&o, 7, 0);
  assert_int_equal(o.failure_count, 7);
  assert_false(xs_offline_on_completed(&o, 1, 2, XS_OUTCOME_OK));
  assert_int_equal(o.failure_count, 0);
  assert_int_equal(o.first_failure_ms, XS_NO_FAILURE);

  comm_failures(&o, 7, 10);
  assert_false(xs_offline_on_completed(&o, 11, 12, XS_OUTCOME_REMOTE));
  assert_int_equal(o.failure_count, 0);

  /* Offline, a late success leaves the state alone ("else if !offline"). */
  comm_failures(&o, 7, 20);
  assert_true(xs_offline_on_completed(&o, 20, 20, XS_OUTCOME_COMM));
  assert_false(xs_offline_on_completed(&o, 15, 25, XS_OUTCOME_OK));
  assert_true(o.offline);
  assert_int_equal(o.failure_count, 8);
}

/* ------------------------------------------------------------------------ */
/* Helpers for the integrated tests                                           */

enum { SA = 0, SB = 1, SC = 2 };

/* Two (or three) sites, one cache "c" backing up to every site, with the
 * backup's strategy, policy, timeout and take-offline thresholds. */
static void topo_one_cache(xs_topology *t, int nsites, xs_strategy strat, xs_policy pol,
                           xs_tx_mode tx, xs_ms timeout_ms, int32_t after, xs_ms min_wait) {
  static const char *const names[] = {"site-a", "site-b", "site-c"};
  xs_cache_cfg *c = xt_topo_one_cache(t, "offline-test", nsites, names, 1, "c");
  c->tx = tx;
  for (int i = 0; i < c->nbackups; i++) {
    xs_backup_cfg *b = &c->backups[i];
    b->strategy = strat;
    b->failure_policy = pol;
    b->timeout_ms = timeout_ms;
    b->after_failures = after;
    b->min_wait_ms = min_wait;
  }
}

static int64_t failures(const xs_sim *sim, int site, int cache, int remote) {
  return xt_counters(sim, site, cache, remote).failures_count;
}

static bool offline(const xs_sim *sim, int site, int cache, int remote) {
  int st = xs_admin_site_status(sim, site, cache, remote);
  assert_true(st >= 0);
  return st == XS_SITE_OFFLINE;
}

/* Events of `kind` logged so far from `site` to `peer`. */
static int count_ev(const xs_sim *sim, xs_ev_kind kind, int site, int peer) {
  xs_ev_record buf[256];
  uint64_t since = 0;
  int n = 0;
  size_t got;
  while ((got = xs_evlog_read(sim, since, buf, 256)) > 0) {
    for (size_t i = 0; i < got; i++)
      if (buf[i].kind == kind && buf[i].site == site && buf[i].peer == peer) n++;
    since = buf[got - 1].seq + 1;
  }
  return n;
}

/* Runs the clock to `at`, then puts; the put's backup is sent at `at`. */
static xt_result put_at(xs_sim *sim, xs_ms at, int site, int cache, const char *key,
                        const char *value) {
  assert_true(xs_sim_now(sim) <= at);
  xs_sim_run_until(sim, at);
  return xt_put(sim, site, cache, key, value);
}

/* A put at `at` that must fail with ISPN000709; returns when it failed. */
static xs_ms fail_at(xs_sim *sim, xs_ms at, int cache, const char *key) {
  xt_result r = put_at(sim, at, SA, cache, key, "v");
  assert_int_equal(r.status, XS_EBACKUP);
  assert_int_equal(strncmp(r.error, "ISPN000709: ", 12), 0);
  return r.completed_ms;
}

static bool ends_with(const char *s, const char *suffix) {
  size_t n = strlen(s), m = strlen(suffix);
  return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* ------------------------------------------------------------------------ */
/* Seed 001: min-wait="60000" after-failures="3", to the millisecond          */

#define T0 5000 /* the first failed write is sent here */

/* A crossdc-legacy simulation (SYNC, FAIL, 10 s backup timeout, 3 failures
 * and 60 s) with site-a cut off from site-b just before T0: both ways when
 * `oneway` is false (site-b leaves site-a's view 15 s later and failures
 * become immediate), else only site-a -> site-b (the view keeps site-b and
 * every failure is a 10 s timeout). */
static xs_sim *legacy_cut(bool oneway, int *cache) {
  xs_sim *sim = xt_sim("crossdc-legacy", 1);
  *cache = xt_cache(sim, "sessions");
  xs_sim_run_until(sim, T0 - 1000);
  assert_int_equal(xs_partition(sim, SA, SB, oneway), 0);
  return sim;
}

/* xsim rule (seed 001): two failures 61 s apart are not enough; the third
 * takes the site offline. */
static void legacy_two_failures_over_61s(void **state) {
  int c;
  xs_sim *sim = legacy_cut(false, &c);
  xt_result r = put_at(sim, T0, SA, c, "k1", "v");
  assert_int_equal(r.status, XS_EBACKUP);
  assert_int_equal(r.completed_ms, T0 + 10000);
  assert_true(ends_with(r.error, " from site-b after 10 seconds"));
  assert_int_equal(failures(sim, SA, c, SB), 1);
  assert_int_equal(xt_counters(sim, SA, c, SB).millis_since_first_failure, 10000);

  r = put_at(sim, T0 + 61000, SA, c, "k2", "v");
  assert_int_equal(r.status, XS_EBACKUP);
  assert_int_equal(r.completed_ms, T0 + 61000); /* fail-fast: site-b left the view */
  assert_string_equal(r.error, "ISPN000709: Failed to backup cache `sessions` to one or more "
                      "remote sites: ISPN000400: Node site:site-b was suspected");
  assert_int_equal(failures(sim, SA, c, SB), 2);
  assert_int_equal(xt_counters(sim, SA, c, SB).millis_since_first_failure, 61000);
  assert_false(offline(sim, SA, c, SB));

  assert_int_equal(fail_at(sim, T0 + 61000, c, "k3"), T0 + 61000);
  assert_true(offline(sim, SA, c, SB));
  xs_sim_free(sim);
}

/* xsim rule (seed 001): three failures within 59.999 s leave the site
 * online; the fourth, at exactly 60 s, takes it offline. */
static void legacy_three_failures_within_59s(void **state) {
  int c;
  xs_sim *sim = legacy_cut(false, &c);
  assert_int_equal(fail_at(sim, T0, c, "k1"), T0 + 10000);
  assert_int_equal(fail_at(sim, T0 + 20000, c, "k2"), T0 + 20000);
  assert_int_equal(fail_at(sim, T0 + 59999, c, "k3"), T0 + 59999);
  assert_int_equal(failures(sim, SA, c, SB), 3);
  assert_false(offline(sim, SA, c, SB));
  assert_int_equal(fail_at(sim, T0 + 60000, c, "k4"), T0 + 60000);
  assert_int_equal(failures(sim, SA, c, SB), 4);
  assert_true(offline(sim, SA, c, SB));
  xs_sim_free(sim);
}

/* xsim rule (seed 001): the first failed request sent at t and the third
 * failure arriving at t + 60000 take the site offline; the write that does
 * it still fails, the next one is not sent and succeeds, and site-b never
 * gets it, not even after the partition heals. */
static void legacy_three_failures_spanning_60s(void **state) {
  int c;
  xs_sim *sim = legacy_cut(false, &c);
  fail_at(sim, T0, c, "k1");
  fail_at(sim, T0 + 20000, c, "k2");
  assert_int_equal(fail_at(sim, T0 + 60000, c, "k3"), T0 + 60000);
  assert_true(offline(sim, SA, c, SB));
  assert_int_equal(failures(sim, SA, c, SB), 3);

  int sends = count_ev(sim, XS_EV_XSITE_SEND, SA, SB);
  xt_result r = xt_put(sim, SA, c, "k4", "v4");
  assert_int_equal(r.status, 0);
  assert_int_equal(r.completed_ms, r.invoked_ms);
  assert_int_equal(count_ev(sim, XS_EV_XSITE_SEND, SA, SB), sends);
  xs_heal(sim);
  xt_settle(sim);
  char buf[32];
  assert_string_equal(xt_peek(sim, SA, c, "k4", buf, sizeof buf), "v4");
  assert_null(xt_peek(sim, SB, c, "k4", buf, sizeof buf));
  assert_true(offline(sim, SA, c, SB)); /* healing does not bring it back */
  xs_sim_free(sim);
}

/* xsim rule (seed 001), with timeouts only: site-a -> site-b is cut, so
 * every failure arrives 10 s after its send.  Third failure sent at
 * t + 49999 (arrives t + 59999): online; sent at t + 50000: offline. */
static void legacy_timeout_edges(void **state) {
  for (int edge = 0; edge < 2; edge++) {
    int c;
    xs_sim *sim = legacy_cut(true, &c);
    assert_int_equal(fail_at(sim, T0, c, "k1"), T0 + 10000);
    assert_int_equal(fail_at(sim, T0 + 20000, c, "k2"), T0 + 30000);
    xs_ms third = T0 + 49999 + edge;
    assert_int_equal(fail_at(sim, third, c, "k3"), third + 10000);
    assert_int_equal(failures(sim, SA, c, SB), 3);
    assert_int_equal(offline(sim, SA, c, SB), edge == 1);
    assert_true(xs_site_view_has(sim, SA, SB));
    xs_sim_free(sim);
  }
}

/* xsim rule (seed 001): a success between failures restarts the count, so
 * three failures over 70 s with a success in between stay online. */
static void legacy_success_restarts_count(void **state) {
  int c;
  xs_sim *sim = legacy_cut(true, &c);
  fail_at(sim, T0, c, "k1");
  fail_at(sim, T0 + 20000, c, "k2");
  xs_heal(sim);
  assert_int_equal(put_at(sim, T0 + 40000, SA, c, "k3", "v").status, 0);
  assert_int_equal(failures(sim, SA, c, SB), 0);
  assert_int_equal(xt_counters(sim, SA, c, SB).millis_since_first_failure, 0);
  assert_int_equal(xs_partition(sim, SA, SB, true), 0);
  fail_at(sim, T0 + 60000, c, "k4");
  assert_int_equal(failures(sim, SA, c, SB), 1);
  assert_false(offline(sim, SA, c, SB));
  xs_sim_free(sim);
}

/* ------------------------------------------------------------------------ */
/* NonTxOfflineTest, TxOfflineTest, ResetOfflineStatusTest                    */

#define FAILURES 8

/* The first FAILURES puts fail (bring-online answers "ok" before each and
 * changes nothing), then the site is offline and puts succeed locally
 * without being sent. */
static void offline_after_failures(xs_sim *sim, int c, bool tx) {
  char key[16], val[16], buf[64];
  for (int i = 0; i < FAILURES; i++) {
    assert_string_equal(xt_admin(sim, SA, c, XS_ADMIN_BRING_ONLINE, "site-b", buf, sizeof buf), "ok");
    assert_false(offline(sim, SA, c, SB));
    snprintf(key, sizeof key, "k%d", i);
    assert_int_equal(xt_put(sim, SA, c, key, "x").status, XS_EBACKUP);
    assert_int_equal(failures(sim, SA, c, SB), i + 1);
    /* Non-tx keeps the local write; a transaction is rolled back. */
    if (tx) assert_null(xt_peek(sim, SA, c, key, buf, sizeof buf));
    else assert_non_null(xt_peek(sim, SA, c, key, buf, sizeof buf));
  }
  assert_true(offline(sim, SA, c, SB));
  int sends = count_ev(sim, XS_EV_XSITE_SEND, SA, SB);
  for (int i = 0; i < FAILURES; i++) {
    snprintf(key, sizeof key, "k%d", i);
    snprintf(val, sizeof val, "v%d", i);
    assert_int_equal(xt_put(sim, SA, c, key, val).status, 0);
  }
  for (int i = 0; i < FAILURES; i++) {
    snprintf(key, sizeof key, "k%d", i);
    snprintf(val, sizeof val, "v%d", i);
    assert_string_equal(xt_get(sim, SA, c, key).value, val);
  }
  assert_int_equal(count_ev(sim, XS_EV_XSITE_SEND, SA, SB), sends);
}

/* NonTxOfflineTest.testPutWithFailures / TxOfflineTest (same method). */
static void put_with_failures(xs_tx_mode tx) {
  xs_topology t;
  topo_one_cache(&t, 2, XS_STRATEGY_SYNC, XS_POLICY_FAIL, tx, 1000, FAILURES, 0);
  xs_sim *sim = xt_sim_topo(&t, 7);
  int c = xt_cache(sim, "c");
  char buf[64], key[16];
  assert_int_equal(xs_partition(sim, SA, SB, true), 0);
  offline_after_failures(sim, c, tx != XS_TX_NONE);
  assert_string_equal(xt_admin(sim, SA, c, XS_ADMIN_BRING_ONLINE, "NO_SITE", buf, sizeof buf),
                      "Incorrect site name: NO_SITE");
  assert_string_equal(xt_admin(sim, SA, c, XS_ADMIN_BRING_ONLINE, "site-b", buf, sizeof buf), "ok");
  assert_false(offline(sim, SA, c, SB));
  assert_int_equal(failures(sim, SA, c, SB), 0);
  for (int i = 0; i < FAILURES; i++) {
    snprintf(key, sizeof key, "k%d", i);
    assert_int_equal(xt_put(sim, SA, c, key, "again").status, XS_EBACKUP);
  }
  /* What was written while offline never reaches site-b. */
  xs_heal(sim);
  xt_settle(sim);
  for (int i = 0; i < FAILURES; i++) {
    snprintf(key, sizeof key, "k%d", i);
    assert_null(xt_peek(sim, SB, c, key, buf, sizeof buf));
  }
  xs_sim_free(sim);
}

/* NonTxOfflineTest.testPutWithFailures */
static void nontx_offline_put_with_failures(void **state) { put_with_failures(XS_TX_NONE); }

/* TxOfflineTest.testPutWithFailures (inherited from NonTxOfflineTest) */
static void tx_offline_put_with_failures(void **state) { put_with_failures(XS_TX_PESSIMISTIC); }

/* ResetOfflineStatusTest.testPutWithFailures: offline after 8 failures,
 * back online, 7 failures, then one success resets the count to 0 and every
 * later put works and replicates. */
static void reset_offline_status_put_with_failures(void **state) {
  xs_topology t;
  topo_one_cache(&t, 2, XS_STRATEGY_SYNC, XS_POLICY_FAIL, XS_TX_NONE, 1000, FAILURES, 0);
  xs_sim *sim = xt_sim_topo(&t, 3);
  int c = xt_cache(sim, "c");
  char buf[64], key[16], val[16];
  assert_int_equal(xs_partition(sim, SA, SB, true), 0);
  offline_after_failures(sim, c, false);
  assert_string_equal(xt_admin(sim, SA, c, XS_ADMIN_BRING_ONLINE, "site-b", buf, sizeof buf), "ok");
  for (int i = 0; i < FAILURES - 1; i++) {
    snprintf(key, sizeof key, "k%d", i);
    assert_int_equal(xt_put(sim, SA, c, key, "x").status, XS_EBACKUP);
  }
  xs_heal(sim);
  assert_int_equal(failures(sim, SA, c, SB), FAILURES - 1);
  assert_int_equal(xt_put(sim, SA, c, "k8", "vi").status, 0);
  assert_int_equal(failures(sim, SA, c, SB), 0);
  for (int i = 0; i < FAILURES * 10; i++) {
    snprintf(key, sizeof key, "k%d", i);
    snprintf(val, sizeof val, "v%d", i);
    assert_int_equal(xt_put(sim, SA, c, key, val).status, 0);
  }
  for (int i = 0; i < FAILURES * 10; i++) {
    snprintf(key, sizeof key, "k%d", i);
    snprintf(val, sizeof val, "v%d", i);
    assert_string_equal(xt_get(sim, SA, c, key).value, val);
    assert_string_equal(xt_peek(sim, SB, c, key, buf, sizeof buf), val);
  }
  assert_false(offline(sim, SA, c, SB));
  xs_sim_free(sim);
}

/* xsim rule (OfflineStatus.amend through the admin API, reference 2.3):
 * setting a new take-offline configuration brings an offline site back
 * online with its counters reset; setting the same values is no change. */
static void amend_brings_online(void **state) {
  xs_topology t;
  topo_one_cache(&t, 2, XS_STRATEGY_SYNC, XS_POLICY_FAIL, XS_TX_NONE, 1000, 2, 0);
  xs_sim *sim = xt_sim_topo(&t, 3);
  int c = xt_cache(sim, "c");
  assert_int_equal(xs_partition(sim, SA, SB, true), 0);
  fail_at(sim, 0, c, "k1");
  fail_at(sim, xs_sim_now(sim), c, "k2");
  assert_true(offline(sim, SA, c, SB));
  assert_int_equal(xs_admin_take_offline_set(sim, SA, c, SB, 5, 1000), 1);
  assert_false(offline(sim, SA, c, SB));
  assert_int_equal(failures(sim, SA, c, SB), 0);
  int32_t after;
  xs_ms wait;
  assert_int_equal(xs_admin_take_offline_get(sim, SA, c, SB, &after, &wait), 0);
  assert_int_equal(after, 5);
  assert_int_equal(wait, 1000);
  assert_int_equal(xs_admin_take_offline_set(sim, SA, c, SB, 5, 1000), 0);
  xs_sim_free(sim);
}

/* ------------------------------------------------------------------------ */
/* InvalidConfigurationOfflineTest                                            */

/* InvalidConfigurationOfflineTest.testTakeOffline ("not-defined-true" and
 * "not-defined-false"): the cache does not exist on site-b; one ASYNC put
 * takes site-b offline with take-offline enabled or disabled.  (The
 * "not-clustered" rows need a LOCAL cache on site-b with the same name,
 * which one shared cache configuration cannot express.) */
static void invalid_config_async(void **state) {
  for (int enabled = 0; enabled < 2; enabled++) {
    xs_topology t;
    topo_one_cache(&t, 2, XS_STRATEGY_ASYNC, XS_POLICY_WARN, XS_TX_NONE, 1000,
                   enabled ? INT32_MAX : 0, 0);
    t.caches[0].site_mask = 1u << SA;
    xs_sim *sim = xt_sim_topo(&t, 5);
    xt_log logs; /* ISPN000606 and ISPN100006 */
    xt_log_capture(sim, &logs);
    int c = xt_cache(sim, "c");
    assert_false(xs_sim_cache_defined(sim, SB, c));
    assert_false(offline(sim, SA, c, SB));
    assert_int_equal(xt_put(sim, SA, c, "key", "value").status, 0);
    xt_settle(sim);
    assert_true(offline(sim, SA, c, SB));
    assert_true(xt_logged(&logs, "ISPN000606: Remote site 'site-b' has an invalid cache configuration. "
                       "Taking the backup location offline."));
    assert_true(xt_logged(&logs, "ISPN100006: Site 'site-b' is offline."));
    assert_int_equal(failures(sim, SA, c, SB), 0);
    xs_sim_free(sim);
  }
}

/* InvalidConfigurationOfflineTest.testTakeOffline, SYNC variant (xsim rule,
 * reference 1.6): under FAIL the put that meets the missing cache fails with
 * ISPN000603 inside ISPN000709, the site goes offline at once, and the next
 * put is not sent. */
static void invalid_config_sync(void **state) {
  xs_topology t;
  topo_one_cache(&t, 2, XS_STRATEGY_SYNC, XS_POLICY_FAIL, XS_TX_NONE, 1000, 0, 0);
  t.caches[0].site_mask = 1u << SA;
  xs_sim *sim = xt_sim_topo(&t, 5);
  int c = xt_cache(sim, "c");
  xt_result r = xt_put(sim, SA, c, "key", "value");
  assert_int_equal(r.status, XS_EBACKUP);
  assert_string_equal(r.error, "ISPN000709: Failed to backup cache `c` to one or more remote sites: "
                      "ISPN000603: Cannot handle cross-site request from site 'site-a'. "
                      "Cache 'c' not found.");
  assert_true(offline(sim, SA, c, SB));
  int sends = count_ev(sim, XS_EV_XSITE_SEND, SA, SB);
  assert_int_equal(xt_put(sim, SA, c, "key", "value2").status, 0);
  assert_int_equal(count_ev(sim, XS_EV_XSITE_SEND, SA, SB), sends);
  xs_sim_free(sim);
}

/* ------------------------------------------------------------------------ */
/* AsyncOfflineTest                                                           */

#define NUM_FAILURES 6

/* AsyncOfflineTest.testReset, plus the xsim rule "one failure per IRAC
 * batch": four keys written together travel in one batch, which fails once;
 * after the link heals the retry succeeds and resets the count. */
static void async_failure_per_batch_and_reset(void **state) {
  xs_topology t;
  topo_one_cache(&t, 2, XS_STRATEGY_ASYNC, XS_POLICY_WARN, XS_TX_NONE, 1000, NUM_FAILURES, 0);
  xs_sim *sim = xt_sim_topo(&t, 11);
  int c = xt_cache(sim, "c");
  char buf[32];
  assert_int_equal(xt_put(sim, SA, c, "key", "value").status, 0);
  xt_settle(sim);
  assert_string_equal(xt_peek(sim, SB, c, "key", buf, sizeof buf), "value");
  assert_int_equal(failures(sim, SA, c, SB), 0);

  assert_int_equal(xs_partition(sim, SA, SB, true), 0);
  int batches = count_ev(sim, XS_EV_IRAC_BATCH, SA, SB);
  xt_result r[4];
  xt_put_async(sim, SA, c, "key", "value2", &r[0]);
  xt_put_async(sim, SA, c, "k1", "v1", &r[1]);
  xt_put_async(sim, SA, c, "k2", "v2", &r[2]);
  xt_put_async(sim, SA, c, "k3", "v3", &r[3]);
  for (int i = 0; i < 4; i++) {
    xt_wait(sim, &r[i]);
    assert_int_equal(r[i].status, 0); /* the caller never waits for ASYNC */
  }
  xs_sim_run_until(sim, xs_sim_now(sim) + 1000);
  assert_int_equal(count_ev(sim, XS_EV_IRAC_BATCH, SA, SB), batches + 1);
  assert_int_equal(failures(sim, SA, c, SB), 1);
  assert_string_equal(xt_peek(sim, SB, c, "key", buf, sizeof buf), "value");

  xs_heal(sim);
  xt_settle(sim);
  assert_int_equal(failures(sim, SA, c, SB), 0);
  assert_string_equal(xt_peek(sim, SB, c, "key", buf, sizeof buf), "value2");
  assert_string_equal(xt_peek(sim, SB, c, "k3", buf, sizeof buf), "v3");
  assert_int_equal(xt_put(sim, SA, c, "key", "value3").status, 0);
  xt_settle(sim);
  assert_string_equal(xt_peek(sim, SB, c, "key", buf, sizeof buf), "value3");
  assert_int_equal(failures(sim, SA, c, SB), 0);
  assert_false(offline(sim, SA, c, SB));
  xs_sim_free(sim);
}

/* AsyncOfflineTest.testSFOOffline: site-a backs up SYNC to site-b and ASYNC
 * to site-c, which is down.  The IRAC batches to site-c fail, one failure
 * each, until the sixth takes site-c offline; site-b stays online with no
 * failures, and bring-online answers "ok". */
static void async_site_offline_after_failed_batches(void **state) {
  xs_topology t;
  topo_one_cache(&t, 3, XS_STRATEGY_SYNC, XS_POLICY_FAIL, XS_TX_NONE, 1000, NUM_FAILURES, 0);
  t.caches[0].backups[SC].strategy = XS_STRATEGY_ASYNC;
  t.caches[0].backups[SC].failure_policy = XS_POLICY_WARN;
  xs_sim *sim = xt_sim_topo(&t, 13);
  int c = xt_cache(sim, "c");
  char buf[32];
  assert_int_equal(xs_site_crash(sim, SC), 0);
  for (int i = 0; i < NUM_FAILURES; i++) assert_int_equal(xt_put(sim, SA, c, "key", "value").status, 0);
  xt_settle(sim);
  assert_false(offline(sim, SA, c, SB));
  assert_int_equal(failures(sim, SA, c, SB), 0);
  assert_true(offline(sim, SA, c, SC));
  assert_int_equal(failures(sim, SA, c, SC), NUM_FAILURES);
  assert_int_equal(count_ev(sim, XS_EV_IRAC_BATCH, SA, SC), NUM_FAILURES);
  assert_int_equal(xt_counters(sim, SA, c, SC).backup_failures, NUM_FAILURES);
  assert_string_equal(xt_admin(sim, SA, c, XS_ADMIN_BRING_ONLINE, "site-c", buf, sizeof buf), "ok");
  assert_false(offline(sim, SA, c, SC));
  xs_sim_free(sim);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(sm_time_based_take_offline),
      cmocka_unit_test(sm_failure_based_only),
      cmocka_unit_test(sm_both_conditions),
      cmocka_unit_test(sm_time_only),
      cmocka_unit_test(sm_force_and_bring_online),
      cmocka_unit_test(sm_amend_resets),
      cmocka_unit_test(sm_disabled_not_counted),
      cmocka_unit_test(sm_reset_on_success_or_remote_error),
      cmocka_unit_test(legacy_two_failures_over_61s),
      cmocka_unit_test(legacy_three_failures_within_59s),
      cmocka_unit_test(legacy_three_failures_spanning_60s),
      cmocka_unit_test(legacy_timeout_edges),
      cmocka_unit_test(legacy_success_restarts_count),
      cmocka_unit_test(nontx_offline_put_with_failures),
      cmocka_unit_test(tx_offline_put_with_failures),
      cmocka_unit_test(reset_offline_status_put_with_failures),
      cmocka_unit_test(amend_brings_online),
      cmocka_unit_test(invalid_config_async),
      cmocka_unit_test(invalid_config_sync),
      cmocka_unit_test(async_failure_per_batch_and_reset),
      cmocka_unit_test(async_site_offline_after_failed_batches),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
