"""Time zones and DST: zone names, wall time read in a zone, and which instant a matching
wall time stands for.

A wall-clock schedule (cron, calendar interval) yields naive wall times in the task's zone;
this module turns them into aware instants by the rules of DESIGN.md, "Time":

- a wall time the clocks skip (spring forward) fires once, at the first instant after the
  gap (several skipped times collapse into that one fire);
- a wall time that happens twice (fall back) fires once, at its first occurrence;
- a *wildcard* schedule, one that says "every so often" rather than "at this time" (a cron
  whose second, minute or hour field starts with ``*``: ``*/30 * * * *``, ``@hourly``,
  ``0 */2 * * *``, ``* 2 * * *``), runs in both passes of a repeated hour, as Vixie cron
  runs its "wildcard jobs" (``MIN_STAR | HR_STAR``), so it keeps its pace in real time;
- an hourly-or-finer schedule (hour field starting with ``*``) simply has no fires in a
  skipped hour: it still runs every real hour, and collapsing the gap would fire an
  hourly ``30 * * * *`` twice within 30 minutes;
- fire times always strictly increase, compared as instants (UTC).

``next_instant`` is that rule, the one place it lives; `app.core.schedule.triggers` feeds it
wall times from APScheduler, and every path that computes fires (the engine, recovery,
``simulate``, the calendar, previews) steps a trigger with ``triggers.fire_after``.

Aware datetimes sharing a ``ZoneInfo`` compare and subtract by wall clock, ignoring
``fold`` (PEP 495): 02:30 of the second pass "equals" 02:30 of the first. Compare and
step in UTC (``utc``); keep the zone only for showing a time.
"""

from __future__ import annotations

import calendar
import math
import os
import re
import zoneinfo
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from app.core.errors import ValidationError

__all__ = [
    "US",
    "ambiguous",
    "aware_in",
    "exists",
    "first_instant",
    "instant",
    "localize",
    "next_instant",
    "no_such_moment",
    "overlap",
    "parse_datetime",
    "parse_timezone",
    "read_iso",
    "system_timezone_name",
    "transition",
    "utc",
    "within",
    "zone_label",
    "zone_of_rule",
]

US = timedelta(microseconds=1)

#: The next matching naive wall time at or after the given one, or None when none is left.
NextWall = Callable[[datetime], datetime | None]


def utc(moment: datetime) -> datetime:
    """The same instant in UTC, where comparing and adding a timedelta mean real time."""
    return moment.astimezone(UTC)


def exists(wall: datetime, tz: tzinfo) -> bool:
    """Whether the naive wall time occurs in ``tz`` (it does not inside a spring-forward gap)."""
    aware = wall.replace(tzinfo=tz, fold=0)
    return aware.astimezone(UTC).astimezone(tz).replace(tzinfo=None) == wall.replace(fold=0)


def ambiguous(wall: datetime, tz: tzinfo) -> bool:
    """Whether the (existing) wall time occurs twice (fall back)."""
    early = wall.replace(tzinfo=tz, fold=0).utcoffset()
    return early != wall.replace(tzinfo=tz, fold=1).utcoffset() and exists(wall, tz)


def transition(wall: datetime, tz: tzinfo) -> int:
    """The UTC timestamp of the offset change around a skipped or repeated wall time."""
    a = math.floor(wall.replace(tzinfo=tz, fold=0).timestamp())
    b = math.floor(wall.replace(tzinfo=tz, fold=1).timestamp())
    lo, hi = min(a, b), max(a, b)
    target = datetime.fromtimestamp(hi, tz).utcoffset()
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if datetime.fromtimestamp(mid, tz).utcoffset() == target:
            hi = mid
        else:
            lo = mid
    return hi


def instant(wall: datetime, tz: tzinfo, fold: int = 0) -> datetime:
    """The aware datetime for an existing wall time, normalised (fold set only when it matters)."""
    return datetime.fromtimestamp(wall.replace(tzinfo=tz, fold=fold).timestamp(), tz)


def first_instant(wall: datetime, tz: tzinfo) -> datetime:
    """Fixed-time rule: first occurrence if repeated, first instant after the gap if skipped."""
    if exists(wall, tz):
        return instant(wall, tz)
    return datetime.fromtimestamp(transition(wall, tz), tz)


