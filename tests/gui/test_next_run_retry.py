"""A task whose run failed and waits out its retry delay shows that retry as its Next run,
marked "(retry)", where the table said the schedule's next fire (hours later) while the retry
was due within the hour; its tooltip says which run it retries and when the schedule's fire
follows; the status bar's "Next:" says it too. Run by F5 in the window, failed by the
window's own engine."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from app.core.task import ACTIVE_STATUSES
from app.gui.qt import QApplication, Qt
from app.gui.tasks.model import NEXT_RUN
from app.gui.widgets import display
from tests.gui.conftest import SCREENSHOTS, Gui, command_task


def test_a_retry_waiting_out_its_delay_is_the_next_run(gui: Gui, qtbot: object) -> None:
    s = gui.service
    s.create_task(command_task("Flaky upload", action={"kind": "command", "argv": ["false"]},
                               schedule={"kind": "interval", "seconds": 7200},
                               retries=1, retry_delay=3600))
    window = gui.window
    window.resize(1100, 600)
    table = window.tasks_view.table
    model = window.tasks_model
    gui.wait_until(lambda: model.rowCount() == 1)
    table.selectRow(0)
    window.activateWindow()
    gui.wait_until(lambda: QApplication.activeWindow() is window)
    table.setFocus()
    qtbot.keyClick(table, Qt.Key.Key_F5)  # type: ignore[attr-defined]  # Run now

    cell = model.index(0, NEXT_RUN)
    gui.wait_until(lambda: str(cell.data()).endswith("(retry)"), 20)
    task = s.get_task("Flaky upload")
    retry = task.last_run
    assert retry.status == "retrying" and retry.status in ACTIVE_STATUSES
    assert retry.due_at is not None and retry.due_at < task.next_run_at
    assert cell.data() == f"{display.when(retry.due_at)} (retry)"
    tip = cell.data(Qt.ItemDataRole.ToolTipRole)
    assert f"A retry (run {retry.id}, attempt 2)" in tip, tip
    assert f"then as scheduled, {display.full_time(task.next_run_at)}" in tip, tip
    # the status bar's next run is the retry's too (it said the schedule's, two hours on)
    gui.wait_until(lambda: window.status.next_fire.text().startswith(
        f"Next: {display.when(retry.due_at)} (in "))
    window.grab().save(str(SCREENSHOTS / "tasks-next-run-retry.png"))


def test_a_paused_tasks_retry_is_still_its_next_run(gui: Gui, qtbot: object) -> None:
    """Pausing a task leaves a retry waiting out its delay to run (README: it keeps its
    policy), so the table says it beside "paused" and the status bar's "Next:" counts it;
    the table said "paused" alone and the bar the next fire of another task, hours on."""
    s = gui.service
    s.create_task(command_task("Flaky upload", action={"kind": "command", "argv": ["false"]},
                               schedule={"kind": "interval", "seconds": 7200},
                               retries=1, retry_delay=1800))
    s.create_task(command_task("Nightly", schedule={"kind": "interval", "seconds": 14400}))
    window = gui.window
    window.resize(1100, 600)
    table = window.tasks_view.table
    model = window.tasks_model
    gui.wait_until(lambda: model.rowCount() == 2)
    row = next(r for r in range(2) if model.index(r, 0).data() == "Flaky upload")
    table.selectRow(row)
    window.activateWindow()
    gui.wait_until(lambda: QApplication.activeWindow() is window)
    table.setFocus()
    qtbot.keyClick(table, Qt.Key.Key_F5)  # type: ignore[attr-defined]  # Run now
    cell = model.index(row, NEXT_RUN)
    gui.wait_until(lambda: str(cell.data()).endswith("(retry)"), 20)
    s.set_enabled("Flaky upload", False)  # (`tickwork task pause`, beside the window)

    retry = s.get_task("Flaky upload").last_run
    assert retry.status == "retrying" and retry.due_at is not None
    gui.wait_until(lambda: cell.data() == f"paused; retry {display.when(retry.due_at)}")
    tip = cell.data(Qt.ItemDataRole.ToolTipRole)
    assert f"A retry (run {retry.id}, attempt 2)" in tip and "then" not in tip, tip
    gui.wait_until(lambda: window.status.next_fire.text().startswith(
        f"Next: {display.when(retry.due_at)} (in "))


def test_a_retry_behind_a_newer_run_is_still_the_next_run(gui: Gui) -> None:
    """A task running fires side by side (max instances 2): an older fire's retry waits
    out its delay while a newer fire failed for good — the table read only its newest run
    and said the schedule's fire, hours on (the status bar said the retry)."""
    from app.store.models import RunRow

    s = gui.service
    task = s.create_task(command_task("Fetch", schedule={"kind": "interval", "seconds": 14400},
                                      retries=1, retry_delay=1800, max_instances=2))
    now = datetime.now(UTC)
    due = (now + timedelta(minutes=20)).replace(microsecond=0)
    with gui.store.write():
        def run(at: datetime, attempt: int, status: str, **more: Any) -> int:
            return int(RunRow.insert(task=task.id, scheduled_for=at, attempt=attempt,
                                     trigger="retry" if attempt > 1 else "schedule",
                                     status=status, queued_at=at, **more).execute())
        older = now - timedelta(minutes=10)
        first = run(older, 1, "failed", started_at=older, finished_at=older, exit_code=1)
        retry = run(older, 2, "retrying", parent_run=first, due_at=due)
        newer = now - timedelta(minutes=5)
        run(newer, 1, "failed", started_at=newer, finished_at=newer, exit_code=1)
    s.set_enabled("Fetch", False)  # (a change the table reads the task again for)
    s.set_enabled("Fetch", True)
    model = gui.window.tasks_model
    gui.wait_until(lambda: model.rowCount() == 1)
    gui.wait_until(lambda: model.index(0, NEXT_RUN).data() == f"{display.when(due)} (retry)")
    tip = model.index(0, NEXT_RUN).data(Qt.ItemDataRole.ToolTipRole)
    assert f"A retry (run {retry}, attempt 2)" in tip, tip
