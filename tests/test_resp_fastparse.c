/*
 * test_resp_fastparse.c - the RESP parser's one-pass path for whole
 * multibulks (resp_parse.c, fast_multibulk) must parse exactly as the
 * byte-driven state machine does.  A fixed-seed generator makes streams of
 * requests - well-formed ones around the one-pass limits (argument count,
 * bulk size, digit count) and broken ones (leading zeros, a bare LF, a
 * missing CR after a bulk, a wrong type byte, negative and empty counts,
 * truncation) - and each stream is parsed twice: in one buffer (the
 * one-pass path takes whatever it can) and one byte per call (it never
 * can: no command is whole in one byte).  The commands, their arguments,
 * and the final outcome and error text must be the same.
 */
#include "test_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "resp_parse.h"

#define STREAMS 2000
#define STREAM_BYTES_MAX (256u << 10)
#define TRACE_BYTES_MAX (512u << 10)

static uint64_t rng_state = 0x5eed1234abcdULL;
static uint32_t rnd(uint32_t n) {
  rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
  return (uint32_t)(rng_state >> 33) % n;
}

/* A bulk length near the interesting edges (the one-pass path takes bulks
 * up to 64 KiB and counts of up to 9 digits). */
static uint32_t edgy_len(void) {
  static const uint32_t edges[] = {0, 1, 2, 9, 10, 99, 100, 65535, 65536, 65537};
  return edges[rnd(sizeof edges / sizeof edges[0])];
}

/* An argument count near the one-pass path's 16. */
static uint32_t edgy_count(void) {
  static const uint32_t edges[] = {1, 2, 15, 16, 17, 18, 40};
  return edges[rnd(sizeof edges / sizeof edges[0])];
}

/* One request, well-formed or broken in one of several ways, into b. */
static void gen_request(xs_buf *b) {
  int fault = rnd(6) ? 0 : 1 + (int)rnd(13);
  uint32_t argc = rnd(3) ? 1 + rnd(4) : edgy_count();
  if (fault == 10) { /* "*0": nothing to run */
    xs_buf_puts(b, "*0\r\n");
    return;
  }
  if (fault == 1) xs_buf_printf(b, "*0%u\r\n", argc);         /* leading zero */
  else if (fault == 2) xs_buf_printf(b, "*%u\n", argc);       /* bare LF: accepted */
  else if (fault == 3) xs_buf_printf(b, "*-%u\r\n", argc);    /* negative */
  else if (fault == 4) xs_buf_puts(b, "*\r\n");               /* empty count */
  else if (fault == 9) xs_buf_printf(b, "*%u\rx\n", argc);   /* junk in the line */
  else xs_buf_printf(b, "*%u\r\n", argc);
  for (uint32_t i = 0; i < argc; i++) {
    uint32_t n = rnd(8) ? rnd(12) : edgy_len();
    if (fault == 5 && i == argc - 1) xs_buf_printf(b, "+%u\r\n", n); /* wrong type */
    else if (fault == 6 && i == 0) xs_buf_printf(b, "$0%u\r\n", n);  /* leading zero */
    else if (fault == 11 && i == 0) xs_buf_printf(b, "$%u\n", n);     /* bare LF: accepted */
    else xs_buf_printf(b, "$%u\r\n", n);
    for (uint32_t k = 0; k < n; k++) {
      char c = (char)(rnd(4) ? 'a' + rnd(26) : rnd(256));
      xs_buf_append(b, &c, 1);
    }
    static const char *const ends[] = {"\r\n", "\n", "x\n", "\rx"}; /* the right CRLF, then wrong ones */
    xs_buf_puts(b, ends[fault == 7 && i == argc - 1 ? 1 : fault == 12 && i == 0 ? 2 : fault == 13 ? 3 : 0]);
  }
  if (fault == 8 && b->len > 1) b->len -= 1 + rnd((uint32_t)b->len - 1); /* cut short */
}

/* Parses data[0..len) in chunks of `chunk` bytes (0: all at once) and
 * writes what came out - every command's arguments, then the outcome -
 * into trace. */
static void parse_trace(const uint8_t *data, size_t len, size_t chunk, bool authenticated, xs_buf *trace) {
  xs_resp_parser p;
  xs_resp_parser_init(&p);
  p.authenticated = authenticated;
  size_t off = 0;
  int rc = XS_RESP_NEED_MORE;
  while (off < len) {
    size_t n = chunk && len - off > chunk ? chunk : len - off, used = 0;
    rc = xs_resp_parse(&p, data + off, n, &used);
    off += used;
    if (rc == XS_RESP_COMMAND) {
      xs_buf_printf(trace, "cmd %d:", p.argc);
      for (int i = 0; i < p.argc; i++) {
        xs_buf_printf(trace, " %zu:", p.argl[i]);
        xs_buf_append(trace, p.argv[i], p.argl[i]);
        assert_int_equal(p.argv[i][p.argl[i]], 0);
      }
      xs_buf_puts(trace, "\n");
    } else if (rc < 0) {
      break;
    }
  }
  xs_buf_printf(trace, "end rc=%d at %zu: %s\n", rc, rc < 0 ? off : len, rc == XS_RESP_EPROTO ? p.err : "");
  xs_resp_parser_free(&p);
}

static void test_fast_path_matches_state_machine(void **state) {
  (void)state;
  xs_buf stream, whole, bytewise;
  xs_buf_init(&stream, STREAM_BYTES_MAX * 16); /* one request may pass the mark by 40 x 64 KiB */
  xs_buf_init(&whole, TRACE_BYTES_MAX * 4);
  xs_buf_init(&bytewise, TRACE_BYTES_MAX * 4);
  for (int k = 0; k < STREAMS; k++) {
    xs_buf_reset(&stream);
    int nreq = 1 + (int)rnd(6);
    for (int r = 0; r < nreq && stream.len < STREAM_BYTES_MAX; r++) gen_request(&stream);
    assert_true(xs_buf_ok(&stream));
    for (int auth = 0; auth <= 1; auth++) {
      xs_buf_reset(&whole);
      xs_buf_reset(&bytewise);
      parse_trace(stream.data, stream.len, 0, auth, &whole);
      parse_trace(stream.data, stream.len, 1, auth, &bytewise);
      assert_true(xs_buf_ok(&whole) && xs_buf_ok(&bytewise));
      if (whole.len != bytewise.len || memcmp(whole.data, bytewise.data, whole.len) != 0)
        fail_msg("stream %d (auth %d): one buffer and byte by byte differ:\n%.*s\n---\n%.*s", k, auth,
                 (int)(whole.len > 2000 ? 2000 : whole.len), (const char *)whole.data,
                 (int)(bytewise.len > 2000 ? 2000 : bytewise.len), (const char *)bytewise.data);
    }
  }
  xs_buf_free(&stream);
  xs_buf_free(&whole);
  xs_buf_free(&bytewise);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_fast_path_matches_state_machine),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
