"""Today's month cell at 800×560, as a person met it: “290 plan…” and “+23 more: …” with
the day's failed run inside the “+23 more”, where at 1280 the same cell listed “1 failed”
first; and pressing an arrow key in the grid showed a “Selected: …” line under it that took
its height, turning every cell's two lines into one. Now a cell's first line names the
failure whatever its room, and the selected line's room is kept, so the grid holds still.
The clock is pinned (a Thursday 11:20); local days are UTC days."""

from __future__ import annotations

from typing import Any

from app.gui.qt import Qt
from app.gui.widgets import display
from tests.gui.conftest import SCREENSHOTS
from tests.gui.test_calendar_failure_first import NOW, _this_hour, utc_local_time
from tests.gui.test_calendar_forecast_shown import _open_calendar

__all__ = ["utc_local_time"]  # (a fixture)


def _first_line(month: Any) -> str:
    key, words, n = month.busy_lines(NOW.date())[0]
    return words if key == "more" else f"{n:,} {words}"


def test_today_s_failure_leads_its_cell_and_the_grid_holds_still(
        gui_factory: Any, utc_local_time: None) -> None:
    gui = gui_factory(engine=False)
    _this_hour(gui)
    view = _open_calendar(gui, "month", NOW)
    month = view.month
    for size in ((1280, 800), (800, 560), (800, 500)):
        gui.window.resize(*size)
        gui.settle()
        month.ensure_layout()
        shot = SCREENSHOTS / f"calendar-month-failure-{size[0]}x{size[1]}.png"
        assert gui.window.grab().save(str(shot))
        assert NOW.date() in month.summed
        assert _first_line(month).startswith("1 failed"), (month.busy_lines(NOW.date()), shot)
        for key, words, _n in month.busy_lines(NOW.date())[1:]:
            assert key not in display.FAILED and "failed" not in words.split(",")[0], shot

    gui.window.resize(800, 560)
    gui.settle()
    month.setFocus()
    height, lines = month.height(), month.busy_lines(NOW.date())
    gui.qtbot.keyClick(month, Qt.Key.Key_Right)
    gui.settle()
    month.ensure_layout()
    shot = SCREENSHOTS / "calendar-month-failure-selected-800x560.png"
    assert gui.window.grab().save(str(shot))
    assert view.picked_line.isVisible() and view.picked_line.text().startswith("Selected: ")
    assert month.height() == height, (month.height(), height, shot)
    assert month.busy_lines(NOW.date()) == lines, shot
