/*
 * report_html.c - the pages of `xsim run --report DIR` (report_html.h):
 * per job a self-contained HTML page around the SVG timeline, and the
 * index.  Every text from a scenario, a result or the simulation is escaped
 * (xs_rep_escape); the CSS is inline, so a page opens offline.
 */
#include "report_html.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "report_svg.h"
#include "scenario_rt.h"

static const char CSS[] =
    "body{font-family:sans-serif;margin:16px;color:#222;background:#fff}"
    "h1{font-size:20px;margin:0 0 8px}h2{font-size:16px;margin:18px 0 6px}"
    "table.meta td{padding:1px 10px 1px 0;vertical-align:top}"
    "table.tl{border-collapse:collapse;font-size:12px}table.tl td,table.tl th{border:1px solid #ccc;"
    "padding:1px 5px;text-align:left;vertical-align:top}"
    "code,pre{font-family:monospace;background:#f4f4f4}pre{padding:6px;white-space:pre-wrap;font-size:12px}"
    ".v-pass{color:#186a1c;font-weight:bold}.v-fail{color:#b00;font-weight:bold}"
    ".scroll{overflow-x:auto;border:1px solid #ddd}"
    ".legend-box span{display:inline-block;margin-right:12px;font-size:12px}"
    ".sw{display:inline-block;width:12px;height:10px;margin-right:3px;vertical-align:middle}"
    "svg text{font-family:sans-serif}svg .section{font-size:12px;font-weight:bold;fill:#333}"
    "svg .rowlabel{font-size:11px;fill:#333}svg .small{font-size:10px}svg .tick{font-size:10px;fill:#555}"
    "svg .grid{stroke:#e4e4e4;stroke-width:1}svg .chartbg{fill:#fafafa;stroke:#ddd}"
    ".up,.online{fill:#4caf50}.down,.offline{fill:#e53935}.oneway{fill:#fb8c00}.unknown,.na{fill:#cfcfcf}"
    ".idle{fill:#b0bec5}.sending{fill:#1e88e5}.ok{fill:#43a047}.error{fill:#e53935}.canceled{fill:#8e24aa}"
    ".unavail{fill:#fb8c00}"
    "svg polyline.entries{fill:none;stroke-width:2}svg polyline.entries.c1{stroke-dasharray:7 4}"
    ".c0{stroke:#1565c0;fill:#1565c0}.c1{stroke:#c62828;fill:#c62828}.c2{stroke:#2e7d32;fill:#2e7d32}"
    ".c3{stroke:#6a1b9a;fill:#6a1b9a}.c4{stroke:#ef6c00;fill:#ef6c00}.c5{stroke:#00838f;fill:#00838f}"
    ".c6{stroke:#5d4037;fill:#5d4037}.c7{stroke:#455a64;fill:#455a64}"
    "svg polyline.entries.c0,svg polyline.entries.c1,svg polyline.entries.c2,svg polyline.entries.c3,"
    "svg polyline.entries.c4,svg polyline.entries.c5,svg polyline.entries.c6,svg polyline.entries.c7{fill:none}"
    "svg text.legend{font-size:12px;font-weight:bold;stroke:none}"
    "g.step rect{fill:#1e88e5}g.step.fail rect{fill:#e53935}g.check.pass circle{fill:#43a047}"
    "g.check.fail circle{fill:#e53935}g.fault rect{fill:#fb8c00}g.stmt rect{fill:#90a4ae}"
    "g.actor rect{fill:#8e24aa}line.leader{stroke:#999;stroke-width:.7}"
    "line.ev{stroke:#546e7a;stroke-width:1.5}line.ev.k12{stroke:#e53935}line.ev.k8{stroke:#c62828}"
    "line.ev.k9{stroke:#2e7d32}line.ev.k16,line.ev.k18{stroke:#1e88e5}line.ev.k13,line.ev.k14{stroke:#000}";

