"""Shared by the schedule tests: sample zones and times, fire-time helpers, and the
hypothesis strategies for cron fields."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from croniter import croniter
from hypothesis import strategies as st

from app.core.schedule import Schedule, next_fire_times

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
ZUTC = ZoneInfo("UTC")
T0 = datetime(2026, 1, 1, tzinfo=UTC)  # a Thursday


def fires(expr: str, tz: ZoneInfo = ZUTC, after: datetime = T0, count: int = 6) -> list[datetime]:
    return next_fire_times(Schedule.parse_cron(expr), tz, after, count)


def local(times: list[datetime], tz: ZoneInfo) -> list[str]:
    """Fire times as local wall time with offset, e.g. '2026-03-08 03:00-04:00'."""
    return [t.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S%z") for t in times]


def assert_increasing(times: list[datetime]) -> None:
    instants = [t.timestamp() for t in times]
    assert instants == sorted(set(instants))


def number(lo: int, hi: int) -> st.SearchStrategy[int]:
    return st.integers(min_value=lo, max_value=hi)


@st.composite
def cron_item(draw: st.DrawFn, lo: int, hi: int, names: tuple[str, ...] = (), base: int = 0) -> str:
    """One list item of a field: *, */s, a, a-b or a-b/s (names sometimes stand for numbers)."""

    def label(value: int) -> str:
        index = value - base
        if names and 0 <= index < len(names) and draw(st.booleans()):
            return names[index] if draw(st.booleans()) else names[index].upper()
        return str(value)

    shape = draw(st.sampled_from(["star", "step", "one", "range", "range-step"]))
    if shape == "star":
        return "*"
    if shape == "step":
        return f"*/{draw(number(1, hi - lo))}"
    first = draw(number(lo, hi))
    if shape == "one" or first == hi:
        return label(first)
    # No one-value ranges: croniter 7 reads "5-5" as "*" and "0-0/3" as "0-59/3"; Vixie
    # reads them as 5 and 0, as Tickwork does (see test_one_value_ranges_are_one_value).
    last = draw(number(first + 1, hi))
    if shape == "range":
        return f"{label(first)}-{label(last)}"
    return f"{label(first)}-{label(last)}/{draw(number(1, max(1, last - first)))}"


def _star_first(items: list[str]) -> str:
    # A '*' item after other items ("0,*" or "0,*/1") is where croniter parts from Vixie:
    # it reads the field as '*' (AND rule), Vixie looks only at the field's first character
    # (OR rule); see test_star_later_in_a_list_is_not_a_star_field. Keep stars first here.
    return ",".join(sorted(items, key=lambda item: not item.startswith("*")))


def cron_field(lo: int, hi: int, names: tuple[str, ...] = (), base: int = 0) -> Any:
    items = st.lists(cron_item(lo, hi, names, base), min_size=1, max_size=3)
    return items.map(_star_first)


def stamps(times: list[datetime]) -> list[str]:
    """Instants as UTC text: compares real time and reads well in a failure."""
    return [t.astimezone(UTC).isoformat() for t in times]


def croniter_next(expr: str, start: datetime, count: int) -> list[datetime]:
    """The reference: croniter with Vixie day-of-month/day-of-week semantics.

    ``day_or=True`` is the OR rule; ``implement_cron_bug=True`` adds Vixie's exception that
    a day field starting with '*' makes it an AND again (croniter's name for it aside, that
    is what Vixie/ISC cron do and what Tickwork implements).
    """
    it = croniter(expr, start, day_or=True, implement_cron_bug=True)
    return [it.get_next(datetime) for _ in range(count)]


def transition_days(tz: ZoneInfo, first: int, last: int) -> set[tuple[int, int, int]]:
    """Local dates (and their neighbours) on which ``tz`` changes its UTC offset. Six hours
    at a time, but a day at a time while the offset holds (no zone changes twice in a day)."""
    days: set[tuple[int, int, int]] = set()
    moment = datetime(first, 1, 1, tzinfo=UTC)
    previous = moment.astimezone(tz).utcoffset()
    while moment.year <= last:
        ahead = moment + timedelta(days=1)
        if ahead.year <= last and ahead.astimezone(tz).utcoffset() == previous:
            moment = ahead
            continue
        moment += timedelta(hours=6)
        offset = moment.astimezone(tz).utcoffset()
        if offset != previous:
            for hours in range(-30, 31, 6):
                d = (moment + timedelta(hours=hours)).astimezone(tz)
                days.add((d.year, d.month, d.day))
            previous = offset
    return days
