"""The status bar's "failed today" counts fires that failed, as far as they have gone: an
attempt that was retried is not a failure while its retry waits or after it succeeds, and a
fire that failed twice (attempt and retry) is one failure, not two. A click lists those very
runs in Runs (it listed every failed attempt: five rows for "2 failed today")."""

from __future__ import annotations

from app.gui.main_window import RUNS
from app.gui.qt import Qt
from tests.gui.conftest import SCREENSHOTS, Gui, command_task

FAIL = ["sh", "-c", "exit 3"]


def test_failed_today_counts_fires_whose_last_attempt_failed(gui: Gui) -> None:
    s = gui.service
    s.create_task(command_task("clean up"))
    s.create_task(command_task("flaky", ["sh", "-c", '[ "$TICKWORK_ATTEMPT" -ge 2 ]'],
                               retries=1, retry_delay=0.1))  # fails, then its retry succeeds
    s.create_task(command_task("broken", FAIL, retries=1, retry_delay=0.1,
                               fallback="clean up"))  # fails twice, then its fallback runs
    s.create_task(command_task("later", FAIL, retries=1, retry_delay=3600))  # retry waits
    s.create_task(command_task("plain", FAIL))  # fails, no retry
    for name in ("flaky", "broken", "later", "plain"):
        s.run_now(name)

    def statuses(name: str) -> list[str]:
        return sorted(r.status for r in s.list_runs(0, 10, task=name))

    gui.wait_until(lambda: statuses("flaky") == ["failed", "succeeded"]
                   and statuses("broken") == ["failed", "failed"]
                   and statuses("clean up") == ["succeeded"]
                   and statuses("later") == ["failed", "retrying"]
                   and statuses("plain") == ["failed"], 30)
    status = gui.window.status
    gui.quiet()
    gui.wait_until(lambda: status.failures.text() == "2 failed today")  # broken and plain
    assert gui.window.grab().save(str(SCREENSHOTS / "status-failed-today.png"))

    gui.qtbot.mouseClick(status.failures, Qt.MouseButton.LeftButton)
    view = gui.window.runs_view
    gui.wait_until(lambda: gui.window.current_view() == RUNS)
    assert view.status.currentText() == "failed, not retried"
    gui.wait_until(lambda: view.model.rowCount() == 2)
    listed = sorted((r.task_name, r.attempt) for r in view.model.rows)
    assert listed == [("broken", 2), ("plain", 1)]  # as counted: the last attempts
