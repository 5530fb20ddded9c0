"""A window that is a viewer of a headless `tickwork engine` hears that engine's failures:
each lands in the bell's list once, with the tray's badge, as with the window's own engine
(app/gui/notifications/watch.py). It heard nothing: only the headless engine's desktop
bubble, where a notification server answers, told anyone. Where none answers, the window
pops the failure up (offscreen: the status bar's line); where one does, the headless
engine's bubble is the only one. A real `tickwork engine` on the temp home."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from faults.harness import wait_until
from tests.engine.conftest import holding_engine
from tests.gui.conftest import Gui, command_task, said
from tests.support.dbus_session import NotificationServer, notification_server, session_bus

__all__ = ["notification_server", "session_bus"]


def _failures(gui: Gui, run_id: int) -> int:
    return len([e for e in gui.window.notifications.entries()
                if e.note.kind == "failure" and e.note.run_id == run_id])


def _fail_once(gui: Gui) -> int:
    """A failing task run by the other engine, told in this window's bell; its run id."""
    gui.service.create_task(command_task("breaks", ["sh", "-c", "exit 3"]))
    gui.window.task_ops.operations.run_tasks([gui.service.get_task("breaks").id])
    gui.wait_until(lambda: gui.service.count_runs(task="breaks") == 1, 10)
    run_id = gui.service.list_runs(task="breaks")[0].id
    gui.wait_until(lambda: _failures(gui, run_id), 20)
    gui.quiet()  # more looks at the store: the failure is not told again
    gui.qtbot.wait(1500)
    return run_id


def test_a_viewer_tells_the_other_engines_failure_once(
        gui_factory: Callable[..., Gui], home: Path, tmp_path: Path) -> None:
    engine = holding_engine(home, tmp_path / "engine.log")
    try:
        gui = gui_factory()
        assert gui.session.mode == "standby"
        assert not gui.session.engine_notifies_desktop()  # no bus: nobody else pops it up
        run_id = _fail_once(gui)
        assert gui.service.get_run(run_id).status == "failed"
        assert _failures(gui, run_id) == 1
        assert gui.window.notifications.unread == 1
        assert gui.window.tray.state == "failure"  # the badge (drawn where a tray exists)
        assert said(gui.window) == "breaks failed: exit code 3"  # as its engine says it
    finally:
        assert engine.stop() == 0


def test_where_the_other_engine_shows_the_bubble_the_viewer_adds_none(
        session_bus: str, notification_server: NotificationServer,
        gui_factory: Callable[..., Gui], home: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", session_bus)
    engine = holding_engine(home, tmp_path / "engine.log")
    try:
        gui = gui_factory()
        assert gui.session.mode == "standby"
        gui.wait_until(gui.session.engine_notifies_desktop)  # its notifier reaches the server
        run_id = _fail_once(gui)
        assert _failures(gui, run_id) == 1
        assert "breaks failed" not in said(gui.window)  # the bubble says it
        wait_until(lambda: notification_server.seen(), 15)
        [bubble] = notification_server.seen()  # the headless engine's, and only it
        assert (bubble.summary, bubble.body) == ("breaks failed", "exit code 3")
        [entry] = [e for e in gui.window.notifications.entries() if e.note.run_id == run_id]
        assert (entry.note.title, entry.note.message) == ("breaks failed", "exit code 3")
    finally:
        assert engine.stop() == 0
