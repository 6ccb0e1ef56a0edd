/*
 * topology.c - what a simulation is made of: the sites, the caches and their
 * cross-site backups.  Three things live here:
 *
 *   - Infinispan's defaults for a backup and a cache, so that a topology
 *     written by hand (or by the JSON loader) behaves like a Data Grid cache
 *     configured with the same attributes;
 *   - the presets, each one the cache layout of a runbook we rehearse (see
 *     docs/topology.md for the document every value comes from);
 *   - xs_topology_validate, which refuses what Infinispan's configuration
 *     builders refuse, with their ISPNnnnnnn messages word for word, and
 *     what the simulator cannot represent (names, limits).
 *
 * The JSON loader is in topology_json.c.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "xsim.h"

/* Infinispan's defaults (BackupConfiguration, TakeOfflineConfiguration,
 * XSiteStateTransferConfiguration, LockingConfiguration, HashConfiguration). */
#define DEF_BACKUP_TIMEOUT_MS 15000
#define DEF_ST_CHUNK_SIZE 512
#define DEF_ST_TIMEOUT_MS (20 * 60 * 1000)
#define DEF_ST_MAX_RETRIES 30
#define DEF_ST_WAIT_TIME_MS 2000
#define DEF_OWNERS 2
#define DEF_LOCK_TIMEOUT_MS 10000
/* The simulator's own: one LAN-like hop, and JGroups' FD_ALL3 timeout order
 * of magnitude for noticing that a site has gone. */
#define DEF_LINK_LATENCY_MS 1
#define DEF_XSITE_FD_TIMEOUT_MS 15000
#define DEF_SITE_NODES 3

/* Copies a NUL-terminated name into a fixed name field; a name that does not
 * fit is cut, which validation then cannot notice, so callers that take
 * names from users check the length first (the JSON loader does). */
static void set_name(char dst[XS_NAME_BYTES_MAX], const char *src) {
  memset(dst, 0, XS_NAME_BYTES_MAX);
  if (src != NULL)
    snprintf(dst, XS_NAME_BYTES_MAX, "%s", src);
}

void xs_backup_cfg_defaults(xs_backup_cfg *b, const char *site) {
  memset(b, 0, sizeof(*b));
  set_name(b->site, site);
  b->strategy = XS_STRATEGY_ASYNC;
  b->timeout_ms = DEF_BACKUP_TIMEOUT_MS;
  b->failure_policy = XS_POLICY_WARN;
  b->two_phase_commit = false;
  b->after_failures = 0;
  b->min_wait_ms = 0;
  b->st_chunk_size = DEF_ST_CHUNK_SIZE;
  b->st_timeout_ms = DEF_ST_TIMEOUT_MS;
  b->st_max_retries = DEF_ST_MAX_RETRIES;
  b->st_wait_time_ms = DEF_ST_WAIT_TIME_MS;
  b->st_mode = XS_ST_MANUAL;
}

void xs_cache_cfg_defaults(xs_cache_cfg *c, const char *name) {
  memset(c, 0, sizeof(*c));
  set_name(c->name, name);
  c->mode = XS_MODE_DIST;
  c->owners = DEF_OWNERS;
  c->tx = XS_TX_NONE;
  c->lock_timeout_ms = DEF_LOCK_TIMEOUT_MS;
  c->merge_policy = XS_MERGE_DEFAULT;
  /* Every bit, not just those of the sites known now: a cache defined "on
   * all sites" stays so when sites are added after it. */
  c->site_mask = UINT32_MAX;
  c->nbackups = 0;
}

/* ------------------------------------------------------------------------ */
/* Presets                                                                    */

static void topology_init(xs_topology *t, const char *name) {
  memset(t, 0, sizeof(*t));
  set_name(t->name, name);
  t->link_latency_ms = DEF_LINK_LATENCY_MS;
  t->link_jitter_ms = 0;
  t->xsite_fd_timeout_ms = DEF_XSITE_FD_TIMEOUT_MS;
}

/* The presets stay far inside the limits, so these never run out of room. */
static void add_site(xs_topology *t, const char *name, int32_t nodes) {
  xs_site_cfg *s = &t->sites[t->nsites++];
  set_name(s->name, name);
  s->nodes = nodes;
}

static xs_cache_cfg *add_cache(xs_topology *t, const char *name) {
  xs_cache_cfg *c = &t->caches[t->ncaches++];
  xs_cache_cfg_defaults(c, name);
  return c;
}

