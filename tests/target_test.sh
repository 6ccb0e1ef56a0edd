#!/usr/bin/env bash
# target_test.sh - `xsim run --target URL,URL` (issue 5, Runner): starts
# `xsim serve --clock real --time-scale 100` with both sites on free
# loopback ports (port 0, then the banner), puts the sites out of sync with
# curl (partition, replication taken offline both ways, different writes on
# each site, heal), then runs the chapter 11 procedure of
# tests/data/target-ch11-procedure.xsim over HTTP against them.  Asserts:
# exit 0, the steps ran over the network, the configured heal command ran,
# `check not identical` and `check identical` ran and passed, the table is
# marked `target`, and the skipped items (workload, Keycloak, history
# checks) are listed.  A second run must exit 1 and report a wrong step
# output, an entries check that does not hold and a fault command that
# exits 3; a partition with no command is skipped; --target-max-wait 1s
# shortens a `wait 10m`.
# The server is always stopped (trap); the whole test is bounded in time.
# The server, its bounds, curl and the check count come from
# tests/serve/lib.sh.
#
# usage: target_test.sh XSIM SCENARIO
XSIM=${1:?usage: target_test.sh XSIM SCENARIO}
SCENARIO=${2:?usage: target_test.sh XSIM SCENARIO}
source "$(dirname "$0")/serve/lib.sh"

RUN_BOUND_S=25         # the most one `xsim run --target` may take
KEYS=5                 # writes per site during the split
SERVE_START_BOUND_S=10 # not lib.sh's 20: the start and two runs fit meson's 60 s
CURL_MAX_TIME_S=10     # the most one curl run may take
# On a failure, what `xsim run --target` printed matters as much as the server.
FAIL_LOGS=(run.out run.err)

# ------------------------------------------------------------------------
# The server

start_server --clock real --time-scale 100 --quiet --listen site-a=127.0.0.1:0 --listen site-b=127.0.0.1:0
URL_A=$(url site-a)
URL_B=$(url site-b)
ok

# ------------------------------------------------------------------------
# Out of sync: a split brain with writes on both sides

rest site-a POST "/sim/v1/partition?sites=site-a,site-b" >/dev/null
rest site-a POST "/rest/v2/container/x-site/backups/site-b?action=take-offline" >/dev/null
rest site-b POST "/rest/v2/container/x-site/backups/site-a?action=take-offline" >/dev/null
for k in $(seq "$KEYS"); do
  rest site-a PUT "/rest/v2/caches/sessions/a-$k" -H 'Content-Type: text/plain' --data-binary "user-a-$k" >/dev/null
  rest site-b PUT "/rest/v2/caches/sessions/b-$k" -H 'Content-Type: text/plain' --data-binary "user-b-$k" >/dev/null
  rest site-b PUT "/rest/v2/caches/work/w-$k" -H 'Content-Type: text/plain' --data-binary "stale-$k" >/dev/null
done
[ "$(rest site-a GET '/rest/v2/caches/sessions?action=size')" = "$KEYS" ] || fail "site-a does not have $KEYS sessions"
[ "$(rest site-b GET '/rest/v2/caches/sessions?action=size')" = "$KEYS" ] || fail "site-b does not have $KEYS sessions"
ok
# The heal is the scenario's `heal` fault, run as the configured command.
HEAL="curl -sf --max-time 10 -u $CRED -X POST $URL_A/sim/v1/heal"

# ------------------------------------------------------------------------
# The procedure over HTTP

rc=0
timeout "$RUN_BOUND_S" "$XSIM" run "$SCENARIO" --target "$URL_A,$URL_B" -v \
  --target-fault "heal=$HEAL" --target-max-wait 20s >"$TMP/run.out" 2>"$TMP/run.err" || rc=$?
[ "$rc" = 0 ] || fail "xsim run --target exited $rc"
ok
grep -q "^target: target-ch11-procedure against site-a=$URL_A site-b=$URL_B" "$TMP/run.out" || fail "no target line"
steps=$(grep -c "PASS  on site-[ab]: .* - over HTTP to http://127.0.0.1:" "$TMP/run.out" || true)
[ "$steps" = 30 ] || fail "$steps of 30 procedure steps passed over HTTP"
ok
grep -q "PASS  heal - ran: curl .*/sim/v1/heal" "$TMP/run.out" || fail "the heal command did not run"
grep -q "PASS  check not identical" "$TMP/run.out" || fail "the sites were not seen out of sync first"
grep -qE "PASS  check identical - [0-9]+ caches compared" "$TMP/run.out" || fail "check identical did not pass"
grep -q "PASS  check replication site-a -> site-b online" "$TMP/run.out" || fail "replication check"
grep -q "PASS  check push site-a -> site-b idle" "$TMP/run.out" || fail "push status check"
ok
grep -qE "^target-ch11-procedure +target +pass +30 +" "$TMP/run.out" || fail "the table row is not 'target pass 30'"
for skipped in "workload kv" "stop keycloak on site-b" "start keycloak on site-b" "check no-lost-writes" \
  "check no-resurrection"; do
  grep -q "^  SKIP .*target-ch11-procedure.xsim:[0-9]*  $skipped" "$TMP/run.out" || fail "'$skipped' not listed as skipped"
done
grep -q "^skipped (need the simulator or a fault command) (5):" "$TMP/run.out" || fail "not 5 skipped"
ok
# REST agrees: the stale keys are gone from site-b, site-a's are there.
[ "$(rest site-b GET /rest/v2/caches/sessions/a-1)" = "user-a-1" ] || fail "site-b lacks a-1"
call GET site-b /rest/v2/caches/sessions/b-1 -u "$CRED"
[ "$STATUS" = 404 ] || fail "site-b still has b-1"
ok

# ------------------------------------------------------------------------
# A check that does not hold fails the run (exit 1), with the reason

# (and --target-max-wait shortens a 10 min wait to 1 s; a fault without a
# command is skipped; one whose command fails fails)
cat >"$TMP/bad.xsim" <<'EOS'
name target-bad
topology keycloak-ha
wait 10m
partition site-a site-b
crash site-b
on site-a: site status --all-caches --site=site-b
    output: { "status" : "offline" }
check entries site-a sessions = 999
EOS
rc=0
timeout "$RUN_BOUND_S" "$XSIM" run "$TMP/bad.xsim" --target "$URL_A,$URL_B" --target-max-wait 1s -v \
  --target-fault 'crash=echo crashing {site}; exit 3' >"$TMP/run.out" 2>"$TMP/run.err" || rc=$?
[ "$rc" = 1 ] || fail "a failing target run exited $rc, not 1"
grep -q "FAIL  on site-a: site status" "$TMP/run.out" || fail "the wrong output was not reported"
grep -q "FAIL  check entries site-a sessions = 999 - sessions on site-a has $KEYS entries" "$TMP/run.out" ||
  fail "the entries check was not reported"
grep -q "PASS  wait 10m - waited 1.000 s" "$TMP/run.out" || fail "--target-max-wait did not shorten the wait"
grep -q "SKIP .*bad.xsim:4  partition site-a site-b - no --target-fault partition=COMMAND" "$TMP/run.out" ||
  fail "the partition without a command was not skipped"
grep -q "FAIL  crash site-b - 'echo crashing site-b; exit 3' exited 3: crashing site-b" "$TMP/run.out" ||
  fail "the failing crash command was not reported"
grep -qE "^target-bad +target +FAIL +1 +1 +1 +" "$TMP/run.out" || fail "the table row is not 'target FAIL 1 1 1'"
ok

stop_server
echo "target_test: $PASSED checks passed"
