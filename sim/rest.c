/*
 * rest.c - the REST router's core: lifecycle, the route table and its
 * matching, access checks, the reply helpers and JSON writing.  The answers
 * themselves live in the area files (rest_xsite.c, rest_cache.c,
 * rest_container.c, rest_metrics.c, rest_sim.c).
 *
 * Matching follows Infinispan's ResourceManager: a route is a path plus a
 * method plus an optional ?action=; a trailing slash never matters; a
 * request whose path, method or action matches no route is 404 before any
 * authentication (the lookup fails, so nothing is protected); an empty
 * ?action= is 400 "Invalid action".  Under /rest/v2/caches/{cache}/ the
 * literal "x-site" wins over an entry key, as Infinispan's tree prefers a
 * literal child to its match-all child.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "javamap.h"
#include "rest_internal.h"

/* ------------------------------------------------------------------------ */
/* The route table                                                            */

enum { ACC_ANON, ACC_AUTH, ACC_ADMIN };

#define M(x) (1u << (x))
#define MG M(XS_HTTP_GET)
#define MH M(XS_HTTP_HEAD)
#define MP M(XS_HTTP_POST)
#define MU M(XS_HTTP_PUT)
#define MD M(XS_HTTP_DELETE)

typedef struct route {
  unsigned methods;
  const char *path;   /* segments; {c} cache, {s} site, {n} name, * the key */
  const char *action; /* NULL: the request has no ?action= */
  int access;
  bool sim;           /* /sim/v1: served even while the site is crashed */
  xs_rest_handler fn;
} route;

#define XC "rest/v2/caches/{c}/x-site"
#define XG "rest/v2/container/x-site/backups/{s}"
#define XM "rest/v2/cache-managers/{n}/x-site/backups/{s}"

