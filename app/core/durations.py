"""Durations as people type them (``30s``, ``1h30m``, ``1.5h``) and their canonical short form.

Used for interval schedules, timeouts and retry delays. The grammar is a sum of
``<number><unit>`` terms with units ``w d h m s ms`` (plus spelled-out aliases such as
``min`` or ``hours``); a bare number means seconds. Resolution is one millisecond: finer
input is rounded to the nearest millisecond, so ``format_duration`` round-trips exactly.
Months and years are refused on purpose: they have no fixed length, and a calendar
schedule (``1mo@02:00``) is the right tool for them.
"""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from app.core.errors import ValidationError

__all__ = ["MAX_DURATION", "duration_text", "format_duration", "parse_duration"]

#: Longest duration accepted: ten years (with their leap days). Anything longer is a typo.
MAX_DURATION = timedelta(days=3653)

_HINT = "(use e.g. 30s, 5m, 1h30m, 1d)"
_MAX_TEXT = 100

_UNIT_MS: dict[str, int] = {
    "w": 7 * 24 * 3600 * 1000,
    "d": 24 * 3600 * 1000,
    "h": 3600 * 1000,
    "m": 60 * 1000,
    "s": 1000,
    "ms": 1,
}

_ALIASES: dict[str, str] = {
    "ms": "ms", "msec": "ms", "msecs": "ms", "millisecond": "ms", "milliseconds": "ms",
    "s": "s", "sec": "s", "secs": "s", "second": "s", "seconds": "s",
    "m": "m", "min": "m", "mins": "m", "minute": "m", "minutes": "m",
    "h": "h", "hr": "h", "hrs": "h", "hour": "h", "hours": "h",
    "d": "d", "day": "d", "days": "d",
    "w": "w", "wk": "w", "wks": "w", "week": "w", "weeks": "w",
}  # fmt: skip

_CALENDAR_UNITS = {"mo", "mon", "month", "months", "y", "yr", "yrs", "year", "years"}

_NUMBER = r"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)"
_TERM = re.compile(rf"\s*({_NUMBER})\s*([a-z]+)\s*")
_BARE = re.compile(rf"\s*({_NUMBER})\s*")


def parse_duration(text: str, field: str = "duration", *, zero: bool = False,
                   least: timedelta = timedelta(milliseconds=1)) -> timedelta:
    """Parse ``text`` into a positive timedelta of at most ten years, or raise ValidationError;
    with ``zero``, none at all (``0``, ``0s``: a retry at once, a stop without grace) too.
    A positive one shorter than ``least`` is refused saying ``least`` (and 0, where 0 is
    taken); months and years are refused saying what to use instead."""
    if not isinstance(text, str):
        raise ValidationError(field, f"not a duration: {text!r} {_HINT}")
    raw = text.strip()
    if not raw:
        raise ValidationError(field, f"is empty {_HINT}")
    if len(raw) > _MAX_TEXT:
        raise ValidationError(field, f"not a duration: {raw[:20]!r}… is too long {_HINT}")
    lowered = raw.lower()
    if lowered.startswith("-"):
        raise ValidationError(field, f"must not be negative, got {raw!r}" if zero
                              else f"must be positive, got {raw!r}")

    bare = _BARE.fullmatch(lowered)
    if bare:
        total_ms = _decimal(bare.group(1)) * 1000
    else:
        total_ms = Decimal(0)
        seen: set[str] = set()
        pos = 0
        while pos < len(lowered):
            term = _TERM.match(lowered, pos)
            if term is None:
                raise ValidationError(field, f"not a duration: {raw!r} {_HINT}")
            number, word = term.groups()
            unit = _ALIASES.get(word)
            if unit is None:
                if word in _CALENDAR_UNITS:
                    raise ValidationError(
                        field,
                        f"not a duration: {raw!r} (months and years have no fixed length; "
                        + ("use a calendar schedule such as 1mo@02:00)" if field == "every"
                           else "use days, e.g. 30d)"),
                    )
                raise ValidationError(field, f"not a duration: {raw!r} {_HINT}")
            if unit in seen:
                raise ValidationError(field, f"not a duration: {raw!r} repeats the unit {unit!r}")
            seen.add(unit)
            total_ms += _decimal(number) * _UNIT_MS[unit]
            pos = term.end()

    if total_ms > _MAX_MS:
        raise ValidationError(field, f"is too long: {raw!r} (at most 10 years)")
    if total_ms == 0 and zero:
        return timedelta(0)
    if total_ms <= 0:
        raise ValidationError(field, f"must be positive, got {raw!r}")
    millis = int(total_ms.quantize(Decimal(1), rounding=ROUND_HALF_EVEN))
    if timedelta(milliseconds=millis) < least:
        least_said = f"{'0 or ' if zero else ''}at least {format_duration(least)}"
        raise ValidationError(field, f"must be {least_said}, got {raw!r}")
    return timedelta(milliseconds=millis)


def format_duration(td: timedelta) -> str:
    """Render ``td`` in the canonical short form (``1h30m``, ``45s``, ``250ms``).

    The result parses back to the same value for any positive duration with millisecond
    resolution. Sub-millisecond parts are rounded; zero is ``0s`` and a negative
    duration gets a leading ``-`` (neither is accepted by ``parse_duration``).
    """
    total_us = (td.days * 86_400 + td.seconds) * 1_000_000 + td.microseconds
    if total_us < 0:
        return "-" + format_duration(-td)
    millis = int((Decimal(total_us) / 1000).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))
    if millis == 0:
        return "0s"
    parts: list[str] = []
    for unit in ("w", "d", "h", "m", "s", "ms"):
        count, millis = divmod(millis, _UNIT_MS[unit])
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts)


def duration_text(seconds: float | None, coarse: bool = False) -> str:
    """How long something took, as the window and `run show` say it: '<1 ms', '850 ms',
    '4.2 s', '3 min 5 s', '2 h 10 min', '3 d 4 h'; `coarse`: whole seconds and no more than
    two units ('in 5 min'). A run of 0.3 ms read "0 ms", and `run show` "0.000 s"."""
    if seconds is None:
        return "—"
    if seconds < 1 and not coarse and round(seconds * 1000) < 1000:
        ms = f"{seconds * 1000:.0f}"  # (0.5 ms rounds to "0", as a half rounds to even)
        return "<1 ms" if seconds >= 0 and ms == "0" else f"{ms} ms"
    if seconds < 60:
        return f"{seconds:.0f} s" if coarse or seconds >= 10 else f"{seconds:.1f} s"
    td = timedelta(seconds=round(seconds))
    days, rest = td.days, td.seconds
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{minutes} min {secs} s" if secs and not coarse else f"{minutes} min"


_MAX_MS = Decimal(MAX_DURATION.days * 86_400 * 1000)


def _decimal(number: str) -> Decimal:
    """The exact decimal value of a number the grammar already matched."""
    try:
        return Decimal(number)
    except InvalidOperation:  # pragma: no cover - the regex only lets numbers through
        return Decimal(0)
