"""The fault suite, small: every scenario of `make faults` against real engine processes.

`make faults` runs the same code with 500 tasks and 200 kill -9; here a short storm and each
single fault keep the promise checked on every `make test`.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from faults import scenarios
from faults.storm import storm


def _assert_ok(verdict: dict[str, object]) -> None:
    assert verdict["ok"], json.dumps(verdict, indent=1)


def test_a_short_kill_9_storm_loses_repeats_and_leaves_nothing(tmp_path: Path) -> None:
    _assert_ok(storm(tmp_path, tasks=40, kills=5, seed=3, life=(0.3, 1.2), lead=1.0,
                     log=lambda _: None))


@pytest.mark.parametrize("name", sorted(scenarios.ALL))
def test_a_single_fault_is_a_state_not_a_loss(name: str, tmp_path: Path) -> None:
    verdict = scenarios.ALL[name](tmp_path)
    if "skipped" in verdict:  # the full disk is a real small file system: mounting needs root
        pytest.skip(str(verdict["skipped"]))
    _assert_ok(verdict)


def test_a_failed_storm_says_what_the_engines_warned_and_the_runs_it_names(
        tmp_path: Path) -> None:
    from faults.harness import Home, wait_until
    from faults.storm import evidence

    home = Home(tmp_path / "home")
    assert home.cli("task", "add", "long000", "--command", "sleep 30", "--manual").code == 0
    try:
        first = home.engine()
        first.wait_for("engine running")
        assert home.cli("task", "run", "long000").code == 0
        wait_until(lambda: home.query("SELECT pgid FROM run")[0][0], 10)  # its command runs
        first.kill9()
        home.engine().wait_for("engine running")  # recovery stops the command the kill left
        found = evidence(home, {"examples": {"overlaps": ["long000", "long000"], "audit": None}})
        assert any(line.startswith("1: ") and "stopped 1 process" in line
                   for line in found["warnings"]), found["warnings"]
        assert [row[2:4] for row in found["runs"]["long000"]] == [[1, "interrupted"]]
    finally:
        home.stop_all()
