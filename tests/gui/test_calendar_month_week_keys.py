"""The month grid by keyboard: Down from a Saturday's entry went to Sunday's, Down again to
Monday's — Up and Down stepped day by day as Left and Right do, in a grid whose columns are
weekdays. Up and Down now move within a day's cell, then to the same weekday a week up or
down; Left and Right still step in reading order. The clock is pinned (Thu 3 Dec 2026);
local days are UTC days."""

from __future__ import annotations

from datetime import date
from typing import Any

from app.gui.qt import Qt
from tests.gui.conftest import SCREENSHOTS, command_task
from tests.gui.test_calendar_failure_first import NOW, utc_local_time
from tests.gui.test_calendar_forecast_shown import _open_calendar

__all__ = ["utc_local_time"]  # (a fixture)


def test_up_and_down_move_by_the_week_in_the_month(gui_factory: Any,
                                                   utc_local_time: None) -> None:
    gui = gui_factory(engine=False)
    for name, expr in (("daily", "0 9 * * *"), ("friday evening", "0 18 * * 5")):
        gui.service.create_task(command_task(
            name, timezone="UTC", schedule={"kind": "cron", "expr": expr}), now=NOW)
    view = _open_calendar(gui, "month", NOW)
    grid = view.month
    gui.settle()
    grid.grab()  # laid out
    first = next(h for h in grid.hits if h.kind == "entry" and h.day == date(2026, 12, 4)
                 and h.entry is not None and h.entry.task_name == "daily")
    gui.qtbot.mouseClick(grid, Qt.MouseButton.LeftButton, pos=first.rect.center().toPoint())
    gui.wait_until(lambda: view.picked is not None)

    def picked() -> tuple[date, str]:
        entry = view.picked
        assert entry is not None
        return entry.start.astimezone().date(), entry.task_name

    assert picked() == (date(2026, 12, 4), "daily")
    gui.qtbot.keyClick(grid, Qt.Key.Key_Down)  # within the day first
    assert picked() == (date(2026, 12, 4), "friday evening")
    gui.qtbot.keyClick(grid, Qt.Key.Key_Down)  # then the Friday below
    assert picked() == (date(2026, 12, 11), "daily")
    gui.qtbot.keyClick(grid, Qt.Key.Key_Down)
    assert picked() == (date(2026, 12, 11), "friday evening")
    gui.qtbot.keyClick(grid, Qt.Key.Key_Down)
    assert picked() == (date(2026, 12, 18), "daily")
    assert grid.grab().save(str(SCREENSHOTS / "calendar-month-down-a-week.png"))
    gui.qtbot.keyClick(grid, Qt.Key.Key_Up)  # the Friday above, its last entry
    assert picked() == (date(2026, 12, 11), "friday evening")
    gui.qtbot.keyClick(grid, Qt.Key.Key_Right)  # reading order: Saturday
    assert picked() == (date(2026, 12, 12), "daily")
    gui.qtbot.keyClick(grid, Qt.Key.Key_Up)
    assert picked() == (date(2026, 12, 5), "daily")
    gui.qtbot.keyClick(grid, Qt.Key.Key_Up)  # nothing drawn a week up: it stays
    assert picked() == (date(2026, 12, 5), "daily")
    assert "Selected: daily" in view.picked_line.text()
