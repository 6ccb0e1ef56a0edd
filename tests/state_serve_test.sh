#!/usr/bin/env bash
# state_serve_test.sh - issue 5's acceptance 7: the ch. 11 scenario's state
# saved at its split brain (`xsim run --save-state FILE@split-brain`) loads
# into `xsim serve --load-state FILE --clock manual` on free loopback ports;
# curl shows the two sites differ; the chapter's runbook, run command by
# command with `xsim cli --connect ... -c`, repairs them; curl then reads
# every cache's keys and values on both sites and finds them identical.
# The server is always stopped (trap); every step is bounded in time.
#
# usage: state_serve_test.sh XSIM SCENARIO
set -euo pipefail
XSIM=$1
SCENARIO=$2

CRED_USER=developer CRED_PASS=strong-password # xsim serve's default admin
MARK=split-brain                              # the scenario's `mark` at the split brain
PUSH_ROUNDS_MAX=120                           # push-site-status polls, 5 s of virtual time apart
PUSH_POLL_MS=5000
CLI_BOUND_S=60                                # the most one xsim cli or xsim run may take
CACHES=(actionTokens authenticationSessions clientSessions loginFailures
        offlineClientSessions offlineSessions sessions work)
WORK=$(mktemp -d)
SERVER_PID=
cleanup() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -KILL "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

CHECKS=0
fail() {
  echo "FAIL: $*" >&2
  if [ -f "$WORK/server.err" ]; then echo "--- server stderr (tail):" >&2; tail -n 20 "$WORK/server.err" >&2; fi
  exit 1
}
ok() { CHECKS=$((CHECKS + 1)); }

# ------------------------------------------------------------------------
# The state at the split brain

rc=0
timeout "$CLI_BOUND_S" "$XSIM" run "$SCENARIO" --save-state "$WORK/split.db@$MARK" >"$WORK/run.out" 2>"$WORK/run.err" || rc=$?
[ "$rc" = 0 ] || fail "xsim run --save-state exited $rc: $(cat "$WORK/run.out" "$WORK/run.err")"
grep -q "state at mark '$MARK'" "$WORK/run.err" || fail "xsim run did not say it saved: $(cat "$WORK/run.err")"
[ -s "$WORK/split.db" ] || fail "no state file"
ok

# ------------------------------------------------------------------------
# The server

"$XSIM" serve --load-state "$WORK/split.db" --clock manual --quiet \
  --listen site-a=127.0.0.1:0 --listen site-b=127.0.0.1:0 >"$WORK/server.out" 2>"$WORK/server.err" &
SERVER_PID=$!
for _ in $(seq 200); do
  grep -q '^xsim serve: ready' "$WORK/server.out" 2>/dev/null && break
  kill -0 "$SERVER_PID" 2>/dev/null || fail "xsim serve exited at start"
  sleep 0.1
done
grep -q '^xsim serve: ready' "$WORK/server.out" || fail "no banner from xsim serve"
grep -q "^xsim serve: state loaded from $WORK/split.db (saved from .*@$MARK at " "$WORK/server.out" ||
  fail "the banner does not name the state: $(cat "$WORK/server.out")"
declare -A ADDR
while read -r site kind addr; do ADDR[$site]=$addr; done < <(grep -E '^site-[ab] http\+resp ' "$WORK/server.out")
[ -n "${ADDR[site-a]:-}" ] && [ -n "${ADDR[site-b]:-}" ] || fail "no ports in the banner"
ok

# rest SITE METHOD PATH: the body on stdout (fails on an HTTP error).
rest() {
  curl -sf --max-time 30 --anyauth -u "$CRED_USER:$CRED_PASS" -X "$2" "http://${ADDR[$1]}$3" ||
    fail "curl $2 $3 on $1"
}
advance() { rest site-a POST "/sim/v1/clock?advance_ms=$1" >/dev/null; }

# contents SITE: "cache<TAB>key<TAB>value" lines, sorted, of every cache,
# read with curl (the keys, then every value in one curl run).
contents() {
  local site=$1 c k
  : >"$WORK/urls.$site"
  for c in "${CACHES[@]}"; do
    rest "$site" GET "/rest/v2/caches/$c?action=keys" | python3 -c 'import json,sys; [print(k) for k in json.load(sys.stdin)]' |
      while read -r k; do
        printf 'url = "http://%s/rest/v2/caches/%s/%s"\n' "${ADDR[$site]}" "$c" "$k" >>"$WORK/urls.$site"
      done
  done
  [ -s "$WORK/urls.$site" ] || return 0
  curl -sf --max-time 60 --anyauth -u "$CRED_USER:$CRED_PASS" -K "$WORK/urls.$site" \
    -w '\t%{url_effective}\n' >"$WORK/values.$site" || fail "curl GET of the values on $site"
  sed -E 's#^(.*)\thttp://[^/]+/rest/v2/caches/([^/]+)/(.*)$#\2\t\3\t\1#' "$WORK/values.$site" | sort
}

