"""In the week and day views an hour of predictions is drawn as the legend says predictions
are, dashed and all but unfilled, so it never looks like an hour that ran: a person met
“121 planned 16:00–17:00” blocks filled and solid, as runs are, under a legend saying
“Filled: runs · dashed: predicted fires”. The current hour, of both, is filled down to now
and dashed after it. The clock is pinned (`NOW`, Saturday 15:43); local days are UTC days."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from app.gui.calendar.hours import HOUR_PX
from app.gui.qt import QColor, QPalette
from app.gui.widgets import display
from tests.gui.test_calendar_forecast_shown import _open_calendar
from tests.gui.test_calendar_month_lines import NOW, _todays_ledger, utc_local_time

__all__ = ["utc_local_time"]  # (a fixture)


def _edge(image: Any, rect: Any, top: float, bottom: float) -> float:
    """The share of the rows from `top` to `bottom` where the box's right edge shows in the
    colour of a fire (a dashed edge: some; a solid one: all)."""
    colour = display.status_colour("running", False)
    rows = range(int(top) + 4, int(bottom) - 4)
    drawn = [y for y in rows if any(
        abs(image.pixelColor(x, y).blue() - colour.blue()) < 60
        and image.pixelColor(x, y).blue() - image.pixelColor(x, y).red() > 60
        for x in range(int(rect.right()) - 3, int(rect.right()) + 1))]
    return len(drawn) / len(rows)


def _fill(image: Any, rect: Any, y: float) -> Any:
    """The colour most of a row across a box has: its fill, between its words."""
    row = Counter(image.pixelColor(x, int(y)).name()
                  for x in range(int(rect.left()) + 4, int(rect.right()) - 4))
    return QColor(row.most_common(1)[0][0])


@pytest.mark.parametrize(("mode", "size"), [("day", (1180, 740)), ("week", (1180, 740)),
                                            ("week", (800, 560))])
def test_predicted_hours_are_dashed_and_runs_filled(
        gui_factory: Any, utc_local_time: None, tmp_path: Path, mode: str,
        size: tuple[int, int]) -> None:
    gui = gui_factory(engine=False)
    _todays_ledger(gui)
    view = _open_calendar(gui, mode, NOW)
    gui.window.resize(*size)
    gui.settle()
    grid = view.week.grid
    grid.ensure_layout()
    view.week.scroll_to_hour(14)
    shot = tmp_path / f"calendar-{mode}-{size[0]}-predicted-blocks.png"
    assert gui.window.grab().save(str(shot))
    blocks = {int(rect.bottom() // HOUR_PX): (rect, text) for rect, hit, text in grid.aggregates
              if hit.day == NOW.date()}
    image = grid.grab().toImage()
    base = grid.palette().color(QPalette.ColorRole.Base)

    rect, text = blocks[17]
    assert text.endswith("planned 17:00–18:00"), text
    assert 0.2 < _edge(image, rect, rect.top(), rect.bottom()) < 0.85, (text, shot)  # dashed
    inside = _fill(image, rect, rect.bottom() - 6)
    assert base.red() - inside.red() < 24, (inside.name(), shot)  # all but unfilled

    rect, text = blocks[15]  # the current hour: 7 runs, then what is still to come
    assert "1 failed" in text and "planned 15:00–16:00" in text, text
    now_y = grid.y_of(NOW, NOW.date())
    ran, planned = _fill(image, rect, rect.top() + 6), _fill(image, rect, now_y + 4)
    # the runs: filled, in a failure's red (one of them failed: it sets the colour)
    assert base.green() - ran.green() > 15, (ran.name(), shot)
    assert ran.red() > ran.green() and ran.red() > ran.blue(), (ran.name(), shot)
    assert base.red() - planned.red() < 20, (planned.name(), shot)  # then all but unfilled
