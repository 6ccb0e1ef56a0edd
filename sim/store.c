/*
 * store.c - the key/value store behind one cache on one site (see store.h).
 *
 * Layout.  Every entry is one block of memory: a 36-byte header followed by
 * the key bytes and then the value bytes.  The store keeps
 *
 *   - `dense`, an array of entry pointers in insertion order.  A removed
 *     entry leaves a NULL hole, so positions never shift under a walk; the
 *     holes are squeezed out ("compaction") once they are more than half of
 *     the array and nobody has the store pinned.  A cursor is a position.
 *   - `index`, an open-addressing table with linear probing whose slots hold
 *     a dense position and 32 bits of the key's hash.  Probes compare the
 *     hash bits before touching an entry, and the table can be rebuilt or
 *     reshuffled from its own slots without reading any entry.
 *   - a slab allocator for small entries, so that an 84-byte entry costs 84
 *     bytes and not malloc's rounded-up chunk plus its size word.
 *
 * Only `dense` points at entries; the index refers to positions.  That is
 * what makes both compaction and slab defragmentation cheap: moving an entry
 * means rewriting one pointer, and an entry's address is never part of any
 * ordering, so the store behaves the same on every run.
 *
 * The header keeps the whole xs_meta, fixed-size, because xs_entry_set_meta()
 * must be able to store any metadata in place: it has no store to reallocate
 * through and no way to report failure.
 *
 * Memory.  Both arrays grow by half and the index stays at most 3/4 full, so
 * together they cost 19 to 28 bytes an entry; at a million 16/32-byte
 * entries the total overhead (header 36, index 10.8, dense 10.8, slab waste
 * 0.1) is 57.7 bytes an entry.  Stores under SLAB_MIN_COUNT entries use
 * malloc and pay its ~16 bytes more: they are small in absolute terms.
 */
#include "store.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#if defined(__GLIBC__)
#include <malloc.h>
#define HAVE_MALLOC_USABLE_SIZE 1
#endif

/* ------------------------------------------------------------------------ */
/* Hashing                                                                    */

/* Odd 64-bit constants with about half their bits set, drawn at random once;
 * multiplying by one spreads every input bit over the higher bits. */
#define HASH_SEED 0x33926523564d69c9ull
#define HASH_M1 0x3ea3838c0bbd323dull
#define HASH_M2 0xa6f12b93270d21b3ull
#define HASH_M3 0xcce96d0162364995ull
#define HASH_M4 0x5687c17559265091ull
#define HASH_M5 0x5c01d7284d0ff7c3ull

static uint64_t rotl64(uint64_t x, unsigned r) {
  return (x << r) | (x >> (64 - r));
}

/* Reads 8 (or 4) bytes as a little-endian word, so that the hash of a key is
 * the same on every machine and not only on every run. */
static uint64_t load64(const uint8_t *p) {
  uint64_t v;
  memcpy(&v, p, sizeof v);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  v = __builtin_bswap64(v);
#endif
  return v;
}

static uint64_t load32(const uint8_t *p) {
  uint32_t v;
  memcpy(&v, p, sizeof v);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  v = __builtin_bswap32(v);
#endif
  return v;
}

/* Folds one word into a lane.  For a fixed lane state this is a bijection of
 * the word, so two keys that differ in one word never meet inside a lane. */
static uint64_t hash_round(uint64_t lane, uint64_t word) {
  lane ^= word * HASH_M1;
  lane = rotl64(lane, 29);
  return lane * HASH_M2;
}

/* Spreads every bit of x over every bit of the result; the index uses the
 * low 32 bits of a hash, so those must depend on the whole key. */
static uint64_t hash_finish(uint64_t x) {
  x ^= x >> 31;
  x *= HASH_M4;
  x ^= x >> 29;
  x *= HASH_M5;
  x ^= x >> 32;
  return x;
}

/* Keys up to 16 bytes (most of them) take two possibly overlapping words
 * and no loop.  Overlap and zero fill are unambiguous because the length is
 * mixed in first.  Longer keys run two lanes over 16-byte blocks, so that
 * the multiplies of a block overlap, and end with the last 16 bytes. */
