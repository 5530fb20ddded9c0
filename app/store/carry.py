"""What a restore keeps of the store it replaced: what happened after the backup.

A backup is a moment; the engine went on after it. Restoring the backup alone would forget
every run since — and then run them again: the restored tasks' next fires lie in the past,
so the next engine's catch-up would run them once more; a run the backup caught `queued`
or `running` would start again; and the ids given since would be given again. The replaced
store, whichever backup or branch it grew from, is the latest word on what ran, so the
restored copy gets from it, before it takes the store's place:

- the runs made since (ids past the backup's), with their output and samples, and the
  replaced store's row of every run the backup holds unfinished (a `running` row keeps its
  process group and token: the next engine's recovery interrupts and retries it by policy)
  — of the tasks that are the same task in both (the same id and creation time); a run the
  backup holds unfinished that the replaced store does not have (its task deleted since, its
  row pruned) is given up: interrupted, with the reason, never run again;
- each same task's next fire when its timing (enabled, schedule, zone, window) is the same
  in both: the fires before it were that store's engine's to run (run, skipped, or their
  runs pruned since); a same task retimed since is named (`retimed`: the restore moves its
  next fire past its own time), and a one-shot that ran there does not fire again;
- the task and run id counters, so no id is given twice;
- tasks deleted since (when both stores began as one: the same first audit event) come back
  paused (`absent`), as what they did since is not known.

Tasks, edits, dependencies and the audit trail are otherwise the backup's.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from app.store.integrity import connect_readonly
from app.store.times import from_utc_text, utc_text

# what belongs to a run, by its run id column, copied with it
_WITH_RUN = (("run_output", "run_id"), ("metric_sample", "run_id"))


@dataclass(frozen=True, slots=True)
class Carried:
    added: int = 0  # runs made since the backup
    updated: int = 0  # runs the backup holds as they were then, taken as they are now
    given_up: int = 0  # runs the backup holds unfinished whose end is not known here
    next_fires: int = 0  # tasks whose next fire the replaced store's engine had moved on
    absent: tuple[int, ...] = ()  # restored tasks deleted since: they come back paused
    retimed: tuple[int, ...] = ()  # same tasks whose schedule or pause changed since
    gone: tuple[str, ...] = ()  # tasks created since the backup: only in the kept copy
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

    def batches(self, sql: str, args: Any = (), size: int = 2000) -> Iterator[list[Any]]:
        """The rows of `sql`, a batch at a time (a store of a million runs is not held in
        memory at once)."""
        try:
            cursor = self.con.execute(sql, args)
            while batch := cursor.fetchmany(size):
                yield batch
        except sqlite3.Error as exc:
            raise _Unreadable(str(exc)) from None

    def close(self) -> None:
        self.con.close()


def carry_runs(kept: Path, into: Path, now: datetime) -> Carried:
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
            return _carry(old, new, now)
    except _Unreadable as exc:
        return Carried(unreadable=str(exc))
    finally:
        new.close()
        old.close()


def _carry(old: _Kept, new: sqlite3.Connection, now: datetime) -> Carried:
    same = _same_tasks(old, new)
    added, updated, given_up = _carry_runs(old, new, same, now)
    _carry_counters(old, new)
    _carry_samples(old, new)
    theirs = dict(old.rows("SELECT id, name FROM task ORDER BY id"))
    absent: tuple[int, ...] = ()
    if _same_origin(old, new):  # (another home's store has none of this one's tasks)
        absent = tuple(sorted(i for (i,) in new.execute("SELECT id FROM task")
                              if i not in theirs))
        new.executemany("UPDATE task SET enabled = 0, next_run_at = NULL WHERE id = ?",
                        [(i,) for i in absent])
    moved, retimed = _carry_next_fires(old, new, same)
    gone = tuple(name for task_id, name in theirs.items() if task_id not in same)
    return Carried(added=added, updated=updated, given_up=given_up, next_fires=moved,
                   absent=absent, retimed=retimed, gone=gone)


def _carry_samples(old: _Kept, new: sqlite3.Connection) -> None:
    """The machine's and the engine's resource samples taken since the backup (a run's come
    with its run), so the Metrics view has no gap."""
    columns = [c for c in _shared_columns(old, new, "metric_sample") if c != "id"]
    if "run_id" not in columns or "at" not in columns:
        return
    quoted = ", ".join(f'"{c}"' for c in columns)
    (since,) = new.execute("SELECT COALESCE(MAX(at), '') FROM metric_sample "
                           "WHERE run_id IS NULL").fetchone()
    for batch in old.batches(f"SELECT {quoted} FROM metric_sample WHERE run_id IS NULL AND "
                             "at > ? ORDER BY id", (since,)):
        new.executemany(_insert("metric_sample", columns), batch)


def _same_origin(old: _Kept, new: sqlite3.Connection) -> bool:
    """Did both stores start as one (the same first audit event): a backup of this home,
    whichever branch of it, not another home's?"""
    query = "SELECT hash FROM audit_event WHERE id = 1"
    try:
        first = new.execute(query).fetchone()
    except sqlite3.Error:  # a backup without a trail: nothing tells
        return False
    return first is not None and old.rows(query) == [tuple(first)]


