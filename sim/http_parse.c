/*
 * http_parse.c - the HTTP/1.1 request parser over llhttp, request building
 * and decoding shared with in-process callers, and response serialisation
 * (see http_parse.h for the contract).
 *
 * llhttp hands over the URL, header names, header values and the body in
 * pieces that may end anywhere a read ended; this file glues the pieces,
 * counts them against the limits as they arrive (so an oversized request is
 * refused before it is buffered), and turns each complete message into an
 * owned xs_http_request.
 */
#include "http_parse.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <llhttp.h>

#include "xsim.h"

/* ------------------------------------------------------------------------ */
/* Small owned-string helpers                                                 */

static char *dup_n(const char *s, size_t n) {
  char *d = malloc(n + 1);
  if (!d) return NULL;
  memcpy(d, s, n);
  d[n] = 0;
  return d;
}

/* Appends a name/value pair to a growable field array. */
static int field_push(xs_http_field **arr, size_t *n, const char *name, size_t nlen,
                      const char *value, size_t vlen) {
  xs_http_field *a = realloc(*arr, (*n + 1) * sizeof *a);
  if (!a) return XS_ENOMEM;
  *arr = a;
  char *nm = dup_n(name, nlen), *v = dup_n(value, vlen);
  if (!nm || !v) {
    free(nm);
    free(v);
    return XS_ENOMEM;
  }
  a[*n] = (xs_http_field){nm, v};
  (*n)++;
  return 0;
}

static void fields_free(xs_http_field *a, size_t n) {
  for (size_t i = 0; i < n; i++) {
    free(a[i].name);
    free(a[i].value);
  }
  free(a);
}

void xs_http_request_free(xs_http_request *req) {
  if (!req) return;
  free(req->target);
  free(req->path);
  for (size_t i = 0; i < req->nsegs; i++) free(req->segs[i]);
  free(req->segs);
  fields_free(req->query, req->nquery);
  fields_free(req->headers, req->nheaders);
  free(req->body);
  free(req);
}

/* ------------------------------------------------------------------------ */
/* Percent-decoding and the request target                                    */

static int hexval(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Decodes s[0..n) into a new string; NULL when an escape is malformed or
 * decodes to NUL (a C string could not carry it). */
static char *pct_decode(const char *s, size_t n, bool plus_is_space) {
  char *d = malloc(n + 1);
  if (!d) return NULL;
  size_t j = 0;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    if (c == '%') {
      int hi = i + 2 < n ? hexval((unsigned char)s[i + 1]) : -1;
      int lo = i + 2 < n ? hexval((unsigned char)s[i + 2]) : -1;
      if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
        free(d);
        return NULL;
      }
      d[j++] = (char)(hi * 16 + lo);
      i += 2;
    } else {
      d[j++] = plus_is_space && c == '+' ? ' ' : c;
    }
  }
  d[j] = 0;
  return d;
}

static int parse_query(xs_http_request *req, const char *q, size_t n) {
  size_t i = 0;
  while (i < n) {
    size_t end = i;
    while (end < n && q[end] != '&') end++;
    size_t eq = i;
    while (eq < end && q[eq] != '=') eq++;
    if (eq > i) { /* "&&" and "=v" without a name are skipped */
      char *k = pct_decode(q + i, eq - i, true);
      char *v = eq < end ? pct_decode(q + eq + 1, end - eq - 1, true) : dup_n("", 0);
      int rc = k && v ? field_push(&req->query, &req->nquery, k, strlen(k), v, strlen(v))
                      : XS_EINVAL;
      free(k);
      free(v);
      if (rc) return rc;
    }
    i = end + 1;
  }
  return 0;
}

static int push_seg(xs_http_request *req, const char *s, size_t n) {
  char *seg = pct_decode(s, n, false);
  if (!seg) return XS_EINVAL;
  char **a = realloc(req->segs, (req->nsegs + 1) * sizeof *a);
  if (!a) {
    free(seg);
    return XS_ENOMEM;
  }
  req->segs = a;
  a[req->nsegs++] = seg;
  return 0;
}

/* Splits the path into decoded segments: "/a/b/" gives a, b and a trailing
 * slash; empty segments inside ("a//b") are kept, as keys may contain them. */
