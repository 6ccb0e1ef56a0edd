/*
 * buf.h - a growable byte buffer with a hard size limit, for building
 * protocol replies and request bodies.  Appends never fail silently: once an
 * append would pass the limit or allocation fails, the buffer is marked
 * failed, further appends are ignored, and the caller checks xs_buf_ok() once
 * at the end instead of after every append.
 */
#ifndef XS_BUF_H
#define XS_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct xs_buf {
  uint8_t *data;
  size_t len, cap;
  size_t limit;   /* the most bytes this buffer may hold */
  bool failed;    /* an append hit the limit or ran out of memory */
} xs_buf;

void xs_buf_init(xs_buf *b, size_t limit);
void xs_buf_free(xs_buf *b);
void xs_buf_reset(xs_buf *b);          /* empty it, keep the memory, clear failed */
bool xs_buf_ok(const xs_buf *b);
void xs_buf_append(xs_buf *b, const void *p, size_t n);
/* Grows len by n and returns where those n bytes go, for the caller to
 * fill; NULL (and the buffer failed) when they do not fit. */
uint8_t *xs_buf_extend(xs_buf *b, size_t n);
void xs_buf_puts(xs_buf *b, const char *s);
void xs_buf_printf(xs_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Removes the first n bytes (consumed input). */
void xs_buf_consume(xs_buf *b, size_t n);
/* NUL-terminates without counting the NUL in len (for text use). */
const char *xs_buf_cstr(xs_buf *b);

#endif /* XS_BUF_H */
