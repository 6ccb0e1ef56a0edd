#!/usr/bin/env bash
# runbook000.sh - acceptance 1 of issue 3: the seed-000 runbook (Keycloak's
# "Recover from an out-of-sync passive site", ../shared/seeds/
# 000_1af28cff71e8a198.txt) as REST calls with curl against `xsim serve
# --clock manual` after a partition, asserting every response body (the
# compact JSON the CLI pretty-prints in the runbook), then both sites'
# contents with curl and redis-cli.  tests/test_rest.c runs the same story
# in process; this proves the socket path gives the same answers.
#
# usage: XSIM=build/harness/xsim runbook000.sh
source "$(dirname "$0")/lib.sh"

CACHES=(actionTokens authenticationSessions clientSessions loginFailures offlineClientSessions offlineSessions
        sessions work)
ALL_OK='{"offlineClientSessions":"ok","authenticationSessions":"ok","sessions":"ok","clientSessions":"ok","work":"ok","offlineSessions":"ok","actionTokens":"ok","loginFailures":"ok"}'
TEXT=(-H 'Content-Type: text/plain')

start_server --clock manual --seed 0x1af28cff71e8a198 --listen site-a=127.0.0.1:0 --listen site-b=127.0.0.1:0

# Both sites take sessions while the link is up: one curl per site and
# cache, a PUT per URL, each answered 204 after its SYNC backup.
put_many() { # SITE CACHE VALUE KEY...
  local site=$1 cache=$2 value=$3
  shift 3
  local urls=() k
  for k in "$@"; do urls+=("http://127.0.0.1:${PORT[$site]}/rest/v2/caches/$cache/$k"); done
  local codes
  codes=$(curl -s --max-time 20 -u "$CRED" -X PUT "${TEXT[@]}" --data-binary "$value" -o /dev/null \
    -w '%{http_code}\n' "${urls[@]}" | tr '\n' ' ')
  [ "$codes" = "$(printf '204 %.0s' "$@")" ] || fail "PUT $site $cache $*: $codes"
  ok
}
for c in "${CACHES[@]}"; do
  for k in 0 1 2 3; do
    expect PUT site-a "/rest/v2/caches/$c/a-$k" 204 "" "${TEXT[@]}" --data-binary "user-a-$k"
    expect PUT site-b "/rest/v2/caches/$c/b-$k" 204 "" "${TEXT[@]}" --data-binary "user-b-$k"
  done
done
expect GET site-b /rest/v2/caches/sessions/a-3 200 "user-a-3"
expect GET site-a /rest/v2/caches/sessions?action=size 200 "8"

# The split.  A write on site-b waits for the 13 s backup timeout - at once
# on the wall clock, 13 000 ms later on the virtual one - and fails.
T0=$(time_ms site-a)
expect POST site-a "/sim/v1/partition?sites=site-a,site-b" 200 \
  "{\"time_ms\":$T0,\"links\":[{\"from\":\"site-a\",\"to\":\"site-b\",\"up\":false},{\"from\":\"site-b\",\"to\":\"site-a\",\"up\":false}]}"