_OPEN = ("queued", "waiting", "running", "retrying")


def _carry_runs(old: _Kept, new: sqlite3.Connection, same: set[int],
                now: datetime) -> tuple[int, int, int]:
    """Add the runs made since the backup and take the replaced store's row of the runs the
    backup holds unfinished; their output and samples come along. A run the backup holds
    unfinished that the replaced store does not have (its task deleted since, its row
    pruned) ended somehow, unknown here: it is given up (interrupted, not run again).
    (added, updated, given up)"""
    columns = _shared_columns(old, new, "run")
    at = {name: i for i, name in enumerate(columns)}
    quoted = ", ".join(f'"{c}"' for c in columns)
    insert = _insert("run", columns, "INSERT OR IGNORE")
    (top,) = new.execute("SELECT COALESCE(MAX(id), 0) FROM run").fetchone()
    unfinished = {run_id: row for run_id, *row in new.execute(
        f"SELECT id, {quoted} FROM run WHERE status IN ({', '.join('?' * len(_OPEN))})",
        _OPEN)}
    moved: list[int] = []
    for batch in old.batches(f"SELECT {quoted} FROM run WHERE id > ? ORDER BY id", (top,)):
        for row in batch:
            if row[at["task_id"]] not in same:
                continue
            if "parent_run_id" in at:  # a parent the restored history lacks is not named
                row = _without_parent(new, row, at["parent_run_id"])
            if new.execute(insert, row).rowcount == 1:  # (ignored: its fire is claimed)
                moved.append(row[at["id"]])
    added = len(moved)
    changed = [c for c in columns if c not in ("id", "task_id", "parent_run_id")]
    assign = ", ".join(f'"{c}" = ?' for c in changed)
    known: set[int] = set()
    ids = sorted(unfinished)
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        for row in old.rows(f"SELECT {quoted} FROM run WHERE id IN "
                            f"({', '.join('?' * len(chunk))})", chunk):
            run_id = row[at["id"]]
            if row[at["task_id"]] not in same:
                continue
            known.add(run_id)
            if tuple(unfinished[run_id]) != tuple(row):
                new.execute(f"UPDATE run SET {assign} WHERE id = ?",
                            (*(row[at[c]] for c in changed), run_id))
                moved.append(run_id)
    given_up = [i for i in ids if i not in known]
    new.executemany(
        "UPDATE run SET status = 'interrupted', finished_at = ?, reason = ? WHERE id = ?",
        [(utc_text(now), GIVEN_UP, i) for i in given_up])
    for table, key in _WITH_RUN:
        _copy_children(old, new, table, key, moved)
    return added, len(moved) - added, len(given_up)


GIVEN_UP = ("restored from a backup that held it unfinished; how it ended after the backup "
            "is not known here (its task was deleted since, or its run pruned), so it is not "
            "run again")


def _carry_counters(old: _Kept, new: sqlite3.Connection) -> None:
    """The task and run id counters at least as far as the replaced store's (its counter,
    or its largest id): no id is given twice, whichever store is restored over which."""
    try:
        new.execute("SELECT name, seq FROM sqlite_sequence")
    except sqlite3.Error:  # an older schema without them (its migration counts from the
        return  # largest id)
    try:
        given = dict(old.rows("SELECT name, seq FROM sqlite_sequence"))
    except _Unreadable:
        given = {}
    for table in ("task", "run"):
        (largest,) = old.rows(f"SELECT COALESCE(MAX(id), 0) FROM {table}")[0]
        far = max(int(given.get(table) or 0), int(largest or 0))
        if not new.execute("UPDATE sqlite_sequence SET seq = MAX(seq, ?) WHERE name = ?",
                           (far, table)).rowcount:
            new.execute("INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)", (table, far))


_WHEN = ("enabled", "schedule", "schedule_kind", "timezone", "start_at", "end_at")


