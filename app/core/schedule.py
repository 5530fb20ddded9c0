"""When a task fires: the ``Schedule`` value type, its parsers, APScheduler triggers and words.

A schedule is one of six kinds: ``manual``, ``date`` (once), ``interval`` (every N
seconds), ``cron``, ``calendar`` (every N years/months/weeks/days at a time of day) and
``after`` (chain: run when upstream tasks succeed). It is stored as JSON and turned into an
APScheduler trigger by ``build_trigger``; ``next_fire_times`` previews it and
``describe`` puts it into words.

Cron follows POSIX/Vixie cron, not APScheduler's ``CronTrigger.from_crontab``: day of week
0 and 7 are Sunday; when day-of-month and day-of-week are both restricted (neither field
starts with ``*``) a day matching *either* fires, otherwise both must match; an optional
leading seconds field; the ``@`` macros. Field text is expanded here into explicit sets and
handed to APScheduler as plain lists, so none of its own syntax quirks leak through.

Time zones and DST (DESIGN.md, "Time"). Cron and calendar schedules are wall-clock
schedules in the task's zone; `app.core.dst` says which instant each wall time stands for
(a skipped time fires once after the gap; a repeated time fires once, at its first
occurrence; a cron whose second, minute or hour field starts with ``*`` is a Vixie
"wildcard job" and runs in both passes of a repeated hour; an hour field starting with
``*`` has no fires in a skipped hour; fire times always strictly increase).

Nothing here reads the clock except where stated (``build_trigger`` without ``now``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone, tzinfo
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from app.core.dst import US as _US
from app.core.dst import exists as _exists
from app.core.dst import utc as _utc
from app.core.durations import MAX_DURATION, format_duration, parse_duration
from app.core.errors import ValidationError

if TYPE_CHECKING:
    from apscheduler.triggers.base import BaseTrigger

__all__ = [
    "KINDS",
    "MIN_INTERVAL_SECONDS",
    "CalendarSpec",
    "Schedule",
    "build_trigger",
    "describe",
    "next_fire_times",
    "parse_timezone",
    "system_timezone_name",
    "validate_schedule",
]

KINDS: Final = ("manual", "date", "interval", "cron", "calendar", "after")
#: Shortest interval ``validate_schedule`` accepts for a task.
MIN_INTERVAL_SECONDS: Final = 1.0

# --------------------------------------------------------------------------- value types


@dataclass(frozen=True, slots=True)
class CalendarSpec:
    """Every ``years/months/weeks/days`` at ``hour:minute:second`` local time.

    The day the count starts from is the trigger's start (see ``build_trigger``).
    """

    years: int = 0
    months: int = 0
    weeks: int = 0
    days: int = 0
    hour: int = 0
    minute: int = 0
    second: int = 0

    def __post_init__(self) -> None:
        limits = {"years": 10, "months": 120, "weeks": 520, "days": 3653,
                  "hour": 23, "minute": 59, "second": 59}  # fmt: skip
        for name, top in limits.items():
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValidationError("calendar", f"{name} must be a whole number, not {value!r}")
            if not 0 <= value <= top:
                raise ValidationError("calendar", f"{name} must be 0 to {top}, got {value}")
        if self.years == self.months == self.weeks == self.days == 0:
            raise ValidationError("calendar", "the interval must be at least one day")


@dataclass(frozen=True, slots=True)
class Schedule:
    """When a task fires. Construction validates shape and syntax; see ``validate_schedule``.

    ``at`` (date) is aware, kept at its fixed UTC offset; ``seconds`` (interval) is
    positive; ``expr`` (cron) is the expression as the user typed it; ``after`` (chain)
    names the upstream tasks.
    """

    kind: str
    at: datetime | None = None
    seconds: float | None = None
    expr: str | None = None
    calendar: CalendarSpec | None = None
    after: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValidationError("schedule", f"unknown kind {self.kind!r} (use one of {_kinds()})")
        wanted = {"date": "at", "interval": "seconds", "cron": "expr", "calendar": "calendar",
                  "after": "after"}.get(self.kind)  # fmt: skip
        for name in ("at", "seconds", "expr", "calendar", "after"):
            value = getattr(self, name)
            present = bool(value) if name == "after" else value is not None
            if name == wanted and not present:
                if name == "after":
                    raise ValidationError("after", "needs at least one upstream task")
                raise ValidationError("schedule", f"{_a(self.kind)} schedule needs {name!r}")
            if name != wanted and present:
                raise ValidationError("schedule", f"{_a(self.kind)} schedule takes no {name!r}")
        if self.kind == "date":
            object.__setattr__(self, "at", _fixed_offset(self.at))
        elif self.kind == "interval":
            _check_seconds(self.seconds)
        elif self.kind == "cron":
            if not isinstance(self.expr, str):
                raise ValidationError("cron", f"must be text, got {self.expr!r}")
            _parse_cron(self.expr)
        elif self.kind == "calendar" and not isinstance(self.calendar, CalendarSpec):
            raise ValidationError("calendar", f"must be a CalendarSpec, got {self.calendar!r}")
        elif self.kind == "after":
            object.__setattr__(self, "after", _check_upstreams(self.after))

    # ----------------------------------------------------------------- parsing CLI words

    @classmethod
    def parse_at(cls, text: str, tz: tzinfo) -> Schedule:
        """A one-off at an ISO 8601 date-time; a time without offset is wall time in ``tz``."""
        return cls(kind="date", at=_parse_datetime(text, tz, "at"))

    @classmethod
    def parse_every(cls, text: str) -> Schedule:
        """An interval from a duration such as ``5m`` or ``1h30m``."""
        return cls(kind="interval", seconds=parse_duration(text, "every").total_seconds())

    @classmethod
    def parse_cron(cls, text: str) -> Schedule:
        """A cron schedule; raises ValidationError("cron", ...) naming the bad field."""
        if not isinstance(text, str):
            raise ValidationError("cron", f"must be text, got {text!r}")
        return cls(kind="cron", expr=text.strip())

    @classmethod
    def parse_calendar(cls, text: str) -> Schedule:
        """A calendar interval such as ``1mo@02:00``, ``1y``, ``2w@08:30``, ``1d@23:59:30``."""
        return cls(kind="calendar", calendar=_parse_calendar(text))

    @classmethod
    def parse_after(cls, text: str | Iterable[str]) -> Schedule:
        """A chain trigger on upstream tasks, given as ``"A,B"`` or a list of names."""
        names = text.split(",") if isinstance(text, str) else list(text)
        return cls(kind="after", after=tuple(n.strip() for n in names if n.strip()))

    # ----------------------------------------------------------------- JSON

    def to_json(self) -> dict[str, Any]:
        """The stored JSON shape (see ``from_json``)."""
        if self.kind == "date":
            assert self.at is not None
            return {"kind": "date", "at": self.at.isoformat()}
        if self.kind == "interval":
            assert self.seconds is not None
            secs = self.seconds
            return {"kind": "interval", "seconds": int(secs) if float(secs).is_integer() else secs}
        if self.kind == "cron":
            return {"kind": "cron", "expr": self.expr}
        if self.kind == "calendar":
            c = self.calendar
            assert c is not None
            return {"kind": "calendar", **{k: getattr(c, k) for k in _JSON_KEYS["calendar"]}}
        if self.kind == "after":
            return {"kind": "after", "tasks": list(self.after)}
        return {"kind": "manual"}

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Schedule:
        """Read the stored shape back, refusing unknown kinds, unknown keys and bad values."""
        if not isinstance(d, Mapping):
            raise ValidationError("schedule", f"must be a JSON object, got {type(d).__name__}")
        kind = d.get("kind")
        if not isinstance(kind, str) or kind not in KINDS:
            raise ValidationError("schedule", f"unknown kind {kind!r} (use one of {_kinds()})")
        allowed = _JSON_KEYS[kind]
        unknown = sorted(str(k) for k in d if k != "kind" and k not in allowed)
        if unknown:
            raise ValidationError("schedule", f"unknown key(s) for {_a(kind)} schedule: {unknown}")
        required = () if kind in ("manual", "calendar") else allowed
        missing = [k for k in required if k not in d]
        if missing:
            raise ValidationError("schedule", f"{_a(kind)} schedule needs {missing[0]!r}")
        if kind == "date":
            at = d["at"]
            if not isinstance(at, str):
                raise ValidationError("at", f"must be an ISO 8601 string, got {at!r}")
            return cls(kind="date", at=_parse_datetime(at, None, "at"))
        if kind == "interval":
            return cls(kind="interval", seconds=d["seconds"])
        if kind == "cron":
            return cls(kind="cron", expr=d["expr"])
        if kind == "calendar":
            return cls(kind="calendar", calendar=CalendarSpec(**{k: d.get(k, 0) for k in allowed}))
        if kind == "after":
            tasks = d["tasks"]
            if not isinstance(tasks, list):
                raise ValidationError("after", f"must be a list of task names, got {tasks!r}")
            return cls(kind="after", after=tuple(tasks))
        return cls(kind="manual")

    # ----------------------------------------------------------------- properties

    @property
    def is_startup(self) -> bool:
        """True for cron ``@reboot``: fires when the engine starts, has no trigger."""
        return self.kind == "cron" and self.expr is not None and _parse_cron(self.expr).reboot


_JSON_KEYS: Final[dict[str, tuple[str, ...]]] = {
    "manual": (),
    "date": ("at",),
    "interval": ("seconds",),
    "cron": ("expr",),
    "calendar": ("years", "months", "weeks", "days", "hour", "minute", "second"),
    "after": ("tasks",),
}


def _kinds() -> str:
    return ", ".join(KINDS)


def _a(kind: str) -> str:
    return f"an {kind}" if kind in ("after", "interval") else f"a {kind}"


def _fixed_offset(value: object) -> datetime:
    """An aware ``at`` pinned to its UTC offset.

    A ZoneInfo time in a repeated hour never compares equal to the same instant in
    another zone (PEP 495), so a Schedule would not equal its own JSON round trip.
    """
    if not isinstance(value, datetime):
        raise ValidationError("at", f"must be a date-time, got {value!r}")
    offset = value.utcoffset()
    if offset is None:
        raise ValidationError("at", f"needs a UTC offset or time zone: {value.isoformat()}")
    return value.replace(tzinfo=timezone(offset), fold=0)


def _check_seconds(value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValidationError("every", f"must be a number of seconds, got {value!r}")
    if not math.isfinite(value) or value <= 0:
        raise ValidationError("every", f"must be a positive number of seconds, got {value!r}")
    if value > MAX_DURATION.total_seconds():
        raise ValidationError("every", f"is too long: {value!r} seconds (at most 10 years)")


def _check_upstreams(names: Iterable[object]) -> tuple[str, ...]:
    if isinstance(names, str):
        raise ValidationError("after", f"must be a list of task names, got {names!r}")
    seen: list[str] = []
    for name in names:
        if not isinstance(name, str) or not name.strip():
            raise ValidationError("after", f"task names must be non-empty text, got {name!r}")
        if name in seen:
            raise ValidationError("after", f"names {name!r} twice")
        seen.append(name)
    return tuple(seen)


def _parse_datetime(text: str, tz: tzinfo | None, field: str) -> datetime:
    """An ISO 8601 date-time; naive input is wall time in ``tz`` (or refused without one)."""
    raw = text.strip() if isinstance(text, str) else ""
    example = "(use ISO 8601, e.g. 2026-12-01T02:00 or 2026-12-01T02:00+01:00)"
    if not raw:
        raise ValidationError(field, f"is empty {example}")
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise ValidationError(field, f"not an ISO 8601 date-time: {raw!r} {example}") from None
    if value.tzinfo is None:
        if tz is None:
            raise ValidationError(field, f"needs a UTC offset: {raw!r}")
        value = _localize(value, tz, field)
    return value.astimezone(tz) if tz is not None else value


def _localize(wall: datetime, tz: tzinfo, field: str) -> datetime:
    """Wall time in ``tz``; a repeated time means its first occurrence, a skipped one is refused."""
    if not _exists(wall, tz):
        raise ValidationError(
            field,
            f"{wall.isoformat(sep=' ')} does not exist in {_tz_label(tz)} "
            "(the clocks skip it for daylight saving time)",
        )
    return wall.replace(tzinfo=tz, fold=0)


_CAL_UNITS: Final = {
    "y": "years", "yr": "years", "yrs": "years", "year": "years", "years": "years",
    "mo": "months", "mon": "months", "month": "months", "months": "months",
    "w": "weeks", "wk": "weeks", "wks": "weeks", "week": "weeks", "weeks": "weeks",
    "d": "days", "day": "days", "days": "days",
}  # fmt: skip
_CAL_TERM = re.compile(r"\s*([0-9]+)\s*([a-z]+)\s*")
_CAL_TIME = re.compile(r"\s*([0-9]{1,2}):([0-9]{2})(?::([0-9]{2}))?\s*")


def _parse_calendar(text: str) -> CalendarSpec:
    raw = text.strip() if isinstance(text, str) else ""
    hint = "(use e.g. 1d@02:00, 2w@08:30, 1mo, 1y)"
    if not raw:
        raise ValidationError("calendar", f"is empty {hint}")
    interval, _, clock = raw.lower().partition("@")
    counts: dict[str, int] = {}
    pos = 0
    while pos < len(interval):
        term = _CAL_TERM.match(interval, pos)
        unit = _CAL_UNITS.get(term.group(2)) if term else None
        if term is None or unit is None:
            is_m = term is not None and term.group(2) == "m"
            extra = " ('m' is ambiguous: use mo for months)" if is_m else ""
            raise ValidationError("calendar", f"not a calendar interval: {raw!r} {hint}{extra}")
        if unit in counts:
            raise ValidationError("calendar", f"not a calendar interval: {raw!r} repeats {unit}")
        counts[unit] = int(term.group(1))
        pos = term.end()
    if not counts:
        raise ValidationError("calendar", f"not a calendar interval: {raw!r} {hint}")
    hour = minute = second = 0
    if clock or raw.endswith("@"):
        match = _CAL_TIME.fullmatch(clock)
        if match is None:
            raise ValidationError("calendar", f"not a time of day: {clock.strip()!r} (use HH:MM)")
        hour, minute = int(match.group(1)), int(match.group(2))
        second = int(match.group(3) or 0)
    return CalendarSpec(hour=hour, minute=minute, second=second, **counts)


# --------------------------------------------------------------------------- cron parsing

_FIELD_NAMES: Final = ("second", "minute", "hour", "day-of-month", "month", "day-of-week")
_BOUNDS: Final = {"second": (0, 59), "minute": (0, 59), "hour": (0, 23),
                  "day-of-month": (1, 31), "month": (1, 12), "day-of-week": (0, 7)}  # fmt: skip
_MONTHS: Final = ("jan", "feb", "mar", "apr", "may", "jun",
                  "jul", "aug", "sep", "oct", "nov", "dec")  # fmt: skip
_DAYS: Final = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
_MONTH_LENGTH: Final = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)  # Feb 29 exists
_MACROS: Final = {
    "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0", "@daily": "0 0 * * *", "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}  # fmt: skip
_ITEM = re.compile(r"(?:(\*)|([a-z0-9]+)(?:-([a-z0-9]+))?)(?:/([0-9]+))?")
_CRON_HINT = "(5 fields: minute hour day-of-month month day-of-week, e.g. '0 2 * * *')"


@dataclass(frozen=True, slots=True)
class _Cron:
    """A parsed cron expression: the matching values of each field, POSIX numbering."""

    fields: tuple[str, ...]  # the six field texts, seconds first ("0" when not given)
    values: tuple[frozenset[int], ...]  # second, minute, hour, dom, month, dow (0 = Sunday)
    reboot: bool = False

    @property
    def day_star(self) -> bool:
        return self.fields[3].startswith("*")

    @property
    def dow_star(self) -> bool:
        return self.fields[5].startswith("*")

    @property
    def hour_star(self) -> bool:
        """Hourly or finer: the clocks' skipped hour simply has no fires (see app.core.dst)."""
        return self.fields[2].startswith("*")

    @property
    def wildcard(self) -> bool:
        """Vixie's "wildcard job" (its MIN_STAR | HR_STAR, with our seconds field too): a
        field below the day starts with ``*``, so it fires in both passes of a repeated hour.
        The ``@hourly`` macro is one; ``0-59/5 2 * * *`` is not (Vixie looks at the text)."""
        return any(text.startswith("*") for text in self.fields[:3])

    @property
    def days_or(self) -> bool:
        """Vixie rule: with both day fields restricted, a day matching either one fires."""
        return not self.day_star and not self.dow_star

    @property
    def dom_possible(self) -> bool:
        """Whether some selected month has some selected day of month (Feb 29 counts)."""
        return any(d <= _MONTH_LENGTH[m - 1] for m in self.values[4] for d in self.values[3])

    @property
    def never_fires(self) -> bool:
        return not self.reboot and not self.days_or and not self.dom_possible


