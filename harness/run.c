/*
 * run.c - `xsim run` (run.h): finds the scenario files, parses them all
 * first (a malformed file is reported and counted, never crashes the
 * run), builds the scenario x seed jobs in a fixed order, optionally keeps
 * one shard of them, runs them in this process or in forked workers (each
 * job's result comes back over a pipe as a line of JSON, the same JSON that
 * --json writes), and reports in job order, whatever order they finished in.
 */
#include "run.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ledger.h"
#include "run_mutate.h"
#include "report_html.h"
#include "run_report.h"
#include "state_file.h"

/* ------------------------------------------------------------------------ */
/* Options                                                                    */

static int usage(FILE *f) {
  fprintf(f, "usage: xsim run [PATH...] [--seed N | --seeds A-B] [-j N] [--shard I/N]\n"
             "                [--junit FILE] [--json FILE] [--check-determinism] [-v]\n\n"
             "  PATH               scenario files or directories of them (default: scenarios/)\n"
             "  --seed N           run every scenario with seed N (default: each file's own seed)\n"
             "  --seeds A-B        run every scenario with each seed from A to B\n"
             "  -j N               run N jobs at a time in worker processes\n"
             "  --shard I/N        run only the I-th of N shares of the jobs (1 <= I <= N)\n"
             "  --junit FILE       write JUnit XML\n"
             "  --json FILE        write a JSON summary\n"
             "  --report DIR       write an HTML page with a timeline per scenario and seed, and DIR/index.html\n"
             "  --check-determinism  run each job twice and compare the event-log hashes\n"
             "  -v, --verbose      print every failure in full, and the measurements\n"
             "  --no-replay        do not replay failed runs to find what broke each key\n"
             "  --trace            print each run's timeline (statements, actors, faults) as it happens\n"
             "  --save-state FILE[@MARK]  write the simulation to FILE (sqlite3) when `mark MARK` runs\n"
             "                     (without @MARK: at each mark, so the last one reached); one scenario\n"
             "  --mutate           also run each procedure step deleted, and swapped with the next, and\n"
             "                     report which mutants the checks catch (docs/scenario-language.md)\n"
             "  --ledger FILE      record every run in a sqlite3 ledger (xsim ledger FILE lists it)\n"
             "  --commit ID        the code's commit for the ledger (default: $XSIM_COMMIT, else the build's)\n"
             "  --target URL,URL   play the steps and REST checks against live sites (docs/scenario-language.md)\n");
  return 2;
}

static int parse_u64(const char *s, uint64_t *out) {
  if (!s || !*s || *s == '-') return -1;
  char *end;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 0);
  if (*end || errno) return -1;
  *out = v;
  return 0;
}

static int opt_value(int argc, char **argv, int *i, const char **out) {
  const char *a = argv[*i], *eq = strchr(a, '=');
  if (eq && a[1] == '-') {
    *out = eq + 1;
    return 0;
  }
  if (*i + 1 >= argc) {
    fprintf(stderr, "xsim run: %s needs a value\n", a);
    return -1;
  }
  *out = argv[++*i];
  return 0;
}

static bool is_opt(const char *a, const char *name) {
  size_t n = strlen(name);
  return strncmp(a, name, n) == 0 && (a[n] == 0 || a[n] == '=');
}

