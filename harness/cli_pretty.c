/*
 * cli_pretty.c - Json.read(body).toPrettyString() as the Data Grid CLI runs
 * it on every application/json answer (see cli_pretty.h for the rules).
 *
 * A small reader that follows mjson's Reader (lenient: comments, any
 * Character.isWhitespace, unknown escapes dropped, text after the value
 * ignored) builds a tree in two arrays - nodes and a byte pool - and a
 * printer walks it.  A tree rather than a single pass because a repeated
 * key must print at its first position with its last value, as
 * LinkedHashMap.put does.
 */
#include "cli_pretty.h"

#include <ctype.h>
#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xsim.h"

enum { J_NULL, J_TRUE, J_FALSE, J_NUM, J_STR, J_ARR, J_OBJ };

/* Tokens that are not values (mjson's punctuation objects). */
enum { TOK_ERR = -1, TOK_OBJ_END = -2, TOK_ARR_END = -3, TOK_COMMA = -4, TOK_COLON = -5 };

/* Members of an object scanned for a repeated key; past this, a repeated
 * key is appended instead (only a hostile body has thousands of keys). */
#define DUP_SCAN_MAX 4096u
#define POOL_MAX ((size_t)64u << 20) /* decoded text of one body */

typedef struct jnode {
  uint8_t type;
  int32_t first, last, next; /* children (arrays, objects) and siblings */
  uint32_t nchild;
  size_t key_off, key_len;   /* the member name, when in an object */
  size_t off, len;           /* string bytes (UTF-8) or number text, in the pool */
} jnode;

typedef struct jreader {
  const char *s;
  size_t len, pos;
  int line, col;
  jnode *nodes;
  size_t n, cap;
  xs_buf pool;
  int depth;
  bool nomem;
  char *err;
  size_t errlen;
  bool failed;
} jreader;

/* ------------------------------------------------------------------------ */
/* Reader plumbing                                                            */