@lru_cache(maxsize=1024)
def _parse_cron(expr: str) -> _Cron:
    text = expr.strip()
    if not text:
        raise ValidationError("cron", f"is empty {_CRON_HINT}")
    if text.startswith("@"):
        macro = text.lower()
        if macro == "@reboot":
            return _Cron(fields=(), values=(), reboot=True)
        if macro not in _MACROS:
            names = ", ".join([*_MACROS, "@reboot"])
            raise ValidationError("cron", f"unknown macro {text!r} (use one of {names})")
        text = _MACROS[macro]
    parts = text.split()
    if len(parts) not in (5, 6):
        raise ValidationError(
            "cron",
            f"expected 5 fields, or 6 with a leading seconds field, got {len(parts)} "
            f"in {expr.strip()!r} {_CRON_HINT}",
        )
    if len(parts) == 5:
        parts.insert(0, "0")
    values = tuple(_parse_field(name, part) for name, part in zip(_FIELD_NAMES, parts, strict=True))
    return _Cron(fields=tuple(parts), values=values)


def _parse_field(name: str, text: str) -> frozenset[int]:
    lo, hi = _BOUNDS[name]
    found: set[int] = set()
    for original in text.split(","):
        item = original.lower()
        match = _ITEM.fullmatch(item)
        if match is None:
            why = _hint(item) if item else " (empty list item)"
            raise ValidationError("cron", f"{name} field: {original or text!r} is not valid{why}")
        star, first, last, step_text = match.groups()
        step = int(step_text) if step_text is not None else 1
        if step_text is not None and step < 1:
            raise ValidationError("cron", f"{name} field: step must be at least 1 in {original!r}")
        if star:
            start, end = lo, hi
        else:
            start = _field_value(name, first, lo, hi, original)
            if last is not None:
                end = _field_value(name, last, lo, hi, original)
                if end < start:
                    raise ValidationError("cron", f"{name} field: range {original!r} is backwards")
            elif step_text is not None:
                raise ValidationError(
                    "cron",
                    f"{name} field: a step needs a range or '*': write "
                    f"{first}-{hi}/{step} or */{step}, not {original!r}",
                )
            else:
                end = start
        found.update(range(start, end + 1, step))
    if name == "day-of-week" and 7 in found:
        found.discard(7)
        found.add(0)
    return frozenset(found)


