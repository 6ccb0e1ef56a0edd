/*
 * test_util.h - helpers shared by the unit tests: building a simulation from
 * a preset or a hand-made topology, running one operation or admin call to
 * completion in virtual time, and reading back what tests check (values,
 * x-site counters, log lines), so that a test reads like the sequence of
 * calls it checks.
 *
 * Every helper asserts (with cmocka) that its call was accepted; a test that
 * wants to see a refusal calls the xs_ API directly.
 */
#ifndef XS_TEST_UTIL_H
#define XS_TEST_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "xsim.h"

#define XT_RUN_LIMIT_MS (24 * 3600 * 1000) /* the longest a helper runs the clock */

/* What a completed operation returned, copied out of the callback. */
typedef struct xt_result {
  bool done;
  int status;
  char error[XS_MSG_BYTES_MAX];
  bool found;
  char value[1024];  /* NUL-terminated copy (values in tests are text) */
  uint32_t value_len;
  bool warned;
  xs_ms invoked_ms, completed_ms;
} xt_result;

/* A simulation of a preset with the given seed (fails the test if invalid). */
xs_sim *xt_sim(const char *preset, uint64_t seed);
xs_sim *xt_sim_topo(const xs_topology *t, uint64_t seed);
int xt_site(const xs_sim *sim, const char *name);
int xt_cache(const xs_sim *sim, const char *name);

/* The topology the tests build by hand: `name`, with nsites sites called
 * site_names[i] of `nodes` nodes each, 1 ms links, a 15 s x-site failure
 * detector, and one cache `cache` with Infinispan's defaults backing up to
 * every site with Infinispan's backup defaults.  Returns that cache, for the
 * caller to set what its tests vary. */
xs_cache_cfg *xt_topo_one_cache(xs_topology *t, const char *name, int nsites,
                                const char *const *site_names, int nodes, const char *cache);

/* Submits without waiting; *out is filled when the op completes. */
void xt_submit(xs_sim *sim, const xs_op *op, xt_result *out);
void xt_put_async(xs_sim *sim, int site, int cache, const char *key, const char *value, xt_result *out);
void xt_remove_async(xs_sim *sim, int site, int cache, const char *key, xt_result *out);

/* Submits, then runs the simulation until the op completes. */
xt_result xt_op(xs_sim *sim, const xs_op *op);
xt_result xt_put(xs_sim *sim, int site, int cache, const char *key, const char *value);
xt_result xt_put_if_absent(xs_sim *sim, int site, int cache, const char *key, const char *value);
xt_result xt_replace(xs_sim *sim, int site, int cache, const char *key, const char *value);
xt_result xt_get(xs_sim *sim, int site, int cache, const char *key);
xt_result xt_remove(xs_sim *sim, int site, int cache, const char *key);
xt_result xt_clear(xs_sim *sim, int site, int cache);
/* Runs until *r is done (fails the test if it never completes). */
void xt_wait(xs_sim *sim, const xt_result *r);

/* An admin operation's answer, filled in when it completes (admin texts
 * are bounded by XS_MSG_BYTES_MAX). */
typedef struct xt_admin_out {
  bool done;
  char text[XS_MSG_BYTES_MAX];
} xt_admin_out;
/* Submits an admin operation without waiting, for tests that act while it
 * is under way; *out must outlive it. */
void xt_admin_async(xs_sim *sim, int site, int cache, xs_admin_kind kind, const char *remote,
                    xt_admin_out *out);
/* Runs an admin operation to completion and returns its result text in buf. */
const char *xt_admin(xs_sim *sim, int site, int cache, xs_admin_kind kind, const char *remote,
                     char *buf, size_t len);
/* The value of key on site as a C string, or NULL when absent (peek). */
const char *xt_peek(xs_sim *sim, int site, int cache, const char *key, char *buf, size_t len);
/* The same in one of four static buffers used in turn, so that a test can
 * hold a few values at once without buffers of its own. */
const char *xt_value(xs_sim *sim, int site, int cache, const char *key);
/* Fails unless key on site holds `want` (NULL: unless it is absent). */
void xt_assert_value(xs_sim *sim, int site, int cache, const char *key, const char *want);
/* Runs to quiescence (bounded by XT_RUN_LIMIT_MS from now). */
void xt_settle(xs_sim *sim);

/* The x-site counters of `cache` on `site` for `remote`. */
xs_xsite_counters xt_counters(const xs_sim *sim, int site, int cache, int remote);

/* The log lines the core prints (ISPN000202, ISPN100006, ...), in order; the
 * first XT_LOG_LINES_MAX are kept, far more than a test provokes. */
#define XT_LOG_LINES_MAX 32
typedef struct xt_log {
  char lines[XT_LOG_LINES_MAX][XS_MSG_BYTES_MAX * 2];
  int n;
} xt_log;
/* Empties *log and has sim print into it from now on. */
void xt_log_capture(xs_sim *sim, xt_log *log);
/* Whether a line was exactly `line`; how many lines start with `prefix`. */
bool xt_logged(const xt_log *log, const char *line);
int xt_logged_prefix(const xt_log *log, const char *prefix);

#endif /* XS_TEST_UTIL_H */
