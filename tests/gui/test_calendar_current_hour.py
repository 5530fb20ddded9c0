"""The week's current hour, as a person met it: its block read “15 11:00–12:00: 4 succee…”,
a total with no word to say what it counted, and at 800×560 its time span ran out of the
block over the column's edge. Now every count says what it counts, then the time (“1
failed, 4 succeeded, 10 planned 11:00–12:00”), the words stay inside the block, ending in
"…" where they do not fit, and the tooltip says them whole. The clock is pinned (`NOW`, a
Thursday 11:20); local days are UTC days."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from app.gui.qt import QApplication, QEvent, QHelpEvent, QToolTip
from tests.conftest import local_zone
from tests.gui.conftest import SCREENSHOTS, Gui, command_task
from tests.gui.test_calendar_forecast_shown import _open_calendar

NOW = datetime(2026, 12, 3, 11, 20, tzinfo=UTC)
SAID = "1 failed, 4 succeeded, 10 planned 11:00–12:00"


@pytest.fixture
def utc_local_time(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    yield from local_zone(monkeypatch, "UTC")


def _this_morning(gui: Gui) -> None:
    """A task every 4 minutes since yesterday; this hour's five runs so far, one failed."""
    from app.store.models import RunRow

    task = gui.service.create_task(command_task(
        "ping", schedule={"kind": "interval", "seconds": 240}), now=NOW - timedelta(days=1))
    with gui.store.write():
        for minute in range(0, 20, 4):
            at = NOW.replace(minute=minute)
            failed = minute == 8
            RunRow.insert(task=task.id, scheduled_for=at, attempt=1, trigger="schedule",
                          status="failed" if failed else "succeeded", queued_at=at,
                          started_at=at, finished_at=at + timedelta(seconds=20),
                          exit_code=int(failed)).execute()


def _cut_at_the_edge(grid: Any, rect: Any) -> list[tuple[int, int]]:
    """Dark grey pixels (text) in the last two columns of a block's room for words, or right of
    it: where a line too wide for the block is cut off mid-letter ("11:00–12:0")."""
    image = grid.grab().toImage()
    edge = int(rect.right()) - 3  # the words' room ends 3 px inside the block's edge
    return [(x, y) for x in range(edge - 1, edge + 1) for y in range(int(rect.top()) + 2,
                                                                      int(rect.bottom()) - 1)
            if image.pixelColor(x, y).lightness() < 150
            and image.pixelColor(x, y).saturation() < 120]  # (not the red now line)


def test_the_current_hour_s_block_says_what_it_counts_and_keeps_inside(
        gui_factory: Any, utc_local_time: None) -> None:
    gui = gui_factory(engine=False)
    _this_morning(gui)
    view = _open_calendar(gui, "week", NOW)
    grid = view.week.grid
    for size in ((1180, 720), (800, 560)):
        gui.window.resize(*size)
        gui.settle()
        view.week.scroll_to_hour(9)
        gui.qtbot.wait(20)
        grid.ensure_layout()
        rect, _hit, text = next(a for a in grid.aggregates
                                if a[1].day == NOW.date() and a[0].top() // 48 == 11)
        assert gui.window.grab().save(
            str(SCREENSHOTS / f"calendar-week-current-hour-{size[0]}x{size[1]}.png"))
        assert text == SAID, text
        # each count is followed by what it counts: no bare total before the time
        assert not re.search(r"\d [\d:]+–", text)
        assert _cut_at_the_edge(grid, rect) == [], size
        centre = rect.center().toPoint()
        QToolTip.hideText()
        QApplication.sendEvent(grid, QHelpEvent(QEvent.Type.ToolTip, centre,
                                                grid.mapToGlobal(centre)))
        assert QToolTip.text().startswith(text + "\n"), QToolTip.text()  # whole
