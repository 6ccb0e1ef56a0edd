/*
 * rest_cache.c - cache entries and cache-level actions of REST v2
 * (BaseCacheResource, CacheResourceV2) over the core's cache operations.
 *
 * Every write goes through xs_op_submit, so it is backed up cross-site with
 * all the core's rules and answers when the backups have answered: a SYNC
 * backup failing under FAIL is 500 with the ISPN000709 text, as Infinispan's
 * RestRequestHandler maps an unexpected exception.  The `flags` header is
 * read as Infinispan reads it (comma-separated Flag names; an unknown name
 * is 400), and SKIP_XSITE_BACKUP keeps a write or a clear local.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rest_internal.h"

/* ------------------------------------------------------------------------ */
/* Request details                                                            */

/* The Flag names Infinispan accepts (org.infinispan.context.Flag); only
 * SKIP_XSITE_BACKUP changes anything here. */
static const char *const known_flags[] = {
    "ZERO_LOCK_ACQUISITION_TIMEOUT", "CACHE_MODE_LOCAL", "SKIP_LOCKING", "FORCE_WRITE_LOCK",
    "FORCE_ASYNCHRONOUS", "FORCE_SYNCHRONOUS", "SKIP_CACHE_STORE", "SKIP_CACHE_LOAD",
    "FAIL_SILENTLY", "SKIP_REMOTE_LOOKUP", "SKIP_INDEXING", "PUT_FOR_EXTERNAL_READ",
    "PUT_FOR_STATE_TRANSFER", "PUT_FOR_X_SITE_STATE_TRANSFER", "SKIP_SHARED_CACHE_STORE",
    "SKIP_OWNERSHIP_CHECK", "IGNORE_RETURN_VALUES", "SKIP_XSITE_BACKUP", "SKIP_LISTENER_NOTIFICATION",
    "SKIP_STATISTICS", "SKIP_INDEX_CLEANUP", "COMMAND_RETRY", "ROLLING_UPGRADE", "REMOTE_ITERATION",
    "SKIP_SIZE_OPTIMIZATION", "IRAC_UPDATE", "IRAC_STATE",
};

/* Reads the `flags` header into core flags; false after replying 400. */
static bool read_flags(xs_rest_call *c, uint32_t *flags) {
  *flags = 0;
  const char *h = xs_http_header(c->req, "flags");
  if (!h) return true;
  const char *p = h;
  while (*p) {
    while (*p == ' ' || *p == ',') p++;
    size_t n = strcspn(p, ",");
    size_t t = n;
    while (t && p[t - 1] == ' ') t--;
    if (t) {
      bool known = false;
      for (size_t i = 0; i < sizeof known_flags / sizeof *known_flags && !known; i++)
        known = strlen(known_flags[i]) == t && strncmp(known_flags[i], p, t) == 0;
      if (!known) { /* Flag.valueOf -> IllegalArgumentException -> 400 */
        xs__rest_reply_text(c, 400, "No enum constant org.infinispan.context.Flag.%.*s", (int)t, p);
        return false;
      }
      if (t == 17 && strncmp(p, "SKIP_XSITE_BACKUP", 17) == 0) *flags |= XS_FLAG_SKIP_XSITE_BACKUP;
    }
    p += n;
  }
  return true;
}

/* A seconds header (timeToLiveSeconds, maxIdleTimeSeconds) in ms; absent,
 * zero or negative means none (-1).  False after replying 400 with the
 * message of Java's Long.parseLong. */
static bool read_seconds(xs_rest_call *c, const char *name, xs_ms *out) {
  *out = -1;
  const char *h = xs_http_header(c->req, name);
  if (!h) return true;
  int64_t v;
  if (!xs__parse_i64(h, &v)) {
    xs__rest_reply_text(c, 400, "For input string: \"%s\"", h);
    return false;
  }
  if (v > 0) *out = v > INT64_MAX / 1000 ? INT64_MAX / 2 : v * 1000;
  return true;
}

static uint8_t vtype_of(const char *ctype) {
  if (!ctype) return XS_VTYPE_BYTES;
  if (strncasecmp(ctype, "text/plain", 10) == 0) return XS_VTYPE_REST_TEXT;
  if (strncasecmp(ctype, "application/json", 16) == 0) return XS_VTYPE_REST_JSON;
  if (strncasecmp(ctype, "application/xml", 15) == 0) return XS_VTYPE_REST_XML;
  return XS_VTYPE_BYTES;
}

static const char *ctype_of(uint8_t vtype) {
  switch (vtype) {
  case XS_VTYPE_REST_TEXT: return "text/plain; charset=UTF-8";
  case XS_VTYPE_REST_JSON: return "application/json";
  case XS_VTYPE_REST_XML: return "application/xml";
  default: return "application/octet-stream";
  }
}

