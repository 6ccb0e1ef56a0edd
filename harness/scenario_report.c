/*
 * scenario_report.c - the words of a failed check.  A failure names the
 * check, the keys at fault (each with what the site holds, what it should
 * hold, and its client history), and - once the replay has followed those
 * keys - the stretch of time in which each went wrong and stayed wrong, with
 * the statements and actor actions of that stretch: the step that broke it.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario_report.h"

#define VALUE_SHOW_MAX 60 /* bytes of a value quoted */

void xs__scn_viols_add(xs__scn_viols *vs, const xs_violation *v) {
  if (vs->n == vs->cap) {
    int64_t nc = vs->cap ? vs->cap * 2 : 64;
    xs_violation *nv = realloc(vs->v, (size_t)nc * sizeof *nv);
    if (!nv) return;
    vs->v = nv;
    vs->cap = nc;
  }
  vs->v[vs->n++] = *v;
}

void xs__scn_viols_free(xs__scn_viols *vs) {
  free(vs->v);
  *vs = (xs__scn_viols){0};
}

void xs__scn_detail_append(xs_scn_failure *f, const char *text) {
  size_t a = f->detail ? strlen(f->detail) : 0, b = strlen(text);
  if (a + b + 1 > XS_SCN_DETAIL_BYTES_MAX) return;
  char *n = realloc(f->detail, a + b + 1);
  if (!n) return;
  memcpy(n + a, text, b + 1);
  f->detail = n;
}

/* Printable text of a value, quoted; bytes outside ASCII as \xNN. */
static void show(xs_buf *b, const uint8_t *v, uint32_t len) {
  xs_buf_puts(b, "'");
  for (uint32_t i = 0; i < len && i < VALUE_SHOW_MAX; i++) {
    if (v[i] >= 0x20 && v[i] < 0x7f && v[i] != '\'') xs_buf_append(b, &v[i], 1);
    else xs_buf_printf(b, "\\x%02x", v[i]);
  }
  xs_buf_puts(b, len > VALUE_SHOW_MAX ? "...'" : "'");
}

static void show_key(const scn_rt *rt, uint32_t key, xs_buf *b) {
  size_t len;
  const char *k = xs_hist_key_text(&rt->hist, key, &len);
  xs_buf_printf(b, "%s/%.*s", xs_sim_cache_name(rt->sim, rt->hist.keys[key].cache), (int)len, k);
}

static const char *kind_text(uint8_t k) {
  static const char *const t[] = {"get", "put", "put-if-absent", "replace", "remove", "increment"};
  return k < sizeof t / sizeof t[0] ? t[k] : "?";
}

static const char *res_text(uint8_t r) {
  static const char *const t[] = {"in flight", "OK", "refused", "unavailable", "ERROR"};
  return r < sizeof t / sizeof t[0] ? t[r] : "?";
}

static void op_line(scn_rt *rt, uint32_t i, xs_buf *b) {
  const xs_hop *o = &rt->hist.ops[i];
  char t0[32], t1[32];
  xs__scn_time(o->invoked, t0, sizeof t0);
  if (o->completed == XS_TIME_NEVER) snprintf(t1, sizeof t1, "...");
  else xs__scn_time(o->completed, t1, sizeof t1);
  xs_buf_printf(b, "      %s..%s  #%" PRIu32 " %s %s %s%s %s", t0, t1, i, xs_sim_site_name(rt->sim, o->site),
                xs__scn_action_name(rt, o), kind_text(o->kind), o->local ? " (local only)" : "", res_text(o->res));
  const char *e = xs_hist_error(&rt->hist, o);
  if (*e) xs_buf_printf(b, ": %.120s%s", e, strlen(e) > 120 ? "..." : "");
  xs_buf_puts(b, "\n");
}

void xs__scn_key_history(scn_rt *rt, uint32_t key, xs_buf *out) {
  uint32_t n = 0, first = 0;
  for (uint32_t i = 0; i < rt->hist.nops; i++) n += rt->hist.ops[i].key == key;
  xs_buf_printf(out, "    history (%" PRIu32 " client operations):\n", n);
  if (n > SCN_REPORT_OPS_MAX) xs_buf_printf(out, "      ... %" PRIu32 " earlier\n", n - SCN_REPORT_OPS_MAX);
  for (uint32_t i = 0; i < rt->hist.nops; i++) {
    if (rt->hist.ops[i].key != key) continue;
    if (first++ + SCN_REPORT_OPS_MAX >= n) op_line(rt, i, out);
  }
}

static void track_add(scn_rt *rt, uint32_t key, int site, int site2) {
  if (rt->replay || rt->ntrack == SCN_TRACK_MAX || !rt->res->nfailures) return;
  rt->track[rt->ntrack++] = (scn_track){.fail = rt->res->nfailures - 1, .key = key, .site = site, .site2 = site2,
                                        .state = -1, .last_right = -1, .right_cur = -1};
}

