/*
 * test_rest.c - the REST layer: the HTTP parser (every split offset,
 * pipelining and back-pressure, limits and their statuses, keep-alive), the
 * response writer, and the router on keycloak-ha - the seed-000 runbook
 * ("Recover from an out-of-sync passive site") as REST calls after a
 * partition, asserting every body, then error cases with exact statuses and
 * bodies (reference infinispan-xsite.md 3.2, interfaces.md 2), roles,
 * trailing slashes and deprecated paths, entries, container info, metrics
 * and the /sim/v1 control API.
 *
 * Requests are built in process, as the CLI and the harness will build
 * them; the router does not know the difference from a socket.
 */
#include "test_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_parse.h"
#include "rest.h"

#define BODY_MAX (256 * 1024)

/* ------------------------------------------------------------------------ */
/* Calling the router                                                         */

typedef struct answer {
  bool done;
  int status;
  char ctype[128];
  char body[BODY_MAX];
  size_t len;
  char hdr[4][2][128];
  int nhdr;
} answer;

static void answer_cb(void *ud, const xs_http_response *r) {
  answer *a = ud;
  assert_false(a->done); /* exactly once */
  a->done = true;
  a->status = r->status;
  snprintf(a->ctype, sizeof a->ctype, "%s", r->content_type ? r->content_type : "");
  assert_true(r->body_len < sizeof a->body);
  if (r->body_len) memcpy(a->body, r->body, r->body_len);
  a->body[r->body_len] = 0;
  a->len = r->body_len;
  for (int i = 0; i < r->nheaders && i < 4; i++) {
    snprintf(a->hdr[i][0], sizeof a->hdr[i][0], "%s", r->headers[i].name);
    snprintf(a->hdr[i][1], sizeof a->hdr[i][1], "%s", r->headers[i].value);
    a->nhdr = i + 1;
  }
}

typedef struct req_opts {
  xs_role role;
  const char *body;
  const char *h1, *v1; /* one extra header */
  const char *h2, *v2;
} req_opts;

static answer *ans; /* one answer buffer, reused (BODY_MAX is large) */

/* Sends one request and runs the simulation until it is answered. */
static answer *call_o(xs_rest *r, const char *method, const char *target, req_opts o) {
  xs_http_request *req = xs_http_request_new(method, target);
  if (!req) fail_msg("malformed target %s", target);
  req->role = o.role;
  snprintf(req->principal, sizeof req->principal, "%s",
           o.role == XS_ROLE_ADMIN ? "developer" : o.role == XS_ROLE_APP ? "app" : "");
  if (o.body) assert_int_equal(xs_http_request_set_body(req, o.body, strlen(o.body)), 0);
  if (o.h1) assert_int_equal(xs_http_request_add_header(req, o.h1, o.v1), 0);
  if (o.h2) assert_int_equal(xs_http_request_add_header(req, o.h2, o.v2), 0);
  memset(ans, 0, sizeof *ans);
  int rc = xs_rest_handle(r, req, answer_cb, ans);
  xs_http_request_free(req);
  assert_true(rc == 0 || rc == 1);
  assert_int_equal(rc == 0, ans->done);
  xs_sim *sim = xs_rest_sim(r);
  xs_ms limit = xs_sim_now(sim) + XT_RUN_LIMIT_MS;
  while (!ans->done && xs_sim_next_time(sim) <= limit) xs_sim_step(sim);
  if (!ans->done) fail_msg("%s %s never answered", method, target);
  return ans;
}

static answer *call(xs_rest *r, const char *method, const char *target) {
  return call_o(r, method, target, (req_opts){.role = XS_ROLE_ADMIN});
}

static bool starts_with(const char *s, const char *prefix) { return strncmp(s, prefix, strlen(prefix)) == 0; }

/* Asserts status and exact body. */
static void expect(const answer *a, int status, const char *body) {
  if (a->status != status || strcmp(a->body, body) != 0)
    fail_msg("got %d '%s', want %d '%s'", a->status, a->body, status, body);
}

static void expect_call(xs_rest *r, const char *method, const char *target, int status, const char *body) {
  expect(call(r, method, target), status, body);
}

/* ------------------------------------------------------------------------ */
/* A keycloak-ha simulation with a router per site                           */

typedef struct world {
  xs_sim *sim;
  xs_rest *a, *b;
} world;

static world *world_new(void) {
  world *w = test_calloc(1, sizeof *w);
  w->sim = xt_sim("keycloak-ha", 0x1af28cff71e8a198ull);
  w->a = xs_rest_new(w->sim, xt_site(w->sim, "site-a"), NULL);
  w->b = xs_rest_new(w->sim, xt_site(w->sim, "site-b"), NULL);
  assert_non_null(w->a);
  assert_non_null(w->b);
  return w;
}

static void world_free(world *w) {
  xt_settle(w->sim);
  assert_int_equal(xs_rest_pending(w->a), 0);
  assert_int_equal(xs_rest_pending(w->b), 0);
  xs_rest_free(w->a);
  xs_rest_free(w->b);
  xs_sim_free(w->sim);
  test_free(w);
}

static int group_setup(void **state) {
  ans = malloc(sizeof *ans);
  return ans ? 0 : -1;
}

static int group_teardown(void **state) {
  free(ans);
  return 0;
}

#define NCACHES 8
static const char *const caches[NCACHES] = {
    "actionTokens", "authenticationSessions", "clientSessions", "loginFailures",
    "offlineClientSessions", "offlineSessions", "sessions", "work",
};

/* Every "all caches" answer on keycloak-ha: Infinispan 16's HashMap order. */
#define ALL_OK                                                                                   \
  "{\"offlineClientSessions\":\"ok\",\"authenticationSessions\":\"ok\",\"sessions\":\"ok\","     \
  "\"clientSessions\":\"ok\",\"work\":\"ok\",\"offlineSessions\":\"ok\",\"actionTokens\":\"ok\"," \
  "\"loginFailures\":\"ok\"}"

/* ------------------------------------------------------------------------ */
/* HTTP parser                                                                */

/* A one-line summary of a request, to compare parses. */
static void summarize(const xs_http_request *q, char *out, size_t len) {
  int n = snprintf(out, len, "%s|%s|%d|", q->method_name, q->path, q->trailing_slash);
  for (size_t i = 0; i < q->nsegs; i++) n += snprintf(out + n, len - (size_t)n, "[%s]", q->segs[i]);
  n += snprintf(out + n, len - (size_t)n, "|");
  for (size_t i = 0; i < q->nquery; i++)
    n += snprintf(out + n, len - (size_t)n, "%s=%s;", q->query[i].name, q->query[i].value);
  n += snprintf(out + n, len - (size_t)n, "|");
  for (size_t i = 0; i < q->nheaders; i++)
    n += snprintf(out + n, len - (size_t)n, "%s:%s;", q->headers[i].name, q->headers[i].value);
  snprintf(out + n, len - (size_t)n, "|%zu:%s|%d", q->body_len, (const char *)q->body, q->keep_alive);
}

#define SUMS_MAX 8
typedef char summary[512];

static int drain(xs_http_parser *p, summary *out, int n) {
  xs_http_request *q;
  while ((q = xs_http_parser_next(p))) {
    assert_true(n < SUMS_MAX);
    summarize(q, out[n++], sizeof out[0]);
    xs_http_request_free(q);
  }
  return n;
}

/* Feeds data[0..len) in pieces ending at the given cut points, taking the
 * requests as they complete; returns how many there were. */
