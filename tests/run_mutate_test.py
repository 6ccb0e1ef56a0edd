#!/usr/bin/env python3
"""run_mutate_test.py - `xsim run --mutate` on the chapter 11 scenario.

Runs scenarios/ch11-recover-passive.xsim with --mutate (with -j 2 and with
-j 1) and reads the mutation table: every procedure step has a deletion
mutant and every step but the last a swap mutant; the deletions of the
take-offline, of every one of the eight `clearcache` steps, of the
bring-online and of the push-site-state are CAUGHT; the totals line adds up;
and the table is the same whatever the number of workers (mutants run with
the baseline's seed, deterministically).

usage: run_mutate_test.py XSIM SCENARIOS_DIR
"""
import os
import re
import subprocess
import sys

ROW = re.compile(r"^  (delete (\d+)|swap (\d+)<->(\d+))\s+(CAUGHT|SURVIVED|ERROR)\s+(.*)$")


def mutation_section(out):
    start = out.index("mutation testing (--mutate)")
    return out[start:]


def run(xsim, path, jobs):
    p = subprocess.run([xsim, "run", path, "--mutate", "-j", str(jobs)], capture_output=True, text=True)
    assert p.returncode == 0, p.stdout + p.stderr
    return mutation_section(p.stdout)


def steps_of(path):
    """Line number -> command of each top-level procedure step."""
    steps = {}
    with open(path) as f:
        for n, line in enumerate(f, 1):
            m = re.match(r"^on (\S+): (.*)$", line.rstrip("\n"))
            if m:
                steps[n] = m.group(2)
    return steps


def main():
    xsim, scenarios = sys.argv[1], sys.argv[2]
    path = os.path.join(scenarios, "ch11-recover-passive.xsim")
    table = run(xsim, path, 2)
    rows = {}
    for line in table.splitlines():
        m = ROW.match(line)
        if m:
            key = ("delete", int(m.group(2))) if m.group(2) else ("swap", int(m.group(3)), int(m.group(4)))
            rows[key] = (m.group(5), m.group(6))
    steps = steps_of(path)
    lines = sorted(steps)
    want = {("delete", n) for n in lines} | {("swap", a, b) for a, b in zip(lines, lines[1:])}
    assert set(rows) == want, (sorted(set(rows) ^ want), table)

    def deletion(command):
        (n,) = [k for k, c in steps.items() if c == command]
        return rows[("delete", n)]

    caches = ["actionTokens", "authenticationSessions", "clientSessions", "loginFailures",
              "offlineClientSessions", "offlineSessions", "sessions", "work"]
    for command in (["site take-offline --all-caches --site=site-a"]
                    + ["clearcache " + c for c in caches]
                    + ["site bring-online --all-caches --site=site-a",
                       "site push-site-state --all-caches --site=site-b"]):
        verdict, why = deletion(command)
        assert verdict == "CAUGHT", (command, verdict, why)
    # The take-offline's deletion is caught by the status step that follows
    # (its expected output) and by the history checks.
    _, why = deletion("site take-offline --all-caches --site=site-a")
    assert "step line" in why and "(site status --all-caches --site=site-a)" in why, why
    assert "no-lost-writes" in why, why
    caught = sum(1 for v, _ in rows.values() if v == "CAUGHT")
    survived = sum(1 for v, _ in rows.values() if v == "SURVIVED")
    total = re.search(r"mutants in all: (\d+) mutants, (\d+) caught, (\d+) survived", table)
    assert total and tuple(map(int, total.groups())) == (len(rows), caught, survived), table
    assert run(xsim, path, 1) == table, "the table differs between -j 1 and -j 2"
    print(f"ch11: {len(rows)} mutants, {caught} caught, {survived} survived")


if __name__ == "__main__":
    main()
