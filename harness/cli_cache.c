/*
 * cli_cache.c - the CLI's cache and navigation commands:
 *
 *   clearcache [CACHE]        POST   /rest/v2/caches/C?action=clear (prints nothing: 204)
 *   get KEY [-c C] [-x]       GET    /rest/v2/caches/C/KEY
 *   put KEY VALUE [-c C] [-e TYPE] [-f FILE] [-l TTL] [-i IDLE] [-a]
 *                             PUT (POST with -a) /rest/v2/caches/C/KEY
 *   remove KEY [--cache C]    DELETE /rest/v2/caches/C/KEY?extended
 *   stats [PATH] [--reset]    GET    /rest/v2/caches/C?action=stats | /rest/v2/container/stats
 *   ls [PATH] [-f] [-p] [-m]  the names below a resource (a cache: GET ?action=keys)
 *   cd PATH                   moves in the resource tree (no request)
 *   describe [PATH]           GET /rest/v2/container | /rest/v2/caches/C?action=config
 *
 * C is --cache, else the cache the user has `cd`-ed into; without either
 * the CLI says "Command invoked from the wrong context".
 */
#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli_internal.h"
#include "cli_pretty.h"

#define HELP_OPT {"help", 'h', false, false, true, NULL, NULL, 0}
#define PATH_MAX_CLI (XS_CLI_LINE_MAX * 4)

/* CacheResource.cacheName(resource): --cache wins, else the context. */
static const char *cache_or_context(cli_call *c, const char *given, cli_exc *e) {
  const char *cache = given ? given : xs_cli_current_cache(c->ctx);
  if (cache) return cache;
  xs__cli_exc(e, "java.lang", "IllegalStateException", "Command invoked from the wrong context");
  return NULL;
}

static int rest_on(cli_call *c, const char *method, xs_buf *t, const cli_req *proto) {
  cli_req rq = proto ? *proto : (cli_req){0};
  rq.method = method;
  rq.target = xs_buf_cstr(t);
  int rc = xs_buf_ok(t) ? xs__cli_rest_command(c, &rq) : XS_ENOMEM;
  xs_buf_free(t);
  return rc;
}

static int fail_rest(cli_call *c, const cli_exc *e) {
  xs__cli_print_rest_error(c, e);
  return XS_CLI_FAILED;
}

/* "/rest/v2/caches/<cache>[/<key>]", URL-encoded as the REST client does. */
static void cache_path(xs_buf *t, const char *cache, const char *key) {
  xs_buf_init(t, PATH_MAX_CLI);
  xs_buf_puts(t, "/rest/v2/caches/");
  xs__cli_urlencode(t, cache);
  if (key) {
    xs_buf_puts(t, "/");
    xs__cli_urlencode(t, key);
  }
}

static int run_clearcache(cli_call *c) {
  cli_exc e;
  const char *cache = cache_or_context(c, c->nargs ? c->args[0] : NULL, &e);
  if (!cache) return fail_rest(c, &e);
  xs_buf t;
  cache_path(&t, cache, NULL);
  xs_buf_puts(&t, "?action=clear");
  return rest_on(c, "POST", &t, NULL);
}

/* ------------------------------------------------------------------------ */
/* Headers as the CLI shows them (get -x, describe KEY)                       */

typedef struct hdr {
  const char *name;
  char value[256];
} hdr;

static int hdr_cmp(const void *a, const void *b) { return strcasecmp(((const hdr *)a)->name, ((const hdr *)b)->name); }

/* Json.make(HttpHeaders.map()): names in case-insensitive order, each with
 * its values as an array. */
static void headers_json(const xs_cli_response *resp, xs_buf *text) {
  hdr h[XS_CLI_RESP_HEADERS_MAX + 2];
  size_t n = 0;
  h[n].name = "content-length";
  snprintf(h[n++].value, sizeof h[0].value, "%zu", resp->body.len);
  if (resp->content_type[0]) {
    h[n].name = "content-type";
    snprintf(h[n++].value, sizeof h[0].value, "%s", resp->content_type);
  }
  for (int i = 0; i < resp->nheaders; i++) {
    h[n].name = resp->headers[i].name;
    snprintf(h[n++].value, sizeof h[0].value, "%s", resp->headers[i].value);
  }
  qsort(h, n, sizeof *h, hdr_cmp);
  json_t *o = json_object();
  for (size_t i = 0; o && i < n; i++) json_object_set_new(o, h[i].name, json_pack("[s]", h[i].value));
  char *compact = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
  if (compact) xs_cli_pretty(compact, strlen(compact), text, NULL, 0);
  free(compact);
  json_decref(o);
}

