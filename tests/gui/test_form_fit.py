"""Wrapped text in a form is as tall as its lines: an error under the command took three
lines' height for one (Qt's hint is the height at a narrow guess of a width), leaving a gap
a person saw under Xvfb, and the rows below jumped further than the text needed."""

from __future__ import annotations

from typing import Any

from app.gui.editor.dialog import TaskEditor
from tests.gui.conftest import Gui


def test_a_one_line_error_and_note_take_one_line(gui: Gui, qtbot: Any) -> None:
    editor = TaskEditor(gui.session, None, "new", gui.window)
    editor.resize(900, 600)
    editor.show()
    qtbot.waitExposed(editor)
    editor.sidebar.setCurrentRow(1)  # Action
    action = editor.action
    qtbot.keyClicks(action.command, "tw-no-such-program --go")
    label = action.errors["command"][0]
    gui.wait_until(lambda: label.isVisible() and "not on PATH" in label.text())
    line = label.fontMetrics().lineSpacing()
    gui.wait_until(lambda: label.height() < 2 * line)
    note = action.shell_note
    gui.wait_until(lambda: note.height() < 2 * line)
    bottom = label.mapTo(action, label.rect().bottomLeft()).y()  # (in its error line's room)
    gap = action.shell.mapTo(action, action.shell.rect().topLeft()).y() - bottom
    assert gap < line, gap  # the shell box right under the error: no empty line between
    editor.grab().save("tests/screenshots/editor-error-one-line.png")
    editor.discard()
