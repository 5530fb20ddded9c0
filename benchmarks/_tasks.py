"""Fast bulk creation of benchmark tasks, straight into the store.

The service validates and audits one task at a time, which is right for people and far too
slow for 300,000 tasks; benchmarks write the same columns the service writes, in batches.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from app.store.models import TaskRow, db

BATCH = 2000


def _row(name: str, action: dict[str, Any], schedule: dict[str, Any],
         next_run_at: datetime | None, now: datetime) -> dict[str, Any]:
    return {
        "name": name, "description": "", "enabled": True, "tags": [], "action": action,
        "action_text": action.get("target") or " ".join(action.get("argv", [])),
        "schedule": schedule, "schedule_kind": schedule["kind"], "timezone": "UTC",
        "priority": 0, "retries": 0, "retry_delay": 10.0, "backoff": "fixed",
        "max_instances": 1, "overlap": "queue", "catch_up": "once", "env": {},
        "secret_env": {}, "notify": {"on_failure": False, "on_success": False},
        "next_run_at": next_run_at, "created_at": now, "updated_at": now,
    }


def _insert(rows: Iterator[dict[str, Any]]) -> int:
    count = 0
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= BATCH:
            with db.atomic():
                TaskRow.insert_many(batch).execute()
            count += len(batch)
            batch = []
    if batch:
        with db.atomic():
            TaskRow.insert_many(batch).execute()
        count += len(batch)
    return count


PY_NOOP = {"kind": "python", "target": "benchmarks.actions:noop", "kwargs": {}, "cwd": None}
TRUE_CMD = {"kind": "command", "argv": ["/bin/true"], "shell": False, "cwd": None}


def one_shots(n: int, start: datetime, window: float, action: dict[str, Any] | None = None,
              prefix: str = "t") -> int:
    """N one-shot tasks spread uniformly over [start, start + window)."""
    now = datetime.now(UTC)
    act = action or PY_NOOP

    def rows() -> Iterator[dict[str, Any]]:
        for i in range(n):
            at = start + timedelta(seconds=window * i / n)
            yield _row(f"{prefix}{i}", act, {"kind": "date", "at": at.isoformat()}, at, now)
    return _insert(rows())


def cron_tasks(n: int, action: dict[str, Any] | None = None) -> int:
    """N daily cron tasks at spread-out minutes (none due in the next minutes)."""
    from app.core.schedule import Schedule, next_fire_times, parse_timezone

    now = datetime.now(UTC)
    tz = parse_timezone("UTC")
    act = action or PY_NOOP
    cache: dict[str, datetime] = {}

    def rows() -> Iterator[dict[str, Any]]:
        for i in range(n):
            minute = (now.minute + 30 + i % 600 // 60) % 60
            hour = (now.hour + 1 + i % 23) % 24
            expr = f"{minute} {hour} * * *"
            if expr not in cache:
                cache[expr] = next_fire_times(Schedule(kind="cron", expr=expr), tz, now, 1)[0]
            yield _row(f"c{i}", act, {"kind": "cron", "expr": expr}, cache[expr], now)
    return _insert(rows())


def same_cron(n: int, expr: str, first: datetime, action: dict[str, Any] | None = None,
              prefix: str = "b") -> int:
    """N tasks with one cron expression, all next due at `first` (a fire time of `expr`
    the caller computed): the shape of real schedules, where everyone picks :00."""
    now = datetime.now(UTC)
    act = action or PY_NOOP
    schedule = {"kind": "cron", "expr": expr}
    return _insert(_row(f"{prefix}{i}", act, schedule, first, now) for i in range(n))


def move_one_shots(written_at: datetime, start: datetime) -> None:
    """Move every one-shot task written with `one_shots(..., written_at, ...)` so its window
    opens at `start` (one statement): writing many tasks takes seconds, so a benchmark
    writes them far ahead and moves them once the engine is about to start."""
    shift = f"{(start - written_at).total_seconds():+.6f} seconds"
    db.execute_sql(
        "UPDATE task SET next_run_at = strftime('%Y-%m-%dT%H:%M:%f000+00:00', "
        "next_run_at, ?), schedule = json_set(schedule, '$.at', strftime("
        "'%Y-%m-%dT%H:%M:%f000+00:00', json_extract(schedule, '$.at'), ?))", (shift, shift))
