/*
 * test_auth.c - sim/auth.c: the identities file (format and errors), the
 * plain check RESP's AUTH uses, HTTP Basic, HTTP Digest (RFC 7616: MD5,
 * SHA-256, -sess, qop=auth and none; stale, foreign and tampered nonces; a
 * wrong uri, realm or password) and the 401 challenges - one per mechanism,
 * `Basic realm="default"` with the space the Data Grid CLI cuts at.
 *
 * The Digest answers are computed here with nettle as a client would, from
 * the challenge's nonce.  (The integration tests add real clients: curl
 * --digest, and Python for SHA-256.)
 */
#include "test_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nettle/md5.h>
#include <nettle/sha2.h>

#include "auth.h"

static const uint8_t secret[XS_AUTH_SECRET_BYTES] = {1, 2, 3, 4, 5, 6, 7, 8, 9};

static xs_auth *store(void) {
  xs_auth *a = xs_auth_new(secret);
  assert_non_null(a);
  assert_int_equal(xs_auth_add(a, "developer", "strong-password", XS_ROLE_ADMIN), 0);
  assert_int_equal(xs_auth_add(a, "app", "app-pass", XS_ROLE_APP), 0);
  return a;
}

static void hex(const uint8_t *d, size_t n, char *out) {
  for (size_t i = 0; i < n; i++) sprintf(out + 2 * i, "%02x", d[i]);
}

/* H(s) as hex with MD5 or SHA-256. */
static void h(bool sha, const char *s, char *out) {
  uint8_t d[32];
  if (sha) {
    struct sha256_ctx c;
    sha256_init(&c);
    sha256_update(&c, strlen(s), (const uint8_t *)s);
    sha256_digest(&c, 32, d);
    hex(d, 32, out);
  } else {
    struct md5_ctx c;
    md5_init(&c);
    md5_update(&c, strlen(s), (const uint8_t *)s);
    md5_digest(&c, 16, d);
    hex(d, 16, out);
  }
}

/* The nonce="..." of a challenge. */
static void nonce_of(const char *challenge, char *out) {
  const char *p = strstr(challenge, "nonce=\"");
  assert_non_null(p);
  p += 7;
  size_t n = strcspn(p, "\"");
  memcpy(out, p, n);
  out[n] = 0;
}

/* A client's Authorization header for these credentials. */
static void digest_header(bool sha, bool sess, bool qop, const char *user, const char *pass, const char *nonce,
                          const char *method, const char *uri, char *out, size_t len) {
  char buf[512], ha1[65], ha2[65], resp[65];
  snprintf(buf, sizeof buf, "%s:default:%s", user, pass);
  h(sha, buf, ha1);
  if (sess) {
    snprintf(buf, sizeof buf, "%s:%s:c0ffee", ha1, nonce);
    h(sha, buf, ha1);
  }
  snprintf(buf, sizeof buf, "%s:%s", method, uri);
  h(sha, buf, ha2);
  if (qop) snprintf(buf, sizeof buf, "%s:%s:00000001:c0ffee:auth:%s", ha1, nonce, ha2);
  else snprintf(buf, sizeof buf, "%s:%s:%s", ha1, nonce, ha2);
  h(sha, buf, resp);
  snprintf(out, len, "Digest username=\"%s\", realm=\"default\", nonce=\"%s\", uri=\"%s\", response=\"%s\"%s, algorithm=%s%s",
           user, nonce, uri, resp, qop ? ", qop=auth, nc=00000001, cnonce=\"c0ffee\"" : "",
           sha ? "SHA-256" : "MD5", sess ? "-sess" : "");
}

static void test_identities_file(void **state) {
  xs_auth *a = xs_auth_new(secret);
  char err[256];
  static const char ok[] = "# user password role\n\nadmin1 pw1 admin\r\n  app1\tpw2   application\n";
  assert_int_equal(xs_auth_parse(a, ok, sizeof ok - 1, "ids", err, sizeof err), 0);
  assert_int_equal(xs_auth_count(a), 2);
  assert_int_equal(xs_auth_check(a, "admin1", 6, "pw1", 3), XS_ROLE_ADMIN);
  assert_int_equal(xs_auth_check(a, "app1", 4, "pw2", 3), XS_ROLE_APP);
  assert_int_equal(xs_auth_check(a, "app1", 4, "pw1", 3), XS_ROLE_NONE);
  assert_int_equal(xs_auth_check(a, "app1", 4, "pw2x", 4), XS_ROLE_NONE);
  assert_int_equal(xs_auth_check(a, "nobody", 6, "pw1", 3), XS_ROLE_NONE);
  const struct { const char *text, *err; } bad[] = {
      {"u p\n", "ids:1: expected 'USER PASSWORD ROLE'"},
      {"u p admin x\n", "ids:1: expected 'USER PASSWORD ROLE'"},
      {"\nu p root\n", "ids:2: unknown role 'root' (admin or application)"},
      {"admin1 p admin\n", "ids:1: bad or duplicate identity 'admin1'"},
      {"a:b p admin\n", "ids:1: bad or duplicate identity 'a:b'"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    assert_int_equal(xs_auth_parse(a, bad[i].text, strlen(bad[i].text), "ids", err, sizeof err), XS_ECONFIG);
    assert_string_equal(err, bad[i].err);
  }
  assert_int_equal(xs_auth_load(a, "/nonexistent/ids", err, sizeof err), XS_ECONFIG);
  assert_string_equal(err, "/nonexistent/ids: cannot open");
  xs_auth_free(a);
}

static void test_basic(void **state) {
  xs_auth *a = store();
  xs_auth_result r;
  /* base64("developer:strong-password"), base64("app:app-pass") */
  xs_auth_http(a, "GET", "/", "Basic ZGV2ZWxvcGVyOnN0cm9uZy1wYXNzd29yZA==", 0, &r);
  assert_int_equal(r.role, XS_ROLE_ADMIN);
  assert_string_equal(r.principal, "developer");
  xs_auth_http(a, "GET", "/", "basic YXBwOmFwcC1wYXNz", 0, &r);
  assert_int_equal(r.role, XS_ROLE_APP);
  assert_string_equal(r.principal, "app");
  const char *bad[] = {"Basic ZGV2ZWxvcGVyOndyb25n", "Basic !!!", "Basic ZGV2ZWxvcGVy", "Bearer x", "", NULL};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    xs_auth_http(a, "GET", "/", bad[i], 0, &r);
    assert_int_equal(r.role, XS_ROLE_NONE);
    assert_string_equal(r.principal, "");
  }
  xs_auth_free(a);
}

