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
from app.store.models import db
from app.store.times import from_utc_text

# what belongs to a run, by its run id column, copied with it
_WITH_RUN = (("run_output", "run_id"), ("metric_sample", "run_id"))


@dataclass(frozen=True, slots=True)
class Carried:
    added: int = 0  # runs the backup did not have
    finished: int = 0  # runs the backup held unfinished that had finished since
    unreadable: str = ""  # why the replaced store could not be read (nothing carried)


def carry_runs(kept: Path) -> Carried:
    """Carry the runs of `kept` (the replaced store) into the open, restored store; call
    inside its write transaction."""
    try:
        old = connect_readonly(kept)
    except (sqlite3.Error, OSError) as exc:
        return Carried(unreadable=str(exc))
    try:
        return _carry(old, db.connection())
    except sqlite3.DatabaseError as exc:  # a damaged replaced store (kept as a raw copy)
        return Carried(unreadable=str(exc))
    finally:
        old.close()


def _carry(old: sqlite3.Connection, new: sqlite3.Connection) -> Carried:
    same = _same_tasks(old, new)
    if not same:
        return Carried()
    columns = _shared_columns(old, new, "run")
    have = dict(new.execute("SELECT id, status FROM run").fetchall())
    claimed = set(new.execute("SELECT task_id, scheduled_for, attempt FROM run").fetchall())
    add: list[tuple[Any, ...]] = []
    finish: list[tuple[Any, ...]] = []
    marks = ", ".join("?" * len(same))
    rows = old.execute(f"SELECT {', '.join(columns)} FROM run WHERE task_id IN ({marks})"
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


def _same_tasks(old: sqlite3.Connection, new: sqlite3.Connection) -> set[int]:
    """Ids of the tasks that are the same task in both stores (id and creation time)."""
    def made(con: sqlite3.Connection) -> dict[int, Any]:
        out: dict[int, Any] = {}
        for task_id, created in con.execute("SELECT id, created_at FROM task"):
            try:
                out[task_id] = from_utc_text(created)
            except (TypeError, ValueError):
                continue
        return out

    theirs, ours = made(old), made(new)
    return {task_id for task_id, created in ours.items() if theirs.get(task_id) == created}


def _shared_columns(old: sqlite3.Connection, new: sqlite3.Connection, table: str) -> list[str]:
    """The columns of `table` in both stores, in the restored store's order."""
    def names(con: sqlite3.Connection) -> list[str]:
        return [r[1] for r in con.execute(f'PRAGMA table_info("{table}")')]

    theirs = set(names(old))
    return [c for c in names(new) if c in theirs]


def _without_parent(row: tuple[Any, ...], index: int, known: set[int]) -> tuple[Any, ...]:
    if row[index] is None or row[index] in known:
        return row
    return (*row[:index], None, *row[index + 1:])


def _copy_children(old: sqlite3.Connection, new: sqlite3.Connection, table: str, key: str,
                   run_ids: list[int]) -> None:
    """Copy `table`'s rows of `run_ids` (new ids: their own are the replaced store's)."""
    columns = [c for c in _shared_columns(old, new, table) if c != "id"]
    if not columns or not run_ids:
        return
    quoted = ", ".join(f'"{c}"' for c in columns)
    insert = f"INSERT INTO {table} ({quoted}) VALUES ({', '.join('?' * len(columns))})"
    for start in range(0, len(run_ids), 500):
        chunk = run_ids[start:start + 500]
        marks = ", ".join("?" * len(chunk))
        new.execute(f"DELETE FROM {table} WHERE {key} IN ({marks})", chunk)
        new.executemany(insert, old.execute(
            f"SELECT {quoted} FROM {table} WHERE {key} IN ({marks}) ORDER BY id", chunk))
