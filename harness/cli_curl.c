/*
 * cli_curl.c - the CLI's libcurl transport (see cli_curl.h): the connection
 * string read as the CLI's RestConnector reads it, one easy handle per
 * session (so its connection and Digest state carry over from request to
 * request), the request mapped onto curl options, the answer's status,
 * headers and body copied out, and curl's failures turned into one line.
 */
#include "cli_curl.h"

#include <ctype.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define USER_AGENT "xsim CLI"
#define HOST_MAX 512 /* "host:port" as messages name it */

struct xs_cli_curl {
  CURL *h;
  char base[XS_CLI_CURL_URL_MAX];   /* scheme://host:port */
  char where[HOST_MAX];             /* host:port, for messages */
  char host[HOST_MAX];              /* the host alone (unknown-host message) */
  bool has_user;
  char user[XS_CLI_CURL_CREDENTIAL_MAX];
  char password[XS_CLI_CURL_CREDENTIAL_MAX];
  long connect_timeout_ms, request_timeout_ms;
  long connections;
  char errbuf[CURL_ERROR_SIZE];
  xs_cli_response *out; /* the answer being read, during a call */
};

int xs_cli_curl_global_init(void) {
  static bool done;
  if (done) return 0;
  if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) return XS_ENOMEM;
  done = true;
  return 0;
}

/* ------------------------------------------------------------------------ */
/* The connection string                                                      */

/* URLDecoder.decode: %XX and '+' as a space.  False when it does not fit. */
static bool url_decode(const char *s, size_t n, char *dst, size_t cap) {
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    if (k + 1 >= cap) return false;
    if (s[i] == '+') {
      dst[k++] = ' ';
    } else if (s[i] == '%' && i + 2 < n && isxdigit((unsigned char)s[i + 1]) &&
               isxdigit((unsigned char)s[i + 2])) {
      char hex[3] = {s[i + 1], s[i + 2], 0};
      dst[k++] = (char)strtol(hex, NULL, 16);
      i += 2;
    } else {
      dst[k++] = s[i];
    }
  }
  dst[k] = 0;
  return true;
}

/* RestConnector's HOST_PORT: "host:port" or "[v6]:port" with no scheme. */
static bool is_host_port(const char *s) {
  const char *colon = s[0] == '[' ? strstr(s, "]:") : strchr(s, ':');
  if (!colon) return false;
  if (s[0] == '[') colon++;
  for (const char *p = s[0] == '[' ? colon : s; p < colon; p++)
    if (strchr("/?#", *p)) return false;
  for (const char *p = colon + 1; *p; p++)
    if (!isdigit((unsigned char)*p)) return false;
  return true;
}

/* The user info of a URL, split at the first ':' and decoded. */
static int take_userinfo(xs_cli_curl *c, CURLU *u, char *err, size_t errlen) {
  char *user = NULL, *pass = NULL;
  curl_url_get(u, CURLUPART_USER, &user, 0);
  curl_url_get(u, CURLUPART_PASSWORD, &pass, 0);
  bool ok = true;
  if (user) {
    c->has_user = true;
    ok = url_decode(user, strlen(user), c->user, sizeof c->user) &&
         (!pass || url_decode(pass, strlen(pass), c->password, sizeof c->password));
  }
  curl_free(user);
  curl_free(pass);
  if (!ok) snprintf(err, errlen, "The credentials in the connection string are longer than %d bytes",
                    XS_CLI_CURL_CREDENTIAL_MAX - 1);
  return ok ? 0 : XS_EINVAL;
}

