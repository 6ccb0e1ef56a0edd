/*
 * xsim.h - the public C API of the xsim simulation core.
 *
 * A simulation (xs_sim) holds N Data Grid sites joined by cross-site
 * replication, a link per ordered pair of sites, and a discrete-event engine
 * with a virtual clock.  Everything that happens, happens at a virtual time;
 * nothing here reads the wall clock, and all randomness comes from one PRNG
 * seeded at creation.  Two simulations may live in one process: there is no
 * global state.
 *
 * Conventions (libuv's): functions return 0 or a positive value on success and
 * a negative XS_E* code on failure.  A function that takes a callback and
 * returns an error never calls that callback; one that succeeds calls it
 * exactly once, later, from inside xs_sim_run_*() - never from inside the
 * submitting call.
 */
#ifndef XSIM_H
#define XSIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------ */
/* Limits.  Every size in the core has a name; inputs beyond one are refused  */
/* with XS_ELIMIT rather than grown into.                                      */

#define XS_SITES_MAX 8            /* sites in one simulation */
#define XS_CACHES_MAX 32          /* caches per topology */
#define XS_NODES_MAX 16           /* Data Grid nodes per site */
#define XS_NAME_BYTES_MAX 64      /* site, cache and node names, with the NUL */
#define XS_KEY_BYTES_MAX 65536u   /* one key */
#define XS_VALUE_BYTES_MAX (64u << 20) /* one value */
#define XS_EVENTS_PENDING_MAX (1u << 24) /* events waiting in the queue */
#define XS_OPS_INFLIGHT_MAX (1u << 20)   /* client operations not yet completed */
#define XS_EVLOG_RING_MAX 65536u  /* event-log records kept for reading back */
#define XS_MSG_BYTES_MAX 512      /* a result or error text */

typedef int64_t xs_ms; /* virtual time, milliseconds since the start */
#define XS_TIME_NEVER INT64_MAX

/* ------------------------------------------------------------------------ */
/* Errors                                                                     */

enum {
  XS_OK = 0,
  XS_ENOMEM = -1,      /* allocation failed */
  XS_EINVAL = -2,      /* a bad argument */
  XS_ENOSITE = -3,     /* no such site */
  XS_ENOCACHE = -4,    /* no such cache (on that site) */
  XS_ENOBACKUPS = -5,  /* the cache has no backup sites */
  XS_ENOTBACKUP = -6,  /* the cache does not back up to that site */
  XS_ELIMIT = -7,      /* a named limit was hit */
  XS_EBACKUP = -8,     /* a cross-site backup failed under FAIL (ISPN000709) */
  XS_ELOCK = -9,       /* lock acquisition timed out (ISPN000299) */
  XS_ESITEDOWN = -10,  /* the site itself is crashed */
  XS_ECONFIG = -11,    /* an invalid topology or configuration */
  XS_ENOTFOUND = -12,  /* the key is absent (conditional ops) */
  XS_EEXISTS = -13,    /* the key exists (put-if-absent) */
  XS_ESTATE = -14,     /* the operation is not valid in the current state */
};

const char *xs_strerror(int err);

/* ------------------------------------------------------------------------ */
/* Topology                                                                   */

typedef enum { XS_STRATEGY_SYNC = 0, XS_STRATEGY_ASYNC = 1 } xs_strategy;
typedef enum { XS_POLICY_WARN = 0, XS_POLICY_FAIL = 1, XS_POLICY_IGNORE = 2 } xs_policy;
typedef enum { XS_ST_MANUAL = 0, XS_ST_AUTO = 1 } xs_st_mode;
typedef enum {
  XS_MERGE_DEFAULT = 0,
  XS_MERGE_PREFER_NON_NULL = 1,
  XS_MERGE_PREFER_NULL = 2,
  XS_MERGE_ALWAYS_REMOVE = 3,
} xs_merge_policy;
typedef enum { XS_MODE_DIST = 0, XS_MODE_REPL = 1, XS_MODE_LOCAL = 2 } xs_cache_mode;
typedef enum { XS_TX_NONE = 0, XS_TX_PESSIMISTIC = 1, XS_TX_OPTIMISTIC = 2 } xs_tx_mode;

