"""A schedule in plain words ("Every 5 minutes", "At 02:00 (Europe/Berlin)") for lists,
previews and the audit trail; cron through cron_descriptor, read the POSIX way."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time, timedelta
from functools import lru_cache
from itertools import pairwise
from typing import Final
from zoneinfo import ZoneInfo

from app.core.errors import ValidationError
from app.core.schedule.cron import field_expression, parse_cron
from app.core.schedule.model import CalendarSpec, Schedule
from app.core.schedule.zones import ambiguous, parse_timezone, zone_label
from app.core.wall_time import offset_text

__all__ = ["describe"]


def describe(
    schedule: Schedule, tz_name: str | None = None, *, start: datetime | None = None
) -> str:
    """Plain words for a schedule ("Every 5 minutes", "At 02:00 (Europe/Berlin)"). Never raises.

    ``tz_name`` is the task's zone, shown for wall-clock kinds; ``start`` (optional) lets a
    calendar schedule name its day ("Every month on day 15 at 02:00").
    """
    try:
        return _describe(schedule, tz_name, start)
    except Exception:  # words are a courtesy: a schedule that exists must never break a view
        return f"{schedule.kind.capitalize()} schedule"


def _describe(schedule: Schedule, tz_name: str | None, start: datetime | None) -> str:
    """One schedule's words; several are joined by "; ", the zone named once at the end,
    then the exclusions: "Weekdays at 09:00; Saturdays at 12:00 (UTC); not on 24 Dec 2027"."""
    if schedule.kind != "any" and not schedule.exclude:
        return _describe_one(schedule, tz_name, start)
    suffix = f" ({tz_name})" if _zone_or_none(tz_name) is not None else ""
    said = [_describe_one(s, tz_name, start) for s in schedule.each]
    zoned = any(s.endswith(suffix) for s in said) if suffix else False
    said = [s.removesuffix(suffix) if suffix else s for s in said]
    said = said[:1] + [s[:1].lower() + s[1:] for s in said[1:]]
    text = "; ".join(said) + (suffix if zoned else "")
    return f"{text}; {schedule.exclude.words()}" if schedule.exclude else text


def _describe_one(schedule: Schedule, tz_name: str | None, start: datetime | None) -> str:
    zone = _zone_or_none(tz_name)
    suffix = f" ({tz_name})" if zone is not None else ""
    kind = schedule.kind
    if kind == "interval":
        assert schedule.seconds is not None
        return "Every " + _interval_words(timedelta(seconds=schedule.seconds))
    if kind == "date":
        assert schedule.at is not None
        at = schedule.at.astimezone(zone) if zone is not None else schedule.at
        label = tz_name if zone is not None else zone_label(at.tzinfo)
        return f"Once at {at.strftime('%Y-%m-%d')} {_clock(at.time())}{_pass(at)} ({label})"
    if kind == "cron":
        assert schedule.expr is not None
        return _cron_words(schedule.expr) + ("" if schedule.is_startup else suffix)
    if kind == "calendar":
        assert schedule.calendar is not None
        local = start.astimezone(zone) if start is not None and zone is not None else start
        return _calendar_words(schedule.calendar, local) + suffix
    if kind == "after":
        names = list(schedule.after)
        return f"After {_join(names)} {'succeeds' if len(names) == 1 else 'succeed'}"
    return "Manually"


def _plural(count: int, unit: str) -> str:
    return f"{count} {unit}" if count == 1 else f"{count} {unit}s"


def _join(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _every(parts: list[tuple[int, str]]) -> str:
    """What follows "Every": ``minute`` for one minute, else ``2 hours and 30 minutes``."""
    if len(parts) == 1 and parts[0][0] == 1:
        return parts[0][1]
    return _join([_plural(c, u) for c, u in parts])


def _interval_words(td: timedelta) -> str:
    millis = round(td.total_seconds() * 1000)
    units = (("week", 604_800_000), ("day", 86_400_000), ("hour", 3_600_000),
             ("minute", 60_000), ("second", 1000), ("millisecond", 1))  # fmt: skip
    parts: list[tuple[int, str]] = []
    for unit, size in units:
        count, millis = divmod(millis, size)
        if count:
            parts.append((count, unit))
    return _every(parts)


def _pass(at: datetime) -> str:
    """Which pass of an hour its zone shows twice a one-shot's time is in, by the zone's
    name (" EDT", then " EST", as the window's times say it; " UTC-03:00" for a zone
    named by its offset); "" for a time the clocks show once."""
    if at.tzinfo is None or not ambiguous(at.replace(tzinfo=None), at.tzinfo):
        return ""
    name = at.tzname() or ""
    offset = at.utcoffset()
    if (not name[:1].isalpha()) and offset is not None:
        name = "UTC" + offset_text(int(offset.total_seconds()))
    return f" {name}"


def _clock(moment: time) -> str:
    return moment.strftime("%H:%M:%S" if moment.second else "%H:%M")


_CAL_WORDS: Final = ("year", "month", "week", "day")
_MONTH_DAYS: Final = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)  # February: most years


def _calendar_words(spec: CalendarSpec, start: datetime | None) -> str:
    counts = zip((spec.years, spec.months, spec.weeks, spec.days), _CAL_WORDS, strict=True)
    every = _every([(c, u) for c, u in counts if c])
    on = skipped = ""
    if start is not None:
        if spec.weeks and not (spec.years or spec.months or spec.days):
            on = f" on {start.strftime('%A')}"
        elif spec.years and not (spec.months or spec.weeks or spec.days):
            on = f" on {start.day} {start.strftime('%B')}"
            if (start.month, start.day) == (2, 29):
                skipped = ", skipping years without one"
        elif spec.months and not (spec.weeks or spec.days):
            on = f" on day {start.day}"
            visited = {(start.month - 1 + k * spec.months) % 12 for k in range(12)}
            if any(start.day > _MONTH_DAYS[m] for m in visited):  # stepped over, and said
                skipped = ", skipping months without one"
    at = _clock(time(spec.hour, spec.minute, spec.second))
    return f"Every {every}{on} at {at}{skipped}"


@lru_cache(maxsize=512)
def _cron_words(expr: str) -> str:
    cron = parse_cron(expr)
    if cron.reboot:
        return "At the first engine start after each boot"
    if all(f.isdecimal() for f in cron.fields[:3]) and cron.fields[3:] == ("*", "*", "*"):
        # a time every day, the commonest cron, in cron_descriptor's own words (a test compares
        # them over every minute of the day) without its cost: ~0.1 ms a call, ~8 ms to load.
        # Like the library, it shows the seconds unless their text is "0".
        second, minute, hour = (int(f) for f in cron.fields[:3])
        return f"At {hour:02}:{minute:02}" + ("" if cron.fields[0] == "0" else f":{second:02}")
    try:
        # Seven fields (seconds ... year) so the seconds field is never mistaken for minutes;
        # day of week as plain POSIX numbers so 7, names and steps all read right.
        dow = "*" if cron.fields[5] == "*" else field_expression(cron.values[5], 0, 6, steps=False)
        fields = [*(_even_steps(text, values, lo, hi) for text, values, (lo, hi)
                    in zip(cron.fields[:5], cron.values[:5], _SPANS, strict=True)), dow, "*"]
        words = _descriptor()(" ".join(fields))
    except Exception:
        return f"Cron {expr.strip()}"
    if not cron.days_or and cron.fields[3] != "*" and cron.fields[5] != "*":
        words = words.replace(", or on ", ", and only on ")
    return words


_SPANS = ((0, 59), (0, 59), (0, 23), (1, 31), (1, 12))  # second ... month
_FEW_DAYS = 8  # a day-of-month step with this many days or fewer is listed


def _even_steps(text: str, values: frozenset[int], lo: int, hi: int) -> str:
    """A step field as it reads: "every 45 minutes" only when the gaps are all 45, the one
    from the last value round to the first too; else its values listed ("*/45" fires at :00
    and :45, "at 0 and 45 minutes past the hour"; hours */5 at 20:00 then 00:00). Months'
    lengths differ, so a day-of-month step never comes round evenly: its few days are
    listed ("*/10": the 1st, 11th, 21st and 31st), a short step keeps "every 2 days"."""
    whole, _, step = text.partition("/")
    if not step or whole not in ("*", f"{lo}-{hi}"):  # (9-17/2: "every 2 hours, between")
        return text
    ordered = sorted(values)
    gaps = {b - a for a, b in pairwise(ordered)}
    round_gap = ordered[0] + (hi - lo + 1) - ordered[-1]
    if lo == 1 and hi == 31:
        even = len(ordered) > _FEW_DAYS
    else:
        even = len(gaps) == 1 and round_gap in gaps
    return text if even else field_expression(values, lo, hi, steps=False)


@lru_cache(maxsize=1)
def _descriptor() -> Callable[[str], str]:
    """cron_descriptor's English words for a seven-field expression. Its descriptor reads its
    translation file on every construction (~0.2 ms: a quarter of `task list`'s time with a
    thousand distinct crons), so the translation is read once and given to each descriptor;
    should the library's inside change, the plain (slower) construction is used."""
    from cron_descriptor import ExpressionDescriptor, Options
    from cron_descriptor.ExpressionParser import ExpressionParser
    from cron_descriptor.GetText import GetText

    options = Options(locale_code="en_US", use_24hour_time_format=True)
    text = GetText(options.locale_code, options.locale_location)

    def plain(expression: str) -> str:
        return str(ExpressionDescriptor(expression, options).get_description())

    def shared(expression: str) -> str:
        descriptor = ExpressionDescriptor.__new__(ExpressionDescriptor)
        descriptor._expression = expression
        descriptor._options = options
        descriptor.get_text = text
        descriptor._expression_parts = ExpressionParser(expression, options).parse()
        return str(descriptor.get_description())

    try:
        return shared if shared("0 30 9 * * 1-5 *") == plain("0 30 9 * * 1-5 *") else plain
    except Exception:
        return plain


@lru_cache(maxsize=64)  # a list says each task's zone: looked up once per name, not per task
def _zone_or_none(name: str | None) -> ZoneInfo | None:
    if not name:
        return None
    try:
        return parse_timezone(name)
    except ValidationError:
        return None
