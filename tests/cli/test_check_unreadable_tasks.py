"""`tickwork check` names the stored tasks this version cannot read, one line each, and
exits 1: it said "integrity check ok" (exit 0) of a store whose task the engine, `task list
--json` and `export` all leave out — the one command asked whether the store is fine said
it was."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any


def test_check_names_each_task_it_cannot_read_and_fails(cli: Any, home: Path) -> None:
    for name in ("alpha", "broken", "gamma", "lost"):
        assert cli("task", "add", name, "--command", "true", "--every", "5m").code == 0
    assert cli("check").code == 0
    with closing(sqlite3.connect(home / "tickwork.db")) as con, con:
        con.execute("UPDATE task SET env = 'null' WHERE name = 'broken'")
        con.execute("""UPDATE task SET schedule = '{"kind": "nope"}' WHERE name = 'lost'""")
    db = home / "tickwork.db"
    before = db.read_bytes()
    check = cli("check")
    assert check.code == 1, (check.out, check.err)
    assert check.out == (
        "task 'broken' (id 2) cannot be read by this version of Tickwork: 'NoneType' object "
        "is not iterable\n"
        "task 'lost' (id 4) cannot be read by this version of Tickwork: schedule.kind: "
        "unknown kind 'nope' (use one of manual, date, interval, cron, calendar, after, "
        "any)\n")
    assert check.err == (
        f"tickwork: {db} holds 2 tasks this version cannot read (named above): the engine "
        "does not run them and `task list` leaves them out; `tickwork task delete ID` deletes "
        "one, or `tickwork restore FILE` brings back a backup\n")
    as_json = cli("check", "--json")
    assert as_json.code == 1
    found = as_json.json()
    assert found["ok"] is False and len(found["problems"]) == 2
    assert found["unreadable_tasks"] == [
        {"id": 2, "name": "broken", "reason": "'NoneType' object is not iterable"},
        {"id": 4, "name": "lost", "reason": "schedule.kind: unknown kind 'nope' (use one of "
                                            "manual, date, interval, cron, calendar, after, any)"}]
    assert db.read_bytes() == before  # still read-only
    assert not (home / "tickwork.db-wal").exists()
    assert cli("task", "delete", "2").code == 0 and cli("task", "delete", "lost").code == 0
    again = cli("check")
    assert again.code == 0 and "integrity check ok\naudit trail: " in again.out, again.err
    assert again.out.endswith(" events, verified\n"), again.out


def test_check_names_each_task_in_a_time_zone_this_machine_lacks(cli: Any, home: Path) -> None:
    """A task stored in a zone this machine's time zone data lacks (a store from a machine
    with newer zone data) is listed and shown, but the engine never fires it
    (tests/engine/test_zone_gone.py): `check` said the store was fine."""
    for name in ("here", "gone"):
        assert cli("task", "add", name, "--command", "true", "--every", "5m").code == 0
    with closing(sqlite3.connect(home / "tickwork.db")) as con, con:
        con.execute("UPDATE task SET timezone = 'Atlantis/Capital' WHERE name = 'gone'")
    check = cli("check")
    assert check.code == 1, (check.out, check.err)
    assert check.out == ("task 'gone' (id 2) is left out by the engine: this machine does not "
                         "know its time zone 'Atlantis/Capital' (its time zone data lacks it)\n")
    assert check.err == (
        "tickwork: 1 task in a time zone this machine does not know (named above) is left out "
        "by the engine, never run, until `tickwork task update NAME --tz ZONE` gives one a zone "
        "it knows, or the system's time zone data (tzdata) is updated\n")
    found = cli("check", "--json").json()
    assert found["unreadable_tasks"] == []
    assert found["tasks_in_unknown_zones"] == [
        {"id": 2, "name": "gone", "zone": "Atlantis/Capital"}]
    assert cli("task", "update", "gone", "--tz", "Europe/Berlin").code == 0
    assert cli("check").code == 0


def test_running_a_task_in_a_zone_this_machine_lacks_is_refused(cli: Any, home: Path) -> None:
    """`task run` of it queued a run no engine ever took (the engine leaves the task out):
    `run list` showed it `queued` for good, `--wait` timed out. It is refused, saying why
    and how to mend it, and nothing is queued."""
    assert cli("task", "add", "gone", "--command", "true", "--manual").code == 0
    with closing(sqlite3.connect(home / "tickwork.db")) as con, con:
        con.execute("UPDATE task SET timezone = 'Atlantis/Capital' WHERE name = 'gone'")
    ran = cli("task", "run", "gone")
    assert (ran.code, ran.out) == (2, ""), ran
    assert ran.err == (
        "tickwork: error: task: 'gone' cannot run on this machine: unknown time zone: "
        "'Atlantis/Capital' (use an IANA name such as Europe/Berlin or UTC); give it a zone "
        "this machine knows (the editor's Schedule page, or `tickwork task update 1 --tz "
        "ZONE`)\n")
    assert cli("run", "list", "--json").json() == []
    assert cli("task", "update", "gone", "--tz", "UTC").code == 0
    assert cli("task", "run", "gone").code == 0
