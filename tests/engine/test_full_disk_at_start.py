"""A disk that is full before anything opens the store (a real one: a 2 MiB tmpfs, which
needs root to mount): the CLI says so in one line, and `tickwork engine` waits for space,
then starts, instead of exiting for a service manager to restart until it gives up."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT, CliResult
from tests.engine.conftest import EngineProcess, wait_until
from tests.support import tickwork
from tests.support.tmpfs import mounted

pytestmark = pytest.mark.skipif(os.geteuid() != 0 or shutil.which("mount") is None,
                                reason="mounting a small tmpfs needs root")


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    with mounted(tmp_path / "small", "size=2m") as mount:
        yield mount


def cli_at(home: Path, *args: str) -> CliResult:
    proc = tickwork.run(["--home", str(home), *args], timeout=60, cwd=ROOT)
    return CliResult(proc.returncode, proc.stdout, proc.stderr)


def _fill(disk: Path) -> Path:
    filler = disk / "filler"
    with filler.open("wb") as out:
        try:
            while True:
                out.write(b"\0" * 65536)
                out.flush()
        except OSError:
            pass
    return filler


def test_a_full_disk_at_start_is_said_and_waited_for(small_disk: Path,
                                                     tmp_path: Path) -> None:
    home = small_disk / "home"
    assert cli_at(home, "task", "add", "a", "--command", "true", "--manual").code == 0
    filler = _fill(small_disk)
    listed = cli_at(home, "task", "list")
    assert listed.code == 1 and len(listed.err.strip().splitlines()) == 1
    assert "the disk holding it is full" in listed.err, listed.err
    # even into a roomy disk: the store itself cannot be opened to be read; said so, once
    backed = cli_at(home, "backup", str(tmp_path / "elsewhere.db"))
    assert backed.code == 1 and "full" in backed.err and "Traceback" not in backed.err
    engine = EngineProcess(home, tmp_path / "engine.log")
    try:
        engine.wait_for("waiting for space")
        assert engine.proc.poll() is None  # waiting, not exited
        filler.unlink()
        engine.wait_for("engine running", 40)
        assert engine.text().count("waiting for space") == 1  # said once
        run = cli_at(home, "task", "run", "a", "--json").json()["id"]
        wait_until(lambda: cli_at(home, "run", "show", str(run), "--json").json()["status"]
                   == "succeeded", 15)
    finally:
        assert engine.stop() == 0
    assert "Traceback" not in engine.text()


def test_a_restore_on_a_full_disk_changes_nothing_and_leaves_no_copy(small_disk: Path,
                                                                   tmp_path: Path) -> None:
    """A restore with no room to keep the store it replaces left a truncated, 0644
    "damaged" copy each time it was tried, eating what space was left (a fault hunt)."""
    home = small_disk / "home"
    assert cli_at(home, "task", "add", "a", "--command", "true", "--manual").code == 0
    kept = tmp_path / "backup.db"
    assert cli_at(home, "backup", str(kept)).code == 0
    store = sqlite3.connect(home / "tickwork.db")  # ~800 KB of history: more than is left
    with store:
        store.execute("INSERT INTO run (id, task_id, scheduled_for, attempt, status, trigger,"
                      " cancel_requested) VALUES (1, 1, '2026-12-01T00:00:00.000000+00:00', 1,"
                      " 'succeeded', 'manual', 0)")
        store.executemany("INSERT INTO run_output (run_id, seq, stream, text, at) VALUES "
                          "(1, ?, 'stdout', ?, '2026-12-01T00:00:00.000000+00:00')",
                          [(i, os.urandom(4000).hex()) for i in range(100)])
    store.close()
    backups = home / "backups"
    before = sorted(p.name for p in backups.iterdir()) if backups.exists() else []
    filler = _fill(small_disk)
    filler.write_bytes(filler.read_bytes()[:-300_000])  # room for part of a copy only
    for _ in range(2):
        restored = cli_at(home, "restore", str(kept))
        assert restored.code == 1 and len(restored.err.strip().splitlines()) == 1, restored
        assert "full" in restored.err, restored.err
    after = sorted(p.name for p in backups.iterdir()) if backups.exists() else []
    assert after == before
    assert all(p.stat().st_mode & 0o777 == 0o600 for p in backups.glob("*"))
    filler.unlink()
    assert [t["name"] for t in json.loads(cli_at(home, "task", "list", "--json").out)] == ["a"]