/* ResponseMode.HEADERS: the call, the headers, the refresh. */
static int headers_command(cli_call *c, const cli_req *rq, bool refresh) {
  xs_cli_response resp;
  xs_cli_response_init(&resp);
  xs_buf text;
  xs_buf_init(&text, XS_CLI_RESP_BODY_MAX);
  cli_exc e;
  int rc = xs__cli_http(c->ctx, rq, &resp, &e);
  if (rc >= 0) headers_json(&resp, &text);
  if (rc >= 0 && refresh) rc = xs__cli_refresh(c->ctx, &e);
  if (rc < 0) {
    if (refresh) xs__cli_print_rest_error(c, &e);
    else xs__cli_print_command_exception(c, &e);
  } else {
    xs_buf_append(c->out, text.data, text.len);
    xs_buf_puts(c->out, "\n");
  }
  xs_buf_free(&text);
  xs_cli_response_free(&resp);
  return rc < 0 ? XS_CLI_FAILED : XS_CLI_OK;
}

static int run_get(cli_call *c) {
  cli_exc e;
  const char *cache = cache_or_context(c, xs__cli_opt(c, "cache"), &e);
  if (!cache) return fail_rest(c, &e);
  xs_buf t;
  cache_path(&t, cache, c->args[0]);
  if (!xs__cli_flag(c, "extended")) return rest_on(c, "GET", &t, NULL);
  xs_buf_puts(&t, "?extended=true");
  cli_req rq = {.method = "GET", .target = xs_buf_cstr(&t)};
  int rc = headers_command(c, &rq, true);
  xs_buf_free(&t);
  return rc;
}

static int run_remove(cli_call *c) {
  cli_exc e;
  const char *cache = cache_or_context(c, xs__cli_opt(c, "cache"), &e);
  if (!cache) return fail_rest(c, &e);
  xs_buf t;
  cache_path(&t, cache, c->args[0]);
  xs_buf_puts(&t, "?extended");
  return rest_on(c, "DELETE", &t, NULL);
}

/* RestEntity.create(type, File): the file's bytes. */
static int read_file(const char *path, xs_buf *into, cli_exc *e) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    xs__cli_exc(e, "java.io", "UncheckedIOException", "java.nio.file.NoSuchFileException: %s", path);
    return -1;
  }
  char chunk[8192];
  size_t n;
  while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) xs_buf_append(into, chunk, n);
  fclose(f);
  if (!xs_buf_ok(into)) {
    xs__cli_exc(e, "java.lang", "OutOfMemoryError", "Java heap space");
    return -1;
  }
  return 0;
}

static int run_put(cli_call *c) {
  cli_exc e;
  const char *file = xs__cli_opt(c, "file");
  if (c->nargs != (file ? 1u : 2u)) {
    xs__cli_exc(&e, "java.lang", "IllegalArgumentException", "Illegal arguments for command");
    return fail_rest(c, &e);
  }
  const char *cache = cache_or_context(c, xs__cli_opt(c, "cache"), &e);
  if (!cache) return fail_rest(c, &e);
  xs_buf value;
  xs_buf_init(&value, XS_HTTP_BODY_MAX);
  if (file ? read_file(file, &value, &e) < 0 : (xs_buf_puts(&value, c->args[1]), 0)) {
    xs_buf_free(&value);
    return fail_rest(c, &e);
  }
  char ttl[32], idle[32];
  long long l = strtoll(xs__cli_opt(c, "ttl"), NULL, 10), i = strtoll(xs__cli_opt(c, "max-idle"), NULL, 10);
  snprintf(ttl, sizeof ttl, "%lld", l);
  snprintf(idle, sizeof idle, "%lld", i);
  const char *enc = xs__cli_opt(c, "encoding");
  cli_req rq = {.ctype = enc ? enc : "text/plain", .body = value.data ? (const void *)value.data : "",
                .body_len = value.len};
  int h = 0;
  if (l != 0) rq.hname[h] = "timeToLiveSeconds", rq.hval[h++] = ttl;
  if (i != 0) rq.hname[h] = "maxIdleTimeSeconds", rq.hval[h++] = idle;
  xs_buf t;
  cache_path(&t, cache, c->args[0]);
  int rc = rest_on(c, xs__cli_flag(c, "if-absent") ? "POST" : "PUT", &t, &rq);
  xs_buf_free(&value);
  return rc;
}

/* ------------------------------------------------------------------------ */
/* stats, cd, describe                                                        */

