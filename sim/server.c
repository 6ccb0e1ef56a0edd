/*
 * server.c - the socket edge of `xsim serve`: the libuv loop, listeners,
 * accepting (and refusing past the connection limit), reading, writing with
 * back-pressure, single-port protocol detection, the stall rule, lingering
 * close, signals, and the end-of-turn settle that services connections and
 * runs the clock.  The protocols live in server_http.c and server_resp.c,
 * the clock in clock_drive.c.
 *
 * Writes go straight from the protocol's output buffer with uv_try_write;
 * only when the kernel's buffer is full is a chunk copied for uv_write, and
 * nothing more is written (or copied) until that write completes - so a
 * client that never reads holds at most one chunk here plus what its
 * protocol buffers before it pauses.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server_internal.h"

/* After the server decides to close, it stops writing, shuts its side down
 * and reads (and drops) what the client still sends - for at most this
 * long and this many bytes - so that the client reads the last answer
 * instead of a connection reset. */
#define LINGER_MS 2000
#define LINGER_BYTES (1u << 20)
/* The stall rule's sweep runs this often (or every stall_ms / 4 if less). */
#define SWEEP_MS 1000
/* Settle rounds in one turn of the loop before yielding to I/O. */
#define SETTLE_ROUNDS_MAX 64
/* Unconsumed output buffers above this are freed when they empty. */
#define KEEP_BYTES (64u << 10)

static uint64_t now_ns(void) { return uv_hrtime(); }
uint64_t xs__srv_wall_ms(const xs_server *s) {
  (void)s;
  return uv_hrtime() / 1000000u;
}

/* ------------------------------------------------------------------------ */
/* Lists                                                                      */

void xs__srv_mark_dirty(xs__conn *c) {
  if (c->dirty || c->closed) return;
  c->dirty = true;
  c->dnext = c->srv->dirty;
  c->srv->dirty = c;
}

void xs__srv_mark_output(xs__conn *c) {
  if (c->closed) return;
  c->srv->deferred++;
  if (c->queued) return;
  c->queued = true;
  c->onext = c->srv->outq;
  c->srv->outq = c;
}

/* Off the dirty and the deferred output lists (the connection closes). */
static void unmark_dirty(xs__conn *c) {
  if (c->dirty) {
    for (xs__conn **p = &c->srv->dirty; *p; p = &(*p)->dnext) {
      if (*p == c) {
        *p = c->dnext;
        break;
      }
    }
    c->dirty = false;
  }
  if (c->queued) {
    for (xs__conn **p = &c->srv->outq; *p; p = &(*p)->onext) {
      if (*p == c) {
        *p = c->onext;
        break;
      }
    }
    c->queued = false;
  }
}

static void conn_unlink(xs__conn *c) {
  xs_server *s = c->srv;
  if (c->prev) c->prev->next = c->next;
  else s->conns = c->next;
  if (c->next) c->next->prev = c->prev;
  c->prev = c->next = NULL;
  s->nconns--;
}

/* ------------------------------------------------------------------------ */
/* Closing                                                                    */

static void on_closed(uv_handle_t *h) {
  xs__conn *c = (xs__conn *)h;
  xs__shttp_free(c);
  free(c->wdata);
  free(c);
}

/* Closes at once: drops the protocol state (waiting router calls are
 * forgotten, a busy RESP session is detached until its write completes). */
void xs__srv_close_conn(xs__conn *c) {
  if (c->closed) return;
  c->closed = true;
  unmark_dirty(c);
  xs__clock_update_waiting(c, false);
  conn_unlink(c);
  if (c->proto == XS__PROTO_RESP) xs__sresp_free(c);
  else if (c->proto == XS__PROTO_HTTP && c->hp && c->http_busy) xs_rest_cancel(c->srv->rest[c->site], c);
  uv_close((uv_handle_t *)&c->tcp, on_closed);
}

static void on_shutdown(uv_shutdown_t *req, int status) {
  xs__conn *c = req->data;
  free(req);
  if (status < 0 || c->eof) xs__srv_close_conn(c);
}

static void on_read(uv_stream_t *st, ssize_t nread, const uv_buf_t *buf);
static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf);

/* Everything is written and the connection is to end: shut our side down
 * and drain the client's for a while (see LINGER_MS). */
