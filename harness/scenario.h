/*
 * scenario.h - the scenario language of `xsim run` (docs/scenario-language.md):
 * the syntax tree of one .xsim file, its parser and its printer.
 *
 * A scenario is a header (name, description, expected verdict, seed,
 * topology and overrides) and a timeline of statements that run one after
 * the other in virtual time: actors (load balancer, workloads, fencing),
 * faults, procedure steps (Data Grid CLI command lines run "on" a site) and
 * checks.  `at`, `after` and `when` hold blocks of statements that run
 * later, from inside the simulation.
 *
 * The parser takes bytes and does no I/O: names of sites and caches stay
 * names here (a topology file is read by the runner), so the runner checks
 * them and reports errors at the same file:line:col positions.  Every limit
 * is named below; input beyond one is an error, never a crash.
 */
#ifndef XS_SCENARIO_H
#define XS_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "xsim.h"

/* ------------------------------------------------------------------------ */
/* Limits                                                                     */

#define XS_SCN_FILE_BYTES_MAX (1u << 20)  /* one scenario file */
#define XS_SCN_LINE_BYTES_MAX 4096        /* one line, without its newline */
#define XS_SCN_WORDS_MAX 64               /* words in one statement */
#define XS_SCN_STMTS_MAX 4096             /* statements in a file, nested ones included */
#define XS_SCN_DEPTH_MAX 8                /* nesting of at / after / when blocks */
#define XS_SCN_BLOCK_LINES_MAX 512        /* lines of one expected-output block */
#define XS_SCN_OVERRIDES_MAX 256          /* `set` lines */
#define XS_SCN_LIST_MAX 32                /* names in one list (caches, sites, checks) */
#define XS_SCN_TEXT_BYTES_MAX 8192        /* a description or an expected output */
#define XS_SCN_DURATION_MAX ((xs_ms)30 * 24 * 3600 * 1000) /* any duration or time */
#define XS_SCN_RATE_MAX_MILLI 10000000    /* 10000 per second, in thousandths */
#define XS_SCN_COUNT_MAX 1000000          /* users, keys, thresholds, entries */
#define XS_SCN_ERR_BYTES_MAX 512          /* an error message */

/* ------------------------------------------------------------------------ */
/* Names with their place in the file                                         */

typedef struct xs_scn_ref {
  char name[XS_NAME_BYTES_MAX];
  int col;  /* 1-based byte column of the name; 0 when not from the file */
} xs_scn_ref;

/* A list of caches; n == 0 means every cache. */
typedef struct xs_scn_names {
  int n;
  xs_scn_ref *v;
} xs_scn_names;

/* ------------------------------------------------------------------------ */
/* Conditions: what `wait until`, `when` and `check` ask of the simulation    */

typedef enum xs_scn_cond_kind {
  XS_COND_REPLICATION = 0, /* replication A -> B online|offline [cache C] */
  XS_COND_PUSH,            /* push A -> B idle|sending|ok|error|canceled [cache C] */
  XS_COND_VIEW,            /* view A has|lacks B */
  XS_COND_ROUTES,          /* loadbalancer routes to A */
  XS_COND_IDENTICAL,       /* identical [CACHE...] | identical except CACHE... */
  XS_COND_SITE,            /* site A up|down (the Data Grid site) */
  XS_COND_KEYCLOAK,        /* keycloak on A up|down */
  XS_COND_LBCHECK,         /* lb-check A up|down (what the load balancer's probe sees) */
  XS_COND_LINK,            /* link A -> B up|down */
  XS_COND_ENTRIES,         /* entries A CACHE =|!=|<|<=|>|>= N */
  XS_COND_KIND_COUNT
} xs_scn_cond_kind;

