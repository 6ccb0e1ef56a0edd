/*
 * test_store.c - unit tests of the key/value store (sim/store.c): the basic
 * operations, metadata, limits, cursor iteration with and without pinning,
 * determinism, memory reclamation, and a long randomized run checked
 * operation by operation against a deliberately simple model.
 */
#include "test_util.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__linux__)
#include <sys/resource.h>
#endif

#include "store.h"

/* ------------------------------------------------------------------------ */
/* Helpers                                                                    */

/* A small PRNG of our own (a 64-bit LCG with an output xorshift), so the
 * randomized tests replay the same operations everywhere. */
typedef struct rng {
  uint64_t s;
} rng;

static uint64_t rng_next(rng *r) {
  r->s = r->s * 6364136223846793005ull + 1442695040888963407ull;
  uint64_t x = r->s;
  x ^= x >> 29;
  x *= 0xbf58476d1ce4e5b9ull;
  return x ^ (x >> 32);
}

static uint32_t rng_below(rng *r, uint32_t n) {
  return (uint32_t)(rng_next(r) % n);
}

/* Keys are "k<id>" padded to a length that depends on the id, so ids map to
 * distinct keys of several lengths. */
static uint32_t make_key(uint32_t id, uint8_t *buf) {
  int n = snprintf((char *)buf, 32, "k%08" PRIu32, id);
  uint32_t len = (uint32_t)n + id % 7;
  for (uint32_t i = (uint32_t)n; i < len; i++) buf[i] = (uint8_t)('a' + i);
  return len;
}

/* Value bytes are a function of (id, version, length), so any mix-up shows. */
static void make_value(uint32_t id, uint32_t version, uint32_t len, uint8_t *buf) {
  for (uint32_t i = 0; i < len; i++) buf[i] = (uint8_t)(id * 31 + version * 7 + i);
}

static int put(xs_store *s, const void *key, uint32_t klen, const void *val, uint32_t vlen,
               const xs_meta *m) {
  return xs_store_put(s, key, klen, xs_hash_bytes(key, klen), val, vlen, m, NULL);
}

static xs_entry *find(const xs_store *s, const void *key, uint32_t klen) {
  return xs_store_find(s, key, klen, xs_hash_bytes(key, klen));
}

static int del(xs_store *s, const void *key, uint32_t klen) {
  return xs_store_remove(s, key, klen, xs_hash_bytes(key, klen));
}

static int put_str(xs_store *s, const char *k, const char *v) {
  return put(s, k, (uint32_t)strlen(k), v, (uint32_t)strlen(v), NULL);
}

static xs_entry *find_str(const xs_store *s, const char *k) {
  return find(s, k, (uint32_t)strlen(k));
}

static void assert_value(const xs_entry *e, const void *val, uint32_t vlen) {
  uint32_t got;
  assert_non_null(e);
  const uint8_t *p = xs_entry_value(e, &got);
  assert_int_equal(got, vlen);
  if (vlen) assert_memory_equal(p, val, vlen);
}

static void assert_value_str(const xs_entry *e, const char *v) {
  assert_value(e, v, (uint32_t)strlen(v));
}

/* Walks a store and writes the id of each entry ("k<id>" keys) into ids;
 * returns how many. */
static size_t walk_ids(const xs_store *s, uint32_t *ids, size_t max) {
  size_t cursor = 0, n = 0;
  xs_entry *e;
  while ((e = xs_store_next(s, &cursor)) != NULL) {
    uint32_t klen;
    const uint8_t *k = xs_entry_key(e, &klen);
    char buf[16] = {0};
    assert_true(klen >= 9);
    memcpy(buf, k + 1, 8);
    assert_true(n < max);
    ids[n++] = (uint32_t)strtoul(buf, NULL, 10);
  }
  return n;
}

/* ------------------------------------------------------------------------ */
/* Basic operations                                                           */