/* One option with a value; returns 1 when taken, -1 on a bad value. */
static int value_option(xs_run_opts *o, int argc, char **argv, int *i) {
  const char *a = argv[*i], *v;
  if (is_opt(a, "--report")) return opt_value(argc, argv, i, &o->report) ? -1 : 1;
  if (is_opt(a, "--seed") || is_opt(a, "--seeds") || is_opt(a, "-j") || is_opt(a, "--shard") ||
      is_opt(a, "--junit") || is_opt(a, "--json") || is_opt(a, "--save-state") ||
      is_opt(a, "--ledger") || is_opt(a, "--commit")) {
    if (opt_value(argc, argv, i, &v)) return -1;
  } else {
    return 0;
  }
  if (is_opt(a, "--seed")) {
    o->seeds_given = true;
    if (parse_u64(v, &o->seed_lo)) return fprintf(stderr, "xsim run: --seed '%s' is not a number\n", v), -1;
    o->seed_hi = o->seed_lo;
  } else if (is_opt(a, "--seeds")) {
    const char *dash = strchr(v, '-');
    char lo[32];
    snprintf(lo, sizeof lo, "%.*s", dash ? (int)(dash - v) : 0, v);
    o->seeds_given = true;
    if (!dash || parse_u64(lo, &o->seed_lo) || parse_u64(dash + 1, &o->seed_hi) || o->seed_hi < o->seed_lo ||
        o->seed_hi - o->seed_lo >= XS_RUN_SEEDS_MAX)
      return fprintf(stderr, "xsim run: --seeds '%s' is not A-B with A <= B (at most %d seeds)\n", v,
                     XS_RUN_SEEDS_MAX), -1;
  } else if (is_opt(a, "-j")) {
    uint64_t j;
    if (parse_u64(v, &j) || j < 1 || j > XS_RUN_JOBS_MAX)
      return fprintf(stderr, "xsim run: -j '%s' is not between 1 and %d\n", v, XS_RUN_JOBS_MAX), -1;
    o->workers = (int)j;
  } else if (is_opt(a, "--shard")) {
    unsigned si, sn;
    char extra;
    if (sscanf(v, "%u/%u%c", &si, &sn, &extra) != 2 || sn < 1 || si < 1 || si > sn)
      return fprintf(stderr, "xsim run: --shard '%s' is not I/N with 1 <= I <= N\n", v), -1;
    o->shard_i = (int)si;
    o->shard_n = (int)sn;
  } else if (is_opt(a, "--junit")) {
    o->junit = v;
  } else if (is_opt(a, "--save-state")) {
    o->save_state = v;
  } else if (is_opt(a, "--ledger") || is_opt(a, "--commit")) {
    *(is_opt(a, "--ledger") ? &o->ledger : &o->commit) = v;
  } else {
    o->json = v;
  }
  return 1;
}

static int parse_opts(int argc, char **argv, xs_run_opts *o) {
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    int r = value_option(o, argc, argv, &i);
    if (r < 0) return -1;
    if (r > 0) continue;
    if (strcmp(a, "--check-determinism") == 0) o->determinism = true;
    else if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) o->verbose = true;
    else if (strcmp(a, "--no-replay") == 0) o->no_replay = true;
    else if (strcmp(a, "--trace") == 0) o->trace = true;
    else if (strcmp(a, "--mutate") == 0) o->mutate = true;
    else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) return usage(stdout), 1;
    else if (a[0] == '-' && a[1]) return fprintf(stderr, "xsim run: unknown option '%s'\n", a), usage(stderr), -1;
    else if (o->npaths < XS_RUN_FILES_MAX) o->paths[o->npaths++] = a;
  }
  return 0;
}

/* ------------------------------------------------------------------------ */
/* Files                                                                      */

static int add_file(xs_run *r, const char *path) {
  if (r->nfiles == XS_RUN_FILES_MAX) return fprintf(stderr, "xsim run: more than %d scenario files\n", XS_RUN_FILES_MAX), -1;
  char *p = strdup(path);
  size_t n = p ? strlen(p) : 0;
  while (n > 1 && p[n - 1] == '/') p[--n] = 0; /* "scenarios/" names files "scenarios/x.xsim" */
  r->files[r->nfiles++].path = p;
  return 0;
}

static bool xsim_name(const char *n) {
  size_t l = strlen(n);
  return l > 5 && strcmp(n + l - 5, ".xsim") == 0 && n[0] != '.';
}

/* Every *.xsim under dir, recursively (hidden entries skipped). */
static int walk(xs_run *r, const char *dir) {
  DIR *d = opendir(dir);
  if (!d) return fprintf(stderr, "xsim run: cannot read '%s': %s\n", dir, strerror(errno)), -1;
  struct dirent *e;
  int rc = 0;
  while ((e = readdir(d)) && !rc) {
    if (e->d_name[0] == '.') continue;
    char p[4096];
    size_t dl = strlen(dir);
    while (dl > 1 && dir[dl - 1] == '/') dl--;
    snprintf(p, sizeof p, "%.*s/%s", (int)dl, dir, e->d_name);
    struct stat st;
    if (stat(p, &st)) continue;
    if (S_ISDIR(st.st_mode)) rc = walk(r, p);
    else if (xsim_name(e->d_name)) rc = add_file(r, p);
  }
  closedir(d);
  return rc;
}

