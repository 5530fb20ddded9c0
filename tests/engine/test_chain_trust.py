"""Trust faults a fault hunt found in fallbacks, waits across a restart and `run list` with
no engine, through the CLI and a real engine:
- a failed task's fallback ran though that task was paused: now it does not run, and the
  failed run's note says so ("fallback “rescue” is paused: not run"), after an attempt that
  failed as after one a kill -9 of its engine cut off."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from tests.engine.conftest import wait_until

PAUSED_NOTE = "fallback “rescue” is paused: not run"


def _runs(cli: Any, task: str) -> list[dict[str, Any]]:
    return sorted((r for r in cli("run", "list", "--json").json() if r["task_name"] == task),
                  key=lambda r: r["id"])


def test_a_paused_fallback_does_not_run_and_the_failed_run_says_so(
        spawn: Any, cli: Any, tmp_path: Path) -> None:
    engine = spawn()
    engine.wait_for("engine running")
    ran = tmp_path / "ran"
    assert cli("task", "add", "rescue", "--shell", "--command", f"touch {ran}").code == 0
    assert cli("task", "pause", "rescue").code == 0
    assert cli("task", "add", "main", "--command", "false", "--fallback", "rescue").code == 0
    waited = cli("task", "run", "main", "--wait", "20")
    assert waited.code == 1 and "follows as run" not in waited.out, waited.out
    run_id = _runs(cli, "main")[0]["id"]
    shown = wait_until(lambda: PAUSED_NOTE in ((r := cli("run", "show", str(run_id), "--json")
                                                .json())["reason"] or "") and r, 10)
    assert shown["status"] == "failed"
    time.sleep(0.5)  # (a fallback claimed with the end would be queued by now)
    assert _runs(cli, "rescue") == [] and not ran.exists()
    listed = cli("run", "list")
    assert PAUSED_NOTE in listed.out, listed.out
    # resumed, it is the fallback again
    assert cli("task", "resume", "rescue").code == 0
    cli("task", "run", "main", "--wait", "20")
    wait_until(lambda: [r["status"] for r in _runs(cli, "rescue")] == ["succeeded"], 15)


def test_a_paused_fallback_does_not_run_after_a_kill_cut_its_task_off(
        spawn: Any, cli: Any, tmp_path: Path) -> None:
    engine = spawn()
    engine.wait_for("engine running")
    ran = tmp_path / "ran"
    assert cli("task", "add", "rescue", "--shell", "--command", f"touch {ran}").code == 0
    assert cli("task", "pause", "rescue").code == 0
    assert cli("task", "add", "main", "--command", "sleep 30", "--fallback", "rescue").code == 0
    run_id = cli("task", "run", "main", "--json").json()["id"]
    wait_until(lambda: cli("run", "show", str(run_id), "--json").json()["status"]
               == "running", 15)
    engine.kill9()
    again = spawn("again")
    again.wait_for("engine running")
    shown = wait_until(lambda: (r := cli("run", "show", str(run_id), "--json").json())[
        "status"] == "interrupted" and r, 15)
    assert PAUSED_NOTE in (shown["reason"] or ""), shown
    time.sleep(0.5)
    assert _runs(cli, "rescue") == [] and not ran.exists()
