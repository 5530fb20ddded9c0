"""The calendar's data for the autumn DST day: a wildcard cron fills the 25-hour day."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from typing import Any

import pytest

from app.gui.calendar.data import period_for, read_day, read_period
from tests.conftest import command_task, local_zone


@pytest.fixture
def berlin_local_time(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The calendar groups by the user's local day: make that Berlin's."""
    yield from local_zone(monkeypatch, "Europe/Berlin")


def test_the_fall_back_day_has_every_half_hour_twice_in_its_repeated_hour(
        service: Any, berlin_local_time: None) -> None:
    now = datetime(2027, 10, 30, 12, tzinfo=UTC)
    for name, expr in (("half", "*/30 * * * *"), ("nightly", "30 2 * * *")):
        service.create_task(command_task(name, timezone="Europe/Berlin", schedule={
            "kind": "cron", "expr": expr}), now=now)
    day = date(2027, 10, 31)
    data = read_period(service, period_for("day", day), now)
    entries = read_day(service, day, now).entries  # in time order, as the day list shows
    half = [e.start.astimezone(UTC) for e in entries if e.task_name == "half"]
    assert len(half) == 50  # a 25-hour day: 48 half hours and the repeated 02:00, 02:30
    assert {b - a for a, b in pairwise(half)} == {timedelta(minutes=30)}
    assert half[0] == datetime(2027, 10, 30, 22, tzinfo=UTC)  # local midnight (CEST)
    nightly = [e.start.astimezone(UTC) for e in entries if e.task_name == "nightly"]
    assert nightly == [datetime(2027, 10, 31, 0, 30, tzinfo=UTC)]  # 02:30 CEST only
    assert data.day(day).future["fire"] == 51
