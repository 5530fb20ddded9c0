"""A busy month day's lines add up to the count over them, as a person met one: today read
“504” over “4 succeeded, 1 failed, 497 planned” (502), its retried attempt and its running
retry cut off with no sign. The lines that do not fit are said by a last line (“+3 more: 1
failed, 1 retried, 1 running”), and a prediction's dot is hollow where a run's is filled.
The clock is pinned (`NOW`, Saturday 15:43); local days are UTC days."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from app.gui.calendar.words import MORE
from app.gui.qt import QPalette
from tests.conftest import local_zone
from tests.gui.conftest import Gui, command_task
from tests.gui.test_calendar_forecast_shown import _open_calendar

NOW = datetime(2026, 12, 5, 15, 43, 14, tzinfo=UTC)


@pytest.fixture
def utc_local_time(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    yield from local_zone(monkeypatch, "UTC")


def _todays_ledger(gui: Gui) -> None:
    """A hello every minute (about 500 fires still to come today), and this afternoon's
    runs: 4 succeeded, 1 failed, 1 failed then retried, its retry still running."""
    from app.store.models import RunRow

    task = gui.service.create_task(command_task(
        "hello every minute", schedule={"kind": "interval", "seconds": 60}),
        now=NOW - timedelta(days=1))

    def run(minute: int, status: str, parent: int | None = None) -> int:
        at = NOW.replace(minute=minute, second=0)
        return int(RunRow.insert(
            task=task.id, scheduled_for=at, attempt=2 if parent else 1,
            trigger="retry" if parent else "schedule", parent_run=parent, status=status,
            queued_at=at, started_at=at,
            finished_at=None if status == "running" else at + timedelta(seconds=5),
            exit_code=None if status == "running" else int(status != "succeeded")).execute())

    with gui.store.write():
        for minute in range(4):
            run(minute, "succeeded")
        run(10, "failed")
        run(41, "running", parent=run(40, "failed"))


@pytest.mark.parametrize("size", [(1180, 740), (800, 560)])
def test_a_busy_days_lines_add_up_to_its_count(
        gui_factory: Any, utc_local_time: None, tmp_path: Path, size: tuple[int, int]) -> None:
    gui = gui_factory(engine=False)
    _todays_ledger(gui)
    view = _open_calendar(gui, "month", NOW)
    gui.window.resize(*size)
    gui.settle()
    grid = view.month
    grid.ensure_layout()
    today = NOW.date()
    day = grid.data.day(today)
    shot = tmp_path / f"calendar-month-lines-{size[0]}.png"
    assert grid.window().grab().save(str(shot))
    assert today in grid.summed, shot
    assert dict(day.past) == {"succeeded": 4, "failed": 1, "retried": 1, "running": 1}
    lines = grid.busy_lines(today)
    assert sum(n for _key, _words, n in lines) == day.total, (lines, day.total, shot)
    key, words, n = lines[-1]
    assert key == MORE and "1 running" in words and "1 retried" in words, (lines, shot)
    if len(lines) > 1:  # the rest, after the failure and what is still to come today
        assert words.startswith(f"+{n:,} more: "), (lines, shot)
        assert [w for _k, w, _n in lines[:-1]] == ["failed", "planned"], (lines, shot)
    else:  # all of them, in one line
        assert words.startswith("1 failed, 1 retried, 4 succeeded, 1 running, "), lines

    # the last line is drawn, in the link colour a "+N more" has in the other cells
    image = grid.grab().toImage()
    cell = grid.cells[today]
    line = grid.line_height()
    top = cell.top() + line + 2 + (len(lines) - 1) * line
    link = grid.palette().color(QPalette.ColorRole.Link)
    drawn = [x for y in range(int(top), int(top + line))
             for x in range(int(cell.left()) + 6, int(cell.right()) - 3)
             if _near(image.pixelColor(x, y), link)]
    assert len(drawn) > 20, shot


def _near(a: Any, b: Any) -> bool:
    return abs(a.red() - b.red()) + abs(a.green() - b.green()) + abs(a.blue() - b.blue()) < 90