static const route routes[] = {
    /* x-site, cache level (XSiteResource) */
    {MP, XC "/local", "clear-push-state-status", ACC_ADMIN, false, xs__rest_xsite_clear_push_status},
    {MG, XC "/backups", NULL, ACC_ADMIN, false, xs__rest_xsite_cache_status},
    {MG, XC "/backups", "push-state-status", ACC_ADMIN, false, xs__rest_xsite_push_status},
    {MG, XC "/backups/{s}", NULL, ACC_ADMIN, false, xs__rest_xsite_site_nodes},
    {MP, XC "/backups/{s}", "take-offline", ACC_ADMIN, false, xs__rest_xsite_take_offline},
    {MP, XC "/backups/{s}", "bring-online", ACC_ADMIN, false, xs__rest_xsite_bring_online},
    {MP, XC "/backups/{s}", "start-push-state", ACC_ADMIN, false, xs__rest_xsite_push},
    {MP, XC "/backups/{s}", "cancel-push-state", ACC_ADMIN, false, xs__rest_xsite_cancel_push},
    {MP, XC "/backups/{s}", "cancel-receive-state", ACC_ADMIN, false, xs__rest_xsite_cancel_receive},
    {MG, XC "/backups/{s}/take-offline-config", NULL, ACC_ADMIN, false, xs__rest_xsite_toc_get},
    {MU, XC "/backups/{s}/take-offline-config", NULL, ACC_ADMIN, false, xs__rest_xsite_toc_put},
    {MG, XC "/backups/{s}/state-transfer-mode", NULL, ACC_ADMIN, false, xs__rest_xsite_st_mode_get},
    {MP, XC "/backups/{s}/state-transfer-mode", "set", ACC_ADMIN, false, xs__rest_xsite_st_mode_set},
    /* x-site, container level, and the deprecated cache-managers form */
    {MG, "rest/v2/container/x-site/backups", NULL, ACC_ADMIN, false, xs__rest_xsite_global_status},
    {MG, XG, NULL, ACC_ADMIN, false, xs__rest_xsite_global_site},
    {MP, XG, "take-offline", ACC_ADMIN, false, xs__rest_xsite_all_take_offline},
    {MP, XG, "bring-online", ACC_ADMIN, false, xs__rest_xsite_all_bring_online},
    {MP, XG, "start-push-state", ACC_ADMIN, false, xs__rest_xsite_all_push},
    {MP, XG, "cancel-push-state", ACC_ADMIN, false, xs__rest_xsite_all_cancel_push},
    {MG, "rest/v2/cache-managers/{n}/x-site/backups", NULL, ACC_ADMIN, false, xs__rest_xsite_global_status},
    {MG, XM, NULL, ACC_ADMIN, false, xs__rest_xsite_global_site},
    {MP, XM, "take-offline", ACC_ADMIN, false, xs__rest_xsite_all_take_offline},
    {MP, XM, "bring-online", ACC_ADMIN, false, xs__rest_xsite_all_bring_online},
    {MP, XM, "start-push-state", ACC_ADMIN, false, xs__rest_xsite_all_push},
    {MP, XM, "cancel-push-state", ACC_ADMIN, false, xs__rest_xsite_all_cancel_push},
    /* caches and entries (CacheResourceV2, BaseCacheResource) */
    {MG, "rest/v2/caches", NULL, ACC_AUTH, false, xs__rest_cache_list},
    {MH, "rest/v2/caches/{c}", NULL, ACC_AUTH, false, xs__rest_cache_exists},
    {MP, "rest/v2/caches/{c}", "clear", ACC_AUTH, false, xs__rest_cache_clear},
    {MG, "rest/v2/caches/{c}", "size", ACC_AUTH, false, xs__rest_cache_size},
    {MG, "rest/v2/caches/{c}", "keys", ACC_AUTH, false, xs__rest_cache_keys},
    {MG, "rest/v2/caches/{c}", "stats", ACC_AUTH, false, xs__rest_cache_stats},
    {MG, "rest/v2/caches/{c}", "config", ACC_ADMIN, false, xs__rest_cache_config},
    {MG | MH, "rest/v2/caches/{c}/*", NULL, ACC_AUTH, false, xs__rest_entry_get},
    {MU, "rest/v2/caches/{c}/*", NULL, ACC_AUTH, false, xs__rest_entry_put},
    {MP, "rest/v2/caches/{c}/*", NULL, ACC_AUTH, false, xs__rest_entry_post},
    {MD, "rest/v2/caches/{c}/*", NULL, ACC_AUTH, false, xs__rest_entry_delete},
    /* container and server (ContainerResource, ServerResource) */
    {MG, "", NULL, ACC_ANON, false, xs__rest_root},
    {MG, "rest/v2/server", NULL, ACC_AUTH, false, xs__rest_server_info},
    {MG, "rest/v2/server/cache-managers", NULL, ACC_AUTH, false, xs__rest_server_cache_managers},
    {MG, "rest/v2/container", NULL, ACC_AUTH, false, xs__rest_container_info},
    {MG, "rest/v2/cache-managers/{n}", NULL, ACC_AUTH, false, xs__rest_container_info},
    {MG, "rest/v2/container/health", NULL, ACC_AUTH, false, xs__rest_container_health},
    {MG, "rest/v2/cache-managers/{n}/health", NULL, ACC_AUTH, false, xs__rest_container_health},
    {MG | MH, "rest/v2/container/health/status", NULL, ACC_ANON, false, xs__rest_container_health_status},
    {MG | MH, "rest/v2/cache-managers/{n}/health/status", NULL, ACC_ANON, false,
     xs__rest_container_health_status},
    {MG, "rest/v2/container/cache-configs", NULL, ACC_AUTH, false, xs__rest_container_cache_configs},
    {MG, "rest/v2/cache-managers/{n}/cache-configs", NULL, ACC_AUTH, false,
     xs__rest_container_cache_configs},
    {MG, "rest/v2/container/stats", NULL, ACC_AUTH, false, xs__rest_container_stats},
    {MG, "rest/v2/cache-managers/{n}/stats", NULL, ACC_AUTH, false, xs__rest_container_stats},
    {MG, "metrics", NULL, ACC_AUTH, false, xs__rest_metrics},
    /* xsim's control API */
    {MG, "sim/v1/state", NULL, ACC_ADMIN, true, xs__rest_sim_state},
    {MP, "sim/v1/partition", NULL, ACC_ADMIN, true, xs__rest_sim_partition},
    {MP, "sim/v1/heal", NULL, ACC_ADMIN, true, xs__rest_sim_heal},
    {MP, "sim/v1/links", NULL, ACC_ADMIN, true, xs__rest_sim_links},
    {MP, "sim/v1/sites/{n}", "crash", ACC_ADMIN, true, xs__rest_sim_site},
    {MP, "sim/v1/sites/{n}", "restart", ACC_ADMIN, true, xs__rest_sim_site},
    {MP, "sim/v1/clock", NULL, ACC_ADMIN, true, xs__rest_sim_clock},
    {MG, "sim/v1/events", NULL, ACC_ADMIN, true, xs__rest_sim_events},
};

