/*
 * ledger.c - the run ledger (ledger.h): the sqlite3 schema, recording a
 * finished `xsim run`, and `xsim ledger`, which lists runs and flags the
 * scenario + seed pairs whose result or event hash changed while the code
 * did not.
 */
#include "ledger.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ledger_commit.h"

#define BUILD_READ_BYTES 65536 /* chunk of the executable hashed at a time */
#define FNV_OFFSET 0xcbf29ce484222325ull
#define FNV_PRIME 0x100000001b3ull

static const char *const schema[] = {
    "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS runs("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " recorded_at TEXT NOT NULL,"      /* UTC, ISO 8601 */
    " scenario TEXT NOT NULL, file TEXT NOT NULL, seed TEXT NOT NULL," /* seed: decimal u64 */
    " commit_id TEXT NOT NULL, build TEXT NOT NULL,"
    " verdict TEXT NOT NULL, met INTEGER NOT NULL,"
    " violations TEXT NOT NULL,"       /* JSON: check name -> count */
    " failures_total INTEGER NOT NULL,"
    " virtual_ms INTEGER NOT NULL, wall_s REAL NOT NULL,"
    " events INTEGER NOT NULL, event_hash TEXT NOT NULL, history_digest TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS runs_by_key ON runs(scenario, seed, id)",
};

/* ------------------------------------------------------------------------ */
/* Opening                                                                    */

static int fail(sqlite3 *db, const char *path, const char *what) {
  fprintf(stderr, "xsim ledger: %s: %s: %s\n", path, what, db ? sqlite3_errmsg(db) : "out of memory");
  return XS_EINVAL;
}

/* The stored schema version, or 0 when the ledger is new. */
static int schema_version(sqlite3 *db) {
  sqlite3_stmt *st;
  int v = 0;
  if (sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key = 'schema_version'", -1, &st, NULL) != SQLITE_OK)
    return 0;
  if (sqlite3_step(st) == SQLITE_ROW) v = atoi((const char *)sqlite3_column_text(st, 0));
  sqlite3_finalize(st);
  return v;
}

/* Opens (creating when `create`) in WAL mode, with the schema checked. */
static int open_ledger(const char *path, bool create, sqlite3 **out) {
  sqlite3 *db = NULL;
  int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0);
  if (sqlite3_open_v2(path, &db, flags, NULL) != SQLITE_OK) {
    fail(db, path, "cannot open");
    sqlite3_close(db);
    return XS_EINVAL;
  }
  sqlite3_busy_timeout(db, XS_LEDGER_BUSY_MS);
  int rc = 0;
  if (sqlite3_exec(db, "PRAGMA journal_mode=WAL", NULL, NULL, NULL) != SQLITE_OK) rc = fail(db, path, "WAL mode");
  for (size_t i = 0; !rc && create && i < sizeof schema / sizeof schema[0]; i++)
    if (sqlite3_exec(db, schema[i], NULL, NULL, NULL) != SQLITE_OK) rc = fail(db, path, "schema");
  int v = rc ? 0 : schema_version(db);
  if (!rc && v == 0 && create) {
    char sql[128];
    snprintf(sql, sizeof sql, "INSERT OR IGNORE INTO meta VALUES('schema_version', '%d')", XS_LEDGER_SCHEMA_VERSION);
    if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK) rc = fail(db, path, "meta");
    v = XS_LEDGER_SCHEMA_VERSION;
  }
  if (!rc && v != XS_LEDGER_SCHEMA_VERSION) {
    fprintf(stderr, "xsim ledger: %s: %s (schema version %d; this xsim reads version %d)\n", path,
            v ? "a ledger of another version" : "not an xsim ledger", v, XS_LEDGER_SCHEMA_VERSION);
    rc = XS_EINVAL;
  }
  if (rc) sqlite3_close(db);
  else *out = db;
  return rc;
}

/* ------------------------------------------------------------------------ */
/* Recording                                                                  */

