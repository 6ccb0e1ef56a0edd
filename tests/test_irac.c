/*
 * test_irac.c - unit tests of the IRAC version vectors, the metadata handle
 * pool and the cross-site merge policies.
 *
 * Most cases port the assertions of Infinispan's own unit tests (each test
 * names the Java class and method it follows): XSiteMergePolicyUnitTest,
 * IracVersionUnitTest and TopologyIracVersionUnitTest.  The rest cover what
 * the C API adds: the pool, formatting and the "who won" outcome.
 */
#include "test_util.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include "irac_version.h"
#include "merge.h"

/* ------------------------------------------------------------------------ */
/* Helpers                                                                    */

/* The two sites of IracVersionUnitTest ("site_1", "site_2") as indices. */
enum { SITE_1 = 0, SITE_2 = 1 };

/* A stand-in for DefaultIracVersionGenerator with one segment: the site, the
 * current topology (1 after start) and the segment's version. */
typedef struct gen {
  int site;
  uint32_t topology;
  xs_irac_version seg;
} gen;

static gen gen_new(int site) {
  gen g;
  memset(&g, 0, sizeof g);
  g.site = site;
  g.topology = 1;
  return g;
}

/* generateNewMetadata(segment): bump the local element in the segment
 * version and hand out a copy. */
static xs_irac_meta gen_next(gen *g) {
  xs_irac_meta m;
  xs_irac_version_increment(&g->seg, g->site, g->topology);
  m.site = (int8_t)g->site;
  m.version = g->seg;
  return m;
}

/* updateVersion(segment, remote): merge, and adopt a newer topology that the
 * remote version carries for our own site. */
static void gen_update(gen *g, const xs_irac_version *remote) {
  xs_irac_version_merge(&g->seg, &g->seg, remote);
  if (remote->e[g->site].topology > g->topology) g->topology = remote->e[g->site].topology;
}

/* onTopologyChange. */
static void gen_topology_event(gen *g) { g->topology++; }

static void assert_site_version(const xs_irac_version *v, int site, uint32_t topology,
                                uint32_t counter) {
  assert_int_equal(v->e[site].topology, topology);
  assert_int_equal(v->e[site].counter, counter);
}

/* A site absent from the map is (0,0) here. */
static void assert_no_site_version(const xs_irac_version *v, int site) {
  assert_site_version(v, site, 0, 0);
}

static xs_irac_version one_elem(int site, uint32_t topology, uint32_t counter) {
  xs_irac_version v;
  memset(&v, 0, sizeof v);
  v.e[site].topology = topology;
  v.e[site].counter = counter;
  return v;
}

/* ------------------------------------------------------------------------ */
/* IracVersionUnitTest                                                        */

/* Ports IracVersionUnitTest.testEquals: two fresh generators of one site
 * produce versions that compare EQUAL both ways. */
static void test_version_equals(void **state) {
  (void)state;
  gen g1 = gen_new(SITE_1), g2 = gen_new(SITE_1);
  xs_irac_meta m1 = gen_next(&g1), m2 = gen_next(&g2);

  assert_int_equal(xs_irac_version_compare(&m1.version, &m2.version), XS_VER_EQUAL);
  assert_int_equal(xs_irac_version_compare(&m2.version, &m1.version), XS_VER_EQUAL);
}

/* Ports IracVersionUnitTest.testCompareDifferentTopology: a write after a
 * topology change is (2,1), after (1,1). */
static void test_version_compare_different_topology(void **state) {
  (void)state;
  gen g1 = gen_new(SITE_1);
  xs_irac_meta m1 = gen_next(&g1);
  gen_topology_event(&g1);
  xs_irac_meta m2 = gen_next(&g1);

  assert_site_version(&m1.version, SITE_1, 1, 1);
  assert_no_site_version(&m1.version, SITE_2);
  assert_site_version(&m2.version, SITE_1, 2, 1);
  assert_no_site_version(&m2.version, SITE_2);
  assert_int_equal(xs_irac_version_compare(&m1.version, &m2.version), XS_VER_BEFORE);
  assert_int_equal(xs_irac_version_compare(&m2.version, &m1.version), XS_VER_AFTER);
}

/* Ports IracVersionUnitTest.testCompareSameTopology: two writes in one
 * topology are (1,1) then (1,2). */
static void test_version_compare_same_topology(void **state) {
  (void)state;
  gen g1 = gen_new(SITE_1);
  xs_irac_meta m1 = gen_next(&g1);
  xs_irac_meta m2 = gen_next(&g1);

  assert_site_version(&m1.version, SITE_1, 1, 1);
  assert_no_site_version(&m1.version, SITE_2);
  assert_site_version(&m2.version, SITE_1, 1, 2);
  assert_no_site_version(&m2.version, SITE_2);
  assert_int_equal(xs_irac_version_compare(&m1.version, &m2.version), XS_VER_BEFORE);
  assert_int_equal(xs_irac_version_compare(&m2.version, &m1.version), XS_VER_AFTER);
}

/* Ports IracVersionUnitTest.testCausality: site 1 writes after seeing site
 * 2's write, so its version is after it. */
static void test_version_causality(void **state) {
  (void)state;
  gen g1 = gen_new(SITE_1), g2 = gen_new(SITE_2);
  xs_irac_meta m2 = gen_next(&g2);

  assert_no_site_version(&m2.version, SITE_1);
  assert_site_version(&m2.version, SITE_2, 1, 1);

  gen_update(&g1, &m2.version);
  xs_irac_meta m1 = gen_next(&g1);
  assert_site_version(&m1.version, SITE_1, 1, 1);
  assert_site_version(&m1.version, SITE_2, 1, 1);
  assert_int_equal(xs_irac_version_compare(&m2.version, &m1.version), XS_VER_BEFORE);
  assert_int_equal(xs_irac_version_compare(&m1.version, &m2.version), XS_VER_AFTER);
}

