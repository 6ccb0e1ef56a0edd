/*
 * test_scenario.c - the scenario language (harness/scenario*.c): malformed
 * files each give a file:line:col message and never crash (also under
 * random mutation), parse -> print -> parse round trips over the library
 * and a file using every statement, the checkers on hand-made histories
 * (lost writes, stale values, resurrections, tokens, RPO, RTO), output
 * matching as the runbook shows it, and small scenarios run in process.
 */
#include "test_util.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prng.h"
#include "scenario.h"
#include "scenario_check.h"
#include "scenario_history.h"
#include "scenario_run.h"

#define SCENARIOS_DIR XS_TEST_DATA_DIR "/../../scenarios"
#define FUZZ_ROUNDS 3000

/* Parses text; on failure returns the formatted message (static buffer). */
static const char *parse_msg(const char *text, size_t len, xs_scenario **out) {
  static char msg[1 << 16];
  xs_scn_error err;
  *out = NULL;
  int rc = xs_scn_parse(text, len, out, &err);
  if (rc == 0) return NULL;
  xs_buf b;
  xs_buf_init(&b, sizeof msg);
  xs_scn_error_format("t.xsim", &err, &b);
  snprintf(msg, sizeof msg, "%s", xs_buf_cstr(&b));
  xs_buf_free(&b);
  return msg;
}

/* ------------------------------------------------------------------------ */
/* Malformed files                                                            */

typedef struct bad {
  const char *text;
  const char *where;  /* "line:col" */
  const char *says;   /* a part of the message */
} bad;

static const bad bads[] = {
    {"wait 5q\n", "1:6", "expected a duration such as 500ms, 30s, 5m, 2h or 1m30s, got '5q'"},
    {"waitt 5s\n", "1:1", "unknown statement 'waitt' (did you mean 'wait'?)"},
    {"partition site-a site-a\n", "1:18", "a link joins two different sites"},
    {"on site-b site status\n", "1:22", "expected ':' after 'on site-b site status'"},
    {"at 5m: on site-a: site name\n", "1:8", "a procedure step cannot run inside at/after/when"},
    {"check identical within\n", "1:23", "expected a duration after 'within'"},
    {"seed 1\nseed 2\n", "2:1", "'seed' is given twice (first on line 1)"},
    {"loadbalancer route53 primary site-a secondry site-b\n", "1:37", "expected 'secondary', got 'secondry'"},
    {"workload keycloak via loadbalancer logins 2/q\n", "1:43", "expected a rate such as 2/s"},
    {"  wait 1s\n", "1:3", "unexpected indentation"},
    {"check no-lost-write\n", "1:7", "unknown check 'no-lost-write' (did you mean 'no-lost-writes'?)"},
    {"mark a\ncheck rto <= 1m since nowhere\n", "2:23", "no 'mark nowhere' in this scenario"},
    {"when view site-a lacks site-b:\n", "1:30", "expected a statement after ':' or an indented block"},
    {"loss site-a site-b 101%\n", "1:20", "percentage '101%' is above 100%"},
    {"wait\t1s\n", "1:5", "a tab between words"},
    {"on site-a: site name\n  output:\n", "2:9", "expected the output after ':' or indented under this line"},
    {"on site-a: site name\n  outptu: y\n", "2:3", "(did you mean 'output'?)"},
    {"expect fail no-lost-write\n", "1:13", "'no-lost-write' is not a check (did you mean 'no-lost-writes'?)"},
    {"flap site-a site-b every 0s for 1m\n", "1:26", "'every' must be above 0"},
    {"wait 1s\nseed 3\n", "2:1", "'seed' belongs to the header"},
    {"set cache sessions owners 3\n", "1:1", "put 'topology ...' above it"},
    {"topology keycloak-ha\nset cache sessions backup site-b stratgy SYNC\n", "2:34",
     "'stratgy' is not a backup setting (did you mean 'strategy'?)"},
    {"topology keycloak\n", "1:10", "unknown preset 'keycloak', did you mean 'keycloak-ha'?"},
    {"wait 1s\0\n", "1:8", "a NUL byte"},
    {"after 1s:\n    wait 2s\n", "2:5", "'wait' cannot run inside at/after/when"},
    {"check replication site-a site-b offline\n", "1:26", "expected '->', got 'site-b'"},
    {"workload kv on site-a puts 1/s\n", "1:31", "'cache NAME'"},
    {"on site-a: site name\n    repeat every 5s at most 1m until it prints\n", "2:47", "expected ':' and the output"},
    {"after 1s:\n    heal\n  heal\n", "3:3", "inconsistent indentation"},
    {"workload keycloak via loadbalancer logins 1/s logins 2/s\n", "1:47", "'logins' is given twice"},
    {"description\n", "1:12", "expected text after 'description'"},
    {"loadbalancer check site-a path lb-check\n", "1:32", "expected a path starting with '/'"},
    {"check entries site-a sessions => 3\n", "1:31", "expected one of = != < <= > >=, got '=>'"},
    {"crash site a\n", "1:12", "unexpected 'a' at the end of the statement"},
    {"wait until view site-a has\n", "1:27", "expected a site name after 'has'"},
    {"check rpo < 1m since x\nmark x\n", "1:11", "expected '<=', got '<'"},
    {"topology file t.json\nset link latency 5ms\n", "2:1", "with 'topology file', change the file instead"},
    {"seed -1\n", "1:6", "expected a seed"},
    {"fence site-a from site-a\n", "1:19", "a site cannot fence itself"},
    {"on site-a: x\n    output nothing: y\n", "2:19", "'output nothing' takes no text"},
};

