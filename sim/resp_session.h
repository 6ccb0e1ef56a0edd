/*
 * resp_session.h - one RESP3 client connection to one simulated site, as
 * pure code over the simulation core: bytes in, commands executed against
 * the core, reply bytes out.  The socket server (libuv) owns the connection
 * and calls this API; nothing here does I/O or reads a clock.
 *
 * Life of a request: xs_resp_session_feed() parses what arrived and runs the
 * complete commands strictly in order, one at a time.  A read is answered at
 * once from the site's store (xs_cache_peek).  A write goes through
 * xs_op_submit() - a read-modify-write (INCR, APPEND, HSET, LPUSH, ...) as an
 * XS_OP_COMPUTE under the key lock - so it is backed up cross-site with all
 * the core's rules, and its reply waits for the backup round trip in virtual
 * time: the next pipelined command runs only after the write completed, from
 * inside xs_sim_run_*().  Replies accumulate in the session's output buffer
 * in order; the reply-ready callback says when some were added from inside
 * the simulation run.
 *
 * Behaviour follows Infinispan 16.0's RESP connector (RESP3 only, HELLO /
 * AUTH rules, error strings, a failed FAIL backup answered with
 * "-ERR ISPN000709: ..." while the local write stays); docs/resp.md lists
 * the commands, replies, limits and the places where we differ.
 *
 * Values.  A string is stored as its bytes with vtype 0 (any vtype that is
 * not one of the tags below reads as a string, so values written over REST
 * are visible to GET).  Hashes, lists and sets are stored as one value each,
 * tagged with XS_RESP_VTYPE_*, in this compact encoding:
 *
 *     value  := count item*          count: unsigned LEB128 varint
 *     item   := len bytes            len:   unsigned LEB128 varint
 *
 * A list holds its elements head first; a set its members in insertion
 * order; a hash 2*count items, field then value, in insertion order of the
 * fields.  An empty collection is never stored: its key is removed.  The
 * encoding is what crosses sites in backups, so both sites hold the same
 * bytes.
 */
#ifndef XS_RESP_SESSION_H
#define XS_RESP_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xsim.h"

/* Value-type tags owned by the RESP layer (mnemonic ASCII letters). */
#define XS_RESP_VTYPE_STRING 0x00
#define XS_RESP_VTYPE_HASH 0x48 /* 'H' */
#define XS_RESP_VTYPE_LIST 0x4C /* 'L' */
#define XS_RESP_VTYPE_SET 0x53  /* 'S' */

/* Limits of a session (the parser's are in resp_parse.h). */
/* Unparsed input held while a command waits for the simulation. */
#define XS_RESP_INPUT_BYTES_MAX (32u << 20)
/* Above this much unparsed input the server should stop reading the socket
 * until the session has caught up (xs_resp_session_input_pending). */
#define XS_RESP_INPUT_PAUSE_BYTES (1u << 20)
/* Above this much unsent output the session runs no further commands until
 * the server has written some (xs_resp_session_consume resumes it). */
#define XS_RESP_OUTPUT_PAUSE_BYTES (1u << 20)
/* The output buffer's hard limit: a reply that would pass it closes the
 * connection (replies already complete are still delivered). */
#define XS_RESP_OUTPUT_BYTES_MAX (256u << 20)
/* Client names and library names/versions (CLIENT SETNAME / SETINFO). */
#define XS_RESP_CLIENT_NAME_BYTES_MAX 256
/* Keys scanned by one SCAN/KEYS call is bounded by the cache itself; COUNT
 * is capped here so one SCAN reply stays small. */
#define XS_RESP_SCAN_COUNT_MAX 100000
/* TIME reports the virtual clock as wall time since this epoch
 * (2025-01-01T00:00:00Z) unless the configuration gives another. */
#define XS_RESP_TIME_EPOCH_MS INT64_C(1735689600000)

/* Permissions granted by authentication (Infinispan roles map onto them:
 * admin = all, application = READ|WRITE, observer = READ).  A command
 * lacking one is refused with -WRONGPASS, as Infinispan maps every
 * SecurityException. */
#define XS_RESP_PERM_READ 0x1u
#define XS_RESP_PERM_WRITE 0x2u
#define XS_RESP_PERM_ADMIN 0x4u
#define XS_RESP_ROLE_ADMIN (XS_RESP_PERM_READ | XS_RESP_PERM_WRITE | XS_RESP_PERM_ADMIN)
#define XS_RESP_ROLE_APPLICATION (XS_RESP_PERM_READ | XS_RESP_PERM_WRITE)
#define XS_RESP_ROLE_OBSERVER XS_RESP_PERM_READ

