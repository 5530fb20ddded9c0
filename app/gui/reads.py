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

from app.core.run import Run
from app.core.task import Task
from app.service import Service
from app.store import audit_log, task_queries
from app.store import runs as run_store
from app.store.audit_log import AuditItem as AuditItem  # the views' name for an event


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


def tasks_by_id(service: Service, ids: set[int]) -> tuple[list[Task], set[int]]:
    """The tasks with these ids, and the ids that no longer exist."""
    with service.store.read():
        found = task_queries.by_ids(ids)
    return found, ids - {t.id for t in found}


def task_names(service: Service) -> list[str]:
    """Every task's name, sorted (pickers for dependencies and fallbacks)."""
    with service.store.read():
        return task_queries.sorted_names()


def _filters(query: RunQuery) -> dict[str, Any]:
    return {"task_id": query.task_id, "status": query.status, "since": query.since,
            "until": query.until}


def runs_by_id(service: Service, query: RunQuery, ids: set[int]) -> tuple[list[Run], set[int]]:
    """Runs with these ids that match the query, and the ids that do not (or are gone)."""
    with service.store.read():
        found = run_store.by_ids(ids, **_filters(query))
    return found, ids - {r.id for r in found}


def runs_newer(service: Service, query: RunQuery, after_id: int, limit: int) -> list[Run]:
    """Up to `limit` runs matching the query with ids above `after_id`, newest first."""
    with service.store.read():
        return run_store.newer(after_id, limit, **_filters(query))


def unfinished_runs(service: Service, ids: set[int]) -> set[int]:
    """Which of these runs are not finished (their rows may still change)."""
    if not ids:
        return set()
    with service.store.read():
        return run_store.unfinished(ids)


def audit_page(service: Service, query: AuditQuery, offset: int, limit: int) -> list[AuditItem]:
    with service.store.read():
        return audit_log.page(offset, limit, search=query.search, actor=query.actor)


def audit_count(service: Service, query: AuditQuery) -> int:
    with service.store.read():
        return audit_log.count(search=query.search, actor=query.actor)


def audit_newer(service: Service, query: AuditQuery, after_id: int,
                limit: int) -> list[AuditItem]:
    with service.store.read():
        return audit_log.newer(after_id, limit, search=query.search, actor=query.actor)


@dataclass(frozen=True)
class Overview:
    """What the status bar shows: runs in flight, the next fire, failures today."""

    active_runs: int
    next_fire: datetime | None
    failures_today: int
    tasks: int


def overview(service: Service, now: datetime | None = None) -> Overview:
    now = now or datetime.now(UTC)
    midnight = now.astimezone().replace(hour=0, minute=0, second=0, microsecond=0)
    with service.store.read():
        active = run_store.active_count()
        next_fire = task_queries.next_fire()
        failed = run_store.failed_since(midnight)
        count = task_queries.count_all()
    return Overview(active, next_fire, failed, count)


@dataclass(frozen=True)
class Scheduled:
    """What would stop if scheduling stopped: the enabled tasks with a next fire, and the
    soonest of them."""

    count: int
    next_at: datetime | None = None
    next_task: str = ""


def scheduled(service: Service) -> Scheduled:
    with service.store.read():
        count, name, at = task_queries.scheduled()
    return Scheduled(count, at, name or "")