static int by_path(const void *a, const void *b) {
  return strcmp(((const xs_run_file *)a)->path, ((const xs_run_file *)b)->path);
}

static int collect(xs_run *r) {
  static const char *const def[] = {XS_RUN_DEFAULT_PATH};
  const char *const *paths = r->o.npaths ? r->o.paths : def;
  int n = r->o.npaths ? r->o.npaths : 1;
  for (int i = 0; i < n; i++) {
    struct stat st;
    if (stat(paths[i], &st)) return fprintf(stderr, "xsim run: '%s': %s\n", paths[i], strerror(errno)), -1;
    int rc = S_ISDIR(st.st_mode) ? walk(r, paths[i]) : add_file(r, paths[i]);
    if (rc) return rc;
  }
  if (!r->nfiles) return fprintf(stderr, "xsim run: no .xsim files in the paths given\n"), -1;
  qsort(r->files, (size_t)r->nfiles, sizeof r->files[0], by_path);
  return 0;
}

/* Reads and parses one file; a failure is kept as the file's error text. */
static void load(xs_run_file *f) {
  FILE *fp = fopen(f->path, "rb");
  char *buf = malloc(XS_SCN_FILE_BYTES_MAX + 2);
  size_t n = fp && buf ? fread(buf, 1, XS_SCN_FILE_BYTES_MAX + 1, fp) : 0;
  xs_buf msg;
  xs_buf_init(&msg, 1 << 16);
  if (!fp || !buf) {
    xs_buf_printf(&msg, "%s: cannot read: %s\n", f->path, strerror(errno));
  } else {
    xs_scn_error err;
    if (xs_scn_parse(buf, n, &f->scn, &err)) xs_scn_error_format(f->path, &err, &msg);
  }
  if (msg.len) f->error = strdup(xs_buf_cstr(&msg));
  const char *slash = strrchr(f->path, '/');
  f->dir = slash ? strndup(f->path, (size_t)(slash - f->path)) : strdup(".");
  xs_buf_free(&msg);
  free(buf);
  if (fp) fclose(fp);
}

/* ------------------------------------------------------------------------ */
/* Jobs                                                                       */

static int build_jobs(xs_run *r) {
  uint64_t nseeds = r->o.seeds_given ? r->o.seed_hi - r->o.seed_lo + 1 : 1;
  size_t cap = (size_t)r->nfiles * nseeds;
  r->jobs = calloc(cap ? cap : 1, sizeof *r->jobs);
  if (!r->jobs) return -1;
  size_t k = 0;
  for (int f = 0; f < r->nfiles; f++)
    for (uint64_t s = 0; s < (r->files[f].error ? 1 : nseeds); s++, k++) {
      if (r->o.shard_n > 1 && (int)(k % (size_t)r->o.shard_n) != r->o.shard_i - 1) continue;
      xs_run_job *j = &r->jobs[r->njobs++];
      j->file = f;
      j->seed_given = r->o.seeds_given;
      j->seed = r->o.seed_lo + s;
    }
  return 0;
}

/* --save-state: where, at which mark (NULL: every mark), and how it went. */
typedef struct save_at {
  char path[4096];
  const char *mark;
  const char *scenario;
  int saved;  /* times written */
  int rc;     /* the last failure, or 0 */
} save_at;

static void save_on_mark(void *ud, const char *name, xs_sim *sim) {
  save_at *s = ud;
  if (s->mark && strcmp(s->mark, name) != 0) return;
  char source[XS_STATE_SOURCE_BYTES_MAX], err[512];
  snprintf(source, sizeof source, "%s@%s", s->scenario, name);
  int rc = xs_state_save(sim, s->path, source, err, sizeof err);
  if (rc < 0) {
    fprintf(stderr, "xsim run: --save-state: %s\n", err);
    s->rc = rc;
    return;
  }
  s->saved++;
  fprintf(stderr, "xsim run: state at mark '%s' (%.3f s) saved to %s\n", name, (double)xs_sim_now(sim) / 1000.0,
          s->path);
}

/* --report: the job's page (a mutant has none); frees what was gathered. */
static void report_page(const xs_run *r, xs_run_job *j, xs_rep_data *rep) {
  if (r->o.report && !j->scn) xs_rep_page_write(r, (int)(j - r->jobs), rep);
  xs_rep_data_free(rep);
}

