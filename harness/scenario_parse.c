/*
 * scenario_parse.c - the scenario parser's structure: the header, the
 * timeline's blocks (at / after / when), procedure steps with their
 * expected-output clauses, and freeing the tree.  The statements made of
 * words are in scenario_parse_stmt.c, conditions and checks in
 * scenario_parse_cond.c.
 *
 * Layout rules (docs/scenario-language.md, "Layout"): header lines first,
 * at the left margin; a statement ending in ':' takes either the rest of
 * its line or an indented block; a step's clause is indented under it and
 * its expected output may follow, indented further, verbatim.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario_lex.h"

static const char *const stmt_keywords[] = {
    "name", "description", "expect", "seed", "topology", "set", "wait", "at", "after", "when", "mark",
    "pace", "loadbalancer", "workload", "stop", "start", "fencing", "partition", "heal", "flap", "latency",
    "loss", "crash", "restart", "fence", "on", "check", NULL};

static const char *const check_names[] = {
    "identical", "replication", "push", "view", "loadbalancer", "site", "keycloak", "lb-check", "link",
    "entries", "no-lost-writes", "no-resurrection", "tokens-single-use", "rpo", "rto",
    XS_SCN_FAIL_STEP, XS_SCN_FAIL_WAIT, NULL};

static const char *const presets[] = {"keycloak-ha", "crossdc-legacy", "resp-xsite", NULL};

static int parse_stmt(scn_parser *p, const scn_line *l, const char *s, int len, int col0, bool deferred,
                      xs_scn_stmt *st);
static bool is_header(const scn_word *w);
static bool known_keyword(const scn_word *kw);
static int unknown_keyword(scn_parser *p, const scn_line *l, const scn_word *kw);

/* ------------------------------------------------------------------------ */
/* Growing arrays                                                             */

static xs_scn_stmt *new_stmt(scn_parser *p, xs_scn_stmt **v, int *n, int line) {
  if (p->scn->total_stmts >= XS_SCN_STMTS_MAX) {
    xs__scn_fail(p, XS_ELIMIT, line, 0, "more than XS_SCN_STMTS_MAX (%d) statements", XS_SCN_STMTS_MAX);
    return NULL;
  }
  xs_scn_stmt *nv = *v;
  if ((*n & (*n - 1)) == 0) { /* n is 0 or a power of two: the array is full, double it */
    nv = realloc(*v, (size_t)(*n ? *n * 2 : 1) * sizeof **v);
    if (!nv) {
      xs__scn_fail(p, XS_ENOMEM, line, 0, "out of memory");
      return NULL;
    }
    *v = nv;
  }
  memset(&nv[*n], 0, sizeof nv[*n]);
  p->scn->total_stmts++;
  return &nv[(*n)++];
}

/* ------------------------------------------------------------------------ */
/* Header                                                                     */

static int header_text(scn_parser *p, const scn_line *l, const scn_word *kw) {
  int off = (int)(kw->s - l->s) + kw->len;
  while (off < l->len && l->s[off] == ' ') off++;
  if (off == l->len) return xs__scn_fail(p, XS_EINVAL, l->no, kw->col + kw->len, "expected text after 'description'");
  char **d = &p->scn->description;
  size_t old = *d ? strlen(*d) : 0, add = (size_t)(l->len - off);
  if (old + add + 1 > XS_SCN_TEXT_BYTES_MAX)
    return xs__scn_fail(p, XS_ELIMIT, l->no, kw->col, "description longer than XS_SCN_TEXT_BYTES_MAX (%d bytes)",
                        XS_SCN_TEXT_BYTES_MAX);
  char *nd = realloc(*d, old + add + 2);
  if (!nd) return xs__scn_fail(p, XS_ENOMEM, l->no, 0, "out of memory");
  if (old) nd[old++] = '\n';
  memcpy(nd + old, l->s + off, add);
  nd[old + add] = 0;
  *d = nd;
  return 0;
}

