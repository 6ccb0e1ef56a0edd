/*
 * scenario_run.c - plays a scenario: builds the simulation, checks every
 * name against the topology before anything runs, walks the timeline in
 * virtual time, schedules the deferred blocks, and fills the result.  When
 * a check fails on particular keys, the run is replayed from the same seed
 * with those keys followed, to say when and during which statement each one
 * went wrong (a run is deterministic, so the replay is the same run).
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "report_data.h"
#include "scenario_rt.h"

struct scn_arena_chunk {
  scn_arena_chunk *next;
  size_t used, cap;
  _Alignas(16) unsigned char mem[];
};

void *xs__scn_alloc(scn_rt *rt, size_t n) {
  n = (n + 15) & ~(size_t)15;
  scn_arena_chunk *c = rt->arena;
  if (!c || c->used + n > c->cap) {
    size_t cap = n > SCN_ARENA_CHUNK ? n : SCN_ARENA_CHUNK;
    c = malloc(sizeof *c + cap);
    if (!c) return NULL;
    c->next = rt->arena;
    c->used = 0;
    c->cap = cap;
    rt->arena = c;
  }
  void *p = c->mem + c->used;
  c->used += n;
  memset(p, 0, n);
  return p;
}

static void arena_free(scn_rt *rt) {
  while (rt->arena) {
    scn_arena_chunk *n = rt->arena->next;
    free(rt->arena);
    rt->arena = n;
  }
}

void xs__scn_time(xs_ms t, char *buf, size_t len) {
  long long ms = t % 1000, s = t / 1000 % 60, m = t / 60000 % 60, h = t / 3600000;
  if (h) snprintf(buf, len, "%lldh%02lldm%02lld.%03llds", h, m, s, ms);
  else if (m) snprintf(buf, len, "%lldm%02lld.%03llds", m, s, ms);
  else snprintf(buf, len, "%lld.%03llds", s, ms);
}

void xs__scn_failure(scn_rt *rt, const char *check, int line, int col, const char *detail, const char *fmt, ...) {
  xs_scn_result *r = rt->res;
  r->failed = true;
  r->failures_total++;
  if (r->nfailures == XS_SCN_FAILURES_MAX) return;
  xs_scn_failure *f = &r->failures[r->nfailures++];
  snprintf(f->check, sizeof f->check, "%s", check);
  f->line = line;
  f->col = col;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(f->summary, sizeof f->summary, fmt, ap);
  va_end(ap);
  f->detail = detail && *detail ? strdup(detail) : NULL;
}

int xs__scn_log(scn_rt *rt, int line, bool top, const char *fmt, ...) {
  if (rt->nlog == rt->logcap) {
    if (rt->logcap >= SCN_LOG_MAX) return -1;
    int nc = rt->logcap ? rt->logcap * 2 : 256;
    scn_log *nl = realloc(rt->log, (size_t)nc * sizeof *nl);
    if (!nl) return -1;
    rt->log = nl;
    rt->logcap = nc;
  }
  scn_log *l = &rt->log[rt->nlog];
  l->t0 = l->t1 = xs_sim_now(rt->sim);
  l->line = line;
  l->top = top;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(l->text, sizeof l->text, fmt, ap);
  va_end(ap);
  if (rt->opts->trace && !rt->replay) {
    char t[32];
    xs__scn_time(l->t0, t, sizeof t);
    if (line) fprintf(rt->opts->trace, "%12s  %4d  %s\n", t, line, l->text);
    else fprintf(rt->opts->trace, "%12s        %s\n", t, l->text);
  }
  return rt->nlog++;
}

int xs__scn_site(const scn_rt *rt, const xs_scn_ref *r) { return xs_sim_site_index(rt->sim, r->name); }
int xs__scn_cache(const scn_rt *rt, const xs_scn_ref *r) { return xs_sim_cache_index(rt->sim, r->name); }

xs_ms xs__scn_mark(const scn_rt *rt, const char *name) {
  for (int i = 0; i < rt->nmarks; i++)
    if (strcmp(rt->marks[i].name, name) == 0) return rt->marks[i].t;
  return -1;
}

static void set_mark(scn_rt *rt, const char *name) {
  int i = 0;
  while (i < rt->nmarks && strcmp(rt->marks[i].name, name) != 0) i++;
  if (i == SCN_MARKS_MAX) return;
  if (i == rt->nmarks) rt->nmarks++;
  snprintf(rt->marks[i].name, sizeof rt->marks[i].name, "%s", name);
  rt->marks[i].t = xs_sim_now(rt->sim);
  if (rt->opts->on_mark && !rt->replay) rt->opts->on_mark(rt->opts->on_mark_ud, name, rt->sim);
}

void xs__scn_advance(scn_rt *rt, xs_ms t) {
  if (t > XS_SCN_RUN_VIRTUAL_MAX) {
    if (!rt->setup_failed)
      xs__scn_failure(rt, XS_SCN_FAIL_SETUP, 0, 0, NULL, "the run reached XS_SCN_RUN_VIRTUAL_MAX (7 days of virtual time)");
    rt->setup_failed = true;
    t = XS_SCN_RUN_VIRTUAL_MAX;
  }
  if (t > xs_sim_now(rt->sim)) xs__rep_advance(rt, t); /* xs_sim_run_until, sampled for --report */
}

