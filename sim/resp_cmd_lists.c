/*
 * resp_cmd_lists.c - list commands: LPUSH RPUSH LPUSHX RPUSHX LPOP RPOP
 * LRANGE LLEN LINDEX LSET LREM LTRIM LINSERT.
 *
 * A list is one value (XS_RESP_VTYPE_LIST), head first.  Index arithmetic
 * follows Infinispan's ListBucket (sublist, trim, index), which differs from
 * Redis at a few edges - LTRIM k i i with i out of range leaves the list as
 * it is, for one - and those edges are kept.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "resp_internal.h"

#define E_NOMEM "ERR out of memory"

/* ListBucket.index: the position for `index` among n, or -1. */
static int64_t list_index(int64_t n, int64_t index) {
  if (n == 0) return -1;
  if (index == 0) return 0;
  if (index == n - 1 || index == -1) return n - 1;
  if (index > 0) return index >= n ? -1 : index;
  return -index > n ? -1 : n + index;
}

/* ------------------------------------------------------------------------ */
/* Push and pop                                                               */

#define E_CORRUPT "ERR corrupt collection value"

/* The list in `old` as header count and body (the encoded items), without
 * decoding it: pushes and pops on long lists copy bytes, not items.  false
 * after failing the compute (WRONGTYPE, a bad encoding). */
static bool list_body(xs_resp_session *s, const xs__resp_val *old, uint64_t *count, const uint8_t **body,
                      size_t *blen) {
  *count = 0;
  *body = old->p;
  *blen = 0;
  if (old->type == XS__RESP_T_NONE) return true;
  if (old->type != XS__RESP_T_LIST) return xs__resp_cx_fail(s, XS_RESP_E_WRONGTYPE), false;
  size_t h = xs__resp_coll_header(old->p, old->len, count);
  if (!h) return xs__resp_cx_fail(s, E_CORRUPT), false;
  *body = old->p + h;
  *blen = old->len - h;
  return true;
}

/* cx.opts: bit 0 head (LPUSH), bit 1 only when the key exists (xPUSHX). */
static xs_compute_action push_compute(xs_resp_session *s, const xs__resp_val *old, xs_compute_out *out) {
  bool head = s->cx.opts & 1u;
  uint64_t count;
  const uint8_t *body;
  size_t blen;
  if ((s->cx.opts & 2u) && old->type == XS__RESP_T_NONE) {
    xs_resp_w_int(&s->cx.reply, 0);
    return XS_COMPUTE_KEEP;
  }
  if (!list_body(s, old, &count, &body, &blen)) return XS_COMPUTE_KEEP;
  int add = s->argc - 2;
  xs__resp_put_varint(&s->cx.val, count + (uint64_t)add);
  if (head) /* LPUSH a b c puts c first: the arguments reversed, then the old list */
    for (int i = add - 1; i >= 0; i--) xs__resp_put_item(&s->cx.val, s->argv[2 + i], s->argl[2 + i]);
  xs_buf_append(&s->cx.val, body, blen);
  if (!head)
    for (int i = 0; i < add; i++) xs__resp_put_item(&s->cx.val, s->argv[2 + i], s->argl[2 + i]);
  xs_resp_w_int(&s->cx.reply, (int64_t)(count + (uint64_t)add));
  return xs__resp_cx_put(s, out, XS_RESP_VTYPE_LIST, -1);
}

static void push(xs_resp_session *s, uint32_t opts) {
  s->cx.opts = opts;
  xs__resp_compute(s, s->argv[1], s->argl[1], push_compute, xs__resp_done_reply);
}

void xs__resp_cmd_lpush(xs_resp_session *s) { push(s, 1); }
void xs__resp_cmd_rpush(xs_resp_session *s) { push(s, 0); }
void xs__resp_cmd_lpushx(xs_resp_session *s) { push(s, 3); }
void xs__resp_cmd_rpushx(xs_resp_session *s) { push(s, 2); }

