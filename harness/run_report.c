/*
 * run_report.c - what `xsim run` prints and writes.  Everything is in job
 * order, so the output of a run does not depend on which worker finished
 * first; only the progress lines (stderr) come in completion order.
 */
#include "run_report.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define NAME_COL_MAX 40 /* widest scenario name in the table */

const char *xs_run_verdict(const xs_scn_result *r) {
  if (r->determinism_checked && !r->deterministic) return "NONDETERMINISTIC";
  if (r->error) return "ERROR";
  if (r->met) return r->expect_fail ? "pass (failed as expected)" : "pass";
  return r->expect_fail ? "FAIL (expected to fail)" : "FAIL";
}

/* The scenario's name from its file when the file gave none. */
static void name_from_path(const char *path, xs_scn_result *res) {
  const char *b = strrchr(path, '/');
  b = b ? b + 1 : path;
  size_t n = strlen(b);
  snprintf(res->name, sizeof res->name, "%.*s", (int)(n > 5 ? n - 5 : n), b);
}

void xs_run_lost(const xs_run_file *f, xs_run_job *j) {
  xs_scn_result *res = &j->res;
  memset(res, 0, sizeof *res);
  if (f->scn && f->scn->name[0]) snprintf(res->name, sizeof res->name, "%s", f->scn->name);
  else name_from_path(f->path, res);
  snprintf(res->expect, sizeof res->expect, "pass");
  res->seed = j->seed;
  res->error = res->failed = true;
  res->nfailures = res->failures_total = 1;
  snprintf(res->failures[0].check, sizeof res->failures[0].check, "crash");
  snprintf(res->failures[0].summary, sizeof res->failures[0].summary,
           "the worker process died before reporting this job; run it alone (-j 1) to see why");
  j->done = true;
}

void xs_run_parse_error(const xs_run_file *f, xs_scn_result *res) {
  memset(res, 0, sizeof *res);
  name_from_path(f->path, res);
  snprintf(res->expect, sizeof res->expect, "pass");
  res->error = res->failed = true;
  res->nfailures = res->failures_total = 1;
  xs_scn_failure *x = &res->failures[0];
  snprintf(x->check, sizeof x->check, "parse");
  const char *nl = strchr(f->error, '\n');
  snprintf(x->summary, sizeof x->summary, "%.*s", nl ? (int)(nl - f->error) : (int)strlen(f->error), f->error);
  x->detail = strdup(f->error);
  sscanf(f->error + strlen(f->path), ":%d:%d", &x->line, &x->col);
}

/* ------------------------------------------------------------------------ */
/* Results as JSON                                                            */

static json_t *u64(uint64_t v) { return v <= (uint64_t)INT64_MAX ? json_integer((json_int_t)v) : json_null(); }

static json_t *hex(uint64_t v) {
  char b[24];
  snprintf(b, sizeof b, "0x%016" PRIx64, v);
  return json_string(b);
}

static json_t *result_json(const xs_run *r, int k) {
  const xs_run_job *j = &r->jobs[k];
  const xs_scn_result *s = &j->res;
  json_t *fails = json_array(), *notes = json_array();
  for (int i = 0; i < s->nfailures; i++) {
    const xs_scn_failure *f = &s->failures[i];
    json_array_append_new(fails, json_pack("{s:s,s:i,s:i,s:s,s:s?}", "check", f->check, "line", f->line, "col",
                                           f->col, "summary", f->summary, "detail", f->detail));
  }
  for (int i = 0; i < s->nnotes; i++) json_array_append_new(notes, json_string(s->notes[i]));
  double sps = s->wall_s > 0 ? (double)s->virtual_ms / 1000.0 / s->wall_s : 0;
  json_t *o = json_pack("{s:i,s:s,s:s,s:o,s:s,s:b,s:b,s:b,s:b,s:s,s:I,s:f,s:f,s:I,s:o,s:I,s:o,s:i,s:o,s:o}", "job",
                        k, "scenario", s->name, "file", r->files[j->file].path, "seed", u64(s->seed), "expect",
                        s->expect, "expect_fail", s->expect_fail, "met", s->met, "failed", s->failed, "error",
                        s->error, "verdict", xs_run_verdict(s), "virtual_ms", (json_int_t)s->virtual_ms, "wall_s",
                        s->wall_s, "sim_s_per_wall_s", sps, "events", (json_int_t)s->events, "event_hash",
                        hex(s->evhash), "ops", (json_int_t)s->ops, "history_digest", hex(s->hist_digest),
                        "failures_total", s->failures_total, "failures", fails, "notes", notes);
  json_object_set_new(o, "deterministic", s->determinism_checked ? json_boolean(s->deterministic) : json_null());
  return o;
}

