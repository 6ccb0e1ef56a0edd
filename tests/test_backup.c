/*
 * test_backup.c - SYNC cross-site backups as a client sees them: what the
 * failure policies return, what is left on each site after a failed backup,
 * which writes are (not) sent, how concurrent writes to one key from two
 * sites contend on locks, and what a site crash does to operations in
 * flight.
 *
 * Most cases port the assertions of Infinispan's NonTxBackupFailureTest and
 * BackupTxFailureTest (each test names the Java class and method it
 * follows); the others check rules of the reference (sections 1.3-1.6) and
 * of the Keycloak cross-DC guide (seed 001), named "xsim rule".
 */
#include "test_util.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { SA = 0, SB = 1, SC = 2 };

/* ------------------------------------------------------------------------ */
/* Helpers                                                                    */

/* Two or three sites and one cache "c" (or `name`) backing up SYNC to every
 * site with the given policy and timeout. */
static void topo_sync(xs_topology *t, int nsites, const char *name, xs_tx_mode tx, xs_policy pol,
                      xs_ms timeout_ms) {
  static const char *const names[] = {"site-a", "site-b", "site-c"};
  xs_cache_cfg *c = xt_topo_one_cache(t, "backup-test", nsites, names, 2, name);
  c->tx = tx;
  for (int i = 0; i < c->nbackups; i++) {
    c->backups[i].strategy = XS_STRATEGY_SYNC;
    c->backups[i].failure_policy = pol;
    c->backups[i].timeout_ms = timeout_ms;
  }
}

/* Calls fn for every event-log record (the tests stay far below the ring). */
typedef void (*ev_fn)(const xs_ev_record *r, void *ud);
static void each_ev(const xs_sim *sim, ev_fn fn, void *ud) {
  xs_ev_record buf[256];
  uint64_t since = 0;
  size_t got;
  while ((got = xs_evlog_read(sim, since, buf, 256)) > 0) {
    for (size_t i = 0; i < got; i++) fn(&buf[i], ud);
    since = buf[got - 1].seq + 1;
  }
}

typedef struct ev_query {
  xs_ev_kind kind;
  int site, peer;
  int count;
  uint64_t last_arg;
} ev_query;

static void ev_match(const xs_ev_record *r, void *ud) {
  ev_query *q = ud;
  if (r->kind != q->kind || r->site != q->site || (q->peer != -2 && r->peer != q->peer)) return;
  q->count++;
  q->last_arg = r->arg;
}

/* Events of `kind` from `site` to `peer` (-2: to anyone). */
static int count_ev(const xs_sim *sim, xs_ev_kind kind, int site, int peer) {
  ev_query q = {kind, site, peer, 0, 0};
  each_ev(sim, ev_match, &q);
  return q.count;
}

/* The request id of the last cross-site request `from` sent to `to`. */
static uint64_t last_request_id(const xs_sim *sim, int from, int to) {
  ev_query q = {XS_EV_XSITE_SEND, from, to, 0, 0};
  each_ev(sim, ev_match, &q);
  assert_true(q.count > 0);
  return q.last_arg;
}

/* What site-a and site-b hold for key (NULL: absent). */
static void assert_held(xs_sim *sim, int cache, const char *key, const char *on_a, const char *on_b) {
  xt_assert_value(sim, SA, cache, key, on_a);
  xt_assert_value(sim, SB, cache, key, on_b);
}

/* Runs a write of `kind` with flags to completion; key NULL for a clear,
 * value NULL for a remove. */
static xt_result run_write(xs_sim *sim, int site, int cache, xs_op_kind kind, const char *key,
                           const char *value, uint32_t flags) {
  xs_op op;
  xs_op_init(&op, kind, site, cache);
  if (key) {
    op.key = (const uint8_t *)key;
    op.key_len = (uint32_t)strlen(key);
  }
  if (value) {
    op.value = (const uint8_t *)value;
    op.value_len = (uint32_t)strlen(value);
  }
  op.flags = flags;
  return xt_op(sim, &op);
}

/* ------------------------------------------------------------------------ */
/* NonTxBackupFailureTest                                                     */

/* One row of the failure-policy matrix: the policy and the backup timeout,
 * with the timeout as Util.prettyPrintTime prints it. */
typedef struct pcase {
  xs_policy policy;
  xs_ms timeout_ms;
  const char *pretty;
} pcase;

static const pcase FAIL_13S = {XS_POLICY_FAIL, 13000, "13 seconds"};
static const pcase FAIL_4500MS = {XS_POLICY_FAIL, 4500, "4.5 seconds"};
static const pcase FAIL_500MS = {XS_POLICY_FAIL, 500, "500 milliseconds"};
static const pcase FAIL_1S = {XS_POLICY_FAIL, 1000, "1 seconds"};
static const pcase WARN_1500MS = {XS_POLICY_WARN, 1500, "1.5 seconds"};
static const pcase IGNORE_2S = {XS_POLICY_IGNORE, 2000, "2 seconds"};

typedef struct bctx {
  xs_sim *sim;
  int c;
  const pcase *p; /* the row the backups were configured with */
  xt_log logs;    /* ISPN000202 for WARN */
} bctx;

static void bctx_open(bctx *x, const pcase *p, xs_tx_mode tx) {
  xs_topology t;
  topo_sync(&t, 2, "c", tx, p->policy, p->timeout_ms);
  x->sim = xt_sim_topo(&t, 42);
  x->c = xt_cache(x->sim, "c");
  x->p = p;
  xt_log_capture(x->sim, &x->logs);
}

