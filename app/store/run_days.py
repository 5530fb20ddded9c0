"""The ledger by local day, for the calendar: counts per day and status, and the runs of
chosen days (all of them, or each day's first few), in SQL so a day of 100,000 runs costs
one grouped query. Days are the user's local days (`backend.local_day_sql`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from app.store.backend import execute, local_day_sql
from app.store.runs import FAILURES_SQL
from app.store.task_queries import ids_clause
from app.store.times import utc_text

# a run's status, "retried" for a failed attempt whose retry was claimed (runs._not_retried)
STATUS = (f"CASE WHEN r.status IN {FAILURES_SQL} AND EXISTS (SELECT 1 FROM run x "
          "WHERE x.parent_run_id = r.id AND x.trigger = 'retry') THEN 'retried' "
          "ELSE r.status END")

# (id, task id, task name, status, scheduled, started, finished, reason), times as stored text
RunLine = tuple[Any, ...]


def counts(start: datetime, until: datetime,
           task_ids: set[int] | None) -> list[tuple[str, str, int]]:
    """(local day YYYY-MM-DD, status (`STATUS`), runs) of the runs scheduled in [start,
    until)."""
    where, params = ids_clause(task_ids, "r.task_id")
    return [(str(d), str(s), int(n)) for d, s, n in execute(
        f"SELECT {local_day_sql('r.scheduled_for')} AS d, {STATUS} AS s, COUNT(*) FROM run r "
        f"WHERE r.scheduled_for >= ? AND r.scheduled_for < ?{where} GROUP BY d, s",
        [utc_text(start), utc_text(until), *params])]


def runs(spans: list[tuple[datetime, datetime]], task_ids: set[int] | None,
         per_day: int | None = None) -> list[RunLine]:
    """The runs scheduled in any of these spans (the first `per_day` of each local day when
    given), unordered."""
    if not spans:
        return []
    where, params = ids_clause(task_ids, "r.task_id")
    select = (f"SELECT r.id, r.task_id, t.name, {STATUS} AS status, r.scheduled_for, "
              "r.started_at, r.finished_at, r.reason FROM run r JOIN task t ON t.id = r.task_id")
    ranges = " OR ".join("(r.scheduled_for >= ? AND r.scheduled_for < ?)" for _ in spans)
    bounds = [utc_text(t) for span in spans for t in span]
    query = f"{select} WHERE ({ranges}){where}"
    if per_day is not None:
        query = (f"SELECT * FROM (SELECT *, row_number() OVER (PARTITION BY "
                 f"{local_day_sql('scheduled_for')} ORDER BY scheduled_for, id) AS n "
                 f"FROM ({query}) AS q) AS p WHERE n <= {int(per_day)}")
    return list(execute(query, [*bounds, *params]).fetchall())


def hour_counts(start: datetime, until: datetime, task_ids: set[int] | None,
                minute: int) -> list[tuple[str, int, str, int]]:
    """(UTC hour YYYY-MM-DDTHH, 1 from `minute` on, status, runs) of the runs scheduled in
    [start, until): parts of UTC hours that each lie in one local hour (a zone's hours turn
    at `minute` past a UTC hour), so the caller counts them by local day and hour alike."""
    where, params = ids_clause(task_ids, "r.task_id")
    return [(str(h), int(late), str(s), int(n)) for h, late, s, n in execute(
        "SELECT substr(r.scheduled_for, 1, 13) AS h, "
        "CASE WHEN substr(r.scheduled_for, 15, 2) >= ? THEN 1 ELSE 0 END AS late, "
        f"{STATUS} AS s, COUNT(*) FROM run r WHERE r.scheduled_for >= ? "
        f"AND r.scheduled_for < ?{where} GROUP BY h, late, s",
        [f"{minute:02d}", utc_text(start), utc_text(until), *params])]
