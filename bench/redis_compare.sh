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
#        BENCH_ROUNDS (9)         rounds; in each, xsim and redis back to
#                                 back (taking turns to go first), so that
#                                 both see the same machine load; reported:
#                                 each side's best and median, and the
#                                 median of the rounds' own xsim/redis ratios
#                                 (the verdict), which holds up best on a
#                                 machine shared with other work
#        BENCH_KEYSPACE ()        redis-benchmark -r N: random keys out of N;
#                                 unset, every SET and GET is on one key
#                                 (redis-benchmark's default)
#        BENCH_PIN (1)            with 2+ CPUs, both servers on CPU 0 and
#                                 redis-benchmark on CPU 1 (taskset), so
#                                 that client and server do not trade places
#        BENCH_CLOCK (manual)     xsim's clock: manual lets each request
#                                 drive simulated time (the 1 ms simulated
#                                 link latency costs no wall time); real
#                                 makes every SET wait its 2 ms simulated
#                                 round trip on the wall
#        REDIS_SERVER, REDIS_BENCHMARK, REDIS_CLI   the programs (from PATH)
set -euo pipefail

XSIM=${1:?usage: redis_compare.sh XSIM}
REQUESTS=${BENCH_REQUESTS:-200000}
CLIENTS=${BENCH_CLIENTS:-50}
ROUNDS=${BENCH_ROUNDS:-9}
PIN=${BENCH_PIN:-1}
KEYSPACE=(${BENCH_KEYSPACE:+-r "$BENCH_KEYSPACE"})
CLOCK=${BENCH_CLOCK:-manual}
REDIS_SERVER=${REDIS_SERVER:-redis-server}
REDIS_BENCHMARK=${REDIS_BENCHMARK:-redis-benchmark}
REDIS_CLI=${REDIS_CLI:-redis-cli}
RUN_BOUND_S=120 # the most one redis-benchmark run may take
USER_PASS=(--user developer -a strong-password) # xsim serve's default admin

for p in "$REDIS_SERVER" "$REDIS_BENCHMARK" "$REDIS_CLI"; do
  command -v "$p" >/dev/null || { echo "redis_compare: $p not found (Debian: redis-server, redis-tools)" >&2; exit 1; }
done

SERVER_CPU=() CLIENT_CPU=()
if [ "$PIN" = 1 ] && command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then
  SERVER_CPU=(taskset -c 0) CLIENT_CPU=(taskset -c 1)
fi

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
  "${SERVER_CPU[@]}" "$XSIM" serve --preset resp-xsite --listen site-a=127.0.0.1:0 --listen site-b=127.0.0.1:0 \
    --resp site-a=127.0.0.1:0 --resp-protocol auto --clock "$CLOCK" --quiet \
    >"$WORK/xsim.out" 2>"$WORK/xsim.err" &
  XSIM_PID=$!
  wait_for "xsim serve" grep -q '^xsim serve: ready' "$WORK/xsim.out"
  XSIM_PORT=$(awk '$1 == "site-a" && $2 == "resp" { n = split($3, a, ":"); print a[n] }' "$WORK/xsim.out")
  [ -n "$XSIM_PORT" ] || { echo "redis_compare: no RESP port in the banner" >&2; exit 1; }
}

start_redis() {
  REDIS_PORT=$(free_port)
  "${SERVER_CPU[@]}" "$REDIS_SERVER" --bind 127.0.0.1 --port "$REDIS_PORT" --save '' --appendonly no \
    --daemonize no --logfile "$WORK/redis.log" --dir "$WORK" &
  REDIS_PID=$!
  wait_for "redis-server" "$REDIS_CLI" -p "$REDIS_PORT" ping
}

