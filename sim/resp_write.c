/* resp_write.c - RESP3 reply encoders (see resp_write.h). */
#include "resp_write.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "<type><n>\r\n", the prefix of integers, bulks and aggregates, without
 * printf: this is on the path of every reply. */
static void w_prefix(xs_buf *b, char type, int64_t n) {
  char tmp[24];
  size_t i = sizeof tmp;
  uint64_t v = n < 0 ? (uint64_t)0 - (uint64_t)n : (uint64_t)n;
  tmp[--i] = '\n';
  tmp[--i] = '\r';
  do {
    tmp[--i] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  if (n < 0) tmp[--i] = '-';
  tmp[--i] = type;
  xs_buf_append(b, tmp + i, sizeof tmp - i);
}

void xs_resp_w_simple(xs_buf *b, const char *text) {
  xs_buf_append(b, "+", 1);
  xs_buf_puts(b, text);
  xs_buf_append(b, "\r\n", 2);
}

void xs_resp_w_error(xs_buf *b, const char *text) {
  xs_buf_append(b, "-", 1);
  const char *run = text;
  for (const char *p = text; *p; p++) {
    if (*p != '\r' && *p != '\n') continue;
    xs_buf_append(b, run, (size_t)(p - run));
    xs_buf_append(b, *p == '\r' ? "\\r" : "\\n", 2);
    run = p + 1;
  }
  xs_buf_puts(b, run);
  xs_buf_append(b, "\r\n", 2);
}

void xs_resp_w_errorf(xs_buf *b, const char *fmt, ...) {
  char text[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(text, sizeof text, fmt, ap);
  va_end(ap);
  xs_resp_w_error(b, text);
}

void xs_resp_w_int(xs_buf *b, int64_t n) { w_prefix(b, ':', n); }

void xs_resp_w_bulk(xs_buf *b, const void *bytes, size_t len) {
  w_prefix(b, '$', (int64_t)len);
  xs_buf_append(b, bytes, len);
  xs_buf_append(b, "\r\n", 2);
}

void xs_resp_w_bulk_str(xs_buf *b, const char *s) { xs_resp_w_bulk(b, s, strlen(s)); }

void xs_resp_w_null(xs_buf *b) { xs_buf_append(b, "_\r\n", 3); }

void xs_resp_w_array(xs_buf *b, size_t n) { w_prefix(b, '*', (int64_t)n); }

void xs_resp_w_map(xs_buf *b, size_t n) { w_prefix(b, '%', (int64_t)n); }

void xs_resp_w_set(xs_buf *b, size_t n) { w_prefix(b, '~', (int64_t)n); }

void xs_resp_w_bool(xs_buf *b, bool v) { xs_buf_append(b, v ? "#t\r\n" : "#f\r\n", 4); }

void xs_resp_w_double(xs_buf *b, double d) {
  char tmp[40];
  size_t n;
  if (isnan(d)) n = (size_t)snprintf(tmp, sizeof tmp, "nan");
  else if (isinf(d)) n = (size_t)snprintf(tmp, sizeof tmp, d > 0 ? "inf" : "-inf");
  else n = xs_resp_format_double(d, tmp, sizeof tmp);
  xs_buf_append(b, ",", 1);
  xs_buf_append(b, tmp, n);
  xs_buf_append(b, "\r\n", 2);
}

/* The digits Java picks for d: the shortest that read back as d, except
 * that where one digit would do, the closest of one or two digits is taken
 * (JDK 19+ Double.toString; 5e-324 is "4.9E-324").  digits[] has no point;
 * *exp10 is the decimal exponent of the first digit. */
static int shortest_digits(double d, char digits[20], int *exp10) {
  char tmp[40];
  for (int prec = 2; prec <= 17; prec++) {
    snprintf(tmp, sizeof tmp, "%.*e", prec - 1, d);
    if (strtod(tmp, NULL) != d && prec < 17) continue;
    int n = 0;
    const char *p = tmp;
    for (; *p && *p != 'e'; p++)
      if (*p >= '0' && *p <= '9') digits[n++] = *p;
    *exp10 = atoi(p + 1);
    while (n > 1 && digits[n - 1] == '0') n--; /* "1.0" keeps one digit */
    digits[n] = 0;
    return n;
  }
  return 0;
}

/* Plain notation: 123.45, 0.001, 100.0. */
static size_t plain(char *out, size_t len, const char *digits, int n, int e) {
  char tmp[48];
  size_t k = 0;
  if (e < 0) {
    tmp[k++] = '0';
    tmp[k++] = '.';
    for (int i = -1; i > e; i--) tmp[k++] = '0';
    for (int i = 0; i < n; i++) tmp[k++] = digits[i];
  } else {
    for (int i = 0; i <= e; i++) tmp[k++] = i < n ? digits[i] : '0';
    tmp[k++] = '.';
    if (n > e + 1)
      for (int i = e + 1; i < n; i++) tmp[k++] = digits[i];
    else
      tmp[k++] = '0';
  }
  tmp[k] = 0;
  return (size_t)snprintf(out, len, "%s", tmp);
}

size_t xs_resp_format_double(double d, char *buf, size_t len) {
  if (d == 0) return (size_t)snprintf(buf, len, signbit(d) ? "-0.0" : "0.0");
  if (isnan(d)) return (size_t)snprintf(buf, len, "NaN");
  if (isinf(d)) return (size_t)snprintf(buf, len, d > 0 ? "Infinity" : "-Infinity");
  char digits[20], body[48];
  int e = 0;
  int n = shortest_digits(fabs(d), digits, &e);
  double a = fabs(d);
  size_t k;
  if (a >= 1e-3 && a < 1e7) {
    k = plain(body, sizeof body, digits, n, e);
  } else {
    /* Java's computerized scientific notation: d.dddE[-]x, at least one
     * digit after the point. */
    k = (size_t)snprintf(body, sizeof body, "%c.%sE%d", digits[0], n > 1 ? digits + 1 : "0", e);
  }
  (void)k;
  return (size_t)snprintf(buf, len, "%s%s", d < 0 ? "-" : "", body);
}
