/*
 * scenario_history.c - the run's history of client operations (see
 * scenario_history.h): append-only operation records, an interned key table
 * (open addressing over FNV-1a; iteration is always by index, so nothing
 * depends on hash order) and interned error texts.
 */
#include "scenario_history.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void xs_hist_init(xs_history *h) { memset(h, 0, sizeof *h); }

void xs_hist_free(xs_history *h) {
  free(h->ops);
  free(h->keys);
  free(h->arena);
  free(h->slots);
  for (uint32_t i = 0; i < h->nerrors; i++) free(h->errors[i]);
  free(h->errors);
  memset(h, 0, sizeof *h);
}

static uint64_t fnv(int cache, const char *s, size_t n) {
  uint64_t x = 1469598103934665603ull ^ (uint64_t)(uint32_t)cache;
  for (size_t i = 0; i < n; i++) x = (x ^ (uint8_t)s[i]) * 1099511628211ull;
  return x;
}

static bool key_eq(const xs_history *h, uint32_t k, int cache, const char *s, size_t n) {
  const xs_hkey *e = &h->keys[k];
  return e->cache == cache && e->len == n && memcmp(h->arena + e->off, s, n) == 0;
}

/* Doubles the slot table (kept at most half full). */
static int rehash(xs_history *h) {
  uint32_t ns = h->nslots ? h->nslots * 2 : 1024;
  uint32_t *slots = calloc(ns, sizeof *slots);
  if (!slots) return XS_ENOMEM;
  for (uint32_t k = 0; k < h->nkeys; k++) {
    const xs_hkey *e = &h->keys[k];
    uint32_t i = (uint32_t)fnv(e->cache, h->arena + e->off, e->len) & (ns - 1);
    while (slots[i]) i = (i + 1) & (ns - 1);
    slots[i] = k + 1;
  }
  free(h->slots);
  h->slots = slots;
  h->nslots = ns;
  return 0;
}

static int grow(void **p, uint32_t *cap, size_t elem, uint32_t need) {
  if (need <= *cap) return 0;
  uint32_t nc = *cap ? *cap * 2 : 256;
  while (nc < need) nc *= 2;
  void *np = realloc(*p, (size_t)nc * elem);
  if (!np) return XS_ENOMEM;
  *p = np;
  *cap = nc;
  return 0;
}

/* Adds key text to the arena and the key table; returns its index. */
static int64_t add_key(xs_history *h, int cache, const char *s, size_t n) {
  if (h->alen + n > h->acap) {
    size_t nc = h->acap ? h->acap * 2 : 65536;
    while (nc < h->alen + n) nc *= 2;
    char *na = realloc(h->arena, nc);
    if (!na) return XS_ENOMEM;
    h->arena = na;
    h->acap = nc;
  }
  if (grow((void **)&h->keys, &h->kcap, sizeof *h->keys, h->nkeys + 1)) return XS_ENOMEM;
  memcpy(h->arena + h->alen, s, n);
  h->keys[h->nkeys] = (xs_hkey){cache, (uint32_t)h->alen, (uint32_t)n};
  h->alen += n;
  return h->nkeys++;
}

int64_t xs_hist_key(xs_history *h, int cache, const char *key, size_t len) {
  if (len > XS_HIST_KEY_BYTES_MAX) return XS_ELIMIT;
  if ((h->nkeys + 1) * 2 > h->nslots && rehash(h)) return XS_ENOMEM;
  uint32_t i = (uint32_t)fnv(cache, key, len) & (h->nslots - 1);
  for (; h->slots[i]; i = (i + 1) & (h->nslots - 1))
    if (key_eq(h, h->slots[i] - 1, cache, key, len)) return h->slots[i] - 1;
  if (h->nkeys >= XS_HIST_KEYS_MAX) return XS_ELIMIT;
  int64_t k = add_key(h, cache, key, len);
  if (k >= 0) h->slots[i] = (uint32_t)k + 1;
  return k;
}

int64_t xs_hist_find(const xs_history *h, int cache, const char *key, size_t len) {
  if (!h->nslots) return -1;
  uint32_t i = (uint32_t)fnv(cache, key, len) & (h->nslots - 1);
  for (; h->slots[i]; i = (i + 1) & (h->nslots - 1))
    if (key_eq(h, h->slots[i] - 1, cache, key, len)) return h->slots[i] - 1;
  return -1;
}

const char *xs_hist_key_text(const xs_history *h, uint32_t key, size_t *len) {
  *len = h->keys[key].len;
  return h->arena + h->keys[key].off;
}

