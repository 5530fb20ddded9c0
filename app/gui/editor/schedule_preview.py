"""What the Schedule page's preview says: the schedule in words and its next five fire times
in the task's time zone, or why they cannot be shown. Plain values in, text out: the page
gives it what the form holds and shows the result (an error under the field it names).

Intervals and calendar steps ("every 2 weeks") count from the task's start when it has one,
else from its creation, as the engine counts them: an existing task's preview is given its
creation time (`counted_from`) so it lists the fires the engine will make, and a new task's
says its fires count from the moment it is saved."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from app.core.errors import ValidationError
from app.core.schedule import Schedule, describe, next_fire_times, parse_timezone
from app.gui.tasks.chain import after_words

COUNT = 5  # fire times listed
NONE = "—"


@dataclass(frozen=True)
class Preview:
    words: str
    times: str
    error: ValidationError | None = None  # a field's error, shown under it
    note: str = ""  # where the fires count from, when that decides them


def preview(schedule: dict[str, Any], tz_name: str, start: datetime | None,
            end: datetime | None, now: datetime, counted_from: datetime | None = None
            ) -> Preview:
    """The preview of `schedule` (its JSON) in `tz_name`, fired between the wall-clock times
    `start` and `end` (None: no bound), from `now`; a task with no start counts its
    intervals from `counted_from` (its creation; None: a task not saved yet)."""
    try:
        tz = parse_timezone(tz_name or "UTC", "tz")
        parsed = Schedule.from_json(schedule)
    except ValidationError as exc:
        return Preview(NONE, "", exc)
    anchor = _aware(start, tz) or counted_from or now  # a calendar step names its day
    words = describe(parsed, tz_name, start=anchor)  # as the task table and show do
    if parsed.kind == "after":  # its runs wait on theirs: named, as the task table does
        return Preview(words, after_words(parsed.after))
    if parsed.kind == "manual" or parsed.is_startup:
        return Preview(words, NONE)
    note = ""
    if parsed.anchored and start is None:
        note = (f"Counted from the task's creation, {_shown(counted_from.astimezone(tz))} "
                "(set Start to count from another time)" if counted_from is not None
                else "Counted from the moment the task is saved")
    try:
        times = next_fire_times(parsed, tz, now, COUNT, _aware(start, tz) or counted_from,
                                _aware(end, tz))
    except (ValidationError, ValueError, OverflowError) as exc:
        return Preview(words, str(exc))
    if not times:
        return Preview(words, "never (no fire time ahead)", note=note)
    return Preview(words, "\n".join(_shown(t) for t in times), note=note)


def only_tasks(schedule: dict[str, Any], named: Callable[[str], str | None]
               ) -> dict[str, Any]:
    """`schedule` (its JSON) with each "after" list's names only those of tasks there are,
    as `named` names them: "Nig", half typed, read "After Nig succeeds" in the preview, a
    task it would wait for."""
    def counted(part: dict[str, Any]) -> dict[str, Any]:
        if part.get("kind") != "after":
            return part
        return {**part, "tasks": [known for name in part.get("tasks", [])
                                  if (known := named(name)) is not None]}
    if schedule.get("kind") == "any":
        return {**schedule, "schedules": [counted(p) for p in schedule["schedules"]]}
    return counted(schedule)


def _shown(at: datetime) -> str:
    return at.strftime("%a %Y-%m-%d %H:%M:%S %Z")


def _aware(wall: datetime | None, tz: ZoneInfo) -> datetime | None:
    return wall.replace(tzinfo=tz) if wall else None
