/*
 * rest_xsite.c - the cross-site REST endpoints (Infinispan's XSiteResource),
 * cache level and container level, over the core's admin operations.
 *
 * Bodies are compact JSON with the keys in java.util.HashMap order
 * (javamap.c), statuses and texts as reference section 3.2 gives them:
 *  - an unknown cache is 404 ISPN012010, a cache without backups 404
 *    "Cache '<c>' does not have backup sites.", a site the cache does not
 *    back up to 404 "Cache '<c>' does not backup to site '<s>'";
 *  - a cache-level operation answering anything but "ok" is 500
 *    "ISPN012047: Site operation on '<s>' failed: '<result>'";
 *  - the container-level ("all caches") operations answer 200 with a map
 *    cache -> result over every cache that has backups, inserted in
 *    alphabetical order (DefaultCacheManager.getCacheNames() is a TreeSet
 *    since 15.0) - so a cache that does not back up to the site answers
 *    "Incorrect site name: <s>" in the map instead of failing the request.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "rest_internal.h"

/* ------------------------------------------------------------------------ */
/* Addressing                                                                 */

static bool cache_has_backups(const xs_rest *r, int cache) {
  return xs_admin_backup_index(r->sim, r->site, cache, -1) != XS_ENOBACKUPS;
}

/* Resolves {cache} (and {site} when want_site); replies 404 and returns
 * false when they do not address a backup. */
static bool resolve(xs_rest_call *c, bool want_site) {
  xs_rest *r = c->r;
  int cache = xs__rest_cache_or_404(c);
  if (cache < 0) return false;
  if (!cache_has_backups(r, cache)) {
    xs__rest_reply_text(c, 404, "Cache '%s' does not have backup sites.", c->cache_var);
    return false;
  }
  c->cache = cache;
  if (!want_site) return true;
  int remote = xs_sim_site_index(r->sim, c->site_var);
  if (remote < 0 || xs_admin_backup_index(r->sim, r->site, cache, remote) < 0) {
    xs__rest_reply_text(c, 404, "Cache '%s' does not backup to site '%s'", c->cache_var, c->site_var);
    return false;
  }
  c->remote = remote;
  snprintf(c->remote_name, sizeof c->remote_name, "%s", xs_sim_site_name(r->sim, remote));
  return true;
}

/* The sites `cache` backs up to from this site, in configuration order. */
static int backup_sites(const xs_rest *r, int cache, int *out) {
  const xs_cache_cfg *cfg = &xs_sim_topology(r->sim)->caches[cache];
  int n = 0;
  for (int i = 0; i < cfg->nbackups; i++) {
    int remote = xs_sim_site_index(r->sim, cfg->backups[i].site);
    if (remote >= 0 && xs_admin_backup_index(r->sim, r->site, cache, remote) >= 0) out[n++] = remote;
  }
  return n;
}

static const char *status_text(int st) { return st == XS_SITE_OFFLINE ? "offline" : "online"; }

/* Writes the value of names[i] (as the caller numbered them) of a map. */
typedef void map_value_fn(xs_buf *b, const void *ud, int i);

/* Replies 200 with the JSON map names[i] -> value, its keys in the order
 * java.util.HashMap iterates them, as every map of XSiteResource's is. */
static void reply_java_map(xs_rest_call *c, const char *const *names, int n, map_value_fn *value,
                           const void *ud) {
  int order[XS_REST_MAP_MAX];
  n = xs__java_order(names, n, order);
  xs_buf b;
  xs_buf_init(&b, XS_REST_JSON_MAX);
  xs_buf_puts(&b, "{");
  for (int i = 0; i < n; i++) {
    xs_buf_puts(&b, i ? "," : "");
    xs__json_cstr(&b, names[order[i]]);
    xs_buf_puts(&b, ":");
    value(&b, ud, order[i]);
  }
  xs_buf_puts(&b, "}");
  xs__rest_reply_json(c, 200, &b);
  xs_buf_free(&b);
}

/* An error the core gave where none was expected (e.g. the site crashed
 * between the request and the operation). */
static void reply_core_error(xs_rest_call *c, int rc) {
  if (rc == XS_ESITEDOWN) xs__rest_reply_text(c, 503, "xsim: site is down");
  else xs__rest_reply_text(c, 500, "xsim: %s", xs_strerror(rc));
}

/* ------------------------------------------------------------------------ */
/* Cache level: statuses                                                      */

