/*
 * auth.c - identities and HTTP authentication for `xsim serve` (see auth.h):
 * the identities file, Basic (RFC 7617), Digest (RFC 7616: MD5, SHA-256 and
 * their -sess forms, qop=auth or none) and the 401 challenges.  Hashes and
 * base64 come from nettle.
 *
 * A nonce is "<issue time><serial>" (16 hex digits each) and HMAC-SHA-256
 * (secret, both) cut to 32 hex digits, so any server restart or forgery
 * fails the MAC, and the serial tells nonces of the same millisecond apart.
 * How a nonce may be used follows Elytron's nonce manager (auth.h has the
 * times): replays are refused by remembering, per used nonce, the highest
 * nonce count accepted, in a fixed table indexed by serial.  A right answer
 * that may not use its nonce is `stale`: the client retries with the new
 * nonce of the 401, as RFC 7616 3.3 says.
 *
 * Unlike Elytron, a use is remembered only once the answer is proven right:
 * a client without the password can neither spend another's counts nor
 * push nonces out of the table.
 */
#include "auth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <nettle/base64.h>
#include <nettle/hmac.h>
#include <nettle/md5.h>
#include <nettle/sha2.h>

#include "xsim.h"

typedef struct identity {
  char user[XS_AUTH_USER_BYTES_MAX];
  char pass[XS_AUTH_PASS_BYTES_MAX];
  size_t pass_len;
  xs_role role;
} identity;

/* What is remembered of one used nonce. */
typedef struct nonce_use {
  uint64_t serial;     /* 0: the slot is empty (serials start at 1) */
  uint64_t expires_ms; /* after this the nonce is refused */
  uint32_t nc;         /* the highest count accepted; 0: used once without one */
} nonce_use;

struct xs_auth {
  uint8_t secret[XS_AUTH_SECRET_BYTES];
  char opaque[33];
  size_t n;
  identity users[XS_AUTH_USERS_MAX];
  uint64_t serial; /* of the last nonce issued */
  nonce_use used[XS_AUTH_NONCES_MAX];
};

#define NONCE_TIME_HEX 16
#define NONCE_SERIAL_HEX 16
#define NONCE_MAC_HEX 32
#define NONCE_BODY_HEX (NONCE_TIME_HEX + NONCE_SERIAL_HEX)
#define NONCE_LEN (NONCE_BODY_HEX + NONCE_MAC_HEX)

static void to_hex(const uint8_t *b, size_t n, char *out) {
  static const char hx[] = "0123456789abcdef";
  for (size_t i = 0; i < n; i++) {
    out[2 * i] = hx[b[i] >> 4];
    out[2 * i + 1] = hx[b[i] & 15];
  }
  out[2 * n] = 0;
}

/* HMAC-SHA-256(secret, msg) as hex, cut to `hexlen` digits. */
static void mac_hex(const xs_auth *a, const char *msg, char *out, size_t hexlen) {
  struct hmac_sha256_ctx h;
  uint8_t d[SHA256_DIGEST_SIZE];
  hmac_sha256_set_key(&h, sizeof a->secret, a->secret);
  hmac_sha256_update(&h, strlen(msg), (const uint8_t *)msg);
  hmac_sha256_digest(&h, sizeof d, d);
  to_hex(d, hexlen / 2, out);
}

xs_auth *xs_auth_new(const uint8_t *secret) {
  xs_auth *a = calloc(1, sizeof *a);
  if (!a) return NULL;
  memcpy(a->secret, secret, XS_AUTH_SECRET_BYTES);
  mac_hex(a, "opaque", a->opaque, 32);
  return a;
}

void xs_auth_free(xs_auth *a) { free(a); }
size_t xs_auth_count(const xs_auth *a) { return a->n; }

int xs_auth_add(xs_auth *a, const char *user, const char *pass, xs_role role) {
  if (!user || !*user || strlen(user) >= XS_AUTH_USER_BYTES_MAX || !pass ||
      strlen(pass) >= XS_AUTH_PASS_BYTES_MAX || (role != XS_ROLE_ADMIN && role != XS_ROLE_APP))
    return XS_EINVAL;
  if (strchr(user, ':')) return XS_EINVAL; /* Basic could not carry it */
  for (size_t i = 0; i < a->n; i++)
    if (strcmp(a->users[i].user, user) == 0) return XS_EINVAL;
  if (a->n >= XS_AUTH_USERS_MAX) return XS_ELIMIT;
  identity *id = &a->users[a->n++];
  snprintf(id->user, sizeof id->user, "%s", user);
  snprintf(id->pass, sizeof id->pass, "%s", pass);
  id->pass_len = strlen(pass);
  id->role = role;
  return 0;
}

