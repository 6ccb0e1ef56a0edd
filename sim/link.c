/*
 * link.c - the links between sites and the cross-site requests they carry.
 *
 * A request ends exactly once, for its sender: with the receiver's reply,
 * with ISPN000476 when its timeout passes first, or with ISPN000400 when the
 * remote site is (or leaves) the sender's cross-site view.  A link that is
 * down loses what is sent on it and what is in flight on it; a lossy link
 * loses each message with its probability; latency and jitter delay each
 * message, and nothing overtakes an earlier message on the same link
 * (JGroups delivers in order per sender).
 *
 * The cross-site view follows reachability after the failure-detection
 * timeout: site S drops remote R when nothing from R can reach S (the link
 * R->S is down or R crashed) for xsite_fd_timeout_ms, and takes it back the
 * same time after it becomes reachable again.
 */
#include <assert.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "sim_internal.h"

#define XREQ_FREE_MAX 4096 /* recycled requests kept for reuse */

xs_xreq *xs__xreq_new(xs_sim *sim, xs_xr_kind kind, int from, int to, int cache) {
  /* Every backed-up write makes one: recycle them rather than calloc and
   * free each (a request is ~700 bytes, mostly the reply text). */
  xs_xreq *r = sim->xreq_free;
  if (r) {
    sim->xreq_free = r->next;
    sim->xreq_free_n--;
  } else if (!(r = malloc(sizeof *r))) {
    return NULL;
  }
  memset(r, 0, offsetof(xs_xreq, reply_msg));
  r->reply_msg[0] = 0;
  xs__tnode_init(&r->tn);
  r->refs = 1;
  r->kind = (uint8_t)kind;
  r->from = (int8_t)from;
  r->to = (int8_t)to;
  r->cache = (int16_t)cache;
  /* On sim->xreqs_live until freed (see xs_sim_free). */
  r->live_next = sim->xreqs_live;
  if (sim->xreqs_live) sim->xreqs_live->live_prev = r;
  sim->xreqs_live = r;
  return r;
}

int xs__xreq_items_alloc(xs_xreq *r, uint32_t nitems, size_t bytes) {
  r->items = calloc(nitems ? nitems : 1, sizeof *r->items);
  r->item_buf = malloc(bytes ? bytes : 1);
  if (!r->items || !r->item_buf) return XS_ENOMEM;
  r->nitems = nitems;
  return 0;
}

void xs__xreq_unref(xs_sim *sim, xs_xreq *r) {
  assert(r->refs > 0);
  if (--r->refs) return;
  assert(r->prev == NULL && r->next == NULL);
  if (r->live_prev) r->live_prev->live_next = r->live_next;
  else sim->xreqs_live = r->live_next;
  if (r->live_next) r->live_next->live_prev = r->live_prev;
  if (r->op) xs__op_unref(sim, r->op);
  free(r->items);
  free(r->item_buf);
  if (sim->xreq_free_n < XREQ_FREE_MAX) {
    r->next = sim->xreq_free;
    sim->xreq_free = r;
    sim->xreq_free_n++;
    return;
  }
  free(r);
}

/* ------------------------------------------------------------------------ */
/* In-flight lists: what a site waits for from each remote.                   */

static void inflight_add(xs_sim *sim, xs_xreq *r) {
  xs_xreq **head = &sim->sites[r->from].inflight[r->to];
  r->prev = NULL;
  r->next = *head;
  if (*head) (*head)->prev = r;
  *head = r;
}

static void inflight_remove(xs_sim *sim, xs_xreq *r) {
  xs_xreq **head = &sim->sites[r->from].inflight[r->to];
  if (r->prev) r->prev->next = r->next;
  else if (*head == r) *head = r->next;
  if (r->next) r->next->prev = r->prev;
  r->prev = r->next = NULL;
}

/* ------------------------------------------------------------------------ */
/* Timeouts: the requests of one timeout length share a queue (tqueue.c), so */
/* an answered request leaves no event behind.                               */

static void time_out_node(xs_sim *sim, xs_tnode *n);
static void timeout_event(xs_sim *sim, void *obj, uint64_t arg);

/* Starts r's timeout; the request must have just been sent. */
static void timeout_start(xs_sim *sim, xs_xreq *r) {
  if (xs__tq_add(sim, &r->tn, r->timeout_ms, time_out_node) == 0) return;
  /* No queue to be had: an event of its own, at the sequence reserved. */
  r->refs++;
  int rc = xs_engine_at_seq(&sim->eng, r->tn.deadline, true, timeout_event, r, 0, r->tn.seq);
  assert(rc == 0);
  (void)rc;
}