static int parse_pieces(const char *data, size_t len, const size_t *cuts, int ncuts, summary *out) {
  xs_http_parser *p = xs_http_parser_new(NULL);
  int n = 0;
  size_t off = 0;
  for (int i = 0; i <= ncuts; i++) {
    size_t end = i < ncuts ? cuts[i] : len;
    while (off < end) {
      int64_t c = xs_http_parser_feed(p, data + off, end - off);
      assert_true(c >= 0);
      off += (size_t)c;
      int before = n;
      n = drain(p, out, n);
      if (c == 0 && n == before) fail_msg("parser stalled at %zu", off);
    }
  }
  assert_int_equal(xs_http_parser_error(p, NULL), 0);
  assert_int_equal(xs_http_parser_finish(p), 0);
  xs_http_parser_free(p);
  return n;
}

static const char stream3[] =
    "GET /rest/v2/caches/my%20cache/a%2Fb?action=keys&limit=5&x=a+b%26c HTTP/1.1\r\n"
    "Host: h\r\nX-Empty:\r\nX-Pad: v  \r\n\r\n"
    "PUT /rest/v2/caches/c/k HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n"
    "Content-Type: text/plain\r\n\r\nhello"
    "POST /x/ HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
    "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n";

/* The same three pipelined requests whatever the read boundaries: split at
 * every offset, and fed one byte at a time. */
static void test_parser_every_split(void **state) {
  summary whole[SUMS_MAX], part[SUMS_MAX];
  size_t len = sizeof stream3 - 1;
  assert_int_equal(parse_pieces(stream3, len, NULL, 0, whole), 3);
  assert_string_equal(whole[0],
                      "GET|/rest/v2/caches/my cache/a/b|0|[rest][v2][caches][my cache][a/b]|"
                      "action=keys;limit=5;x=a b&c;|Host:h;X-Empty:;X-Pad:v;|0:|1");
  assert_string_equal(whole[1],
                      "PUT|/rest/v2/caches/c/k|0|[rest][v2][caches][c][k]||"
                      "Host:h;Content-Length:5;Content-Type:text/plain;|5:hello|1");
  assert_string_equal(whole[2], "POST|/x/|1|[x]||Host:h;Transfer-Encoding:chunked;|5:abcde|1");
  for (size_t k = 0; k <= len; k++) {
    assert_int_equal(parse_pieces(stream3, len, &k, 1, part), 3);
    for (int i = 0; i < 3; i++) assert_string_equal(part[i], whole[i]);
  }
  size_t cuts[sizeof stream3];
  for (size_t k = 0; k < len; k++) cuts[k] = k + 1;
  assert_int_equal(parse_pieces(stream3, len, cuts, (int)len - 1, part), 3);
  for (int i = 0; i < 3; i++) assert_string_equal(part[i], whole[i]);
}

/* With room for two parsed requests, a burst of five is taken two at a
 * time: feed() consumes only what fits, the rest waits for the caller. */
static void test_parser_pipeline_backpressure(void **state) {
  xs_http_limits lim;
  xs_http_limits_default(&lim);
  lim.pipeline_max = 2;
  xs_http_parser *p = xs_http_parser_new(&lim);
  char data[512] = "";
  for (int i = 0; i < 5; i++)
    snprintf(data + strlen(data), sizeof data - strlen(data), "GET /r%d HTTP/1.1\r\nHost: h\r\n\r\n", i);
  size_t len = strlen(data), off = 0;
  int seen = 0, rounds = 0;
  while (off < len) {
    int64_t c = xs_http_parser_feed(p, data + off, len - off);
    assert_true(c >= 0);
    off += (size_t)c;
    assert_true(xs_http_parser_queued(p) <= 2);
    if (xs_http_parser_queued(p) == 2) assert_int_equal(xs_http_parser_feed(p, data + off, len - off), 0);
    xs_http_request *q;
    while ((q = xs_http_parser_next(p))) {
      char want[8];
      snprintf(want, sizeof want, "r%d", seen++);
      assert_string_equal(q->segs[0], want);
      xs_http_request_free(q);
    }
    rounds++;
  }
  assert_int_equal(seen, 5);
  assert_int_equal(rounds, 3);
  xs_http_parser_free(p);
}

/* Feeds a whole stream once; returns the parser (caller frees). */
static xs_http_parser *feed_once(const xs_http_limits *lim, const char *data, size_t len, int64_t *rc) {
  xs_http_parser *p = xs_http_parser_new(lim);
  *rc = xs_http_parser_feed(p, data, len);
  return p;
}

static void expect_parse_error(const xs_http_limits *lim, const char *data, size_t len, int status,
                               size_t queued_before) {
  int64_t rc;
  xs_http_parser *p = feed_once(lim, data, len, &rc);
  const char *why;
  assert_int_equal(rc, XS_EINVAL);
  assert_int_equal(xs_http_parser_error(p, &why), status);
  assert_true(*why);
  assert_int_equal(xs_http_parser_queued(p), queued_before);
  assert_int_equal(xs_http_parser_feed(p, "GET / HTTP/1.1\r\n\r\n", 18), XS_EINVAL);
  xs_http_parser_free(p);
}

/* Each limit answers with its status; requests completed before the bad
 * one stay queued, to be answered first. */
static void test_parser_limits(void **state) {
  xs_http_limits lim;
  xs_http_limits_default(&lim);
  lim.request_line_max = 64;
  lim.header_bytes_max = 64;
  lim.headers_max = 3;
  lim.body_max = 10;
  char buf[1024];
  const char *s;
  snprintf(buf, sizeof buf, "GET /%0100d HTTP/1.1\r\n\r\n", 0);
  expect_parse_error(&lim, buf, strlen(buf), 414, 0);
  snprintf(buf, sizeof buf, "GET / HTTP/1.1\r\nX-Big: %070d\r\n\r\n", 0);
  expect_parse_error(&lim, buf, strlen(buf), 431, 0);
  snprintf(buf, sizeof buf, "GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n");
  expect_parse_error(&lim, buf, strlen(buf), 431, 0);
  snprintf(buf, sizeof buf, "GET /ok HTTP/1.1\r\n\r\nPUT /x HTTP/1.1\r\nContent-Length: 11\r\n\r\n");
  expect_parse_error(&lim, buf, strlen(buf), 413, 1);
  snprintf(buf, sizeof buf, "PUT /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n12345678\r\n8\r\n");
  snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "12345678\r\n0\r\n\r\n");
  expect_parse_error(&lim, buf, strlen(buf), 413, 0);
  static const char *const bad[] = {"\x16\x03\x01garbage\r\n\r\n", "GET /a%zz HTTP/1.1\r\n\r\n",
                                    "GET /a%00 HTTP/1.1\r\n\r\n", "GET nopath HTTP/1.1\r\n\r\n",
                                    "GET / HTTP/1.1\r\nContent-Length: x\r\n\r\n"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) expect_parse_error(NULL, bad[i], strlen(bad[i]), 400, 0);
  s = "GET /ok HTTP/1.1\r\n\r\nGET / HTTP/1.1\r\nBad Header\r\n\r\n";
  expect_parse_error(NULL, s, strlen(s), 400, 1);
}

/* HTTP/1.0 and "Connection: close" end the connection: what follows the
 * request is not consumed.  A request cut by EOF is dropped. */