static void test_malformed(void **state) {
  for (size_t i = 0; i < sizeof bads / sizeof bads[0]; i++) {
    const bad *b = &bads[i];
    size_t len = strlen(b->text);
    if (strstr(b->where, "1:8") && strstr(b->says, "NUL")) len = 9; /* the text holds a NUL */
    xs_scenario *s;
    const char *m = parse_msg(b->text, len, &s);
    if (!m) fail_msg("case %zu parsed: %s", i, b->text);
    char want[64];
    snprintf(want, sizeof want, "t.xsim:%s: ", b->where);
    if (strncmp(m, want, strlen(want)) != 0 || !strstr(m, b->says))
      fail_msg("case %zu (%s):\n%s\nwant %s ... %s", i, b->text, m, want, b->says);
    /* The message quotes the line, with a caret under the column. */
    assert_non_null(strstr(m, " | "));
  }
}

static void test_limits(void **state) {
  xs_scenario *s;
  /* A line longer than XS_SCN_LINE_BYTES_MAX. */
  char *long_line = malloc(XS_SCN_LINE_BYTES_MAX + 64);
  memset(long_line, 'a', XS_SCN_LINE_BYTES_MAX + 10);
  long_line[XS_SCN_LINE_BYTES_MAX + 10] = '\n';
  const char *m = parse_msg(long_line, XS_SCN_LINE_BYTES_MAX + 11, &s);
  assert_non_null(m);
  assert_non_null(strstr(m, "t.xsim:1:4097: line longer than XS_SCN_LINE_BYTES_MAX"));
  free(long_line);
  /* Blocks nested past XS_SCN_DEPTH_MAX. */
  xs_buf b;
  xs_buf_init(&b, 1 << 20);
  for (int d = 0; d <= XS_SCN_DEPTH_MAX; d++) {
    for (int k = 0; k < d * 4; k++) xs_buf_puts(&b, " ");
    xs_buf_puts(&b, "after 1s:\n");
  }
  for (int k = 0; k < (XS_SCN_DEPTH_MAX + 1) * 4; k++) xs_buf_puts(&b, " ");
  xs_buf_puts(&b, "heal\n");
  m = parse_msg(xs_buf_cstr(&b), b.len, &s);
  assert_non_null(m);
  assert_non_null(strstr(m, "XS_SCN_DEPTH_MAX"));
  /* More statements than XS_SCN_STMTS_MAX. */
  xs_buf_reset(&b);
  for (int i = 0; i <= XS_SCN_STMTS_MAX; i++) xs_buf_puts(&b, "wait 1s\n");
  m = parse_msg(xs_buf_cstr(&b), b.len, &s);
  assert_non_null(m);
  assert_non_null(strstr(m, "t.xsim:4097:0: more than XS_SCN_STMTS_MAX"));
  /* Too many words. */
  xs_buf_reset(&b);
  xs_buf_puts(&b, "check identical");
  for (int i = 0; i < XS_SCN_WORDS_MAX; i++) xs_buf_puts(&b, " c");
  m = parse_msg(xs_buf_cstr(&b), b.len, &s);
  assert_non_null(m);
  assert_non_null(strstr(m, "XS_SCN_WORDS_MAX"));
  xs_buf_free(&b);
}

/* ------------------------------------------------------------------------ */
/* Round trips                                                                */

