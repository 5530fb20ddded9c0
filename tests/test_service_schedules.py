"""The service stores several schedules and exclusions so the columns the engine reads stay
right: `schedule_kind` and a `next_run_at` that skips excluded dates, on create and update."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from app.store.home import DB_NAME
from tests.conftest import command_task

NOW = datetime(2027, 12, 23, 10, tzinfo=UTC)  # a Thursday


def _columns(home: Path, name: str) -> tuple[str, str | None]:
    with sqlite3.connect(f"file:{home / DB_NAME}?mode=ro", uri=True) as con:
        row = con.execute("SELECT schedule_kind, next_run_at FROM task WHERE name = ?",
                          (name,)).fetchone()
    return str(row[0]), row[1]


def test_kind_and_next_run_follow_the_schedules_and_exclusions(service: Any, home: Path
                                                                ) -> None:
    service.create_task(command_task("t", timezone="Europe/Berlin", schedule={
        "kind": "any", "schedules": [{"kind": "cron", "expr": "0 9 * * 1-5"},
                                     {"kind": "cron", "expr": "0 12 * * 6"}],
        "exclude": ["2027-12-24", "R/2027-12-25/P1Y"]}), now=NOW)
    task = service.get_task("t")
    assert task.next_run_at == datetime(2027, 12, 27, 8, tzinfo=UTC)  # Fri 24 and Sat 25 off
    kind, stored = _columns(home, "t")
    assert kind == "any" and stored is not None
    assert datetime.fromisoformat(stored) == task.next_run_at
    service.update_task("t", {"schedule": {"kind": "cron", "expr": "0 9 * * *",
                                           "exclude": ["2027-12-24"]}}, now=NOW)
    task = service.get_task("t")
    assert _columns(home, "t")[0] == "cron"  # one schedule with exclusions keeps its kind
    assert task.next_run_at == datetime(2027, 12, 25, 8, tzinfo=UTC)
    assert "not on 24 Dec 2027" in task.to_json()["schedule_text"]