static void test_parser_keepalive_and_eof(void **state) {
  int64_t rc;
  const char *s = "GET /a HTTP/1.0\r\n\r\nGET /b HTTP/1.1\r\n\r\n";
  xs_http_parser *p = feed_once(NULL, s, strlen(s), &rc);
  assert_int_equal(rc, 19);
  assert_true(xs_http_parser_closing(p));
  xs_http_request *q = xs_http_parser_next(p);
  assert_false(q->keep_alive);
  assert_int_equal(q->http_minor, 0);
  xs_http_request_free(q);
  assert_int_equal(xs_http_parser_feed(p, s + 19, strlen(s) - 19), 0);
  xs_http_parser_free(p);

  s = "GET /a HTTP/1.1\r\nConnection: close\r\n\r\nGET /b";
  p = feed_once(NULL, s, strlen(s), &rc);
  assert_int_equal(rc, 38);
  q = xs_http_parser_next(p);
  assert_false(q->keep_alive);
  xs_http_request_free(q);
  assert_int_equal(xs_http_parser_finish(p), 0); /* "GET /b" was never taken */
  xs_http_parser_free(p);

  s = "PUT /a HTTP/1.1\r\nContent-Length: 10\r\nExpect: 100-continue\r\n\r\nabc";
  p = feed_once(NULL, s, strlen(s), &rc);
  assert_int_equal(rc, (int64_t)strlen(s));
  assert_true(xs_http_parser_take_continue(p));
  assert_false(xs_http_parser_take_continue(p));
  assert_int_equal(xs_http_parser_finish(p), XS_EINVAL);
  assert_int_equal(xs_http_parser_queued(p), 0);
  xs_http_parser_free(p);

  /* An Upgrade (h2c) is ignored: the request is answered as HTTP/1.1. */
  s = "GET /u HTTP/1.1\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n\r\nGET /v HTTP/1.1\r\n\r\n";
  p = feed_once(NULL, s, strlen(s), &rc);
  assert_int_equal(rc, (int64_t)strlen(s));
  assert_int_equal(xs_http_parser_queued(p), 2);
  xs_http_parser_free(p);
}

static void test_request_builder(void **state) {
  xs_http_request *q = xs_http_request_new("POST", "/rest/v2/caches/c/k%C3%A9y/?action=clear&flag");
  assert_non_null(q);
  assert_int_equal(q->method, XS_HTTP_POST);
  assert_int_equal(q->nsegs, 5);
  assert_string_equal(q->segs[4], "k\xc3\xa9y");
  assert_true(q->trailing_slash);
  assert_string_equal(xs_http_query(q, "action"), "clear");
  assert_string_equal(xs_http_query(q, "flag"), "");
  assert_null(xs_http_query(q, "nope"));
  assert_int_equal(xs_http_request_add_header(q, "Flags", "SKIP_XSITE_BACKUP"), 0);
  assert_string_equal(xs_http_header(q, "flags"), "SKIP_XSITE_BACKUP");
  xs_http_request_free(q);
  assert_null(xs_http_request_new("GET", "no-slash"));
  assert_null(xs_http_request_new("GET", "/bad%2"));
  q = xs_http_request_new("GET", "http://host:11222/rest/v2/server");
  assert_non_null(q);
  assert_string_equal(q->path, "/rest/v2/server");
  xs_http_request_free(q);
}