static int run_stats(cli_call *c) {
  cli_exc e;
  cli_res r;
  xs__cli_res_active(c->ctx, &r);
  if (xs__cli_res_resolve(c->ctx, &r, c->nargs ? c->args[0] : NULL, &e) < 0) return fail_rest(c, &e);
  bool reset = xs__cli_flag(c, "reset");
  cli_res_kind k = xs__cli_res_kind(&r);
  xs_buf t;
  if (k == CLI_RES_CACHE) {
    cache_path(&t, r.path[r.depth - 1], NULL);
    xs_buf_puts(&t, reset ? "?action=stats-reset" : "?action=stats");
    return rest_on(c, reset ? "POST" : "GET", &t, NULL);
  }
  if (k == CLI_RES_CONTAINER) {
    xs_buf_init(&t, PATH_MAX_CLI);
    xs_buf_puts(&t, reset ? "/rest/v2/container/stats?action=reset" : "/rest/v2/container/stats");
    return rest_on(c, reset ? "POST" : "GET", &t, NULL);
  }
  const char *name = r.path[r.depth - 1];
  if (reset) xs__cli_exc(&e, "java.lang", "IllegalArgumentException", "Cannot reset an individual statistic");
  else xs__cli_exc(&e, "java.lang", "IllegalArgumentException", "Invalid resource '%s'", *name ? name : "/");
  return fail_rest(c, &e);
}

static int run_cd(cli_call *c) {
  cli_exc e;
  cli_res r;
  xs__cli_res_active(c->ctx, &r);
  if (xs__cli_res_resolve(c->ctx, &r, c->args[0], &e) < 0) {
    xs__cli_print_throwable(c, &e);
    return XS_CLI_FAILED;
  }
  if (xs__cli_res_kind(&r) == CLI_RES_KEY) return XS_CLI_OK; /* a key is never the context */
  c->ctx->depth = r.depth;
  memcpy(c->ctx->path, r.path, sizeof r.path);
  return XS_CLI_OK;
}

/* parseBody(String) of a GET, printed with println (no refresh). */
static int describe_call(cli_call *c, xs_buf *t, const char *method) {
  xs_cli_response resp;
  xs_cli_response_init(&resp);
  xs_buf text;
  xs_buf_init(&text, XS_CLI_RESP_BODY_MAX * 2);
  cli_exc e;
  cli_req rq = {.method = method, .target = xs_buf_cstr(t)};
  int rc = xs__cli_http(c->ctx, &rq, &resp, &e);
  if (rc == 1 && strcmp(method, "HEAD") == 0) headers_json(&resp, &text);
  else if (rc == 1) rc = xs__cli_body_text(&resp, &text, &e) < 0 ? -2 : 1;
  else if (rc == 0) xs_buf_puts(&text, "null");
  if (rc == -1) xs__cli_print_command_exception(c, &e);
  else if (rc == -2) xs__cli_print_throwable(c, &e);
  else xs_buf_printf(c->out, "%.*s\n", (int)text.len, (const char *)text.data);
  xs_buf_free(&text);
  xs_buf_free(t);
  xs_cli_response_free(&resp);
  return rc < 0 ? XS_CLI_FAILED : XS_CLI_OK;
}

static int run_describe(cli_call *c) {
  cli_exc e;
  cli_res r;
  xs__cli_res_active(c->ctx, &r);
  if (xs__cli_res_resolve(c->ctx, &r, c->nargs ? c->args[0] : NULL, &e) < 0) {
    xs__cli_print_throwable(c, &e);
    return XS_CLI_FAILED;
  }
  xs_buf t;
  switch (xs__cli_res_kind(&r)) {
  case CLI_RES_CONTAINER:
    xs_buf_init(&t, PATH_MAX_CLI);
    xs_buf_puts(&t, "/rest/v2/container");
    return describe_call(c, &t, "GET");
  case CLI_RES_CACHE:
    cache_path(&t, r.path[r.depth - 1], NULL);
    xs_buf_puts(&t, "?action=config");
    return describe_call(c, &t, "GET");
  case CLI_RES_KEY:
    cache_path(&t, r.path[r.depth - 2], r.path[r.depth - 1]);
    xs_buf_puts(&t, "?extended");
    return describe_call(c, &t, "HEAD");
  default: xs__cli_println(c, r.path[r.depth - 1]); return XS_CLI_OK;
  }
}

/* ------------------------------------------------------------------------ */
/* ls                                                                         */

