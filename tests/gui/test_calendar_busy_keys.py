"""A lived-in home's busy past in the real window: a day with more runs than the week lists
gives every later hour its own count (none looks empty). The clock is pinned
(`NOW`, a Thursday evening); local days are India's (+05:30), so hours are counted from
local midnights that are not UTC hours."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest

from app.gui.main_window import CALENDAR
from app.gui.qt import Qt
from tests.conftest import local_zone
from tests.gui.conftest import SCREENSHOTS, Gui, closed, command_task

NOW = datetime(2026, 12, 3, 16, 36, tzinfo=UTC)  # Thu 3 Dec 2026, 22:06 in India
BUSY_DAY = date(2026, 11, 25)  # Wednesday of the week before
QUIET_DAY = date(2026, 11, 26)  # one run at 10:00
TASKS = ("fetch", "index", "flaky")  # each every 2 minutes all of the busy day
PER_HOUR = 30 * len(TASKS)


@pytest.fixture
def india_local_time(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    yield from local_zone(monkeypatch, "Asia/Kolkata")


def _local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute)).astimezone()


def _busy_past(gui: Gui) -> int:
    """2,160 runs on `BUSY_DAY` (`flaky` failing 18:00–19:00) and one on `QUIET_DAY`;
    returns the quiet run's id."""
    from app.store.models import RunRow

    ids = [gui.service.create_task(command_task(
        name, schedule={"kind": "cron", "expr": "0 3 * * *"}), now=NOW).id for name in TASKS]
    rows = []
    for minute in range(0, 24 * 60, 2):
        at = _local(BUSY_DAY, 0) + timedelta(minutes=minute)
        for name, task_id in zip(TASKS, ids, strict=True):
            failed = name == "flaky" and at.astimezone().hour == 18
            rows.append({"task": task_id, "scheduled_for": at, "attempt": 1,
                         "status": "failed" if failed else "succeeded", "trigger": "schedule",
                         "queued_at": at, "started_at": at,
                         "finished_at": at + timedelta(seconds=30), "exit_code": int(failed)})
    quiet = _local(QUIET_DAY, 10)
    with gui.store.write():
        for i in range(0, len(rows), 500):
            RunRow.insert_many(rows[i:i + 500]).execute()
        return int(RunRow.insert(task=ids[0], scheduled_for=quiet, attempt=1,
                                 status="succeeded", trigger="schedule", queued_at=quiet,
                                 started_at=quiet, finished_at=quiet + timedelta(seconds=30),
                                 exit_code=0).execute())


def _open(gui: Gui, mode: str) -> Any:
    """Ctrl+2, the mode's button, Today, then back one period: as a person gets there."""
    view = gui.window.calendar_view
    view.now = lambda: NOW.astimezone()
    gui.window.resize(1600, 1000)
    gui.qtbot.keyClick(gui.window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    gui.wait_until(lambda: gui.window.current_view() == CALENDAR)
    for button in (view.bar.modes.button(("month", "week", "day").index(mode)), view.bar.today,
                   view.bar.prev):
        loads = view.loads
        gui.qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        gui.wait_until(lambda n=loads: view.loads > n and not view.busy
                       and view.data is not None and view.data.period == view.period,
                       timeout=60)
    assert BUSY_DAY in view.period.dates and view.period.mode == mode
    gui.qtbot.keyClick(gui.window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    grid = view.month if mode == "month" else view.week.grid
    gui.wait_until(lambda: grid.hasFocus())
    return view


def _count(text: str) -> int:
    found = re.match(r"([\d,]+)", text)
    assert found, text
    return int(found.group(1).replace(",", ""))


def test_every_hour_of_a_busy_past_day_shows_its_runs_and_opens_the_list(
        gui_factory: Any, india_local_time: None) -> None:
    """The week lists the busy day's first 300 runs (to 03:20); every hour from there on is a
    block with its count and statuses (18:00 says its 30 failures), none is left empty
    behind a “…and N more” box, and clicking an hour's block opens the day's list."""
    gui = gui_factory(engine=False)
    _busy_past(gui)
    view = _open(gui, "week")
    grid = view.week.grid
    gui.wait_until(lambda: any(h.day == BUSY_DAY for _r, h, _t in grid.aggregates))  # drawn
    texts = {hit.rect.top() // 48: text for _r, hit, text in grid.aggregates
             if hit.day == BUSY_DAY}
    assert not any("more" in t for t in texts.values()), texts
    assert sorted(texts) == list(range(24)), texts  # every hour of the day drawn, counted
    entries = sum(1 for h in grid.hits if h.day == BUSY_DAY and h.kind == "entry")
    assert entries + sum(_count(t) for t in texts.values()) == 2160 == sum(
        view.data.day(BUSY_DAY).past.values())
    assert texts[22] == f"{PER_HOUR} succeeded 22:00–23:00", texts
    assert texts[18] == f"{PER_HOUR} 18:00–19:00: 60 succeeded, 30 failed", texts
    view.week.scroll_to_hour(12)
    gui.qtbot.wait(20)
    assert gui.window.grab().save(str(SCREENSHOTS / "calendar-week-busy-past.png"))
    block = next(h for r, h, t in grid.aggregates if h.day == BUSY_DAY and r.top() // 48 == 22)
    grid.show_hit(block)
    gui.qtbot.mouseClick(grid, Qt.MouseButton.LeftButton, pos=block.rect.center().toPoint())
    gui.wait_until(lambda: view.day_list is not None and view.day_list.isVisible())
    dialog = view.day_list
    assert dialog.day == BUSY_DAY
    gui.wait_until(lambda: dialog.model.rowCount() == 2160)
    dialog.close()
    gui.wait_until(lambda: closed(dialog))