/* Checks what the caller of a write whose backup timed out was told:
 * FAIL -> ISPN000709 around ISPN000476, WARN -> success, warned and
 * ISPN000202 logged, IGNORE -> plain success. */
static void expect_policy_outcome(bctx *x, const xt_result *r) {
  const pcase *p = x->p;
  char cause[XS_MSG_BYTES_MAX], want[XS_MSG_BYTES_MAX * 2];
  snprintf(cause, sizeof cause, "ISPN000476: Timed out waiting for responses for request %" PRIu64
           " from site-b after %s", last_request_id(x->sim, SA, SB), p->pretty);
  assert_int_equal(r->completed_ms - r->invoked_ms, p->timeout_ms);
  switch (p->policy) {
  case XS_POLICY_FAIL:
    assert_int_equal(r->status, XS_EBACKUP);
    snprintf(want, sizeof want,
             "ISPN000709: Failed to backup cache `c` to one or more remote sites: %s", cause);
    assert_string_equal(r->error, want);
    assert_false(r->warned);
    break;
  case XS_POLICY_WARN:
    assert_int_equal(r->status, 0);
    assert_true(r->warned);
    snprintf(want, sizeof want,
             "ISPN000202: Encountered issues while backing up data for cache c to site site-b: %s",
             cause);
    assert_true(xt_logged(&x->logs, want));
    break;
  case XS_POLICY_IGNORE:
    assert_int_equal(r->status, 0);
    assert_false(r->warned);
    assert_int_equal(xt_logged_prefix(&x->logs, "ISPN000202"), 0);
    break;
  }
}

/* The backup site is cut off (its requests are lost, so they time out);
 * healing afterwards shows that nothing is resent later. */
static void cut(bctx *x) { assert_int_equal(xs_partition(x->sim, SA, SB, true), 0); }

static void heal_and_settle(bctx *x) {
  xs_heal(x->sim);
  xt_settle(x->sim);
}

/* A write of `kind` (see run_write) on site-a with site-b cut off: checks
 * what its caller was told, then heals and settles, so that what each site
 * holds afterwards is what the failed backup left. */
static void write_while_cut(bctx *x, xs_op_kind kind, const char *key, const char *value) {
  cut(x);
  xt_result r = run_write(x->sim, SA, x->c, kind, key, value, 0);
  expect_policy_outcome(x, &r);
  heal_and_settle(x);
}

/* NonTxBackupFailureTest.testPutFailure */
static void nontx_put_failure(void **state) {
  bctx x;
  bctx_open(&x, *state, XS_TX_NONE);
  write_while_cut(&x, XS_OP_PUT, "k", "v");
  assert_held(x.sim, x.c, "k", "v", NULL);
  xs_sim_free(x.sim);
}

/* The remove and replace cases start from k=v written on site-a and
 * backed up to site-b. */
static void bctx_open_with_k(bctx *x, const pcase *p) {
  bctx_open(x, p, XS_TX_NONE);
  assert_int_equal(xt_put(x->sim, SA, x->c, "k", "v").status, 0);
  xt_assert_value(x->sim, SB, x->c, "k", "v");
}

/* NonTxBackupFailureTest.testRemoveFailure */
static void nontx_remove_failure(void **state) {
  bctx x;
  bctx_open_with_k(&x, *state);
  write_while_cut(&x, XS_OP_REMOVE, "k", NULL);
  xt_assert_value(x.sim, SA, x.c, "k", NULL);
  assert_false(xt_get(x.sim, SA, x.c, "k").found);
  xt_assert_value(x.sim, SB, x.c, "k", "v");
  xs_sim_free(x.sim);
}

/* NonTxBackupFailureTest.testReplaceFailure */
static void nontx_replace_failure(void **state) {
  bctx x;
  bctx_open_with_k(&x, *state);
  write_while_cut(&x, XS_OP_REPLACE, "k", "v2");
  assert_held(x.sim, x.c, "k", "v2", "v");
  xs_sim_free(x.sim);
}

/* NonTxBackupFailureTest.testClearFailure */
static void nontx_clear_failure(void **state) {
  bctx x;
  bctx_open(&x, *state, XS_TX_NONE);
  assert_int_equal(xt_put(x.sim, SA, x.c, "k1", "v1").status, 0);
  assert_int_equal(xt_put(x.sim, SA, x.c, "k2", "v2").status, 0);
  assert_int_equal(xt_put(x.sim, SA, x.c, "k3", "v3").status, 0);
  write_while_cut(&x, XS_OP_CLEAR, NULL, NULL);
  assert_int_equal(xs_cache_size(x.sim, SA, x.c), 0);
  xt_assert_value(x.sim, SB, x.c, "k1", "v1");
  xt_assert_value(x.sim, SB, x.c, "k2", "v2");
  xt_assert_value(x.sim, SB, x.c, "k3", "v3");
  xs_sim_free(x.sim);
}

/* site-a, site-b and site-c; cache "c", non-tx, backing up SYNC with FAIL
 * and timeout_ms to every site. */
static xs_sim *three_sites_fail(xs_ms timeout_ms, uint64_t seed) {
  xs_topology t;
  topo_sync(&t, 3, "c", XS_TX_NONE, XS_POLICY_FAIL, timeout_ms);
  return xt_sim_topo(&t, seed);
}

/* xsim rule (BackupFailureException, reference 1.4): with two backup sites
 * failing, ISPN000709 carries one cause per site, joined by a newline. */
