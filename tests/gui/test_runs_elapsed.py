"""A running run's Duration said "—" in its details and nothing in the table, so a person
could not tell a run stuck for an hour from one just begun (a person in the window). It now
says its time so far, in italics in the table ("12 s") and "12 s so far" in the details,
moving on each second; once it ends, its real duration."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from app.gui.main_window import RUNS
from app.gui.qt import Qt
from app.gui.runs.model import DURATION
from tests.gui.conftest import SCREENSHOTS, Gui, click_row, command_task


def test_a_running_runs_duration_is_its_time_so_far(gui: Gui, qtbot: Any) -> None:
    gui.service.create_task(command_task("slow", ["sleep", "30"]))
    gui.window.show_view(RUNS)
    view = gui.window.runs_view
    run = gui.service.run_now("slow")
    gui.wait_until(lambda: gui.service.get_run(run.id).started_at is not None)
    started_at = gui.service.get_run(run.id).started_at
    assert isinstance(started_at, datetime)
    later = {"s": 12}
    view.model.elapsed.now = lambda: started_at + timedelta(seconds=later["s"])
    gui.wait_until(lambda: view.model.rowCount() == 1
                   and view.model.index(0, DURATION).data() == "12 s")
    cell = view.model.index(0, DURATION)
    assert cell.data(Qt.ItemDataRole.FontRole).italic()
    assert cell.data(Qt.ItemDataRole.ToolTipRole) == "Running for this long so far"
    click_row(qtbot, view.table, 0)
    gui.wait_until(lambda: view.detail.fields["Duration"].text() == "12 s so far")

    later["s"] = 75  # a second on, both have moved
    gui.wait_until(lambda: view.model.index(0, DURATION).data() == "1 min 15 s", 5)
    gui.wait_until(lambda: view.detail.fields["Duration"].text() == "1 min 15 s so far", 5)
    gui.window.grab().save(str(SCREENSHOTS / "runs_elapsed.png"))

    qtbot.mouseClick(view.detail.cancel_button, Qt.MouseButton.LeftButton)
    gui.wait_until(lambda: view.detail.fields["Status"].text() == "cancelled", 15)
    ended = gui.service.get_run(run.id)
    assert ended.duration_s is not None and ended.duration_s < 30
    gui.wait_until(lambda: "so far" not in view.detail.fields["Duration"].text())
    assert not view.model.index(0, DURATION).data(Qt.ItemDataRole.FontRole)
    gui.wait_until(lambda: not view.model.elapsed.ticking, 3)  # nothing running: no ticks
    assert not view.detail.elapsed.ticking
