/*
 * evlog.h - the event log: every notable thing the simulation does, as a
 * fixed-size record.  Each record feeds a running 64-bit hash (the
 * determinism fingerprint: same seed and build, same hash), the newest
 * XS_EVLOG_RING_MAX records stay in a ring for dashboards and graders, and
 * the whole log is kept only when asked for, so long runs stay small.
 */
#ifndef XS_EVLOG_H
#define XS_EVLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xsim.h"

typedef struct xs_evlog {
  uint64_t hash;
  uint64_t count;
  xs_ev_record *ring; /* XS_EVLOG_RING_MAX records */
  bool keep_all;
  xs_ev_record *all;
  size_t all_n, all_cap;
} xs_evlog;

int xs_evlog_init(xs_evlog *l);
void xs_evlog_free(xs_evlog *l);
/* Appends a record; text may be NULL.  Never fails: when keeping the whole
 * log runs out of memory, the ring and the hash still advance. */
void xs_evlog_add(xs_evlog *l, xs_ms time, xs_ev_kind kind, int site, int peer, int cache,
                  int32_t code, uint64_t arg, const char *text);
/* Like xs_evlog_add with a text made from bytes (a key): printable ASCII is
 * kept and other bytes become '.', truncated to fit. */
void xs_evlog_add_bytes(xs_evlog *l, xs_ms time, xs_ev_kind kind, int site, int peer, int cache,
                        int32_t code, uint64_t arg, const uint8_t *bytes, size_t len);

#endif /* XS_EVLOG_H */