static void test_put_find_remove_clear(void **state) {
  (void)state;
  xs_store *s = xs_store_new();
  assert_non_null(s);
  assert_int_equal(xs_store_count(s), 0);
  assert_null(find_str(s, "a"));
  assert_int_equal(del(s, "a", 1), XS_ENOTFOUND);

  assert_int_equal(put_str(s, "a", "one"), 0);
  assert_int_equal(put_str(s, "b", "two"), 0);
  assert_int_equal(put(s, "", 0, "empty key", 9, NULL), 0);
  assert_int_equal(put_str(s, "c", ""), 0);
  assert_int_equal(xs_store_count(s), 4);
  assert_value_str(find_str(s, "a"), "one");
  assert_value_str(find_str(s, "b"), "two");
  assert_value_str(find(s, "", 0), "empty key");
  assert_value_str(find_str(s, "c"), "");

  uint32_t klen;
  const uint8_t *k = xs_entry_key(find_str(s, "b"), &klen);
  assert_int_equal(klen, 1);
  assert_memory_equal(k, "b", 1);
  assert_true(xs_entry_hash(find_str(s, "b")) == xs_hash_bytes("b", 1));

  assert_int_equal(del(s, "a", 1), 0);
  assert_int_equal(del(s, "a", 1), XS_ENOTFOUND);
  assert_null(find_str(s, "a"));
  assert_int_equal(xs_store_count(s), 3);

  xs_store_clear(s);
  assert_int_equal(xs_store_count(s), 0);
  assert_null(find_str(s, "b"));
  size_t cursor = 0;
  assert_null(xs_store_next(s, &cursor));
  /* A cleared store is fully usable again. */
  assert_int_equal(put_str(s, "b", "again"), 0);
  assert_value_str(find_str(s, "b"), "again");
  xs_store_free(s);
  xs_store_free(NULL);
}

static void test_put_returns_entry(void **state) {
  (void)state;
  xs_store *s = xs_store_new();
  xs_entry *e = NULL;
  assert_int_equal(xs_store_put(s, (const uint8_t *)"key", 3, xs_hash_bytes("key", 3),
                                (const uint8_t *)"val", 3, NULL, &e), 0);
  assert_ptr_equal(e, find_str(s, "key"));
  assert_value_str(e, "val");
  xs_store_free(s);
}

/* xs_store_put_ver: the replaced entry's version handle, 0 for a new key
 * and for a refused put. */
static void put_ver_reports_replaced_version(void **state) {
  (void)state;
  xs_store *s = xs_store_new();
  const uint8_t *k = (const uint8_t *)"key";
  uint64_t h = xs_hash_bytes(k, 3);
  xs_meta m = {XS_TIME_NEVER, -1, 0, 7, 0};
  uint32_t old = 99;
  assert_int_equal(xs_store_put_ver(s, k, 3, h, (const uint8_t *)"a", 1, &m, &old), 0);
  assert_int_equal(old, 0);
  m.ver = 8;
  assert_int_equal(xs_store_put_ver(s, k, 3, h, (const uint8_t *)"bb", 2, &m, &old), 0);
  assert_int_equal(old, 7);
  old = 99;
  assert_int_equal(xs_store_put_ver(s, k, 3, h, (const uint8_t *)"c", UINT32_MAX, &m, &old), XS_ELIMIT);
  assert_int_equal(old, 0);
  assert_value_str(find_str(s, "key"), "bb");
  xs_store_free(s);
}

/* Values that grow and shrink across slab classes and into malloc'd sizes,
 * including new values that overlap the old value's own bytes. */
static void test_replace_sizes(void **state) {
  (void)state;
  xs_store *s = xs_store_new();
  static uint8_t big[100016]; /* room for the offsets below */
  make_value(1, 1, sizeof big, big);
  /* Enough entries that small ones come from the slab. */
  for (uint32_t i = 0; i < 1000; i++) {
    uint8_t k[32];
    uint32_t kl = make_key(i, k);
    assert_int_equal(put(s, k, kl, big, i % 50, NULL), 0);
  }
  static const uint32_t sizes[] = {0, 1, 40, 41, 44, 300, 476, 477, 600, 5000, 100000, 33, 0, 99999, 2};
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
    assert_int_equal(put(s, "x", 1, big, sizes[i], NULL), 0);
    assert_value(find_str(s, "x"), big, sizes[i]);
    assert_int_equal(put(s, "k00000007", 9, big + i, sizes[i], NULL), 0);
    assert_value(find(s, "k00000007", 9), big + i, sizes[i]);
  }
  /* The new value is the tail of the old one (memmove territory). */
  assert_int_equal(put(s, "x", 1, big, 1000, NULL), 0);
  uint32_t vlen;
  const uint8_t *v = xs_entry_value(find_str(s, "x"), &vlen);
  assert_int_equal(put(s, "x", 1, v + 10, 900, NULL), 0);
  assert_value(find_str(s, "x"), big + 10, 900);
  /* ... and exactly the old value put back onto itself. */
  v = xs_entry_value(find_str(s, "x"), &vlen);
  uint8_t copy[900];
  memcpy(copy, v, sizeof copy);
  assert_int_equal(put(s, "x", 1, v, 900, NULL), 0);
  assert_value(find_str(s, "x"), copy, 900);
  assert_int_equal(xs_store_count(s), 1001);
  for (uint32_t i = 0; i < 1000; i++) {
    uint8_t k[32];
    uint32_t kl = make_key(i, k);
    if (i != 7) assert_value(find(s, k, kl), big, i % 50);
  }
  xs_store_free(s);
}