/* Fills base, where and host from the connection string. */
static int parse_url(xs_cli_curl *c, const char *url, char *err, size_t errlen) {
  char full[XS_CLI_CURL_URL_MAX];
  if (!url || !*url || strcmp(url, "-") == 0) url = "localhost:11222";
  bool bare = !strstr(url, "://");
  if (bare && !is_host_port(url)) {
    snprintf(err, errlen, "Invalid connection string '%s': expected http://<host>:<port>", url);
    return XS_EINVAL;
  }
  /* host:port is plain HTTP; "host:" takes the Data Grid port. */
  int n = snprintf(full, sizeof full, "%s%s%s", bare ? "http://" : "", url,
                   bare && url[strlen(url) - 1] == ':' ? "11222" : "");
  if (n < 0 || (size_t)n >= sizeof full) {
    snprintf(err, errlen, "The connection string is longer than %d bytes", XS_CLI_CURL_URL_MAX - 1);
    return XS_EINVAL;
  }
  CURLU *u = curl_url();
  if (!u) return XS_ENOMEM;
  char *scheme = NULL, *host = NULL, *port = NULL;
  int rc = 0;
  if (curl_url_set(u, CURLUPART_URL, full, CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK ||
      curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
      curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
      curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) != CURLUE_OK) {
    snprintf(err, errlen, "Invalid connection string '%s'", url);
    rc = XS_EINVAL;
  } else if (strcasecmp(scheme, "http") != 0 && strcasecmp(scheme, "https") != 0) {
    snprintf(err, errlen, "Invalid connection string '%s': the protocol must be http or https", url);
    rc = XS_EINVAL;
  } else {
    snprintf(c->host, sizeof c->host, "%s", host);
    snprintf(c->where, sizeof c->where, "%s:%s", host, port);
    snprintf(c->base, sizeof c->base, "%s://%s:%s", scheme, host, port);
    rc = take_userinfo(c, u, err, errlen);
  }
  curl_free(scheme);
  curl_free(host);
  curl_free(port);
  curl_url_cleanup(u);
  return rc;
}

/* ------------------------------------------------------------------------ */
/* Reading the answer                                                         */

static size_t on_body(char *data, size_t size, size_t n, void *ud) {
  xs_cli_curl *c = ud;
  xs_buf_append(&c->out->body, data, size * n);
  return xs_buf_ok(&c->out->body) ? size * n : 0; /* 0: curl stops with a write error */
}

static void trim_copy(char *dst, size_t cap, const char *s, size_t n) {
  while (n && (s[0] == ' ' || s[0] == '\t')) s++, n--;
  while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n')) n--;
  snprintf(dst, cap, "%.*s", (int)n, s);
}

/* One header line.  A status line starts a new answer (the 401 of an
 * authentication round, then the real one), so what came before goes. */
static size_t on_header(char *data, size_t size, size_t n, void *ud) {
  xs_cli_curl *c = ud;
  xs_cli_response *out = c->out;
  size_t len = size * n;
  if (len >= 5 && strncmp(data, "HTTP/", 5) == 0) {
    out->content_type[0] = 0;
    out->nheaders = 0;
    xs_buf_reset(&out->body);
    return len;
  }
  const char *colon = memchr(data, ':', len);
  if (!colon || colon == data) return len;
  size_t nlen = (size_t)(colon - data), vlen = len - nlen - 1;
  if (nlen == 12 && strncasecmp(data, "Content-Type", 12) == 0) {
    trim_copy(out->content_type, sizeof out->content_type, colon + 1, vlen);
  } else if (!(nlen == 14 && strncasecmp(data, "Content-Length", 14) == 0) &&
             out->nheaders < XS_CLI_RESP_HEADERS_MAX) {
    /* Content-Length is the body's length; the command layer adds it. */
    xs_cli_header *h = &out->headers[out->nheaders++];
    trim_copy(h->name, sizeof h->name, data, nlen);
    trim_copy(h->value, sizeof h->value, colon + 1, vlen);
  }
  return len;
}

/* ------------------------------------------------------------------------ */
/* The client                                                                 */

static long timeout_or(long v, long dflt) {
  if (v <= 0) return dflt;
  return v > XS_CLI_CURL_TIMEOUT_MS_MAX ? XS_CLI_CURL_TIMEOUT_MS_MAX : v;
}

