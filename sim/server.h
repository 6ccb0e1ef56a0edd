/*
 * server.h - `xsim serve`'s network edge: every simulated site of one
 * simulation answers Infinispan's REST v2 (HTTP/1.1) and RESP3 on real TCP
 * sockets, all driven by one libuv loop.  The protocol layers it binds
 * (rest.h, http_parse.h, resp_session.h) are pure; this is the only place
 * with sockets and the only place where wall time enters the simulation.
 *
 * The API has no libuv types: the server owns its loop.  Create a server
 * over a simulation, add listeners, start, run until SIGINT/SIGTERM (or
 * xs_server_stop), free.  docs/serve.md describes the behaviour and every
 * limit below.
 */
#ifndef XS_SERVER_H
#define XS_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth.h"
#include "rest.h"
#include "xsim.h"

/* ------------------------------------------------------------------------ */
/* Limits (defaults; xs_server_config may set others)                        */

/* Open client connections, over all listeners.  One more is accepted and
 * closed at once, before any byte is read or written. */
#define XS_SERVE_CONNECTIONS_MAX 4096
/* Listeners: a single port and a dedicated RESP port per site. */
#define XS_SERVE_LISTENERS_MAX (2 * XS_SITES_MAX)
/* A connection that has sent part of a request (or, on the single port,
 * fewer bytes than detection needs) and completed none for this long, or
 * whose pending output has not moved for this long, is closed. */
#define XS_SERVE_STALL_MS 30000
/* HTTP: above this much unsent output, the next pipelined request waits. */
#define XS_SERVE_HTTP_OUTPUT_PAUSE_BYTES (1u << 20)
/* HTTP: the most unsent output held - the pause threshold plus one answer
 * of up to XS_REST_BODY_MAX and its headers; past it the connection closes. */
#define XS_SERVE_HTTP_OUTPUT_MAX \
  ((size_t)XS_SERVE_HTTP_OUTPUT_PAUSE_BYTES + (size_t)XS_REST_BODY_MAX + 65536u)
/* Bytes handed to the kernel in one write. */
#define XS_SERVE_WRITE_CHUNK (256u << 10)
/* One read from a socket (the read buffer is shared by all connections). */
#define XS_SERVE_READ_BYTES (64u << 10)
/* Manual clock: a request waiting for the simulation moves the clock by at
 * most this much virtual time past the moment it started waiting, and runs
 * at most this many events per turn of the loop, before it is left waiting
 * for POST /sim/v1/clock. */
#define XS_SERVE_DRIVE_SPAN_MS (3600 * 1000)
#define XS_SERVE_DRIVE_EVENTS_MAX 1000000
/* At shutdown the simulation runs this much virtual time so that the
 * operations of closed connections complete and free their state. */
#define XS_SERVE_DRAIN_MS (3600 * 1000)
/* Real clock: the most --time-scale. */
#define XS_SERVE_TIME_SCALE_MAX 1e6

typedef enum xs_clock_mode { XS_CLOCK_REAL = 0, XS_CLOCK_MANUAL = 1 } xs_clock_mode;

/* What a listener speaks. */
typedef enum xs_listen_kind {
  XS_LISTEN_SINGLE = 0, /* Infinispan's single port: RESP if detected, else HTTP/1.1 */
  XS_LISTEN_RESP = 1,   /* a dedicated RESP port: no detection */
} xs_listen_kind;

typedef struct xs_server_config {
  xs_clock_mode clock;
  double time_scale;        /* real clock: virtual ms per wall ms (> 0) */
  xs_auth *auth;            /* NULL: no authentication, every client is admin */
  bool resp2_until_hello;   /* --resp-protocol auto (see resp_session.h) */
  int max_connections;      /* 0: XS_SERVE_CONNECTIONS_MAX */
  int64_t stall_ms;         /* 0: XS_SERVE_STALL_MS */
  bool quiet;               /* no simulation log lines on stderr */
  /* Optional: called by xs_server_run once SIGINT/SIGTERM are handled and
   * before the loop runs - the moment to say "ready", so that a signal
   * sent by whoever read it always gets a clean shutdown. */
  void (*ready)(void *ud);
  void *ready_ud;
} xs_server_config;

typedef struct xs_server xs_server;

/* A server over `sim` (which it does not own: free the simulation after the
 * server).  NULL on ENOMEM or a bad config, with the reason in err. */
xs_server *xs_server_new(xs_sim *sim, const xs_server_config *cfg, char *err, size_t errlen);

/* Binds a listener for `site` on host:port (port 0 picks a free one).
 * Returns the listener's index (>= 0) or a negative XS_E* code with the
 * reason in err. */
int xs_server_listen(xs_server *s, int site, const char *host, int port, xs_listen_kind kind,
                     char *err, size_t errlen);
/* Listener idx (0 .. xs_server_listeners() - 1): its site, kind and the
 * address it is bound to (the actual port when 0 was asked), for banners. */
int xs_server_listeners(const xs_server *s);
int xs_server_listener(const xs_server *s, int idx, int *site, xs_listen_kind *kind, char *host,
                       size_t hostlen, int *port);

/* Runs the loop until SIGINT, SIGTERM or xs_server_stop(); then closes every
 * connection and listener and lets the simulation finish what is in flight.
 * Returns 0, or a negative code if the loop could not run. */
int xs_server_run(xs_server *s);
/* Asks a running server to stop (from its own callbacks or a test). */
void xs_server_stop(xs_server *s);
void xs_server_free(xs_server *s);

/* Counters, for tests and the shutdown line. */
typedef struct xs_server_stats {
  uint64_t accepted;        /* connections accepted */
  uint64_t refused;         /* closed at once: over max_connections */
  uint64_t stalled;         /* closed by the stall rule */
  uint64_t http_requests;
  uint64_t resp_connections;
  int open;                 /* connections open now */
} xs_server_stats;
void xs_server_get_stats(const xs_server *s, xs_server_stats *out);

#endif /* XS_SERVER_H */
