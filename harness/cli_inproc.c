/*
 * cli_inproc.c - the in-process CLI transport (see cli_inproc.h): request
 * -> xs_rest_handle -> xs_sim_step until the router's callback has copied
 * the answer out.
 */
#include "cli_inproc.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct xs_cli_inproc {
  xs_rest *rest;
  xs_role role;
  char principal[XS_HTTP_PRINCIPAL_BYTES_MAX];
  xs_ms timeout_ms;
};

/* Where the router's callback puts the answer. */
typedef struct answer {
  bool done;
  xs_cli_response *out;
} answer;

xs_cli_inproc *xs_cli_inproc_new(xs_rest *rest, const xs_cli_inproc_opts *opts) {
  if (!rest) return NULL;
  xs_cli_inproc *t = calloc(1, sizeof *t);
  if (!t) return NULL;
  t->rest = rest;
  t->role = opts ? opts->role : XS_ROLE_ADMIN;
  snprintf(t->principal, sizeof t->principal, "%s", opts && opts->principal ? opts->principal : "developer");
  t->timeout_ms = opts && opts->timeout_ms > 0 ? opts->timeout_ms : XS_CLI_INPROC_TIMEOUT_DEFAULT_MS;
  return t;
}

void xs_cli_inproc_free(xs_cli_inproc *t) { free(t); }

/* Copies what the CLI reads of an answer; the router's buffers live only
 * during this call. */
static void on_answer(void *ud, const xs_http_response *resp) {
  answer *a = ud;
  xs_cli_response *out = a->out;
  a->done = true;
  out->status = resp->status;
  snprintf(out->content_type, sizeof out->content_type, "%s", resp->content_type ? resp->content_type : "");
  out->nheaders = 0;
  for (int i = 0; i < resp->nheaders && out->nheaders < XS_CLI_RESP_HEADERS_MAX; i++) {
    xs_cli_header *h = &out->headers[out->nheaders++];
    snprintf(h->name, sizeof h->name, "%s", resp->headers[i].name);
    snprintf(h->value, sizeof h->value, "%s", resp->headers[i].value);
  }
  if (resp->body_len) xs_buf_append(&out->body, resp->body, resp->body_len);
}

static int inproc_request(void *ud, xs_http_request *req, xs_cli_response *out) {
  xs_cli_inproc *t = ud;
  xs_cli_response_reset(out);
  req->role = t->role;
  snprintf(req->principal, sizeof req->principal, "%s", t->role == XS_ROLE_NONE ? "" : t->principal);
  answer a = {false, out};
  int rc = xs_rest_handle(t->rest, req, on_answer, &a);
  if (rc < 0) {
    snprintf(out->error, sizeof out->error, "xsim: the router refused the request: %s", xs_strerror(rc));
    return rc;
  }
  xs_sim *sim = xs_rest_sim(t->rest);
  xs_ms limit = xs_sim_now(sim) + t->timeout_ms;
  while (!a.done && xs_sim_next_time(sim) <= limit) xs_sim_step(sim);
  if (!a.done) {
    /* The operation still completes in the core; only its answer is lost,
     * as when a client gives up on a socket. */
    xs_rest_cancel(t->rest, &a);
    snprintf(out->error, sizeof out->error, "xsim: no answer from site '%s' within %lld ms of simulated time",
             xs_sim_site_name(sim, xs_rest_site(t->rest)), (long long)t->timeout_ms);
    return XS_ELIMIT;
  }
  if (!xs_buf_ok(&out->body)) {
    snprintf(out->error, sizeof out->error, "xsim: the answer is larger than %u bytes", XS_CLI_RESP_BODY_MAX);
    return XS_ELIMIT;
  }
  return 0;
}

xs_cli_transport xs_cli_inproc_transport(xs_cli_inproc *t) {
  return (xs_cli_transport){inproc_request, t};
}
