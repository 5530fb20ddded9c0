"""The Runs view says a run in words, in its list and in the run's details: a catch-up run
read "catch_up", the ledger's code (seen using the window under Xvfb after a restore); a
run of 0.3 ms took "0 ms", as if it had taken no time (app.core.durations.duration_text)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from app.gui.main_window import RUNS
from app.gui.runs.model import RunTableModel
from app.store.models import RunRow
from tests.gui.conftest import Gui, click_row, command_task

AT = datetime(2026, 12, 4, 2, 0, tzinfo=UTC)


def _says(gui: Gui, qtbot: Any, column: str, said: str, **run: Any) -> None:
    """One run of a task, as the ledger holds it (`run` over a succeeded manual run), reads
    `said` in `column` of the list and of its details once clicked."""
    task = gui.service.create_task(command_task("nightly"))
    with gui.store.write():
        RunRow.create(**{"task": task.id, "scheduled_for": AT, "attempt": 1,
                         "status": "succeeded", "trigger": "manual", "queued_at": AT,
                         "started_at": AT, "finished_at": AT, "exit_code": 0, **run})
    gui.window.show_view(RUNS)
    view = gui.window.runs_view
    gui.wait_until(lambda: view.model.rowCount() == 1)
    assert view.model.index(0, RunTableModel.COLUMNS.index(column)).data() == said
    click_row(qtbot, view.table, 0)
    gui.wait_until(lambda: view.detail.fields[column].text() == said)


def test_a_catch_up_run_reads_catch_up_in_the_table_and_its_details(gui: Gui,
                                                                     qtbot: Any) -> None:
    _says(gui, qtbot, "Trigger", "catch-up", trigger="catch_up",
          reason="catch-up (once): 1 fire missed")


def test_a_run_shorter_than_a_millisecond_reads_under_one(gui: Gui, qtbot: Any) -> None:
    _says(gui, qtbot, "Duration", "<1 ms", finished_at=AT + timedelta(microseconds=300))