/* FNV-1a 64 of the running executable: the build, as exactly as it gets. */
static void build_id(char *out, size_t len) {
  FILE *f = fopen("/proc/self/exe", "rb");
  uint64_t h = FNV_OFFSET;
  unsigned char *buf = f ? malloc(BUILD_READ_BYTES) : NULL;
  size_t n;
  while (buf && (n = fread(buf, 1, BUILD_READ_BYTES, f)) > 0)
    for (size_t i = 0; i < n; i++) h = (h ^ buf[i]) * FNV_PRIME;
  if (buf) snprintf(out, len, "%016" PRIx64, h);
  else snprintf(out, len, "unknown");
  free(buf);
  if (f) fclose(f);
}

static void commit_id(const char *given, char *out, size_t len) {
  const char *env = getenv("XSIM_COMMIT");
  const char *c = given && *given ? given : env && *env ? env : XS_LEDGER_BUILD_COMMIT;
  snprintf(out, len, "%s", *c ? c : "unknown");
}

/* "check no-lost-writes: 2150 x acknowledged write lost; ..." counts 2150. */
static json_int_t violations_in(const char *summary) {
  const char *colon = strstr(summary, ": ");
  if (!colon) return 1;
  char *end;
  long long n = strtoll(colon + 2, &end, 10);
  return end != colon + 2 && n > 0 && strncmp(end, " x ", 3) == 0 ? (json_int_t)n : 1;
}

/* {"check": count, ...} over the failures kept. */
static char *violations_json(const xs_scn_result *res) {
  json_t *o = json_object();
  for (int i = 0; o && i < res->nfailures; i++) {
    const xs_scn_failure *f = &res->failures[i];
    json_int_t prev = json_integer_value(json_object_get(o, f->check));
    json_object_set_new(o, f->check, json_integer(prev + violations_in(f->summary)));
  }
  if (o && res->failures_total > res->nfailures)
    json_object_set_new(o, "(more failures)", json_integer(res->failures_total - res->nfailures));
  char *s = o ? json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
  json_decref(o);
  return s;
}