static int parse_path(xs_http_request *req, const char *p, size_t n) {
  req->path = pct_decode(p, n, false);
  if (!req->path) return XS_EINVAL;
  if (n == 1 && p[0] == '*') return 0; /* OPTIONS * */
  if (n == 0 || p[0] != '/') return XS_EINVAL;
  size_t i = 1;
  while (i < n) {
    size_t end = i;
    while (end < n && p[end] != '/') end++;
    if (end == n || end + 1 < n) {
      int rc = push_seg(req, p + i, end - i);
      if (rc) return rc;
    } else { /* the last '/' of the path */
      int rc = end > i ? push_seg(req, p + i, end - i) : 0;
      if (rc) return rc;
      req->trailing_slash = true;
    }
    i = end + 1;
  }
  return 0;
}

/* Fills target, path, segs and query from the request target. */
static int parse_target(xs_http_request *req, const char *t, size_t n) {
  req->target = dup_n(t, n);
  if (!req->target) return XS_ENOMEM;
  size_t start = 0;
  /* absolute-form (what a proxy is sent): skip scheme and authority */
  if ((n > 7 && strncasecmp(t, "http://", 7) == 0) || (n > 8 && strncasecmp(t, "https://", 8) == 0)) {
    start = t[4] == ':' ? 7 : 8;
    while (start < n && t[start] != '/' && t[start] != '?') start++;
    if (start == n || t[start] == '?') return XS_EINVAL;
  }
  size_t q = start;
  while (q < n && t[q] != '?' && t[q] != '#') q++;
  int rc = parse_path(req, t + start, q - start);
  if (rc || q == n || t[q] == '#') return rc;
  size_t qend = q + 1;
  while (qend < n && t[qend] != '#') qend++;
  return parse_query(req, t + q + 1, qend - q - 1);
}

static xs_http_method method_of(const char *m) {
  static const struct {
    const char *name;
    xs_http_method m;
  } tab[] = {{"GET", XS_HTTP_GET},       {"HEAD", XS_HTTP_HEAD},       {"POST", XS_HTTP_POST},
             {"PUT", XS_HTTP_PUT},       {"DELETE", XS_HTTP_DELETE}, {"OPTIONS", XS_HTTP_OPTIONS},
             {"PATCH", XS_HTTP_PATCH}};
  for (size_t i = 0; i < sizeof tab / sizeof *tab; i++)
    if (strcmp(m, tab[i].name) == 0) return tab[i].m;
  return XS_HTTP_OTHER;
}

static xs_http_request *request_alloc(const char *method) {
  xs_http_request *req = calloc(1, sizeof *req);
  if (!req) return NULL;
  snprintf(req->method_name, sizeof req->method_name, "%s", method);
  req->method = method_of(req->method_name);
  req->http_major = 1;
  req->http_minor = 1;
  req->keep_alive = true;
  return req;
}

xs_http_request *xs_http_request_new(const char *method, const char *target) {
  if (!method || !target) return NULL;
  xs_http_request *req = request_alloc(method);
  if (!req) return NULL;
  if (parse_target(req, target, strlen(target)) != 0) {
    xs_http_request_free(req);
    return NULL;
  }
  return req;
}

int xs_http_request_add_header(xs_http_request *req, const char *name, const char *value) {
  return field_push(&req->headers, &req->nheaders, name, strlen(name), value, strlen(value));
}

int xs_http_request_set_body(xs_http_request *req, const void *body, size_t len) {
  uint8_t *b = malloc(len + 1);
  if (!b) return XS_ENOMEM;
  if (len) memcpy(b, body, len);
  b[len] = 0;
  free(req->body);
  req->body = b;
  req->body_len = len;
  return 0;
}

const char *xs_http_header(const xs_http_request *req, const char *name) {
  for (size_t i = 0; i < req->nheaders; i++)
    if (strcasecmp(req->headers[i].name, name) == 0) return req->headers[i].value;
  return NULL;
}

const char *xs_http_query(const xs_http_request *req, const char *name) {
  for (size_t i = 0; i < req->nquery; i++)
    if (strcmp(req->query[i].name, name) == 0) return req->query[i].value;
  return NULL;
}