static int header_expect(scn_parser *p, int line, const scn_words *ws) {
  xs_scenario *s = p->scn;
  const scn_word *v = xs__scn_need(p, line, ws, 1, "'pass' or 'fail'");
  if (!v) return p->rc;
  if (xs__scn_is(v, "pass") || xs__scn_is(v, "fail")) {
    s->expect_fail = xs__scn_is(v, "fail");
  } else {
    return xs__scn_fail(p, XS_EINVAL, line, v->col, "expected 'pass' or 'fail', got '%.*s'", v->len, v->s);
  }
  if (!s->expect_fail && ws->n > 2)
    return xs__scn_fail(p, XS_EINVAL, line, ws->w[2].col, "'expect pass' takes nothing after it, got '%.*s'",
                        ws->w[2].len, ws->w[2].s);
  for (int i = 2; i < ws->n; i++) {
    const scn_word *w = &ws->w[i];
    const char *sug = xs__scn_suggest(w, check_names);
    bool known = sug && xs__scn_is(w, sug);
    if (!known)
      return xs__scn_fail(p, XS_EINVAL, line, w->col, "'%.*s' is not a check%s%s%s", w->len, w->s,
                          sug ? " (did you mean '" : "", sug ? sug : "", sug ? "'?)" : "");
    if (s->nexpect == XS_SCN_LIST_MAX)
      return xs__scn_fail(p, XS_ELIMIT, line, w->col, "more than XS_SCN_LIST_MAX (%d) names", XS_SCN_LIST_MAX);
    xs__scn_token(p, line, w, "a check name", &s->expect[s->nexpect++]);
  }
  return p->rc;
}

static int header_topology(scn_parser *p, int line, const scn_words *ws) {
  xs_scenario *s = p->scn;
  const scn_word *v = xs__scn_need(p, line, ws, 1, "a preset (keycloak-ha, crossdc-legacy, resp-xsite) or 'file PATH'");
  if (!v) return p->rc;
  int last = 1;
  if (xs__scn_is(v, "file")) {
    const scn_word *path = xs__scn_need(p, line, ws, 2, "the topology file's path");
    if (!path || xs__scn_token(p, line, path, "a topology file path", &s->topology)) return p->rc;
    s->topology_file = true;
    last = 2;
  } else {
    const char *sug = xs__scn_suggest(v, presets);
    if (!sug || !xs__scn_is(v, sug))
      return xs__scn_fail(p, XS_EINVAL, line, v->col,
                          "unknown preset '%.*s'%s%s%s (presets: keycloak-ha, crossdc-legacy, resp-xsite; or "
                          "'topology file PATH')",
                          v->len, v->s, sug ? ", did you mean '" : "", sug ? sug : "", sug ? "'?" : "");
    xs__scn_token(p, line, v, "a preset", &s->topology);
  }
  if (ws->n > last + 1)
    return xs__scn_fail(p, XS_EINVAL, line, ws->w[last + 1].col, "unexpected '%.*s' after the topology",
                        ws->w[last + 1].len, ws->w[last + 1].s);
  s->topology_line = line;
  return 0;
}

/* The shapes `set` accepts; the values are checked by the topology loader. */
static const char *const set_cache_keys[] = {"mode", "owners", "transaction", "merge-policy", "acquire-timeout", NULL};
static const char *const set_backup_keys[] = {
    "strategy", "timeout", "failure-policy", "two-phase-commit", "after-failures", "min-wait", "chunk-size",
    "state-transfer-timeout", "max-retries", "wait-time", "state-transfer-mode", NULL};

static int set_key(scn_parser *p, int line, const scn_word *w, const char *const *keys, const char *what) {
  for (int i = 0; keys[i]; i++)
    if (xs__scn_is(w, keys[i])) return 0;
  const char *sug = xs__scn_suggest(w, keys);
  return xs__scn_fail(p, XS_EINVAL, line, w->col, "'%.*s' is not a %s setting%s%s%s", w->len, w->s, what,
                      sug ? " (did you mean '" : "", sug ? sug : "", sug ? "'?)" : "");
}

/* Checks the words of `set` against the shapes; returns how many path
 * words there must be (the value follows them). */
