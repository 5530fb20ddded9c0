"""A lone task's fires in a window, counted or listed without stepping its trigger fire by
fire: how the calendar shows a month of frequent tasks at any scale.

A lone task (app/engine/lone.py) fires at its next fire, then at each `next_after` of the
one before, exactly as `LoneFires` lists them. `TaskFires` gives the same instants for one
window (a local day) by arithmetic where the schedule allows it, and by stepping the
trigger where it does not:

- an interval: the fire plus whole intervals (APScheduler adds the interval's seconds to
  the previous fire's timestamp);
- a cron on a day with no clock change in its zone near it: the matching wall times of
  each matching date (the fields' sets, POSIX day rules), moved to instants by the zone's
  one offset that day;
- anything else (a DST day, several schedules, exclusion dates, a calendar interval, a
  date): the trigger stepped through the window, as the engine steps it.

tests/engine/test_simulate_fires.py checks the counts and listings against the stepped trigger,
across DST changes, for every shape of schedule.
"""

from __future__ import annotations

import bisect
import math
from datetime import UTC, date, datetime, timedelta, tzinfo
from functools import lru_cache
from typing import Any, Final

from app.core.schedule import build_trigger
from app.core.schedule.cron import Cron, parse_cron
from app.core.schedule.triggers import fire_after, first_fire
from app.core.task import Task

SAME: Final = 1e-3  # seconds apart two instants are the same fire (as the engine's jobs)
NEAR: Final = 3 * 3600.0  # a clock change closer than this to a window: step the trigger
MAX_STEPS: Final = 1_000_000  # fires stepped in one window at most (a per-second "any")
DAY: Final = 86400


@lru_cache(maxsize=4096)
def _cron_plan(expr: str) -> tuple[Cron, tuple[int, ...]] | None:
    """The cron and its matching seconds of the day, sorted (None: it never fires)."""
    cron = parse_cron(expr)
    if cron.reboot or cron.never_fires:
        return None
    secs, minutes, hours = cron.values[0], cron.values[1], cron.values[2]
    times = sorted(h * 3600 + m * 60 + s for h in hours for m in minutes for s in secs)
    return cron, tuple(times)


def _day_matches(cron: Cron, day: date) -> bool:
    _s, _m, _h, doms, months, dows = cron.values
    if day.month not in months:
        return False
    by_dom = day.day in doms
    by_dow = day.isoweekday() % 7 in dows
    return (by_dom or by_dow) if cron.days_or else (by_dom and by_dow)


