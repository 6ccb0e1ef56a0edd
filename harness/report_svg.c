/*
 * report_svg.c - draws the timeline of an `xsim run --report` page
 * (report_svg.h) from what report_data.c gathered: bands for states held
 * between samples, a line chart for entry counts, bars for client errors,
 * markers for steps, checks, statements and events.  Markers at one instant
 * fan out to the right with a leader to their true time.
 */
#include "report_svg.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "scenario_rt.h"

#define LEFT 240.0          /* row labels */
#define RIGHT 16.0
#define PLOT (XS_REP_SVG_WIDTH - LEFT - RIGHT)
#define ROW 16.0            /* one band row */
#define CHART 130.0         /* the entries chart */
#define BARS 80.0           /* the client-error bars */
#define LANE 14.0           /* a marker lane */
#define LANES 4
#define MARK_W 9.0          /* marker spacing when fanned out */
#define SITE_COLORS 8

void xs_rep_escape(FILE *f, const char *s) {
  for (; s && *s; s++) {
    unsigned char c = (unsigned char)*s;
    switch (c) {
    case '&': fputs("&amp;", f); break;
    case '<': fputs("&lt;", f); break;
    case '>': fputs("&gt;", f); break;
    case '"': fputs("&quot;", f); break;
    case '\'': fputs("&#39;", f); break;
    default:
      if (c < 0x20 && c != '\n' && c != '\t') fputc('?', f);
      else if (c == 0x7f) fputc('?', f);
      else fputc(c, f);
    }
  }
}

static xs_ms span(const xs_rep_data *d) { return d->end > 0 ? d->end : 1; }

static double X(const xs_rep_data *d, xs_ms t) { return LEFT + PLOT * (double)t / (double)span(d); }

static const char *tm(xs_ms t, char *buf, size_t n) {
  xs__scn_time(t, buf, n);
  return buf;
}