/* Joins segs[from..] with '/' (and the trailing slash) into the call's key. */
static bool take_key(xs_rest_call *c, const xs_http_request *req, size_t from) {
  size_t len = 0;
  for (size_t i = from; i < req->nsegs; i++) len += strlen(req->segs[i]) + 1;
  char *k = malloc(len + 2);
  if (!k) return false;
  size_t n = 0;
  for (size_t i = from; i < req->nsegs; i++) {
    if (i > from) k[n++] = '/';
    size_t l = strlen(req->segs[i]);
    memcpy(k + n, req->segs[i], l);
    n += l;
  }
  if (req->trailing_slash) k[n++] = '/';
  k[n] = 0;
  free(c->key);
  c->key = k;
  c->key_len = n;
  return true;
}

/* Whether the request path fits the route's path; fills the variables. */
static bool path_matches(const char *pattern, const xs_http_request *req, xs_rest_call *c) {
  size_t i = 0;
  const char *p = pattern;
  while (*p) {
    const char *slash = strchr(p, '/');
    size_t plen = slash ? (size_t)(slash - p) : strlen(p);
    if (plen == 1 && p[0] == '*') {
      /* An entry key: at least one segment, and not the x-site subtree. */
      if (i >= req->nsegs || strcmp(req->segs[i], "x-site") == 0) return false;
      return take_key(c, req, i);
    }
    if (i >= req->nsegs) return false;
    const char *seg = req->segs[i];
    if (plen == 3 && p[0] == '{') {
      if (p[1] == 'c') c->cache_var = seg;
      else if (p[1] == 's') c->site_var = seg;
      else c->name_var = seg;
    } else if (strlen(seg) != plen || strncmp(seg, p, plen) != 0) {
      return false;
    }
    i++;
    p = slash ? slash + 1 : p + plen;
  }
  return i == req->nsegs;
}

/* Finds the route; NULL when none fits (the caller answers 404). */
static const route *lookup(const xs_http_request *req, xs_rest_call *c) {
  const char *action = xs_http_query(req, "action");
  for (size_t i = 0; i < sizeof routes / sizeof *routes; i++) {
    const route *rt = &routes[i];
    if (!(rt->methods & M(req->method))) continue;
    if ((rt->action == NULL) != (action == NULL)) continue;
    if (action && strcmp(rt->action, action) != 0) continue;
    c->cache_var = c->site_var = c->name_var = NULL;
    if (path_matches(rt->path, req, c)) return rt;
  }
  return NULL;
}

/* ------------------------------------------------------------------------ */
/* Lifecycle                                                                  */

void xs_rest_config_default(xs_rest_config *cfg) {
  *cfg = (xs_rest_config){XS_REST_SERVER_VERSION_DEFAULT, XS_REST_VERSION_DEFAULT,
                          XS_REST_CLUSTER_DEFAULT, XS_REST_CACHE_MANAGER_DEFAULT, NULL, NULL};
}

