/*
 * test_javamap.c - java.util.HashMap<String, ?> iteration order (javamap.c)
 * against the orders reference infinispan-xsite.md section 3.5 states were
 * verified on a JDK: Keycloak's 8 caches and the 4-cache setup, inserted in
 * alphabetical order as Infinispan 15+ does (getCacheNames() is a TreeSet).
 * Plus String.hashCode values known from Java, resizes, bucket collisions
 * and duplicate keys.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "javamap.h"
#include "xsim.h"

static void assert_order(const char *const *keys, size_t n, const char *const *want, size_t nwant) {
  size_t order[64];
  int m = xs_javamap_order(keys, n, order);
  assert_int_equal(m, (int)nwant);
  for (size_t i = 0; i < nwant; i++) assert_string_equal(keys[order[i]], want[i]);
}

/* "hello".hashCode() == 99162322, "".hashCode() == 0, "Aa" and "BB" collide
 * (2112), and non-ASCII text hashes over UTF-16 units: "é" is 233, and
 * U+1F600 is the surrogate pair D83D DE00. */
static void test_string_hash(void **state) {
  assert_int_equal(xs_java_string_hash("hello", 5), 99162322);
  assert_int_equal(xs_java_string_hash("", 0), 0);
  assert_int_equal(xs_java_string_hash("Aa", 2), 2112);
  assert_int_equal(xs_java_string_hash("BB", 2), 2112);
  assert_int_equal(xs_java_string_hash("\xc3\xa9", 2), 233);
  assert_int_equal(xs_java_string_hash("\xf0\x9f\x98\x80", 4), 0xd83d * 31 + 0xde00);
  /* A long string wraps like Java's int: "sessions".hashCode() */
  assert_int_equal(xs_java_string_hash("sessions", 8), 1405079709);
  /* A malformed byte is U+FFFD. */
  assert_int_equal(xs_java_string_hash("\xff", 1), 0xfffd);
}

/* The 8 Keycloak caches: Infinispan 16 prints actionTokens before
 * loginFailures (they share bucket 14; alphabetical insertion decides). */
static void test_keycloak_eight(void **state) {
  static const char *const alpha[] = {
      "actionTokens", "authenticationSessions", "clientSessions", "loginFailures",
      "offlineClientSessions", "offlineSessions", "sessions", "work",
  };
  static const char *const want[] = {
      "offlineClientSessions", "authenticationSessions", "sessions", "clientSessions",
      "work", "offlineSessions", "actionTokens", "loginFailures",
  };
  assert_order(alpha, 8, want, 8);
  assert_int_equal(xs_javamap_capacity(alpha, 8), 16);
}

/* With loginFailures inserted before actionTokens (ISPN 14 iterated a
 * HashSet), the shared bucket flips - which is what the Keycloak docs,
 * generated then, show. */
static void test_bucket_tie_follows_insertion(void **state) {
  static const char *const ispn14[] = {
      "loginFailures", "actionTokens", "authenticationSessions", "clientSessions",
      "offlineClientSessions", "offlineSessions", "sessions", "work",
  };
  static const char *const want[] = {
      "offlineClientSessions", "authenticationSessions", "sessions", "clientSessions",
      "work", "offlineSessions", "loginFailures", "actionTokens",
  };
  assert_order(ispn14, 8, want, 8);
}

static void test_keycloak_four(void **state) {
  static const char *const alpha[] = {"actionTokens", "authenticationSessions", "loginFailures", "work"};
  static const char *const want[] = {"authenticationSessions", "work", "actionTokens", "loginFailures"};
  assert_order(alpha, 4, want, 4);
}

/* Two sites and the push-status map: {"site-b":..} alone, and both names
 * in a stable order whatever the insertion order (different buckets). */
