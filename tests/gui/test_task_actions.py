"""The task actions as a person meets them on the toolbar: they follow the state of the task
at once (Pause turns into Resume on the click that paused it) and act on what the view in
front has selected — a run's task in Runs, the node in Graph, nothing in Metrics."""

from __future__ import annotations

from typing import Any

from app.gui.qt import QApplication, Qt
from tests.gui.conftest import Gui, answer_question, click_row, command_task
from tests.gui.test_graph import node_centre


def _toolbar_button(gui: Gui, action: Any) -> Any:
    return gui.window.toolbar.widgetForAction(action)


def _key(gui: Gui, key: Qt.Key) -> None:
    """Ctrl+key in the window (shortcuts reach the active window only)."""
    gui.window.activateWindow()
    gui.wait_until(lambda: QApplication.activeWindow() is gui.window)
    gui.qtbot.keyClick(gui.window, key, Qt.KeyboardModifier.ControlModifier)


def test_pause_button_label_flips_on_each_click(gui: Gui) -> None:
    gui.service.create_task(command_task("Backup", schedule={"kind": "interval",
                                                             "seconds": 3600}))
    view, ops = gui.window.tasks_view, gui.window.task_ops
    gui.wait_until(lambda: view.model.rowCount() == 1)
    click_row(gui.qtbot, view.table, 0)
    assert ops.pause.text() == "&Pause" and ops.pause.isEnabled()
    button = _toolbar_button(gui, ops.pause)
    for enabled, label in ((False, "Res&ume"), (True, "&Pause"), (False, "Res&ume")):
        gui.qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        gui.wait_until(lambda e=enabled: gui.service.get_task("Backup").spec.enabled == e)
        gui.wait_until(lambda lbl=label: ops.pause.text() == lbl)
        assert button.text().replace("&", "") == label.replace("&", "")
    assert "Resume “Backup”" in ops.pause.toolTip()


def test_actions_follow_the_view_in_front(gui: Gui) -> None:
    s = gui.service
    alpha = s.create_task(command_task("Alpha")).id
    beta = s.create_task(command_task("Beta")).id
    run = s.run_now("Beta")
    gui.wait_until(lambda: s.get_run(run.id).status == "succeeded")
    window, ops = gui.window, gui.window.task_ops
    tasks = window.tasks_view
    gui.wait_until(lambda: tasks.model.rowCount() == 2)
    click_row(gui.qtbot, tasks.table, tasks.model.row_of(alpha))
    assert ops.delete.isEnabled() and "“Alpha”" in ops.delete.toolTip()

    _key(gui, Qt.Key.Key_4)  # Runs: nothing selected there yet
    assert window.current_view() == 3
    assert not ops.delete.isEnabled() and not ops.pause.isEnabled()
    runs = window.runs_view
    gui.wait_until(lambda: runs.model.row_of(run.id) >= 0)
    click_row(gui.qtbot, runs.table, runs.model.row_of(run.id))
    gui.wait_until(lambda: ops.delete.isEnabled())
    assert "“Beta”" in ops.delete.toolTip()
    answer = answer_question(gui.qtbot, "Cancel")
    gui.qtbot.mouseClick(_toolbar_button(gui, ops.delete), Qt.MouseButton.LeftButton)
    gui.wait_until(lambda: answer.done)
    assert "“Beta”" in answer.text and "Alpha" not in answer.text
    assert sorted(answer.buttons or []) == ["Cancel", "Delete task"]
    assert {t.name for t in s.list_tasks()} == {"Alpha", "Beta"}

    _key(gui, Qt.Key.Key_5)  # Metrics: no task applies
    assert window.current_view() == 4, [a.text() for a in ops.task_actions() if a.isEnabled()]
    assert not any(a.isEnabled() for a in ops.task_actions())
    _key(gui, Qt.Key.Key_6)  # Audit: none either
    assert not ops.run_now.isEnabled()
    _key(gui, Qt.Key.Key_2)  # Calendar: no entry clicked
    assert not ops.edit.isEnabled()

    _key(gui, Qt.Key.Key_3)  # Graph: the node clicked
    graph = window.graph_view
    gui.wait_until(lambda: graph.loaded and beta in graph.canvas.rects)
    gui.settle()
    assert not ops.delete.isEnabled()
    gui.qtbot.mouseClick(graph.canvas, Qt.MouseButton.LeftButton, pos=node_centre(graph, beta))
    gui.wait_until(lambda: ops.pause.isEnabled())
    assert "“Beta”" in ops.pause.toolTip()
    gui.qtbot.mouseClick(_toolbar_button(gui, ops.pause), Qt.MouseButton.LeftButton)
    gui.wait_until(lambda: not s.get_task("Beta").spec.enabled)
    assert s.get_task("Alpha").spec.enabled
    gui.wait_until(lambda: ops.pause.text() == "Res&ume")

    _key(gui, Qt.Key.Key_1)  # back in Tasks, its own selection again
    assert window.current_view() == 0
    gui.wait_until(lambda: "“Alpha”" in ops.delete.toolTip())
    assert ops.pause.text() == "&Pause"


def test_in_calendar_actions_follow_the_entry_clicked(gui: Gui) -> None:
    from datetime import datetime, timedelta

    from app.core.schedule import system_timezone_name
    from tests.gui.test_calendar import show_calendar

    s = gui.service
    s.create_task(command_task("Other"))
    s.create_task(command_task("Daily report", schedule={"kind": "cron", "expr": "30 10 * * *"},
                               timezone=system_timezone_name()))
    ops = gui.window.task_ops
    tomorrow = datetime.now().astimezone().date() + timedelta(days=1)
    _key(gui, Qt.Key.Key_2)
    view = show_calendar(gui, "day", tomorrow)
    assert not ops.delete.isEnabled()
    grid = view.week.grid
    hit = grid.hit_for(lambda e: e.task_name == "Daily report" and e.predicted)
    gui.qtbot.mouseClick(grid, Qt.MouseButton.LeftButton, pos=hit.rect.center().toPoint())
    gui.wait_until(lambda: ops.delete.isEnabled())  # the click selected it: nothing opened
    assert ops.editor is None or not ops.editor.isVisible()
    assert "“Daily report”" in ops.delete.toolTip() and "“Daily report”" in ops.run_now.toolTip()
    gui.qtbot.mouseClick(view.bar.next, Qt.MouseButton.LeftButton)  # out of view: nothing applies
    gui.wait_until(lambda: not ops.delete.isEnabled())


def test_pause_label_follows_a_pause_from_the_cli(gui: Gui, cli: Any) -> None:
    """Another process pauses the task whose run is selected: the label follows."""
    s = gui.service
    s.create_task(command_task("Backup"))
    run = s.run_now("Backup")
    gui.wait_until(lambda: s.get_run(run.id).status == "succeeded")
    ops, runs = gui.window.task_ops, gui.window.runs_view
    _key(gui, Qt.Key.Key_4)
    gui.wait_until(lambda: runs.model.row_of(run.id) >= 0)
    click_row(gui.qtbot, runs.table, runs.model.row_of(run.id))
    gui.wait_until(lambda: ops.pause.isEnabled())
    assert ops.pause.text() == "&Pause"
    assert cli("task", "pause", "Backup").code == 0
    gui.wait_until(lambda: ops.pause.text() == "Res&ume")
    assert cli("task", "resume", "Backup").code == 0
    gui.wait_until(lambda: ops.pause.text() == "&Pause")
