"""The run ledger: claiming fires, recording outcomes, output chunks, and queries."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import peewee as pw

from app.core.errors import NotFoundError
from app.core.run import Run
from app.store.models import RunOutput, RunRow, TaskRow, db


def to_run(row: RunRow, task_name: str) -> Run:
    return Run(
        id=row.id, task_id=row.task_id, task_name=task_name, status=row.status,
        attempt=row.attempt, scheduled_for=row.scheduled_for, trigger=row.trigger,
        queued_at=row.queued_at, started_at=row.started_at, finished_at=row.finished_at,
        exit_code=row.exit_code, error=row.error, lateness_ms=row.lateness_ms,
        reason=row.reason, parent_run_id=row.parent_run_id,
        cancel_requested=row.cancel_requested,
    )


def _with_names(query: pw.ModelSelect) -> list[Run]:
    rows = list(query)
    ids = {r.task_id for r in rows}
    names = dict(TaskRow.select(TaskRow.id, TaskRow.name)
                 .where(TaskRow.id.in_(ids)).tuples()) if ids else {}
    return [to_run(r, names.get(r.task_id, "?")) for r in rows]


def get(run_id: int) -> Run:
    row = RunRow.get_or_none(RunRow.id == run_id)
    if row is None:
        raise NotFoundError("run", run_id)
    return _with_names(RunRow.select().where(RunRow.id == run_id))[0]


def query(task_id: int | None = None, status: str | None = None,
          since: datetime | None = None, until: datetime | None = None) -> pw.ModelSelect:
    q = RunRow.select()
    if task_id is not None:
        q = q.where(RunRow.task == task_id)
    if status:
        q = q.where(RunRow.status == status)
    if since is not None:
        q = q.where(RunRow.scheduled_for >= since)
    if until is not None:
        q = q.where(RunRow.scheduled_for < until)
    return q.order_by(RunRow.id.desc())


def page(offset: int, limit: int, **filters: Any) -> list[Run]:
    return _with_names(query(**filters).offset(offset).limit(limit))


def count(**filters: Any) -> int:
    return int(query(**filters).count())


def latest_runs(task_ids: Iterable[int]) -> dict[int, Run]:
    """The newest run of each task (by id), fetched in one query."""
    ids = list(task_ids)
    if not ids:
        return {}
    newest = (RunRow.select(pw.fn.MAX(RunRow.id)).where(RunRow.task.in_(ids))
              .group_by(RunRow.task))
    return {r.task_id: r for r in _with_names(RunRow.select().where(RunRow.id.in_(newest)))}


def insert(task_id: int, scheduled_for: datetime, *, status: str, trigger: str, now: datetime,
           attempt: int = 1, parent_run_id: int | None = None, reason: str | None = None,
           engine: str | None = None) -> int | None:
    """Claim a fire by inserting its ledger row; None when that (task, time, attempt) exists."""
    sql, params = RunRow.insert(
        task=task_id, scheduled_for=scheduled_for, attempt=attempt, status=status,
        trigger=trigger, queued_at=now, parent_run=parent_run_id, reason=reason, engine=engine,
    ).on_conflict_ignore().sql()
    cursor = db.execute_sql(sql, params)
    # lastrowid is stale when the insert was ignored; rowcount says whether we claimed it.
    return int(cursor.lastrowid) if cursor.rowcount == 1 else None


def output(run_id: int, after_seq: int = -1) -> list[tuple[int, str, str]]:
    """(seq, stream, text) chunks of a run's output after `after_seq`, in order."""
    return list(RunOutput.select(RunOutput.seq, RunOutput.stream, RunOutput.text)
                .where((RunOutput.run == run_id) & (RunOutput.seq > after_seq))
                .order_by(RunOutput.seq).tuples())
