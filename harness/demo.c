/*
 * demo.c - `xsim demo`: a two-minute story in virtual time, told through the
 * core's C API, for a new user and for `./run` until the scenario runner
 * lands.  Two sites with the legacy cross-DC configuration (SYNC, FAIL,
 * take-offline after 3 failures and 60 s); a client writes sessions on
 * site-a; the link breaks; writes fail until the take-offline rule fires;
 * the link heals; the sites differ; the out-of-sync runbook puts them right.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "demo.h"
#include "xsim.h"

typedef struct demo demo;

/* A client that writes session-<n> on site-a every `every_ms` until `end`. */
typedef struct writer {
  demo *d;
  xs_ms every_ms, end;
  int n;
} writer;

struct demo {
  xs_sim *sim;
  writer w;
  int a, b, sessions;
  int writes, failures;
  char last_error[XS_MSG_BYTES_MAX];
};

static void write_done(xs_sim *sim, void *ud, const xs_op_result *r) {
  demo *d = ud;
  d->writes++;
  if (r->status) {
    d->failures++;
    snprintf(d->last_error, sizeof d->last_error, "%s", r->error);
    printf("  t=%6.1fs  write failed: %.110s...\n", (double)r->completed_ms / 1000, r->error);
  }
}

static void writer_tick(xs_sim *sim, void *ud) {
  writer *w = ud;
  char key[32], val[32];
  snprintf(key, sizeof key, "session-%d", w->n);
  snprintf(val, sizeof val, "user-%d", w->n++);
  xs_op op;
  xs_op_init(&op, XS_OP_PUT, w->d->a, w->d->sessions);
  op.key = (const uint8_t *)key;
  op.key_len = (uint32_t)strlen(key);
  op.value = (const uint8_t *)val;
  op.value_len = (uint32_t)strlen(val);
  xs_op_submit(sim, &op, write_done, w->d);
  xs_ms next = xs_sim_now(sim) + w->every_ms;
  if (next < w->end) xs_sim_timer(sim, next, writer_tick, w);
}

/* Runs one admin operation on every cache of `site` that backs up to `remote`. */
static void admin_all(demo *d, int site, xs_admin_kind kind, int remote, const char *what) {
  const xs_topology *t = xs_sim_topology(d->sim);
  int n = 0;
  for (int c = 0; c < t->ncaches; c++) {
    if (xs_admin_backup_index(d->sim, site, c, remote) < 0) continue;
    xs_admin_submit(d->sim, site, c, kind, xs_sim_site_name(d->sim, remote), NULL, NULL);
    n++;
  }
  xs_sim_run_quiescent(d->sim, xs_sim_now(d->sim) + 600000);
  printf("  t=%6.1fs  %s on %d caches -> ok\n", (double)xs_sim_now(d->sim) / 1000, what, n);
}

static void clear_all(demo *d, int site) {
  const xs_topology *t = xs_sim_topology(d->sim);
  for (int c = 0; c < t->ncaches; c++) {
    xs_op op;
    xs_op_init(&op, XS_OP_CLEAR, site, c);
    if (xs_sim_cache_defined(d->sim, site, c)) xs_op_submit(d->sim, &op, NULL, NULL);
  }
  xs_sim_run_quiescent(d->sim, xs_sim_now(d->sim) + 600000);
  printf("  t=%6.1fs  clearcache on every cache of %s\n", (double)xs_sim_now(d->sim) / 1000,
         xs_sim_site_name(d->sim, site));
}

static void report(demo *d, const char *when) {
  char diff[256] = "";
  int eq = xs_cache_equal(d->sim, d->sessions, d->a, d->b, diff, sizeof diff);
  printf("  t=%6.1fs  %s: sessions site-a=%" PRId64 " site-b=%" PRId64 " -> %s%s%s\n",
         (double)xs_sim_now(d->sim) / 1000, when, xs_cache_size(d->sim, d->a, d->sessions),
         xs_cache_size(d->sim, d->b, d->sessions), eq == 1 ? "in sync" : "OUT OF SYNC",
         eq == 1 ? "" : ": ", eq == 1 ? "" : diff);
}

static int story(demo *d) {
  xs_sim *sim = d->sim;
  d->w = (writer){d, 5000, 200000, 0};
  printf("1. A client writes a session on site-a every 5 s (SYNC backup, FAIL policy).\n");
  xs_sim_timer(sim, 0, writer_tick, &d->w);
  xs_sim_run_until(sim, 30000);
  report(d, "before the partition");

  printf("2. The link between the sites breaks at t=30s. Each write now waits for the\n"
         "   backup timeout, then fails; after 3 failures spanning 60 s site-a takes\n"
         "   site-b offline and writes succeed locally again.\n");
  xs_partition(sim, d->a, d->b, false);
  xs_sim_run_until(sim, 150000);
  int status = xs_admin_site_status(sim, d->a, d->sessions, d->b);
  printf("  t=%6.1fs  site-a sees site-b as %s after %d failed writes\n", (double)xs_sim_now(sim) / 1000,
         status == XS_SITE_OFFLINE ? "OFFLINE" : "online", d->failures);

  printf("3. The link heals at t=150s; site-b stays offline for site-a, so the sites differ.\n");
  xs_heal(sim);
  xs_sim_run_until(sim, 210000);
  report(d, "after the heal");

  printf("4. The runbook 'recover an out-of-sync passive site' (site-b is stale):\n");
  admin_all(d, d->b, XS_ADMIN_TAKE_OFFLINE, d->a, "site-b: site take-offline --all-caches --site=site-a");
  clear_all(d, d->b);
  admin_all(d, d->b, XS_ADMIN_BRING_ONLINE, d->a, "site-b: site bring-online --all-caches --site=site-a");
  admin_all(d, d->a, XS_ADMIN_PUSH_STATE, d->b, "site-a: site push-site-state --all-caches --site=site-b");
  printf("  t=%6.1fs  site-a: push-site-status sessions -> %s\n", (double)xs_sim_now(sim) / 1000,
         xs_push_status_text((xs_push_status)xs_admin_push_status(sim, d->a, d->sessions, d->b)));
  report(d, "after the runbook");
  return xs_cache_equal(sim, d->sessions, d->a, d->b, NULL, 0) == 1 ? 0 : 1;
}

int xs_demo_main(int argc, char **argv) {
  uint64_t seed = 1;
  bool events = false;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc) seed = strtoull(argv[++i], NULL, 10);
    else if (strcmp(argv[i], "--events") == 0) events = true;
    else {
      fprintf(stderr, "xsim demo: unknown option '%s'\n", argv[i]);
      return 2;
    }
  }
  xs_topology t;
  char err[XS_MSG_BYTES_MAX];
  if (xs_topology_preset("crossdc-legacy", &t) != 0) return 1;
  demo d = {0};
  d.sim = xs_sim_new(&t, seed, err, sizeof err);
  if (!d.sim) {
    fprintf(stderr, "xsim demo: %s\n", err);
    return 1;
  }
  xs_evlog_keep_all(d.sim, events);
  d.a = xs_sim_site_index(d.sim, "site-a");
  d.b = xs_sim_site_index(d.sim, "site-b");
  d.sessions = xs_sim_cache_index(d.sim, "sessions");
  printf("xsim demo - preset crossdc-legacy, seed %" PRIu64 "\n\n", seed);
  int rc = story(&d);
  if (events) xs_evlog_write(d.sim, stdout);
  printf("\nevents: %" PRIu64 ", event-log hash %016" PRIx64 "\n", xs_evlog_count(d.sim), xs_evlog_hash(d.sim));
  xs_sim_free(d.sim);
  return rc;
}
