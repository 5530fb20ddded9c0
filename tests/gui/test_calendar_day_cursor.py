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
from tests.gui.test_calendar_week_cursor import _keys

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
    assert on(Qt.Key.Key_Left).startswith("Selected: Tue 1 Dec: ")
    assert on(Qt.Key.Key_Left).startswith("Selected: Mon 30 Nov: ")  # the grid's first day
    assert view.pointed == date(2026, 11, 30)
    gui.qtbot.keyClick(grid, Qt.Key.Key_Return)
    gui.wait_until(lambda: view.day_list is not None and view.day_list.isVisible())
    assert view.day_list.day == date(2026, 11, 30)
    view.day_list.close()
    assert NOW.date() == date(2026, 12, 3)


def test_the_day_cursor_goes_on_past_the_grid_and_by_the_month(gui_factory: Any,
                                                             utc_local_time: None) -> None:
    """At the grid's first or last day the cursor stopped; past it the month before or after
    is now shown and the cursor goes on in it. Page Up and Page Down (the ◀ ▶ buttons' keys)
    take it to the same day a month back or on, its month with it (the cursor was lost with
    the period); Home and End to its week's Monday and Sunday."""
    gui = gui_factory(engine=False)
    view, grid = _crons_shown(gui, "month", (("friday evening", "0 18 * * 5"),))
    grid.setFocus()
    on = _keys(gui, view, grid)

    def read(month: date, said: str) -> None:
        """The month shown, read, and the cursor said in it."""
        gui.wait_until(lambda: view.period.anchor == month and view.loaded and not view.busy
                       and view.data is not None and view.data.period == view.period)
        gui.wait_until(lambda: view.picked_line.text() == f"Selected: {said}")

    on(Qt.Key.Key_Right)  # today, Thu 3 Dec
    assert on(Qt.Key.Key_Down, 4).startswith("Thu 31 Dec: no runs")
    assert on(Qt.Key.Key_Down).startswith("Thu 7 Jan: no runs")  # January's, in December's grid
    assert view.period.anchor == date(2026, 12, 1)
    assert on(Qt.Key.Key_Down) == "Thu 14 Jan: reading…"  # past the grid's last week
    read(date(2027, 1, 1), "Thu 14 Jan: no runs or predictions · Enter to open its list")
    assert on(Qt.Key.Key_Right).startswith("Fri 15 Jan: 1 run or prediction (1 planned)")
    assert on(Qt.Key.Key_End).startswith("Sun 17 Jan: no runs")
    assert on(Qt.Key.Key_Home).startswith("Mon 11 Jan: no runs")
    assert on(Qt.Key.Key_PageDown) == "Thu 11 Feb: reading…"
    read(date(2027, 2, 1), "Thu 11 Feb: no runs or predictions · Enter to open its list")
    assert on(Qt.Key.Key_PageUp, 2) == "Fri 11 Dec: reading…"
    read(date(2026, 12, 1), "Fri 11 Dec: 1 run or prediction (1 planned) · Enter to open "
                            "its list")
    assert on(Qt.Key.Key_Up, 2) == "Fri 27 Nov: reading…"  # past the grid's first week
    read(date(2026, 11, 1), "Fri 27 Nov: no runs or predictions · Enter to open its list")
    assert view.pointed == date(2026, 11, 27)  # the day Week and Day open on
