/*
 * snapshot.h - reading a simulation's state in full and writing it back
 * into a fresh one, for `xsim run --save-state` / `xsim serve --load-state`
 * (harness/state_file.c keeps it in sqlite3).
 *
 * What the public API (xsim.h) already reads and restores is not repeated
 * here: the topology and seed (xs_sim_new), the clock (xs_sim_run_until),
 * sites up or down (xs_site_crash), links (xs_link_get / xs_link_set_*).
 * This adds the rest: every live entry with its metadata and IRAC version,
 * the backup state of each (site, cache, remote), a cache's newest IRAC
 * version, and the views.  Restoring writes state directly: no events, no
 * replication, no log lines.  A snapshot is of state, not of messages in
 * flight: requests, client operations, IRAC queues, tombstones and a push
 * that is running are not part of it.
 */
#ifndef XS_SNAPSHOT_H
#define XS_SNAPSHOT_H

#include <stdbool.h>
#include <stdint.h>

#include "xsim.h"

/* One entry as stored: key, value and metadata (times are absolute). */
typedef struct xs_snap_entry {
  const uint8_t *key;
  uint32_t key_len;
  const uint8_t *value;
  uint32_t value_len;
  uint8_t vtype;
  xs_ms expire_ms;       /* XS_TIME_NEVER when immortal */
  xs_ms max_idle_ms;     /* -1 when none */
  xs_ms last_used_ms;
  bool has_irac;         /* the entry carries an IRAC version */
  int irac_site;         /* the site that produced the value */
  uint32_t irac_topology[XS_SITES_MAX]; /* the vector clock, per site */
  uint32_t irac_counter[XS_SITES_MAX];
} xs_snap_entry;

typedef int (*xs_snap_entry_cb)(void *ud, const xs_snap_entry *e);

/* Calls cb for each live entry of (site, cache), in the store's order;
 * stops early when cb returns non-zero and returns that.  0 when the cache
 * is not defined there (or the site is down). */
int xs_snap_entries(const xs_sim *sim, int site, int cache, xs_snap_entry_cb cb, void *ud);
/* Stores an entry on (site, cache) only: no lock, no replication, no event.
 * 0, XS_ENOSITE / XS_ENOCACHE, XS_ENOMEM, XS_ELIMIT, or XS_EINVAL for an IRAC
 * version whose site or components lie outside the topology's sites. */
int xs_snap_put(xs_sim *sim, int site, int cache, const xs_snap_entry *e);

/* The backup state of (site, cache) towards remote. */
typedef struct xs_snap_backup {
  bool offline;
  int32_t after_failures;  /* take-offline config */
  xs_ms min_wait_ms;
  xs_ms first_failure_ms;  /* -1 when no failure is pending */
  int64_t failure_count;
  xs_push_status push;     /* SENDING is restored as ERROR: the push itself is not kept */
  xs_st_mode st_mode;
} xs_snap_backup;

/* 0 or XS_ENOCACHE / XS_ENOBACKUPS / XS_ENOTBACKUP as xs_admin_site_status. */
int xs_snap_backup_get(const xs_sim *sim, int site, int cache, int remote, xs_snap_backup *out);
int xs_snap_backup_set(xs_sim *sim, int site, int cache, int remote, const xs_snap_backup *in);

/* The newest IRAC version (site, cache) has seen, so that writes after a
 * restore are ordered after the restored ones. */
int xs_snap_cache_version_get(const xs_sim *sim, int site, int cache,
                              uint32_t topology[XS_SITES_MAX], uint32_t counter[XS_SITES_MAX]);
int xs_snap_cache_version_set(xs_sim *sim, int site, int cache,
                              const uint32_t topology[XS_SITES_MAX],
                              const uint32_t counter[XS_SITES_MAX]);

/* Puts remote in or out of site's cross-site view (no event). */
int xs_snap_view_set(xs_sim *sim, int site, int remote, bool in_view);

#endif /* XS_SNAPSHOT_H */
