/*
 * scenario_lex.c - the scenario parser's lexical layer: lines, words, the
 * value syntaxes and errors that say file:line:col and quote the text.
 *
 * Everything here works on the caller's bytes and never reads past `len`:
 * the file may hold anything (NUL bytes, a missing final newline, lines of
 * a megabyte), and each problem becomes a message, not a crash.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario_lex.h"

/* Copies the line `no` into err->text, control bytes shown as '?'. */
static void quote_line(scn_parser *p, int no) {
  xs_scn_error *e = p->err;
  e->text[0] = 0;
  if (no < 1) return;
  const char *s = p->bytes, *end = p->bytes + p->len;
  for (int n = 1; n < no && s < end; s++)
    if (*s == '\n') n++;
  size_t k = 0;
  while (s < end && *s != '\n' && *s != '\r' && k < XS_SCN_LINE_BYTES_MAX) {
    unsigned char c = (unsigned char)*s++;
    e->text[k++] = (c < 0x20 && c != '\t') || c == 0x7f ? '?' : (char)c;
  }
  e->text[k] = 0;
}

int xs__scn_fail(scn_parser *p, int rc, int line, int col, const char *fmt, ...) {
  if (p->rc) return p->rc;
  p->rc = rc;
  p->err->line = line;
  p->err->col = col;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(p->err->msg, sizeof p->err->msg, fmt, ap);
  va_end(ap);
  quote_line(p, line);
  return rc;
}

/* ------------------------------------------------------------------------ */
/* Lines                                                                      */

/* Checks one line's bytes; fills *l.  The line is s[0..len), CR removed. */
static int scan_line(scn_parser *p, const char *s, int len, int no, scn_line *l) {
  int i = 0;
  while (i < len && s[i] == ' ') i++;
  if (i < len && s[i] == '\t')
    return xs__scn_fail(p, XS_EINVAL, no, i + 1, "a tab in the indentation; indent with spaces");
  for (int k = i; k < len; k++) {
    unsigned char c = (unsigned char)s[k];
    if (c == 0) return xs__scn_fail(p, XS_EINVAL, no, k + 1, "a NUL byte; scenario files are text");
    if ((c < 0x20 && c != '\t') || c == 0x7f)
      return xs__scn_fail(p, XS_EINVAL, no, k + 1, "control character 0x%02x; scenario files are text", c);
  }
  int end = len;
  while (end > i && (s[end - 1] == ' ' || s[end - 1] == '\t')) end--;
  l->s = s + i;
  l->len = end - i;
  l->rawlen = len - i;
  l->no = no;
  l->indent = i;
  l->blank = l->len == 0 || l->s[0] == '#';
  return 0;
}

int xs__scn_lines(scn_parser *p) {
  if (p->len > XS_SCN_FILE_BYTES_MAX)
    return xs__scn_fail(p, XS_ELIMIT, 0, 0, "the file has %zu bytes, more than XS_SCN_FILE_BYTES_MAX (%u)", p->len,
                        XS_SCN_FILE_BYTES_MAX);
  size_t cap = 1;
  for (size_t i = 0; i < p->len; i++) cap += p->bytes[i] == '\n';
  p->lines = calloc(cap, sizeof *p->lines);
  if (!p->lines) return xs__scn_fail(p, XS_ENOMEM, 0, 0, "out of memory");
  const char *s = p->bytes, *end = p->bytes + p->len;
  int no = 0;
  while (s < end) {
    const char *nl = memchr(s, '\n', (size_t)(end - s));
    const char *le = nl ? nl : end;
    size_t len = (size_t)(le - s);
    if (len && s[len - 1] == '\r') len--;
    no++;
    if (len > XS_SCN_LINE_BYTES_MAX)
      return xs__scn_fail(p, XS_ELIMIT, no, XS_SCN_LINE_BYTES_MAX + 1,
                          "line longer than XS_SCN_LINE_BYTES_MAX (%d bytes)", XS_SCN_LINE_BYTES_MAX);
    int rc = scan_line(p, s, (int)len, no, &p->lines[p->nlines]);
    if (rc) return rc;
    p->nlines++;
    s = nl ? nl + 1 : end;
  }
  return 0;
}

