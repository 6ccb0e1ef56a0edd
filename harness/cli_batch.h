/*
 * cli_batch.h - a CLI batch: what `cli.sh --file FILE` (the Infinispan
 * Operator's Batch CR) runs, line by line, through the command layer.
 *
 * As the 16.0 CLI's `run` command does (interfaces.md 7; 16.0.10+ with
 * --on-error, default FAIL_FAST): every line not starting with '#' is a
 * command; blank lines do nothing; after a failing command the CLI prints
 * "Batch error: <source>, line <n>: '<line>'" and, failing fast, stops
 * there with exit status 1.  A batch without failures exits 0.
 */
#ifndef XS_CLI_BATCH_H
#define XS_CLI_BATCH_H

#include <stddef.h>

#include "cli_command.h"

typedef enum {
  XS_CLI_ON_ERROR_FAIL_FAST = 0, /* stop at the first failure (the default) */
  XS_CLI_ON_ERROR_FAIL_AT_END,   /* run everything, exit 1 if anything failed */
  XS_CLI_ON_ERROR_IGNORE,        /* run everything, exit 0 */
} xs_cli_on_error;

typedef struct xs_cli_batch_opts {
  const char *source;       /* named in "Batch error: <source>, ..." (default "<STDIN>") */
  xs_cli_on_error on_error;
  bool echo;                /* print each command line before running it (run --echo) */
} xs_cli_batch_opts;

typedef struct xs_cli_batch_result {
  int commands;     /* command lines run */
  int failures;     /* of which failed */
  int failed_line;  /* line number (1-based) of the first failure, 0 when none */
} xs_cli_batch_result;

/* Runs the batch text (lines separated by \n, \r\n or \r) on a session;
 * everything printed is appended to out.  Returns the exit status - 0 or 1
 * - or a negative XS_E* (ENOMEM).  NULL opts take the defaults; res may be
 * NULL.  A `quit` ends the batch there. */
int xs_cli_batch_run(xs_cli_ctx *ctx, const char *text, size_t len, const xs_cli_batch_opts *opts, xs_buf *out,
                     xs_cli_batch_result *res);

#endif /* XS_CLI_BATCH_H */