def overlap(wall: datetime, tz: tzinfo) -> tuple[datetime, datetime]:
    """The repeated wall-clock range ``[start, end)`` that contains ``wall``."""
    moment = transition(wall, tz)
    start = datetime.fromtimestamp(moment, tz).replace(tzinfo=None, fold=0)
    early = wall.replace(tzinfo=tz, fold=0).utcoffset()
    late = wall.replace(tzinfo=tz, fold=1).utcoffset()
    assert early is not None and late is not None
    return start, start + (early - late)


def next_instant(
    next_wall: NextWall, tz: tzinfo, after: datetime, *, both_passes: bool, skip_gaps: bool
) -> datetime | None:
    """The first fire strictly after the instant ``after``, aware in ``tz``.

    ``next_wall`` lists the schedule's matching wall times; ``both_passes`` (a wildcard
    schedule) fires them in both passes of a repeated hour, else only in the first;
    ``skip_gaps`` drops wall times the clocks skip, else they fire once after the gap.
    """
    local = after.astimezone(tz)
    wall = local.replace(tzinfo=None, fold=0)
    start = wall + US
    if ambiguous(wall, tz):  # ``after`` lies in a repeated hour: which pass matters
        first, end = overlap(wall, tz)
        if both_passes:
            found = next_wall(start)
            if found is not None and found < end:
                return instant(found, tz, fold=local.fold)
            if local.fold == 0:  # the second pass follows the first in real time
                found = next_wall(first)
                if found is not None and found < end:
                    return instant(found, tz, fold=1)
            start = end
        elif local.fold == 1:  # the first pass, where fixed times fire, is over
            start = end
    after_utc = utc(after)
    for _ in range(1000):  # each turn passes one DST gap at most; never loops in practice
        found = next_wall(start)
        if found is None:
            return None
        if skip_gaps and not exists(found, tz):
            start = datetime.fromtimestamp(transition(found, tz), tz).replace(tzinfo=None)
            continue
        fire = first_instant(found, tz)
        if utc(fire) > after_utc:
            return fire
        start = found + timedelta(seconds=1)
    return None  # pragma: no cover


# --------------------------------------------------------------------------- zone names

_TZ_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_+\-]*(?:/[A-Za-z0-9_][A-Za-z0-9_+\-]*)*")


def parse_timezone(name: str, field: str = "tz") -> ZoneInfo:
    """An IANA time zone by name; refuses unknown names and anything that looks like a path."""
    text = name.strip() if isinstance(name, str) else ""
    hint = "(use an IANA name such as Europe/Berlin or UTC)"
    if not text:
        raise ValidationError(field, f"is empty {hint}")
    if not _TZ_NAME.fullmatch(text) or len(text) > 64:
        raise ValidationError(field, f"unknown time zone: {text!r} {hint}")
    try:
        return ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ValidationError(field, f"unknown time zone: {text!r} {hint}") from None


# a POSIX TZ value with a fixed offset and no daylight saving: `JST-9`, `<+0530>-5:30`
_POSIX_FIXED = re.compile(r":?(?:[A-Za-z]{3,}|<[+\-]?[A-Za-z0-9]+>)([+\-]?)(\d{1,2})(?::00)?")


def system_timezone_name() -> str:
    """The machine's IANA zone name, or ``"UTC"`` when it cannot be determined. `$TZ` first,
    as the process's own local time reads it: an IANA name, or a POSIX fixed offset as the
    `Etc/GMT±N` zone it is (`TZ=JST-9` → `Etc/GMT-9`, UTC+9 — tzlocal answered the system's
    zone for it, and tasks made there ran 9 hours off), a POSIX rule with daylight saving
    as the zone that keeps it (`zone_of_rule`); else tzlocal."""
    tz = os.environ.get("TZ", "").strip()
    if tz:
        try:
            parse_timezone(tz.removeprefix(":"))
            return tz.removeprefix(":")
        except ValidationError:
            fixed = _POSIX_FIXED.fullmatch(tz)
            if fixed is not None and int(fixed[2]) <= 12:
                hours = int(fixed[2])
                return f"Etc/GMT{'-' if fixed[1] == '-' else '+'}{hours}" if hours else "UTC"
            ruled = zone_of_rule(tz.removeprefix(":"))
            if ruled is not None:
                return ruled
    try:
        from tzlocal import get_localzone_name

        found = get_localzone_name()
    except Exception:  # tzlocal raises assorted errors on odd systems; UTC is a safe answer
        return "UTC"
    if not found:
        return "UTC"
    try:
        parse_timezone(found)
    except ValidationError:
        return "UTC"
    return found