call PUT site-b /rest/v2/caches/sessions/b-split -u "$CRED" --data-binary stray
[ "$STATUS" = 500 ] && [ "$CTYPE" = text/plain ] || fail "write during the split: $STATUS $CTYPE '$BODY'"
[[ "$BODY" =~ ^ISPN000709:\ Failed\ to\ backup\ cache\ \`sessions\`\ to\ one\ or\ more\ remote\ sites:\ ISPN000476:\ Timed\ out\ waiting\ for\ responses\ for\ request\ [0-9]+\ from\ site-a\ after\ 13\ seconds$ ]] ||
  fail "write during the split: '$BODY'"
ok
T1=$(time_ms site-a)
[ $((T1 - T0)) -eq 13000 ] || fail "the failed write took $((T1 - T0)) virtual ms, want 13000"
ok
expect GET site-b /rest/v2/caches/sessions/b-split 404 ""
# The failure detector needs 15 s without news: site-a's view drops site-b,
# which is what the SiteOffline alert reads.
call POST site-a "/sim/v1/clock?advance_ms=5000" -u "$CRED"
contains "$STATUS $BODY" "200 {\"time_ms\":$((T0 + 18000))," "advance 5000"
call GET site-a /metrics -u "$CRED"
contains "$BODY" 'vendor_jgroups_site_view_status{cache_manager="default",node="' "metrics"
contains "$BODY" '",site="site-b"} 0.0' "metrics: site-b out of the view"
call GET site-a /rest/v2/container -u "$CRED"
contains "$BODY" '"sites_view":["site-a"]' "site-a's view during the split"
# Fencing takes site-b offline on site-a (the Lambda's call).
expect POST site-a "/rest/v2/container/x-site/backups/site-b?action=take-offline" 200 "$ALL_OK"
expect GET site-a /rest/v2/container/x-site/backups/site-b 200 '{"status":"offline"}'

# site-a serves alone: new sessions, a refresh, logouts.
for c in "${CACHES[@]}"; do
  put_many site-a "$c" during-split a2-0 a2-1 a2-2
  expect PUT site-a "/rest/v2/caches/$c/a-1" 204 "" "${TEXT[@]}" --data-binary refreshed
  expect DELETE site-a "/rest/v2/caches/$c/a-2" 204 ""
  expect DELETE site-a "/rest/v2/caches/$c/b-3" 204 ""
done

# The link heals; site-b rejoins the view.
call POST site-a /sim/v1/heal -u "$CRED"
contains "$BODY" '"to":"site-a","up":true}' "heal"
call POST site-a "/sim/v1/clock?advance_ms=300000" -u "$CRED"
[ "$STATUS" = 200 ] || fail "advance 300000: $STATUS"
call GET site-b /rest/v2/container -u "$CRED"
contains "$BODY" '"sites_view":["site-a","site-b"]' "site-b's view after the heal"

# --- The runbook, on the secondary site-b -----------------------------------
# site take-offline --all-caches --site=site-a
expect POST site-b "/rest/v2/container/x-site/backups/site-a?action=take-offline" 200 "$ALL_OK"
# site status --all-caches --site=site-a
expect GET site-b /rest/v2/container/x-site/backups/site-a 200 '{"status":"offline"}'
# clearcache <each cache>: no output (204, no content type)
for c in "${CACHES[@]}"; do
  expect POST site-b "/rest/v2/caches/$c?action=clear" 204 ""
  [ -z "$CTYPE" ] || fail "clearcache $c: content type '$CTYPE'"
done
# site bring-online --all-caches --site=site-a
expect POST site-b "/rest/v2/container/x-site/backups/site-a?action=bring-online" 200 "$ALL_OK"
expect GET site-b /rest/v2/container/x-site/backups/site-a 200 '{"status":"online"}'

# --- On the primary site-a --------------------------------------------------
# site push-site-state --all-caches --site=site-b
expect POST site-a "/rest/v2/container/x-site/backups/site-b?action=start-push-state" 200 "$ALL_OK"
[ "$CTYPE" = application/json ] || fail "push-site-state content type '$CTYPE'"
expect GET site-a /rest/v2/container/x-site/backups/site-b 200 '{"status":"online"}'
# site push-site-status --cache=<each>: until every cache says OK (the
# clock moves by hand here, 1 s at a time).
for round in $(seq 600); do
  done_caches=0
  for c in "${CACHES[@]}"; do
    call GET site-a "/rest/v2/caches/$c/x-site/backups?action=push-state-status" -u "$CRED"
    [ "$STATUS" = 200 ] && [ "$CTYPE" = application/json ] || fail "push-site-status $c: $STATUS $CTYPE"
    [ "$BODY" != '{"site-b":"ERROR"}' ] || fail "push-site-status $c: ERROR"
    [ "$BODY" = '{"site-b":"OK"}' ] && done_caches=$((done_caches + 1))
  done
  [ "$done_caches" -eq ${#CACHES[@]} ] && break
  call POST site-a "/sim/v1/clock?advance_ms=1000" -u "$CRED"
  [ "$STATUS" = 200 ] || fail "advance 1000: $STATUS '$BODY'"
done
[ "$done_caches" -eq ${#CACHES[@]} ] || fail "push-state never finished"
ok
# site clear-push-site-status --cache=<each>: "ok"; the status is IDLE again.
for c in "${CACHES[@]}"; do
  expect POST site-a "/rest/v2/caches/$c/x-site/local?action=clear-push-state-status" 200 '"ok"'
  expect GET site-a "/rest/v2/caches/$c/x-site/backups?action=push-state-status" 200 '{"site-b":"IDLE"}'
done

# --- Both sites hold what site-a held ---------------------------------------
for c in "${CACHES[@]}"; do
  expect GET site-a "/rest/v2/caches/$c?action=size" 200 9
  expect GET site-b "/rest/v2/caches/$c?action=size" 200 9
  call GET site-a "/rest/v2/caches/$c?action=keys" -u "$CRED"
  keys_a=$(echo "$BODY" | tr -d '[]"' | tr ',' '\n' | sort | tr '\n' ' ')
  call GET site-b "/rest/v2/caches/$c?action=keys" -u "$CRED"
  keys_b=$(echo "$BODY" | tr -d '[]"' | tr ',' '\n' | sort | tr '\n' ' ')
  [ "$keys_a" = "a-0 a-1 a-3 a2-0 a2-1 a2-2 b-0 b-1 b-2 " ] && [ "$keys_a" = "$keys_b" ] ||
    fail "$c keys: site-a '$keys_a', site-b '$keys_b'"
  ok
  for k in 0 1 2; do expect GET site-b "/rest/v2/caches/$c/a2-$k" 200 during-split; done
  expect GET site-b "/rest/v2/caches/$c/a-1" 200 refreshed
  expect GET site-b "/rest/v2/caches/$c/a-0" 200 user-a-0
  expect GET site-b "/rest/v2/caches/$c/b-0" 200 user-b-0
  expect GET site-b "/rest/v2/caches/$c/a-2" 404 ""
  expect GET site-b "/rest/v2/caches/$c/b-3" 404 ""
done
# The same contents through RESP on the single port (redis-cli sends AUTH
# first, so the detector hands it to RESP): SELECT a cache by name.
for site in site-a site-b; do
  out=$(printf 'SELECT sessions\nDBSIZE\nGET a2-1\nGET a-1\nEXISTS a-2\n' |
    timeout 20 redis-cli -p "${PORT[$site]}" --user developer --pass strong-password --no-auth-warning | tr '\n' ' ')
  [ "$out" = "OK 9 during-split refreshed 0 " ] || fail "redis-cli on $site: '$out'"
  ok
  keys=$(printf 'SELECT sessions\nKEYS *\n' |
    timeout 20 redis-cli -p "${PORT[$site]}" --user developer --pass strong-password --no-auth-warning |
    tail -n +2 | sort | tr '\n' ' ')
  [ "$keys" = "a-0 a-1 a-3 a2-0 a2-1 a2-2 b-0 b-1 b-2 " ] || fail "redis-cli KEYS on $site: '$keys'"
  ok
done
stop_server
finish