static int set_shape(scn_parser *p, int line, const scn_words *ws) {
  const scn_word *k = xs__scn_need(p, line, ws, 1, "what to set: link, xsite-fd-timeout, site or cache");
  if (!k) return -1;
  int n = 0;
  if (xs__scn_is(k, "link")) {
    const scn_word *w = xs__scn_need(p, line, ws, 2, "'latency' or 'jitter'");
    if (w && !xs__scn_is(w, "latency") && !xs__scn_is(w, "jitter"))
      xs__scn_fail(p, XS_EINVAL, line, w->col, "expected 'latency' or 'jitter', got '%.*s'", w->len, w->s);
    n = 3;
  } else if (xs__scn_is(k, "xsite-fd-timeout")) {
    n = 2;
  } else if (xs__scn_is(k, "site")) {
    const scn_word *w = xs__scn_need(p, line, ws, 3, "'nodes'");
    if (w && !xs__scn_is(w, "nodes"))
      xs__scn_fail(p, XS_EINVAL, line, w->col, "expected 'nodes', got '%.*s'", w->len, w->s);
    n = 4;
  } else if (xs__scn_is(k, "cache")) {
    const scn_word *w = xs__scn_need(p, line, ws, 3, "a cache setting or 'backup SITE'");
    if (w && xs__scn_is(w, "backup")) {
      const scn_word *key = xs__scn_need(p, line, ws, 5, "a backup setting");
      if (key) set_key(p, line, key, set_backup_keys, "backup");
      n = 6;
    } else if (w) {
      set_key(p, line, w, set_cache_keys, "cache");
      n = 4;
    }
  } else {
    xs__scn_fail(p, XS_EINVAL, line, k->col, "cannot set '%.*s' (set link, xsite-fd-timeout, site or cache)",
                 k->len, k->s);
  }
  return p->rc ? -1 : n;
}

static int header_set(scn_parser *p, const scn_line *l, const scn_words *ws) {
  xs_scenario *s = p->scn;
  if (!s->topology.name[0])
    return xs__scn_fail(p, XS_EINVAL, l->no, ws->w[0].col, "'set' changes a topology: put 'topology ...' above it");
  if (s->topology_file)
    return xs__scn_fail(p, XS_EINVAL, l->no, ws->w[0].col,
                        "'set' changes a preset; with 'topology file', change the file instead");
  if (s->noverrides == XS_SCN_OVERRIDES_MAX)
    return xs__scn_fail(p, XS_ELIMIT, l->no, ws->w[0].col, "more than XS_SCN_OVERRIDES_MAX (%d) 'set' lines",
                        XS_SCN_OVERRIDES_MAX);
  int n = set_shape(p, l->no, ws);
  if (n < 0) return p->rc;
  if (!xs__scn_need(p, l->no, ws, n, "a value")) return p->rc;
  if (ws->n > n + 1)
    return xs__scn_fail(p, XS_EINVAL, l->no, ws->w[n + 1].col, "unexpected '%.*s' after the value",
                        ws->w[n + 1].len, ws->w[n + 1].s);
  xs_scn_override *no = realloc(s->overrides, (size_t)(s->noverrides + 1) * sizeof *no);
  if (!no) return xs__scn_fail(p, XS_ENOMEM, l->no, 0, "out of memory");
  s->overrides = no;
  xs_scn_override *o = &no[s->noverrides];
  memset(o, 0, sizeof *o);
  o->line = l->no;
  o->col = ws->w[0].col;
  o->nwords = n - 1;
  for (int i = 1; i < n; i++) xs__scn_token(p, l->no, &ws->w[i], "a name", &o->words[i - 1]);
  xs__scn_token(p, l->no, &ws->w[n], "a value", &o->value);
  o->src = xs__scn_strdup(p, l->s, l->len);
  if (!p->rc) s->noverrides++;
  return p->rc;
}

