"""The keyboard comes back from the menu bar after a menu entry, also when a menu was
closed with Escape first, as a person met it under X: Alt+E, Escape (changed their mind),
Alt+E, M (Resume all tasks): the tasks resumed, but the menu bar kept the keyboard with no
menu highlighted — Up and Down moved nothing, Escape did nothing, only Tab or a click got
out."""

from __future__ import annotations

from typing import Any

from app.gui.qt import QApplication, Qt
from tests.gui.conftest import Gui, command_task


def test_the_keyboard_is_back_in_the_table_after_escape_then_an_entry(
        gui: Gui, qtbot: Any) -> None:
    for name in ("alpha", "beta", "gamma"):
        gui.service.create_task(command_task(name))
    window = gui.window
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    table = window.tasks_view.table
    gui.wait_until(lambda: table.model().rowCount() == 3)
    table.setFocus()
    table.selectRow(2)
    qtbot.waitUntil(table.hasFocus)
    engine = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Engine")

    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_E, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: QApplication.activePopupWidget() is engine)
    qtbot.keyClick(engine, Qt.Key.Key_Escape)  # closed: the menu bar has the keyboard
    qtbot.waitUntil(lambda: QApplication.activePopupWidget() is None)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_E, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: QApplication.activePopupWidget() is engine)
    qtbot.keyClick(engine, Qt.Key.Key_M)  # Resume all tasks
    qtbot.waitUntil(lambda: QApplication.activePopupWidget() is None)
    qtbot.wait(50)
    window.activateWindow()  # (offscreen, the closed menu stays the active window)
    qtbot.waitUntil(window.isActiveWindow)

    assert window.focusWidget() is table, window.focusWidget()
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Up)
    assert table.currentIndex().row() == 1
