/*
 * scenario_eval.c - conditions and checks: what `wait until`, `when` and
 * `check` ask of the sites (statuses, views, routing, contents), the
 * history checks (no-lost-writes, no-resurrection, tokens-single-use) and
 * the recovery objectives (RPO, RTO).  The reports they write - keys with
 * their history, and when a key went wrong - are in scenario_report.c.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario_report.h"

/* ------------------------------------------------------------------------ */
/* Conditions                                                                 */

/* Each cache `a` backs up to `b` (or just c->cache) must be in `want`;
 * push: status, otherwise take-offline status. */
static int backups_are(scn_rt *rt, const xs_scn_cond *c, bool push, char *why, size_t len) {
  int a = xs__scn_site(rt, &c->a), b = xs__scn_site(rt, &c->b);
  int only = c->cache.name[0] ? xs__scn_cache(rt, &c->cache) : -1, seen = 0;
  const xs_topology *t = xs_sim_topology(rt->sim);
  for (int k = 0; k < t->ncaches; k++) {
    if ((only >= 0 && k != only) || xs_admin_backup_index(rt->sim, a, k, b) < 0) continue;
    seen++;
    int st = push ? xs_admin_push_status(rt->sim, a, k, b) : xs_admin_site_status(rt->sim, a, k, b);
    if (st == c->state) continue;
    if (why)
      snprintf(why, len, "%s: %s", t->caches[k].name,
               st < 0 ? xs_strerror(st) : push ? xs_push_status_text((xs_push_status)st) : st ? "offline" : "online");
    return 0;
  }
  if (!seen && why) snprintf(why, len, "no cache on %s backs up to %s", c->a.name, c->b.name);
  return seen > 0;
}

/* One direction of a comparison: every entry of `a` must be on `b` with
 * the same value, unless a client operation on it is in flight. */
typedef struct cmp_scan {
  scn_rt *rt;
  int cache, a, b;
  char *why;
  size_t len;
} cmp_scan;

static int cmp_entry(void *ud, const uint8_t *key, uint32_t klen, const uint8_t *val, uint32_t vlen, uint8_t vt) {
  cmp_scan *s = ud;
  int64_t hk = xs_hist_find(&s->rt->hist, s->cache, (const char *)key, klen);
  if (hk >= 0 && xs__scn_busy(s->rt, (uint32_t)hk)) return 0;
  const uint8_t *ov;
  uint32_t olen;
  int rc = xs_cache_peek(s->rt->sim, s->b, s->cache, key, klen, &ov, &olen, NULL, NULL);
  if (rc == 1 && olen == vlen && memcmp(ov, val, vlen) == 0) return 0;
  if (s->why)
    snprintf(s->why, s->len, "%s/%.*s is on %s%s%s", xs_sim_cache_name(s->rt->sim, s->cache), (int)(klen > 80 ? 80 : klen),
             key, xs_sim_site_name(s->rt->sim, s->a), rc == 1 ? " with another value than on " : " but not on ",
             xs_sim_site_name(s->rt->sim, s->b));
  return 1;
}

/* Whether the cache is the same on every site that defines it, keys with
 * client operations in flight aside. */
static int same_everywhere(scn_rt *rt, int cache, char *why, size_t len) {
  int first = -1;
  for (int s = 0; s < rt->nsites; s++) {
    if (!xs_site_is_up(rt->sim, s)) {
      if (why) snprintf(why, len, "%s is down", xs_sim_site_name(rt->sim, s));
      return 0;
    }
    if (!xs_sim_cache_defined(rt->sim, s, cache)) continue;
    if (first < 0) {
      first = s;
      continue;
    }
    cmp_scan x = {rt, cache, first, s, why, len}, y = {rt, cache, s, first, why, len};
    if (xs_cache_foreach(rt->sim, first, cache, cmp_entry, &x) || xs_cache_foreach(rt->sim, s, cache, cmp_entry, &y))
      return 0;
  }
  return 1;
}

