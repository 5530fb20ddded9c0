"""The Runs view says what started a run in words: a catch-up run read "catch_up", the
ledger's code (seen using the window under Xvfb after a restore)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from app.gui.main_window import RUNS
from app.gui.runs.model import RunTableModel
from app.store.models import RunRow
from tests.gui.conftest import Gui, click_row, command_task


def test_a_catch_up_run_reads_catch_up_in_the_table_and_its_details(gui: Gui,
                                                                     qtbot: Any) -> None:
    task = gui.service.create_task(command_task("nightly"))
    at = datetime(2026, 12, 4, 2, 0, tzinfo=UTC)
    with gui.store.write():
        RunRow.create(task=task.id, scheduled_for=at, attempt=1, status="succeeded",
                      trigger="catch_up", queued_at=at, started_at=at, finished_at=at,
                      exit_code=0, reason="catch-up (once): 1 fire missed")
    gui.window.show_view(RUNS)
    view = gui.window.runs_view
    gui.wait_until(lambda: view.model.rowCount() == 1)
    column = RunTableModel.COLUMNS.index("Trigger")
    assert view.model.index(0, column).data() == "catch-up"
    click_row(qtbot, view.table, 0)
    gui.wait_until(lambda: view.detail.fields["Trigger"].text() == "catch-up")