# run TARGET PIPELINE ROUND: one redis-benchmark run of SET and GET; the
# requests/s go to $WORK/TARGET.PIPELINE.TEST (one line per round).
run() {
  local target=$1 pipe=$2 port auth=()
  if [ "$target" = xsim ]; then port=$XSIM_PORT auth=("${USER_PASS[@]}"); else port=$REDIS_PORT; fi
  timeout "$RUN_BOUND_S" "${CLIENT_CPU[@]}" "$REDIS_BENCHMARK" -h 127.0.0.1 -p "$port" "${auth[@]}" -t set,get \
    -n "$REQUESTS" -c "$CLIENTS" -P "$pipe" "${KEYSPACE[@]}" --csv >"$WORK/out.csv" 2>"$WORK/bench.err" ||
    { echo "redis_compare: redis-benchmark against $target failed: $(tail -n 3 "$WORK/bench.err")" >&2; exit 1; }
  local test rps
  while IFS=, read -r test rps _; do
    test=${test//\"/} rps=${rps//\"/}
    case "$test" in SET | GET) echo "$rps" >>"$WORK/$target.$pipe.$test" ;; esac
  done <"$WORK/out.csv"
}

median() { sort -g "$1" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
best() { sort -g "$1" | tail -n 1; }

start_xsim
start_redis
echo "redis_compare: xsim $("$XSIM" version 2>/dev/null | head -n 1) on 127.0.0.1:$XSIM_PORT (resp-xsite, clock $CLOCK," \
  "RESP port of site-a); $("$REDIS_SERVER" --version | cut -d' ' -f1-3) on 127.0.0.1:$REDIS_PORT"
echo "redis_compare: $REQUESTS requests, $CLIENTS clients, ${BENCH_KEYSPACE:+random keys out of $BENCH_KEYSPACE, }$ROUNDS rounds${SERVER_CPU:+, servers on CPU 0 and the client on CPU 1}"
# The two servers take turns going first, so that neither always meets the
# machine as the other left it (warm caches, sockets in TIME_WAIT).
for round in $(seq "$ROUNDS"); do
  for pipe in 1 16; do
    if [ $((round % 2)) = 1 ]; then
      run xsim "$pipe"
      run redis "$pipe"
    else
      run redis "$pipe"
      run xsim "$pipe"
    fi
  done
done
# The writes really were backed up: site-b holds what site-a's SETs wrote.
SITE_B=$(awk '$1 == "site-b" && $2 == "http+resp" { n = split($3, a, ":"); print a[n] }' "$WORK/xsim.out")
B_SIZE=$(printf 'AUTH developer strong-password\r\nDBSIZE\r\n' |
  timeout 10 "$REDIS_CLI" -p "$SITE_B" 2>/dev/null | tail -n 1)
echo "redis_compare: site-b DBSIZE after the runs: $B_SIZE (site-a's SETs, backed up)"

# Ratios: best against best, and the median of the rounds' own ratios -
# each round runs xsim and redis back to back, so a round's ratio sees one
# machine load even when other work comes and goes between rounds.
printf '\n%-4s %-8s %12s %12s %10s %12s %12s %12s   %s\n' test pipeline 'xsim best' 'redis best' 'best/best' \
  'xsim median' 'redis median' 'round ratio' target
for pipe in 1 16; do
  for test in SET GET; do
    x=$WORK/xsim.$pipe.$test r=$WORK/redis.$pipe.$test
    paste -d' ' "$x" "$r" | awk '{ print $1 / $2 }' >"$WORK/ratio.$pipe.$test"
    target=$([ "$pipe" = 1 ] && echo 1.0 || echo 0.8)
    read -r bb rr met < <(awk -v b="$(best "$x")" -v rb="$(best "$r")" -v q="$(median "$WORK/ratio.$pipe.$test")" \
      -v t="$target" 'BEGIN { printf "%.2fx %.2fx %s\n", b / rb, q, (q >= t) ? "met" : "NOT met" }')
    printf '%-4s %-8s %12.0f %12.0f %10s %12.0f %12.0f %12s   >= %sx %s\n' "$test" \
      "$([ "$pipe" = 1 ] && echo none || echo "-P $pipe")" "$(best "$x")" "$(best "$r")" "$bb" \
      "$(median "$x")" "$(median "$r")" "$rr" "$target" "$met"
  done
done
echo
for pipe in 1 16; do
  for test in SET GET; do
    printf 'rounds %s -P %-2s xsim:  %s\n' "$test" "$pipe" "$(paste -sd' ' "$WORK/xsim.$pipe.$test")"
    printf 'rounds %s -P %-2s redis: %s\n' "$test" "$pipe" "$(paste -sd' ' "$WORK/redis.$pipe.$test")"
  done
done
