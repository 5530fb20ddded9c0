"""A click can reach the engine before the reply that tells it the notification's id: the
server shows the bubble, then answers, and both messages race on the bus (and, once
received, between the notifier's two threads). The click must still act, not be taken for
another program's notification (seen as the GUI test's Open log that did nothing, 1 run in
10 under load)."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from app.engine.events import EventHub, Notification
from app.engine.notifier import Notifier
from faults.harness import wait_until
from tests.support.dbus_session import NotificationServer


@pytest.mark.parametrize("action", ["open", "default"])
def test_a_click_sent_before_the_notify_reply_opens_the_run(
        session_bus: str, store: Any, monkeypatch: pytest.MonkeyPatch, action: str) -> None:
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", session_bus)
    server = NotificationServer(session_bus, click_first=action)
    hub = EventHub()
    notifier = Notifier(store, hub, budget=20)  # each a bubble of its own (no storm summary)
    opened: list[int] = []
    done = threading.Event()

    def open_run(run_id: int) -> None:
        opened.append(run_id)
        done.set()

    notifier.open_run = open_run
    notifier.start()
    try:
        wait_until(lambda: notifier.desktop, 20)
        for run_id in range(1, 21):  # each one a race; all must be heard
            done.clear()
            hub.emit(Notification("failure", f"task{run_id} failed", "exit 3", run_id, None))
            assert done.wait(20), f"the click on run {run_id}'s bubble did nothing"
        assert opened == list(range(1, 21))
    finally:
        notifier.stop()
        server.close()