static void test_response_write(void **state) {
  xs_buf b;
  xs_buf_init(&b, 4096);
  xs_http_response r = {200, "application/json", "{\"a\":1}", 7, 1, {{"etag", "\"1\""}}};
  xs_http_response_write(&b, &r, false, true);
  assert_string_equal(xs_buf_cstr(&b),
                      "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\netag: \"1\"\r\n"
                      "content-length: 7\r\nconnection: keep-alive\r\n\r\n{\"a\":1}");
  xs_buf_reset(&b);
  xs_http_response_write(&b, &r, true, false);
  assert_string_equal(xs_buf_cstr(&b),
                      "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\netag: \"1\"\r\n"
                      "content-length: 7\r\nconnection: close\r\n\r\n");
  xs_buf_reset(&b);
  xs_http_response e;
  xs_http_error_response(204, &e);
  xs_http_response_write(&b, &e, false, true);
  assert_string_equal(xs_buf_cstr(&b), "HTTP/1.1 204 No Content\r\nconnection: keep-alive\r\n\r\n");
  xs_buf_reset(&b);
  xs_http_error_response(413, &e);
  xs_http_response_write(&b, &e, false, false);
  assert_string_equal(xs_buf_cstr(&b),
                      "HTTP/1.1 413 Request Entity Too Large\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
  xs_buf_free(&b);
}

/* ------------------------------------------------------------------------ */
/* The seed-000 runbook over REST                                             */

static void put_entry(xs_rest *r, const char *cache, const char *key, const char *value) {
  char target[256];
  snprintf(target, sizeof target, "/rest/v2/caches/%s/%s", cache, key);
  answer *a = call_o(r, "PUT", target, (req_opts){.role = XS_ROLE_APP, .body = value,
                                                  .h1 = "Content-Type", .v1 = "text/plain"});
  expect(a, 204, "");
}

static void delete_entry(xs_rest *r, const char *cache, const char *key) {
  char target[256];
  snprintf(target, sizeof target, "/rest/v2/caches/%s/%s", cache, key);
  expect(call_o(r, "DELETE", target, (req_opts){.role = XS_ROLE_APP}), 204, "");
}

/* Both sites take sessions while the link is up (SYNC backups). */
static void before_split(world *w) {
  char key[64], val[64];
  for (int i = 0; i < NCACHES; i++) {
    for (int k = 0; k < 4; k++) {
      snprintf(key, sizeof key, "a-%d", k);
      snprintf(val, sizeof val, "user-a-%d", k);
      put_entry(w->a, caches[i], key, val);
      snprintf(key, sizeof key, "b-%d", k);
      snprintf(val, sizeof val, "user-b-%d", k);
      put_entry(w->b, caches[i], key, val);
    }
  }
}

/* The split; a write on site-b fails after the 13 s backup timeout, the
 * primary's view drops site-b (SiteOffline fires) and the fencing takes
 * site-b offline on site-a with the all-caches call. */
static void split_and_fence(world *w) {
  char want[512];
  snprintf(want, sizeof want,
           "{\"time_ms\":%lld,\"links\":[{\"from\":\"site-a\",\"to\":\"site-b\",\"up\":false},"
           "{\"from\":\"site-b\",\"to\":\"site-a\",\"up\":false}]}",
           (long long)xs_sim_now(w->sim));
  expect_call(w->a, "POST", "/sim/v1/partition?sites=site-a,site-b", 200, want);
  xs_ms t0 = xs_sim_now(w->sim);
  answer *a = call_o(w->b, "PUT", "/rest/v2/caches/sessions/b-split",
                     (req_opts){.role = XS_ROLE_APP, .body = "stray"});
  assert_int_equal(a->status, 500);
  assert_string_equal(a->ctype, "text/plain");
  assert_true(strncmp(a->body, "ISPN000709: ", 12) == 0);
  assert_non_null(strstr(a->body, "ISPN000476"));
  assert_int_equal(xs_sim_now(w->sim) - t0, 13000);
  expect_call(w->b, "GET", "/rest/v2/caches/sessions/b-split", 404, "");
  /* The failure detector needs 15 s without news from site-b. */
  a = call(w->a, "POST", "/sim/v1/clock?advance_ms=5000");
  snprintf(want, sizeof want, "{\"time_ms\":%lld,", (long long)t0 + 18000);
  assert_int_equal(a->status, 200);
  assert_true(strncmp(a->body, want, strlen(want)) == 0);
  a = call(w->a, "GET", "/metrics");
  assert_non_null(strstr(a->body, "vendor_jgroups_site_view_status{cache_manager=\"default\",node=\""));
  assert_non_null(strstr(a->body, "\",site=\"site-b\"} 0.0\n"));
  assert_non_null(strstr(call(w->a, "GET", "/rest/v2/container")->body, "\"sites_view\":[\"site-a\"]"));
  expect_call(w->a, "POST", "/rest/v2/container/x-site/backups/site-b?action=take-offline", 200, ALL_OK);
  expect_call(w->a, "GET", "/rest/v2/container/x-site/backups/site-b", 200, "{\"status\":\"offline\"}");
}

/* site-a serves alone: new sessions, refreshes and logouts, none sent to
 * the offline site-b. */
static void primary_alone(world *w) {
  char key[64];
  for (int i = 0; i < NCACHES; i++) {
    for (int k = 0; k < 3; k++) {
      snprintf(key, sizeof key, "a2-%d", k);
      put_entry(w->a, caches[i], key, "during-split");
    }
    put_entry(w->a, caches[i], "a-1", "refreshed");
    delete_entry(w->a, caches[i], "a-2");
    delete_entry(w->a, caches[i], "b-3");
  }
}

/* Runs clock steps of 1 s until every cache reports {"site-b":"OK"}. */
static void wait_push_ok(world *w) {
  for (int round = 0; round < 600; round++) {
    int ok = 0;
    for (int i = 0; i < NCACHES; i++) {
      char target[256];
      snprintf(target, sizeof target, "/rest/v2/caches/%s/x-site/backups?action=push-state-status", caches[i]);
      answer *a = call(w->a, "GET", target);
      assert_int_equal(a->status, 200);
      assert_string_equal(a->ctype, "application/json");
      assert_string_not_equal(a->body, "{\"site-b\":\"ERROR\"}");
      ok += strcmp(a->body, "{\"site-b\":\"OK\"}") == 0;
    }
    if (ok == NCACHES) return;
    assert_int_equal(call(w->a, "POST", "/sim/v1/clock?advance_ms=1000")->status, 200);
  }
  fail_msg("push-state never finished");
}

/* Both sites end with what site-a held: same size, same keys, same values. */
static void assert_sites_equal(world *w) {
  char keys_a[8192], target[256];
  for (int i = 0; i < NCACHES; i++) {
    snprintf(target, sizeof target, "/rest/v2/caches/%s?action=size", caches[i]);
    expect_call(w->a, "GET", target, 200, "9");
    expect_call(w->b, "GET", target, 200, "9");
    snprintf(target, sizeof target, "/rest/v2/caches/%s?action=keys", caches[i]);
    snprintf(keys_a, sizeof keys_a, "%s", call(w->a, "GET", target)->body);
    for (int k = 0; k < 3; k++) {
      snprintf(target, sizeof target, "/rest/v2/caches/%s/a2-%d", caches[i], k);
      expect_call(w->b, "GET", target, 200, "during-split");
    }
    snprintf(target, sizeof target, "/rest/v2/caches/%s/a-1", caches[i]);
    expect_call(w->b, "GET", target, 200, "refreshed");
    snprintf(target, sizeof target, "/rest/v2/caches/%s/a-2", caches[i]);
    expect_call(w->b, "GET", target, 404, "");
    snprintf(target, sizeof target, "/rest/v2/caches/%s/b-3", caches[i]);
    expect_call(w->b, "GET", target, 404, "");
    char diff[128];
    if (xs_cache_equal(w->sim, xt_cache(w->sim, caches[i]), 0, 1, diff, sizeof diff) != 1)
      fail_msg("%s differs: %s", caches[i], diff);
  }
}

/* Chapter 11, every command as its REST call, every body as Infinispan 16
 * sends it (the CLI pretty-prints these). */
static void test_runbook000_over_rest(void **state) {
  world *w = world_new();
  before_split(w);
  split_and_fence(w);
  primary_alone(w);
  assert_non_null(strstr(call(w->a, "POST", "/sim/v1/heal")->body, "\"to\":\"site-a\",\"up\":true}"));
  assert_int_equal(call(w->a, "POST", "/sim/v1/clock?advance_ms=300000")->status, 200);
  assert_non_null(strstr(call(w->b, "GET", "/rest/v2/container")->body, "\"sites_view\":[\"site-a\",\"site-b\"]"));
  /* On the secondary site-b. */
  expect_call(w->b, "POST", "/rest/v2/container/x-site/backups/site-a?action=take-offline", 200, ALL_OK);
  expect_call(w->b, "GET", "/rest/v2/container/x-site/backups/site-a", 200, "{\"status\":\"offline\"}");
  for (int i = 0; i < NCACHES; i++) {
    char target[256];
    snprintf(target, sizeof target, "/rest/v2/caches/%s?action=clear", caches[i]);
    answer *a = call(w->b, "POST", target);
    expect(a, 204, "");
    assert_string_equal(a->ctype, "");
  }
  expect_call(w->b, "POST", "/rest/v2/container/x-site/backups/site-a?action=bring-online", 200, ALL_OK);
  expect_call(w->b, "GET", "/rest/v2/container/x-site/backups/site-a", 200, "{\"status\":\"online\"}");
  /* On the primary site-a. */
  answer *a = call(w->a, "POST", "/rest/v2/container/x-site/backups/site-b?action=start-push-state");
  expect(a, 200, ALL_OK);
  assert_string_equal(a->ctype, "application/json");
  expect_call(w->a, "GET", "/rest/v2/container/x-site/backups/site-b", 200, "{\"status\":\"online\"}");
  wait_push_ok(w);
  for (int i = 0; i < NCACHES; i++) {
    char target[256];
    snprintf(target, sizeof target, "/rest/v2/caches/%s/x-site/local?action=clear-push-state-status", caches[i]);
    expect_call(w->a, "POST", target, 200, "\"ok\"");
    snprintf(target, sizeof target, "/rest/v2/caches/%s/x-site/backups?action=push-state-status", caches[i]);
    expect_call(w->a, "GET", target, 200, "{\"site-b\":\"IDLE\"}");
  }
  assert_sites_equal(w);
  world_free(w);
}

/* ------------------------------------------------------------------------ */
/* Errors                                                                     */

typedef struct err_case {
  const char *method, *target;
  req_opts o;
  int status;
  const char *body; /* exact, or a prefix when it ends with '*' */
} err_case;

#define ADMIN_O(...) ((req_opts){.role = XS_ROLE_ADMIN, __VA_ARGS__})

static void check_case(const err_case *e, const answer *a) {
  size_t n = strlen(e->body);
  bool prefix = n && e->body[n - 1] == '*';
  bool ok = a->status == e->status &&
            (prefix ? strncmp(a->body, e->body, n - 1) == 0 : strcmp(a->body, e->body) == 0);
  if (!ok) fail_msg("%s %s: got %d '%s', want %d '%s'", e->method, e->target, a->status, a->body, e->status, e->body);
}

/* Error statuses and bodies as reference 3.2 and interfaces.md 2 give them. */
static void test_error_cases(void **state) {
  world *w = world_new();
  put_entry(w->a, "sessions", "here", "v");
  static const char toc[] = "/rest/v2/caches/sessions/x-site/backups/site-b/take-offline-config";
  static const char stm[] = "/rest/v2/caches/sessions/x-site/backups/site-b/state-transfer-mode?action=set";
  const err_case cases[] = {
      {"GET", "/rest/v2/caches/nope/x-site/backups/", ADMIN_O(0), 404,
       "ISPN012010: Cache with name 'nope' not found amongst the configured caches"},
      {"GET", "/rest/v2/caches/nope/k", ADMIN_O(0), 404,
       "ISPN012010: Cache with name 'nope' not found amongst the configured caches"},
      {"POST", "/rest/v2/caches/nope?action=clear", ADMIN_O(0), 404,
       "ISPN012010: Cache with name 'nope' not found amongst the configured caches"},
      {"GET", "/rest/v2/caches/respCache/x-site/backups/", ADMIN_O(0), 404,
       "Cache 'respCache' does not have backup sites."},
      {"POST", "/rest/v2/caches/sessions/x-site/backups/site-x?action=take-offline", ADMIN_O(0), 404,
       "Cache 'sessions' does not backup to site 'site-x'"},
      {"GET", "/rest/v2/caches/sessions/x-site/backups/site-a", ADMIN_O(0), 404,
       "Cache 'sessions' does not backup to site 'site-a'"},
      {"GET", "/rest/v2/caches/work/x-site/backups/NOT_A_SITE/state-transfer-mode", ADMIN_O(0), 404,
       "Cache 'work' does not backup to site 'NOT_A_SITE'"},
      {"GET", "/rest/v2/container/x-site/backups/site-x", ADMIN_O(0), 404, ""},
      {"PUT", toc, ADMIN_O(0), 400, "ISPN012031: Method requires content"},
      {"PUT", toc, ADMIN_O(.body = "{\"after_failures\":"), 400, "Invalid JSON: *"},
      {"PUT", toc, ADMIN_O(.body = "{\"after_failures\":3}"), 400,
       "ISPN012044: Missing at least one argument in '[min_wait, after_failures]'"},
      {"PUT", toc, ADMIN_O(.body = "{\"after_failures\":0,\"min_wait\":0}"), 304, ""},
      {"POST", stm, ADMIN_O(0), 400, "ISPN012040: Missing required argument 'mode'"},
      {"POST", "/rest/v2/caches/nope/x-site/backups/site-b/state-transfer-mode?action=set", ADMIN_O(0), 400,
       "ISPN012040: Missing required argument 'mode'"},
      {"POST", "/rest/v2/caches/sessions/x-site/backups/site-b/state-transfer-mode?action=set&mode=AUTO",
       ADMIN_O(0), 400, "ISPN000634: Cross-site automatic state transfer is not compatible with SYNC backup strategy."},
      {"POST", "/rest/v2/caches/sessions/x-site/backups/site-b/state-transfer-mode?action=set&mode=BOGUS",
       ADMIN_O(0), 400, "No enum constant org.infinispan.configuration.cache.XSiteStateTransferMode.BOGUS"},
      {"POST", "/rest/v2/caches/sessions/x-site/backups/site-b/state-transfer-mode?action=set&mode=MANUAL",
       ADMIN_O(0), 304, ""},
      {"GET", "/rest/v2/container/x-site/backups/site-b", (req_opts){.role = XS_ROLE_NONE}, 401, ""},
      {"GET", "/rest/v2/container/x-site/backups/site-b", (req_opts){.role = XS_ROLE_APP}, 403,
       "ISPN000287: Unauthorized access: subject 'Subject with principal(s): [app]' lacks 'ADMIN' permission"},
      {"POST", "/rest/v2/caches/sessions/here", ADMIN_O(.body = "x"), 409, "An entry already exists"},
      {"GET", "/rest/v2/caches/sessions/missing", ADMIN_O(0), 404, ""},
      {"DELETE", "/rest/v2/caches/sessions/missing", ADMIN_O(0), 404, ""},
      {"GET", "/rest/v2/caches/sessions?action=", ADMIN_O(0), 400, "Invalid action"},
      {"GET", "/rest/v2/caches/sessions?action=bogus", ADMIN_O(0), 404, ""},
      {"GET", "/rest/v2/no/such/route", (req_opts){.role = XS_ROLE_NONE}, 404, ""},
      {"PATCH", "/rest/v2/caches/sessions/here", ADMIN_O(0), 404, ""},
      {"PUT", "/rest/v2/caches/sessions/k", ADMIN_O(.body = "v", .h1 = "timeToLiveSeconds", .v1 = "abc"), 400,
       "For input string: \"abc\""},
      {"POST", "/rest/v2/caches/sessions?action=clear", ADMIN_O(.h1 = "flags", .v1 = "SKIP_XSITE_BACKUP,BOGUS"),
       400, "No enum constant org.infinispan.context.Flag.BOGUS"},
      {"GET", "/rest/v2/cache-managers/other", ADMIN_O(0), 404, ""},
      {"POST", "/sim/v1/sites/site-x?action=crash", ADMIN_O(0), 404, "{\"error\":\"unknown site 'site-x'\"}"},
      {"POST", "/sim/v1/partition?sites=site-a", ADMIN_O(0), 400,
       "{\"error\":\"'sites' must name two sites: sites=site-a,site-b\"}"},
      {"POST", "/sim/v1/clock?advance_ms=-5", ADMIN_O(0), 400, "{\"error\":\"advance_ms must be an integer >= 0\"}"},
      {"GET", "/sim/v1/state", (req_opts){.role = XS_ROLE_APP}, 403, "ISPN000287: *"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
    check_case(&cases[i], call_o(w->a, cases[i].method, cases[i].target, cases[i].o));
  /* Error bodies are text/plain; our own API's are JSON. */
  assert_string_equal(call(w->a, "GET", "/rest/v2/caches/nope/k")->ctype, "text/plain");
  assert_string_equal(call(w->a, "POST", "/sim/v1/heal?x")->ctype, "application/json");
  world_free(w);
}

/* A cache operation whose result is not "ok" is 500 ISPN012047: a push to a
 * site cut off by a partition cannot start. */
static void test_site_operation_failed(void **state) {
  world *w = world_new();
  expect_call(w->a, "POST", "/sim/v1/partition?sites=site-a,site-b&direction=site-a-to-site-b", 200,
              "{\"time_ms\":0,\"links\":[{\"from\":\"site-a\",\"to\":\"site-b\",\"up\":false},"
              "{\"from\":\"site-b\",\"to\":\"site-a\",\"up\":true}]}");
  answer *a = call(w->a, "POST", "/rest/v2/caches/sessions/x-site/backups/site-b?action=start-push-state");
  assert_int_equal(a->status, 500);
  static const char prefix[] = "ISPN012047: Site operation on 'site-b' failed: 'Unable to pushState to 'site-b'. ";
  if (strncmp(a->body, prefix, strlen(prefix)) != 0) fail_msg("body: %s", a->body);
  /* The container-level form reports it per cache and answers 200. */
  a = call(w->a, "POST", "/rest/v2/container/x-site/backups/site-x?action=take-offline");
  expect(a, 200,
         "{\"offlineClientSessions\":\"Incorrect site name: site-x\",\"authenticationSessions\":\"Incorrect site "
         "name: site-x\",\"sessions\":\"Incorrect site name: site-x\",\"clientSessions\":\"Incorrect site name: "
         "site-x\",\"work\":\"Incorrect site name: site-x\",\"offlineSessions\":\"Incorrect site name: "
         "site-x\",\"actionTokens\":\"Incorrect site name: site-x\",\"loginFailures\":\"Incorrect site name: "
         "site-x\"}");
  xs_heal(w->sim);
  world_free(w);
}

/* ------------------------------------------------------------------------ */
/* Roles, paths, cache-level x-site                                           */

static void test_roles(void **state) {
  world *w = world_new();
  answer *a = call_o(w->a, "GET", "/rest/v2/container/health/status", (req_opts){.role = XS_ROLE_NONE});
  expect(a, 200, "HEALTHY");
  assert_string_equal(a->ctype, "text/plain");
  expect(call_o(w->a, "HEAD", "/rest/v2/container/health/status", (req_opts){.role = XS_ROLE_NONE}), 200, "");
  expect(call_o(w->a, "GET", "/rest/v2/cache-managers/default/health/status", (req_opts){0}), 200, "HEALTHY");
  static const char *const protected_routes[] = {
      "/rest/v2/container", "/rest/v2/server", "/rest/v2/caches", "/metrics", "/rest/v2/container/health",
      "/rest/v2/caches/sessions/k", "/rest/v2/caches/sessions?action=size", "/sim/v1/state",
  };
  for (size_t i = 0; i < sizeof protected_routes / sizeof *protected_routes; i++) {
    expect(call_o(w->a, "GET", protected_routes[i], (req_opts){.role = XS_ROLE_NONE}), 401, "");
    int want = strncmp(protected_routes[i], "/sim", 4) == 0 ? 403 : i == 5 ? 404 : 200;
    assert_int_equal(call_o(w->a, "GET", protected_routes[i], (req_opts){.role = XS_ROLE_APP})->status, want);
  }
  /* An application user reads and writes entries and clears, but runs no
   * x-site operation. */
  put_entry(w->a, "work", "k", "v");
  expect(call_o(w->a, "POST", "/rest/v2/caches/work?action=clear", (req_opts){.role = XS_ROLE_APP}), 204, "");
  static const char *const admin_only[] = {
      "/rest/v2/caches/work/x-site/backups/", "/rest/v2/container/x-site/backups/",
      "/rest/v2/caches/work/x-site/backups/site-b/take-offline-config",
  };
  for (size_t i = 0; i < sizeof admin_only / sizeof *admin_only; i++)
    assert_int_equal(call_o(w->a, "GET", admin_only[i], (req_opts){.role = XS_ROLE_APP})->status, 403);
  assert_int_equal(call_o(w->a, "POST", "/rest/v2/container/x-site/backups/site-b?action=take-offline",
                          (req_opts){.role = XS_ROLE_APP})->status, 403);
  expect_call(w->a, "GET", "/rest/v2/container/x-site/backups/site-b", 200, "{\"status\":\"online\"}");
  world_free(w);
}

/* Trailing slashes never matter; the deprecated cache-managers paths give
 * the same answers as the container ones. */
static void test_paths_and_slashes(void **state) {
  world *w = world_new();
  static const char *const same[][2] = {
      {"/rest/v2/container/x-site/backups", "/rest/v2/container/x-site/backups/"},
      {"/rest/v2/container/x-site/backups/site-b", "/rest/v2/container/x-site/backups/site-b/"},
      {"/rest/v2/cache-managers/default/x-site/backups/", "/rest/v2/container/x-site/backups"},
      {"/rest/v2/cache-managers/default/x-site/backups/site-b", "/rest/v2/container/x-site/backups/site-b"},
      {"/rest/v2/caches/sessions/x-site/backups", "/rest/v2/caches/sessions/x-site/backups/"},
      {"/rest/v2/container/", "/rest/v2/container"},
      {"/rest/v2/cache-managers/default", "/rest/v2/container"},
  };
  char first[BODY_MAX];
  for (size_t i = 0; i < sizeof same / sizeof *same; i++) {
    answer *a = call(w->a, "GET", same[i][0]);
    assert_int_equal(a->status, 200);
    snprintf(first, sizeof first, "%s", a->body);
    expect(call(w->a, "GET", same[i][1]), 200, first);
  }
  expect_call(w->a, "GET", "/rest/v2/container/x-site/backups/", 200, "{\"site-b\":{\"status\":\"online\"}}");
  expect_call(w->a, "GET", "/rest/v2/caches/sessions/x-site/backups/", 200, "{\"site-b\":{\"status\":\"online\"}}");
  expect_call(w->b, "GET", "/rest/v2/caches/sessions/x-site/backups/", 200, "{\"site-a\":{\"status\":\"online\"}}");
  expect_call(w->a, "POST", "/rest/v2/cache-managers/default/x-site/backups/site-b?action=take-offline", 200, ALL_OK);
  expect_call(w->a, "POST", "/rest/v2/container/x-site/backups/site-b/?action=bring-online", 200, ALL_OK);
  world_free(w);
}

/* Cache-level operations, statuses, per-node status, the mixed container
 * status, the take-offline configuration and the state-transfer mode. */
static void test_cache_level_xsite(void **state) {
  world *w = world_new();
  expect_call(w->a, "POST", "/rest/v2/caches/sessions/x-site/backups/site-b?action=take-offline", 200, "");
  expect_call(w->a, "GET", "/rest/v2/caches/sessions/x-site/backups/", 200, "{\"site-b\":{\"status\":\"offline\"}}");
  char want[1024];
  int n = snprintf(want, sizeof want, "{");
  for (int i = 0; i < 3; i++)
    n += snprintf(want + n, sizeof want - (size_t)n, "%s\"%s\":\"offline\"", i ? "," : "",
                  xs_sim_node_name(w->sim, 0, i));
  snprintf(want + n, sizeof want - (size_t)n, "}");
  expect_call(w->a, "GET", "/rest/v2/caches/sessions/x-site/backups/site-b", 200, want);
  expect_call(w->a, "GET", "/rest/v2/container/x-site/backups/site-b", 200,
              "{\"status\":\"mixed\",\"online\":[\"actionTokens\",\"authenticationSessions\",\"clientSessions\","
              "\"loginFailures\",\"offlineClientSessions\",\"offlineSessions\",\"work\"],\"offline\":[\"sessions\"],"
              "\"mixed\":[]}");
  expect_call(w->a, "POST", "/rest/v2/caches/sessions/x-site/backups/site-b?action=bring-online", 200, "");
  expect_call(w->a, "POST", "/rest/v2/caches/sessions/x-site/backups/site-b?action=cancel-push-state", 200, "");
  expect_call(w->b, "POST", "/rest/v2/caches/sessions/x-site/backups/site-a?action=cancel-receive-state", 200, "");
  static const char toc[] = "/rest/v2/caches/work/x-site/backups/site-b/take-offline-config";
  expect_call(w->a, "GET", toc, 200, "{\"after_failures\":0,\"min_wait\":0}");
  answer *a = call_o(w->a, "PUT", toc, ADMIN_O(.body = "{\"after_failures\":3,\"min_wait\":60000}"));
  expect(a, 204, "");
  expect_call(w->a, "GET", toc, 200, "{\"after_failures\":3,\"min_wait\":60000}");
  expect(call_o(w->a, "PUT", toc, ADMIN_O(.body = "{\"min_wait\":60000,\"after_failures\":3}")), 304, "");
  answer *m = call(w->a, "GET", "/rest/v2/caches/work/x-site/backups/site-b/state-transfer-mode");
  expect(m, 200, "\"MANUAL\"");
  assert_string_equal(m->ctype, "application/json");
  expect_call(w->a, "POST", "/rest/v2/caches/work/x-site/local?action=clear-push-state-status", 200, "\"ok\"");
  world_free(w);
}

/* ------------------------------------------------------------------------ */
/* Entries and cache actions                                                  */

static const char *header_of(const answer *a, const char *name) {
  for (int i = 0; i < a->nhdr; i++)
    if (strcmp(a->hdr[i][0], name) == 0) return a->hdr[i][1];
  return NULL;
}

static void test_entries(void **state) {
  world *w = world_new();
  put_entry(w->a, "sessions", "k1", "text");
  answer *a = call(w->b, "GET", "/rest/v2/caches/sessions/k1"); /* backed up */
  expect(a, 200, "text");
  assert_string_equal(a->ctype, "text/plain; charset=UTF-8");
  assert_non_null(header_of(a, "etag"));
  a = call(w->a, "HEAD", "/rest/v2/caches/sessions/k1");
  assert_int_equal(a->status, 200);
  expect(call_o(w->a, "PUT", "/rest/v2/caches/sessions/j", ADMIN_O(.body = "{\"a\":1}", .h1 = "Content-Type",
                                                                    .v1 = "application/json")), 204, "");
  a = call(w->a, "GET", "/rest/v2/caches/sessions/j");
  expect(a, 200, "{\"a\":1}");
  assert_string_equal(a->ctype, "application/json");
  expect(call_o(w->a, "PUT", "/rest/v2/caches/sessions/raw", ADMIN_O(.body = "\x01\x02")), 204, "");
  assert_string_equal(call(w->a, "GET", "/rest/v2/caches/sessions/raw")->ctype, "application/octet-stream");
  /* POST creates only; keys may hold slashes and encoded bytes. */
  expect(call_o(w->a, "POST", "/rest/v2/caches/sessions/a/b%20c", ADMIN_O(.body = "new")), 204, "");
  expect_call(w->b, "GET", "/rest/v2/caches/sessions/a/b%20c", 200, "new");
  expect(call_o(w->a, "POST", "/rest/v2/caches/sessions/a/b%20c", ADMIN_O(.body = "again")), 409,
         "An entry already exists");
  expect_call(w->a, "GET", "/rest/v2/caches/sessions?action=size", 200, "4");
  expect_call(w->a, "GET", "/rest/v2/caches/sessions?action=keys", 200, "[\"k1\",\"j\",\"raw\",\"a/b c\"]");
  expect_call(w->a, "GET", "/rest/v2/caches/sessions?action=keys&limit=2", 200, "[\"k1\",\"j\"]");
  expect_call(w->a, "DELETE", "/rest/v2/caches/sessions/k1", 204, "");
  expect_call(w->b, "GET", "/rest/v2/caches/sessions/k1", 404, "");
  expect_call(w->a, "DELETE", "/rest/v2/caches/sessions/k1", 404, "");
  /* Expiry from the headers, in virtual time. */
  expect(call_o(w->a, "PUT", "/rest/v2/caches/work/ttl", ADMIN_O(.body = "x", .h1 = "timeToLiveSeconds", .v1 = "10")),
         204, "");
  expect(call_o(w->a, "PUT", "/rest/v2/caches/work/idle", ADMIN_O(.body = "y", .h1 = "maxIdleTimeSeconds", .v1 = "5")),
         204, "");
  call(w->a, "POST", "/sim/v1/clock?advance_ms=4000");
  expect_call(w->a, "GET", "/rest/v2/caches/work/idle", 200, "y"); /* touched: 5 s more */
  call(w->a, "POST", "/sim/v1/clock?advance_ms=4000");
  expect_call(w->a, "GET", "/rest/v2/caches/work/ttl", 200, "x");
  expect_call(w->a, "GET", "/rest/v2/caches/work/idle", 200, "y");
  call(w->a, "POST", "/sim/v1/clock?advance_ms=6000");
  expect_call(w->a, "GET", "/rest/v2/caches/work/ttl", 404, "");
  expect_call(w->a, "GET", "/rest/v2/caches/work/idle", 404, "");
  expect_call(w->a, "HEAD", "/rest/v2/caches/work", 200, "");
  expect_call(w->a, "HEAD", "/rest/v2/caches/nope", 404, "");
  world_free(w);
}

/* clear replicates to every ONLINE site unless flags: SKIP_XSITE_BACKUP
 * (reference section 6), and is never sent to an OFFLINE one. */
static void test_clear_flags(void **state) {
  world *w = world_new();
  put_entry(w->a, "work", "k", "v");
  expect(call_o(w->a, "POST", "/rest/v2/caches/work?action=clear",
                ADMIN_O(.h1 = "flags", .v1 = "SKIP_XSITE_BACKUP")), 204, "");
  expect_call(w->a, "GET", "/rest/v2/caches/work?action=size", 200, "0");
  expect_call(w->b, "GET", "/rest/v2/caches/work?action=size", 200, "1");
  put_entry(w->b, "work", "k2", "v");
  expect_call(w->a, "GET", "/rest/v2/caches/work?action=size", 200, "1");
  expect_call(w->b, "POST", "/rest/v2/caches/work?action=clear", 204, "");
  expect_call(w->a, "GET", "/rest/v2/caches/work?action=size", 200, "0");
  expect_call(w->b, "GET", "/rest/v2/caches/work?action=size", 200, "0");
  world_free(w);
}

/* ------------------------------------------------------------------------ */
/* Container, server, metrics                                                 */

static void test_container_info(void **state) {
  world *w = world_new();
  expect_call(w->a, "GET", "/rest/v2/server", 200,
              "{\"version\":\"Infinispan 'N/A' 16.0.13.Final\",\"cache-manager-name\":\"default\"}");
  expect_call(w->a, "GET", "/rest/v2/container/stats", 200,
              "{\"statistics_enabled\":true,\"off_heap_memory_used\":0,\"data_memory_used\":0,"
              "\"required_minimum_number_of_nodes\":-1}");
  expect_call(w->a, "GET", "/rest/v2/server/cache-managers", 200, "[\"default\"]");
  expect_call(w->a, "GET", "/rest/v2/caches", 200,
              "[\"actionTokens\",\"authenticationSessions\",\"clientSessions\",\"loginFailures\","
              "\"offlineClientSessions\",\"offlineSessions\",\"respCache\",\"sessions\",\"work\"]");
  const char *n0 = xs_sim_node_name(w->sim, 1, 0), *n1 = xs_sim_node_name(w->sim, 1, 1),
             *n2 = xs_sim_node_name(w->sim, 1, 2);
  static const char names[] =
      "[\"actionTokens\",\"authenticationSessions\",\"clientSessions\",\"loginFailures\",\"offlineClientSessions\","
      "\"offlineSessions\",\"respCache\",\"sessions\",\"work\"]";
  char want[4096];
  snprintf(want, sizeof want,
           "{\"version\":\"16.0.13.Final\",\"name\":\"default\",\"coordinator\":true,\"cache_configuration_names\":%s,"
           "\"cluster_name\":\"ISPN\",\"physical_addresses\":\"[10.2.0.1:7800]\",\"coordinator_address\":\"%s\","
           "\"cache_manager_status\":\"RUNNING\",\"created_cache_count\":9,\"running_cache_count\":9,"
           "\"node_address\":\"%s\",\"cluster_members\":[\"%s\",\"%s\",\"%s\"],"
           "\"cluster_members_physical_addresses\":[\"10.2.0.1:7800\",\"10.2.0.2:7800\",\"10.2.0.3:7800\"],"
           "\"cluster_size\":3,\"defined_caches\":[",
           names, n0, n0, n0, n1, n2);
  answer *a = call(w->b, "GET", "/rest/v2/container");
  assert_int_equal(a->status, 200);
  if (strncmp(a->body, want, strlen(want)) != 0) fail_msg("container: %s", a->body);
  snprintf(want, sizeof want,
           "{\"name\":\"work\",\"started\":true}],\"local_site\":\"site-b\",\"relay_node\":true,"
           "\"relay_nodes_address\":[\"%s\"],\"sites_view\":[\"site-a\",\"site-b\"],\"rebalancing_enabled\":true}",
           n0);
  assert_non_null(strstr(a->body, want));
  assert_true(starts_with(call(w->a, "GET", "/rest/v2/container/cache-configs")->body,
                          "[{\"name\":\"actionTokens\",\"configuration\":{\"actionTokens\":{\"distributed-cache\":"));
  a = call(w->a, "GET", "/rest/v2/caches/sessions?action=config");
  assert_non_null(strstr(a->body, "\"backups\":{\"merge-policy\":\"ALWAYS_REMOVE\",\"site-b\":{\"backup\":"
                                  "{\"strategy\":\"SYNC\",\"timeout\":\"13000\",\"failure-policy\":\"FAIL\""));
  a = call(w->a, "GET", "/rest/v2/container/health");
  assert_true(starts_with(a->body, "{\"cluster_health\":{\"cluster_name\":\"ISPN\",\"health_status\":\"HEALTHY\","
                                   "\"number_of_nodes\":3,"));
  a = call(w->a, "GET", "/");
  expect(a, 307, "");
  assert_string_equal(header_of(a, "location"), "/console/");
  world_free(w);
}

static void test_metrics(void **state) {
  world *w = world_new();
  answer *a = call_o(w->a, "GET", "/metrics", (req_opts){.role = XS_ROLE_APP});
  assert_int_equal(a->status, 200);
  assert_string_equal(a->ctype, "text/plain; version=0.0.4; charset=utf-8");
  char want[512];
  const char *node = xs_sim_node_name(w->sim, 0, 0);
  snprintf(want, sizeof want,
           "# TYPE vendor_jgroups_site_view_status gauge\n"
           "vendor_jgroups_site_view_status{cache_manager=\"default\",node=\"%s\",site=\"site-b\"} 1.0\n",
           node);
  assert_non_null(strstr(a->body, want));
  snprintf(want, sizeof want,
           "vendor_x_site_admin_status{cache=\"sessions\",cache_manager=\"default\",node=\"%s\",site=\"site-b\"} 1.0\n",
           node);
  assert_non_null(strstr(a->body, want));
  assert_null(strstr(a->body, "cache=\"respCache\",cache_manager=\"default\",node=\"" /* no backups */ "x"));
  expect_call(w->a, "POST", "/rest/v2/caches/sessions/x-site/backups/site-b?action=take-offline", 200, "");
  put_entry(w->a, "sessions", "k", "v");
  a = call(w->a, "GET", "/metrics");
  want[strlen(want) - 4] = 0;
  assert_non_null(strstr(a->body, strcat(want, "0.0\n")));
  snprintf(want, sizeof want,
           "vendor_statistics_approximate_entries{cache=\"sessions\",cache_manager=\"default\",node=\"%s\"} 1.0\n", node);
  assert_non_null(strstr(a->body, want));
  assert_non_null(strstr(a->body, "vendor_x_site_admin_failures_count{cache=\"work\""));
  assert_non_null(strstr(a->body, "vendor_x_site_admin_millis_since_first_failure{cache=\"work\""));
  world_free(w);
}

/* ------------------------------------------------------------------------ */
/* /sim/v1                                                                    */

static int refuse_advance(void *ud, xs_ms ms) {
  (*(int *)ud)++;
  return XS_ESTATE;
}

static void test_sim_api(void **state) {
  world *w = world_new();
  answer *a = call(w->a, "GET", "/sim/v1/state");
  assert_int_equal(a->status, 200);
  assert_true(starts_with(a->body, "{\"time_ms\":0,\"seed\":1941769418105725336,\"events\":"));
  assert_non_null(strstr(a->body, "\"topology\":\"keycloak-ha\",\"local_site\":\"site-a\",\"sites\":[{\"name\":"
                                  "\"site-a\",\"up\":true,\"nodes\":3,\"view\":[\"site-a\",\"site-b\"]}"));
  assert_non_null(strstr(a->body, "{\"name\":\"sessions\",\"sites\":{\"site-a\":{\"entries\":0,\"backups\":"
                                  "{\"site-b\":{\"status\":\"online\",\"failures\":0,\"push\":\"IDLE\"}}}"));
  expect_call(w->a, "POST", "/sim/v1/links?from=site-a&to=site-b&latency_ms=50&loss=0", 200,
              "{\"time_ms\":0,\"links\":[{\"from\":\"site-a\",\"to\":\"site-b\",\"up\":true},"
              "{\"from\":\"site-b\",\"to\":\"site-a\",\"up\":true}]}");
  xs_ms t0 = xs_sim_now(w->sim);
  put_entry(w->a, "work", "slow", "v");
  assert_int_equal(xs_sim_now(w->sim) - t0, 51); /* 50 ms there, 1 ms back */
  expect_call(w->a, "POST", "/sim/v1/links?from=site-a&to=site-b&loss=2", 400,
              "{\"error\":\"loss must be a number from 0 to 1, not '2'\"}");
  /* A crashed site answers only /sim/v1; the other site restarts it. */
  a = call(w->a, "POST", "/sim/v1/sites/site-b?action=crash");
  assert_int_equal(a->status, 200);
  assert_non_null(strstr(a->body, "\"site\":\"site-b\",\"up\":false}"));
  a = call(w->b, "GET", "/rest/v2/caches");
  assert_int_equal(a->status, 503);
  assert_int_equal(call(w->b, "GET", "/sim/v1/state")->status, 200);
  a = call(w->b, "POST", "/sim/v1/sites/site-b?action=restart");
  assert_int_equal(a->status, 200);
  assert_non_null(strstr(a->body, "\"site\":\"site-b\",\"up\":true}"));
  expect_call(w->b, "GET", "/rest/v2/caches/work?action=size", 200, "0");
  /* The event log pages by sequence number. */
  a = call(w->a, "GET", "/sim/v1/events?since=0");
  assert_int_equal(a->status, 200);
  assert_non_null(strstr(a->body, "\"events\":[{\"seq\":0,"));
  assert_non_null(strstr(a->body, "\"kind\":\"crash\",\"site\":\"site-b\""));
  /* A real clock refuses /sim/v1/clock. */
  int calls = 0;
  xs_rest_config cfg;
  xs_rest_config_default(&cfg);
  cfg.advance = refuse_advance;
  cfg.advance_ud = &calls;
  xs_rest *real = xs_rest_new(w->sim, 0, &cfg);
  expect_call(real, "POST", "/sim/v1/clock?advance_ms=10", 409,
              "{\"error\":\"the clock is not manual (xsim serve --clock manual)\"}");
  assert_int_equal(calls, 1);
  xs_rest_free(real);
  world_free(w);
}

/* A request whose connection went away: the operation completes, the
 * callback is not called. */
static void test_cancel(void **state) {
  world *w = world_new();
  xs_http_request *req = xs_http_request_new("PUT", "/rest/v2/caches/work/c");
  req->role = XS_ROLE_ADMIN;
  xs_http_request_set_body(req, "v", 1);
  memset(ans, 0, sizeof *ans);
  assert_int_equal(xs_rest_handle(w->a, req, answer_cb, ans), 1);
  xs_http_request_free(req);
  assert_int_equal(xs_rest_pending(w->a), 1);
  xs_rest_cancel(w->a, ans);
  xt_settle(w->sim);
  assert_false(ans->done);
  assert_int_equal(xs_rest_pending(w->a), 0);
  expect_call(w->b, "GET", "/rest/v2/caches/work/c", 200, "v");
  world_free(w);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_parser_every_split),
      cmocka_unit_test(test_parser_pipeline_backpressure),
      cmocka_unit_test(test_parser_limits),
      cmocka_unit_test(test_parser_keepalive_and_eof),
      cmocka_unit_test(test_request_builder),
      cmocka_unit_test(test_response_write),
      cmocka_unit_test(test_runbook000_over_rest),
      cmocka_unit_test(test_error_cases),
      cmocka_unit_test(test_site_operation_failed),
      cmocka_unit_test(test_roles),
      cmocka_unit_test(test_paths_and_slashes),
      cmocka_unit_test(test_cache_level_xsite),
      cmocka_unit_test(test_entries),
      cmocka_unit_test(test_clear_flags),
      cmocka_unit_test(test_container_info),
      cmocka_unit_test(test_metrics),
      cmocka_unit_test(test_sim_api),
      cmocka_unit_test(test_cancel),
  };
  return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
