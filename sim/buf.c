/* buf.c - the growable, limited byte buffer (see buf.h). */
#include "buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void xs_buf_init(xs_buf *b, size_t limit) { *b = (xs_buf){NULL, 0, 0, limit, false}; }

void xs_buf_free(xs_buf *b) {
  free(b->data);
  *b = (xs_buf){NULL, 0, 0, b->limit, false};
}

void xs_buf_reset(xs_buf *b) {
  b->len = 0;
  b->failed = false;
}

bool xs_buf_ok(const xs_buf *b) { return !b->failed; }

/* Makes room for n more bytes plus a NUL; false (and failed) when it cannot. */
static bool reserve(xs_buf *b, size_t n) {
  if (b->failed) return false;
  if (n > b->limit || b->len > b->limit - n) {
    b->failed = true;
    return false;
  }
  size_t need = b->len + n + 1;
  if (need <= b->cap) return true;
  size_t cap = b->cap ? b->cap : 256;
  while (cap < need) cap *= 2;
  uint8_t *d = realloc(b->data, cap);
  if (!d) {
    b->failed = true;
    return false;
  }
  b->data = d;
  b->cap = cap;
  return true;
}

void xs_buf_append(xs_buf *b, const void *p, size_t n) {
  if (n == 0 || !reserve(b, n)) return;
  memcpy(b->data + b->len, p, n);
  b->len += n;
}

uint8_t *xs_buf_extend(xs_buf *b, size_t n) {
  if (!reserve(b, n)) return NULL;
  uint8_t *at = b->data + b->len;
  b->len += n;
  return at;
}

void xs_buf_puts(xs_buf *b, const char *s) { xs_buf_append(b, s, strlen(s)); }

void xs_buf_printf(xs_buf *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n < 0 || !reserve(b, (size_t)n)) return;
  va_start(ap, fmt);
  vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
  va_end(ap);
  b->len += (size_t)n;
}

void xs_buf_consume(xs_buf *b, size_t n) {
  if (n >= b->len) {
    b->len = 0;
    return;
  }
  memmove(b->data, b->data + n, b->len - n);
  b->len -= n;
}

const char *xs_buf_cstr(xs_buf *b) {
  if (!reserve(b, 0)) return "";
  b->data[b->len] = 0;
  return (const char *)b->data;
}
