/*
 * target_check.c - the conditions of `xsim run --target` (run_target.h)
 * read over REST from live sites: `identical` (every key and value of the
 * caches named, or of every cache with backups, equal on all sites),
 * `replication A -> B online|offline` (GET .../x-site/backups/),
 * `push A -> B STATE` (?action=push-state-status), `view A has|lacks B`
 * (GET /rest/v2/container), `entries A CACHE cmp N` (?action=size) and
 * `site A up|down` (GET /rest/v2/server answers).  Anything else needs the
 * simulator and is refused with XS_EINVAL.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "run_target.h"

#define PATH_MAX_BYTES 4096 /* a request target with a percent-encoded key */

int xs_tgt_site(const xs_tgt *t, const char *name) {
  for (int i = 0; i < t->nsites; i++)
    if (strcmp(t->topo.sites[i].name, name) == 0) return i;
  return -1;
}

int xs_tgt_get(xs_tgt *t, int s, const char *target, xs_cli_response *out, char *why, size_t len) {
  if (s < 0 || s >= t->nsites) return snprintf(why, len, "GET %s: no such site", target), XS_ENOSITE;
  xs_http_request *req = xs_http_request_new("GET", target);
  if (!req) return snprintf(why, len, "out of memory"), XS_ENOMEM;
  xs_cli_transport tr = xs_cli_curl_transport(t->http[s]);
  xs_cli_response_reset(out);
  int rc = tr.request(tr.ud, req, out);
  xs_http_request_free(req);
  if (rc < 0) return snprintf(why, len, "GET %s on %s: %s", target, t->topo.sites[s].name, out->error), XS_TGT_EHTTP;
  if (out->status != 200)
    return snprintf(why, len, "GET %s on %s: HTTP %d %.120s", target, t->topo.sites[s].name, out->status,
                    xs_buf_cstr(&out->body)), XS_TGT_EHTTP;
  return 0;
}

/* GET target as JSON. */
static int get_json(xs_tgt *t, int s, const char *target, json_t **out, char *why, size_t len) {
  xs_cli_response r;
  xs_cli_response_init(&r);
  int rc = xs_tgt_get(t, s, target, &r, why, len);
  *out = NULL;
  if (rc == 0) {
    json_error_t e;
    *out = json_loadb(r.body.data ? (const char *)r.body.data : "", r.body.len, JSON_DECODE_ANY, &e);
    if (!*out) rc = XS_TGT_EHTTP, snprintf(why, len, "GET %s on %s: not JSON: %s", target, t->topo.sites[s].name, e.text);
  }
  xs_cli_response_free(&r);
  return rc;
}

/* Percent-encodes everything but unreserved characters. */
static void escape(const char *in, char *out, size_t len) {
  static const char hex[] = "0123456789ABCDEF";
  size_t o = 0;
  for (const unsigned char *p = (const unsigned char *)in; *p && o + 4 < len; p++) {
    if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || strchr("-._~", *p)) {
      out[o++] = (char)*p;
    } else {
      out[o++] = '%';
      out[o++] = hex[*p >> 4];
      out[o++] = hex[*p & 15];
    }
  }
  out[o] = 0;
}

/* ------------------------------------------------------------------------ */
/* Statuses                                                                   */

/* The caches of the topology that site a backs up to site b (or just `only`). */
static bool backs_up(const xs_tgt *t, int k, const char *b) {
  const xs_cache_cfg *c = &t->topo.caches[k];
  for (int i = 0; i < c->nbackups; i++)
    if (strcmp(c->backups[i].site, b) == 0) return true;
  return false;
}

/* The status of the backup to b in a status map: "online", or {"status":"online"}. */
static const char *status_of(json_t *map, const char *b) {
  json_t *v = json_object_get(map, b);
  if (json_is_object(v)) v = json_object_get(v, "status");
  return json_is_string(v) ? json_string_value(v) : NULL;
}

