/*
 * resp_parse.c - the resumable RESP request parser and the single-port
 * detector (see resp_parse.h).
 *
 * The parser is a byte-driven state machine.  Multibulk requests are read
 * header line by header line and bulk by bulk, copying argument bytes into
 * p->data as they arrive, so a 10 MB value arriving in 1-byte fragments costs
 * no rescanning.  Inline requests are accumulated up to their newline and
 * then split in place with Redis's sdssplitargs() rules.  The wording of the
 * errors is Redis's (networking.c), so clients and people recognise them.
 */
#include "resp_parse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xsim.h"

enum {
  S_START = 0,   /* at the first byte of a request */
  S_MB_COUNT,    /* reading the "*N" line */
  S_BULK_HDR,    /* expecting the '$' of the next bulk */
  S_BULK_COUNT,  /* reading the "$N" line */
  S_BULK_DATA,   /* copying bulk bytes */
  S_BULK_CR,     /* expecting the CR after the bulk */
  S_BULK_LF,     /* expecting the LF after the bulk */
  S_INLINE,      /* accumulating an inline line */
  S_DONE,        /* a command was returned; storage is reset on the next call */
  S_ERROR,       /* a protocol error was returned; sticky */
};

/* The one-pass path (fast_multibulk) takes commands up to these sizes:
 * SET, GET and the like from a pipelining client. */
#define FAST_ARGS_MAX 16
#define FAST_BULK_BYTES_MAX (64 * 1024)
#define FAST_DIGITS_MAX 9

void xs_resp_parser_init(xs_resp_parser *p) {
  memset(p, 0, sizeof *p);
  /* Room for the largest request plus one NUL per argument. */
  xs_buf_init(&p->data, (size_t)XS_RESP_REQUEST_BYTES_MAX + XS_RESP_MULTIBULK_ARGS_MAX + 1);
  p->state = S_START;
}

static void free_arrays(xs_resp_parser *p) {
  free(p->offs);
  free(p->lens);
  free(p->ptrs);
  p->offs = NULL;
  p->lens = NULL;
  p->ptrs = NULL;
  p->argv = NULL;
  p->argl = NULL;
  p->cap = p->nargs = 0;
}

void xs_resp_parser_free(xs_resp_parser *p) {
  xs_buf_free(&p->data);
  free_arrays(p);
}

/* Forgets the previous command; large storage is given back. */
static void reset_command(xs_resp_parser *p) {
  if (p->data.cap > XS_RESP_KEEP_BYTES) xs_buf_free(&p->data);
  else xs_buf_reset(&p->data);
  if (p->cap > XS_RESP_KEEP_BYTES / sizeof(size_t)) free_arrays(p);
  p->nargs = 0;
  p->argc = 0;
  p->line_len = 0;
  p->state = S_START;
}

void xs_resp_parser_done(xs_resp_parser *p) {
  if (p->state == S_DONE) reset_command(p);
}

static int proto_error(xs_resp_parser *p, const char *what) {
  snprintf(p->err, sizeof p->err, "ERR Protocol error: %s", what);
  p->state = S_ERROR;
  return XS_RESP_EPROTO;
}

/* Records an argument at data[off..off+len). */
static int add_arg(xs_resp_parser *p, size_t off, size_t len) {
  if (p->nargs == p->cap) {
    size_t cap = p->cap ? p->cap * 2 : 8;
    size_t *o = realloc(p->offs, cap * sizeof *o);
    if (o) p->offs = o;
    size_t *l = realloc(p->lens, cap * sizeof *l);
    if (l) p->lens = l;
    const char **q = realloc(p->ptrs, cap * sizeof *q);
    if (q) p->ptrs = q;
    if (!o || !l || !q) return XS_ENOMEM;
    p->cap = cap;
  }
  p->offs[p->nargs] = off;
  p->lens[p->nargs] = len;
  p->nargs++;
  return 0;
}

/* Publishes the arguments collected as the parsed command. */
static int finish_command(xs_resp_parser *p) {
  if (!xs_buf_ok(&p->data)) return XS_ENOMEM;
  for (size_t i = 0; i < p->nargs; i++) p->ptrs[i] = (const char *)p->data.data + p->offs[i];
  p->argc = (int)p->nargs;
  p->argv = p->ptrs;
  p->argl = p->lens;
  p->state = S_DONE;
  return XS_RESP_COMMAND;
}

