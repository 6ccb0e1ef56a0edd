/*
 * engine.h - the discrete-event engine: a virtual clock and a priority queue
 * of events ordered by (time, insertion sequence).  Ties are broken by the
 * order events were scheduled, as libuv breaks timer ties by start_id, so a
 * run depends only on what was scheduled, never on addresses or hashing.
 *
 * Events are small values stored in the heap itself: scheduling one never
 * allocates once the heap has grown to the working-set size.  Cancelling is
 * lazy - a handler checks whether the object it was scheduled for still
 * wants it.
 */
#ifndef XS_ENGINE_H
#define XS_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xsim.h"

typedef void (*xs_event_fn)(xs_sim *sim, void *obj, uint64_t arg);

typedef struct xs_event {
  xs_ms time;
  uint64_t seq;   /* bit 63: background (housekeeping) event */
  xs_event_fn fn;
  void *obj;
  uint64_t arg;
} xs_event;

#define XS_EVENT_BG (1ull << 63)

typedef struct xs_engine {
  xs_ms now;
  uint64_t next_seq;
  xs_event *heap;
  size_t n, cap;
  uint64_t fg_pending; /* events that are not background housekeeping */
  uint64_t run;        /* events run so far */
} xs_engine;

int xs_engine_init(xs_engine *e);
void xs_engine_free(xs_engine *e);
/* Schedules fn(sim, obj, arg) at time t (clamped to now). 0 or XS_ENOMEM /
 * XS_ELIMIT (XS_EVENTS_PENDING_MAX). */
int xs_engine_at(xs_engine *e, xs_ms t, bool background, xs_event_fn fn, void *obj, uint64_t arg);
/* Takes the next insertion sequence number without scheduling anything, so
 * that an event scheduled later with xs_engine_at_seq() sorts exactly where
 * one scheduled now would have (link.c's request timeouts). */
uint64_t xs_engine_reserve_seq(xs_engine *e);
/* Like xs_engine_at, with a sequence number from xs_engine_reserve_seq(). */
int xs_engine_at_seq(xs_engine *e, xs_ms t, bool background, xs_event_fn fn, void *obj,
                     uint64_t arg, uint64_t seq);
/* Removes the earliest event into *out and advances the clock to its time.
 * Returns false when the queue is empty. */
bool xs_engine_pop(xs_engine *e, xs_event *out);
xs_ms xs_engine_next_time(const xs_engine *e);

#endif /* XS_ENGINE_H */
