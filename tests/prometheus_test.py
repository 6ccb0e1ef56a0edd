#!/usr/bin/python3
"""prometheus_test.py - issue 3's acceptance 4: a real Prometheus (Debian's
`prometheus` package) scrapes both sites' /metrics of `xsim serve`, and the
SiteOffline alert of interfaces.md section 3.2 - the fencing rule Keycloak's
high-availability guide deploys - evaluates to the cut-off site during a
partition and to nothing after the heal.

Steps: start `xsim serve` on free loopback ports (port 0, read the banner),
real clock sped up so that the 15 s (virtual) x-site failure detection takes
well under a second; start prometheus on a free loopback port with a
temporary config (1 s scrape and evaluation, Basic auth for /metrics as
Infinispan requires, the static label namespace="default" that the
Kubernetes service discovery adds in the guide's deployment) and the
SiteOffline rule verbatim; wait until both targets are up and the
expression is empty; partition; poll /api/v1/query and /api/v1/alerts until
they show site-b; heal; poll until both are empty again.  Every wait is
bounded; both processes are always stopped (finally, and on SIGTERM from
meson's timeout); everything stays on 127.0.0.1.

usage: prometheus_test.py XSIM [PROMETHEUS]   (stdlib only: /usr/bin/python3)
"""
import base64
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

USER, PASSWORD = "developer", "strong-password"  # xsim serve's default admin
TIME_SCALE = 40        # virtual ms per wall ms: 15 s of detection in ~0.4 s
START_BOUND_S = 20     # xsim banner, prometheus /-/ready
STEP_BOUND_S = 30      # each state change seen through Prometheus
POLL_S = 0.25
PROM_ATTEMPTS = 3      # prometheus starts (a free port can be taken in between)
# interfaces.md section 3.2, verbatim (namespace "default", remote site-b).
SITE_OFFLINE = ('min by (namespace, site) (vendor_jgroups_site_view_status'
                '{namespace="default",site="site-b"}) == 0')
RULES = """groups:
  - name: xsite-status
    rules:
      - alert: SiteOffline
        expr: '%s'
        labels:
          severity: critical
          reporter: site-a
          accelerator: a3da6a6cbd4e27b02.awsglobalaccelerator.com
""" % SITE_OFFLINE

CHECKS = 0


class Failure(Exception):
    pass


def ok():
    global CHECKS
    CHECKS += 1


def free_port():
    """A loopback port free now (prometheus cannot report a port 0 pick)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(method, url, auth=False, timeout=10):
    req = urllib.request.Request(url, method=method, data=b"" if method == "POST" else None)
    if auth:
        tok = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
        req.add_header("Authorization", "Basic " + tok)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def wait_for(what, bound_s, probe):
    """Calls probe() until it returns a true value; Failure after bound_s."""
    deadline = time.monotonic() + bound_s
    last = None
    while time.monotonic() < deadline:
        try:
            got = probe()
            if got:
                return got
        except (OSError, ValueError) as e:  # not listening yet, bad JSON
            last = e
        time.sleep(POLL_S)
    raise Failure(f"{what}: not within {bound_s} s (last error: {last})")


class Run:
    """The two processes and the temp dir; stop() is idempotent."""

    def __init__(self, xsim, prometheus):
        self.xsim, self.prometheus = xsim, prometheus
        self.tmp = tempfile.mkdtemp(prefix="xsim-prom-test.")
        self.server = self.prom = None
        self.site_port = {}

    def start_server(self):
        out = open(os.path.join(self.tmp, "server.out"), "w")
        err = open(os.path.join(self.tmp, "server.err"), "w")
        self.server = subprocess.Popen(
            [self.xsim, "serve", "--listen", "site-a=127.0.0.1:0", "--listen", "site-b=127.0.0.1:0",
             "--clock", "real", "--time-scale", str(TIME_SCALE)],
            stdout=out, stderr=err, stdin=subprocess.DEVNULL)

        def banner():
            if self.server.poll() is not None:
                raise Failure("xsim serve exited at start: " + self.tail("server.err"))
            text = open(os.path.join(self.tmp, "server.out")).read()
            return text if "xsim serve: ready" in text else None
        for line in wait_for("xsim serve banner", START_BOUND_S, banner).splitlines():
            f = line.split()
            if len(f) == 3 and f[1] == "http+resp":
                self.site_port[f[0]] = int(f[2].rsplit(":", 1)[1])
        if set(self.site_port) != {"site-a", "site-b"}:
            raise Failure(f"banner: sites {self.site_port}")

    def write_config(self):
        targets = ", ".join(f"'127.0.0.1:{self.site_port[s]}'" for s in ("site-a", "site-b"))
        cfg = f"""global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files: ['{self.tmp}/rules.yml']
