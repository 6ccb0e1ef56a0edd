/*
 * scenario_run.h - playing a parsed scenario (scenario.h) in virtual time:
 * one simulation from a seed, the actors as timers inside it, the
 * procedure steps through the CLI command layer in process (command line ->
 * REST request -> router -> admin op, the same path as `xsim cli`), every
 * client operation recorded in a history, and the checks judged.
 *
 * A run is a function of (scenario, seed): all randomness comes from
 * xs_sim_random_seed streams, so two runs with one seed give the same
 * event-log hash (`xsim run --check-determinism` compares them).
 */
#ifndef XS_SCENARIO_RUN_H
#define XS_SCENARIO_RUN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "scenario.h"

#define XS_SCN_FAILURES_MAX 32            /* failures kept per run (more are counted) */
#define XS_SCN_SUMMARY_BYTES_MAX 512      /* one failure's summary line */
#define XS_SCN_DETAIL_BYTES_MAX (64u << 10) /* one failure's details */
#define XS_SCN_POLL_MS 100                /* how often conditions are looked at */
#define XS_SCN_STEP_TIMEOUT_MS ((xs_ms)10 * 60 * 1000) /* a CLI request's answer, in virtual time */
#define XS_SCN_RUN_VIRTUAL_MAX ((xs_ms)7 * 24 * 3600 * 1000) /* a whole run */
#define XS_SCN_NOTES_MAX 16               /* measurements kept per run */
#define XS_SCN_NOTE_BYTES_MAX 200
#define XS_SCN_SEED_DEFAULT 1             /* when neither the file nor the command line gives one */

typedef struct xs_scn_failure {
  char check[32];                         /* a check name, or step / wait / setup */
  int line, col;
  char summary[XS_SCN_SUMMARY_BYTES_MAX]; /* one line */
  char *detail;                           /* lines: keys, their history, what broke it; may be NULL */
} xs_scn_failure;

typedef struct xs_scn_result {
  char name[XS_NAME_BYTES_MAX];
  uint64_t seed;
  bool expect_fail;
  char expect[256];        /* "pass", "fail", "fail: no-lost-writes" */
  bool error;              /* could not run (bad topology, unknown site ...) */
  bool failed;             /* a check or step failed */
  bool met;                /* the expectation was met */
  int nfailures;           /* kept */
  int failures_total;
  xs_scn_failure failures[XS_SCN_FAILURES_MAX];
  int nnotes;              /* what the checks measured: "rto since outage: 47.312s (<= 1m)" */
  char notes[XS_SCN_NOTES_MAX][XS_SCN_NOTE_BYTES_MAX];
  xs_ms virtual_ms;
  double wall_s;
  uint64_t events, evhash, ops, hist_digest;
  bool determinism_checked;
  bool deterministic;
} xs_scn_result;

typedef struct xs_scn_run_opts {
  const char *path;        /* the scenario's file, for messages ("" for none) */
  const char *dir;         /* where `topology file` paths are relative to (NULL: ".") */
  bool seed_given;         /* use `seed` instead of the file's */
  uint64_t seed;
  bool no_replay;          /* do not replay a failed run to find what broke each key */
  FILE *trace;             /* when set, every timeline entry is printed here as it happens */
  struct xs_rep_data *report; /* --report: gathers the page's timeline (report_data.h); NULL: nothing */
  /* When set, called as each `mark NAME` statement runs (--save-state). */
  void (*on_mark)(void *ud, const char *name, xs_sim *sim);
  void *on_mark_ud;
} xs_scn_run_opts;

/* Runs the scenario; fills *res (free with xs_scn_result_free).  Returns 0,
 * or a negative XS_E* when out of memory (a scenario that cannot run sets
 * res->error with a "setup" failure instead). */
int xs_scn_run(const xs_scenario *s, const xs_scn_run_opts *o, xs_scn_result *res);
void xs_scn_result_free(xs_scn_result *res);

/* Whether a step's output `got` matches the expected text as `mode` says:
 * XS_OUT_LIKE ("output:", as the runbook shows it: runs of whitespace are
 * one space, and two runs of JSON values match when equal as JSON, object
 * members in any order) or XS_OUT_EXACTLY (every line, each ended by a
 * newline).  1 when it matches, 0 when not. */
int xs_scn_output_matches(xs_scn_expect_mode mode, const char *want, const char *got);

/* Whether the failures meet `expect fail NAME...` (or plain `expect fail`). */
bool xs_scn_expectation_met(const xs_scenario *s, const xs_scn_result *res);

#endif /* XS_SCENARIO_RUN_H */
