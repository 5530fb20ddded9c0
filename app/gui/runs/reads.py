"""The Runs view's reads: a page of runs and their count, the runs an event named, and the
runs newer than the newest one shown, all by the view's `RunQuery`.

Read transactions on the store (DESIGN.md: "the GUI reads through the service/store with
paged queries"), always run on a pool thread by `Background`, never on the GUI thread.
Writes go through the service only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from app.core.run import Run
from app.service import Service
from app.store import runs as run_store


@dataclass(frozen=True)
class RunQuery:
    task_id: int | None = None
    status: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    task_containing: str = ""  # runs of the tasks whose name contains it (the typed filter)
    sort: str = "id"  # one of the store's RUN_SORTS; by id, newest first, is the default
    descending: bool = True

    @property
    def sorted_by_id(self) -> bool:
        """Newest first: new runs belong at the top, where they are inserted live."""
        return self.sort == "id" and self.descending

    def filters(self) -> dict[str, Any]:
        """The query as the store's run filters, statuses as the window shows them ("retried"
        for a failed attempt that was retried, `Run.shown_status`)."""
        return {"task_id": self.task_id, "status": self.status, "since": self.since,
                "until": self.until, "task_containing": self.task_containing, "shown": True}


PERIODS = (("any", "Any time"), ("today", "Today"), ("24h", "Last 24 hours"),
           ("7d", "Last 7 days"), ("30d", "Last 30 days"), ("between", "Between dates…"))


def period_bounds(period: str, now: datetime, first: date,
                  last: date) -> tuple[datetime | None, datetime | None]:
    """The scheduled times (since, until) of one of the view's `PERIODS` ("any", "today",
    "24h", "7d", "30d", or "between" the days `first` and `last` whole), in `now`'s zone."""
    midnight = datetime.combine(now.date(), time(), now.tzinfo)
    if period == "today":
        return midnight, None
    if period == "24h":
        return now - timedelta(hours=24), None
    if period in ("7d", "30d"):
        return midnight - timedelta(days=7 if period == "7d" else 30), None
    if period == "between":
        return (datetime.combine(first, time(), now.tzinfo),
                datetime.combine(last, time(), now.tzinfo) + timedelta(days=1))
    return None, None


def page(service: Service, query: RunQuery, offset: int, limit: int) -> list[Run]:
    """The runs matching the query from `offset`, in its order."""
    with service.store.read():
        return run_store.page(offset, limit, query.sort, query.descending, **query.filters())


def count(service: Service, query: RunQuery) -> int:
    with service.store.read():
        return run_store.count(**query.filters())


def runs_by_id(service: Service, query: RunQuery, ids: set[int]) -> tuple[list[Run], set[int]]:
    """Runs with these ids that match the query, and the ids that do not (or are gone)."""
    with service.store.read():
        found = run_store.by_ids(ids, **query.filters())
    return found, ids - {r.id for r in found}


def runs_newer(service: Service, query: RunQuery, after_id: int, limit: int) -> list[Run]:
    """Up to `limit` runs matching the query with ids above `after_id`, newest first."""
    with service.store.read():
        return run_store.newer(after_id, limit, **query.filters())