def _field_value(name: str, token: str, lo: int, hi: int, item: str) -> int:
    if token.isdigit():
        value = int(token)
    elif name == "month" and token in _MONTHS:
        value = _MONTHS.index(token) + 1
    elif name == "day-of-week" and token in _DAYS:
        value = _DAYS.index(token)
    else:
        raise ValidationError("cron", f"{name} field: {item!r} is not valid{_hint(item.lower())}")
    if not lo <= value <= hi:
        raise ValidationError("cron", f"{name} field: {value} is out of range {lo}-{hi}")
    return value


def _hint(item: str) -> str:
    """Why a Quartz/Jenkins-style item is refused, when it looks like one."""
    if "?" in item:
        return " (? is not POSIX cron syntax: use *)"
    if "#" in item:
        return " (# is not POSIX cron syntax)"
    if re.fullmatch(r"[0-9]*l|l-?[0-9]*|lw", item):
        return " (L is not POSIX cron syntax)"
    if re.fullmatch(r"[0-9]+w", item):
        return " (W is not POSIX cron syntax)"
    if item.startswith("h"):
        return " (H is not POSIX cron syntax)"
    return ""


def _aps_list(
    values: frozenset[int], lo: int, hi: int, names: tuple[str, ...] = (), steps: bool = True
) -> str:
    """A field expression listing exactly ``values``: ``*``, runs as ranges, progressions as steps.

    APScheduler gets only this plain form, never the user's text.
    """
    if values == frozenset(range(lo, hi + 1)):
        return "*"
    ordered = sorted(values)
    label = (lambda v: names[v]) if names else str
    parts: list[str] = []
    i = 0
    while i < len(ordered):
        j = i
        step = ordered[i + 1] - ordered[i] if i + 1 < len(ordered) else 0
        while j + 1 < len(ordered) and ordered[j + 1] - ordered[j] == step:
            j += 1
        if j > i and step == 1:
            parts.append(f"{label(ordered[i])}-{label(ordered[j])}")
        elif j - i >= 2 and steps and not names:
            parts.append(f"{ordered[i]}-{ordered[j]}/{step}")
        else:
            parts.append(label(ordered[i]))
            j = i
        i = j + 1
    return ",".join(parts)


