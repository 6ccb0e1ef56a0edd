/*
 * cli_command.c - the CLI session: connecting and refreshing what the CLI
 * knows of the server (RestConnection), running a line (aesh's runtime:
 * parse, convert, activate, execute), the REST call helper every command
 * goes through with the CLI's status handling, the Java exceptions the CLI
 * prints, the prompt, and the general commands (help, quit, connect,
 * disconnect).  The `site` commands are in cli_site.c, the cache and
 * resource commands in cli_cache.c.
 */
#include "cli_command.h"

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli_internal.h"
#include "cli_pretty.h"

#define ANSI_RED "\x1b[0;31m"
#define ANSI_GREEN "\x1b[0;32m"
#define ANSI_YELLOW "\x1b[0;33m"
#define ANSI_DEFAULT "\x1b[0;39m"
/* TerminalString(msg, TerminalColor(RED, DEFAULT, BRIGHT)).toString(). */
#define ANSI_REST_ERROR "\x1b[;91;109m"
#define ANSI_RESET "\x1b[0m"

/* ------------------------------------------------------------------------ */
/* Name lists                                                                 */

static void strlist_free(xs_cli_strlist *l) {
  for (size_t i = 0; i < l->n; i++) free(l->v[i]);
  free(l->v);
  memset(l, 0, sizeof *l);
}

static int strlist_add(xs_cli_strlist *l, const char *s) {
  char **v = realloc(l->v, (l->n + 1) * sizeof *v);
  if (!v) return XS_ENOMEM;
  l->v = v;
  if (!(l->v[l->n] = strdup(s))) return XS_ENOMEM;
  l->n++;
  return 0;
}

/* A JSON array of strings (or of objects, taking their `field`). */
static int strlist_from_json(xs_cli_strlist *l, const json_t *arr, const char *field, const char *skip) {
  memset(l, 0, sizeof *l);
  if (!json_is_array(arr)) {
    l->null = true;
    return 0;
  }
  size_t i;
  const json_t *it;
  json_array_foreach(arr, i, it) {
    const json_t *s = field ? json_object_get(it, field) : it;
    if (!json_is_string(s) || (skip && strcmp(json_string_value(s), skip) == 0)) continue;
    if (strlist_add(l, json_string_value(s)) < 0) return XS_ENOMEM;
  }
  return 0;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void info_free(xs_cli_server_info *in) {
  strlist_free(&in->sites_view);
  strlist_free(&in->relay_nodes);
  strlist_free(&in->caches);
  strlist_free(&in->configurations);
  strlist_free(&in->cluster_members);
}

/* ------------------------------------------------------------------------ */
/* Session                                                                    */

void xs_cli_ctx_init(xs_cli_ctx *ctx, xs_cli_transport t) {
  memset(ctx, 0, sizeof *ctx);
  ctx->transport = t;
  ctx->term_width = XS_CLI_TERM_WIDTH_DEFAULT;
}

void xs_cli_disconnect(xs_cli_ctx *ctx) {
  info_free(&ctx->info);
  memset(&ctx->info, 0, sizeof ctx->info);
  ctx->connected = false;
  ctx->depth = 0;
}

void xs_cli_ctx_free(xs_cli_ctx *ctx) { xs_cli_disconnect(ctx); }

const char *xs_cli_current_cache(const xs_cli_ctx *ctx) {
  if (!ctx->connected) return NULL;
  cli_res r;
  xs__cli_res_active(ctx, &r);
  return xs__cli_res_kind(&r) == CLI_RES_CACHE ? ctx->path[4] : NULL;
}

void xs_cli_prompt(const xs_cli_ctx *ctx, xs_buf *out) {
  if (!ctx->connected) {
    xs_buf_puts(out, ctx->ansi ? "[" ANSI_YELLOW "disconnected" ANSI_DEFAULT "]> " : "[disconnected]> ");
    return;
  }
  xs_buf_puts(out, ctx->ansi ? "[" ANSI_GREEN : "[");
  if (ctx->info.has_node_address)
    xs_buf_printf(out, "%s@%s", ctx->info.node_address, ctx->info.cluster_name);
  else
    xs_buf_puts(out, ctx->info.container);
  if (ctx->ansi) xs_buf_puts(out, ANSI_DEFAULT);
  for (int i = 0; i < ctx->depth; i++) xs_buf_printf(out, "/%s", ctx->path[i]);
  xs_buf_puts(out, "]> ");
}

/* ------------------------------------------------------------------------ */
/* Exceptions                                                                 */

void xs__cli_exc(cli_exc *e, const char *pkg, const char *cls, const char *fmt, ...) {
  e->pkg = pkg;
  e->cls = cls;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(e->msg, sizeof e->msg, fmt, ap);
  va_end(ap);
}

void xs__cli_println(cli_call *c, const char *s) {
  xs_buf_puts(c->out, s);
  xs_buf_puts(c->out, "\n");
}

static void errorln(cli_call *c, const char *s) {
  if (c->ctx->ansi) xs_buf_printf(c->out, ANSI_RED "%s" ANSI_DEFAULT "\n", s);
  else xs__cli_println(c, s);
}

void xs__cli_print_rest_error(cli_call *c, const cli_exc *e) {
  if (c->ctx->ansi) xs_buf_printf(c->out, ANSI_REST_ERROR "%s" ANSI_RESET "\n", e->msg);
  else xs__cli_println(c, e->msg);
}

void xs__cli_print_command_exception(cli_call *c, const cli_exc *e) {
  char line[CLI_MSG_MAX + 96];
  snprintf(line, sizeof line, "%s.%s: %s", e->pkg, e->cls, e->msg);
  errorln(c, line);
  xs__cli_print_throwable(c, e);
}

void xs__cli_print_throwable(cli_call *c, const cli_exc *e) {
  char line[CLI_MSG_MAX + 96];
  snprintf(line, sizeof line, "%s: %s", e->cls, e->msg);
  errorln(c, line);
}

/* ------------------------------------------------------------------------ */
/* REST                                                                       */

void xs__cli_urlencode(xs_buf *b, const char *s) {
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (isalnum(*p) || *p == '.' || *p == '-' || *p == '*' || *p == '_') xs_buf_append(b, p, 1);
    else if (*p == ' ') xs_buf_puts(b, "+");
    else xs_buf_printf(b, "%%%02X", *p);
  }
}

