/*
 * sim_internal.h - the simulation's internal structures, shared by the core's
 * modules (sim.c, link.c, lock.c, cacheop.c, backup.c, irac.c,
 * statetransfer.c, admin.c) and by nothing outside sim/.
 *
 * The model, per site: one instance of each cache it defines (xs_cinst),
 * holding the entries, the key locks, and per remote site a backup state
 * (xs_bstate: configuration, take-offline status, push-state status, IRAC
 * queue, counters).  Between sites travel cross-site requests (xs_xreq),
 * which the links deliver, lose or delay, and which end exactly once: by a
 * reply, a timeout, or the remote leaving the sender's view.  A client
 * operation (xs_opctx) lives from submission to completion.
 *
 * One simplification, stated once: a site's nodes share one data container
 * and one take-offline counter per (cache, remote).  Infinispan keeps the
 * entries on their owners and counts failures per sending node; with the
 * global site status of 15.0.17+ the outcome a client sees is the same.
 */
#ifndef XS_SIM_INTERNAL_H
#define XS_SIM_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "engine.h"
#include "evlog.h"
#include "irac_version.h"
#include "offline.h"
#include "prng.h"
#include "store.h"
#include "tqueue.h"
#include "xsim.h"

typedef struct xs_opctx xs_opctx;
typedef struct xs_xreq xs_xreq;
typedef struct xs_cinst xs_cinst;
typedef struct xs_push xs_push;

/* ------------------------------------------------------------------------ */
/* Key locks                                                                  */

/* A held lock and the lockers waiting for it, FIFO.  The key bytes belong to
 * the current holder, which keeps them alive while it holds the lock. */
typedef struct xs_lock {
  struct xs_lock *next;      /* bucket chain, or free list */
  uint64_t hash;
  const uint8_t *key;
  uint32_t klen;
  xs_opctx *holder;
  xs_opctx *wait_head, *wait_tail;
} xs_lock;

#define XS_LOCK_BUCKETS 1024 /* buckets per cache instance; chains stay short
                              * because only in-flight writes hold locks */

typedef struct xs_locks {
  xs_lock *bucket[XS_LOCK_BUCKETS];
  xs_lock *free;
  uint32_t held;
} xs_locks;

/* ------------------------------------------------------------------------ */
/* Client operations and remote applies                                       */

typedef enum {
  XS_OPC_CLIENT = 0,  /* a client operation submitted through xs_op_submit */
  XS_OPC_REMOTE = 1,  /* a received backup write waiting for its key lock */
} xs_opc_role;

typedef enum {
  XS_OPS_NEW = 0,
  XS_OPS_LOCK_WAIT,
  XS_OPS_BACKUP_WAIT,
  XS_OPS_DONE,
} xs_opc_state;

/* The modification a write turns into once evaluated: what is applied
 * locally and what is sent to the backups (a replace arrives as a put). */
typedef enum { XS_MOD_NONE = 0, XS_MOD_PUT, XS_MOD_REMOVE, XS_MOD_CLEAR } xs_mod;

struct xs_opctx {
  uint32_t refs;
  uint8_t role;           /* xs_opc_role */
  uint8_t state;          /* xs_opc_state */
  uint8_t kind;           /* xs_op_kind */
  uint8_t mod;            /* xs_mod, set when evaluated */
  int8_t site;
  int16_t cache;
  uint32_t flags;
  uint64_t id;
  uint64_t hash;
  uint8_t *key;           /* key and value share one buffer */
  uint32_t klen;
  uint8_t *val;
  uint32_t vlen;
  uint8_t vtype;
  xs_ms lifespan_ms, max_idle_ms;
  xs_ms expire_ms;        /* absolute, fixed when the write is evaluated */
  uint32_t epoch;         /* the site's epoch at submission (crash detection) */
  xs_compute_fn compute;
  void *compute_ud;
  xs_op_cb cb;
  void *ud;
  xs_ms invoked_ms;
  uint64_t lock_gen;      /* bumped when a lock wait ends, to void stale events */
  xs_tnode lock_tn;       /* the lock wait's timeout (tqueue.c) */
  xs_opctx *lock_next;
  xs_lock *lock;          /* the lock held, if any */
  int32_t backups_pending;
  int status;
  bool found, warned;
  uint32_t ver;           /* IRAC version handle of the modification */
  xs_xreq *remote_req;    /* XS_OPC_REMOTE: the request being applied */
  uint8_t *buf;           /* owned bytes (key, value) */
  uint32_t buf_cap;
  char err[XS_MSG_BYTES_MAX];
  xs_opctx *free_next;
  xs_opctx *live_prev, *live_next; /* sim->ops_live while not recycled */
};

