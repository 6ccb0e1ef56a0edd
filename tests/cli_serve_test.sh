#!/usr/bin/env bash
# cli_serve_test.sh - issue 4's acceptance 1 and 2 over real sockets: the
# runbook command lines of seed 000 (chapter 11) and seed 003 (chapters 10,
# 12 and 16), each run with `xsim cli --trustall --connect ... -c` (or
# --file for the Batch CR) against `xsim serve --clock manual`, after a
# split brain made with /sim/v1 through curl.  Every output is compared
# byte for byte with what the Data Grid 16 CLI prints (the texts of
# tests/test_cli.c; the guide's whitespace-flattened text differs only in
# the actionTokens/loginFailures order, see docs/cli.md), and the sites'
# contents are read back through the CLI and checked after each recovery.
# Then: a batch with a failing command stops there with exit 1, a clean one
# exits 0.  The server, its bounds, curl and the check count come from
# tests/serve/lib.sh.
#
# usage: cli_serve_test.sh XSIM
XSIM=${1:?usage: cli_serve_test.sh XSIM}
source "$(dirname "$0")/serve/lib.sh"

SEED=0x1af28cff71e8a198 # seed 000's
PUSH_ROUNDS_MAX=600     # push-site-status polls (1 s of virtual time apart)
CLI_BOUND_S=60          # the most one xsim cli run may take
CURL_MAX_TIME_S=30      # the most one curl run may take
CACHES=(actionTokens authenticationSessions clientSessions loginFailures
        offlineClientSessions offlineSessions sessions work)

# ------------------------------------------------------------------------
# The server

start_server --seed "$SEED" --clock manual --quiet --listen site-a=127.0.0.1:0 --listen site-b=127.0.0.1:0

# /sim/v1 through curl, as a scenario author would (--anyauth: Digest).
sim() { rest site-a "$1" "$2" --anyauth >/dev/null; } # sim METHOD PATH
advance() { sim POST "/sim/v1/clock?advance_ms=$1"; }

# ------------------------------------------------------------------------
# xsim cli

# cli SITE WANT_RC ARGS...: runs xsim cli against SITE, which must exit
# WANT_RC and write nothing to stderr; OUT holds stdout.
cli() {
  local site=$1 want=$2
  shift 2
  xsim_cli "$site" "$@"
  [ "$CLI_RC" = "$want" ] || fail "xsim cli $* on $site: exit $CLI_RC, want $want; out [$OUT] err [$(cat "$TMP/cli.err")]"
  [ ! -s "$TMP/cli.err" ] || fail "xsim cli $* on $site wrote to stderr: $(cat "$TMP/cli.err")"
}

# run SITE LINE WANT: one command line, its output byte for byte (the file,
# as $OUT has lost its trailing newlines).
run() {
  cli "$1" 0 -c "$2"
  printf '%s' "$3" >"$TMP/want"
  cmp -s "$TMP/cli.out" "$TMP/want" || fail "'$2' on $1 printed [$(cat "$TMP/cli.out")], want [$3]"
  ok
}

# batch SITE WANT_RC FILE: a batch; OUT holds what it printed.
batch() { cli "$1" "$2" --file "$3"; }

# What Infinispan 16 prints (tests/test_cli.c's ALL_OK, STATUS_*).
ALL_OK='{
  "offlineClientSessions" : "ok",
  "authenticationSessions" : "ok",
  "sessions" : "ok",
  "clientSessions" : "ok",
  "work" : "ok",
  "offlineSessions" : "ok",
  "actionTokens" : "ok",
  "loginFailures" : "ok"
}
'
OFFLINE='{
  "status" : "offline"
}
'
ONLINE='{
  "status" : "online"
}
'

# ------------------------------------------------------------------------
# Contents, read back through the CLI

# dump SITE: "cache key value" lines, sorted, of every cache on SITE.
dump() {
  local site=$1 c
  : >"$TMP/gets"
  for c in "${CACHES[@]}"; do
    cli "$site" 0 -c "ls -p JSON caches/$c"
    printf '%s\n' "$OUT" | sed -n 's/^"\(.*\)",\{0,1\}$/\1/p' | while read -r k; do
      echo "get --cache=$c $k" >>"$TMP/gets"
    done
  done
  if [ ! -s "$TMP/gets" ]; then return 0; fi
  cli "$site" 0 --echo --file "$TMP/gets"
  # --echo: each line, then its value.
  printf '%s\n' "$OUT" | awk '/^get --cache=/ { split($2, a, "="); c = a[2]; k = $3; next } { print c, k, $0 }' | sort
}