/* java.net.URI refuses these in a path or query; the CLI fails before
 * sending anything. */
static long bad_uri_char(const char *t) {
  for (const char *p = t; *p; p++) {
    unsigned char ch = (unsigned char)*p;
    if (ch <= 0x20 || ch == 0x7f || strchr("\"<>\\^`{|}", ch)) return p - t;
  }
  return -1;
}

static xs_http_request *build_request(const cli_req *rq) {
  xs_http_request *req = xs_http_request_new(rq->method, rq->target);
  if (!req) return NULL;
  bool ok = true;
  if (rq->ctype) ok = xs_http_request_add_header(req, "Content-Type", rq->ctype) == 0;
  for (int i = 0; ok && i < 2; i++)
    if (rq->hname[i]) ok = xs_http_request_add_header(req, rq->hname[i], rq->hval[i]) == 0;
  if (ok && rq->body) ok = xs_http_request_set_body(req, rq->body, rq->body_len) == 0;
  if (!ok) {
    xs_http_request_free(req);
    return NULL;
  }
  return req;
}

/* A '%' not followed by two hex digits, as java.net.URI reports it. */
static long bad_escape(const char *t) {
  for (const char *p = t; *p; p++)
    if (*p == '%' && !(isxdigit((unsigned char)p[1]) && isxdigit((unsigned char)p[2]))) return p - t;
  return -1;
}

int xs__cli_http(xs_cli_ctx *ctx, const cli_req *rq, xs_cli_response *resp, cli_exc *e) {
  long bad = bad_uri_char(rq->target), esc = bad_escape(rq->target);
  xs_http_request *req = bad < 0 && esc < 0 ? build_request(rq) : NULL;
  if (!req) {
    if (bad >= 0 || esc < 0)
      xs__cli_exc(e, "java.net", "URISyntaxException", "Illegal character in path at index %ld: %s", bad < 0 ? 0 : bad,
                  rq->target);
    else
      xs__cli_exc(e, "java.net", "URISyntaxException", "Malformed escape pair at index %ld: %s", esc, rq->target);
    return -1;
  }
  int rc = ctx->transport.request ? ctx->transport.request(ctx->transport.ud, req, resp) : XS_ESTATE;
  xs_http_request_free(req);
  if (rc < 0) {
    ctx->last_status = 0;
    xs__cli_exc(e, "java.net", "ConnectException", "%s", resp->error[0] ? resp->error : "No transport");
    return -1;
  }
  ctx->last_status = resp->status;
  const char *body = xs_buf_cstr(&resp->body);
  switch (resp->status) {
  case 200:
  case 201:
  case 202: return 1;
  case 204: return 0;
  case 401: xs__cli_exc(e, "java.nio.file", "AccessDeniedException", "The supplied credentials are invalid %s", body); break;
  case 403:
    xs__cli_exc(e, "java.nio.file", "AccessDeniedException", "The user is not allowed to access the server resource: %s",
                body);
    break;
  case 404: xs__cli_exc(e, "java.io", "IOException", "Not Found: %s", body); break;
  default: xs__cli_exc(e, "java.io", "IOException", "Error: %s", body); break;
  }
  return -1;
}