/* A SYNC, FAIL backup to every site of the topology: each site's instance
 * then backs up to all the others, as the runbooks' mirrored CRs do. */
static void add_sync_fail_backups(const xs_topology *t, xs_cache_cfg *c, xs_ms timeout_ms) {
  for (int32_t i = 0; i < t->nsites; i++) {
    xs_backup_cfg *b = &c->backups[c->nbackups++];
    xs_backup_cfg_defaults(b, t->sites[i].name);
    b->strategy = XS_STRATEGY_SYNC;
    b->failure_policy = XS_POLICY_FAIL;
    b->timeout_ms = timeout_ms;
  }
}

/* Infinispan server's RESP endpoint cache, reachable as database 0. */
static xs_cache_cfg *add_resp_cache(xs_topology *t) {
  xs_cache_cfg *c = add_cache(t, "respCache");
  set_name(c->alias, "0");
  return c;
}

/* Keycloak's HA guide, chapter 6 (seed 003): the Cache CRs. */
static void preset_keycloak_ha(xs_topology *t) {
  static const char *const names[] = {
    "sessions", "authenticationSessions", "offlineSessions", "clientSessions",
    "offlineClientSessions", "loginFailures", "actionTokens", "work",
  };
  /* The guide's callout 1: ALWAYS_REMOVE on the five session caches only. */
  static const bool always_remove[] = { true, true, true, true, true, false, false, false };

  topology_init(t, "keycloak-ha");
  add_site(t, "site-a", 3);
  add_site(t, "site-b", 3);
  for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
    xs_cache_cfg *c = add_cache(t, names[i]);
    c->tx = XS_TX_PESSIMISTIC;
    if (always_remove[i])
      c->merge_policy = XS_MERGE_ALWAYS_REMOVE;
    add_sync_fail_backups(t, c, 13000);
    for (int32_t b = 0; b < c->nbackups; b++)
      c->backups[b].st_chunk_size = 16;
  }
  add_resp_cache(t);
}

/* Keycloak's legacy cross-DC guide (seed 001): the JDG "sessions-cfg"
 * replicated template and the seven caches declared with it. */
static void preset_crossdc_legacy(xs_topology *t) {
  static const char *const names[] = {
    "work", "sessions", "clientSessions", "offlineSessions",
    "offlineClientSessions", "actionTokens", "loginFailures",
  };

  topology_init(t, "crossdc-legacy");
  /* One JDG server per site (jdg1, jdg2) in the guide's example setup. */
  add_site(t, "site-a", 1);
  add_site(t, "site-b", 1);
  for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
    xs_cache_cfg *c = add_cache(t, names[i]);
    c->mode = XS_MODE_REPL;
    c->lock_timeout_ms = 0;
    /* No timeout attribute in the XML; the guide says the default backup
     * timeout of that era was 10 s (Infinispan 5.2-9.x). */
    add_sync_fail_backups(t, c, 10000);
    for (int32_t b = 0; b < c->nbackups; b++) {
      c->backups[b].after_failures = 3;
      c->backups[b].min_wait_ms = 60000;
    }
  }
}

/* The smallest cross-site RESP setup: one cache, SYNC and FAIL. */
static void preset_resp_xsite(xs_topology *t) {
  topology_init(t, "resp-xsite");
  add_site(t, "site-a", DEF_SITE_NODES);
  add_site(t, "site-b", DEF_SITE_NODES);
  xs_cache_cfg *c = add_resp_cache(t);
  add_sync_fail_backups(t, c, 15000);
}

int xs_topology_preset(const char *name, xs_topology *t) {
  if (name == NULL || t == NULL)
    return XS_EINVAL;
  if (strcmp(name, "keycloak-ha") == 0)
    preset_keycloak_ha(t);
  else if (strcmp(name, "crossdc-legacy") == 0)
    preset_crossdc_legacy(t);
  else if (strcmp(name, "resp-xsite") == 0)
    preset_resp_xsite(t);
  else
    return XS_EINVAL;
  return 0;
}

/* ------------------------------------------------------------------------ */
/* Validation                                                                 */

/* Formats the message and returns XS_ECONFIG, so a check reads as
 * `return fail(err, errlen, ...)`.  err may be NULL. */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static int fail(char *err, size_t errlen, const char *fmt, ...) {
  if (err != NULL && errlen > 0) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
  }
  return XS_ECONFIG;
}

static bool name_terminated(const char name[XS_NAME_BYTES_MAX]) {
  return memchr(name, '\0', XS_NAME_BYTES_MAX) != NULL;
}