/* The word after the condition's subject, by kind. */
enum { XS_STATE_ONLINE = 0, XS_STATE_OFFLINE = 1 };  /* replication */
enum { XS_STATE_HAS = 0, XS_STATE_LACKS = 1 };       /* view */
enum { XS_STATE_UP = 0, XS_STATE_DOWN = 1 };         /* site, keycloak, lb-check, link */
/* push: an xs_push_status */
typedef enum { XS_CMP_EQ = 0, XS_CMP_NE, XS_CMP_LT, XS_CMP_LE, XS_CMP_GT, XS_CMP_GE } xs_scn_cmp;

typedef struct xs_scn_cond {
  xs_scn_cond_kind kind;
  bool negate;          /* `not ...` */
  int col;              /* where the condition starts */
  xs_scn_ref a, b;      /* the sites it names */
  int state;            /* see the enums above */
  xs_scn_ref cache;     /* replication, push, entries: one cache ("" = every cache) */
  bool except;          /* identical except ... */
  xs_scn_names caches;  /* identical */
  xs_scn_cmp cmp;       /* entries */
  int64_t n;
} xs_scn_cond;

/* ------------------------------------------------------------------------ */
/* Checks                                                                     */

typedef enum xs_scn_check_kind {
  XS_CHECK_COND = 0,        /* a condition: now, within a bound, or for a while */
  XS_CHECK_NO_LOST_WRITES,  /* every acknowledged write is still there */
  XS_CHECK_NO_RESURRECTION, /* no acknowledged delete was undone (lost logout) */
  XS_CHECK_TOKENS,          /* each action token was used at most once */
  XS_CHECK_RPO,             /* data lost since a mark, as time */
  XS_CHECK_RTO,             /* time from a mark until clients succeed again */
  XS_CHECK_KIND_COUNT
} xs_scn_check_kind;

typedef enum { XS_WHEN_NOW = 0, XS_WHEN_WITHIN, XS_WHEN_FOR } xs_scn_when;

typedef struct xs_scn_check {
  xs_scn_check_kind kind;
  xs_scn_cond cond;        /* XS_CHECK_COND */
  xs_scn_when when;        /* XS_CHECK_COND: now, within d, for d */
  xs_ms d;                 /* the `within` / `for` duration, or the RPO/RTO bound */
  xs_scn_ref since;        /* a mark: `within d since M`; RPO/RTO are measured from it */
  int nsites;              /* `on SITE...` (history checks); 0 = every site */
  xs_scn_ref sites[XS_SITES_MAX];
} xs_scn_check;

/* The name a check answers to in `expect fail NAME` and in reports. */
const char *xs_scn_check_name(const xs_scn_check *c);

/* Names that are not checks but can make a scenario fail. */
#define XS_SCN_FAIL_STEP "step"  /* a procedure step printed the wrong thing or failed */
#define XS_SCN_FAIL_WAIT "wait"  /* a `wait until` ran out of time */
#define XS_SCN_FAIL_SETUP "setup" /* the topology or a name could not be resolved */

/* ------------------------------------------------------------------------ */
/* Actors                                                                     */

/* A rate: `value/unit`, value kept in thousandths so that the file's text
 * comes back exactly ("0.5/s" is 500 per 1000 ms). */
typedef struct xs_scn_rate {
  int64_t milli;   /* events per unit, x1000 */
  xs_ms unit_ms;   /* 1000 (s), 60000 (m) or 3600000 (h) */
} xs_scn_rate;

typedef enum { XS_WL_KEYCLOAK = 0, XS_WL_KV = 1 } xs_scn_wl_kind;

/* Keycloak actions, in the order of the workload's options. */
typedef enum {
  XS_KC_LOGIN = 0, XS_KC_LOGOUT, XS_KC_REFRESH, XS_KC_TOKEN, XS_KC_REPLAY, XS_KC_FAILURE, XS_KC_INVALIDATE,
  XS_KC_ACTIONS
} xs_scn_kc_action;
/* Key/value actions. */
typedef enum { XS_KV_PUT = 0, XS_KV_REMOVE, XS_KV_GET, XS_KV_ACTIONS } xs_scn_kv_action;
#define XS_SCN_WL_RATES_MAX XS_KC_ACTIONS