/* Ports IracVersionUnitTest.testConflictSameTopology: independent writes on
 * two sites are concurrent; the metadata keeps the producing site. */
static void test_version_conflict_same_topology(void **state) {
  (void)state;
  gen g1 = gen_new(SITE_1), g2 = gen_new(SITE_2);
  xs_irac_meta m1 = gen_next(&g1);
  xs_irac_meta m2 = gen_next(&g2);

  assert_int_equal(m1.site, SITE_1);
  assert_int_equal(m2.site, SITE_2);
  assert_site_version(&m1.version, SITE_1, 1, 1);
  assert_no_site_version(&m1.version, SITE_2);
  assert_no_site_version(&m2.version, SITE_1);
  assert_site_version(&m2.version, SITE_2, 1, 1);
  assert_int_equal(xs_irac_version_compare(&m1.version, &m2.version), XS_VER_CONFLICTING);
  /* Not asserted by the Java test, but the relation is symmetric. */
  assert_int_equal(xs_irac_version_compare(&m2.version, &m1.version), XS_VER_CONFLICTING);
}

/* Ports IracVersionUnitTest.testConflictDifferentTopology: m1 saw site 2 at
 * (1,2); site 2 then writes in topology 2, which it never showed site 1. */
static void test_version_conflict_different_topology(void **state) {
  (void)state;
  gen g1 = gen_new(SITE_1), g2 = gen_new(SITE_2);

  (void)gen_next(&g2);
  xs_irac_meta m2 = gen_next(&g2);
  gen_update(&g1, &m2.version);
  xs_irac_meta m1 = gen_next(&g1);
  gen_topology_event(&g2);
  m2 = gen_next(&g2);

  assert_site_version(&m1.version, SITE_1, 1, 1);
  assert_site_version(&m1.version, SITE_2, 1, 2);
  assert_no_site_version(&m2.version, SITE_1);
  assert_site_version(&m2.version, SITE_2, 2, 1);
  assert_int_equal(xs_irac_version_compare(&m1.version, &m2.version), XS_VER_CONFLICTING);
  assert_int_equal(xs_irac_version_compare(&m2.version, &m1.version), XS_VER_CONFLICTING);
}

/* Ports IracVersionUnitTest.testNoConflictDifferentTopology: m1 has seen
 * everything m3 has, so there is an order. */
static void test_version_no_conflict_different_topology(void **state) {
  (void)state;
  gen g1 = gen_new(SITE_1), g2 = gen_new(SITE_2);
  xs_irac_meta m3 = gen_next(&g2);
  xs_irac_meta m2 = gen_next(&g2);

  gen_update(&g1, &m2.version);
  xs_irac_meta m1 = gen_next(&g1);
  assert_site_version(&m1.version, SITE_1, 1, 1);
  assert_site_version(&m1.version, SITE_2, 1, 2);
  assert_no_site_version(&m3.version, SITE_1);
  assert_site_version(&m3.version, SITE_2, 1, 1);
  assert_int_equal(xs_irac_version_compare(&m1.version, &m3.version), XS_VER_AFTER);
  assert_int_equal(xs_irac_version_compare(&m3.version, &m1.version), XS_VER_BEFORE);
}

/* ------------------------------------------------------------------------ */
/* TopologyIracVersionUnitTest                                                */

/* Ports TopologyIracVersionUnitTest.testNoVersionInstance: create(0,0) is
 * NO_VERSION.  Here that is the zero element: an explicitly zeroed component
 * and an untouched one are the same version. */
static void test_topology_no_version_instance(void **state) {
  (void)state;
  xs_irac_version zero, explicit_zero = one_elem(3, 0, 0);
  memset(&zero, 0, sizeof zero);

  assert_int_equal(xs_irac_version_compare(&zero, &explicit_zero), XS_VER_EQUAL);
  assert_memory_equal(&zero, &explicit_zero, sizeof zero);
}

/* Ports TopologyIracVersionUnitTest.testIncrement: from (10,1), an older or
 * the same topology adds one to the counter; a newer one restarts at 1. */
static void test_topology_increment(void **state) {
  (void)state;
  const xs_irac_version base = one_elem(SITE_2, 10, 1);
  xs_irac_version v;

  v = base;
  xs_irac_version_increment(&v, SITE_2, 5);
  assert_site_version(&v, SITE_2, 10, 2);
  v = base;
  xs_irac_version_increment(&v, SITE_2, 10);
  assert_site_version(&v, SITE_2, 10, 2);
  v = base;
  xs_irac_version_increment(&v, SITE_2, 15);
  assert_site_version(&v, SITE_2, 15, 1);
  /* The other components are untouched. */
  assert_no_site_version(&v, SITE_1);
}

/* Ports TopologyIracVersionUnitTest.testNoVersionIncrement: NO_VERSION
 * incremented in topology 2 is (2,1). */
static void test_topology_no_version_increment(void **state) {
  (void)state;
  xs_irac_version v;
  memset(&v, 0, sizeof v);

  xs_irac_version_increment(&v, SITE_1, 2);
  assert_site_version(&v, SITE_1, 2, 1);
}

/* sign(v1.compareTo(v2)) == expect and the reverse, via one-element vectors:
 * 1 is AFTER, -1 BEFORE; and the two are not equal. */
static void assert_elem_compare(uint32_t t1, uint32_t c1, uint32_t t2, uint32_t c2, int expect) {
  xs_irac_version a = one_elem(SITE_1, t1, c1), b = one_elem(SITE_1, t2, c2);
  xs_ver_order fwd = expect > 0 ? XS_VER_AFTER : XS_VER_BEFORE;
  xs_ver_order rev = expect > 0 ? XS_VER_BEFORE : XS_VER_AFTER;

  assert_int_equal(xs_irac_version_compare(&a, &b), fwd);
  assert_int_equal(xs_irac_version_compare(&b, &a), rev);
}