/* Header lines: once each (description may repeat), before the timeline. */
static int parse_header(scn_parser *p, const scn_line *l, const scn_words *ws, int *seen_line) {
  const scn_word *kw = &ws->w[0];
  xs_scenario *s = p->scn;
  if (p->timeline)
    return xs__scn_fail(p, XS_EINVAL, l->no, kw->col, "'%.*s' belongs to the header: move it above the first "
                        "timeline statement", kw->len, kw->s);
  bool once = !xs__scn_is(kw, "description") && !xs__scn_is(kw, "set");
  if (once && *seen_line)
    return xs__scn_fail(p, XS_EINVAL, l->no, kw->col, "'%.*s' is given twice (first on line %d)", kw->len, kw->s,
                        *seen_line);
  *seen_line = l->no;
  if (xs__scn_is(kw, "description")) return header_text(p, l, kw);
  if (xs__scn_is(kw, "set")) return header_set(p, l, ws);
  if (xs__scn_is(kw, "expect")) return header_expect(p, l->no, ws);
  if (xs__scn_is(kw, "topology")) return header_topology(p, l->no, ws);
  const scn_word *v = xs__scn_need(p, l->no, ws, 1, xs__scn_is(kw, "seed") ? "a seed" : "a name");
  if (!v) return p->rc;
  if (ws->n > 2)
    return xs__scn_fail(p, XS_EINVAL, l->no, ws->w[2].col, "unexpected '%.*s'", ws->w[2].len, ws->w[2].s);
  if (xs__scn_is(kw, "seed")) {
    s->seed_set = true;
    return xs__scn_seed(p, l->no, v, &s->seed);
  }
  xs_scn_ref r;
  if (xs__scn_name(p, l->no, v, "a scenario name", &r)) return p->rc;
  memcpy(s->name, r.name, sizeof s->name);
  return 0;
}

/* ------------------------------------------------------------------------ */
/* Blocks and expected-output text                                            */

/* The next non-blank line at or after p->cur, or -1. */
static int next_line(const scn_parser *p) {
  for (int i = p->cur; i < p->nlines; i++)
    if (!p->lines[i].blank) return i;
  return -1;
}

/* Reads the statements indented under a line whose indentation is
 * `parent`; all of them must share the first one's indentation. */
static int parse_block(scn_parser *p, const scn_line *head, bool deferred, xs_scn_stmt **body, int *n) {
  int j = next_line(p);
  if (j < 0 || p->lines[j].indent <= head->indent)
    return xs__scn_fail(p, XS_EINVAL, head->no, head->indent + head->len,
                        "expected a statement after ':' or an indented block under this line");
  if (++p->depth > XS_SCN_DEPTH_MAX)
    return xs__scn_fail(p, XS_ELIMIT, p->lines[j].no, p->lines[j].indent + 1,
                        "blocks nested deeper than XS_SCN_DEPTH_MAX (%d)", XS_SCN_DEPTH_MAX);
  int ind = p->lines[j].indent;
  while ((j = next_line(p)) >= 0 && p->lines[j].indent > head->indent) {
    const scn_line *l = &p->lines[j];
    if (l->indent != ind)
      return xs__scn_fail(p, XS_EINVAL, l->no, l->indent + 1,
                          "inconsistent indentation: this block's statements start at column %d", ind + 1);
    p->cur = j;
    xs_scn_stmt *st = new_stmt(p, body, n, l->no);
    if (!st || parse_stmt(p, l, l->s, l->len, l->indent + 1, deferred, st)) return p->rc;
  }
  if (j < 0) p->cur = p->nlines;
  p->depth--;
  return 0;
}

/* Appends line l's text to b, `extra` spaces of relative indentation first. */
static void text_line(xs_buf *b, const scn_line *l, int extra, bool raw) {
  for (int k = 0; k < extra; k++) xs_buf_puts(b, " ");
  xs_buf_append(b, l->s, (size_t)(raw ? l->rawlen : l->len));
}

/* The verbatim text indented under a clause line (`output:` ...): every
 * line deeper than the clause, the common indentation removed, empty lines
 * inside kept, trailing ones dropped. */
static int text_block(scn_parser *p, const scn_line *clause, bool raw, char **out) {
  int first = p->cur, last = -1, min = XS_SCN_LINE_BYTES_MAX;
  for (int i = p->cur; i < p->nlines; i++) {
    const scn_line *l = &p->lines[i];
    if (l->len == 0) continue;
    if (l->indent <= clause->indent) break;
    last = i;
    if (l->indent < min) min = l->indent;
  }
  if (last < 0)
    return xs__scn_fail(p, XS_EINVAL, clause->no, clause->indent + clause->len,
                        "expected the output after ':' or indented under this line");
  if (last - first + 1 > XS_SCN_BLOCK_LINES_MAX)
    return xs__scn_fail(p, XS_ELIMIT, p->lines[first].no, 0, "output block longer than XS_SCN_BLOCK_LINES_MAX (%d lines)",
                        XS_SCN_BLOCK_LINES_MAX);
  xs_buf b;
  xs_buf_init(&b, XS_SCN_TEXT_BYTES_MAX);
  for (int i = first; i <= last; i++) {
    const scn_line *l = &p->lines[i];
    if (i > first) xs_buf_puts(&b, "\n");
    if (l->len) text_line(&b, l, l->indent - min, raw);
  }
  p->cur = last + 1;
  int rc = 0;
  if (!xs_buf_ok(&b))
    rc = xs__scn_fail(p, XS_ELIMIT, p->lines[first].no, 0, "output longer than XS_SCN_TEXT_BYTES_MAX (%d bytes)",
                      XS_SCN_TEXT_BYTES_MAX);
  else if (!(*out = xs__scn_strdup(p, xs_buf_cstr(&b), (int)b.len)))
    rc = p->rc;
  xs_buf_free(&b);
  return rc;
}

