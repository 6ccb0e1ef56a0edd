/*
 * irac_version.h - IRAC entry versions: a vector clock per entry, as
 * Infinispan's IracEntryVersion / TopologyIracVersion, plus IracMetadata
 * (the site that produced the value) and a pool that hands out compact
 * 32-bit handles so that store entries carry 4 bytes, not a whole vector.
 *
 * Only caches with an ASYNC backup carry versions (as in Infinispan, where
 * the IRAC interceptors exist only then).
 */
#ifndef XS_IRAC_VERSION_H
#define XS_IRAC_VERSION_H

#include <stdbool.h>
#include <stdint.h>

#include "xsim.h"

/* One component: compared by topology id first, then counter. */
typedef struct xs_irac_elem {
  uint32_t topology;
  uint32_t counter;
} xs_irac_elem;

/* A vector clock over the simulation's sites; a missing site is (0,0). */
typedef struct xs_irac_version {
  xs_irac_elem e[XS_SITES_MAX];
} xs_irac_version;

/* IracMetadata: the producing site and the version. */
typedef struct xs_irac_meta {
  int8_t site;            /* index of the site that produced the value */
  xs_irac_version version;
} xs_irac_meta;

typedef enum {
  XS_VER_EQUAL = 0,
  XS_VER_BEFORE = 1,      /* a happened before b */
  XS_VER_AFTER = 2,       /* a happened after b */
  XS_VER_CONFLICTING = 3, /* concurrent */
} xs_ver_order;

/* a.compareTo(b), as IracEntryVersion.compareTo. */
xs_ver_order xs_irac_version_compare(const xs_irac_version *a, const xs_irac_version *b);
/* out = component-wise max of a and b (out may alias either). */
void xs_irac_version_merge(xs_irac_version *out, const xs_irac_version *a,
                           const xs_irac_version *b);
/* Increments `site`'s component at `topology`: a newer topology restarts the
 * counter at 1, the same one adds 1. */
void xs_irac_version_increment(xs_irac_version *v, int site, uint32_t topology);
/* Formats "(site-a=1:3, site-b=0:0)"-like text for logs; returns bytes written. */
int xs_irac_version_format(const xs_irac_version *v, int nsites, char *buf, size_t len);

/* A pool of xs_irac_meta addressed by 32-bit handles; handle 0 means none.
 * Handles are reference counted so an entry and a pending IRAC update can
 * share one.  The pool keeps only the components of the nsites sites given
 * to xs_irac_pool_new (the simulation's sites), not XS_SITES_MAX of them, so
 * its metadata are copied in and out rather than handed out by pointer. */
typedef struct xs_irac_pool xs_irac_pool;
/* NULL when out of memory or nsites is not in 1..XS_SITES_MAX. */
xs_irac_pool *xs_irac_pool_new(int nsites);
void xs_irac_pool_free(xs_irac_pool *p);
int xs_irac_pool_nsites(const xs_irac_pool *p);
/* Returns a new handle with refcount 1, or 0 when out of memory.  The
 * components of sites from nsites on must be (0,0): the pool has no room for
 * them. */
uint32_t xs_irac_pool_add(xs_irac_pool *p, const xs_irac_meta *m);
/* Copies h's metadata into *out, components from nsites on as (0,0), and
 * returns true; for handle 0 sets *out to "none" (site -1, all (0,0)) and
 * returns false. */
bool xs_irac_pool_read(const xs_irac_pool *p, uint32_t h, xs_irac_meta *out);
void xs_irac_pool_ref(xs_irac_pool *p, uint32_t h);
void xs_irac_pool_unref(xs_irac_pool *p, uint32_t h);
size_t xs_irac_pool_live(const xs_irac_pool *p);

#endif /* XS_IRAC_VERSION_H */
