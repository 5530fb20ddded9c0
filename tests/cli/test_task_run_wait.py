"""`task run` with no engine holding the store, and `--wait`'s value: a bad value is one line
naming --wait (exit 2, nothing queued); with no engine the run is queued and stderr says
nothing starts it until an engine does, and `--wait` exits 1 at once, queueing nothing.
tests/engine/test_task_run_wait.py has them with an engine."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.mark.parametrize(("value", "line"), [
    ("-1", "wait: must be positive, got '-1'"),
    ("0", "wait: must be positive, got '0'"),
    ("nan", "wait: not a duration: 'nan'"),
    ("inf", "wait: not a duration: 'inf'"),
    ("soon", "wait: not a duration: 'soon'"),
], ids=["negative", "zero", "nan", "inf", "word"])
def test_a_bad_wait_is_one_line_and_queues_nothing(cli: Any, value: str, line: str) -> None:
    assert cli("task", "add", "t", "--command", "true", "--manual").code == 0
    result = cli("task", "run", "t", "--wait", value)
    assert result.code == 2 and result.out == "", result
    assert result.err.count("\n") == 1 and line in result.err, result.err
    assert cli("run", "list", "--json").json() == []


def test_with_no_engine_a_run_is_queued_and_said_so_and_a_wait_ends_soon(cli: Any
                                                                        ) -> None:
    """A wait gives an engine 3 s to take the store (one a script started just before),
    then queues nothing and exits 1; it hung for ever with no value given."""
    assert cli("task", "add", "t", "--command", "true", "--manual").code == 0
    queued = cli("task", "run", "t")
    assert queued.code == 0 and queued.out == "run 1 of 't': queued\n"
    assert queued.err == ("tickwork: no engine is running on this store (start one: `tickwork "
                          "engine`, or the window): run 1 stays queued until one starts\n")
    for wait in (["--wait"], ["--wait", "3", "--json"]):
        waited = cli("task", "run", "t", *wait, timeout=20)  # (it hung for ever with no value)
        assert waited.code == 1 and waited.out == "", waited
        assert waited.err == ("tickwork: no engine is running on this store (start one: "
                              "`tickwork engine`, or the window): nothing was queued\n")
    assert [r["id"] for r in cli("run", "list", "--json").json()] == [1]
    assert cli("task", "run", "ghost", "--wait").err == "tickwork: error: task not found: ghost\n"
