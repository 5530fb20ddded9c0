"""A Save clicked or Enter pressed right after a keystroke: each keystroke turns Save off
until the form is checked, once typing pauses (150 ms), and a click or Enter in that time
did nothing — no message, nothing saved (a run-through under X). It saves, checked at once;
a form that does not pass says why and saves nothing."""

from __future__ import annotations

from typing import Any

from app.gui.qt import Qt
from tests.gui.conftest import Gui, closed, command_task
from tests.gui.editing import open_selected


def test_a_save_clicked_at_once_after_typing_saves(gui: Gui, qtbot: Any) -> None:
    task = gui.service.create_task(command_task("report"))
    editor = open_selected(gui, qtbot, task.id, Qt.Key.Key_Return)
    qtbot.keyClicks(editor.general.description, "every morning")
    assert not editor.save_button.isEnabled()  # (off till the check)
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    gui.wait_until(lambda: closed(editor))
    assert gui.service.get_task("report").spec.description == "every morning"


def test_enter_at_once_after_typing_a_name_saves(gui: Gui, qtbot: Any) -> None:
    task = gui.service.create_task(command_task("report"))
    editor = open_selected(gui, qtbot, task.id, Qt.Key.Key_Return)
    editor.general.name.selectAll()
    qtbot.keyClicks(editor.general.name, "daily report")
    assert not editor.save_button.isEnabled()
    qtbot.keyClick(editor.general.name, Qt.Key.Key_Return)
    gui.wait_until(lambda: closed(editor))
    assert gui.service.get_task("daily report").id == task.id


def test_enter_at_once_on_a_form_that_does_not_pass_says_why(gui: Gui, qtbot: Any) -> None:
    gui.service.create_task(command_task("other"))
    task = gui.service.create_task(command_task("report"))
    editor = open_selected(gui, qtbot, task.id, Qt.Key.Key_Return)
    editor.general.name.selectAll()
    qtbot.keyClicks(editor.general.name, "other")  # another task's name
    qtbot.keyClick(editor.general.name, Qt.Key.Key_Return)
    error = editor.general.errors["name"][0]
    gui.wait_until(error.isVisible)
    assert "already exists" in error.text()
    assert editor.isVisible() and gui.service.get_task("report").id == task.id