static void begin_linger(xs__conn *c) {
  if (c->lingering || c->closed) return;
  if (c->eof) {
    xs__srv_close_conn(c);
    return;
  }
  uv_shutdown_t *req = malloc(sizeof *req);
  if (!req) {
    xs__srv_close_conn(c);
    return;
  }
  req->data = c;
  c->lingering = true;
  c->linger_ns = now_ns();
  c->linger_bytes = 0;
  if (uv_shutdown(req, (uv_stream_t *)&c->tcp, on_shutdown) < 0) {
    free(req);
    xs__srv_close_conn(c);
    return;
  }
  if (!c->reading && uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) == 0) c->reading = true;
}

/* ------------------------------------------------------------------------ */
/* Writing                                                                    */

static const uint8_t *out_peek(const xs__conn *c, size_t *len) {
  *len = 0;
  if (c->proto == XS__PROTO_HTTP) return xs__shttp_output(c, len);
  if (c->proto == XS__PROTO_RESP) return xs__sresp_output(c, len);
  return NULL;
}

static void out_consume(xs__conn *c, size_t n) {
  if (c->proto == XS__PROTO_HTTP) xs__shttp_consume(c, n);
  else if (c->proto == XS__PROTO_RESP) xs__sresp_consume(c, n);
}

static void on_write(uv_write_t *req, int status) {
  xs__conn *c = req->data;
  free(c->wdata);
  c->wdata = NULL;
  c->writing = false;
  c->tx_blocked_ns = 0;
  if (c->closed) return;
  if (status < 0) {
    xs__srv_close_conn(c);
    return;
  }
  xs__srv_mark_dirty(c);
}

/* Writes what the protocol has; returns whether any bytes left it. */
static bool conn_flush(xs__conn *c) {
  bool moved = false;
  while (!c->writing && !c->closed && !c->lingering) {
    size_t len;
    const uint8_t *p = out_peek(c, &len);
    if (!len) break;
    if (len > XS_SERVE_WRITE_CHUNK) len = XS_SERVE_WRITE_CHUNK;
    uv_buf_t b = uv_buf_init((char *)p, (unsigned)len);
    int n = uv_try_write((uv_stream_t *)&c->tcp, &b, 1);
    if (n > 0) {
      out_consume(c, (size_t)n);
      moved = true;
      continue;
    }
    if (n != UV_EAGAIN) {
      xs__srv_close_conn(c);
      break;
    }
    /* The kernel is full: hand one copied chunk to libuv and wait. */
    c->wdata = malloc(len);
    if (!c->wdata) {
      xs__srv_close_conn(c);
      break;
    }
    memcpy(c->wdata, p, len);
    out_consume(c, len);
    moved = true;
    c->wreq.data = c;
    b = uv_buf_init((char *)c->wdata, (unsigned)len);
    if (uv_write(&c->wreq, (uv_stream_t *)&c->tcp, &b, 1, on_write) < 0) {
      xs__srv_close_conn(c);
      break;
    }
    c->writing = true;
    c->tx_blocked_ns = now_ns();
  }
  return moved;
}

/* ------------------------------------------------------------------------ */
/* Reading                                                                    */

static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf) {
  (void)hint;
  /* One buffer for every connection: each read is used up (copied into a
   * parser or a session) before the next read happens. */
  xs__conn *c = (xs__conn *)h;
  *buf = uv_buf_init((char *)c->srv->readbuf, sizeof c->srv->readbuf);
}

/* Single port: buffer the first bytes until Infinispan's detector decides,
 * then hand them, and the rest of this read, to the protocol. */
static void detect_read(xs__conn *c, const uint8_t *data, size_t len) {
  size_t old = c->ndetect, room = sizeof c->detect - old;
  size_t take = len < room ? len : room;
  memcpy(c->detect + old, data, take);
  c->ndetect += take;
  xs_resp_detect_result r = xs_resp_detect(c->detect, c->ndetect);
  if (r == XS_RESP_DETECT_NEED_MORE) return; /* take == len: the detector decides by its max */
  if (r == XS_RESP_DETECT_RESP) {
    c->proto = XS__PROTO_RESP;
    if (xs__sresp_init(c) < 0) {
      xs__srv_close_conn(c);
      return;
    }
    xs__sresp_read(c, c->detect, old);
    xs__sresp_read(c, data, len);
  } else {
    c->proto = XS__PROTO_HTTP;
    xs__shttp_init(c);
    xs__shttp_read(c, c->detect, old);
    xs__shttp_read(c, data, len);
  }
}

