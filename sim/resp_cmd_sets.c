/*
 * resp_cmd_sets.c - set commands: SADD SREM SMEMBERS SISMEMBER SMISMEMBER
 * SCARD SPOP SRANDMEMBER SINTER SUNION SDIFF SMOVE SSCAN.
 *
 * A set is one value (XS_RESP_VTYPE_SET) with its members in insertion
 * order, replied as RESP3 sets ("~n").  Random choices (SPOP, SRANDMEMBER)
 * come from the session's own PRNG stream, split off the simulation's seed,
 * so a run replays exactly.
 */
#include <stdlib.h>
#include <string.h>

#include "resp_internal.h"

#define E_NOMEM "ERR out of memory"

static bool member_of(const xs__resp_items *a, const void *p, size_t n) {
  for (size_t i = 0; i < a->n; i++)
    if (a->v[i].len == n && (n == 0 || !memcmp(a->v[i].p, p, n))) return true;
  return false;
}

/* ------------------------------------------------------------------------ */
/* SADD, SREM                                                                 */

static xs_compute_action sadd_compute(xs_resp_session *s, const xs__resp_val *old, xs_compute_out *out) {
  if (!xs__resp_cx_load(s, old, XS__RESP_T_SET)) return XS_COMPUTE_KEEP;
  int64_t added = 0;
  if (xs__resp_index_build(&s->ix, &s->ia, 1, (size_t)(s->argc - 2))) return xs__resp_cx_fail(s, E_NOMEM);
  for (int i = 2; i < s->argc; i++) {
    if (xs__resp_index_find(&s->ix, s->argv[i], s->argl[i]) >= 0) continue;
    if (xs__resp_items_push(&s->ia, s->argv[i], s->argl[i]) || xs__resp_index_add(&s->ix, s->ia.n - 1))
      return xs__resp_cx_fail(s, E_NOMEM);
    added++;
  }
  xs_resp_w_int(&s->cx.reply, added);
  return added ? xs__resp_cx_store(s, out, XS_RESP_VTYPE_SET, 1) : XS_COMPUTE_KEEP;
}

void xs__resp_cmd_sadd(xs_resp_session *s) {
  xs__resp_compute(s, s->argv[1], s->argl[1], sadd_compute, xs__resp_done_reply);
}

static xs_compute_action srem_compute(xs_resp_session *s, const xs__resp_val *old, xs_compute_out *out) {
  return xs__resp_cx_remove(s, old, out, XS__RESP_T_SET, XS_RESP_VTYPE_SET, 1);
}

void xs__resp_cmd_srem(xs_resp_session *s) {
  xs__resp_compute(s, s->argv[1], s->argl[1], srem_compute, xs__resp_done_reply);
}

/* ------------------------------------------------------------------------ */
/* Reads                                                                      */

void xs__resp_cmd_smembers(xs_resp_session *s) {
  xs__resp_type t;
  if (xs__resp_read_coll(s, 1, XS__RESP_T_SET, &t)) xs__resp_w_items(&s->out, &s->ia, 0, 1, true);
}

void xs__resp_cmd_scard(xs_resp_session *s) {
  uint64_t n;
  if (xs__resp_read_count(s, 1, XS__RESP_T_SET, &n)) xs_resp_w_int(&s->out, (int64_t)n);
}

void xs__resp_cmd_sismember(xs_resp_session *s) {
  xs__resp_type t;
  if (xs__resp_read_coll(s, 1, XS__RESP_T_SET, &t))
    xs_resp_w_int(&s->out, member_of(&s->ia, s->argv[2], s->argl[2]));
}

void xs__resp_cmd_smismember(xs_resp_session *s) {
  if (!xs__resp_read_indexed(s, XS__RESP_T_SET, 1)) return;
  xs_resp_w_array(&s->out, (size_t)(s->argc - 2));
  for (int i = 2; i < s->argc; i++) xs_resp_w_int(&s->out, xs__resp_index_find(&s->ix, s->argv[i], s->argl[i]) >= 0);
}

/* SINTER / SUNION / SDIFF: the first set's members (in order) filtered by
 * the others, or the union in order of first appearance. */
enum { OP_INTER, OP_UNION, OP_DIFF };

