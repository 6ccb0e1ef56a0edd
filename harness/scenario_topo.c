/*
 * scenario_topo.c - the scenario's topology: a preset, or a topology file
 * (docs/topology.md), with the `set` lines applied.  Each `set` becomes a
 * change in a topology JSON document that starts from the preset, so the
 * loader's own rules and messages judge the values; the document is
 * loaded once per `set`, so that an error is reported on the line that
 * caused it.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario_rt.h"

/* `set` words -> the loader's JSON keys. */
static const char *const cache_map[][2] = {
    {"mode", "mode"}, {"owners", "owners"}, {"transaction", "transaction"},
    {"merge-policy", "mergePolicy"}, {"acquire-timeout", "locking.acquireTimeout"}, {NULL, NULL}};
static const char *const backup_map[][2] = {
    {"strategy", "strategy"}, {"timeout", "timeout"}, {"failure-policy", "failurePolicy"},
    {"two-phase-commit", "twoPhaseCommit"}, {"after-failures", "takeOffline.afterFailures"},
    {"min-wait", "takeOffline.minWait"}, {"chunk-size", "stateTransfer.chunkSize"},
    {"state-transfer-timeout", "stateTransfer.timeout"}, {"max-retries", "stateTransfer.maxRetries"},
    {"wait-time", "stateTransfer.waitTime"}, {"state-transfer-mode", "stateTransfer.mode"}, {NULL, NULL}};

static const char *map(const char *const m[][2], const char *word) {
  for (int i = 0; m[i][0]; i++)
    if (strcmp(m[i][0], word) == 0) return m[i][1];
  return NULL;
}

/* obj[key], made an object if it is not one. */
static json_t *child(json_t *obj, const char *key) {
  json_t *c = json_object_get(obj, key);
  if (!json_is_object(c)) {
    c = json_object();
    json_object_set_new(obj, key, c);
  }
  return c;
}

/* obj[a][b]... = value for the dotted path "a.b". */
static void set_path(json_t *obj, const char *path, const char *value) {
  char key[64];
  const char *dot = strchr(path, '.');
  if (!dot) {
    json_object_set_new(obj, path, json_string(value));
    return;
  }
  snprintf(key, sizeof key, "%.*s", (int)(dot - path), path);
  set_path(child(obj, key), dot + 1, value);
}

/* The element of array `key` of obj whose "name" is name, added if new. */
static json_t *named(json_t *obj, const char *key, const char *name) {
  json_t *arr = json_object_get(obj, key);
  if (!arr) {
    arr = json_array();
    json_object_set_new(obj, key, arr);
  }
  size_t i;
  json_t *e;
  json_array_foreach(arr, i, e) {
    if (strcmp(json_string_value(json_object_get(e, "name")), name) == 0) return e;
  }
  e = json_pack("{s:s}", "name", name);
  json_array_append_new(arr, e);
  return e;
}

static void backup_set(json_t *root, const char *cache, const char *site, const char *key, const char *value) {
  set_path(child(child(child(named(root, "caches", cache), "backups"), site), "backup"), key, value);
}

/* cache C backup S KEY V, '*' meaning every cache / every backup the
 * preset has; a named pair the preset lacks is passed on as written (a new
 * backup, or an unknown name for the loader to report). */
static void apply_backup(json_t *root, const xs_topology *base, const xs_scn_override *o) {
  const char *cache = o->words[1].name, *site = o->words[3].name;
  const char *key = map(backup_map, o->words[4].name);
  if (strcmp(cache, "*") != 0 && strcmp(site, "*") != 0) {
    backup_set(root, cache, site, key, o->value.name);
    return;
  }
  for (int c = 0; c < base->ncaches; c++) {
    const xs_cache_cfg *cc = &base->caches[c];
    if (strcmp(cache, "*") != 0 && strcmp(cache, cc->name) != 0) continue;
    for (int b = 0; b < cc->nbackups; b++)
      if (strcmp(site, "*") == 0 || strcmp(site, cc->backups[b].site) == 0)
        backup_set(root, cc->name, cc->backups[b].site, key, o->value.name);
  }
}