static int backups_are(xs_tgt *t, const xs_scn_cond *c, bool push, char *why, size_t len) {
  int a = xs_tgt_site(t, c->a.name), seen = 0;
  for (int k = 0; k < t->topo.ncaches; k++) {
    const char *name = t->topo.caches[k].name;
    if ((c->cache.name[0] && strcmp(c->cache.name, name) != 0) || !backs_up(t, k, c->b.name)) continue;
    char path[PATH_MAX_BYTES], esc[PATH_MAX_BYTES / 4];
    escape(name, esc, sizeof esc);
    snprintf(path, sizeof path, push ? "/rest/v2/caches/%s/x-site/backups?action=push-state-status"
                                     : "/rest/v2/caches/%s/x-site/backups/", esc);
    json_t *j;
    int rc = get_json(t, a, path, &j, why, len);
    if (rc < 0) return rc;
    const char *st = status_of(j, c->b.name);
    const char *want = push ? xs_push_status_text((xs_push_status)c->state) : c->state ? "offline" : "online";
    bool ok = st ? strcasecmp(st, want) == 0 : push && c->state == XS_PUSH_IDLE;
    if (!ok) snprintf(why, len, "%s: %s (wanted %s)", name, st ? st : "no status", want);
    json_decref(j);
    if (!ok) return 0;
    seen++;
  }
  if (!seen) snprintf(why, len, "no cache on %s backs up to %s", c->a.name, c->b.name);
  return seen > 0;
}

static int view_has(xs_tgt *t, const xs_scn_cond *c, char *why, size_t len) {
  json_t *j;
  int rc = get_json(t, xs_tgt_site(t, c->a.name), "/rest/v2/container", &j, why, len);
  if (rc < 0) return rc;
  json_t *v = json_object_get(j, "sites_view"), *e;
  size_t i;
  bool has = false;
  json_array_foreach(v, i, e) if (json_is_string(e) && strcmp(json_string_value(e), c->b.name) == 0) has = true;
  json_decref(j);
  bool ok = has == (c->state == XS_STATE_HAS);
  if (!ok) snprintf(why, len, "the view of %s %s %s", c->a.name, has ? "has" : "lacks", c->b.name);
  return ok;
}

static int entries_cmp(xs_tgt *t, const xs_scn_cond *c, char *why, size_t len) {
  char path[PATH_MAX_BYTES], esc[PATH_MAX_BYTES / 4];
  escape(c->cache.name, esc, sizeof esc);
  snprintf(path, sizeof path, "/rest/v2/caches/%s?action=size", esc);
  json_t *j;
  int rc = get_json(t, xs_tgt_site(t, c->a.name), path, &j, why, len);
  if (rc < 0) return rc;
  json_int_t n = json_is_integer(j) ? json_integer_value(j) : -1;
  json_decref(j);
  bool ok = c->cmp == XS_CMP_EQ ? n == c->n : c->cmp == XS_CMP_NE ? n != c->n : c->cmp == XS_CMP_LT ? n < c->n
          : c->cmp == XS_CMP_LE ? n <= c->n : c->cmp == XS_CMP_GT ? n > c->n : n >= c->n;
  if (!ok) snprintf(why, len, "%s on %s has %lld entries", c->cache.name, c->a.name, (long long)n);
  return ok;
}

static int site_up(xs_tgt *t, const xs_scn_cond *c, char *why, size_t len) {
  xs_cli_response r;
  xs_cli_response_init(&r);
  int rc = xs_tgt_get(t, xs_tgt_site(t, c->a.name), "/rest/v2/server", &r, why, len);
  xs_cli_response_free(&r);
  bool ok = (rc == 0) == (c->state == XS_STATE_UP);
  if (!ok && rc == 0) snprintf(why, len, "%s answers", c->a.name);
  return ok;
}

/* ------------------------------------------------------------------------ */
/* identical                                                                  */

/* The sorted keys of a cache on site s. */
static int keys_of(xs_tgt *t, int s, const char *esc, json_t **out, char *why, size_t len) {
  char path[PATH_MAX_BYTES];
  snprintf(path, sizeof path, "/rest/v2/caches/%s?action=keys&limit=%d", esc, XS_TGT_KEYS_MAX);
  int rc = get_json(t, s, path, out, why, len);
  if (rc == 0 && !json_is_array(*out)) {
    json_decref(*out);
    *out = NULL;
    return snprintf(why, len, "GET %s on %s: not a JSON array", path, t->topo.sites[s].name), XS_TGT_EHTTP;
  }
  return rc;
}

static bool has_key(json_t *keys, const char *k) {
  size_t i;
  json_t *e;
  json_array_foreach(keys, i, e) if (json_is_string(e) && strcmp(json_string_value(e), k) == 0) return true;
  return false;
}

