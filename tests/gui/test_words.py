"""Words a person reads: counts carry their noun in the right number (never "run(s)"), and
the status bar says what a toolbar click did in those words."""

from __future__ import annotations

import re
from pathlib import Path

import app.gui
from app.gui.display import plural
from app.gui.qt import Qt
from tests.gui.conftest import Gui, click_row, command_task


def test_plural() -> None:
    assert plural(1, "run") == "1 run"
    assert plural(0, "run") == "0 runs"
    assert plural(12_000, "task") == "12,000 tasks"
    assert plural(1, "dependency") == "1 dependency"
    assert plural(2, "dependency") == "2 dependencies"
    assert plural(3, "scheduled task") == "3 scheduled tasks"
    assert plural(2, "run or prediction", "runs and predictions") == "2 runs and predictions"


def test_no_window_text_says_s_in_brackets() -> None:
    root = Path(app.gui.__file__).parent
    found = [f"{path.name}:{n}" for path in sorted(root.rglob("*.py"))
             for n, line in enumerate(path.read_text().splitlines(), 1)
             if re.search(r"[a-z]\(s\)[\s\"'.,:;!?)]", line)]
    assert found == []


def test_toolbar_run_now_says_one_run(gui: Gui) -> None:
    gui.service.create_task(command_task("Backup"))
    view, ops = gui.window.tasks_view, gui.window.task_ops
    gui.wait_until(lambda: view.model.rowCount() == 1)
    assert view.count.text() == "1 task"
    click_row(gui.qtbot, view.table, 0)
    button = gui.window.toolbar.widgetForAction(ops.run_now)
    gui.qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    gui.wait_until(lambda: gui.window.status.currentMessage().startswith("Queued"))
    assert gui.window.status.currentMessage() == "Queued 1 run: Backup"
