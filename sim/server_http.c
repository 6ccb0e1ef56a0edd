/*
 * server_http.c - HTTP/1.1 over a connection: bytes into the parser
 * (keep-alive, pipelining), authentication (Basic, Digest) onto each
 * request's role, the REST router, answers written strictly in request
 * order, WWW-Authenticate challenges on a 401, and the parser's limits
 * answered with their status before the connection closes.
 *
 * One request is with the router at a time; the next pipelined one is
 * taken when its answer is out, so answers cannot overtake each other.
 * Back-pressure: the parser holds at most XS_HTTP_PIPELINE_MAX parsed
 * requests; what it does not take waits in `hin` and reading stops until
 * it is taken; and no request is taken while more than
 * XS_SERVE_HTTP_OUTPUT_PAUSE_BYTES of answers are unsent.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server_internal.h"

/* Input kept when the parser's queue is full: reading stops as soon as it
 * holds anything, so at most one read (plus one in flight). */
#define HIN_MAX (4u * XS_SERVE_READ_BYTES)
/* Output buffers above this are given back when they empty. */
#define KEEP_BYTES (64u << 10)

static const char continue_100[] = "HTTP/1.1 100 Continue\r\n\r\n";

void xs__shttp_init(xs__conn *c) {
  c->hp = xs_http_parser_new(NULL);
  xs_buf_init(&c->hin, HIN_MAX);
  xs_buf_init(&c->hout, XS_SERVE_HTTP_OUTPUT_MAX);
  c->hout_pos = 0;
  if (!c->hp) c->closing = c->http_done = true;
}

void xs__shttp_free(xs__conn *c) {
  xs_http_parser_free(c->hp);
  c->hp = NULL;
  xs_buf_free(&c->hin);
  xs_buf_free(&c->hout);
}

static size_t out_pending(const xs__conn *c) { return c->hout.len - c->hout_pos; }

const uint8_t *xs__shttp_output(const xs__conn *c, size_t *len) {
  *len = out_pending(c);
  return *len ? c->hout.data + c->hout_pos : NULL;
}

void xs__shttp_consume(xs__conn *c, size_t n) {
  c->hout_pos += n;
  if (c->hout_pos >= c->hout.len) {
    c->hout_pos = 0;
    if (c->hout.cap > KEEP_BYTES) xs_buf_free(&c->hout);
    else xs_buf_reset(&c->hout);
  } else if (c->hout_pos > KEEP_BYTES && c->hout_pos > c->hout.len / 2) {
    xs_buf_consume(&c->hout, c->hout_pos);
    c->hout_pos = 0;
  }
}

bool xs__shttp_want_read(const xs__conn *c) { return !c->http_done && c->hin.len == 0; }
bool xs__shttp_waiting(const xs__conn *c) { return c->http_busy; }

/* Feeds bytes to the parser; what it does not take waits in hin. */
static void feed(xs__conn *c, const uint8_t *data, size_t len) {
  int64_t n = xs_http_parser_feed(c->hp, data, len);
  if (n < 0) return; /* broken: service answers with the parser's status */
  if ((size_t)n < len) {
    xs_buf_append(&c->hin, data + n, len - (size_t)n);
    if (!xs_buf_ok(&c->hin)) c->closing = c->http_done = true;
  }
}

void xs__shttp_read(xs__conn *c, const uint8_t *data, size_t len) {
  if (c->http_done || !len) return;
  if (c->hin.len) {
    /* A read that was already under way when reading stopped. */
    xs_buf_append(&c->hin, data, len);
    if (!xs_buf_ok(&c->hin)) c->closing = c->http_done = true;
    return;
  }
  feed(c, data, len);
  /* 100 Continue only when it cannot overtake an earlier answer; else the
   * client sends its body after its own wait, as curl does. */
  if (xs_http_parser_take_continue(c->hp) && !c->http_busy && out_pending(c) == 0 &&
      xs_http_parser_queued(c->hp) == 0)
    xs_buf_append(&c->hout, continue_100, sizeof continue_100 - 1);
}

void xs__shttp_eof(xs__conn *c) { (void)c; /* service finishes the parser once the queue is empty */ }

