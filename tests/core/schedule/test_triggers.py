"""The triggers of the other kinds, windows, and the fire-time preview."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise

from apscheduler.triggers.calendarinterval import CalendarIntervalTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from app.core.schedule import Schedule, build_trigger, next_fire_times
from app.core.schedule.triggers import CalendarTrigger
from tests.core.schedule.samples import BERLIN, NEW_YORK, T0, ZUTC, local


def test_calendar_follows_its_anchor_and_skips_missing_days() -> None:
    monthly = Schedule.parse_calendar("1mo@02:00")
    anchor = datetime(2026, 1, 31, tzinfo=UTC)
    times = next_fire_times(monthly, ZUTC, anchor - timedelta(days=1), 4, start=anchor)
    assert [t.date().isoformat() for t in times] == [
        "2026-01-31", "2026-03-31", "2026-05-31", "2026-07-31"
    ]  # fmt: skip
    assert all(t.hour == 2 for t in times)


def test_calendar_with_an_old_anchor_keeps_its_phase() -> None:
    fortnight = Schedule.parse_calendar("2w@08:30")
    anchor = datetime(2016, 1, 4, tzinfo=BERLIN)  # a Monday, ten years back
    times = next_fire_times(fortnight, BERLIN, datetime(2026, 3, 1, tzinfo=BERLIN), 3, anchor)
    assert all(t.weekday() == 0 and (t.date() - anchor.date()).days % 14 == 0 for t in times)
    assert times[0] > datetime(2026, 3, 1, tzinfo=BERLIN)


def test_calendar_trigger_is_an_apscheduler_calendar_trigger() -> None:
    trigger = build_trigger(Schedule.parse_calendar("1d"), BERLIN, now=T0)
    assert isinstance(trigger, CalendarTrigger)
    assert isinstance(trigger, CalendarIntervalTrigger)


def test_interval_counts_from_start_or_after() -> None:
    every = Schedule.parse_every("5m")
    after = datetime(2026, 3, 1, 12, 0, 30, tzinfo=BERLIN)
    assert next_fire_times(every, BERLIN, after, 2) == [
        after + timedelta(minutes=5), after + timedelta(minutes=10)
    ]  # fmt: skip
    start = datetime(2026, 3, 1, 0, 1, tzinfo=BERLIN)
    assert [t.minute for t in next_fire_times(every, BERLIN, after, 3, start)] == [1, 6, 11]
    assert isinstance(build_trigger(every, BERLIN, start), IntervalTrigger)


def test_interval_is_real_time_across_dst() -> None:
    hourly = Schedule.parse_every("1h")
    times = next_fire_times(hourly, NEW_YORK, datetime(2026, 11, 1, 0, 30, tzinfo=NEW_YORK), 3)
    instants = [t.astimezone(UTC) for t in times]
    assert [b - a for a, b in pairwise(instants)] == [timedelta(hours=1)] * 2
    assert local(times, NEW_YORK)[1] == "2026-11-01 01:30:00-0500"


def test_date_fires_once_inside_its_window() -> None:
    once = Schedule.parse_at("2026-12-01T02:00", BERLIN)
    assert once.at == datetime(2026, 12, 1, 2, tzinfo=BERLIN)
    assert isinstance(build_trigger(once, BERLIN), DateTrigger)
    assert next_fire_times(once, BERLIN, T0, 5) == [once.at]
    assert next_fire_times(once, BERLIN, datetime(2026, 12, 2, tzinfo=UTC), 5) == []
    late = datetime(2026, 12, 2, tzinfo=UTC)
    assert build_trigger(once, BERLIN, start=late) is None
    assert build_trigger(once, BERLIN, end=T0) is None
    assert next_fire_times(once, BERLIN, T0, 5, end=T0 + timedelta(days=1)) == []


def test_window_limits_cron_fires() -> None:
    daily = Schedule.parse_cron("0 12 * * *")
    start = datetime(2026, 1, 10, 12, tzinfo=UTC)  # inclusive
    end = datetime(2026, 1, 12, 12, tzinfo=UTC)  # inclusive
    times = next_fire_times(daily, ZUTC, T0, 10, start, end)
    assert [t.day for t in times] == [10, 11, 12]


def test_manual_and_after_have_no_trigger() -> None:
    assert build_trigger(Schedule(kind="manual"), BERLIN) is None
    assert build_trigger(Schedule.parse_after("A,B"), BERLIN) is None
    assert next_fire_times(Schedule(kind="manual"), BERLIN, T0, 3) == []


def test_next_fire_times_are_in_the_zone_and_strictly_after() -> None:
    after = datetime(2026, 1, 1, 2, tzinfo=BERLIN)
    times = next_fire_times(Schedule.parse_cron("0 2 * * *"), BERLIN, after, 3)
    assert times[0] == datetime(2026, 1, 2, 2, tzinfo=BERLIN)
    assert all(t.tzinfo is BERLIN for t in times)
    assert next_fire_times(Schedule.parse_cron("0 2 * * *"), BERLIN, after, 0) == []
