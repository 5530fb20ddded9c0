"""The run ledger: claiming fires, recording outcomes, output chunks, and queries."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import peewee as pw

from app.core.errors import NotFoundError
from app.core.next_due import Retry
from app.store.backend import contains_sql, id_table, is_postgres, seconds_between
from app.store.models import NEEDS_ATTENTION, RunOutput, RunRow, TaskRow, db

if TYPE_CHECKING:
    from app.core.run import Run


FAILURES = ("failed", "timed_out")  # the ends a retry may follow, as the status bar counts them
# the same as SQL text (the rule takes no parameters, wherever it goes: run_days.STATUS too)
FAILURES_SQL = "(" + ", ".join(f"'{status}'" for status in FAILURES) + ")"
_FAILED = pw.Expression(RunRow.status, pw.OP.IN, pw.SQL(FAILURES_SQL))
# a retry waiting out its delay (app/core/next_due.py): what runs before a schedule's fire
WAITING_RETRY = (RunRow.status == "retrying") & RunRow.due_at.is_null(False)


def _retries(first: bool = False) -> pw.ModelSelect:
    """The retries of the outer query's run, claimed with its failed attempt as parent (one
    a failure at most; `first`: its id alone, as one value, None when there is none)."""
    retry = RunRow.alias("retry")
    return retry.select(pw.fn.MIN(retry.id) if first else retry.id).where(
        (retry.parent_run == RunRow.id) & (retry.trigger == pw.SQL("'retry'")))


def _not_retried() -> pw.Expression:
    """The run has no retry (a retry is claimed with its failed attempt as parent)."""
    return ~pw.fn.EXISTS(_retries())


def _retried() -> pw.Expression:
    """A failed attempt whose retry was claimed: "retried" in the window, as the calendar
    says it (run_days.STATUS), and not among the failures the status bar counts."""
    return _FAILED & pw.fn.EXISTS(_retries())


# what a `Run` holds, in its fields' order after (id, task id), read as tuples: a model
# object per row cost the Runs view more than the rest of its refresh (peewee's row objects,
# then a Run built from each) while the window competed with the engine for the GIL. The
# retry that followed a failed attempt is read with it (one probe of the parent index, for
# failures only).
_COLUMNS = (RunRow.id, RunRow.task, RunRow.status, RunRow.attempt, RunRow.scheduled_for,
            RunRow.trigger, RunRow.queued_at, RunRow.started_at, RunRow.finished_at,
            RunRow.exit_code, RunRow.error, RunRow.lateness_ms, RunRow.reason,
            RunRow.parent_run, RunRow.cancel_requested, RunRow.celery_id, RunRow.checkpoint,
            pw.Case(None, [(_FAILED, _retries(first=True))], None).alias("retried_as"),
            RunRow.due_at)


def _among(ids: Iterable[int]) -> pw.SQL:
    """`IN` these ids, as one parameter (`backend.id_table`): peewee builds a node per
    parameter of a plain list (8 ms for a thousand ids, the time of a whole `tickwork task
    list`)."""
    table, param = id_table(list(ids))
    return pw.SQL(_peewee_marks(f"(SELECT value FROM {table})"), (param,))


def _peewee_marks(sql: str) -> str:
    """SQL text with `?` marks in peewee's style for the store's database: on PostgreSQL a
    `?` beside peewee's own `%s` marks (a status filter) made `backend.placeholders` leave
    those unbound (the Runs view's reads by id, or by a typed task name, with a status)."""
    return sql.replace("?", "%s") if is_postgres() else sql


def _with_names(query: pw.ModelSelect) -> list[Run]:
    """The runs `query` selects (its columns replaced by `_COLUMNS`), with their tasks' names."""
    from app.core.run import Run  # loaded by the first run read: a list of tasks reads none

    rows = list(query.select(*_COLUMNS).tuples())
    ids = {r[1] for r in rows}
    names = dict(TaskRow.select(TaskRow.id, TaskRow.name)
                 .where(TaskRow.id.in_(_among(ids))).tuples()) if ids else {}
    return [Run(r[0], r[1], names.get(r[1], "?"), *r[2:]) for r in rows]


def get(run_id: int) -> Run:
    row = RunRow.get_or_none(RunRow.id == run_id)
    if row is None:
        raise NotFoundError("run", run_id)
    return _with_names(RunRow.select().where(RunRow.id == run_id))[0]


def follower_of(run_id: int, trigger: str) -> Run | None:
    """The run claimed after an attempt in the commit that ended it, if any: its retry
    (`trigger` "retry"), or after a last attempt its task's fallback ("fallback")."""
    found = _with_names(RunRow.select().where((RunRow.parent_run == run_id)
                                              & (RunRow.trigger == trigger)))
    return found[0] if found else None


FINAL_FAILURE = "failed_final"  # a status filter: failed or timed out, and not retried
RETRIED = "retried"  # a status the window shows (`shown`): a failed attempt that was retried


def query(task_id: int | None = None, status: str | None = None,
          since: datetime | None = None, until: datetime | None = None,
          task_containing: str | None = None, shown: bool = False) -> pw.ModelSelect:
    """Runs by task (or of the tasks whose name contains `task_containing`, ignoring case),
    status (or FINAL_FAILURE: the fires whose last attempt so far failed, as the status bar
    counts them) and scheduled time, newest first. `shown`: statuses as the window shows
    them (`Run.shown_status`): RETRIED is a failed attempt that was retried, and "failed"
    or "timed_out" only those that were not (the command line's are the stored ones)."""
    q = RunRow.select()
    if task_id is not None:
        q = q.where(RunRow.task == task_id)
    if task_containing:
        named = f"(SELECT id FROM task WHERE {contains_sql('name')})"
        q = q.where(RunRow.task.in_(pw.SQL(_peewee_marks(named), (task_containing.lower(),))))
    if status == FINAL_FAILURE:
        q = q.where(RunRow.status.in_(FAILURES) & _not_retried())
    elif shown and status == RETRIED:
        q = q.where(_retried())
    elif status:
        q = q.where(RunRow.status == status)
        if shown and status in FAILURES:
            q = q.where(_not_retried())
    if since is not None:
        q = q.where(RunRow.scheduled_for >= since)
    if until is not None:
        q = q.where(RunRow.scheduled_for < until)
    return q.order_by(RunRow.id.desc())


# what the Runs view sorts by; each ends with the id, so a page boundary never splits a tie
# differently between two reads. Timed first pages on 200,000 runs: docs/runs-sorting.md.
RUN_SORTS: frozenset[str] = frozenset({"id", "task", "status", "scheduled_for", "started_at",
                                       "finished_at", "duration", "lateness_ms"})


def _sort_key(sort: str, shown: bool) -> Any:
    if sort == "status" and shown:  # "retried" where the window says it
        return pw.Case(None, [(_retried(), RETRIED)], RunRow.status)
    if sort == "task":
        return TaskRow.select(pw.fn.lower(TaskRow.name)).where(TaskRow.id == RunRow.task)
    if sort == "duration":
        return seconds_between(RunRow.started_at, RunRow.finished_at)
    return getattr(RunRow, sort)


def page(offset: int, limit: int, sort: str = "id", descending: bool = True,
         **filters: Any) -> list[Run]:
    """A page of the runs `filters` select, by `sort` (one of RUN_SORTS; unfinished runs
    have no end or duration and come last either way), newest first among equals."""
    q = query(**filters)
    if sort != "id":
        key = _sort_key(sort, bool(filters.get("shown")))
        q = q.order_by(pw.Ordering(key, "DESC" if descending else "ASC", nulls="LAST"),
                       RunRow.id.desc())
    elif not descending:
        q = q.order_by(RunRow.id)
    return _with_names(q.offset(offset).limit(limit))


def count(**filters: Any) -> int:
    return int(query(**filters).count())


def _newest(task_ids: list[int]) -> pw.ModelSelect:
    """The id of each of these tasks' newest run."""
    return (RunRow.select(pw.fn.MAX(RunRow.id)).where(RunRow.task.in_(_among(task_ids)))
            .group_by(RunRow.task))


def latest_runs(task_ids: Iterable[int]) -> dict[int, Run]:
    """The newest run of each task (by id), fetched in one query."""
    ids = list(task_ids)
    if not ids:
        return {}
    return {r.task_id: r for r in _with_names(RunRow.select().where(
        RunRow.id.in_(_newest(ids))))}


def latest_statuses(task_ids: list[int]) -> dict[int, str]:
    """The status of each task's newest run (by id), and nothing else of it."""
    if not task_ids:
        return {}
    return dict(RunRow.select(RunRow.task, RunRow.status)
                .where(RunRow.id.in_(_newest(task_ids))).tuples())


def first_retries(task_ids: list[int]) -> dict[int, Retry]:
    """Each task's retry waiting out its delay that falls due first, of any of its runs (not
    only its newest); a task with none is left out."""
    found: dict[int, Retry] = {}
    if task_ids:
        for task, due, run_id, attempt in (  # (latest due first: the first due is kept)
                RunRow.select(RunRow.task, RunRow.due_at, RunRow.id, RunRow.attempt)
                .where(WAITING_RETRY & RunRow.task.in_(_among(task_ids)))
                .order_by(RunRow.due_at.desc(), RunRow.id.desc()).tuples()):
            found[int(task)] = Retry(due, int(run_id), int(attempt))
    return found


def insert(task_id: int, scheduled_for: datetime, *, status: str, trigger: str, now: datetime,
           attempt: int = 1, parent_run_id: int | None = None, reason: str | None = None,
           engine: str | None = None) -> int | None:
    """Claim a fire by inserting its ledger row; None when that (task, time, attempt) exists."""
    query = RunRow.insert(
        task=task_id, scheduled_for=scheduled_for, attempt=attempt, status=status,
        trigger=trigger, queued_at=now, parent_run=parent_run_id, reason=reason, engine=engine,
    ).on_conflict_ignore()
    if is_postgres():  # no lastrowid there: the id comes back only when the row went in
        row = db.execute_sql(*query.returning(RunRow.id).sql()).fetchone()
        return None if row is None else int(row[0])
    sql, params = query.sql()
    cursor = db.execute_sql(sql, params)
    # lastrowid is stale when the insert was ignored; rowcount says whether we claimed it.
    return int(cursor.lastrowid) if cursor.rowcount == 1 else None


def output(run_id: int, after_seq: int = -1) -> list[tuple[int, str, str]]:
    """(seq, stream, text) chunks of a run's output after `after_seq`, in order."""
    return list(RunOutput.select(RunOutput.seq, RunOutput.stream, RunOutput.text)
                .where((RunOutput.run == run_id) & (RunOutput.seq > after_seq))
                .order_by(RunOutput.seq).tuples())


def last_seqs(run_ids: Iterable[int]) -> dict[int, int]:
    """The seq of each run's last output chunk (runs without output are left out)."""
    return dict(RunOutput.select(RunOutput.run, pw.fn.MAX(RunOutput.seq))
                .where(RunOutput.run.in_(list(run_ids))).group_by(RunOutput.run).tuples())


# -- the views' reads by id and since an id (the GUI refreshes by row) ----------------------

CHUNK = 500  # ids per statement


def by_ids(ids: Iterable[int], **filters: Any) -> list[Run]:
    """The runs with these ids that match `filters` (those of `query`), newest first within
    each chunk of ids."""
    id_list = sorted(ids)
    found: list[Run] = []
    for i in range(0, len(id_list), CHUNK):
        found.extend(_with_names(query(**filters).where(RunRow.id.in_(
            _among(id_list[i:i + CHUNK])))))
    return found


def newer(after_id: int, limit: int, **filters: Any) -> list[Run]:
    """Up to `limit` runs matching `filters` with ids above `after_id`, newest first."""
    return _with_names(query(**filters).where(RunRow.id > after_id).limit(limit))


def unfinished(ids: Iterable[int]) -> set[int]:
    """Which of these runs are not finished (their rows may still change)."""
    from app.core.task import FINISHED_STATUSES

    q = RunRow.select(RunRow.id).where(RunRow.id.in_(sorted(ids))
                                       & RunRow.status.not_in(list(FINISHED_STATUSES)))
    return {int(i) for (i,) in q.tuples()}


def active_count() -> int:
    """Runs queued, waiting, running or retrying."""
    from app.core.task import ACTIVE_STATUSES

    return int(RunRow.select().where(RunRow.status.in_(list(ACTIVE_STATUSES))).count())


def failed_since(since: datetime) -> int:
    """Fires that failed, as far as they have gone: runs of fires scheduled at or after
    `since` that failed or timed out and were not retried — what the Runs view lists for
    FINAL_FAILURE and today (its dates are scheduled times; the finished_at bound, always true
    for those, lets the index answer). Each retry is a run of its own, claimed with its failed
    attempt as its parent (trigger `retry`), so an attempt whose retry is waiting, running
    or has succeeded is not a failure (yet); when the retry fails too, it is the one
    counted. Read from the (status, finished_at) index and one probe of the parent index
    per failure: 20–40 ms on a store of 100,000 runs a day kept for two weeks; going through
    the ledger's key (task, fire time, attempt + 1) instead read each failure's row too,
    and took three times as long."""
    return int(RunRow.select(RunRow.id).where(RunRow.status.in_(FAILURES)
                                              & (RunRow.finished_at >= since)
                                              & (RunRow.scheduled_for >= since)
                                              & _not_retried()).count())


# -- the engine's reads (start-up, the watcher, the simulation) -----------------------------

# (id, status, engine, cancel requested)
RunState = tuple[int, str, str | None, bool]
_WATCHED = ("queued", "waiting", "running", "retrying")


def states(run_ids: Iterable[int] | None) -> list[RunState]:
    """The state of these runs (of every active one when None)."""
    q = RunRow.select(RunRow.id, RunRow.status, RunRow.engine, RunRow.cancel_requested)
    if run_ids is not None:
        q = q.where(RunRow.id.in_(list(run_ids)))
    else:
        q = q.where(RunRow.status.in_(list(_WATCHED)))
    return list(q.tuples())


def needing_attention() -> list[RunState]:
    """Runs an engine must look at: manual runs nobody took yet, and cancel requests."""
    return list(RunRow.select(RunRow.id, RunRow.status, RunRow.engine, RunRow.cancel_requested)
                .where(pw.SQL(NEEDS_ATTENTION)).tuples())


# (id, task id, fire, attempt, status, engine, pgid, leader created)
Claimed = tuple[int, int, datetime, int, str, str, int | None, float | None, str | None,
                datetime | None]


def claimed_unfinished(statuses: Iterable[str]) -> list[Claimed]:
    """Runs in these statuses that an engine claimed, with what it knows of their processes."""
    return list(RunRow.select(
        RunRow.id, RunRow.task, RunRow.scheduled_for, RunRow.attempt, RunRow.status,
        RunRow.engine, RunRow.pgid, RunRow.leader_created, RunRow.celery_id, RunRow.due_at).where(
        RunRow.status.in_(list(statuses)) & RunRow.engine.is_null(False)).tuples())


def by_ids_unordered(ids: list[int]) -> list[Run]:
    """The runs with these ids, read 500 at a time (the order SQLite gives)."""
    out: list[Run] = []
    for chunk in range(0, len(ids), 500):
        out.extend(_with_names(RunRow.select().where(RunRow.id.in_(ids[chunk:chunk + 500]))))
    return out


def unclaimed_manual() -> list[int]:
    """Queued runs no engine has taken, oldest first."""
    return [r[0] for r in RunRow.select(RunRow.id).where(
        (RunRow.status == "queued") & RunRow.engine.is_null()).order_by(RunRow.id).tuples()]


def retrying() -> list[tuple[int, int, int, datetime, datetime | None]]:
    """(run id, task id, attempt, fire, due) of every retry waiting out its backoff."""
    return [(r.id, r.task_id, r.attempt, r.scheduled_for, r.due_at) for r in
            RunRow.select(RunRow.id, RunRow.task, RunRow.attempt, RunRow.scheduled_for,
                          RunRow.due_at)
            .where(RunRow.status == "retrying")]


def due_at(run_id: int) -> datetime | None:
    """When a retrying run is due (None: no such run, or no due time)."""
    row = RunRow.get_or_none(RunRow.id == run_id)
    return row.due_at if row else None


def shift_due(run_ids: list[int], seconds: float) -> None:
    """Move these retries' due times by `seconds` (the wall clock was set back)."""
    for run_id, due in (RunRow.select(RunRow.id, RunRow.due_at)
                        .where(RunRow.id.in_(run_ids) & (RunRow.status == "retrying")
                               & RunRow.due_at.is_null(False)).tuples()):
        RunRow.update(due_at=due + timedelta(seconds=seconds)).where(
            RunRow.id == run_id).execute()


def running_since(task_ids: set[int]) -> list[tuple[int, float]]:
    """(task id, start timestamp) of each running run of these tasks."""
    return [(int(t), s.timestamp()) for t, s in RunRow.select(RunRow.task, RunRow.started_at)
            .where((RunRow.status == "running") & RunRow.started_at.is_null(False)).tuples()
            if t in task_ids]


def retries_due(task_ids: set[int]) -> list[tuple[int, datetime, int]]:
    """(task id, due, attempt) of each retry of these tasks waiting with a due time."""
    return [(int(t), d, int(a)) for t, d, a in
            RunRow.select(RunRow.task, RunRow.due_at, RunRow.attempt)
            .where((RunRow.status == "retrying") & RunRow.due_at.is_null(False)).tuples()
            if t in task_ids]


def fire_of(run_id: int) -> tuple[int, datetime, int]:
    """(task id, fire, attempt) of a run."""
    row = RunRow.get_by_id(run_id)
    return int(row.task_id), row.scheduled_for, int(row.attempt)