static int fail(jreader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(jreader *r, const char *fmt, ...) {
  if (!r->failed) {
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(r->err, r->errlen, "%s at [%d,%d]", msg, r->line, r->col);
    r->failed = true;
  }
  return TOK_ERR;
}

/* NumberFormatException has no position in its message. */
static int fail_number(jreader *r, const char *text) {
  if (!r->failed) {
    snprintf(r->err, r->errlen, "For input string: \"%s\"", text);
    r->failed = true;
  }
  return TOK_ERR;
}

static int cur(const jreader *r) { return r->pos < r->len ? (unsigned char)r->s[r->pos] : -1; }

static void advance(jreader *r) {
  if (r->pos >= r->len) return;
  if (r->s[r->pos++] == '\n') {
    r->line++;
    r->col = 1;
  } else {
    r->col++;
  }
}

static int new_node(jreader *r, uint8_t type) {
  if (r->n == r->cap) {
    size_t cap = r->cap ? r->cap * 2 : 64;
    jnode *p = realloc(r->nodes, cap * sizeof *p);
    if (!p) {
      r->nomem = true;
      return TOK_ERR;
    }
    r->nodes = p;
    r->cap = cap;
  }
  jnode *nd = &r->nodes[r->n];
  memset(nd, 0, sizeof *nd);
  nd->type = type;
  nd->first = nd->last = nd->next = -1;
  return (int)r->n++;
}

/* Character.isWhitespace for the bytes a body can hold. */
static bool java_space(int c) { return c == ' ' || (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x1f); }

static void skip_space(jreader *r) {
  for (;;) {
    int c = cur(r);
    if (c == '/' && r->pos + 1 < r->len && r->s[r->pos + 1] == '*') {
      advance(r);
      advance(r);
      while (r->pos < r->len && !(cur(r) == '*' && r->pos + 1 < r->len && r->s[r->pos + 1] == '/'))
        advance(r);
      advance(r);
      advance(r);
    } else if (c == '/' && r->pos + 1 < r->len && r->s[r->pos + 1] == '/') {
      while (r->pos < r->len && cur(r) != '\n') advance(r);
    } else if (c >= 0 && java_space(c)) {
      advance(r);
    } else {
      return;
    }
  }
}

static bool expect_word(jreader *r, const char *rest) {
  for (const char *p = rest; *p; p++) {
    if (cur(r) != *p) return false;
    advance(r);
  }
  return true;
}

/* ------------------------------------------------------------------------ */
/* Strings                                                                    */

static void put_utf8(xs_buf *b, uint32_t cp) {
  uint8_t u[4];
  size_t n;
  if (cp < 0x80) {
    u[0] = (uint8_t)cp;
    n = 1;
  } else if (cp < 0x800) {
    u[0] = (uint8_t)(0xc0 | (cp >> 6));
    u[1] = (uint8_t)(0x80 | (cp & 0x3f));
    n = 2;
  } else if (cp < 0x10000) {
    u[0] = (uint8_t)(0xe0 | (cp >> 12));
    u[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
    u[2] = (uint8_t)(0x80 | (cp & 0x3f));
    n = 3;
  } else {
    u[0] = (uint8_t)(0xf0 | (cp >> 18));
    u[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3f));
    u[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
    u[3] = (uint8_t)(0x80 | (cp & 0x3f));
    n = 4;
  }
  xs_buf_append(b, u, n);
}

static int hex4(jreader *r, uint32_t *out) {
  uint32_t v = 0;
  for (int i = 0; i < 4; i++) {
    advance(r);
    int c = cur(r);
    if (c < 0) return fail(r, "Reached end of input");
    if (!isxdigit(c)) return fail(r, "Illegal character in unicode escape: %s", (char[2]){(char)c, 0});
    v = v * 16 + (uint32_t)(isdigit(c) ? c - '0' : (tolower(c) - 'a' + 10));
  }
  advance(r);
  *out = v;
  return 0;
}

/* One escape after the backslash; \u pairs of surrogates become one code
 * point, a lone surrogate prints as '?' (what a UTF-8 writer makes of it). */
static int read_escape(jreader *r, xs_buf *b) {
  int c = cur(r);
  static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
  if (c < 0) return fail(r, "Reached end of input");
  if (c != 'u') {
    const char *p = strchr(from, c);
    if (p && c) xs_buf_append(b, &to[p - from], 1); /* unknown escapes vanish */
    advance(r);
    return 0;
  }
  uint32_t u;
  if (hex4(r, &u) < 0) return TOK_ERR;
  if (u >= 0xd800 && u < 0xdc00 && cur(r) == '\\' && r->pos + 1 < r->len && r->s[r->pos + 1] == 'u') {
    size_t save = r->pos;
    int line = r->line, col = r->col;
    uint32_t lo;
    advance(r);
    if (hex4(r, &lo) < 0) return TOK_ERR;
    if (lo >= 0xdc00 && lo < 0xe000) {
      put_utf8(b, 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00));
      return 0;
    }
    r->pos = save;
    r->line = line;
    r->col = col;
  }
  if (u >= 0xd800 && u < 0xe000) xs_buf_puts(b, "?");
  else put_utf8(b, u);
  return 0;
}

/* The bytes of a string value up to its closing quote (the opening one is
 * consumed).  Raw bytes are kept as they are. */
static int read_string(jreader *r) {
  int id = new_node(r, J_STR);
  if (id < 0) return id;
  size_t off = r->pool.len;
  for (;;) {
    int c = cur(r);
    if (c < 0) return fail(r, "Reached end of input");
    if (c == '"') break;
    if (c == '\\') {
      advance(r);
      if (read_escape(r, &r->pool) < 0) return TOK_ERR;
      continue;
    }
    xs_buf_append(&r->pool, &r->s[r->pos], 1);
    advance(r);
  }
  advance(r);
  r->nodes[id].off = off;
  r->nodes[id].len = r->pool.len - off;
  return id;
}

/* ------------------------------------------------------------------------ */
/* Numbers                                                                    */

static void java_double(xs_buf *out, double v);

/* BigDecimal.toString() of sign, coefficient digits and scale. */
static void big_decimal(xs_buf *b, bool neg, const char *coeff, size_t n, long long scale) {
  long long adjusted = -scale + (long long)(n - 1);
  bool zero = n == 1 && coeff[0] == '0';
  if (neg && !zero) xs_buf_puts(b, "-");
  if (scale == 0) {
    xs_buf_append(b, coeff, n);
  } else if (scale > 0 && adjusted >= -6) {
    long long pad = scale - (long long)n;
    if (pad >= 0) {
      xs_buf_puts(b, "0.");
      for (long long i = 0; i < pad; i++) xs_buf_puts(b, "0");
      xs_buf_append(b, coeff, n);
    } else {
      xs_buf_append(b, coeff, (size_t)(n - (size_t)scale));
      xs_buf_puts(b, ".");
      xs_buf_append(b, coeff + n - (size_t)scale, (size_t)scale);
    }
  } else {
    xs_buf_append(b, coeff, 1);
    if (n > 1) {
      xs_buf_puts(b, ".");
      xs_buf_append(b, coeff + 1, n - 1);
    }
    if (adjusted != 0) xs_buf_printf(b, "E%s%lld", adjusted > 0 ? "+" : "", adjusted);
  }
}

/* The parts of a number as readNumber collected them. */
typedef struct numtext {
  const char *s;
  size_t len;
  bool neg, is_float;
  const char *ip, *fp; /* integer and fraction digits */
  size_t ni, nf;
  bool has_exp;
  const char *ep;      /* exponent digits (after an optional sign) */
  size_t ne;
  bool exp_neg;
} numtext;

static int number_to_text(jreader *r, const numtext *t, xs_buf *pool) {
  char text[128];
  snprintf(text, sizeof text, "%.*s", (int)(t->len < 100 ? t->len : 100), t->s);
  size_t digits = t->ni + t->nf;
  bool bad = digits == 0 || (t->has_exp && t->ne == 0);
  if (bad) return fail_number(r, text);
  if (!t->is_float) {
    const char *d = t->ip;
    size_t n = t->ni;
    while (n > 1 && *d == '0') d++, n--;
    if (digits < 20) {
      /* Long.valueOf: 19 digits may still overflow. */
      errno = 0;
      long long v = strtoll(t->s, NULL, 10);
      if (errno == ERANGE) return fail_number(r, text);
      xs_buf_printf(pool, "%lld", v);
    } else {
      if (t->neg && !(n == 1 && *d == '0')) xs_buf_puts(pool, "-");
      xs_buf_append(pool, d, n);
    }
    return 0;
  }
  if (digits < 17) {
    char tmp[160];
    snprintf(tmp, sizeof tmp, "%.*s", (int)(t->len < 150 ? t->len : 150), t->s);
    java_double(pool, strtod(tmp, NULL));
    return 0;
  }
  /* BigDecimal: coefficient without leading zeros, scale = fraction - exp. */
  long long exp = 0;
  for (size_t i = 0; i < t->ne; i++) {
    exp = exp * 10 + (t->ep[i] - '0');
    if (exp > 1000000000LL) return fail_number(r, text);
  }
  if (t->exp_neg) exp = -exp;
  char *coeff = malloc(digits + 1);
  if (!coeff) {
    r->nomem = true;
    return TOK_ERR;
  }
  memcpy(coeff, t->ip, t->ni);
  memcpy(coeff + t->ni, t->fp, t->nf);
  size_t skip = 0;
  while (skip + 1 < digits && coeff[skip] == '0') skip++;
  big_decimal(pool, t->neg, coeff + skip, digits - skip, (long long)t->nf - exp);
  free(coeff);
  return 0;
}

static size_t digits_at(const jreader *r, size_t pos) {
  size_t n = 0;
  while (pos + n < r->len && isdigit((unsigned char)r->s[pos + n])) n++;
  return n;
}

/* readNumber: [-] digits [. digits] [e|E [+|-] digits]. */
static int read_number(jreader *r) {
  numtext t = {.s = &r->s[r->pos]};
  size_t start = r->pos;
  if (cur(r) == '-') t.neg = true, advance(r);
  t.ip = &r->s[r->pos];
  t.ni = digits_at(r, r->pos);
  for (size_t i = 0; i < t.ni; i++) advance(r);
  if (cur(r) == '.') {
    advance(r);
    t.is_float = true;
    t.fp = &r->s[r->pos];
    t.nf = digits_at(r, r->pos);
    for (size_t i = 0; i < t.nf; i++) advance(r);
  }
  if (cur(r) == 'e' || cur(r) == 'E') {
    advance(r);
    t.is_float = t.has_exp = true;
    if (cur(r) == '+' || cur(r) == '-') t.exp_neg = cur(r) == '-', advance(r);
    t.ep = &r->s[r->pos];
    t.ne = digits_at(r, r->pos);
    for (size_t i = 0; i < t.ne; i++) advance(r);
  }
  t.len = r->pos - start;
  int id = new_node(r, J_NUM);
  if (id < 0) return id;
  size_t off = r->pool.len;
  if (number_to_text(r, &t, &r->pool) < 0) return TOK_ERR;
  r->nodes[id].off = off;
  r->nodes[id].len = r->pool.len - off;
  return id;
}

/* ------------------------------------------------------------------------ */
/* Values                                                                     */

static int read_token(jreader *r);

static void append_child(jreader *r, int parent, int child) {
  jnode *p = &r->nodes[parent];
  if (p->last < 0) p->first = child;
  else r->nodes[p->last].next = child;
  p->last = child;
  p->nchild++;
}

static const char *punct_name(int tok) {
  switch (tok) {
  case TOK_OBJ_END: return "}";
  case TOK_ARR_END: return "]";
  case TOK_COMMA: return ",";
  case TOK_COLON: return ":";
  default: return "?";
  }
}

static int read_array(jreader *r) {
  int id = new_node(r, J_ARR);
  if (id < 0) return id;
  int v = read_token(r);
  while (v != TOK_ARR_END) {
    if (v == TOK_ERR) return TOK_ERR;
    if (v < 0) return fail(r, "Expected array element, but found: %s", punct_name(v));
    append_child(r, id, v);
    int t = read_token(r);
    if (t == TOK_COMMA) {
      v = read_token(r);
      if (v == TOK_ARR_END)
        return fail(r, "Expected array element, but found end of array after command.");
    } else if (t != TOK_ARR_END) {
      return t == TOK_ERR ? TOK_ERR : fail(r, "Expected ], but got %s instead", t < 0 ? punct_name(t) : "a value");
    } else {
      v = TOK_ARR_END;
    }
  }
  return id;
}

/* The member name: a string (or a number, whose text Json.asString gives). */
static int read_key(jreader *r, size_t *off, size_t *len) {
  int k = read_token(r);
  if (k == TOK_ERR || k == TOK_OBJ_END) return k;
  if (k < 0) return fail(r, "Missing object key, found: %s", punct_name(k));
  if (r->nodes[k].type != J_STR && r->nodes[k].type != J_NUM)
    return fail(r, "Missing object key (don't forget to put quotes!).");
  *off = r->nodes[k].off;
  *len = r->nodes[k].len;
  r->n--; /* the key node itself is not kept */
  return 0;
}

/* LinkedHashMap.put: a repeated key keeps its place and takes the value. */
static void set_member(jreader *r, int obj, int val, size_t koff, size_t klen) {
  jnode *o = &r->nodes[obj];
  if (o->nchild < DUP_SCAN_MAX) {
    int prev = -1;
    for (int c = o->first; c >= 0; prev = c, c = r->nodes[c].next) {
      jnode *m = &r->nodes[c];
      if (m->key_len != klen || memcmp(r->pool.data + m->key_off, r->pool.data + koff, klen) != 0) continue;
      r->nodes[val].next = m->next;
      if (prev < 0) o->first = val;
      else r->nodes[prev].next = val;
      if (o->last == c) o->last = val;
      r->nodes[val].key_off = koff;
      r->nodes[val].key_len = klen;
      return;
    }
  }
  r->nodes[val].key_off = koff;
  r->nodes[val].key_len = klen;
  append_child(r, obj, val);
}

static int read_object(jreader *r) {
  int id = new_node(r, J_OBJ);
  if (id < 0) return id;
  size_t koff = 0, klen = 0;
  int k = read_key(r, &koff, &klen);
  while (k != TOK_OBJ_END) {
    if (k == TOK_ERR) return TOK_ERR;
    int colon = read_token(r);
    if (colon != TOK_COLON)
      return colon == TOK_ERR ? TOK_ERR : fail(r, "Expected :, but got %s instead", colon < 0 ? punct_name(colon) : "a value");
    int v = read_token(r);
    if (v == TOK_ERR) return TOK_ERR;
    if (v < 0) return fail(r, "Invalid JSON: unexpected %s", punct_name(v));
    set_member(r, id, v, koff, klen);
    int t = read_token(r);
    if (t == TOK_COMMA) {
      k = read_key(r, &koff, &klen);
      if (k == TOK_OBJ_END) return fail(r, "Expected a property name, but found: null");
    } else if (t != TOK_OBJ_END) {
      return t == TOK_ERR ? TOK_ERR : fail(r, "Expected }, but got %s instead", t < 0 ? punct_name(t) : "a value");
    } else {
      k = TOK_OBJ_END;
    }
  }
  return id;
}

static int read_nested(jreader *r, int (*fn)(jreader *)) {
  if (++r->depth > XS_CLI_JSON_DEPTH_MAX) return fail(r, "Nesting deeper than %s levels", "512");
  int v = fn(r);
  r->depth--;
  return v;
}

/* One token: a value's node index, or a punctuation code. */
static int read_token(jreader *r) {
  if (r->failed || r->nomem) return TOK_ERR;
  skip_space(r);
  int c = cur(r);
  if (c < 0) return fail(r, "Reached end of input");
  if (c == '-' || isdigit(c)) return read_number(r);
  advance(r);
  switch (c) {
  case '"': return read_string(r);
  case '[': return read_nested(r, read_array);
  case '{': return read_nested(r, read_object);
  case ']': return TOK_ARR_END;
  case '}': return TOK_OBJ_END;
  case ',': return TOK_COMMA;
  case ':': return TOK_COLON;
  case 't':
    if (!expect_word(r, "rue")) return fail(r, "Invalid JSON token: expected 'true' keyword.");
    return new_node(r, J_TRUE);
  case 'f':
    if (!expect_word(r, "alse")) return fail(r, "Invalid JSON token: expected 'false' keyword.");
    return new_node(r, J_FALSE);
  case 'n':
    if (!expect_word(r, "ull")) return fail(r, "Invalid JSON token: expected 'null' keyword.");
    return new_node(r, J_NULL);
  default: return fail(r, "Invalid JSON");
  }
}

/* ------------------------------------------------------------------------ */
/* Printing                                                                   */

/* Json's Escaper over UTF-8: control characters, U+007F..U+009F, U+2028,
 * U+2029, '"' and '\\'.  A byte that is not valid UTF-8 becomes U+FFFD,
 * as Java's decoding of the body does. */
static void put_escaped(xs_buf *b, const uint8_t *s, size_t n) {
  static const char hex[] = "0123456789abcdef";
  size_t i = 0;
  while (i < n) {
    uint32_t cp = s[i];
    size_t k = 1;
    if (cp >= 0x80) {
      size_t need = cp >= 0xf0 && cp < 0xf5 ? 4 : cp >= 0xe0 ? 3 : cp >= 0xc2 && cp < 0xe0 ? 2 : 0;
      bool ok = need && i + need <= n;
      for (size_t j = 1; ok && j < need; j++) ok = (s[i + j] & 0xc0) == 0x80;
      if (!ok) {
        xs_buf_puts(b, "\xef\xbf\xbd");
        i++;
        continue;
      }
      cp &= need == 2 ? 0x1f : need == 3 ? 0x0f : 0x07;
      for (size_t j = 1; j < need; j++) cp = (cp << 6) | (s[i + j] & 0x3f);
      k = need;
    }
    const char *esc = cp == '"' ? "\\\"" : cp == '\\' ? "\\\\" : cp == '\b' ? "\\b" : cp == '\t' ? "\\t"
                    : cp == '\n' ? "\\n" : cp == '\f' ? "\\f" : cp == '\r' ? "\\r" : NULL;
    if (esc) {
      xs_buf_puts(b, esc);
    } else if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x2028 || cp == 0x2029) {
      char u[7] = {'\\', 'u', hex[(cp >> 12) & 15], hex[(cp >> 8) & 15], hex[(cp >> 4) & 15], hex[cp & 15], 0};
      xs_buf_puts(b, u);
    } else {
      xs_buf_append(b, s + i, k);
    }
    i += k;
  }
}

