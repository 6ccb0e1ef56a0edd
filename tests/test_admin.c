/*
 * test_admin.c - the cross-site admin operations of a cache end to end:
 * site status, take-offline and bring-online, the take-offline
 * configuration, the state-transfer mode, the container-level ("all
 * caches") behaviour built from per-cache calls, what a clear does to the
 * backup sites, writes made while a site is offline, and the counters.
 *
 * Tests port the assertions of XSiteAdminOperationsTest,
 * GlobalXSiteAdminOpsTest, NonTxBackupFailureTest and NonTxOfflineTest
 * (core/src/test/java/org/infinispan/xsite), or a runbook pitfall of the
 * reference (section 7); each names its source.
 */
#include "test_util.h"

#include <stdio.h>
#include <string.h>

enum { LON = 0, NYC = 1, SFO = 2 };
#define CACHE 0
#define TIMEOUT_MS 4000

/* ------------------------------------------------------------------------ */
/* Topologies and helpers                                                     */

static const char *const site_names[] = {"LON", "NYC", "SFO"};

static void topo_init(xs_topology *t, int nsites) {
  memset(t, 0, sizeof *t);
  snprintf(t->name, sizeof t->name, "admin");
  t->nsites = nsites;
  t->link_latency_ms = 1;
  t->xsite_fd_timeout_ms = 15000;
  for (int s = 0; s < nsites; s++) {
    snprintf(t->sites[s].name, sizeof t->sites[s].name, "%s", site_names[s]);
    t->sites[s].nodes = 2;
  }
}

static xs_backup_cfg *add_backup(xs_cache_cfg *c, int site, xs_strategy st, xs_policy p) {
  xs_backup_cfg *b = &c->backups[c->nbackups++];
  xs_backup_cfg_defaults(b, site_names[site]);
  b->strategy = st;
  b->failure_policy = p;
  b->timeout_ms = TIMEOUT_MS;
  return b;
}

/* Two sites and one cache.  `to_nyc` is how LON backs up to NYC, `to_lon`
 * how NYC backs up to LON (each site's instance uses the other's entry). */
static xs_sim *two_sites(xs_strategy to_nyc, xs_strategy to_lon, xs_policy policy) {
  xs_topology t;
  topo_init(&t, 2);
  t.ncaches = 1;
  xs_cache_cfg_defaults(&t.caches[0], "xsiteCache");
  add_backup(&t.caches[0], LON, to_lon, to_lon == XS_STRATEGY_SYNC ? policy : XS_POLICY_WARN);
  add_backup(&t.caches[0], NYC, to_nyc, to_nyc == XS_STRATEGY_SYNC ? policy : XS_POLICY_WARN);
  return xt_sim_topo(&t, 7);
}

static const char *admin_c(xs_sim *sim, int site, int cache, xs_admin_kind kind, const char *remote) {
  static char buf[XS_MSG_BYTES_MAX];
  return xt_admin(sim, site, cache, kind, remote, buf, sizeof buf);
}

static const char *admin(xs_sim *sim, int site, xs_admin_kind kind, const char *remote) {
  return admin_c(sim, site, CACHE, kind, remote);
}

static int status(const xs_sim *sim, int site, int cache, int remote) {
  return xs_admin_site_status(sim, site, cache, remote);
}

static const char *peek_c(xs_sim *sim, int site, int cache, const char *key) {
  static char buf[2][128];
  static int which;
  which ^= 1;
  return xt_peek(sim, site, cache, key, buf[which], sizeof buf[which]);
}