/* Ports TopologyIracVersionUnitTest.testCompare: against (5,5), a lower
 * topology is older and a higher one newer whatever the counter; within
 * topology 5 the counter decides. */
static void test_topology_compare(void **state) {
  (void)state;
  for (uint32_t c = 4; c < 7; c++) assert_elem_compare(5, 5, 4, c, 1);
  assert_elem_compare(5, 5, 5, 4, 1);
  {
    xs_irac_version a = one_elem(SITE_1, 5, 5), b = one_elem(SITE_1, 5, 5);
    assert_int_equal(xs_irac_version_compare(&a, &b), XS_VER_EQUAL);
    assert_int_equal(xs_irac_version_compare(&b, &a), XS_VER_EQUAL);
  }
  assert_elem_compare(5, 5, 5, 6, -1);
  for (uint32_t c = 4; c < 7; c++) assert_elem_compare(5, 5, 6, c, -1);
}

/* max(v1, v2) and max(v2, v1) are v1 when expect_v1, else v2. */
static void assert_elem_max(uint32_t t1, uint32_t c1, uint32_t t2, uint32_t c2, bool expect_v1) {
  xs_irac_version a = one_elem(SITE_2, t1, c1), b = one_elem(SITE_2, t2, c2), out;
  const xs_irac_version *want = expect_v1 ? &a : &b;

  xs_irac_version_merge(&out, &a, &b);
  assert_memory_equal(&out, want, sizeof out);
  xs_irac_version_merge(&out, &b, &a);
  assert_memory_equal(&out, want, sizeof out);
}

/* Ports TopologyIracVersionUnitTest.testMax, through the element-wise max
 * that IracEntryVersion.merge applies. */
static void test_topology_max(void **state) {
  (void)state;
  for (uint32_t c = 4; c < 7; c++) assert_elem_max(5, 5, 4, c, true);
  assert_elem_max(5, 5, 5, 4, true);
  assert_elem_max(5, 5, 5, 5, true);
  assert_elem_max(5, 5, 5, 6, false);
  for (uint32_t c = 4; c < 7; c++) assert_elem_max(5, 5, 6, c, false);
}

/* ------------------------------------------------------------------------ */
/* Vector-level behaviour the Java tests only exercise with two sites         */

/* Not a port: IracEntryVersion.compareTo walks every site in either map.
 * Here every one of the XS_SITES_MAX components counts, the last included,
 * and "equal so far" may turn into either direction or a conflict late. */
static void test_version_compare_all_components(void **state) {
  (void)state;
  const int last = XS_SITES_MAX - 1;
  xs_irac_version a = one_elem(last, 1, 1), b, zero;
  memset(&zero, 0, sizeof zero);

  assert_int_equal(xs_irac_version_compare(&a, &zero), XS_VER_AFTER);
  assert_int_equal(xs_irac_version_compare(&zero, &a), XS_VER_BEFORE);
  assert_int_equal(xs_irac_version_compare(&zero, &zero), XS_VER_EQUAL);

  /* Equal at 0, greater at 2, equal at the last: AFTER. */
  a = one_elem(0, 3, 3);
  a.e[2] = (xs_irac_elem){ 2, 9 };
  a.e[last] = (xs_irac_elem){ 1, 1 };
  b = a;
  b.e[2] = (xs_irac_elem){ 2, 8 };
  assert_int_equal(xs_irac_version_compare(&a, &b), XS_VER_AFTER);
  assert_int_equal(xs_irac_version_compare(&b, &a), XS_VER_BEFORE);

  /* Then a disagreement in the very last component: CONFLICTING. */
  b.e[last] = (xs_irac_elem){ 1, 2 };
  assert_int_equal(xs_irac_version_compare(&a, &b), XS_VER_CONFLICTING);
  assert_int_equal(xs_irac_version_compare(&b, &a), XS_VER_CONFLICTING);

  /* A newer topology with a smaller counter still counts as greater. */
  a = one_elem(4, 3, 1);
  b = one_elem(4, 2, 100);
  assert_int_equal(xs_irac_version_compare(&a, &b), XS_VER_AFTER);
}

/* Not a port: IracEntryVersion.merge is the component-wise max, so the
 * merge of two conflicting versions is after both, and out may alias. */
static void test_version_merge_vector(void **state) {
  (void)state;
  xs_irac_version a, b, m, alias;
  memset(&a, 0, sizeof a);
  memset(&b, 0, sizeof b);
  a.e[0] = (xs_irac_elem){ 1, 5 };
  a.e[1] = (xs_irac_elem){ 1, 2 };
  b.e[1] = (xs_irac_elem){ 2, 1 };
  b.e[3] = (xs_irac_elem){ 1, 1 };
  assert_int_equal(xs_irac_version_compare(&a, &b), XS_VER_CONFLICTING);

  xs_irac_version_merge(&m, &a, &b);
  assert_site_version(&m, 0, 1, 5);
  assert_site_version(&m, 1, 2, 1);
  assert_no_site_version(&m, 2);
  assert_site_version(&m, 3, 1, 1);
  assert_int_equal(xs_irac_version_compare(&m, &a), XS_VER_AFTER);
  assert_int_equal(xs_irac_version_compare(&m, &b), XS_VER_AFTER);

  alias = a;
  xs_irac_version_merge(&alias, &alias, &b);
  assert_memory_equal(&alias, &m, sizeof m);
  alias = b;
  xs_irac_version_merge(&alias, &a, &alias);
  assert_memory_equal(&alias, &m, sizeof m);

  /* Merging with itself or with the zero version changes nothing. */
  memset(&b, 0, sizeof b);
  xs_irac_version_merge(&alias, &a, &a);
  assert_memory_equal(&alias, &a, sizeof a);
  xs_irac_version_merge(&alias, &b, &a);
  assert_memory_equal(&alias, &a, sizeof a);
}

