/*
 * scenario_parse_cond.c - conditions (what `wait until`, `when` and `check`
 * ask of the sites) and checks.  A condition is a fixed shape of words, so
 * it ends by itself and the words after it (at most, within, for, since)
 * are the statement's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario_lex.h"

static const char *const cond_keywords[] = {"replication", "push", "view", "loadbalancer", "identical", "site",
                                            "keycloak", "lb-check", "link", "entries", "not", NULL};

/* Words that end a list of caches: what may follow a condition. */
static bool list_end(const scn_word *w) {
  return xs__scn_is(w, "within") || xs__scn_is(w, "for") || xs__scn_is(w, "since") || xs__scn_is(w, "at");
}

static int word_is(scn_parser *p, int line, const scn_words *ws, int i, const char *kw) {
  char what[64];
  snprintf(what, sizeof what, "'%s'", kw);
  const scn_word *w = xs__scn_need(p, line, ws, i, what);
  if (w && !xs__scn_is(w, kw))
    return xs__scn_fail(p, XS_EINVAL, line, w->col, "expected '%s', got '%.*s'", kw, w->len, w->s);
  return p->rc;
}

static int site(scn_parser *p, int line, const scn_words *ws, int i, xs_scn_ref *out) {
  const scn_word *w = xs__scn_need(p, line, ws, i, "a site name");
  return w ? xs__scn_name(p, line, w, "a site name", out) : p->rc;
}

/* One of words[] (NULL-terminated) at word i; its index in *out. */
static int choice(scn_parser *p, int line, const scn_words *ws, int i, const char *const *words, const char *what,
                  int *out) {
  const scn_word *w = xs__scn_need(p, line, ws, i, what);
  if (!w) return p->rc;
  for (int k = 0; words[k]; k++)
    if (xs__scn_is(w, words[k])) {
      *out = k;
      return 0;
    }
  return xs__scn_fail(p, XS_EINVAL, line, w->col, "expected %s, got '%.*s'", what, w->len, w->s);
}

/* "A -> B" */
static int arrow(scn_parser *p, int line, const scn_words *ws, int i, xs_scn_cond *c) {
  if (site(p, line, ws, i, &c->a) || word_is(p, line, ws, i + 1, "->") || site(p, line, ws, i + 2, &c->b))
    return p->rc;
  if (strcmp(c->a.name, c->b.name) == 0)
    return xs__scn_fail(p, XS_EINVAL, line, c->b.col, "expected two different sites, got '%s' twice", c->a.name);
  return 0;
}

static int opt_cache(scn_parser *p, int line, const scn_words *ws, int *i, xs_scn_cond *c) {
  if (*i < ws->n && xs__scn_is(&ws->w[*i], "cache")) {
    const scn_word *w = xs__scn_need(p, line, ws, *i + 1, "a cache name");
    if (!w || xs__scn_name(p, line, w, "a cache name", &c->cache)) return p->rc;
    *i += 2;
  }
  return 0;
}

static int cache_list(scn_parser *p, int line, const scn_words *ws, int *i, xs_scn_cond *c) {
  if (*i < ws->n && xs__scn_is(&ws->w[*i], "except")) {
    c->except = true;
    (*i)++;
    if (!xs__scn_need(p, line, ws, *i, "the caches to leave out")) return p->rc;
  }
  while (*i < ws->n && !list_end(&ws->w[*i])) {
    if (c->caches.n == XS_SCN_LIST_MAX)
      return xs__scn_fail(p, XS_ELIMIT, line, ws->w[*i].col, "more than XS_SCN_LIST_MAX (%d) caches", XS_SCN_LIST_MAX);
    xs_scn_ref *nv = realloc(c->caches.v, (size_t)(c->caches.n + 1) * sizeof *nv);
    if (!nv) return xs__scn_fail(p, XS_ENOMEM, line, 0, "out of memory");
    c->caches.v = nv;
    if (xs__scn_name(p, line, &ws->w[*i], "a cache name", &nv[c->caches.n])) return p->rc;
    c->caches.n++;
    (*i)++;
  }
  return 0;
}

static int entries(scn_parser *p, int line, const scn_words *ws, int *i, xs_scn_cond *c) {
  static const char *const ops[] = {"=", "!=", "<", "<=", ">", ">=", NULL};
  int op = 0;
  const scn_word *cw = xs__scn_need(p, line, ws, *i + 1, "a cache name");
  if (site(p, line, ws, *i, &c->a) || !cw || xs__scn_name(p, line, cw, "a cache name", &c->cache) ||
      choice(p, line, ws, *i + 2, ops, "one of = != < <= > >=", &op))
    return p->rc;
  c->cmp = (xs_scn_cmp)op;
  const scn_word *n = xs__scn_need(p, line, ws, *i + 3, "a number");
  if (!n || xs__scn_count(p, line, n, &c->n)) return p->rc;
  *i += 4;
  return 0;
}

