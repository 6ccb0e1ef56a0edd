#!/usr/bin/env bash
# cli_tmux_test.sh - the interactive `xsim cli` shell on a real terminal
# (tmux): connect without credentials, answer the "Username: " and
# "Password: " prompts the 401 brings (the password not echoed), run
# `site status --all-caches --site=site-b`, run it again from the history
# with the Up arrow, disconnect, connect again from inside the shell (asked
# again), quit - and compare the captured pane with what the Data Grid CLI
# shows.
#
# usage: cli_tmux_test.sh XSIM EXPECTED_PANE_FILE stub PYTHON STUB
#        cli_tmux_test.sh XSIM EXPECTED_PANE_FILE serve
#   The server (the Python stub, or `xsim serve` - seed 000's world, its
#   default account, the shell on site-a)
#   is started here, asks for credentials with a 401, and is stopped at the
#   end.  EXPECTED_PANE_FILE holds the pane as it should read, with
#   trailing blanks and blank lines dropped.
set -euo pipefail
XSIM=$1 EXPECTED=$2 MODE=$3

WAIT_S=10              # the longest any step may take to show on the pane
SOCK=xsim-cli-test-$$  # a tmux server of our own, never the user's
WORK=$(mktemp -d)
SERVER_PID=
tmx() { tmux -L "$SOCK" "$@"; }
cleanup() {
  tmx kill-server 2>/dev/null || true
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

fail() {
  echo "FAIL: $*" >&2
  echo "--- pane:" >&2
  pane >&2 || true
  exit 1
}

# The pane's text: trailing blanks and blank lines dropped, the server's
# port (free, so different each run) as PORT.
pane() { tmx capture-pane -p -t cli | sed -e 's/[[:space:]]*$//' -e 's/127\.0\.0\.1:[0-9]*/127.0.0.1:PORT/g' | sed -e '/^$/d'; }

# Waits until the pane's last line is $1 (its end when $2 is "suffix").
wait_last() {
  local deadline=$((SECONDS + WAIT_S)) last
  while [ $SECONDS -lt $deadline ]; do
    last=$(pane | tail -n 1)
    if [ "$last" = "$1" ] || { [ "${2:-}" = suffix ] && [[ "$last" == *"$1" ]]; }; then return 0; fi
    sleep 0.1
  done
  fail "the pane never ended with [$1]"
}

# Waits for a file to hold a line matching $2; prints the match.
wait_line() {
  local deadline=$((SECONDS + WAIT_S))
  while [ $SECONDS -lt $deadline ]; do
    if grep -m1 -E "$2" "$1" 2>/dev/null; then return 0; fi
    sleep 0.05
  done
  echo "FAIL: no line like [$2] in $1" >&2
  cat "$1" >&2 || true
  exit 1
}

case "$MODE" in
  stub)
    "$4" "$5" --auth digest --max-seconds 120 >"$WORK/server.out" &
    SERVER_PID=$!
    URL=http://127.0.0.1:$(wait_line "$WORK/server.out" '^PORT ' | awk '{print $2}')
    USER_NAME=developer PASSWORD=secret
    ;;
  serve)
    # Seed 000's world on free ports; the shell connects to site-a.
    "$XSIM" serve --seed 0x1af28cff71e8a198 --clock manual --quiet \
      --listen site-a=127.0.0.1:0 --listen site-b=127.0.0.1:0 >"$WORK/server.out" 2>"$WORK/server.err" &
    SERVER_PID=$!
    wait_line "$WORK/server.out" '^xsim serve: ready' >/dev/null
    URL=http://$(wait_line "$WORK/server.out" '^site-a http\+resp ' | awk '{print $3}')
    USER_NAME=developer PASSWORD=strong-password
    ;;
  *) echo "usage: $0 XSIM EXPECTED_PANE_FILE stub PYTHON STUB | serve" >&2; exit 2 ;;
esac

# A wide pane, so that no line wraps; TERM as a terminal would set it.
tmx -f /dev/null new-session -d -s cli -x 160 -y 50 \
  "env TERM=screen XSIM_CLI_HISTORY= $XSIM cli --connect $URL; echo EXIT=\$?; sleep $((WAIT_S * 3))"

wait_last "Username:"
tmx send-keys -t cli "$USER_NAME" Enter
wait_last "Password:"
tmx send-keys -t cli "$PASSWORD" Enter
wait_last "]>" suffix
PROMPT=$(pane | tail -n 1)
tmx send-keys -t cli 'site status --all-caches --site=site-b' Enter
wait_last "$PROMPT"
# History: Up brings the last line back, Enter runs it again.
tmx send-keys -t cli Up
wait_last "$PROMPT site status --all-caches --site=site-b"
tmx send-keys -t cli Enter
wait_last "$PROMPT"
# disconnect, then connect again from inside the shell: the 401 asks again.
tmx send-keys -t cli 'disconnect' Enter
wait_last "[disconnected]>"
tmx send-keys -t cli "connect $URL" Enter
wait_last "Username:"
tmx send-keys -t cli "$USER_NAME" Enter
wait_last "Password:"
tmx send-keys -t cli "$PASSWORD" Enter
wait_last "$PROMPT"
tmx send-keys -t cli 'quit' Enter
wait_last "EXIT=0"

pane >"$WORK/pane"
if ! diff -u "$EXPECTED" "$WORK/pane"; then fail "the pane differs from $EXPECTED"; fi
if grep -q -- "$PASSWORD" "$WORK/pane"; then fail "the password was echoed"; fi
echo "ok - interactive shell: password prompt, site status, history (Up), disconnect, connect, quit"