/* One <backup site="..."> of a cache.  Each site's instance of the cache
 * backs up to every listed site other than itself. */
typedef struct xs_backup_cfg {
  char site[XS_NAME_BYTES_MAX];
  xs_strategy strategy;        /* default ASYNC */
  xs_ms timeout_ms;            /* default 15000 */
  xs_policy failure_policy;    /* default WARN */
  bool two_phase_commit;       /* default false */
  int32_t after_failures;      /* take-offline; <= 0 ignores the count */
  xs_ms min_wait_ms;           /* take-offline; <= 0 means no wait */
  int32_t st_chunk_size;       /* default 512 */
  xs_ms st_timeout_ms;         /* default 20 min */
  int32_t st_max_retries;      /* default 30 */
  xs_ms st_wait_time_ms;       /* default 2 s */
  xs_st_mode st_mode;          /* default MANUAL */
} xs_backup_cfg;

typedef struct xs_cache_cfg {
  char name[XS_NAME_BYTES_MAX];
  char alias[XS_NAME_BYTES_MAX]; /* "" when none; RESP SELECT uses it */
  xs_cache_mode mode;
  int32_t owners;
  xs_tx_mode tx;
  xs_ms lock_timeout_ms;        /* locking acquire-timeout, default 10000 */
  xs_merge_policy merge_policy;
  uint32_t site_mask;           /* bit i: site i defines this cache (default all) */
  int32_t nbackups;
  xs_backup_cfg backups[XS_SITES_MAX];
} xs_cache_cfg;

typedef struct xs_site_cfg {
  char name[XS_NAME_BYTES_MAX];
  int32_t nodes;                /* default 3 */
} xs_site_cfg;

typedef struct xs_topology {
  char name[XS_NAME_BYTES_MAX];  /* the preset's name, or the file's */
  int32_t nsites;
  xs_site_cfg sites[XS_SITES_MAX];
  int32_t ncaches;
  xs_cache_cfg caches[XS_CACHES_MAX];
  xs_ms link_latency_ms;        /* one-way, default 1 */
  xs_ms link_jitter_ms;         /* uniform extra 0..jitter, default 0 */
  xs_ms xsite_fd_timeout_ms;    /* x-site failure detection, default 15000 */
} xs_topology;

/* Fills *t with the named preset: "keycloak-ha", "crossdc-legacy" or
 * "resp-xsite".  Returns XS_EINVAL for an unknown name. */
int xs_topology_preset(const char *name, xs_topology *t);

/* Sets *b to Infinispan's defaults for a backup to `site`. */
void xs_backup_cfg_defaults(xs_backup_cfg *b, const char *site);
/* Sets *c to Infinispan's defaults for a cache called `name`. */
void xs_cache_cfg_defaults(xs_cache_cfg *c, const char *name);

/* Loads a topology from JSON text (`what` names the source in messages, e.g.
 * the file name).  On failure returns XS_ECONFIG and writes
 * "<what>: <what is wrong>" into err. */
int xs_topology_parse(const char *json, size_t len, const char *what,
                      xs_topology *t, char *err, size_t errlen);
int xs_topology_load(const char *path, xs_topology *t, char *err, size_t errlen);

/* Checks a topology with Infinispan's validation rules (ISPN000656,
 * ISPN000335, ISPN000634, ...) and ours (names, limits).  0 or XS_ECONFIG with
 * the message in err. */
int xs_topology_validate(const xs_topology *t, char *err, size_t errlen);
/* The index of the site called `name`, or -1. */
int xs_topology_site_index(const xs_topology *t, const char *name);

/* ------------------------------------------------------------------------ */
/* Simulation lifecycle and run control                                       */

typedef struct xs_sim xs_sim;