static void test_sites(void **state) {
  static const char *const ab[] = {"site-a", "site-b"}, *const ba[] = {"site-b", "site-a"};
  size_t o1[2], o2[2];
  assert_int_equal(xs_javamap_order(ab, 2, o1), 2);
  assert_int_equal(xs_javamap_order(ba, 2, o2), 2);
  assert_string_equal(ab[o1[0]], ba[o2[0]]);
  assert_string_equal(ab[o1[1]], ba[o2[1]]);
}

/* 13 keys pass the 0.75 load factor of 16: the table doubles to 32 and the
 * order is by bucket at capacity 32. */
static void test_resize(void **state) {
  char buf[13][8];
  const char *keys[13];
  for (int i = 0; i < 13; i++) {
    snprintf(buf[i], sizeof buf[i], "k%d", i);
    keys[i] = buf[i];
  }
  assert_int_equal(xs_javamap_capacity(keys, 12), 16);
  assert_int_equal(xs_javamap_capacity(keys, 13), 32);
  size_t order[13];
  assert_int_equal(xs_javamap_order(keys, 13, order), 13);
  for (int i = 1; i < 13; i++) {
    uint32_t ha = (uint32_t)xs_java_string_hash(keys[order[i - 1]], strlen(keys[order[i - 1]]));
    uint32_t hb = (uint32_t)xs_java_string_hash(keys[order[i]], strlen(keys[order[i]]));
    ha = (ha ^ (ha >> 16)) & 31;
    hb = (hb ^ (hb >> 16)) & 31;
    assert_true(ha < hb || (ha == hb && order[i - 1] < order[i]));
  }
}

/* Nine keys in one bucket of a small table make treeifyBin resize it
 * instead (capacity < 64); "Aa"/"BB" combinations all share one hash. */
static void test_long_bin_resizes(void **state) {
  static const char *const same[] = {
      "AaAaAa", "AaAaBB", "AaBBAa", "AaBBBB", "BBAaAa", "BBAaBB", "BBBBAa", "BBBBBB", "AaAaAa",
  };
  /* 8 distinct colliding keys (the 9th repeats the first): no resize. */
  assert_int_equal(xs_javamap_capacity(same, 9), 16);
  static const char *const nine[] = {
      "AaAaAa", "AaAaBB", "AaBBAa", "AaBBBB", "BBAaAa", "BBAaBB", "BBBBAa", "BBBBBB", "AaAaAaAa",
  };
  /* The 9th key has another hash: different bucket, no long bin. */
  assert_int_equal(xs_javamap_capacity(nine, 9), 16);
  static const char *const long_bin[] = {
      "AaAaAaAa", "AaAaAaBB", "AaAaBBAa", "AaAaBBBB", "AaBBAaAa",
      "AaBBAaBB", "AaBBBBAa", "AaBBBBBB", "BBAaAaAa",
  };
  /* Nine in one bucket: the 9th put finds 8 there and doubles to 32. */
  assert_int_equal(xs_javamap_capacity(long_bin, 9), 32);
  size_t order[9];
  assert_int_equal(xs_javamap_order(long_bin, 9, order), 9);
  for (int i = 0; i < 9; i++) assert_int_equal(order[i], i); /* one bucket: insertion order */
}

static void test_duplicates_and_errors(void **state) {
  static const char *const keys[] = {"work", "sessions", "work"};
  size_t order[3];
  assert_int_equal(xs_javamap_order(keys, 3, order), 2);
  assert_int_equal(xs_javamap_order(NULL, 0, NULL), 0);
  assert_int_equal(xs_javamap_order(NULL, 2, order), XS_EINVAL);
  assert_int_equal(xs_javamap_order(keys, XS_JAVAMAP_KEYS_MAX + 1, order), XS_ELIMIT);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_string_hash),
      cmocka_unit_test(test_keycloak_eight),
      cmocka_unit_test(test_bucket_tie_follows_insertion),
      cmocka_unit_test(test_keycloak_four),
      cmocka_unit_test(test_sites),
      cmocka_unit_test(test_resize),
      cmocka_unit_test(test_long_bin_resizes),
      cmocka_unit_test(test_duplicates_and_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