/* The answer for an operation that failed in the core. */
static void reply_op_error(xs_rest_call *c, int status, const char *error) {
  switch (status) {
  case XS_ESITEDOWN: xs__rest_reply_text(c, 503, "xsim: site is down"); break;
  case XS_ELIMIT: xs__rest_reply_text(c, 413, "xsim: key or value too large"); break;
  case XS_EEXISTS: xs__rest_reply_text(c, 409, "An entry already exists"); break;
  case XS_ENOTFOUND: xs__rest_reply_empty(c, 404); break;
  default:
    /* ISPN000709 (backup failure), ISPN000299 (lock timeout), ...: an
     * unmapped exception is 500 with its message. */
    xs__rest_reply_text(c, 500, "%s", error && *error ? error : xs_strerror(status));
    break;
  }
}

static void submit(xs_rest_call *c, const xs_op *op, xs_op_cb cb) {
  int64_t id = xs_op_submit(c->r->sim, op, cb, c);
  if (id < 0) reply_op_error(c, (int)id, NULL);
}

/* ------------------------------------------------------------------------ */
/* Entries                                                                    */

/* A short hash of the value for the ETag header (FNV-1a; Infinispan uses
 * MurmurHash3, so the tags differ but behave the same). */
static uint32_t etag_hash(const uint8_t *v, uint32_t n) {
  uint32_t h = 2166136261u;
  for (uint32_t i = 0; i < n; i++) h = (h ^ v[i]) * 16777619u;
  return h;
}

static void get_done(xs_sim *sim, void *ud, const xs_op_result *res) {
  xs_rest_call *c = ud;
  if (res->status) {
    reply_op_error(c, res->status, res->error);
  } else if (!res->found) {
    xs__rest_reply_empty(c, 404);
  } else {
    char etag[16];
    snprintf(etag, sizeof etag, "\"%u\"", etag_hash(res->value, res->value_len));
    xs__rest_add_header(c, "etag", etag);
    xs__rest_reply(c, 200, ctype_of(res->vtype), res->value, res->value_len);
  }
}

/* GET|HEAD /rest/v2/caches/{c}/{key}: reads refresh max-idle, as a get does. */
void xs__rest_entry_get(xs_rest_call *c) {
  int cache = xs__rest_cache_or_404(c);
  uint32_t flags;
  if (cache < 0 || !read_flags(c, &flags)) return;
  xs_op op;
  xs_op_init(&op, XS_OP_GET, c->r->site, cache);
  op.key = (const uint8_t *)c->key;
  op.key_len = (uint32_t)c->key_len;
  op.flags = flags | XS_FLAG_TOUCH;
  submit(c, &op, get_done);
}

static void write_done(xs_sim *sim, void *ud, const xs_op_result *res) {
  xs_rest_call *c = ud;
  if (res->status) reply_op_error(c, res->status, res->error);
  else xs__rest_reply_empty(c, 204);
}

static void write_entry(xs_rest_call *c, xs_op_kind kind) {
  int cache = xs__rest_cache_or_404(c);
  uint32_t flags;
  xs_ms ttl, idle;
  if (cache < 0 || !read_flags(c, &flags) || !read_seconds(c, "timeToLiveSeconds", &ttl) ||
      !read_seconds(c, "maxIdleTimeSeconds", &idle))
    return;
  xs_op op;
  xs_op_init(&op, kind, c->r->site, cache);
  op.key = (const uint8_t *)c->key;
  op.key_len = (uint32_t)c->key_len;
  op.value = c->req->body ? c->req->body : (const uint8_t *)"";
  op.value_len = (uint32_t)c->req->body_len;
  op.vtype = vtype_of(xs_http_header(c->req, "Content-Type"));
  op.lifespan_ms = ttl;
  op.max_idle_ms = idle;
  op.flags = flags;
  submit(c, &op, write_done);
}

/* PUT: create or replace, 204.  POST: create only; 409 when present. */
void xs__rest_entry_put(xs_rest_call *c) { write_entry(c, XS_OP_PUT); }
void xs__rest_entry_post(xs_rest_call *c) { write_entry(c, XS_OP_PUT_IF_ABSENT); }

static void delete_done(xs_sim *sim, void *ud, const xs_op_result *res) {
  xs_rest_call *c = ud;
  if (res->status) reply_op_error(c, res->status, res->error);
  else xs__rest_reply_empty(c, res->found ? 204 : 404);
}

void xs__rest_entry_delete(xs_rest_call *c) {
  int cache = xs__rest_cache_or_404(c);
  uint32_t flags;
  if (cache < 0 || !read_flags(c, &flags)) return;
  xs_op op;
  xs_op_init(&op, XS_OP_REMOVE, c->r->site, cache);
  op.key = (const uint8_t *)c->key;
  op.key_len = (uint32_t)c->key_len;
  op.flags = flags;
  submit(c, &op, delete_done);
}