/* The caches an `identical` condition covers: 1 in out[] for each. */
void xs__scn_identical_caches(scn_rt *rt, const xs_scn_cond *c, bool out[XS_CACHES_MAX]) {
  const xs_topology *t = xs_sim_topology(rt->sim);
  for (int k = 0; k < t->ncaches; k++) out[k] = c->caches.n == 0 || c->except;
  for (int i = 0; i < c->caches.n; i++) out[xs__scn_cache(rt, &c->caches.v[i])] = !c->except;
}

static int identical(scn_rt *rt, const xs_scn_cond *c, char *why, size_t len) {
  bool use[XS_CACHES_MAX];
  xs__scn_identical_caches(rt, c, use);
  for (int k = 0; k < xs_sim_topology(rt->sim)->ncaches; k++)
    if (use[k] && !same_everywhere(rt, k, why, len)) return 0;
  return 1;
}

static int routes(scn_rt *rt, const xs_scn_cond *c, char *why, size_t len) {
  int a = xs__scn_site(rt, &c->a);
  if (!rt->lb.defined) {
    if (why) snprintf(why, len, "no load balancer is defined");
    return 0;
  }
  int to = rt->lb.target;
  bool ok = rt->lb.mode == XS_LB_ROUTE53 ? to == a : rt->lb.in_lb[a] && rt->lb.healthy[a];
  if (!ok && why)
    snprintf(why, len, "clients reach %s", rt->lb.mode == XS_LB_ROUTE53 && to >= 0 ? xs_sim_site_name(rt->sim, to)
                                          : rt->lb.mode == XS_LB_ROUTE53 ? "no site" : "other sites");
  return ok;
}

static int entries(scn_rt *rt, const xs_scn_cond *c, char *why, size_t len) {
  int64_t n = xs_cache_size(rt->sim, xs__scn_site(rt, &c->a), xs__scn_cache(rt, &c->cache));
  bool ok;
  switch (c->cmp) {
  case XS_CMP_EQ: ok = n == c->n; break;
  case XS_CMP_NE: ok = n != c->n; break;
  case XS_CMP_LT: ok = n < c->n; break;
  case XS_CMP_LE: ok = n <= c->n; break;
  case XS_CMP_GT: ok = n > c->n; break;
  default: ok = n >= c->n; break;
  }
  if (why) snprintf(why, len, "%s holds %" PRId64 " entries in %s", c->a.name, n, c->cache.name);
  return ok;
}

static int up_down(bool up, int state, const char *what, char *why, size_t len) {
  if (why) snprintf(why, len, "%s is %s", what, up ? "up" : "down");
  return up == (state == XS_STATE_UP);
}

static int cond_raw(scn_rt *rt, const xs_scn_cond *c, char *why, size_t len) {
  int a = c->a.name[0] ? xs__scn_site(rt, &c->a) : -1, b = c->b.name[0] ? xs__scn_site(rt, &c->b) : -1;
  switch (c->kind) {
  case XS_COND_REPLICATION: return backups_are(rt, c, false, why, len);
  case XS_COND_PUSH: return backups_are(rt, c, true, why, len);
  case XS_COND_VIEW: {
    bool has = xs_site_view_has(rt->sim, a, b);
    if (why) snprintf(why, len, "%s's view %s %s", c->a.name, has ? "has" : "lacks", c->b.name);
    return has == (c->state == XS_STATE_HAS);
  }
  case XS_COND_ROUTES: return routes(rt, c, why, len);
  case XS_COND_IDENTICAL: return identical(rt, c, why, len);
  case XS_COND_SITE: return up_down(xs_site_is_up(rt->sim, a), c->state, c->a.name, why, len);
  case XS_COND_KEYCLOAK: return up_down(rt->keycloak_up[a], c->state, "Keycloak", why, len);
  case XS_COND_LBCHECK: return up_down(xs__scn_lb_check_up(rt, a), c->state, "/lb-check", why, len);
  case XS_COND_LINK: return up_down(xs_link_is_up(rt->sim, a, b), c->state, "the link", why, len);
  default: return entries(rt, c, why, len);
  }
}

int xs__scn_cond_eval(scn_rt *rt, const xs_scn_cond *c, char *why, size_t len) {
  int r = cond_raw(rt, c, why, len);
  return c->negate ? !r : r;
}

