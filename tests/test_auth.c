/*
 * test_auth.c - sim/auth.c: the identities file (format and errors), the
 * plain check RESP's AUTH uses, HTTP Basic, HTTP Digest (RFC 7616: MD5,
 * SHA-256, -sess, qop=auth and none; stale, foreign and tampered nonces; a
 * wrong uri, realm or password), the nonces' uses (counts that must rise,
 * one use without a count, expiry, the table's slots) and the 401
 * challenges - one per mechanism, `Basic realm="default"` with the space
 * the Data Grid CLI cuts at.
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

/* A client's Authorization header for these credentials, with nonce count
 * nc when qop. */
static void digest_header(bool sha, bool sess, bool qop, const char *user, const char *pass, const char *nonce,
                          unsigned nc, const char *method, const char *uri, char *out, size_t len) {
  char buf[512], ha1[65], ha2[65], resp[65];
  snprintf(buf, sizeof buf, "%s:default:%s", user, pass);
  h(sha, buf, ha1);
  if (sess) {
    snprintf(buf, sizeof buf, "%s:%s:c0ffee", ha1, nonce);
    h(sha, buf, ha1);
  }
  snprintf(buf, sizeof buf, "%s:%s", method, uri);
  h(sha, buf, ha2);
  char ncs[9], tail[64] = "";
  snprintf(ncs, sizeof ncs, "%08x", nc);
  if (qop) snprintf(buf, sizeof buf, "%s:%s:%s:c0ffee:auth:%s", ha1, nonce, ncs, ha2);
  else snprintf(buf, sizeof buf, "%s:%s:%s", ha1, nonce, ha2);
  h(sha, buf, resp);
  if (qop) snprintf(tail, sizeof tail, ", qop=auth, nc=%s, cnonce=\"c0ffee\"", ncs);
  snprintf(out, len, "Digest username=\"%s\", realm=\"default\", nonce=\"%s\", uri=\"%s\", response=\"%s\"%s, algorithm=%s%s",
           user, nonce, uri, resp, tail, sha ? "SHA-256" : "MD5", sess ? "-sess" : "");
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

/* A new nonce, issued at time t. */
static void fresh_nonce(xs_auth *a, uint64_t t, char *nonce) {
  char ch[1][XS_AUTH_CHALLENGE_BYTES_MAX];
  assert_int_equal(xs_auth_challenges(a, t, false, ch, 1), 1);
  nonce_of(ch[0], nonce);
}

/* The role Authorization hdr gets for a request at time t, with *stale. */
static xs_role answer(xs_auth *a, const char *method, const char *uri, const char *hdr, uint64_t t,
                      bool *stale) {
  xs_auth_result r;
  xs_auth_http(a, method, uri, hdr, t, &r);
  *stale = r.stale;
  return r.role;
}

/* The same for developer's MD5 qop=auth answer on GET /metrics. */
static xs_role use(xs_auth *a, const char *pass, const char *nonce, unsigned nc, uint64_t t, bool *stale) {
  char hdr[1024];
  digest_header(false, false, true, "developer", pass, nonce, nc, "GET", "/metrics", hdr, sizeof hdr);
  return answer(a, "GET", "/metrics", hdr, t, stale);
}

static void test_digest(void **state) {
  xs_auth *a = store();
  char nonce[128], hdr[1024];
  xs_auth_result r;
  for (int v = 0; v < 8; v++) { /* every algorithm, -sess or not, qop or not (-sess needs qop) */
    bool sha = v & 1, sess = v & 2, qop = v & 4;
    if (sess && !qop) continue;
    fresh_nonce(a, 5000, nonce);
    digest_header(sha, sess, qop, "app", "app-pass", nonce, 1, "PUT", "/rest/v2/caches/c/k?x=1", hdr, sizeof hdr);
    xs_auth_http(a, "PUT", "/rest/v2/caches/c/k?x=1", hdr, 6000, &r);
    assert_int_equal(r.role, XS_ROLE_APP);
    assert_string_equal(r.principal, "app");
    assert_false(r.stale);
  }
  bool stale;
  fresh_nonce(a, 5000, nonce);
  digest_header(false, false, true, "developer", "strong-password", nonce, 1, "GET", "/metrics", hdr, sizeof hdr);
  /* The same answer for another method or uri: refused, and the count is
   * not spent. */
  assert_int_equal(answer(a, "POST", "/metrics", hdr, 6000, &stale), XS_ROLE_NONE);
  assert_int_equal(answer(a, "GET", "/rest/v2/container", hdr, 6000, &stale), XS_ROLE_NONE);
  assert_int_equal(answer(a, "GET", "/metrics", hdr, 6000, &stale), XS_ROLE_ADMIN);
  /* A wrong password; a nonce we did not issue; a tampered one: refused,
   * and not stale (a new nonce would not help). */
  fresh_nonce(a, 5000, nonce);
  assert_int_equal(use(a, "wrong", nonce, 1, 6000, &stale), XS_ROLE_NONE);
  assert_false(stale);
  char forged[128];
  snprintf(forged, sizeof forged, "%s", nonce);
  forged[strlen(forged) - 1] ^= 1;
  assert_int_equal(use(a, "strong-password", forged, 1, 6000, &stale), XS_ROLE_NONE);
  assert_false(stale);
  forged[strlen(forged) - 1] ^= 1;
  forged[20] = forged[20] == '0' ? '1' : '0'; /* another serial under the same MAC */
  assert_int_equal(use(a, "strong-password", forged, 1, 6000, &stale), XS_ROLE_NONE);
  assert_false(stale);
  xs_auth *other = xs_auth_new((const uint8_t[XS_AUTH_SECRET_BYTES]){9});
  assert_int_equal(use(other, "strong-password", nonce, 1, 6000, &stale), XS_ROLE_NONE);
  assert_false(stale);
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

/* Nonce counts: each accepted one must be above the last (gaps are fine);
 * the same or a lower one is a replay, answered stale. */
static void test_digest_counts(void **state) {
  xs_auth *a = store();
  char nonce[128];
  bool stale;
  fresh_nonce(a, 1000, nonce);
  assert_int_equal(use(a, "strong-password", nonce, 1, 1000, &stale), XS_ROLE_ADMIN);
  assert_int_equal(use(a, "strong-password", nonce, 2, 1001, &stale), XS_ROLE_ADMIN);
  assert_int_equal(use(a, "strong-password", nonce, 7, 1002, &stale), XS_ROLE_ADMIN);
  assert_false(stale);
  assert_int_equal(use(a, "strong-password", nonce, 7, 1003, &stale), XS_ROLE_NONE); /* replayed */
  assert_true(stale);
  assert_int_equal(use(a, "strong-password", nonce, 3, 1003, &stale), XS_ROLE_NONE); /* lower */
  assert_true(stale);
  /* A wrong password spends nothing: the next right count still goes. */
  assert_int_equal(use(a, "wrong", nonce, 9, 1004, &stale), XS_ROLE_NONE);
  assert_false(stale);
  assert_int_equal(use(a, "strong-password", nonce, 8, 1005, &stale), XS_ROLE_ADMIN);
  assert_int_equal(use(a, "strong-password", nonce, 0xffffffffu, 1006, &stale), XS_ROLE_ADMIN);
  assert_int_equal(use(a, "strong-password", nonce, 0xffffffffu, 1007, &stale), XS_ROLE_NONE);
  assert_true(stale);
  /* Nonces of the same millisecond are told apart: each has its counts. */
  char again[128];
  fresh_nonce(a, 1000, again);
  assert_string_not_equal(again, nonce);
  assert_int_equal(use(a, "strong-password", again, 1, 1008, &stale), XS_ROLE_ADMIN);
  /* Without qop there is no count: a nonce serves once. */
  char hdr[1024];
  fresh_nonce(a, 2000, nonce);
  digest_header(true, false, false, "app", "app-pass", nonce, 0, "GET", "/metrics", hdr, sizeof hdr);
  assert_int_equal(answer(a, "GET", "/metrics", hdr, 2001, &stale), XS_ROLE_APP);
  assert_int_equal(answer(a, "GET", "/metrics", hdr, 2002, &stale), XS_ROLE_NONE);
  assert_true(stale);
  assert_int_equal(use(a, "strong-password", nonce, 1, 2003, &stale), XS_ROLE_NONE); /* nor with counts after */
  assert_true(stale);
  /* A count of 0 is none (Elytron): once; counts that are not 1-8 hex digits are malformed. */
  fresh_nonce(a, 2000, nonce);
  assert_int_equal(use(a, "strong-password", nonce, 0, 2001, &stale), XS_ROLE_ADMIN);
  assert_int_equal(use(a, "strong-password", nonce, 0, 2002, &stale), XS_ROLE_NONE);
  assert_true(stale);
  fresh_nonce(a, 2000, nonce);
  digest_header(false, false, true, "developer", "strong-password", nonce, 1, "GET", "/metrics", hdr, sizeof hdr);
  char *nc = strstr(hdr, "nc=00000001");
  memcpy(nc, "nc=0000000g", 11);
  assert_int_equal(answer(a, "GET", "/metrics", hdr, 2001, &stale), XS_ROLE_NONE);
  assert_false(stale);
  xs_auth_free(a);
}

/* A nonce must be first used within the TTL; used with counts it then
 * lives until IDLE passes without a use; used without, until the TTL. */
static void test_digest_expiry(void **state) {
  xs_auth *a = store();
  char nonce[128];
  bool stale;
  const uint64_t t = 10000, ttl = XS_AUTH_NONCE_TTL_MS, idle = XS_AUTH_NONCE_IDLE_MS;
  fresh_nonce(a, t, nonce);
  assert_int_equal(use(a, "strong-password", nonce, 1, t + ttl + 1, &stale), XS_ROLE_NONE);
  assert_true(stale);
  assert_int_equal(use(a, "strong-password", nonce, 2, t - 1, &stale), XS_ROLE_NONE); /* before its issue */
  assert_true(stale);
  fresh_nonce(a, t, nonce);
  assert_int_equal(use(a, "strong-password", nonce, 1, t + ttl, &stale), XS_ROLE_ADMIN);
  assert_int_equal(use(a, "strong-password", nonce, 2, t + ttl + idle, &stale), XS_ROLE_ADMIN);
  assert_int_equal(use(a, "strong-password", nonce, 3, t + ttl + 2 * idle + 1, &stale), XS_ROLE_NONE);
  assert_true(stale);
  /* Expired and wrong: not stale. */
  assert_int_equal(use(a, "wrong", nonce, 4, t + ttl + 2 * idle + 1, &stale), XS_ROLE_NONE);
  assert_false(stale);
  xs_auth_free(a);
}

/* The table: serial n has slot n % XS_AUTH_NONCES_MAX.  A used nonce whose
 * slot a later nonce has taken is refused as stale (its counts are
 * forgotten, so it may not be trusted); so is a nonce first used after a
 * later one took its slot.  Nonces in other slots are untouched. */
static void test_digest_table(void **state) {
  xs_auth *a = store();
  char first[128], second[128], nonce[128], late[128];
  bool stale;
  fresh_nonce(a, 1000, first);  /* serial 1 */
  fresh_nonce(a, 1000, second); /* serial 2 */
  fresh_nonce(a, 1000, late);   /* serial 3, used only at the end */
  assert_int_equal(use(a, "strong-password", first, 1, 1001, &stale), XS_ROLE_ADMIN);
  assert_int_equal(use(a, "strong-password", second, 1, 1001, &stale), XS_ROLE_ADMIN);
  for (int i = 4; i <= XS_AUTH_NONCES_MAX; i++) fresh_nonce(a, 1002, nonce);
  fresh_nonce(a, 1002, nonce); /* serial MAX + 1, first's slot; unused, so first still goes */
  assert_int_equal(use(a, "strong-password", first, 2, 1003, &stale), XS_ROLE_ADMIN);
  assert_int_equal(use(a, "strong-password", nonce, 1, 1004, &stale), XS_ROLE_ADMIN);
  assert_int_equal(use(a, "strong-password", first, 3, 1005, &stale), XS_ROLE_NONE);
  assert_true(stale);
  assert_int_equal(use(a, "strong-password", first, 1, 1005, &stale), XS_ROLE_NONE);
  assert_true(stale);
  assert_int_equal(use(a, "strong-password", second, 2, 1006, &stale), XS_ROLE_ADMIN);
  assert_int_equal(use(a, "strong-password", nonce, 2, 1007, &stale), XS_ROLE_ADMIN);
  fresh_nonce(a, 1008, nonce); /* MAX + 2, second's slot, never used */
  assert_int_equal(use(a, "strong-password", second, 3, 1008, &stale), XS_ROLE_ADMIN);
  fresh_nonce(a, 1008, nonce); /* MAX + 3, late's slot, used before late */
  assert_int_equal(use(a, "strong-password", nonce, 1, 1009, &stale), XS_ROLE_ADMIN);
  assert_int_equal(use(a, "strong-password", late, 1, 1010, &stale), XS_ROLE_NONE);
  assert_true(stale);
  xs_auth_free(a);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_identities_file),
      cmocka_unit_test(test_basic),
      cmocka_unit_test(test_challenges),
      cmocka_unit_test(test_digest),
      cmocka_unit_test(test_digest_counts),
      cmocka_unit_test(test_digest_expiry),
      cmocka_unit_test(test_digest_table),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
