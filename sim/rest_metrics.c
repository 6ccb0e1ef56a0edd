/*
 * rest_metrics.c - GET /metrics in the Prometheus text format, with the
 * metric names the Keycloak monitoring and the SiteOffline fencing alert use
 * (interfaces.md section 3).
 *
 * Keycloak configures Infinispan's metrics with `legacy: true` and
 * `namesAsTags: true`, so names carry the "vendor_" prefix and the cache and
 * site go in labels: vendor_jgroups_site_view_status{site="site-b"} and
 * vendor_x_site_admin_status{cache="sessions",site="site-b"}.  The router
 * answers as node 0, the site master, which is the node that reports the
 * site view as 0/1 (other nodes would report 2, "n/a").  Values are written
 * the way Micrometer writes doubles ("1.0").
 */
#include <stdio.h>
#include <string.h>

#include "rest_internal.h"

/* A label value with Prometheus' escapes (\\, \", \n). */
static void label(xs_buf *b, const char *name, const char *value, bool first) {
  xs_buf_printf(b, "%s%s=\"", first ? "" : ",", name);
  for (const char *p = value; *p; p++) {
    if (*p == '\\' || *p == '"') xs_buf_printf(b, "\\%c", *p);
    else if (*p == '\n') xs_buf_puts(b, "\\n");
    else xs_buf_append(b, p, 1);
  }
  xs_buf_puts(b, "\"");
}

static void family(xs_buf *b, const char *name, const char *help) {
  xs_buf_printf(b, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
}

/* One sample: name{cache?,cache_manager,node,site?} value */
static void sample(xs_buf *b, const xs_rest *r, const char *name, const char *cache, const char *site,
                   long long value) {
  xs_buf_printf(b, "%s{", name);
  if (cache) label(b, "cache", cache, true);
  label(b, "cache_manager", r->cache_manager, cache == NULL);
  label(b, "node", xs_sim_node_name(r->sim, r->site, 0), false);
  if (site) label(b, "site", site, false);
  xs_buf_printf(b, "} %lld.0\n", value);
}

static void site_view(xs_buf *b, const xs_rest *r) {
  family(b, "vendor_jgroups_site_view_status",
         "Returns the site status in JGroups view (0 -> offline, 1 -> online, 2 -> n/a)");
  const xs_topology *t = xs_sim_topology(r->sim);
  for (int s = 0; s < t->nsites; s++) {
    if (s == r->site) continue;
    sample(b, r, "vendor_jgroups_site_view_status", NULL, t->sites[s].name,
           xs_site_view_has(r->sim, r->site, s) ? 1 : 0);
  }
}

enum { XA_STATUS, XA_FAILURES, XA_MILLIS, XA_REQUESTS };

/* One per-cache, per-backup-site family from the core's counters. */
static void xsite_family(xs_buf *b, const xs_rest *r, const int *caches, int n, int which,
                         const char *name, const char *help) {
  family(b, name, help);
  const xs_topology *t = xs_sim_topology(r->sim);
  for (int i = 0; i < n; i++) {
    for (int s = 0; s < t->nsites; s++) {
      xs_xsite_counters k;
      if (xs_admin_backup_index(r->sim, r->site, caches[i], s) < 0 ||
          xs_counters_get(r->sim, r->site, caches[i], s, &k) < 0)
        continue;
      long long v = which == XA_STATUS ? k.status : which == XA_FAILURES ? k.failures_count
                  : which == XA_MILLIS ? k.millis_since_first_failure : k.backup_ok + k.backup_failures;
      sample(b, r, name, t->caches[caches[i]].name, t->sites[s].name, v);
    }
  }
}

static void entries_family(xs_buf *b, const xs_rest *r, const int *caches, int n, const char *name,
                           const char *help) {
  family(b, name, help);
  for (int i = 0; i < n; i++)
    sample(b, r, name, xs_sim_cache_name(r->sim, caches[i]), NULL,
           (long long)xs_cache_size(r->sim, r->site, caches[i]));
}

void xs__rest_metrics(xs_rest_call *c) {
  xs_rest *r = c->r;
  int caches[XS_CACHES_MAX];
  int n = xs__rest_caches_sorted(r, NULL, caches);
  xs_buf b;
  xs_buf_init(&b, XS_REST_JSON_MAX);
  site_view(&b, r);
  xsite_family(&b, r, caches, n, XA_STATUS, "vendor_x_site_admin_status",
               "Returns the site status (1 -> online, 0 -> offline)");
  xsite_family(&b, r, caches, n, XA_FAILURES, "vendor_x_site_admin_failures_count",
               "Number of consecutive failures to the site");
  xsite_family(&b, r, caches, n, XA_MILLIS, "vendor_x_site_admin_millis_since_first_failure",
               "Milliseconds since the first of the consecutive failures to the site");
  xsite_family(&b, r, caches, n, XA_REQUESTS, "vendor_rpc_manager_number_xsite_requests_to_site",
               "Number of cross-site requests sent to the site");
  entries_family(&b, r, caches, n, "vendor_statistics_approximate_entries",
                 "Approximate number of entries in the cache");
  entries_family(&b, r, caches, n, "vendor_statistics_number_of_entries",
                 "Number of entries in the cache");
  if (!xs_buf_ok(&b)) xs__rest_reply_text(c, 500, "xsim: metrics too large");
  else xs__rest_reply(c, 200, "text/plain; version=0.0.4; charset=utf-8", b.data, b.len);
  xs_buf_free(&b);
}
