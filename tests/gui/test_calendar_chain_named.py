"""A chain task's predictions in the month say what they run after, as the task table's Next
run does: a cell read “288 after upstream” beside a table saying “after Fetch” (a week's walk
under X). Now “288 after Fetch”; where chain tasks after different tasks share a day, “576
after other tasks”, the names in the cell's tooltip and its day list. The clock is pinned
(Thu 3 Dec 2026 11:20); local days are UTC days."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from tests.gui.conftest import SCREENSHOTS, command_task
from tests.gui.test_calendar import _tooltip
from tests.gui.test_calendar_chain_counted import day_list_whats
from tests.gui.test_calendar_failure_first import NOW, utc_local_time
from tests.gui.test_calendar_forecast_shown import _open_calendar

__all__ = ["utc_local_time"]  # (a fixture)

DAY = date(2026, 12, 5)  # a whole day ahead, played through the dispatcher
LATE = date(2026, 12, 20)  # past where the play stops: counted from the schedules


def _tasks(gui: Any, chains: dict[str, str]) -> None:
    """Fetch every 5 minutes (288 a day), and each of `chains` after its upstream."""
    made = NOW - timedelta(minutes=1)
    gui.service.create_task(command_task("Fetch", schedule={"kind": "interval",
                                                            "seconds": 300}), now=made)
    for name, after in chains.items():
        gui.service.create_task(command_task(name, schedule={"kind": "after",
                                                             "tasks": [after]}), now=made)


def test_a_days_chain_runs_name_the_task_they_run_after(gui_factory: Any,
                                                         utc_local_time: None) -> None:
    gui = gui_factory(engine=False)
    _tasks(gui, {"Mail summary": "Fetch"})
    grid = _open_calendar(gui, "month", NOW).month
    gui.settle()
    for day in (DAY, LATE):
        assert day in grid.summed
        lines = {words: n for _key, words, n in grid.busy_lines(day)}
        assert lines == {"planned": 288, "after Fetch": 288}, (day, lines)
    assert grid.grab().save(str(SCREENSHOTS / "calendar-chain-named.png"))


def test_chain_runs_after_different_tasks_are_counted_and_named_in_the_tooltip(
        gui_factory: Any, utc_local_time: None) -> None:
    gui = gui_factory(engine=False)
    _tasks(gui, {"Mail summary": "Fetch", "Archive": "Mail summary"})
    view = _open_calendar(gui, "month", NOW)
    grid = view.month
    gui.settle()
    grid.grab()
    lines = {words: n for _key, words, n in grid.busy_lines(DAY)}
    assert lines == {"planned": 288, "after other tasks": 576}, lines
    count = next(h for h in grid.hits if h.kind == "more" and h.day == DAY)
    tip = _tooltip(grid, count.rect.center().toPoint())
    assert "576 after other tasks (288 after Fetch, 288 after Mail summary)" in tip, tip
    assert grid.grab().save(str(SCREENSHOTS / "calendar-chain-others.png"))
    whats = day_list_whats(gui, view, grid, count.rect.center().toPoint())
    assert whats == {"planned", "after Fetch", "after Mail summary"}, whats
