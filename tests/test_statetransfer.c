/*
 * test_statetransfer.c - push-state (cross-site state transfer) end to end:
 * the admin texts, the status machine (IDLE, SENDING, OK, ERROR, CANCELED),
 * what reaches the receiving site, how writes made while a transfer runs
 * win over the chunks, how link failures and retries end, the ASYNC (IRAC)
 * flavour, and what a push costs in virtual time.
 *
 * Most tests port the assertions of Infinispan's own tests, named atop each
 * function: BaseStateTransferTest, StateTransferLinkFailuresTest and
 * RetryMechanismTest (core/src/test/java/org/infinispan/xsite/statetransfer).
 * Infinispan blocks its transport or receiver to order a write against a
 * chunk; here the virtual clock does it: with a one-way latency L, a push
 * started at T has its START at the receiver at T+L, its first chunk read
 * at T+2L and applied at T+3L.
 */
#include "test_util.h"

#include <stdio.h>
#include <string.h>

enum { LON = 0, NYC = 1, SFO = 2 };
#define CACHE 0
#define VALUE "value"

/* ------------------------------------------------------------------------ */
/* Topology and helpers                                                       */

typedef struct st_opts {
  int nsites;
  xs_strategy strategy;
  int32_t chunk, retries;
  xs_ms st_timeout_ms, wait_ms, timeout_ms, latency_ms;
} st_opts;

/* BaseStateTransferTest's adaptLONConfiguration: chunk 2, timeout 2 s;
 * RetryMechanismTest's max-retries 2 and wait-time 1 s. */
static st_opts opts_default(void) {
  st_opts o = {2, XS_STRATEGY_SYNC, 2, 2, 2000, 1000, 4000, 1};
  return o;
}

/* One cache, "xsiteCache", on every site, backing up to every other site. */
static xs_sim *st_sim(const st_opts *o) {
  static const char *const names[] = {"LON", "NYC", "SFO"};
  xs_topology t;
  xs_cache_cfg *c = xt_topo_one_cache(&t, "statetransfer", o->nsites, names, 2, "xsiteCache");
  t.link_latency_ms = o->latency_ms;
  for (int s = 0; s < c->nbackups; s++) {
    xs_backup_cfg *b = &c->backups[s];
    b->strategy = o->strategy;
    b->timeout_ms = o->timeout_ms;
    b->st_chunk_size = o->chunk;
    b->st_timeout_ms = o->st_timeout_ms;
    b->st_max_retries = o->retries;
    b->st_wait_time_ms = o->wait_ms;
  }
  return xt_sim_topo(&t, 42);
}

static const char *admin(xs_sim *sim, int site, xs_admin_kind kind, const char *remote) {
  static char buf[XS_MSG_BYTES_MAX];
  return xt_admin(sim, site, CACHE, kind, remote, buf, sizeof buf);
}

/* An admin call whose answer is collected later, for tests that act while
 * the operation is under way. */
static void admin_async(xs_sim *sim, int site, xs_admin_kind kind, const char *remote, xt_admin_out *o) {
  xt_admin_async(sim, site, CACHE, kind, remote, o);
}

static int push_status(xs_sim *sim, int site, int remote) {
  return xs_admin_push_status(sim, site, CACHE, remote);
}

static void put_keys(xs_sim *sim, int site, int n) {
  char k[32];
  for (int i = 0; i < n; i++) {
    snprintf(k, sizeof k, "k%d", i);
    assert_int_equal(xt_put(sim, site, CACHE, k, VALUE).status, 0);
  }
}

/* How many of the keys k0..k<n-1> site holds with VALUE. */
static int keys_present(xs_sim *sim, int site, int n) {
  char k[32], v[64];
  int found = 0;
  for (int i = 0; i < n; i++) {
    snprintf(k, sizeof k, "k%d", i);
    const char *got = xt_peek(sim, site, CACHE, k, v, sizeof v);
    if (got && strcmp(got, VALUE) == 0) found++;
  }
  return found;
}

static const char *peek(xs_sim *sim, int site, const char *key) { return xt_value(sim, site, CACHE, key); }

/* BaseStateTransferTest's prologue: NYC offline (as LON sees it), and
 * neither site transferring anything. */
static void take_nyc_offline(xs_sim *sim) {
  assert_string_equal(admin(sim, LON, XS_ADMIN_TAKE_OFFLINE, "NYC"), "ok");
  assert_int_equal(xs_admin_site_status(sim, LON, CACHE, NYC), XS_SITE_OFFLINE);
  assert_int_equal(xs_admin_sending_site(sim, NYC, CACHE), -1);
  assert_int_equal(push_status(sim, LON, NYC), XS_PUSH_IDLE);
}