/* The two cache-level status maps differ only in the value per site. */
typedef struct site_values {
  const xs_rest_call *c;
  const int *sites;
} site_values;

static void site_status_value(xs_buf *b, const void *ud, int i) {
  const site_values *v = ud;
  const xs_rest *r = v->c->r;
  int st = xs_admin_site_status(r->sim, r->site, v->c->cache, v->sites[i]);
  xs_buf_printf(b, "{\"status\":\"%s\"}", status_text(st));
}

static void push_status_value(xs_buf *b, const void *ud, int i) {
  const site_values *v = ud;
  const xs_rest *r = v->c->r;
  int st = xs_admin_push_status(r->sim, r->site, v->c->cache, v->sites[i]);
  xs_buf_printf(b, "\"%s\"", xs_push_status_text((xs_push_status)st));
}

/* The map site -> value over the sites {cache} backs up to. */
static void reply_site_map(xs_rest_call *c, map_value_fn *value) {
  if (!resolve(c, false)) return;
  int sites[XS_SITES_MAX];
  const char *names[XS_SITES_MAX];
  int n = backup_sites(c->r, c->cache, sites);
  for (int i = 0; i < n; i++) names[i] = xs_sim_site_name(c->r->sim, sites[i]);
  reply_java_map(c, names, n, value, &(site_values){ c, sites });
}

/* GET /rest/v2/caches/{c}/x-site/backups/ -> {"site-b":{"status":"online"}} */
void xs__rest_xsite_cache_status(xs_rest_call *c) { reply_site_map(c, site_status_value); }

/* GET .../x-site/backups?action=push-state-status -> {"site-b":"OK"} */
void xs__rest_xsite_push_status(xs_rest_call *c) { reply_site_map(c, push_status_value); }

/* GET .../x-site/backups/{site} -> one entry per node of this site, all the
 * same value (the nodes share one status here).  Node order: as the core
 * numbers them (Infinispan's map is keyed by JGroups addresses, whose hash
 * is not the name's). */
void xs__rest_xsite_site_nodes(xs_rest_call *c) {
  if (!resolve(c, true)) return;
  xs_rest *r = c->r;
  const char *st = status_text(xs_admin_site_status(r->sim, r->site, c->cache, c->remote));
  xs_buf b;
  xs_buf_init(&b, XS_REST_JSON_MAX);
  xs_buf_puts(&b, "{");
  for (int n = 0; n < xs_sim_node_count(r->sim, r->site); n++) {
    xs_buf_puts(&b, n ? "," : "");
    xs__json_cstr(&b, xs_sim_node_name(r->sim, r->site, n));
    xs_buf_printf(&b, ":\"%s\"", st);
  }
  xs_buf_puts(&b, "}");
  xs__rest_reply_json(c, 200, &b);
  xs_buf_free(&b);
}

/* ------------------------------------------------------------------------ */
/* Cache level: operations                                                    */

static void cache_op_done(xs_sim *sim, void *ud, const xs_admin_result *res) {
  xs_rest_call *c = ud;
  if (res->status == 0 && strcmp(res->text, "ok") == 0) xs__rest_reply_empty(c, 200);
  else if (res->status != 0) reply_core_error(c, res->status);
  else xs__rest_reply_text(c, 500, "ISPN012047: Site operation on '%s' failed: '%s'", c->remote_name, res->text);
}

/* POST .../x-site/backups/{site}?action=...: 200 with an empty body. */
static void cache_op(xs_rest_call *c, xs_admin_kind kind) {
  if (!resolve(c, true)) return;
  int rc = xs_admin_submit(c->r->sim, c->r->site, c->cache, kind, c->remote_name, cache_op_done, c);
  if (rc < 0) reply_core_error(c, rc);
}

void xs__rest_xsite_take_offline(xs_rest_call *c) { cache_op(c, XS_ADMIN_TAKE_OFFLINE); }
void xs__rest_xsite_bring_online(xs_rest_call *c) { cache_op(c, XS_ADMIN_BRING_ONLINE); }
void xs__rest_xsite_push(xs_rest_call *c) { cache_op(c, XS_ADMIN_PUSH_STATE); }
void xs__rest_xsite_cancel_push(xs_rest_call *c) { cache_op(c, XS_ADMIN_CANCEL_PUSH_STATE); }
void xs__rest_xsite_cancel_receive(xs_rest_call *c) { cache_op(c, XS_ADMIN_CANCEL_RECEIVE_STATE); }

