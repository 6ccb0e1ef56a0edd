/*
 * report_data.h - what `xsim run --report DIR` gathers during one run for
 * its HTML page (report_html.h): periodic samples of the simulation (link
 * state per pair of sites, sites up, each site's x-site status and
 * push-state status per cache and backup, entry counts per site), notable
 * event-log records (links, sites offline/online, views, crashes, state
 * transfer), the timeline (procedure steps, checks, faults, actors) with
 * what passed and failed, and the client errors over time from the history.
 *
 * Sampling does not disturb the run: the runner's time advances are cut at
 * the sample times (xs_sim_run_until(a) then (b) is the same run as (b)),
 * so no timer is added and the event-log hash is the one a run without
 * --report has.  Nothing is gathered when --report is not given.
 */
#ifndef XS_REPORT_DATA_H
#define XS_REPORT_DATA_H

#include <stdbool.h>
#include <stdint.h>

#include "xsim.h"

#define XS_REP_SAMPLE_MS 1000        /* a sample every simulated second ... */
#define XS_REP_SAMPLES_MAX 4096      /* ... at most this many: when full, every other one goes and the interval doubles */
#define XS_REP_ROWS_MAX 96           /* (site, cache, backup) status rows */
#define XS_REP_EVENTS_MAX 2048       /* notable event-log records kept */
#define XS_REP_MARKS_MAX 2048        /* timeline entries kept */
#define XS_REP_ERR_BINS 200          /* client-error histogram bins over the run */
#define XS_REP_TEXT_MAX 200          /* one timeline entry's text */
#define XS_REP_EV_TEXT_MAX 160       /* one event record's text */

/* Status byte per row and sample: x-site status in the low 2 bits
 * (0 online, 1 offline, 3 unknown), the push status above them. */
#define XS_REP_ST_UNKNOWN 3

typedef enum { XS_REP_STEP = 0, XS_REP_CHECK, XS_REP_FAULT, XS_REP_OTHER, XS_REP_ACTOR } xs_rep_mark_kind;

typedef struct xs_rep_sample {
  xs_ms t;
  uint64_t links;                    /* bit a*XS_SITES_MAX+b: link a->b up */
  uint32_t up;                       /* bit s: site s up */
  int64_t entries[XS_SITES_MAX];     /* live entries, every cache */
} xs_rep_sample;

typedef struct xs_rep_row {
  int site, cache, remote;
} xs_rep_row;

typedef struct xs_rep_event {
  xs_ms t;
  int kind;                          /* xs_ev_kind */
  char text[XS_REP_EV_TEXT_MAX];
} xs_rep_event;

typedef struct xs_rep_mark {
  xs_ms t0, t1;
  int line;
  int kind;                          /* xs_rep_mark_kind */
  int ok;                            /* 1 passed, 0 failed, -1 not judged */
  char text[XS_REP_TEXT_MAX];
} xs_rep_mark;

typedef struct xs_rep_data {
  int nsites;
  char site[XS_SITES_MAX][XS_NAME_BYTES_MAX];
  int nrows;
  xs_rep_row rows[XS_REP_ROWS_MAX];
  char cache[XS_CACHES_MAX][XS_NAME_BYTES_MAX];
  /* samples */
  xs_ms interval, next;
  int nlog_seen;                     /* timeline entries when the last advance began */
  int nsamples;
  xs_rep_sample *samples;            /* XS_REP_SAMPLES_MAX */
  uint8_t *status;                   /* XS_REP_SAMPLES_MAX x XS_REP_ROWS_MAX */
  /* event log */
  uint64_t ev_since, ev_missed;
  int nevents, events_dropped;
  xs_rep_event *events;              /* XS_REP_EVENTS_MAX */
  /* timeline */
  int nmarks, marks_dropped;
  xs_rep_mark *marks;                /* XS_REP_MARKS_MAX */
  /* client operations by completion time */
  xs_ms end;
  uint32_t ops_bin[XS_REP_ERR_BINS], err_bin[XS_REP_ERR_BINS], unavail_bin[XS_REP_ERR_BINS];
  uint64_t ops, errors, unavailable;
  bool active;                       /* set while a run gathers into it */
} xs_rep_data;

xs_rep_data *xs_rep_data_new(void);
void xs_rep_data_free(xs_rep_data *d);

/* Hooks for the runner (scenario_run.c); rt is its scn_rt. */
struct scn_rt;
void xs__rep_begin(struct scn_rt *rt);
/* Advances the simulation to t like xs_sim_run_until, sampling on the way. */
void xs__rep_advance(struct scn_rt *rt, xs_ms t);
void xs__rep_end(struct scn_rt *rt);

#endif /* XS_REPORT_DATA_H */