@lru_cache(maxsize=4)
def zone_of_rule(rule: str) -> str | None:
    """The IANA zone whose rule from now on is the POSIX TZ value `rule`, as the last line of
    its TZif file says it (`TZ='CET-1CEST,M3.5.0,M10.5.0/3'`, which the C library follows,
    is Europe/Berlin's, Paris's and others'; tzlocal answered the system's zone for it, and
    tasks made there ran an hour or two off); None when no zone here keeps it. A zone named
    as the rule is (`EST5EDT,M3.2.0,M11.1.0`: EST5EDT) first, else the zone most names lead
    to (Europe/Berlin, Europe/London, Australia/Sydney), else the first by name. Reads the
    system's zone files once (~600, ~25 ms), only for such a TZ."""
    if "," not in rule or len(rule) > 128:
        return None
    keeping: dict[str, list[str]] = {}  # a zone's file → its names that keep the rule
    for key in sorted(zoneinfo.available_timezones()):
        path = _zone_file(key)
        if path is None:
            continue
        try:
            with open(path, "rb") as fh:
                data = fh.read(1 << 20)
        except OSError:
            continue
        if data[:4] == b"TZif" and data.rstrip(b"\n").rsplit(b"\n", 1)[-1] == rule.encode():
            keeping.setdefault(os.path.realpath(path), []).append(key)
    names = [key for keys in keeping.values() for key in keys]
    if not names:
        return None
    if rule.split(",", 1)[0] in names:
        return rule.split(",", 1)[0]
    most = Counter({real: len(keys) for real, keys in keeping.items()}).most_common(1)[0][0]
    own = [key for key in keeping[most] if most.endswith(os.sep + key)]
    return own[0] if own else keeping[most][0]


def _zone_file(key: str) -> str | None:
    for base in zoneinfo.TZPATH:
        path = os.path.join(base, key)
        if os.path.isfile(path):
            return path
    return None


def zone_label(tz: tzinfo | None) -> str:
    """A zone's name for messages: the IANA key, or the fixed offset as ``UTC+01:00``."""
    if isinstance(tz, ZoneInfo):
        return tz.key
    offset = tz.utcoffset(None) if tz is not None else None
    if offset is None:
        return str(tz) if tz is not None else "local time"
    if not offset:
        return "UTC"
    sign = "-" if offset < timedelta(0) else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    return f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"


# --------------------------------------------------------------------------- wall time


def localize(wall: datetime, tz: tzinfo, field: str) -> datetime:
    """Wall time in ``tz``; a repeated time means its first occurrence, a skipped one is refused
    with a ValidationError naming ``field``, as is one with no UTC instant (the year 9999's
    last hours west of UTC)."""
    try:
        real = exists(wall, tz)
    except (OverflowError, ValueError):
        raise ValidationError(field, f"is out of range: {wall.isoformat(sep=' ')} in "
                              f"{zone_label(tz)}") from None
    if not real:
        raise ValidationError(
            field,
            f"{wall.isoformat(sep=' ')} does not exist in {zone_label(tz)} "
            "(the clocks skip it for daylight saving time)",
        )
    return wall.replace(tzinfo=tz, fold=0)


def aware_in(value: datetime | None, tz: tzinfo, field: str) -> datetime | None:
    """``value`` as an aware time: a naive one is wall time in ``tz`` (see ``localize``)."""
    if value is None or (value.tzinfo is not None and value.utcoffset() is not None):
        return value
    return localize(value, tz, field)


EARLIEST_YEAR, LATEST_YEAR = 1900, 9998