static void apply(json_t *root, const xs_topology *base, const xs_scn_override *o) {
  const char *w0 = o->words[0].name, *v = o->value.name;
  if (strcmp(w0, "link") == 0) {
    set_path(root, strcmp(o->words[1].name, "latency") == 0 ? "link.latencyMs" : "link.jitterMs", v);
  } else if (strcmp(w0, "xsite-fd-timeout") == 0) {
    set_path(root, "xsiteFdTimeoutMs", v);
  } else if (strcmp(w0, "site") == 0) {
    set_path(named(root, "sites", o->words[1].name), "nodes", v);
  } else if (o->nwords == 5) {
    apply_backup(root, base, o);
  } else {
    const char *key = map(cache_map, o->words[2].name);
    for (int c = 0; c < base->ncaches; c++)
      if (strcmp(o->words[1].name, "*") == 0) set_path(named(root, "caches", base->caches[c].name), key, v);
    if (strcmp(o->words[1].name, "*") != 0) set_path(named(root, "caches", o->words[1].name), key, v);
  }
}

/* Loads the preset with overrides [0, n); the loader's message in err. */
static int load_prefix(const xs_scenario *s, const char *preset, const xs_topology *base, int n, xs_topology *t,
                       char *err, size_t len) {
  json_t *root = json_pack("{s:s}", "preset", preset);
  if (!root) return XS_ENOMEM;
  for (int i = 0; i < n; i++) apply(root, base, &s->overrides[i]);
  char *text = json_dumps(root, JSON_COMPACT);
  int rc = text ? xs_topology_parse(text, strlen(text), "set", t, err, len) : XS_ENOMEM;
  free(text);
  json_decref(root);
  return rc;
}

/* All the `set` lines together; when the result is not valid, the first
 * line after which it stops being valid is the one reported (lines may
 * pass through an invalid state, as strategy ASYNC before failure-policy
 * WARN, as long as the end is valid). */
static int with_overrides(scn_rt *rt, const char *preset, xs_topology *t) {
  const xs_scenario *s = rt->scn;
  xs_topology base;
  xs_topology_preset(preset, &base);
  char err[XS_MSG_BYTES_MAX] = "";
  int rc = load_prefix(s, preset, &base, s->noverrides, t, err, sizeof err);
  if (!rc) return 0;
  int i = 1;
  while (i < s->noverrides && !load_prefix(s, preset, &base, i, t, err, sizeof err)) i++;
  if (i == s->noverrides) load_prefix(s, preset, &base, i, t, err, sizeof err);
  const xs_scn_override *o = &s->overrides[i - 1];
  const char *msg = strncmp(err, "set: ", 5) == 0 ? err + 5 : err;
  xs__scn_failure(rt, XS_SCN_FAIL_SETUP, o->line, o->value.col, NULL, "%s: %s", o->src, msg);
  return rc;
}

int xs__scn_topology(scn_rt *rt, xs_topology *t) {
  const xs_scenario *s = rt->scn;
  const char *name = s->topology.name[0] ? s->topology.name : "keycloak-ha";
  char err[XS_MSG_BYTES_MAX] = "";
  int rc;
  if (s->topology_file) {
    char path[4096];
    const char *dir = rt->opts->dir && *rt->opts->dir ? rt->opts->dir : ".";
    snprintf(path, sizeof path, "%s%s%s", name[0] == '/' ? "" : dir, name[0] == '/' ? "" : "/", name);
    rc = xs_topology_load(path, t, err, sizeof err);
    if (rc) xs__scn_failure(rt, XS_SCN_FAIL_SETUP, s->topology_line, s->topology.col, NULL, "%s", err);
  } else if (s->noverrides) {
    rc = with_overrides(rt, name, t);
  } else {
    rc = xs_topology_preset(name, t);
    if (rc) xs__scn_failure(rt, XS_SCN_FAIL_SETUP, s->topology_line, s->topology.col, NULL, "unknown preset '%s'", name);
  }
  if (rc) rt->setup_failed = true;
  return rc;
}