/* Not a port: the log text, snprintf-style truncation and bad arguments. */
static void test_version_format(void **state) {
  (void)state;
  xs_irac_version v = one_elem(0, 1, 3);
  char buf[64], small[8];
  int n;

  n = xs_irac_version_format(&v, 2, buf, sizeof buf);
  assert_string_equal(buf, "(s0=1:3, s1=0:0)");
  assert_int_equal(n, (int)strlen(buf));

  n = xs_irac_version_format(&v, 0, buf, sizeof buf);
  assert_string_equal(buf, "()");
  assert_int_equal(n, 2);

  n = xs_irac_version_format(&v, 2, small, sizeof small);
  assert_string_equal(small, "(s0=1:3");
  assert_int_equal(n, (int)strlen("(s0=1:3, s1=0:0)"));
  assert_int_equal(xs_irac_version_format(&v, 2, NULL, 0), n);

  v.e[XS_SITES_MAX - 1] = (xs_irac_elem){ UINT32_MAX, UINT32_MAX };
  n = xs_irac_version_format(&v, XS_SITES_MAX, NULL, 0);
  assert_true(n > 0);

  assert_int_equal(xs_irac_version_format(&v, -1, buf, sizeof buf), XS_EINVAL);
  assert_int_equal(xs_irac_version_format(&v, XS_SITES_MAX + 1, buf, sizeof buf), XS_EINVAL);
  assert_int_equal(xs_irac_version_format(NULL, 1, buf, sizeof buf), XS_EINVAL);
  assert_int_equal(xs_irac_version_format(&v, 1, NULL, 4), XS_EINVAL);
}

/* ------------------------------------------------------------------------ */
/* Handle pool                                                                */

static xs_irac_meta meta_of(int site, uint32_t counter) {
  xs_irac_meta m;
  memset(&m, 0, sizeof m);
  m.site = (int8_t)site;
  m.version.e[site] = (xs_irac_elem){ 1, counter };
  return m;
}

/* Not a port: add copies the metadata; read copies it back; 0 means none. */
static void test_pool_add_read(void **state) {
  (void)state;
  xs_irac_pool *p = xs_irac_pool_new(XS_SITES_MAX);
  xs_irac_meta m = meta_of(2, 7), got;
  uint32_t h;

  assert_non_null(p);
  assert_int_equal(xs_irac_pool_nsites(p), XS_SITES_MAX);
  assert_int_equal(xs_irac_pool_live(p), 0);
  got = meta_of(1, 9);
  assert_false(xs_irac_pool_read(p, 0, &got));
  assert_int_equal(got.site, -1);
  assert_no_site_version(&got.version, 1);
  h = xs_irac_pool_add(p, &m);
  assert_int_not_equal(h, 0);
  assert_int_equal(xs_irac_pool_live(p), 1);
  m.site = 5; /* the pool holds a copy */
  assert_true(xs_irac_pool_read(p, h, &got));
  assert_int_equal(got.site, 2);
  assert_site_version(&got.version, 2, 1, 7);
  xs_irac_pool_free(p);
  xs_irac_pool_free(NULL);
}

/* Not a port: a handle lives while any reference does; 0 is ignored. */
static void test_pool_ref_unref(void **state) {
  (void)state;
  xs_irac_pool *p = xs_irac_pool_new(XS_SITES_MAX);
  xs_irac_meta m = meta_of(0, 1), got;
  uint32_t h = xs_irac_pool_add(p, &m);

  xs_irac_pool_ref(p, h);
  xs_irac_pool_ref(p, h);
  xs_irac_pool_unref(p, h);
  xs_irac_pool_unref(p, h);
  assert_int_equal(xs_irac_pool_live(p), 1);
  assert_true(xs_irac_pool_read(p, h, &got));
  assert_int_equal(got.site, 0);
  xs_irac_pool_unref(p, h);
  assert_int_equal(xs_irac_pool_live(p), 0);

  xs_irac_pool_ref(p, 0);
  xs_irac_pool_unref(p, 0);
  assert_int_equal(xs_irac_pool_live(p), 0);
  xs_irac_pool_free(p);
}

/* Not a port: released handles are reused, most recent first, and a reused
 * handle carries the new metadata. */
static void test_pool_reuse(void **state) {
  (void)state;
  xs_irac_pool *p = xs_irac_pool_new(XS_SITES_MAX);
  xs_irac_meta m = meta_of(1, 1), got;
  uint32_t a = xs_irac_pool_add(p, &m), b = xs_irac_pool_add(p, &m);
  uint32_t c = xs_irac_pool_add(p, &m), d;

  assert_true(a != b && b != c && a != c);
  xs_irac_pool_unref(p, b);
  m = meta_of(3, 42);
  d = xs_irac_pool_add(p, &m);
  assert_int_equal(d, b);
  assert_true(xs_irac_pool_read(p, d, &got));
  assert_int_equal(got.site, 3);
  assert_site_version(&got.version, 3, 1, 42);
  assert_true(xs_irac_pool_read(p, a, &got));
  assert_int_equal(got.site, 1);

  xs_irac_pool_unref(p, c);
  xs_irac_pool_unref(p, a);
  assert_int_equal(xs_irac_pool_live(p), 1);
  assert_int_equal(xs_irac_pool_add(p, &m), a);
  assert_int_equal(xs_irac_pool_add(p, &m), c);
  assert_int_equal(xs_irac_pool_live(p), 3);
  xs_irac_pool_free(p);
}

/* A version with every one of the first nsites components set, distinct per
 * seed, and the rest (0,0). */
