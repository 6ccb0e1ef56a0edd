/*
 * resp_cmd_strings.c - string commands: GET SET (EX PX EXAT PXAT NX XX GET
 * KEEPTTL) GETSET MGET MSET SETNX SETEX PSETEX GETDEL GETEX APPEND STRLEN
 * INCR INCRBY DECR DECRBY INCRBYFLOAT GETRANGE SUBSTR SETRANGE.
 *
 * Plain writes are XS_OP_PUT / PUT_IF_ABSENT / REPLACE; everything that
 * reads before it writes is an XS_OP_COMPUTE, so the read and the write
 * happen under one key lock, as Infinispan's replace loops guarantee.  As in
 * Infinispan, a write that does not give a lifespan (APPEND, INCR, SETRANGE
 * use Cache.replace without one) leaves the entry immortal.
 */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "resp_internal.h"

/* SET options (s->cx.opts). */
#define O_NX 0x1u
#define O_XX 0x2u
#define O_GET 0x4u
#define O_KEEPTTL 0x8u

static void w_err(xs_resp_session *s, const char *text) { xs_resp_w_error(&s->out, text); }

/* The string value of a key for a read; false (after writing WRONGTYPE)
 * when it holds another type.  v->type is NONE when absent. */
static bool read_string(xs_resp_session *s, int argi, xs__resp_val *v) {
  xs__resp_read(s, s->argv[argi], s->argl[argi], v);
  if (v->type == XS__RESP_T_NONE || v->type == XS__RESP_T_STRING) return true;
  w_err(s, XS_RESP_E_WRONGTYPE);
  return false;
}

void xs__resp_cmd_get(xs_resp_session *s) {
  xs__resp_val v;
  if (!read_string(s, 1, &v)) return;
  if (v.type == XS__RESP_T_NONE) xs_resp_w_null(&s->out);
  else xs_resp_w_bulk(&s->out, v.p, v.len);
}

void xs__resp_cmd_strlen(xs_resp_session *s) {
  xs__resp_val v;
  if (read_string(s, 1, &v)) xs_resp_w_int(&s->out, v.len);
}

void xs__resp_cmd_mget(xs_resp_session *s) {
  xs_resp_w_array(&s->out, (size_t)(s->argc - 1));
  for (int i = 1; i < s->argc; i++) {
    xs__resp_val v;
    xs__resp_read(s, s->argv[i], s->argl[i], &v);
    if (v.type == XS__RESP_T_STRING) xs_resp_w_bulk(&s->out, v.p, v.len);
    else xs_resp_w_null(&s->out); /* absent or another type */
  }
}

/* ------------------------------------------------------------------------ */
/* SET and friends                                                            */

/* RespExpiration.convert: a lifespan in ms (may be <= 0 for a past time). */
static int64_t expiration_ms(xs_resp_session *s, const char *kind, int64_t t) {
  int64_t now = s->cfg.time_epoch_ms + xs_sim_now(s->sim);
  bool secs = kind[0] == 'E' || kind[0] == 'e';
  bool at = strlen(kind) == 4;
  if (!at) return secs ? (t > INT64_MAX / 1000 ? INT64_MAX : t < INT64_MIN / 1000 ? INT64_MIN : t * 1000) : t;
  return secs ? (t - now / 1000) * 1000 : t - now;
}

/* RespExpiration.valueOf: EX PX (any case of the X) EXAT PXAT. */
static bool expiration_kind(const char *a, size_t n) {
  if (n == 2) return (a[1] == 'X' || a[1] == 'x') && (a[0] == 'E' || a[0] == 'e' || a[0] == 'P' || a[0] == 'p');
  if (n != 4) return false;
  char up[5];
  for (int i = 0; i < 4; i++) up[i] = (char)(a[i] >= 'a' && a[i] <= 'z' ? a[i] - 32 : a[i]);
  up[4] = 0;
  return !strcmp(up, "EXAT") || !strcmp(up, "PXAT");
}

static bool upper_is(const char *a, size_t n, const char *upper) {
  if (strlen(upper) != n) return false;
  for (size_t i = 0; i < n; i++) {
    char c = a[i] >= 'a' && a[i] <= 'z' ? (char)(a[i] - 32) : a[i];
    if (c != upper[i]) return false;
  }
  return true;
}

