/*
 * resp_value.c - the RESP layer's value helpers: the compact collection
 * encoding (see resp_session.h), an index for member lookups, numbers parsed
 * and printed exactly as Infinispan's Java code does, and Redis's glob.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "resp_internal.h"
#include "store.h"

/* ------------------------------------------------------------------------ */
/* Item arrays                                                                */

int xs__resp_items_push(xs__resp_items *a, const void *p, size_t len) {
  if (a->n == a->cap) {
    size_t cap = a->cap ? a->cap * 2 : 16;
    xs__resp_item *v = realloc(a->v, cap * sizeof *v);
    if (!v) return XS_ENOMEM;
    a->v = v;
    a->cap = cap;
  }
  a->v[a->n].p = p;
  a->v[a->n].len = (uint32_t)len;
  a->n++;
  return 0;
}

void xs__resp_items_free(xs__resp_items *a) {
  free(a->v);
  a->v = NULL;
  a->n = a->cap = 0;
}

/* ------------------------------------------------------------------------ */
/* The collection encoding: varint count, then (varint len, bytes) items.   */

static bool get_varint(const uint8_t **p, const uint8_t *end, uint64_t *out) {
  uint64_t v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (*p >= end) return false;
    uint8_t b = *(*p)++;
    v |= (uint64_t)(b & 0x7f) << shift;
    if (!(b & 0x80)) {
      *out = v;
      return true;
    }
  }
  return false;
}

void xs__resp_put_varint(xs_buf *b, uint64_t v) {
  uint8_t tmp[10];
  size_t n = 0;
  while (v >= 0x80) {
    tmp[n++] = (uint8_t)(v | 0x80);
    v >>= 7;
  }
  tmp[n++] = (uint8_t)v;
  xs_buf_append(b, tmp, n);
}

void xs__resp_put_item(xs_buf *b, const void *p, size_t len) {
  xs__resp_put_varint(b, len);
  xs_buf_append(b, p, len);
}

size_t xs__resp_coll_header(const uint8_t *v, uint32_t len, uint64_t *count) {
  const uint8_t *p = v;
  return get_varint(&p, v + len, count) ? (size_t)(p - v) : 0;
}

const uint8_t *xs__resp_coll_skip(const uint8_t *p, const uint8_t *end, uint64_t k) {
  for (uint64_t i = 0; i < k; i++) {
    uint64_t n;
    if (!get_varint(&p, end, &n) || n > (uint64_t)(end - p)) return NULL;
    p += n;
  }
  return p;
}

uint64_t xs__resp_coll_count(const uint8_t *v, uint32_t len) {
  uint64_t n = 0;
  const uint8_t *p = v;
  return get_varint(&p, v + len, &n) ? n : 0;
}

int xs__resp_coll_decode(const uint8_t *v, uint32_t len, xs__resp_items *out, uint64_t *count) {
  const uint8_t *p = v, *end = v + len;
  out->n = 0;
  if (!get_varint(&p, end, count)) return -1;
  while (p < end) {
    uint64_t n;
    if (!get_varint(&p, end, &n) || n > (uint64_t)(end - p)) return -1;
    if (xs__resp_items_push(out, p, (size_t)n)) return XS_ENOMEM;
    p += n;
  }
  return 0;
}

void xs__resp_coll_encode(xs_buf *b, const xs__resp_item *items, size_t n, uint64_t count) {
  xs_buf_reset(b);
  xs__resp_put_varint(b, count);
  for (size_t i = 0; i < n; i++) xs__resp_put_item(b, items[i].p, items[i].len);
}

/* ------------------------------------------------------------------------ */
/* Member index                                                               */

static const xs__resp_item *entry_key(const xs__resp_index *x, size_t e) {
  return &x->items->v[e * x->stride];
}

static void insert_slot(uint32_t *slot, size_t mask, uint64_t h, size_t e) {
  size_t i = (size_t)h & mask;
  while (slot[i]) i = (i + 1) & mask;
  slot[i] = (uint32_t)(e + 1);
}

static int resize(xs__resp_index *x, size_t entries) {
  size_t size = 16;
  while (size < entries * 2) size <<= 1;
  uint32_t *slot = calloc(size, sizeof *slot);
  if (!slot) return XS_ENOMEM;
  if (x->slot) {
    for (size_t i = 0; i <= x->mask; i++) {
      if (!x->slot[i]) continue;
      const xs__resp_item *k = entry_key(x, x->slot[i] - 1);
      insert_slot(slot, size - 1, xs_hash_bytes(k->p, k->len), x->slot[i] - 1);
    }
    free(x->slot);
  }
  x->slot = slot;
  x->mask = size - 1;
  return 0;
}

