/*
 * run_report.h - the state of one `xsim run` and what it writes: progress,
 * failures, the table, JUnit XML, the JSON summary, and the JSON line a
 * worker process sends back per job.  Internal to run.c / run_report.c.
 */
#ifndef XS_RUN_REPORT_H
#define XS_RUN_REPORT_H

#include <stdbool.h>
#include <stdint.h>

#include "run.h"
#include "scenario.h"
#include "scenario_run.h"

typedef struct xs_run_opts {
  int npaths;
  const char *paths[XS_RUN_FILES_MAX];
  bool seeds_given;
  uint64_t seed_lo, seed_hi;
  int workers;
  int shard_i, shard_n;
  const char *junit, *json;
  const char *report;      /* --report DIR (report_html.h) */
  bool determinism, verbose, no_replay, trace;
  const char *save_state;  /* --save-state FILE[@MARK] */
  bool mutate;             /* --mutate (run_mutate.h) */
  const char *ledger, *commit; /* --ledger FILE, --commit ID (ledger.h) */
} xs_run_opts;

typedef struct xs_run_file {
  char *path;
  char *dir;
  xs_scenario *scn;   /* NULL when it did not parse */
  char *error;        /* the parse error, formatted */
} xs_run_file;

typedef struct xs_run_job {
  int file;
  bool seed_given;
  uint64_t seed;
  bool done;
  xs_scn_result res;
  const xs_scenario *scn; /* a mutant (run_mutate.h); NULL: the file's scenario */
} xs_run_job;

typedef struct xs_run {
  const char *prog;
  xs_run_opts o;
  xs_run_file *files;
  int nfiles;
  xs_run_job *jobs;
  int njobs, ndone;
  double wall_s;
  bool tty;
  bool save_failed;   /* --save-state wrote nothing, or failed */
} xs_run;

/* A file that did not parse, as a result (error, check "parse"). */
void xs_run_parse_error(const xs_run_file *f, xs_scn_result *res);

/* A job whose worker died before reporting it (error, check "crash"). */
void xs_run_lost(const xs_run_file *f, xs_run_job *j);

/* "pass", "pass (failed as expected)", "FAIL", "ERROR", ... */
const char *xs_run_verdict(const xs_scn_result *res);

/* Worker -> parent: one job's result as a line of JSON, and back. */
char *xs_run_result_line(const xs_run *r, int job);
int xs_run_result_parse(xs_run *r, const char *line);

void xs_run_started(xs_run *r);
void xs_run_progress(xs_run *r, int job);
/* Failures, the table and totals; returns how many jobs met their expectation. */
int xs_run_report(xs_run *r);
int xs_run_junit(const xs_run *r, const char *path);
int xs_run_json(const xs_run *r, const char *path);

#endif /* XS_RUN_REPORT_H */