char *xs_run_result_line(const xs_run *r, int k) {
  json_t *o = result_json(r, k);
  char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
  json_decref(o);
  if (!s) return NULL;
  size_t n = strlen(s);
  char *line = realloc(s, n + 2);
  if (!line) return s;
  line[n] = '\n';
  line[n + 1] = 0;
  return line;
}

static uint64_t unhex(json_t *v) { return json_is_string(v) ? strtoull(json_string_value(v), NULL, 16) : 0; }

static void failures_from(json_t *arr, xs_scn_result *s) {
  size_t i;
  json_t *f;
  json_array_foreach(arr, i, f) {
    if (s->nfailures == XS_SCN_FAILURES_MAX) break;
    xs_scn_failure *x = &s->failures[s->nfailures++];
    snprintf(x->check, sizeof x->check, "%s", json_string_value(json_object_get(f, "check")));
    snprintf(x->summary, sizeof x->summary, "%s", json_string_value(json_object_get(f, "summary")));
    x->line = (int)json_integer_value(json_object_get(f, "line"));
    x->col = (int)json_integer_value(json_object_get(f, "col"));
    const char *d = json_string_value(json_object_get(f, "detail"));
    x->detail = d ? strdup(d) : NULL;
  }
}

int xs_run_result_parse(xs_run *r, const char *line) {
  json_t *o = json_loads(line, 0, NULL);
  int k = o ? (int)json_integer_value(json_object_get(o, "job")) : -1;
  if (k < 0 || k >= r->njobs) {
    json_decref(o);
    return -1;
  }
  xs_scn_result *s = &r->jobs[k].res;
  memset(s, 0, sizeof *s);
  snprintf(s->name, sizeof s->name, "%s", json_string_value(json_object_get(o, "scenario")));
  snprintf(s->expect, sizeof s->expect, "%s", json_string_value(json_object_get(o, "expect")));
  s->seed = (uint64_t)json_integer_value(json_object_get(o, "seed"));
  s->expect_fail = json_is_true(json_object_get(o, "expect_fail"));
  s->met = json_is_true(json_object_get(o, "met"));
  s->failed = json_is_true(json_object_get(o, "failed"));
  s->error = json_is_true(json_object_get(o, "error"));
  s->virtual_ms = json_integer_value(json_object_get(o, "virtual_ms"));
  s->wall_s = json_real_value(json_object_get(o, "wall_s"));
  s->events = (uint64_t)json_integer_value(json_object_get(o, "events"));
  s->ops = (uint64_t)json_integer_value(json_object_get(o, "ops"));
  s->evhash = unhex(json_object_get(o, "event_hash"));
  s->hist_digest = unhex(json_object_get(o, "history_digest"));
  s->failures_total = (int)json_integer_value(json_object_get(o, "failures_total"));
  json_t *det = json_object_get(o, "deterministic");
  s->determinism_checked = !json_is_null(det) && det;
  s->deterministic = json_is_true(det);
  failures_from(json_object_get(o, "failures"), s);
  size_t i;
  json_t *n;
  json_array_foreach(json_object_get(o, "notes"), i, n) {
    if (s->nnotes < XS_SCN_NOTES_MAX) snprintf(s->notes[s->nnotes++], XS_SCN_NOTE_BYTES_MAX, "%s", json_string_value(n));
  }
  r->jobs[k].done = true;
  json_decref(o);
  return k;
}

int xs_run_json(const xs_run *r, const char *path) {
  json_t *results = json_array();
  int met = 0;
  for (int k = 0; k < r->njobs; k++) {
    json_array_append_new(results, result_json(r, k));
    met += r->jobs[k].res.met;
  }
  json_t *o = json_pack("{s:s,s:i,s:i,s:i,s:f,s:i,s:o}", "tool", "xsim run", "jobs", r->njobs, "met", met, "unmet",
                        r->njobs - met, "wall_s", r->wall_s, "workers", r->o.workers, "results", results);
  int rc = o ? json_dump_file(o, path, JSON_INDENT(2)) : -1;
  json_decref(o);
  if (rc) fprintf(stderr, "xsim run: cannot write %s\n", path);
  return rc;
}

