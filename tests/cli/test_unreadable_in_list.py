"""`tickwork task list` (the table) leaves out a stored task this version cannot read, as
`--json`, `export` and the engine do, said once on stderr: a schedule or next fire a backup
or a hand edit left unreadable made the whole list fail ("failed: JSONDecodeError …", exit
1), every other task unseen."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest


@pytest.mark.parametrize(("column", "value", "said"), [
    ("schedule", "{not json", "Expecting property name enclosed in double quotes"),
    ("schedule", '{"kind": "nope"}', "schedule.kind: unknown kind 'nope'"),
    ("next_run_at", "soon", "Invalid isoformat string: 'soon'"),
])
def test_the_list_shows_the_tasks_it_can_read_and_names_the_one_it_cannot(
        cli: Any, home: Path, column: str, value: str, said: str) -> None:
    for name in ("alpha", "broken", "gamma"):
        assert cli("task", "add", name, "--command", "true", "--every", "5m").code == 0
    with sqlite3.connect(home / "tickwork.db") as con:
        con.execute(f"UPDATE task SET {column} = ? WHERE name = 'broken'", (value,))
    for sort in ("name", "next_run_at", "priority"):
        listed = cli("task", "list", "--sort", sort)
        assert listed.code == 0, listed.err
        names = [line.split()[1] for line in listed.out.splitlines()[1:]]
        assert sorted(names) == ["alpha", "gamma"], listed.out
        assert listed.err.startswith("task 'broken' (id 2) cannot be read and is left out: ")
        assert said in listed.err and len(listed.err.splitlines()) == 1, listed.err
    assert [t["name"] for t in cli("task", "list", "--json").json()] == ["alpha", "gamma"]
    shown = cli("task", "show", "broken")
    assert shown.code == 1 and "`tickwork task delete 2` deletes it" in shown.err
    assert cli("task", "delete", "2").code == 0
    assert "cannot be read" not in cli("task", "list").err


def test_variables_it_cannot_read_leave_the_task_out_of_show_and_export_not_the_others(
        cli: Any, home: Path, tmp_path: Path) -> None:
    """Its variables stored as null: `task show` and `export` failed ("failed: TypeError")."""
    for name in ("alpha", "broken"):
        assert cli("task", "add", name, "--command", "true", "--manual").code == 0
    with sqlite3.connect(home / "tickwork.db") as con:
        con.execute("UPDATE task SET env = 'null' WHERE name = 'broken'")
    shown = cli("task", "show", "broken")
    assert shown.code == 1 and shown.err == (
        "tickwork: error: task 'broken' cannot be read by this version of Tickwork ('NoneType' "
        "object is not iterable); `tickwork task delete 2` deletes it\n")
    exported = cli("export", str(tmp_path / "tasks.json"))
    # written without it, and said as a failure: a nightly export must not lose it quietly
    assert exported.code == 1 and exported.out.startswith("exported 1 task "), exported.err
    assert "task 'broken' (id 2) cannot be read and is left out" in exported.err
    assert exported.err.endswith("tickwork: error: the export lacks 1 task this version "
                                 "cannot read (named above)\n"), exported.err
    names = [t["name"] for t in json.loads((tmp_path / "tasks.json").read_text())["tasks"]]
    assert names == ["alpha"]
    assert [t["name"] for t in cli("task", "list", "--json").json()] == ["alpha"]
