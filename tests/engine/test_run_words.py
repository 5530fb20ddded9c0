"""What a run's note says, as `tickwork run list` reads it: counts in the right number
("1 fire missed", "30 fires missed", never "fire(s)")."""

from __future__ import annotations

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