typedef struct xs_scn_workload {
  xs_scn_wl_kind kind;
  bool via_lb;                  /* clients go through the load balancer */
  xs_scn_ref site;              /* ... or straight to this site */
  xs_scn_ref cache;             /* kv: the cache */
  int64_t retries;              /* kv: a write that ends in ERROR is tried again, up to this many times */
  xs_scn_ref keyspace;          /* kv: keys are "<keyspace>-k<n>", shared by every workload naming it; "": "w<id>-k<n>" */
  int64_t population;           /* keycloak: users; kv: keys */
  bool rate_set[XS_SCN_WL_RATES_MAX];
  xs_scn_rate rate[XS_SCN_WL_RATES_MAX]; /* by xs_scn_kc_action / xs_scn_kv_action */
  xs_ms for_ms;                 /* 0: until `stop workload` or the end */
} xs_scn_workload;

typedef enum { XS_LB_ROUTE53 = 0, XS_LB_ACCELERATOR = 1 } xs_scn_lb_mode;

typedef struct xs_scn_lb {
  xs_scn_lb_mode mode;
  int nsites;                     /* route53: primary, secondary */
  xs_scn_ref sites[XS_SITES_MAX];
  xs_ms interval_ms;              /* health-check interval */
  int64_t threshold;              /* consecutive probes to change a site's health */
  xs_ms ttl_ms;                   /* route53: DNS TTL before clients follow a change */
} xs_scn_lb;

/* ------------------------------------------------------------------------ */
/* Procedure steps                                                            */

typedef enum xs_scn_expect_mode {
  XS_OUT_ANY = 0,   /* no clause: the command must succeed, any output */
  XS_OUT_LIKE,      /* output: as the runbook shows it (whitespace and JSON member order free) */
  XS_OUT_EXACTLY,   /* output exactly: byte for byte */
  XS_OUT_NOTHING,   /* output nothing */
  XS_OUT_FAILS,     /* fails [: text]: the command must fail (text compared as LIKE) */
  XS_OUT_REPEAT,    /* repeat every D at most D until it prints: text */
} xs_scn_expect_mode;

typedef struct xs_scn_step {
  xs_scn_ref site;
  char *command;            /* the CLI command line, verbatim */
  int command_col;
  xs_scn_expect_mode mode;
  char *text;               /* expected output (NULL when none) */
  int clause_line;          /* where the clause is, 0 when none */
  xs_ms every_ms, at_most_ms; /* repeat */
} xs_scn_step;

/* ------------------------------------------------------------------------ */
/* Statements                                                                 */

typedef enum xs_scn_kind {
  XS_STMT_WAIT = 0,      /* wait D */
  XS_STMT_WAIT_UNTIL,    /* wait until COND [at most D] */
  XS_STMT_AT,            /* at T: ...  (absolute virtual time) */
  XS_STMT_AFTER,         /* after D: ... */
  XS_STMT_WHEN,          /* when COND: ... (once, the first time it holds) */
  XS_STMT_MARK,          /* mark NAME */
  XS_STMT_PACE,          /* pace D: time between procedure steps */
  XS_STMT_LB,            /* loadbalancer route53|accelerator ... */
  XS_STMT_LB_CHECK,      /* loadbalancer check SITE path PATH */
  XS_STMT_LB_REMOVE,     /* loadbalancer remove SITE */
  XS_STMT_LB_ADD,        /* loadbalancer add SITE */
  XS_STMT_WORKLOAD,      /* workload keycloak|kv ... */
  XS_STMT_STOP_WORKLOAD, /* stop workload */
  XS_STMT_FENCING,       /* fencing [delay D] [jitter D] */
  XS_STMT_KEYCLOAK,      /* stop|start keycloak on SITE */
  XS_STMT_PARTITION,     /* partition A B | partition A -> B */
  XS_STMT_HEAL,          /* heal | heal A B | heal A -> B */
  XS_STMT_FLAP,          /* flap A B every D for D */
  XS_STMT_LATENCY,       /* latency A B D [jitter D] (or A -> B) */
  XS_STMT_LOSS,          /* loss A B P% (or A -> B) */
  XS_STMT_CRASH,         /* crash SITE */
  XS_STMT_RESTART,       /* restart SITE */
  XS_STMT_FENCE,         /* fence B from A */
  XS_STMT_STEP,          /* on SITE: COMMAND [clause] */
  XS_STMT_CHECK,         /* check ... */
  XS_STMT_KIND_COUNT
} xs_scn_kind;