/* ------------------------------------------------------------------------ */
/* Names: every site and cache a statement names must exist                   */

static void unknown(scn_rt *rt, int line, const xs_scn_ref *r, const char *what) {
  char known[512] = "";
  size_t n = 0;
  const xs_topology *t = xs_sim_topology(rt->sim);
  bool site = strcmp(what, "site") == 0;
  for (int i = 0; i < (site ? t->nsites : t->ncaches) && n < sizeof known; i++)
    n += (size_t)snprintf(known + n, sizeof known - n, "%s%s", i ? ", " : "", site ? t->sites[i].name : t->caches[i].name);
  xs__scn_failure(rt, XS_SCN_FAIL_SETUP, line, r->col, NULL, "unknown %s '%s' (the topology has %s)", what, r->name,
                  known);
  rt->setup_failed = true;
}

static void need_site(scn_rt *rt, int line, const xs_scn_ref *r) {
  if (r->name[0] && xs__scn_site(rt, r) < 0 && !rt->setup_failed) unknown(rt, line, r, "site");
}

static void need_cache(scn_rt *rt, int line, const xs_scn_ref *r) {
  if (r->name[0] && xs__scn_cache(rt, r) < 0 && !rt->setup_failed) unknown(rt, line, r, "cache");
}

static void names_cond(scn_rt *rt, int line, const xs_scn_cond *c) {
  need_site(rt, line, &c->a);
  need_site(rt, line, &c->b);
  need_cache(rt, line, &c->cache);
  for (int i = 0; i < c->caches.n; i++) need_cache(rt, line, &c->caches.v[i]);
}

static void names(scn_rt *rt, const xs_scn_stmt *v, int n) {
  for (int i = 0; i < n; i++) {
    const xs_scn_stmt *st = &v[i];
    need_site(rt, st->line, &st->a);
    need_site(rt, st->line, &st->b);
    for (int k = 0; k < st->lb.nsites; k++) need_site(rt, st->line, &st->lb.sites[k]);
    need_site(rt, st->line, &st->wl.site);
    need_cache(rt, st->line, &st->wl.cache);
    need_site(rt, st->line, &st->step.site);
    for (int k = 0; k < st->check.nsites; k++) need_site(rt, st->line, &st->check.sites[k]);
    names_cond(rt, st->line, &st->cond);
    if (st->kind == XS_STMT_CHECK) names_cond(rt, st->line, &st->check.cond);
    names(rt, st->body, st->nbody);
  }
}

/* ------------------------------------------------------------------------ */
/* The timeline                                                               */

typedef struct deferred {
  scn_rt *rt;
  const xs_scn_stmt *st;
} deferred;

static void fire_deferred(xs_sim *sim, void *ud) {
  deferred *d = ud;
  xs__scn_log(d->rt, d->st->line, false, "%s", d->st->src);
  xs__scn_run_block(d->rt, d->st->body, d->st->nbody);
}

static void schedule(scn_rt *rt, const xs_scn_stmt *st, xs_ms at) {
  deferred *d = xs__scn_alloc(rt, sizeof *d);
  if (!d) return;
  d->rt = rt;
  d->st = st;
  xs_sim_timer(rt->sim, at, fire_deferred, d);
}

