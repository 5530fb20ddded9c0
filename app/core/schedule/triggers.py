"""APScheduler triggers built from a ``Schedule``: POSIX cron with the DST rules, calendar
intervals, and the fire-time stepping and preview built on them.

The only module of the schedule package that loads APScheduler; the package imports it on
first use, so code that only reads and describes schedules (the CLI listing tasks) never does.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from typing import Final

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.calendarinterval import CalendarIntervalTrigger
from apscheduler.triggers.combining import OrTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from app.core.schedule.combined import AnyTrigger
from app.core.schedule.cron import Cron, field_expression, parse_cron
from app.core.schedule.model import CalendarSpec, Schedule
from app.core.schedule.stepping import fire_after, first_fire
from app.core.schedule.zones import (
    US,
    aware_in,
    first_instant,
    next_instant,
    utc,
    within,
    zone_label,
)

__all__ = [
    "AnyTrigger",
    "CalendarTrigger",
    "PosixCronTrigger",
    "build_trigger",
    "fire_after",
    "first_fire",
    "next_fire_times",
]

# APScheduler numbers weekdays from Monday = 0; names avoid any confusion.
_APS_DAYS: Final = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@lru_cache(maxsize=1024)
def _wall_trigger(cron: Cron) -> BaseTrigger:
    """A UTC trigger that finds matching *wall-clock* times (UTC has no DST to get in the way).

    Shared between PosixCronTriggers: APScheduler's cron triggers keep no state per call.
    """
    sec, minute, hour, dom, month, dow = cron.values
    common = {
        "year": "*", "week": "*", "timezone": UTC,
        "second": field_expression(sec, 0, 59), "minute": field_expression(minute, 0, 59),
        "hour": field_expression(hour, 0, 23), "month": field_expression(month, 1, 12),
    }  # fmt: skip
    day_expr = field_expression(dom, 1, 31)
    aps_dow = frozenset((d - 1) % 7 for d in dow)
    dow_expr = field_expression(aps_dow, 0, 6, _APS_DAYS)
    if not cron.days_or:
        return CronTrigger(day=day_expr, day_of_week=dow_expr, **common)
    by_weekday = CronTrigger(day="*", day_of_week=dow_expr, **common)
    if not cron.dom_possible:  # e.g. "0 0 31 2 mon": only the weekday half can ever fire
        return by_weekday
    return OrTrigger([CronTrigger(day=day_expr, day_of_week="*", **common), by_weekday])


class PosixCronTrigger(BaseTrigger):  # type: ignore[misc]
    """APScheduler trigger for a POSIX/Vixie cron expression in a time zone.

    Matching wall times come from APScheduler ``CronTrigger``s (an ``OrTrigger`` of two
    when day-of-month and day-of-week are both restricted) run in UTC; this class maps
    them to instants with the DST rules of `zones` (``next_instant``). Without a
    previous fire time the result is the first fire at or after ``now``; with one, strictly
    after it.
    """

    __slots__ = ("_cron", "_wall", "end_date", "expr", "start_date", "timezone")

    def __init__(
        self,
        expr: str,
        timezone: tzinfo,
        start_date: datetime | None = None,
        end_date: datetime | None = None,
    ) -> None:
        self.expr = expr
        self.timezone = timezone
        # Kept in UTC: aware datetimes sharing a ZoneInfo compare by wall time, ignoring fold.
        self.start_date = utc(start_date) if start_date is not None else None
        self.end_date = utc(end_date) if end_date is not None else None
        self._cron = parse_cron(expr)
        idle = self._cron.reboot or self._cron.never_fires
        self._wall = None if idle else _wall_trigger(self._cron)

    def get_next_fire_time(
        self, previous_fire_time: datetime | None, now: datetime
    ) -> datetime | None:
        if self._wall is None:
            return None
        after = utc(previous_fire_time) if previous_fire_time is not None else utc(now) - US
        if self.start_date is not None and self.start_date - US > after:
            after = self.start_date - US
        fire = self._next_after(after)
        if fire is None or (self.end_date is not None and utc(fire) > self.end_date):
            return None
        return fire

    def _next_wall(self, start: datetime) -> datetime | None:
        """The first matching naive wall time at or after ``start`` (rounded up to a second)."""
        assert self._wall is not None
        found: datetime | None = self._wall.get_next_fire_time(
            None, start.replace(tzinfo=UTC, fold=0)
        )
        return None if found is None else found.replace(tzinfo=None)

    def _next_after(self, after: datetime) -> datetime | None:
        cron = self._cron
        return next_instant(self._next_wall, self.timezone, after,
                            both_passes=cron.wildcard, skip_gaps=cron.hour_star)

    def __str__(self) -> str:
        return f"cron[{self.expr}]"

    def __repr__(self) -> str:
        return f"<PosixCronTrigger ({self.expr!r}, timezone='{zone_label(self.timezone)}')>"


class CalendarTrigger(CalendarIntervalTrigger):  # type: ignore[misc]
    """``CalendarIntervalTrigger`` that never skips a day for DST and honours a full window.

    APScheduler's version drops a date whose time falls in a spring-forward gap (for a
    monthly schedule, a whole month); this one fires at the first instant after the gap.
    A repeated time fires at its first occurrence (as upstream). Without a previous fire
    time it returns the first fire at or after ``now`` instead of the start date.
    """

    __slots__ = ("_clock", "_not_after", "_not_before")

    def __init__(
        self,
        spec: CalendarSpec,
        timezone: tzinfo,
        anchor: date,
        not_before: datetime | None = None,
        not_after: datetime | None = None,
    ) -> None:
        super().__init__(
            years=spec.years, months=spec.months, weeks=spec.weeks, days=spec.days,
            hour=spec.hour, minute=spec.minute, second=spec.second,
            start_date=anchor, timezone=timezone,
        )  # fmt: skip
        self._clock = time(spec.hour, spec.minute, spec.second)
        self._not_before = utc(not_before) if not_before is not None else None
        self._not_after = utc(not_after) if not_after is not None else None

    def get_next_fire_time(
        self, previous_fire_time: datetime | None, now: datetime
    ) -> datetime | None:
        floor = utc(now) - US if previous_fire_time is None else utc(previous_fire_time)
        if self._not_before is not None and self._not_before - US > floor:
            floor = self._not_before - US
        day: date | None
        if previous_fire_time is None:
            day = self._jump(floor)
        else:
            local = previous_fire_time.astimezone(self.timezone)
            day = local.date() - timedelta(days=1 if local.time() < self._clock else 0)
            day = self._advance(day)
        while day is not None:
            fire = first_instant(datetime.combine(day, self._clock), self.timezone)
            if utc(fire) > floor:
                if self._not_after is not None and utc(fire) > self._not_after:
                    return None
                return fire
            day = self._advance(day)
        return None

    def _advance(self, day: date) -> date | None:
        """The next date in the sequence (same rule as APScheduler: skip invalid month days)."""
        year, month = day.year, day.month
        while True:
            month += self.months
            year += self.years + (month - 1) // 12
            month = (month - 1) % 12 + 1
            if year > 9999:
                return None
            try:
                step = date(year, month, day.day)
            except ValueError:
                continue
            try:
                return step + timedelta(days=self.days + 7 * self.weeks)
            except OverflowError:
                return None

    def _jump(self, floor: datetime) -> date:
        """A date of the sequence shortly before ``floor``, so old anchors cost nothing."""
        target = floor.astimezone(self.timezone).date()
        anchor: date = self.start_date
        if target <= anchor:
            return anchor
        span = self.days + 7 * self.weeks
        months = 12 * self.years + self.months
        if months == 0:
            k = (target - anchor).days // span - 1
            return anchor + timedelta(days=span * k) if k > 0 else anchor
        if span == 0:
            k = ((target.year - anchor.year) * 12 + target.month - anchor.month) // months - 1
            while k > 0:
                index = anchor.month - 1 + k * months
                try:
                    return date(anchor.year + index // 12, index % 12 + 1, anchor.day)
                except ValueError:
                    k -= 1
        return anchor


def build_trigger(
    schedule: Schedule,
    tz: tzinfo,
    start: datetime | None = None,
    end: datetime | None = None,
    *,
    now: datetime | None = None,
) -> BaseTrigger | None:
    """The APScheduler trigger for ``schedule`` in ``tz``, limited to the ``start``/``end`` window.

    Returns None when time never fires the task: manual, after (chain), cron ``@reboot``,
    and a date outside the window. Naive ``start``/``end`` are wall times in ``tz``.
    ``now`` is used only when ``start`` is None: an interval then starts at ``now`` plus
    one interval, and a calendar interval counts from ``now``'s date (pass a stable
    ``start``, such as the task's creation time, to keep a "every 2 weeks" phase across
    restarts). Without ``now`` the clock is read, as APScheduler itself would.

    Several schedules (``any``), or exclusion dates, give an ``AnyTrigger`` over the
    triggers of each: the earliest fire of any, never on an excluded local date.
    """
    start = aware_in(start, tz, "start")
    end = aware_in(end, tz, "end")
    if schedule.kind == "any" or schedule.exclude:
        if now is None and start is None:
            now = datetime.now(UTC)  # one reading for every part, so they agree
        found = [_one_trigger(s, tz, start, end, now) for s in schedule.each]
        parts = [t for t in found if t is not None]
        return AnyTrigger(parts, tz, schedule.exclude) if parts else None
    return _one_trigger(schedule, tz, start, end, now)


def _one_trigger(
    schedule: Schedule,
    tz: tzinfo,
    start: datetime | None,
    end: datetime | None,
    now: datetime | None,
) -> BaseTrigger | None:
    kind = schedule.kind
    if kind == "date":
        assert schedule.at is not None
        at = schedule.at.astimezone(tz)
        if not within(at, start, end):
            return None
        return DateTrigger(run_date=at, timezone=tz)
    if kind == "interval":
        assert schedule.seconds is not None
        if start is None:
            base = utc(now) if now is not None else datetime.now(UTC)
            start = (base + timedelta(seconds=schedule.seconds)).astimezone(tz)
        return IntervalTrigger(
            seconds=schedule.seconds, start_date=start, end_date=end, timezone=tz
        )
    if kind == "cron":
        assert schedule.expr is not None
        if schedule.is_startup:
            return None
        return PosixCronTrigger(schedule.expr, tz, start_date=start, end_date=end)
    if kind == "calendar":
        assert schedule.calendar is not None
        origin = start if start is not None else (now if now is not None else datetime.now(tz))
        anchor = origin.astimezone(tz).date()
        return CalendarTrigger(schedule.calendar, tz, anchor, not_before=start, not_after=end)
    return None


def next_fire_times(
    schedule: Schedule,
    tz: tzinfo,
    after: datetime,
    count: int,
    start: datetime | None = None,
    end: datetime | None = None,
) -> list[datetime]:
    """The next ``count`` fire times strictly after ``after``, increasing, as aware times in ``tz``.

    Built on ``build_trigger`` (with ``now=after``) and stepped with ``fire_after``, so a
    preview shows what the engine will do. Empty for schedules that time never fires.
    """
    if after.tzinfo is None or after.utcoffset() is None:
        raise ValueError("after must be timezone-aware")
    trigger = build_trigger(schedule, tz, start, end, now=after)
    result: list[datetime] = []
    if trigger is None or count <= 0:
        return result
    fire = first_fire(trigger, utc(after) + US)
    while fire is not None and len(result) < count:
        result.append(fire.astimezone(tz))
        fire = fire_after(trigger, fire)
    return result
