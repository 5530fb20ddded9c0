"""The editor's "Runs on" field: a bad value is told under the field and Save stays off; a
queue typed in is stored; a stored one is shown back."""

from __future__ import annotations

from typing import Any

from app.gui.editor.dialog import TaskEditor
from app.gui.qt import Qt
from tests.gui.conftest import Gui, closed, command_task
from tests.gui.editing import fill_manual_command, go, new_editor


def test_runs_on_is_checked_inline_and_stored(gui: Gui, qtbot: Any) -> None:
    editor = new_editor(gui)
    fill_manual_command(editor, qtbot, "remote")
    go(editor, qtbot, "Execution")
    field = editor.execution.runs_on
    assert field.currentText() == "local"
    line = field.lineEdit()
    qtbot.keyClick(line, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(line, "celery:two words")
    gui.wait_until(lambda: not editor.save_button.isEnabled()
                   and "queue 'two words'" in str(editor.first_error()))
    assert editor.execution.has_errors()
    qtbot.keyClick(line, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(line, "celery:fast")
    gui.wait_until(editor.save_button.isEnabled)
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    gui.wait_until(lambda: closed(editor))
    assert gui.service.get_task("remote").spec.runs_on == "celery:fast"


def test_a_stored_runs_on_is_shown(gui: Gui, qtbot: Any) -> None:
    task = gui.service.create_task(command_task("elsewhere", runs_on="celery:q1"))
    editor = TaskEditor(gui.session, task, "edit", gui.window)
    editor.show()
    gui.settle()
    assert editor.execution.runs_on.currentText() == "celery:q1"
    editor.discard()
