/*
 * rest_container.c - server, container and health resources: what the Data
 * Grid CLI reads when it connects (interfaces.md section 2.6: server
 * version, cache managers, CacheManagerInfo with local_site and sites_view,
 * cache configurations) and the health endpoints (health/status is the one
 * anonymous route).
 *
 * The router answers as node 0 of its site, which is also the site master
 * (relay node) - the node the runbooks' `oc exec infinispan-0` reaches.
 * Physical addresses are made up but stable: 10.<site>.0.<node>:7800.
 */
#include <stdio.h>
#include <string.h>

#include "rest_internal.h"

void xs__rest_root(xs_rest_call *c) {
  /* The server redirects its root to the console. */
  xs__rest_add_header(c, "location", "/console/");
  xs__rest_reply_empty(c, 307);
}

/* GET /rest/v2/server -> {"version":"Infinispan '<codename>' 16.0.13.Final",
 * "cache-manager-name":"default"}: 16.0's ServerInfo (a LinkedHashMap, so
 * in that order); the 16.0 CLI enters the container it names. */
void xs__rest_server_info(xs_rest_call *c) {
  xs_buf b;
  xs_buf_init(&b, XS_REST_JSON_MAX);
  xs_buf_puts(&b, "{\"version\":");
  xs__json_cstr(&b, c->r->server_version);
  xs_buf_puts(&b, ",\"cache-manager-name\":");
  xs__json_cstr(&b, c->r->cache_manager);
  xs_buf_puts(&b, "}");
  xs__rest_reply_json(c, 200, &b);
  xs_buf_free(&b);
}

void xs__rest_server_cache_managers(xs_rest_call *c) {
  xs_buf b;
  xs_buf_init(&b, XS_REST_JSON_MAX);
  xs_buf_puts(&b, "[");
  xs__json_cstr(&b, c->r->cache_manager);
  xs_buf_puts(&b, "]");
  xs__rest_reply_json(c, 200, &b);
  xs_buf_free(&b);
}

/* The deprecated /rest/v2/cache-managers/{name}/... answers only for the
 * container's own name; false after replying 404. */
static bool name_ok(xs_rest_call *c) {
  if (!c->name_var || strcmp(c->name_var, c->r->cache_manager) == 0) return true;
  xs__rest_reply_empty(c, 404);
  return false;
}

static void node_list(const xs_rest *r, xs_buf *b, bool physical) {
  xs_buf_puts(b, "[");
  for (int n = 0; n < xs_sim_node_count(r->sim, r->site); n++) {
    xs_buf_puts(b, n ? "," : "");
    if (physical) xs_buf_printf(b, "\"10.%d.0.%d:7800\"", r->site + 1, n + 1);
    else xs__json_cstr(b, xs_sim_node_name(r->sim, r->site, n));
  }
  xs_buf_puts(b, "]");
}

/* sites_view: this site and every site in its cross-site view, sorted. */
static void sites_view(const xs_rest *r, xs_buf *b) {
  const xs_topology *t = xs_sim_topology(r->sim);
  const char *names[XS_SITES_MAX];
  int order[XS_SITES_MAX], n = 0;
  for (int s = 0; s < t->nsites; s++)
    if (s == r->site || xs_site_view_has(r->sim, r->site, s)) names[n++] = t->sites[s].name;
  xs__sort_names(names, n, order);
  xs_buf_puts(b, "[");
  for (int i = 0; i < n; i++) {
    xs_buf_puts(b, i ? "," : "");
    xs__json_cstr(b, names[order[i]]);
  }
  xs_buf_puts(b, "]");
}

static void cache_names(const xs_rest *r, xs_buf *b, const int *caches, int n, bool detailed) {
  xs_buf_puts(b, "[");
  for (int i = 0; i < n; i++) {
    xs_buf_puts(b, i ? "," : "");
    if (detailed) xs_buf_puts(b, "{\"name\":");
    xs__json_cstr(b, xs_sim_cache_name(r->sim, caches[i]));
    if (detailed) xs_buf_puts(b, ",\"started\":true}");
  }
  xs_buf_puts(b, "]");
}

