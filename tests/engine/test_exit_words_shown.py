"""`run show` names the signal that ended a command: "Exit code -15" alone was left for a
person to decode (a run-through under X)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.engine.conftest import wait_until


def test_run_show_names_the_signal_of_a_cancelled_command(spawn: Any, cli: Any,
                                                          home: Path) -> None:
    spawn().wait_for("engine running on")
    assert cli("task", "add", "long", "--manual", "--command", "sleep 30").code == 0
    assert cli("task", "run", "long").code == 0
    wait_until(lambda: json.loads(cli("run", "show", "1", "--json").out)["status"]
               == "running", 20)
    assert cli("run", "cancel", "1").code == 0
    wait_until(lambda: json.loads(cli("run", "show", "1", "--json").out)["status"]
               == "cancelled", 20)
    shown = cli("run", "show", "1").out
    assert "exit code: -15 (killed by signal SIGTERM)" in shown, shown
