"""A Python action that ends with `sys.exit()`, as a script does: exit 0 (or none) is
success, as a command's exit 0 is; any other code fails its run, named (a fault hunt: every
`sys.exit(0)` read "failed: SystemExit: 0", and its retries ran)."""

from __future__ import annotations

import json
from typing import Any

from tests.engine.conftest import wait_until

ACTIONS = "tests.engine.worker_actions"


def _ended(cli: Any, task: str) -> dict[str, Any]:
    """The task's first attempt, once it has ended."""
    def ended() -> list[dict[str, Any]]:
        runs = json.loads(cli("run", "list", "--task", task, "--json").out)
        return [r for r in runs if r["attempt"] == 1
                and r["status"] not in ("queued", "running")]
    (run,) = wait_until(ended, 20)
    return run


def test_sys_exit_zero_succeeds_and_another_code_fails_named(spawn: Any, cli: Any) -> None:
    engine = spawn()
    engine.wait_for("engine running")
    cases = {"exit-0": 0, "exit-none": None, "exit-false": False, "exit-4": 4,
             "exit-words": "no input today"}
    for name, code in cases.items():
        assert cli("task", "add", name, "--python", f"{ACTIONS}:exit_with", "--manual",
                   "--retries", "2", "--kwargs", json.dumps({"code": code})).code == 0
        assert cli("task", "run", name).code == 0
    ends = {name: _ended(cli, name) for name in cases}
    for name in ("exit-0", "exit-none", "exit-false"):
        assert ends[name]["status"] == "succeeded", ends[name]
        assert ends[name]["error"] is None
        assert len(json.loads(cli("run", "list", "--task", name, "--json").out)) == 1
    assert ends["exit-4"]["status"] == "failed"
    assert ends["exit-4"]["error"] == "SystemExit: 4"
    assert ends["exit-words"]["error"] == "SystemExit: no input today"
    shown = cli("run", "show", "--log", str(ends["exit-0"]["id"]))
    assert "done here" in shown.out
    assert engine.stop() == 0
