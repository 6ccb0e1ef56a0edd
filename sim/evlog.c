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

/* One record into the running hash; its text is given as words w, of
 * which the first ceil(n / 8) hold the n text bytes (the rest are zero and
 * not hashed). */
static uint64_t hash_record(uint64_t h, const xs_ev_record *r, const uint64_t *w, size_t n) {
  h = mix(h, (uint64_t)r->time);
  h = mix(h, ((uint64_t)r->kind << 48) ^ ((uint64_t)(uint8_t)r->site << 40) ^
                 ((uint64_t)(uint8_t)r->peer << 32) ^ (uint64_t)(uint16_t)r->cache);
  h = mix(h, (uint64_t)(uint32_t)r->code);
  h = mix(h, r->arg);
  for (size_t k = 0; 8 * k < n; k++) h = mix(h, w[k]);
  return h;
}

/* The next ring slot; fill() and set_text() write every field of it. */
static xs_ev_record *next_slot(xs_evlog *l) {
  xs_ev_record *r = &l->ring[l->count & (XS_EVLOG_RING_MAX - 1)];
  r->seq = l->count++;
  return r;
}

#define ONES 0x0101010101010101ull
#define HIGHS 0x8080808080808080ull

/* Bytes p[0..m) (1 <= m <= 8) as a word, byte i in bits 8i..8i+7; with
 * `printable`, bytes outside ' '..'~' read as '.'. */
static uint64_t text_word(const uint8_t *p, size_t m, bool printable) {
  uint64_t x = 0;
  if (m == 8) {
    memcpy(&x, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    x = __builtin_bswap64(x);
#endif
    /* Any byte below ' ' or above '~'?  (Exact as a yes/no.) */
    bool odd = (((x - ONES * 0x20) & ~x) | ((x + ONES * 1) | x)) & HIGHS;
    if (!printable || !odd) return x;
    x = 0;
  }
  for (size_t i = 0; i < m; i++) {
    uint8_t c = p[i];
    if (printable && (c < 32 || c >= 127)) c = '.';
    x |= (uint64_t)c << (8 * i);
  }
  return x;
}

/* Stores n text bytes, zero-padded, and gives their words to the hash in
 * w.  The words are composed from the source, not read back from the
 * record: loading a word over bytes just stored one at a time stalls on
 * store forwarding. */
static size_t set_text(xs_ev_record *r, const uint8_t *src, size_t n, bool printable, uint64_t w[6]) {
  _Static_assert(sizeof r->text == 48, "the text is six words");
  if (n > sizeof r->text - 1) n = sizeof r->text - 1;
  size_t k = 0;
  for (; 8 * k < n; k++) {
    uint64_t x = text_word(src + 8 * k, n - 8 * k < 8 ? n - 8 * k : 8, printable);
    w[k] = x;
    /* Straight from the register: copying w as a whole would load wide
     * over narrow stores, the stall this avoids. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    x = __builtin_bswap64(x);
#endif
    memcpy(r->text + 8 * k, &x, 8);
  }
  memset(r->text + 8 * k, 0, sizeof r->text - 8 * k);
  return n;
}

static void finish(xs_evlog *l, xs_ev_record *r, const uint64_t *w, size_t n) {
  l->hash = hash_record(l->hash, r, w, n);
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
  uint64_t w[6];
  fill(r, time, kind, site, peer, cache, code, arg);
  size_t n = set_text(r, (const uint8_t *)text, text ? strlen(text) : 0, false, w);
  finish(l, r, w, n);
}

void xs_evlog_add_bytes(xs_evlog *l, xs_ms time, xs_ev_kind kind, int site, int peer, int cache,
                        int32_t code, uint64_t arg, const uint8_t *bytes, size_t len) {
  xs_ev_record *r = next_slot(l);
  uint64_t w[6];
  fill(r, time, kind, site, peer, cache, code, arg);
  size_t n = set_text(r, bytes, len, true, w);
  finish(l, r, w, n);
}