/* A file with every statement and clause. */
static const char kitchen_sink[] =
    "name every-statement\n"
    "description Every statement of the language, once.\n"
    "description A second line: with a colon.\n"
    "expect fail no-lost-writes step\n"
    "seed 0x2a\n"
    "topology keycloak-ha\n"
    "set cache sessions backup site-b timeout 5s\n"
    "set cache * backup * after-failures 3\n"
    "set cache work merge-policy PREFER_NON_NULL\n"
    "set link latency 2ms\n"
    "set xsite-fd-timeout 10s\n"
    "set site site-b nodes 2\n"
    "\n"
    "loadbalancer route53 primary site-a secondary site-b interval 10s threshold 2 ttl 30s\n"
    "workload keycloak via loadbalancer users 20 logins 2/s logouts 0.5/s refreshes 30/m action-tokens 1/h "
    "token-replays 0.125/s login-failures 1/s invalidations 0.2/s for 10m\n"
    "workload kv on site-b cache respCache keyspace shared keys 10 puts 1/s removes 0.5/s gets 2/s retries 3\n"
    "fencing delay 30s jitter 5s\n"
    "pace 2s\n"
    "wait 1m30s\n"
    "mark split\n"
    "partition site-a site-b   # both ways\n"
    "partition site-a -> site-b\n"
    "latency site-a site-b 50ms jitter 5ms\n"
    "latency site-a -> site-b 10ms\n"
    "loss site-b -> site-a 12.5%\n"
    "flap site-a site-b every 10s for 1m\n"
    "heal site-a -> site-b\n"
    "heal\n"
    "crash site-b\n"
    "restart site-b\n"
    "fence site-b from site-a\n"
    "stop keycloak on site-b\n"
    "start keycloak on site-b\n"
    "loadbalancer check site-a path /health/down\n"
    "loadbalancer remove site-b\n"
    "loadbalancer add site-b\n"
    "stop workload\n"
    "at 30m: heal\n"
    "after 10s:\n"
    "    crash site-a\n"
    "    when site site-a down:\n"
    "        restart site-a\n"
    "        mark back\n"
    "when not view site-a has site-b: fence site-b from site-a\n"
    "wait until push site-a -> site-b ok cache sessions at most 2m\n"
    "wait until link site-a -> site-b up\n"
    "on site-b: site take-offline --all-caches --site=site-a\n"
    "    output:\n"
    "        {\n"
    "          \"sessions\" : \"ok\"\n"
    "\n"
    "        }\n"
    "on site-b: clearcache sessions\n"
    "    output nothing\n"
    "on site-b: ls\n"
    "    output exactly: a line with trailing spaces   \n"
    "on site-b: get --cache=sessions nope\n"
    "    fails: Not Found:\n"
    "on site-b: frobnicate\n"
    "    fails\n"
    "on site-a: site push-site-status --cache=sessions\n"
    "    repeat every 5s at most 10m until it prints: { \"site-b\" : \"OK\" }\n"
    "on site-a: site name\n"
    "check identical\n"
    "check identical sessions clientSessions\n"
    "check identical except authenticationSessions\n"
    "check no-lost-writes\n"
    "check no-lost-writes on site-a site-b\n"
    "check no-resurrection on site-b\n"
    "check tokens-single-use\n"
    "check rpo <= 0s since split on site-a\n"
    "check rto <= 1m since split\n"
    "check replication site-a -> site-b offline within 2m since split\n"
    "check replication site-b -> site-a online cache work for 30s\n"
    "check view site-a lacks site-b\n"
    "check loadbalancer routes to site-b within 1m\n"
    "check site site-a up\n"
    "check keycloak on site-b down\n"
    "check lb-check site-a up\n"
    "check link site-a -> site-b down\n"
    "check entries site-a sessions >= 3\n"
    "check not identical\n";

static char *print(const xs_scenario *s) {
  xs_buf b;
  xs_buf_init(&b, 1 << 22);
  xs_scn_format(s, &b);
  char *t = strdup(xs_buf_cstr(&b));
  xs_buf_free(&b);
  return t;
}

/* parse(text) -> print -> parse -> print: both prints equal. */
static void round_trip(const char *what, const char *text, size_t len) {
  xs_scenario *a, *b;
  const char *m = parse_msg(text, len, &a);
  if (m) fail_msg("%s: %s", what, m);
  char *p1 = print(a);
  m = parse_msg(p1, strlen(p1), &b);
  if (m) fail_msg("%s printed text does not parse: %s\n%s", what, m, p1);
  char *p2 = print(b);
  if (strcmp(p1, p2) != 0) fail_msg("%s: round trip differs:\n%s\n---\n%s", what, p1, p2);
  assert_int_equal(a->total_stmts, b->total_stmts);
  xs_scn_free(a);
  xs_scn_free(b);
  free(p1);
  free(p2);
}

static char *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  char *buf = malloc(XS_SCN_FILE_BYTES_MAX + 1);
  *len = fread(buf, 1, XS_SCN_FILE_BYTES_MAX, f);
  buf[*len] = 0;
  fclose(f);
  return buf;
}

