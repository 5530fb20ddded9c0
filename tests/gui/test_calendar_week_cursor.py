"""The week and day grids by keyboard, as a screen reader meets them: the arrows stepped only
between the entries drawn, so an empty hour could not be reached, and where the focus was
went unsaid as a day and an hour. A cursor now goes over every cell, a day by an hour: each
is said with what starts in it (“Thursday 3 December, 14:00, 1 planned”, “…, nothing
scheduled”, “…, nothing ran” once its hour is over) in the line under the grid and the
grid's description; Down steps into a cell's entries, Enter opens the cell's, Home and End
go to the week's ends, and past its first or last day the week before or after is shown.
The clock is pinned (Thu 3 Dec 2026, 11:20); local days are UTC days."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from app.core.term_colours import contrast
from app.gui.calendar.cursor import Cell
from app.gui.main_window import RUNS
from app.gui.qt import QAccessible, QApplication, QPalette, Qt
from tests.gui.conftest import Gui
from tests.gui.test_accessibility import _heard
from tests.gui.test_calendar_failure_first import NOW, utc_local_time
from tests.gui.test_calendar_forecast_shown import _wait_read
from tests.gui.test_calendar_month_week_keys import _crons_shown

__all__ = ["utc_local_time"]  # (a fixture)


def _ran_on_tuesday(gui: Gui) -> int:
    """A run of its own on Tue 1 Dec at 14:05, succeeded."""
    from app.store.models import RunRow

    task = gui.service.create_task({"name": "report", "timezone": "UTC", "action": {
        "kind": "command", "argv": ["true"]}, "schedule": {"kind": "cron", "expr": "5 14 1 1 *"}},
        now=NOW - timedelta(days=5))
    at = NOW.replace(day=1, hour=14, minute=5)
    with gui.store.write():
        return int(RunRow.insert(
            task=task.id, scheduled_for=at, attempt=1, trigger="schedule", status="succeeded",
            queued_at=at, started_at=at, finished_at=at + timedelta(seconds=30),
            exit_code=0).execute())


def _keys(gui: Gui, view: Any, grid: Any) -> Any:
    heard = QAccessible.queryAccessibleInterface(grid)

    def on(key: Qt.Key, times: int = 1) -> str:
        """What the line under the grid says after `key`: a reader is told the same."""
        for _ in range(times):
            gui.qtbot.keyClick(grid, key)
        said = view.picked_line.text()
        assert said in heard.text(QAccessible.Text.Description)
        return said.removeprefix("Selected: ")

    return on


def test_the_arrows_move_a_cursor_over_the_week_s_hours(gui_factory: Any,
                                                        utc_local_time: None) -> None:
    gui = gui_factory(engine=False)
    run = _ran_on_tuesday(gui)
    view, grid = _crons_shown(gui, "week", (("backup", "0 14 * * *"),))
    grid.setFocus()
    on = _keys(gui, view, grid)

    assert on(Qt.Key.Key_Down) == "Thursday 3 December, 11:00, nothing scheduled"  # now
    assert grid.cursor_cell.day == NOW.date() and grid.cursor_cell.hour == 11
    assert on(Qt.Key.Key_Down, 3) == ("Thursday 3 December, 14:00, 1 planned · Enter to "
                                      "edit the task")
    on(Qt.Key.Key_Down)  # into the cell: its entry
    assert view.picked is not None and view.picked.task_name == "backup"
    assert on(Qt.Key.Key_Down) == "Thursday 3 December, 15:00, nothing scheduled"
    assert view.picked is None
    assert on(Qt.Key.Key_Left, 2) == "Tuesday 1 December, 15:00, nothing ran"
    assert on(Qt.Key.Key_Up) == ("Tuesday 1 December, 14:00, 1 run (1 succeeded) · Enter to "
                                 "open the run")
    assert on(Qt.Key.Key_Up) == "Tuesday 1 December, 13:00, nothing ran"
    assert on(Qt.Key.Key_End) == "Sunday 6 December, 13:00, nothing scheduled"
    assert on(Qt.Key.Key_Home) == "Monday 30 November, 13:00, nothing ran"
    assert on(Qt.Key.Key_Up, 13) == "Monday 30 November, 00:00, nothing ran"
    assert grid.cursor_cell.day == date(2026, 11, 30)

    # past the week's first hour: the week before, the cursor on its last day's last hour
    loads = view.loads
    assert on(Qt.Key.Key_Up) == "Sunday 29 November, 23:00, reading…"
    _wait_read(gui, view, loads)
    assert view.period.dates[0] == date(2026, 11, 23)
    gui.wait_until(lambda: view.picked_line.text() == (
        "Selected: Sunday 29 November, 23:00, nothing ran"))
    assert on(Qt.Key.Key_Right) == "Monday 30 November, 23:00, reading…"  # and back
    _wait_read(gui, view, loads + 1)
    gui.wait_until(lambda: view.picked_line.text() == (
        "Selected: Monday 30 November, 23:00, nothing ran"))
    assert view.period.dates[0] == date(2026, 11, 30)

    # Enter on a cell opens what clicking there does: the run it holds
    on(Qt.Key.Key_Right)
    assert on(Qt.Key.Key_Up, 9).startswith("Tuesday 1 December, 14:00, 1 run (1 succeeded)")
    assert view.picked is None
    gui.qtbot.keyClick(grid, Qt.Key.Key_Return)
    gui.wait_until(lambda: gui.window.current_view() == RUNS)
    assert view.picked is not None and view.picked.run_id == run


def test_page_keys_move_the_cursor_a_week_on_and_the_day_view_by_the_day(
        gui_factory: Any, utc_local_time: None) -> None:
    """Page Down is the ▶ button's key: with the cursor in the grid the grid takes it, and
    the cursor goes a week on with the week (it was lost with the period)."""
    gui = gui_factory(engine=False)
    view, grid = _crons_shown(gui, "week", (("backup", "0 14 * * *"),))
    on = _keys(gui, view, grid)
    on(Qt.Key.Key_Down)
    loads = view.loads
    assert on(Qt.Key.Key_PageDown) == "Thursday 10 December, 11:00, reading…"
    _wait_read(gui, view, loads)
    assert view.period.dates[0] == date(2026, 12, 7)
    assert on(Qt.Key.Key_Down, 3) == ("Thursday 10 December, 14:00, 1 planned · Enter to "
                                      "edit the task")
    gui.qtbot.keyClick(grid, Qt.Key.Key_D, Qt.KeyboardModifier.AltModifier)  # the day view
    _wait_read(gui, view, loads + 1)
    assert view.period.mode == "day" and view.period.dates == [date(2026, 12, 10)]
    loads = view.loads
    assert on(Qt.Key.Key_Right) == "Friday 11 December, 14:00, reading…"
    _wait_read(gui, view, loads)
    assert view.period.dates == [date(2026, 12, 11)]
    gui.wait_until(lambda: view.picked_line.text() == (
        "Selected: Friday 11 December, 14:00, 1 planned · Enter to edit the task"))


def test_a_click_on_an_empty_hour_puts_the_cursor_there(gui_factory: Any,
                                                        utc_local_time: None) -> None:
    gui = gui_factory(engine=False)
    view, grid = _crons_shown(gui, "week", (("backup", "0 14 * * *"),))
    on = _keys(gui, view, grid)
    cell = grid.cell_rect(Cell(date(2026, 12, 5), 9))
    view.week.ensureVisible(int(cell.center().x()), int(cell.center().y()))
    gui.qtbot.mouseClick(grid, Qt.MouseButton.LeftButton, pos=cell.center().toPoint())
    assert view.picked_line.text() == "Selected: Saturday 5 December, 09:00, nothing scheduled"
    assert on(Qt.Key.Key_Right) == "Sunday 6 December, 09:00, nothing scheduled"


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_cursor_stands_out_in_light_and_dark(gui_factory: Any, utc_local_time: None,
                                                 restore_palette: None, scheme: str) -> None:
    """Its frame, on the cell it tints, at 3:1 or more from the grid around it (WCAG's for
    what is not text), with the focus; saved as /tmp/grids-week-<scheme>.png."""
    from app.gui.settings import appearance
    from app.gui.widgets import display

    app = QApplication.instance()
    assert isinstance(app, QApplication)
    appearance.apply(app, scheme)
    display.clear_icon_cache()
    gui = gui_factory(engine=False)
    view, grid = _crons_shown(gui, "week", (("backup", "0 14 * * *"),
                                            ("every ten", "*/10 9-10 * * *")))
    grid.setFocus()
    on = _keys(gui, view, grid)
    on(Qt.Key.Key_Down)
    on(Qt.Key.Key_Right)  # Fri 4 Dec 11:00, empty, beside now
    image = grid.grab().toImage()
    rect = grid.cell_rect(grid.cursor_cell)
    ratio = image.devicePixelRatio()
    edge = image.pixelColor(int(rect.center().x() * ratio), int((rect.top() + 1) * ratio))
    base = grid.palette().color(QPalette.ColorRole.Base)
    outside = image.pixelColor(int(rect.center().x() * ratio), int((rect.bottom() + 6) * ratio))
    assert outside.rgb() == base.rgb()  # (the empty hour below)

    def rgb(c: Any) -> tuple[int, int, int]:
        return c.red(), c.green(), c.blue()

    assert contrast(rgb(edge), rgb(base)) >= 3, (edge.name(), base.name())
    view.week.grab().save(f"/tmp/grids-week-{scheme}.png")
    if scheme == "light":
        view.week.grab().save("/tmp/grids-week.png")


def test_a_read_landing_away_from_the_grid_is_not_announced(
        gui_factory: Any, utc_local_time: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """The cursor's cell is said again when a read changes its words (“reading…”, then what
    the hour holds; an hour that passes): the line under the grid and its description, and
    an announcement — which, made while the person was elsewhere (the task editor over the
    window: a screen-reader test heard the calendar behind it as the hour passed), spoke
    over what they were doing. Only the grid with the keyboard announces."""
    gui = gui_factory(engine=False)
    view, grid = _crons_shown(gui, "week", (("backup", "0 14 * * *"),))
    heard = _heard(monkeypatch)
    grid.setFocus()
    on = _keys(gui, view, grid)
    on(Qt.Key.Key_Down)
    assert heard == ["Thursday 3 December, 11:00, nothing scheduled"]
    on(Qt.Key.Key_Home)
    on(Qt.Key.Key_Up, 11)  # Monday 30 November, 00:00
    loads = view.loads
    assert on(Qt.Key.Key_Up) == "Sunday 29 November, 23:00, reading…"  # the week before
    grid.clearFocus()  # the person is elsewhere as it is read
    _wait_read(gui, view, loads)
    gui.wait_until(lambda: view.picked_line.text() == (
        "Selected: Sunday 29 November, 23:00, nothing ran"))
    assert heard[-1] == "Sunday 29 November, 23:00, reading…", heard


def test_a_cell_a_long_run_crosses_says_it_goes_on_there(gui_factory: Any,
                                                         utc_local_time: None) -> None:
    """A run drawn from 13:50 to 15:10 crosses the 14:00 and 15:00 cells: each was said as
    "nothing ran", the box across it unsaid; now each names it, with when it began."""
    from app.store.models import RunRow

    gui = gui_factory(engine=False)
    task = gui.service.create_task({"name": "long backup", "timezone": "UTC", "action": {
        "kind": "command", "argv": ["true"]}, "schedule": {"kind": "cron", "expr": "50 13 1 1 *"}},
        now=NOW - timedelta(days=5))
    at = NOW.replace(day=1, hour=13, minute=50)
    with gui.store.write():
        RunRow.insert(task=task.id, scheduled_for=at, attempt=1, trigger="schedule",
                      status="succeeded", queued_at=at, started_at=at,
                      finished_at=at + timedelta(minutes=80), exit_code=0).execute()
    view, grid = _crons_shown(gui, "week", ())
    grid.setFocus()
    on = _keys(gui, view, grid)
    on(Qt.Key.Key_Down)  # the cursor appears at now: Thursday 11:00
    on(Qt.Key.Key_Left, 2)
    assert on(Qt.Key.Key_Down, 2) == ("Tuesday 1 December, 13:00, 1 run (1 succeeded) · Enter "
                                      "to open the run")
    on(Qt.Key.Key_Down)  # into the cell: the run that starts in it
    going = "going on from before: long backup (from 13:50) · Enter to open the run"
    assert on(Qt.Key.Key_Down) == f"Tuesday 1 December, 14:00, {going}"
    assert on(Qt.Key.Key_Down) == f"Tuesday 1 December, 15:00, {going}"
    assert on(Qt.Key.Key_Down) == "Tuesday 1 December, 16:00, nothing ran"
    on(Qt.Key.Key_Up)
    gui.qtbot.keyClick(grid, Qt.Key.Key_Return)  # what a click on the box there does
    gui.wait_until(lambda: gui.window.current_view() == RUNS)
    assert view.picked is not None and view.picked.task_name == "long backup"
    gui.wait_until(lambda: gui.window.runs_view.detail.run is not None)
    assert gui.window.runs_view.detail.run.task_name == "long backup"
