/*
 * test_state_file.c - `--save-state` / `--load-state` (harness/state_file.h,
 * sim/snapshot.h): a simulation saved to sqlite3 and loaded back has the
 * same clock, seed, sites, views, links, entries (with their metadata and
 * IRAC versions) and backup states; a file that is not a state file, or is
 * of another schema version, is refused with a message.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "snapshot.h"
#include "state_file.h"
#include "test_util.h"

#define DUMP_BYTES_MAX (1u << 20) /* one (site, cache)'s entries as text */

typedef struct dump {
  char *buf;
  size_t len;
} dump;

static int dump_entry(void *ud, const xs_snap_entry *e) {
  dump *d = ud;
  int n = snprintf(d->buf + d->len, DUMP_BYTES_MAX - d->len, "%.*s=%.*s v%u e%lld i%lld u%lld s%d",
                   (int)e->key_len, (const char *)e->key, (int)e->value_len, (const char *)e->value,
                   (unsigned)e->vtype, (long long)e->expire_ms, (long long)e->max_idle_ms,
                   (long long)e->last_used_ms, e->has_irac ? e->irac_site : -9);
  d->len += (size_t)n;
  for (int i = 0; e->has_irac && i < XS_SITES_MAX; i++)
    d->len += (size_t)snprintf(d->buf + d->len, DUMP_BYTES_MAX - d->len, " %u:%u", e->irac_topology[i],
                               e->irac_counter[i]);
  d->len += (size_t)snprintf(d->buf + d->len, DUMP_BYTES_MAX - d->len, "\n");
  return 0;
}

/* Every (site, cache)'s entries, backup states and IRAC max version, and
 * the sites, views and links, as one text. */
static char *describe(const xs_sim *sim) {
  dump d = {calloc(1, DUMP_BYTES_MAX), 0};
  assert_non_null(d.buf);
  const xs_topology *t = xs_sim_topology(sim);
  d.len += (size_t)snprintf(d.buf, DUMP_BYTES_MAX, "now %lld seed %llu\n", (long long)xs_sim_now(sim),
                            (unsigned long long)xs_sim_seed(sim));
  for (int s = 0; s < t->nsites; s++) {
    d.len += (size_t)snprintf(d.buf + d.len, DUMP_BYTES_MAX - d.len, "site %d up %d\n", s, xs_site_is_up(sim, s));
    for (int r = 0; r < t->nsites; r++) {
      bool up = false;
      xs_ms lat = 0, jit = 0;
      double loss = 0;
      if (r != s) assert_int_equal(xs_link_get(sim, s, r, &up, &lat, &jit, &loss), 0);
      d.len += (size_t)snprintf(d.buf + d.len, DUMP_BYTES_MAX - d.len, "link %d>%d %d %lld %lld %g view %d\n", s,
                                r, up, (long long)lat, (long long)jit, loss, xs_site_view_has(sim, s, r));
    }
    for (int c = 0; c < t->ncaches; c++) {
      uint32_t tv[XS_SITES_MAX], cv[XS_SITES_MAX];
      if (xs_snap_cache_version_get(sim, s, c, tv, cv) == 0)
        d.len += (size_t)snprintf(d.buf + d.len, DUMP_BYTES_MAX - d.len, "cache %d/%d max %u:%u %u:%u\n", s, c,
                                  tv[0], cv[0], tv[1], cv[1]);
      for (int r = 0; r < t->nsites; r++) {
        xs_snap_backup b;
        if (xs_snap_backup_get(sim, s, c, r, &b) < 0) continue;
        d.len += (size_t)snprintf(d.buf + d.len, DUMP_BYTES_MAX - d.len, "backup %d/%d>%d off %d %d %lld %lld %lld %s %d\n",
                                  s, c, r, b.offline, b.after_failures, (long long)b.min_wait_ms,
                                  (long long)b.first_failure_ms, (long long)b.failure_count,
                                  xs_push_status_text(b.push), (int)b.st_mode);
      }
      assert_int_equal(xs_snap_entries(sim, s, c, dump_entry, &d), 0);
    }
  }
  return d.buf;
}

/* keycloak-ha with `work` backed up ASYNC (WARN), so entries carry IRAC versions. */
static xs_sim *make(void) {
  xs_topology t;
  assert_int_equal(xs_topology_preset("keycloak-ha", &t), 0);
  for (int c = 0; c < t.ncaches; c++)
    if (strcmp(t.caches[c].name, "work") == 0)
      for (int b = 0; b < t.caches[c].nbackups; b++) {
        t.caches[c].backups[b].strategy = XS_STRATEGY_ASYNC;
        t.caches[c].backups[b].failure_policy = XS_POLICY_WARN;
      }
  return xt_sim_topo(&t, 42);
}