/* Statements that take no time, wherever they run. */
static bool instant(scn_rt *rt, const xs_scn_stmt *st) {
  xs_ms now = xs_sim_now(rt->sim);
  switch (st->kind) {
  case XS_STMT_AT:
    if (st->d < now) {
      char a[32], b[32];
      xs__scn_time(st->d, a, sizeof a);
      xs__scn_time(now, b, sizeof b);
      xs__scn_failure(rt, XS_SCN_FAIL_SETUP, st->line, st->col, NULL,
                      "'at %s' is already past (the timeline is at %s); use 'after'", a, b);
    } else {
      schedule(rt, st, st->d);
    }
    return true;
  case XS_STMT_AFTER: schedule(rt, st, now + st->d); return true;
  case XS_STMT_WHEN: xs__scn_watch(rt, st); return true;
  case XS_STMT_MARK: set_mark(rt, st->text); return true;
  case XS_STMT_PACE: rt->pace = st->d; return true;
  default: return false;
  }
}

void xs__scn_run_block(scn_rt *rt, const xs_scn_stmt *body, int n) {
  for (int i = 0; i < n; i++) {
    if (body[i].kind != XS_STMT_AT && body[i].kind != XS_STMT_AFTER && body[i].kind != XS_STMT_WHEN)
      xs__scn_log(rt, body[i].line, false, "%s", body[i].src);
    if (!instant(rt, &body[i])) xs__scn_act(rt, &body[i]);
  }
}

static void wait_until(scn_rt *rt, const xs_scn_stmt *st) {
  xs_ms deadline = xs_sim_now(rt->sim) + st->d;
  char why[256] = "";
  for (;;) {
    if (xs__scn_cond_eval(rt, &st->cond, why, sizeof why) == 1) return;
    if (xs_sim_now(rt->sim) >= deadline || rt->setup_failed) break;
    xs_ms next = xs_sim_now(rt->sim) + XS_SCN_POLL_MS;
    xs__scn_advance(rt, next < deadline ? next : deadline);
  }
  char d[32];
  xs_scn_format_duration(st->d, d, sizeof d);
  xs__scn_failure(rt, XS_SCN_FAIL_WAIT, st->line, st->col, NULL, "%s: still not true after %s (%s)", st->src, d, why);
}

static void run_top(scn_rt *rt, const xs_scn_stmt *st) {
  int li = xs__scn_log(rt, st->line, true, "%s", st->src);
  rt->cur_log = li;
  switch (st->kind) {
  case XS_STMT_WAIT: xs__scn_advance(rt, xs_sim_now(rt->sim) + st->d); break;
  case XS_STMT_WAIT_UNTIL: wait_until(rt, st); break;
  case XS_STMT_STEP: xs__scn_step(rt, st); break;
  case XS_STMT_CHECK: xs__scn_run_check(rt, st); break;
  default:
    if (!instant(rt, st)) xs__scn_act(rt, st);
    break;
  }
  if (li >= 0) rt->log[li].t1 = xs_sim_now(rt->sim);
  rt->cur_log = -1;
  if (rt->replay) xs__scn_track_sample(rt);
}

/* ------------------------------------------------------------------------ */
/* A run                                                                      */

static int setup(scn_rt *rt, uint64_t seed) {
  xs_topology t;
  if (xs__scn_topology(rt, &t)) return -1;
  char err[XS_MSG_BYTES_MAX] = "";
  rt->sim = xs_sim_new(&t, seed, err, sizeof err);
  if (!rt->sim) {
    xs__scn_failure(rt, XS_SCN_FAIL_SETUP, rt->scn->topology_line, 0, NULL, "the topology is not valid: %s", err);
    return -1;
  }
  rt->nsites = t.nsites;
  names(rt, rt->scn->stmts, rt->scn->nstmts);
  if (rt->setup_failed) return -1;
  for (int s = 0; s < rt->nsites; s++) {
    rt->keycloak_up[s] = true;
    rt->fence.endpoint[s] = true;
  }
  rt->lb.answer = rt->lb.target = -1;
  rt->cur_log = -1;
  xs_buf_init(&rt->out, XS_CLI_RESP_BODY_MAX);
  xs_hist_init(&rt->hist);
  return 0;
}

static void play(scn_rt *rt, uint64_t seed) {
  if (setup(rt, seed)) {
    rt->res->error = true;
    return;
  }
  if (rt->replay) xs__scn_poll_arm(rt); /* samples the followed keys every XS_SCN_POLL_MS */
  xs__rep_begin(rt); /* --report */
  for (int i = 0; i < rt->scn->nstmts && !rt->setup_failed; i++) run_top(rt, &rt->scn->stmts[i]);
  xs_scn_result *r = rt->res;
  xs__rep_end(rt); /* --report */
  r->virtual_ms = xs_sim_now(rt->sim);
  r->events = xs_sim_events_run(rt->sim);
  r->evhash = xs_evlog_hash(rt->sim);
  r->ops = rt->hist.nops;
  r->hist_digest = xs_hist_digest(&rt->hist);
  if (rt->setup_failed) r->error = true;
}