/* MediaType.APPLICATION_JSON.equals(contentType): no parameters. */
static bool is_json(const char *ctype) {
  while (*ctype == ' ') ctype++;
  size_t n = strlen(ctype);
  while (n && ctype[n - 1] == ' ') n--;
  return n == 16 && strncasecmp(ctype, "application/json", 16) == 0;
}

int xs__cli_body_text(const xs_cli_response *resp, xs_buf *text, cli_exc *e) {
  if (!is_json(resp->content_type)) {
    xs_buf_append(text, resp->body.data, resp->body.len);
    return 0;
  }
  char err[512];
  int rc = xs_cli_pretty((const char *)resp->body.data, resp->body.len, text, err, sizeof err);
  if (rc == 0) return 0;
  if (rc == XS_ENOMEM) xs__cli_exc(e, "java.lang", "OutOfMemoryError", "Java heap space");
  else if (strncmp(err, "For input string", 16) == 0) xs__cli_exc(e, "java.lang", "NumberFormatException", "%s", err);
  else xs__cli_exc(e, "org.infinispan.commons.dataconversion.internal", "MalformedJsonException", "%s", err);
  return -1;
}

/* parseBody(Map/List): the answer as JSON, or the exception. */
static json_t *get_json(xs_cli_ctx *ctx, const char *target, cli_exc *e) {
  xs_cli_response resp;
  xs_cli_response_init(&resp);
  cli_req rq = {.method = "GET", .target = target};
  json_t *j = NULL;
  int rc = xs__cli_http(ctx, &rq, &resp, e);
  if (rc == 0) xs__cli_exc(e, "java.lang", "NullPointerException", "%s answered 204 No Content", target);
  if (rc == 1) {
    j = json_loadb((const char *)resp.body.data, resp.body.len, JSON_DECODE_ANY | JSON_DISABLE_EOF_CHECK, NULL);
    if (!j) {
      xs_buf scratch;
      xs_buf_init(&scratch, XS_CLI_RESP_BODY_MAX);
      if (xs__cli_body_text(&resp, &scratch, e) == 0)
        xs__cli_exc(e, "org.infinispan.commons.dataconversion.internal", "MalformedJsonException", "Invalid JSON");
      xs_buf_free(&scratch);
    }
  }
  xs_cli_response_free(&resp);
  return j;
}

static void copy_str(char *dst, const json_t *v, bool *has) {
  bool s = json_is_string(v);
  if (has) *has = s;
  snprintf(dst, XS_CLI_NAME_MAX, "%s", s ? json_string_value(v) : "null");
}

/* Fills n from CacheManagerInfo and the configuration list. */
static int info_from_json(xs_cli_server_info *n, const json_t *cm, const json_t *cfgs) {
  int rc = strlist_from_json(&n->caches, json_object_get(cm, "defined_caches"), "name", "___protobuf_metadata");
  if (!rc) rc = strlist_from_json(&n->configurations, cfgs, "name", NULL);
  if (!rc) rc = strlist_from_json(&n->sites_view, json_object_get(cm, "sites_view"), NULL, NULL);
  if (!rc) rc = strlist_from_json(&n->relay_nodes, json_object_get(cm, "relay_nodes_address"), NULL, NULL);
  if (!rc) rc = strlist_from_json(&n->cluster_members, json_object_get(cm, "cluster_members"), NULL, NULL);
  if (rc) return rc;
  copy_str(n->node_address, json_object_get(cm, "node_address"), &n->has_node_address);
  copy_str(n->cluster_name, json_object_get(cm, "cluster_name"), NULL);
  copy_str(n->local_site, json_object_get(cm, "local_site"), &n->has_local_site);
  if (n->sites_view.n) qsort(n->sites_view.v, n->sites_view.n, sizeof *n->sites_view.v, cmp_str);
  n->relay_node = json_is_true(json_object_get(cm, "relay_node"));
  return 0;
}

