/* offline.c - the take-offline state machine (see offline.h). */
#include "offline.h"

#include <assert.h>

void xs_offline_init(xs_offline *o, int32_t after_failures, xs_ms min_wait_ms) {
  *o = (xs_offline){after_failures, min_wait_ms, XS_NO_FAILURE, 0, false};
}

bool xs_offline_enabled(const xs_offline *o) { return o->after_failures > 0 || o->min_wait_ms > 0; }

static void reset(xs_offline *o) {
  o->first_failure_ms = XS_NO_FAILURE;
  o->failure_count = 0;
}

/* A communication failure: count it, then test both thresholds.  min-wait is
 * measured from the send time of the first failed request, and only ever
 * here - an idle cache never goes offline by the clock alone. */
static bool on_failure(xs_offline *o, xs_ms send_ms, xs_ms now) {
  if (o->first_failure_ms == XS_NO_FAILURE) o->first_failure_ms = send_ms;
  o->failure_count++;
  if (o->offline) return false;
  bool has_min_wait = o->min_wait_ms > 0;
  if (has_min_wait && now - o->first_failure_ms < o->min_wait_ms) return false;
  if (o->after_failures > 0) {
    if (o->failure_count < o->after_failures) return false;
  } else if (!has_min_wait) {
    return false;
  }
  o->offline = true;
  return true;
}

bool xs_offline_on_completed(xs_offline *o, xs_ms send_ms, xs_ms now, xs_outcome outcome) {
  assert(send_ms <= now);
  if (outcome == XS_OUTCOME_CONFIG) return xs_offline_force(o);
  if (!xs_offline_enabled(o)) return false;
  if (outcome == XS_OUTCOME_COMM) return on_failure(o, send_ms, now);
  if (!o->offline) reset(o);
  return false;
}

bool xs_offline_force(xs_offline *o) {
  if (o->offline) return false;
  o->offline = true;
  return true;
}

/* OfflineStatus.bringOnline: only an offline site is reset; an online one
 * keeps counting (NonTxOfflineTest brings NYC "online" before every failing
 * put and still expects the count to grow). */
bool xs_offline_bring_online(xs_offline *o) {
  if (!o->offline) return false;
  reset(o);
  o->offline = false;
  return true;
}

bool xs_offline_amend(xs_offline *o, int32_t after_failures, xs_ms min_wait_ms) {
  bool changed = o->after_failures != after_failures || o->min_wait_ms != min_wait_ms;
  o->after_failures = after_failures;
  o->min_wait_ms = min_wait_ms;
  reset(o);
  o->offline = false;
  return changed;
}

int64_t xs_offline_millis_since_first_failure(const xs_offline *o, xs_ms now) {
  return o->first_failure_ms == XS_NO_FAILURE ? 0 : now - o->first_failure_ms;
}
