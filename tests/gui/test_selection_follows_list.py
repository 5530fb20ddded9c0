"""What acts on a list's selection follows what the list shows: a search or a filter keeps
the selected rows it still lists and drops those it hides, so the toolbar never names a task
nobody can see and the Runs detail never shows a run the list left out."""

from __future__ import annotations

from typing import Any

from app.gui.main_window import RUNS
from app.gui.qt import Qt
from tests.gui.conftest import SCREENSHOTS, Gui, click_row, command_task
from tests.gui.editing import choose, click


def _search(gui: Gui, text: str, rows: int) -> None:
    """Type in the Tasks search box (Ctrl+A first: it replaces what was there)."""
    view = gui.window.tasks_view
    click(gui.qtbot, view.search)
    gui.qtbot.keyClick(view.search, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    if text:
        gui.qtbot.keyClicks(view.search, text)
    else:
        gui.qtbot.keyClick(view.search, Qt.Key.Key_Backspace)
    gui.wait_until(lambda: view.model.query().search == text and view.model.rowCount() == rows)
    gui.quiet()


def test_task_actions_follow_the_rows_a_search_shows(gui: Gui, qtbot: Any) -> None:
    s = gui.service
    for name, argv in (("onceler", ["true"]), ("pygreet", ["echo", "hi"]),
                       ("sleeper", ["sleep", "0"])):
        s.create_task(command_task(name, argv))
    window, view, ops = gui.window, gui.window.tasks_view, gui.window.task_ops
    button = window.toolbar.widgetForAction(ops.run_now)
    gui.wait_until(lambda: view.model.rowCount() == 3)
    click_row(qtbot, view.table, view.model.row_of(s.get_task("onceler").id))
    assert ops.run_now.isEnabled() and "“onceler”" in ops.run_now.toolTip()

    _search(gui, "sleep", 1)  # onceler is filtered out: nothing visible is selected
    assert not view.table.selectionModel().hasSelection()
    assert not ops.run_now.isEnabled() and not button.isEnabled()
    assert not ops.delete.isEnabled()
    assert "onceler" not in ops.run_now.toolTip() + ops.delete.toolTip()
    assert window.grab().save(str(SCREENSHOTS / "tasks-search-hides-selection.png"))

    _search(gui, "", 3)  # cleared: still nothing selected, and the actions say so
    assert not ops.delete.isEnabled() and "onceler" not in ops.delete.toolTip()
    click_row(qtbot, view.table, view.model.row_of(s.get_task("pygreet").id))
    _search(gui, "greet", 1)  # a search that still lists the selected task keeps it
    _search(gui, "", 3)
    pygreet = view.model.row_of(s.get_task("pygreet").id)
    assert view.table.selectionModel().isRowSelected(pygreet)  # highlighted: seen
    assert ops.delete.isEnabled() and "“pygreet”" in ops.delete.toolTip()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)  # and the click does what it says
    gui.wait_until(lambda: s.count_runs(task="pygreet") == 1)
    assert s.count_runs(task="onceler") == 0


def test_runs_detail_follows_the_filtered_list(gui: Gui, qtbot: Any) -> None:
    s = gui.service
    s.create_task(command_task("pygreet", ["true"]))
    s.create_task(command_task("badtask", ["false"]))
    runs = [s.run_now(name) for name in ("badtask", "pygreet", "badtask")]
    gui.wait_until(lambda: all(s.get_run(r.id).status in ("succeeded", "failed")
                               for r in runs))
    gui.window.show_view(RUNS)
    view, ops = gui.window.runs_view, gui.window.task_ops
    gui.wait_until(lambda: view.model.rowCount() == 3)
    good, bad = runs[1].id, runs[2].id
    click_row(qtbot, view.table, view.model.row_of(good))
    gui.wait_until(lambda: view.detail.run is not None and view.detail.run.id == good)

    view.status.setFocus()
    choose(qtbot, view.status, "failed")  # pygreet's run is filtered out
    gui.wait_until(lambda: view.model.rowCount() == 2)
    gui.quiet()
    assert view.detail.run is None
    assert view.detail.title.text() == "Select a run to see its details and output."
    assert not view.detail.rerun_button.isEnabled()
    assert not view.detail.open_button.isEnabled()
    assert not ops.run_now.isEnabled()
    assert gui.window.grab().save(str(SCREENSHOTS / "runs-filter-hides-selection.png"))

    click_row(qtbot, view.table, view.model.row_of(bad))
    gui.wait_until(lambda: view.detail.run is not None and view.detail.run.id == bad)
    choose(qtbot, view.status, None)  # "Any status" lists it still: it stays shown
    gui.wait_until(lambda: view.model.rowCount() == 3)
    gui.quiet()
    assert view.table.selectionModel().isRowSelected(view.model.row_of(bad))
    assert view.detail.run is not None and view.detail.run.id == bad
    assert view.detail.title.text() == f"Run {bad} of badtask"
    assert ops.run_now.isEnabled() and "“badtask”" in ops.run_now.toolTip()
