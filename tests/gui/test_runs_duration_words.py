"""The Runs view said a run of 0.3 ms took "0 ms", as if it had taken no time: it says
"<1 ms", in the list and in the run's details (app.core.durations.duration_text)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from app.gui.main_window import RUNS
from app.gui.runs.model import RunTableModel
from app.store.models import RunRow
from tests.gui.conftest import Gui, click_row, command_task


def test_a_run_shorter_than_a_millisecond_reads_under_one(gui: Gui, qtbot: Any) -> None:
    task = gui.service.create_task(command_task("quick"))
    at = datetime(2026, 12, 4, 2, 0, tzinfo=UTC)
    with gui.store.write():
        RunRow.create(task=task.id, scheduled_for=at, attempt=1, status="succeeded",
                      trigger="manual", queued_at=at, started_at=at,
                      finished_at=at + timedelta(microseconds=300), exit_code=0)
    gui.window.show_view(RUNS)
    view = gui.window.runs_view
    gui.wait_until(lambda: view.model.rowCount() == 1)
    column = RunTableModel.COLUMNS.index("Duration")
    assert view.model.index(0, column).data() == "<1 ms"
    click_row(qtbot, view.table, 0)
    gui.wait_until(lambda: view.detail.fields["Duration"].text() == "<1 ms")
