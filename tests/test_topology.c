/*
 * test_topology.c - the topology module: Infinispan's defaults, the three
 * presets value by value (each value is traceable to a runbook, see
 * docs/topology.md), the JSON loader (round trips, preset overrides, every
 * kind of bad input with its exact message) and xs_topology_validate's
 * Infinispan messages.
 */
#include "test_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#define ERR_BYTES 512

/* ------------------------------------------------------------------------ */
/* Helpers                                                                    */

static int parse(const char *json, xs_topology *t, char *err) {
  return xs_topology_parse(json, strlen(json), "topo.json", t, err, ERR_BYTES);
}

static const xs_cache_cfg *cache_named(const xs_topology *t, const char *name) {
  for (int32_t i = 0; i < t->ncaches; i++)
    if (strcmp(t->caches[i].name, name) == 0)
      return &t->caches[i];
  fail_msg("no cache '%s'", name);
  return NULL;
}

static const xs_backup_cfg *backup_to(const xs_cache_cfg *c, const char *site) {
  for (int32_t i = 0; i < c->nbackups; i++)
    if (strcmp(c->backups[i].site, site) == 0)
      return &c->backups[i];
  fail_msg("cache '%s' has no backup to '%s'", c->name, site);
  return NULL;
}

static void assert_backup_equal(const xs_backup_cfg *a, const xs_backup_cfg *b) {
  assert_string_equal(a->site, b->site);
  assert_int_equal(a->strategy, b->strategy);
  assert_int_equal(a->timeout_ms, b->timeout_ms);
  assert_int_equal(a->failure_policy, b->failure_policy);
  assert_int_equal(a->two_phase_commit, b->two_phase_commit);
  assert_int_equal(a->after_failures, b->after_failures);
  assert_int_equal(a->min_wait_ms, b->min_wait_ms);
  assert_int_equal(a->st_chunk_size, b->st_chunk_size);
  assert_int_equal(a->st_timeout_ms, b->st_timeout_ms);
  assert_int_equal(a->st_max_retries, b->st_max_retries);
  assert_int_equal(a->st_wait_time_ms, b->st_wait_time_ms);
  assert_int_equal(a->st_mode, b->st_mode);
}

static void assert_cache_equal(const xs_cache_cfg *a, const xs_cache_cfg *b) {
  assert_string_equal(a->name, b->name);
  assert_string_equal(a->alias, b->alias);
  assert_int_equal(a->mode, b->mode);
  assert_int_equal(a->owners, b->owners);
  assert_int_equal(a->tx, b->tx);
  assert_int_equal(a->lock_timeout_ms, b->lock_timeout_ms);
  assert_int_equal(a->merge_policy, b->merge_policy);
  assert_int_equal(a->site_mask, b->site_mask);
  assert_int_equal(a->nbackups, b->nbackups);
  for (int32_t i = 0; i < a->nbackups; i++)
    assert_backup_equal(&a->backups[i], &b->backups[i]);
}

static void assert_topology_equal(const xs_topology *a, const xs_topology *b) {
  assert_string_equal(a->name, b->name);
  assert_int_equal(a->nsites, b->nsites);
  for (int32_t i = 0; i < a->nsites; i++) {
    assert_string_equal(a->sites[i].name, b->sites[i].name);
    assert_int_equal(a->sites[i].nodes, b->sites[i].nodes);
  }
  assert_int_equal(a->ncaches, b->ncaches);
  for (int32_t i = 0; i < a->ncaches; i++)
    assert_cache_equal(&a->caches[i], &b->caches[i]);
  assert_int_equal(a->link_latency_ms, b->link_latency_ms);
  assert_int_equal(a->link_jitter_ms, b->link_jitter_ms);
  assert_int_equal(a->xsite_fd_timeout_ms, b->xsite_fd_timeout_ms);
}

/* The backup every preset uses, apart from the values given. */
static void assert_sync_fail(const xs_backup_cfg *b, xs_ms timeout, int32_t chunk,
                             int32_t after_failures, xs_ms min_wait) {
  assert_int_equal(b->strategy, XS_STRATEGY_SYNC);
  assert_int_equal(b->failure_policy, XS_POLICY_FAIL);
  assert_int_equal(b->timeout_ms, timeout);
  assert_false(b->two_phase_commit);
  assert_int_equal(b->after_failures, after_failures);
  assert_int_equal(b->min_wait_ms, min_wait);
  assert_int_equal(b->st_chunk_size, chunk);
  assert_int_equal(b->st_timeout_ms, 20 * 60 * 1000);
  assert_int_equal(b->st_max_retries, 30);
  assert_int_equal(b->st_wait_time_ms, 2000);
  assert_int_equal(b->st_mode, XS_ST_MANUAL);
}

static void assert_two_sites(const xs_topology *t, int32_t nodes) {
  assert_int_equal(t->nsites, 2);
  assert_string_equal(t->sites[0].name, "site-a");
  assert_string_equal(t->sites[1].name, "site-b");
  assert_int_equal(t->sites[0].nodes, nodes);
  assert_int_equal(t->sites[1].nodes, nodes);
  assert_int_equal(t->link_latency_ms, 1);
  assert_int_equal(t->link_jitter_ms, 0);
  assert_int_equal(t->xsite_fd_timeout_ms, 15000);
}

/* ------------------------------------------------------------------------ */
/* Defaults and presets                                                       */

static void test_backup_defaults(void **state) {
  xs_backup_cfg b;
  (void)state;
  memset(&b, 0x5a, sizeof(b));
  xs_backup_cfg_defaults(&b, "site-b");
  assert_string_equal(b.site, "site-b");
  assert_int_equal(b.strategy, XS_STRATEGY_ASYNC);
  assert_int_equal(b.timeout_ms, 15000);
  assert_int_equal(b.failure_policy, XS_POLICY_WARN);
  assert_false(b.two_phase_commit);
  assert_int_equal(b.after_failures, 0);
  assert_int_equal(b.min_wait_ms, 0);
  assert_int_equal(b.st_chunk_size, 512);
  assert_int_equal(b.st_timeout_ms, 1200000);
  assert_int_equal(b.st_max_retries, 30);
  assert_int_equal(b.st_wait_time_ms, 2000);
  assert_int_equal(b.st_mode, XS_ST_MANUAL);
}

