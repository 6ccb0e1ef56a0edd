/*
 * cli_transport.h - how the CLI command layer reaches a Data Grid server:
 * one synchronous call, a request in and a status, headers and body out.
 *
 * The command layer builds every request with xs_http_request_new (method,
 * target with query, headers, body) and never asks what is behind the call:
 * the in-process transport (cli_inproc.h) hands it to a site's REST router
 * and steps the simulation until the answer is out; a socket transport
 * (libcurl, cli_curl.h) sends the same request to a real or simulated server.
 */
#ifndef XS_CLI_TRANSPORT_H
#define XS_CLI_TRANSPORT_H

#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "http_parse.h"
#include "xsim.h"

#define XS_CLI_RESP_HEADERS_MAX 16
#define XS_CLI_RESP_BODY_MAX (64u << 20) /* the largest answer kept (the router's own limit) */

typedef struct xs_cli_header {
  char name[64];
  char value[256];
} xs_cli_header;

/* An answer, or why there is none. */
typedef struct xs_cli_response {
  int status;                /* HTTP status; 0 when no answer came */
  char content_type[128];    /* "" when the answer had none */
  int nheaders;              /* further headers, names as sent */
  xs_cli_header headers[XS_CLI_RESP_HEADERS_MAX];
  xs_buf body;
  char error[XS_MSG_BYTES_MAX]; /* transport failure, one line ("Connection refused") */
} xs_cli_response;

static inline void xs_cli_response_init(xs_cli_response *r) {
  memset(r, 0, sizeof *r);
  xs_buf_init(&r->body, XS_CLI_RESP_BODY_MAX);
}

/* Empties it for the next call, keeping the body's memory. */
static inline void xs_cli_response_reset(xs_cli_response *r) {
  r->status = 0;
  r->content_type[0] = 0;
  r->nheaders = 0;
  r->error[0] = 0;
  xs_buf_reset(&r->body);
}

static inline void xs_cli_response_free(xs_cli_response *r) { xs_buf_free(&r->body); }

/* The call.  Returns 0 once out holds the answer (any status), or a
 * negative XS_E* when none came, with out->error saying why.  The transport
 * may add to req (credentials, the role its authentication decided); the
 * caller frees req afterwards. */
typedef int (*xs_cli_request_fn)(void *ud, xs_http_request *req, xs_cli_response *out);

typedef struct xs_cli_transport {
  xs_cli_request_fn request;
  void *ud;
} xs_cli_transport;

#endif /* XS_CLI_TRANSPORT_H */