/* Writes the k items from p on (in order, or last first) to the reply. */
static void reply_items(xs_resp_session *s, const uint8_t *p, const uint8_t *end, size_t k, bool reverse) {
  s->ia.n = 0;
  for (size_t i = 0; i < k; i++) {
    const uint8_t *next = xs__resp_coll_skip(p, end, 1), *q = p;
    uint64_t n;
    size_t h = xs__resp_coll_header(q, (uint32_t)(next - q), &n); /* the item's length varint */
    if (xs__resp_items_push(&s->ia, q + h, (size_t)n)) return;
    p = next;
  }
  for (size_t i = 0; i < s->ia.n; i++) {
    const xs__resp_item *e = &s->ia.v[reverse ? s->ia.n - 1 - i : i];
    xs_resp_w_bulk(&s->cx.reply, e->p, e->len);
  }
}

/* cx.opts: bit 0 head; bit 1 a count was given; cx.arg the count. */
static xs_compute_action pop_compute(xs_resp_session *s, const xs__resp_val *old, xs_compute_out *out) {
  uint64_t count;
  const uint8_t *body;
  size_t blen;
  if (!list_body(s, old, &count, &body, &blen)) return XS_COMPUTE_KEEP;
  if (old->type == XS__RESP_T_NONE) {
    xs_resp_w_null(&s->cx.reply);
    return XS_COMPUTE_KEEP;
  }
  if (s->cx.arg == 0) {
    xs_resp_w_array(&s->cx.reply, 0);
    return XS_COMPUTE_KEEP;
  }
  bool head = s->cx.opts & 1u;
  size_t k = (uint64_t)s->cx.arg < count ? (size_t)s->cx.arg : (size_t)count;
  const uint8_t *end = body + blen;
  /* The popped items are the first k, or those after the first count - k. */
  const uint8_t *cut = xs__resp_coll_skip(body, end, head ? k : count - k);
  if (!cut) return xs__resp_cx_fail(s, E_CORRUPT);
  if (s->cx.opts & 2u) xs_resp_w_array(&s->cx.reply, k);
  reply_items(s, head ? body : cut, head ? cut : end, k, !head); /* in the order they were popped */
  if (k == count) return XS_COMPUTE_REMOVE;
  xs__resp_put_varint(&s->cx.val, count - k);
  if (head) xs_buf_append(&s->cx.val, cut, (size_t)(end - cut));
  else xs_buf_append(&s->cx.val, body, (size_t)(cut - body));
  return xs__resp_cx_put(s, out, XS_RESP_VTYPE_LIST, -1);
}

static void pop(xs_resp_session *s, bool head) {
  s->cx.opts = head;
  s->cx.arg = 1;
  if (s->argc > 3) {
    xs__resp_err_arity(s);
    return;
  }
  if (s->argc == 3) {
    if (!xs__resp_java_tolong(s->argv[2], s->argl[2], &s->cx.arg)) {
      xs_resp_w_error(&s->out, XS_RESP_E_NOTINT);
      return;
    }
    if (s->cx.arg < 0) {
      xs_resp_w_error(&s->out, XS_RESP_E_POSITIVE);
      return;
    }
    s->cx.opts |= 2u;
  }
  xs__resp_compute(s, s->argv[1], s->argl[1], pop_compute, xs__resp_done_reply);
}

void xs__resp_cmd_lpop(xs_resp_session *s) { pop(s, true); }
void xs__resp_cmd_rpop(xs_resp_session *s) { pop(s, false); }

/* ------------------------------------------------------------------------ */
/* Reads                                                                      */

void xs__resp_cmd_llen(xs_resp_session *s) {
  uint64_t n;
  if (xs__resp_read_count(s, 1, XS__RESP_T_LIST, &n)) xs_resp_w_int(&s->out, (int64_t)n);
}

void xs__resp_cmd_lindex(xs_resp_session *s) {
  int64_t index;
  xs__resp_type t;
  if (!xs__resp_java_parselong(s->argv[2], s->argl[2], &index)) {
    xs_resp_w_error(&s->out, XS_RESP_E_NOTINT);
    return;
  }
  if (!xs__resp_read_coll(s, 1, XS__RESP_T_LIST, &t)) return;
  int64_t i = list_index((int64_t)s->ia.n, index);
  if (i < 0) xs_resp_w_null(&s->out);
  else xs_resp_w_bulk(&s->out, s->ia.v[i].p, s->ia.v[i].len);
}

