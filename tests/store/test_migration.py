"""Schema migrations: a store made by an older Tickwork opens migrated, its data intact."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Any

from app.store.models import SCHEMA_VERSION

V1_DUMP = Path(__file__).with_name("schema_v1.sql")


def _v1_store(home: Path) -> Path:
    """A version-1 store file, as the old code left it (from its dump)."""
    home.mkdir(mode=0o700)
    path = home / "tickwork.db"
    fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
    os.close(fd)
    con = sqlite3.connect(path)
    con.executescript(V1_DUMP.read_text())
    con.execute("PRAGMA journal_mode=wal")
    con.close()
    return path


def _columns(path: Path, table: str) -> set[str]:
    con = sqlite3.connect(path)
    cols = {row[1] for row in con.execute(f'PRAGMA table_info("{table}")')}
    con.close()
    return cols


def test_a_version_1_store_is_migrated_with_its_data_intact(home: Path, cli: Any) -> None:
    path = _v1_store(home)
    assert "pgid" not in _columns(path, "run")
    runs = cli("run", "list", "--json")
    assert runs.code == 0, runs.err
    assert sorted((r["task_name"], r["status"], r["attempt"]) for r in runs.json()) == [
        ("nightly", "running", 1), ("nightly", "succeeded", 1)]
    task = cli("task", "show", "nightly", "--json").json()
    assert task["retries"] == 2 and task["action"]["argv"] == ["echo", "hi"]
    assert {"pgid", "leader_created"} <= _columns(path, "run")
    con = sqlite3.connect(path)
    (version,) = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    (check,) = con.execute("PRAGMA integrity_check").fetchone()
    con.close()
    assert int(version) == SCHEMA_VERSION == 2
    assert check == "ok"


def test_a_migrated_store_records_the_new_columns(home: Path) -> None:
    from app.store.database import Store
    from app.store.models import RunRow

    _v1_store(home)
    st = Store.open(home)
    try:
        row = RunRow.get(RunRow.status == "running")
        assert row.pgid is None and row.leader_created is None
        RunRow.update(pgid=4242, leader_created=1.5).where(RunRow.id == row.id).execute()
        again = RunRow.get_by_id(row.id)
        assert (again.pgid, again.leader_created) == (4242, 1.5)
    finally:
        st.close()
