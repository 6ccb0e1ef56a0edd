/*
 * scenario_parse_stmt.c - the timeline statements made of words: waits,
 * marks, the load balancer, workloads, fencing, Keycloak, faults.  Each
 * parser reads ws->w[1...] and fills its part of the statement; errors name
 * the word at fault (docs/scenario-language.md lists every form).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario_lex.h"

/* Fails on a word left over after a complete statement. */
static int done(scn_parser *p, int line, const scn_words *ws, int i) {
  if (i < ws->n)
    return xs__scn_fail(p, XS_EINVAL, line, ws->w[i].col, "unexpected '%.*s' at the end of the statement",
                        ws->w[i].len, ws->w[i].s);
  return 0;
}

static int expect_word(scn_parser *p, int line, const scn_words *ws, int i, const char *kw) {
  char what[64];
  snprintf(what, sizeof what, "'%s'", kw);
  const scn_word *w = xs__scn_need(p, line, ws, i, what);
  if (!w) return p->rc;
  if (!xs__scn_is(w, kw))
    return xs__scn_fail(p, XS_EINVAL, line, w->col, "expected '%s', got '%.*s'", kw, w->len, w->s);
  return 0;
}

static int site_at(scn_parser *p, int line, const scn_words *ws, int i, xs_scn_ref *out) {
  const scn_word *w = xs__scn_need(p, line, ws, i, "a site name");
  return w ? xs__scn_name(p, line, w, "a site name", out) : p->rc;
}

/* "A B" (both directions) or "A -> B" (one way); advances *i. */
static int site_pair(scn_parser *p, int line, const scn_words *ws, int *i, xs_scn_stmt *st) {
  if (site_at(p, line, ws, *i, &st->a)) return p->rc;
  (*i)++;
  if (*i < ws->n && xs__scn_is(&ws->w[*i], "->")) {
    st->oneway = true;
    (*i)++;
  }
  if (site_at(p, line, ws, *i, &st->b)) return p->rc;
  if (strcmp(st->a.name, st->b.name) == 0)
    return xs__scn_fail(p, XS_EINVAL, line, st->b.col, "a link joins two different sites, got '%s' twice", st->a.name);
  (*i)++;
  return 0;
}

static int duration_at(scn_parser *p, int line, const scn_words *ws, int i, const char *what, xs_ms *out) {
  const scn_word *w = xs__scn_need(p, line, ws, i, what);
  return w ? xs__scn_duration(p, line, w, out) : p->rc;
}

/* ------------------------------------------------------------------------ */
/* Time                                                                       */

static int parse_wait(scn_parser *p, int line, const scn_words *ws, xs_scn_stmt *st) {
  if (ws->n > 1 && xs__scn_is(&ws->w[1], "until")) {
    st->kind = XS_STMT_WAIT_UNTIL;
    int i = 2;
    if (xs__scn_cond(p, line, ws, &i, &st->cond)) return p->rc;
    st->d = 10 * 60 * 1000; /* documented default: at most 10 minutes */
    if (i < ws->n && xs__scn_is(&ws->w[i], "at")) {
      if (expect_word(p, line, ws, i + 1, "most") || duration_at(p, line, ws, i + 2, "a duration", &st->d))
        return p->rc;
      i += 3;
    }
    return done(p, line, ws, i);
  }
  st->kind = XS_STMT_WAIT;
  if (duration_at(p, line, ws, 1, "a duration or 'until CONDITION'", &st->d)) return p->rc;
  return done(p, line, ws, 2);
}

static int parse_mark(scn_parser *p, int line, const scn_words *ws, xs_scn_stmt *st) {
  xs_scn_ref r;
  const scn_word *w = xs__scn_need(p, line, ws, 1, "a name for this point in time");
  if (!w || xs__scn_name(p, line, w, "a mark name", &r)) return p->rc;
  st->kind = XS_STMT_MARK;
  st->text = xs__scn_strdup(p, r.name, (int)strlen(r.name));
  return p->rc ? p->rc : done(p, line, ws, 2);
}

/* ------------------------------------------------------------------------ */
/* Load balancer                                                              */