/* Redis's string2ll: an optional '-', then digits without leading zeros. */
static bool parse_ll(const char *s, size_t n, int64_t *out) {
  size_t i = 0;
  bool neg = false;
  if (n == 0) return false;
  if (s[0] == '-') {
    neg = true;
    if (++i == n) return false;
  }
  if (s[i] == '0' && n - i > 1) return false;
  uint64_t v = 0;
  for (; i < n; i++) {
    if (s[i] < '0' || s[i] > '9') return false;
    uint64_t d = (uint64_t)(s[i] - '0');
    if (v > (UINT64_MAX - d) / 10) return false;
    v = v * 10 + d;
  }
  if (neg) {
    if (v > (uint64_t)INT64_MAX + 1) return false;
    *out = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
  } else {
    if (v > (uint64_t)INT64_MAX) return false;
    *out = (int64_t)v;
  }
  return true;
}

/* Accumulates a header line; returns 1 when complete (CR stripped), 0 when
 * more is needed, or a protocol error when it is too long. */
static int take_line(xs_resp_parser *p, uint8_t c, const char *too_big) {
  if (c == '\n') {
    if (p->line_len > 0 && p->line[p->line_len - 1] == '\r') p->line_len--;
    p->line[p->line_len] = 0;
    return 1;
  }
  if (p->line_len >= XS_RESP_COUNT_LINE_BYTES_MAX) return proto_error(p, too_big);
  p->line[p->line_len++] = (char)c;
  return 0;
}

static int on_mb_count(xs_resp_parser *p) {
  int64_t n;
  if (!parse_ll(p->line, p->line_len, &n) || n > XS_RESP_MULTIBULK_ARGS_MAX)
    return proto_error(p, "invalid multibulk length");
  if (!p->authenticated && n > XS_RESP_UNAUTH_MULTIBULK_ARGS_MAX)
    return proto_error(p, "unauthenticated multibulk length");
  p->line_len = 0;
  if (n <= 0) { /* "*0" and "*-1": nothing to run, as in Redis */
    p->state = S_START;
    return 0;
  }
  p->args_left = n;
  p->state = S_BULK_HDR;
  return 0;
}

static int on_bulk_count(xs_resp_parser *p) {
  int64_t n;
  if (!parse_ll(p->line, p->line_len, &n) || n < 0 || n > (int64_t)XS_RESP_BULK_BYTES_MAX)
    return proto_error(p, "invalid bulk length");
  if (!p->authenticated && n > (int64_t)XS_RESP_UNAUTH_BULK_BYTES_MAX)
    return proto_error(p, "unauthenticated bulk length");
  if (p->data.len + (size_t)n + 1 > XS_RESP_REQUEST_BYTES_MAX)
    return proto_error(p, "request too large");
  p->line_len = 0;
  if (add_arg(p, p->data.len, (size_t)n)) return XS_ENOMEM;
  p->bulk_left = n;
  p->state = S_BULK_DATA;
  if (n == 0) { /* an empty bulk: straight to its CRLF */
    xs_buf_append(&p->data, "", 1);
    p->state = S_BULK_CR;
  }
  return 0;
}

/* The end of one bulk: the next bulk, or the end of the command. */
static int on_bulk_end(xs_resp_parser *p) {
  if (--p->args_left > 0) {
    p->state = S_BULK_HDR;
    return 0;
  }
  return finish_command(p);
}

/* Is the character a separator for sdssplitargs()? */
static bool is_blank(uint8_t c) {
  return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\v' || c == '\f';
}

