/*
 * rest_sim.c - xsim's own control API, /sim/v1, served on every site's port
 * (even a crashed site's, so that it can be restarted) and for the ADMIN
 * role only: the simulation's state, faults (partition, heal, link
 * settings, crash and restart), the manual clock and the event log.
 * Answers and errors are JSON; errors are {"error":"..."}.
 *
 * These calls act on the whole simulation, not just the router's site: a
 * partition posted to site-a's port cuts the link for everyone.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rest_internal.h"

/* A site named by a query parameter; -1 after replying 400. */
static int site_param(xs_rest_call *c, const char *param) {
  const char *name = xs_http_query(c->req, param);
  if (!name) {
    xs__rest_reply_sim_error(c, 400, "missing parameter '%s'", param);
    return -1;
  }
  int s = xs_sim_site_index(c->r->sim, name);
  if (s < 0) xs__rest_reply_sim_error(c, 400, "unknown site '%s'", name);
  return s;
}

static void links_json(const xs_rest *r, xs_buf *b) {
  const xs_topology *t = xs_sim_topology(r->sim);
  xs_buf_puts(b, "[");
  bool first = true;
  for (int a = 0; a < t->nsites; a++) {
    for (int z = 0; z < t->nsites; z++) {
      if (a == z) continue;
      xs_buf_puts(b, first ? "{\"from\":" : ",{\"from\":");
      xs__json_cstr(b, t->sites[a].name);
      xs_buf_puts(b, ",\"to\":");
      xs__json_cstr(b, t->sites[z].name);
      xs_buf_printf(b, ",\"up\":%s}", xs_link_is_up(r->sim, a, z) ? "true" : "false");
      first = false;
    }
  }
  xs_buf_puts(b, "]");
}

/* {"time_ms":N,"links":[...]}: the answer to the link-changing calls. */
static void reply_links(xs_rest_call *c) {
  xs_buf b;
  xs_buf_init(&b, XS_REST_JSON_MAX);
  xs_buf_printf(&b, "{\"time_ms\":%lld,\"links\":", (long long)xs_sim_now(c->r->sim));
  links_json(c->r, &b);
  xs_buf_puts(&b, "}");
  xs__rest_reply_json(c, 200, &b);
  xs_buf_free(&b);
}

/* ------------------------------------------------------------------------ */
/* GET /sim/v1/state                                                          */

static void sites_json(const xs_rest *r, xs_buf *b) {
  const xs_topology *t = xs_sim_topology(r->sim);
  xs_buf_puts(b, "[");
  for (int s = 0; s < t->nsites; s++) {
    xs_buf_puts(b, s ? ",{\"name\":" : "{\"name\":");
    xs__json_cstr(b, t->sites[s].name);
    xs_buf_printf(b, ",\"up\":%s,\"nodes\":%d,\"view\":[", xs_site_is_up(r->sim, s) ? "true" : "false",
                  xs_sim_node_count(r->sim, s));
    bool first = true;
    for (int v = 0; v < t->nsites; v++) {
      if (v != s && !xs_site_view_has(r->sim, s, v)) continue;
      xs_buf_puts(b, first ? "" : ",");
      xs__json_cstr(b, t->sites[v].name);
      first = false;
    }
    xs_buf_puts(b, "]}");
  }
  xs_buf_puts(b, "]");
}

/* {"site-b":{"status":"online","failures":0,"push":"IDLE"},...} for one
 * cache instance. */
static void backups_json(const xs_rest *r, int site, int cache, xs_buf *b) {
  const xs_topology *t = xs_sim_topology(r->sim);
  xs_buf_puts(b, "{");
  bool first = true;
  for (int z = 0; z < t->nsites; z++) {
    xs_xsite_counters k;
    int st = xs_admin_site_status(r->sim, site, cache, z);
    if (st < 0 || xs_counters_get(r->sim, site, cache, z, &k) < 0) continue;
    xs_buf_puts(b, first ? "" : ",");
    xs__json_cstr(b, t->sites[z].name);
    xs_buf_printf(b, ":{\"status\":\"%s\",\"failures\":%lld,\"push\":\"%s\"}",
                  st == XS_SITE_OFFLINE ? "offline" : "online", (long long)k.failures_count,
                  xs_push_status_text((xs_push_status)xs_admin_push_status(r->sim, site, cache, z)));
    first = false;
  }
  xs_buf_puts(b, "}");
}