static xs_irac_meta meta_full(int nsites, uint32_t seed) {
  xs_irac_meta m;
  memset(&m, 0, sizeof m);
  m.site = (int8_t)(seed % (uint32_t)nsites);
  for (int i = 0; i < nsites; i++)
    m.version.e[i] = (xs_irac_elem){ seed + 1, seed * 16 + (uint32_t)i + 1 };
  return m;
}

/* The whole of a read: the site, the first nsites components, and (0,0) for
 * the sites the pool does not keep. */
static void assert_pool_holds(const xs_irac_pool *p, uint32_t h, const xs_irac_meta *want) {
  xs_irac_meta got;
  memset(&got, 0xa5, sizeof got); /* read must overwrite every component */
  assert_true(xs_irac_pool_read(p, h, &got));
  assert_int_equal(got.site, want->site);
  for (int i = 0; i < XS_SITES_MAX; i++)
    assert_site_version(&got.version, i, want->version.e[i].topology, want->version.e[i].counter);
  assert_int_equal(xs_irac_version_compare(&got.version, &want->version), XS_VER_EQUAL);
}

/* Not a port: a pool sized for 2 sites and one for XS_SITES_MAX both round
 * trip whole versions, count references, and reuse released slots without
 * leaking the previous version's components into the new one. */
static void test_pool_sized(void **state) {
  static const int sizes[] = { 2, XS_SITES_MAX };
  (void)state;
  assert_null(xs_irac_pool_new(0));
  assert_null(xs_irac_pool_new(XS_SITES_MAX + 1));
  for (size_t z = 0; z < sizeof sizes / sizeof sizes[0]; z++) {
    int n = sizes[z];
    /* Past the initial capacity, so the array moves under live handles. */
    enum { N = 300 };
    xs_irac_pool *p = xs_irac_pool_new(n);
    xs_irac_meta want[N];
    uint32_t h[N];

    assert_non_null(p);
    assert_int_equal(xs_irac_pool_nsites(p), n);
    for (uint32_t i = 0; i < N; i++) {
      want[i] = meta_full(n, i);
      h[i] = xs_irac_pool_add(p, &want[i]);
      assert_int_equal(h[i], i + 1);
    }
    for (uint32_t i = 0; i < N; i++) assert_pool_holds(p, h[i], &want[i]);

    /* Refcounts: a handle referenced twice more survives two releases. */
    xs_irac_pool_ref(p, h[7]);
    xs_irac_pool_ref(p, h[7]);
    xs_irac_pool_unref(p, h[7]);
    xs_irac_pool_unref(p, h[7]);
    assert_int_equal(xs_irac_pool_live(p), N);
    assert_pool_holds(p, h[7], &want[7]);

    /* Reuse, most recent first, with the free-list link stored where the
     * site was: the new owner sees its own site and components only. */
    xs_irac_pool_unref(p, h[7]);
    xs_irac_pool_unref(p, h[100]);
    assert_int_equal(xs_irac_pool_live(p), N - 2);
    xs_irac_meta small = meta_of(n - 1, 5);
    assert_int_equal(xs_irac_pool_add(p, &small), h[100]);
    assert_pool_holds(p, h[100], &small);
    want[7] = meta_full(n, 1000);
    assert_int_equal(xs_irac_pool_add(p, &want[7]), h[7]);
    assert_pool_holds(p, h[7], &want[7]);
    assert_pool_holds(p, h[6], &want[6]);
    assert_pool_holds(p, h[8], &want[8]);
    assert_int_equal(xs_irac_pool_live(p), N);

    for (uint32_t i = 0; i < N; i++) xs_irac_pool_unref(p, h[i]);
    assert_int_equal(xs_irac_pool_live(p), 0);
    xs_irac_pool_free(p);
  }
}

#define MILLION 1000000u

/* Not a port: a million live handles survive the array growing under them,
 * and after releasing them all a second million fits in the same slots. */
static void test_pool_million(void **state) {
  (void)state;
  xs_irac_pool *p = xs_irac_pool_new(XS_SITES_MAX);

  for (uint32_t i = 0; i < MILLION; i++) {
    xs_irac_meta m = meta_of((int)(i % XS_SITES_MAX), i);
    /* A fresh pool hands out 1, 2, 3, ... */
    assert_int_equal(xs_irac_pool_add(p, &m), i + 1);
  }
  assert_int_equal(xs_irac_pool_live(p), MILLION);
  for (uint32_t i = 0; i < MILLION; i++) {
    xs_irac_meta got;
    int site = (int)(i % XS_SITES_MAX);
    assert_true(xs_irac_pool_read(p, i + 1, &got));
    assert_int_equal(got.site, site);
    assert_int_equal(got.version.e[site].counter, i);
    if (i & 1) xs_irac_pool_ref(p, i + 1);
  }
  for (uint32_t h = 1; h <= MILLION; h++) xs_irac_pool_unref(p, h);
  assert_int_equal(xs_irac_pool_live(p), MILLION / 2);
  for (uint32_t h = 2; h <= MILLION; h += 2) xs_irac_pool_unref(p, h);
  assert_int_equal(xs_irac_pool_live(p), 0);

  for (uint32_t i = 0; i < MILLION; i++) {
    xs_irac_meta m = meta_of(0, i);
    uint32_t h = xs_irac_pool_add(p, &m);
    assert_true(h >= 1 && h <= MILLION);
  }
  assert_int_equal(xs_irac_pool_live(p), MILLION);
  xs_irac_pool_free(p);
}

#ifndef NDEBUG
typedef void (*pool_misuse_fn)(xs_irac_pool *p, uint32_t h);

