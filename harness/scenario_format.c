/*
 * scenario_format.c - prints a scenario tree in the language's canonical
 * layout: header first, blocks and clauses indented by four spaces,
 * durations largest unit first.  Parsing the printed text gives back the
 * same tree, which is how the tests check that the parser and this printer
 * agree on the language (tests/test_scenario.c, round trips).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "scenario.h"

#define INDENT 4

void xs_scn_format_duration(xs_ms d, char *buf, size_t len) {
  static const struct { const char *u; xs_ms ms; } units[] = {
      {"d", 86400000}, {"h", 3600000}, {"m", 60000}, {"s", 1000}, {"ms", 1}};
  size_t n = 0;
  buf[0] = 0;
  if (d <= 0) {
    snprintf(buf, len, "0s");
    return;
  }
  for (size_t i = 0; i < sizeof units / sizeof units[0] && n < len; i++) {
    xs_ms v = d / units[i].ms;
    if (!v) continue;
    d -= v * units[i].ms;
    n += (size_t)snprintf(buf + n, len - n, "%" PRId64 "%s", v, units[i].u);
  }
}

/* Thousandths as the shortest decimal: 500 -> "0.5", 2000 -> "2". */
static void decimal(xs_buf *b, int64_t milli) {
  xs_buf_printf(b, "%" PRId64, milli / 1000);
  int64_t f = milli % 1000;
  if (!f) return;
  char frac[8];
  snprintf(frac, sizeof frac, "%03" PRId64, f);
  for (int k = 2; k > 0 && frac[k] == '0'; k--) frac[k] = 0;
  xs_buf_printf(b, ".%s", frac);
}

static void dur(xs_buf *b, xs_ms d) {
  char s[64];
  xs_scn_format_duration(d, s, sizeof s);
  xs_buf_puts(b, s);
}

static void pad(xs_buf *b, int depth) {
  for (int i = 0; i < depth * INDENT; i++) xs_buf_puts(b, " ");
}

/* ------------------------------------------------------------------------ */
/* Conditions and checks                                                      */

static void cond(xs_buf *b, const xs_scn_cond *c) {
  static const char *const online[] = {"online", "offline"};
  static const char *const push[] = {"idle", "sending", "ok", "error", "canceled"};
  static const char *const updown[] = {"up", "down"};
  static const char *const cmp[] = {"=", "!=", "<", "<=", ">", ">="};
  if (c->negate) xs_buf_puts(b, "not ");
  switch (c->kind) {
  case XS_COND_REPLICATION: xs_buf_printf(b, "replication %s -> %s %s", c->a.name, c->b.name, online[c->state]); break;
  case XS_COND_PUSH: xs_buf_printf(b, "push %s -> %s %s", c->a.name, c->b.name, push[c->state]); break;
  case XS_COND_VIEW: xs_buf_printf(b, "view %s %s %s", c->a.name, c->state ? "lacks" : "has", c->b.name); break;
  case XS_COND_ROUTES: xs_buf_printf(b, "loadbalancer routes to %s", c->a.name); break;
  case XS_COND_IDENTICAL:
    xs_buf_puts(b, c->except ? "identical except" : "identical");
    for (int i = 0; i < c->caches.n; i++) xs_buf_printf(b, " %s", c->caches.v[i].name);
    break;
  case XS_COND_SITE: xs_buf_printf(b, "site %s %s", c->a.name, updown[c->state]); break;
  case XS_COND_KEYCLOAK: xs_buf_printf(b, "keycloak on %s %s", c->a.name, updown[c->state]); break;
  case XS_COND_LBCHECK: xs_buf_printf(b, "lb-check %s %s", c->a.name, updown[c->state]); break;
  case XS_COND_LINK: xs_buf_printf(b, "link %s -> %s %s", c->a.name, c->b.name, updown[c->state]); break;
  case XS_COND_ENTRIES:
    xs_buf_printf(b, "entries %s %s %s %" PRId64, c->a.name, c->cache.name, cmp[c->cmp], c->n);
    break;
  default: break;
  }
  if ((c->kind == XS_COND_REPLICATION || c->kind == XS_COND_PUSH) && c->cache.name[0])
    xs_buf_printf(b, " cache %s", c->cache.name);
}

static void on_sites(xs_buf *b, const xs_scn_check *c) {
  if (c->nsites) xs_buf_puts(b, " on");
  for (int i = 0; i < c->nsites; i++) xs_buf_printf(b, " %s", c->sites[i].name);
}

static void check(xs_buf *b, const xs_scn_check *c) {
  xs_buf_printf(b, "check %s", c->kind == XS_CHECK_COND ? "" : xs_scn_check_name(c));
  switch (c->kind) {
  case XS_CHECK_COND:
    cond(b, &c->cond);
    if (c->when != XS_WHEN_NOW) {
      xs_buf_puts(b, c->when == XS_WHEN_WITHIN ? " within " : " for ");
      dur(b, c->d);
    }
    if (c->since.name[0]) xs_buf_printf(b, " since %s", c->since.name);
    break;
  case XS_CHECK_RPO:
  case XS_CHECK_RTO:
    xs_buf_puts(b, " <= ");
    dur(b, c->d);
    xs_buf_printf(b, " since %s", c->since.name);
    on_sites(b, c);
    break;
  case XS_CHECK_TOKENS: break;
  default: on_sites(b, c); break;
  }
}