/* ------------------------------------------------------------------------ */
/* Procedure steps                                                            */

/* The words before a clause's ':' say which clause it is. */
static int clause_head(scn_parser *p, const scn_line *l, const scn_words *ws, bool colon, xs_scn_step *st) {
  const scn_word *k = &ws->w[0];
  int want = 1;
  if (xs__scn_is(k, "output") && ws->n > 1 && xs__scn_is(&ws->w[1], "exactly")) {
    st->mode = XS_OUT_EXACTLY;
    want = 2;
  } else if (xs__scn_is(k, "output") && ws->n > 1 && xs__scn_is(&ws->w[1], "nothing")) {
    st->mode = XS_OUT_NOTHING;
    want = 2;
    if (colon) return xs__scn_fail(p, XS_EINVAL, l->no, ws->w[1].col + ws->w[1].len, "'output nothing' takes no text");
  } else if (xs__scn_is(k, "output")) {
    st->mode = XS_OUT_LIKE;
  } else if (xs__scn_is(k, "fails")) {
    st->mode = XS_OUT_FAILS;
  } else if (xs__scn_is(k, "repeat")) {
    static const char *const kw[] = {"repeat", "every", NULL, "at", "most", NULL, "until", "it", "prints"};
    for (int i = 1; i < 9; i++) {
      const scn_word *w = xs__scn_need(p, l->no, ws, i, kw[i] ? kw[i] : "a duration");
      if (!w) return p->rc;
      if (!kw[i] && xs__scn_duration(p, l->no, w, i == 2 ? &st->every_ms : &st->at_most_ms)) return p->rc;
      if (kw[i] && !xs__scn_is(w, kw[i]))
        return xs__scn_fail(p, XS_EINVAL, l->no, w->col,
                            "expected 'repeat every D at most D until it prints: TEXT', got '%.*s' for '%s'", w->len,
                            w->s, kw[i]);
    }
    if (st->every_ms <= 0) return xs__scn_fail(p, XS_EINVAL, l->no, ws->w[2].col, "'repeat every' needs a duration above 0");
    st->mode = XS_OUT_REPEAT;
    want = 9;
    if (!colon) return xs__scn_fail(p, XS_EINVAL, l->no, l->indent + l->len + 1, "expected ':' and the output to wait for");
  } else {
    static const char *const clauses[] = {"output", "fails", "repeat", NULL};
    const char *sug = xs__scn_suggest(k, clauses);
    return xs__scn_fail(p, XS_EINVAL, l->no, k->col,
                        "expected 'output:', 'output exactly:', 'output nothing', 'fails' or 'repeat every ...' "
                        "under a step, got '%.*s'%s%s%s",
                        k->len, k->s, sug ? " (did you mean '" : "", sug ? sug : "", sug ? "'?)" : "");
  }
  if (ws->n > want)
    return xs__scn_fail(p, XS_EINVAL, l->no, ws->w[want].col, "unexpected '%.*s' in the clause", ws->w[want].len,
                        ws->w[want].s);
  if ((st->mode == XS_OUT_LIKE || st->mode == XS_OUT_EXACTLY) && !colon)
    return xs__scn_fail(p, XS_EINVAL, l->no, l->indent + l->len + 1, "expected ':' and the output");
  return 0;
}

