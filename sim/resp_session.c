/*
 * resp_session.c - a RESP3 connection's life over the simulation core (see
 * resp_session.h): buffering input, running parsed commands one at a time
 * through the command table, checking arity and authentication the way
 * Infinispan's RespRequestHandler does, submitting core operations and
 * resuming the pipeline when they complete in virtual time.
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "resp_internal.h"

/* Buffers above this size are given back once they are empty. */
#define SESSION_KEEP_BYTES (64u * 1024)
/* Scratch item arrays above this many entries are given back after use. */
#define SESSION_KEEP_ITEMS 4096u

static const uint8_t empty_bytes[1] = {0};

/* ------------------------------------------------------------------------ */
/* Lifecycle                                                                  */

static void copy_str(char *dst, size_t n, const char *src) { snprintf(dst, n, "%s", src ? src : ""); }

static void clients_join(xs_resp_session *s) {
  xs_resp_clients *l = s->cfg.clients;
  if (!l) return;
  s->cl_prev = l->tail;
  s->cl_next = NULL;
  if (l->tail) l->tail->cl_next = s;
  else l->head = s;
  l->tail = s;
  l->count++;
}

/* Leaves the endpoint's list when the connection ends, even if an
 * operation keeps the session itself a while longer. */
static void clients_leave(xs_resp_session *s) {
  xs_resp_clients *l = s->cfg.clients;
  if (!l) return;
  if (s->cl_prev) s->cl_prev->cl_next = s->cl_next;
  else l->head = s->cl_next;
  if (s->cl_next) s->cl_next->cl_prev = s->cl_prev;
  else l->tail = s->cl_prev;
  s->cl_prev = s->cl_next = NULL;
  l->count--;
  s->cfg.clients = NULL;
}

xs_resp_session *xs_resp_session_new(xs_sim *sim, int site, const xs_resp_config *cfg) {
  xs_resp_config none = {0};
  if (!cfg) cfg = &none;
  if (!sim || site < 0 || site >= xs_sim_topology(sim)->nsites) return NULL;
  int cache = xs_sim_cache_index(sim, cfg->cache ? cfg->cache : "respCache");
  if (cache < 0) return NULL;
  xs_resp_session *s = calloc(1, sizeof *s);
  if (!s) return NULL;
  s->sim = sim;
  s->site = site;
  s->cache = s->default_cache = cache;
  s->cfg = *cfg;
  s->cfg.cache = NULL; /* the index is all we keep */
  if (!s->cfg.time_epoch_ms) s->cfg.time_epoch_ms = XS_RESP_TIME_EPOCH_MS;
  copy_str(s->peer, sizeof s->peer, cfg->peer_addr);
  copy_str(s->local, sizeof s->local, cfg->local_addr);
  s->cfg.peer_addr = s->peer;
  s->cfg.local_addr = s->local;
  s->resp3 = !cfg->resp2_until_hello;
  s->authenticated = cfg->auth == NULL;
  s->perms = s->authenticated ? XS_RESP_ROLE_ADMIN : 0;
  xs_resp_parser_init(&s->parser);
  s->parser.authenticated = s->authenticated;
  xs_buf_init(&s->in, XS_RESP_INPUT_BYTES_MAX);
  xs_buf_init(&s->out, XS_RESP_OUTPUT_BYTES_MAX);
  xs_buf_init(&s->cx.val, XS_VALUE_BYTES_MAX);
  xs_buf_init(&s->cx.reply, XS_RESP_OUTPUT_BYTES_MAX);
  xs_buf_init(&s->cx.saved, XS_VALUE_BYTES_MAX);
  s->created_ms = xs_sim_now(sim);
  s->rng = xs_sim_random_seed(sim, "resp") ^ ((uint64_t)cfg->client_id * 0x9E3779B97F4A7C15ull);
  clients_join(s);
  return s;
}

void xs_resp_session_destroy(xs_resp_session *s) {
  if (!s) return;
  clients_leave(s);
  xs_resp_parser_free(&s->parser);
  xs_buf_free(&s->in);
  xs_buf_free(&s->out);
  xs_buf_free(&s->cx.val);
  xs_buf_free(&s->cx.reply);
  xs_buf_free(&s->cx.saved);
  xs__resp_items_free(&s->ia);
  xs__resp_items_free(&s->ib);
  xs__resp_index_free(&s->ix);
  free(s);
}