def in_range(value: datetime, field: str) -> datetime:
    """A date-time a person may give a schedule: from 1900 to 9998 (a time in the year 9999
    cannot always be said in UTC, and the fires after it would overflow). Checked on input
    only: a stored time is read back whatever it is."""
    if not EARLIEST_YEAR <= value.year <= LATEST_YEAR or not (
            EARLIEST_YEAR <= representable(value, field).astimezone(UTC).year <= LATEST_YEAR):
        raise ValidationError(field, f"must be between the years {EARLIEST_YEAR} and "
                              f"{LATEST_YEAR}: {value.isoformat()}")
    return value


def representable(value: datetime, field: str) -> datetime:
    """`value`, once it is sure to have a UTC instant (year 1 at +01:00 has none)."""
    try:
        value.astimezone(UTC)
    except (OverflowError, ValueError):
        raise ValidationError(field, f"is out of range: {value.isoformat()}") from None
    return value


def parse_datetime(text: str, tz: tzinfo | None, field: str) -> datetime:
    """An ISO 8601 date-time; naive input is wall time in ``tz`` (or refused without one)."""
    raw = text.strip() if isinstance(text, str) else ""
    if not raw:
        raise ValidationError(field, f"is empty {_EXAMPLE}")
    value = read_iso(raw, field)
    if value.tzinfo is None:
        if tz is None:
            raise ValidationError(field, f"needs a UTC offset: {raw!r}")
        value = localize(value, tz, field)
    representable(value, field)
    try:
        return value.astimezone(tz) if tz is not None else value
    except (OverflowError, ValueError):  # 9999-12-31T23:00Z east of UTC: the year 10000
        raise ValidationError(field, f"is out of range in {zone_label(tz)}: "
                              f"{value.isoformat()}") from None


_EXAMPLE = "(use ISO 8601, e.g. 2026-12-01T02:00 or 2026-12-01T02:00+01:00)"
_MUST_BE_IN = re.compile(r"(\w+) must be in (\d+)\.\.(\d+)")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")  # (strftime's %B: the locale's)
_BEYOND = {"hour": "; the end of a day is 00:00 of the next",
           "second": "; leap seconds are not counted"}


def read_iso(raw: str, field: str) -> datetime:
    """ISO 8601 text as it stands (RFC 3339's lowercase "t" and "z" too), naive or not; text
    that names no moment is refused saying why (`no_such_moment`)."""
    try:
        return datetime.fromisoformat(raw.upper())
    except ValueError as exc:
        said = no_such_moment(raw, str(exc)) or f"not an ISO 8601 date-time: {raw!r} {_EXAMPLE}"
        raise ValidationError(field, said) from None


def no_such_moment(raw: str, why: str) -> str | None:
    """Why ISO 8601 text names no moment, given the error `datetime.fromisoformat` (or
    `date.fromisoformat`) raised for it, when it is a date or time the calendar lacks ("no
    such date: '2027-02-29T10:00' (February 2027 has 28 days)", `T24:00`, a leap second's
    `:60`, an offset of a day); else None: it is not ISO 8601. All were "not an ISO 8601
    date-time", as if written wrong."""
    if "day is out of range" in why:
        ymd = re.match(r"(\d{4})-?(\d\d)", raw)
        if ymd is not None and 1 <= int(ymd[2]) <= 12:
            year, month = int(ymd[1]), int(ymd[2])
            return (f"no such date: {raw!r} ({_MONTHS[month - 1]} {year:04d} has "
                    f"{calendar.monthrange(year, month)[1]} days)")
    part = _MUST_BE_IN.match(why)
    if part is not None:
        what = "date" if part[1] in ("year", "month", "day") else "time"
        return (f"no such {what}: {raw!r} (the {part[1]} is {part[2]} to {part[3]}"
                f"{_BEYOND.get(part[1], '')})")
    if why.startswith("offset must be"):
        return f"no such UTC offset: {raw!r} (it must be less than 24 hours)"
    return None


def within(moment: datetime, start: datetime | None, end: datetime | None) -> bool:
    """Whether ``moment`` lies in the inclusive window (compared as instants)."""
    at = utc(moment)
    return (start is None or at >= utc(start)) and (end is None or at <= utc(end))
