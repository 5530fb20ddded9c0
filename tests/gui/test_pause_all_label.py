"""Engine › Pause all tasks, chosen while another view was in front, left Task › Pause
reading “Pause” for the selected task once back in Tasks, though it showed “paused”; a
click on it then resumed the task (“Resumed 1 task.”). The entry reads Resume after a
pause of every task, whichever view was in front."""

from __future__ import annotations

from typing import Any

from app.gui.qt import QApplication, Qt
from tests.gui.conftest import Gui, click_row, command_task


def _key(gui: Gui, key: Qt.Key) -> None:
    gui.window.activateWindow()
    gui.wait_until(lambda: QApplication.activeWindow() is gui.window)
    gui.qtbot.keyClick(gui.window, key, Qt.KeyboardModifier.ControlModifier)


def _pause_all_from(gui: Gui, view_key: Qt.Key) -> None:
    """Select “Alpha” in Tasks, pause every task with the view of `view_key` in front, go
    back to Tasks: Task › Pause must read Resume."""
    s = gui.service
    view, ops = gui.window.tasks_view, gui.window.task_ops
    gui.wait_until(lambda: view.model.rowCount() == 2)
    click_row(gui.qtbot, view.table, 0)
    gui.wait_until(lambda: ops.pause.isEnabled() and ops.pause.text() == "&Pause")
    _key(gui, view_key)
    assert not view.model.active  # (a hidden table reads its rows again once shown)
    ops.pause_all.trigger()  # Engine › Pause all tasks
    gui.wait_until(lambda: not any(t.spec.enabled for t in s.list_tasks()))
    gui.quiet()  # (the engine's own word of the change heard before going back)
    _key(gui, Qt.Key.Key_1)
    gui.wait_until(lambda: view.model.index(0, 0).data() is not None)
    gui.quiet()
    assert [i.id for i in view.selected_items()] == [s.get_task("Alpha").id]
    assert ops.pause.text() == "Res&ume"
    assert "Resume “Alpha”" in ops.pause.toolTip()


def test_pause_all_from_another_view_turns_pause_into_resume(gui: Gui, qtbot: Any) -> None:
    for name in ("Alpha", "Beta"):
        gui.service.create_task(command_task(name, schedule={"kind": "interval",
                                                              "seconds": 3600}))
    _pause_all_from(gui, Qt.Key.Key_5)  # Metrics in front

