"""Another engine holds the store: the window is a viewer that still edits, refreshes from
the store, says so in the status bar, and takes over when that engine goes."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from app.gui.main_window import RUNS
from app.gui.qt import Qt
from app.store.lock import EngineLock
from tests.engine.conftest import holding_engine
from tests.gui.conftest import SCREENSHOTS, Gui, command_task, said


def test_viewer_of_another_engine_then_takes_over(gui_factory: Any, home: Path, cli: Any,
                                                  qtbot: Any) -> None:
    home.mkdir(parents=True, exist_ok=True)
    other = EngineLock(home)
    assert other.try_acquire("another engine")
    gui: Gui = gui_factory()
    try:
        assert gui.session.mode == "standby"
        status = gui.window.status.engine.text()
        assert status == (f"● Scheduling is done by another engine (process {os.getpid()}); "
                          "this window shows its work"), status
        assert "holds this store" not in said(gui.window)  # said once, whole
        assert "shows and edits them" in gui.window.status.engine.toolTip()
        # an edit made by another process shows up through the data_version poll
        assert cli("task", "add", "from-cli", "--command", "echo hi", "--every",
                   "1h").code == 0
        gui.wait_until(lambda: any(r.task.name == "from-cli"
                                   for r in gui.window.tasks_model.rows))
        # this window still edits through the store; the holder's engine would run it
        gui.window.task_ops.operations.run_tasks([gui.service.get_task("from-cli").id])
        gui.wait_until(lambda: said(gui.window) == (
            "Queued 1 run: from-cli (the other engine starts it)"))  # short: beside the label
        gui.window.show_view(RUNS)
        gui.wait_until(lambda: gui.window.runs_model.rowCount() == 1)
        assert gui.window.runs_model.rows[0].status == "queued"
    finally:
        other.release()
    gui.wait_until(lambda: gui.session.mode == "running", 10)
    gui.wait_until(lambda: "Engine running" in gui.window.status.engine.text())
    assert any(e.note.title == "This window's engine took over"
               for e in gui.window.notifications.entries())
    # the engine that took over adopts the queued manual run
    gui.wait_until(lambda: gui.window.runs_model.rows[0].status == "succeeded", 15)


def test_a_viewer_tails_the_output_of_another_engines_run(gui_factory: Any, home: Path,
                                                          tmp_path: Path, qtbot: Any) -> None:
    """A `tickwork engine` runs the task; this window only reads the store, yet the selected
    running run's output grows in its detail as the other engine stores it, to the end."""
    background = holding_engine(home, tmp_path / "engine.log")
    try:
        gui: Gui = gui_factory()
        assert gui.session.mode == "standby"
        gui.service.create_task(command_task(
            "Ticker", ["sh", "-c", "for i in $(seq 0 24); do echo tick $i; sleep 0.2; done"]))
        gui.window.task_ops.operations.run_tasks([gui.service.get_task("Ticker").id])
        qtbot.keyClick(gui.window, Qt.Key.Key_4, Qt.KeyboardModifier.ControlModifier)
        table = gui.window.runs_view.table
        gui.wait_until(lambda: gui.window.runs_model.rowCount() == 1
                       and gui.window.runs_model.rows[0].status == "running", 15)
        qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton,
                         pos=table.visualRect(gui.window.runs_model.index(0, 1)).center())
        detail = gui.window.runs_view.detail
        gui.wait_until(lambda: "tick 0" in detail.output_text())
        first = detail.output_text().count("tick")
        # more ticks arrive while the run still goes, without selecting it again
        gui.wait_until(lambda: detail.output_text().count("tick") >= first + 5, 10)
        assert gui.window.runs_model.rows[0].status == "running"
        gui.window.grab().save(str(SCREENSHOTS / "viewer-tails-output.png"))
        gui.wait_until(lambda: gui.window.runs_model.rows[0].status == "succeeded", 20)
        gui.wait_until(lambda: "tick 24" in detail.output_text())
        lines = [line for line in detail.output_text().splitlines() if line.startswith("tick")]
        assert lines == [f"tick {i}" for i in range(25)]  # nothing twice, nothing lost
    finally:
        background.stop()
