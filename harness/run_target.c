/*
 * run_target.c - `xsim run --target URL,URL` (run_target.h): parses the
 * options and the scenario files, opens one libcurl client per site, walks
 * each scenario's timeline in wall time - procedure steps through the CLI
 * command layer, waits that really wait, faults as configured shell
 * commands, conditions over REST (target_check.c) - and reports every
 * statement as passed, failed or skipped, then a table marked `target`.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include "run_target.h"
#include "scenario_run.h"

#define FAULT_OUTPUT_MAX 400 /* a fault command's output quoted in a failure */

typedef struct tgt_opts {
  int npaths;
  const char *paths[XS_RUN_TARGET_FILES_MAX];
  const char *urls;
} tgt_opts;

/* ------------------------------------------------------------------------ */
/* Options                                                                    */

static int usage(FILE *f) {
  fprintf(f, "usage: xsim run SCENARIO... --target URL,URL [--target-user U] [--target-password P]\n"
             "                [--target-fault NAME=COMMAND]... [--target-max-wait D] [--trustall] [-v]\n\n"
             "  --target URL,URL     one URL per site, in the topology's site order (xsim serve or Data Grid)\n"
             "  --target-user U      default developer\n"
             "  --target-password P  default strong-password\n"
             "  --target-fault NAME=COMMAND  the shell command a fault runs (partition, heal, flap, latency,\n"
             "                       loss, crash, restart, fence); {a} {b} {site} {url} are replaced; a fault\n"
             "                       with no command is reported skipped\n"
             "  --target-max-wait D  shorten every wait, poll interval and bound longer than D (e.g. 30s)\n"
             "  --trustall           TLS without certificate checks\n"
             "  -v                   print each statement as it runs\n");
  return 2;
}

bool xs_run_target_wanted(int argc, char **argv) {
  for (int i = 1; i < argc; i++)
    if (strcmp(argv[i], "--target") == 0 || strncmp(argv[i], "--target=", 9) == 0) return true;
  return false;
}

static const char *value(int argc, char **argv, int *i) {
  const char *eq = strchr(argv[*i], '=');
  if (eq) return eq + 1;
  if (*i + 1 >= argc) return fprintf(stderr, "xsim run: %s needs a value\n", argv[*i]), NULL;
  return argv[++*i];
}

static bool opt_is(const char *a, const char *name) {
  size_t n = strlen(name);
  return strncmp(a, name, n) == 0 && (a[n] == 0 || a[n] == '=');
}

static int add_fault(xs_tgt *t, const char *v) {
  const char *eq = strchr(v, '=');
  if (!eq || eq == v || (size_t)(eq - v) >= sizeof t->faults[0].name || t->nfaults == XS_TGT_FAULTS_MAX)
    return fprintf(stderr, "xsim run: --target-fault '%s' is not NAME=COMMAND (at most %d)\n", v, XS_TGT_FAULTS_MAX),
           XS_EINVAL;
  xs_tgt_fault *f = &t->faults[t->nfaults++];
  snprintf(f->name, sizeof f->name, "%.*s", (int)(eq - v), v);
  f->command = eq + 1;
  return 0;
}

/* One option with a value: 1 taken, 0 not one, negative on a bad value. */
static int value_opt(xs_tgt *t, tgt_opts *o, int argc, char **argv, int *i) {
  const char *a = argv[*i], *v;
  if (!opt_is(a, "--target") && !opt_is(a, "--target-user") && !opt_is(a, "--target-password") &&
      !opt_is(a, "--target-fault") && !opt_is(a, "--target-max-wait"))
    return 0;
  if (!(v = value(argc, argv, i))) return XS_EINVAL;
  if (opt_is(a, "--target")) o->urls = v;
  else if (opt_is(a, "--target-user")) t->user = v;
  else if (opt_is(a, "--target-password")) t->password = v;
  else if (opt_is(a, "--target-fault")) return add_fault(t, v) ? XS_EINVAL : 1;
  else if (xs_scn_parse_duration(v, &t->max_wait_ms) || t->max_wait_ms <= 0)
    return fprintf(stderr, "xsim run: --target-max-wait '%s' is not a duration (30s, 2m)\n", v), XS_EINVAL;
  return 1;
}

