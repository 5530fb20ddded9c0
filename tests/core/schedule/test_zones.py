"""DST rules (skipped and repeated wall times, wildcard jobs, brute-force models), time zones."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.core.errors import ValidationError
from app.core.schedule import (
    Schedule,
    build_trigger,
    next_fire_times,
    parse_timezone,
    system_timezone_name,
)
from app.core.schedule.triggers import fire_after, first_fire
from tests.core.schedule.samples import (
    BERLIN,
    NEW_YORK,
    T0,
    assert_increasing,
    cron_field,
    croniter_next,
    fires,
    local,
    stamps,
    transition_days,
)

# --------------------------------------------------------------------------- DST, explicit


def test_skipped_time_fires_once_at_the_end_of_the_gap() -> None:
    times = fires("30 2 * * *", NEW_YORK, datetime(2026, 3, 7, 12, tzinfo=NEW_YORK), 3)
    assert local(times, NEW_YORK) == [
        "2026-03-08 03:00:00-0400",
        "2026-03-09 02:30:00-0400",
        "2026-03-10 02:30:00-0400",
    ]
    times = fires("30 2 * * *", BERLIN, datetime(2026, 3, 28, 12, tzinfo=BERLIN), 3)
    assert local(times, BERLIN) == [
        "2026-03-29 03:00:00+0200",
        "2026-03-30 02:30:00+0200",
        "2026-03-31 02:30:00+0200",
    ]


def test_several_skipped_times_collapse_into_one_fire() -> None:
    after = datetime(2026, 3, 8, tzinfo=NEW_YORK)
    times = fires("0,15,30,45 2,3 * * *", NEW_YORK, after, 4)
    assert local(times, NEW_YORK) == [
        "2026-03-08 03:00:00-0400",  # 02:00..02:45 and 03:00 itself: one fire
        "2026-03-08 03:15:00-0400",
        "2026-03-08 03:30:00-0400",
        "2026-03-08 03:45:00-0400",
    ]


def test_repeated_time_fires_once_at_first_occurrence() -> None:
    times = fires("30 1 * * *", NEW_YORK, datetime(2026, 10, 31, 12, tzinfo=NEW_YORK), 3)
    assert local(times, NEW_YORK) == [
        "2026-11-01 01:30:00-0400",
        "2026-11-02 01:30:00-0500",
        "2026-11-03 01:30:00-0500",
    ]
    times = fires("30 2 * * *", BERLIN, datetime(2026, 10, 24, 12, tzinfo=BERLIN), 2)
    assert local(times, BERLIN) == ["2026-10-25 02:30:00+0200", "2026-10-26 02:30:00+0100"]


def test_repeated_time_asked_from_the_second_pass_goes_to_the_next_day() -> None:
    second_pass = datetime(2026, 11, 1, 1, 10, tzinfo=NEW_YORK, fold=1)
    times = fires("30 1 * * *", NEW_YORK, second_pass, 1)
    assert local(times, NEW_YORK) == ["2026-11-02 01:30:00-0500"]


def test_hourly_jobs_follow_real_time_across_dst() -> None:
    spring = fires("30 * * * *", NEW_YORK, datetime(2026, 3, 8, 0, 45, tzinfo=NEW_YORK), 3)
    assert local(spring, NEW_YORK) == [
        "2026-03-08 01:30:00-0500",
        "2026-03-08 03:30:00-0400",  # one real hour later: no extra fire at 03:00
        "2026-03-08 04:30:00-0400",
    ]
    fall = fires("0 * * * *", NEW_YORK, datetime(2026, 11, 1, 0, 30, tzinfo=NEW_YORK), 4)
    assert local(fall, NEW_YORK) == [
        "2026-11-01 01:00:00-0400",
        "2026-11-01 01:00:00-0500",  # every real hour, also in the repeated one
        "2026-11-01 02:00:00-0500",
        "2026-11-01 03:00:00-0500",
    ]
    assert_increasing(fall)


BERLIN_FALL_2027 = datetime(2027, 10, 31, 1, tzinfo=UTC)  # 03:00 CEST becomes 02:00 CET


def _utc_hm(times: list[datetime]) -> list[str]:
    return [t.astimezone(UTC).strftime("%d %H:%M") for t in times]


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        # wildcard jobs keep their pace in real time: both passes of 02:00-03:00, no gap
        ("*/30 * * * *", ["30 22:00", "30 22:30", "30 23:00", "30 23:30", "31 00:00",
                          "31 00:30", "31 01:00", "31 01:30", "31 02:00", "31 02:30"]),
        ("@hourly", ["30 22:00", "30 23:00", "31 00:00", "31 01:00", "31 02:00", "31 03:00"]),
        ("0 * * * *", ["30 22:00", "30 23:00", "31 00:00", "31 01:00", "31 02:00"]),
        ("*/5 2 * * *", [f"31 0{h}:{m:02d}" for h in (0, 1) for m in range(0, 60, 5)]),
        ("0 */2 * * *", ["30 22:00", "31 00:00", "31 01:00", "31 03:00", "31 05:00"]),
        # fixed times fire once; 02:30 at its first occurrence (CEST)
        ("30 2 * * *", ["31 00:30", "01 01:30"]),
        ("30 1 * * *", ["30 23:30", "01 00:30"]),
        ("0-59/30 2 * * *", ["31 00:00", "31 00:30", "01 01:00"]),  # no '*': fixed (Vixie)
    ],
)
def test_berlin_fall_back_2027_in_utc(expr: str, expected: list[str]) -> None:
    after = datetime(2027, 10, 30, 21, 59, tzinfo=UTC)  # 23:59 CEST
    times = fires(expr, BERLIN, after, len(expected))
    assert _utc_hm(times) == expected
    assert_increasing(times)
    trigger = build_trigger(Schedule.parse_cron(expr), BERLIN)
    assert _utc_hm(_stepped(trigger, after, times[-1])) == expected


def test_a_seconds_wildcard_is_a_wildcard_job_too() -> None:
    after = BERLIN_FALL_2027 - timedelta(hours=2)
    both = fires("*/30 0 2 * * *", BERLIN, after, 4)  # every 30 s in minute 02:00
    assert [t.astimezone(UTC).strftime("%H:%M:%S") for t in both] == [
        "00:00:00", "00:00:30", "01:00:00", "01:00:30"]
    once = fires("30 0 2 * * *", BERLIN, after, 2)
    assert _utc_hm(once) == ["31 00:00", "01 01:00"]


def test_every_30_minutes_in_berlin_has_no_gap_and_no_duplicate_in_utc() -> None:
    lo = BERLIN_FALL_2027 - timedelta(hours=3)
    times = fires("*/30 * * * *", BERLIN, lo - timedelta(seconds=1), 13)
    gaps = {b.astimezone(UTC) - a.astimezone(UTC) for a, b in pairwise(times)}
    assert gaps == {timedelta(minutes=30)}
    assert local(times[5:9], BERLIN) == [
        "2027-10-31 02:30:00+0200", "2027-10-31 02:00:00+0100",
        "2027-10-31 02:30:00+0100", "2027-10-31 03:00:00+0100",
    ]  # fmt: skip


def test_croniter_agrees_on_wildcard_jobs_but_not_on_fixed_ones_across_fall_back() -> None:
    # croniter 7 runs hour-wildcard jobs in both passes as we do, but fires a fixed time in
    # the repeated hour twice (and then sticks), so it is no oracle for fixed jobs there.
    start = datetime(2027, 10, 31, 1, tzinfo=BERLIN)
    for expr in ("*/30 * * * *", "0 * * * *"):
        theirs = croniter_next(expr, start, 6)
        assert stamps(theirs) == stamps(fires(expr, BERLIN, start, 6)), expr
    assert _utc_hm(croniter_next("30 2 * * *", start, 2)) == ["31 00:30", "31 01:30"]
    assert _utc_hm(fires("30 2 * * *", BERLIN, start, 2)) == ["31 00:30", "01 01:30"]


def test_an_interval_is_elapsed_time_through_the_repeated_hour() -> None:
    every = Schedule.parse_every("30m")
    start = datetime(2027, 10, 30, 12, tzinfo=UTC)
    lo = BERLIN_FALL_2027 - timedelta(hours=3)
    times = next_fire_times(every, BERLIN, lo, 12, start)
    assert [b.astimezone(UTC) - a.astimezone(UTC) for a, b in pairwise(times)] == (
        [timedelta(minutes=30)] * 11)
    trigger = build_trigger(every, BERLIN, start)
    assert stamps(_stepped(trigger, lo + timedelta(seconds=1), times[-1])) == stamps(times)


def _transitions(tz: ZoneInfo, first: int, last: int) -> list[datetime]:
    """The UTC instants (to the minute) at which ``tz`` changes its offset. Hour by hour,
    but a day at a time while the offset holds (no zone here changes twice in a day)."""
    found: list[datetime] = []
    moment = datetime(first, 1, 1, tzinfo=UTC)
    while moment.year <= last:
        ahead = moment + timedelta(days=1)
        if ahead.year <= last and ahead.astimezone(tz).utcoffset() == \
                moment.astimezone(tz).utcoffset():
            moment = ahead
            continue
        step = moment + timedelta(hours=1)
        if moment.astimezone(tz).utcoffset() != step.astimezone(tz).utcoffset():
            edge = moment
            while edge.astimezone(tz).utcoffset() == moment.astimezone(tz).utcoffset():
                edge += timedelta(minutes=1)
            found.append(edge)
        moment = step
    return found


DST_ZONES = ("Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "America/Havana")
TRANSITIONS = {name: _transitions(ZoneInfo(name), 2026, 2027) for name in DST_ZONES}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cron_field(0, 59), cron_field(0, 23), st.sampled_from(DST_ZONES),
       st.integers(min_value=0, max_value=3), st.integers(min_value=0, max_value=6 * 60))
def test_dst_transitions_against_the_utc_model(
    minute: str, hour: str, zone: str, which: int, cut: int
) -> None:
    """Any minute/hour fields, any transition (spring or fall, 30 or 60 minutes): the fires
    in UTC are the model's, found from any point in the window, forward or by first fire."""
    tz = ZoneInfo(zone)
    expr = f"{minute} {hour} * * *"
    edge = TRANSITIONS[zone][which]
    lo, hi = edge - timedelta(hours=3), edge + timedelta(hours=3)
    expected = _model(expr, tz, lo, hi)
    trigger = build_trigger(Schedule.parse_cron(expr), tz)
    assert stamps(_stepped(trigger, lo, hi)) == stamps(expected), (zone, edge, expr)
    begin = lo + timedelta(minutes=cut, seconds=30)
    tail = [t for t in expected if t >= begin]
    assert stamps(_stepped(trigger, begin, hi)) == stamps(tail), (zone, begin, expr)
    preview = next_fire_times(Schedule.parse_cron(expr), tz, begin, len(tail) + 1)
    assert stamps([t for t in preview if t <= hi]) == stamps(tail)


