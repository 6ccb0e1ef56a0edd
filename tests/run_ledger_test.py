#!/usr/bin/env python3
"""run_ledger_test.py - `xsim run --ledger` and `xsim ledger`.

Runs the scenario library twice into a fresh ledger: the ledger is sqlite3
in WAL mode with schema version 1 in its meta table, holds one row per run,
and `xsim ledger` lists every run, compares each with its previous one and
flags nothing (exit status 0).  Then a row is tampered with (its event hash,
then, in a copy, its verdict): `xsim ledger` flags that run as
NONDETERMINISTIC and exits 1.  A run recorded under another commit is a code
change, not a flag.

usage: run_ledger_test.py XSIM SCENARIOS_DIR
"""
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile


def ledger(xsim, db, *args):
    return subprocess.run([xsim, "ledger", db, *args], capture_output=True, text=True)


def main():
    xsim, scenarios = sys.argv[1], sys.argv[2]
    nfiles = len([f for f in os.listdir(scenarios) if f.endswith(".xsim")])
    env = dict(os.environ)
    env.pop("XSIM_COMMIT", None)
    with tempfile.TemporaryDirectory() as tmp:
        db = os.path.join(tmp, "ledger.sqlite")
        for _ in range(2):
            p = subprocess.run([xsim, "run", scenarios, "-j", "2", "--ledger", db], capture_output=True,
                               text=True, env=env)
            assert p.returncode == 0, p.stdout + p.stderr
            assert f"{nfiles} runs recorded in {db}" in p.stderr, p.stderr
        con = sqlite3.connect(db)
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert con.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()[0] == "1"
        assert con.execute("SELECT count(*) FROM runs").fetchone()[0] == 2 * nfiles
        assert con.execute("SELECT count(DISTINCT commit_id) FROM runs").fetchone()[0] == 1
        p = ledger(xsim, db, "--all")
        assert p.returncode == 0, p.stdout + p.stderr
        assert "NONDETERMINIS" not in p.stdout, p.stdout
        assert p.stdout.count("first run") == nfiles and p.stdout.count("same as #") == nfiles, p.stdout

        # Tamper: the last ch11 run's event hash.
        (rid,) = con.execute("SELECT max(id) FROM runs WHERE scenario='ch11-recover-passive'").fetchone()
        verdict_copy = os.path.join(tmp, "verdict.sqlite")
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        shutil.copy(db, verdict_copy)
        con.execute("UPDATE runs SET event_hash='0x0000000000000bad' WHERE id=?", (rid,))
        con.commit()
        con.close()
        p = ledger(xsim, db)
        assert p.returncode == 1, p.stdout + p.stderr
        assert "NONDETERMINISM: 1 run changed" in p.stdout, p.stdout
        assert f"run #{rid} ch11-recover-passive seed 1: NONDETERMINISTIC" in p.stdout, p.stdout
        assert "event hash" in p.stdout and "0x0000000000000bad" in p.stdout, p.stdout

        # Tamper a copy: a verdict (a result change) is flagged too.
        con = sqlite3.connect(verdict_copy)
        con.execute("UPDATE runs SET verdict='FAIL' WHERE id=?", (rid,))
        con.commit()
        con.close()
        p = ledger(xsim, verdict_copy)
        assert p.returncode == 1 and "verdict pass -> FAIL" in p.stdout, p.stdout

        # Another commit is a code change: reported, not flagged.
        p = subprocess.run([xsim, "run", os.path.join(scenarios, "ch10-switch-over.xsim"), "--ledger",
                            verdict_copy, "--commit", "another-commit"], capture_output=True, text=True)
        assert p.returncode == 0, p.stdout + p.stderr
        p = ledger(xsim, verdict_copy, "--last", "1")
        assert p.returncode == 0 and "code changed since" in p.stdout, p.stdout
    print(f"ledger: {2 * nfiles} runs recorded, no flags; a tampered hash and verdict are flagged")


if __name__ == "__main__":
    main()
