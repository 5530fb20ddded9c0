"""Any program of the session can emit `ActionInvoked` on the bus with a guessed id; the
engine listened to every sender, so such a program could make it retry a task (run its
command again) or open windows. A click counts only from the notification server that showed
the bubble: a real headless engine, a real private bus, the test notification server, and a
second connection on the same bus sending the forged signals."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest

from app.platform.notifications import INTERFACE, OBJECT_PATH
from faults.harness import wait_until
from tests.notify.test_engine_notifies import engine_on_bus, finished, runs_of
from tests.support.dbus_session import NotificationServer

__all__ = ["engine_on_bus"]


@pytest.fixture
def forger(session_bus: str) -> Iterator[Any]:
    """Another program on the session bus: emits ActionInvoked as the server would."""
    from jeepney import DBusAddress, new_signal
    from jeepney.bus_messages import message_bus
    from jeepney.io.threading import DBusRouter, open_dbus_connection

    conn = open_dbus_connection(bus=session_bus)
    router = DBusRouter(conn)

    def click(notification_id: int, action: str) -> None:
        router.send(new_signal(DBusAddress(OBJECT_PATH, interface=INTERFACE), "ActionInvoked",
                               "us", (notification_id, action)))
        # a round trip: once the bus answers it, it has passed the signal on (in order)
        router.send_and_get_reply(message_bus.GetId(), timeout=5)

    yield click
    router.close()
    conn.close()


def windows_at_a_run(home: Path) -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter(["cmdline"]):
        line = proc.info["cmdline"] or []
        if "--show-run" in line and str(home) in line:
            found.append(proc)
    return found


@pytest.fixture
def no_windows_left(home: Path) -> Iterator[None]:
    """Windows a forged Open log started (before the fix) are closed after the test."""
    yield
    for proc in windows_at_a_run(home):
        proc.kill()


def test_a_click_from_another_program_does_nothing_and_the_server_s_still_works(
        cli: Any, engine_on_bus: Any, notification_server: NotificationServer, forger: Any,
        home: Path, no_windows_left: None) -> None:
    assert cli("task", "add", "nightly", "--command", "false").code == 0
    engine = engine_on_bus()
    assert cli("task", "run", "nightly").code == 0
    [call] = wait_until(notification_server.seen, timeout=20)
    for action in ("retry", "open", "default"):
        forger(call.id, action)
    # the server's own click comes after the forged ones on the engine's connection: once
    # its retry has run, the engine has acted (or not) on all of them
    notification_server.click(call.id, "retry")
    wait_until(lambda: finished(cli, "nightly", 2), timeout=20)
    assert [r["trigger"] for r in runs_of(cli, "nightly")] == ["manual", "manual"]
    run_nows = [e["actor"] for e in cli("audit", "--json").json()
                if e["action"] == "task.run_now"]
    assert run_nows == ["engine", "cli"]
    assert windows_at_a_run(home) == []
    ignored = [line for line in engine.text().splitlines() if "ignored a click" in line]
    assert len(ignored) == 1, engine.text()  # said once, for the three
    assert f"ignored a click on notification {call.id} sent by :1." in ignored[0]
    assert "not by the notification server (:1." in ignored[0]
