/*
 * resp_cmd_keys.c - commands on keys of any type: DEL EXISTS TOUCH TYPE TTL
 * PTTL EXPIRETIME PEXPIRETIME EXPIRE PEXPIRE EXPIREAT PEXPIREAT PERSIST
 * KEYS SCAN FLUSHDB FLUSHALL RENAME.
 *
 * Expiry is the core's lifespan in virtual time: TTL is what is left of it,
 * EXPIRE rewrites the entry with a new lifespan (a write, backed up like any
 * other), and the *AT forms and EXPIRETIME count from the session's epoch
 * (the TIME command's clock).  SCAN's cursor is a position in the cache's
 * deterministic iteration order (docs/resp.md says what that guarantees);
 * HSCAN's and SSCAN's, which share SCAN's options here, one among the
 * collection's entries.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "resp_internal.h"

static xs_ms now_ms(const xs_resp_session *s) { return xs_sim_now(s->sim); }

/* ------------------------------------------------------------------------ */
/* DEL, EXISTS, TOUCH, TYPE                                                   */

static void del_done(xs_resp_session *s, const xs_op_result *r) {
  if (r->status && !s->cx.have_error) {
    s->cx.have_error = true;
    snprintf(s->cx.err, sizeof s->cx.err, "ERR %s", r->error);
  } else if (!r->status && r->found) {
    s->cx.n++;
  }
  if (s->cx.pending) return;
  if (s->cx.have_error) xs_resp_w_error(&s->out, s->cx.err);
  else xs_resp_w_int(&s->out, s->cx.n);
  xs__resp_finish(s);
}

void xs__resp_cmd_del(xs_resp_session *s) {
  /* The removes run concurrently, as Infinispan's aggregate stage. */
  for (int i = 1; i < s->argc; i++) {
    xs_op op;
    xs_op_init(&op, XS_OP_REMOVE, s->site, s->cache);
    op.key = (const uint8_t *)s->argv[i];
    op.key_len = (uint32_t)s->argl[i];
    if (xs__resp_submit(s, &op, del_done) < 0) return;
  }
}

static void count_present(xs_resp_session *s) {
  int64_t n = 0;
  for (int i = 1; i < s->argc; i++) {
    xs__resp_val v;
    if (xs__resp_read(s, s->argv[i], s->argl[i], &v) != XS__RESP_T_NONE) n++;
  }
  xs_resp_w_int(&s->out, n);
}

void xs__resp_cmd_exists(xs_resp_session *s) { count_present(s); }
void xs__resp_cmd_touch(xs_resp_session *s) { count_present(s); }

void xs__resp_cmd_type(xs_resp_session *s) {
  xs__resp_val v;
  xs_resp_w_simple(&s->out, xs__resp_type_name(xs__resp_read(s, s->argv[1], s->argl[1], &v)));
}

/* ------------------------------------------------------------------------ */
/* TTL family                                                                 */

enum { TTL_SECONDS = 1, TTL_UNIX = 2 };

static void ttl_common(xs_resp_session *s, int how) {
  xs__resp_val v;
  if (xs__resp_read(s, s->argv[1], s->argl[1], &v) == XS__RESP_T_NONE) {
    xs_resp_w_int(&s->out, -2);
    return;
  }
  if (v.expire_ms == XS_TIME_NEVER) {
    xs_resp_w_int(&s->out, -1);
    return;
  }
  int64_t t = (how & TTL_UNIX) ? s->cfg.time_epoch_ms + v.expire_ms : v.expire_ms - now_ms(s);
  if (how & TTL_SECONDS) t /= 1000; /* truncated, as Infinispan's ttl / 1_000 */
  xs_resp_w_int(&s->out, t);
}

