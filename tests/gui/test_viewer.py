"""Another engine holds the store: the window is a viewer that still edits, refreshes from
the store, says so in the status bar, and takes over when that engine goes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from app.gui.main_window import RUNS
from app.store.lock import EngineLock
from tests.gui.conftest import Gui


def test_viewer_of_another_engine_then_takes_over(gui_factory: Any, home: Path, cli: Any,
                                                  qtbot: Any) -> None:
    home.mkdir(parents=True, exist_ok=True)
    other = EngineLock(home)
    assert other.try_acquire("another engine")
    gui: Gui = gui_factory()
    try:
        assert gui.session.mode == "standby"
        status = gui.window.status.engine.text()
        assert "Viewer of another engine" in status and "takes over" in status
        assert "holds this store" not in gui.window.status.currentMessage()  # said once, whole
        assert "shows and edits them" in gui.window.status.engine.toolTip()
        # an edit made by another process shows up through the data_version poll
        assert cli("task", "add", "from-cli", "--command", "echo hi", "--every",
                   "1h").code == 0
        gui.wait_until(lambda: any(r.task.name == "from-cli"
                                   for r in gui.window.tasks_model.rows))
        # this window still edits through the store; the holder's engine would run it
        gui.window.task_ops.run_tasks([gui.service.get_task("from-cli").id])
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