uint64_t xs_hash_bytes(const void *data, size_t len) {
  const uint8_t *p = data;
  uint64_t a = HASH_SEED ^ ((uint64_t)len * HASH_M3);
  uint64_t b = rotl64(HASH_SEED, 32);
  uint64_t w0 = 0, w1 = 0;
  if (len >= 8 && len <= 16) {
    w0 = load64(p);
    w1 = load64(p + len - 8);
  } else if (len >= 4 && len < 8) {
    w0 = load32(p);
    w1 = load32(p + len - 4);
  } else if (len > 0 && len < 4) {
    w0 = (uint64_t)p[0] | (uint64_t)p[len / 2] << 8 | (uint64_t)p[len - 1] << 16;
  } else if (len > 16) {
    size_t n = len;
    for (; n > 16; p += 16, n -= 16) {
      a = hash_round(a, load64(p));
      b = hash_round(b, load64(p + 8));
    }
    w0 = load64(p + n - 16);
    w1 = load64(p + n - 8);
  }
  a = hash_round(a, w0);
  b = hash_round(b, w1);
  return hash_finish(a ^ (rotl64(b, 23) * HASH_M3));
}

/* ------------------------------------------------------------------------ */
/* Types and limits                                                           */

/* The entry header: 36 bytes, 4-byte aligned, followed by key and value.
 * The times are stored with memcpy so the header needs no 8-byte alignment
 * and slab slots can be any multiple of 4 bytes. */
struct xs_entry {
  uint32_t kc;   /* key length (bits 0-16), slab class (17-23), vtype (24-31) */
  uint32_t vlen; /* value length */
  uint32_t ver;  /* xs_meta.ver */
  uint8_t times[24]; /* expire_ms, max_idle_ms, last_used_ms (native int64) */
};

#define HDR ((uint32_t)sizeof(struct xs_entry))
#define KLEN_BITS 17
#define KLEN_MASK ((1u << KLEN_BITS) - 1)
#define CLS_SHIFT KLEN_BITS
#define CLS_MASK 0x7fu
#define VTYPE_SHIFT 24

/* Slab classes are every multiple of 4 from the header size up to SLAB_MAX;
 * bigger entries come from malloc, whose overhead is small beside them. */
#define SLAB_CLASSES 120u
#define SLAB_STEP 4u
#define SLAB_MAX (HDR + SLAB_STEP * (SLAB_CLASSES - 1))
#define CLS_HEAP 127u
/* A store this small allocates entries with malloc: a slab block per size
 * class would cost more than it saves, and most caches are small. */
#define SLAB_MIN_COUNT 256u
/* Slab blocks grow with their class, between these sizes. */
#define BLOCK_MIN 4096u
#define BLOCK_MAX 65536u
/* Freed slab slots are reclaimed (by moving entries) once they exceed half
 * the live slab bytes plus this much. */
#define DEFRAG_MIN (64u * 1024u)

/* Positions are stored as uint32_t + 1 in the index. */
#define POSITIONS_MAX 0x7fffffffu
#define TABLE_MIN 16u
#define NOSLOT SIZE_MAX

_Static_assert(sizeof(struct xs_entry) == 36, "entry header must stay 36 bytes");
_Static_assert(SLAB_CLASSES <= CLS_HEAP, "slab classes must fit in 7 bits");
_Static_assert(XS_KEY_BYTES_MAX <= KLEN_MASK, "key length must fit in 17 bits");

/* One index slot: the entry's dense position + 1 (0 = empty) and the low 32
 * bits of its hash.  The slot's home is derived from those 32 bits, so the
 * table can be rebuilt without rehashing keys. */
typedef struct idx_slot {
  uint32_t pos1;
  uint32_t frag;
} idx_slot;

/* A slab block: a header and then equal slots of one class. */
typedef struct slab_block {
  struct slab_block *next;
  size_t bytes; /* slot bytes after the header */
} slab_block;

#define BLOCK_HDR ((sizeof(slab_block) + 7) & ~(size_t)7)

typedef struct slab_class {
  slab_block *blocks; /* newest first */
  uint8_t *free;      /* freed slots, linked through their first 8 bytes */
  uint8_t *bump;      /* never-used slots of the newest block ... */
  uint8_t *bump_end;  /* ... end here */
  uint32_t live;      /* slots holding entries */
  uint32_t nfree;     /* slots on the free list */
} slab_class;

struct xs_store {
  xs_entry **dense;  /* insertion order; NULL marks a hole */
  uint32_t len;      /* positions used, holes included */
  uint32_t dcap;     /* positions allocated */
  idx_slot *index;
  uint32_t icap;     /* index slots (any size, not a power of two) */
  uint32_t pins;
  size_t count;      /* live entries */
  size_t payload;    /* key and value bytes of live entries */
  size_t heap;       /* bytes taken from malloc, with malloc's own overhead */
  slab_class *slab;  /* SLAB_CLASSES of them, allocated on first use */
  size_t slab_live;  /* bytes of slab slots holding entries */
  size_t slab_freed; /* bytes of slab slots on free lists */
};