/* Every key of site 0 on site s with the same value, and no more keys. */
static int same_values(xs_tgt *t, int s, const char *cache, const char *esc, json_t *k0, json_t *ks, char *why,
                       size_t len) {
  if (json_array_size(k0) != json_array_size(ks))
    return snprintf(why, len, "%s: %zu keys on %s, %zu on %s", cache, json_array_size(k0), t->topo.sites[0].name,
                    json_array_size(ks), t->topo.sites[s].name), 0;
  xs_cli_response r0, rs;
  xs_cli_response_init(&r0);
  xs_cli_response_init(&rs);
  int rc = 1;
  size_t i;
  json_t *e;
  json_array_foreach(k0, i, e) {
    const char *k = json_string_value(e);
    if (!k || !has_key(ks, k)) {
      rc = 0, snprintf(why, len, "%s: key '%s' on %s only", cache, k ? k : "?", t->topo.sites[0].name);
      break;
    }
    char path[PATH_MAX_BYTES], kesc[PATH_MAX_BYTES / 2];
    escape(k, kesc, sizeof kesc);
    snprintf(path, sizeof path, "/rest/v2/caches/%s/%s", esc, kesc);
    if ((rc = xs_tgt_get(t, 0, path, &r0, why, len)) < 0 || (rc = xs_tgt_get(t, s, path, &rs, why, len)) < 0) break;
    rc = 1;
    if (r0.body.len != rs.body.len || memcmp(xs_buf_cstr(&r0.body), xs_buf_cstr(&rs.body), r0.body.len) != 0) {
      rc = 0, snprintf(why, len, "%s: key '%s' differs: %.80s on %s, %.80s on %s", cache, k, xs_buf_cstr(&r0.body),
                       t->topo.sites[0].name, xs_buf_cstr(&rs.body), t->topo.sites[s].name);
      break;
    }
  }
  xs_cli_response_free(&r0);
  xs_cli_response_free(&rs);
  return rc;
}

static bool named(const xs_scn_names *n, const char *cache) {
  for (int i = 0; i < n->n; i++)
    if (strcmp(n->v[i].name, cache) == 0) return true;
  return false;
}

static int one_cache(xs_tgt *t, const char *cache, char *why, size_t len) {
  char esc[PATH_MAX_BYTES / 4];
  escape(cache, esc, sizeof esc);
  json_t *k0;
  int rc = keys_of(t, 0, esc, &k0, why, len);
  if (rc == 0) rc = 1;
  for (int s = 1; rc >= 0 && s < t->nsites; s++) {
    json_t *ks;
    rc = keys_of(t, s, esc, &ks, why, len);
    if (rc == 0) rc = same_values(t, s, cache, esc, k0, ks, why, len);
    else ks = NULL;
    json_decref(ks);
    if (rc == 0) break;
  }
  json_decref(k0);
  return rc;
}

static int identical(xs_tgt *t, const xs_scn_cond *c, char *why, size_t len) {
  int compared = 0;
  for (int k = 0; k < t->topo.ncaches; k++) {
    const xs_cache_cfg *cc = &t->topo.caches[k];
    bool want = c->caches.n && !c->except ? named(&c->caches, cc->name)
                                          : cc->nbackups > 0 && !(c->except && named(&c->caches, cc->name));
    if (!want) continue;
    why[0] = 0;
    int rc = one_cache(t, cc->name, why, len);
    if (rc <= 0) return rc;
    compared++;
  }
  snprintf(why, len, "%d caches compared", compared);
  return 1;
}

/* The sites a condition names must be the topology's. */
static int known_sites(const xs_tgt *t, const xs_scn_cond *c, char *why, size_t len) {
  const char *names[] = {c->a.name, c->b.name};
  for (int i = 0; i < 2; i++)
    if (names[i][0] && xs_tgt_site(t, names[i]) < 0)
      return snprintf(why, len, "unknown site '%s' (the topology has %s, %s%s)", names[i], t->topo.sites[0].name,
                      t->nsites > 1 ? t->topo.sites[1].name : "", t->nsites > 2 ? ", ..." : ""), XS_ENOSITE;
  return 0;
}

int xs_tgt_cond(xs_tgt *t, const xs_scn_cond *c, char *why, size_t len) {
  int rc;
  why[0] = 0;
  if ((rc = known_sites(t, c, why, len)) < 0) return rc;
  switch (c->kind) {
  case XS_COND_IDENTICAL: rc = identical(t, c, why, len); break;
  case XS_COND_REPLICATION: rc = backups_are(t, c, false, why, len); break;
  case XS_COND_PUSH: rc = backups_are(t, c, true, why, len); break;
  case XS_COND_VIEW: rc = view_has(t, c, why, len); break;
  case XS_COND_ENTRIES: rc = entries_cmp(t, c, why, len); break;
  case XS_COND_SITE: rc = site_up(t, c, why, len); break;
  default:
    snprintf(why, len, "needs the simulator (load balancer, Keycloak or link state)");
    return XS_EINVAL;
  }
  if (rc < 0) return rc;
  if (c->negate && rc == 1) snprintf(why, len, "holds, and `not` was asked");
  return c->negate ? !rc : rc;
}
