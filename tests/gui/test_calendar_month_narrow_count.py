"""A narrow month cell, as a person met it: with the notifications panel open in an 800 px
window, “1 Jan” ran into its day's count, “1 Ja985”. Now the count takes only the room
the date leaves (“985 ▸”, “985”, “1.0k”, elided, or nothing): the two never overlap. The
clock is pinned (a Thursday 11:20); local days are UTC days."""

from __future__ import annotations

from datetime import date
from typing import Any

from app.gui.qt import Qt
from tests.gui.conftest import SCREENSHOTS
from tests.gui.test_calendar_failure_first import NOW, _this_hour, utc_local_time
from tests.gui.test_calendar_forecast_shown import _open_calendar

__all__ = ["utc_local_time"]  # (a fixture)


def _ink(image: Any, cell: Any, height: float) -> tuple[list[int], list[int]]:
    """The columns of the cell's first line where the date's grey strokes are, and where
    the count's blue ones are."""
    grey, blue = [], []
    for x in range(int(cell.left()) + 1, int(cell.right()) - 1):
        for y in range(int(cell.top()) + 2, int(cell.top() + height)):
            c = image.pixelColor(x, y)
            if c.blue() - c.red() > 60:
                blue.append(x)
            elif c.lightness() < 200 and c.saturation() < 40:
                grey.append(x)
    return grey, blue


def test_a_narrow_cell_s_date_and_count_keep_apart(
        gui_factory: Any, utc_local_time: None) -> None:
    gui = gui_factory(engine=False)
    _this_hour(gui)
    view = _open_calendar(gui, "month", NOW)
    window = gui.window
    window.resize(800, 560)
    gui.qtbot.mouseClick(window.status.bell, Qt.MouseButton.LeftButton)
    gui.wait_until(lambda: window.dock.isVisible())
    gui.settle()
    month = view.month
    month.ensure_layout()
    shot = SCREENSHOTS / "calendar-month-narrow-count.png"
    assert window.grab().save(str(shot))
    image = month.grab().toImage()
    for d in (date(2027, 1, 1), date(2026, 12, 31)):
        assert d in month.summed, d
        grey, blue = _ink(image, month.cells[d], month.line_height())
        assert grey, (d, shot)  # the date shows
        assert not blue or max(grey) + 2 < min(blue), (d, max(grey), min(blue), shot)