/* ------------------------------------------------------------------------ */
/* JUnit XML                                                                  */

static void xml_text(FILE *f, const char *s) {
  for (; s && *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '&') fputs("&amp;", f);
    else if (c == '<') fputs("&lt;", f);
    else if (c == '>') fputs("&gt;", f);
    else if (c == '"') fputs("&quot;", f);
    else if (c == '\'') fputs("&apos;", f);
    else if (c < 0x20 && c != '\n' && c != '\t' && c != '\r') fputc('?', f); /* not allowed in XML 1.0 */
    else fputc(c, f);
  }
}

static void junit_case(FILE *f, const xs_run *r, const xs_run_job *j) {
  const xs_scn_result *s = &j->res;
  fputs("    <testcase classname=\"xsim.", f);
  xml_text(f, s->name);
  fputs("\" name=\"", f);
  xml_text(f, s->name);
  fprintf(f, " seed %" PRIu64 "\" time=\"%.3f\"", s->seed, s->wall_s); /* the attributes of junit-10.xsd */
  if (s->met) {
    fputs("/>\n", f);
    return;
  }
  const char *tag = s->error ? "error" : "failure";
  const xs_scn_failure *x = s->nfailures ? &s->failures[0] : NULL;
  fprintf(f, ">\n      <%s type=\"", tag);
  xml_text(f, x ? x->check : xs_run_verdict(s));
  fputs("\" message=\"", f);
  xml_text(f, x ? x->summary : "expected to fail, but every check passed");
  fputs("\">", f);
  for (int i = 0; i < s->nfailures; i++) {
    fprintf(f, "%s: ", s->failures[i].check);
    xml_text(f, s->failures[i].summary);
    fputs("\n", f);
    xml_text(f, s->failures[i].detail);
  }
  fprintf(f, "replay: %s run %s --seed %" PRIu64 "\n</%s>\n    </testcase>\n", r->prog, r->files[j->file].path,
          s->seed, tag);
}

/* The layout of the common JUnit schema (Ant's JUnitReport, as published
 * by Windy Road): testsuites with no attributes, a testsuite with package,
 * id, timestamp and hostname, its properties first and system-out and
 * system-err last; consumers that take Jenkins' or Surefire's variants read
 * it too. */
int xs_run_junit(const xs_run *r, const char *path) {
  FILE *f = fopen(path, "w");
  if (!f) return fprintf(stderr, "xsim run: cannot write %s\n", path), -1;
  int fails = 0, errors = 0;
  for (int k = 0; k < r->njobs; k++) {
    fails += !r->jobs[k].res.met && !r->jobs[k].res.error;
    errors += r->jobs[k].res.error;
  }
  char stamp[32];
  time_t now = time(NULL);
  struct tm tm;
  gmtime_r(&now, &tm);
  strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
  fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n", f);
  fprintf(f, "  <testsuite package=\"xsim\" id=\"0\" name=\"scenarios\" timestamp=\"%s\" hostname=\"localhost\" "
             "tests=\"%d\" failures=\"%d\" errors=\"%d\" skipped=\"0\" time=\"%.3f\">\n    <properties>\n",
          stamp, r->njobs, fails, errors, r->wall_s);
  fprintf(f, "      <property name=\"workers\" value=\"%d\"/>\n    </properties>\n", r->o.workers);
  for (int k = 0; k < r->njobs; k++) junit_case(f, r, &r->jobs[k]);
  fputs("    <system-out></system-out>\n    <system-err></system-err>\n  </testsuite>\n</testsuites>\n", f);
  return fclose(f) ? -1 : 0;
}

/* ------------------------------------------------------------------------ */
/* The terminal                                                               */

static void duration(xs_ms ms, char *b, size_t len) {
  if (ms >= 3600000) snprintf(b, len, "%lldh%02lldm%02llds", (long long)(ms / 3600000), (long long)(ms / 60000 % 60),
                              (long long)(ms / 1000 % 60));
  else if (ms >= 60000) snprintf(b, len, "%lldm%04.1fs", (long long)(ms / 60000), (double)(ms % 60000) / 1000.0);
  else snprintf(b, len, "%.3fs", (double)ms / 1000.0);
}