int xs__cli_refresh(xs_cli_ctx *ctx, cli_exc *e) {
  json_t *cm = get_json(ctx, "/rest/v2/container", e);
  if (!cm) return -1;
  json_t *cfgs = get_json(ctx, "/rest/v2/container/cache-configs", e);
  if (!cfgs) {
    json_decref(cm);
    return -1;
  }
  xs_cli_server_info n;
  memset(&n, 0, sizeof n);
  memcpy(n.version, ctx->info.version, sizeof n.version);
  memcpy(n.container, ctx->info.container, sizeof n.container);
  int rc = info_from_json(&n, cm, cfgs);
  json_decref(cm);
  json_decref(cfgs);
  if (rc) {
    info_free(&n);
    xs__cli_exc(e, "java.lang", "OutOfMemoryError", "Java heap space");
    return -1;
  }
  info_free(&ctx->info);
  ctx->info = n;
  return 0;
}

int xs__cli_rest_command(cli_call *c, const cli_req *rq) {
  xs_cli_response resp;
  xs_cli_response_init(&resp);
  xs_buf text;
  xs_buf_init(&text, XS_CLI_RESP_BODY_MAX * 2);
  cli_exc e;
  int rc = xs__cli_http(c->ctx, rq, &resp, &e);
  if (rc == 1) rc = xs__cli_body_text(&resp, &text, &e);
  /* executeInternal refreshes only once the body was read. */
  if (rc >= 0) rc = xs__cli_refresh(c->ctx, &e);
  if (rc < 0) {
    xs__cli_print_rest_error(c, &e);
  } else if (text.len) {
    xs_buf_append(c->out, text.data, text.len);
    xs_buf_puts(c->out, "\n");
  }
  xs_buf_free(&text);
  xs_cli_response_free(&resp);
  return rc < 0 ? XS_CLI_FAILED : XS_CLI_OK;
}

/* ------------------------------------------------------------------------ */
/* Connecting                                                                 */

/* The container to enter: "cache-manager-name" of GET /rest/v2/server
 * (16.0), else the first of /rest/v2/server/cache-managers (older). */
static int read_server(xs_cli_ctx *ctx, cli_exc *e) {
  json_t *srv = get_json(ctx, "/rest/v2/server", e);
  if (!srv) return -1;
  copy_str(ctx->info.version, json_object_get(srv, "version"), NULL);
  const json_t *name = json_object_get(srv, "cache-manager-name");
  if (json_is_string(name)) {
    copy_str(ctx->info.container, name, NULL);
  } else {
    json_t *cms = get_json(ctx, "/rest/v2/server/cache-managers", e);
    const json_t *first = json_array_get(cms, 0);
    snprintf(ctx->info.container, sizeof ctx->info.container, "%s",
             json_is_string(first) ? json_string_value(first) : "default");
    json_decref(cms);
  }
  json_decref(srv);
  return 0;
}

int xs_cli_connect(xs_cli_ctx *ctx, xs_buf *out) {
  xs_cli_disconnect(ctx);
  cli_exc e;
  int rc = read_server(ctx, &e);
  if (rc == 0) {
    ctx->depth = 3;
    snprintf(ctx->path[0], sizeof ctx->path[0], "%s", "");
    snprintf(ctx->path[1], sizeof ctx->path[1], "%s", "containers");
    snprintf(ctx->path[2], sizeof ctx->path[2], "%s", ctx->info.container);
    ctx->connected = true;
    rc = xs__cli_refresh(ctx, &e);
  }
  if (rc == 0) return XS_CLI_OK;
  xs_cli_disconnect(ctx);
  /* ContextImpl.showError: the exception's message on its own line. */
  xs_buf_printf(out, "%s\n", e.msg);
  return XS_CLI_FAILED;
}

/* ------------------------------------------------------------------------ */
/* Running a line                                                             */

/* The enum an option converts to, as Enum.valueOf names it. */
static const char *enum_class(char conv) {
  return conv == 'F' ? "org.infinispan.cli.resources.Resource.ListFormat"
                     : "org.infinispan.cli.printers.PrettyPrinter.PrettyPrintMode";
}

static bool enum_ok(char conv, const char *upper) {
  static const char *const lf[] = {"NAMES", "VALUES", "FULL", NULL}, *const pp[] = {"TABLE", "JSON", "CSV", NULL};
  for (const char *const *v = conv == 'F' ? lf : pp; *v; v++)
    if (strcmp(*v, upper) == 0) return true;
  return false;
}