def _wall_matches(minutes: set[int], hours: set[int], wall: datetime) -> bool:
    return wall.minute in minutes and wall.hour in hours


def _brute_force(
    minutes: set[int], hours: set[int], tz: ZoneInfo, lo: datetime, hi: datetime, *,
    both_passes: bool, skip_gaps: bool,
) -> list[datetime]:
    """An independent model of the DST rules, in UTC arithmetic: walk every real minute and
    look at the clock. ``both_passes``: a Vixie wildcard job (minute or hour field starts
    with '*') fires in both passes of a repeated hour; ``skip_gaps``: an hour field starting
    with '*' has no fires in a skipped hour, other times there fire once after the gap."""
    out: list[datetime] = []
    moment = lo
    previous: datetime | None = None
    while moment <= hi:
        seen = moment.astimezone(tz)
        wall = seen.replace(tzinfo=None, fold=0)
        hit = _wall_matches(minutes, hours, wall)
        if not skip_gaps and previous is not None and wall - previous > timedelta(minutes=1):
            skipped = previous + timedelta(minutes=1)
            while skipped < wall:
                if _wall_matches(minutes, hours, skipped):
                    hit = True  # a skipped time fires at the first instant after the gap
                skipped += timedelta(minutes=1)
        if hit and (both_passes or seen.fold == 0):
            out.append(moment)
        previous = wall if previous is None or wall > previous else previous
        moment += timedelta(minutes=1)
    return out


