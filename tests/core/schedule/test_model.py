"""The Schedule value: JSON round trips and refusals, and the CLI's words for each kind."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from app.core.errors import ValidationError
from app.core.schedule import CalendarSpec, Schedule
from tests.core.schedule.samples import BERLIN, NEW_YORK

# --------------------------------------------------------------------------- JSON


@pytest.mark.parametrize(
    "data",
    [
        {"kind": "manual"},
        {"kind": "date", "at": "2026-12-01T02:00:00+01:00"},
        {"kind": "interval", "seconds": 300},
        {"kind": "interval", "seconds": 0.5},
        {"kind": "cron", "expr": "0 2 * * *"},
        {"kind": "cron", "expr": "@reboot"},
        {"kind": "calendar", "years": 0, "months": 1, "weeks": 0, "days": 0,
         "hour": 2, "minute": 0, "second": 0},
        {"kind": "after", "tasks": ["A", "B"]},
    ],
)  # fmt: skip
def test_json_round_trip(data: dict[str, Any]) -> None:
    schedule = Schedule.from_json(data)
    assert schedule.to_json() == data
    assert Schedule.from_json(schedule.to_json()) == schedule


@pytest.mark.parametrize(
    "schedule",
    [
        Schedule(kind="manual"),
        Schedule.parse_at("2026-10-25T02:30", BERLIN),
        Schedule.parse_every("1h30m"),
        Schedule.parse_cron("*/5 9-17 * * mon-fri"),
        Schedule.parse_calendar("1d@23:59:30"),
        Schedule.parse_after(["A", "B"]),
    ],
)
def test_every_kind_survives_json(schedule: Schedule) -> None:
    assert Schedule.from_json(schedule.to_json()) == schedule


def test_calendar_json_may_leave_out_zeros() -> None:
    schedule = Schedule.from_json({"kind": "calendar", "months": 1, "hour": 2})
    assert schedule.calendar == CalendarSpec(months=1, hour=2)


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        ({"kind": "weekly"}, "schedule.kind", "unknown kind"),
        ({}, "schedule.kind", "is required"),
        ({"kind": "manual", "at": "x"}, "schedule", "unknown key"),
        ({"kind": "cron", "expr": "* * * * *", "tz": "UTC"}, "schedule", "unknown key"),
        ({"kind": "date"}, "schedule", "needs 'at'"),
        ({"kind": "date", "at": "2026-12-01T02:00"}, "at", "UTC offset"),
        ({"kind": "date", "at": "soon"}, "at", "ISO 8601"),
        ({"kind": "date", "at": 5}, "at", "ISO 8601"),
        ({"kind": "interval", "seconds": True}, "every", "number"),
        ({"kind": "interval", "seconds": "300"}, "every", "number"),
        ({"kind": "interval", "seconds": 0}, "every", "positive"),
        ({"kind": "interval", "seconds": float("inf")}, "every", "positive"),
        ({"kind": "cron", "expr": "61 * * * *"}, "cron", "out of range"),
        ({"kind": "cron", "expr": None}, "schedule", "needs 'expr'"),
        ({"kind": "cron", "expr": 5}, "cron", "text"),
        ({"kind": "calendar", "months": "1"}, "calendar", "whole number"),
        ({"kind": "calendar", "hour": 2}, "calendar", "at least one day"),
        ({"kind": "calendar", "days": 1, "hour": 24}, "calendar", "0 to 23"),
        ({"kind": "after", "tasks": []}, "after", "at least one"),
        ({"kind": "after", "tasks": "A"}, "after", "list"),
        ({"kind": "after", "tasks": ["A", "A"]}, "after", "twice"),
        ({"kind": "after", "tasks": ["A", 3]}, "after", "non-empty"),
    ],
)
def test_from_json_refuses(data: dict[str, Any], field: str, words: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Schedule.from_json(data)
    assert caught.value.field == field
    assert words in caught.value.reason


def test_from_json_refuses_a_non_object() -> None:
    with pytest.raises(ValidationError, match=r"^schedule: "):
        Schedule.from_json([])  # type: ignore[arg-type]


def test_construction_checks_shape() -> None:
    with pytest.raises(ValidationError, match="takes no 'seconds'"):
        Schedule(kind="cron", expr="* * * * *", seconds=5)
    with pytest.raises(ValidationError, match="needs 'expr'"):
        Schedule(kind="cron")
    with pytest.raises(ValidationError, match=r"^at: needs a UTC offset"):
        Schedule(kind="date", at=datetime(2026, 1, 1))


# --------------------------------------------------------------------------- CLI words


def test_parse_at() -> None:
    assert Schedule.parse_at("2026-12-01T02:00+00:00", BERLIN).at == datetime(
        2026, 12, 1, 3, tzinfo=BERLIN
    )
    assert Schedule.parse_at("2026-12-01 02:00", NEW_YORK).at == datetime(
        2026, 12, 1, 2, tzinfo=NEW_YORK
    )
    repeated = Schedule.parse_at("2026-10-25T02:30", BERLIN).at
    assert repeated is not None and repeated.utcoffset() == timedelta(hours=2)  # first one


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", "is empty"),
        ("tomorrow", "ISO 8601"),
        ("02:00", "ISO 8601"),
        ("2026-13-01T00:00", "no such date"),
        ("2026-03-29T02:30", "does not exist in Europe/Berlin"),
    ],
)
def test_parse_at_refuses(text: str, words: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Schedule.parse_at(text, BERLIN)
    assert caught.value.field == "at"
    assert words in caught.value.reason


def test_parse_every() -> None:
    assert Schedule.parse_every("1h30m") == Schedule(kind="interval", seconds=5400)
    with pytest.raises(ValidationError, match=r"^every: not a duration"):
        Schedule.parse_every("5x")


@pytest.mark.parametrize(
    ("text", "spec"),
    [
        ("1mo@02:00", CalendarSpec(months=1, hour=2)),
        ("1y", CalendarSpec(years=1)),
        ("2w@08:30", CalendarSpec(weeks=2, hour=8, minute=30)),
        ("1d@23:59:30", CalendarSpec(days=1, hour=23, minute=59, second=30)),
        (" 1Y 2MO @ 7:05 ", CalendarSpec(years=1, months=2, hour=7, minute=5)),
        ("3 months", CalendarSpec(months=3)),
    ],
)
def test_parse_calendar(text: str, spec: CalendarSpec) -> None:
    assert Schedule.parse_calendar(text).calendar == spec


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", "is empty"),
        ("1m@02:00", "use mo for months"),
        ("1h", "not a calendar interval"),
        ("0d", "at least one day"),
        ("1d1d", "repeats"),
        ("@02:00", "not a calendar interval"),
        ("1d@", "not a time of day"),
        ("1d@2pm", "not a time of day"),
        ("1d@24:00", "hour must be 0 to 23"),
        ("1d@12:60", "minute must be 0 to 59"),
        ("11y", "years must be 0 to 10"),
    ],
)
def test_parse_calendar_refuses(text: str, words: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Schedule.parse_calendar(text)
    assert caught.value.field == "calendar"
    assert words in caught.value.reason
