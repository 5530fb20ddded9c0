"""Another program holds the store's write lock (`sqlite3`'s `BEGIN IMMEDIATE` left open, a
database browser with unsaved changes) past SQLite's busy timeout (10 s), beside a real
`tickwork engine`: the engine says so once, fires nothing meanwhile, and once the lock is let
go catches up what fell due by the task's policy. It failed its writes one by one, a
traceback each, and the fires it had claimed while waiting were never run nor recorded."""

from __future__ import annotations

import itertools
import sqlite3
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from app.store.times import from_utc_text
from tests.engine.conftest import wait_until

SAID = "another process holds the write lock of"


def fires(home: Path) -> list[tuple[str, int, str, str]]:
    con = sqlite3.connect(home / "tickwork.db")
    try:
        return con.execute("SELECT r.scheduled_for, r.attempt, r.status, r.trigger FROM run r "
                           "JOIN task t ON t.id = r.task_id WHERE t.name = 'tick' "
                           "ORDER BY r.scheduled_for").fetchall()
    finally:
        con.close()


def test_a_write_lock_held_past_the_busy_timeout_pauses_once_and_loses_no_fire(
        spawn: Any, cli: Any, home: Path) -> None:
    assert cli("task", "add", "tick", "--every", "1s", "--catch-up", "all",
               "--command", "true").code == 0
    engine = spawn()
    engine.wait_for("engine running")
    wait_until(lambda: len(fires(home)) >= 2, 10)
    lock = sqlite3.connect(home / "tickwork.db", isolation_level=None)
    lock.execute("BEGIN IMMEDIATE")  # the other program's write, never committed
    try:
        engine.wait_for(SAID, 25)
        time.sleep(2.5)  # fires fall due while firing is paused
        listed = cli("task", "list")  # reading is not held up
        assert listed.code == 0 and "tick" in listed.out
    finally:
        lock.rollback()
        lock.close()
    engine.wait_for("the store's write lock was let go", 15)
    caught = wait_until(lambda: [at for at, _a, _s, trigger in fires(home)
                                 if trigger == "catch_up"], 15)
    wait_until(lambda: [at for at, _a, _s, trigger in fires(home)
                        if trigger == "schedule" and at > max(caught)][1:], 15)

    rows = fires(home)
    firsts = [from_utc_text(at) for at, attempt, _s, _t in rows if attempt == 1]
    assert len(firsts) == len(set(firsts))  # no fire twice
    gaps = [b - a for a, b in itertools.pairwise(firsts)]
    assert max(gaps) <= timedelta(seconds=1, milliseconds=1), "a fire was lost"
    text = engine.text()
    assert text.count(SAID) == 1
    assert "Traceback" not in text and "engine write failed" not in text
    assert engine.stop() == 0


def test_the_wal_a_long_read_let_grow_shrinks_once_the_read_ends(
        spawn: Any, cli: Any, home: Path) -> None:
    """A program that leaves a read open (a database browser's `BEGIN; SELECT …`) keeps SQLite
    from checkpointing past it, so the `-wal` file grows while it reads (~135 KB a second
    with two one-second tasks). Once it ends, the file is cut back at the next checkpoint:
    it stayed at its largest for as long as the engine ran."""
    assert cli("task", "add", "tick", "--every", "1s", "--command", "true").code == 0
    engine = spawn()
    engine.wait_for("engine running")
    wal = home / "tickwork.db-wal"
    wait_until(lambda: len(fires(home)) >= 2, 10)
    reader = sqlite3.connect(home / "tickwork.db", isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM run").fetchone()  # its snapshot, held
    try:
        other = sqlite3.connect(home / "tickwork.db", isolation_level=None, timeout=10)
        other.execute("BEGIN IMMEDIATE")  # another program's large write, gone again
        other.execute("CREATE TABLE scratch (b BLOB)")
        other.executemany("INSERT INTO scratch VALUES (randomblob(1048576))",
                          [()] * 48)
        other.execute("DROP TABLE scratch")
        other.execute("COMMIT")
        other.close()
        assert wal.stat().st_size > 48 << 20
        wait_until(lambda: len(fires(home)) >= 4, 10)  # the engine writes past the reader
    finally:
        reader.rollback()
        reader.close()
    wait_until(lambda: wal.stat().st_size <= 32 << 20, 15)
    assert engine.stop() == 0


@pytest.mark.parametrize("suffix", ["-shm", "-wal"])
def test_a_store_file_deleted_under_the_engine_stops_it_before_writes_are_lost(
        spawn: Any, cli: Any, home: Path, suffix: str) -> None:
    """`tickwork.db-shm` (or `-wal`) deleted while the engine runs (a clean-up script, a sync
    tool): the engine's connections went on through the deleted file, which no other program
    sees. A command beside it then wrote through a new one: `task add` said "created task 6"
    twice and neither task was kept (-shm), or a command said the store was damaged and to
    restore a backup (-wal). The engine stops in one line instead; what it recorded is kept,
    and commands work once it has stopped."""
    assert cli("task", "add", "tick", "--every", "1s", "--command", "true").code == 0
    engine = spawn()
    engine.wait_for("engine running")
    wait_until(lambda: len(fires(home)) >= 2, 10)
    recorded = {at for at, *_rest in fires(home)}
    (home / f"tickwork.db{suffix}").unlink()
    assert engine.proc.wait(15) != 0
    said = f"tickwork.db{suffix} was deleted or replaced"
    logged = [line for line in engine.text().splitlines() if " ERROR " in line]
    assert [said in line for line in logged] == [True], logged  # (and the exit's own line)
    assert "Traceback" not in engine.text()
    assert recorded <= {at for at, *_rest in fires(home)}  # what it had recorded is kept
    for name in ("one", "two"):
        added = cli("task", "add", name, "--every", "1h", "--command", "true")
        assert added.code == 0, added.err
    listed = cli("task", "list").out
    assert all(name in listed for name in ("tick", "one", "two"))
    con = sqlite3.connect(home / "tickwork.db")
    try:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        con.close()


def test_permissions_loosened_under_the_engine_are_tightened_again(
        spawn: Any, cli: Any, home: Path) -> None:
    """Group or other bits added to the home or the store's files while the engine runs (a
    `chmod -R g+r ~`, a sync tool restoring modes) are taken away again within seconds, and
    the fix is audited, as at every open: a window's engine, which opens the store once,
    left the store readable by the group for as long as it ran."""
    assert cli("task", "add", "tick", "--every", "1s", "--command", "true").code == 0
    engine = spawn()
    engine.wait_for("engine running")
    wait_until(lambda: len(fires(home)) >= 2, 10)
    paths = [home, home / "tickwork.db", home / "tickwork.db-wal"]
    for path in paths:
        path.chmod(path.stat().st_mode | 0o044)
    wait_until(lambda: all(p.stat().st_mode & 0o077 == 0 for p in paths), 10)
    trail = cli("audit", "--search", "permissions").out.splitlines()
    assert [line for line in trail if "store.permissions_fixed" in line and " engine " in line]
    assert engine.stop() == 0