/* One time option at av[i]; returns false after writing an error. */
static bool set_time_option(xs_resp_session *s, const char *const *av, const size_t *al, int n, int *i,
                            const char *cmd) {
  if (!expiration_kind(av[*i], al[*i])) return w_err(s, "ERR Invalid expiration type"), false;
  if (s->cx.lifespan_ms > 0 || (s->cx.opts & O_KEEPTTL))
    return w_err(s, "ERR Only one expiration option should be used on SET"), false;
  if (*i + 1 >= n) return w_err(s, XS_RESP_E_INDEX), false;
  int64_t t;
  if (!xs__resp_java_tolong(av[*i + 1], al[*i + 1], &t)) return w_err(s, XS_RESP_E_NOTINT), false;
  if (t <= 0) return xs_resp_w_errorf(&s->out, "ERR invalid expire time in '%s' command", cmd), false;
  s->cx.lifespan_ms = expiration_ms(s, av[*i], t);
  (*i)++;
  return true;
}

/* SetOperationOptions: options av[0..n).  false after writing an error. */
static bool set_options(xs_resp_session *s, const char *const *av, const size_t *al, int n, const char *cmd) {
  for (int i = 0; i < n; i++) {
    const char *a = av[i];
    if (al[i] == 2 || al[i] == 4) {
      char c = a[0];
      if ((c == 'N' || c == 'n' || c == 'X' || c == 'x') && (a[1] == 'X' || a[1] == 'x')) {
        if (s->cx.opts & (O_NX | O_XX)) return w_err(s, "ERR NX and XX options are mutually exclusive"), false;
        s->cx.opts |= (c == 'N' || c == 'n') ? O_NX : O_XX;
        continue;
      }
      if (c == 'E' || c == 'e' || c == 'P' || c == 'p') {
        if (!set_time_option(s, av, al, n, &i, cmd)) return false;
        continue;
      }
    } else if (upper_is(a, al[i], "GET")) {
      s->cx.opts |= O_GET;
      continue;
    } else if (upper_is(a, al[i], "KEEPTTL")) {
      if (s->cx.lifespan_ms > 0)
        return w_err(s, "ERR KEEPTTL and EX/PX/EXAT/PXAT are mutually exclusive"), false;
      s->cx.opts |= O_KEEPTTL;
      continue;
    }
    return w_err(s, "ERR Unknown argument for SET operation"), false;
  }
  return true;
}

static xs_compute_action set_compute(xs_resp_session *s, const xs__resp_val *old, xs_compute_out *out) {
  bool get = s->cx.opts & O_GET, found = old->type != XS__RESP_T_NONE;
  if (get && found && old->type != XS__RESP_T_STRING) return xs__resp_cx_fail(s, XS_RESP_E_WRONGTYPE);
  if (get && found) xs_resp_w_bulk(&s->cx.reply, old->p, old->len);
  else if (get) xs_resp_w_null(&s->cx.reply);
  if ((s->cx.opts & O_NX) && found) {
    if (!get) xs_resp_w_null(&s->cx.reply);
    return XS_COMPUTE_KEEP;
  }
  if ((s->cx.opts & O_XX) && !found) {
    if (!get) xs_resp_w_null(&s->cx.reply);
    return XS_COMPUTE_KEEP;
  }
  if (!get) xs_resp_w_simple(&s->cx.reply, "OK");
  xs_buf_append(&s->cx.val, s->argv[s->cx.arg], s->argl[s->cx.arg]);
  xs_ms life = (s->cx.opts & O_KEEPTTL) ? -1 : s->cx.lifespan_ms < 0 ? -2 : s->cx.lifespan_ms;
  return xs__resp_cx_put(s, out, XS_RESP_VTYPE_STRING, life);
}

/* Completion of a plain PUT / PUT_IF_ABSENT / REPLACE for SET. */
static void set_plain_done(xs_resp_session *s, const xs_op_result *r) {
  if (r->status == XS_EEXISTS || r->status == XS_ENOTFOUND) xs_resp_w_null(&s->out);
  else if (r->status) xs__resp_reply_op_error(s, r);
  else xs_resp_w_simple(&s->out, "OK");
  xs__resp_finish(s);
}

/* Runs SET key=argv[key_i] value=argv[val_i] with parsed options. */
static void set_run(xs_resp_session *s, int key_i, int val_i) {
  uint32_t o = s->cx.opts;
  s->cx.arg = val_i;
  if (o & (O_GET | O_KEEPTTL)) {
    xs__resp_compute(s, s->argv[key_i], s->argl[key_i], set_compute, xs__resp_done_reply);
    return;
  }
  xs_op op;
  xs_op_init(&op, (o & O_NX) ? XS_OP_PUT_IF_ABSENT : (o & O_XX) ? XS_OP_REPLACE : XS_OP_PUT, s->site, s->cache);
  op.key = (const uint8_t *)s->argv[key_i];
  op.key_len = (uint32_t)s->argl[key_i];
  op.value = (const uint8_t *)s->argv[val_i];
  op.value_len = (uint32_t)s->argl[val_i];
  op.vtype = XS_RESP_VTYPE_STRING;
  op.lifespan_ms = s->cx.lifespan_ms < 0 ? -1 : s->cx.lifespan_ms;
  xs__resp_submit(s, &op, set_plain_done);
}