state_line() { rest site-a GET /sim/v1/state; }

# ------------------------------------------------------------------------
# Before: the sites differ, replication site-a -> site-b is offline

contents site-a >"$WORK/before-a"
contents site-b >"$WORK/before-b"
[ -s "$WORK/before-a" ] || fail "site-a holds nothing"
if cmp -s "$WORK/before-a" "$WORK/before-b"; then fail "the sites are identical at the split brain"; fi
echo "ok - at the split brain: site-a $(wc -l <"$WORK/before-a") entries, site-b $(wc -l <"$WORK/before-b"), differing"
state_line | grep -q '"site-a":{"entries":[0-9]*,"backups":{"site-b":{"status":"offline"' ||
  fail "replication site-a -> site-b is not offline in the loaded state"
ok

# ------------------------------------------------------------------------
# The runbook (ch. 11.2.1), with xsim cli

# cli SITE LINE: one command line; OUT holds what it printed.
cli() {
  local rc=0
  timeout "$CLI_BOUND_S" "$XSIM" cli --trustall --connect "http://${ADDR[$1]}" -u "$CRED_USER" -p "$CRED_PASS" \
    -c "$2" >"$WORK/out" 2>"$WORK/err" || rc=$?
  OUT=$(cat "$WORK/out")
  [ "$rc" = 0 ] || fail "xsim cli '$2' on $1: exit $rc; out [$OUT] err [$(cat "$WORK/err")]"
}
# expect_out SITE LINE NEEDLE: the output contains NEEDLE.
expect_out() {
  cli "$1" "$2"
  case "$OUT" in *"$3"*) ok ;; *) fail "'$2' on $1 printed [$OUT], want [$3] in it" ;; esac
}

expect_out site-b "site take-offline --all-caches --site=site-a" '"sessions" : "ok"'
expect_out site-b "site status --all-caches --site=site-a" '"status" : "offline"'
for c in "${CACHES[@]}"; do cli site-b "clearcache $c"; [ -z "$OUT" ] || fail "clearcache $c printed [$OUT]"; done
expect_out site-b "site bring-online --all-caches --site=site-a" '"sessions" : "ok"'
expect_out site-b "site status --all-caches --site=site-a" '"status" : "online"'
expect_out site-a "site push-site-state --all-caches --site=site-b" '"sessions" : "ok"'
expect_out site-a "site status --all-caches --site=site-b" '"status" : "online"'
for c in "${CACHES[@]}"; do
  round=0
  while :; do
    cli site-a "site push-site-status --cache=$c"
    case "$OUT" in *'"site-b" : "OK"'*) break ;; esac
    round=$((round + 1))
    [ "$round" -lt "$PUSH_ROUNDS_MAX" ] || fail "push-site-status --cache=$c never said OK: [$OUT]"
    advance "$PUSH_POLL_MS" # the runbook's 'repeat every 5 s'
  done
  ok
done
for c in "${CACHES[@]}"; do expect_out site-a "site clear-push-site-status --cache=$c" '"ok"'; done
advance 30000

# ------------------------------------------------------------------------
# After: one copy of site-a's state on both sites

contents site-a >"$WORK/after-a"
contents site-b >"$WORK/after-b"
diff -u "$WORK/after-a" "$WORK/after-b" >&2 || fail "the sites differ after the runbook"
[ -s "$WORK/after-a" ] || fail "no entries after the runbook"
cmp -s "$WORK/before-a" "$WORK/after-a" || fail "site-a's contents changed during the runbook"
echo "ok - after the runbook both sites hold the same $(wc -l <"$WORK/after-a") entries"
ok

kill -TERM "$SERVER_PID"
rc=0
for _ in $(seq 200); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
wait "$SERVER_PID" || rc=$?
SERVER_PID=
[ "$rc" = 0 ] || fail "xsim serve exited $rc after SIGTERM"
ok
echo "$CHECKS checks passed"