assert_sites_equal() {
  dump site-a >"$TMP/dump-a"
  dump site-b >"$TMP/dump-b"
  diff -u "$TMP/dump-a" "$TMP/dump-b" >&2 || fail "the sites differ after $1"
  [ -s "$TMP/dump-a" ] || fail "no entries after $1"
  echo "ok - the sites are equal after $1: $(wc -l <"$TMP/dump-a") entries"
  ok
}

# has SITE CACHE KEY VALUE (VALUE "" for absent), from the last dump.
has() {
  local line
  line=$(grep -E "^$2 $3 " "$TMP/dump-${1#site-}" || true)
  if [ -z "$4" ]; then [ -z "$line" ] || fail "$1 $2 $3 should be absent, is [$line]"
  else [ "$line" = "$2 $3 $4" ] || fail "$1 $2 $3 is [$line], want [$4]"; fi
  ok
}

# ------------------------------------------------------------------------
# The story before the runbook (as tests/test_cli.c tells it)

# Both sites write while the link is up (SYNC backups).
: >"$TMP/put-a"
: >"$TMP/put-b"
for c in "${CACHES[@]}"; do
  for k in 0 1 2 3; do
    echo "put --cache=$c a-$k user-a-$k" >>"$TMP/put-a"
    echo "put --cache=$c b-$k user-b-$k" >>"$TMP/put-b"
  done
done
batch site-a 0 "$TMP/put-a"
[ -z "$OUT" ] || fail "puts printed [$OUT]"
batch site-b 0 "$TMP/put-b"
run site-b "get --cache=sessions a-1" $'user-a-1\n'

# The split.  A write on site-b waits for the 13 s backup timeout and fails.
sim POST "/sim/v1/partition?sites=site-a,site-b"
cli site-b 1 -c "put --cache=sessions b-split stray"
PREFIX='Error: ISPN000709: Failed to backup cache `sessions` to one or more remote sites: ISPN000476: Timed out waiting for responses for request '
[[ "$OUT" == "$PREFIX"*" from site-a after 13 seconds" ]] || fail "the write during the split printed [$OUT]"
ok
advance 5000 # the failure detector drops the other site
run site-a "site view" $'[site-a]\n'
# Each side takes the other offline and keeps serving: split brain.
run site-a "site take-offline --all-caches --site=site-b" "$ALL_OK"
run site-b "site take-offline --all-caches --site=site-a" "$ALL_OK"
: >"$TMP/split-a"
: >"$TMP/split-b"
for c in "${CACHES[@]}"; do
  for k in 0 1 2; do
    echo "put --cache=$c a2-$k during-split" >>"$TMP/split-a"
    echo "put --cache=$c b2-$k stale-on-b" >>"$TMP/split-b"
  done
  printf 'put --cache=%s a-1 refreshed\nremove --cache=%s a-2\nremove --cache=%s b-3\n' "$c" "$c" "$c" >>"$TMP/split-a"
  printf 'put --cache=%s a-1 refreshed-on-b\nremove --cache=%s a-0\n' "$c" "$c" >>"$TMP/split-b"
done
batch site-a 0 "$TMP/split-a"
batch site-b 0 "$TMP/split-b"
sim POST /sim/v1/heal
advance 300000
run site-b "site view" $'[site-a, site-b]\n'

# ------------------------------------------------------------------------
# The runbooks

# push-site-status for every cache until each says OK, as the runbook says.
wait_push_ok() { # wait_push_ok SITE TO
  local round c done_count
  for round in $(seq "$PUSH_ROUNDS_MAX"); do
    done_count=0
    for c in "${CACHES[@]}"; do
      cli "$1" 0 -c "site push-site-status --cache=$c"
      case "$OUT" in
        "{"$'\n'"  \"$2\" : \"OK\""$'\n'"}") done_count=$((done_count + 1)) ;;
        "{"$'\n'"  \"$2\" : \"SENDING\""$'\n'"}") ;;
        *) fail "push-site-status --cache=$c printed [$OUT]" ;;
      esac
    done
    if [ "$done_count" = "${#CACHES[@]}" ]; then ok; return 0; fi
    advance 1000
  done
  fail "push-state to $2 never finished"
}