/* ------------------------------------------------------------------------ */
/* The identities file                                                        */

/* Splits line into at most 4 blank-separated words (in place). */
static int words(char *line, char **w) {
  int n = 0;
  char *save = NULL;
  for (char *t = strtok_r(line, " \t\r", &save); t && n < 4; t = strtok_r(NULL, " \t\r", &save)) w[n++] = t;
  return n;
}

static int parse_line(xs_auth *a, char *line, const char *what, int lineno, char *err, size_t errlen) {
  char *w[4];
  int n = words(line, w);
  if (n == 0 || w[0][0] == '#') return 0;
  if (n != 3) {
    snprintf(err, errlen, "%s:%d: expected 'USER PASSWORD ROLE'", what, lineno);
    return XS_ECONFIG;
  }
  xs_role role = strcmp(w[2], "admin") == 0 ? XS_ROLE_ADMIN
                 : strcmp(w[2], "application") == 0 ? XS_ROLE_APP : XS_ROLE_NONE;
  if (role == XS_ROLE_NONE) {
    snprintf(err, errlen, "%s:%d: unknown role '%s' (admin or application)", what, lineno, w[2]);
    return XS_ECONFIG;
  }
  int rc = xs_auth_add(a, w[0], w[1], role);
  if (rc == XS_ELIMIT) snprintf(err, errlen, "%s:%d: more than %d identities", what, lineno, XS_AUTH_USERS_MAX);
  else if (rc < 0) snprintf(err, errlen, "%s:%d: bad or duplicate identity '%s'", what, lineno, w[0]);
  return rc == XS_ELIMIT ? rc : rc < 0 ? XS_ECONFIG : 0;
}

int xs_auth_parse(xs_auth *a, const char *text, size_t len, const char *what, char *err,
                  size_t errlen) {
  char line[XS_AUTH_LINE_BYTES_MAX];
  int lineno = 0;
  size_t i = 0;
  while (i < len) {
    size_t end = i;
    while (end < len && text[end] != '\n') end++;
    lineno++;
    if (end - i >= sizeof line || memchr(text + i, 0, end - i)) {
      snprintf(err, errlen, "%s:%d: line too long or not text", what, lineno);
      return XS_ECONFIG;
    }
    memcpy(line, text + i, end - i);
    line[end - i] = 0;
    int rc = parse_line(a, line, what, lineno, err, errlen);
    if (rc < 0) return rc;
    i = end + 1;
  }
  return 0;
}

#define IDENTITIES_FILE_MAX (1u << 20)

int xs_auth_load(xs_auth *a, const char *path, char *err, size_t errlen) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    snprintf(err, errlen, "%s: cannot open", path);
    return XS_ECONFIG;
  }
  char *text = malloc(IDENTITIES_FILE_MAX);
  size_t n = text ? fread(text, 1, IDENTITIES_FILE_MAX, f) : 0;
  bool too_big = text && n == IDENTITIES_FILE_MAX;
  fclose(f);
  if (!text) return XS_ENOMEM;
  int rc = too_big ? XS_ECONFIG : xs_auth_parse(a, text, n, path, err, errlen);
  if (too_big) snprintf(err, errlen, "%s: larger than %u bytes", path, IDENTITIES_FILE_MAX);
  free(text);
  return rc;
}

/* ------------------------------------------------------------------------ */
/* Password checks                                                            */

/* Equal, in a time that depends only on the lengths. */
static bool same(const char *x, size_t xl, const char *y, size_t yl) {
  unsigned d = xl != yl;
  size_t n = xl < yl ? xl : yl;
  for (size_t i = 0; i < n; i++) d |= (unsigned char)(x[i] ^ y[i]);
  return d == 0;
}

static const identity *find_user(const xs_auth *a, const char *user, size_t ulen) {
  for (size_t i = 0; i < a->n; i++)
    if (strlen(a->users[i].user) == ulen && memcmp(a->users[i].user, user, ulen) == 0) return &a->users[i];
  return NULL;
}

