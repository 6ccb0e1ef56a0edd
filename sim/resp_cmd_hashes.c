/*
 * resp_cmd_hashes.c - hash commands: HSET HMSET HSETNX HGET HMGET HDEL
 * HEXISTS HLEN HSTRLEN HGETALL HKEYS HVALS HINCRBY HINCRBYFLOAT HRANDFIELD
 * HSCAN.
 *
 * A hash is one value (XS_RESP_VTYPE_HASH): field, value, field, value, ...
 * in the order the fields were first set.  Every change is a compute that
 * decodes it, edits the item array and encodes it again, so the whole hash
 * is what the backup carries - as Infinispan's HashMapBucket is.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "resp_internal.h"

#define E_OVERFLOW "ERR increment or decrement would overflow"
#define E_HASH_NOT_FLOAT "ERR hash value is not a float"
#define E_NOMEM "ERR out of memory"

/* The value of a field among s->ia's pairs, or -1. */
static int64_t field_at(const xs_resp_session *s, const void *f, size_t n) {
  for (size_t i = 0; i + 1 < s->ia.n; i += 2)
    if (s->ia.v[i].len == n && (n == 0 || !memcmp(s->ia.v[i].p, f, n))) return (int64_t)i;
  return -1;
}

/* ------------------------------------------------------------------------ */
/* HSET, HMSET, HSETNX                                                        */

/* Sets argv[2..] pairs into s->ia; returns the number of new fields, or -1
 * after failing the compute. */
static int64_t set_pairs(xs_resp_session *s) {
  int64_t added = 0;
  if (xs__resp_index_build(&s->ix, &s->ia, 2, (size_t)(s->argc - 2) / 2)) return -1;
  for (int i = 2; i + 1 < s->argc; i += 2) {
    int64_t e = xs__resp_index_find(&s->ix, s->argv[i], s->argl[i]);
    if (e >= 0) { /* an existing field: the last value given wins */
      s->ia.v[2 * e + 1].p = (const uint8_t *)s->argv[i + 1];
      s->ia.v[2 * e + 1].len = (uint32_t)s->argl[i + 1];
      continue;
    }
    if (xs__resp_items_push(&s->ia, s->argv[i], s->argl[i]) ||
        xs__resp_items_push(&s->ia, s->argv[i + 1], s->argl[i + 1]) ||
        xs__resp_index_add(&s->ix, s->ia.n / 2 - 1))
      return -1;
    added++;
  }
  return added;
}

static xs_compute_action hset_compute(xs_resp_session *s, const xs__resp_val *old, xs_compute_out *out) {
  if (!xs__resp_cx_load(s, old, XS__RESP_T_HASH)) return XS_COMPUTE_KEEP;
  int64_t added = set_pairs(s);
  if (added < 0) return xs__resp_cx_fail(s, E_NOMEM);
  if (s->cx.opts) xs_resp_w_simple(&s->cx.reply, "OK"); /* HMSET */
  else xs_resp_w_int(&s->cx.reply, added);
  return xs__resp_cx_store(s, out, XS_RESP_VTYPE_HASH, 2);
}

static void hset_common(xs_resp_session *s, bool hmset) {
  if ((s->argc - 1) % 2 == 0) { /* a field without its value */
    xs__resp_err_arity(s);
    return;
  }
  s->cx.opts = hmset;
  xs__resp_compute(s, s->argv[1], s->argl[1], hset_compute, xs__resp_done_reply);
}

void xs__resp_cmd_hset(xs_resp_session *s) { hset_common(s, false); }
void xs__resp_cmd_hmset(xs_resp_session *s) { hset_common(s, true); }