# Seed 000 chapter 11 / seed 003 chapter 12: on the stale site, then on the
# site whose state is kept.
resync() { # resync STALE KEEP
  local stale=$1 keep=$2 c
  run "$stale" "site take-offline --all-caches --site=$keep" "$ALL_OK"
  run "$stale" "site status --all-caches --site=$keep" "$OFFLINE"
  for c in "${CACHES[@]}"; do run "$stale" "clearcache $c" ""; done # "These commands do not print any output."
  run "$stale" "site bring-online --all-caches --site=$keep" "$ALL_OK"
  run "$stale" "site status --all-caches --site=$keep" "$ONLINE"
  run "$keep" "site push-site-state --all-caches --site=$stale" "$ALL_OK"
  run "$keep" "site status --all-caches --site=$stale" "$ONLINE"
  wait_push_ok "$keep" "$stale"
  # "If an error is reported, repeat the state transfer for that specific
  # cache": the per-cache form prints nothing; then wait again.
  run "$keep" "site push-site-state --cache=sessions --site=$stale" ""
  wait_push_ok "$keep" "$stale"
  for c in "${CACHES[@]}"; do run "$keep" "site clear-push-site-status --cache=$c" $'"ok"\n'; done
}

# Seed 000, chapter 11: site-b is the stale secondary.
resync site-b site-a
assert_sites_equal "seed 000's chapter 11"
for c in "${CACHES[@]}"; do
  has site-b "$c" a-1 refreshed   # site-a's state won
  has site-b "$c" a-2 ""
  has site-b "$c" b2-0 ""
  has site-b "$c" a-0 user-a-0
done
run site-b "get --cache=sessions a-1" $'refreshed\n'
cli site-b 1 -c "get --cache=sessions a-2"
[ "$OUT" = "Not Found: " ] || fail "get of a removed key printed [$OUT]"
ok

# Seed 003, chapter 10: switch over to site-b.
run site-b "site take-offline --all-caches --site=site-a" "$ALL_OK"
run site-b "site status --all-caches --site=site-a" "$OFFLINE"
: >"$TMP/switch"
for c in "${CACHES[@]}"; do printf 'put --cache=%s b3-0 after-switch-over\nremove --cache=%s a-3\n' "$c" "$c" >>"$TMP/switch"; done
batch site-b 0 "$TMP/switch"

# Chapter 12: switch back - site-a is the stale one now.
resync site-a site-b
assert_sites_equal "seed 003's chapter 12"
for c in "${CACHES[@]}"; do
  has site-a "$c" b3-0 after-switch-over
  has site-a "$c" a-3 ""
done
run site-a "get --cache=work b3-0" $'after-switch-over\n'

# Chapter 16: the Batch CR's config, as cli.sh --file runs it.
printf 'site take-offline --all-caches --site=site-a\nsite status --all-caches --site=site-a\n' >"$TMP/batch-cr"
batch site-b 0 "$TMP/batch-cr"
[ "$OUT"$'\n' = "$ALL_OK$OFFLINE" ] || fail "the Batch CR printed [$OUT]"
ok

# ------------------------------------------------------------------------
# Acceptance 2: a failing batch stops there with exit 1; a clean one exits 0.

printf 'site name\nsite take-offline --cache=nosuch --site=site-b\nsite view\n' >"$TMP/failing"
batch site-a 1 "$TMP/failing"
WANT="site-a
Not Found: ISPN012010: Cache with name 'nosuch' not found amongst the configured caches
Batch error: $TMP/failing, line 2: 'site take-offline --cache=nosuch --site=site-b'"
[ "$OUT" = "$WANT" ] || fail "the failing batch printed [$OUT], want [$WANT]"
ok
printf '# a clean batch\nsite name\n\nsite view\nsite status --all-caches --site=site-b\n' >"$TMP/clean"
batch site-a 0 "$TMP/clean"
[ "$OUT"$'\n' = $'site-a\n[site-a, site-b]\n'"$ONLINE" ] || fail "the clean batch printed [$OUT]"
ok

# The server stops cleanly (exit 0; under ASan: no leaks).
stop_server
echo "cli_serve: $PASSED checks passed"