/* TablePrettyPrinter's single column: the value padded to the width,
 * wrapped at the width or at a newline. */
static void table_cell(xs_buf *out, const char *v, int width) {
  size_t len = strlen(v), off = 0;
  bool done = false;
  do {
    const char *nl = memchr(v + off, '\n', len - off);
    size_t piece;
    if (!nl || (size_t)(nl - (v + off)) > (size_t)width) {
      piece = len - off <= (size_t)width ? len - off : (size_t)width;
      done = len - off <= (size_t)width;
      xs_buf_printf(out, "%-*.*s\n", width, (int)piece, v + off);
      off += piece;
    } else {
      piece = (size_t)(nl - (v + off));
      xs_buf_printf(out, "%-*.*s\n", width, (int)piece, v + off);
      off += piece + 1;
    }
  } while (!done);
}

typedef struct lister {
  xs_buf *out;
  char mode;          /* 'T' table, 'J' json, 'C' csv */
  const char *header; /* NULL: no table header (DefaultRowPrinter) */
  int width;
  size_t n;
} lister;

static void list_item(lister *l, const char *v) {
  if (l->mode == 'J') {
    xs_buf_printf(l->out, "%s\"%s\"", l->n ? ",\n" : "", v);
  } else if (l->mode == 'C') {
    if (!l->n) xs_buf_printf(l->out, "# %s\n", l->header ? l->header : "");
    xs_buf_puts(l->out, "\"");
    for (const char *p = v; *p; p++) xs_buf_puts(l->out, *p == '"' ? "\\\"" : (char[2]){*p, 0});
    xs_buf_puts(l->out, "\"\n");
  } else {
    if (!l->n && l->header) {
      xs_buf_printf(l->out, "%-*s\n", l->width, l->header);
      for (int i = 0; i < l->width; i++) xs_buf_puts(l->out, "-");
      xs_buf_puts(l->out, "\n");
    }
    table_cell(l->out, v, l->width);
  }
  l->n++;
}

/* The keys of a cache: GET ?action=keys&limit=N, read as JSON. */
static int list_keys(cli_call *c, lister *l, const char *cache, cli_exc *e) {
  xs_buf t;
  cache_path(&t, cache, NULL);
  xs_buf_printf(&t, "?action=keys&limit=%s", xs__cli_opt(c, "max-items"));
  xs_cli_response resp;
  xs_cli_response_init(&resp);
  cli_req rq = {.method = "GET", .target = xs_buf_cstr(&t)};
  int rc = xs__cli_http(c->ctx, &rq, &resp, e);
  json_t *keys = rc == 1 ? json_loadb((const char *)resp.body.data, resp.body.len, 0, NULL) : NULL;
  size_t i;
  json_t *k;
  json_array_foreach(keys, i, k) list_item(l, json_is_string(k) ? json_string_value(k) : "");
  json_decref(keys);
  xs_cli_response_free(&resp);
  xs_buf_free(&t);
  return rc < 0 ? -1 : 0;
}

static char list_mode(const char *pretty) {
  return strcasecmp(pretty, "json") == 0 ? 'J' : strcasecmp(pretty, "csv") == 0 ? 'C' : 'T';
}

static int run_ls(cli_call *c) {
  cli_exc e;
  cli_res r;
  if (xs__cli_refresh(c->ctx, &e) < 0) return xs__cli_print_command_exception(c, &e), XS_CLI_FAILED;
  xs__cli_res_active(c->ctx, &r);
  if (xs__cli_res_resolve(c->ctx, &r, c->nargs ? c->args[0] : NULL, &e) < 0)
    return xs__cli_print_throwable(c, &e), XS_CLI_FAILED;
  lister l = {c->out, list_mode(xs__cli_opt(c, "pretty-print")), NULL, c->ctx->term_width, 0};
  if (l.mode == 'J') xs_buf_puts(c->out, "[\n");
  static const char *const root[] = {"containers", "cluster", "server", NULL};
  static const char *const container[] = {"caches", "counters", "configurations", "schemas", "tasks", NULL};
  const xs_cli_server_info *in = &c->ctx->info;
  int rc = 0;
  switch (xs__cli_res_kind(&r)) {
  case CLI_RES_ROOT: for (int i = 0; root[i]; i++) list_item(&l, root[i]); break;
  case CLI_RES_CONTAINERS: list_item(&l, in->container); break;
  case CLI_RES_CONTAINER: for (int i = 0; container[i]; i++) list_item(&l, container[i]); break;
  case CLI_RES_CACHES: for (size_t i = 0; i < in->caches.n; i++) list_item(&l, in->caches.v[i]); break;
  case CLI_RES_CACHE: {
    const char *fmt = xs__cli_flag(c, "l") ? "FULL" : xs__cli_opt(c, "format");
    if (strcasecmp(fmt, "names") != 0) {
      xs_buf_printf(c->out, "xsim: ls -f %s needs ?action=entries, which the simulator does not serve\n", fmt);
      return XS_CLI_FAILED;
    }
    l.header = "Key";
    rc = list_keys(c, &l, r.path[r.depth - 1], &e);
    break;
  }
  default: break;
  }
  if (rc < 0) return xs__cli_print_command_exception(c, &e), XS_CLI_FAILED;
  if (l.mode == 'J') xs_buf_puts(c->out, "\n]\n");
  return XS_CLI_OK;
}

