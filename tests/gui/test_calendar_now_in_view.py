"""The week opens with now in sight, and the now line leaves the words it crosses legible,
as a person met them: the grid opened at half an hour above the first entry from an hour
ago on, so with nothing run in that hour (a task every two hours) the current hour and the
now line sat under the day header; and the line, drawn last, struck through the current
hour's words. The clock is pinned (`NOW`, a Thursday 11:20); local days are UTC days."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from app.gui.calendar.hours import HOUR_PX
from tests.conftest import local_zone
from tests.gui.conftest import Gui, command_task
from tests.gui.test_calendar_forecast_shown import _click_and_wait, _open_calendar

NOW = datetime(2026, 12, 3, 11, 20, tzinfo=UTC)


@pytest.fixture
def utc_local_time(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    yield from local_zone(monkeypatch, "UTC")


def _every_two_hours(gui: Gui) -> None:
    """A sync at every even hour, 70 minutes long: this morning's at 08:00 and 10:00."""
    from app.store.models import RunRow

    task = gui.service.create_task(command_task(
        "sync", schedule={"kind": "cron", "expr": "0 */2 * * *"}), now=NOW - timedelta(days=1))
    with gui.store.write():
        for hour in (8, 10):
            at = NOW.replace(hour=hour, minute=0)
            RunRow.insert(task=task.id, scheduled_for=at, attempt=1, trigger="schedule",
                          status="succeeded", queued_at=at, started_at=at,
                          finished_at=at + timedelta(minutes=70), exit_code=0).execute()


@pytest.mark.parametrize("mode", ["week", "day"])
def test_the_grid_opens_with_the_current_hour_and_room_above_it(
        gui_factory: Any, utc_local_time: None, tmp_path: Path, mode: str) -> None:
    gui = gui_factory(engine=False)
    _every_two_hours(gui)
    view = _open_calendar(gui, "month", NOW)
    gui.window.resize(1180, 720)  # a window the grid scrolls in
    gui.settle()
    _click_and_wait(gui, view, view.bar.modes.button(("month", "week", "day").index(mode)))
    bar = view.week.verticalScrollBar()
    top = bar.value()
    height = view.week.viewport().height()
    shot = tmp_path / f"calendar-{mode}-opens-at-now.png"
    assert gui.window.grab().save(str(shot))
    hour_top = 11 * HOUR_PX
    now_y = view.week.grid.y_of(NOW, NOW.date())
    # the current hour's top in sight, with at least an hour of room above it
    assert top <= hour_top - HOUR_PX, (top, shot)
    assert hour_top - 2 * HOUR_PX <= top, (top, shot)  # and not the small hours
    assert now_y + HOUR_PX < top + height, (top, height, shot)  # now, and what follows


def _a_busy_hour(gui: Gui) -> None:
    """A ping every 4 minutes since yesterday: this hour's three runs so far, one failed."""
    from app.store.models import RunRow

    task = gui.service.create_task(command_task(
        "ping", schedule={"kind": "interval", "seconds": 240}), now=NOW - timedelta(days=1))
    with gui.store.write():
        for minute in (0, 4, 8):
            at = NOW.replace(minute=minute)
            RunRow.insert(task=task.id, scheduled_for=at, attempt=1, trigger="schedule",
                          status="failed" if minute == 4 else "succeeded", queued_at=at,
                          started_at=at, finished_at=at + timedelta(seconds=20),
                          exit_code=int(minute == 4)).execute()


def _red(colour: Any) -> bool:
    return colour.red() > 150 and colour.red() - colour.blue() > 80 \
        and colour.red() - colour.green() > 80


@pytest.mark.parametrize("size", [(1180, 740), (800, 560)])
def test_the_now_line_shows_and_the_words_make_room_for_it(
        gui_factory: Any, utc_local_time: None, tmp_path: Path, size: tuple[int, int]) -> None:
    """Thin and pale blue over pale-blue blocks, the line was hard to see (a person's
    run-through); it is red, 2 px, with a dot at the column's left edge, fainter across the
    other days, over the blocks. It stopped short of a line of words it crossed, and a
    block's words could hide all of it but the dot: the hour block's words leave its row
    free now (some above it, the rest below), so it crosses the block whole."""
    gui = gui_factory(engine=False)
    _a_busy_hour(gui)
    grid = gui.window.calendar_view.week.grid
    # now, where the line crosses the middle of the hour block's first line of words
    middle = 11 * HOUR_PX + 3 + grid.fontMetrics().ascent() * 0.6
    now = NOW.replace(minute=0) + timedelta(minutes=middle % HOUR_PX * 60 / HOUR_PX)
    assert now > NOW.replace(minute=8)
    view = _open_calendar(gui, "week", now)
    gui.window.resize(*size)
    gui.settle()
    grid.ensure_layout()
    rect, _hit, text = next(a for a in grid.aggregates if a[1].day == NOW.date()
                            and a[0].top() // HOUR_PX == 11)
    assert text.startswith("1 failed, 2 succeeded"), text
    view.week.scroll_to_hour(9)
    shot = tmp_path / f"calendar-week-now-line-{size[0]}.png"
    assert gui.window.grab().save(str(shot))
    image = grid.grab().toImage()
    now_y = grid.y_of(now, now.date())
    rows = range(round(now_y) - 1, round(now_y) + 1)  # the line's 2 px
    inside = range(int(rect.left()) + 6, int(rect.right()) - 3)
    # no word's stroke on the line's rows: the words went round it
    ink = [(x, y) for y in rows for x in inside if image.pixelColor(x, y).lightness() < 100]
    assert ink == [], (ink, shot)
    # and the line is red over the whole block
    col = grid.column(grid.dates().index(now.date()))
    across = [x for x in inside if any(_red(image.pixelColor(x, y)) for y in rows)]
    assert len(across) >= 0.95 * len(inside), (len(across), len(inside), shot)
    # fainter across the other days (Monday: nothing there)
    monday = grid.column(0)
    assert [x for x in range(int(monday.left()) + 2, int(monday.right()) - 2)
            if any(_red(image.pixelColor(x, y)) for y in rows)], shot
    # with its dot at the column's left edge, over the edge
    assert all(_red(image.pixelColor(int(col.left()) + dx, round(now_y))) for dx in (-3, 0, 3))
