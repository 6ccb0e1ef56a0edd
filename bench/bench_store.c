/*
 * bench_store.c - throughput and memory of the key/value store (sim/store.c)
 * at a million entries of 16-byte keys and 32-byte values.
 *
 * Prints put, find and remove operations per second (wall clock; this is a
 * benchmark, not part of the simulation) and the bytes an entry costs beyond
 * its key and value, measured twice: as the store accounts for it
 * (xs_store_overhead_bytes) and independently from glibc's mallinfo2()
 * before and after filling the store.
 *
 * Usage: bench_store [entries]
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "store.h"

#define KEY_BYTES 16
#define VALUE_BYTES 32

/* Key i: its number in decimal, zero-padded to 16 bytes, as a client's keys
 * would look; the keys are built up front so that the timed loops measure
 * only the store. */
static void make_key(uint32_t i, uint8_t *k) {
  char buf[KEY_BYTES + 1];
  snprintf(buf, sizeof buf, "key:%012" PRIu32, i);
  memcpy(k, buf, KEY_BYTES);
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Bytes malloc has handed out and not had back, heap and mmap together. */
static size_t heap_in_use(void) {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
  struct mallinfo2 mi = mallinfo2();
  return mi.uordblks + mi.hblkhd;
#else
  return 0;
#endif
}

static void report(const char *what, uint32_t n, double secs) {
  printf("%-8s %10.0f ops/s  (%" PRIu32 " ops in %.3f s, %.0f ns/op)\n", what, n / secs, n, secs,
         secs * 1e9 / n);
}

/* A sequential permutation walk (i * stride mod n, stride coprime with n),
 * so that finds and removes do not follow insertion order. */
static uint32_t scramble(uint32_t i, uint32_t n) {
  return (uint32_t)(((uint64_t)i * 2654435761u) % n);
}

static uint32_t coprime_n(uint32_t n) {
  /* 2654435761 is prime, so any n it does not divide will do. */
  return n % 2654435761u == 0 ? n + 1 : n;
}

int main(int argc, char **argv) {
  uint32_t n = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 10) : 1000000u;
  if (n == 0) return 1;
  n = coprime_n(n);
  uint8_t *keys = malloc((size_t)n * KEY_BYTES);
  uint64_t *hashes = malloc((size_t)n * sizeof *hashes);
  if (!keys || !hashes) return 1;
  for (uint32_t i = 0; i < n; i++) {
    make_key(i, keys + (size_t)i * KEY_BYTES);
    hashes[i] = xs_hash_bytes(keys + (size_t)i * KEY_BYTES, KEY_BYTES);
  }
  uint8_t val[VALUE_BYTES];
  memset(val, 'v', sizeof val);
  xs_meta m = {XS_TIME_NEVER, -1, 1000, 1, 0};

  size_t heap0 = heap_in_use();
  xs_store *s = xs_store_new();
  if (!s) return 1;
  double t0 = now_s();
  for (uint32_t i = 0; i < n; i++)
    if (xs_store_put(s, keys + (size_t)i * KEY_BYTES, KEY_BYTES, hashes[i], val, VALUE_BYTES, &m,
                     NULL) != 0)
      return 1;
  double t1 = now_s();
  size_t heap1 = heap_in_use();
  size_t payload = (size_t)n * (KEY_BYTES + VALUE_BYTES);

  size_t found = 0;
  double t2 = now_s();
  for (uint32_t i = 0; i < n; i++) {
    uint32_t j = scramble(i, n);
    found += xs_store_find(s, keys + (size_t)j * KEY_BYTES, KEY_BYTES, hashes[j]) != NULL;
  }
  double t3 = now_s();
  if (found != n) return 1;

  printf("store: %" PRIu32 " entries, %d-byte keys, %d-byte values\n", n, KEY_BYTES, VALUE_BYTES);
  report("put", n, t1 - t0);
  report("find", n, t3 - t2);

  size_t over = xs_store_overhead_bytes(s);
  printf("overhead (xs_store_overhead_bytes): %.2f bytes/entry\n", (double)over / n);
  if (heap1 > heap0)
    printf("overhead (mallinfo2 delta):          %.2f bytes/entry\n",
           ((double)(heap1 - heap0) - (double)payload) / n);
  else
    printf("overhead (mallinfo2 delta):          unavailable\n");

  double t4 = now_s();
  for (uint32_t i = 0; i < n; i++) {
    uint32_t j = scramble(i, n);
    if (xs_store_remove(s, keys + (size_t)j * KEY_BYTES, KEY_BYTES, hashes[j]) != 0) return 1;
  }
  double t5 = now_s();
  report("remove", n, t5 - t4);
  if (xs_store_count(s) != 0) return 1;

  xs_store_free(s);
  free(keys);
  free(hashes);
  return 0;
}
