"""Help › Keyboard shortcuts lists the task editor's keys too, as a person looked for them
keyboard-only under X: the list had the menus' keys only, so Ctrl+Return (save from any
field) and Ctrl+PgDown / Ctrl+PgUp (the editor's pages) were found only by trying. The keys
listed are the keys that work: pressed as read from the list, they step the pages."""

from __future__ import annotations

from typing import Any

from app.gui.qt import QApplication, QKeySequence, Qt
from app.gui.window.help_windows import ShortcutsDialog
from tests.gui.conftest import Gui
from tests.gui.editing import new_editor
from tests.gui.test_help_menu import _help_entry, _rows


def test_the_shortcuts_list_the_editors_keys_and_they_work(gui: Gui, qtbot: Any) -> None:
    _help_entry(gui, qtbot, Qt.Key.Key_K)
    dialog = gui.window.findChild(ShortcutsDialog)
    assert dialog is not None
    qtbot.waitUntil(dialog.isVisible)
    listed = {command: keys for menu, command, keys in _rows(dialog) if menu == "Task editor"}
    assert listed == {"Save or create": "Ctrl+Return", "Next page": "Ctrl+Tab, Ctrl+PgDown",
                      "Previous page": "Ctrl+Shift+Tab, Ctrl+PgUp"}, listed
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not dialog.isVisible())

    editor = new_editor(gui)
    editor.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is editor)
    start = editor.stack.currentIndex()
    for keys, step in ((listed["Next page"], 1), (listed["Previous page"], -1)):
        for key in keys.split(", "):
            before = editor.stack.currentIndex()
            focused = QApplication.focusWidget() or editor
            qtbot.keySequence(focused, QKeySequence(key))
            qtbot.waitUntil(lambda b=before, s=step: editor.stack.currentIndex()
                            == (b + s) % editor.stack.count())
    assert editor.stack.currentIndex() == start
    editor.discard()