static void test_cache_defaults(void **state) {
  xs_cache_cfg c;
  (void)state;
  memset(&c, 0x5a, sizeof(c));
  xs_cache_cfg_defaults(&c, "work");
  assert_string_equal(c.name, "work");
  assert_string_equal(c.alias, "");
  assert_int_equal(c.mode, XS_MODE_DIST);
  assert_int_equal(c.owners, 2);
  assert_int_equal(c.tx, XS_TX_NONE);
  assert_int_equal(c.lock_timeout_ms, 10000);
  assert_int_equal(c.merge_policy, XS_MERGE_DEFAULT);
  assert_int_equal(c.site_mask, UINT32_MAX);
  assert_int_equal(c.nbackups, 0);
}

static void test_preset_keycloak_ha(void **state) {
  static const char *const names[] = {
    "sessions", "authenticationSessions", "offlineSessions", "clientSessions",
    "offlineClientSessions", "loginFailures", "actionTokens", "work",
  };
  xs_topology t;
  char err[ERR_BYTES];
  (void)state;
  assert_int_equal(xs_topology_preset("keycloak-ha", &t), 0);
  assert_int_equal(xs_topology_validate(&t, err, sizeof(err)), 0);
  assert_string_equal(t.name, "keycloak-ha");
  assert_two_sites(&t, 3);
  assert_int_equal(t.ncaches, 9);
  for (int i = 0; i < 8; i++) {
    const xs_cache_cfg *c = &t.caches[i];
    assert_string_equal(c->name, names[i]);
    assert_string_equal(c->alias, "");
    assert_int_equal(c->mode, XS_MODE_DIST);
    assert_int_equal(c->owners, 2);
    assert_int_equal(c->tx, XS_TX_PESSIMISTIC);
    assert_int_equal(c->lock_timeout_ms, 10000);
    assert_int_equal(c->merge_policy, i < 5 ? XS_MERGE_ALWAYS_REMOVE : XS_MERGE_DEFAULT);
    assert_int_equal(c->site_mask, UINT32_MAX);
    assert_int_equal(c->nbackups, 2);
    assert_string_equal(c->backups[0].site, "site-a");
    assert_string_equal(c->backups[1].site, "site-b");
    assert_sync_fail(&c->backups[0], 13000, 16, 0, 0);
    assert_sync_fail(&c->backups[1], 13000, 16, 0, 0);
  }
  const xs_cache_cfg *r = &t.caches[8];
  assert_string_equal(r->name, "respCache");
  assert_string_equal(r->alias, "0");
  assert_int_equal(r->mode, XS_MODE_DIST);
  assert_int_equal(r->owners, 2);
  assert_int_equal(r->tx, XS_TX_NONE);
  assert_int_equal(r->lock_timeout_ms, 10000);
  assert_int_equal(r->merge_policy, XS_MERGE_DEFAULT);
  assert_int_equal(r->nbackups, 0);
}

static void test_preset_crossdc_legacy(void **state) {
  static const char *const names[] = {
    "work", "sessions", "clientSessions", "offlineSessions",
    "offlineClientSessions", "actionTokens", "loginFailures",
  };
  xs_topology t;
  char err[ERR_BYTES];
  (void)state;
  assert_int_equal(xs_topology_preset("crossdc-legacy", &t), 0);
  assert_int_equal(xs_topology_validate(&t, err, sizeof(err)), 0);
  assert_string_equal(t.name, "crossdc-legacy");
  assert_two_sites(&t, 1);
  assert_int_equal(t.ncaches, 7);
  for (int i = 0; i < 7; i++) {
    const xs_cache_cfg *c = &t.caches[i];
    assert_string_equal(c->name, names[i]);
    assert_int_equal(c->mode, XS_MODE_REPL);
    assert_int_equal(c->tx, XS_TX_NONE);
    assert_int_equal(c->lock_timeout_ms, 0);
    assert_int_equal(c->merge_policy, XS_MERGE_DEFAULT);
    assert_int_equal(c->nbackups, 2);
    assert_sync_fail(backup_to(c, "site-a"), 10000, 512, 3, 60000);
    assert_sync_fail(backup_to(c, "site-b"), 10000, 512, 3, 60000);
  }
  /* authenticationSessions stays local to Keycloak in the legacy setup. */
  for (int i = 0; i < t.ncaches; i++)
    assert_string_not_equal(t.caches[i].name, "authenticationSessions");
}

static void test_preset_resp_xsite(void **state) {
  xs_topology t;
  char err[ERR_BYTES];
  (void)state;
  assert_int_equal(xs_topology_preset("resp-xsite", &t), 0);
  assert_int_equal(xs_topology_validate(&t, err, sizeof(err)), 0);
  assert_string_equal(t.name, "resp-xsite");
  assert_two_sites(&t, 3);
  assert_int_equal(t.ncaches, 1);
  const xs_cache_cfg *c = &t.caches[0];
  assert_string_equal(c->name, "respCache");
  assert_string_equal(c->alias, "0");
  assert_int_equal(c->mode, XS_MODE_DIST);
  assert_int_equal(c->tx, XS_TX_NONE);
  assert_int_equal(c->merge_policy, XS_MERGE_DEFAULT);
  assert_int_equal(c->nbackups, 2);
  assert_sync_fail(backup_to(c, "site-a"), 15000, 512, 0, 0);
  assert_sync_fail(backup_to(c, "site-b"), 15000, 512, 0, 0);
}

static void test_preset_unknown(void **state) {
  xs_topology t;
  (void)state;
  assert_int_equal(xs_topology_preset("keycloak", &t), XS_EINVAL);
  assert_int_equal(xs_topology_preset("", &t), XS_EINVAL);
  assert_int_equal(xs_topology_preset(NULL, &t), XS_EINVAL);
  assert_int_equal(xs_topology_preset("resp-xsite", NULL), XS_EINVAL);
}

/* ------------------------------------------------------------------------ */
/* JSON                                                                       */