static void label(FILE *f, double y, const char *cls, const char *text) {
  fprintf(f, "<text class=\"%s\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">", cls, LEFT - 6, y);
  xs_rep_escape(f, text);
  fputs("</text>\n", f);
}

static void section(FILE *f, double y, const char *text) {
  fprintf(f, "<text class=\"section\" x=\"4\" y=\"%.1f\">", y);
  xs_rep_escape(f, text);
  fputs("</text>\n", f);
}

/* ------------------------------------------------------------------------ */
/* The axis                                                                   */

static xs_ms tick_step(xs_ms end) {
  static const xs_ms steps[] = {100, 200, 500, 1000, 2000, 5000, 10000, 15000, 30000, 60000, 120000, 300000,
                                600000, 900000, 1800000, 3600000, 7200000, 21600000, 43200000, 86400000};
  for (size_t i = 0; i < sizeof steps / sizeof *steps; i++)
    if (end / steps[i] <= 14) return steps[i];
  return 86400000 * ((end / 86400000) / 14 + 1);
}

/* A tick's label, short: "30s", "1m30s", "15m", "1h30m", "2.5s". */
static const char *tick_label(xs_ms t, char *buf, size_t n) {
  long long h = t / 3600000, m = t / 60000 % 60, sec = t / 1000 % 60;
  if (t % 1000) snprintf(buf, n, "%.1fs", (double)t / 1000.0);
  else if (t < 60000) snprintf(buf, n, "%llds", sec);
  else if (t % 60000) snprintf(buf, n, "%lldm%02llds", h * 60 + m, sec);
  else if (h && m) snprintf(buf, n, "%lldh%02lldm", h, m);
  else if (h) snprintf(buf, n, "%lldh", h);
  else snprintf(buf, n, "%lldm", m);
  return buf;
}

static void axis(FILE *f, const xs_rep_data *d, double top, double bottom) {
  xs_ms step = tick_step(span(d));
  char b[32];
  fprintf(f, "<g id=\"axis\" class=\"axis\">\n");
  for (xs_ms t = 0; t <= span(d); t += step) {
    double x = X(d, t);
    fprintf(f, "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>", x, top, x, bottom);
    fprintf(f, "<text class=\"tick\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>\n", x, top - 4,
            tick_label(t, b, sizeof b));
  }
  fprintf(f, "</g>\n");
}

/* ------------------------------------------------------------------------ */
/* Bands: a state held from one sample to the next change                     */

typedef int (*val_fn)(const xs_rep_data *d, int i, int arg);

typedef struct band {
  const char *cls;                /* the group's class: link, site, status, push */
  const char *const *vcls;        /* by value */
  const char *const *vname;       /* by value, for the title */
  int nvals;
  const char *what;               /* the row, for the title */
} band;

static void bands(FILE *f, const xs_rep_data *d, double y, double h, val_fn val, int arg, const band *b) {
  char t0s[32], t1s[32];
  for (int i = 0; i < d->nsamples;) {
    int v = val(d, i, arg), j = i + 1;
    while (j < d->nsamples && val(d, j, arg) == v) j++;
    xs_ms t0 = d->samples[i].t, t1 = j < d->nsamples ? d->samples[j].t : d->end;
    double x0 = X(d, t0), w = X(d, t1) - x0;
    int k = v >= 0 && v < b->nvals ? v : b->nvals - 1;
    fprintf(f, "<rect class=\"%s %s\" x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%.1f\"><title>", b->cls,
            b->vcls[k], x0, y, w < 1.5 ? 1.5 : w, h);
    xs_rep_escape(f, b->what);
    fprintf(f, ": %s from %s to %s</title></rect>\n", b->vname[k], tm(t0, t0s, sizeof t0s), tm(t1, t1s, sizeof t1s));
    i = j;
  }
}

static int link_val(const xs_rep_data *d, int i, int pair) {
  int a = pair / XS_SITES_MAX, b = pair % XS_SITES_MAX;
  uint64_t l = d->samples[i].links;
  return (int)((l >> (a * XS_SITES_MAX + b)) & 1) | (int)(((l >> (b * XS_SITES_MAX + a)) & 1) << 1);
}

static int site_val(const xs_rep_data *d, int i, int s) { return (int)((d->samples[i].up >> s) & 1); }

static int status_val(const xs_rep_data *d, int i, int row) {
  return d->status[(size_t)i * XS_REP_ROWS_MAX + (size_t)row] & 3;
}

static int push_val(const xs_rep_data *d, int i, int row) {
  return d->status[(size_t)i * XS_REP_ROWS_MAX + (size_t)row] >> 2;
}

static double links(FILE *f, const xs_rep_data *d, double y) {
  static const char *const lcls[] = {"down", "oneway", "oneway", "up"};
  static const char *const scls[] = {"down", "up"}, *const sname[] = {"down (crashed)", "up"};
  section(f, y + 12, "Links and sites");
  y += 18;
  fprintf(f, "<g id=\"links\">\n");
  for (int a = 0; a < d->nsites; a++)
    for (int b = a + 1; b < d->nsites; b++) {
      char what[2 * XS_NAME_BYTES_MAX + 16], ab[2 * XS_NAME_BYTES_MAX + 40], ba[sizeof ab];
      snprintf(what, sizeof what, "link %s - %s", d->site[a], d->site[b]);
      snprintf(ab, sizeof ab, "one-way: only %s -> %s up", d->site[a], d->site[b]);
      snprintf(ba, sizeof ba, "one-way: only %s -> %s up", d->site[b], d->site[a]);
      const char *const names[] = {"down both ways", ab, ba, "up both ways"};
      band bd = {"link", lcls, names, 4, what};
      label(f, y + 11, "rowlabel", what);
      bands(f, d, y, ROW - 4, link_val, a * XS_SITES_MAX + b, &bd);
      y += ROW;
    }
  fprintf(f, "</g>\n<g id=\"sites\">\n");
  for (int s = 0; s < d->nsites; s++) {
    char what[XS_NAME_BYTES_MAX + 32];
    snprintf(what, sizeof what, "%s Data Grid", d->site[s]);
    band bd = {"site", scls, sname, 2, what};
    label(f, y + 11, "rowlabel", what);
    bands(f, d, y, ROW - 4, site_val, s, &bd);
    y += ROW;
  }
  fprintf(f, "</g>\n");
  return y;
}

static double statuses(FILE *f, const xs_rep_data *d, double y) {
  static const char *const ocls[] = {"online", "offline", "unknown", "unknown"};
  static const char *const oname[] = {"online", "offline", "unknown", "unknown"};
  static const char *const pcls[] = {"idle", "sending", "ok", "error", "canceled", "na", "na", "na"};
  static const char *const pname[] = {"push IDLE", "push SENDING", "push OK", "push ERROR", "push CANCELED",
                                      "push n/a", "push n/a", "push n/a"};
  section(f, y + 12, "X-site status per cache (upper band) and push-state status (lower band)");
  y += 18;
  fprintf(f, "<g id=\"status\">\n");
  for (int r = 0; r < d->nrows; r++) {
    const xs_rep_row *w = &d->rows[r];
    char what[3 * XS_NAME_BYTES_MAX + 16];
    snprintf(what, sizeof what, "%s %s -> %s", d->site[w->site], d->cache[w->cache], d->site[w->remote]);
    band ob = {"status", ocls, oname, 4, what}, pb = {"push", pcls, pname, 8, what};
    label(f, y + 10, "rowlabel small", what);
    bands(f, d, y, 8, status_val, r, &ob);
    bands(f, d, y + 9, 5, push_val, r, &pb);
    y += ROW;
  }
  fprintf(f, "</g>\n");
  return y;
}

/* ------------------------------------------------------------------------ */
/* Entries and client errors                                                  */

static double entries(FILE *f, const xs_rep_data *d, double y) {
  int64_t max = 1;
  for (int i = 0; i < d->nsamples; i++)
    for (int s = 0; s < d->nsites; s++)
      if (d->samples[i].entries[s] > max) max = d->samples[i].entries[s];
  section(f, y + 12, "Entries per site (every cache)");
  y += 18;
  double bot = y + CHART;
  fprintf(f, "<g id=\"entries\">\n<rect class=\"chartbg\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"/>\n",
          LEFT, y, PLOT, CHART);
  fprintf(f, "<text class=\"tick\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%" PRId64 "</text>\n", LEFT - 4, y + 9,
          max);
  fprintf(f, "<text class=\"tick\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">0</text>\n", LEFT - 4, bot);
  for (int s = 0; s < d->nsites; s++) {
    fprintf(f, "<polyline class=\"entries c%d\" points=\"", s % SITE_COLORS);
    for (int i = 0; i < d->nsamples; i++)
      fprintf(f, "%.1f,%.1f ", X(d, d->samples[i].t), bot - CHART * (double)d->samples[i].entries[s] / (double)max);
    fprintf(f, "\"><title>entries on ");
    xs_rep_escape(f, d->site[s]);
    fprintf(f, " (at the end: %" PRId64 ")</title></polyline>\n",
            d->nsamples ? d->samples[d->nsamples - 1].entries[s] : 0);
    fprintf(f, "<text class=\"legend c%d\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">", s % SITE_COLORS, LEFT - 40,
            y + 26 + 14 * s);
    xs_rep_escape(f, d->site[s]);
    fputs("</text>\n", f);
  }
  fprintf(f, "</g>\n");
  return bot + 6;
}

static double errors(FILE *f, const xs_rep_data *d, double y) {
  uint32_t max = 1;
  for (int b = 0; b < XS_REP_ERR_BINS; b++)
    if (d->err_bin[b] + d->unavail_bin[b] > max) max = d->err_bin[b] + d->unavail_bin[b];
  char title[160], t0s[32], t1s[32];
  snprintf(title, sizeof title, "Client errors: %" PRIu64 " errors, %" PRIu64 " unavailable of %" PRIu64 " operations",
           d->errors, d->unavailable, d->ops);
  section(f, y + 12, title);
  y += 18;
  double bot = y + BARS, bw = PLOT / XS_REP_ERR_BINS;
  fprintf(f, "<g id=\"errors\">\n<rect class=\"chartbg\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"/>\n",
          LEFT, y, PLOT, BARS);
  fprintf(f, "<text class=\"tick\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%" PRIu32 "</text>\n", LEFT - 4, y + 9,
          max);
  label(f, bot, "rowlabel small", "failed operations per bin");
  for (int b = 0; b < XS_REP_ERR_BINS; b++) {
    uint32_t e = d->err_bin[b], u = d->unavail_bin[b];
    if (!e && !u) continue;
    xs_ms t0 = (xs_ms)((double)b * (double)(span(d) + 1) / XS_REP_ERR_BINS);
    xs_ms t1 = (xs_ms)((double)(b + 1) * (double)(span(d) + 1) / XS_REP_ERR_BINS);
    double he = BARS * e / max, hu = BARS * u / max, x = LEFT + b * bw;
    fprintf(f, "<g class=\"errbin\"><title>%s - %s: %" PRIu32 " errors, %" PRIu32 " unavailable, %" PRIu32
               " operations</title>", tm(t0, t0s, sizeof t0s), tm(t1, t1s, sizeof t1s), e, u, d->ops_bin[b]);
    if (e) fprintf(f, "<rect class=\"error\" x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\"/>", x, bot - he, bw, he);
    if (u)
      fprintf(f, "<rect class=\"unavail\" x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\"/>", x, bot - he - hu, bw,
              hu);
    fputs("</g>\n", f);
  }
  fprintf(f, "</g>\n");
  return bot + 6;
}

/* ------------------------------------------------------------------------ */
/* Markers                                                                    */

/* Where a marker at true x goes: the first lane free there, else fanned out
 * from the lane that ends first - to the right in the left half of the plot
 * (dir 1, marks taken in time order), to the left in the right half (dir -1,
 * marks taken backwards), so a burst of steps stays inside the plot. */
static void place(double lane_end[LANES], int dir, double tx, double *mx, int *lane) {
  for (int l = 0; l < LANES; l++)
    if (dir * (tx - lane_end[l]) >= MARK_W) {
      *mx = tx, *lane = l, lane_end[l] = tx;
      return;
    }
  int best = 0;
  for (int l = 1; l < LANES; l++)
    if (dir * (lane_end[l] - lane_end[best]) < 0) best = l;
  *mx = lane_end[best] + dir * MARK_W;
  if (*mx > LEFT + PLOT) *mx = LEFT + PLOT;
  if (*mx < LEFT) *mx = LEFT;
  *lane = best;
  lane_end[best] = *mx;
}

static bool shown(const xs_rep_mark *m, int kind) {
  return m->kind == kind || (kind == XS_REP_OTHER && m->kind >= XS_REP_FAULT); /* faults, statements, actors */
}

/* Marker positions (x, lane) for the marks of `kind`, indexed like d->marks. */
static void layout(const xs_rep_data *d, int kind, double *mx, int *lane) {
  double end[LANES];
  for (int l = 0; l < LANES; l++) end[l] = -1e9;
  for (int i = 0; i < d->nmarks; i++)
    if (shown(&d->marks[i], kind) && X(d, d->marks[i].t0) <= LEFT + PLOT / 2)
      place(end, 1, X(d, d->marks[i].t0), &mx[i], &lane[i]);
  for (int l = 0; l < LANES; l++) end[l] = 1e9;
  for (int i = d->nmarks - 1; i >= 0; i--)
    if (shown(&d->marks[i], kind) && X(d, d->marks[i].t0) > LEFT + PLOT / 2)
      place(end, -1, X(d, d->marks[i].t0), &mx[i], &lane[i]);
}

static const char *kind_cls(int k) {
  static const char *const c[] = {"step", "check", "fault", "stmt", "actor"};
  return k >= 0 && k <= XS_REP_ACTOR ? c[k] : "stmt";
}

static double markers(FILE *f, const xs_rep_data *d, double y, int kind, const char *id, const char *title) {
  double *pos = calloc((size_t)d->nmarks + 1, sizeof *pos);
  int *lanes = calloc((size_t)d->nmarks + 1, sizeof *lanes);
  if (!pos || !lanes) {
    free(pos);
    free(lanes);
    return y + 18 + LANES * LANE + 4;
  }
  layout(d, kind, pos, lanes);
  section(f, y + 12, title);
  y += 18;
  fprintf(f, "<g id=\"%s\">\n", id);
  char t0s[32], t1s[32];
  for (int i = 0, n = 0; i < d->nmarks; i++) {
    const xs_rep_mark *m = &d->marks[i];
    if (!shown(m, kind)) continue;
    n++;
    double tx = X(d, m->t0), mx = pos[i], cy = y + 6 + lanes[i] * LANE;
    const char *ok = m->ok == 1 ? " pass" : m->ok == 0 ? " fail" : "";
    fprintf(f, "<g class=\"%s%s\" id=\"%s-%d\"><title>#%d at %s", kind_cls(m->kind), ok, id, n, n,
            tm(m->t0, t0s, sizeof t0s));
    if (m->t1 > m->t0) fprintf(f, " - %s", tm(m->t1, t1s, sizeof t1s));
    if (m->line) fprintf(f, ", line %d", m->line);
    fputs(": ", f);
    xs_rep_escape(f, m->text);
    fprintf(f, "%s</title>", m->ok == 1 ? " (passed)" : m->ok == 0 ? " (FAILED)" : "");
    if (mx != tx)
      fprintf(f, "<line class=\"leader\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>", tx, y, mx, cy);
    if (kind == XS_REP_CHECK) fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"5\"/>", mx, cy);
    else fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"7\" height=\"11\"/>", mx - 3.5, cy - 5.5);
    fputs("</g>\n", f);
  }
  fprintf(f, "</g>\n");
  free(pos);
  free(lanes);
  return y + LANES * LANE + 4;
}

