/*
 * scenario_step.c - procedure steps: a Data Grid CLI command line run "on"
 * a site through the CLI command layer in process - command line -> REST
 * request -> the site's REST router -> admin operation, the one path that
 * `xsim cli` and `xsim serve` take too - and its output judged as the
 * step's clause says.  Also the REST calls of actors (the fencing Lambda's
 * take-offline), through the same routers.
 *
 * "As the runbook shows it" (output:): runs of whitespace are one space,
 * and when both sides are JSON (one value or several in a row) they match
 * if they are equal as JSON, whatever the order of object members - the
 * guide printed with Infinispan 14 orders some maps differently from 16.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario_rt.h"

#define SHOW_MAX 600 /* output quoted in a one-line summary */

/* ------------------------------------------------------------------------ */
/* Output comparison                                                          */

static void flatten(const char *in, xs_buf *out) {
  bool space = false;
  for (const char *p = in; *p; p++) {
    if (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r') {
      space = out->len > 0;
      continue;
    }
    if (space) xs_buf_puts(out, " ");
    space = false;
    xs_buf_append(out, p, 1);
  }
}

/* Parses a run of JSON values; NULL when the text is not that. */
static json_t *json_seq(const char *s) {
  json_t *arr = json_array();
  size_t len = strlen(s), off = 0;
  while (arr) {
    while (off < len && (s[off] == ' ' || s[off] == '\n' || s[off] == '\t' || s[off] == '\r')) off++;
    if (off == len) break;
    json_error_t e;
    json_t *v = json_loadb(s + off, len - off, JSON_DECODE_ANY | JSON_DISABLE_EOF_CHECK, &e);
    if (!v) {
      json_decref(arr);
      return NULL;
    }
    json_array_append_new(arr, v);
    off += (size_t)e.position;
  }
  if (arr && json_array_size(arr) == 0) {
    json_decref(arr);
    return NULL;
  }
  return arr;
}

int xs_scn_output_matches(xs_scn_expect_mode mode, const char *want, const char *got) {
  if (mode == XS_OUT_EXACTLY) {
    size_t n = strlen(want);
    return strncmp(got, want, n) == 0 && got[n] == '\n' && got[n + 1] == 0;
  }
  xs_buf a, b;
  xs_buf_init(&a, XS_SCN_TEXT_BYTES_MAX * 4);
  xs_buf_init(&b, XS_CLI_RESP_BODY_MAX);
  flatten(want, &a);
  flatten(got, &b);
  int eq = strcmp(xs_buf_cstr(&a), xs_buf_cstr(&b)) == 0;
  xs_buf_free(&a);
  xs_buf_free(&b);
  if (eq) return 1;
  json_t *jw = json_seq(want), *jg = jw ? json_seq(got) : NULL;
  eq = jw && jg && json_equal(jw, jg);
  json_decref(jw);
  json_decref(jg);
  return eq;
}

/* ------------------------------------------------------------------------ */
/* Sessions                                                                   */

static xs_rest *router(scn_rt *rt, int s) {
  if (!rt->rest[s]) rt->rest[s] = xs_rest_new(rt->sim, s, NULL);
  return rt->rest[s];
}

/* Opens and connects the CLI on site s; NULL with the reason in rt->out. */
static xs_cli_ctx *session(scn_rt *rt, int s) {
  if (rt->cli_open[s] && rt->cli[s].connected) return &rt->cli[s];
  if (!rt->cli_open[s]) {
    xs_cli_inproc_opts o = {XS_ROLE_ADMIN, "developer", XS_SCN_STEP_TIMEOUT_MS};
    xs_rest *r = router(rt, s);
    rt->tr[s] = r ? xs_cli_inproc_new(r, &o) : NULL;
    if (!rt->tr[s]) return NULL;
    xs_cli_ctx_init(&rt->cli[s], xs_cli_inproc_transport(rt->tr[s]));
    rt->cli_open[s] = true;
  }
  xs_buf_reset(&rt->out);
  return xs_cli_connect(&rt->cli[s], &rt->out) == XS_CLI_OK ? &rt->cli[s] : NULL;
}

void xs__scn_cli_close(scn_rt *rt) {
  for (int s = 0; s < XS_SITES_MAX; s++) {
    if (rt->cli_open[s]) xs_cli_ctx_free(&rt->cli[s]);
    xs_cli_inproc_free(rt->tr[s]);
    if (rt->rest[s]) xs_rest_free(rt->rest[s]);
    rt->cli_open[s] = false;
    rt->tr[s] = NULL;
    rt->rest[s] = NULL;
  }
}

/* ------------------------------------------------------------------------ */
/* Steps                                                                      */

static bool judged(const xs_scn_step *s, int rc, const char *got) {
  switch (s->mode) {
  case XS_OUT_ANY: return rc == XS_CLI_OK || rc == XS_CLI_QUIT;
  case XS_OUT_NOTHING: return rc == XS_CLI_OK && got[0] == 0;
  case XS_OUT_FAILS: return rc == XS_CLI_FAILED && (!s->text || xs_scn_output_matches(XS_OUT_LIKE, s->text, got));
  default: return rc == XS_CLI_OK && xs_scn_output_matches(s->mode, s->text, got);
  }
}

/* "{ "status" : "online" }" for a summary line. */
static void one_line(const char *in, char *out, size_t len) {
  xs_buf b;
  xs_buf_init(&b, SHOW_MAX + 8);
  flatten(in, &b);
  const char *t = xs_buf_ok(&b) ? xs_buf_cstr(&b) : "(long output)";
  snprintf(out, len, "%s%s", *t ? t : "(nothing)", b.len > SHOW_MAX ? "..." : "");
  xs_buf_free(&b);
}

