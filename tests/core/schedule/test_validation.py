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


@pytest.mark.parametrize(("at", "now", "said"), [
    ("2020-12-05T20:00", "2026-06-01T12:00:30",
     "2020-12-05 20:00 (Europe/Berlin); it is now 2026-06-01 12:00 (Europe/Berlin)"),
    ("2026-06-01T12:00:11", "2026-06-01T12:00:30",
     "2026-06-01 12:00:11 (Europe/Berlin); it is now 2026-06-01 12:00:30 (Europe/Berlin)"),
    ("2026-06-01T12:00:30", "2026-06-01T12:00:30.250",
     "2026-06-01 12:00:30 (Europe/Berlin); it is now 2026-06-01 12:00:30.250 (Europe/Berlin)"),
    ("2026-06-01T12:00", "2026-06-01T12:00:00.000400",
     "2026-06-01 12:00 (Europe/Berlin); it is now 2026-06-01 12:00:00.001 (Europe/Berlin)"),
])  # fmt: skip
def test_a_one_shot_just_past_says_now_so_that_it_reads_later(at: str, now: str,
                                                              said: str) -> None:
    """"is in the past: 2026-06-01 12:00:11 …; it is now 2026-06-01 12:00 …" (`--at` a few
    seconds back, or `--at "$(date -Iseconds)"` a moment late): now read as the earlier of
    the two. Now is said to the second within the one-shot's minute, to the millisecond
    within its second."""
    with pytest.raises(ValidationError) as caught:
        validate_schedule(Schedule.parse_at(at, BERLIN), BERLIN,
                          datetime.fromisoformat(now).replace(tzinfo=BERLIN))
    assert (caught.value.field, caught.value.reason) == ("at", f"is in the past: {said}")