/* ------------------------------------------------------------------------ */
/* Accounted heap allocation.  Every byte the store takes from malloc goes    */
/* through these so that xs_store_overhead_bytes() is a count, not a guess.   */

/* What a block costs the heap: glibc rounds a request up and keeps a size
 * word before it; elsewhere assume two words of bookkeeping. */
static size_t heap_cost(void *p, size_t asked) {
#ifdef HAVE_MALLOC_USABLE_SIZE
  (void)asked;
  return malloc_usable_size(p) + sizeof(size_t);
#else
  return asked + 2 * sizeof(size_t);
#endif
}

static void *heap_alloc(xs_store *s, size_t n) {
  void *p = malloc(n);
  if (p) s->heap += heap_cost(p, n);
  return p;
}

static void *heap_calloc(xs_store *s, size_t nmemb, size_t size) {
  void *p = calloc(nmemb, size);
  if (p) s->heap += heap_cost(p, nmemb * size);
  return p;
}

/* `asked` is the size p was allocated with (used only without glibc). */
static void heap_free(xs_store *s, void *p, size_t asked) {
  if (!p) return;
  size_t c = heap_cost(p, asked);
  assert(s->heap >= c);
  s->heap -= c;
  free(p);
}

/* realloc that keeps the accounting; on failure the old block is intact. */
static void *heap_realloc(xs_store *s, void *p, size_t old, size_t n) {
  size_t before = p ? heap_cost(p, old) : 0;
  void *q = realloc(p, n);
  if (!q) return NULL;
  s->heap = s->heap - before + heap_cost(q, n);
  return q;
}

/* ------------------------------------------------------------------------ */
/* Entry fields                                                               */

static uint32_t e_klen(const xs_entry *e) { return e->kc & KLEN_MASK; }
static unsigned e_cls(const xs_entry *e) { return (e->kc >> CLS_SHIFT) & CLS_MASK; }
static uint8_t *e_key(const xs_entry *e) { return (uint8_t *)e + HDR; }
static uint8_t *e_val(const xs_entry *e) { return e_key(e) + e_klen(e); }
static size_t e_size(const xs_entry *e) { return (size_t)HDR + e_klen(e) + e->vlen; }

static size_t entry_size(uint32_t klen, uint32_t vlen) {
  return (size_t)HDR + klen + vlen;
}

static unsigned class_of(size_t size) {
  assert(size >= HDR && size <= SLAB_MAX);
  return (unsigned)((size - HDR + SLAB_STEP - 1) / SLAB_STEP);
}

static size_t class_size(unsigned c) {
  return (size_t)HDR + (size_t)SLAB_STEP * c;
}

/* The bytes an entry may grow into without moving. */
static size_t e_capacity(const xs_entry *e) {
  unsigned c = e_cls(e);
  if (c != CLS_HEAP) return class_size(c);
#ifdef HAVE_MALLOC_USABLE_SIZE
  return malloc_usable_size((void *)e);
#else
  return e_size(e);
#endif
}

static void set_kc(xs_entry *e, uint32_t klen, unsigned cls, uint8_t vtype) {
  e->kc = klen | ((uint32_t)cls << CLS_SHIFT) | ((uint32_t)vtype << VTYPE_SHIFT);
}

static void meta_defaults(xs_meta *m) {
  m->expire_ms = XS_TIME_NEVER;
  m->max_idle_ms = -1;
  m->last_used_ms = 0;
  m->ver = 0;
  m->vtype = 0;
}

static bool key_eq(const xs_entry *e, const uint8_t *key, uint32_t klen) {
  return e_klen(e) == klen && (klen == 0 || memcmp(e_key(e), key, klen) == 0);
}

/* ------------------------------------------------------------------------ */
/* Slab allocator                                                             */

/* Adds a block to class c, sized to about an eighth of what the class holds
 * so that small classes stay small and big ones take few blocks. */
static int slab_grow(xs_store *s, unsigned c) {
  slab_class *k = &s->slab[c];
  size_t size = class_size(c);
  size_t want = (size_t)k->live * size / 8;
  if (want < BLOCK_MIN) want = BLOCK_MIN;
  if (want > BLOCK_MAX) want = BLOCK_MAX;
  size_t slots = want / size;
  slab_block *b = heap_alloc(s, BLOCK_HDR + slots * size);
  if (!b) return XS_ENOMEM;
  b->bytes = slots * size;
  b->next = k->blocks;
  k->blocks = b;
  k->bump = (uint8_t *)b + BLOCK_HDR;
  k->bump_end = k->bump + b->bytes;
  return 0;
}

