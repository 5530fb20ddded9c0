"""`tickwork simulate` while a real engine runs a pipeline's first task: the run going now
ends at its expected end on the simulated timeline, and what it chains runs then."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from app.store.models import RunRow
from faults.harness import wait_until

EXPECTED = 20.0  # Fetch's typical run, from its history


def _started(home: Path, task: str) -> datetime | None:
    """When the run of `task` going now started (None while none is going)."""
    con = sqlite3.connect(home / "tickwork.db")
    try:
        row = con.execute("SELECT r.started_at FROM run r JOIN task t ON t.id = r.task_id "
                          "WHERE t.name = ? AND r.status = 'running'", (task,)).fetchone()
    finally:
        con.close()
    return None if row is None or row[0] is None else _aware(row[0])


def _aware(text: str) -> datetime:
    at = datetime.fromisoformat(text)
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def _pipeline(cli: Any, service: Any) -> None:
    """Fetch (every 2 minutes, a run of 20 s as its history says), Build after Fetch, Report
    after Build."""
    assert cli("task", "add", "Fetch", "--command", "sleep 60", "--every", "2m").code == 0
    assert cli("task", "add", "Build", "--command", "true", "--after", "Fetch").code == 0
    assert cli("task", "add", "Report", "--command", "true", "--after", "Build").code == 0
    typical(service.get_task("Fetch").id, EXPECTED)


def typical(task_id: int, seconds: float) -> None:
    """Three runs of the task yesterday, each `seconds` long: its typical run to a forecast."""
    for i in range(3):
        began = datetime.now(UTC) - timedelta(days=1, minutes=10 * i)
        RunRow.create(task=task_id, scheduled_for=began, attempt=1, status="succeeded",
                      trigger="schedule", queued_at=began, started_at=began,
                      finished_at=began + timedelta(seconds=seconds), engine="old:1:1")


def _listing(cli: Any, start: datetime, hours: float) -> list[tuple[str, datetime, str]]:
    result = cli("simulate", "--from", start.isoformat(), "--hours", str(hours), "--json")
    assert result.code == 0, result.err
    return [(i["task_name"], datetime.fromisoformat(i["fire_at"]), i["kind"])
            for i in result.json()]


def test_a_run_going_now_chains_at_its_expected_end_not_at_a_later_windows_start(
        spawn: Any, cli: Any, service: Any, home: Path) -> None:
    _pipeline(cli, service)
    spawn(grace=0.1)
    assert cli("task", "run", "Fetch").code == 0
    wait_until(lambda: _started(home, "Fetch") is not None, 30)
    began = _started(home, "Fetch")
    assert began is not None

    # tomorrow's first minutes: Fetch's run going now ends long before them, and Build and
    # Report after it too; the window starts with Fetch's own fire, then its chain
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).replace(hour=0, minute=0, second=0,
                                                               microsecond=0)
    items = _listing(cli, tomorrow, 0.05)
    assert items, "Fetch fires every 2 minutes"
    assert items[0][0] == "Fetch" and items[0][2] == "fire", items
    fetches = [at for name, at, _kind in items if name == "Fetch"]
    builds = [at for name, at, _kind in items if name == "Build"]
    reports = [at for name, at, _kind in items if name == "Report"]
    # each Fetch whose chain ends within the window has its Build and Report there (one
    # that fires in the window's last 20 s chains past its end: Fetch's phase is the time
    # the task was made, so one run in six met it and failed here)
    closes = tomorrow + timedelta(hours=0.05) - timedelta(seconds=EXPECTED + 1)
    whole = [f for f in fetches if f < closes]
    assert whole and len(builds) >= len(whole) and len(reports) >= len(whole), items
    for f in whole:
        build = min(b for b in builds if b >= f)
        assert build <= f + timedelta(seconds=EXPECTED + 1), items
        assert any(build <= r <= build + timedelta(seconds=1) for r in reports), items

    # a window that starts before the run's expected end: Build and Report then, in it
    now = datetime.now(UTC)
    end = began + timedelta(seconds=EXPECTED)
    assert now + timedelta(seconds=2) < end, "the run's expected end is still ahead"
    items = _listing(cli, now + timedelta(seconds=1), 0.01)
    chained = [(name, at, kind) for name, at, kind in items if name != "Fetch"]
    assert chained[:2] == [("Build", end, "chain"), ("Report", end, "chain")], items
