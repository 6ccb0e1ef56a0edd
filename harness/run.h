/*
 * run.h - `xsim run`: plays scenario files (docs/scenario-language.md) for
 * one or more seeds, in parallel worker processes if asked, and reports:
 * progress while running, failures with what broke and how to replay them,
 * a table (scenario, seed, verdict, virtual duration, wall time, sim-s per
 * wall-s), JUnit XML and a JSON summary.  The exit status is 0 exactly when
 * every scenario met its expectation (scenarios marked `expect fail` must
 * fail, by the named check when one is named).
 *
 *   xsim run [PATH...] [--seed N | --seeds A-B] [-j N] [--shard I/N]
 *            [--junit FILE] [--json FILE] [--check-determinism] [-v]
 */
#ifndef XS_RUN_H
#define XS_RUN_H

#define XS_RUN_FILES_MAX 4096     /* scenario files in one run */
#define XS_RUN_SEEDS_MAX 100000   /* seeds in --seeds A-B */
#define XS_RUN_JOBS_MAX 64        /* worker processes (-j) */
#define XS_RUN_DEFAULT_PATH "scenarios"

/* argv[0] is "run"; `prog` is how the executable was called (for the
 * replay command lines it prints). */
int xs_run_main(int argc, char **argv, const char *prog);

#endif /* XS_RUN_H */
