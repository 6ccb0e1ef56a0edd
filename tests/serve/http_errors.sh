#!/usr/bin/env bash
# http_errors.sh - acceptance 3 of issue 3: HTTP error cases over the socket,
# each with its exact status and body (reference infinispan-xsite.md 3.2,
# interfaces.md 2.4-2.5): unknown cache, unknown site, cache without
# backups, missing and wrong credentials (401 with one WWW-Authenticate per
# mechanism), the application role (403), malformed JSON, the parser's
# limits (413, 414, 431, 400) and more; then authentication that works
# (Basic, Digest MD5 with curl, Digest SHA-256 computed in Python, Python's
# requests), a replayed Digest header (401, stale), the anonymous health
# check, keep-alive with pipelining, Expect: 100-continue.
# The server runs the real clock, so POST /sim/v1/clock is refused with 409.
#
# usage: XSIM=build/harness/xsim [PYTHON=/usr/bin/python3] http_errors.sh
source "$(dirname "$0")/lib.sh"
PYTHON=${PYTHON:-/usr/bin/python3}

printf '# user password role\ndeveloper strong-password admin\napp app-pass application\n' >"$TMP/identities"
start_server --clock real --identities "$TMP/identities" --listen site-a=127.0.0.1:0 --listen site-b=127.0.0.1:0
A=${PORT[site-a]}
APP=(-u app:app-pass)
expect PUT site-a /rest/v2/caches/sessions/here 204 "" -H 'Content-Type: text/plain' --data-binary v
TOC=/rest/v2/caches/sessions/x-site/backups/site-b/take-offline-config
NOTFOUND="ISPN012010: Cache with name 'nope' not found amongst the configured caches"

# --- statuses and bodies from the router, through the socket ---------------
expect GET site-a /rest/v2/caches/nope/k 404 "$NOTFOUND"
expect GET site-a /rest/v2/caches/nope/x-site/backups/ 404 "$NOTFOUND"
expect POST site-a "/rest/v2/caches/nope?action=clear" 404 "$NOTFOUND"
expect POST site-a "/rest/v2/caches/sessions/x-site/backups/site-x?action=take-offline" 404 \
  "Cache 'sessions' does not backup to site 'site-x'"
expect GET site-a /rest/v2/caches/sessions/x-site/backups/site-a 404 "Cache 'sessions' does not backup to site 'site-a'"
expect GET site-a /rest/v2/container/x-site/backups/site-x 404 ""
expect GET site-a /rest/v2/caches/respCache/x-site/backups/ 404 "Cache 'respCache' does not have backup sites."
expect PUT site-a "$TOC" 400 "ISPN012031: Method requires content"
call PUT site-a "$TOC" -u "$CRED" -H 'Content-Type: application/json' --data-binary '{"after_failures":'
[ "$STATUS" = 400 ] && [[ "$BODY" == "Invalid JSON: "* ]] || fail "malformed JSON: $STATUS '$BODY'"
ok
expect PUT site-a "$TOC" 400 "ISPN012044: Missing at least one argument in '[min_wait, after_failures]'" \
  -H 'Content-Type: application/json' --data-binary '{"after_failures":3}'
expect POST site-a "/rest/v2/caches/sessions/x-site/backups/site-b/state-transfer-mode?action=set&mode=AUTO" 400 \
  "ISPN000634: Cross-site automatic state transfer is not compatible with SYNC backup strategy."
expect POST site-a /rest/v2/caches/sessions/here 409 "An entry already exists" --data-binary x
expect PUT site-a /rest/v2/caches/sessions/k 400 'For input string: "abc"' -H 'timeToLiveSeconds: abc' --data-binary v
expect POST site-a "/rest/v2/caches/sessions?action=clear" 400 "No enum constant org.infinispan.context.Flag.BOGUS" \
  -H 'flags: SKIP_XSITE_BACKUP,BOGUS'
