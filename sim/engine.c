/* engine.c - the event queue and virtual clock (see engine.h). */
#include "engine.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#define SEQ_MASK (~XS_EVENT_BG)
#define LANE_MASK ((uint64_t)XS_ENGINE_LANES - 1)
#define LANE_KEEP_EVENTS 4096u /* an empty lane keeps a buffer this big (160 KiB) */

_Static_assert(XS_ENGINE_LANES == 64, "one bit per lane in lane_bits, rotated as a whole word");

static bool before(const xs_event *a, const xs_event *b) {
  if (a->time != b->time) return a->time < b->time;
  return (a->seq & SEQ_MASK) < (b->seq & SEQ_MASK);
}

int xs_engine_init(xs_engine *e) {
  *e = (xs_engine){0};
  e->cap = 1024;
  e->heap = malloc(e->cap * sizeof *e->heap);
  return e->heap ? 0 : XS_ENOMEM;
}

void xs_engine_free(xs_engine *e) {
  free(e->heap);
  for (int i = 0; i < XS_ENGINE_LANES; i++) free(e->lanes[i].ev);
  *e = (xs_engine){0};
}

/* ------------------------------------------------------------------------ */
/* The heap                                                                   */

static int heap_push(xs_engine *e, const xs_event *ev) {
  if (e->hn == e->cap) {
    size_t cap = e->cap * 2;
    xs_event *h = realloc(e->heap, cap * sizeof *h);
    if (!h) return XS_ENOMEM;
    e->heap = h;
    e->cap = cap;
  }
  /* Sift up: move the hole toward the root while the parent is later. */
  size_t i = e->hn++;
  while (i > 0) {
    size_t p = (i - 1) / 2;
    if (!before(ev, &e->heap[p])) break;
    e->heap[i] = e->heap[p];
    i = p;
  }
  e->heap[i] = *ev;
  return 0;
}

static void heap_pop(xs_engine *e, xs_event *out) {
  *out = e->heap[0];
  xs_event last = e->heap[--e->hn];
  /* Sift down the former last element from the root. */
  size_t i = 0, n = e->hn;
  for (;;) {
    size_t c = 2 * i + 1;
    if (c >= n) break;
    if (c + 1 < n && before(&e->heap[c + 1], &e->heap[c])) c++;
    if (!before(&e->heap[c], &last)) break;
    e->heap[i] = e->heap[c];
    i = c;
  }
  if (n) e->heap[i] = last;
}

/* ------------------------------------------------------------------------ */
/* The lanes                                                                  */

static int lane_push(xs_engine *e, const xs_event *ev) {
  unsigned li = (unsigned)((uint64_t)ev->time & LANE_MASK);
  xs_lane *l = &e->lanes[li];
  if (l->n == l->cap) {
    if (l->head > 0) {
      /* Popping while pushing (events due now): reuse the consumed front. */
      memmove(l->ev, l->ev + l->head, (size_t)(l->n - l->head) * sizeof *l->ev);
      l->n -= l->head;
      l->head = 0;
    } else {
      uint32_t cap = l->cap ? l->cap * 2 : 64;
      xs_event *a = realloc(l->ev, (size_t)cap * sizeof *a);
      if (!a) return XS_ENOMEM;
      l->ev = a;
      l->cap = cap;
    }
  }
  /* Every event in the lane window is at most LANES-1 ahead of the clock,
   * so a lane holding events holds this very time. */
  assert(l->head == l->n || l->time == ev->time);
  l->time = ev->time;
  l->ev[l->n++] = *ev;
  e->lane_bits |= 1ull << li;
  return 0;
}

/* The index of the lane due first, or XS_ENGINE_LANES when all are empty.
 * Lanes hold times now .. now+LANES-1, so the first is the first set bit
 * at or after now's bit, going round. */
static unsigned first_lane(const xs_engine *e) {
  if (!e->lane_bits) return XS_ENGINE_LANES;
  unsigned s = (unsigned)((uint64_t)e->now & LANE_MASK);
  uint64_t rot = s ? (e->lane_bits >> s) | (e->lane_bits << (64 - s)) : e->lane_bits;
  return (s + (unsigned)__builtin_ctzll(rot)) & (unsigned)LANE_MASK;
}

