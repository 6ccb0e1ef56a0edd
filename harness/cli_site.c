/*
 * cli_site.c - the `site` command group (Site.java of the 16.0 CLI): each
 * sub-command, its options in declaration order, and the REST call behind
 * it (reference infinispan-xsite.md 3.3).
 *
 *   status [-c C|-a] [-s S]          GET  .../x-site/backups[/S]
 *   take-offline|bring-online|push-site-state|cancel-push-state (-c C|-a) -s S
 *                                    POST .../x-site/backups/S?action=...
 *   cancel-receive-state -c C -s S   POST /rest/v2/caches/C/x-site/backups/S?action=cancel-receive-state
 *   push-site-status -c C            GET  /rest/v2/caches/C/x-site/backups?action=push-state-status
 *   clear-push-site-status -c C      POST /rest/v2/caches/C/x-site/local?action=clear-push-state-status
 *   state-transfer-mode get|set      GET|POST .../x-site/backups/S/state-transfer-mode
 *   name | view | is-relay-node | relay-nodes   what the refreshed server info says
 *
 * "..." is /rest/v2/container with --all-caches, /rest/v2/caches/C with a
 * cache (from --cache or the `cd` context).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "cli_internal.h"

#define HELP_OPT {"help", 'h', false, false, true, NULL, NULL, 0}
#define CACHE_OPT(req) {"cache", 'c', true, req, false, "The cache name.", NULL, 0}
#define ALL_OPT {"all-caches", 'a', false, false, false, "Invoke operation in all caches.", NULL, 0}
#define SITE_OPT(req) {"site", 's', true, req, false, "The remote backup name.", NULL, 0}

/* checkMutualExclusiveCacheAndGlobal and restCacheClient: the path prefix
 * of the call, or -1 with the CLI's message printed. */
static int target_prefix(cli_call *c, xs_buf *t, bool allow_all) {
  const char *cache = xs__cli_opt(c, "cache");
  bool all = allow_all && xs__cli_flag(c, "all-caches");
  cli_exc e;
  if (cache && all) {
    xs__cli_exc(&e, "java.lang", "IllegalArgumentException", "The options '[cache, all-caches]' are mutually exclusive");
    xs__cli_print_rest_error(c, &e);
    return -1;
  }
  if (all) {
    xs_buf_puts(t, "/rest/v2/container");
    return 0;
  }
  cli_res r;
  xs__cli_res_active(c->ctx, &r);
  if (!cache) cache = xs__cli_res_cache(&r);
  if (!cache) {
    xs__cli_exc(&e, "org.aesh.command.parser", "RequiredOptionException", "One of the '[cache, all-caches]' options is required");
    xs__cli_print_rest_error(c, &e);
    return -1;
  }
  xs_buf_puts(t, "/rest/v2/caches/");
  xs__cli_urlencode(t, cache);
  return 0;
}

static int run_target(cli_call *c, const char *method, xs_buf *t) {
  cli_req rq = {.method = method, .target = xs_buf_cstr(t)};
  int rc = xs_buf_ok(t) ? xs__cli_rest_command(c, &rq) : XS_ENOMEM;
  xs_buf_free(t);
  return rc;
}

static int run_status(cli_call *c) {
  xs_buf t;
  xs_buf_init(&t, XS_CLI_LINE_MAX * 4);
  if (target_prefix(c, &t, true) < 0) return xs_buf_free(&t), XS_CLI_FAILED;
  const char *site = xs__cli_opt(c, "site");
  bool all = xs__cli_flag(c, "all-caches");
  /* RestContainerClient omits the route's trailing slash; the cache
   * client keeps it ("%s/x-site/backups/"). */
  if (site) xs_buf_printf(&t, "/x-site/backups/%s", site);
  else xs_buf_puts(&t, all ? "/x-site/backups" : "/x-site/backups/");
  return run_target(c, "GET", &t);
}

/* take-offline, bring-online, push-site-state, cancel-push-state. */
static int run_site_action(cli_call *c, const char *action) {
  xs_buf t;
  xs_buf_init(&t, XS_CLI_LINE_MAX * 4);
  if (target_prefix(c, &t, true) < 0) return xs_buf_free(&t), XS_CLI_FAILED;
  xs_buf_printf(&t, "/x-site/backups/%s?action=%s", xs__cli_opt(c, "site"), action);
  return run_target(c, "POST", &t);
}