def _model(expr: str, tz: ZoneInfo, lo: datetime, hi: datetime) -> list[datetime]:
    """The model's fires of a five-field cron whose day fields are '*'."""
    minute, hour = expr.split()[:2]
    return _brute_force(_expand(minute, 0, 59), _expand(hour, 0, 23), tz, lo, hi,
                        both_passes=minute.startswith("*") or hour.startswith("*"),
                        skip_gaps=hour.startswith("*"))


def _expand(field: str, lo: int, hi: int) -> set[int]:
    values: set[int] = set()
    for item in field.split(","):
        body, _, step = item.partition("/")
        bounds = body.split("-")
        first, last = (lo, hi) if body == "*" else (int(bounds[0]), int(bounds[-1]))
        values.update(range(first, last + 1, int(step or 1)))
    return values


@pytest.mark.parametrize(
    "expr",
    [
        "30 2 * * *",
        "0,30 1,2 * * *",
        "*/15 2 * * *",
        "59 1 * * *",
        "0 3 * * *",
        "30 1 * * *",
        "0 0 * * *",
        "*/20 * * * *",
        "0 * * * *",
        "30 * * * *",
        "10 */2 * * *",
        "* 1-3 * * *",
    ],
)
@pytest.mark.parametrize(
    "zone", ["America/New_York", "Europe/Berlin", "Australia/Lord_Howe", "America/Havana"]
)
def test_dst_days_against_a_brute_force_model(expr: str, zone: str) -> None:
    tz = ZoneInfo(zone)
    days = transition_days(tz, 2026, 2026)
    trigger = build_trigger(Schedule.parse_cron(expr), tz)
    assert trigger is not None
    for day in sorted(d for d in days if d[0] == 2026 and _offset_changes_on(tz, d)):
        lo = datetime(*day, tzinfo=tz).astimezone(UTC) - timedelta(hours=4)
        hi = lo + timedelta(hours=32)
        expected = _model(expr, tz, lo, hi)
        got = next_fire_times(Schedule.parse_cron(expr), tz, lo - timedelta(seconds=1), 400)
        got = [t for t in got if t <= hi]
        assert stamps(got) == stamps(expected), (zone, day, expr)
        assert_increasing(got)
        assert all(t.tzinfo is tz for t in got)
        # the engine's way: step the trigger fire by fire (recovery and simulate step so too)
        assert stamps(_stepped(trigger, lo, hi)) == stamps(expected), (zone, day, expr)