int xs__resp_index_build(xs__resp_index *x, const xs__resp_items *items, size_t stride, size_t extra) {
  size_t present = items->n / stride;
  free(x->slot);
  x->slot = NULL;
  x->n = 0;
  x->items = items;
  x->stride = stride;
  if (resize(x, present + extra + 1)) return XS_ENOMEM;
  for (size_t e = 0; e < present; e++) {
    const xs__resp_item *k = entry_key(x, e);
    insert_slot(x->slot, x->mask, xs_hash_bytes(k->p, k->len), e);
    x->n++;
  }
  return 0;
}

int64_t xs__resp_index_find(const xs__resp_index *x, const void *p, size_t len) {
  size_t i = (size_t)xs_hash_bytes(p, len) & x->mask;
  for (; x->slot[i]; i = (i + 1) & x->mask) {
    const xs__resp_item *k = entry_key(x, x->slot[i] - 1);
    if (k->len == len && (len == 0 || memcmp(k->p, p, len) == 0)) return (int64_t)x->slot[i] - 1;
  }
  return -1;
}

int xs__resp_index_add(xs__resp_index *x, size_t entry) {
  if ((x->n + 1) * 2 > x->mask + 1 && resize(x, x->n + 1)) return XS_ENOMEM;
  const xs__resp_item *k = entry_key(x, entry);
  insert_slot(x->slot, x->mask, xs_hash_bytes(k->p, k->len), entry);
  x->n++;
  return 0;
}

void xs__resp_index_free(xs__resp_index *x) {
  free(x->slot);
  memset(x, 0, sizeof *x);
}

/* ------------------------------------------------------------------------ */
/* Java numbers                                                               */

bool xs__resp_java_tolong(const void *ptr, size_t len, int64_t *out) {
  const uint8_t *a = ptr;
  if (len == 0) return false;
  bool neg = false;
  size_t i = 0;
  if (a[0] < '0') {
    if ((a[0] != '-' && a[0] != '+') || len == 1) return false;
    neg = a[0] == '-';
    i = 1;
  }
  /* ArgumentUtils sums negative digits so that Long.MIN_VALUE fits, and
   * checks overflow with `result >= -9` after each step.  Unsigned
   * arithmetic reproduces its wrap-around exactly. */
  uint64_t r = 0;
  uint8_t b = a[i++];
  if (b < '0' || b > '9') return false;
  r = (r << 3) + (r << 1) + (uint64_t)(int64_t)(48 - b);
  for (; i < len; i++) {
    b = a[i];
    if (b < '0' || b > '9') return false;
    r = (r << 3) + (r << 1) + (uint64_t)(int64_t)(48 - b);
    if ((int64_t)r >= -9) return false;
  }
  int64_t res = (int64_t)r;
  if (neg) {
    *out = res;
    return true;
  }
  if (res == INT64_MIN) return false;
  *out = -res;
  return true;
}

bool xs__resp_java_toint(const void *p, size_t len, int32_t *out) {
  int64_t v;
  if (!xs__resp_java_tolong(p, len, &v) || v > INT32_MAX || v < INT32_MIN) return false;
  *out = (int32_t)v;
  return true;
}

bool xs__resp_java_parselong(const void *ptr, size_t len, int64_t *out) {
  const uint8_t *a = ptr;
  size_t i = 0;
  bool neg = false;
  if (len == 0) return false;
  if (a[0] == '-' || a[0] == '+') {
    neg = a[0] == '-';
    if (++i == len) return false;
  }
  uint64_t v = 0, lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
  for (; i < len; i++) {
    if (a[i] < '0' || a[i] > '9') return false;
    uint64_t d = (uint64_t)(a[i] - '0');
    if (v > (lim - d) / 10) return false;
    v = v * 10 + d;
  }
  *out = neg ? (int64_t)(0 - v) : (int64_t)v;
  return true;
}

static bool eq_nocase(const uint8_t *a, size_t len, const char *b) {
  if (strlen(b) != len) return false;
  for (size_t i = 0; i < len; i++) {
    uint8_t c = a[i] >= 'A' && a[i] <= 'Z' ? (uint8_t)(a[i] + 32) : a[i];
    if (c != (uint8_t)b[i]) return false;
  }
  return true;
}

