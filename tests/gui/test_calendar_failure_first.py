"""An hour with a failed run, as a person met it: 1 failed, 2 retried and 5 succeeded was a
green block reading “5 succeeded, 2 retried, 1 failed…” (in the week at 800×560 “5
succeeded, 2 retried,…”, the failure cut off), a thin pink stripe its only sign. Now a
failure sets the block's colour and comes first in its words, then the retried attempts,
then the rest. The clock is pinned (`NOW`, a Thursday 11:20); local days are UTC days."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from app.gui.widgets import display
from tests.conftest import local_zone
from tests.gui.conftest import SCREENSHOTS, Gui, command_task
from tests.gui.test_calendar_forecast_shown import _open_calendar

NOW = datetime(2026, 12, 3, 11, 20, tzinfo=UTC)


@pytest.fixture
def utc_local_time(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    yield from local_zone(monkeypatch, "UTC")


def _this_hour(gui: Gui) -> None:
    """A task every 4 minutes; this hour so far: 3 runs succeeded, 2 failed and were retried
    (their retries succeeded: 5 succeeded in all), 1 failed with no retry."""
    from app.store.models import RunRow

    task = gui.service.create_task(command_task(
        "ping", schedule={"kind": "interval", "seconds": 240}), now=NOW - timedelta(days=1))

    def run(minute: int, status: str, parent: int | None = None) -> int:
        at = NOW.replace(minute=minute)
        return int(RunRow.insert(
            task=task.id, scheduled_for=at, attempt=2 if parent else 1,
            trigger="retry" if parent else "schedule", parent_run=parent, status=status,
            queued_at=at, started_at=at, finished_at=at + timedelta(seconds=20),
            exit_code=int(status != "succeeded")).execute())

    with gui.store.write():
        for minute in (0, 4, 8):
            run(minute, "succeeded")
        for minute in (12, 14):
            run(minute + 1, "succeeded", run(minute, "failed"))
        run(16, "failed")


def _block(grid: Any) -> tuple[Any, str]:
    grid.ensure_layout()
    rect, _hit, text = next(a for a in grid.aggregates
                            if a[1].day == NOW.date() and a[0].top() // 48 == 11)
    return rect, text


def _edge_colours(grid: Any, rect: Any) -> set[str]:
    """The colours of the block's outline along its top edge."""
    image = grid.grab().toImage()
    y = int(rect.top() + 0.5)
    return {image.pixelColor(x, y).name() for x in range(int(rect.left()) + 8,
                                                        int(rect.right()) - 8)}


@pytest.mark.parametrize("mode", ["day", "week"])
def test_a_failure_colours_its_hour_and_is_said_first(
        gui_factory: Any, utc_local_time: None, mode: str) -> None:
    gui = gui_factory(engine=False)
    _this_hour(gui)
    view = _open_calendar(gui, mode, NOW)
    grid = view.week.grid
    dark = grid.dark()
    failed, succeeded = (display.status_colour(s, dark).name() for s in ("failed", "succeeded"))
    for size in ((1280, 800), (800, 560)):
        gui.window.resize(*size)
        gui.settle()
        view.week.scroll_to_hour(9)
        gui.qtbot.wait(20)
        rect, text = _block(grid)
        shot = SCREENSHOTS / f"calendar-failure-first-{mode}-{size[0]}x{size[1]}.png"
        assert gui.window.grab().save(str(shot))
        assert text.startswith("1 failed, 2 retried, 5 succeeded, "), (text, shot)
        edge = _edge_colours(grid, rect)
        assert failed in edge and succeeded not in edge, (edge, shot)
