/*
 * scenario_check.c - the history checkers (the model is described in
 * scenario_check.h).  Each key is judged from its own operations in
 * invocation order, in two passes: find the latest invocation of an
 * acknowledged write, then collect the writes not superseded by it.
 */
#include "scenario_check.h"

#include <stdlib.h>

const char *xs_viol_kind_text(xs_viol_kind k) {
  switch (k) {
  case XS_VIOL_LOST: return "acknowledged write lost";
  case XS_VIOL_STALE: return "an older value came back over an acknowledged write";
  case XS_VIOL_FOREIGN: return "a value no client wrote";
  case XS_VIOL_RESURRECTED: return "deleted entry came back (lost logout)";
  case XS_VIOL_TOKEN_REUSE: return "action token used twice";
  }
  return "?";
}

static bool writes(const xs_hop *o) {
  return o->kind == XS_HOP_PUT || o->kind == XS_HOP_PUT_IF_ABSENT || o->kind == XS_HOP_REPLACE;
}

/* The operations of one key that matter on `site` at t, with their
 * outcome as seen from there: OK, ERROR (maybe), or skipped. */
typedef struct key_scan {
  bool any_ok;
  xs_ms last_ok_invoke;
} key_scan;

/* An OK local-only write counts as may-or-may-not elsewhere (only state
 * transfer can copy it) and on its own site once that site crashed. */
static xs_hop_res seen_from(const xs_history *h, const xs_hop *o, int site, xs_ms t) {
  if (o->local && o->res == XS_HRES_OK && (o->site != site || xs_hist_crashed(h, site, o->invoked, t)))
    return XS_HRES_ERROR;
  return (xs_hop_res)o->res;
}

/* First pass: -1 when the key cannot be judged at t. */
static int scan(const xs_history *h, const uint32_t *ops, uint32_t n, int site, xs_ms t, key_scan *ks) {
  ks->any_ok = false;
  ks->last_ok_invoke = INT64_MIN;
  bool any = false;
  for (uint32_t i = 0; i < n; i++) {
    const xs_hop *o = &h->ops[ops[i]];
    if (o->invoked > t) break;
    if (o->kind == XS_HOP_INCR) return -1;
    if (o->kind == XS_HOP_GET) continue;
    xs_hop_res r = seen_from(h, o, site, t);
    if (r == XS_HRES_REFUSED || r == XS_HRES_UNAVAILABLE) continue;
    if (r == XS_HRES_PENDING || o->completed > t) return -1;
    any = true;
    if (r == XS_HRES_OK) {
      ks->any_ok = true;
      if (o->invoked > ks->last_ok_invoke) ks->last_ok_invoke = o->invoked;
    }
  }
  return any ? 0 : -1;
}

int xs_check_key(const xs_history *h, const xs_hist_index *ix, uint32_t key, int site, xs_ms t,
                 const xs_hstate *actual, xs_violation *v) {
  return xs_check_key_ops(h, ix->idx + ix->start[key], ix->start[key + 1] - ix->start[key], key, site, t, actual, v);
}

int xs_check_key_ops(const xs_history *h, const uint32_t *ops, uint32_t n, uint32_t key, int site, xs_ms t,
                     const xs_hstate *actual, xs_violation *v) {
  key_scan ks;
  if (scan(h, ops, n, site, t, &ks) < 0) return -1;
  bool allow_absent = !ks.any_ok, value_ok = false;
  int64_t ok_put = -1, ok_rm = -1, any_put = -1;
  for (uint32_t i = 0; i < n; i++) {
    const xs_hop *o = &h->ops[ops[i]];
    if (o->invoked > t) break;
    xs_hop_res r = seen_from(h, o, site, t);
    if (o->kind == XS_HOP_GET || (r != XS_HRES_OK && r != XS_HRES_ERROR)) continue;
    if (o->completed < ks.last_ok_invoke) continue; /* superseded */
    if (o->kind == XS_HOP_REMOVE) {
      allow_absent = true;
      if (r == XS_HRES_OK) ok_rm = ops[i];
    } else if (writes(o)) {
      any_put = ops[i];
      if (r == XS_HRES_OK) ok_put = ops[i];
      if (actual->kind == XS_HSTATE_OURS && actual->op == (int64_t)ops[i]) value_ok = true;
    }
  }
  *v = (xs_violation){.key = key, .site = site, .expected_op = ok_put >= 0 ? ok_put : any_put, .actual_op = -1};
  if (actual->kind == XS_HSTATE_ABSENT) {
    if (allow_absent) return 0;
    v->kind = XS_VIOL_LOST;
    return 1;
  }
  if (actual->kind == XS_HSTATE_FOREIGN) {
    v->kind = XS_VIOL_FOREIGN;
    return 1;
  }
  if (value_ok) return 0;
  v->actual_op = actual->op;
  if (ok_rm >= 0 && ok_put < 0) {
    v->kind = XS_VIOL_RESURRECTED;
    v->expected_op = ok_rm;
  } else {
    v->kind = XS_VIOL_STALE;
  }
  return 1;
}

