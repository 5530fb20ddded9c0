"""`tickwork task cancel TASK` with no engine holding the store: its runs in progress (queued:
nobody took them) end `cancelled` at once, each said as `run cancel` says it, others' left as
they are; no TASK is the usual one line, exit 2. (tests/engine/test_task_cancel.py has it
beside an engine.)"""

from __future__ import annotations

from typing import Any


def test_runs_nobody_took_end_at_once(cli: Any) -> None:
    for name in ("long", "other"):
        assert cli("task", "add", name, "--command", "sleep 60", "--manual").code == 0
    assert cli("task", "run", "long").code == 0
    assert cli("task", "run", "other").code == 0
    assert cli("task", "run", "long").code == 0
    out = cli("task", "cancel", "long")
    assert (out.code, out.out, out.err) == (
        0, "run 1 of 'long': cancelled\nrun 3 of 'long': cancelled\n", "")
    runs = {r["id"]: (r["status"], r["error"]) for r in cli("run", "list", "--json").json()}
    assert runs == {1: ("cancelled", "cancelled on request"), 2: ("queued", None),
                    3: ("cancelled", "cancelled on request")}
    assert cli("task", "cancel", "1").out == ("task 1 'long' has no run in progress: nothing "
                                              "cancelled\n")


def test_without_a_task_it_is_one_line(cli: Any) -> None:
    out = cli("task", "cancel")
    assert out.code == 2 and out.out == "" and out.err.count("\n") == 1, out
    assert "task" in out.err
    listed = cli("task", "--help").out
    assert "cancel" in listed and "runs in progress" in listed
