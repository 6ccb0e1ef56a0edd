/*
 * admin.c - the cross-site admin operations of one cache on one site
 * (XSiteAdminOperations): take-offline, bring-online, push-state and its
 * cancel and status calls, cancel-receive-state, the take-offline
 * configuration and the state-transfer mode, with Infinispan's result
 * strings.  The REST router maps these to HTTP; the container-level ("all
 * caches") forms are built on top of them, outside the core.
 *
 * Like Infinispan, an operation about a site the cache does not back up to
 * still runs and answers "Incorrect site name: <site>"; only a cache without
 * any backups has no admin operations at all (XS_ENOBACKUPS).
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "sim_internal.h"

typedef struct admin_reply {
  xs_admin_cb cb;
  void *ud;
  char text[XS_MSG_BYTES_MAX];
} admin_reply;

void xs__admin_reply_event(xs_sim *sim, void *obj, uint64_t arg) {
  admin_reply *a = obj;
  xs_admin_result r = {0, a->text};
  if (a->cb) a->cb(sim, a->ud, &r);
  free(a);
}

void xs__admin_reply_later(xs_sim *sim, xs_admin_cb cb, void *ud, const char *text) {
  admin_reply *a = malloc(sizeof *a);
  /* Admin calls are rare and never on a hot path; failing to allocate their
   * reply is as fatal as failing to schedule an event. */
  assert(a != NULL);
  if (!a) return;
  a->cb = cb;
  a->ud = ud;
  snprintf(a->text, sizeof a->text, "%s", text);
  xs__at(sim, sim->eng.now, xs__admin_reply_event, a, 0);
}

const char *xs_push_status_text(xs_push_status s) {
  static const char *const names[] = {"IDLE", "SENDING", "OK", "ERROR", "CANCELED"};
  return (unsigned)s < sizeof names / sizeof *names ? names[s] : "?";
}

/* ------------------------------------------------------------------------ */
/* Addressing                                                                 */

static bool has_backups(const xs_cinst *ci) {
  for (int r = 0; r < XS_SITES_MAX; r++)
    if (ci->b[r].exists) return true;
  return false;
}

static int target(const xs_sim *sim, int site, int cache, xs_cinst **ci) {
  if (site < 0 || site >= sim->topo.nsites) return XS_ENOSITE;
  if (cache < 0 || cache >= sim->topo.ncaches || !sim->sites[site].caches[cache]) return XS_ENOCACHE;
  if (!sim->sites[site].up) return XS_ESITEDOWN;
  *ci = sim->sites[site].caches[cache];
  return has_backups(*ci) ? 0 : XS_ENOBACKUPS;
}

int xs_admin_backup_index(const xs_sim *sim, int site, int cache, int remote) {
  xs_cinst *ci;
  int rc = target(sim, site, cache, &ci);
  if (rc) return rc;
  if (remote < 0 || remote >= sim->topo.nsites || !ci->b[remote].exists) return XS_ENOTBACKUP;
  return remote;
}

static xs_bstate *bstate(const xs_sim *sim, int site, int cache, int remote, int *rc) {
  *rc = xs_admin_backup_index(sim, site, cache, remote);
  return *rc < 0 ? NULL : &sim->sites[site].caches[cache]->b[remote];
}

/* ------------------------------------------------------------------------ */
/* Asynchronous operations                                                    */

static const char *take_offline(xs_sim *sim, xs_cinst *ci, int remote) {
  xs_bstate *b = &ci->b[remote];
  if (xs_offline_force(&b->off)) {
    xs__bstate_set_offline(sim, ci, remote, true, "admin");
    /* IRAC drops what it queued for an offline site at its next round. */
    if (b->cfg.strategy == XS_STRATEGY_ASYNC) xs__irac_kick(sim, ci, remote);
  }
  return "ok";
}

static const char *bring_online(xs_sim *sim, xs_cinst *ci, int remote) {
  if (xs_offline_bring_online(&ci->b[remote].off)) xs__bstate_set_offline(sim, ci, remote, false, "admin");
  return "ok";
}

static void clear_push_status(xs_cinst *ci) {
  for (int r = 0; r < XS_SITES_MAX; r++) {
    xs_bstate *b = &ci->b[r];
    /* RemoteSiteStatus.clearStatus: a transfer still running keeps SENDING. */
    if (b->exists && !b->push && !b->push_collector) b->push_status = XS_PUSH_IDLE;
  }
}

/* The answer for an operation about a site this cache does not back up to. */
static void unknown_site(xs_sim *sim, xs_admin_kind kind, const char *remote, xs_admin_cb cb,
                         void *ud) {
  char text[XS_MSG_BYTES_MAX];
  if (kind == XS_ADMIN_PUSH_STATE)
    snprintf(text, sizeof text, "Unable to pushState to '%s'. Incorrect site name: %s", remote, remote);
  else if (kind == XS_ADMIN_TAKE_OFFLINE || kind == XS_ADMIN_BRING_ONLINE)
    snprintf(text, sizeof text, "Incorrect site name: %s", remote);
  else /* inferred: the state-transfer manager rejects the name */
    snprintf(text, sizeof text, "Unable to perform operation. Error=Incorrect site name: %s", remote);
  xs__admin_reply_later(sim, cb, ud, text);
}

