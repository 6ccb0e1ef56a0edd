# lib.sh - shared by the `xsim serve` integration tests (sourced): start a
# server on free loopback ports (port 0, then read the banner), call it with
# curl or `xsim cli`, count checks, and always stop it - by SIGTERM, checking
# that it exits 0 (under ASan that also means no leak) - whatever happens.
# Sourced by tests/serve/*.sh and by tests/cli_serve_test.sh,
# tests/state_serve_test.sh and tests/target_test.sh (which set XSIM from
# their first argument before sourcing).
set -euo pipefail

XSIM=${XSIM:?set XSIM to the xsim executable}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/xsim-serve-test.XXXXXX")
SERVER_PID=""
PASSED=0
CRED="developer:strong-password"
declare -A PORT=() RESP_PORT=()

# Bounds and diagnostics a script may change after sourcing; the defaults
# are what tests/serve/*.sh have always used.
SERVE_START_BOUND_S=20 # the most `xsim serve` may take to print its banner
CURL_MAX_TIME_S=20     # the most one curl run of call or rest may take
CLI_BOUND_S=60         # the most one xsim_cli run may take
FAIL_LOGS=()           # files in $TMP whose tails fail shows before the server's stderr

cleanup() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -KILL "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$TMP"
}
trap cleanup EXIT

fail() {
  echo "FAIL: $*" >&2
  local f
  for f in "${FAIL_LOGS[@]}"; do
    if [ -f "$TMP/$f" ]; then echo "--- $f (tail)" >&2; tail -n 60 "$TMP/$f" >&2; fi
  done
  if [ -f "$TMP/server.err" ]; then echo "--- server stderr (tail)" >&2; tail -n 20 "$TMP/server.err" >&2; fi
  echo "$PASSED passed, 1 failed"
  exit 1
}

ok() { PASSED=$((PASSED + 1)); }

# start_server ARGS...: runs `xsim serve ARGS` and waits (at most
# SERVE_START_BOUND_S) for its banner; fills PORT[site] (single port) and
# RESP_PORT[site], and fails unless every `--listen SITE=...` got a port.
start_server() {
  # Fresh files first: the child truncates them only once it runs, and an
  # earlier server's banner must not be read as this one's.
  rm -f "$TMP/server.out" "$TMP/server.err"
  : >"$TMP/server.out"
  "$XSIM" serve "$@" >"$TMP/server.out" 2>"$TMP/server.err" &
  SERVER_PID=$!
  local i
  for i in $(seq $((SERVE_START_BOUND_S * 10))); do
    grep -q '^xsim serve: ready' "$TMP/server.out" 2>/dev/null && break
    kill -0 "$SERVER_PID" 2>/dev/null || fail "xsim serve exited at start: $(cat "$TMP/server.err")"
    sleep 0.1
  done
  grep -q '^xsim serve: ready' "$TMP/server.out" || fail "no banner after $SERVE_START_BOUND_S s"
  local site kind addr
  while read -r site kind addr; do
    case "$kind" in
      http+resp) PORT[$site]=${addr##*:} ;;
      resp) RESP_PORT[$site]=${addr##*:} ;;
    esac
  done < <(grep -E '^[^ ]+ (http\+resp|resp) [^ ]+:[0-9]+$' "$TMP/server.out")
  # A missing port would otherwise surface later as an unbound variable.
  local arg prev=""
  for arg in "$@"; do
    if [ "$prev" = --listen ]; then
      [ -n "${PORT[${arg%%=*}]:-}" ] || fail "no port for ${arg%%=*} in the banner"
    fi
    prev=$arg
  done
}

# stop_server: SIGTERM, at most 20 s to exit, exit status 0.
stop_server() {
  kill -TERM "$SERVER_PID"
  local i
  for i in $(seq 200); do
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.1
  done
  kill -0 "$SERVER_PID" 2>/dev/null && fail "xsim serve did not stop within 20 s of SIGTERM"
  local rc=0
  wait "$SERVER_PID" || rc=$?
  SERVER_PID=""
  [ "$rc" -eq 0 ] || fail "xsim serve exited $rc after SIGTERM"
  grep -q '^xsim serve: stopped' "$TMP/server.err" || fail "no shutdown line"
  ok
}

# call METHOD SITE PATH [curl options...]: sets STATUS, BODY, CTYPE.
call() {
  local method=$1 site=$2 path=$3
  shift 3
  local meta
  meta=$(curl -s --max-time "$CURL_MAX_TIME_S" -X "$method" -o "$TMP/body" -w '%{http_code} %{content_type}' "$@" \
    "http://127.0.0.1:${PORT[$site]}$path") || fail "curl $method $path failed"
  STATUS=${meta%% *}
  CTYPE=${meta#* }
  BODY=$(cat "$TMP/body")
}

# url SITE: the base URL of SITE's single port.
url() { echo "http://127.0.0.1:${PORT[$1]}"; }

# rest SITE METHOD PATH [curl options...]: as admin (Basic, unless the
# options say e.g. --anyauth), the body on stdout; a transport error or an
# HTTP error status fails.
rest() {
  local site=$1 method=$2 path=$3
  shift 3
  curl -sf --max-time "$CURL_MAX_TIME_S" -u "$CRED" -X "$method" "$@" "$(url "$site")$path" ||
    fail "curl $method $path on $site"
}

# xsim_cli SITE ARGS...: `xsim cli ARGS` as admin against SITE, killed after
# CLI_BOUND_S; sets CLI_RC and OUT (its stdout, which $TMP/cli.out holds
# byte for byte; its stderr is in $TMP/cli.err).
xsim_cli() {
  local site=$1
  shift
  CLI_RC=0
  timeout "$CLI_BOUND_S" "$XSIM" cli --trustall --connect "$(url "$site")" -u "${CRED%%:*}" -p "${CRED#*:}" \
    "$@" >"$TMP/cli.out" 2>"$TMP/cli.err" || CLI_RC=$?
  OUT=$(cat "$TMP/cli.out")
}

# expect METHOD SITE PATH STATUS BODY [curl options...]: as admin, exact body.
expect() {
  local method=$1 site=$2 path=$3 status=$4 body=$5
  shift 5
  call "$method" "$site" "$path" -u "$CRED" "$@"
  [ "$STATUS" = "$status" ] && [ "$BODY" = "$body" ] ||
    fail "$method $site $path: got $STATUS '$BODY', want $status '$body'"
  ok
}

# contains HAYSTACK NEEDLE WHAT
contains() {
  case "$1" in
    *"$2"*) ok ;;
    *) fail "$3: '$2' not in '$1'" ;;
  esac
}

# time_ms SITE: the simulation's virtual time.
time_ms() {
  call GET "$1" /sim/v1/state -u "$CRED"
  [ "$STATUS" = 200 ] || fail "GET /sim/v1/state: $STATUS"
  local t=${BODY#\{\"time_ms\":}
  echo "${t%%,*}"
}

finish() {
  echo "$PASSED passed, 0 failed"
}