static void test_round_trip(void **state) {
  round_trip("kitchen sink", kitchen_sink, strlen(kitchen_sink));
  xs_scenario *s;
  assert_null(parse_msg(kitchen_sink, strlen(kitchen_sink), &s));
  /* A few fields, to see the parser read what the text says. */
  assert_string_equal(s->name, "every-statement");
  assert_true(s->expect_fail);
  assert_int_equal(s->nexpect, 2);
  assert_int_equal(s->seed, 42);
  assert_int_equal(s->noverrides, 6);
  assert_int_equal(s->stmts[1].wl.rate[XS_KC_REFRESH].milli, 30000);
  assert_int_equal(s->stmts[1].wl.rate[XS_KC_REFRESH].unit_ms, 60000);
  assert_int_equal(s->stmts[5].d, 90000);
  const xs_scn_stmt *after = NULL;
  for (int i = 0; i < s->nstmts && !after; i++)
    if (s->stmts[i].kind == XS_STMT_AFTER) after = &s->stmts[i];
  assert_non_null(after);
  assert_int_equal(after->nbody, 2);
  assert_int_equal(after->body[1].kind, XS_STMT_WHEN);
  assert_int_equal(after->body[1].nbody, 2);
  for (int i = 0; i < s->nstmts; i++)
    if (s->stmts[i].kind == XS_STMT_STEP && strcmp(s->stmts[i].step.command, "ls") == 0)
      assert_string_equal(s->stmts[i].step.text, "a line with trailing spaces   ");
  xs_scn_free(s);
  /* Every scenario in the library. */
  DIR *d = opendir(SCENARIOS_DIR);
  assert_non_null(d);
  struct dirent *e;
  int n = 0;
  while ((e = readdir(d))) {
    size_t l = strlen(e->d_name);
    if (l < 6 || strcmp(e->d_name + l - 5, ".xsim") != 0) continue;
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", SCENARIOS_DIR, e->d_name);
    size_t len = 0;
    char *text = slurp(path, &len);
    assert_non_null(text);
    round_trip(e->d_name, text, len);
    free(text);
    n++;
  }
  closedir(d);
  assert_true(n >= 6);
}

static void test_durations(void **state) {
  static const struct { const char *s; xs_ms ms; } ok[] = {
      {"500ms", 500}, {"30s", 30000}, {"5m", 300000}, {"2h", 7200000}, {"1d", 86400000}, {"1m30s", 90000},
      {"1h2m3s4ms", 3723004}, {"0s", 0}};
  for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
    xs_ms v = -1;
    assert_int_equal(xs_scn_parse_duration(ok[i].s, &v), 0);
    assert_int_equal(v, ok[i].ms);
    char buf[64];
    xs_scn_format_duration(v, buf, sizeof buf);
    xs_ms w;
    assert_int_equal(xs_scn_parse_duration(buf, &w), 0);
    assert_int_equal(w, v);
  }
  static const char *const badd[] = {"", "5", "s", "5x", "30s1m", "1m1m", "-5s", "1.5s", "5 s", "31d", "99999999999999d"};
  for (size_t i = 0; i < sizeof badd / sizeof badd[0]; i++) {
    xs_ms v;
    assert_true(xs_scn_parse_duration(badd[i], &v) < 0);
  }
}

/* Random mutations of a valid file: every result is a parse or an error
 * with a position; whatever parses prints and parses again. */
static void test_fuzz(void **state) {
  static const char alphabet[] = " :\n#->\t0123456789smh%/*.abconwait";
  xs_prng r;
  xs_prng_seed(&r, 20261122);
  size_t base = strlen(kitchen_sink);
  char *buf = malloc(base + 64);
  int parsed = 0;
  for (int round = 0; round < FUZZ_ROUNDS; round++) {
    memcpy(buf, kitchen_sink, base);
    size_t len = base;
    int edits = 1 + (int)xs_prng_below(&r, 4);
    for (int k = 0; k < edits; k++) {
      size_t at = (size_t)xs_prng_below(&r, len);
      int kind = (int)xs_prng_below(&r, 3);
      if (kind == 0) buf[at] = alphabet[xs_prng_below(&r, sizeof alphabet - 1)];
      else if (kind == 1) len = at + 1; /* truncate */
      else buf[at] = (char)xs_prng_below(&r, 256);
    }
    xs_scenario *s;
    xs_scn_error err;
    int rc = xs_scn_parse(buf, len, &s, &err);
    if (rc) {
      assert_true(err.msg[0] != 0);
      assert_true(err.line >= 0 && err.col >= 0);
      continue;
    }
    parsed++;
    char *p = print(s);
    xs_scenario *s2;
    const char *m = parse_msg(p, strlen(p), &s2);
    if (m) fail_msg("round %d: printed text does not parse: %s\n%s", round, m, p);
    xs_scn_free(s2);
    xs_scn_free(s);
    free(p);
  }
  free(buf);
  assert_true(parsed > 0);
}

/* ------------------------------------------------------------------------ */
/* Checkers on hand-made histories                                            */

typedef struct world {
  xs_history h;
  xs_hstate state[16][2]; /* key x site */
} world;

static void peek(void *ud, int site, uint32_t key, xs_hstate *out) { *out = ((world *)ud)->state[key][site]; }

