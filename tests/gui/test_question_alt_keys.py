"""Keyboard only, the questions' buttons answer to Alt and a letter, as the editor's do:
Alt+D deletes in “Delete task” (“Delete anyway” had no letter: Tab, Tab, Space), and Alt+D
discards a changed history default in Settings' “Save the history default?”."""

from __future__ import annotations

from typing import Any

import pytest

from app.gui.qt import QApplication, QMessageBox, Qt, QTimer
from tests.gui.conftest import Gui, click_row, closed, command_task, open_settings

ALT = Qt.KeyboardModifier.AltModifier


def _press_on_box(gui: Gui, key: Any, seen: list[list[str]]) -> None:
    """When a question shows (it blocks in `exec()`), note its buttons and press Alt+key."""
    def act() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox) or not box.isVisible():
            QTimer.singleShot(20, act)
            return
        if not box.isActiveWindow():  # (a key goes to the active window, as a person's)
            box.activateWindow()
            QTimer.singleShot(20, act)
            return
        seen.append([b.text() for b in box.buttons()])
        gui.qtbot.keyClick(box, key, ALT)
        # the key unheard: the question goes, not the test's wait (the box as the timer's
        # context: once the box is gone, the call is dropped, not made in a later test)
        QTimer.singleShot(1000, box, lambda: box.reject() if box.isVisible() else None)
    QTimer.singleShot(20, act)


def test_alt_d_deletes_a_task_others_need(gui: Gui) -> None:
    s = gui.service
    s.create_task(command_task("A"))
    s.create_task(command_task("B", schedule={"kind": "after", "tasks": ["A"]}))
    view = gui.window.tasks_view
    gui.wait_until(lambda: view.model.rowCount() == 2)
    click_row(gui.qtbot, view.table, 0)
    seen: list[list[str]] = []
    _press_on_box(gui, Qt.Key.Key_D, seen)
    gui.qtbot.keyClick(view.table, Qt.Key.Key_Delete)
    gui.wait_until(lambda: bool(seen))
    assert "&Delete anyway" in seen[0]
    gui.wait_until(lambda: s.count_tasks() == 1)
    assert s.get_task("B").spec.schedule.kind == "manual"


@pytest.mark.usefixtures("no_user_bus")
def test_alt_d_discards_a_changed_history_default(gui: Gui) -> None:
    qtbot = gui.qtbot
    dialog = open_settings(gui)
    days = dialog.keep_days
    days.setFocus()
    days.selectAll()
    qtbot.keyClicks(days, "7")
    seen: list[list[str]] = []
    _press_on_box(gui, Qt.Key.Key_D, seen)
    qtbot.keyClick(days, Qt.Key.Key_Escape)
    gui.wait_until(lambda: bool(seen))
    assert {"&Save", "&Discard"} <= set(seen[0])
    gui.wait_until(lambda: closed(dialog))
    from app.settings import keep_default
    assert keep_default(gui.store).days == 90
