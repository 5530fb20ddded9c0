"""A failure's notification and its retry's note say the error as the Runs view does, its
first line ("ValueError: no such account"): a Python action's error of several lines was
the notification's body whole, and the retry's note ("retry of run 1 (attempt 1 failed:
…)") too, every line. The run's details and `run show` keep the error whole."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from faults.harness import wait_until
from tests.engine.conftest import EngineProcess
from tests.support.dbus_session import NotificationServer

ACTIONS = "tests.engine.worker_actions"


def test_a_failures_notification_and_retry_note_say_its_errors_first_line(
        cli: Any, home: Path, tmp_path: Path, session_bus: str,
        notification_server: NotificationServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", session_bus)
    engine = EngineProcess(home, tmp_path / "engine.log")
    try:
        engine.wait_for("engine running")
        wait_until(lambda: "desktop notifications through test-server" in engine.text())
        assert cli("task", "add", "raises", "--python", f"{ACTIONS}:raise_lines", "--manual",
                   "--retries", "1", "--retry-delay", "1s").code == 0
        assert cli("task", "run", "raises", "--wait", "1m", timeout=70).code == 1
        calls = wait_until(notification_server.seen, timeout=20)
    finally:
        engine.stop()
    assert [call.body for call in calls] == ["ValueError: no such account"], calls
    first, retry = sorted(cli("run", "list", "--json").json(), key=lambda r: r["id"])
    assert retry["reason"].startswith(
        f"retry of run {first['id']} (attempt 1 failed: ValueError: no such account), due "), \
        retry["reason"]
    assert retry["error"] == "ValueError: no such account\nchecked: ledger, archive"
