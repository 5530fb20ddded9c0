"""The Tasks view's Last run tooltip says how the run ended in the Runs view's words
("Result / note", `app.core.run.result_note`): it said "Exit code 3" and then "exit code 3",
and a Python action's error whole, every line (up to 4,000 characters of a traceback's
message). The run's details keep the error whole."""

from __future__ import annotations

from app.gui.qt import Qt
from app.gui.tasks.model import LAST_RUN
from tests.gui.conftest import Gui, command_task

ACTIONS = "tests.engine.worker_actions"


def _tip(gui: Gui, name: str) -> str:
    """Its Last run tooltip ("" while the task is not shown yet)."""
    model = gui.window.tasks_model
    rows = [r for r in range(model.rowCount()) if model.data(model.index(r, 0)) == name]
    return "".join(str(model.data(model.index(r, LAST_RUN), Qt.ItemDataRole.ToolTipRole))
                   for r in rows)


def test_the_last_run_tooltip_says_how_it_ended_in_one_line(gui: Gui) -> None:
    s = gui.service
    s.create_task(command_task("three", ["sh", "-c", "exit 3"]))
    s.create_task({"name": "raises", "timezone": "UTC", "action": {
        "kind": "python", "target": f"{ACTIONS}:raise_lines", "kwargs": {}}})
    for name in ("three", "raises"):
        run = s.run_now(name)
        gui.wait_until(lambda run=run: s.get_run(run.id).status == "failed", 30)
    gui.wait_until(lambda: _tip(gui, "three").endswith("\nexit code 3")
                   and _tip(gui, "raises").endswith("\nValueError: no such account"), 10)
    assert "Exit code" not in _tip(gui, "three")
    assert "checked:" not in _tip(gui, "raises")  # (its second line: the details have it)
