#!/usr/bin/env python3
"""run_junit_test.py - `xsim run --junit/--json` read by real consumers.

Runs the scenario library once with --junit and --json, validates the JUnit
XML against tests/data/junit.xsd with xmllint, parses it with xml.etree (the way CI systems read it) and the JSON with json, and checks
the counts against each other and against the library: every testcase met its
expectation, the negative scenarios included.

usage: run_junit_test.py XSIM SCENARIOS_DIR
"""
import json
import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET


def main():
    xsim, scenarios = sys.argv[1], sys.argv[2]
    files = sorted(f for f in os.listdir(scenarios) if f.endswith(".xsim"))
    with tempfile.TemporaryDirectory() as tmp:
        junit, js = os.path.join(tmp, "junit.xml"), os.path.join(tmp, "run.json")
        p = subprocess.run([xsim, "run", scenarios, "--junit", junit, "--json", js],
                           capture_output=True, text=True)
        assert p.returncode == 0, p.stdout + p.stderr
        # Schema validation first (tests/data/junit.xsd, the JUnitReport
        # layout CI consumers expect), then a real consumer's reading.
        xsd = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "junit.xsd")
        v = subprocess.run(["xmllint", "--noout", "--schema", xsd, junit], capture_output=True, text=True)
        assert v.returncode == 0, v.stdout + v.stderr
        root = ET.parse(junit).getroot()
        assert root.tag == "testsuites", root.tag
        suites = root.findall("testsuite")
        assert len(suites) == 1
        suite = suites[0]
        cases = suite.findall("testcase")
        assert len(cases) == len(files) == int(suite.get("tests")), (len(cases), len(files), suite.get("tests"))
        # The common schema's required parts (Ant JUnitReport layout).
        for attr in ("package", "id", "timestamp", "hostname", "errors", "failures", "time"):
            assert suite.get(attr) is not None, attr
        kids = [c.tag for c in suite]
        assert kids[0] == "properties" and kids[-2:] == ["system-out", "system-err"], kids
        assert suite.get("failures") == "0" and suite.get("errors") == "0"
        assert not suite.findall("testcase/failure") and not suite.findall("testcase/error")
        for c in cases:
            assert c.get("classname").startswith("xsim.") and " seed " in c.get("name")
            assert float(c.get("time")) >= 0
        summary = json.load(open(js))
        assert summary["jobs"] == len(files) and summary["met"] == len(files) and summary["unmet"] == 0
        negative = [r for r in summary["results"] if r["expect_fail"]]
        assert len(negative) >= 2, "the library has negative scenarios"
        for r in negative:
            assert r["met"] and r["failed"] and r["failures"], r["scenario"]
        for r in summary["results"]:
            assert r["virtual_ms"] > 0 and r["event_hash"].startswith("0x"), r
    # A failing run: JUnit carries the failure, and the exit status says so.
    with tempfile.TemporaryDirectory() as tmp:
        bad = os.path.join(tmp, "bad.xsim")
        with open(bad, "w") as f:
            f.write("name bad\ntopology keycloak-ha\non site-a: site status --all-caches --site=site-b\n"
                    "    output: { \"status\" : \"offline\" }\n")
        junit = os.path.join(tmp, "junit.xml")
        p = subprocess.run([xsim, "run", bad, "--junit", junit], capture_output=True, text=True)
        assert p.returncode == 1, p.returncode
        assert "replay:" in p.stdout and "--seed 1" in p.stdout, p.stdout
        suite = ET.parse(junit).getroot().find("testsuite")
        assert suite.get("failures") == "1"
        failure = suite.find("testcase/failure")
        assert failure is not None and failure.get("type") == "step", ET.tostring(suite)
        assert "online" in failure.get("message")
    print("ok: %d testcases" % len(files))


if __name__ == "__main__":
    main()
