/*
 * resp_parse.h - the RESP request parser and the single-port protocol
 * detector, as pure functions of (state, bytes): no sockets, no clock.
 *
 * The parser is a push parser in the style of hiredis's reader: the caller
 * hands it whatever bytes arrived, in fragments of any size, and it says
 * "need more", "here is a command" or "protocol error".  It copies argument
 * bytes into storage of its own, so the caller may drop or reuse its input
 * buffer as soon as a call returns.  Requests are what clients send: a flat
 * multibulk array of bulk strings ("*2\r\n$3\r\nGET\r\n$1\r\nk\r\n"), or an
 * inline command line ("GET k\r\n", with Redis's quoting rules).
 *
 * Every size has a named limit.  Passing one is a protocol error with Redis's
 * text ("Protocol error: invalid bulk length", ...); the parser then stays in
 * the error state and the connection is to be closed after that reply.
 * Before the client has authenticated (when authentication is on) the
 * smaller XS_RESP_UNAUTH_* limits apply, as in Redis 7, so an anonymous
 * client cannot make the server buffer megabytes.
 */
#ifndef XS_RESP_PARSE_H
#define XS_RESP_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* ------------------------------------------------------------------------ */
/* Limits                                                                     */

/* One bulk argument.  Infinispan's default max-content-length is 10 MB. */
#define XS_RESP_BULK_BYTES_MAX (10u << 20)
/* All argument bytes of one command together. */
#define XS_RESP_REQUEST_BYTES_MAX (16u << 20)
/* Arguments in one multibulk request (Redis: 1024 * 1024). */
#define XS_RESP_MULTIBULK_ARGS_MAX (1024 * 1024)
/* One inline command line (Redis PROTO_INLINE_MAX_SIZE). */
#define XS_RESP_INLINE_BYTES_MAX (64u * 1024)
/* The "*N" or "$N" header line, without its CRLF. */
#define XS_RESP_COUNT_LINE_BYTES_MAX 32
/* Before authentication (Redis 7's limits for unauthenticated clients). */
#define XS_RESP_UNAUTH_MULTIBULK_ARGS_MAX 10
#define XS_RESP_UNAUTH_BULK_BYTES_MAX 16384u
/* Requests never nest: a '*' where a '$' is expected is a protocol error, so
 * the nesting depth of a request is exactly 1. */
#define XS_RESP_NESTING_MAX 1
/* Parser storage above this size is released between commands, so one big
 * request costs nothing lasting. */
#define XS_RESP_KEEP_BYTES (64u * 1024)

/* A protocol error; the connection must be closed after the error reply.
 * (Below the core's XS_E* range.) */
#define XS_RESP_EPROTO (-100)

/* What xs_resp_parse() found. */
enum {
  XS_RESP_NEED_MORE = 0, /* every byte was consumed; feed more */
  XS_RESP_COMMAND = 1,   /* a command is ready in argc/argv/argl */
};

typedef struct xs_resp_parser {
  /* The last command parsed: valid after XS_RESP_COMMAND until the next
   * xs_resp_parse() call.  Every argv[i] is followed by a NUL byte (not
   * counted in argl[i]), so text arguments can be used as C strings. */
  int argc;
  const char **argv;
  const size_t *argl;
  /* After XS_RESP_EPROTO: the error text, "ERR Protocol error: ...". */
  char err[128];
  /* When false (authentication on and not done yet) the smaller
   * XS_RESP_UNAUTH_* limits apply.  The session sets it. */
  bool authenticated;

  /* Internal state. */
  int state;
  size_t line_len;
  char line[XS_RESP_COUNT_LINE_BYTES_MAX + 1];
  int64_t args_left;   /* bulks still expected in this multibulk */
  int64_t bulk_left;   /* bytes (plus CRLF) still expected in this bulk */
  xs_buf data;         /* argument bytes, each followed by a NUL */
  size_t *offs;        /* start of each argument in data */
  size_t *lens;
  const char **ptrs;
  size_t nargs, cap;
} xs_resp_parser;

void xs_resp_parser_init(xs_resp_parser *p);
void xs_resp_parser_free(xs_resp_parser *p);

/* Parses bytes[0..len).  Sets *used to the number of bytes consumed and
 * returns XS_RESP_COMMAND (a command ends at bytes[*used - 1]; call again
 * with the rest), XS_RESP_NEED_MORE (all bytes consumed), XS_RESP_EPROTO
 * (p->err says why; every later call returns it again) or XS_ENOMEM. */
int xs_resp_parse(xs_resp_parser *p, const uint8_t *bytes, size_t len, size_t *used);

/* Forgets the last command (its argv becomes invalid) and gives back
 * storage above XS_RESP_KEEP_BYTES; the next xs_resp_parse() would do the
 * same, this lets a caller do it as soon as the command has run. */
void xs_resp_parser_done(xs_resp_parser *p);

/* ------------------------------------------------------------------------ */
/* Single-port detection                                                      */

typedef enum {
  XS_RESP_DETECT_NEED_MORE = 0, /* too few bytes to tell yet */
  XS_RESP_DETECT_RESP = 1,      /* hand the connection to the RESP session */
  XS_RESP_DETECT_NOT_RESP = 2,  /* anything else: HTTP/1.1 */
} xs_resp_detect_result;

/* The longest handshake prefix the detector ever needs to see. */
#define XS_RESP_DETECT_BYTES_MAX 17

/* Infinispan's RespDetector (interfaces.md 1.6) on the first bytes of a
 * connection: at least 5 bytes; a leading '*' must match, case-insensitively,
 * ^\*[1-9]\r\n\$[1-9]\r\n(HELLO|AUTH|COMMAND|SELECT)\r\n ; otherwise the
 * first five bytes must be "HELLO" (an inline HELLO, case as sent).
 * Infinispan decides on its first read; we answer NEED_MORE while the bytes
 * so far are a proper prefix of a handshake, so a handshake split across TCP
 * segments is still recognised. */
xs_resp_detect_result xs_resp_detect(const uint8_t *bytes, size_t len);

#endif /* XS_RESP_PARSE_H */