/* ------------------------------------------------------------------------ */
/* Actors                                                                     */

static void rate(xs_buf *b, const char *name, const xs_scn_rate *r) {
  xs_buf_printf(b, " %s ", name);
  decimal(b, r->milli);
  xs_buf_puts(b, r->unit_ms == 1000 ? "/s" : r->unit_ms == 60000 ? "/m" : "/h");
}

static void workload(xs_buf *b, const xs_scn_workload *w) {
  static const char *const kc[] = {"logins", "logouts", "refreshes", "action-tokens", "token-replays",
                                   "login-failures", "invalidations"};
  static const char *const kv[] = {"puts", "removes", "gets"};
  bool k = w->kind == XS_WL_KEYCLOAK;
  xs_buf_printf(b, "workload %s", k ? "keycloak" : "kv");
  if (w->via_lb) xs_buf_puts(b, " via loadbalancer");
  else xs_buf_printf(b, " on %s", w->site.name);
  if (!k) xs_buf_printf(b, " cache %s", w->cache.name);
  if (!k && w->keyspace.name[0]) xs_buf_printf(b, " keyspace %s", w->keyspace.name);
  if (!k && w->retries) xs_buf_printf(b, " retries %" PRId64, w->retries);
  if (w->population) xs_buf_printf(b, " %s %" PRId64, k ? "users" : "keys", w->population);
  for (int i = 0; i < (k ? XS_KC_ACTIONS : XS_KV_ACTIONS); i++)
    if (w->rate_set[i]) rate(b, k ? kc[i] : kv[i], &w->rate[i]);
  if (w->for_ms) {
    xs_buf_puts(b, " for ");
    dur(b, w->for_ms);
  }
}

static void lb(xs_buf *b, const xs_scn_lb *l) {
  if (l->mode == XS_LB_ROUTE53) {
    xs_buf_printf(b, "loadbalancer route53 primary %s secondary %s", l->sites[0].name, l->sites[1].name);
  } else {
    xs_buf_puts(b, "loadbalancer accelerator");
    for (int i = 0; i < l->nsites; i++) xs_buf_printf(b, " %s", l->sites[i].name);
  }
  xs_buf_puts(b, " interval ");
  dur(b, l->interval_ms);
  xs_buf_printf(b, " threshold %" PRId64, l->threshold);
  if (l->mode == XS_LB_ROUTE53 && l->ttl_ms) {
    xs_buf_puts(b, " ttl ");
    dur(b, l->ttl_ms);
  }
}

/* ------------------------------------------------------------------------ */
/* Statements                                                                 */

static void stmts(xs_buf *b, const xs_scn_stmt *v, int n, int depth);

static void pair(xs_buf *b, const xs_scn_stmt *st) {
  xs_buf_printf(b, " %s%s %s", st->a.name, st->oneway ? " ->" : "", st->b.name);
}

/* The output text under a clause, each line indented one level deeper. */
static void text(xs_buf *b, const char *t, int depth) {
  while (t) {
    const char *nl = strchr(t, '\n');
    size_t len = nl ? (size_t)(nl - t) : strlen(t);
    if (len) {
      pad(b, depth);
      xs_buf_append(b, t, len);
    }
    xs_buf_puts(b, "\n");
    t = nl ? nl + 1 : NULL;
  }
}

static void step(xs_buf *b, const xs_scn_step *s, int depth) {
  xs_buf_printf(b, "on %s: %s\n", s->site.name, s->command);
  if (s->mode == XS_OUT_ANY) return;
  pad(b, depth + 1);
  switch (s->mode) {
  case XS_OUT_LIKE: xs_buf_puts(b, "output:"); break;
  case XS_OUT_EXACTLY: xs_buf_puts(b, "output exactly:"); break;
  case XS_OUT_NOTHING: xs_buf_puts(b, "output nothing"); break;
  case XS_OUT_FAILS: xs_buf_puts(b, s->text ? "fails:" : "fails"); break;
  default:
    xs_buf_puts(b, "repeat every ");
    dur(b, s->every_ms);
    xs_buf_puts(b, " at most ");
    dur(b, s->at_most_ms);
    xs_buf_puts(b, " until it prints:");
    break;
  }
  xs_buf_puts(b, "\n");
  if (s->text) text(b, s->text, depth + 2);
}