bool xs__resp_java_todouble(const void *ptr, size_t len, double *out) {
  const uint8_t *a = ptr;
  char tmp[512];
  if (len == 0) return false;
  if (eq_nocase(a, len, "inf") || eq_nocase(a, len, "+inf") || (len == 8 && !memcmp(a, "Infinity", 8))) {
    *out = INFINITY;
    return true;
  }
  if (eq_nocase(a, len, "-inf") || (len == 9 && !memcmp(a, "-Infinity", 9))) {
    *out = -INFINITY;
    return true;
  }
  if (len >= sizeof tmp) return false;
  for (size_t i = 0; i < len; i++) {
    uint8_t c = a[i];
    if (!((c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E')) return false;
  }
  memcpy(tmp, a, len);
  tmp[len] = 0;
  char *end = NULL;
  double d = strtod(tmp, &end);
  if (end != tmp + len) return false;
  *out = d;
  return true;
}

size_t xs__resp_java_double_bytes(double d, char *buf, size_t len) {
  if (rint(d) != d) return xs_resp_format_double(d, buf, len);
  int64_t v;
  if (d >= 9223372036854775807.0) v = INT64_MAX;
  else if (d <= -9223372036854775808.0) v = INT64_MIN;
  else v = (int64_t)d;
  return (size_t)snprintf(buf, len, "%lld", (long long)v);
}

/* ------------------------------------------------------------------------ */
/* Glob                                                                       */

/* A [...] class at pat[*pi] (just after '['); advances past its ']'. */
static bool class_match(const uint8_t *pat, size_t plen, size_t *pi, uint8_t c) {
  size_t i = *pi;
  bool neg = false, match = false;
  if (i < plen && pat[i] == '^') {
    neg = true;
    i++;
  }
  for (; i < plen && pat[i] != ']'; i++) {
    if (pat[i] == '\\' && i + 1 < plen) {
      i++;
      if (pat[i] == c) match = true;
    } else if (i + 2 < plen && pat[i + 1] == '-') {
      uint8_t lo = pat[i], hi = pat[i + 2];
      if (lo > hi) {
        uint8_t t = lo;
        lo = hi;
        hi = t;
      }
      i += 2;
      if (c >= lo && c <= hi) match = true;
    } else if (pat[i] == c) {
      match = true;
    }
  }
  *pi = i < plen ? i + 1 : plen;
  return neg ? !match : match;
}

bool xs__resp_glob(const uint8_t *pat, size_t plen, const uint8_t *s, size_t slen) {
  /* Greedy matching with one backtrack point (the last '*'): O(n*m), and
   * equivalent to Redis's recursive stringmatchlen for these patterns. */
  size_t pi = 0, si = 0, star_p = SIZE_MAX, star_s = 0;
  while (si < slen) {
    if (pi < plen) {
      uint8_t pc = pat[pi];
      if (pc == '*') {
        while (pi < plen && pat[pi] == '*') pi++;
        if (pi == plen) return true;
        star_p = pi;
        star_s = si;
        continue;
      }
      size_t next = pi + 1;
      bool ok;
      if (pc == '?') ok = true;
      else if (pc == '[') ok = class_match(pat, plen, &next, s[si]);
      else if (pc == '\\' && pi + 1 < plen) {
        ok = pat[pi + 1] == s[si];
        next = pi + 2;
      } else ok = pc == s[si];
      if (ok) {
        pi = next;
        si++;
        continue;
      }
    }
    if (star_p == SIZE_MAX) return false;
    pi = star_p;
    si = ++star_s;
  }
  while (pi < plen && pat[pi] == '*') pi++;
  return pi == plen;
}

/* ------------------------------------------------------------------------ */
/* Collections in commands                                                    */

#define E_CORRUPT "ERR corrupt collection value"
#define E_NOMEM "ERR out of memory"

bool xs__resp_cx_load(xs_resp_session *s, const xs__resp_val *old, xs__resp_type want) {
  uint64_t count;
  s->ia.n = 0;
  if (old->type == XS__RESP_T_NONE) return true;
  if (old->type != want) {
    xs__resp_cx_fail(s, XS_RESP_E_WRONGTYPE);
    return false;
  }
  if (xs__resp_coll_decode(old->p, old->len, &s->ia, &count) != 0) {
    xs__resp_cx_fail(s, E_CORRUPT);
    return false;
  }
  return true;
}

xs_compute_action xs__resp_cx_store(xs_resp_session *s, xs_compute_out *out, uint8_t vtype, size_t stride) {
  if (s->ia.n == 0) return XS_COMPUTE_REMOVE; /* no empty collections */
  xs__resp_coll_encode(&s->cx.val, s->ia.v, s->ia.n, s->ia.n / stride);
  return xs__resp_cx_put(s, out, vtype, -1);
}

void xs__resp_drop_marked(xs_resp_session *s, const uint8_t *gone, size_t stride) {
  size_t kept = 0;
  for (size_t e = 0; e < s->ia.n / stride; e++) {
    if (gone[e]) continue;
    for (size_t k = 0; k < stride; k++) s->ia.v[stride * kept + k] = s->ia.v[stride * e + k];
    kept++;
  }
  s->ia.n = stride * kept;
}

/* Marks in gone[] the entries (indexed in s->ix) that argv[2..] name, each
 * once; returns how many. */
static int64_t mark_named(xs_resp_session *s, uint8_t *gone) {
  int64_t marked = 0;
  for (int i = 2; i < s->argc; i++) {
    int64_t e = xs__resp_index_find(&s->ix, s->argv[i], s->argl[i]);
    if (e >= 0 && !gone[e]) {
      gone[e] = 1;
      marked++;
    }
  }
  return marked;
}

xs_compute_action xs__resp_cx_remove(xs_resp_session *s, const xs__resp_val *old, xs_compute_out *out,
                                     xs__resp_type want, uint8_t vtype, size_t stride) {
  if (!xs__resp_cx_load(s, old, want)) return XS_COMPUTE_KEEP;
  size_t entries = s->ia.n / stride;
  uint8_t *gone = calloc(entries ? entries : 1, 1);
  if (!gone || xs__resp_index_build(&s->ix, &s->ia, stride, 0)) {
    free(gone);
    return xs__resp_cx_fail(s, E_NOMEM);
  }
  int64_t removed = mark_named(s, gone);
  xs__resp_drop_marked(s, gone, stride);
  free(gone);
  xs_resp_w_int(&s->cx.reply, removed);
  return removed ? xs__resp_cx_store(s, out, vtype, stride) : XS_COMPUTE_KEEP;
}

bool xs__resp_read_coll(xs_resp_session *s, int argi, xs__resp_type want, xs__resp_type *t) {
  xs__resp_val v;
  uint64_t count;
  s->ia.n = 0;
  *t = xs__resp_read(s, s->argv[argi], s->argl[argi], &v);
  if (*t == XS__RESP_T_NONE) return true;
  if (*t != want) {
    xs_resp_w_error(&s->out, XS_RESP_E_WRONGTYPE);
    return false;
  }
  if (xs__resp_coll_decode(v.p, v.len, &s->ia, &count) != 0) {
    xs_resp_w_error(&s->out, E_CORRUPT);
    return false;
  }
  return true;
}

bool xs__resp_read_count(xs_resp_session *s, int argi, xs__resp_type want, uint64_t *count) {
  xs__resp_val v;
  *count = 0;
  xs__resp_type t = xs__resp_read(s, s->argv[argi], s->argl[argi], &v);
  if (t == XS__RESP_T_NONE) return true;
  if (t != want) {
    xs_resp_w_error(&s->out, XS_RESP_E_WRONGTYPE);
    return false;
  }
  *count = xs__resp_coll_count(v.p, v.len);
  return true;
}

bool xs__resp_read_indexed(xs_resp_session *s, xs__resp_type want, size_t stride) {
  xs__resp_type t;
  if (!xs__resp_read_coll(s, 1, want, &t)) return false;
  if (xs__resp_index_build(&s->ix, &s->ia, stride, 0)) {
    xs_resp_w_error(&s->out, E_NOMEM);
    return false;
  }
  return true;
}

void xs__resp_w_items(xs_buf *b, const xs__resp_items *a, size_t first, size_t step, bool as_set) {
  size_t n = a->n > first ? (a->n - first + step - 1) / step : 0;
  if (as_set) xs_resp_w_set(b, n);
  else xs_resp_w_array(b, n);
  for (size_t i = first; i < a->n; i += step) xs_resp_w_bulk(b, a->v[i].p, a->v[i].len);
}

void xs__resp_pick(xs_resp_session *s, uint32_t *idx, size_t n, size_t k) {
  /* A partial Fisher-Yates shuffle of 0..n-1 kept in idx; idx must hold n. */
  for (size_t i = 0; i < n; i++) idx[i] = (uint32_t)i;
  for (size_t i = 0; i < k && i + 1 < n; i++) {
    size_t j = i + (size_t)(xs__resp_rand(s) % (n - i));
    uint32_t t = idx[i];
    idx[i] = idx[j];
    idx[j] = t;
  }
}
