"""The engine's hot path into the run ledger, in plain SQL.

The writes are called only from the engine's writer thread, inside its group-commit
transaction. Each function is one prepared statement; peewee's query builder would cost more
than the write itself at thousands of runs per second. Times are written in the store's UTC
text form. The reads at the end serve the dispatcher's rare look-ups (checkpoints, the
dependency rules) and the simulation, each one seek on an index the ledger has anyway.

On PostgreSQL the same statements run through app/store/backend.py (its `?` marks become
psycopg's); a claim there says `ON CONFLICT DO NOTHING RETURNING id` instead of reading
`lastrowid`, and the multi-row updates are one pipelined statement per row. Either way a
claim is the unique key (task, fire, attempt) turning a second insert away, in whichever
process.
With several engines on one PostgreSQL store, these statements stay as they are: the
leader's fencing epoch is set on the writer's transaction (`write_batch(epoch)`) and the
store's trigger refuses any of them once another engine leads (app/store/leader.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from app.core.run import NEXT_START, TAKEN_UP, fell_back_to, retried_as
from app.store.backend import execute, executemany, ids_joined, is_postgres
from app.store.models import db, from_utc_text, utc_text

# SQLite: a claim for a task deleted meanwhile (a retry or a fallback decided just before the
# engine heard of the deletion) claims nothing, instead of failing its whole group commit
_ROWS_OF_TASKS = ("INSERT OR IGNORE INTO run (task_id, scheduled_for, attempt, status, trigger,"
                  " queued_at, reason, parent_run_id, engine, due_at, cancel_requested)"
                  " SELECT *, 0 FROM (VALUES {}) WHERE column1 IN (SELECT id FROM task)")
_CLAIM = _ROWS_OF_TASKS.format("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
_COLUMNS = ("task_id, scheduled_for, attempt, status, trigger, queued_at, reason, parent_run_id,"
            " engine, due_at, cancel_requested")
# PostgreSQL alike, the rows taken in their order (ids follow it, as the claims' order), each
# task looked up by its key (a scalar subquery: never a join that could scan every task); a
# column all NULL in a VALUES list would be text: the integer is said so
_PG_ROW = "(?, ?, ?, ?, ?, ?, ?, CAST(? AS bigint), ?, ?, {})"
_ROWS_OF_TASKS_PG = (f"INSERT INTO run ({_COLUMNS}) SELECT task_id, scheduled_for, attempt,"
                     " status, trigger, queued_at, reason, parent_run_id, engine, due_at, FALSE"
                     " FROM (VALUES {}) AS v(task_id, scheduled_for, attempt, status, trigger,"
                     " queued_at, reason, parent_run_id, engine, due_at, n) WHERE (SELECT TRUE"
                     " FROM task t WHERE t.id = v.task_id) ORDER BY v.n"
                     " ON CONFLICT DO NOTHING RETURNING id, task_id, scheduled_for, attempt")
_CLAIM_PG = _ROWS_OF_TASKS_PG.format(_PG_ROW.format(0))


def claim(task_id: int, scheduled_for: datetime, attempt: int, status: str, trigger: str,
          now: datetime, engine: str | None, reason: str | None = None,
          parent_run_id: int | None = None, due_at: datetime | None = None) -> int | None:
    """Insert the ledger row for one attempt of one fire; None if it was already claimed."""
    params = (task_id, utc_text(scheduled_for), attempt, status, trigger, utc_text(now), reason,
              parent_run_id, engine, utc_text(due_at) if due_at else None)
    if is_postgres():
        row = execute(_CLAIM_PG, params).fetchone()
        return None if row is None else int(row[0])
    cur = db.connection().execute(_CLAIM, params)
    return int(cur.lastrowid) if cur.rowcount == 1 else None


# a run given back unstarted says, once an engine takes it, that it was taken up (`release`)
_TAKEN_UP = "reason = replace(reason, ?, ?)"


def adopt(run_id: int, engine: str) -> bool:
    """Take over a run another process queued (a manual run); False if someone else did."""
    cur = execute(
        f"UPDATE run SET engine = ?, {_TAKEN_UP} WHERE id = ? AND engine IS NULL"
        " AND status = 'queued'", (engine, NEXT_START, TAKEN_UP, run_id))
    return bool(cur.rowcount == 1)


def adopt_all(engine: str) -> list[tuple[int, int, datetime, int, datetime | None]]:
    """At an engine's start: take over every queued run no engine holds (manual runs, runs a
    stop gave back); (run id, task id, fire, attempt, since) of each queued run `engine`
    holds, its own of a start-up retried after a fault too, oldest first. `since` is when it
    was queued (a retry: when its backoff ended): what its wait for upstreams counts from,
    across the engines that held it (a restart began the wait anew)."""
    execute(f"UPDATE run SET engine = ?, {_TAKEN_UP} WHERE engine IS NULL AND status = 'queued'",
            (engine, NEXT_START, TAKEN_UP))
    rows = execute("SELECT id, task_id, scheduled_for, attempt, queued_at, due_at FROM run"
                   " WHERE engine = ? AND status = 'queued' ORDER BY id", (engine,))
    return [(int(i), int(t), from_utc_text(fire), int(a), _later(queued, due))
            for i, t, fire, a, queued, due in rows]


def _later(*texts: str | None) -> datetime | None:
    times = [from_utc_text(t) for t in texts if t]
    return max(times) if times else None


_UPDATE_COLUMNS = frozenset({
    "status", "started_at", "finished_at", "exit_code", "error", "lateness_ms", "reason",
    "checkpoint", "cancel_requested",
})


def update(run_id: int, values: dict[str, Any]) -> None:
    """Set columns of a run; datetimes become UTC text, checkpoint stays JSON text."""
    cols = []
    params: list[Any] = []
    for key, value in values.items():
        if key not in _UPDATE_COLUMNS:
            raise KeyError(key)
        cols.append(f"{key} = ?")
        params.append(utc_text(value) if isinstance(value, datetime) else value)
    params.append(run_id)
    execute(f"UPDATE run SET {', '.join(cols)} WHERE id = ?", params)


def interrupt(run_id: int, now: datetime, reason: str, *, error: str | None = None,
              exit_code: int | None = None,
              retry: tuple[int, datetime, int, str] | None = None,
              fallback: tuple[int, str, str] | None = None,
              noted: str | None = None) -> int | None:
    """Mark a run `interrupted` (an engine stop or death cut it off) and, given `retry` =
    (task id, fire, next attempt, engine), claim that attempt `retrying`, due at once; else,
    given `fallback` = (its task id, its name, the reason), claim the fallback's run
    `queued` for whichever engine leads next (`release`'s state), as the last attempt's
    failure would have. The run's note names what follows it ("retried as run 8"), or
    says `noted` when nothing does though its task asks for it (its fallback is paused).

    All happens in the caller's transaction, so no kill between them can lose what follows.
    Returns the follower's run id (None when none was asked for or it was claimed already).
    """
    execute(
        "UPDATE run SET status = 'interrupted', finished_at = ?, reason = ?,"
        " error = COALESCE(CAST(? AS TEXT), error), exit_code = COALESCE(CAST(? AS INTEGER),"
        " exit_code) WHERE id = ?",
        (utc_text(now), reason, error, exit_code, run_id))
    if retry is not None:
        task_id, fire, attempt, engine = retry
        follower = claim(task_id, fire, attempt, "retrying", "retry", now, engine,
                         reason=f"retry of run {run_id}, interrupted when its engine ended",
                         parent_run_id=run_id, due_at=now)
        if follower is not None:
            note(run_id, "interrupted", retried_as(follower))
    elif fallback is not None:
        fallback_id, name, why = fallback
        follower = _claim_own(fallback_id, now, why, run_id)
        if follower is not None:
            note(run_id, "interrupted", fell_back_to(name, follower))
    else:
        if noted is not None:
            note(run_id, "interrupted", noted)
        return None
    return follower


def _claim_own(task_id: int, now: datetime, why: str, run_id: int) -> int | None:
    """A fallback's run for `run_id`, claimed `queued` at the first free microsecond from
    `now`: runs cut off together (one recovery's `now`) that share a fallback each get one
    (the ledger's key is task, time and attempt: the second was lost as claimed already)."""
    for step in range(1_000):
        follower = claim(task_id, now + timedelta(microseconds=step), 1, "queued", "fallback",
                         now, None, reason=why, parent_run_id=run_id)
        if follower is not None:
            return follower
    return None


def note(run_id: int, status: str, text: str, *, once: bool = False) -> None:
    """Set a run's status and add a note to its reason (kept: why it was claimed); with
    `once`, not when the reason holds that note already."""
    noted, params = _noted(text, once)
    execute(f"UPDATE run SET status = ?, reason = {noted} WHERE id = ?",
            (status, *params, run_id))


def add_note(run_id: int, text: str) -> None:
    """Add a note to a run's reason, whatever its status (once: not when it holds it)."""
    noted, params = _noted(text, True)
    execute(f"UPDATE run SET reason = {noted} WHERE id = ?", (*params, run_id))


def _noted(text: str, once: bool) -> tuple[str, tuple[str, ...]]:
    """The reason with `text` added (SQL, its parameters)."""
    held = f"WHEN {'strpos' if is_postgres() else 'instr'}(reason, ?) > 0 THEN reason " \
        if once else ""
    return (f"CASE WHEN reason IS NULL OR reason = '' THEN ? {held}ELSE reason || '; ' || ? "
            "END", (text, *([text] if once else []), text))


def replace_note(run_id: int, old: str, new: str) -> None:
    """A note of a run's reason, reworded now that it tells of the past."""
    execute("UPDATE run SET reason = replace(reason, ?, ?) WHERE id = ?", (old, new, run_id))


def release(run_id: int, text: str) -> None:
    """Give back a run that never started: `queued`, claimed by no engine, a note added to
    its reason (once: given back again, it says so no more); whichever engine leads next
    adopts it and runs it as it is."""
    execute("UPDATE run SET engine = NULL WHERE id = ? AND started_at IS NULL", (run_id,))
    note(run_id, "queued", text, once=True)


def set_next_run(rows: Iterable[tuple[int, datetime | None]]) -> None:
    executemany(
        "UPDATE task SET next_run_at = ? WHERE id = ?",
        [(utc_text(t) if t else None, task_id) for task_id, t in rows])


def add_metric(at: datetime, kind: str, values_json: str, run_id: int | None) -> None:
    """A resource sample (of one run, or of the engine when `run_id` is None); a run whose
    task was deleted while it ran has no row left to sample."""
    if run_id is not None and execute("SELECT 1 FROM run WHERE id = ?",
                                      (run_id,)).fetchone() is None:
        return
    execute(
        'INSERT INTO metric_sample (at, kind, run_id, "values") VALUES (?, ?, ?, ?)',
        (utc_text(at), kind, run_id, values_json))


def prune_metrics(before: datetime) -> None:
    db.execute_sql("DELETE FROM metric_sample WHERE at < ?", (utc_text(before),))


def latest_checkpoint(task_id: int, scheduled_for: datetime) -> str | None:
    """The newest checkpoint saved by any attempt of one fire (JSON text)."""
    row = db.execute_sql(
        "SELECT checkpoint FROM run WHERE task_id = ? AND scheduled_for = ? AND checkpoint IS "
        "NOT NULL ORDER BY attempt DESC LIMIT 1", (task_id, utc_text(scheduled_for))).fetchone()
    return None if row is None else str(row[0])


# -- multi-row forms: one statement (one SQLite step, one GIL hand-off) for many rows ------

CHUNK = 400  # rows per statement, well under SQLite's 32,766 bound variables


def _chunks(rows: list[Any]) -> Iterable[list[Any]]:
    for i in range(0, len(rows), CHUNK):
        yield rows[i:i + CHUNK]


def claim_many(rows: list[tuple[Any, ...]]) -> list[int | None]:
    """Claim many fires; rows are `claim`'s arguments in order (times already UTC text).

    One INSERT for many rows. When every row went in, SQLite gave them consecutive rowids
    (each new rowid is one more than the largest, and the write lock is ours), so the ids
    follow from the last one. When some were already claimed, the chunk is redone row by
    row inside a savepoint so each row learns its own fate. PostgreSQL returns the ids of
    the rows that went in, with their keys.
    """
    if is_postgres():
        return _claim_many_pg(rows)
    con = db.connection()
    out: list[int | None] = []
    for chunk in _chunks(rows):
        sql = _ROWS_OF_TASKS.format(",".join(["(?,?,?,?,?,?,?,?,?,?)"] * len(chunk)))
        params = [v for row in chunk for v in row]
        con.execute("SAVEPOINT claim_many")
        cur = con.execute(sql, params)
        if cur.rowcount == len(chunk) and cur.lastrowid is not None:
            last = int(cur.lastrowid)
            con.execute("RELEASE claim_many")
            out.extend(range(last - len(chunk) + 1, last + 1))
            continue
        con.execute("ROLLBACK TO claim_many")
        for row in chunk:
            one = con.execute(_CLAIM, row)
            out.append(int(one.lastrowid) if one.rowcount == 1 and one.lastrowid else None)
        con.execute("RELEASE claim_many")
    return out


def _claim_many_pg(rows: list[tuple[Any, ...]]) -> list[int | None]:
    out: list[int | None] = []
    for chunk in _chunks(rows):
        sql = _ROWS_OF_TASKS_PG.format(",".join(_PG_ROW.format(n) for n in range(len(chunk))))
        got = {(int(t), str(f), int(a)): int(i)
               for i, t, f, a in execute(sql, [v for row in chunk for v in row])}
        for row in chunk:  # a key twice in one chunk: only its first row claimed it
            out.append(got.pop((int(row[0]), str(row[1]), int(row[2])), None))
    return out


def _update_many(table: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]],
                 also: str = "") -> None:
    """UPDATE `table` by id: each row is (id, a value for each of `columns`); `also` is more
    of the SET clause, the same for every row. SQLite: one statement per chunk, joined to
    a VALUES table. PostgreSQL: one prepared single-row statement per row, sent in one
    pipeline (psycopg's executemany): each row is one index seek, whatever the planner
    thinks of a VALUES join."""
    if is_postgres():
        sets = ", ".join([*filter(None, [also]), *(f"{c} = ?" for c in columns)])
        executemany(f"UPDATE {table} SET {sets} WHERE id = ?",
                    [(*row[1:], row[0]) for row in rows])
        return
    sets = ", ".join([*filter(None, [also]), *(f"{c} = v.{c}" for c in columns)])
    one = "(" + ",".join("?" * (len(columns) + 1)) + ")"
    con = db.connection()
    for chunk in _chunks(rows):
        con.execute(f"WITH v(id, {', '.join(columns)}) AS (VALUES "
                    + ",".join([one] * len(chunk))
                    + f") UPDATE {table} SET {sets} FROM v WHERE {table}.id = v.id",
                    [x for row in chunk for x in row])


def start_many(rows: list[tuple[int, str, float, int | None, float | None]]) -> None:
    """(run id, started_at text, lateness ms, pgid, leader's create time): the runs are
    running (a command's process group and its leader's start time, else NULLs)."""
    _update_many("run", ("started_at", "lateness_ms", "pgid", "leader_created"), rows,
                 also="status = 'running'")


def finish_many(rows: list[tuple[int, str, str, int | None, str | None]]) -> None:
    """(run id, status, finished_at text, exit code, error): the runs ended."""
    _update_many("run", ("status", "finished_at", "exit_code", "error"), rows)


def output_many(rows: list[tuple[int, int, str, str, str]]) -> None:
    """(run id, seq, stream, text, at text): output chunks. A chunk of a run that is gone
    (its task deleted while it ran) is dropped: its id is never given to another run."""
    for chunk in _chunks(rows):
        execute(
            "WITH v(run_id, seq, stream, text, at) AS (VALUES "
            + ",".join(["(?,?,?,?,?)"] * len(chunk))
            + ") INSERT INTO run_output (run_id, seq, stream, text, at) SELECT run_id, seq,"
            " stream, text, at FROM v WHERE EXISTS (SELECT 1 FROM run WHERE run.id = v.run_id)"
            " ON CONFLICT DO NOTHING",
            [x for row in chunk for x in row])


def set_next_many(rows: list[tuple[int, str | None]]) -> None:
    """(task id, next_run_at text or None)."""
    _update_many("task", ("next_run_at",), rows)


# -- reads (dispatcher thread, simulation) --------------------------------------------------


def latest_fire(task_id: int, at_or_before: datetime) -> tuple[int, datetime, str] | None:
    """(run id, scheduled time, status) of the newest attempt of a task's latest fire at or
    before a time: one seek on the unique index (task_id, scheduled_for, attempt)."""
    row = execute(
        "SELECT id, scheduled_for, status FROM run WHERE task_id = ? AND scheduled_for <= ?"
        " ORDER BY scheduled_for DESC, attempt DESC LIMIT 1",
        (task_id, utc_text(at_or_before))).fetchone()
    return None if row is None else (int(row[0]), from_utc_text(row[1]), str(row[2]))


def latest_fires(task_ids: Iterable[int], at_or_before: datetime
                 ) -> dict[int, tuple[int, datetime, str]]:
    """`latest_fire` of many tasks in one statement (the ids one parameter: each task one
    seek on the same index); tasks with no fire by then are left out."""
    ids = list(task_ids)
    if not ids:
        return {}
    joined, param = ids_joined(ids, "run r", "r.id = (SELECT id FROM run WHERE task_id ="
                               " j.value AND scheduled_for <= ? ORDER BY scheduled_for DESC,"
                               " attempt DESC LIMIT 1)")
    rows = execute(f"SELECT r.task_id, r.id, r.scheduled_for, r.status FROM {joined}",
                   (param, utc_text(at_or_before)))
    return {int(t): (int(i), from_utc_text(at), str(status)) for t, i, at, status in rows}


def last_fire_time(task_id: int) -> datetime | None:
    """When a task last fired (its newest first attempt's scheduled time), any trigger."""
    row = execute(
        "SELECT scheduled_for FROM run WHERE task_id = ? AND attempt = 1"
        " ORDER BY scheduled_for DESC LIMIT 1", (task_id,)).fetchone()
    return None if row is None else from_utc_text(row[0])


def task_names(task_ids: set[int]) -> dict[int, str]:
    """Task names by id."""
    joined, param = ids_joined(sorted(task_ids), '"task" t', "t.id = j.value")
    return {int(r[0]): str(r[1]) for r in execute(f"SELECT t.id, t.name FROM {joined}",
                                                  (param,))}


def created_at(task_id: int) -> datetime | None:
    row = execute("SELECT created_at FROM task WHERE id = ?", (task_id,)).fetchone()
    return None if row is None else from_utc_text(row[0])


def last_success_end(task_id: int) -> datetime | None:
    """When a task's newest successful run ended."""
    row = execute(
        "SELECT finished_at FROM run WHERE task_id = ? AND status = 'succeeded'"
        " AND finished_at IS NOT NULL ORDER BY id DESC LIMIT 1", (task_id,)).fetchone()
    return None if row is None else from_utc_text(row[0])


def recent_durations(task_id: int, count: int = 20) -> list[float]:
    """Seconds taken by a task's newest `count` successful runs."""
    rows = execute(
        "SELECT started_at, finished_at FROM run WHERE task_id = ? AND status = 'succeeded'"
        " AND started_at IS NOT NULL AND finished_at IS NOT NULL ORDER BY id DESC LIMIT ?",
        (task_id, count)).fetchall()
    return [(from_utc_text(b) - from_utc_text(a)).total_seconds() for a, b in rows]
