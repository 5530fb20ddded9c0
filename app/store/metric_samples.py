"""Metric samples as the views read them: the system's recent history (fine for the last
hour, minute aggregates before it), the samples after a time, and one run's resources.
The engine writes them (ledger.add_metric)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from app.store.backend import execute, json_number_sql
from app.store.times import utc_text

_VALUES = '"values"'  # the samples' JSON column (a keyword: quoted)


def system_since(since: datetime) -> list[Any]:
    """(at, values JSON) of the system samples at or after `since`, oldest first."""
    return list(execute(
        "SELECT at, \"values\" FROM metric_sample WHERE kind = 'system' "
        "AND at >= ? ORDER BY at", (utc_text(since),)).fetchall())


def system_minutes(begin: datetime, end: datetime,
                   series: list[tuple[str, str]]) -> list[Any]:
    """One row per minute in [begin, end): the minute (YYYY-MM-DDTHH:MM) and, per
    (key, "MAX" or "AVG") in `series`, that aggregate of the key over the minute."""
    aggregates = ", ".join(f"{how}({json_number_sql(_VALUES, key)})" for key, how in series)
    return list(execute(
        f"SELECT substr(at, 1, 16) AS minute, {aggregates} FROM metric_sample "
        "WHERE kind = 'system' AND at >= ? AND at < ? GROUP BY minute ORDER BY minute",
        (utc_text(begin), utc_text(end))).fetchall())


def system_after(after: datetime, limit: int = 3600) -> list[Any]:
    """Up to `limit` system samples stored after `after`, oldest first."""
    return list(execute(
        "SELECT at, \"values\" FROM metric_sample WHERE kind = 'system' AND at > ? "
        "ORDER BY at LIMIT ?", (utc_text(after), limit)).fetchall())


def of_run(run_id: int) -> list[Any]:
    """A run's resource samples, oldest first."""
    return list(execute(
        "SELECT at, \"values\" FROM metric_sample WHERE kind = 'run' AND run_id = ? "
        "ORDER BY at", (run_id,)).fetchall())


def run_samples(run_id: int) -> list[tuple[datetime, float, float]]:
    """A run's resource samples: (time, CPU % of one core, resident MiB), oldest first."""
    out = []
    for at, text in of_run(run_id):
        values = json.loads(text)
        out.append((at if isinstance(at, datetime) else datetime.fromisoformat(str(at)),
                    float(values.get("cpu") or 0.0), float(values.get("rss_mb") or 0.0)))
    return out
