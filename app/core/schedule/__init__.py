"""When a task fires: the ``Schedule`` and everything that reads, checks, steps and words it.

One module a job: `model` (the ``Schedule`` value type and its JSON), `cron` (POSIX/Vixie
cron text), `zones` (time zones, wall time and the DST rules), `validation` (is this what
the user meant, given now), `words` (the schedule in plain words) and `triggers` (the
APScheduler triggers built from a schedule, and the fire-time stepping every path uses).

Callers import from here. ``build_trigger`` and ``next_fire_times`` import `triggers` (and
so APScheduler) when first called, not when imported, so code that only reads, checks and
describes schedules (the CLI, the service) never loads it. `exclusions` reads exclusion
dates (typed, or an .ics file's all-day events) and `combined` is the trigger for several
schedules and exclusions; `stepping` steps any trigger. The engine, which steps triggers,
imports `triggers` itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from app.core.schedule.exclusions import (
    NO_EXCLUSIONS,
    Exclusions,
    IcsDates,
    read_ics,
    read_ics_file,
)
from app.core.schedule.model import KINDS, CalendarSpec, Schedule
from app.core.schedule.validation import MIN_INTERVAL_SECONDS, validate_schedule
from app.core.schedule.words import describe
from app.core.schedule.zones import parse_timezone, system_timezone_name

__all__ = [
    "KINDS",
    "MIN_INTERVAL_SECONDS",
    "NO_EXCLUSIONS",
    "CalendarSpec",
    "Exclusions",
    "IcsDates",
    "Schedule",
    "build_trigger",
    "describe",
    "next_fire_times",
    "parse_timezone",
    "read_ics",
    "read_ics_file",
    "system_timezone_name",
    "validate_schedule",
]

if TYPE_CHECKING:  # the type checker sees the real functions and their signatures
    from app.core.schedule.triggers import build_trigger, next_fire_times
else:  # at run time, a call imports them: the signatures live once, in `triggers`

    def build_trigger(*args: Any, **kwargs: Any) -> Any:
        """The APScheduler trigger for a schedule (``triggers.build_trigger``)."""
        from app.core.schedule import triggers

        return triggers.build_trigger(*args, **kwargs)

    def next_fire_times(*args: Any, **kwargs: Any) -> Any:
        """The next fire times of a schedule (``triggers.next_fire_times``)."""
        from app.core.schedule import triggers

        return triggers.next_fire_times(*args, **kwargs)