/* [interval D] [threshold N] [ttl D] in any order. */
static int lb_options(scn_parser *p, int line, const scn_words *ws, int i, xs_scn_lb *lb) {
  bool seen[3] = {false, false, false};
  for (; i < ws->n; i += 2) {
    const scn_word *k = &ws->w[i];
    int which = xs__scn_is(k, "interval") ? 0 : xs__scn_is(k, "threshold") ? 1 : xs__scn_is(k, "ttl") ? 2 : -1;
    if (which < 0 || (which == 2 && lb->mode != XS_LB_ROUTE53))
      return xs__scn_fail(p, XS_EINVAL, line, k->col, "expected 'interval D', 'threshold N'%s, got '%.*s'",
                          lb->mode == XS_LB_ROUTE53 ? " or 'ttl D'" : "", k->len, k->s);
    if (seen[which]) return xs__scn_fail(p, XS_EINVAL, line, k->col, "'%.*s' is given twice", k->len, k->s);
    seen[which] = true;
    const scn_word *v = xs__scn_need(p, line, ws, i + 1, which == 1 ? "a number" : "a duration");
    if (!v) return p->rc;
    int rc = which == 0 ? xs__scn_duration(p, line, v, &lb->interval_ms)
             : which == 1 ? xs__scn_count(p, line, v, &lb->threshold)
                          : xs__scn_duration(p, line, v, &lb->ttl_ms);
    if (rc) return rc;
    if ((which == 0 && lb->interval_ms <= 0) || (which == 1 && lb->threshold <= 0))
      return xs__scn_fail(p, XS_EINVAL, line, v->col, "'%.*s' must be above 0", k->len, k->s);
  }
  return 0;
}

static int parse_lb_define(scn_parser *p, int line, const scn_words *ws, xs_scn_stmt *st) {
  xs_scn_lb *lb = &st->lb;
  st->kind = XS_STMT_LB;
  lb->interval_ms = 30000; /* Route 53's RequestInterval in the guide (ch. 8) */
  lb->threshold = 1;       /* FailureThreshold 1 */
  int i = 2;
  if (xs__scn_is(&ws->w[1], "route53")) {
    lb->mode = XS_LB_ROUTE53;
    if (expect_word(p, line, ws, 2, "primary") || site_at(p, line, ws, 3, &lb->sites[0]) ||
        expect_word(p, line, ws, 4, "secondary") || site_at(p, line, ws, 5, &lb->sites[1]))
      return p->rc;
    if (strcmp(lb->sites[0].name, lb->sites[1].name) == 0)
      return xs__scn_fail(p, XS_EINVAL, line, lb->sites[1].col, "the primary and the secondary must differ");
    lb->nsites = 2;
    i = 6;
  } else {
    lb->mode = XS_LB_ACCELERATOR;
    lb->interval_ms = 10000; /* the NLB health check of the accelerator blueprint */
    lb->threshold = 3;
    while (i < ws->n && !xs__scn_is(&ws->w[i], "interval") && !xs__scn_is(&ws->w[i], "threshold")) {
      if (lb->nsites == XS_SITES_MAX)
        return xs__scn_fail(p, XS_ELIMIT, line, ws->w[i].col, "more than %d sites", XS_SITES_MAX);
      if (site_at(p, line, ws, i++, &lb->sites[lb->nsites++])) return p->rc;
    }
    if (lb->nsites == 0) return xs__scn_need(p, line, ws, ws->n, "the sites behind the accelerator"), p->rc;
  }
  return lb_options(p, line, ws, i, lb);
}