/* Creates a simulation; the topology is copied and validated first.  On an
 * invalid topology returns NULL with the message in err (when err != NULL). */
xs_sim *xs_sim_new(const xs_topology *t, uint64_t seed, char *err, size_t errlen);
void xs_sim_free(xs_sim *sim);

const xs_topology *xs_sim_topology(const xs_sim *sim);
xs_ms xs_sim_now(const xs_sim *sim);
uint64_t xs_sim_seed(const xs_sim *sim);

/* Runs every event due at or before `t`, then sets the clock to `t`. Returns
 * the number of events run. */
int64_t xs_sim_run_until(xs_sim *sim, xs_ms t);
/* Runs events until none are left or the next is after `limit`; the clock
 * stops at the last event run.  Periodic housekeeping does not keep a
 * simulation from being quiescent. */
int64_t xs_sim_run_quiescent(xs_sim *sim, xs_ms limit);
/* Runs exactly one event if there is one; returns 1 or 0. */
int xs_sim_step(xs_sim *sim);
/* The time of the next pending event, or XS_TIME_NEVER. */
xs_ms xs_sim_next_time(const xs_sim *sim);
/* Number of events run so far, and number still waiting. */
uint64_t xs_sim_events_run(const xs_sim *sim);
uint64_t xs_sim_events_pending(const xs_sim *sim);

typedef void (*xs_timer_cb)(xs_sim *sim, void *ud);
/* Calls cb at virtual time `at` (>= now).  For harness actors: workloads,
 * faults at times, procedure steps. */
int xs_sim_timer(xs_sim *sim, xs_ms at, xs_timer_cb cb, void *ud);

/* A PRNG stream for a harness subsystem, split off the simulation's seed by
 * name so that adding a stream does not disturb the others. */
uint64_t xs_sim_random_seed(const xs_sim *sim, const char *stream);

/* Lookups by name; negative XS_ENOSITE / XS_ENOCACHE when unknown. */
int xs_sim_site_index(const xs_sim *sim, const char *name);
int xs_sim_cache_index(const xs_sim *sim, const char *name); /* name or alias */
const char *xs_sim_site_name(const xs_sim *sim, int site);
const char *xs_sim_cache_name(const xs_sim *sim, int cache);
const char *xs_sim_node_name(const xs_sim *sim, int site, int node);
int xs_sim_node_count(const xs_sim *sim, int site);
/* Whether `cache` is defined (and its site up) on `site`. */
bool xs_sim_cache_defined(const xs_sim *sim, int site, int cache);

/* ------------------------------------------------------------------------ */
/* Cache operations                                                           */

typedef enum {
  XS_OP_GET = 0,
  XS_OP_PUT,            /* unconditional put */
  XS_OP_PUT_IF_ABSENT,  /* fails with XS_EEXISTS (not replicated) when present */
  XS_OP_REPLACE,        /* fails with XS_ENOTFOUND when absent */
  XS_OP_REMOVE,         /* completes with found=false when absent */
  XS_OP_CLEAR,          /* key ignored */
  XS_OP_COMPUTE,        /* read-modify-write under the key lock; see xs_compute_fn */
} xs_op_kind;

/* Flags on an operation. */
#define XS_FLAG_SKIP_XSITE_BACKUP 0x1u /* write locally only (REST 'flags' header) */
#define XS_FLAG_TOUCH 0x2u             /* a GET refreshes max-idle */

/* What a compute function decides. */
typedef enum { XS_COMPUTE_KEEP = 0, XS_COMPUTE_PUT = 1, XS_COMPUTE_REMOVE = 2 } xs_compute_action;

/* The new value of a compute op.  `value` may point into the old value's bytes
 * or into memory the function owns; it is copied before the function's
 * caller returns.  `error` non-empty makes the op fail (not replicated). */
typedef struct xs_compute_out {
  const uint8_t *value;
  uint32_t value_len;
  uint8_t vtype;
  xs_ms lifespan_ms;   /* -1 keeps the entry's lifespan; -2 makes it immortal */
  char error[XS_MSG_BYTES_MAX];
} xs_compute_out;