typedef struct xs_resp_session xs_resp_session;

/* The sessions of one RESP endpoint, for CLIENT LIST and INFO's
 * connected_clients: Infinispan lists the channels its RESP server
 * accepted, and counts them.  The owner zeroes it and keeps it alive
 * longer than every session that joined it. */
typedef struct xs_resp_clients {
  xs_resp_session *head, *tail; /* in the order they joined */
  uint32_t count;
} xs_resp_clients;

/* Checks credentials: returns the permissions granted (>= 0, XS_RESP_PERM_*
 * bits) or a negative number to refuse.  user and pass are NUL-terminated
 * (and may contain NULs; the lengths are exact). */
typedef int (*xs_resp_auth_fn)(void *ud, const char *user, size_t user_len, const char *pass,
                               size_t pass_len);
/* Called after replies were appended, or the session decided to close, from
 * inside the simulation run (a write completed) - never from inside
 * xs_resp_session_feed() or _consume(), whose callers look for themselves.
 * The callback may read and consume output; it must not free the session
 * or run the simulation. */
typedef void (*xs_resp_ready_fn)(void *ud, xs_resp_session *s);

typedef struct xs_resp_config {
  const char *cache;          /* the default cache (SELECT 0...), NULL: "respCache" */
  xs_resp_auth_fn auth;       /* NULL: no authentication; every permission */
  void *auth_ud;
  xs_resp_ready_fn ready;     /* optional */
  void *ready_ud;
  int64_t client_id;          /* CLIENT ID and HELLO's id */
  xs_ms time_epoch_ms;        /* TIME's epoch; 0: XS_RESP_TIME_EPOCH_MS */
  const char *peer_addr;      /* CLIENT INFO addr= and laddr=; NULL: "" */
  const char *local_addr;
  /* Off (Infinispan): RESP3 replies whatever the client said.  On: replies
   * use RESP2 framing (null "$-1", maps and sets as flat arrays, doubles as
   * bulk strings, booleans as integers) until the client's HELLO 3, as Redis
   * does - for RESP2-only clients such as Debian 12's python3-redis 4.3. */
  bool resp2_until_hello;
  /* Optional: the endpoint's sessions, which this one joins until it is
   * freed.  NULL: CLIENT LIST and INFO see this session alone. */
  xs_resp_clients *clients;
} xs_resp_config;

/* A session on `site` (an index into the simulation's topology).  The
 * configuration is copied.  NULL when the site or the default cache does not
 * exist, or memory ran out. */
xs_resp_session *xs_resp_session_new(xs_sim *sim, int site, const xs_resp_config *cfg);

/* Frees the session.  If a command is waiting for the simulation, the
 * session is detached instead - its output and further input are dropped -
 * and freed when that operation completes inside xs_sim_run_*(). */
void xs_resp_session_free(xs_resp_session *s);
/* Frees at once, for shutdown after xs_sim_free() (when no callback can
 * come any more) or for a session that is not busy. */
void xs_resp_session_destroy(xs_resp_session *s);

/* Hands over bytes read from the connection: parses them and runs every
 * complete command it can.  Returns 0, or XS_ELIMIT when the unparsed input
 * passed XS_RESP_INPUT_BYTES_MAX (the session then closes), or XS_ENOMEM.
 * Input after the session decided to close is ignored. */
int xs_resp_session_feed(xs_resp_session *s, const void *bytes, size_t len);

/* The reply bytes not yet consumed. */
const uint8_t *xs_resp_session_output(const xs_resp_session *s, size_t *len);
/* Drops the first n output bytes (written to the socket); may resume a
 * session paused by XS_RESP_OUTPUT_PAUSE_BYTES, which can run commands and
 * append output. */
void xs_resp_session_consume(xs_resp_session *s, size_t n);

/* True once the connection is to be closed after the output is written:
 * QUIT (no reply, as Infinispan), a protocol error (after its -ERR reply),
 * an input or output limit. */
bool xs_resp_session_closing(const xs_resp_session *s);
/* True while a command waits for the simulation (a write in flight). */
bool xs_resp_session_busy(const xs_resp_session *s);
/* Unparsed input bytes waiting; the server should stop reading above
 * XS_RESP_INPUT_PAUSE_BYTES. */
size_t xs_resp_session_input_pending(const xs_resp_session *s);
/* The cache the session's commands use (changed by SELECT). */
int xs_resp_session_cache(const xs_resp_session *s);
/* Whether the client has authenticated (always true without auth). */
bool xs_resp_session_authenticated(const xs_resp_session *s);

#endif /* XS_RESP_SESSION_H */