/* ------------------------------------------------------------------------ */
/* Metadata                                                                   */

static void check_meta_roundtrip(xs_store *s, const xs_meta *m) {
  xs_meta got;
  assert_int_equal(put_str(s, "m", "v"), 0);
  assert_int_equal(put(s, "m", 1, "v", 1, m), 0);
  xs_entry_meta(find_str(s, "m"), &got);
  assert_true(got.expire_ms == m->expire_ms);
  assert_true(got.max_idle_ms == m->max_idle_ms);
  assert_true(got.last_used_ms == m->last_used_ms);
  assert_int_equal(got.ver, m->ver);
  assert_int_equal(got.vtype, m->vtype);
}

static void test_meta_roundtrip(void **state) {
  (void)state;
  xs_store *s = xs_store_new();
  xs_meta got;

  /* No metadata means an immortal entry with no max-idle. */
  assert_int_equal(put_str(s, "d", "v"), 0);
  xs_entry_meta(find_str(s, "d"), &got);
  assert_true(got.expire_ms == XS_TIME_NEVER);
  assert_true(got.max_idle_ms == -1);
  assert_int_equal(got.ver, 0);
  assert_int_equal(got.vtype, 0);

  xs_meta cases[] = {
      {XS_TIME_NEVER, -1, 0, 0, 0},
      {XS_TIME_NEVER, -1, 123456789, 7, 3},
      {1000, 500, 999, UINT32_MAX, 255},
      {INT64_MIN, INT64_MAX, INT64_MIN, 1, 1},
      {-1, -1, -1, 0xdeadbeefu, 0x80},
      {(xs_ms)1 << 40, (xs_ms)1 << 33, ((xs_ms)1 << 41) + 5, 42, 9},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) check_meta_roundtrip(s, &cases[i]);

  /* set_meta changes metadata in place, from immortal to mortal and back,
   * and leaves key and value alone. */
  xs_entry *e = find_str(s, "d");
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    xs_entry_set_meta(e, &cases[i]);
    xs_entry_meta(e, &got);
    assert_memory_equal(&got.expire_ms, &cases[i].expire_ms, sizeof(xs_ms));
    assert_true(got.max_idle_ms == cases[i].max_idle_ms);
    assert_true(got.last_used_ms == cases[i].last_used_ms);
    assert_int_equal(got.ver, cases[i].ver);
    assert_int_equal(got.vtype, cases[i].vtype);
    assert_value_str(e, "v");
    assert_ptr_equal(find_str(s, "d"), e);
  }
  /* A value replacement carries the metadata it is given. */
  assert_int_equal(put(s, "d", 1, "longer value", 12, &cases[2]), 0);
  xs_entry_meta(find_str(s, "d"), &got);
  assert_true(got.expire_ms == 1000 && got.max_idle_ms == 500 && got.vtype == 255);
  xs_store_free(s);
}

/* ------------------------------------------------------------------------ */
/* Limits and allocation failure                                              */

