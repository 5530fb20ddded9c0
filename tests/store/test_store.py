"""The store: schema, pragmas, permissions, refusals, and the audit chain."""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

import pytest

from app.core.errors import StoreError
from app.store.database import Store
from app.store.home import resolve_home
from app.store.models import SCHEMA_VERSION, db
from tests.conftest import command_task


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_new_store_is_private_wal_and_versioned(home: Path) -> None:
    store = Store.open(home)
    try:
        assert mode(home) == 0o700
        assert mode(store.path) == 0o600
        assert db.execute_sql("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1
        assert db.execute_sql("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        version = db.execute_sql("SELECT value FROM meta WHERE key='schema_version'").fetchone()
        assert int(version[0]) == SCHEMA_VERSION
    finally:
        store.close()


def test_loose_permissions_are_fixed_and_audited(home: Path) -> None:
    Store.open(home).close()
    os.chmod(home, 0o755)
    os.chmod(home / "tickwork.db", 0o644)
    store = Store.open(home)
    try:
        assert mode(home) == 0o700
        assert mode(store.path) == 0o600
        from app.service import Service

        events = Service(store, "cli").audit_events()
        fixed = [e for e in events if e["action"] == "store.permissions_fixed"]
        assert fixed and "0o644" in str(fixed[0]["before"])
        assert Service(store, "cli").verify_audit().ok
    finally:
        store.close()


def test_newer_schema_is_refused_with_a_clear_message(home: Path) -> None:
    Store.open(home).close()
    con = sqlite3.connect(home / "tickwork.db")
    con.execute("UPDATE meta SET value='99' WHERE key='schema_version'")
    con.commit()
    con.close()
    with pytest.raises(StoreError, match="schema version 99, newer than"):
        Store.open(home)


def test_corrupt_file_is_refused(home: Path) -> None:
    home.mkdir(mode=0o700)
    (home / "tickwork.db").write_bytes(b"this is not sqlite" * 100)
    os.chmod(home / "tickwork.db", 0o600)
    with pytest.raises(StoreError, match="not an SQLite database"):
        Store.open(home)


def test_foreign_sqlite_database_is_refused(home: Path) -> None:
    home.mkdir(mode=0o700)
    con = sqlite3.connect(home / "tickwork.db")
    con.execute("CREATE TABLE stuff (x)")
    con.commit()
    con.close()
    with pytest.raises(StoreError, match="not a Tickwork database"):
        Store.open(home)


def test_home_resolution_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TICKWORK_HOME", str(tmp_path / "env"))
    assert resolve_home(str(tmp_path / "flag")) == tmp_path / "flag"
    assert resolve_home(None) == tmp_path / "env"
    monkeypatch.delenv("TICKWORK_HOME")
    assert "tickwork" in str(resolve_home(None))


def test_times_are_stored_in_utc(service: object, store: Store) -> None:
    from app.service import Service

    assert isinstance(service, Service)
    service.create_task(command_task("t", timezone="Europe/Berlin",
                                     schedule={"kind": "cron", "expr": "0 12 * * *"}))
    raw = db.execute_sql("SELECT next_run_at, created_at FROM task").fetchone()
    assert raw[0].endswith("+00:00") and raw[1].endswith("+00:00")
    assert raw[0][11:13] in ("10", "11")  # noon in Berlin is 10:00 or 11:00 UTC


def test_a_run_read_fills_each_field_from_its_own_column() -> None:
    """Runs are read as tuples into `Run` by position (app/store/runs.py `_COLUMNS`): the
    columns line up with the fields, task name aside."""
    from dataclasses import fields

    from app.core.run import Run
    from app.store import runs

    named = {"task": "task_id", "parent_run": "parent_run_id"}
    assert [named.get(c.name, c.name) for c in runs._COLUMNS] == [
        f.name for f in fields(Run) if f.name != "task_name"]