static bool starts_with(const char *s, const char *prefix) {
  return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Collects the ISPN log lines the simulation prints. */
typedef struct log_buf {
  char text[4096];
} log_buf;

static void log_cb(void *ud, xs_ms time, int site, const char *line) {
  log_buf *l = ud;
  size_t n = strlen(l->text);
  snprintf(l->text + n, sizeof l->text - n, "%s|%s\n", site_names[site], line);
}

/* ------------------------------------------------------------------------ */
/* Site status and the take-offline configuration                            */

/* XSiteAdminOperationsTest.testSiteStatus and testStatus; take-offline and
 * bring-online answer "ok" when nothing changes too (TSOR_ALREADY_OFFLINE,
 * BSOR_ALREADY_ONLINE), and log ISPN100006 / ISPN100005 on a change. */
static void test_site_status(void **state) {
  xs_sim *sim = two_sites(XS_STRATEGY_ASYNC, XS_STRATEGY_SYNC, XS_POLICY_WARN);
  log_buf logs = {""};
  xs_sim_set_log(sim, log_cb, &logs);
  assert_int_equal(status(sim, LON, CACHE, NYC), XS_SITE_ONLINE);
  assert_string_equal(admin(sim, LON, XS_ADMIN_TAKE_OFFLINE, "NYC"), "ok");
  assert_int_equal(status(sim, LON, CACHE, NYC), XS_SITE_OFFLINE);
  assert_int_equal(status(sim, NYC, CACHE, LON), XS_SITE_ONLINE); /* per direction */
  assert_string_equal(admin(sim, LON, XS_ADMIN_TAKE_OFFLINE, "NYC"), "ok");
  assert_int_equal(status(sim, LON, CACHE, NYC), XS_SITE_OFFLINE);
  assert_string_equal(admin(sim, LON, XS_ADMIN_BRING_ONLINE, "NYC"), "ok");
  assert_int_equal(status(sim, LON, CACHE, NYC), XS_SITE_ONLINE);
  assert_string_equal(admin(sim, LON, XS_ADMIN_BRING_ONLINE, "NYC"), "ok");
  assert_int_equal(status(sim, LON, CACHE, NYC), XS_SITE_ONLINE);
  assert_string_equal(logs.text, "LON|ISPN100006: Site 'NYC' is offline.\n"
                                 "LON|ISPN100005: Site 'NYC' is online.\n");
  xs_sim_free(sim);
}

/* XSiteAdminOperationsTest.amendTakeOffline: (0, 0) by default; each change
 * is seen by later reads; the same values again change nothing. */
static void test_amend_take_offline(void **state) {
  xs_sim *sim = two_sites(XS_STRATEGY_ASYNC, XS_STRATEGY_SYNC, XS_POLICY_WARN);
  int32_t af = -1;
  xs_ms mw = -1;
  assert_int_equal(xs_admin_take_offline_get(sim, LON, CACHE, NYC, &af, &mw), 0);
  assert_int_equal(af, 0);
  assert_int_equal(mw, 0);
  assert_int_equal(xs_admin_take_offline_set(sim, LON, CACHE, NYC, 7, 12), 1);
  assert_int_equal(xs_admin_take_offline_get(sim, LON, CACHE, NYC, &af, &mw), 0);
  assert_int_equal(af, 7);
  assert_int_equal(mw, 12);
  assert_int_equal(xs_admin_take_offline_set(sim, LON, CACHE, NYC, 8, 12), 1);
  assert_int_equal(xs_admin_take_offline_set(sim, LON, CACHE, NYC, 8, 13), 1);
  assert_int_equal(xs_admin_take_offline_get(sim, LON, CACHE, NYC, &af, &mw), 0);
  assert_int_equal(af, 8);
  assert_int_equal(mw, 13);
  assert_int_equal(xs_admin_take_offline_set(sim, LON, CACHE, NYC, 8, 13), 0);
  /* The other direction keeps its own configuration. */
  assert_int_equal(xs_admin_take_offline_get(sim, NYC, CACHE, LON, &af, &mw), 0);
  assert_int_equal(af, 0);
  assert_int_equal(mw, 0);
  assert_int_equal(xs_admin_take_offline_get(sim, LON, CACHE, LON, &af, &mw), XS_ENOTBACKUP);
  xs_sim_free(sim);
}

/* runbook pitfall 8 (OfflineStatus.amend resets the status): changing the
 * take-offline configuration brings an offline site back online; setting
 * the same values again leaves it as it is. */
static void test_amend_brings_site_online(void **state) {
  xs_sim *sim = two_sites(XS_STRATEGY_SYNC, XS_STRATEGY_SYNC, XS_POLICY_FAIL);
  assert_string_equal(admin(sim, LON, XS_ADMIN_TAKE_OFFLINE, "NYC"), "ok");
  assert_int_equal(xs_admin_take_offline_set(sim, LON, CACHE, NYC, 5, 1000), 1);
  assert_int_equal(status(sim, LON, CACHE, NYC), XS_SITE_ONLINE);
  xs_xsite_counters c;
  assert_int_equal(xs_counters_get(sim, LON, CACHE, NYC, &c), 0);
  assert_int_equal(c.status, 1);
  /* Online for real: the next write is backed up. */
  assert_int_equal(xt_put(sim, LON, CACHE, "k", "v").status, 0);
  assert_string_equal(peek_c(sim, NYC, CACHE, "k"), "v");
  assert_string_equal(admin(sim, LON, XS_ADMIN_TAKE_OFFLINE, "NYC"), "ok");
  assert_int_equal(xs_admin_take_offline_set(sim, LON, CACHE, NYC, 5, 1000), 0);
  assert_int_equal(status(sim, LON, CACHE, NYC), XS_SITE_OFFLINE);
  xs_sim_free(sim);
}

/* XSiteAdminOperationsTest.testStateTransferMode (LON->NYC ASYNC,
 * NYC->LON SYNC): MANUAL by default; AUTO only on the ASYNC backup - the
 * SYNC one refuses with ISPN000634 and keeps MANUAL; setting the mode it
 * already has answers false. */
static void test_state_transfer_mode(void **state) {
  xs_sim *sim = two_sites(XS_STRATEGY_ASYNC, XS_STRATEGY_SYNC, XS_POLICY_WARN);
  assert_int_equal(xs_admin_st_mode_get(sim, LON, CACHE, NYC), XS_ST_MANUAL);
  assert_int_equal(xs_admin_st_mode_get(sim, NYC, CACHE, LON), XS_ST_MANUAL);
  assert_int_equal(xs_admin_st_mode_set(sim, LON, CACHE, NYC, XS_ST_AUTO), 1);
  assert_int_equal(xs_admin_st_mode_get(sim, LON, CACHE, NYC), XS_ST_AUTO);
  assert_int_equal(xs_admin_st_mode_get(sim, NYC, CACHE, LON), XS_ST_MANUAL);
  assert_int_equal(xs_admin_st_mode_set(sim, NYC, CACHE, LON, XS_ST_AUTO), XS_ECONFIG);
  assert_string_equal(xs_sim_last_error(sim),
                      "ISPN000634: Cross-site automatic state transfer is not compatible with "
                      "SYNC backup strategy.");
  assert_int_equal(xs_admin_st_mode_get(sim, LON, CACHE, NYC), XS_ST_AUTO);
  assert_int_equal(xs_admin_st_mode_get(sim, NYC, CACHE, LON), XS_ST_MANUAL);
  assert_int_equal(xs_admin_st_mode_set(sim, LON, CACHE, NYC, XS_ST_MANUAL), 1);
  assert_int_equal(xs_admin_st_mode_get(sim, LON, CACHE, NYC), XS_ST_MANUAL);
  assert_int_equal(xs_admin_st_mode_set(sim, LON, CACHE, NYC, XS_ST_MANUAL), 0);
  assert_int_equal(xs_admin_st_mode_set(sim, NYC, CACHE, LON, XS_ST_MANUAL), 0);
  xs_sim_free(sim);
}

/* XSiteAdminOperationsTest.testSitesView: each site sees both sites; a cut
 * link drops the remote from the view after the failure-detection time. */
static void test_sites_view(void **state) {
  xs_sim *sim = two_sites(XS_STRATEGY_SYNC, XS_STRATEGY_SYNC, XS_POLICY_WARN);
  for (int s = LON; s <= NYC; s++)
    for (int r = LON; r <= NYC; r++) assert_true(xs_site_view_has(sim, s, r));
  assert_int_equal(xs_link_set_up(sim, NYC, LON, false), 0);
  xs_sim_run_until(sim, xs_sim_now(sim) + 15000);
  assert_false(xs_site_view_has(sim, LON, NYC));
  assert_true(xs_site_view_has(sim, NYC, LON));
  /* Leaving the view does not take the site offline (reference 2.2). */
  assert_int_equal(status(sim, LON, CACHE, NYC), XS_SITE_ONLINE);
  xs_sim_free(sim);
}

/* ------------------------------------------------------------------------ */
/* Container level: every cache with backups (GlobalXSiteAdminOpsTest)       */

/* GlobalXSiteAdminOpsTest's caches, all SYNC: the default cache backs up to
 * site 1 (NYC), one cache to site 2 (SFO), one to both, one to none. */
enum { C_DEFAULT, C_TO_SFO, C_TO_BOTH, C_NONE, NCACHES };
static const int nyc_caches[] = {C_DEFAULT, C_TO_BOTH}; /* back up to NYC */
static const int sfo_caches[] = {C_TO_SFO, C_TO_BOTH};  /* back up to SFO */

static xs_sim *global_sim(void) {
  static const char *const names[] = {"default", "BACKUP_TO_SITE_2", "BACKUP_TO_SITE_1_AND_2",
                                      "NO_BACKUP"};
  static const uint32_t masks[] = {1u << LON | 1u << NYC, 1u << LON | 1u << SFO, 7u, 1u << LON};
  xs_topology t;
  topo_init(&t, 3);
  t.ncaches = NCACHES;
  for (int c = 0; c < NCACHES; c++) {
    xs_cache_cfg_defaults(&t.caches[c], names[c]);
    t.caches[c].mode = XS_MODE_REPL;
    t.caches[c].site_mask = masks[c];
  }
  add_backup(&t.caches[C_DEFAULT], NYC, XS_STRATEGY_SYNC, XS_POLICY_WARN);
  add_backup(&t.caches[C_TO_SFO], SFO, XS_STRATEGY_SYNC, XS_POLICY_WARN);
  add_backup(&t.caches[C_TO_BOTH], NYC, XS_STRATEGY_SYNC, XS_POLICY_WARN);
  add_backup(&t.caches[C_TO_BOTH], SFO, XS_STRATEGY_SYNC, XS_POLICY_WARN);
  return xt_sim_topo(&t, 11);
}

/* The container-level operation on LON as GlobalXSiteAdminOperations builds
 * it: every cache that has backups answers, "<cache>=<result>;" in cache
 * order; a cache without backups is absent. */
static const char *all_caches(xs_sim *sim, xs_admin_kind kind, const char *remote) {
  static char out[1024];
  out[0] = 0;
  for (int c = 0; c < NCACHES; c++) {
    if (xs_admin_backup_index(sim, LON, c, LON) == XS_ENOBACKUPS) continue;
    size_t n = strlen(out);
    snprintf(out + n, sizeof out - n, "%s=%s;", xs_sim_cache_name(sim, c),
             admin_c(sim, LON, c, kind, remote));
  }
  return out;
}

/* GlobalXSiteAdminOpsTest.setSitesStatus and assertSiteStatusInAllCaches. */
static void set_all(xs_sim *sim, bool online) {
  xs_admin_kind k = online ? XS_ADMIN_BRING_ONLINE : XS_ADMIN_TAKE_OFFLINE;
  assert_string_equal(admin_c(sim, LON, C_DEFAULT, k, "NYC"), "ok");
  assert_string_equal(admin_c(sim, LON, C_TO_BOTH, k, "NYC"), "ok");
  assert_string_equal(admin_c(sim, LON, C_TO_BOTH, k, "SFO"), "ok");
  assert_string_equal(admin_c(sim, LON, C_TO_SFO, k, "SFO"), "ok");
}

static void assert_statuses(xs_sim *sim, int to_nyc, int to_sfo) {
  assert_int_equal(status(sim, LON, C_DEFAULT, NYC), to_nyc);
  assert_int_equal(status(sim, LON, C_TO_BOTH, NYC), to_nyc);
  assert_int_equal(status(sim, LON, C_TO_BOTH, SFO), to_sfo);
  assert_int_equal(status(sim, LON, C_TO_SFO, SFO), to_sfo);
}

static void put_all(xs_sim *sim) {
  for (int c = 0; c < NCACHES; c++) assert_int_equal(xt_put(sim, LON, c, "k", "v").status, 0);
  for (int c = 0; c < NCACHES; c++) assert_string_equal(peek_c(sim, LON, c, "k"), "v");
}

/* Whether the backups hold the key: NYC's two caches, then SFO's two. */
static void assert_backups(xs_sim *sim, bool nyc, bool sfo) {
  for (int i = 0; i < 2; i++) {
    int c = nyc_caches[i];
    if (nyc) assert_string_equal(peek_c(sim, NYC, c, "k"), "v");
    else assert_int_equal(xs_cache_size(sim, NYC, c), 0);
  }
  for (int i = 0; i < 2; i++) {
    int c = sfo_caches[i];
    if (sfo) assert_string_equal(peek_c(sim, SFO, c, "k"), "v");
    else assert_int_equal(xs_cache_size(sim, SFO, c), 0);
  }
}

/* GlobalXSiteAdminOpsTest.testTakeSiteOffline. */
static void test_global_take_offline(void **state) {
  xs_sim *sim = global_sim();
  assert_statuses(sim, XS_SITE_ONLINE, XS_SITE_ONLINE);
  assert_string_equal(all_caches(sim, XS_ADMIN_TAKE_OFFLINE, "NYC"),
                      "default=ok;BACKUP_TO_SITE_2=Incorrect site name: NYC;"
                      "BACKUP_TO_SITE_1_AND_2=ok;");
  assert_statuses(sim, XS_SITE_OFFLINE, XS_SITE_ONLINE);
  put_all(sim);
  assert_backups(sim, false, true);
  xs_sim_free(sim);
}

/* GlobalXSiteAdminOpsTest.testBringSiteOnline. */
static void test_global_bring_online(void **state) {
  xs_sim *sim = global_sim();
  set_all(sim, false);
  assert_statuses(sim, XS_SITE_OFFLINE, XS_SITE_OFFLINE);
  assert_string_equal(all_caches(sim, XS_ADMIN_BRING_ONLINE, "NYC"),
                      "default=ok;BACKUP_TO_SITE_2=Incorrect site name: NYC;"
                      "BACKUP_TO_SITE_1_AND_2=ok;");
  assert_statuses(sim, XS_SITE_ONLINE, XS_SITE_OFFLINE);
  put_all(sim);
  assert_backups(sim, true, false);
  xs_sim_free(sim);
}

/* GlobalXSiteAdminOpsTest.testPushState: the push brings each cache's site
 * online and sends the data there only. */
static void test_global_push_state(void **state) {
  xs_sim *sim = global_sim();
  set_all(sim, false);
  put_all(sim);
  assert_backups(sim, false, false);
  assert_string_equal(all_caches(sim, XS_ADMIN_PUSH_STATE, "NYC"),
                      "default=ok;BACKUP_TO_SITE_2=Unable to pushState to 'NYC'. Incorrect site "
                      "name: NYC;BACKUP_TO_SITE_1_AND_2=ok;");
  xt_settle(sim);
  assert_statuses(sim, XS_SITE_ONLINE, XS_SITE_OFFLINE);
  assert_backups(sim, true, false);
  assert_string_equal(all_caches(sim, XS_ADMIN_PUSH_STATE, "SFO"),
                      "default=Unable to pushState to 'SFO'. Incorrect site name: SFO;"
                      "BACKUP_TO_SITE_2=ok;BACKUP_TO_SITE_1_AND_2=ok;");
  xt_settle(sim);
  assert_statuses(sim, XS_SITE_ONLINE, XS_SITE_ONLINE);
  assert_backups(sim, true, true);
  xs_sim_free(sim);
}

static void admin_cb(xs_sim *sim, void *ud, const xs_admin_result *r) { (*(int *)ud)++; }

/* GlobalXSiteAdminOpsTest.testCancelPushState: push to NYC and cancel it
 * before any state moved; NYC was brought online, SFO stays offline, and
 * nothing reached either. */
static void test_global_cancel_push_state(void **state) {
  xs_sim *sim = global_sim();
  set_all(sim, false);
  put_all(sim);
  int answers = 0;
  for (int i = 0; i < 2; i++)
    assert_int_equal(xs_admin_submit(sim, LON, nyc_caches[i], XS_ADMIN_PUSH_STATE, "NYC", admin_cb,
                                     &answers), 0);
  for (int i = 0; i < 2; i++)
    assert_int_equal(xs_admin_submit(sim, LON, nyc_caches[i], XS_ADMIN_CANCEL_PUSH_STATE, "NYC",
                                     admin_cb, &answers), 0);
  xt_settle(sim);
  assert_int_equal(answers, 4);
  assert_statuses(sim, XS_SITE_ONLINE, XS_SITE_OFFLINE);
  assert_int_equal(xs_admin_push_status(sim, LON, C_DEFAULT, NYC), XS_PUSH_CANCELED);
  assert_int_equal(xs_admin_push_status(sim, LON, C_TO_BOTH, NYC), XS_PUSH_CANCELED);
  assert_backups(sim, false, false);
  xs_sim_free(sim);
}

/* GlobalXSiteAdminOpsTest / reference 3.1, runbook pitfall 5: a cache with
 * no backups has no admin operations (REST 404, absent from "all caches");
 * a site the cache does not back up to is an "Incorrect site name". */
static void test_no_backups_and_unknown_site(void **state) {
  xs_sim *sim = global_sim();
  int answers = 0;
  assert_int_equal(xs_admin_submit(sim, LON, C_NONE, XS_ADMIN_TAKE_OFFLINE, "NYC", admin_cb, &answers),
                   XS_ENOBACKUPS);
  assert_int_equal(xs_admin_site_status(sim, LON, C_NONE, NYC), XS_ENOBACKUPS);
  assert_int_equal(xs_admin_push_status(sim, LON, C_NONE, NYC), XS_ENOBACKUPS);
  assert_int_equal(xs_admin_site_status(sim, NYC, C_DEFAULT, LON), XS_ENOBACKUPS);
  assert_int_equal(xs_admin_site_status(sim, NYC, C_NONE, LON), XS_ENOCACHE);
  assert_int_equal(xs_admin_site_status(sim, LON, C_DEFAULT, SFO), XS_ENOTBACKUP);
  assert_int_equal(xs_admin_backup_index(sim, LON, C_TO_BOTH, SFO), SFO);
  xt_settle(sim);
  assert_int_equal(answers, 0);
  assert_string_equal(admin_c(sim, LON, C_DEFAULT, XS_ADMIN_TAKE_OFFLINE, "SFO"),
                      "Incorrect site name: SFO");
  assert_string_equal(admin_c(sim, LON, C_DEFAULT, XS_ADMIN_BRING_ONLINE, "x"),
                      "Incorrect site name: x");
  assert_string_equal(admin_c(sim, LON, C_DEFAULT, XS_ADMIN_PUSH_STATE, "SFO"),
                      "Unable to pushState to 'SFO'. Incorrect site name: SFO");
  assert_int_equal(status(sim, LON, C_DEFAULT, NYC), XS_SITE_ONLINE);
  xs_sim_free(sim);
}

/* ------------------------------------------------------------------------ */
/* Clear                                                                      */

static void put_three(xs_sim *sim, int site) {
  assert_int_equal(xt_put(sim, site, CACHE, "a", "1").status, 0);
  assert_int_equal(xt_put(sim, site, CACHE, "b", "2").status, 0);
  assert_int_equal(xt_put(sim, site, CACHE, "c", "3").status, 0);
}

/* runbook pitfall 1 (reference 6), AsyncBackupTest.testClear: a clear with
 * the backup ONLINE wipes the backup site too, SYNC or ASYNC. */
static void test_clear_online_wipes_both(void **state) {
  for (int async = 0; async <= 1; async++) {
    xs_strategy st = async ? XS_STRATEGY_ASYNC : XS_STRATEGY_SYNC;
    xs_sim *sim = two_sites(st, st, XS_POLICY_FAIL);
    put_three(sim, LON);
    xt_settle(sim);
    assert_int_equal(xs_cache_size(sim, NYC, CACHE), 3);
    xt_result r = xt_clear(sim, LON, CACHE);
    assert_int_equal(r.status, 0);
    xt_settle(sim);
    assert_int_equal(xs_cache_size(sim, LON, CACHE), 0);
    assert_int_equal(xs_cache_size(sim, NYC, CACHE), 0);
    xs_sim_free(sim);
  }
}

/* reference 6 and the resync runbook's step 4: with the backup OFFLINE the
 * clear is local only, and bringing the site online never replays it. */
static void test_clear_offline_local_only(void **state) {
  for (int async = 0; async <= 1; async++) {
    xs_strategy st = async ? XS_STRATEGY_ASYNC : XS_STRATEGY_SYNC;
    xs_sim *sim = two_sites(st, st, XS_POLICY_FAIL);
    put_three(sim, LON);
    xt_settle(sim);
    assert_string_equal(admin(sim, LON, XS_ADMIN_TAKE_OFFLINE, "NYC"), "ok");
    assert_int_equal(xt_clear(sim, LON, CACHE).status, 0);
    xt_settle(sim);
    assert_int_equal(xs_cache_size(sim, LON, CACHE), 0);
    assert_int_equal(xs_cache_size(sim, NYC, CACHE), 3);
    assert_string_equal(admin(sim, LON, XS_ADMIN_BRING_ONLINE, "NYC"), "ok");
    xt_settle(sim);
    assert_int_equal(xs_cache_size(sim, NYC, CACHE), 3);
    xs_sim_free(sim);
  }
}

/* reference 6 (REST 'flags: SKIP_XSITE_BACKUP'): a clear with the flag is
 * local even with the backup online. */
static void test_clear_skip_xsite_backup(void **state) {
  xs_sim *sim = two_sites(XS_STRATEGY_SYNC, XS_STRATEGY_SYNC, XS_POLICY_FAIL);
  put_three(sim, LON);
  xs_op op;
  xs_op_init(&op, XS_OP_CLEAR, LON, CACHE);
  op.flags = XS_FLAG_SKIP_XSITE_BACKUP;
  assert_int_equal(xt_op(sim, &op).status, 0);
  xt_settle(sim);
  assert_int_equal(xs_cache_size(sim, LON, CACHE), 0);
  assert_int_equal(xs_cache_size(sim, NYC, CACHE), 3);
  xs_sim_free(sim);
}

/* NonTxBackupFailureTest.testClearFailure and testPutFailure: under
 * SYNC+FAIL with the backup unreachable the caller gets ISPN000709, yet the
 * local write stays and the backup site is untouched. */
static void test_fail_policy_link_down(void **state) {
  xs_sim *sim = two_sites(XS_STRATEGY_SYNC, XS_STRATEGY_SYNC, XS_POLICY_FAIL);
  put_three(sim, LON);
  assert_int_equal(xs_partition(sim, LON, NYC, false), 0);
  xt_result r = xt_clear(sim, LON, CACHE);
  assert_int_equal(r.status, XS_EBACKUP);
  assert_true(starts_with(r.error, "ISPN000709: Failed to backup cache `xsiteCache` to one or more "
                                   "remote sites: ISPN000476: Timed out waiting for responses for "
                                   "request "));
  assert_non_null(strstr(r.error, " from NYC after 4 seconds"));
  assert_int_equal(xs_cache_size(sim, LON, CACHE), 0);
  assert_int_equal(xs_cache_size(sim, NYC, CACHE), 3);
  r = xt_put(sim, LON, CACHE, "k", "v");
  assert_int_equal(r.status, XS_EBACKUP);
  assert_true(starts_with(r.error, "ISPN000709: "));
  assert_string_equal(peek_c(sim, LON, CACHE, "k"), "v");
  assert_null(peek_c(sim, NYC, CACHE, "k"));
  xs_sim_free(sim);
}

/* ------------------------------------------------------------------------ */
/* Offline writes and counters                                                */

/* runbook pitfalls 6 and 2: writes made while NYC was offline are never
 * replayed by bring-online; a push sends what LON has, and deletes nothing. */
static void test_offline_writes_not_replayed(void **state) {
  xs_sim *sim = two_sites(XS_STRATEGY_SYNC, XS_STRATEGY_SYNC, XS_POLICY_FAIL);
  put_three(sim, LON);
  assert_string_equal(admin(sim, LON, XS_ADMIN_TAKE_OFFLINE, "NYC"), "ok");
  assert_int_equal(xt_put(sim, LON, CACHE, "new", "n").status, 0);
  assert_true(xt_remove(sim, LON, CACHE, "a").found);
  assert_string_equal(admin(sim, LON, XS_ADMIN_BRING_ONLINE, "NYC"), "ok");
  xt_settle(sim);
  assert_null(peek_c(sim, NYC, CACHE, "new"));
  assert_string_equal(peek_c(sim, NYC, CACHE, "a"), "1");
  assert_string_equal(admin(sim, LON, XS_ADMIN_PUSH_STATE, "NYC"), "ok");
  xt_settle(sim);
  assert_string_equal(peek_c(sim, NYC, CACHE, "new"), "n");
  assert_string_equal(peek_c(sim, NYC, CACHE, "a"), "1");
  xs_sim_free(sim);
}

static xs_xsite_counters counters(const xs_sim *sim, int site, int remote) {
  xs_xsite_counters c;
  memset(&c, 0, sizeof c);
  assert_int_equal(xs_counters_get(sim, site, CACHE, remote, &c), 0);
  return c;
}

/* NonTxOfflineTest (after-failures 3) with xs_counters_get: three failing
 * puts throw and the third takes NYC offline; then puts succeed locally
 * without being sent; after bring-online they fail again. */
static void test_counters_and_auto_offline(void **state) {
  xs_sim *sim = two_sites(XS_STRATEGY_SYNC, XS_STRATEGY_SYNC, XS_POLICY_FAIL);
  assert_int_equal(xs_admin_take_offline_set(sim, LON, CACHE, NYC, 3, 0), 1);
  assert_int_equal(xt_put(sim, LON, CACHE, "ok", "v").status, 0);
  assert_int_equal(counters(sim, LON, NYC).backup_ok, 1);
  assert_int_equal(xs_partition(sim, LON, NYC, false), 0);
  xs_ms first = xs_sim_now(sim);
  for (int i = 0; i < 3; i++) {
    assert_int_equal(xt_put(sim, LON, CACHE, "k", "v").status, XS_EBACKUP);
    xs_xsite_counters c = counters(sim, LON, NYC);
    assert_int_equal(c.failures_count, i + 1);
    assert_int_equal(c.backup_failures, i + 1);
    assert_int_equal(c.millis_since_first_failure, xs_sim_now(sim) - first);
    assert_int_equal(c.status, i < 2 ? 1 : 0);
  }
  assert_int_equal(status(sim, LON, CACHE, NYC), XS_SITE_OFFLINE);
  xt_result r = xt_put(sim, LON, CACHE, "k2", "v");
  assert_int_equal(r.status, 0);
  assert_int_equal(r.completed_ms, r.invoked_ms); /* nothing was sent */
  assert_int_equal(counters(sim, LON, NYC).backup_failures, 3);
  assert_string_equal(admin(sim, LON, XS_ADMIN_BRING_ONLINE, "NYC"), "ok");
  xs_xsite_counters c = counters(sim, LON, NYC);
  assert_int_equal(c.failures_count, 0);
  assert_int_equal(c.millis_since_first_failure, 0);
  assert_int_equal(c.status, 1);
  assert_int_equal(xt_put(sim, LON, CACHE, "k3", "v").status, XS_EBACKUP);
  xs_xsite_counters bad;
  assert_int_equal(xs_counters_get(sim, LON, CACHE, LON, &bad), XS_ENOTBACKUP);
  assert_int_equal(xs_counters_get(sim, LON, CACHE, 5, &bad), XS_ENOSITE);
  xs_sim_free(sim);
}

/* OfflineStatusTest (reference 2.1): with take-offline disabled (0, 0) the
 * failures are not even counted, and the site never goes offline; the
 * backup counters still see every failed request. */
static void test_counters_take_offline_disabled(void **state) {
  xs_sim *sim = two_sites(XS_STRATEGY_SYNC, XS_STRATEGY_SYNC, XS_POLICY_WARN);
  assert_int_equal(xs_partition(sim, LON, NYC, false), 0);
  for (int i = 0; i < 4; i++) {
    xt_result r = xt_put(sim, LON, CACHE, "k", "v");
    assert_int_equal(r.status, 0);
    assert_true(r.warned);
  }
  xs_xsite_counters c = counters(sim, LON, NYC);
  assert_int_equal(c.failures_count, 0);
  assert_int_equal(c.millis_since_first_failure, 0);
  assert_int_equal(c.backup_failures, 4);
  assert_int_equal(c.backup_ok, 0);
  assert_int_equal(c.status, 1);
  xs_sim_free(sim);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_site_status),
    cmocka_unit_test(test_amend_take_offline),
    cmocka_unit_test(test_amend_brings_site_online),
    cmocka_unit_test(test_state_transfer_mode),
    cmocka_unit_test(test_sites_view),
    cmocka_unit_test(test_global_take_offline),
    cmocka_unit_test(test_global_bring_online),
    cmocka_unit_test(test_global_push_state),
    cmocka_unit_test(test_global_cancel_push_state),
    cmocka_unit_test(test_no_backups_and_unknown_site),
    cmocka_unit_test(test_clear_online_wipes_both),
    cmocka_unit_test(test_clear_offline_local_only),
    cmocka_unit_test(test_clear_skip_xsite_backup),
    cmocka_unit_test(test_fail_policy_link_down),
    cmocka_unit_test(test_offline_writes_not_replayed),
    cmocka_unit_test(test_counters_and_auto_offline),
    cmocka_unit_test(test_counters_take_offline_disabled),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
