"""Exclusion dates: the local dates on which a task does not fire, typed or read from an .ics.

An entry is a date (``2027-12-24``) or a date that repeats every year from its first year
(``R/2026-12-25/P1Y``, ISO 8601's repeating-interval notation: 25 Dec 2026, 2027, …; a
29 Feb repeats in leap years only). Dates are local dates in the task's time zone.

``read_ics`` reads the all-day events of an iCalendar (RFC 5545) file, such as a public
holiday calendar: folded lines are unfolded, each ``VEVENT`` with ``DTSTART;VALUE=DATE``
gives its days (``DTEND`` exclusive, or ``DURATION:PnD``), ``RDATE`` adds dates, and a
``RRULE:FREQ=YEARLY`` on the event's own month and day repeats it (forever as an ``R/``
entry, or expanded when it has ``COUNT``/``UNTIL``, less any ``EXDATE``). What it does not
read — moved occurrences (``RECURRENCE-ID``) and any other rule (``BYDAY`` holidays such as
"fourth Thursday", Easter-based ones, other frequencies, ``EXDATE`` on an endless rule) — is
named in ``IcsDates.not_read``, and the events it passes over as no day off — timed ones (a
``DTSTART`` with a time of day: a meeting) and cancelled ones — are counted in
``IcsDates.passed_over``, so the caller can say both.
A small parser rather than the ``icalendar`` package: all-day dates are all Tickwork needs,
and the package would bring its own dependencies into the bundle.
"""

from __future__ import annotations

import bisect
import os
import re
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Final

from app.core.errors import ValidationError
from app.core.schedule.zones import no_such_moment

__all__ = ["NO_EXCLUSIONS", "Exclusions", "IcsDates", "read_ics", "read_ics_file"]