/* The statements whose text is a keyword and sites. */
static void simple(xs_buf *b, const xs_scn_stmt *st) {
  switch (st->kind) {
  case XS_STMT_MARK: xs_buf_printf(b, "mark %s", st->text); break;
  case XS_STMT_LB_CHECK: xs_buf_printf(b, "loadbalancer check %s path %s", st->a.name, st->text); break;
  case XS_STMT_LB_REMOVE: xs_buf_printf(b, "loadbalancer remove %s", st->a.name); break;
  case XS_STMT_LB_ADD: xs_buf_printf(b, "loadbalancer add %s", st->a.name); break;
  case XS_STMT_STOP_WORKLOAD: xs_buf_puts(b, "stop workload"); break;
  case XS_STMT_KEYCLOAK: xs_buf_printf(b, "%s keycloak on %s", st->start ? "start" : "stop", st->a.name); break;
  case XS_STMT_PARTITION: xs_buf_puts(b, "partition"), pair(b, st); break;
  case XS_STMT_HEAL:
    xs_buf_puts(b, "heal");
    if (st->a.name[0]) pair(b, st);
    break;
  case XS_STMT_CRASH: xs_buf_printf(b, "crash %s", st->a.name); break;
  case XS_STMT_RESTART: xs_buf_printf(b, "restart %s", st->a.name); break;
  case XS_STMT_FENCE: xs_buf_printf(b, "fence %s from %s", st->b.name, st->a.name); break;
  case XS_STMT_LB: lb(b, &st->lb); break;
  case XS_STMT_WORKLOAD: workload(b, &st->wl); break;
  case XS_STMT_CHECK: check(b, &st->check); break;
  default: break;
  }
}

/* The statements with durations. */
static void timed(xs_buf *b, const xs_scn_stmt *st) {
  switch (st->kind) {
  case XS_STMT_WAIT: xs_buf_puts(b, "wait "), dur(b, st->d); break;
  case XS_STMT_PACE: xs_buf_puts(b, "pace "), dur(b, st->d); break;
  case XS_STMT_WAIT_UNTIL:
    xs_buf_puts(b, "wait until ");
    cond(b, &st->cond);
    xs_buf_puts(b, " at most ");
    dur(b, st->d);
    break;
  case XS_STMT_FENCING:
    xs_buf_puts(b, "fencing delay ");
    dur(b, st->d);
    xs_buf_puts(b, " jitter ");
    dur(b, st->d2);
    break;
  case XS_STMT_FLAP:
    xs_buf_puts(b, "flap");
    pair(b, st);
    xs_buf_puts(b, " every ");
    dur(b, st->d);
    xs_buf_puts(b, " for ");
    dur(b, st->d2);
    break;
  case XS_STMT_LATENCY:
    xs_buf_puts(b, "latency");
    pair(b, st);
    xs_buf_puts(b, " ");
    dur(b, st->d);
    if (st->d2) xs_buf_puts(b, " jitter "), dur(b, st->d2);
    break;
  case XS_STMT_LOSS:
    xs_buf_puts(b, "loss");
    pair(b, st);
    xs_buf_puts(b, " ");
    decimal(b, st->n);
    xs_buf_puts(b, "%");
    break;
  default: simple(b, st); break;
  }
}

static void stmt(xs_buf *b, const xs_scn_stmt *st, int depth) {
  pad(b, depth);
  if (st->kind == XS_STMT_STEP) {
    step(b, &st->step, depth);
    return;
  }
  if (st->kind == XS_STMT_AT || st->kind == XS_STMT_AFTER || st->kind == XS_STMT_WHEN) {
    if (st->kind == XS_STMT_WHEN) {
      xs_buf_puts(b, "when ");
      cond(b, &st->cond);
    } else {
      xs_buf_puts(b, st->kind == XS_STMT_AT ? "at " : "after ");
      dur(b, st->d);
    }
    xs_buf_puts(b, ":\n");
    stmts(b, st->body, st->nbody, depth + 1);
    return;
  }
  timed(b, st);
  xs_buf_puts(b, "\n");
}

static void stmts(xs_buf *b, const xs_scn_stmt *v, int n, int depth) {
  for (int i = 0; i < n; i++) stmt(b, &v[i], depth);
}

static void header(xs_buf *b, const xs_scenario *s) {
  if (s->name[0]) xs_buf_printf(b, "name %s\n", s->name);
  for (const char *d = s->description; d && *d;) {
    const char *nl = strchr(d, '\n');
    size_t len = nl ? (size_t)(nl - d) : strlen(d);
    xs_buf_puts(b, "description ");
    xs_buf_append(b, d, len);
    xs_buf_puts(b, "\n");
    d = nl ? nl + 1 : NULL;
  }
  xs_buf_puts(b, s->expect_fail ? "expect fail" : "expect pass");
  for (int i = 0; i < s->nexpect; i++) xs_buf_printf(b, " %s", s->expect[i].name);
  xs_buf_puts(b, "\n");
  if (s->seed_set) xs_buf_printf(b, "seed %" PRIu64 "\n", s->seed);
  if (s->topology.name[0]) xs_buf_printf(b, "topology %s%s\n", s->topology_file ? "file " : "", s->topology.name);
  for (int i = 0; i < s->noverrides; i++) {
    xs_buf_puts(b, "set");
    for (int k = 0; k < s->overrides[i].nwords; k++) xs_buf_printf(b, " %s", s->overrides[i].words[k].name);
    xs_buf_printf(b, " %s\n", s->overrides[i].value.name);
  }
}

void xs_scn_format(const xs_scenario *s, xs_buf *out) {
  header(out, s);
  if (s->nstmts) xs_buf_puts(out, "\n");
  stmts(out, s->stmts, s->nstmts, 0);
}