static bool legal_name_char(unsigned char ch) {
  return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
         ch == '.' || ch == '_' || ch == '-';
}

/* Names end up in node names, CLI output and file names, so they are kept
 * to a set of characters that needs no quoting anywhere.  Returns false with
 * what is wrong (to follow the word "name" or "alias") in why. */
static bool name_ok(const char name[XS_NAME_BYTES_MAX], char *why, size_t whylen) {
  if (!name_terminated(name)) {
    snprintf(why, whylen, "is not NUL-terminated");
    return false;
  }
  if (name[0] == '\0') {
    snprintf(why, whylen, "is empty");
    return false;
  }
  for (const char *p = name; *p != '\0'; p++) {
    unsigned char ch = (unsigned char)*p;
    if (legal_name_char(ch))
      continue;
    if (ch >= 0x20 && ch < 0x7f)
      snprintf(why, whylen, "has an illegal character '%c' (use letters, digits, '.', '_' or '-')",
               ch);
    else
      snprintf(why, whylen, "has an illegal byte 0x%02x (use letters, digits, '.', '_' or '-')",
               ch);
    return false;
  }
  return true;
}

int xs_topology_site_index(const xs_topology *t, const char *name) {
  for (int32_t i = 0; i < t->nsites; i++)
    if (strcmp(t->sites[i].name, name) == 0)
      return (int)i;
  return -1;
}

static int validate_sites(const xs_topology *t, char *err, size_t errlen) {
  if (t->nsites < 1)
    return fail(err, errlen, "topology: at least one site is required");
  if (t->nsites > XS_SITES_MAX)
    return fail(err, errlen, "topology: %d sites, at most %d are supported",
                (int)t->nsites, XS_SITES_MAX);
  for (int32_t i = 0; i < t->nsites; i++) {
    const xs_site_cfg *s = &t->sites[i];
    char why[96];
    if (!name_ok(s->name, why, sizeof(why)))
      return fail(err, errlen, "site %d: name %s", (int)i, why);
    if (xs_topology_site_index(t, s->name) != (int)i)
      return fail(err, errlen, "site '%s': defined twice", s->name);
    if (s->nodes < 1 || s->nodes > XS_NODES_MAX)
      return fail(err, errlen, "site '%s': nodes must be between 1 and %d, got %d",
                  s->name, XS_NODES_MAX, (int)s->nodes);
  }
  return 0;
}

/* A backup's site is user text that matched nothing yet; print it safely. */
static const char *printable(const char name[XS_NAME_BYTES_MAX], char *buf, size_t buflen) {
  size_t o = 0;
  for (size_t i = 0; i < XS_NAME_BYTES_MAX && name[i] != '\0' && o + 5 < buflen; i++) {
    unsigned char ch = (unsigned char)name[i];
    if (ch >= 0x20 && ch < 0x7f && ch != '\\')
      buf[o++] = (char)ch;
    else
      o += (size_t)snprintf(buf + o, buflen - o, "\\x%02x", ch);
  }
  buf[o] = '\0';
  return buf;
}

/* The enums come from C callers too; an out-of-range value would otherwise
 * fall through every switch in the simulator. */
static int check_backup_enums(const xs_cache_cfg *c, const xs_backup_cfg *b, const char *site,
                              char *err, size_t errlen) {
  if (b->strategy != XS_STRATEGY_SYNC && b->strategy != XS_STRATEGY_ASYNC)
    return fail(err, errlen, "cache '%s': backup '%s': strategy %d is neither SYNC nor ASYNC",
                c->name, site, (int)b->strategy);
  if (b->failure_policy != XS_POLICY_WARN && b->failure_policy != XS_POLICY_FAIL &&
      b->failure_policy != XS_POLICY_IGNORE)
    return fail(err, errlen, "cache '%s': backup '%s': failure policy %d is not WARN, FAIL or IGNORE",
                c->name, site, (int)b->failure_policy);
  if (b->st_mode != XS_ST_MANUAL && b->st_mode != XS_ST_AUTO)
    return fail(err, errlen, "cache '%s': ISPN000633: Cross-site state transfer mode cannot be null.",
                c->name);
  return 0;
}

static const char *policy_name(xs_policy p) {
  switch (p) {
  case XS_POLICY_WARN: return "WARN";
  case XS_POLICY_FAIL: return "FAIL";
  case XS_POLICY_IGNORE: return "IGNORE";
  }
  return "?";
}

