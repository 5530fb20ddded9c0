"""The run history sorted by each column the Runs view sorts by, on SQLite and PostgreSQL:
the whole filtered history in the store's order, unfinished runs (no end, no duration) last
either way, ties newest first, so pages read one after another never repeat or skip a run."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from app.service import Service
from app.store import runs
from app.store.models import RunRow
from tests.conftest import command_task
from tests.store.test_backends import location, opened, svc  # noqa: F401  (the fixtures)

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _history(service: Any) -> None:
    """Runs of three tasks with scrambled times; two unfinished."""
    ids = {n: service.create_task(command_task(n)).id for n in ("beta", "Alpha", "gamma")}
    with service.store.write():
        for i in range(12):
            at = T0 + timedelta(minutes=(i * 7) % 12)
            name = ("beta", "Alpha", "gamma")[i % 3]
            run_id = runs.insert(ids[name], at, status="queued", trigger="schedule", now=at)
            start = at + timedelta(seconds=(i * 5) % 11)
            done = i not in (4, 9)
            RunRow.update(status=("succeeded", "failed", "cancelled")[i % 3] if done
                          else "running", started_at=start, lateness_ms=float((i * 3) % 7),
                          finished_at=start + timedelta(seconds=(i * 13) % 17 + 1)
                          if done else None).where(RunRow.id == run_id).execute()


def test_each_sort_orders_the_whole_history_in_pages(svc: Service) -> None:  # noqa: F811
    _history(svc)
    for sort in sorted(runs.RUN_SORTS):
        for descending in (True, False):
            _check(svc, sort, descending)


def _check(service: Any, sort: str, descending: bool) -> None:
    with service.store.read():
        every = runs.page(0, 100)
        paged = [r for offset in range(0, 12, 5)
                 for r in runs.page(offset, 5, sort, descending)]

    def value(run: Any) -> Any:
        if sort == "task":
            return run.task_name.lower()
        if sort == "duration":
            return run.duration_s
        return getattr(run, sort)

    # `every` is newest first; a stable sort keeps that order among equal values
    known = sorted((r for r in every if value(r) is not None), key=value, reverse=descending)
    unknown = [r for r in every if value(r) is None]
    assert [r.id for r in paged] == [r.id for r in known + unknown], (sort, descending)
