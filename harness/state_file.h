/*
 * state_file.h - a whole simulation's state in a sqlite3 file: written by
 * `xsim run --save-state FILE[@MARK]`, read by `xsim serve --load-state
 * FILE`, so that a trainer can hand staff a broken pair of sites to repair.
 *
 * Saved: the topology (as the core's struct; the file records its size and
 * refuses to load into a build where it differs), the seed, the virtual
 * time, per site up/down and its view, every link (up, latency, jitter,
 * loss), per (site, cache) every live entry (key, value, value type,
 * expiry, max-idle, last use, IRAC version) and the newest IRAC version,
 * and per (site, cache, remote) the take-offline status and configuration,
 * the push-state status and the state-transfer mode (sim/snapshot.h).  Not
 * saved: messages and operations in flight, IRAC queues and tombstones, a
 * running push, counters and the event log - take the snapshot where what
 * matters has settled.
 */
#ifndef XS_STATE_FILE_H
#define XS_STATE_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "xsim.h"

#define XS_STATE_SCHEMA_VERSION 1
#define XS_STATE_SOURCE_BYTES_MAX 512 /* "scenarios/x.xsim@mark", recorded */

typedef struct xs_state_info {
  int schema_version;
  uint64_t seed;
  xs_ms time_ms;
  char source[XS_STATE_SOURCE_BYTES_MAX];
  int64_t entries;
} xs_state_info;

/* Writes sim's state to path (replacing the file).  `source` says where it
 * came from.  0, or a negative XS_E* with the message in err. */
int xs_state_save(const xs_sim *sim, const char *path, const char *source, char *err, size_t errlen);

/* Builds a new simulation from a file written by xs_state_save; *out owns
 * it.  0 or a negative XS_E* with the message in err.  info may be NULL. */
int xs_state_load(const char *path, xs_sim **out, xs_state_info *info, char *err, size_t errlen);

#endif /* XS_STATE_FILE_H */