static xs_compute_action hsetnx_compute(xs_resp_session *s, const xs__resp_val *old, xs_compute_out *out) {
  if (!xs__resp_cx_load(s, old, XS__RESP_T_HASH)) return XS_COMPUTE_KEEP;
  if (field_at(s, s->argv[2], s->argl[2]) >= 0) {
    xs_resp_w_int(&s->cx.reply, 0);
    return XS_COMPUTE_KEEP;
  }
  if (xs__resp_items_push(&s->ia, s->argv[2], s->argl[2]) || xs__resp_items_push(&s->ia, s->argv[3], s->argl[3]))
    return xs__resp_cx_fail(s, E_NOMEM);
  xs_resp_w_int(&s->cx.reply, 1);
  return xs__resp_cx_store(s, out, XS_RESP_VTYPE_HASH, 2);
}

void xs__resp_cmd_hsetnx(xs_resp_session *s) {
  xs__resp_compute(s, s->argv[1], s->argl[1], hsetnx_compute, xs__resp_done_reply);
}

/* ------------------------------------------------------------------------ */
/* Reads                                                                      */

void xs__resp_cmd_hget(xs_resp_session *s) {
  xs__resp_type t;
  if (!xs__resp_read_coll(s, 1, XS__RESP_T_HASH, &t)) return;
  int64_t i = field_at(s, s->argv[2], s->argl[2]);
  if (i < 0) xs_resp_w_null(&s->out);
  else xs_resp_w_bulk(&s->out, s->ia.v[i + 1].p, s->ia.v[i + 1].len);
}

void xs__resp_cmd_hstrlen(xs_resp_session *s) {
  xs__resp_type t;
  if (!xs__resp_read_coll(s, 1, XS__RESP_T_HASH, &t)) return;
  int64_t i = field_at(s, s->argv[2], s->argl[2]);
  xs_resp_w_int(&s->out, i < 0 ? 0 : s->ia.v[i + 1].len);
}

void xs__resp_cmd_hexists(xs_resp_session *s) {
  xs__resp_type t;
  if (xs__resp_read_coll(s, 1, XS__RESP_T_HASH, &t))
    xs_resp_w_int(&s->out, field_at(s, s->argv[2], s->argl[2]) >= 0);
}

void xs__resp_cmd_hlen(xs_resp_session *s) {
  uint64_t n;
  if (xs__resp_read_count(s, 1, XS__RESP_T_HASH, &n)) xs_resp_w_int(&s->out, (int64_t)n);
}

void xs__resp_cmd_hmget(xs_resp_session *s) {
  if (!xs__resp_read_indexed(s, XS__RESP_T_HASH, 2)) return;
  xs_resp_w_array(&s->out, (size_t)(s->argc - 2));
  for (int i = 2; i < s->argc; i++) {
    int64_t e = xs__resp_index_find(&s->ix, s->argv[i], s->argl[i]);
    if (e < 0) xs_resp_w_null(&s->out);
    else xs_resp_w_bulk(&s->out, s->ia.v[2 * e + 1].p, s->ia.v[2 * e + 1].len);
  }
}

void xs__resp_cmd_hgetall(xs_resp_session *s) {
  xs__resp_type t;
  if (!xs__resp_read_coll(s, 1, XS__RESP_T_HASH, &t)) return;
  xs_resp_w_map(&s->out, s->ia.n / 2);
  for (size_t i = 0; i < s->ia.n; i++) xs_resp_w_bulk(&s->out, s->ia.v[i].p, s->ia.v[i].len);
}

void xs__resp_cmd_hkeys(xs_resp_session *s) {
  xs__resp_type t;
  if (xs__resp_read_coll(s, 1, XS__RESP_T_HASH, &t)) xs__resp_w_items(&s->out, &s->ia, 0, 2, false);
}

void xs__resp_cmd_hvals(xs_resp_session *s) {
  xs__resp_type t;
  if (xs__resp_read_coll(s, 1, XS__RESP_T_HASH, &t)) xs__resp_w_items(&s->out, &s->ia, 1, 2, false);
}

/* ------------------------------------------------------------------------ */
/* HDEL                                                                       */

static xs_compute_action hdel_compute(xs_resp_session *s, const xs__resp_val *old, xs_compute_out *out) {
  return xs__resp_cx_remove(s, old, out, XS__RESP_T_HASH, XS_RESP_VTYPE_HASH, 2);
}