void xs__resp_cmd_ttl(xs_resp_session *s) { ttl_common(s, TTL_SECONDS); }
void xs__resp_cmd_pttl(xs_resp_session *s) { ttl_common(s, 0); }
void xs__resp_cmd_expiretime(xs_resp_session *s) { ttl_common(s, TTL_SECONDS | TTL_UNIX); }
void xs__resp_cmd_pexpiretime(xs_resp_session *s) { ttl_common(s, TTL_UNIX); }

/* ------------------------------------------------------------------------ */
/* EXPIRE family and PERSIST                                                  */

enum { MODE_NONE = 0, MODE_NX, MODE_XX, MODE_GT, MODE_LT };

/* EXPIRE.expire(): cx.arg is the expiration (ms, or epoch ms for the *AT
 * forms when cx.opts has TTL_UNIX), cx.step the mode. */
static xs_compute_action expire_compute(xs_resp_session *s, const xs__resp_val *old, xs_compute_out *out) {
  bool unix_time = s->cx.opts & TTL_UNIX;
  int64_t exp = s->cx.arg, now_epoch = s->cfg.time_epoch_ms + now_ms(s);
  xs_resp_w_int(&s->cx.reply, 0);
  if (old->type == XS__RESP_T_NONE) return XS_COMPUTE_KEEP;
  int64_t ttl = old->expire_ms == XS_TIME_NEVER ? -1 : old->expire_ms - now_ms(s);
  if (unix_time && ttl >= 0) ttl += now_epoch;
  switch (s->cx.step) {
  case MODE_NX: if (ttl >= 0) return XS_COMPUTE_KEEP; break;
  case MODE_XX: if (ttl < 0) return XS_COMPUTE_KEEP; break;
  case MODE_GT: if (exp < ttl || ttl < 0) return XS_COMPUTE_KEEP; break;
  case MODE_LT: if (ttl > 0 && exp > ttl) return XS_COMPUTE_KEEP; break;
  default: break;
  }
  xs_buf_reset(&s->cx.reply);
  xs_resp_w_int(&s->cx.reply, 1);
  if (exp <= 0 || (unix_time && exp <= now_epoch)) return XS_COMPUTE_REMOVE;
  xs_buf_append(&s->cx.val, old->p, old->len);
  return xs__resp_cx_put(s, out, old->vtype, unix_time ? exp - now_epoch : exp);
}

static void expire_common(xs_resp_session *s, bool seconds, bool unix_time) {
  static const char *const modes[] = {"NONE", "NX", "XX", "GT", "LT"};
  int64_t t;
  if (!xs__resp_java_tolong(s->argv[2], s->argl[2], &t)) {
    xs_resp_w_error(&s->out, XS_RESP_E_NOTINT);
    return;
  }
  if (seconds) t = t > INT64_MAX / 1000 ? INT64_MAX : t < INT64_MIN / 1000 ? INT64_MIN : t * 1000;
  s->cx.arg = t;
  s->cx.opts = unix_time ? TTL_UNIX : 0;
  if (s->argc == 4) { /* Mode.valueOf(upper case) */
    char up[64];
    size_t n = s->argl[3] < sizeof up - 1 ? s->argl[3] : sizeof up - 1;
    for (size_t k = 0; k < n; k++) up[k] = (char)(s->argv[3][k] >= 'a' && s->argv[3][k] <= 'z' ? s->argv[3][k] - 32 : s->argv[3][k]);
    up[n] = 0;
    int m = 0;
    while (m < 5 && (n != s->argl[3] || strcmp(up, modes[m]))) m++;
    if (m == 5) {
      xs_resp_w_errorf(&s->out, "ERR No enum constant org.infinispan.server.resp.commands.generic.EXPIRE.Mode.%s", up);
      return;
    }
    s->cx.step = m;
  }
  xs__resp_compute(s, s->argv[1], s->argl[1], expire_compute, xs__resp_done_reply);
}

