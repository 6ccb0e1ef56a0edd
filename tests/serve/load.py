#!/usr/bin/python3
"""load.py - acceptance 5 of issue 3: a bounded load test of `xsim serve`.

On loopback, with a fixed count and a time bound:
  * 1,000 concurrent RESP connections (fewer only if the file-descriptor
    limit cannot be raised far enough; the count is printed) each AUTH, then
    SET, GET and INCR their own keys for several rounds, checking every
    reply, on respCache of `--preset resp-xsite` (every write is backed up
    SYNC to site-b, through the manual clock);
  * meanwhile abusive clients: slow (a RESP command or an HTTP request
    dribbled a byte at a time, a connection that never says anything),
    garbage (random bytes on the single port and on the RESP port),
    half-closed (a command then SHUT_WR: the reply still comes, then the
    close), and clients that pipeline thousands of reads of a 64 kB value
    (RESP) or hundreds of GETs of a 1 MB entry (HTTP) and never read;
  * every abusive connection must end (by the server's stall rule, a
    protocol error or its own EOF) and every normal client must get every
    answer right; site-b must hold the same values; the server must still
    answer, then stop on SIGTERM with exit status 0 (under ASan: no leak,
    no error).
Then a second server with --max-connections 5 shows what an extra
connection gets: accepted and closed at once, without a byte.

usage: XSIM=build/harness/xsim /usr/bin/python3 load.py
"""
import asyncio
import os
import random
import re
import resource
import signal
import subprocess
import sys
import tempfile
import time

XSIM = os.environ["XSIM"]
TARGET_CONNECTIONS = 1000
ROUNDS = 5
SLOW, GARBAGE, HALF_CLOSED, NON_READERS, SILENT = 20, 20, 20, 10, 10
SLOW_HTTP, HTTP_NON_READERS = 10, 5
STALL_MS = 1000          # the server's --stall-timeout-ms for this test
TIME_LIMIT_S = 150       # the whole test, even under ASan
PASSED = 0


def ok():
    global PASSED
    PASSED += 1


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    print("%d passed, 1 failed" % PASSED)
    sys.exit(1)


