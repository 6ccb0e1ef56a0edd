/*
 * merge.c - the cross-site merge policies (org.infinispan.xsite.spi) and the
 * rule that turns a policy's answer into "local wins", "remote wins" or
 * "merged" (NonTxIracRemoteSiteInterceptor.resolveConflict).
 *
 * Everything here is a pure function of its arguments: the resolved entry
 * points at one side's site name and bytes, never at new memory.
 */
#include "merge.h"

#include <assert.h>
#include <stddef.h>
#include <string.h>

/* ------------------------------------------------------------------------ */
/* Java String.compareTo over UTF-8 input                                     */

/* Walks a UTF-8 string as the UTF-16 code units a Java String of the same
 * text holds.  The order differs from byte order only for supplementary
 * characters (surrogates D800..DFFF sort below E000..FFFF), but that is the
 * order Infinispan uses, so we reproduce it.  Malformed input becomes U+FFFD,
 * one per maximal ill-formed subsequence, as Java's UTF-8 decoder does. */
typedef struct u16_iter {
  const unsigned char *p;
  unsigned pending; /* a low surrogate still to return, or 0 */
} u16_iter;

#define REPLACEMENT_CHAR 0xFFFDu

/* Decodes one code point at *pp and advances past it. */
static unsigned utf8_decode(const unsigned char **pp) {
  const unsigned char *p = *pp;
  unsigned c = p[0], need, cp;
  unsigned char lo = 0x80, hi = 0xBF; /* valid range of the second byte */

  if (c < 0x80) { *pp = p + 1; return c; }
  if (c >= 0xC2 && c <= 0xDF) { need = 1; cp = c & 0x1F; }
  else if (c >= 0xE0 && c <= 0xEF) {
    need = 2; cp = c & 0x0F;
    if (c == 0xE0) lo = 0xA0;      /* no overlong forms */
    else if (c == 0xED) hi = 0x9F; /* no encoded surrogates */
  } else if (c >= 0xF0 && c <= 0xF4) {
    need = 3; cp = c & 0x07;
    if (c == 0xF0) lo = 0x90;      /* no overlong forms */
    else if (c == 0xF4) hi = 0x8F; /* nothing above U+10FFFF */
  } else { *pp = p + 1; return REPLACEMENT_CHAR; }

  for (unsigned i = 1; i <= need; i++) {
    unsigned b = p[i]; /* a NUL terminator fails the test and stops us */
    if (b < lo || b > hi) { *pp = p + i; return REPLACEMENT_CHAR; }
    cp = (cp << 6) | (b & 0x3F);
    lo = 0x80; hi = 0xBF;
  }
  *pp = p + need + 1;
  return cp;
}

/* Next UTF-16 code unit, or -1 at the end of the string. */
static long u16_next(u16_iter *it) {
  unsigned cp;

  if (it->pending != 0) {
    cp = it->pending;
    it->pending = 0;
    return (long)cp;
  }
  if (*it->p == '\0') return -1;
  cp = utf8_decode(&it->p);
  if (cp < 0x10000u) return (long)cp;
  cp -= 0x10000u;
  it->pending = 0xDC00u + (cp & 0x3FFu);
  return (long)(0xD800u + (cp >> 10));
}

static int u16_remaining(u16_iter *it) {
  int n = 0;
  while (u16_next(it) >= 0) n++;
  return n;
}

int xs_merge_site_compare(const char *a, const char *b) {
  u16_iter ia, ib;

  /* SiteEntry refuses a null site name; so do we. */
  assert(a != NULL && b != NULL);
  ia.p = (const unsigned char *)a;
  ia.pending = 0;
  ib.p = (const unsigned char *)b;
  ib.pending = 0;
  for (;;) {
    long ca = u16_next(&ia), cb = u16_next(&ib);
    /* Java returns the difference of the first differing units, else the
     * difference of the lengths; callers only rely on the sign, but keeping
     * the magnitude makes the tests' expectations read like Java's. */
    if (ca < 0 && cb < 0) return 0;
    if (ca < 0) return -(1 + u16_remaining(&ib));
    if (cb < 0) return 1 + u16_remaining(&ia);
    if (ca != cb) return (int)(ca - cb);
  }
}

/* ------------------------------------------------------------------------ */
/* Policies                                                                   */

static xs_site_entry null_entry(const char *site) {
  xs_site_entry e;
  e.site = site;
  e.is_null = true;
  e.value = NULL;
  e.value_len = 0;
  return e;
}

/* DefaultXSiteEntryMergePolicy: the lexicographically smaller site wins; on
 * a tie (which Infinispan asserts never happens) the local entry is kept. */
