"""What the Schedule page's preview says: the schedule in words and its next five fire times
in the task's time zone, or why they cannot be shown. Plain values in, text out: the page
gives it what the form holds and shows the result (an error under the field it names)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from app.core.errors import ValidationError
from app.core.schedule import Schedule, describe, next_fire_times, parse_timezone

COUNT = 5  # fire times listed
NONE = "—"


@dataclass(frozen=True)
class Preview:
    words: str
    times: str
    error: ValidationError | None = None  # a field's error, shown under it


def preview(schedule: dict[str, Any], tz_name: str, start: datetime | None,
            end: datetime | None, now: datetime) -> Preview:
    """The preview of `schedule` (its JSON) in `tz_name`, fired between the wall-clock times
    `start` and `end` (None: no bound), from `now`."""
    try:
        tz = parse_timezone(tz_name or "UTC", "tz")
        parsed = Schedule.from_json(schedule)
    except ValidationError as exc:
        return Preview(NONE, "", exc)
    words = describe(parsed, tz_name)
    if parsed.kind in ("manual", "after") or parsed.is_startup:
        return Preview(words, NONE)
    try:
        times = next_fire_times(parsed, tz, now, COUNT, _aware(start, tz), _aware(end, tz))
    except (ValidationError, ValueError, OverflowError) as exc:
        return Preview(words, str(exc))
    if not times:
        return Preview(words, "never (no fire time ahead)")
    return Preview(words, "\n".join(t.strftime("%a %Y-%m-%d %H:%M:%S %Z") for t in times))


def _aware(wall: datetime | None, tz: ZoneInfo) -> datetime | None:
    return wall.replace(tzinfo=tz) if wall else None
