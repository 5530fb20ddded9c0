"""What the calendar keeps between reads never changes what it shows: a month read again
and again as time passes (the minute's refresh: a new now each read, today a shorter
partial day each time) predicts the same per day as a read with nothing kept."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from app.gui.calendar import predictions
from app.gui.calendar.data import period_for, read_period
from tests.conftest import command_task, local_zone


@pytest.fixture
def utc_local_time(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Local days are UTC days here, whatever the machine's zone."""
    yield from local_zone(monkeypatch, "UTC")


def _month(service: Any, now: datetime, limit: int | None = None) -> dict[date, dict[str, int]]:
    data = read_period(service, period_for("month", now.date()), now, limit=limit)
    return {d: dict(day.future) for d, day in data.days.items() if day.future}


def _fresh(service: Any, now: datetime, limit: int | None = None) -> dict[date, dict[str, int]]:
    predictions._stores.clear()  # nothing kept
    return _month(service, now, limit)


def test_a_month_read_at_later_and_later_nows_matches_a_fresh_read(
        service: Any, utc_local_time: None) -> None:
    created = datetime(2027, 3, 10, 0, 0, 30, tzinfo=UTC)
    schedules = {"often": {"kind": "interval", "seconds": 7 * 60},
                 "hourly": {"kind": "cron", "expr": "0 * * * *"},
                 "quarterly": {"kind": "cron", "expr": "*/15 * * * *"},
                 "nightly": {"kind": "cron", "expr": "30 23 * * *"}}
    for name, schedule in schedules.items():
        service.create_task(command_task(name, schedule=schedule), now=created)
    # before any fire; just before and just after the first 7-minute fire (00:07:30);
    # past the first quarter hour; the evening; after the nightly fire, the last of today
    for later in (0, 5 * 60, 7 * 60 - 1, 7 * 60 + 1, 16 * 60, 20 * 3600, 23 * 3600 + 1900):
        now = created + timedelta(seconds=later)
        kept = _month(service, now)
        assert kept == _fresh(service, now), now
        assert kept[now.date()]["fire"] > 0 or later > 23 * 3600


def test_tasks_counted_past_the_dispatcher_s_reach_match_a_fresh_read(
        service: Any, utc_local_time: None) -> None:
    """Tasks the dispatcher plays (a one-at-a-time group) are played up to `limit`
    occurrences, then counted from their schedules from that point on: as the point moves
    (a longer play, a later now), the counts from it on are what a fresh read counts."""
    created = datetime(2027, 3, 10, 0, 0, 30, tzinfo=UTC)
    for name in ("a", "b", "c"):
        service.create_task(command_task(name, group="disk", group_limit=1, schedule={
            "kind": "cron", "expr": "*/5 * * * *"}), now=created)
    service.create_task(command_task("lone", schedule={"kind": "interval", "seconds": 420}),
                        now=created)
    # (each read plays the dispatcher again — another limit, or another now with one: a
    # listing kept for the same limit is reused for `STALE` seconds, from the new now)
    for later, limit in ((60, 30), (60, 90), (60, 60), (600, 45), (4000, 200), (4000, 30)):
        now = created + timedelta(seconds=later)
        kept = _month(service, now, limit)
        assert kept == _fresh(service, now, limit), (later, limit)
        played = read_period(service, period_for("month", now.date()), now, limit=limit)
        assert played.predicted_until is not None  # the play stopped within the month
        assert played.predicted_until.date() == now.date()  # (today: a partial window)


@pytest.fixture
def berlin_local_time(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    yield from local_zone(monkeypatch, "Europe/Berlin")


def test_tasks_the_engine_fires_between_reads_match_a_fresh_read(
        service: Any, berlin_local_time: None) -> None:
    """An engine moves each task's next fire as it fires it (one every 5 s among them), and
    once a fire passes with no engine; each read reads the fires kept from the new next
    fire on (the same sequence): a month around a DST change predicts what a read with
    nothing kept predicts."""
    from app.core.schedule import build_trigger, parse_timezone
    from app.engine.scheduler import next_after
    from app.store import ledger

    zone = "Europe/Berlin"
    created = datetime(2027, 3, 27, 22, 58, 0, 250000, tzinfo=UTC)  # the clocks go on at 1:00
    tasks = [service.create_task(command_task(name, schedule=schedule, timezone=zone),
                                 now=created) for name, schedule in (
        ("every5", {"kind": "interval", "seconds": 5}),
        ("often", {"kind": "interval", "seconds": 7 * 60}),
        ("quarterly", {"kind": "cron", "expr": "*/15 * * * *"}),
        ("at-2:30", {"kind": "cron", "expr": "30 2 * * *"}),
        ("hourly-but", {"kind": "cron", "expr": "0 * * * *", "exclude": ["2027-03-29"]}))]

    def fire_due(until: datetime) -> None:
        """What the engine writes for each fire up to `until`: its run, the next fire."""
        moved = []
        with service.store.write():
            for task in (service.get_task(t.id) for t in tasks):
                trigger = build_trigger(task.spec.schedule, parse_timezone(zone), task.anchor,
                                        task.spec.end_at)
                fire = task.next_run_at
                while fire is not None and fire <= until:
                    ledger.claim(task.id, fire, 1, "succeeded", "schedule", fire, None)
                    fire = next_after(trigger, fire)
                moved.append((task.id, fire))
            ledger.set_next_run(moved)

    now = created
    for later, fired in ((3, True), (7, True), (61, False), (3600, True), (4000, True),
                         (7 * 3600, True)):
        now += timedelta(seconds=later)
        if fired:
            fire_due(now)
        kept = _month(service, now)
        assert kept == _fresh(service, now), now