/* ------------------------------------------------------------------------ */
/* Words                                                                      */

int xs__scn_split(scn_parser *p, int line, const char *s, int len, int col0, bool comments, scn_words *out) {
  out->n = 0;
  int i = 0;
  while (i < len) {
    if (s[i] == ' ') {
      i++;
      continue;
    }
    if (s[i] == '\t') return xs__scn_fail(p, XS_EINVAL, line, col0 + i, "a tab between words; use spaces");
    if (comments && s[i] == '#') break;
    if (out->n == XS_SCN_WORDS_MAX)
      return xs__scn_fail(p, XS_ELIMIT, line, col0 + i, "more than XS_SCN_WORDS_MAX (%d) words in one statement",
                          XS_SCN_WORDS_MAX);
    int b = i;
    while (i < len && s[i] != ' ' && s[i] != '\t') i++;
    out->w[out->n++] = (scn_word){s + b, i - b, col0 + b};
  }
  return 0;
}

bool xs__scn_is(const scn_word *w, const char *kw) {
  size_t n = strlen(kw);
  return w && (size_t)w->len == n && memcmp(w->s, kw, n) == 0;
}

/* Levenshtein distance, capped: long words are not suggestions anyway. */
static int distance(const char *a, int la, const char *b, int lb) {
  enum { CAP = 32 };
  if (la > CAP || lb > CAP) return CAP;
  int row[CAP + 1];
  for (int j = 0; j <= lb; j++) row[j] = j;
  for (int i = 1; i <= la; i++) {
    int diag = row[0];
    row[0] = i;
    for (int j = 1; j <= lb; j++) {
      int up = row[j];
      int best = diag + (a[i - 1] != b[j - 1]);
      if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
      if (up + 1 < best) best = up + 1;
      row[j] = best;
      diag = up;
    }
  }
  return row[lb];
}

const char *xs__scn_suggest(const scn_word *w, const char *const *kws) {
  const char *best = NULL;
  int bd = 3;
  for (int i = 0; kws[i]; i++) {
    int d = distance(w->s, w->len, kws[i], (int)strlen(kws[i]));
    if (w->len >= 3 && strncmp(kws[i], w->s, (size_t)w->len) == 0 && d >= 1) d = 1; /* a prefix: "keycloak" */
    if (d < bd) {
      bd = d;
      best = kws[i];
    }
  }
  return best;
}

const scn_word *xs__scn_need(scn_parser *p, int line, const scn_words *ws, int i, const char *what) {
  if (i < ws->n) return &ws->w[i];
  if (ws->n == 0) {
    xs__scn_fail(p, XS_EINVAL, line, 0, "expected %s", what);
  } else {
    const scn_word *last = &ws->w[ws->n - 1];
    xs__scn_fail(p, XS_EINVAL, line, last->col + last->len, "expected %s after '%.*s'", what, last->len, last->s);
  }
  return NULL;
}

int xs__scn_colon(const char *s, int len) {
  for (int i = 0; i < len; i++)
    if (s[i] == ':' && (i + 1 == len || s[i + 1] == ' ')) return i;
  return -1;
}

char *xs__scn_strdup(scn_parser *p, const char *s, int len) {
  char *c = malloc((size_t)len + 1);
  if (!c) {
    xs__scn_fail(p, XS_ENOMEM, 0, 0, "out of memory");
    return NULL;
  }
  memcpy(c, s, (size_t)len);
  c[len] = 0;
  return c;
}

/* ------------------------------------------------------------------------ */
/* Values                                                                     */