static void *slab_alloc(xs_store *s, unsigned c) {
  slab_class *k = &s->slab[c];
  size_t size = class_size(c);
  uint8_t *p;
  if (k->free) {
    p = k->free;
    memcpy(&k->free, p, sizeof k->free);
    k->nfree--;
    s->slab_freed -= size;
  } else {
    if ((size_t)(k->bump_end - k->bump) < size && slab_grow(s, c) != 0) return NULL;
    p = k->bump;
    k->bump += size;
  }
  k->live++;
  s->slab_live += size;
  return p;
}

static void slab_free(xs_store *s, xs_entry *e) {
  unsigned c = e_cls(e);
  slab_class *k = &s->slab[c];
  size_t size = class_size(c);
  assert(k->live > 0);
  memcpy(e, &k->free, sizeof k->free);
  k->free = (uint8_t *)e;
  k->live--;
  k->nfree++;
  s->slab_live -= size;
  s->slab_freed += size;
}

static void slab_free_blocks(xs_store *s, slab_block *b) {
  while (b) {
    slab_block *next = b->next;
    heap_free(s, b, BLOCK_HDR + b->bytes);
    b = next;
  }
}

/* Whether an entry of this size should come from the slab. */
static bool use_slab(xs_store *s, size_t size) {
  if (size > SLAB_MAX) return false;
  if (!s->slab) {
    if (s->count < SLAB_MIN_COUNT) return false;
    s->slab = heap_calloc(s, SLAB_CLASSES, sizeof(slab_class));
    if (!s->slab) return false; /* malloc will do */
  }
  const slab_class *k = &s->slab[class_of(size)];
  return s->count >= SLAB_MIN_COUNT || k->free || k->bump < k->bump_end;
}

/* ------------------------------------------------------------------------ */
/* Slab defragmentation.  Freed slots are reused by later entries of the same */
/* class, but when sizes drift they pile up; then the live entries of every   */
/* class with freed slots are copied into one exactly-sized block each and    */
/* the old blocks are released.  Only `dense` points at entries, so moving    */
/* one costs one pointer store, and positions (cursors) do not change.        */

static bool defrag_due(const xs_store *s) {
  if (s->slab_live == 0) return s->slab_freed > 0; /* all free: no walk needed */
  return s->slab_freed > s->slab_live / 2 + DEFRAG_MIN &&
         s->slab_freed >= (size_t)s->len * 16; /* keeps the dense walk amortized */
}

/* Gives every class with freed slots a fresh block for its live entries and
 * hands the old blocks back in old[].  All or nothing: on failure nothing
 * has changed. */
static int defrag_prepare(xs_store *s, slab_block **old) {
  slab_block *fresh[SLAB_CLASSES] = {0};
  for (unsigned c = 0; c < SLAB_CLASSES; c++) {
    const slab_class *k = &s->slab[c];
    if (k->nfree == 0 || k->live == 0) continue;
    size_t bytes = (size_t)k->live * class_size(c);
    fresh[c] = heap_alloc(s, BLOCK_HDR + bytes);
    if (!fresh[c]) {
      for (unsigned i = 0; i < c; i++)
        if (fresh[i]) heap_free(s, fresh[i], BLOCK_HDR + fresh[i]->bytes);
      return XS_ENOMEM;
    }
    fresh[c]->bytes = bytes;
    fresh[c]->next = NULL;
  }
  for (unsigned c = 0; c < SLAB_CLASSES; c++) {
    slab_class *k = &s->slab[c];
    old[c] = NULL;
    if (k->nfree == 0) continue;
    old[c] = k->blocks;
    k->blocks = fresh[c];
    k->bump = fresh[c] ? (uint8_t *)fresh[c] + BLOCK_HDR : NULL;
    k->bump_end = fresh[c] ? k->bump + fresh[c]->bytes : NULL;
    k->free = NULL;
    s->slab_freed -= (size_t)k->nfree * class_size(c);
    k->nfree = 0;
  }
  assert(s->slab_freed == 0);
  return 0;
}