static void on_read(uv_stream_t *st, ssize_t nread, const uv_buf_t *buf) {
  xs__conn *c = (xs__conn *)st;
  (void)buf;
  if (c->closed || nread == 0) return;
  if (nread < 0) {
    if (nread != UV_EOF || c->lingering) {
      xs__srv_close_conn(c);
      return;
    }
    c->eof = true;
    if (c->proto == XS__PROTO_DETECT) {
      xs__srv_close_conn(c);
      return;
    }
    if (c->proto == XS__PROTO_HTTP) xs__shttp_eof(c);
    else xs__sresp_eof(c);
    xs__srv_mark_dirty(c);
    return;
  }
  const uint8_t *data = (const uint8_t *)c->srv->readbuf;
  if (c->lingering) {
    c->linger_bytes += (size_t)nread;
    if (c->linger_bytes > LINGER_BYTES) xs__srv_close_conn(c);
    return;
  }
  xs__clock_catch_up(c->srv);
  if (!c->rx_partial_ns) c->rx_partial_ns = now_ns();
  if (c->proto == XS__PROTO_DETECT) detect_read(c, data, (size_t)nread);
  else if (c->proto == XS__PROTO_HTTP) xs__shttp_read(c, data, (size_t)nread);
  else xs__sresp_read(c, data, (size_t)nread);
  if (!c->closed) xs__srv_mark_dirty(c);
}

static void set_reading(xs__conn *c, bool want) {
  if (want == c->reading || c->closed) return;
  if (want) {
    if (uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) == 0) c->reading = true;
  } else {
    uv_read_stop((uv_stream_t *)&c->tcp);
    c->reading = false;
  }
}

/* ------------------------------------------------------------------------ */
/* Servicing a connection                                                     */

/* Runs what a connection can do now: its next requests, its writes, its
 * reading state, its end. */
/* Takes requests and writes answers until the kernel's buffer is full or
 * nothing moves: a write that brings HTTP's unsent answers back under the
 * pause makes the next pipelined request due, and nothing else would wake
 * the connection for it.  Returns whether any bytes left. */
static bool service_and_flush(xs__conn *c) {
  bool moved = false;
  for (;;) {
    if (c->proto == XS__PROTO_HTTP) xs__shttp_service(c);
    bool m = conn_flush(c);
    moved = moved || m;
    if (!m || c->closed || c->writing || c->proto != XS__PROTO_HTTP) return moved;
  }
}

static void conn_service(xs__conn *c) {
  if (c->closed || c->lingering) return;
  bool want_read = !c->eof && !c->closing, waiting = false, done = false;
  bool moved = service_and_flush(c);
  if (c->closed) return;
  if (c->proto == XS__PROTO_HTTP) {
    want_read = want_read && xs__shttp_want_read(c);
    waiting = xs__shttp_waiting(c);
    done = c->closing && !waiting;
  } else if (c->proto == XS__PROTO_RESP) {
    /* A reply went out: the client is not stuck mid-command. */
    if (moved) c->rx_partial_ns = 0;
    want_read = want_read && xs__sresp_want_read(c);
    waiting = xs__sresp_waiting(c);
    done = c->closing && !waiting;
  }
  xs__clock_update_waiting(c, waiting);
  /* Replies deferred by xs__srv_mark_output were counted as progress when
   * they were made, at their own virtual time. */
  if (moved && !c->progress_noted) xs__clock_progress(c);
  c->progress_noted = false;
  set_reading(c, want_read);
  size_t pending;
  out_peek(c, &pending);
  if (done && !c->writing && pending == 0) begin_linger(c);
}

static void drain_dirty(xs_server *s) {
  xs__conn *c;
  while ((c = s->dirty)) {
    s->dirty = c->dnext;
    c->dirty = false;
    conn_service(c);
  }
}

/* Writes the deferred replies (xs__srv_mark_output). */
static void drain_output(xs_server *s) {
  xs__conn *c;
  while ((c = s->outq)) {
    s->outq = c->onext;
    c->queued = false;
    conn_service(c);
  }
  s->deferred = 0;
}

static void on_kick(uv_timer_t *t) { xs__srv_settle(t->data); }