static const char *const strategy_s[] = { "SYNC", "ASYNC" };
static const char *const policy_s[] = { "WARN", "FAIL", "IGNORE" };
static const char *const st_mode_s[] = { "MANUAL", "AUTO" };
static const char *const merge_s[] = { "DEFAULT", "PREFER_NON_NULL", "PREFER_NULL", "ALWAYS_REMOVE" };
static const char *const mode_s[] = { "distributed", "replicated", "local" };
static const char *const tx_s[] = { "NONE", "PESSIMISTIC", "OPTIMISTIC" };

static json_t *backup_json(const xs_backup_cfg *b) {
  return json_pack("{s:{s:s,s:I,s:s,s:b,s:{s:i,s:I},s:{s:i,s:I,s:i,s:I,s:s}}}", "backup",
                   "strategy", strategy_s[b->strategy], "timeout", (json_int_t)b->timeout_ms,
                   "failurePolicy", policy_s[b->failure_policy], "twoPhaseCommit",
                   b->two_phase_commit, "takeOffline", "afterFailures", b->after_failures,
                   "minWait", (json_int_t)b->min_wait_ms, "stateTransfer", "chunkSize",
                   b->st_chunk_size, "timeout", (json_int_t)b->st_timeout_ms, "maxRetries",
                   b->st_max_retries, "waitTime", (json_int_t)b->st_wait_time_ms, "mode",
                   st_mode_s[b->st_mode]);
}

static json_t *cache_json(const xs_topology *t, const xs_cache_cfg *c) {
  json_t *backups = json_object(), *on = json_array();
  for (int32_t i = 0; i < c->nbackups; i++)
    json_object_set_new(backups, c->backups[i].site, backup_json(&c->backups[i]));
  json_object_set_new(backups, "mergePolicy", json_string(merge_s[c->merge_policy]));
  for (int32_t s = 0; s < t->nsites; s++)
    if (c->site_mask & (1u << s))
      json_array_append_new(on, json_string(t->sites[s].name));
  json_t *o = json_pack("{s:s,s:s,s:i,s:s,s:{s:I},s:o,s:o}", "name", c->name, "mode",
                        mode_s[c->mode], "owners", c->owners, "transaction", tx_s[c->tx],
                        "locking", "acquireTimeout", (json_int_t)c->lock_timeout_ms,
                        "backups", backups, "definedOn", on);
  if (c->alias[0] != '\0')
    json_object_set_new(o, "aliases", json_pack("[s]", c->alias));
  return o;
}

/* A serializer exists only here: the simulator never writes topologies, but
 * writing one proves every field can be reached from JSON. */
static char *topology_json(const xs_topology *t) {
  json_t *sites = json_array(), *caches = json_array();
  for (int32_t i = 0; i < t->nsites; i++)
    json_array_append_new(sites, json_pack("{s:s,s:i}", "name", t->sites[i].name, "nodes",
                                           t->sites[i].nodes));
  for (int32_t i = 0; i < t->ncaches; i++)
    json_array_append_new(caches, cache_json(t, &t->caches[i]));
  json_t *root = json_pack("{s:s,s:o,s:o,s:{s:I,s:I},s:I}", "name", t->name, "sites", sites,
                           "caches", caches, "link", "latencyMs",
                           (json_int_t)t->link_latency_ms, "jitterMs",
                           (json_int_t)t->link_jitter_ms, "xsiteFdTimeoutMs",
                           (json_int_t)t->xsite_fd_timeout_ms);
  assert_non_null(root);
  char *s = json_dumps(root, JSON_INDENT(2));
  json_decref(root);
  return s;
}

static void round_trip(const char *preset) {
  xs_topology want, got;
  char err[ERR_BYTES];
  assert_int_equal(xs_topology_preset(preset, &want), 0);
  /* A mask naming exactly the sites reads back the same as "all". */
  for (int32_t i = 0; i < want.ncaches; i++)
    want.caches[i].site_mask = (1u << want.nsites) - 1u;
  char *json = topology_json(&want);
  assert_non_null(json);
  int rc = parse(json, &got, err);
  free(json);
  assert_int_equal(rc, 0);
  assert_topology_equal(&got, &want);
}

static void test_json_round_trip(void **state) {
  (void)state;
  round_trip("keycloak-ha");
  round_trip("crossdc-legacy");
  round_trip("resp-xsite");
}

/* Changing every field away from its value, to catch a key that is parsed
 * into the wrong field. */
static void test_json_round_trip_unusual(void **state) {
  xs_topology want, got;
  char err[ERR_BYTES];
  (void)state;
  assert_int_equal(xs_topology_preset("keycloak-ha", &want), 0);
  snprintf(want.name, sizeof(want.name), "odd");
  want.sites[1].nodes = 5;
  want.link_latency_ms = 7;
  want.link_jitter_ms = 3;
  want.xsite_fd_timeout_ms = 9000;
  xs_cache_cfg *c = &want.caches[2];
  c->mode = XS_MODE_REPL;
  c->owners = 4;
  c->tx = XS_TX_OPTIMISTIC;
  c->lock_timeout_ms = 123;
  c->merge_policy = XS_MERGE_PREFER_NULL;
  c->site_mask = 2;
  xs_backup_cfg *b = &c->backups[1];
  b->strategy = XS_STRATEGY_ASYNC;
  b->failure_policy = XS_POLICY_IGNORE;
  b->timeout_ms = 4500;
  b->after_failures = 9;
  b->min_wait_ms = 777;
  b->st_chunk_size = 99;
  b->st_timeout_ms = 5555;
  b->st_max_retries = 0;
  b->st_wait_time_ms = 66;
  b->st_mode = XS_ST_AUTO;
  c->backups[0].two_phase_commit = true;
  want.caches[3].site_mask = 3;
  want.caches[8].tx = XS_TX_PESSIMISTIC;
  char *json = topology_json(&want);
  int rc = parse(json, &got, err);
  free(json);
  assert_int_equal(rc, 0);
  /* The serializer spells "all" as the two sites. */
  for (int32_t i = 0; i < want.ncaches; i++)
    if (want.caches[i].site_mask == UINT32_MAX)
      want.caches[i].site_mask = 3;
  assert_topology_equal(&got, &want);
}

/* The seed's Cache CR template, carried over almost verbatim: quoted
 * numbers, mergePolicy inside backups, one backup per CR. */