/* Events of `kind` on `site` logged since sequence number `since`. */
static int count_events(const xs_sim *sim, uint64_t since, xs_ev_kind kind, int site) {
  xs_ev_record recs[256];
  int n = 0;
  size_t got;
  while ((got = xs_evlog_read(sim, since, recs, 256)) > 0) {
    for (size_t i = 0; i < got; i++)
      if (recs[i].kind == kind && recs[i].site == site) n++;
    since = recs[got - 1].seq + 1;
  }
  return n;
}

static void run_while_sending(xs_sim *sim, int site, int remote) {
  xs_ms limit = xs_sim_now(sim) + XT_RUN_LIMIT_MS;
  while (push_status(sim, site, remote) == XS_PUSH_SENDING && xs_sim_next_time(sim) <= limit)
    xs_sim_step(sim);
}

/* Where most tests start: NYC offline (take_nyc_offline) and k0..k<n-1>
 * written on LON since, so that only a push brings them to NYC. */
static xs_sim *nyc_behind_with(const st_opts *o, int n) {
  xs_sim *sim = st_sim(o);
  take_nyc_offline(sim);
  put_keys(sim, LON, n);
  return sim;
}

/* The same with opts_default(). */
static xs_sim *nyc_behind(int n) {
  st_opts o = opts_default();
  return nyc_behind_with(&o, n);
}

/* push-state LON -> NYC answered "ok"; then runs until all is done. */
static void push_and_settle(xs_sim *sim) {
  assert_string_equal(admin(sim, LON, XS_ADMIN_PUSH_STATE, "NYC"), "ok");
  xt_settle(sim);
}

/* The push to NYC ended OK and NYC holds all of k0..k<n-1>. */
static void assert_pushed(xs_sim *sim, int n) {
  assert_int_equal(push_status(sim, LON, NYC), XS_PUSH_OK);
  assert_int_equal(keys_present(sim, NYC, n), n);
}

/* LON's x-site counters for NYC: backups, and the chunks and entries that
 * pushes sent. */
static xs_xsite_counters sent_to_nyc(const xs_sim *sim) { return xt_counters(sim, LON, CACHE, NYC); }

/* ------------------------------------------------------------------------ */
/* Addressing and the idle cluster                                           */

/* BaseStateTransferTest.testStateTransferNonExistingSite; a site the cache
 * does not back up to answers the same way (GlobalXSiteAdminOpsTest). */
static void test_push_unknown_site(void **state) {
  st_opts o = opts_default();
  o.nsites = 3;
  xs_sim *sim = st_sim(&o);
  assert_string_equal(admin(sim, LON, XS_ADMIN_PUSH_STATE, "NO_SITE"),
                      "Unable to pushState to 'NO_SITE'. Incorrect site name: NO_SITE");
  assert_string_equal(admin(sim, LON, XS_ADMIN_PUSH_STATE, "LON"),
                      "Unable to pushState to 'LON'. Incorrect site name: LON");
  for (int r = NYC; r <= SFO; r++) assert_int_equal(push_status(sim, LON, r), XS_PUSH_IDLE);
  for (int s = LON; s <= SFO; s++) assert_int_equal(xs_admin_sending_site(sim, s, CACHE), -1);
  xs_sim_free(sim);
}

/* BaseStateTransferTest.testStateTransferWithClusterIdle: four chunks'
 * worth of data written while NYC is offline all arrive; NYC ends online
 * and neither site is left transferring. */
static void test_push_idle_cluster(void **state) {
  st_opts o = opts_default();
  int n = o.chunk * 4;
  xs_sim *sim = nyc_behind_with(&o, n);
  assert_int_equal(xs_cache_size(sim, NYC, CACHE), 0);
  push_and_settle(sim);
  assert_pushed(sim, n);
  assert_int_equal(xs_admin_site_status(sim, LON, CACHE, NYC), XS_SITE_ONLINE);
  assert_int_equal(xs_cache_equal(sim, CACHE, LON, NYC, NULL, 0), 1);
  assert_int_equal(xs_admin_sending_site(sim, NYC, CACHE), -1);
  xs_xsite_counters c = sent_to_nyc(sim);
  assert_int_equal(c.st_chunks_sent, 4);
  assert_int_equal(c.st_entries_sent, n);
  xs_sim_free(sim);
}

/* runbook pitfall 2 (reference 4.2): the receiver never deletes a key the
 * sender does not have; only a clear before the push makes them equal. */
