/*
 * report_data.c - gathers what an HTML report shows (report_data.h) while a
 * scenario runs: samples at the runner's time advances, notable event-log
 * records read back from the ring after each stretch, and, at the end, the
 * timeline entries with their verdicts and the client errors binned in time.
 */
#include "report_data.h"

#include <stdlib.h>
#include <string.h>

#include "scenario_rt.h"

xs_rep_data *xs_rep_data_new(void) {
  xs_rep_data *d = calloc(1, sizeof *d);
  if (!d) return NULL;
  d->samples = calloc(XS_REP_SAMPLES_MAX, sizeof *d->samples);
  d->status = calloc((size_t)XS_REP_SAMPLES_MAX * XS_REP_ROWS_MAX, 1);
  d->events = calloc(XS_REP_EVENTS_MAX, sizeof *d->events);
  d->marks = calloc(XS_REP_MARKS_MAX, sizeof *d->marks);
  if (!d->samples || !d->status || !d->events || !d->marks) {
    xs_rep_data_free(d);
    return NULL;
  }
  return d;
}

void xs_rep_data_free(xs_rep_data *d) {
  if (!d) return;
  free(d->samples);
  free(d->status);
  free(d->events);
  free(d->marks);
  free(d);
}

/* The report a run gathers into: only the main run, never a replay. */
static xs_rep_data *data(const scn_rt *rt) {
  xs_rep_data *d = rt->opts ? rt->opts->report : NULL;
  return d && d->active && !rt->replay ? d : NULL;
}

/* ------------------------------------------------------------------------ */
/* Samples                                                                    */

static bool notable(int kind) {
  switch (kind) {
  case XS_EV_LINK: case XS_EV_SITE_OFFLINE: case XS_EV_SITE_ONLINE: case XS_EV_VIEW_LEAVE:
  case XS_EV_VIEW_JOIN: case XS_EV_CRASH: case XS_EV_RESTART: case XS_EV_ST_START: case XS_EV_ST_DONE:
  case XS_EV_CLEAR: return true;
  default: return false;
  }
}

/* Notable records logged since the last read (those still in the ring). */
static void read_events(const xs_sim *sim, xs_rep_data *d) {
  uint64_t count = xs_evlog_count(sim);
  if (count > d->ev_since + XS_EVLOG_RING_MAX) {
    d->ev_missed += count - XS_EVLOG_RING_MAX - d->ev_since;
    d->ev_since = count - XS_EVLOG_RING_MAX;
  }
  xs_ev_record buf[256];
  size_t n;
  while (d->ev_since < count && (n = xs_evlog_read(sim, d->ev_since, buf, 256)) > 0) {
    for (size_t i = 0; i < n; i++) {
      if (!notable(buf[i].kind)) continue;
      if (d->nevents == XS_REP_EVENTS_MAX) {
        d->events_dropped++;
        continue;
      }
      xs_rep_event *e = &d->events[d->nevents++];
      e->t = buf[i].time;
      e->kind = buf[i].kind;
      xs_ev_format(sim, &buf[i], e->text, sizeof e->text);
    }
    d->ev_since = buf[n - 1].seq + 1;
  }
}

/* Keeps every other sample (the first and the last stay) and doubles the interval. */
static void thin(xs_rep_data *d) {
  int k = 0;
  for (int i = 0; i < d->nsamples; i++) {
    if (i % 2 && i != d->nsamples - 1) continue;
    d->samples[k] = d->samples[i];
    memmove(d->status + (size_t)k * XS_REP_ROWS_MAX, d->status + (size_t)i * XS_REP_ROWS_MAX, XS_REP_ROWS_MAX);
    k++;
  }
  d->nsamples = k;
  d->interval *= 2;
}

static void sample(const scn_rt *rt, xs_rep_data *d) {
  const xs_sim *sim = rt->sim;
  xs_ms now = xs_sim_now(sim);
  read_events(sim, d);
  int i = d->nsamples;
  if (i && d->samples[i - 1].t == now) i--; /* the latest state at one instant */
  else if (i == XS_REP_SAMPLES_MAX) thin(d), i = d->nsamples;
  xs_rep_sample *s = &d->samples[i];
  memset(s, 0, sizeof *s);
  s->t = now;
  for (int a = 0; a < d->nsites; a++) {
    if (xs_site_is_up(sim, a)) s->up |= 1u << a;
    for (int b = 0; b < d->nsites; b++)
      if (a != b && xs_link_is_up(sim, a, b)) s->links |= 1ull << (a * XS_SITES_MAX + b);
    for (int c = 0; c < xs_sim_topology(sim)->ncaches; c++) {
      int64_t n = xs_sim_cache_defined(sim, a, c) ? xs_cache_size(sim, a, c) : 0;
      s->entries[a] += n > 0 ? n : 0;
    }
  }
  uint8_t *st = d->status + (size_t)i * XS_REP_ROWS_MAX;
  for (int r = 0; r < d->nrows; r++) {
    const xs_rep_row *w = &d->rows[r];
    int on = xs_admin_site_status(sim, w->site, w->cache, w->remote);
    int push = xs_admin_push_status(sim, w->site, w->cache, w->remote);
    st[r] = (uint8_t)((on == XS_SITE_ONLINE ? 0 : on == XS_SITE_OFFLINE ? 1 : XS_REP_ST_UNKNOWN) |
                      ((push >= 0 ? push & 7 : 7) << 2));
  }
  d->nsamples = i + 1;
}