static void caches_json(const xs_rest *r, xs_buf *b) {
  const xs_topology *t = xs_sim_topology(r->sim);
  xs_buf_puts(b, "[");
  for (int c = 0; c < t->ncaches; c++) {
    xs_buf_puts(b, c ? ",{\"name\":" : "{\"name\":");
    xs__json_cstr(b, t->caches[c].name);
    xs_buf_puts(b, ",\"sites\":{");
    bool first = true;
    for (int s = 0; s < t->nsites; s++) {
      if (!xs_sim_cache_defined(r->sim, s, c)) continue;
      xs_buf_puts(b, first ? "" : ",");
      xs__json_cstr(b, t->sites[s].name);
      xs_buf_printf(b, ":{\"entries\":%lld,\"backups\":", (long long)xs_cache_size(r->sim, s, c));
      backups_json(r, s, c, b);
      xs_buf_puts(b, "}");
      first = false;
    }
    xs_buf_puts(b, "}}");
  }
  xs_buf_puts(b, "]");
}

void xs__rest_sim_state(xs_rest_call *c) {
  xs_rest *r = c->r;
  xs_buf b;
  xs_buf_init(&b, XS_REST_JSON_MAX);
  xs_buf_printf(&b, "{\"time_ms\":%lld,\"seed\":%llu,\"events\":%llu,\"topology\":",
                (long long)xs_sim_now(r->sim), (unsigned long long)xs_sim_seed(r->sim),
                (unsigned long long)xs_evlog_count(r->sim));
  xs__json_cstr(&b, xs_sim_topology(r->sim)->name);
  xs_buf_puts(&b, ",\"local_site\":");
  xs__json_cstr(&b, xs_sim_site_name(r->sim, r->site));
  xs_buf_puts(&b, ",\"sites\":");
  sites_json(r, &b);
  xs_buf_puts(&b, ",\"links\":");
  links_json(r, &b);
  xs_buf_puts(&b, ",\"caches\":");
  caches_json(r, &b);
  xs_buf_puts(&b, "}");
  xs__rest_reply_json(c, 200, &b);
  xs_buf_free(&b);
}

/* ------------------------------------------------------------------------ */
/* Faults                                                                     */

/* "site-a-to-site-b" -> from, to; site names may hold "-to-" themselves,
 * so every split is tried. */
static bool parse_direction(const xs_rest *r, const char *d, int *from, int *to) {
  for (const char *p = strstr(d, "-to-"); p; p = strstr(p + 1, "-to-")) {
    char a[XS_NAME_BYTES_MAX];
    if ((size_t)(p - d) >= sizeof a) continue;
    snprintf(a, sizeof a, "%.*s", (int)(p - d), d);
    int x = xs_sim_site_index(r->sim, a), y = xs_sim_site_index(r->sim, p + 4);
    if (x >= 0 && y >= 0) {
      *from = x;
      *to = y;
      return true;
    }
  }
  return false;
}

/* POST /sim/v1/partition?sites=a,b[&direction=a-to-b] */
void xs__rest_sim_partition(xs_rest_call *c) {
  const char *sites = xs_http_query(c->req, "sites");
  const char *comma = sites ? strchr(sites, ',') : NULL;
  if (!comma || strchr(comma + 1, ',')) {
    xs__rest_reply_sim_error(c, 400, "'sites' must name two sites: sites=site-a,site-b");
    return;
  }
  char a[XS_NAME_BYTES_MAX * 2];
  snprintf(a, sizeof a, "%.*s", (int)(comma - sites), sites);
  int x = xs_sim_site_index(c->r->sim, a), y = xs_sim_site_index(c->r->sim, comma + 1);
  if (x < 0 || y < 0 || x == y) {
    xs__rest_reply_sim_error(c, 400, "unknown or equal sites in '%s'", sites);
    return;
  }
  const char *dir = xs_http_query(c->req, "direction");
  bool oneway = dir != NULL;
  if (dir) {
    int f, t;
    if (!parse_direction(c->r, dir, &f, &t) || !((f == x && t == y) || (f == y && t == x))) {
      xs__rest_reply_sim_error(c, 400, "direction must be <site>-to-<site> over the two sites, not '%s'", dir);
      return;
    }
    x = f;
    y = t;
  }
  int rc = xs_partition(c->r->sim, x, y, oneway);
  if (rc < 0) xs__rest_reply_sim_error(c, 409, "%s", xs_strerror(rc));
  else reply_links(c);
}