void xs_resp_session_free(xs_resp_session *s) {
  if (!s) return;
  clients_leave(s);
  if (s->cx.pending == 0) {
    xs_resp_session_destroy(s);
    return;
  }
  /* An operation still refers to the session (its callback and, for a
   * compute, the arguments in the parser): keep those until it completes. */
  s->dead = true;
  s->closing = true;
  xs_buf_free(&s->in);
  xs_buf_free(&s->out);
  s->in_pos = s->out_pos = s->out_committed = 0;
}

/* ------------------------------------------------------------------------ */
/* Running commands                                                           */

/* Tells the server that output (or a decision to close) is waiting. */
static void notify(xs_resp_session *s) {
  if (s->cfg.ready && !s->dead) s->cfg.ready(s->cfg.ready_ud, s);
}

static void reset_cx(xs_resp_session *s) {
  xs__resp_cx *cx = &s->cx;
  cx->compute = NULL;
  cx->done = NULL;
  cx->failed = cx->have_error = false;
  cx->err[0] = 0;
  cx->n = cx->arg = 0;
  cx->d = 0;
  cx->step = 0;
  cx->opts = 0;
  cx->lifespan_ms = -1;
  xs_buf_reset(&cx->val);
  xs_buf_reset(&cx->reply);
}

static void shrink(xs_buf *b) {
  if (b->cap > SESSION_KEEP_BYTES) xs_buf_free(b);
}

/* The length of the reply line at p (a header line, with its payload when
 * it is a bulk string), and its count in *n; 0 when no line ends. */
static size_t reply_line(const uint8_t *p, const uint8_t *end, long long *n) {
  const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
  if (!nl) return 0;
  size_t line = (size_t)(nl - p) + 1;
  /* Only the headers whose count is used: "+OK" needs no strtoll. */
  *n = p[0] == '$' || p[0] == '%' || p[0] == '~' ? strtoll((const char *)p + 1, NULL, 10) : 0;
  if (p[0] == '$') {
    if (*n > 0 && (size_t)*n + 2 <= (size_t)(end - p) - line) line += (size_t)*n + 2;
    else if (*n == 0) line += 2;
  }
  return line;
}

/* Whether a reply has only types RESP2 shares with RESP3 (+ - : $ *), as
 * most replies do: then it needs no rewriting. */
static bool resp2_already(const uint8_t *p, const uint8_t *end) {
  long long n;
  while (p < end) {
    if (p[0] == '_' || p[0] == '%' || p[0] == '~' || p[0] == '#' || p[0] == ',') return false;
    size_t line = reply_line(p, end, &n);
    if (!line) return false; /* an unended line: to_resp2 drops it */
    p += line;
  }
  return true;
}

/* Rewrites the reply at out[from..] in RESP2 framing.  The reply is ours,
 * so well-formed: a flat walk over its header lines is enough, copying bulk
 * payloads verbatim. */
static void to_resp2(xs_resp_session *s, size_t from) {
  if (resp2_already(s->out.data + from, s->out.data + s->out.len)) return;
  xs_buf t;
  xs_buf_init(&t, XS_RESP_OUTPUT_BYTES_MAX);
  const uint8_t *p = s->out.data + from, *end = s->out.data + s->out.len;
  while (p < end) {
    long long n;
    size_t line = reply_line(p, end, &n);
    if (!line) break;
    switch (p[0]) {
    case '_': xs_buf_puts(&t, "$-1\r\n"); break;
    case '%': xs_buf_printf(&t, "*%lld\r\n", 2 * n); break;
    case '~': xs_buf_printf(&t, "*%lld\r\n", n); break;
    case '#': xs_buf_puts(&t, p[1] == 't' ? ":1\r\n" : ":0\r\n"); break;
    case ',': xs_buf_printf(&t, "$%zu\r\n%.*s\r\n", line - 3, (int)(line - 3), (const char *)p + 1); break;
    default: xs_buf_append(&t, p, line); break; /* a bulk string with its payload */
    }
    p += line;
  }
  s->out.len = from;
  xs_buf_append(&s->out, t.data, t.len);
  xs_buf_free(&t);
}

/* Marks the end of a command: its reply is complete (or, if the output
 * limit was passed, dropped and the connection closes). */
static void command_done(xs_resp_session *s) {
  s->busy = false;
  s->cmd = NULL;
  if (!s->resp3 && xs_buf_ok(&s->out) && s->out.len > s->out_committed) to_resp2(s, s->out_committed);
  if (!xs_buf_ok(&s->out)) {
    s->out.len = s->out_committed;
    s->out.failed = false;
    s->closing = true;
  }
  s->out_committed = s->out.len;
  shrink(&s->cx.val);
  shrink(&s->cx.reply);
  shrink(&s->cx.saved);
  /* One big command costs nothing lasting: its arguments and scratch go. */
  xs_resp_parser_done(&s->parser);
  if (s->ia.cap > SESSION_KEEP_ITEMS) xs__resp_items_free(&s->ia);
  if (s->ib.cap > SESSION_KEEP_ITEMS) xs__resp_items_free(&s->ib);
  if (s->ix.mask + 1 > 2 * SESSION_KEEP_ITEMS) xs__resp_index_free(&s->ix);
}

