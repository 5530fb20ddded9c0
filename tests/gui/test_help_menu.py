"""The Help menu had only “About”. It has the user guide (F1) and the keyboard shortcuts,
both offline: the shortcuts read from the menus' own actions (a key changed is a key listed),
the guide by section (tests/gui/test_user_guide.py)."""

from __future__ import annotations

from typing import Any

from app.gui.qt import QApplication, QKeySequence, Qt
from app.gui.window.help_windows import GuideDialog, ShortcutsDialog
from tests.gui.conftest import SCREENSHOTS, Gui


def _help_entry(gui: Gui, qtbot: Any, letter: Qt.Key) -> None:
    """Alt+H, then an entry's letter, as a person opens it."""
    window = gui.window
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Help")
    qtbot.keyClick(window, Qt.Key.Key_H, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: QApplication.activePopupWidget() is menu)
    assert [a.text() for a in menu.actions() if not a.isSeparator()] == [
        "&User guide", "&Keyboard shortcuts", "&About Tickwork"]
    qtbot.keyClick(menu, letter)


def _rows(dialog: ShortcutsDialog) -> list[tuple[str, str, str]]:
    table = dialog.table
    return [(table.item(r, 0).text(), table.item(r, 1).text(), table.item(r, 2).text())
            for r in range(table.rowCount())]


def test_keyboard_shortcuts_lists_the_menus_keys_as_they_are(gui: Gui, qtbot: Any) -> None:
    _help_entry(gui, qtbot, Qt.Key.Key_K)
    dialog = gui.window.findChild(ShortcutsDialog)
    assert dialog is not None
    qtbot.waitUntil(dialog.isVisible)
    rows = _rows(dialog)
    for row in [("File", "Quit", "Ctrl+Q"), ("File", "Settings…", "Ctrl+,"),
                ("View", "Find task…", "Ctrl+F"), ("View", "Audit", "Ctrl+6"),
                ("Help", "User guide", "F1")]:
        assert row in rows, rows
    assert all(keys for _, _, keys in rows)
    assert [row[1] for row in rows].count("New task…") == 1  # in File and Task: said once
    assert dialog.grab().save(str(SCREENSHOTS / "help-shortcuts.png"))
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not dialog.isVisible())

    view = next(a.menu() for a in gui.window.menuBar().actions() if a.text() == "&View")
    find = next(a for a in view.actions() if a.text() == "&Find task…")
    find.setShortcut(QKeySequence("Ctrl+Shift+F"))  # a key changed is a key listed
    _help_entry(gui, qtbot, Qt.Key.Key_K)
    qtbot.waitUntil(dialog.isVisible)
    assert ("View", "Find task…", "Ctrl+Shift+F") in _rows(dialog)
    assert ("View", "Find task…", "Ctrl+F") not in _rows(dialog)


def test_the_user_guide_opens_again_from_the_menu_as_the_same_window(gui: Gui, qtbot: Any
                                                                     ) -> None:
    """(What it shows: tests/gui/test_user_guide.py.)"""
    qtbot.keyClick(gui.window, Qt.Key.Key_F1)
    dialog = gui.window.findChild(GuideDialog)
    assert dialog is not None
    qtbot.waitUntil(dialog.isVisible)
    dialog.contents.setFocus()
    qtbot.keyClick(dialog.contents, Qt.Key.Key_Home)  # another section, by the keys
    assert dialog.page.toPlainText().startswith("Tickwork user guide")
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    _help_entry(gui, qtbot, Qt.Key.Key_U)  # the menu's entry shows the same window again
    qtbot.waitUntil(dialog.isVisible)
    assert gui.window.findChildren(GuideDialog) == [dialog]