static void test_limits(void **state) {
  (void)state;
  xs_store *s = xs_store_new();
  uint8_t *key = calloc(1, XS_KEY_BYTES_MAX + 1);
  uint8_t *val = calloc(1, XS_VALUE_BYTES_MAX + 1);
  assert_non_null(key);
  assert_non_null(val);

  assert_int_equal(put(s, key, XS_KEY_BYTES_MAX + 1, "v", 1, NULL), XS_ELIMIT);
  assert_int_equal(put(s, "k", 1, val, XS_VALUE_BYTES_MAX + 1, NULL), XS_ELIMIT);
  /* Lengths are checked before any byte is read or hashed. */
  assert_int_equal(xs_store_put(s, key, UINT32_MAX, 0, val, 1, NULL, NULL), XS_ELIMIT);
  assert_int_equal(xs_store_put(s, key, 1, xs_hash_bytes(key, 1), val, UINT32_MAX, NULL, NULL),
                   XS_ELIMIT);
  assert_null(xs_store_find(s, key, UINT32_MAX, 0));
  assert_int_equal(xs_store_remove(s, key, UINT32_MAX, 0), XS_ENOTFOUND);
  assert_int_equal(xs_store_count(s), 0);
  assert_null(find(s, key, XS_KEY_BYTES_MAX + 1));
  assert_int_equal(del(s, key, XS_KEY_BYTES_MAX + 1), XS_ENOTFOUND);

  /* Exactly at the limits is allowed. */
  memset(key, 'k', XS_KEY_BYTES_MAX);
  val[0] = 1;
  val[XS_VALUE_BYTES_MAX - 1] = 2;
  assert_int_equal(put(s, key, XS_KEY_BYTES_MAX, val, XS_VALUE_BYTES_MAX, NULL), 0);
  assert_value(find(s, key, XS_KEY_BYTES_MAX), val, XS_VALUE_BYTES_MAX);
  /* A refused replacement leaves the old value. */
  assert_int_equal(put(s, key, XS_KEY_BYTES_MAX, val, XS_VALUE_BYTES_MAX + 1, NULL), XS_ELIMIT);
  assert_value(find(s, key, XS_KEY_BYTES_MAX), val, XS_VALUE_BYTES_MAX);
  assert_int_equal(del(s, key, XS_KEY_BYTES_MAX), 0);
  assert_int_equal(xs_store_count(s), 0);
  free(key);
  free(val);
  xs_store_free(s);
}

#if defined(__linux__) && !defined(__SANITIZE_ADDRESS__)
/* The process's mapped bytes, from /proc/self/statm. */
static size_t vm_bytes(void) {
  FILE *f = fopen("/proc/self/statm", "r");
  unsigned long pages = 0;
  if (f) {
    if (fscanf(f, "%lu", &pages) != 1) pages = 0;
    fclose(f);
  }
  return (size_t)pages * 4096u;
}
#endif

/* With the address space capped, a put that needs a big block fails with
 * XS_ENOMEM and the store is exactly as it was.  (Not under ASan, which
 * maps terabytes of shadow memory up front.) */
static void test_enomem(void **state) {
  (void)state;
#if defined(__linux__) && !defined(__SANITIZE_ADDRESS__)
  xs_store *s = xs_store_new();
  for (uint32_t i = 0; i < 300; i++) {
    uint8_t k[32];
    uint32_t kl = make_key(i, k);
    assert_int_equal(put(s, k, kl, "small", 5, NULL), 0);
  }
  uint8_t k3[32];
  uint32_t k3len = make_key(3, k3);
  size_t over = xs_store_overhead_bytes(s);
  uint8_t *val = calloc(1, XS_VALUE_BYTES_MAX);
  assert_non_null(val);
  struct rlimit old, cap;
  assert_int_equal(getrlimit(RLIMIT_AS, &old), 0);
  cap = old;
  cap.rlim_cur = vm_bytes() + (16u << 20); /* room for 16 MiB, not 64 */
  if (old.rlim_cur != RLIM_INFINITY && old.rlim_cur < cap.rlim_cur) cap.rlim_cur = old.rlim_cur;
  assert_int_equal(setrlimit(RLIMIT_AS, &cap), 0);
  int rc_new = put(s, "new", 3, val, XS_VALUE_BYTES_MAX, NULL);
  int rc_old = put(s, k3, k3len, val, XS_VALUE_BYTES_MAX, NULL);
  assert_int_equal(setrlimit(RLIMIT_AS, &old), 0);
  free(val);
  assert_int_equal(rc_new, XS_ENOMEM);
  assert_int_equal(rc_old, XS_ENOMEM);
  assert_int_equal(xs_store_count(s), 300);
  assert_null(find_str(s, "new"));
  assert_value_str(find(s, k3, k3len), "small");
  assert_int_equal(xs_store_overhead_bytes(s), over);
  xs_store_free(s);
#else
  skip();
#endif
}