static bool arity_ok(const xs__resp_cmd *c, int argc) {
  int n = c->arity < 0 ? -c->arity : c->arity;
  return c->arity >= 0 ? argc == n : argc >= n;
}

static bool permitted(const xs_resp_session *s, const xs__resp_cmd *c) {
  if ((c->flags & XS__RESP_F_READ) && !(s->perms & XS_RESP_PERM_READ)) return false;
  if ((c->flags & XS__RESP_F_WRITE) && !(s->perms & XS_RESP_PERM_WRITE)) return false;
  if ((c->flags & XS__RESP_F_ADMIN) && !(s->perms & XS_RESP_PERM_ADMIN)) return false;
  return true;
}

void xs__resp_err_arity(xs_resp_session *s) {
  char name[64];
  size_t n = 0;
  const char *src = s->cmd ? s->cmd->name : s->argv[0];
  for (; src[n] && n < sizeof name - 1; n++)
    name[n] = (char)(src[n] >= 'A' && src[n] <= 'Z' ? src[n] + 32 : src[n]);
  name[n] = 0;
  xs_resp_w_errorf(&s->out, "ERR wrong number of arguments for '%s' command", name);
}

/* Whether the argument is the command name `upper`, in any case. */
static bool name_is(const char *upper, const char *arg, size_t len) {
  for (size_t i = 0; i < len; i++) {
    char c = arg[i];
    if (upper[i] == 0 || (c >= 'a' && c <= 'z' ? c - 32 : c) != upper[i]) return false;
  }
  return upper[len] == 0;
}

static const xs__resp_cmd *find_command(xs_resp_session *s) {
  const xs__resp_cmd *c = s->last_cmd;
  if (c && name_is(c->name, s->argv[0], s->argl[0])) return c;
  c = xs__resp_cmd_find(s->argv[0], s->argl[0]);
  if (c) s->last_cmd = c;
  return c;
}

/* The checks of RespHandler and RespRequestHandler.handleRequest, in their
 * order: server ready, known command, arity, then authentication. */
static void run_command(xs_resp_session *s) {
  s->argc = s->parser.argc;
  s->argv = s->parser.argv;
  s->argl = s->parser.argl;
  reset_cx(s);
  const xs__resp_cmd *c = find_command(s);
  if (!xs_site_is_up(s->sim, s->site)) {
    xs_resp_w_error(&s->out, XS_RESP_E_NOTREADY);
  } else if (!c) {
    xs_resp_w_error(&s->out, XS_RESP_E_UNKNOWN);
  } else if (!arity_ok(c, s->argc)) {
    s->cmd = c;
    xs__resp_err_arity(s);
  } else if ((!s->authenticated && !(c->flags & XS__RESP_F_PREAUTH)) || !permitted(s, c)) {
    xs_resp_w_error(&s->out, XS_RESP_E_WRONGPASS);
  } else {
    s->cmd = c;
    s->busy = true;
    s->in_handler = true;
    c->fn(s);
    s->in_handler = false;
    if (s->busy && s->cx.pending > 0) return; /* completes in virtual time */
  }
  command_done(s);
}

/* Gives back consumed input. */
static void compact_input(xs_resp_session *s) {
  if (s->in_pos == s->in.len) {
    s->in_pos = 0;
    if (s->in.cap > SESSION_KEEP_BYTES) xs_buf_free(&s->in);
    else xs_buf_reset(&s->in);
  } else if (s->in_pos > SESSION_KEEP_BYTES && s->in_pos > s->in.len / 2) {
    xs_buf_consume(&s->in, s->in_pos);
    s->in_pos = 0;
  }
}

/* Parses and runs commands until one waits, the input is used up, the
 * output is too full, or the connection is to close. */