/* The shapes after the condition's first word (kind already known). */
static int cond_body(scn_parser *p, int line, const scn_words *ws, int *i, xs_scn_cond *c) {
  static const char *const online[] = {"online", "offline", NULL};
  static const char *const push[] = {"idle", "sending", "ok", "error", "canceled", NULL};
  static const char *const view[] = {"has", "lacks", NULL};
  static const char *const updown[] = {"up", "down", NULL};
  int k = *i;
  switch (c->kind) {
  case XS_COND_REPLICATION:
  case XS_COND_PUSH:
    if (arrow(p, line, ws, k, c) ||
        choice(p, line, ws, k + 3, c->kind == XS_COND_PUSH ? push : online,
               c->kind == XS_COND_PUSH ? "idle, sending, ok, error or canceled" : "'online' or 'offline'", &c->state))
      return p->rc;
    *i = k + 4;
    return opt_cache(p, line, ws, i, c);
  case XS_COND_VIEW:
    if (site(p, line, ws, k, &c->a) || choice(p, line, ws, k + 1, view, "'has' or 'lacks'", &c->state) ||
        site(p, line, ws, k + 2, &c->b))
      return p->rc;
    *i = k + 3;
    return 0;
  case XS_COND_ROUTES:
    if (word_is(p, line, ws, k, "routes") || word_is(p, line, ws, k + 1, "to") || site(p, line, ws, k + 2, &c->a))
      return p->rc;
    *i = k + 3;
    return 0;
  case XS_COND_IDENTICAL: return cache_list(p, line, ws, i, c);
  case XS_COND_LINK:
    if (arrow(p, line, ws, k, c) || choice(p, line, ws, k + 3, updown, "'up' or 'down'", &c->state)) return p->rc;
    *i = k + 4;
    return 0;
  case XS_COND_KEYCLOAK:
    if (word_is(p, line, ws, k, "on")) return p->rc;
    k++;
    /* fall through */
  case XS_COND_SITE:
  case XS_COND_LBCHECK:
    if (site(p, line, ws, k, &c->a) || choice(p, line, ws, k + 1, updown, "'up' or 'down'", &c->state)) return p->rc;
    *i = k + 2;
    return 0;
  case XS_COND_ENTRIES: return entries(p, line, ws, i, c);
  default: return xs__scn_fail(p, XS_EINVAL, line, 0, "internal: condition kind %d", (int)c->kind);
  }
}

int xs__scn_cond(scn_parser *p, int line, const scn_words *ws, int *i, xs_scn_cond *c) {
  const scn_word *w = xs__scn_need(p, line, ws, *i, "a condition (replication, push, view, identical, ...)");
  if (!w) return p->rc;
  c->col = w->col;
  if (xs__scn_is(w, "not")) {
    if (c->negate) return xs__scn_fail(p, XS_EINVAL, line, w->col, "'not not' is not needed");
    c->negate = true;
    (*i)++;
    w = xs__scn_need(p, line, ws, *i, "a condition after 'not'");
    if (!w) return p->rc;
  }
  int kind = -1;
  for (int k = 0; k < XS_COND_KIND_COUNT; k++)
    if (xs__scn_is(w, cond_keywords[k])) kind = k;
  if (kind < 0) {
    const char *sug = xs__scn_suggest(w, cond_keywords);
    return xs__scn_fail(p, XS_EINVAL, line, w->col,
                        "unknown condition '%.*s'%s%s%s (replication, push, view, loadbalancer, identical, site, "
                        "keycloak, lb-check, link, entries)",
                        w->len, w->s, sug ? ", did you mean '" : "", sug ? sug : "", sug ? "'?" : "");
  }
  c->kind = (xs_scn_cond_kind)kind;
  (*i)++;
  return cond_body(p, line, ws, i, c);
}

/* ------------------------------------------------------------------------ */
/* Checks                                                                     */

static const char *const check_words[] = {"no-lost-writes", "no-resurrection", "tokens-single-use", "rpo", "rto", NULL};

const char *xs_scn_check_name(const xs_scn_check *c) {
  if (c->kind == XS_CHECK_COND) return cond_keywords[c->cond.kind];
  return check_words[c->kind - 1];
}

