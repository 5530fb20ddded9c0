"""A `--dependency-timeout` set on the command line is the one the engine keeps to: a run
whose upstream is still running gives up after it, skipped, saying so (the option was the
editor's and an import's only). tests/cli/test_dependency_timeout.py has the option itself."""

from __future__ import annotations

import re
from typing import Any


def test_a_run_gives_up_waiting_after_the_timeout_the_cli_set(spawn: Any, cli: Any) -> None:
    engine = spawn()
    engine.wait_for("engine running on")
    assert cli("task", "add", "up", "--manual", "--command", "sleep 60").code == 0
    assert cli("task", "add", "down", "--manual", "--depends-on", "up", "--command", "true",
               "--dependency-timeout", "1s").code == 0
    assert cli("task", "run", "up").code == 0
    skipped = cli("task", "run", "down", "--wait", "1m", timeout=70)
    assert skipped.code == 1, skipped
    last = skipped.out.splitlines()[-1]
    assert re.fullmatch(r"run 2 of 'down': skipped \(waited longer than its dependency "
                        r"timeout \(1 s\): .+\)", last), last
    assert cli("run", "cancel", "1").code == 0
