/*
 * store.h - the key/value store behind one cache on one site.
 *
 * A store maps byte-string keys to byte-string values with their metadata.
 * Lookups, inserts and removes are O(1); iteration is cursor based, in a
 * deterministic order (insertion order, with no dependence on addresses or
 * hash seeds), and a cursor stays valid while entries are added and removed -
 * state transfer walks a store in chunks while clients keep writing.
 *
 * Memory is the point of this module: an entry costs at most 64 bytes beyond
 * its key and value (index, entry header and allocator overhead together).
 * Expiry is not enforced here; callers compare expire_ms with the clock.
 */
#ifndef XS_STORE_H
#define XS_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xsim.h"

typedef struct xs_store xs_store;
typedef struct xs_entry xs_entry;

/* The metadata kept with each entry. */
typedef struct xs_meta {
  xs_ms expire_ms;    /* absolute lifespan end, XS_TIME_NEVER when immortal */
  xs_ms max_idle_ms;  /* -1 when none */
  xs_ms last_used_ms; /* for max-idle */
  uint32_t ver;       /* opaque handle owned by the IRAC module; 0 = none */
  uint8_t vtype;      /* opaque value-type tag; 0 = bytes */
} xs_meta;

/* Deterministic 64-bit hash of a key (fixed seed; same on every run). */
uint64_t xs_hash_bytes(const void *p, size_t len);

xs_store *xs_store_new(void);
void xs_store_free(xs_store *s);

/* Number of entries held. */
size_t xs_store_count(const xs_store *s);

/* A hint that `hash` will be looked up soon: starts loading its index slot
 * into the cache.  Changes nothing.  The simulation knows a key well before
 * it uses it (a write is submitted, then started; sent, then delivered), and
 * in a large store each lookup otherwise waits for memory. */
void xs_store_prefetch(const xs_store *s, uint64_t hash);
/* The next steps of the same hint, once the index slot is cached: depth 1
 * loads the entry's place in the dense array, depth 2 the entry itself.
 * A lookup in a large store waits for those three loads one after another;
 * issued a little apart, they overlap with other work. */
void xs_store_prefetch_deeper(const xs_store *s, uint64_t hash, int depth);

/* Finds a key; NULL when absent.  `hash` is xs_hash_bytes(key, klen). */
xs_entry *xs_store_find(const xs_store *s, const uint8_t *key, uint32_t klen, uint64_t hash);

/* Inserts or replaces.  On success *out (if given) is the entry, which is
 * valid until the next modification of the store.  Returns 0, XS_ENOMEM or
 * XS_ELIMIT (key or value over the limits in xsim.h). */
int xs_store_put(xs_store *s, const uint8_t *key, uint32_t klen, uint64_t hash,
                 const uint8_t *val, uint32_t vlen, const xs_meta *m, xs_entry **out);

/* xs_store_put that also gives the replaced entry's version handle in
 * *old_ver (0 when the key was new, or on failure): one probe, where a
 * find before the put takes two. */
int xs_store_put_ver(xs_store *s, const uint8_t *key, uint32_t klen, uint64_t hash,
                     const uint8_t *val, uint32_t vlen, const xs_meta *m, uint32_t *old_ver);

/* Removes a key.  Returns 0, or XS_ENOTFOUND when absent. */
int xs_store_remove(xs_store *s, const uint8_t *key, uint32_t klen, uint64_t hash);

/* Removes every entry (cursors restart from 0). */
void xs_store_clear(xs_store *s);

/* Entry accessors. */
const uint8_t *xs_entry_key(const xs_entry *e, uint32_t *klen);
const uint8_t *xs_entry_value(const xs_entry *e, uint32_t *vlen);
void xs_entry_meta(const xs_entry *e, xs_meta *m);
void xs_entry_set_meta(xs_entry *e, const xs_meta *m);
uint64_t xs_entry_hash(const xs_entry *e);

/* Iteration.  Start with cursor 0; each call returns the next entry at or
 * after *cursor and advances *cursor past it, or NULL at the end.  While a
 * store is pinned (pin count > 0) it never moves entries between cursor
 * positions, so a walk sees every entry that was present for its whole
 * duration exactly once; entries added during the walk may or may not be
 * seen.  Unpinned stores may compact on any modification. */
xs_entry *xs_store_next(const xs_store *s, size_t *cursor);
void xs_store_pin(xs_store *s);
void xs_store_unpin(xs_store *s);

/* Bytes the store uses beyond the keys' and values' own bytes, for the
 * memory benchmark: index, entry headers, slack and allocator overhead. */
size_t xs_store_overhead_bytes(const xs_store *s);

#endif /* XS_STORE_H */
