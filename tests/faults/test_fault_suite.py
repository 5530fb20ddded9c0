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