/* The options every request of the session shares. */
static bool session_options(xs_cli_curl *c, bool trustall) {
  CURL *h = c->h;
  bool ok = curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L) == CURLE_OK;
  /* Like the Java client, ignore http_proxy and friends: a loopback
   * server must not be reached through a proxy. */
  ok = ok && curl_easy_setopt(h, CURLOPT_PROXY, "") == CURLE_OK;
  ok = ok && curl_easy_setopt(h, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1) == CURLE_OK;
  ok = ok && curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, c->connect_timeout_ms) == CURLE_OK;
  ok = ok && curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, c->request_timeout_ms) == CURLE_OK;
  ok = ok && curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, trustall ? 0L : 1L) == CURLE_OK;
  ok = ok && curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, trustall ? 0L : 2L) == CURLE_OK;
  /* Keys such as ".." are sent as typed; curl must not resolve them. */
  ok = ok && curl_easy_setopt(h, CURLOPT_PATH_AS_IS, 1L) == CURLE_OK;
  ok = ok && curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L) == CURLE_OK;
  ok = ok && curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L) == CURLE_OK;
  ok = ok && curl_easy_setopt(h, CURLOPT_USERAGENT, USER_AGENT) == CURLE_OK;
  ok = ok && curl_easy_setopt(h, CURLOPT_ERRORBUFFER, c->errbuf) == CURLE_OK;
  ok = ok && curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body) == CURLE_OK;
  ok = ok && curl_easy_setopt(h, CURLOPT_WRITEDATA, c) == CURLE_OK;
  ok = ok && curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header) == CURLE_OK;
  ok = ok && curl_easy_setopt(h, CURLOPT_HEADERDATA, c) == CURLE_OK;
  return ok;
}

/* Digest or Basic, whichever the server's challenge offers: curl sends
 * the first request bare and answers the 401, as the Java client's AUTO
 * mode does.  Without a user a 401 is an answer. */
static void auth_options(xs_cli_curl *c) {
  curl_easy_setopt(c->h, CURLOPT_USERNAME, c->has_user ? c->user : NULL);
  curl_easy_setopt(c->h, CURLOPT_PASSWORD, c->has_user ? c->password : NULL);
  curl_easy_setopt(c->h, CURLOPT_HTTPAUTH, c->has_user ? (long)(CURLAUTH_DIGEST | CURLAUTH_BASIC) : (long)CURLAUTH_BASIC);
}

xs_cli_curl *xs_cli_curl_new(const char *url, const xs_cli_curl_opts *opts, char *err, size_t errlen) {
  xs_cli_curl_opts o = opts ? *opts : (xs_cli_curl_opts){0};
  xs_cli_curl *c = calloc(1, sizeof *c);
  if (!c || xs_cli_curl_global_init() < 0) {
    free(c);
    snprintf(err, errlen, "Out of memory");
    return NULL;
  }
  c->connect_timeout_ms = timeout_or(o.connect_timeout_ms, XS_CLI_CURL_CONNECT_TIMEOUT_MS_DEFAULT);
  c->request_timeout_ms = timeout_or(o.request_timeout_ms, XS_CLI_CURL_REQUEST_TIMEOUT_MS_DEFAULT);
  int rc = parse_url(c, url, err, errlen);
  if (rc == 0 && o.user && xs_cli_curl_set_credentials(c, o.user, o.password) < 0) {
    snprintf(err, errlen, "A user name or password is limited to %d bytes", XS_CLI_CURL_CREDENTIAL_MAX - 1);
    rc = XS_EINVAL;
  }
  if (rc == 0 && (!(c->h = curl_easy_init()) || !session_options(c, o.trustall))) {
    snprintf(err, errlen, "Out of memory");
    rc = XS_ENOMEM;
  }
  if (rc < 0) {
    if (rc == XS_ENOMEM && !c->h) snprintf(err, errlen, "Out of memory");
    xs_cli_curl_free(c);
    return NULL;
  }
  auth_options(c);
  return c;
}

