"""What a run's note says, as `tickwork run list` reads it: counts in the right number
("1 fire missed", "30 fires missed", never "fire(s)"), and a run cut off by its engine says
whether the engine died (kill -9, a crash) or was stopped, once."""

from __future__ import annotations

import signal
from datetime import UTC, datetime, timedelta
from typing import Any

from faults.harness import wait_until
from tests.conftest import command_task


def _reasons(cli: Any) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for run in cli("run", "list", "--json").json():
        out.setdefault(run["task_name"], []).append(run["reason"] or "")
    return out


def test_catch_ups_and_overlap_skips_say_their_counts_in_the_right_number(
        engine: Any, service: Any, cli: Any) -> None:
    now = datetime.now(UTC)
    minutely = {"kind": "interval", "seconds": 60}
    # no engine since: 1 fire missed, and 30
    service.create_task(command_task("one", schedule=minutely, catch_up="once"),
                        now=now - timedelta(seconds=90))
    service.create_task(command_task("thirty", schedule=minutely, catch_up="once"),
                        now=now - timedelta(minutes=30, seconds=30))
    service.create_task(command_task("slow", action={"kind": "command", "argv": ["sleep", "5"]},
                                     schedule={"kind": "interval", "seconds": 1},
                                     overlap="skip"))
    engine.start()
    wait_until(lambda: {"one", "thirty"} <= set(_reasons(cli))
               and any("not ended yet" in r for r in _reasons(cli).get("slow", [])), 15)
    reasons = _reasons(cli)
    assert reasons["one"] == ["catch-up (once): 1 fire missed while no engine ran"]
    assert reasons["thirty"] == ["catch-up (once): 30 fires missed while no engine ran"]
    assert ("1 run of this task not ended yet (max instances 1, overlap: skip)"
            in reasons["slow"]), reasons["slow"]
    listed = cli("run", "list").out
    assert "(s)" not in listed and "1 fire missed" in listed, listed


def _cut_off(spawn: Any, cli: Any, signum: int) -> tuple[dict[str, Any], str]:
    """A run of `sleep 60` going when its engine gets `signum`; as the next engine left it."""
    assert cli("task", "add", "long", "--command", "sleep 60", "--manual").code == 0
    first = spawn("first")
    first.wait_for("engine running")
    assert cli("task", "run", "long").code == 0
    wait_until(lambda: [r["status"] for r in cli("run", "list", "--json").json()] == ["running"],
               15)
    if signum == signal.SIGKILL:
        first.kill9()
    else:
        assert first.stop(signum) == 0
    second = spawn("second")
    second.wait_for("engine running")
    second.stop()
    [run] = [r for r in cli("run", "list", "--json").json() if r["status"] == "interrupted"]
    [line] = [line for line in cli("run", "list").out.splitlines() if "interrupted" in line]
    return run, line


def test_a_run_cut_off_by_a_killed_engine_says_the_engine_died(spawn: Any, cli: Any) -> None:
    run, line = _cut_off(spawn, cli, signal.SIGKILL)
    assert run["reason"] == ("the engine died (killed, crashed or frozen) while this run was "
                             "running"), run
    assert run["error"] is None
    assert "stopped" not in line and "the engine died (killed" in line, line


def test_a_run_cut_off_by_a_graceful_stop_says_so_once(spawn: Any, cli: Any) -> None:
    run, line = _cut_off(spawn, cli, signal.SIGTERM)
    assert run["reason"] == "the engine stopped while this run was running", run
    assert run["error"] is None, run  # it said "the engine stopped" a second time
    assert line.count("the engine stopped") == 1 and "died" not in line, line
