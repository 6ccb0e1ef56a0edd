/*
 * run_mutate.h - `xsim run --mutate`: mutation testing of a runbook.  For
 * each procedure step (`on SITE: COMMAND`) of a scenario that passed, the
 * scenario is run again with that step deleted, and with it swapped with
 * the next procedure step.  A mutant is CAUGHT when some check (or some
 * other step's expected output) fails, SURVIVED when everything still
 * passes: the step is not needed, or the checks are too weak to notice.
 *
 * Mutants are made from the parsed tree (a copy of the top-level statement
 * list, edited; the statements themselves are shared, never re-parsed),
 * run with the baseline's seed, in parallel like normal jobs (-j), and
 * reported in a table after the normal output.  They do not change the
 * exit status.
 */
#ifndef XS_RUN_MUTATE_H
#define XS_RUN_MUTATE_H

#include "run_report.h"

#define XS_MUT_MAX 100000 /* mutants in one run (two per step per job) */

/* Runs the jobs in r->jobs (r->njobs of them), as run.c does, with at most
 * `workers` worker processes; 0 or a negative XS_E*. */
typedef int (*xs_run_all_fn)(xs_run *r);

/* After the normal run and its report: builds the mutants of every job
 * that met an `expect pass`, runs them with `workers` processes through
 * run_all, prints the mutation table and totals, and puts r back as it
 * was.  Returns 0, or a negative XS_E* (out of memory, too many mutants). */
int xs_run_mutate(xs_run *r, int workers, xs_run_all_fn run_all);

#endif /* XS_RUN_MUTATE_H */
