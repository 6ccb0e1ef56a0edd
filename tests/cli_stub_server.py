#!/usr/bin/env python3
"""cli_stub_server.py - a tiny HTTP/1.1 server on loopback that answers the
few REST calls the CLI's socket transport tests need, so that the transport
(keep-alive, Digest and Basic, statuses, timeouts) is tested without the
simulator and without trusting our own HTTP code on both ends.

It binds 127.0.0.1 on a free port and prints "PORT <n>" on its first line.
It exits after --max-seconds, and with --exit-on-eof also when its standard
input closes (the test that started it went away), so it never outlives its
test.

Auth modes: none; basic; digest (RFC 2617, MD5, qop=auth); both (one
WWW-Authenticate challenge per mechanism, Digest first, as Elytron sends
them).  The user is developer / secret.

Paths:
  GET /rest/v2/server, /rest/v2/container, /rest/v2/container/cache-configs
      what the CLI reads to connect (node "stub-0", cluster "STUB")
  GET /rest/v2/container/x-site/backups/site-b    {"status":"online"}
  any other /rest/v2/container/x-site/backups/S   404 "Site 'S' not found"
  /status/NNN      that status, body "status NNN" (none for 204/304)
  /echo            the request as JSON: method, path, headers, body
  /stats           {"connections": n, "requests": n, "schemes": [...]}
  /hang            never answers
  /close           closes the connection without answering
"""
import argparse
import base64
import hashlib
import http.server
import json
import os
import sys
import threading
import time

REALM = "default"
USER, PASSWORD = "developer", "secret"
NONCE = hashlib.md5(os.urandom(16)).hexdigest()
OPAQUE = "00000000000000000000000000000000"
HANG_SECONDS = 3600

CONTAINER = {
    "version": "16.0.13.Final",
    "name": "default",
    "node_address": "stub-0",
    "cluster_name": "STUB",
    "local_site": "site-a",
    "sites_view": ["site-b", "site-a"],
    "relay_node": True,
    "relay_nodes_address": ["stub-0"],
    "cluster_members": ["stub-0"],
    "defined_caches": [{"name": "sessions", "started": True}],
}


def md5(s):
    return hashlib.md5(s.encode()).hexdigest()


def parse_digest(value):
    fields = {}
    for part in value.split(","):
        if "=" in part:
            k, v = part.strip().split("=", 1)
            fields[k.strip()] = v.strip().strip('"')
    return fields


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.connections = 0
        self.requests = 0
        self.schemes = []


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def setup(self):
        super().setup()
        with self.server.stats.lock:
            self.server.stats.connections += 1

    def answer(self, status, body=b"", ctype="text/plain; charset=UTF-8", extra=()):
        if isinstance(body, str):
            body = body.encode()
        self.send_response(status)
        for name, value in extra:
            self.send_header(name, value)
        if body:
            self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body and self.command != "HEAD":
            self.wfile.write(body)

    def json(self, obj, status=200):
        self.answer(status, json.dumps(obj), "application/json")

    def authorized(self):
        mode = self.server.auth
        if mode == "none":
            return True
        got = self.headers.get("Authorization", "")
        scheme = got.split(" ", 1)[0]
        if scheme == "Basic" and mode in ("basic", "both"):
            ok = base64.b64decode(got[6:]).decode(errors="replace") == USER + ":" + PASSWORD
        elif scheme == "Digest" and mode in ("digest", "both"):
            f = parse_digest(got[7:])
            ha1 = md5("%s:%s:%s" % (f.get("username"), REALM, PASSWORD))
            ha2 = md5("%s:%s" % (self.command, f.get("uri")))
            want = md5(":".join([ha1, f.get("nonce", ""), f.get("nc", ""), f.get("cnonce", ""),
                                 f.get("qop", ""), ha2]))
            ok = f.get("username") == USER and f.get("nonce") == NONCE and f.get("response") == want
        else:
            ok = False
        if ok:
            with self.server.stats.lock:
                self.server.stats.schemes.append(scheme)
        return ok

    def challenge(self):
        extra = []
        if self.server.auth in ("digest", "both"):
            extra.append(("WWW-Authenticate", 'Digest realm="%s", nonce="%s", opaque="%s", algorithm=MD5, qop="auth"'
                          % (REALM, NONCE, OPAQUE)))
        if self.server.auth in ("basic", "both"):
            extra.append(("WWW-Authenticate", 'Basic realm="%s"' % REALM))
        self.answer(401, extra=extra)

    def route(self, body):
        path = self.path
        if path == "/hang":
            time.sleep(HANG_SECONDS)
            return
        if path == "/close":
            self.close_connection = True
            return
        if path == "/rest/v2/server":
            return self.json({"version": "Infinispan 'Stub' 16.0.13.Final", "cache-manager-name": "default"})
        if path == "/rest/v2/container":
            return self.json(CONTAINER)
        if path == "/rest/v2/container/cache-configs":
            return self.json([{"name": "sessions", "configuration": {}}])
        prefix = "/rest/v2/container/x-site/backups/"
        if path.startswith(prefix):
            site = path[len(prefix):]
            if site == "site-b":
                return self.json({"status": "online"})
            return self.answer(404, "Site '%s' not found" % site)
        if path.startswith("/status/"):
            code = int(path[len("/status/"):])
            return self.answer(code, "" if code in (204, 304) else "status %d" % code)
        if path == "/echo":
            return self.json({"method": self.command, "path": path,
                              "headers": {k.lower(): v for k, v in self.headers.items()},
                              "body": body.decode(errors="replace")})
        if path == "/stats":
            s = self.server.stats
            with s.lock:
                return self.json({"connections": s.connections, "requests": s.requests, "schemes": s.schemes})
        return self.answer(404, "No such path: " + path)

    def handle_any(self):
        length = int(self.headers.get("Content-Length", "0") or "0")
        body = self.rfile.read(length) if length else b""
        with self.server.stats.lock:
            self.server.stats.requests += 1
        if self.path not in ("/stats",) and not self.authorized():
            return self.challenge()
        self.route(body)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = handle_any


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--auth", choices=["none", "basic", "digest", "both"], default="none")
    ap.add_argument("--max-seconds", type=float, default=120.0)
    ap.add_argument("--exit-on-eof", action="store_true")
    args = ap.parse_args()
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    srv.auth = args.auth
    srv.stats = Stats()
    print("PORT %d" % srv.server_address[1], flush=True)

    def watch_stdin():
        sys.stdin.read()
        os._exit(0)

    if args.exit_on_eof:
        threading.Thread(target=watch_stdin, daemon=True).start()
    threading.Timer(args.max_seconds, lambda: os._exit(0)).start()
    srv.serve_forever()


if __name__ == "__main__":
    main()
