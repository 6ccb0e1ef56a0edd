/*
 * javamap.c - java.util.HashMap<String, ?> iteration order, so that the REST
 * layer can write Infinispan's map answers with their keys in the order the
 * real server prints them (see javamap.h).
 *
 * Without tree bins, a HashMap iterates bucket by bucket and, inside a
 * bucket, in insertion order - and a resize splits each bucket into a "low"
 * and a "high" list that keep their relative order, so that stays true after
 * any number of resizes.  The order is therefore fully decided by the final
 * capacity: sort by (spread hash & (capacity - 1), insertion index).  The
 * capacity is found by replaying the puts, including treeifyBin's resize of
 * a small table whose bucket grew past 8 entries.  Tree bins themselves
 * (capacity >= 64 and 9+ colliding keys) iterate differently and are not
 * modelled; the caches of one topology (at most XS_CACHES_MAX) never need
 * them in practice.
 */
#include "javamap.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "xsim.h"

#define JM_INITIAL_CAPACITY 16u
#define JM_TREEIFY_THRESHOLD 8u
#define JM_MIN_TREEIFY_CAPACITY 64u

/* Decodes one UTF-8 sequence at s[*i]; a malformed or truncated sequence
 * yields U+FFFD and consumes one byte. */
static uint32_t utf8_next(const unsigned char *s, size_t len, size_t *i) {
  unsigned char c = s[*i];
  uint32_t cp;
  size_t need;
  if (c < 0x80) {
    (*i)++;
    return c;
  }
  if (c >= 0xc2 && c <= 0xdf) need = 1, cp = c & 0x1f;
  else if (c >= 0xe0 && c <= 0xef) need = 2, cp = c & 0x0f;
  else if (c >= 0xf0 && c <= 0xf4) need = 3, cp = c & 0x07;
  else {
    (*i)++;
    return 0xfffd;
  }
  if (*i + need >= len) { /* truncated */
    (*i)++;
    return 0xfffd;
  }
  for (size_t k = 1; k <= need; k++) {
    if ((s[*i + k] & 0xc0) != 0x80) {
      (*i)++;
      return 0xfffd;
    }
    cp = (cp << 6) | (s[*i + k] & 0x3f);
  }
  /* Overlong forms, surrogates and values past U+10FFFF are malformed. */
  if ((need == 2 && cp < 0x800) || (need == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
      (cp >= 0xd800 && cp <= 0xdfff)) {
    (*i)++;
    return 0xfffd;
  }
  *i += need + 1;
  return cp;
}

int32_t xs_java_string_hash(const char *s, size_t len) {
  const unsigned char *u = (const unsigned char *)s;
  uint32_t h = 0; /* Java's int arithmetic wraps; unsigned keeps that defined */
  size_t i = 0;
  while (i < len) {
    uint32_t cp = utf8_next(u, len, &i);
    if (cp >= 0x10000) { /* a surrogate pair: two UTF-16 code units */
      cp -= 0x10000;
      h = h * 31u + (0xd800u + (cp >> 10));
      h = h * 31u + (0xdc00u + (cp & 0x3ffu));
    } else {
      h = h * 31u + cp;
    }
  }
  return (int32_t)h;
}

/* HashMap.hash(): the high half folded into the low one. */
static uint32_t spread(const char *key) {
  uint32_t h = (uint32_t)xs_java_string_hash(key, strlen(key));
  return h ^ (h >> 16);
}

typedef struct jm_entry {
  uint32_t hash;
  size_t index;  /* in keys[] */
  uint32_t mask; /* capacity - 1, shared by all entries while sorting */
} jm_entry;

/* Collects the distinct keys (first occurrence wins) with their hashes. */
static size_t distinct_keys(const char *const *keys, size_t n, jm_entry *e) {
  size_t m = 0;
  for (size_t i = 0; i < n; i++) {
    uint32_t h = spread(keys[i]);
    bool dup = false;
    for (size_t j = 0; j < m && !dup; j++)
      dup = e[j].hash == h && strcmp(keys[e[j].index], keys[i]) == 0;
    if (!dup) e[m++] = (jm_entry){h, i, 0};
  }
  return m;
}

/* Replays the puts of e[0..m) and returns the final capacity. */
static uint32_t replay_capacity(const jm_entry *e, size_t m) {
  uint32_t cap = JM_INITIAL_CAPACITY;
  size_t maxcap = JM_INITIAL_CAPACITY;
  while (maxcap < 4 * (m + 1) + JM_MIN_TREEIFY_CAPACITY) maxcap *= 2;
  uint32_t *bins = calloc(maxcap, sizeof *bins);
  if (!bins) return 0;
  for (size_t i = 0; i < m; i++) {
    uint32_t had = bins[e[i].hash & (cap - 1)]++;
    bool grow = had >= JM_TREEIFY_THRESHOLD && cap < JM_MIN_TREEIFY_CAPACITY;
    if (grow) cap *= 2;
    if ((uint64_t)(i + 1) * 4 > (uint64_t)cap * 3) cap *= 2, grow = true;
    if (grow) { /* rehash: recount the bins at the new capacity */
      memset(bins, 0, maxcap * sizeof *bins);
      for (size_t j = 0; j <= i; j++) bins[e[j].hash & (cap - 1)]++;
    }
  }
  free(bins);
  return cap;
}

static int entry_cmp(const void *a, const void *b) {
  const jm_entry *x = a, *y = b;
  uint32_t bx = x->hash & x->mask, by = y->hash & y->mask;
  if (bx != by) return bx < by ? -1 : 1;
  return x->index < y->index ? -1 : x->index > y->index;
}

uint32_t xs_javamap_capacity(const char *const *keys, size_t n) {
  if (n > XS_JAVAMAP_KEYS_MAX) return 0;
  jm_entry *e = malloc((n ? n : 1) * sizeof *e);
  if (!e) return 0;
  uint32_t cap = replay_capacity(e, distinct_keys(keys, n, e));
  free(e);
  return cap;
}

int xs_javamap_order(const char *const *keys, size_t n, size_t *order) {
  if ((!keys || !order) && n) return XS_EINVAL;
  if (n > XS_JAVAMAP_KEYS_MAX) return XS_ELIMIT;
  jm_entry *e = malloc((n ? n : 1) * sizeof *e);
  if (!e) return XS_ENOMEM;
  size_t m = distinct_keys(keys, n, e);
  uint32_t cap = replay_capacity(e, m);
  if (!cap) {
    free(e);
    return XS_ENOMEM;
  }
  for (size_t i = 0; i < m; i++) e[i].mask = cap - 1;
  qsort(e, m, sizeof *e, entry_cmp);
  for (size_t i = 0; i < m; i++) order[i] = e[i].index;
  free(e);
  return (int)m;
}