static int parse_loadbalancer(scn_parser *p, int line, const scn_words *ws, xs_scn_stmt *st) {
  const scn_word *w = xs__scn_need(p, line, ws, 1, "route53, accelerator, check, remove or add");
  if (!w) return p->rc;
  if (xs__scn_is(w, "route53") || xs__scn_is(w, "accelerator")) return parse_lb_define(p, line, ws, st);
  if (xs__scn_is(w, "check")) {
    st->kind = XS_STMT_LB_CHECK;
    if (site_at(p, line, ws, 2, &st->a) || expect_word(p, line, ws, 3, "path")) return p->rc;
    const scn_word *path = xs__scn_need(p, line, ws, 4, "a path such as /lb-check or /health/down");
    if (!path) return p->rc;
    if (path->s[0] != '/' || path->len >= XS_NAME_BYTES_MAX)
      return xs__scn_fail(p, XS_EINVAL, line, path->col, "expected a path starting with '/', got '%.*s'", path->len,
                          path->s);
    st->text = xs__scn_strdup(p, path->s, path->len);
    return p->rc ? p->rc : done(p, line, ws, 5);
  }
  if (xs__scn_is(w, "remove") || xs__scn_is(w, "add")) {
    st->kind = xs__scn_is(w, "add") ? XS_STMT_LB_ADD : XS_STMT_LB_REMOVE;
    return site_at(p, line, ws, 2, &st->a) ? p->rc : done(p, line, ws, 3);
  }
  return xs__scn_fail(p, XS_EINVAL, line, w->col, "expected route53, accelerator, check, remove or add, got '%.*s'",
                      w->len, w->s);
}

/* ------------------------------------------------------------------------ */
/* Workloads                                                                  */

static const char *const kc_opts[] = {"logins", "logouts", "refreshes", "action-tokens", "token-replays",
                                      "login-failures", "invalidations", NULL};
static const char *const kv_opts[] = {"puts", "removes", "gets", NULL};

/* One "option value" pair of a workload; returns 0 or an error. */
static int wl_option(scn_parser *p, int line, const scn_words *ws, int i, xs_scn_workload *wl, uint32_t *seen) {
  const scn_word *k = &ws->w[i];
  const char *const *rates = wl->kind == XS_WL_KEYCLOAK ? kc_opts : kv_opts;
  const char *pop = wl->kind == XS_WL_KEYCLOAK ? "users" : "keys";
  int which = -1;
  for (int r = 0; rates[r]; r++)
    if (xs__scn_is(k, rates[r])) which = r;
  if (xs__scn_is(k, pop)) which = 20;
  if (xs__scn_is(k, "for")) which = 21;
  if (wl->kind == XS_WL_KV && xs__scn_is(k, "cache")) which = 22;
  if (wl->kind == XS_WL_KV && xs__scn_is(k, "keyspace")) which = 23;
  if (wl->kind == XS_WL_KV && xs__scn_is(k, "retries")) which = 24;
  if (which < 0) {
    const char *sug = xs__scn_suggest(k, rates);
    return xs__scn_fail(p, XS_EINVAL, line, k->col, "unknown workload option '%.*s'%s%s%s", k->len, k->s,
                        sug ? " (did you mean '" : "", sug ? sug : "", sug ? "'?)" : "");
  }
  if (*seen & (1u << which)) return xs__scn_fail(p, XS_EINVAL, line, k->col, "'%.*s' is given twice", k->len, k->s);
  *seen |= 1u << which;
  const scn_word *v = xs__scn_need(p, line, ws, i + 1, which == 20 || which == 24 ? "a number" : which == 21 ? "a duration"
                                                       : which == 22 ? "a cache name"
                                                       : which == 23 ? "a keyspace name" : "a rate such as 2/s");
  if (!v) return p->rc;
  if (which == 20) {
    if (xs__scn_count(p, line, v, &wl->population)) return p->rc;
    if (wl->population == 0) return xs__scn_fail(p, XS_EINVAL, line, v->col, "'%s' must be above 0", pop);
    return 0;
  }
  if (which == 21) return xs__scn_duration(p, line, v, &wl->for_ms);
  if (which == 22) return xs__scn_name(p, line, v, "a cache name", &wl->cache);
  if (which == 23) return xs__scn_name(p, line, v, "a keyspace name", &wl->keyspace);
  if (which == 24) {
    if (xs__scn_count(p, line, v, &wl->retries)) return p->rc;
    if (wl->retries > 100) return xs__scn_fail(p, XS_EINVAL, line, v->col, "'retries' must be at most 100");
    return 0;
  }
  wl->rate_set[which] = true;
  return xs__scn_rate(p, line, v, &wl->rate[which]);
}

