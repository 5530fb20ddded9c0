"""The month by keyboard, as a screen reader meets it: days were not items, the arrows
stepped only between entries, so an empty day could not be reached and a reader never heard
which day it was on. The arrows now move a day cursor: Left and Right by the day (empty ones
too), Up and Down through the day's entries and on by the week; each day is said with its
counts, in the line under the grid and the grid's description, and Enter opens its list.
The clock is pinned (Thu 3 Dec 2026); local days are UTC days."""

from __future__ import annotations

from datetime import date
from typing import Any

from app.gui.qt import QAccessible, Qt
from tests.gui.test_calendar_failure_first import NOW, utc_local_time
from tests.gui.test_calendar_month_week_keys import _crons_shown

__all__ = ["utc_local_time"]  # (a fixture)


def test_the_arrows_move_a_day_cursor_through_the_month(gui_factory: Any,
                                                       utc_local_time: None) -> None:
    gui = gui_factory(engine=False)
    view, grid = _crons_shown(gui, "month", (("friday evening", "0 18 * * 5"),))
    grid.setFocus()
    heard = QAccessible.queryAccessibleInterface(grid)

    def on(key: Qt.Key) -> str:
        gui.qtbot.keyClick(grid, key)
        said = view.picked_line.text()
        assert said in heard.text(QAccessible.Text.Description)  # what a reader is told
        return said

    assert on(Qt.Key.Key_Right) == ("Selected: Thu 3 Dec: no runs or predictions · Enter to "
                                    "open its list")  # the cursor starts on today, empty
    assert view.picked is None
    assert on(Qt.Key.Key_Right).startswith("Selected: Fri 4 Dec: 1 run or prediction (1 ")
    on(Qt.Key.Key_Down)  # into the day: its entry
    assert view.picked is not None and view.picked.task_name == "friday evening"
    assert on(Qt.Key.Key_Down).startswith("Selected: Fri 11 Dec: ")  # on by the week
    assert on(Qt.Key.Key_Up).startswith("Selected: Fri 4 Dec: ")
    assert on(Qt.Key.Key_Left).startswith("Selected: Thu 3 Dec: ")
    assert on(Qt.Key.Key_Left).startswith("Selected: Wed 2 Dec: no runs")
    assert on(Qt.Key.Key_Up).startswith("Selected: Wed 2 Dec: ")  # the grid's first week
    assert on(Qt.Key.Key_Left).startswith("Selected: Tue 1 Dec: ")
    assert on(Qt.Key.Key_Left).startswith("Selected: Mon 30 Nov: ")
    assert on(Qt.Key.Key_Left).startswith("Selected: Mon 30 Nov: ")  # its first day: it stays
    assert view.pointed == date(2026, 11, 30)
    gui.qtbot.keyClick(grid, Qt.Key.Key_Return)
    gui.wait_until(lambda: view.day_list is not None and view.day_list.isVisible())
    assert view.day_list.day == date(2026, 11, 30)
    view.day_list.close()
    assert NOW.date() == date(2026, 12, 3)