static void copy_str(char *dst, const char *src, const char *def) {
  snprintf(dst, XS_REST_STRING_MAX, "%s", src ? src : def);
}

xs_rest *xs_rest_new(xs_sim *sim, int site, const xs_rest_config *cfg) {
  if (!sim || !xs_sim_site_name(sim, site)) return NULL;
  xs_rest_config def;
  xs_rest_config_default(&def);
  if (!cfg) cfg = &def;
  xs_rest *r = calloc(1, sizeof *r);
  if (!r) return NULL;
  r->sim = sim;
  r->site = site;
  copy_str(r->server_version, cfg->server_version, XS_REST_SERVER_VERSION_DEFAULT);
  copy_str(r->version, cfg->version, XS_REST_VERSION_DEFAULT);
  copy_str(r->cluster_name, cfg->cluster_name, XS_REST_CLUSTER_DEFAULT);
  copy_str(r->cache_manager, cfg->cache_manager, XS_REST_CACHE_MANAGER_DEFAULT);
  r->advance = cfg->advance;
  r->advance_ud = cfg->advance_ud;
  return r;
}

static void call_free(xs_rest_call *c) {
  free(c->key);
  free(c->extra);
  free(c);
}

void xs_rest_free(xs_rest *r) {
  if (!r) return;
  while (r->pending) {
    xs_rest_call *c = r->pending;
    r->pending = c->next;
    call_free(c);
  }
  free(r);
}

size_t xs_rest_pending(const xs_rest *r) { return r->npending; }
int xs_rest_site(const xs_rest *r) { return r->site; }
xs_sim *xs_rest_sim(const xs_rest *r) { return r->sim; }

void xs_rest_cancel(xs_rest *r, void *ud) {
  for (xs_rest_call *c = r->pending; c; c = c->next)
    if (c->ud == ud) c->cb = NULL;
}

/* ------------------------------------------------------------------------ */
/* Handling                                                                   */

/* Infinispan's SecurityException text for a user without ADMIN
 * (ISPN000287).  The rendering of the principal set is inferred. */
static void reply_forbidden(xs_rest_call *c) {
  xs__rest_reply_text(c, 403,
                      "ISPN000287: Unauthorized access: subject 'Subject with principal(s): [%s]' "
                      "lacks 'ADMIN' permission",
                      c->req->principal);
}

/* Access and availability, then the route's handler. */
static void dispatch(xs_rest_call *c, const route *rt) {
  const xs_http_request *req = c->req;
  xs_rest *r = c->r;
  if (!rt->sim && !xs_site_is_up(r->sim, r->site)) {
    /* A crashed site's server is gone; only the simulation API answers. */
    xs__rest_reply_text(c, 503, "xsim: site '%s' is down (crashed); POST /sim/v1/sites/%s?action=restart",
                        xs_sim_site_name(r->sim, r->site), xs_sim_site_name(r->sim, r->site));
    return;
  }
  if (rt->access != ACC_ANON && req->role == XS_ROLE_NONE) {
    xs__rest_reply_empty(c, 401);
    return;
  }
  if (rt->access == ACC_ADMIN && req->role != XS_ROLE_ADMIN) {
    reply_forbidden(c);
    return;
  }
  rt->fn(c);
}

int xs_rest_handle(xs_rest *r, const xs_http_request *req, xs_rest_done_cb cb, void *ud) {
  xs_rest_call *c = calloc(1, sizeof *c);
  if (!c) return XS_ENOMEM;
  c->r = r;
  c->cb = cb;
  c->ud = ud;
  c->req = req;
  c->cache = c->remote = -1;
  const char *action = xs_http_query(req, "action");
  const route *rt = NULL;
  if (action && !*action) {
    /* RestDispatcherImpl: an empty action is malformed, whatever the path. */
    xs__rest_reply_text(c, 400, "Invalid action");
  } else if (!(rt = lookup(req, c))) {
    xs__rest_reply_empty(c, 404);
  } else {
    dispatch(c, rt);
  }
  c->req = NULL;
  c->cache_var = c->site_var = c->name_var = NULL;
  if (c->answered) {
    call_free(c);
    return 0;
  }
  c->waiting = true;
  c->next = r->pending;
  if (r->pending) r->pending->prev = c;
  r->pending = c;
  r->npending++;
  return 1;
}

