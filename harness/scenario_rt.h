/*
 * scenario_rt.h - the runner's state, shared by its files:
 *   scenario_run.c       the timeline, deferred blocks, results, replay
 *   scenario_topo.c      the topology: preset or file, `set` overrides
 *   scenario_actor.c     load balancer, Keycloak, fencing, flapping, `when`
 *   scenario_workload.c  the client workloads and the history they write
 *   scenario_step.c      procedure steps through the CLI command layer
 *   scenario_eval.c      conditions, checks and what a failure says
 * Internal to the runner.
 */
#ifndef XS_SCENARIO_RT_H
#define XS_SCENARIO_RT_H

#include <stdbool.h>
#include <stdint.h>

#include "cli_command.h"
#include "cli_inproc.h"
#include "prng.h"
#include "rest.h"
#include "scenario.h"
#include "scenario_check.h"
#include "scenario_history.h"
#include "scenario_run.h"

#define SCN_LOG_TEXT_MAX 200          /* one timeline entry's text */
#define SCN_LOG_MAX 200000            /* timeline entries kept */
#define SCN_WORKLOADS_MAX 16          /* workloads started in one run */
#define SCN_MARKS_MAX 64              /* distinct marks */
#define SCN_TRACK_MAX 16              /* keys a replay follows */
#define SCN_ARENA_CHUNK (64u << 10)   /* the runner's memory comes in chunks of this */
#define SCN_PATH_MAX 64               /* a load-balancer health-check path */

/* One entry of the run's timeline: a statement, an actor's action, or a
 * deferred block's statement, with when it ran. */
typedef struct scn_log {
  xs_ms t0, t1;
  int line;             /* the scenario line, 0 for an actor's own action */
  bool top;             /* a timeline statement */
  char text[SCN_LOG_TEXT_MAX];
} scn_log;

typedef struct scn_arena_chunk scn_arena_chunk;

/* A key a replay follows to find when it went wrong. */
typedef struct scn_track {
  int fail;             /* the failure to complete */
  uint32_t key;
  int site, site2;      /* site2 >= 0: "equal on both sites" instead of the register model */
  int state;            /* last known: 1 wrong, 0 right, -1 not known yet */
  xs_ms last_right;     /* last time it was right (-1 never) */
  int right_log;        /* timeline entries logged by then */
  int right_cur;        /* the timeline statement running then, -1 */
  xs_ms wrong_since;    /* when the current wrong stretch began */
  int wrong_log;        /* timeline entries logged by then */
  uint32_t *ops;        /* the key's operations so far (register model) */
  uint32_t nops, cap, scanned;
} scn_track;

typedef struct scn_lb {
  bool defined;
  xs_scn_lb_mode mode;
  int nsites;
  int site[XS_SITES_MAX];      /* route53: [0] primary, [1] secondary */
  xs_ms interval, ttl;
  int64_t threshold;
  bool in_lb[XS_SITES_MAX];    /* not removed (fencing, `loadbalancer remove`) */
  bool healthy[XS_SITES_MAX];
  int64_t oks[XS_SITES_MAX], fails[XS_SITES_MAX];
  char path[XS_SITES_MAX][SCN_PATH_MAX];
  int answer;                  /* route53: the site DNS answers now; -1 none */
  int target;                  /* ... and the one clients use (after the TTL) */
  uint32_t gen;                /* invalidates pending TTL timers */
  xs_prng rng;                 /* accelerator: which endpoint a request takes */
} scn_lb;

typedef struct scn_fencing {
  bool on;
  xs_ms delay, jitter;
  bool firing[XS_SITES_MAX][XS_SITES_MAX]; /* SiteOffline{reporter, site} */
  uint32_t gen[XS_SITES_MAX][XS_SITES_MAX];
  bool endpoint[XS_SITES_MAX];             /* without a load balancer: the Lambda's own list */
  xs_prng rng;
} scn_fencing;

typedef struct scn_wl scn_wl;

