"""A home's remembered shared store (`tickwork settings --shared-store URL|off`, the
window's File → Connect…), through the real CLI: every command in that home then uses the
PostgreSQL store (another home naming the server sees the same tasks), `off` brings back
the home's own file, and bad values — a mistyped URL, a password in it, a damaged
`store-url` file — are one line naming the field, exit 2, nothing changed."""

from __future__ import annotations

import json
import os
import stat
import subprocess
from pathlib import Path

import psycopg

from faults.harness import wait_until
from tests.conftest import ROOT, CliResult
from tests.support import tickwork
from tests.support.processes import stop


def _cli(home: Path, *args: str) -> CliResult:
    env = {k: v for k, v in os.environ.items() if k != "TICKWORK_STORE"}
    proc = tickwork.run(["--home", str(home), *args], timeout=60, cwd=ROOT, env=env)
    return CliResult(proc.returncode, proc.stdout, proc.stderr)


def test_a_remembered_shared_store_serves_every_command_until_turned_off(
        home: Path, pg_url: str, tmp_path: Path) -> None:
    chose = _cli(home, "settings", "--shared-store", pg_url)
    assert chose.code == 0 and "shared store" in chose.out, chose.err
    remembered = home / "store-url"
    assert remembered.read_text().strip() == pg_url
    assert stat.S_IMODE(remembered.stat().st_mode) == 0o600
    added = _cli(home, "task", "add", "nightly", "--command", "true", "--every", "1h")
    assert added.code == 0, added.err
    laptop = _cli(tmp_path / "laptop", "--store", pg_url, "task", "list", "--json")
    assert [t["name"] for t in laptop.json()] == ["nightly"]  # it went to the server
    assert not (home / "tickwork.db").exists()
    shown = _cli(home, "settings", "--json").json()
    assert shown["store"] == pg_url
    log = tmp_path / "engine.log"  # `tickwork engine` in that home leads the shared store
    env = {k: v for k, v in os.environ.items() if k != "TICKWORK_STORE"}
    with log.open("w") as err:
        engine = tickwork.start(["--home", str(home), "engine"], cwd=ROOT,
                                env={**env, "TICKWORK_PACE": "0.1"},
                                stdout=subprocess.DEVNULL, stderr=err)
    try:
        wait_until(lambda: "engine running" in log.read_text(), 60)
        with psycopg.connect(pg_url, autocommit=True) as con:
            row = con.execute("SELECT value FROM meta WHERE key = 'leader'").fetchone()
        assert row and json.loads(row[0])["pid"] == engine.pid, log.read_text()
    finally:
        stop(engine)
    off = _cli(home, "settings", "--shared-store", "off")
    assert off.code == 0 and not remembered.exists()
    assert _cli(home, "task", "list", "--json").json() == []  # the home's own file again


def test_bad_shared_store_values_are_one_line_and_change_nothing(home: Path) -> None:
    for bad, word in (("http://host/db", "PostgreSQL URL"),
                      ("postgresql://me:hunter2@host/db", ".pgpass")):
        result = _cli(home, "settings", "--shared-store", bad)
        assert result.code == 2 and result.err.count("\n") == 1, result.err
        assert "shared-store" in result.err and word in result.err, result.err
        assert "hunter2" not in result.err
        assert not (home / "store-url").exists()
    (home / "store-url").write_text("sqlite:///elsewhere.db\n")  # a hand edit gone wrong
    listed = _cli(home, "task", "list")
    assert listed.code == 2 and listed.err.count("\n") == 1, listed.err
    assert "store-url" in listed.err
    assert _cli(home, "settings", "--shared-store", "off").code == 0  # always recoverable
    assert _cli(home, "task", "list", "--json").json() == []
