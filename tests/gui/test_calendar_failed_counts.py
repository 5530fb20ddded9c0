"""A busy month day counts failures as the status bar's "failed today" does: fires whose
last attempt failed. It counted failed attempts, so a fire that failed, was retried and
succeeded, and another that failed twice, read "3 failed" in the day's cell while the
status bar said "2 failed today"; a failed attempt that was retried reads "retried" now.
The runs are written to the ledger as the engine writes them (a retry is a run of its own,
with its failed attempt as parent), all at today's local midnight."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from app.gui.calendar.words import summary
from app.gui.main_window import CALENDAR
from app.gui.qt import Qt
from tests.gui.conftest import Gui, command_task
from tests.gui.test_calendar_forecast_shown import _click_and_wait


def _today_s_ledger(gui: Gui, midnight: datetime) -> None:
    """45 pings that succeeded; `flaky` failed, its retry succeeded; `broken` failed and its
    retry failed too; `plain` failed, with no retry."""
    from app.store.models import RunRow

    s = gui.service
    ids = {name: s.create_task(command_task(name, enabled=False)).id
           for name in ("ping", "flaky", "broken", "plain")}

    def run(task: str, status: str, attempt: int = 1, parent: int | None = None,
            at: datetime = midnight) -> int:
        return int(RunRow.insert(
            task=ids[task], scheduled_for=at, attempt=attempt,
            trigger="retry" if parent else "schedule", parent_run=parent, status=status,
            queued_at=at, started_at=at, finished_at=at, exit_code=int(status != "succeeded")
        ).execute())

    with gui.store.write():
        for i in range(45):
            run("ping", "succeeded", at=midnight + timedelta(milliseconds=i))
        run("flaky", "succeeded", 2, run("flaky", "failed"))
        run("broken", "failed", 2, run("broken", "failed"))
        run("plain", "failed")


def test_a_month_day_counts_failed_fires_as_the_status_bar_does(
        gui: Gui, tmp_path: Path) -> None:
    midnight = datetime.now().astimezone().replace(hour=0, minute=0, second=0, microsecond=0)
    _today_s_ledger(gui, midnight)
    status = gui.window.status
    gui.quiet()
    gui.wait_until(lambda: status.failures.text() == "2 failed today")  # broken and plain

    gui.qtbot.keyClick(gui.window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    gui.wait_until(lambda: gui.window.current_view() == CALENDAR)
    view = gui.window.calendar_view
    _click_and_wait(gui, view, view.bar.modes.button(0))  # Month
    _click_and_wait(gui, view, view.bar.today)
    gui.settle()
    today = midnight.date()
    view.month.ensure_layout()
    assert today in view.month.summed  # a busy day: its counts by status
    lines = {words: n for _key, words, n in summary(view.month.data.day(today), 9)}
    shot = tmp_path / "calendar-month-failed-counts.png"
    assert gui.window.grab().save(str(shot))
    assert lines.get("failed") == 2, (lines, shot)  # as the status bar says
    assert lines.get("retried") == 2 and lines.get("succeeded") == 46, lines
    assert 0 not in lines.values(), lines  # (a disabled task's “0 planned” took a line)