static void test_push_never_deletes(void **state) {
  st_opts o = opts_default();
  xs_sim *sim = st_sim(&o);
  take_nyc_offline(sim);
  assert_string_equal(admin(sim, NYC, XS_ADMIN_TAKE_OFFLINE, "LON"), "ok");
  assert_int_equal(xt_put(sim, NYC, CACHE, "stale", "old").status, 0);
  put_keys(sim, LON, 5);
  push_and_settle(sim);
  assert_pushed(sim, 5);
  assert_string_equal(peek(sim, NYC, "stale"), "old");
  assert_null(peek(sim, LON, "stale"));
  assert_int_equal(xs_cache_equal(sim, CACHE, LON, NYC, NULL, 0), 0);
  xs_sim_free(sim);
}

/* xsim rule (reference 4.1): push-state brings an offline site online at
 * once, before any state moves, and it stays online. */
static void test_push_brings_site_online(void **state) {
  xs_sim *sim = nyc_behind(3);
  xt_admin_out out;
  admin_async(sim, LON, XS_ADMIN_PUSH_STATE, "NYC", &out);
  assert_int_equal(xs_admin_site_status(sim, LON, CACHE, NYC), XS_SITE_ONLINE);
  assert_int_equal(push_status(sim, LON, NYC), XS_PUSH_SENDING);
  xt_settle(sim);
  assert_true(out.done);
  assert_string_equal(out.text, "ok");
  assert_int_equal(xs_admin_site_status(sim, LON, CACHE, NYC), XS_SITE_ONLINE);
  /* Online again: a new write reaches NYC synchronously. */
  assert_int_equal(xt_put(sim, LON, CACHE, "after", "v").status, 0);
  assert_string_equal(peek(sim, NYC, "after"), "v");
  xs_sim_free(sim);
}

/* ------------------------------------------------------------------------ */
/* Writes racing the state                                                   */

typedef enum { OP_PUT, OP_REMOVE, OP_REPLACE, OP_CLEAR, OP_PUT_IF_ABSENT } conc_op;

/* One write racing one chunk.  The latency is 10 ms, so a push started at T
 * has NYC receiving from T+10, reads the chunk on LON at T+20 and applies it
 * on NYC at T+30; `at` places the write in that sequence. */
typedef struct conc_case {
  conc_op op;
  int site;            /* where the write runs */
  xs_ms at;            /* when, after the push started */
  const char *initial; /* the key's value before (NULL: absent) */
  bool both;           /* the initial value is on both sites, not LON only */
  const char *mid;     /* NYC's value just after the chunk at T+30 */
  const char *final;   /* both sites' value at the end */
  int status;          /* the write's result */
} conc_case;

static void submit_op(xs_sim *sim, int site, conc_op op, xt_result *r) {
  xs_op o;
  static const xs_op_kind kinds[] = {XS_OP_PUT, XS_OP_REMOVE, XS_OP_REPLACE, XS_OP_CLEAR,
                                     XS_OP_PUT_IF_ABSENT};
  xs_op_init(&o, kinds[op], site, CACHE);
  if (op != OP_CLEAR) {
    o.key = (const uint8_t *)"key";
    o.key_len = 3;
  }
  if (op == OP_PUT || op == OP_REPLACE || op == OP_PUT_IF_ABSENT) {
    o.value = (const uint8_t *)"v1";
    o.value_len = 2;
  }
  xt_submit(sim, &o, r);
}

static void assert_value(xs_sim *sim, int site, const char *want) {
  xt_assert_value(sim, site, CACHE, "key", want);
}

static void run_case(const conc_case *c) {
  st_opts o = opts_default();
  o.latency_ms = 10;
  xs_sim *sim = st_sim(&o);
  if (c->initial && c->both) assert_int_equal(xt_put(sim, LON, CACHE, "key", c->initial).status, 0);
  take_nyc_offline(sim);
  if (c->initial && !c->both) assert_int_equal(xt_put(sim, LON, CACHE, "key", c->initial).status, 0);
  xs_xsite_counters before = sent_to_nyc(sim);
  xs_ms t0 = xs_sim_now(sim);
  xt_admin_out push;
  admin_async(sim, LON, XS_ADMIN_PUSH_STATE, "NYC", &push);
  xs_sim_run_until(sim, t0 + c->at);
  assert_int_equal(xs_admin_sending_site(sim, NYC, CACHE), LON);
  xt_result r;
  submit_op(sim, c->site, c->op, &r);
  xs_sim_run_until(sim, t0 + 30);
  assert_value(sim, NYC, c->mid);
  xt_settle(sim);
  assert_true(r.done && push.done);
  assert_int_equal(r.status, c->status);
  assert_string_equal(push.text, "ok");
  assert_int_equal(push_status(sim, LON, NYC), XS_PUSH_OK);
  assert_int_equal(xs_admin_sending_site(sim, NYC, CACHE), -1);
  assert_value(sim, NYC, c->final);
  assert_value(sim, LON, c->final);
  if (c->status != 0) /* a failed write is not replicated */
    assert_int_equal(sent_to_nyc(sim).backup_ok, before.backup_ok);
  xs_sim_free(sim);
}

