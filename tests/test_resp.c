/*
 * test_resp.c - unit tests of the RESP3 layer (sim/resp_*.c): the request
 * parser fed every request split at every byte offset, its limits and
 * protocol errors, single-port detection, the reply encoders, and every
 * command family against a simulated site, comparing raw RESP bytes -
 * including pipelining order, authentication, SELECT, a FAIL backup failing
 * during a partition (ISPN000709 while the local value stays), and a
 * fixed-seed fuzz loop of garbage input.
 */
#include "test_util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "resp_internal.h"
#include "resp_parse.h"
#include "resp_session.h"
#include "resp_write.h"

/* ------------------------------------------------------------------------ */
/* Helpers                                                                    */

/* Printable form of bytes for failure messages. */
static const char *esc(const void *p, size_t n) {
  static char out[4][4096];
  static int which;
  char *o = out[which++ & 3];
  size_t k = 0;
  const unsigned char *b = p;
  for (size_t i = 0; i < n && k + 5 < sizeof out[0]; i++) {
    if (b[i] == '\r') k += (size_t)snprintf(o + k, 8, "\\r");
    else if (b[i] == '\n') k += (size_t)snprintf(o + k, 8, "\\n");
    else if (b[i] < 32 || b[i] >= 127) k += (size_t)snprintf(o + k, 8, "\\x%02x", b[i]);
    else o[k++] = (char)b[i];
  }
  o[k] = 0;
  return o;
}

/* Test credentials: developer is admin, app may read and write, obs reads. */
static int auth_cb(void *ud, const char *user, size_t ulen, const char *pass, size_t plen) {
  (void)ud;
  (void)ulen;
  (void)plen;
  if (!strcmp(user, "developer") && !strcmp(pass, "strong-password")) return XS_RESP_ROLE_ADMIN;
  if (!strcmp(user, "app") && !strcmp(pass, "app-pass")) return XS_RESP_ROLE_APPLICATION;
  if (!strcmp(user, "obs") && !strcmp(pass, "obs-pass")) return XS_RESP_ROLE_OBSERVER;
  return -1;
}

typedef struct tctx {
  xs_sim *sim;
  xs_resp_session *s;
  int a, b, cache;
  int ready_calls;
} tctx;

static void on_ready(void *ud, xs_resp_session *s) {
  (void)s;
  ((tctx *)ud)->ready_calls++;
}

static xs_resp_session *session(tctx *t, int site, bool auth, int64_t id) {
  xs_resp_config cfg = {0};
  cfg.auth = auth ? auth_cb : NULL;
  cfg.ready = on_ready;
  cfg.ready_ud = t;
  cfg.client_id = id;
  cfg.peer_addr = "127.0.0.1:50000";
  cfg.local_addr = "127.0.0.1:11222";
  xs_resp_session *s = xs_resp_session_new(t->sim, site, &cfg);
  assert_non_null(s);
  return s;
}

static tctx *ctx_new(const char *preset, bool auth) {
  tctx *t = calloc(1, sizeof *t);
  t->sim = xt_sim(preset, 42);
  t->a = xt_site(t->sim, "site-a");
  t->b = xt_site(t->sim, "site-b");
  t->cache = xt_cache(t->sim, "respCache");
  t->s = session(t, t->a, auth, 7);
  return t;
}

static void ctx_free(tctx *t) {
  xs_resp_session_free(t->s);
  xt_settle(t->sim);
  xs_sim_free(t->sim);
  free(t);
}

/* The fixture of most command tests, for cmocka's setup and teardown: a
 * fresh resp-xsite simulation and one session on site-a without
 * authentication, as the tctx in *state. */
static int xsite_setup(void **state) {
  *state = ctx_new("resp-xsite", false);
  return 0;
}

static int xsite_teardown(void **state) {
  ctx_free(*state);
  return 0;
}

#define xsite_test(f) cmocka_unit_test_setup_teardown(f, xsite_setup, xsite_teardown)

/* Runs the simulation until the session has no command in flight. */
static void settle_session(xs_sim *sim, xs_resp_session *s) {
  xs_ms limit = xs_sim_now(sim) + XT_RUN_LIMIT_MS;
  while (xs_resp_session_busy(s)) {
    if (xs_sim_next_time(sim) > limit) fail_msg("the session never became idle");
    xs_sim_step(sim);
  }
}

/* The session's output as a NUL-terminated copy (consumed). */
static char *take(xs_resp_session *s, size_t *len) {
  size_t n;
  const uint8_t *p = xs_resp_session_output(s, &n);
  char *c = malloc(n + 1);
  memcpy(c, p, n);
  c[n] = 0;
  xs_resp_session_consume(s, n);
  if (len) *len = n;
  return c;
}

/* A multibulk request from a NULL-terminated argv. */
static void multibulk(xs_buf *b, const char *const *argv) {
  int n = 0;
  while (argv[n]) n++;
  xs_buf_printf(b, "*%d\r\n", n);
  for (int i = 0; i < n; i++) xs_buf_printf(b, "$%zu\r\n%s\r\n", strlen(argv[i]), argv[i]);
}

static void send_argv(xs_resp_session *s, const char *const *argv) {
  xs_buf b;
  xs_buf_init(&b, 1u << 26);
  multibulk(&b, argv);
  assert_int_equal(xs_resp_session_feed(s, b.data, b.len), 0);
  xs_buf_free(&b);
}

static void check_reply(xs_sim *sim, xs_resp_session *s, const char *want, const char *what) {
  settle_session(sim, s);
  size_t n;
  char *got = take(s, &n);
  if (n != strlen(want) || memcmp(got, want, n))
    fail_msg("%s:\n  want %s\n  got  %s", what, esc(want, strlen(want)), esc(got, n));
  free(got);
}

static void expect_argv(xs_sim *sim, xs_resp_session *s, const char *want, const char *const *argv) {
  char what[256];
  size_t k = 0;
  for (int i = 0; argv[i] && k < 200; i++) k += (size_t)snprintf(what + k, sizeof what - k, "%s ", argv[i]);
  send_argv(s, argv);
  check_reply(sim, s, want, what);
}

/* EXPECT(t, "+OK\r\n", "SET", "k", "v") */
#define EXPECT(t, want, ...) expect_argv((t)->sim, (t)->s, want, (const char *const[]){__VA_ARGS__, NULL})
#define EXPECT_S(t, sess, want, ...) expect_argv((t)->sim, sess, want, (const char *const[]){__VA_ARGS__, NULL})

/* Feeds raw bytes and checks the reply. */
static void expect_raw(tctx *t, const char *req, const char *want) {
  assert_int_equal(xs_resp_session_feed(t->s, req, strlen(req)), 0);
  check_reply(t->sim, t->s, want, esc(req, strlen(req)));
}

/* Sends argv on s and returns the raw reply (see take) once s is idle. */
static char *ask(xs_sim *sim, xs_resp_session *s, const char *const *argv, size_t *len) {
  send_argv(s, argv);
  settle_session(sim, s);
  return take(s, len);
}

/* ASK(t, &len, "GET", "k"): the reply on t's session, for the tests that
 * look at it in parts rather than comparing it whole. */
#define ASK(t, len, ...) ask((t)->sim, (t)->s, (const char *const[]){__VA_ARGS__, NULL}, len)

/* s as a RESP bulk string, "$<len>\r\n<s>\r\n" (in a buffer that the next
 * call reuses). */
static const char *bulk(const char *s) {
  static char out[1024];
  assert_true(strlen(s) + 16 < sizeof out);
  snprintf(out, sizeof out, "$%zu\r\n%s\r\n", strlen(s), s);
  return out;
}

/* The value of a key on a site as a C string, or NULL. */
static const char *peek(tctx *t, int site, const char *key, char *buf, size_t len) {
  return xt_peek(t->sim, site, t->cache, key, buf, len);
}

#define WRONGTYPE "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"
#define NOTINT "-ERR value is not an integer or out of range\r\n"
#define WRONGPASS "-WRONGPASS invalid username-password pair or user is disabled.\r\n"

/* ------------------------------------------------------------------------ */
/* Parser                                                                     */

/* Collects the commands the parser finds in `in`, fed in pieces that end at
 * the offsets in cuts[], as "arg|arg|...\n" lines (args escaped). */
static int parse_pieces(const uint8_t *in, size_t len, const size_t *cuts, size_t ncuts, xs_buf *outb,
                        char *err, size_t errlen) {
  xs_resp_parser p;
  xs_resp_parser_init(&p);
  p.authenticated = true;
  size_t start = 0;
  int rc = 0;
  for (size_t c = 0; c <= ncuts && rc >= 0; c++) {
    size_t end = c < ncuts ? cuts[c] : len;
    while (start < end) {
      size_t used = 0;
      rc = xs_resp_parse(&p, in + start, end - start, &used);
      start += used;
      if (rc < 0) break;
      if (rc == XS_RESP_COMMAND) {
        for (int i = 0; i < p.argc; i++) {
          assert_int_equal(p.argv[i][p.argl[i]], 0); /* NUL-terminated */
          xs_buf_printf(outb, "%s%s", i ? "|" : "", esc(p.argv[i], p.argl[i]));
        }
        xs_buf_puts(outb, "\n");
      }
    }
  }
  if (rc < 0 && err) snprintf(err, errlen, "%s", p.err);
  xs_resp_parser_free(&p);
  return rc;
}

static void check_split_everywhere(const char *in, size_t len, const char *want) {
  xs_buf whole;
  xs_buf_init(&whole, 1 << 20);
  assert_true(parse_pieces((const uint8_t *)in, len, NULL, 0, &whole, NULL, 0) >= 0);
  if (strcmp(xs_buf_cstr(&whole), want)) fail_msg("whole: want %s got %s", esc(want, strlen(want)), xs_buf_cstr(&whole));
  for (size_t cut = 0; cut <= len; cut++) { /* two pieces */
    xs_buf b;
    xs_buf_init(&b, 1 << 20);
    assert_true(parse_pieces((const uint8_t *)in, len, &cut, 1, &b, NULL, 0) >= 0);
    if (strcmp(xs_buf_cstr(&b), want)) fail_msg("cut at %zu: got %s", cut, xs_buf_cstr(&b));
    xs_buf_free(&b);
  }
  size_t *all = malloc((len + 1) * sizeof *all); /* one byte at a time */
  for (size_t i = 0; i <= len; i++) all[i] = i;
  xs_buf b;
  xs_buf_init(&b, 1 << 20);
  assert_true(parse_pieces((const uint8_t *)in, len, all, len + 1, &b, NULL, 0) >= 0);
  assert_string_equal(xs_buf_cstr(&b), want);
  xs_buf_free(&b);
  free(all);
  xs_buf_free(&whole);
}

