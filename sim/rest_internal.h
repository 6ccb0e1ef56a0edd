/*
 * rest_internal.h - what the REST router's files share: the router and call
 * structures, the reply helpers, JSON writing, and the handlers each area
 * file (rest_xsite.c, rest_cache.c, rest_container.c, rest_metrics.c,
 * rest_sim.c) provides to the route table in rest.c.
 */
#ifndef XS_REST_INTERNAL_H
#define XS_REST_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "rest.h"

#define XS_REST_STRING_MAX 256 /* a config string */

struct xs_rest {
  xs_sim *sim;
  int site;
  char server_version[XS_REST_STRING_MAX];
  char version[XS_REST_STRING_MAX];
  char cluster_name[XS_REST_STRING_MAX];
  char cache_manager[XS_REST_STRING_MAX];
  xs_rest_advance_fn advance;
  void *advance_ud;
  struct xs_rest_call *pending; /* answers still to come, a doubly-linked list */
  size_t npending;
};

typedef struct xs_rest_call xs_rest_call;

/* One request being answered.  `req` and the route variables point into the
 * request and are valid only until xs_rest_handle returns; a handler that
 * answers later copies what it needs into the call first. */
struct xs_rest_call {
  xs_rest *r;
  xs_rest_done_cb cb;
  void *ud;
  const xs_http_request *req;
  const char *cache_var;  /* {cache} in the route, as requested */
  const char *site_var;   /* {site} */
  const char *name_var;   /* {name}: cache manager, or the /sim site */
  char *key;              /* the entry key (owned), "*" in the route */
  size_t key_len;
  bool answered;
  bool waiting;           /* in r->pending */
  xs_rest_call *prev, *next;
  /* Copies kept for answers that come later. */
  int cache;              /* cache index or -1 */
  int remote;             /* remote site index or -1 */
  char remote_name[XS_NAME_BYTES_MAX];
  void *extra;            /* a handler's own state, freed with the call */
  /* Extra response headers for the reply (ETag, Location, ...). */
  int nhdr;
  char hdr_name[XS_HTTP_RESPONSE_HEADERS_MAX][32];
  char hdr_value[XS_HTTP_RESPONSE_HEADERS_MAX][128];
};

typedef void (*xs_rest_handler)(xs_rest_call *c);

/* ------------------------------------------------------------------------ */
/* Replies (rest.c).  Each answers the call once; later calls are ignored.   */

void xs__rest_reply(xs_rest_call *c, int status, const char *content_type, const void *body,
                    size_t len);