static void misuse_unref(xs_irac_pool *p, uint32_t h) { xs_irac_pool_unref(p, h); }
static void misuse_ref(xs_irac_pool *p, uint32_t h) { xs_irac_pool_ref(p, h); }
static void misuse_read(xs_irac_pool *p, uint32_t h) {
  xs_irac_meta m;
  (void)xs_irac_pool_read(p, h, &m);
}
/* h is a site index here: adds a version with that site's component set. */
static void misuse_add_site(xs_irac_pool *p, uint32_t h) {
  xs_irac_meta m = meta_of((int)h, 1);
  (void)xs_irac_pool_add(p, &m);
}

/* Runs fn in a child process and reports whether it aborted, which is what
 * a failed assert() does. */
static bool aborts(pool_misuse_fn fn, xs_irac_pool *p, uint32_t h) {
  int status = 0;
  pid_t pid = fork();

  assert_true(pid >= 0);
  if (pid == 0) {
    int devnull = open("/dev/null", O_WRONLY);
    if (devnull >= 0) dup2(devnull, STDERR_FILENO);
    signal(SIGABRT, SIG_DFL);
    fn(p, h);
    _exit(0);
  }
  assert_int_equal(waitpid(pid, &status, 0), pid);
  return WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT;
}
#endif

/* Not a port: releasing or using a dead or never-issued handle is a bug the
 * pool refuses loudly instead of corrupting its free list. */
static void test_pool_misuse_asserts(void **state) {
  (void)state;
#ifdef NDEBUG
  skip();
#else
  xs_irac_pool *p = xs_irac_pool_new(XS_SITES_MAX);
  xs_irac_pool *two = xs_irac_pool_new(2);
  xs_irac_meta m = meta_of(0, 1);
  uint32_t h = xs_irac_pool_add(p, &m), live = xs_irac_pool_add(p, &m);

  xs_irac_pool_unref(p, h);
  assert_true(aborts(misuse_unref, p, h));
  assert_true(aborts(misuse_ref, p, h));
  assert_true(aborts(misuse_read, p, h));
  assert_true(aborts(misuse_unref, p, 999));
  assert_true(aborts(misuse_read, p, 999));
  /* A component the pool has no room for would be lost. */
  assert_true(aborts(misuse_add_site, two, 2));
  assert_true(aborts(misuse_add_site, two, XS_SITES_MAX - 1));
  /* The controls: the same calls on a live handle, or a site it keeps,
   * return normally. */
  assert_false(aborts(misuse_read, p, live));
  assert_false(aborts(misuse_unref, p, live));
  assert_false(aborts(misuse_add_site, two, 1));
  /* Nothing the children did leaked into this process's pools. */
  assert_int_equal(xs_irac_pool_live(p), 1);
  assert_int_equal(xs_irac_pool_live(two), 0);
  xs_irac_pool_free(two);
  xs_irac_pool_free(p);
#endif
}

/* ------------------------------------------------------------------------ */
/* XSiteMergePolicyUnitTest                                                   */

/* The four shapes of input the Java data providers enumerate. */
typedef enum { BOTH_NON_NULL, BOTH_NULL, S1_NULL, S2_NULL, MODE_COUNT } entry_mode;

/* The site-name pairs the Java test uses, (smaller, larger) each. */
static const char *const site_pairs[][2] = { { "LON", "NYC" }, { "1NYC", "2LON" } };
#define PAIR_COUNT (sizeof site_pairs / sizeof site_pairs[0])

/* Which input the policy must pick, or a new null entry for the smaller site. */
typedef enum { PICK_S1, PICK_S2, PICK_NEW_NULL } expected_pick;

/* Two entries and the bytes behind them.  The Java test uses random 8-char
 * strings; a fixed generator keeps the run reproducible. */
typedef struct merge_case {
  xs_site_entry s1, s2;
  uint8_t v1[8], v2[8];
} merge_case;

static void random_value(uint64_t *seed, uint8_t out[8]) {
  for (int i = 0; i < 8; i++) {
    *seed ^= *seed << 13;
    *seed ^= *seed >> 7;
    *seed ^= *seed << 17;
    out[i] = (uint8_t)('a' + *seed % 26);
  }
}

static void set_entry(xs_site_entry *e, const char *site, bool is_null, const uint8_t *bytes) {
  e->site = site;
  e->is_null = is_null;
  e->value = is_null ? NULL : bytes;
  e->value_len = is_null ? 0 : 8;
}

static void make_case(merge_case *c, entry_mode mode, const char *lower, const char *upper,
                      uint64_t *seed) {
  random_value(seed, c->v1);
  random_value(seed, c->v2);
  set_entry(&c->s1, lower, mode == BOTH_NULL || mode == S1_NULL, c->v1);
  set_entry(&c->s2, upper, mode == BOTH_NULL || mode == S2_NULL, c->v2);
}

/* assertEquals(expected, result) on SiteEntry: the site, the nullness and
 * the value; a picked side must be that side's own bytes, not a copy. */
static void assert_entry_is(const xs_site_entry *got, const xs_site_entry *want) {
  assert_string_equal(got->site, want->site);
  assert_int_equal(got->is_null, want->is_null);
  if (want->is_null) {
    assert_null(got->value);
    assert_int_equal(got->value_len, 0);
  } else {
    assert_ptr_equal(got->value, want->value);
    assert_int_equal(got->value_len, want->value_len);
  }
}

/* doTest: the policy gives the expected entry with either site as local.
 * On top of the Java test, the outcome must follow resolveConflict: picking
 * the local entry is LOCAL_WINS, the remote one REMOTE_WINS, anything new
 * MERGED. */