void xs__resp_cmd_expire(xs_resp_session *s) { expire_common(s, true, false); }
void xs__resp_cmd_pexpire(xs_resp_session *s) { expire_common(s, false, false); }
void xs__resp_cmd_expireat(xs_resp_session *s) { expire_common(s, true, true); }
void xs__resp_cmd_pexpireat(xs_resp_session *s) { expire_common(s, false, true); }

static xs_compute_action persist_compute(xs_resp_session *s, const xs__resp_val *old, xs_compute_out *out) {
  if (old->type == XS__RESP_T_NONE || old->expire_ms == XS_TIME_NEVER) {
    xs_resp_w_int(&s->cx.reply, 0);
    return XS_COMPUTE_KEEP;
  }
  xs_resp_w_int(&s->cx.reply, 1);
  xs_buf_append(&s->cx.val, old->p, old->len);
  return xs__resp_cx_put(s, out, old->vtype, -2);
}

void xs__resp_cmd_persist(xs_resp_session *s) {
  xs__resp_compute(s, s->argv[1], s->argl[1], persist_compute, xs__resp_done_reply);
}

/* ------------------------------------------------------------------------ */
/* KEYS and SCAN                                                              */

typedef struct scan_ctx {
  xs_resp_session *s;
  const uint8_t *pat;      /* NULL: every key */
  size_t plen;
  int type;                /* -1: any; else an xs__resp_type (NONE matches nothing) */
  uint64_t skip, pos;      /* entries to skip; entries seen so far */
  uint64_t count;          /* keys to collect at most */
  bool more;               /* stopped before the end */
} scan_ctx;

static int scan_cb(void *ud, const uint8_t *key, uint32_t klen, const uint8_t *value, uint32_t vlen,
                   uint8_t vtype) {
  scan_ctx *x = ud;
  (void)value;
  (void)vlen;
  if (x->s->ia.n >= x->count) {
    x->more = true;
    return 1;
  }
  if (x->pos++ < x->skip) return 0;
  if (x->type >= 0 && (x->type == XS__RESP_T_NONE || (int)xs__resp_type_of(vtype) != x->type)) return 0;
  if (x->pat && !xs__resp_glob(x->pat, x->plen, key, klen)) return 0;
  return xs__resp_items_push(&x->s->ia, key, klen) ? -1 : 0;
}

static void write_keys(xs_resp_session *s) {
  xs_resp_w_array(&s->out, s->ia.n);
  for (size_t i = 0; i < s->ia.n; i++) xs_resp_w_bulk(&s->out, s->ia.v[i].p, s->ia.v[i].len);
}

void xs__resp_cmd_keys(xs_resp_session *s) {
  scan_ctx x = {s, (const uint8_t *)s->argv[1], s->argl[1], -1, 0, 0, UINT64_MAX, false};
  s->ia.n = 0;
  xs_cache_foreach(s->sim, s->site, s->cache, scan_cb, &x);
  write_keys(s);
}

/* RespTypes.valueOf (case-sensitive); -2 when not a constant. */
static int resp_type_arg(const char *a, size_t n) {
  static const char *const names[] = {"none", "hash", "list", "set", "stream", "string", "zset", "json", "unknown"};
  static const int types[] = {XS__RESP_T_NONE, XS__RESP_T_HASH, XS__RESP_T_LIST, XS__RESP_T_SET,
                              XS__RESP_T_NONE, XS__RESP_T_STRING, XS__RESP_T_NONE, XS__RESP_T_NONE,
                              XS__RESP_T_NONE};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (strlen(names[i]) == n && !memcmp(a, names[i], n)) return types[i];
  return XS__RESP_T_NONE; /* RespTypes.unknown: matches nothing */
}