/* ------------------------------------------------------------------------ */
/* Violations of the history checks                                           */

static void what_is_there(scn_rt *rt, const xs_violation *v, xs_buf *b) {
  const xs_hop *e = v->expected_op >= 0 ? &rt->hist.ops[v->expected_op] : NULL;
  char t[32] = "";
  if (e && e->completed != XS_TIME_NEVER) xs__scn_time(e->completed, t, sizeof t);
  if (v->kind == XS_VIOL_TOKEN_REUSE) {
    const xs_hop *a = &rt->hist.ops[v->actual_op];
    xs_buf_printf(b, "    accepted by #%" PRId64 " on %s and again by #%" PRId64 " on %s\n", v->expected_op,
                  xs_sim_site_name(rt->sim, e->site), v->actual_op, xs_sim_site_name(rt->sim, a->site));
    return;
  }
  if (e) xs_buf_printf(b, "    should hold: %s of #%" PRId64 " (%s %s, %s at %s)\n",
                       e->kind == XS_HOP_REMOVE ? "nothing, after the delete" : "the value",
                       v->expected_op, xs__scn_action_name(rt, e), kind_text(e->kind), res_text(e->res), t);
  if (v->kind == XS_VIOL_LOST) xs_buf_puts(b, "    holds: nothing\n");
  else if (v->kind == XS_VIOL_FOREIGN) xs_buf_puts(b, "    holds: a value no client wrote\n");
  else xs_buf_printf(b, "    holds: the value of #%" PRId64 "\n", v->actual_op);
}

static void summary_counts(const xs__scn_viols *v, char *out, size_t len) {
  int64_t c[5] = {0};
  uint32_t sites = 0;
  for (int64_t i = 0; i < v->n; i++) {
    c[v->v[i].kind]++;
    if (v->v[i].site >= 0) sites |= 1u << v->v[i].site;
  }
  size_t n = 0;
  for (int k = 0; k < 5 && n < len; k++)
    if (c[k]) n += (size_t)snprintf(out + n, len - n, "%s%" PRId64 " x %s", n ? ", " : "", c[k],
                                    xs_viol_kind_text((xs_viol_kind)k));
  (void)sites;
}

void xs__scn_violation_report(scn_rt *rt, const xs_scn_stmt *st, const xs__scn_viols *v) {
  xs_buf d, first;
  xs_buf_init(&d, XS_SCN_DETAIL_BYTES_MAX);
  xs_buf_init(&first, 256);
  for (int64_t i = 0; i < v->n && i < SCN_REPORT_KEYS_MAX; i++) {
    const xs_violation *x = &v->v[i];
    xs_buf_puts(&d, "  key ");
    show_key(rt, x->key, &d);
    if (x->site >= 0) xs_buf_printf(&d, " on %s", xs_sim_site_name(rt->sim, x->site));
    xs_buf_printf(&d, ": %s\n", xs_viol_kind_text(x->kind));
    what_is_there(rt, x, &d);
    xs__scn_key_history(rt, x->key, &d);
  }
  if (v->n > SCN_REPORT_KEYS_MAX) xs_buf_printf(&d, "  ... and %" PRId64 " more\n", v->n - SCN_REPORT_KEYS_MAX);
  show_key(rt, v->v[0].key, &first);
  if (v->v[0].site >= 0) xs_buf_printf(&first, " on %s", xs_sim_site_name(rt->sim, v->v[0].site));
  char counts[256];
  summary_counts(v, counts, sizeof counts);
  xs__scn_failure(rt, xs_scn_check_name(&st->check), st->line, st->col, xs_buf_cstr(&d), "%s: %s; first: %s",
                  st->src, counts, xs_buf_cstr(&first));
  for (int64_t i = 0; i < v->n && i < 2; i++)
    if (v->v[i].kind != XS_VIOL_TOKEN_REUSE) track_add(rt, v->v[i].key, v->v[i].site, -1);
  xs_buf_free(&d);
  xs_buf_free(&first);
}