def _stepped(trigger: Any, lo: datetime, hi: datetime) -> list[datetime]:
    """Fires in [lo, hi] as every path but the preview finds them: a first fire, then
    ``fire_after`` the previous one."""
    out: list[datetime] = []
    fire = first_fire(trigger, lo)
    while fire is not None and fire <= hi:
        out.append(fire)
        fire = fire_after(trigger, fire)
    return out


def _offset_changes_on(tz: ZoneInfo, day: tuple[int, int, int]) -> bool:
    begin = datetime(*day, tzinfo=UTC) - timedelta(hours=14)
    end = begin + timedelta(hours=38)
    return begin.astimezone(tz).utcoffset() != end.astimezone(tz).utcoffset()


def test_engine_style_calls_always_move_forward() -> None:
    """APScheduler asks get_next_fire_time(previous, now); now may even be before previous."""
    trigger = build_trigger(Schedule.parse_cron("*/20 * * * *"), NEW_YORK)
    assert trigger is not None
    previous = trigger.get_next_fire_time(None, datetime(2026, 11, 1, 0, 30, tzinfo=NEW_YORK))
    seen = [previous]
    for _ in range(12):
        previous = trigger.get_next_fire_time(previous, T0)  # a stale "now"
        seen.append(previous)
    assert_increasing(seen)
    assert len({t.astimezone(UTC) for t in seen}) == 13
    # Real time (aware datetimes sharing a zone subtract by wall clock, hence UTC):
    assert seen[-1].astimezone(UTC) - seen[0].astimezone(UTC) == timedelta(hours=4)


def test_calendar_never_skips_a_day_for_dst() -> None:
    daily = Schedule.parse_calendar("1d@02:30")
    spring = next_fire_times(daily, BERLIN, datetime(2026, 3, 28, 12, tzinfo=BERLIN), 3)
    assert local(spring, BERLIN) == [
        "2026-03-29 03:00:00+0200",
        "2026-03-30 02:30:00+0200",
        "2026-03-31 02:30:00+0200",
    ]
    fall = next_fire_times(daily, BERLIN, datetime(2026, 10, 24, 12, tzinfo=BERLIN), 2)
    assert local(fall, BERLIN) == ["2026-10-25 02:30:00+0200", "2026-10-26 02:30:00+0100"]
    monthly = Schedule.parse_calendar("1mo@02:30")
    after = datetime(2026, 2, 28, tzinfo=BERLIN)
    months = next_fire_times(monthly, BERLIN, after, 2, start=datetime(2026, 1, 29, tzinfo=BERLIN))
    # Anchored on the 29th: February has none (skipped, as upstream), March's is a DST day.
    assert local(months, BERLIN) == ["2026-03-29 03:00:00+0200", "2026-04-29 02:30:00+0200"]

# --------------------------------------------------------------------------- time zones


@pytest.mark.parametrize(
    "name", ["Europe/Berlin", "UTC", "America/Argentina/Buenos_Aires", "Etc/GMT+5"]
)
def test_parse_timezone(name: str) -> None:
    assert parse_timezone(name) == ZoneInfo(name)


@pytest.mark.parametrize(
    "name", ["", "  ", "Mars/Olympus", "../etc", "/etc/passwd", "Europe/../Europe/Berlin",
             "Europe", "europe\\berlin", "Europe/Berlin\x00", "x" * 300]
)  # fmt: skip
def test_parse_timezone_refuses(name: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_timezone(name, "timezone")
    assert caught.value.field == "timezone"


def test_system_timezone_name(monkeypatch: pytest.MonkeyPatch) -> None:
    import tzlocal

    parse_timezone(system_timezone_name())

    def broken() -> str:
        raise RuntimeError("no zone here")

    monkeypatch.setattr(tzlocal, "get_localzone_name", broken)
    assert system_timezone_name() == "UTC"
    monkeypatch.setattr(tzlocal, "get_localzone_name", lambda: "Not/AZone")
    assert system_timezone_name() == "UTC"