static int parse_workload(scn_parser *p, int line, const scn_words *ws, xs_scn_stmt *st) {
  xs_scn_workload *wl = &st->wl;
  st->kind = XS_STMT_WORKLOAD;
  const scn_word *k = xs__scn_need(p, line, ws, 1, "'keycloak' or 'kv'");
  if (!k) return p->rc;
  if (xs__scn_is(k, "keycloak")) wl->kind = XS_WL_KEYCLOAK;
  else if (xs__scn_is(k, "kv")) wl->kind = XS_WL_KV;
  else return xs__scn_fail(p, XS_EINVAL, line, k->col, "expected 'keycloak' or 'kv', got '%.*s'", k->len, k->s);
  const scn_word *r = xs__scn_need(p, line, ws, 2, "'on SITE' or 'via loadbalancer'");
  if (!r) return p->rc;
  if (xs__scn_is(r, "via")) {
    if (expect_word(p, line, ws, 3, "loadbalancer")) return p->rc;
    wl->via_lb = true;
  } else if (xs__scn_is(r, "on")) {
    if (site_at(p, line, ws, 3, &wl->site)) return p->rc;
  } else {
    return xs__scn_fail(p, XS_EINVAL, line, r->col, "expected 'on SITE' or 'via loadbalancer', got '%.*s'", r->len,
                        r->s);
  }
  uint32_t seen = 0;
  for (int i = 4; i < ws->n; i += 2)
    if (wl_option(p, line, ws, i, wl, &seen)) return p->rc;
  if (wl->kind == XS_WL_KV && !wl->cache.name[0])
    return xs__scn_need(p, line, ws, ws->n, "'cache NAME' (the kv workload's cache)"), p->rc;
  return 0;
}

/* ------------------------------------------------------------------------ */
/* Actors and faults                                                          */

static int parse_stop_start(scn_parser *p, int line, const scn_words *ws, xs_scn_stmt *st) {
  bool start = xs__scn_is(&ws->w[0], "start");
  const scn_word *w = xs__scn_need(p, line, ws, 1, start ? "'keycloak'" : "'keycloak' or 'workload'");
  if (!w) return p->rc;
  if (!start && xs__scn_is(w, "workload")) {
    st->kind = XS_STMT_STOP_WORKLOAD;
    return done(p, line, ws, 2);
  }
  if (!xs__scn_is(w, "keycloak"))
    return xs__scn_fail(p, XS_EINVAL, line, w->col, "expected %s, got '%.*s'",
                        start ? "'keycloak on SITE'" : "'keycloak on SITE' or 'workload'", w->len, w->s);
  st->kind = XS_STMT_KEYCLOAK;
  st->start = start;
  if (expect_word(p, line, ws, 2, "on") || site_at(p, line, ws, 3, &st->a)) return p->rc;
  return done(p, line, ws, 4);
}

static int parse_fencing(scn_parser *p, int line, const scn_words *ws, xs_scn_stmt *st) {
  st->kind = XS_STMT_FENCING;
  st->d = 60000; /* Alertmanager's groupWait in the fencing blueprint */
  st->d2 = 0;
  bool seen[2] = {false, false};
  for (int i = 1; i < ws->n; i += 2) {
    const scn_word *k = &ws->w[i];
    int which = xs__scn_is(k, "delay") ? 0 : xs__scn_is(k, "jitter") ? 1 : -1;
    if (which < 0)
      return xs__scn_fail(p, XS_EINVAL, line, k->col, "expected 'delay D' or 'jitter D', got '%.*s'", k->len, k->s);
    if (seen[which]) return xs__scn_fail(p, XS_EINVAL, line, k->col, "'%.*s' is given twice", k->len, k->s);
    seen[which] = true;
    if (duration_at(p, line, ws, i + 1, "a duration", which ? &st->d2 : &st->d)) return p->rc;
  }
  return 0;
}

