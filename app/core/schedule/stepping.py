"""Stepping a trigger: its first fire at or after an instant, and its next fire after one.

The one way every path steps a schedule (the engine, recovery, ``simulate``, the calendar and
the previews), in UTC; `triggers` builds the triggers, `combined` steps its parts with this.
"""

from __future__ import annotations

from datetime import UTC, datetime

from apscheduler.triggers.base import BaseTrigger

from app.core.schedule.zones import US, utc

__all__ = ["fire_after", "first_fire"]

LAST = datetime.max.replace(tzinfo=UTC) - US  # no fire can follow this instant


def _next(trigger: BaseTrigger, previous: datetime | None, now: datetime) -> datetime | None:
    """The trigger's own step, where a fire past the last instant a `datetime` holds (the
    year 9999) is no fire: `--every 3650d --start 9998-12-31` raised "year 10008 is out of
    range" in every path that stepped it."""
    try:
        return trigger.get_next_fire_time(previous, now)  # type: ignore[no-any-return]
    except OverflowError:
        return None
    except ValueError as error:  # "year 10008 is out of range"; not a day a month lacks
        if str(error).startswith("year ") and str(error).endswith("is out of range"):
            return None
        raise


def fire_after(trigger: BaseTrigger, fire: datetime) -> datetime | None:
    """The trigger's next fire strictly after the instant ``fire``, in UTC, or None.

    The one way every path steps a schedule: the engine, recovery, ``simulate``, the
    calendar and the previews. Compared and handed back in UTC: aware datetimes sharing a
    ``ZoneInfo`` compare and add by wall clock ignoring ``fold`` (PEP 495), which would
    read the second pass of a repeated hour as "not later" and step an interval by wall
    time. A trigger that stops moving forward has nothing more to give (None).
    """
    previous = utc(fire)
    for _ in range(1000):  # bounded: a trigger may hand back a time at ``fire`` itself
        if previous >= LAST:
            return None
        found = _next(trigger, previous, previous + US)
        if found is None:
            return None
        found = utc(found)
        if found > utc(fire):
            return found
        if found <= previous:
            return None
        previous = found
    return None  # pragma: no cover


def first_fire(trigger: BaseTrigger, begin: datetime) -> datetime | None:
    """The trigger's first fire at or after the instant ``begin``, in UTC, or None.

    (APScheduler's ``DateTrigger`` hands back its date even when it is past: stepped over.)
    """
    found = _next(trigger, None, utc(begin))
    if found is not None and utc(found) < utc(begin):
        found = fire_after(trigger, found)
        while found is not None and found < utc(begin):
            found = fire_after(trigger, found)
    return None if found is None else utc(found)