static xs_site_entry merge_default(const xs_site_entry *local, const xs_site_entry *remote) {
  return xs_merge_site_compare(local->site, remote->site) <= 0 ? *local : *remote;
}

/* Which entry each policy resolves to.  The two "prefer" policies differ only
 * in which side of a write/remove conflict they keep; when both sides are the
 * same kind they defer to DEFAULT. */
static xs_site_entry merge_apply(xs_merge_policy policy, const xs_site_entry *local,
                                 const xs_site_entry *remote) {
  switch (policy) {
  case XS_MERGE_DEFAULT:
    return merge_default(local, remote);
  case XS_MERGE_PREFER_NON_NULL:
    if (local->is_null == remote->is_null) return merge_default(local, remote);
    return local->is_null ? *remote : *local;
  case XS_MERGE_PREFER_NULL:
    if (local->is_null == remote->is_null) return merge_default(local, remote);
    return local->is_null ? *local : *remote;
  case XS_MERGE_ALWAYS_REMOVE:
    /* A fresh null entry tagged with the smaller site name; strictly smaller,
     * so on a tie the remote name is used (AlwaysRemoveXSiteEntryMergePolicy). */
    return null_entry(xs_merge_site_compare(local->site, remote->site) < 0 ? local->site
                                                                          : remote->site);
  }
  assert(!"unknown merge policy");
  return merge_default(local, remote);
}

/* SiteEntry.equals as far as the simulator models it: the site, whether there
 * is a value, and the value's bytes.  (Infinispan also compares the Metadata
 * object; the simulator keeps no per-entry metadata in SiteEntry.) */
static bool entry_equal(const xs_site_entry *a, const xs_site_entry *b) {
  if (xs_merge_site_compare(a->site, b->site) != 0) return false;
  if (a->is_null != b->is_null) return false;
  if (a->is_null) return true;
  if (a->value_len != b->value_len) return false;
  return a->value_len == 0 || memcmp(a->value, b->value, a->value_len) == 0;
}

xs_merge_outcome xs_merge_resolve(xs_merge_policy policy, const xs_site_entry *local,
                                  const xs_site_entry *remote, xs_site_entry *out) {
  xs_site_entry r;
  xs_merge_outcome o;

  assert(local != NULL && remote != NULL && out != NULL);
  r = merge_apply(policy, local, remote);
  /* Local is tested first, as Infinispan does: when both sides are equal the
   * update changes nothing and is discarded. */
  if (entry_equal(&r, local)) o = XS_MERGE_LOCAL_WINS;
  else if (entry_equal(&r, remote)) o = XS_MERGE_REMOTE_WINS;
  else o = XS_MERGE_MERGED;
  /* Only now: out may alias local or remote, which the tests above read. */
  *out = r;
  return o;
}

/* ------------------------------------------------------------------------ */
/* Names                                                                      */

static const char *const policy_names[] = {
  [XS_MERGE_DEFAULT] = "DEFAULT",
  [XS_MERGE_PREFER_NON_NULL] = "PREFER_NON_NULL",
  [XS_MERGE_PREFER_NULL] = "PREFER_NULL",
  [XS_MERGE_ALWAYS_REMOVE] = "ALWAYS_REMOVE",
};
#define POLICY_COUNT ((int)(sizeof policy_names / sizeof policy_names[0]))

const char *xs_merge_policy_name(xs_merge_policy p) {
  if ((int)p < 0 || (int)p >= POLICY_COUNT) return "UNKNOWN";
  return policy_names[p];
}

/* Java's equalsIgnoreCase on an ASCII name against UTF-8 input.  ASCII
 * letters fold as usual.  The one non-ASCII character that Java folds onto a
 * letter of our names is U+017F LATIN SMALL LETTER LONG S (upper case 'S'),
 * and it is a single UTF-16 unit, so "ALWAY\u017F_REMOVE" matches in Java
 * and matches here.  (U+0131 and U+212A fold onto 'I' and 'K', which none of
 * the names contain.) */
static bool name_equal_ignore_case(const char *name, const char *in) {
  const unsigned char *p = (const unsigned char *)in;

  for (const char *n = name; *n != '\0'; n++) {
    unsigned c = *p;
    if (c == 0xC5 && p[1] == 0xBF && *n == 'S') { p += 2; continue; }
    if (c >= 'a' && c <= 'z') c -= 'a' - 'A';
    if (c != (unsigned char)*n) return false;
    p++;
  }
  return *p == '\0';
}

int xs_merge_policy_parse(const char *name) {
  if (name == NULL) return -1;
  for (int i = 0; i < POLICY_COUNT; i++)
    if (name_equal_ignore_case(policy_names[i], name)) return i;
  return -1;
}
