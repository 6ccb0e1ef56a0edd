/*
 * state_file.c - xs_state_save / xs_state_load (state_file.h): the schema
 * (versioned in the meta table), one transaction per save, prepared
 * statements for the rows, and the restore order: a fresh simulation from
 * the topology and seed, its clock run to the saved time, then sites,
 * links, views, backup states, IRAC versions and entries.
 */
#include "state_file.h"

#include <inttypes.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "snapshot.h"

#define VERSION_BLOB_BYTES (2 * XS_SITES_MAX * sizeof(uint32_t))

static const char *const SCHEMA =
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE topology (id INTEGER PRIMARY KEY CHECK (id = 1), name TEXT NOT NULL,"
    "  config BLOB NOT NULL);"
    "CREATE TABLE sites (site INTEGER PRIMARY KEY, name TEXT NOT NULL, up INTEGER NOT NULL);"
    "CREATE TABLE views (site INTEGER, remote INTEGER, in_view INTEGER NOT NULL,"
    "  PRIMARY KEY (site, remote));"
    "CREATE TABLE links (from_site INTEGER, to_site INTEGER, up INTEGER NOT NULL,"
    "  latency_ms INTEGER NOT NULL, jitter_ms INTEGER NOT NULL, loss REAL NOT NULL,"
    "  PRIMARY KEY (from_site, to_site));"
    "CREATE TABLE caches (site INTEGER, cache INTEGER, name TEXT NOT NULL,"
    "  irac_max_version BLOB NOT NULL, PRIMARY KEY (site, cache));"
    "CREATE TABLE backups (site INTEGER, cache INTEGER, remote INTEGER, offline INTEGER NOT NULL,"
    "  after_failures INTEGER NOT NULL, min_wait_ms INTEGER NOT NULL,"
    "  first_failure_ms INTEGER NOT NULL, failure_count INTEGER NOT NULL,"
    "  push_status TEXT NOT NULL, st_mode TEXT NOT NULL, PRIMARY KEY (site, cache, remote));"
    "CREATE TABLE entries (site INTEGER, cache INTEGER, key BLOB NOT NULL, value BLOB NOT NULL,"
    "  vtype INTEGER NOT NULL, expire_ms INTEGER, max_idle_ms INTEGER NOT NULL,"
    "  last_used_ms INTEGER NOT NULL, irac_site INTEGER, irac_version BLOB,"
    "  PRIMARY KEY (site, cache, key));";

static int fail(char *err, size_t errlen, int rc, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int fail(char *err, size_t errlen, int rc, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  if (err && errlen) vsnprintf(err, errlen, fmt, ap);
  va_end(ap);
  return rc;
}

static int sql_fail(sqlite3 *db, const char *path, char *err, size_t errlen) {
  return fail(err, errlen, XS_ECONFIG, "%s: %s", path, db ? sqlite3_errmsg(db) : "cannot open");
}

/* Binds each argument by its letter: i int64, t text, b blob (ptr, len), d
 * double, n NULL. */
static int bind_all(sqlite3_stmt *st, const char *fmt, va_list ap) {
  int rc = SQLITE_OK;
  for (int i = 1; *fmt && rc == SQLITE_OK; fmt++, i++) {
    switch (*fmt) {
    case 'i': rc = sqlite3_bind_int64(st, i, va_arg(ap, int64_t)); break;
    case 't': rc = sqlite3_bind_text(st, i, va_arg(ap, const char *), -1, SQLITE_TRANSIENT); break;
    case 'd': rc = sqlite3_bind_double(st, i, va_arg(ap, double)); break;
    case 'n': rc = sqlite3_bind_null(st, i); break;
    default: {
      const void *p = va_arg(ap, const void *);
      int n = va_arg(ap, int);
      rc = sqlite3_bind_blob(st, i, n ? p : "", n, SQLITE_STATIC);
    }
    }
  }
  return rc;
}

/* Runs a prepared insert with the given values; 0 or -1. */
static int row(sqlite3_stmt *st, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int rc = bind_all(st, fmt, ap);
  va_end(ap);
  if (rc == SQLITE_OK) rc = sqlite3_step(st);
  sqlite3_reset(st);
  sqlite3_clear_bindings(st);
  return rc == SQLITE_DONE ? 0 : -1;
}

/* ------------------------------------------------------------------------ */
/* Saving                                                                     */

typedef struct saver {
  sqlite3 *db;
  const xs_sim *sim;
  sqlite3_stmt *ins;
  int site, cache;
  int64_t entries;
} saver;

static void version_blob(uint8_t *out, const uint32_t *topology, const uint32_t *counter) {
  memcpy(out, topology, XS_SITES_MAX * sizeof(uint32_t));
  memcpy(out + XS_SITES_MAX * sizeof(uint32_t), counter, XS_SITES_MAX * sizeof(uint32_t));
}

static int save_entry(void *ud, const xs_snap_entry *e) {
  saver *s = ud;
  uint8_t vb[VERSION_BLOB_BYTES];
  if (e->has_irac) version_blob(vb, e->irac_topology, e->irac_counter);
  int64_t exp = e->expire_ms;
  int rc = e->has_irac
               ? row(s->ins, "iibbiiiiib", (int64_t)s->site, (int64_t)s->cache, e->key, (int)e->key_len,
                     e->value, (int)e->value_len, (int64_t)e->vtype, exp, (int64_t)e->max_idle_ms,
                     (int64_t)e->last_used_ms, (int64_t)e->irac_site, vb, (int)sizeof vb)
               : row(s->ins, "iibbiiiinn", (int64_t)s->site, (int64_t)s->cache, e->key, (int)e->key_len,
                     e->value, (int)e->value_len, (int64_t)e->vtype, exp, (int64_t)e->max_idle_ms,
                     (int64_t)e->last_used_ms);
  if (rc == 0) s->entries++;
  return rc;
}

static int save_meta(saver *s, const char *source) {
  const xs_topology *t = xs_sim_topology(s->sim);
  sqlite3_stmt *m = NULL, *tp = NULL;
  char v[64], tb[64];
  int rc = sqlite3_prepare_v2(s->db, "INSERT INTO meta VALUES (?, ?)", -1, &m, NULL) != SQLITE_OK ||
           sqlite3_prepare_v2(s->db, "INSERT INTO topology VALUES (1, ?, ?)", -1, &tp, NULL) != SQLITE_OK;
  snprintf(v, sizeof v, "%d", XS_STATE_SCHEMA_VERSION);
  rc = rc || row(m, "tt", "schema_version", v);
  snprintf(v, sizeof v, "%" PRIu64, xs_sim_seed(s->sim));
  rc = rc || row(m, "tt", "seed", v);
  snprintf(v, sizeof v, "%" PRId64, xs_sim_now(s->sim));
  rc = rc || row(m, "tt", "time_ms", v);
  snprintf(tb, sizeof tb, "%zu", sizeof *t);
  rc = rc || row(m, "tt", "topology_bytes", tb);
  rc = rc || row(m, "tt", "source", source ? source : "");
  rc = rc || row(tp, "tb", t->name, (const void *)t, (int)sizeof *t);
  sqlite3_finalize(m);
  sqlite3_finalize(tp);
  return rc ? -1 : 0;
}

static int save_sites(saver *s) {
  const xs_topology *t = xs_sim_topology(s->sim);
  sqlite3_stmt *st = NULL, *vw = NULL, *ln = NULL;
  int rc = sqlite3_prepare_v2(s->db, "INSERT INTO sites VALUES (?, ?, ?)", -1, &st, NULL) != SQLITE_OK ||
           sqlite3_prepare_v2(s->db, "INSERT INTO views VALUES (?, ?, ?)", -1, &vw, NULL) != SQLITE_OK ||
           sqlite3_prepare_v2(s->db, "INSERT INTO links VALUES (?, ?, ?, ?, ?, ?)", -1, &ln, NULL) != SQLITE_OK;
  for (int a = 0; a < t->nsites && !rc; a++) {
    rc = row(st, "iti", (int64_t)a, t->sites[a].name, (int64_t)xs_site_is_up(s->sim, a));
    for (int b = 0; b < t->nsites && !rc; b++) {
      if (a == b) continue;
      bool up;
      xs_ms lat, jit;
      double loss;
      rc = row(vw, "iii", (int64_t)a, (int64_t)b, (int64_t)xs_site_view_has(s->sim, a, b)) ||
           xs_link_get(s->sim, a, b, &up, &lat, &jit, &loss) < 0 ||
           row(ln, "iiiiid", (int64_t)a, (int64_t)b, (int64_t)up, (int64_t)lat, (int64_t)jit, loss);
    }
  }
  sqlite3_finalize(st);
  sqlite3_finalize(vw);
  sqlite3_finalize(ln);
  return rc ? -1 : 0;
}

/* The backup rows of one (site, cache). */
static int save_backups(saver *s, sqlite3_stmt *bk) {
  const xs_topology *t = xs_sim_topology(s->sim);
  for (int r = 0; r < t->nsites; r++) {
    xs_snap_backup b;
    if (xs_snap_backup_get(s->sim, s->site, s->cache, r, &b) < 0) continue;
    if (row(bk, "iiiiiiiitt", (int64_t)s->site, (int64_t)s->cache, (int64_t)r, (int64_t)b.offline,
            (int64_t)b.after_failures, (int64_t)b.min_wait_ms, (int64_t)b.first_failure_ms,
            (int64_t)b.failure_count, xs_push_status_text(b.push), b.st_mode == XS_ST_AUTO ? "AUTO" : "MANUAL"))
      return -1;
  }
  return 0;
}

static int save_caches(saver *s) {
  const xs_topology *t = xs_sim_topology(s->sim);
  sqlite3_stmt *ca = NULL, *bk = NULL;
  int rc = sqlite3_prepare_v2(s->db, "INSERT INTO caches VALUES (?, ?, ?, ?)", -1, &ca, NULL) != SQLITE_OK ||
           sqlite3_prepare_v2(s->db, "INSERT INTO backups VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", -1, &bk,
                              NULL) != SQLITE_OK ||
           sqlite3_prepare_v2(s->db, "INSERT INTO entries VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", -1, &s->ins,
                              NULL) != SQLITE_OK;
  for (s->site = 0; s->site < t->nsites && !rc; s->site++)
    for (s->cache = 0; s->cache < t->ncaches && !rc; s->cache++) {
      uint32_t tv[XS_SITES_MAX], cv[XS_SITES_MAX];
      uint8_t vb[VERSION_BLOB_BYTES];
      if (xs_snap_cache_version_get(s->sim, s->site, s->cache, tv, cv) < 0) continue;
      version_blob(vb, tv, cv);
      rc = row(ca, "iitb", (int64_t)s->site, (int64_t)s->cache, t->caches[s->cache].name, vb, (int)sizeof vb) ||
           save_backups(s, bk) || xs_snap_entries(s->sim, s->site, s->cache, save_entry, s) != 0;
    }
  sqlite3_finalize(ca);
  sqlite3_finalize(bk);
  sqlite3_finalize(s->ins);
  s->ins = NULL;
  return rc ? -1 : 0;
}

int xs_state_save(const xs_sim *sim, const char *path, const char *source, char *err, size_t errlen) {
  if (unlink(path) != 0 && access(path, F_OK) == 0)
    return fail(err, errlen, XS_EINVAL, "%s: cannot replace the file", path);
  saver s = {.sim = sim};
  if (sqlite3_open_v2(path, &s.db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
    int rc = sql_fail(s.db, path, err, errlen);
    sqlite3_close(s.db);
    return rc;
  }
  int rc = sqlite3_exec(s.db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK ||
           sqlite3_exec(s.db, SCHEMA, NULL, NULL, NULL) != SQLITE_OK || save_meta(&s, source) ||
           save_sites(&s) || save_caches(&s) || sqlite3_exec(s.db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK;
  if (rc) rc = sql_fail(s.db, path, err, errlen);
  sqlite3_close(s.db);
  return rc;
}

/* ------------------------------------------------------------------------ */
/* Loading                                                                    */

typedef struct loader {
  sqlite3 *db;
  xs_sim *sim;
  xs_state_info info;
  char *err;
  size_t errlen;
} loader;

typedef int (*row_fn)(loader *l, sqlite3_stmt *st);

/* Runs sql and calls fn for each row; 0, fn's error, or XS_ECONFIG. */
static int each_row(loader *l, const char *sql, row_fn fn) {
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(l->db, sql, -1, &st, NULL) != SQLITE_OK)
    return fail(l->err, l->errlen, XS_ECONFIG, "not a state file (%s)", sqlite3_errmsg(l->db));
  int rc = 0, s;
  while (rc == 0 && (s = sqlite3_step(st)) == SQLITE_ROW) rc = fn(l, st);
  if (rc == 0 && s != SQLITE_DONE) rc = fail(l->err, l->errlen, XS_ECONFIG, "%s", sqlite3_errmsg(l->db));
  sqlite3_finalize(st);
  return rc;
}

static int64_t col_i(sqlite3_stmt *st, int c) { return sqlite3_column_int64(st, c); }

static int meta_row(loader *l, sqlite3_stmt *st) {
  const char *k = (const char *)sqlite3_column_text(st, 0), *v = (const char *)sqlite3_column_text(st, 1);
  if (!k || !v) return 0;
  if (strcmp(k, "schema_version") == 0) l->info.schema_version = atoi(v);
  else if (strcmp(k, "seed") == 0) l->info.seed = strtoull(v, NULL, 10);
  else if (strcmp(k, "time_ms") == 0) l->info.time_ms = strtoll(v, NULL, 10);
  else if (strcmp(k, "source") == 0) snprintf(l->info.source, sizeof l->info.source, "%s", v);
  else if (strcmp(k, "topology_bytes") == 0 && strtoull(v, NULL, 10) != sizeof(xs_topology))
    return fail(l->err, l->errlen, XS_ECONFIG, "saved by a build whose topology differs (%s bytes, here %zu)", v,
                sizeof(xs_topology));
  return 0;
}

static int topology_row(loader *l, sqlite3_stmt *st) {
  xs_topology t;
  if (sqlite3_column_bytes(st, 0) != (int)sizeof t)
    return fail(l->err, l->errlen, XS_ECONFIG, "the saved topology has the wrong size");
  memcpy(&t, sqlite3_column_blob(st, 0), sizeof t);
  char msg[512];
  l->sim = xs_sim_new(&t, l->info.seed, msg, sizeof msg);
  if (!l->sim) return fail(l->err, l->errlen, XS_ECONFIG, "the saved topology: %s", msg);
  xs_sim_run_until(l->sim, l->info.time_ms);
  return 0;
}

static int bad(loader *l, const char *what, int rc) {
  return fail(l->err, l->errlen, rc < 0 ? rc : XS_ECONFIG, "%s: %s", what, xs_strerror(rc < 0 ? rc : XS_ECONFIG));
}

static int site_row(loader *l, sqlite3_stmt *st) {
  int s = (int)col_i(st, 0);
  const char *name = (const char *)sqlite3_column_text(st, 1);
  const char *have = xs_sim_site_name(l->sim, s);
  if (!name || !have || strcmp(name, have) != 0) return bad(l, "a saved site", XS_ENOSITE);
  return col_i(st, 2) ? 0 : xs_site_crash(l->sim, s) < 0 ? bad(l, name, XS_ESTATE) : 0;
}

static int link_row(loader *l, sqlite3_stmt *st) {
  int a = (int)col_i(st, 0), b = (int)col_i(st, 1);
  int rc = xs_link_set_latency(l->sim, a, b, col_i(st, 3), col_i(st, 4));
  if (rc >= 0) rc = xs_link_set_loss(l->sim, a, b, sqlite3_column_double(st, 5));
  if (rc >= 0 && xs_link_is_up(l->sim, a, b) != (col_i(st, 2) != 0)) rc = xs_link_set_up(l->sim, a, b, col_i(st, 2) != 0);
  return rc < 0 ? bad(l, "a saved link", rc) : 0;
}

static int view_row(loader *l, sqlite3_stmt *st) {
  int rc = xs_snap_view_set(l->sim, (int)col_i(st, 0), (int)col_i(st, 1), col_i(st, 2) != 0);
  return rc < 0 ? bad(l, "a saved view", rc) : 0;
}

static int version_cols(sqlite3_stmt *st, int c, uint32_t *topology, uint32_t *counter) {
  if (sqlite3_column_bytes(st, c) != (int)VERSION_BLOB_BYTES) return XS_ECONFIG;
  const uint8_t *p = sqlite3_column_blob(st, c);
  memcpy(topology, p, XS_SITES_MAX * sizeof(uint32_t));
  memcpy(counter, p + XS_SITES_MAX * sizeof(uint32_t), XS_SITES_MAX * sizeof(uint32_t));
  return 0;
}

static int cache_row(loader *l, sqlite3_stmt *st) {
  int s = (int)col_i(st, 0), c = (int)col_i(st, 1);
  const char *name = (const char *)sqlite3_column_text(st, 2), *have = xs_sim_cache_name(l->sim, c);
  if (!name || !have || strcmp(name, have) != 0) return bad(l, "a saved cache", XS_ENOCACHE);
  uint32_t tv[XS_SITES_MAX], cv[XS_SITES_MAX];
  int rc = version_cols(st, 3, tv, cv);
  if (rc == 0) rc = xs_snap_cache_version_set(l->sim, s, c, tv, cv);
  return rc < 0 ? bad(l, name, rc) : 0;
}

static int push_status_of(const char *text) {
  for (int p = XS_PUSH_IDLE; p <= XS_PUSH_CANCELED; p++)
    if (text && strcmp(text, xs_push_status_text((xs_push_status)p)) == 0) return p;
  return XS_EINVAL;
}

static int backup_row(loader *l, sqlite3_stmt *st) {
  const char *mode = (const char *)sqlite3_column_text(st, 9);
  int push = push_status_of((const char *)sqlite3_column_text(st, 8));
  if (push < 0 || !mode) return bad(l, "a saved backup state", XS_EINVAL);
  xs_snap_backup b = {.offline = col_i(st, 3) != 0, .after_failures = (int32_t)col_i(st, 4),
                      .min_wait_ms = col_i(st, 5), .first_failure_ms = col_i(st, 6),
                      .failure_count = col_i(st, 7), .push = (xs_push_status)push,
                      .st_mode = strcmp(mode, "AUTO") == 0 ? XS_ST_AUTO : XS_ST_MANUAL};
  int rc = xs_snap_backup_set(l->sim, (int)col_i(st, 0), (int)col_i(st, 1), (int)col_i(st, 2), &b);
  return rc < 0 ? bad(l, "a saved backup state", rc) : 0;
}

static int entry_row(loader *l, sqlite3_stmt *st) {
  xs_snap_entry e = {.key = sqlite3_column_blob(st, 2), .key_len = (uint32_t)sqlite3_column_bytes(st, 2),
                     .value = sqlite3_column_blob(st, 3), .value_len = (uint32_t)sqlite3_column_bytes(st, 3),
                     .vtype = (uint8_t)col_i(st, 4), .expire_ms = col_i(st, 5), .max_idle_ms = col_i(st, 6),
                     .last_used_ms = col_i(st, 7), .irac_site = -1};
  if (sqlite3_column_type(st, 8) != SQLITE_NULL) {
    e.has_irac = true;
    e.irac_site = (int)col_i(st, 8);
    if (version_cols(st, 9, e.irac_topology, e.irac_counter)) return bad(l, "a saved entry", XS_ECONFIG);
  }
  if (!e.key) e.key = (const uint8_t *)"";
  if (!e.value) e.value = (const uint8_t *)"";
  int rc = xs_snap_put(l->sim, (int)col_i(st, 0), (int)col_i(st, 1), &e);
  if (rc == 0) l->info.entries++;
  return rc < 0 ? bad(l, "a saved entry", rc) : 0;
}

static int load_all(loader *l) {
  int rc = each_row(l, "SELECT key, value FROM meta", meta_row);
  if (rc == 0 && l->info.schema_version != XS_STATE_SCHEMA_VERSION)
    return fail(l->err, l->errlen, XS_ECONFIG, "schema version %d, this build reads %d", l->info.schema_version,
                XS_STATE_SCHEMA_VERSION);
  if (rc == 0) rc = each_row(l, "SELECT config FROM topology WHERE id = 1", topology_row);
  if (rc == 0 && !l->sim) return fail(l->err, l->errlen, XS_ECONFIG, "no topology");
  if (rc == 0) rc = each_row(l, "SELECT site, name, up FROM sites ORDER BY site", site_row);
  if (rc == 0) rc = each_row(l, "SELECT * FROM links ORDER BY from_site, to_site", link_row);
  if (rc == 0) rc = each_row(l, "SELECT * FROM views ORDER BY site, remote", view_row);
  if (rc == 0) rc = each_row(l, "SELECT * FROM caches ORDER BY site, cache", cache_row);
  if (rc == 0) rc = each_row(l, "SELECT * FROM backups ORDER BY site, cache, remote", backup_row);
  if (rc == 0) rc = each_row(l, "SELECT * FROM entries ORDER BY site, cache, rowid", entry_row);
  return rc;
}

int xs_state_load(const char *path, xs_sim **out, xs_state_info *info, char *err, size_t errlen) {
  char msg[512] = "";
  loader l = {.err = msg, .errlen = sizeof msg};
  *out = NULL;
  if (sqlite3_open_v2(path, &l.db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
    int rc = sql_fail(l.db, path, err, errlen);
    sqlite3_close(l.db);
    return rc;
  }
  int rc = sqlite3_exec(l.db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK ? XS_ECONFIG : load_all(&l);
  if (rc && !msg[0]) snprintf(msg, sizeof msg, "%s", sqlite3_errmsg(l.db));
  sqlite3_exec(l.db, "COMMIT", NULL, NULL, NULL);
  sqlite3_close(l.db);
  if (rc) {
    xs_sim_free(l.sim);
    return fail(err, errlen, rc < 0 ? rc : XS_ECONFIG, "%s: %s", path, msg);
  }
  *out = l.sim;
  if (info) *info = l.info;
  return 0;
}