# --------------------------------------------------------------------------- triggers


def build_trigger(
    schedule: Schedule,
    tz: tzinfo,
    start: datetime | None = None,
    end: datetime | None = None,
    *,
    now: datetime | None = None,
) -> BaseTrigger | None:
    """The APScheduler trigger for ``schedule`` (see ``app.core.triggers.build_trigger``).

    The triggers live in their own module, imported on first use, so that code which only
    reads and describes schedules (the CLI listing tasks) does not load APScheduler.
    """
    from app.core import triggers

    return triggers.build_trigger(schedule, tz, start, end, now=now)


def next_fire_times(
    schedule: Schedule,
    tz: tzinfo,
    after: datetime,
    count: int,
    start: datetime | None = None,
    end: datetime | None = None,
) -> list[datetime]:
    """The next ``count`` fire times strictly after ``after`` (``app.core.triggers``)."""
    from app.core import triggers

    return triggers.next_fire_times(schedule, tz, after, count, start, end)


def _within(moment: datetime, start: datetime | None, end: datetime | None) -> bool:
    """Whether ``moment`` lies in the inclusive window (compared as instants)."""
    instant = _utc(moment)
    return (start is None or instant >= _utc(start)) and (end is None or instant <= _utc(end))


def _aware(value: datetime | None, tz: tzinfo, field: str) -> datetime | None:
    if value is None or (value.tzinfo is not None and value.utcoffset() is not None):
        return value
    return _localize(value, tz, field)