def raise_fd_limit():
    """As many descriptors as the hard limit allows; returns the count of
    normal connections that fits (each costs one here and one in the server)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = 2 * (TARGET_CONNECTIONS + 200)
    new = want if hard == resource.RLIM_INFINITY or hard >= want else hard
    if new > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (new, hard))
    return max(100, min(TARGET_CONNECTIONS, new // 2 - 200))


class Server:
    """`xsim serve` in a child process; reads its banner for the ports."""

    def __init__(self, *args):
        self.err = tempfile.TemporaryFile()
        self.proc = subprocess.Popen([XSIM, "serve"] + list(args), stdout=subprocess.PIPE, stderr=self.err)
        self.ports = {}
        deadline = time.time() + 30
        while time.time() < deadline:
            line = self.proc.stdout.readline().decode()
            if not line:
                break
            m = re.match(r"^(\S+) (http\+resp|resp) \S+:(\d+)$", line.strip())
            if m:
                self.ports[(m.group(1), m.group(2))] = int(m.group(3))
            if line.startswith("xsim serve: ready"):
                return
        self.kill()
        fail("xsim serve did not start: " + self.stderr())

    def stderr(self):
        self.err.seek(0)
        return self.err.read().decode(errors="replace")[-2000:]

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.kill()
            fail("xsim serve did not stop within 60 s of SIGTERM")
        if rc != 0:
            fail("xsim serve exited %d after SIGTERM: %s" % (rc, self.stderr()))
        ok()
        return self.stderr()

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


# ---------------------------------------------------------------------------
# A small RESP client


def encode(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


async def read_reply(r):
    """One reply: bytes, int, None, a str for +simple / -error (errors start
    with '-'), or a list."""
    line = await r.readuntil(b"\r\n")
    t, rest = line[:1], line[1:-2]
    if t == b"+":
        return rest.decode()
    if t == b"-":
        return "-" + rest.decode()
    if t == b":":
        return int(rest)
    if t == b"_":
        return None
    if t == b"$":
        n = int(rest)
        if n < 0:
            return None
        data = await r.readexactly(n + 2)
        return data[:-2]
    if t in (b"*", b"~", b"%"):
        n = int(rest) * (2 if t == b"%" else 1)
        return [await read_reply(r) for _ in range(n)]
    raise ValueError("unexpected reply %r" % line)


async def connect(port, auth=True):
    r, w = await asyncio.open_connection("127.0.0.1", port, limit=1 << 20)
    if auth:
        w.write(encode("AUTH", "developer", "strong-password"))
        if await read_reply(r) != "OK":
            raise RuntimeError("AUTH refused")
    return r, w


async def ask(r, w, *args):
    w.write(encode(*args))
    return await read_reply(r)


async def closed_by_server(r, within_s):
    """Reads (and drops) until the server closes; False if it has not
    within the time."""

    async def drain():
        while await r.read(65536):
            pass

    try:
        await asyncio.wait_for(drain(), within_s)
        return True
    except ConnectionError:
        return True
    except asyncio.TimeoutError:
        return False


# ---------------------------------------------------------------------------
# Normal clients


async def normal_client(i, port, start, errors):
    try:
        r, w = await connect(port)
        await start.wait()
        for k in range(ROUNDS):
            want = "v-%d-%d" % (i, k)
            if await ask(r, w, "SET", "key:%d" % i, want) != "OK":
                errors.append("client %d: SET" % i)
            got = await ask(r, w, "GET", "key:%d" % i)
            if got != want.encode():
                errors.append("client %d: GET %r" % (i, got))
            if await ask(r, w, "INCR", "counter:%d" % i) != k + 1:
                errors.append("client %d: INCR" % i)
        w.close()
    except Exception as e:  # noqa: BLE001 - any failure of a normal client is the test failing
        errors.append("client %d: %r" % (i, e))


# ---------------------------------------------------------------------------
# Abusive clients: each returns None, or what went wrong.

CLOSE_WITHIN_S = STALL_MS / 1000 * 4 + 5  # the stall rule, its sweep, and slack for ASan


async def slow_client(port, auth):
    """Dribbles one command a byte at a time, slower than the stall rule."""
    r, w = await connect(port, auth)
    t0 = time.time()
    for b in encode("SET", "slow", "x" * 100):
        try:
            w.write(bytes([b]))
            await w.drain()
        except ConnectionError:
            break
        if r.at_eof():
            break
        await asyncio.sleep(0.3)
        if time.time() - t0 > CLOSE_WITHIN_S:
            return "slow client on %d never cut off" % port
    if not await closed_by_server(r, CLOSE_WITHIN_S):
        return "slow client on %d never cut off" % port
    w.close()
    return None


async def slow_http_client(port):
    """An HTTP request dribbled a byte at a time (slowloris)."""
    r, w = await connect(port, auth=False)
    req = b"GET /rest/v2/container/health/status HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"s" * 200
    t0 = time.time()
    for b in req:
        try:
            w.write(bytes([b]))
            await w.drain()
        except ConnectionError:
            break
        if r.at_eof() or time.time() - t0 > CLOSE_WITHIN_S:
            break
        await asyncio.sleep(0.3)
    closed = await closed_by_server(r, CLOSE_WITHIN_S)
    w.close()
    return None if closed else "a slow HTTP client was never cut off"


async def http_non_reader(port, i):
    """Pipelines hundreds of GETs of a 1 MB entry and never reads."""
    r, w = await connect(port, auth=False)
    auth = b"Authorization: Basic ZGV2ZWxvcGVyOnN0cm9uZy1wYXNzd29yZA==\r\n"
    body = b"m" * (1 << 20)
    w.write(b"PUT /rest/v2/caches/respCache/big-http-%d HTTP/1.1\r\nHost: x\r\n" % i + auth +
            b"Content-Length: %d\r\n\r\n" % len(body) + body)
    head = await asyncio.wait_for(r.readuntil(b"\r\n\r\n"), 30)
    if not head.startswith(b"HTTP/1.1 204"):
        return "http non-reader %d: PUT answered %r" % (i, head)
    get = b"GET /rest/v2/caches/respCache/big-http-%d HTTP/1.1\r\nHost: x\r\n" % i + auth + b"\r\n"
    try:
        w.write(get * 300)
    except ConnectionError:
        pass
    await asyncio.sleep(STALL_MS / 1000 * 3)
    received = 0
    try:
        while True:
            chunk = await asyncio.wait_for(r.read(1 << 20), CLOSE_WITHIN_S)
            if not chunk:
                break
            received += len(chunk)
    except asyncio.TimeoutError:
        return "http non-reader %d was never cut off" % i
    except ConnectionError:
        pass
    w.close()
    return None if received < 300 * len(body) else "http non-reader %d got every answer" % i


async def silent_client(port):
    r, w = await connect(port, auth=False)
    closed = await closed_by_server(r, CLOSE_WITHIN_S)
    w.close()
    return None if closed else "a silent connection on the single port stayed open"


async def garbage_client(port, seed):
    rnd = random.Random(seed)
    r, w = await connect(port, auth=False)
    junk = bytes(rnd.getrandbits(8) for _ in range(4096))
    if seed % 2:
        junk = b"*3\r\n$3\r\nSET\r\n$-7\r\n" + junk  # a protocol error: the server closes
    try:
        w.write(junk)
        await w.drain()
        w.write_eof()
    except ConnectionError:
        pass
    closed = await closed_by_server(r, CLOSE_WITHIN_S)
    w.close()
    return None if closed else "a garbage client on %d stayed open" % port


async def half_closed_client(port, i):
    """A complete command then SHUT_WR: the replies come, then the close.
    Every other one stops mid-command instead: no reply, just the close."""
    r, w = await connect(port)
    cmds = encode("SET", "hc:%d" % i, "v%d" % i) + encode("GET", "hc:%d" % i)
    if i % 2:
        cmds += encode("GET", "hc:%d" % i)[:-5]
    w.write(cmds)
    w.write_eof()
    got = [await read_reply(r), await read_reply(r)]
    if got != ["OK", b"v%d" % i]:
        return "half-closed client %d got %r" % (i, got)
    rest = await asyncio.wait_for(r.read(), CLOSE_WITHIN_S)
    w.close()
    return None if rest == b"" else "half-closed client %d got extra %r" % (i, rest)


async def non_reader(port, i):
    """Pipelines thousands of reads of a 64 kB value and never reads the
    replies: the server must stop producing them, then cut the client off."""
    r, w = await connect(port)
    if await ask(r, w, "SET", "big:%d" % i, "b" * 65536) != "OK":
        return "non-reader %d: SET" % i
    w.write(encode("GET", "big:%d" % i) * 3000)
    await asyncio.sleep(STALL_MS / 1000 * 3)
    received = 0
    try:
        while True:
            chunk = await asyncio.wait_for(r.read(1 << 20), CLOSE_WITHIN_S)
            if not chunk:
                break
            received += len(chunk)
    except (ConnectionError, asyncio.TimeoutError) as e:
        if isinstance(e, asyncio.TimeoutError):
            return "non-reader %d was never cut off" % i
    w.close()
    if received >= 3000 * 65536:
        return "non-reader %d got every reply: the server buffered without bound" % i
    return None


# ---------------------------------------------------------------------------
# The phases


async def check_site_b(port, n):
    """site-b holds every client's last value and counter (SYNC backups)."""
    r, w = await connect(port)
    for i0 in range(0, n, 100):
        ids = range(i0, min(n, i0 + 100))
        w.write(b"".join(encode("GET", "key:%d" % i) + encode("GET", "counter:%d" % i) for i in ids))
        for i in ids:
            v, c = await read_reply(r), await read_reply(r)
            if v != b"v-%d-%d" % (i, ROUNDS - 1) or c != str(ROUNDS).encode():
                fail("site-b key:%d = %r, counter:%d = %r" % (i, v, i, c))
    w.close()
    ok()