_YEARLY = re.compile(r"R/([0-9]{4}-[0-9]{2}-[0-9]{2})/P1Y")
_MONTHS: Final = ("Jan", "Feb", "Mar", "Apr", "May", "Jun",
                  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")  # fmt: skip
#: Most dates ``words`` lists before "and N more".
SHOWN: Final = 3


def _date(text: str, field: str = "exclude") -> date:
    """A date as typed; one the calendar lacks (2027-02-29) is named so, not as mistyped."""
    said = None
    if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
        try:
            return date.fromisoformat(text)
        except ValueError as exc:
            said = no_such_moment(text, str(exc))
    raise ValidationError(field, said or f"not a date: {text!r} (use YYYY-MM-DD, "
                          "R/YYYY-MM-DD/P1Y for every year, or an .ics file)")


@dataclass(frozen=True, slots=True)
class Exclusions:
    """Local dates on which nothing fires: single ``dates`` and ``yearly`` ones from a year.

    Both kept sorted and without repeats, so equal sets compare and hash equal.
    """

    dates: tuple[date, ...] = ()
    yearly: tuple[date, ...] = ()  # the first occurrence; repeats each year on its month/day

    def __post_init__(self) -> None:
        for name in ("dates", "yearly"):
            value = getattr(self, name)
            if not all(isinstance(d, date) for d in value):
                raise ValidationError("exclude", f"{name} must be dates, got {value!r}")
            object.__setattr__(self, name, tuple(sorted(set(value))))

    def __bool__(self) -> bool:
        return bool(self.dates or self.yearly)

    def excludes(self, day: date) -> bool:
        """Is nothing to fire on this local date?"""
        i = bisect.bisect_left(self.dates, day)
        if i < len(self.dates) and self.dates[i] == day:
            return True
        return any(y.month == day.month and y.day == day.day and y <= day for y in self.yearly)

    def merged(self, other: Exclusions) -> Exclusions:
        return Exclusions(self.dates + other.dates, self.yearly + other.yearly)

    # ------------------------------------------------------------------- text and JSON

    def to_json(self) -> list[str]:
        return [d.isoformat() for d in self.dates] + [f"R/{d.isoformat()}/P1Y"
                                                      for d in self.yearly]

    @classmethod
    def parse(cls, items: Iterable[object]) -> Exclusions:
        """Entries as stored or typed: ``YYYY-MM-DD`` or ``R/YYYY-MM-DD/P1Y``."""
        if isinstance(items, str | bytes) or not isinstance(items, Iterable):
            raise ValidationError("exclude", f"must be a list of dates, got {items!r}")
        dates: list[date] = []
        yearly: list[date] = []
        for item in items:
            if not isinstance(item, str):
                raise ValidationError("exclude", f"must be a date as text, got {item!r}")
            text = item.strip()
            match = _YEARLY.fullmatch(text)
            if match:
                yearly.append(_date(match.group(1)))
            else:
                dates.append(_date(text))
        return cls(tuple(dates), tuple(yearly))

    def words(self) -> str:
        """``not on 24 Dec 2027, 25 Dec every year and 2 more dates``."""
        shown = [_day_words(d) for d in self.dates] + [
            f"{d.day} {_MONTHS[d.month - 1]} every year from {d.year}" for d in self.yearly]
        if not shown:
            return ""
        if len(shown) > SHOWN + 1:
            rest = len(shown) - SHOWN
            return f"not on {', '.join(shown[:SHOWN])} and {rest} more dates"
        if len(shown) == 1:
            return f"not on {shown[0]}"
        return f"not on {', '.join(shown[:-1])} and {shown[-1]}"


#: The empty set: a schedule's default.
NO_EXCLUSIONS: Final = Exclusions()


def _day_words(d: date) -> str:
    return f"{d.day} {_MONTHS[d.month - 1]} {d.year}"


# ----------------------------------------------------------------------- iCalendar


MAX_ICS = 16 << 20  # bytes of an .ics file (a country's holidays for decades: ~100 KB)


@dataclass(frozen=True, slots=True)
class IcsDates:
    """The dates an .ics file excludes, how many all-day events gave them, what was not
    read (``"Thanksgiving: RRULE FREQ=YEARLY;BYDAY=4TH"``) and the events passed over as no
    day off, counted and why (``"2 timed events (at a time of day: not a day off)"``)."""

    exclusions: Exclusions
    events: int
    not_read: tuple[str, ...]
    passed_over: tuple[str, ...] = ()


def read_ics_file(path: str | Path) -> IcsDates:
    """``read_ics`` on a file; an unreadable file is a ValidationError on ``exclude``."""
    name = Path(path).name
    try:  # a calendar's file only: a device (`/dev/zero`) was read until MemoryError, a
        if not stat.S_ISREG(os.stat(path).st_mode):  # FIFO waited for ever (a fault hunt)
            raise ValidationError("exclude", f"{name} is not a file (a device or a pipe)")
        with open(path, "rb") as file:
            raw = file.read(MAX_ICS + 1)
    except OSError as exc:
        raise ValidationError("exclude", f"cannot read {name}: {exc.strerror or exc}") from None
    if len(raw) > MAX_ICS:
        raise ValidationError("exclude", f"{name} is larger than {MAX_ICS >> 20} MiB: not a "
                              "calendar of days off")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError("exclude", f"{name} is not an iCalendar file (not UTF-8 text)"
                              ) from None
    return read_ics(text, name)


def _unfold(text: str) -> list[str]:
    """Content lines with RFC 5545 folding (CRLF followed by a space or tab) undone."""
    lines: list[str] = []
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if line[:1] in (" ", "\t") and lines:
            lines[-1] += line[1:]
        elif line.strip():
            lines.append(line)
    return lines


def _property(line: str) -> tuple[str, dict[str, str], str]:
    """``NAME;PARAM=V:value`` as (NAME, {PARAM: V}, value); quoted parameter values may hold
    ``:`` and ``;``."""
    quoted = False
    cut = -1
    for i, ch in enumerate(line):
        if ch == '"':
            quoted = not quoted
        elif ch == ":" and not quoted:
            cut = i
            break
    if cut < 0:
        return line.upper(), {}, ""
    head, value = line[:cut], line[cut + 1:]
    name, *params = re.split(r';(?=(?:[^"]*"[^"]*")*[^"]*$)', head)
    found: dict[str, str] = {}
    for param in params:
        key, _, val = param.partition("=")
        found[key.strip().upper()] = val.strip().strip('"').upper()
    return name.strip().upper(), found, value.strip()


def _all_day(params: dict[str, str], value: str) -> date | None:
    """The date of an all-day ``DTSTART``-like value, or None for a date-time."""
    if params.get("VALUE", "DATE" if re.fullmatch(r"[0-9]{8}", value) else "") != "DATE":
        return None
    if not re.fullmatch(r"[0-9]{8}", value):
        return None
    try:
        return date(int(value[:4]), int(value[4:6]), int(value[6:]))
    except ValueError:
        return None


def _dates(value: str) -> list[date] | None:
    """A comma-separated list of dates (``YYYYMMDD``, or the day of a ``YYYYMMDDTHHMMSS``);
    None if any is neither (a ``PERIOD``, say)."""
    out: list[date] = []
    for part in value.split(","):
        text = part.strip()
        day = _all_day({}, text[:8]) if re.fullmatch(r"[0-9]{8}(T[0-9]{6}Z?)?", text) else None
        if day is None:
            return None
        out.append(day)
    return out


def read_ics(text: str, name: str = "the .ics file") -> IcsDates:
    """The exclusion dates of an iCalendar text's all-day events (see the module docstring).

    Refuses a text that is not a calendar, or has no all-day event, naming ``exclude``.
    """
    lines = _unfold(text)
    if not any(line.strip().upper() == "BEGIN:VCALENDAR" for line in lines):
        raise ValidationError("exclude", f"{name} is not an iCalendar file (no BEGIN:VCALENDAR)")
    events: list[list[tuple[str, dict[str, str], str]]] = []
    depth = 0  # components nested inside an event (VALARM) are skipped
    current: list[tuple[str, dict[str, str], str]] | None = None
    for line in lines:
        prop = _property(line)
        if prop[0] == "BEGIN":
            if prop[2].upper() == "VEVENT" and current is None:
                current = []
            elif current is not None:
                depth += 1
        elif prop[0] == "END":
            if current is not None and depth:
                depth -= 1
            elif current is not None and prop[2].upper() == "VEVENT":
                events.append(current)
                current = None
        elif current is not None and not depth:
            current.append(prop)
    dates: list[date] = []
    yearly: list[date] = []
    not_read: list[str] = []
    passed: dict[str, int] = dict.fromkeys(_PASSED_OVER, 0)
    count = 0
    for props in events:
        got = _event_dates(props)
        if isinstance(got, str):
            if got in passed:
                passed[got] += 1
            else:
                summary = next((v for n, _, v in props if n == "SUMMARY"), "an event")
                not_read.append(f"{summary.replace(chr(92) + ',', ',')}: {got}")
            continue
        count += 1
        dates.extend(got[0])
        yearly.extend(got[1])
    passed_over = tuple(_PASSED_OVER[kind].format(n, "" if n == 1 else "s")
                        for kind, n in passed.items() if n)
    if not count:
        raise ValidationError("exclude", f"{name} has no all-day events"
                              + (f": passed over {'; '.join(passed_over)}" if passed_over
                                 else ""))
    return IcsDates(Exclusions(tuple(dates), tuple(yearly)), count, tuple(not_read),
                    passed_over)


# an event read as no day off, and how it is counted ({0} events, {1} the plural's "s")
_TIMED, _CANCELLED = "timed", "cancelled"
_PASSED_OVER: Final = {_TIMED: "{0} timed event{1} (at a time of day: not a day off)",
                       _CANCELLED: "{0} cancelled event{1}"}



def _listed(props: list[tuple[str, dict[str, str], str]], which: str) -> list[date] | str:
    """Every date of an event's `which` lines (RDATE, EXDATE), or what could not be read."""
    found: list[date] = []
    for name, _params, value in props:
        if name == which:
            dates = _dates(value)
            if dates is None:
                return f"{which} {value} (not dates)"
            found.extend(dates)
    return found

def _event_dates(props: list[tuple[str, dict[str, str], str]]
                 ) -> tuple[list[date], list[date]] | str:
    """One event's (dates, yearly dates), or why it was not read (a `_PASSED_OVER` key for an
    event that is no day off)."""
    first: dict[str, tuple[dict[str, str], str]] = {}
    for name, params, value in props:
        first.setdefault(name, (params, value))
    if "DTSTART" not in first:
        return "no DTSTART"
    start = _all_day(*first["DTSTART"])
    if start is None:
        return _TIMED
    if first.get("STATUS", ({}, ""))[1].upper() == "CANCELLED":
        return _CANCELLED
    if "RECURRENCE-ID" in first:
        return "a moved occurrence (RECURRENCE-ID)"
    days = 1
    if "DTEND" in first:
        end = _all_day(*first["DTEND"])
        if end is None or end <= start:
            return "DTEND is not a later date"
        days = (end - start).days
    elif "DURATION" in first:
        match = re.fullmatch(r"P([0-9]+)D", first["DURATION"][1].upper())
        if match is None or int(match.group(1)) < 1:
            return f"DURATION {first['DURATION'][1]}"
        days = int(match.group(1))
    span = [start + timedelta(days=i) for i in range(days)]
    extra = _listed(props, "RDATE")
    if isinstance(extra, str):
        return extra
    listed_out = _listed(props, "EXDATE")
    if isinstance(listed_out, str):
        return listed_out
    removed = set(listed_out)
    rules = [value for name, _, value in props if name == "RRULE"]
    if not rules:
        return [d for d in span + extra if d not in removed], []
    if len(rules) > 1:
        return "more than one RRULE"
    return _yearly(rules[0], start, span, extra, removed)


def _yearly(rule: str, start: date, span: list[date], extra: list[date], removed: set[date]
            ) -> tuple[list[date], list[date]] | str:
    parts = dict(p.partition("=")[::2] for p in rule.upper().split(";") if p)
    why = f"RRULE {rule} (only yearly on a fixed date is read)"
    if parts.get("FREQ") != "YEARLY" or parts.get("INTERVAL", "1") != "1":
        return why
    if set(parts) - {"FREQ", "INTERVAL", "COUNT", "UNTIL", "BYMONTH", "BYMONTHDAY", "WKST"}:
        return why
    if parts.get("BYMONTH", str(start.month)) != str(start.month):
        return why
    if parts.get("BYMONTHDAY", str(start.day)) != str(start.day):
        return why
    if "COUNT" not in parts and "UNTIL" not in parts:
        if removed:
            return f"EXDATE on an endless RRULE {rule}"
        return list(extra), span
    until = date.max
    if "UNTIL" in parts:
        found = _all_day({}, parts["UNTIL"][:8])
        if found is None:
            return why
        until = found
    count = int(parts["COUNT"]) if parts.get("COUNT", "").isdecimal() else 10_000
    out: list[date] = []
    year, made = start.year, 0
    while made < count and year <= min(until.year, 9999):
        try:
            first = start.replace(year=year)
        except ValueError:  # 29 Feb in a common year: no occurrence (RFC 5545)
            year += 1
            continue
        if first > until:
            break
        out.extend(d + (first - start) for d in span)
        made += 1
        year += 1
    return [d for d in out + extra if d not in removed], []
