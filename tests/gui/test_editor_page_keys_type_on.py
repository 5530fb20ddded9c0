"""Keyboard only: a name, Ctrl+PgDown, the command typed at once lands in Command. (The
cursor went to the “Run a command” choice above it, and the command typed went nowhere:
the Action page still said “To fill in”.) With “Call a Python function” chosen, the
function's field is the one."""

from __future__ import annotations

from app.gui.qt import QApplication, Qt
from tests.gui.conftest import Gui
from tests.gui.editing import new_editor

CTRL = Qt.KeyboardModifier.ControlModifier


def test_the_command_typed_after_ctrl_pgdown_is_the_command(gui: Gui) -> None:
    editor = new_editor(gui)
    qtbot = gui.qtbot
    gui.wait_until(lambda: QApplication.activeWindow() is editor)
    gui.wait_until(lambda: editor.focusWidget() is editor.general.name)
    qtbot.keyClicks(editor.general.name, "greet")
    qtbot.keyClick(editor.focusWidget(), Qt.Key.Key_PageDown, CTRL)
    assert editor.stack.currentIndex() == editor.pages.index(editor.action)
    qtbot.keyClicks(editor.focusWidget(), "echo hi")
    assert editor.action.command.text() == "echo hi"

    qtbot.mouseClick(editor.action.is_python, Qt.MouseButton.LeftButton)
    qtbot.keyClick(editor.focusWidget(), Qt.Key.Key_PageUp, CTRL)  # General, and back
    qtbot.keyClick(editor.focusWidget(), Qt.Key.Key_PageDown, CTRL)
    qtbot.keyClicks(editor.focusWidget(), "json:dumps")
    assert editor.action.target.text() == "json:dumps"
    editor.discard()
