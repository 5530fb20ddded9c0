"""What a restore keeps of the store it replaced: the runs that happened after the backup.

A backup is a moment; the engine went on after it. Restoring the backup alone would forget
every run since — and then run them again: the restored tasks' next fires lie in the past,
so the next engine's catch-up would run the latest of them once more, and a run the backup
caught `running` would be interrupted and retried although it finished long ago. Both were
real runs: the restored store gets their rows (and output and samples) from the replaced
store, so its history tells what happened and the ledger's unique key (task, fire,
attempt) makes a catch-up of a fire that did run a no-op.

Only runs of tasks that are the same task in both stores are carried: the same id and the
same creation time (a task created after the backup, or a different store restored over
this one, shares neither). A run the backup holds unfinished takes the replaced store's
row when that one finished; a run the backup lacks is added. Tasks, edits, dependencies and
the audit trail are the backup's: the restore puts those back as they were.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.core.task import FINISHED_STATUSES
from app.store.integrity import connect_readonly
from app.store.times import from_utc_text

# what belongs to a run, by its run id column, copied with it
_WITH_RUN = (("run_output", "run_id"), ("metric_sample", "run_id"))


@dataclass(frozen=True, slots=True)
class Carried:
    added: int = 0  # runs the backup did not have
    finished: int = 0  # runs the backup held unfinished that had finished since
    unreadable: str = ""  # why the replaced store could not be read (nothing carried)


class _Unreadable(Exception):
    """The replaced store failed a read: nothing is carried, the restore goes on."""


class _Kept:
    """The replaced store, read only; every read whole, so a damaged page fails here, as
    `_Unreadable`, and not as a failure to write the restored copy."""

    def __init__(self, path: Path) -> None:
        try:
            self.con = connect_readonly(path)
        except (sqlite3.Error, OSError) as exc:
            raise _Unreadable(str(exc)) from None

    def rows(self, sql: str, args: Any = ()) -> list[Any]:
        try:
            return self.con.execute(sql, args).fetchall()
        except sqlite3.Error as exc:
            raise _Unreadable(str(exc)) from None

    def close(self) -> None:
        self.con.close()


def carry_runs(kept: Path, into: Path) -> Carried:
    """Carry the runs of `kept` (the replaced store) into the store file `into` (the
    restored copy, not yet in place), in one transaction. A store that cannot be read (a
    damaged one, kept as a raw copy) carries nothing and says why; a failure to write
    `into` raises sqlite3.Error."""
    try:
        old = _Kept(kept)
    except _Unreadable as exc:
        return Carried(unreadable=str(exc))
    new = sqlite3.connect(into)
    try:
        with new:  # (rolled back by an _Unreadable too)
            return _carry(old, new)
    except _Unreadable as exc:
        return Carried(unreadable=str(exc))
    finally:
        new.close()
        old.close()


def _carry(old: _Kept, new: sqlite3.Connection) -> Carried:
    same = _same_tasks(old, new)
    if not same:
        return Carried()
    columns = _shared_columns(old, new, "run")
    have = dict(new.execute("SELECT id, status FROM run").fetchall())
    claimed = set(new.execute("SELECT task_id, scheduled_for, attempt FROM run").fetchall())
    add: list[tuple[Any, ...]] = []
    finish: list[tuple[Any, ...]] = []
    marks = ", ".join("?" * len(same))
    rows = old.rows(f"SELECT {', '.join(columns)} FROM run WHERE task_id IN ({marks})"
                    " ORDER BY id", sorted(same))
    at = {name: i for i, name in enumerate(columns)}
    for row in rows:
        run_id, status = row[at["id"]], row[at["status"]]
        if run_id not in have:
            if (row[at["task_id"]], row[at["scheduled_for"]], row[at["attempt"]]) not in claimed:
                add.append(row)
        elif have[run_id] not in FINISHED_STATUSES and status in FINISHED_STATUSES:
            finish.append(row)
    known = set(have) | {row[at["id"]] for row in add}
    if "parent_run_id" in at:  # a parent the restored history lacks is not named
        add = [_without_parent(row, at["parent_run_id"], known) for row in add]
    quoted = ", ".join(f'"{c}"' for c in columns)
    new.executemany(f"INSERT INTO run ({quoted}) VALUES ({', '.join('?' * len(columns))})",
                    add)
    updated = [c for c in columns if c not in ("id", "task_id", "parent_run_id")]
    assign = ", ".join(f'"{c}" = ?' for c in updated)
    new.executemany(f"UPDATE run SET {assign} WHERE id = ?",
                    [(*(row[at[c]] for c in updated), row[at["id"]]) for row in finish])
    moved = [row[at["id"]] for row in add] + [row[at["id"]] for row in finish]
    for table, key in _WITH_RUN:
        _copy_children(old, new, table, key, moved)
    return Carried(added=len(add), finished=len(finish))


def _same_tasks(old: _Kept, new: sqlite3.Connection) -> set[int]:
    """Ids of the tasks that are the same task in both stores (id and creation time)."""
    def made(rows: list[Any]) -> dict[int, Any]:
        out: dict[int, Any] = {}
        for task_id, created in rows:
            try:
                out[task_id] = from_utc_text(created)
            except (TypeError, ValueError):
                continue
        return out

    query = "SELECT id, created_at FROM task"
    theirs, ours = made(old.rows(query)), made(new.execute(query).fetchall())
    return {task_id for task_id, created in ours.items() if theirs.get(task_id) == created}


def _shared_columns(old: _Kept, new: sqlite3.Connection, table: str) -> list[str]:
    """The columns of `table` in both stores, in the restored store's order."""
    info = f'PRAGMA table_info("{table}")'
    theirs = {r[1] for r in old.rows(info)}
    return [r[1] for r in new.execute(info) if r[1] in theirs]


def _without_parent(row: tuple[Any, ...], index: int, known: set[int]) -> tuple[Any, ...]:
    if row[index] is None or row[index] in known:
        return row
    return (*row[:index], None, *row[index + 1:])


def _copy_children(old: _Kept, new: sqlite3.Connection, table: str, key: str,
                   run_ids: list[int]) -> None:
    """Copy `table`'s rows of `run_ids` (new ids: their own are the replaced store's)."""
    columns = [c for c in _shared_columns(old, new, table) if c != "id"]
    if not columns or not run_ids:
        return
    quoted = ", ".join(f'"{c}"' for c in columns)
    insert = f"INSERT INTO {table} ({quoted}) VALUES ({', '.join('?' * len(columns))})"
    for start in range(0, len(run_ids), 50):  # (a run's output is bounded: 50 in memory)
        chunk = run_ids[start:start + 50]
        marks = ", ".join("?" * len(chunk))
        new.execute(f"DELETE FROM {table} WHERE {key} IN ({marks})", chunk)
        new.executemany(insert, old.rows(
            f"SELECT {quoted} FROM {table} WHERE {key} IN ({marks}) ORDER BY id", chunk))