static void slab_defrag(xs_store *s) {
  slab_block *old[SLAB_CLASSES];
  if (defrag_prepare(s, old) != 0) return; /* try again after more frees */
  for (uint32_t i = 0; i < s->len && s->slab_live > 0; i++) {
    xs_entry *e = s->dense[i];
    if (!e || e_cls(e) == CLS_HEAP || !old[e_cls(e)]) continue;
    slab_class *k = &s->slab[e_cls(e)];
    size_t size = class_size(e_cls(e));
    assert((size_t)(k->bump_end - k->bump) >= size);
    memcpy(k->bump, e, e_size(e));
    s->dense[i] = (xs_entry *)k->bump;
    k->bump += size;
  }
  for (unsigned c = 0; c < SLAB_CLASSES; c++) {
    assert(!old[c] || s->slab[c].bump == s->slab[c].bump_end);
    slab_free_blocks(s, old[c]);
  }
}

/* ------------------------------------------------------------------------ */
/* Entries                                                                    */

static xs_entry *entry_alloc(xs_store *s, size_t size) {
  xs_entry *e;
  unsigned cls;
  if (use_slab(s, size)) {
    cls = class_of(size);
    e = slab_alloc(s, cls);
    if (e) {
      e->kc = cls << CLS_SHIFT;
      return e;
    }
  }
  e = heap_alloc(s, size);
  if (e) e->kc = CLS_HEAP << CLS_SHIFT;
  return e;
}

static void entry_free(xs_store *s, xs_entry *e) {
  if (e_cls(e) == CLS_HEAP)
    heap_free(s, e, e_size(e));
  else
    slab_free(s, e);
}

static void entry_set_meta(xs_entry *e, const xs_meta *m) {
  xs_meta d;
  if (!m) {
    meta_defaults(&d);
    m = &d;
  }
  set_kc(e, e_klen(e), e_cls(e), m->vtype);
  e->ver = m->ver;
  memcpy(e->times, &m->expire_ms, 8);
  memcpy(e->times + 8, &m->max_idle_ms, 8);
  memcpy(e->times + 16, &m->last_used_ms, 8);
}

/* Fills a freshly allocated entry.  `val` may point into another entry. */
static void entry_fill(xs_entry *e, const uint8_t *key, uint32_t klen, const uint8_t *val,
                       uint32_t vlen, const xs_meta *m) {
  set_kc(e, klen, e_cls(e), 0);
  e->vlen = vlen;
  if (klen) memcpy(e_key(e), key, klen);
  if (vlen) memcpy(e_val(e), val, vlen);
  entry_set_meta(e, m);
}

/* ------------------------------------------------------------------------ */
/* Index                                                                      */

/* Maps 32 hash bits onto [0, cap) by multiplying rather than dividing. */
static uint32_t home_of(uint32_t frag, uint32_t cap) {
  return (uint32_t)(((uint64_t)frag * cap) >> 32);
}

/* Returns the slot holding `key`, setting *found, or else the empty slot
 * where it would go.  The table always has an empty slot (load < 3/4). */
static size_t index_probe(const xs_store *s, const uint8_t *key, uint32_t klen, uint64_t hash,
                          bool *found) {
  *found = false;
  if (!s->icap) return NOSLOT;
  uint32_t frag = (uint32_t)hash;
  uint32_t i = home_of(frag, s->icap);
  for (;;) {
    const idx_slot *sl = &s->index[i];
    if (sl->pos1 == 0) return i;
    if (sl->frag == frag && key_eq(s->dense[sl->pos1 - 1], key, klen)) {
      *found = true;
      return i;
    }
    if (++i == s->icap) i = 0;
  }
}

static void index_place(idx_slot *t, uint32_t cap, idx_slot v) {
  uint32_t i = home_of(v.frag, cap);
  while (t[i].pos1 != 0)
    if (++i == cap) i = 0;
  t[i] = v;
}

/* Rebuilds the index with `cap` slots from the old slots alone. */
static int index_resize(xs_store *s, uint32_t cap) {
  assert(cap > s->count);
  idx_slot *t = heap_calloc(s, cap, sizeof *t);
  if (!t) return XS_ENOMEM;
  for (uint32_t i = 0; i < s->icap; i++)
    if (s->index[i].pos1) index_place(t, cap, s->index[i]);
  heap_free(s, s->index, (size_t)s->icap * sizeof *t);
  s->index = t;
  s->icap = cap;
  return 0;
}

/* Empties slot `hole` and pulls later members of its cluster back into the
 * gap (backward-shift deletion), so the table never needs tombstones. */