static int parse_link_fault(scn_parser *p, int line, const scn_words *ws, xs_scn_stmt *st) {
  const scn_word *k = &ws->w[0];
  int i = 1;
  if (xs__scn_is(k, "heal")) {
    st->kind = XS_STMT_HEAL;
    if (ws->n == 1) return 0;
    return site_pair(p, line, ws, &i, st) ? p->rc : done(p, line, ws, i);
  }
  if (site_pair(p, line, ws, &i, st)) return p->rc;
  if (xs__scn_is(k, "partition")) {
    st->kind = XS_STMT_PARTITION;
  } else if (xs__scn_is(k, "flap")) {
    st->kind = XS_STMT_FLAP;
    if (st->oneway) return xs__scn_fail(p, XS_EINVAL, line, ws->w[2].col, "a flapping link flaps both ways");
    if (expect_word(p, line, ws, i, "every") || duration_at(p, line, ws, i + 1, "a duration", &st->d) ||
        expect_word(p, line, ws, i + 2, "for") || duration_at(p, line, ws, i + 3, "a duration", &st->d2))
      return p->rc;
    if (st->d <= 0) return xs__scn_fail(p, XS_EINVAL, line, ws->w[i + 1].col, "'every' must be above 0");
    i += 4;
  } else if (xs__scn_is(k, "latency")) {
    st->kind = XS_STMT_LATENCY;
    if (duration_at(p, line, ws, i++, "a latency", &st->d)) return p->rc;
    if (i < ws->n && xs__scn_is(&ws->w[i], "jitter")) {
      if (duration_at(p, line, ws, i + 1, "a duration", &st->d2)) return p->rc;
      i += 2;
    }
  } else {
    st->kind = XS_STMT_LOSS;
    const scn_word *v = xs__scn_need(p, line, ws, i++, "a percentage such as 10%");
    if (!v || xs__scn_percent(p, line, v, &st->n)) return p->rc;
  }
  return done(p, line, ws, i);
}

static int parse_site_fault(scn_parser *p, int line, const scn_words *ws, xs_scn_stmt *st) {
  const scn_word *k = &ws->w[0];
  if (xs__scn_is(k, "fence")) {
    st->kind = XS_STMT_FENCE;
    if (site_at(p, line, ws, 1, &st->b) || expect_word(p, line, ws, 2, "from") || site_at(p, line, ws, 3, &st->a))
      return p->rc;
    if (strcmp(st->a.name, st->b.name) == 0)
      return xs__scn_fail(p, XS_EINVAL, line, st->a.col, "a site cannot fence itself");
    return done(p, line, ws, 4);
  }
  st->kind = xs__scn_is(k, "crash") ? XS_STMT_CRASH : XS_STMT_RESTART;
  return site_at(p, line, ws, 1, &st->a) ? p->rc : done(p, line, ws, 2);
}

int xs__scn_stmt_words(scn_parser *p, int line, const scn_words *ws, xs_scn_stmt *st) {
  const scn_word *k = &ws->w[0];
  if (xs__scn_is(k, "wait")) return parse_wait(p, line, ws, st);
  if (xs__scn_is(k, "mark")) return parse_mark(p, line, ws, st);
  if (xs__scn_is(k, "pace")) {
    st->kind = XS_STMT_PACE;
    return duration_at(p, line, ws, 1, "a duration", &st->d) ? p->rc : done(p, line, ws, 2);
  }
  if (xs__scn_is(k, "loadbalancer")) return parse_loadbalancer(p, line, ws, st);
  if (xs__scn_is(k, "workload")) return parse_workload(p, line, ws, st);
  if (xs__scn_is(k, "stop") || xs__scn_is(k, "start")) return parse_stop_start(p, line, ws, st);
  if (xs__scn_is(k, "fencing")) return parse_fencing(p, line, ws, st);
  if (xs__scn_is(k, "partition") || xs__scn_is(k, "heal") || xs__scn_is(k, "flap") || xs__scn_is(k, "latency") ||
      xs__scn_is(k, "loss"))
    return parse_link_fault(p, line, ws, st);
  if (xs__scn_is(k, "crash") || xs__scn_is(k, "restart") || xs__scn_is(k, "fence"))
    return parse_site_fault(p, line, ws, st);
  if (xs__scn_is(k, "check")) {
    st->kind = XS_STMT_CHECK;
    return xs__scn_check(p, line, ws, &st->check);
  }
  return xs__scn_fail(p, XS_EINVAL, line, k->col, "'%.*s' needs a ':'", k->len, k->s);
}

bool xs__scn_deferrable(xs_scn_kind k) {
  return k != XS_STMT_WAIT && k != XS_STMT_WAIT_UNTIL && k != XS_STMT_PACE && k != XS_STMT_STEP &&
         k != XS_STMT_CHECK;
}