static void lane_pop(xs_engine *e, xs_lane *l, xs_event *out) {
  *out = l->ev[l->head++];
  if (l->head == l->n) {
    l->head = l->n = 0;
    e->lane_bits &= ~(1ull << (l - e->lanes));
    /* Each of the lanes serves a burst in turn; were they all to keep the
     * largest burst's buffer, 64 of them would hold tens of megabytes. */
    if (l->cap > LANE_KEEP_EVENTS) {
      free(l->ev);
      l->ev = NULL;
      l->cap = 0;
    }
  }
}

/* ------------------------------------------------------------------------ */
/* Scheduling and running                                                     */

uint64_t xs_engine_reserve_seq(xs_engine *e) { return e->next_seq++; }

static int schedule(xs_engine *e, xs_ms t, bool background, xs_event_fn fn, void *obj,
                    uint64_t arg, uint64_t seq, bool fresh) {
  assert(fn != NULL && seq < e->next_seq);
  if (e->n >= XS_EVENTS_PENDING_MAX) return XS_ELIMIT;
  xs_event ev = {t < e->now ? e->now : t, seq, fn, obj, arg};
  if (background) ev.seq |= XS_EVENT_BG;
  /* Only an event with the newest sequence number may join a lane: that
   * keeps each lane in sequence order. */
  int rc = fresh && (uint64_t)(ev.time - e->now) < XS_ENGINE_LANES ? lane_push(e, &ev)
                                                                     : heap_push(e, &ev);
  if (rc) return rc;
  e->n++;
  if (!background) e->fg_pending++;
  return 0;
}

int xs_engine_at(xs_engine *e, xs_ms t, bool background, xs_event_fn fn, void *obj, uint64_t arg) {
  /* The sequence number is taken only once the event is in: a refused
   * event must not use one up. */
  int rc = schedule(e, t, background, fn, obj, arg, e->next_seq++, true);
  if (rc) e->next_seq--;
  return rc;
}

int xs_engine_at_seq(xs_engine *e, xs_ms t, bool background, xs_event_fn fn, void *obj,
                     uint64_t arg, uint64_t seq) {
  return schedule(e, t, background, fn, obj, arg, seq, false);
}

bool xs_engine_pop(xs_engine *e, xs_event *out) {
  if (e->n == 0) return false;
  unsigned li = first_lane(e);
  xs_lane *l = li < XS_ENGINE_LANES ? &e->lanes[li] : NULL;
  if (l && (e->hn == 0 || before(&l->ev[l->head], &e->heap[0]))) lane_pop(e, l, out);
  else heap_pop(e, out);
  e->n--;
  assert(out->time >= e->now);
  e->now = out->time;
  if (!(out->seq & XS_EVENT_BG)) {
    assert(e->fg_pending > 0);
    e->fg_pending--;
  }
  e->run++;
  return true;
}

xs_ms xs_engine_next_time(const xs_engine *e) {
  unsigned li = first_lane(e);
  xs_ms t = e->hn ? e->heap[0].time : XS_TIME_NEVER;
  return li < XS_ENGINE_LANES && e->lanes[li].time < t ? e->lanes[li].time : t;
}

void xs_engine_foreach(xs_engine *e, void (*fn)(xs_event *ev, void *ud), void *ud) {
  for (size_t i = 0; i < e->hn; i++) fn(&e->heap[i], ud);
  for (int li = 0; li < XS_ENGINE_LANES; li++)
    for (uint32_t i = e->lanes[li].head; i < e->lanes[li].n; i++) fn(&e->lanes[li].ev[i], ud);
}

const xs_event *xs_engine_peek(const xs_engine *e, unsigned k) {
  unsigned li = first_lane(e);
  if (li >= XS_ENGINE_LANES) return NULL;
  const xs_lane *l = &e->lanes[li];
  return l->head + k < l->n ? &l->ev[l->head + k] : NULL;
}