static int run_take_offline(cli_call *c) { return run_site_action(c, "take-offline"); }
static int run_bring_online(cli_call *c) { return run_site_action(c, "bring-online"); }
static int run_push_state(cli_call *c) { return run_site_action(c, "start-push-state"); }
static int run_cancel_push(cli_call *c) { return run_site_action(c, "cancel-push-state"); }

/* The commands whose --cache is required: client.cache(cache), then the
 * route, with the site's name inside where it has one. */
static int run_cache_call(cli_call *c, const char *method, const char *before, const char *site, const char *after) {
  xs_buf t;
  xs_buf_init(&t, XS_CLI_LINE_MAX * 4);
  xs_buf_puts(&t, "/rest/v2/caches/");
  xs__cli_urlencode(&t, xs__cli_opt(c, "cache"));
  xs_buf_puts(&t, before);
  if (site) xs_buf_puts(&t, site);
  xs_buf_puts(&t, after);
  return run_target(c, method, &t);
}

static int run_cancel_receive(cli_call *c) {
  return run_cache_call(c, "POST", "/x-site/backups/", xs__cli_opt(c, "site"), "?action=cancel-receive-state");
}
static int run_push_status(cli_call *c) {
  return run_cache_call(c, "GET", "/x-site/backups?action=push-state-status", NULL, "");
}
static int run_clear_push_status(cli_call *c) {
  return run_cache_call(c, "POST", "/x-site/local?action=clear-push-state-status", NULL, "");
}

/* state-transfer-mode get|set: the cache from --cache or the context. */
static int stm_target(cli_call *c, xs_buf *t) {
  const char *cache = xs__cli_opt(c, "cache");
  cli_res r;
  xs__cli_res_active(c->ctx, &r);
  if (!cache) cache = xs__cli_res_cache(&r);
  if (!cache) {
    cli_exc e;
    xs__cli_exc(&e, "java.lang", "IllegalStateException", "Command invoked from the wrong context");
    xs__cli_print_rest_error(c, &e);
    return -1;
  }
  xs_buf_puts(t, "/rest/v2/caches/");
  xs__cli_urlencode(t, cache);
  xs_buf_printf(t, "/x-site/backups/%s/state-transfer-mode", xs__cli_opt(c, "site"));
  return 0;
}

static int run_stm_get(cli_call *c) {
  xs_buf t;
  xs_buf_init(&t, XS_CLI_LINE_MAX * 4);
  if (stm_target(c, &t) < 0) return xs_buf_free(&t), XS_CLI_FAILED;
  return run_target(c, "GET", &t);
}

static int run_stm_set(cli_call *c) {
  xs_buf t;
  xs_buf_init(&t, XS_CLI_LINE_MAX * 4);
  if (stm_target(c, &t) < 0) return xs_buf_free(&t), XS_CLI_FAILED;
  char mode[64];
  snprintf(mode, sizeof mode, "%s", xs__cli_opt(c, "mode"));
  for (char *p = mode; *p; p++) *p = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
  if (strcmp(mode, "MANUAL") != 0 && strcmp(mode, "AUTO") != 0) {
    cli_exc e;
    xs__cli_exc(&e, "java.lang", "IllegalArgumentException",
                "No enum constant org.infinispan.client.rest.XSiteStateTransferMode.%s", mode);
    xs__cli_print_rest_error(c, &e);
    xs_buf_free(&t);
    return XS_CLI_FAILED;
  }
  xs_buf_printf(&t, "?action=set&mode=%s", mode);
  return run_target(c, "POST", &t);
}

/* name, view, is-relay-node, relay-nodes: refreshServerInfo, then print
 * (a failed refresh is a CommandException around the IOException). */
static int run_info(cli_call *c, int what) {
  cli_exc e;
  if (xs__cli_refresh(c->ctx, &e) < 0) {
    xs__cli_print_command_exception(c, &e);
    return XS_CLI_FAILED;
  }
  const xs_cli_server_info *in = &c->ctx->info;
  const xs_cli_strlist *l = what == 1 ? &in->sites_view : &in->relay_nodes;
  if (what == 0) {
    xs__cli_println(c, in->local_site);
  } else if (what == 2) {
    xs__cli_println(c, in->relay_node ? "true" : "false");
  } else if (l->null && what == 3) {
    xs__cli_println(c, "null");
  } else { /* List.toString() */
    xs_buf_puts(c->out, "[");
    for (size_t i = 0; i < l->n; i++) xs_buf_printf(c->out, "%s%s", i ? ", " : "", l->v[i]);
    xs_buf_puts(c->out, "]\n");
  }
  return XS_CLI_OK;
}