static void test_json_cache_cr_template(void **state) {
  const char *json =
    "{\"sites\": [{\"name\": \"site-a\"}, {\"name\": \"site-b\"}],\n"
    " \"caches\": [{\"name\": \"sessions\", \"mode\": \"distributed\", \"owners\": \"2\",\n"
    "   \"backups\": {\"mergePolicy\": \"ALWAYS_REMOVE\",\n"
    "     \"site-b\": {\"backup\": {\"strategy\": \"SYNC\", \"timeout\": 13000,\n"
    "                             \"stateTransfer\": {\"chunkSize\": 16}}}}}]}";
  xs_topology t;
  char err[ERR_BYTES];
  (void)state;
  assert_int_equal(parse(json, &t, err), 0);
  assert_string_equal(t.name, "topo");
  assert_two_sites(&t, 3);
  const xs_cache_cfg *c = cache_named(&t, "sessions");
  assert_int_equal(c->owners, 2);
  assert_int_equal(c->merge_policy, XS_MERGE_ALWAYS_REMOVE);
  assert_int_equal(c->nbackups, 1);
  const xs_backup_cfg *b = backup_to(c, "site-b");
  assert_int_equal(b->strategy, XS_STRATEGY_SYNC);
  assert_int_equal(b->timeout_ms, 13000);
  /* Not in the CR, so Infinispan's default: WARN. */
  assert_int_equal(b->failure_policy, XS_POLICY_WARN);
  assert_int_equal(b->st_chunk_size, 16);
  assert_int_equal(b->st_timeout_ms, 1200000);
}

/* A document with only sites gets the same topology-level defaults as the
 * presets (the loader keeps its own copy of them). */
static void test_json_defaults(void **state) {
  xs_topology t, p;
  char err[ERR_BYTES];
  (void)state;
  assert_int_equal(parse("{\"sites\": [{\"name\": \"dc1\"}]}", &t, err), 0);
  assert_int_equal(xs_topology_preset("resp-xsite", &p), 0);
  assert_string_equal(t.name, "topo");
  assert_int_equal(t.nsites, 1);
  assert_int_equal(t.sites[0].nodes, 3);
  assert_int_equal(t.ncaches, 0);
  assert_int_equal(t.link_latency_ms, p.link_latency_ms);
  assert_int_equal(t.link_jitter_ms, p.link_jitter_ms);
  assert_int_equal(t.xsite_fd_timeout_ms, p.xsite_fd_timeout_ms);
  const char *one = "{\"sites\":[{\"name\":\"x\"}]}";
  assert_int_equal(xs_topology_parse(one, strlen(one), "dir/my.topo.json", &t, err, sizeof(err)), 0);
  assert_string_equal(t.name, "my.topo");
}

static void test_json_preset_override(void **state) {
  const char *json =
    "{\"preset\": \"keycloak-ha\", \"name\": \"kc-async-work\",\n"
    " \"sites\": [{\"name\": \"site-b\", \"nodes\": 2}],\n"
    " \"link\": {\"latencyMs\": \"5ms\", \"jitterMs\": 2}, \"xsiteFdTimeoutMs\": \"1m\",\n"
    " \"caches\": [\n"
    "  {\"name\": \"work\", \"backups\": {\"site-a\": null,\n"
    "     \"site-b\": {\"backup\": {\"strategy\": \"async\", \"failurePolicy\": \"WARN\",\n"
    "       \"takeOffline\": {\"afterFailures\": 3, \"minWait\": \"60s\"}}}}},\n"
    "  {\"name\": \"loginFailures\", \"transaction\": {\"locking\": \"OPTIMISTIC\"},\n"
    "   \"locking\": {\"acquireTimeout\": 4000}},\n"
    "  {\"name\": \"actionTokens\", \"transaction\": {\"mode\": \"NONE\"}},\n"
    "  {\"name\": \"extra\", \"aliases\": [\"1\"], \"definedOn\": [\"site-b\"]}]}";
  xs_topology t, p;
  char err[ERR_BYTES];
  (void)state;
  assert_int_equal(xs_topology_preset("keycloak-ha", &p), 0);
  assert_int_equal(parse(json, &t, err), 0);
  assert_string_equal(t.name, "kc-async-work");
  assert_int_equal(t.sites[0].nodes, 3);
  assert_int_equal(t.sites[1].nodes, 2);
  assert_int_equal(t.link_latency_ms, 5);
  assert_int_equal(t.link_jitter_ms, 2);
  assert_int_equal(t.xsite_fd_timeout_ms, 60000);
  assert_int_equal(t.ncaches, 10);
  const xs_cache_cfg *w = cache_named(&t, "work");
  assert_int_equal(w->nbackups, 1);
  const xs_backup_cfg *b = backup_to(w, "site-b");
  assert_int_equal(b->strategy, XS_STRATEGY_ASYNC);
  assert_int_equal(b->failure_policy, XS_POLICY_WARN);
  assert_int_equal(b->after_failures, 3);
  assert_int_equal(b->min_wait_ms, 60000);
  assert_int_equal(b->timeout_ms, 13000);   /* kept from the preset */
  assert_int_equal(b->st_chunk_size, 16);   /* kept from the preset */
  assert_int_equal(cache_named(&t, "loginFailures")->tx, XS_TX_OPTIMISTIC);
  assert_int_equal(cache_named(&t, "loginFailures")->lock_timeout_ms, 4000);
  assert_int_equal(cache_named(&t, "actionTokens")->tx, XS_TX_NONE);
  assert_cache_equal(cache_named(&t, "sessions"), cache_named(&p, "sessions"));
  const xs_cache_cfg *x = &t.caches[9];
  assert_string_equal(x->name, "extra");
  assert_string_equal(x->alias, "1");
  assert_int_equal(x->site_mask, 2);
  assert_int_equal(x->tx, XS_TX_NONE);
  assert_int_equal(x->nbackups, 0);
}