typedef xs_compute_action (*xs_compute_fn)(void *ud, const uint8_t *old, uint32_t old_len,
                                           uint8_t old_vtype, bool found, xs_ms old_expire_ms,
                                           xs_compute_out *out);

typedef struct xs_op {
  xs_op_kind kind;
  int site;
  int cache;
  const uint8_t *key;
  uint32_t key_len;
  const uint8_t *value;
  uint32_t value_len;
  uint8_t vtype;         /* an opaque value type tag for the endpoints; 0 = bytes */
  xs_ms lifespan_ms;     /* -1: immortal */
  xs_ms max_idle_ms;     /* -1: none */
  uint32_t flags;
  xs_compute_fn compute; /* XS_OP_COMPUTE only */
  void *compute_ud;
} xs_op;

/* Initialises an op with no expiry and no flags. */
void xs_op_init(xs_op *op, xs_op_kind kind, int site, int cache);

typedef struct xs_op_result {
  uint64_t op_id;
  int status;               /* 0 or XS_E* */
  const char *error;        /* Infinispan's text when status != 0, else "" */
  bool found;               /* GET/REMOVE/REPLACE: the key was present before */
  const uint8_t *value;     /* GET: the value (valid during the callback only) */
  uint32_t value_len;
  uint8_t vtype;
  xs_ms expire_ms;          /* GET: absolute expiry, XS_TIME_NEVER when immortal */
  xs_ms invoked_ms;         /* virtual times, for history checkers */
  xs_ms completed_ms;
  bool warned;              /* WARN policy logged ISPN000202 for this op */
} xs_op_result;

typedef void (*xs_op_cb)(xs_sim *sim, void *ud, const xs_op_result *r);

/* Submits an operation.  The key, value and compute state are copied or used
 * before returning, except compute_ud which must live until completion.
 * Returns the op id (> 0) or a negative error (cb is then never called). */
int64_t xs_op_submit(xs_sim *sim, const xs_op *op, xs_op_cb cb, void *ud);

/* Synchronous reads for checkers and endpoints: no events, no locks, no
 * expiry side effects.  Return 1 when found, 0 when absent, or an error. */
int xs_cache_peek(const xs_sim *sim, int site, int cache, const uint8_t *key, uint32_t key_len,
                  const uint8_t **value, uint32_t *value_len, uint8_t *vtype, xs_ms *expire_ms);
/* Live entry count (expired entries excluded). */
int64_t xs_cache_size(const xs_sim *sim, int site, int cache);
typedef int (*xs_entry_cb)(void *ud, const uint8_t *key, uint32_t key_len, const uint8_t *value,
                           uint32_t value_len, uint8_t vtype);
/* Calls cb for each live entry in a deterministic order; stops early if cb
 * returns non-zero and returns that value. */
int xs_cache_foreach(const xs_sim *sim, int site, int cache, xs_entry_cb cb, void *ud);
/* 1 when both sites hold exactly the same live keys and values in `cache`,
 * 0 when not (the first differing key is written to diff, if given). */
int xs_cache_equal(const xs_sim *sim, int cache, int site_a, int site_b, char *diff, size_t difflen);

/* ------------------------------------------------------------------------ */
/* Cross-site admin operations (XSiteAdminOperations)                         */

typedef enum {
  XS_ADMIN_TAKE_OFFLINE = 0,
  XS_ADMIN_BRING_ONLINE,
  XS_ADMIN_PUSH_STATE,
  XS_ADMIN_CANCEL_PUSH_STATE,
  XS_ADMIN_CANCEL_RECEIVE_STATE, /* on the receiver; `remote` is the sender */
  XS_ADMIN_CLEAR_PUSH_STATE_STATUS, /* `remote` ignored */
} xs_admin_kind;

typedef struct xs_admin_result {
  int status;      /* 0 when the operation ran; XS_E* when it could not be addressed */
  const char *text; /* Infinispan's result string: "ok", "Incorrect site name: x", ... */
} xs_admin_result;