static uint32_t op(world *w, uint32_t key, int site, xs_hop_kind k, xs_ms t0, xs_ms t1, xs_hop_res res) {
  int64_t i = xs_hist_invoke(&w->h, key, site, k, false, 0, 1, t0);
  assert_true(i >= 0);
  if (res != XS_HRES_PENDING) xs_hist_complete(&w->h, (uint32_t)i, res, res == XS_HRES_OK ? 0 : XS_EBACKUP,
                                               res == XS_HRES_OK ? "" : "ISPN000709", t1);
  return (uint32_t)i;
}

static int judge(world *w, uint32_t key, int site, xs_ms t, xs_violation *v) {
  xs_hist_index ix;
  assert_int_equal(xs_hist_index_build(&w->h, &ix), 0);
  int r = xs_check_key(&w->h, &ix, key, site, t, &w->state[key][site], v);
  xs_hist_index_free(&ix);
  return r;
}

static xs_hstate ours(uint32_t opi) { return (xs_hstate){XS_HSTATE_OURS, opi}; }
static const xs_hstate absent = {XS_HSTATE_ABSENT, -1};

static void test_register(void **state) {
  world *w = test_calloc(1, sizeof *w);
  xs_hist_init(&w->h);
  for (int k = 0; k < 9; k++) {
    char key[8];
    snprintf(key, sizeof key, "k%d", k);
    assert_int_equal(xs_hist_key(&w->h, 0, key, strlen(key)), k);
  }
  xs_violation v;
  /* k0: an acknowledged put, then nothing there: lost. */
  uint32_t p0 = op(w, 0, 0, XS_HOP_PUT, 0, 10, XS_HRES_OK);
  w->state[0][0] = absent;
  assert_int_equal(judge(w, 0, 0, 100, &v), 1);
  assert_int_equal(v.kind, XS_VIOL_LOST);
  assert_int_equal(v.expected_op, p0);
  w->state[0][0] = ours(p0);
  assert_int_equal(judge(w, 0, 0, 100, &v), 0);
  /* k1: two puts in sequence; the older value back is stale. */
  uint32_t a = op(w, 1, 0, XS_HOP_PUT, 0, 10, XS_HRES_OK);
  uint32_t b = op(w, 1, 0, XS_HOP_PUT, 20, 30, XS_HRES_OK);
  w->state[1][0] = ours(a);
  assert_int_equal(judge(w, 1, 0, 100, &v), 1);
  assert_int_equal(v.kind, XS_VIOL_STALE);
  assert_int_equal(v.expected_op, b);
  assert_int_equal(v.actual_op, a);
  /* k2: put then an acknowledged remove; the value back is a lost logout. */
  uint32_t c = op(w, 2, 0, XS_HOP_PUT, 0, 10, XS_HRES_OK);
  uint32_t d = op(w, 2, 0, XS_HOP_REMOVE, 20, 30, XS_HRES_OK);
  w->state[2][1] = ours(c);
  assert_int_equal(judge(w, 2, 1, 100, &v), 1);
  assert_int_equal(v.kind, XS_VIOL_RESURRECTED);
  assert_int_equal(v.expected_op, d);
  w->state[2][1] = absent;
  assert_int_equal(judge(w, 2, 1, 100, &v), 0);
  /* k3: a failed (indeterminate) put after an acknowledged one: either value. */
  uint32_t e = op(w, 3, 0, XS_HOP_PUT, 0, 10, XS_HRES_OK);
  uint32_t f = op(w, 3, 0, XS_HOP_PUT, 20, 33020, XS_HRES_ERROR);
  w->state[3][0] = ours(e);
  assert_int_equal(judge(w, 3, 0, 40000, &v), 0);
  w->state[3][0] = ours(f);
  assert_int_equal(judge(w, 3, 0, 40000, &v), 0);
  w->state[3][0] = absent;
  assert_int_equal(judge(w, 3, 0, 40000, &v), 1);
  /* k4: overlapping acknowledged puts: either may be last. */
  uint32_t g = op(w, 4, 0, XS_HOP_PUT, 0, 50, XS_HRES_OK);
  uint32_t h = op(w, 4, 1, XS_HOP_PUT, 10, 20, XS_HRES_OK);
  w->state[4][0] = ours(g);
  assert_int_equal(judge(w, 4, 0, 100, &v), 0);
  w->state[4][0] = ours(h);
  assert_int_equal(judge(w, 4, 0, 100, &v), 0);
  /* ... but not before the other was even invoked: in flight at t=30. */
  assert_int_equal(judge(w, 4, 0, 30, &v), -1);
  /* k5: a value no client wrote. */
  op(w, 5, 0, XS_HOP_PUT, 0, 10, XS_HRES_OK);
  w->state[5][0] = (xs_hstate){XS_HSTATE_FOREIGN, -1};
  assert_int_equal(judge(w, 5, 0, 100, &v), 1);
  assert_int_equal(v.kind, XS_VIOL_FOREIGN);
  /* k6: a refused put-if-absent changes nothing. */
  uint32_t i = op(w, 6, 0, XS_HOP_PUT_IF_ABSENT, 0, 10, XS_HRES_OK);
  op(w, 6, 1, XS_HOP_PUT_IF_ABSENT, 20, 30, XS_HRES_REFUSED);
  w->state[6][1] = ours(i);
  assert_int_equal(judge(w, 6, 1, 100, &v), 0);
  /* k7: counters are not registers. */
  op(w, 7, 0, XS_HOP_INCR, 0, 10, XS_HRES_OK);
  assert_int_equal(judge(w, 7, 0, 100, &v), -1);
  xs_hist_free(&w->h);
  test_free(w);
}

