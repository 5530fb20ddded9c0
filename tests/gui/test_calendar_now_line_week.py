"""The week's now line, as a person met it: in today's column it hid behind the current
hour's block (it stopped short of the block's words, and three lines of them left only the
dot), and it ran across tomorrow's block beside its “16:00–” words. Now the block's words
leave the line's row free, so it crosses today's block whole, as in the day view; across the
other days it is faint and under their blocks. Today's current hour is solid up to now and
dashed after, in the week as in the day. The clock is pinned (a Thursday 11:20); local days
are UTC days."""

from __future__ import annotations

from typing import Any

import pytest

from app.gui.calendar.boxes import NOW_COLOURS
from tests.gui.conftest import SCREENSHOTS
from tests.gui.test_calendar_failure_first import NOW, _this_hour, utc_local_time
from tests.gui.test_calendar_forecast_shown import _open_calendar

__all__ = ["utc_local_time"]  # (a fixture)


def _red(colour: Any) -> bool:
    """The now line's colour, or near it (its edges are blended into the box)."""
    return colour.red() > 150 and colour.red() - colour.green() > 70


def _line_along(image: Any, left: int, right: int, y: float) -> float:
    """The share of the columns from `left` to `right` where the now line shows at `y`."""
    xs = range(left, right)
    return sum(1 for x in xs if any(_red(image.pixelColor(x, int(y) + dy))
                                    for dy in (-1, 0, 1))) / len(xs)


@pytest.mark.parametrize("size", [(1280, 800), (800, 560)])
def test_the_week_s_now_line_crosses_today_s_block_and_passes_under_tomorrow_s(
        gui_factory: Any, utc_local_time: None, size: tuple[int, int]) -> None:
    gui = gui_factory(engine=False)
    _this_hour(gui)
    view = _open_calendar(gui, "week", NOW)
    grid = view.week.grid
    gui.window.resize(*size)
    gui.settle()
    view.week.scroll_to_hour(9)
    gui.qtbot.wait(20)
    grid.ensure_layout()
    assert not grid.dark() and NOW_COLOURS[0] == "#d93025"
    shot = SCREENSHOTS / f"calendar-week-now-line-{size[0]}x{size[1]}.png"
    assert gui.window.grab().save(str(shot))
    image = grid.grab().toImage()
    y = grid.y_of(NOW, NOW.date())
    blocks = {(hit.day, int(rect.top() // 48)): (rect, hit) for rect, hit, _text
              in grid.aggregates}
    today, _hit = blocks[(NOW.date(), 11)]
    assert today.top() < y < today.bottom()
    along = _line_along(image, int(today.left()) + 2, int(today.right()) - 2, y)
    assert along > 0.95, (along, shot)  # whole across today's block, words and all
    tomorrow, _hit = blocks[(NOW.date().replace(day=4), 11)]
    inside = _line_along(image, int(tomorrow.left()) + 3, int(tomorrow.right()) - 3, y)
    assert inside == 0, (inside, shot)  # under tomorrow's block
    gutter = grid.column(1)  # (Tuesday: nothing) the faint line is still there between
    assert _line_along(image, int(gutter.left()) + 2, int(gutter.right()) - 2, y) > 0.95

    # today's current hour: solid (its runs) above now, dashed (what is to come) below
    def edge(top: float, bottom: float) -> float:
        x = int(today.right()) - 1
        rows = range(int(top) + 2, int(bottom) - 2)
        return sum(1 for r in rows if image.pixelColor(x, r).lightness() < 200) / len(rows)

    assert edge(today.top(), y - 3) > 0.9, shot
    assert edge(y + 4, today.bottom()) < 0.9, shot