/* Infinispan's checks, in the order BackupConfigurationBuilder.validate()
 * makes them: state transfer first, then the failure policy, then 2PC. */
static int check_backup_ispn(const xs_cache_cfg *c, const xs_backup_cfg *b, const char *site,
                             char *err, size_t errlen) {
  if (b->st_chunk_size <= 0)
    return fail(err, errlen, "cache '%s': ISPN000561: Chunk size must be positive, got %d",
                c->name, (int)b->st_chunk_size);
  if (b->st_timeout_ms <= 0)
    return fail(err, errlen, "cache '%s': ISPN000449: Timeout value for cross-site replication "
                "state transfer must be equal to or greater than one.", c->name);
  if (b->st_wait_time_ms <= 0)
    return fail(err, errlen, "cache '%s': ISPN000450: Wait time between retries for cross-site "
                "replication state transfer must be equal to or greater than one.", c->name);
  if (b->st_mode == XS_ST_AUTO && b->strategy == XS_STRATEGY_SYNC)
    return fail(err, errlen, "cache '%s': ISPN000634: Cross-site automatic state transfer is not "
                "compatible with SYNC backup strategy.", c->name);
  if (site[0] == '\0')
    return fail(err, errlen, "cache '%s': ISPN000337: Backup configuration must include a 'site'.",
                c->name);
  if (b->failure_policy == XS_POLICY_FAIL && b->strategy == XS_STRATEGY_ASYNC)
    return fail(err, errlen, "cache '%s': ISPN000656: The backup '%s' configuration "
                "'failure-policy=%s' is not valid with an ASYNC backup strategy.",
                c->name, site, policy_name(b->failure_policy));
  if (b->two_phase_commit && b->strategy == XS_STRATEGY_ASYNC)
    return fail(err, errlen, "cache '%s': ISPN000335: Two-phase commit can only be used with "
                "synchronous backup strategy.", c->name);
  return 0;
}

static int validate_backup(const xs_topology *t, const xs_cache_cfg *c, int32_t i,
                           char *err, size_t errlen) {
  const xs_backup_cfg *b = &c->backups[i];
  char site[4 * XS_NAME_BYTES_MAX + 1];
  int rc;

  if (!name_terminated(b->site))
    return fail(err, errlen, "cache '%s': backup %d: site name is not NUL-terminated",
                c->name, (int)i);
  printable(b->site, site, sizeof(site));
  /* SitesConfigurationBuilder rejects a repeated site before validating it. */
  for (int32_t j = 0; j < i; j++)
    if (strcmp(c->backups[j].site, b->site) == 0)
      return fail(err, errlen, "cache '%s': ISPN000446: Multiple sites have the same name '%s'. "
                  "This configuration is not valid.", c->name, site);
  if ((rc = check_backup_enums(c, b, site, err, errlen)) < 0)
    return rc;
  if ((rc = check_backup_ispn(c, b, site, err, errlen)) < 0)
    return rc;
  if (xs_topology_site_index(t, b->site) < 0)
    return fail(err, errlen, "cache '%s': backup to unknown site '%s'", c->name, site);
  if (b->timeout_ms <= 0)
    return fail(err, errlen, "cache '%s': backup '%s': timeout must be > 0, got %lld ms",
                c->name, site, (long long)b->timeout_ms);
  return 0;
}

/* A cache name or alias is how clients find the cache (REST path, RESP
 * SELECT), so no two caches may answer to the same word. */
static int check_cache_names(const xs_topology *t, int32_t i, char *err, size_t errlen) {
  const xs_cache_cfg *c = &t->caches[i];
  char why[96];

  if (!name_ok(c->name, why, sizeof(why)))
    return fail(err, errlen, "cache %d: name %s", (int)i, why);
  /* An empty alias means none. */
  if (!name_terminated(c->alias) || (c->alias[0] != '\0' && !name_ok(c->alias, why, sizeof(why))))
    return fail(err, errlen, "cache '%s': alias %s", c->name,
                name_terminated(c->alias) ? why : "is not NUL-terminated");
  if (strcmp(c->name, c->alias) == 0)
    return fail(err, errlen, "cache '%s': alias is the cache's own name", c->name);
  for (int32_t j = 0; j < i; j++) {
    const xs_cache_cfg *o = &t->caches[j];
    if (strcmp(o->name, c->name) == 0)
      return fail(err, errlen, "cache '%s': defined twice", c->name);
    if (o->alias[0] != '\0' && strcmp(o->alias, c->name) == 0)
      return fail(err, errlen, "cache '%s': name is already the alias of cache '%s'",
                  c->name, o->name);
    if (c->alias[0] != '\0' &&
        (strcmp(o->name, c->alias) == 0 || strcmp(o->alias, c->alias) == 0))
      return fail(err, errlen, "cache '%s': alias '%s' is already used by cache '%s'",
                  c->name, c->alias, o->name);
  }
  return 0;
}

