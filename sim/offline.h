/*
 * offline.h - the automatic take-offline state machine of one (cache, remote
 * site) pair, as Infinispan's OfflineStatus / DefaultTakeOfflineManager:
 * consecutive communication failures are counted from the send time of the
 * first one; the site goes offline when both configured conditions hold
 * (after-failures reached, min-wait elapsed), checked only when a failure
 * arrives.  Any success or remote application error resets the count; an
 * invalid remote cache configuration forces the site offline at once, even
 * with the feature disabled.
 */
#ifndef XS_OFFLINE_H
#define XS_OFFLINE_H

#include <stdbool.h>
#include <stdint.h>

#include "xsim.h"

#define XS_NO_FAILURE ((xs_ms)-1)

/* How a cross-site request ended, as the take-offline manager classifies it. */
typedef enum {
  XS_OUTCOME_OK = 0,
  XS_OUTCOME_COMM = 1,   /* timeout, suspect, unreachable, remote cache stopped */
  XS_OUTCOME_REMOTE = 2, /* an application exception on the remote site */
  XS_OUTCOME_CONFIG = 3, /* the remote cache is missing or not clustered */
} xs_outcome;

typedef struct xs_offline {
  int32_t after_failures;
  xs_ms min_wait_ms;
  xs_ms first_failure_ms;  /* XS_NO_FAILURE when none */
  int64_t failure_count;
  bool offline;
} xs_offline;

void xs_offline_init(xs_offline *o, int32_t after_failures, xs_ms min_wait_ms);
bool xs_offline_enabled(const xs_offline *o);
/* Registers a completed request sent at send_ms; returns true when this
 * completion took the site offline. */
bool xs_offline_on_completed(xs_offline *o, xs_ms send_ms, xs_ms now, xs_outcome outcome);
/* Manual take-offline; true when the state changed. */
bool xs_offline_force(xs_offline *o);
/* Manual bring-online: an offline site comes back with its counters reset;
 * an online one is left alone (counters too).  True when the state changed. */
bool xs_offline_bring_online(xs_offline *o);
/* A new take-offline configuration resets the status and the counters (the
 * site comes back online).  Returns true when the values changed. */
bool xs_offline_amend(xs_offline *o, int32_t after_failures, xs_ms min_wait_ms);
int64_t xs_offline_millis_since_first_failure(const xs_offline *o, xs_ms now);

#endif /* XS_OFFLINE_H */
