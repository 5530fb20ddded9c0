"""The window running the engine in its process, on a real private session bus with a real
notification server (tests/support/dbus_session): one bubble per failure — the engine's
D-Bus one, not a second from the tray — the note still in the window's list, and the
bubble's buttons acting on this window (Open log shows the run, Retry now runs it again)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.gui.conftest import Gui, command_task, said
from tests.support.dbus_session import NotificationServer, notification_server, session_bus

__all__ = ["notification_server", "session_bus"]

RUNS = 3


def test_the_engine_owns_the_bubble_and_its_buttons_act_on_this_window(
        session_bus: str, notification_server: NotificationServer,
        gui_factory: Callable[..., Gui], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", session_bus)
    gui = gui_factory()  # closed before the bus stops (fixtures end in reverse order)
    gui.wait_until(gui.session.engine_notifies_desktop)  # so the tray shows no bubble
    gui.service.create_task(command_task("breaks", ["sh", "-c", "exit 3"]))
    run = gui.service.run_now("breaks")
    notes = gui.window.notifications
    gui.wait_until(lambda: any(e.note.run_id == run.id for e in notes.entries()), 15)
    gui.wait_until(lambda: notification_server.seen(), 15)
    [call] = notification_server.seen()
    assert call.summary == "breaks failed"

    notification_server.click(call.id, "open")
    view = gui.window.runs_view
    gui.wait_until(lambda: gui.window.current_view() == RUNS)
    gui.wait_until(lambda: view.detail.run is not None and view.detail.run.id == run.id)

    notification_server.click(call.id, "retry")
    gui.wait_until(lambda: gui.service.count_runs(task="breaks") == 2, 15)
    gui.wait_until(lambda: len(notification_server.seen()) == 2, 15)
    # the list keeps every failure too
    gui.wait_until(lambda: len([e for e in notes.entries() if e.note.kind == "failure"]) == 2)


def test_without_a_bus_the_window_keeps_its_own_fallbacks(gui: Gui) -> None:
    assert not gui.session.engine_notifies_desktop()
    gui.service.create_task(command_task("breaks", ["false"]))
    run = gui.service.run_now("breaks")
    notes = gui.window.notifications
    gui.wait_until(lambda: any(e.note.run_id == run.id for e in notes.entries()), 15)
    gui.wait_until(lambda: "breaks failed" in said(gui.window))