typedef struct xs_scn_stmt xs_scn_stmt;
struct xs_scn_stmt {
  xs_scn_kind kind;
  int line, col;          /* where the statement starts */
  char *src;              /* the statement's first line as written (for reports) */
  xs_scn_ref a, b;        /* the sites a statement names (fence: b from a) */
  bool oneway;            /* partition / heal / latency / loss with "->" */
  bool start;             /* keycloak: start (true) or stop */
  xs_ms d, d2;            /* wait, at, after, pace, flap every+for, latency+jitter, wait-until at-most,
                             fencing delay+jitter */
  int64_t n;              /* loss in thousandths of a percent */
  char *text;             /* mark: the name; lb check: the path */
  xs_scn_cond cond;       /* wait until, when */
  xs_scn_check check;
  xs_scn_workload wl;
  xs_scn_lb lb;
  xs_scn_step step;
  int nbody;              /* at / after / when */
  xs_scn_stmt *body;
};

/* One `set` line: a topology override. */
typedef struct xs_scn_override {
  int line, col;
  char *src;
  int nwords;
  xs_scn_ref words[8];    /* the path: "cache sessions backup site-b timeout" ... */
  xs_scn_ref value;
} xs_scn_override;

typedef struct xs_scenario {
  char name[XS_NAME_BYTES_MAX];       /* "" when the file gives none (the runner uses the file name) */
  char *description;                  /* lines joined with '\n'; NULL when none */
  bool expect_fail;
  int nexpect;                        /* `expect fail NAME...`: it must fail by one of these */
  xs_scn_ref expect[XS_SCN_LIST_MAX];
  bool seed_set;
  uint64_t seed;
  bool topology_file;                 /* `topology file PATH` */
  xs_scn_ref topology;                /* the preset's name or the file's path */
  int topology_line;
  int noverrides;
  xs_scn_override *overrides;
  int nstmts;                         /* top level */
  xs_scn_stmt *stmts;
  int total_stmts;                    /* nested ones included */
} xs_scenario;

/* A parse error: where, what, and the line it is on. */
typedef struct xs_scn_error {
  int line, col;                      /* 1-based; col 0 when the whole line is meant */
  char msg[XS_SCN_ERR_BYTES_MAX];
  char text[XS_SCN_LINE_BYTES_MAX + 1]; /* the offending line (printable) */
} xs_scn_error;

/* Parses a scenario.  Returns 0 with *out set (free with xs_scn_free), or a
 * negative XS_E* with *err filled (XS_EINVAL for bad text, XS_ELIMIT for a
 * limit, XS_ENOMEM).  Never reads a file. */
int xs_scn_parse(const char *bytes, size_t len, xs_scenario **out, xs_scn_error *err);
void xs_scn_free(xs_scenario *s);

/* "path:line:col: msg", then the line and a caret under the column. */
void xs_scn_error_format(const char *path, const xs_scn_error *err, xs_buf *out);

/* Prints the scenario in the language's canonical layout; parsing the
 * result gives the same tree (tests/test_scenario.c checks the round trip). */
void xs_scn_format(const xs_scenario *s, xs_buf *out);

/* Durations as the language writes them: "1m30s", "500ms", "0s". */
void xs_scn_format_duration(xs_ms d, char *buf, size_t len);
/* Parses "500ms", "30s", "5m", "1h", "1d", "1m30s"; 0 or XS_EINVAL. */
int xs_scn_parse_duration(const char *s, xs_ms *out);

const char *xs_scn_kind_name(xs_scn_kind k);

#endif /* XS_SCENARIO_H */