/* ------------------------------------------------------------------------ */
/* Iteration                                                                  */

static void test_iteration_order(void **state) {
  (void)state;
  enum { N = 5000 };
  xs_store *s = xs_store_new();
  uint32_t *ids = malloc(N * sizeof *ids);
  uint8_t k[32];
  /* Insert in a scrambled order; iteration must follow it, not the keys. */
  for (uint32_t i = 0; i < N; i++) {
    uint32_t id = (i * 7919u) % N;
    uint32_t kl = make_key(id, k);
    assert_int_equal(put(s, k, kl, "v", 1, NULL), 0);
  }
  /* Replacing keeps the position; removing and re-adding moves to the end. */
  uint32_t kl = make_key(0, k);
  assert_int_equal(put(s, k, kl, "new value", 9, NULL), 0);
  kl = make_key(7919u % N, k);
  assert_int_equal(del(s, k, kl), 0);
  assert_int_equal(put(s, k, kl, "v", 1, NULL), 0);

  assert_int_equal(walk_ids(s, ids, N), N);
  assert_int_equal(ids[0], 0);
  for (uint32_t i = 2; i < N; i++) assert_int_equal(ids[i - 1], (i * 7919u) % N);
  assert_int_equal(ids[N - 1], 7919u % N);
  free(ids);
  xs_store_free(s);
}

/* A walk in chunks of a pinned store, with inserts, removes and resizing
 * replacements in between, sees every entry present throughout exactly once. */
static void test_pinned_walk(void **state) {
  (void)state;
  enum { STABLE = 2000, CHURN = 6000, FRESH = 2000 };
  xs_store *s = xs_store_new();
  uint8_t k[32];
  static uint8_t v[600];
  static uint8_t seen[STABLE + CHURN + FRESH];
  memset(seen, 0, sizeof seen);
  rng r = {99};
  for (uint32_t id = 0; id < STABLE + CHURN; id++) {
    uint32_t kl = make_key(id, k);
    assert_int_equal(put(s, k, kl, v, rng_below(&r, 200), NULL), 0);
  }
  xs_store_pin(s);
  size_t cursor = 0;
  uint32_t removed = 0, added = 0;
  xs_entry *e;
  while ((e = xs_store_next(s, &cursor)) != NULL) {
    uint32_t klen, id;
    const uint8_t *key = xs_entry_key(e, &klen);
    char buf[9] = {0};
    memcpy(buf, key + 1, 8);
    id = (uint32_t)strtoul(buf, NULL, 10);
    if (id < STABLE) {
      assert_int_equal(seen[id], 0);
    }
    seen[id]++;
    /* Between steps: remove most churn keys, add fresh ones, and resize the
     * values of stable keys so that entries move in memory. */
    for (int j = 0; j < 3; j++) {
      if (removed < CHURN * 9 / 10) {
        uint32_t kl = make_key(STABLE + removed++, k);
        assert_int_equal(del(s, k, kl), 0);
      }
      if (added < FRESH) {
        uint32_t kl = make_key(STABLE + CHURN + added++, k);
        assert_int_equal(put(s, k, kl, v, rng_below(&r, 100), NULL), 0);
      }
      uint32_t kl = make_key(rng_below(&r, STABLE), k);
      assert_int_equal(put(s, k, kl, v, rng_below(&r, 600), NULL), 0);
    }
  }
  for (uint32_t id = 0; id < STABLE; id++) assert_int_equal(seen[id], 1);
  /* While pinned nothing was compacted: the cursor ran over every position
   * ever used, holes included. */
  assert_int_equal(cursor, STABLE + CHURN + added);
  xs_store_unpin(s);
  /* Unpinned, the next modification compacts the holes away. */
  uint32_t kl = make_key(STABLE + CHURN - 1, k);
  assert_int_equal(del(s, k, kl), 0);
  size_t n = 0;
  cursor = 0;
  while (xs_store_next(s, &cursor)) n++;
  assert_int_equal(n, xs_store_count(s));
  assert_int_equal(cursor, n);
  xs_store_free(s);
}

