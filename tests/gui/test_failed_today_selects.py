"""A click on the status bar's "failed today" shows the failure, not only the list of them:
the newest failure is selected and its detail and output shown (the list came filtered with
nothing selected, the log pane empty: a person's week under X)."""

from __future__ import annotations

from app.gui.main_window import RUNS
from app.gui.qt import Qt
from tests.gui.conftest import SCREENSHOTS, Gui, command_task


def test_a_click_on_failed_today_shows_the_newest_failure_and_its_log(gui: Gui) -> None:
    s = gui.service
    s.create_task(command_task("older", ["sh", "-c", "echo first broke; exit 3"]))
    s.create_task(command_task("newer", ["sh", "-c", "echo second broke; exit 4"]))
    s.create_task(command_task("fine"))
    def ended(name: str) -> bool:
        return [r.status for r in s.list_runs(0, 1, task=name)] in (["failed"], ["succeeded"])

    for name in ("older", "newer", "fine"):
        s.run_now(name)  # one after the other: "newer" fails last
        gui.wait_until(lambda: ended(name), 30)  # noqa: B023 (waited for here)
    status = gui.window.status
    gui.quiet()
    gui.wait_until(lambda: status.failures.text() == "2 failed today")

    gui.qtbot.mouseClick(status.failures, Qt.MouseButton.LeftButton)
    view = gui.window.runs_view
    gui.wait_until(lambda: gui.window.current_view() == RUNS)
    gui.wait_until(lambda: view.model.rowCount() == 2)
    gui.wait_until(lambda: view.detail.run is not None, 10)
    assert view.detail.run is not None and view.detail.run.task_name == "newer"
    rows = view.table.selectionModel().selectedRows()
    assert [view.model.rows[i.row()].task_name for i in rows] == ["newer"]
    gui.wait_until(lambda: "second broke" in view.detail.log.toPlainText(), 10)
    assert view.detail.title.text().endswith("of newer")
    gui.quiet()
    assert gui.window.grab().save(str(SCREENSHOTS / "runs-failed-today-selected.png"))
