"""A lived-in home's busy past in the real window: a day with more runs than the week lists
gives every later hour its own count (none looks empty), and the keyboard steps through
what a busy week or month draws — the hour blocks and a busy day's counts as well as single
entries — marking the one picked; Enter opens it as a click does. The clock is pinned
(`NOW`, a Thursday evening); local days are India's (+05:30), so hours are counted from
local midnights that are not UTC hours."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest

from app.gui.main_window import RUNS
from app.gui.qt import QPalette, Qt
from tests.conftest import local_zone
from tests.gui.conftest import SCREENSHOTS, Gui, closed, command_task
from tests.gui.test_calendar_forecast_shown import _click_and_wait, _open_calendar

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
    view = _open_calendar(gui, mode, NOW)
    _click_and_wait(gui, view, view.bar.prev)
    assert BUSY_DAY in view.period.dates
    gui.qtbot.keyClick(gui.window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    grid = view.month if mode == "month" else view.week.grid
    gui.wait_until(lambda: grid.hasFocus())
    return view


def _listed_first(dialog: Any) -> datetime:
    """The time of the list's selected row, which is its top row in sight."""
    table = dialog.table
    index = table.currentIndex()
    assert table.indexAt(table.viewport().rect().topLeft()).row() == index.row()
    return dialog.proxy.data(index, Qt.ItemDataRole.UserRole).start


def _count(text: str) -> int:
    """What a block counts: each of its counts says what it counts (“6 succeeded, 54 planned
    09:37–11:00”, “…and 5 more”)."""
    found = re.findall(r"([\d,]+) [a-z]", text)
    assert found, text
    return sum(int(n.replace(",", "")) for n in found)


def _marked(grid: Any, rect: Any) -> bool:
    """Whether the frame in the highlight colour is drawn around `rect`."""
    image = grid.grab().toImage()
    highlight = grid.palette().color(QPalette.ColorRole.Highlight)
    return bool(image.pixelColor(int(rect.left()) - 1, int(rect.center().y())) == highlight)


def test_every_hour_of_a_busy_past_day_shows_its_runs_and_opens_the_list(
        gui_factory: Any, india_local_time: None) -> None:
    """The week lists the busy day's first 300 runs (to 03:20); every hour from there on is a
    block with its count and statuses (18:00 says its 30 failures), none is left empty
    behind a “…and N more” box, and clicking an hour's block opens the day's list at it."""
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
    assert texts[18] == "30 failed, 60 succeeded 18:00–19:00", texts
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
    assert _listed_first(dialog) == _local(BUSY_DAY, 22)  # the list opens at the hour
    dialog.close()
    gui.wait_until(lambda: closed(dialog))


def test_the_arrows_step_through_a_busy_week_s_blocks_and_enter_opens_them(
        gui_factory: Any, india_local_time: None) -> None:
    """The cursor goes over the hours (tests/gui/test_calendar_week_cursor.py): each of the
    busy day's is said with its count, and Down steps into it, its hour block (marked, said
    under the grid); down through midnight to the next day's single run; Up goes back; Enter
    on a block opens the day's list at its hour, Enter on the run's hour opens it in the Runs
    view, as before."""
    gui = gui_factory(engine=False)
    quiet_run = _busy_past(gui)
    view = _open(gui, "week")
    grid = view.week.grid
    gui.qtbot.keyClick(grid, Qt.Key.Key_Down)  # the first day, at the first hour in sight
    assert view.picked_line.text() == "Selected: Monday 23 November, 00:00, nothing ran"
    gui.qtbot.keyClick(grid, Qt.Key.Key_Right)
    gui.qtbot.keyClick(grid, Qt.Key.Key_Right)
    assert view.picked_line.text() == (f"Selected: Wednesday 25 November, 00:00, {PER_HOUR} runs"
                                       f" ({PER_HOUR} succeeded) · Enter to open the list")
    gui.qtbot.keyClick(grid, Qt.Key.Key_Down)  # into the hour: its block
    first = grid._picked_hit()
    assert first is not None and first.kind == "more" and first.day == BUSY_DAY
    assert view.picked is None  # no task's actions for a block of many
    assert view.picked_line.text() == (f"Selected: {PER_HOUR} succeeded 00:00–01:00 · Enter "
                                       "or click to open the list")
    assert _marked(grid, first.rect)
    for hour in range(1, 24):
        gui.qtbot.keyClick(grid, Qt.Key.Key_Down)
        assert f", {hour:02d}:00, {PER_HOUR} runs" in view.picked_line.text()
        gui.qtbot.keyClick(grid, Qt.Key.Key_Down)
        assert f" {hour:02d}:00–" in view.picked_line.text(), (hour, view.picked_line.text())
    assert "30 failed, 60 succeeded 18:00–19:00" not in view.picked_line.text()
    for _ in range(11):  # the next day, from midnight: its single run's hour
        gui.qtbot.keyClick(grid, Qt.Key.Key_Down)
    assert view.picked_line.text() == ("Selected: Thursday 26 November, 10:00, 1 run "
                                       "(1 succeeded) · Enter to open the run")
    gui.qtbot.keyClick(grid, Qt.Key.Key_Down)
    assert view.picked is not None and view.picked.run_id == quiet_run
    assert view.picked_line.text().startswith("Selected: fetch: run ")
    for _ in range(17):  # its hour, back through midnight, to 18:00 of the busy day
        gui.qtbot.keyClick(grid, Qt.Key.Key_Up)
    assert view.picked_line.text() == (f"Selected: Wednesday 25 November, 18:00, {PER_HOUR} "
                                       "runs (30 failed, 60 succeeded) · Enter to open the list")
    gui.qtbot.keyClick(grid, Qt.Key.Key_Down)
    assert "30 failed, 60 succeeded 18:00–19:00" in view.picked_line.text()
    picked = grid._picked_hit()
    assert picked is not None and _marked(grid, picked.rect)
    assert grid.grab().save(str(SCREENSHOTS / "calendar-week-busy-picked.png"))
    gui.qtbot.keyClick(grid, Qt.Key.Key_Return)
    gui.wait_until(lambda: view.day_list is not None and view.day_list.isVisible())
    dialog = view.day_list
    assert dialog.day == BUSY_DAY
    gui.wait_until(lambda: dialog.model.rowCount() == 2160)
    assert _listed_first(dialog) == _local(BUSY_DAY, 18)
    dialog.close()
    gui.wait_until(lambda: closed(dialog))
    gui.window.activateWindow()
    grid.setFocus()
    gui.qtbot.keyClick(grid, Qt.Key.Key_Right)  # Thursday 18:00
    for _ in range(8):
        gui.qtbot.keyClick(grid, Qt.Key.Key_Up)
    assert view.picked is None and ", 10:00, 1 run" in view.picked_line.text()
    gui.qtbot.keyClick(grid, Qt.Key.Key_Return)  # the hour's one run
    gui.wait_until(lambda: gui.window.current_view() == RUNS)  # the run, as a double-click
    assert view.picked is not None and view.picked.run_id == quiet_run