static void do_merge_test(xs_merge_policy policy, const merge_case *c, expected_pick pick) {
  xs_site_entry out, fresh;
  const xs_site_entry *want = pick == PICK_S1 ? &c->s1 : pick == PICK_S2 ? &c->s2 : &fresh;
  xs_merge_outcome o;

  set_entry(&fresh, c->s1.site, true, NULL);
  o = xs_merge_resolve(policy, &c->s1, &c->s2, &out);
  assert_entry_is(&out, want);
  /* When a new null entry coincides with a null input it is that input. */
  if (pick == PICK_NEW_NULL && c->s1.is_null) pick = PICK_S1;
  assert_int_equal(o, pick == PICK_S1   ? XS_MERGE_LOCAL_WINS
                      : pick == PICK_S2 ? XS_MERGE_REMOTE_WINS
                                        : XS_MERGE_MERGED);

  o = xs_merge_resolve(policy, &c->s2, &c->s1, &out);
  assert_entry_is(&out, want);
  assert_int_equal(o, pick == PICK_S1   ? XS_MERGE_REMOTE_WINS
                      : pick == PICK_S2 ? XS_MERGE_LOCAL_WINS
                                        : XS_MERGE_MERGED);
}

/* Runs one policy over every mode and site pair, as the data providers do. */
static void run_policy_table(xs_merge_policy policy, expected_pick (*expect)(entry_mode)) {
  uint64_t seed = 0x9E3779B97F4A7C15u;

  for (int mode = 0; mode < MODE_COUNT; mode++) {
    for (size_t i = 0; i < PAIR_COUNT; i++) {
      merge_case c;
      make_case(&c, (entry_mode)mode, site_pairs[i][0], site_pairs[i][1], &seed);
      do_merge_test(policy, &c, expect((entry_mode)mode));
    }
  }
}

static expected_pick expect_default(entry_mode m) {
  (void)m;
  return PICK_S1;
}
static expected_pick expect_prefer_non_null(entry_mode m) {
  return m == S1_NULL ? PICK_S2 : PICK_S1;
}
static expected_pick expect_prefer_null(entry_mode m) {
  return m == S2_NULL ? PICK_S2 : PICK_S1;
}
static expected_pick expect_always_remove(entry_mode m) {
  (void)m;
  return PICK_NEW_NULL;
}

/* Ports XSiteMergePolicyUnitTest.testDefaultMergePolicy (defaultData): the
 * entry of the lexicographically smaller site wins, values regardless. */
static void test_merge_default(void **state) {
  (void)state;
  run_policy_table(XS_MERGE_DEFAULT, expect_default);
}

/* Ports XSiteMergePolicyUnitTest.testPreferNonNullMergePolicy
 * (preferNonNullData): the non-null entry if exactly one is, else DEFAULT. */
static void test_merge_prefer_non_null(void **state) {
  (void)state;
  run_policy_table(XS_MERGE_PREFER_NON_NULL, expect_prefer_non_null);
}

/* Ports XSiteMergePolicyUnitTest.testPreferNullMergePolicy (preferNullData):
 * the null entry if exactly one is, else DEFAULT. */
static void test_merge_prefer_null(void **state) {
  (void)state;
  run_policy_table(XS_MERGE_PREFER_NULL, expect_prefer_null);
}

/* Ports XSiteMergePolicyUnitTest.testAlwaysNull (alwaysRemoveData): always a
 * null entry carrying the smaller site's name. */
static void test_merge_always_remove(void **state) {
  (void)state;
  run_policy_table(XS_MERGE_ALWAYS_REMOVE, expect_always_remove);
}

/* Not a port: how resolveConflict (NonTxIracRemoteSiteInterceptor) classifies
 * results that look alike.  Equality includes the site, so identical bytes
 * from the other site are still "remote wins"; two nulls are equal whatever
 * their value pointers say; and out may alias an input. */
static void test_merge_outcome_equality(void **state) {
  (void)state;
  static const uint8_t same[] = "value", other[] = "valuf";
  xs_site_entry lon, nyc, out;

  set_entry(&lon, "LON", false, same);
  lon.value_len = 5;
  nyc = lon;
  nyc.site = "NYC";
  assert_int_equal(xs_merge_resolve(XS_MERGE_DEFAULT, &nyc, &lon, &out), XS_MERGE_REMOTE_WINS);
  assert_string_equal(out.site, "LON");

  /* Same site, different bytes: neither side equal, so MERGED. */
  nyc = lon;
  nyc.value = other;
  assert_int_equal(xs_merge_resolve(XS_MERGE_ALWAYS_REMOVE, &lon, &nyc, &out), XS_MERGE_MERGED);

  /* Empty values are values, not nulls. */
  set_entry(&lon, "LON", false, same);
  lon.value_len = 0;
  set_entry(&nyc, "NYC", true, NULL);
  assert_int_equal(xs_merge_resolve(XS_MERGE_PREFER_NON_NULL, &nyc, &lon, &out),
                   XS_MERGE_REMOTE_WINS);
  assert_false(out.is_null);
  assert_int_equal(xs_merge_resolve(XS_MERGE_PREFER_NULL, &nyc, &lon, &out), XS_MERGE_LOCAL_WINS);
  assert_true(out.is_null);

  /* ALWAYS_REMOVE against a local null of the larger site keeps the smaller
   * remote's name: the remote entry, so REMOTE_WINS. */
  set_entry(&lon, "LON", true, NULL);
  assert_int_equal(xs_merge_resolve(XS_MERGE_ALWAYS_REMOVE, &nyc, &lon, &out),
                   XS_MERGE_REMOTE_WINS);

  /* out aliasing the local input. */
  set_entry(&lon, "LON", false, same);
  lon.value_len = 5;
  set_entry(&nyc, "NYC", false, other);
  nyc.value_len = 5;
  assert_int_equal(xs_merge_resolve(XS_MERGE_ALWAYS_REMOVE, &nyc, &lon, &nyc), XS_MERGE_MERGED);
  assert_string_equal(nyc.site, "LON");
  assert_true(nyc.is_null);
}

