"""What a restore keeps of the store it replaced: what happened after the backup.

A backup is a moment; the engine went on after it. Restoring the backup alone would forget
every run since — and then run them again: the restored tasks' next fires lie in the past,
so the next engine's catch-up would run them once more; a run the backup caught `queued`
or `running` would start again beside the copy a killed engine left running; and the ids
given since would be given again. So, when the replaced store descends from the backup
(the backup's last audit event is in its trail: another store restored over this one
takes nothing), the restored copy gets, before it takes the store's place:

- the runs made since, with their output and samples, and the newest state of every run
  both hold (a `running` row keeps its process group and token, so the next engine's
  recovery stops what a killed engine left and retries it by policy) — of the tasks that
  are the same task in both (the same id and creation time);
- each such task's next fire, when its schedule is the same in both: the fires before it
  were the replaced store's engine's to run (run, skipped, or their runs pruned since);
- the id counters, so no task or run id is given twice.

Tasks the replaced store no longer has (deleted since) come back with the backup; the
restore then moves their next fire past its own time (`absent`: app/restore.py), as what
they did since is unknown. Tasks, edits, dependencies and the audit trail are the
backup's: the restore puts those back as they were.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from app.store.integrity import connect_readonly
from app.store.times import from_utc_text

# what belongs to a run, by its run id column, copied with it
_WITH_RUN = (("run_output", "run_id"), ("metric_sample", "run_id"))


@dataclass(frozen=True, slots=True)
class Carried:
    added: int = 0  # runs the backup did not have
    updated: int = 0  # runs the backup holds as they were then, taken as they are now
    next_fires: int = 0  # tasks whose next fire the replaced store's engine had moved on
    absent: tuple[int, ...] = ()  # restored tasks the replaced store no longer has
    descends: bool = True  # the replaced store went on from the backup (else: nothing)
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
    if not _descends(old, new):
        return Carried(descends=False)
    same = _same_tasks(old, new)
    added, updated = _carry_runs(old, new, same)
    _carry_counters(old, new)
    theirs = {row[0] for row in old.rows("SELECT id FROM task")}
    absent = tuple(sorted(i for (i,) in new.execute("SELECT id FROM task") if i not in theirs))
    return Carried(added=added, updated=updated, next_fires=_carry_next_fires(old, new, same),
                   absent=absent)


def _descends(old: _Kept, new: sqlite3.Connection) -> bool:
    """Does the replaced store's audit trail hold the backup's last event (so it went on
    from the backup)?"""
    try:
        last = new.execute("SELECT id, hash FROM audit_event ORDER BY id DESC LIMIT 1"
                           ).fetchone()
    except sqlite3.Error:  # a backup without a trail: nothing tells
        return False
    return last is not None and bool(
        old.rows("SELECT 1 FROM audit_event WHERE id = ? AND hash = ?", last))


def _carry_runs(old: _Kept, new: sqlite3.Connection, same: set[int]) -> tuple[int, int]:
    """Add the runs the backup lacks and take the replaced store's row of those both hold
    where it changed since; their output and samples come along. (added, updated)"""
    if not same:
        return 0, 0
    columns = _shared_columns(old, new, "run")
    at = {name: i for i, name in enumerate(columns)}
    quoted = ", ".join(f'"{c}"' for c in columns)
    marks = ", ".join("?" * len(same))
    have = {row[at["id"]]: row for row in new.execute(
        f"SELECT {quoted} FROM run WHERE task_id IN ({marks})", sorted(same))}
    claimed = set(new.execute("SELECT task_id, scheduled_for, attempt FROM run").fetchall())
    add: list[tuple[Any, ...]] = []
    update: list[tuple[Any, ...]] = []
    for row in old.rows(f"SELECT {quoted} FROM run WHERE task_id IN ({marks}) ORDER BY id",
                        sorted(same)):
        run_id = row[at["id"]]
        if run_id in have:
            if tuple(have[run_id]) != tuple(row):
                update.append(row)
        elif (row[at["task_id"]], row[at["scheduled_for"]], row[at["attempt"]]) not in claimed:
            add.append(row)
    known = set(have) | {row[at["id"]] for row in add}
    if "parent_run_id" in at:  # a parent the restored history lacks is not named
        add = [_without_parent(row, at["parent_run_id"], known) for row in add]
    new.executemany(f"INSERT INTO run ({quoted}) VALUES ({', '.join('?' * len(columns))})",
                    add)
    changed = [c for c in columns if c not in ("id", "task_id", "parent_run_id")]
    assign = ", ".join(f'"{c}" = ?' for c in changed)
    new.executemany(f"UPDATE run SET {assign} WHERE id = ?",
                    [(*(row[at[c]] for c in changed), row[at["id"]]) for row in update])
    moved = [row[at["id"]] for row in add] + [row[at["id"]] for row in update]
    for table, key in _WITH_RUN:
        _copy_children(old, new, table, key, moved)
    return len(add), len(update)


def _carry_counters(old: _Kept, new: sqlite3.Connection) -> None:
    """Every id counter at least as far as the replaced store's: no id is given twice."""
    counters = "SELECT name, seq FROM sqlite_sequence"
    try:
        new.execute(counters)
        theirs = old.rows(counters)
    except (sqlite3.Error, _Unreadable):  # an older schema without them (its migration
        return  # counts from the largest id)
    for name, seq in theirs:
        new.execute("UPDATE sqlite_sequence SET seq = MAX(seq, ?) WHERE name = ?", (seq, name))