void xs__resp_cmd_set(xs_resp_session *s) {
  if (!set_options(s, s->argv + 3, s->argl + 3, s->argc - 3, "SET")) return;
  set_run(s, 1, 2);
}

void xs__resp_cmd_getset(xs_resp_session *s) {
  s->cx.opts = O_GET;
  set_run(s, 1, 2);
}

static void setex_common(xs_resp_session *s, const char *kind, const char *cmd) {
  const char *av[2] = {kind, s->argv[2]};
  size_t al[2] = {2, s->argl[2]};
  if (!set_options(s, av, al, 2, cmd)) return;
  set_run(s, 1, 3);
}

void xs__resp_cmd_setex(xs_resp_session *s) { setex_common(s, "EX", "SETEX"); }
void xs__resp_cmd_psetex(xs_resp_session *s) { setex_common(s, "PX", "PSETEX"); }

static void setnx_done(xs_resp_session *s, const xs_op_result *r) {
  if (r->status == XS_EEXISTS) xs_resp_w_int(&s->out, 0);
  else if (r->status) xs__resp_reply_op_error(s, r);
  else xs_resp_w_int(&s->out, 1);
  xs__resp_finish(s);
}

void xs__resp_cmd_setnx(xs_resp_session *s) {
  xs_op op;
  xs_op_init(&op, XS_OP_PUT_IF_ABSENT, s->site, s->cache);
  op.key = (const uint8_t *)s->argv[1];
  op.key_len = (uint32_t)s->argl[1];
  op.value = (const uint8_t *)s->argv[2];
  op.value_len = (uint32_t)s->argl[2];
  xs__resp_submit(s, &op, setnx_done);
}

/* MSET: the puts run concurrently, as Infinispan's aggregate stage. */
static void mset_done(xs_resp_session *s, const xs_op_result *r) {
  if (r->status && !s->cx.have_error) {
    s->cx.have_error = true;
    snprintf(s->cx.err, sizeof s->cx.err, "ERR %s", r->error);
  }
  if (s->cx.pending) return;
  if (s->cx.have_error) xs_resp_w_error(&s->out, s->cx.err);
  else xs_resp_w_simple(&s->out, "OK");
  xs__resp_finish(s);
}

void xs__resp_cmd_mset(xs_resp_session *s) {
  if ((s->argc - 1) & 1) {
    w_err(s, "ERR Missing a value for a key");
    return;
  }
  for (int i = 1; i < s->argc; i += 2) {
    xs_op op;
    xs_op_init(&op, XS_OP_PUT, s->site, s->cache);
    op.key = (const uint8_t *)s->argv[i];
    op.key_len = (uint32_t)s->argl[i];
    op.value = (const uint8_t *)s->argv[i + 1];
    op.value_len = (uint32_t)s->argl[i + 1];
    if (xs__resp_submit(s, &op, mset_done) < 0) return;
  }
}

/* ------------------------------------------------------------------------ */
/* Read-modify-write                                                          */

static xs_compute_action getdel_compute(xs_resp_session *s, const xs__resp_val *old, xs_compute_out *out) {
  (void)out;
  if (old->type == XS__RESP_T_NONE) {
    xs_resp_w_null(&s->cx.reply);
    return XS_COMPUTE_KEEP;
  }
  if (old->type != XS__RESP_T_STRING) return xs__resp_cx_fail(s, XS_RESP_E_WRONGTYPE);
  xs_resp_w_bulk(&s->cx.reply, old->p, old->len);
  return XS_COMPUTE_REMOVE;
}

void xs__resp_cmd_getdel(xs_resp_session *s) {
  xs__resp_compute(s, s->argv[1], s->argl[1], getdel_compute, xs__resp_done_reply);
}

static xs_compute_action getex_compute(xs_resp_session *s, const xs__resp_val *old, xs_compute_out *out) {
  if (old->type == XS__RESP_T_NONE) {
    xs_resp_w_null(&s->cx.reply);
    return XS_COMPUTE_KEEP;
  }
  if (old->type != XS__RESP_T_STRING) return xs__resp_cx_fail(s, XS_RESP_E_WRONGTYPE);
  xs_resp_w_bulk(&s->cx.reply, old->p, old->len);
  xs_buf_append(&s->cx.val, old->p, old->len);
  return xs__resp_cx_put(s, out, old->vtype, s->cx.lifespan_ms < 0 ? -2 : s->cx.lifespan_ms);
}