xs_role xs_auth_check(const xs_auth *a, const char *user, size_t ulen, const char *pass,
                      size_t plen) {
  const identity *id = find_user(a, user, ulen);
  if (!id) return XS_ROLE_NONE;
  return same(id->pass, id->pass_len, pass, plen) ? id->role : XS_ROLE_NONE;
}

static void grant(const identity *id, xs_auth_result *out) {
  out->role = id->role;
  snprintf(out->principal, sizeof out->principal, "%s", id->user);
}

/* "Basic <base64(user:pass)>" */
static void check_basic(const xs_auth *a, const char *cred, xs_auth_result *out) {
  while (*cred == ' ') cred++;
  size_t len = strlen(cred);
  while (len && cred[len - 1] == ' ') len--;
  uint8_t buf[BASE64_DECODE_LENGTH(XS_AUTH_HEADER_BYTES_MAX) + 1];
  struct base64_decode_ctx ctx;
  size_t n = 0;
  base64_decode_init(&ctx);
  if (!base64_decode_update(&ctx, &n, buf, len, cred) || !base64_decode_final(&ctx)) return;
  uint8_t *colon = memchr(buf, ':', n);
  if (!colon) return;
  const char *user = (const char *)buf, *pass = (const char *)colon + 1;
  size_t ulen = (size_t)(colon - buf), plen = n - ulen - 1;
  const identity *id = find_user(a, user, ulen);
  if (id && same(id->pass, id->pass_len, pass, plen)) grant(id, out);
}

/* ------------------------------------------------------------------------ */
/* Digest (RFC 7616)                                                          */

enum { ALG_MD5 = 0, ALG_SHA256 = 1 };

typedef struct hasher {
  int alg;
  union {
    struct md5_ctx md5;
    struct sha256_ctx sha;
  } u;
} hasher;

static void h_init(hasher *h, int alg) {
  h->alg = alg;
  if (alg == ALG_MD5) md5_init(&h->u.md5);
  else sha256_init(&h->u.sha);
}

static void h_add(hasher *h, const char *s) {
  if (h->alg == ALG_MD5) md5_update(&h->u.md5, strlen(s), (const uint8_t *)s);
  else sha256_update(&h->u.sha, strlen(s), (const uint8_t *)s);
}

/* The digest as lower-case hex (out: at least 65 bytes). */
static void h_hex(hasher *h, char *out) {
  uint8_t d[SHA256_DIGEST_SIZE];
  size_t n = h->alg == ALG_MD5 ? MD5_DIGEST_SIZE : SHA256_DIGEST_SIZE;
  if (h->alg == ALG_MD5) md5_digest(&h->u.md5, n, d);
  else sha256_digest(&h->u.sha, n, d);
  to_hex(d, n, out);
}

/* H(p[0] ":" p[1] ":" ... ) as hex. */
static void h_join(int alg, const char *const *p, int n, char *out) {
  hasher h;
  h_init(&h, alg);
  for (int i = 0; i < n; i++) {
    if (i) h_add(&h, ":");
    h_add(&h, p[i]);
  }
  h_hex(&h, out);
}

#define DIGEST_PARAMS 10
static const char *const param_names[DIGEST_PARAMS] = {
    "username", "realm", "nonce", "uri", "response", "algorithm", "cnonce", "nc", "qop", "opaque"};
enum { P_USER, P_REALM, P_NONCE, P_URI, P_RESPONSE, P_ALG, P_CNONCE, P_NC, P_QOP, P_OPAQUE };

typedef struct digest_params {
  char *v[DIGEST_PARAMS]; /* NULL when absent; point into the copy */
  char copy[XS_AUTH_HEADER_BYTES_MAX];
} digest_params;

/* Reads one value (quoted with backslash escapes, or a token) at *s into
 * itself, NUL-terminates it and advances *s; NULL when malformed. */
static char *take_value(char **s) {
  char *p = *s, *start = p;
  if (*p == '"') {
    char *w = start;
    for (p++; *p && *p != '"'; p++) {
      if (*p == '\\' && p[1]) p++;
      *w++ = *p;
    }
    if (*p != '"') return NULL;
    *w = 0;
    *s = p + 1;
    return start;
  }
  while (*p && *p != ',' && *p != ' ' && *p != '\t') p++;
  char *end = p;
  *s = *p ? p + 1 : p;
  *end = 0;
  return start;
}