static void test_parse_split_everywhere(void **state) {
  static const struct {
    const char *in;
    size_t len; /* 0: strlen */
    const char *want;
  } cases[] = {
    {"*1\r\n$4\r\nPING\r\n", 0, "PING\n"},
    {"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nhello\r\n", 0, "SET|k|hello\n"},
    {"*2\r\n$3\r\nGET\r\n$0\r\n\r\n", 0, "GET|\n"},
    {"*2\r\n$4\r\nECHO\r\n$6\r\na\r\nb\0c\r\n", 26, "ECHO|a\\r\\nb\\x00c\n"},
    {"PING\r\n", 0, "PING\n"},
    {"SET k v\n", 0, "SET|k|v\n"},
    {"  set   \"a b\"  'c d'\r\n", 0, "set|a b|c d\n"},
    {"ECHO \"\\x41\\n\\t\\\\\" 'it\\'s'\r\n", 0, "ECHO|A\\n\\x09\\|it's\n"},
    {"\r\n\n*0\r\n*-1\r\nPING\r\n", 0, "PING\n"},
    {"*1\r\n$4\r\nPING\r\n*2\r\n$4\r\nECHO\r\n$2\r\nhi\r\nDBSIZE\r\n", 0, "PING\nECHO|hi\nDBSIZE\n"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    size_t len = cases[i].len ? cases[i].len : strlen(cases[i].in);
    check_split_everywhere(cases[i].in, len, cases[i].want);
  }
}

static void expect_proto_error(const char *in, size_t len, bool authed, const char *want) {
  xs_resp_parser p;
  xs_resp_parser_init(&p);
  p.authenticated = authed;
  size_t used, off = 0;
  int rc = 0;
  while (off < len) {
    rc = xs_resp_parse(&p, (const uint8_t *)in + off, len - off, &used);
    off += used;
    if (rc != XS_RESP_COMMAND) break;
  }
  if (rc != XS_RESP_EPROTO) fail_msg("%s: no protocol error (rc %d)", esc(in, len < 80 ? len : 80), rc);
  assert_string_equal(p.err, want);
  /* The error is sticky. */
  assert_int_equal(xs_resp_parse(&p, (const uint8_t *)"PING\r\n", 6, &used), XS_RESP_EPROTO);
  xs_resp_parser_free(&p);
}

static void test_parse_errors(void **state) {
  expect_proto_error("*2\r\n+GET\r\n", 10, true, "ERR Protocol error: expected '$', got '+'");
  expect_proto_error("*2\r\n*1\r\n", 8, true, "ERR Protocol error: expected '$', got '*'");
  expect_proto_error("*x\r\n", 4, true, "ERR Protocol error: invalid multibulk length");
  expect_proto_error("*01\r\n", 5, true, "ERR Protocol error: invalid multibulk length");
  expect_proto_error("*1048577\r\n", 10, true, "ERR Protocol error: invalid multibulk length");
  expect_proto_error("*11\r\n", 5, false, "ERR Protocol error: unauthenticated multibulk length");
  expect_proto_error("*1\r\n$-1\r\n", 9, true, "ERR Protocol error: invalid bulk length");
  expect_proto_error("*1\r\n$10485761\r\n", 15, true, "ERR Protocol error: invalid bulk length");
  expect_proto_error("*1\r\n$16385\r\n", 12, false, "ERR Protocol error: unauthenticated bulk length");
  expect_proto_error("*1\r\n$3\r\nabcX\r\n", 13, true, "ERR Protocol error: expected CRLF after bulk data");
  expect_proto_error("SET \"abc\r\n", 10, true, "ERR Protocol error: unbalanced quotes in request");
  expect_proto_error("SET \"a\"b\r\n", 10, true, "ERR Protocol error: unbalanced quotes in request");
  char line[64];
  memset(line, '1', sizeof line);
  line[0] = '*';
  expect_proto_error(line, sizeof line, true, "ERR Protocol error: too big mbulk count string");
  memcpy(line, "*1\r\n$", 5);
  expect_proto_error(line, sizeof line, true, "ERR Protocol error: too big bulk count string");
  size_t big = XS_RESP_INLINE_BYTES_MAX + 10;
  char *inl = malloc(big);
  memset(inl, 'a', big);
  expect_proto_error(inl, big, true, "ERR Protocol error: too big inline request");
  free(inl);
  /* Two 9 MB bulks pass the per-argument limit but not the request limit. */
  xs_buf b;
  xs_buf_init(&b, 1u << 26);
  xs_buf_printf(&b, "*3\r\n$3\r\nSET\r\n$%u\r\n", 9u << 20);
  for (size_t i = 0; i < (9u << 20); i++) xs_buf_append(&b, "x", 1);
  xs_buf_printf(&b, "\r\n$%u\r\n", 9u << 20);
  expect_proto_error((const char *)b.data, b.len, true, "ERR Protocol error: request too large");
  xs_buf_free(&b);
}

static void test_parse_limits_accepted(void **state) {
  /* Exactly at the limits works: 10 args and a 16 KB bulk unauthenticated,
   * a 10 MB bulk once authenticated. */
  xs_buf b, out;
  xs_buf_init(&b, 1u << 26);
  xs_buf_init(&out, 1u << 26);
  xs_buf_puts(&b, "*10\r\n");
  for (int i = 0; i < 10; i++) xs_buf_puts(&b, "$1\r\nx\r\n");
  xs_buf_printf(&b, "*1\r\n$%u\r\n", XS_RESP_UNAUTH_BULK_BYTES_MAX);
  for (unsigned i = 0; i < XS_RESP_UNAUTH_BULK_BYTES_MAX; i++) xs_buf_append(&b, "y", 1);
  xs_buf_puts(&b, "\r\n");
  xs_resp_parser p;
  xs_resp_parser_init(&p);
  size_t off = 0, used;
  int cmds = 0;
  while (off < b.len) {
    int rc = xs_resp_parse(&p, b.data + off, b.len - off, &used);
    off += used;
    assert_true(rc >= 0);
    cmds += rc == XS_RESP_COMMAND;
  }
  assert_int_equal(cmds, 2);
  assert_int_equal(p.argl[0], XS_RESP_UNAUTH_BULK_BYTES_MAX);
  xs_buf_reset(&b);
  xs_buf_printf(&b, "*1\r\n$%u\r\n", XS_RESP_BULK_BYTES_MAX);
  for (unsigned i = 0; i < XS_RESP_BULK_BYTES_MAX; i++) xs_buf_append(&b, "z", 1);
  xs_buf_puts(&b, "\r\n");
  p.authenticated = true;
  assert_int_equal(xs_resp_parse(&p, b.data, b.len, &used), XS_RESP_COMMAND);
  assert_int_equal(p.argl[0], XS_RESP_BULK_BYTES_MAX);
  /* The next command gives the big buffer back. */
  assert_int_equal(xs_resp_parse(&p, (const uint8_t *)"PING\r\n", 6, &used), XS_RESP_COMMAND);
  assert_true(p.data.cap <= XS_RESP_KEEP_BYTES);
  xs_resp_parser_free(&p);
  xs_buf_free(&b);
  xs_buf_free(&out);
}

/* ------------------------------------------------------------------------ */
/* Detection                                                                  */

static void test_detect(void **state) {
  static const struct {
    const char *in;
    xs_resp_detect_result want;
  } cases[] = {
    {"*2\r\n$5\r\nHELLO\r\n$1\r\n3\r\n", XS_RESP_DETECT_RESP},
    {"*3\r\n$4\r\nAUTH\r\n$9\r\ndeveloper\r\n", XS_RESP_DETECT_RESP},
    {"*2\r\n$7\r\nCOMMAND\r\n$4\r\nDOCS\r\n", XS_RESP_DETECT_RESP},
    {"*2\r\n$6\r\nselect\r\n$1\r\n0\r\n", XS_RESP_DETECT_RESP},
    {"*1\r\n$5\r\nhElLo\r\n", XS_RESP_DETECT_RESP},
    {"*1\r\n$9\r\nHELLO\r\n", XS_RESP_DETECT_RESP}, /* the regex does not check the length */
    {"HELLO 3\r\n", XS_RESP_DETECT_RESP},
    {"*1\r\n$4\r\nPING\r\n", XS_RESP_DETECT_NOT_RESP},
    {"*3\r\n$3\r\nSET\r\n", XS_RESP_DETECT_NOT_RESP},
    {"*12\r\n$5\r\nHELLO\r\n", XS_RESP_DETECT_NOT_RESP},
    {"*2\r\n$10\r\nHELLO\r\n", XS_RESP_DETECT_NOT_RESP},
    {"hello 3\r\n", XS_RESP_DETECT_NOT_RESP},
    {"GET /rest/v2/caches HTTP/1.1\r\n", XS_RESP_DETECT_NOT_RESP},
    {"PING\r\n", XS_RESP_DETECT_NOT_RESP},
    {"*2\r\n", XS_RESP_DETECT_NEED_MORE},
    {"*2\r\n$", XS_RESP_DETECT_NEED_MORE},
    {"*2\r\n$5\r\nHEL", XS_RESP_DETECT_NEED_MORE},
    {"*2\r\n$4\r\nAUTH\r", XS_RESP_DETECT_NEED_MORE},
    {"*2\r\n$4\r\nAUTHX", XS_RESP_DETECT_NOT_RESP},
    {"HELL", XS_RESP_DETECT_NEED_MORE},
    {"", XS_RESP_DETECT_NEED_MORE},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    xs_resp_detect_result r = xs_resp_detect((const uint8_t *)cases[i].in, strlen(cases[i].in));
    if (r != cases[i].want) fail_msg("%s: want %d got %d", esc(cases[i].in, strlen(cases[i].in)), cases[i].want, r);
  }
  /* Every prefix of a handshake is NEED_MORE or RESP, never NOT_RESP. */
  const char *hs = "*3\r\n$7\r\nCOMMAND\r\n$4\r\nDOCS\r\n";
  for (size_t n = 0; n <= strlen(hs); n++)
    assert_int_not_equal(xs_resp_detect((const uint8_t *)hs, n), XS_RESP_DETECT_NOT_RESP);
  assert_int_equal(xs_resp_detect((const uint8_t *)hs, XS_RESP_DETECT_BYTES_MAX), XS_RESP_DETECT_RESP);
}

/* ------------------------------------------------------------------------ */
/* Encoders and numbers                                                       */

static void test_write(void **state) {
  xs_buf b;
  xs_buf_init(&b, 1 << 20);
  xs_resp_w_simple(&b, "OK");
  xs_resp_w_error(&b, "ERR a\nb\rc");
  xs_resp_w_int(&b, -42);
  xs_resp_w_int(&b, INT64_MIN);
  xs_resp_w_bulk(&b, "a\r\nb", 4);
  xs_resp_w_bulk(&b, "", 0);
  xs_resp_w_null(&b);
  xs_resp_w_array(&b, 2);
  xs_resp_w_map(&b, 1);
  xs_resp_w_set(&b, 0);
  xs_resp_w_bool(&b, true);
  xs_resp_w_bool(&b, false);
  xs_resp_w_double(&b, 1.5);
  xs_resp_w_double(&b, NAN);
  xs_resp_w_double(&b, -INFINITY);
  assert_string_equal(xs_buf_cstr(&b), "+OK\r\n-ERR a\\nb\\rc\r\n:-42\r\n:-9223372036854775808\r\n$4\r\na\r\nb\r\n"
                                       "$0\r\n\r\n_\r\n*2\r\n%1\r\n~0\r\n#t\r\n#f\r\n,1.5\r\n,nan\r\n,-inf\r\n");
  xs_buf_free(&b);
  static const struct {
    double d;
    const char *java;
  } dbl[] = {
    {1.0, "1.0"}, {0.1, "0.1"}, {100.0, "100.0"}, {1e7, "1.0E7"}, {1e-4, "1.0E-4"}, {0.001, "0.001"},
    {3.14, "3.14"}, {-2.5, "-2.5"}, {12345678.9, "1.23456789E7"}, {9999999.0, "9999999.0"},
    {0.0, "0.0"}, {-0.0, "-0.0"}, {1.0 / 3, "0.3333333333333333"}, {1e21, "1.0E21"},
    {123.456e-10, "1.23456E-8"}, {5e-324, "4.9E-324"}, {1.7976931348623157e308, "1.7976931348623157E308"},
  };
  for (size_t i = 0; i < sizeof dbl / sizeof dbl[0]; i++) {
    char tmp[40];
    xs_resp_format_double(dbl[i].d, tmp, sizeof tmp);
    if (strcmp(tmp, dbl[i].java)) fail_msg("%.17g: want %s got %s", dbl[i].d, dbl[i].java, tmp);
  }
}

static void test_java_numbers(void **state) {
  static const struct {
    const char *s;
    bool ok;
    int64_t v;
  } longs[] = {
    {"0", true, 0}, {"10", true, 10}, {"-7", true, -7}, {"+5", true, 5}, {"-0", true, 0},
    {"9223372036854775807", true, INT64_MAX}, {"-9223372036854775808", true, INT64_MIN},
    {"9223372036854775808", false, 0}, {"05", false, 0}, {"00", false, 0}, {"", false, 0},
    {"-", false, 0}, {"+", false, 0}, {"1a", false, 0}, {" 1", false, 0}, {"1.0", false, 0},
    {"99999999999999999999", false, 0},
  };
  for (size_t i = 0; i < sizeof longs / sizeof longs[0]; i++) {
    int64_t v = 0;
    bool ok = xs__resp_java_tolong(longs[i].s, strlen(longs[i].s), &v);
    if (ok != longs[i].ok || (ok && v != longs[i].v)) fail_msg("toLong(%s): %d %lld", longs[i].s, ok, (long long)v);
  }
  int64_t v;
  assert_true(xs__resp_java_parselong("05", 2, &v) && v == 5);
  assert_false(xs__resp_java_parselong("5x", 2, &v));
  double d;
  assert_true(xs__resp_java_todouble("1.5e3", 5, &d) && d == 1500);
  assert_true(xs__resp_java_todouble(".5", 2, &d) && d == 0.5);
  assert_true(xs__resp_java_todouble("+inf", 4, &d) && isinf(d) && d > 0);
  assert_true(xs__resp_java_todouble("-Infinity", 9, &d) && isinf(d) && d < 0);
  assert_false(xs__resp_java_todouble("nan", 3, &d));
  assert_false(xs__resp_java_todouble("1e", 2, &d));
  assert_false(xs__resp_java_todouble("0x10", 4, &d));
  assert_false(xs__resp_java_todouble("", 0, &d));
  char tmp[40];
  xs__resp_java_double_bytes(3.0, tmp, sizeof tmp);
  assert_string_equal(tmp, "3");
  xs__resp_java_double_bytes(3.25, tmp, sizeof tmp);
  assert_string_equal(tmp, "3.25");
  xs__resp_java_double_bytes(1e30, tmp, sizeof tmp);
  assert_string_equal(tmp, "9223372036854775807");
}

static void test_glob(void **state) {
  static const struct {
    const char *pat, *s;
    bool want;
  } g[] = {
    {"*", "", true}, {"*", "abc", true}, {"a*", "abc", true}, {"a*c", "abbbc", true}, {"a*c", "abcd", false},
    {"h?llo", "hello", true}, {"h?llo", "hllo", false}, {"h[ae]llo", "hallo", true}, {"h[ae]llo", "hillo", false},
    {"h[^e]llo", "hallo", true}, {"h[^e]llo", "hello", false}, {"h[a-b]llo", "hbllo", true},
    {"h[b-a]llo", "hallo", true}, {"h\\*llo", "h*llo", true}, {"h\\*llo", "hello", false},
    {"*b*b*", "abababa", true}, {"user:*:name", "user:12:name", true}, {"abc\\", "abc\\", true},
  };
  for (size_t i = 0; i < sizeof g / sizeof g[0]; i++) {
    bool got = xs__resp_glob((const uint8_t *)g[i].pat, strlen(g[i].pat), (const uint8_t *)g[i].s, strlen(g[i].s));
    if (got != g[i].want) fail_msg("glob(%s, %s) = %d", g[i].pat, g[i].s, got);
  }
}

static void test_table(void **state) {
  size_t n = xs__resp_cmd_count();
  assert_true(n > 80);
  for (size_t i = 1; i < n; i++) assert_true(strcmp(xs__resp_cmd_at(i - 1)->name, xs__resp_cmd_at(i)->name) < 0);
  for (size_t i = 0; i < n; i++) {
    const xs__resp_cmd *c = xs__resp_cmd_at(i);
    char lower[40];
    size_t k = 0;
    for (; c->name[k]; k++) lower[k] = (char)(c->name[k] >= 'A' && c->name[k] <= 'Z' ? c->name[k] + 32 : c->name[k]);
    assert_ptr_equal(xs__resp_cmd_find(lower, k), c);
    assert_ptr_equal(xs__resp_cmd_find(c->name, k), c);
  }
  assert_null(xs__resp_cmd_find("NOPE", 4));
  assert_null(xs__resp_cmd_find("GE", 2));
  assert_null(xs__resp_cmd_find("GET\0", 4));
}

/* ------------------------------------------------------------------------ */
/* Connection commands                                                        */

#define HELLO_REPLY                                                                                   \
  "%7\r\n$6\r\nserver\r\n$10\r\ninfinispan\r\n$7\r\nversion\r\n$4\r\n16.0\r\n$5\r\nproto\r\n:3\r\n" \
  "$2\r\nid\r\n:7\r\n$4\r\nmode\r\n$7\r\ncluster\r\n$4\r\nrole\r\n$6\r\nmaster\r\n$7\r\nmodules\r\n" \
  "*1\r\n%4\r\n$4\r\nname\r\n$6\r\nReJSON\r\n$3\r\nver\r\n:160013\r\n$4\r\npath\r\n$8\r\ninternal\r\n" \
  "$4\r\nargs\r\n*0\r\n"

static void test_connection(void **state) {
  tctx *t = *state;
  EXPECT(t, HELLO_REPLY, "HELLO", "3");
  EXPECT(t, "-NOPROTO sorry this protocol version is not supported\r\n", "HELLO", "2");
  EXPECT(t, "-NOPROTO sorry this protocol version is not supported\r\n", "HELLO", "three");
  EXPECT(t, "-ERR index out of range\r\n", "HELLO");
  EXPECT(t, WRONGPASS, "HELLO", "3", "AUTH", "developer", "strong-password"); /* no authenticator */
  EXPECT(t, "$4\r\nPONG\r\n", "PING");
  EXPECT(t, "$2\r\nhi\r\n", "ping", "hi");
  EXPECT(t, "-ERR unknown command\r\n", "PING", "a", "b");
  EXPECT(t, "$5\r\nhello\r\n", "ECHO", "hello");
  EXPECT(t, "-ERR wrong number of arguments for 'echo' command\r\n", "ECHO");
  EXPECT(t, "-ERR wrong number of arguments for 'get' command\r\n", "get", "a", "b");
  EXPECT(t, "-ERR unknown command\r\n", "FOO", "bar");
  EXPECT(t, "+OK\r\n", "READONLY");
  EXPECT(t, ":0\r\n", "DBSIZE");
  EXPECT(t, "+OK\r\n", "SET", "a", "1");
  EXPECT(t, ":1\r\n", "DBSIZE");
  /* TIME: the virtual clock from the 2025-01-01 epoch. */
  xs_ms now = xs_sim_now(t->sim);
  char want[128];
  xs_ms tt = XS_RESP_TIME_EPOCH_MS + now;
  char sec[24], usec[24];
  snprintf(sec, sizeof sec, "%lld", (long long)(tt / 1000));
  snprintf(usec, sizeof usec, "%lld", (long long)(tt % 1000) * 1000);
  snprintf(want, sizeof want, "*2\r\n$%zu\r\n%s\r\n$%zu\r\n%s\r\n", strlen(sec), sec, strlen(usec), usec);
  EXPECT(t, want, "TIME");
  /* CONFIG */
  EXPECT(t, "%1\r\n$10\r\nappendonly\r\n+no\r\n", "CONFIG", "GET", "appendonly");
  EXPECT(t, "%1\r\n$10\r\nAppendOnly\r\n+no\r\n", "config", "get", "AppendOnly");
  EXPECT(t, "$2\r\n16\r\n", "CONFIG", "GET", "databases");
  EXPECT(t, "%1\r\n$7\r\nmaxmem2\r\n$0\r\n\r\n", "CONFIG", "GET", "maxmem2");
  EXPECT(t, "-ERR CONFIG blob pattern matching not implemented\r\n", "CONFIG", "GET", "max*");
  EXPECT(t, "+OK\r\n", "CONFIG", "SET", "x", "y");
  EXPECT(t, "-ERR CONFIG rewrite not implemented\r\n", "CONFIG", "rewrite", "x");
  EXPECT(t, "-ERR index out of range\r\n", "CONFIG", "GET");
}

static void test_command_and_client(void **state) {
  tctx *t = *state;
  char want[4096];
  snprintf(want, sizeof want, ":%zu\r\n", xs__resp_cmd_count());
  EXPECT(t, want, "COMMAND", "COUNT");
  EXPECT(t, "*2\r\n*10\r\n$3\r\nGET\r\n:2\r\n~0\r\n:1\r\n:1\r\n:1\r\n*3\r\n$5\r\n@read\r\n$7\r\n@string\r\n"
            "$5\r\n@fast\r\n~0\r\n~0\r\n~0\r\n_\r\n",
         "COMMAND", "INFO", "get", "nosuch");
  EXPECT(t, "-ERR unknown subcommand 'DOCS'. Try COMMAND HELP.\r\n", "COMMAND", "docs");
  EXPECT(t, "-ERR syntax error\r\n", "COMMAND", "LIST", "FILTERBY");
  char *all = ASK(t, NULL, "COMMAND");
  snprintf(want, sizeof want, "*%zu\r\n*10\r\n$6\r\nAPPEND\r\n:3\r\n", xs__resp_cmd_count());
  assert_memory_equal(all, want, strlen(want));
  free(all);
  EXPECT(t, ":7\r\n", "CLIENT", "ID");
  EXPECT(t, "_\r\n", "CLIENT", "GETNAME");
  EXPECT(t, "+OK\r\n", "CLIENT", "SETNAME", "my conn");
  EXPECT(t, "$7\r\nmy conn\r\n", "client", "getname");
  EXPECT(t, "+OK\r\n", "CLIENT", "SETINFO", "LIB-NAME", "redis-py", "lib-ver", "5.0.1");
  EXPECT(t, "-ERR lib-name cannot contain spaces, newlines or special characters.\r\n", "CLIENT", "SETINFO",
         "LIB-NAME", "a b");
  EXPECT(t, "-ERR unsupported attribute color\r\n", "CLIENT", "SETINFO", "color", "red");
  EXPECT(t, "-ERR index out of range\r\n", "CLIENT", "SETINFO", "LIB-VER");
  EXPECT(t, "-ERR unsupported command\r\n", "CLIENT", "KILL", "ID", "1");
  EXPECT(t, "-ERR client tracking not supported\r\n", "CLIENT", "TRACKING", "on");
  EXPECT(t, "%0\r\n", "CLIENT", "TRACKINGINFO");
  const char *info = "id=7 addr=127.0.0.1:50000 laddr=127.0.0.1:11222 name=my conn lib-name=redis-py "
                     "lib-ver=5.0.1 age=0 db=respCache user=null resp=3\n";
  EXPECT(t, bulk(info), "CLIENT", "INFO");
  EXPECT(t, bulk(info), "CLIENT", "LIST");
  EXPECT(t, "-ERR wrong number of arguments for 'client' command\r\n", "CLIENT");
}

/* CLIENT.LIST lists the channels of the RESP server, INFO counts them
 * (ClientMetadata): every session of the endpoint, in connection order,
 * until its connection ends. */
static void test_client_list_endpoint(void **state) {
  tctx *t = *state;
  xs_resp_clients clients = {0};
  xs_resp_config cfg = {0};
  cfg.clients = &clients;
  cfg.peer_addr = "127.0.0.1:50001";
  cfg.local_addr = "127.0.0.1:11222";
  xs_resp_session *s[3];
  for (int i = 0; i < 3; i++) {
    cfg.client_id = 10 + i;
    s[i] = xs_resp_session_new(t->sim, t->a, &cfg);
    assert_non_null(s[i]);
  }
  assert_int_equal(clients.count, 3);
  EXPECT_S(t, s[1], "+OK\r\n", "CLIENT", "SETNAME", "second");
  xs_resp_session_free(s[0]);
  const char *want_list = "id=11 addr=127.0.0.1:50001 laddr=127.0.0.1:11222 name=second lib-name= lib-ver= "
                          "age=0 db=respCache user=null resp=3\n"
                          "id=12 addr=127.0.0.1:50001 laddr=127.0.0.1:11222 name= lib-name= lib-ver= "
                          "age=0 db=respCache user=null resp=3\n";
  EXPECT_S(t, s[2], bulk(want_list), "CLIENT", "LIST");
  char *out = ask(t->sim, s[2], (const char *const[]){"INFO", "clients", NULL}, NULL);
  assert_non_null(strstr(out, "connected_clients:2\r\ncluster_connections:2\r\n"));
  free(out);
  xs_resp_session_free(s[1]);
  xs_resp_session_free(s[2]);
  assert_int_equal(clients.count, 0);
  assert_null(clients.head);
}

static void test_info(void **state) {
  tctx *t = *state;
  char *all = ASK(t, NULL, "INFO");
  assert_non_null(strstr(all, "# Server\r\nredis_version:16.0\r\n"));
  assert_non_null(strstr(all, "redis_mode:cluster\r\n"));
  assert_non_null(strstr(all, "tcp_port:11222\r\n"));
  assert_non_null(strstr(all, "# Keyspace\r\ndb0:keys=0,expires=0,avg_ttl=0\r\n"));
  assert_non_null(strstr(all, "# Modules\r\n"));
  free(all);
  const char *text = "# Cluster\r\ncluster_enabled:1\r\n\r\n# Keyspace\r\ndb0:keys=0,expires=0,avg_ttl=0\r\n";
  EXPECT(t, bulk(text), "INFO", "keyspace", "CLUSTER");
  EXPECT(t, "-ERR No enum constant org.infinispan.server.resp.commands.INFO.Section.BOGUS\r\n", "INFO", "bogus");
}

static void test_select(void **state) {
  tctx *t = ctx_new("keycloak-ha", false);
  EXPECT(t, "+OK\r\n", "SET", "k", "in-resp");
  EXPECT(t, "+OK\r\n", "SELECT", "sessions");
  assert_int_equal(xs_resp_session_cache(t->s), xt_cache(t->sim, "sessions"));
  EXPECT(t, "_\r\n", "GET", "k");
  EXPECT(t, "+OK\r\n", "SET", "k", "in-sessions");
  EXPECT(t, "-ERR DB index is out of range\r\n", "SELECT", "1");
  EXPECT(t, "-ERR DB index is out of range\r\n", "SELECT", "nosuchcache");
  EXPECT(t, "-ERR index out of range\r\n", "SELECT");
  EXPECT(t, "$11\r\nin-sessions\r\n", "GET", "k");
  EXPECT(t, "+OK\r\n", "SELECT", "0");
  EXPECT(t, "$7\r\nin-resp\r\n", "GET", "k");
  EXPECT(t, "+OK\r\n", "SELECT", "respCache");
  EXPECT(t, "$7\r\nin-resp\r\n", "GET", "k");
  /* RESET without authentication keeps the selected cache. */
  EXPECT(t, "+OK\r\n", "SELECT", "sessions");
  EXPECT(t, "$5\r\nRESET\r\n", "RESET");
  EXPECT(t, "$11\r\nin-sessions\r\n", "GET", "k");
  ctx_free(t);
}

static void test_quit(void **state) {
  tctx *t = ctx_new("resp-xsite", false);
  expect_raw(t, "PING\r\nQUIT\r\nPING\r\n", "$4\r\nPONG\r\n"); /* no reply to QUIT, nothing after it */
  assert_true(xs_resp_session_closing(t->s));
  assert_int_equal(xs_resp_session_feed(t->s, "PING\r\n", 6), 0);
  size_t n;
  xs_resp_session_output(t->s, &n);
  assert_int_equal(n, 0);
  ctx_free(t);
  /* A protocol error: the error reply, then close. */
  t = ctx_new("resp-xsite", false);
  expect_raw(t, "PING\r\n*1\r\n+X\r\nPING\r\n", "$4\r\nPONG\r\n-ERR Protocol error: expected '$', got '+'\r\n");
  assert_true(xs_resp_session_closing(t->s));
  ctx_free(t);
}

/* ------------------------------------------------------------------------ */
/* Authentication                                                             */

#define NOAUTH_HELLO                                                                              \
  "-NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO "    \
  "<proto> AUTH <user> <pass> option can be used to authenticate the client and select the "    \
  "RESP protocol version at the same time\r\n"

static void test_auth(void **state) {
  tctx *t = ctx_new("resp-xsite", true);
  assert_false(xs_resp_session_authenticated(t->s));
  EXPECT(t, WRONGPASS, "PING");
  EXPECT(t, WRONGPASS, "GET", "k");
  EXPECT(t, "-ERR unknown command\r\n", "NOPE");                               /* looked up first */
  EXPECT(t, "-ERR wrong number of arguments for 'get' command\r\n", "GET");   /* then arity */
  EXPECT(t, NOAUTH_HELLO, "HELLO", "3");
  EXPECT(t, WRONGPASS, "AUTH", "developer", "wrong");
  EXPECT(t, "-ERR index out of range\r\n", "AUTH", "strong-password");
  EXPECT(t, "+OK\r\n", "AUTH", "developer", "strong-password");
  assert_true(xs_resp_session_authenticated(t->s));
  EXPECT(t, "$4\r\nPONG\r\n", "PING");
  EXPECT(t, HELLO_REPLY, "HELLO", "3");
  EXPECT(t, WRONGPASS, "AUTH", "developer", "wrong"); /* stays authenticated */
  EXPECT(t, "$4\r\nPONG\r\n", "PING");
  /* RESET goes back to unauthenticated, on the default cache. */
  EXPECT(t, "$5\r\nRESET\r\n", "RESET");
  EXPECT(t, WRONGPASS, "PING");
  EXPECT(t, HELLO_REPLY, "HELLO", "3", "AUTH", "developer", "strong-password");
  EXPECT(t, "$4\r\nPONG\r\n", "PING");
  /* The SETNAME of HELLO is ignored; six arguments are not an AUTH. */
  EXPECT(t, HELLO_REPLY, "HELLO", "3", "SETNAME", "x");
  ctx_free(t);
  /* Until authenticated, the small Redis limits apply. */
  t = ctx_new("resp-xsite", true);
  expect_raw(t, "*11\r\n", "-ERR Protocol error: unauthenticated multibulk length\r\n");
  ctx_free(t);
  t = ctx_new("resp-xsite", true);
  EXPECT(t, "+OK\r\n", "AUTH", "developer", "strong-password");
  expect_raw(t, "*11\r\n$4\r\nMSET\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n"
                "$1\r\nd\r\n$1\r\n4\r\n$1\r\ne\r\n$1\r\n5\r\n", "+OK\r\n");
  ctx_free(t);
}

static void test_roles(void **state) {
  tctx *t = ctx_new("resp-xsite", true);
  EXPECT(t, "+OK\r\n", "AUTH", "obs", "obs-pass");
  EXPECT(t, "_\r\n", "GET", "k");
  EXPECT(t, WRONGPASS, "SET", "k", "v");
  EXPECT(t, WRONGPASS, "INFO");
  EXPECT(t, WRONGPASS, "CLIENT", "LIST");
  EXPECT(t, "+OK\r\n", "AUTH", "app", "app-pass");
  EXPECT(t, "+OK\r\n", "SET", "k", "v");
  EXPECT(t, WRONGPASS, "INFO");
  EXPECT(t, "+OK\r\n", "AUTH", "developer", "strong-password");
  char *all = ASK(t, NULL, "INFO", "server");
  assert_non_null(strstr(all, "# Server"));
  free(all);
  const char *info = "id=7 addr=127.0.0.1:50000 laddr=127.0.0.1:11222 name= lib-name= lib-ver= age=0 "
                     "db=respCache user=developer resp=3\n";
  EXPECT(t, bulk(info), "CLIENT", "LIST");
  ctx_free(t);
}

/* ------------------------------------------------------------------------ */
/* Strings                                                                    */

/* The expiry instant of key on site-a, from the store (the key must be
 * there). */
static xs_ms expiry_of(tctx *t, const char *key) {
  xs_ms exp;
  int rc = xs_cache_peek(t->sim, t->a, t->cache, (const uint8_t *)key, (uint32_t)strlen(key), NULL, NULL, NULL, &exp);
  assert_int_equal(rc, 1);
  return exp;
}

/* Sends cmd ("TTL" or "PTTL") for key and expects the time left until the
 * key's expiry in the store: ":<seconds>\r\n" or ":<ms>\r\n". */
static void expect_ttl(tctx *t, const char *cmd, const char *key) {
  xs_ms exp = expiry_of(t, key);
  assert_true(exp != XS_TIME_NEVER);
  int64_t left = exp - xs_sim_now(t->sim);
  char want[32];
  snprintf(want, sizeof want, ":%lld\r\n", (long long)(strcmp(cmd, "TTL") == 0 ? left / 1000 : left));
  EXPECT(t, want, cmd, key);
}

static void test_strings_set_get(void **state) {
  tctx *t = *state;
  char buf[64];
  EXPECT(t, "_\r\n", "GET", "k");
  EXPECT(t, "+OK\r\n", "SET", "k", "v");
  EXPECT(t, "$1\r\nv\r\n", "GET", "k");
  assert_string_equal(peek(t, t->b, "k", buf, sizeof buf), "v"); /* backed up */
  EXPECT(t, "$1\r\nv\r\n", "SET", "k", "v2", "GET");
  EXPECT(t, "_\r\n", "SET", "k", "x", "NX");
  EXPECT(t, "+OK\r\n", "SET", "n", "1", "nx");
  EXPECT(t, "_\r\n", "SET", "absent", "1", "XX");
  EXPECT(t, "+OK\r\n", "SET", "k", "y", "XX");
  EXPECT(t, "$1\r\ny\r\n", "SET", "k", "z", "XX", "GET");
  EXPECT(t, "_\r\n", "SET", "nokey", "z", "XX", "GET");
  EXPECT(t, "_\r\n", "GET", "nokey");
  EXPECT(t, "$1\r\nz\r\n", "SET", "k", "w", "NX", "GET");
  EXPECT(t, "_\r\n", "SET", "k2", "w", "NX", "GET");
  EXPECT(t, "$1\r\nw\r\n", "GET", "k2");
  EXPECT(t, "-ERR NX and XX options are mutually exclusive\r\n", "SET", "k", "v", "NX", "XX");
  EXPECT(t, "-ERR invalid expire time in 'SET' command\r\n", "SET", "k", "v", "EX", "0");
  EXPECT(t, NOTINT, "SET", "k", "v", "EX", "abc");
  EXPECT(t, "-ERR index out of range\r\n", "SET", "k", "v", "EX");
  EXPECT(t, "-ERR Only one expiration option should be used on SET\r\n", "SET", "k", "v", "EX", "10", "PX", "10");
  EXPECT(t, "-ERR Only one expiration option should be used on SET\r\n", "SET", "k", "v", "KEEPTTL", "EX", "1");
  EXPECT(t, "-ERR KEEPTTL and EX/PX/EXAT/PXAT are mutually exclusive\r\n", "SET", "k", "v", "EX", "1", "KEEPTTL");
  EXPECT(t, "-ERR Unknown argument for SET operation\r\n", "SET", "k", "v", "FOO");
  EXPECT(t, "-ERR Invalid expiration type\r\n", "SET", "k", "v", "EY", "1");
  EXPECT(t, "$1\r\nz\r\n", "GET", "k"); /* NX GET on a present key wrote nothing */
  /* Expiry in virtual time. */
  EXPECT(t, "+OK\r\n", "SET", "e", "v", "EX", "10");
  expect_ttl(t, "TTL", "e");
  expect_ttl(t, "PTTL", "e");
  xs_ms exp1 = expiry_of(t, "e");
  EXPECT(t, "+OK\r\n", "SET", "e", "w", "KEEPTTL");
  assert_int_equal(expiry_of(t, "e"), exp1); /* the same expiry instant */
  EXPECT(t, "$1\r\nw\r\n", "GET", "e");
  xs_sim_run_until(t->sim, xs_sim_now(t->sim) + 10000);
  EXPECT(t, "_\r\n", "GET", "e");
  EXPECT(t, ":-2\r\n", "TTL", "e");
  EXPECT(t, "+OK\r\n", "SET", "p", "v", "PX", "1500");
  expect_ttl(t, "PTTL", "p");
  EXPECT(t, "+OK\r\n", "SET", "p", "v");
  EXPECT(t, ":-1\r\n", "TTL", "p"); /* a plain SET makes it immortal */
}

static void test_strings_family(void **state) {
  tctx *t = *state;
  EXPECT(t, ":1\r\n", "SETNX", "nx", "1");
  EXPECT(t, ":0\r\n", "SETNX", "nx", "2");
  EXPECT(t, "+OK\r\n", "SETEX", "se", "10", "v");
  expect_ttl(t, "TTL", "se");
  EXPECT(t, "-ERR invalid expire time in 'SETEX' command\r\n", "SETEX", "se", "0", "v");
  EXPECT(t, "-ERR invalid expire time in 'PSETEX' command\r\n", "PSETEX", "se", "-5", "v");
  EXPECT(t, "+OK\r\n", "PSETEX", "pse", "100", "v");
  EXPECT(t, "$1\r\n1\r\n", "GETSET", "nx", "3");
  EXPECT(t, "+OK\r\n", "MSET", "a", "1", "b", "2");
  EXPECT(t, "-ERR Missing a value for a key\r\n", "MSET", "a", "1", "b");
  EXPECT(t, "-ERR wrong number of arguments for 'mset' command\r\n", "MSET", "a");
  EXPECT(t, ":1\r\n", "LPUSH", "list", "x");
  EXPECT(t, "*4\r\n$1\r\n1\r\n$1\r\n2\r\n_\r\n_\r\n", "MGET", "a", "b", "nokey", "list");
  EXPECT(t, "$1\r\n1\r\n", "GETDEL", "a");
  EXPECT(t, "_\r\n", "GETDEL", "a");
  EXPECT(t, WRONGTYPE, "GETDEL", "list");
  EXPECT(t, "$1\r\n2\r\n", "GETEX", "b", "EX", "100");
  expect_ttl(t, "TTL", "b");
  EXPECT(t, "$1\r\n2\r\n", "GETEX", "b", "PERSIST");
  EXPECT(t, ":-1\r\n", "TTL", "b");
  EXPECT(t, "$1\r\n2\r\n", "GETEX", "b");
  EXPECT(t, "-ERR Unknown argument for GETEX operation\r\n", "GETEX", "b", "FOO");
  EXPECT(t, "_\r\n", "GETEX", "nokey", "EX", "5");
  EXPECT(t, ":5\r\n", "APPEND", "s", "hello");
  EXPECT(t, ":11\r\n", "APPEND", "s", " world");
  EXPECT(t, "$11\r\nhello world\r\n", "GET", "s");
  EXPECT(t, ":11\r\n", "STRLEN", "s");
  EXPECT(t, ":0\r\n", "STRLEN", "nokey");
  EXPECT(t, "$5\r\nhello\r\n", "GETRANGE", "s", "0", "4");
  EXPECT(t, "$5\r\nworld\r\n", "GETRANGE", "s", "-5", "-1");
  EXPECT(t, "$11\r\nhello world\r\n", "GETRANGE", "s", "0", "100");
  EXPECT(t, "$0\r\n\r\n", "GETRANGE", "s", "5", "2");
  EXPECT(t, "$0\r\n\r\n", "GETRANGE", "nokey", "0", "1");
  EXPECT(t, "$3\r\nell\r\n", "SUBSTR", "s", "1", "3");
  EXPECT(t, NOTINT, "GETRANGE", "s", "x", "1");
  EXPECT(t, ":11\r\n", "SETRANGE", "s", "6", "WORLD");
  EXPECT(t, "$11\r\nhello WORLD\r\n", "GET", "s");
  EXPECT(t, ":4\r\n", "SETRANGE", "pad", "3", "x");
  size_t padn;
  char *pad = ASK(t, &padn, "GET", "pad");
  assert_int_equal(padn, 10);
  assert_memory_equal(pad, "$4\r\n\0\0\0x\r\n", 10);
  free(pad);
  EXPECT(t, ":0\r\n", "SETRANGE", "empty", "3", "");
  EXPECT(t, ":0\r\n", "EXISTS", "empty");
  EXPECT(t, "-ERR index out of range\r\n", "SETRANGE", "s", "-1", "x");
  EXPECT(t, WRONGTYPE, "GET", "list");
  EXPECT(t, WRONGTYPE, "APPEND", "list", "x");
  EXPECT(t, WRONGTYPE, "STRLEN", "list");
  EXPECT(t, WRONGTYPE, "SET", "list", "v", "GET");
  EXPECT(t, "+OK\r\n", "SET", "list", "v");
  EXPECT(t, "+string\r\n", "TYPE", "list");
}

static void test_strings_counters(void **state) {
  tctx *t = *state;
  char buf[64];
  EXPECT(t, ":1\r\n", "INCR", "c");
  EXPECT(t, ":11\r\n", "INCRBY", "c", "10");
  EXPECT(t, ":10\r\n", "DECR", "c");
  EXPECT(t, ":7\r\n", "DECRBY", "c", "3");
  EXPECT(t, ":-5\r\n", "DECRBY", "new", "5");
  EXPECT(t, NOTINT, "INCRBY", "c", "x");
  EXPECT(t, NOTINT, "INCRBY", "c", "007"); /* ArgumentUtils refuses leading zeros */
  assert_string_equal(peek(t, t->b, "c", buf, sizeof buf), "7");
  EXPECT(t, "+OK\r\n", "SET", "c", "05");
  EXPECT(t, NOTINT, "INCR", "c");
  EXPECT(t, "+OK\r\n", "SET", "c", "9223372036854775807");
  EXPECT(t, ":-9223372036854775808\r\n", "INCR", "c"); /* Java's long wraps */
  EXPECT(t, "+OK\r\n", "SET", "c", "abc");
  EXPECT(t, NOTINT, "INCR", "c");
  EXPECT(t, ",1.5\r\n", "INCRBYFLOAT", "f", "1.5");
  EXPECT(t, ",3.0\r\n", "INCRBYFLOAT", "f", "1.5");
  EXPECT(t, "$1\r\n3\r\n", "GET", "f");
  EXPECT(t, ",3.1\r\n", "INCRBYFLOAT", "f", "0.1");
  EXPECT(t, "$3\r\n3.1\r\n", "GET", "f");
  EXPECT(t, ",1.0E-4\r\n", "INCRBYFLOAT", "g", "1e-4");
  EXPECT(t, NOTINT, "INCRBYFLOAT", "f", "x");
  EXPECT(t, "-ERR value is not a valid float\r\n", "INCRBYFLOAT", "c", "1");
  EXPECT(t, "+OK\r\n", "SET", "h", "1e308");
  EXPECT(t, "-ERR increment would produce NaN or Infinity\r\n", "INCRBYFLOAT", "h", "1e308");
  EXPECT(t, ":1\r\n", "LPUSH", "l", "x");
  EXPECT(t, WRONGTYPE, "INCR", "l");
  EXPECT(t, WRONGTYPE, "INCRBYFLOAT", "l", "1");
}

/* ------------------------------------------------------------------------ */
/* Keys                                                                       */

static void test_keys_basic(void **state) {
  tctx *t = *state;
  char buf[64];
  EXPECT(t, "+OK\r\n", "MSET", "a", "1", "b", "2", "c", "3");
  EXPECT(t, ":2\r\n", "EXISTS", "a", "a", "nokey");
  EXPECT(t, ":3\r\n", "TOUCH", "a", "b", "c", "d");
  EXPECT(t, ":2\r\n", "DEL", "a", "b", "nokey");
  assert_null(peek(t, t->b, "a", buf, sizeof buf));
  EXPECT(t, ":1\r\n", "DBSIZE");
  EXPECT(t, "+string\r\n", "TYPE", "c");
  EXPECT(t, ":1\r\n", "HSET", "h", "f", "v");
  EXPECT(t, ":1\r\n", "RPUSH", "l", "x");
  EXPECT(t, ":1\r\n", "SADD", "s", "x");
  EXPECT(t, "+hash\r\n", "TYPE", "h");
  EXPECT(t, "+list\r\n", "TYPE", "l");
  EXPECT(t, "+set\r\n", "TYPE", "s");
  EXPECT(t, "+none\r\n", "TYPE", "nokey");
  EXPECT(t, "*4\r\n$1\r\nc\r\n$1\r\nh\r\n$1\r\nl\r\n$1\r\ns\r\n", "KEYS", "*");
  EXPECT(t, "*1\r\n$1\r\nh\r\n", "KEYS", "[gh]");
  EXPECT(t, "*0\r\n", "KEYS", "zz*");
  /* RENAME */
  EXPECT(t, "+OK\r\n", "RENAME", "h", "h2");
  EXPECT(t, "*1\r\n$1\r\nv\r\n", "HVALS", "h2");
  assert_null(peek(t, t->b, "h", buf, sizeof buf));
  EXPECT(t, "-ERR no such key\r\n", "RENAME", "nokey", "x");
  EXPECT(t, "+OK\r\n", "SET", "t", "v", "EX", "100");
  EXPECT(t, "+OK\r\n", "RENAME", "t", "t2");
  expect_ttl(t, "TTL", "t2");
  EXPECT(t, "+OK\r\n", "RENAME", "t2", "t2"); /* Infinispan removes a key renamed onto itself */
  EXPECT(t, ":0\r\n", "EXISTS", "t2");
  /* FLUSHDB is a clear, backed up to site-b. */
  EXPECT(t, "-ERR syntax error\r\n", "FLUSHDB", "NOW");
  EXPECT(t, "+OK\r\n", "FLUSHDB");
  EXPECT(t, ":0\r\n", "DBSIZE");
  assert_int_equal(xs_cache_size(t->sim, t->b, t->cache), 0);
  EXPECT(t, "+OK\r\n", "SET", "z", "1");
  EXPECT(t, "+OK\r\n", "FLUSHALL", "ASYNC"); /* answered before the clear completes */
  xt_settle(t->sim);
  EXPECT(t, ":0\r\n", "DBSIZE");
  EXPECT(t, "+OK\r\n", "FLUSHDB", "sync");
}

static void test_keys_expiry(void **state) {
  tctx *t = *state;
  char want[64];
  EXPECT(t, ":-2\r\n", "TTL", "k");
  EXPECT(t, ":0\r\n", "EXPIRE", "k", "10");
  EXPECT(t, "+OK\r\n", "SET", "k", "v");
  EXPECT(t, "+OK\r\n", "SET", "p", "v");
  EXPECT(t, ":-1\r\n", "TTL", "k");
  EXPECT(t, ":-1\r\n", "PTTL", "k");
  EXPECT(t, ":0\r\n", "EXPIRE", "k", "100", "XX");
  EXPECT(t, ":1\r\n", "EXPIRE", "k", "100", "NX");
  expect_ttl(t, "TTL", "k");
  EXPECT(t, ":0\r\n", "EXPIRE", "k", "100", "NX");
  EXPECT(t, ":0\r\n", "EXPIRE", "k", "50", "GT");
  EXPECT(t, ":1\r\n", "EXPIRE", "k", "500", "GT");
  EXPECT(t, ":0\r\n", "EXPIRE", "k", "1000", "LT");
  EXPECT(t, ":1\r\n", "EXPIRE", "k", "10", "lt");
  EXPECT(t, "-ERR No enum constant org.infinispan.server.resp.commands.generic.EXPIRE.Mode.FOO\r\n", "EXPIRE", "k",
         "10", "foo");
  EXPECT(t, NOTINT, "EXPIRE", "k", "ten");
  expect_ttl(t, "TTL", "k");
  EXPECT(t, ":1\r\n", "PEXPIRE", "k", "1500");
  expect_ttl(t, "PTTL", "k");
  EXPECT(t, ":1\r\n", "PERSIST", "k");
  EXPECT(t, ":-1\r\n", "TTL", "k");
  EXPECT(t, ":0\r\n", "PERSIST", "k");
  EXPECT(t, ":0\r\n", "PERSIST", "nokey");
  /* The *AT forms count from the TIME epoch. */
  int64_t now = XS_RESP_TIME_EPOCH_MS + xs_sim_now(t->sim);
  char at[32];
  snprintf(at, sizeof at, "%lld", (long long)(now / 1000 + 100));
  EXPECT(t, ":1\r\n", "EXPIREAT", "k", at);
  xs_ms exp = expiry_of(t, "k");
  snprintf(want, sizeof want, ":%lld\r\n", (long long)((XS_RESP_TIME_EPOCH_MS + exp) / 1000));
  EXPECT(t, want, "EXPIRETIME", "k");
  snprintf(want, sizeof want, ":%lld\r\n", (long long)(XS_RESP_TIME_EPOCH_MS + exp));
  EXPECT(t, want, "PEXPIRETIME", "k");
  EXPECT(t, ":-1\r\n", "EXPIRETIME", "p");
  snprintf(at, sizeof at, "%lld", (long long)(now - 1000));
  EXPECT(t, ":1\r\n", "PEXPIREAT", "p", at); /* in the past: removed */
  EXPECT(t, ":0\r\n", "EXISTS", "p");
  EXPECT(t, ":1\r\n", "EXPIRE", "k", "0");
  EXPECT(t, ":0\r\n", "EXISTS", "k");
  /* Expiry works for collections too, and in virtual time only. */
  EXPECT(t, ":2\r\n", "RPUSH", "l", "a", "b");
  EXPECT(t, ":1\r\n", "EXPIRE", "l", "5");
  EXPECT(t, ":3\r\n", "RPUSH", "l", "c"); /* keeps its lifespan */
  xs_sim_run_until(t->sim, xs_sim_now(t->sim) + 4000);
  EXPECT(t, ":3\r\n", "LLEN", "l");
  xs_sim_run_until(t->sim, xs_sim_now(t->sim) + 1000);
  EXPECT(t, ":0\r\n", "LLEN", "l");
}

/* Collects every key of a SCAN iteration with the given options. */
static size_t scan_all(tctx *t, const char *const *opts, char keys[][16], size_t max) {
  char cursor[32] = "0";
  size_t n = 0, rounds = 0;
  do {
    const char *argv[12] = {"SCAN", cursor};
    int k = 2;
    for (; opts && opts[k - 2]; k++) argv[k] = opts[k - 2];
    argv[k] = NULL;
    char *r = ask(t->sim, t->s, argv, NULL);
    /* *2\r\n$<n>\r\n<cursor>\r\n*<m>\r\n($<l>\r\n<key>\r\n)* */
    char *p = strchr(r + 4, '\n') + 1;
    char *e = strchr(p, '\r');
    snprintf(cursor, sizeof cursor, "%.*s", (int)(e - p), p);
    p = e + 2;
    int m = atoi(p + 1);
    p = strchr(p, '\n') + 1;
    for (int i = 0; i < m; i++) {
      p = strchr(p, '\n') + 1;
      e = strchr(p, '\r');
      assert_true(n < max);
      snprintf(keys[n++], 16, "%.*s", (int)(e - p), p);
      p = e + 2;
    }
    free(r);
    assert_true(++rounds < 1000);
  } while (strcmp(cursor, "0"));
  return n;
}

static void test_keys_scan(void **state) {
  tctx *t = *state;
  for (int i = 0; i < 25; i++) {
    char k[16];
    snprintf(k, sizeof k, "user:%d", i);
    EXPECT(t, "+OK\r\n", "SET", k, "v");
  }
  EXPECT(t, ":1\r\n", "SADD", "set:1", "m");
  char keys[64][16];
  size_t n = scan_all(t, NULL, keys, 64);
  assert_int_equal(n, 26);
  for (size_t i = 0; i < n; i++)
    for (size_t j = i + 1; j < n; j++) assert_string_not_equal(keys[i], keys[j]);
  n = scan_all(t, (const char *const[]){"COUNT", "7", "MATCH", "user:1*", NULL}, keys, 64);
  assert_int_equal(n, 11); /* user:1, user:10..19 */
  n = scan_all(t, (const char *const[]){"TYPE", "set", NULL}, keys, 64);
  assert_int_equal(n, 1);
  assert_string_equal(keys[0], "set:1");
  n = scan_all(t, (const char *const[]){"TYPE", "zset", NULL}, keys, 64);
  assert_int_equal(n, 0);
  EXPECT(t, "*2\r\n$1\r\n0\r\n*0\r\n", "SCAN", "not-a-cursor");
  EXPECT(t, "-ERR syntax error\r\n", "SCAN", "0", "COUNT");
  EXPECT(t, NOTINT, "SCAN", "0", "COUNT", "x");
}

/* ------------------------------------------------------------------------ */
/* Hashes, lists, sets                                                        */

static void test_hashes(void **state) {
  tctx *t = *state;
  EXPECT(t, ":2\r\n", "HSET", "h", "f1", "v1", "f2", "v2");
  EXPECT(t, ":1\r\n", "HSET", "h", "f1", "x", "f3", "y");
  EXPECT(t, "$1\r\nx\r\n", "HGET", "h", "f1");
  EXPECT(t, "_\r\n", "HGET", "h", "nope");
  EXPECT(t, "_\r\n", "HGET", "nokey", "f");
  EXPECT(t, "*3\r\n$1\r\nx\r\n_\r\n$2\r\nv2\r\n", "HMGET", "h", "f1", "nope", "f2");
  EXPECT(t, "%3\r\n$2\r\nf1\r\n$1\r\nx\r\n$2\r\nf2\r\n$2\r\nv2\r\n$2\r\nf3\r\n$1\r\ny\r\n", "HGETALL", "h");
  EXPECT(t, "%0\r\n", "HGETALL", "nokey");
  EXPECT(t, "*3\r\n$2\r\nf1\r\n$2\r\nf2\r\n$2\r\nf3\r\n", "HKEYS", "h");
  EXPECT(t, "*3\r\n$1\r\nx\r\n$2\r\nv2\r\n$1\r\ny\r\n", "HVALS", "h");
  EXPECT(t, ":3\r\n", "HLEN", "h");
  EXPECT(t, ":0\r\n", "HLEN", "nokey");
  EXPECT(t, ":1\r\n", "HEXISTS", "h", "f1");
  EXPECT(t, ":0\r\n", "HEXISTS", "h", "zz");
  EXPECT(t, ":2\r\n", "HSTRLEN", "h", "f2");
  EXPECT(t, ":1\r\n", "HDEL", "h", "f1", "f1", "nope");
  EXPECT(t, "-ERR wrong number of arguments for 'hset' command\r\n", "HSET", "h", "f", "v", "g");
  EXPECT(t, "-ERR wrong number of arguments for 'hset' command\r\n", "HSET", "h", "f");
  EXPECT(t, "+OK\r\n", "HMSET", "h", "a", "1");
  EXPECT(t, ":0\r\n", "HSETNX", "h", "a", "2");
  EXPECT(t, ":1\r\n", "HSETNX", "h", "z", "2");
  EXPECT(t, ":5\r\n", "HINCRBY", "h", "n", "5");
  EXPECT(t, ":3\r\n", "HINCRBY", "h", "n", "-2");
  EXPECT(t, NOTINT, "HINCRBY", "h", "n", "x");
  EXPECT(t, NOTINT, "HINCRBY", "h", "f2", "1");
  EXPECT(t, ":1\r\n", "HSET", "h", "big", "9223372036854775807");
  EXPECT(t, "-ERR increment or decrement would overflow\r\n", "HINCRBY", "h", "big", "1");
  EXPECT(t, "$3\r\n1.5\r\n", "HINCRBYFLOAT", "h", "fl", "1.5");
  EXPECT(t, "$1\r\n3\r\n", "HINCRBYFLOAT", "h", "fl", "1.5");
  EXPECT(t, "$3\r\n3.5\r\n", "HINCRBYFLOAT", "h", "fl", "0.5");
  EXPECT(t, "-ERR hash value is not a float\r\n", "HINCRBYFLOAT", "h", "f2", "1");
  EXPECT(t, "-ERR increment would produce NaN or Infinity\r\n", "HINCRBYFLOAT", "h", "fl", "inf");
  EXPECT(t, NOTINT, "HINCRBYFLOAT", "h", "fl", "abc");
  EXPECT(t, "+OK\r\n", "SET", "str", "v");
  EXPECT(t, WRONGTYPE, "HGET", "str", "f");
  EXPECT(t, WRONGTYPE, "HSET", "str", "f", "v");
  EXPECT(t, WRONGTYPE, "HGETALL", "str");
  EXPECT(t, ":2\r\n", "HSET", "h2", "a", "1", "b", "2");
  EXPECT(t, ":2\r\n", "HDEL", "h2", "a", "b");
  EXPECT(t, ":0\r\n", "EXISTS", "h2"); /* an emptied hash is removed */
  EXPECT(t, ":0\r\n", "HDEL", "h2", "a");
  /* HRANDFIELD: shapes (the choice is random, from the session's stream). */
  EXPECT(t, ":2\r\n", "HSET", "r", "a", "1", "b", "2");
  EXPECT(t, "*0\r\n", "HRANDFIELD", "r", "0");
  EXPECT(t, "_\r\n", "HRANDFIELD", "nokey");
  EXPECT(t, "*0\r\n", "HRANDFIELD", "nokey", "3");
  EXPECT(t, "-ERR syntax error\r\n", "HRANDFIELD", "r", "1", "WITHSCORES");
  EXPECT(t, "*2\r\n$1\r\na\r\n$1\r\nb\r\n", "HRANDFIELD", "r", "5"); /* all of them: drawn order */
  char *r = ASK(t, NULL, "HRANDFIELD", "r", "-5", "WITHVALUES");
  assert_memory_equal(r, "*5\r\n*2\r\n$1\r\n", 11);
  free(r);
  r = ASK(t, NULL, "HRANDFIELD", "r");
  assert_true(!strcmp(r, "$1\r\na\r\n") || !strcmp(r, "$1\r\nb\r\n"));
  free(r);
  EXPECT(t, "*2\r\n$1\r\n0\r\n*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n", "HSCAN", "r", "0");
  EXPECT(t, "*2\r\n$1\r\n1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n", "HSCAN", "r", "0", "COUNT", "1");
  EXPECT(t, "*2\r\n$1\r\n0\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n", "HSCAN", "r", "1", "COUNT", "1");
  EXPECT(t, "*2\r\n$1\r\n0\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n", "HSCAN", "r", "0", "MATCH", "b*");
}

static void test_lists(void **state) {
  tctx *t = *state;
  EXPECT(t, ":3\r\n", "RPUSH", "l", "a", "b", "c");
  EXPECT(t, ":5\r\n", "LPUSH", "l", "x", "y");
  EXPECT(t, "*5\r\n$1\r\ny\r\n$1\r\nx\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n", "LRANGE", "l", "0", "-1");
  EXPECT(t, "*2\r\n$1\r\nx\r\n$1\r\na\r\n", "LRANGE", "l", "1", "2");
  EXPECT(t, "*1\r\n$1\r\nb\r\n", "LRANGE", "l", "-2", "-2");
  EXPECT(t, "*0\r\n", "LRANGE", "l", "3", "1");
  EXPECT(t, "*2\r\n$1\r\ny\r\n$1\r\nx\r\n", "LRANGE", "l", "-100", "1");
  EXPECT(t, "*0\r\n", "LRANGE", "nokey", "0", "-1");
  EXPECT(t, ":5\r\n", "LLEN", "l");
  EXPECT(t, "$1\r\ny\r\n", "LINDEX", "l", "0");
  EXPECT(t, "$1\r\nc\r\n", "LINDEX", "l", "-1");
  EXPECT(t, "$1\r\nb\r\n", "LINDEX", "l", "-2");
  EXPECT(t, "_\r\n", "LINDEX", "l", "10");
  EXPECT(t, NOTINT, "LINDEX", "l", "x");
  EXPECT(t, "$1\r\ny\r\n", "LPOP", "l");
  EXPECT(t, "$1\r\nc\r\n", "RPOP", "l");
  EXPECT(t, "*2\r\n$1\r\nx\r\n$1\r\na\r\n", "LPOP", "l", "2");
  EXPECT(t, "*1\r\n$1\r\nb\r\n", "RPOP", "l", "5");
  EXPECT(t, ":0\r\n", "EXISTS", "l");
  EXPECT(t, "_\r\n", "LPOP", "l");
  EXPECT(t, "_\r\n", "LPOP", "l", "0");
  EXPECT(t, ":1\r\n", "RPUSH", "l", "a");
  EXPECT(t, "*0\r\n", "LPOP", "l", "0");
  EXPECT(t, "-ERR value is out of range, must be positive\r\n", "LPOP", "l", "-1");
  EXPECT(t, "-ERR wrong number of arguments for 'lpop' command\r\n", "LPOP", "l", "1", "2");
  EXPECT(t, ":0\r\n", "LPUSHX", "nokey", "a");
  EXPECT(t, ":2\r\n", "RPUSHX", "l", "b");
  EXPECT(t, "+OK\r\n", "LSET", "l", "0", "z");
  EXPECT(t, "+OK\r\n", "LSET", "l", "-1", "w");
  EXPECT(t, "*2\r\n$1\r\nz\r\n$1\r\nw\r\n", "LRANGE", "l", "0", "-1");
  EXPECT(t, "-ERR index out of range\r\n", "LSET", "l", "5", "z");
  EXPECT(t, "-ERR no such key\r\n", "LSET", "nokey", "0", "z");
  EXPECT(t, ":3\r\n", "LINSERT", "l", "BEFORE", "w", "q");
  EXPECT(t, ":4\r\n", "LINSERT", "l", "after", "w", "r");
  EXPECT(t, "*4\r\n$1\r\nz\r\n$1\r\nq\r\n$1\r\nw\r\n$1\r\nr\r\n", "LRANGE", "l", "0", "-1");
  EXPECT(t, ":-1\r\n", "LINSERT", "l", "BEFORE", "nope", "q");
  EXPECT(t, ":0\r\n", "LINSERT", "nokey", "BEFORE", "w", "q");
  EXPECT(t, "-ERR syntax error\r\n", "LINSERT", "l", "AROUND", "w", "q");
  EXPECT(t, ":5\r\n", "RPUSH", "r", "a", "b", "a", "c", "a");
  EXPECT(t, ":2\r\n", "LREM", "r", "2", "a");
  EXPECT(t, "*3\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\na\r\n", "LRANGE", "r", "0", "-1");
  EXPECT(t, ":1\r\n", "LREM", "r", "-1", "a");
  EXPECT(t, ":0\r\n", "LREM", "r", "0", "x");
  EXPECT(t, ":5\r\n", "RPUSH", "t", "1", "2", "3", "4", "5");
  EXPECT(t, "+OK\r\n", "LTRIM", "t", "1", "-2");
  EXPECT(t, "*3\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n4\r\n", "LRANGE", "t", "0", "-1");
  EXPECT(t, "+OK\r\n", "LTRIM", "t", "5", "5"); /* ListBucket.trim: an index out of range keeps the list */
  EXPECT(t, ":3\r\n", "LLEN", "t");
  EXPECT(t, "+OK\r\n", "LTRIM", "t", "1", "1");
  EXPECT(t, "*1\r\n$1\r\n3\r\n", "LRANGE", "t", "0", "-1");
  EXPECT(t, "+OK\r\n", "LTRIM", "t", "2", "1");
  EXPECT(t, ":0\r\n", "EXISTS", "t");
  EXPECT(t, "+OK\r\n", "SET", "str", "v");
  EXPECT(t, WRONGTYPE, "LPUSH", "str", "a");
  EXPECT(t, WRONGTYPE, "LRANGE", "str", "0", "1");
  EXPECT(t, WRONGTYPE, "LPOP", "str");
}

static void test_sets(void **state) {
  tctx *t = *state;
  EXPECT(t, ":2\r\n", "SADD", "s", "a", "b", "a");
  EXPECT(t, ":1\r\n", "SADD", "s", "b", "c");
  EXPECT(t, ":0\r\n", "SADD", "s", "c");
  EXPECT(t, "~3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n", "SMEMBERS", "s");
  EXPECT(t, "~0\r\n", "SMEMBERS", "nokey");
  EXPECT(t, ":3\r\n", "SCARD", "s");
  EXPECT(t, ":1\r\n", "SISMEMBER", "s", "a");
  EXPECT(t, ":0\r\n", "SISMEMBER", "s", "z");
  EXPECT(t, "*2\r\n:1\r\n:0\r\n", "SMISMEMBER", "s", "a", "z");
  EXPECT(t, ":3\r\n", "SADD", "s2", "b", "c", "d");
  EXPECT(t, "~2\r\n$1\r\nb\r\n$1\r\nc\r\n", "SINTER", "s", "s2");
  EXPECT(t, "~0\r\n", "SINTER", "s", "nokey");
  EXPECT(t, "~4\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n", "SUNION", "s", "s2");
  EXPECT(t, "~1\r\n$1\r\na\r\n", "SDIFF", "s", "s2");
  EXPECT(t, ":1\r\n", "SREM", "s", "a", "z");
  EXPECT(t, ":1\r\n", "SMOVE", "s", "s3", "b");
  EXPECT(t, ":0\r\n", "SMOVE", "s", "s3", "nope");
  EXPECT(t, "~1\r\n$1\r\nb\r\n", "SMEMBERS", "s3");
  EXPECT(t, ":1\r\n", "SMOVE", "s", "s", "c");
  EXPECT(t, "+OK\r\n", "SET", "str", "v");
  EXPECT(t, WRONGTYPE, "SMOVE", "s", "str", "c");
  EXPECT(t, "~1\r\n$1\r\nc\r\n", "SMEMBERS", "s"); /* unchanged */
  EXPECT(t, WRONGTYPE, "SADD", "str", "a");
  EXPECT(t, WRONGTYPE, "SINTER", "s", "str");
  EXPECT(t, "*1\r\n$1\r\nc\r\n", "SPOP", "s");
  EXPECT(t, ":0\r\n", "EXISTS", "s");
  EXPECT(t, "*0\r\n", "SPOP", "s");
  EXPECT(t, "*0\r\n", "SPOP", "s2", "0");
  EXPECT(t, "-ERR value is out of range, must be positive\r\n", "SPOP", "s2", "-1");
  EXPECT(t, "*3\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n", "SRANDMEMBER", "s2", "10");
  EXPECT(t, "*0\r\n", "SRANDMEMBER", "nokey");
  char *r = ASK(t, NULL, "SRANDMEMBER", "s2", "-4");
  assert_memory_equal(r, "*4\r\n$1\r\n", 8);
  free(r);
  r = ASK(t, NULL, "SPOP", "s2", "2");
  assert_memory_equal(r, "*2\r\n", 4);
  free(r);
  EXPECT(t, ":1\r\n", "SCARD", "s2");
  EXPECT(t, "*2\r\n$1\r\n0\r\n*1\r\n$1\r\nb\r\n", "SSCAN", "s3", "0");
}

/* The documented encoding, and the same bytes on the backup site. */
static void test_value_encoding(void **state) {
  tctx *t = *state;
  EXPECT(t, ":2\r\n", "HSET", "h", "f", "v", "g", "");
  EXPECT(t, ":2\r\n", "RPUSH", "l", "a", "bc");
  EXPECT(t, ":1\r\n", "SADD", "s", "m");
  static const struct {
    const char *key;
    uint8_t vtype;
    const char *bytes;
    size_t len;
  } want[] = {
    {"h", XS_RESP_VTYPE_HASH, "\x02\x01" "f\x01v\x01g\x00", 8},
    {"l", XS_RESP_VTYPE_LIST, "\x02\x01" "a\x02" "bc", 6},
    {"s", XS_RESP_VTYPE_SET, "\x01\x01m", 3},
  };
  for (size_t i = 0; i < 3; i++) {
    for (int site = 0; site < 2; site++) {
      const uint8_t *v;
      uint32_t len;
      uint8_t vt;
      int rc = xs_cache_peek(t->sim, site ? t->b : t->a, t->cache, (const uint8_t *)want[i].key, 1, &v, &len, &vt, NULL);
      assert_int_equal(rc, 1);
      assert_int_equal(vt, want[i].vtype);
      assert_int_equal(len, want[i].len);
      assert_memory_equal(v, want[i].bytes, len);
    }
  }
  /* A long member needs a two-byte varint. */
  char big[200];
  memset(big, 'x', sizeof big - 1);
  big[sizeof big - 1] = 0;
  EXPECT(t, ":1\r\n", "SADD", "big", big);
  const uint8_t *v;
  uint32_t len;
  assert_int_equal(xs_cache_peek(t->sim, t->a, t->cache, (const uint8_t *)"big", 3, &v, &len, NULL, NULL), 1);
  assert_int_equal(len, 1 + 2 + 199);
  assert_memory_equal(v, "\x01\xc7\x01", 3);
}

/* ------------------------------------------------------------------------ */
/* Pipelining, backups, lifecycle                                             */

static void test_pipelining(void **state) {
  tctx *t = *state;
  xs_buf b;
  xs_buf_init(&b, 1 << 20);
  multibulk(&b, (const char *const[]){"SET", "p", "1", NULL});
  multibulk(&b, (const char *const[]){"INCR", "p", NULL});
  multibulk(&b, (const char *const[]){"GET", "p", NULL});
  xs_buf_puts(&b, "LPUSH pl a\r\nLPUSH pl b\r\n"); /* inline commands mix in */
  multibulk(&b, (const char *const[]){"LRANGE", "pl", "0", "-1", NULL});
  multibulk(&b, (const char *const[]){"DEL", "p", "pl", NULL});
  multibulk(&b, (const char *const[]){"GET", "p", NULL});
  multibulk(&b, (const char *const[]){"PING", NULL});
  xs_ms t0 = xs_sim_now(t->sim);
  t->ready_calls = 0;
  assert_int_equal(xs_resp_session_feed(t->s, b.data, b.len), 0);
  /* The SET waits for its backup round trip: nothing is answered yet. */
  size_t n;
  xs_resp_session_output(t->s, &n);
  assert_int_equal(n, 0);
  assert_true(xs_resp_session_busy(t->s));
  check_reply(t->sim, t->s,
              "+OK\r\n:2\r\n$1\r\n2\r\n:1\r\n:2\r\n*2\r\n$1\r\nb\r\n$1\r\na\r\n:2\r\n_\r\n$4\r\nPONG\r\n", "pipeline");
  /* One write at a time: five round trips (the two DELs run together). */
  const xs_topology *topo = xs_sim_topology(t->sim);
  assert_int_equal(xs_sim_now(t->sim) - t0, 5 * 2 * topo->link_latency_ms);
  assert_true(t->ready_calls >= 5);
  assert_int_equal(xs_cache_size(t->sim, t->b, t->cache), 0);
  xs_buf_free(&b);
}

#define ISPN709 "-ERR ISPN000709: Failed to backup cache `respCache` to one or more remote sites: "

static void expect_backup_failure(tctx *t, const char *const *argv) {
  size_t n;
  char *r = ask(t->sim, t->s, argv, &n);
  if (strncmp(r, ISPN709, strlen(ISPN709))) fail_msg("%s: got %s", argv[0], esc(r, n));
  assert_memory_equal(r + n - 2, "\r\n", 2);
  assert_null(memchr(r, '\n', n - 1)); /* one line: newlines in causes are escaped */
  free(r);
}

static void test_backup_failure(void **state) {
  tctx *t = *state;
  char buf[64];
  EXPECT(t, "+OK\r\n", "SET", "k", "before");
  assert_int_equal(xs_partition(t->sim, t->a, t->b, false), 0);
  xs_ms t0 = xs_sim_now(t->sim);
  expect_backup_failure(t, (const char *const[]){"SET", "k", "during", NULL});
  assert_true(xs_sim_now(t->sim) - t0 >= 15000); /* the SYNC backup timed out */
  /* Non-transactional respCache: the local write is kept. */
  EXPECT(t, "$6\r\nduring\r\n", "GET", "k");
  assert_string_equal(peek(t, t->b, "k", buf, sizeof buf), "before");
  expect_backup_failure(t, (const char *const[]){"INCR", "n", NULL});
  EXPECT(t, "$1\r\n1\r\n", "GET", "n");
  expect_backup_failure(t, (const char *const[]){"HSET", "h", "f", "v", NULL});
  EXPECT(t, "$1\r\nv\r\n", "HGET", "h", "f");
  expect_backup_failure(t, (const char *const[]){"DEL", "k", NULL});
  EXPECT(t, ":0\r\n", "EXISTS", "k");
  /* A failed condition writes nothing, so nothing fails. */
  EXPECT(t, "_\r\n", "SET", "n", "x", "NX");
  xs_heal(t->sim);
  xt_settle(t->sim);
  EXPECT(t, "+OK\r\n", "SET", "k", "after");
  assert_string_equal(peek(t, t->b, "k", buf, sizeof buf), "after");
}

static void test_second_site_and_sessions(void **state) {
  tctx *t = *state;
  xs_resp_session *sb = session(t, t->b, false, 8);
  EXPECT(t, "+OK\r\n", "SET", "k", "from-a");
  EXPECT_S(t, sb, "$6\r\nfrom-a\r\n", "GET", "k");
  EXPECT_S(t, sb, ":1\r\n", "RPUSH", "l", "b");
  EXPECT(t, "*1\r\n$1\r\nb\r\n", "LRANGE", "l", "0", "-1");
  EXPECT_S(t, sb, ":8\r\n", "CLIENT", "ID");
  xs_resp_session_free(sb);
}

static void test_free_in_flight(void **state) {
  tctx *t = ctx_new("resp-xsite", false);
  const char *req = "*3\r\n$4\r\nHSET\r\n$1\r\nh\r\n$1\r\nf\r\n$1\r\nv\r\n"; /* a compute, then more */
  char full[256];
  snprintf(full, sizeof full, "*4\r\n$4\r\nHSET\r\n$1\r\nh\r\n$1\r\nf\r\n$1\r\nv\r\n%sPING\r\n", req);
  assert_int_equal(xs_resp_session_feed(t->s, full, strlen(full)), 0);
  assert_true(xs_resp_session_busy(t->s));
  xs_resp_session_free(t->s); /* detached; freed when the HSET completes */
  t->s = NULL;
  xt_settle(t->sim);
  char buf[16];
  assert_non_null(xt_peek(t->sim, t->b, t->cache, "h", buf, sizeof buf)); /* the write still happened */
  t->s = session(t, t->a, false, 9);
  /* destroy() is for shutdown after the simulation is gone. */
  const char *set = "*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$1\r\ny\r\n";
  assert_int_equal(xs_resp_session_feed(t->s, set, strlen(set)), 0);
  assert_true(xs_resp_session_busy(t->s));
  xs_sim_free(t->sim);
  xs_resp_session_destroy(t->s);
  free(t);
}

static void test_output_pause(void **state) {
  tctx *t = *state;
  size_t vlen = 600 * 1024;
  char *v = malloc(vlen + 1);
  memset(v, 'v', vlen);
  v[vlen] = 0;
  EXPECT(t, "+OK\r\n", "SET", "big", v);
  const char *get = "*2\r\n$3\r\nGET\r\n$3\r\nbig\r\n";
  for (int i = 0; i < 5; i++) assert_int_equal(xs_resp_session_feed(t->s, get, strlen(get)), 0);
  size_t n;
  xs_resp_session_output(t->s, &n);
  char hdr[32];
  size_t one = (size_t)snprintf(hdr, sizeof hdr, "$%zu\r\n", vlen) + vlen + 2;
  assert_int_equal(n, 2 * one); /* paused above XS_RESP_OUTPUT_PAUSE_BYTES */
  assert_true(xs_resp_session_input_pending(t->s) > 0);
  size_t total = 0;
  for (int rounds = 0; rounds < 10; rounds++) {
    xs_resp_session_output(t->s, &n);
    if (!n) break;
    total += n;
    xs_resp_session_consume(t->s, n); /* resumes the session */
  }
  assert_int_equal(total, 5 * one);
  assert_int_equal(xs_resp_session_input_pending(t->s), 0);
  free(v);
}

static void test_input_limit(void **state) {
  tctx *t = *state;
  const char *set = "*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$1\r\ny\r\n";
  assert_int_equal(xs_resp_session_feed(t->s, set, strlen(set)), 0);
  assert_true(xs_resp_session_busy(t->s));
  size_t big = XS_RESP_INPUT_BYTES_MAX / 2 + 1;
  char *junk = malloc(big);
  memset(junk, 'a', big);
  assert_int_equal(xs_resp_session_feed(t->s, junk, big), 0);
  assert_int_equal(xs_resp_session_input_pending(t->s), big);
  assert_int_equal(xs_resp_session_feed(t->s, junk, big), XS_ELIMIT);
  assert_true(xs_resp_session_closing(t->s));
  free(junk);
  settle_session(t->sim, t->s);
  char *r = take(t->s, NULL);
  assert_string_equal(r, "+OK\r\n"); /* the reply in flight still arrives */
  free(r);
}

/* ------------------------------------------------------------------------ */
/* Garbage                                                                    */

static uint64_t fz_next(uint64_t *s) {
  uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

/* The length of one well-formed RESP3 reply at p (of the types this layer
 * writes), or 0 when it is malformed or incomplete. */
static size_t reply_len(const char *p, size_t n, int depth) {
  const char *nl = memchr(p, '\n', n);
  if (!nl || nl == p || nl[-1] != '\r' || depth > 8) return 0;
  size_t line = (size_t)(nl - p) + 1, total = line;
  long long v = strtoll(p + 1, NULL, 10);
  switch (p[0]) {
  case '+': case '-': case ':': case ',': case '_': case '#':
    return memchr(p, '\r', line - 2) ? 0 : line; /* one line, no stray CR */
  case '$':
    if (v < 0 || (size_t)v + 2 > n - line || p[line + (size_t)v] != '\r' || p[line + (size_t)v + 1] != '\n') return 0;
    return line + (size_t)v + 2;
  case '*': case '~': case '%':
    for (long long i = 0; i < (p[0] == '%' ? 2 * v : v); i++) {
      size_t k = reply_len(p + total, n - total, depth + 1);
      if (!k) return 0;
      total += k;
    }
    return total;
  default: return 0;
  }
}

static void check_replies(const uint8_t *out, size_t n) {
  size_t off = 0;
  while (off < n) {
    size_t k = reply_len((const char *)out + off, n - off, 0);
    if (!k) fail_msg("malformed reply: %s", esc(out + off, n - off < 200 ? n - off : 200));
    off += k;
  }
}

static void fuzz_feed(tctx *t, xs_resp_session **s, bool auth, const uint8_t *p, size_t n, uint64_t *rng) {
  size_t off = 0;
  while (off < n) {
    size_t k = 1 + (size_t)(fz_next(rng) % 64);
    if (k > n - off) k = n - off;
    xs_resp_session_feed(*s, p + off, k);
    off += k;
    settle_session(t->sim, *s);
    size_t m;
    const uint8_t *o = xs_resp_session_output(*s, &m);
    check_replies(o, m);
    xs_resp_session_consume(*s, m);
    if (xs_resp_session_closing(*s)) {
      xs_resp_session_free(*s);
      *s = session(t, t->a, auth, 11);
    }
  }
}

static void test_fuzz(void **state) {
  static const char *const corpus[] = {
    "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n", "*2\r\n$4\r\nINCR\r\n$1\r\nc\r\n",
    "*4\r\n$5\r\nRPUSH\r\n$1\r\nl\r\n$1\r\na\r\n$1\r\nb\r\n", "*4\r\n$4\r\nHSET\r\n$1\r\nh\r\n$1\r\nf\r\n$1\r\nv\r\n",
    "*3\r\n$4\r\nSADD\r\n$1\r\ns\r\n$1\r\nm\r\n", "*4\r\n$6\r\nLRANGE\r\n$1\r\nl\r\n$1\r\n0\r\n$2\r\n-1\r\n",
    "SET k \"a b\" EX 10\r\n", "*2\r\n$4\r\nSPOP\r\n$1\r\ns\r\n", "*3\r\n$6\r\nEXPIRE\r\n$1\r\nk\r\n$1\r\n1\r\n",
    "*3\r\n$4\r\nAUTH\r\n$9\r\ndeveloper\r\n$15\r\nstrong-password\r\n", "*2\r\n$4\r\nSCAN\r\n$1\r\n0\r\n",
    "*4\r\n$6\r\nLINSERT\r\n$1\r\nl\r\n$6\r\nBEFORE\r\n$1\r\na\r\n", "*3\r\n$6\r\nRENAME\r\n$1\r\nk\r\n$1\r\nl\r\n",
    "*2\r\n$4\r\nKEYS\r\n$4\r\n*[a-\r\n", "*3\r\n$8\r\nSETRANGE\r\n$1\r\nk\r\n$3\r\n100\r\n",
  };
  uint64_t rng = 0x5eed;
  for (int mode = 0; mode < 2; mode++) {
    bool auth = mode == 1;
    tctx *t = ctx_new("resp-xsite", auth);
    uint8_t buf[512];
    for (int iter = 0; iter < 3000; iter++) {
      size_t n;
      if (iter % 3 == 0) { /* pure noise, biased towards protocol bytes */
        n = 1 + (size_t)(fz_next(&rng) % sizeof buf);
        for (size_t i = 0; i < n; i++) {
          static const char alphabet[] = "*$\r\n0123456789-+ \"'\\abcSETGHLP";
          uint64_t r = fz_next(&rng);
          buf[i] = (r & 1) ? (uint8_t)(r >> 8) : (uint8_t)alphabet[(r >> 8) % (sizeof alphabet - 1)];
        }
      } else { /* a valid request with a few bytes changed */
        const char *c = corpus[fz_next(&rng) % (sizeof corpus / sizeof corpus[0])];
        n = strlen(c);
        memcpy(buf, c, n);
        for (int m = (int)(fz_next(&rng) % 3); m > 0; m--) buf[fz_next(&rng) % n] = (uint8_t)fz_next(&rng);
      }
      fuzz_feed(t, &t->s, auth, buf, n, &rng);
    }
    /* Still a working session afterwards. */
    xs_resp_session_free(t->s);
    t->s = session(t, t->a, false, 12);
    EXPECT(t, "$4\r\nPONG\r\n", "PING");
    ctx_free(t);
  }
  /* The parser alone on pure noise, authenticated and not. */
  for (int iter = 0; iter < 20000; iter++) {
    uint8_t noise[64];
    size_t n = 1 + (size_t)(fz_next(&rng) % sizeof noise);
    for (size_t i = 0; i < n; i++) noise[i] = (uint8_t)fz_next(&rng);
    xs_resp_parser p;
    xs_resp_parser_init(&p);
    p.authenticated = iter & 1;
    size_t off = 0, used;
    while (off < n && xs_resp_parse(&p, noise + off, n - off, &used) == XS_RESP_COMMAND) off += used;
    xs_resp_parser_free(&p);
    xs_resp_detect(noise, n);
  }
}

/* The opt-in RESP2 framing for RESP2-only clients, until HELLO 3. */
static void test_resp2_compat(void **state) {
  tctx *t = *state;
  xs_resp_session_free(t->s);
  xs_resp_config cfg = {0};
  cfg.client_id = 7;
  cfg.resp2_until_hello = true;
  t->s = xs_resp_session_new(t->sim, t->a, &cfg);
  EXPECT(t, "$-1\r\n", "GET", "nokey");
  EXPECT(t, ":2\r\n", "HSET", "h", "a", "1", "b", "");
  EXPECT(t, "*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$0\r\n\r\n", "HGETALL", "h");
  EXPECT(t, "$3\r\n1.5\r\n", "INCRBYFLOAT", "f", "1.5");
  EXPECT(t, "*2\r\n$1\r\n1\r\n$-1\r\n", "HMGET", "h", "a", "zz");
  EXPECT(t, ":2\r\n", "SADD", "s", "x", "y");
  EXPECT(t, "*2\r\n$1\r\nx\r\n$1\r\ny\r\n", "SMEMBERS", "s");
  EXPECT(t, "*2\r\n$10\r\nappendonly\r\n+no\r\n", "CONFIG", "GET", "appendonly");
  EXPECT(t, HELLO_REPLY, "HELLO", "3");
  EXPECT(t, "_\r\n", "GET", "nokey");
  EXPECT(t, "~2\r\n$1\r\nx\r\n$1\r\ny\r\n", "SMEMBERS", "s");
  EXPECT(t, "$5\r\nRESET\r\n", "RESET");
  EXPECT(t, "$-1\r\n", "GET", "nokey");
}

/* Same seed, same replies: random choices come from the simulation's seed. */
static void test_determinism(void **state) {
  char *out[2];
  for (int run = 0; run < 2; run++) {
    tctx *t = ctx_new("resp-xsite", false);
    EXPECT(t, ":6\r\n", "SADD", "s", "a", "b", "c", "d", "e", "f");
    send_argv(t->s, (const char *const[]){"SPOP", "s", "3", NULL});
    send_argv(t->s, (const char *const[]){"SRANDMEMBER", "s", "-5", NULL});
    settle_session(t->sim, t->s);
    out[run] = take(t->s, NULL);
    ctx_free(t);
  }
  assert_string_equal(out[0], out[1]);
  free(out[0]);
  free(out[1]);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_parse_split_everywhere),
    cmocka_unit_test(test_parse_errors),
    cmocka_unit_test(test_parse_limits_accepted),
    cmocka_unit_test(test_detect),
    cmocka_unit_test(test_write),
    cmocka_unit_test(test_java_numbers),
    cmocka_unit_test(test_glob),
    cmocka_unit_test(test_table),
    xsite_test(test_connection),
    xsite_test(test_command_and_client),
    xsite_test(test_client_list_endpoint),
    xsite_test(test_info),
    cmocka_unit_test(test_select),
    cmocka_unit_test(test_quit),
    cmocka_unit_test(test_auth),
    cmocka_unit_test(test_roles),
    xsite_test(test_strings_set_get),
    xsite_test(test_strings_family),
    xsite_test(test_strings_counters),
    xsite_test(test_keys_basic),
    xsite_test(test_keys_expiry),
    xsite_test(test_keys_scan),
    xsite_test(test_hashes),
    xsite_test(test_lists),
    xsite_test(test_sets),
    xsite_test(test_value_encoding),
    xsite_test(test_pipelining),
    xsite_test(test_backup_failure),
    xsite_test(test_second_site_and_sessions),
    cmocka_unit_test(test_free_in_flight),
    xsite_test(test_output_pause),
    xsite_test(test_input_limit),
    cmocka_unit_test(test_fuzz),
    xsite_test(test_resp2_compat),
    cmocka_unit_test(test_determinism),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