def _carry_next_fires(old: _Kept, new: sqlite3.Connection, same: set[int]
                      ) -> tuple[int, tuple[int, ...]]:
    """Each same task whose schedule is the same in both, enabled in both, takes the replaced
    store's next fire when that is later (or none: a one-shot that fired, a window that
    ended): the fires before it were that store's engine's to run. (How many moved; the
    same tasks whose schedule or pause changed since, whose fires before now the restore
    does not catch up: `skip_missed`.)"""
    columns = [c for c in _WHEN if c in _shared_columns(old, new, "task")]
    if len(columns) < len(_WHEN) or not same:
        return 0, ()
    query = f"SELECT id, next_run_at, {', '.join(columns)} FROM task"
    ours = {row[0]: row for row in new.execute(query)}
    moved: list[tuple[str | None, int]] = []
    retimed: list[int] = []
    for row in old.rows(query):
        mine = ours.get(row[0])
        if row[0] not in same or mine is None:
            continue
        if mine[2:] != row[2:]:
            retimed.append(row[0])
            if _ran_once(mine, row):  # a one-shot moved since, and run: once is once
                moved.append((None, row[0]))
        elif row[2] and mine[1] is not None and (row[1] is None or _later(row[1], mine[1])):
            moved.append((row[1], row[0]))
    new.executemany("UPDATE task SET next_run_at = ? WHERE id = ?", moved)
    return len(moved), tuple(sorted(retimed))


def _ran_once(mine: tuple[Any, ...], theirs: tuple[Any, ...]) -> bool:
    """A one-shot in both (its kind is `_WHEN`'s third), which has fired in the replaced
    store (enabled, with no next fire left), and has one here."""
    kind = 2 + _WHEN.index("schedule_kind")
    return (mine[kind] == theirs[kind] == "date" and bool(theirs[2]) and theirs[1] is None
            and mine[1] is not None)


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


def _insert(table: str, columns: list[str], verb: str = "INSERT") -> str:
    """`INSERT INTO table (columns) VALUES (?, …)`."""
    quoted = ", ".join(f'"{c}"' for c in columns)
    return f"{verb} INTO {table} ({quoted}) VALUES ({', '.join('?' * len(columns))})"


def _shared_columns(old: _Kept, new: sqlite3.Connection, table: str) -> list[str]:
    """The columns of `table` in both stores, in the restored store's order."""
    info = f'PRAGMA table_info("{table}")'
    theirs = {r[1] for r in old.rows(info)}
    return [r[1] for r in new.execute(info) if r[1] in theirs]


def _without_parent(new: sqlite3.Connection, row: tuple[Any, ...], index: int
                    ) -> tuple[Any, ...]:
    parent = row[index]
    if parent is None or new.execute("SELECT 1 FROM run WHERE id = ?", (parent,)).fetchone():
        return row
    return (*row[:index], None, *row[index + 1:])


def _copy_children(old: _Kept, new: sqlite3.Connection, table: str, key: str,
                   run_ids: list[int]) -> None:
    """Copy `table`'s rows of `run_ids` (new ids: their own are the replaced store's)."""
    columns = [c for c in _shared_columns(old, new, table) if c != "id"]
    if not columns or not run_ids:
        return
    quoted = ", ".join(f'"{c}"' for c in columns)
    insert = _insert(table, columns)
    for start in range(0, len(run_ids), 50):  # (a run's output is bounded: 50 in memory)
        chunk = run_ids[start:start + 50]
        marks = ", ".join("?" * len(chunk))
        new.execute(f"DELETE FROM {table} WHERE {key} IN ({marks})", chunk)
        new.executemany(insert, old.rows(
            f"SELECT {quoted} FROM {table} WHERE {key} IN ({marks}) ORDER BY id", chunk))


def task_names(task_ids: tuple[int, ...]) -> list[str]:
    """The names of these tasks of the open store, in id order."""
    from app.store import tasks as task_store

    return [task.spec.name for task in task_store.load_ids(list(task_ids))]


def skip_missed(task_ids: tuple[int, ...], now: datetime) -> None:
    """Move the next fire of these tasks (restored, whose schedule or pause changed in the
    store the restore replaced: which of the restored schedule's fires were run is not
    known) past `now`, as an edit of a task's timing does (`TaskSpec.next_fire_time`), so
    the next engine catches up none of them; call in the restored store's write
    transaction."""
    from app.store import ledger
    from app.store import tasks as task_store

    ledger.set_next_run(
        [(task.id, task.spec.next_fire_time(now, task.created_at or now))
         for task in task_store.load_ids(list(task_ids))
         if task.next_run_at is not None and task.next_run_at <= now])