static void index_delete(xs_store *s, uint32_t hole) {
  uint32_t cap = s->icap, j = hole;
  for (;;) {
    if (++j == cap) j = 0;
    idx_slot *sl = &s->index[j];
    if (sl->pos1 == 0) break;
    uint32_t h = home_of(sl->frag, cap);
    uint32_t from_home = j >= h ? j - h : j + cap - h;
    uint32_t from_hole = j >= hole ? j - hole : j + cap - hole;
    if (from_home >= from_hole) {
      s->index[hole] = *sl;
      hole = j;
    }
  }
  s->index[hole].pos1 = 0;
  s->index[hole].frag = 0;
}

/* ------------------------------------------------------------------------ */
/* Dense array and compaction                                                 */

/* Growth by half keeps the slack at most a third of the array. */
static uint32_t grown(uint32_t cap) {
  uint64_t n = cap < TABLE_MIN ? TABLE_MIN : (uint64_t)cap + cap / 2;
  return n > POSITIONS_MAX ? POSITIONS_MAX : (uint32_t)n;
}

static int dense_grow(xs_store *s) {
  uint32_t cap = grown(s->dcap);
  if (cap == s->dcap) return XS_ELIMIT;
  xs_entry **d = heap_realloc(s, s->dense, (size_t)s->dcap * sizeof *d, (size_t)cap * sizeof *d);
  if (!d) return XS_ENOMEM;
  s->dense = d;
  s->dcap = cap;
  return 0;
}

/* Shrinks into a new block: realloc may keep a big block, or remap an mmap'd
 * one into whole pages, and either would keep the memory we mean to free. */
static void dense_shrink(xs_store *s, uint32_t cap) {
  assert(cap >= s->len && cap < s->dcap);
  xs_entry **d = heap_alloc(s, (size_t)cap * sizeof *d);
  if (!d) return;
  if (s->len) memcpy(d, s->dense, (size_t)s->len * sizeof *d);
  heap_free(s, s->dense, (size_t)s->dcap * sizeof *d);
  s->dense = d;
  s->dcap = cap;
}

/* Shrinks the arrays after many removes.  Failures are harmless: the old,
 * bigger arrays stay. */
static void shrink_tables(xs_store *s) {
  uint32_t want = s->count < TABLE_MIN / 2 ? TABLE_MIN : (uint32_t)s->count * 2;
  if (s->icap > TABLE_MIN && s->count < s->icap / 8) (void)index_resize(s, want);
  if (s->dcap > TABLE_MIN && s->len < s->dcap / 4) dense_shrink(s, want);
}

/* Squeezes the holes out of `dense` and renumbers the index.  *track, a
 * position, follows its entry. */
static void compact(xs_store *s, size_t *track) {
  assert(s->pins == 0);
  uint32_t *newpos = malloc((size_t)s->len * sizeof *newpos); /* freed below */
  if (!newpos) return;
  uint32_t j = 0;
  for (uint32_t i = 0; i < s->len; i++) {
    newpos[i] = j;
    if (s->dense[i]) s->dense[j++] = s->dense[i];
  }
  assert(j == s->count);
  for (uint32_t i = 0; i < s->icap; i++)
    if (s->index[i].pos1) s->index[i].pos1 = newpos[s->index[i].pos1 - 1] + 1;
  if (track && *track < s->len) *track = newpos[*track];
  s->len = j;
  free(newpos);
  shrink_tables(s);
}

/* Housekeeping after a modification: compaction when unpinned and more than
 * half the positions are holes, slab defragmentation when due. */
static void tidy(xs_store *s, size_t *track) {
  if (s->pins == 0 && (size_t)(s->len - s->count) * 2 > s->len) compact(s, track);
  if (s->slab && defrag_due(s)) slab_defrag(s);
}

/* ------------------------------------------------------------------------ */
/* Public API                                                                 */

xs_store *xs_store_new(void) {
  xs_store *s = calloc(1, sizeof *s);
  if (s) s->heap = heap_cost(s, sizeof *s);
  return s;
}

static void free_entries(xs_store *s) {
  for (uint32_t i = 0; i < s->len; i++) {
    xs_entry *e = s->dense[i];
    if (e && e_cls(e) == CLS_HEAP) heap_free(s, e, e_size(e));
  }
  if (s->slab) {
    for (unsigned c = 0; c < SLAB_CLASSES; c++) slab_free_blocks(s, s->slab[c].blocks);
    heap_free(s, s->slab, SLAB_CLASSES * sizeof(slab_class));
  }
  heap_free(s, s->dense, (size_t)s->dcap * sizeof *s->dense);
  heap_free(s, s->index, (size_t)s->icap * sizeof *s->index);
}

