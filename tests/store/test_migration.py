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
    assert int(version) == SCHEMA_VERSION >= 2
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


def _v2_store(home: Path) -> Path:
    """A version-2 store file as version 2 left it: the version-1 dump plus the 1 → 2 step
    (run.pgid, run.leader_created), auto_vacuum off, in WAL mode, with some history."""
    path = _v1_store(home)
    con = sqlite3.connect(path)
    con.execute('ALTER TABLE "run" ADD COLUMN "pgid" INTEGER')
    con.execute('ALTER TABLE "run" ADD COLUMN "leader_created" REAL')
    con.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'")
    (task_id,) = con.execute("SELECT id FROM task").fetchone()
    con.executemany(
        'INSERT INTO "run" (task_id, scheduled_for, attempt, status, "trigger", finished_at, '
        "cancel_requested) VALUES (?, ?, 1, 'succeeded', 'schedule', ?, 0)",
        [(task_id, f"2020-01-01T00:{i // 60:02d}:{i % 60:02d}.000000+00:00",
          f"2020-01-01T00:{i // 60:02d}:{i % 60:02d}.000000+00:00") for i in range(50)])
    con.commit()
    con.close()
    return path


def test_a_version_2_store_gets_keep_columns_and_incremental_vacuum(home: Path,
                                                                    cli: Any) -> None:
    path = _v2_store(home)
    con = sqlite3.connect(path)
    assert con.execute("PRAGMA auto_vacuum").fetchone()[0] == 0
    con.close()
    assert "keep_runs" not in _columns(path, "task")
    task = cli("task", "show", "nightly", "--json").json()
    assert (task["keep_runs"], task["keep_days"]) == (None, None)  # the global default
    assert cli("task", "update", "nightly", "--keep-runs", "3").code == 0
    assert cli("task", "show", "nightly", "--json").json()["keep_runs"] == 3
    con = sqlite3.connect(path)
    assert con.execute("PRAGMA auto_vacuum").fetchone()[0] == 2  # incremental
    (version,) = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    (runs,) = con.execute("SELECT COUNT(*) FROM run").fetchone()
    (check,) = con.execute("PRAGMA integrity_check").fetchone()
    con.close()
    assert int(version) == SCHEMA_VERSION >= 3 and check == "ok" and runs == 52
    assert list((home / "backups").glob("*migration*"))  # the old file was kept first


def _schema(path: Path) -> dict[str, str]:
    con = sqlite3.connect(path)
    rows = dict(con.execute("SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL"))
    con.close()
    return rows


def test_an_older_store_never_gives_a_deleted_task_s_or_run_s_id_again(home: Path,
                                                                       cli: Any) -> None:
    """Version 5: ids are never reused. The migration makes `task` and `run` anew with
    AUTOINCREMENT, with every row, index and reference they had; then the newest task,
    deleted with its runs, leaves its ids behind for good."""
    path = _v2_store(home)
    before = _schema(path)
    tables = ("task", "run", "run_output", "dependency")
    columns = {t: ", ".join(f'"{c}"' for c in ["id", *sorted(_columns(path, t) - {"id"})])
               for t in tables}
    con = sqlite3.connect(path)
    rows_before = {t: con.execute(f'SELECT {columns[t]} FROM "{t}" ORDER BY id').fetchall()
                   for t in tables}
    con.close()
    added = cli("task", "add", "newest", "--command", "true", "--manual", "--json")
    assert added.code == 0, added.err
    newest = added.json()["id"]
    run = cli("task", "run", "newest", "--json").json()["id"]
    after = _schema(path)
    assert "AUTOINCREMENT" in after["task"] and "AUTOINCREMENT" in after["run"]
    assert "lower(\"name\")" in after["task_name_lower"]  # names sort without case
    # indexes kept, but for the one by status alone: version 6 indexes status with finished_at
    assert {n for n in before if not n.startswith("sqlite_")} - {"run_status"} <= set(after)
    assert "run_status" not in after and '("status", "finished_at")' in after[
        "run_status_finished_at"]
    con = sqlite3.connect(path)
    for table, rows in rows_before.items():  # every row as it was (the old columns)
        assert con.execute(f'SELECT {columns[table]} FROM "{table}" WHERE id IN '
                           f'({",".join(str(r[0]) for r in rows) or "NULL"}) ORDER BY id'
                           ).fetchall() == rows
    assert con.execute("PRAGMA foreign_key_check").fetchall() == []
    con.close()
    assert cli("task", "delete", "newest", "--force").code == 0  # (its run is queued)
    again = cli("task", "add", "again", "--command", "true", "--manual", "--json").json()["id"]
    assert again > newest
    assert cli("task", "run", "again", "--json").json()["id"] > run
    assert cli("run", "show", str(run)).code == 2  # the deleted run stays gone


def test_references_an_older_store_left_dangling_are_settled_not_a_dead_end(
        home: Path, cli: Any) -> None:
    """Rows written while foreign keys were off: a run of a task long gone (with its
    output) and a retry whose parent run is gone. The upgrade settles them as their
    deletion would have, and the store opens."""
    path = _v2_store(home)
    con = sqlite3.connect(path)
    (task_id,) = con.execute("SELECT id FROM task").fetchone()
    con.execute('INSERT INTO "run" (task_id, scheduled_for, attempt, status, "trigger", '
                "cancel_requested) VALUES (9999, '2020-02-01T00:00:00.000000+00:00', 1, "
                "'succeeded', 'schedule', 0)")
    orphan = con.execute("SELECT max(id) FROM run").fetchone()[0]
    con.execute("INSERT INTO run_output (run_id, seq, stream, text, at) VALUES (?, 0, "
                "'stdout', 'x', '2020-02-01T00:00:00.000000+00:00')", (orphan,))
    con.execute('INSERT INTO "run" (task_id, scheduled_for, attempt, status, "trigger", '
                "cancel_requested, parent_run_id) VALUES (?, '2020-03-01T00:00:00.000000"
                "+00:00', 2, 'failed', 'retry', 0, 777777)", (task_id,))
    retry = con.execute("SELECT max(id) FROM run").fetchone()[0]
    con.commit()
    con.close()
    assert cli("task", "list").code == 0
    con = sqlite3.connect(path)
    assert con.execute("SELECT count(*) FROM run WHERE id = ?", (orphan,)).fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM run_output WHERE run_id = ?",
                       (orphan,)).fetchone()[0] == 0
    assert con.execute("SELECT parent_run_id FROM run WHERE id = ?", (retry,)).fetchone() == (
        None,)
    assert con.execute("PRAGMA foreign_key_check").fetchall() == []
    con.close()


def test_an_upgrade_waits_its_turn_past_the_write_lock_s_timeout(home: Path, cli: Any) -> None:
    """Another process holds the write lock longer than SQLite's 10 s busy timeout (a big
    store's upgrade in another process): the command waits and upgrades, not fails."""
    import threading
    import time

    path = _v2_store(home)
    holder = sqlite3.connect(path, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")  # the write lock, as an upgrading process holds it
    release = threading.Timer(11.5, holder.rollback)
    release.start()
    started = time.monotonic()
    try:
        listed = cli("task", "list", "--json", timeout=120)
    finally:
        release.join()
        holder.close()
    assert listed.code == 0, listed.err
    assert time.monotonic() - started >= 11
    con = sqlite3.connect(path)
    (version,) = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    con.close()
    assert int(version) == SCHEMA_VERSION
