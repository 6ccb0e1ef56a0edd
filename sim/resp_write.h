/*
 * resp_write.h - RESP3 reply encoders into an xs_buf, byte for byte as
 * Infinispan 16.x's ByteBuf serializers write them.
 *
 * Aggregates are written as a header (xs_resp_w_array(b, n), ...) followed
 * by their n elements (a map: n keys and n values, alternating).  Appends
 * never fail one by one: the buffer records a failure (limit or memory) and
 * the caller checks xs_buf_ok() once per reply.
 */
#ifndef XS_RESP_WRITE_H
#define XS_RESP_WRITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* "+text\r\n"; text must hold no CR or LF (replies we choose, like OK). */
void xs_resp_w_simple(xs_buf *b, const char *text);
/* "-text\r\n"; text starts with the error code ("ERR syntax error").  CR and
 * LF inside are written as the two characters "\r" and "\n", as 16.x's
 * SimpleErrorSerializer does, so a multi-line exception message cannot
 * break the framing. */
void xs_resp_w_error(xs_buf *b, const char *text);
void xs_resp_w_errorf(xs_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* ":n\r\n" */
void xs_resp_w_int(xs_buf *b, int64_t n);
/* "$len\r\nbytes\r\n" */
void xs_resp_w_bulk(xs_buf *b, const void *bytes, size_t len);
void xs_resp_w_bulk_str(xs_buf *b, const char *s);
/* "_\r\n" (RESP3 null; this server never speaks RESP2). */
void xs_resp_w_null(xs_buf *b);
/* Aggregate headers: "*n", "%n" (n key/value pairs), "~n". */
void xs_resp_w_array(xs_buf *b, size_t n);
void xs_resp_w_map(xs_buf *b, size_t n);
void xs_resp_w_set(xs_buf *b, size_t n);
/* ",<Java Double.toString>\r\n"; ",nan", ",inf", ",-inf" as Infinispan. */
void xs_resp_w_double(xs_buf *b, double d);
/* "#t\r\n" / "#f\r\n" */
void xs_resp_w_bool(xs_buf *b, bool v);

/* Java's Double.toString(d) (shortest digits that read back as d; plain
 * notation for 1e-3 <= |d| < 1e7, else "1.0E10" style), which Infinispan
 * uses for doubles on the wire and for INCRBYFLOAT results in the cache.
 * Returns the length written (buf needs 32 bytes). */
size_t xs_resp_format_double(double d, char *buf, size_t len);

#endif /* XS_RESP_WRITE_H */