static void pump(xs_resp_session *s) {
  if (s->in_pump) return;
  s->in_pump = true;
  while (!s->busy && !s->closing && s->out.len - s->out_pos < XS_RESP_OUTPUT_PAUSE_BYTES &&
         s->in_pos < s->in.len) {
    size_t used = 0;
    s->parser.authenticated = s->authenticated;
    int rc = xs_resp_parse(&s->parser, s->in.data + s->in_pos, s->in.len - s->in_pos, &used);
    s->in_pos += used;
    if (rc == XS_RESP_COMMAND) {
      run_command(s);
    } else if (rc == XS_RESP_EPROTO) {
      xs_resp_w_error(&s->out, s->parser.err);
      command_done(s);
      s->closing = true;
    } else if (rc < 0) {
      s->closing = true;
    }
  }
  if (!s->dead) compact_input(s);
  s->in_pump = false;
}

int xs_resp_session_feed(xs_resp_session *s, const void *bytes, size_t len) {
  if (s->closing || s->dead) return 0;
  if (s->in.len - s->in_pos + len > XS_RESP_INPUT_BYTES_MAX) {
    s->closing = true;
    return XS_ELIMIT;
  }
  xs_buf_append(&s->in, bytes, len);
  if (!xs_buf_ok(&s->in)) {
    s->closing = true;
    return XS_ENOMEM;
  }
  pump(s);
  return 0;
}

/* ------------------------------------------------------------------------ */
/* Output                                                                     */

const uint8_t *xs_resp_session_output(const xs_resp_session *s, size_t *len) {
  *len = s->out.len - s->out_pos;
  return s->out.data ? s->out.data + s->out_pos : empty_bytes;
}

void xs_resp_session_consume(xs_resp_session *s, size_t n) {
  size_t avail = s->out.len - s->out_pos;
  if (n > avail) n = avail;
  s->out_pos += n;
  if (s->out_pos == s->out.len) {
    s->out_pos = s->out_committed = 0;
    if (s->out.cap > SESSION_KEEP_BYTES) xs_buf_free(&s->out);
    else xs_buf_reset(&s->out);
  } else if (s->out_pos > SESSION_KEEP_BYTES && s->out_pos > s->out.len / 2) {
    xs_buf_consume(&s->out, s->out_pos);
    s->out_committed -= s->out_pos;
    s->out_pos = 0;
  }
  if (!s->dead) pump(s);
}

bool xs_resp_session_closing(const xs_resp_session *s) { return s->closing; }
bool xs_resp_session_busy(const xs_resp_session *s) { return s->busy; }
size_t xs_resp_session_input_pending(const xs_resp_session *s) { return s->in.len - s->in_pos; }
int xs_resp_session_cache(const xs_resp_session *s) { return s->cache; }
bool xs_resp_session_authenticated(const xs_resp_session *s) { return s->authenticated; }

/* ------------------------------------------------------------------------ */
/* Operations                                                                 */

void xs__resp_finish(xs_resp_session *s) {
  s->busy = false;
  if (s->in_handler) return; /* run_command completes it */
  command_done(s);
  pump(s);
  notify(s);
}

static void op_cb(xs_sim *sim, void *ud, const xs_op_result *r) {
  (void)sim;
  xs_resp_session *s = ud;
  assert(s->cx.pending > 0);
  s->cx.pending--;
  if (s->dead) {
    if (s->cx.pending == 0) xs_resp_session_destroy(s);
    return;
  }
  s->cx.done(s, r);
}

/* Records a refused submission; with nothing else in flight, replies. */
static int refused(xs_resp_session *s, int rc) {
  if (!s->cx.have_error) {
    s->cx.have_error = true;
    snprintf(s->cx.err, sizeof s->cx.err, "ERR %s", xs_strerror(rc));
  }
  if (s->cx.pending == 0) {
    xs_resp_w_error(&s->out, s->cx.err);
    xs__resp_finish(s);
  }
  return rc;
}

int xs__resp_submit(xs_resp_session *s, xs_op *op, xs__resp_done_fn done) {
  op->site = s->site;
  op->cache = s->cache;
  int64_t id = xs_op_submit(s->sim, op, op_cb, s);
  if (id < 0) return refused(s, (int)id);
  s->cx.pending++;
  s->cx.done = done;
  s->busy = true;
  return 0;
}

static xs_compute_action compute_tramp(void *ud, const uint8_t *old, uint32_t old_len, uint8_t vtype,
                                       bool found, xs_ms old_expire_ms, xs_compute_out *out) {
  xs_resp_session *s = ud;
  xs__resp_val v = {XS__RESP_T_NONE, empty_bytes, 0, 0, XS_TIME_NEVER};
  if (found) {
    v.type = xs__resp_type_of(vtype);
    v.p = old ? old : empty_bytes;
    v.len = old_len;
    v.vtype = vtype;
    v.expire_ms = old_expire_ms;
  }
  xs_buf_reset(&s->cx.val);
  xs_buf_reset(&s->cx.reply);
  s->cx.failed = false;
  xs_compute_action a = s->cx.compute(s, &v, out);
  if (s->cx.failed) {
    snprintf(out->error, sizeof out->error, "%s", s->cx.err);
    return XS_COMPUTE_KEEP;
  }
  return a;
}