static int insert(sqlite3_stmt *st, const xs_run *r, int k, const char *stamp, const char *commit, const char *build) {
  const xs_scn_result *s = &r->jobs[k].res;
  char seed[24], evh[24], hd[24];
  snprintf(seed, sizeof seed, "%" PRIu64, s->seed);
  snprintf(evh, sizeof evh, "0x%016" PRIx64, s->evhash);
  snprintf(hd, sizeof hd, "0x%016" PRIx64, s->hist_digest);
  char *viol = violations_json(s);
  if (!viol) return XS_ENOMEM;
  const char *text[] = {stamp, s->name, r->files[r->jobs[k].file].path, seed, commit, build, xs_run_verdict(s)};
  sqlite3_reset(st);
  for (int i = 0; i < 7; i++) sqlite3_bind_text(st, i + 1, text[i], -1, SQLITE_TRANSIENT);
  sqlite3_bind_int(st, 8, s->met);
  sqlite3_bind_text(st, 9, viol, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int(st, 10, s->failures_total);
  sqlite3_bind_int64(st, 11, (sqlite3_int64)s->virtual_ms);
  sqlite3_bind_double(st, 12, s->wall_s);
  sqlite3_bind_int64(st, 13, (sqlite3_int64)s->events);
  sqlite3_bind_text(st, 14, evh, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 15, hd, -1, SQLITE_TRANSIENT);
  free(viol);
  return sqlite3_step(st) == SQLITE_DONE ? 0 : XS_EINVAL;
}

int xs_ledger_record(const xs_run *r, const char *path, const char *commit) {
  sqlite3 *db;
  int rc = open_ledger(path, true, &db);
  if (rc) return rc;
  char stamp[32], cid[XS_LEDGER_COMMIT_BYTES_MAX], build[24];
  time_t now = time(NULL);
  struct tm tm;
  gmtime_r(&now, &tm);
  strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
  commit_id(commit, cid, sizeof cid);
  build_id(build, sizeof build);
  sqlite3_stmt *st = NULL;
  const char *sql = "INSERT INTO runs(recorded_at, scenario, file, seed, commit_id, build, verdict, met, violations,"
                    " failures_total, virtual_ms, wall_s, events, event_hash, history_digest)"
                    " VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
  if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
    rc = fail(db, path, "cannot write");
  for (int k = 0; !rc && k < r->njobs; k++)
    if (insert(st, r, k, stamp, cid, build)) rc = fail(db, path, "cannot record a run");
  sqlite3_finalize(st);
  if (!rc && sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) rc = fail(db, path, "commit");
  if (rc) sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
  sqlite3_close(db);
  if (!rc) fprintf(stderr, "xsim run: %d run%s recorded in %s (commit %s)\n", r->njobs, r->njobs == 1 ? "" : "s",
                   path, cid);
  return rc ? rc : r->njobs;
}

/* ------------------------------------------------------------------------ */
/* `xsim ledger`                                                              */

/* Columns of the listing query: this run (R_), its previous one (P_). */
enum { R_ID, R_AT, R_SCN, R_SEED, R_COMMIT, R_BUILD, R_VERDICT, R_VIOL, R_VMS, R_WALL, R_EVH, R_HD,
       P_ID, P_COMMIT, P_BUILD, P_VERDICT, P_VIOL, P_VMS, P_EVH, P_HD };

static const char list_sql[] =
    "SELECT r.id, r.recorded_at, r.scenario, r.seed, r.commit_id, r.build, r.verdict, r.violations, r.virtual_ms,"
    " r.wall_s, r.event_hash, r.history_digest,"
    " p.id, p.commit_id, p.build, p.verdict, p.violations, p.virtual_ms, p.event_hash, p.history_digest"
    " FROM (SELECT * FROM runs ORDER BY id DESC LIMIT ?1) r"
    " LEFT JOIN runs p ON p.id = (SELECT MAX(q.id) FROM runs q"
    "   WHERE q.scenario = r.scenario AND q.seed = r.seed AND q.id < r.id)"
    " ORDER BY r.id";

static const char *col(sqlite3_stmt *st, int c) {
  const unsigned char *t = sqlite3_column_text(st, c);
  return t ? (const char *)t : "";
}

static bool differs(sqlite3_stmt *st, int a, int b) { return strcmp(col(st, a), col(st, b)) != 0; }

/* A "-dirty" tree or an unknown commit names no exact code: then the
 * builds must match too. */
static bool same_code(sqlite3_stmt *st) {
  const char *c = col(st, R_COMMIT);
  size_t n = strlen(c);
  bool exact = strcmp(c, "unknown") != 0 && !(n >= 6 && strcmp(c + n - 6, "-dirty") == 0);
  return !differs(st, R_COMMIT, P_COMMIT) && (exact || !differs(st, R_BUILD, P_BUILD));
}

/* What changed since the previous run of this scenario and seed, into
 * `out`; true when it changed without a code change. */
static bool judge(sqlite3_stmt *st, char *out, size_t len) {
  if (sqlite3_column_type(st, P_ID) == SQLITE_NULL) return snprintf(out, len, "first run"), false;
  static const struct { int a, b; const char *what; } fields[] = {
      {R_VERDICT, P_VERDICT, "verdict"}, {R_VIOL, P_VIOL, "violations"}, {R_VMS, P_VMS, "virtual ms"},
      {R_EVH, P_EVH, "event hash"},      {R_HD, P_HD, "history digest"}};
  char changed[512] = "";
  size_t used = 0;
  for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
    if (!differs(st, fields[i].a, fields[i].b) || used >= sizeof changed) continue;
    int n = snprintf(changed + used, sizeof changed - used, "%s%s %s -> %s", used ? "; " : "", fields[i].what,
                     col(st, fields[i].b), col(st, fields[i].a));
    if (n > 0) used += (size_t)n;
  }
  long long prev = sqlite3_column_int64(st, P_ID);
  if (!same_code(st)) {
    snprintf(out, len, "code changed since #%lld (%.12s -> %.12s)%s%s", prev, col(st, P_COMMIT), col(st, R_COMMIT),
             used ? ": " : ", same result", changed);
    return false;
  }
  if (!used) return snprintf(out, len, "same as #%lld", prev), false;
  snprintf(out, len, "NONDETERMINISTIC vs #%lld (same code %.12s): %s", prev, col(st, R_COMMIT), changed);
  return true;
}

