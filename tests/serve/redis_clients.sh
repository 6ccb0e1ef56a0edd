#!/usr/bin/env bash
# redis_clients.sh - acceptance 2 of issue 3: real Redis clients against
# `xsim serve --preset resp-xsite` (respCache backs up SYNC to the other
# site, so every write below crosses sites):
#   * redis-cli one-shots with -e (exit status 0, or 1 on an error reply),
#     on the dedicated RESP port and on the single port (AUTH first, so
#     Infinispan's detector picks RESP);
#   * redis-cli fed on stdin (one command per line), and --pipe (a mass
#     insert pipelined in one stream);
#   * redis-benchmark -t set,get,incr,lpush,rpush,lpop,rpop,sadd,hset with
#     --user/-a, every test completing without an error;
#   * Python's redis client.  Debian 12's python3-redis (4.3) speaks RESP2
#     only, so that server runs with --resp-protocol auto (RESP2 framing
#     until a HELLO 3); with the default strict RESP3 it fails on the first
#     null or map, as it would against a real Data Grid server - asserted.
#
# usage: XSIM=build/harness/xsim [PYTHON=/usr/bin/python3] redis_clients.sh
source "$(dirname "$0")/lib.sh"
PYTHON=${PYTHON:-/usr/bin/python3}

rcli() { # PORT ARGS...: redis-cli as the admin, bounded in time
  local port=$1
  shift
  timeout 20 redis-cli -p "$port" --user developer --pass strong-password --no-auth-warning "$@"
}

# expect_cli WANT_STATUS WANT_OUTPUT PORT ARGS...
expect_cli() {
  local want_rc=$1 want=$2 port=$3
  shift 3
  local out rc=0
  out=$(rcli "$port" -e "$@" 2>&1) || rc=$?
  [ "$rc" = "$want_rc" ] && [ "$out" = "$want" ] || fail "redis-cli -e $*: got $rc '$out', want $want_rc '$want'"
  ok
}

# The real clock, sped up: a SYNC write holds its key's lock for the 2 ms
# backup round trip, so 20 clients on redis-benchmark's one key make 500
# writes per second at --time-scale 1.
start_server --preset resp-xsite --clock real --time-scale 1000 --listen site-a=127.0.0.1:0 --listen site-b=127.0.0.1:0 \
  --resp site-a=127.0.0.1:0 --resp site-b=127.0.0.1:0
RA=${RESP_PORT[site-a]}
RB=${RESP_PORT[site-b]}

# --- one-shots ---------------------------------------------------------------
expect_cli 0 OK "$RA" SET greeting hello
expect_cli 0 hello "$RB" GET greeting          # backed up to site-b
expect_cli 0 hello "${PORT[site-b]}" GET greeting # the single port, RESP detected
expect_cli 0 "" "$RA" GET missing
expect_cli 0 6 "$RA" APPEND greeting '!'
expect_cli 1 "ERR value is not an integer or out of range" "$RA" INCR greeting
expect_cli 1 "ERR unknown command" "$RA" NOSUCHCOMMAND
expect_cli 1 "ERR wrong number of arguments for 'get' command" "$RA" GET
expect_cli 0 PONG "$RA" PING
expect_cli 0 2 "$RA" RPUSH list a b
expect_cli 0 "$(printf 'a\nb')" "$RB" LRANGE list 0 -1
out=$(timeout 20 redis-cli -p "$RA" --user developer --pass wrong --no-auth-warning -e GET greeting 2>&1) && fail "wrong password accepted: $out"
contains "$out" "WRONGPASS invalid username-password pair or user is disabled." "wrong password"

# --- stdin, one command per line ------------------------------------------
out=$(printf 'HELLO 3\nSELECT respCache\nDEL greeting list\nSET n 10\nINCRBY n 5\nHSET h f1 v1 f2 v2\nHGETALL h\nSADD s x y x\nSCARD s\nEXISTS n h s nope\nDBSIZE\nQUIT\n' |
  rcli "$RA" | tr '\n' '|')
contains "$out" "|OK|2|OK|15|2|" "stdin session"
contains "$out" "|f1 v1|f2 v2|2|2|3|3|" "stdin session: hash, set, exists, dbsize"
[ "$(rcli "$RB" GET n)" = 15 ] || fail "INCRBY not backed up to site-b"
ok