/* The router's answer: written at once, in order (only one is out). */
static void on_answer(void *ud, const xs_http_response *resp) {
  xs__conn *c = ud;
  xs_server *s = c->srv;
  xs_http_response r = *resp;
  char ch[XS_AUTH_CHALLENGES_MAX][XS_AUTH_CHALLENGE_BYTES_MAX];
  if (r.status == 401 && s->cfg.auth) {
    int n = xs_auth_challenges(s->cfg.auth, xs__srv_wall_ms(s), c->http_stale, ch, XS_AUTH_CHALLENGES_MAX);
    for (int i = 0; i < n && r.nheaders < XS_HTTP_RESPONSE_HEADERS_MAX; i++)
      r.headers[r.nheaders++] = (xs_http_header_out){"www-authenticate", ch[i]};
  }
  bool keep = c->http_keep && !c->http_done;
  xs_http_response_write(&c->hout, &r, c->http_head, keep);
  if (!xs_buf_ok(&c->hout)) keep = false; /* past XS_SERVE_HTTP_OUTPUT_MAX: give up */
  c->http_busy = false;
  if (!keep) c->closing = c->http_done = true;
  xs__srv_mark_dirty(c);
}

static void authenticate(xs__conn *c, xs_http_request *req) {
  xs_server *s = c->srv;
  c->http_stale = false;
  if (!s->cfg.auth) {
    req->role = XS_ROLE_ADMIN;
    snprintf(req->principal, sizeof req->principal, "anonymous");
    return;
  }
  xs_auth_result ar;
  xs_auth_http(s->cfg.auth, req->method_name, req->target, xs_http_header(req, "Authorization"),
               xs__srv_wall_ms(s), &ar);
  req->role = ar.role;
  snprintf(req->principal, sizeof req->principal, "%s", ar.principal);
  c->http_stale = ar.stale;
}

/* Hands one request to the router. */
static void handle(xs__conn *c, xs_http_request *req) {
  xs_server *s = c->srv;
  c->rx_partial_ns = 0;
  s->stats.http_requests++;
  authenticate(c, req);
  c->http_busy = true;
  c->http_head = req->method == XS_HTTP_HEAD;
  c->http_keep = req->keep_alive;
  int rc = xs_rest_handle(s->rest[c->site], req, on_answer, c);
  xs_http_request_free(req);
  if (rc < 0) {
    static const char msg[] = "xsim: out of memory";
    xs_http_response r = {500, "text/plain", msg, sizeof msg - 1, 0, {{0}}};
    on_answer(c, &r);
  }
}

/* The parser broke: answer with its status (after the requests before the
 * bad one, which are answered by now) and close. */
static void answer_error(xs__conn *c, int status) {
  xs_http_response r;
  xs_http_error_response(status, &r);
  xs_http_response_write(&c->hout, &r, false, false);
  c->closing = c->http_done = true;
}

/* Refeeds what waited in hin; true when the parser took some. */
static bool refeed(xs__conn *c) {
  if (!c->hin.len) return false;
  int64_t n = xs_http_parser_feed(c->hp, c->hin.data, c->hin.len);
  if (n <= 0) return false;
  xs_buf_consume(&c->hin, (size_t)n);
  if (!c->hin.len && c->hin.cap > KEEP_BYTES) xs_buf_free(&c->hin);
  return true;
}

void xs__shttp_service(xs__conn *c) {
  while (!c->http_busy && !c->http_done && out_pending(c) <= XS_SERVE_HTTP_OUTPUT_PAUSE_BYTES) {
    xs_http_request *req = xs_http_parser_next(c->hp);
    if (req) {
      handle(c, req);
      continue;
    }
    if (refeed(c)) continue;
    int status = xs_http_parser_error(c->hp, NULL);
    if (status) {
      answer_error(c, status);
    } else if (xs_http_parser_closing(c->hp)) {
      c->closing = c->http_done = true; /* the last request said "close" */
    } else if (c->eof) {
      xs_http_parser_finish(c->hp); /* a request cut short is owed nothing */
      c->closing = c->http_done = true;
    }
    break;
  }
}