int xs_scn_parse_duration(const char *s, xs_ms *out) {
  static const struct { const char *u; xs_ms ms; } units[] = {
      {"d", 86400000}, {"h", 3600000}, {"ms", 1}, {"m", 60000}, {"s", 1000}};
  xs_ms total = 0, last_unit = INT64_MAX;
  bool any = false;
  while (*s) {
    if (!isdigit((unsigned char)*s)) return XS_EINVAL;
    int64_t v = 0;
    while (isdigit((unsigned char)*s)) {
      v = v * 10 + (*s++ - '0');
      if (v > XS_SCN_DURATION_MAX) return XS_ELIMIT;
    }
    xs_ms unit = 0;
    for (size_t u = 0; u < sizeof units / sizeof units[0] && !unit; u++) {
      size_t n = strlen(units[u].u);
      if (strncmp(s, units[u].u, n) == 0 && !isalpha((unsigned char)s[n])) {
        unit = units[u].ms;
        s += n;
      }
    }
    if (!unit || unit >= last_unit) return XS_EINVAL; /* no unit, or units not largest first */
    last_unit = unit;
    if (v > XS_SCN_DURATION_MAX / unit || total + v * unit > XS_SCN_DURATION_MAX) return XS_ELIMIT;
    total += v * unit;
    any = true;
  }
  if (!any) return XS_EINVAL;
  *out = total;
  return 0;
}

int xs__scn_duration(scn_parser *p, int line, const scn_word *w, xs_ms *out) {
  char buf[64];
  if (!w) return xs__scn_fail(p, XS_EINVAL, line, 0, "expected a duration (such as 30s, 5m or 1m30s)");
  snprintf(buf, sizeof buf, "%.*s", w->len, w->s);
  int rc = w->len < (int)sizeof buf ? xs_scn_parse_duration(buf, out) : XS_ELIMIT;
  if (rc == XS_ELIMIT)
    return xs__scn_fail(p, XS_ELIMIT, line, w->col, "duration '%.*s' is longer than XS_SCN_DURATION_MAX (30d)",
                        w->len, w->s);
  if (rc)
    return xs__scn_fail(p, XS_EINVAL, line, w->col,
                        "expected a duration such as 500ms, 30s, 5m, 2h or 1m30s, got '%.*s'", w->len, w->s);
  return 0;
}

/* A decimal with at most three digits after the point, in thousandths. */
static int decimal_milli(const char *s, int len, int64_t max, int64_t *out) {
  int64_t v = 0;
  int i = 0, frac = -1;
  if (len == 0) return XS_EINVAL;
  for (; i < len; i++) {
    if (s[i] == '.' && frac < 0 && i > 0) {
      frac = 0;
      continue;
    }
    if (!isdigit((unsigned char)s[i])) return XS_EINVAL;
    if (frac >= 0 && ++frac > 3) return XS_EINVAL;
    v = v * 10 + (s[i] - '0');
    if (v > max * 1000) return XS_ELIMIT;
  }
  if (frac == 0) return XS_EINVAL; /* "2." */
  for (int k = frac < 0 ? 0 : frac; k < 3; k++) v *= 10;
  if (v > max * 1000) return XS_ELIMIT;
  *out = v;
  return 0;
}

int xs__scn_rate(scn_parser *p, int line, const scn_word *w, xs_scn_rate *out) {
  if (!w) return xs__scn_fail(p, XS_EINVAL, line, 0, "expected a rate (such as 2/s, 30/m or 1/h)");
  const char *slash = memchr(w->s, '/', (size_t)w->len);
  int n = slash ? (int)(slash - w->s) : w->len;
  int64_t milli = 0;
  int rc = slash ? decimal_milli(w->s, n, XS_SCN_RATE_MAX_MILLI / 1000, &milli) : XS_EINVAL;
  xs_ms unit = 0;
  if (slash && w->len - n == 2) unit = slash[1] == 's' ? 1000 : slash[1] == 'm' ? 60000 : slash[1] == 'h' ? 3600000 : 0;
  if (rc == XS_ELIMIT)
    return xs__scn_fail(p, XS_ELIMIT, line, w->col, "rate '%.*s' is above XS_SCN_RATE_MAX_MILLI (10000 per unit)",
                        w->len, w->s);
  if (rc || !unit)
    return xs__scn_fail(p, XS_EINVAL, line, w->col,
                        "expected a rate such as 2/s, 0.5/s, 30/m or 1/h (at most 3 decimals), got '%.*s'", w->len,
                        w->s);
  out->milli = milli;
  out->unit_ms = unit;
  return 0;
}

