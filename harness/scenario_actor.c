/*
 * scenario_actor.c - the actors and faults of a scenario, as timers inside
 * the simulation:
 *  - the load balancer: Route 53 failover (primary while its /lb-check
 *    passes, else the secondary; clients follow after the DNS TTL) or an
 *    accelerator (any healthy endpoint), probing each site every interval;
 *    /lb-check is UP while Keycloak runs there, its Data Grid site is up and
 *    the probe's path is /lb-check (ch. 9's "/health/down" never is);
 *  - Keycloak per site, started and stopped as the runbooks ask;
 *  - the fencing Lambda of seed 004: when a site loses another from its
 *    cross-site view, SiteOffline{reporter, site} fires and, after the
 *    alert delay, the Lambda removes that site from the load balancer and
 *    takes replication to it offline on the reporter - unless only one
 *    endpoint is left (the first Lambda wins) or the reporter is unhealthy;
 *  - link faults, a flapping link, crashes and restarts;
 *  - `when` conditions, looked at every XS_SCN_POLL_MS.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario_rt.h"

static const char *site_name(const scn_rt *rt, int s) { return s >= 0 ? xs_sim_site_name(rt->sim, s) : "(none)"; }

/* ------------------------------------------------------------------------ */
/* Load balancer                                                              */

bool xs__scn_lb_check_up(const scn_rt *rt, int s) {
  int i = 0;
  while (i < rt->lb.nsites && rt->lb.site[i] != s) i++;
  const char *path = rt->lb.defined && i < rt->lb.nsites ? rt->lb.path[s] : "/lb-check";
  return strcmp(path, "/lb-check") == 0 && rt->keycloak_up[s] && xs_site_is_up(rt->sim, s);
}

typedef struct lb_timer {
  scn_rt *rt;
  uint32_t gen;
  int target;
} lb_timer;

static void lb_follow(xs_sim *sim, void *ud) {
  lb_timer *t = ud;
  if (t->gen != t->rt->lb.gen) return;
  t->rt->lb.target = t->target;
  xs__scn_log(t->rt, 0, false, "loadbalancer: clients now reach %s (DNS TTL passed)", site_name(t->rt, t->target));
}

/* Route 53 failover: the primary while healthy, else the secondary; when
 * both are unhealthy Route 53 answers as if both were healthy. */
static int route53_answer(const scn_lb *lb) {
  int p = lb->site[0], s = lb->site[1];
  if (lb->in_lb[p] && lb->healthy[p]) return p;
  if (lb->in_lb[s] && lb->healthy[s]) return s;
  return lb->in_lb[p] ? p : lb->in_lb[s] ? s : -1;
}

static void lb_update(scn_rt *rt) {
  scn_lb *lb = &rt->lb;
  if (lb->mode != XS_LB_ROUTE53) return;
  int ans = route53_answer(lb);
  if (ans == lb->answer) return;
  lb->answer = ans;
  lb->gen++;
  xs__scn_log(rt, 0, false, "loadbalancer: Route 53 answers %s", site_name(rt, ans));
  if (lb->ttl <= 0) {
    lb->target = ans;
    return;
  }
  lb_timer *t = xs__scn_alloc(rt, sizeof *t);
  if (!t) return;
  *t = (lb_timer){rt, lb->gen, ans};
  xs_sim_timer(rt->sim, xs_sim_now(rt->sim) + lb->ttl, lb_follow, t);
}

/* One round of health checks; a site changes health after `threshold`
 * probes in a row say so. */
static void lb_probe(xs_sim *sim, void *ud) {
  lb_timer *t = ud;
  scn_rt *rt = t->rt;
  scn_lb *lb = &rt->lb;
  if (t->gen != 0) return; /* a load balancer defined again later replaced this one */
  for (int i = 0; i < lb->nsites; i++) {
    int s = lb->site[i];
    bool up = xs__scn_lb_check_up(rt, s);
    lb->oks[s] = up ? lb->oks[s] + 1 : 0;
    lb->fails[s] = up ? 0 : lb->fails[s] + 1;
    if (lb->healthy[s] && lb->fails[s] >= lb->threshold) {
      lb->healthy[s] = false;
      xs__scn_log(rt, 0, false, "loadbalancer: %s unhealthy (%s%s)", site_name(rt, s), lb->path[s],
                  strcmp(lb->path[s], "/lb-check") ? " does not exist" : " is DOWN");
    } else if (!lb->healthy[s] && lb->oks[s] >= lb->threshold) {
      lb->healthy[s] = true;
      xs__scn_log(rt, 0, false, "loadbalancer: %s healthy", site_name(rt, s));
    }
  }
  lb_update(rt);
  xs_sim_timer(sim, xs_sim_now(sim) + lb->interval, lb_probe, t);
}