void xs_store_free(xs_store *s) {
  if (!s) return;
  free_entries(s);
  free(s);
}

void xs_store_clear(xs_store *s) {
  free_entries(s);
  uint32_t pins = s->pins;
  size_t heap = s->heap;
  memset(s, 0, sizeof *s);
  s->pins = pins;
  s->heap = heap;
  assert(s->heap == heap_cost(s, sizeof *s));
}

size_t xs_store_count(const xs_store *s) { return s->count; }

void xs_store_prefetch(const xs_store *s, uint64_t hash) {
#if defined(__GNUC__)
  if (s->icap) __builtin_prefetch(&s->index[home_of((uint32_t)hash, s->icap)]);
#else
  (void)s;
  (void)hash;
#endif
}

void xs_store_prefetch_deeper(const xs_store *s, uint64_t hash, int depth) {
#if defined(__GNUC__)
  if (!s->icap) return;
  uint32_t frag = (uint32_t)hash, i = home_of(frag, s->icap);
  /* The first slot with the key's hash bits is the key's, nearly always;
   * a hint need not be exact, and a few slots are enough. */
  for (int steps = 0; steps < 4; steps++) {
    const idx_slot *sl = &s->index[i];
    if (sl->pos1 == 0) return;
    if (sl->frag == frag) {
      xs_entry *const *d = &s->dense[sl->pos1 - 1];
      if (depth <= 1) __builtin_prefetch(d);
      else if (*d) __builtin_prefetch(*d);
      return;
    }
    if (++i == s->icap) i = 0;
  }
#else
  (void)s;
  (void)hash;
  (void)depth;
#endif
}

xs_entry *xs_store_find(const xs_store *s, const uint8_t *key, uint32_t klen, uint64_t hash) {
  bool found;
  if (klen > XS_KEY_BYTES_MAX) return NULL;
  size_t slot = index_probe(s, key, klen, hash, &found);
  return found ? s->dense[s->index[slot].pos1 - 1] : NULL;
}

/* Replaces the value of the entry at dense position pos, in place when the
 * new value fits without wasting much of the block. */
static int replace(xs_store *s, uint32_t pos, const uint8_t *val, uint32_t vlen,
                   const xs_meta *m) {
  xs_entry *e = s->dense[pos];
  uint32_t klen = e_klen(e);
  size_t size = entry_size(klen, vlen), cap = e_capacity(e);
  bool fits = size <= cap;
#ifndef HAVE_MALLOC_USABLE_SIZE
  /* Without malloc_usable_size the accounting takes a malloc'd entry's
   * block to be exactly the entry's size, so that size must not change. */
  if (e_cls(e) == CLS_HEAP && size != cap) fits = false;
#endif
  /* Keep the block unless a tighter one would save a slab class or more
   * than a quarter of a malloc'd block. */
  bool snug = fits && (e_cls(e) == CLS_HEAP ? cap - size <= cap / 4 + 2 * sizeof(size_t)
                                            : class_of(size) == e_cls(e));
  xs_entry *n = snug ? NULL : entry_alloc(s, size);
  if (!n && !fits) return XS_ENOMEM;
  s->payload = s->payload - e->vlen + vlen;
  if (!n) { /* in place; val may overlap the old value */
    if (vlen) memmove(e_val(e), val, vlen);
    e->vlen = vlen;
    entry_set_meta(e, m);
    return 0;
  }
  entry_fill(n, e_key(e), klen, val, vlen, m);
  s->dense[pos] = n;
  entry_free(s, e);
  return 0;
}

static int insert(xs_store *s, size_t slot, const uint8_t *key, uint32_t klen, uint64_t hash,
                  const uint8_t *val, uint32_t vlen, const xs_meta *m) {
  int rc;
  if (slot == NOSLOT || (s->count + 1) * 4 > (size_t)s->icap * 3) {
    bool found;
    uint32_t cap = grown(s->icap);
    if (cap <= s->count + 1) return XS_ELIMIT;
    if (index_resize(s, cap) != 0) return XS_ENOMEM;
    slot = index_probe(s, key, klen, hash, &found);
    assert(!found);
  }
  if (s->len == s->dcap && (rc = dense_grow(s)) != 0) return rc;
  xs_entry *e = entry_alloc(s, entry_size(klen, vlen));
  if (!e) return XS_ENOMEM;
  entry_fill(e, key, klen, val, vlen, m);
  s->dense[s->len] = e;
  s->index[slot].pos1 = ++s->len;
  s->index[slot].frag = (uint32_t)hash;
  s->count++;
  s->payload += (size_t)klen + vlen;
  return 0;
}