static void test_local_and_crash(void **state) {
  world *w = test_calloc(1, sizeof *w);
  xs_hist_init(&w->h);
  assert_int_equal(xs_hist_key(&w->h, 2, "auth1", 5), 0);
  /* A local-only put on site 0, acknowledged. */
  int64_t p = xs_hist_invoke(&w->h, 0, 0, XS_HOP_PUT, true, 0, 1, 0);
  xs_hist_complete(&w->h, (uint32_t)p, XS_HRES_OK, 0, "", 5);
  xs_violation v;
  /* Site 1 may or may not have it (state transfer can copy it). */
  w->state[0][1] = absent;
  assert_int_equal(judge(w, 0, 1, 100, &v), 0);
  w->state[0][1] = ours((uint32_t)p);
  assert_int_equal(judge(w, 0, 1, 100, &v), 0);
  /* Site 0 must have it ... until site 0 crashes. */
  w->state[0][0] = absent;
  assert_int_equal(judge(w, 0, 0, 100, &v), 1);
  xs_hist_crash(&w->h, 0, 50);
  assert_int_equal(judge(w, 0, 0, 100, &v), 0);
  assert_int_equal(judge(w, 0, 0, 40, &v), 1); /* judged before the crash */
  xs_hist_free(&w->h);
  test_free(w);
}

static int64_t count_viols;
static void count_cb(void *ud, const xs_violation *v) { count_viols++; }

static void test_tokens_register_scan(void **state) {
  world *w = test_calloc(1, sizeof *w);
  xs_hist_init(&w->h);
  assert_int_equal(xs_hist_key(&w->h, 3, "tok1", 4), 0);
  assert_int_equal(xs_hist_key(&w->h, 3, "tok2", 4), 1);
  op(w, 0, 0, XS_HOP_PUT_IF_ABSENT, 0, 10, XS_HRES_OK);
  op(w, 0, 1, XS_HOP_PUT_IF_ABSENT, 20, 30, XS_HRES_OK); /* accepted twice: split brain */
  op(w, 1, 0, XS_HOP_PUT_IF_ABSENT, 0, 10, XS_HRES_OK);
  op(w, 1, 1, XS_HOP_PUT_IF_ABSENT, 20, 30, XS_HRES_REFUSED);
  xs_hist_index ix;
  assert_int_equal(xs_hist_index_build(&w->h, &ix), 0);
  count_viols = 0;
  assert_int_equal(xs_check_tokens(&w->h, &ix, 3, count_cb, NULL), 1);
  assert_int_equal(count_viols, 1);
  assert_int_equal(xs_check_tokens(&w->h, &ix, 4, NULL, NULL), 0); /* another cache */
  /* Register scan: tok1 holds the second use, tok2 nothing (lost). */
  w->state[0][0] = ours(1);
  w->state[1][0] = absent;
  count_viols = 0;
  assert_int_equal(xs_check_register(&w->h, &ix, 0, 100, peek, w, count_cb, NULL), 1);
  xs_hist_index_free(&ix);
  xs_hist_free(&w->h);
  test_free(w);
}

