"""The Graph view by keyboard alone: with the canvas focused the arrow keys select a task
(the first, then the nearest that way), the selected task is scrolled into view, the
window's Edit and Run now follow it as they do a click, and Enter opens its editor."""

from __future__ import annotations

from typing import Any

from app.gui.qt import QRectF, Qt
from tests.gui.conftest import SCREENSHOTS, Gui, closed
from tests.gui.test_graph import _pipeline, _show_graph
from tests.gui.test_keys_after_a_dialog import cancel_when_it_has_the_keys


def shown(canvas: Any, task_id: int) -> bool:
    """Whether the task's box is wholly on the canvas."""
    rect = canvas.rects[task_id]
    box = QRectF(canvas.to_view(rect.topLeft()), canvas.to_view(rect.bottomRight()))
    return QRectF(canvas.rect()).contains(box)


def test_arrow_keys_select_tasks_and_enter_opens_the_editor(gui: Gui) -> None:
    ids = _pipeline(gui)
    view = _show_graph(gui)
    canvas, ops = view.canvas, gui.window.task_ops
    canvas.setFocus()
    gui.wait_until(canvas.hasFocus)
    assert canvas.selected == -1 and not ops.run_now.isEnabled()

    gui.qtbot.keyClick(canvas, Qt.Key.Key_Right)  # none selected: the first task
    assert canvas.selected == ids["Fetch"]
    gui.wait_until(lambda: ops.edit.isEnabled() and ops.run_now.isEnabled())
    gui.qtbot.keyClick(canvas, Qt.Key.Key_Right)
    assert canvas.selected == ids["Transform"]
    gui.qtbot.keyClick(canvas, Qt.Key.Key_Right)
    assert canvas.selected == ids["Load"]
    gui.qtbot.keyClick(canvas, Qt.Key.Key_Right)  # nothing further right: it stays
    assert canvas.selected == ids["Load"]
    gui.qtbot.keyClick(canvas, Qt.Key.Key_Left)
    assert canvas.selected == ids["Transform"]

    # zoomed in on one corner, the task an arrow selects is scrolled into view
    for _ in range(6):
        view.zoom_in.click()
    assert not shown(canvas, ids["Fetch"])
    gui.qtbot.keyClick(canvas, Qt.Key.Key_Left)
    assert canvas.selected == ids["Fetch"]
    assert shown(canvas, ids["Fetch"])
    gui.settle()
    SCREENSHOTS.mkdir(exist_ok=True)
    view.grab().save(str(SCREENSHOTS / "graph-keyboard.png"))
    assert ops.run_now.isEnabled()

    gui.qtbot.keyClick(canvas, Qt.Key.Key_Return)
    gui.wait_until(lambda: getattr(ops, "editor", None) is not None)
    editor = ops.editor
    gui.wait_until(lambda: editor.isVisible())
    assert editor.general.name.text() == "Fetch"
    editor.discard()
    gui.wait_until(lambda: closed(editor))

    gui.qtbot.keyClick(canvas, Qt.Key.Key_Down)  # the task below, in the grid of the rest
    assert canvas.selected == ids["Audit"]
    gui.qtbot.keyClick(canvas, Qt.Key.Key_Enter, Qt.KeyboardModifier.KeypadModifier)
    gui.wait_until(lambda: ops.editor is not editor and ops.editor is not None)
    editor = ops.editor
    gui.wait_until(lambda: editor.isVisible())
    assert editor.general.name.text() == "Audit"
    editor.discard()
    gui.wait_until(lambda: closed(editor))


def test_del_on_a_task_in_the_graph_asks_to_delete_it(gui: Gui) -> None:
    """Del on the task selected in the Graph asks "Delete task", as in the table and as the
    Task menu's Delete says (Del) — it did nothing there; on a selected arrow it still
    removes only that dependency (tests/gui/test_graph.py)."""
    ids = _pipeline(gui)
    count = gui.service.count_tasks()
    view = _show_graph(gui)
    canvas, ops = view.canvas, gui.window.task_ops
    canvas.setFocus()
    gui.wait_until(canvas.hasFocus)
    gui.qtbot.keyClick(canvas, Qt.Key.Key_Right)
    assert canvas.selected == ids["Fetch"]
    gui.wait_until(ops.delete.isEnabled)
    asked = cancel_when_it_has_the_keys(gui.qtbot)
    gui.qtbot.keyClick(canvas, Qt.Key.Key_Delete)
    gui.wait_until(lambda: asked)
    assert asked == ["Delete task"]  # (cancelled)
    assert gui.service.count_tasks() == count