expect GET site-a "/rest/v2/caches/sessions?action=" 400 "Invalid action"
expect GET site-a /rest/v2/no/such/route 404 ""
expect GET site-a /rest/v2/caches/sessions/missing 404 ""
expect POST site-a "/sim/v1/clock?advance_ms=10" 409 '{"error":"the clock is not manual (xsim serve --clock manual)"}'
call POST site-a "/sim/v1/sites/site-b?action=crash" -u "$CRED"
[[ "$STATUS $BODY" =~ ^200\ \{\"time_ms\":[0-9]+,\"site\":\"site-b\",\"up\":false\}$ ]] || fail "crash: $STATUS '$BODY'"
ok
expect GET site-b /rest/v2/caches/sessions/here 503 \
  "xsim: site 'site-b' is down (crashed); POST /sim/v1/sites/site-b?action=restart"
call POST site-b "/sim/v1/sites/site-b?action=restart" -u "$CRED"
contains "$STATUS $BODY" '"site":"site-b","up":true}' "restart"

# --- authentication ---------------------------------------------------------
# No credentials: 401, empty body, one challenge per mechanism.
challenges() { # curl options...: STATUS, BODY, and CHALLENGES (the WWW-Authenticate lines)
  curl -s --max-time 20 -o "$TMP/body" -D "$TMP/all" "$@" || fail "curl $*"
  awk '/^HTTP\//{n=NR} {l[NR]=$0} END{for(i=n;i<=NR;i++) print l[i]}' "$TMP/all" >"$TMP/headers" # the last answer
  STATUS=$(head -1 "$TMP/headers" | cut -d' ' -f2)
  BODY=$(cat "$TMP/body")
  CHALLENGES=$(grep -i '^www-authenticate:' "$TMP/headers" | tr -d '\r' |
    sed 's/nonce="[0-9a-f]*"/nonce=N/; s/opaque="[0-9a-f]*"/opaque=O/')
}
WANT=$'www-authenticate: Digest realm="default", nonce=N, opaque=O, algorithm=MD5, qop="auth"
www-authenticate: Digest realm="default", nonce=N, opaque=O, algorithm=SHA-256, qop="auth"
www-authenticate: Basic realm="default"'
for who in "" "-u developer:wrong" "-u nobody:strong-password" "--digest -u developer:wrong"; do
  # shellcheck disable=SC2086
  challenges $who "http://127.0.0.1:$A/rest/v2/container/x-site/backups/site-b"
  [ "$STATUS" = 401 ] && [ -z "$BODY" ] && [ "$CHALLENGES" = "$WANT" ] ||
    fail "credentials '$who': $STATUS '$BODY' '$CHALLENGES'"
  ok
done
# The application role: entries yes, x-site no.
call GET site-a /rest/v2/container/x-site/backups/site-b "${APP[@]}"
[ "$STATUS $BODY" = "403 ISPN000287: Unauthorized access: subject 'Subject with principal(s): [app]' lacks 'ADMIN' permission" ] ||
  fail "app role on x-site: $STATUS '$BODY'"
ok
call GET site-a /rest/v2/caches/sessions/here "${APP[@]}"
[ "$STATUS $BODY" = "200 v" ] || fail "app role reads: $STATUS '$BODY'"
ok
# Digest MD5 with curl; Digest SHA-256 as the Data Grid CLI would send it.
call GET site-a /rest/v2/caches/sessions/here --digest -u "$CRED"
[ "$STATUS $BODY" = "200 v" ] || fail "curl --digest: $STATUS '$BODY'"
ok
# The Authorization header curl sent, captured and sent again, is a replay
# (its nonce count is not above the last): 401, stale=true on a new nonce.
U="http://127.0.0.1:$A/rest/v2/caches/sessions/here"
curl -s --max-time 20 -o /dev/null -v --digest -u "$CRED" "$U" 2>"$TMP/trace" || fail "curl -v --digest"
AUTH=$(grep -i '^> Authorization: Digest ' "$TMP/trace" | tail -1 | sed 's/^> //' | tr -d '\r')
[ -n "$AUTH" ] || fail "no Digest header in curl's trace"
challenges -H "$AUTH" "$U"
[ "$STATUS" = 401 ] && [ -z "$BODY" ] && [ "$CHALLENGES" = "$(sed 's/qop="auth"$/qop="auth", stale=true/' <<<"$WANT")" ] ||
  fail "replayed Digest header: $STATUS '$BODY' '$CHALLENGES'"
ok
out=$(timeout 20 "$PYTHON" - "$A" <<'PY'
import hashlib, http.client, re, sys
conn = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=20)
conn.request("GET", "/rest/v2/server")
r = conn.getresponse(); r.read()
ch = [v for k, v in r.getheaders() if k.lower() == "www-authenticate" and "SHA-256" in v][0]
p = dict(re.findall(r'(\w+)="?([^",]*)"?', ch))
H = lambda s: hashlib.sha256(s.encode()).hexdigest()
ha1, ha2 = H("app:default:app-pass"), H("GET:/rest/v2/server")
resp = H("%s:%s:00000001:abcd:auth:%s" % (ha1, p["nonce"], ha2))
auth = ('Digest username="app", realm="default", nonce="%s", uri="/rest/v2/server", response="%s", '
        'qop=auth, nc=00000001, cnonce="abcd", algorithm=SHA-256, opaque="%s"' % (p["nonce"], resp, p["opaque"]))
conn.request("GET", "/rest/v2/server", headers={"Authorization": auth})
r = conn.getresponse()
print(r.status, r.read().decode())
PY
)
[ "$out" = "200 {\"version\":\"Infinispan 'N/A' 16.0.13.Final\",\"cache-manager-name\":\"default\"}" ] ||
  fail "Digest SHA-256: '$out'"
ok
# Python's requests: it merges the three challenges into one header and
# still answers Digest (the nonce is the same in both Digest challenges).
out=$(timeout 20 "$PYTHON" - "$A" <<'PY'
import sys
import requests
from requests.auth import HTTPDigestAuth
u = "http://127.0.0.1:%s/rest/v2/caches/sessions/here" % sys.argv[1]
s = requests.Session()
r1 = s.get(u, auth=HTTPDigestAuth("app", "app-pass"), timeout=20)
r2 = s.get(u, auth=HTTPDigestAuth("app", "wrong"), timeout=20)
r3 = s.get(u, auth=("developer", "strong-password"), timeout=20)
print(r1.status_code, r1.text, r1.request.headers["Authorization"].split()[0], r2.status_code, r3.status_code, r3.text)
PY
)
[ "$out" = "200 v Digest 401 200 v" ] || fail "python requests: '$out'"
ok
# Anonymous: the health status only.
call GET site-a /rest/v2/container/health/status
[ "$STATUS $BODY" = "200 HEALTHY" ] || fail "anonymous health: $STATUS '$BODY'"
ok
call HEAD site-a /rest/v2/container/health/status --head # (curl writes the headers as the body)
[ "$STATUS" = 200 ] && [[ "$BODY" != *HEALTHY* ]] || fail "anonymous HEAD health: $STATUS '$BODY'"
ok

# --- the parser's limits (the connection closes after the answer) ----------
head -c $((10 * 1024 * 1024 + 1)) /dev/zero | tr '\0' x >"$TMP/big"
call PUT site-a /rest/v2/caches/sessions/big -u "$CRED" --data-binary @"$TMP/big"
[ "$STATUS $BODY" = "413 " ] || fail "body over 10 MiB: $STATUS '$BODY'"
ok
call GET site-a /rest/v2/caches/sessions/here -u "$CRED" -H "X-Big: $(head -c 17000 /dev/zero | tr '\0' y)"
[ "$STATUS $BODY" = "431 " ] || fail "headers over 16 KiB: $STATUS '$BODY'"
ok
call GET site-a "/rest/v2/caches/sessions/$(head -c 9000 /dev/zero | tr '\0' k)" -u "$CRED"
[ "$STATUS $BODY" = "414 " ] || fail "request line over 8 KiB: $STATUS '$BODY'"
ok
# Raw bytes: garbage is HTTP to the detector, and a 400.
raw() { # BYTES: sends them, ends its side, prints what the server answers before it closes
  printf '%b' "$1" | timeout 10 "$PYTHON" -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.sendall(sys.stdin.buffer.read())
s.shutdown(socket.SHUT_WR)
while True:
    b = s.recv(65536)
    if not b:
        break
    sys.stdout.buffer.write(b)
' "$A" | tr -d '\r' || true
}
out=$(raw 'GARBAGE GARBAGE\r\n\r\n')
[ "$out" = $'HTTP/1.1 400 Bad Request\ncontent-length: 0\nconnection: close' ] || fail "garbage: '$out'"
ok
out=$(raw 'GET /rest/v2/caches/sessions/%zz HTTP/1.1\r\nHost: x\r\n\r\n')
[ "$out" = $'HTTP/1.1 400 Bad Request\ncontent-length: 0\nconnection: close' ] || fail "bad escape: '$out'"
ok
# Keep-alive and pipelining: three requests in one write, answered in order.
out=$(raw 'GET /rest/v2/container/health/status HTTP/1.1\r\nHost: x\r\n\r\nGET /rest/v2/nope HTTP/1.1\r\nHost: x\r\n\r\nHEAD /rest/v2/container/health/status HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' |
  tr '\n' '|')
[ "$out" = "HTTP/1.1 200 OK|content-type: text/plain|content-length: 7|connection: keep-alive||HEALTHYHTTP/1.1 404 Not Found|content-length: 0|connection: keep-alive||HTTP/1.1 200 OK|content-length: 0|connection: close||" ] ||
  fail "pipelining: '$out'"
ok
# Answers larger than the output pause, pipelined: each next request is
# taken once the previous answer has been written.
head -c $((2 * 1024 * 1024)) /dev/zero | tr '\0' L >"$TMP/large"
expect PUT site-a /rest/v2/caches/sessions/large 204 "" --data-binary @"$TMP/large"
G='GET /rest/v2/caches/sessions/large HTTP/1.1\r\nHost: x\r\nAuthorization: Basic ZGV2ZWxvcGVyOnN0cm9uZy1wYXNzd29yZA==\r\n'
out=$(raw "$G\r\n$G\r\n${G}Connection: close\r\n\r\n" | grep -a -o 'HTTP/1.1 200 OK' | wc -l)
[ "$out" = 3 ] || fail "three pipelined 2 MB answers: $out"
ok
# HTTP/1.0 closes after its answer; a request cut short is owed nothing.
out=$(raw 'GET /rest/v2/container/health/status HTTP/1.0\r\n\r\n' | head -1)
[ "$out" = "HTTP/1.1 200 OK" ] || fail "HTTP/1.0: '$out'"
ok
out=$(raw 'PUT /rest/v2/caches/sessions/x HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc')
[ -z "$out" ] || fail "cut short: '$out'"
ok
# Expect: 100-continue (curl sends it for larger bodies).
head -c 300000 /dev/zero | tr '\0' z >"$TMP/mid"
call PUT site-a /rest/v2/caches/sessions/mid -u "$CRED" -H 'Expect: 100-continue' --data-binary @"$TMP/mid"
[ "$STATUS" = 204 ] || fail "100-continue: $STATUS '$BODY'"
ok
call GET site-b /rest/v2/caches/sessions/mid -u "$CRED"
[ "$STATUS ${#BODY}" = "200 300000" ] || fail "the 300 kB value on site-b: $STATUS ${#BODY}"
ok
stop_server
# SIGTERM the moment "ready" is printed: the banner comes only once the
# signal handlers are in, so each start ends with a clean shutdown line.
for i in 1 2 3 4 5; do
  start_server --no-auth --listen site-a=127.0.0.1:0 --listen site-b=127.0.0.1:0
  stop_server
done
finish
