#!/usr/bin/env bash
# redis_compare.sh - issue 3's acceptance 6: redis-benchmark SET and GET,
# unpipelined and with -P 16, against the dedicated RESP port of an
# `xsim serve --preset resp-xsite` site (every SET is backed up SYNC to the
# other site before it is answered) and against a redis-server started here
# in the same run (loopback, no persistence), then the ratios xsim/redis
# against the targets (>= 1.0x unpipelined, >= 0.8x pipelined).  On demand
# only (meson test --benchmark, ./run bench, or directly); never in the test
# suite.  Stops everything it starts; every client run is bounded.
#
# usage: redis_compare.sh XSIM
# env:   BENCH_REQUESTS (500000)  requests per redis-benchmark run
#        BENCH_CLIENTS (50)       connections (redis-benchmark's default)
#        BENCH_ROUNDS (3)         rounds; xsim and redis alternate within a
#                                 round so both see the same machine load;
#                                 the median of the rounds is reported
#        BENCH_CLOCK (manual)     xsim's clock: manual lets each request
#                                 drive simulated time (the 1 ms simulated
#                                 link latency costs no wall time); real
#                                 makes every SET wait its 2 ms simulated
#                                 round trip on the wall
#        REDIS_SERVER, REDIS_BENCHMARK, REDIS_CLI   the programs (from PATH)
set -euo pipefail

XSIM=${1:?usage: redis_compare.sh XSIM}
REQUESTS=${BENCH_REQUESTS:-500000}
CLIENTS=${BENCH_CLIENTS:-50}
ROUNDS=${BENCH_ROUNDS:-3}
CLOCK=${BENCH_CLOCK:-manual}
REDIS_SERVER=${REDIS_SERVER:-redis-server}
REDIS_BENCHMARK=${REDIS_BENCHMARK:-redis-benchmark}
REDIS_CLI=${REDIS_CLI:-redis-cli}
RUN_BOUND_S=120 # the most one redis-benchmark run may take
USER_PASS=(--user developer -a strong-password) # xsim serve's default admin

for p in "$REDIS_SERVER" "$REDIS_BENCHMARK" "$REDIS_CLI"; do
  command -v "$p" >/dev/null || { echo "redis_compare: $p not found (Debian: redis-server, redis-tools)" >&2; exit 1; }
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/xsim-redis-bench.XXXXXX")
XSIM_PID= REDIS_PID=
cleanup() {
  for pid in $XSIM_PID $REDIS_PID; do
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# A loopback port free now: redis-server cannot pick one itself (port 0
# turns TCP off), so ask the kernel through a throwaway bind.
free_port() {
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

wait_for() { # WHAT COMMAND...: retries for at most 10 s
  local what=$1 i
  shift
  for i in $(seq 100); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "redis_compare: $what not ready within 10 s" >&2
  exit 1
}

start_xsim() {
  "$XSIM" serve --preset resp-xsite --listen site-a=127.0.0.1:0 --listen site-b=127.0.0.1:0 \
    --resp site-a=127.0.0.1:0 --resp-protocol auto --clock "$CLOCK" --quiet \
    >"$WORK/xsim.out" 2>"$WORK/xsim.err" &
  XSIM_PID=$!
  wait_for "xsim serve" grep -q '^xsim serve: ready' "$WORK/xsim.out"
  XSIM_PORT=$(awk '$1 == "site-a" && $2 == "resp" { n = split($3, a, ":"); print a[n] }' "$WORK/xsim.out")
  [ -n "$XSIM_PORT" ] || { echo "redis_compare: no RESP port in the banner" >&2; exit 1; }
}

start_redis() {
  REDIS_PORT=$(free_port)
  "$REDIS_SERVER" --bind 127.0.0.1 --port "$REDIS_PORT" --save '' --appendonly no \
    --daemonize no --logfile "$WORK/redis.log" --dir "$WORK" &
  REDIS_PID=$!
  wait_for "redis-server" "$REDIS_CLI" -p "$REDIS_PORT" ping
}

# run TARGET PIPELINE ROUND: one redis-benchmark run of SET and GET; the
# requests/s go to $WORK/TARGET.PIPELINE.TEST (one line per round).
run() {
  local target=$1 pipe=$2 port auth=()
  if [ "$target" = xsim ]; then port=$XSIM_PORT auth=("${USER_PASS[@]}"); else port=$REDIS_PORT; fi
  timeout "$RUN_BOUND_S" "$REDIS_BENCHMARK" -h 127.0.0.1 -p "$port" "${auth[@]}" -t set,get \
    -n "$REQUESTS" -c "$CLIENTS" -P "$pipe" --csv >"$WORK/out.csv" 2>"$WORK/bench.err" ||
    { echo "redis_compare: redis-benchmark against $target failed: $(tail -n 3 "$WORK/bench.err")" >&2; exit 1; }
  local test rps
  while IFS=, read -r test rps _; do
    test=${test//\"/} rps=${rps//\"/}
    case "$test" in SET | GET) echo "$rps" >>"$WORK/$target.$pipe.$test" ;; esac
  done <"$WORK/out.csv"
}

median() { sort -g "$1" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

start_xsim
start_redis
echo "redis_compare: xsim $("$XSIM" version 2>/dev/null | head -n 1) on 127.0.0.1:$XSIM_PORT (resp-xsite, clock $CLOCK," \
  "RESP port of site-a); $("$REDIS_SERVER" --version | cut -d' ' -f1-3) on 127.0.0.1:$REDIS_PORT"
echo "redis_compare: $REQUESTS requests, $CLIENTS clients, $ROUNDS rounds, median of the rounds"
for round in $(seq "$ROUNDS"); do
  for pipe in 1 16; do
    run xsim "$pipe"
    run redis "$pipe"
  done
done
# The writes really were backed up: site-b holds what site-a's SETs wrote.
SITE_B=$(awk '$1 == "site-b" && $2 == "http+resp" { n = split($3, a, ":"); print a[n] }' "$WORK/xsim.out")
B_SIZE=$(printf 'AUTH developer strong-password\r\nDBSIZE\r\n' |
  timeout 10 "$REDIS_CLI" -p "$SITE_B" 2>/dev/null | tail -n 1)
echo "redis_compare: site-b DBSIZE after the runs: $B_SIZE (redis-benchmark writes one key, key:__rand_int__)"

printf '\n%-6s %-9s %14s %14s %8s %8s\n' test pipeline 'xsim req/s' 'redis req/s' ratio target
for pipe in 1 16; do
  for test in SET GET; do
    x=$(median "$WORK/xsim.$pipe.$test")
    r=$(median "$WORK/redis.$pipe.$test")
    target=$([ "$pipe" = 1 ] && echo 1.0 || echo 0.8)
    ratio=$(awk -v x="$x" -v r="$r" 'BEGIN { printf "%.2f", x / r }')
    met=$(awk -v q="$ratio" -v t="$target" 'BEGIN { print (q >= t) ? "met" : "NOT met" }')
    printf '%-6s %-9s %14.0f %14.0f %7sx %5sx %s\n' "$test" "$([ "$pipe" = 1 ] && echo none || echo "-P $pipe")" \
      "$x" "$r" "$ratio" "$target" "$met"
    printf '  rounds: xsim %s; redis %s\n' "$(paste -sd' ' "$WORK/xsim.$pipe.$test")" \
      "$(paste -sd' ' "$WORK/redis.$pipe.$test")"
  done
done
