/*
 * cli_command.h - the Data Grid CLI's command layer: a command line in, the
 * REST calls behind it through a transport (cli_transport.h), and exactly
 * the text the Data Grid 16.0 CLI (cli.sh) prints, out.
 *
 * What it reproduces (reference infinispan-xsite.md 3.3-3.5 and
 * interfaces.md 2.6, checked against Infinispan 16.0.13 and aesh 2.8.4):
 *  - aesh's line splitting (spaces, '...' and "..." quoting, backslash) and
 *    option parsing (--name=value, --name value, -x, -xvalue, grouped short
 *    flags, "--" before arguments), with aesh's parser messages
 *    ("Option: --site is required for this command.", "The option --x is
 *    unknown.", ...) and "Command not found";
 *  - the commands of the runbooks: every `site` subcommand, clearcache,
 *    ls, cd, stats, describe, get, put, remove, help, quit, connect,
 *    disconnect - each as the REST call the CLI makes, its answer printed as
 *    the CLI prints it (JSON pretty-printed, cli_pretty.h) and its errors
 *    with the CLI's messages ("Not Found: <body>", "Error: <body>", "The
 *    options '[cache, all-caches]' are mutually exclusive", ...);
 *  - the connection state: what GET /rest/v2/server and the refresh of
 *    server info (GET /rest/v2/container, .../cache-configs) read, redone
 *    after every successful REST command, the resource the user has `cd`-ed
 *    into, and the prompt built from them.
 *
 * Everything printed goes to one buffer, in order, as the CLI writes both
 * its results and its errors to the terminal.  With ansi set, errors and
 * the prompt carry the CLI's colour codes; without, they are plain text.
 */
#ifndef XS_CLI_COMMAND_H
#define XS_CLI_COMMAND_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "cli_transport.h"

#define XS_CLI_NAME_MAX 256    /* a server, site, cache or node name kept */
#define XS_CLI_DEPTH_MAX 6     /* resource path: "", containers, default, caches, <cache>, <key> */
#define XS_CLI_LINE_MAX 65536  /* a command line */
#define XS_CLI_TERM_WIDTH_DEFAULT 80

/* What xs_cli_exec returns (negative: XS_ENOMEM and the like). */
enum {
  XS_CLI_OK = 0,     /* CommandResult.SUCCESS */
  XS_CLI_FAILED = 1, /* CommandResult.FAILURE, or a parse error: the message is in out */
  XS_CLI_QUIT = 2,   /* quit / exit / bye: the session ends */
};

/* A list of names; `null` when the server sent null or nothing. */
typedef struct xs_cli_strlist {
  char **v;
  size_t n;
  bool null;
} xs_cli_strlist;

/* RestConnection's view of the server, read on connect and refreshed after
 * every successful REST command. */
typedef struct xs_cli_server_info {
  char version[XS_CLI_NAME_MAX];      /* GET /rest/v2/server "version" */
  char container[XS_CLI_NAME_MAX];    /* its "cache-manager-name" ("default") */
  char node_address[XS_CLI_NAME_MAX]; /* GET /rest/v2/container ... */
  char cluster_name[XS_CLI_NAME_MAX];
  char local_site[XS_CLI_NAME_MAX];
  bool has_node_address, has_local_site;
  xs_cli_strlist sites_view;          /* sorted, as the CLI sorts it */
  bool relay_node;
  xs_cli_strlist relay_nodes;
  xs_cli_strlist caches;              /* defined_caches, minus ___protobuf_metadata */
  xs_cli_strlist configurations;      /* GET /rest/v2/container/cache-configs names */
  xs_cli_strlist cluster_members;
} xs_cli_server_info;

/* How `connect URL` makes a transport (the socket client installs one).
 * Returns 0 with *out set, or a negative XS_E* with a one-line reason. */
typedef int (*xs_cli_connector)(void *ud, const char *url, const char *user, const char *password,
                                bool trustall, xs_cli_transport *out, char *err, size_t errlen);

/* A session: the transport, the connection state and the user's place. */
typedef struct xs_cli_ctx {
  xs_cli_transport transport;
  xs_cli_connector connector; /* NULL: `connect` reuses the transport above */
  void *connector_ud;
  bool connected;
  xs_cli_server_info info;
  /* The active resource, root first: "", "containers", "default", then
   * "caches" and a cache name once `cd caches/NAME` selected one. */
  int depth;
  char path[XS_CLI_DEPTH_MAX][XS_CLI_NAME_MAX];
  int term_width;   /* columns for ls and help (default 80) */
  bool ansi;        /* print the CLI's colour codes (a terminal that supports them) */
  int last_status;  /* HTTP status of the last answer, 0 when none (a 401 means: ask for credentials) */
} xs_cli_ctx;

/* A session over t, not yet connected. */
void xs_cli_ctx_init(xs_cli_ctx *ctx, xs_cli_transport t);
void xs_cli_ctx_free(xs_cli_ctx *ctx);

/* What `connect` does once a transport exists: GET /rest/v2/server, select
 * its container, refresh the server info.  Returns XS_CLI_OK, or
 * XS_CLI_FAILED with the CLI's message in out (the session is then
 * disconnected; last_status 401 means credentials are needed). */
int xs_cli_connect(xs_cli_ctx *ctx, xs_buf *out);
void xs_cli_disconnect(xs_cli_ctx *ctx);

/* Runs one command line; everything the CLI would print is appended to
 * out.  A blank line does nothing. */
int xs_cli_exec(xs_cli_ctx *ctx, const char *line, xs_buf *out);

/* The cache selected with `cd`, or NULL. */
const char *xs_cli_current_cache(const xs_cli_ctx *ctx);

/* The prompt: "[<node_address>@<cluster_name>//containers/default]> ",
 * with "/caches/<name>" once a cache is selected, "[disconnected]> " when
 * not connected; colours only when ctx->ansi. */
void xs_cli_prompt(const xs_cli_ctx *ctx, xs_buf *out);

#endif /* XS_CLI_COMMAND_H */