/* The write runs on LON at T+25, after the chunk was read (v0) and before
 * it is applied: NYC first gets v0 from the chunk, then the write's backup
 * brings `final`. */
static void run_after_state(conc_op op, const char *final) {
  conc_case c = {op, LON, 25, "v0", false, "v0", final, 0};
  run_case(&c);
}

/* The write runs at T+15 and so reaches NYC before the chunk does: once on
 * the sending site (the write lands before its chunk is read) and once on
 * the receiving site, which holds v0 too (the write lands after the chunk
 * was read and before it is applied).  Either way NYC holds `final` from
 * the chunk's arrival on. */
static void run_before_state(conc_op op, const char *final) {
  conc_case on_sender = {op, LON, 15, "v0", false, final, final, 0};
  conc_case on_receiver = {op, NYC, 15, "v0", true, final, final, 0};
  run_case(&on_sender);
  run_case(&on_receiver);
}

/* BaseStateTransferTest.testPutOperationAfterState: the chunk brings v0,
 * the put's backup then brings v1. */
static void test_put_after_state(void **state) { run_after_state(OP_PUT, "v1"); }

/* BaseStateTransferTest.testPutOperationBeforeState: the put reaches NYC
 * first, so the chunk read before it (v0) is discarded there. */
static void test_put_before_state(void **state) { run_before_state(OP_PUT, "v1"); }

/* BaseStateTransferTest.testRemoveOperationAfterState. */
static void test_remove_after_state(void **state) { run_after_state(OP_REMOVE, NULL); }

/* BaseStateTransferTest.testRemoveOperationBeforeState: a chunk never
 * brings a removed key back. */
static void test_remove_before_state(void **state) { run_before_state(OP_REMOVE, NULL); }

/* BaseStateTransferTest.testReplaceOperationAfterState. */
static void test_replace_after_state(void **state) { run_after_state(OP_REPLACE, "v1"); }

/* BaseStateTransferTest.testReplaceOperationBeforeState. */
static void test_replace_before_state(void **state) { run_before_state(OP_REPLACE, "v1"); }

/* BaseStateTransferTest.testClearOperationAfterState. */
static void test_clear_after_state(void **state) { run_after_state(OP_CLEAR, NULL); }

/* BaseStateTransferTest.testClearOperationBeforeState: a clear ends the
 * receiving (EntryWrappingInterceptor.visitClearCommand), so the chunk read
 * before it is dropped instead of resurrecting the key on NYC alone. */
static void test_clear_before_state(void **state) { run_before_state(OP_CLEAR, NULL); }

/* BaseStateTransferTest.testPutIfAbsent (testConcurrentOperation): the key
 * is written while the transfer runs with nothing else to send. */
static void test_put_if_absent_during_state(void **state) {
  run_case(&(conc_case){OP_PUT_IF_ABSENT, LON, 15, NULL, false, "v1", "v1", 0});
}

/* BaseStateTransferTest.testRemoveNonExisting: nothing to remove, nothing
 * replicated, nothing appears. */
static void test_remove_non_existing_during_state(void **state) {
  run_case(&(conc_case){OP_REMOVE, LON, 15, NULL, false, NULL, NULL, 0});
}

/* BaseStateTransferTest.testPutIfAbsentFail (testStateTransferWith-
 * NoReplicatedOperation): the failed put-if-absent sends no backup; the
 * state alone brings v0. */
static void test_put_if_absent_fail_during_state(void **state) {
  run_case(&(conc_case){OP_PUT_IF_ABSENT, LON, 25, "v0", false, "v0", "v0", XS_EEXISTS});
}

/* ------------------------------------------------------------------------ */
/* Cancel and status                                                          */

/* BaseStateTransferTest.testCancelStateTransfer: cancel while a chunk is in
 * flight gives CANCELED and ends the receiving; a new push then shows
 * SENDING and delivers everything. */