void xs__rep_begin(scn_rt *rt) {
  xs_rep_data *d = rt->opts ? rt->opts->report : NULL;
  if (!d || rt->replay) return;
  const xs_topology *t = xs_sim_topology(rt->sim);
  d->active = true;
  d->nsites = t->nsites;
  d->interval = XS_REP_SAMPLE_MS;
  d->next = XS_REP_SAMPLE_MS;
  for (int s = 0; s < t->nsites; s++) snprintf(d->site[s], sizeof d->site[s], "%s", t->sites[s].name);
  for (int c = 0; c < t->ncaches; c++) snprintf(d->cache[c], sizeof d->cache[c], "%s", t->caches[c].name);
  for (int s = 0; s < t->nsites; s++)
    for (int c = 0; c < t->ncaches; c++)
      for (int r = 0; r < t->nsites; r++)
        if (r != s && d->nrows < XS_REP_ROWS_MAX && xs_sim_cache_defined(rt->sim, s, c) &&
            xs_admin_backup_index(rt->sim, s, c, r) >= 0)
          d->rows[d->nrows++] = (xs_rep_row){s, c, r};
  d->ev_since = 0;
  sample(rt, d);
}

void xs__rep_advance(scn_rt *rt, xs_ms t) {
  xs_rep_data *d = data(rt);
  if (!d) {
    xs_sim_run_until(rt->sim, t);
    return;
  }
  if (rt->nlog != d->nlog_seen) sample(rt, d); /* what the statements just run changed, at this instant */
  d->nlog_seen = rt->nlog;                       /* (a `wait until` polling every 100 ms adds none) */
  while (d->next <= t) {
    if (d->next > xs_sim_now(rt->sim)) {
      xs_sim_run_until(rt->sim, d->next);
      sample(rt, d);
    }
    d->next += d->interval;
  }
  xs_sim_run_until(rt->sim, t);
}

/* ------------------------------------------------------------------------ */
/* At the end: the timeline and the client errors                             */

static const xs_scn_stmt *find_stmt(const xs_scn_stmt *v, int n, int line) {
  for (int i = 0; i < n; i++) {
    if (v[i].line == line) return &v[i];
    const xs_scn_stmt *b = find_stmt(v[i].body, v[i].nbody, line);
    if (b) return b;
  }
  return NULL;
}

static int mark_kind(const xs_scn_stmt *st) {
  if (!st) return XS_REP_ACTOR;
  switch (st->kind) {
  case XS_STMT_STEP: return XS_REP_STEP;
  case XS_STMT_CHECK: return XS_REP_CHECK;
  case XS_STMT_PARTITION: case XS_STMT_HEAL: case XS_STMT_FLAP: case XS_STMT_LATENCY: case XS_STMT_LOSS:
  case XS_STMT_CRASH: case XS_STMT_RESTART: case XS_STMT_FENCE: case XS_STMT_KEYCLOAK: return XS_REP_FAULT;
  default: return XS_REP_OTHER;
  }
}

/* 0 when a failure names the line (a failed check, step or wait), else 1. */
static int judged(const xs_scn_result *res, int line) {
  for (int f = 0; f < res->nfailures; f++)
    if (res->failures[f].line == line) return 0;
  return 1;
}

static void marks(const scn_rt *rt, xs_rep_data *d) {
  for (int i = 0; i < rt->nlog; i++) {
    const scn_log *l = &rt->log[i];
    const xs_scn_stmt *st = l->line ? find_stmt(rt->scn->stmts, rt->scn->nstmts, l->line) : NULL;
    if (st && (st->kind == XS_STMT_WAIT || st->kind == XS_STMT_MARK)) continue;
    if (d->nmarks == XS_REP_MARKS_MAX) {
      d->marks_dropped++;
      continue;
    }
    xs_rep_mark *m = &d->marks[d->nmarks++];
    m->t0 = l->t0;
    m->t1 = l->t1;
    m->line = l->line;
    m->kind = mark_kind(st);
    m->ok = m->kind == XS_REP_STEP || m->kind == XS_REP_CHECK || (st && st->kind == XS_STMT_WAIT_UNTIL)
                ? judged(rt->res, l->line) : -1;
    snprintf(m->text, sizeof m->text, "%s", l->text);
  }
}

static void errors(const scn_rt *rt, xs_rep_data *d) {
  xs_ms span = d->end > 0 ? d->end : 1;
  for (uint32_t i = 0; i < rt->hist.nops; i++) {
    const xs_hop *o = &rt->hist.ops[i];
    xs_ms t = o->res == XS_HRES_PENDING ? o->invoked : o->completed;
    int b = (int)(t * XS_REP_ERR_BINS / (span + 1));
    if (b < 0) b = 0;
    if (b >= XS_REP_ERR_BINS) b = XS_REP_ERR_BINS - 1;
    d->ops_bin[b]++;
    d->ops++;
    if (o->res == XS_HRES_ERROR) d->err_bin[b]++, d->errors++;
    else if (o->res == XS_HRES_UNAVAILABLE) d->unavail_bin[b]++, d->unavailable++;
  }
}

void xs__rep_end(scn_rt *rt) {
  xs_rep_data *d = data(rt);
  if (!d) return;
  sample(rt, d);
  d->end = xs_sim_now(rt->sim);
  marks(rt, d);
  errors(rt, d);
  d->active = false;
}
