/*
 * scenario_report.h - what a failed check says: the keys at fault with
 * their values and client history, and - after the replay - when each key
 * went wrong and during which statement.  Internal to the runner.
 */
#ifndef XS_SCENARIO_REPORT_H
#define XS_SCENARIO_REPORT_H

#include "scenario_rt.h"

#define SCN_REPORT_KEYS_MAX 3     /* keys described in full per failure */
#define SCN_REPORT_DIFFS_MAX 8    /* differing keys listed per identical check */
#define SCN_REPORT_OPS_MAX 12     /* history lines per key */
#define SCN_REPORT_CULPRITS_MAX 6 /* timeline entries named as what broke a key */

/* A growable list of violations. */
typedef struct xs__scn_viols {
  xs_violation *v;
  int64_t n, cap;
} xs__scn_viols;

void xs__scn_viols_add(xs__scn_viols *vs, const xs_violation *v);
void xs__scn_viols_free(xs__scn_viols *vs);

/* The caches an `identical` condition covers (scenario_eval.c). */
void xs__scn_identical_caches(scn_rt *rt, const xs_scn_cond *c, bool out[XS_CACHES_MAX]);

/* Failures with their details. */
void xs__scn_identical_report(scn_rt *rt, const xs_scn_stmt *st, const char *msg);
void xs__scn_violation_report(scn_rt *rt, const xs_scn_stmt *st, const xs__scn_viols *v);
void xs__scn_objective_report(scn_rt *rt, const xs_scn_stmt *st, const xs_rto *r, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif /* XS_SCENARIO_REPORT_H */
