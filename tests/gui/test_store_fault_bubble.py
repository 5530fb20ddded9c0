"""A fault of the store (here: another program holds its write lock past the busy timeout)
is told on the desktop once, by whoever owns the bubbles. With a notification server the
window leaves its bubbles to the engine (app/gui/main_window.py), and the engine's notifier
delivered only runs' notes: the store's fault reached the bell and the tray's badge, and no
bubble at all — real private bus and notification server (tests/support/dbus_session)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

import pytest

from tests.gui.conftest import Gui, command_task
from tests.support.dbus_session import NotificationServer, notification_server, session_bus

__all__ = ["notification_server", "session_bus"]

TITLE = "Another program has locked Tickwork's store"


def test_a_locked_store_is_one_desktop_bubble(
        session_bus: str, notification_server: NotificationServer,
        gui_factory: Callable[..., Gui], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", session_bus)
    gui = gui_factory()
    gui.wait_until(gui.session.engine_notifies_desktop)
    gui.service.create_task(command_task("tick", ["true"],
                                         schedule={"kind": "interval", "seconds": 1}))
    gui.wait_until(lambda: gui.service.count_runs(task="tick") >= 2, 15)
    lock = sqlite3.connect(gui.store.home / "tickwork.db", isolation_level=None)
    lock.execute("BEGIN IMMEDIATE")  # another program's write, not committed
    try:
        notes = gui.window.notifications
        gui.wait_until(lambda: [e for e in notes.entries() if e.note.kind == "store"], 30)
        gui.wait_until(lambda: [c for c in notification_server.seen() if c.summary == TITLE],
                       10)
        gui.qtbot.wait(1500)  # said anew while the lock is held would be a second
    finally:
        lock.rollback()
        lock.close()
    [call] = [c for c in notification_server.seen() if c.summary == TITLE]
    assert "write lock" in call.body