/* IterationArguments.parse from argv[first]; false after writing an error. */
bool xs__resp_scan_options(xs_resp_session *s, int first, const uint8_t **pat, size_t *plen,
                           uint64_t *count, int *type) {
  for (int i = first; i < s->argc; i++) {
    bool match = xs__resp_arg_is(s, i, "MATCH"), cnt = xs__resp_arg_is(s, i, "COUNT");
    bool typ = xs__resp_arg_is(s, i, "TYPE");
    if (!match && !cnt && !typ) continue; /* ignored, as Infinispan does */
    if (++i >= s->argc) {
      xs_resp_w_error(&s->out, XS_RESP_E_SYNTAX);
      return false;
    }
    if (match) {
      *pat = (const uint8_t *)s->argv[i];
      *plen = s->argl[i];
    } else if (cnt) {
      int32_t c;
      if (!xs__resp_java_toint(s->argv[i], s->argl[i], &c)) {
        xs_resp_w_error(&s->out, XS_RESP_E_NOTINT);
        return false;
      }
      *count = c < 1 ? 1 : c > XS_RESP_SCAN_COUNT_MAX ? XS_RESP_SCAN_COUNT_MAX : (uint64_t)c;
    } else {
      *type = resp_type_arg(s->argv[i], s->argl[i]);
    }
  }
  return true;
}

/* A SCAN cursor: "0" or the decimal position we handed out. */
bool xs__resp_scan_cursor(const char *a, size_t n, uint64_t *pos) {
  uint64_t v = 0;
  if (n == 0 || n > 19) return false;
  for (size_t i = 0; i < n; i++) {
    if (a[i] < '0' || a[i] > '9') return false;
    v = v * 10 + (uint64_t)(a[i] - '0');
  }
  *pos = v;
  return true;
}

/* Whether entry e of s->ia (of `stride` items) is on the page: its key
 * matches the pattern, if any. */
static bool entry_matches(const xs_resp_session *s, size_t e, size_t stride, const uint8_t *pat, size_t plen) {
  return !pat || xs__resp_glob(pat, plen, s->ia.v[stride * e].p, s->ia.v[stride * e].len);
}

void xs__resp_scan_coll(xs_resp_session *s, xs__resp_type want, size_t stride) {
  const uint8_t *pat = NULL;
  size_t plen = 0;
  uint64_t count = 10, pos = 0;
  int type = -1;
  xs__resp_type t;
  if (!xs__resp_scan_options(s, 3, &pat, &plen, &count, &type)) return;
  if (!xs__resp_read_coll(s, 1, want, &t)) return;
  size_t entries = s->ia.n / stride, out_n = 0, e;
  bool ok = xs__resp_scan_cursor(s->argv[2], s->argl[2], &pos);
  /* Pass 1 counts what pass 2 writes (no copy of the page needed): entries
   * from the cursor on that match. */
  for (e = ok ? pos : entries; e < entries && out_n < count; e++)
    if (entry_matches(s, e, stride, pat, plen)) out_n++;
  char cursor[24] = "0";
  if (e < entries) snprintf(cursor, sizeof cursor, "%llu", (unsigned long long)e);
  xs_resp_w_array(&s->out, 2);
  xs_resp_w_bulk_str(&s->out, cursor);
  xs_resp_w_array(&s->out, stride * out_n);
  for (size_t i = ok ? pos : entries, w = 0; i < entries && w < out_n; i++) {
    if (!entry_matches(s, i, stride, pat, plen)) continue;
    for (size_t k = stride * i; k < stride * (i + 1); k++) xs_resp_w_bulk(&s->out, s->ia.v[k].p, s->ia.v[k].len);
    w++;
  }
}

void xs__resp_cmd_scan(xs_resp_session *s) {
  scan_ctx x = {s, NULL, 0, -1, 0, 0, 10, false};
  if (!xs__resp_scan_options(s, 2, &x.pat, &x.plen, &x.count, &x.type)) return;
  char cursor[24] = "0";
  s->ia.n = 0;
  if (xs__resp_scan_cursor(s->argv[1], s->argl[1], &x.skip)) {
    xs_cache_foreach(s->sim, s->site, s->cache, scan_cb, &x);
    if (x.more) snprintf(cursor, sizeof cursor, "%llu", (unsigned long long)x.pos);
  }
  xs_resp_w_array(&s->out, 2);
  xs_resp_w_bulk_str(&s->out, cursor);
  write_keys(s);
}