/* GET /rest/v2/container: CacheManagerInfo.toJson(), keys in its order. */
void xs__rest_container_info(xs_rest_call *c) {
  if (!name_ok(c)) return;
  xs_rest *r = c->r;
  const char *node0 = xs_sim_node_name(r->sim, r->site, 0);
  int caches[XS_CACHES_MAX];
  int n = xs__rest_caches_sorted(r, NULL, caches);
  xs_buf b;
  xs_buf_init(&b, XS_REST_JSON_MAX);
  xs_buf_puts(&b, "{\"version\":");
  xs__json_cstr(&b, r->version);
  xs_buf_puts(&b, ",\"name\":");
  xs__json_cstr(&b, r->cache_manager);
  xs_buf_puts(&b, ",\"coordinator\":true,\"cache_configuration_names\":");
  cache_names(r, &b, caches, n, false);
  xs_buf_puts(&b, ",\"cluster_name\":");
  xs__json_cstr(&b, r->cluster_name);
  xs_buf_printf(&b, ",\"physical_addresses\":\"[10.%d.0.1:7800]\",\"coordinator_address\":", r->site + 1);
  xs__json_cstr(&b, node0);
  xs_buf_printf(&b, ",\"cache_manager_status\":\"RUNNING\",\"created_cache_count\":%d,"
                    "\"running_cache_count\":%d,\"node_address\":", n, n);
  xs__json_cstr(&b, node0);
  xs_buf_puts(&b, ",\"cluster_members\":");
  node_list(r, &b, false);
  xs_buf_puts(&b, ",\"cluster_members_physical_addresses\":");
  node_list(r, &b, true);
  xs_buf_printf(&b, ",\"cluster_size\":%d,\"defined_caches\":", xs_sim_node_count(r->sim, r->site));
  cache_names(r, &b, caches, n, true);
  xs_buf_puts(&b, ",\"local_site\":");
  xs__json_cstr(&b, xs_sim_site_name(r->sim, r->site));
  xs_buf_puts(&b, ",\"relay_node\":true,\"relay_nodes_address\":[");
  xs__json_cstr(&b, node0);
  xs_buf_puts(&b, "],\"sites_view\":");
  sites_view(r, &b);
  xs_buf_puts(&b, ",\"rebalancing_enabled\":true}");
  xs__rest_reply_json(c, 200, &b);
  xs_buf_free(&b);
}

/* GET /rest/v2/container/health (rest_container_health_response.json). */
void xs__rest_container_health(xs_rest_call *c) {
  if (!name_ok(c)) return;
  xs_rest *r = c->r;
  int caches[XS_CACHES_MAX];
  int n = xs__rest_caches_sorted(r, NULL, caches);
  xs_buf b;
  xs_buf_init(&b, XS_REST_JSON_MAX);
  xs_buf_puts(&b, "{\"cluster_health\":{\"cluster_name\":");
  xs__json_cstr(&b, r->cluster_name);
  xs_buf_printf(&b, ",\"health_status\":\"HEALTHY\",\"number_of_nodes\":%d,\"node_names\":",
                xs_sim_node_count(r->sim, r->site));
  node_list(r, &b, false);
  xs_buf_puts(&b, "},\"cache_health\":[");
  for (int i = 0; i < n; i++) {
    xs_buf_puts(&b, i ? ",{\"status\":\"HEALTHY\",\"cache_name\":" : "{\"status\":\"HEALTHY\",\"cache_name\":");
    xs__json_cstr(&b, xs_sim_cache_name(r->sim, caches[i]));
    xs_buf_puts(&b, "}");
  }
  xs_buf_puts(&b, "]}");
  xs__rest_reply_json(c, 200, &b);
  xs_buf_free(&b);
}

/* GET|HEAD /rest/v2/container/health/status: anonymous, text/plain; HEAD
 * is 200 with no body (ContainerResource.getHealth). */
void xs__rest_container_health_status(xs_rest_call *c) {
  if (!name_ok(c)) return;
  if (c->req->method == XS_HTTP_HEAD) xs__rest_reply_empty(c, 200);
  else xs__rest_reply(c, 200, "text/plain", "HEALTHY", 7);
}

/* GET /rest/v2/container/cache-configs: [{"name":..,"configuration":..}]. */
void xs__rest_container_cache_configs(xs_rest_call *c) {
  if (!name_ok(c)) return;
  xs_rest *r = c->r;
  int caches[XS_CACHES_MAX];
  int n = xs__rest_caches_sorted(r, NULL, caches);
  xs_buf b;
  xs_buf_init(&b, XS_REST_JSON_MAX);
  xs_buf_puts(&b, "[");
  for (int i = 0; i < n; i++) {
    xs_buf_puts(&b, i ? ",{\"name\":" : "{\"name\":");
    xs__json_cstr(&b, xs_sim_cache_name(r->sim, caches[i]));
    xs_buf_puts(&b, ",\"configuration\":");
    xs__rest_cache_config_json(r, caches[i], &b);
    xs_buf_puts(&b, "}");
  }
  xs_buf_puts(&b, "]");
  xs__rest_reply_json(c, 200, &b);
  xs_buf_free(&b);
}

/* GET /rest/v2/container/stats: CacheContainerStatsImpl.toJson() in 16.0,
 * four keys.  Every cache has statistics on and no eviction, so the
 * memory figures are 0 and the minimum node count is -1, as each cache's
 * ?action=stats says. */
void xs__rest_container_stats(xs_rest_call *c) {
  if (!name_ok(c)) return;
  static const char body[] = "{\"statistics_enabled\":true,\"off_heap_memory_used\":0,"
                             "\"data_memory_used\":0,\"required_minimum_number_of_nodes\":-1}";
  xs__rest_reply(c, 200, "application/json", body, sizeof body - 1);
}