int xs__resp_compute(xs_resp_session *s, const void *key, size_t klen, xs__resp_compute_fn fn,
                     xs__resp_done_fn done) {
  xs_op op;
  xs_op_init(&op, XS_OP_COMPUTE, s->site, s->cache);
  op.key = key;
  op.key_len = (uint32_t)klen;
  op.compute = compute_tramp;
  op.compute_ud = s;
  s->cx.compute = fn;
  if (klen > XS_KEY_BYTES_MAX) return refused(s, XS_ELIMIT);
  return xs__resp_submit(s, &op, done);
}

void xs__resp_reply_op_error(xs_resp_session *s, const xs_op_result *r) {
  if (s->cx.failed) xs_resp_w_error(&s->out, s->cx.err);
  else xs_resp_w_errorf(&s->out, "ERR %s", r->error && r->error[0] ? r->error : xs_strerror(r->status));
}

void xs__resp_done_reply(xs_resp_session *s, const xs_op_result *r) {
  if (r->status) xs__resp_reply_op_error(s, r);
  else xs_buf_append(&s->out, s->cx.reply.data ? s->cx.reply.data : empty_bytes, s->cx.reply.len);
  xs__resp_finish(s);
}

xs_compute_action xs__resp_cx_fail(xs_resp_session *s, const char *text) {
  s->cx.failed = true;
  snprintf(s->cx.err, sizeof s->cx.err, "%s", text);
  return XS_COMPUTE_KEEP;
}

xs_compute_action xs__resp_cx_put(xs_resp_session *s, xs_compute_out *out, uint8_t vtype,
                                  xs_ms lifespan_ms) {
  if (!xs_buf_ok(&s->cx.val) || s->cx.val.len > XS_VALUE_BYTES_MAX)
    return xs__resp_cx_fail(s, XS_RESP_E_TOOBIG);
  out->value = s->cx.val.data ? s->cx.val.data : empty_bytes;
  out->value_len = (uint32_t)s->cx.val.len;
  out->vtype = vtype;
  out->lifespan_ms = lifespan_ms;
  return XS_COMPUTE_PUT;
}

/* ------------------------------------------------------------------------ */
/* Reads and helpers                                                          */

xs__resp_type xs__resp_type_of(uint8_t vtype) {
  switch (vtype) {
  case XS_RESP_VTYPE_HASH: return XS__RESP_T_HASH;
  case XS_RESP_VTYPE_LIST: return XS__RESP_T_LIST;
  case XS_RESP_VTYPE_SET: return XS__RESP_T_SET;
  default: return XS__RESP_T_STRING; /* REST values and plain bytes */
  }
}

const char *xs__resp_type_name(xs__resp_type t) {
  static const char *const names[] = {"none", "string", "hash", "list", "set"};
  return names[t];
}

xs__resp_type xs__resp_read(xs_resp_session *s, const void *key, size_t klen, xs__resp_val *v) {
  const uint8_t *p = NULL;
  uint32_t len = 0;
  uint8_t vt = 0;
  xs_ms exp = XS_TIME_NEVER;
  *v = (xs__resp_val){XS__RESP_T_NONE, empty_bytes, 0, 0, XS_TIME_NEVER};
  if (klen > XS_KEY_BYTES_MAX) return XS__RESP_T_NONE;
  int rc = xs_cache_peek(s->sim, s->site, s->cache, key, (uint32_t)klen, &p, &len, &vt, &exp);
  if (rc != 1) return XS__RESP_T_NONE;
  v->type = xs__resp_type_of(vt);
  v->p = p ? p : empty_bytes;
  v->len = len;
  v->vtype = vt;
  v->expire_ms = exp;
  return v->type;
}

bool xs__resp_arg_is(const xs_resp_session *s, int i, const char *upper) {
  size_t n = strlen(upper);
  if (i >= s->argc || s->argl[i] != n) return false;
  for (size_t k = 0; k < n; k++) {
    char c = s->argv[i][k];
    if (c >= 'a' && c <= 'z') c = (char)(c - 32);
    if (c != upper[k]) return false;
  }
  return true;
}

uint64_t xs__resp_rand(xs_resp_session *s) {
  /* splitmix64: small, and a stream per session keeps runs reproducible. */
  uint64_t z = (s->rng += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}