static void teardown(scn_rt *rt) {
  for (int i = 0; i < rt->ntrack; i++) free(rt->track[i].ops);
  xs__scn_cli_close(rt);
  xs__scn_workloads_free(rt);
  xs_sim_free(rt->sim);
  rt->sim = NULL;
  xs_buf_free(&rt->out);
  xs_hist_free(&rt->hist);
  free(rt->log);
  free(rt->watch);
  free(rt->busy);
  arena_free(rt);
}

static void result_name(const xs_scenario *s, const char *path, xs_scn_result *res) {
  if (s->name[0]) {
    snprintf(res->name, sizeof res->name, "%s", s->name);
    return;
  }
  const char *b = path && *path ? strrchr(path, '/') : NULL;
  b = b ? b + 1 : path && *path ? path : "scenario";
  size_t n = strlen(b);
  if (n > 5 && strcmp(b + n - 5, ".xsim") == 0) n -= 5;
  snprintf(res->name, sizeof res->name, "%.*s", (int)n, b);
}

static void expect_text(const xs_scenario *s, xs_scn_result *res) {
  size_t n = (size_t)snprintf(res->expect, sizeof res->expect, "%s", s->expect_fail ? "fail" : "pass");
  for (int i = 0; i < s->nexpect && n < sizeof res->expect; i++)
    n += (size_t)snprintf(res->expect + n, sizeof res->expect - n, "%s%s", i ? ", " : ": ", s->expect[i].name);
}

bool xs_scn_expectation_met(const xs_scenario *s, const xs_scn_result *res) {
  if (res->error) return false;
  if (!s->expect_fail) return !res->failed;
  if (!res->failed) return false;
  if (!s->nexpect) return true;
  for (int f = 0; f < res->nfailures; f++)
    for (int i = 0; i < s->nexpect; i++)
      if (strcmp(res->failures[f].check, s->expect[i].name) == 0) return true;
  return false;
}

static double wall_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Replays the run following the keys the failed checks named. */
static void replay(const xs_scenario *s, const xs_scn_run_opts *o, const scn_rt *main, xs_scn_result *res) {
  scn_rt *rt = calloc(1, sizeof *rt);
  xs_scn_result *scratch = calloc(1, sizeof *scratch);
  if (!rt || !scratch) {
    free(rt);
    free(scratch);
    return;
  }
  *rt = (scn_rt){.scn = s, .opts = o, .path = main->path, .res = scratch, .replay = true};
  rt->ntrack = main->ntrack;
  memcpy(rt->track, main->track, sizeof rt->track);
  play(rt, res->seed);
  /* The replay samples keys from an extra timer, which changes the event
   * log but not what happens: the clients' history must be the same. */
  if (scratch->hist_digest == res->hist_digest) xs__scn_track_report(rt, res);
  teardown(rt);
  xs_scn_result_free(scratch);
  free(scratch);
  free(rt);
}

int xs_scn_run(const xs_scenario *s, const xs_scn_run_opts *o, xs_scn_result *res) {
  static const xs_scn_run_opts none = {0};
  if (!o) o = &none;
  memset(res, 0, sizeof *res);
  result_name(s, o->path, res);
  expect_text(s, res);
  res->expect_fail = s->expect_fail;
  res->seed = o->seed_given ? o->seed : s->seed_set ? s->seed : XS_SCN_SEED_DEFAULT;
  double t0 = wall_now();
  scn_rt *rt = calloc(1, sizeof *rt);
  if (!rt) return XS_ENOMEM;
  *rt = (scn_rt){.scn = s, .opts = o, .path = o->path ? o->path : "", .res = res};
  play(rt, res->seed);
  if (rt->ntrack && !o->no_replay && !res->error) replay(s, o, rt, res);
  teardown(rt);
  free(rt);
  res->met = xs_scn_expectation_met(s, res);
  res->wall_s = wall_now() - t0;
  return 0;
}

void xs_scn_result_free(xs_scn_result *res) {
  for (int i = 0; i < res->nfailures; i++) free(res->failures[i].detail);
  res->nfailures = 0;
}
