/*
 * cli_internal.h - what the CLI command layer's files share: the command
 * table's shape, a parsed command line, the Java exceptions the CLI prints,
 * the REST call helper and the resource tree.  Not for use outside
 * harness/cli_*.c.
 */
#ifndef XS_CLI_INTERNAL_H
#define XS_CLI_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "cli_command.h"

#define CLI_OPTS_MAX 12
#define CLI_ARGS_MAX 64
#define CLI_MSG_MAX 4096 /* a printed error line (an error body longer than this is cut) */

/* ------------------------------------------------------------------------ */
/* The command table                                                          */

/* One @Option of a command, in declaration order (aesh checks required
 * options in that order). */
typedef struct cli_opt {
  const char *name;      /* long name: the field's or the annotation's */
  char short_name;       /* 0: none */
  bool has_value;        /* false: a boolean flag */
  bool required;
  bool override_required; /* -h/--help: lifts every required check */
  const char *desc;      /* NULL: none */
  const char *dflt;      /* defaultValue, or NULL */
  char conv;             /* converter: 0 text, 'L' long, 'I' int, 'F' ListFormat, 'P' PrettyPrintMode */
} cli_opt;

typedef enum { CLI_ARG_NONE = 0, CLI_ARG_ONE, CLI_ARG_LIST } cli_argkind;

typedef struct cli_call cli_call;
typedef struct cli_cmd cli_cmd;
typedef int (*cli_run_fn)(cli_call *c);

struct cli_cmd {
  const char *name;
  const char *aliases[3];
  const char *desc;
  const cli_cmd *const *children; /* a group command (site, state-transfer-mode) */
  cli_opt opts[CLI_OPTS_MAX];
  cli_argkind argkind;
  const char *arg_field;  /* the @Argument field ("key", "args") */
  const char *arg_desc;   /* its description, or NULL */
  bool arg_required;
  bool needs_connection;  /* ConnectionActivator */
  cli_run_fn run;
};

/* A command line parsed against its command. */
struct cli_call {
  xs_cli_ctx *ctx;
  xs_buf *out;
  const cli_cmd *cmd;
  char help_name[128];           /* "site take-offline", for usage text */
  const char *val[CLI_OPTS_MAX]; /* first value of each option, NULL when absent */
  const char *args[CLI_ARGS_MAX];
  size_t nargs;
  bool args_overflow;
};

/* The value of option `name`, or its default, or NULL. */
const char *xs__cli_opt(const cli_call *c, const char *name);
/* A boolean option: Boolean.parseBoolean of its value. */
bool xs__cli_flag(const cli_call *c, const char *name);

/* ------------------------------------------------------------------------ */
/* Parsing (cli_parse.c)                                                      */

typedef struct cli_words {
  char **w;
  size_t n;
} cli_words;

/* aesh's LineParser without operators or brackets.  0 or XS_ENOMEM. */
int xs__cli_split(const char *line, cli_words *out);
void xs__cli_words_free(cli_words *w);

enum { CLI_PARSE_OK = 0, CLI_PARSE_NOT_FOUND = 1, CLI_PARSE_ERROR = 2 };

/* Finds the command of the first word and parses the rest as aesh does.
 * CLI_PARSE_ERROR leaves aesh's first parser exception in err. */
int xs__cli_parse(const cli_cmd *const *table, const cli_words *w, cli_call *c, char *err, size_t errlen);

/* aesh's getHelpInfo(): usage, description, options (and sub-commands). */
void xs__cli_usage(const cli_cmd *cmd, const char *help_name, xs_buf *out);

/* ------------------------------------------------------------------------ */
/* Exceptions and output (cli_command.c)                                      */

/* A Java exception as the CLI would print it. */
typedef struct cli_exc {
  const char *cls; /* simple class name: "IOException" */
  const char *pkg; /* its package: "java.io" */
  char msg[CLI_MSG_MAX];
} cli_exc;

void xs__cli_exc(cli_exc *e, const char *pkg, const char *cls, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* RestCliCommand's catch: the root cause's message, in bright red on a
 * terminal (aesh TerminalString), then a newline. */
void xs__cli_print_rest_error(cli_call *c, const cli_exc *e);
/* CliCommand's catch of a CommandException wrapping e: the wrapper's
 * message (cause.toString()) and the cause's "Class: message". */
void xs__cli_print_command_exception(cli_call *c, const cli_exc *e);
/* CliCommand's catch of anything else: "Class: message". */
void xs__cli_print_throwable(cli_call *c, const cli_exc *e);
/* invocation.println: the text and a newline. */
void xs__cli_println(cli_call *c, const char *s);

/* ------------------------------------------------------------------------ */
/* REST (cli_command.c)                                                       */

typedef struct cli_req {
  const char *method;
  const char *target;    /* "/rest/v2/..." with its query */
  const char *ctype;     /* Content-Type of the body, or NULL */
  const void *body;
  size_t body_len;
  const char *hname[2];  /* extra headers (NULL: none) */
  const char *hval[2];
} cli_req;

/* Sends rq.  Returns 1 for 200/201/202 (body in resp), 0 for 204, or -1
 * with the CLI's exception for any other status or a transport failure
 * (RestConnection.handleResponseStatus). */
int xs__cli_http(xs_cli_ctx *ctx, const cli_req *rq, xs_cli_response *resp, cli_exc *e);

/* The body as parseBody(String) makes it: pretty JSON for
 * application/json, the bytes otherwise.  0, or -1 with e set. */
int xs__cli_body_text(const xs_cli_response *resp, xs_buf *text, cli_exc *e);

/* RestConnection.refreshServerInfo().  0 or -1 with e set. */
int xs__cli_refresh(xs_cli_ctx *ctx, cli_exc *e);

/* A RestCliCommand's whole run: call, body text, refresh, print. */
int xs__cli_rest_command(cli_call *c, const cli_req *rq);

/* URLEncoder.encode(s, UTF-8) into buf. */
void xs__cli_urlencode(xs_buf *b, const char *s);

/* ------------------------------------------------------------------------ */
/* Resources (cli_resource.c)                                                 */

typedef enum {
  CLI_RES_ROOT, CLI_RES_CONTAINERS, CLI_RES_CONTAINER, CLI_RES_CACHES, CLI_RES_CACHE,
  CLI_RES_KEY, CLI_RES_OTHER,
} cli_res_kind;

typedef struct cli_res {
  int depth;
  char path[XS_CLI_DEPTH_MAX][XS_CLI_NAME_MAX];
} cli_res;

cli_res_kind xs__cli_res_kind(const cli_res *r);
/* The active resource as a cli_res. */
void xs__cli_res_active(const xs_cli_ctx *ctx, cli_res *r);
/* Resource.getResource(path) from r (NULL path: r itself).  0, or -1 with
 * IllegalArgumentException / IllegalStateException in e. */
int xs__cli_res_resolve(const xs_cli_ctx *ctx, cli_res *r, const char *path, cli_exc *e);
/* The cache r is in (CacheResource.findCacheName), or NULL. */
const char *xs__cli_res_cache(const cli_res *r);

/* The command table. */
extern const cli_cmd *const xs__cli_commands[];
extern const cli_cmd xs__cli_site_cmd;

/* Command handlers (cli_site.c, cli_cache.c) are reached through the table. */
extern const cli_cmd xs__cli_cmd_clearcache, xs__cli_cmd_get, xs__cli_cmd_put, xs__cli_cmd_remove,
    xs__cli_cmd_stats, xs__cli_cmd_ls, xs__cli_cmd_cd, xs__cli_cmd_describe;

#endif /* XS_CLI_INTERNAL_H */
