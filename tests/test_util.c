/* test_util.c - helpers shared by the unit tests (see test_util.h). */
#include "test_util.h"

#include <stdio.h>
#include <string.h>

xs_sim *xt_sim_topo(const xs_topology *t, uint64_t seed) {
  char err[XS_MSG_BYTES_MAX] = "";
  xs_sim *sim = xs_sim_new(t, seed, err, sizeof err);
  if (!sim) fail_msg("xs_sim_new: %s", err);
  return sim;
}

xs_sim *xt_sim(const char *preset, uint64_t seed) {
  xs_topology t;
  assert_int_equal(xs_topology_preset(preset, &t), 0);
  return xt_sim_topo(&t, seed);
}

xs_cache_cfg *xt_topo_one_cache(xs_topology *t, const char *name, int nsites,
                                const char *const *site_names, int nodes, const char *cache) {
  memset(t, 0, sizeof *t);
  snprintf(t->name, sizeof t->name, "%s", name);
  t->nsites = nsites;
  for (int i = 0; i < nsites; i++) {
    snprintf(t->sites[i].name, sizeof t->sites[i].name, "%s", site_names[i]);
    t->sites[i].nodes = nodes;
  }
  t->link_latency_ms = 1;
  t->xsite_fd_timeout_ms = 15000;
  t->ncaches = 1;
  xs_cache_cfg *c = &t->caches[0];
  xs_cache_cfg_defaults(c, cache);
  for (int i = 0; i < nsites; i++) xs_backup_cfg_defaults(&c->backups[c->nbackups++], site_names[i]);
  return c;
}

int xt_site(const xs_sim *sim, const char *name) {
  int s = xs_sim_site_index(sim, name);
  if (s < 0) fail_msg("no site '%s'", name);
  return s;
}

int xt_cache(const xs_sim *sim, const char *name) {
  int c = xs_sim_cache_index(sim, name);
  if (c < 0) fail_msg("no cache '%s'", name);
  return c;
}

static void result_cb(xs_sim *sim, void *ud, const xs_op_result *r) {
  xt_result *out = ud;
  out->done = true;
  out->status = r->status;
  snprintf(out->error, sizeof out->error, "%s", r->error ? r->error : "");
  out->found = r->found;
  out->value_len = r->value_len;
  size_t n = r->value_len < sizeof out->value - 1 ? r->value_len : sizeof out->value - 1;
  if (r->value) memcpy(out->value, r->value, n);
  out->value[r->value ? n : 0] = 0;
  out->warned = r->warned;
  out->invoked_ms = r->invoked_ms;
  out->completed_ms = r->completed_ms;
}

void xt_submit(xs_sim *sim, const xs_op *op, xt_result *out) {
  memset(out, 0, sizeof *out);
  int64_t id = xs_op_submit(sim, op, result_cb, out);
  if (id <= 0) fail_msg("xs_op_submit refused: %s", xs_strerror((int)id));
}

static void keyed(xs_op *op, xs_op_kind kind, int site, int cache, const char *key, const char *value) {
  xs_op_init(op, kind, site, cache);
  op->key = (const uint8_t *)key;
  op->key_len = (uint32_t)strlen(key);
  if (value) {
    op->value = (const uint8_t *)value;
    op->value_len = (uint32_t)strlen(value);
  }
}

void xt_put_async(xs_sim *sim, int site, int cache, const char *key, const char *value, xt_result *out) {
  xs_op op;
  keyed(&op, XS_OP_PUT, site, cache, key, value);
  xt_submit(sim, &op, out);
}

void xt_remove_async(xs_sim *sim, int site, int cache, const char *key, xt_result *out) {
  xs_op op;
  keyed(&op, XS_OP_REMOVE, site, cache, key, NULL);
  xt_submit(sim, &op, out);
}

void xt_wait(xs_sim *sim, const xt_result *r) {
  xs_ms limit = xs_sim_now(sim) + XT_RUN_LIMIT_MS;
  while (!r->done && xs_sim_next_time(sim) <= limit) xs_sim_step(sim);
  if (!r->done) fail_msg("operation never completed");
}

xt_result xt_op(xs_sim *sim, const xs_op *op) {
  xt_result r;
  xt_submit(sim, op, &r);
  xt_wait(sim, &r);
  return r;
}

static xt_result run_keyed(xs_sim *sim, xs_op_kind kind, int site, int cache, const char *key,
                           const char *value) {
  xs_op op;
  keyed(&op, kind, site, cache, key, value);
  return xt_op(sim, &op);
}

