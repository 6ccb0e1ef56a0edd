/*
 * test_engine.c - the foundations: the event queue's ordering, the PRNG and
 * its named streams, the event log's hash, Infinispan's prettyPrintTime, the
 * run-control calls, and the public API's refusals of bad input.
 */
#include <string.h>

#include "engine.h"
#include "prng.h"
#include "sim_internal.h"
#include "test_util.h"

/* ------------------------------------------------------------------------ */

typedef struct order_log {
  int seen[64];
  int n;
} order_log;

static void record(xs_sim *sim, void *obj, uint64_t arg) {
  order_log *l = obj;
  l->seen[l->n++] = (int)arg;
}

/* xsim rule: events run in time order and, at equal times, in the order they
 * were scheduled (libuv's timer start_id rule). */
static void test_engine_order(void **state) {
  xs_engine e;
  assert_int_equal(xs_engine_init(&e), 0);
  order_log l = {{0}, 0};
  int64_t times[] = {5, 1, 5, 3, 1, 5, 0, 3};
  for (int i = 0; i < 8; i++) assert_int_equal(xs_engine_at(&e, times[i], false, record, &l, (uint64_t)i), 0);
  xs_event ev;
  xs_ms last = -1;
  while (xs_engine_pop(&e, &ev)) {
    assert_true(ev.time >= last);
    last = ev.time;
    ev.fn(NULL, ev.obj, ev.arg);
  }
  int want[] = {6, 1, 4, 3, 7, 0, 2, 5};
  assert_int_equal(l.n, 8);
  for (int i = 0; i < 8; i++) assert_int_equal(l.seen[i], want[i]);
  assert_int_equal(e.fg_pending, 0);
  xs_engine_free(&e);
}

/* xsim rule: an event scheduled in the past runs now, never before now. */
static void test_engine_clamps_past(void **state) {
  xs_engine e;
  assert_int_equal(xs_engine_init(&e), 0);
  order_log l = {{0}, 0};
  xs_engine_at(&e, 10, false, record, &l, 1);
  xs_event ev;
  assert_true(xs_engine_pop(&e, &ev));
  xs_engine_at(&e, 3, true, record, &l, 2);
  assert_int_equal(xs_engine_next_time(&e), 10);
  assert_true(xs_engine_pop(&e, &ev));
  assert_int_equal(ev.time, 10);
  assert_false(xs_engine_pop(&e, &ev));
  xs_engine_free(&e);
}

/* xsim rule: the PRNG is a pure function of its seed, and named streams are
 * independent of one another. */
static void test_prng_streams(void **state) {
  xs_prng a, b;
  xs_prng_seed(&a, 42);
  xs_prng_seed(&b, 42);
  for (int i = 0; i < 1000; i++) assert_true(xs_prng_next(&a) == xs_prng_next(&b));
  assert_true(xs_prng_split(42, "link") != xs_prng_split(42, "irac"));
  assert_true(xs_prng_split(42, "link") == xs_prng_split(42, "link"));
  assert_true(xs_prng_split(42, "link") != xs_prng_split(43, "link"));
  for (int i = 0; i < 10000; i++) {
    assert_true(xs_prng_below(&a, 7) < 7);
    double u = xs_prng_unit(&a);
    assert_true(u >= 0.0 && u < 1.0);
  }
}

/* Util.prettyPrintTime as ISPN000476 prints it: milliseconds below a second,
 * otherwise seconds with at most two decimals and grouping. */
static void test_pretty_time(void **state) {
  struct { xs_ms ms; const char *want; } cases[] = {
      {0, "0 milliseconds"},       {500, "500 milliseconds"}, {999, "999 milliseconds"},
      {1000, "1 seconds"},         {4500, "4.5 seconds"},     {13000, "13 seconds"},
      {15000, "15 seconds"},       {1234, "1.23 seconds"},    {1235, "1.24 seconds"},
      {1225, "1.23 seconds"},      {1200000, "1,200 seconds"}, {60001, "60 seconds"},
      {1245, "1.25 seconds"},      {1125, "1.12 seconds"},    {1135, "1.14 seconds"},
  };
  char buf[64];
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    xs__pretty_time(cases[i].ms, buf, sizeof buf);
    assert_string_equal(buf, cases[i].want);
  }
}