static void two_sites_fail_two_causes(void **state) {
  xs_sim *sim = three_sites_fail(4500, 8);
  int c = xt_cache(sim, "c");
  assert_int_equal(xs_partition(sim, SA, SB, true), 0);
  assert_int_equal(xs_partition(sim, SA, SC, true), 0);
  xt_result r = xt_put(sim, SA, c, "k", "v");
  assert_int_equal(r.status, XS_EBACKUP);
  char want[XS_MSG_BYTES_MAX * 2];
  snprintf(want, sizeof want, "ISPN000709: Failed to backup cache `c` to one or more remote sites: "
           "ISPN000476: Timed out waiting for responses for request %" PRIu64 " from site-b after 4.5 seconds\n"
           "ISPN000476: Timed out waiting for responses for request %" PRIu64 " from site-c after 4.5 seconds",
           last_request_id(sim, SA, SB), last_request_id(sim, SA, SC));
  assert_string_equal(r.error, want);
  xt_assert_value(sim, SA, c, "k", "v");
  xs_sim_free(sim);
}

/* ------------------------------------------------------------------------ */
/* BackupTxFailureTest and the out-of-sync mechanism                          */

/* BackupTxFailureTest.testFailDuringBackupReplay / testFailDuringBackupPrepare
 * (pessimistic, one-phase: replay and prepare are one step here).  The
 * replay fails on site-b because site-b's own transaction holds the key's
 * lock (acquire-timeout 0) while its backup to site-c hangs; site-a gets
 * ISPN000217 inside ISPN000709 and the value is committed nowhere. */
static void tx_fail_during_backup_replay(void **state) {
  xs_topology t;
  topo_sync(&t, 3, "tx", XS_TX_PESSIMISTIC, XS_POLICY_FAIL, 13000);
  t.caches[0].lock_timeout_ms = 0;
  /* Backups to site-b and site-c only: site-b's own transaction then goes
   * to site-c alone (were it also sent to site-a, site-a would commit it
   * one-phase and keep it after site-b rolls back). */
  t.caches[0].backups[0] = t.caches[0].backups[1];
  t.caches[0].backups[1] = t.caches[0].backups[2];
  t.caches[0].nbackups = 2;
  xs_sim *sim = xt_sim_topo(&t, 9);
  int c = xt_cache(sim, "tx");
  char buf[64];
  assert_int_equal(xt_put(sim, SA, c, "key", "initial").status, 0);
  for (int s = SA; s <= SC; s++) xt_assert_value(sim, s, c, "key", "initial");
  /* Only site-b matters to site-a from here on. */
  assert_string_equal(xt_admin(sim, SA, c, XS_ADMIN_TAKE_OFFLINE, "site-c", buf, sizeof buf), "ok");
  assert_int_equal(xs_partition(sim, SB, SC, true), 0);
  xt_result rb;
  xt_put_async(sim, SB, c, "key", "from-b", &rb);
  xs_sim_run_until(sim, xs_sim_now(sim) + 5);
  assert_false(rb.done);

  xt_result ra = xt_put(sim, SA, c, "key", "wrong");
  assert_int_equal(ra.status, XS_EBACKUP);
  assert_string_equal(ra.error, "ISPN000709: Failed to backup cache `tx` to one or more remote sites: "
                      "ISPN000217: Received exception from site-b, see remote stack trace for cause");
  /* A remote application error is no communication failure. */
  assert_int_equal(xt_counters(sim, SA, c, SB).failures_count, 0);
  xt_wait(sim, &rb);
  assert_int_equal(rb.status, XS_EBACKUP);
  xt_settle(sim);
  for (int s = SA; s <= SC; s++) xt_assert_value(sim, s, c, "key", "initial");
  xs_sim_free(sim);
}

/* BackupTxFailureTest (make sure the key is not committed anywhere), with a
 * timeout for the remote failure: the Keycloak HA caches (pessimistic,
 * SYNC, FAIL, 13 s) roll the transaction back, so neither site has it. */
static void tx_backup_timeout_rolls_back(void **state) {
  xs_sim *sim = xt_sim("keycloak-ha", 1);
  int c = xt_cache(sim, "sessions");
  assert_int_equal(xt_put(sim, SA, c, "key", "initial").status, 0);
  assert_int_equal(xs_partition(sim, SA, SB, false), 0);
  xt_result r = xt_put(sim, SA, c, "key", "wrong");
  assert_int_equal(r.status, XS_EBACKUP);
  assert_int_equal(r.completed_ms - r.invoked_ms, 13000);
  char want[XS_MSG_BYTES_MAX];
  snprintf(want, sizeof want, "ISPN000709: Failed to backup cache `sessions` to one or more remote "
           "sites: ISPN000476: Timed out waiting for responses for request %" PRIu64
           " from site-b after 13 seconds", last_request_id(sim, SA, SB));
  assert_string_equal(r.error, want);
  xs_heal(sim);
  xt_settle(sim);
  assert_held(sim, c, "key", "initial", "initial");
  xs_sim_free(sim);
}

/* A put of key=value on site-a whose backup site-b applies but whose reply
 * is lost (site-b -> site-a cut off): the caller sees XS_EBACKUP. */
static xt_result put_reply_lost(xs_sim *sim, int c) {
  assert_int_equal(xs_partition(sim, SB, SA, true), 0);
  xt_result r = xt_put(sim, SA, c, "key", "value");
  assert_int_equal(r.status, XS_EBACKUP);
  return r;
}

/* xsim rule (reference 1.3, Keycloak HA "Out-of-sync sites"): site-b
 * applies a one-phase transaction but its reply is lost; site-a times out
 * and rolls back, and the sites diverge. */