/* ------------------------------------------------------------------------ */
/* Cross-site requests                                                        */

typedef enum {
  XS_XR_WRITE = 0,     /* SYNC backup of one write (non-tx) */
  XS_XR_PREPARE,       /* SYNC backup of a pessimistic tx (one-phase) */
  XS_XR_CLEAR,         /* SYNC backup of a clear */
  XS_XR_ST_START,      /* state transfer control: start receiving */
  XS_XR_ST_STOP,       /* state transfer control: finish receiving */
  XS_XR_ST_CHUNK,      /* state transfer: a chunk of entries */
  XS_XR_IRAC_BATCH,    /* ASYNC: a batch of key updates */
  XS_XR_IRAC_CLEAR,    /* ASYNC: a clear */
} xs_xr_kind;

/* One entry carried by a state chunk or an IRAC batch. */
typedef struct xs_xitem {
  uint32_t klen, vlen;
  bool is_null;          /* IRAC: a removal (tombstone) */
  uint8_t vtype;
  xs_ms expire_ms, max_idle_ms;
  xs_irac_meta irac;     /* IRAC version (site -1 when none) */
  uint64_t seq;          /* IRAC: the key's queue sequence when it was sent */
  uint8_t *key;          /* into the request's item buffer */
  uint8_t *val;
} xs_xitem;

typedef void (*xs_xreq_done_fn)(xs_sim *sim, xs_xreq *r, xs_outcome outcome, const char *msg);

struct xs_xreq {
  uint32_t refs;
  uint8_t kind;          /* xs_xr_kind */
  bool done;             /* the sender has its answer */
  bool replied;          /* the receiver has answered */
  bool delivered;
  int8_t from, to;
  int16_t cache;
  uint32_t to_epoch, from_epoch;
  uint64_t request_id;   /* per sending site, as in ISPN000476 */
  xs_ms sent_ms, timeout_ms;
  xs_tnode tn;           /* its timeout (tqueue.c) */
  xs_xreq_done_fn on_done;
  xs_opctx *op;          /* WRITE / PREPARE / CLEAR: the client op */
  void *owner;           /* ST: the push; IRAC: the backup state */
  bool owns_owner;       /* owner is malloc'd context freed by on_done */
  uint64_t owner_gen;
  xs_xitem *items;       /* ST_CHUNK / IRAC_BATCH */
  uint32_t nitems;
  uint8_t *item_buf;
  xs_outcome reply_outcome;
  xs_xreq *prev, *next;  /* in-flight list of (from, to); next also chains
                          * the recycled requests (sim->xreq_free) */
  xs_xreq *live_prev, *live_next; /* sim->xreqs_live until freed */
  /* Last: xs__xreq_new clears every field before this one but only the
   * first byte of these 512 (it is always written before it is read). */
  char reply_msg[XS_MSG_BYTES_MAX];
};


/* ------------------------------------------------------------------------ */
/* Per (cache, remote site): the backup state                                 */