/* [on SITE...] */
static int on_sites(scn_parser *p, int line, const scn_words *ws, int i, xs_scn_check *c) {
  if (i >= ws->n) return 0;
  if (word_is(p, line, ws, i, "on")) return p->rc;
  if (!xs__scn_need(p, line, ws, ++i, "a site name")) return p->rc;
  for (; i < ws->n; i++) {
    if (c->nsites == XS_SITES_MAX)
      return xs__scn_fail(p, XS_ELIMIT, line, ws->w[i].col, "more than %d sites", XS_SITES_MAX);
    if (site(p, line, ws, i, &c->sites[c->nsites++])) return p->rc;
  }
  return 0;
}

static int since(scn_parser *p, int line, const scn_words *ws, int i, xs_scn_check *c) {
  const scn_word *m = xs__scn_need(p, line, ws, i + 1, "a mark name");
  if (word_is(p, line, ws, i, "since") || !m) return p->rc;
  return xs__scn_name(p, line, m, "a mark name", &c->since);
}

/* rpo <= D since MARK [on SITE...] / rto <= D since MARK */
static int objective(scn_parser *p, int line, const scn_words *ws, xs_scn_check *c) {
  const scn_word *d = xs__scn_need(p, line, ws, 3, "a duration");
  if (word_is(p, line, ws, 2, "<=") || !d || xs__scn_duration(p, line, d, &c->d) || since(p, line, ws, 4, c))
    return p->rc;
  if (c->kind == XS_CHECK_RTO && ws->n > 6)
    return xs__scn_fail(p, XS_EINVAL, line, ws->w[6].col, "unexpected '%.*s' (RTO is measured on every client)",
                        ws->w[6].len, ws->w[6].s);
  return on_sites(p, line, ws, 6, c);
}

/* COND [within D [since MARK] | for D] */
static int cond_check(scn_parser *p, int line, const scn_words *ws, xs_scn_check *c) {
  int i = 1;
  if (xs__scn_cond(p, line, ws, &i, &c->cond)) return p->rc;
  if (i == ws->n) return 0;
  const scn_word *w = &ws->w[i];
  if (xs__scn_is(w, "within") || xs__scn_is(w, "for")) {
    c->when = xs__scn_is(w, "within") ? XS_WHEN_WITHIN : XS_WHEN_FOR;
    const scn_word *d = xs__scn_need(p, line, ws, i + 1, "a duration");
    if (!d || xs__scn_duration(p, line, d, &c->d)) return p->rc;
    i += 2;
    if (c->when == XS_WHEN_WITHIN && i < ws->n) {
      if (since(p, line, ws, i, c)) return p->rc;
      i += 2;
    }
  }
  if (i < ws->n)
    return xs__scn_fail(p, XS_EINVAL, line, ws->w[i].col, "unexpected '%.*s' (a check ends with 'within D' or 'for D')",
                        ws->w[i].len, ws->w[i].s);
  return 0;
}

int xs__scn_check(scn_parser *p, int line, const scn_words *ws, xs_scn_check *c) {
  const scn_word *w = xs__scn_need(p, line, ws, 1, "what to check");
  if (!w) return p->rc;
  for (int k = 0; check_words[k]; k++) {
    if (!xs__scn_is(w, check_words[k])) continue;
    c->kind = (xs_scn_check_kind)(k + 1);
    if (c->kind == XS_CHECK_RPO || c->kind == XS_CHECK_RTO) return objective(p, line, ws, c);
    if (c->kind == XS_CHECK_TOKENS) return ws->n > 2 ? xs__scn_fail(p, XS_EINVAL, line, ws->w[2].col,
                                                                      "unexpected '%.*s'", ws->w[2].len, ws->w[2].s)
                                                     : 0;
    return on_sites(p, line, ws, 2, c);
  }
  const char *sug = xs__scn_suggest(w, check_words);
  bool cond = false;
  for (int k = 0; cond_keywords[k]; k++) cond = cond || xs__scn_is(w, cond_keywords[k]);
  if (!cond && sug)
    return xs__scn_fail(p, XS_EINVAL, line, w->col, "unknown check '%.*s' (did you mean '%s'?)", w->len, w->s, sug);
  c->kind = XS_CHECK_COND;
  return cond_check(p, line, ws, c);
}

const char *xs_scn_kind_name(xs_scn_kind k) {
  static const char *const names[XS_STMT_KIND_COUNT] = {
      "wait", "wait until", "at", "after", "when", "mark", "pace", "loadbalancer", "loadbalancer check",
      "loadbalancer remove", "loadbalancer add", "workload", "stop workload", "fencing", "keycloak", "partition",
      "heal", "flap", "latency", "loss", "crash", "restart", "fence", "on", "check"};
  return (unsigned)k < XS_STMT_KIND_COUNT ? names[k] : "?";
}