typedef void (*xs_admin_cb)(xs_sim *sim, void *ud, const xs_admin_result *r);

/* Runs an admin operation on `site`'s `cache` about `remote`.  Errors that
 * REST maps to 404 (XS_ENOCACHE, XS_ENOBACKUPS, XS_ENOTBACKUP) are returned at
 * once and cb is not called. */
int xs_admin_submit(xs_sim *sim, int site, int cache, xs_admin_kind kind, const char *remote,
                    xs_admin_cb cb, void *ud);

/* Synchronous status queries. */
typedef enum { XS_SITE_ONLINE = 0, XS_SITE_OFFLINE = 1 } xs_site_state;
/* The status of `remote` as seen by `site`'s `cache`; negative errors as above. */
int xs_admin_site_status(const xs_sim *sim, int site, int cache, int remote);
typedef enum {
  XS_PUSH_IDLE = 0,
  XS_PUSH_SENDING,
  XS_PUSH_OK,
  XS_PUSH_ERROR,
  XS_PUSH_CANCELED,
} xs_push_status;
const char *xs_push_status_text(xs_push_status s); /* "IDLE", "SENDING", "OK", ... */
int xs_admin_push_status(const xs_sim *sim, int site, int cache, int remote);
/* The site currently pushing state into `site`'s `cache`, or -1. */
int xs_admin_sending_site(const xs_sim *sim, int site, int cache);
/* take-offline config. set returns 1 when changed (and resets the status to
 * online, as Infinispan's amend() does), 0 when unchanged. */
int xs_admin_take_offline_get(const xs_sim *sim, int site, int cache, int remote,
                              int32_t *after_failures, xs_ms *min_wait_ms);
int xs_admin_take_offline_set(xs_sim *sim, int site, int cache, int remote,
                              int32_t after_failures, xs_ms min_wait_ms);
/* state-transfer mode; set returns 1 changed, 0 unchanged, XS_ECONFIG with
 * ISPN000634 for AUTO on a SYNC backup (text from xs_sim_last_error). */
int xs_admin_st_mode_get(const xs_sim *sim, int site, int cache, int remote);
int xs_admin_st_mode_set(xs_sim *sim, int site, int cache, int remote, xs_st_mode mode);
/* Whether `cache` on `site` has a backup to `remote` (index of the backup or
 * a negative error). */
int xs_admin_backup_index(const xs_sim *sim, int site, int cache, int remote);

/* The text of the last XS_ECONFIG-style refusal of a synchronous call. */
const char *xs_sim_last_error(const xs_sim *sim);

/* ------------------------------------------------------------------------ */
/* Faults                                                                     */

/* The link carrying messages from `from` to `to`. */
int xs_link_set_up(xs_sim *sim, int from, int to, bool up);
int xs_link_set_latency(xs_sim *sim, int from, int to, xs_ms latency_ms, xs_ms jitter_ms);
int xs_link_set_loss(xs_sim *sim, int from, int to, double loss); /* 0..1 */
bool xs_link_is_up(const xs_sim *sim, int from, int to);
/* Reads a link's settings (any pointer may be NULL). */
int xs_link_get(const xs_sim *sim, int from, int to, bool *up, xs_ms *latency_ms,
                xs_ms *jitter_ms, double *loss);
/* Cuts both directions (or, oneway, only a->b); heal restores every link. */
int xs_partition(xs_sim *sim, int a, int b, bool oneway);
void xs_heal(xs_sim *sim);
/* A crashed site drops every message and loses its data; a restarted one
 * comes back empty with its caches started and every backup online. */
int xs_site_crash(xs_sim *sim, int site);
int xs_site_restart(xs_sim *sim, int site);
bool xs_site_is_up(const xs_sim *sim, int site);
/* Whether `remote` is in `site`'s cross-site view. */
bool xs_site_view_has(const xs_sim *sim, int site, int remote);