static void put_string(xs_buf *b, const jreader *r, size_t off, size_t len) {
  xs_buf_puts(b, "\"");
  put_escaped(b, r->pool.data + off, len);
  xs_buf_puts(b, "\"");
}

/* Json.toString() of a primitive. */
static void put_primitive(xs_buf *b, const jreader *r, const jnode *n) {
  switch (n->type) {
  case J_NULL: xs_buf_puts(b, "null"); break;
  case J_TRUE: xs_buf_puts(b, "true"); break;
  case J_FALSE: xs_buf_puts(b, "false"); break;
  case J_NUM: xs_buf_append(b, r->pool.data + n->off, n->len); break;
  default: put_string(b, r, n->off, n->len); break;
  }
}

/* Json.toString() of anything (top-level arrays print compact). */
static void put_compact(xs_buf *b, const jreader *r, int id) {
  const jnode *n = &r->nodes[id];
  if (n->type != J_ARR && n->type != J_OBJ) {
    put_primitive(b, r, n);
    return;
  }
  xs_buf_puts(b, n->type == J_ARR ? "[" : "{");
  for (int c = n->first; c >= 0; c = r->nodes[c].next) {
    if (c != n->first) xs_buf_puts(b, ",");
    if (n->type == J_OBJ) {
      put_string(b, r, r->nodes[c].key_off, r->nodes[c].key_len);
      xs_buf_puts(b, ":");
    }
    put_compact(b, r, c);
  }
  xs_buf_puts(b, n->type == J_ARR ? "]" : "}");
}