void xs__resp_cmd_hdel(xs_resp_session *s) {
  xs__resp_compute(s, s->argv[1], s->argl[1], hdel_compute, xs__resp_done_reply);
}

/* ------------------------------------------------------------------------ */
/* HINCRBY, HINCRBYFLOAT                                                      */

/* Replaces (or adds) field argv[2] with bytes p[0..n) in s->ia. */
static bool put_field(xs_resp_session *s, int64_t at, const void *p, size_t n) {
  if (at >= 0) {
    s->ia.v[at + 1].p = p;
    s->ia.v[at + 1].len = (uint32_t)n;
    return true;
  }
  return !xs__resp_items_push(&s->ia, s->argv[2], s->argl[2]) && !xs__resp_items_push(&s->ia, p, n);
}

static xs_compute_action hincrby_compute(xs_resp_session *s, const xs__resp_val *old, xs_compute_out *out) {
  char tmp[24];
  if (!xs__resp_cx_load(s, old, XS__RESP_T_HASH)) return XS_COMPUTE_KEEP;
  int64_t at = field_at(s, s->argv[2], s->argl[2]), prev, v;
  if (at < 0) { /* a new field takes the increment as given, "+5" included */
    if (!put_field(s, at, s->argv[3], s->argl[3])) return xs__resp_cx_fail(s, E_NOMEM);
    xs_resp_w_int(&s->cx.reply, s->cx.arg);
    return xs__resp_cx_store(s, out, XS_RESP_VTYPE_HASH, 2);
  }
  if (!xs__resp_java_tolong(s->ia.v[at + 1].p, s->ia.v[at + 1].len, &prev))
    return xs__resp_cx_fail(s, XS_RESP_E_NOTINT);
  v = (int64_t)((uint64_t)prev + (uint64_t)s->cx.arg);
  if (((prev ^ v) & (s->cx.arg ^ v)) < 0) return xs__resp_cx_fail(s, E_OVERFLOW);
  size_t n = (size_t)snprintf(tmp, sizeof tmp, "%lld", (long long)v);
  put_field(s, at, tmp, n);
  xs_resp_w_int(&s->cx.reply, v);
  return xs__resp_cx_store(s, out, XS_RESP_VTYPE_HASH, 2); /* encodes tmp before it goes */
}

void xs__resp_cmd_hincrby(xs_resp_session *s) {
  int64_t by;
  if (!xs__resp_java_tolong(s->argv[3], s->argl[3], &by)) {
    xs_resp_w_error(&s->out, XS_RESP_E_NOTINT);
    return;
  }
  s->cx.arg = by;
  xs__resp_compute(s, s->argv[1], s->argl[1], hincrby_compute, xs__resp_done_reply);
}

static xs_compute_action hincrbyfloat_compute(xs_resp_session *s, const xs__resp_val *old, xs_compute_out *out) {
  char tmp[40];
  double prev;
  if (!xs__resp_cx_load(s, old, XS__RESP_T_HASH)) return XS_COMPUTE_KEEP;
  int64_t at = field_at(s, s->argv[2], s->argl[2]);
  if (at < 0) { /* stored as given, and echoed as a bulk string */
    if (!put_field(s, at, s->argv[3], s->argl[3])) return xs__resp_cx_fail(s, E_NOMEM);
    xs_resp_w_bulk(&s->cx.reply, s->argv[3], s->argl[3]);
    return xs__resp_cx_store(s, out, XS_RESP_VTYPE_HASH, 2);
  }
  if (!xs__resp_java_todouble(s->ia.v[at + 1].p, s->ia.v[at + 1].len, &prev))
    return xs__resp_cx_fail(s, E_HASH_NOT_FLOAT);
  double v = prev + s->cx.d;
  if (isnan(v) || isinf(v)) return xs__resp_cx_fail(s, XS_RESP_E_NANINF);
  size_t n = xs__resp_java_double_bytes(v, tmp, sizeof tmp);
  put_field(s, at, tmp, n);
  xs_resp_w_bulk(&s->cx.reply, tmp, n);
  return xs__resp_cx_store(s, out, XS_RESP_VTYPE_HASH, 2);
}

