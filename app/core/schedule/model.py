"""The ``Schedule`` value type: when a task fires, read from user words and stored as JSON.

A schedule is one of seven kinds: ``manual``, ``date`` (once), ``interval`` (every N
seconds), ``cron``, ``calendar`` (every N years/months/weeks/days at a time of day),
``after`` (chain: run when upstream tasks succeed) and ``any`` (several of the timed kinds
together: the task fires at each fire of any of them, one fire per instant). A repeating
schedule (interval, cron, calendar, any) may carry exclusion dates (`exclusions`): no fire
whose local date is excluded. JSON: a single schedule keeps its shape, with an optional
``"exclude": ["2027-12-24", …]``; several are ``{"kind": "any", "schedules": [...],
"exclude": [...]}``, the exclusions kept once, on the whole. Construction checks shape and syntax
(cron text is read by `cron`, date-times in a zone by `zones`); `validation` checks it
against now, `triggers` turns it into an APScheduler trigger, `words` puts it into words.
Nothing here reads the clock.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone, tzinfo
from typing import Any, Final

from app.core.durations import MAX_DURATION, format_duration, parse_duration
from app.core.errors import ValidationError
from app.core.schedule.cron import parse_cron
from app.core.schedule.exclusions import NO_EXCLUSIONS, Exclusions
from app.core.schedule.zones import parse_datetime

__all__ = ["KINDS", "CalendarSpec", "Schedule"]

KINDS: Final = ("manual", "date", "interval", "cron", "calendar", "after", "any")
#: The kinds ``any`` combines: the ones time fires.
TIMED: Final = ("date", "interval", "cron", "calendar")
#: The kinds that take exclusion dates (cron unless it is ``@reboot``).
EXCLUDABLE: Final = ("interval", "cron", "calendar", "any")
#: Shortest interval a task may have (``parse_every`` and ``validate_schedule``).
MIN_INTERVAL_SECONDS: Final = 1.0


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
    parts: tuple[Schedule, ...] = ()
    exclude: Exclusions = NO_EXCLUSIONS

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValidationError("schedule", f"unknown kind {self.kind!r} (use one of {_kinds()})")
        wanted = {"date": "at", "interval": "seconds", "cron": "expr", "calendar": "calendar",
                  "after": "after", "any": "parts"}.get(self.kind)  # fmt: skip
        for name in ("at", "seconds", "expr", "calendar", "after", "parts"):
            value = getattr(self, name)
            present = bool(value) if name in ("after", "parts") else value is not None
            key = _KEYS.get(name, name)  # as the file says it (an import's error names it)
            if name == wanted and not present:
                if name == "after":
                    raise ValidationError("after", "needs at least one upstream task")
                if name == "parts":
                    raise ValidationError("schedule", "an any schedule needs at least one "
                                          "schedule in 'schedules'")
                raise ValidationError("schedule", f"{_a(self.kind)} schedule needs {key!r}")
            if name != wanted and present:
                raise ValidationError("schedule", f"{_a(self.kind)} schedule takes no {key!r}")
        if self.kind == "date":
            object.__setattr__(self, "at", _fixed_offset(self.at))
        elif self.kind == "interval":
            _check_seconds(self.seconds)
        elif self.kind == "cron":
            if not isinstance(self.expr, str):
                raise ValidationError("cron", f"must be text, got {self.expr!r}")
            parse_cron(self.expr)
        elif self.kind == "calendar" and not isinstance(self.calendar, CalendarSpec):
            raise ValidationError("calendar", f"must be a CalendarSpec, got {self.calendar!r}")
        elif self.kind == "after":
            object.__setattr__(self, "after", _check_upstreams(self.after))
        elif self.kind == "any":
            object.__setattr__(self, "parts", _check_parts(self.parts))
        if not isinstance(self.exclude, Exclusions):
            raise ValidationError("exclude", f"must be Exclusions, got {self.exclude!r}")
        if self.exclude and (self.kind not in EXCLUDABLE or self.is_startup):
            what = "a one-off date" if self.kind == "date" else f"{_a(self.kind)} schedule"
            if self.is_startup:
                what = "a schedule at the first engine start after each boot (@reboot)"
            raise ValidationError("exclude", f"{what} takes no exclusion dates")

    @classmethod
    def combine(cls, schedules: Sequence[Schedule], exclude: Exclusions = NO_EXCLUSIONS
                ) -> Schedule:
        """One schedule for these (``any`` when more than one), with these exclusion dates."""
        if not schedules:
            raise ValidationError("schedule", "needs at least one schedule")
        if len(schedules) == 1:
            return replace(schedules[0], exclude=exclude)
        return cls(kind="any", parts=tuple(schedules), exclude=exclude)

    @property
    def each(self) -> tuple[Schedule, ...]:
        """The schedules this one is made of, without exclusion dates (itself, for one)."""
        return self.parts if self.kind == "any" else (replace(self, exclude=NO_EXCLUSIONS),)

    @property
    def anchored(self) -> bool:
        """Do its fires count from the task's anchor (an interval or calendar in it)? Asked
        at every fire (app/engine/horizon.py), so without building `each`."""
        return any(s.kind in ("interval", "calendar")
                   for s in (self.parts if self.kind == "any" else (self,)))

    # ----------------------------------------------------------------- parsing CLI words

    @classmethod
    def parse_at(cls, text: str, tz: tzinfo) -> Schedule:
        """A one-off at an ISO 8601 date-time; a time without offset is wall time in ``tz``."""
        return cls(kind="date", at=parse_datetime(text, tz, "at"))

    @classmethod
    def parse_every(cls, text: str) -> Schedule:
        """An interval from a duration such as ``5m`` or ``1h30m``, of 1 s at least (one of
        0.0001s was refused as under 1ms, and 1ms then as under 1s)."""
        least = timedelta(seconds=MIN_INTERVAL_SECONDS)
        return cls(kind="interval",
                   seconds=parse_duration(text, "every", least=least).total_seconds())

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
        out = self._json()
        if self.exclude:
            out["exclude"] = self.exclude.to_json()
        return out

    def _json(self) -> dict[str, Any]:
        if self.kind == "any":
            return {"kind": "any", "schedules": [p.to_json() for p in self.parts]}
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
        if kind is None:  # (it said "unknown kind None")
            raise ValidationError("schedule.kind", f"is required (use one of {_kinds()})")
        if not isinstance(kind, str) or kind not in KINDS:
            raise ValidationError("schedule.kind", f"unknown kind {kind!r} (use one of "
                                  f"{_kinds()})")
        allowed = _JSON_KEYS[kind]
        if "exclude" in d:
            rest = {k: v for k, v in d.items() if k != "exclude"}
            return replace(cls.from_json(rest), exclude=Exclusions.parse(d["exclude"]))
        unknown = sorted(str(k) for k in d if k != "kind" and k not in allowed)
        if unknown:
            keys = "key" if len(unknown) == 1 else "keys"
            raise ValidationError("schedule", f"unknown {keys} for {_a(kind)} schedule: {unknown}")
        required = () if kind in ("manual", "calendar") else allowed
        missing = [k for k in required if k not in d]
        if missing:
            raise ValidationError("schedule", f"{_a(kind)} schedule needs {missing[0]!r}")
        if kind == "date":
            at = d["at"]
            if not isinstance(at, str):
                raise ValidationError("at", f"must be an ISO 8601 string, got {at!r}")
            return cls(kind="date", at=parse_datetime(at, None, "at"))
        if kind == "interval":
            return cls(kind="interval", seconds=d["seconds"])
        if kind == "cron":
            return cls(kind="cron", expr=d["expr"])
        if kind == "calendar":
            return cls(kind="calendar", calendar=CalendarSpec(**{k: d.get(k, 0) for k in allowed}))
        if kind == "any":
            items = d["schedules"]
            if not isinstance(items, list):
                raise ValidationError("schedule", f"schedules must be a list, got {items!r}")
            return cls(kind="any", parts=tuple(cls.from_json(p) for p in items))
        if kind == "after":
            tasks = d["tasks"]
            if not isinstance(tasks, list):
                raise ValidationError("after", f"must be a list of task names, got {tasks!r}")
            return cls(kind="after", after=tuple(tasks))
        return cls(kind="manual")

    # ----------------------------------------------------------------- properties

    @property
    def is_startup(self) -> bool:
        """True for cron ``@reboot``: fires at the first engine start after each boot (once per
        boot, app/engine/recovery.py), has no trigger."""
        return self.kind == "cron" and self.expr is not None and parse_cron(self.expr).reboot


_JSON_KEYS: Final[dict[str, tuple[str, ...]]] = {
    "manual": (),
    "date": ("at",),
    "interval": ("seconds",),
    "cron": ("expr",),
    "calendar": ("years", "months", "weeks", "days", "hour", "minute", "second"),
    "after": ("tasks",),
    "any": ("schedules",),
}


_KEYS = {"parts": "schedules", "after": "tasks"}  # the fields' keys in a schedule's JSON


def _kinds() -> str:
    return ", ".join(KINDS)


def _a(kind: str) -> str:
    return f"an {kind}" if kind in ("after", "interval", "any") else f"a {kind}"


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


def _check_parts(parts: object) -> tuple[Schedule, ...]:
    if not isinstance(parts, tuple | list) or len(parts) < 2:
        raise ValidationError("schedule", "several schedules need at least two")
    seen: list[Schedule] = []
    for part in parts:
        if not isinstance(part, Schedule):
            raise ValidationError("schedule", f"must be a Schedule, got {part!r}")
        if part.kind not in TIMED or part.is_startup:
            what = "@reboot" if part.is_startup else part.kind
            raise ValidationError("schedule", f"{what} cannot be one of several schedules "
                                  "(only at, every, cron and calendar can)")
        if part.exclude:
            raise ValidationError("exclude", "belongs to the whole, not one of its schedules")
        if part in seen:
            raise ValidationError("schedule", f"names the same schedule twice ({_said(part)})")
        seen.append(part)
    return tuple(seen)


def _said(part: Schedule) -> str:
    """One of several schedules as a refusal names it: "'0 9 * * *'", "every 5m"."""
    if part.kind == "cron" and part.expr is not None:
        return repr(part.expr)
    if part.kind == "interval" and part.seconds is not None:
        return f"every {format_duration(timedelta(seconds=part.seconds))}"
    if part.kind == "date" and part.at is not None:
        return f"at {part.at:%Y-%m-%d %H:%M}"
    return f"a {part.kind} schedule"


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


_CAL_UNITS: Final = {
    "y": "years", "yr": "years", "yrs": "years", "year": "years", "years": "years",
    "mo": "months", "mon": "months", "month": "months", "months": "months",
    "w": "weeks", "wk": "weeks", "wks": "weeks", "week": "weeks", "weeks": "weeks",
    "d": "days", "day": "days", "days": "days",
}  # fmt: skip
_CAL_TERM = re.compile(r"\s*([0-9]+)\s*([a-z]+)\s*")
_CAL_TIME = re.compile(r"\s*([0-9]{1,2}):([0-9]{2})(?::([0-9]{2}))?\s*")


def _parse_calendar(text: str) -> CalendarSpec:
    """A calendar interval (``1mo@02:00``) as a ``CalendarSpec``."""
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