/* The end of a turn: service every dirty connection, move the clock as the
 * mode says, repeat while that produced work; write the deferred replies
 * when the clock stops, and in any case before yielding to I/O (after
 * SETTLE_ROUNDS_MAX rounds, the event budget, or XS__SETTLE_DEFERRED_MAX
 * deferred replies); then set the clock timer. */
void xs__srv_settle(xs_server *s) {
  if (s->in_settle || s->stopping) return;
  s->in_settle = true;
  s->drive_budget = XS_SERVE_DRIVE_EVENTS_MAX;
  xs__clock_catch_up(s);
  int round = 0;
  for (;;) {
    drain_dirty(s);
    if (s->stopping) break;
    if (round++ >= SETTLE_ROUNDS_MAX || s->drive_budget <= 0 || s->deferred >= XS__SETTLE_DEFERRED_MAX) {
      uv_timer_start(&s->kick_timer, on_kick, 0, 0); /* more next turn, after I/O */
      break;
    }
    if (xs__clock_drive(s)) continue;
    if (!s->outq) break;
    drain_output(s); /* which may make connections dirty: round again */
  }
  if (!s->stopping) {
    drain_output(s);
    xs__clock_arm(s);
  }
  s->in_settle = false;
}

static void on_check(uv_check_t *h) { xs__srv_settle(h->data); }

/* ------------------------------------------------------------------------ */
/* Accepting                                                                  */

static void addr_text(const struct sockaddr_storage *ss, char *out, size_t len) {
  char host[64] = "?";
  int port = 0;
  if (ss->ss_family == AF_INET) {
    const struct sockaddr_in *a = (const struct sockaddr_in *)ss;
    uv_ip4_name(a, host, sizeof host);
    port = ntohs(a->sin_port);
    snprintf(out, len, "%s:%d", host, port);
  } else if (ss->ss_family == AF_INET6) {
    const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;
    uv_ip6_name(a, host, sizeof host);
    port = ntohs(a->sin6_port);
    snprintf(out, len, "[%s]:%d", host, port);
  } else {
    snprintf(out, len, "?");
  }
}

static void conn_addresses(xs__conn *c) {
  struct sockaddr_storage ss;
  int n = sizeof ss;
  memset(&ss, 0, sizeof ss);
  if (uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&ss, &n) == 0) addr_text(&ss, c->peer, sizeof c->peer);
  n = sizeof ss;
  memset(&ss, 0, sizeof ss);
  if (uv_tcp_getsockname(&c->tcp, (struct sockaddr *)&ss, &n) == 0) addr_text(&ss, c->local, sizeof c->local);
}

static void on_refused_closed(uv_handle_t *h) { free(h); }

/* Past the connection limit: accept (so the backlog does not fill) and
 * close at once. */
static void refuse(xs_server *s, uv_stream_t *server) {
  uv_tcp_t *t = malloc(sizeof *t);
  if (!t) return;
  uv_tcp_init(&s->loop, t);
  uv_accept(server, (uv_stream_t *)t);
  s->stats.refused++;
  uv_close((uv_handle_t *)t, on_refused_closed);
}

static void on_connection(uv_stream_t *server, int status) {
  xs__listener *l = server->data;
  xs_server *s = l->srv;
  if (status < 0 || s->stopping) return;
  int max = s->cfg.max_connections > 0 ? s->cfg.max_connections : XS_SERVE_CONNECTIONS_MAX;
  if (s->nconns >= max) {
    refuse(s, server);
    return;
  }
  xs__conn *c = calloc(1, sizeof *c);
  if (!c) {
    refuse(s, server);
    return;
  }
  uv_tcp_init(&s->loop, &c->tcp);
  c->srv = s;
  if (uv_accept(server, (uv_stream_t *)&c->tcp) < 0) {
    uv_close((uv_handle_t *)&c->tcp, on_refused_closed);
    return;
  }
  c->site = l->site;
  c->lis = l;
  c->id = ++s->next_id;
  c->next = s->conns;
  if (s->conns) s->conns->prev = c;
  s->conns = c;
  s->nconns++;
  s->stats.accepted++;
  uv_tcp_nodelay(&c->tcp, 1);
  conn_addresses(c);
  if (l->kind == XS_LISTEN_RESP) {
    c->proto = XS__PROTO_RESP;
    if (xs__sresp_init(c) < 0) {
      xs__srv_close_conn(c);
      return;
    }
  } else {
    c->rx_partial_ns = now_ns(); /* silent on the single port counts as stuck */
  }
  set_reading(c, true);
}

