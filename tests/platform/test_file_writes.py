"""`FileWrites`: a descriptor that wakes a sleeping thread when a file is written — by
another process, after the file was replaced, or once it first appears — and stays quiet
while nothing writes it (or only other files in its folder are written)."""

from __future__ import annotations

import os
import select
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.platform.file_writes import FileWrites

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="inotify")


def _heard(watch: FileWrites, timeout: float = 5.0) -> bool:
    """The descriptor woke within `timeout` and its events were about the file."""
    ready, _, _ = select.select([watch.fd], [], [], timeout)
    return bool(ready) and watch.drain()


def _quiet(watch: FileWrites) -> bool:
    ready, _, _ = select.select([watch.fd], [], [], 0.2)
    return not ready or not watch.drain()


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "store.db"
    con = sqlite3.connect(path)  # held open, as the engine holds its store: the log stays
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("CREATE TABLE t (x)")
    con.commit()
    yield path
    con.close()


def test_another_processes_commit_wakes_the_watch(db: Path) -> None:
    watch = FileWrites.open(Path(f"{db}-wal"))
    assert watch is not None
    assert _quiet(watch)  # nothing written yet: nothing heard
    subprocess.run([sys.executable, "-c", "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]);"
                    " c.execute('INSERT INTO t VALUES (1)'); c.commit()", str(db)], check=True)
    assert _heard(watch)
    assert _quiet(watch)  # drained: quiet again until the next write
    watch.close()


def test_a_file_replaced_or_made_later_is_still_heard(tmp_path: Path) -> None:
    path = tmp_path / "log"
    watch = FileWrites.open(path)  # not there yet
    assert watch is not None
    path.write_text("first")
    assert _heard(watch)  # made
    path.write_text("again")
    assert _heard(watch)  # written once made
    other = tmp_path / "log.new"
    other.write_text("new")
    assert _quiet(watch)  # another file of the folder is not this one
    os.replace(other, path)
    assert _heard(watch)  # replaced
    with path.open("a") as f:
        f.write("more")
    assert _heard(watch)  # the new file is the one watched
    path.unlink()
    assert _heard(watch)
    path.write_text("back")
    assert _heard(watch)
    watch.close()


def test_no_watch_where_the_folder_is_missing(tmp_path: Path) -> None:
    assert FileWrites.open(tmp_path / "nowhere" / "store.db-wal") is None