static void clear_push_done(xs_sim *sim, void *ud, const xs_admin_result *res) {
  xs_rest_call *c = ud;
  if (res->status) {
    reply_core_error(c, res->status);
    return;
  }
  /* The result string itself, as a JSON string, whatever it says. */
  xs_buf b;
  xs_buf_init(&b, XS_REST_JSON_MAX);
  xs__json_cstr(&b, res->text);
  xs__rest_reply_json(c, 200, &b);
  xs_buf_free(&b);
}

/* POST .../x-site/local?action=clear-push-state-status -> "ok" */
void xs__rest_xsite_clear_push_status(xs_rest_call *c) {
  if (!resolve(c, false)) return;
  int rc = xs_admin_submit(c->r->sim, c->r->site, c->cache, XS_ADMIN_CLEAR_PUSH_STATE_STATUS, NULL,
                           clear_push_done, c);
  if (rc < 0) reply_core_error(c, rc);
}

/* ------------------------------------------------------------------------ */
/* Cache level: take-offline configuration and state-transfer mode           */

void xs__rest_xsite_toc_get(xs_rest_call *c) {
  if (!resolve(c, true)) return;
  int32_t af;
  xs_ms mw;
  int rc = xs_admin_take_offline_get(c->r->sim, c->r->site, c->cache, c->remote, &af, &mw);
  if (rc < 0) {
    reply_core_error(c, rc);
    return;
  }
  xs_buf b;
  xs_buf_init(&b, XS_REST_JSON_MAX);
  xs_buf_printf(&b, "{\"after_failures\":%d,\"min_wait\":%lld}", af, (long long)mw);
  xs__rest_reply_json(c, 200, &b);
  xs_buf_free(&b);
}

/* Reads {"after_failures":N,"min_wait":M}; false after replying 400. */
static bool read_toc(xs_rest_call *c, const xs_http_request *req, int64_t *af, int64_t *mw) {
  json_error_t err;
  json_t *j = json_loadb((const char *)req->body, req->body_len, JSON_DECODE_ANY, &err);
  if (!j) {
    xs__rest_reply_text(c, 400, "Invalid JSON: %s", err.text);
    return false;
  }
  json_t *jmw = json_is_object(j) ? json_object_get(j, "min_wait") : NULL;
  json_t *jaf = json_is_object(j) ? json_object_get(j, "after_failures") : NULL;
  bool ok = false;
  if (!jmw || !jaf) {
    /* Log.REST.missingArguments(MIN_WAIT_FIELD, AFTER_FAILURES_FIELD); the
     * rendering of the two names is unverified (reference 3.2). */
    xs__rest_reply_text(c, 400, "ISPN012044: Missing at least one argument in '[min_wait, after_failures]'");
  } else if (!json_is_integer(jmw) || !json_is_integer(jaf) || json_integer_value(jaf) > INT32_MAX ||
             json_integer_value(jaf) < INT32_MIN) {
    xs__rest_reply_text(c, 400, "Invalid take-offline configuration: after_failures and min_wait must be integers");
  } else {
    *af = json_integer_value(jaf);
    *mw = json_integer_value(jmw);
    ok = true;
  }
  json_decref(j);
  return ok;
}

/* PUT .../take-offline-config: 204 when changed, 304 when not. */
void xs__rest_xsite_toc_put(xs_rest_call *c) {
  const xs_http_request *req = c->req;
  if (!resolve(c, true)) return;
  if (req->body_len == 0) {
    xs__rest_reply_text(c, 400, "ISPN012031: Method requires content");
    return;
  }
  int64_t af, mw;
  if (!read_toc(c, req, &af, &mw)) return;
  int rc = xs_admin_take_offline_set(c->r->sim, c->r->site, c->cache, c->remote, (int32_t)af, mw);
  if (rc < 0) reply_core_error(c, rc);
  else xs__rest_reply_empty(c, rc == 1 ? 204 : 304);
}

void xs__rest_xsite_st_mode_get(xs_rest_call *c) {
  if (!resolve(c, true)) return;
  int mode = xs_admin_st_mode_get(c->r->sim, c->r->site, c->cache, c->remote);
  if (mode < 0) {
    reply_core_error(c, mode);
    return;
  }
  const char *body = mode == XS_ST_AUTO ? "\"AUTO\"" : "\"MANUAL\"";
  xs__rest_reply(c, 200, "application/json", body, strlen(body));
}