# --- --pipe: 2,000 SETs in one pipelined stream -----------------------------
for i in $(seq 2000); do printf '*3\r\n$3\r\nSET\r\n$%d\r\npipe:%d\r\n$1\r\nv\r\n' $((5 + ${#i})) "$i"; done >"$TMP/pipe"
out=$(rcli "$RA" --pipe <"$TMP/pipe" 2>&1)
contains "$out" "errors: 0, replies: 2000" "redis-cli --pipe"
[ "$(rcli "$RB" GET pipe:2000)" = v ] || fail "pipelined SET not on site-b"
ok

# --- redis-benchmark --------------------------------------------------------
TESTS=set,get,incr,lpush,rpush,lpop,rpop,sadd,hset
out=$(timeout 120 redis-benchmark -p "$RA" --user developer -a strong-password -n 2000 -c 20 -q -t "$TESTS" 2>&1)
echo "$out" | tr '\r' '\n' | grep 'requests per second' >&2 || true
for t in SET GET INCR LPUSH RPUSH LPOP RPOP SADD HSET; do
  echo "$out" | tr '\r' '\n' | grep -q "^$t: [0-9.]* requests per second" || fail "redis-benchmark $t: $out"
  ok
done
case "$out" in *rror*) fail "redis-benchmark reported an error: $out" ;; esac
v=$(rcli "$RA" GET key:__rand_int__)
[ -n "$v" ] && [ "$(rcli "$RB" GET key:__rand_int__)" = "$v" ] || fail "benchmark SET not on site-b"
ok
[ "$(rcli "$RA" SCARD myset)" = 1 ] && [ "$(rcli "$RB" SCARD myset)" = 1 ] || fail "SADD myset"
ok
stop_server

# --- Python's redis client ---------------------------------------------------
"$PYTHON" -c 'import redis' 2>/dev/null || fail "$PYTHON cannot import redis (Debian python3-redis)"
start_server --preset resp-xsite --clock manual --resp-protocol auto --listen site-a=127.0.0.1:0 \
  --listen site-b=127.0.0.1:0 --resp site-a=127.0.0.1:0
cat >"$TMP/client.py" <<'PY'
import sys
import redis

a = redis.Redis(host="127.0.0.1", port=int(sys.argv[1]), username="developer", password="strong-password",
                socket_timeout=20, decode_responses=True)
b = redis.Redis(host="127.0.0.1", port=int(sys.argv[2]), username="developer", password="strong-password",
                socket_timeout=20, decode_responses=True)  # site-b's single port: AUTH first, RESP detected
checks = [
    (a.ping(), True),
    (a.set("user:1", "alice"), True),
    (b.get("user:1"), "alice"),
    (a.get("nope"), None),
    (a.incr("visits"), 1),
    (a.incrby("visits", 41), 42),
    (a.set("tmp", "x", ex=100), True),
    (0 < a.ttl("tmp") <= 100, True),
    (a.hset("h", mapping={"f1": "v1", "f2": "v2"}), 2),
    (b.hgetall("h"), {"f1": "v1", "f2": "v2"}),
    (a.rpush("l", "x", "y", "z"), 3),
    (a.lpop("l"), "x"),
    (b.lrange("l", 0, -1), ["y", "z"]),
    (a.sadd("s", "m1", "m2"), 2),
    (b.smembers("s"), {"m1", "m2"}),
    (a.exists("user:1", "h", "missing"), 2),
    (a.delete("user:1"), 1),
    (b.get("user:1"), None),
]
p = a.pipeline(transaction=False)
for i in range(100):
    p.set("p:%d" % i, i)
checks.append((p.execute(), [True] * 100))
checks.append((b.get("p:99"), "99"))
# CLIENT LIST and INFO clients see every connection of the endpoint.
a2 = redis.Redis(host="127.0.0.1", port=int(sys.argv[1]), username="developer", password="strong-password",
                 socket_timeout=20, decode_responses=True)
checks.append((a2.client_setname("second-conn"), True))
names = [c.get("name") for c in a.client_list()]
checks.append(("second-conn" in names and len(names) >= 2, True))
checks.append((a.info("clients")["connected_clients"] >= 2, True))
a2.close()
try:
    a.incr("h")
    checks.append(("no error", "WRONGTYPE"))
except redis.exceptions.ResponseError as e:
    checks.append((str(e).split(" ")[0], "WRONGTYPE"))
bad = 0
for i, (got, want) in enumerate(checks):
    if got != want:
        print("check %d: got %r, want %r" % (i, got, want), file=sys.stderr)
        bad += 1
print(len(checks) - bad)
sys.exit(1 if bad else 0)
PY
n=$(timeout 60 "$PYTHON" "$TMP/client.py" "${RESP_PORT[site-a]}" "${PORT[site-b]}") || fail "python redis client"
PASSED=$((PASSED + n))
stop_server

# Strict RESP3 (the default, as Infinispan): the RESP2-only client cannot
# read a null reply.
start_server --preset resp-xsite --clock manual --listen site-a=127.0.0.1:0 --listen site-b=127.0.0.1:0
out=$(timeout 60 "$PYTHON" - "${PORT[site-a]}" <<'PY' 2>&1 || true
import sys
import redis
r = redis.Redis(host="127.0.0.1", port=int(sys.argv[1]), username="developer", password="strong-password",
                socket_timeout=20)
try:
    r.get("missing")
    print("read a RESP3 null")
except redis.exceptions.RedisError as e:
    print("refused:", type(e).__name__)
PY
)
contains "$out" "refused:" "python3-redis against strict RESP3"
stop_server
finish