/* Applies the same pseudo-random operations to a store.  `noise` makes
 * unrelated allocations in between so that addresses differ between runs. */
static void replay(xs_store *s, uint64_t seed, bool noise, void **junk) {
  rng r = {seed}, other = {seed + 1};
  uint8_t k[32];
  static uint8_t v[400];
  for (int i = 0; i < 30000; i++) {
    uint32_t kl = make_key(rng_below(&r, 3000), k);
    uint32_t op = rng_below(&r, 10);
    if (noise) junk[i] = malloc(1 + rng_below(&other, 200));
    if (op < 6)
      assert_int_equal(put(s, k, kl, v, rng_below(&r, 400), NULL), 0);
    else
      (void)del(s, k, kl);
  }
}

static void test_deterministic_order(void **state) {
  (void)state;
  xs_store *a = xs_store_new(), *b = xs_store_new();
  void **junk = calloc(30000, sizeof *junk);
  uint32_t *ia = malloc(3000 * sizeof *ia), *ib = malloc(3000 * sizeof *ib);
  replay(a, 5, false, junk);
  replay(b, 5, true, junk);
  size_t na = walk_ids(a, ia, 3000), nb = walk_ids(b, ib, 3000);
  assert_int_equal(na, xs_store_count(a));
  assert_int_equal(na, nb);
  assert_memory_equal(ia, ib, na * sizeof *ia);
  assert_int_equal(xs_store_overhead_bytes(a) > 0, 1);
  for (int i = 0; i < 30000; i++) free(junk[i]);
  free(junk);
  free(ia);
  free(ib);
  xs_store_free(a);
  xs_store_free(b);
}

/* ------------------------------------------------------------------------ */
/* Memory reclamation                                                         */

static void test_compaction(void **state) {
  (void)state;
  enum { N = 20000 };
  xs_store *s = xs_store_new();
  uint8_t k[32], v[32] = {0};
  for (uint32_t id = 0; id < N; id++) {
    uint32_t kl = make_key(id, k);
    assert_int_equal(put(s, k, kl, v, sizeof v, NULL), 0);
  }
  size_t full = xs_store_overhead_bytes(s);
  /* Remove all but every tenth key. */
  for (uint32_t id = 0; id < N; id++) {
    if (id % 10 == 0) continue;
    uint32_t kl = make_key(id, k);
    assert_int_equal(del(s, k, kl), 0);
  }
  assert_int_equal(xs_store_count(s), N / 10);
  /* Compaction keeps holes at most half the positions, so a full walk ends
   * within twice the count; the order is still insertion order. */
  uint32_t *ids = malloc(N * sizeof *ids);
  size_t cursor = 0, n = 0;
  while (xs_store_next(s, &cursor)) n++;
  assert_int_equal(n, N / 10);
  assert_true(cursor <= 2 * n);
  assert_int_equal(walk_ids(s, ids, N), N / 10);
  for (uint32_t i = 0; i < N / 10; i++) assert_int_equal(ids[i], i * 10);
  /* Arrays and slab blocks shrank with the store. */
  assert_true(xs_store_overhead_bytes(s) < full / 4);
  for (uint32_t i = 0; i < N / 10; i++) {
    uint32_t kl = make_key(i * 10, k);
    assert_value(find(s, k, kl), v, sizeof v);
  }
  /* Removing everything gives the memory back. */
  for (uint32_t i = 0; i < N / 10; i++) {
    uint32_t kl = make_key(i * 10, k);
    assert_int_equal(del(s, k, kl), 0);
  }
  assert_true(xs_store_overhead_bytes(s) < 8192);
  free(ids);
  xs_store_free(s);
}

/* Values that keep changing size strand slab slots in the classes they
 * left; the store must reclaim them rather than grow without bound. */