/* POST .../state-transfer-mode?action=set&mode=AUTO: 200 changed, 304 not. */
void xs__rest_xsite_st_mode_set(xs_rest_call *c) {
  const char *mode = xs_http_query(c->req, "mode");
  if (!mode) { /* checked before the cache is even looked up */
    xs__rest_reply_text(c, 400, "ISPN012040: Missing required argument 'mode'");
    return;
  }
  if (!resolve(c, true)) return;
  xs_st_mode m;
  if (strcmp(mode, "AUTO") == 0) m = XS_ST_AUTO;
  else if (strcmp(mode, "MANUAL") == 0) m = XS_ST_MANUAL;
  else { /* XSiteStateTransferMode.valueOf: IllegalArgumentException -> 400 */
    xs__rest_reply_text(c, 400, "No enum constant org.infinispan.configuration.cache.XSiteStateTransferMode.%s", mode);
    return;
  }
  int rc = xs_admin_st_mode_set(c->r->sim, c->r->site, c->cache, c->remote, m);
  if (rc == XS_ECONFIG) xs__rest_reply_text(c, 400, "%s", xs_sim_last_error(c->r->sim));
  else if (rc < 0) reply_core_error(c, rc);
  else xs__rest_reply_empty(c, rc == 1 ? 200 : 304);
}

/* ------------------------------------------------------------------------ */
/* Container level: status                                                    */

/* Per remote site, which caches have it online and which offline. */
typedef struct site_agg {
  const xs_rest *r;
  int nsites;
  int site[XS_SITES_MAX];       /* in order of first appearance */
  int non[XS_SITES_MAX], noff[XS_SITES_MAX];
  int on[XS_SITES_MAX][XS_CACHES_MAX], off[XS_SITES_MAX][XS_CACHES_MAX];
} site_agg;

static void aggregate(const xs_rest *r, site_agg *a) {
  memset(a, 0, sizeof *a);
  a->r = r;
  int caches[XS_CACHES_MAX];
  int nc = xs__rest_caches_sorted(r, cache_has_backups, caches);
  for (int i = 0; i < nc; i++) {
    int sites[XS_SITES_MAX];
    int ns = backup_sites(r, caches[i], sites);
    for (int k = 0; k < ns; k++) {
      int j = 0;
      while (j < a->nsites && a->site[j] != sites[k]) j++;
      if (j == a->nsites) a->site[a->nsites++] = sites[k];
      if (xs_admin_site_status(r->sim, r->site, caches[i], sites[k]) == XS_SITE_OFFLINE)
        a->off[j][a->noff[j]++] = caches[i];
      else
        a->on[j][a->non[j]++] = caches[i];
    }
  }
}

static void cache_list(const xs_rest *r, xs_buf *b, const int *caches, int n) {
  xs_buf_puts(b, "[");
  for (int i = 0; i < n; i++) {
    xs_buf_puts(b, i ? "," : "");
    xs__json_cstr(b, xs_sim_cache_name(r->sim, caches[i]));
  }
  xs_buf_puts(b, "]");
}

/* Site j's {"status":"online"}, or the mixed form with the caches of each
 * kind (no cache is ever mixed across its own nodes here, so "mixed" is
 * empty); ud is the site_agg. */
static void global_status_json(xs_buf *b, const void *ud, int j) {
  const site_agg *a = ud;
  const xs_rest *r = a->r;
  if (a->noff[j] == 0 || a->non[j] == 0) {
    xs_buf_printf(b, "{\"status\":\"%s\"}", a->noff[j] ? "offline" : "online");
    return;
  }
  xs_buf_puts(b, "{\"status\":\"mixed\",\"online\":");
  cache_list(r, b, a->on[j], a->non[j]);
  xs_buf_puts(b, ",\"offline\":");
  cache_list(r, b, a->off[j], a->noff[j]);
  xs_buf_puts(b, ",\"mixed\":[]}");
}

/* The aggregate for a container-level status (on the heap: it is two
 * sites x caches tables), or NULL after replying 500. */
static site_agg *aggregate_or_500(xs_rest_call *c) {
  site_agg *a = malloc(sizeof *a);
  if (!a) {
    xs__rest_reply_text(c, 500, "xsim: out of memory");
    return NULL;
  }
  aggregate(c->r, a);
  return a;
}

