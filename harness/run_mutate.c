/*
 * run_mutate.c - `xsim run --mutate` (run_mutate.h): builds the delete and
 * swap mutants of each passing scenario's procedure steps from its parsed
 * tree, runs them as a second batch of jobs, and prints which the checks
 * catch and which survive.
 */
#include "run_mutate.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MUT_STEP_COL 52    /* width of the step column */
#define MUT_CMD_SHOWN 48   /* bytes of a catching step's command shown */
#define MUT_CAUGHT_SHOWN 4 /* distinct (check, line) pairs named per mutant */
#define MUT_CAUGHT_BYTES 1024

typedef enum { MUT_DELETE = 0, MUT_SWAP = 1 } mut_kind;

typedef struct mutant {
  int base;        /* the baseline job */
  mut_kind kind;
  int a, b;        /* top-level statement indices: the step; for a swap, the next step */
  int line_a, line_b; /* their lines (line_b 0 for a delete) */
  xs_scenario scn; /* the baseline's scenario with its own, edited statement list */
} mutant;

typedef struct mut_set {
  mutant *v;
  int n, cap;
} mut_set;

static int next_step(const xs_scenario *s, int i) {
  for (int k = i + 1; k < s->nstmts; k++)
    if (s->stmts[k].kind == XS_STMT_STEP) return k;
  return -1;
}

/* One mutant: a shallow copy of the scenario whose top-level statement list
 * is copied and edited (the statements' own data stays shared). */
static int add(mut_set *ms, int base, const xs_scenario *s, mut_kind kind, int a, int b) {
  if (ms->n == XS_MUT_MAX) return XS_ELIMIT;
  if (ms->n == ms->cap) {
    int cap = ms->cap ? ms->cap * 2 : 64;
    mutant *v = realloc(ms->v, (size_t)cap * sizeof *v);
    if (!v) return XS_ENOMEM;
    ms->v = v, ms->cap = cap;
  }
  xs_scn_stmt *list = malloc((size_t)s->nstmts * sizeof *list);
  if (!list) return XS_ENOMEM;
  memcpy(list, s->stmts, (size_t)s->nstmts * sizeof *list);
  mutant *m = &ms->v[ms->n++];
  *m = (mutant){.base = base, .kind = kind, .a = a, .b = b, .line_a = s->stmts[a].line,
                .line_b = b >= 0 ? s->stmts[b].line : 0, .scn = *s};
  m->scn.stmts = list;
  if (kind == MUT_DELETE) {
    memmove(&list[a], &list[a + 1], (size_t)(s->nstmts - a - 1) * sizeof *list);
    m->scn.nstmts--;
    m->scn.total_stmts--;
  } else {
    xs_scn_stmt t = list[a];
    list[a] = list[b];
    list[b] = t;
  }
  return 0;
}

/* Why a job gets no mutants, or NULL when it does. */
static const char *not_mutated(const xs_run *r, const xs_run_job *j) {
  const xs_run_file *f = &r->files[j->file];
  if (!f->scn) return "did not parse";
  if (f->scn->expect_fail) return "a negative scenario (expect fail): its checks already fail";
  if (!j->res.met) return "the scenario itself does not pass";
  if (next_step(f->scn, -1) < 0) return "no procedure steps";
  return NULL;
}

static int build(const xs_run *r, mut_set *ms) {
  for (int k = 0; k < r->njobs; k++) {
    if (not_mutated(r, &r->jobs[k])) continue;
    const xs_scenario *s = r->files[r->jobs[k].file].scn;
    for (int i = next_step(s, -1); i >= 0; i = next_step(s, i)) {
      int rc = add(ms, k, s, MUT_DELETE, i, -1);
      int nx = next_step(s, i);
      if (!rc && nx >= 0) rc = add(ms, k, s, MUT_SWAP, i, nx);
      if (rc) return rc;
    }
  }
  return 0;
}

/* The mutant's name in progress lines: "ch11-recover-passive -46" (line
 * 46 deleted) or "... 46<->48" (swapped), cut to fit. */
static void label(mutant *m, const char *base_name) {
  char tag[32];
  if (m->kind == MUT_DELETE) snprintf(tag, sizeof tag, " -%d", m->line_a);
  else snprintf(tag, sizeof tag, " %d<->%d", m->line_a, m->line_b);
  size_t room = sizeof m->scn.name - 1 - strlen(tag);
  snprintf(m->scn.name, sizeof m->scn.name, "%.*s%s", (int)room, base_name, tag);
}

static const char *mut_verdict(const xs_scn_result *res) {
  if (res->error) return "ERROR";
  return res->failed ? "CAUGHT" : "SURVIVED";
}

/* The top-level step on `line` of the baseline, or NULL. */
static const xs_scn_step *step_at(const xs_scenario *s, int line) {
  for (int i = 0; i < s->nstmts; i++)
    if (s->stmts[i].kind == XS_STMT_STEP && s->stmts[i].line == line) return &s->stmts[i].step;
  return NULL;
}