/* ------------------------------------------------------------------------ */
/* Condition checks: now, within a bound, for a while                         */

static void cond_failed(scn_rt *rt, const xs_scn_stmt *st, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void cond_failed(scn_rt *rt, const xs_scn_stmt *st, const char *fmt, ...) {
  char msg[XS_SCN_SUMMARY_BYTES_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  const xs_scn_check *c = &st->check;
  if (c->cond.kind == XS_COND_IDENTICAL && !c->cond.negate) {
    xs__scn_identical_report(rt, st, msg);
    return;
  }
  xs__scn_failure(rt, xs_scn_check_name(c), st->line, st->col, NULL, "%s: %s", st->src, msg);
}

static void cond_check(scn_rt *rt, const xs_scn_stmt *st) {
  const xs_scn_check *c = &st->check;
  char why[256] = "", d[32];
  xs_scn_format_duration(c->d, d, sizeof d);
  xs_ms now = xs_sim_now(rt->sim), end = now + c->d;
  if (c->since.name[0]) {
    xs_ms m = xs__scn_mark(rt, c->since.name);
    if (m < 0) {
      cond_failed(rt, st, "'mark %s' has not been reached", c->since.name);
      return;
    }
    end = m + c->d;
  }
  for (;;) {
    int ok = xs__scn_cond_eval(rt, &c->cond, why, sizeof why);
    now = xs_sim_now(rt->sim);
    if (c->when == XS_WHEN_NOW) {
      if (!ok) cond_failed(rt, st, "false (%s)", why);
      return;
    }
    if (c->when == XS_WHEN_WITHIN && ok) return;
    if (c->when == XS_WHEN_FOR && !ok) {
      char at[32];
      xs__scn_time(now, at, sizeof at);
      cond_failed(rt, st, "stopped holding at %s (%s)", at, why);
      return;
    }
    if (now >= end || rt->setup_failed) break;
    xs__scn_advance(rt, now + XS_SCN_POLL_MS < end ? now + XS_SCN_POLL_MS : end);
  }
  if (c->when == XS_WHEN_WITHIN) cond_failed(rt, st, "still false after %s (%s)", d, why);
}

/* ------------------------------------------------------------------------ */
/* History checks                                                             */

/* The sites a history check looks at: the ones named, else those up. */
static int check_sites(scn_rt *rt, const xs_scn_check *c, int *out) {
  int n = 0;
  for (int i = 0; i < c->nsites; i++) out[n++] = xs__scn_site(rt, &c->sites[i]);
  for (int s = 0; s < rt->nsites && !c->nsites; s++)
    if (xs_site_is_up(rt->sim, s)) out[n++] = s;
  return n;
}

static void collect(void *ud, const xs_violation *v) {
  xs__scn_viols_add(ud, v);
}

/* Register violations on the check's sites, filtered by what the check is about. */
static void register_viols(scn_rt *rt, const xs_scn_check *c, const xs_hist_index *ix, xs__scn_viols *out) {
  int sites[XS_SITES_MAX], n = check_sites(rt, c, sites);
  for (int i = 0; i < n; i++)
    xs_check_register(&rt->hist, ix, sites[i], xs_sim_now(rt->sim), xs__scn_peek, rt, collect, out);
}

static bool wanted(const xs_scn_check *c, xs_viol_kind k) {
  if (c->kind == XS_CHECK_NO_RESURRECTION) return k == XS_VIOL_RESURRECTED;
  if (c->kind == XS_CHECK_NO_LOST_WRITES) return k != XS_VIOL_RESURRECTED;
  return true;
}

static void history_check(scn_rt *rt, const xs_scn_stmt *st, const xs_hist_index *ix) {
  const xs_scn_check *c = &st->check;
  xs__scn_viols all = {0}, v = {0};
  if (c->kind == XS_CHECK_TOKENS) {
    int tc = xs_sim_cache_index(rt->sim, "actionTokens");
    if (tc >= 0) xs_check_tokens(&rt->hist, ix, tc, collect, &all);
  } else {
    register_viols(rt, c, ix, &all);
  }
  for (int64_t i = 0; i < all.n; i++)
    if (wanted(c, all.v[i].kind)) xs__scn_viols_add(&v, &all.v[i]);
  if (v.n) xs__scn_violation_report(rt, st, &v);
  xs__scn_viols_free(&all);
  xs__scn_viols_free(&v);
}

static void objective_check(scn_rt *rt, const xs_scn_stmt *st, const xs_hist_index *ix) {
  const xs_scn_check *c = &st->check;
  xs_ms since = xs__scn_mark(rt, c->since.name), now = xs_sim_now(rt->sim);
  char bound[32], got[32];
  xs_scn_format_duration(c->d, bound, sizeof bound);
  if (since < 0) {
    xs__scn_failure(rt, xs_scn_check_name(c), st->line, st->col, NULL, "%s: 'mark %s' has not been reached", st->src,
                    c->since.name);
    return;
  }
  if (c->kind == XS_CHECK_RTO) {
    xs_rto r;
    xs_check_rto(&rt->hist, since, now, &r);
    xs__scn_time(r.rto, got, sizeof got);
    if (r.failed && !r.recovered) {
      xs__scn_objective_report(rt, st, &r, "clients had not recovered by the check (%" PRId64 " failed operations)",
                               r.failed);
    } else if (r.rto > c->d) {
      xs__scn_objective_report(rt, st, &r, "RTO %s is above %s", got, bound);
    }
    xs__scn_note(rt, "RTO since %s: %s (bound %s, %" PRId64 " failed operations)", c->since.name, got, bound, r.failed);
    return;
  }
  xs__scn_viols v = {0};
  register_viols(rt, c, ix, &v);
  xs_ms rpo = xs_check_rpo(&rt->hist, v.v, v.n, since);
  xs__scn_time(rpo, got, sizeof got);
  if (rpo > c->d) xs__scn_violation_report(rt, st, &v);
  xs__scn_note(rt, "RPO since %s: %s (bound %s, %" PRId64 " acknowledged operations lost)", c->since.name, got, bound,
               v.n);
  xs__scn_viols_free(&v);
}

void xs__scn_run_check(scn_rt *rt, const xs_scn_stmt *st) {
  const xs_scn_check *c = &st->check;
  if (c->kind == XS_CHECK_COND) {
    cond_check(rt, st);
    return;
  }
  xs_hist_index ix = {0};
  if (xs_hist_index_build(&rt->hist, &ix)) {
    xs__scn_failure(rt, XS_SCN_FAIL_SETUP, st->line, st->col, NULL, "out of memory");
    return;
  }
  if (c->kind == XS_CHECK_RPO || c->kind == XS_CHECK_RTO) objective_check(rt, st, &ix);
  else history_check(rt, st, &ix);
  xs_hist_index_free(&ix);
}

void xs__scn_peek(void *ud, int site, uint32_t key, xs_hstate *out) {
  scn_rt *rt = ud;
  const xs_history *h = &rt->hist;
  size_t len;
  const char *k = xs_hist_key_text(h, key, &len);
  const uint8_t *v;
  uint32_t vlen;
  int rc = xs_cache_peek(rt->sim, site, h->keys[key].cache, (const uint8_t *)k, (uint32_t)len, &v, &vlen, NULL, NULL);
  *out = (xs_hstate){XS_HSTATE_ABSENT, -1};
  if (rc != 1) return;
  int64_t op = xs_hist_value_op(v, vlen);
  bool ours = op >= 0 && op < (int64_t)h->nops && h->ops[op].key == key;
  *out = (xs_hstate){ours ? XS_HSTATE_OURS : XS_HSTATE_FOREIGN, ours ? op : -1};
}

void xs__scn_note(scn_rt *rt, const char *fmt, ...) {
  xs_scn_result *r = rt->res;
  if (r->nnotes == XS_SCN_NOTES_MAX) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(r->notes[r->nnotes++], XS_SCN_NOTE_BYTES_MAX, fmt, ap);
  va_end(ap);
}