int xs_rep_prepare(const char *dir) {
  char p[4096];
  snprintf(p, sizeof p, "%s", dir);
  for (char *s = p + 1; *s; s++) {
    if (*s != '/') continue;
    *s = 0;
    if (mkdir(p, 0777) && errno != EEXIST) break;
    *s = '/';
  }
  if (mkdir(p, 0777) && errno != EEXIST)
    return fprintf(stderr, "xsim run: --report '%s': %s\n", dir, strerror(errno)), -1;
  return 0;
}

static void base_name(const char *path, char *buf, size_t len) {
  const char *b = strrchr(path, '/');
  b = b ? b + 1 : path;
  size_t n = strlen(b);
  if (n > 5 && strcmp(b + n - 5, ".xsim") == 0) n -= 5;
  size_t k = 0;
  for (size_t i = 0; i < n && k + 1 < len; i++) {
    char c = b[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
              c == '.';
    buf[k++] = ok ? c : '_';
  }
  buf[k] = 0;
}

void xs_rep_page_name(const xs_run *r, int job, char *buf, size_t len) {
  const xs_run_job *j = &r->jobs[job];
  char b[256], o[256];
  base_name(r->files[j->file].path, b, sizeof b);
  bool clash = false;
  for (int f = 0; f < r->nfiles && !clash; f++) {
    if (f == j->file) continue;
    base_name(r->files[f].path, o, sizeof o);
    clash = strcmp(o, b) == 0;
  }
  if (clash) snprintf(buf, len, "%s-%d-seed%" PRIu64 ".html", b, j->file, j->res.seed);
  else snprintf(buf, len, "%s-seed%" PRIu64 ".html", b, j->res.seed);
}

static FILE *open_in(const char *dir, const char *name) {
  char p[4096];
  snprintf(p, sizeof p, "%s/%s", dir, name);
  FILE *f = fopen(p, "w");
  if (!f) fprintf(stderr, "xsim run: --report: cannot write '%s': %s\n", p, strerror(errno));
  return f;
}

static int close_checked(FILE *f, const char *dir, const char *name) {
  bool bad = ferror(f);
  if (!(fclose(f) || bad)) return 0;
  fprintf(stderr, "xsim run: --report: writing '%s/%s' failed\n", dir, name);
  return -1;
}

static bool exists_in(const char *dir, const char *name) {
  char p[4096];
  struct stat st;
  snprintf(p, sizeof p, "%s/%s", dir, name);
  return stat(p, &st) == 0;
}

static void head(FILE *f, const char *title) {
  fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>", f);
  xs_rep_escape(f, title);
  fprintf(f, "</title>\n<style>%s</style></head>\n<body>\n", CSS);
}

static const char *verdict_cls(const xs_scn_result *res) { return res->met ? "v-pass" : "v-fail"; }

static void row(FILE *f, const char *k, const char *v) {
  fprintf(f, "<tr><td>%s</td><td>", k);
  xs_rep_escape(f, v);
  fputs("</td></tr>\n", f);
}

static void header(FILE *f, const xs_run *r, const xs_run_job *j) {
  const xs_scn_result *res = &j->res;
  const xs_run_file *file = &r->files[j->file];
  char b[256], t[32];
  fputs("<h1>", f);
  xs_rep_escape(f, res->name);
  fprintf(f, " &mdash; seed %" PRIu64 "</h1>\n<table class=\"meta\">\n", res->seed);
  fprintf(f, "<tr><td>verdict</td><td id=\"verdict\" class=\"%s\">", verdict_cls(res));
  xs_rep_escape(f, xs_run_verdict(res));
  fputs("</td></tr>\n", f);
  row(f, "scenario file", file->path);
  row(f, "expected", res->expect);
  snprintf(b, sizeof b, "%" PRIu64, res->seed);
  row(f, "seed", b);
  xs__scn_time(res->virtual_ms, t, sizeof t);
  snprintf(b, sizeof b, "%s virtual, %.3fs wall", t, res->wall_s);
  row(f, "duration", b);
  snprintf(b, sizeof b, "%" PRIu64 " events (hash %016" PRIx64 "), %" PRIu64 " client operations", res->events,
           res->evhash, res->ops);
  row(f, "simulation", b);
  fputs("<tr><td>replay</td><td><code id=\"replay\">", f);
  snprintf(b, sizeof b, " run %s --seed %" PRIu64, file->path, res->seed);
  xs_rep_escape(f, r->prog);
  xs_rep_escape(f, b);
  fputs("</code></td></tr>\n", f);
  if (res->nfailures) {
    fprintf(f, "<tr><td>failures</td><td class=\"v-fail\">%d (first: ", res->failures_total);
    xs_rep_escape(f, res->failures[0].summary);
    fputs(")</td></tr>\n", f);
  }
  fputs("</table>\n", f);
}

static void description(FILE *f, const xs_run_file *file) {
  if (!file->scn || !file->scn->description) return;
  fputs("<h2>Scenario</h2>\n<p class=\"description\">", f);
  xs_rep_escape(f, file->scn->description);
  fputs("</p>\n", f);
}

static void failures(FILE *f, const xs_scn_result *res) {
  if (res->nfailures) {
    fprintf(f, "<h2>Failures (%d)</h2>\n", res->failures_total);
    for (int i = 0; i < res->nfailures; i++) {
      const xs_scn_failure *x = &res->failures[i];
      fputs("<div class=\"failure\"><b>", f);
      xs_rep_escape(f, x->check);
      fprintf(f, "</b> line %d: ", x->line);
      xs_rep_escape(f, x->summary);
      if (x->detail) {
        fputs("<pre>", f);
        xs_rep_escape(f, x->detail);
        fputs("</pre>", f);
      }
      fputs("</div>\n", f);
    }
  }
  if (res->nnotes) {
    fputs("<h2>Measurements</h2>\n<ul>\n", f);
    for (int i = 0; i < res->nnotes; i++) {
      fputs("<li>", f);
      xs_rep_escape(f, res->notes[i]);
      fputs("</li>\n", f);
    }
    fputs("</ul>\n", f);
  }
}

static void legend(FILE *f) {
  static const char *const items[][2] = {
      {"up", "link or site up"}, {"online", "x-site online"}, {"down", "down / offline"},
      {"oneway", "one-way link"},     {"idle", "push IDLE"},       {"sending", "push SENDING"},
      {"ok", "push OK"},              {"canceled", "push CANCELED"}, {"na", "unknown / n/a"},
      {"unavail", "client: unavailable"}, {"error", "client: error"}};
  fputs("<div class=\"legend-box\">", f);
  for (size_t i = 0; i < sizeof items / sizeof *items; i++)
    fprintf(f, "<span><svg class=\"sw\" width=\"12\" height=\"10\"><rect class=\"%s\" width=\"12\" height=\"10\"/>"
               "</svg>%s</span>", items[i][0], items[i][1]);
  fputs("</div>\n", f);
}

static void timeline_table(FILE *f, const xs_rep_data *d) {
  static const char *const kname[] = {"step", "check", "fault", "statement", "actor"};
  int nstep = 0, ncheck = 0, nother = 0;
  char t0[32], t1[32];
  fputs("<h2>Timeline</h2>\n<table class=\"tl\" id=\"timeline-table\">\n"
        "<tr><th>#</th><th>time</th><th>line</th><th>what</th><th>text</th><th>result</th></tr>\n", f);
  for (int i = 0; i < d->nmarks; i++) {
    const xs_rep_mark *m = &d->marks[i];
    int n = m->kind == XS_REP_STEP ? ++nstep : m->kind == XS_REP_CHECK ? ++ncheck : ++nother;
    xs__scn_time(m->t0, t0, sizeof t0);
    xs__scn_time(m->t1, t1, sizeof t1);
    fprintf(f, "<tr><td>%d</td><td>%s%s%s</td><td>", n, t0, m->t1 > m->t0 ? " - " : "", m->t1 > m->t0 ? t1 : "");
    if (m->line) fprintf(f, "%d", m->line);
    fprintf(f, "</td><td>%s</td><td><code>", kname[m->kind >= 0 && m->kind <= XS_REP_ACTOR ? m->kind : 3]);
    xs_rep_escape(f, m->text);
    fprintf(f, "</code></td><td class=\"%s\">%s</td></tr>\n", m->ok == 0 ? "v-fail" : "v-pass",
            m->ok == 1 ? "pass" : m->ok == 0 ? "FAILED" : "");
  }
  fputs("</table>\n", f);
  if (d->marks_dropped || d->events_dropped || d->ev_missed)
    fprintf(f, "<p>Limits reached: %d timeline entries and %d events not shown (XS_REP_MARKS_MAX, "
               "XS_REP_EVENTS_MAX); %" PRIu64 " event records were overwritten before they were read.</p>\n",
            d->marks_dropped, d->events_dropped, d->ev_missed);
}

int xs_rep_page_write(const xs_run *r, int job, const xs_rep_data *d) {
  char name[XS_REP_PAGE_NAME_MAX], title[XS_NAME_BYTES_MAX + 64];
  xs_rep_page_name(r, job, name, sizeof name);
  FILE *f = open_in(r->o.report, name);
  if (!f) return -1;
  const xs_run_job *j = &r->jobs[job];
  snprintf(title, sizeof title, "%s seed %" PRIu64 ": %s", j->res.name, j->res.seed, xs_run_verdict(&j->res));
  head(f, title);
  fputs("<p><a href=\"index.html\">&larr; all scenarios</a></p>\n", f);
  header(f, r, j);
  if (d && d->nsamples) {
    fprintf(f, "<h2>Timeline</h2>\n<p>Sampled every %" PRId64 " ms of simulated time (%d samples) and after "
               "statements ran; hover over a band or marker for details.</p>\n", (int64_t)d->interval, d->nsamples);
    legend(f);
    fputs("<div class=\"scroll\">\n", f);
    xs_rep_svg(f, d);
    fputs("</div>\n", f);
  } else {
    fputs("<p>No timeline: the scenario did not run.</p>\n", f);
  }
  failures(f, &j->res);
  description(f, &r->files[j->file]);
  if (d && d->nsamples) timeline_table(f, d);
  fputs("</body></html>\n", f);
  return close_checked(f, r->o.report, name);
}

int xs_rep_index_write(const xs_run *r) {
  FILE *f = open_in(r->o.report, "index.html");
  if (!f) return -1;
  int met = 0;
  for (int k = 0; k < r->njobs; k++) met += r->jobs[k].res.met;
  head(f, "xsim run report");
  fprintf(f, "<h1>xsim run</h1>\n<p id=\"summary\">%d of %d met their expectation.</p>\n"
             "<table class=\"tl\" id=\"index\">\n<tr><th>scenario</th><th>file</th><th>seed</th><th>verdict</th>"
             "<th>virtual</th><th>wall</th></tr>\n", met, r->njobs);
  for (int k = 0; k < r->njobs; k++) {
    const xs_run_job *j = &r->jobs[k];
    char name[XS_REP_PAGE_NAME_MAX], t[32];
    xs_rep_page_name(r, k, name, sizeof name);
    xs__scn_time(j->res.virtual_ms, t, sizeof t);
    bool page = exists_in(r->o.report, name); /* none when the worker died */
    fputs("<tr><td>", f);
    if (page) {
      fputs("<a href=\"", f);
      xs_rep_escape(f, name);
      fputs("\">", f);
    }
    xs_rep_escape(f, j->res.name);
    fputs(page ? "</a></td><td>" : "</td><td>", f);
    xs_rep_escape(f, r->files[j->file].path);
    fprintf(f, "</td><td>%" PRIu64 "</td><td class=\"%s\">", j->res.seed, verdict_cls(&j->res));
    xs_rep_escape(f, xs_run_verdict(&j->res));
    fprintf(f, "</td><td>%s</td><td>%.3fs</td></tr>\n", t, j->res.wall_s);
  }
  fputs("</table>\n</body></html>\n", f);
  return close_checked(f, r->o.report, "index.html");
}