/* ------------------------------------------------------------------------ */
/* Cache actions                                                              */

/* POST /rest/v2/caches/{c}?action=clear: 204 once the clear (and its
 * backups to every ONLINE site, unless SKIP_XSITE_BACKUP) is done. */
void xs__rest_cache_clear(xs_rest_call *c) {
  int cache = xs__rest_cache_or_404(c);
  uint32_t flags;
  if (cache < 0 || !read_flags(c, &flags)) return;
  xs_op op;
  xs_op_init(&op, XS_OP_CLEAR, c->r->site, cache);
  op.flags = flags;
  submit(c, &op, write_done);
}

/* GET ?action=size: a bare JSON number. */
void xs__rest_cache_size(xs_rest_call *c) {
  int cache = xs__rest_cache_or_404(c);
  if (cache < 0) return;
  char num[32];
  snprintf(num, sizeof num, "%lld", (long long)xs_cache_size(c->r->sim, c->r->site, cache));
  xs__rest_reply(c, 200, "application/json", num, strlen(num));
}

typedef struct keys_acc {
  xs_buf *b;
  int64_t left; /* -1: no limit */
  bool first;
} keys_acc;

static int key_cb(void *ud, const uint8_t *k, uint32_t kl, const uint8_t *v, uint32_t vl, uint8_t t) {
  keys_acc *a = ud;
  if (a->left == 0) return 1;
  xs_buf_puts(a->b, a->first ? "" : ",");
  xs__json_str(a->b, (const char *)k, kl);
  a->first = false;
  if (a->left > 0) a->left--;
  return xs_buf_ok(a->b) ? 0 : 1;
}

/* GET ?action=keys[&limit=N]: a JSON array of the keys as text. */
void xs__rest_cache_keys(xs_rest_call *c) {
  int cache = xs__rest_cache_or_404(c);
  if (cache < 0) return;
  int64_t limit = -1;
  const char *l = xs_http_query(c->req, "limit");
  if (l && !xs__parse_i64(l, &limit)) {
    xs__rest_reply_text(c, 400, "For input string: \"%s\"", l);
    return;
  }
  xs_buf b;
  xs_buf_init(&b, XS_REST_JSON_MAX);
  keys_acc a = {&b, limit < 0 ? -1 : limit, true};
  xs_buf_puts(&b, "[");
  xs_cache_foreach(c->r->sim, c->r->site, cache, key_cb, &a);
  xs_buf_puts(&b, "]");
  xs__rest_reply_json(c, 200, &b);
  xs_buf_free(&b);
}

/* HEAD /rest/v2/caches/{c}: whether the cache exists. */
void xs__rest_cache_exists(xs_rest_call *c) {
  int cache = xs_sim_cache_index(c->r->sim, c->cache_var);
  bool ok = cache >= 0 && xs_sim_cache_defined(c->r->sim, c->r->site, cache);
  xs__rest_reply_empty(c, ok ? 200 : 404);
}

/* GET ?action=stats, in the key order of rest_cache_stats_response.json.
 * The core keeps no hit/miss/timing counters: those are 0 (or -1 where
 * Infinispan uses -1 for "not computed"). */
void xs__rest_cache_stats(xs_rest_call *c) {
  int cache = xs__rest_cache_or_404(c);
  if (cache < 0) return;
  long long n = (long long)xs_cache_size(c->r->sim, c->r->site, cache);
  long long up = (long long)(xs_sim_now(c->r->sim) / 1000);
  xs_buf b;
  xs_buf_init(&b, XS_REST_JSON_MAX);
  xs_buf_printf(&b,
                "{\"statistics_enabled\":true,\"read_write_ratio\":0.0,\"time_since_start\":%lld,"
                "\"time_since_reset\":%lld,\"number_of_entries\":%lld,\"off_heap_memory_used\":0,"
                "\"data_memory_used\":0,\"misses\":0,\"remove_hits\":0,\"remove_misses\":0,"
                "\"evictions\":0,\"average_read_time\":0,\"average_read_time_nanos\":0,"
                "\"average_write_time\":0,\"average_write_time_nanos\":0,\"average_remove_time\":0,"
                "\"average_remove_time_nanos\":0,\"required_minimum_number_of_nodes\":-1,\"hits\":0,"
                "\"stores\":0,\"current_number_of_entries_in_memory\":%lld,\"hit_ratio\":0.0,"
                "\"retrievals\":0}",
                up, up, n, n);
  xs__rest_reply_json(c, 200, &b);
  xs_buf_free(&b);
}

