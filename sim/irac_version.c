/*
 * irac_version.c - IRAC version vectors (Infinispan's IracEntryVersion over
 * TopologyIracVersion elements) and the handle pool that lets a store entry
 * refer to its IracMetadata with a 4-byte handle.
 *
 * A version is a fixed array with one (topology, counter) pair per site of
 * the simulation; a site that never wrote is (0,0), which is exactly how
 * Infinispan treats a site missing from the map, so no presence bit is
 * needed.  The pool, which holds one version per stored entry, keeps only
 * the components of the sites that exist and reads the rest back as (0,0).
 */
#include "irac_version.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------ */
/* Versions                                                                   */

/* TopologyIracVersion.compareTo: the topology id dominates, so any write in a
 * newer topology is "after" every write of an older one, whatever the
 * counters say. */
static int elem_cmp(const xs_irac_elem *a, const xs_irac_elem *b) {
  if (a->topology != b->topology) return a->topology < b->topology ? -1 : 1;
  if (a->counter != b->counter) return a->counter < b->counter ? -1 : 1;
  return 0;
}

xs_ver_order xs_irac_version_compare(const xs_irac_version *a, const xs_irac_version *b) {
  bool less = false, greater = false;

  assert(a != NULL && b != NULL);
  /* Infinispan walks the union of both maps and feeds each pair to a small
   * state machine; remembering "saw <" and "saw >" is the same machine
   * flattened: both seen is a conflict, one of them decides the direction. */
  for (int i = 0; i < XS_SITES_MAX; i++) {
    int c = elem_cmp(&a->e[i], &b->e[i]);
    if (c < 0) less = true;
    else if (c > 0) greater = true;
    if (less && greater) return XS_VER_CONFLICTING;
  }
  if (less) return XS_VER_BEFORE;
  if (greater) return XS_VER_AFTER;
  return XS_VER_EQUAL;
}

void xs_irac_version_merge(xs_irac_version *out, const xs_irac_version *a,
                           const xs_irac_version *b) {
  assert(out != NULL && a != NULL && b != NULL);
  /* Element by element, so out may alias a or b: each slot is read before it
   * is written and no slot is read again afterwards. */
  for (int i = 0; i < XS_SITES_MAX; i++) {
    /* TopologyIracVersion.max keeps the first argument on a tie; ties are
     * identical pairs, so which one we copy does not matter. */
    out->e[i] = elem_cmp(&a->e[i], &b->e[i]) < 0 ? b->e[i] : a->e[i];
  }
}

void xs_irac_version_increment(xs_irac_version *v, int site, uint32_t topology) {
  xs_irac_elem *e;

  assert(v != NULL);
  assert(site >= 0 && site < XS_SITES_MAX);
  e = &v->e[site];
  /* TopologyIracVersion.increment: only a strictly newer topology restarts
   * the counter.  An older topology id (a node that has not caught up with a
   * version it already merged) must not move the element backwards, so it
   * keeps the element's topology and just bumps the counter. */
  if (topology > e->topology) {
    e->topology = topology;
    e->counter = 1;
  } else {
    assert(e->counter < UINT32_MAX);
    e->counter++;
  }
}

int xs_irac_version_format(const xs_irac_version *v, int nsites, char *buf, size_t len) {
  size_t off = 0;

  if (v == NULL || nsites < 0 || nsites > XS_SITES_MAX || (buf == NULL && len > 0))
    return XS_EINVAL;
  /* snprintf-style: keep counting after the buffer is full so the caller can
   * tell truncation (return >= len) and size a second attempt. */
  for (int i = -1; i <= nsites; i++) {
    char piece[48];
    int n;

    if (i < 0) n = snprintf(piece, sizeof piece, "(");
    else if (i == nsites) n = snprintf(piece, sizeof piece, ")");
    else
      n = snprintf(piece, sizeof piece, "%ss%d=%u:%u", i > 0 ? ", " : "", i,
                   (unsigned)v->e[i].topology, (unsigned)v->e[i].counter);
    assert(n > 0 && (size_t)n < sizeof piece);
    if (off < len) {
      size_t room = len - off - 1;
      size_t take = (size_t)n < room ? (size_t)n : room;
      memcpy(buf + off, piece, take);
      buf[off + take] = '\0';
    }
    off += (size_t)n;
  }
  return (int)off;
}

/* ------------------------------------------------------------------------ */
/* Handle pool                                                                */

/* Handle h lives in slot h - 1, so that 0 can mean "no metadata" without
 * wasting a slot.  A slot holds only the components of the pool's nsites
 * sites: with the usual 2 sites that is 24 bytes, where a whole xs_irac_meta
 * sized for XS_SITES_MAX would take 76.  Its size is therefore only known at
 * run time, so the slots are one byte array with a fixed stride rather than
 * an array of structs.  A slot with refs == 0 is on the free list, linked
 * through next_free (a handle, 0 ends the list); only a live slot needs its
 * producing site, so the two share a word. */
typedef struct pool_slot {
  uint32_t refs;
  union {
    int32_t site;       /* live: the site that produced the value */
    uint32_t next_free; /* free: the next free handle */
  };
  xs_irac_elem e[];     /* the first nsites components of the version */
} pool_slot;

struct xs_irac_pool {
  unsigned char *slots;
  size_t stride;      /* bytes per slot: the header and nsites components */
  int nsites;
  uint32_t cap;       /* slots allocated */
  uint32_t used;      /* slots ever handed out: handles 1..used exist */
  uint32_t free_head; /* most recently freed handle, reused first */
  size_t live;        /* handles with refs > 0 */
};

