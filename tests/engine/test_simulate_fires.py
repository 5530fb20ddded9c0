"""A lone task's fires counted and listed per day by arithmetic are exactly the ones its
trigger gives when stepped fire by fire, as the engine steps it: across DST changes in the
task's zone and in the viewer's, for every shape of schedule."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from app.core.schedule import parse_timezone
from app.engine.fires import TaskFires
from app.engine.scheduler import next_after
from app.engine.world import World
from tests.conftest import command_task

T0 = datetime(2026, 3, 20, 9, 17, 3, tzinfo=UTC)  # a week before Europe's spring change
SCHEDULES: list[tuple[dict[str, Any], str]] = [
    ({"kind": "cron", "expr": "*/7 * * * *"}, "Europe/Berlin"),
    ({"kind": "cron", "expr": "30 2 * * *"}, "Europe/Berlin"),
    ({"kind": "cron", "expr": "0 * * * *"}, "America/New_York"),
    ({"kind": "cron", "expr": "15 1,2,3 * * 1-5"}, "America/New_York"),
    ({"kind": "cron", "expr": "0 9 1,15 * mon"}, "UTC"),
    ({"kind": "cron", "expr": "30 */5 * * * *"}, "Asia/Kolkata"),
    ({"kind": "cron", "expr": "@daily"}, "Australia/Lord_Howe"),
    ({"kind": "interval", "seconds": 420}, "Europe/Berlin"),
    ({"kind": "interval", "seconds": 7 * 3600 + 13}, "UTC"),
    ({"kind": "calendar", "days": 2, "hour": 2, "minute": 30}, "Europe/Berlin"),
    ({"kind": "any", "schedules": [{"kind": "cron", "expr": "0 12 * * *"},
                                   {"kind": "interval", "seconds": 5400}]}, "UTC"),
    ({"kind": "cron", "expr": "0 2 * * *", "exclude": ["2026-03-29", "2026-04-02"]},
     "Europe/Berlin"),
    ({"kind": "date", "at": "2026-03-29T02:30:00+01:00"}, "Europe/Berlin"),
]


def _bounds(first: date, days: int, zone: str) -> list[float]:
    tz = ZoneInfo(zone)
    return [datetime.combine(first + timedelta(days=i), time()).replace(tzinfo=tz)
            .timestamp() for i in range(days + 1)]


VIEWERS = ["Europe/Berlin", "America/Los_Angeles", "Asia/Kolkata"]
FIRST_DAY, DAYS = date(2026, 3, 18), 42
# this file's tests share a test process: each task is stepped once, to the last viewer's end
pytestmark = pytest.mark.xdist_group("simulate_fires")
_STEPPED: dict[tuple[str, Any, Any], list[float]] = {}


def _expected(task: Any, tz: Any, end: float) -> list[float]:
    """`_stepped(task, tz, end)`, from one stepping per task and test process: every
    viewer's list is a prefix of the one to the latest viewer's end."""
    key = (repr(task.spec), task.next_run_at, task.anchor)
    if key not in _STEPPED:
        _STEPPED[key] = _stepped(task, tz, max(_bounds(FIRST_DAY, DAYS, v)[-1]
                                               for v in VIEWERS))
    return [t for t in _STEPPED[key] if t < end]


def _stepped(task: Any, tz: Any, end: float) -> list[float]:
    """The engine's way: the next fire, then `next_after` the one before."""
    from app.core.schedule import build_trigger

    fire = task.next_run_at
    trigger = build_trigger(task.spec.schedule, tz, task.anchor, task.spec.end_at)
    out: list[float] = []
    while fire is not None and fire.timestamp() < end:
        out.append(fire.timestamp())
        if task.spec.schedule.kind == "date" or trigger is None:
            break
        fire = next_after(trigger, fire)
    return out


@pytest.mark.parametrize("viewer", VIEWERS)
def test_counts_and_listings_per_day_match_the_stepped_trigger(service: Any,
                                                                viewer: str) -> None:
    for i, (schedule, zone) in enumerate(SCHEDULES):
        extra: dict[str, Any] = {"end_at": "2026-04-22T00:00:00+00:00"} if i == 1 else {}
        service.create_task(command_task(f"t{i}", schedule=schedule, timezone=zone, **extra),
                            now=T0)
    world = World.read(service.store, None, T0)
    bounds = _bounds(FIRST_DAY, DAYS, viewer)
    for task in world.tasks:
        tz = parse_timezone(task.spec.timezone)
        fires = TaskFires(task, tz, task.next_run_at)
        expected = _expected(task, tz, bounds[-1])
        assert expected, task.name
        for lo, hi in itertools.pairwise(bounds):
            want = [t for t in expected if lo <= t < hi]
            assert fires.times(lo, hi) == pytest.approx(want, abs=1e-5), (task.name, lo)
            assert fires.count(lo, hi) == len(want), (task.name, lo)
            assert fires.times(lo, hi, 3) == pytest.approx(want[:3], abs=1e-5)
        # a window starting mid-day (now) and an odd one across days
        mid = bounds[3] + 3600 * 5.5
        assert fires.count(mid, bounds[4]) == len([t for t in expected if mid <= t < bounds[4]])


def test_a_task_without_a_next_fire_has_none(service: Any) -> None:
    task = service.create_task(command_task("manual"), now=T0)
    fires = TaskFires(task, UTC, None)
    assert fires.count(0, 2e9) == 0 and fires.times(0, 2e9) == []


def test_steady_days_are_counted_by_arithmetic(service: Any) -> None:
    """(So the month costs days × schedules, not fires.)"""
    task = service.create_task(command_task("often", schedule={"kind": "cron",
                                                               "expr": "*/7 * * * *"},
                                            timezone="Europe/Berlin"), now=T0)
    fires = TaskFires(task, parse_timezone("Europe/Berlin"), task.next_run_at)
    fires.steps = False  # stepping would now list nothing after the first fire
    bounds = _bounds(date(2026, 4, 10), 2, "Europe/Berlin")
    assert fires.count(bounds[0], bounds[1]) == 216
    assert len(fires.times(bounds[1], bounds[2])) == 216
