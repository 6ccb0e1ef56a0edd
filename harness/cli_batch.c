/*
 * cli_batch.c - the CLI's `run` over a batch text (see cli_batch.h): each
 * line as Run.processInput reads it, with its failure handling.
 */
#include "cli_batch.h"

#include <stdlib.h>
#include <string.h>

/* Messages.batchError, printed with errorln (red on a terminal). */
static void batch_error(const xs_cli_ctx *ctx, xs_buf *out, const char *source, int lineno, const char *line) {
  if (ctx->ansi) xs_buf_puts(out, "\x1b[0;31m");
  xs_buf_printf(out, "Batch error: %s, line %d: '%s'", source, lineno, line);
  xs_buf_puts(out, ctx->ansi ? "\x1b[0;39m\n" : "\n");
}

/* One line: whether to go on (and the exit status so far in *status). */
static bool run_line(xs_cli_ctx *ctx, const xs_cli_batch_opts *o, const char *line, int lineno, xs_buf *out,
                     xs_cli_batch_result *res, int *status) {
  if (line[0] == '#') return true;
  if (o->echo) xs_buf_printf(out, "%s\n", line);
  bool empty = true;
  for (const char *p = line; *p && empty; p++) empty = (unsigned char)*p <= ' ';
  if (empty) return true;
  res->commands++;
  int rc = xs_cli_exec(ctx, line, out);
  if (rc < 0) {
    *status = rc;
    return false;
  }
  if (rc == XS_CLI_QUIT) return false;
  if (rc == XS_CLI_OK) return true;
  res->failures++;
  if (!res->failed_line) res->failed_line = lineno;
  batch_error(ctx, out, o->source ? o->source : "<STDIN>", lineno, line);
  if (o->on_error == XS_CLI_ON_ERROR_IGNORE) return true;
  *status = 1;
  return o->on_error != XS_CLI_ON_ERROR_FAIL_FAST;
}

int xs_cli_batch_run(xs_cli_ctx *ctx, const char *text, size_t len, const xs_cli_batch_opts *opts, xs_buf *out,
                     xs_cli_batch_result *res) {
  xs_cli_batch_opts o = opts ? *opts : (xs_cli_batch_opts){0};
  xs_cli_batch_result local;
  if (!res) res = &local;
  memset(res, 0, sizeof *res);
  char *line = malloc(len + 1);
  if (!line) return XS_ENOMEM;
  int status = 0, lineno = 0;
  size_t i = 0;
  bool go = true;
  while (go && i < len) {
    size_t j = i;
    while (j < len && text[j] != '\n' && text[j] != '\r') j++;
    memcpy(line, text + i, j - i);
    line[j - i] = 0;
    lineno++;
    go = run_line(ctx, &o, line, lineno, out, res, &status);
    /* BufferedReader.readLine: \n, \r or \r\n end a line. */
    i = j < len && text[j] == '\r' && j + 1 < len && text[j + 1] == '\n' ? j + 2 : j + 1;
  }
  free(line);
  if (!xs_buf_ok(out)) return XS_ENOMEM;
  return status;
}
