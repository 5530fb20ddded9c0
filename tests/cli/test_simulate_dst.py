"""`tickwork simulate` across the autumn DST change: wildcard crons keep their pace in UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any


def test_simulate_every_30_minutes_through_the_repeated_hour(cli: Any) -> None:
    for name, when in (("half", ["--cron", "*/30 * * * *"]), ("nightly", ["--cron", "30 2 * * *"]),
                       ("tick", ["--every", "30m"])):
        # starting the day before the window: no fire falls due (and is missed, so caught
        # up) between this add and the simulate below, whatever the wall clock says
        assert cli("task", "add", name, "--command", "true", *when, "--tz", "Europe/Berlin",
                   "--start", "2027-10-30T00:00:00+00:00").code == 0
    # Berlin, 31 October 2027: 03:00 CEST becomes 02:00 CET (01:00 UTC), a year ahead
    result = cli("simulate", "--from", "2027-10-30T22:00:00+00:00", "--hours", "6", "--json")
    assert result.code == 0, result.err
    items = result.json()
    by_task: dict[str, list[str]] = {}
    for item in items:
        assert item["kind"] == "fire"
        by_task.setdefault(item["task_name"], []).append(item["fire_at"])
    half = [datetime.fromisoformat(t) for t in by_task["half"]]
    start = datetime(2027, 10, 30, 22, tzinfo=UTC)
    assert half == [start + timedelta(minutes=30 * i) for i in range(13)]  # 22:00Z .. 04:00Z
    assert by_task["half"][4:9] == [
        "2027-10-31T02:00:00+02:00", "2027-10-31T02:30:00+02:00",  # first pass (CEST)
        "2027-10-31T02:00:00+01:00", "2027-10-31T02:30:00+01:00",  # second pass (CET)
        "2027-10-31T03:00:00+01:00",
    ]  # fmt: skip
    assert by_task["nightly"] == ["2027-10-31T02:30:00+02:00"]  # a fixed time: once
    tick = [datetime.fromisoformat(t) for t in by_task["tick"]]  # elapsed time, untouched
    assert len(tick) in (12, 13)  # 13 only if its phase lands on the window's start
    assert {b - a for a, b in pairwise(tick)} == {timedelta(minutes=30)}
