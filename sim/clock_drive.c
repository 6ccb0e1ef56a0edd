/*
 * clock_drive.c - the only place where `xsim serve` moves the simulation's
 * virtual clock, in one of two modes.
 *
 * Real: virtual time follows the wall clock times --time-scale, from the
 * moment the server started.  Each turn of the loop first runs the events
 * due by now on the wall; a libuv timer is set for the wall time of the
 * next event, so answers go out as they complete.
 *
 * Manual: the clock moves only on POST /sim/v1/clock?advance_ms=N - except
 * that while a client waits for an answer that needs simulated time (a
 * write waiting for its backup, a timeout, an admin operation), the
 * simulation is stepped, event by event in order, just until something
 * is answered.  The connection is then serviced (its next pipelined
 * request goes in at that virtual time) before stepping on.  A request
 * moves the clock at most XS_SERVE_DRIVE_SPAN_MS past the moment it began
 * waiting; past that it is "stalled" and waits for POST /sim/v1/clock.
 */
#include <math.h>

#include "server_internal.h"

/* The real clock's timer is never set further out than this, so a
 * changed time scale or a late event cannot leave it asleep for long. */
#define CLOCK_TIMER_MAX_MS 1000

static xs_ms wall_virtual(const xs_server *s) {
  double ms = (double)(uv_hrtime() - s->hr0) / 1e6 * s->cfg.time_scale;
  return s->v0 + (xs_ms)ms;
}

void xs__clock_start(xs_server *s) {
  s->hr0 = uv_hrtime();
  s->v0 = xs_sim_now(s->sim);
}

void xs__clock_catch_up(xs_server *s) {
  if (s->cfg.clock != XS_CLOCK_REAL || !s->started) return;
  xs_ms t = wall_virtual(s);
  if (t > xs_sim_now(s->sim)) xs_sim_run_until(s->sim, t);
}

/* A request began waiting, or a waiting connection made progress: the
 * clock may run to XS_SERVE_DRIVE_SPAN_MS past now for it. */
static void extend(xs_server *s) {
  xs_ms until = xs_sim_now(s->sim) + XS_SERVE_DRIVE_SPAN_MS;
  if (until > s->drive_until) s->drive_until = until;
  s->drive_stalled = false;
}

void xs__clock_progress(xs__conn *c) {
  if (c->waiting) extend(c->srv);
}

void xs__clock_update_waiting(xs__conn *c, bool waiting) {
  xs_server *s = c->srv;
  if (waiting == c->waiting) return;
  c->waiting = waiting;
  if (waiting) {
    extend(s);
    c->wprev = NULL;
    c->wnext = s->waiting;
    if (s->waiting) s->waiting->wprev = c;
    s->waiting = c;
  } else {
    if (c->wprev) c->wprev->wnext = c->wnext;
    else s->waiting = c->wnext;
    if (c->wnext) c->wnext->wprev = c->wprev;
    c->wprev = c->wnext = NULL;
  }
}

/* Steps until a connection has something to do, the turn's budget is
 * spent, or the next event lies past what the waiting requests may drive
 * to (then they are stalled until the clock is moved by hand or another
 * request starts waiting).  Replies of connections that went on with their
 * next pipelined command do not stop it (xs__srv_mark_output), up to
 * XS__SETTLE_DEFERRED_MAX of them. */
static bool drive_manual(xs_server *s) {
  if (!s->waiting || s->drive_stalled) return false;
  while (!s->dirty && s->deferred < XS__SETTLE_DEFERRED_MAX) {
    if (s->drive_budget <= 0) return true;
    xs_ms next = xs_sim_next_time(s->sim);
    if (next == XS_TIME_NEVER || next > s->drive_until) {
      s->drive_stalled = true;
      return false;
    }
    xs_sim_step(s->sim);
    s->drive_budget--;
  }
  return true;
}

bool xs__clock_drive(xs_server *s) {
  if (s->cfg.clock == XS_CLOCK_MANUAL) return drive_manual(s);
  /* Real: what the requests just submitted scheduled for "now". */
  xs_ms now = xs_sim_now(s->sim);
  if (xs_sim_next_time(s->sim) > now) return false;
  xs_sim_run_until(s->sim, now);
  return s->dirty != NULL;
}

static void on_clock(uv_timer_t *t) { xs__srv_settle(t->data); }

void xs__clock_arm(xs_server *s) {
  if (s->cfg.clock != XS_CLOCK_REAL) return;
  xs_ms next = xs_sim_next_time(s->sim);
  if (next == XS_TIME_NEVER) {
    uv_timer_stop(&s->clock_timer);
    return;
  }
  double wait = (double)(next - wall_virtual(s)) / s->cfg.time_scale;
  uint64_t delay = wait <= 0 ? 0 : (uint64_t)ceil(wait);
  if (delay > CLOCK_TIMER_MAX_MS) delay = CLOCK_TIMER_MAX_MS;
  uv_update_time(&s->loop);
  uv_timer_start(&s->clock_timer, on_clock, delay, 0);
}

int xs__clock_advance(void *ud, xs_ms ms) {
  xs_server *s = ud;
  if (s->cfg.clock != XS_CLOCK_MANUAL) return XS_ESTATE;
  xs_sim_run_until(s->sim, xs_sim_now(s->sim) + ms);
  /* A moved clock gives the requests still waiting another span. */
  if (s->waiting) extend(s);
  return 0;
}