static void indent_block(xs_buf *d, const char *title, const char *text) {
  xs_buf_printf(d, "  %s\n", title);
  for (const char *p = text; p && *p;) {
    const char *nl = strchr(p, '\n');
    size_t n = nl ? (size_t)(nl - p) : strlen(p);
    xs_buf_puts(d, "    | ");
    xs_buf_append(d, p, n);
    xs_buf_puts(d, "\n");
    p = nl ? nl + 1 : NULL;
  }
}

static void step_failed(scn_rt *rt, const xs_scn_stmt *st, int rc, const char *got, int tries) {
  const xs_scn_step *s = &st->step;
  char g[SHOW_MAX + 16], w[SHOW_MAX + 16];
  one_line(got, g, sizeof g);
  one_line(s->text ? s->text : "", w, sizeof w);
  xs_buf d;
  xs_buf_init(&d, XS_SCN_DETAIL_BYTES_MAX);
  if (s->text) indent_block(&d, s->mode == XS_OUT_EXACTLY ? "expected exactly:" : "expected (as the runbook shows it):", s->text);
  indent_block(&d, rc == XS_CLI_FAILED ? "printed (the command failed):" : "printed:", got);
  const char *what = rc < 0 ? "could not run" : rc == XS_CLI_FAILED && s->mode != XS_OUT_FAILS ? "failed" : "printed";
  if (s->mode == XS_OUT_REPEAT) {
    char am[32], ev[32];
    xs_scn_format_duration(s->at_most_ms, am, sizeof am);
    xs_scn_format_duration(s->every_ms, ev, sizeof ev);
    xs__scn_failure(rt, XS_SCN_FAIL_STEP, st->line, st->col, xs_buf_cstr(&d),
                    "on %s: %s: did not print %s within %s (%d tries every %s); last: %s", s->site.name, s->command,
                    w, am, tries, ev, g);
  } else if (s->mode == XS_OUT_FAILS) {
    xs__scn_failure(rt, XS_SCN_FAIL_STEP, st->line, st->col, xs_buf_cstr(&d), "on %s: %s: expected to fail%s%s, %s %s",
                    s->site.name, s->command, s->text ? " with " : "", s->text ? w : "",
                    rc == XS_CLI_FAILED ? "failed with" : "succeeded with", g);
  } else {
    xs__scn_failure(rt, XS_SCN_FAIL_STEP, st->line, st->col, xs_buf_cstr(&d), "on %s: %s: %s %s%s%s", s->site.name,
                    s->command, what, g, s->text || s->mode == XS_OUT_NOTHING ? ", expected " : "",
                    s->mode == XS_OUT_NOTHING ? "nothing" : s->text ? w : "");
  }
  xs_buf_free(&d);
}

void xs__scn_step(scn_rt *rt, const xs_scn_stmt *st) {
  const xs_scn_step *s = &st->step;
  if (rt->pace > 0) xs__scn_advance(rt, xs_sim_now(rt->sim) + rt->pace);
  int site = xs__scn_site(rt, &s->site);
  xs_cli_ctx *ctx = session(rt, site);
  if (!ctx) {
    step_failed(rt, st, XS_CLI_FAILED, xs_buf_cstr(&rt->out), 1);
    return;
  }
  xs_ms start = xs_sim_now(rt->sim);
  for (int tries = 1;; tries++) {
    xs_buf_reset(&rt->out);
    int rc = xs_cli_exec(ctx, s->command, &rt->out);
    const char *got = xs_buf_cstr(&rt->out);
    if (judged(s, rc, got)) return;
    xs_ms next = xs_sim_now(rt->sim) + s->every_ms;
    if (s->mode != XS_OUT_REPEAT || rc < 0 || next > start + s->at_most_ms || rt->setup_failed) {
      step_failed(rt, st, rc, got, tries);
      return;
    }
    xs__scn_advance(rt, next);
  }
}

/* ------------------------------------------------------------------------ */
/* Actors' REST calls                                                         */

typedef struct rest_call {
  scn_rt *rt;
  int site;
  char target[160];
} rest_call;

static void rest_done(void *ud, const xs_http_response *resp) {
  rest_call *c = ud;
  char body[200];
  snprintf(body, sizeof body, "%.*s", (int)(resp->body_len < 180 ? resp->body_len : 180),
           resp->body ? (const char *)resp->body : "");
  xs__scn_log(c->rt, 0, false, "  POST %s on %s -> %d %s", c->target, xs_sim_site_name(c->rt->sim, c->site),
              resp->status, body);
}

int xs__scn_rest_post(scn_rt *rt, int site, const char *target, int log_line) {
  xs_rest *r = router(rt, site);
  rest_call *c = xs__scn_alloc(rt, sizeof *c);
  xs_http_request *req = xs_http_request_new("POST", target);
  if (!r || !c || !req) {
    xs_http_request_free(req);
    return XS_ENOMEM;
  }
  c->rt = rt;
  c->site = site;
  snprintf(c->target, sizeof c->target, "%s", target);
  req->role = XS_ROLE_ADMIN;
  snprintf(req->principal, sizeof req->principal, "fencing-lambda");
  int rc = xs_rest_handle(r, req, rest_done, c);
  xs_http_request_free(req);
  (void)log_line;
  return rc < 0 ? rc : 0;
}