void xs__rest_sim_heal(xs_rest_call *c) {
  xs_heal(c->r->sim);
  reply_links(c);
}

/* Applies latency_ms / jitter_ms / loss / up from the query; returns how
 * many were given, or -1 after replying 400. */
static int apply_link_params(xs_rest_call *c, int from, int to) {
  xs_sim *sim = c->r->sim;
  const char *lat = xs_http_query(c->req, "latency_ms"), *jit = xs_http_query(c->req, "jitter_ms");
  const char *loss = xs_http_query(c->req, "loss"), *up = xs_http_query(c->req, "up");
  int64_t l = 0, j = 0;
  double p = 0;
  char *end = NULL;
  if ((lat && (!xs__parse_i64(lat, &l) || l < 0)) || (jit && (!xs__parse_i64(jit, &j) || j < 0))) {
    xs__rest_reply_sim_error(c, 400, "latency_ms and jitter_ms must be integers >= 0");
    return -1;
  }
  if (loss) {
    p = strtod(loss, &end);
    if (!*loss || *end || !(p >= 0.0 && p <= 1.0)) {
      xs__rest_reply_sim_error(c, 400, "loss must be a number from 0 to 1, not '%s'", loss);
      return -1;
    }
  }
  if (up && strcmp(up, "true") != 0 && strcmp(up, "false") != 0) {
    xs__rest_reply_sim_error(c, 400, "up must be true or false");
    return -1;
  }
  if (lat || jit) xs_link_set_latency(sim, from, to, lat ? l : xs_sim_topology(sim)->link_latency_ms, j);
  if (loss) xs_link_set_loss(sim, from, to, p);
  if (up) xs_link_set_up(sim, from, to, strcmp(up, "true") == 0);
  return (lat || jit) + (loss != NULL) + (up != NULL);
}

/* POST /sim/v1/links?from=a&to=b[&latency_ms=N][&jitter_ms=N][&loss=P][&up=B] */
void xs__rest_sim_links(xs_rest_call *c) {
  int from = site_param(c, "from");
  if (from < 0) return;
  int to = site_param(c, "to");
  if (to < 0) return;
  if (from == to) {
    xs__rest_reply_sim_error(c, 400, "from and to are the same site");
    return;
  }
  int n = apply_link_params(c, from, to);
  if (n < 0) return;
  if (n == 0) {
    xs__rest_reply_sim_error(c, 400, "nothing to set: give latency_ms, jitter_ms, loss or up");
    return;
  }
  reply_links(c);
}

/* POST /sim/v1/sites/{site}?action=crash|restart */
void xs__rest_sim_site(xs_rest_call *c) {
  xs_sim *sim = c->r->sim;
  int s = xs_sim_site_index(sim, c->name_var);
  if (s < 0) {
    xs__rest_reply_sim_error(c, 404, "unknown site '%s'", c->name_var);
    return;
  }
  bool crash = strcmp(xs_http_query(c->req, "action"), "crash") == 0;
  int rc = crash ? xs_site_crash(sim, s) : xs_site_restart(sim, s);
  if (rc < 0) {
    xs__rest_reply_sim_error(c, 409, "%s", xs_strerror(rc));
    return;
  }
  xs_buf b;
  xs_buf_init(&b, XS_REST_JSON_MAX);
  xs_buf_printf(&b, "{\"time_ms\":%lld,\"site\":", (long long)xs_sim_now(sim));
  xs__json_cstr(&b, xs_sim_site_name(sim, s));
  xs_buf_printf(&b, ",\"up\":%s}", xs_site_is_up(sim, s) ? "true" : "false");
  xs__rest_reply_json(c, 200, &b);
  xs_buf_free(&b);
}

/* ------------------------------------------------------------------------ */
/* Clock and events                                                           */

/* POST /sim/v1/clock?advance_ms=N: runs the events due and answers the new
 * time.  Other requests may complete while it runs. */
