"""A new home's Runs view (a newcomer's run-through): an empty list above a pane that said
"Select a run to see its details and output.", with no run to select and not a word of where
runs come from, where the Tasks view says "No tasks yet" and how to make one. With no run at
all the pane now says so and how to start one; once a run is listed it asks for a pick again,
and a filter that lists nothing is not "no runs yet" (it says what it filtered)."""

from __future__ import annotations

from app.gui.qt import Qt
from tests.gui.conftest import SCREENSHOTS, Gui, command_task

PICK = "Select a run to see its details and output."


def test_a_home_without_runs_says_where_runs_come_from(gui: Gui) -> None:
    window = gui.window
    window.resize(800, 600)
    window.activateWindow()
    gui.qtbot.keyClick(window, Qt.Key.Key_4, Qt.KeyboardModifier.ControlModifier)  # Runs
    view = window.runs_view
    gui.wait_until(lambda: window.current_view() == 3 and view.model.ever_loaded)
    gui.quiet()
    title = view.detail.title
    assert title.text().startswith("No runs yet:"), title.text()
    assert "press F5" in title.text()
    assert title.isVisible()
    assert window.grab().save(str(SCREENSHOTS / "runs-none-yet.png"))

    # as the words say: a task selected in Tasks, F5
    gui.service.create_task(command_task("first", ["true"]))
    gui.qtbot.keyClick(window, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    tasks = window.tasks_view
    gui.wait_until(lambda: window.tasks_model.rowCount() == 1)
    table = tasks.table
    gui.qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton,
                         pos=table.visualRect(window.tasks_model.index(0, 0)).center())
    gui.wait_until(lambda: window.task_ops.run_now.isEnabled())
    gui.qtbot.keyClick(table, Qt.Key.Key_F5)
    gui.qtbot.keyClick(window, Qt.Key.Key_4, Qt.KeyboardModifier.ControlModifier)
    gui.wait_until(lambda: view.model.total == 1)
    gui.quiet()
    assert view.detail.run is None and title.text() == PICK

    view.task.setFocus()
    gui.qtbot.keyClicks(view.task, "nothing by this name")
    gui.qtbot.keyClick(view.task, Qt.Key.Key_Return)
    gui.wait_until(lambda: view.model.rowCount() == 0 and view.model.total == 0)
    gui.quiet()
    assert title.text() == PICK  # runs there are, none of this filter's (said above the list)