static void tmp_path(char *buf, size_t len) {
  snprintf(buf, len, "%s/xsim-state-test-%d.db", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", (int)getpid());
}

static void test_round_trip(void **state) {
  (void)state;
  xs_sim *sim = make();
  int a = xt_site(sim, "site-a"), b = xt_site(sim, "site-b");
  int sessions = xt_cache(sim, "sessions"), work = xt_cache(sim, "work");
  xt_put(sim, a, sessions, "s1", "before");
  xt_put(sim, a, work, "w1", "async");
  xs_op op;
  xs_op_init(&op, XS_OP_PUT, a, sessions);
  op.key = (const uint8_t *)"ttl";
  op.key_len = 3;
  op.value = (const uint8_t *)"expires";
  op.value_len = 7;
  op.lifespan_ms = 3600000;
  op.vtype = 3;
  xt_op(sim, &op);
  xt_settle(sim);
  char buf[256];
  xt_admin(sim, a, sessions, XS_ADMIN_TAKE_OFFLINE, "site-b", buf, sizeof buf);
  xt_put(sim, a, sessions, "s2", "during-split");
  xt_put(sim, a, work, "w2", "during-split");
  xt_remove(sim, a, sessions, "s1");
  assert_int_equal(xs_admin_take_offline_set(sim, b, work, a, 3, 60000), 1);
  assert_int_equal(xs_link_set_latency(sim, a, b, 7, 2), 0);
  assert_int_equal(xs_link_set_loss(sim, b, a, 0.25), 0);
  xt_settle(sim);
  xs_sim_run_until(sim, xs_sim_now(sim) + 1234);

  char path[512], err[512];
  tmp_path(path, sizeof path);
  assert_int_equal(xs_state_save(sim, path, "test@here", err, sizeof err), 0);
  xs_sim *back = NULL;
  xs_state_info info;
  assert_int_equal(xs_state_load(path, &back, &info, err, sizeof err), 0);
  assert_string_equal(info.source, "test@here");
  assert_int_equal(info.time_ms, xs_sim_now(sim));
  char *want = describe(sim), *got = describe(back);
  assert_string_equal(got, want);
  assert_non_null(strstr(want, "ttl=expires v3"));
  assert_non_null(strstr(want, "backup 0/"));
  const char *w2 = strstr(want, "w2=during-split");
  assert_non_null(w2);
  char line[256];
  snprintf(line, sizeof line, "%.*s", (int)strcspn(w2, "\n"), w2);
  assert_null(strstr(line, " s-9")); /* an ASYNC cache's entry has its IRAC version */
  if (getenv("XSIM_TEST_VERBOSE")) fputs(want, stderr);
  free(want);
  free(got);
  /* The loaded pair works: replication to site-b is offline, bring it online. */
  assert_int_equal(xs_admin_site_status(back, a, sessions, b), XS_SITE_OFFLINE);
  xt_put(back, a, work, "w3", "after-load");
  xt_settle(back);
  assert_non_null(xt_peek(back, b, work, "w3", buf, sizeof buf));
  xs_sim_free(back);
  xs_sim_free(sim);
  unlink(path);
}

static void test_refused(void **state) {
  (void)state;
  char path[512], err[512];
  tmp_path(path, sizeof path);
  xs_sim *out = NULL;
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs("not a database", f);
  fclose(f);
  assert_true(xs_state_load(path, &out, NULL, err, sizeof err) < 0);
  assert_null(out);
  assert_non_null(strstr(err, path));
  xs_sim *sim = make();
  assert_int_equal(xs_state_save(sim, path, "", err, sizeof err), 0);
  sqlite3 *db;
  assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
  assert_int_equal(sqlite3_exec(db, "UPDATE meta SET value = '99' WHERE key = 'schema_version'", NULL, NULL, NULL),
                   SQLITE_OK);
  sqlite3_close(db);
  assert_true(xs_state_load(path, &out, NULL, err, sizeof err) < 0);
  assert_non_null(strstr(err, "schema version 99"));
  assert_true(xs_state_load("/nonexistent/dir/x.db", &out, NULL, err, sizeof err) < 0);
  xs_sim_free(sim);
  unlink(path);
}

/* An entry's IRAC version that names a site the topology lacks (in its
 * producing site or in a component) cannot come from this simulation: the
 * load refuses it rather than dropping the component. */
static void test_refused_foreign_version(void **state) {
  (void)state;
  static const char *const edits[] = {
      "UPDATE entries SET irac_version = ? WHERE irac_version IS NOT NULL",
      "UPDATE entries SET irac_site = ? WHERE irac_version IS NOT NULL",
  };
  char path[512], err[512];
  tmp_path(path, sizeof path);
  for (size_t k = 0; k < sizeof edits / sizeof edits[0]; k++) {
    xs_sim *sim = make(), *out = NULL;
    int last = XS_SITES_MAX - 1;
    assert_true(xs_sim_topology(sim)->nsites <= last);
    xt_put(sim, xt_site(sim, "site-a"), xt_cache(sim, "work"), "w1", "async");
    xt_settle(sim);
    assert_int_equal(xs_state_save(sim, path, "", err, sizeof err), 0);
    /* The blob is the topologies, then the counters: the last site at 1:1. */
    uint32_t blob[2 * XS_SITES_MAX] = {0};
    blob[last] = blob[XS_SITES_MAX + last] = 1;
    sqlite3 *db;
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, edits[k], -1, &st, NULL), SQLITE_OK);
    if (k == 0) assert_int_equal(sqlite3_bind_blob(st, 1, blob, (int)sizeof blob, SQLITE_STATIC), SQLITE_OK);
    else assert_int_equal(sqlite3_bind_int(st, 1, last), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_DONE);
    assert_true(sqlite3_changes(db) > 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    assert_true(xs_state_load(path, &out, NULL, err, sizeof err) < 0);
    assert_null(out);
    assert_non_null(strstr(err, "a saved entry"));
    xs_sim_free(sim);
    unlink(path);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_round_trip),
      cmocka_unit_test(test_refused),
      cmocka_unit_test(test_refused_foreign_version),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
