"""Tab from the list of views goes into the view shown, at its first field, and on through
the view in order; Shift+Tab from that field comes back to the list. Qt's own Tab skipped the
Runs view's filters (reached only by Shift+Tab from the table), the Audit view's search and
the calendar's buttons, and stayed in the list on the Tasks view (seen under Xvfb)."""

from __future__ import annotations

from typing import Any

from app.gui.main_window import AUDIT, CALENDAR, RUNS, TASKS
from app.gui.qt import QApplication, Qt
from tests.gui.conftest import Gui


def _tab_from_list(gui: Gui, qtbot: Any, view: int) -> Any:
    nav = gui.window.nav
    rect = nav.visualItemRect(nav.item(view))
    qtbot.mouseClick(nav.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    gui.wait_until(lambda: gui.window.stack.currentIndex() == view)
    assert QApplication.focusWidget() is nav
    qtbot.keyClick(nav, Qt.Key.Key_Tab)
    return QApplication.focusWidget()


def test_tab_from_the_list_reaches_each_view_s_first_field(gui: Gui, qtbot: Any) -> None:
    window = gui.window
    assert _tab_from_list(gui, qtbot, TASKS) is window.tasks_view.search
    assert _tab_from_list(gui, qtbot, AUDIT) is window.audit_view.search
    first = _tab_from_list(gui, qtbot, CALENDAR)
    assert window.calendar_view.isAncestorOf(first) and first is not window.calendar_view.month
    runs = window.runs_view
    assert _tab_from_list(gui, qtbot, RUNS) is runs.task
    stops = []
    for _ in range(4):  # on through the filters to the table, in order
        focused = QApplication.focusWidget()
        qtbot.keyClick(focused, Qt.Key.Key_Tab)
        stops.append(QApplication.focusWidget())
    assert stops[:2] == [runs.status, runs.period] and runs.table in stops
    runs.task.setFocus()
    qtbot.keyClick(runs.task, Qt.Key.Key_Tab, Qt.KeyboardModifier.ShiftModifier)
    assert QApplication.focusWidget() is window.nav
