"""Stop runs (Shift+F5), in the Task menu after Run now, in the Tasks table's right-click menu
and on the toolbar beside Run now: it cancels every run in progress of the selected tasks in
one commit, each audited as Cancel run in the Runs view audits it, and is enabled only while
a selected task has a run in progress. Before it, a run started with F5 could be stopped only
from the Runs view (Ctrl+R, select the run, Cancel run)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import psutil

from app.core.task import FINISHED_STATUSES
from app.gui.qt import QAction, QApplication, QMenu, Qt
from tests.gui.conftest import Gui, click_row, command_task, said
from tests.gui.test_graph import right_click

SHIFT = Qt.KeyboardModifier.ShiftModifier
CTRL = Qt.KeyboardModifier.ControlModifier


def _long(name: str, pid_file: Path | None = None, **extra: Any) -> dict[str, Any]:
    """A task by hand whose command sleeps a minute (noting its pid in `pid_file`)."""
    script = (f"echo $$ > {pid_file}; " if pid_file else "") + "exec sleep 60"
    return command_task(name, ["sh", "-c", script], schedule={"kind": "manual"}, **extra)


def _gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def _key(gui: Gui, key: Qt.Key, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier
         ) -> None:
    """A key in the window, as a person presses it (shortcuts reach the active window)."""
    gui.window.activateWindow()
    gui.wait_until(lambda: QApplication.activeWindow() is gui.window)
    gui.qtbot.keyClick(gui.window.tasks_view.table, key, modifier)


def _statuses(gui: Gui, task: str) -> list[str]:
    return [r.status for r in gui.service.list_runs(task=task)]


def _cancels(gui: Gui) -> list[tuple[str, str]]:
    """The audit's run.cancel events: (who, which run), oldest first."""
    return [(e["actor"], e["target"]) for e in reversed(gui.service.audit_events(
        search="run.cancel")) if e["action"] == "run.cancel"]


def _menu_entry(menu: QMenu, action: QAction) -> Any:
    return menu.actionGeometry(action).center()


def test_shift_f5_stops_the_run_f5_started(gui: Gui, tmp_path: Path) -> None:
    pid_file = tmp_path / "long.pid"
    gui.service.create_task(_long("long", pid_file))
    view, ops = gui.window.tasks_view, gui.window.task_ops
    gui.wait_until(lambda: view.model.rowCount() == 1)
    click_row(gui.qtbot, view.table, 0)
    gui.wait_until(lambda: ops.run_now.isEnabled())
    assert not ops.stop.isEnabled()  # nothing in progress yet
    assert ops.stop.shortcut().toString() == "Shift+F5"

    _key(gui, Qt.Key.Key_F5)
    gui.wait_until(lambda: pid_file.exists() and pid_file.read_text().strip())
    pid = int(pid_file.read_text())
    (run,) = gui.service.list_runs(task="long")
    gui.wait_until(lambda: gui.service.get_run(run.id).status == "running")
    gui.wait_until(lambda: ops.stop.isEnabled())
    assert ops.stop.toolTip() == "Stop the runs of “long” in progress (Shift+F5)"

    _key(gui, Qt.Key.Key_F5, SHIFT)
    gui.wait_until(lambda: gui.service.get_run(run.id).status == "cancelled")
    gui.wait_until(lambda: _gone(pid))  # its process stopped, not left running
    gui.wait_until(lambda: not ops.stop.isEnabled())
    gui.wait_until(lambda: said(gui.window) == "Stopped 1 run of “long”.")
    assert _cancels(gui) == [("gui", f"long#{run.id}")]  # as Cancel run in Runs audits it
    assert ops.run_now.isEnabled()  # and it can be run again


