"""Enter in a time or number field saves, as it does in a text field (a run-through under
X: the "at" of "Every 1 day at 02:00" typed over, Enter did nothing, twice)."""

from __future__ import annotations

from typing import Any

from app.gui.qt import Qt
from tests.gui.conftest import Gui, closed, command_task
from tests.gui.editing import go, open_selected

DAILY = {"kind": "calendar", "days": 1, "hour": 2, "minute": 0}


def test_enter_in_the_time_of_a_daily_schedule_saves(gui: Gui, qtbot: Any) -> None:
    task = gui.service.create_task(command_task("photos", schedule=DAILY))
    editor = open_selected(gui, qtbot, task.id, Qt.Key.Key_Return)
    go(editor, qtbot, "Schedule")
    field = editor.schedule.cal_time
    field.setFocus()
    qtbot.keyClick(field, Qt.Key.Key_Up)  # the hour, 02 to 03
    gui.wait_until(editor.save_button.isEnabled)  # checked, as after a pause
    qtbot.keyClick(field, Qt.Key.Key_Return)
    gui.wait_until(lambda: closed(editor))
    schedule = gui.service.get_task("photos").spec.schedule.to_json()
    assert (schedule["hour"], schedule["minute"]) == (3, 0)


def test_enter_in_retries_typed_over_saves_what_was_typed(gui: Gui, qtbot: Any) -> None:
    task = gui.service.create_task(command_task("photos", schedule=DAILY))
    editor = open_selected(gui, qtbot, task.id, Qt.Key.Key_Return)
    go(editor, qtbot, "Execution")
    field = editor.execution.retries
    field.setFocus()
    field.selectAll()
    qtbot.keyClicks(field, "3")
    qtbot.keyClick(field, Qt.Key.Key_Return)  # at once: the check is done then
    gui.wait_until(lambda: closed(editor))
    assert gui.service.get_task("photos").spec.retries == 3
