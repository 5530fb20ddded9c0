"""Days that start after now, in the calendar. A pipeline (Fetch every 2 minutes, Build after
Fetch, Report after Build) while Fetch's run started by hand is going: tomorrow's day list
began with Build and Report “after Fetch succeeded” at midnight, before Fetch's first fire,
as if that run ended there (2 more than the month said for the same day); the run going now
ends now, long before tomorrow, and so does what it chains. An overdue task: tomorrow began
with its catch-up and an on-time fire at the same midnight. The clock is pinned (Thu 3 Dec
2026 11:20); local days are UTC days."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from app.store.models import RunRow
from tests.gui.conftest import command_task
from tests.gui.test_calendar_failure_first import NOW, utc_local_time
from tests.gui.test_calendar_forecast_shown import _click_and_wait, _open_calendar

__all__ = ["utc_local_time"]  # (a fixture)


def test_a_run_going_now_adds_nothing_to_tomorrow(gui_factory: Any,
                                                  utc_local_time: None) -> None:
    gui = gui_factory(engine=False)
    s = gui.service
    fetch = s.create_task(command_task("Fetch", schedule={"kind": "interval", "seconds": 120}),
                          now=NOW - timedelta(minutes=1))
    s.create_task(command_task("Build", schedule={"kind": "after", "tasks": ["Fetch"]}),
                  now=NOW)
    s.create_task(command_task("Report", schedule={"kind": "after", "tasks": ["Build"]}),
                  now=NOW)
    began = NOW - timedelta(seconds=5)  # `tickwork task run Fetch`, still going
    RunRow.create(task=fetch.id, scheduled_for=began, attempt=1, status="running",
                  trigger="manual", queued_at=began, started_at=began, engine="e:1:1")
    tomorrow = date(2026, 12, 4)

    view = _open_calendar(gui, "month", NOW)
    gui.settle()
    month = view.data
    assert month is not None
    in_month = dict(month.days[tomorrow].future)

    view = _open_calendar(gui, "day", NOW)
    _click_and_wait(gui, view, view.bar.next)
    assert view.period.dates == [tomorrow]
    day = view.data
    assert day is not None
    in_day = dict(day.days[tomorrow].future)
    assert sum(in_day.values()) == sum(in_month.values()) == 2_160, (in_day, in_month)
    first = min((e for e in day.days[tomorrow].entries if e.predicted),
                key=lambda e: e.start)
    assert first.task_name == "Fetch", first


def test_an_overdue_task_is_caught_up_once_at_a_later_days_start(gui_factory: Any,
                                                                 utc_local_time: None) -> None:
    """No engine ran since yesterday: tomorrow's day list (its day starts after now) begins
    with the catch-up an engine started at midnight would run, and the fire at midnight is
    one of those it missed, not a second run beside it."""
    gui = gui_factory(engine=False)
    gui.service.create_task(command_task("Poll", schedule={"kind": "interval", "seconds": 120}),
                            now=NOW - timedelta(days=1))
    tomorrow = date(2026, 12, 4)
    view = _open_calendar(gui, "day", NOW)
    _click_and_wait(gui, view, view.bar.next)
    assert view.period.dates == [tomorrow]
    data = view.data
    assert data is not None
    entries = sorted((e for e in data.days[tomorrow].entries if e.predicted),
                     key=lambda e: e.start)
    midnight = entries[0].start
    assert midnight.hour == midnight.minute == 0
    assert [(e.start - midnight, e.kind) for e in entries[:2]] == [
        (timedelta(0), "catch_up"), (timedelta(minutes=2), "fire")], entries[:3]
