"""A run the last engine left behind (killed under it) is found interrupted when the window's
own engine starts: the window tells it as it tells any failure — an entry in the bell's list
and, with no desktop notification server, in the status bar (offscreen: no tray) — and with
one, as one desktop bubble (the engine's), not two. The headless engine told it on the
desktop (tests/notify/test_engine_notifies.py); the window heard nothing of it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from faults.harness import wait_until
from tests.engine.conftest import EngineProcess
from tests.gui.conftest import Gui, said
from tests.support import tickwork
from tests.support.dbus_session import NotificationServer, notification_server, session_bus

__all__ = ["notification_server", "session_bus"]


def _left_behind(home: Path, tmp_path: Path) -> None:
    """A `tickwork engine` killed (-9) while a run of "long" (no retries) was running."""
    for args in (["task", "add", "long", "--command", "sleep 60", "--manual"],):
        out = tickwork.run(["--home", str(home), *args], timeout=60)
        assert out.returncode == 0, out.stderr
    engine = EngineProcess(home, tmp_path / "engine.log")
    try:
        engine.wait_for("engine running")
        out = tickwork.run(["--home", str(home), "task", "run", "long"], timeout=60)
        assert out.returncode == 0, out.stderr

        def running() -> bool:
            listed = tickwork.run(["--home", str(home), "run", "list", "--task", "long"],
                                  timeout=60)
            return "running" in listed.stdout

        wait_until(running, 30)
    finally:
        engine.kill9()


def _interrupted(gui: Gui) -> list[str]:
    return [e.note.title for e in gui.window.notifications.entries()
            if e.note.kind == "failure"]


def test_a_run_left_interrupted_is_in_the_bell_and_the_status_bar(
        gui_factory: Callable[..., Gui], home: Path, tmp_path: Path) -> None:
    _left_behind(home, tmp_path)
    gui = gui_factory()
    assert gui.session.mode == "running"
    gui.wait_until(lambda: _interrupted(gui), 20)
    assert _interrupted(gui) == ["long interrupted"]
    gui.wait_until(lambda: "long interrupted" in said(gui.window))
    assert gui.window.notifications.unread == 1


def test_with_a_notification_server_it_is_one_bubble_and_in_the_bell(
        session_bus: str, notification_server: NotificationServer,
        gui_factory: Callable[..., Gui], home: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    _left_behind(home, tmp_path)
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", session_bus)
    gui = gui_factory()
    gui.wait_until(lambda: _interrupted(gui), 20)
    gui.wait_until(notification_server.seen, 20)
    gui.qtbot.wait(1000)  # a second bubble would come at once
    assert [c.summary for c in notification_server.seen()] == ["long interrupted"]
    assert _interrupted(gui) == ["long interrupted"]