/* The populator's converters; their exceptions print as their message. */
static bool convert_options(cli_call *c, char *err, size_t errlen) {
  for (int i = 0; i < CLI_OPTS_MAX && c->cmd->opts[i].name; i++) {
    const char *v = c->val[i];
    char conv = c->cmd->opts[i].conv;
    if (!v || !conv) continue;
    if (conv == 'L' || conv == 'I') {
      char *end;
      errno = 0;
      long long n = strtoll(v, &end, 10);
      bool bad = !*v || isspace((unsigned char)*v) || *end || errno == ERANGE ||
                 (conv == 'I' && (n < INT_MIN || n > INT_MAX));
      if (bad) return snprintf(err, errlen, "For input string: \"%s\"", v), false;
      continue;
    }
    char upper[128];
    size_t k = 0;
    for (; v[k] && k + 1 < sizeof upper; k++) upper[k] = v[k] == '-' ? '_' : (char)toupper((unsigned char)v[k]);
    upper[k] = 0;
    if (*v && !enum_ok(conv, upper))
      return snprintf(err, errlen, "No enum constant %s.%s", enum_class(conv), upper), false;
  }
  return true;
}

static bool blank(const char *line) {
  for (const unsigned char *p = (const unsigned char *)line; *p; p++)
    if (*p > ' ') return false;
  return true;
}

static int run_parsed(cli_call *c, int prc, const char *err) {
  char cerr[512];
  if (prc == CLI_PARSE_NOT_FOUND) {
    xs_buf_puts(c->out, "Command not found\n");
    return XS_CLI_FAILED;
  }
  if (prc == CLI_PARSE_ERROR || !convert_options(c, cerr, sizeof cerr)) {
    xs_buf_printf(c->out, "%s\n", prc == CLI_PARSE_ERROR ? err : cerr);
    return XS_CLI_FAILED;
  }
  if (c->cmd->needs_connection && !c->ctx->connected) {
    xs_buf_puts(c->out, "The command is not available in the current context.\n");
    return XS_CLI_FAILED;
  }
  if (xs__cli_flag(c, "help")) {
    xs__cli_usage(c->cmd, c->help_name, c->out);
    xs_buf_puts(c->out, "\n");
    return XS_CLI_OK;
  }
  return c->cmd->run(c);
}

int xs_cli_exec(xs_cli_ctx *ctx, const char *line, xs_buf *out) {
  if (!line || blank(line)) return XS_CLI_OK;
  if (strlen(line) > XS_CLI_LINE_MAX) {
    xs_buf_printf(out, "xsim: a command line is limited to %d bytes\n", XS_CLI_LINE_MAX);
    return XS_CLI_FAILED;
  }
  cli_words w;
  if (xs__cli_split(line, &w) < 0) return XS_ENOMEM;
  if (w.n == 0) { /* aesh: a line with no words is a parser error with no text */
    xs__cli_words_free(&w);
    xs_buf_puts(out, "\n");
    return XS_CLI_FAILED;
  }
  cli_call c;
  memset(&c, 0, sizeof c);
  c.ctx = ctx;
  c.out = out;
  char err[512];
  int rc = run_parsed(&c, xs__cli_parse(xs__cli_commands, &w, &c, err, sizeof err), err);
  xs__cli_words_free(&w);
  return xs_buf_ok(out) ? rc : XS_ENOMEM;
}

/* ------------------------------------------------------------------------ */
/* General commands                                                           */

#define HELP_OPT {"help", 'h', false, false, true, NULL, NULL, 0}

/* Help with no argument: the command names in columns, as aesh lays out
 * completions (Parser.formatDisplayListTerminalString). */
