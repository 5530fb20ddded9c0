"""The engine's own step (the horizon advancing a task after each fire) across DST."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.conftest import command_task

START = datetime(2027, 10, 30, 22, tzinfo=UTC)  # Berlin, the night 03:00 CEST -> 02:00 CET


def _steps(engine: Any, task: Any, first: datetime, count: int) -> list[datetime]:
    fire, seen = first, [first]
    for _ in range(count):
        engine.horizon.record_next(task.id, engine.horizon.advance(task, fire))
        ts = engine.horizon.next_fire(task.id)
        assert ts is not None
        fire = datetime.fromtimestamp(ts, UTC)
        seen.append(fire)
    return seen


@pytest.mark.parametrize(("schedule", "minutes"), [
    ({"kind": "cron", "expr": "*/30 * * * *"}, 30),
    ({"kind": "cron", "expr": "@hourly"}, 60),
    ({"kind": "cron", "expr": "*/5 * * * *"}, 5),
    ({"kind": "interval", "seconds": 1800}, 30),
])
def test_the_engine_keeps_the_pace_through_the_repeated_hour(
        engine: Any, service: Any, schedule: dict[str, Any], minutes: int) -> None:
    task = service.create_task(command_task("t", timezone="Europe/Berlin", schedule=schedule,
                                            start_at=START.isoformat()),
                               now=START - timedelta(days=1))
    count = 6 * 60 // minutes  # 22:00Z to 04:00Z
    seen = _steps(engine, task, START, count)
    assert seen == [START + timedelta(minutes=minutes * i) for i in range(count + 1)]


def test_the_engine_fires_a_fixed_time_in_the_repeated_hour_once(
        engine: Any, service: Any) -> None:
    task = service.create_task(command_task("t", timezone="Europe/Berlin", schedule={
        "kind": "cron", "expr": "30 2 * * *"}), now=START - timedelta(days=1))
    first_pass = datetime(2027, 10, 31, 0, 30, tzinfo=UTC)  # 02:30 CEST
    assert _steps(engine, task, first_pass, 1) == [
        first_pass, datetime(2027, 11, 1, 1, 30, tzinfo=UTC)]  # then 02:30 CET next day