static void tx_reply_lost_diverges(void **state) {
  xs_sim *sim = xt_sim("keycloak-ha", 1);
  int c = xt_cache(sim, "sessions");
  xt_result r = put_reply_lost(sim, c);
  assert_true(strstr(r.error, "ISPN000476: ") != NULL);
  assert_held(sim, c, "key", NULL, "value");
  char diff[128];
  assert_int_equal(xs_cache_equal(sim, c, SA, SB, diff, sizeof diff), 0);
  xs_sim_free(sim);
}

/* xsim rule (reference 1.3, NonTxBackupFailureTest's "local value kept"):
 * non-tx with the reply lost - the caller gets ISPN000709 yet both sites
 * hold the value. */
static void nontx_reply_lost_both_have_it(void **state) {
  xs_sim *sim = xt_sim("crossdc-legacy", 1);
  int c = xt_cache(sim, "sessions");
  xt_result r = put_reply_lost(sim, c);
  assert_int_equal(r.completed_ms - r.invoked_ms, 10000);
  assert_held(sim, c, "key", "value", "value");
  xs_sim_free(sim);
}

/* ------------------------------------------------------------------------ */
/* Which writes are sent                                                      */

/* xsim rule (BackupSenderImpl.calculateBackupInfo, reference 1.5): an
 * OFFLINE site is skipped - nothing is sent, nothing fails, nothing waits,
 * non-tx and tx alike. */
static void offline_site_skipped(void **state) {
  for (int tx = 0; tx < 2; tx++) {
    bctx x;
    bctx_open(&x, &FAIL_13S, tx ? XS_TX_PESSIMISTIC : XS_TX_NONE);
    char buf[64];
    assert_string_equal(xt_admin(x.sim, SA, x.c, XS_ADMIN_TAKE_OFFLINE, "site-b", buf, sizeof buf), "ok");
    assert_int_equal(xs_partition(x.sim, SA, SB, false), 0);
    xt_result r = xt_put(x.sim, SA, x.c, "k", "v");
    assert_int_equal(r.status, 0);
    assert_int_equal(r.completed_ms, r.invoked_ms);
    assert_int_equal(xt_remove(x.sim, SA, x.c, "k").status, 0);
    assert_int_equal(xt_put(x.sim, SA, x.c, "k2", "v2").status, 0);
    assert_int_equal(xt_clear(x.sim, SA, x.c).status, 0);
    assert_int_equal(xt_put(x.sim, SA, x.c, "k3", "v3").status, 0);
    assert_int_equal(count_ev(x.sim, XS_EV_XSITE_SEND, SA, SB), 0);
    xs_xsite_counters k = xt_counters(x.sim, SA, x.c, SB);
    assert_int_equal(k.backup_failures + k.backup_ok + k.failures_count, 0);
    heal_and_settle(&x);
    assert_held(x.sim, x.c, "k3", "v3", NULL);
    xs_sim_free(x.sim);
  }
}

/* xsim rule (ClusteredCacheBackupReceiver, reference 1.6): received writes
 * are applied with SKIP_XSITE_BACKUP, so site-b never sends anything on,
 * neither back to site-a nor to site-c. */
static void received_writes_not_replicated(void **state) {
  xs_sim *sim = three_sites_fail(10000, 4);
  int c = xt_cache(sim, "c");
  assert_int_equal(xt_put(sim, SA, c, "k", "v").status, 0);
  assert_int_equal(xt_put(sim, SA, c, "k2", "v2").status, 0);
  assert_int_equal(xt_remove(sim, SA, c, "k").status, 0);
  assert_int_equal(xt_clear(sim, SA, c).status, 0);
  assert_int_equal(xt_put(sim, SA, c, "k3", "v3").status, 0);
  xt_settle(sim);
  assert_int_equal(count_ev(sim, XS_EV_XSITE_SEND, SA, SB), 5);
  assert_int_equal(count_ev(sim, XS_EV_XSITE_SEND, SA, SC), 5);
  assert_int_equal(count_ev(sim, XS_EV_XSITE_SEND, SB, -2), 0);
  assert_int_equal(count_ev(sim, XS_EV_XSITE_SEND, SC, -2), 0);
  assert_int_equal(count_ev(sim, XS_EV_XSITE_APPLY, SA, -2), 0);
  for (int s = SA; s <= SC; s++) {
    xt_assert_value(sim, s, c, "k3", "v3");
    assert_int_equal(xs_cache_size(sim, s, c), 1);
  }
  xs_sim_free(sim);
}

/* xsim rule (NonTransactionalBackupInterceptor "if (!isSuccessful()) return",
 * reference 1.3): a failed conditional write is neither applied nor sent, so
 * even with the backup cut off it fails with its own status at once. */
static void failed_conditionals_not_replicated(void **state) {
  for (int tx = 0; tx < 2; tx++) {
    bctx x;
    bctx_open(&x, &FAIL_13S, tx ? XS_TX_PESSIMISTIC : XS_TX_NONE);
    assert_int_equal(xt_put(x.sim, SA, x.c, "k", "v").status, 0);
    int sends = count_ev(x.sim, XS_EV_XSITE_SEND, SA, SB);
    cut(&x);
    xt_result r = xt_put_if_absent(x.sim, SA, x.c, "k", "other");
    assert_int_equal(r.status, XS_EEXISTS);
    assert_int_equal(r.completed_ms, r.invoked_ms);
    r = xt_replace(x.sim, SA, x.c, "absent", "x");
    assert_int_equal(r.status, XS_ENOTFOUND);
    r = xt_remove(x.sim, SA, x.c, "absent");
    assert_int_equal(r.status, 0);
    assert_false(r.found);
    assert_int_equal(r.completed_ms, r.invoked_ms);
    assert_int_equal(count_ev(x.sim, XS_EV_XSITE_SEND, SA, SB), sends);
    xt_assert_value(x.sim, SA, x.c, "k", "v");
    xt_assert_value(x.sim, SA, x.c, "absent", NULL);
    xs_sim_free(x.sim);
  }
}