static void lb_define(scn_rt *rt, const xs_scn_stmt *st) {
  scn_lb *lb = &rt->lb;
  if (lb->defined) {
    xs__scn_failure(rt, XS_SCN_FAIL_SETUP, st->line, st->col, NULL, "a load balancer is already defined");
    return;
  }
  lb->defined = true;
  lb->mode = st->lb.mode;
  lb->nsites = st->lb.nsites;
  lb->interval = st->lb.interval_ms;
  lb->threshold = st->lb.threshold;
  lb->ttl = st->lb.ttl_ms;
  xs_prng_seed(&lb->rng, xs_sim_random_seed(rt->sim, "loadbalancer"));
  for (int i = 0; i < lb->nsites; i++) {
    int s = xs__scn_site(rt, &st->lb.sites[i]);
    lb->site[i] = s;
    lb->in_lb[s] = true;
    snprintf(lb->path[s], sizeof lb->path[s], "/lb-check");
    lb->healthy[s] = xs__scn_lb_check_up(rt, s);
  }
  lb_update(rt);
  lb->target = lb->answer;
  lb_timer *t = xs__scn_alloc(rt, sizeof *t);
  if (!t) return;
  *t = (lb_timer){rt, 0, -1};
  xs_sim_timer(rt->sim, xs_sim_now(rt->sim) + lb->interval, lb_probe, t);
}

int xs__scn_lb_route(scn_rt *rt) {
  scn_lb *lb = &rt->lb;
  if (!lb->defined) return -1;
  if (lb->mode == XS_LB_ROUTE53) return lb->target;
  int healthy[XS_SITES_MAX], n = 0, all[XS_SITES_MAX], na = 0;
  for (int i = 0; i < lb->nsites; i++) {
    int s = lb->site[i];
    if (!lb->in_lb[s]) continue;
    all[na++] = s;
    if (lb->healthy[s]) healthy[n++] = s;
  }
  if (n) return healthy[xs_prng_below(&lb->rng, (uint64_t)n)];
  return na ? all[xs_prng_below(&lb->rng, (uint64_t)na)] : -1; /* fail open */
}

static void lb_membership(scn_rt *rt, const xs_scn_stmt *st, bool in) {
  int s = xs__scn_site(rt, &st->a);
  if (!rt->lb.defined) {
    xs__scn_failure(rt, XS_SCN_FAIL_SETUP, st->line, st->col, NULL, "no load balancer is defined");
    return;
  }
  rt->lb.in_lb[s] = in;
  lb_update(rt);
}

/* ------------------------------------------------------------------------ */
/* The fencing Lambda (seed 004)                                              */

void xs__scn_fence(scn_rt *rt, int reporter, int offline, const char *why) {
  scn_lb *lb = &rt->lb;
  int endpoints = 0;
  for (int s = 0; s < rt->nsites; s++) endpoints += lb->defined ? lb->in_lb[s] : rt->fence.endpoint[s];
  const char *r = site_name(rt, reporter), *o = site_name(rt, offline);
  if (endpoints <= 1) {
    xs__scn_log(rt, 0, false, "fencing Lambda (%s, reporter %s, site %s): ignored, only one endpoint left", why, r, o);
    return;
  }
  if (lb->defined && !lb->healthy[reporter]) {
    xs__scn_log(rt, 0, false, "fencing Lambda (%s, reporter %s, site %s): ignored, the reporter is UNHEALTHY", why, r,
                o);
    return;
  }
  if (lb->defined) {
    lb->in_lb[offline] = false;
    lb_update(rt);
  } else {
    rt->fence.endpoint[offline] = false;
  }
  int li = xs__scn_log(rt, 0, false, "fencing Lambda (%s): removed %s from the load balancer; on %s: take-offline %s",
                       why, o, r, o);
  char target[160];
  snprintf(target, sizeof target, "/rest/v2/container/x-site/backups/%s?action=take-offline", o);
  xs__scn_rest_post(rt, reporter, target, li);
}