/* An IRAC key waiting to be sent to one remote site. */
typedef struct xs_bstate {
  bool exists;
  int8_t remote;
  xs_backup_cfg cfg;         /* mutable copy: take-offline, st mode */
  xs_offline off;
  xs_xsite_counters ctr;
  /* push state, sender side */
  xs_push_status push_status;
  xs_push *push;             /* the running transfer, or NULL */
  bool push_collector;       /* Infinispan keeps a collector after a failed
                              * start, so the status stays SENDING */
  uint32_t push_gen;         /* bumped per push, so that a late reply or
                              * retry of an ended push never drives a later
                              * one that reuses its memory */
  /* IRAC, sender side */
  xs_store *irac_pending;    /* key -> (nothing); values are looked up at send */
  bool irac_clear_pending;
  bool irac_inflight;
  bool irac_scheduled;
  xs_ms irac_backoff_ms;
  uint64_t irac_seq;         /* bumped per queued key; a key re-queued while
                              * its batch is in flight stays queued */
} xs_bstate;

struct xs_cinst {
  int8_t site;
  int16_t cache;
  const xs_cache_cfg *cfg;
  xs_store *store;
  xs_locks locks;
  xs_bstate b[XS_SITES_MAX];  /* indexed by remote site */
  bool has_async, has_sync;
  /* push state, receiver side */
  int8_t st_sender;           /* the site pushing state to us, -1 when none */
  xs_store *st_written;       /* keys written by normal ops while receiving */
  /* IRAC */
  xs_store *tombstones;       /* removed key -> version handle (meta.ver) */
  xs_irac_version max_version;/* the newest version seen here (one segment) */
  bool tomb_cleanup_scheduled;
};

/* ------------------------------------------------------------------------ */
/* Sites and links                                                            */

typedef struct xs_link {
  bool up;
  xs_ms latency_ms, jitter_ms;
  double loss;
  xs_ms last_delivery;       /* FIFO: nothing overtakes an earlier message */
} xs_link;

typedef struct xs_site {
  bool up;
  uint32_t epoch;            /* bumped by crash: stale messages are dropped */
  bool view[XS_SITES_MAX];   /* remote site in this site's x-site view */
  uint64_t view_gen[XS_SITES_MAX];
  uint64_t next_request_id;
  char nodes[XS_NODES_MAX][XS_NAME_BYTES_MAX];
  int nnodes;
  xs_cinst *caches[XS_CACHES_MAX];
  xs_xreq *inflight[XS_SITES_MAX]; /* requests sent to each site, not done */
} xs_site;

typedef struct xs_timer {
  xs_timer_cb cb;
  void *ud;
} xs_timer;

struct xs_sim {
  xs_topology topo;
  uint64_t seed;
  xs_engine eng;
  xs_evlog log;
  xs_prng rng_link;
  xs_prng rng_irac;
  xs_site sites[XS_SITES_MAX];
  xs_link links[XS_SITES_MAX][XS_SITES_MAX];
  xs_irac_pool *vpool;
  uint64_t next_op_id;
  uint64_t ops_inflight;
  uint64_t xreqs_pending;    /* requests sent and not yet answered */
  xs_opctx *op_free;         /* recycled op contexts */
  uint32_t op_free_n;
  /* Every op context and request not yet released.  Pending events (stale
   * timeouts above all) hold references that nothing runs down, so
   * xs_sim_free reclaims whatever is still on these lists. */
  xs_opctx *ops_live;
  xs_xreq *xreqs_live;
  xs_xreq *xreq_free;        /* recycled requests */
  uint32_t xreq_free_n;
  xs_tqueues tqs;            /* timeout queues of requests and lock waits */
  xs_log_cb log_cb;
  void *log_ud;
  char last_error[XS_MSG_BYTES_MAX];
};

/* ------------------------------------------------------------------------ */
/* Internal functions, by module                                              */