static int run_help(cli_call *c) {
  if (c->nargs) {
    for (size_t i = 0; xs__cli_commands[i]; i++)
      if (strcmp(xs__cli_commands[i]->name, c->args[0]) == 0) {
        xs__cli_usage(xs__cli_commands[i], xs__cli_commands[i]->name, c->out);
        return XS_CLI_OK;
      }
    xs_buf_printf(c->out, "No manual entry for %s\n", c->args[0]);
    return XS_CLI_OK;
  }
  const char *names[32];
  size_t n = 0, w = 0;
  for (size_t i = 0; xs__cli_commands[i] && n < 32; i++) names[n++] = xs__cli_commands[i]->name;
  qsort(names, n, sizeof *names, cmp_str);
  for (size_t i = 0; i < n; i++)
    if (strlen(names[i]) > w) w = strlen(names[i]);
  w += 2;
  size_t cols = (size_t)(c->ctx->term_width > 0 ? c->ctx->term_width : 80) / w;
  if (cols > n) cols = n;
  if (cols < 1) cols = 1;
  size_t rows = (n + cols - 1) / cols;
  xs__cli_println(c, "Call `help <command>` where command is one of:");
  for (size_t r = 0; r < rows; r++) {
    for (size_t k = 0; k < cols && r + k * rows < n; k++) {
      const char *s = names[r + k * rows];
      if (rows > 1 && k == cols - 1) xs_buf_puts(c->out, s);
      else xs_buf_printf(c->out, "%-*s", (int)w, s);
    }
    xs_buf_puts(c->out, "\n");
  }
  xs_buf_puts(c->out, "\n");
  return XS_CLI_OK;
}

static int run_quit(cli_call *c) {
  xs_cli_disconnect(c->ctx);
  return XS_CLI_QUIT;
}

static int run_disconnect(cli_call *c) {
  if (!c->ctx->connected) {
    xs__cli_println(c, "Not connected");
    return XS_CLI_FAILED;
  }
  xs_cli_disconnect(c->ctx);
  return XS_CLI_OK;
}

static int run_connect(cli_call *c) {
  xs_cli_ctx *ctx = c->ctx;
  xs_cli_disconnect(ctx);
  if (ctx->connector) {
    char err[XS_MSG_BYTES_MAX];
    xs_cli_transport t;
    const char *url = c->nargs ? c->args[0] : "http://localhost:11222";
    if (ctx->connector(ctx->connector_ud, url, xs__cli_opt(c, "username"), xs__cli_opt(c, "password"),
                       xs__cli_flag(c, "trustall"), &t, err, sizeof err) < 0) {
      xs__cli_println(c, err);
      return XS_CLI_FAILED;
    }
    ctx->transport = t;
  }
  return xs_cli_connect(ctx, c->out);
}

static const cli_cmd cmd_help = {
    .name = "help", .desc = "Displays help for commands", .argkind = CLI_ARG_LIST, .arg_field = "manPages",
    .run = run_help};
static const cli_cmd cmd_quit = {
    .name = "quit", .aliases = {"exit", "bye"}, .desc = "Exits the CLI", .opts = {HELP_OPT}, .run = run_quit};
static const cli_cmd cmd_disconnect = {
    .name = "disconnect", .desc = "Disconnects from a remote server", .opts = {HELP_OPT},
    .needs_connection = true, .run = run_disconnect};
static const cli_cmd cmd_connect = {
    .name = "connect",
    .desc = "Connects to a remote server",
    .opts = {{"username", 'u', true, false, false, NULL, NULL, 0},
             {"password", 'p', true, false, false, NULL, NULL, 0},
             {"truststore", 't', true, false, false, "A truststore to use when connecting to SSL/TLS-enabled servers", NULL, 0},
             {"truststore-password", 's', true, false, false, "The password for the truststore", NULL, 0},
             {"keystore", 'k', true, false, false, "A keystore containing a client certificate to authenticate with the server", NULL, 0},
             {"keystore-password", 'w', true, false, false, "The password for the keystore", NULL, 0},
             {"provider", 0, true, false, false, "The security provider used to create the SSL/TLS context", NULL, 0},
             {"trustall", 0, false, false, false, "Whether to trust all server certificates", NULL, 0},
             {"hostname-verifier", 0, true, false, false, "A regular expression used to match hostnames when connecting to SSL/TLS-enabled servers", NULL, 0},
             {"context-path", 0, true, false, false, "The context path for the server REST connector. If unspecified, defaults to /rest", NULL, 0},
             HELP_OPT},
    .argkind = CLI_ARG_ONE, .arg_field = "connectionString",
    .arg_desc = "The connection string 'http://<host>:<port>", .run = run_connect};

const cli_cmd *const xs__cli_commands[] = {
    &cmd_help, &cmd_quit, &cmd_connect, &cmd_disconnect, &xs__cli_site_cmd, &xs__cli_cmd_clearcache,
    &xs__cli_cmd_get, &xs__cli_cmd_put, &xs__cli_cmd_remove, &xs__cli_cmd_stats, &xs__cli_cmd_ls,
    &xs__cli_cmd_cd, &xs__cli_cmd_describe, NULL,
};