typedef struct alert {
  scn_rt *rt;
  int reporter, site;
  uint32_t gen;
} alert;

static void lambda_fire(xs_sim *sim, void *ud) {
  alert *a = ud;
  scn_fencing *f = &a->rt->fence;
  if (a->gen != f->gen[a->reporter][a->site] || !f->firing[a->reporter][a->site]) return;
  xs__scn_fence(a->rt, a->reporter, a->site, "SiteOffline alert");
}

/* SiteOffline{reporter R, site S} fires while R is up and S is not in R's
 * view; the Lambda runs after the alert delay plus up to `jitter`. */
static void fencing_poll(scn_rt *rt) {
  scn_fencing *f = &rt->fence;
  for (int r = 0; r < rt->nsites; r++)
    for (int s = 0; s < rt->nsites; s++) {
      if (r == s) continue;
      bool firing = xs_site_is_up(rt->sim, r) && !xs_site_view_has(rt->sim, r, s);
      if (firing == f->firing[r][s]) continue;
      f->firing[r][s] = firing;
      f->gen[r][s]++;
      xs__scn_log(rt, 0, false, "alert SiteOffline{reporter=%s, site=%s} %s", site_name(rt, r), site_name(rt, s),
                  firing ? "fires" : "resolved");
      if (!firing) continue;
      alert *a = xs__scn_alloc(rt, sizeof *a);
      if (!a) continue;
      *a = (alert){rt, r, s, f->gen[r][s]};
      xs_ms extra = f->jitter > 0 ? (xs_ms)xs_prng_below(&f->rng, (uint64_t)f->jitter + 1) : 0;
      xs_sim_timer(rt->sim, xs_sim_now(rt->sim) + f->delay + extra, lambda_fire, a);
    }
}

/* ------------------------------------------------------------------------ */
/* Polling: `when` blocks, the fencing alerts, a replay's samples             */

static bool poll_needed(const scn_rt *rt) { return rt->nwatch > 0 || rt->fence.on || (rt->replay && rt->ntrack); }

static void watch_poll(scn_rt *rt) {
  for (int i = 0; i < rt->nwatch; i++) {
    const xs_scn_stmt *st = rt->watch[i];
    if (!st || xs__scn_cond_eval(rt, &st->cond, NULL, 0) != 1) continue;
    rt->watch[i] = NULL; /* once */
    xs__scn_log(rt, st->line, false, "%s (holds)", st->src);
    xs__scn_run_block(rt, st->body, st->nbody); /* may add watches: rt->watch may move */
  }
  int n = 0;
  for (int i = 0; i < rt->nwatch; i++)
    if (rt->watch[i]) rt->watch[n++] = rt->watch[i];
  rt->nwatch = n;
}

static void poll_tick(xs_sim *sim, void *ud) {
  scn_rt *rt = ud;
  if (rt->fence.on) fencing_poll(rt);
  if (rt->nwatch) watch_poll(rt);
  if (rt->replay && rt->ntrack) xs__scn_track_sample(rt);
  rt->poll_armed = poll_needed(rt);
  if (rt->poll_armed) xs_sim_timer(sim, xs_sim_now(sim) + XS_SCN_POLL_MS, poll_tick, rt);
}

void xs__scn_poll_arm(scn_rt *rt) {
  if (rt->poll_armed || !poll_needed(rt)) return;
  rt->poll_armed = true;
  xs_sim_timer(rt->sim, xs_sim_now(rt->sim), poll_tick, rt);
}

void xs__scn_watch(scn_rt *rt, const xs_scn_stmt *st) {
  const xs_scn_stmt **nw = realloc(rt->watch, (size_t)(rt->nwatch + 1) * sizeof *nw);
  if (!nw) return;
  rt->watch = nw;
  nw[rt->nwatch++] = st;
  xs__scn_poll_arm(rt);
}

/* ------------------------------------------------------------------------ */
/* Link faults                                                                */

typedef struct flap {
  scn_rt *rt;
  int a, b;
  xs_ms every, until;
  bool down;
} flap;

