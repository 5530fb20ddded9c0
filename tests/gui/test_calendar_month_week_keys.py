"""The month grid by keyboard: Down from a Saturday's entry went to Sunday's, Down again to
Monday's — Up and Down stepped day by day as Left and Right do, in a grid whose columns are
weekdays. Up and Down now move within a day's cell (the day, then its entries), then to the
same weekday a week up or down; Left and Right go to the day beside
(tests/gui/test_calendar_day_cursor.py). The clock is pinned (Thu 3 Dec 2026);
local days are UTC days."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from app.gui.qt import Qt
from tests.gui.conftest import SCREENSHOTS, command_task
from tests.gui.test_calendar_failure_first import NOW, utc_local_time
from tests.gui.test_calendar_forecast_shown import _open_calendar

__all__ = ["utc_local_time"]  # (a fixture)


def _crons_shown(gui: Any, mode: str, crons: tuple[tuple[str, str], ...]) -> tuple[Any, Any]:
    """Tasks on these (name, cron) in UTC, the Calendar opened on `mode` at NOW: the view,
    and its grid laid out."""
    for name, expr in crons:
        gui.service.create_task(command_task(
            name, timezone="UTC", schedule={"kind": "cron", "expr": expr}), now=NOW)
    view = _open_calendar(gui, mode, NOW)
    grid = view.month if mode == "month" else view.week.grid
    gui.settle()
    grid.grab()  # laid out
    return view, grid


def _click(gui: Any, view: Any, grid: Any, day: date, name: str,
           scroll: Any = None) -> Callable[[], tuple[date, str]]:
    """Click `name`'s entry on `day` (scrolled into sight in `scroll`); what is picked then,
    as (day, task name), each time it is asked."""
    first = next(h for h in grid.hits if h.kind == "entry" and h.day == day
                 and h.entry is not None and h.entry.task_name == name)
    if scroll is not None:
        scroll.ensureVisible(int(first.rect.center().x()), int(first.rect.center().y()))
    gui.qtbot.mouseClick(grid, Qt.MouseButton.LeftButton, pos=first.rect.center().toPoint())
    gui.wait_until(lambda: view.picked is not None)

    def picked() -> tuple[date, str]:
        entry = view.picked
        assert entry is not None
        return entry.start.astimezone().date(), entry.task_name

    return picked


def test_up_and_down_move_by_the_week_in_the_month(gui_factory: Any,
                                                   utc_local_time: None) -> None:
    gui = gui_factory(engine=False)
    view, grid = _crons_shown(gui, "month", (("daily", "0 9 * * *"),
                                             ("friday evening", "0 18 * * 5")))
    _click(gui, view, grid, date(2026, 12, 4), "daily")

    def on(key: Qt.Key) -> tuple[date, str]:
        """The day the cursor is on after `key`, and the task of the entry picked there."""
        gui.qtbot.keyClick(grid, key)
        hit = grid._picked_hit()
        return hit.day, hit.entry.task_name if hit.entry is not None else ""

    assert on(Qt.Key.Key_Down) == (date(2026, 12, 4), "friday evening")  # within the day
    assert on(Qt.Key.Key_Down) == (date(2026, 12, 11), "")  # then the Friday below
    assert on(Qt.Key.Key_Down) == (date(2026, 12, 11), "daily")
    assert on(Qt.Key.Key_Down) == (date(2026, 12, 11), "friday evening")
    assert on(Qt.Key.Key_Down) == (date(2026, 12, 18), "")
    assert on(Qt.Key.Key_Down) == (date(2026, 12, 18), "daily")
    assert grid.grab().save(str(SCREENSHOTS / "calendar-month-down-a-week.png"))
    assert on(Qt.Key.Key_Up) == (date(2026, 12, 18), "")  # the day itself
    assert on(Qt.Key.Key_Up) == (date(2026, 12, 11), "")  # the Friday above
    assert on(Qt.Key.Key_Right) == (date(2026, 12, 12), "")  # Saturday
    assert on(Qt.Key.Key_Down) == (date(2026, 12, 12), "daily")
    assert "Selected: daily" in view.picked_line.text()
    assert on(Qt.Key.Key_Up) == (date(2026, 12, 12), "")
    assert on(Qt.Key.Key_Up) == (date(2026, 12, 5), "")
    gui.qtbot.keyClick(grid, Qt.Key.Key_Up)  # no week up in the grid: November's
    gui.wait_until(lambda: view.period.anchor == date(2026, 11, 1))
    gui.wait_until(lambda: grid._picked_hit() is not None)
    assert grid._picked_hit().day == date(2026, 11, 28)


def test_left_and_right_go_to_the_day_beside_in_the_week(gui_factory: Any,
                                                         utc_local_time: None) -> None:
    """In the week Right from Friday 09:00 went to Friday 12:00 (the day's own next entry);
    it goes to Saturday at the same hour, the cursor's cell (tests/gui/
    test_calendar_week_cursor.py), Left back; Down steps into a cell's entries, then on by
    the hour."""
    gui = gui_factory(engine=False)
    view, grid = _crons_shown(gui, "week", (("morning", "0 9 * * *"), ("noon", "0 12 * * *"),
                                            ("weekend evening", "0 18 * * 6,0")))
    picked = _click(gui, view, grid, date(2026, 12, 4), "morning", view.week)

    def cursor() -> tuple[date, int]:
        return grid.cursor_cell.day, grid.cursor_cell.hour

    assert picked() == (date(2026, 12, 4), "morning") and cursor() == (date(2026, 12, 4), 9)
    gui.qtbot.keyClick(grid, Qt.Key.Key_Right)
    assert cursor() == (date(2026, 12, 5), 9) and view.picked is None
    assert view.picked_line.text() == ("Selected: Saturday 5 December, 09:00, 1 planned · "
                                       "Enter to edit the task")
    gui.qtbot.keyClick(grid, Qt.Key.Key_Down)  # into Saturday 09:00
    assert picked() == (date(2026, 12, 5), "morning")
    for _ in range(4):  # 10:00, 11:00, 12:00, then into it
        gui.qtbot.keyClick(grid, Qt.Key.Key_Down)
    assert picked() == (date(2026, 12, 5), "noon")
    gui.qtbot.keyClick(grid, Qt.Key.Key_Right)  # Sunday, at noon
    assert cursor() == (date(2026, 12, 6), 12)
    assert grid.grab().save(str(SCREENSHOTS / "calendar-week-right-a-day.png"))
    gui.qtbot.keyClick(grid, Qt.Key.Key_Left)
    gui.qtbot.keyClick(grid, Qt.Key.Key_Left)
    assert cursor() == (date(2026, 12, 4), 12)
    gui.qtbot.keyClick(grid, Qt.Key.Key_Down)
    assert picked() == (date(2026, 12, 4), "noon")
