#!/usr/bin/env bash
# cli_program_test.sh - `xsim cli` as a program, over loopback, against the
# Python stub server (cli_stub_server.py): -c and --file / -f - with their
# exit statuses (a failing batch line stops the batch and exits 1, a clean
# batch exits 0), credentials from -u/-p and from the URL, a 401 without
# credentials on a non-terminal, connection refused, a server that accepts
# but never answers, and bad arguments - each failure one line, exit 1,
# within a bounded time.
#
# usage: cli_program_test.sh XSIM PYTHON STUB
set -euo pipefail
XSIM=$1 PYTHON=$2 STUB=$3

TIMEOUT_MS=1000   # --timeout for the hanging server
BOUND_S=5         # the most any failing invocation may take
WORK=$(mktemp -d)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok - $*"; }

# Starts the stub with the given auth mode; sets PORT.
start_stub() {
  "$PYTHON" "$STUB" --auth "$1" --max-seconds 120 >"$WORK/stub.port" &
  PIDS+=($!)
  for _ in $(seq 100); do [ -s "$WORK/stub.port" ] && break; sleep 0.05; done
  PORT=$(awk '{print $2}' "$WORK/stub.port")
  [ -n "$PORT" ] || fail "the stub did not start"
}

# Runs xsim cli with the given arguments, bounded; sets RC, OUT, ERR, TOOK_MS.
run_cli() {
  local t0 t1
  t0=$(date +%s%N)
  set +e
  timeout "$((BOUND_S + 5))" "$XSIM" cli "$@" <"${STDIN_FILE:-/dev/null}" >"$WORK/out" 2>"$WORK/err"
  RC=$?
  set -e
  t1=$(date +%s%N)
  TOOK_MS=$(((t1 - t0) / 1000000))
  OUT=$(cat "$WORK/out")
  ERR=$(cat "$WORK/err")
}

expect() { # expect RC OUT ERR what
  [ "$RC" = "$1" ] || fail "$4: exit $RC, want $1 (out [$OUT] err [$ERR])"
  [ "$OUT" = "$2" ] || fail "$4: printed [$OUT], want [$2]"
  [ "$ERR" = "$3" ] || fail "$4: stderr [$ERR], want [$3]"
  pass "$4"
}

ONLINE=$'{\n  "status" : "online"\n}'

start_stub digest
URL=http://127.0.0.1:$PORT

run_cli --connect "$URL" -u developer -p secret -c 'site status --all-caches --site=site-b'
expect 0 "$ONLINE" "" "-c with Digest credentials"

run_cli --connect "$URL" -u developer -p secret -c 'site status --all-caches --site=site-c'
expect 1 "Not Found: Site 'site-c' not found" "" "-c with a 404 exits 1"

run_cli --connect "http://developer:secret@127.0.0.1:$PORT" --command='site view'
expect 0 "[site-a, site-b]" "" "credentials in the URL"

run_cli --connect "$URL" -c 'site view'
expect 1 "" "The supplied credentials are invalid " "401 without credentials and no terminal"

run_cli --connect "$URL" -u developer -p wrong -c 'site view'
expect 1 "" "The supplied credentials are invalid " "wrong password"

printf 'site name\n# a comment\n\nsite view\n' >"$WORK/clean.batch"
run_cli --connect "$URL" -u developer -p secret --file "$WORK/clean.batch"
expect 0 $'site-a\n[site-a, site-b]' "" "a clean batch exits 0"

printf 'site name\nsite status --all-caches --site=site-x\nsite view\n' >"$WORK/failing.batch"
run_cli --connect "$URL" -u developer -p secret --file "$WORK/failing.batch"
expect 1 $'site-a\nNot Found: Site \'site-x\' not found\nBatch error: '"$WORK/failing.batch"$', line 2: \'site status --all-caches --site=site-x\'' "" \
  "a failing batch stops at its line and exits 1"

run_cli --connect "$URL" -u developer -p secret --file "$WORK/failing.batch" --on-error=FAIL_AT_END
[ "$RC" = 1 ] && [[ "$OUT" == *"[site-a, site-b]" ]] || fail "FAIL_AT_END: exit $RC, printed [$OUT]"
pass "--on-error=FAIL_AT_END runs on and exits 1"

STDIN_FILE="$WORK/failing.batch" run_cli --connect "$URL" -u developer -p secret -f -
expect 1 $'site-a\nNot Found: Site \'site-x\' not found\nBatch error: <STDIN>, line 2: \'site status --all-caches --site=site-x\'' "" \
  "-f - reads the batch from standard input"

printf 'site frobnicate\nsite name\n' >"$WORK/parse.batch"
run_cli --connect "$URL" -u developer -p secret -f "$WORK/parse.batch"
expect 1 $'\'site frobnicate\' is not part of the site commands. See \'help site\'.\nBatch error: '"$WORK/parse.batch"$', line 1: \'site frobnicate\'' "" \
  "a malformed batch line fails fast"

run_cli -c 'site view'
expect 1 "The command is not available in the current context." "" "-c without a connection"

run_cli --connect "$URL" -u developer -p secret -f "$WORK/no-such-file"
[ "$RC" = 1 ] && [[ "$ERR" == "xsim cli: cannot read $WORK/no-such-file: No such file or directory" ]] ||
  fail "missing batch file: exit $RC, stderr [$ERR]"
pass "a missing batch file"

# Connection refused: a port nothing listens on.
FREE=$("$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
run_cli --connect "http://127.0.0.1:$FREE" -c 'site view'
expect 1 "" "Connection refused: 127.0.0.1:$FREE" "connection refused"
[ "$TOOK_MS" -lt $((BOUND_S * 1000)) ] || fail "connection refused took $TOOK_MS ms"

# A server that accepts connections (the kernel does, from the backlog) and
# never answers.
"$PYTHON" -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(8)
print(s.getsockname()[1], flush=True); time.sleep(60)' >"$WORK/hang.port" &
PIDS+=($!)
for _ in $(seq 100); do [ -s "$WORK/hang.port" ] && break; sleep 0.05; done
HANG=$(cat "$WORK/hang.port")
run_cli --connect "http://127.0.0.1:$HANG" --timeout "$TIMEOUT_MS" -c 'site view'
expect 1 "" "Read timed out: no answer from 127.0.0.1:$HANG within $TIMEOUT_MS ms" "a server that never answers"
[ "$TOOK_MS" -lt $((BOUND_S * 1000)) ] || fail "the silent server took $TOOK_MS ms"

run_cli --connect "http://nosuch.invalid:11222" --connect-timeout "$TIMEOUT_MS" -c 'site view'
[ "$RC" = 1 ] && [[ "$ERR" == "Unknown host: nosuch.invalid" || "$ERR" == "Connect timed out"* ]] ||
  fail "unknown host: exit $RC, stderr [$ERR]"
pass "unknown host"

run_cli --connect "ftp://127.0.0.1:21" -c 'site view'
expect 1 "" "Invalid connection string 'ftp://127.0.0.1:21': the protocol must be http or https" "a bad URL"

run_cli --bogus
[ "$RC" = 1 ] && [[ "$ERR" == "xsim cli: The option --bogus is unknown"* ]] || fail "bad option: exit $RC"
pass "an unknown option"

run_cli --help
[ "$RC" = 0 ] && [[ "$OUT" == "usage: xsim cli"* ]] || fail "--help: exit $RC"
pass "--help"
echo "all cli program tests passed"
