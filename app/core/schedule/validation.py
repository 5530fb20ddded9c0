"""Whether a schedule can be what the user meant, checked against now and the task's window.

Construction (`model`) checks shape and syntax; this checks what it cannot: a date in the
past, an interval under one second, an end not after the start, a cron that never fires,
a window with no fire in it, and exclusion dates that leave no fire. Several schedules
(``any``) are checked one by one, then as a whole.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta, tzinfo

from app.core.durations import format_duration
from app.core.errors import ValidationError
from app.core.schedule.cron import Cron, parse_cron
from app.core.schedule.model import MIN_INTERVAL_SECONDS, Schedule
from app.core.schedule.zones import US, aware_in, in_range, utc, within, zone_label

__all__ = ["MIN_INTERVAL_SECONDS", "validate_schedule"]


def _none_alike(parts: tuple[Schedule, ...]) -> None:
    """Two crons among several that fire alike, written apart (`0 12 * * 6`, `0 12 * * sat`),
    are one schedule twice. Checked on what is typed, not when a stored task is read: a store
    may hold such a pair from before. Alike means the same values in every field and the
    same fields written `*` (which decide daylight-saving passes and how days combine)."""
    seen: dict[object, str] = {}
    for part in parts:
        if part.kind != "cron" or part.expr is None:
            continue
        key = firing(part.expr)
        if key is None:
            continue
        if key in seen:
            raise ValidationError("schedule", f"names the same schedule twice ({seen[key]!r} "
                                  f"and {part.expr!r} fire alike)")
        seen[key] = part.expr


def firing(expr: str) -> object | None:
    """What decides when a cron fires, equal for two that fire alike (`_none_alike`); None
    for `@reboot`."""
    cron = parse_cron(expr)
    return None if cron.reboot else (cron.values,
                                     tuple(field.startswith("*") for field in cron.fields))


def validate_schedule(
    schedule: Schedule,
    tz: tzinfo,
    now: datetime,
    start: datetime | None = None,
    end: datetime | None = None,
    spent: Collection[datetime] = (),
) -> None:
    """Refuse a schedule that cannot be what the user meant, naming the field (see above).
    A one-shot at one of `spent` has run (app/core/edits.py): its time is not checked."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    start = aware_in(start, tz, "start")
    end = aware_in(end, tz, "end")
    for moment, field in ((start, "start"), (end, "end"), (schedule.at, "at")):
        if moment is not None:
            in_range(moment, field)
    if start is not None and end is not None and utc(end) <= utc(start):
        raise ValidationError("end", f"must be after start: {_stamp(end)} is not after "
                              f"{_stamp(start)}")
    if schedule.kind == "any" or schedule.exclude:
        for part in schedule.each:
            validate_schedule(part, tz, now, start, end, spent)
        _none_alike(schedule.each)
        live = [part for part in schedule.each if part.kind != "date" or part.at not in spent]
        for part in live:  # a one-shot among several on an excluded day: never
            if part.kind == "date" and part.at is not None \
                    and schedule.exclude.excludes(part.at.astimezone(tz).date()):
                raise ValidationError("exclude", f"excludes {part.at.astimezone(tz).date()}, "
                                      f"the day of the one-shot at {_stamp(part.at)}: it "
                                      "would never fire")
        if schedule.exclude and live:
            from app.core.schedule.triggers import next_fire_times  # loads APScheduler

            first = max(utc(now), utc(start)) if start is not None else utc(now)
            if not next_fire_times(schedule, tz, first - US, 1, start, end):
                raise ValidationError("exclude", "leaves no fire: every fire ahead falls "
                                      "on an excluded date")
        return
    kind = schedule.kind
    if kind == "date":
        assert schedule.at is not None
        if schedule.at in spent:
            return
        if utc(schedule.at) < utc(now):
            past = f"is in the past: {_past(schedule.at.astimezone(tz), now.astimezone(tz))}"
            raise ValidationError("at", past)
        if not within(schedule.at, start, end):
            raise ValidationError("at", f"is outside the start/end window: {_stamp(schedule.at)}")
        return
    if kind == "interval":
        assert schedule.seconds is not None
        if schedule.seconds < MIN_INTERVAL_SECONDS:
            shown = format_duration(timedelta(seconds=schedule.seconds))
            raise ValidationError("every", f"must be at least 1s, got {shown}")
    if kind == "cron":
        assert schedule.expr is not None
        cron = parse_cron(schedule.expr)
        if cron.never_fires:
            raise ValidationError("cron", f"never fires: no selected month has day {_days(cron)}")
        if cron.reboot:
            return
    if kind in ("interval", "cron", "calendar") and end is not None:
        if utc(end) <= utc(now):  # (said as a window "between now and" a time before it)
            past = f"is in the past: {_past(end.astimezone(tz), now.astimezone(tz))}"
            raise ValidationError("end", past)
        from app.core.schedule.triggers import next_fire_times  # loads APScheduler: only here

        first = max(utc(now), utc(start)) if start is not None else utc(now)
        if not next_fire_times(schedule, tz, first - US, 1, start, end):
            window = f"{_stamp(first.astimezone(tz))} and {_stamp(end.astimezone(tz))}"
            raise ValidationError("end", f"the schedule never fires between {window}")


def _days(cron: Cron) -> str:
    return ", ".join(str(d) for d in sorted(cron.values[3]))


def _past(at: datetime, now: datetime) -> str:
    """A one-shot's time and now, told apart: now in minutes ("… 20:00 (Europe/Berlin); it is
    now 2026-12-05 19:50 (…)"), to the second in at's minute and to the millisecond in its
    second ("16:03:04; it is now 16:03:04" read as a time not yet past)."""
    said = f"{_stamp(at)}; it is now "
    if at.replace(second=0, microsecond=0) != now.replace(second=0, microsecond=0):
        return said + _stamp(now, seconds=False)
    clock = now.strftime("%Y-%m-%d %H:%M:%S")
    if at.replace(microsecond=0) == now.replace(microsecond=0):
        clock += f".{min(999, -(-now.microsecond // 1000)):03d}"  # (up: never .000)
    return said + f"{clock} ({zone_label(now.tzinfo)})"


def _stamp(moment: datetime, *, seconds: bool = True) -> str:
    """A moment as a refusal says it: "2020-12-05 20:00 (Europe/Berlin)", its seconds when
    it has them (it read "2020-12-05 20:00:00+00:00", a person in the window)."""
    clock = "%H:%M:%S" if moment.second and seconds else "%H:%M"
    return f"{moment.strftime('%Y-%m-%d ' + clock)} ({zone_label(moment.tzinfo)})"


def ended(schedule: Schedule, tz: tzinfo, end: datetime | None, now: datetime) -> str | None:
    """Where a schedule that fires has an end already past (refused in an edit; an import
    keeps it, so that an export of a home with such a task still imports): when, as a
    refusal says it ("2025-01-01 00:00 (UTC)"); None otherwise."""
    if end is None or utc(end) > utc(now) or schedule.kind in ("manual", "after") or (
            schedule.is_startup):
        return None
    return _stamp(end.astimezone(tz))