static bool combine_with(xs_resp_session *s, int argi, int op) {
  xs__resp_type t;
  if (!xs__resp_read_coll(s, argi, XS__RESP_T_SET, &t)) return false;
  if (op == OP_UNION) { /* s->ix indexes the result (s->ib) */
    for (size_t i = 0; i < s->ia.n; i++) {
      if (xs__resp_index_find(&s->ix, s->ia.v[i].p, s->ia.v[i].len) >= 0) continue;
      if (xs__resp_items_push(&s->ib, s->ia.v[i].p, s->ia.v[i].len) || xs__resp_index_add(&s->ix, s->ib.n - 1))
        return false;
    }
    return true;
  }
  if (xs__resp_index_build(&s->ix, &s->ia, 1, 0)) return false;
  size_t w = 0;
  for (size_t i = 0; i < s->ib.n; i++) {
    bool in = xs__resp_index_find(&s->ix, s->ib.v[i].p, s->ib.v[i].len) >= 0;
    if (in == (op == OP_INTER)) s->ib.v[w++] = s->ib.v[i];
  }
  s->ib.n = w;
  return true;
}

static void set_algebra(xs_resp_session *s, int op) {
  /* Item pointers stay valid: reads do not change the store. */
  s->ib.n = 0;
  for (int i = 1; i < s->argc; i++) {
    if (i == 1) {
      xs__resp_type t;
      if (!xs__resp_read_coll(s, 1, XS__RESP_T_SET, &t)) return;
      for (size_t k = 0; k < s->ia.n; k++)
        if (xs__resp_items_push(&s->ib, s->ia.v[k].p, s->ia.v[k].len)) goto nomem;
      if (op == OP_UNION && xs__resp_index_build(&s->ix, &s->ib, 1, 0)) goto nomem;
      continue;
    }
    size_t before = s->out.len;
    if (!combine_with(s, i, op)) {
      if (s->out.len == before) goto nomem;
      return;
    }
  }
  xs__resp_w_items(&s->out, &s->ib, 0, 1, true);
  return;
nomem:
  xs_resp_w_error(&s->out, E_NOMEM);
}

void xs__resp_cmd_sinter(xs_resp_session *s) { set_algebra(s, OP_INTER); }
void xs__resp_cmd_sunion(xs_resp_session *s) { set_algebra(s, OP_UNION); }
void xs__resp_cmd_sdiff(xs_resp_session *s) { set_algebra(s, OP_DIFF); }

/* ------------------------------------------------------------------------ */
/* SPOP, SRANDMEMBER                                                          */

/* The count argument (argv[2], default 1) of SPOP / SRANDMEMBER. */
static bool count_arg(xs_resp_session *s, int64_t *count) {
  *count = 1;
  if (s->argc > 2 && !xs__resp_java_tolong(s->argv[2], s->argl[2], count)) {
    xs_resp_w_error(&s->out, XS_RESP_E_NOTINT);
    return false;
  }
  return true;
}

static xs_compute_action spop_compute(xs_resp_session *s, const xs__resp_val *old, xs_compute_out *out) {
  if (!xs__resp_cx_load(s, old, XS__RESP_T_SET)) return XS_COMPUTE_KEEP;
  size_t n = s->ia.n, k = (uint64_t)s->cx.arg < n ? (size_t)s->cx.arg : n;
  if (k == 0) {
    xs_resp_w_array(&s->cx.reply, 0);
    return XS_COMPUTE_KEEP;
  }
  uint32_t *idx = malloc(n * sizeof *idx);
  uint8_t *gone = calloc(n, 1);
  if (!idx || !gone) {
    free(idx);
    free(gone);
    return xs__resp_cx_fail(s, E_NOMEM);
  }
  if (k < n) xs__resp_pick(s, idx, n, k);
  else for (size_t i = 0; i < n; i++) idx[i] = (uint32_t)i; /* all of them, in order */
  xs_resp_w_array(&s->cx.reply, k);
  for (size_t i = 0; i < k; i++) {
    xs_resp_w_bulk(&s->cx.reply, s->ia.v[idx[i]].p, s->ia.v[idx[i]].len);
    gone[idx[i]] = 1;
  }
  xs__resp_drop_marked(s, gone, 1);
  free(idx);
  free(gone);
  return xs__resp_cx_store(s, out, XS_RESP_VTYPE_SET, 1);
}

void xs__resp_cmd_spop(xs_resp_session *s) {
  if (!count_arg(s, &s->cx.arg)) return;
  if (s->cx.arg < 0) {
    xs_resp_w_error(&s->out, XS_RESP_E_POSITIVE);
    return;
  }
  xs__resp_compute(s, s->argv[1], s->argl[1], spop_compute, xs__resp_done_reply);
}