void xs__resp_cmd_hincrbyfloat(xs_resp_session *s) {
  if (!xs__resp_java_todouble(s->argv[3], s->argl[3], &s->cx.d)) {
    xs_resp_w_error(&s->out, XS_RESP_E_NOTINT);
    return;
  }
  if (isnan(s->cx.d) || isinf(s->cx.d)) {
    xs_resp_w_error(&s->out, XS_RESP_E_NANINF);
    return;
  }
  xs__resp_compute(s, s->argv[1], s->argl[1], hincrbyfloat_compute, xs__resp_done_reply);
}

/* ------------------------------------------------------------------------ */
/* HRANDFIELD, HSCAN                                                          */

static void write_field(xs_resp_session *s, size_t e, bool values) {
  if (values) xs_resp_w_array(&s->out, 2);
  xs_resp_w_bulk(&s->out, s->ia.v[2 * e].p, s->ia.v[2 * e].len);
  if (values) xs_resp_w_bulk(&s->out, s->ia.v[2 * e + 1].p, s->ia.v[2 * e + 1].len);
}

static void hrandfield_reply(xs_resp_session *s, int64_t count, bool has_count, bool values) {
  size_t fields = s->ia.n / 2;
  if (!has_count) { /* one field, as a bulk string */
    write_field(s, (size_t)(xs__resp_rand(s) % fields), false);
    return;
  }
  if (count < 0) { /* |count| picks, repeats allowed */
    uint64_t k = (uint64_t)0 - (uint64_t)count;
    xs_resp_w_array(&s->out, (size_t)k);
    for (uint64_t i = 0; i < k; i++) write_field(s, (size_t)(xs__resp_rand(s) % fields), values);
    return;
  }
  size_t k = (uint64_t)count < fields ? (size_t)count : fields;
  uint32_t *idx = malloc(fields * sizeof *idx);
  if (!idx) {
    xs_resp_w_error(&s->out, E_NOMEM);
    return;
  }
  if (k < fields) xs__resp_pick(s, idx, fields, k);
  else for (size_t i = 0; i < fields; i++) idx[i] = (uint32_t)i; /* all of them, in order */
  xs_resp_w_array(&s->out, k);
  for (size_t i = 0; i < k; i++) write_field(s, idx[i], values);
  free(idx);
}

void xs__resp_cmd_hrandfield(xs_resp_session *s) {
  int32_t count = 1;
  if (s->argc > 2 && !xs__resp_java_toint(s->argv[2], s->argl[2], &count)) {
    xs_resp_w_error(&s->out, XS_RESP_E_NOTINT);
    return;
  }
  if (count == 0) {
    xs_resp_w_array(&s->out, 0);
    return;
  }
  if (s->argc > 3 && !xs__resp_arg_is(s, 3, "WITHVALUES")) {
    xs_resp_w_error(&s->out, XS_RESP_E_SYNTAX);
    return;
  }
  xs__resp_type t;
  if (!xs__resp_read_coll(s, 1, XS__RESP_T_HASH, &t)) return;
  if (t == XS__RESP_T_NONE) {
    if (s->argc > 2) xs_resp_w_array(&s->out, 0);
    else xs_resp_w_null(&s->out);
    return;
  }
  if ((uint64_t)(count < 0 ? -(int64_t)count : count) > XS_RESP_SCAN_COUNT_MAX) count = count < 0 ? -XS_RESP_SCAN_COUNT_MAX : XS_RESP_SCAN_COUNT_MAX;
  hrandfield_reply(s, count, s->argc > 2, s->argc > 3);
}

void xs__resp_cmd_hscan(xs_resp_session *s) { xs__resp_scan_coll(s, XS__RESP_T_HASH, 2); }
