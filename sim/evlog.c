/* evlog.c - the event log, its ring and its running hash (see evlog.h). */
#include "evlog.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

_Static_assert((XS_EVLOG_RING_MAX & (XS_EVLOG_RING_MAX - 1)) == 0, "ring size is a power of two");

int xs_evlog_init(xs_evlog *l) {
  *l = (xs_evlog){0};
  l->hash = 0xcbf29ce484222325ull;
  l->ring = calloc(XS_EVLOG_RING_MAX, sizeof *l->ring);
  return l->ring ? 0 : XS_ENOMEM;
}

void xs_evlog_free(xs_evlog *l) {
  free(l->ring);
  free(l->all);
  *l = (xs_evlog){0};
}

/* One multiply-rotate round per 64-bit word: much cheaper than byte-wise
 * FNV on the hot path, and still sensitive to every field and its order. */
static uint64_t mix(uint64_t h, uint64_t v) {
  h ^= v * 0x9e3779b97f4a7c15ull;
  h = (h << 27) | (h >> 37);
  return h * 0x100000001b3ull + 0x632be59bd9b4e019ull;
}

static uint64_t hash_record(uint64_t h, const xs_ev_record *r) {
  h = mix(h, (uint64_t)r->time);
  h = mix(h, ((uint64_t)r->kind << 48) ^ ((uint64_t)(uint8_t)r->site << 40) ^
                 ((uint64_t)(uint8_t)r->peer << 32) ^ (uint64_t)(uint16_t)r->cache);
  h = mix(h, (uint64_t)(uint32_t)r->code);
  h = mix(h, r->arg);
  for (size_t i = 0; i < sizeof r->text && r->text[i]; i += 8) {
    uint64_t w = 0;
    memcpy(&w, r->text + i, 8);
    h = mix(h, w);
  }
  return h;
}

/* The next ring slot; fill() and set_text() write every field of it. */
static xs_ev_record *next_slot(xs_evlog *l) {
  xs_ev_record *r = &l->ring[l->count & (XS_EVLOG_RING_MAX - 1)];
  r->seq = l->count++;
  return r;
}

/* The text's tail is zeroed: the hash reads whole words. */
static void set_text_tail(xs_ev_record *r, size_t n) { memset(r->text + n, 0, sizeof r->text - n); }

static void finish(xs_evlog *l, xs_ev_record *r) {
  l->hash = hash_record(l->hash, r);
  if (!l->keep_all) return;
  if (l->all_n == l->all_cap) {
    size_t cap = l->all_cap ? l->all_cap * 2 : 4096;
    xs_ev_record *a = realloc(l->all, cap * sizeof *a);
    if (!a) return;
    l->all = a;
    l->all_cap = cap;
  }
  l->all[l->all_n++] = *r;
}

static void fill(xs_ev_record *r, xs_ms time, xs_ev_kind kind, int site, int peer, int cache,
                 int32_t code, uint64_t arg) {
  assert(kind > 0 && kind < XS_EV_KIND_COUNT);
  r->time = time;
  r->kind = (uint16_t)kind;
  r->site = (int8_t)site;
  r->peer = (int8_t)peer;
  r->cache = (int16_t)cache;
  r->code = code;
  r->arg = arg;
}

void xs_evlog_add(xs_evlog *l, xs_ms time, xs_ev_kind kind, int site, int peer, int cache,
                  int32_t code, uint64_t arg, const char *text) {
  xs_ev_record *r = next_slot(l);
  fill(r, time, kind, site, peer, cache, code, arg);
  size_t n = 0;
  if (text) {
    n = strlen(text);
    if (n > sizeof r->text - 1) n = sizeof r->text - 1;
    memcpy(r->text, text, n);
  }
  set_text_tail(r, n);
  finish(l, r);
}

void xs_evlog_add_bytes(xs_evlog *l, xs_ms time, xs_ev_kind kind, int site, int peer, int cache,
                        int32_t code, uint64_t arg, const uint8_t *bytes, size_t len) {
  xs_ev_record *r = next_slot(l);
  fill(r, time, kind, site, peer, cache, code, arg);
  if (len > sizeof r->text - 1) len = sizeof r->text - 1;
  for (size_t i = 0; i < len; i++) r->text[i] = (bytes[i] >= 32 && bytes[i] < 127) ? (char)bytes[i] : '.';
  set_text_tail(r, len);
  finish(l, r);
}