xt_result xt_put(xs_sim *sim, int site, int cache, const char *key, const char *value) {
  return run_keyed(sim, XS_OP_PUT, site, cache, key, value);
}
xt_result xt_put_if_absent(xs_sim *sim, int site, int cache, const char *key, const char *value) {
  return run_keyed(sim, XS_OP_PUT_IF_ABSENT, site, cache, key, value);
}
xt_result xt_replace(xs_sim *sim, int site, int cache, const char *key, const char *value) {
  return run_keyed(sim, XS_OP_REPLACE, site, cache, key, value);
}
xt_result xt_get(xs_sim *sim, int site, int cache, const char *key) {
  return run_keyed(sim, XS_OP_GET, site, cache, key, NULL);
}
xt_result xt_remove(xs_sim *sim, int site, int cache, const char *key) {
  return run_keyed(sim, XS_OP_REMOVE, site, cache, key, NULL);
}
xt_result xt_clear(xs_sim *sim, int site, int cache) {
  xs_op op;
  xs_op_init(&op, XS_OP_CLEAR, site, cache);
  return xt_op(sim, &op);
}

static void admin_cb(xs_sim *sim, void *ud, const xs_admin_result *r) {
  xt_admin_out *o = ud;
  o->done = true;
  snprintf(o->text, sizeof o->text, "%s", r->text);
}

void xt_admin_async(xs_sim *sim, int site, int cache, xs_admin_kind kind, const char *remote,
                    xt_admin_out *out) {
  memset(out, 0, sizeof *out);
  int rc = xs_admin_submit(sim, site, cache, kind, remote, admin_cb, out);
  if (rc) fail_msg("xs_admin_submit refused: %s", xs_strerror(rc));
}

const char *xt_admin(xs_sim *sim, int site, int cache, xs_admin_kind kind, const char *remote,
                     char *buf, size_t len) {
  xt_admin_out o;
  xt_admin_async(sim, site, cache, kind, remote, &o);
  xs_ms limit = xs_sim_now(sim) + XT_RUN_LIMIT_MS;
  while (!o.done && xs_sim_next_time(sim) <= limit) xs_sim_step(sim);
  if (!o.done) fail_msg("admin operation never completed");
  snprintf(buf, len, "%s", o.text);
  return buf;
}

const char *xt_peek(xs_sim *sim, int site, int cache, const char *key, char *buf, size_t len) {
  const uint8_t *v;
  uint32_t vl;
  int rc = xs_cache_peek(sim, site, cache, (const uint8_t *)key, (uint32_t)strlen(key), &v, &vl, NULL, NULL);
  if (rc < 0) fail_msg("xs_cache_peek: %s", xs_strerror(rc));
  if (rc == 0) return NULL;
  snprintf(buf, len, "%.*s", (int)vl, (const char *)v);
  return buf;
}

const char *xt_value(xs_sim *sim, int site, int cache, const char *key) {
  static char buf[4][256];
  static int slot;
  slot = (slot + 1) % 4;
  return xt_peek(sim, site, cache, key, buf[slot], sizeof buf[slot]);
}

void xt_assert_value(xs_sim *sim, int site, int cache, const char *key, const char *want) {
  const char *got = xt_value(sim, site, cache, key);
  if (want) {
    assert_non_null(got);
    assert_string_equal(got, want);
  } else {
    assert_null(got);
  }
}

void xt_settle(xs_sim *sim) { xs_sim_run_quiescent(sim, xs_sim_now(sim) + XT_RUN_LIMIT_MS); }

xs_xsite_counters xt_counters(const xs_sim *sim, int site, int cache, int remote) {
  xs_xsite_counters c;
  assert_int_equal(xs_counters_get(sim, site, cache, remote, &c), 0);
  return c;
}

static void log_cb(void *ud, xs_ms time, int site, const char *line) {
  xt_log *log = ud;
  if (log->n < XT_LOG_LINES_MAX) snprintf(log->lines[log->n++], sizeof log->lines[0], "%s", line);
}

void xt_log_capture(xs_sim *sim, xt_log *log) {
  log->n = 0;
  xs_sim_set_log(sim, log_cb, log);
}

bool xt_logged(const xt_log *log, const char *line) {
  for (int i = 0; i < log->n; i++)
    if (strcmp(log->lines[i], line) == 0) return true;
  return false;
}

int xt_logged_prefix(const xt_log *log, const char *prefix) {
  int n = 0;
  for (int i = 0; i < log->n; i++)
    if (strncmp(log->lines[i], prefix, strlen(prefix)) == 0) n++;
  return n;
}
