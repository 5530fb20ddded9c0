"""`tickwork simulate`: what would run, through the real CLI, nothing run or written."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any


def _rows(home: Path) -> tuple[int, int]:
    con = sqlite3.connect(home / "tickwork.db")
    try:
        (runs,) = con.execute("SELECT count(*) FROM run").fetchone()
        (audit,) = con.execute("SELECT count(*) FROM audit_event").fetchone()
        return runs, audit
    finally:
        con.close()


def test_simulate_json_across_dst_with_chain_and_dependency(cli: Any, home: Path) -> None:
    start = ("--start", "2027-03-27T00:00:00+00:00")  # nothing falls due (and is missed)
    # between these adds and the simulate below, whatever the wall clock says
    assert cli("task", "add", "nightly", "--command", "true", "--cron", "30 2 * * *",
               "--tz", "Europe/Berlin", *start).code == 0
    assert cli("task", "add", "report", "--command", "true", "--after", "nightly",
               "--tz", "UTC").code == 0
    assert cli("task", "add", "mail", "--command", "true", "--cron", "30 2 * * *",
               "--tz", "Europe/Berlin", "--depends-on", "nightly", *start).code == 0
    before = _rows(home)
    # the spring change in Berlin (28 March 2027, 02:00 → 03:00), a year ahead: no catch-up
    result = cli("simulate", "--from", "2027-03-27T12:00:00+00:00", "--hours", "48", "--json")
    assert result.code == 0, result.err
    items = result.json()
    assert [(i["task_name"], i["fire_at"], i["kind"]) for i in items] == [
        ("nightly", "2027-03-28T03:00:00+02:00", "fire"),  # 02:30 does not exist that day
        ("mail", "2027-03-28T03:00:00+02:00", "fire"),
        ("report", "2027-03-28T01:00:00+00:00", "chain"),
        ("nightly", "2027-03-29T02:30:00+02:00", "fire"),
        ("mail", "2027-03-29T02:30:00+02:00", "fire"),
        ("report", "2027-03-29T00:30:00+00:00", "chain"),
    ]
    for item in items:
        assert set(item) == {"task_id", "task_name", "fire_at", "reason", "kind",
                             "expected_duration_s"}
        assert datetime.fromisoformat(item["fire_at"]).tzinfo is not None
    assert items[2]["reason"] == "after nightly succeeded"
    assert _rows(home) == before


def test_simulate_table_defaults_to_the_next_24_hours(cli: Any) -> None:
    assert cli("task", "add", "tick", "--command", "true", "--every", "1h").code == 0
    result = cli("simulate")
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0].split() == ["FIRE", "AT", "TASK", "NOTE"]
    assert sum(" tick" in line for line in lines[1:]) == 24


def test_simulate_refuses_a_bad_instant(cli: Any) -> None:
    result = cli("simulate", "--from", "yesterday-ish")
    assert result.code == 2
    assert "from" in result.err and "ISO 8601" in result.err


def test_a_later_window_catches_up_once_at_its_start_with_no_fire_beside_it(
        cli: Any, service: Any, home: Path) -> None:
    """An overdue task (no engine ran) is caught up at a later window's start as an engine
    started then would: the fire at that instant is one of those missed, not a second run
    beside the catch-up (which overlap `skip` showed as “delayed”)."""
    import time

    from app.store.models import RunRow

    assert cli("task", "add", "Poll", "--command", "true", "--cron", "*/2 * * * * *",
               "--overlap", "skip").code == 0
    task = service.get_task("Poll")
    assert task.next_run_at is not None
    for i in range(3):  # its runs take 3 s
        began = task.next_run_at - timedelta(days=1, minutes=10 * i)
        RunRow.create(task=task.id, scheduled_for=began, attempt=1, status="succeeded",
                      trigger="schedule", queued_at=began, started_at=began,
                      finished_at=began + timedelta(seconds=3), engine="old:1:1")
    time.sleep(max(task.next_run_at.timestamp() - time.time(), 0) + 0.2)  # now overdue
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).replace(hour=0, minute=0, second=0,
                                                               microsecond=0)
    result = cli("simulate", "--from", tomorrow.isoformat(), "--hours", "0.002", "--json")
    assert result.code == 0, result.err
    items = [(datetime.fromisoformat(i["fire_at"]) - tomorrow, i["kind"])
             for i in result.json()]
    # the catch-up runs 3 s: the fire at +2 s finds it going (overlap: skip), +4 s runs
    assert items[:3] == [(timedelta(0), "catch_up"), (timedelta(seconds=2), "skipped"),
                         (timedelta(seconds=4), "fire")], items