static int parse_opts(xs_tgt *t, tgt_opts *o, int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    int r = value_opt(t, o, argc, argv, &i);
    if (r < 0) return r;
    if (r > 0) continue;
    if (strcmp(a, "--trustall") == 0) t->trustall = true;
    else if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) t->verbose = true;
    else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) return usage(stdout), 1;
    else if (a[0] == '-')
      return fprintf(stderr, "xsim run: '%s' is not an option of target mode\n", a), usage(stderr), XS_EINVAL;
    else if (o->npaths < XS_RUN_TARGET_FILES_MAX) o->paths[o->npaths++] = a;
  }
  if (!o->npaths) return fprintf(stderr, "xsim run: --target needs scenario files\n"), XS_EINVAL;
  return 0;
}

/* ------------------------------------------------------------------------ */
/* Items                                                                      */

static void item(xs_tgt *t, const xs_scn_stmt *st, xs_tgt_verdict v, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void item(xs_tgt *t, const xs_scn_stmt *st, xs_tgt_verdict v, const char *fmt, ...) {
  static const char *const word[] = {"PASS", "FAIL", "SKIP"};
  xs_tgt_item it = {.line = st->line, .verdict = v};
  snprintf(it.what, sizeof it.what, "%s", st->src ? st->src : xs_scn_kind_name(st->kind));
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(it.why, sizeof it.why, fmt, ap);
  va_end(ap);
  for (char *p = it.why; *p; p++) /* one line */
    if (*p == '\n' || *p == '\r') *p = ' ';
  for (size_t n = strlen(it.why); n && it.why[n - 1] == ' ';) it.why[--n] = 0;
  if (v == XS_TGT_PASS) t->passed++;
  else if (v == XS_TGT_FAIL) t->failed++;
  else t->skipped++;
  if (t->verbose || v == XS_TGT_FAIL)
    printf("  %4d  %s  %s%s%s\n", it.line, word[v], it.what, it.why[0] ? " - " : "", it.why);
  if (t->nitems < XS_TGT_ITEMS_MAX) t->items[t->nitems++] = it;
}

/* ------------------------------------------------------------------------ */
/* Time                                                                       */

static xs_ms now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (xs_ms)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static xs_ms capped(const xs_tgt *t, xs_ms d) { return t->max_wait_ms > 0 && d > t->max_wait_ms ? t->max_wait_ms : d; }

static void sleep_ms(xs_ms d) {
  struct timespec ts = {(time_t)(d / 1000), (long)(d % 1000) * 1000000L};
  while (d > 0 && nanosleep(&ts, &ts) && errno == EINTR) {
  }
}

/* ------------------------------------------------------------------------ */
/* Steps                                                                      */

/* The CLI session on site s, connected; NULL with the reason in out. */
static xs_cli_ctx *session(xs_tgt *t, int s, xs_buf *out) {
  if (!t->cli_open[s]) {
    xs_cli_ctx_init(&t->cli[s], xs_cli_curl_transport(t->http[s]));
    t->cli_open[s] = true;
  }
  if (t->cli[s].connected) return &t->cli[s];
  return xs_cli_connect(&t->cli[s], out) == XS_CLI_OK ? &t->cli[s] : NULL;
}

static bool judged(const xs_scn_step *s, int rc, const char *got) {
  switch (s->mode) {
  case XS_OUT_ANY: return rc == XS_CLI_OK || rc == XS_CLI_QUIT;
  case XS_OUT_NOTHING: return rc == XS_CLI_OK && got[0] == 0;
  case XS_OUT_FAILS: return rc == XS_CLI_FAILED && (!s->text || xs_scn_output_matches(XS_OUT_LIKE, s->text, got));
  default: return rc == XS_CLI_OK && xs_scn_output_matches(s->mode, s->text, got);
  }
}

static void step(xs_tgt *t, const xs_scn_stmt *st, xs_buf *out) {
  const xs_scn_step *s = &st->step;
  int site = xs_tgt_site(t, s->site.name);
  if (site < 0) return item(t, st, XS_TGT_FAIL, "unknown site '%s'", s->site.name);
  if (t->pace_ms > 0) sleep_ms(capped(t, t->pace_ms));
  xs_buf_reset(out);
  xs_cli_ctx *ctx = session(t, site, out);
  t->steps_run++;
  if (!ctx) return item(t, st, XS_TGT_FAIL, "could not connect to %s: %.300s", t->url[site], xs_buf_cstr(out));
  xs_ms start = now_ms(), at_most = capped(t, s->at_most_ms), every = capped(t, s->every_ms);
  for (int tries = 1;; tries++) {
    xs_buf_reset(out);
    int rc = xs_cli_exec(ctx, s->command, out);
    const char *got = xs_buf_cstr(out);
    if (judged(s, rc, got))
      return item(t, st, XS_TGT_PASS, "over HTTP to %s (%d %s)", t->url[site], tries, tries == 1 ? "try" : "tries");
    if (s->mode != XS_OUT_REPEAT || rc < 0 || now_ms() + every > start + at_most)
      return item(t, st, XS_TGT_FAIL, "%s %.300s%s%.200s", rc == XS_CLI_FAILED ? "failed:" : "printed", got,
                  s->text ? " expected " : "", s->text ? s->text : "");
    sleep_ms(every);
  }
}

/* ------------------------------------------------------------------------ */
/* Faults                                                                     */

static const char *fault_name(xs_scn_kind k) {
  switch (k) {
  case XS_STMT_PARTITION: return "partition";
  case XS_STMT_HEAL: return "heal";
  case XS_STMT_FLAP: return "flap";
  case XS_STMT_LATENCY: return "latency";
  case XS_STMT_LOSS: return "loss";
  case XS_STMT_CRASH: return "crash";
  case XS_STMT_RESTART: return "restart";
  case XS_STMT_FENCE: return "fence";
  default: return NULL;
  }
}

/* The command with {a} {b} {site} {url} replaced; XS_ELIMIT when too long. */
static int expand(const xs_tgt *t, const xs_scn_stmt *st, const char *cmd, char *out, size_t len) {
  int sa = xs_tgt_site(t, st->a.name);
  size_t o = 0;
  for (const char *p = cmd; *p;) {
    const char *rep = NULL;
    size_t skip = 0;
    if (strncmp(p, "{a}", 3) == 0) rep = st->a.name, skip = 3;
    else if (strncmp(p, "{b}", 3) == 0) rep = st->b.name, skip = 3;
    else if (strncmp(p, "{site}", 6) == 0) rep = st->a.name, skip = 6;
    else if (strncmp(p, "{url}", 5) == 0) rep = sa >= 0 ? t->url[sa] : "", skip = 5;
    size_t n = rep ? strlen(rep) : 1;
    if (o + n + 1 > len) return XS_ELIMIT;
    memcpy(out + o, rep ? rep : p, n);
    o += n;
    p += rep ? skip : 1;
  }
  out[o] = 0;
  return 0;
}

static void fault(xs_tgt *t, const xs_scn_stmt *st) {
  const char *name = fault_name(st->kind), *cmd = NULL;
  for (int i = 0; i < t->nfaults; i++)
    if (strcmp(t->faults[i].name, name) == 0) cmd = t->faults[i].command;
  if (!cmd) return item(t, st, XS_TGT_SKIP, "no --target-fault %s=COMMAND", name);
  char line[XS_TGT_FAULT_CMD_MAX], got[FAULT_OUTPUT_MAX + 1] = "";
  if (expand(t, st, cmd, line, sizeof line)) return item(t, st, XS_TGT_FAIL, "the command is too long");
  t->faults_run++;
  fflush(NULL);
  FILE *p = popen(line, "r");
  if (!p) return item(t, st, XS_TGT_FAIL, "cannot run '%s': %s", line, strerror(errno));
  size_t n = fread(got, 1, FAULT_OUTPUT_MAX, p);
  got[n] = 0;
  char sink[1024];
  while (fread(sink, 1, sizeof sink, p) > 0) {
  }
  int status = pclose(p);
  if (status == 0) return item(t, st, XS_TGT_PASS, "ran: %s", line);
  item(t, st, XS_TGT_FAIL, "'%s' exited %d: %s", line, WIFEXITED(status) ? WEXITSTATUS(status) : -1, got);
}

/* ------------------------------------------------------------------------ */
/* Conditions and checks                                                      */

/* Polls c until it holds (for_ms 0) or fails (for_ms > 0: it must hold
 * throughout); 1 held, 0 not, negative as xs_tgt_cond. */
static int poll_cond(xs_tgt *t, const xs_scn_cond *c, xs_ms bound, bool throughout, char *why, size_t len) {
  xs_ms end = now_ms() + bound;
  for (;;) {
    int rc = xs_tgt_cond(t, c, why, len);
    if (rc == XS_EINVAL || rc < 0) return rc;
    if (!throughout && rc == 1) return 1;
    if (throughout && rc == 0) return 0;
    if (now_ms() + XS_TGT_POLL_MS > end) return rc;
    sleep_ms(XS_TGT_POLL_MS);
  }
}

static void check(xs_tgt *t, const xs_scn_stmt *st) {
  const xs_scn_check *c = &st->check;
  if (c->kind != XS_CHECK_COND)
    return item(t, st, XS_TGT_SKIP, "%s needs the simulator's recorded history", xs_scn_check_name(c));
  char why[XS_TGT_ITEM_TEXT_MAX];
  xs_ms bound = c->when == XS_WHEN_NOW ? 0 : capped(t, c->d);
  int rc = poll_cond(t, &c->cond, bound, c->when == XS_WHEN_FOR, why, sizeof why);
  if (rc == XS_EINVAL) return item(t, st, XS_TGT_SKIP, "%s", why);
  t->checks_run++;
  item(t, st, rc == 1 ? XS_TGT_PASS : XS_TGT_FAIL, "%s", why);
}

static void wait_until(xs_tgt *t, const xs_scn_stmt *st) {
  char why[XS_TGT_ITEM_TEXT_MAX];
  int rc = poll_cond(t, &st->cond, capped(t, st->d2 > 0 ? st->d2 : XS_TGT_WAIT_UNTIL_DEFAULT_MS), false, why,
                     sizeof why);
  if (rc == XS_EINVAL) return item(t, st, XS_TGT_SKIP, "%s", why);
  t->checks_run++;
  item(t, st, rc == 1 ? XS_TGT_PASS : XS_TGT_FAIL, "%s", rc == 1 ? "" : why);
}

/* ------------------------------------------------------------------------ */
/* The timeline                                                               */

static void statement(xs_tgt *t, const xs_scn_stmt *st, xs_buf *out) {
  switch (st->kind) {
  case XS_STMT_WAIT: {
    xs_ms d = capped(t, st->d);
    sleep_ms(d);
    return item(t, st, XS_TGT_PASS, "waited %.3f s", (double)d / 1000.0);
  }
  case XS_STMT_WAIT_UNTIL: return wait_until(t, st);
  case XS_STMT_MARK: return item(t, st, XS_TGT_PASS, "%s", "");
  case XS_STMT_PACE: t->pace_ms = st->d; return item(t, st, XS_TGT_PASS, "%s", "");
  case XS_STMT_STEP: return step(t, st, out);
  case XS_STMT_CHECK: return check(t, st);
  case XS_STMT_AT: case XS_STMT_AFTER: case XS_STMT_WHEN:
    return item(t, st, XS_TGT_SKIP, "a timed block (%d statements) needs the simulator's timeline", st->nbody);
  case XS_STMT_KEYCLOAK: return item(t, st, XS_TGT_SKIP, "Keycloak is an actor of the simulator");
  default:
    if (fault_name(st->kind)) return fault(t, st);
    return item(t, st, XS_TGT_SKIP, "an actor of the simulator (workload, load balancer or fencing)");
  }
}

/* ------------------------------------------------------------------------ */
/* One scenario                                                               */

static xs_scenario *load(const char *path) {
  FILE *fp = fopen(path, "rb");
  char *buf = malloc(XS_SCN_FILE_BYTES_MAX + 2);
  size_t n = fp && buf ? fread(buf, 1, XS_SCN_FILE_BYTES_MAX + 1, fp) : 0;
  xs_scenario *s = NULL;
  xs_scn_error err;
  if (!fp || !buf) {
    fprintf(stderr, "%s: cannot read: %s\n", path, strerror(errno));
  } else if (xs_scn_parse(buf, n, &s, &err)) {
    xs_buf msg;
    xs_buf_init(&msg, 1 << 16);
    xs_scn_error_format(path, &err, &msg);
    fputs(xs_buf_cstr(&msg), stderr);
    xs_buf_free(&msg);
    s = NULL;
  }
  free(buf);
  if (fp) fclose(fp);
  return s;
}

/* The topology's sites and caches; 0 or a negative XS_E*. */
static int topology(xs_tgt *t, const xs_scenario *s, const char *path) {
  char err[XS_SCN_ERR_BYTES_MAX] = "", file[4096];
  int rc;
  if (s->topology_file) {
    const char *slash = strrchr(path, '/');
    if (s->topology.name[0] == '/' || !slash) snprintf(file, sizeof file, "%s", s->topology.name);
    else snprintf(file, sizeof file, "%.*s/%s", (int)(slash - path), path, s->topology.name);
    rc = xs_topology_load(file, &t->topo, err, sizeof err);
  } else {
    rc = xs_topology_preset(s->topology.name[0] ? s->topology.name : "keycloak-ha", &t->topo);
    if (rc) snprintf(err, sizeof err, "unknown preset '%s'", s->topology.name);
  }
  if (rc) fprintf(stderr, "%s: topology: %s\n", path, err);
  return rc;
}

/* One client per site, the URLs in site order; 0 or a negative XS_E*. */
static int open_sites(xs_tgt *t, const char *urls, char *copy, const char *path) {
  snprintf(copy, XS_CLI_CURL_URL_MAX * XS_SITES_MAX, "%s", urls);
  int n = 0;
  for (char *save = NULL, *u = strtok_r(copy, ",", &save); u; u = strtok_r(NULL, ",", &save))
    if (n < XS_SITES_MAX) t->url[n++] = u;
  if (n != t->topo.nsites)
    return fprintf(stderr, "xsim run: %s: --target gives %d URLs, the topology has %d sites\n", path, n,
                   (int)t->topo.nsites), XS_EINVAL;
  t->nsites = n;
  xs_cli_curl_opts o = {.user = t->user, .password = t->password, .trustall = t->trustall};
  for (int i = 0; i < n; i++) {
    char err[XS_MSG_BYTES_MAX];
    if (!(t->http[i] = xs_cli_curl_new(t->url[i], &o, err, sizeof err)))
      return fprintf(stderr, "xsim run: --target %s: %s\n", t->url[i], err), XS_EINVAL;
  }
  return 0;
}

static void close_sites(xs_tgt *t) {
  for (int i = 0; i < XS_SITES_MAX; i++) {
    if (t->cli_open[i]) xs_cli_ctx_free(&t->cli[i]);
    xs_cli_curl_free(t->http[i]);
    t->cli_open[i] = false;
    t->http[i] = NULL;
  }
}

static void table(const xs_tgt *t, const char *name, const char *path, double wall_s) {
  static const char *const word[] = {"PASS", "FAIL", "SKIP"};
  printf("\n%-32s %-7s %-8s %6s %6s %6s %7s %7s %8s %9s\n", "scenario", "mode", "verdict", "steps", "checks",
         "faults", "passed", "failed", "skipped", "wall");
  printf("%-32s %-7s %-8s %6d %6d %6d %7d %7d %8d %8.2fs\n", name, "target", t->failed ? "FAIL" : "pass", t->steps_run,
         t->checks_run, t->faults_run, t->passed, t->failed, t->skipped, wall_s);
  for (int v = XS_TGT_FAIL; v <= XS_TGT_SKIP; v++) {
    int n = 0;
    for (int i = 0; i < t->nitems; i++) n += (int)t->items[i].verdict == v;
    if (!n) continue;
    printf("%s (%d):\n", v == XS_TGT_FAIL ? "failed" : "skipped (need the simulator or a fault command)", n);
    for (int i = 0; i < t->nitems; i++)
      if ((int)t->items[i].verdict == v)
        printf("  %s %s:%d  %s - %s\n", word[v], path, t->items[i].line, t->items[i].what, t->items[i].why);
  }
}

/* Plays one scenario file; 0 passed, 1 failed, 2 could not run. */
static int run_one(xs_tgt *t, const char *path, const char *urls) {
  xs_scenario *s = load(path);
  if (!s) return 2;
  char *copy = malloc((size_t)XS_CLI_CURL_URL_MAX * XS_SITES_MAX);
  int rc = copy ? topology(t, s, path) : XS_ENOMEM;
  if (!rc) rc = open_sites(t, urls, copy, path);
  if (rc) {
    close_sites(t);
    free(copy);
    xs_scn_free(s);
    return 2;
  }
  const char *name = s->name[0] ? s->name : path;
  printf("target: %s against", name);
  for (int i = 0; i < t->nsites; i++) printf(" %s=%s", t->topo.sites[i].name, t->url[i]);
  printf("\n");
  xs_buf out;
  xs_buf_init(&out, XS_CLI_RESP_BODY_MAX);
  xs_ms t0 = now_ms();
  for (int i = 0; i < s->nstmts; i++) statement(t, &s->stmts[i], &out);
  table(t, name, path, (double)(now_ms() - t0) / 1000.0);
  xs_buf_free(&out);
  close_sites(t);
  free(copy);
  xs_scn_free(s);
  return t->failed ? 1 : 0;
}

int xs_run_target_main(int argc, char **argv, const char *prog) {
  (void)prog;
  xs_tgt t = {.user = XS_TGT_USER_DEFAULT, .password = XS_TGT_PASSWORD_DEFAULT};
  tgt_opts o = {0};
  int rc = parse_opts(&t, &o, argc, argv);
  if (rc) return rc > 0 ? 0 : 2;
  if (!o.urls || !*o.urls) return fprintf(stderr, "xsim run: --target needs URL,URL\n"), 2;
  if (xs_cli_curl_global_init()) return fprintf(stderr, "xsim run: cannot initialise libcurl\n"), 2;
  t.items = calloc(XS_TGT_ITEMS_MAX, sizeof *t.items);
  if (!t.items) return 2;
  int worst = 0;
  for (int i = 0; i < o.npaths; i++) {
    t.nitems = t.steps_run = t.checks_run = t.faults_run = t.passed = t.failed = t.skipped = 0;
    t.pace_ms = 0;
    int r = run_one(&t, o.paths[i], o.urls);
    if (r > worst) worst = r;
  }
  free(t.items);
  return worst;
}