/* The sender's answer.  Drops the sender's reference. */
static void complete(xs_sim *sim, xs_xreq *r, xs_outcome outcome, const char *msg) {
  assert(!r->done);
  r->done = true;
  assert(sim->xreqs_pending > 0);
  sim->xreqs_pending--;
  inflight_remove(sim, r);
  xs__tq_remove(sim, &r->tn);
  xs__ev(sim, outcome == XS_OUTCOME_OK ? XS_EV_XSITE_REPLY : XS_EV_XSITE_TIMEOUT, r->from, r->to,
         r->cache, (int32_t)outcome, r->request_id, msg);
  /* A sender that crashed meanwhile has already been answered for (see
   * xs__site_crashed); nothing of it is left to notify. */
  r->on_done(sim, r, outcome, msg);
  xs__xreq_unref(sim, r);
}

/* ------------------------------------------------------------------------ */
/* Transmission                                                               */

static bool transmit(xs_sim *sim, xs_xreq *r, int a, int b, xs_event_fn fn) {
  xs_link *l = &sim->links[a][b];
  if (!l->up || !sim->sites[a].up) return false;
  if (l->loss > 0 && xs_prng_unit(&sim->rng_link) < l->loss) return false;
  xs_ms t = sim->eng.now + l->latency_ms;
  if (l->jitter_ms > 0) t += (xs_ms)xs_prng_below(&sim->rng_link, (uint64_t)l->jitter_ms + 1);
  if (t < l->last_delivery) t = l->last_delivery;
  l->last_delivery = t;
  r->refs++;
  xs__at(sim, t, fn, r, 0);
  return true;
}

xs_cinst *xs__xreq_receiver(xs_sim *sim, xs_xreq *r) {
  xs_cinst *ci = xs__cinst(sim, r->to, r->cache);
  if (ci) return ci;
  char msg[XS_MSG_BYTES_MAX];
  snprintf(msg, sizeof msg, "ISPN000603: Cannot handle cross-site request from site '%s'. Cache '%s' not found.",
           xs_sim_site_name(sim, r->from), xs_sim_cache_name(sim, r->cache));
  xs__xreq_reply(sim, r, XS_OUTCOME_CONFIG, msg);
  return NULL;
}

void xs__xreq_deliver_event(xs_sim *sim, void *obj, uint64_t arg) {
  xs_xreq *r = obj;
  xs_site *to = &sim->sites[r->to];
  bool ok = sim->links[r->from][r->to].up && to->up && to->epoch == r->to_epoch;
  if (!ok) {
    xs__ev(sim, XS_EV_XSITE_LOST, r->from, r->to, r->cache, r->kind, r->request_id, "request");
  } else {
    r->delivered = true;
    switch ((xs_xr_kind)r->kind) {
    case XS_XR_WRITE:
    case XS_XR_PREPARE:
    case XS_XR_CLEAR: xs__backup_receive(sim, r); break;
    case XS_XR_ST_START:
    case XS_XR_ST_STOP:
    case XS_XR_ST_CHUNK: xs__st_receive(sim, r); break;
    case XS_XR_IRAC_BATCH:
    case XS_XR_IRAC_CLEAR: xs__irac_receive(sim, r); break;
    }
  }
  xs__xreq_unref(sim, r);
}

void xs__xreq_reply_event(xs_sim *sim, void *obj, uint64_t arg) {
  xs_xreq *r = obj;
  bool ok = sim->links[r->to][r->from].up && sim->sites[r->from].up &&
            sim->sites[r->from].epoch == r->from_epoch;
  if (!ok) xs__ev(sim, XS_EV_XSITE_LOST, r->to, r->from, r->cache, r->kind, r->request_id, "reply");
  else if (!r->done) complete(sim, r, r->reply_outcome, r->reply_msg);
  xs__xreq_unref(sim, r);
}

static void time_out(xs_sim *sim, xs_xreq *r) {
  char t[64], msg[XS_MSG_BYTES_MAX];
  xs__pretty_time(r->timeout_ms, t, sizeof t);
  snprintf(msg, sizeof msg, "ISPN000476: Timed out waiting for responses for request %" PRIu64
           " from %s after %s", r->request_id, xs_sim_site_name(sim, r->to), t);
  complete(sim, r, XS_OUTCOME_COMM, msg);
}

/* A request's own timeout event (only when no queue could be had). */
static void timeout_event(xs_sim *sim, void *obj, uint64_t arg) {
  xs_xreq *r = obj;
  if (!r->done) time_out(sim, r);
  xs__xreq_unref(sim, r);
}