/* The clause line under a step, and its text (inline or a block). */
static int parse_clause(scn_parser *p, const scn_line *l, xs_scn_step *st) {
  int c = xs__scn_colon(l->s, l->len);
  int head = c < 0 ? l->len : c;
  scn_words ws;
  if (xs__scn_split(p, l->no, l->s, head, l->indent + 1, false, &ws)) return p->rc;
  if (clause_head(p, l, &ws, c >= 0, st)) return p->rc;
  st->clause_line = l->no;
  p->cur++;
  if (c < 0) return 0;
  int off = c + 1;
  while (off < l->len && l->s[off] == ' ') off++;
  if (off < l->len) {
    int end = st->mode == XS_OUT_EXACTLY ? l->rawlen : l->len;
    st->text = xs__scn_strdup(p, l->s + off, end - off);
    return p->rc;
  }
  return text_block(p, l, st->mode == XS_OUT_EXACTLY, &st->text);
}

/* on SITE: COMMAND, then an optional clause indented under it. */
static int parse_step(scn_parser *p, const scn_line *l, const scn_words *head, const char *rest, int restlen,
                      int restcol, xs_scn_stmt *st) {
  if (head->n != 2)
    return xs__scn_fail(p, XS_EINVAL, l->no, head->n > 2 ? head->w[2].col : head->w[0].col + 2,
                        "expected 'on SITE: COMMAND'");
  if (xs__scn_name(p, l->no, &head->w[1], "a site name", &st->step.site)) return p->rc;
  if (restlen == 0) return xs__scn_fail(p, XS_EINVAL, l->no, restcol, "expected a CLI command after ':'");
  st->step.command = xs__scn_strdup(p, rest, restlen);
  st->step.command_col = restcol;
  if (!st->step.command) return p->rc;
  p->cur++;
  int j = next_line(p);
  if (j >= 0 && p->lines[j].indent > l->indent) {
    p->cur = j;
    return parse_clause(p, &p->lines[j], &st->step);
  }
  return 0;
}

/* ------------------------------------------------------------------------ */
/* Statements                                                                 */

/* at T: / after D: / when COND: with the statement after the colon or a block. */
static int parse_deferred(scn_parser *p, const scn_line *l, const scn_words *head, const char *rest, int restlen,
                          int restcol, xs_scn_stmt *st) {
  const scn_word *kw = &head->w[0];
  if (xs__scn_is(kw, "when")) {
    int i = 1;
    st->kind = XS_STMT_WHEN;
    if (xs__scn_cond(p, l->no, head, &i, &st->cond)) return p->rc;
    if (i < head->n)
      return xs__scn_fail(p, XS_EINVAL, l->no, head->w[i].col, "unexpected '%.*s' before ':'", head->w[i].len,
                          head->w[i].s);
  } else {
    st->kind = xs__scn_is(kw, "at") ? XS_STMT_AT : XS_STMT_AFTER;
    const scn_word *t = xs__scn_need(p, l->no, head, 1, st->kind == XS_STMT_AT ? "a time" : "a duration");
    if (!t || xs__scn_duration(p, l->no, t, &st->d)) return p->rc;
    if (head->n > 2)
      return xs__scn_fail(p, XS_EINVAL, l->no, head->w[2].col, "unexpected '%.*s' before ':'", head->w[2].len,
                          head->w[2].s);
  }
  if (restlen == 0) {
    p->cur++;
    return parse_block(p, l, true, &st->body, &st->nbody);
  }
  if (xs__scn_colon(rest, restlen) >= 0 && rest[restlen - 1] == ':')
    return xs__scn_fail(p, XS_EINVAL, l->no, restcol, "a block cannot open after another ':' on the same line");
  xs_scn_stmt *inner = new_stmt(p, &st->body, &st->nbody, l->no);
  if (!inner || ++p->depth > XS_SCN_DEPTH_MAX)
    return xs__scn_fail(p, XS_ELIMIT, l->no, restcol, "blocks nested deeper than XS_SCN_DEPTH_MAX (%d)",
                        XS_SCN_DEPTH_MAX);
  int rc = parse_stmt(p, l, rest, restlen, restcol, true, inner);
  p->depth--;
  return rc;
}

/* A statement whose keyword takes "head: rest" (on, at, after, when). */
static bool colon_keyword(const scn_word *w) {
  return xs__scn_is(w, "on") || xs__scn_is(w, "at") || xs__scn_is(w, "after") || xs__scn_is(w, "when");
}

/* `advance`: this statement starts its line, so it moves past the line
 * (a statement after another one's ':' leaves that to the outer one). */