/* xsim rule (Flag.SKIP_XSITE_BACKUP, the REST 'flags' header): a flagged
 * write stays on its site and never waits for the backup. */
static void skip_xsite_backup_stays_local(void **state) {
  bctx x;
  bctx_open(&x, &FAIL_13S, XS_TX_NONE);
  assert_int_equal(xt_put(x.sim, SA, x.c, "k", "v").status, 0);
  cut(&x);
  xt_result r = run_write(x.sim, SA, x.c, XS_OP_PUT, "k", "local", XS_FLAG_SKIP_XSITE_BACKUP);
  assert_int_equal(r.status, 0);
  assert_int_equal(r.completed_ms, r.invoked_ms);
  r = run_write(x.sim, SA, x.c, XS_OP_PUT, "k2", "local2", XS_FLAG_SKIP_XSITE_BACKUP);
  assert_int_equal(r.status, 0);
  assert_int_equal(count_ev(x.sim, XS_EV_XSITE_SEND, SA, SB), 1);
  heal_and_settle(&x);
  assert_held(x.sim, x.c, "k", "local", "v");
  xt_assert_value(x.sim, SB, x.c, "k2", NULL);
  r = run_write(x.sim, SA, x.c, XS_OP_REMOVE, "k", NULL, XS_FLAG_SKIP_XSITE_BACKUP);
  assert_int_equal(r.status, 0);
  assert_held(x.sim, x.c, "k", NULL, "v");
  assert_int_equal(count_ev(x.sim, XS_EV_XSITE_SEND, SA, SB), 1);
  xs_sim_free(x.sim);
}

/* xsim rule (JGroupsTransport.backupRemotely / SiteUnreachableXSiteResponse,
 * reference 2.2): once site-b has left site-a's view, a write fails at once
 * with "Node site:site-b was suspected"; a request still waiting when the
 * view changes ends then (SingleSiteRequest.sitesUnreachable), its address
 * being the bare site name. */
static void fail_fast_suspect_after_view_drop(void **state) {
  pcase slow = {XS_POLICY_FAIL, 30000, "30 seconds"};
  bctx x;
  bctx_open(&x, &slow, XS_TX_NONE);
  assert_int_equal(xs_partition(x.sim, SA, SB, false), 0);
  xs_ms cut_at = xs_sim_now(x.sim);
  xt_result r = xt_put(x.sim, SA, x.c, "k1", "v");
  assert_int_equal(r.status, XS_EBACKUP);
  assert_int_equal(r.completed_ms, cut_at + 15000);
  assert_string_equal(r.error, "ISPN000709: Failed to backup cache `c` to one or more remote sites: "
                      "ISPN000400: Node site-b was suspected");
  assert_false(xs_site_view_has(x.sim, SA, SB));
  r = xt_put(x.sim, SA, x.c, "k2", "v");
  assert_int_equal(r.status, XS_EBACKUP);
  assert_int_equal(r.completed_ms, r.invoked_ms);
  assert_string_equal(r.error, "ISPN000709: Failed to backup cache `c` to one or more remote sites: "
                      "ISPN000400: Node site:site-b was suspected");
  /* Suspicion is a communication failure, but the view alone never takes
   * the site offline (take-offline is disabled here). */
  assert_int_equal(xt_counters(x.sim, SA, x.c, SB).backup_failures, 2);
  assert_int_equal(xs_admin_site_status(x.sim, SA, x.c, SB), XS_SITE_ONLINE);
  xs_sim_free(x.sim);
}

/* ------------------------------------------------------------------------ */
/* Concurrent writes to one key                                               */

/* site-a puts "from-a" and site-b "from-b" to k at the same instant; waits
 * for both, whose backups both failed (XS_EBACKUP). */
static void conflicting_puts(xs_sim *sim, int c, xt_result *ra, xt_result *rb) {
  xt_put_async(sim, SA, c, "k", "from-a", ra);
  xt_put_async(sim, SB, c, "k", "from-b", rb);
  xt_wait(sim, ra);
  xt_wait(sim, rb);
  assert_int_equal(ra->status, XS_EBACKUP);
  assert_int_equal(rb->status, XS_EBACKUP);
}

/* xsim rule (seed 001, "Lock acquisition timeout": acquire-timeout 0 so a
 * transaction fails fast when another one holds the key): both sites write
 * one key at once; each backup meets the other site's lock and fails with
 * ISPN000217, within a round trip.  Non-tx keeps each local write, so the
 * sites diverge; a remote error is not a communication failure. */
static void nontx_concurrent_writes_both_sites(void **state) {
  xs_sim *sim = xt_sim("crossdc-legacy", 1);
  int c = xt_cache(sim, "sessions");
  xt_result ra, rb;
  conflicting_puts(sim, c, &ra, &rb);
  assert_string_equal(ra.error, "ISPN000709: Failed to backup cache `sessions` to one or more remote "
                      "sites: ISPN000217: Received exception from site-b, see remote stack trace for cause");
  assert_string_equal(rb.error, "ISPN000709: Failed to backup cache `sessions` to one or more remote "
                      "sites: ISPN000217: Received exception from site-a, see remote stack trace for cause");
  assert_int_equal(ra.completed_ms - ra.invoked_ms, 2); /* one round trip */
  assert_held(sim, c, "k", "from-a", "from-b");
  assert_int_equal(xt_counters(sim, SA, c, SB).failures_count, 0);
  assert_int_equal(xt_counters(sim, SB, c, SA).failures_count, 0);
  assert_int_equal(count_ev(sim, XS_EV_LOCK_TIMEOUT, SA, -1), 1);
  assert_int_equal(count_ev(sim, XS_EV_LOCK_TIMEOUT, SB, -1), 1);
  xs_sim_free(sim);
}