#define POOL_INITIAL_CAP 64u
/* The largest handle: 32 bits, minus the 0 that means none. */
#define POOL_MAX_SLOTS (UINT32_MAX - 1u)

xs_irac_pool *xs_irac_pool_new(int nsites) {
  xs_irac_pool *p;

  if (nsites < 1 || nsites > XS_SITES_MAX) return NULL;
  p = calloc(1, sizeof(xs_irac_pool));
  if (p == NULL) return NULL;
  p->nsites = nsites;
  p->stride = sizeof(pool_slot) + (size_t)nsites * sizeof(xs_irac_elem);
  return p;
}

void xs_irac_pool_free(xs_irac_pool *p) {
  if (p == NULL) return;
  free(p->slots);
  free(p);
}

int xs_irac_pool_nsites(const xs_irac_pool *p) {
  assert(p != NULL);
  return p->nsites;
}

/* The stride is a multiple of the header's alignment (a whole number of
 * 4-byte words), so every slot is aligned for pool_slot. */
static pool_slot *slot_at(const xs_irac_pool *p, uint32_t h) {
  return (pool_slot *)(void *)(p->slots + (size_t)(h - 1) * p->stride);
}

/* Doubling keeps add amortised O(1); handles are indices and no pointer into
 * the array ever leaves the pool, so moving it invalidates nothing. */
static int pool_grow(xs_irac_pool *p) {
  uint32_t ncap;
  unsigned char *ns;

  if (p->cap >= POOL_MAX_SLOTS) return XS_ELIMIT;
  ncap = p->cap == 0 ? POOL_INITIAL_CAP
         : p->cap > POOL_MAX_SLOTS / 2 ? POOL_MAX_SLOTS : p->cap * 2;
  /* Only a 32-bit size_t can overflow here. */
  if ((uint64_t)ncap * p->stride > SIZE_MAX) return XS_ENOMEM;
  ns = realloc(p->slots, (size_t)ncap * p->stride);
  if (ns == NULL) return XS_ENOMEM;
  p->slots = ns;
  p->cap = ncap;
  return XS_OK;
}

uint32_t xs_irac_pool_add(xs_irac_pool *p, const xs_irac_meta *m) {
  uint32_t h;
  pool_slot *s;

  assert(p != NULL && m != NULL);
  /* A component past the pool's sites would be dropped here and read back as
   * (0,0), silently moving the version backwards. */
  for (int i = p->nsites; i < XS_SITES_MAX; i++)
    assert(m->version.e[i].topology == 0 && m->version.e[i].counter == 0 &&
           "irac pool: a version component past the pool's sites");
  if (p->free_head != 0) {
    h = p->free_head;
    s = slot_at(p, h);
    p->free_head = s->next_free;
  } else {
    if (p->used == p->cap && pool_grow(p) != XS_OK) return 0;
    h = ++p->used;
    s = slot_at(p, h);
  }
  s->refs = 1;
  s->site = m->site;
  memcpy(s->e, m->version.e, (size_t)p->nsites * sizeof(xs_irac_elem));
  p->live++;
  return h;
}

/* The slot of a live handle.  A dead or never-issued handle is a caller bug
 * (a double unref, a stale copy); catching it here beats corrupting the free
 * list and handing one slot to two owners later. */
static pool_slot *pool_live_slot(const xs_irac_pool *p, uint32_t h) {
  assert(p != NULL);
  assert(h != 0 && h <= p->used && "irac pool: handle never issued");
  if (h == 0 || h > p->used) return NULL;
  assert(slot_at(p, h)->refs > 0 && "irac pool: handle already released");
  if (slot_at(p, h)->refs == 0) return NULL;
  return slot_at(p, h);
}

/* A copy rather than a pointer: the slot has no whole xs_irac_meta to point
 * at, and a copy cannot dangle when a later add moves the array. */
bool xs_irac_pool_read(const xs_irac_pool *p, uint32_t h, xs_irac_meta *out) {
  const pool_slot *s;

  assert(p != NULL && out != NULL);
  memset(out, 0, sizeof *out);
  out->site = -1;
  if (h == 0) return false;
  s = pool_live_slot(p, h);
  if (s == NULL) return false;
  out->site = (int8_t)s->site;
  memcpy(out->version.e, s->e, (size_t)p->nsites * sizeof(xs_irac_elem));
  return true;
}

/* ref/unref of handle 0 are no-ops, like free(NULL), so that callers can
 * release an entry's metadata without first asking whether it has any. */
void xs_irac_pool_ref(xs_irac_pool *p, uint32_t h) {
  pool_slot *s;

  if (h == 0) return;
  s = pool_live_slot(p, h);
  if (s == NULL) return;
  assert(s->refs < UINT32_MAX && "irac pool: refcount overflow");
  s->refs++;
}

void xs_irac_pool_unref(xs_irac_pool *p, uint32_t h) {
  pool_slot *s;

  if (h == 0) return;
  s = pool_live_slot(p, h);
  if (s == NULL) return;
  if (--s->refs > 0) return;
  /* LIFO reuse: the slot just released is the one most likely in cache. */
  s->next_free = p->free_head;
  p->free_head = h;
  p->live--;
}

size_t xs_irac_pool_live(const xs_irac_pool *p) {
  assert(p != NULL);
  return p->live;
}