static void put_indent(xs_buf *b, int ident) {
  for (int i = 0; i < ident; i++) xs_buf_puts(b, "  ");
}

static void pretty_object(xs_buf *b, const jreader *r, int id, int ident);

/* ArrayJson.toPrettyStringImpl: the elements keep the array's level. */
static void pretty_array(xs_buf *b, const jreader *r, int id, int ident) {
  xs_buf_puts(b, "[ ");
  for (int c = r->nodes[id].first; c >= 0; c = r->nodes[c].next) {
    if (c != r->nodes[id].first) xs_buf_puts(b, ",");
    uint8_t t = r->nodes[c].type;
    if (t == J_OBJ) pretty_object(b, r, c, ident);
    else if (t == J_ARR) pretty_array(b, r, c, ident);
    else put_primitive(b, r, &r->nodes[c]);
  }
  xs_buf_puts(b, " ]");
}

/* ObjectJson.toPrettyStringImpl. */
static void pretty_object(xs_buf *b, const jreader *r, int id, int ident) {
  xs_buf_puts(b, "{\n");
  for (int c = r->nodes[id].first; c >= 0; c = r->nodes[c].next) {
    const jnode *m = &r->nodes[c];
    put_indent(b, ident);
    put_string(b, r, m->key_off, m->key_len);
    xs_buf_puts(b, " : ");
    if (m->type == J_OBJ) pretty_object(b, r, c, ident + 1);
    else if (m->type == J_ARR) pretty_array(b, r, c, ident + 1);
    else put_primitive(b, r, m);
    if (m->next >= 0) xs_buf_puts(b, ",\n");
  }
  xs_buf_puts(b, "\n");
  put_indent(b, ident - 1);
  xs_buf_puts(b, "}");
}