static void list_header(void) {
  printf("%6s  %-20s  %-30s %8s  %-12s  %-26s %10s %8s  %-18s  %s\n", "run", "recorded (UTC)", "scenario", "seed",
         "commit", "verdict", "virtual", "wall", "event hash", "vs previous run of scenario+seed");
}

static void list_row(sqlite3_stmt *st, const char *note) {
  printf("%6lld  %-20s  %-30.30s %8s  %-12.12s  %-26s %9lldms %7.3fs  %-18s  %s\n",
         (long long)sqlite3_column_int64(st, R_ID), col(st, R_AT), col(st, R_SCN), col(st, R_SEED), col(st, R_COMMIT),
         col(st, R_VERDICT), (long long)sqlite3_column_int64(st, R_VMS), sqlite3_column_double(st, R_WALL),
         col(st, R_EVH), note);
}

/* Lists the last `last` runs (-1: all); returns how many were flagged, or
 * a negative XS_E*. */
static int list(sqlite3 *db, const char *path, long long last) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(db, list_sql, -1, &st, NULL) != SQLITE_OK) return fail(db, path, "cannot read");
  sqlite3_bind_int64(st, 1, last);
  int rows = 0, flagged = 0, rc;
  char note[1024];
  xs_buf flags;
  xs_buf_init(&flags, 1u << 24);
  list_header();
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    rows++;
    bool bad = judge(st, note, sizeof note);
    list_row(st, note);
    if (!bad) continue;
    flagged++;
    xs_buf_printf(&flags, "  run #%lld %s seed %s: %s\n", (long long)sqlite3_column_int64(st, R_ID), col(st, R_SCN),
                  col(st, R_SEED), note);
  }
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) flagged = fail(db, path, "cannot read");
  printf("\n%d run%s listed from %s\n", rows, rows == 1 ? "" : "s", path);
  if (flagged > 0)
    printf("\nNONDETERMINISM: %d run%s changed result or event hash without a code change:\n%s", flagged,
           flagged == 1 ? "" : "s", xs_buf_cstr(&flags));
  else if (flagged == 0)
    printf("no run changed its result or event hash without a code change\n");
  xs_buf_free(&flags);
  return flagged;
}

static int ledger_usage(FILE *f) {
  fprintf(f, "usage: xsim ledger [FILE] [--last N | --all]\n\n"
             "  FILE       the ledger `xsim run --ledger FILE` wrote (default: %s)\n"
             "  --last N   list the N most recent runs (default %d)\n"
             "  --all      list every run\n"
             "Each run is compared with the previous run of its scenario and seed; a changed result or\n"
             "event hash with the same code is flagged as nondeterminism (exit status 1).\n",
          XS_LEDGER_DEFAULT_PATH, XS_LEDGER_LAST_DEFAULT);
  return 2;
}

int xs_ledger_main(int argc, char **argv) {
  const char *path = NULL;
  long long last = XS_LEDGER_LAST_DEFAULT;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    char *end;
    if (strcmp(a, "--last") == 0 && i + 1 < argc) {
      errno = 0;
      last = strtoll(argv[++i], &end, 10);
      if (*end || errno || last < 1 || last > XS_LEDGER_LAST_MAX) {
        fprintf(stderr, "xsim ledger: --last '%s' is not between 1 and %d\n", argv[i], XS_LEDGER_LAST_MAX);
        return 2;
      }
    } else if (strcmp(a, "--all") == 0) {
      last = -1;
    } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
      return ledger_usage(stdout), 0;
    } else if (a[0] == '-' || path) {
      fprintf(stderr, "xsim ledger: unexpected '%s'\n", a);
      return ledger_usage(stderr);
    } else {
      path = a;
    }
  }
  if (!path) path = XS_LEDGER_DEFAULT_PATH;
  sqlite3 *db;
  if (open_ledger(path, false, &db)) return 2;
  int flagged = list(db, path, last);
  sqlite3_close(db);
  return flagged < 0 ? 2 : flagged ? 1 : 0;
}
