"""Del in the Calendar: a fire (or a run) picked in the month or the week asks to delete its
task, naming it, as Del does in the task table (the same question, the same words) — it did
nothing there, though the Task menu's Delete says (Del). Cancelled, nothing changes; answered,
the task goes. The clock is pinned (Thu 3 Dec 2026); local days are UTC days."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from app.gui.qt import QApplication, QMessageBox, Qt, QTimer
from tests.gui.conftest import SCREENSHOTS, answer_question, command_task, said
from tests.gui.test_calendar_failure_first import NOW, utc_local_time
from tests.gui.test_calendar_forecast_shown import _open_calendar
from tests.gui.test_calendar_month_week_keys import _click, _crons_shown
from tests.gui.test_keys_after_a_dialog import cancel_when_it_has_the_keys

__all__ = ["utc_local_time"]  # (a fixture)


@pytest.mark.parametrize("mode", ["month", "week"])
def test_del_on_a_fire_in_the_calendar_asks_to_delete_its_task(
        gui_factory: Any, utc_local_time: None, mode: str) -> None:
    gui = gui_factory(engine=False)
    view, grid = _crons_shown(gui, mode, (("daily", "0 9 * * *"),
                                          ("friday evening", "0 18 * * 5")))
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
    view, grid = _crons_shown(gui, "week", (("daily", "0 9 * * *"),
                                            ("friday evening", "0 18 * * 5")))
    picked = _click(gui, view, grid, date(2026, 12, 4), "friday evening", view.week)
    assert picked() == (date(2026, 12, 4), "friday evening")
    assert view.picked_line.text().startswith("Selected: friday evening: planned at")
    assert cli("task", "delete", "friday evening").code == 0
    gui.wait_until(lambda: view.picked is None, timeout=20)
    assert view.picked_line.isHidden()
    assert not gui.window.task_ops.delete.isEnabled()


def test_del_in_a_busy_day_s_list_asks_to_delete_the_row_s_task(
        gui_factory: Any, utc_local_time: None) -> None:
    """A busy day's list (opened from its month cell) had no Del: the row selected is the
    calendar's selection, and Del asks as on the grid (the same question, the same words);
    once answered, the list reads again without the task's rows, its selection on the next
    row, said under the grid, and the keys still in the list."""
    gui = gui_factory(engine=False)
    for name, schedule in (("quarterly", {"kind": "interval", "seconds": 900}),
                           ("friday evening", {"kind": "cron", "expr": "0 18 * * 5"})):
        gui.service.create_task(command_task(name, timezone="UTC", schedule=schedule),
                                now=NOW)
    view = _open_calendar(gui, "month", NOW)
    grid = view.month
    gui.settle()
    grid.grab()
    friday = date(2026, 12, 4)
    more = next(h for h in grid.hits if h.kind == "more" and h.day == friday)
    gui.qtbot.mouseClick(grid, Qt.MouseButton.LeftButton, pos=more.rect.center().toPoint())
    gui.wait_until(lambda: view.day_list is not None and view.day_list.isVisible())
    dialog = view.day_list
    gui.wait_until(lambda: dialog.model.rowCount() == 97)  # 96 quarter hours and 18:00
    table = dialog.table
    table.setFocus()
    gui.wait_until(lambda: QApplication.focusWidget() is table)
    row = next(r for r in range(dialog.proxy.rowCount())
               if dialog.proxy.index(r, 1).data() == "friday evening")
    table.setCurrentIndex(dialog.proxy.index(row - 1, 0))  # the 17:45 row, then Down
    gui.qtbot.keyClick(table, Qt.Key.Key_Down)
    assert view.picked is not None and view.picked.task_name == "friday evening"
    after = dialog.proxy.index(row + 1, 0).data(Qt.ItemDataRole.UserRole)  # its next row
    assert view.picked_line.text().startswith("Selected: friday evening: planned at")
    ops = gui.window.task_ops
    gui.wait_until(ops.delete.isEnabled)

    asked = cancel_when_it_has_the_keys(gui.qtbot)
    gui.qtbot.keyClick(table, Qt.Key.Key_Delete)
    gui.wait_until(lambda: asked)
    assert asked == ["Delete task"]  # (cancelled: nothing changes, the keys back in the list)
    gui.wait_until(lambda: QApplication.focusWidget() is table)
    assert sorted(t.name for t in gui.service.list_tasks()) == ["friday evening", "quarterly"]

    answered = _delete_when_it_has_the_keys(gui.qtbot)
    gui.qtbot.keyClick(table, Qt.Key.Key_Delete)
    gui.wait_until(lambda: answered)
    assert answered == ["Delete “friday evening” and its run history? "
                        "This cannot be undone."]  # the table's words
    gui.wait_until(lambda: [t.name for t in gui.service.list_tasks()] == ["quarterly"])
    gui.wait_until(lambda: "Deleted “friday evening”." in said(gui.window))
    gui.wait_until(lambda: dialog.model.rowCount() == 96, timeout=20)
    gui.wait_until(lambda: view.picked is not None and view.picked.task_name == "quarterly")
    assert view.picked == after
    assert view.picked_line.text().startswith("Selected: quarterly: planned at")
    assert dialog.proxy.data(table.currentIndex(), Qt.ItemDataRole.UserRole) == view.picked
    gui.wait_until(lambda: QApplication.focusWidget() is table)
    gui.settle()
    assert dialog.grab().save(str(SCREENSHOTS / "calendar-day-list-after-del.png"))
    assert gui.window.grab().save(str(SCREENSHOTS / "calendar-month-after-list-del.png"))


def _delete_when_it_has_the_keys(qtbot: Any) -> list[str]:
    """Alt+D (“Delete task”) on the next question box once it has the keyboard (answered
    before, the keys it gives back went nowhere: the test's race, not the window's). Its
    text, once done; the box saved to tests/screenshots first."""
    texts: list[str] = []

    def act() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox) or QApplication.activeWindow() is not box:
            QTimer.singleShot(20, act)
            return
        box.grab().save(str(SCREENSHOTS / "calendar-day-list-del-asks.png"))
        texts.append(box.text())
        qtbot.keyClick(box, Qt.Key.Key_D, Qt.KeyboardModifier.AltModifier)

    QTimer.singleShot(0, act)
    return texts