void xs__resp_cmd_srandmember(xs_resp_session *s) {
  int64_t count;
  xs__resp_type t;
  if (!count_arg(s, &count)) return;
  if (count == INT64_MIN) {
    xs_resp_w_error(&s->out, "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807");
    return;
  }
  if (!xs__resp_read_coll(s, 1, XS__RESP_T_SET, &t)) return;
  size_t n = s->ia.n;
  if (count < 0) { /* |count| picks, repeats allowed */
    uint64_t k = n ? (uint64_t)-count : 0;
    if (k > XS_RESP_SCAN_COUNT_MAX) k = XS_RESP_SCAN_COUNT_MAX;
    xs_resp_w_array(&s->out, (size_t)k);
    for (uint64_t i = 0; i < k; i++) {
      const xs__resp_item *e = &s->ia.v[xs__resp_rand(s) % n];
      xs_resp_w_bulk(&s->out, e->p, e->len);
    }
    return;
  }
  size_t k = (uint64_t)count < n ? (size_t)count : n;
  uint32_t *idx = malloc((n ? n : 1) * sizeof *idx);
  if (!idx) {
    xs_resp_w_error(&s->out, E_NOMEM);
    return;
  }
  if (k < n) xs__resp_pick(s, idx, n, k);
  else for (size_t i = 0; i < n; i++) idx[i] = (uint32_t)i;
  xs_resp_w_array(&s->out, k);
  for (size_t i = 0; i < k; i++) xs_resp_w_bulk(&s->out, s->ia.v[idx[i]].p, s->ia.v[idx[i]].len);
  free(idx);
}

/* ------------------------------------------------------------------------ */
/* SMOVE: remove from the source, then add to the destination.              */

static xs_compute_action smove_src(xs_resp_session *s, const xs__resp_val *old, xs_compute_out *out) {
  if (!xs__resp_cx_load(s, old, XS__RESP_T_SET)) return XS_COMPUTE_KEEP;
  size_t w = 0;
  for (size_t i = 0; i < s->ia.n; i++)
    if (!(s->ia.v[i].len == s->argl[3] && !memcmp(s->ia.v[i].p, s->argv[3], s->argl[3]))) s->ia.v[w++] = s->ia.v[i];
  s->cx.n = w != s->ia.n; /* was it a member? */
  s->ia.n = w;
  return s->cx.n ? xs__resp_cx_store(s, out, XS_RESP_VTYPE_SET, 1) : XS_COMPUTE_KEEP;
}

static xs_compute_action smove_dst(xs_resp_session *s, const xs__resp_val *old, xs_compute_out *out) {
  if (!xs__resp_cx_load(s, old, XS__RESP_T_SET)) return XS_COMPUTE_KEEP;
  if (member_of(&s->ia, s->argv[3], s->argl[3])) return XS_COMPUTE_KEEP;
  if (xs__resp_items_push(&s->ia, s->argv[3], s->argl[3])) return xs__resp_cx_fail(s, E_NOMEM);
  return xs__resp_cx_store(s, out, XS_RESP_VTYPE_SET, 1);
}

static void smove_done(xs_resp_session *s, const xs_op_result *r) {
  if (r->status) {
    xs__resp_reply_op_error(s, r);
    xs__resp_finish(s);
    return;
  }
  if (s->cx.step == 0 && s->cx.n) {
    s->cx.step = 1;
    xs__resp_compute(s, s->argv[2], s->argl[2], smove_dst, smove_done); /* a refusal replies */
    return;
  }
  xs_resp_w_int(&s->out, s->cx.n);
  xs__resp_finish(s);
}

void xs__resp_cmd_smove(xs_resp_session *s) {
  xs__resp_type t;
  /* Both types are checked first, so a wrong destination changes nothing. */
  if (!xs__resp_read_coll(s, 2, XS__RESP_T_SET, &t) || !xs__resp_read_coll(s, 1, XS__RESP_T_SET, &t)) return;
  if (s->argl[1] == s->argl[2] && !memcmp(s->argv[1], s->argv[2], s->argl[1])) {
    xs_resp_w_int(&s->out, member_of(&s->ia, s->argv[3], s->argl[3]));
    return;
  }
  xs__resp_compute(s, s->argv[1], s->argl[1], smove_src, smove_done);
}

void xs__resp_cmd_sscan(xs_resp_session *s) { xs__resp_scan_coll(s, XS__RESP_T_SET, 1); }
