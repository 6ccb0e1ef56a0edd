/*
 * bench_core.c - throughput and memory of the simulation core, through its
 * public C API, against the targets in docs/performance.md:
 *
 *   writes    SYNC-backed-up writes per wall second across a healthy link
 *             (resp-xsite: SYNC, FAIL; both sites write, each write waits
 *             for the other site), open loop, hundreds of ops in flight;
 *   realtime  simulated seconds per wall second: keycloak-ha, two sites,
 *             1,000 writes per simulated second over the 8 caches, with the
 *             link cut for the middle third of the run;
 *   push      push-state of 1,000,000 entries from site-a to site-b: wall
 *             time and peak RSS (getrusage ru_maxrss); resp-xsite (chunks
 *             of 512), and push-keycloak: keycloak-ha's sessions (chunks of
 *             16, as the runbook pushes them);
 *   memory    bytes per stored entry beyond key and value, per site (store
 *             overhead plus whatever else the core keeps per entry).
 *
 * Each part runs in a child process of its own, so that ru_maxrss is that
 * part's peak and not the largest of all.  The wall clock (clock_gettime)
 * is read here only; the simulation never reads it.
 *
 * Usage: bench_core [writes|realtime|push|push-keycloak|memory]...   (default: all)
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "sim_internal.h"
#include "xsim.h"

#define KEY_BYTES 16
#define VALUE_BYTES 32

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double maxrss_mib(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)ru.ru_maxrss / 1024.0; /* Linux reports KiB */
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

static xs_sim *sim_of(const char *preset, uint64_t seed) {
  xs_topology t;
  char err[XS_MSG_BYTES_MAX];
  if (xs_topology_preset(preset, &t) != 0) return NULL;
  xs_sim *sim = xs_sim_new(&t, seed, err, sizeof err);
  if (!sim) fprintf(stderr, "xs_sim_new: %s\n", err);
  return sim;
}

/* Key i as a client's keys look: "<prefix>:<14 digits>", 16 bytes.  Not
 * snprintf: the driver's own cost should not weigh on the figures. */
static void make_key(char *k, char prefix, uint64_t i) {
  k[0] = prefix;
  k[1] = ':';
  for (int d = KEY_BYTES - 1; d >= 2; d--) {
    k[d] = (char)('0' + i % 10);
    i /= 10;
  }
  k[KEY_BYTES] = 0;
}

/* ------------------------------------------------------------------------ */
/* Open-loop writers                                                          */

/* A client on one site that submits `per_tick` puts every `tick_ms` on
 * random caches, whatever became of the previous ones. */
typedef struct writer {
  xs_sim *sim;
  int site;
  int ncaches, cache0;      /* writes go to caches cache0 .. cache0+ncaches-1 */
  char prefix;
  uint32_t per_tick;
  xs_ms tick_ms, end;
  uint64_t keyspace, n, state;
  uint64_t done, failed;
} writer;

static void writer_done(xs_sim *sim, void *ud, const xs_op_result *r) {
  writer *w = ud;
  w->done++;
  if (r->status) w->failed++;
}

static void writer_tick(xs_sim *sim, void *ud) {
  writer *w = ud;
  char key[KEY_BYTES + 1], val[VALUE_BYTES];
  memset(val, 'v', sizeof val);
  for (uint32_t i = 0; i < w->per_tick; i++) {
    /* xorshift64: keys scattered over the key space, the same every run. */
    w->state ^= w->state << 13;
    w->state ^= w->state >> 7;
    w->state ^= w->state << 17;
    make_key(key, w->prefix, w->state % w->keyspace);
    xs_op op;
    xs_op_init(&op, XS_OP_PUT, w->site, w->cache0 + (int)(w->n++ % (uint64_t)w->ncaches));
    op.key = (const uint8_t *)key;
    op.key_len = KEY_BYTES;
    op.value = (const uint8_t *)val;
    op.value_len = VALUE_BYTES;
    if (xs_op_submit(sim, &op, writer_done, w) < 0) {
      w->done++;
      w->failed++;
    }
  }
  xs_ms next = xs_sim_now(sim) + w->tick_ms;
  if (next < w->end) xs_sim_timer(sim, next, writer_tick, w);
}