def test_toolbar_and_right_click_menu_stop_only_while_a_run_is_in_progress(
        gui: Gui, tmp_path: Path) -> None:
    gui.service.create_task(_long("long"))
    window, view, ops = gui.window, gui.window.tasks_view, gui.window.task_ops
    toolbar = window.toolbar.actions()
    assert toolbar.index(ops.stop) == toolbar.index(ops.run_now) + 1  # beside Run now
    task_menu = window.menuBar().actions()[1].menu()
    entries = task_menu.actions()
    assert entries.index(ops.stop) == entries.index(ops.run_now) + 1
    assert ops.stop.text() == "&Stop runs"
    gui.wait_until(lambda: view.model.rowCount() == 1)
    click_row(gui.qtbot, view.table, 0)
    gui.wait_until(lambda: ops.run_now.isEnabled())
    gui.quiet()
    button = window.toolbar.widgetForAction(ops.stop)
    assert button.isVisible() and not button.isEnabled()

    def right_click_menu() -> QMenu:
        table = view.table
        right_click(gui, table.viewport(), table.visualRect(table.model().index(0, 0)).center())
        gui.wait_until(lambda: isinstance(QApplication.activePopupWidget(), QMenu))
        menu = QApplication.activePopupWidget()
        assert isinstance(menu, QMenu)
        actions = menu.actions()
        assert actions.index(ops.stop) == actions.index(ops.run_now) + 1
        return menu

    menu = right_click_menu()
    assert not ops.stop.isEnabled()  # shown, greyed: nothing in progress
    gui.qtbot.keyClick(menu, Qt.Key.Key_Escape)
    gui.wait_until(lambda: QApplication.activePopupWidget() is None)

    gui.qtbot.mouseClick(window.toolbar.widgetForAction(ops.run_now), Qt.MouseButton.LeftButton)
    gui.wait_until(lambda: _statuses(gui, "long") == ["running"])
    gui.wait_until(lambda: button.isEnabled())  # the toolbar's Stop, as the run started
    menu = right_click_menu()
    assert ops.stop.isEnabled()
    gui.qtbot.mouseClick(menu, Qt.MouseButton.LeftButton, pos=_menu_entry(menu, ops.stop))
    gui.wait_until(lambda: _statuses(gui, "long") == ["cancelled"])
    gui.wait_until(lambda: not button.isEnabled())

    gui.qtbot.mouseClick(window.toolbar.widgetForAction(ops.run_now), Qt.MouseButton.LeftButton)
    gui.wait_until(lambda: _statuses(gui, "long")[0] == "running")
    gui.wait_until(lambda: button.isEnabled())
    gui.qtbot.mouseClick(button, Qt.MouseButton.LeftButton)  # the toolbar's button stops it
    gui.wait_until(lambda: _statuses(gui, "long") == ["cancelled", "cancelled"])
    gui.wait_until(lambda: not button.isEnabled())
    assert len(_cancels(gui)) == 2


def test_stop_runs_of_several_selected_tasks_in_one_commit(gui: Gui) -> None:
    """Three selected: one running, one with a run going and one waiting behind it (a manual
    run waits for the one going), one idle. Every run in progress stops, in one commit."""
    s = gui.service
    for name in ("alpha", "beta", "gamma"):
        s.create_task(_long(name))
    view, ops = gui.window.tasks_view, gui.window.task_ops
    gui.wait_until(lambda: view.model.rowCount() == 3)
    s.run_now("alpha")
    s.run_now("beta")
    s.run_now("beta")
    gui.wait_until(lambda: _statuses(gui, "alpha") == ["running"]
                   and sorted(_statuses(gui, "beta")) in (["queued", "running"],
                                                          ["running", "waiting"]))
    click_row(gui.qtbot, view.table, view.model.row_of(s.get_task("gamma").id))
    gui.quiet()
    assert ops.run_now.isEnabled() and not ops.stop.isEnabled()  # gamma: none in progress
    _key(gui, Qt.Key.Key_A, CTRL)
    gui.wait_until(lambda: ops.stop.isEnabled())
    assert ops.stop.toolTip() == "Stop the runs of 3 tasks in progress (Shift+F5)"
    _key(gui, Qt.Key.Key_F5, SHIFT)
    gui.wait_until(lambda: _statuses(gui, "alpha") == ["cancelled"]
                   and _statuses(gui, "beta") == ["cancelled", "cancelled"])
    gui.wait_until(lambda: not ops.stop.isEnabled())
    gui.wait_until(lambda: said(gui.window) == "Stopped 3 runs of 2 tasks.")
    assert _statuses(gui, "gamma") == []
    events = [e for e in s.audit_events(search="run.cancel") if e["action"] == "run.cancel"]
    assert len(events) == 3 and {e["actor"] for e in events} == {"gui"}
    assert len({e["at"] for e in events}) == 1  # one commit, one time


