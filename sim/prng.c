/* prng.c - xoshiro256** with splitmix64 seeding (see prng.h). */
#include "prng.h"

#include <assert.h>

static uint64_t splitmix64(uint64_t *x) {
  uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

void xs_prng_seed(xs_prng *r, uint64_t seed) {
  uint64_t x = seed;
  for (int i = 0; i < 4; i++) r->s[i] = splitmix64(&x);
  /* xoshiro must not start from the all-zero state; splitmix64 never yields
   * four zeros in a row, but say so where it matters. */
  assert(r->s[0] | r->s[1] | r->s[2] | r->s[3]);
}

uint64_t xs_prng_split(uint64_t root, const char *name) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (const unsigned char *p = (const unsigned char *)name; *p; p++) h = (h ^ *p) * 0x100000001b3ull;
  uint64_t x = root ^ h;
  return splitmix64(&x);
}

uint64_t xs_prng_next(xs_prng *r) {
  uint64_t *s = r->s;
  uint64_t result = rotl(s[1] * 5, 7) * 9;
  uint64_t t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 45);
  return result;
}

uint64_t xs_prng_below(xs_prng *r, uint64_t n) {
  assert(n > 0);
  /* Rejection sampling: draw again when the value falls in the short last
   * stripe, so every residue is equally likely. */
  uint64_t limit = UINT64_MAX - UINT64_MAX % n;
  uint64_t v;
  do v = xs_prng_next(r);
  while (v >= limit);
  return v % n;
}

double xs_prng_unit(xs_prng *r) { return (double)(xs_prng_next(r) >> 11) * 0x1.0p-53; }