void xs__resp_cmd_lrange(xs_resp_session *s) {
  int32_t from, to;
  xs__resp_type t;
  if (!xs__resp_java_toint(s->argv[2], s->argl[2], &from) || !xs__resp_java_toint(s->argv[3], s->argl[3], &to)) {
    xs_resp_w_error(&s->out, XS_RESP_E_NOTINT);
    return;
  }
  if (!xs__resp_read_coll(s, 1, XS__RESP_T_LIST, &t)) return;
  int64_t n = (int64_t)s->ia.n, lo, hi;
  /* ListBucket.sublist */
  if ((from > 0 && to > 0 && from > to) || (from < 0 && to < 0 && from > to) || n == 0) {
    lo = 0;
    hi = -1;
  } else if (from == to) {
    lo = hi = list_index(n, from);
    if (lo < 0) hi = -1, lo = 0;
  } else {
    lo = from < 0 ? n + from : from;
    hi = to < 0 ? n + to : to;
    if (lo < 0) lo = 0;
    if (hi > n - 1) hi = n - 1;
  }
  size_t k = hi >= lo ? (size_t)(hi - lo + 1) : 0;
  xs_resp_w_array(&s->out, k);
  for (size_t i = 0; i < k; i++) xs_resp_w_bulk(&s->out, s->ia.v[lo + (int64_t)i].p, s->ia.v[lo + (int64_t)i].len);
}

/* ------------------------------------------------------------------------ */
/* LSET, LREM, LTRIM, LINSERT                                                 */

static xs_compute_action lset_compute(xs_resp_session *s, const xs__resp_val *old, xs_compute_out *out) {
  if (!xs__resp_cx_load(s, old, XS__RESP_T_LIST)) return XS_COMPUTE_KEEP;
  if (old->type == XS__RESP_T_NONE) return xs__resp_cx_fail(s, XS_RESP_E_NOKEY);
  int64_t n = (int64_t)s->ia.n, index = s->cx.arg;
  if ((index >= 0 && index > n - 1) || (index < 0 && n + index < 0)) return xs__resp_cx_fail(s, XS_RESP_E_INDEX);
  int64_t i = index >= 0 ? index : n + index;
  s->ia.v[i].p = (const uint8_t *)s->argv[3];
  s->ia.v[i].len = (uint32_t)s->argl[3];
  xs_resp_w_simple(&s->cx.reply, "OK");
  return xs__resp_cx_store(s, out, XS_RESP_VTYPE_LIST, 1);
}

void xs__resp_cmd_lset(xs_resp_session *s) {
  if (!xs__resp_java_tolong(s->argv[2], s->argl[2], &s->cx.arg)) {
    xs_resp_w_error(&s->out, XS_RESP_E_NOTINT);
    return;
  }
  xs__resp_compute(s, s->argv[1], s->argl[1], lset_compute, xs__resp_done_reply);
}

static bool item_is(const xs__resp_item *e, const char *p, size_t n) {
  return e->len == n && (n == 0 || !memcmp(e->p, p, n));
}

static xs_compute_action lrem_compute(xs_resp_session *s, const xs__resp_val *old, xs_compute_out *out) {
  if (!xs__resp_cx_load(s, old, XS__RESP_T_LIST)) return XS_COMPUTE_KEEP;
  int64_t count = s->cx.arg, n = (int64_t)s->ia.n, removed = 0;
  uint64_t max = count == 0 ? (uint64_t)n : count < 0 ? (uint64_t)0 - (uint64_t)count : (uint64_t)count;
  uint8_t *gone = calloc(n ? (size_t)n : 1, 1);
  if (!gone) return xs__resp_cx_fail(s, E_NOMEM);
  for (int64_t k = 0; k < n; k++) { /* from the tail when count < 0 */
    int64_t i = count < 0 ? n - 1 - k : k;
    if ((uint64_t)removed < max && item_is(&s->ia.v[i], s->argv[3], s->argl[3])) {
      gone[i] = 1;
      removed++;
    }
  }
  size_t w = 0;
  for (int64_t i = 0; i < n; i++)
    if (!gone[i]) s->ia.v[w++] = s->ia.v[i];
  free(gone);
  s->ia.n = w;
  xs_resp_w_int(&s->cx.reply, removed);
  return removed ? xs__resp_cx_store(s, out, XS_RESP_VTYPE_LIST, 1) : XS_COMPUTE_KEEP;
}

