/*
 * http_parse.h - HTTP/1.1 requests from bytes and responses to bytes, with no
 * sockets: the server glue feeds what it read and writes what it is given,
 * and the CLI and the harness build the same request structs in process.
 *
 * The parser (llhttp underneath) handles keep-alive and pipelining: one feed
 * may complete several requests, which wait in a queue, in order, until the
 * caller takes them.  When the queue is full the parser stops consuming, so a
 * client that pipelines without reading its answers cannot make it buffer
 * without bound; feed() then returns how much it took and the caller keeps
 * the rest.  Every size has a named limit, and breaking one ends the
 * connection with a status: 414 for the request line, 431 for the headers,
 * 413 for the body, 400 for anything malformed.  Requests completed before
 * the bad one stay queued and should still be answered first.
 */
#ifndef XS_HTTP_PARSE_H
#define XS_HTTP_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* ------------------------------------------------------------------------ */
/* Limits (defaults; a parser may be given others)                           */

#define XS_HTTP_REQUEST_LINE_MAX 8192u    /* method + target bytes -> 414 */
#define XS_HTTP_HEADER_BYTES_MAX 16384u   /* names + values of all headers -> 431 */
#define XS_HTTP_HEADERS_MAX 100u          /* header lines -> 431 */
#define XS_HTTP_BODY_MAX (10u << 20)      /* decoded body bytes -> 413 (Infinispan's
                                             max-content-length default, 10 MiB) */
#define XS_HTTP_PIPELINE_MAX 32u          /* parsed requests waiting to be taken */
#define XS_HTTP_RESPONSE_HEADERS_MAX 8    /* extra headers on one response */

typedef struct xs_http_limits {
  size_t request_line_max;
  size_t header_bytes_max;
  size_t headers_max;
  size_t body_max;
  size_t pipeline_max;
} xs_http_limits;

void xs_http_limits_default(xs_http_limits *l);

/* ------------------------------------------------------------------------ */
/* Requests                                                                   */

typedef enum xs_http_method {
  XS_HTTP_OTHER = 0,
  XS_HTTP_GET,
  XS_HTTP_HEAD,
  XS_HTTP_POST,
  XS_HTTP_PUT,
  XS_HTTP_DELETE,
  XS_HTTP_OPTIONS,
  XS_HTTP_PATCH,
} xs_http_method;

/* Who sent a request, as the server's authentication decided it.  The
 * parser leaves it NONE; the server (or an in-process caller) sets it. */
typedef enum xs_role {
  XS_ROLE_NONE = 0,  /* no (valid) credentials */
  XS_ROLE_APP = 1,   /* an application user: entries, not x-site admin */
  XS_ROLE_ADMIN = 2, /* the ADMIN permission */
} xs_role;

#define XS_HTTP_PRINCIPAL_BYTES_MAX 128

typedef struct xs_http_field {
  char *name;
  char *value;
} xs_http_field;

/* One complete request.  Every string is NUL-terminated and owned by the
 * request; path segments and query parameters are percent-decoded. */
typedef struct xs_http_request {
  xs_http_method method;
  char method_name[16];
  char *target;          /* the request target as sent */
  char *path;            /* decoded path, for messages ("/rest/v2/caches") */
  char **segs;           /* decoded path segments, "%2F" kept inside one */
  size_t nsegs;
  bool trailing_slash;   /* the path ended with '/' */
  xs_http_field *query;  /* decoded, '+' read as a space; in order */
  size_t nquery;
  xs_http_field *headers; /* in order, names as sent */
  size_t nheaders;
  uint8_t *body;         /* NUL-terminated copy; body_len excludes the NUL */
  size_t body_len;
  uint8_t http_major, http_minor;
  bool keep_alive;       /* the connection stays open after the answer */
  xs_role role;
  char principal[XS_HTTP_PRINCIPAL_BYTES_MAX]; /* user name, "" when none */
} xs_http_request;

/* Builds a request in process: `method` is "GET", "POST", ...; `target` a
 * path with an optional query ("/rest/v2/caches/c?action=clear").  Returns
 * NULL when the target is malformed (or on ENOMEM).  keep_alive is true. */
xs_http_request *xs_http_request_new(const char *method, const char *target);
int xs_http_request_add_header(xs_http_request *req, const char *name, const char *value);
int xs_http_request_set_body(xs_http_request *req, const void *body, size_t len);
void xs_http_request_free(xs_http_request *req);

/* The first header (name case-insensitive) or query parameter of that name,
 * or NULL. */
const char *xs_http_header(const xs_http_request *req, const char *name);
const char *xs_http_query(const xs_http_request *req, const char *name);

/* ------------------------------------------------------------------------ */
/* The parser                                                                 */

typedef struct xs_http_parser xs_http_parser;

/* NULL limits take the defaults above. */
xs_http_parser *xs_http_parser_new(const xs_http_limits *limits);
void xs_http_parser_free(xs_http_parser *p);

/* Parses bytes.  Returns how many were consumed: all of them, or fewer when
 * the queue of complete requests is full (feed the rest after taking some)
 * or when the connection is to close after the request before.  Returns
 * XS_EINVAL once the stream is broken: xs_http_parser_error() says how. */
int64_t xs_http_parser_feed(xs_http_parser *p, const void *data, size_t len);

/* The peer closed its side: 0 when that was between requests, XS_EINVAL
 * when a request was cut short (it is dropped; nothing is owed to it). */
int xs_http_parser_finish(xs_http_parser *p);

/* Takes the oldest complete request (the caller frees it), or NULL. */
xs_http_request *xs_http_parser_next(xs_http_parser *p);
size_t xs_http_parser_queued(const xs_http_parser *p);

/* True once per request that sent "Expect: 100-continue" and whose body has
 * not arrived yet: the server should write "HTTP/1.1 100 Continue". */
bool xs_http_parser_take_continue(xs_http_parser *p);

/* 0 while the stream is fine, else the status to answer with before closing
 * (400, 413, 414, 431) and, in *why, a short reason. */
int xs_http_parser_error(const xs_http_parser *p, const char **why);

/* Whether no more requests will come because the last one asked to close
 * (HTTP/1.0 without keep-alive, "Connection: close"). */
bool xs_http_parser_closing(const xs_http_parser *p);

/* ------------------------------------------------------------------------ */
/* Responses                                                                  */

typedef struct xs_http_header_out {
  const char *name;
  const char *value;
} xs_http_header_out;

/* An answer; everything it points to belongs to whoever made it. */
typedef struct xs_http_response {
  int status;
  const char *content_type;  /* NULL: no Content-Type */
  const void *body;
  size_t body_len;
  int nheaders;
  xs_http_header_out headers[XS_HTTP_RESPONSE_HEADERS_MAX];
} xs_http_response;

/* "OK", "Not Found", ... ("Unknown" for codes without a phrase). */
const char *xs_http_reason(int status);

/* Appends the response in HTTP/1.1 wire form.  `head`: answer to a HEAD
 * request (headers as for GET, no body).  `keep_alive` false adds
 * "connection: close".  Header names are lower case, as Netty writes them. */
void xs_http_response_write(xs_buf *out, const xs_http_response *r, bool head, bool keep_alive);

/* The response a parser error gets (empty body; the connection closes). */
void xs_http_error_response(int status, xs_http_response *out);

#endif /* XS_HTTP_PARSE_H */