static void test_cancel_push(void **state) {
  xs_sim *sim = nyc_behind(10);
  assert_string_equal(admin(sim, LON, XS_ADMIN_PUSH_STATE, "NYC"), "ok");
  assert_int_equal(push_status(sim, LON, NYC), XS_PUSH_SENDING);
  assert_string_equal(admin(sim, LON, XS_ADMIN_CANCEL_PUSH_STATE, "NYC"), "ok");
  assert_int_equal(push_status(sim, LON, NYC), XS_PUSH_CANCELED);
  xt_settle(sim);
  assert_int_equal(push_status(sim, LON, NYC), XS_PUSH_CANCELED);
  assert_int_equal(xs_admin_sending_site(sim, NYC, CACHE), -1);
  assert_true(keys_present(sim, NYC, 10) < 10);
  xt_admin_out out;
  admin_async(sim, LON, XS_ADMIN_PUSH_STATE, "NYC", &out);
  assert_int_equal(push_status(sim, LON, NYC), XS_PUSH_SENDING);
  xt_settle(sim);
  assert_string_equal(out.text, "ok");
  assert_pushed(sim, 10);
  assert_int_equal(xs_admin_sending_site(sim, NYC, CACHE), -1);
  xs_sim_free(sim);
}

/* xsim rule: cancel and push again in the same instant, with the canceled
 * push's chunk still in flight.  The late answer to that chunk belongs to
 * the canceled push only; the new push sends each chunk exactly once. */
static void test_cancel_then_push_at_once(void **state) {
  xs_sim *sim = nyc_behind(10);
  assert_string_equal(admin(sim, LON, XS_ADMIN_PUSH_STATE, "NYC"), "ok");
  xt_admin_out cancel, push;
  admin_async(sim, LON, XS_ADMIN_CANCEL_PUSH_STATE, "NYC", &cancel);
  admin_async(sim, LON, XS_ADMIN_PUSH_STATE, "NYC", &push);
  xt_settle(sim);
  assert_string_equal(cancel.text, "ok");
  assert_string_equal(push.text, "ok");
  assert_pushed(sim, 10);
  xs_xsite_counters c = sent_to_nyc(sim);
  assert_int_equal(c.st_chunks_sent, 5);
  assert_int_equal(c.st_entries_sent, 10);
  xs_sim_free(sim);
}

/* xsim rule: a push canceled before the receiver answered its START still
 * answers its caller, once, with the START's outcome. */
static void test_cancel_before_start_answers_push(void **state) {
  xs_sim *sim = nyc_behind(4);
  xt_admin_out push, cancel;
  admin_async(sim, LON, XS_ADMIN_PUSH_STATE, "NYC", &push);
  admin_async(sim, LON, XS_ADMIN_CANCEL_PUSH_STATE, "NYC", &cancel);
  xt_settle(sim);
  assert_true(push.done && cancel.done);
  assert_string_equal(push.text, "ok");
  assert_string_equal(cancel.text, "ok");
  assert_int_equal(push_status(sim, LON, NYC), XS_PUSH_CANCELED);
  assert_int_equal(xs_admin_sending_site(sim, NYC, CACHE), -1);
  assert_int_equal(xs_cache_size(sim, NYC, CACHE), 0);
  xs_sim_free(sim);
}

/* runbook pitfall 9 (RemoteSiteStatus.clearStatus): clear-push-state-status
 * answers "ok" but leaves a running transfer SENDING; once it ended, the
 * status goes back to IDLE. */
static void test_clear_status_keeps_sending(void **state) {
  xs_sim *sim = nyc_behind(10);
  assert_string_equal(admin(sim, LON, XS_ADMIN_PUSH_STATE, "NYC"), "ok");
  assert_string_equal(admin(sim, LON, XS_ADMIN_CLEAR_PUSH_STATE_STATUS, "NYC"), "ok");
  assert_int_equal(push_status(sim, LON, NYC), XS_PUSH_SENDING);
  xt_settle(sim);
  assert_int_equal(push_status(sim, LON, NYC), XS_PUSH_OK);
  assert_string_equal(admin(sim, LON, XS_ADMIN_CLEAR_PUSH_STATE_STATUS, "NYC"), "ok");
  assert_int_equal(push_status(sim, LON, NYC), XS_PUSH_IDLE);
  /* cancel-push-state with nothing running: "ok", and nothing changes. */
  assert_string_equal(admin(sim, LON, XS_ADMIN_CANCEL_PUSH_STATE, "NYC"), "ok");
  assert_int_equal(push_status(sim, LON, NYC), XS_PUSH_IDLE);
  xs_sim_free(sim);
}

/* xsim rule (StateTransferStatus, reference 4.3): the status texts. */
static void test_push_status_texts(void **state) {
  assert_string_equal(xs_push_status_text(XS_PUSH_IDLE), "IDLE");
  assert_string_equal(xs_push_status_text(XS_PUSH_SENDING), "SENDING");
  assert_string_equal(xs_push_status_text(XS_PUSH_OK), "OK");
  assert_string_equal(xs_push_status_text(XS_PUSH_ERROR), "ERROR");
  assert_string_equal(xs_push_status_text(XS_PUSH_CANCELED), "CANCELED");
  assert_string_equal(xs_push_status_text((xs_push_status)17), "?");
}

