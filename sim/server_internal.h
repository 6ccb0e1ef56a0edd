/*
 * server_internal.h - what the server's files share: the server, listener
 * and connection structures, and the functions each file gives the others.
 * server.c owns sockets, the loop, limits and the turn of the loop;
 * server_http.c and server_resp.c speak the two protocols over a
 * connection; clock_drive.c moves the simulation's clock.  Only these files
 * (and server.c's siblings) include uv.h.
 *
 * The one rule that keeps this reentrancy-safe: code called from inside the
 * simulation (a REST answer, a RESP reply-ready callback) only appends
 * output and marks its connection dirty.  Everything else - taking the next
 * request, writing, closing, running the clock - happens in
 * xs__srv_settle(), called at the end of each turn of the loop, never from
 * inside xs_sim_run_*().
 */
#ifndef XS_SERVER_INTERNAL_H
#define XS_SERVER_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "auth.h"
#include "buf.h"
#include "http_parse.h"
#include "resp_parse.h"
#include "resp_session.h"
#include "rest.h"
#include "server.h"

/* Deferred replies (xs__srv_mark_output) after which the clock stops
 * stepping, they are written and the loop polls the sockets again: bounds
 * what is held back, and for how long.  Above what a turn usually makes
 * (50 clients pipelining 16 commands: 800), so that a pipeline's replies
 * leave in one write. */
#define XS__SETTLE_DEFERRED_MAX 4096

typedef enum { XS__PROTO_DETECT = 0, XS__PROTO_HTTP, XS__PROTO_RESP } xs__proto;

typedef struct xs__listener {
  uv_tcp_t tcp;
  struct xs_server *srv;
  int site;
  xs_listen_kind kind;
  char host[64];
  int port;
  bool open;
  xs_resp_clients resp_clients; /* its RESP sessions (CLIENT LIST, INFO) */
} xs__listener;

typedef struct xs__conn xs__conn;

struct xs__conn {
  uv_tcp_t tcp;               /* first: the handle's address is the connection's */
  struct xs_server *srv;
  xs__listener *lis;          /* the endpoint it came in on */
  int site;
  xs__proto proto;
  uint64_t id;
  xs__conn *prev, *next;      /* every open connection */
  xs__conn *dnext;            /* the dirty list */
  bool dirty;
  xs__conn *onext;            /* the deferred output list */
  bool queued;                /* ... it is on it */
  bool progress_noted;        /* replies since the last flush already extended the drive span */
  bool reading;               /* uv_read_start is on */
  bool eof;                   /* the peer finished sending */
  bool closing;               /* close once the output is written */
  bool closed;                /* uv_close called */
  bool writing;               /* a uv_write is in flight */
  bool lingering;             /* shut down; draining what the client still sends */
  uint64_t linger_ns;
  size_t linger_bytes;
  uv_write_t wreq;
  uint8_t *wdata;             /* the bytes of that write (owned) */
  uint64_t rx_partial_ns;     /* hrtime since received bytes formed no request; 0 none */
  uint64_t tx_blocked_ns;     /* hrtime since a write has been in flight; 0 none */
  /* Waiting for the simulation (manual clock bookkeeping). */
  bool waiting;
  xs__conn *wprev, *wnext;    /* the waiting list */
  /* Single-port detection. */
  uint8_t detect[XS_RESP_DETECT_BYTES_MAX];
  size_t ndetect;
  /* HTTP */
  xs_http_parser *hp;
  xs_buf hin;                 /* read but not yet taken by the parser */
  xs_buf hout;                /* answers not yet written */
  size_t hout_pos;
  bool http_busy;             /* a request is with the router */
  bool http_head;             /* ... and it is a HEAD */
  bool http_keep;             /* ... and the connection stays open after it */
  bool http_done;             /* no more requests will be taken */
  bool http_stale;            /* a right Digest answer on an expired or replayed nonce */
  /* RESP */
  xs_resp_session *rs;
  char peer[64], local[64];
};