def test_the_arrows_step_through_a_busy_month_day_by_day(
        gui_factory: Any, india_local_time: None) -> None:
    """In the month the busy day is one count: the day cursor reaches the day (said with its
    counts), Down its count, Right the quiet day and Down its run, Left the busy day again;
    Enter opens the busy day's list."""
    gui = gui_factory(engine=False)
    quiet_run = _busy_past(gui)
    view = _open(gui, "month")
    grid = view.month
    gui.wait_until(lambda: BUSY_DAY in getattr(grid, "summed", ()))  # drawn as its counts
    gui.qtbot.keyClick(grid, Qt.Key.Key_Down)  # the cursor on today (Thu 3 Dec),
    gui.qtbot.keyClick(grid, Qt.Key.Key_Up)  # the quiet day a week up,
    gui.qtbot.keyClick(grid, Qt.Key.Key_Left)  # the busy day, with its counts
    assert view.picked is None
    assert view.picked_line.text() == ("Selected: Wed 25 Nov: 2,160 runs and predictions "
                                       "(30 failed, 2,130 succeeded) · Enter to open its list")
    gui.qtbot.keyClick(grid, Qt.Key.Key_Down)
    assert view.picked is None
    assert view.picked_line.text() == ("Selected: Wed 25 Nov: 2,160 runs and predictions · "
                                       "Enter or click to open the list")
    picked = grid._picked_hit()
    assert picked is not None and picked.day == BUSY_DAY and _marked(grid, picked.rect)
    gui.qtbot.keyClick(grid, Qt.Key.Key_Right)
    gui.qtbot.keyClick(grid, Qt.Key.Key_Down)
    assert view.picked is not None and view.picked.run_id == quiet_run
    gui.qtbot.keyClick(grid, Qt.Key.Key_Left)
    assert view.picked is None and "Wed 25 Nov" in view.picked_line.text()
    assert grid.grab().save(str(SCREENSHOTS / "calendar-month-busy-picked.png"))
    gui.qtbot.keyClick(grid, Qt.Key.Key_Return)
    gui.wait_until(lambda: view.day_list is not None and view.day_list.isVisible())
    assert view.day_list.day == BUSY_DAY
    view.day_list.close()
    # the busy day picked is the day Day opens on (a review's finding: it was the one
    # picked before it)
    from app.gui.calendar.data import MODES

    gui.qtbot.keyClick(grid, Qt.Key.Key_Right)  # the quiet day, then back to the busy day
    gui.qtbot.keyClick(grid, Qt.Key.Key_Left)
    gui.qtbot.mouseClick(view.bar.modes.button(MODES.index("day")), Qt.MouseButton.LeftButton)
    gui.wait_until(lambda: view.period.mode == "day")
    assert view.period.anchor == BUSY_DAY