static void test_json_transaction_forms(void **state) {
  xs_topology t;
  char err[ERR_BYTES];
  (void)state;
  assert_int_equal(parse("{\"sites\":[{\"name\":\"a\"}],\"caches\":["
                         "{\"name\":\"x\",\"transaction\":{\"mode\":\"NON_DURABLE_XA\","
                         "\"locking\":\"PESSIMISTIC\"}},"
                         "{\"name\":\"y\",\"transaction\":{\"mode\":\"BATCH\"}},"
                         "{\"name\":\"z\",\"transaction\":\"pessimistic\"}]}", &t, err), 0);
  assert_int_equal(t.caches[0].tx, XS_TX_PESSIMISTIC);
  assert_int_equal(t.caches[1].tx, XS_TX_OPTIMISTIC); /* Infinispan's default locking */
  assert_int_equal(t.caches[2].tx, XS_TX_PESSIMISTIC);
}

/* ------------------------------------------------------------------------ */
/* Bad input: every message, exactly                                          */

typedef struct bad_case {
  const char *json;
  const char *msg;
} bad_case;

#define SITES_AB "\"sites\":[{\"name\":\"site-a\"},{\"name\":\"site-b\"}]"
#define ONE_BACKUP(b) \
  "{" SITES_AB ",\"caches\":[{\"name\":\"c\",\"backups\":{\"site-b\":{\"backup\":" b "}}}]}"