/* xsim rule: the event-log hash depends on every field and on order. */
static void test_evlog_hash(void **state) {
  xs_evlog a, b;
  assert_int_equal(xs_evlog_init(&a), 0);
  assert_int_equal(xs_evlog_init(&b), 0);
  xs_evlog_add(&a, 1, XS_EV_LINK, 0, 1, -1, 0, 0, "down");
  xs_evlog_add(&a, 2, XS_EV_LINK, 0, 1, -1, 1, 0, "up");
  xs_evlog_add(&b, 1, XS_EV_LINK, 0, 1, -1, 0, 0, "down");
  xs_evlog_add(&b, 2, XS_EV_LINK, 0, 1, -1, 1, 0, "up");
  assert_true(a.hash == b.hash);
  xs_evlog_add(&a, 3, XS_EV_CLEAR, 0, -1, 2, 0, 0, NULL);
  xs_evlog_add(&b, 3, XS_EV_CLEAR, 0, -1, 3, 0, 0, NULL);
  assert_true(a.hash != b.hash);
  assert_int_equal(a.count, 3);
  xs_evlog_free(&a);
  xs_evlog_free(&b);
}

/* xsim rule: the ring keeps the newest records and reads them back by seq. */
static void test_evlog_ring(void **state) {
  xs_sim *sim = xt_sim("keycloak-ha", 1);
  int a = xt_site(sim, "site-a"), s = xt_cache(sim, "sessions");
  for (int i = 0; i < 100; i++) {
    char k[16];
    snprintf(k, sizeof k, "k%d", i);
    xt_put(sim, a, s, k, "v");
  }
  uint64_t n = xs_evlog_count(sim);
  assert_true(n > 100);
  xs_ev_record recs[8];
  size_t got = xs_evlog_read(sim, n - 3, recs, 8);
  assert_int_equal(got, 3);
  assert_int_equal(recs[2].seq, n - 1);
  char line[256];
  assert_true(xs_ev_format(sim, &recs[2], line, sizeof line) > 0);
  assert_non_null(strstr(line, "site=site-a"));
  xs_sim_free(sim);
}

static int timer_hits;
static void on_timer(xs_sim *sim, void *ud) { timer_hits += *(int *)ud; }

/* xsim rule: run_until runs what is due and parks the clock at the target;
 * timers never run early. */
static void test_run_control(void **state) {
  xs_sim *sim = xt_sim("keycloak-ha", 1);
  int one = 1, ten = 10;
  timer_hits = 0;
  assert_int_equal(xs_sim_timer(sim, 1000, on_timer, &one), 0);
  assert_int_equal(xs_sim_timer(sim, 5000, on_timer, &ten), 0);
  xs_sim_run_until(sim, 999);
  assert_int_equal(timer_hits, 0);
  assert_int_equal(xs_sim_now(sim), 999);
  xs_sim_run_until(sim, 1000);
  assert_int_equal(timer_hits, 1);
  assert_int_equal(xs_sim_next_time(sim), 5000);
  assert_int_equal(xs_sim_step(sim), 1);
  assert_int_equal(timer_hits, 11);
  assert_int_equal(xs_sim_step(sim), 0);
  assert_int_equal(xs_sim_timer(sim, 10, on_timer, &one), XS_EINVAL);
  xs_sim_free(sim);
}

/* xsim rule: bad input to the public API is refused with an error code and
 * no callback; two simulations in one process do not interfere. */
