"""A drag from task to task adds a dependency at once, without a question (removing one
asks), so a drag meant to pan made a task wait for another with one status-bar line to say
so. The line says Ctrl+Z undoes it, and Ctrl+Z does, through the service (audited); a drag
that added nothing leaves nothing to undo."""

from __future__ import annotations

from app.gui.qt import Qt
from tests.gui.conftest import Gui, said
from tests.gui.test_graph import _drag, _pipeline, _show_graph


def test_ctrl_z_takes_back_the_dependency_a_drag_just_added(gui: Gui) -> None:
    ids = _pipeline(gui)
    view = _show_graph(gui)
    canvas = view.canvas
    _drag(gui, view, ids["Audit"], ids["Load"])
    gui.wait_until(lambda: "Audit" in gui.service.get_task("Load").spec.depends_on)
    # (said once the window hears the write: a moment after it is in the store)
    gui.wait_until(lambda: said(gui.window) == "“Load” now waits for “Audit”. Ctrl+Z undoes it.")
    gui.wait_until(lambda: len(canvas.edges) == 3)
    canvas.setFocus()
    gui.qtbot.keyClick(canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    gui.wait_until(lambda: gui.service.get_task("Load").spec.depends_on == ("Transform",))
    gui.wait_until(lambda: said(gui.window) == "Undone: “Load” no longer waits for “Audit”.")
    gui.wait_until(lambda: len(canvas.edges) == 2)
    updates = gui.service.audit_events(search="task.update")
    assert [e["target"] for e in updates[:2]] == ["Load", "Load"]  # added, then taken back
    gui.qtbot.keyClick(canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # once
    assert said(gui.window) == ("Nothing to undo: Ctrl+Z takes back the dependency a drag "
                                "just added.")
    _drag(gui, view, ids["Fetch"], ids["Transform"])  # there already: nothing added
    gui.wait_until(lambda: said(gui.window) == "“Transform” already depends on “Fetch”.")
    gui.qtbot.keyClick(canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert said(gui.window).startswith("Nothing to undo")
    assert gui.service.get_task("Transform").spec.depends_on == ("Fetch",)