static void test_slab_reclaim(void **state) {
  (void)state;
  enum { N = 5000 };
  xs_store *s = xs_store_new();
  uint8_t k[32];
  static uint8_t v[400];
  for (uint32_t round = 0; round < 40; round++) {
    for (uint32_t id = 0; id < N; id++) {
      uint32_t kl = make_key(id, k);
      uint32_t vlen = 20 + (round * 37 + id % 3) % 380;
      make_value(id, round, vlen, v);
      assert_int_equal(put(s, k, kl, v, vlen, NULL), 0);
    }
    /* Never much more than the live bytes' worth of freed slots, plus
     * blocks, arrays and headers. */
    assert_true(xs_store_overhead_bytes(s) < (size_t)N * (64 + 400));
  }
  for (uint32_t id = 0; id < N; id++) {
    uint32_t kl = make_key(id, k);
    uint32_t vlen = 20 + (39 * 37 + id % 3) % 380;
    make_value(id, 39, vlen, v);
    assert_value(find(s, k, kl), v, vlen);
  }
  xs_store_free(s);
}

/* The budget in store.h: at most 64 bytes an entry beyond key and value, at
 * a million entries of 16-byte keys and 32-byte values. */
static void test_overhead_budget(void **state) {
  (void)state;
  enum { N = 1000000 };
  xs_store *s = xs_store_new();
  uint8_t k[16], v[32] = {0};
  xs_meta m = {XS_TIME_NEVER, -1, 12345, 1, 0};
  for (uint32_t i = 0; i < N; i++) {
    memset(k, 'x', sizeof k);
    memcpy(k, &i, sizeof i);
    assert_int_equal(put(s, k, sizeof k, v, sizeof v, &m), 0);
  }
  double per = (double)xs_store_overhead_bytes(s) / N;
  print_message("overhead at 1M entries: %.1f bytes/entry\n", per);
  assert_true(per <= 64.0);
  xs_store_free(s);
}

/* ------------------------------------------------------------------------ */
/* Hashing                                                                    */

