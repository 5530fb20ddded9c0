"""When a run ended, how long it took and how late it started: at a 1280x800 window (a
common laptop's) Finished, Duration and Lateness of a Python run that failed with a long
error, its progress shown, were below the fold of the Runs view's details, so a person
scrolled for them. Its times now come before its trigger and attempt, and an exit code it
never had takes no row."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from app.gui.main_window import RUNS
from tests.gui.conftest import SCREENSHOTS, Gui, click_row, command_task
from tests.gui.test_runs_note_in_sight import _in_sight

COPIER = """
def copy(context):
    context.progress(0.4, "copying photos")
    raise OSError("[Errno 28] No space left on device: "
                  + "/media/backup/photos/2026/12/holiday-" * 4 + ".jpg")
"""


def _task(kind: str, folder: Path) -> dict[str, Any]:
    if kind == "command":
        return command_task("backup", ["sh", "-c", "echo done"])
    (folder / "copier.py").write_text(COPIER)
    return {"name": "backup", "timezone": "UTC", "retries": 1, "retry_delay": 0.2,
            "action": {"kind": "python", "target": "copier:copy", "cwd": str(folder)}}


@pytest.mark.parametrize(("kind", "status"), [("command", "succeeded"),
                                              ("python", "failed — retried as run")])
def test_a_finished_runs_times_are_in_sight_at_1280x800(gui: Gui, qtbot: Any, tmp_path: Path,
                                                        kind: str, status: str) -> None:
    gui.service.create_task(_task(kind, tmp_path))
    gui.service.run_now("backup")
    gui.wait_until(lambda: (runs := gui.service.list_runs(0, 5, task="backup"))
                   and all(r.status in ("failed", "succeeded") for r in runs), 20)
    window = gui.window
    window.resize(1280, 800)
    gui.wait_until(lambda: (window.width(), window.height()) == (1280, 800))
    window.show_view(RUNS)
    view = window.runs_view
    gui.wait_until(lambda: view.model.rowCount() == len(gui.service.list_runs(0, 5)))
    click_row(qtbot, view.table, view.model.rowCount() - 1)  # its first attempt
    detail = view.detail
    gui.wait_until(lambda: detail.fields["Status"].text().startswith(status))
    if kind == "python":
        gui.wait_until(lambda: detail.fields["Progress"].text() == "40 % — copying photos")
    gui.quiet()
    assert window.grab().save(str(SCREENSHOTS / f"runs-times-in-sight-{kind}.png"))
    assert detail.fields_area.verticalScrollBar().value() == 0
    for key in ("Status", "Error" if kind == "python" else "Exit code", "Started", "Finished",
                "Duration", "Lateness"):
        assert _in_sight(detail, key), key