static int hex_val(uint8_t c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* One argument of an inline line, read from s[*r] and written to s[*w]
 * (w <= r always, so the split happens in place).  Returns false on
 * unbalanced quotes.  `end` points at the line's terminating NUL. */
static bool split_one(uint8_t *s, size_t *r, size_t *w, size_t end) {
  bool inq = false, insq = false;
  for (;;) {
    uint8_t c = *r < end ? s[*r] : 0;
    uint8_t c1 = *r + 1 < end ? s[*r + 1] : 0;
    if (inq) {
      if (c == '\\' && c1 == 'x' && *r + 3 < end && hex_val(s[*r + 2]) >= 0 && hex_val(s[*r + 3]) >= 0) {
        s[(*w)++] = (uint8_t)(hex_val(s[*r + 2]) * 16 + hex_val(s[*r + 3]));
        *r += 3;
      } else if (c == '\\' && c1) {
        (*r)++;
        s[(*w)++] = c1 == 'n' ? '\n' : c1 == 'r' ? '\r' : c1 == 't' ? '\t' : c1 == 'b' ? '\b' : c1 == 'a' ? '\a' : c1;
      } else if (c == '"') {
        if (c1 && !is_blank(c1)) return false; /* the closing quote must end the argument */
        (*r)++;
        return true;
      } else if (!c) {
        return false;
      } else {
        s[(*w)++] = c;
      }
    } else if (insq) {
      if (c == '\\' && c1 == '\'') {
        (*r)++;
        s[(*w)++] = '\'';
      } else if (c == '\'') {
        if (c1 && !is_blank(c1)) return false;
        (*r)++;
        return true;
      } else if (!c) {
        return false;
      } else {
        s[(*w)++] = c;
      }
    } else if (!c || is_blank(c)) {
      if (c) (*r)++; /* consume the separator: the caller writes a NUL at w <= r - 1 */
      return true;
    } else if (c == '"') {
      inq = true;
    } else if (c == '\'') {
      insq = true;
    } else {
      s[(*w)++] = c;
    }
    (*r)++;
  }
}

/* Splits the inline line held in p->data (NUL-terminated) into arguments. */
static int split_inline(xs_resp_parser *p) {
  uint8_t *s = p->data.data;
  size_t end = p->data.len - 1, r = 0, w = 0;
  for (;;) {
    while (r < end && s[r] && is_blank(s[r])) r++;
    if (r >= end || !s[r]) break;
    size_t start = w;
    if (!split_one(s, &r, &w, end)) return proto_error(p, "unbalanced quotes in request");
    if (add_arg(p, start, w - start)) return XS_ENOMEM;
    s[w++] = 0;
  }
  if (p->nargs == 0) { /* an empty line: Redis ignores it */
    reset_command(p);
    return 0;
  }
  return finish_command(p);
}

/* Inline bytes up to and including the newline. */
static int inline_bytes(xs_resp_parser *p, const uint8_t *b, size_t len, size_t *i) {
  const uint8_t *nl = memchr(b + *i, '\n', len - *i);
  size_t n = nl ? (size_t)(nl - (b + *i)) : len - *i;
  if (p->data.len + n > XS_RESP_INLINE_BYTES_MAX) return proto_error(p, "too big inline request");
  xs_buf_append(&p->data, b + *i, n);
  *i += n;
  if (!nl) return 0;
  (*i)++;
  if (p->data.len > 0 && p->data.data[p->data.len - 1] == '\r') p->data.len--;
  xs_buf_append(&p->data, "", 1);
  if (!xs_buf_ok(&p->data)) return XS_ENOMEM;
  return split_inline(p);
}

/* Copies as much of the current bulk as is available. */
static void bulk_bytes(xs_resp_parser *p, const uint8_t *b, size_t len, size_t *i) {
  size_t n = len - *i;
  if ((int64_t)n > p->bulk_left) n = (size_t)p->bulk_left;
  xs_buf_append(&p->data, b + *i, n);
  *i += n;
  p->bulk_left -= (int64_t)n;
  if (p->bulk_left == 0) {
    xs_buf_append(&p->data, "", 1);
    p->state = S_BULK_CR;
  }
}

/* Runs the state machine over one byte (or a run, for data and inline). */
static int step(xs_resp_parser *p, const uint8_t *b, size_t len, size_t *i) {
  uint8_t c = b[*i];
  int rc;
  switch (p->state) {
  case S_START:
    if (c == '*') {
      p->state = S_MB_COUNT;
      (*i)++;
      return 0;
    }
    p->state = S_INLINE;
    return inline_bytes(p, b, len, i);
  case S_INLINE: return inline_bytes(p, b, len, i);
  case S_MB_COUNT:
    (*i)++;
    rc = take_line(p, c, "too big mbulk count string");
    return rc == 1 ? on_mb_count(p) : rc;
  case S_BULK_HDR:
    (*i)++;
    if (c != '$') {
      char what[64];
      snprintf(what, sizeof what, "expected '$', got '%c'", (char)c);
      return proto_error(p, what);
    }
    p->state = S_BULK_COUNT;
    return 0;
  case S_BULK_COUNT:
    (*i)++;
    rc = take_line(p, c, "too big bulk count string");
    return rc == 1 ? on_bulk_count(p) : rc;
  case S_BULK_DATA: bulk_bytes(p, b, len, i); return 0;
  case S_BULK_CR:
    (*i)++;
    if (c != '\r') return proto_error(p, "expected CRLF after bulk data");
    p->state = S_BULK_LF;
    return 0;
  case S_BULK_LF:
    (*i)++;
    if (c != '\n') return proto_error(p, "expected CRLF after bulk data");
    return on_bulk_end(p);
  default: return proto_error(p, "internal parser state");
  }
}

/* "<digits>\r\n" at b[*i..], as parse_ll would take the digits (no
 * leading zero, at most FAST_DIGITS_MAX of them): the value (past the
 * CRLF), or -1 for anything else, which the state machine then judges. */
static int64_t fast_count(const uint8_t *b, size_t len, size_t *i) {
  size_t s = *i, e = s;
  int64_t n = 0;
  while (e < len && b[e] >= '0' && b[e] <= '9') {
    if (e - s == FAST_DIGITS_MAX) return -1;
    n = n * 10 + (b[e] - '0');
    e++;
  }
  if (e == s || (b[s] == '0' && e - s > 1) || len - e < 2 || b[e] != '\r' || b[e + 1] != '\n')
    return -1;
  *i = e + 2;
  return n;
}

/* The common case in one pass: a whole multibulk of at most FAST_ARGS_MAX
 * bulks of at most FAST_BULK_BYTES_MAX bytes, CRLF everywhere, already in
 * b[0..len), from an authenticated client (whose limits are the large
 * ones).  It yields what the byte-driven machine would: the same arguments,
 * each followed by a NUL in p->data.  Anything else - a partial command,
 * an odd or bad header - returns 0 having changed nothing, and the machine
 * takes it from the first byte. */
static int fast_multibulk(xs_resp_parser *p, const uint8_t *b, size_t len, size_t *used) {
  size_t i = 1, start[FAST_ARGS_MAX], n[FAST_ARGS_MAX];
  int64_t argc = fast_count(b, len, &i);
  if (argc < 1 || argc > FAST_ARGS_MAX) return 0;
  for (int64_t k = 0; k < argc; k++) {
    if (i >= len || b[i] != '$') return 0;
    i++;
    int64_t bl = fast_count(b, len, &i);
    if (bl < 0 || bl > FAST_BULK_BYTES_MAX || len - i < (size_t)bl + 2 || b[i + (size_t)bl] != '\r' ||
        b[i + (size_t)bl + 1] != '\n')
      return 0;
    start[k] = i;
    n[k] = (size_t)bl;
    i += (size_t)bl + 2;
  }
  /* One reservation for all the arguments, each followed by its NUL. */
  size_t total = 0;
  for (int64_t k = 0; k < argc; k++) total += n[k] + 1;
  size_t off = p->data.len;
  uint8_t *d = xs_buf_extend(&p->data, total);
  if (!d) return XS_ENOMEM;
  for (int64_t k = 0; k < argc; k++) {
    if (add_arg(p, off, n[k])) return XS_ENOMEM;
    memcpy(d, b + start[k], n[k]);
    d[n[k]] = 0;
    d += n[k] + 1;
    off += n[k] + 1;
  }
  *used = i;
  return finish_command(p);
}

int xs_resp_parse(xs_resp_parser *p, const uint8_t *bytes, size_t len, size_t *used) {
  size_t i = 0;
  *used = 0;
  if (p->state == S_ERROR) return XS_RESP_EPROTO;
  if (p->state == S_DONE) reset_command(p);
  if (p->state == S_START && p->authenticated && len > 0 && bytes[0] == '*') {
    int rc = fast_multibulk(p, bytes, len, used);
    if (rc != 0) return rc;
  }
  while (i < len) {
    int rc = step(p, bytes, len, &i);
    if (rc != 0) {
      *used = i;
      return rc;
    }
  }
  *used = i;
  if (!xs_buf_ok(&p->data)) return XS_ENOMEM;
  return XS_RESP_NEED_MORE;
}

/* ------------------------------------------------------------------------ */
/* Single-port detection                                                      */

static bool ieq(uint8_t a, char b) {
  if (a >= 'a' && a <= 'z') a = (uint8_t)(a - 32);
  return a == (uint8_t)b;
}

/* How `b` compares with the handshake regex: 1 match, 0 still a proper
 * prefix of a possible match, -1 cannot match. */
static int handshake_match(const uint8_t *b, size_t len) {
  static const char *const names[] = {"HELLO", "AUTH", "COMMAND", "SELECT"};
  /* "*" [1-9] CR LF "$" [1-9] CR LF */
  for (size_t i = 0; i < 8; i++) {
    if (i >= len) return 0;
    uint8_t c = b[i];
    bool ok = (i == 0 && c == '*') || (i == 4 && c == '$') || ((i == 1 || i == 5) && c >= '1' && c <= '9') ||
              ((i == 2 || i == 6) && c == '\r') || ((i == 3 || i == 7) && c == '\n');
    if (!ok) return -1;
  }
  int best = -1;
  for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
    size_t n = strlen(names[k]), j = 0;
    for (; j < n + 2 && 8 + j < len; j++) {
      char want = j < n ? names[k][j] : j == n ? '\r' : '\n';
      if (!ieq(b[8 + j], want)) break;
    }
    if (j == n + 2) return 1;
    if (8 + j == len) best = 0; /* ran out of bytes while still matching */
  }
  return best;
}

xs_resp_detect_result xs_resp_detect(const uint8_t *bytes, size_t len) {
  if (len < 5) return XS_RESP_DETECT_NEED_MORE;
  if (bytes[0] == '*') {
    int m = handshake_match(bytes, len);
    return m > 0 ? XS_RESP_DETECT_RESP : m == 0 ? XS_RESP_DETECT_NEED_MORE : XS_RESP_DETECT_NOT_RESP;
  }
  return memcmp(bytes, "HELLO", 5) == 0 ? XS_RESP_DETECT_RESP : XS_RESP_DETECT_NOT_RESP;
}
