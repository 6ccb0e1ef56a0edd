/*
 * cli_resource.c - the CLI's resource tree, which `cd`, `ls`, `describe`,
 * `stats` and the cache context walk:
 *
 *   ""  (root)                       containers | cluster | server
 *   containers                      the server's container ("default")
 *   containers/default              caches | counters | configurations | schemas | tasks
 *   containers/default/caches       the defined caches
 *   .../caches/<cache>              a cache; any child name is a key
 *
 * Names are checked as the CLI's Resource classes check them, against what
 * the last refresh read, with their exceptions ("No such resource 'x'",
 * "Command invoked from the wrong context").
 */
#include <string.h>

#include "cli_internal.h"

static cli_res_kind child_kind(cli_res_kind parent, const char *name) {
  switch (parent) {
  case CLI_RES_ROOT: return strcmp(name, "containers") == 0 ? CLI_RES_CONTAINERS : CLI_RES_OTHER;
  case CLI_RES_CONTAINERS: return CLI_RES_CONTAINER;
  case CLI_RES_CONTAINER: return strcmp(name, "caches") == 0 ? CLI_RES_CACHES : CLI_RES_OTHER;
  case CLI_RES_CACHES: return CLI_RES_CACHE;
  case CLI_RES_CACHE: return CLI_RES_KEY;
  default: return CLI_RES_OTHER;
  }
}

cli_res_kind xs__cli_res_kind(const cli_res *r) {
  cli_res_kind k = CLI_RES_ROOT;
  for (int i = 1; i < r->depth; i++) k = child_kind(k, r->path[i]);
  return k;
}

void xs__cli_res_active(const xs_cli_ctx *ctx, cli_res *r) {
  r->depth = ctx->depth > 0 ? ctx->depth : 1;
  if (ctx->depth <= 0) r->path[0][0] = 0;
  for (int i = 0; i < ctx->depth; i++) memcpy(r->path[i], ctx->path[i], sizeof r->path[i]);
}

const char *xs__cli_res_cache(const cli_res *r) {
  cli_res_kind k = xs__cli_res_kind(r);
  return k == CLI_RES_CACHE || k == CLI_RES_KEY ? r->path[4] : NULL;
}

static int no_such(const char *name, cli_exc *e) {
  xs__cli_exc(e, "java.lang", "IllegalArgumentException", "No such resource '%s'", name);
  return -1;
}

static bool listed(const xs_cli_strlist *l, const char *name) {
  for (size_t i = 0; i < l->n; i++)
    if (strcmp(l->v[i], name) == 0) return true;
  return false;
}

static int push(cli_res *r, const char *name, cli_exc *e) {
  if (r->depth >= XS_CLI_DEPTH_MAX || strlen(name) >= XS_CLI_NAME_MAX) return no_such(name, e);
  memcpy(r->path[r->depth++], name, strlen(name) + 1);
  return 0;
}

/* The getChild of each Resource class. */
static int get_child(const xs_cli_ctx *ctx, cli_res *r, const char *name, cli_exc *e) {
  bool up = strcmp(name, "..") == 0;
  switch (xs__cli_res_kind(r)) {
  case CLI_RES_ROOT:
    if (strcmp(name, "containers") == 0 || strcmp(name, "cluster") == 0 || strcmp(name, "server") == 0)
      return push(r, name, e);
    return no_such(name, e);
  case CLI_RES_CONTAINERS:
    if (up) break;
    return strcmp(name, ctx->info.container) == 0 ? push(r, name, e) : no_such(name, e);
  case CLI_RES_CONTAINER: {
    static const char *const kids[] = {"caches", "counters", "configurations", "schemas", "tasks"};
    if (up) break;
    for (size_t i = 0; i < sizeof kids / sizeof *kids; i++)
      if (strcmp(name, kids[i]) == 0) return push(r, name, e);
    return no_such(name, e);
  }
  case CLI_RES_CACHES:
    if (up) break;
    return listed(&ctx->info.caches, name) ? push(r, name, e) : no_such(name, e);
  case CLI_RES_CACHE:
    if (up) break;
    return push(r, name, e);
  default:
    if (up && r->depth > 1) break;
    return no_such(name, e);
  }
  r->depth--;
  return 0;
}

int xs__cli_res_resolve(const xs_cli_ctx *ctx, cli_res *r, const char *path, cli_exc *e) {
  if (!path || strcmp(path, ".") == 0) return 0;
  if (strcmp(path, "..") == 0) {
    if (r->depth > 1) {
      r->depth--;
      return 0;
    }
    xs__cli_exc(e, "java.lang", "IllegalStateException", "Command invoked from the wrong context");
    return -1;
  }
  /* String.split("/"): trailing empty parts vanish; an empty part (a
   * leading '/') means the root. */
  size_t n = strlen(path);
  while (n > 0 && path[n - 1] == '/') n--;
  if (n == 0 && path[0]) {
    r->depth = 1;
    return 0;
  }
  for (size_t i = 0;;) {
    size_t j = i;
    while (j < n && path[j] != '/') j++;
    char part[XS_CLI_NAME_MAX + 1];
    size_t len = j - i < XS_CLI_NAME_MAX ? j - i : XS_CLI_NAME_MAX;
    memcpy(part, path + i, len);
    part[len] = 0;
    if (len == 0) r->depth = 1;
    else if (get_child(ctx, r, part, e) < 0) return -1;
    if (j >= n) break;
    i = j + 1;
  }
  return 0;
}
