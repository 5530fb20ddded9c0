"""Cron expressions read the POSIX/Vixie way, into explicit sets of matching values.

Not APScheduler's ``CronTrigger.from_crontab``: day of week 0 and 7 are Sunday; when
day-of-month and day-of-week are both restricted (neither field starts with ``*``) a day
matching *either* fires, otherwise both must match; an optional leading seconds field; the
``@`` macros. Field text is expanded here into explicit sets, and ``field_expression``
writes a set back as plain field text, so no scheduler's own syntax quirks leak through.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Final

from app.core.errors import ValidationError

__all__ = ["Cron", "field_expression", "parse_cron"]

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
# a last field that reads as a year (Quartz and AWS write one): 2099, 2024-2030, 2025,2027
_YEAR = r"[12][0-9]{3}(?:-[12][0-9]{3})?(?:/[0-9]+)?"
_YEARS = re.compile(rf"{_YEAR}(?:,{_YEAR})*")
_CRON_HINT = "(5 fields: minute hour day-of-month month day-of-week, e.g. '0 2 * * *')"


@dataclass(frozen=True, slots=True)
class Cron:
    """A parsed cron expression: the matching values of each field, POSIX numbering."""

    fields: tuple[str, ...]  # the six field texts, seconds first ("0" when not given)
    values: tuple[frozenset[int], ...]  # second, minute, hour, dom, month, dow (0 = Sunday)
    reboot: bool = False

    @property
    def day_star(self) -> bool:
        """The day-of-month field starts with ``*`` (it does not restrict the day)."""
        return self.fields[3].startswith("*")

    @property
    def dow_star(self) -> bool:
        """The day-of-week field starts with ``*`` (it does not restrict the day)."""
        return self.fields[5].startswith("*")

    @property
    def hour_star(self) -> bool:
        """Hourly or finer: the clocks' skipped hour simply has no fires (see ``zones``)."""
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
        """No day can ever match (e.g. ``0 0 31 2 *``); ``@reboot`` is not "never"."""
        return not self.reboot and not self.days_or and not self.dom_possible


@lru_cache(maxsize=1024)
def parse_cron(expr: str) -> Cron:
    """Read a cron expression; raises ValidationError("cron", ...) naming the bad field."""
    text = expr.strip()
    if not text:
        raise ValidationError("cron", f"is empty {_CRON_HINT}")
    if text.startswith("@"):
        macro = text.lower()
        if macro == "@reboot":
            return Cron(fields=(), values=(), reboot=True)
        if macro not in _MACROS:
            names = ", ".join([*_MACROS, "@reboot"])
            raise ValidationError("cron", f"unknown macro {text!r} (use one of {names})")
        text = _MACROS[macro]
    parts = text.split()
    if len(parts) in (6, 7) and _YEARS.fullmatch(parts[-1]):
        raise ValidationError(
            "cron",
            f"{parts[-1]!r} reads as a year, but years are not a cron field: Tickwork's "
            "six-field form puts seconds first (second minute hour day-of-month month "
            f"day-of-week); without the year: {' '.join(parts[:-1])!r}",
        )
    if len(parts) not in (5, 6):
        raise ValidationError(
            "cron",
            f"expected 5 fields, or 6 with a leading seconds field, got {len(parts)} "
            f"in {expr.strip()!r} {_CRON_HINT}",
        )
    if len(parts) == 5:
        parts.insert(0, "0")
    values = tuple(_parse_field(name, part) for name, part in zip(_FIELD_NAMES, parts, strict=True))
    return Cron(fields=tuple(parts), values=values)


@lru_cache(maxsize=1024)
def _parse_field(name: str, text: str) -> frozenset[int]:
    """The values one field's text matches (cached: crons share most of their fields' texts,
    and reading a store's thousands of crons read each `*` again)."""
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
    if token.isdecimal():
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


def field_expression(
    values: frozenset[int], lo: int, hi: int, names: tuple[str, ...] = (), steps: bool = True
) -> str:
    """A field expression listing exactly ``values``: ``*``, runs as ranges, progressions as steps.

    APScheduler (and the words) get only this plain form, never the user's text; ``names``
    writes each value as its name (``mon``), ``steps=False`` writes no ``a-b/n`` steps.
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