/* ------------------------------------------------------------------------ */
/* Entry points                                                               */

/* Numbers are read and written with '.', whatever locale a shell set:
 * the calling thread runs in the "C" numeric locale meanwhile. */
typedef struct c_numeric {
  locale_t c, prev;
} c_numeric;

static void c_numeric_enter(c_numeric *n) {
  n->c = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
  n->prev = n->c ? uselocale(n->c) : (locale_t)0;
}

static void c_numeric_leave(c_numeric *n) {
  if (!n->c) return;
  uselocale(n->prev);
  freelocale(n->c);
}

void xs_cli_java_double(xs_buf *out, double v) {
  c_numeric n;
  c_numeric_enter(&n);
  java_double(out, v);
  c_numeric_leave(&n);
}

static void java_double(xs_buf *out, double v) {
  if (isnan(v)) {
    xs_buf_puts(out, "NaN");
    return;
  }
  if (isinf(v)) {
    xs_buf_puts(out, v < 0 ? "-Infinity" : "Infinity");
    return;
  }
  if (v == 0) {
    xs_buf_puts(out, signbit(v) ? "-0.0" : "0.0");
    return;
  }
  /* The shortest digits that read back as v. */
  char e[40];
  for (int prec = 1; prec <= 17; prec++) {
    snprintf(e, sizeof e, "%.*e", prec - 1, v);
    if (strtod(e, NULL) == v) break;
  }
  char d[24];
  size_t nd = 0;
  const char *p = e + (e[0] == '-');
  for (; *p && *p != 'e'; p++)
    if (isdigit((unsigned char)*p)) d[nd++] = *p;
  int exp10 = atoi(p + 1);
  while (nd > 1 && d[nd - 1] == '0') nd--;
  if (v < 0) xs_buf_puts(out, "-");
  double a = fabs(v);
  if (a >= 1e-3 && a < 1e7) {
    if (exp10 >= 0) {
      for (int i = 0; i <= exp10; i++) xs_buf_append(out, (size_t)i < nd ? &d[i] : "0", 1);
      xs_buf_puts(out, ".");
      if ((size_t)exp10 + 1 < nd) xs_buf_append(out, d + exp10 + 1, nd - (size_t)exp10 - 1);
      else xs_buf_puts(out, "0");
    } else {
      xs_buf_puts(out, "0.");
      for (int i = 0; i < -exp10 - 1; i++) xs_buf_puts(out, "0");
      xs_buf_append(out, d, nd);
    }
    return;
  }
  xs_buf_append(out, d, 1);
  xs_buf_puts(out, ".");
  if (nd > 1) xs_buf_append(out, d + 1, nd - 1);
  else xs_buf_puts(out, "0");
  xs_buf_printf(out, "E%d", exp10);
}

int xs_cli_pretty(const char *text, size_t len, xs_buf *out, char *err, size_t errlen) {
  char dummy[8];
  jreader r = {.s = text ? text : "", .len = text ? len : 0, .line = 1, .col = 1,
               .err = err ? err : dummy, .errlen = err ? errlen : sizeof dummy};
  r.err[0] = 0;
  xs_buf_init(&r.pool, POOL_MAX);
  c_numeric n;
  c_numeric_enter(&n);
  int root = read_token(&r);
  c_numeric_leave(&n);
  int rc = 0;
  if (r.nomem || !xs_buf_ok(&r.pool)) {
    rc = XS_ENOMEM;
  } else if (root < 0) {
    if (!r.failed) fail(&r, "Invalid JSON: unexpected %s", punct_name(root));
    rc = XS_EINVAL;
  } else if (r.nodes[root].type == J_OBJ) {
    pretty_object(out, &r, root, 1);
  } else {
    put_compact(out, &r, root);
  }
  if (rc == 0 && !xs_buf_ok(out)) rc = XS_ENOMEM;
  free(r.nodes);
  xs_buf_free(&r.pool);
  return rc;
}
