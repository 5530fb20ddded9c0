"""A pipeline in the month (Fetch every 2 minutes, Build after Fetch, Report after Build): the
days the engine's play reached read “1,440 after upstream, 720 planned”, and the days past
it (their fires counted from the schedules) “2,160 planned”, as if Build and Report had
become scheduled tasks; the day at the boundary mixed both. Counted fires of a task that
runs after an upstream now read as the played ones, so every day says the same (“after
other tasks”: Build runs after Fetch, Report after Build; the day list names them). The clock
is pinned (Thu 3 Dec 2026 11:20); local days are UTC days."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from app.gui.qt import Qt
from tests.gui.conftest import SCREENSHOTS, Gui
from tests.gui.test_calendar_day_list_notes import fetch_build_report
from tests.gui.test_calendar_failure_first import NOW, utc_local_time
from tests.gui.test_calendar_forecast_shown import _open_calendar

__all__ = ["utc_local_time"]  # (a fixture)


def test_counted_chain_fires_read_as_the_played_ones(gui_factory: Any,
                                                     utc_local_time: None) -> None:
    gui = gui_factory(engine=False)
    fetch_build_report(gui.service, NOW - timedelta(minutes=1), NOW)
    view = _open_calendar(gui, "month", NOW)
    grid = view.month
    gui.settle()
    grid.grab()
    data = view.data
    assert data is not None and data.capped, "the play stops before the month's end"
    late = date(2026, 12, 20)  # well past where the fires are listed
    assert late in grid.summed
    lines = {words: n for _key, words, n in grid.busy_lines(late)}
    assert lines == {"after other tasks": 1440, "planned": 720}, lines
    early = date(2026, 12, 4)  # played through the dispatcher, fire by fire
    early_lines = {words: n for _key, words, n in grid.busy_lines(early)}
    assert early_lines == {"after other tasks": 1440, "planned": 720}, early_lines
    assert grid.grab().save(str(SCREENSHOTS / "calendar-chain-counted.png"))
    whats = day_list_whats(gui, view, grid, grid.cells[late].center().toPoint())
    assert whats == {"planned", "after Fetch", "after Build"}, whats


def day_list_whats(gui: Gui, view: Any, grid: Any, point: Any) -> set[str]:
    """The What column of the day list a click at `point` of the month opens (then closed)."""
    gui.qtbot.mouseClick(grid, Qt.MouseButton.LeftButton, pos=point)
    gui.wait_until(lambda: view.day_list is not None)
    dialog = view.day_list
    gui.wait_until(lambda: dialog.model.rowCount() > 0)
    whats = {str(dialog.model.index(r, 2).data()) for r in range(dialog.model.rowCount())}
    dialog.close()
    return whats