/* "step line 47 (site status ...), no-lost-writes line 114, +2 more". */
static void caught_by(const xs_scn_result *res, const xs_scenario *s, char *out, size_t len) {
  size_t used = 0;
  int shown = 0, more = res->failures_total - res->nfailures;
  out[0] = 0;
  for (int i = 0; i < res->nfailures; i++) {
    const xs_scn_failure *f = &res->failures[i];
    bool dup = false;
    for (int p = 0; p < i && !dup; p++)
      dup = strcmp(res->failures[p].check, f->check) == 0 && res->failures[p].line == f->line;
    if (dup) continue;
    if (shown == MUT_CAUGHT_SHOWN) {
      more++;
      continue;
    }
    const xs_scn_step *st = strcmp(f->check, XS_SCN_FAIL_STEP) == 0 ? step_at(s, f->line) : NULL;
    int n = st ? snprintf(out + used, len - used, "%s%s line %d (%.*s%s)", shown ? ", " : "", f->check, f->line,
                          MUT_CMD_SHOWN, st->command, strlen(st->command) > MUT_CMD_SHOWN ? "..." : "")
               : snprintf(out + used, len - used, "%s%s line %d", shown ? ", " : "", f->check, f->line);
    if (n < 0 || (size_t)n >= len - used) return;
    used += (size_t)n;
    shown++;
  }
  if (more > 0 && used < len) snprintf(out + used, len - used, ", +%d more", more);
}

typedef struct mut_totals {
  int n, caught, survived, errors;
} mut_totals;

static void count(mut_totals *t, const xs_scn_result *res) {
  t->n++;
  if (res->error) t->errors++;
  else if (res->failed) t->caught++;
  else t->survived++;
}

static void row(const mutant *m, const xs_scn_result *res, const xs_scenario *base) {
  char what[32], caught[MUT_CAUGHT_BYTES];
  const xs_scn_stmt *a = &base->stmts[m->a];
  if (m->kind == MUT_DELETE) snprintf(what, sizeof what, "delete %d", a->line);
  else snprintf(what, sizeof what, "swap %d<->%d", a->line, base->stmts[m->b].line);
  if (res->error) snprintf(caught, sizeof caught, "%s", res->nfailures ? res->failures[0].summary : "could not run");
  else if (res->failed) caught_by(res, base, caught, sizeof caught);
  else snprintf(caught, sizeof caught, "-");
  const char *src = a->src ? a->src : a->step.command;
  int w = MUT_STEP_COL - 3;
  printf("  %-16s %-9s %-*.*s%s  %s\n", what, mut_verdict(res), w, w, src, strlen(src) > (size_t)w ? "..." : "   ",
         caught);
}

static void totals_line(const char *what, const mut_totals *t) {
  printf("%s: %d mutant%s, %d caught, %d survived%s", what, t->n, t->n == 1 ? "" : "s", t->caught, t->survived,
         t->errors ? "" : "\n");
  if (t->errors) printf(", %d could not run\n", t->errors);
}

/* The table, grouped by baseline job, in job order. */
static void report(const xs_run *r, const xs_run_job *base, int nbase, const mut_set *ms) {
  mut_totals all = {0};
  printf("\nmutation testing (--mutate): each procedure step deleted, and swapped with the next step\n");
  for (int k = 0, i = 0; k < nbase; k++) {
    const xs_run_file *f = &r->files[base[k].file];
    const char *why = not_mutated(r, &base[k]);
    if (why) {
      printf("\n%s seed %" PRIu64 ": not mutated: %s\n", base[k].res.name, base[k].res.seed, why);
      continue;
    }
    mut_totals t = {0};
    printf("\n%s seed %" PRIu64 " (%s)\n  %-16s %-9s %-*s  %s\n", base[k].res.name, base[k].res.seed, f->path,
           "mutant (lines)", "verdict", MUT_STEP_COL, "step", "caught by");
    for (; i < ms->n && ms->v[i].base == k; i++) {
      row(&ms->v[i], &r->jobs[i].res, f->scn);
      count(&t, &r->jobs[i].res);
      count(&all, &r->jobs[i].res);
    }
    char what[XS_NAME_BYTES_MAX + 40];
    snprintf(what, sizeof what, "  %s seed %" PRIu64, base[k].res.name, base[k].res.seed);
    totals_line(what, &t);
  }
  printf("\n");
  totals_line("mutants in all", &all);
}

int xs_run_mutate(xs_run *r, int workers, xs_run_all_fn run_all) {
  mut_set ms = {0};
  int rc = build(r, &ms);
  xs_run_job *jobs = rc ? NULL : calloc(ms.n ? (size_t)ms.n : 1, sizeof *jobs);
  if (!rc && !jobs) rc = XS_ENOMEM;
  xs_run saved = *r;
  if (!rc) {
    for (int i = 0; i < ms.n; i++) {
      const xs_run_job *b = &saved.jobs[ms.v[i].base];
      jobs[i] = (xs_run_job){.file = b->file, .seed_given = true, .seed = b->res.seed, .scn = &ms.v[i].scn};
      label(&ms.v[i], b->res.name);
    }
    r->jobs = jobs, r->njobs = ms.n, r->ndone = 0;
    r->o.workers = workers, r->o.determinism = false, r->o.no_replay = true, r->o.trace = false;
    fprintf(stderr, "xsim run --mutate: %d mutant%s on %d worker%s\n", ms.n, ms.n == 1 ? "" : "s", workers,
            workers == 1 ? "" : "s");
    if (ms.n) rc = run_all(r);
    report(r, saved.jobs, saved.njobs, &ms);
    for (int i = 0; i < ms.n; i++) xs_scn_result_free(&jobs[i].res);
  } else {
    fprintf(stderr, "xsim run --mutate: %s\n", rc == XS_ELIMIT ? "too many mutants" : "out of memory");
  }
  for (int i = 0; i < ms.n; i++) free(ms.v[i].scn.stmts);
  free(ms.v);
  free(jobs);
  r->jobs = saved.jobs, r->njobs = saved.njobs, r->ndone = saved.ndone, r->o = saved.o;
  return rc;
}