static bool parse_params(const char *cred, digest_params *d) {
  memset(d->v, 0, sizeof d->v);
  if (strlen(cred) >= sizeof d->copy) return false;
  snprintf(d->copy, sizeof d->copy, "%s", cred);
  char *s = d->copy;
  for (;;) {
    while (*s == ' ' || *s == '\t' || *s == ',') s++;
    if (!*s) return true;
    char *name = s;
    while (*s && *s != '=' && *s != ' ') s++;
    if (*s != '=') return false;
    *s++ = 0;
    char *val = take_value(&s);
    if (!val) return false;
    for (int i = 0; i < DIGEST_PARAMS; i++)
      if (strcasecmp(name, param_names[i]) == 0) d->v[i] = val;
  }
}

/* A nonce we issued, read back. */
typedef struct nonce_info {
  uint64_t issued_ms, serial;
} nonce_info;

/* 0 and *ni for a nonce we issued; -1 for any other. */
static int nonce_parse(const xs_auth *a, const char *nonce, nonce_info *ni) {
  if (strlen(nonce) != NONCE_LEN) return -1;
  char body[NONCE_BODY_HEX + 1], mac[NONCE_MAC_HEX + 1];
  memcpy(body, nonce, NONCE_BODY_HEX);
  body[NONCE_BODY_HEX] = 0;
  mac_hex(a, body, mac, NONCE_MAC_HEX);
  if (!same(mac, NONCE_MAC_HEX, nonce + NONCE_BODY_HEX, NONCE_MAC_HEX)) return -1;
  ni->serial = strtoull(body + NONCE_TIME_HEX, NULL, 16); /* ours, so hex */
  body[NONCE_TIME_HEX] = 0;
  ni->issued_ms = strtoull(body, NULL, 16);
  return 0;
}

static void make_nonce(xs_auth *a, uint64_t now_ms, char *out) {
  snprintf(out, NONCE_BODY_HEX + 1, "%016llx%016llx", (unsigned long long)now_ms,
           (unsigned long long)++a->serial);
  mac_hex(a, out, out + NONCE_BODY_HEX, NONCE_MAC_HEX);
}

/* A later use of a remembered nonce: only with a count above the last. */
static bool nonce_reuse(nonce_use *u, uint32_t nc, uint64_t now_ms) {
  if (now_ms > u->expires_ms || nc == 0 || u->nc == 0 || nc <= u->nc) return false;
  u->nc = nc;
  u->expires_ms = now_ms + XS_AUTH_NONCE_IDLE_MS;
  return true;
}

/* Spends one use of a nonce we issued, with count nc (0: none): true when
 * allowed (and remembered), false when the answer is to be stale.  A slot
 * holding a later serial means this nonce's use may have been forgotten. */
static bool nonce_spend(xs_auth *a, const nonce_info *ni, uint32_t nc, uint64_t now_ms) {
  nonce_use *u = &a->used[ni->serial % XS_AUTH_NONCES_MAX];
  if (u->serial == ni->serial) return nonce_reuse(u, nc, now_ms);
  if (u->serial > ni->serial) return false;
  if (ni->issued_ms > now_ms || now_ms - ni->issued_ms > XS_AUTH_NONCE_TTL_MS) return false;
  u->serial = ni->serial;
  u->nc = nc;
  u->expires_ms = nc ? now_ms + XS_AUTH_NONCE_IDLE_MS : ni->issued_ms + XS_AUTH_NONCE_TTL_MS;
  return true;
}

/* The nonce count: 1 to 8 hex digits (RFC 7616 sends 8), 0 without qop
 * (the answer does not cover it), -1 when malformed.  A count of 0 is taken
 * as none, as Elytron does. */
static int64_t nonce_count(const digest_params *d) {
  const char *nc = d->v[P_NC];
  if (!d->v[P_QOP]) return 0;
  size_t n = strspn(nc, "0123456789abcdefABCDEF");
  if (n == 0 || n > 8 || nc[n]) return -1;
  return (int64_t)strtoull(nc, NULL, 16);
}

/* The algorithm named (default MD5), or -1; *sess for the -sess forms. */
static int algorithm_of(const char *name, bool *sess) {
  *sess = false;
  if (!name || strcasecmp(name, "MD5") == 0) return ALG_MD5;
  if (strcasecmp(name, "SHA-256") == 0) return ALG_SHA256;
  *sess = true;
  if (strcasecmp(name, "MD5-sess") == 0) return ALG_MD5;
  if (strcasecmp(name, "SHA-256-sess") == 0) return ALG_SHA256;
  return -1;
}