/* GetexOperation.parseExpiration; false after writing an error. */
static bool getex_options(xs_resp_session *s) {
  int64_t ms = 0;
  for (int i = 2; i < s->argc; i++) {
    const char *a = s->argv[i];
    size_t n = s->argl[i];
    if ((n == 2 || n == 4) && (a[0] == 'E' || a[0] == 'e' || a[0] == 'P' || a[0] == 'p')) {
      if (!expiration_kind(a, n)) return w_err(s, "ERR Invalid expiration type"), false;
      if (ms != 0) return w_err(s, "ERR Only one expiration option should be used on GETEX"), false;
      if (i + 1 >= s->argc) return w_err(s, XS_RESP_E_INDEX), false;
      int64_t t;
      if (!xs__resp_java_parselong(s->argv[i + 1], s->argl[i + 1], &t)) return w_err(s, XS_RESP_E_NOTINT), false;
      ms = expiration_ms(s, a, t);
      i++;
    } else if (upper_is(a, n, "PERSIST")) {
      if (ms != 0) return w_err(s, "ERR PERSIST and EX/PX/EXAT/PXAT are mutually exclusive"), false;
      ms = -1;
    } else {
      return w_err(s, "ERR Unknown argument for GETEX operation"), false;
    }
  }
  s->cx.lifespan_ms = ms;
  return true;
}

void xs__resp_cmd_getex(xs_resp_session *s) {
  if (s->argc == 2) {
    xs__resp_cmd_get(s);
    return;
  }
  if (!getex_options(s)) return;
  xs__resp_compute(s, s->argv[1], s->argl[1], getex_compute, xs__resp_done_reply);
}

static xs_compute_action append_compute(xs_resp_session *s, const xs__resp_val *old, xs_compute_out *out) {
  if (old->type != XS__RESP_T_NONE && old->type != XS__RESP_T_STRING)
    return xs__resp_cx_fail(s, XS_RESP_E_WRONGTYPE);
  xs_buf_append(&s->cx.val, old->p, old->len);
  xs_buf_append(&s->cx.val, s->argv[2], s->argl[2]);
  xs_resp_w_int(&s->cx.reply, (int64_t)s->cx.val.len);
  return xs__resp_cx_put(s, out, XS_RESP_VTYPE_STRING, -2);
}

void xs__resp_cmd_append(xs_resp_session *s) {
  xs__resp_compute(s, s->argv[1], s->argl[1], append_compute, xs__resp_done_reply);
}

static xs_compute_action incr_compute(xs_resp_session *s, const xs__resp_val *old, xs_compute_out *out) {
  int64_t v = s->cx.arg;
  if (old->type != XS__RESP_T_NONE) {
    int64_t cur;
    if (old->type != XS__RESP_T_STRING) return xs__resp_cx_fail(s, XS_RESP_E_WRONGTYPE);
    if (!xs__resp_java_tolong(old->p, old->len, &cur)) return xs__resp_cx_fail(s, XS_RESP_E_NOTINT);
    v = (int64_t)((uint64_t)cur + (uint64_t)s->cx.arg); /* Java's long addition wraps */
  }
  xs_buf_printf(&s->cx.val, "%lld", (long long)v);
  xs_resp_w_int(&s->cx.reply, v);
  return xs__resp_cx_put(s, out, XS_RESP_VTYPE_STRING, -2);
}

static void incr_by(xs_resp_session *s, int64_t by) {
  s->cx.arg = by;
  xs__resp_compute(s, s->argv[1], s->argl[1], incr_compute, xs__resp_done_reply);
}

/* The delta argument of INCRBY / DECRBY; false after writing the error. */
static bool delta_arg(xs_resp_session *s, int64_t *by) {
  if (xs__resp_java_tolong(s->argv[2], s->argl[2], by)) return true;
  w_err(s, XS_RESP_E_NOTINT);
  return false;
}

void xs__resp_cmd_incr(xs_resp_session *s) { incr_by(s, 1); }
void xs__resp_cmd_decr(xs_resp_session *s) { incr_by(s, -1); }

void xs__resp_cmd_incrby(xs_resp_session *s) {
  int64_t by;
  if (delta_arg(s, &by)) incr_by(s, by);
}

void xs__resp_cmd_decrby(xs_resp_session *s) {
  int64_t by;
  if (delta_arg(s, &by)) incr_by(s, (int64_t)(0 - (uint64_t)by));
}