static void test_rto_rpo(void **state) {
  world *w = test_calloc(1, sizeof *w);
  xs_hist_init(&w->h);
  assert_int_equal(xs_hist_key(&w->h, 0, "k", 1), 0);
  op(w, 0, 0, XS_HOP_PUT, 1000, 1002, XS_HRES_OK);      /* before the failure */
  op(w, 0, 0, XS_HOP_PUT, 10000, 23000, XS_HRES_ERROR); /* the failure at 10 s */
  op(w, 0, 0, XS_HOP_PUT, 25000, 25001, XS_HRES_OK);    /* a lucky one in between */
  op(w, 0, 0, XS_HOP_PUT, 30000, 30000, XS_HRES_UNAVAILABLE);
  uint32_t ok = op(w, 0, 0, XS_HOP_PUT, 40000, 40005, XS_HRES_OK);
  op(w, 0, 0, XS_HOP_PUT, 41000, 41000, XS_HRES_REFUSED); /* an answer, not an outage */
  xs_rto r;
  xs_check_rto(&w->h, 10000, 60000, &r);
  assert_int_equal(r.failed, 2);
  assert_true(r.recovered);
  assert_int_equal(r.first_ok_op, ok);
  assert_int_equal(r.rto, 30005);
  xs_check_rto(&w->h, 10000, 35000, &r); /* judged before it recovered */
  assert_false(r.recovered);
  xs_check_rto(&w->h, 45000, 60000, &r); /* nothing failed since */
  assert_int_equal(r.failed, 0);
  assert_int_equal(r.rto, 0);
  /* RPO: the earliest acknowledged op whose effect was lost, back from the failure. */
  xs_violation v[2] = {{XS_VIOL_LOST, 0, 0, 0, -1}, {XS_VIOL_STALE, 0, 0, (int64_t)ok, 0}};
  assert_int_equal(xs_check_rpo(&w->h, v, 2, 10000), 10000 - 1002);
  assert_int_equal(xs_check_rpo(&w->h, v + 1, 1, 10000), 1); /* lost after the failure: at least 1 ms */
  assert_int_equal(xs_check_rpo(&w->h, v, 0, 10000), 0);
  xs_hist_free(&w->h);
  test_free(w);
}

static void test_values(void **state) {
  char buf[64];
  xs_hist_value(buf, sizeof buf, "user-7", 1234);
  assert_string_equal(buf, "user-7#1234");
  assert_int_equal(xs_hist_value_op((const uint8_t *)buf, (uint32_t)strlen(buf)), 1234);
  assert_int_equal(xs_hist_value_op((const uint8_t *)"plain", 5), -1);
  assert_int_equal(xs_hist_value_op((const uint8_t *)"x#", 2), -1);
  assert_int_equal(xs_hist_value_op((const uint8_t *)"#5", 2), 5); /* an empty label is still ours */
  assert_int_equal(xs_hist_value_op((const uint8_t *)"a#12345678901", 13), -1);
}

/* ------------------------------------------------------------------------ */
/* Runs in process                                                            */

static xs_scn_result run_text(const char *text, uint64_t seed) {
  xs_scenario *s;
  const char *m = parse_msg(text, strlen(text), &s);
  if (m) fail_msg("%s", m);
  xs_scn_run_opts o = {.path = "t.xsim", .seed_given = true, .seed = seed};
  xs_scn_result r;
  assert_int_equal(xs_scn_run(s, &o, &r), 0);
  xs_scn_free(s);
  return r;
}

static const xs_scn_failure *failure(const xs_scn_result *r, const char *check) {
  for (int i = 0; i < r->nfailures; i++)
    if (strcmp(r->failures[i].check, check) == 0) return &r->failures[i];
  return NULL;
}

static void test_run_steps(void **state) {
  /* A step's output checked as the runbook shows it, a wrong expectation
   * caught with the step's line, and the expectation logic. */
  static const char text[] =
      "expect fail step\n"
      "topology keycloak-ha\n"
      "on site-b: site take-offline --all-caches --site=site-a\n"
      "    output: { \"offlineClientSessions\" : \"ok\", \"authenticationSessions\" : \"ok\", \"sessions\" : \"ok\", "
      "\"clientSessions\" : \"ok\", \"work\" : \"ok\", \"offlineSessions\" : \"ok\", \"loginFailures\" : \"ok\", "
      "\"actionTokens\" : \"ok\" }\n"
      "on site-b: site status --all-caches --site=site-a\n"
      "    output exactly:\n"
      "        {\n"
      "          \"status\" : \"offline\"\n"
      "        }\n"
      "on site-b: clearcache sessions\n"
      "    output nothing\n"
      "on site-b: get --cache=sessions nope\n"
      "    fails: Not Found:\n"
      "check replication site-b -> site-a offline\n"
      "check replication site-a -> site-b online\n"
      "on site-a: site status --all-caches --site=site-b\n"
      "    output: { \"status\" : \"offline\" }\n";
  xs_scn_result r = run_text(text, 1);
  assert_false(r.error);
  assert_true(r.failed);
  assert_int_equal(r.failures_total, 1);
  const xs_scn_failure *f = failure(&r, "step");
  assert_non_null(f);
  assert_int_equal(f->line, 16);
  assert_non_null(strstr(f->summary, "printed { \"status\" : \"online\" }, expected { \"status\" : \"offline\" }"));
  assert_true(r.met); /* expect fail step */
  xs_scn_result_free(&r);
}