void xs_cli_curl_free(xs_cli_curl *c) {
  if (!c) return;
  if (c->h) curl_easy_cleanup(c->h);
  /* The password does not linger in freed memory. */
  memset(c->password, 0, sizeof c->password);
  free(c);
}

int xs_cli_curl_set_credentials(xs_cli_curl *c, const char *user, const char *password) {
  if (!password) password = "";
  if (user && (strlen(user) >= sizeof c->user || strlen(password) >= sizeof c->password)) return XS_EINVAL;
  c->has_user = user != NULL;
  snprintf(c->user, sizeof c->user, "%s", user ? user : "");
  snprintf(c->password, sizeof c->password, "%s", user ? password : "");
  if (c->h) auth_options(c);
  return 0;
}

const char *xs_cli_curl_user(const xs_cli_curl *c) { return c->has_user ? c->user : NULL; }
const char *xs_cli_curl_base_url(const xs_cli_curl *c) { return c->base; }
long xs_cli_curl_connections(const xs_cli_curl *c) { return c->connections; }

/* ------------------------------------------------------------------------ */
/* A request                                                                  */

/* The method and body.  The handle is reused, so every call sets all of
 * what an earlier one may have changed. */
static void method_options(CURL *h, const xs_http_request *req) {
  const char *m = req->method_name;
  bool body = req->body_len > 0 || strcmp(m, "POST") == 0 || strcmp(m, "PUT") == 0;
  curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, (char *)NULL);
  curl_easy_setopt(h, CURLOPT_HTTPGET, 1L); /* also clears NOBODY and any POST */
  if (strcmp(m, "HEAD") == 0) {
    curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    return;
  }
  if (body) {
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, req->body_len ? (const char *)req->body : "");
  }
  if (strcmp(m, "GET") != 0 && strcmp(m, "POST") != 0) curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, m);
}

/* The request's headers, and none of curl's own that the CLI does not
 * send: no form Content-Type on a bare POST, no Expect: 100-continue. */
static struct curl_slist *header_list(const xs_http_request *req, bool *ok) {
  struct curl_slist *l = NULL, *t;
  xs_buf line;
  xs_buf_init(&line, XS_HTTP_HEADER_BYTES_MAX);
  *ok = true;
  for (size_t i = 0; *ok && i < req->nheaders; i++) {
    xs_buf_reset(&line);
    xs_buf_printf(&line, "%s: %s", req->headers[i].name, req->headers[i].value);
    *ok = xs_buf_ok(&line) && (t = curl_slist_append(l, xs_buf_cstr(&line))) != NULL;
    if (*ok) l = t;
  }
  if (*ok && !xs_http_header(req, "Content-Type")) *ok = (t = curl_slist_append(l, "Content-Type:")) && (l = t);
  if (*ok) *ok = (t = curl_slist_append(l, "Expect:")) && (l = t);
  xs_buf_free(&line);
  return l;
}

