"""Today's month cell of a few runs, as a person met it under X: “✓ 20:51 Upload…”, “✓ 20:52
Ticker”, “+9 more…”, the failed run a minute later inside the “+9 more” (the week and the
day views showed it red). Now a cell that lists some of its entries lists its failed runs
first picked, in time order with the earliest of the rest. The clock is pinned (a Thursday
11:20); local days are UTC days."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from app.gui.widgets import display
from tests.gui.conftest import SCREENSHOTS, Gui, command_task
from tests.gui.test_calendar_failure_first import NOW, utc_local_time
from tests.gui.test_calendar_forecast_shown import _open_calendar

__all__ = ["utc_local_time"]  # (a fixture)


def _morning(gui: Gui) -> None:
    """A task every 30 minutes since yesterday; this morning: six runs succeeded from 08:00,
    then the 11:00 one failed (the rest of the day: its planned fires)."""
    from app.store.models import RunRow

    task = gui.service.create_task(command_task(
        "ping", schedule={"kind": "interval", "seconds": 1800}), now=NOW - timedelta(days=1))
    with gui.store.write():
        for minute in range(0, 210, 30):
            status = "failed" if minute == 180 else "succeeded"
            at = NOW.replace(hour=8, minute=0) + timedelta(minutes=minute)
            RunRow.insert(task=task.id, scheduled_for=at, attempt=1, trigger="schedule",
                          status=status, queued_at=at, started_at=at,
                          finished_at=at + timedelta(seconds=5),
                          exit_code=int(status != "succeeded")).execute()


def test_a_failed_run_is_listed_in_its_month_cell(gui_factory: Any,
                                                   utc_local_time: None) -> None:
    gui = gui_factory(engine=False)
    _morning(gui)
    view = _open_calendar(gui, "month", NOW)
    gui.window.resize(1160, 720)  # the window as it opened under X
    gui.settle()
    month = view.month
    month.ensure_layout()
    shot = SCREENSHOTS / "calendar-month-failure-listed.png"
    assert gui.window.grab().save(str(shot))
    assert NOW.date() not in month.summed  # a few runs: listed, with a "+N more"
    listed = [h.entry for h in month.hits if h.day == NOW.date() and h.kind == "entry"]
    more = [h for h in month.hits if h.day == NOW.date() and h.kind == "more"]
    assert more and 1 < len(listed) < 6, (listed, shot)
    assert any(e.status in display.FAILED for e in listed), (listed, shot)
    starts = [e.start for e in listed]
    assert starts == sorted(starts), shot
    assert listed[0].start == NOW.replace(hour=8, minute=0), shot  # the earliest still first