static const bad_case bad_cases[] = {
  /* Syntax and shape. */
  { "{\"sites\": [\n  {\"name\": \"a\",}\n]}",
    "topo.json:2:16: string or '}' expected near '}'" },
  { "{", "topo.json:1:1: string or '}' expected near end of file" },
  { "", "topo.json: the document is empty" },
  { " \n\t ", "topo.json: the document is empty" },
  { "[]", "topo.json: expected an object at the top level, got an array" },
  { "{\"a\":1,\"a\":2}", "topo.json:1:10: duplicate object key near '\"a\"'" },
  { "{\"sites\":[{\"name\":\"a\"}]} x", "topo.json:1:26: end of file expected near 'x'" },
  /* Unknown keys. */
  { "{\"site\":[]}",
    "topo.json: unknown key \"site\" (known keys: preset, name, sites, caches, link, "
    "xsiteFdTimeoutMs)" },
  { "{" SITES_AB ",\"caches\":[{\"name\":\"c\",\"owner\":2}]}",
    "topo.json: caches[0]: unknown key \"owner\" (known keys: name, alias, aliases, mode, "
    "owners, transaction, locking, mergePolicy, definedOn, backups)" },
  { ONE_BACKUP("{\"takeOffline\":{\"minWait\":1,\"afterFailure\":3}}"),
    "topo.json: caches[0].backups.site-b.backup.takeOffline: unknown key \"afterFailure\" "
    "(known keys: afterFailures, minWait)" },
  { ONE_BACKUP("{\"enabled\":true}"),
    "topo.json: caches[0].backups.site-b.backup: unknown key \"enabled\" (known keys: "
    "strategy, timeout, failurePolicy, failurePolicyClass, failure-policy-class, "
    "twoPhaseCommit, takeOffline, stateTransfer)" },
  { "{" SITES_AB ",\"caches\":[{\"name\":\"c\",\"backups\":{\"site-b\":{\"strategy\":\"SYNC\"}}}]}",
    "topo.json: caches[0].backups.site-b: unknown key \"strategy\" (known keys: backup)" },
  { "{\"link\":{\"latency\":1}}",
    "topo.json: link: unknown key \"latency\" (known keys: latencyMs, jitterMs)" },
  /* Wrong types and values. */
  { "{\"sites\":{\"name\":\"a\"}}", "topo.json: sites: expected an array, got an object" },
  { "{\"sites\":[\"site-a\"]}", "topo.json: sites[0]: expected an object, got \"site-a\"" },
  { "{\"sites\":[{\"name\":7}]}", "topo.json: sites[0].name: expected a string, got 7" },
  { "{\"sites\":[{\"nodes\":2}]}", "topo.json: sites[0]: missing key \"name\"" },
  { "{\"sites\":[{\"name\":\"a\",\"nodes\":true}]}",
    "topo.json: sites[0].nodes: expected an integer, got true" },
  { "{\"sites\":[{\"name\":\"a\",\"nodes\":2.5}]}",
    "topo.json: sites[0].nodes: expected an integer, got 2.5" },
  { "{\"sites\":[{\"name\":\"a\",\"nodes\":\"3s\"}]}",
    "topo.json: sites[0].nodes: expected an integer, got \"3s\"" },
  { ONE_BACKUP("{\"strategy\":\"SYNCH\"}"),
    "topo.json: caches[0].backups.site-b.backup.strategy: expected SYNC or ASYNC, got \"SYNCH\"" },
  { ONE_BACKUP("{\"failurePolicy\":\"CUSTOM\"}"),
    "topo.json: caches[0].backups.site-b.backup.failurePolicy: CUSTOM failure policies are not "
    "modelled (use WARN, FAIL or IGNORE)" },
  { ONE_BACKUP("{\"timeout\":\"13 sec\"}"),
    "topo.json: caches[0].backups.site-b.backup.timeout: expected a duration (milliseconds, or "
    "a string such as \"15s\"), got \"13 sec\"" },
  { ONE_BACKUP("{\"twoPhaseCommit\":1}"),
    "topo.json: caches[0].backups.site-b.backup.twoPhaseCommit: expected true or false, got 1" },
  { "{" SITES_AB ",\"caches\":[{\"name\":\"c\",\"mode\":\"DIST_SYNC\"}]}",
    "topo.json: caches[0].mode: expected distributed, replicated or local, got \"DIST_SYNC\"" },
  { "{" SITES_AB ",\"caches\":[{\"name\":\"c\",\"transaction\":{\"mode\":\"XA\"}}]}",
    "topo.json: caches[0].transaction.mode: expected NONE, BATCH, NON_XA, NON_DURABLE_XA or "
    "FULL_XA, got \"XA\"" },
  { "{" SITES_AB ",\"caches\":[{\"name\":\"c\",\"aliases\":[\"0\",\"1\"]}]}",
    "topo.json: caches[0].aliases: at most one alias is supported, got 2" },
  { "{" SITES_AB ",\"caches\":[{\"name\":\"c\",\"definedOn\":[\"site-c\"]}]}",
    "topo.json: caches[0].definedOn[0]: unknown site \"site-c\"" },
  { "{\"preset\":\"keycloak\"}",
    "topo.json: preset: unknown preset \"keycloak\" (expected keycloak-ha, crossdc-legacy or "
    "resp-xsite)" },
  /* Huge numbers and names. */
  { "{\"sites\":[{\"name\":\"a\",\"nodes\":99999999999}]}",
    "topo.json: sites[0].nodes: 99999999999 is out of range (-2147483648..2147483647)" },
  { "{\"sites\":[{\"name\":\"a\",\"nodes\":1e400}]}",
    "topo.json:1:35: real number overflow near '1e400'" },
  { "{\"sites\":[{\"name\":\"a\",\"nodes\":123456789012345678901234567890}]}",
    "topo.json:1:60: too big integer" },
  { "{\"xsiteFdTimeoutMs\":\"9999999999999999d\"}",
    "topo.json: xsiteFdTimeoutMs: \"9999999999999999d\" is out of range "
    "(-9223372036854775808..9223372036854775807)" },
  { "{\"sites\":[{\"name\":\"0123456789012345678901234567890123456789012345678901234567890123\"}]}",
    "topo.json: sites[0].name: name longer than 63 bytes" },
  /* Structure the simulator cannot hold. */
  { "{\"sites\":[{\"name\":\"s1\"},{\"name\":\"s2\"},{\"name\":\"s3\"},{\"name\":\"s4\"},"
    "{\"name\":\"s5\"},{\"name\":\"s6\"},{\"name\":\"s7\"},{\"name\":\"s8\"},{\"name\":\"s9\"}]}",
    "topo.json: sites[8]: too many sites, at most 8 are supported" },
  { "{\"sites\":[{\"name\":\"a\"},{\"name\":\"a\"}]}",
    "topo.json: sites[1]: site 'a' is listed twice" },
  { "{" SITES_AB ",\"caches\":[{\"name\":\"c\"},{\"name\":\"c\"}]}",
    "topo.json: caches[1]: cache 'c' is listed twice" },
  { "{" SITES_AB ",\"caches\":[{\"name\":\"c\",\"mergePolicy\":\"DEFAULT\","
    "\"backups\":{\"mergePolicy\":\"DEFAULT\"}}]}",
    "topo.json: caches[0]: give \"mergePolicy\" or \"backups.mergePolicy\", not both" },
  /* Caught by xs_topology_validate. */
  { "{}", "topo.json: topology: at least one site is required" },
  { "{\"sites\":[{\"name\":\"\"}]}", "topo.json: site 0: name is empty" },
  { "{\"sites\":[{\"name\":\"site a\"}]}",
    "topo.json: site 0: name has an illegal character ' ' (use letters, digits, '.', '_' or '-')" },
  { "{\"sites\":[{\"name\":\"a\",\"nodes\":17}]}",
    "topo.json: site 'a': nodes must be between 1 and 16, got 17" },
  { "{" SITES_AB ",\"caches\":[{\"name\":\"c\",\"backups\":{\"site-x\":{\"backup\":{}}}}]}",
    "topo.json: cache 'c': backup to unknown site 'site-x'" },
  { ONE_BACKUP("{\"failurePolicy\":\"FAIL\"}"),
    "topo.json: cache 'c': ISPN000656: The backup 'site-b' configuration 'failure-policy=FAIL' "
    "is not valid with an ASYNC backup strategy." },
  { ONE_BACKUP("{\"twoPhaseCommit\":true}"),
    "topo.json: cache 'c': ISPN000335: Two-phase commit can only be used with synchronous "
    "backup strategy." },
  { ONE_BACKUP("{\"strategy\":\"SYNC\",\"stateTransfer\":{\"mode\":\"AUTO\"}}"),
    "topo.json: cache 'c': ISPN000634: Cross-site automatic state transfer is not compatible "
    "with SYNC backup strategy." },
  { ONE_BACKUP("{\"strategy\":\"SYNC\",\"failurePolicy\":\"FAIL\","
               "\"failurePolicyClass\":\"org.example.MyPolicy\"}"),
    "topo.json: cache 'c': ISPN000657: The backup 'site-b' configuration 'failure-policy-class' "
    "is not compatible with 'failure-policy=FAIL'. Use 'failure-policy=\"CUSTOM\"'" },
  { ONE_BACKUP("{\"stateTransfer\":{\"chunkSize\":-16}}"),
    "topo.json: cache 'c': ISPN000561: Chunk size must be positive, got -16" },
  { ONE_BACKUP("{\"stateTransfer\":{\"timeout\":0}}"),
    "topo.json: cache 'c': ISPN000449: Timeout value for cross-site replication state transfer "
    "must be equal to or greater than one." },
  { ONE_BACKUP("{\"stateTransfer\":{\"waitTime\":\"0s\"}}"),
    "topo.json: cache 'c': ISPN000450: Wait time between retries for cross-site replication "
    "state transfer must be equal to or greater than one." },
  { ONE_BACKUP("{\"timeout\":0}"),
    "topo.json: cache 'c': backup 'site-b': timeout must be > 0, got 0 ms" },
  { "{" SITES_AB ",\"caches\":[{\"name\":\"c\",\"mode\":\"local\","
    "\"backups\":{\"site-b\":{\"backup\":{}}}}]}",
    "topo.json: cache 'c': ISPN000576: Cross-site replication not available for local cache." },
  { "{" SITES_AB ",\"caches\":[{\"name\":\"c\",\"owners\":0}]}",
    "topo.json: cache 'c': owners must be at least 1, got 0" },
  { "{" SITES_AB ",\"caches\":[{\"name\":\"c\",\"locking\":{\"acquireTimeout\":-1}}]}",
    "topo.json: cache 'c': locking acquire-timeout must be >= 0, got -1 ms" },
  { "{" SITES_AB ",\"caches\":[{\"name\":\"c\",\"definedOn\":[]}]}",
    "topo.json: cache 'c': defined on no site (site_mask 0x0)" },
  { "{" SITES_AB ",\"caches\":[{\"name\":\"c\",\"alias\":\"0\"},{\"name\":\"0\"}]}",
    "topo.json: cache '0': name is already the alias of cache 'c'" },
  { "{" SITES_AB ",\"link\":{\"jitterMs\":-1}}",
    "topo.json: link: jitter must be >= 0, got -1 ms" },
  { "{" SITES_AB ",\"link\":{\"latencyMs\":\"-5ms\"}}",
    "topo.json: link: latency must be >= 0, got -5 ms" },
  { "{" SITES_AB ",\"xsiteFdTimeoutMs\":-1}",
    "topo.json: topology: x-site failure detection timeout must be >= 0, got -1 ms" },
};