/* Why no answer came, in one line. */
static int failure(xs_cli_curl *c, CURLcode rc, xs_cli_response *out) {
  long oserr = 0;
  curl_off_t connected_us = 0;
  curl_easy_getinfo(c->h, CURLINFO_OS_ERRNO, &oserr);
  curl_easy_getinfo(c->h, CURLINFO_CONNECT_TIME_T, &connected_us);
  char *e = out->error;
  size_t n = sizeof out->error;
  const char *detail = c->errbuf[0] ? c->errbuf : curl_easy_strerror(rc);
  switch (rc) {
  case CURLE_COULDNT_RESOLVE_HOST: snprintf(e, n, "Unknown host: %s", c->host); return XS_ESTATE;
  case CURLE_COULDNT_CONNECT:
    snprintf(e, n, "Connection refused: %s%s%s", c->where, oserr && oserr != 111 ? " - " : "",
             oserr && oserr != 111 ? strerror((int)oserr) : "");
    return XS_ESTATE;
  case CURLE_OPERATION_TIMEDOUT:
    if (connected_us == 0)
      snprintf(e, n, "Connect timed out: no connection to %s within %ld ms", c->where, c->connect_timeout_ms);
    else
      snprintf(e, n, "Read timed out: no answer from %s within %ld ms", c->where, c->request_timeout_ms);
    return XS_ELIMIT;
  case CURLE_WRITE_ERROR:
    snprintf(e, n, "The answer from %s is larger than %u bytes", c->where, XS_CLI_RESP_BODY_MAX);
    return XS_ELIMIT;
  case CURLE_GOT_NOTHING:
    snprintf(e, n, "The server at %s closed the connection without answering", c->where);
    return XS_ESTATE;
  case CURLE_PEER_FAILED_VERIFICATION:
  case CURLE_SSL_CACERT_BADFILE:
    snprintf(e, n, "The server certificate of %s is not trusted (%s); --trustall skips the check", c->where, detail);
    return XS_ESTATE;
  default: snprintf(e, n, "%s: %s", c->where, detail); return XS_ESTATE;
  }
}

/* A message of one line, whatever curl's text held. */
static void one_line(char *s) {
  for (; *s; s++)
    if (*s == '\n' || *s == '\r') *s = ' ';
}

static int curl_request(void *ud, xs_http_request *req, xs_cli_response *out) {
  xs_cli_curl *c = ud;
  xs_cli_response_reset(out);
  size_t ulen = strlen(c->base) + strlen(req->target) + 1;
  char *url = malloc(ulen);
  bool ok = url != NULL;
  struct curl_slist *hdrs = ok ? header_list(req, &ok) : NULL;
  if (!ok) {
    free(url);
    curl_slist_free_all(hdrs);
    snprintf(out->error, sizeof out->error, "Out of memory");
    return XS_ENOMEM;
  }
  snprintf(url, ulen, "%s%s", c->base, req->target);
  curl_easy_setopt(c->h, CURLOPT_URL, url);
  curl_easy_setopt(c->h, CURLOPT_HTTPHEADER, hdrs);
  method_options(c->h, req);
  c->errbuf[0] = 0;
  c->out = out;
  CURLcode rc = curl_easy_perform(c->h);
  c->out = NULL;
  long opened = 0, status = 0;
  curl_easy_getinfo(c->h, CURLINFO_NUM_CONNECTS, &opened);
  c->connections += opened;
  curl_easy_getinfo(c->h, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_setopt(c->h, CURLOPT_HTTPHEADER, (struct curl_slist *)NULL);
  curl_slist_free_all(hdrs);
  free(url);
  if (rc != CURLE_OK) {
    int err = failure(c, rc, out);
    one_line(out->error);
    out->status = 0;
    return err;
  }
  out->status = (int)status;
  return 0;
}

xs_cli_transport xs_cli_curl_transport(xs_cli_curl *c) { return (xs_cli_transport){curl_request, c}; }

/* ------------------------------------------------------------------------ */
/* The connector                                                              */

int xs_cli_curl_connect(void *ud, const char *url, const char *user, const char *password, bool trustall,
                        xs_cli_transport *out, char *err, size_t errlen) {
  xs_cli_curl_connector *k = ud;
  xs_cli_curl_opts o = {
      .user = user,
      .password = password,
      .trustall = trustall || k->trustall,
      .connect_timeout_ms = k->connect_timeout_ms,
      .request_timeout_ms = k->request_timeout_ms,
  };
  xs_cli_curl *c = xs_cli_curl_new(url, &o, err, errlen);
  if (!c) return XS_EINVAL;
  /* The old client goes only now: until here the session's transport
   * still pointed at it. */
  xs_cli_curl_free(k->client);
  k->client = c;
  *out = xs_cli_curl_transport(c);
  return 0;
}

void xs_cli_curl_connector_free(xs_cli_curl_connector *k) {
  xs_cli_curl_free(k->client);
  k->client = NULL;
}