void xs_run_started(xs_run *r) {
  r->tty = isatty(STDERR_FILENO);
  fprintf(stderr, "xsim run: %d job%s (%d file%s) on %d worker%s\n", r->njobs, r->njobs == 1 ? "" : "s", r->nfiles,
          r->nfiles == 1 ? "" : "s", r->o.workers, r->o.workers == 1 ? "" : "s");
}

void xs_run_progress(xs_run *r, int k) {
  const xs_scn_result *s = &r->jobs[k].res;
  r->ndone++;
  fprintf(stderr, "%s[%*d/%d] %-*s seed %-6" PRIu64 " %s (%.2fs)%s", r->tty ? "\r\x1b[K" : "",
          r->njobs >= 100 ? 4 : 2, r->ndone, r->njobs, NAME_COL_MAX, s->name, s->seed, xs_run_verdict(s), s->wall_s,
          r->tty && r->ndone < r->njobs && s->met ? "" : "\n");
  fflush(stderr);
}

static void print_failure(const xs_run *r, const xs_run_job *j, bool full) {
  const xs_scn_result *s = &j->res;
  const char *path = r->files[j->file].path;
  printf("\n%s %s seed %" PRIu64 " (%s, expected: %s)\n", xs_run_verdict(s), s->name, s->seed, path, s->expect);
  if (!s->met && s->expect_fail && !s->failed) printf("  every check passed, but the scenario is marked 'expect %s'\n", s->expect);
  for (int i = 0; i < s->nfailures; i++) {
    const xs_scn_failure *f = &s->failures[i];
    printf("  check %s failed at %s:%d:%d\n    %s\n", f->check, path, f->line, f->col, f->summary);
    for (const char *d = full ? f->detail : NULL; d && *d;) { /* indented under its check */
      const char *nl = strchr(d, '\n');
      int n = nl ? (int)(nl - d) : (int)strlen(d);
      printf("  %.*s\n", n, d);
      d = nl ? nl + 1 : NULL;
    }
  }
  if (s->failures_total > s->nfailures) printf("  ... %d more failures\n", s->failures_total - s->nfailures);
  if (s->determinism_checked && !s->deterministic) printf("  the second run gave another event-log hash\n");
  printf("  replay: %s run %s --seed %" PRIu64 "\n", r->prog, path, s->seed);
}

static void table(const xs_run *r) {
  int w = 8;
  for (int k = 0; k < r->njobs; k++) {
    int n = (int)strlen(r->jobs[k].res.name);
    if (n > w) w = n < NAME_COL_MAX ? n : NAME_COL_MAX;
  }
  printf("\n%-*s %8s  %-26s %10s %8s %13s\n", w, "scenario", "seed", "verdict", "virtual", "wall", "sim-s/wall-s");
  for (int k = 0; k < r->njobs; k++) {
    const xs_scn_result *s = &r->jobs[k].res;
    char v[32];
    duration(s->virtual_ms, v, sizeof v);
    double sps = s->wall_s > 0 ? (double)s->virtual_ms / 1000.0 / s->wall_s : 0;
    printf("%-*.*s %8" PRIu64 "  %-26s %10s %7.3fs %13.0f\n", w, w, s->name, s->seed, xs_run_verdict(s), v, s->wall_s,
           sps);
  }
}

int xs_run_report(xs_run *r) {
  int met = 0;
  bool one_seed = !r->o.seeds_given || r->o.seed_lo == r->o.seed_hi;
  for (int k = 0; k < r->njobs; k++) {
    const xs_run_job *j = &r->jobs[k];
    met += j->res.met;
    if (!j->res.met) print_failure(r, j, true);
    else if (r->o.verbose && j->res.failed) print_failure(r, j, true);
  }
  table(r);
  for (int k = 0; k < r->njobs && (one_seed || r->o.verbose); k++)
    for (int i = 0; i < r->jobs[k].res.nnotes; i++)
      printf("  %s seed %" PRIu64 ": %s\n", r->jobs[k].res.name, r->jobs[k].res.seed, r->jobs[k].res.notes[i]);
  double vsum = 0;
  for (int k = 0; k < r->njobs; k++) vsum += (double)r->jobs[k].res.virtual_ms / 1000.0;
  printf("\n%d of %d met their expectation%s; %.0f virtual s in %.2f wall s (%d worker%s)\n", met, r->njobs,
         met == r->njobs ? "" : " - FAILED", vsum, r->wall_s, r->o.workers, r->o.workers == 1 ? "" : "s");
  return met;
}