/* ------------------------------------------------------------------------ */
/* FLUSHDB / FLUSHALL                                                         */

static void ignore_cb(xs_sim *sim, void *ud, const xs_op_result *r) {
  (void)sim;
  (void)ud;
  (void)r;
}

void xs__resp_cmd_flushdb(xs_resp_session *s) {
  xs_op op;
  xs_op_init(&op, XS_OP_CLEAR, s->site, s->cache);
  if (s->argc == 2 && xs__resp_arg_is(s, 1, "ASYNC")) {
    /* clearAsync() without waiting: the reply goes out at once and the
     * clear (and its backup) completes on its own. */
    int64_t id = xs_op_submit(s->sim, &op, ignore_cb, NULL);
    if (id < 0) xs_resp_w_errorf(&s->out, "ERR %s", xs_strerror((int)id));
    else xs_resp_w_simple(&s->out, "OK");
    return;
  }
  if (s->argc == 2 && !xs__resp_arg_is(s, 1, "SYNC")) {
    xs_resp_w_error(&s->out, XS_RESP_E_SYNTAX);
    return;
  }
  xs_resp_w_simple(&s->cx.reply, "OK");
  xs__resp_submit(s, &op, xs__resp_done_reply);
}

/* ------------------------------------------------------------------------ */
/* RENAME: remove the source, then put the destination (RENAME.rename).     */

static xs_compute_action rename_compute(xs_resp_session *s, const xs__resp_val *old, xs_compute_out *out) {
  (void)out;
  xs_buf_reset(&s->cx.saved);
  s->cx.n = old->type != XS__RESP_T_NONE;
  if (!s->cx.n) return XS_COMPUTE_KEEP;
  xs_buf_append(&s->cx.saved, old->p, old->len);
  s->cx.saved_vtype = old->vtype;
  s->cx.saved_expire_ms = old->expire_ms;
  return XS_COMPUTE_REMOVE;
}

static void rename_done(xs_resp_session *s, const xs_op_result *r) {
  if (r->status) {
    xs__resp_reply_op_error(s, r);
    xs__resp_finish(s);
    return;
  }
  bool same = s->argl[1] == s->argl[2] && !memcmp(s->argv[1], s->argv[2], s->argl[1]);
  if (s->cx.step == 0 && s->cx.n && !same) {
    /* The source is gone; now the destination, with what is left of the
     * source's lifespan (nothing, if that ran out meanwhile).  Infinispan
     * renames a key onto itself by removing it, and so do we. */
    xs_ms life = s->cx.saved_expire_ms == XS_TIME_NEVER ? -1 : s->cx.saved_expire_ms - now_ms(s);
    if (life != 0 && (life > 0 || s->cx.saved_expire_ms == XS_TIME_NEVER)) {
      xs_op op;
      xs_op_init(&op, XS_OP_PUT, s->site, s->cache);
      op.key = (const uint8_t *)s->argv[2];
      op.key_len = (uint32_t)s->argl[2];
      op.value = s->cx.saved.data;
      op.value_len = (uint32_t)s->cx.saved.len;
      op.vtype = s->cx.saved_vtype;
      op.lifespan_ms = life;
      s->cx.step = 1;
      xs__resp_submit(s, &op, rename_done); /* a refusal replies and finishes */
      return;
    }
  }
  if (s->cx.step == 0 && !s->cx.n) xs_resp_w_error(&s->out, XS_RESP_E_NOKEY);
  else xs_resp_w_simple(&s->out, "OK");
  xs__resp_finish(s);
}

void xs__resp_cmd_rename(xs_resp_session *s) {
  xs__resp_compute(s, s->argv[1], s->argl[1], rename_compute, rename_done);
}
