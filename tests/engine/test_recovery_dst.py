"""Recovery across the fall-back night: missed fires counted forward and read backward agree."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from app.core.task import Task, TaskSpec
from app.engine.recovery import missed_fires
from tests.conftest import command_task

CREATED = datetime(2027, 10, 1, tzinfo=UTC)
STORED_NEXT = datetime(2027, 10, 30, 22, 0, tzinfo=UTC)  # 00:00 CEST: the engine died before
NOW = datetime(2027, 10, 31, 3, 10, tzinfo=UTC)  # 04:10 CET, after the repeated hour


def _task(schedule: dict[str, Any], policy: str, stored_next: datetime = STORED_NEXT) -> Task:
    spec = TaskSpec.from_json(command_task("t", schedule=schedule, catch_up=policy,
                                           timezone="Europe/Berlin"),
                              now=CREATED, check_past=False)
    return Task(id=1, spec=spec, next_run_at=stored_next, created_at=CREATED)


def _every(minutes: int, first: datetime, last: datetime) -> list[datetime]:
    count = int((last - first) / timedelta(minutes=minutes)) + 1
    return [first + timedelta(minutes=minutes * i) for i in range(count)]


# Every 30 minutes in UTC (00:00 and 00:30 CEST, then 02:00 and 02:30 CET again), no gap.
EVERY_30 = _every(30, STORED_NEXT, datetime(2027, 10, 31, 3, 0, tzinfo=UTC))
HOURLY = _every(60, STORED_NEXT, datetime(2027, 10, 31, 3, 0, tzinfo=UTC))


@pytest.mark.parametrize(("schedule", "expected"), [
    ({"kind": "cron", "expr": "*/30 * * * *"}, EVERY_30),
    ({"kind": "cron", "expr": "@hourly"}, HOURLY),
    ({"kind": "interval", "seconds": 1800}, EVERY_30),
])
def test_missed_fires_keep_their_pace_through_the_repeated_hour(
        schedule: dict[str, Any], expected: list[datetime]) -> None:
    plan = missed_fires(_task(schedule, "all"), NOW)
    assert plan.missed == len(expected) and not plan.more
    assert [f.astimezone(UTC) for f in plan.fires] == expected
    assert plan.next_run_at is not None
    assert plan.next_run_at.astimezone(UTC) == expected[-1] + (expected[1] - expected[0])


@pytest.mark.parametrize("bound", range(1, len(EVERY_30)))
def test_the_latest_fires_read_backward_are_the_ones_counted_forward(bound: int) -> None:
    """Past `bound` fires recovery reads the latest ones from a window before now; across
    the repeated hour that window must hold the same fires as counting from the start."""
    plan = missed_fires(_task({"kind": "cron", "expr": "*/30 * * * *"}, "all"), NOW, bound)
    assert [f.astimezone(UTC) for f in plan.fires] == EVERY_30[-bound:]
    assert plan.missed == len(EVERY_30) or plan.more
    once = missed_fires(_task({"kind": "cron", "expr": "*/30 * * * *"}, "once"), NOW, bound)
    assert [f.astimezone(UTC) for f in once.fires] == EVERY_30[-1:]


def test_a_fixed_time_in_the_repeated_hour_is_missed_once() -> None:
    first_pass = datetime(2027, 10, 31, 0, 30, tzinfo=UTC)  # 02:30 CEST
    plan = missed_fires(_task({"kind": "cron", "expr": "30 2 * * *"}, "all", first_pass), NOW)
    assert [f.astimezone(UTC) for f in plan.fires] == [first_pass]
    assert plan.next_run_at is not None
    assert plan.next_run_at.astimezone(UTC) == datetime(2027, 11, 1, 1, 30, tzinfo=UTC)