static void time_out_node(xs_sim *sim, xs_tnode *n) {
  xs_xreq *r = (xs_xreq *)((char *)n - offsetof(xs_xreq, tn));
  assert(!r->done);
  time_out(sim, r);
}

static void suspect_event(xs_sim *sim, void *obj, uint64_t arg) {
  xs_xreq *r = obj;
  if (!r->done) {
    char msg[XS_MSG_BYTES_MAX];
    snprintf(msg, sizeof msg, "ISPN000400: Node site:%s was suspected", xs_sim_site_name(sim, r->to));
    complete(sim, r, XS_OUTCOME_COMM, msg);
  }
  xs__xreq_unref(sim, r);
}

void xs__xreq_send(xs_sim *sim, xs_xreq *r) {
  xs_site *fs = &sim->sites[r->from];
  assert(r->on_done && r->timeout_ms > 0 && r->from != r->to);
  r->request_id = ++fs->next_request_id;
  r->sent_ms = sim->eng.now;
  r->from_epoch = fs->epoch;
  r->to_epoch = sim->sites[r->to].epoch;
  xs__ev(sim, XS_EV_XSITE_SEND, r->from, r->to, r->cache, r->kind, r->request_id, NULL);
  inflight_add(sim, r);
  sim->xreqs_pending++;
  if (!fs->view[r->to]) {
    /* JGroupsTransport answers at once for a site outside the view
     * (SiteUnreachableXSiteResponse); the sender still sees it as an
     * asynchronous completion. */
    r->refs++;
    xs__at(sim, sim->eng.now, suspect_event, r, 0);
    return;
  }
  if (!transmit(sim, r, r->from, r->to, xs__xreq_deliver_event))
    xs__ev(sim, XS_EV_XSITE_LOST, r->from, r->to, r->cache, r->kind, r->request_id, "request");
  /* Timeouts are background events: run_quiescent counts pending requests
   * instead. */
  timeout_start(sim, r);
}

void xs__xreq_reply(xs_sim *sim, xs_xreq *r, xs_outcome outcome, const char *msg) {
  assert(!r->replied);
  r->replied = true;
  r->reply_outcome = outcome;
  if (msg) snprintf(r->reply_msg, sizeof r->reply_msg, "%s", msg);
  else r->reply_msg[0] = 0;
  if (!transmit(sim, r, r->to, r->from, xs__xreq_reply_event))
    xs__ev(sim, XS_EV_XSITE_LOST, r->to, r->from, r->cache, r->kind, r->request_id, "reply");
}

/* A crashed site's own requests end now, so the client operations waiting
 * on them complete (with XS_ESITEDOWN, see cacheop.c). */
static void site_crashed_requests(xs_sim *sim, int site) {
  for (int to = 0; to < sim->topo.nsites; to++) {
    while (sim->sites[site].inflight[to]) {
      xs_xreq *r = sim->sites[site].inflight[to];
      complete(sim, r, XS_OUTCOME_COMM, "site crashed");
    }
  }
}

/* ------------------------------------------------------------------------ */
/* Views                                                                      */

static bool reachable(const xs_sim *sim, int site, int remote) {
  return sim->sites[site].up && sim->sites[remote].up && sim->links[remote][site].up;
}

static void view_leave(xs_sim *sim, int site, int remote) {
  char msg[XS_MSG_BYTES_MAX];
  snprintf(msg, sizeof msg, "ISPN000400: Node %s was suspected", xs_sim_site_name(sim, remote));
  /* sitesDown completes the requests still waiting on that site. */
  while (sim->sites[site].inflight[remote]) complete(sim, sim->sites[site].inflight[remote], XS_OUTCOME_COMM, msg);
}

/* AUTO state transfer (XSiteStateTransferManagerImpl): when a site rejoins
 * the view, every ASYNC backup to it in AUTO mode that is OFFLINE is brought
 * online and pushed. */
static void auto_state_transfer(xs_sim *sim, int site, int remote) {
  for (int c = 0; c < sim->topo.ncaches; c++) {
    xs_cinst *ci = sim->sites[site].caches[c];
    if (!ci) continue;
    xs_bstate *b = &ci->b[remote];
    if (!b->exists || b->cfg.strategy != XS_STRATEGY_ASYNC || b->cfg.st_mode != XS_ST_AUTO) continue;
    if (!b->off.offline) continue;
    xs__ev(sim, XS_EV_ADMIN, site, remote, c, XS_ADMIN_PUSH_STATE, 0, "auto-state-transfer");
    xs__st_push(sim, ci, remote, NULL, NULL);
  }
}

