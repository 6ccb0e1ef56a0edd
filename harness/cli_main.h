/*
 * cli_main.h - `xsim cli`: the Data Grid CLI (cli.sh) as a program.  It
 * reads the command line, connects through the libcurl transport
 * (cli_curl.h) and runs the command layer (cli_command.h) in one of three
 * modes:
 *
 *   xsim cli --connect URL [-u USER] [-p PASS] [--trustall]
 *        an interactive shell: libedit line editing and history, the Data
 *        Grid prompt, "Username: " / "Password: " when the server answers
 *        401 and no credentials were given;
 *   xsim cli --connect URL ... --file FILE   (or -f - for standard input)
 *        a batch, failing fast by default (--on-error);
 *   xsim cli --connect URL ... -c 'COMMAND'
 *        one command.
 *
 * Exit status: 0 when everything succeeded (and always after an
 * interactive session ends), 1 when a command, the batch, the connection
 * or the command line failed.
 */
#ifndef XS_CLI_MAIN_H
#define XS_CLI_MAIN_H

#include <stdbool.h>
#include <stddef.h>

#include "cli_batch.h"

#define XS_CLI_BATCH_FILE_MAX (64u << 20)  /* the largest batch read */
#define XS_CLI_HISTORY_MAX 1000            /* lines of history kept */
#define XS_CLI_OUTPUT_MAX (XS_CLI_RESP_BODY_MAX * 4u) /* what one command or batch may print */
#define XS_CLI_ERR_MAX 512                 /* a command-line error message */

/* What the command line asked for. */
typedef struct xs_cli_args {
  const char *connect;        /* the connection string, or NULL */
  const char *user;           /* -u/--username, or NULL */
  const char *password;       /* -p/--password, or NULL */
  bool trustall;
  const char *file;           /* -f/--file ("-": standard input), or NULL */
  const char *command;        /* -c/--command, or NULL */
  xs_cli_on_error on_error;   /* --on-error (batches) */
  bool echo;                  /* --echo (batches) */
  bool help, version;
  long connect_timeout_ms;    /* --connect-timeout (0: the transport's default) */
  long request_timeout_ms;    /* --timeout (0: the transport's default) */
} xs_cli_args;

/* Parses argv[1..argc-1] (argv[0] is "cli").  0, or XS_EINVAL with a
 * one-line reason in err. */
int xs_cli_args_parse(int argc, char **argv, xs_cli_args *a, char *err, size_t errlen);

/* The usage text. */
const char *xs_cli_usage(void);

/* The `cli` subcommand: returns the exit status.  `version` is printed by
 * --version. */
int xs_cli_main(int argc, char **argv, const char *version);

#endif /* XS_CLI_MAIN_H */