# --------------------------------------------------------------------------- validation


def validate_schedule(
    schedule: Schedule,
    tz: tzinfo,
    now: datetime,
    start: datetime | None = None,
    end: datetime | None = None,
) -> None:
    """Refuse a schedule that cannot be what the user meant, naming the field.

    Checks what construction cannot: a date in the past, an interval under one second,
    an end not after the start, a cron that never fires, and a window with no fire in it.
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    start = _aware(start, tz, "start")
    end = _aware(end, tz, "end")
    if start is not None and end is not None and _utc(end) <= _utc(start):
        raise ValidationError("end", f"must be after start ({_stamp(end)} <= {_stamp(start)})")
    kind = schedule.kind
    if kind == "date":
        assert schedule.at is not None
        if _utc(schedule.at) < _utc(now):
            past = f"is in the past: {_stamp(schedule.at)} (now {_stamp(now)})"
            raise ValidationError("at", past)
        if not _within(schedule.at, start, end):
            raise ValidationError("at", f"is outside the start/end window: {_stamp(schedule.at)}")
        return
    if kind == "interval":
        assert schedule.seconds is not None
        if schedule.seconds < MIN_INTERVAL_SECONDS:
            shown = format_duration(timedelta(seconds=schedule.seconds))
            raise ValidationError("every", f"must be at least 1s, got {shown}")
    if kind == "cron":
        assert schedule.expr is not None
        cron = _parse_cron(schedule.expr)
        if cron.never_fires:
            raise ValidationError("cron", f"never fires: no selected month has day {_days(cron)}")
        if cron.reboot:
            return
    if kind in ("interval", "cron", "calendar") and end is not None:
        first = max(_utc(now), _utc(start)) if start is not None else _utc(now)
        if not next_fire_times(schedule, tz, first - _US, 1, start, end):
            window = f"{_stamp(first.astimezone(tz))} and {_stamp(end.astimezone(tz))}"
            raise ValidationError("end", f"the schedule never fires between {window}")


def _days(cron: _Cron) -> str:
    return ", ".join(str(d) for d in sorted(cron.values[3]))


def _stamp(moment: datetime) -> str:
    return moment.isoformat(sep=" ", timespec="seconds")


# --------------------------------------------------------------------------- words


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
    zone = _zone_or_none(tz_name)
    suffix = f" ({tz_name})" if zone is not None else ""
    kind = schedule.kind
    if kind == "interval":
        assert schedule.seconds is not None
        return "Every " + _interval_words(timedelta(seconds=schedule.seconds))
    if kind == "date":
        assert schedule.at is not None
        at = schedule.at.astimezone(zone) if zone is not None else schedule.at
        label = tz_name if zone is not None else _tz_label(at.tzinfo)
        return f"Once at {at.strftime('%Y-%m-%d')} {_clock(at.time())} ({label})"
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


def _interval_words(td: timedelta) -> str:
    millis = round(td.total_seconds() * 1000)
    units = (("week", 604_800_000), ("day", 86_400_000), ("hour", 3_600_000),
             ("minute", 60_000), ("second", 1000), ("millisecond", 1))  # fmt: skip
    parts: list[tuple[int, str]] = []
    for unit, size in units:
        count, millis = divmod(millis, size)
        if count:
            parts.append((count, unit))
    if len(parts) == 1 and parts[0][0] == 1:
        return parts[0][1]
    return _join([_plural(c, u) for c, u in parts])


def _clock(moment: time) -> str:
    return moment.strftime("%H:%M:%S" if moment.second else "%H:%M")


_CAL_WORDS: Final = ("year", "month", "week", "day")


def _calendar_words(spec: CalendarSpec, start: datetime | None) -> str:
    counts = zip((spec.years, spec.months, spec.weeks, spec.days), _CAL_WORDS, strict=True)
    parts = [(c, u) for c, u in counts if c]
    if len(parts) == 1 and parts[0][0] == 1:
        every = parts[0][1]
    else:
        every = _join([_plural(c, u) for c, u in parts])
    on = ""
    if start is not None:
        if spec.weeks and not (spec.years or spec.months or spec.days):
            on = f" on {start.strftime('%A')}"
        elif spec.years and not (spec.months or spec.weeks or spec.days):
            on = f" on {start.day} {start.strftime('%B')}"
        elif spec.months and not (spec.weeks or spec.days):
            on = f" on day {start.day}"
    return f"Every {every}{on} at {_clock(time(spec.hour, spec.minute, spec.second))}"


@lru_cache(maxsize=512)
def _cron_words(expr: str) -> str:
    cron = _parse_cron(expr)
    if cron.reboot:
        return "When the engine starts"
    try:
        from cron_descriptor import ExpressionDescriptor, Options

        options = Options(locale_code="en_US", use_24hour_time_format=True)
        # Seven fields (seconds ... year) so the seconds field is never mistaken for minutes;
        # day of week as plain POSIX numbers so 7, names and steps all read right.
        dow = "*" if cron.fields[5] == "*" else _aps_list(cron.values[5], 0, 6, steps=False)
        fields = [*cron.fields[:5], dow, "*"]
        words = str(ExpressionDescriptor(" ".join(fields), options).get_description())
    except Exception:
        return f"Cron {expr.strip()}"
    if not cron.days_or and cron.fields[3] != "*" and cron.fields[5] != "*":
        words = words.replace(", or on ", ", and only on ")
    return words


def _zone_or_none(name: str | None) -> ZoneInfo | None:
    if not name:
        return None
    try:
        return parse_timezone(name)
    except ValidationError:
        return None


def _tz_label(tz: tzinfo | None) -> str:
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


# --------------------------------------------------------------------------- time zones

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


def system_timezone_name() -> str:
    """The machine's IANA zone name (tzlocal), or ``"UTC"`` when it cannot be determined."""
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