static int parse_colon_stmt(scn_parser *p, const scn_line *l, const char *s, int len, int col0, bool advance,
                            xs_scn_stmt *st) {
  int c = xs__scn_colon(s, len);
  scn_words head;
  if (c < 0)
    return xs__scn_fail(p, XS_EINVAL, l->no, col0 + len,
                        "expected ':' after '%.*s' (as in 'on site-b: site status --all-caches --site=site-a')", len,
                        s);
  if (xs__scn_split(p, l->no, s, c, col0, false, &head)) return p->rc;
  int off = c + 1;
  while (off < len && s[off] == ' ') off++;
  if (xs__scn_is(&head.w[0], "on")) {
    st->kind = XS_STMT_STEP;
    return parse_step(p, l, &head, s + off, len - off, col0 + off, st);
  }
  /* A comment after an inline statement is allowed, as on any line. */
  int restlen = len - off;
  for (int i = off; i < len; i++)
    if (s[i] == '#' && s[i - 1] == ' ') {
      restlen = i - off;
      break;
    }
  while (restlen > 0 && s[off + restlen - 1] == ' ') restlen--;
  if (parse_deferred(p, l, &head, s + off, restlen, col0 + off, st)) return p->rc;
  if (advance && restlen > 0) p->cur++;
  return 0;
}

/* The first word of s (for dispatch, before the line is split). */
static scn_word first_word(const char *s, int len, int col0) {
  int i = 0;
  while (i < len && s[i] != ' ' && s[i] != '\t' && s[i] != ':') i++;
  return (scn_word){s, i, col0};
}

static int parse_stmt(scn_parser *p, const scn_line *l, const char *s, int len, int col0, bool deferred,
                      xs_scn_stmt *st) {
  st->line = l->no;
  st->col = col0;
  if (!(st->src = xs__scn_strdup(p, s, len))) return p->rc;
  bool starts_line = s == l->s;
  scn_word kw = first_word(s, len, col0);
  if (colon_keyword(&kw)) {
    if (xs__scn_is(&kw, "on") && deferred)
      return xs__scn_fail(p, XS_EINVAL, l->no, kw.col,
                          "a procedure step cannot run inside at/after/when: steps run in the timeline, in order");
    return parse_colon_stmt(p, l, s, len, col0, starts_line, st);
  }
  scn_words ws;
  if (xs__scn_split(p, l->no, s, len, col0, true, &ws)) return p->rc;
  if (ws.n == 0) return xs__scn_fail(p, XS_EINVAL, l->no, col0, "expected a statement");
  if (is_header(&ws.w[0]))
    return xs__scn_fail(p, XS_EINVAL, l->no, ws.w[0].col, "'%.*s' belongs to the header, at the top of the file",
                        ws.w[0].len, ws.w[0].s);
  if (!known_keyword(&ws.w[0])) return unknown_keyword(p, l, &ws.w[0]);
  if (xs__scn_stmt_words(p, l->no, &ws, st)) return p->rc;
  if (deferred && !xs__scn_deferrable(st->kind))
    return xs__scn_fail(p, XS_EINVAL, l->no, ws.w[0].col,
                        "'%.*s' cannot run inside at/after/when (only actors, faults and marks can)", ws.w[0].len,
                        ws.w[0].s);
  if (starts_line) p->cur++;
  return 0;
}

/* ------------------------------------------------------------------------ */
/* The file                                                                   */

static bool is_header(const scn_word *w) {
  return xs__scn_is(w, "name") || xs__scn_is(w, "description") || xs__scn_is(w, "expect") ||
         xs__scn_is(w, "seed") || xs__scn_is(w, "topology") || xs__scn_is(w, "set");
}

static int unknown_keyword(scn_parser *p, const scn_line *l, const scn_word *kw) {
  const char *sug = xs__scn_suggest(kw, stmt_keywords);
  return xs__scn_fail(p, XS_EINVAL, l->no, kw->col, "unknown statement '%.*s'%s%s%s", kw->len, kw->s,
                      sug ? " (did you mean '" : "", sug ? sug : "", sug ? "'?)" : "");
}

static bool known_keyword(const scn_word *kw) {
  for (int i = 0; stmt_keywords[i]; i++)
    if (xs__scn_is(kw, stmt_keywords[i])) return true;
  return false;
}

