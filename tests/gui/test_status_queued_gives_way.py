""""Queued 1 run: Backup" in the status bar stayed its 8 s after a quick run had ended,
"Queued" beside a Runs list that said "succeeded". Once every run it names has ended, while
it is still said, it gives way to how they ended; a message said since stays. It stayed too
while the run went (after Run now, F5): once a run starts, it says so."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from app.gui.qt import Qt
from tests.gui.conftest import SCREENSHOTS, Gui, click_row, command_task, said


def _gated(name: str, gate: Path) -> dict[str, Any]:
    return command_task(name, ["sh", "-c", f"while ! test -e {gate}; do sleep 0.05; done"])


def _run_now_clicked(gui: Gui, rows: list[int]) -> None:
    view, ops = gui.window.tasks_view, gui.window.task_ops
    gui.wait_until(lambda: view.model.rowCount() >= max(rows) + 1)
    click_row(gui.qtbot, view.table, rows[0])
    for row in rows[1:]:
        rect = view.table.visualRect(view.model.index(row, 0))
        gui.qtbot.mouseClick(view.table.viewport(), Qt.MouseButton.LeftButton,
                             Qt.KeyboardModifier.ControlModifier, rect.center())
    gui.wait_until(lambda: len(view.selected_items()) == len(rows))
    gui.qtbot.mouseClick(gui.window.toolbar.widgetForAction(ops.run_now),
                         Qt.MouseButton.LeftButton)


def _going(gui: Gui, task: str) -> int:
    """The run of `task` once the status bar says it runs."""
    gui.wait_until(lambda: gui.service.list_runs(task=task))
    (run,) = gui.service.list_runs(task=task)
    gui.wait_until(lambda: said(gui.window) == f"Run {run.id} of {task}: running.", 5)
    return run.id


def test_queued_gives_way_to_the_run_going_then_to_how_it_ended(gui: Gui) -> None:
    gate = gui.store.home / "go"
    gui.service.create_task(_gated("Backup", gate))
    view = gui.window.tasks_view
    gui.wait_until(lambda: view.model.rowCount() == 1)
    click_row(gui.qtbot, view.table, 0)
    gui.wait_until(lambda: gui.window.task_ops.run_now.isEnabled())
    gui.qtbot.keyClick(view.table, Qt.Key.Key_F5)  # Run now
    run_id = _going(gui, "Backup")  # not "Queued 1 run: Backup" while it goes
    assert gui.service.get_run(run_id).status == "running"
    gate.touch()
    gui.wait_until(lambda: said(gui.window) == f"Run {run_id} of Backup: succeeded.", 5)
    gui.quiet()
    assert gui.window.grab().save(str(SCREENSHOTS / "status-queued-ended.png"))


def test_several_queued_runs_give_way_once_all_have_ended(gui: Gui) -> None:
    gate = gui.store.home / "go"
    gui.service.create_task(_gated("a", gate))
    gui.service.create_task(_gated("b", gate))
    _run_now_clicked(gui, [0, 1])
    gui.wait_until(lambda: said(gui.window) == "The 2 runs queued: 2 running.", 5)
    gate.touch()  # (a failure would be said by its notification: no tray here)
    gui.wait_until(lambda: said(gui.window) == "The 2 runs queued ended: 2 succeeded.", 5)


def test_a_message_said_since_stays(gui: Gui) -> None:
    gate = gui.store.home / "go"
    gui.service.create_task(_gated("Backup", gate))
    gui.service.create_task(command_task("Other"))
    _run_now_clicked(gui, [0])
    _going(gui, "Backup")
    _run_now_clicked(gui, [1])  # its own run is quick: it has its own words, then theirs
    gui.wait_until(lambda: said(gui.window).startswith("Run ")
                   and said(gui.window).endswith(" of Other: succeeded."), 5)
    gui.qtbot.keyClick(gui.window.tasks_view.table, Qt.Key.Key_P,
                       Qt.KeyboardModifier.ControlModifier)
    gui.wait_until(lambda: said(gui.window) == "Paused 1 task.")
    gate.touch()
    gui.wait_until(lambda: all(r.status == "succeeded"
                               for r in gui.service.list_runs(task="Backup")))
    gui.quiet()
    assert said(gui.window) == "Paused 1 task."


def test_a_failed_run_that_is_retried_says_so(gui: Gui) -> None:
    """A run queued by hand that failed and is retried: the status bar said "Run 7 of Backup:
    failed." beside a Runs list that says "retried" (amber ↻), a retry coming; it says
    "Run 7 of Backup: failed, retried as run 8."."""
    gate = gui.store.home / "go"
    task = _gated("Backup", gate)
    task["action"]["argv"][-1] += "; exit 3"
    gui.service.create_task({**task, "retries": 1, "retry_delay": 3600})
    _run_now_clicked(gui, [0])
    run = gui.service.get_run(_going(gui, "Backup"))
    gate.touch()
    gui.wait_until(lambda: gui.service.get_run(run.id).retried_as is not None, 5)
    retry = gui.service.get_run(run.id).retried_as
    gui.wait_until(lambda: said(gui.window)
                   == f"Run {run.id} of Backup: failed, retried as run {retry}.", 5)
