# lib.sh - shared by the `xsim serve` integration tests (sourced): start a
# server on free loopback ports (port 0, then read the banner), call it with
# curl, count checks, and always stop it - by SIGTERM, checking that it
# exits 0 (under ASan that also means no leak) - whatever happens.
set -euo pipefail

XSIM=${XSIM:?set XSIM to the xsim executable}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/xsim-serve-test.XXXXXX")
SERVER_PID=""
PASSED=0
CRED="developer:strong-password"
declare -A PORT=() RESP_PORT=()

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
  if [ -f "$TMP/server.err" ]; then echo "--- server stderr (tail)" >&2; tail -n 20 "$TMP/server.err" >&2; fi
  echo "$PASSED passed, 1 failed"
  exit 1
}

ok() { PASSED=$((PASSED + 1)); }

# start_server ARGS...: runs `xsim serve ARGS` and waits (at most 20 s) for
# its banner; fills PORT[site] (single port) and RESP_PORT[site].
start_server() {
  # Fresh files first: the child truncates them only once it runs, and an
  # earlier server's banner must not be read as this one's.
  rm -f "$TMP/server.out" "$TMP/server.err"
  : >"$TMP/server.out"
  "$XSIM" serve "$@" >"$TMP/server.out" 2>"$TMP/server.err" &
  SERVER_PID=$!
  local i
  for i in $(seq 200); do
    grep -q '^xsim serve: ready' "$TMP/server.out" 2>/dev/null && break
    kill -0 "$SERVER_PID" 2>/dev/null || fail "xsim serve exited at start: $(cat "$TMP/server.err")"
    sleep 0.1
  done
  grep -q '^xsim serve: ready' "$TMP/server.out" || fail "no banner after 20 s"
  local site kind addr
  while read -r site kind addr; do
    case "$kind" in
      http+resp) PORT[$site]=${addr##*:} ;;
      resp) RESP_PORT[$site]=${addr##*:} ;;
    esac
  done < <(grep -E '^[^ ]+ (http\+resp|resp) [^ ]+:[0-9]+$' "$TMP/server.out")
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
  meta=$(curl -s --max-time 20 -X "$method" -o "$TMP/body" -w '%{http_code} %{content_type}' "$@" \
    "http://127.0.0.1:${PORT[$site]}$path") || fail "curl $method $path failed"
  STATUS=${meta%% *}
  CTYPE=${meta#* }
  BODY=$(cat "$TMP/body")
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
