/*
 * prng.h - the simulation's pseudo-random numbers: xoshiro256** seeded through
 * splitmix64.  A simulation owns one root seed and splits a stream per
 * subsystem by name, so adding a consumer of randomness in one subsystem
 * does not change the numbers another one sees.
 */
#ifndef XS_PRNG_H
#define XS_PRNG_H

#include <stdint.h>

typedef struct xs_prng {
  uint64_t s[4];
} xs_prng;

void xs_prng_seed(xs_prng *r, uint64_t seed);
/* The seed of the stream called `name` under `root` (FNV-1a of the name mixed
 * with the root through splitmix64). */
uint64_t xs_prng_split(uint64_t root, const char *name);
uint64_t xs_prng_next(xs_prng *r);
/* Uniform in [0, n) without modulo bias; n > 0. */
uint64_t xs_prng_below(xs_prng *r, uint64_t n);
/* Uniform in [0, 1). */
double xs_prng_unit(xs_prng *r);

#endif /* XS_PRNG_H */
