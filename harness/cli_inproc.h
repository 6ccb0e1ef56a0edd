/*
 * cli_inproc.h - the CLI's in-process transport: each request goes straight
 * to one site's REST router, and the simulation is stepped until the answer
 * is out, as a manual-clock server would.  The scenario harness runs
 * procedure steps through it, and the tests use it to check the CLI's
 * output without sockets.
 *
 * The transport plays the server's authentication: it stamps every request
 * with the role and principal it was given (ADMIN "developer" by default,
 * the runbook's operator).  Stepping is bounded in simulated time; a
 * request still unanswered then is dropped (its callback forgotten) and the
 * call fails with a one-line message.
 */
#ifndef XS_CLI_INPROC_H
#define XS_CLI_INPROC_H

#include "cli_transport.h"
#include "rest.h"

#define XS_CLI_INPROC_TIMEOUT_DEFAULT_MS ((xs_ms)24 * 3600 * 1000) /* simulated */

typedef struct xs_cli_inproc_opts {
  xs_role role;            /* what authentication decided (default ADMIN) */
  const char *principal;   /* the user name (default "developer") */
  xs_ms timeout_ms;        /* simulated time to wait for an answer (<= 0: the default) */
} xs_cli_inproc_opts;

typedef struct xs_cli_inproc xs_cli_inproc;

/* A transport over `rest` (not owned; it must outlive the transport).  NULL
 * opts take the defaults.  NULL on ENOMEM. */
xs_cli_inproc *xs_cli_inproc_new(xs_rest *rest, const xs_cli_inproc_opts *opts);
void xs_cli_inproc_free(xs_cli_inproc *t);

/* The transport to give the command layer; valid while t lives. */
xs_cli_transport xs_cli_inproc_transport(xs_cli_inproc *t);

#endif /* XS_CLI_INPROC_H */
