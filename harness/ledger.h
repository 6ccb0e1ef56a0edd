/*
 * ledger.h - the run ledger: `xsim run --ledger FILE` records every run in
 * a sqlite3 database (WAL mode, so shards and readers can share it), and
 * `xsim ledger [FILE] [--last N]` lists recent runs, compares each
 * scenario + seed with its previous run, and flags a changed result or
 * event-log hash WITHOUT a code change: that is nondeterminism.
 *
 * A row holds the scenario, file, seed, commit, build, verdict, violations
 * (check name -> count, JSON), failure count, virtual duration, wall time,
 * event count, event-log hash, history digest and the time it was recorded.
 * The commit is --commit ID, else $XSIM_COMMIT, else `git describe --always
 * --dirty` at build time (meson vcs_tag), else "unknown".  The build is a
 * hash of the xsim executable.  Two runs are of the same code when their
 * commits are equal and, for a "-dirty" or "unknown" commit, their builds
 * are equal too (a dirty tree names no exact code).
 *
 * The schema is versioned in a `meta` table (key schema_version).
 */
#ifndef XS_LEDGER_H
#define XS_LEDGER_H

#include "run_report.h"

#define XS_LEDGER_SCHEMA_VERSION 1
#define XS_LEDGER_DEFAULT_PATH "xsim-ledger.sqlite"
#define XS_LEDGER_LAST_DEFAULT 50          /* rows `xsim ledger` lists */
#define XS_LEDGER_LAST_MAX 1000000
#define XS_LEDGER_BUSY_MS 10000            /* wait for another writer */
#define XS_LEDGER_COMMIT_BYTES_MAX 128

/* Records every job of a finished run.  `commit` may be NULL (then
 * $XSIM_COMMIT, then the build's).  Returns the rows written, or a
 * negative XS_E* (the message is printed on stderr). */
int xs_ledger_record(const xs_run *r, const char *path, const char *commit);

/* `xsim ledger [FILE] [--last N | --all]`; argv[0] is "ledger".  Exit
 * status 0, 1 when a run is flagged as nondeterministic, 2 on errors. */
int xs_ledger_main(int argc, char **argv);

#endif /* XS_LEDGER_H */
