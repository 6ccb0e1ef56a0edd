/*
 * server_resp.c - RESP3 over a connection: a session per connection (from
 * the dedicated RESP port, or from the single port once the detector said
 * RESP), the identities behind AUTH and HELLO ... AUTH, and the session's
 * own back-pressure turned into socket reads: reading stops while more
 * than XS_RESP_INPUT_PAUSE_BYTES of input wait, and the session itself
 * runs no command while more than XS_RESP_OUTPUT_PAUSE_BYTES of replies are
 * unsent (resp_session.h).
 */
#include <stdio.h>
#include <string.h>

#include "server_internal.h"

/* AUTH user pass, HELLO 3 AUTH user pass: the identities' roles as RESP
 * permissions (admin: all; application: read and write). */
static int check_credentials(void *ud, const char *user, size_t ulen, const char *pass, size_t plen) {
  xs_server *s = ud;
  xs_role role = xs_auth_check(s->cfg.auth, user, ulen, pass, plen);
  if (role == XS_ROLE_ADMIN) return XS_RESP_ROLE_ADMIN;
  if (role == XS_ROLE_APP) return XS_RESP_ROLE_APPLICATION;
  return -1;
}

/* Replies appeared from inside the simulation: service the connection at
 * the end of the turn.  When the session has already started its next
 * pipelined command (busy again), the connection needs nothing before that
 * command completes: the reply waits to be flushed with the ones after it.
 * The request that began waiting gets its drive span from now, as it did
 * when each reply was written at once. */
static void on_ready(void *ud, xs_resp_session *rs) {
  xs__conn *c = ud;
  if (xs_resp_session_busy(rs) && !xs_resp_session_closing(rs)) {
    xs__clock_progress(c);
    c->progress_noted = true;
    xs__srv_mark_output(c);
  } else {
    xs__srv_mark_dirty(c);
  }
}

int xs__sresp_init(xs__conn *c) {
  xs_server *s = c->srv;
  xs_resp_config cfg = {0};
  cfg.auth = s->cfg.auth ? check_credentials : NULL;
  cfg.auth_ud = s;
  cfg.ready = on_ready;
  cfg.ready_ud = c;
  cfg.client_id = (int64_t)c->id;
  cfg.peer_addr = c->peer;
  cfg.local_addr = c->local;
  cfg.resp2_until_hello = s->cfg.resp2_until_hello;
  cfg.clients = &c->lis->resp_clients;
  if (s->cfg.clock == XS_CLOCK_REAL) {
    /* TIME follows the wall clock: the epoch is when virtual time 0 was. */
    uv_timeval64_t tv;
    if (uv_gettimeofday(&tv) == 0) {
      int64_t wall = tv.tv_sec * 1000 + tv.tv_usec / 1000;
      cfg.time_epoch_ms = wall - xs_sim_now(s->sim);
    }
  }
  c->rs = xs_resp_session_new(s->sim, c->site, &cfg);
  if (!c->rs) return XS_ENOMEM;
  s->stats.resp_connections++;
  return 0;
}

void xs__sresp_free(xs__conn *c) {
  /* A session with a write in flight is detached and frees itself when the
   * write completes; its replies are dropped. */
  xs_resp_session_free(c->rs);
  c->rs = NULL;
}

void xs__sresp_read(xs__conn *c, const uint8_t *data, size_t len) {
  if (!len || c->closing) return;
  if (xs_resp_session_feed(c->rs, data, len) < 0) c->closing = true;
  if (xs_resp_session_closing(c->rs)) c->closing = true;
}

void xs__sresp_eof(xs__conn *c) { (void)c; /* closes once idle: see xs__sresp_waiting */ }

bool xs__sresp_want_read(const xs__conn *c) {
  return !xs_resp_session_closing(c->rs) && xs_resp_session_input_pending(c->rs) <= XS_RESP_INPUT_PAUSE_BYTES;
}

/* Busy with a write; also decides the end: QUIT, a protocol error or a
 * limit (the session is closing), or the client finished sending and
 * every command it sent has run. */
bool xs__sresp_waiting(xs__conn *c) {
  bool busy = xs_resp_session_busy(c->rs);
  if (xs_resp_session_closing(c->rs)) c->closing = true;
  if (c->eof && !busy && xs_resp_session_input_pending(c->rs) == 0) c->closing = true;
  return busy;
}

const uint8_t *xs__sresp_output(const xs__conn *c, size_t *len) { return xs_resp_session_output(c->rs, len); }

void xs__sresp_consume(xs__conn *c, size_t n) { xs_resp_session_consume(c->rs, n); }