static int check_cache_fields(const xs_topology *t, const xs_cache_cfg *c, char *err,
                              size_t errlen) {
  uint32_t all = t->nsites >= 32 ? UINT32_MAX : (1u << t->nsites) - 1u;

  if (c->mode != XS_MODE_DIST && c->mode != XS_MODE_REPL && c->mode != XS_MODE_LOCAL)
    return fail(err, errlen, "cache '%s': mode %d is not distributed, replicated or local",
                c->name, (int)c->mode);
  if (c->tx != XS_TX_NONE && c->tx != XS_TX_PESSIMISTIC && c->tx != XS_TX_OPTIMISTIC)
    return fail(err, errlen, "cache '%s': transaction mode %d is not NONE, PESSIMISTIC or "
                "OPTIMISTIC", c->name, (int)c->tx);
  if ((int)c->merge_policy < 0 || (int)c->merge_policy > (int)XS_MERGE_ALWAYS_REMOVE)
    return fail(err, errlen, "cache '%s': merge policy %d is not DEFAULT, PREFER_NON_NULL, "
                "PREFER_NULL or ALWAYS_REMOVE", c->name, (int)c->merge_policy);
  if (c->owners < 1)
    return fail(err, errlen, "cache '%s': owners must be at least 1, got %d",
                c->name, (int)c->owners);
  if (c->lock_timeout_ms < 0)
    return fail(err, errlen, "cache '%s': locking acquire-timeout must be >= 0, got %lld ms",
                c->name, (long long)c->lock_timeout_ms);
  if ((c->site_mask & all) == 0)
    return fail(err, errlen, "cache '%s': defined on no site (site_mask 0x%x)",
                c->name, (unsigned)c->site_mask);
  if (c->nbackups < 0 || c->nbackups > XS_SITES_MAX)
    return fail(err, errlen, "cache '%s': %d backups, at most %d are supported",
                c->name, (int)c->nbackups, XS_SITES_MAX);
  return 0;
}

static int validate_cache(const xs_topology *t, int32_t i, char *err, size_t errlen) {
  const xs_cache_cfg *c = &t->caches[i];
  int rc;

  if ((rc = check_cache_names(t, i, err, errlen)) < 0)
    return rc;
  if ((rc = check_cache_fields(t, c, err, errlen)) < 0)
    return rc;
  for (int32_t b = 0; b < c->nbackups; b++)
    if ((rc = validate_backup(t, c, b, err, errlen)) < 0)
      return rc;
  /* Infinispan checks this after the backups themselves. */
  if (c->nbackups > 0 && c->mode == XS_MODE_LOCAL)
    return fail(err, errlen, "cache '%s': ISPN000576: Cross-site replication not available "
                "for local cache.", c->name);
  return 0;
}

int xs_topology_validate(const xs_topology *t, char *err, size_t errlen) {
  int rc;

  if (err != NULL && errlen > 0)
    err[0] = '\0';
  if (t == NULL)
    return fail(err, errlen, "topology: none given");
  if ((rc = validate_sites(t, err, errlen)) < 0)
    return rc;
  if (t->ncaches < 0 || t->ncaches > XS_CACHES_MAX)
    return fail(err, errlen, "topology: %d caches, at most %d are supported",
                (int)t->ncaches, XS_CACHES_MAX);
  if (t->link_latency_ms < 0)
    return fail(err, errlen, "link: latency must be >= 0, got %lld ms",
                (long long)t->link_latency_ms);
  if (t->link_jitter_ms < 0)
    return fail(err, errlen, "link: jitter must be >= 0, got %lld ms",
                (long long)t->link_jitter_ms);
  if (t->xsite_fd_timeout_ms < 0)
    return fail(err, errlen, "topology: x-site failure detection timeout must be >= 0, got %lld ms",
                (long long)t->xsite_fd_timeout_ms);
  for (int32_t i = 0; i < t->ncaches; i++)
    if ((rc = validate_cache(t, i, err, errlen)) < 0)
      return rc;
  return 0;
}