/* xsim rule (seed 001: "With timeout 0, the transaction will immediately
 * fail"): a remote write that finds the key locked fails on arrival, even if
 * the lock is released later in the same millisecond.  site-b -> site-a has
 * no latency, so site-b's write meets site-a's lock and fails, and site-a's
 * write reaches site-b one millisecond later, just before the failure reply
 * that makes site-b's write let go of its lock. */
static void zero_acquire_timeout_fails_on_arrival(void **state) {
  xs_sim *sim = xt_sim("crossdc-legacy", 1);
  int c = xt_cache(sim, "sessions");
  assert_int_equal(xs_link_set_latency(sim, SB, SA, 0, 0), 0);
  xt_result ra, rb;
  conflicting_puts(sim, c, &ra, &rb);
  assert_true(strstr(rb.error, "ISPN000217: Received exception from site-a") != NULL);
  assert_true(strstr(ra.error, "ISPN000217: Received exception from site-b") != NULL);
  assert_held(sim, c, "k", "from-a", "from-b");
  xs_sim_free(sim);
}

/* xsim rule (seed 001's ISPN000299 log line, "Unable to acquire lock after
 * 0 milliseconds"): the key lock is held across the backup round trip, so a
 * second write to the key on the same site fails at once. */
static void local_concurrent_write_lock_timeout(void **state) {
  xs_sim *sim = xt_sim("crossdc-legacy", 1);
  int c = xt_cache(sim, "sessions");
  xt_result r1, r2;
  xt_put_async(sim, SA, c, "k", "first", &r1);
  xt_put_async(sim, SA, c, "k", "second", &r2);
  xt_wait(sim, &r1);
  xt_wait(sim, &r2);
  assert_int_equal(r1.status, 0);
  assert_int_equal(r2.status, XS_ELOCK);
  assert_int_equal(r2.completed_ms, r2.invoked_ms);
  const char *want = "ISPN000299: Unable to acquire lock after 0 milliseconds for key k and requestor ";
  assert_int_equal(strncmp(r2.error, want, strlen(want)), 0);
  assert_true(strstr(r2.error, ". Lock is held by CommandUUID:") != NULL);
  assert_held(sim, c, "k", "first", "first");
  xs_sim_free(sim);
}

/* xsim rule (lock.c, tqueue.c): writes queued on one key are granted the
 * lock in arrival order, and a granted wait leaves nothing behind in the
 * engine - at most one pending timeout event per queue, not one per wait. */
static void lock_waits_fifo_leave_no_events(void **state) {
  bctx x;
  bctx_open(&x, &FAIL_13S, XS_TX_NONE);
  enum { N = 200 };
  static xt_result r[N];
  char v[16];
  for (int i = 0; i < N; i++) {
    snprintf(v, sizeof v, "v%d", i);
    xt_put_async(x.sim, SA, x.c, "k", v, &r[i]);
  }
  xt_wait(x.sim, &r[N - 1]);
  for (int i = 0; i < N; i++) {
    assert_int_equal(r[i].status, 0);
    /* One SYNC round trip (2 x 1 ms) each, one after the other. */
    assert_int_equal(r[i].completed_ms - r[i].invoked_ms, 2 * (i + 1));
  }
  assert_true(xs_sim_events_pending(x.sim) <= 2);
  assert_held(x.sim, x.c, "k", "v199", "v199");
  /* Background timeout events only, each for its queue's first deadline
   * (lock wait 10 s, request 13 s); once those pass nothing is left. */
  xt_settle(x.sim);
  xs_sim_run_until(x.sim, xs_sim_now(x.sim) + 13000);
  assert_int_equal(xs_sim_events_pending(x.sim), 0);
  xs_sim_free(x.sim);
}

/* xsim rule (lock.c): each waiter times out exactly acquire-timeout after it
 * started waiting, in order, with ISPN000299 - even when earlier waiters of
 * the same queue were granted or timed out before it. */
static void lock_wait_timeouts_exact_and_ordered(void **state) {
  bctx x;
  bctx_open(&x, &FAIL_13S, XS_TX_NONE);
  cut(&x);
  xt_result hold, w[4];
  xt_put_async(x.sim, SA, x.c, "k", "held", &hold);
  for (int i = 0; i < 4; i++) {
    xs_sim_run_until(x.sim, xs_sim_now(x.sim) + (i < 3 ? 500 : 2000));
    xt_put_async(x.sim, SA, x.c, "k", "waiting", &w[i]);
  }
  xt_wait(x.sim, &w[2]);
  for (int i = 0; i < 3; i++) {
    assert_int_equal(w[i].status, XS_ELOCK);
    assert_int_equal(w[i].completed_ms - w[i].invoked_ms, 10000);
    assert_non_null(strstr(w[i].error, "ISPN000299: Unable to acquire lock after 10 seconds for key k"));
  }
  assert_false(hold.done);
  xt_wait(x.sim, &hold);
  assert_int_equal(hold.status, XS_EBACKUP);
  assert_int_equal(hold.completed_ms - hold.invoked_ms, 13000);
  /* The fourth (waiting since 3.5 s) is granted at 13 s, when the holder
   * lets go, and its own backup then times out. */
  xt_wait(x.sim, &w[3]);
  assert_int_equal(w[3].status, XS_EBACKUP);
  assert_int_equal(w[3].completed_ms, 13000 + 13000);
  /* Its stale lock deadline (13.5 s) has run by now; nothing is left. */
  assert_int_equal(xs_sim_events_pending(x.sim), 0);
  xs_sim_free(x.sim);
}