int64_t xs_check_register(const xs_history *h, const xs_hist_index *ix, int site, xs_ms t, xs_hist_peek_fn peek,
                          void *peek_ud, xs_viol_cb cb, void *cb_ud) {
  int64_t count = 0;
  for (uint32_t k = 0; k < h->nkeys; k++) {
    if (ix->start[k + 1] == ix->start[k]) continue;
    xs_hstate st;
    peek(peek_ud, site, k, &st);
    xs_violation v;
    if (xs_check_key(h, ix, k, site, t, &st, &v) == 1) {
      count++;
      if (cb) cb(cb_ud, &v);
    }
  }
  return count;
}

int64_t xs_check_tokens(const xs_history *h, const xs_hist_index *ix, int cache, xs_viol_cb cb, void *cb_ud) {
  int64_t count = 0;
  for (uint32_t k = 0; k < h->nkeys; k++) {
    if (h->keys[k].cache != cache) continue;
    int64_t first = -1;
    for (uint32_t i = ix->start[k]; i < ix->start[k + 1]; i++) {
      const xs_hop *o = &h->ops[ix->idx[i]];
      if (o->kind != XS_HOP_PUT_IF_ABSENT || o->res != XS_HRES_OK) continue;
      if (first < 0) {
        first = ix->idx[i];
        continue;
      }
      count++;
      xs_violation v = {XS_VIOL_TOKEN_REUSE, k, -1, first, ix->idx[i]};
      if (cb) cb(cb_ud, &v);
    }
  }
  return count;
}

static bool outage(const xs_hop *o) { return o->res == XS_HRES_ERROR || o->res == XS_HRES_UNAVAILABLE; }

void xs_check_rto(const xs_history *h, xs_ms since, xs_ms now, xs_rto *out) {
  *out = (xs_rto){0, false, 0, -1, -1};
  xs_ms last_fail = INT64_MIN;
  for (uint32_t i = 0; i < h->nops; i++) {
    const xs_hop *o = &h->ops[i];
    if (o->invoked < since || o->invoked > now || o->completed > now) continue;
    if (outage(o)) {
      out->failed++;
      if (o->invoked >= last_fail) {
        last_fail = o->invoked;
        out->last_fail_op = i;
      }
    }
  }
  if (!out->failed) return;
  xs_ms best = XS_TIME_NEVER;
  for (uint32_t i = 0; i < h->nops; i++) {
    const xs_hop *o = &h->ops[i];
    if (o->invoked <= last_fail || o->invoked > now || o->res != XS_HRES_OK || o->completed > now) continue;
    if (o->completed < best) {
      best = o->completed;
      out->first_ok_op = i;
    }
  }
  out->recovered = out->first_ok_op >= 0;
  if (out->recovered) out->rto = best - since;
}

xs_ms xs_check_rpo(const xs_history *h, const xs_violation *v, int64_t n, xs_ms since) {
  xs_ms earliest = XS_TIME_NEVER;
  bool lost = false;
  for (int64_t i = 0; i < n; i++) {
    if (v[i].kind == XS_VIOL_TOKEN_REUSE) continue;
    lost = true;
    if (v[i].expected_op >= 0 && h->ops[v[i].expected_op].completed < earliest)
      earliest = h->ops[v[i].expected_op].completed;
  }
  if (!lost) return 0;
  if (earliest == XS_TIME_NEVER || since - earliest < 1) return 1;
  return since - earliest;
}