/* ------------------------------------------------------------------------ */
/* The parser                                                                 */

void xs_http_limits_default(xs_http_limits *l) {
  *l = (xs_http_limits){XS_HTTP_REQUEST_LINE_MAX, XS_HTTP_HEADER_BYTES_MAX, XS_HTTP_HEADERS_MAX,
                        XS_HTTP_BODY_MAX, XS_HTTP_PIPELINE_MAX};
}

struct xs_http_parser {
  llhttp_t ll;
  llhttp_settings_t settings;
  xs_http_limits lim;
  xs_http_request *cur;    /* the message being parsed, once its target is known */
  xs_buf url, field, value, body; /* the pieces of the current message */
  size_t header_bytes;     /* names and values so far */
  xs_http_request **queue; /* a ring of lim.pipeline_max complete requests */
  size_t qhead, qlen;
  int err_status;          /* 0, or the status the broken stream gets */
  const char *err_why;
  bool paused;             /* llhttp was paused when the queue filled */
  bool closing;            /* the last request asked to close */
  bool in_message;         /* between on_message_begin and its completion */
  bool want_continue;
};

static xs_http_parser *of(llhttp_t *ll) { return ll->data; }

/* Records why the stream is broken; the callback then returns -1, which
 * stops llhttp with a callback error. */
static int fail(xs_http_parser *p, int status, const char *why) {
  if (!p->err_status) {
    p->err_status = status;
    p->err_why = why;
  }
  return -1;
}

static int on_message_begin(llhttp_t *ll) {
  xs_http_parser *p = of(ll);
  xs_buf_reset(&p->url);
  xs_buf_reset(&p->field);
  xs_buf_reset(&p->value);
  xs_buf_reset(&p->body);
  p->header_bytes = 0;
  p->want_continue = false;
  xs_http_request_free(p->cur);
  p->cur = NULL;
  p->in_message = true;
  return 0;
}

static int on_url(llhttp_t *ll, const char *at, size_t len) {
  xs_http_parser *p = of(ll);
  size_t method_len = strlen(llhttp_method_name((llhttp_method_t)ll->method));
  if (p->url.len + len + method_len > p->lim.request_line_max)
    return fail(p, 414, "request line too long");
  xs_buf_append(&p->url, at, len);
  return xs_buf_ok(&p->url) ? 0 : fail(p, 400, "out of memory");
}

/* Header names and values count against one budget as they arrive. */
static int header_piece(xs_http_parser *p, xs_buf *b, const char *at, size_t len) {
  if (p->header_bytes + len > p->lim.header_bytes_max) return fail(p, 431, "headers too large");
  p->header_bytes += len;
  xs_buf_append(b, at, len);
  return xs_buf_ok(b) ? 0 : fail(p, 400, "out of memory");
}

static int on_header_field(llhttp_t *ll, const char *at, size_t len) {
  return header_piece(of(ll), &of(ll)->field, at, len);
}

static int on_header_value(llhttp_t *ll, const char *at, size_t len) {
  return header_piece(of(ll), &of(ll)->value, at, len);
}

/* The message's request struct, created at the first header (or at the end
 * of the headers when there are none). */
static xs_http_request *current(xs_http_parser *p) {
  if (!p->cur) p->cur = request_alloc(llhttp_method_name((llhttp_method_t)p->ll.method));
  return p->cur;
}