static int put(xs_store *s, const uint8_t *key, uint32_t klen, uint64_t hash, const uint8_t *val,
               uint32_t vlen, const xs_meta *m, xs_entry **out, uint32_t *old_ver) {
  if (old_ver) *old_ver = 0;
  if (klen > XS_KEY_BYTES_MAX || vlen > XS_VALUE_BYTES_MAX) return XS_ELIMIT;
  assert(hash == xs_hash_bytes(key, klen));
  bool found;
  size_t slot = index_probe(s, key, klen, hash, &found);
  size_t pos;
  int rc;
  uint32_t ver = 0;
  if (found) {
    pos = s->index[slot].pos1 - 1;
    ver = s->dense[pos]->ver;
    rc = replace(s, (uint32_t)pos, val, vlen, m);
  } else {
    pos = s->len;
    rc = insert(s, slot, key, klen, hash, val, vlen, m);
  }
  if (rc != 0) return rc;
  tidy(s, &pos);
  if (out) *out = s->dense[pos];
  if (old_ver) *old_ver = ver;
  return 0;
}

int xs_store_put(xs_store *s, const uint8_t *key, uint32_t klen, uint64_t hash,
                 const uint8_t *val, uint32_t vlen, const xs_meta *m, xs_entry **out) {
  return put(s, key, klen, hash, val, vlen, m, out, NULL);
}

int xs_store_put_ver(xs_store *s, const uint8_t *key, uint32_t klen, uint64_t hash,
                     const uint8_t *val, uint32_t vlen, const xs_meta *m, uint32_t *old_ver) {
  return put(s, key, klen, hash, val, vlen, m, NULL, old_ver);
}

int xs_store_remove(xs_store *s, const uint8_t *key, uint32_t klen, uint64_t hash) {
  bool found;
  if (klen > XS_KEY_BYTES_MAX) return XS_ENOTFOUND;
  size_t slot = index_probe(s, key, klen, hash, &found);
  if (!found) return XS_ENOTFOUND;
  uint32_t pos = s->index[slot].pos1 - 1;
  xs_entry *e = s->dense[pos];
  index_delete(s, (uint32_t)slot);
  s->dense[pos] = NULL;
  s->count--;
  s->payload -= (size_t)e_klen(e) + e->vlen;
  entry_free(s, e);
  tidy(s, NULL);
  return 0;
}

const uint8_t *xs_entry_key(const xs_entry *e, uint32_t *klen) {
  if (klen) *klen = e_klen(e);
  return e_key(e);
}

const uint8_t *xs_entry_value(const xs_entry *e, uint32_t *vlen) {
  if (vlen) *vlen = e->vlen;
  return e_val(e);
}

void xs_entry_meta(const xs_entry *e, xs_meta *m) {
  memcpy(&m->expire_ms, e->times, 8);
  memcpy(&m->max_idle_ms, e->times + 8, 8);
  memcpy(&m->last_used_ms, e->times + 16, 8);
  m->ver = e->ver;
  m->vtype = (uint8_t)(e->kc >> VTYPE_SHIFT);
}

void xs_entry_set_meta(xs_entry *e, const xs_meta *m) {
  assert(m);
  entry_set_meta(e, m);
}

/* The hash is not stored (8 bytes an entry); keys are short and the hash is
 * cheap, and nothing on a hot path asks an entry for it. */
uint64_t xs_entry_hash(const xs_entry *e) { return xs_hash_bytes(e_key(e), e_klen(e)); }

xs_entry *xs_store_next(const xs_store *s, size_t *cursor) {
  for (size_t i = *cursor; i < s->len; i++) {
    if (s->dense[i]) {
      *cursor = i + 1;
      return s->dense[i];
    }
  }
  if (*cursor < s->len) *cursor = s->len;
  return NULL;
}

void xs_store_pin(xs_store *s) {
  assert(s->pins < UINT32_MAX);
  s->pins++;
}

void xs_store_unpin(xs_store *s) {
  assert(s->pins > 0);
  s->pins--;
}

size_t xs_store_overhead_bytes(const xs_store *s) {
  assert(s->heap >= s->payload);
  return s->heap - s->payload;
}
