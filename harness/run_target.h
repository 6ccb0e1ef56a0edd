/*
 * run_target.h - `xsim run --target URL,URL`: a scenario's procedure steps
 * and the checks that can be answered over REST, played in wall time
 * against live sites (`xsim serve`, or a real Data Grid pair) instead of
 * the simulator.  One URL per site, in the topology's site order.
 *
 *  - `on SITE:` steps go through the CLI command layer (cli_command.h) with
 *    the libcurl transport (cli_curl.h) to the site's URL, their output
 *    judged exactly as in simulation; `repeat ... until it prints` polls
 *    for real;
 *  - `wait D` really waits (--target-max-wait shortens long ones);
 *  - faults run the shell command configured for their kind
 *    (--target-fault NAME=COMMAND, with {a} {b} {site} {url} placeholders),
 *    or are reported skipped;
 *  - state conditions (identical, replication, push, view, entries, site)
 *    are read over REST (target_check.c);
 *  - actors (workloads, load balancer, fencing, Keycloak), timed blocks and
 *    history checks (no-lost-writes, no-resurrection, tokens-single-use,
 *    rpo, rto) need the simulator's recorded history: reported skipped.
 *
 * The exit status is 0 exactly when every step and check that ran passed.
 */
#ifndef XS_RUN_TARGET_H
#define XS_RUN_TARGET_H

#include <stdbool.h>
#include <stddef.h>

#include "cli_command.h"
#include "cli_curl.h"
#include "scenario.h"

#define XS_RUN_TARGET_FILES_MAX 64      /* scenario files in one target run */
#define XS_TGT_FAULTS_MAX 16             /* --target-fault options */
#define XS_TGT_FAULT_CMD_MAX 4096        /* one fault command, placeholders expanded */
#define XS_TGT_ITEMS_MAX 4096            /* steps, checks and skips reported per run */
#define XS_TGT_ITEM_TEXT_MAX 512         /* one item's text or reason */
#define XS_TGT_POLL_MS 200               /* how often a condition is looked at */
#define XS_TGT_WAIT_UNTIL_DEFAULT_MS ((xs_ms)10 * 60 * 1000) /* `wait until` without `at most` */
#define XS_TGT_KEYS_MAX 100000           /* keys compared per cache by `identical` */
#define XS_TGT_EHTTP (-100)             /* a request got no answer, or not 200, or not JSON */
#define XS_TGT_USER_DEFAULT "developer"
#define XS_TGT_PASSWORD_DEFAULT "strong-password"

typedef enum { XS_TGT_PASS = 0, XS_TGT_FAIL, XS_TGT_SKIP } xs_tgt_verdict;

/* One statement's outcome, as the table lists it. */
typedef struct xs_tgt_item {
  int line;
  xs_tgt_verdict verdict;
  char what[XS_TGT_ITEM_TEXT_MAX];  /* the statement as written */
  char why[XS_TGT_ITEM_TEXT_MAX];   /* failure or skip reason; "" when passed */
} xs_tgt_item;

typedef struct xs_tgt_fault {
  char name[32];                    /* partition, heal, crash, restart, ... */
  const char *command;
} xs_tgt_fault;

/* One run against live sites. */
typedef struct xs_tgt {
  xs_topology topo;                 /* site and cache names (the `set` lines are not needed) */
  int nsites;
  const char *url[XS_SITES_MAX];
  const char *user, *password;
  bool trustall, verbose;
  xs_ms max_wait_ms;                /* 0: waits are not shortened */
  xs_ms pace_ms;
  int nfaults;
  xs_tgt_fault faults[XS_TGT_FAULTS_MAX];
  xs_cli_curl *http[XS_SITES_MAX];  /* one keep-alive client per site, for steps and checks */
  xs_cli_ctx cli[XS_SITES_MAX];
  bool cli_open[XS_SITES_MAX];
  int nitems;
  xs_tgt_item *items;
  int steps_run, checks_run, faults_run, passed, failed, skipped;
} xs_tgt;

/* Whether argv (argv[0] is "run") asks for target mode. */
bool xs_run_target_wanted(int argc, char **argv);
/* `xsim run PATH... --target URL,URL [...]`; exit status (0, 1, or 2 for
 * bad usage). */
int xs_run_target_main(int argc, char **argv, const char *prog);

/* target_check.c: a condition read over REST.  1 when it holds, 0 when
 * not (why says what differs), XS_EINVAL when it cannot be answered over
 * REST (why says what it needs), another negative XS_E* when a request
 * failed (why says which). */
int xs_tgt_cond(xs_tgt *t, const xs_scn_cond *c, char *why, size_t len);
/* The index of a named site in the topology, or -1. */
int xs_tgt_site(const xs_tgt *t, const char *name);
/* GET target on site s; 0 with the answer in out, or a negative XS_E*
 * with why filled (no answer, or a status other than 200). */
int xs_tgt_get(xs_tgt *t, int s, const char *target, xs_cli_response *out, char *why, size_t len);

#endif /* XS_RUN_TARGET_H */