/* xsim rule (seed 001: with the default 10 s acquire-timeout, concurrent
 * updates from both sites "cause the transaction to be blocked for 10
 * seconds"): two pessimistic transactions deadlock across the sites until
 * the remote lock waits time out; both roll back, nothing is committed,
 * and it ends before the 13 s backup timeout. */
static void tx_concurrent_writes_deadlock(void **state) {
  xs_sim *sim = xt_sim("keycloak-ha", 1);
  int c = xt_cache(sim, "sessions");
  assert_int_equal(xt_put(sim, SA, c, "k", "initial").status, 0);
  xt_result ra, rb;
  conflicting_puts(sim, c, &ra, &rb);
  assert_true(strstr(ra.error, "ISPN000217: Received exception from site-b") != NULL);
  assert_true(strstr(rb.error, "ISPN000217: Received exception from site-a") != NULL);
  assert_int_equal(ra.completed_ms - ra.invoked_ms, 10000 + 2);
  assert_held(sim, c, "k", "initial", "initial");
  xs_sim_free(sim);
}

/* A worker of the counter test: increments "counter" with a compute op
 * (read-modify-write under the key lock), `left` times, `gap_ms` apart. */
typedef struct worker {
  int site, cache, left;
  xs_ms gap_ms;
  char next[32];
  int added[32];
  int nadded;
} worker;

static xs_compute_action increment(void *ud, const uint8_t *old, uint32_t old_len, uint8_t vt,
                                   bool found, xs_ms exp, xs_compute_out *out) {
  worker *w = ud;
  int v = 0;
  for (uint32_t i = 0; found && i < old_len; i++) v = v * 10 + (old[i] - '0');
  snprintf(w->next, sizeof w->next, "%d", v + 1);
  out->value = (const uint8_t *)w->next;
  out->value_len = (uint32_t)strlen(w->next);
  return XS_COMPUTE_PUT;
}

static void worker_go(xs_sim *sim, void *ud);

static void worker_done(xs_sim *sim, void *ud, const xs_op_result *r) {
  worker *w = ud;
  if (r->status == 0) w->added[w->nadded++] = atoi(w->next);
  else assert_int_equal(r->status, XS_EBACKUP);
  if (--w->left > 0) assert_int_equal(xs_sim_timer(sim, xs_sim_now(sim) + w->gap_ms, worker_go, w), 0);
}

static void worker_go(xs_sim *sim, void *ud) {
  worker *w = ud;
  xs_op op;
  xs_op_init(&op, XS_OP_COMPUTE, w->site, w->cache);
  op.key = (const uint8_t *)"counter";
  op.key_len = 7;
  op.compute = increment;
  op.compute_ud = w;
  assert_true(xs_op_submit(sim, &op, worker_done, w) > 0);
}

/* BackupTxFailureTest.testConcurrency: both sites increment one counter in
 * pessimistic transactions; no value is ever handed out twice, and (our
 * addition) no committed increment is lost: both sites end at the number of
 * successful increments. */
static void tx_concurrent_counter(void **state) {
  xs_sim *sim = xt_sim("keycloak-ha", 1);
  int c = xt_cache(sim, "sessions");
  assert_int_equal(xt_put(sim, SA, c, "counter", "0").status, 0);
  worker wa = {SA, c, 10, 0, "", {0}, 0}, wb = {SB, c, 10, 3, "", {0}, 0};
  xs_ms start = xs_sim_now(sim) + 10;
  assert_int_equal(xs_sim_timer(sim, start, worker_go, &wa), 0);
  assert_int_equal(xs_sim_timer(sim, start, worker_go, &wb), 0);
  xt_settle(sim);
  assert_int_equal(wa.left + wb.left, 0);
  bool seen[64] = {false};
  for (int i = 0; i < wa.nadded + wb.nadded; i++) {
    int v = i < wa.nadded ? wa.added[i] : wb.added[i - wa.nadded];
    assert_true(v > 0 && v < 64);
    assert_false(seen[v]);
    seen[v] = true;
  }
  assert_true(wa.nadded + wb.nadded > 0);
  char want[16];
  snprintf(want, sizeof want, "%d", wa.nadded + wb.nadded);
  assert_held(sim, c, "counter", want, want);
  xs_sim_free(sim);
}

/* ------------------------------------------------------------------------ */
/* Site crash and restart                                                     */

/* xsim rule (xs_site_crash): a crash completes the site's operations in
 * flight - one waiting for its backup, one waiting for the key lock - with
 * XS_ESITEDOWN, and new ones are refused. */
