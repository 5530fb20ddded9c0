"""Re-run in a run's details: the new run is the one selected, its output and Cancel run
shown. (A person who re-ran a cancelled run kept looking at the cancelled one, Cancel run
greyed out, and had to find the new run in the list to stop it.)"""

from __future__ import annotations

from app.gui.qt import Qt
from tests.gui.conftest import SCREENSHOTS, Gui, click_row, command_task


def test_rerun_selects_the_new_run_and_it_can_be_cancelled_at_once(gui: Gui) -> None:
    s = gui.service
    s.create_task(command_task("slow", ["sh", "-c", "echo going; sleep 60"]))
    first = s.run_now("slow")
    gui.wait_until(lambda: s.get_run(first.id).status == "running", 30)
    s.cancel_run(first.id)
    gui.wait_until(lambda: s.get_run(first.id).status == "cancelled", 30)
    window = gui.window
    window.resize(800, 560)
    window.activateWindow()
    gui.qtbot.keyClick(window, Qt.Key.Key_4, Qt.KeyboardModifier.ControlModifier)  # Runs
    view = window.runs_view
    gui.wait_until(lambda: view.model.row_of(first.id) >= 0)
    click_row(gui.qtbot, view.table, view.model.row_of(first.id))
    detail = view.detail
    gui.wait_until(lambda: detail.run is not None and detail.run.id == first.id)
    assert not detail.cancel_button.isEnabled()

    gui.qtbot.mouseClick(detail.rerun_button, Qt.MouseButton.LeftButton)
    gui.wait_until(lambda: detail.run is not None and detail.run.id != first.id, 30)
    again = detail.run
    assert again is not None and again.task_name == "slow"
    selected = [i.row() for i in view.table.selectionModel().selectedRows()]
    assert selected == [view.model.row_of(again.id)]
    gui.wait_until(lambda: "going" in detail.output_text(), 30)
    gui.wait_until(lambda: detail.cancel_button.isEnabled())
    assert window.grab().save(str(SCREENSHOTS / "runs-rerun-selected.png"))

    gui.qtbot.mouseClick(detail.cancel_button, Qt.MouseButton.LeftButton)
    gui.wait_until(lambda: s.get_run(again.id).status == "cancelled", 30)
