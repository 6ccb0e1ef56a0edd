#!/usr/bin/env bash
# state_serve_test.sh - issue 5's acceptance 7: the ch. 11 scenario's state
# saved at its split brain (`xsim run --save-state FILE@split-brain`) loads
# into `xsim serve --load-state FILE --clock manual` on free loopback ports;
# curl shows the two sites differ; the chapter's runbook, run command by
# command with `xsim cli --connect ... -c`, repairs them; curl then reads
# every cache's keys and values on both sites and finds them identical.
# The server is always stopped (trap); every step is bounded in time.  The
# server, its bounds, curl, xsim cli and the check count come from
# tests/serve/lib.sh.
#
# usage: state_serve_test.sh XSIM SCENARIO
XSIM=${1:?usage: state_serve_test.sh XSIM SCENARIO}
SCENARIO=${2:?usage: state_serve_test.sh XSIM SCENARIO}
source "$(dirname "$0")/serve/lib.sh"

MARK=split-brain    # the scenario's `mark` at the split brain
PUSH_ROUNDS_MAX=120 # push-site-status polls, 5 s of virtual time apart
PUSH_POLL_MS=5000
CLI_BOUND_S=60      # the most one xsim cli or xsim run may take
CURL_MAX_TIME_S=30  # the most one curl run for one URL may take
CACHES=(actionTokens authenticationSessions clientSessions loginFailures
        offlineClientSessions offlineSessions sessions work)

# ------------------------------------------------------------------------
# The state at the split brain

rc=0
timeout "$CLI_BOUND_S" "$XSIM" run "$SCENARIO" --save-state "$TMP/split.db@$MARK" >"$TMP/run.out" 2>"$TMP/run.err" || rc=$?
[ "$rc" = 0 ] || fail "xsim run --save-state exited $rc: $(cat "$TMP/run.out" "$TMP/run.err")"
grep -q "state at mark '$MARK'" "$TMP/run.err" || fail "xsim run did not say it saved: $(cat "$TMP/run.err")"
[ -s "$TMP/split.db" ] || fail "no state file"
ok

# ------------------------------------------------------------------------
# The server

start_server --load-state "$TMP/split.db" --clock manual --quiet --listen site-a=127.0.0.1:0 --listen site-b=127.0.0.1:0
grep -q "^xsim serve: state loaded from $TMP/split.db (saved from .*@$MARK at " "$TMP/server.out" ||
  fail "the banner does not name the state: $(cat "$TMP/server.out")"
ok

# lib.sh's rest, with --anyauth (Digest) as this test has always used.
rest_digest() { rest "$@" --anyauth; } # rest_digest SITE METHOD PATH
advance() { rest_digest site-a POST "/sim/v1/clock?advance_ms=$1" >/dev/null; }

# contents SITE: "cache<TAB>key<TAB>value" lines, sorted, of every cache,
# read with curl (the keys, then every value in one curl run).
contents() {
  local site=$1 c k
  : >"$TMP/urls.$site"
  for c in "${CACHES[@]}"; do
    rest_digest "$site" GET "/rest/v2/caches/$c?action=keys" | python3 -c 'import json,sys; [print(k) for k in json.load(sys.stdin)]' |
      while read -r k; do
        printf 'url = "%s/rest/v2/caches/%s/%s"\n' "$(url "$site")" "$c" "$k" >>"$TMP/urls.$site"
      done
  done
  [ -s "$TMP/urls.$site" ] || return 0
  curl -sf --max-time 60 --anyauth -u "$CRED" -K "$TMP/urls.$site" \
    -w '\t%{url_effective}\n' >"$TMP/values.$site" || fail "curl GET of the values on $site"
  sed -E 's#^(.*)\thttp://[^/]+/rest/v2/caches/([^/]+)/(.*)$#\2\t\3\t\1#' "$TMP/values.$site" | sort
}

state_line() { rest_digest site-a GET /sim/v1/state; }

# ------------------------------------------------------------------------
# Before: the sites differ, replication site-a -> site-b is offline

contents site-a >"$TMP/before-a"
contents site-b >"$TMP/before-b"
[ -s "$TMP/before-a" ] || fail "site-a holds nothing"
if cmp -s "$TMP/before-a" "$TMP/before-b"; then fail "the sites are identical at the split brain"; fi
echo "ok - at the split brain: site-a $(wc -l <"$TMP/before-a") entries, site-b $(wc -l <"$TMP/before-b"), differing"
state_line | grep -q '"site-a":{"entries":[0-9]*,"backups":{"site-b":{"status":"offline"' ||
  fail "replication site-a -> site-b is not offline in the loaded state"
ok

# ------------------------------------------------------------------------
# The runbook (ch. 11.2.1), with xsim cli

# cli SITE LINE: one command line, which must exit 0; OUT holds what it printed.
cli() {
  xsim_cli "$1" -c "$2"
  [ "$CLI_RC" = 0 ] || fail "xsim cli '$2' on $1: exit $CLI_RC; out [$OUT] err [$(cat "$TMP/cli.err")]"
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

contents site-a >"$TMP/after-a"
contents site-b >"$TMP/after-b"
diff -u "$TMP/after-a" "$TMP/after-b" >&2 || fail "the sites differ after the runbook"
[ -s "$TMP/after-a" ] || fail "no entries after the runbook"
cmp -s "$TMP/before-a" "$TMP/after-a" || fail "site-a's contents changed during the runbook"
echo "ok - after the runbook both sites hold the same $(wc -l <"$TMP/after-a") entries"
ok

stop_server
echo "$PASSED checks passed"