static void test_json_bad_inputs(void **state) {
  int failed = 0;
  (void)state;
  for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
    xs_topology t;
    char err[ERR_BYTES];
    memset(&t, 0x11, sizeof(t));
    int rc = parse(bad_cases[i].json, &t, err);
    if (rc != XS_ECONFIG || strcmp(err, bad_cases[i].msg) != 0) {
      print_error("case %zu: %s\n  rc %d\n  got  [%s]\n  want [%s]\n", i, bad_cases[i].json, rc,
                  err, bad_cases[i].msg);
      failed++;
    }
    /* A failed parse leaves the output alone. */
    assert_int_equal(t.nsites, 0x11111111);
  }
  assert_int_equal(failed, 0);
}

/* Arrays and objects nested past jansson's depth limit, and a path longer
 * than the message buffer: refused, not a stack overflow or an overrun. */
static void test_json_deep_nesting(void **state) {
  enum { DEPTH = 100000 };
  char *buf = malloc(2 * DEPTH + 64), err[ERR_BYTES];
  xs_topology t;
  (void)state;
  assert_non_null(buf);
  memset(buf, '[', DEPTH);
  buf[DEPTH] = '\0';
  assert_int_equal(parse(buf, &t, err), XS_ECONFIG);
  assert_string_equal(err, "topo.json:1:2049: maximum parsing depth reached near '['");
  size_t n = 0;
  for (int i = 0; i < 3000; i++) {
    memcpy(buf + n, "{\"a\":", 5);
    n += 5;
  }
  buf[n] = '\0';
  assert_int_equal(parse(buf, &t, err), XS_ECONFIG);
  assert_string_equal(err, "topo.json:1:10241: maximum parsing depth reached near '{'");
  free(buf);
}

/* Garbage derived from a valid document: every result is a clean 0 or
 * XS_ECONFIG with a message (run under ASan/UBSan to mean something). */
static void test_json_mutations(void **state) {
  xs_topology t;
  assert_int_equal(xs_topology_preset("keycloak-ha", &t), 0);
  char *good = topology_json(&t), err[ERR_BYTES];
  size_t len = strlen(good);
  char *buf = malloc(len + 1);
  uint64_t x = 88172645463325252ull;
  (void)state;
  for (int round = 0; round < 3000; round++) {
    memcpy(buf, good, len + 1);
    for (int k = 0; k < 1 + round % 4; k++) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      static const char junk[] = "{}[]\",:0-9eE.\\ xnulltrue\x01\xff";
      buf[(x >> 8) % len] = junk[(x >> 40) % (sizeof(junk) - 1)];
    }
    size_t cut = round % 3 == 0 ? (size_t)((x >> 20) % (len + 1)) : len;
    err[0] = '\0';
    int rc = xs_topology_parse(buf, cut, "m.json", &t, err, sizeof(err));
    assert_true(rc == 0 || rc == XS_ECONFIG);
    if (rc != 0)
      assert_true(strncmp(err, "m.json", 6) == 0);
  }
  free(buf);
  free(good);
}

/* Messages are cut to the buffer, never past it; a NULL buffer is fine. */
static void test_json_small_err_buffer(void **state) {
  xs_topology t;
  char err[8];
  (void)state;
  memset(err, 'x', sizeof(err));
  assert_int_equal(xs_topology_parse("{}", 2, "topo.json", &t, err, 5), XS_ECONFIG);
  assert_string_equal(err, "topo");
  assert_int_equal(err[5], 'x');
  assert_int_equal(xs_topology_parse("{", 1, "topo.json", &t, NULL, 0), XS_ECONFIG);
  assert_int_equal(xs_topology_parse("{", 1, "topo.json", &t, err, 0), XS_ECONFIG);
  assert_int_equal(xs_topology_parse("{}", 2, "topo.json", NULL, err, sizeof(err)), XS_EINVAL);
  assert_int_equal(xs_topology_parse(NULL, 3, "topo.json", &t, err, sizeof(err)), XS_EINVAL);
  assert_int_equal(xs_topology_validate(NULL, NULL, 0), XS_ECONFIG);
}

/* ------------------------------------------------------------------------ */
/* Files                                                                      */

static void write_file(const char *path, const char *text) {
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
  assert_int_equal(fclose(f), 0);
}

static void test_load_files(void **state) {
  char dir[] = "/tmp/xsim-topo-XXXXXX", path[128], want[256], err[ERR_BYTES];
  xs_topology t, p;
  (void)state;
  assert_non_null(mkdtemp(dir));
  snprintf(path, sizeof(path), "%s/kc.json", dir);
  write_file(path, "{\"preset\": \"keycloak-ha\"}\n");
  assert_int_equal(xs_topology_load(path, &t, err, sizeof(err)), 0);
  assert_int_equal(xs_topology_preset("keycloak-ha", &p), 0);
  assert_topology_equal(&t, &p);

  write_file(path, "");
  assert_int_equal(xs_topology_load(path, &t, err, sizeof(err)), XS_ECONFIG);
  snprintf(want, sizeof(want), "%s: the document is empty", path);
  assert_string_equal(err, want);

  write_file(path, "{\n  \"sites\": [{\"name\": \"a\"}],\n  \"caches\": [{\"name\": 1}]\n}\n");
  assert_int_equal(xs_topology_load(path, &t, err, sizeof(err)), XS_ECONFIG);
  snprintf(want, sizeof(want), "%s: caches[0].name: expected a string, got 1", path);
  assert_string_equal(err, want);
  assert_int_equal(unlink(path), 0);

  assert_int_equal(xs_topology_load(path, &t, err, sizeof(err)), XS_ECONFIG);
  snprintf(want, sizeof(want), "%s: cannot open: No such file or directory", path);
  assert_string_equal(err, want);

  assert_int_equal(xs_topology_load(dir, &t, err, sizeof(err)), XS_ECONFIG);
  snprintf(want, sizeof(want), "%s: cannot read: Is a directory", dir);
  assert_string_equal(err, want);
  assert_int_equal(rmdir(dir), 0);
  assert_int_equal(xs_topology_load(NULL, &t, err, sizeof(err)), XS_EINVAL);
}

