/*
 * javamap.h - the iteration order of a java.util.HashMap<String, ?>.
 *
 * Infinispan builds the maps its REST API returns ("take-offline all caches",
 * "push-state-status", site status) in a HashMap and serialises them in that
 * map's iteration order, so byte-exact answers need the same order
 * (reference infinispan-xsite.md section 3.5).  This module reproduces it
 * for string keys inserted in a given order: String.hashCode over UTF-16,
 * the spread h ^ (h >>> 16), 16 buckets doubling when the size passes 0.75 of
 * the capacity (or when a bucket grows past 8 entries while the table is
 * smaller than 64), insertion order within a bucket.
 */
#ifndef XS_JAVAMAP_H
#define XS_JAVAMAP_H

#include <stddef.h>
#include <stdint.h>

#define XS_JAVAMAP_KEYS_MAX 4096 /* keys one call orders */

/* java.lang.String.hashCode() of UTF-8 text (decoded to UTF-16 code units;
 * a malformed byte counts as U+FFFD, as new String(bytes, UTF_8) does). */
int32_t xs_java_string_hash(const char *s, size_t len);

/* The table capacity a HashMap with default settings ends with after the
 * n distinct keys are put in order. */
uint32_t xs_javamap_capacity(const char *const *keys, size_t n);

/* Writes to order[0..n) the indexes of keys[] in the order a HashMap
 * iterates them after they were put in index order.  A key equal to an
 * earlier one is a replacement in Java and keeps the earlier place, so it is
 * left out; returns the number of indexes written, or XS_EINVAL / XS_ELIMIT
 * (more than XS_JAVAMAP_KEYS_MAX keys) / XS_ENOMEM. */
int xs_javamap_order(const char *const *keys, size_t n, size_t *order);

#endif /* XS_JAVAMAP_H */