def test_stop_follows_an_older_run_going_after_a_newer_one_ended(gui: Gui,
                                                                 tmp_path: Path) -> None:
    """The task's last run (the table's Last run) succeeded, but an older one still runs
    (two at once allowed): Stop runs is enabled, and stops that one."""
    marker = tmp_path / "first"
    gui.service.create_task(command_task(
        "twice", ["sh", "-c", f"[ -e {marker} ] && exit 0; touch {marker}; exec sleep 60"],
        schedule={"kind": "manual"}, max_instances=2))
    view, ops = gui.window.tasks_view, gui.window.task_ops
    gui.wait_until(lambda: view.model.rowCount() == 1)
    click_row(gui.qtbot, view.table, 0)
    gui.wait_until(lambda: ops.run_now.isEnabled())
    _key(gui, Qt.Key.Key_F5)
    gui.wait_until(lambda: marker.exists() and _statuses(gui, "twice") == ["running"])
    _key(gui, Qt.Key.Key_F5)
    gui.wait_until(lambda: _statuses(gui, "twice") == ["succeeded", "running"])
    gui.quiet()
    assert view.model.rows[0].task.last_run.status == "succeeded"
    assert ops.stop.isEnabled()
    _key(gui, Qt.Key.Key_F5, SHIFT)
    gui.wait_until(lambda: _statuses(gui, "twice") == ["succeeded", "cancelled"])
    gui.wait_until(lambda: not ops.stop.isEnabled())


def test_a_run_that_ended_before_the_commit_is_left_alone(gui_factory: Any, cli: Any) -> None:
    """A window with no engine of its own: runs queued wait. One of the selected tasks' run
    is cancelled from the command line, and Shift+F5 pressed before the window has heard:
    that run is left as the command line left it, no error, and the other is stopped."""
    gui = gui_factory(engine=False)
    s = gui.service
    s.create_task(_long("ended"))
    s.create_task(_long("waits"))
    ended, waits = s.run_now("ended"), s.run_now("waits")
    view, ops = gui.window.tasks_view, gui.window.task_ops
    gui.wait_until(lambda: view.model.rowCount() == 2)
    _key(gui, Qt.Key.Key_A, CTRL)
    gui.wait_until(lambda: ops.stop.isEnabled())
    gui.quiet()
    assert cli("run", "cancel", str(ended.id)).code == 0  # (the window not told yet)
    before = s.get_run(ended.id)
    assert before.status == "cancelled" and before.error == "cancelled on request"
    assert ops.stop.isEnabled()
    _key(gui, Qt.Key.Key_F5, SHIFT)
    assert gui.session.background.busy  # (pressed now: the window has heard nothing since)
    gui.wait_until(lambda: said(gui.window) == "Stopped 1 run of “waits”.")
    assert s.get_run(ended.id) == before  # left alone
    assert s.get_run(waits.id).status == "cancelled"
    assert s.get_run(waits.id).error == "cancelled on request"  # (who: the audit, below)
    assert _cancels(gui) == [("cli", f"ended#{ended.id}"), ("gui", f"waits#{waits.id}")]
    gui.wait_until(lambda: not ops.stop.isEnabled())

    # the same with the only run: nothing to stop, said, no error
    again = s.run_now("ended")
    click_row(gui.qtbot, view.table, view.model.row_of(s.get_task("ended").id))
    gui.wait_until(lambda: ops.stop.isEnabled())
    gui.quiet()
    assert cli("run", "cancel", str(again.id)).code == 0
    _key(gui, Qt.Key.Key_F5, SHIFT)
    gui.wait_until(lambda: said(gui.window)
                   == "Nothing to stop: no run of “ended” is in progress.")
    assert len(_cancels(gui)) == 3
    gui.wait_until(lambda: not ops.stop.isEnabled())
    assert all(r.status in FINISHED_STATUSES for r in s.list_runs())