/* ------------------------------------------------------------------------ */
/* Configuration and the cache list                                           */

static const char *strategy_name(xs_strategy s) { return s == XS_STRATEGY_SYNC ? "SYNC" : "ASYNC"; }
static const char *policy_name(xs_policy p) {
  return p == XS_POLICY_FAIL ? "FAIL" : p == XS_POLICY_IGNORE ? "IGNORE" : "WARN";
}
static const char *merge_name(xs_merge_policy m) {
  static const char *const n[] = {"DEFAULT", "PREFER_NON_NULL", "PREFER_NULL", "ALWAYS_REMOVE"};
  return (unsigned)m < 4 ? n[m] : "DEFAULT";
}

static void backups_json(xs_rest *r, const xs_cache_cfg *cfg, xs_buf *b) {
  xs_buf_printf(b, ",\"backups\":{\"merge-policy\":\"%s\"", merge_name(cfg->merge_policy));
  for (int i = 0; i < cfg->nbackups; i++) {
    const xs_backup_cfg *bk = &cfg->backups[i];
    if (strcmp(bk->site, xs_sim_site_name(r->sim, r->site)) == 0) continue; /* not to itself */
    xs_buf_puts(b, ",");
    xs__json_cstr(b, bk->site);
    xs_buf_printf(b,
                  ":{\"backup\":{\"strategy\":\"%s\",\"timeout\":\"%lld\",\"failure-policy\":\"%s\","
                  "\"take-offline\":{\"after-failures\":\"%d\",\"min-wait\":\"%lld\"},"
                  "\"state-transfer\":{\"chunk-size\":\"%d\",\"mode\":\"%s\"}}}",
                  strategy_name(bk->strategy), (long long)bk->timeout_ms, policy_name(bk->failure_policy),
                  bk->after_failures, (long long)bk->min_wait_ms, bk->st_chunk_size,
                  bk->st_mode == XS_ST_AUTO ? "AUTO" : "MANUAL");
  }
  xs_buf_puts(b, "}");
}

/* {"<name>":{"distributed-cache":{...}}}, in the spirit of Infinispan's JSON
 * configuration (the attributes the topology knows). */
void xs__rest_cache_config_json(xs_rest *r, int cache, xs_buf *b) {
  const xs_cache_cfg *cfg = &xs_sim_topology(r->sim)->caches[cache];
  const char *kind = cfg->mode == XS_MODE_REPL ? "replicated-cache"
                   : cfg->mode == XS_MODE_LOCAL ? "local-cache" : "distributed-cache";
  xs_buf_puts(b, "{");
  xs__json_cstr(b, cfg->name);
  xs_buf_printf(b, ":{\"%s\":{", kind);
  if (cfg->mode != XS_MODE_LOCAL) xs_buf_puts(b, "\"mode\":\"SYNC\",");
  if (cfg->mode == XS_MODE_DIST) xs_buf_printf(b, "\"owners\":\"%d\",", cfg->owners);
  xs_buf_printf(b, "\"statistics\":true,\"locking\":{\"acquire-timeout\":\"%lld\"}",
                (long long)cfg->lock_timeout_ms);
  if (cfg->tx != XS_TX_NONE)
    xs_buf_printf(b, ",\"transaction\":{\"mode\":\"NON_XA\",\"locking\":\"%s\"}",
                  cfg->tx == XS_TX_OPTIMISTIC ? "OPTIMISTIC" : "PESSIMISTIC");
  if (cfg->nbackups) backups_json(r, cfg, b);
  xs_buf_puts(b, "}}}");
}

/* GET ?action=config */
void xs__rest_cache_config(xs_rest_call *c) {
  int cache = xs__rest_cache_or_404(c);
  if (cache < 0) return;
  xs_buf b;
  xs_buf_init(&b, XS_REST_JSON_MAX);
  xs__rest_cache_config_json(c->r, cache, &b);
  xs__rest_reply_json(c, 200, &b);
  xs_buf_free(&b);
}

/* GET /rest/v2/caches: the names of this site's caches, alphabetically. */
void xs__rest_cache_list(xs_rest_call *c) {
  xs_rest *r = c->r;
  int caches[XS_CACHES_MAX];
  int n = xs__rest_caches_sorted(r, NULL, caches);
  xs_buf b;
  xs_buf_init(&b, XS_REST_JSON_MAX);
  xs_buf_puts(&b, "[");
  for (int i = 0; i < n; i++) {
    xs_buf_puts(&b, i ? "," : "");
    xs__json_cstr(&b, xs_sim_cache_name(r->sim, caches[i]));
  }
  xs_buf_puts(&b, "]");
  xs__rest_reply_json(c, 200, &b);
  xs_buf_free(&b);
}