/* ------------------------------------------------------------------------ */
/* Replies                                                                    */

void xs__rest_add_header(xs_rest_call *c, const char *name, const char *value) {
  if (c->nhdr >= XS_HTTP_RESPONSE_HEADERS_MAX) return;
  snprintf(c->hdr_name[c->nhdr], sizeof c->hdr_name[0], "%s", name);
  snprintf(c->hdr_value[c->nhdr], sizeof c->hdr_value[0], "%s", value);
  c->nhdr++;
}

void xs__rest_reply(xs_rest_call *c, int status, const char *content_type, const void *body,
                    size_t len) {
  if (c->answered) return;
  c->answered = true;
  xs_http_response resp = {status, content_type, body, len, 0, {{0}}};
  for (int i = 0; i < c->nhdr; i++)
    resp.headers[resp.nheaders++] = (xs_http_header_out){c->hdr_name[i], c->hdr_value[i]};
  if (c->cb) c->cb(c->ud, &resp);
  if (!c->waiting) return; /* still inside xs_rest_handle, which frees it */
  xs_rest *r = c->r;
  if (c->prev) c->prev->next = c->next;
  else r->pending = c->next;
  if (c->next) c->next->prev = c->prev;
  r->npending--;
  call_free(c);
}

void xs__rest_reply_empty(xs_rest_call *c, int status) { xs__rest_reply(c, status, NULL, NULL, 0); }

static void reply_vtext(xs_rest_call *c, int status, const char *ctype, const char *fmt,
                        va_list ap) {
  char msg[XS_MSG_BYTES_MAX * 2];
  vsnprintf(msg, sizeof msg, fmt, ap);
  xs__rest_reply(c, status, ctype, msg, strlen(msg));
}

void xs__rest_reply_text(xs_rest_call *c, int status, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  reply_vtext(c, status, "text/plain", fmt, ap);
  va_end(ap);
}

void xs__rest_reply_json(xs_rest_call *c, int status, xs_buf *json) {
  if (!xs_buf_ok(json)) {
    xs__rest_reply_text(c, 500, "xsim: the answer is larger than %u bytes", XS_REST_BODY_MAX);
    return;
  }
  xs__rest_reply(c, status, "application/json", json->data, json->len);
}

void xs__rest_reply_sim_error(xs_rest_call *c, int status, const char *fmt, ...) {
  char msg[XS_MSG_BYTES_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  xs_buf b;
  xs_buf_init(&b, XS_REST_JSON_MAX);
  xs_buf_puts(&b, "{\"error\":");
  xs__json_cstr(&b, msg);
  xs_buf_puts(&b, "}");
  xs__rest_reply_json(c, status, &b);
  xs_buf_free(&b);
}

void xs__rest_reply_no_cache(xs_rest_call *c, const char *name) {
  xs__rest_reply_text(c, 404, "ISPN012010: Cache with name '%s' not found amongst the configured caches",
                      name);
}

int xs__rest_cache_or_404(xs_rest_call *c) {
  int idx = xs_sim_cache_index(c->r->sim, c->cache_var);
  if (idx < 0 || !xs_sim_cache_defined(c->r->sim, c->r->site, idx)) {
    xs__rest_reply_no_cache(c, c->cache_var);
    return -1;
  }
  return idx;
}

/* ------------------------------------------------------------------------ */
/* JSON                                                                       */

/* Length of a valid UTF-8 sequence at s (1..4), or 0 when malformed. */
static size_t utf8_len(const unsigned char *s, size_t n) {
  if (s[0] < 0x80) return 1;
  size_t need = s[0] >= 0xc2 && s[0] <= 0xdf ? 2 : s[0] >= 0xe0 && s[0] <= 0xef ? 3
              : s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : 0;
  if (!need || need > n) return 0;
  for (size_t k = 1; k < need; k++)
    if ((s[k] & 0xc0) != 0x80) return 0;
  if (need == 3 && ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] >= 0xa0))) return 0;
  if (need == 4 && ((s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] >= 0x90))) return 0;
  return need;
}