static xs_compute_action incrbyfloat_compute(xs_resp_session *s, const xs__resp_val *old, xs_compute_out *out) {
  double v = s->cx.d;
  char tmp[40];
  if (old->type != XS__RESP_T_NONE) {
    double cur;
    if (old->type != XS__RESP_T_STRING) return xs__resp_cx_fail(s, XS_RESP_E_WRONGTYPE);
    if (!xs__resp_java_todouble(old->p, old->len, &cur)) return xs__resp_cx_fail(s, XS_RESP_E_NOTFLOAT);
    v = cur + s->cx.d;
    if (isnan(v) || isinf(v)) return xs__resp_cx_fail(s, XS_RESP_E_NANINF);
  }
  size_t n = xs__resp_java_double_bytes(v, tmp, sizeof tmp);
  xs_buf_append(&s->cx.val, tmp, n);
  xs_resp_w_double(&s->cx.reply, v);
  return xs__resp_cx_put(s, out, XS_RESP_VTYPE_STRING, -2);
}

void xs__resp_cmd_incrbyfloat(xs_resp_session *s) {
  if (!xs__resp_java_todouble(s->argv[2], s->argl[2], &s->cx.d)) {
    w_err(s, XS_RESP_E_NOTINT); /* a NumberFormatException */
    return;
  }
  xs__resp_compute(s, s->argv[1], s->argl[1], incrbyfloat_compute, xs__resp_done_reply);
}

void xs__resp_cmd_getrange(xs_resp_session *s) {
  int64_t begin, end;
  xs__resp_val v;
  if (!xs__resp_java_tolong(s->argv[2], s->argl[2], &begin) || !xs__resp_java_tolong(s->argv[3], s->argl[3], &end)) {
    w_err(s, XS_RESP_E_NOTINT);
    return;
  }
  if (!read_string(s, 1, &v)) return;
  int64_t len = v.len;
  /* GETRANGE.subrange */
  if (begin < 0) begin = len + begin > 0 ? len + begin : 0;
  if (end < 0) end = len + end;
  else if (end > len - 1) end = len - 1;
  if (v.type == XS__RESP_T_NONE || begin > end || begin >= len) xs_resp_w_bulk(&s->out, "", 0);
  else xs_resp_w_bulk(&s->out, v.p + begin, (size_t)(end - begin + 1));
}

void xs__resp_cmd_substr(xs_resp_session *s) { xs__resp_cmd_getrange(s); }

static xs_compute_action setrange_compute(xs_resp_session *s, const xs__resp_val *old, xs_compute_out *out) {
  size_t off = (size_t)s->cx.arg, plen = s->argl[3];
  if (old->type != XS__RESP_T_NONE && old->type != XS__RESP_T_STRING)
    return xs__resp_cx_fail(s, XS_RESP_E_WRONGTYPE);
  if (plen == 0 && old->type == XS__RESP_T_NONE) { /* compute returns null: nothing stored */
    xs_resp_w_int(&s->cx.reply, 0);
    return XS_COMPUTE_KEEP;
  }
  if (plen > 0 && off + plen > XS_VALUE_BYTES_MAX) return xs__resp_cx_fail(s, XS_RESP_E_TOOBIG);
  size_t total = plen == 0 ? old->len : (off + plen > old->len ? off + plen : old->len);
  xs_buf_append(&s->cx.val, old->p, old->len);
  while (s->cx.val.len < total && xs_buf_ok(&s->cx.val)) {
    static const uint8_t zeros[256];
    size_t n = total - s->cx.val.len < sizeof zeros ? total - s->cx.val.len : sizeof zeros;
    xs_buf_append(&s->cx.val, zeros, n);
  }
  if (plen && xs_buf_ok(&s->cx.val)) memcpy(s->cx.val.data + off, s->argv[3], plen);
  xs_resp_w_int(&s->cx.reply, (int64_t)total);
  return xs__resp_cx_put(s, out, XS_RESP_VTYPE_STRING, -2);
}

void xs__resp_cmd_setrange(xs_resp_session *s) {
  int32_t off;
  if (!xs__resp_java_toint(s->argv[2], s->argl[2], &off)) {
    w_err(s, XS_RESP_E_NOTINT);
    return;
  }
  if (off < 0) { /* ByteBuffer.put at a negative index */
    w_err(s, XS_RESP_E_INDEX);
    return;
  }
  s->cx.arg = off;
  xs__resp_compute(s, s->argv[1], s->argl[1], setrange_compute, xs__resp_done_reply);
}
