"""Ctrl+Tab / Ctrl+Shift+Tab and Ctrl+PgDown / Ctrl+PgUp switch the editor's pages, as a
tabbed dialog's keys do (they did nothing: found keyboard-only in the real window); the
Description keeps Ctrl+Tab for a tab."""

from __future__ import annotations

from typing import Any

from app.gui.qt import QApplication, Qt
from tests.gui.conftest import SCREENSHOTS, Gui
from tests.gui.editing import new_editor

CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier


def test_ctrl_tab_and_ctrl_page_keys_switch_the_pages(gui: Gui, qtbot: Any) -> None:
    editor = new_editor(gui)
    gui.wait_until(lambda: QApplication.activeWindow() is editor)
    gui.wait_until(lambda: editor.focusWidget() is editor.general.name)
    titles = [p.title for p in editor.pages]

    def press(key: Any, modifiers: Any) -> str:
        qtbot.keyClick(editor.focusWidget(), key, modifiers)
        page = titles[editor.stack.currentIndex()]
        assert editor.sidebar.currentRow() == editor.stack.currentIndex()
        focused = editor.focusWidget()  # the cursor on the page shown, to type in
        assert editor.pages[editor.stack.currentIndex()].isAncestorOf(focused), page
        return page

    assert press(Qt.Key.Key_Tab, CTRL) == "Action"
    assert editor.focusWidget() is editor.action.is_command or \
        editor.action.isAncestorOf(editor.focusWidget())
    editor.grab().save(str(SCREENSHOTS / "editor-ctrl-tab.png"))
    assert press(Qt.Key.Key_Tab, CTRL) == "Schedule"
    assert press(Qt.Key.Key_PageDown, CTRL) == "Execution"
    assert press(Qt.Key.Key_PageUp, CTRL) == "Schedule"
    assert press(Qt.Key.Key_Backtab, CTRL | SHIFT) == "Action"  # as a keyboard sends it
    assert press(Qt.Key.Key_Backtab, CTRL | SHIFT) == "General"
    assert press(Qt.Key.Key_PageUp, CTRL) == titles[-1]  # round the end
    assert press(Qt.Key.Key_PageDown, CTRL) == "General"
    # from the page list the keys stay there, as it follows
    editor.sidebar.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.keyClick(editor.sidebar, Qt.Key.Key_Tab, CTRL)
    assert editor.stack.currentIndex() == 1 and editor.focusWidget() is editor.sidebar
    # the Description keeps Ctrl+Tab for a tab; Ctrl+PgDown leaves it
    editor.sidebar.setCurrentRow(0)
    editor.general.description.setFocus()
    qtbot.keyClick(editor.general.description, Qt.Key.Key_Tab, CTRL)
    assert editor.general.description.toPlainText() == "\t"
    assert editor.stack.currentIndex() == 0
    assert press(Qt.Key.Key_PageDown, CTRL) == "Action"
    editor.discard()