void xs__resp_cmd_lrem(xs_resp_session *s) {
  if (!xs__resp_java_tolong(s->argv[2], s->argl[2], &s->cx.arg)) {
    xs_resp_w_error(&s->out, XS_RESP_E_NOTINT);
    return;
  }
  xs__resp_compute(s, s->argv[1], s->argl[1], lrem_compute, xs__resp_done_reply);
}

/* ListBucket.trim on s->ia; returns false when the list stays as it is. */
static bool trim_items(xs_resp_session *s, int64_t from, int64_t to) {
  int64_t n = (int64_t)s->ia.n;
  if ((from > 0 && to > 0 && from > to) || (from < 0 && to < 0 && from > to)) {
    s->ia.n = 0;
    return true;
  }
  if (from == to) {
    int64_t i = list_index(n, from);
    if (i < 0) return false;
    s->ia.v[0] = s->ia.v[i];
    s->ia.n = 1;
    return true;
  }
  int64_t start = from < 0 ? n + from : from;
  int64_t keep = (to < 0 ? n + to : to) - start;
  int64_t skip = start > 0 ? (start < n ? start : n) : 0;
  int64_t len = keep >= 0 ? keep + 1 : 0;
  if (len > n - skip) len = n - skip;
  memmove(s->ia.v, s->ia.v + skip, (size_t)len * sizeof *s->ia.v);
  s->ia.n = (size_t)len;
  return true;
}

static xs_compute_action ltrim_compute(xs_resp_session *s, const xs__resp_val *old, xs_compute_out *out) {
  if (!xs__resp_cx_load(s, old, XS__RESP_T_LIST)) return XS_COMPUTE_KEEP;
  xs_resp_w_simple(&s->cx.reply, "OK");
  if (old->type == XS__RESP_T_NONE || !trim_items(s, s->cx.arg, (int64_t)s->cx.d)) return XS_COMPUTE_KEEP;
  return xs__resp_cx_store(s, out, XS_RESP_VTYPE_LIST, 1);
}

void xs__resp_cmd_ltrim(xs_resp_session *s) {
  int32_t from, to;
  if (!xs__resp_java_toint(s->argv[2], s->argl[2], &from) || !xs__resp_java_toint(s->argv[3], s->argl[3], &to)) {
    xs_resp_w_error(&s->out, XS_RESP_E_NOTINT);
    return;
  }
  s->cx.arg = from;
  s->cx.d = to;
  xs__resp_compute(s, s->argv[1], s->argl[1], ltrim_compute, xs__resp_done_reply);
}

static xs_compute_action linsert_compute(xs_resp_session *s, const xs__resp_val *old, xs_compute_out *out) {
  if (!xs__resp_cx_load(s, old, XS__RESP_T_LIST)) return XS_COMPUTE_KEEP;
  size_t n = s->ia.n, at = 0;
  if (old->type == XS__RESP_T_NONE) {
    xs_resp_w_int(&s->cx.reply, 0);
    return XS_COMPUTE_KEEP;
  }
  while (at < n && !item_is(&s->ia.v[at], s->argv[3], s->argl[3])) at++;
  if (at == n) {
    xs_resp_w_int(&s->cx.reply, -1);
    return XS_COMPUTE_KEEP;
  }
  if (!s->cx.opts) at++; /* AFTER */
  if (xs__resp_items_push(&s->ia, NULL, 0)) return xs__resp_cx_fail(s, E_NOMEM);
  memmove(s->ia.v + at + 1, s->ia.v + at, (n - at) * sizeof *s->ia.v);
  s->ia.v[at].p = (const uint8_t *)s->argv[4];
  s->ia.v[at].len = (uint32_t)s->argl[4];
  xs_resp_w_int(&s->cx.reply, (int64_t)s->ia.n);
  return xs__resp_cx_store(s, out, XS_RESP_VTYPE_LIST, 1);
}

void xs__resp_cmd_linsert(xs_resp_session *s) {
  bool before = xs__resp_arg_is(s, 2, "BEFORE");
  if (!before && !xs__resp_arg_is(s, 2, "AFTER")) {
    xs_resp_w_error(&s->out, XS_RESP_E_SYNTAX);
    return;
  }
  s->cx.opts = before;
  xs__resp_compute(s, s->argv[1], s->argl[1], linsert_compute, xs__resp_done_reply);
}
