/* engine.c - the event heap and virtual clock (see engine.h). */
#include "engine.h"

#include <assert.h>
#include <stdlib.h>

#define SEQ_MASK (~XS_EVENT_BG)

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
  e->heap = NULL;
  e->n = e->cap = 0;
}

static int grow(xs_engine *e) {
  if (e->cap >= XS_EVENTS_PENDING_MAX) return XS_ELIMIT;
  size_t cap = e->cap * 2;
  xs_event *h = realloc(e->heap, cap * sizeof *h);
  if (!h) return XS_ENOMEM;
  e->heap = h;
  e->cap = cap;
  return 0;
}

uint64_t xs_engine_reserve_seq(xs_engine *e) { return e->next_seq++; }

int xs_engine_at(xs_engine *e, xs_ms t, bool background, xs_event_fn fn, void *obj, uint64_t arg) {
  /* Grow first: a refused event must not use up a sequence number. */
  if (e->n == e->cap) {
    int rc = grow(e);
    if (rc) return rc;
  }
  return xs_engine_at_seq(e, t, background, fn, obj, arg, e->next_seq++);
}

int xs_engine_at_seq(xs_engine *e, xs_ms t, bool background, xs_event_fn fn, void *obj,
                     uint64_t arg, uint64_t seq) {
  assert(fn != NULL && seq < e->next_seq);
  if (e->n == e->cap) {
    int rc = grow(e);
    if (rc) return rc;
  }
  xs_event ev = {t < e->now ? e->now : t, seq, fn, obj, arg};
  if (background) ev.seq |= XS_EVENT_BG;
  else e->fg_pending++;
  /* Sift up: move the hole toward the root while the parent is later. */
  size_t i = e->n++;
  while (i > 0) {
    size_t p = (i - 1) / 2;
    if (!before(&ev, &e->heap[p])) break;
    e->heap[i] = e->heap[p];
    i = p;
  }
  e->heap[i] = ev;
  return 0;
}

bool xs_engine_pop(xs_engine *e, xs_event *out) {
  if (e->n == 0) return false;
  *out = e->heap[0];
  xs_event last = e->heap[--e->n];
  /* Sift down the former last element from the root. */
  size_t i = 0, n = e->n;
  for (;;) {
    size_t c = 2 * i + 1;
    if (c >= n) break;
    if (c + 1 < n && before(&e->heap[c + 1], &e->heap[c])) c++;
    if (!before(&e->heap[c], &last)) break;
    e->heap[i] = e->heap[c];
    i = c;
  }
  if (n) e->heap[i] = last;
  assert(out->time >= e->now);
  e->now = out->time;
  if (!(out->seq & XS_EVENT_BG)) {
    assert(e->fg_pending > 0);
    e->fg_pending--;
  }
  e->run++;
  return true;
}

xs_ms xs_engine_next_time(const xs_engine *e) { return e->n ? e->heap[0].time : XS_TIME_NEVER; }