/* Runs one job here; with --check-determinism, twice. */
static void run_job(xs_run *r, xs_run_job *j) {
  xs_run_file *f = &r->files[j->file];
  xs_scn_result *res = &j->res;
  if (f->error) {
    xs_run_parse_error(f, res);
    report_page(r, j, NULL);
    return;
  }
  xs_scn_run_opts o = {.path = f->path, .dir = f->dir, .seed_given = j->seed_given, .seed = j->seed,
                       .no_replay = r->o.no_replay, .trace = r->o.trace ? stdout : NULL};
  if (r->o.trace) printf("--- %s%s\n", f->path, j->seed_given ? "" : " (its own seed)");
  xs_rep_data *rep = r->o.report && !j->scn ? xs_rep_data_new() : NULL;
  o.report = rep;
  save_at sa = {.scenario = f->path};
  if (r->o.save_state) {
    const char *at = strrchr(r->o.save_state, '@');
    snprintf(sa.path, sizeof sa.path, "%.*s", at ? (int)(at - r->o.save_state) : (int)strlen(r->o.save_state),
             r->o.save_state);
    sa.mark = at ? at + 1 : NULL;
    o.on_mark = save_on_mark;
    o.on_mark_ud = &sa;
  }
  xs_scn_run(j->scn ? j->scn : f->scn, &o, res);
  o.on_mark = NULL;
  if (r->o.save_state && (sa.rc || !sa.saved)) {
    if (!sa.rc) fprintf(stderr, "xsim run: --save-state: no 'mark %s' was reached\n", sa.mark ? sa.mark : "");
    r->save_failed = true;
  }
  o.report = NULL;
  if (!r->o.determinism) return report_page(r, j, rep);
  xs_scn_result again;
  o.no_replay = true;
  o.trace = NULL;
  xs_scn_run(j->scn ? j->scn : f->scn, &o, &again);
  res->determinism_checked = true;
  res->deterministic = again.evhash == res->evhash && again.hist_digest == res->hist_digest &&
                       again.failed == res->failed && again.failures_total == res->failures_total;
  if (!res->deterministic) res->met = false;
  xs_scn_result_free(&again);
  report_page(r, j, rep);
}

/* A worker: its share of the jobs, each result a JSON line on fd. */
static void worker(xs_run *r, int w, int fd) {
  for (int k = w; k < r->njobs; k += r->o.workers) {
    run_job(r, &r->jobs[k]);
    char *line = xs_run_result_line(r, k);
    size_t n = line ? strlen(line) : 0, off = 0;
    while (off < n) {
      ssize_t m = write(fd, line + off, n - off);
      if (m < 0 && errno == EINTR) continue;
      if (m <= 0) break;
      off += (size_t)m;
    }
    free(line);
    xs_scn_result_free(&r->jobs[k].res);
  }
}

/* Reads what workers wrote; each complete line is one job's result. */
static void drain(xs_run *r, int fd, xs_buf *acc, bool *open) {
  char buf[65536];
  ssize_t n = read(fd, buf, sizeof buf);
  if (n < 0 && errno == EINTR) return;
  if (n <= 0) {
    *open = false;
    return;
  }
  xs_buf_append(acc, buf, (size_t)n);
  char *start = (char *)acc->data, *nl;
  size_t used = 0;
  while ((nl = memchr(start + used, '\n', acc->len - used))) {
    *nl = 0;
    int k = xs_run_result_parse(r, start + used);
    if (k >= 0) xs_run_progress(r, k);
    used = (size_t)(nl - start) + 1;
  }
  xs_buf_consume(acc, used);
}