/* sim.c */
void xs__log(xs_sim *sim, int site, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void xs__ev(xs_sim *sim, xs_ev_kind kind, int site, int peer, int cache, int32_t code,
            uint64_t arg, const char *text);
int xs__at(xs_sim *sim, xs_ms t, xs_event_fn fn, void *obj, uint64_t arg);
int xs__at_bg(xs_sim *sim, xs_ms t, xs_event_fn fn, void *obj, uint64_t arg);
xs_cinst *xs__cinst(const xs_sim *sim, int site, int cache);
xs_cinst *xs__cinst_new(xs_sim *sim, int site, int cache);
void xs__cinst_free(xs_sim *sim, xs_cinst *ci);
/* "<n> milliseconds" below a second, else "<n.nn> seconds", as Util.prettyPrintTime. */
void xs__pretty_time(xs_ms ms, char *buf, size_t len);
/* Whether an entry is expired at `now`. */
bool xs__expired(const xs_meta *m, xs_ms now);

/* link.c */
/* Sends r (sets sent time, request id, timeout; may complete it at once when
 * the remote is not in the view).  Takes over the caller's reference. */
void xs__xreq_send(xs_sim *sim, xs_xreq *r);
/* The receiver's answer; delivered to the sender if the way back is open. */
void xs__xreq_reply(xs_sim *sim, xs_xreq *r, xs_outcome outcome, const char *msg);
/* The receiving site's instance of r's cache; NULL after answering r with
 * ISPN000603 when that site does not define the cache. */
xs_cinst *xs__xreq_receiver(xs_sim *sim, xs_xreq *r);
xs_xreq *xs__xreq_new(xs_sim *sim, xs_xr_kind kind, int from, int to, int cache);
/* The events that deliver a request and its reply (see xs__prefetch_event). */
void xs__xreq_deliver_event(xs_sim *sim, void *obj, uint64_t arg);
void xs__xreq_reply_event(xs_sim *sim, void *obj, uint64_t arg);
void xs__xreq_unref(xs_sim *sim, xs_xreq *r);
int xs__xreq_items_alloc(xs_xreq *r, uint32_t nitems, size_t bytes);
/* Re-evaluates whether `remote` is reachable from `site` and schedules the
 * view change after the failure-detection timeout. */
void xs__view_reachability_changed(xs_sim *sim, int site, int remote);
void xs__views_all_changed(xs_sim *sim);

/* lock.c */
void xs__locks_init(xs_locks *l);
void xs__locks_free(xs_locks *l);
/* Tries to lock op's key; true when held.  Otherwise op is queued and the
 * wait times out after timeout_ms (resuming with status XS_ELOCK); with
 * timeout_ms <= 0 it is not queued and resumes with XS_ELOCK at once. */
bool xs__lock_acquire(xs_sim *sim, xs_cinst *ci, xs_opctx *op, xs_ms timeout_ms);
/* Whether nobody holds the lock of key (nothing is changed). */
bool xs__lock_is_free(xs_cinst *ci, uint64_t hash, const uint8_t *key, uint32_t klen);
void xs__lock_release(xs_sim *sim, xs_cinst *ci, xs_opctx *op);
/* Drops every lock and fails every waiter (site crash). */
void xs__locks_reset(xs_sim *sim, xs_cinst *ci);

/* cacheop.c */
xs_opctx *xs__op_alloc(xs_sim *sim, size_t bytes);
void xs__op_unref(xs_sim *sim, xs_opctx *op);
/* A hint for an event a few places ahead in the queue: if it will look a
 * key up (an op starting, a backup write arriving, a tx's reply), start
 * loading that key's index slot (depth 0, xs_store_prefetch), dense
 * position (1) or entry (2, xs_store_prefetch_deeper).  Changes nothing. */
void xs__prefetch_event(xs_sim *sim, const xs_event *ev, int depth);
/* Resumes an op after its lock wait ended (granted, or status = XS_ELOCK). */
void xs__op_lock_resumed(xs_sim *sim, xs_opctx *op);
/* Every SYNC backup request of op has ended. */
void xs__op_backups_done(xs_sim *sim, xs_opctx *op);
/* Describes op as Infinispan names a lock owner, for ISPN000299. */
void xs__op_owner_name(const xs_sim *sim, const xs_opctx *op, char *buf, size_t len);
/* Marks `key` written by a normal operation while state is being received. */
void xs__st_track_write(xs_cinst *ci, const uint8_t *key, uint32_t klen, uint64_t hash);
/* Applies a modification to a cache instance (no locks, no replication). */
int xs__apply_put(xs_sim *sim, xs_cinst *ci, const uint8_t *key, uint32_t klen, uint64_t hash,
                  const uint8_t *val, uint32_t vlen, const xs_meta *m);
void xs__apply_remove(xs_sim *sim, xs_cinst *ci, const uint8_t *key, uint32_t klen,
                      uint64_t hash, uint32_t tomb_ver);
void xs__apply_clear(xs_sim *sim, xs_cinst *ci);

/* backup.c: SYNC backups, sender and receiver. */
/* Sends op's modification to every online SYNC backup; returns how many
 * requests went out (the op completes when they all answer). */
int xs__backup_sync(xs_sim *sim, xs_cinst *ci, xs_opctx *op);
void xs__backup_receive(xs_sim *sim, xs_xreq *r);
/* A received write's lock wait ended (see xs__op_lock_resumed). */
void xs__backup_remote_resumed(xs_sim *sim, xs_opctx *rop);
/* Registers a completed request with the take-offline manager of (ci, remote). */
void xs__backup_register(xs_sim *sim, xs_cinst *ci, int remote, xs_ms sent_ms,
                         xs_outcome outcome);
void xs__bstate_set_offline(xs_sim *sim, xs_cinst *ci, int remote, bool offline,
                            const char *why);

/* irac.c: ASYNC backups. */
/* The version for a local write of key (merging what this site has seen). */
uint32_t xs__irac_new_version(xs_sim *sim, xs_cinst *ci, const uint8_t *key, uint32_t klen,
                              uint64_t hash);
/* Queues key for every ASYNC backup of ci. */
void xs__irac_track(xs_sim *sim, xs_cinst *ci, const uint8_t *key, uint32_t klen, uint64_t hash);
void xs__irac_track_clear(xs_sim *sim, xs_cinst *ci);
void xs__irac_receive(xs_sim *sim, xs_xreq *r);
void xs__irac_kick(xs_sim *sim, xs_cinst *ci, int remote);
/* Pending IRAC keys for (ci, remote); state transfer waits on it. */
size_t xs__irac_pending(const xs_cinst *ci, int remote);
/* A tombstone was stored in ci; schedules its cleanup. */
void xs__irac_tombstone_added(xs_sim *sim, xs_cinst *ci);

/* statetransfer.c */
void xs__st_push(xs_sim *sim, xs_cinst *ci, int remote, xs_admin_cb cb, void *ud);
void xs__st_cancel_push(xs_sim *sim, xs_cinst *ci, int remote, xs_admin_cb cb, void *ud);
void xs__st_receive(xs_sim *sim, xs_xreq *r);
void xs__st_irac_progress(xs_sim *sim, xs_cinst *ci, int remote);
void xs__st_site_crashed(xs_sim *sim, xs_cinst *ci);
/* cancel-receive-state: stops receiving if `sender` is the one sending. */
void xs__st_cancel_receive(xs_cinst *ci, int sender);

/* admin.c */
/* Delivers an admin result text from an event at the current time. */
void xs__admin_reply_later(xs_sim *sim, xs_admin_cb cb, void *ud, const char *text);
/* The event that delivers such a reply; it owns its object (see xs_sim_free). */
void xs__admin_reply_event(xs_sim *sim, void *obj, uint64_t arg);

#endif /* XS_SIM_INTERNAL_H */