/* The response the client should have sent for this identity. */
static void expected_response(const identity *id, const digest_params *d, int alg, bool sess,
                              const char *method, char *out) {
  char ha1[65], ha2[65];
  const char *p1[3] = {id->user, XS_AUTH_REALM, id->pass};
  h_join(alg, p1, 3, ha1);
  if (sess) {
    const char *ps[3] = {ha1, d->v[P_NONCE], d->v[P_CNONCE]};
    h_join(alg, ps, 3, ha1);
  }
  const char *p2[2] = {method, d->v[P_URI]};
  h_join(alg, p2, 2, ha2);
  if (d->v[P_QOP]) {
    const char *pr[6] = {ha1, d->v[P_NONCE], d->v[P_NC], d->v[P_CNONCE], d->v[P_QOP], ha2};
    h_join(alg, pr, 6, out);
  } else {
    const char *pr[3] = {ha1, d->v[P_NONCE], ha2};
    h_join(alg, pr, 3, out);
  }
}

/* The algorithm of a Digest answer in a form we take (every needed
 * parameter, our realm and opaque, the request's target), or -1. */
static int digest_form(const xs_auth *a, const digest_params *d, const char *target, bool *sess) {
  if (!d->v[P_USER] || !d->v[P_REALM] || !d->v[P_NONCE] || !d->v[P_URI] || !d->v[P_RESPONSE] ||
      strcmp(d->v[P_REALM], XS_AUTH_REALM) != 0 || strcmp(d->v[P_URI], target) != 0 ||
      (d->v[P_OPAQUE] && strcmp(d->v[P_OPAQUE], a->opaque) != 0))
    return -1;
  int alg = algorithm_of(d->v[P_ALG], sess);
  bool qop_ok = d->v[P_QOP] ? strcmp(d->v[P_QOP], "auth") == 0 && d->v[P_NC] && d->v[P_CNONCE] : !*sess;
  return qop_ok ? alg : -1;
}

static void check_digest(xs_auth *a, const char *method, const char *target, const char *cred,
                         uint64_t now_ms, xs_auth_result *out) {
  digest_params d;
  bool sess = false;
  nonce_info ni;
  int alg = parse_params(cred, &d) ? digest_form(a, &d, target, &sess) : -1;
  int64_t nc = alg >= 0 ? nonce_count(&d) : -1;
  const identity *id = nc >= 0 ? find_user(a, d.v[P_USER], strlen(d.v[P_USER])) : NULL;
  if (!id || nonce_parse(a, d.v[P_NONCE], &ni) < 0) return;
  char want[65];
  expected_response(id, &d, alg, sess, method, want);
  if (!same(want, strlen(want), d.v[P_RESPONSE], strlen(d.v[P_RESPONSE]))) return;
  if (nonce_spend(a, &ni, (uint32_t)nc, now_ms)) grant(id, out);
  else out->stale = true;
}

void xs_auth_http(xs_auth *a, const char *method, const char *target,
                  const char *authorization, uint64_t now_ms, xs_auth_result *out) {
  memset(out, 0, sizeof *out);
  out->role = XS_ROLE_NONE;
  if (!authorization || strlen(authorization) >= XS_AUTH_HEADER_BYTES_MAX) return;
  while (*authorization == ' ') authorization++;
  if (strncasecmp(authorization, "Basic ", 6) == 0) check_basic(a, authorization + 6, out);
  else if (strncasecmp(authorization, "Digest ", 7) == 0)
    check_digest(a, method, target, authorization + 7, now_ms, out);
}

int xs_auth_challenges(xs_auth *a, uint64_t now_ms, bool stale,
                       char out[][XS_AUTH_CHALLENGE_BYTES_MAX], int max) {
  char nonce[NONCE_LEN + 1];
  make_nonce(a, now_ms, nonce);
  static const char *const algs[2] = {"MD5", "SHA-256"};
  int n = 0;
  for (int i = 0; i < 2 && n < max; i++, n++)
    snprintf(out[n], XS_AUTH_CHALLENGE_BYTES_MAX,
             "Digest realm=\"" XS_AUTH_REALM "\", nonce=\"%s\", opaque=\"%s\", algorithm=%s, qop=\"auth\"%s",
             nonce, a->opaque, algs[i], stale ? ", stale=true" : "");
  if (n < max) snprintf(out[n++], XS_AUTH_CHALLENGE_BYTES_MAX, "Basic realm=\"" XS_AUTH_REALM "\"");
  return n;
}
