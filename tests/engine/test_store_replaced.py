"""A backup put back by hand under a running `tickwork engine`: `cp backup.db tickwork.db`
(its contents replaced, the same file) or `mv` (another file in its place), or the store's
file deleted. The copy was not seen at all: the engine went on, and every reader read the
pages of the engine's log over the copy's — a backup newer than the log's last checkpoint
was silently undone (here: the task added after it still listed, the engine still firing).
A file moved over it was seen, but the engine's store was thrown away as it let go, and it
exited 1 for a service manager to start again. Now each stops the engine in one line (exit
66: not started again) and keeps the two apart: the file put there is the store, whole, as it
was put, and the engine's store is kept in backups/ where it can be (moved over, deleted),
for `tickwork restore` to bring back (app/store/replaced.py)."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.engine.conftest import EngineProcess, wait_until


def _names(cli: Any) -> list[str]:
    return sorted(t["name"] for t in cli("task", "list", "--json").json())


def _stopped(engine: EngineProcess) -> str:
    """The engine's one ERROR line, once it exited 66 (no traceback)."""
    try:
        code = engine.proc.wait(30)
    except subprocess.TimeoutExpired:
        pytest.fail(f"the engine went on:\n{engine.text()}")
    text = engine.text()
    assert code == 66, text
    assert "Traceback" not in text, text
    errors = [line for line in text.splitlines() if " ERROR " in line]
    assert len(errors) == 1, text
    return errors[0].split(" ERROR tickwork.engine: ", 1)[1]


def _whole(store: Path) -> list[str]:
    """The store file's tasks, read as it is (no command opens it first), and sound."""
    con = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
    try:
        assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        return sorted(name for (name,) in con.execute("SELECT name FROM task"))
    finally:
        con.close()


@pytest.fixture(params=["backup", "raw copy"])
def backed_up(cli: Any, home: Path, tmp_path: Path, spawn: Any,
              request: pytest.FixtureRequest) -> tuple[Path, EngineProcess]:
    """A backup holding task "before" (`tickwork backup`'s, or the store's file copied while
    no engine ran), then "after" added and run beside an engine, which runs on: a task of
    its own fires every second."""
    assert cli("task", "add", "before", "--command", "true", "--manual").code == 0
    backup = tmp_path / "backup.db"
    if request.param == "backup":
        assert cli("backup", str(backup)).code == 0
    else:  # (in WAL mode, as the store is: only the engine's stamp tells them apart)
        shutil.copyfile(home / "tickwork.db", backup)
    assert cli("task", "add", "tick", "--command", "true", "--every", "1s").code == 0
    engine = spawn()
    engine.wait_for("engine running")
    assert cli("task", "add", "after", "--command", "true", "--manual").code == 0
    assert cli("task", "run", "after", "--wait").code == 0
    wait_until(lambda: _stamp(home / "tickwork.db") != _stamp(backup), 15)  # (the engine's)
    return backup, engine


def _stamp(store: Path) -> int:
    """The number in the file's header that the engine stamps it with as it leads."""
    with store.open("rb") as fh:  # (this process holds no SQLite lock on it to lose)
        return int.from_bytes(fh.read(64)[60:64], "big")


def test_a_backup_copied_over_the_store_stops_the_engine_and_is_the_store_whole(
        cli: Any, home: Path, backed_up: tuple[Path, EngineProcess]) -> None:
    backup, engine = backed_up
    store = home / "tickwork.db"
    shutil.copyfile(backup, store)  # `cp backup.db tickwork.db`: the same file, rewritten
    line = _stopped(engine)
    assert line.startswith(f"{store} was overwritten while the engine ran (a file copied over "
                           "it?): the engine stopped and wrote nothing more, so the store is "
                           "the file put there, as it was put"), line
    assert "`tickwork restore FILE`" in line, line
    assert not Path(f"{store}-wal").exists() and not Path(f"{store}-shm").exists()
    assert _whole(store) == ["before"]  # not "after" read over it, nor "tick"
    aside = sorted((home / "backups").glob("*-overwritten.db-wal"))
    assert len(aside) == 1 and str(aside[0]) in line, line
    assert _names(cli) == ["before"]


@pytest.mark.parametrize("how", ["moved over", "deleted"])
def test_a_store_moved_over_or_deleted_stops_the_engine_and_keeps_its_store(
        cli: Any, home: Path, tmp_path: Path, backed_up: tuple[Path, EngineProcess],
        how: str) -> None:
    backup, engine = backed_up
    store = home / "tickwork.db"
    if how == "moved over":
        shutil.copyfile(backup, tmp_path / "new.db")
        os.replace(tmp_path / "new.db", store)  # `mv`: another file in the store's place
    else:
        store.unlink()
    line = _stopped(engine)
    (kept,) = (home / "backups").glob("*-replaced.db")
    assert f"the store it had is kept as {kept}: `tickwork restore {kept}` puts it back" in line
    if how == "moved over":
        assert line.startswith(f"{store} was replaced while the engine ran (a file moved or "
                               "copied over it?): the engine stopped and wrote nothing into "
                               "the file there now, which is the store from now on"), line
        assert _whole(store) == ["before"]
    else:
        assert line.startswith(f"{store} was deleted or moved away while the engine ran: the "
                               "engine stopped;"), line
    assert _whole(kept) == ["after", "before", "tick"]  # the engine's, whole
    restored = cli("restore", str(kept))
    assert restored.code == 0, restored
    assert _names(cli) == ["after", "before", "tick"]
    runs = cli("run", "list", "--task", "after", "--json").json()
    assert [r["status"] for r in runs] == ["succeeded"], runs