/* ------------------------------------------------------------------------ */
/* Validation of topologies built in C                                        */

static void expect_invalid(const xs_topology *t, const char *msg) {
  char err[ERR_BYTES];
  assert_int_equal(xs_topology_validate(t, err, sizeof(err)), XS_ECONFIG);
  assert_string_equal(err, msg);
}

static void test_validate_structs(void **state) {
  xs_topology t;
  (void)state;
  assert_int_equal(xs_topology_preset("resp-xsite", &t), 0);
  t.nsites = XS_SITES_MAX + 1;
  expect_invalid(&t, "topology: 9 sites, at most 8 are supported");
  assert_int_equal(xs_topology_preset("resp-xsite", &t), 0);
  snprintf(t.sites[1].name, sizeof(t.sites[1].name), "site-a");
  expect_invalid(&t, "site 'site-a': defined twice");
  assert_int_equal(xs_topology_preset("resp-xsite", &t), 0);
  memset(t.sites[0].name, 'a', sizeof(t.sites[0].name));
  expect_invalid(&t, "site 0: name is not NUL-terminated");
  assert_int_equal(xs_topology_preset("resp-xsite", &t), 0);
  t.sites[0].name[2] = '\n';
  expect_invalid(&t, "site 0: name has an illegal byte 0x0a (use letters, digits, '.', '_' or '-')");
  assert_int_equal(xs_topology_preset("resp-xsite", &t), 0);
  t.ncaches = XS_CACHES_MAX + 1;
  expect_invalid(&t, "topology: 33 caches, at most 32 are supported");
  assert_int_equal(xs_topology_preset("resp-xsite", &t), 0);
  t.caches[0].backups[1] = t.caches[0].backups[0];
  expect_invalid(&t, "cache 'respCache': ISPN000446: Multiple sites have the same name 'site-a'. "
                     "This configuration is not valid.");
  assert_int_equal(xs_topology_preset("resp-xsite", &t), 0);
  t.caches[0].backups[1].site[0] = '\0';
  expect_invalid(&t, "cache 'respCache': ISPN000337: Backup configuration must include a 'site'.");
  assert_int_equal(xs_topology_preset("resp-xsite", &t), 0);
  t.caches[0].backups[1].strategy = (xs_strategy)7;
  expect_invalid(&t, "cache 'respCache': backup 'site-b': strategy 7 is neither SYNC nor ASYNC");
  assert_int_equal(xs_topology_preset("resp-xsite", &t), 0);
  t.caches[0].backups[0].st_mode = (xs_st_mode)9;
  expect_invalid(&t, "cache 'respCache': ISPN000633: Cross-site state transfer mode cannot be null.");
  assert_int_equal(xs_topology_preset("resp-xsite", &t), 0);
  t.caches[0].merge_policy = (xs_merge_policy)4;
  expect_invalid(&t, "cache 'respCache': merge policy 4 is not DEFAULT, PREFER_NON_NULL, "
                     "PREFER_NULL or ALWAYS_REMOVE");
  assert_int_equal(xs_topology_preset("resp-xsite", &t), 0);
  t.caches[0].nbackups = 9;
  expect_invalid(&t, "cache 'respCache': 9 backups, at most 8 are supported");
  assert_int_equal(xs_topology_preset("resp-xsite", &t), 0);
  t.caches[0].site_mask = 0x4; /* a site that does not exist */
  expect_invalid(&t, "cache 'respCache': defined on no site (site_mask 0x4)");
  assert_int_equal(xs_topology_preset("keycloak-ha", &t), 0);
  snprintf(t.caches[3].alias, sizeof(t.caches[3].alias), "0");
  expect_invalid(&t, "cache 'respCache': alias '0' is already used by cache 'clientSessions'");
}

/* Infinispan checks state transfer before the failure policy, and the
 * policy before two-phase commit: with several mistakes, the same one is
 * reported. */
static void test_validate_ispn_order(void **state) {
  xs_topology t;
  (void)state;
  assert_int_equal(xs_topology_preset("resp-xsite", &t), 0);
  xs_backup_cfg *b = &t.caches[0].backups[1];
  b->strategy = XS_STRATEGY_ASYNC;
  b->two_phase_commit = true;
  expect_invalid(&t, "cache 'respCache': ISPN000656: The backup 'site-b' configuration "
                     "'failure-policy=FAIL' is not valid with an ASYNC backup strategy.");
  b->st_chunk_size = 0;
  expect_invalid(&t, "cache 'respCache': ISPN000561: Chunk size must be positive, got 0");
  b->st_chunk_size = 1;
  b->failure_policy = XS_POLICY_WARN;
  expect_invalid(&t, "cache 'respCache': ISPN000335: Two-phase commit can only be used with "
                     "synchronous backup strategy.");
  b->two_phase_commit = false;
  b->st_mode = XS_ST_AUTO;
  char err[ERR_BYTES];
  assert_int_equal(xs_topology_validate(&t, err, sizeof(err)), 0); /* AUTO is fine with ASYNC */
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_backup_defaults),
    cmocka_unit_test(test_cache_defaults),
    cmocka_unit_test(test_preset_keycloak_ha),
    cmocka_unit_test(test_preset_crossdc_legacy),
    cmocka_unit_test(test_preset_resp_xsite),
    cmocka_unit_test(test_preset_unknown),
    cmocka_unit_test(test_json_round_trip),
    cmocka_unit_test(test_json_round_trip_unusual),
    cmocka_unit_test(test_json_cache_cr_template),
    cmocka_unit_test(test_json_defaults),
    cmocka_unit_test(test_json_preset_override),
    cmocka_unit_test(test_json_transaction_forms),
    cmocka_unit_test(test_json_bad_inputs),
    cmocka_unit_test(test_json_deep_nesting),
    cmocka_unit_test(test_json_mutations),
    cmocka_unit_test(test_json_small_err_buffer),
    cmocka_unit_test(test_load_files),
    cmocka_unit_test(test_validate_structs),
    cmocka_unit_test(test_validate_ispn_order),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