int xs__scn_percent(scn_parser *p, int line, const scn_word *w, int64_t *milli) {
  if (!w) return xs__scn_fail(p, XS_EINVAL, line, 0, "expected a percentage such as 10%%");
  int rc = w->len >= 2 && w->s[w->len - 1] == '%' ? decimal_milli(w->s, w->len - 1, 100, milli) : XS_EINVAL;
  if (rc == XS_ELIMIT)
    return xs__scn_fail(p, XS_ELIMIT, line, w->col, "percentage '%.*s' is above 100%%", w->len, w->s);
  if (rc)
    return xs__scn_fail(p, XS_EINVAL, line, w->col, "expected a percentage such as 10%% or 0.5%%, got '%.*s'",
                        w->len, w->s);
  return 0;
}

int xs__scn_count(scn_parser *p, int line, const scn_word *w, int64_t *out) {
  if (!w) return xs__scn_fail(p, XS_EINVAL, line, 0, "expected a number");
  int64_t v = 0;
  for (int i = 0; i < w->len; i++) {
    if (!isdigit((unsigned char)w->s[i]))
      return xs__scn_fail(p, XS_EINVAL, line, w->col, "expected a whole number, got '%.*s'", w->len, w->s);
    v = v * 10 + (w->s[i] - '0');
    if (v > XS_SCN_COUNT_MAX)
      return xs__scn_fail(p, XS_ELIMIT, line, w->col, "'%.*s' is above XS_SCN_COUNT_MAX (%d)", w->len, w->s,
                          XS_SCN_COUNT_MAX);
  }
  if (w->len == 0) return xs__scn_fail(p, XS_EINVAL, line, w->col, "expected a number");
  *out = v;
  return 0;
}

int xs__scn_seed(scn_parser *p, int line, const scn_word *w, uint64_t *out) {
  char buf[32];
  if (!w || w->len == 0 || w->len >= (int)sizeof buf || !isdigit((unsigned char)w->s[0]))
    return xs__scn_fail(p, XS_EINVAL, line, w ? w->col : 0, "expected a seed (a number, decimal or 0x...), got '%.*s'",
                        w ? w->len : 0, w ? w->s : "");
  memcpy(buf, w->s, (size_t)w->len);
  buf[w->len] = 0;
  char *end;
  errno = 0;
  unsigned long long v = strtoull(buf, &end, 0);
  if (*end || errno)
    return xs__scn_fail(p, XS_EINVAL, line, w->col, "expected a seed below 2^64 (decimal or 0x...), got '%.*s'",
                        w->len, w->s);
  *out = v;
  return 0;
}

int xs__scn_token(scn_parser *p, int line, const scn_word *w, const char *what, xs_scn_ref *out) {
  if (!w) return xs__scn_fail(p, XS_EINVAL, line, 0, "expected %s", what);
  if (w->len >= XS_NAME_BYTES_MAX)
    return xs__scn_fail(p, XS_ELIMIT, line, w->col, "%s '%.*s' is longer than %d bytes", what, w->len, w->s,
                        XS_NAME_BYTES_MAX - 1);
  memcpy(out->name, w->s, (size_t)w->len);
  out->name[w->len] = 0;
  out->col = w->col;
  return 0;
}

int xs__scn_name(scn_parser *p, int line, const scn_word *w, const char *what, xs_scn_ref *out) {
  if (!w) return xs__scn_fail(p, XS_EINVAL, line, 0, "expected %s", what);
  for (int i = 0; i < w->len; i++) {
    unsigned char c = (unsigned char)w->s[i];
    if (!isalnum(c) && c != '.' && c != '_' && c != '-')
      return xs__scn_fail(p, XS_EINVAL, line, w->col + i,
                          "expected %s (letters, digits, '.', '_' or '-'), got '%.*s'", what, w->len, w->s);
  }
  return xs__scn_token(p, line, w, what, out);
}