int xs_admin_submit(xs_sim *sim, int site, int cache, xs_admin_kind kind, const char *remote,
                    xs_admin_cb cb, void *ud) {
  xs_cinst *ci;
  int rc = target(sim, site, cache, &ci);
  if (rc) return rc;
  if ((unsigned)kind > XS_ADMIN_CLEAR_PUSH_STATE_STATUS) return XS_EINVAL;
  xs__ev(sim, XS_EV_ADMIN, site, -1, cache, (int32_t)kind, 0, remote);
  if (kind == XS_ADMIN_CLEAR_PUSH_STATE_STATUS) {
    clear_push_status(ci);
    xs__admin_reply_later(sim, cb, ud, "ok");
    return 0;
  }
  if (!remote) return XS_EINVAL;
  int r = xs_sim_site_index(sim, remote);
  if (kind == XS_ADMIN_CANCEL_RECEIVE_STATE) {
    if (r >= 0) xs__st_cancel_receive(ci, r);
    xs__admin_reply_later(sim, cb, ud, "ok");
    return 0;
  }
  if (r < 0 || !ci->b[r].exists) {
    unknown_site(sim, kind, remote, cb, ud);
    return 0;
  }
  switch (kind) {
  case XS_ADMIN_TAKE_OFFLINE: xs__admin_reply_later(sim, cb, ud, take_offline(sim, ci, r)); break;
  case XS_ADMIN_BRING_ONLINE: xs__admin_reply_later(sim, cb, ud, bring_online(sim, ci, r)); break;
  case XS_ADMIN_PUSH_STATE: xs__st_push(sim, ci, r, cb, ud); break;
  case XS_ADMIN_CANCEL_PUSH_STATE: xs__st_cancel_push(sim, ci, r, cb, ud); break;
  default: assert(!"handled above"); break;
  }
  return 0;
}

/* ------------------------------------------------------------------------ */
/* Synchronous queries and settings                                           */

int xs_admin_site_status(const xs_sim *sim, int site, int cache, int remote) {
  int rc;
  const xs_bstate *b = bstate(sim, site, cache, remote, &rc);
  if (!b) return rc;
  return b->off.offline ? XS_SITE_OFFLINE : XS_SITE_ONLINE;
}

int xs_admin_push_status(const xs_sim *sim, int site, int cache, int remote) {
  int rc;
  const xs_bstate *b = bstate(sim, site, cache, remote, &rc);
  if (!b) return rc;
  return (int)b->push_status;
}

int xs_admin_sending_site(const xs_sim *sim, int site, int cache) {
  const xs_cinst *ci = xs__cinst(sim, site, cache);
  return ci ? ci->st_sender : XS_ENOCACHE;
}

int xs_admin_take_offline_get(const xs_sim *sim, int site, int cache, int remote,
                              int32_t *after_failures, xs_ms *min_wait_ms) {
  int rc;
  const xs_bstate *b = bstate(sim, site, cache, remote, &rc);
  if (!b) return rc;
  *after_failures = b->off.after_failures;
  *min_wait_ms = b->off.min_wait_ms;
  return 0;
}

int xs_admin_take_offline_set(xs_sim *sim, int site, int cache, int remote,
                              int32_t after_failures, xs_ms min_wait_ms) {
  int rc;
  xs_bstate *b = bstate(sim, site, cache, remote, &rc);
  if (!b) return rc;
  if (b->off.after_failures == after_failures && b->off.min_wait_ms == min_wait_ms) return 0;
  bool was_offline = b->off.offline;
  xs_offline_amend(&b->off, after_failures, min_wait_ms);
  b->cfg.after_failures = after_failures;
  b->cfg.min_wait_ms = min_wait_ms;
  xs__ev(sim, XS_EV_ADMIN, site, remote, cache, 100, (uint64_t)after_failures, "take-offline-config");
  /* OfflineStatus.amend resets the status: an offline site comes back. */
  if (was_offline) xs__bstate_set_offline(sim, sim->sites[site].caches[cache], remote, false, "amend");
  return 1;
}

int xs_admin_st_mode_get(const xs_sim *sim, int site, int cache, int remote) {
  int rc;
  const xs_bstate *b = bstate(sim, site, cache, remote, &rc);
  return b ? (int)b->cfg.st_mode : rc;
}

int xs_admin_st_mode_set(xs_sim *sim, int site, int cache, int remote, xs_st_mode mode) {
  int rc;
  xs_bstate *b = bstate(sim, site, cache, remote, &rc);
  if (!b) return rc;
  if (mode == XS_ST_AUTO && b->cfg.strategy == XS_STRATEGY_SYNC) {
    snprintf(sim->last_error, sizeof sim->last_error,
             "ISPN000634: Cross-site automatic state transfer is not compatible with SYNC backup strategy.");
    return XS_ECONFIG;
  }
  if (b->cfg.st_mode == mode) return 0;
  b->cfg.st_mode = mode;
  return 1;
}