static void flap_tick(xs_sim *sim, void *ud) {
  flap *f = ud;
  bool end = xs_sim_now(sim) >= f->until;
  f->down = end ? false : !f->down;
  xs_link_set_up(sim, f->a, f->b, !f->down);
  xs_link_set_up(sim, f->b, f->a, !f->down);
  xs__scn_log(f->rt, 0, false, "flap %s %s: link %s%s", site_name(f->rt, f->a), site_name(f->rt, f->b),
              f->down ? "down" : "up", end ? " (flapping ends)" : "");
  if (!end) xs_sim_timer(sim, xs_sim_now(sim) + f->every, flap_tick, f);
}

static void start_flap(scn_rt *rt, int a, int b, const xs_scn_stmt *st) {
  flap *f = xs__scn_alloc(rt, sizeof *f);
  if (!f) return;
  *f = (flap){rt, a, b, st->d, xs_sim_now(rt->sim) + st->d2, false};
  flap_tick(rt->sim, f);
}

static void link_fault(scn_rt *rt, const xs_scn_stmt *st) {
  int a = st->a.name[0] ? xs__scn_site(rt, &st->a) : -1, b = st->b.name[0] ? xs__scn_site(rt, &st->b) : -1;
  switch (st->kind) {
  case XS_STMT_PARTITION: xs_partition(rt->sim, a, b, st->oneway); break;
  case XS_STMT_HEAL:
    if (a < 0) {
      xs_heal(rt->sim);
      break;
    }
    xs_link_set_up(rt->sim, a, b, true);
    if (!st->oneway) xs_link_set_up(rt->sim, b, a, true);
    break;
  case XS_STMT_LATENCY:
    xs_link_set_latency(rt->sim, a, b, st->d, st->d2);
    if (!st->oneway) xs_link_set_latency(rt->sim, b, a, st->d, st->d2);
    break;
  case XS_STMT_LOSS:
    xs_link_set_loss(rt->sim, a, b, (double)st->n / 100000.0);
    if (!st->oneway) xs_link_set_loss(rt->sim, b, a, (double)st->n / 100000.0);
    break;
  default: start_flap(rt, a, b, st); break;
  }
}

/* ------------------------------------------------------------------------ */
/* Dispatch                                                                   */

static void act_site(scn_rt *rt, const xs_scn_stmt *st) {
  int a = xs__scn_site(rt, &st->a);
  switch (st->kind) {
  case XS_STMT_KEYCLOAK: rt->keycloak_up[a] = st->start; break;
  case XS_STMT_CRASH:
    xs_site_crash(rt->sim, a);
    xs_hist_crash(&rt->hist, a, xs_sim_now(rt->sim));
    break;
  case XS_STMT_RESTART: xs_site_restart(rt->sim, a); break;
  case XS_STMT_FENCE: xs__scn_fence(rt, a, xs__scn_site(rt, &st->b), "fence statement"); break;
  case XS_STMT_LB_CHECK:
    if (!rt->lb.defined) {
      xs__scn_failure(rt, XS_SCN_FAIL_SETUP, st->line, st->col, NULL, "no load balancer is defined");
      break;
    }
    snprintf(rt->lb.path[a], sizeof rt->lb.path[a], "%s", st->text);
    break;
  case XS_STMT_LB_REMOVE: lb_membership(rt, st, false); break;
  case XS_STMT_LB_ADD: lb_membership(rt, st, true); break;
  default: break;
  }
}

void xs__scn_act(scn_rt *rt, const xs_scn_stmt *st) {
  switch (st->kind) {
  case XS_STMT_LB: lb_define(rt, st); break;
  case XS_STMT_WORKLOAD: xs__scn_workload_start(rt, st); break;
  case XS_STMT_STOP_WORKLOAD: xs__scn_workloads_stop(rt); break;
  case XS_STMT_FENCING:
    rt->fence.on = true;
    rt->fence.delay = st->d;
    rt->fence.jitter = st->d2;
    xs_prng_seed(&rt->fence.rng, xs_sim_random_seed(rt->sim, "fencing"));
    xs__scn_poll_arm(rt);
    break;
  case XS_STMT_PARTITION:
  case XS_STMT_HEAL:
  case XS_STMT_LATENCY:
  case XS_STMT_LOSS:
  case XS_STMT_FLAP: link_fault(rt, st); break;
  default: act_site(rt, st); break;
  }
}
