"""Home, End, Ctrl+Home and Ctrl+End in the task table move the current row and the
selection together, so Delete acts on the row the outline is on (found keyboard-only in the
real window: Home and End did nothing, Ctrl+Home moved only the focus outline, and Delete
then asked to delete the task still selected further down)."""

from __future__ import annotations

from typing import Any

from app.gui.qt import QApplication, Qt
from tests.gui.conftest import SCREENSHOTS, Gui, answer_question, command_task


def _on(gui: Gui) -> tuple[list[str], int]:
    """The names selected and the current row."""
    view = gui.window.tasks_view
    return [i.task.name for i in view.selected_items()], view.table.currentIndex().row()


def test_home_and_end_move_the_selection_with_the_current_row(gui: Gui, qtbot: Any) -> None:
    window = gui.window
    for name in ("alpha", "bravo", "charlie", "delta"):
        gui.service.create_task(command_task(name))
    gui.wait_until(lambda: window.tasks_model.total == 4)
    gui.quiet()
    view = window.tasks_view
    table = view.table
    names = [window.tasks_model.index(r, 0).data() for r in range(4)]
    assert view.select_task(gui.service.get_task(names[2]).id, focus=True)
    window.activateWindow()
    gui.wait_until(lambda: QApplication.focusWidget() is table)
    ctrl = Qt.KeyboardModifier.ControlModifier
    for key, modifier, row in ((Qt.Key.Key_Home, Qt.KeyboardModifier.NoModifier, 0),
                               (Qt.Key.Key_End, Qt.KeyboardModifier.NoModifier, 3),
                               (Qt.Key.Key_Home, ctrl, 0), (Qt.Key.Key_End, ctrl, 3),
                               (Qt.Key.Key_Home, ctrl, 0)):
        qtbot.keyClick(table, key, modifier)
        assert _on(gui) == ([names[row]], row), (key, modifier)
    window.grab().save(str(SCREENSHOTS / "tasks-ctrl-home.png"))
    answer = answer_question(qtbot, "Delete task")
    qtbot.keyClick(table, Qt.Key.Key_Delete)  # the task outlined, first in the list
    gui.wait_until(lambda: answer.done and window.tasks_model.total == 3)
    assert f"“{names[0]}”" in answer.text
    assert {t.name for t in gui.service.list_tasks()} == set(names[1:])
