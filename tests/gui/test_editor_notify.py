"""The editor's Notifications page: one choice, never / when it fails / always, stored as
the task's two notify flags; a task holding "only when it succeeds" keeps it."""

from __future__ import annotations

from typing import Any

from app.gui.editor.dialog import TaskEditor
from app.gui.qt import Qt
from tests.gui.conftest import Gui, closed, command_task
from tests.gui.editing import choose, fill_manual_command, go, new_editor


def test_a_new_task_notifies_on_failure_and_can_be_told_always(gui: Gui, qtbot: Any) -> None:
    editor = new_editor(gui)
    fill_manual_command(editor, qtbot, "loud")
    go(editor, qtbot, "Notifications")
    combo = editor.notifications.mode
    assert combo.currentData() == "failure"
    assert [combo.itemText(i) for i in range(combo.count())] == [
        "Never", "When it fails", "Always (fails or succeeds)", "Only when it succeeds"]
    choose(qtbot, combo, "always")
    gui.wait_until(editor.save_button.isEnabled)
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    gui.wait_until(lambda: closed(editor))
    spec = gui.service.get_task("loud").spec
    assert (spec.notify_on_failure, spec.notify_on_success) == (True, True)


def test_editing_shows_the_stored_mode_and_never_is_saved(gui: Gui, qtbot: Any) -> None:
    task = gui.service.create_task(command_task("odd", notify="success"))
    editor = TaskEditor(gui.session, task, "edit", gui.window)
    editor.show()
    gui.settle()
    assert editor.notifications.mode.currentData() == "success"
    go(editor, qtbot, "Notifications")
    choose(qtbot, editor.notifications.mode, "never")
    gui.wait_until(editor.save_button.isEnabled)
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    gui.wait_until(lambda: closed(editor))
    spec = gui.service.get_task("odd").spec
    assert (spec.notify_on_failure, spec.notify_on_success) == (False, False)