/* GET /rest/v2/container/x-site/backups/ -> {"site-b":{"status":"online"}} */
void xs__rest_xsite_global_status(xs_rest_call *c) {
  site_agg *a = aggregate_or_500(c);
  if (!a) return;
  const char *names[XS_SITES_MAX];
  for (int j = 0; j < a->nsites; j++) names[j] = xs_sim_site_name(c->r->sim, a->site[j]);
  reply_java_map(c, names, a->nsites, global_status_json, a);
  free(a);
}

/* GET /rest/v2/container/x-site/backups/{site} -> {"status":"offline"};
 * 404 with an empty body when no cache backs up to that site. */
void xs__rest_xsite_global_site(xs_rest_call *c) {
  xs_rest *r = c->r;
  site_agg *a = aggregate_or_500(c);
  if (!a) return;
  int remote = xs_sim_site_index(r->sim, c->site_var), j = 0;
  while (j < a->nsites && a->site[j] != remote) j++;
  if (remote < 0 || j == a->nsites) {
    xs__rest_reply_empty(c, 404);
  } else {
    xs_buf b;
    xs_buf_init(&b, XS_REST_JSON_MAX);
    global_status_json(&b, a, j);
    xs__rest_reply_json(c, 200, &b);
    xs_buf_free(&b);
  }
  free(a);
}

/* ------------------------------------------------------------------------ */
/* Container level: operations on every cache                               */

typedef struct fanout fanout;
typedef struct fan_slot {
  fanout *f;
  int i;
} fan_slot;

struct fanout {
  xs_rest_call *c;
  int n, waiting;
  int cache[XS_CACHES_MAX];
  fan_slot slot[XS_CACHES_MAX];
  char text[XS_CACHES_MAX][XS_MSG_BYTES_MAX];
};

static void fan_text_value(xs_buf *b, const void *ud, int i) {
  const fanout *f = ud;
  xs__json_cstr(b, f->text[i]);
}

/* The map cache -> result, in HashMap order over alphabetical inserts. */
static void fan_reply(fanout *f) {
  const char *names[XS_CACHES_MAX];
  for (int i = 0; i < f->n; i++) names[i] = xs_sim_cache_name(f->c->r->sim, f->cache[i]);
  reply_java_map(f->c, names, f->n, fan_text_value, f);
}

/* Cache i's result when its operation failed, whether on submission or later. */
static void fan_exception(xs_sim *sim, fanout *f, int i, int rc) {
  snprintf(f->text[i], sizeof f->text[0], "Exception on %s : %s", xs_sim_cache_name(sim, f->cache[i]),
           xs_strerror(rc));
}

static void fan_done(xs_sim *sim, void *ud, const xs_admin_result *res) {
  fan_slot *s = ud;
  fanout *f = s->f;
  if (res->status)
    fan_exception(sim, f, s->i, res->status);
  else
    snprintf(f->text[s->i], sizeof f->text[0], "%s", res->text);
  if (--f->waiting == 0) fan_reply(f); /* frees f with the call */
}

static void all_caches_op(xs_rest_call *c, xs_admin_kind kind) {
  xs_rest *r = c->r;
  fanout *f = calloc(1, sizeof *f);
  if (!f) {
    xs__rest_reply_text(c, 500, "xsim: out of memory");
    return;
  }
  c->extra = f;
  f->c = c;
  f->n = xs__rest_caches_sorted(r, cache_has_backups, f->cache);
  /* Count every slot as waiting first, so that no reply goes out before
   * the last submission even if one were to complete early. */
  f->waiting = f->n + 1;
  for (int i = 0; i < f->n; i++) {
    f->slot[i] = (fan_slot){f, i};
    int rc = xs_admin_submit(r->sim, r->site, f->cache[i], kind, c->site_var, fan_done, &f->slot[i]);
    if (rc < 0) {
      fan_exception(r->sim, f, i, rc);
      f->waiting--;
    }
  }
  if (--f->waiting == 0) fan_reply(f);
}

void xs__rest_xsite_all_take_offline(xs_rest_call *c) { all_caches_op(c, XS_ADMIN_TAKE_OFFLINE); }
void xs__rest_xsite_all_bring_online(xs_rest_call *c) { all_caches_op(c, XS_ADMIN_BRING_ONLINE); }
void xs__rest_xsite_all_push(xs_rest_call *c) { all_caches_op(c, XS_ADMIN_PUSH_STATE); }
void xs__rest_xsite_all_cancel_push(xs_rest_call *c) { all_caches_op(c, XS_ADMIN_CANCEL_PUSH_STATE); }
