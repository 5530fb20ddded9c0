"""The editor's inline messages name what they are about, in the words the form shows: the
command, a variable with no name, an interval in the unit beside it."""

from __future__ import annotations

from typing import Any

from app.gui.qt import QApplication, Qt
from tests.gui.conftest import SCREENSHOTS, Gui
from tests.gui.editing import choose_schedule, click, go, new_editor


def test_messages_name_their_field(gui: Gui, qtbot: Any) -> None:
    editor = new_editor(gui)
    qtbot.keyClicks(editor.general.name, "worded")
    go(editor, qtbot, "Action")
    qtbot.keyClicks(editor.action.command, "x")
    qtbot.keyClick(editor.action.command, Qt.Key.Key_Backspace)
    command = editor.action.errors["command"][0]
    gui.wait_until(lambda: "The command is empty: type what to run" in command.text())

    qtbot.keyClicks(editor.action.command, "true")
    choose_schedule(editor, qtbot, "interval")
    number = editor.schedule.every.number
    click(qtbot, number)
    qtbot.keyClick(number, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(QApplication.focusWidget(), "0.01")
    every = editor.schedule.errors["interval"][0]
    unit = editor.schedule.every.unit.currentText()
    gui.wait_until(lambda: f"Every must be more than 0 {unit}" in every.text())
    assert "seconds" not in every.text() and not editor.save_button.isEnabled()
    # beside Save in the same words (it said "must be a positive number of seconds, got 0"
    # while the field said minutes: a second run-through)
    hint = editor.hint.accessibleName()
    assert f"Every must be more than 0 {unit}" in hint and "seconds" not in hint, hint
    assert editor.grab().save(str(SCREENSHOTS / "editor-every-zero.png"))
    qtbot.keyClick(number, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(number, "5")
    gui.wait_until(editor.save_button.isEnabled)

    go(editor, qtbot, "Environment & secrets")
    click(qtbot, editor.env.add_button)
    row = editor.env.rows[0]
    gui.wait_until(lambda: row.isVisible() and row.name.hasFocus())
    qtbot.keyClick(row.name, Qt.Key.Key_Tab)
    qtbot.keyClicks(QApplication.focusWidget(), "fast")
    assert row.value.text() == "fast"
    env = editor.env.errors["env"][0]
    gui.wait_until(lambda: "A variable has a value but no name: type its NAME" in env.text())
    assert "''" not in env.text() and not editor.save_button.isEnabled()
    editor.discard()