static int run_forked(xs_run *r) {
  int nw = r->o.workers < r->njobs ? r->o.workers : r->njobs;
  if (nw < 1 || nw > XS_RUN_JOBS_MAX) return XS_EINVAL; /* run_all asks for 2..64 */
  r->o.workers = nw;
  int fds[XS_RUN_JOBS_MAX];
  pid_t pids[XS_RUN_JOBS_MAX];
  fflush(NULL);
  for (int w = 0; w < nw; w++) {
    int p[2];
    if (pipe(p)) return fprintf(stderr, "xsim run: pipe: %s\n", strerror(errno)), -1;
    pids[w] = fork();
    if (pids[w] < 0) return fprintf(stderr, "xsim run: fork: %s\n", strerror(errno)), -1;
    if (pids[w] == 0) {
      close(p[0]);
      for (int k = 0; k < w; k++) close(fds[k]);
      worker(r, w, p[1]);
      close(p[1]);
      _exit(0);
    }
    close(p[1]);
    fds[w] = p[0];
  }
  xs_buf acc[XS_RUN_JOBS_MAX];
  bool open[XS_RUN_JOBS_MAX];
  int left = nw;
  for (int w = 0; w < nw; w++) xs_buf_init(&acc[w], 64u << 20), open[w] = true;
  while (left) {
    struct pollfd pf[XS_RUN_JOBS_MAX];
    for (int w = 0; w < nw; w++) pf[w] = (struct pollfd){open[w] ? fds[w] : -1, POLLIN, 0};
    if (poll(pf, (nfds_t)nw, -1) < 0 && errno != EINTR) break;
    for (int w = 0; w < nw; w++)
      if (open[w] && (pf[w].revents & (POLLIN | POLLHUP | POLLERR))) {
        drain(r, fds[w], &acc[w], &open[w]);
        if (!open[w]) left--, close(fds[w]);
      }
  }
  for (int w = 0; w < nw; w++) waitpid(pids[w], NULL, 0), xs_buf_free(&acc[w]);
  /* A job whose result never came: its worker died (a crash is a bug to
   * report, not a verdict to lose). */
  for (int k = 0; k < r->njobs; k++)
    if (!r->jobs[k].done) {
      xs_run_lost(&r->files[r->jobs[k].file], &r->jobs[k]);
      xs_run_progress(r, k);
    }
  return 0;
}

/* Every job in r->jobs, in worker processes when -j asks for them. */
static int run_all(xs_run *r) {
  if (r->o.workers > 1 && r->njobs > 1 && !r->o.trace) return run_forked(r); /* traces would interleave */
  for (int k = 0; k < r->njobs; k++) run_job(r, &r->jobs[k]), r->jobs[k].done = true, xs_run_progress(r, k);
  return 0;
}

static double wall(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void free_run(xs_run *r) {
  for (int f = 0; f < r->nfiles; f++) {
    xs_scn_free(r->files[f].scn);
    free(r->files[f].path);
    free(r->files[f].dir);
    free(r->files[f].error);
  }
  for (int k = 0; k < r->njobs; k++) xs_scn_result_free(&r->jobs[k].res);
  free(r->jobs);
  free(r->files);
}

int xs_run_main(int argc, char **argv, const char *prog) {
  xs_run r = {.prog = prog, .o = {.workers = 1, .shard_n = 1, .shard_i = 1}};
  r.files = calloc(XS_RUN_FILES_MAX, sizeof *r.files);
  int rc = r.files ? parse_opts(argc, argv, &r.o) : -1;
  if (rc) {
    free(r.files);
    return rc > 0 ? 0 : 2;
  }
  if (collect(&r)) {
    free_run(&r);
    return 2;
  }
  for (int f = 0; f < r.nfiles; f++) load(&r.files[f]);
  if (build_jobs(&r)) {
    free_run(&r);
    return 2;
  }
  if (r.o.save_state && r.njobs != 1) {
    fprintf(stderr, "xsim run: --save-state needs exactly one scenario and seed (there are %d jobs)\n", r.njobs);
    free_run(&r);
    return 2;
  }
  if (r.o.report && xs_rep_prepare(r.o.report)) {
    free_run(&r);
    return 2;
  }
  double t0 = wall();
  int workers = r.o.workers;
  xs_run_started(&r);
  rc = run_all(&r);
  r.wall_s = wall() - t0;
  int met = xs_run_report(&r);
  if (r.o.report && xs_rep_index_write(&r)) rc = -1;
  if (r.o.mutate && xs_run_mutate(&r, workers, run_all)) rc = -1;
  if (r.o.ledger && xs_ledger_record(&r, r.o.ledger, r.o.commit) < 0) rc = -1;
  if (r.o.junit && xs_run_junit(&r, r.o.junit)) rc = -1;
  if (r.o.json && xs_run_json(&r, r.o.json)) rc = -1;
  if (r.save_failed) rc = -1;
  free_run(&r);
  return rc ? 2 : met == r.njobs ? 0 : 1;
}
