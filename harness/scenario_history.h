/*
 * scenario_history.h - the history of a scenario run: every client
 * operation the workloads made (what, on which site, cache and key, when it
 * was invoked and when it completed, and how), which the checkers judge
 * (scenario_check.h).  As in Jepsen, the checkers read the history, not a
 * guess: an operation that failed with an error may or may not have taken
 * effect, and the checkers allow both.
 *
 * Values are made unique per operation: a write stores "<label>#<op>"
 * where <op> is the operation's index here, so that a value read back from
 * a site names the write it came from (xs_hist_value_op).
 */
#ifndef XS_SCENARIO_HISTORY_H
#define XS_SCENARIO_HISTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xsim.h"

#define XS_HIST_OPS_MAX (1u << 22)       /* operations in one run */
#define XS_HIST_KEYS_MAX (1u << 21)      /* distinct (cache, key) pairs */
#define XS_HIST_KEY_BYTES_MAX 128        /* one key's text */
#define XS_HIST_ERRORS_MAX 4096          /* distinct error texts kept */
#define XS_HIST_CRASHES_MAX 64           /* site crashes remembered */

/* What an operation did to its key. */
typedef enum xs_hop_kind {
  XS_HOP_GET = 0,
  XS_HOP_PUT,           /* unconditional write */
  XS_HOP_PUT_IF_ABSENT, /* writes only when absent (action tokens) */
  XS_HOP_REPLACE,       /* writes only when present (refresh) */
  XS_HOP_REMOVE,        /* deletes (logout) */
  XS_HOP_INCR,          /* read-modify-write counter (login failures): not a register */
} xs_hop_kind;

/* How it ended, as the client saw it. */
typedef enum xs_hop_res {
  XS_HRES_PENDING = 0,  /* not completed (yet) */
  XS_HRES_OK,           /* acknowledged: it took effect */
  XS_HRES_REFUSED,      /* a definite "no": put-if-absent found the key, replace did not */
  XS_HRES_UNAVAILABLE,  /* never reached Data Grid (Keycloak stopped, site down): no effect */
  XS_HRES_ERROR,        /* an error: it may or may not have taken effect */
} xs_hop_res;

typedef struct xs_hop {
  uint32_t key;         /* index into the key table */
  int8_t site;          /* where it ran */
  uint8_t kind;         /* xs_hop_kind */
  uint8_t res;          /* xs_hop_res */
  uint8_t local;        /* written with SKIP_XSITE_BACKUP: only `site` sees it */
  uint8_t action;       /* the workload action (login, logout, ...) for reports */
  uint16_t actor;       /* the workload that made it */
  int32_t status;       /* XS_E* when not OK */
  uint32_t err;         /* error text index + 1, 0 when none */
  xs_ms invoked, completed;
} xs_hop;

typedef struct xs_hkey {
  int cache;
  uint32_t off, len;    /* into the key text arena */
} xs_hkey;

typedef struct xs_history {
  xs_hop *ops;
  uint32_t nops, cap;
  xs_hkey *keys;
  uint32_t nkeys, kcap;
  char *arena;          /* key texts */
  size_t alen, acap;
  uint32_t *slots;      /* open addressing: key index + 1, 0 empty */
  uint32_t nslots;
  char **errors;        /* distinct error texts */
  uint32_t nerrors;
  uint32_t ncrashes;    /* site crashes: a local-only write does not survive its site's crash */
  struct { int site; xs_ms t; } crashes[XS_HIST_CRASHES_MAX];
} xs_history;

void xs_hist_init(xs_history *h);
void xs_hist_free(xs_history *h);

/* The index of (cache, key), added if new; negative XS_ELIMIT / XS_ENOMEM. */
int64_t xs_hist_key(xs_history *h, int cache, const char *key, size_t len);
/* The index of (cache, key) when the history has it, else -1 (adds nothing). */
int64_t xs_hist_find(const xs_history *h, int cache, const char *key, size_t len);
const char *xs_hist_key_text(const xs_history *h, uint32_t key, size_t *len);

/* Appends an invoked operation; returns its index or a negative error. */
int64_t xs_hist_invoke(xs_history *h, uint32_t key, int site, xs_hop_kind kind, bool local, uint8_t action,
                       uint16_t actor, xs_ms now);
/* Completes it: res and, for failures, the status and error text. */
void xs_hist_complete(xs_history *h, uint32_t op, xs_hop_res res, int status, const char *err, xs_ms now);
const char *xs_hist_error(const xs_history *h, const xs_hop *op);

/* Records that `site` crashed at t (its data is gone). */
void xs_hist_crash(xs_history *h, int site, xs_ms t);
/* Whether `site` crashed in (after, upto]. */
bool xs_hist_crashed(const xs_history *h, int site, xs_ms after, xs_ms upto);

/* The value an operation writes: "<label>#<op>". */
int xs_hist_value(char *buf, size_t len, const char *label, uint32_t op);
/* The operation a stored value came from, or -1 when it is not one of ours. */
int64_t xs_hist_value_op(const uint8_t *v, uint32_t len);

/* Ops grouped by key, each group in invocation order (CSR): ops of key k
 * are idx[start[k] .. start[k+1]).  Free with xs_hist_index_free. */
typedef struct xs_hist_index {
  uint32_t *start; /* nkeys + 1 */
  uint32_t *idx;
} xs_hist_index;
int xs_hist_index_build(const xs_history *h, xs_hist_index *ix);
void xs_hist_index_free(xs_hist_index *ix);

/* A digest of the whole history (kinds, keys, sites, results, times), for
 * the determinism check next to the event-log hash. */
uint64_t xs_hist_digest(const xs_history *h);

#endif /* XS_SCENARIO_HISTORY_H */
