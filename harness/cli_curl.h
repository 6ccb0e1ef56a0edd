/*
 * cli_curl.h - the CLI's socket transport: the command layer's requests
 * (cli_transport.h) sent over HTTP/1.1 with libcurl to a Data Grid server,
 * real or simulated - nothing here knows which.
 *
 * What it does as the Data Grid CLI's REST client does:
 *  - authentication as the server offers it: with a user name, curl sends
 *    the first request bare and answers the server's WWW-Authenticate
 *    challenge with Digest or Basic (the Java client's AUTO mode); without
 *    one, a 401 comes back as an answer, so that the shell can ask for
 *    credentials;
 *  - one connection kept alive and reused for every request of a session;
 *  - --trustall: TLS without certificate or host name checks;
 *  - a connect timeout and a request timeout, after which the call fails.
 * Every failure (connection refused, a timeout, an unknown host, TLS) is
 * one line in the response's `error`, never a crash or a hang.
 */
#ifndef XS_CLI_CURL_H
#define XS_CLI_CURL_H

#include <stdbool.h>
#include <stddef.h>

#include "cli_command.h"
#include "cli_transport.h"

/* How long to wait for the TCP (and TLS) connection. */
#define XS_CLI_CURL_CONNECT_TIMEOUT_MS_DEFAULT 10000L
/* How long one request may take in all, connection included.  Longer than
 * any answer the runbooks wait for: a write blocked by a partition fails
 * after the 13 s backup timeout, and an all-caches operation waits for
 * every cache in turn. */
#define XS_CLI_CURL_REQUEST_TIMEOUT_MS_DEFAULT 60000L
#define XS_CLI_CURL_TIMEOUT_MS_MAX (24L * 3600 * 1000) /* the longest either may be set to */
#define XS_CLI_CURL_URL_MAX 2048        /* scheme://host:port kept for a session */
#define XS_CLI_CURL_CREDENTIAL_MAX 256  /* a user name or a password */

typedef struct xs_cli_curl_opts {
  const char *user;           /* NULL: none (a 401 is then an answer) */
  const char *password;       /* NULL: "" when there is a user */
  bool trustall;              /* skip TLS certificate and host name checks */
  long connect_timeout_ms;    /* <= 0: the default */
  long request_timeout_ms;    /* <= 0: the default */
} xs_cli_curl_opts;

typedef struct xs_cli_curl xs_cli_curl;

/* Initialises libcurl once per process (idempotent; not thread-safe, call
 * it from main before any thread).  0 or XS_ENOMEM. */
int xs_cli_curl_global_init(void);

/* A client for `url` ("http://host:port", "https://...", or "host:port" for
 * http); a path in it is ignored, credentials in it ("http://u:p@host") are
 * used when opts give none.  NULL with a one-line reason in err when the
 * URL is not one or on ENOMEM.  NULL opts take the defaults. */
xs_cli_curl *xs_cli_curl_new(const char *url, const xs_cli_curl_opts *opts, char *err, size_t errlen);
void xs_cli_curl_free(xs_cli_curl *c);

/* The transport to give the command layer; valid while c lives. */
xs_cli_transport xs_cli_curl_transport(xs_cli_curl *c);

/* Replaces the credentials (NULL user: none).  0 or XS_EINVAL (too long). */
int xs_cli_curl_set_credentials(xs_cli_curl *c, const char *user, const char *password);
/* The user name in use, or NULL. */
const char *xs_cli_curl_user(const xs_cli_curl *c);
/* "scheme://host:port", as requests are sent to it. */
const char *xs_cli_curl_base_url(const xs_cli_curl *c);
/* TCP connections opened so far (keep-alive keeps this at 1). */
long xs_cli_curl_connections(const xs_cli_curl *c);

/* The connector the command layer's `connect` uses (ctx->connector): each
 * call makes a new client and frees the previous one once the new one
 * exists.  The timeouts and trustall set here apply to every connection
 * (trustall as cli.sh --trustall does; `connect --trustall` adds it). */
typedef struct xs_cli_curl_connector {
  xs_cli_curl *client;        /* the current one, or NULL */
  bool trustall;
  long connect_timeout_ms, request_timeout_ms; /* <= 0: the defaults */
} xs_cli_curl_connector;

int xs_cli_curl_connect(void *ud, const char *url, const char *user, const char *password, bool trustall,
                        xs_cli_transport *out, char *err, size_t errlen);
void xs_cli_curl_connector_free(xs_cli_curl_connector *k);

#endif /* XS_CLI_CURL_H */
