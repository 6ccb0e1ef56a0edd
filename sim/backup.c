/*
 * backup.c - SYNC cross-site backups: the sender (BackupSenderImpl) and the
 * receiver (ClusteredCacheBackupReceiver), and the take-offline bookkeeping
 * every completed request goes through.
 *
 * Sender: one request per online SYNC backup site; an OFFLINE site is not
 * sent anything and never gets the write later.  Each failed request is
 * handled by its site's failure policy: FAIL collects the cause for
 * ISPN000709, WARN logs ISPN000202 and succeeds, IGNORE succeeds silently.
 *
 * Receiver: writes are replayed with SKIP_XSITE_BACKUP (never re-replicated),
 * take the key lock like any write, and answer with an application error when
 * the lock cannot be had in time.  A missing cache is a configuration error,
 * which makes the sender take the site offline at once.
 */
#include <assert.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "sim_internal.h"

/* ------------------------------------------------------------------------ */
/* Take-offline bookkeeping                                                   */

void xs__bstate_set_offline(xs_sim *sim, xs_cinst *ci, int remote, bool offline,
                            const char *why) {
  const char *rname = xs_sim_site_name(sim, remote);
  xs__ev(sim, offline ? XS_EV_SITE_OFFLINE : XS_EV_SITE_ONLINE, ci->site, remote, ci->cache, 0, 0, why);
  if (offline) xs__log(sim, ci->site, "ISPN100006: Site '%s' is offline.", rname);
  else xs__log(sim, ci->site, "ISPN100005: Site '%s' is online.", rname);
}

void xs__backup_register(xs_sim *sim, xs_cinst *ci, int remote, xs_ms sent_ms,
                         xs_outcome outcome) {
  xs_bstate *b = &ci->b[remote];
  assert(b->exists);
  if (outcome == XS_OUTCOME_OK) b->ctr.backup_ok++;
  else b->ctr.backup_failures++;
  if (outcome == XS_OUTCOME_CONFIG && !b->off.offline)
    xs__log(sim, ci->site, "ISPN000606: Remote site '%s' has an invalid cache configuration. "
            "Taking the backup location offline.", xs_sim_site_name(sim, remote));
  if (xs_offline_on_completed(&b->off, sent_ms, sim->eng.now, outcome))
    xs__bstate_set_offline(sim, ci, remote, true, "take-offline");
}

/* ------------------------------------------------------------------------ */
/* Sender                                                                     */

/* Appends one site's cause to the op's list (joined by newlines, as
 * BackupFailureException joins its suppressed messages). */
static void add_cause(xs_opctx *op, const char *msg) {
  size_t n = strlen(op->err);
  if (n) snprintf(op->err + n, sizeof op->err - n, "\n%s", msg);
  else snprintf(op->err, sizeof op->err, "%s", msg);
}

static void write_done(xs_sim *sim, xs_xreq *r, xs_outcome outcome, const char *msg) {
  xs_opctx *op = r->op;
  if (op->epoch == sim->sites[op->site].epoch) {
    xs_cinst *ci = xs__cinst(sim, op->site, op->cache);
    xs__backup_register(sim, ci, r->to, r->sent_ms, outcome);
    if (outcome != XS_OUTCOME_OK) {
      switch (ci->b[r->to].cfg.failure_policy) {
      case XS_POLICY_FAIL:
        add_cause(op, msg);
        op->status = XS_EBACKUP;
        break;
      case XS_POLICY_WARN:
        op->warned = true;
        xs__ev(sim, XS_EV_WARN, op->site, r->to, op->cache, 202, op->id, NULL);
        xs__log(sim, op->site, "ISPN000202: Encountered issues while backing up data for cache %s to site %s: %s",
                ci->cfg->name, xs_sim_site_name(sim, r->to), msg);
        break;
      case XS_POLICY_IGNORE: break;
      }
    }
  }
  assert(op->backups_pending > 0);
  if (--op->backups_pending == 0) xs__op_backups_done(sim, op);
}

int xs__backup_sync(xs_sim *sim, xs_cinst *ci, xs_opctx *op) {
  if (op->flags & XS_FLAG_SKIP_XSITE_BACKUP) return 0;
  xs_xr_kind kind = op->mod == XS_MOD_CLEAR ? XS_XR_CLEAR
                    : ci->cfg->tx != XS_TX_NONE ? XS_XR_PREPARE : XS_XR_WRITE;
  int n = 0;
  for (int r = 0; r < sim->topo.nsites; r++) {
    xs_bstate *b = &ci->b[r];
    if (!b->exists || b->cfg.strategy != XS_STRATEGY_SYNC || b->off.offline) continue;
    xs_xreq *q = xs__xreq_new(sim, kind, ci->site, r, ci->cache);
    if (!q) {
      add_cause(op, "out of memory");
      op->status = XS_ENOMEM;
      continue;
    }
    q->op = op;
    op->refs++;
    q->timeout_ms = b->cfg.timeout_ms;
    q->on_done = write_done;
    op->backups_pending++;
    n++;
    /* The receiver will look the key up when this arrives. */
    const xs_cinst *rci = kind != XS_XR_CLEAR ? xs__cinst(sim, r, ci->cache) : NULL;
    if (rci) xs_store_prefetch(rci->store, op->hash);
    xs__xreq_send(sim, q);
  }
  return n;
}