/* ------------------------------------------------------------------------ */
/* The stall rule                                                             */

static int64_t stall_ms(const xs_server *s) { return s->cfg.stall_ms > 0 ? s->cfg.stall_ms : XS_SERVE_STALL_MS; }

static void on_sweep(uv_timer_t *t) {
  xs_server *s = t->data;
  uint64_t now = now_ns(), limit = (uint64_t)stall_ms(s) * 1000000u;
  xs__conn *next;
  for (xs__conn *c = s->conns; c; c = next) {
    next = c->next;
    bool stuck_in = c->rx_partial_ns && !c->waiting && now - c->rx_partial_ns > limit;
    bool stuck_out = c->tx_blocked_ns && now - c->tx_blocked_ns > limit;
    bool linger_over = c->lingering && now - c->linger_ns > (uint64_t)LINGER_MS * 1000000u;
    if (stuck_in || stuck_out) s->stats.stalled++;
    if (stuck_in || stuck_out || linger_over) xs__srv_close_conn(c);
  }
}

/* ------------------------------------------------------------------------ */
/* Lifecycle                                                                  */

static void on_sim_log(void *ud, xs_ms time, int site, const char *line) {
  xs_server *s = ud;
  fprintf(stderr, "[%lld ms] %s: %s\n", (long long)time, site >= 0 ? xs_sim_site_name(s->sim, site) : "-", line);
}

xs_server *xs_server_new(xs_sim *sim, const xs_server_config *cfg, char *err, size_t errlen) {
  if (cfg->clock == XS_CLOCK_REAL && !(cfg->time_scale > 0 && cfg->time_scale <= XS_SERVE_TIME_SCALE_MAX)) {
    snprintf(err, errlen, "time scale must be > 0 and <= %g", XS_SERVE_TIME_SCALE_MAX);
    return NULL;
  }
  xs_server *s = calloc(1, sizeof *s);
  if (!s || uv_loop_init(&s->loop) != 0) {
    free(s);
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  s->sim = sim;
  s->cfg = *cfg;
  xs_rest_config rc;
  xs_rest_config_default(&rc);
  rc.advance = xs__clock_advance;
  rc.advance_ud = s;
  for (int i = 0; i < xs_sim_topology(sim)->nsites; i++) {
    if (!(s->rest[i] = xs_rest_new(sim, i, &rc))) {
      snprintf(err, errlen, "out of memory");
      xs_server_free(s);
      return NULL;
    }
  }
  uv_check_init(&s->loop, &s->check);
  uv_timer_init(&s->loop, &s->clock_timer);
  uv_timer_init(&s->loop, &s->sweep_timer);
  uv_timer_init(&s->loop, &s->kick_timer);
  uv_signal_init(&s->loop, &s->sigint);
  uv_signal_init(&s->loop, &s->sigterm);
  s->check.data = s->clock_timer.data = s->sweep_timer.data = s->kick_timer.data = s;
  s->sigint.data = s->sigterm.data = s;
  if (!cfg->quiet) xs_sim_set_log(sim, on_sim_log, s);
  return s;
}

static int bind_addr(const char *host, int port, struct sockaddr_storage *ss) {
  memset(ss, 0, sizeof *ss);
  if (uv_ip4_addr(host, port, (struct sockaddr_in *)ss) == 0) return 0;
  return uv_ip6_addr(host, port, (struct sockaddr_in6 *)ss);
}

int xs_server_listen(xs_server *s, int site, const char *host, int port, xs_listen_kind kind,
                     char *err, size_t errlen) {
  if (s->nlisteners >= XS_SERVE_LISTENERS_MAX) {
    snprintf(err, errlen, "more than %d listeners", XS_SERVE_LISTENERS_MAX);
    return XS_ELIMIT;
  }
  if (!xs_sim_site_name(s->sim, site) || port < 0 || port > 65535) return XS_EINVAL;
  struct sockaddr_storage ss;
  if (bind_addr(host, port, &ss) != 0) {
    snprintf(err, errlen, "'%s' is not an IP address", host);
    return XS_EINVAL;
  }
  xs__listener *l = &s->listeners[s->nlisteners];
  uv_tcp_init(&s->loop, &l->tcp);
  l->tcp.data = l;
  l->srv = s;
  l->site = site;
  l->kind = kind;
  l->open = true;
  s->nlisteners++;
  int rc = uv_tcp_bind(&l->tcp, (const struct sockaddr *)&ss, 0);
  if (rc == 0) rc = uv_listen((uv_stream_t *)&l->tcp, SOMAXCONN, on_connection);
  if (rc != 0) {
    snprintf(err, errlen, "cannot listen on %s:%d: %s", host, port, uv_strerror(rc));
    return XS_EINVAL;
  }
  int n = sizeof ss;
  uv_tcp_getsockname(&l->tcp, (struct sockaddr *)&ss, &n);
  l->port = ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
                                          : ((struct sockaddr_in6 *)&ss)->sin6_port);
  snprintf(l->host, sizeof l->host, "%s", host);
  return s->nlisteners - 1;
}