static void writer_start(writer *w, xs_sim *sim, int site, char prefix) {
  w->sim = sim;
  w->site = site;
  w->prefix = prefix;
  w->state = 0x9e3779b97f4a7c15ull ^ (uint64_t)prefix;
  xs_sim_timer(sim, 0, writer_tick, w);
}

/* ------------------------------------------------------------------------ */
/* Repetitions.  The machine is shared; each timed part runs REPS times on a */
/* fresh simulation and reports the best and the median.                    */

#define REPS 5

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* Sorts v and prints "best <b> median <m>" (best = largest). */
static void print_spread(double *v, int n, const char *unit) {
  qsort(v, (size_t)n, sizeof *v, cmp_double);
  printf("best %.0f%s, median %.0f%s of %d runs", v[n - 1], unit, v[n / 2], unit, n);
}

static double cpu_s(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
         (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* ------------------------------------------------------------------------ */
/* (a) SYNC-backed-up writes per wall second                                  */

/* One run: both sites of resp-xsite write 200 puts per virtual millisecond
 * each for 10 virtual seconds (4 M writes), keys drawn from `keyspace` per
 * site; with a 1 ms link each way about 800 writes are in flight at any
 * time.  Returns writes per wall second, or -1 on a failure. */
static double writes_run(uint64_t keyspace, bool verbose) {
  xs_sim *sim = sim_of("resp-xsite", 1);
  if (!sim) return -1;
  writer w[2];
  for (int s = 0; s < 2; s++) {
    w[s] = (writer){.ncaches = 1, .per_tick = 200, .tick_ms = 1, .end = 10000, .keyspace = keyspace};
    writer_start(&w[s], sim, s, s ? 'b' : 'a');
  }
  double t0 = now_s(), c0 = cpu_s();
  xs_sim_run_until(sim, 10000);
  xs_sim_run_quiescent(sim, XS_TIME_NEVER);
  double t1 = now_s(), c1 = cpu_s();
  uint64_t done = w[0].done + w[1].done, failed = w[0].failed + w[1].failed;
  int equal = xs_cache_equal(sim, 0, 0, 1, NULL, 0);
  if (verbose)
    printf("          %" PRIu64 " writes (%" PRIu64 " failed) in %.3f s wall, %.3f s CPU; %" PRIu64
           " events, %" PRIu64 " log records; %" PRId64 " entries per site; sites %s\n",
           done, failed, t1 - t0, c1 - c0, xs_sim_events_run(sim), xs_evlog_count(sim),
           xs_cache_size(sim, 0, 0), equal == 1 ? "equal" : "DIFFER");
  xs_sim_free(sim);
  return failed || equal != 1 ? -1 : (double)done / (t1 - t0);
}

static int bench_writes(void) {
  static const uint64_t keyspaces[] = {1000000, 100000, 10000};
  for (size_t k = 0; k < sizeof keyspaces / sizeof *keyspaces; k++) {
    double v[REPS];
    for (int i = 0; i < REPS; i++)
      if ((v[i] = writes_run(keyspaces[k], i == 0)) < 0) return 1;
    printf("writes:   %7" PRIu64 " keys/site: ", keyspaces[k]);
    print_spread(v, REPS, " SYNC-backed-up writes/s");
    printf("\n");
  }
  printf("          peak RSS %.1f MiB\n", maxrss_mib());
  return 0;
}

/* ------------------------------------------------------------------------ */
/* (b) Simulated seconds per wall second                                      */

static void cut(xs_sim *sim, void *ud) { xs_partition(sim, 0, 1, false); }
static void heal(xs_sim *sim, void *ud) { xs_heal(sim); }

/* One simulated hour of keycloak-ha: 1,000 writes per simulated second in
 * all (each site writes 5 every 10 ms over the 8 Keycloak caches, keys from
 * 100,000 per site), the link cut from minute 20 to minute 40.  Returns
 * simulated seconds per wall second, or -1. */
static double realtime_run(bool verbose) {
  const xs_ms run_ms = 3600 * 1000;
  xs_sim *sim = sim_of("keycloak-ha", 1);
  if (!sim) return -1;
  writer w[2];
  for (int s = 0; s < 2; s++) {
    w[s] = (writer){.ncaches = 8, .per_tick = 5, .tick_ms = 10, .end = run_ms, .keyspace = 100000};
    writer_start(&w[s], sim, s, s ? 'b' : 'a');
  }
  xs_sim_timer(sim, run_ms / 3, cut, NULL);
  xs_sim_timer(sim, 2 * run_ms / 3, heal, NULL);
  double t0 = now_s(), c0 = cpu_s();
  xs_sim_run_until(sim, run_ms);
  double t1 = now_s(), c1 = cpu_s();
  uint64_t done = w[0].done + w[1].done, failed = w[0].failed + w[1].failed;
  if (verbose)
    printf("          %.0f simulated s in %.3f s wall, %.3f s CPU; %" PRIu64 " writes, %" PRIu64
           " failed during the cut; %" PRIu64 " events, %" PRIu64 " log records\n",
           (double)run_ms / 1000.0, t1 - t0, c1 - c0, done, failed, xs_sim_events_run(sim),
           xs_evlog_count(sim));
  xs_sim_free(sim);
  return done < 3500000 ? -1 : (double)run_ms / 1000.0 / (t1 - t0);
}

static int bench_realtime(void) {
  double v[REPS];
  for (int i = 0; i < REPS; i++)
    if ((v[i] = realtime_run(i == 0)) < 0) return 1;
  printf("realtime: ");
  print_spread(v, REPS, "x real time");
  printf("\n");
  return 0;
}

/* ------------------------------------------------------------------------ */
/* Filling a cache without replication                                        */

static void ignore_done(xs_sim *sim, void *ud, const xs_op_result *r) {
  if (r->status) (*(uint64_t *)ud)++;
}

/* Puts n entries into `cache` on `site` with SKIP_XSITE_BACKUP (the REST
 * flags header), so that only that site holds them. */
static int fill(xs_sim *sim, int site, int cache, uint64_t n, uint32_t flags) {
  char key[KEY_BYTES + 1], val[VALUE_BYTES];
  memset(val, 'v', sizeof val);
  uint64_t failed = 0;
  for (uint64_t i = 0; i < n; i++) {
    make_key(key, 'k', i);
    xs_op op;
    xs_op_init(&op, XS_OP_PUT, site, cache);
    op.key = (const uint8_t *)key;
    op.key_len = KEY_BYTES;
    op.value = (const uint8_t *)val;
    op.value_len = VALUE_BYTES;
    op.flags = flags;
    if (xs_op_submit(sim, &op, ignore_done, &failed) < 0) return 1;
    if (i % 10000 == 9999) xs_sim_run_quiescent(sim, XS_TIME_NEVER);
  }
  xs_sim_run_quiescent(sim, XS_TIME_NEVER);
  return failed != 0;
}

/* ------------------------------------------------------------------------ */
/* (c) push-state of 1,000,000 entries                                        */

/* One run: fills `cache` of site-a (only) with n entries, then pushes it
 * to site-b and runs until the push status is no longer SENDING.  Returns
 * the push's wall seconds, or -1. */
static double push_run(const char *preset, const char *cache_name, uint64_t n, bool verbose) {
  xs_sim *sim = sim_of(preset, 1);
  if (!sim) return -1;
  int cache = xs_sim_cache_index(sim, cache_name);
  if (cache < 0 || fill(sim, 0, cache, n, XS_FLAG_SKIP_XSITE_BACKUP)) return -1;
  double rss_filled = maxrss_mib();
  xs_ms start = xs_sim_now(sim);
  double t0 = now_s();
  if (xs_admin_submit(sim, 0, cache, XS_ADMIN_PUSH_STATE, "site-b", NULL, NULL) != 0) return -1;
  while (xs_admin_push_status(sim, 0, cache, 1) == XS_PUSH_SENDING && xs_sim_step(sim)) {
  }
  double t1 = now_s();
  int st = xs_admin_push_status(sim, 0, cache, 1);
  int64_t got = xs_cache_size(sim, 1, cache);
  if (verbose)
    printf("          %s %s: %" PRIu64 " entries in %.3f s wall (%.1f simulated s, chunk %d, "
           "status %s, site-b holds %" PRId64 "); RSS %.1f MiB after filling site-a\n", preset,
           cache_name, n, t1 - t0, (double)(xs_sim_now(sim) - start) / 1000.0,
           xs_sim_topology(sim)->caches[cache].backups[0].st_chunk_size,
           xs_push_status_text((xs_push_status)st), got, rss_filled);
  xs_sim_free(sim);
  return st != XS_PUSH_OK || got != (int64_t)n ? -1 : t1 - t0;
}

/* The push of one preset's cache, in a process of its own (see run_part)
 * so that the peak RSS is that push's. */
static int bench_push_of(const char *preset, const char *cache) {
  const uint64_t n = 1000000;
  double v[REPS];
  for (int i = 0; i < REPS; i++)
    if ((v[i] = push_run(preset, cache, n, i == 0)) < 0) return 1;
  qsort(v, REPS, sizeof *v, cmp_double);
  printf("push:     %s: 1,000,000 entries in best %.3f s, median %.3f s wall of %d runs; "
         "peak RSS %.1f MiB\n", preset, v[0], v[REPS / 2], REPS, maxrss_mib());
  return 0;
}

static int bench_push(void) { return bench_push_of("resp-xsite", "respCache"); }
static int bench_push_keycloak(void) { return bench_push_of("keycloak-ha", "sessions"); }

/* ------------------------------------------------------------------------ */
/* (d) Bytes per entry                                                        */

/* Per-entry bytes beyond key and value on each site of `t`'s cache 0 after
 * n replicated puts from site-a: from malloc's books, and the part the
 * store accounts for itself. */
static int entry_overhead(const char *what, const xs_topology *t, uint64_t n) {
  char err[XS_MSG_BYTES_MAX];
  xs_sim *sim = xs_sim_new(t, 1, err, sizeof err);
  if (!sim) return 1;
  size_t heap0 = heap_in_use();
  if (fill(sim, 0, 0, n, 0)) return 1;
  /* Let ASYNC replication finish; stale timeouts are part of the run. */
  xs_sim_run_until(sim, xs_sim_now(sim) + 60000);
  size_t heap1 = heap_in_use();
  int64_t on_b = xs_cache_size(sim, 1, 0);
  double payload = (double)n * (KEY_BYTES + VALUE_BYTES) * 2;
  double store = (double)(xs_store_overhead_bytes(xs__cinst(sim, 0, 0)->store) +
                          xs_store_overhead_bytes(xs__cinst(sim, 1, 0)->store));
  double total = (double)(heap1 - heap0) - payload;
  printf("memory:   %-5s %.1f bytes/entry/site beyond key and value (store %.1f + rest of the "
         "core %.1f; %" PRIu64 " entries of %d+%d bytes on each of 2 sites, site-b holds %" PRId64 ")\n",
         what, total / (2.0 * (double)n), store / (2.0 * (double)n), (total - store) / (2.0 * (double)n),
         n, KEY_BYTES, VALUE_BYTES, on_b);
  xs_sim_free(sim);
  return on_b != (int64_t)n;
}

static int bench_memory(void) {
  xs_topology t;
  xs_topology_preset("resp-xsite", &t);
  int rc = entry_overhead("SYNC", &t, 1000000);
  /* The same with an ASYNC backup: every entry also carries an IRAC
   * version (site + version vector) in the version pool. */
  t.caches[0].backups[0].strategy = t.caches[0].backups[1].strategy = XS_STRATEGY_ASYNC;
  t.caches[0].backups[0].failure_policy = t.caches[0].backups[1].failure_policy = XS_POLICY_WARN;
  return rc | entry_overhead("ASYNC", &t, 1000000);
}

/* ------------------------------------------------------------------------ */
/* Driver                                                                     */

typedef struct part {
  const char *name;
  int (*fn)(void);
} part;

static const part parts[] = {
    {"writes", bench_writes}, {"realtime", bench_realtime},
    {"push", bench_push},     {"push-keycloak", bench_push_keycloak},
    {"memory", bench_memory},
};

/* Runs one part in a child so that its ru_maxrss is its own. */
static int run_part(const part *p) {
  fflush(stdout);
  pid_t pid = fork();
  if (pid < 0) return p->fn();
  if (pid == 0) {
    int rc = p->fn();
    fflush(stdout); /* _exit does not flush stdio */
    _exit(rc);
  }
  int status = 0;
  if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    printf("%s: FAILED\n", p->name);
    return 1;
  }
  return 0;
}

int main(int argc, char **argv) {
  int rc = 0;
  size_t nparts = sizeof parts / sizeof *parts;
  for (size_t i = 0; i < nparts; i++) {
    bool wanted = argc < 2;
    for (int a = 1; a < argc; a++) wanted |= strcmp(argv[a], parts[i].name) == 0;
    if (wanted) rc |= run_part(&parts[i]);
  }
  return rc;
}