static void test_run_checks(void **state) {
  /* The ch. 11 pitfall in miniature: a clear on site-b with replication
   * online also clears site-a; the no-lost-writes check names a key, its
   * history and the clearcache step that broke it. */
  static const char text[] =
      "expect fail no-lost-writes\n"
      "topology keycloak-ha\n"
      "workload kv on site-a cache sessions keys 20 puts 5/s for 30s\n"
      "wait 1m\n"
      "check identical\n"
      "on site-b: clearcache sessions\n"
      "wait 1s\n"
      "check no-lost-writes on site-a\n";
  xs_scn_result r = run_text(text, 3);
  assert_false(r.error);
  const xs_scn_failure *f = failure(&r, "no-lost-writes");
  assert_non_null(f);
  assert_int_equal(f->line, 8);
  assert_non_null(strstr(f->summary, "acknowledged write lost"));
  assert_non_null(f->detail);
  assert_non_null(strstr(f->detail, "history ("));
  assert_non_null(strstr(f->detail, "line 6: on site-b: clearcache sessions"));
  assert_true(r.met);
  assert_true(r.ops > 50);
  xs_scn_result_free(&r);
  /* Same seed, same run. */
  xs_scn_result a = run_text(text, 3), b = run_text(text, 3), c = run_text(text, 4);
  assert_int_equal(a.evhash, b.evhash);
  assert_int_equal(a.hist_digest, b.hist_digest);
  assert_true(a.hist_digest != c.hist_digest);
  xs_scn_result_free(&a);
  xs_scn_result_free(&b);
  xs_scn_result_free(&c);
}

static void test_run_setup_errors(void **state) {
  xs_scn_result r = run_text("topology keycloak-ha\nwait 1s\npartition site-a site-c\n", 1);
  assert_true(r.error);
  assert_false(r.met);
  assert_int_equal(r.failures[0].line, 3);
  assert_int_equal(r.failures[0].col, 18);
  assert_non_null(strstr(r.failures[0].summary, "unknown site 'site-c' (the topology has site-a, site-b)"));
  xs_scn_result_free(&r);
  r = run_text("topology keycloak-ha\nset cache sessions backup site-b strategy SYNCH\n", 1);
  assert_true(r.error);
  assert_int_equal(r.failures[0].line, 2);
  assert_non_null(strstr(r.failures[0].summary, "expected SYNC or ASYNC, got \"SYNCH\""));
  xs_scn_result_free(&r);
  /* An override that is fine changes the run's topology. */
  r = run_text("topology keycloak-ha\nset cache * backup * strategy ASYNC\nset cache * backup * failure-policy WARN\n"
               "set cache * transaction NONE\ncheck identical\n", 1);
  assert_false(r.error);
  assert_false(r.failed);
  xs_scn_result_free(&r);
  /* A wait that runs out, and an expectation that is not met. */
  r = run_text("expect fail rto\ntopology keycloak-ha\nwait until view site-a lacks site-b at most 10s\n", 1);
  assert_non_null(failure(&r, "wait"));
  assert_false(r.met);
  xs_scn_result_free(&r);
}

static void test_output_match(void **state) {
  /* As the runbook shows it: whitespace free, JSON members in any order. */
  assert_int_equal(xs_scn_output_matches(XS_OUT_LIKE, "{ \"a\" : \"ok\", \"b\" : \"ok\" }",
                                                    "{\n  \"b\" : \"ok\",\n  \"a\" : \"ok\"\n}\n"), 1);
  assert_int_equal(xs_scn_output_matches(XS_OUT_LIKE, "\"ok\"", "\"ok\"\n"), 1);
  assert_int_equal(xs_scn_output_matches(XS_OUT_LIKE, "{ \"a\" : \"ok\" }", "{ \"a\" : \"no\" }"), 0);
  assert_int_equal(xs_scn_output_matches(XS_OUT_LIKE, "[site-a, site-b]", "[site-a,  site-b]\n"), 1);
  assert_int_equal(xs_scn_output_matches(XS_OUT_LIKE, "{ \"x\" : 1 } { \"y\" : 2 }",
                                                    "{\"x\":1}\n{\"y\":2}\n"), 1);
  assert_int_equal(xs_scn_output_matches(XS_OUT_EXACTLY, "a\n  b", "a\n  b\n"), 1);
  assert_int_equal(xs_scn_output_matches(XS_OUT_EXACTLY, "a\nb", "a\n  b\n"), 0);
  assert_int_equal(xs_scn_output_matches(XS_OUT_EXACTLY, "a", "a"), 0); /* the newline is part of it */
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_malformed),   cmocka_unit_test(test_limits),
      cmocka_unit_test(test_round_trip),  cmocka_unit_test(test_durations),
      cmocka_unit_test(test_fuzz),        cmocka_unit_test(test_register),
      cmocka_unit_test(test_local_and_crash), cmocka_unit_test(test_tokens_register_scan),
      cmocka_unit_test(test_rto_rpo),     cmocka_unit_test(test_values),
      cmocka_unit_test(test_run_steps),   cmocka_unit_test(test_run_checks),
      cmocka_unit_test(test_run_setup_errors), cmocka_unit_test(test_output_match),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