/* ------------------------------------------------------------------------ */
/* The table entries                                                          */

const cli_cmd xs__cli_cmd_clearcache = {
    .name = "clearcache", .desc = "Clears the cache", .opts = {HELP_OPT}, .argkind = CLI_ARG_ONE,
    .arg_field = "name", .arg_desc = "The name of the cache", .needs_connection = true, .run = run_clearcache};
const cli_cmd xs__cli_cmd_get = {
    .name = "get", .aliases = {"cat"}, .desc = "Gets an entry from the cache",
    .opts = {{"cache", 'c', true, false, false, NULL, NULL, 0}, {"extended", 'x', false, false, false, NULL, NULL, 0},
             HELP_OPT},
    .argkind = CLI_ARG_ONE, .arg_field = "key", .arg_required = true, .needs_connection = true, .run = run_get};
const cli_cmd xs__cli_cmd_put = {
    .name = "put", .desc = "Puts an entry into the cache",
    .opts = {{"encoding", 'e', true, false, false, NULL, NULL, 0}, {"cache", 'c', true, false, false, NULL, NULL, 0},
             {"file", 'f', true, false, false, NULL, NULL, 0}, {"ttl", 'l', true, false, false, NULL, "0", 'L'},
             {"max-idle", 'i', true, false, false, NULL, "0", 'L'},
             {"if-absent", 'a', false, false, false, NULL, NULL, 0}, HELP_OPT},
    .argkind = CLI_ARG_LIST, .arg_field = "args", .arg_required = true, .needs_connection = true, .run = run_put};
const cli_cmd xs__cli_cmd_remove = {
    .name = "remove", .aliases = {"rm"}, .desc = "Removes an entry from the cache",
    .opts = {{"cache", 0, true, false, false, NULL, NULL, 0}, HELP_OPT}, .argkind = CLI_ARG_ONE,
    .arg_field = "key", .arg_required = true, .needs_connection = true, .run = run_remove};
const cli_cmd xs__cli_cmd_stats = {
    .name = "stats", .desc = "Shows cache and container statistics",
    .opts = {HELP_OPT, {"reset", 0, false, false, false, NULL, NULL, 0}}, .argkind = CLI_ARG_ONE,
    .arg_field = "name", .arg_desc = "The path of the resource", .needs_connection = true, .run = run_stats};
const cli_cmd xs__cli_cmd_ls = {
    .name = "ls", .desc = "Lists resources in a path",
    .opts = {{"format", 'f', true, false, false, "Use a listing format (supported only by some resources)", "NAMES", 'F'},
             {"pretty-print", 'p', true, false, false, "Pretty-print the output", "TABLE", 'P'},
             {"l", 'l', false, false, false, "Shortcut for -f FULL.", NULL, 0},
             {"max-items", 'm', true, false, false,
              "Limit the number of results (supported only by some resources). Defaults to no limit", "-1", 'I'},
             HELP_OPT},
    .argkind = CLI_ARG_ONE, .arg_field = "path", .arg_desc = "The path of the subsystem/item",
    .needs_connection = true, .run = run_ls};
const cli_cmd xs__cli_cmd_cd = {
    .name = "cd", .desc = "Selects a subsystem or item", .opts = {HELP_OPT}, .argkind = CLI_ARG_ONE,
    .arg_field = "path", .arg_desc = "The name of the subsystem/item", .arg_required = true,
    .needs_connection = true, .run = run_cd};
const cli_cmd xs__cli_cmd_describe = {
    .name = "describe", .desc = "Displays information about the specified resource", .opts = {HELP_OPT},
    .argkind = CLI_ARG_ONE, .arg_field = "name", .arg_desc = "The path of the resource",
    .needs_connection = true, .run = run_describe};
