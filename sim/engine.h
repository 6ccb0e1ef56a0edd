/*
 * engine.h - the discrete-event engine: a virtual clock and a priority queue
 * of events ordered by (time, insertion sequence).  Ties are broken by the
 * order events were scheduled, as libuv breaks timer ties by start_id, so a
 * run depends only on what was scheduled, never on addresses or hashing.
 *
 * Events are small values stored in the queue itself: scheduling one never
 * allocates once the queue has grown to the working-set size.  Cancelling
 * is lazy - a handler checks whether the object it was scheduled for still
 * wants it.
 *
 * Most events are due within a few milliseconds (an operation starts now, a
 * message arrives after the link latency), so the queue has two parts: a
 * lane per millisecond for the next XS_ENGINE_LANES milliseconds, each a
 * FIFO - events scheduled for one time arrive in sequence order, so a FIFO
 * is already sorted - and a binary heap for everything later and for events
 * given an earlier sequence number (xs_engine_at_seq).  Popping takes the
 * smaller of the first lane's head and the heap's top, so the order is
 * exactly (time, sequence) either way.
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

#define XS_ENGINE_LANES 64 /* a power of two, at most 64 (a bit each) */

/* The events due at one time, in sequence order: ev[head..n). */
typedef struct xs_lane {
  xs_ms time;
  xs_event *ev;
  uint32_t head, n, cap;
} xs_lane;

typedef struct xs_engine {
  xs_ms now;
  uint64_t next_seq;
  xs_event *heap;
  size_t hn, cap;      /* events in the heap, and its capacity */
  size_t n;            /* events pending in all, heap and lanes */
  uint64_t fg_pending; /* events that are not background housekeeping */
  uint64_t run;        /* events run so far */
  uint64_t lane_bits;  /* bit i: lanes[i] holds events */
  xs_lane lanes[XS_ENGINE_LANES]; /* lanes[t % LANES] for now <= t < now + LANES */
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
/* The event k places after the next one, when the next one's lane holds
 * it; NULL otherwise.  For look-ahead hints only. */
const xs_event *xs_engine_peek(const xs_engine *e, unsigned k);
/* Calls fn for every pending event, in no particular order (for freeing
 * what events own when a simulation goes away). */
void xs_engine_foreach(xs_engine *e, void (*fn)(xs_event *ev, void *ud), void *ud);

#endif /* XS_ENGINE_H */
