/*
 * rest.h - the REST router of one simulated Data Grid site: Infinispan's
 * REST v2 API (cache entries, cache actions, container and server info,
 * health, every cross-site endpoint), /metrics in Prometheus text, and
 * xsim's own /sim/v1 control API, answered by calling the simulation core.
 *
 * The router is pure: it takes an xs_http_request (parsed from a socket by
 * http_parse.c, or built in process by the CLI and the harness) and gives an
 * xs_http_response to a callback.  It never touches a socket and never reads
 * the wall clock, so a CLI command, a scenario step and a curl call all take
 * the same path: request -> router -> admin or cache operation.
 *
 * Timing.  An answer that needs no simulated time (a status, a size, an
 * error) is given before xs_rest_handle returns.  One that does (a write
 * waiting for its backups, a push-state waiting for the start request, any
 * admin operation) is given later, from inside xs_sim_run_*() / xs_sim_step(),
 * exactly once.  Whoever drives the simulation decides when that is: a
 * manual-clock server steps the simulation until the answer is out.
 *
 * Authentication happens in the server (Basic/Digest); the request carries
 * the outcome in req->role.  Routes are anonymous (health status), need any
 * authenticated user (entries, info, metrics) or need ADMIN (x-site, /sim):
 * role NONE gets 401 with an empty body (the server adds WWW-Authenticate),
 * an application user on an ADMIN route gets 403 with Infinispan's text.
 */
#ifndef XS_REST_H
#define XS_REST_H

#include <stdbool.h>
#include <stddef.h>

#include "http_parse.h"
#include "xsim.h"

/* Value type tags (xs_op.vtype) for what REST stores: the media type the
 * client sent, so that a GET answers with it.  0 is raw bytes, as RESP
 * stores strings; the REST tags sit apart from RESP's own. */
#define XS_VTYPE_BYTES 0x00      /* application/octet-stream */
#define XS_VTYPE_REST_TEXT 0x40  /* text/plain; charset=UTF-8 */
#define XS_VTYPE_REST_JSON 0x41  /* application/json */
#define XS_VTYPE_REST_XML 0x42   /* application/xml */

#define XS_REST_EVENTS_MAX 1000u  /* event records one GET /sim/v1/events returns */
#define XS_REST_BODY_MAX (64u << 20) /* the largest answer body built */

/* Moves a manual clock forward by ms (running the events due), for
 * POST /sim/v1/clock.  Returns 0, or XS_ESTATE when the clock is not manual
 * (the request then gets 409). */
typedef int (*xs_rest_advance_fn)(void *ud, xs_ms ms);

typedef struct xs_rest_config {
  const char *server_version; /* GET /rest/v2/server: Version.printVersion() */
  const char *version;        /* GET /rest/v2/container "version" */
  const char *cluster_name;   /* the CLI prompt's "@ISPN" */
  const char *cache_manager;  /* "default" */
  xs_rest_advance_fn advance; /* NULL: the router runs xs_sim_run_until itself */
  void *advance_ud;
} xs_rest_config;

/* Infinispan 16.0.13 as the Keycloak guide deploys it.  The release
 * codename is not in our sources; "N/A" is what Version prints when the
 * build carries none (infinispan.codename's default). */
#define XS_REST_VERSION_DEFAULT "16.0.13.Final"
#define XS_REST_SERVER_VERSION_DEFAULT "Infinispan 'N/A' 16.0.13.Final"
#define XS_REST_CLUSTER_DEFAULT "ISPN"
#define XS_REST_CACHE_MANAGER_DEFAULT "default"

void xs_rest_config_default(xs_rest_config *cfg);

typedef struct xs_rest xs_rest;

/* A router for `site` of `sim`; the config strings are copied.  NULL cfg
 * takes the defaults.  NULL on a bad site or ENOMEM. */
xs_rest *xs_rest_new(xs_sim *sim, int site, const xs_rest_config *cfg);

/* Frees the router and drops the requests still waiting (their callbacks
 * are never called).  Call it once the simulation will not run again (after
 * or just before xs_sim_free), or when xs_rest_pending() is 0. */
void xs_rest_free(xs_rest *r);

/* The answer to one request.  `resp` and what it points to are valid only
 * during the call. */
typedef void (*xs_rest_done_cb)(void *ud, const xs_http_response *resp);

/* Answers `req` (which need only live during this call).  Returns 0 when cb
 * has already been called, 1 when the answer will come later in virtual
 * time, or XS_ENOMEM (cb is then never called).  For HEAD requests the body
 * is still given (its length is the Content-Length); the writer drops it. */
int xs_rest_handle(xs_rest *r, const xs_http_request *req, xs_rest_done_cb cb, void *ud);

/* Requests whose answers are still to come. */
size_t xs_rest_pending(const xs_rest *r);

/* Forgets the callbacks of the waiting requests made with `ud` (their
 * connection went away); the operations themselves still complete. */
void xs_rest_cancel(xs_rest *r, void *ud);

int xs_rest_site(const xs_rest *r);
xs_sim *xs_rest_sim(const xs_rest *r);

#endif /* XS_REST_H */