static double events(FILE *f, const xs_rep_data *d, double y) {
  char t0s[32], title[96];
  snprintf(title, sizeof title, "Event log: links, x-site status, views, crashes, state transfer (%d)", d->nevents);
  section(f, y + 12, title);
  y += 18;
  fprintf(f, "<g id=\"events\">\n");
  for (int i = 0; i < d->nevents; i++) {
    const xs_rep_event *e = &d->events[i];
    double x = X(d, e->t);
    fprintf(f, "<line class=\"ev k%d\" x1=\"%.2f\" y1=\"%.1f\" x2=\"%.2f\" y2=\"%.1f\"><title>%s ", e->kind, x, y, x,
            y + 14, tm(e->t, t0s, sizeof t0s));
    xs_rep_escape(f, e->text);
    fputs("</title></line>\n", f);
  }
  fprintf(f, "</g>\n");
  return y + 20;
}

void xs_rep_svg(FILE *f, const xs_rep_data *d) {
  int pairs = d->nsites * (d->nsites - 1) / 2;
  double h = 30 + 18 + ROW * (pairs + d->nsites) + 18 + ROW * d->nrows + 18 + CHART + 6 + 18 + BARS + 6 +
             2 * (18 + LANES * LANE + 4) + (18 + LANES * LANE + 4) + 18 + 20 + 10;
  fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"timeline\" width=\"%d\" height=\"%.0f\" "
             "viewBox=\"0 0 %d %.0f\" role=\"img\" aria-label=\"timeline\">\n",
          XS_REP_SVG_WIDTH, h, XS_REP_SVG_WIDTH, h);
  axis(f, d, 26, h - 6);
  double y = 30;
  y = links(f, d, y);
  y = statuses(f, d, y);
  y = entries(f, d, y);
  y = errors(f, d, y);
  y = markers(f, d, y, XS_REP_STEP, "steps", "Procedure steps (CLI command lines; hover for each)");
  y = markers(f, d, y, XS_REP_CHECK, "checks", "Checks (green passed, red failed)");
  y = markers(f, d, y, XS_REP_OTHER, "stmts", "Faults, other statements, actors (load balancer, fencing)");
  events(f, d, y);
  fputs("</svg>\n", f);
}