static void test_hash(void **state) {
  (void)state;
  /* Fixed values: the hash must not change between runs, builds or
   * machines (simulation results depend on it). */
  assert_true(xs_hash_bytes("", 0) == 0x6744639c1864ba48ull);
  assert_true(xs_hash_bytes("hello", 5) == 0x3c2dcb93dfbbe86bull);
  /* Zero bytes of different lengths, and every split of a 40-byte key, are
   * all different. */
  static const uint8_t zeros[40];
  uint64_t seen[41];
  for (size_t n = 0; n <= 40; n++) {
    seen[n] = xs_hash_bytes(zeros, n);
    for (size_t j = 0; j < n; j++) assert_true(seen[j] != seen[n]);
  }
  /* Sequential keys spread evenly over the low bits (which the index uses):
   * a chi-square test over 1024 buckets. */
  enum { KEYS = 1 << 18, BUCKETS = 1024 };
  static uint32_t count[BUCKETS];
  memset(count, 0, sizeof count);
  for (uint32_t i = 0; i < KEYS; i++) {
    uint8_t k[32];
    uint32_t kl = make_key(i, k);
    uint32_t frag = (uint32_t)xs_hash_bytes(k, kl);
    count[(uint32_t)(((uint64_t)frag * BUCKETS) >> 32)]++;
  }
  double expect = (double)KEYS / BUCKETS, chi = 0;
  for (int b = 0; b < BUCKETS; b++) chi += (count[b] - expect) * (count[b] - expect) / expect;
  /* 1023 degrees of freedom: the mean is 1023, sd about 45. */
  assert_true(chi < 1023 + 6 * 45);
  /* Flipping any one input bit flips about half the output bits. */
  uint8_t key[24];
  rng r = {7};
  for (size_t i = 0; i < sizeof key; i++) key[i] = (uint8_t)rng_next(&r);
  uint64_t base = xs_hash_bytes(key, sizeof key);
  for (size_t bit = 0; bit < sizeof key * 8; bit++) {
    key[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    int flipped = __builtin_popcountll(base ^ xs_hash_bytes(key, sizeof key));
    key[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    assert_true(flipped >= 12 && flipped <= 52);
  }
}

/* ------------------------------------------------------------------------ */
/* Randomized run against a model                                             */

/* The model: one slot per key id with the value's parameters and the order
 * in which the key was (last) inserted. */
typedef struct model_entry {
  bool present;
  uint32_t version, vlen;
  uint64_t seq;
  xs_meta meta;
} model_entry;

enum { MODEL_KEYS = 4000 };

typedef struct model {
  model_entry e[MODEL_KEYS];
  uint64_t next_seq;
  size_t count;
} model;

static void check_entry(const model *md, xs_store *s, uint32_t id) {
  uint8_t k[32];
  static uint8_t v[1200];
  uint32_t kl = make_key(id, k);
  xs_entry *e = find(s, k, kl);
  const model_entry *me = &md->e[id];
  if (!me->present) {
    assert_null(e);
    return;
  }
  make_value(id, me->version, me->vlen, v);
  assert_value(e, v, me->vlen);
  xs_meta got;
  xs_entry_meta(e, &got);
  assert_true(got.expire_ms == me->meta.expire_ms && got.last_used_ms == me->meta.last_used_ms);
  assert_true(got.max_idle_ms == me->meta.max_idle_ms && got.ver == me->meta.ver);
}

/* Every entry in insertion order, each key once, nothing missing. */
static void check_walk(const model *md, const xs_store *s) {
  static uint32_t ids[MODEL_KEYS];
  size_t n = walk_ids(s, ids, MODEL_KEYS);
  assert_int_equal(n, md->count);
  for (size_t i = 0; i < n; i++) {
    assert_true(md->e[ids[i]].present);
    if (i) assert_true(md->e[ids[i - 1]].seq < md->e[ids[i]].seq);
  }
}

static void model_op(model *md, xs_store *s, rng *r, uint32_t step) {
  uint8_t k[32];
  static uint8_t v[1200];
  uint32_t id = rng_below(r, MODEL_KEYS), op = rng_below(r, 100);
  uint32_t kl = make_key(id, k);
  model_entry *me = &md->e[id];
  if (op < 55) { /* put, mostly small values, sometimes malloc-sized ones */
    uint32_t vlen = rng_below(r, 8) == 0 ? rng_below(r, 1200) : rng_below(r, 120);
    make_value(id, step, vlen, v);
    xs_meta m = {rng_below(r, 2) ? XS_TIME_NEVER : (xs_ms)rng_next(r), -1, (xs_ms)step, step, 0};
    assert_int_equal(put(s, k, kl, v, vlen, &m), 0);
    if (!me->present) {
      me->present = true;
      me->seq = md->next_seq++;
      md->count++;
    }
    me->version = step;
    me->vlen = vlen;
    me->meta = m;
  } else if (op < 85) {
    assert_int_equal(del(s, k, kl), me->present ? 0 : XS_ENOTFOUND);
    if (me->present) md->count--;
    me->present = false;
  } else if (op < 97) {
    check_entry(md, s, id);
  } else if (me->present) { /* touch: metadata changes in place */
    xs_entry *e = find(s, k, kl);
    me->meta.last_used_ms = step;
    me->meta.max_idle_ms = 1000;
    xs_entry_set_meta(e, &me->meta);
  }
  assert_int_equal(xs_store_count(s), md->count);
}

static void test_randomized_model(void **state) {
  (void)state;
  model *md = calloc(1, sizeof *md);
  xs_store *s = xs_store_new();
  rng r = {0x5eed};
  for (uint32_t step = 1; step <= 200000; step++) {
    model_op(md, s, &r, step);
    if (step % 20000 == 0) {
      check_walk(md, s);
      for (uint32_t id = 0; id < MODEL_KEYS; id++) check_entry(md, s, id);
    }
    if (step == 150000) { /* a clear in the middle, then refill */
      xs_store_clear(s);
      memset(md, 0, sizeof *md);
    }
  }
  check_walk(md, s);
  xs_store_free(s);
  free(md);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_put_find_remove_clear),
      cmocka_unit_test(test_put_returns_entry),
      cmocka_unit_test(put_ver_reports_replaced_version),
      cmocka_unit_test(test_replace_sizes),
      cmocka_unit_test(test_meta_roundtrip),
      cmocka_unit_test(test_limits),
      cmocka_unit_test(test_enomem),
      cmocka_unit_test(test_iteration_order),
      cmocka_unit_test(test_pinned_walk),
      cmocka_unit_test(test_deterministic_order),
      cmocka_unit_test(test_compaction),
      cmocka_unit_test(test_slab_reclaim),
      cmocka_unit_test(test_overhead_budget),
      cmocka_unit_test(test_hash),
      cmocka_unit_test(test_randomized_model),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
