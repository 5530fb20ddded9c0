"""Run now (F5) and Cancel in a window opened beside a `tickwork engine` (left by "Keep
scheduling in the background", the background service, or a terminal): the window is a
viewer, its request goes to the other process through the store, and the run starts (or
ends) at once even while that engine is busy. The request rings the home's bell
(app/store/bell.py); the busy engine polled every 0.25 s and heard nothing between. Pace
100: it polls every 25 s, so only the bell can start (or end) the run within the waits."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from app.gui.main_window import RUNS
from app.gui.qt import Qt
from tests.engine.conftest import EngineProcess, holding_engine
from tests.gui.conftest import Gui, said
from tests.support import tickwork


def _beside_a_busy_engine(gui_factory: Any, home: Path, tmp_path: Path,
                          monkeypatch: pytest.MonkeyPatch) -> tuple[Gui, EngineProcess, Any]:
    """A window, a viewer beside a `tickwork engine` at pace 100 (its polls: every 25 s)
    with a run going, which keeps it busy (it polls the store, it does not rest); and the
    run going. The caller stops the engine."""
    monkeypatch.setenv("TICKWORK_PACE", "100")
    for args in (["going", "--command", "sleep 60", "--every", "1s"],
                 ["by-hand", "--command", "sleep 1", "--manual"]):
        out = tickwork.run(["--home", str(home), "task", "add", *args], timeout=60)
        assert out.returncode == 0, out.stderr
    background = holding_engine(home, tmp_path / "engine.log")
    try:
        gui: Gui = gui_factory()
        assert gui.session.mode == "standby"
        service = gui.service
        gui.wait_until(lambda: [r for r in service.list_runs(task="going")
                                if r.status == "running"], 30)
        (going,) = [r for r in service.list_runs(task="going") if r.status == "running"]
    except BaseException:
        background.stop()
        raise
    return gui, background, going


def test_run_now_in_a_viewer_starts_the_run_of_a_busy_engine_at_once(
        gui_factory: Any, home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    gui, background, _going = _beside_a_busy_engine(gui_factory, home, tmp_path, monkeypatch)
    try:
        window = gui.window
        model, table = window.tasks_model, window.tasks_view.table
        gui.wait_until(lambda: model.rowCount() == 2)
        row = next(r for r in range(model.rowCount())
                   if model.data(model.index(r, 0)) == "by-hand")
        gui.qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton,
                             pos=table.visualRect(model.index(row, 0)).center())
        gui.wait_until(lambda: window.task_ops.run_now.isEnabled())
        gui.qtbot.keyClick(table, Qt.Key.Key_F5)
        gui.wait_until(lambda: any(r.started_at for r in gui.service.list_runs(task="by-hand")),
                       10)
        # the status bar follows it there too: "Queued 1 run: by-hand (the other engine
        # starts it)" stayed while it went and after it had ended (no run events here: the
        # store's commits)
        (run,) = gui.service.list_runs(task="by-hand")
        gui.wait_until(lambda: said(window) == f"Run {run.id} of by-hand: running.", 5)
        gui.wait_until(lambda: said(window) == f"Run {run.id} of by-hand: succeeded.", 10)
    finally:
        background.stop()


def test_cancel_in_a_viewer_ends_the_run_of_a_busy_engine_at_once(
        gui_factory: Any, home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    gui, background, going = _beside_a_busy_engine(gui_factory, home, tmp_path, monkeypatch)
    try:
        gui.window.show_view(RUNS)
        view = gui.window.runs_view
        gui.wait_until(lambda: view.select_run(going.id))
        gui.wait_until(lambda: view.detail.cancel_button.isEnabled())
        gui.qtbot.mouseClick(view.detail.cancel_button, Qt.MouseButton.LeftButton)
        gui.wait_until(lambda: gui.service.get_run(going.id).status == "cancelled", 10)
    finally:
        background.stop()