scrape_configs:
  - job_name: infinispan
    metrics_path: /metrics
    basic_auth: {{username: {USER}, password: {PASSWORD}}}
    static_configs:
      - targets: [{targets}]
        labels: {{namespace: default}}
"""
        with open(os.path.join(self.tmp, "prometheus.yml"), "w") as f:
            f.write(cfg)
        with open(os.path.join(self.tmp, "rules.yml"), "w") as f:
            f.write(RULES)

    def start_prometheus(self):
        """On a port free a moment ago; another process may take it in between,
        so a prometheus that exits at start is tried again on another one."""
        self.write_config()
        for attempt in range(PROM_ATTEMPTS):
            self.prom_port = free_port()
            log = open(os.path.join(self.tmp, "prometheus.log"), "w")
            self.prom = subprocess.Popen(
                [self.prometheus, "--config.file=" + os.path.join(self.tmp, "prometheus.yml"),
                 f"--web.listen-address=127.0.0.1:{self.prom_port}",
                 "--storage.tsdb.path=" + os.path.join(self.tmp, "data"), "--log.level=warn"],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)

            def ready():
                if self.prom.poll() is not None:
                    raise Failure("prometheus exited at start: " + self.tail("prometheus.log"))
                return http("GET", f"http://127.0.0.1:{self.prom_port}/-/ready")[0] == 200
            try:
                wait_for("prometheus /-/ready", START_BOUND_S, ready)
                return
            except Failure:
                if self.prom.poll() is None or attempt == PROM_ATTEMPTS - 1:
                    raise

    def tail(self, name, n=20):
        try:
            return "\n".join(open(os.path.join(self.tmp, name)).read().splitlines()[-n:])
        except OSError:
            return ""

    def stop_server(self):
        """SIGTERM; the server must stop cleanly (exit 0) within 10 s."""
        p, self.server = self.server, None
        p.terminate()
        try:
            rc = p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
            raise Failure("xsim serve did not stop within 10 s of SIGTERM")
        if rc != 0:
            raise Failure(f"xsim serve exited {rc}: " + self.tail("server.err"))
        ok()

    def stop(self):
        for p in (self.prom, self.server):
            if p is not None and p.poll() is None:
                p.terminate()
                try:
                    p.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
        self.prom = self.server = None
        shutil.rmtree(self.tmp, ignore_errors=True)

    # ---- the APIs
    def sim(self, path):
        st, body = http("POST", f"http://127.0.0.1:{self.site_port['site-a']}{path}", auth=True)
        if st != 200:
            raise Failure(f"POST {path}: {st} {body}")
        return body

    def prom_api(self, path):
        st, body = http("GET", f"http://127.0.0.1:{self.prom_port}{path}")
        doc = json.loads(body)
        if st != 200 or doc.get("status") != "success":
            raise Failure(f"GET {path}: {st} {body[:300]}")
        return doc["data"]

    def query(self, expr):
        return self.prom_api("/api/v1/query?query=" + urllib.parse.quote(expr))["result"]

    def site_offline_alerts(self):
        return [a for a in self.prom_api("/api/v1/alerts")["alerts"]
                if a["labels"].get("alertname") == "SiteOffline" and a["state"] == "firing"]


def check_scraped(run):
    """Both targets up, and the names and labels interfaces.md section 3.1 lists."""
    def up():
        t = run.prom_api("/api/v1/targets")["activeTargets"]
        return len(t) == 2 and all(x["health"] == "up" for x in t)
    wait_for("both xsim sites scraped and up", STEP_BOUND_S, up)
    ok()
    view = wait_for("vendor_jgroups_site_view_status of both sites", STEP_BOUND_S,
                    lambda: (lambda r: r if len(r) == 2 else None)(
                        run.query('vendor_jgroups_site_view_status{namespace="default"}')))
    seen = sorted((r["metric"]["site"], r["value"][1]) for r in view)
    if seen != [("site-a", "1"), ("site-b", "1")]:
        raise Failure(f"site view before the partition: {seen}")
    ok()
    adm = run.query('vendor_x_site_admin_status{namespace="default",cache="sessions",site="site-b"}')
    if len(adm) != 1 or adm[0]["value"][1] != "1":
        raise Failure(f"vendor_x_site_admin_status{{cache=sessions,site=site-b}}: {adm}")
    ok()
    # Not merely empty because nothing is there: the site view is 1.
    if run.query(SITE_OFFLINE) or run.site_offline_alerts():
        raise Failure("SiteOffline before any partition")
    ok()


def check_partition(run):
    run.sim("/sim/v1/partition?sites=site-a,site-b")
    t0 = time.monotonic()
    res = wait_for("SiteOffline expression during the partition", STEP_BOUND_S,
                   lambda: run.query(SITE_OFFLINE))
    got = [r["metric"] for r in res]
    if got != [{"namespace": "default", "site": "site-b"}] or res[0]["value"][1] != "0":
        raise Failure(f"SiteOffline during the partition: {res}")
    ok()
    alerts = wait_for("SiteOffline alert firing", STEP_BOUND_S, run.site_offline_alerts)
    labels = alerts[0]["labels"]
    if len(alerts) != 1 or labels.get("site") != "site-b" or labels.get("reporter") != "site-a":
        raise Failure(f"alerts during the partition: {alerts}")
    ok()
    print(f"partition: SiteOffline {{site=\"site-b\"}} after {time.monotonic() - t0:.1f} s")


def check_heal(run):
    run.sim("/sim/v1/heal")
    t0 = time.monotonic()
    wait_for("SiteOffline expression empty after the heal", STEP_BOUND_S,
             lambda: not run.query(SITE_OFFLINE))
    ok()
    wait_for("SiteOffline alert resolved", STEP_BOUND_S, lambda: not run.site_offline_alerts())
    ok()
    view = run.query('vendor_jgroups_site_view_status{namespace="default",site="site-b"}')
    if [r["value"][1] for r in view] != ["1"]:
        raise Failure(f"site-a's view of site-b after the heal: {view}")
    ok()
    print(f"heal: SiteOffline empty after {time.monotonic() - t0:.1f} s")


def main():
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    xsim = sys.argv[1]
    prometheus = sys.argv[2] if len(sys.argv) > 2 else shutil.which("prometheus")
    if not prometheus:
        print("SKIP: no prometheus (Debian package `prometheus`)")
        return 77
    run = Run(xsim, prometheus)
    # meson's timeout sends SIGTERM: stop both processes before going.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    t0 = time.monotonic()
    try:
        run.start_server()
        run.start_prometheus()
        print(f"prometheus ready after {time.monotonic() - t0:.1f} s")
        check_scraped(run)
        print(f"both sites scraped after {time.monotonic() - t0:.1f} s")
        check_partition(run)
        check_heal(run)
        run.stop_server()
    except Failure as e:
        print(f"FAIL: {e}", file=sys.stderr)
        for name in ("server.err", "prometheus.log"):
            print(f"--- {name} (tail)\n{run.tail(name)}", file=sys.stderr)
        print(f"{CHECKS} passed, 1 failed")
        return 1
    finally:
        run.stop()
    print(f"{CHECKS} passed, 0 failed ({time.monotonic() - t0:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