static void crash_completes_inflight_ops(void **state) {
  bctx x;
  bctx_open(&x, &FAIL_13S, XS_TX_NONE);
  cut(&x);
  xt_result r1, r2;
  xt_put_async(x.sim, SA, x.c, "k", "v1", &r1);
  xt_put_async(x.sim, SA, x.c, "k", "v2", &r2);
  xs_sim_run_until(x.sim, xs_sim_now(x.sim) + 100);
  assert_false(r1.done || r2.done);
  assert_int_equal(xs_site_crash(x.sim, SA), 0);
  xt_wait(x.sim, &r1);
  xt_wait(x.sim, &r2);
  assert_int_equal(r1.status, XS_ESITEDOWN);
  assert_int_equal(r2.status, XS_ESITEDOWN);
  assert_int_equal(r1.completed_ms, 100);
  assert_false(xs_site_is_up(x.sim, SA));
  assert_false(xs_sim_cache_defined(x.sim, SA, x.c));
  xs_op op;
  xs_op_init(&op, XS_OP_GET, SA, x.c);
  op.key = (const uint8_t *)"k";
  op.key_len = 1;
  assert_int_equal(xs_op_submit(x.sim, &op, NULL, NULL), XS_ESITEDOWN);
  xt_settle(x.sim);
  xt_assert_value(x.sim, SB, x.c, "k", NULL);
  xs_sim_free(x.sim);
}

/* xsim rule (xs_site_restart): a restarted site comes back empty, with every
 * backup online and its counters reset, and replicates again; the surviving
 * site keeps its data. */
static void restart_empty_backups_online(void **state) {
  bctx x;
  bctx_open(&x, &FAIL_13S, XS_TX_NONE);
  char buf[64];
  assert_int_equal(xt_put(x.sim, SA, x.c, "k", "v").status, 0);
  assert_string_equal(xt_admin(x.sim, SA, x.c, XS_ADMIN_TAKE_OFFLINE, "site-b", buf, sizeof buf), "ok");
  assert_int_equal(xs_admin_site_status(x.sim, SA, x.c, SB), XS_SITE_OFFLINE);
  assert_int_equal(xs_site_crash(x.sim, SA), 0);
  xs_sim_run_until(x.sim, xs_sim_now(x.sim) + 1000);
  assert_int_equal(xs_site_restart(x.sim, SA), 0);
  assert_true(xs_sim_cache_defined(x.sim, SA, x.c));
  assert_int_equal(xs_cache_size(x.sim, SA, x.c), 0);
  assert_int_equal(xs_admin_site_status(x.sim, SA, x.c, SB), XS_SITE_ONLINE);
  xs_xsite_counters k = xt_counters(x.sim, SA, x.c, SB);
  assert_int_equal(k.backup_ok + k.failures_count, 0);
  xt_assert_value(x.sim, SB, x.c, "k", "v");
  assert_int_equal(xt_put(x.sim, SA, x.c, "k2", "v2").status, 0);
  xt_assert_value(x.sim, SB, x.c, "k2", "v2");
  xs_sim_free(x.sim);
}

/* xsim rule (xs_site_crash, reference 2.2): when the backup site crashes
 * under a write, the request is lost and the writer times out (ISPN000476);
 * the restarted site-b is empty. */
static void remote_crash_times_out(void **state) {
  bctx x;
  bctx_open(&x, &FAIL_4500MS, XS_TX_NONE);
  assert_int_equal(xt_put(x.sim, SA, x.c, "k0", "v0").status, 0);
  assert_int_equal(xs_site_crash(x.sim, SB), 0);
  xt_result r = xt_put(x.sim, SA, x.c, "k", "v");
  expect_policy_outcome(&x, &r);
  xt_assert_value(x.sim, SA, x.c, "k", "v");
  assert_int_equal(xs_site_restart(x.sim, SB), 0);
  assert_int_equal(xs_cache_size(x.sim, SB, x.c), 0);
  xs_sim_free(x.sim);
}

#define POLICY_ROWS(fn)                                                                          \
  cmocka_unit_test_prestate(fn, (void *)&FAIL_13S),                                              \
  cmocka_unit_test_prestate(fn, (void *)&FAIL_4500MS),                                           \
  cmocka_unit_test_prestate(fn, (void *)&FAIL_500MS),                                            \
  cmocka_unit_test_prestate(fn, (void *)&FAIL_1S),                                               \
  cmocka_unit_test_prestate(fn, (void *)&WARN_1500MS),                                           \
  cmocka_unit_test_prestate(fn, (void *)&IGNORE_2S)

int main(void) {
  const struct CMUnitTest tests[] = {
      POLICY_ROWS(nontx_put_failure),
      POLICY_ROWS(nontx_remove_failure),
      POLICY_ROWS(nontx_replace_failure),
      POLICY_ROWS(nontx_clear_failure),
      cmocka_unit_test(two_sites_fail_two_causes),
      cmocka_unit_test(tx_fail_during_backup_replay),
      cmocka_unit_test(tx_backup_timeout_rolls_back),
      cmocka_unit_test(tx_reply_lost_diverges),
      cmocka_unit_test(nontx_reply_lost_both_have_it),
      cmocka_unit_test(offline_site_skipped),
      cmocka_unit_test(received_writes_not_replicated),
      cmocka_unit_test(failed_conditionals_not_replicated),
      cmocka_unit_test(skip_xsite_backup_stays_local),
      cmocka_unit_test(fail_fast_suspect_after_view_drop),
      cmocka_unit_test(nontx_concurrent_writes_both_sites),
      cmocka_unit_test(zero_acquire_timeout_fails_on_arrival),
      cmocka_unit_test(local_concurrent_write_lock_timeout),
      cmocka_unit_test(lock_waits_fifo_leave_no_events),
      cmocka_unit_test(lock_wait_timeouts_exact_and_ordered),
      cmocka_unit_test(tx_concurrent_writes_deadlock),
      cmocka_unit_test(tx_concurrent_counter),
      cmocka_unit_test(crash_completes_inflight_ops),
      cmocka_unit_test(restart_empty_backups_online),
      cmocka_unit_test(remote_crash_times_out),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
