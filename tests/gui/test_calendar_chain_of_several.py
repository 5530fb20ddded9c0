"""A task that runs after several others (“After Fetch and Nightly succeed”) in the month: the
days the engine's play reached counted its runs, the days past it (where fires are counted
from schedules, a chain after one task as its upstream's fires) left them out without a word,
so those days read one fewer than will run while the footer said every later fire was
counted. Such a task's later runs cannot be counted from one schedule; the footer now names
it and says so. The clock is pinned (Thu 3 Dec 2026 11:20); local days are UTC days."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from tests.gui.conftest import SCREENSHOTS, command_task
from tests.gui.test_calendar_failure_first import NOW, utc_local_time
from tests.gui.test_calendar_forecast_shown import _open_calendar

__all__ = ["utc_local_time"]  # (a fixture)


def test_a_chain_after_several_tasks_is_said_not_counted_past_the_listing(
        gui_factory: Any, utc_local_time: None) -> None:
    gui = gui_factory(engine=False)
    made = NOW - timedelta(minutes=1)
    s = gui.service
    s.create_task(command_task("Fetch", schedule={"kind": "interval", "seconds": 300}), now=made)
    s.create_task(command_task("Nightly", schedule={"kind": "cron", "expr": "0 2 * * *"}),
                  now=made)
    s.create_task(command_task("Both", schedule={"kind": "after",
                                                 "tasks": ["Fetch", "Nightly"]}), now=made)
    s.create_task(command_task("Build", schedule={"kind": "after", "tasks": ["Fetch"]}),
                  now=made)  # after one task: counted as Fetch's fires (not named)
    view = _open_calendar(gui, "month", NOW)
    grid = view.month
    gui.settle()
    data = view.data
    assert data is not None and data.capped, "the play stops before the month's end"
    early, late = date(2026, 12, 5), date(2026, 12, 20)  # listed; past the listing
    assert dict((w, n) for _k, w, n in grid.busy_lines(early)) == {
        "planned": 289, "after other tasks": 289}  # Fetch's 288, Nightly; Build's 288, Both
    assert dict((w, n) for _k, w, n in grid.busy_lines(late)) == {
        "planned": 289, "after Fetch": 288}  # Both's run is not in it: Build's only
    footer = view.status.text()
    assert footer.endswith(" · tasks that run after several others are counted only as "
                           "listed: “Both” until 2026-12-11 02:00:00 UTC"), footer
    assert data.uncounted == [("Both", data.uncounted[0][1])]  # not Build
    assert grid.grab().save(str(SCREENSHOTS / "calendar-chain-of-several.png"))

