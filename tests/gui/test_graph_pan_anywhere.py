"""The graph's hint said only “drag the background to pan”: among hundreds of tasks there is
no background in sight, and a left drag from one task to another made the second wait for
the first. The hint now says the middle button pans from anywhere, and it does, adding no
dependency."""

from __future__ import annotations

from typing import Any

from app.gui.qt import QPointF, Qt
from tests.gui.conftest import SCREENSHOTS, Gui, command_task
from tests.gui.test_graph import node_centre


def test_the_middle_button_pans_from_a_task_and_the_hint_says_so(gui: Gui, qtbot: Any) -> None:
    ids = [gui.service.create_task(command_task(f"job {k:03d}")).id for k in range(40)]
    qtbot.keyClick(gui.window, Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)
    view = gui.window.graph_view
    gui.wait_until(lambda: view.loaded and not view.loading and len(view.canvas.rects) == 40)
    gui.settle()
    assert "middle button" in view.hint.text()
    canvas = view.canvas
    start, end = node_centre(view, ids[0]), node_centre(view, ids[1])
    before = QPointF(canvas.offset)
    qtbot.mousePress(canvas, Qt.MouseButton.MiddleButton, pos=start)
    for step in range(1, 6):
        qtbot.mouseMove(canvas, start + (end - start) * (step / 5))
    qtbot.mouseRelease(canvas, Qt.MouseButton.MiddleButton, pos=end)
    gui.quiet()
    assert canvas.offset != before
    assert not canvas.edges and view.count.text() == "40 tasks, 0 dependencies"
    assert gui.window.grab().save(str(SCREENSHOTS / "graph-pan-hint.png"))