typedef struct scn_rt {
  const xs_scenario *scn;
  const xs_scn_run_opts *opts;
  const char *path;
  xs_scn_result *res;
  xs_sim *sim;
  int nsites;
  /* procedure steps: a CLI session per site */
  xs_rest *rest[XS_SITES_MAX];
  xs_cli_inproc *tr[XS_SITES_MAX];
  xs_cli_ctx cli[XS_SITES_MAX];
  bool cli_open[XS_SITES_MAX];
  xs_buf out;
  xs_ms pace;
  /* clients */
  xs_history hist;
  bool keycloak_up[XS_SITES_MAX];
  uint16_t *busy;              /* per history key: client operations (or login chains) in flight */
  uint32_t busycap;
  scn_lb lb;
  scn_fencing fence;
  int nwl;
  scn_wl *wl[SCN_WORKLOADS_MAX];
  /* time points and waiting conditions */
  int nmarks;
  struct { char name[XS_NAME_BYTES_MAX]; xs_ms t; } marks[SCN_MARKS_MAX];
  int nwatch;
  const xs_scn_stmt **watch;   /* `when` blocks not fired yet */
  bool poll_armed;
  /* what happened */
  scn_log *log;
  int nlog, logcap;
  int cur_log;                 /* the timeline statement running, -1 */
  /* a replay follows keys */
  int ntrack;
  scn_track track[SCN_TRACK_MAX];
  bool replay;
  bool setup_failed;
  scn_arena_chunk *arena;
} scn_rt;

/* Memory that lives as long as the run (timer and operation contexts). */
void *xs__scn_alloc(scn_rt *rt, size_t n);

/* Records a failure (check name, line, col, summary; detail may be NULL
 * and is copied). */
void xs__scn_failure(scn_rt *rt, const char *check, int line, int col, const char *detail, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
/* Adds a timeline entry; returns its index (or -1 when full). */
int xs__scn_log(scn_rt *rt, int line, bool top, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* "1m02.500s" */
void xs__scn_time(xs_ms t, char *buf, size_t len);

/* Sites and caches by name (names were checked before the run). */
int xs__scn_site(const scn_rt *rt, const xs_scn_ref *r);
int xs__scn_cache(const scn_rt *rt, const xs_scn_ref *r);
/* The time of a mark, or -1 when it has not been reached. */
xs_ms xs__scn_mark(const scn_rt *rt, const char *name);

/* scenario_topo.c */
int xs__scn_topology(scn_rt *rt, xs_topology *t);

/* scenario_actor.c: statements that act at once (timeline or deferred). */
void xs__scn_act(scn_rt *rt, const xs_scn_stmt *st);
void xs__scn_fence(scn_rt *rt, int reporter, int offline, const char *why);
void xs__scn_watch(scn_rt *rt, const xs_scn_stmt *st);
void xs__scn_poll_arm(scn_rt *rt);
/* The site a client of the load balancer reaches now, or -1. */
int xs__scn_lb_route(scn_rt *rt);
bool xs__scn_lb_check_up(const scn_rt *rt, int site);
/* Runs a deferred block's statements (from a timer). */
void xs__scn_run_block(scn_rt *rt, const xs_scn_stmt *body, int n);

/* scenario_workload.c */
int xs__scn_workload_start(scn_rt *rt, const xs_scn_stmt *st);
void xs__scn_workloads_stop(scn_rt *rt);
void xs__scn_workloads_free(scn_rt *rt);

/* Whether a client operation on history key `key` is in flight. */
bool xs__scn_busy(const scn_rt *rt, uint32_t key);

/* "login", "logout", ... for a history line. */
const char *xs__scn_action_name(const scn_rt *rt, const xs_hop *o);

/* scenario_step.c */
void xs__scn_step(scn_rt *rt, const xs_scn_stmt *st);
void xs__scn_cli_close(scn_rt *rt);
/* An in-process REST call from an actor (the fencing Lambda). */
int xs__scn_rest_post(scn_rt *rt, int site, const char *target, int log_line);

/* scenario_eval.c */
/* 1 holds, 0 does not; why (may be NULL) says what was seen. */
int xs__scn_cond_eval(scn_rt *rt, const xs_scn_cond *c, char *why, size_t len);
void xs__scn_run_check(scn_rt *rt, const xs_scn_stmt *st);
/* Peeks what a site holds for a history key. */
void xs__scn_peek(void *rt, int site, uint32_t key, xs_hstate *out);
/* One key's history as report lines. */
void xs__scn_key_history(scn_rt *rt, uint32_t key, xs_buf *out);
/* Replay support: samples the tracked keys now. */
void xs__scn_track_sample(scn_rt *rt);
/* After a replay: tells each tracked failure when its key went wrong. */
void xs__scn_track_report(scn_rt *rt, xs_scn_result *main);

/* Adds a note to the result (measured RPO/RTO and the like). */
void xs__scn_note(scn_rt *rt, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends text to a failure's detail. */
void xs__scn_detail_append(xs_scn_failure *f, const char *text);

/* Advances virtual time to t (actors run), bounded by the run's limit. */
void xs__scn_advance(scn_rt *rt, xs_ms t);

#endif /* XS_SCENARIO_RT_H */