void xs__json_str(xs_buf *b, const char *s, size_t len) {
  const unsigned char *u = (const unsigned char *)s;
  xs_buf_puts(b, "\"");
  for (size_t i = 0; i < len;) {
    unsigned char ch = u[i];
    const char *esc = ch == '"' ? "\\\"" : ch == '\\' ? "\\\\" : ch == '\n' ? "\\n" : ch == '\r' ? "\\r"
                    : ch == '\t' ? "\\t" : ch == '\b' ? "\\b" : ch == '\f' ? "\\f" : NULL;
    if (esc) {
      xs_buf_puts(b, esc);
      i++;
    } else if (ch < 0x20 || ch == 0x7f) {
      xs_buf_printf(b, "\\u%04x", ch);
      i++;
    } else {
      size_t l = utf8_len(u + i, len - i);
      if (l) xs_buf_append(b, u + i, l);
      else xs_buf_puts(b, "\\ufffd");
      i += l ? l : 1;
    }
  }
  xs_buf_puts(b, "\"");
}

void xs__json_cstr(xs_buf *b, const char *s) { xs__json_str(b, s, strlen(s)); }

int xs__java_order(const char *const *names, int n, int *order) {
  size_t tmp[XS_REST_MAP_MAX];
  if (n <= 0) return 0;
  if (n > XS_REST_MAP_MAX) n = XS_REST_MAP_MAX;
  int m = xs_javamap_order(names, (size_t)n, tmp);
  if (m < 0) { /* cannot happen for our small maps; fall back to input order */
    for (int i = 0; i < n; i++) order[i] = i;
    return n;
  }
  for (int i = 0; i < m; i++) order[i] = (int)tmp[i];
  return m;
}

void xs__sort_names(const char *const *names, int n, int *order) {
  for (int i = 0; i < n; i++) order[i] = i;
  for (int i = 1; i < n; i++) { /* insertion sort: at most XS_CACHES_MAX names */
    int v = order[i], j = i - 1;
    while (j >= 0 && strcmp(names[order[j]], names[v]) > 0) {
      order[j + 1] = order[j];
      j--;
    }
    order[j + 1] = v;
  }
}

int xs__rest_caches_sorted(const xs_rest *r, bool (*keep)(const xs_rest *r, int cache), int *out) {
  const xs_topology *t = xs_sim_topology(r->sim);
  const char *names[XS_CACHES_MAX];
  int idx[XS_CACHES_MAX], order[XS_CACHES_MAX], n = 0;
  for (int i = 0; i < t->ncaches; i++) {
    if (!xs_sim_cache_defined(r->sim, r->site, i) || (keep && !keep(r, i))) continue;
    idx[n] = i;
    names[n++] = t->caches[i].name;
  }
  xs__sort_names(names, n, order);
  for (int i = 0; i < n; i++) out[i] = idx[order[i]];
  return n;
}

bool xs__parse_i64(const char *s, int64_t *out) {
  /* Like Java's Long.parseLong: no surrounding blanks. */
  if (!s || !*s || *s == ' ' || *s == '\t' || *s == '\n' || *s == '\r' || *s == '\f' || *s == '\v')
    return false;
  char *end;
  errno = 0;
  long long v = strtoll(s, &end, 10);
  if (*end || errno == ERANGE) return false;
  *out = v;
  return true;
}