/* Not a port: String.compareTo, which DEFAULT and ALWAYS_REMOVE rest on.
 * Java returns the difference of the first differing UTF-16 units, or of
 * the lengths. */
static void test_merge_site_compare(void **state) {
  (void)state;
  assert_int_equal(xs_merge_site_compare("LON", "NYC"), 'L' - 'N');
  assert_int_equal(xs_merge_site_compare("NYC", "LON"), 'N' - 'L');
  assert_true(xs_merge_site_compare("1NYC", "2LON") < 0);
  assert_int_equal(xs_merge_site_compare("site-a", "site-a"), 0);
  assert_int_equal(xs_merge_site_compare("", ""), 0);
  assert_int_equal(xs_merge_site_compare("ab", "abcd"), -2);
  assert_int_equal(xs_merge_site_compare("abcd", "a"), 3);
  /* Case matters: upper case sorts first. */
  assert_true(xs_merge_site_compare("Zurich", "amsterdam") < 0);
  /* U+00E9 (2 bytes) is one unit, after ASCII. */
  assert_int_equal(xs_merge_site_compare("caf\xc3\xa9", "cafe"), 0xE9 - 'e');
  /* U+10000 is the surrogate pair D800 DC00 in Java, so it sorts below
   * U+FFFF although its UTF-8 bytes sort above; it is also two units long. */
  assert_int_equal(xs_merge_site_compare("\xf0\x90\x80\x80", "\xef\xbf\xbf"), 0xD800 - 0xFFFF);
  assert_int_equal(xs_merge_site_compare("\xf0\x90\x80\x80", "\xed\x9f\xbf"), 0xD800 - 0xD7FF);
  assert_int_equal(xs_merge_site_compare("x\xf0\x90\x80\x80", "x"), 2);
  /* Malformed bytes read as U+FFFD, as Java's decoder would make them. */
  assert_int_equal(xs_merge_site_compare("\xff", "\xef\xbf\xbd"), 0);
  assert_int_equal(xs_merge_site_compare("\xe2\x82", "\xef\xbf\xbd"), 0);
}

/* Not a port of a test method: XSiteMergePolicy.fromString matches the
 * enum names with equalsIgnoreCase and nothing else. */
static void test_merge_policy_names(void **state) {
  (void)state;
  static const struct { xs_merge_policy p; const char *name; } names[] = {
    { XS_MERGE_DEFAULT, "DEFAULT" },
    { XS_MERGE_PREFER_NON_NULL, "PREFER_NON_NULL" },
    { XS_MERGE_PREFER_NULL, "PREFER_NULL" },
    { XS_MERGE_ALWAYS_REMOVE, "ALWAYS_REMOVE" },
  };

  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    assert_string_equal(xs_merge_policy_name(names[i].p), names[i].name);
    assert_int_equal(xs_merge_policy_parse(names[i].name), names[i].p);
  }
  assert_int_equal(xs_merge_policy_parse("default"), XS_MERGE_DEFAULT);
  assert_int_equal(xs_merge_policy_parse("Prefer_Non_Null"), XS_MERGE_PREFER_NON_NULL);
  assert_int_equal(xs_merge_policy_parse("prefer_null"), XS_MERGE_PREFER_NULL);
  assert_int_equal(xs_merge_policy_parse("always_REMOVE"), XS_MERGE_ALWAYS_REMOVE);
  /* Java upper-cases U+017F (long s) to 'S'. */
  assert_int_equal(xs_merge_policy_parse("ALWAY\xc5\xbf_REMOVE"), XS_MERGE_ALWAYS_REMOVE);

  assert_int_equal(xs_merge_policy_parse("PREFER"), -1);
  assert_int_equal(xs_merge_policy_parse("PREFER_NULLS"), -1);
  assert_int_equal(xs_merge_policy_parse("PREFER-NULL"), -1);
  assert_int_equal(xs_merge_policy_parse(" DEFAULT"), -1);
  assert_int_equal(xs_merge_policy_parse(""), -1);
  assert_int_equal(xs_merge_policy_parse("org.example.MyPolicy"), -1);
  assert_int_equal(xs_merge_policy_parse(NULL), -1);
  assert_string_equal(xs_merge_policy_name((xs_merge_policy)42), "UNKNOWN");
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_version_equals),
    cmocka_unit_test(test_version_compare_different_topology),
    cmocka_unit_test(test_version_compare_same_topology),
    cmocka_unit_test(test_version_causality),
    cmocka_unit_test(test_version_conflict_same_topology),
    cmocka_unit_test(test_version_conflict_different_topology),
    cmocka_unit_test(test_version_no_conflict_different_topology),
    cmocka_unit_test(test_topology_no_version_instance),
    cmocka_unit_test(test_topology_increment),
    cmocka_unit_test(test_topology_no_version_increment),
    cmocka_unit_test(test_topology_compare),
    cmocka_unit_test(test_topology_max),
    cmocka_unit_test(test_version_compare_all_components),
    cmocka_unit_test(test_version_merge_vector),
    cmocka_unit_test(test_version_format),
    cmocka_unit_test(test_pool_add_read),
    cmocka_unit_test(test_pool_ref_unref),
    cmocka_unit_test(test_pool_reuse),
    cmocka_unit_test(test_pool_sized),
    cmocka_unit_test(test_pool_million),
    cmocka_unit_test(test_pool_misuse_asserts),
    cmocka_unit_test(test_merge_default),
    cmocka_unit_test(test_merge_prefer_non_null),
    cmocka_unit_test(test_merge_prefer_null),
    cmocka_unit_test(test_merge_always_remove),
    cmocka_unit_test(test_merge_outcome_equality),
    cmocka_unit_test(test_merge_site_compare),
    cmocka_unit_test(test_merge_policy_names),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