static int on_header_value_complete(llhttp_t *ll) {
  xs_http_parser *p = of(ll);
  xs_http_request *req = current(p);
  if (!req) return fail(p, 400, "out of memory");
  if (req->nheaders + 1 > p->lim.headers_max) return fail(p, 431, "too many headers");
  size_t vlen = p->value.len;
  const char *v = (const char *)p->value.data;
  while (vlen && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t')) vlen--;
  int rc = field_push(&req->headers, &req->nheaders, p->field.len ? (const char *)p->field.data : "",
                      p->field.len, vlen ? v : "", vlen);
  xs_buf_reset(&p->field);
  xs_buf_reset(&p->value);
  return rc ? fail(p, 400, "out of memory") : 0;
}

static int on_headers_complete(llhttp_t *ll) {
  xs_http_parser *p = of(ll);
  xs_http_request *req = current(p);
  if (!req) return fail(p, 400, "out of memory");
  if ((ll->flags & F_CONTENT_LENGTH) && ll->content_length > p->lim.body_max)
    return fail(p, 413, "body too large");
  req->http_major = ll->http_major;
  req->http_minor = ll->http_minor;
  const char *expect = xs_http_header(req, "Expect");
  if (expect && strcasecmp(expect, "100-continue") == 0 && ll->http_minor >= 1)
    p->want_continue = true;
  /* Only HTTP/1.1 is spoken here: an Upgrade (h2c, websocket) is ignored
   * and the request answered as a plain one. */
  ll->upgrade = 0;
  return 0;
}

static int on_body(llhttp_t *ll, const char *at, size_t len) {
  xs_http_parser *p = of(ll);
  if (p->body.len + len > p->lim.body_max) return fail(p, 413, "body too large");
  xs_buf_append(&p->body, at, len);
  return xs_buf_ok(&p->body) ? 0 : fail(p, 400, "out of memory");
}

static int on_message_complete(llhttp_t *ll) {
  xs_http_parser *p = of(ll);
  xs_http_request *req = current(p);
  if (!req) return fail(p, 400, "out of memory");
  if (parse_target(req, p->url.len ? (const char *)p->url.data : "", p->url.len) != 0)
    return fail(p, 400, "malformed request target");
  if (xs_http_request_set_body(req, p->body.data, p->body.len) != 0) return fail(p, 400, "out of memory");
  req->keep_alive = llhttp_should_keep_alive(ll) != 0;
  p->queue[(p->qhead + p->qlen) % p->lim.pipeline_max] = req;
  p->qlen++;
  p->cur = NULL;
  p->in_message = false;
  p->want_continue = false;
  if (!req->keep_alive) p->closing = true;
  /* A full queue, or a request after which nothing may follow: stop here. */
  return p->qlen >= p->lim.pipeline_max || p->closing ? HPE_PAUSED : 0;
}

xs_http_parser *xs_http_parser_new(const xs_http_limits *limits) {
  xs_http_parser *p = calloc(1, sizeof *p);
  if (!p) return NULL;
  if (limits) p->lim = *limits;
  else xs_http_limits_default(&p->lim);
  if (p->lim.pipeline_max == 0) p->lim.pipeline_max = 1;
  p->queue = calloc(p->lim.pipeline_max, sizeof *p->queue);
  if (!p->queue) {
    free(p);
    return NULL;
  }
  xs_buf_init(&p->url, p->lim.request_line_max + 1);
  xs_buf_init(&p->field, p->lim.header_bytes_max + 1);
  xs_buf_init(&p->value, p->lim.header_bytes_max + 1);
  xs_buf_init(&p->body, p->lim.body_max + 1);
  llhttp_settings_init(&p->settings);
  p->settings.on_message_begin = on_message_begin;
  p->settings.on_url = on_url;
  p->settings.on_header_field = on_header_field;
  p->settings.on_header_value = on_header_value;
  p->settings.on_header_value_complete = on_header_value_complete;
  p->settings.on_headers_complete = on_headers_complete;
  p->settings.on_body = on_body;
  p->settings.on_message_complete = on_message_complete;
  llhttp_init(&p->ll, HTTP_REQUEST, &p->settings);
  p->ll.data = p;
  return p;
}

void xs_http_parser_free(xs_http_parser *p) {
  if (!p) return;
  while (p->qlen) xs_http_request_free(xs_http_parser_next(p));
  xs_http_request_free(p->cur);
  free(p->queue);
  xs_buf_free(&p->url);
  xs_buf_free(&p->field);
  xs_buf_free(&p->value);
  xs_buf_free(&p->body);
  free(p);
}

/* Marks the stream broken after an llhttp error; the partial request goes. */
static int64_t broken(xs_http_parser *p, llhttp_errno_t e) {
  if (!p->err_status) {
    p->err_status = 400;
    p->err_why = llhttp_get_error_reason(&p->ll);
    if (!p->err_why) p->err_why = llhttp_errno_name(e);
  }
  xs_http_request_free(p->cur);
  p->cur = NULL;
  p->want_continue = false;
  return XS_EINVAL;
}

int64_t xs_http_parser_feed(xs_http_parser *p, const void *data, size_t len) {
  if (p->err_status) return XS_EINVAL;
  if (p->closing || p->qlen >= p->lim.pipeline_max || len == 0) return 0;
  if (p->paused) {
    llhttp_resume(&p->ll);
    p->paused = false;
  }
  const char *d = data;
  llhttp_errno_t e = llhttp_execute(&p->ll, d, len);
  if (e == HPE_OK) return (int64_t)len;
  if (e == HPE_PAUSED) {
    p->paused = true;
    return llhttp_get_error_pos(&p->ll) - d;
  }
  return broken(p, e);
}

/* A request never reads its body until EOF, so an EOF inside a message is
 * always a truncation; llhttp_finish is not needed (and would misjudge the
 * state right after a pause in on_message_complete). */
int xs_http_parser_finish(xs_http_parser *p) {
  if (p->err_status) return XS_EINVAL;
  if (!p->in_message) return 0;
  xs_http_request_free(p->cur);
  p->cur = NULL;
  p->in_message = false;
  return XS_EINVAL;
}

xs_http_request *xs_http_parser_next(xs_http_parser *p) {
  if (!p->qlen) return NULL;
  xs_http_request *req = p->queue[p->qhead];
  p->queue[p->qhead] = NULL;
  p->qhead = (p->qhead + 1) % p->lim.pipeline_max;
  p->qlen--;
  return req;
}

size_t xs_http_parser_queued(const xs_http_parser *p) { return p->qlen; }

bool xs_http_parser_take_continue(xs_http_parser *p) {
  bool w = p->want_continue;
  p->want_continue = false;
  return w;
}

int xs_http_parser_error(const xs_http_parser *p, const char **why) {
  if (why) *why = p->err_status ? p->err_why : "";
  return p->err_status;
}

bool xs_http_parser_closing(const xs_http_parser *p) { return p->closing; }

/* ------------------------------------------------------------------------ */
/* Responses                                                                  */

const char *xs_http_reason(int status) {
  static const struct {
    int status;
    const char *text;
  } tab[] = {
      {100, "Continue"},           {200, "OK"},
      {201, "Created"},            {202, "Accepted"},
      {204, "No Content"},         {304, "Not Modified"},
      {307, "Temporary Redirect"}, {400, "Bad Request"},
      {401, "Unauthorized"},       {403, "Forbidden"},
      {404, "Not Found"},          {405, "Method Not Allowed"},
      {409, "Conflict"},           {412, "Precondition Failed"},
      {413, "Request Entity Too Large"}, {414, "Request-URI Too Long"},
      {431, "Request Header Fields Too Large"}, {500, "Internal Server Error"},
      {501, "Not Implemented"},    {503, "Service Unavailable"},
  };
  for (size_t i = 0; i < sizeof tab / sizeof *tab; i++)
    if (tab[i].status == status) return tab[i].text;
  return "Unknown";
}

/* 1xx, 204 and 304 answers never carry a body (RFC 9110 6.4.1). */
static bool bodyless(int status) { return status < 200 || status == 204 || status == 304; }

void xs_http_response_write(xs_buf *out, const xs_http_response *r, bool head, bool keep_alive) {
  xs_buf_printf(out, "HTTP/1.1 %d %s\r\n", r->status, xs_http_reason(r->status));
  if (r->content_type) xs_buf_printf(out, "content-type: %s\r\n", r->content_type);
  for (int i = 0; i < r->nheaders && i < XS_HTTP_RESPONSE_HEADERS_MAX; i++)
    xs_buf_printf(out, "%s: %s\r\n", r->headers[i].name, r->headers[i].value);
  if (!bodyless(r->status)) xs_buf_printf(out, "content-length: %zu\r\n", r->body_len);
  xs_buf_puts(out, keep_alive ? "connection: keep-alive\r\n" : "connection: close\r\n");
  xs_buf_puts(out, "\r\n");
  if (!head && !bodyless(r->status) && r->body_len) xs_buf_append(out, r->body, r->body_len);
}

void xs_http_error_response(int status, xs_http_response *out) {
  *out = (xs_http_response){0};
  out->status = status;
}