void xs__scn_objective_report(scn_rt *rt, const xs_scn_stmt *st, const xs_rto *r, const char *fmt, ...) {
  char msg[XS_SCN_SUMMARY_BYTES_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  xs_buf d;
  xs_buf_init(&d, XS_SCN_DETAIL_BYTES_MAX);
  if (r->last_fail_op >= 0) {
    xs_buf_puts(&d, "    the last failed client operation:\n");
    op_line(rt, (uint32_t)r->last_fail_op, &d);
  }
  if (r->first_ok_op >= 0) {
    xs_buf_puts(&d, "    the first one that succeeded after it:\n");
    op_line(rt, (uint32_t)r->first_ok_op, &d);
  }
  xs__scn_failure(rt, "rto", st->line, st->col, xs_buf_cstr(&d), "%s: %s", st->src, msg);
  xs_buf_free(&d);
}

/* ------------------------------------------------------------------------ */
/* Contents that differ between sites                                         */

typedef struct diff_scan {
  scn_rt *rt;
  int cache, a, b;
  int64_t count;
  xs_buf *d;
  bool tracked;
} diff_scan;

static bool busy(const diff_scan *s, const uint8_t *key, uint32_t len) {
  int64_t k = xs_hist_find(&s->rt->hist, s->cache, (const char *)key, len);
  return k >= 0 && xs__scn_busy(s->rt, (uint32_t)k);
}

/* For each entry of site `a`: what `b` holds; b-only keys come from the
 * second pass (a and b swapped, `present_only`). */
static int diff_entry(void *ud, const uint8_t *key, uint32_t klen, const uint8_t *val, uint32_t vlen, uint8_t vt) {
  diff_scan *s = ud;
  const uint8_t *ov;
  uint32_t olen;
  int rc = xs_cache_peek(s->rt->sim, s->b, s->cache, key, klen, &ov, &olen, NULL, NULL);
  if (rc == 1 && olen == vlen && memcmp(ov, val, vlen) == 0) return 0;
  if (rc == 1 && s->tracked) return 0; /* second pass: both present, already counted */
  if (busy(s, key, klen)) return 0;
  if (s->count++ >= SCN_REPORT_DIFFS_MAX) return 0;
  const char *an = xs_sim_site_name(s->rt->sim, s->a), *bn = xs_sim_site_name(s->rt->sim, s->b);
  xs_buf_printf(s->d, "  %s/%.*s: %s holds ", xs_sim_cache_name(s->rt->sim, s->cache), (int)klen, key, an);
  show(s->d, val, vlen);
  xs_buf_printf(s->d, ", %s holds ", bn);
  if (rc == 1) show(s->d, ov, olen);
  else xs_buf_puts(s->d, "nothing");
  xs_buf_puts(s->d, "\n");
  return 0;
}

static void diff_cache(scn_rt *rt, int cache, int a, int b, xs_buf *d, int64_t *count) {
  diff_scan s = {rt, cache, a, b, *count, d, false};
  xs_cache_foreach(rt->sim, a, cache, diff_entry, &s);
  s.a = b;
  s.b = a;
  s.tracked = true;
  xs_cache_foreach(rt->sim, b, cache, diff_entry, &s);
  *count = s.count;
}

/* The first differing key that the history knows, to follow in the replay. */
static int64_t first_history_key(scn_rt *rt, const bool *use, int a, int b) {
  for (uint32_t k = 0; k < rt->hist.nkeys; k++) {
    int c = rt->hist.keys[k].cache;
    if (!use[c] || xs__scn_busy(rt, k)) continue;
    xs_hstate x, y;
    xs__scn_peek(rt, a, k, &x);
    xs__scn_peek(rt, b, k, &y);
    if (x.kind != y.kind || x.op != y.op) return k;
  }
  return -1;
}

void xs__scn_identical_report(scn_rt *rt, const xs_scn_stmt *st, const char *msg) {
  bool use[XS_CACHES_MAX];
  xs__scn_identical_caches(rt, &st->check.cond, use);
  xs_buf d;
  xs_buf_init(&d, XS_SCN_DETAIL_BYTES_MAX);
  int64_t count = 0;
  int a = 0, b = rt->nsites > 1 ? 1 : 0;
  for (int k = 0; k < xs_sim_topology(rt->sim)->ncaches; k++)
    if (use[k] && xs_site_is_up(rt->sim, a) && xs_site_is_up(rt->sim, b) && xs_sim_cache_defined(rt->sim, a, k) &&
        xs_sim_cache_defined(rt->sim, b, k))
      diff_cache(rt, k, a, b, &d, &count);
  if (count > SCN_REPORT_DIFFS_MAX) xs_buf_printf(&d, "  ... %" PRId64 " differing keys in all\n", count);
  int64_t hk = first_history_key(rt, use, a, b);
  if (hk >= 0) {
    xs_buf_puts(&d, "  key ");
    show_key(rt, (uint32_t)hk, &d);
    xs_buf_puts(&d, ":\n");
    xs__scn_key_history(rt, (uint32_t)hk, &d);
  }
  xs__scn_failure(rt, "identical", st->line, st->col, xs_buf_cstr(&d), "%s: %s", st->src, msg);
  if (hk >= 0) track_add(rt, (uint32_t)hk, a, b);
  xs_buf_free(&d);
}

/* ------------------------------------------------------------------------ */
/* The replay: when did each followed key go wrong, and during what?          */

/* Whether the key is wrong now: 1, 0, or -1 when it cannot be told. */
static int track_wrong(scn_rt *rt, scn_track *t) {
  if (t->key >= rt->hist.nkeys) return -1; /* not written yet in this run */
  for (; t->scanned < rt->hist.nops; t->scanned++) {
    if (rt->hist.ops[t->scanned].key != t->key) continue;
    if (t->nops == t->cap) {
      uint32_t nc = t->cap ? t->cap * 2 : 16;
      uint32_t *n = realloc(t->ops, nc * sizeof *n);
      if (!n) return -1;
      t->ops = n;
      t->cap = nc;
    }
    t->ops[t->nops++] = t->scanned;
  }
  xs_hstate x, y;
  xs__scn_peek(rt, t->site, t->key, &x);
  if (t->site2 >= 0) {
    xs__scn_peek(rt, t->site2, t->key, &y);
    return x.kind != y.kind || x.op != y.op;
  }
  xs_violation v;
  int r = xs_check_key_ops(&rt->hist, t->ops, t->nops, t->key, t->site, xs_sim_now(rt->sim), &x, &v);
  return r < 0 ? -1 : r;
}

void xs__scn_track_sample(scn_rt *rt) {
  for (int i = 0; i < rt->ntrack; i++) {
    scn_track *t = &rt->track[i];
    int w = track_wrong(rt, t);
    if (w < 0) continue;
    if (w && t->state != 1) {
      t->wrong_since = xs_sim_now(rt->sim);
      t->wrong_log = rt->nlog;
    } else if (!w) {
      t->last_right = xs_sim_now(rt->sim);
      t->right_log = rt->nlog;
      t->right_cur = rt->cur_log;
    }
    t->state = w;
  }
}

static void culprit(const scn_rt *rt, int i, bool running, xs_buf *b) {
  const scn_log *l = &rt->log[i];
  char t[32];
  xs__scn_time(l->t0, t, sizeof t);
  if (l->line) xs_buf_printf(b, "      %s  line %d%s: %s\n", t, l->line, running ? " (running)" : "", l->text);
  else xs_buf_printf(b, "      %s  %s\n", t, l->text);
}

/* The key's own client operations that ended inside the window. */
static void window_ops(scn_rt *rt, const scn_track *t, xs_buf *b) {
  for (uint32_t i = 0; i < t->nops; i++) {
    const xs_hop *o = &rt->hist.ops[t->ops[i]];
    if (o->completed == XS_TIME_NEVER || o->completed <= t->last_right || o->completed > t->wrong_since) continue;
    op_line(rt, t->ops[i], b);
  }
}

static void track_one(scn_rt *rt, const scn_track *t, xs_scn_failure *f) {
  xs_buf b;
  xs_buf_init(&b, 8192);
  char t0[32], t1[32];
  xs__scn_time(t->last_right < 0 ? 0 : t->last_right, t0, sizeof t0);
  xs__scn_time(t->wrong_since, t1, sizeof t1);
  size_t len;
  const char *k = xs_hist_key_text(&rt->hist, t->key, &len);
  xs_buf_printf(&b, "  what broke key %s/%.*s", xs_sim_cache_name(rt->sim, rt->hist.keys[t->key].cache), (int)len, k);
  if (t->site2 >= 0)
    xs_buf_printf(&b, " (%s against %s)", xs_sim_site_name(rt->sim, t->site), xs_sim_site_name(rt->sim, t->site2));
  else
    xs_buf_printf(&b, " (on %s)", xs_sim_site_name(rt->sim, t->site));
  if (t->last_right < 0) xs_buf_printf(&b, ": wrong from its first write on (first seen at %s)\n", t1);
  else xs_buf_printf(&b, ": right at %s, wrong from %s on and never repaired; in between:\n", t0, t1);
  int shown = 0;
  if (t->right_cur >= 0 && t->right_cur < t->right_log) {
    culprit(rt, t->right_cur, true, &b);
    shown++;
  }
  for (int i = t->right_log; i < t->wrong_log && i < rt->nlog && shown < SCN_REPORT_CULPRITS_MAX; i++, shown++)
    culprit(rt, i, false, &b);
  if (t->wrong_log - t->right_log > SCN_REPORT_CULPRITS_MAX) xs_buf_puts(&b, "      ...\n");
  if (t->last_right >= 0) window_ops(rt, t, &b);
  xs__scn_detail_append(f, xs_buf_cstr(&b));
  xs_buf_free(&b);
}

void xs__scn_track_report(scn_rt *rt, xs_scn_result *main) {
  for (int i = 0; i < rt->ntrack; i++) {
    const scn_track *t = &rt->track[i];
    if (t->state == 1 && t->fail < main->nfailures) track_one(rt, t, &main->failures[t->fail]);
    free(rt->track[i].ops);
    rt->track[i].ops = NULL;
  }
}
