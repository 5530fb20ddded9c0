"""The graph's “Task name” field with “Whole graph” shown: typing a name and pressing Enter
did nothing, so among 300 tasks a person could not find one. It now selects the task and
centres it (at a readable zoom); with a scope chosen the named task is selected; an unknown
name is said in the banner, whatever the scope."""

from __future__ import annotations

from typing import Any

from app.gui.qt import Qt
from tests.gui.conftest import SCREENSHOTS, Gui, command_task
from tests.gui.test_graph import _pipeline


def test_a_name_typed_over_the_whole_graph_selects_and_centres_it(gui: Gui, qtbot: Any) -> None:
    ids = _pipeline(gui)
    jobs = [gui.service.create_task(command_task(f"nightly job {k:03d}")).id for k in range(60)]
    gui.window.resize(1200, 800)
    qtbot.keyClick(gui.window, Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)
    view = gui.window.graph_view
    gui.wait_until(lambda: view.loaded and not view.loading and len(view.canvas.rects) == 64)
    gui.settle()
    canvas = view.canvas
    assert view.scope.currentData() == "all" and canvas.scale < 0.8

    qtbot.mouseClick(view.task, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(view.task, "nightly job 042")
    qtbot.keyClick(view.task, Qt.Key.Key_Return)
    target = jobs[42]
    gui.wait_until(lambda: canvas.selected == target)
    gui.settle()
    qtbot.wait(20)
    assert gui.window.grab().save(str(SCREENSHOTS / "graph-find.png"))
    centre = canvas.to_view(canvas.rects[target].center())
    assert abs(centre.x() - canvas.width() / 2) < 2 and abs(centre.y() - canvas.height() / 2) < 2
    assert canvas.scale >= 0.8
    assert len(canvas.rects) == 64  # still the whole graph

    view.task.selectAll()
    qtbot.keyClicks(view.task, "Transform")
    view.scope.setFocus()
    qtbot.keyClick(view.scope, Qt.Key.Key_Down)  # upstream and downstream of it
    gui.wait_until(lambda: set(canvas.rects) == {ids["Fetch"], ids["Transform"], ids["Load"]})
    gui.wait_until(lambda: canvas.selected == ids["Transform"])

    view.task.setFocus()
    view.task.selectAll()
    qtbot.keyClicks(view.task, "no such task")
    qtbot.keyClick(view.task, Qt.Key.Key_Return)
    gui.wait_until(lambda: view.banner.isVisible())
    assert "No task named “no such task”" in view.banner.text()