int64_t xs_hist_invoke(xs_history *h, uint32_t key, int site, xs_hop_kind kind, bool local, uint8_t action,
                       uint16_t actor, xs_ms now) {
  if (h->nops >= XS_HIST_OPS_MAX) return XS_ELIMIT;
  if (grow((void **)&h->ops, &h->cap, sizeof *h->ops, h->nops + 1)) return XS_ENOMEM;
  h->ops[h->nops] = (xs_hop){.key = key, .site = (int8_t)site, .kind = (uint8_t)kind, .local = local,
                             .action = action, .actor = actor, .invoked = now, .completed = XS_TIME_NEVER};
  return h->nops++;
}

/* Interns an error text; 0 when none could be kept. */
static uint32_t error_index(xs_history *h, const char *err) {
  if (!err || !*err) return 0;
  for (uint32_t i = h->nerrors; i-- > 0;)
    if (strcmp(h->errors[i], err) == 0) return i + 1;
  if (h->nerrors >= XS_HIST_ERRORS_MAX) return 0;
  char **ne = realloc(h->errors, (h->nerrors + 1) * sizeof *ne);
  if (!ne) return 0;
  h->errors = ne;
  if (!(ne[h->nerrors] = strdup(err))) return 0;
  return ++h->nerrors;
}

void xs_hist_complete(xs_history *h, uint32_t op, xs_hop_res res, int status, const char *err, xs_ms now) {
  xs_hop *o = &h->ops[op];
  o->res = (uint8_t)res;
  o->status = status;
  o->completed = now;
  o->err = res == XS_HRES_OK ? 0 : error_index(h, err);
}

const char *xs_hist_error(const xs_history *h, const xs_hop *op) {
  return op->err ? h->errors[op->err - 1] : "";
}

void xs_hist_crash(xs_history *h, int site, xs_ms t) {
  if (h->ncrashes < XS_HIST_CRASHES_MAX) {
    h->crashes[h->ncrashes].site = site;
    h->crashes[h->ncrashes++].t = t;
  }
}

bool xs_hist_crashed(const xs_history *h, int site, xs_ms after, xs_ms upto) {
  for (uint32_t i = 0; i < h->ncrashes; i++)
    if (h->crashes[i].site == site && h->crashes[i].t > after && h->crashes[i].t <= upto) return true;
  return false;
}

int xs_hist_value(char *buf, size_t len, const char *label, uint32_t op) {
  return snprintf(buf, len, "%s#%" PRIu32, label, op);
}

int64_t xs_hist_value_op(const uint8_t *v, uint32_t len) {
  uint32_t i = len;
  while (i > 0 && v[i - 1] >= '0' && v[i - 1] <= '9') i--;
  if (i == 0 || i == len || v[i - 1] != '#' || len - i > 10) return -1;
  int64_t op = 0;
  for (uint32_t k = i; k < len; k++) op = op * 10 + (v[k] - '0');
  return op;
}

int xs_hist_index_build(const xs_history *h, xs_hist_index *ix) {
  ix->start = calloc((size_t)h->nkeys + 1, sizeof *ix->start);
  ix->idx = malloc(((size_t)h->nops + 1) * sizeof *ix->idx);
  if (!ix->start || !ix->idx) {
    xs_hist_index_free(ix);
    return XS_ENOMEM;
  }
  for (uint32_t i = 0; i < h->nops; i++) ix->start[h->ops[i].key + 1]++;
  for (uint32_t k = 0; k < h->nkeys; k++) ix->start[k + 1] += ix->start[k];
  uint32_t *fill = malloc(((size_t)h->nkeys + 1) * sizeof *fill);
  if (!fill) {
    xs_hist_index_free(ix);
    return XS_ENOMEM;
  }
  memcpy(fill, ix->start, ((size_t)h->nkeys + 1) * sizeof *fill);
  /* Ops are appended at invocation, so index order is invocation order. */
  for (uint32_t i = 0; i < h->nops; i++) ix->idx[fill[h->ops[i].key]++] = i;
  free(fill);
  return 0;
}

void xs_hist_index_free(xs_hist_index *ix) {
  free(ix->start);
  free(ix->idx);
  ix->start = ix->idx = NULL;
}

uint64_t xs_hist_digest(const xs_history *h) {
  uint64_t x = 1469598103934665603ull;
  for (uint32_t i = 0; i < h->nops; i++) {
    const xs_hop *o = &h->ops[i];
    uint64_t f[5] = {o->key, (uint64_t)(uint8_t)o->site | (uint64_t)o->kind << 8 | (uint64_t)o->res << 16,
                     (uint64_t)o->invoked, (uint64_t)o->completed, (uint64_t)(uint32_t)o->status};
    for (int k = 0; k < 5; k++) x = (x ^ f[k]) * 1099511628211ull;
  }
  return x;
}
