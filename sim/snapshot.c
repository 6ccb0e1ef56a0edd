/*
 * snapshot.c - the state readers and writers of snapshot.h: entries with
 * their metadata and IRAC versions, backup states, a cache's newest IRAC
 * version and the views, read from and written straight into the model
 * (sim_internal.h) without events, replication or log lines.
 */
#include "snapshot.h"

#include <string.h>

#include "sim_internal.h"

static xs_cinst *cinst_of(const xs_sim *sim, int site, int cache, int *rc) {
  if (site < 0 || site >= sim->topo.nsites) {
    *rc = XS_ENOSITE;
    return NULL;
  }
  xs_cinst *ci = xs__cinst(sim, site, cache);
  *rc = ci ? 0 : XS_ENOCACHE;
  return ci;
}

static void version_out(const xs_irac_version *v, uint32_t *topology, uint32_t *counter) {
  for (int i = 0; i < XS_SITES_MAX; i++) {
    topology[i] = v->e[i].topology;
    counter[i] = v->e[i].counter;
  }
}

static void version_in(xs_irac_version *v, const uint32_t *topology, const uint32_t *counter) {
  for (int i = 0; i < XS_SITES_MAX; i++) {
    v->e[i].topology = topology[i];
    v->e[i].counter = counter[i];
  }
}

int xs_snap_entries(const xs_sim *sim, int site, int cache, xs_snap_entry_cb cb, void *ud) {
  int rc;
  xs_cinst *ci = cinst_of(sim, site, cache, &rc);
  if (!ci) return rc == XS_ENOCACHE ? 0 : rc;
  size_t cur = 0;
  xs_entry *e;
  while ((e = xs_store_next(ci->store, &cur))) {
    xs_meta m;
    xs_entry_meta(e, &m);
    if (xs__expired(&m, sim->eng.now)) continue;
    xs_snap_entry se = {.vtype = m.vtype, .expire_ms = m.expire_ms, .max_idle_ms = m.max_idle_ms,
                        .last_used_ms = m.last_used_ms, .irac_site = -1};
    se.key = xs_entry_key(e, &se.key_len);
    se.value = xs_entry_value(e, &se.value_len);
    xs_irac_meta im;
    if (xs_irac_pool_read(sim->vpool, m.ver, &im)) {
      se.has_irac = true;
      se.irac_site = im.site;
      version_out(&im.version, se.irac_topology, se.irac_counter);
    }
    rc = cb(ud, &se);
    if (rc) return rc;
  }
  return 0;
}

int xs_snap_put(xs_sim *sim, int site, int cache, const xs_snap_entry *e) {
  int rc;
  xs_cinst *ci = cinst_of(sim, site, cache, &rc);
  if (!ci) return rc;
  if (e->key_len > XS_KEY_BYTES_MAX || e->value_len > XS_VALUE_BYTES_MAX) return XS_ELIMIT;
  xs_meta m = {.expire_ms = e->expire_ms, .max_idle_ms = e->max_idle_ms,
               .last_used_ms = e->last_used_ms, .ver = 0, .vtype = e->vtype};
  if (e->has_irac) {
    /* A version naming a site the topology lacks cannot have come from this
     * simulation, and the version pool has no room for its components. */
    if (e->irac_site < 0 || e->irac_site >= sim->topo.nsites) return XS_EINVAL;
    for (int i = sim->topo.nsites; i < XS_SITES_MAX; i++)
      if (e->irac_topology[i] != 0 || e->irac_counter[i] != 0) return XS_EINVAL;
    xs_irac_meta im = {.site = (int8_t)e->irac_site};
    version_in(&im.version, e->irac_topology, e->irac_counter);
    m.ver = xs_irac_pool_add(sim->vpool, &im);
    if (!m.ver) return XS_ENOMEM;
    xs_irac_version_merge(&ci->max_version, &ci->max_version, &im.version);
  }
  uint64_t hash = xs_hash_bytes(e->key, e->key_len);
  rc = xs__apply_put(sim, ci, e->key, e->key_len, hash, e->value, e->value_len, &m);
  if (rc && m.ver) xs_irac_pool_unref(sim->vpool, m.ver);
  return rc;
}

static xs_bstate *bstate_of(const xs_sim *sim, int site, int cache, int remote, int *rc) {
  *rc = xs_admin_backup_index(sim, site, cache, remote);
  return *rc < 0 ? NULL : &sim->sites[site].caches[cache]->b[remote];
}

int xs_snap_backup_get(const xs_sim *sim, int site, int cache, int remote, xs_snap_backup *out) {
  int rc;
  const xs_bstate *b = bstate_of(sim, site, cache, remote, &rc);
  if (!b) return rc;
  *out = (xs_snap_backup){.offline = b->off.offline, .after_failures = b->off.after_failures,
                          .min_wait_ms = b->off.min_wait_ms, .first_failure_ms = b->off.first_failure_ms,
                          .failure_count = b->off.failure_count, .push = b->push_status,
                          .st_mode = b->cfg.st_mode};
  return 0;
}

int xs_snap_backup_set(xs_sim *sim, int site, int cache, int remote, const xs_snap_backup *in) {
  int rc;
  xs_bstate *b = bstate_of(sim, site, cache, remote, &rc);
  if (!b) return rc;
  if (in->push < XS_PUSH_IDLE || in->push > XS_PUSH_CANCELED) return XS_EINVAL;
  b->off.offline = in->offline;
  b->off.after_failures = in->after_failures;
  b->off.min_wait_ms = in->min_wait_ms;
  b->off.first_failure_ms = in->first_failure_ms;
  b->off.failure_count = in->failure_count;
  b->cfg.after_failures = in->after_failures;
  b->cfg.min_wait_ms = in->min_wait_ms;
  b->cfg.st_mode = in->st_mode;
  b->push_status = in->push == XS_PUSH_SENDING && !b->push ? XS_PUSH_ERROR : in->push;
  return 0;
}

int xs_snap_cache_version_get(const xs_sim *sim, int site, int cache,
                              uint32_t topology[XS_SITES_MAX], uint32_t counter[XS_SITES_MAX]) {
  int rc;
  const xs_cinst *ci = cinst_of(sim, site, cache, &rc);
  if (!ci) return rc;
  version_out(&ci->max_version, topology, counter);
  return 0;
}

int xs_snap_cache_version_set(xs_sim *sim, int site, int cache,
                              const uint32_t topology[XS_SITES_MAX],
                              const uint32_t counter[XS_SITES_MAX]) {
  int rc;
  xs_cinst *ci = cinst_of(sim, site, cache, &rc);
  if (!ci) return rc;
  xs_irac_version v;
  version_in(&v, topology, counter);
  xs_irac_version_merge(&ci->max_version, &ci->max_version, &v);
  return 0;
}

int xs_snap_view_set(xs_sim *sim, int site, int remote, bool in_view) {
  if (site < 0 || site >= sim->topo.nsites || remote < 0 || remote >= sim->topo.nsites)
    return XS_ENOSITE;
  if (site == remote) return in_view ? 0 : XS_EINVAL;
  sim->sites[site].view[remote] = in_view;
  return 0;
}
