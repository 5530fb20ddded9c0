"""Several schedules and exclusion dates in the schedule package: JSON, words, the combined
trigger's fires (one per instant, phases kept, DST), validation, and .ics reading."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from app.core.errors import ValidationError
from app.core.schedule import (
    Exclusions,
    Schedule,
    describe,
    next_fire_times,
    read_ics,
    validate_schedule,
)

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2027, 1, 1, tzinfo=UTC)


def _any(*parts: Schedule, exclude: tuple[str, ...] = ()) -> Schedule:
    return Schedule.combine(parts, Exclusions.parse(exclude))


def test_json_round_trip_and_old_shapes_unchanged() -> None:
    single = {"kind": "cron", "expr": "0 2 * * *"}
    assert Schedule.from_json(single).to_json() == single  # no new key on old tasks
    several = {"kind": "any", "schedules": [single, {"kind": "interval", "seconds": 90}],
               "exclude": ["2027-12-24", "R/2026-12-25/P1Y"]}
    assert Schedule.from_json(several).to_json() == several
    one = Schedule.combine([Schedule.parse_cron("0 2 * * *")], Exclusions.parse(["2027-01-02"]))
    assert one.to_json() == {**single, "exclude": ["2027-01-02"]}  # one schedule: its shape
    assert one.each == (Schedule.parse_cron("0 2 * * *"),)


@pytest.mark.parametrize(("data", "field"), [
    ({"kind": "any", "schedules": [{"kind": "cron", "expr": "0 2 * * *"}]}, "schedule"),
    ({"kind": "any", "schedules": [{"kind": "manual"}, {"kind": "cron", "expr": "@daily"}]},
     "schedule"),
    ({"kind": "any", "schedules": [{"kind": "cron", "expr": "@daily"}] * 2}, "schedule"),
    ({"kind": "any", "schedules": [{"kind": "cron", "expr": "@daily", "exclude": ["2027-01-01"]},
                                   {"kind": "cron", "expr": "@hourly"}]}, "exclude"),
    ({"kind": "cron", "expr": "@daily", "exclude": ["tomorrow"]}, "exclude"),
    ({"kind": "cron", "expr": "@daily", "exclude": "2027-01-01"}, "exclude"),
    ({"kind": "cron", "expr": "@reboot", "exclude": ["2027-01-01"]}, "exclude"),
    ({"kind": "date", "at": "2027-01-01T00:00:00+00:00", "exclude": ["2027-01-01"]}, "exclude"),
])
def test_bad_shapes_name_their_field(data: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as err:
        Schedule.from_json(data)
    assert err.value.field == field


def test_words() -> None:
    schedule = _any(Schedule.parse_cron("0 9 * * 1-5"), Schedule.parse_cron("0 12 * * 6"),
                    exclude=("2027-12-24",))
    assert describe(schedule, "Europe/Berlin") == (
        "At 09:00, Monday through Friday; at 12:00, only on Saturday (Europe/Berlin); "
        "not on 24 Dec 2027")
    many = Exclusions.parse(["2027-01-0" + str(d) for d in range(1, 7)])
    assert many.words() == "not on 1 Jan 2027, 2 Jan 2027, 3 Jan 2027 and 3 more dates"
    assert Exclusions.parse(["R/2024-02-29/P1Y"]).words() == "not on 29 Feb every year from 2024"


def test_same_instant_from_two_schedules_is_one_fire_and_phases_are_kept() -> None:
    schedule = _any(Schedule.parse_every("3h"), Schedule.parse_cron("0 */2 * * *"))
    start = datetime(2027, 1, 1, 1, tzinfo=UTC)  # the interval's phase: 01:00, 04:00, 07:00…
    times = next_fire_times(schedule, UTC, NOW, 8, start)
    assert [t.strftime("%H:%M") for t in times] == [
        "01:00", "02:00", "04:00", "06:00", "07:00", "08:00", "10:00", "12:00"]
    doubled = _any(Schedule.parse_cron("0 6 * * *"), Schedule.parse_calendar("1d@06:00"))
    assert len({t for t in next_fire_times(doubled, UTC, NOW, 5)}) == 5


def test_exclusions_are_local_dates_and_dst_rules_hold() -> None:
    # 31 Oct 2027, Berlin falls back: a fixed 02:30 fires once, */30 in both passes
    schedule = _any(Schedule.parse_cron("30 2 * * *"), Schedule.parse_cron("*/30 2 31 10 *"),
                    exclude=("2027-10-30",))
    after = datetime(2027, 10, 29, 12, tzinfo=UTC)
    times = [t.astimezone(BERLIN).isoformat() for t in next_fire_times(schedule, BERLIN, after, 6)]
    assert times == ["2027-10-31T02:00:00+02:00", "2027-10-31T02:30:00+02:00",
                     "2027-10-31T02:00:00+01:00", "2027-10-31T02:30:00+01:00",
                     "2027-11-01T02:30:00+01:00", "2027-11-02T02:30:00+01:00"]
    late = _any(Schedule.parse_cron("30 23 * * *"), exclude=("2027-06-02",))  # 21:30 UTC
    days = [t.date() for t in next_fire_times(late, BERLIN, datetime(2027, 6, 1, tzinfo=UTC), 3)]
    assert days == [date(2027, 6, 1), date(2027, 6, 3), date(2027, 6, 4)]


def test_yearly_exclusion_and_a_schedule_it_empties() -> None:
    yearly = Exclusions.parse(["R/2024-02-29/P1Y"])
    assert yearly.excludes(date(2028, 2, 29)) and not yearly.excludes(date(2023, 2, 28))
    assert not yearly.excludes(date(2020, 2, 29))  # before its first year
    never = _any(Schedule.parse_cron("0 9 24 12 *"), exclude=("R/2026-12-24/P1Y",))
    assert next_fire_times(never, UTC, NOW, 1) == []
    with pytest.raises(ValidationError) as err:
        validate_schedule(never, UTC, NOW)
    assert err.value.field == "exclude"
    with pytest.raises(ValidationError) as err:  # a past date among several is still refused
        validate_schedule(_any(Schedule.parse_at("2026-01-01T00:00", UTC),
                               Schedule.parse_every("1h")), UTC, NOW)
    assert err.value.field == "at"


def _calendar(*events: str) -> str:
    body = "".join(f"BEGIN:VEVENT\r\n{e}END:VEVENT\r\n" for e in events)
    return f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\n{body}END:VCALENDAR\r\n"


def test_ics_rules_read_and_not_read() -> None:
    found = read_ics(_calendar(
        "DTSTART;VALUE=DATE:20270501\r\nRRULE:FREQ=YEARLY;COUNT=3\r\nEXDATE;VALUE=DATE:"
        "20280501\r\nSUMMARY:Labour Day\r\n",
        "DTSTART;VALUE=DATE:20240229\r\nRRULE:FREQ=YEARLY;UNTIL=20330101\r\n",
        "DTSTART:20270101\r\nDURATION:P2D\r\nRDATE;VALUE=DATE:20270601,20270602\r\n",
        "DTSTART;VALUE=DATE:20270310\r\nSTATUS:CANCELLED\r\n",
        "DTSTART;VALUE=DATE:20270704\r\nRRULE:FREQ=YEARLY\r\nEXDATE;VALUE=DATE:20280704\r\n"
        "SUMMARY:Independence\\, Day\r\n",
        "DTSTART;VALUE=DATE:20270404\r\nRECURRENCE-ID;VALUE=DATE:20270405\r\nSUMMARY:Moved\r\n",
        "DTSTART;VALUE=DATE:20270101\r\nRRULE:FREQ=MONTHLY\r\nSUMMARY:Monthly\r\n",
    ))
    assert found.events == 3
    assert found.exclusions.to_json() == [
        "2024-02-29", "2027-01-01", "2027-01-02", "2027-05-01", "2027-06-01", "2027-06-02",
        "2028-02-29", "2029-05-01", "2032-02-29"]
    assert [n.split(":")[0] for n in found.not_read] == ["Independence, Day", "Moved", "Monthly"]
    assert found.passed_over == ("1 cancelled event",)


def test_ics_events_that_are_no_day_off_are_counted_and_said_why() -> None:
    """A timed event (a meeting) or a cancelled one is no day off: passed over, but counted
    and said, not skipped without a word."""
    found = read_ics(_calendar(
        "DTSTART;VALUE=DATE:20271224\r\nSUMMARY:Eve\r\n",
        "DTSTART:20270101T100000Z\r\nSUMMARY:Standup\r\n",
        "DTSTART;TZID=Europe/Berlin:20270102T100000\r\nSUMMARY:Review\r\n",
        "DTSTART;VALUE=DATE:20271225\r\nSTATUS:CANCELLED\r\n",
        "DTSTART;VALUE=DATE:20271226\r\nSTATUS:CANCELLED\r\n"))
    assert found.events == 1 and found.not_read == ()
    assert found.passed_over == ("2 timed events (at a time of day: not a day off)",
                                 "2 cancelled events")
    with pytest.raises(ValidationError) as err:
        read_ics(_calendar("DTSTART:20270101T100000Z\r\n"), "meetings.ics")
    assert err.value.reason == ("meetings.ics has no all-day events: passed over 1 timed event "
                                "(at a time of day: not a day off)")


@pytest.mark.parametrize(("text", "message"), [
    ("hello", "is not an iCalendar file"),
    (_calendar("DTSTART:20270101T090000Z\r\n"), "has no all-day events"),
    (_calendar("DTSTART;VALUE=DATE:20270101\r\nSTATUS:CANCELLED\r\n"), "has no all-day events"),
])
def test_ics_without_days_off_is_refused(text: str, message: str) -> None:
    with pytest.raises(ValidationError) as err:
        read_ics(text, "h.ics")
    assert err.value.field == "exclude" and message in err.value.reason
