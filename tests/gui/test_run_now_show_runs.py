"""Run now (F5), then Show runs (Ctrl+R): the Runs view opened for the task selects the run
just started, its details shown; they said "Select a run…" over its one row (a person's
run-through). Emptied details keep no colour of the run shown before (a green "—")."""

from __future__ import annotations

from app.gui.qt import QPalette, Qt
from app.gui.widgets import display
from tests.gui.conftest import SCREENSHOTS, Gui, command_task


def test_show_runs_after_run_now_selects_the_new_run(gui: Gui) -> None:
    s = gui.service
    s.create_task(command_task("kbd task", ["sh", "-c", "echo kbd"]))
    s.create_task(command_task("other", ["true"]))
    earlier = s.run_now("kbd task")  # not started here: not the one selected
    gui.wait_until(lambda: s.get_run(earlier.id).status == "succeeded", 30)
    window = gui.window
    window.resize(800, 600)
    window.activateWindow()
    tasks = window.tasks_view
    model = window.tasks_model
    gui.wait_until(lambda: model.rowCount() == 2)
    row = next(r for r in range(model.rowCount())
               if model.data(model.index(r, 0)) == "kbd task")
    table = tasks.table
    gui.qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton,
                         pos=table.visualRect(model.index(row, 0)).center())
    gui.wait_until(lambda: window.task_ops.run_now.isEnabled())
    gui.qtbot.keyClick(table, Qt.Key.Key_F5)  # Run now, then at once Show runs
    gui.qtbot.keyClick(table, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    view = window.runs_view
    gui.wait_until(lambda: window.current_view() == 3)
    gui.wait_until(lambda: view.detail.run is not None and view.detail.run.id != earlier.id)
    started = view.detail.run
    assert started is not None and started.task_name == "kbd task"
    selected = [i.row() for i in view.table.selectionModel().selectedRows()]
    assert selected == [view.model.row_of(started.id)]
    gui.wait_until(lambda: "kbd" in view.detail.output_text())
    gui.quiet()
    # the task's name, put in the filter by Show runs, pops up no list of names over the
    # runs: it was not typed (the names, read as the view first opened, came after it and
    # took it for a name typed meanwhile: the list stayed there until Esc)
    assert view.task.text() == "kbd task"
    assert not view.task.completer().popup().isVisible()
    statuses = view.model
    assert {statuses.data(statuses.index(r, 2)) for r in range(statuses.rowCount())} \
        == {"succeeded"}
    assert window.grab().save(str(SCREENSHOTS / "run-now-show-runs.png"))

    # a filter that lists nothing: the details are emptied, the Status "—" in plain text
    status = view.detail.fields["Status"]
    assert status.palette().color(QPalette.ColorRole.WindowText) == \
        display.status_colour("succeeded")
    view.task.setFocus()
    view.task.selectAll()
    gui.qtbot.keyClicks(view.task, "nothing by this name")
    gui.qtbot.keyClick(view.task, Qt.Key.Key_Return)
    gui.wait_until(lambda: view.model.ever_loaded and view.model.rowCount() == 0)
    gui.wait_until(lambda: view.detail.run is None)
    assert status.text() == "—"
    assert status.palette().color(QPalette.ColorRole.WindowText) == \
        view.detail.palette().color(QPalette.ColorRole.WindowText)