static int parse_top(scn_parser *p) {
  int seen[6] = {0}; /* name, description, expect, seed, topology, set */
  static const char *const hk[] = {"name", "description", "expect", "seed", "topology", "set"};
  int j;
  while ((j = next_line(p)) >= 0) {
    const scn_line *l = &p->lines[j];
    p->cur = j;
    if (l->indent)
      return xs__scn_fail(p, XS_EINVAL, l->no, l->indent + 1,
                          "unexpected indentation (only blocks, step clauses and outputs are indented)");
    scn_words ws;
    if (xs__scn_split(p, l->no, l->s, l->len, 1, true, &ws)) return p->rc;
    if (!known_keyword(&ws.w[0])) return unknown_keyword(p, l, &ws.w[0]);
    if (is_header(&ws.w[0])) {
      int h = 0;
      while (!xs__scn_is(&ws.w[0], hk[h])) h++;
      if (parse_header(p, l, &ws, &seen[h])) return p->rc;
      p->cur++;
      continue;
    }
    p->timeline = true;
    xs_scn_stmt *st = new_stmt(p, &p->scn->stmts, &p->scn->nstmts, l->no);
    if (!st || parse_stmt(p, l, l->s, l->len, 1, false, st)) return p->rc;
  }
  return 0;
}

/* Every `since M` must name a mark the scenario sets somewhere. */
static bool has_mark(const xs_scn_stmt *v, int n, const char *name) {
  for (int i = 0; i < n; i++) {
    if (v[i].kind == XS_STMT_MARK && strcmp(v[i].text, name) == 0) return true;
    if (has_mark(v[i].body, v[i].nbody, name)) return true;
  }
  return false;
}

static int check_marks(scn_parser *p, const xs_scn_stmt *v, int n) {
  for (int i = 0; i < n && !p->rc; i++) {
    const xs_scn_ref *m = &v[i].check.since;
    if (v[i].kind == XS_STMT_CHECK && m->name[0] && !has_mark(p->scn->stmts, p->scn->nstmts, m->name))
      return xs__scn_fail(p, XS_EINVAL, v[i].line, m->col, "no 'mark %s' in this scenario", m->name);
    check_marks(p, v[i].body, v[i].nbody);
  }
  return p->rc;
}

int xs_scn_parse(const char *bytes, size_t len, xs_scenario **out, xs_scn_error *err) {
  memset(err, 0, sizeof *err);
  *out = NULL;
  scn_parser p = {.bytes = bytes, .len = len, .err = err};
  p.scn = calloc(1, sizeof *p.scn);
  if (!p.scn) return xs__scn_fail(&p, XS_ENOMEM, 0, 0, "out of memory");
  if (!xs__scn_lines(&p) && !parse_top(&p)) check_marks(&p, p.scn->stmts, p.scn->nstmts);
  free(p.lines);
  if (p.rc) {
    xs_scn_free(p.scn);
    return p.rc;
  }
  *out = p.scn;
  return 0;
}

static void free_stmts(xs_scn_stmt *v, int n) {
  for (int i = 0; i < n; i++) {
    xs_scn_stmt *st = &v[i];
    free(st->src);
    free(st->text);
    free(st->step.command);
    free(st->step.text);
    free(st->cond.caches.v);
    free(st->check.cond.caches.v);
    free_stmts(st->body, st->nbody);
  }
  free(v);
}

void xs_scn_free(xs_scenario *s) {
  if (!s) return;
  free(s->description);
  for (int i = 0; i < s->noverrides; i++) free(s->overrides[i].src);
  free(s->overrides);
  free_stmts(s->stmts, s->nstmts);
  free(s);
}

void xs_scn_error_format(const char *path, const xs_scn_error *e, xs_buf *out) {
  xs_buf_printf(out, "%s:%d:%d: %s\n", path, e->line, e->col, e->msg);
  if (e->line <= 0) return;
  xs_buf_printf(out, "%5d | %s\n", e->line, e->text);
  if (e->col <= 0) return;
  xs_buf_puts(out, "      | ");
  for (int i = 1; i < e->col && i <= XS_SCN_LINE_BYTES_MAX; i++) xs_buf_puts(out, e->text[i - 1] == '\t' ? "\t" : " ");
  xs_buf_puts(out, "^\n");
}