static void test_challenges(void **state) {
  xs_auth *a = store();
  char ch[XS_AUTH_CHALLENGES_MAX][XS_AUTH_CHALLENGE_BYTES_MAX];
  assert_int_equal(xs_auth_challenges(a, 1000, false, ch, XS_AUTH_CHALLENGES_MAX), 3);
  assert_true(strncmp(ch[0], "Digest realm=\"default\", nonce=\"", 31) == 0);
  assert_non_null(strstr(ch[0], ", algorithm=MD5, qop=\"auth\""));
  assert_null(strstr(ch[0], "stale"));
  assert_non_null(strstr(ch[1], ", algorithm=SHA-256, qop=\"auth\""));
  assert_string_equal(ch[2], "Basic realm=\"default\"");
  char n0[128], n1[128];
  nonce_of(ch[0], n0);
  nonce_of(ch[1], n1);
  assert_string_equal(n0, n1); /* one nonce for both: clients that merge headers still work */
  assert_int_equal(xs_auth_challenges(a, 1000, true, ch, 1), 1);
  assert_non_null(strstr(ch[0], ", stale=true"));
  xs_auth_free(a);
}

static void test_digest(void **state) {
  xs_auth *a = store();
  char ch[XS_AUTH_CHALLENGES_MAX][XS_AUTH_CHALLENGE_BYTES_MAX], nonce[128], hdr[1024];
  xs_auth_challenges(a, 5000, false, ch, XS_AUTH_CHALLENGES_MAX);
  nonce_of(ch[0], nonce);
  xs_auth_result r;
  for (int v = 0; v < 8; v++) { /* every algorithm, -sess or not, qop or not (-sess needs qop) */
    bool sha = v & 1, sess = v & 2, qop = v & 4;
    if (sess && !qop) continue;
    digest_header(sha, sess, qop, "app", "app-pass", nonce, "PUT", "/rest/v2/caches/c/k?x=1", hdr, sizeof hdr);
    xs_auth_http(a, "PUT", "/rest/v2/caches/c/k?x=1", hdr, 6000, &r);
    assert_int_equal(r.role, XS_ROLE_APP);
    assert_string_equal(r.principal, "app");
    assert_false(r.stale);
  }
  digest_header(false, false, true, "developer", "strong-password", nonce, "GET", "/metrics", hdr, sizeof hdr);
  xs_auth_http(a, "GET", "/metrics", hdr, 6000, &r);
  assert_int_equal(r.role, XS_ROLE_ADMIN);
  /* The same answer for another method or uri, or after the TTL. */
  xs_auth_http(a, "POST", "/metrics", hdr, 6000, &r);
  assert_int_equal(r.role, XS_ROLE_NONE);
  xs_auth_http(a, "GET", "/rest/v2/container", hdr, 6000, &r);
  assert_int_equal(r.role, XS_ROLE_NONE);
  xs_auth_http(a, "GET", "/metrics", hdr, 5000 + XS_AUTH_NONCE_TTL_MS + 1, &r);
  assert_int_equal(r.role, XS_ROLE_NONE);
  assert_true(r.stale);
  /* A wrong password; a nonce we did not issue; a tampered one. */
  digest_header(false, false, true, "developer", "wrong", nonce, "GET", "/metrics", hdr, sizeof hdr);
  xs_auth_http(a, "GET", "/metrics", hdr, 6000, &r);
  assert_int_equal(r.role, XS_ROLE_NONE);
  assert_false(r.stale);
  char forged[128];
  snprintf(forged, sizeof forged, "%s", nonce);
  forged[strlen(forged) - 1] ^= 1;
  digest_header(false, false, true, "developer", "strong-password", forged, "GET", "/metrics", hdr, sizeof hdr);
  xs_auth_http(a, "GET", "/metrics", hdr, 6000, &r);
  assert_int_equal(r.role, XS_ROLE_NONE);
  xs_auth *other = xs_auth_new((const uint8_t[XS_AUTH_SECRET_BYTES]){9});
  digest_header(false, false, true, "developer", "strong-password", nonce, "GET", "/metrics", hdr, sizeof hdr);
  xs_auth_http(other, "GET", "/metrics", hdr, 6000, &r);
  assert_int_equal(r.role, XS_ROLE_NONE);
  xs_auth_free(other);
  /* Malformed headers are refused, never crash. */
  const char *junk[] = {"Digest", "Digest ", "Digest username", "Digest username=\"x", "Digest =,=,=",
                        "Digest username=developer, realm=default, nonce=1, uri=/metrics, response=0"};
  for (size_t i = 0; i < sizeof junk / sizeof *junk; i++) {
    xs_auth_http(a, "GET", "/metrics", junk[i], 6000, &r);
    assert_int_equal(r.role, XS_ROLE_NONE);
  }
  xs_auth_free(a);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_identities_file),
      cmocka_unit_test(test_basic),
      cmocka_unit_test(test_challenges),
      cmocka_unit_test(test_digest),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
