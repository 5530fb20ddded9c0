"""`task update` and `task reschedule` that give every option as the task has it already —
a script that sets its tasks on every start, say — change nothing and record nothing, as
`task pause` of a paused task: each said "updated task" and added a `task.update` event whose
before and after were the same, one a run of the script."""

from __future__ import annotations

from typing import Any


def events(cli: Any) -> list[str]:
    return [e["action"] for e in cli("audit", "--json").json()]


def test_an_update_that_changes_nothing_says_so_and_records_nothing(cli: Any) -> None:
    assert cli("task", "add", "sync", "--command", "true", "--every", "5m", "--tag", "net",
               "--priority", "3", "--env", "A=1").code == 0
    updated = cli("task", "show", "sync", "--json").json()["updated_at"]
    for args in (["update", "sync", "--priority", "3"], ["update", "sync", "--tag", "net"],
                 ["update", "sync", "--env", "A=1", "--every", "5m"],
                 ["update", "SYNC", "--name", "sync"]):
        result = cli("task", *args)
        assert result.code == 0
        assert result.out == "task 1 'sync' already had that: nothing changed\n"
    result = cli("task", "reschedule", "sync", "--every", "5m")
    assert result.code == 0 and result.out == (
        "task 1 'sync' already had that schedule: nothing changed (Every 5 minutes)\n")
    assert events(cli) == ["task.create"]
    assert cli("task", "show", "sync", "--json").json()["updated_at"] == updated
    # a change is one, as ever
    assert cli("task", "update", "sync", "--priority", "4").out == "updated task 1 'sync'\n"
    assert cli("task", "reschedule", "sync", "--every", "6m").out == (
        "rescheduled task 1 'sync': Every 6 minutes\n")
    assert events(cli) == ["task.update", "task.update", "task.create"]
