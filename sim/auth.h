/*
 * auth.h - who may talk to `xsim serve`: the identities (user, password,
 * role) and the two HTTP mechanisms the server offers, Basic and Digest
 * (RFC 7617, RFC 7616 with MD5 and SHA-256), plus the plain password check
 * that RESP's AUTH and HELLO ... AUTH use.
 *
 * Pure code: no sockets, no clock.  The caller passes the time for nonces
 * and a random secret at creation, so the same calls give the same answers
 * in a test.  The store remembers how each recent Digest nonce was used (a
 * fixed table, XS_AUTH_NONCES_MAX), so a captured Authorization header
 * cannot be sent again.
 *
 * Roles follow the server the Keycloak guide deploys: `admin` has every
 * permission (x-site operations, /sim/v1), `application` may read and write
 * entries but gets 403 on ADMIN routes and -WRONGPASS on RESP's admin
 * commands.
 */
#ifndef XS_AUTH_H
#define XS_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http_parse.h"

/* ------------------------------------------------------------------------ */
/* Limits                                                                     */

#define XS_AUTH_USERS_MAX 256           /* identities in one store */
#define XS_AUTH_USER_BYTES_MAX 128      /* a user name, with the NUL (= the principal) */
#define XS_AUTH_PASS_BYTES_MAX 256      /* a password, with the NUL */
#define XS_AUTH_HEADER_BYTES_MAX 4096   /* an Authorization header we look at */
#define XS_AUTH_LINE_BYTES_MAX 1024     /* one line of an identities file */
#define XS_AUTH_CHALLENGES_MAX 3        /* WWW-Authenticate headers on a 401 */
#define XS_AUTH_CHALLENGE_BYTES_MAX 256 /* one of them */
#define XS_AUTH_SECRET_BYTES 32         /* the nonce key */

/* Digest nonces, with the defaults of Elytron's nonce manager (the
 * Infinispan server's): a nonce must be first used within the TTL of its
 * issue; one used with nonce counts then lives until IDLE passes without a
 * use; one used without a count (no qop) serves once. */
#define XS_AUTH_NONCE_TTL_MS 300000     /* from issue to first use (5 min) */
#define XS_AUTH_NONCE_IDLE_MS 900000    /* from one counted use to the next (15 min) */
/* Nonces whose use is remembered (24 bytes each): serial n has slot
 * n % XS_AUTH_NONCES_MAX, and a used nonce whose slot a later nonce has
 * taken is refused as stale, so forgetting never lets a replay through. */
#define XS_AUTH_NONCES_MAX 4096

/* The realm every challenge names: the security realm of Infinispan's
 * default server configuration.  `Basic realm="default"` has the space the
 * Data Grid CLI's AUTO authenticator cuts at. */
#define XS_AUTH_REALM "default"

/* The documented default account (the Keycloak guide's credentials). */
#define XS_AUTH_DEFAULT_USER "developer"
#define XS_AUTH_DEFAULT_PASS "strong-password"

typedef struct xs_auth xs_auth;

/* An empty store; `secret` (XS_AUTH_SECRET_BYTES) keys the Digest nonces. */
xs_auth *xs_auth_new(const uint8_t *secret);
void xs_auth_free(xs_auth *a);

/* Adds an identity (role XS_ROLE_ADMIN or XS_ROLE_APP).  XS_EINVAL for an
 * empty, over-long or duplicate user, a password with a NUL, or a bad role;
 * XS_ELIMIT past XS_AUTH_USERS_MAX. */
int xs_auth_add(xs_auth *a, const char *user, const char *pass, xs_role role);
size_t xs_auth_count(const xs_auth *a);

/* Reads an identities file: one identity per line, `USER PASSWORD ROLE`
 * separated by blanks, ROLE `admin` or `application`; blank lines and lines
 * starting with '#' are skipped.  On error returns XS_ECONFIG (or XS_ELIMIT)
 * with "<path>:<line>: <what>" in err. */
int xs_auth_load(xs_auth *a, const char *path, char *err, size_t errlen);
/* The same from text in memory (`what` names it in messages). */
int xs_auth_parse(xs_auth *a, const char *text, size_t len, const char *what, char *err,
                  size_t errlen);

/* A plain check (RESP AUTH): the role, or XS_ROLE_NONE when the pair is
 * wrong.  Comparisons take the same time whatever the password. */
xs_role xs_auth_check(const xs_auth *a, const char *user, size_t ulen, const char *pass,
                      size_t plen);

/* The outcome of an Authorization header. */
typedef struct xs_auth_result {
  xs_role role;                         /* NONE: absent or not valid */
  bool stale;                           /* a right Digest answer to a nonce no longer usable */
  char principal[XS_AUTH_USER_BYTES_MAX];
} xs_auth_result;

/* Checks `authorization` (the header's value, or NULL) for a request with
 * this method and target at time now_ms (monotonic, as the challenges').
 * A right Digest answer spends its nonce count: it is accepted only when
 * the count is above every count accepted before for that nonce (and only
 * once without a count); otherwise, or when the nonce has expired, the
 * result is `stale`, to be answered with a 401 and a fresh nonce. */
void xs_auth_http(xs_auth *a, const char *method, const char *target,
                  const char *authorization, uint64_t now_ms, xs_auth_result *out);

/* The WWW-Authenticate values of a 401, one per mechanism, most preferred
 * first: Digest MD5, Digest SHA-256 (one new nonce for both), Basic.
 * Returns how many were written. */
int xs_auth_challenges(xs_auth *a, uint64_t now_ms, bool stale,
                       char out[][XS_AUTH_CHALLENGE_BYTES_MAX], int max);

#endif /* XS_AUTH_H */