_WHEN = ("enabled", "schedule", "schedule_kind", "timezone", "start_at", "end_at")


def _carry_next_fires(old: _Kept, new: sqlite3.Connection, same: set[int]) -> int:
    """Each same task whose schedule is the same in both, enabled in both, takes the replaced
    store's next fire when that is later (or none: a one-shot that fired, a window that
    ended): the fires before it were that store's engine's to run. How many moved."""
    columns = [c for c in _WHEN if c in _shared_columns(old, new, "task")]
    if len(columns) < len(_WHEN) or not same:
        return 0
    query = f"SELECT id, next_run_at, {', '.join(columns)} FROM task"
    ours = {row[0]: row for row in new.execute(query)}
    moved: list[tuple[str | None, int]] = []
    for row in old.rows(query):
        mine = ours.get(row[0])
        if row[0] not in same or mine is None or mine[2:] != row[2:] or not row[2]:
            continue
        if mine[1] is not None and (row[1] is None or _later(row[1], mine[1])):
            moved.append((row[1], row[0]))
    new.executemany("UPDATE task SET next_run_at = ? WHERE id = ?", moved)
    return len(moved)


def _later(a: str, b: str) -> bool:
    try:
        return from_utc_text(a) > from_utc_text(b)
    except (TypeError, ValueError):
        return False


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


def skip_missed(task_ids: tuple[int, ...], now: datetime) -> list[str]:
    """Move the next fire of these tasks (restored, and deleted from the store the restore
    replaced: what they did since the backup is unknown) past `now`, so the next engine
    catches up none of their fires; call in the restored store's write transaction. The
    names of the tasks moved."""
    from app.core.schedule import build_trigger, parse_timezone
    from app.core.schedule.stepping import fire_after
    from app.store import ledger
    from app.store import tasks as task_store

    moved: list[tuple[int, datetime | None]] = []
    names: list[str] = []
    for task in task_store.load_ids(list(task_ids)):
        due = task.next_run_at
        if due is None or due > now:
            continue
        spec = task.spec
        trigger = build_trigger(spec.schedule, parse_timezone(spec.timezone), task.anchor,
                                spec.end_at)
        moved.append((task.id, None if trigger is None else fire_after(trigger, now)))
        names.append(spec.name)
    ledger.set_next_run(moved)
    return names