/* ------------------------------------------------------------------------ */
/* Receiver                                                                   */

static void remote_apply(xs_sim *sim, xs_cinst *ci, const xs_xreq *r) {
  const xs_opctx *src = r->op;
  if (src->mod == XS_MOD_PUT) {
    xs_meta m = {src->expire_ms, src->max_idle_ms, sim->eng.now, src->ver, src->vtype};
    if (src->ver) xs_irac_pool_ref(sim->vpool, src->ver);
    if (xs__apply_put(sim, ci, src->key, src->klen, src->hash, src->val, src->vlen, &m) != 0 && src->ver)
      xs_irac_pool_unref(sim->vpool, src->ver);
  } else {
    if (src->ver) xs_irac_pool_ref(sim->vpool, src->ver);
    xs__apply_remove(sim, ci, src->key, src->klen, src->hash, src->ver);
  }
  xs__st_track_write(ci, src->key, src->klen, src->hash);
  xs_evlog_add_bytes(&sim->log, sim->eng.now, XS_EV_XSITE_APPLY, ci->site, r->from, ci->cache,
                     src->mod, r->request_id, src->key, src->klen);
}

static void remote_finish(xs_sim *sim, xs_opctx *rop, xs_outcome outcome, const char *msg) {
  xs_xreq *r = rop->remote_req;
  xs__xreq_reply(sim, r, outcome, msg);
  rop->remote_req = NULL;
  xs__xreq_unref(sim, r);
  xs__op_unref(sim, rop);
}

static void remote_locked(xs_sim *sim, xs_cinst *ci, xs_opctx *rop) {
  remote_apply(sim, ci, rop->remote_req);
  xs__lock_release(sim, ci, rop);
  remote_finish(sim, rop, XS_OUTCOME_OK, NULL);
}

void xs__backup_remote_resumed(xs_sim *sim, xs_opctx *rop) {
  xs_cinst *ci = xs__cinst(sim, rop->site, rop->cache);
  if (rop->status == XS_ESITEDOWN) {
    /* The receiving site crashed: no answer ever leaves it. */
    xs_xreq *r = rop->remote_req;
    rop->remote_req = NULL;
    xs__xreq_unref(sim, r);
    xs__op_unref(sim, rop);
  } else if (rop->status) {
    char msg[XS_MSG_BYTES_MAX];
    snprintf(msg, sizeof msg, "ISPN000217: Received exception from %s, see remote stack trace for cause",
             xs_sim_site_name(sim, rop->site));
    remote_finish(sim, rop, XS_OUTCOME_REMOTE, msg);
  } else {
    remote_locked(sim, ci, rop);
  }
}

static void receive_clear(xs_sim *sim, xs_cinst *ci, xs_xreq *r) {
  xs__apply_clear(sim, ci);
  xs__xreq_reply(sim, r, XS_OUTCOME_OK, NULL);
}

void xs__backup_receive(xs_sim *sim, xs_xreq *r) {
  xs_cinst *ci = xs__xreq_receiver(sim, r);
  if (!ci) return;
  if (r->kind == XS_XR_CLEAR) {
    receive_clear(sim, ci, r);
    return;
  }
  const xs_opctx *src = r->op;
  if (xs__lock_is_free(ci, src->hash, src->key, src->klen)) {
    /* The common case: the key is not locked, so the write would take the
     * lock, apply and answer within this event, and nothing else could see
     * the lock meanwhile - do just that, without a context or a lock. */
    remote_apply(sim, ci, r);
    xs__xreq_reply(sim, r, XS_OUTCOME_OK, NULL);
    return;
  }
  xs_opctx *rop = xs__op_alloc(sim, 0);
  if (!rop) {
    xs__xreq_reply(sim, r, XS_OUTCOME_REMOTE, "out of memory");
    return;
  }
  rop->role = XS_OPC_REMOTE;
  rop->site = r->to;
  rop->cache = r->cache;
  rop->key = src->key;
  rop->klen = src->klen;
  rop->hash = src->hash;
  rop->mod = src->mod;
  rop->remote_req = r;
  rop->epoch = sim->sites[r->to].epoch;
  r->refs++;
  if (xs__lock_acquire(sim, ci, rop, ci->cfg->lock_timeout_ms)) remote_locked(sim, ci, rop);
}