async def http_health(port):
    r, w = await asyncio.open_connection("127.0.0.1", port)
    w.write(b"GET /rest/v2/container/health/status HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    data = await asyncio.wait_for(r.read(), 10)
    w.close()
    if not data.startswith(b"HTTP/1.1 200 OK") or not data.endswith(b"HEALTHY"):
        fail("health after the load: %r" % data)
    ok()


async def load_phase(n):
    srv = Server("--preset", "resp-xsite", "--clock", "manual", "--listen", "site-a=127.0.0.1:0",
                 "--listen", "site-b=127.0.0.1:0", "--resp", "site-a=127.0.0.1:0",
                 "--stall-timeout-ms", str(STALL_MS), "--quiet")
    try:
        single, resp = srv.ports[("site-a", "http+resp")], srv.ports[("site-a", "resp")]
        start, errors = asyncio.Event(), []
        t0 = time.time()
        normals = [asyncio.create_task(normal_client(i, resp, start, errors)) for i in range(n)]
        abusive = ([slow_client(single, False) for _ in range(SLOW // 2)] +
                   [slow_client(resp, True) for _ in range(SLOW - SLOW // 2)] +
                   [silent_client(single) for _ in range(SILENT)] +
                   [garbage_client(single if i % 4 < 2 else resp, i) for i in range(GARBAGE)] +
                   [half_closed_client(resp, i) for i in range(HALF_CLOSED)] +
                   [non_reader(resp, i) for i in range(NON_READERS)] +
                   [slow_http_client(single) for _ in range(SLOW_HTTP)] +
                   [http_non_reader(single, i) for i in range(HTTP_NON_READERS)])
        abusive = [asyncio.create_task(a) for a in abusive]
        await asyncio.sleep(0.2)
        start.set()
        await asyncio.gather(*normals)
        if errors:
            fail("%d normal-client errors, first: %s" % (len(errors), errors[0]))
        ok()
        print("%d clients x %d rounds of SET/GET/INCR: %.1f s" % (n, ROUNDS, time.time() - t0), file=sys.stderr)
        for what in await asyncio.gather(*abusive):
            if what:
                fail(what)
            ok()
        await check_site_b(srv.ports[("site-b", "http+resp")], n)
        r, w = await connect(resp)
        if await ask(r, w, "PING") != b"PONG":
            fail("PING after the load")
        w.close()
        ok()
        await http_health(single)
        with open("/proc/%d/status" % srv.proc.pid) as f:
            hwm = [l.split()[1] for l in f if l.startswith("VmHWM")]
        print("server peak RSS: %s kB" % (hwm[0] if hwm else "?"), file=sys.stderr)
    finally:
        if srv.proc.poll() is None:
            log = srv.stop()
            m = re.search(r"(\d+) connections \((\d+) refused, (\d+) stalled\)", log)
            if not m or int(m.group(3)) < SLOW + SILENT + NON_READERS + SLOW_HTTP + HTTP_NON_READERS:
                fail("the stall rule closed too few connections: %s" % log)
            ok()
        srv.kill()


async def refusal_phase():
    """Past --max-connections: accepted and closed at once, without a byte."""
    srv = Server("--preset", "resp-xsite", "--clock", "manual", "--listen", "site-a=127.0.0.1:0",
                 "--listen", "site-b=127.0.0.1:0", "--resp", "site-a=127.0.0.1:0", "--max-connections", "5",
                 "--quiet")
    try:
        resp = srv.ports[("site-a", "resp")]
        held = [await connect(resp) for _ in range(5)]
        r, w = await connect(resp, auth=False)
        if await asyncio.wait_for(r.read(), 10) != b"":
            fail("the sixth connection was not closed at once")
        w.close()
        ok()
        held[0][1].close()
        await asyncio.sleep(0.3)
        r, w = await connect(resp)  # a free slot again
        if await ask(r, w, "PING") != b"PONG":
            fail("no service after a slot freed")
        ok()
        for _, hw in held[1:] + [(r, w)]:
            hw.close()
    finally:
        if srv.proc.poll() is None:
            srv.stop()
        srv.kill()


async def main():
    n = raise_fd_limit()
    print("RESP connections: %d (target %d)" % (n, TARGET_CONNECTIONS), file=sys.stderr)
    await asyncio.wait_for(load_phase(n), TIME_LIMIT_S)
    await asyncio.wait_for(refusal_phase(), 60)
    print("%d passed, 0 failed" % PASSED)


if __name__ == "__main__":
    asyncio.run(main())