class TaskFires:
    """The fires of one lone task from `first` (its next fire) on, in any window."""

    def __init__(self, task: Task, tz: tzinfo, first: datetime | None) -> None:
        spec = task.spec
        schedule = spec.schedule
        self.task = task
        self.tz = tz
        self.first = first.timestamp() if first is not None else None
        self.steps = first is not None and schedule.kind != "date"  # more fires follow
        self._trigger: Any = None  # built when first stepped
        self.interval: float | None = None
        self.cron: tuple[Cron, tuple[int, ...]] | None = None
        self.floor = -math.inf  # trigger fires are at or after this (the cron's anchor)
        self.ceiling = math.inf  # and at or before this (the task's end)
        if not self.steps or schedule.exclude:
            return
        if spec.end_at is not None:
            self.ceiling = spec.end_at.timestamp()
        if schedule.kind == "interval":
            self.interval = float(schedule.seconds or 0) or None
        elif schedule.kind == "cron" and schedule.expr is not None:
            self.cron = _cron_plan(schedule.expr)
            if task.anchor is not None:
                self.floor = task.anchor.timestamp()
            if self.cron is None:
                self.steps = False

    @property
    def trigger(self) -> Any:
        """The task's trigger, as the engine builds it (None: no fire follows the first)."""
        if self.steps and self._trigger is None:
            spec = self.task.spec
            self._trigger = build_trigger(spec.schedule, self.tz, self.task.anchor, spec.end_at)
            self.steps = self._trigger is not None
        return self._trigger

    def count(self, lo: float, hi: float) -> int:
        """How many fires fall in [lo, hi)."""
        if self.first is None or hi <= lo:
            return 0
        if (self.interval is not None or self.cron is not None) and self._steady(lo, hi):
            return self._arith(lo, hi, None, listing=False)[0]
        return len(self._stepped(lo, hi, None))

    def times(self, lo: float, hi: float, limit: int | None = None) -> list[float]:
        """The fires in [lo, hi), earliest first, at most `limit`."""
        if self.first is None or hi <= lo:
            return []
        if (self.interval is not None or self.cron is not None) and self._steady(lo, hi):
            return self._arith(lo, hi, limit, listing=True)[1]
        return self._stepped(lo, hi, limit)

    def fire_near(self, ts: float) -> float | None:
        """Its fire at `ts` (within `SAME`), if it has one there."""
        if self.first is None or ts < self.first - SAME:
            return None
        found = self.times(ts - SAME, ts + SAME, 1)
        return found[0] if found else None

    # -- by arithmetic ----------------------------------------------------------------------

    def _steady(self, lo: float, hi: float) -> bool:
        """Whether the zone keeps one offset from well before `lo` to well after `hi`."""
        if self.interval is not None:
            return True
        tz = self.tz
        before = datetime.fromtimestamp(lo - NEAR, UTC).astimezone(tz).utcoffset()
        after = datetime.fromtimestamp(hi + NEAR, UTC).astimezone(tz).utcoffset()
        return before == after

    def _arith(self, lo: float, hi: float, limit: int | None,
               listing: bool) -> tuple[int, list[float]]:
        """(count, and when `listing` the first `limit` times) of the fires in [lo, hi)."""
        first = self.first
        assert first is not None
        out: list[float] = []
        n = 0
        if lo <= first < hi:
            n = 1
            out.append(first)
        # the trigger's fires strictly after `first`, within the window and the task's end
        start = max(lo, first + 1e-6)
        stop = min(hi, self.ceiling + 1e-6)
        if stop <= start:
            return n, out[:limit] if limit is not None else out
        if self.interval is not None:
            step = self.interval
            k = max(1, math.ceil((start - first) / step))
            while k > 1 and first + (k - 1) * step >= start:
                k -= 1
            while first + k * step < start:
                k += 1
            end_k = math.ceil((stop - first) / step)
            while first + end_k * step < stop:
                end_k += 1
            while end_k > k and first + (end_k - 1) * step >= stop:
                end_k -= 1
            n += max(0, end_k - k)
            if listing:
                room = None if limit is None else max(0, limit - len(out))
                last = end_k if room is None else min(end_k, k + room)
                out.extend(first + j * step for j in range(k, last))
            return n, out[:limit] if limit is not None else out
        assert self.cron is not None
        cron, times = self.cron
        start = max(start, self.floor)
        if stop <= start:
            return n, out[:limit] if limit is not None else out
        offset = datetime.fromtimestamp(start, UTC).astimezone(self.tz).utcoffset()
        shift = offset.total_seconds() if offset is not None else 0.0
        wall_lo, wall_hi = start + shift, stop + shift  # wall clock as if it were UTC
        day = datetime.fromtimestamp(wall_lo, UTC).date()
        while True:
            midnight = datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp()
            if midnight >= wall_hi:
                break
            if _day_matches(cron, day):
                a = bisect.bisect_left(times, wall_lo - midnight)
                b = bisect.bisect_left(times, wall_hi - midnight)
                if b > a:
                    n += b - a
                    if listing and (limit is None or len(out) < limit):
                        out.extend(midnight + t - shift for t in times[a:b])
            day += timedelta(days=1)
        return n, out[:limit] if limit is not None else out

    # -- by stepping the trigger ------------------------------------------------------------

    def _stepped(self, lo: float, hi: float, limit: int | None) -> list[float]:
        first = self.first
        assert first is not None
        out: list[float] = []
        if lo <= first < hi:
            out.append(first)
        if self.trigger is None:
            return out
        begin = datetime.fromtimestamp(max(lo, first), UTC)
        fire = first_fire(self.trigger, begin)
        if fire is not None and fire.timestamp() <= first:
            fire = fire_after(self.trigger, datetime.fromtimestamp(first, UTC))
        steps = 0
        while fire is not None and fire.timestamp() < hi and steps < MAX_STEPS:
            if limit is not None and len(out) >= limit:
                break
            out.append(fire.timestamp())
            fire = fire_after(self.trigger, fire)
            steps += 1
        return out


class FiresFrom:
    """A task's fires from `start` on, read off a kept `TaskFires` that has a fire at
    `start`: a task fires along its sequence, so once its next fire moved to a later one of
    them (it fired, or the fire passed), its fires are that sequence's from there. `key`
    names them: the sequence (a number the caller gives) and `start`."""

    __slots__ = ("fires", "key", "start")

    def __init__(self, fires: TaskFires, sequence: int, start: float) -> None:
        self.fires = fires
        self.start = start
        self.key = (sequence, start)

    def count(self, lo: float, hi: float) -> int:
        """How many fires fall in [lo, hi)."""
        return self.fires.count(max(lo, self.start), hi)

    def times(self, lo: float, hi: float, limit: int | None = None) -> list[float]:
        """The fires in [lo, hi), earliest first, at most `limit`."""
        return self.fires.times(max(lo, self.start), hi, limit)
