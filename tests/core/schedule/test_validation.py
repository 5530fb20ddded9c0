"""Validation against now and the task's window."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from app.core.errors import ValidationError
from app.core.schedule import Schedule, validate_schedule
from tests.core.schedule.samples import BERLIN

NOW = datetime(2026, 6, 1, 12, tzinfo=BERLIN)


@pytest.mark.parametrize(
    ("schedule", "start", "end", "field", "words"),
    [
        (Schedule.parse_at("2026-06-01T11:59", BERLIN), None, None, "at", "is in the past"),
        (Schedule.parse_at("2026-07-01T00:00", BERLIN), None, NOW + timedelta(days=1), "at",
         "outside the start/end window"),
        (Schedule(kind="interval", seconds=0.5), None, None, "every", "at least 1s"),
        (Schedule.parse_every("5m"), NOW, NOW, "end", "must be after start"),
        (Schedule.parse_every("5m"), NOW, NOW - timedelta(hours=1), "end", "must be after start"),
        (Schedule.parse_cron("0 0 30 2 *"), None, None, "cron", "never fires"),
        (Schedule.parse_cron("0 0 31 4,6,9,11 *"), None, None, "cron", "never fires"),
        (Schedule.parse_cron("0 0 31 2 */2"), None, None, "cron", "never fires"),
        (Schedule.parse_cron("0 0 1 1 *"), None, NOW + timedelta(days=30), "end", "never fires"),
        (Schedule.parse_every("1d"), None, NOW + timedelta(hours=1), "end", "never fires"),
    ],
)  # fmt: skip
def test_validate_refuses(
    schedule: Schedule, start: datetime | None, end: datetime | None, field: str, words: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        validate_schedule(schedule, BERLIN, NOW, start, end)
    assert caught.value.field == field
    assert words in caught.value.reason


@pytest.mark.parametrize(
    "schedule",
    [
        Schedule(kind="manual"),
        Schedule.parse_at("2026-06-01T12:00", BERLIN),  # exactly now is not the past
        Schedule.parse_every("1s"),
        Schedule.parse_cron("0 0 29 2 *"),  # leap days exist
        Schedule.parse_cron("0 0 31 2 mon"),  # either rule: Mondays in February
        Schedule.parse_cron("@reboot"),
        Schedule.parse_calendar("1mo@02:00"),
        Schedule.parse_after("A"),
    ],
)
def test_validate_accepts(schedule: Schedule) -> None:
    validate_schedule(schedule, BERLIN, NOW)
    validate_schedule(schedule, BERLIN, NOW, NOW - timedelta(days=1), NOW + timedelta(days=1000))