static void view_event(xs_sim *sim, void *obj, uint64_t arg) {
  int site = (int)(arg & 0xf), remote = (int)((arg >> 4) & 0xf);
  uint64_t gen = arg >> 8;
  xs_site *s = &sim->sites[site];
  if (s->view_gen[remote] != gen || !s->up) return;
  bool now_in = reachable(sim, site, remote);
  if (now_in == s->view[remote]) return;
  s->view[remote] = now_in;
  xs__ev(sim, now_in ? XS_EV_VIEW_JOIN : XS_EV_VIEW_LEAVE, site, remote, -1, 0, 0, NULL);
  xs__log(sim, site, "ISPN000439: Received new cross-site view: %s %s", now_in ? "joined" : "left",
          xs_sim_site_name(sim, remote));
  if (!now_in) view_leave(sim, site, remote);
  else auto_state_transfer(sim, site, remote);
}

void xs__view_reachability_changed(xs_sim *sim, int site, int remote) {
  if (site == remote) return;
  xs_site *s = &sim->sites[site];
  s->view_gen[remote]++;
  if (reachable(sim, site, remote) == s->view[remote]) return;
  uint64_t arg = (s->view_gen[remote] << 8) | ((uint64_t)remote << 4) | (uint64_t)site;
  xs__at(sim, sim->eng.now + sim->topo.xsite_fd_timeout_ms, view_event, NULL, arg);
}

void xs__views_all_changed(xs_sim *sim) {
  for (int a = 0; a < sim->topo.nsites; a++) {
    if (!sim->sites[a].up) {
      site_crashed_requests(sim, a);
      continue;
    }
    for (int b = 0; b < sim->topo.nsites; b++) xs__view_reachability_changed(sim, a, b);
  }
}

/* ------------------------------------------------------------------------ */
/* Public fault API                                                           */

static int check_pair(const xs_sim *sim, int from, int to) {
  if (from < 0 || from >= sim->topo.nsites || to < 0 || to >= sim->topo.nsites) return XS_ENOSITE;
  return from == to ? XS_EINVAL : 0;
}

int xs_link_set_up(xs_sim *sim, int from, int to, bool up) {
  int rc = check_pair(sim, from, to);
  if (rc) return rc;
  if (sim->links[from][to].up == up) return 0;
  sim->links[from][to].up = up;
  xs__ev(sim, XS_EV_LINK, from, to, -1, up, 0, up ? "up" : "down");
  xs__view_reachability_changed(sim, to, from);
  return 0;
}

int xs_link_set_latency(xs_sim *sim, int from, int to, xs_ms latency_ms, xs_ms jitter_ms) {
  int rc = check_pair(sim, from, to);
  if (rc) return rc;
  if (latency_ms < 0 || jitter_ms < 0) return XS_EINVAL;
  sim->links[from][to].latency_ms = latency_ms;
  sim->links[from][to].jitter_ms = jitter_ms;
  xs__ev(sim, XS_EV_LINK, from, to, -1, 2, (uint64_t)latency_ms, "latency");
  return 0;
}

int xs_link_set_loss(xs_sim *sim, int from, int to, double loss) {
  int rc = check_pair(sim, from, to);
  if (rc) return rc;
  if (!(loss >= 0.0 && loss <= 1.0)) return XS_EINVAL;
  sim->links[from][to].loss = loss;
  xs__ev(sim, XS_EV_LINK, from, to, -1, 3, (uint64_t)(loss * 1e6), "loss");
  return 0;
}

bool xs_link_is_up(const xs_sim *sim, int from, int to) {
  return check_pair(sim, from, to) == 0 && sim->links[from][to].up;
}

int xs_link_get(const xs_sim *sim, int from, int to, bool *up, xs_ms *latency_ms,
                xs_ms *jitter_ms, double *loss) {
  int rc = check_pair(sim, from, to);
  if (rc) return rc;
  const xs_link *l = &sim->links[from][to];
  if (up) *up = l->up;
  if (latency_ms) *latency_ms = l->latency_ms;
  if (jitter_ms) *jitter_ms = l->jitter_ms;
  if (loss) *loss = l->loss;
  return 0;
}

int xs_partition(xs_sim *sim, int a, int b, bool oneway) {
  int rc = xs_link_set_up(sim, a, b, false);
  if (rc == 0 && !oneway) rc = xs_link_set_up(sim, b, a, false);
  return rc;
}

void xs_heal(xs_sim *sim) {
  for (int a = 0; a < sim->topo.nsites; a++)
    for (int b = 0; b < sim->topo.nsites; b++)
      if (a != b) xs_link_set_up(sim, a, b, true);
}
