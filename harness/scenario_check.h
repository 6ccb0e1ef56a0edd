/*
 * scenario_check.h - the checkers that judge a run's history
 * (scenario_history.h) against what the sites hold: lost acknowledged
 * writes, deleted entries that came back (lost logouts), action tokens used
 * twice, and the recovery objectives RPO and RTO of a failure.
 *
 * The register model, per key and per site, at a time t:
 *  - writes that ended REFUSED or UNAVAILABLE did nothing and are ignored;
 *    an ERROR may or may not have taken effect; OK took effect;
 *  - a write X is superseded when an OK write Y was invoked after X
 *    completed (Y is later in real time, so X's value cannot be the last);
 *  - the value the site may hold is that of any write not superseded, or
 *    nothing when one of those is a delete (or when no write was ever
 *    acknowledged).  Anything else is a violation.
 * A key with an operation still in flight at t is not judged (unknown), a
 * key with counter increments (login failures) is not a register, and a
 * write made with SKIP_XSITE_BACKUP counts as may-or-may-not on other sites
 * (state transfer can copy it) and on its own site after that site crashed
 * (it was never meant to survive one).  The checkers take the sites' contents
 * through a callback, so tests feed them hand-made histories and states.
 */
#ifndef XS_SCENARIO_CHECK_H
#define XS_SCENARIO_CHECK_H

#include <stdbool.h>
#include <stdint.h>

#include "scenario_history.h"

/* What a site holds for a key. */
typedef enum { XS_HSTATE_ABSENT = 0, XS_HSTATE_OURS, XS_HSTATE_FOREIGN } xs_hstate_kind;
typedef struct xs_hstate {
  xs_hstate_kind kind;
  int64_t op;            /* OURS: the operation whose value it is */
} xs_hstate;

/* Reads key `key` (of the history) on `site`. */
typedef void (*xs_hist_peek_fn)(void *ud, int site, uint32_t key, xs_hstate *out);

typedef enum xs_viol_kind {
  XS_VIOL_LOST = 0,      /* an acknowledged write is missing */
  XS_VIOL_STALE,         /* an older value is back in place of an acknowledged one */
  XS_VIOL_FOREIGN,       /* a value no client wrote */
  XS_VIOL_RESURRECTED,   /* an acknowledged delete was undone: the entry came back */
  XS_VIOL_TOKEN_REUSE,   /* an action token was accepted twice */
} xs_viol_kind;

typedef struct xs_violation {
  xs_viol_kind kind;
  uint32_t key;
  int site;              /* -1 for token reuse */
  int64_t expected_op;   /* the acknowledged op whose effect is missing (token: first use) */
  int64_t actual_op;     /* the op whose value is there, -1 when absent or foreign (token: second use) */
} xs_violation;

const char *xs_viol_kind_text(xs_viol_kind k);

/* Judges one key on one site at time t: 1 with *v filled when the site
 * holds what it must not, 0 when it is fine, -1 when the key cannot be
 * judged (in flight, a counter, no write applies). */
int xs_check_key(const xs_history *h, const xs_hist_index *ix, uint32_t key, int site, xs_ms t,
                 const xs_hstate *actual, xs_violation *v);

/* The same over an explicit list of the key's operations (in invocation
 * order), for callers that follow a few keys without an index. */
int xs_check_key_ops(const xs_history *h, const uint32_t *ops, uint32_t n, uint32_t key, int site, xs_ms t,
                     const xs_hstate *actual, xs_violation *v);

typedef void (*xs_viol_cb)(void *ud, const xs_violation *v);

/* Every key of the history on `site` at t; cb per violation; returns the
 * number of violations. */
int64_t xs_check_register(const xs_history *h, const xs_hist_index *ix, int site, xs_ms t, xs_hist_peek_fn peek,
                          void *peek_ud, xs_viol_cb cb, void *cb_ud);

/* Every key of `cache`: an action token accepted (put-if-absent OK) more
 * than once is a violation.  Returns the number of violations. */
int64_t xs_check_tokens(const xs_history *h, const xs_hist_index *ix, int cache, xs_viol_cb cb, void *cb_ud);

/* RTO of a failure at `since`, judged at `now`: over the client operations
 * invoked in [since, now], the last one that failed (ERROR or UNAVAILABLE;
 * REFUSED is an answer, not an outage), then the first OK one invoked after
 * it.  RTO is that one's completion minus `since`; 0 when nothing failed. */
typedef struct xs_rto {
  int64_t failed;        /* failed operations in the window */
  bool recovered;        /* an OK operation followed the last failure */
  xs_ms rto;             /* valid when recovered (or failed == 0) */
  int64_t last_fail_op;  /* -1 when none */
  int64_t first_ok_op;   /* -1 when none */
} xs_rto;
void xs_check_rto(const xs_history *h, xs_ms since, xs_ms now, xs_rto *out);

/* RPO from violations: the acknowledged operations whose effect was lost,
 * measured back from `since`: since minus the earliest completion among
 * them, at least 1 ms when anything was lost, 0 when nothing was. */
xs_ms xs_check_rpo(const xs_history *h, const xs_violation *v, int64_t n, xs_ms since);

#endif /* XS_SCENARIO_CHECK_H */
