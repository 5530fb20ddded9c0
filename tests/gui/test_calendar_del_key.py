"""Del in the Calendar: a fire (or a run) picked in the month or the week asks to delete its
task, naming it, as Del does in the task table (the same question, the same words) — it did
nothing there, though the Task menu's Delete says (Del). Cancelled, nothing changes; answered,
the task goes. The clock is pinned (Thu 3 Dec 2026); local days are UTC days."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from app.gui.qt import QApplication, Qt
from tests.gui.conftest import SCREENSHOTS, answer_question, command_task, said
from tests.gui.test_calendar_failure_first import NOW, utc_local_time
from tests.gui.test_calendar_forecast_shown import _open_calendar
from tests.gui.test_calendar_month_week_keys import _click
from tests.gui.test_keys_after_a_dialog import cancel_when_it_has_the_keys

__all__ = ["utc_local_time"]  # (a fixture)


@pytest.mark.parametrize("mode", ["month", "week"])
def test_del_on_a_fire_in_the_calendar_asks_to_delete_its_task(
        gui_factory: Any, utc_local_time: None, mode: str) -> None:
    gui = gui_factory(engine=False)
    for name, expr in (("daily", "0 9 * * *"), ("friday evening", "0 18 * * 5")):
        gui.service.create_task(command_task(
            name, timezone="UTC", schedule={"kind": "cron", "expr": expr}), now=NOW)
    view = _open_calendar(gui, mode, NOW)
    grid = view.month if mode == "month" else view.week.grid
    gui.settle()
    grid.grab()  # laid out
    picked = _click(gui, view, grid, date(2026, 12, 4), "friday evening",
                    None if mode == "month" else view.week)
    assert picked() == (date(2026, 12, 4), "friday evening")
    ops = gui.window.task_ops
    gui.wait_until(ops.delete.isEnabled)
    assert grid.hasFocus()

    asked = cancel_when_it_has_the_keys(gui.qtbot)
    gui.qtbot.keyClick(grid, Qt.Key.Key_Delete)
    gui.wait_until(lambda: asked)
    assert asked == ["Delete task"]  # (cancelled: nothing changes)
    assert sorted(t.name for t in gui.service.list_tasks()) == ["daily", "friday evening"]

    gui.wait_until(lambda: QApplication.focusWidget() is grid)  # the keys back, as Del
    answer = answer_question(gui.qtbot, "Delete task", f"calendar-{mode}-del-asks")
    gui.qtbot.keyClick(grid, Qt.Key.Key_Delete)
    gui.wait_until(lambda: answer.done)
    assert answer.title == "Delete task"
    assert answer.text == ("Delete “friday evening” and its run history? "
                           "This cannot be undone.")  # the table's words
    gui.wait_until(lambda: [t.name for t in gui.service.list_tasks()] == ["daily"])
    gui.wait_until(lambda: "Deleted “friday evening”." in said(gui.window))
    gui.wait_until(lambda: not ops.delete.isEnabled())
    gui.wait_until(lambda: not any(h.entry is not None and h.entry.task_name == "friday "
                                   "evening" for h in grid.hits), timeout=20)
    gui.settle()
    # the line under the grid no longer names a task that is gone
    assert view.picked is None
    assert "friday evening" not in view.picked_line.text() or view.picked_line.isHidden()
    SCREENSHOTS.mkdir(exist_ok=True)
    assert gui.window.grab().save(str(SCREENSHOTS / f"calendar-{mode}-after-del.png"))


def test_a_task_deleted_elsewhere_is_selected_no_more(
        gui_factory: Any, utc_local_time: None, cli: Any) -> None:
    """Deleted by the CLI (another process): the read that follows drops the selection, as
    the day lists all it holds; the line said “Selected: friday evening: planned at …”."""
    gui = gui_factory(engine=False)
    for name, expr in (("daily", "0 9 * * *"), ("friday evening", "0 18 * * 5")):
        gui.service.create_task(command_task(
            name, timezone="UTC", schedule={"kind": "cron", "expr": expr}), now=NOW)
    view = _open_calendar(gui, "week", NOW)
    grid = view.week.grid
    gui.settle()
    grid.grab()
    picked = _click(gui, view, grid, date(2026, 12, 4), "friday evening", view.week)
    assert picked() == (date(2026, 12, 4), "friday evening")
    assert view.picked_line.text().startswith("Selected: friday evening: planned at")
    assert cli("task", "delete", "friday evening").code == 0
    gui.wait_until(lambda: view.picked is None, timeout=20)
    assert view.picked_line.isHidden()
    assert not gui.window.task_ops.delete.isEnabled()