/* ------------------------------------------------------------------------ */
/* Counters (for checkers and /metrics)                                       */

typedef struct xs_xsite_counters {
  int32_t status;                    /* 1 online, 0 offline (metric convention) */
  int64_t failures_count;            /* consecutive communication failures */
  int64_t millis_since_first_failure;/* 0 when no failure is pending */
  int64_t backup_ok;                 /* backup requests that succeeded */
  int64_t backup_failures;           /* backup requests that failed */
  int64_t conflicts;                 /* IRAC conflicts resolved on this site from remote */
  int64_t conflicts_local_wins;
  int64_t conflicts_remote_wins;
  int64_t conflicts_merged;
  int64_t discards;                  /* IRAC updates discarded as older */
  int64_t st_chunks_sent;
  int64_t st_entries_sent;
} xs_xsite_counters;

int xs_counters_get(const xs_sim *sim, int site, int cache, int remote, xs_xsite_counters *out);

/* ------------------------------------------------------------------------ */
/* Event log                                                                  */

typedef enum {
  XS_EV_OP_INVOKE = 1,  XS_EV_OP_DONE,     XS_EV_XSITE_SEND,   XS_EV_XSITE_APPLY,
  XS_EV_XSITE_REPLY,    XS_EV_XSITE_TIMEOUT, XS_EV_XSITE_LOST, XS_EV_SITE_OFFLINE,
  XS_EV_SITE_ONLINE,    XS_EV_VIEW_LEAVE,  XS_EV_VIEW_JOIN,    XS_EV_LINK,
  XS_EV_CRASH,          XS_EV_RESTART,     XS_EV_ADMIN,        XS_EV_ST_START,
  XS_EV_ST_CHUNK,       XS_EV_ST_DONE,     XS_EV_ST_RECV,      XS_EV_IRAC_BATCH,
  XS_EV_IRAC_CONFLICT,  XS_EV_WARN,        XS_EV_CLEAR,        XS_EV_TIMER,
  XS_EV_LOCK_TIMEOUT,   XS_EV_EXPIRE,
  XS_EV_KIND_COUNT
} xs_ev_kind;

typedef struct xs_ev_record {
  uint64_t seq;
  xs_ms time;
  uint16_t kind;     /* xs_ev_kind */
  int8_t site;       /* -1 when none */
  int8_t peer;       /* the other site, -1 when none */
  int16_t cache;     /* -1 when none */
  int32_t code;      /* kind-specific: a status, an admin kind, a count */
  uint64_t arg;      /* kind-specific: an op id, a key hash, an entry count */
  char text[48];     /* a short readable detail, truncated; part of the hash */
} xs_ev_record;

const char *xs_ev_kind_name(xs_ev_kind k);
/* The running hash of every event logged so far (64-bit, over every field of
 * every record in order; see evlog.c). */
uint64_t xs_evlog_hash(const xs_sim *sim);
uint64_t xs_evlog_count(const xs_sim *sim);
/* Copies records with seq >= since (those still in the ring) into out; returns
 * the number copied (at most max). */
size_t xs_evlog_read(const xs_sim *sim, uint64_t since, xs_ev_record *out, size_t max);
/* Formats one record as a line: "<time> <kind> site=.. peer=.. cache=.. ...". */
int xs_ev_format(const xs_sim *sim, const xs_ev_record *r, char *buf, size_t len);
/* Writes the whole log (every record) to f, when enabled with
 * xs_evlog_keep_all(sim, true) before running. */
void xs_evlog_keep_all(xs_sim *sim, bool keep);
int xs_evlog_write(const xs_sim *sim, FILE *f);

/* Message callback for log lines the real server would print (ISPN000202,
 * ISPN100005/6, ISPN000606 ...).  Optional. */
typedef void (*xs_log_cb)(void *ud, xs_ms time, int site, const char *line);
void xs_sim_set_log(xs_sim *sim, xs_log_cb cb, void *ud);

#ifdef __cplusplus
}
#endif
#endif /* XSIM_H */