int xs_server_listeners(const xs_server *s) { return s->nlisteners; }

int xs_server_listener(const xs_server *s, int idx, int *site, xs_listen_kind *kind, char *host,
                       size_t hostlen, int *port) {
  if (idx < 0 || idx >= s->nlisteners) return XS_EINVAL;
  const xs__listener *l = &s->listeners[idx];
  *site = l->site;
  *kind = l->kind;
  snprintf(host, hostlen, "%s", l->host);
  *port = l->port;
  return 0;
}

void xs_server_get_stats(const xs_server *s, xs_server_stats *out) {
  *out = s->stats;
  out->open = s->nconns;
}

static void on_signal(uv_signal_t *h, int signum) {
  (void)signum;
  xs_server_stop(h->data);
}

/* Closes every handle; the loop then ends by itself. */
void xs_server_stop(xs_server *s) {
  if (s->stopping) return;
  s->stopping = true;
  for (int i = 0; i < s->nlisteners; i++) {
    if (s->listeners[i].open) uv_close((uv_handle_t *)&s->listeners[i].tcp, NULL);
    s->listeners[i].open = false;
  }
  while (s->conns) xs__srv_close_conn(s->conns);
  uv_close((uv_handle_t *)&s->check, NULL);
  uv_close((uv_handle_t *)&s->clock_timer, NULL);
  uv_close((uv_handle_t *)&s->sweep_timer, NULL);
  uv_close((uv_handle_t *)&s->kick_timer, NULL);
  uv_close((uv_handle_t *)&s->sigint, NULL);
  uv_close((uv_handle_t *)&s->sigterm, NULL);
}

int xs_server_run(xs_server *s) {
  if (s->started) return XS_ESTATE;
  s->started = true;
  /* A client gone mid-write must be an EPIPE, not a signal that kills us. */
  signal(SIGPIPE, SIG_IGN);
  uv_signal_start(&s->sigint, on_signal, SIGINT);
  uv_signal_start(&s->sigterm, on_signal, SIGTERM);
  uv_check_start(&s->check, on_check);
  int64_t sweep = stall_ms(s) / 4 < SWEEP_MS ? stall_ms(s) / 4 : SWEEP_MS;
  uv_timer_start(&s->sweep_timer, on_sweep, (uint64_t)(sweep > 10 ? sweep : 10), (uint64_t)(sweep > 10 ? sweep : 10));
  xs__clock_start(s);
  xs__clock_arm(s);
  if (s->cfg.ready) s->cfg.ready(s->cfg.ready_ud);
  int rc = uv_run(&s->loop, UV_RUN_DEFAULT);
  return rc < 0 ? XS_EINVAL : 0;
}

static void close_any(uv_handle_t *h, void *arg) {
  (void)arg;
  if (!uv_is_closing(h)) uv_close(h, NULL);
}

void xs_server_free(xs_server *s) {
  if (!s) return;
  if (!s->stopping) xs_server_stop(s);
  /* Handles never started (listen failed before run) still need closing. */
  uv_walk(&s->loop, close_any, NULL);
  uv_run(&s->loop, UV_RUN_DEFAULT);
  uv_loop_close(&s->loop);
  /* Operations of closed connections complete now: their callbacks were
   * forgotten, and detached RESP sessions free themselves. */
  xs_sim_run_quiescent(s->sim, xs_sim_now(s->sim) + XS_SERVE_DRAIN_MS);
  for (int i = 0; i < XS_SITES_MAX; i++) xs_rest_free(s->rest[i]);
  xs_sim_set_log(s->sim, NULL, NULL);
  free(s);
}