/* ------------------------------------------------------------------------ */
/* Link failures and retries                                                  */

static bool starts_with(const char *s, const char *prefix) {
  return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* StateTransferLinkFailuresTest.testStartStateTransferWithoutLink, with
 * runbook pitfalls 3 and 9: the push answers an error, nothing moves, the
 * site was brought online anyway, and the status stays SENDING - which
 * clear-push-state-status cannot reset and cancel-push-state can. */
static void test_push_without_link(void **state) {
  xs_sim *sim = nyc_behind(6);
  assert_int_equal(xs_partition(sim, LON, NYC, false), 0);
  const char *text = admin(sim, LON, XS_ADMIN_PUSH_STATE, "NYC");
  assert_string_not_equal(text, "ok");
  assert_true(starts_with(text, "Unable to pushState to 'NYC'. ISPN000476: Timed out"));
  assert_int_equal(xs_cache_size(sim, LON, CACHE), 6);
  assert_int_equal(xs_cache_size(sim, NYC, CACHE), 0);
  assert_int_equal(xs_admin_site_status(sim, LON, CACHE, NYC), XS_SITE_ONLINE);
  assert_int_equal(push_status(sim, LON, NYC), XS_PUSH_SENDING);
  assert_string_equal(admin(sim, LON, XS_ADMIN_CLEAR_PUSH_STATE_STATUS, "NYC"), "ok");
  assert_int_equal(push_status(sim, LON, NYC), XS_PUSH_SENDING);
  /* The local cancel happens; its finish request to NYC cannot be answered
   * (reference 4.3, derived from code). */
  text = admin(sim, LON, XS_ADMIN_CANCEL_PUSH_STATE, "NYC");
  assert_true(starts_with(text, "Unable to perform operation. Error=ISPN000"));
  assert_int_equal(push_status(sim, LON, NYC), XS_PUSH_CANCELED);
  assert_string_equal(admin(sim, LON, XS_ADMIN_CLEAR_PUSH_STATE_STATUS, "NYC"), "ok");
  assert_int_equal(push_status(sim, LON, NYC), XS_PUSH_IDLE);
  /* Healed, and back in each other's view, the push works. */
  xs_heal(sim);
  xs_sim_run_until(sim, xs_sim_now(sim) + 16000);
  push_and_settle(sim);
  assert_pushed(sim, 6);
  xs_sim_free(sim);
}

/* Runs a push until the first chunk was acknowledged, then cuts the link
 * both ways (ControllerTransport.failAfterFirstChunk). */
static void push_then_break_after_first_chunk(xs_sim *sim) {
  xt_admin_out out;
  admin_async(sim, LON, XS_ADMIN_PUSH_STATE, "NYC", &out);
  while (sent_to_nyc(sim).st_chunks_sent == 0 && xs_sim_step(sim))
    continue;
  assert_string_equal(out.text, "ok");
  assert_int_equal(xs_partition(sim, LON, NYC, false), 0);
}

/* StateTransferLinkFailuresTest.testLinkBrokenDuringStateTransfer (chunk 2,
 * timeout 2 s, max-retries 1), runbook pitfall 4: ERROR, the site stays
 * online, NYC keeps receiving from LON - refusing another push - until
 * cancel-receive-state; then clear-push-state-status answers "ok". */
static void test_link_broken_mid_transfer(void **state) {
  st_opts o = opts_default();
  o.retries = 1;
  xs_sim *sim = nyc_behind_with(&o, 10);
  push_then_break_after_first_chunk(sim);
  xt_settle(sim);
  assert_int_equal(push_status(sim, LON, NYC), XS_PUSH_ERROR);
  assert_int_equal(xs_admin_site_status(sim, LON, CACHE, NYC), XS_SITE_ONLINE);
  assert_int_equal(xs_admin_sending_site(sim, NYC, CACHE), LON);
  assert_int_equal(keys_present(sim, NYC, 10), 2);
  xs_heal(sim);
  xs_sim_run_until(sim, xs_sim_now(sim) + 16000);
  assert_string_equal(admin(sim, LON, XS_ADMIN_PUSH_STATE, "NYC"),
                      "Unable to pushState to 'NYC'. Already receiving state from LON");
  assert_string_equal(admin(sim, NYC, XS_ADMIN_CANCEL_RECEIVE_STATE, "LON"), "ok");
  assert_int_equal(xs_admin_sending_site(sim, NYC, CACHE), -1);
  push_and_settle(sim);
  assert_pushed(sim, 10);
  assert_string_equal(admin(sim, LON, XS_ADMIN_CLEAR_PUSH_STATE_STATUS, "NYC"), "ok");
  assert_int_equal(push_status(sim, LON, NYC), XS_PUSH_IDLE);
  xs_sim_free(sim);
}

/* xsim rule (reference 4.4, a second push while one runs): the receiver
 * refuses the second START with "Already receiving state from LON", which
 * the caller sees; the running transfer goes on and sends each chunk once. */
static void test_second_push_while_running(void **state) {
  xs_sim *sim = nyc_behind(10);
  assert_string_equal(admin(sim, LON, XS_ADMIN_PUSH_STATE, "NYC"), "ok");
  assert_string_equal(admin(sim, LON, XS_ADMIN_PUSH_STATE, "NYC"),
                      "Unable to pushState to 'NYC'. Already receiving state from LON");
  assert_int_equal(push_status(sim, LON, NYC), XS_PUSH_SENDING);
  xt_settle(sim);
  assert_pushed(sim, 10);
  assert_int_equal(sent_to_nyc(sim).st_chunks_sent, 5);
  xs_sim_free(sim);
}

/* Starts a push of one key (its answer goes to *out, which must outlive
 * the push) and makes every chunk sent from now on get lost; the START is
 * through.  Returns the event-log position before the push. */
static uint64_t push_with_lost_chunks(xs_sim *sim, xt_admin_out *out) {
  take_nyc_offline(sim);
  assert_int_equal(xt_put(sim, LON, CACHE, "key", VALUE).status, 0);
  uint64_t since = xs_evlog_count(sim);
  admin_async(sim, LON, XS_ADMIN_PUSH_STATE, "NYC", out);
  xs_sim_run_until(sim, xs_sim_now(sim) + 1); /* START delivered and answered */
  assert_int_equal(xs_link_set_loss(sim, LON, NYC, 1.0), 0);
  return since;
}

/* RetryMechanismTest.testExceptionWithSuccessfulRetry, as the sender's
 * retries (max-retries 2, wait-time 1 s): the first two tries of the chunk
 * are lost, the third gets through. */
static void test_chunk_retry_succeeds(void **state) {
  st_opts o = opts_default();
  xs_sim *sim = st_sim(&o);
  xt_admin_out out;
  uint64_t since = push_with_lost_chunks(sim, &out);
  /* tries at +1, +3001 (after a 2 s timeout and 1 s wait) and +6001 */
  xs_sim_run_until(sim, xs_sim_now(sim) + 4000);
  assert_int_equal(push_status(sim, LON, NYC), XS_PUSH_SENDING);
  assert_int_equal(xs_link_set_loss(sim, LON, NYC, 0.0), 0);
  xt_settle(sim);
  assert_string_equal(out.text, "ok");
  assert_int_equal(push_status(sim, LON, NYC), XS_PUSH_OK);
  assert_int_equal(count_events(sim, since, XS_EV_ST_CHUNK, LON), 3);
  assert_string_equal(peek(sim, NYC, "key"), VALUE);
  xs_sim_free(sim);
}

/* RetryMechanismTest.testExceptionWithFailedRetry: every try fails; after
 * max-retries + 1 = 3 tries the status is ERROR and NYC has nothing. */
static void test_chunk_retries_exhausted(void **state) {
  st_opts o = opts_default();
  xs_sim *sim = st_sim(&o);
  xt_admin_out out;
  uint64_t since = push_with_lost_chunks(sim, &out);
  xt_settle(sim);
  assert_string_equal(out.text, "ok");
  assert_int_equal(push_status(sim, LON, NYC), XS_PUSH_ERROR);
  assert_int_equal(count_events(sim, since, XS_EV_ST_CHUNK, LON), 3);
  assert_null(peek(sim, NYC, "key"));
  assert_int_equal(xs_admin_site_status(sim, LON, CACHE, NYC), XS_SITE_ONLINE);
  xs_sim_free(sim);
}

/* ------------------------------------------------------------------------ */
/* ASYNC (IRAC) push                                                          */

/* ASYNC backups, NYC offline and ten keys written on LON, settled: IRAC
 * dropped them for NYC (it counts an offline site as delivered). */
static xs_sim *async_nyc_behind(void) {
  st_opts o = opts_default();
  o.strategy = XS_STRATEGY_ASYNC;
  xs_sim *sim = nyc_behind_with(&o, 10);
  xt_settle(sim);
  return sim;
}

/* xsim rule (reference 4.1 step 4): an ASYNC push hands each chunk to IRAC;
 * the receiver has no receiving mode, and everything arrives. */
static void test_async_push(void **state) {
  xs_sim *sim = async_nyc_behind();
  assert_int_equal(xs_cache_size(sim, NYC, CACHE), 0); /* IRAC dropped them */
  assert_string_equal(admin(sim, LON, XS_ADMIN_PUSH_STATE, "NYC"), "ok");
  assert_int_equal(xs_admin_sending_site(sim, NYC, CACHE), -1);
  xt_settle(sim);
  assert_pushed(sim, 10);
  assert_int_equal(xs_cache_equal(sim, CACHE, LON, NYC, NULL, 0), 1);
  assert_int_equal(sent_to_nyc(sim).st_chunks_sent, 5);
  xs_sim_free(sim);
}

/* xsim rule (reference 4.4, ASYNC with the link down): IRAC retries for
 * ever, so the push stays SENDING; taking the site offline makes IRAC count
 * the keys as delivered, and the push ends OK with nothing delivered. */
static void test_async_push_offline_midway(void **state) {
  xs_sim *sim = async_nyc_behind();
  assert_int_equal(xs_partition(sim, LON, NYC, false), 0);
  assert_string_equal(admin(sim, LON, XS_ADMIN_PUSH_STATE, "NYC"), "ok");
  xs_sim_run_until(sim, xs_sim_now(sim) + 60000);
  assert_int_equal(push_status(sim, LON, NYC), XS_PUSH_SENDING);
  assert_string_equal(admin(sim, LON, XS_ADMIN_TAKE_OFFLINE, "NYC"), "ok");
  xt_settle(sim);
  assert_int_equal(push_status(sim, LON, NYC), XS_PUSH_OK);
  assert_int_equal(xs_cache_size(sim, NYC, CACHE), 0);
  xs_sim_free(sim);
}

/* ------------------------------------------------------------------------ */
/* Cost                                                                       */

/* Pushes n keys in chunks of `chunk` over links of latency `lat` and checks
 * the virtual time it took: one round trip for the START, one per chunk. */
static void check_push_time(int n, int32_t chunk, xs_ms lat) {
  st_opts o = opts_default();
  o.chunk = chunk;
  o.latency_ms = lat;
  xs_sim *sim = nyc_behind_with(&o, n);
  xs_ms t0 = xs_sim_now(sim);
  xt_admin_out out;
  admin_async(sim, LON, XS_ADMIN_PUSH_STATE, "NYC", &out);
  run_while_sending(sim, LON, NYC);
  int chunks = (n + chunk - 1) / chunk;
  assert_int_equal(push_status(sim, LON, NYC), XS_PUSH_OK);
  assert_int_equal(xs_sim_now(sim) - t0, 2 * lat * (chunks + 1));
  xt_settle(sim);
  assert_int_equal(keys_present(sim, NYC, n), n);
  xs_xsite_counters c = sent_to_nyc(sim);
  assert_int_equal(c.st_chunks_sent, chunks);
  assert_int_equal(c.st_entries_sent, n);
  xs_sim_free(sim);
}

/* xsim rule: a push of N entries in chunks of C costs about N/C round
 * trips (one chunk in flight at a time, concatMapCompletable(..., 1)). */
static void test_push_time_cost(void **state) {
  check_push_time(100, 10, 5);
  check_push_time(1000, 512, 5);
  check_push_time(3, 16, 20);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_push_unknown_site),
    cmocka_unit_test(test_push_idle_cluster),
    cmocka_unit_test(test_push_never_deletes),
    cmocka_unit_test(test_push_brings_site_online),
    cmocka_unit_test(test_put_after_state),
    cmocka_unit_test(test_put_before_state),
    cmocka_unit_test(test_remove_after_state),
    cmocka_unit_test(test_remove_before_state),
    cmocka_unit_test(test_replace_after_state),
    cmocka_unit_test(test_replace_before_state),
    cmocka_unit_test(test_clear_after_state),
    cmocka_unit_test(test_clear_before_state),
    cmocka_unit_test(test_put_if_absent_during_state),
    cmocka_unit_test(test_remove_non_existing_during_state),
    cmocka_unit_test(test_put_if_absent_fail_during_state),
    cmocka_unit_test(test_cancel_push),
    cmocka_unit_test(test_cancel_then_push_at_once),
    cmocka_unit_test(test_cancel_before_start_answers_push),
    cmocka_unit_test(test_clear_status_keeps_sending),
    cmocka_unit_test(test_push_status_texts),
    cmocka_unit_test(test_push_without_link),
    cmocka_unit_test(test_link_broken_mid_transfer),
    cmocka_unit_test(test_second_push_while_running),
    cmocka_unit_test(test_chunk_retry_succeeds),
    cmocka_unit_test(test_chunk_retries_exhausted),
    cmocka_unit_test(test_async_push),
    cmocka_unit_test(test_async_push_offline_midway),
    cmocka_unit_test(test_push_time_cost),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