struct xs_server {
  uv_loop_t loop;
  xs_sim *sim;
  xs_server_config cfg;
  xs_rest *rest[XS_SITES_MAX];
  xs__listener listeners[XS_SERVE_LISTENERS_MAX];
  int nlisteners;
  xs__conn *conns;            /* open connections */
  int nconns;
  xs__conn *dirty;            /* connections to service (LIFO is fine: order is per connection) */
  xs__conn *outq;             /* connections with deferred replies (xs__srv_mark_output) */
  int deferred;               /* ... how many replies since the last flush */
  xs__conn *waiting;          /* connections waiting for the simulation */
  uv_check_t check;           /* settles after each turn's I/O */
  uv_timer_t clock_timer;     /* real clock: the next event's wall time */
  uv_timer_t sweep_timer;     /* the stall rule */
  uv_timer_t kick_timer;      /* another settle, when one turn did not finish */
  uv_signal_t sigint, sigterm;
  uint64_t hr0;               /* real clock: hrtime at virtual time v0 */
  xs_ms v0;
  bool stopping, started, in_settle;
  int64_t drive_budget;       /* events the manual clock may still run this turn */
  xs_ms drive_until;          /* manual clock: how far waiting requests may drive it */
  bool drive_stalled;         /* ... and the next event lies beyond that */
  uint64_t next_id;
  xs_server_stats stats;
  uint8_t readbuf[XS_SERVE_READ_BYTES];
};

/* server.c */
/* The connection needs servicing before it can go on (input to take, a
 * write to complete, a reply to send, its end): the manual clock stops
 * stepping for it. */
void xs__srv_mark_dirty(xs__conn *c);
/* A reply was queued and the connection has already gone on with its next
 * pipelined command, so nothing needs doing before that one completes: the
 * reply is written with the ones after it when the clock stops stepping
 * (at the latest at the end of the turn), so that a pipeline's replies
 * leave in a few writes instead of one each. */
void xs__srv_mark_output(xs__conn *c);
void xs__srv_close_conn(xs__conn *c);
void xs__srv_settle(struct xs_server *s);
uint64_t xs__srv_wall_ms(const struct xs_server *s);

/* server_http.c */
void xs__shttp_init(xs__conn *c);
void xs__shttp_read(xs__conn *c, const uint8_t *data, size_t len);
void xs__shttp_eof(xs__conn *c);
void xs__shttp_service(xs__conn *c);
bool xs__shttp_want_read(const xs__conn *c);
bool xs__shttp_waiting(const xs__conn *c);
const uint8_t *xs__shttp_output(const xs__conn *c, size_t *len);
void xs__shttp_consume(xs__conn *c, size_t n);
void xs__shttp_free(xs__conn *c);

/* server_resp.c */
int xs__sresp_init(xs__conn *c);
void xs__sresp_read(xs__conn *c, const uint8_t *data, size_t len);
void xs__sresp_eof(xs__conn *c);
bool xs__sresp_want_read(const xs__conn *c);
/* Also marks the connection closing when the session is done with it. */
bool xs__sresp_waiting(xs__conn *c);
const uint8_t *xs__sresp_output(const xs__conn *c, size_t *len);
void xs__sresp_consume(xs__conn *c, size_t n);
void xs__sresp_free(xs__conn *c);

/* clock_drive.c */
void xs__clock_start(struct xs_server *s);
/* Real clock: runs the events due by now on the wall; 0 in manual mode. */
void xs__clock_catch_up(struct xs_server *s);
/* One step of settling: manual clock, steps the simulation for the waiting
 * connections; real clock, runs the events already due.  True when it did
 * something that may have made connections dirty. */
bool xs__clock_drive(struct xs_server *s);
/* Real clock: sets the timer for the next event. */
void xs__clock_arm(struct xs_server *s);
/* The router's POST /sim/v1/clock hook. */
int xs__clock_advance(void *ud, xs_ms ms);
/* The waiting list. */
void xs__clock_update_waiting(xs__conn *c, bool waiting);
/* A waiting connection made progress (a reply went out). */
void xs__clock_progress(xs__conn *c);

#endif /* XS_SERVER_INTERNAL_H */
