"""Seconds in the Runs view were written two ways: the window's own figures "1.8 s" (Duration,
Lateness), and the engine's notes and errors "due 0.5s after it ended", "timed out after
0.5s". They are all said the window's way, the number and its unit apart."""

from __future__ import annotations

import re
from typing import Any

from app.gui.main_window import RUNS
from tests.gui.conftest import SCREENSHOTS, Gui, click_row, command_task


def _picked(gui: Gui, qtbot: Any, task: str, attempt: int) -> dict[str, Any]:
    view = gui.window.runs_view
    gui.wait_until(lambda: any(r.task_name == task and r.attempt == attempt
                               for r in view.model.rows))
    row = next(i for i, r in enumerate(view.model.rows)
               if r.task_name == task and r.attempt == attempt)
    click_row(qtbot, view.table, row)
    fields: dict[str, Any] = view.detail.fields
    gui.wait_until(lambda: view.detail.title.text().endswith(f" of {task}")
                   and fields["Attempt"].text() == str(attempt))
    return fields


def test_notes_and_errors_say_seconds_as_the_window_does(gui: Gui, qtbot: Any) -> None:
    s = gui.service
    s.create_task(command_task("flaky", ["sh", "-c", "exit 2"], retries=1, retry_delay=0.5))
    s.create_task(command_task("slow", ["sleep", "30"], timeout=0.5))
    s.run_now("flaky")
    s.run_now("slow")
    gui.wait_until(lambda: [r.status for r in s.list_runs(0, 5, task="flaky")]
                   == ["failed", "failed"] and s.list_runs(0, 1, task="slow")[0].status
                   == "timed_out", 20)
    gui.window.show_view(RUNS)
    fields = _picked(gui, qtbot, "flaky", 2)
    note = fields["Note"].text()
    assert re.search(r"due 0\.\d s after it ended", note), note
    assert re.fullmatch(r"<1 ms|\d+ ms|\d\.\d s", fields["Duration"].text())  # (it read "0 ms")
    fields = _picked(gui, qtbot, "slow", 1)
    assert fields["Error"].text() == "timed out after 0.5 s"
    assert gui.window.runs_view.grab().save(str(SCREENSHOTS / "runs-seconds-words.png"))
