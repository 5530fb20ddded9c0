"""Catch-up after the engine was down honours several schedules and exclusion dates: the
recovery plan read from the store, and a real engine started on it."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from app.core.task import Task, TaskSpec
from app.engine.recovery import missed_fires
from tests.conftest import command_task
from tests.engine.conftest import finished_runs, wait_until

BERLIN_SCHEDULE = {"kind": "any", "schedules": [{"kind": "cron", "expr": "0 9 * * 1-5"},
                                                {"kind": "cron", "expr": "30 2 * * *"}],
                   "exclude": ["2027-03-29"]}


def test_missed_fires_skip_excluded_dates_across_spring_forward() -> None:
    created = datetime(2027, 3, 1, tzinfo=UTC)
    spec = TaskSpec.from_json(command_task("t", schedule=BERLIN_SCHEDULE, catch_up="all",
                                           timezone="Europe/Berlin"), now=created)
    stored_next = datetime(2027, 3, 27, 1, 30, tzinfo=UTC)  # Sat 02:30 CET: then it died
    task = Task(id=1, spec=spec, next_run_at=stored_next, created_at=created)
    plan = missed_fires(task, datetime(2027, 3, 30, 12, tzinfo=UTC))  # Tue 14:00 CEST
    assert [f.astimezone(UTC).isoformat() for f in plan.fires] == [
        "2027-03-27T01:30:00+00:00",  # Sat 02:30 CET
        "2027-03-28T01:00:00+00:00",  # Sun 02:30 does not exist: 03:00 CEST
        # Monday 29 March excluded: neither 02:30 nor 09:00
        "2027-03-30T00:30:00+00:00",  # Tue 02:30 CEST
        "2027-03-30T07:00:00+00:00",  # Tue 09:00 CEST
    ]
    assert plan.missed == 4
    assert plan.next_run_at is not None
    assert plan.next_run_at.astimezone(UTC) == datetime(2027, 3, 31, 0, 30, tzinfo=UTC)


def test_an_engine_started_after_an_outage_catches_up_without_the_excluded_day(
        engine: Any, service: Any) -> None:
    now = datetime.now(UTC)
    created = now - timedelta(days=3, seconds=30)
    yesterday = (now - timedelta(days=1)).date()
    schedule = {"kind": "any", "schedules": [{"kind": "cron", "expr": "0 0 * * *"},
                                             {"kind": "cron", "expr": "0 12 * * *"},
                                             {"kind": "cron", "expr": "0 */12 * * *"}],
                "exclude": [yesterday.isoformat()]}
    service.create_task(command_task("t", schedule=schedule, catch_up="all"), now=created)
    day: date = created.date()
    expected: list[datetime] = []
    while day <= now.date():
        for hour in (0, 12):
            fire = datetime.combine(day, time(hour), UTC)
            if created < fire <= now and day != yesterday:
                expected.append(fire)
        day += timedelta(days=1)
    engine.start()
    wait_until(lambda: len(finished_runs(service, "t")) >= len(expected), 10)
    engine.writer.flush()
    runs = finished_runs(service, "t")
    assert sorted(r.scheduled_for for r in runs) == expected  # three crons: one fire each
    assert all(r.trigger == "catch_up" for r in runs)
    assert yesterday not in {r.scheduled_for.date() for r in runs}
