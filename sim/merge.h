/*
 * merge.h - the cross-site merge policies Infinispan applies when IRAC sees
 * two concurrent versions of a key: DEFAULT, PREFER_NON_NULL, PREFER_NULL and
 * ALWAYS_REMOVE (org.infinispan.xsite.spi.*), and how the result is applied
 * (DefaultIracManager / resolveConflict).
 */
#ifndef XS_MERGE_H
#define XS_MERGE_H

#include <stdbool.h>
#include <stdint.h>

#include "xsim.h"

/* SiteEntry: the site that produced a value and the value; is_null means the
 * key is absent or removed there. */
typedef struct xs_site_entry {
  const char *site;       /* site name, compared like Java String.compareTo */
  bool is_null;
  const uint8_t *value;
  uint32_t value_len;
} xs_site_entry;

typedef enum {
  XS_MERGE_LOCAL_WINS = 0,  /* discard the remote update */
  XS_MERGE_REMOTE_WINS = 1, /* apply the remote update */
  XS_MERGE_MERGED = 2,      /* apply *out, which is neither side as it was */
} xs_merge_outcome;

/* Java String.compareTo on the names (UTF-16 code units; for the ASCII names
 * sites have this is byte order, then length). */
int xs_merge_site_compare(const char *a, const char *b);

/* Resolves a conflict between the local and the remote entry with `policy`.
 * *out is the resolved entry (pointing at one side's bytes, or null). */
xs_merge_outcome xs_merge_resolve(xs_merge_policy policy, const xs_site_entry *local,
                                  const xs_site_entry *remote, xs_site_entry *out);

/* "DEFAULT", "PREFER_NON_NULL", ...; and the reverse, case-insensitive
 * (XSiteMergePolicy.fromString).  parse returns -1 for an unknown name. */
const char *xs_merge_policy_name(xs_merge_policy p);
int xs_merge_policy_parse(const char *name);

#endif /* XS_MERGE_H */