static void test_api_refusals(void **state) {
  xs_sim *sim = xt_sim("keycloak-ha", 1);
  xs_op op;
  xs_op_init(&op, XS_OP_PUT, 7, 0);
  assert_int_equal(xs_op_submit(sim, &op, NULL, NULL), XS_ENOSITE);
  xs_op_init(&op, XS_OP_PUT, 0, 99);
  assert_int_equal(xs_op_submit(sim, &op, NULL, NULL), XS_ENOCACHE);
  xs_op_init(&op, XS_OP_COMPUTE, 0, 0);
  assert_int_equal(xs_op_submit(sim, &op, NULL, NULL), XS_EINVAL);
  xs_op_init(&op, XS_OP_PUT, 0, 0);
  op.key = (const uint8_t *)"k";
  op.key_len = XS_KEY_BYTES_MAX + 1;
  assert_int_equal(xs_op_submit(sim, &op, NULL, NULL), XS_ELIMIT);
  assert_int_equal(xs_sim_site_index(sim, "site-z"), XS_ENOSITE);
  assert_int_equal(xs_sim_cache_index(sim, "nope"), XS_ENOCACHE);
  assert_int_equal(xs_sim_cache_index(sim, "0"), xs_sim_cache_index(sim, "respCache"));
  assert_int_equal(xs_link_set_loss(sim, 0, 1, 1.5), XS_EINVAL);
  assert_int_equal(xs_link_set_up(sim, 0, 0, false), XS_EINVAL);

  xs_sim *other = xt_sim("keycloak-ha", 2);
  int a = xt_site(sim, "site-a"), s = xt_cache(sim, "sessions");
  xt_put(sim, a, s, "only-here", "1");
  char buf[16];
  assert_non_null(xt_peek(sim, a, s, "only-here", buf, sizeof buf));
  assert_null(xt_peek(other, a, s, "only-here", buf, sizeof buf));
  xs_sim_free(other);
  xs_sim_free(sim);
}

/* xsim rule: node names are stable for a seed and look like Operator pods. */
static void test_node_names(void **state) {
  xs_sim *a = xt_sim("keycloak-ha", 9), *b = xt_sim("keycloak-ha", 9);
  assert_int_equal(xs_sim_node_count(a, 0), 3);
  assert_string_equal(xs_sim_node_name(a, 0, 0), xs_sim_node_name(b, 0, 0));
  assert_int_equal(strncmp(xs_sim_node_name(a, 0, 1), "infinispan-1-", 13), 0);
  assert_null(xs_sim_node_name(a, 0, 3));
  xs_sim_free(a);
  xs_sim_free(b);
}

/* xsim rule: freeing a simulation mid-flight reclaims everything pending
 * events own - harness timers, admin replies, a running push, requests and
 * operations (the sanitizer build checks there is no leak). */
static void test_free_mid_flight(void **state) {
  xs_sim *sim = xt_sim("keycloak-ha", 3);
  int a = xt_site(sim, "site-a"), s = xt_cache(sim, "sessions");
  int one = 1;
  for (int i = 0; i < 50; i++) {
    char k[16];
    snprintf(k, sizeof k, "k%d", i);
    xt_put(sim, a, s, k, "v");
  }
  assert_int_equal(xs_sim_timer(sim, 100000, on_timer, &one), 0);
  assert_int_equal(xs_admin_submit(sim, a, s, XS_ADMIN_PUSH_STATE, "site-b", NULL, NULL), 0);
  assert_int_equal(xs_admin_submit(sim, a, s, XS_ADMIN_TAKE_OFFLINE, "site-b", NULL, NULL), 0);
  xs_op op;
  xs_op_init(&op, XS_OP_PUT, a, s);
  op.key = (const uint8_t *)"pending";
  op.key_len = 7;
  assert_true(xs_op_submit(sim, &op, NULL, NULL) > 0);
  xs_sim_step(sim);
  xs_sim_step(sim);
  xs_sim_free(sim);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_engine_order),   cmocka_unit_test(test_engine_clamps_past),
      cmocka_unit_test(test_prng_streams),   cmocka_unit_test(test_pretty_time),
      cmocka_unit_test(test_evlog_hash),     cmocka_unit_test(test_evlog_ring),
      cmocka_unit_test(test_run_control),    cmocka_unit_test(test_api_refusals),
      cmocka_unit_test(test_node_names),     cmocka_unit_test(test_free_mid_flight),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