void xs__rest_sim_clock(xs_rest_call *c) {
  xs_rest *r = c->r;
  int64_t ms;
  if (!xs__parse_i64(xs_http_query(c->req, "advance_ms"), &ms) || ms < 0 || ms > XS_TIME_NEVER / 4) {
    xs__rest_reply_sim_error(c, 400, "advance_ms must be an integer >= 0");
    return;
  }
  uint64_t before = xs_sim_events_run(r->sim);
  if (r->advance) {
    int rc = r->advance(r->advance_ud, ms);
    if (rc == XS_ESTATE) {
      xs__rest_reply_sim_error(c, 409, "the clock is not manual (xsim serve --clock manual)");
      return;
    }
    if (rc < 0) {
      xs__rest_reply_sim_error(c, 500, "%s", xs_strerror(rc));
      return;
    }
  } else {
    xs_sim_run_until(r->sim, xs_sim_now(r->sim) + ms);
  }
  xs_buf b;
  xs_buf_init(&b, XS_REST_JSON_MAX);
  xs_buf_printf(&b, "{\"time_ms\":%lld,\"events_run\":%llu}", (long long)xs_sim_now(r->sim),
                (unsigned long long)(xs_sim_events_run(r->sim) - before));
  xs__rest_reply_json(c, 200, &b);
  xs_buf_free(&b);
}

static void site_or_null(xs_buf *b, const xs_sim *sim, int s) {
  if (s < 0 || !xs_sim_site_name(sim, s)) xs_buf_puts(b, "null");
  else xs__json_cstr(b, xs_sim_site_name(sim, s));
}

static void event_json(xs_buf *b, const xs_sim *sim, const xs_ev_record *e) {
  char line[256];
  xs_ev_format(sim, e, line, sizeof line);
  xs_buf_printf(b, "{\"seq\":%llu,\"time_ms\":%lld,\"kind\":\"%s\",\"site\":", (unsigned long long)e->seq,
                (long long)e->time, xs_ev_kind_name((xs_ev_kind)e->kind));
  site_or_null(b, sim, e->site);
  xs_buf_puts(b, ",\"peer\":");
  site_or_null(b, sim, e->peer);
  xs_buf_puts(b, ",\"cache\":");
  if (e->cache < 0) xs_buf_puts(b, "null");
  else xs__json_cstr(b, xs_sim_cache_name(sim, e->cache));
  xs_buf_printf(b, ",\"code\":%d,\"arg\":%llu,\"text\":", (int)e->code, (unsigned long long)e->arg);
  xs__json_str(b, e->text, strnlen(e->text, sizeof e->text));
  xs_buf_puts(b, ",\"line\":");
  xs__json_cstr(b, line);
  xs_buf_puts(b, "}");
}

/* GET /sim/v1/events?since=SEQ: at most XS_REST_EVENTS_MAX records from
 * SEQ (or the oldest still kept); "next" is the SEQ to ask for next. */
void xs__rest_sim_events(xs_rest_call *c) {
  xs_sim *sim = c->r->sim;
  int64_t since = 0;
  const char *s = xs_http_query(c->req, "since");
  if (s && (!xs__parse_i64(s, &since) || since < 0)) {
    xs__rest_reply_sim_error(c, 400, "since must be an integer >= 0");
    return;
  }
  xs_ev_record *ev = malloc(XS_REST_EVENTS_MAX * sizeof *ev);
  if (!ev) {
    xs__rest_reply_sim_error(c, 500, "out of memory");
    return;
  }
  size_t n = xs_evlog_read(sim, (uint64_t)since, ev, XS_REST_EVENTS_MAX);
  uint64_t next = n ? ev[n - 1].seq + 1 : (uint64_t)since;
  xs_buf b;
  xs_buf_init(&b, XS_REST_JSON_MAX);
  xs_buf_printf(&b, "{\"time_ms\":%lld,\"next\":%llu,\"events\":[", (long long)xs_sim_now(sim),
                (unsigned long long)next);
  for (size_t i = 0; i < n; i++) {
    xs_buf_puts(&b, i ? "," : "");
    event_json(&b, sim, &ev[i]);
  }
  xs_buf_puts(&b, "]}");
  xs__rest_reply_json(c, 200, &b);
  xs_buf_free(&b);
  free(ev);
}