static int run_name(cli_call *c) { return run_info(c, 0); }
static int run_view(cli_call *c) { return run_info(c, 1); }
static int run_is_relay(cli_call *c) { return run_info(c, 2); }
static int run_relay_nodes(cli_call *c) { return run_info(c, 3); }

/* A group on its own prints its help and fails. */
static int run_group(cli_call *c) {
  xs__cli_usage(c->cmd, c->help_name, c->out);
  xs_buf_puts(c->out, "\n");
  return XS_CLI_FAILED;
}

#define SITE_ACTION(id, nm, description, fn)                                                      \
  static const cli_cmd id = {.name = nm, .desc = description,                                    \
                             .opts = {CACHE_OPT(false), ALL_OPT, SITE_OPT(true), HELP_OPT},      \
                             .needs_connection = true, .run = fn}

static const cli_cmd site_status = {.name = "status", .desc = "Shows site status",
                                    .opts = {CACHE_OPT(false), ALL_OPT, SITE_OPT(false), HELP_OPT},
                                    .needs_connection = true, .run = run_status};
SITE_ACTION(site_bring_online, "bring-online", "Brings a site online", run_bring_online);
SITE_ACTION(site_take_offline, "take-offline", "Takes a site offline", run_take_offline);
SITE_ACTION(site_push_state, "push-site-state", "Starts pushing state to a site", run_push_state);
SITE_ACTION(site_cancel_push, "cancel-push-state", "Cancels pushing state to a site", run_cancel_push);
static const cli_cmd site_cancel_receive = {.name = "cancel-receive-state", .desc = "Cancels receiving state to a site",
                                            .opts = {CACHE_OPT(true), SITE_OPT(true), HELP_OPT},
                                            .needs_connection = true, .run = run_cancel_receive};
static const cli_cmd site_push_status = {.name = "push-site-status", .desc = "Shows the status of pushing to a site",
                                         .opts = {CACHE_OPT(true), HELP_OPT}, .needs_connection = true,
                                         .run = run_push_status};
static const cli_cmd site_clear_push = {.name = "clear-push-site-status", .desc = "Clears the push state status",
                                        .opts = {CACHE_OPT(true), HELP_OPT}, .needs_connection = true,
                                        .run = run_clear_push_status};
static const cli_cmd site_view = {.name = "view", .desc = "Prints the global sites view", .opts = {HELP_OPT},
                                  .needs_connection = true, .run = run_view};
static const cli_cmd site_name = {.name = "name", .desc = "Prints the local site name", .opts = {HELP_OPT},
                                  .needs_connection = true, .run = run_name};
static const cli_cmd stm_get = {.name = "get", .desc = "Retrieves the cross-site state transfer mode.",
                                .opts = {HELP_OPT, CACHE_OPT(false), SITE_OPT(true)},
                                .needs_connection = true, .run = run_stm_get};
static const cli_cmd stm_set = {
    .name = "set", .desc = "Sets the cross-site state transfer mode.",
    .opts = {HELP_OPT, CACHE_OPT(false), SITE_OPT(true),
             {"mode", 'm', true, true, false, "The state transfer mode to set.", NULL, 0}},
    .needs_connection = true, .run = run_stm_set};
static const cli_cmd *const stm_children[] = {&stm_get, &stm_set, NULL};
static const cli_cmd site_stm = {.name = "state-transfer-mode", .desc = "Controls the cross-site state transfer mode.",
                                 .children = stm_children, .opts = {HELP_OPT}, .needs_connection = true,
                                 .run = run_group};
static const cli_cmd site_is_relay = {.name = "is-relay-node",
                                      .desc = "Returns true if the node handles relay messages between clusters.",
                                      .opts = {HELP_OPT}, .needs_connection = true, .run = run_is_relay};
static const cli_cmd site_relay_nodes = {.name = "relay-nodes", .desc = "Returns the list of relay nodes.",
                                         .opts = {HELP_OPT}, .needs_connection = true, .run = run_relay_nodes};

static const cli_cmd *const site_children[] = {
    &site_status, &site_bring_online, &site_take_offline, &site_push_state, &site_cancel_push,
    &site_cancel_receive, &site_push_status, &site_clear_push, &site_view, &site_name, &site_stm,
    &site_is_relay, &site_relay_nodes, NULL,
};

const cli_cmd xs__cli_site_cmd = {.name = "site", .desc = "Manages backup sites", .children = site_children,
                                  .opts = {HELP_OPT}, .needs_connection = true, .run = run_group};