void xs__rest_reply_empty(xs_rest_call *c, int status);
/* text/plain, printf-style. */
void xs__rest_reply_text(xs_rest_call *c, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* application/json from a buffer (500 if the buffer failed). */
void xs__rest_reply_json(xs_rest_call *c, int status, xs_buf *json);
/* Our own API's errors: {"error":"..."} as application/json. */
void xs__rest_reply_sim_error(xs_rest_call *c, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Adds one header to the response the next reply gives. */
void xs__rest_add_header(xs_rest_call *c, const char *name, const char *value);

/* 404 ISPN012010 for an unknown (or not here defined) cache. */
void xs__rest_reply_no_cache(xs_rest_call *c, const char *name);
/* Resolves c->cache_var on this site: the index, or -1 after replying 404. */
int xs__rest_cache_or_404(xs_rest_call *c);

/* ------------------------------------------------------------------------ */
/* JSON writing (rest.c)                                                      */

#define XS_REST_JSON_MAX ((size_t)XS_REST_BODY_MAX)
#define XS_REST_MAP_MAX 64 /* keys of one Java-ordered map (caches, sites, nodes) */

/* A JSON string: quotes, escapes; invalid UTF-8 becomes U+FFFD. */
void xs__json_str(xs_buf *b, const char *s, size_t len);
void xs__json_cstr(xs_buf *b, const char *s);
/* Orders names as java.util.HashMap would iterate them after inserting
 * them in the given order; order[] gets indexes into names.  Returns n. */
int xs__java_order(const char *const *names, int n, int *order);
/* Sorts indexes by their names (strcmp), as a TreeSet iterates. */
void xs__sort_names(const char *const *names, int n, int *order);
/* This site's defined caches for which keep() holds (all when keep is
 * NULL), alphabetically as a TreeSet iterates; returns the count. */
int xs__rest_caches_sorted(const xs_rest *r, bool (*keep)(const xs_rest *r, int cache), int *out);

/* Parses a decimal integer that must take the whole string. */
bool xs__parse_i64(const char *s, int64_t *out);

/* ------------------------------------------------------------------------ */
/* Handlers, by area                                                          */

/* rest_xsite.c */
void xs__rest_xsite_cache_status(xs_rest_call *c);
void xs__rest_xsite_push_status(xs_rest_call *c);
void xs__rest_xsite_clear_push_status(xs_rest_call *c);
void xs__rest_xsite_site_nodes(xs_rest_call *c);
void xs__rest_xsite_take_offline(xs_rest_call *c);
void xs__rest_xsite_bring_online(xs_rest_call *c);
void xs__rest_xsite_push(xs_rest_call *c);
void xs__rest_xsite_cancel_push(xs_rest_call *c);
void xs__rest_xsite_cancel_receive(xs_rest_call *c);
void xs__rest_xsite_toc_get(xs_rest_call *c);
void xs__rest_xsite_toc_put(xs_rest_call *c);
void xs__rest_xsite_st_mode_get(xs_rest_call *c);
void xs__rest_xsite_st_mode_set(xs_rest_call *c);
void xs__rest_xsite_global_status(xs_rest_call *c);
void xs__rest_xsite_global_site(xs_rest_call *c);
void xs__rest_xsite_all_take_offline(xs_rest_call *c);
void xs__rest_xsite_all_bring_online(xs_rest_call *c);
void xs__rest_xsite_all_push(xs_rest_call *c);
void xs__rest_xsite_all_cancel_push(xs_rest_call *c);

/* rest_cache.c */
void xs__rest_entry_get(xs_rest_call *c);
void xs__rest_entry_put(xs_rest_call *c);
void xs__rest_entry_post(xs_rest_call *c);
void xs__rest_entry_delete(xs_rest_call *c);
void xs__rest_cache_clear(xs_rest_call *c);
void xs__rest_cache_size(xs_rest_call *c);
void xs__rest_cache_keys(xs_rest_call *c);
void xs__rest_cache_exists(xs_rest_call *c);
void xs__rest_cache_stats(xs_rest_call *c);
void xs__rest_cache_config(xs_rest_call *c);
void xs__rest_cache_list(xs_rest_call *c);
/* The cache's configuration as Infinispan's JSON (also cache-configs). */
void xs__rest_cache_config_json(xs_rest *r, int cache, xs_buf *b);

/* rest_container.c */
void xs__rest_root(xs_rest_call *c);
void xs__rest_server_info(xs_rest_call *c);
void xs__rest_server_cache_managers(xs_rest_call *c);
void xs__rest_container_info(xs_rest_call *c);
void xs__rest_container_health(xs_rest_call *c);
void xs__rest_container_health_status(xs_rest_call *c);
void xs__rest_container_cache_configs(xs_rest_call *c);
void xs__rest_container_stats(xs_rest_call *c);

/* rest_metrics.c */
void xs__rest_metrics(xs_rest_call *c);

/* rest_sim.c */
void xs__rest_sim_state(xs_rest_call *c);
void xs__rest_sim_partition(xs_rest_call *c);
void xs__rest_sim_heal(xs_rest_call *c);
void xs__rest_sim_links(xs_rest_call *c);
void xs__rest_sim_site(xs_rest_call *c);
void xs__rest_sim_clock(xs_rest_call *c);
void xs__rest_sim_events(xs_rest_call *c);

#endif /* XS_REST_INTERNAL_H */
