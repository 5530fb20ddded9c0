"""Read-only queries the views need beyond the service's paged lists.

The views refresh by row: they ask for the few tasks or runs an event named, or for the
runs and audit events newer than the newest one shown. These are read transactions on the
store (DESIGN.md: "the GUI reads through the service/store with paged queries"), always
run on a pool thread by `Background`, never on the GUI thread. Writes go through the
service only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import peewee as pw

from app.core.run import Run
from app.core.task import Task
from app.service import Service
from app.store import models
from app.store import runs as run_store
from app.store import tasks as task_store

# peewee's annotations know neither auto ids nor foreign-key `_id` columns: the models are
# used untyped here, and every function below is typed at its boundary instead.
TaskRow: Any = models.TaskRow
RunRow: Any = models.RunRow
AuditEvent: Any = models.AuditEvent

CHUNK = 500


@dataclass(frozen=True)
class RunQuery:
    task_id: int | None = None
    status: str | None = None
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True)
class AuditQuery:
    search: str = ""
    actor: str | None = None


@dataclass(frozen=True)
class AuditItem:
    id: int
    at: datetime
    actor: str
    action: str
    target: str | None
    before: Any
    after: Any
    hash: str


def tasks_by_id(service: Service, ids: set[int]) -> tuple[list[Task], set[int]]:
    """The tasks with these ids, and the ids that no longer exist."""
    found: list[Task] = []
    id_list = sorted(ids)
    with service.store.read():
        for i in range(0, len(id_list), CHUNK):
            rows = list(TaskRow.select().where(TaskRow.id.in_(id_list[i:i + CHUNK])))
            found.extend(task_store.load(rows))
    return found, ids - {t.id for t in found}


def task_names(service: Service) -> list[str]:
    """Every task's name, sorted (pickers for dependencies and fallbacks)."""
    with service.store.read():
        return [str(n) for (n,) in
                TaskRow.select(TaskRow.name).order_by(TaskRow.name).tuples()]


def _runs(query: Any) -> list[Run]:
    rows = list(query)
    ids = {r.task_id for r in rows}
    names = dict(TaskRow.select(TaskRow.id, TaskRow.name)
                 .where(TaskRow.id.in_(sorted(ids))).tuples()) if ids else {}
    return [run_store.to_run(r, names.get(r.task_id, "?")) for r in rows]


def _run_query(query: RunQuery) -> Any:
    return run_store.query(task_id=query.task_id, status=query.status, since=query.since,
                           until=query.until)


def runs_by_id(service: Service, query: RunQuery, ids: set[int]) -> tuple[list[Run], set[int]]:
    """Runs with these ids that match the query, and the ids that do not (or are gone)."""
    id_list = sorted(ids)
    found: list[Run] = []
    with service.store.read():
        for i in range(0, len(id_list), CHUNK):
            q = _run_query(query).where(RunRow.id.in_(id_list[i:i + CHUNK]))
            found.extend(_runs(q))
    return found, ids - {r.id for r in found}


def runs_newer(service: Service, query: RunQuery, after_id: int, limit: int) -> list[Run]:
    """Up to `limit` runs matching the query with ids above `after_id`, newest first."""
    with service.store.read():
        q = _run_query(query).where(RunRow.id > after_id).limit(limit)
        return _runs(q)


def unfinished_runs(service: Service, ids: set[int]) -> set[int]:
    """Which of these runs are not finished (their rows may still change)."""
    from app.core.task import FINISHED_STATUSES

    if not ids:
        return set()
    with service.store.read():
        q = RunRow.select(RunRow.id).where(RunRow.id.in_(sorted(ids))
                                           & RunRow.status.not_in(list(FINISHED_STATUSES)))
        return {int(i) for (i,) in q.tuples()}


def _audit_query(query: AuditQuery) -> Any:
    q = AuditEvent.select().order_by(AuditEvent.id.desc())
    if query.actor:
        q = q.where(AuditEvent.actor == query.actor)
    if query.search:
        needle = query.search.lower()
        q = q.where((pw.fn.instr(pw.fn.lower(AuditEvent.action), needle) > 0)
                    | (pw.fn.instr(pw.fn.lower(AuditEvent.target), needle) > 0))
    return q


def _audit_item(e: Any) -> AuditItem:
    at = e.at if isinstance(e.at, datetime) else datetime.fromisoformat(e.at)
    return AuditItem(e.id, at.astimezone(UTC), e.actor, e.action, e.target, e.before, e.after,
                     e.hash)


def audit_page(service: Service, query: AuditQuery, offset: int, limit: int) -> list[AuditItem]:
    with service.store.read():
        return [_audit_item(e) for e in _audit_query(query).offset(offset).limit(limit)]


def audit_count(service: Service, query: AuditQuery) -> int:
    with service.store.read():
        return int(_audit_query(query).count())


def audit_newer(service: Service, query: AuditQuery, after_id: int,
                limit: int) -> list[AuditItem]:
    with service.store.read():
        q = _audit_query(query).where(AuditEvent.id > after_id).limit(limit)
        return [_audit_item(e) for e in q]


@dataclass(frozen=True)
class Overview:
    """What the status bar shows: runs in flight, the next fire, failures today."""

    active_runs: int
    next_fire: datetime | None
    failures_today: int
    tasks: int


def overview(service: Service, now: datetime | None = None) -> Overview:
    from app.core.task import ACTIVE_STATUSES

    now = now or datetime.now(UTC)
    midnight = now.astimezone().replace(hour=0, minute=0, second=0, microsecond=0)
    with service.store.read():
        active = RunRow.select().where(RunRow.status.in_(list(ACTIVE_STATUSES))).count()
        nxt = (TaskRow.select(pw.fn.MIN(TaskRow.next_run_at))
               .where(TaskRow.enabled & TaskRow.next_run_at.is_null(False)).scalar())
        failed = (RunRow.select().where(RunRow.status.in_(["failed", "timed_out"])
                                        & (RunRow.finished_at >= midnight)).count())
        count = TaskRow.select().count()
    next_fire = datetime.fromisoformat(nxt) if isinstance(nxt, str) else nxt
    return Overview(int(active), next_fire, int(failed), int(count))


@dataclass(frozen=True)
class Scheduled:
    """What would stop if scheduling stopped: the enabled tasks with a next fire, and the
    soonest of them."""

    count: int
    next_at: datetime | None = None
    next_task: str = ""


def scheduled(service: Service) -> Scheduled:
    with service.store.read():
        due = TaskRow.enabled & TaskRow.next_run_at.is_null(False)
        count = TaskRow.select().where(due).count()
        first = (TaskRow.select(TaskRow.name, TaskRow.next_run_at).where(due)
                 .order_by(TaskRow.next_run_at).limit(1).tuples().first())
    if not first:
        return Scheduled(int(count))
    name, at = first
    when = datetime.fromisoformat(at) if isinstance(at, str) else at
    return Scheduled(int(count), when, str(name))
